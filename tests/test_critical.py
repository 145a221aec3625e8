"""Classification against functions whose critical points are known in closed form.

Every expected kind, index and value below is worked out by hand from the formula of L."""

import numpy as np
import pytest
import sympy as sp
from classify_kernels import kernel_of

import symsaddle as ss
from symsaddle.critical import Classification, Kind, PolishStatus, Criterion, classify, polish

a, b, c_, w = sp.symbols("a b c w", real=True)


@pytest.mark.parametrize("expr, kind, index, nullity, by", [
    (a**2 + b**2, Kind.MINIMISER, 0, 0, Criterion.HESSIAN),
    (a**2 - b**2, Kind.STRICT_SADDLE, 1, 0, Criterion.HESSIAN),
    (-a**2 - 3 * b**2, Kind.MAXIMISER, 2, 0, Criterion.HESSIAN),
    (a**2 + b**3, Kind.NON_STRICT_SADDLE, 0, 1, Criterion.CUBIC),      # D³L[e_b]³ = 6 on N = span(e_b)
    (a**2 - b**4, Kind.NON_STRICT_SADDLE, 0, 1, Criterion.QUARTIC),    # C = 0 on N, q(e_b) = −1
    (a**2 + b**4, Kind.MINIMISER, 0, 1, Criterion.QUARTIC),            # strict minimum, singular Hessian: q = 1
    (a**3 - 3 * a * b**2, Kind.NON_STRICT_SADDLE, 0, 2, Criterion.CUBIC),   # monkey saddle: H ≡ 0
    (a**2 - 3 * a * b**2 + b**4, Kind.NON_STRICT_SADDLE, 0, 1, Criterion.QUARTIC),   # D⁴ > 0 but q < 0
    (-b**2 - a**4, Kind.MAXIMISER, 1, 1, Criterion.QUARTIC),           # NSD Hessian, −L has q = 1
    (-b**2 + a**3, Kind.STRICT_SADDLE, 1, 1, Criterion.CUBIC),         # NSD Hessian, cubic ascent along e_a
    (a**2 * b**2, Kind.DEGENERATE, 0, 2, Criterion.NONE),              # q = a²b² ≥ 0 vanishes on the axes
])
def test_kinds_at_origin(expr, kind, index, nullity, by):
    c = classify(kernel_of(expr, (a, b)), np.zeros(2))
    assert c.kind is kind, c.reason
    assert (c.index, c.nullity, c.decided_by) == (index, nullity, by), c.reason


def test_strict_saddle_reason_counts_every_eigenvalue():
    """L = a² − b² + c² + w⁴, P = 4: at 0 the Hessian is diag(2, −2, 2, 0) — 1 negative, 2 positive, 1 zero."""
    c = classify(kernel_of(a**2 - b**2 + c_**2 + w**4, (a, b, c_, w)), np.zeros(4))
    assert c.kind is Kind.STRICT_SADDLE
    assert c.reason == "1 negative, 2 positive and 1 zero Hessian eigenvalues"
    c = classify(kernel_of(a**2 - b**2, (a, b)), np.zeros(2))
    assert c.reason == "1 negative, 1 positive and 0 zero Hessian eigenvalues"


def test_local_maximum_of_minus_w4():
    c = classify(kernel_of(-w**4, (w,)), np.zeros(1))
    assert c.kind is Kind.MAXIMISER and c.isolated is True and c.decided_by is Criterion.QUARTIC, c.reason
    plus, minus = c.higher_order.quartic             # H = 0: both signs; q = −w⁴ on |w| = 1
    assert plus.value == pytest.approx(-1.0, rel=1e-14) and minus.value == pytest.approx(1.0, rel=1e-14)


def test_strict_minimum_with_singular_hessian_is_isolated():
    c = classify(kernel_of(a**2 + b**4, (a, b)), np.zeros(2))
    assert c.isolated is True and c.higher_order.quartic[0].value == pytest.approx(1.0, rel=1e-14)


