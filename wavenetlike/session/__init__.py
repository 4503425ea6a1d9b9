"""The headless session: dataset spec, report, architecture and its checks, and training runs.

``Session`` (:mod:`.session`) holds the workflow; ``Run`` (:mod:`.run`) is one
training run's folder; ``RunRecorder`` (:mod:`.recorder`) writes its history
and TensorBoard scalars; ``DatasetSpec`` (:mod:`.dataset_spec`) says what data
was chosen; :func:`architecture_checks` (:mod:`.checks`) warns about an
architecture for the data. See docs/sessions.md.
"""
from .checks import architecture_checks
from .dataset_spec import AR2Spec, BundledSpec, DatasetSpec, FilesSpec, SpeechCommandsSpec
from .recorder import RunRecorder
from .run import Run
from .session import ContinueRefused, Session

__all__ = ["AR2Spec", "BundledSpec", "ContinueRefused", "DatasetSpec", "FilesSpec", "Run", "RunRecorder",
           "Session", "SpeechCommandsSpec", "architecture_checks"]
