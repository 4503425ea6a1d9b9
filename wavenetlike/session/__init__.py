"""The headless session: dataset specs and the architecture's checks (runs and the session to come).

``DatasetSpec`` (:mod:`.dataset_spec`) says what data was chosen;
:func:`architecture_checks` (:mod:`.checks`) warns about an architecture for the data.
"""
from .checks import architecture_checks
from .dataset_spec import AR2Spec, BundledSpec, DatasetSpec, FilesSpec, SpeechCommandsSpec

__all__ = ["AR2Spec", "BundledSpec", "DatasetSpec", "FilesSpec", "SpeechCommandsSpec", "architecture_checks"]
