"""Activations: the kink convention Step(0) = 0 (relu'(0) = 0, leaky_relu'(0) = α — the same in the
symbolic, NumPy and mpmath paths), and derivatives that keep relative precision in the tails
(issue 8, part 3), verified against mpmath at 50+ digits."""

import math

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import symsaddle as ss
from symsaddle._activations import MPMATH_FUNCTIONS, NUMPY_FUNCTIONS, Step

z = sp.Symbol("z", real=True)


@pytest.mark.parametrize("name, slope_at_0, slope_pos, slope_neg", [
    ("relu", 0, 1, 0), ("leaky_relu", sp.Rational(1, 100), 1, sp.Rational(1, 100)),
    ("squared_relu", 0, None, 0), ("identity", 1, 1, 1)])
def test_derivative_at_kink_all_paths(name, slope_at_0, slope_pos, slope_neg):
    act = ss.ACTIVATIONS[name]
    d = sp.diff(act(z), z)
    assert d.subs(z, 0) == slope_at_0
    assert d.subs(z, -sp.Rational(1, 3)) == slope_neg
    if slope_pos is not None:
        assert d.subs(z, sp.Rational(1, 3)) == slope_pos
    f_np = sp.lambdify([z], d, modules=[NUMPY_FUNCTIONS, "numpy"])
    f_mp = sp.lambdify([z], d, modules=[MPMATH_FUNCTIONS, "mpmath"])
    assert float(f_np(np.float64(0.0))) == float(slope_at_0)
    assert float(f_mp(mpmath.mpf(0))) == float(slope_at_0)


def test_step_is_scale_invariant_for_positive_factors():
    c = sp.Symbol("c", positive=True)
    w = sp.Symbol("w", real=True)
    assert Step(c * w) == Step(w)
    relu = ss.ACTIVATIONS["relu"]
    assert sp.simplify(relu(c * w) - c * relu(w)) == 0


def test_stable_forms_are_the_textbook_derivatives():
    """σ' = σ(1 − σ); the k-th derivatives of Sigmoid, Tanh, Softplus equal those of SymPy's own
    1/(1 + e^{−z}), tanh z, log(1 + e^z) (checked after rewriting in exponentials)."""
    s = ss.Sigmoid(z)
    assert sp.simplify((sp.diff(s, z) - s * (1 - s)).rewrite(sp.exp)) == 0
    for ours, textbook in ((s, 1 / (1 + sp.exp(-z))), (ss.Tanh(z), sp.tanh(z)),
                           (ss.Softplus(z), sp.log(1 + sp.exp(z)))):
        for k in range(1, 5):
            assert sp.simplify((sp.diff(ours, z, k) - sp.diff(textbook, z, k)).rewrite(sp.exp)) == 0, (ours, k)
    f = sp.lambdify([z], ss.Softplus(-z), modules=[NUMPY_FUNCTIONS, "numpy"])
    assert np.isfinite(f(np.float64(-800.0))) and abs(f(np.float64(800.0))) < 1e-300


def test_softplus_at_zero_evaluates_to_log_2():
    """softplus(0) = log(1 + e⁰) = log 2, like σ(0) = ½ and tanh 0 = 0: the logistic loss at θ = 0 is a
    number, not the unevaluated softplus(0) (it printed so in `symsaddle derive … --equilibria`)."""
    assert ss.Softplus(sp.S.Zero) == sp.log(2)
    model = ss.models.diagonal_linear(1)
    obj = ss.Objective.symbolic(model, 1, loss="logistic")
    at_zero = obj.expression.subs({theta: 0 for theta in model.parameters})
    assert not at_zero.has(ss.Softplus)
    assert mpmath.almosteq(mpmath.mpf(str(sp.N(at_zero, 50))), mpmath.log(2), 1e-45)


def test_leaky_relu_slope_validation():
    with pytest.raises(ValueError):
        ss.leaky_relu(1.5)