def test_reduced_quartic_and_escape_curve_by_hand():
    """L = a² − 3ab² + b⁴: N = span(e_b), D⁴L[e_b]⁴ = 24, b(e_b) = D³L[e_b, e_b, ·] = (−6, 0),
    H⁺ = diag(½, 0): q = 24/24 − ⅛·36·½ = −1.25; w = −½H⁺b = (1.5, 0), and indeed
    L(1.5t², t) = 2.25t⁴ − 4.5t⁴ + t⁴ = −1.25 t⁴."""
    c = classify(kernel_of(a**2 - 3 * a * b**2 + b**4, (a, b)), np.zeros(2))
    q = c.higher_order.quartic[0]
    assert q.value == pytest.approx(-1.25, rel=1e-14)
    u, curve = c.direction, c.curve
    assert abs(u[1]) == pytest.approx(1.0) and u[0] == pytest.approx(0.0, abs=1e-15)
    np.testing.assert_allclose(curve, [1.5, 0.0], atol=1e-14)


def test_monkey_saddle_cubic_maximum():
    """C(u) = D³L[u]³ = 6(u_a³ − 3u_a u_b²) = 6 cos 3φ on the unit circle: max |C| = 6, and
    ‖T‖_F² = T_aaa² + 3 T_abb² = 36 + 3·36 = 144."""
    c = classify(kernel_of(a**3 - 3 * a * b**2, (a, b)), np.zeros(2))
    assert c.higher_order.cubic.value == pytest.approx(6.0, rel=1e-12)
    assert c.higher_order.cubic.norm == pytest.approx(12.0, rel=1e-14)
    u = c.direction                                   # a descent direction: L(t u) = −t³ max|C|/6 < 0
    assert float(kernel_of(a**3 - 3 * a * b**2, (a, b)).value(1e-3 * u)) == pytest.approx(-1e-9, rel=1e-9)


def test_deep_scalar_chain_origin_is_non_strict():
    """(abc − 1)² at 0: H ≡ 0 and C(u) = −12 u_a u_b u_c, whose max modulus on the sphere is 12/3^{3/2}."""
    k = kernel_of((a * b * c_ - 1) ** 2, (a, b, c_))
    cl = classify(k, np.zeros(3))
    assert cl.kind is Kind.NON_STRICT_SADDLE and cl.nullity == 3
    assert cl.higher_order.cubic.value == pytest.approx(12 / 3**1.5, rel=1e-8)


@pytest.mark.parametrize("bound, exc", [(np.nan, ss.NonFiniteDataError), (np.inf, ss.NonFiniteDataError),
                                         (-np.inf, ss.NonFiniteDataError), ("0", TypeError), (1j, TypeError),
                                         (True, TypeError)])
def test_lower_bound_must_be_finite_real_or_none(bound, exc):
    # a NaN bound makes both comparisons with L false: the lower-bound step was skipped silently
    a, b = sp.symbols("a b", real=True)
    with pytest.raises(exc, match="lower_bound must be a finite real number or None"):
        classify(kernel_of(a**2 + b**2, (a, b)), np.zeros(2), lower_bound=bound)


def test_negative_zero_form_minimum_prints_as_zero():
    # −a⁴ at 0 (flat in b): min of −q over the null space's unit circle is −max q = −0.0, printed "-0.000e+00"
    a, b = sp.symbols("a b", real=True)
    c = classify(kernel_of(-a**4, (a, b)), np.zeros(2))
    assert "= 0.000e+00" in c.reason and "-0.000e+00" not in c.reason


def test_lower_bound_makes_a_flat_minimum_global():
    k = kernel_of((a * b - 1) ** 2, (a, b))       # minima on the hyperbola ab = 1, Hessian rank 1
    c = classify(k, np.array([2.0, 0.5]), lower_bound=0.0)
    assert c.kind is Kind.MINIMISER and c.nullity == 1 and c.decided_by is Criterion.LOWER_BOUND
    c0 = classify(k, np.array([0.0, 0.0]))         # origin: eigenvalues ±2
    assert c0.kind is Kind.STRICT_SADDLE and c0.index == 1
    np.testing.assert_allclose(c0.eigenvalues, [-2, 2], atol=1e-14)
    np.testing.assert_allclose(c0.flow_eigenvalues, [-2, 2], atol=1e-14)


