"""The training loop: learning, reproducibility, resume, pause/cancel, errors, conditioning."""
import math
import threading

import numpy as np
import pytest
import torch

from wavenetlike import (AR2, Dataset, TrainEvent, Trainer, build_wavenetlike, load_checkpoint,
                         predict, train)
from wavenetlike.train import TrainingError
from wavenetlike.train.losses import Losses, bits_per_sample, compute_loss, next_sample_accuracy

TINY = dict(n_blocks=1, layers_per_block=3, residual_channels=8, gate_channels=8, skip_channels=8,
            output_channels=8, quantization_channels=16)



def _tiny(seed=0, **kw):
    torch.manual_seed(seed)
    return build_wavenetlike(**{**TINY, **kw})


@pytest.fixture(scope="module")
def tones():
    """A few periodic clips: easy to predict, so the loss must fall quickly."""
    t = np.arange(3000)
    clips = [0.6 * np.sin(2 * np.pi * t / p) + 0.2 * np.sin(4 * np.pi * t / p + 1) for p in (20, 24, 31, 40)]
    return Dataset([c.astype(np.float32) for c in clips], sample_rate=8000)


@pytest.fixture(scope="module")
def ar2():
    return Dataset(AR2(a=0.6, b=-0.3, length=1500, count=4, seed=2))


def _losses(events):
    return [e.loss for e in events if e.kind == "step"]


def test_loss_goes_down_on_a_tiny_model(tones):
    tr = Trainer(_tiny(), tones, batch_size=4, target_length=96, lr=1e-2, max_steps=60,
                 validation_every=30, seed=0)
    untrained_val_loss, _ = tr.validate()
    events = list(tr.steps())
    losses = _losses(events)
    assert len(losses) == 60 and all(math.isfinite(x) for x in losses)
    assert np.mean(losses[-10:]) < 0.6 * losses[0]
    val = [e for e in events if e.kind == "validation"]
    assert [e.step for e in val] == [30, 60]
    assert val[-1].val_loss < 0.8 * untrained_val_loss
    step = events[0]
    assert step.kind == "step" and step.step == 1 and 0 <= step.accuracy <= 1
    assert step.bits_per_sample == pytest.approx(step.loss / math.log(2))
    assert step.samples_per_second > 0 and step.steps_per_second > 0 and step.eta >= 0
    assert events[-1].kind == "done" and "60 steps" in events[-1].message
    assert tr.n_val_clips == 1 and tr.n_train_clips == 3  # a held-out clip


def test_seeded_runs_are_reproducible(ar2):
    def run(seed):
        tr = Trainer(_tiny(), ar2, batch_size=3, target_length=64, max_steps=6, validation_every=3, seed=seed)
        return [(e.kind, e.loss, e.val_loss) for e in tr.steps()]

    first, again, other = run(5), run(5), run(6)
    assert first == again  # bit for bit
    assert [x for x in first if x[0] == "step"] != [x for x in other if x[0] == "step"]


def test_resume_equals_uninterrupted_run(ar2, tmp_path):
    kw = dict(batch_size=3, target_length=64, lr=3e-3, validation_every=2, seed=11)
    full = Trainer(_tiny(), ar2, max_steps=8, **kw)
    full_events = list(full.steps())

    path = tmp_path / "half.safetensors"
    first = Trainer(_tiny(), ar2, max_steps=5, checkpoint_path=path, **kw)
    list(first.steps())
    assert load_checkpoint(path).step == 5
    resumed = Trainer.from_checkpoint(path, ar2, max_steps=8)
    assert resumed.step == 5 and resumed.batch_size == 3 and resumed.checkpoint_path == str(path)
    rest = list(resumed.steps())
    assert [(e.step, e.loss) for e in rest if e.kind == "step"] == \
        [(e.step, e.loss) for e in full_events if e.kind == "step" and e.step > 5]
    for a, b in zip(full.model.state_dict().values(), resumed.model.state_dict().values()):
        assert torch.equal(a, b)
    assert [h["step"] for h in resumed.history if h["kind"] == "step"] == list(range(1, 9))
    assert load_checkpoint(path).step == 8


def test_pause_holds_between_steps_and_resume_continues(ar2):
    tr = Trainer(_tiny(), ar2, batch_size=2, target_length=32, max_steps=6, validation_every=None)
    events = []

    def consume():
        for ev in tr.steps():
            events.append(ev)
            if ev.kind == "step" and ev.step == 2:
                tr.pause()

    th = threading.Thread(target=consume)
    th.start()
    try:
        assert tr.wait_until_paused(timeout=60)
        assert tr.paused and tr.step == 2 and [e.step for e in events] == [1, 2]
    finally:
        tr.resume()
        th.join(60)
    assert not th.is_alive()
    assert [e.step for e in events if e.kind == "step"] == [1, 2, 3, 4, 5, 6]
    assert events[-1].kind == "done"


