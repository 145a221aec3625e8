"""Seed 003 §6.3 on digits (issue 9 part 8): the descent's verdict (critical / escaping / not converged),
checked on problems whose answer is known in closed form, and the digits-saddle-line case."""

import numpy as np
import pytest

import symsaddle as ss
from symsaddle.registry import CaseOptionError
from symsaddle.symmetry.digits_line import (DescentStatus, descend, digits_problem, line_mus,
                                            si_line_report, xavier_mlp)
from symsaddle.symmetry.examples import MAX_WEIGHT

sklearn = pytest.importorskip("sklearn")


def _step_problem():
    """f = a σ(w x + b) + c on x = (−1, 0, 1, 1), y = (−1, −1, 1, 0). The best f has f(−1) = f(0) = −1 and
    f(1) = ½ (L* = ¼·½·(¼ + ¼) = 1/16), approached along w → ∞, b = −w/2, a = 3/2, c = −1 (f tends to a step).
    No finite θ attains it: f(−1) = f(0) forces σ(b − w) = σ(b) (w = 0) or a = 0, and then f is constant
    (L ≥ ½·Var(y) = 11/32 > 1/16). So L > 1/16 at every finite θ and inf L = 1/16 is not attained: a descent
    that gets below the constant fit must run off to infinity, with a gradient that vanishes on the way."""
    X = np.array([[-1.0], [0.0], [1.0], [1.0]])
    y = np.array([-1.0, -1.0, 1.0, 0.0])
    return ss.Objective(ss.models.mlp([1, 1, 1], "sigmoid"), X, y)


def _quadratic_problem():
    """A linear model (mlp without hidden layer): L is a convex quadratic with a unique finite minimiser."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.3 + 0.1 * rng.normal(size=30)
    return ss.Objective(ss.models.mlp([3, 1], "sigmoid"), X, y), X, y


def test_descent_reaches_the_least_squares_solution():
    obj, X, y = _quadratic_problem()
    found = descend(obj, np.zeros(4), first_order_steps=50, newton_steps=5)
    assert found.status is DescentStatus.CRITICAL
    A = np.hstack([X, np.ones((30, 1))])
    np.testing.assert_allclose(found.theta, np.linalg.lstsq(A, y, rcond=None)[0], rtol=1e-10)
    assert found.gradient_norm <= found.gradient_tolerance


def test_descent_shows_its_iterations_in_a_progress_bar(capsys):
    """progress=True: one bar over the L-BFGS and Newton iterations (stderr here is not a terminal, so lines). On the
    quadratic L-BFGS stops before its 50 iterations and Newton has nothing left to do: the bar ends at the
    iterations scipy reports for the two stages (the stage-end rows of the history), not at 55, with the last
    row's loss."""
    obj, _, _ = _quadratic_problem()
    found = descend(obj, np.zeros(4), first_order_steps=50, newton_steps=5, progress=True)
    stage_end = {row["stage"]: row for row in found.history}
    ran = stage_end["L-BFGS"]["iterations"] + stage_end["trust-region Newton"]["iterations"]
    assert 0 < ran < 55
    last = capsys.readouterr().err.splitlines()[-1]
    assert last.startswith("descent:") and f" {ran}/55 " in last, last
    assert f"trust-region Newton: L = {stage_end['trust-region Newton']['loss']:.4e}" in last
    descend(obj, np.zeros(4), first_order_steps=50, newton_steps=5)
    assert capsys.readouterr().err == ""


@pytest.mark.xfail(strict=True, reason="known limit: the descent reaches L* + 2e-14 with ‖∇L‖ = 3e-14 and "
                   "|θ| = 16 (a neuron saturated to float precision); no float64 gradient test can tell this from a "
                   "critical point, and trust-region Newton stops there: the escape is not seen without a "
                   "continuation run")
def test_descent_on_a_problem_without_finite_minimiser_is_escaping():
    obj = _step_problem()
    found = descend(obj, np.array([1.0, 0.0, 1.0, 0.0]), first_order_steps=400, newton_steps=40)
    assert found.status is DescentStatus.ESCAPING
    assert found.status is not DescentStatus.CRITICAL
    losses = [h["loss"] for h in found.history]
    assert losses[-1] < losses[0]
    assert 1 / 16 < found.loss < 11 / 32


def test_escaping_is_never_given_an_si_verdict():
    """The predictor refuses a point that is not critical (the descent's end on the step problem)."""
    from symsaddle.symmetry import NotCriticalError
    obj = _step_problem()
    found = descend(obj, np.array([1.0, 0.0, 1.0, 0.0]), first_order_steps=20, newton_steps=0)
    assert found.status is not DescentStatus.CRITICAL
    with pytest.raises(NotCriticalError):
        si_line_report(obj, found.theta, 1)


