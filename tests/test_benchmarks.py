"""The benchmark's reference models compute the same function as the library's (only speed differs)."""
import pytest
import torch

from benchmarks.__main__ import main
from benchmarks.unfused import UnfusedResidualLayer, unfused_copy
from benchmarks.variants import check_equal
from wavenetlike import ModelConfig, build_wavenetlike

CONFIGS = [
    ModelConfig(n_blocks=2, layers_per_block=3, kernel_size=3, quantization_channels=16,
                residual_channels=6, gate_channels=5, skip_channels=7, output_channels=8),
    ModelConfig(dilations=[1, 3, 9, 2], use_bias=False, quantization_channels=8, global_condition_classes=2),
]


@pytest.mark.parametrize("config", CONFIGS, ids=["k3", "dilation_list"])
def test_unfused_copy_and_forward_variants_match_the_model(config):
    torch.manual_seed(0)
    model = build_wavenetlike(config)
    other = unfused_copy(model)  # raises if the function differs
    assert all(isinstance(layer, UnfusedResidualLayer) for layer in other.layers)
    x = torch.randint(0, config.quantization_channels, (2, 50))
    with torch.no_grad():
        assert torch.allclose(model(x), other(x), atol=1e-5)
    delta = config.receptive_field
    for first in (0, 5, delta - 1):
        assert check_equal(model, first, delta + 40) < 1e-5


def test_bench_cli_writes_json_for_a_small_subset(tmp_path, capsys):
    out = tmp_path / "b.json"
    assert main(["--only", "analysis", "--threads", "1", "--repeats", "1", "--quick", "--out", str(out)]) == 0
    import json
    data = json.loads(out.read_text())
    assert data["machine"]["logical_cores"] >= 1 and data["figures"]
    assert "analysis/" in capsys.readouterr().out


def test_quality_suite_trains_evaluates_generates_and_tabulates_a_tiny_kind(capsys):
    from benchmarks.quality import Kind, run
    tiny = Kind("tiny", "ar2:1.2,-0.5",
                lambda d: ModelConfig(n_blocks=1, layers_per_block=2, residual_channels=4, gate_channels=4,
                                      skip_channels=4, output_channels=4, quantization_channels=16),
                {"batch_size": 2, "target_length": 64, "lr": 1e-2, "max_steps": 5})
    figures = run(None, seconds=30, gen_seconds=0.1, prime_seconds=0.01, kind_list=[tiny])
    values = {f.name: f.value for f in figures}
    assert values["quality/tiny/steps"] == 5
    assert 0 < values["quality/tiny/bits"] < 8 and values["quality/tiny/lp_bits"] < values["quality/tiny/same_class_bits"]
    assert values["quality/tiny/real_voiced"] is not None and "quality/tiny/unprimed_ar2_a" in values
    out = capsys.readouterr().out
    assert "tiny" in out and "unprimed" in out and "primed" in out and "truth AR(2) a, b = +1.20, -0.50" in out
    with pytest.raises(ValueError, match="unknown quality kind"):
        run(["nope"], seconds=1, kind_list=[tiny])
