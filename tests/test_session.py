"""The headless Session: dataset specs, checks, continue checks, save and load."""
import json
from types import SimpleNamespace

import numpy as np
import pytest
from session_helpers import SPEC, quick, tiny_config, tiny_session

from wavenetlike import AR2, Dataset, DatasetSpec, ModelConfig, Session
from wavenetlike.session import AR2Spec, BundledSpec, ContinueRefused, FilesSpec, SpeechCommandsSpec
from wavenetlike.config import receptive_field
from wavenetlike.session.checks import architecture_checks

EVERY_KIND = [
    DatasetSpec.bundled(), DatasetSpec.bundled(8000), SPEC, DatasetSpec.ar2(a=1.2, b=0.1, allow_nonstationary=True),
    DatasetSpec.files(["/data/a.wav", "/data/speech"], 16000, True),
    DatasetSpec.speech_commands("/sc", ["yes", "no"], 20, 8000, splits=["train"], version="v0.02"),
]


@pytest.mark.parametrize("spec", EVERY_KIND, ids=lambda s: s.kind)
def test_every_kind_round_trips_through_json(spec):
    again = DatasetSpec.from_dict(json.loads(json.dumps(spec.to_dict())))
    assert again == spec and type(again) is type(spec) and hash(again) == hash(spec)
    assert again.to_dict()["kind"] == spec.kind and spec.describe()


def test_the_apps_older_dict_specs_still_load():
    from wavenetlike_gui.sources import (ar2_spec, describe_spec, files_spec, load_dataset,
                                         speech_commands_spec)
    assert DatasetSpec.from_dict({"kind": "bundled"}) == BundledSpec()
    old_ar2 = {"kind": "ar2", "a": 0.6, "b": -0.3, "length": 3000, "count": 6, "seed": 3, "sample_rate": 8000}
    assert DatasetSpec.from_dict(old_ar2) == AR2Spec(length=3000, count=6, seed=3, sample_rate=8000)
    assert DatasetSpec.from_dict(files_spec(["/x"], None, True)) == FilesSpec(("/x",), None, True)
    sc = DatasetSpec.from_dict(speech_commands_spec("/sc", [], 0, None))
    assert sc == SpeechCommandsSpec("/sc") and sc.words == () and sc.clips_per_word is None
    assert describe_spec(ar2_spec(a=0.6, b=-0.3)) == "AR(2) a=0.6 b=-0.3"
    assert describe_spec({"kind": "ar2", "a": 5.0}) == "AR(2)"  # not stationary: a label, no exception
    assert describe_spec({"kind": ["odd"]}) == "['odd']"
    assert describe_spec(speech_commands_spec("/data/sc", ["yes"])) == "Speech Commands in sc (yes)"
    ds = load_dataset(old_ar2)
    assert ds.reference() == DatasetSpec.from_dict(old_ar2).to_dict()
    assert len(ds) == 6 and ds.sample_rate == 8000


def test_a_spec_loads_the_same_data_and_is_the_datasets_reference():
    ds = SPEC.load()
    plain = Dataset(AR2(length=1200, count=4, seed=2, sample_rate=8000))
    assert all(np.array_equal(a.audio, b.audio) for a, b in zip(ds, plain)) and len(ds) == len(plain)
    assert ds.spec is SPEC and ds.reference() == SPEC.to_dict()
    assert DatasetSpec.from_reference(ds.reference()) == SPEC
    assert DatasetSpec.from_reference(plain.reference()) == SPEC  # an older-style reference
    with pytest.raises(ValueError, match="No files or folders were chosen"):
        DatasetSpec.files([]).load()
    with pytest.raises(ValueError, match="Choose the Speech Commands folder"):
        DatasetSpec.speech_commands("").load()


@pytest.mark.parametrize("bad, words", [
    ({"kind": "tape"}, "unknown kind 'tape'"),
    ({"a": 1}, "has no 'kind'"),
    ([1, 2], "must be an object"),
    ({"kind": "ar2", "colour": "red"}, "unknown field.* colour"),
    ({"kind": "ar2", "length": 2}, "AR2.length"),
    ({"kind": "ar2", "a": "x"}, "AR2Spec.a"),
    ({"kind": "ar2", "a": 1.5}, "not stationary"),
    ({"kind": "files", "paths": "/x.wav"}, "FilesSpec.paths"),
    ({"kind": "files", "sample_rate": -1}, "FilesSpec.sample_rate"),
    ({"kind": "speech_commands", "root": "/sc", "splits": ["dev"]}, "SpeechCommandsSpec.splits"),
])
def test_bad_specs_name_the_kind_or_field(bad, words):
    with pytest.raises(ValueError, match=words):
        DatasetSpec.from_dict(bad, "recent.json")
    with pytest.raises(ValueError, match="^recent.json"):
        DatasetSpec.from_dict(bad, "recent.json")


def test_older_references_become_specs():
    ref = DatasetSpec.from_reference
    assert ref({"kind": "ar2", "ar2": {"a": 0.5}, "sample_rate": 16000, "options": {}}) == AR2Spec(a=0.5)
    assert ref({"kind": "bundled", "sample_rate": 16000, "options": {}}) == BundledSpec()
    assert ref({"kind": "folder", "path": "/x", "sample_rate": 8000, "options": {"labels_from_folders": True}}) \
        == FilesSpec(("/x",), 8000, True)
    assert ref({"kind": "speech_commands", "spec": {"root": "/sc", "words": None, "max_per_word": 5,
                                                     "splits": ["train"], "version": None},
                "sample_rate": 16000}) == SpeechCommandsSpec("/sc", (), 5, 16000, ("train",))
    assert ref({"kind": "arrays", "note": "in-memory", "sample_rate": 8000}) is None
    assert ref(None) is None


