"""The command-line interfaces of the diagonal slice: reproduce diagonal-<case>, saddles --data."""

import json

import numpy as np
import pytest
import scipy.linalg

from symsaddle.cli import main
from symsaddle.diagonal import DiagonalProblem, Initialisation, gradient_descent
from symsaddle.errors import DivergenceError
from symsaddle.reproduce import cases
from tables_check import assert_tables_well_formed


def test_all_cases_are_registered():
    names = set(cases())
    assert {f"diagonal-saddle-to-saddle-{c}" for c in ("d1n1", "d1n4", "d2n1", "d2n2", "d7n5")} <= names
    assert "diagonal-sparse-to-dense" in names


@pytest.mark.slow
def test_reproduce_json_interface(capsys, tmp_path):
    assert main(["reproduce", "diagonal-saddle-to-saddle-d2n1", "--json", "--out", str(tmp_path)]) == 0
    out = json.loads(capsys.readouterr().out)
    for item in out["saddles"] + out["predicted"]:
        assert len(item["p"]) == 2 and isinstance(item["loss"], float) and isinstance(item["kind"], str)
    assert all(isinstance(item["accelerated_time"], float) for item in out["predicted"])
    # seed 000 §7.3: x₁y = −2.7482 dominates, so the run goes from 0 to p = (y/x₁, 0) = (−1.5499, 0)
    assert [s["kind"] for s in out["saddles"]] == ["strict saddle", "minimiser"]
    problem = DiagonalProblem.seed000(2, 1)
    np.testing.assert_allclose(out["saddles"][-1]["p"], [problem.y[0] / problem.X[0, 0], 0.0], atol=1e-10)
    verdicts = {c["statement"]: c["verdict"] for c in out["claims"]}
    assert verdicts["p[0] = u[0]v[0] = −1.5454 (the thesis's p₁* = u₁v₁)"] == "refuted"
    assert (tmp_path / "gd_trajectory.png").is_file()             # --out DIR: the files go into DIR itself
    assert (tmp_path / "convergence.pdf").is_file()
    assert assert_tables_well_formed(tmp_path) > 0                # visited.md/.tex: "#", "t̃", "|β_k − …|"


