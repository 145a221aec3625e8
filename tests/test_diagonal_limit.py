"""Algorithm 1 of Pesme & Flammarion against closed forms, the seed's tables and an LP."""

import numpy as np
import pytest
import scipy.linalg

from symsaddle.diagonal import DiagonalProblem, LimitStatus, limit_path, min_l1_minimiser
from symsaddle.errors import SingularMatrixError


def fig2_right():
    """P&F Fig. 2 right: XᵀX = M (3 × 3), β* = (1, 9, 10)."""
    M = np.array([[20, 6, -1.4], [6, 2, -0.4], [-1.4, -0.4, 0.12]])
    X = np.real(scipy.linalg.sqrtm(M))
    return DiagonalProblem(X, X @ np.array([1.0, 9.0, 10.0]))


def test_fig2_right_fixture_two_coordinates_on_the_face():
    # hand computation (references/pesme_flammarion.md §4): t = 0.05, 1.05, 15; β = (3,0,0), (0,10,0), (1,9,10)
    path = limit_path(fig2_right())
    assert path.status is LimitStatus.COMPLETED
    np.testing.assert_allclose(path.times, [0.0, 0.05, 1.05, 15.0], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(path.betas, [[0, 0, 0], [3, 0, 0], [0, 10, 0], [1, 9, 10]], atol=1e-9)
    # coordinate 1 stays on the +1 face with β₁ = 0 at the second saddle (the explicit face set)
    assert path.saddles[2].face[0] == 1 and path.saddles[2].beta[0] == 0.0
    assert [s.kind for s in path.saddles] == ["strict saddle"] * 3 + ["minimiser"]


def test_first_jump_closed_form(rng):
    # t₁ = 1/‖∇L(0)‖∞ = n/‖Xᵀy‖∞ and β₁ = ⟨x̃_i, y⟩/‖x̃_i‖² e_i, i = argmax |⟨x̃_i, y⟩|
    X, y = rng.normal(size=(6, 9)), rng.normal(size=6)
    path = limit_path(DiagonalProblem(X, y))
    c = X.T @ y
    i = int(np.argmax(np.abs(c)))
    assert path.saddles[1].accelerated_time == pytest.approx(6 / abs(c[i]), rel=1e-12)
    expected = np.zeros(9)
    expected[i] = c[i] / (X[:, i] @ X[:, i])
    np.testing.assert_allclose(path.saddles[1].beta, expected, atol=1e-12)


@pytest.mark.parametrize("n, d", [(3, 8), (5, 7), (10, 40), (4, 4)])
def test_last_saddle_is_the_linprog_min_l1_interpolator(n, d):
    rng = np.random.default_rng(100 * n + d)
    X, y = rng.normal(size=(n, d)), rng.normal(size=n)
    path = limit_path(DiagonalProblem(X, y))
    lp = min_l1_minimiser(DiagonalProblem(X, y))
    np.testing.assert_allclose(path.final.beta, lp, atol=1e-8)
    np.testing.assert_allclose(X @ path.final.beta, y, atol=1e-9)


def test_underparametrised_ends_at_least_squares(rng):
    X, y = rng.normal(size=(12, 4)), rng.normal(size=12)
    path = limit_path(DiagonalProblem(X, y))
    np.testing.assert_allclose(path.final.beta, np.linalg.lstsq(X, y, rcond=None)[0], atol=1e-10)
    assert path.final.loss > 0.01                       # noisy: the minimum of L is positive


def test_invariants_of_the_dual_variable(rng):
    X, y = rng.normal(size=(8, 20)), rng.normal(size=8)
    problem = DiagonalProblem(X, y)
    path = limit_path(problem)
    losses = path.losses
    assert np.all(np.diff(losses) < 0)                             # L strictly decreases (Prop. 2)
    for k, s in enumerate(path.saddles):
        assert np.max(np.abs(s.dual)) <= 1 + 1e-12
        nz = s.beta != 0
        np.testing.assert_array_equal(np.sign(s.beta[nz]), s.dual[nz])   # s ∈ ∂‖β‖₁
        assert nz.sum() <= min(problem.n, problem.d)
        r = np.linalg.lstsq(X.T, s.dual, rcond=None)[0]                 # s = Xᵀ r (row space)
        np.testing.assert_allclose(X.T @ r, s.dual, atol=1e-10)
        if k:   # ∇L affine ⇒ s(t) = −t ∇L(β̄_t), β̄_t the time average of the limit process
            dt = np.diff(path.times[:k + 1])
            bbar = (dt[:, None] * path.betas[:k]).sum(axis=0) / s.accelerated_time
            np.testing.assert_allclose(s.dual, -s.accelerated_time * problem.gradient(bbar), atol=1e-9)


def test_seed000_d7n5_saddles_match_table_9_and_10():
    # seed 000 Tables 9/10: p₁ = −9.1919e₃; p₂ = (−9.6439, 3.9053) on e₃, e₅; p₃ = 16.5698e₂ − 7.1948e₃
    path = limit_path(DiagonalProblem.seed000(7, 5, [10, 20, 0, 0, 0, 0, 0]))
    b = path.betas
    np.testing.assert_allclose(b[1][[2]], [-9.1919], atol=6e-5)
    np.testing.assert_allclose(b[2][[2, 4]], [-9.6439, 3.9053], atol=6e-5)
    np.testing.assert_allclose(b[3][[1, 2]], [16.5698, -7.1948], atol=6e-5)
    np.testing.assert_allclose(path.final.beta, [10, 20, 0, 0, 0, 0, 0], atol=1e-9)   # p* is the min-ℓ1 point


def test_dependent_columns_are_reported():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(4, 3))
    X[:, 1] = X[:, 0]
    with pytest.raises(SingularMatrixError, match="general position"):
        limit_path(DiagonalProblem(X, X @ np.array([1.0, 1.0, 0.5])))


