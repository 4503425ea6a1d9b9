"""Output distributions and input kinds: the mixture's likelihood, scoring and sampling are right."""
import math

import numpy as np
import pytest
import torch

from wavenetlike import AR2, Dataset, ModelConfig, analyze, build_wavenetlike, generate, suggest, train
from wavenetlike.data.mulaw import mu_law_encode
from wavenetlike.generate import sample_class
from wavenetlike.model.distributions import (MIXTURE_BINS, class_edges, class_log_probs, dithered_class_value,
                                             mixture_nll, model_inputs, sample_mixture)
from wavenetlike.train.ar import ols_ar


def _params(means, log_scales, logits):
    """(1, 3K, 1) mixture parameters."""
    return torch.tensor([list(logits) + list(means) + list(log_scales)], dtype=torch.float32).unsqueeze(-1)


def _logistic_cdf(x, mu, s):
    return 1.0 / (1.0 + math.exp(-(x - mu) / s))


def test_mixture_nll_equals_the_bin_probability_by_hand():
    p = _params([0.1, -0.3], [math.log(0.05), math.log(0.2)], [0.3, -0.2])
    w = np.exp([0.3, -0.2]) / np.exp([0.3, -0.2]).sum()
    half = 1.0 / (MIXTURE_BINS - 1)
    for x in (0.12, -0.25, 0.0):
        prob = sum(wk * (_logistic_cdf(x + half, m, s) - _logistic_cdf(x - half, m, s))
                   for wk, m, s in zip(w, [0.1, -0.3], [0.05, 0.2]))
        got = float(mixture_nll(p, torch.tensor([[x]])))
        assert got == pytest.approx(-math.log(prob), rel=1e-3)
    # the edge bins take the tails: a value at -1 has at least the mass below -1 + half
    tail = sum(wk * _logistic_cdf(-1 + half, m, s) for wk, m, s in zip(w, [0.1, -0.3], [0.05, 0.2]))
    assert float(mixture_nll(p, torch.tensor([[-1.0]]))) == pytest.approx(-math.log(tail), rel=1e-3)


def test_class_log_probs_of_a_mixture_sum_to_one_and_match_the_cdf():
    torch.manual_seed(0)
    cfg = ModelConfig(n_blocks=1, layers_per_block=2, continuous=True, mixture_components=3, quantization_channels=16)
    out = torch.randn(2, cfg.output_dim, 7)
    lp = class_log_probs(cfg, out, 16)
    assert lp.shape == (2, 16, 7)
    np.testing.assert_allclose(lp.exp().sum(1).numpy(), 1.0, atol=1e-5)
    edges = class_edges(16).numpy()
    p = out[0, :, 0]
    w = torch.softmax(p[:3], 0).numpy()
    mu, s = p[3:6].numpy(), np.exp(np.maximum(p[6:9].numpy(), -7.0))
    k = 9
    mass = sum(w[i] * (_logistic_cdf(edges[k + 1], mu[i], s[i]) - _logistic_cdf(edges[k], mu[i], s[i])) for i in range(3))
    assert float(lp[0, k, 0].exp()) == pytest.approx(mass, rel=1e-4)
    # every value falls in the class whose edges hold it
    x = torch.linspace(-0.99, 0.99, 101)
    q = mu_law_encode(x, 16).numpy()
    assert np.all((edges[q] <= x.numpy()) & (x.numpy() < edges[q + 1]))


def test_categorical_scoring_needs_the_models_classes():
    cfg = ModelConfig(n_blocks=1, layers_per_block=2, quantization_channels=16)
    with pytest.raises(ValueError, match="16 classes"):
        class_log_probs(cfg, torch.zeros(1, 16, 3), 32)


