"""``wavenetlike-gui --self-test``: check that an installation (source or frozen) works.

Runs each piece the app needs, prints one line per check and returns the exit
status: 0 when every check passed, 1 when something is missing or broken (the
last line names what). Checks, in order:

- **Qt platform plugin**: the plugin the window will use is present
  (``offscreen`` when there is no display, so the check runs on servers) and a
  QApplication starts on it.
- **torch**: imports and computes (a small matrix product checked against numpy).
- **soundfile**: writes a WAV file and reads the same samples back.
- **PortAudio**: ``sounddevice`` imports, i.e. the PortAudio library is found.
  A missing PortAudio library is a failure (the app could not play sound).
  A machine without an *output device* (a server, a container) is only
  reported as a note: that is a property of the machine, not of the
  installation, and the app still exports WAV files there.
- **main window**: the real main window opens (offscreen), every step panel is
  shown once and the window renders, without uncaught errors.
- **native platform plugin** (xcb / windows / cocoa): loads with its system
  libraries. A failure is fatal when a display is present (the app could not
  start on it) and a warning on a headless machine.
- **bundled sample set**: ``Dataset("bundled")`` loads (a warning when it does
  not: the app still opens the user's own files).
- **training**: ``train_stack_ar`` fits an AR(2) ``Block`` and its taps come
  out near (b, a).
- **generation**: a tiny WaveNet-like model generates samples with
  ``generate`` (the method the app uses) and they equal the naive reference.

The self-test never touches the user's settings (it uses a temporary settings
file) and writes nothing outside a temporary folder. When there is no
standard output (a windowed build on Windows) the report goes to
``self-test.txt`` next to the app's log file instead.
"""
from __future__ import annotations

import glob
import math
import os
import shutil
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence, TextIO

__all__ = ["CheckResult", "SelfTest", "run_self_test"]

OK, WARN, FAIL = "ok", "warn", "FAIL"

# AR(2) used by the training check: X_t = a·X_{t−1} + b·X_{t−2} + ε (stationary).
AR_A, AR_B = 0.6, -0.3
AR_SAMPLES = 4000
AR_TOLERANCE = 0.06
"""Allowed |fitted tap − true coefficient|: with 4000 samples the least-squares
estimate's standard error is about 0.015, so 0.06 is four standard errors."""

NATIVE_PLATFORM = {"linux": "xcb", "win32": "windows", "darwin": "cocoa"}


@dataclass
class CheckResult:
    """The outcome of one check: ``status`` is "ok", "warn" or "FAIL"."""

    name: str
    status: str
    detail: str
    seconds: float = 0.0


class CheckFailed(Exception):
    """Raised inside a check to fail it with a readable message."""


class CheckWarning(Exception):
    """Raised inside a check to pass it with a warning."""


def has_display() -> bool:
    """Whether a graphical display is available to this process."""
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True  # Windows and macOS sessions always have one


def _plugin_files(platform_name: str) -> list[str]:
    """Files of the Qt platform plugin ``platform_name`` found on Qt's plugin search path."""
    from PySide6.QtCore import QCoreApplication, QLibraryInfo
    dirs = list(QCoreApplication.libraryPaths())
    dirs.append(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath))
    dirs += [d for d in os.environ.get("QT_PLUGIN_PATH", "").split(os.pathsep) if d]
    found: list[str] = []
    for d in dict.fromkeys(dirs):
        for pattern in (f"*q{platform_name}.*", f"*q{platform_name}-*"):
            found += [f for f in glob.glob(os.path.join(d, "platforms", pattern)) if f not in found]
    return found