# -- relative precision in the tails (issue 8, part 3) ------------------------------------------
#
# Reference: ``mpmath.diff`` (finite differences at raised precision; no symbolic derivative)
# of mpmath's own value function, at ``_reference_dps(z)`` digits: enough for e^{-2|z|} and for
# tiny |z| to be resolved with 40 digits to spare; its error is below 10^{20 − dps}.
#
# Accuracy criterion (mixed forward–backward error, formula-independent): the float64 value
# v̂ of f = σ⁽ᵏ⁾ at the float z must satisfy
#
#     |v̂ − f(z)| ≤ C·u·(|f(z)| + min(|z|, 1)·|f'(z)| + tiny) + 10^{20 − dps},   u = 2⁻⁵³,
#
# i.e. v̂ = f(z + δz)(1 + δ) with |δ|, |δz|/min(|z|, 1) ≤ C·u: relative precision wherever f
# is not near a zero (in the tails |f'| ≈ 2|f|, so the middle term is a relative term too);
# near a zero z₀ ≠ 0 of f the error is measured against |f'(z₀)|, the sensitivity of f to its
# argument there, and near z₀ = 0 against |z f'(z)| ≈ |f(z)|, i.e. relatively again. The
# ``tiny`` term (smallest normal number) is gradual underflow: below 2.2e-308 float64 carries
# absolute precision 2⁻¹⁰⁷⁴ = u·tiny, so a value whose true size is below float64's normal
# range must come out as 0 or a subnormal within C units of 2⁻¹⁰⁷⁴ of it, and never NaN/inf.
# C = 16: the formulas chain ≤ 6 correctly rounded operations, and in the subnormal range the
# rounding of sech² is multiplied by the coefficient 8 of tanh''''.
# ``test_the_criterion_rejects_the_unstable_forms`` shows that 1 − tanh², σ(1 − σ) and 1 − 2σ
# violate it by many orders of magnitude.

U = 2.0**-53
TINY = np.finfo(float).tiny
C_ROUNDING = 16
SMOOTH_VALUES = {"sigmoid": lambda t: 1 / (1 + mpmath.exp(-t)), "tanh": mpmath.tanh, "identity": lambda t: t,
                 "softplus": lambda t: mpmath.log1p(mpmath.exp(t))}
ZEROS = [0.6584789484624084, 1.1462158347805889, 1.3169578969248166, 2.2924316695611777]  # of tanh''', tanh'''', σ''', σ''''
GRID = sorted({s * t for s in (1, -1) for t in [0.0, 1e-300, 1e-8, 1e-3, 0.1, 0.5, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0, 19.0,
                                                 20.0, 37.0, 40.0, 100.0, 300.0, 354.0, 360.0, 372.0, 380.0, 500.0,
                                                 700.0, *ZEROS, *(np.nextafter(z0, 3) for z0 in ZEROS)]})


def _reference_dps(z: float) -> int:
    return 40 + math.ceil(2 * abs(z) / math.log(10)) + (math.ceil(max(0.0, -math.log10(abs(z)))) if z else 0)


def _reference(name: str, z: float, order: int):
    with mpmath.workdps(_reference_dps(z)):
        return mpmath.diff(SMOOTH_VALUES[name], mpmath.mpf(z), order)


def _functions(name: str):
    """(f, f', …, f⁽⁴⁾) as SymPy expressions in z: an activation's, or softplus's (the logistic loss)."""
    if name == "softplus":
        return tuple(sp.diff(ss.Softplus(z), z, k) for k in range(5))
    return ss.ACTIVATIONS[name].derivative_expressions(4)


def _excess(got, z: float, ref: list, order: int, unit, floor) -> float:
    """|got − f| in units of the allowance C·unit·(|f| + min(|z|,1)|f'| + floor) (≤ 1 passes)."""
    with mpmath.workdps(_reference_dps(z)):
        allowance = C_ROUNDING * unit * (abs(ref[order]) + min(abs(z), 1) * abs(ref[order + 1]) + floor)
        err = abs(mpmath.mpf(got) - ref[order]) - mpmath.mpf(10) ** (20 - _reference_dps(z))
        return float(max(err, 0) / allowance)


def _check_float64(name: str, zs) -> None:
    zs = np.asarray(zs, dtype=float)
    if name == "softplus":
        fn = sp.lambdify([z], list(_functions(name)), modules=[NUMPY_FUNCTIONS, "numpy"])
        vals = [np.broadcast_to(np.asarray(v, dtype=float), zs.shape) for v in fn(zs)]
    else:
        vals = ss.ACTIVATIONS[name].numpy_derivatives(4)(zs)
    for i, zi in enumerate(zs):
        ref = [_reference(name, float(zi), k) for k in range(6)]
        for k in range(5):
            assert np.isfinite(vals[k][i]), (name, zi, k)
            excess = _excess(vals[k][i], float(zi), ref, k, U, TINY)
            assert excess <= 1, f"{name}^({k})({zi!r}) = {vals[k][i]!r}, mpmath {mpmath.nstr(ref[k], 17)}: {excess:.3g}× the allowance"


