"""The deep linear objective: generic kernel (cross-checked by the core harness), the
matrix-calculus kernel, and the closed-form gradient ∇_{W_h}L = 2A_hᵀ(WΣ_XX − Σ_YX)B_hᵀ."""

import numpy as np
import pytest
import sympy as sp

import symsaddle as ss
from symsaddle.check import cross_check
from symsaddle.deep_linear import DeepLinearKernel, SufficientStatistics, from_theta, objective, to_theta
from symsaddle.dynamics import RunStatus, gradient_descent


def random_stats(rng, d_x, d_y, m=50):
    X = rng.normal(size=(m, d_x))
    return SufficientStatistics.from_samples(X, X @ rng.normal(size=(d_x, d_y)) + 0.3 * rng.normal(size=(m, d_y)))


def closed_form_gradient(stats, Ws):
    """2 A_hᵀ G B_hᵀ with G = WΣ_XX − Σ_YX (landscape_theory.md §2.2), from the Σ's directly."""
    P = np.eye(Ws[0].shape[1])
    for W in Ws:
        P = W @ P
    G = P @ stats.Sxx - stats.Sxy.T
    out = []
    for h in range(len(Ws)):
        A = np.eye(Ws[-1].shape[0])
        for W in reversed(Ws[h + 1:]):
            A = A @ W
        B = np.eye(Ws[0].shape[1])
        for W in Ws[:h]:
            B = W @ B
        out.append(2 * A.T @ G @ B.T)
    return out


@pytest.mark.parametrize("convention", ["column", "row"])
@pytest.mark.parametrize("widths", [(3, 2, 4, 2), (4, 4, 4), (2, 3, 1, 3, 2)])
def test_fast_kernel_matches_generic_kernel_and_closed_form(convention, widths):
    rng = np.random.default_rng(sum(widths))
    stats = random_stats(rng, widths[0], widths[-1])
    obj = objective(stats, widths, convention)
    k, fast = obj.compile(), DeepLinearKernel(obj)
    thetas = rng.normal(size=(4, k.P))
    v, g = fast.value_and_gradient(thetas)
    np.testing.assert_allclose(v, k.value(thetas), rtol=1e-12)
    np.testing.assert_allclose(g, k.gradient(thetas), rtol=1e-10, atol=1e-10 * np.abs(g).max())
    for th, gi in zip(thetas, g):
        Ws = from_theta(th, widths, convention)
        np.testing.assert_allclose(gi, to_theta(closed_form_gradient(stats, Ws), convention),
                                   rtol=1e-10, atol=1e-10 * np.abs(gi).max())
    assert fast.value(thetas[0]).shape == () and fast.gradient(thetas[0]).shape == (k.P,)
    with pytest.raises(ss.ShapeError):
        fast.value(np.zeros(k.P + 1))


def test_core_cross_check_of_the_compressed_kernel():
    """The core harness (SymPy derivatives of the loss in mpmath, mpmath.diff, finite differences)
    evaluates the reference on the raw samples, while the NumPy kernel runs on the d_x + d_y rows
    of the R factor of [X, Y]: agreement checks the compression too."""
    rng = np.random.default_rng(7)
    X = rng.normal(size=(6, 2))
    Y = X @ rng.normal(size=(2, 2)) + 0.3 * rng.normal(size=(6, 2))
    obj = ss.Objective(ss.models.deep_linear([2, 2, 1, 2], convention="row"), X, Y, normalization=2)
    assert obj.compile().n_rows == 4
    report = cross_check(obj, rng.normal(size=(2, obj.model.n_parameters)), orders=(3, 4))
    assert report.passed


def test_symbolic_scalar_chain_gradient_and_seed_eq25():
    """Widths 1-1-1: ∂L/∂w₁ = 2w₂(w₂w₁Σxx − Σyx) (the closed form); seed eq. (25) says w₁Σxx − Σyx."""
    m = ss.models.deep_linear([1, 1, 1])
    obj = ss.Objective.symbolic(m, n=2, normalization=2)
    w1, w2 = m.parameters
    X, Y = obj.X, obj.y
    Sxx, Syx = (X.T * X)[0, 0], (Y.T * X)[0, 0]
    assert sp.simplify(obj.gradient[0] - 2 * w2 * (w2 * w1 * Sxx - Syx)) == 0
    assert sp.simplify(obj.gradient[0] - (w1 * Sxx - Syx)) != 0


def test_per_run_step_sizes_in_core_gradient_descent():
    """One batch, one step per run, equals separate runs (the core extension used by the ladder)."""
    rng = np.random.default_rng(3)
    stats = random_stats(rng, 3, 3)
    fast = DeepLinearKernel(objective(stats, (3, 3, 3), "column"))
    th0 = 0.1 * rng.normal(size=(2, fast.P))
    steps = np.array([1e-3, 3e-3])
    both = gradient_descent(fast, th0, steps, 50)
    for b in range(2):
        one = gradient_descent(fast, th0[b], steps[b], 50)
        np.testing.assert_array_equal(both.thetas[-1, b], one.thetas[-1])
    with pytest.raises(ss.ShapeError):
        gradient_descent(fast, th0, np.array([1e-3, 1e-3, 1e-3]), 5)
    with pytest.raises(ValueError):
        gradient_descent(fast, th0, np.array([1e-3, -1.0]), 5)
    blown = gradient_descent(fast, th0, np.array([1e-3, 10.0]), 200, on_divergence="stop")
    assert blown.status == (RunStatus.COMPLETED, RunStatus.DIVERGED)
    assert np.all(np.isfinite(blown.losses))
    with pytest.raises(ss.DivergenceError):
        gradient_descent(fast, th0, 10.0, 200)