def test_hyperbola_of_minima_is_morse_bott_without_a_bound():
    """ab = 1 is a curve of critical points with L = 0, the Hessian 2(b, a)ᵀ(b, a) has rank 1."""
    c = classify(kernel_of((a * b - 1) ** 2, (a, b)), np.array([2.0, 0.5]))
    assert c.kind is Kind.MINIMISER and c.isolated is False and c.decided_by is Criterion.MANIFOLD, c.reason


def test_a_rounding_level_cubic_at_a_saturated_point_is_no_descent_certificate():
    """A two-layer tanh net polished to a point where both units saturate (|w·x| up to ~100): L is flat
    to rounding along 5 null directions and the computed cubic form on N is ~1e-15, below what the
    gradient test can resolve (a cubic contributes t³C/6 where a gradient within τ_g·‖H‖‖θ‖
    contributes the same at C ≈ τ_g‖H‖/‖θ‖). It was called a non-strict saddle "L decreases along −u"
    although L(θ − t u) ≥ L(θ) for every t. Checked here by function values, not by the code's forms:
    any descent direction the result claims must lower L; every null direction it calls flat must not."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(5, 2))
    y = np.tanh(X @ np.array([1.0, -1.0]))
    k = ss.Objective(ss.models.two_layer(2, 2, "tanh"), X, y).compile()
    theta = polish(k, rng.normal(size=k.P)).theta
    assert np.abs(X @ theta[:4].reshape(2, 2).T).max() > 20          # the units saturate
    c = classify(k, theta, lower_bound=0.0)
    steps = np.geomspace(1e-6, 1e-2, 9) * np.linalg.norm(theta)
    if c.direction is not None:                                          # the docstring's descent claim
        curve = np.zeros(k.P) if c.curve is None else c.curve
        assert min(k.value(theta + t * c.direction + t * t * curve) for t in steps) < c.loss, c.reason
    assert c.kind is Kind.MINIMISER and c.nullity == 5, c.reason
    for n in c.eigenvectors[:, np.abs(c.eigenvalues) <= c.eigenvalue_tolerance].T:
        for sign in (1, -1):
            assert min(k.value(theta + sign * t * n) for t in steps) >= c.loss * (1 - 1e-14)


def test_loss_below_the_declared_bound_is_inconsistent():
    k = kernel_of((a - 1) ** 2 + b**2 + 1, (a, b))   # minimum value 1 at (1, 0)
    c = classify(k, np.array([1.0, 0.0]), lower_bound=2.0)
    assert c.kind is Kind.INCONSISTENT and "below the declared lower bound" in c.reason
    assert classify(k, np.array([1.0, 0.0]), lower_bound=1.0).kind is Kind.MINIMISER


def test_bound_attained_with_negative_curvature_is_inconsistent():
    c = classify(kernel_of(1 - a**2 + b**2, (a, b)), np.zeros(2), lower_bound=1.0)   # L(0) = 1, λ = −2, 2
    assert c.kind is Kind.INCONSISTENT and c.index == 1


def test_a_contradictory_result_cannot_be_built():
    c = classify(kernel_of(a**2 - b**2, (a, b)), np.zeros(2))
    with pytest.raises(ValueError, match="self-contradictory"):
        Classification(c.theta, c.loss, c.gradient_norm, c.gradient_tolerance, c.eigenvalues, c.eigenvectors,
                       c.eigenvalue_tolerance, 1, 0, Kind.MINIMISER, "forged")


def test_tolerances_are_echoed_and_overridable():
    k = kernel_of(a**2 + 1e-7 * b**2, (a, b))      # λ = 2e-7, 2: relative 1e-7
    c = classify(k, np.zeros(2))                   # default τ_λ = 1e-8, κ = 100: 2e-7 ∈ (2e-8, 2e-6]
    assert c.kind is Kind.INCONCLUSIVE and "ambiguous" in c.reason and c.tolerances == ss.Tolerances()
    tight = ss.Tolerances(eigenvalue=1e-12)
    c2 = classify(k, np.zeros(2), tolerances=tight)
    assert c2.kind is Kind.MINIMISER and c2.tolerances is tight
    assert c2.to_dict()["tolerances"]["eigenvalue"] == 1e-12
    with pytest.raises(ValueError, match="eigenvalue"):
        ss.Tolerances(eigenvalue=-1.0)


def test_not_critical_is_inconclusive():
    c = classify(kernel_of(a**2 + b**2, (a, b)), np.array([1.0, 0.0]))
    assert c.kind is Kind.INCONCLUSIVE and "not a critical point" in c.reason and c.decided_by is Criterion.GRADIENT


def test_linear_function_at_the_origin_is_not_critical():
    """L = a at 0: H = 0, θ = 0, so the gradient scale is 0 — and ∇L = (1, 0) is not 0."""
    c = classify(kernel_of(a + b**3, (a, b)), np.zeros(2))
    assert c.kind is Kind.INCONCLUSIVE and "not a critical point" in c.reason


def test_tiny_parameters_do_not_underflow_the_tests():
    """L = (a − 10⁻²⁰⁰)² + b²: ‖θ‖² and ‖∇L‖² underflow in float64 at θ ~ 10⁻²⁰⁰, the norms must not."""
    k = kernel_of((a - sp.Float("1e-200")) ** 2 + b**2, (a, b))
    assert classify(k, np.array([1e-200, 0.0])).kind is Kind.MINIMISER
    c = classify(k, np.array([2e-200, 0.0]))                    # ∇L = (2e-200, 0): not critical
    assert c.kind is Kind.INCONCLUSIVE and c.gradient_norm == pytest.approx(2e-200, rel=1e-15)


def test_result_serialises():
    d = classify(kernel_of(a**2 - 3 * a * b**2 + b**4, (a, b)), np.zeros(2)).to_dict()
    assert d["kind"] == "non-strict saddle" and d["higher_order"]["quartic"][0]["status"] == "negative"
    assert d["curve"] == pytest.approx([1.5, 0.0])


def test_polish_converges_with_exact_jacobian():
    k = kernel_of((a - 1) ** 2 * (a + 2) ** 2 + (b - a) ** 2, (a, b))
    res = polish(k, np.array([0.8, 0.7]))
    assert res.converged and res.status is PolishStatus.CONVERGED
    np.testing.assert_allclose(res.theta, [1.0, 1.0], atol=1e-12)
    assert res.distance == pytest.approx(np.hypot(0.2, 0.3), rel=1e-10)


def test_polish_reports_a_far_critical_point():
    """(a − 100)² + b²: the only critical point is 100 units from the start (1, 0)."""
    k = kernel_of((a - 100) ** 2 + b**2, (a, b))
    res = polish(k, np.array([1.0, 0.0]))
    assert res.status is PolishStatus.FAR_FROM_START and res.critical and not res.converged
    assert res.distance == pytest.approx(99.0, rel=1e-12) and "9.900e+01" in res.message
    assert "a larger max_distance, or Tolerances(polish_distance=…), accepts it" in res.message   # says how
    near = polish(k, np.array([1.0, 0.0]), max_distance=200.0)
    assert near.converged and near.distance_limit == 200.0


def test_polish_reports_non_convergence():
    k = kernel_of(a + b**2, (a, b))                # ∂L/∂a = 1: no critical point at all
    res = polish(k, np.array([0.0, 1.0]))
    assert not res.converged and res.status is PolishStatus.NOT_CONVERGED


def test_bad_theta_shape():
    with pytest.raises(ss.ShapeError):
        classify(kernel_of(a**2 + b**2, (a, b)), np.zeros(3))


def test_repr_is_the_verdict_not_the_eigenvectors():
    c = classify(kernel_of(sp.Symbol("a") ** 2 - sp.Symbol("b") ** 2, sp.symbols("a b")), np.zeros(2))
    text = repr(c)
    assert text.startswith("Classification(kind='strict saddle', index=1, nullity=0, decided_by='hessian', P=2, ")
    assert "array(" not in text
