"""Run folders: one per training, never overwritten, readable by TensorBoard, kept when cancelled."""
import hashlib
import json
import subprocess
import sys

import pytest
from session_helpers import quick, tiny_session

from wavenetlike import Run, load_checkpoint
from wavenetlike.session.recorder import TAGS, baseline_tag


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_four_runs_leave_four_folders_with_their_own_checkpoints(tmp_path):
    session = tiny_session(tmp_path)
    configs = [session.model_config.replace(layers_per_block=n) for n in (1, 2, 3, 2)]
    digests = {}
    for i, config in enumerate(configs):
        session.model_config = config
        run = session.new_run(quick(seed=i))
        assert session.train(run).kind == "done"
        digests[run.folder.name] = (_digest(run.checkpoint), _digest(run.best_checkpoint))
    runs = session.runs
    assert [r.folder.name for r in runs] == ["001-1x1-k2-r4", "002-1x2-k2-r4", "003-1x3-k2-r4", "004-1x2-k2-r4"]
    for run, config in zip(runs, configs):
        assert run.status == "finished" and run.steps == 4 and run.model_config == config
        assert {p.name for p in run.folder.iterdir()} >= {
            "run.json", "model_config.json", "train_config.json", "dataset_spec.json", "history.jsonl",
            "checkpoint.safetensors", "checkpoint.best.safetensors"}
        assert digests[run.folder.name] == (_digest(run.checkpoint), _digest(run.best_checkpoint))
        ck = load_checkpoint(run.checkpoint)
        assert ck.step == 4 and ck.config.layers_per_block == config.layers_per_block
        assert ck.state["dataset"] == session.dataset_spec.to_dict()  # the checkpoint knows its data by spec
        assert run.best_bits is not None and run.best_bits == min(
            e["bits_per_sample"] for e in run.history if e["kind"] == "validation")
    assert len({d for pair in digests.values() for d in pair}) == 8
    with pytest.raises(ValueError, match="never overwritten"):
        runs[0].trainer()


