"""The headless session: dataset specs (more to come: checks, runs, the session itself).

``DatasetSpec`` (:mod:`.dataset_spec`) says what data was chosen.
"""
from .dataset_spec import AR2Spec, BundledSpec, DatasetSpec, FilesSpec, SpeechCommandsSpec

__all__ = ["AR2Spec", "BundledSpec", "DatasetSpec", "FilesSpec", "SpeechCommandsSpec"]