@pytest.mark.slow
def test_saddles_command(tmp_path, capsys):
    M = np.array([[20, 6, -1.4], [6, 2, -0.4], [-1.4, -0.4, 0.12]])
    X = np.real(scipy.linalg.sqrtm(M))
    np.savez(tmp_path / "fig2.npz", X=X, y=X @ np.array([1.0, 9.0, 10.0]))
    assert main(["saddles", "--data", str(tmp_path / "fig2.npz"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    np.testing.assert_allclose([s["accelerated_time"] for s in out["predicted"]], [0, 0.05, 1.05, 15], atol=1e-9)
    np.testing.assert_allclose(out["predicted"][-1]["p"], [1, 9, 10], atol=1e-9)
    # text mode with --out: counts equilibria by kind (the minimiser is no saddle), writes the limit figure
    assert main(["saddles", "--data", str(tmp_path / "fig2.npz"), "--out", str(tmp_path / "out")]) == 0
    assert "4 equilibria visited (3 strict saddles, 1 minimiser;" in capsys.readouterr().out
    assert (tmp_path / "out" / "limit_path.png").stat().st_size > 0
    assert assert_tables_well_formed(tmp_path / "out") > 0


def test_saddles_on_dependent_columns_names_the_file(tmp_path, capsys):
    X = np.array([[1.0, 1.0, 0.0], [2.0, 2.0, 1.0], [0.0, 0.0, 3.0]])        # columns 0 and 1 are equal
    np.savez(tmp_path / "twins.npz", X=X, y=np.array([1.0, -2.0, 0.5]))
    assert main(["saddles", "--data", str(tmp_path / "twins.npz")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("symsaddle: error: ") and f"{tmp_path / 'twins.npz'}: columns 0, 1" in err


def test_saddles_on_badly_conditioned_columns_says_so_not_dependent(tmp_path, capsys):
    # a row scaled by a huge factor made independent columns "linearly dependent": X = [[s, s], [0, 1]] has
    # det s ≠ 0 and condition number ≈ 2s (σ₁ ≈ √2·s, σ₂ = det/σ₁); the face solver's Gram matrix squares it
    (tmp_path / "scaled.csv").write_text("1e7,1e7,0\n0,1,1\n")
    assert main(["saddles", "--data", str(tmp_path / "scaled.csv")]) == 2
    err = capsys.readouterr().err
    assert "columns 0, 1 of X (counted from 0) are badly conditioned, not linearly dependent" in err
    assert "condition number is 2.0e+07" in err and "Gram matrix" in err and "Rescale the data" in err


@pytest.mark.parametrize("arrays, message", [
    ({"X": np.ones((3, 2)), "y": np.ones(4)}, "mismatched lengths"),
    ({"X": np.array([[1.0, np.nan]]), "y": np.ones(1)}, "NaN"),
    ({"X": np.array([[1, 2]], dtype=object), "y": np.ones(1)}, "pickled"),
    ({"X": np.ones((3, 2))}, "missing"),
])
def test_saddles_command_bad_data(tmp_path, capsys, arrays, message):
    np.savez(tmp_path / "bad.npz", **arrays)
    assert main(["saddles", "--data", str(tmp_path / "bad.npz")]) == 2
    assert message in capsys.readouterr().err


def test_gd_diverges_at_gamma_7_with_the_seeds_step():
    # seed 000 §5.4: with step 0.01 and v₀ = γ1 the loss diverges at γ = 7 (it converges at γ = 5, Fig. 8)
    problem = DiagonalProblem.seed000(7, 5, [10, 20, 0, 0, 0, 0, 0])
    with pytest.raises(DivergenceError, match="step size 0.01"):
        gradient_descent(problem, Initialisation.seed000_nonzero(7, 7.0), 0.01, 3000)
    run = gradient_descent(problem, Initialisation.seed000_nonzero(7, 5.0), 0.01, 3000, record_every=3000)
    assert run.loss[-1] < 1e-20


def test_an_inconclusive_visited_point_shows_its_reason_not_an_index():
    # the index of an inconclusive point counts eigenvalues that may lie in the ambiguous band
    # (d7n5's last GD point printed "inconclusive (index 4)" although it attains the lower bound)
    from types import SimpleNamespace

    from symsaddle.diagonal.cases import _verdict
    undecided = SimpleNamespace(kind="inconclusive", index=4, reason="eigenvalue -2.6e-06 lies in the ambiguous band")
    assert _verdict(undecided) == "inconclusive: eigenvalue -2.6e-06 lies in the ambiguous band"
    assert _verdict(SimpleNamespace(kind="strict saddle", index=4, reason="")) == "strict saddle (index 4)"


def test_a_claim_line_carries_its_verdict_and_recomputed_value_and_ends_there_without_a_note():
    # the sparse-to-dense text printed "… diverges at γ = 7 (…) — " for claims with nothing to add; the d2n2
    # summary printed a refuted claim without the recomputed value
    from symsaddle.diagonal.cases import _claim_line
    from symsaddle.diagonal.claims import Claim, Verdict
    bare = Claim("§5.4", "GD diverges at γ = 7", "7", "5.73", Verdict.CONFIRMED)
    assert _claim_line(bare) == "[confirmed] §5.4: GD diverges at γ = 7; recomputed: 5.73"
    noted = Claim("§7.3", "p[0] = −1.5454", "-1.5454", "-1.5499", Verdict.REFUTED, "y/X[0, 0]")
    assert _claim_line(noted) == "[refuted] §7.3: p[0] = −1.5454; recomputed: -1.5499 — y/X[0, 0]"


def test_a_numeric_claim_prints_negative_zero_as_zero():
    # the d2n2 claims table printed the saddle as [0.6740, 0.0000, 0.6740, -0.0000]
    from symsaddle.diagonal.claims import numeric
    c = numeric("Table 5", "saddle", [0.674, 0.0], [0.674, -1e-17])
    assert c.toolkit == "[0.6740, 0.0000]"
    assert numeric("x", "x", 0.0, -0.0).toolkit == "0.0000"
    assert numeric("x", "x", -0.5, -0.49996).toolkit == "-0.5000"
