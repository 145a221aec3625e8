"""Continuous symmetries of the models (symsaddle._symmetries) and the Morse–Bott check by symmetry orbit.

Independent sources: the network function's exact parameter Jacobian (SymPy, rational arithmetic) must
annihilate every orbit tangent (infinitesimal invariance); the orbit dimension at a generic θ is the
dimension of the group where it acts freely (d² per linear hidden layer of width d no larger than
its neighbours — X W_l = 0 forces X = 0 when W_l has full row rank — or with biases; one rescaling
per homogeneous unit); and the symmetry verdict must equal the numerical corrector's, which
shares no code with it.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import symsaddle as ss
from symsaddle import models
from symsaddle._certificates import ManifoldStatus, orbit_check
from symsaddle._symmetries import LinearSymmetry
from symsaddle.critical import Criterion, Kind, ManifoldMethod, classify, polish

FAMILIES = [  # (model, orbit dimension at a generic θ: the dimension of the group)
    (models.deep_linear([3, 2, 4]), 4),
    (models.deep_linear([3, 2, 2, 3]), 8),
    (models.deep_linear([3, 2, 2], convention="row"), 4),
    (models.mlp([2, 3, 2], "identity"), 9),
    (models.mlp([2, 3, 2], "relu"), 3),
    (models.mlp([2, 3, 2, 1], "leaky_relu", bias=False), 5),
    (models.two_layer(2, 3, "squared_relu", d_out=2), 3),
    (models.two_layer(2, 3, "relu"), 3),
    (models.two_layer(2, 3, "tanh", bias=True), 0),
    (models.two_layer(2, 2, "relu", output_weights=[1.0, -1.0]), 0),
    (models.diagonal_linear(3), 3),
]


def _dyadic(rng, size):
    """Random non-zero multiples of 1/8: exact in binary, so the float tangents are exact rationals."""
    v = rng.integers(1, 17, size=size) * rng.choice([-1, 1], size=size)
    return v / 8.0


@pytest.mark.parametrize("model, dimension", FAMILIES, ids=lambda v: getattr(v, "name", str(v)))
def test_orbit_tangents_leave_every_output_unchanged(model, dimension):
    """J_f(θ, x)·ξ_gθ = 0 exactly (SymPy, rational θ and x), and rank T = dim of the group."""
    rng = np.random.default_rng(model.n_parameters)
    theta = _dyadic(rng, model.n_parameters)
    T = model.orbit_tangents(theta)
    assert T.shape == (model.n_parameters, T.shape[1])
    assert np.linalg.matrix_rank(T) == dimension
    if not dimension:
        return
    J = sp.Matrix(model.outputs).jacobian(model.parameters)
    at = {p: sp.Rational(v) for p, v in zip(model.parameters, theta)}
    for x in _dyadic(rng, (2, model.d_in)):
        Jx = J.xreplace({**at, **{s: sp.Rational(v) for s, v in zip(model.inputs, x)}})
        Jx = Jx.applyfunc(lambda e: e.doit())                  # DiracDelta at non-zero arguments → 0
        assert Jx * sp.Matrix(T.shape[0], T.shape[1], [sp.Rational(v) for v in T.ravel()]) == \
            sp.zeros(Jx.rows, T.shape[1])


def test_a_wrong_generator_is_caught_by_the_jacobian_test():
    """Negative control for the test above: scaling a ReLU unit's outgoing weight by c⁻² (the squared
    ReLU's degree) is not a symmetry of a ReLU net, and J_f·t ≠ 0 shows it."""
    model = models.two_layer(1, 1, "relu")                            # f = a·relu(w x); θ = (w, a)
    wrong = LinearSymmetry.from_generators(2, [((0, 0, 1.0), (1, 1, -2.0))])
    theta = np.array([0.5, 1.5])
    t = wrong.tangents(theta)[:, 0]
    J = sp.Matrix(model.outputs).jacobian(model.parameters).xreplace(
        {**dict(zip(model.parameters, map(sp.Rational, theta))), model.inputs[0]: 1}).applyfunc(lambda e: e.doit())
    assert (J * sp.Matrix(list(map(sp.Rational, t))))[0] != 0
    right = model.orbit_tangents(theta)[:, 0]
    assert (J * sp.Matrix(list(map(sp.Rational, right))))[0] == 0


