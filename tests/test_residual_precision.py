"""Residual-accurate sufficient statistics (issue 8, part 5).

The minimum of ‖Y − XW‖_F² over W is the least-squares residual L*. From the moments
(Σ_XX, Σ_XY, Σ_YY) it is a difference of rounded numbers of size ‖Y‖_F², so it is lost when the
data are near-realisable (the previous ``from_moments`` dropped moment eigenvalues below
1e-12 of the largest, and tr Σ_YY − Σλ cancelled: labels ×1000 with noise 1e-5 gave a negative
minimum). The R factor of [X, Y] keeps it: here the minimum from ``Objective.from_r_factor``
(kernel value at a global minimiser) and from ``SufficientStatistics.rank_constrained_value``
is compared with ``numpy.linalg.lstsq`` over label scales 1e-6 … 1e6.

Error measure: the residual norm ρ = √L* changes by up to ε(‖Y‖_F + ‖X‖₂‖M*‖_F) under
rounding-size perturbations of the data, so any float64 method (lstsq included) resolves L* to
relative accuracy ≈ 2ε·κ with κ = (‖Y‖_F + ‖X‖₂‖M*‖_F)/ρ; we allow 16ε·κ (measured: ≤ 3ε·κ).
From moments the documented limit is ≈ ε‖Y‖_F²/L* (allowed: 64× that; measured ≤ 11×).
"""

import mpmath
import numpy as np
import pytest

import symsaddle as ss
from symsaddle.deep_linear import SufficientStatistics, factorise, objective, to_theta

EPS = 2.0**-53
N, DX, DY = 200, 5, 3
WIDTHS = (DX, DX, DY)             # r_max = d_y: the global minimum is the least-squares residual


def _data(scale: float, noise: str, seed: int = 8):
    """Y = s·(XB + 1e-5 E) (relative noise) or s·XB + 1e-5 E (absolute noise: κ grows with s)."""
    rng = np.random.default_rng(seed)
    X, B, E = rng.normal(size=(N, DX)), rng.normal(size=(DX, DY)), rng.normal(size=(N, DY))
    return X, (scale * (X @ B + 1e-5 * E) if noise == "relative" else scale * (X @ B) + 1e-5 * E)


def _lstsq(X, Y):
    M, res, *_ = np.linalg.lstsq(X, Y, rcond=None)
    L = float(res.sum())
    kappa = (np.linalg.norm(Y) + np.linalg.norm(X, 2) * np.linalg.norm(M)) / np.sqrt(L)
    return M, L, kappa


@pytest.mark.parametrize("noise", ["relative", "absolute"])
@pytest.mark.parametrize("scale", [1e-6, 1e-4, 1e-2, 1.0, 1e2, 1e4, 1e6])
def test_minimum_loss_matches_lstsq_at_every_label_scale(scale, noise):
    X, Y = _data(scale, noise)
    M, L, kappa = _lstsq(X, Y)
    stats = SufficientStatistics.from_samples(X, Y)
    formula = stats.rank_constrained_value(DY, normalization=2.0)             # seed eq. (19) at S = all
    theta = to_theta(factorise(stats, range(DY), WIDTHS, "balanced"))           # a global minimiser
    kernel = objective(stats, WIDTHS).compile().value(theta)                   # ‖R_x W − R_y‖_F²
    for name, value in (("critical value from R", formula), ("kernel on R", kernel)):
        assert abs(value - L) <= 16 * EPS * kappa * L, f"{name}: {value!r} vs lstsq {L!r} (κ = {kappa:.2e})"
    core = ss.Objective.from_r_factor(ss.models.deep_linear([DX, DY]), stats.r_factor, N, normalization=2)
    assert abs(core.compile().value(M.T.ravel()) - L) <= 16 * EPS * kappa * L


@pytest.mark.parametrize("noise", ["relative", "absolute"])
@pytest.mark.parametrize("scale", [1e-6, 1.0, 1e6])
def test_from_moments_meets_its_documented_limit(scale, noise):
    """Moments resolve L* only to ≈ ε‖Y‖_F²/L*: stated in ``Objective.from_moments``; never worse."""
    X, Y = _data(scale, noise)
    M, L, _ = _lstsq(X, Y)
    S = ss.Objective(ss.models.deep_linear([DX, DY]), X, Y).sufficient_statistics
    limit = 64 * EPS * np.sum(Y**2) / L
    mom = ss.Objective.from_moments(ss.models.deep_linear([DX, DY]), S["Sxx"], S["Sxy"], S["Syy"], N, normalization=2)
    stats = SufficientStatistics(S["Sxx"], S["Sxy"], S["Syy"], N)
    for value in (mom.compile().value(M.T.ravel()), stats.rank_constrained_value(DY)):
        assert abs(value - L) <= limit * L


