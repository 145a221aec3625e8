"""Seed 001 §3.2 data quantities: Σ, its spectrum, the critical values, bad input, sufficiency."""

import numpy as np
import pytest

import symsaddle as ss
from symsaddle.deep_linear import (DeepLinearKernel, SufficientStatistics, from_theta, objective,
                                   seed001_section4_data, to_theta)
from symsaddle.deep_linear.network import balancedness, check_widths, chain


@pytest.fixture(scope="module")
def data():
    return seed001_section4_data(0)


def eckart_young_values(X, Y):
    """Independent reduced-rank regression: with X = Q₁R (complete Q = [Q₁, Q₂]),
    ‖Y − XM‖² = ‖Q₂ᵀY‖² + ‖Q₁ᵀY − RM‖², and RM ranges over all rank-r matrices, so the rank-r
    minimum is ‖Q₂ᵀY‖² + Σ_{i>r} σ_i(Q₁ᵀY)² (a sum of non-negative terms: no cancellation)."""
    Q, _ = np.linalg.qr(X, mode="complete")
    d = X.shape[1]
    s = np.linalg.svd(Q[:, :d].T @ Y, compute_uv=False)
    residual = np.sum((Q[:, d:].T @ Y) ** 2)
    return np.array([residual + np.sum(s[r:] ** 2) for r in range(len(s) + 1)]), s**2


def test_lambda_are_squared_singular_values_of_seed_sigma_half(data):
    X, Y = data                                      # rows are samples; the seed's X is Xᵀ (d_x × m)
    st = SufficientStatistics.from_samples(X, Y)
    Xc, Yc = X.T, Y.T
    half = (Yc @ Xc.T) @ np.linalg.solve(Xc @ Xc.T, Xc)      # seed §3.2: Σ^{1/2} = Σ_YX Σ_XX⁻¹ X
    s = np.linalg.svd(half, compute_uv=False)
    np.testing.assert_allclose(st.eigenvalues, s**2, rtol=1e-12)
    np.testing.assert_allclose(st.sigma, half @ half.T, rtol=1e-12)
    cols = SufficientStatistics.from_samples(Xc, Yc, layout="columns")
    np.testing.assert_allclose(cols.eigenvalues, st.eigenvalues, rtol=1e-13)


def test_critical_values_are_reduced_rank_regression_minima(data):
    X, Y = data
    st = SufficientStatistics.from_samples(X, Y)
    values, s2 = eckart_young_values(X, Y)
    np.testing.assert_allclose(st.eigenvalues, s2, rtol=1e-12)
    for r in range(6):
        # both sides are sums of non-negative terms (‖R₂₂‖² + Σ_{i>r} λ_i): relative accuracy
        assert st.rank_constrained_value(r) == pytest.approx(values[r], rel=1e-12)
        P = st.product(range(r))                              # loss of the product on the raw samples
        # Y − XP cancels to the residual: absolute accuracy ≈ ε‖Y‖·‖Y − XP‖
        assert np.sum((Y - X @ P.T) ** 2) == pytest.approx(values[r], abs=1e-13 * np.sum(Y**2))
        assert np.linalg.matrix_rank(P) == r


def test_loss_of_any_subset_on_raw_samples(data):
    X, Y = data
    st = SufficientStatistics.from_samples(X, Y)
    for S in [(1,), (0, 3), (1, 2, 4), (4,)]:
        P = st.product(S)
        assert np.sum((Y - X @ P.T) ** 2) == pytest.approx(np.sum(Y**2) - st.eigenvalues[list(S)].sum(),
                                                           abs=1e-13 * np.sum(Y**2))


def test_loss_formula_at_50_digits(data):
    """Seed eq. (19) in mpmath from the same binary data: float64 loses nothing significant here."""
    mpmath = pytest.importorskip("mpmath")
    X, Y = data
    st = SufficientStatistics.from_samples(X, Y)
    with mpmath.workdps(50):
        Sxx, Sxy, Syy = (mpmath.matrix(M.tolist()) for M in (st.Sxx, st.Sxy, st.Syy))
        reg = (mpmath.inverse(Sxx) * Sxy).T
        sigma = Sxy.T * mpmath.inverse(Sxx) * Sxy
        lam, U = mpmath.eigsy(sigma)
        order = sorted(range(5), key=lambda i: -lam[i])
        for S in [(0, 1, 2), (1, 3)]:
            US = mpmath.matrix(5, len(S))
            for j, i in enumerate(S):
                for k in range(5):
                    US[k, j] = U[k, order[i]]
            P = US * US.T * reg
            direct = sum(Syy[i, i] for i in range(5)) - 2 * sum((P * Sxy)[i, i] for i in range(5)) \
                + sum((P * Sxx * P.T)[i, i] for i in range(5))
            formula = sum(Syy[i, i] for i in range(5)) - sum(lam[order[i]] for i in S)
            assert abs(direct - formula) < mpmath.mpf(10) ** -35 * abs(formula)
            assert float(formula) == pytest.approx(st.critical_value(S), rel=1e-13)