def test_generators_are_validated():
    with pytest.raises(ValueError, match="index parameters"):
        LinearSymmetry.from_generators(2, [((0, 2, 1.0),)])
    with pytest.raises(ValueError, match="twice"):
        LinearSymmetry.from_generators(2, [((0, 0, 1.0), (0, 1, 1.0))])
    with pytest.raises(ValueError, match="read from its layers"):
        m = models.two_layer(1, 1, "relu")
        models.Model("x", m.blocks, m.inputs, layers=m.layers, symmetries=[((0, 0, 1.0),)])


# --------------------------------------------------------------------------- orbit_check as a theorem

def _spectrum(lam, rng):
    Q = np.linalg.qr(rng.normal(size=(len(lam), len(lam))))[0]
    return np.asarray(lam, dtype=float), Q


@given(c=st.floats(1e-12, 1e12), s=st.floats(1e-12, 1e12), seed=st.integers(0, 2**16))
@settings(max_examples=40, deadline=None)
def test_orbit_check_verdicts_are_unit_free(c, s, seed):
    """H = Q diag(λ)Qᵀ with k = 2 zero eigenvalues. Tangents spanning N: verified; spanning one
    direction of N only, or tilted into R by 1e-3: not. The same under L → cL (λ → cs²λ) and
    θ → θ/s (T → T/s)."""
    rng = np.random.default_rng(seed)
    lam, Q = _spectrum([0.0, 0.0, 1.0, 2.0, 5.0], rng)
    zero = lam == 0
    tol = ss.Tolerances()
    N, R = Q[:, zero], Q[:, ~zero]
    spanning = N @ rng.normal(size=(2, 3))
    half = np.outer(N[:, 0], rng.normal(size=3))
    tilted = spanning + 1e-3 * R @ rng.normal(size=(3, 3))
    for T, expected in ((spanning, ManifoldStatus.VERIFIED), (half, ManifoldStatus.SKIPPED),
                        (tilted, ManifoldStatus.SKIPPED)):
        for scale_l, scale_t in ((1.0, 1.0), (c * s * s, 1.0 / s)):
            L_lam = scale_l * lam
            check = orbit_check(scale_t * T, L_lam, Q, zero, tol.eigenvalue * np.max(np.abs(L_lam)), tol)
            assert check.status is expected, check.reason
            assert check.method is ManifoldMethod.ORBIT


# --------------------------------------------------------------------------- classify: orbit vs corrector

def _realisable(model, seed, n=30):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, model.d_in))
    teacher = rng.normal(size=model.n_parameters)
    return X, model.evaluate(teacher, X), teacher


@given(widths=st.sampled_from([(2, 1, 2), (3, 2, 3), (3, 3, 3), (2, 2, 2, 2), (4, 2, 3)]),
       label_scale=st.floats(1e-12, 1e12), input_scale=st.floats(1e-12, 1e12), seed=st.integers(0, 2**16))