@pytest.mark.parametrize("y", [np.arange(1.0, 6.0), np.zeros(5)])
def test_zero_data_are_refused_as_not_in_general_position(y):
    """X = 0 (rank 0): L(β) = ‖y‖²/(2n) for every β, so there is no sequence of saddles to predict."""
    with pytest.raises(SingularMatrixError, match=r"X is zero \(rank 0\).*not in general position"):
        limit_path(DiagonalProblem(np.zeros((5, 3)), y))


@pytest.mark.slow
def test_large_instance_agrees_with_linprog():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(200, 1000)), rng.normal(size=200)
    problem = DiagonalProblem(X, y)
    path = limit_path(problem)
    assert path.status is LimitStatus.COMPLETED
    np.testing.assert_allclose(path.final.beta, min_l1_minimiser(problem), atol=1e-7)


def test_badly_scaled_columns_stop_at_the_interpolating_minimiser():
    # found by the CLI fuzz test: with a column of size 4e7 the residual's rounding, amplified by
    # ‖X‖, left ∇L ≈ 4e-10 > tol·‖∇L(0)‖∞ = 5e-11 at the exact interpolant, and Algorithm 1 took a
    # further (loss-raising) step. Exact answer: Xβ = y gives β = (−1/42814031, 1).
    problem = DiagonalProblem(np.array([[0.0, 1.0], [42814031.0, 1.0]]), np.array([1.0, 0.0]))
    path = limit_path(problem)
    assert path.status is LimitStatus.COMPLETED
    np.testing.assert_allclose(path.saddles[-1].beta, [-1 / 42814031.0, 1.0], rtol=1e-12)
    np.testing.assert_allclose([s.loss for s in path.saddles], [0.25, 0.125, 0.0], rtol=1e-15, atol=1e-30)
    # L(0) = ¼(1 + 0); then β₂ = ½ alone (L = ⅛); then the interpolant (L = 0)
