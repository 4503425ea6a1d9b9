"""Speed paths: the trimmed training forward, the CUDA-graph generation step (its tensor-indexed
step run eagerly on CPU, and the dispatcher's fall-back), and ``Trainer(compile=True)``."""
import os
import warnings

import numpy as np
import pytest
import torch

from wavenetlike import ModelConfig, build_wavenetlike, generate
from wavenetlike.generate import _resolve_method

from test_generate import CONFIGS, _gen_kwargs, _model

SMALL = dict(residual_channels=6, gate_channels=5, skip_channels=7, output_channels=9)
TRIM_CONFIGS = {
    "k2": ModelConfig(n_blocks=2, layers_per_block=3, quantization_channels=16, **SMALL),
    "k3_width3": ModelConfig(n_blocks=1, layers_per_block=3, kernel_size=3, initial_conv_width=3,
                             quantization_channels=12, **SMALL),
    "k1": ModelConfig(n_blocks=1, layers_per_block=2, kernel_size=1, quantization_channels=8, **SMALL),
    "dilations_nobias_width1": ModelConfig(dilations=[1, 3, 9, 2], initial_conv_width=1, use_bias=False,
                                           quantization_channels=8, **SMALL),
    "continuous": ModelConfig(n_blocks=1, layers_per_block=3, continuous=True, **SMALL),
    "value_onehot_mixture": CONFIGS["mixture3_value_onehot"],
    "value_input": CONFIGS["value_input"],
    "mixture_linear": CONFIGS["mixture_linear"],
    "mixture_adaptive_scale": CONFIGS["mixture_adaptive_scale"],
    "mixture_excitation_input": CONFIGS["mixture_excitation_input"],
    "mixture_pitch": CONFIGS["mixture_pitch"],
    "conditioned": CONFIGS["conditioned"],
}


def _x(config, B, T, seed=0):
    g = torch.Generator().manual_seed(seed)
    if "value" in config.input_kind:
        return (torch.randn(B, T, generator=g) * 0.5).clamp(-1, 1)
    return torch.randint(0, config.quantization_channels, (B, T), generator=g)


@pytest.mark.parametrize("name", list(TRIM_CONFIGS))
def test_trimmed_forward_equals_full_forward_and_its_gradients(name):
    cfg = TRIM_CONFIGS[name]
    torch.manual_seed(0)
    model = build_wavenetlike(cfg)
    delta = cfg.receptive_field
    kw = {}
    if cfg.global_condition_classes:
        kw = {"global_cond": torch.tensor([0, 2]),
              "local_cond": torch.randn(2, cfg.local_condition_channels, 20)}
    for T, first in ((delta + 30, delta - 1), (delta + 30, 1), (12, 3), (delta + 30, delta + 29)):
        x = _x(cfg, 2, T)
        full = model(x, **kw)
        part = model(x, output_from=first, **kw)
        assert part.shape == (2, cfg.output_dim, T - first)
        torch.testing.assert_close(part, full[:, :, first:], atol=1e-5, rtol=1e-5)
    # the same gradients for every parameter
    x = _x(cfg, 2, delta + 30)
    grads = []
    for out in (lambda: model(x, **kw)[:, :, delta - 1:], lambda: model(x, output_from=delta - 1, **kw)):
        model.zero_grad()
        (out() ** 2).mean().backward()
        grads.append({n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None})
    assert grads[0].keys() == grads[1].keys()
    for n in grads[0]:
        torch.testing.assert_close(grads[1][n], grads[0][n], atol=1e-6, rtol=1e-4, msg=n)
    with pytest.raises(ValueError, match="output_from"):
        model(x, output_from=x.shape[1], **kw)


def test_trimmed_forward_receptive_field_by_gradient():
    """Output at t (trimmed pass) depends on exactly the Δ inputs up to t."""
    cfg = ModelConfig(n_blocks=2, layers_per_block=3, continuous=True, **SMALL)
    torch.manual_seed(0)
    model = build_wavenetlike(cfg)
    delta, T, first = cfg.receptive_field, cfg.receptive_field + 20, cfg.receptive_field + 5
    x = torch.randn(1, T, requires_grad=True)
    out = model(x, output_from=first)
    t = T - 3
    out[0, 0, t - first].backward()
    nonzero = (x.grad[0] != 0).nonzero().flatten()
    assert nonzero.min().item() == t - delta + 1 and nonzero.max().item() == t