def test_the_issue_example_against_50_digit_arithmetic():
    """Labels ×1000, noise 1e-5 (κ ≈ 4e8): the true L* of the float data, by mpmath at 60 digits
    (normal equations, exact inputs), agrees with lstsq and with the R-factor paths."""
    X, Y = _data(1e3, "absolute", seed=3)
    _, L, kappa = _lstsq(X, Y)
    with mpmath.workdps(60):
        Xm = mpmath.matrix(X.tolist())
        G = Xm.T * Xm
        true = 0
        for j in range(DY):
            y = mpmath.matrix(Y[:, j].tolist())
            r = y - Xm * mpmath.lu_solve(G, Xm.T * y)
            true += sum(r[i] ** 2 for i in range(N))
    true = float(true)
    assert abs(L - true) <= 16 * EPS * kappa * true
    stats = SufficientStatistics.from_samples(X, Y)
    assert abs(stats.rank_constrained_value(DY) - true) <= 16 * EPS * kappa * true
    assert 16 * EPS * kappa < 1e-5                        # so the comparison resolves L* to 5 digits
    moments = SufficientStatistics(stats.Sxx, stats.Sxy, stats.Syy, N).rank_constrained_value(DY)
    assert abs(moments - true) > 1e-3 * true              # what the moments (and the old code) lose


def test_r_factor_objective_equals_the_raw_samples():
    rng = np.random.default_rng(4)
    X, Y = rng.normal(size=(30, 3)), rng.normal(size=(30, 2))
    m = ss.models.deep_linear([3, 2, 2])
    raw = ss.Objective(m, X, Y, normalization=2, compress=False).compile()
    R = np.linalg.qr(np.hstack([X, Y]), mode="r")
    packed = ss.Objective.from_r_factor(m, R, 30, normalization=2)
    assert packed.n == 30 and packed.compile().n_rows == 5
    thetas = rng.normal(size=(4, m.n_parameters))
    np.testing.assert_allclose(packed.compile().value(thetas), raw.value(thetas), rtol=1e-12)
    np.testing.assert_allclose(packed.compile().gradient(thetas), raw.gradient(thetas), rtol=1e-11, atol=1e-12)
    with pytest.raises(ss.ShapeError, match="d_in \\+ d_out = 5"):
        ss.Objective.from_r_factor(m, R[:, :4], 30)
    with pytest.raises(ValueError, match="linear in its inputs"):
        ss.Objective.from_r_factor(ss.models.two_layer(3, 2, "tanh", d_out=2), R, 30)


def test_statistics_from_moments_and_from_r_factor_agree():
    """Any square root of the moments gives the same statistics (triangularised), and the plain
    constructor's R factor reproduces the moments."""
    rng = np.random.default_rng(6)
    X = rng.normal(size=(40, 4))
    Y = X @ rng.normal(size=(4, 3)) + 0.1 * rng.normal(size=(40, 3))
    a = SufficientStatistics.from_samples(X, Y)
    Q, _ = np.linalg.qr(rng.normal(size=(7, 7)))
    b = SufficientStatistics.from_r_factor(Q @ a.r_factor, 4, 40)           # not triangular
    c = SufficientStatistics(a.Sxx, a.Sxy, a.Syy, 40)
    for other in (b, c):
        np.testing.assert_allclose(other.eigenvalues, a.eigenvalues, rtol=1e-12)
        np.testing.assert_allclose(other.residual, a.residual, rtol=1e-10)
        R = other.r_factor
        np.testing.assert_allclose(R.T @ R, np.block([[a.Sxx, a.Sxy], [a.Sxy.T, a.Syy]]), rtol=1e-12, atol=1e-12)
    assert a.residual == pytest.approx(np.sum((Y - X @ np.linalg.lstsq(X, Y, rcond=None)[0]) ** 2), rel=1e-12)