def test_a_run_folder_opens_in_tensorboards_reader(tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    session = tiny_session(tmp_path)
    run = session.new_run(quick(max_steps=6), name="TB check!")
    session.train(run)
    assert run.folder.name == "001-tb-check"
    acc = EventAccumulator(str(run.folder))
    acc.Reload()
    tags = set(acc.Tags()["scalars"])
    history = run.history
    baselines = next(e for e in history if e["kind"] == "validation")["baselines"]
    assert baselines and tags == set(TAGS.values()) | {baseline_tag(n) for n in baselines}
    assert baseline_tag("linear predictor (order 32)") == "baseline/linear_predictor_order_32"
    steps = [e for e in history if e["kind"] == "step"]
    loss = acc.Scalars("train/loss")
    assert [s.step for s in loss] == [1, 2, 3, 4, 5, 6]
    assert [s.value for s in loss] == pytest.approx([e["loss"] for e in steps], rel=1e-6)
    assert [s.step for s in acc.Scalars("train/accuracy")] == [1, 2, 3, 4, 5, 6]
    assert [s.value for s in acc.Scalars("train/lr")] == pytest.approx([e["lr"] for e in steps])
    vals = [e for e in history if e["kind"] == "validation"]
    held = acc.Scalars("held_out/bits_per_sample")
    assert [s.step for s in held] == [2, 4, 6]
    assert [s.value for s in held] == pytest.approx([e["bits_per_sample"] for e in vals], rel=1e-6)
    assert [s.step for s in acc.Scalars("held_out/accuracy")] == [2, 4, 6]
    for name, bits in baselines.items():
        assert acc.Scalars(baseline_tag(name))[0].value == pytest.approx(bits, rel=1e-6)


def test_a_cancelled_training_leaves_a_readable_run_with_its_last_checkpoint(tmp_path):
    session = tiny_session(tmp_path)
    run = session.new_run(quick(max_steps=500, validation_every=None))

    def stop_at_three(event):
        if event.kind == "step" and event.step == 3:
            run.cancel()

    last = session.train(run, on_event=stop_at_three)
    assert last.kind == "done" and "cancelled" in last.message
    again = Run.open(run.folder)
    assert again.status == "cancelled" and again.steps == 3 and "cancelled" in again.message
    assert load_checkpoint(again.checkpoint).step == 3
    assert again.load_model() is not None
    assert [e["kind"] for e in again.history][-2:] == ["checkpoint", "done"]


def test_resume_continues_the_same_run_folder(tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    session = tiny_session(tmp_path)
    run = session.new_run(quick())
    session.train(run)
    trainer = session.resume(run, more_steps=2)
    assert trainer.max_steps == 6 and json.loads((run.folder / "train_config.json").read_text())["max_steps"] == 6
    session.train(run)
    again = Run.open(run.folder)
    assert again.status == "finished" and again.steps == 6 and len(session.runs) == 1
    assert [e["step"] for e in again.history if e["kind"] == "step"] == [1, 2, 3, 4, 5, 6]
    acc = EventAccumulator(str(run.folder))
    acc.Reload()
    assert [s.step for s in acc.Scalars("train/loss")] == [1, 2, 3, 4, 5, 6]


def test_run_numbers_skip_taken_folders_and_bad_folders_are_named(tmp_path):
    session = tiny_session(tmp_path)
    (session.runs_dir / "007-someone-else").mkdir(parents=True)
    run = session.new_run(quick())
    assert run.folder.name.startswith("008-")
    assert any("007-someone-else" in m and "model_config.json" in m for m in session.unreadable_runs)
    (run.folder / "train_config.json").write_text('{"batch_size": 0}')
    with pytest.raises(ValueError, match="train_config.json.*batch_size"):
        Run.open(run.folder)
    (run.folder / "train_config.json").write_text(json.dumps(quick().to_dict()))
    (run.folder / "dataset_spec.json").write_text('{"kind": "tape"}')
    with pytest.raises(ValueError, match="dataset_spec.json.*unknown kind 'tape'"):
        Run.open(run.folder)


def test_history_survives_a_cut_last_line_and_a_dead_trainer_reads_interrupted(tmp_path):
    session = tiny_session(tmp_path)
    run = session.new_run(quick())
    session.train(run)
    with open(run.folder / "history.jsonl", "a") as f:
        f.write('{"kind": "step", "st')  # the process died while writing
    assert Run.open(run.folder).steps == 4
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    info = json.loads((run.folder / "run.json").read_text())
    info.update(status="running", pid=int(dead.stdout))
    (run.folder / "run.json").write_text(json.dumps(info))
    assert Run.open(run.folder).status == "interrupted"


def test_a_crash_keeps_the_last_checkpoint_and_resume_redoes_the_lost_steps_once(tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    session = tiny_session(tmp_path)
    run = session.new_run(quick(max_steps=10, checkpoint_every=2, validation_every=None))

    def crash(event):
        if event.kind == "step" and event.step == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        session.train(run, on_event=crash)
    crashed = Run.open(run.folder)
    assert crashed.status == "interrupted" and crashed.steps == 3
    assert load_checkpoint(crashed.checkpoint).step == 2
    session.train(crashed, trainer=session.resume(crashed, more_steps=2))
    again = Run.open(run.folder)
    assert again.status == "finished"
    assert [e["step"] for e in again.history if e["kind"] == "step"] == [1, 2, 3, 4]
    acc = EventAccumulator(str(run.folder))
    acc.Reload()
    assert [s.step for s in acc.Scalars("train/loss")] == [1, 2, 3, 4]


def test_a_trainer_writing_elsewhere_is_not_recorded_as_the_run(tmp_path):
    from wavenetlike import Trainer, build_wavenetlike
    session = tiny_session(tmp_path)
    run = session.new_run(quick())
    stray = Trainer(build_wavenetlike(run.model_config), session.dataset, run.train_config,
                    checkpoint_path=tmp_path / "elsewhere.safetensors")
    with pytest.raises(ValueError, match="not into the run folder"):
        session.train(run, trainer=stray)
    assert Run.open(run.folder).status == "new" and not (tmp_path / "elsewhere.safetensors").exists()
