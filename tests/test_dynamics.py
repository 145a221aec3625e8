import numpy as np
import pytest
import sympy as sp

import symsaddle as ss
from symsaddle import models
from symsaddle.dynamics import (RunStatus, gradient_descent, gradient_flow, plateaus_by_margin,
                                plateaus_by_prominence, visited_equilibria)

a, b = sp.symbols("a b", real=True)


def quadratic_kernel(lam=(1.0, 4.0)):
    m = models.custom(lam[0] * a**2 / 2 + lam[1] * b**2 / 2, [a, b], [])
    return ss.Objective(m, np.zeros((1, 0)), np.ones(1), loss="linear", normalization="sum").compile()


def test_gd_matches_closed_form_iterates():
    k = quadratic_kernel()
    tr = gradient_descent(k, [1.0, 1.0], step=0.1, n_steps=25)
    expected = np.array([0.9, 0.6]) ** 25                # θ_k = (1 − ηλ)^k θ_0
    np.testing.assert_allclose(tr.final, expected, rtol=1e-12)
    assert tr.status == (RunStatus.COMPLETED,)


def test_gd_divergent_step_raises_naming_the_step():
    k = quadratic_kernel()
    with pytest.raises(ss.DivergenceError, match="step size 0.6"):
        gradient_descent(k, [1.0, 1.0], step=0.6, n_steps=200)   # 0.6 > 2/λ_max = 0.5


@pytest.mark.parametrize("steps, label", [([0.6, 0.6], r"step size 0.6 \(one per run\)"),
                                          ([0.1, 0.6], r"step size 0.1\.\.0\.6 \(one per run\)")])
def test_gd_divergence_names_per_run_step_sizes(steps, label):
    # equal per-run steps printed "step size 0.6..0.6 (one per run)"
    th0 = np.array([[1.0, 1.0], [1.0, 1.0]])
    with pytest.raises(ss.DivergenceError, match=label):
        gradient_descent(quadratic_kernel(), th0, step=np.array(steps), n_steps=200)


def test_gd_batch_freezes_only_diverged_runs():
    k = quadratic_kernel()
    th0 = np.array([[1.0, 0.0], [1.0, 1.0]])               # the first never excites the stiff direction
    tr = gradient_descent(k, th0, step=0.6, n_steps=400, on_divergence="stop")
    assert tr.status == (RunStatus.COMPLETED, RunStatus.DIVERGED)
    np.testing.assert_allclose(tr.final[0], [0.4**400, 0.0], atol=1e-300)


def test_bad_step_size():
    with pytest.raises(ValueError, match="step size"):
        gradient_descent(quadratic_kernel(), [1.0, 1.0], step=-1.0, n_steps=1)


def test_gradient_flow_matches_exponential():
    k = quadratic_kernel()
    tr = gradient_flow(k, np.array([1.0, 1.0]), (0.0, 2.0), t_eval=[0.0, 1.0, 2.0])
    np.testing.assert_allclose(tr.thetas[-1], np.exp([-2.0, -8.0]), rtol=1e-8)


@pytest.mark.parametrize("detect", [plateaus_by_prominence, lambda run: plateaus_by_margin(run, 1e-4)])
def test_plateau_detectors_refuse_a_kernel_and_name_what_to_pass(detect):
    with pytest.raises(TypeError, match=r"takes the Trajectory of a run .*got NumpyKernel"):
        detect(quadratic_kernel())


def test_plateau_detectors_on_a_saddle_to_saddle_run():
    # seed 000 §5.3.1 data: GD visits the origin, a saddle with p = (0.45, 0) and the minimiser
    from symsaddle.datasets import seed000
    X, y, p_star = seed000(2, 2)
    obj = ss.Objective(models.diagonal_linear(2), X, y)
    k = obj.compile()
    th0 = np.r_[0.0, 0.0, np.sqrt(2) * 1e-10, np.sqrt(2) * 1e-10]
    tr = gradient_descent(k, th0, 0.01, 40_000, record_every=20)
    by_prominence = plateaus_by_prominence(tr)
    by_margin = plateaus_by_margin(tr, 1e-4)
    assert len(by_prominence) == len(by_margin) == 3
    visited = visited_equilibria(k, by_prominence, lower_bound=0.0)
    kinds = [v.kind for v in visited]
    assert kinds == ["strict saddle", "strict saddle", "minimiser"]
    p = [v.polish.theta[2:] * v.polish.theta[:2] for v in visited]
    # closed forms: saddle 1 fits coordinate 1 alone by least squares; the minimiser interpolates (n = d)
    np.testing.assert_allclose(p[1], [X[:, 0] @ y / (X[:, 0] @ X[:, 0]), 0.0], atol=1e-10)
    np.testing.assert_allclose(p[2], np.linalg.solve(X, y), rtol=1e-9)


def test_visited_equilibria_refuses_a_trajectory_naming_the_detectors():
    """A Trajectory where plateaus are expected is a TypeError saying what to pass (it was
    "'Trajectory' object is not iterable"); so is a list of parameter vectors."""
    k = quadratic_kernel()
    tr = gradient_descent(k, [1.0, 1.0], step=0.1, n_steps=5)
    with pytest.raises(TypeError, match=r"got a Trajectory: pass plateaus_by_prominence\(trajectory\)"):
        visited_equilibria(k, tr)
    with pytest.raises(TypeError, match=r"takes Plateau objects .* got \['ndarray'\]"):
        visited_equilibria(k, list(tr.thetas))


