"""Generation: the cached steps (eager and compiled) agree with the full forward pass and the naive sampler."""
import numpy as np
import pytest
import torch

from wavenetlike import ModelConfig, build_wavenetlike, generate, generate_stream
from wavenetlike.data.mulaw import mu_law_decode, mu_law_encode
from wavenetlike.generate import _prime_inputs, _silence, _warm, cached_logits, fast_backend_available
from wavenetlike.model import fast_step
from wavenetlike.model.incremental import EagerStepper, PackedWeights, forward_with_states

FAST, FAST_NOTE = fast_backend_available()


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    """Tiny models step by step: a second thread only adds overhead (and contention on a shared machine)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
needs_fast = pytest.mark.skipif(not FAST, reason=FAST_NOTE)

SMALL = dict(residual_channels=6, gate_channels=5, skip_channels=7, output_channels=9)
CONFIGS = {
    "k2": ModelConfig(n_blocks=2, layers_per_block=3, quantization_channels=16, **SMALL),
    "k3": ModelConfig(n_blocks=1, layers_per_block=3, kernel_size=3, initial_conv_width=3,
                      quantization_channels=12, **SMALL),
    "dilation_list_nobias": ModelConfig(dilations=[1, 3, 9, 2], initial_conv_width=1, use_bias=False,
                                        quantization_channels=8, **SMALL),
    "continuous": ModelConfig(n_blocks=1, layers_per_block=3, continuous=True, **SMALL),
    "value_input": ModelConfig(n_blocks=2, layers_per_block=2, quantization_channels=16, input_kind="value", **SMALL),
    "value_onehot_input": ModelConfig(n_blocks=1, layers_per_block=3, kernel_size=3, initial_conv_width=3,
                                      quantization_channels=12, input_kind="value+onehot", **SMALL),
    "mixture3_value_onehot": ModelConfig(n_blocks=2, layers_per_block=2, continuous=True, mixture_components=3,
                                         quantization_channels=10, input_kind="value+onehot", **SMALL),
    "mixture_linear": ModelConfig(n_blocks=1, layers_per_block=2, continuous=True, mixture_components=2,
                                  quantization_channels=10, linear_order=9, **SMALL),
    "mixture_adaptive_scale": ModelConfig(n_blocks=1, layers_per_block=2, continuous=True, mixture_components=2,
                                          quantization_channels=10, linear_order=9, adaptive_scale=True, **SMALL),
    "mixture_excitation_input": ModelConfig(n_blocks=1, layers_per_block=3, kernel_size=3, initial_conv_width=3,
                                            continuous=True, mixture_components=3, quantization_channels=10,
                                            linear_order=6, input_kind="value+excitation", adaptive_scale=True,
                                            **SMALL),
    # a pitch term (lags 10…50, window 40 at 4 kHz) and the adaptive scale on what it leaves
    "mixture_pitch": ModelConfig(n_blocks=1, layers_per_block=2, continuous=True, mixture_components=2,
                                 quantization_channels=10, linear_order=9, adaptive_scale=True, pitch_predictor=True,
                                 sample_rate=4000, **SMALL),
    "conditioned": ModelConfig(n_blocks=2, layers_per_block=2, dilation_base=3, quantization_channels=10,
                               global_condition_classes=3, global_condition_channels=4, labels=["a", "b", "c"],
                               local_condition_channels=3, local_condition_hop=5, **SMALL),
}


def _model(name, seed=0):
    torch.manual_seed(seed)
    model = build_wavenetlike(CONFIGS[name])
    with torch.no_grad():  # sharper output distributions than the default init
        model.head2.weight.mul_(4.0)
        if model.linear is not None:  # a linear predictor that matters (it starts at zero)
            model.linear.weight.copy_(torch.linspace(-0.3, 0.6, model.linear.weight.numel()).view_as(model.linear.weight))
    return model.eval()


def _inputs(model, B, T, seed=1):
    g = torch.Generator().manual_seed(seed)
    c = model.config
    if "value" in c.input_kind:
        return (torch.randn(B, T, generator=g) * 0.5).clamp(-1, 1)
    return torch.randint(0, c.quantization_channels, (B, T), generator=g)


def _cond(model, B, T, seed=2):
    """Forward-pass conditioning for a conditioned model (labels, features), else empty."""
    c = model.config
    if not c.global_condition_classes:
        return {}
    g = torch.Generator().manual_seed(seed)
    frames = -(-T // c.local_condition_hop)
    return {"global_cond": torch.arange(B) % c.global_condition_classes,
            "local_cond": torch.randn(B, c.local_condition_channels, frames, generator=g)}


@pytest.mark.parametrize("name", list(CONFIGS))
def test_forward_with_states_equals_forward(name):
    model = _model(name)
    x = _inputs(model, 2, 40)
    cond = _cond(model, 2, 40)
    with torch.no_grad():
        ref = model(x, **cond)
        g = model.global_condition(cond.get("global_cond"))
        loc = model.upsample_local(cond.get("local_cond"), 40)
        out, states = forward_with_states(model, x, None if g is None else g[:, :, 0], loc)
    assert torch.allclose(out, ref, atol=1e-6)
    assert len(states) == model.config.n_layers


@pytest.mark.parametrize("method", ["cached", pytest.param("fast", marks=needs_fast)])
@pytest.mark.parametrize("name", list(CONFIGS))
def test_cached_step_logits_equal_forward(name, method):
    model = _model(name)
    T = 3 * model.config.receptive_field + 5
    x = _inputs(model, 2, T)
    cond = _cond(model, 2, T)
    with torch.no_grad():
        ref = model(x, **cond)
    got = cached_logits(model, x, global_cond=cond.get("global_cond"),
                        local_features=cond.get("local_cond"), method=method)
    assert got.shape == ref.shape
    assert (got - ref).abs().max().item() < 1e-5


def _gen_kwargs(model, name, n):
    kw = {}
    c = model.config
    if name == "conditioned":
        kw["global_cond"] = ["c", 1]
        kw["local_features"] = torch.randn(2, c.local_condition_channels, 30,
                                           generator=torch.Generator().manual_seed(5))
    prime = np.sin(np.linspace(0, 20, c.receptive_field + 7)).astype(np.float32) * 0.7
    return dict(kw, prime=prime, seed=123, batch=2)


@pytest.mark.parametrize("name", list(CONFIGS))
def test_cached_and_naive_draw_identical_samples(name):
    model = _model(name)
    n = 50
    kw = _gen_kwargs(model, name, n)
    naive = generate(model, n, method="naive", **kw)
    cached = generate(model, n, method="cached", **kw)
    assert naive.shape == (2, n) and naive.dtype == np.float32
    # sampled classes are identical; values fed back (value inputs, mixtures) agree to float rounding —
    # a dithered value (categorical model, value input) divides rounding by the drawn class's probability
    c = model.config
    exact = not c.continuous and c.input_kind == "onehot"

    def same(a, b):
        if exact:
            np.testing.assert_array_equal(a, b)
        elif c.continuous:
            np.testing.assert_allclose(a, b, rtol=0, atol=1e-5)
        else:
            q = c.quantization_channels
            np.testing.assert_array_equal(mu_law_encode(torch.from_numpy(a), q), mu_law_encode(torch.from_numpy(b), q))
            np.testing.assert_allclose(a, b, rtol=0, atol=1e-3)
    same(cached, naive)
    if FAST:
        same(generate(model, n, method="fast", **kw), naive)
    assert np.abs(naive).max() <= 1.0
    assert len(np.unique(naive)) > 3  # it really samples
    other_seed = generate(model, n, method="cached", **dict(kw, seed=124))
    assert not np.allclose(other_seed, cached)


@needs_fast
def test_fast_equals_eager_cached_on_a_longer_run_without_prime():
    model = _model("k3")
    a = generate(model, 1500, method="cached", seed=7, temperature=0.8)
    b = generate(model, 1500, method="fast", seed=7, temperature=0.8)
    np.testing.assert_array_equal(a, b)


def test_mu_law_round_trip_is_exact_for_every_class():
    q = torch.arange(256)
    assert torch.equal(mu_law_encode(mu_law_decode(q, 256), 256), q)


@pytest.mark.parametrize("method", ["naive", "cached", pytest.param("fast", marks=needs_fast)])
def test_temperature_zero_is_argmax_of_forward(method):
    model = _model("k2")
    c = model.config
    n = 40
    out = generate(model, n, temperature=0.0, seed=1, method=method)
    classes = mu_law_encode(torch.from_numpy(out), c.quantization_channels)
    silence = _silence(model).expand(c.receptive_field)
    seq = torch.cat([silence, classes]).unsqueeze(0)
    with torch.no_grad():
        logits = model(seq[:, :-1])
    expected = logits[0].argmax(0)[c.receptive_field - 1:]
    assert torch.equal(classes, expected)
    # temperature 0 ignores the seed
    np.testing.assert_array_equal(out, generate(model, n, temperature=0.0, seed=99, method=method))


@pytest.mark.parametrize("method", ["cached", pytest.param("fast", marks=needs_fast)])
def test_prime_warms_caches(method):
    """After the prime, the cached step's teacher-forced logits equal the forward pass over the prime."""
    model = _model("k3")
    c = model.config
    prime = np.sin(np.linspace(0, 40, 3 * c.receptive_field)).astype(np.float32) * 0.8
    prime_in = _prime_inputs(model, prime, 1)
    context = torch.cat([_silence(model).expand(1, c.receptive_field), prime_in], dim=1)
    extra = _inputs(model, 1, 12)
    full = torch.cat([context, extra], dim=1)
    with torch.no_grad():
        ref = model(full)[:, :, context.shape[1] - 1:-1]
    packed = PackedWeights.from_model(model)
    with torch.inference_mode():
        state = _warm(model, packed, context, None, None, 1)
        if method == "cached":
            stepper = EagerStepper(packed, state, packed.layer_biases(None, 1))
            got = [stepper.step(state.next_idx, state.next_val)]
            idx, val = packed.classes_and_values(extra)
            got += [stepper.step(idx[:, i], val[:, i]) for i in range(extra.shape[1] - 1)]
            got = torch.stack(got, dim=2)
        else:
            from wavenetlike.generate import _FastEngine
            engine = _FastEngine(model, packed, state, None, None, 1.0)
            forced = torch.cat([context[:, -1:], extra[:, :-1]], dim=1).t().contiguous()
            engine.run(forced.shape[0], None, forced=forced, want_logits=True)
            got = torch.from_numpy(engine.last_logits).permute(1, 2, 0)
    assert (got - ref).abs().max().item() < 1e-5
    # the prime changes what follows, and classes or the waveform give the same result
    a = generate(model, 50, prime=prime, seed=3, method=method)
    assert not np.array_equal(a, generate(model, 50, seed=3, method=method))
    np.testing.assert_array_equal(a, generate(model, 50, prime=prime_in[0].numpy(), seed=3, method=method))


