"""The log-space simulators against the core's (u, v) dynamics, mpmath, and the γ → 0 limit."""

import numpy as np
import pytest

from symsaddle.diagonal import (DiagonalProblem, Initialisation, float64_loss, gradient_descent, gradient_flow,
                                limit_path)
from symsaddle.diagonal.reference import float64_comparison
from symsaddle.diagonal.saddles import compare_with_limit, visited_saddles
from symsaddle.dynamics import gradient_descent as core_gd
from symsaddle.dynamics import gradient_flow as core_flow
from symsaddle.errors import DivergenceError, NonFiniteDataError, ShapeError


def flip_instance():
    """d = n = 2 data on which coordinate 2 activates positive, deactivates and comes back negative
    (Algorithm 1: β = 0 → (0, 0.425) → (1.794, 0) → (5.340, −1.486))."""
    rng = np.random.default_rng([2370, 2, 2])
    return DiagonalProblem(rng.standard_normal((2, 2)), rng.standard_normal(2))


def theta0(d, gamma, v0=0.0):
    return np.concatenate([np.full(d, v0 * gamma), np.full(d, np.sqrt(2) * gamma)])


@pytest.mark.parametrize("gamma", [0.3, 1e-3])
def test_log_space_gd_equals_core_gd_on_u_v(gamma):
    problem = DiagonalProblem.seed000(2, 2)
    ours = gradient_descent(problem, Initialisation.vanishing(2, gamma), 0.01, 3000, record_every=100)
    core = core_gd(problem.kernel, theta0(2, gamma), 0.01, 3000, record_every=100)
    np.testing.assert_allclose(ours.theta(), core.thetas, rtol=1e-9, atol=1e-14)
    np.testing.assert_allclose(ours.loss, core.losses, rtol=1e-9)


def test_nonzero_init_gd_equals_core_gd():
    problem = DiagonalProblem.seed000(7, 5, [10, 20, 0, 0, 0, 0, 0])
    ours = gradient_descent(problem, Initialisation.seed000_nonzero(7, 1.0), 0.01, 800, record_every=50)
    core = core_gd(problem.kernel, theta0(7, 1.0, v0=1.0), 0.01, 800, record_every=50)
    np.testing.assert_allclose(ours.theta(), core.thetas, rtol=1e-9, atol=1e-12)


def test_dual_flow_equals_core_flow_on_u_v():
    problem = DiagonalProblem.seed000(2, 2)
    init = Initialisation.vanishing(2, 1e-3)
    t_eval = np.linspace(0, 120, 7)
    core = core_flow(problem.kernel, theta0(2, 1e-3), (0, 120), t_eval=t_eval, rtol=1e-11, atol=1e-14)
    ours = gradient_flow(problem, init, 120.0, rtol=1e-11, atol=1e-13)
    S = ours.dense(t_eval)
    np.testing.assert_allclose(init.beta(S), core.thetas[:, 2:] * core.thetas[:, :2], rtol=1e-6, atol=1e-12)


def test_mirror_closed_form_along_the_flow():
    # β_t = γ² sinh(2 S_t) with S_t = −∫₀ᵗ ∇L(β_r) dr (P&F Lemma 1): integrate ∇L along the run
    problem = DiagonalProblem.seed000(2, 2)
    run = gradient_flow(problem, Initialisation.vanishing(2, 1e-4), 200.0, n_samples=200_001, rtol=1e-11)
    g = problem.gradient(run.beta)
    dt = np.diff(run.times)[:, None]
    S = -np.concatenate([[np.zeros(2)], np.cumsum(0.5 * (g[1:] + g[:-1]) * dt, axis=0)])
    np.testing.assert_allclose(1e-8 * np.sinh(2 * S[-1]), run.beta[-1], rtol=1e-5)