def test_trajectory_repr_shows_shapes_span_status_and_final_loss_not_arrays():
    from symsaddle.dynamics import RunStatus, Trajectory
    T, B, P = 2001, 3, 50
    losses = np.linspace(2.0, 0.25, T)[:, None] * np.array([1.0, 2.0, 4.0])
    traj = Trajectory(np.arange(T, dtype=float), np.zeros((T, B, P)), losses, np.ones((T, B)), np.ones((T, B)),
                      (RunStatus.COMPLETED, RunStatus.DIVERGED, RunStatus.COMPLETED), "gradient descent, step 0.1",
                      "1 of 3 runs diverged")
    text = repr(traj)
    assert len(text) < 300 and "\n" not in text
    for part in ("times 0 to 2000 (2001 records)", "thetas (2001, 3, 50)", "status 2 completed, 1 diverged",
                 "final loss [0.25, 0.5, 1]", "'gradient descent, step 0.1'", "1 of 3 runs diverged"):
        assert part in text, (part, text)
    single = Trajectory(np.array([0.0, 1.5]), np.zeros((2, P)), np.array([3.0, 0.125]), np.ones(2), np.ones(2),
                        (RunStatus.COMPLETED,), "gradient flow (LSODA)")
    assert repr(single) == ("Trajectory(method='gradient flow (LSODA)', times 0 to 1.5 (2 records), thetas (2, 50), "
                            "status completed, final loss 0.125)")


@pytest.mark.parametrize("gamma", [1e-10, 1e-100, 1e-200, 1e-300])
def test_recorded_gradient_norm_does_not_underflow_at_tiny_initialisation(gamma):
    """‖∇L‖ at θ₀ = (0, 0, γ√2, γ√2) is of order γ: its square underflows for γ ≲ 1e-154, the norm must not.
    Reference: the norm of the kernel's own gradient entries in mpmath (50 digits), which cannot underflow;
    and the first plateau (the origin saddle) starts at the first record, as for γ = 1e-10."""
    import mpmath
    from symsaddle.datasets import seed000
    X, y, _ = seed000(2, 2)
    k = ss.Objective(models.diagonal_linear(2), X, y).compile()
    th0 = np.r_[0.0, 0.0, np.sqrt(2) * gamma, np.sqrt(2) * gamma]
    tr = gradient_descent(k, th0, 0.01, 2000, record_every=10)
    g0 = np.asarray(k.gradient(th0), dtype=float)
    with mpmath.workdps(50):
        expected = mpmath.sqrt(mpmath.fsum(mpmath.mpf(v) ** 2 for v in g0))
    assert tr.gradient_norm[0] > 0
    assert abs(mpmath.mpf(tr.gradient_norm[0]) / expected - 1) <= 1e-15
    assert plateaus_by_prominence(tr)[0].record == 0


def test_a_run_that_never_moves_has_its_plateau_at_the_start():
    """θ₀ = 0 is the origin saddle itself: ∇L ≡ 0 for the whole run, one flat plateau from record 0
    (not placed in the middle of the run)."""
    from symsaddle.datasets import seed000
    X, y, _ = seed000(2, 2)
    k = ss.Objective(models.diagonal_linear(2), X, y).compile()
    tr = gradient_descent(k, np.zeros(4), 0.01, 400, record_every=10)
    assert [p.record for p in plateaus_by_prominence(tr)] == [0]


def test_an_inconclusive_plateau_is_polished_again_until_it_is_decided():
    """L = (uv − 1)²/2 + (ab)²/2 ≥ 0 at (1, 1, δ, δ), δ² = 1e-7: H has eigenvalues 2, 0 (the uv = 1 orbit),
    3δ² and −δ² (by hand: the (a, b) block is δ²[[1, 2], [2, 1]]), ‖∇L‖ = √2·δ³ ≈ 4.5e-11 ≤ τ_g s_g ≈ 2.8e-9 and
    L = δ⁴/2 attains the lower bound 0 to tolerance — but −δ² = −1e-7 lies in the ambiguous band (2e-8, 2e-6]:
    inconclusive. Newton on (ab², a²b) moves a = b = s to 2s/3 per step, into the global minimum set ab = 0 (L = 0),
    where the verdict is "minimiser"; visited_equilibria's second, finer polish gets there."""
    from classify_kernels import kernel_of
    from symsaddle.critical import Kind, classify, polish
    from symsaddle.dynamics import Plateau
    u, v, x, y = sp.symbols("u v x y", real=True)
    k = kernel_of((u * v - 1) ** 2 / 2 + (x * y) ** 2 / 2, (u, v, x, y))
    d = np.sqrt(1e-7)
    theta = np.array([1.0, 1.0, d, d])
    first = polish(k, theta)
    assert first.converged and classify(k, first.theta, lower_bound=0.0).kind is Kind.INCONCLUSIVE
    plateau = Plateau(0, 0.0, theta, float(k.value(theta)), float(np.max(np.abs(k.gradient(theta)))))
    (visited,) = visited_equilibria(k, [plateau], lower_bound=0.0)
    assert visited.kind == "minimiser", visited.classification.reason
    assert float(k.value(visited.polish.theta)) < float(k.value(theta))
