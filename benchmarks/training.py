"""Training speed (forward + backward + Adam step): the library's trimmed forward (after) against the
full forward with fused (before) and unfused residual layers."""
from __future__ import annotations

import time

import torch
from torch.nn import functional as F

from wavenetlike import PRESETS, build_wavenetlike

from .common import Figure, median_rate
from .unfused import unfused_copy

# batch size and scored targets per window: (full run, --quick)
SETTINGS = {"toy": {"batch": 8, "target": 1024, "steps": (3, 2)},
            "wavenet": {"batch": 4, "target": 1024, "steps": (1, 1)}}


def train_rate(model, batch: int, target: int, steps: int, seed: int = 0, forward=None) -> float:
    """Scored samples per second of wall time over ``steps`` training steps.

    Each window holds Δ−1 samples of context plus ``target`` scored samples;
    only the scored positions enter the cross-entropy, as in training.
    ``forward(model, inputs, first)`` replaces the model's forward pass.
    """
    c = model.config
    g = torch.Generator().manual_seed(seed)
    T = c.receptive_field - 1 + target
    x = torch.randint(0, c.quantization_channels, (batch, T + 1), generator=g)
    inputs, targets = x[:, :-1], x[:, 1:]
    first = c.receptive_field - 1
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    t0 = time.perf_counter()
    for _ in range(steps):
        opt.zero_grad(set_to_none=True)
        logits = model(inputs)[:, :, first:] if forward is None else forward(model, inputs, first)
        loss = F.cross_entropy(logits, targets[:, first:])
        loss.backward()
        opt.step()
    return steps * batch * target / (time.perf_counter() - t0)


def run(presets: list[str], threads: int, repeats: int, quick: bool, variants: bool = True) -> list[Figure]:
    torch.set_num_threads(threads)
    figures = []
    for name in presets:
        s = SETTINGS[name]
        steps = s["steps"][1 if quick else 0]
        torch.manual_seed(0)
        fused = build_wavenetlike(PRESETS[name]())
        unfused = unfused_copy(fused)
        params = {"preset": name, "threads": threads, "batch": s["batch"], "target_length": s["target"],
                  "window": fused.config.receptive_field - 1 + s["target"], "optimizer": "Adam",
                  "steps_per_repeat": steps}
        rate_f, reps_f = median_rate(lambda: train_rate(fused, s["batch"], s["target"], steps), repeats)
        rate_u, reps_u = median_rate(lambda: train_rate(unfused, s["batch"], s["target"], steps), repeats)
        figures.append(Figure(f"train/{name}/fused, full forward (before)", rate_f, "samples/s", reps_f, params))
        figures.append(Figure(f"train/{name}/unfused, full forward", rate_u, "samples/s", reps_u, params,
                              "separate filter/gate convs and residual/skip convs"))
        figures.append(Figure(f"train/{name}/fusion speed-up", rate_f / rate_u, "x", [], params))
        if variants:  # the library's trimmed forward: only what the scored positions need
            first = fused.config.receptive_field - 1
            x = torch.randint(0, fused.config.quantization_channels, (2, first + 65))
            with torch.no_grad():
                diff = (fused(x, output_from=first) - fused(x)[:, :, first:]).abs().max().item()
            trimmed = lambda m, x, f: m(x, output_from=f)  # noqa: E731
            rate_t, reps_t = median_rate(lambda: train_rate(fused, s["batch"], s["target"], steps,
                                                            forward=trimmed), repeats)
            figures.append(Figure(f"train/{name}/library, scored positions only (after)", rate_t, "samples/s",
                                  reps_t, params, f"same logits within {diff:.1e}"))
            figures.append(Figure(f"train/{name}/speed-up after / before (fused, full forward)",
                                  rate_t / rate_f, "x", [], params))
    return figures