@pytest.mark.slow
@pytest.mark.parametrize("name", ["sigmoid", "tanh", "identity", "softplus"])
def test_float64_derivatives_keep_relative_precision_up_to_700(name):
    _check_float64(name, GRID)


@pytest.mark.slow
@settings(max_examples=25, deadline=None, derandomize=True)
@given(st.sampled_from(["sigmoid", "tanh", "softplus"]), st.floats(-700, 700, allow_nan=False))
def test_float64_derivatives_at_random_points(name, zi):
    _check_float64(name, [zi])


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "softplus"])
def test_mpmath_path_keeps_relative_precision_up_to_700(name):
    """The same symbolic expressions lambdified to mpmath at 50 digits: criterion with u = 10⁻⁵⁰."""
    fn = sp.lambdify([z], list(_functions(name)), modules=[MPMATH_FUNCTIONS, "mpmath"])
    for zi in GRID[::3]:
        ref = [_reference(name, zi, k) for k in range(6)]
        with mpmath.workdps(50):
            vals = fn(mpmath.mpf(zi))
        for k in range(5):
            assert _excess(vals[k], zi, ref, k, mpmath.mpf(10) ** -50, 0) <= 1, (name, zi, k)


@pytest.mark.parametrize("name", ["relu", "leaky_relu", "squared_relu"])
def test_relu_family_derivatives_are_exact_at_every_scale(name):
    """Piecewise polynomials: every float64 derivative equals the closed form of its piece exactly
    (kink convention at 0: the left piece, Step(0) = 0)."""
    alpha = 0.01
    pieces = {"relu": (lambda t: [t, 1, 0, 0, 0], lambda t: [0, 0, 0, 0, 0]),
              "leaky_relu": (lambda t: [t, 1, 0, 0, 0], lambda t: [alpha * t, alpha, 0, 0, 0]),
              "squared_relu": (lambda t: [t * t, 2 * t, 2, 0, 0], lambda t: [0, 0, 0, 0, 0])}[name]
    zs = np.array(GRID)
    vals = ss.ACTIVATIONS[name].numpy_derivatives(4)(zs)
    for i, zi in enumerate(zs):
        expected = pieces[0](zi) if zi > 0 else pieces[1](zi)
        assert [float(v[i]) for v in vals] == pytest.approx(expected, rel=1e-15, abs=0), (name, zi)


def test_the_criterion_rejects_the_unstable_forms():
    """The forms the stable ones replace fail the criterion by orders of magnitude: 1 − tanh² at
    z = 20 (it gives 0), σ(1 − σ) at z = 40, and σ(1 − σ)(1 − 2σ) for σ'' near its zero z = 0."""
    sig = NUMPY_FUNCTIONS["Sigmoid"]
    ref_t = [_reference("tanh", 20.0, k) for k in range(3)]
    assert _excess(1 - np.tanh(20.0) ** 2, 20.0, ref_t, 1, U, TINY) > 1e10
    ref_s = [_reference("sigmoid", 40.0, k) for k in range(3)]
    s40 = sig(40.0)
    assert _excess(s40 * (1 - s40), 40.0, ref_s, 1, U, TINY) > 1e10
    ref_0 = [_reference("sigmoid", 1e-8, k) for k in range(4)]
    s0 = sig(1e-8)
    assert _excess(s0 * (1 - s0) * (1 - 2 * s0), 1e-8, ref_0, 2, U, TINY) > 1e5
    assert _excess(float(ss.ACTIVATIONS["sigmoid"].numpy_derivatives(2)(np.array(1e-8))[2]), 1e-8, ref_0, 2, U, TINY) <= 1


def test_numpy_and_mpmath_map_every_custom_function():
    """Every custom function in any activation or loss derivative has a NumPy and an mpmath version."""
    from symsaddle._derivatives import SampleDerivatives
    names = set()
    for act in ss.ACTIVATIONS.values():
        for e in act.derivative_expressions(4):
            names |= {type(f).__name__ for f in e.atoms(sp.Function)}
    for loss in ss.LOSSES.values():
        sd = SampleDerivatives(ss.models.two_layer(1, 1, "sigmoid"), loss)
        for e in [sd.sample_loss, *sd.loss_first, *sd.loss_second, sd.loss_line_composition(4)[1]]:
            names |= {type(f).__name__ for f in e.atoms(sp.Function)}
    assert names == {"Step", "Sigmoid", "Sech", "Tanh", "Softplus"}
    assert names <= set(NUMPY_FUNCTIONS) and names <= set(MPMATH_FUNCTIONS)
