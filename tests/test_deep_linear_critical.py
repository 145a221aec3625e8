"""Critical points from theory (issue 4 item 2): gradient, value and Hessian classification
against Achour et al., the Baldi–Hornik H = 2 case and closed-form Hessians."""

from collections import Counter

import numpy as np
import pytest

from symsaddle.critical import Kind, classify
from symsaddle.deep_linear import (Parametrisation, SufficientStatistics, achour_classification,
                                   balanced_factorisation, is_tightened, objective, seed001_section4_data,
                                   survey_critical_points, to_theta)


@pytest.fixture(scope="module")
def stats():
    return SufficientStatistics.from_samples(*seed001_section4_data(0))


@pytest.fixture(scope="module")
def survey(stats, deep_linear_critical_reproduction):
    """survey_critical_points(stats, (5, 4, 4, 5), convention="row"), as the deep-linear-critical-points
    reproduction computes it (conftest: the case runs once for its interface test and these tests)."""
    ((case_stats, widths), kwargs, value), = deep_linear_critical_reproduction.calls["survey_critical_points"]
    for name in ("Sxx", "Sxy", "Syy", "n", "r_factor"):
        np.testing.assert_array_equal(getattr(case_stats, name), getattr(stats, name))
    assert tuple(widths) == (5, 4, 4, 5) and {k: v for k, v in kwargs.items() if k != "progress"} == {"convention": "row"}
    return value


@pytest.mark.slow                     # the 88-point survey: ≈ 15 s of CPU
def test_every_theoretical_point_is_critical_with_the_predicted_value(stats, survey):
    # 31 index sets with |S| ≤ 4 out of 5; balanced and unbalanced for all, strict for the 26 with |S| < 4
    assert len(survey.points) == 31 + 31 + 26
    for p in survey.points:
        c = p.classification
        assert c.gradient_norm <= c.gradient_tolerance, (p.subset, p.parametrisation)
        # independent prediction: ‖Y‖² − Σ_{i∈S} σ_i(QᵀY)², X = QR (reduced-rank regression)
        X, Y = seed001_section4_data(0)
        s2 = np.linalg.svd(np.linalg.qr(X)[0].T @ Y, compute_uv=False) ** 2
        assert p.loss == pytest.approx(np.sum(Y**2) - s2[list(p.subset)].sum(), abs=1e-12 * np.sum(Y**2))


@pytest.mark.slow
def test_hessian_classification_matches_the_theorem(survey):
    """Counts from the theorem's table by hand: S = {1..4} is the global minimum (2 points);
    S = {1..r}, r < 4, thin (balanced and unbalanced) is non-strict (4 × 2 points); the rest strict."""
    assert Counter(p.kind for p in survey.points) == {Kind.MINIMISER: 2, Kind.NON_STRICT_SADDLE: 8,
                                                     Kind.STRICT_SADDLE: 78}
    assert survey.all_agree
    for p in survey.points:
        if p.parametrisation is Parametrisation.STRICT:
            assert p.kind is Kind.STRICT_SADDLE and p.classification.index > 0
        if p.kind is Kind.NON_STRICT_SADDLE:
            assert p.subset == tuple(range(len(p.subset))) and p.classification.index == 0
        if p.parametrisation is Parametrisation.BALANCED:
            assert p.balancedness < 1e-12
        else:
            assert p.parametrisation is Parametrisation.STRICT or not p.subset or p.balancedness > 1e-3


def test_two_layers_have_only_strict_saddles(stats):
    """H = 2 (Baldi & Hornik 1989; Kawaguchi 2016): every critical point but the global minimum is strict."""
    s = survey_critical_points(stats, (5, 3, 5), parametrisations=("balanced", "unbalanced"))
    for p in s.points:
        expected = Kind.MINIMISER if p.subset == (0, 1, 2) else Kind.STRICT_SADDLE
        assert p.kind is expected and p.agrees, (p.subset, p.classification.reason)


