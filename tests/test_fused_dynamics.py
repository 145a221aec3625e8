"""Fused gradient steps for tiny objectives (issue 11, part 3): same results as the kernel path
and as independent references (a hand-written NumPy loop, closed forms, mpmath iterations);
divergence detected at the same step; reversed gradient-flow spans refused."""

from itertools import count

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import symsaddle as ss
from symsaddle import models
from symsaddle.datasets import seed000
from symsaddle.dynamics import RunStatus, gradient_descent, gradient_flow

a, b = sp.symbols("a b", real=True)


def custom_kernel(expr, params):
    m = models.custom(expr, params, [])
    return ss.Objective(m, np.zeros((1, 0)), np.ones(1), loss="linear", normalization="sum").compile()


def diagonal_kernel():
    X, y, _ = seed000(2, 2)
    return X, y, ss.Objective(models.diagonal_linear(2), X, y).compile()


def plain_numpy_descent(X, y, theta0, eta, n_steps):
    """Seed 000 eq. (7) for f = ⟨u ⊙ v, x⟩, L = 1/(2n) Σ (f − y)², written out by hand."""
    v, u = theta0[:2].copy(), theta0[2:].copy()
    out = [np.r_[v, u]]
    for _ in range(n_steps):
        c = X.T @ (X @ (u * v) - y) / len(y)
        v, u = v - eta * u * c, u - eta * v * c
        out.append(np.r_[v, u])
    return np.array(out)


def test_fused_matches_a_hand_written_loop_through_a_saddle_to_saddle_run():
    """γ = 1e-10 start (seed 000 §5.3.1): the run passes two saddles before the minimiser; the
    fused iterates equal the hand-written NumPy loop to rounding, and so does the kernel path."""
    X, y, k = diagonal_kernel()
    th0 = np.r_[0.0, 0.0, np.sqrt(2) * 1e-10, np.sqrt(2) * 1e-10]
    ref = plain_numpy_descent(X, y, th0, 0.01, 40_000)[::50]
    fused = gradient_descent(k, th0, 0.01, 40_000, record_every=50, fused=True)
    np.testing.assert_allclose(fused.thetas, ref, rtol=1e-11, atol=1e-300)
    slow = gradient_descent(k, th0, 0.01, 2_000, record_every=50, fused=False)
    np.testing.assert_allclose(slow.thetas, ref[:41], rtol=1e-11, atol=1e-300)
    r = X @ (ref[:, 2:] * ref[:, :2]).T - y[:, None]                       # losses of the reference
    np.testing.assert_allclose(fused.losses, 0.5 * np.mean(r**2, axis=0), rtol=1e-9, atol=1e-15 * fused.losses[0])
    assert fused.status == (RunStatus.COMPLETED,) and fused.times[-1] == 40_000


def test_fused_path_is_used_automatically():
    _, _, k = diagonal_kernel()
    th0 = np.array([0.1, 0.2, 0.3, 0.4])
    auto = gradient_descent(k, th0, 0.01, 300, record_every=7)
    forced = gradient_descent(k, th0, 0.01, 300, record_every=7, fused=True)
    np.testing.assert_array_equal(auto.thetas, forced.thetas)


@settings(max_examples=25, deadline=None)
@given(theta=st.lists(st.floats(-2, 2), min_size=4, max_size=4),
       eta=st.floats(1e-4, 0.05), every=st.integers(1, 9), n_steps=st.integers(0, 60))
def test_fused_equals_kernel_path(theta, eta, every, n_steps):
    """Same schedule of records, same iterates, losses and gradients to rounding."""
    _, _, k = diagonal_kernel()
    th0 = np.array(theta)
    f = gradient_descent(k, th0, eta, n_steps, record_every=every, fused=True)
    g = gradient_descent(k, th0, eta, n_steps, record_every=every, fused=False)
    np.testing.assert_array_equal(f.times, g.times)
    scale = 1 + np.max(np.abs(g.thetas))
    np.testing.assert_allclose(f.thetas, g.thetas, rtol=1e-12, atol=1e-14 * scale)
    np.testing.assert_allclose(f.losses, g.losses, rtol=1e-10, atol=1e-14 * scale**4)
    np.testing.assert_allclose(f.gradient_norm, g.gradient_norm, rtol=1e-9, atol=1e-14 * scale**3)
    assert f.status == g.status


def quadratic():
    return custom_kernel(a**2 / 2 + 4 * b**2 / 2, [a, b])


def first_divergent_step(eta: float) -> int:
    """Closed form for L = a²/2 + 2b² from (1, 1): a_k = (1 − η)^k, b_k = (1 − 4η)^k; the run
    diverges at the first k with L(θ_k) > 1e10·(L(θ₀) + 1)."""
    limit = 1e10 * (2.5 + 1)
    return next(k for k in count(1) if (1 - eta) ** (2 * k) / 2 + 2 * (1 - 4 * eta) ** (2 * k) > limit)


@pytest.mark.parametrize("fused", [True, False])
def test_divergence_step_from_the_closed_form(fused):
    k_div = first_divergent_step(0.6)
    with pytest.raises(ss.DivergenceError, match=f"at step {k_div} with step size 0.6"):
        gradient_descent(quadratic(), [1.0, 1.0], 0.6, 200, fused=fused)