def test_cancel_between_steps_writes_final_checkpoint(ar2, tmp_path):
    path = tmp_path / "c.safetensors"
    tr = Trainer(_tiny(), ar2, batch_size=2, target_length=32, max_steps=100, validation_every=None,
                 checkpoint_path=path)
    events = []
    for ev in tr.steps():
        events.append(ev)
        if ev.kind == "step" and ev.step == 3:
            tr.cancel()
    assert [e.kind for e in events] == ["step"] * 3 + ["checkpoint", "done"]
    assert "cancelled" in events[-1].message and events[-1].checkpoint_path == str(path)
    assert load_checkpoint(path).step == 3


def test_cancel_while_paused_from_another_thread(ar2):
    tr = Trainer(_tiny(), ar2, batch_size=2, target_length=32, validation_every=None)  # no limit
    tr.pause()
    events = []
    th = threading.Thread(target=lambda: events.extend(tr.steps()))
    th.start()
    assert tr.wait_until_paused(timeout=60)
    tr.cancel()
    th.join(60)
    assert not th.is_alive() and [e.kind for e in events] == ["done"] and tr.step == 0


def test_nan_loss_gives_error_event_and_keeps_last_checkpoint(ar2, tmp_path):
    path = tmp_path / "n.safetensors"
    tr = Trainer(_tiny(), ar2, batch_size=2, target_length=32, max_steps=10, validation_every=None,
                 checkpoint_every=2, checkpoint_path=path)
    events = []
    for ev in tr.steps():
        events.append(ev)
        if ev.kind == "checkpoint":
            with torch.no_grad():
                tr.model.head2.bias.fill_(float("nan"))
    assert events[-1].kind == "error"
    msg = events[-1].message
    assert "NaN" in msg and "learning rate" in msg and str(path) in msg
    assert tr.step == 2
    ck = load_checkpoint(path)
    assert ck.step == 2 and all(torch.isfinite(p).all() for p in ck.model.parameters())
    with pytest.raises(TrainingError, match="learning rate"):
        model = _tiny()
        with torch.no_grad():
            model.head2.bias.fill_(float("inf"))
        train(model, ar2, batch_size=2, target_length=32, max_steps=3)


def test_out_of_memory_gives_error_event(ar2, monkeypatch):
    tr = Trainer(_tiny(), ar2, batch_size=2, target_length=32, max_steps=3, validation_every=None)

    def oom(batch, *args, **kwargs):
        raise RuntimeError("CUDA out of memory. Tried to allocate 20.00 GiB")

    monkeypatch.setattr(tr, "forward_batch", oom)
    events = list(tr.steps())
    assert len(events) == 1 and events[0].kind == "error"
    assert "Out of memory" in events[0].message and "batch size" in events[0].message


def test_train_returns_history_and_threads_are_restored(ar2):
    before = torch.get_num_threads()
    seen = []
    history = train(_tiny(), ar2, batch_size=2, target_length=32, max_steps=4, validation_every=2, threads=1,
                    progress=lambda done, total, what: seen.append((done, total)))
    assert torch.get_num_threads() == before
    assert [h["step"] for h in history if h["kind"] == "step"] == [1, 2, 3, 4]
    assert [h["step"] for h in history if h["kind"] == "validation"] == [2, 4]
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]


def test_continuous_model_trains_by_mixture_likelihood(ar2):
    torch.manual_seed(0)
    model = build_wavenetlike(n_blocks=1, layers_per_block=2, residual_channels=4, gate_channels=4,
                              skip_channels=4, output_channels=4, continuous=True)
    tr = Trainer(model, ar2, batch_size=4, target_length=64, lr=1e-2, max_steps=40, validation_every=None)
    assert tr.loss_type is Losses.logistic_mixture
    losses = _losses(tr.steps())
    assert np.mean(losses[-5:]) < np.mean(losses[:5])
    assert all(e is None for e in [tr.history[0]["accuracy"], tr.history[0]["bits_per_sample"]])