def test_zero_point_hessians():
    """W = 0: for H = 2 the Hessian eigenvalues are ±2σ_i(Σ_YX), each d_1 times, the rest 0;
    for H = 3 the Hessian vanishes identically (landscape_theory.md §2.4(c))."""
    rng = np.random.default_rng(11)
    X = rng.normal(size=(40, 3))
    st = SufficientStatistics.from_samples(X, X @ rng.normal(size=(3, 3)) + rng.normal(size=(40, 3)))
    k2 = objective(st, (3, 2, 3)).compile()
    lam = np.linalg.eigvalsh(k2.hessian(np.zeros(k2.P)))
    sig = np.linalg.svd(st.Sxy.T, compute_uv=False)
    expected = np.sort(np.concatenate([np.repeat(2 * sig, 2), np.repeat(-2 * sig, 2)]))   # P = 12: no zero eigenvalue
    np.testing.assert_allclose(lam, expected, atol=1e-10 * sig[0])
    k3 = objective(st, (3, 2, 2, 3)).compile()
    assert np.abs(k3.hessian(np.zeros(k3.P))).max() == 0.0
    c = classify(k3, np.zeros(k3.P))
    assert c.kind is Kind.NON_STRICT_SADDLE


def _thick(Ws, layers, r):
    """Add the identity on hidden coordinates r+1.. to the given (1-based, middle) layers."""
    out = [W.copy() for W in Ws]
    for h in layers:
        k = min(out[h - 1].shape)
        out[h - 1][r:k, r:k] += np.eye(k - r)
    return out


@pytest.mark.slow
@pytest.mark.parametrize("thick, expected", [
    ((), Kind.NON_STRICT_SADDLE),          # every layer of rank r
    ((2, 3), Kind.STRICT_SADDLE),          # pair (1, 4): W_4⋯W_5 = I, W_3W_2 and I all of rank > r
    ((2,), Kind.NON_STRICT_SADDLE),        # every pair has a rank-r segment although W_2 has rank 3
    ((3,), Kind.NON_STRICT_SADDLE),
])
def test_tightened_rank_condition_for_four_layers(thick, expected):
    """H = 4, S = {1}: which configurations are tightened, worked out by hand from the rank
    condition, and the Hessian (with the D³ certificate) must agree."""
    rng = np.random.default_rng(5)
    X = rng.normal(size=(60, 3))
    st = SufficientStatistics.from_samples(X, X @ np.diag([3.0, 2.0, 1.0]) + 0.1 * rng.normal(size=(60, 3)))
    widths = (3, 3, 3, 3, 3)
    Ws = _thick(balanced_factorisation(st, (0,), widths), thick, 1)
    kernel = objective(st, widths).compile()
    c = classify(kernel, to_theta(Ws), lower_bound=st.rank_constrained_value(3))
    assert c.kind is expected, c.reason
    assert is_tightened(Ws, 1) == (expected is Kind.NON_STRICT_SADDLE)
    assert achour_classification(st, (0,), Ws).kind is expected


def test_tied_eigenvalues_make_the_theory_inconclusive():
    n = 10
    st = SufficientStatistics(np.eye(3) * n, np.diag([2.0, 2.0, 1.0]) * n, np.diag([4.0, 4.0, 1.0]) * n + np.eye(3), n)
    Ws = balanced_factorisation(st, (0,), (3, 3, 3, 3))
    assert achour_classification(st, (0,), Ws).kind is Kind.INCONCLUSIVE     # λ₁ = λ₂ straddles S = {1}
    assert achour_classification(st, (0, 1), balanced_factorisation(st, (0, 1), (3, 3, 3, 3))).kind \
        is Kind.NON_STRICT_SADDLE
    with pytest.raises(ValueError, match="r_max"):
        achour_classification(st, (0, 1, 2), balanced_factorisation(st, (0, 1), (3, 2, 3)))
