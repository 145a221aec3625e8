"""A verdict must not depend on the units of L or θ (issue 8, part 1).

Under L → c·L and θ → θ/s (the function θ' ↦ c·L(s θ') at θ' = θ/s) every derivative of order m
scales by c·sᵐ, and kind, index and nullity must not change, for c, s anywhere in [1e-12, 1e12]."""

import numpy as np
import pytest
import sympy as sp
from classify_kernels import ScaledKernel, kernel_of, scaled_expression
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import symsaddle as ss
from symsaddle import datasets, models
from symsaddle.critical import Kind, classify, polish

a, b, c3 = sp.symbols("a b c", real=True)
SYMBOLS = (a, b, c3)
log_scale = st.floats(min_value=-12.0, max_value=12.0, allow_nan=False)
SETTINGS = settings(max_examples=12, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def verdict(c):
    return c.kind, c.index, c.nullity


# ------------------------------------------------------------------------------- the issue's cases

@pytest.mark.parametrize("expr", [a**2 + b**3, a**2 - b**4, a**3 - 3 * a * b**2])
@pytest.mark.parametrize("c", [1e-12, 1e-6, 1.0, 1e6, 1e12])
@pytest.mark.parametrize("s", [1.0, 1e3])
def test_issue_cases_are_non_strict_saddles_at_every_scale(expr, c, s):
    """By hand: a² + b³ (cubic along e_b), a² − b⁴ (q(e_b) = −1), monkey saddle (cubic, H ≡ 0)."""
    k = kernel_of(scaled_expression(expr, (a, b), c, s), (a, b))
    r = classify(k, np.zeros(2))
    assert r.kind is Kind.NON_STRICT_SADDLE and r.index == 0, r.reason


@pytest.mark.parametrize("label_scale", [1e-12, 1e-5, 1.0, 1e5, 1e12])
def test_seed000_origin_is_a_strict_saddle_of_index_two(label_scale):
    """Diagonal net, seed 000 data (d = n = 2): at θ = 0 the only second derivatives are
    ∂²L/∂u_j∂v_j = −(1/n) Σ_i y_i x_ij, so the eigenvalues are ±|(Xᵀy)_j|/n: index 2 — however
    small the labels (the issue: labels × 1e-5 gave "minimiser, index 2" with lower_bound = 0)."""
    X, y, _ = datasets.seed000(2, 2)
    y = label_scale * y
    k = ss.Objective(models.diagonal_linear(2), X, y, loss="square", normalization="mean").compile()
    r = classify(k, np.zeros(4), lower_bound=0.0)
    assert r.kind is Kind.STRICT_SADDLE and r.index == 2 and r.nullity == 0, r.reason
    expected = np.abs(X.T @ y) / 2
    np.testing.assert_allclose(np.sort(r.eigenvalues), np.sort(np.r_[-expected, expected]), rtol=1e-13)


# ------------------------------------------------------------------------------- random polynomials

@st.composite
def polynomials(draw):
    """½ Σ_j ±(ℓ_j·θ)² (rank 0..P, integer ℓ_j) + integer cubic (or none) and quartic terms, P ∈ {2, 3}."""
    P = draw(st.integers(2, 3))
    th = SYMBOLS[:P]
    rank = draw(st.integers(0, P))
    expr = sp.Integer(0)
    for _ in range(rank):
        ell = draw(st.lists(st.integers(-2, 2), min_size=P, max_size=P).filter(any))
        expr += draw(st.sampled_from([-1, 1])) * sp.Rational(1, 2) * sum(l * t for l, t in zip(ell, th)) ** 2
    for degree in (3, 4):
        if degree == 3 and draw(st.booleans()):
            continue                                           # half of the cases test the quartic stage
        for mono in sp.itermonomials(th, degree, degree):
            expr += draw(st.sampled_from([0, 0, 0, -2, -1, 1, 2])) * mono
    return sp.expand(expr), th


@pytest.mark.slow
@SETTINGS
@given(polynomials(), log_scale, log_scale)
def test_random_polynomial_verdicts_are_unit_free(poly, log_c, log_s):
    expr, th = poly
    base = classify(kernel_of(expr, th), np.zeros(len(th)))
    scaled = classify(kernel_of(scaled_expression(expr, th, 10.0**log_c, 10.0**log_s), th), np.zeros(len(th)))
    assert verdict(scaled) == verdict(base), (expr, base.reason, scaled.reason)


# ------------------------------------------------------------------------------- model families

def _si_points():
    """A width-1 tanh minimum (w*, a*) duplicated with split μ, 1 − μ: the segment of the line where
    μ(1 − μ)·R > 0, R = a* mean(r tanh''(w*x) x²), is a Morse–Bott minimum, the rest strict saddles
    (see tests/test_certificates.py)."""
    X = np.linspace(-2.0, 2.0, 21)[:, None]
    y = np.tanh(1.5 * X[:, 0]) - 0.8 * np.tanh(-0.4 * X[:, 0])
    one = ss.Objective(models.two_layer(1, 1, "tanh"), X, y).compile()
    w, a_ = polish(one, np.array([1.0, 1.0])).theta
    t = np.tanh(w * X[:, 0])
    R = a_ * np.mean((a_ * t - y) * (-2 * t * (1 - t**2)) * X[:, 0] ** 2)
    mu_min, mu_saddle = (0.5, 2.0) if R > 0 else (2.0, 0.5)
    k = ss.Objective(models.two_layer(1, 2, "tanh"), X, y).compile()
    return k, [np.array([w, w, mu * a_, (1 - mu) * a_]) for mu in (mu_min, mu_saddle)]


@pytest.fixture(scope="module")
def family_points():
    """(name, kernel, θ, expected kind) — the kinds from theory, worked out in each comment."""
    out = []
    X, y, p = datasets.seed000(2, 2)
    k = ss.Objective(models.diagonal_linear(2), X, y).compile()
    out.append(("diagonal origin", k, np.zeros(4), Kind.STRICT_SADDLE))           # eigenvalues ±|Xᵀy|/n
    root = np.sqrt(np.abs(p))                                                      # u ⊙ v = p*: L = 0, orbits
    out.append(("diagonal minimum", k, np.r_[np.sign(p) * root, root], Kind.MINIMISER))
    m = models.deep_linear([2, 1, 2])
    k = ss.Objective(m, np.eye(2), np.diag([2.0, 1.0]), normalization=2).compile()
    r = np.sqrt(2.0)                                                               # rescaling orbit, L = 1
    out.append(("deep linear orbit", k, m.flatten({"W1": np.array([[r, 0.0]]), "W2": np.array([[r], [0.0]])}),
                Kind.MINIMISER))
    k = ss.Objective(models.deep_linear([1, 1, 1, 1]), np.array([[1.0], [2.0]]), np.array([[1.0], [3.0]])).compile()
    out.append(("deep linear origin", k, np.zeros(3), Kind.NON_STRICT_SADDLE))     # H ≡ 0, D³ ∝ −mean(xy) ≠ 0
    Xt = np.linspace(-1.0, 1.0, 7)[:, None]
    k = ss.Objective(models.two_layer(1, 2, "tanh"), Xt, np.sin(2 * Xt[:, 0])).compile()
    out.append(("two-layer origin", k, np.zeros(4), Kind.STRICT_SADDLE))          # per neuron ±mean(x y)
    k, (th_min, th_saddle) = _si_points()
    out.append(("two-layer SI minimum", k, th_min, Kind.MINIMISER))
    out.append(("two-layer SI saddle", k, th_saddle, Kind.STRICT_SADDLE))
    yt = np.sin(2 * Xt[:, 0]) + 0.3
    k = ss.Objective(models.mlp([1, 2, 1], "tanh"), Xt, yt).compile()
    mm = models.mlp([1, 2, 1], "tanh")
    th = mm.flatten({"W1": np.zeros((2, 1)), "b1": np.zeros(2), "W2": np.zeros((1, 2)), "b2": np.array([yt.mean()])})
    out.append(("mlp constant fit", k, th, Kind.STRICT_SADDLE))                   # ±mean(r x) per hidden unit
    return out


def test_family_points_have_their_theoretical_kinds(family_points):
    for name, kernel, theta, kind in family_points:
        c = classify(kernel, theta)
        assert c.kind is kind, (name, c.reason)


@SETTINGS
@given(st.integers(0, 7), log_scale, log_scale)
def test_model_family_verdicts_are_unit_free(family_points, which, log_c, log_s):
    name, kernel, theta, _ = family_points[which]
    c, s = 10.0**log_c, 10.0**log_s
    base = classify(kernel, theta)
    scaled = classify(ScaledKernel(kernel, c, s), theta / s)
    assert verdict(scaled) == verdict(base), (name, c, s, base.reason, scaled.reason)


@pytest.mark.slow
@pytest.mark.parametrize("c, s", [(1e-9, 1e3), (1e7, 1e-4)])
def test_model_family_verdicts_are_unit_free_symbolically(c, s):
    """The rescaled problem built through the public API: outputs f(x; s θ'), normalization c/n."""
    X = np.linspace(-1.0, 1.0, 7)[:, None]
    y = np.sin(2 * X[:, 0]) + 0.3
    for m in (models.two_layer(1, 2, "tanh"), models.mlp([1, 2, 1], "tanh"), models.deep_linear([1, 2, 1]),
              models.diagonal_linear(1)):
        base = ss.Objective(m, X, y).compile()
        start = np.linspace(0.3, 1.1, m.n_parameters)
        theta = polish(base, start).theta
        rescaled = models.custom([scaled_expression(o, m.parameters, 1.0, s) for o in m.outputs], m.parameters,
                                 m.inputs)
        scaled = ss.Objective(rescaled, X, y, normalization=c / len(y)).compile()
        reference = classify(base, theta)
        assert reference.kind is not Kind.INCONCLUSIVE, (m.name, reference.reason)
        assert verdict(classify(scaled, theta / s)) == verdict(reference), m.name


# ------------------------------------------------------------------------------- a critical point at infinity

def _saturated_sigmoid_unit():
    """L = ½ Σ_i (a σ(w x_i + b) − y_i)² with x_i ≤ −1, y_i > 0, at (w, b, a) = (130, 0, 0): ∂L/∂a = −Σ_i y_i σ(w x_i + b)
    < 0 for every finite (w, b), so no critical point has a = 0; here ‖∇L‖ ≈ 3e-58 and ‖H‖ ≈ 5e-58 (σ ≈ e^{−130})."""
    X = -np.linspace(1.0, 2.0, 5)[:, None]
    y = np.linspace(0.5, 1.5, 5)
    k = ss.Objective(models.two_layer(1, 1, "sigmoid", bias=True), X, y).compile()
    return k, np.array([130.0, 0.0, 0.0])


@given(log_c=log_scale, log_s=log_scale)
@SETTINGS
def test_saturated_unit_is_not_called_a_critical_point_at_any_scale(log_c, log_s):
    """The gradient passes τ_g·s_g only through √(2|L|‖H‖); a Newton step then reduces it by ≈ 1/e (towards the
    critical point at infinity), not to ~0, so the verdict is "inconclusive" by the gradient test, never a saddle."""
    k, th = _saturated_sigmoid_unit()
    c, s = 10.0**log_c, 10.0**log_s
    r = classify(ScaledKernel(k, c, s), th / s)
    assert r.kind is Kind.INCONCLUSIVE and r.decided_by.value == "gradient", r.reason
    assert "Newton step" in r.reason


@pytest.mark.parametrize("scale", [1e-100, 1e-30, 1e-12])
def test_points_near_the_origin_saddle_stay_critical(scale):
    """The Newton test's control: diagonal net (seed 000 data, d = n = 2) at θ = scale·(1, 1, 1, 1), where ∇L ≈ Hθ is
    not small against ‖H‖‖θ‖; the Newton step lands on the origin saddle (index 2, eigenvalues ±|(Xᵀy)_j|/n)."""
    X, y, _ = datasets.seed000(2, 2)
    k = ss.Objective(models.diagonal_linear(2), X, y, loss="square", normalization="mean").compile()
    r = classify(k, scale * np.ones(4), lower_bound=0.0)
    assert r.kind is Kind.STRICT_SADDLE and r.index == 2, r.reason