def test_architecture_checks_move_from_the_panel_to_the_library(tmp_path):
    report = SimpleNamespace(correlation_length=40, correlation_length_ms=5.0, lengths=[100, 120, 140],
                             sample_rate=8000, labels={"no": 2, "yes": 2})
    short = architecture_checks(tiny_config(), report)
    delta = receptive_field(tiny_config())
    assert len(short) == 1 and f"Δ = {delta} samples" in short[0] and "correlation length (40 samples" in short[0]
    long_config = tiny_config(n_blocks=3, layers_per_block=7)
    assert receptive_field(long_config) > 120
    long = architecture_checks(long_config, report)
    assert len(long) == 1 and "longer than the typical (median) clip of 120 samples" in long[0]
    labelled = tiny_config(layers_per_block=6, global_condition_classes=2, labels=["a", "b"])
    assert "the dataset's labels are ['no', 'yes']" in architecture_checks(labelled, report)[0]
    suggestion = tiny_config(layers_per_block=6)
    assert architecture_checks(suggestion, report, suggestion=suggestion, suggestion_warnings=["few clips"]) \
        == ["few clips"]
    session = Session(tmp_path, SPEC, tiny_config(), report=report)
    assert session.checks() == short and Session(tmp_path).checks() == []


def test_continue_check_names_what_changed_and_resume_refuses(tmp_path):
    session = tiny_session(tmp_path)
    run = session.new_run(quick())
    assert session.continue_check(run) == ["the run has no checkpoint to continue from"]
    session.train(run)
    assert session.continue_check(run) == []

    session.model_config = session.model_config.replace(layers_per_block=1, kernel_size=3)
    reasons = session.continue_check(run)
    assert reasons == ["the architecture differs: layers_per_block 2 → 1; kernel_size 2 → 3"]
    with pytest.raises(ContinueRefused, match="layers_per_block 2 → 1") as refused:
        session.resume(run, more_steps=2)
    assert refused.value.reasons == reasons and isinstance(refused.value, ValueError)

    session.model_config = run.model_config
    session.set_dataset(DatasetSpec.bundled())
    assert session.dataset is None  # a new choice drops the old data
    assert session.continue_check(run) == ["the dataset differs: AR(2) a=0.6 b=-0.3 vs Bundled sample speech"]
    session.set_dataset(DatasetSpec.ar2(length=1200, count=5, seed=2, sample_rate=8000))
    assert session.continue_check(run) == ["the dataset differs: count 4 → 5"]
    with pytest.raises(ContinueRefused, match="the dataset differs"):
        session.resume(run, more_steps=2)
    assert run.steps == 4 and len(session.runs) == 1  # nothing was trained or created


def test_save_and_load_round_trip(tmp_path):
    session = tiny_session(tmp_path)
    session.analyze(max_lag=32, predictability=False)
    suggested = session.suggest()
    run = session.new_run(quick())
    session.train(run)
    path = session.save()
    assert path == tmp_path / "session.json" and json.loads(path.read_text())["runs"] == "runs"
    again = Session.load(tmp_path)
    assert again.dataset_spec == SPEC and again.model_config == suggested and again.dataset is None
    assert again.report.to_dict() == session.report.to_dict()
    assert again.suggestion == suggested and again.checks() == session.checks()
    assert [r.folder.name for r in again.runs] == [run.folder.name]
    assert again.continue_check(again.runs[0]) == []  # the reloaded session may continue its run
    with pytest.raises(ValueError, match="is not inside"):
        session.save(tmp_path / "elsewhere" / "s.json")


@pytest.mark.parametrize("change, words", [
    ({"format": "other"}, "not a wavenetlike session file"),
    ({"version": 99}, "version = 99"),
    ({"dataset_spec": {"kind": "tape"}}, "dataset_spec has an unknown kind 'tape'"),
    ({"model_config": {"n_blocks": 0}}, "model_config is not valid.*n_blocks"),
    ({"model_config": [1]}, "model_config must be an object"),
    ({"report": {"n_clips": 1}}, "report is not valid"),
    ({"runs": "../elsewhere"}, "runs = '../elsewhere' must be a folder name inside"),
])
def test_a_bad_session_file_names_the_field(tmp_path, change, words):
    path = Session(tmp_path, SPEC, tiny_config()).save()
    data = json.loads(path.read_text())
    data.update(change)
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError, match=words):
        Session.load(path)


def test_new_run_needs_an_architecture_and_takes_a_dict(tmp_path):
    with pytest.raises(ValueError, match="no architecture"):
        Session(tmp_path, SPEC).new_run(quick())
    run = Session(tmp_path, SPEC, tiny_config()).new_run(quick().to_dict(), name="from dict")
    assert run.train_config == quick() and run.status == "new" and run.folder.name == "001-from-dict"
    assert isinstance(run.model_config, ModelConfig) and run.dataset_spec == SPEC