@pytest.mark.slow
def test_float64_loses_the_sign_change_and_mpmath_proves_the_log_space_run():
    # γ = 1e-30: after coordinate 2's first activation its minority weight is ~1e-60 of its weight
    problem = flip_instance()
    cmp = float64_comparison(problem, -30, 0.01, 26_000, record_every=500)
    assert cmp.dps == 90
    assert cmp.log_vs_mpmath < 1e-8                                   # log space = exact GD
    final_limit = limit_path(problem).final.beta
    np.testing.assert_allclose(cmp.beta_mpmath[-1], final_limit, atol=5e-3)   # reaches (5.340, −1.486)
    assert cmp.beta_float64[-1][1] >= 0.0                             # float64 (u, v): p₂ never turns negative
    saddle = problem.X[:, 0] @ problem.y / (problem.X[:, 0] @ problem.X[:, 0])   # least-squares fit on coordinate 1
    assert abs(cmp.beta_float64[-1][0] - saddle) < 1e-3              # ... and it stays at that saddle
    run = gradient_descent(problem, Initialisation.vanishing(2, 1e-30), 0.01, 26_000, record_every=100)
    assert float64_loss(run).sign_change_after_loss == (1,)


@pytest.mark.slow
def test_seed_d7n5_float64_never_activates_coordinate_7(d7n5_reproduction):
    # the d7n5 reproduction makes this comparison (γ = 1e-100, step 0.01, 10 500 steps) for its float64 figure,
    # recorded every 250 steps: the log-space check covers every point a 500-step record would
    ((problem, gamma_power10, step, n_steps), kwargs, cmp), = d7n5_reproduction.calls["float64_comparison"]
    expected = DiagonalProblem.seed000(7, 5, [10, 20, 0, 0, 0, 0, 0])
    np.testing.assert_array_equal(problem.X, expected.X)
    np.testing.assert_array_equal(problem.y, expected.y)
    assert (gamma_power10, step, n_steps) == (-100, 0.01, 10_500)
    assert set(kwargs) == {"record_every"} and 500 % kwargs["record_every"] == 0     # dps: the default
    assert cmp.iterations[-1] == 10_500
    assert cmp.log_vs_mpmath < 1e-8
    beta4 = limit_path(problem).betas[4]                              # Algorithm 1: p₄ has p₇ = 1.361
    np.testing.assert_allclose(cmp.beta_mpmath[-1], beta4, atol=1e-4)
    assert cmp.beta_float64[-1][6] <= 0.0


def test_scales_below_float64_range():
    problem = DiagonalProblem.seed000(2, 2)
    path = limit_path(problem)
    errors = []
    for log10_gamma in (-100, -1000):
        init = Initialisation.vanishing(2, log10_gamma=log10_gamma)
        run = gradient_flow(problem, init, 2 * path.final.accelerated_time * init.log_inv_gamma)
        visited = visited_saddles(problem, run)
        comp = compare_with_limit(problem, path, run, visited)
        assert all(c.matched for c in comp)
        errors.append(abs(comp[1].time_error))
    # first-order error O(1/ln(1/γ)): ten times the scale exponent, a tenth of the error
    assert errors[1] == pytest.approx(errors[0] / 10, rel=0.1)


def test_jump_time_error_is_first_order_in_one_over_log_gamma():
    problem = DiagonalProblem.seed000(7, 5, [10, 20, 0, 0, 0, 0, 0])
    path = limit_path(problem)
    scaled = []
    for gamma in (1e-10, 1e-30, 1e-100):
        init = Initialisation.vanishing(7, gamma)
        run = gradient_flow(problem, init, 0.1 * init.log_inv_gamma)
        comp = compare_with_limit(problem, path, run, ())
        scaled.append(comp[1].time_error * init.log_inv_gamma)
    assert np.ptp(scaled) < 0.05 * abs(np.mean(scaled))


def test_bad_inputs():
    problem = DiagonalProblem.seed000(2, 2)
    for bad in (0.0, -1e-3, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="gamma"):
            Initialisation.vanishing(2, bad)
    with pytest.raises(ShapeError, match="mismatched lengths"):
        DiagonalProblem(np.ones((3, 2)), np.ones(4))
    with pytest.raises(NonFiniteDataError):
        DiagonalProblem(np.array([[1.0, np.nan]]), np.ones(1))
    with pytest.raises(ShapeError, match="coordinates"):
        gradient_descent(problem, Initialisation.vanishing(3, 0.1), 0.01, 10)
    with pytest.raises(DivergenceError, match="step size 3"):
        gradient_descent(problem, Initialisation.vanishing(2, 1e-10), 3.0, 10_000)
    with pytest.raises(ValueError, match="u0 > \\|v0\\|"):
        Initialisation.from_weights([1.0, 1.0], [1.0, 0.0])
