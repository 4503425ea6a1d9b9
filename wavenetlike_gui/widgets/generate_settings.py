"""The Generate step's settings form: length, temperature, seed, prime, label, resynthesis."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QGroupBox, QWidget

from .controls import row, spin

__all__ = ["GenerateSettingsForm", "chosen_clip", "fill_clip_combo"]


class GenerateSettingsForm(QGroupBox):
    """How the next take is generated; the clip choices follow the dataset, the label choice the model."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Settings", parent)
        self.seconds_spin = spin(0.01, 600.0, 2.0, "How many seconds of audio to generate.", decimals=2, suffix=" s")
        self.temperature_spin = spin(0.0, 5.0, 1.0, "1 samples the model's distribution as learned; lower is more "
                                     "conservative; 0 always takes the most likely value.", decimals=2, step=0.05)
        self.seed_spin = spin(0, 2**31 - 1, 0, "The random seed: the same seed, model and settings give the same "
                              "audio.")
        self.random_seed_check = QCheckBox("new seed each time")
        self.random_seed_check.setChecked(True)
        self.random_seed_check.setToolTip("The seed used is shown, so a take can be made again.")
        self.prime_combo = QComboBox()
        self.prime_combo.setToolTip("Start from the beginning of a real clip (teacher-forced), then continue it.")
        self.prime_seconds_spin = spin(0.001, 30.0, 0.25, "How much of the start of the clip to use as the prime.",
                                       decimals=3, suffix=" s")
        self.label_combo = QComboBox()
        self.label_combo.setToolTip("The label to condition on (models trained with global conditioning).")
        self.resynth_combo = QComboBox()
        self.resynth_combo.setToolTip("Models with local conditioning: resynthesize this clip from its "
                                      "log-mel features.")
        self.resynth_combo.currentIndexChanged.connect(self._resynth_changed)
        self._clip_seconds: list[float] = []
        form = QFormLayout(self)
        form.addRow("Length", self.seconds_spin)
        form.addRow("Temperature", self.temperature_spin)
        form.addRow("Seed", row((self.seed_spin, 1), self.random_seed_check))
        form.addRow("Prime with", row((self.prime_combo, 1), self.prime_seconds_spin))
        form.addRow("Label", self.label_combo)
        form.addRow("Resynthesize", self.resynth_combo)

    def fill_clips(self, names: list[str], seconds: list[float]) -> None:
        """Offer the dataset's clips as primes and for resynthesis (the choices kept where they still exist)."""
        self._clip_seconds = list(seconds)
        for combo, first in ((self.prime_combo, "(no prime: start from silence)"),
                             (self.resynth_combo, "(no: free generation)")):
            fill_clip_combo(combo, names, first)

    def fill_model(self, config: Any) -> None:
        """Offer the model's labels; resynthesis only for models with local conditioning."""
        self.label_combo.clear()
        n_classes = int(getattr(config, "global_condition_classes", 0) or 0)
        if n_classes:
            labels = list(getattr(config, "labels", []) or [])
            for i in range(n_classes):
                self.label_combo.addItem(labels[i] if i < len(labels) else f"class {i}", i)
        else:
            self.label_combo.addItem("(the model is not conditioned on labels)", None)
        self.label_combo.setEnabled(bool(n_classes))
        local = int(getattr(config, "local_condition_channels", 0) or 0)
        self.resynth_combo.setEnabled(bool(local) and bool(self._clip_seconds))
        if not local:
            self.resynth_combo.setCurrentIndex(0)

    def generation_kwargs(self, config: Any, sample_rate: int, scale: float, clips: Sequence[Any]) -> dict[str, Any]:
        """The arguments for ``generate_stream`` as the form shows them (a new seed drawn first when asked for).

        ``config`` is the generating model's, ``scale`` its data scale (model units × scale = data units),
        ``clips`` the dataset's clips the prime and resynthesis choices point into.
        """
        if self.random_seed_check.isChecked():
            self.seed_spin.setValue(int(np.random.default_rng().integers(0, 2**31 - 1)))
        kwargs: dict[str, Any] = {"seconds": float(self.seconds_spin.value()),
                                  "temperature": float(self.temperature_spin.value()),
                                  "seed": int(self.seed_spin.value()), "method": "auto"}
        prime = chosen_clip(self.prime_combo, clips)
        if prime is not None:
            n = max(1, int(round(self.prime_seconds_spin.value() * sample_rate)))
            kwargs["prime"] = np.clip(np.asarray(prime.audio[:n], dtype=np.float32) / scale, -1.0, 1.0)
        if self.label_combo.isEnabled() and self.label_combo.currentData() is not None:
            kwargs["global_cond"] = int(self.label_combo.currentData())
        resynth = chosen_clip(self.resynth_combo, clips) if self.resynth_combo.isEnabled() else None
        if resynth is not None and config is not None:
            # The library's own features (scaled as in training), so resynthesis hears what training heard.
            from wavenetlike.conditioning import features_for_clip
            kwargs["local_features"] = features_for_clip(config, np.asarray(resynth.audio, np.float32),
                                                         scale).numpy()
        return kwargs

    def take_settings(self, kwargs: dict[str, Any], clips: Sequence[Any]) -> dict[str, Any]:
        """What a take keeps about how it was made: ``kwargs``' plain settings, the prime and resynthesized clip."""
        settings = {k: v for k, v in kwargs.items() if k in ("seconds", "temperature", "seed", "global_cond")}
        prime = chosen_clip(self.prime_combo, clips)
        if prime is not None:
            settings["prime"] = {"clip": prime.name, "seconds": self.prime_seconds_spin.value()}
        resynth = chosen_clip(self.resynth_combo, clips) if self.resynth_combo.isEnabled() else None
        if resynth is not None:
            settings["resynthesized"] = resynth.name
        return settings

    def _resynth_changed(self) -> None:
        i = self.resynth_combo.currentData()
        if i is not None and 0 <= i < len(self._clip_seconds):
            self.seconds_spin.setValue(self._clip_seconds[i])


def chosen_clip(combo: QComboBox, clips: Sequence[Any] | None) -> Any:
    """The clip a combo filled by :func:`fill_clip_combo` points at (None: none chosen, or no such clip)."""
    i = combo.currentData()
    if i is None or i < 0 or not clips or i >= len(clips):
        return None
    return clips[i]


def fill_clip_combo(combo: QComboBox, names: list[str], first: str | None = None) -> None:
    """Offer ``names`` (item data: the clip's index; ``first`` with -1 before them), keeping the current row."""
    keep = combo.currentIndex()
    combo.blockSignals(True)
    combo.clear()
    if first:
        combo.addItem(first, -1)
    for i, n in enumerate(names):
        combo.addItem(n, i)
    combo.setCurrentIndex(keep if 0 <= keep < combo.count() else 0)
    combo.blockSignals(False)
