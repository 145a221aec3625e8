"""``symsaddle reproduce ncf-near-origin`` and ``ncf-near-saddle`` end to end (issue 5, interfaces)."""

import numpy as np
import pytest

from symsaddle.cli import main

pytestmark = pytest.mark.slow


def check_common(result):
    assert result["kkt_points"] and all({"direction", "value", "kind"} <= set(p) for p in result["kkt_points"])
    deltas = [r["delta"] for r in result["angle_errors"]]
    assert deltas == [10.0 ** -k for k in range(2, 9)]
    joint = [r["joint_deg"] for r in result["angle_errors"]]
    assert np.all(np.diff(joint) < 0)


def test_ncf_origin_case(ncf_origin_reproduction):
    r = ncf_origin_reproduction.result
    check_common(r)
    assert any(p["kind"] == "local maximum" and p["nonnegative"] for p in r["kkt_points"])
    for net in ("squared_relu", "relu"):
        for sd_run in r[net]["figure1_runs"]:
            assert 0 < sd_run["escape iteration (L <= L0/2)"] < 50_000
    # with the squared ReLU the interpolating weights have ‖W‖² = 5 + 4 (ncf.md §6.2)
    assert r["squared_relu"]["figure1_runs"][0]["final ||w - w_bar||"] == pytest.approx(3.0, rel=1e-4)
    k = r["relu"]["kink_neurons"]
    for step in k["max_angle_deg"]:
        assert k["max_angle_deg"][step] <= k["bound_deg"][step]
    assert r["nonsmooth"]["convention_counterexample"]["kernel_gradient"] == [0.0, 0.0]
    out = ncf_origin_reproduction.folder
    for stem in ("squared_relu_alignment", "relu_alignment", "squared_relu_figure1_sd1e-05", "branching"):
        assert (out / f"{stem}.png").stat().st_size > 0 and (out / f"{stem}.pdf").stat().st_size > 0
    assert (out / "squared_relu_kkt_points.md").exists() and (out / "squared_relu_alignment.tex").exists()


def test_ncf_saddle_case(ncf_saddle_reproduction):
    r = ncf_saddle_reproduction.result
    check_common(r)
    assert r["saddle"]["gradient_norm"] <= r["saddle"]["gradient_tolerance"]
    assert r["saddle"]["max |residual - 4 relu(-x1)^2|"] == 0.0
    assert (ncf_saddle_reproduction.folder / "saddle_figure4.png").exists()


def test_reproduce_list_shows_the_ncf_cases(capsys):
    assert main(["reproduce", "list"]) == 0
    out = capsys.readouterr().out
    assert "ncf-near-origin" in out and "ncf-near-saddle" in out


def test_a_neuron_without_a_predicted_exponent_says_why_instead_of_printing_nan():
    """Only a neuron aligning at the asymptotic rate has a predicted exponent (NaN in the tables and JSON)."""
    from symsaddle.ncf.cases import _predicted_exponent
    assert _predicted_exponent(0.33284) == "predicted 0.3328"
    missing = _predicted_exponent(float("nan"))
    assert "nan" not in missing.lower() and "no prediction" in missing