@settings(max_examples=12, deadline=None)
def test_deep_linear_minima_orbit_and_corrector_agree(widths, label_scale, input_scale, seed):
    """Deep linear global minima with noisy labels (the best product of rank min(widths) is unique, the
    minimisers form one GL orbit): the orbit certifies a Morse–Bott minimiser with nullity = dim of the
    group, the numerical check (symmetry=False) independently the same, at every scale of the labels
    (units of L) and of the inputs (units of θ)."""
    from symsaddle.deep_linear import SufficientStatistics, balanced_factorisation, objective, to_theta
    rng = np.random.default_rng(seed)
    X = input_scale * rng.normal(size=(40, widths[0]))
    Y = label_scale * (X / input_scale @ rng.normal(size=(widths[0], widths[-1]))
                       + 0.3 * rng.normal(size=(40, widths[-1])))
    stats = SufficientStatistics.from_samples(X, Y)
    kernel = objective(stats, widths).compile()
    r = min(widths)
    theta = to_theta(balanced_factorisation(stats, tuple(range(r)), widths))
    by_orbit, by_corrector = classify(kernel, theta), classify(kernel, theta, symmetry=False)
    assert by_orbit.nullity == sum(w * w for w in widths[1:-1]), by_orbit.reason
    for c, method in ((by_orbit, ManifoldMethod.ORBIT), (by_corrector, ManifoldMethod.CORRECTOR)):
        assert (c.kind, c.decided_by, c.isolated) == (Kind.MINIMISER, Criterion.MANIFOLD, False), c.reason
        assert c.higher_order.manifold.method is method


@pytest.mark.parametrize("model", [models.two_layer(2, 2, "relu"), models.diagonal_linear(2)], ids=lambda m: m.name)
def test_homogeneous_and_diagonal_minima_orbit_and_corrector_agree(model):
    """A realisable teacher's parameters are a global minimum (L = 0) whose minimiser set near θ is the
    rescaling orbit (one dimension per ReLU unit / per coordinate u_i v_i of the diagonal net): without a
    declared lower bound, the orbit and the numerical check both certify a Morse–Bott minimiser."""
    X, y, teacher = _realisable(model, seed=3)
    kernel = ss.Objective(model, X, y).compile()
    by_orbit, by_corrector = classify(kernel, teacher), classify(kernel, teacher, symmetry=False)
    assert by_orbit.nullity == model.orbit_tangents(teacher).shape[1]
    for c, method in ((by_orbit, ManifoldMethod.ORBIT), (by_corrector, ManifoldMethod.CORRECTOR)):
        assert (c.kind, c.decided_by) == (Kind.MINIMISER, Criterion.MANIFOLD), c.reason
        assert c.higher_order.manifold.method is method


def test_an_orbit_smaller_than_the_null_space_leaves_the_verdict_to_the_higher_order_tests():
    """The thin rank-1 critical point of a 6-3-4-5 deep linear net has nullity 40 > dim GL(3) × GL(4)
    = 25: the orbit cannot span N, and the cubic test finds the non-strict saddle (seed 001 §3.10)."""
    from symsaddle.deep_linear import SufficientStatistics, balanced_factorisation, objective, to_theta
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 6))
    Y = X @ rng.normal(size=(6, 5)) + 0.1 * rng.normal(size=(200, 5))
    stats = SufficientStatistics.from_samples(X, Y)
    kernel = objective(stats, (6, 3, 4, 5)).compile()
    c = classify(kernel, to_theta(balanced_factorisation(stats, (0,), (6, 3, 4, 5))))
    assert (c.kind, c.decided_by, c.nullity) == (Kind.NON_STRICT_SADDLE, Criterion.CUBIC, 40), c.reason


def test_tanh_has_no_orbit_and_the_corrector_certifies_the_si_line():
    """Smooth non-homogeneous activations have no continuous symmetry: the SI line minimum of a
    width-2 tanh net (test_certificates) is certified by the numerical check."""
    X = np.linspace(-2.0, 2.0, 21)[:, None]
    y = np.tanh(1.5 * X[:, 0]) - 0.8 * np.tanh(-0.4 * X[:, 0])
    one = ss.Objective(models.two_layer(1, 1, "tanh"), X, y).compile()
    w, a = polish(one, np.array([1.0, 1.0])).theta
    two = ss.Objective(models.two_layer(1, 2, "tanh"), X, y).compile()
    assert ss.orbit_tangents(two, np.array([w, w, a, 0.0])).shape == (4, 0)