@pytest.mark.parametrize("name", list(CONFIGS))
def test_graph_step_run_eagerly_equals_the_cached_step(name):
    """The tensor-indexed step that the CUDA graph captures draws the same samples as the eager reference."""
    model = _model(name)
    kw = _gen_kwargs(model, name, 40)
    ref = generate(model, 40, method="cached", **kw)
    got = generate(model, 40, method="tensor_step", **kw)
    if model.config.continuous or model.config.input_kind != "onehot":
        np.testing.assert_allclose(got, ref, rtol=0, atol=1e-5)
    else:
        np.testing.assert_array_equal(got, ref)


def test_cuda_graph_falls_back_off_cuda():
    model = _model("k2")
    if torch.cuda.is_available():
        pytest.skip("a CUDA device is present: the fall-back is for CPU models")
    with pytest.warns(UserWarning, match="cuda_graph"):
        resolved = _resolve_method("cuda_graph", model)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert resolved == _resolve_method("auto", model) and resolved in ("fast", "cached")
        a = generate(model, 30, method="cuda_graph", seed=4)
    np.testing.assert_array_equal(a, generate(model, 30, method="cached", seed=4))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("name", list(CONFIGS))
def test_cuda_graph_equals_the_cached_step_on_cuda(name):
    model = _model(name).cuda()
    kw = _gen_kwargs(model, name, 40)
    assert _resolve_method("auto", model) == "cuda_graph"
    ref = generate(model, 40, method="cached", **kw)
    got = generate(model, 40, method="cuda_graph", **kw)
    exact = not model.config.continuous and model.config.input_kind == "onehot"
    np.testing.assert_allclose(got, ref, rtol=0, atol=0 if exact else 1e-4)


RUN_COMPILE = os.environ.get("WAVENETLIKE_TEST_COMPILE") == "1"


@pytest.mark.skipif(not RUN_COMPILE, reason="torch.compile builds C++ kernels (about a minute on 2 busy "
                    "cores); set WAVENETLIKE_TEST_COMPILE=1 to run it")
def test_compiled_trainer_gives_the_same_losses():
    from wavenetlike.data.ar2 import AR2
    from wavenetlike.train import Trainer
    data = AR2(0.6, -0.3, length=600, count=3, seed=1)
    cfg = ModelConfig(n_blocks=1, layers_per_block=2, quantization_channels=8, **SMALL)
    losses = []
    for compile_ in (False, True):
        torch.manual_seed(0)
        tr = Trainer(build_wavenetlike(cfg), data, batch_size=2, target_length=32, max_steps=3,
                     validation_every=3, device="cpu", compile=compile_)
        events = list(tr.steps())
        assert events[-1].kind == "done", events[-1].message
        losses.append([e.loss for e in events if e.kind == "step"] + [e.val_loss for e in events
                                                                      if e.kind == "validation"])
    np.testing.assert_allclose(losses[1], losses[0], rtol=1e-4)


def test_cosine_schedule_warms_up_decays_and_is_used_by_the_trainer():
    from wavenetlike.data.ar2 import AR2
    from wavenetlike.train import Trainer
    from wavenetlike.train.trainer import scheduled_lr
    assert scheduled_lr(0.01, "constant", 0.5) == 0.01
    assert scheduled_lr(0.01, "cosine", None) == 0.01
    assert scheduled_lr(0.01, "cosine", 0.025) == pytest.approx(0.005)
    assert scheduled_lr(0.01, "cosine", 0.05) == pytest.approx(0.01)
    assert scheduled_lr(0.01, "cosine", 1.0) == pytest.approx(0.0005)
    cfg = ModelConfig(n_blocks=1, layers_per_block=2, quantization_channels=8, **SMALL)
    tr = Trainer(build_wavenetlike(cfg), AR2(0.6, -0.3, length=400, count=2, seed=1), batch_size=2,
                 target_length=16, lr=0.01, max_steps=40, validation_every=None, lr_schedule="cosine")
    lrs = [e.lr for e in tr.steps() if e.kind == "step"]
    assert lrs[0] < lrs[2] and max(lrs) == pytest.approx(0.01, rel=0.02) and lrs[-1] < 0.001
    assert all(a >= b for a, b in zip(lrs[2:], lrs[3:]))
    assert tr.state()["trainer"]["lr_schedule"] == "cosine"
    with pytest.raises(ValueError, match="lr_schedule"):
        Trainer(build_wavenetlike(cfg), AR2(0.6, -0.3, length=400, count=2, seed=1), lr_schedule="step")
