"""Model shapes, parameter counts, and the receptive field proven by gradients."""
import pytest
import torch

from wavenetlike import (AR2BlockConstants, Block, ModelConfig, WavenetConstants, WavenetToyConstants,
                         analyze, build_wavenet, build_wavenetlike)
from wavenetlike.config import parameter_count, receptive_field

CONFIGS = [
    WavenetToyConstants(),
    AR2BlockConstants(),
    ModelConfig(n_blocks=1, layers_per_block=3, kernel_size=3, residual_channels=4, gate_channels=5,
                skip_channels=6, output_channels=7, quantization_channels=16),
    ModelConfig(dilations=[1, 3, 9, 2], kernel_size=2, initial_conv_width=1, residual_channels=4,
                gate_channels=4, skip_channels=4, output_channels=4, quantization_channels=8, use_bias=False),
    ModelConfig(n_blocks=2, layers_per_block=2, dilation_base=3, residual_channels=4, gate_channels=4,
                skip_channels=4, output_channels=4, quantization_channels=8, global_condition_classes=3,
                global_condition_channels=5, local_condition_channels=6, local_condition_hop=4),
]


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: f"L{c.n_layers}k{c.kernel_size}")
def test_parameter_count_matches_model(config):
    model = build_wavenetlike(config)
    assert parameter_count(config) == sum(p.numel() for p in model.parameters())
    assert analyze(model).parameters == sum(p.numel() for p in model.parameters())


def test_wavenet_preset_parameter_count_matches():
    model = build_wavenet()
    assert analyze(model).parameters == sum(p.numel() for p in model.parameters())
    assert analyze(model).receptive_field == 3 * 1023 + 1 + 1


def _dependence(model, T, t, **cond):
    """Which input positions the output at t depends on (gradient ≠ 0)."""
    c = model.config
    if c.continuous:
        x = torch.randn(1, T, requires_grad=True)
        model(x, **cond)[0, :, t].sum().backward()
        g = x.grad[0]
    else:
        # differentiate through the one-hot input
        x = torch.randint(0, c.quantization_channels, (1, T))
        onehot = model.embed_input(x).clone().requires_grad_(True)
        orig = model.embed_input
        model.embed_input = lambda _x: onehot
        try:
            model(x, **cond)[0, :, t].sum().backward()
        finally:
            model.embed_input = orig
        g = onehot.grad[0].abs().sum(0)
    return torch.nonzero(g.abs() > 0).flatten().tolist()


@pytest.mark.parametrize("config", CONFIGS[:4], ids=lambda c: f"L{c.n_layers}k{c.kernel_size}")
def test_receptive_field_by_gradient(config):
    torch.manual_seed(0)
    model = build_wavenetlike(config)
    delta = receptive_field(config)
    T = delta + 20
    t = T - 5
    deps = _dependence(model, T, t)
    # The output at t depends on inputs t−Δ+1 … t and nothing outside.
    assert (deps[0], deps[-1]) == (t - delta + 1, t), f"Δ={delta}: output at {t} depends on {deps[0]}…{deps[-1]}"
    if config.dilations is None and config.dilation_base <= config.kernel_size:
        # Dilations 1, k, k², … cover every position in between (no holes).
        assert deps == list(range(t - delta + 1, t + 1))


def test_output_never_depends_on_the_future():
    torch.manual_seed(0)
    model = build_wavenetlike(CONFIGS[2])
    deps = _dependence(model, 40, 10)
    assert max(deps) == 10


def test_block_receptive_field_and_shape():
    b = Block(n_layers=3, kernel_length=2, dilation_rate=2)
    assert b.receptive_field == 8
    x = torch.randn(2, 30, requires_grad=True)
    y = b(x)
    assert y.shape == x.shape
    y[0, 20].backward()
    assert torch.nonzero(x.grad[0]).flatten().tolist() == list(range(13, 21))


@pytest.mark.parametrize("field,value", [("n_blocks", 0), ("kernel_size", -1), ("quantization_channels", 1),
                                         ("residual_channels", 2.5), ("dilations", [])])
def test_validation_names_the_field(field, value):
    with pytest.raises(ValueError, match=field):
        ModelConfig(**{field: value})


def test_forward_shapes():
    cfg = CONFIGS[4]
    model = build_wavenetlike(cfg)
    x = torch.randint(0, 8, (3, 50))
    out = model(x, global_cond=torch.tensor([0, 1, 2]), local_cond=torch.randn(3, 6, 13))
    assert out.shape == (3, 8, 50)


def test_presets():
    w = WavenetConstants()
    assert w.dilation_list == [2 ** i for i in range(10)] * 3
    assert (w.residual_channels, w.gate_channels, w.skip_channels, w.quantization_channels) == (32, 32, 512, 256)
    toy = WavenetToyConstants()
    assert toy.receptive_field == 512
    r = analyze(toy)
    assert r.gamma == pytest.approx(r.parameters / r.depth)
    assert "Receptive field" in r.summary() and r.to_dict()["parameters"] == r.parameters


def test_memory_estimate_assumes_the_quick_training_settings():
    """The readout's batch and window default to TrainConfig.quick()'s, not a batch of 8 × (Δ−1+1024)."""
    from wavenetlike import TrainConfig
    from wavenetlike.config import training_memory_bytes
    quick, wavenet = TrainConfig.quick(), WavenetConstants()
    r = analyze(wavenet)
    assert r.memory_batch_size == quick.batch_size == 4
    assert r.memory_window == wavenet.receptive_field - 1 + quick.target_length == 3071 - 1 + 512
    assert r.training_memory_bytes == training_memory_bytes(wavenet) == training_memory_bytes(wavenet, 4, 3582)
    assert "batch 4 × window 3582" in r.summary()
    eight = analyze(wavenet, batch_size=8, window=4094)
    assert (eight.memory_batch_size, eight.memory_window) == (8, 4094)
    assert eight.training_memory_bytes == training_memory_bytes(wavenet, 8, 4094) > r.training_memory_bytes
