"""Seed 001 §4: plateaus at the rank-r constrained minimisers (Figure 1) and escape from the
rank-3 point parametrised strict vs non-strict (Figure 2)."""

import numpy as np
import pytest

from symsaddle.critical import Kind, classify
from symsaddle.deep_linear import (SufficientStatistics, default_step, escape_times, factorise, objective,
                                   seed001_section4_data, sequential_learning, to_theta)

WIDTHS = (5, 4, 4, 5)


@pytest.fixture(scope="module")
def data():
    X, Y = seed001_section4_data(0)
    return X, Y, SufficientStatistics.from_samples(X, Y)


def reduced_rank_values(X, Y):
    """Eckart–Young after whitening (X = QR): the rank-r minimum of ‖Y − XM‖² is ‖Y‖² − Σ_{i≤r} σ_i(QᵀY)²."""
    s = np.linalg.svd(np.linalg.qr(X)[0].T @ Y, compute_uv=False)
    return np.array([np.sum(Y**2) - np.sum(s[:r] ** 2) for r in range(5)])


def test_seed_data_is_reproducible():
    a, b = seed001_section4_data(3), seed001_section4_data(3)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert a[0].shape == (1000, 5)
    beta = np.linalg.lstsq(a[0], a[1], rcond=None)[0]            # ≈ diag(5, 4, 3, 2, 1) up to the noise
    np.testing.assert_allclose(beta, np.diag([5.0, 4, 3, 2, 1]), atol=0.02)


@pytest.mark.slow
def test_plateaus_sit_at_the_rank_constrained_minimisers(data):
    X, Y, st = data
    run = sequential_learning(st, WIDTHS, n_steps=45_000, polish_plateaus=False)
    assert [p.rank for p in run.plateaus] == [0, 1, 2, 3, 4]
    levels = reduced_rank_values(X, Y)
    for p in run.plateaus:
        assert p.loss == pytest.approx(levels[p.rank], rel=1e-6)
        assert p.product_distance < 1e-4
    # small, nearly balanced start: every layer keeps numerical rank r on plateau r, i.e. GD
    # passes close to the thin (tightened, non-strict) critical points, not the strict ones
    assert all(p.thinness < 0.05 for p in run.plateaus[1:4])
    ranks_left = [c["rank"] for c in run.crossings if c["leave"] is not None]
    assert ranks_left == [1, 2, 3]


@pytest.mark.slow
def test_escape_times_scale_as_theory_predicts(data):
    """Strict: the perturbation grows by (1 + η|λ_min|) per step, so one decade less ε costs
    ln 10 / ln(1 + η|λ_min|) more steps (λ_min from the Hessian). Non-strict: the escape is
    cubic, the time ∝ 1/ε."""
    _, _, st = data
    eta = default_step(st, WIDTHS)
    eps = (1e-1, 1e-2)
    runs = {(r.parametrisation, r.epsilon): r for r in escape_times(st, WIDTHS, (0, 1, 2), eps, step=eta,
                                                                     max_steps=30_000)}
    strict = [runs["strict", e] for e in eps]
    assert strict[0].kind == Kind.STRICT_SADDLE.value
    per_decade = np.log(10) / np.log(1 + eta * abs(strict[0].min_eigenvalue))
    assert strict[1].escape_iteration - strict[0].escape_iteration == pytest.approx(per_decade, abs=3)
    slow = [runs["balanced", e] for e in eps]
    assert slow[0].kind == Kind.NON_STRICT_SADDLE.value
    assert slow[1].escape_iteration / slow[0].escape_iteration == pytest.approx(10, rel=0.1)
    assert all(s.escape_iteration > 10 * f.escape_iteration for s, f in zip(slow, strict))


def test_step_is_half_the_stability_limit_at_the_minimum(data):
    _, _, st = data
    kernel = objective(st, WIDTHS, "row").compile()
    theta = to_theta(factorise(st, range(4), WIDTHS, "balanced"), "row")
    c = classify(kernel, theta, lower_bound=st.rank_constrained_value(4))
    assert c.kind is Kind.MINIMISER
    assert default_step(st, WIDTHS) == pytest.approx(1 / c.eigenvalues[-1], rel=1e-12)


def test_escape_needs_a_saddle_below_r_max(data):
    with pytest.raises(ValueError, match="r_max"):
        escape_times(data[2], WIDTHS, (0, 1, 2, 3), [0.1])


def test_escape_times_shows_the_steps_run_and_the_runs_escaped(data, capsys):
    """progress=True: one bar over the GD steps (stderr here is not a terminal, so lines). The batch stops at the
    end of the first chunk of 500 steps in which every run has escaped; a run that has not escaped by max_steps
    (the non-strict point, whose escape takes ~1/ε steps) keeps it going to the end."""
    (strict,) = escape_times(data[2], WIDTHS, (0, 1, 2), [0.1], parametrisations=("strict",), chunk=500,
                             max_steps=5000, progress=True)
    assert 0 < strict.escape_iteration <= 500
    last = capsys.readouterr().err.splitlines()[-1]
    assert last.startswith("escape from the saddle:") and " 500/5000 " in last and "escaped=1/1" in last
    runs = escape_times(data[2], WIDTHS, (0, 1, 2), [0.1], chunk=500, max_steps=1000, progress=True)
    assert [r.escape_iteration is None for r in runs] == [True, False]          # balanced, strict
    last = capsys.readouterr().err.splitlines()[-1]
    assert " 1000/1000 " in last and "escaped=1/2" in last
    escape_times(data[2], WIDTHS, (0, 1, 2), [0.1], parametrisations=("strict",), chunk=500, max_steps=500)
    assert capsys.readouterr().err == ""