def test_xavier_initialisation_is_seeded_and_has_zero_biases():
    obj, _ = digits_problem("labels", (4, 3))
    a, b = xavier_mlp(obj.model, 5), xavier_mlp(obj.model, 5)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, xavier_mlp(obj.model, 6))
    blocks = obj.model.unflatten(a)
    for name in ("b1", "b2", "b3"):
        np.testing.assert_array_equal(blocks[name], 0)
    assert a.shape == (obj.model.n_parameters,) == (10 * 4 + 4 + 4 * 3 + 3 + 3 + 1,)


def test_thesis_network_has_p_341():
    obj, text = digits_problem("labels")
    assert obj.model.n_parameters == 3 * (10 * 10 + 10) + 11 == 341
    assert obj.X.shape == (1797, 10) and set(np.unique(obj.y)) == {-1.0, 1.0}
    assert "odd/even" in text


def test_bad_input():
    with pytest.raises(ValueError, match="targets"):
        digits_problem("mnist")
    with pytest.raises(ValueError, match="n_samples"):
        digits_problem("labels", n_samples=0)
    from symsaddle.symmetry.cases import run_digits
    with pytest.raises(CaseOptionError, match="--layer"):
        run_digits(None, False, layer=4)
    with pytest.raises(CaseOptionError, match="--targets"):
        run_digits(None, False, targets="mnist")


def test_line_mus_contain_the_thesis_points():
    mus = line_mus()
    assert {-0.5, 0.0, 0.5, 1.0, 1.5} <= set(mus.tolist())
    assert np.all(np.diff(mus) > 0)


@pytest.mark.slow
def test_thesis_network_descent_escapes(digits_line_reproduction):
    """Seed 003 §6.3's network and data: the seeded descent lowers the loss while a weight passes MAX_WEIGHT,
    or while the weights keep growing under trust-region Newton — no critical point to give Theorem 3.
    The descent is the one the digits-saddle-line case runs (conftest: once per session), this very call:
    descend(digits_problem("labels")[0], xavier_mlp(model, 0), first_order_steps=1000, newton_steps=10)."""
    obj, _ = digits_problem("labels")
    ((case_obj, theta0), kwargs, found), = digits_line_reproduction.calls["descend"]
    assert case_obj.model == obj.model and case_obj.loss == obj.loss and case_obj.factor == obj.factor
    np.testing.assert_array_equal(case_obj.X, obj.X)
    np.testing.assert_array_equal(case_obj.y, obj.y)
    np.testing.assert_array_equal(theta0, xavier_mlp(obj.model, 0))
    assert {k: v for k, v in kwargs.items() if k != "progress"} == {"first_order_steps": 1000, "newton_steps": 10}
    assert found.status is not DescentStatus.CRITICAL
    assert found.gradient_norm > found.gradient_tolerance or found.max_weight > MAX_WEIGHT


@pytest.mark.slow
def test_an_empty_si_table_says_why(digits_line_reproduction):
    """A new user's report: si_lines.md held only "(no rows)". The descent reached no critical point (the test
    above), so the table says that instead, with the descent's status."""
    status = digits_line_reproduction.result["descent"]["status"]
    text = (digits_line_reproduction.folder / "si_lines.md").read_text()
    assert text.startswith(f"(no SI line: the descent reached no critical point ({status}: ‖∇L‖ = "), text
    assert text.rstrip().endswith("and Theorem 3 is about critical points)"), text


@pytest.mark.slow
def test_digits_saddle_line_case_writes_its_outputs(digits_line_reproduction):
    """The CLI case on the thesis's network: JSON with the descent's verdict, table, figure; no SI verdict
    for an end point that is not critical."""
    data = digits_line_reproduction.result
    assert data["P"] == 341
    assert data["descent"]["status"] in ("escaping to infinity", "not converged")
    assert data["lines"] == {} and data["table"] == []
    out = digits_line_reproduction.folder
    for name in ("descent.png", "descent.pdf", "descent.md", "result.json"):
        assert (out / name).is_file(), name


def test_si_line_report_at_a_critical_point_of_a_deep_mlp():
    """The report the case gives a critical end point, on the slice's deep-layer example (mlp [2, 2, 2, 1]):
    the kernel Hessian's inertia along θ(μ) equals In H_r + In K(μ) at every decided μ, for the last hidden
    layer (one output: U = 0) and for hidden layer 1 (U ≠ 0: the thesis's U = 0 argument does not apply)."""
    from symsaddle.symmetry.examples import deep_layer_example
    ex = deep_layer_example()
    last, _ = si_line_report(ex.objective, ex.theta, 2)
    first, _ = si_line_report(ex.objective, ex.theta, 1)
    assert last["is_last_hidden_layer"] and last["rank_U"] == 0
    assert not first["is_last_hidden_layer"] and first["rank_U"] >= 1
    for summary in (last, first):
        assert summary["n_decided"] >= 5 and summary["all_decided_agree"]
        assert [r["mu"] for r in summary["key_mus"]] == [-0.5, 0.0, 0.5, 1.0, 1.5]
    outgoing = np.abs(ex.objective.model.unflatten(ex.theta)["W3"]).ravel()
    assert last["neuron"] == int(np.argmax(outgoing))