@dataclass
class SelfTest:
    """Runs the checks and collects their results; ``run()`` returns the exit status."""

    out: Callable[[str], None]
    results: list[CheckResult] = field(default_factory=list)
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="wavenetlike-selftest-")))
    qt_args: Sequence[str] = ()

    # ------------------------------------------------------------------ driver
    def check(self, name: str, fn: Callable[[], str]) -> CheckResult:
        """Run one check, print its line and record it."""
        t0 = time.perf_counter()
        try:
            status, detail = OK, fn()
        except CheckWarning as exc:
            status, detail = WARN, str(exc)
        except CheckFailed as exc:
            status, detail = FAIL, str(exc)
        except Exception as exc:  # anything unexpected is a failure with its traceback's last line
            status = FAIL
            detail = f"{type(exc).__name__}: {exc}"
            tb = traceback.format_exc().strip().splitlines()
            if len(tb) > 1:
                detail += f"  [{tb[-3].strip() if len(tb) >= 3 else tb[0]}]"
        result = CheckResult(name, status, detail, time.perf_counter() - t0)
        self.results.append(result)
        self.out(f"[{status:>4}] {name}: {detail} ({result.seconds:.1f} s)")
        return result

    def run(self) -> int:
        """Run every check; 0 if none failed, else 1 (the last line names the failures)."""
        frozen = bool(getattr(sys, "frozen", False))
        self.out(f"wavenetlike self-test ({'frozen app' if frozen else 'from source'}; "
                 f"Python {sys.version.split()[0]} on {sys.platform}; executable {sys.executable})")
        qt = self.check("Qt platform plugin", self.check_qt_platform)
        self.check("torch", self.check_torch)
        self.check("soundfile", self.check_soundfile)
        self.check("PortAudio (sounddevice)", self.check_portaudio)
        if qt.status != FAIL:
            self.check("main window", self.check_main_window)
            self.check("native Qt platform plugin", self.check_native_plugin)
        self.check("bundled sample set", self.check_bundled)
        self.check("training (AR(2) Block)", self.check_training)
        self.check("generation", self.check_generation)
        failed = [r.name for r in self.results if r.status == FAIL]
        warned = [r.name for r in self.results if r.status == WARN]
        if failed:
            self.out(f"self-test FAILED: missing or broken: {', '.join(failed)}")
            return 1
        note = f" ({len(warned)} warning(s): {', '.join(warned)})" if warned else ""
        self.out(f"self-test passed: {len(self.results)} checks{note}")
        return 0

    # ------------------------------------------------------------------ checks
    def check_qt_platform(self) -> str:
        try:
            import PySide6
            from PySide6.QtWidgets import QApplication
        except ImportError as exc:
            raise CheckFailed(f"PySide6 does not import ({exc}); install PySide6-Essentials") from exc
        if not os.environ.get("QT_QPA_PLATFORM") and not has_display():
            os.environ["QT_QPA_PLATFORM"] = "offscreen"
        wanted = os.environ.get("QT_QPA_PLATFORM", NATIVE_PLATFORM.get(sys.platform, "xcb"))
        wanted = wanted.split(":")[0].split(";")[0]
        app = QApplication.instance()
        if app is None:
            files = _plugin_files(wanted)
            if not files:
                raise CheckFailed(f"the Qt platform plugin '{wanted}' is missing (no platforms/*q{wanted}.* "
                                  "on Qt's plugin path); the app cannot open a window")
            # Qt aborts the process if the plugin fails to load; the line above says which one it was.
            self.out(f"       starting QApplication on '{wanted}' ({files[0]})")
            app = QApplication([sys.argv[0], *self.qt_args])
        self._app = app
        return f"PySide6 {PySide6.__version__}, Qt platform '{app.platformName()}'"

    def check_torch(self) -> str:
        try:
            import numpy as np
            import torch
        except Exception as exc:
            raise CheckFailed(f"torch does not import ({type(exc).__name__}: {exc})") from exc
        torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
        rng = np.random.default_rng(0)
        a, b = rng.standard_normal((64, 32)), rng.standard_normal((32, 16))
        got = (torch.from_numpy(a) @ torch.from_numpy(b)).numpy()
        if not np.allclose(got, a @ b, atol=1e-9):
            raise CheckFailed("torch computes a wrong matrix product")
        cuda = torch.cuda.is_available()
        return (f"torch {torch.__version__}, numpy {np.__version__}, {torch.get_num_threads()} thread(s), "
                f"CUDA {'available' if cuda else 'not available (CPU)'}")

    def check_soundfile(self) -> str:
        try:
            import numpy as np
            import soundfile as sf
        except Exception as exc:
            raise CheckFailed(f"soundfile (libsndfile) does not import ({type(exc).__name__}: {exc})") from exc
        rate = 16000
        t = np.arange(rate // 10) / rate
        audio = (0.5 * np.sin(2 * math.pi * 440 * t)).astype(np.float32)
        path = self.workdir / "tone.wav"
        sf.write(path, audio, rate, subtype="PCM_16")
        back, back_rate = sf.read(path, dtype="float32")
        if back_rate != rate or back.shape != audio.shape or np.max(np.abs(back - audio)) > 1e-4:
            raise CheckFailed("a WAV file read back differs from what was written")
        return f"wrote and read back a WAV (libsndfile {sf.__libsndfile_version__})"

    def check_portaudio(self) -> str:
        try:
            import sounddevice as sd
        except OSError as exc:
            raise CheckFailed(f"the PortAudio library is missing ({exc}); playback cannot work. "
                              "Install it (Debian/Ubuntu: apt install libportaudio2; Fedora: dnf install "
                              "portaudio; macOS: brew install portaudio)") from exc
        except ImportError as exc:
            raise CheckFailed(f"sounddevice is not installed ({exc})") from exc
        version = sd.get_portaudio_version()[1]
        try:
            device = sd.query_devices(kind="output")
        except Exception as exc:
            raise CheckWarning(f"{version} loaded, but there is no audio output device ({exc}); "
                               "the app cannot play sound here but still exports WAV files") from exc
        return f"{version}; default output: {device['name']}"

    def check_main_window(self) -> str:
        from PySide6.QtCore import QSettings

        from .main_window import MainWindow
        from .settings import Settings
        errors: list[str] = []
        old_hook = sys.excepthook

        def record(exc_type, exc, tb):  # uncaught errors in Qt slots land here
            errors.append("".join(traceback.format_exception_only(exc_type, exc)).strip())

        sys.excepthook = record
        try:
            qsettings = QSettings(str(self.workdir / "settings.ini"), QSettings.Format.IniFormat)
            window = MainWindow(settings=Settings(qsettings), load_bundled=False)
            window.show()
            self._app.processEvents()
            titles = []
            for i, panel in enumerate(window.panels):
                window.go_to(i)
                self._app.processEvents()
                titles.append(panel.title)
            visible = window.isVisible()
            image = window.grab().toImage()
            window.close()
            self._app.processEvents()
            window.deleteLater()
            self._app.processEvents()
        finally:
            sys.excepthook = old_hook
        if errors:
            raise CheckFailed(f"errors while showing the window: {'; '.join(errors)}")
        if not visible or image.isNull() or image.width() == 0:
            raise CheckFailed("the main window did not show or render")
        return f"opened and rendered {image.width()}x{image.height()}, steps: {', '.join(titles)}"

    def check_native_plugin(self) -> str:
        from PySide6.QtCore import QPluginLoader
        native = NATIVE_PLATFORM.get(sys.platform)
        if native is None:
            return f"no native plugin known for {sys.platform}; skipped"
        problem = CheckFailed if has_display() else CheckWarning
        files = _plugin_files(native)
        if not files:
            raise problem(f"the '{native}' platform plugin is missing: the app cannot open a window on this "
                          "desktop")
        loader = QPluginLoader(files[0])
        if not loader.load():
            hint = " (on Linux, Qt 6.5+ needs libxcb-cursor0)" if native == "xcb" else ""
            raise problem(f"the '{native}' plugin does not load: {loader.errorString()}{hint}")
        return f"'{native}' loads ({Path(files[0]).name})"

    def check_bundled(self) -> str:
        try:
            from wavenetlike import Dataset
            dataset = Dataset("bundled")
        except Exception as exc:
            raise CheckWarning(f"the bundled sample set cannot be loaded ({type(exc).__name__}: {exc}); "
                               "the app still opens your own audio") from exc
        if not dataset.clips:
            reasons = "; ".join(f"{e.name}: {e.reason}" for e in dataset.errors[:2])
            raise CheckWarning(f"the bundled sample set is empty or missing ({reasons})")
        seconds = sum(len(c.audio) / c.sample_rate for c in dataset.clips)
        return (f"{len(dataset.clips)} clips, {seconds:.1f} s at {dataset.sample_rate} Hz, "
                f"{len(dataset.errors)} unreadable")

    def check_training(self) -> str:
        try:
            from wavenetlike import Block, ar2_process
            from wavenetlike.train import Losses, train_stack_ar
        except ImportError as exc:
            raise CheckFailed(f"the training module is missing ({exc})") from exc
        import torch
        torch.manual_seed(0)
        stack = Block(n_layers=1, kernel_length=2, dilation_rate=1)
        gen = ar2_process(AR_A, AR_B, 0.0, 0.0, seed=1)
        data = [next(gen) for _ in range(AR_SAMPLES)]
        train_stack_ar(stack, data, loss_type=Losses.mse)
        w = stack.layers[0].weight.detach().reshape(-1).tolist()  # taps: oldest (b) first, newest (a) last
        b_fit, a_fit = w[0], w[1]
        if not (abs(a_fit - AR_A) < AR_TOLERANCE and abs(b_fit - AR_B) < AR_TOLERANCE):
            raise CheckFailed(f"AR(2) taps fitted to (b, a) = ({b_fit:.3f}, {a_fit:.3f}), "
                              f"expected near ({AR_B}, {AR_A})")
        return f"fitted (b, a) = ({b_fit:.3f}, {a_fit:.3f}), true ({AR_B}, {AR_A})"

    def check_generation(self) -> str:
        try:
            from wavenetlike.generate import generate
        except ImportError as exc:
            raise CheckFailed(f"the generation module is missing ({exc})") from exc
        import numpy as np
        import torch

        from wavenetlike import WavenetToyConstants, build_wavenetlike
        torch.manual_seed(0)
        config = WavenetToyConstants(n_blocks=1, layers_per_block=4, residual_channels=8, gate_channels=8,
                                     skip_channels=16, output_channels=16, quantization_channels=32)
        model = build_wavenetlike(config).eval()
        n = 48
        audio = np.asarray(generate(model, n, temperature=1.0, seed=3))
        reference = np.asarray(generate(model, n, temperature=1.0, seed=3, method="naive"))
        if audio.shape[-1] != n or not np.all(np.isfinite(audio)) or np.max(np.abs(audio)) > 1.0:
            raise CheckFailed(f"generate returned {audio.shape} samples, expected {n} finite values in [-1, 1]")
        if not np.allclose(audio, reference, atol=1e-5):
            raise CheckFailed("the app's generation method differs from the naive reference")
        try:
            from wavenetlike.generate import fast_backend_available
            method = "numba compiled step" if fast_backend_available()[0] else "eager cached step"
        except ImportError:
            method = "default method"
        from wavenetlike.config import receptive_field
        return (f"{n} samples from a model with a {receptive_field(config)}-sample receptive field "
                f"({method}), equal to the naive reference")


def _writer() -> tuple[Callable[[str], None], TextIO | None]:
    """Print to stdout, or to ``self-test.txt`` beside the log when there is no stdout (windowed build)."""
    if sys.stdout is not None:
        def out(line: str) -> None:
            print(line, flush=True)
        return out, None
    from .app_logging import log_file_path
    path = log_file_path().with_name("self-test.txt")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "w", encoding="utf-8")

    def out_file(line: str) -> None:
        handle.write(line + "\n")
        handle.flush()
    return out_file, handle


def run_self_test(qt_args: Sequence[str] = ()) -> int:
    """Run the self-test; returns the process exit status (0 = everything works)."""
    out, handle = _writer()
    test = SelfTest(out=out, qt_args=tuple(qt_args))
    try:
        return test.run()
    finally:
        shutil.rmtree(test.workdir, ignore_errors=True)
        if handle is not None:
            handle.close()