def test_bad_input_errors():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 3))
    with pytest.raises(ss.SingularMatrixError, match="Σ_XX is singular"):
        SufficientStatistics.from_samples(np.column_stack([X, X[:, 0]]), rng.normal(size=(20, 2)))
    with pytest.raises(ss.SingularMatrixError, match="rank deficient"):
        SufficientStatistics.from_samples(X, np.outer(X[:, 0], [1.0, 2.0]))   # Σ_XY of rank 1 < d_y = 2
    with pytest.raises(ss.SingularMatrixError, match="d_y = 4"):
        SufficientStatistics.from_samples(X, rng.normal(size=(20, 4)))        # d_y > d_x
    bad = X.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ss.NonFiniteDataError):
        SufficientStatistics.from_samples(bad, rng.normal(size=(20, 2)))
    with pytest.raises(ss.ShapeError):
        SufficientStatistics.from_samples(X, rng.normal(size=(19, 2)))
    st = SufficientStatistics.from_samples(X, rng.normal(size=(20, 2)))
    with pytest.raises(ss.ShapeError, match="do not chain"):
        check_widths((3, 2, 3), st)
    with pytest.raises(ss.ShapeError):
        check_widths((3, 2), st)                                   # one layer only
    with pytest.raises(ss.ShapeError, match="do not chain"):
        chain([np.zeros((2, 3)), np.zeros((2, 4))])
    with pytest.raises(ss.ShapeError):
        from_theta(np.zeros(7), (3, 2, 2), "column")
    with pytest.raises(ValueError, match="distinct indices"):
        st.product((0, 0))


def test_layouts_round_trip():
    rng = np.random.default_rng(1)
    Ws = [rng.normal(size=(4, 5)), rng.normal(size=(3, 4)), rng.normal(size=(5, 3))]
    for conv in ("column", "row"):
        back = from_theta(to_theta(Ws, conv), (5, 4, 3, 5), conv)
        for a, b in zip(Ws, back):
            np.testing.assert_array_equal(a, b)
    m = ss.models.deep_linear([5, 4, 3, 5], convention="row")     # the core's row layout holds W_hᵀ
    blocks = m.unflatten(to_theta(Ws, "row"))
    np.testing.assert_array_equal(blocks["W2"], Ws[1].T)


def test_balancedness_of_a_balanced_pair_is_zero():
    rng = np.random.default_rng(2)
    U, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    V, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    D = np.diag([3.0, 2.0, 1.0])
    W1, W2 = np.sqrt(D) @ V.T, U @ np.sqrt(D)                   # W2ᵀW2 = D = W1W1ᵀ
    assert balancedness([W1, W2]) == pytest.approx(0.0, abs=1e-14)
    assert balancedness([W1, 2 * W2]) == pytest.approx(np.linalg.norm(3 * D), rel=1e-12)


@pytest.mark.parametrize("convention", ["column", "row"])
def test_kernels_use_sufficient_statistics_only(convention):
    """m = 1000 and m = 10 give kernels over the same d_x + d_y pseudo-samples, which agree with
    the raw-sample objective."""
    rng = np.random.default_rng(3)
    widths = (5, 4, 4, 5)
    thetas = rng.normal(size=(3, 56))
    for m in (10, 1000):
        X = rng.normal(size=(m, 5))
        Y = X @ np.diag([5, 4, 3, 2, 1.0]) + 0.1 * rng.normal(size=(m, 5))
        obj = objective(SufficientStatistics.from_samples(X, Y), widths, convention)
        k, fast = obj.compile(), DeepLinearKernel(obj)
        assert k.n_rows == 10 and fast.n_rows == 10
        raw = ss.Objective(ss.models.deep_linear(list(widths), convention=convention), X, Y,
                           normalization=2, compress=False)
        assert raw.compile().n_rows == m
        ref = np.array([np.sum((Y - X @ _product(th, widths, convention).T) ** 2) for th in thetas])
        np.testing.assert_allclose(k.value(thetas), ref, rtol=1e-11)
        np.testing.assert_allclose(fast.value(thetas), ref, rtol=1e-11)
        np.testing.assert_allclose(raw.compile().gradient(thetas), k.gradient(thetas), rtol=1e-9, atol=1e-9)


def _product(theta, widths, convention):
    P = np.eye(widths[0])
    for W in from_theta(theta, widths, convention):
        P = W @ P
    return P