def test_global_conditioning_uses_clip_labels(tones):
    ds = Dataset([c.audio for c in tones.clips], sample_rate=8000)
    for clip, label in zip(ds.clips, ["low", "high", "low", "high"]):
        clip.label = label
    model = _tiny(global_condition_classes=2, labels=["high", "low"])
    before = model.global_embedding.weight.detach().clone()
    tr = Trainer(model, ds, batch_size=4, target_length=32, max_steps=2, validation_every=None)
    assert tr.sampler.labels is not None and set(tr.sampler.labels.tolist()) <= {0, 1}
    seen = []
    original = tr.model.forward

    def spy(x, global_cond=None, local_cond=None, **kwargs):
        seen.append(global_cond)
        return original(x, global_cond=global_cond, local_cond=local_cond, **kwargs)

    tr.model.forward = spy
    list(tr.steps())
    assert all(g is not None and g.shape == (4,) for g in seen)
    assert not torch.equal(before, model.global_embedding.weight.detach())
    ds.clips[0].label = "other"
    with pytest.raises(ValueError, match="other"):
        Trainer(_tiny(global_condition_classes=2, labels=["high", "low"]), ds, validation_fraction=0.0)


def test_bad_settings_are_named():
    ds = Dataset(AR2(length=200, count=2))
    with pytest.raises(ValueError, match="batch_size"):
        Trainer(_tiny(), ds, batch_size=0)
    with pytest.raises(ValueError, match="lr"):
        Trainer(_tiny(), ds, lr=-1.0)
    with pytest.raises(ValueError, match="mixed_precision"):
        Trainer(_tiny(), ds, mixed_precision="fp8")


def test_metrics_helpers():
    logits = torch.zeros(1, 3, 4)
    logits[0, 2, :] = 10.0
    targets = torch.tensor([[0, 2, 2, 1]])
    assert next_sample_accuracy(logits, targets, first_scored=1) == pytest.approx(2 / 3)
    uniform = torch.zeros(1, 4, 5)
    ce = compute_loss(uniform, torch.zeros(1, 5, dtype=torch.long), Losses.cross_entropy, 2)
    assert bits_per_sample(float(ce)) == pytest.approx(2.0)  # log2(4 classes)
    with pytest.raises(ValueError, match="first_scored"):
        compute_loss(uniform, torch.zeros(1, 5, dtype=torch.long), "cross_entropy", 5)


def test_predict_is_teacher_forced_forward(tones):
    model = _tiny()
    x = np.sin(np.arange(100) / 5).astype(np.float32) * 0.5
    probs = predict(model, x)
    assert probs.shape == (100, 16)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    from wavenetlike.data.mulaw import mu_law_encode
    q = mu_law_encode(torch.from_numpy(x), 16)
    with torch.no_grad():
        ref = torch.softmax(model(q.unsqueeze(0)), dim=1)[0].T.numpy()
    np.testing.assert_allclose(probs, ref, atol=1e-6)
    np.testing.assert_allclose(predict(model, q.numpy()[None]), ref[None], atol=1e-6)
    with pytest.raises(ValueError, match="class indices"):
        predict(model, np.array([0, 99]))
    cont = build_wavenetlike(n_blocks=1, layers_per_block=2, residual_channels=4, gate_channels=4,
                             skip_channels=4, output_channels=4, continuous=True)
    assert predict(cont, np.zeros((2, 30), np.float32)).shape == (2, 30)


def test_event_kinds_and_dict():
    ev = TrainEvent("step", 3, loss=1.0)
    assert ev.to_dict()["step"] == 3 and ev.to_dict()["kind"] == "step"


def test_bf16_autocast_path_runs_on_cpu(ar2):
    tr = Trainer(_tiny(), ar2, batch_size=2, target_length=32, max_steps=3, validation_every=3,
                 mixed_precision="bf16", device="cpu")
    assert tr.autocast_dtype is torch.bfloat16
    events = list(tr.steps())
    assert all(math.isfinite(e.loss) for e in events if e.kind == "step")
    assert next(p for p in tr.model.parameters()).dtype is torch.float32  # weights stay float32
    assert Trainer(_tiny(), ar2, device="cpu").autocast_dtype is None  # "auto" on CPU: full precision


def test_time_limit_stops_the_run(ar2):
    tr = Trainer(_tiny(), ar2, batch_size=2, target_length=32, max_seconds=0.0, validation_every=None)
    events = list(tr.steps())
    assert [e.kind for e in events] == ["done"] and "time limit" in events[-1].message and tr.step == 0


def test_fine_tune_from_a_plain_saved_model(ar2, tmp_path):
    from wavenetlike import save
    model = _tiny()
    path = save(model, tmp_path / "plain.safetensors")
    tr = Trainer.from_checkpoint(path, ar2, max_steps=2, validation_every=None)
    assert tr.step == 0 and tr.scale == pytest.approx(ar2.scale)
    assert [e.kind for e in tr.steps()] == ["step", "step", "checkpoint", "done"]
    assert load_checkpoint(path).step == 2
