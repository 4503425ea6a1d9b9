"""The window fits small screens: minimum size, first-start size, nothing cut off in the Architecture step."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt


@pytest.fixture
def analysed_window(qtbot, window, ui):
    analysis = window.panel("Analysis")
    with qtbot.waitSignal(analysis.analysed, timeout=60000):
        ui.load_ar2(qtbot, window, a=1.6, b=-0.7, length=4000, count=3)
    qtbot.waitUntil(lambda: not analysis.is_busy(), timeout=10000)
    return window


def test_minimum_size_fits_1000x700_on_every_step(qtbot, analysed_window):
    window = analysed_window
    for i in range(len(window.panels)):
        qtbot.mouseClick(window.next_button if i else window.back_button, Qt.MouseButton.LeftButton)
        window.go_to(i)
        qtbot.waitUntil(lambda: window.stack.currentIndex() == i and window.stack.currentWidget().isVisible())
        hint = window.minimumSizeHint()
        assert hint.width() <= 1000, (window.panels[i].title, hint)
        assert hint.height() <= 700, (window.panels[i].title, hint)
    window.resize(1024, 700)
    qtbot.waitUntil(lambda: window.width() == 1024 and window.height() == 700)


def test_first_start_is_sized_to_the_screen(qtbot, settings):
    from wavenetlike_gui.main_window import MainWindow
    w = MainWindow(settings=settings, load_bundled=False)  # no remembered geometry: first start
    qtbot.addWidget(w)
    avail = w.screen().availableGeometry()
    min_hint = w.minimumSizeHint()
    assert w.height() <= max(avail.height(), min_hint.height())
    assert w.width() <= max(avail.width(), min_hint.width())
    assert w.width() <= MainWindow.PREFERRED_SIZE.width()
    w.resize(5000, 5000)  # a size remembered from a bigger monitor is shrunk back onto this one
    w.fit_to_screen(keep_size=True)
    assert w.width() <= max(avail.width(), min_hint.width()) and w.height() <= avail.height()
    w.project.modified = False
    w.close()


def test_every_layer_is_labelled_in_the_delta_chart(qtbot, analysed_window):
    window = analysed_window
    arch = window.panel("Architecture")
    window.resize(1024, 700)
    window.go_to(2)
    qtbot.mouseClick(arch.pictures.tabBar(), Qt.MouseButton.LeftButton,
                     pos=arch.pictures.tabBar().tabRect(1).center())
    assert arch.pictures.currentIndex() == 1
    ui_layers = arch.editors["layers_per_block"]
    ui_layers.setValue(9)  # 2 blocks x 9 layers: 18 rows, as in the issue
    qtbot.waitUntil(lambda: len(arch.diagram.deltas) == arch.valid_config.n_blocks * 9)
    qtbot.waitUntil(lambda: len(arch.diagram.drawn_row_labels()) == len(arch.diagram.deltas))
    drawn = arch.diagram.drawn_row_labels()
    assert drawn[0].startswith("layer 1 ") and drawn[-1].startswith(f"layer {len(drawn)} ")


def test_kernel_size_error_is_not_cut_off(qtbot, analysed_window, ui):
    window = analysed_window
    arch = window.panel("Architecture")
    window.resize(1024, 700)
    window.go_to(2)
    ui.set_spin(qtbot, arch.editors["kernel_size"], 0)
    label = arch.error_labels["kernel_size"]
    qtbot.waitUntil(lambda: label.isVisible() and label.height() >= label.heightForWidth(label.width()))
    assert "kernel_size" in label.text()
    needed = label.heightForWidth(label.width())
    assert label.height() >= needed, (label.height(), needed)


def test_analysis_summary_values_have_their_full_text_in_a_tooltip(qtbot, analysed_window):
    table = analysed_window.panel("Analysis").table
    for r in range(table.rowCount()):
        name, value = table.item(r, 0).text(), table.item(r, 1).text()
        assert f"{name}: {value}" in table.item(r, 1).toolTip()
