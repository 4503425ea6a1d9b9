"""Linear predictors (Levinson–Durbin) and their held-out bits/sample at a mu-law quantisation."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import linalg, signal

from wavenetlike.analysis.linear_prediction import (adaptive_laplace_scale, fit_linear_predictors,
                                                    laplace_class_log2prob, linear_predictor_bits,
                                                    linear_predictor_log2probs, mulaw_class_edges)
from wavenetlike.data.mulaw import mu_law_encode_np


def _ar2(a: float, b: float, n: int, rng: np.random.Generator) -> np.ndarray:
    return signal.lfilter([1.0], [1.0, -a, -b], rng.standard_normal(n))


def test_ar2_coefficients_and_bits_drop_then_flat():
    rng = np.random.default_rng(0)
    a, b = 1.6, -0.8
    train = [_ar2(a, b, 4000, rng) for _ in range(8)]
    held = [_ar2(a, b, 4000, rng) for _ in range(3)]
    predictors = fit_linear_predictors(train, 8)
    np.testing.assert_allclose(predictors.coefficients(2), [a, b], atol=0.02)
    assert predictors.coefficients(0).shape == (0,)
    scale = float(max(np.abs(x).max() for x in train + held))
    bits = linear_predictor_bits(train, held, [0, 1, 2, 3, 4, 8], 256, scale=scale)
    assert bits[0] - bits[2] > 1.5, bits  # ≈ log2 of the std ratio, 1.86 bits, in theory
    assert bits[1] - bits[2] > 0.3, bits
    for order in (3, 4, 8):                       # and nothing beyond lag 2 helps
        assert abs(bits[order] - bits[2]) < 0.02, bits


def test_levinson_matches_a_direct_toeplitz_solve():
    rng = np.random.default_rng(1)
    clips = [rng.standard_normal(500).cumsum() * 0.01 for _ in range(3)]
    predictors = fit_linear_predictors(clips, 12)
    r = predictors.autocorrelation
    direct = linalg.solve_toeplitz(r[:7] * np.r_[1 + 1e-9, np.ones(6)], r[1:8])
    np.testing.assert_allclose(predictors.coefficients(7), direct, rtol=1e-6, atol=1e-9)
    # the autocorrelation is the zero-padded sum over clips, per sample
    brute = sum(np.dot(c[:-3], c[3:]) for c in clips) / sum(c.size for c in clips)
    assert r[3] == pytest.approx(brute)
    assert np.all(np.diff(predictors.error) <= 1e-15)  # more taps never fit worse


def test_class_edges_agree_with_the_encoder():
    for n_classes in (8, 32, 256):
        edges = mulaw_class_edges(n_classes)
        inner = edges[1:-1]
        assert np.all(mu_law_encode_np(inner + 1e-9, n_classes) == np.arange(1, n_classes))
        assert np.all(mu_law_encode_np(inner - 1e-9, n_classes) == np.arange(0, n_classes - 1))
        assert edges[0] == -np.inf and edges[-1] == np.inf


def test_class_probabilities_sum_to_one_and_stay_finite_in_the_tails():
    edges = mulaw_class_edges(32)
    for mean, scale in [(0.0, 0.01), (0.9, 0.001), (-0.3, 0.2), (5.0, 1e-4)]:
        logp = laplace_class_log2prob(edges[:-1], edges[1:], mean, scale)
        assert np.all(np.isfinite(logp))
        assert np.sum(2.0 ** logp) == pytest.approx(1.0, abs=1e-9)


def test_class_integration_matches_a_brute_force_computation():
    """Whole pipeline on a few samples against loops and a numerical integral of the density."""
    rng = np.random.default_rng(2)
    train = [_ar2(1.2, -0.5, 3000, rng) * 0.1 for _ in range(4)]
    held = _ar2(1.2, -0.5, 400, rng) * 0.1
    n_classes, order, ema, floor = 16, 3, 0.1, 1e-4
    predictors = fit_linear_predictors(train, order)
    fast = linear_predictor_log2probs(predictors, [held], order, n_classes, ema=ema, floor=floor)
    coefficients = predictors.coefficients(order)
    padded = np.concatenate([np.zeros(order), held])
    prediction = np.array([np.dot(coefficients, padded[t + order - 1::-1][:order]) for t in range(held.size)])
    b = np.empty(held.size)
    b[0] = max(predictors.residual_std(order) / np.sqrt(2), floor)
    for t in range(1, held.size):
        b[t] = max((1 - ema) * b[t - 1] + ema * abs(held[t - 1] - prediction[t - 1]), floor)
    for t in (0, 1, 5, 50, 123, 399):
        grid = np.linspace(prediction[t] - 40 * b[t], prediction[t] + 40 * b[t], 400_001)
        density = np.exp(-np.abs(grid - prediction[t]) / b[t]) / (2 * b[t])
        inside = mu_law_encode_np(grid, n_classes) == mu_law_encode_np(held[t:t + 1], n_classes)[0]
        p = np.trapezoid(density * inside, grid)
        assert 2.0 ** fast[t] == pytest.approx(p, rel=2e-3, abs=1e-9), t


def test_adaptive_scale_uses_only_the_past():
    abs_e = np.array([1.0, 0.0, 0.0, 5.0])
    b = adaptive_laplace_scale(abs_e, initial=2.0, ema=0.5, floor=0.1)
    np.testing.assert_allclose(b, [2.0, 1.5, 0.75, 0.375])


def test_cap_and_bad_inputs():
    rng = np.random.default_rng(3)
    train = [rng.standard_normal(1000) * 0.1]
    held = [rng.standard_normal(300) * 0.1, rng.standard_normal(300) * 0.1]
    capped = linear_predictor_bits(train, held, [2], 32, max_held_out_samples=300)
    only_first = linear_predictor_bits(train, held[:1], [2], 32)
    assert capped[2] == pytest.approx(only_first[2])
    with pytest.raises(ValueError, match="max_order"):
        fit_linear_predictors(train, -1)
    with pytest.raises(ValueError, match="order"):
        fit_linear_predictors(train, 4).coefficients(5)
    with pytest.raises(ValueError, match="held-out"):
        linear_predictor_bits(train, [np.zeros(0)], [2], 32)
    with pytest.raises(ValueError, match="scale"):
        linear_predictor_bits(train, held, [2], 32, scale=0)
    silent = linear_predictor_bits([np.zeros(100)], [np.zeros(50)], [0, 4], 32)
    # with an even number of classes 0.0 lies on a class edge: half the mass on each side
    assert silent == {0: pytest.approx(1.0), 4: pytest.approx(1.0)}


def test_seeing_only_quantised_past_costs_bits():
    rng = np.random.default_rng(4)
    train = [_ar2(1.6, -0.8, 4000, rng) * 0.05 for _ in range(4)]
    held = [_ar2(1.6, -0.8, 2000, rng) * 0.05]
    full = linear_predictor_bits(train, held, [2], 32)[2]
    coarse = linear_predictor_bits(train, held, [2], 32, past_classes=8)[2]
    assert coarse > full + 0.1