@pytest.mark.parametrize("fused", [True, False])
def test_batch_raises_at_the_earliest_divergence(fused):
    """One step size per run: the second run (η = 0.7) diverges before the first (η = 0.6)."""
    steps = np.array([0.6, 0.7])
    k_div = min(first_divergent_step(0.6), first_divergent_step(0.7))
    assert k_div == first_divergent_step(0.7) < first_divergent_step(0.6)
    with pytest.raises(ss.DivergenceError, match=f"at step {k_div} "):
        gradient_descent(quadratic(), np.ones((2, 2)), steps, 200, fused=fused)


def test_stopped_runs_are_frozen_identically_on_both_paths():
    th0 = np.array([[1.0, 0.0], [1.0, 1.0], [0.5, 1.0]])
    steps = np.array([0.6, 0.6, 0.7])
    k = quadratic()
    f = gradient_descent(k, th0, steps, 80, record_every=3, on_divergence="stop", fused=True)
    g = gradient_descent(k, th0, steps, 80, record_every=3, on_divergence="stop", fused=False)
    assert f.status == g.status == (RunStatus.COMPLETED, RunStatus.DIVERGED, RunStatus.DIVERGED)
    assert f.message == g.message == "2 of 3 runs diverged"
    np.testing.assert_array_equal(f.times, g.times)
    np.testing.assert_allclose(f.thetas, g.thetas, rtol=1e-14, atol=0)
    np.testing.assert_array_equal(np.isnan(f.gradient_max), np.isnan(g.gradient_max))
    k_div = first_divergent_step(0.6)
    frozen = f.thetas[f.times >= k_div, 1]                    # held at the last regular iterate
    np.testing.assert_allclose(frozen, [[0.4 ** (k_div - 1), (-1.4) ** (k_div - 1)]] * len(frozen), rtol=1e-12)
    assert np.all(np.isnan(f.gradient_max[f.times >= k_div, 1]))
    np.testing.assert_allclose(f.final[0], [0.4**80, 0.0], rtol=1e-12, atol=1e-300)


def test_all_runs_diverged_trajectory_ends_where_the_kernel_path_ends():
    f = gradient_descent(quadratic(), [1.0, 1.0], 0.6, 100, record_every=4, on_divergence="stop", fused=True)
    g = gradient_descent(quadratic(), [1.0, 1.0], 0.6, 100, record_every=4, on_divergence="stop", fused=False)
    np.testing.assert_array_equal(f.times, g.times)
    assert f.times[-1] == 4 * (first_divergent_step(0.6) // 4)
    np.testing.assert_allclose(f.thetas, g.thetas, rtol=1e-14)


@pytest.mark.parametrize("fused", [True, False])
def test_overflow_mid_run_is_the_same_divergence(fused):
    """L = a⁴/4, a ← a − η a³ from a = 2, η = 1: |a| explodes and a³ overflows a float (the fused
    code raises OverflowError, NumPy returns inf); the step is found by iterating in mpmath."""
    eta, limit = 1.0, 1e10 * (4.0 + 1)
    x = mpmath.mpf(2)
    for k_div in count(1):
        x = x - eta * x**3
        if x**4 / 4 > limit or abs(x) > np.finfo(float).max:
            break
    k = custom_kernel(a**4 / 4, [a])
    with pytest.raises(ss.DivergenceError, match=f"at step {k_div} "):
        gradient_descent(k, [2.0], eta, 50, fused=fused)


def test_batch_of_runs_equals_runs_one_at_a_time():
    _, _, k = diagonal_kernel()
    th0 = np.random.default_rng(3).normal(size=(5, 4))
    batch = gradient_descent(k, th0, np.linspace(0.01, 0.05, 5), 200, record_every=10)
    for i in range(5):
        one = gradient_descent(k, th0[i], 0.01 + 0.01 * i, 200, record_every=10, fused=False)
        np.testing.assert_allclose(batch.thetas[:, i], one.thetas, rtol=1e-12, atol=1e-15)


def test_fused_refused_where_it_does_not_apply():
    _, _, k = diagonal_kernel()
    with pytest.raises(ValueError, match="fused stepping"):
        gradient_descent(k, [0.1, 0.2, 0.3, 0.4], 0.01, 5, callback=lambda k, th: None, fused=True)


def test_gradient_flow_fused_matches_kernel_and_closed_form():
    k = quadratic()
    for fused in (True, False):
        tr = gradient_flow(k, np.array([1.0, 1.0]), (0.0, 2.0), t_eval=[0.0, 1.0, 2.0], fused=fused)
        np.testing.assert_allclose(tr.thetas[-1], np.exp([-2.0, -8.0]), rtol=1e-8)
    _, _, kd = diagonal_kernel()
    th0 = np.array([0.1, -0.2, 0.3, 0.4])
    f = gradient_flow(kd, th0, (0.0, 50.0), t_eval=np.linspace(0, 50, 11), fused=True)
    g = gradient_flow(kd, th0, (0.0, 50.0), t_eval=np.linspace(0, 50, 11), fused=False)
    np.testing.assert_allclose(f.thetas, g.thetas, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("span", [(2.0, 0.0), (0.0, -1e-9), (0.0, np.inf), (np.nan, 1.0)])
def test_gradient_flow_refuses_a_reversed_or_infinite_span(span):
    with pytest.raises(ValueError, match="forward in time"):
        gradient_flow(quadratic(), np.array([1.0, 1.0]), span)
