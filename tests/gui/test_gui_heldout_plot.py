"""The Training step's held-out plot: its baselines' labels stay readable in a short plot."""
from __future__ import annotations

from wavenetlike_gui.widgets.heldout_plot import HeldOutPlot


def test_every_baseline_label_is_inside_a_short_plot(qtbot):
    plot = HeldOutPlot()
    qtbot.addWidget(plot)
    plot.resize(410, 130)  # the plot's size in the Training step at 1024×700
    plot.show()
    qtbot.waitExposed(plot)
    baselines = {"linear predictor (order 32)": 1.616, "same class": 5.195}
    for step, bits in ((20, 1.47), (40, 1.46), (60, 1.45)):
        plot.add_validation(step, bits, baselines)
    # the view ends just above the highest line ("same class"): its label goes below it, the other's above
    qtbot.waitUntil(lambda: all(plot.label_inside_view(name) for name in baselines), timeout=2000)
    assert "beats the linear predictor (order 32) (1.616)" in plot.to_beat()
