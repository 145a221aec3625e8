"""Seed 003 §6.2.4: Algorithms 1 and 2 and the rigorous higher-order test, on functions whose answer is
known in closed form (each a polynomial f(x, y) built as a core objective with the linear loss)."""

import numpy as np
import pytest
import sympy as sp

import symsaddle as ss
from symsaddle.symmetry.escape import Verdict, algorithm1, algorithm2, null_direction_test

x, y = sp.symbols("x y", real=True)
z = sp.Symbol("z", real=True)


def polynomial_kernel(expr, params=(x, y)):
    """A kernel with L(θ) = expr(θ): one sample z = 1, linear loss ℓ = y·f with label 1, normalisation 1."""
    model = ss.models.custom(z * expr, list(params), [z])
    return ss.Objective(model, np.ones((1, 1)), np.ones(1), loss="linear", normalization="sum").compile()


ORIGIN = np.zeros(2)


@pytest.mark.parametrize("expr, verdict", [
    (x**2 + y**2, Verdict.STRICT_MINIMUM),
    (x**2 - y**2, Verdict.STRICT_SADDLE),
    (x**2 + y**3, Verdict.NON_STRICT_SADDLE),           # cubic on the null direction y
    (x**2 + y**4, Verdict.DEGENERATE_MINIMUM),          # quartic positive
    (x**2 - y**4, Verdict.NON_STRICT_SADDLE),           # quartic negative
    # Peano's surface (x − y²)(x − 2y²): f(0, t) = 2t⁴ > 0, yet f < 0 between the parabolas. The naive
    # quartic ∇⁴f[e_y]⁴ = 48 > 0; the effective quartic 48 − 3·bᵀH⁺b = 48 − 3·36/2 = −6 < 0.
    ((x - y**2) * (x - 2 * y**2), Verdict.NON_STRICT_SADDLE),
    # (x − y²)² − y⁴/2: effective quartic 12 − 24 = −12 < 0 (descent along x = y²)
    ((x - y**2)**2 - y**4 / 2, Verdict.NON_STRICT_SADDLE),
    # (x − y²)² + y⁴ ≥ 0, zero only at 0: effective quartic 48 − 24 = 24 > 0
    ((x - y**2)**2 + y**4, Verdict.DEGENERATE_MINIMUM),
    # (x − y²)²: a curve of minima through 0; effective quartic 24 − 24 = 0 — undecidable at fourth order
    ((x - y**2)**2, Verdict.INCONCLUSIVE),
])
def test_null_direction_test_closed_forms(expr, verdict):
    res = null_direction_test(polynomial_kernel(expr), ORIGIN)
    assert res.verdict is verdict, res.reason
    if verdict is Verdict.NON_STRICT_SADDLE:
        # the certificate is a decrease that was actually evaluated, not a prediction
        assert res.decrease < 0 and res.step > 0


def test_effective_quartic_value_peano():
    # closed form: ∇⁴f[e_y]⁴ − 3 bᵀH⁺b with H = diag(2, 0), b = T[e_y, e_y, ·] = (−6, 0) → 48 − 54 = −6
    res = null_direction_test(polynomial_kernel((x - y**2) * (x - 2 * y**2)), ORIGIN)
    assert res.cubic_max == pytest.approx(0.0, abs=1e-9)
    assert res.quartic_min == pytest.approx(-6.0, rel=1e-6)


def test_flat_direction_is_morse_bott():
    # f = x²: the y axis is a line of critical points with the same value; removing it leaves nothing
    k = polynomial_kernel(x**2)
    assert null_direction_test(k, ORIGIN, flat_directions=[[0.0, 1.0]]).verdict is Verdict.DEGENERATE_MINIMUM
    # without the information, f = x² has no higher-order terms along y: undecidable
    assert null_direction_test(k, ORIGIN).verdict is Verdict.INCONCLUSIVE


def test_not_critical_gets_no_verdict():
    res = null_direction_test(polynomial_kernel(x**2 + y**3), np.array([0.1, 0.0]))
    assert res.verdict is Verdict.NOT_CRITICAL


def test_algorithm1_as_printed():
    # along v_min = e_y, x² + y³ is lower at ε = −8 (the grid's first point): f = −512
    r = algorithm1(polynomial_kernel(x**2 + y**3), ORIGIN, np.array([0.0, 1.0]))
    assert r.found and r.significant and r.loss_found == pytest.approx(-512.0)
    # x² + y⁴ has no lower point on the line; the grid point next to 0 is ≈ 1e-14, not 0
    r = algorithm1(polynomial_kernel(x**2 + y**4), ORIGIN, np.array([0.0, 1.0]))
    assert not r.found
    eps = np.arange(-8.0, 8.0, 0.01)
    assert eps.size == 1600 and 0 < np.min(np.abs(eps)) < 1e-12


def test_algorithm2_printed_line_8_returns_true_at_once():
    k = polynomial_kernel(x**2 + y**4)
    literal = algorithm2(k, ORIGIN, literal=True)
    assert literal.found and literal.evaluations == 2        # the start itself: loss ≤ loss(start)
    intended = algorithm2(k, ORIGIN)
    assert not intended.found


def test_algorithm2_walks_an_exactly_flat_valley_until_the_budget():
    # f = x²: the y axis is exactly flat and critical, so the search never ends by itself
    r = algorithm2(polynomial_kernel(x**2), ORIGIN, max_expansions=20)
    assert not r.found and "budget" in r.detail


def test_algorithm2_misses_a_cubic_saddle_that_the_rigorous_test_finds():
    # x² + y³: one step of 0.01 along the null direction already has ‖∇f‖ = 3e-4 > 1e-9, so Algorithm 2
    # queues nothing and reports no escape; the cubic term gives one (f(0, −t) = −t³)
    k = polynomial_kernel(x**2 + y**3)
    assert not algorithm2(k, ORIGIN).found
    assert null_direction_test(k, ORIGIN).verdict is Verdict.NON_STRICT_SADDLE
