"""The headless session: dataset specs, the architecture's checks and training runs (the session to come).

``Run`` (:mod:`.run`) is one training run's folder; ``RunRecorder``
(:mod:`.recorder`) writes its history and TensorBoard scalars; ``DatasetSpec``
(:mod:`.dataset_spec`) says what data was chosen; :func:`architecture_checks`
(:mod:`.checks`) warns about an architecture for the data.
"""
from .checks import architecture_checks
from .dataset_spec import AR2Spec, BundledSpec, DatasetSpec, FilesSpec, SpeechCommandsSpec
from .recorder import RunRecorder
from .run import Run

__all__ = ["AR2Spec", "BundledSpec", "DatasetSpec", "FilesSpec", "Run", "RunRecorder", "SpeechCommandsSpec",
           "architecture_checks"]