def test_cancel_returns_what_was_generated_and_progress_reports():
    model = _model("k2")
    calls = []
    out = generate(model, 10_000, method="cached", seed=0, progress=lambda d, t, w: calls.append((d, t, w)),
                   cancel=lambda: len(calls) >= 3)
    assert 0 < len(out) < 10_000
    assert calls[0] == (0, 10_000, "generating")
    assert calls[-1][0] == len(out)
    full = generate(model, len(out), method="cached", seed=0)
    np.testing.assert_array_equal(out, full)


@pytest.mark.parametrize("method", ["cached", pytest.param("fast", marks=needs_fast)])
def test_generate_stream_concatenation_equals_generate(method):
    model = _model("conditioned")
    kw = _gen_kwargs(model, "conditioned", 0)
    whole = generate(model, 300, method=method, **kw)
    chunks = list(generate_stream(model, 300, method=method, chunk_size=37, **kw))
    assert [ch.shape[1] for ch in chunks[:-1]] == [37] * (len(chunks) - 1)
    np.testing.assert_array_equal(np.concatenate(chunks, axis=1), whole)


def test_seconds_batch_and_label_names():
    model = _model("conditioned")
    one = generate(model, seconds=0.001, seed=0, method="cached", global_cond="b")
    assert one.shape == (16,)
    np.testing.assert_array_equal(one, generate(model, 16, seed=0, method="cached", global_cond=1))
    assert not np.array_equal(one, generate(model, 16, seed=0, method="cached", global_cond=0))