def test_sampled_mixture_has_the_right_mean_spread_and_temperature():
    p = _params([0.2], [math.log(0.05)], [0.0])[:, :, 0].expand(20000, -1)
    u = torch.rand(20000, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    x = sample_mixture(p, u, 1.0).numpy()
    assert x.mean() == pytest.approx(0.2, abs=0.003)
    assert x.std() == pytest.approx(0.05 * math.pi / math.sqrt(3), rel=0.03)  # a logistic's std
    assert sample_mixture(p, u, 0.5).numpy().std() == pytest.approx(x.std() / 2, rel=0.03)
    assert np.all(sample_mixture(p, u, 0.0).numpy() == pytest.approx(0.2))
    # two components: the weights decide how often each is drawn
    p2 = _params([-0.5, 0.5], [math.log(0.01)] * 2, [math.log(0.25), math.log(0.75)])[:, :, 0].expand(20000, -1)
    assert float((sample_mixture(p2, u, 1.0) > 0).float().mean()) == pytest.approx(0.75, abs=0.015)


def test_dithered_class_value_stays_in_its_class():
    k = torch.arange(32).repeat_interleave(5)
    frac = torch.tensor([0.0, 0.25, 0.5, 0.75, 0.999999]).repeat(32)
    v = dithered_class_value(k, frac, 32)
    assert torch.equal(mu_law_encode(v, 32), k)
    u = torch.rand(4000, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    logits = torch.randn(4000, 8)
    cls, f = sample_class(logits, u, 1.0)
    assert 0.45 < float(f.mean()) < 0.55 and float(f.min()) >= 0 and float(f.max()) < 1  # uniform again


def test_model_inputs_follow_the_input_kind():
    x = torch.tensor([[0.0, 0.5, -0.25]])
    onehot = ModelConfig(n_blocks=1, layers_per_block=1, quantization_channels=8)
    value = onehot.replace(input_kind="value")
    both = onehot.replace(input_kind="value+onehot")
    assert model_inputs(onehot, x).dtype == torch.long and model_inputs(value, x).dtype == torch.float32
    assert (onehot.input_dim, value.input_dim, both.input_dim) == (8, 2, 10)
    m = build_wavenetlike(both)
    assert m(model_inputs(both, x)).shape == (1, 8, 3)
    with pytest.raises(ValueError, match="input_kind"):
        ModelConfig(input_kind="spectrogram")
    with pytest.raises(ValueError, match="sample values"):
        build_wavenetlike(value)(torch.tensor([[1, 2, 3]]))


@pytest.mark.parametrize("a,b", [(0.6, -0.3), (1.2, -0.5)])
def test_suggested_ar2_model_generates_the_process_not_its_mean(a, b):
    """The seed's first example: what the suggested model generates has the process's own (a, b) and spread."""
    torch.manual_seed(0)
    ds = Dataset(AR2(a=a, b=b, length=2000, count=20, seed=0))
    cfg = suggest(analyze(ds))
    model = build_wavenetlike(cfg)
    train(model, ds, max_steps=500, lr=1e-2, batch_size=8, target_length=256, threads=1, validation_every=None)
    g = generate(model, 20000, seed=1) * ds.scale
    real = np.concatenate([c.audio for c in ds.clips])
    fit = ols_ar(g)
    assert abs(fit["a"] - a) < 0.08 and abs(fit["b"] - b) < 0.08, fit
    assert 0.7 < g.std() / real.std() < 1.4
    # temperature scales the spread; a different seed gives a different signal
    assert generate(model, 5000, seed=1, temperature=0.5).std() < 0.8 * generate(model, 5000, seed=1).std()
    assert not np.allclose(generate(model, 100, seed=2), generate(model, 100, seed=3))


def test_linear_predictor_term_counts_and_is_checked():
    from wavenetlike.config import parameter_count
    cfg = ModelConfig(n_blocks=1, layers_per_block=2, continuous=True, mixture_components=2, linear_order=40)
    model = build_wavenetlike(cfg)
    assert parameter_count(cfg) == sum(p.numel() for p in model.parameters())
    assert cfg.receptive_field == 40  # the linear predictor reaches further back than the stack
    with torch.no_grad():
        model.linear.weight.zero_()
        model.linear.weight[0, 0, -1] = 0.5  # predicts half the newest value
        base = build_wavenetlike(cfg.replace(linear_order=0))
        base.load_state_dict({k: v for k, v in model.state_dict().items() if not k.startswith("linear")})
        x = torch.rand(1, 60) - 0.5
        diff = model(x) - base(x)
    K = 2
    torch.testing.assert_close(diff[:, K:2 * K], (0.5 * x).unsqueeze(1).expand(-1, K, -1))
    assert float(diff[:, :K].abs().max()) == 0 and float(diff[:, 2 * K:].abs().max()) == 0
    with pytest.raises(ValueError, match="linear_order"):
        ModelConfig(linear_order=8)  # a categorical model has no means to add to


def test_a_model_with_a_linear_term_starts_as_the_fitted_linear_predictor():
    """Trainer fits the linear predictor on the training clips; the untrained model's means are its predictions."""
    from wavenetlike.analysis.linear_prediction import fit_linear_predictors
    from wavenetlike.model.distributions import mixture_mean
    from wavenetlike.train.trainer import Trainer
    dataset = Dataset(AR2(a=1.2, b=-0.5, count=6, length=3000))
    cfg = ModelConfig(n_blocks=1, layers_per_block=2, continuous=True, mixture_components=3, linear_order=4,
                      sample_rate=dataset.sample_rate)
    torch.manual_seed(0)
    model = build_wavenetlike(cfg)
    trainer = Trainer(model, dataset, batch_size=2, target_length=64, max_steps=0)
    train_clips, _ = dataset.split(trainer.validation_fraction, trainer.seed)
    fit = fit_linear_predictors([c.audio / trainer.scale for c in train_clips], 4)
    a = fit.coefficients(4)
    assert abs(a[0] - 1.2) < 0.05 and abs(a[1] + 0.5) < 0.05  # the AR(2) process, found
    x = torch.randn(1, 50) * 0.3
    with torch.no_grad():
        out = model(x)
    from wavenetlike.model.wavenet import LINEAR_START_BANDWIDTH as gamma
    expected = sum(a[k] * gamma ** (k + 1) * torch.nn.functional.pad(x, (k, 0))[:, :50] for k in range(4))
    torch.testing.assert_close(mixture_mean(out), expected.float(), atol=1e-5, rtol=1e-4)
    log_scales = out[:, 6:9, 0].flatten()
    assert float(log_scales.max() - log_scales.min()) > 2.0  # components spread over several scales
    assert trainer.linear_start["residual_std"] == pytest.approx(fit.residual_std(4))
    # the fitted term is kept fixed while the network trains
    start = model.linear.weight.detach().clone()
    assert not model.linear.weight.requires_grad
    for _ in Trainer(model, dataset, batch_size=2, target_length=64, max_steps=3).steps():
        pass
    torch.testing.assert_close(model.linear.weight.detach(), start)
    # a model whose term is already set (a loaded checkpoint, or set by hand) keeps it, also while training
    loaded = build_wavenetlike(cfg)
    with torch.no_grad():
        loaded.linear.weight.fill_(0.1)
    for _ in Trainer(loaded, dataset, batch_size=2, target_length=64, max_steps=3).steps():
        pass
    assert torch.all(loaded.linear.weight == 0.1)


def test_an_adaptive_scale_model_starts_at_the_linear_predictor_baseline_with_its_changing_level():
    """With ``adaptive_scale`` the untrained model follows the residual's level as the baseline does.

    Data: AR(2) whose innovations switch between two levels 30× apart. The
    baseline (fitted predictor + a Laplace scale that follows recent
    |residuals|) wins much over a fixed scale; the untrained adaptive-scale
    model scores close to it, the same model without the adaptive scale far
    above it; and its log-scales rise and fall with the level.
    """
    from wavenetlike.evaluate import evaluate
    from wavenetlike.config import SCALE_GAIN
    from wavenetlike.model.distributions import _split_mixture
    from wavenetlike.train.trainer import Trainer
    rng = np.random.default_rng(0)
    clips, levels = [], []
    for _ in range(10):
        level = np.repeat(rng.choice([0.006, 0.18], size=8), 500)
        levels.append(level)
        e = rng.standard_normal(level.size) * level
        x = np.zeros(level.size)
        for t in range(2, level.size):
            x[t] = 1.2 * x[t - 1] - 0.5 * x[t - 2] + e[t]
        clips.append((x / 1.1 / np.abs(x).max()).astype(np.float32))
    dataset = Dataset(clips, sample_rate=8000)
    scores = {}
    for adaptive in (False, True):
        cfg = ModelConfig(n_blocks=1, layers_per_block=2, continuous=True, mixture_components=3, linear_order=4,
                          adaptive_scale=adaptive, quantization_channels=64, sample_rate=8000)
        torch.manual_seed(0)
        model = build_wavenetlike(cfg)
        Trainer(model, dataset, batch_size=2, target_length=64, max_steps=0)  # fits and sets the linear term
        scores[adaptive] = evaluate(model, dataset, max_held_out_seconds=None)
    baseline = scores[True].baseline("linear predictor").bits_per_sample
    assert scores[True].bits_per_sample < baseline + 0.15
    assert scores[False].bits_per_sample > baseline + 0.5
    clip, level = next((c, lv) for c, lv in zip(clips, levels) if len(set(lv)) == 2)
    with torch.no_grad():
        _, _, log_scales = _split_mixture(model(torch.from_numpy(clip).unsqueeze(0)))
    settled = np.arange(level.size) % 500 >= 50  # 50 samples after each switch
    mean_log = log_scales[0].mean(0).numpy()  # (T,): the output at t predicts sample t + 1
    loud = mean_log[:-1][(level[1:] > 0.1) & settled[1:]].mean()
    quiet = mean_log[:-1][(level[1:] < 0.1) & settled[1:]].mean()
    assert loud - quiet == pytest.approx(SCALE_GAIN * np.log(30), abs=0.5)


def _periodic_excitation_clips(n_clips: int = 8, length: int = 3000, seed: int = 0) -> list[np.ndarray]:
    """Voiced-like data at 4 kHz: one random cycle of 23–41 samples (a period per clip) repeated, plus a little
    noise, through AR(2)."""
    rng = np.random.default_rng(seed)
    clips = []
    for i in range(n_clips):
        period = int(rng.integers(23, 42))
        cycle = rng.standard_normal(period)
        e = np.tile(cycle, length // period + 1)[:length] + rng.standard_normal(length) * 0.01
        x = np.zeros(length)
        for t in range(2, length):
            x[t] = 1.2 * x[t - 1] - 0.5 * x[t - 2] + e[t]
        clips.append((x / 1.1 / np.abs(x).max()).astype(np.float32))
    return clips


def test_a_pitch_term_predicts_the_periodic_excitation_the_linear_term_leaves():
    """On periodic data the untrained model with a pitch term scores far better than the same model without.

    The linear term (fitted by the Trainer) whitens the AR(2) part; what it
    leaves is the repeated cycle, which only a predictor one period back can
    foresee. The pitch term finds, in the last 12.5 ms, the stretch that its
    newest 1.25 ms repeat, and predicts the next sample from one period back;
    the repeat is near-perfect, so its gain c/E is ≈ 1, the cap.
    (Sparse pulses in white noise, with the period longer than the window,
    are not predicted: docs/models.md.)
    """
    from wavenetlike.config import PITCH_GAIN_MAX
    from wavenetlike.evaluate import evaluate
    from wavenetlike.train.trainer import Trainer
    dataset = Dataset(_periodic_excitation_clips(), sample_rate=4000)  # lags 10 … 50 samples, a 5-sample window
    scores, models = {}, {}
    for pitch in (False, True):
        cfg = ModelConfig(n_blocks=1, layers_per_block=2, continuous=True, mixture_components=3, linear_order=4,
                          adaptive_scale=True, pitch_predictor=pitch, quantization_channels=256, sample_rate=4000)
        torch.manual_seed(0)
        models[pitch] = build_wavenetlike(cfg)
        Trainer(models[pitch], dataset, batch_size=2, target_length=64, max_steps=0)  # fits and sets the linear term
        scores[pitch] = evaluate(models[pitch], dataset, max_held_out_seconds=None, baselines=False).bits_per_sample
    assert scores[True] < scores[False] - 0.2
    clip = torch.from_numpy(dataset.clips[0].audio).unsqueeze(0)
    with torch.no_grad():
        e = models[True].excitation(clip)
        predicted = models[True].pitch_term(e)[0, :-1]  # the prediction of e[t + 1]
    big = e[0, 1:].abs() > 0.5 * e[0].abs().max()
    settled = torch.arange(predicted.numel()) > 200  # after the window has seen two periods
    ratio = predicted[big & settled] / e[0, 1:][big & settled]
    assert ratio.median().item() == pytest.approx(PITCH_GAIN_MAX, abs=0.1)