def test_bad_arguments_are_named():
    model = _model("k2")
    cond = _model("conditioned")
    with pytest.raises(ValueError, match="global_cond"):
        generate(model, 5, global_cond=1)
    with pytest.raises(ValueError, match="unknown label 'zz'"):
        generate(cond, 5, global_cond="zz")
    with pytest.raises(ValueError, match="global_cond = 7"):
        generate(cond, 5, global_cond=7)
    with pytest.raises(ValueError, match="local_features"):
        generate(cond, 5, local_features=np.zeros((2, 4)))
    with pytest.raises(ValueError, match="class indices"):
        generate(model, 5, prime=np.array([0, 99]))
    with pytest.raises(ValueError, match="exactly one"):
        generate(model, 5, seconds=1.0)
    with pytest.raises(ValueError, match="temperature"):
        generate(model, 5, temperature=-1)
    with pytest.raises(ValueError, match="method"):
        generate(model, 5, method="quick")
    with pytest.raises(ValueError, match="NaN"):
        generate(model, 5, prime=np.array([0.1, np.nan]))


def test_without_numba_fast_falls_back_to_eager_with_a_warning(monkeypatch):
    model = _model("k2")
    ref = generate(model, 30, seed=4, method="cached")
    monkeypatch.setattr(fast_step, "AVAILABLE", False)
    monkeypatch.setattr(fast_step, "NOTE", "numba is not available (test)")
    with pytest.warns(UserWarning, match="numba is not available"):
        out = generate(model, 30, seed=4, method="fast")
    np.testing.assert_array_equal(out, ref)
    np.testing.assert_array_equal(generate(model, 30, seed=4, method="auto"), ref)


def test_streaming_does_not_leak_inference_mode_or_touch_the_global_rng():
    model = _model("k2")
    torch.manual_seed(0)
    before = torch.rand(1)
    torch.manual_seed(0)
    stream = generate_stream(model, 20, method="cached", chunk_size=5)  # seed=None
    next(stream)
    assert not torch.is_inference_mode_enabled()
    assert torch.equal(torch.rand(1), before)
    assert sum(ch.shape[0] for ch in stream) == 15
