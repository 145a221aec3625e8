"""Seed 003 §6.2: the teacher–student problem, its global minima up to symmetries, symmetry-induced
points (inertia from Fukumizu–Amari / Thm. 3 with U = 0), escaping sequences, and the optimisers."""


import numpy as np
import pytest
import scipy.special
from hypothesis import given, settings, strategies as st

from symsaddle.critical import classify, polish
from symsaddle.datasets import SEED003_TEACHER_A, SEED003_TEACHER_W, seed003_grid
from symsaddle.errors import ShapeError, SymsaddleError
from symsaddle.symmetry.channels import derivative_pair_limit
from symsaddle.symmetry.endpoints import (EndpointKind, analyse_endpoint, expand_neuron,
                                          duplicated_pairs, escape_evidence, match_teacher, merge_pair,
                                          si_structure)
from symsaddle.symmetry.escape import Verdict, eigenvalue_error_band, null_direction_test
from symsaddle.symmetry.errors import NotCriticalError
from symsaddle.symmetry.teacher_student import (TeacherShapeError, TeacherStudentProblem, WidthBelowTeacherError,
                                                xavier_initialisation)
from symsaddle.symmetry.tolerances import EndpointTolerances
from symsaddle.symmetry.training import (BatchRun, RunStatus, adam, slsqp_polish, trust_region_newton,
                                         trust_region_subproblem)

P5 = TeacherStudentProblem.seed003(5)
V, B = SEED003_TEACHER_W, SEED003_TEACHER_A


def sigmoid(z):
    return scipy.special.expit(z)


# ---- the problem --------------------------------------------------------------------------------

def test_grid_and_labels_match_the_thesis():
    X = P5.X
    assert X.shape == (1681, 2) and set(np.unique(4 * X[:, 0])) == set(range(-20, 21))
    # y = σ(0.6x₁ + 0.5x₂) − σ(−0.5x₁ + 0.5x₂) + σ(−0.2x₁ − 0.6x₂) − σ(0.1x₁ − 0.6x₂)   (§6.2)
    x1, x2 = X[:, 0], X[:, 1]
    y = sigmoid(0.6 * x1 + 0.5 * x2) - sigmoid(-0.5 * x1 + 0.5 * x2) + sigmoid(-0.2 * x1 - 0.6 * x2) \
        - sigmoid(0.1 * x1 - 0.6 * x2)
    np.testing.assert_allclose(P5.y, y, atol=1e-15)
    np.testing.assert_allclose(P5.y, seed003_grid()[1], atol=1e-15)


def test_loss_is_the_thesis_mse():
    theta = xavier_initialisation(P5, 3)
    W, a = P5.unpack(theta)
    f = sigmoid(P5.X @ W.T) @ a
    assert P5.kernel.value(theta) == pytest.approx(np.mean((f - P5.y) ** 2), rel=1e-13)


def test_teacher_is_a_global_minimum_with_loss_exactly_zero():
    p4 = P5.with_width(4)
    theta = p4.teacher_theta()
    assert p4.kernel.value(theta) == 0.0
    assert np.linalg.norm(p4.kernel.gradient(theta)) < 1e-15
    point = analyse_endpoint(p4, theta)
    assert point.kind is EndpointKind.GLOBAL and point.teacher_match.matched


def _width5(W_rows, a_vals):
    return P5.pack(np.asarray(W_rows, float), np.asarray(a_vals, float))


@pytest.mark.parametrize("name, W, a, labels", [
    ("zero-type neuron", [*V, [0.3, -0.7]], [*B, 0.0],
     [("teacher", 0, 1), ("teacher", 1, 1), ("teacher", 2, 1), ("teacher", 3, 1), ("zero",)]),
    ("duplicated neuron", [*V, V[2]], [*B[:2], 0.25, B[3], 0.75],
     [("teacher", 0, 1), ("teacher", 1, 1), ("teacher", 2, 1), ("teacher", 3, 1), ("teacher", 2, 1)]),
    # §6.2.2: flip two neurons with outgoing +1 and −1: σ(−z) = 1 − σ(z), the constants cancel
    ("flipped pair", [-V[0], -V[1], V[2], V[3], [1.0, 1.0]], [-1.0, 1.0, 1.0, -1.0, 0.0],
     [("teacher", 0, -1), ("teacher", 1, -1), ("teacher", 2, 1), ("teacher", 3, 1), ("zero",)]),
    # one flipped neuron; its constant −1 cancelled by a neuron with w = 0: 2σ(0) = 1
    ("flip + constant neuron", [-V[0], V[1], V[2], V[3], [0.0, 0.0]], [-1.0, *B[1:], 2.0],
     [("teacher", 0, -1), ("teacher", 1, 1), ("teacher", 2, 1), ("teacher", 3, 1), ("constant",)]),
])
def test_global_minima_up_to_symmetries(name, W, a, labels):
    theta = _width5(W, a)
    assert P5.kernel.value(theta) < 1e-30                         # the same function, in closed form
    m = match_teacher(P5, theta)
    assert m.matched, m.reason
    assert [tuple(lb) for lb in m.labels] == labels
    assert analyse_endpoint(P5, theta).kind is EndpointKind.GLOBAL


def test_a_non_teacher_function_is_not_matched():
    theta = _width5([*V, V[0]], [*B, 0.1])                     # outgoing sum 1.1 ≠ 1
    m = match_teacher(P5, theta)
    assert not m.matched and m.function_error == pytest.approx(0.1 * np.max(sigmoid(P5.X @ V[0])), rel=1e-12)


@settings(max_examples=10, deadline=None)
@given(perm=st.permutations(range(5)), scale=st.floats(0.05, 20.0))
def test_teacher_match_is_invariant_under_permutations_and_input_units(perm, scale):
    # permuting neurons, and measuring x in other units (x → x/s, w → s·w), change nothing
    W = np.array([-V[0], -V[1], V[2], V[3], [0.0, 0.0]])[list(perm)]
    a = np.array([-1.0, 1.0, 1.0, -1.0, 0.0])[list(perm)]
    problem = TeacherStudentProblem(scale * V, B, 5, P5.X / scale)
    m = match_teacher(problem, problem.pack(scale * W, a))
    assert m.matched
    assert sorted(tuple(lb) for lb in m.labels) == sorted([("teacher", 0, -1), ("teacher", 1, -1), ("teacher", 2, 1),
                                                          ("teacher", 3, 1), ("zero",)])
    assert duplicated_pairs(scale * W) == []


def test_bad_input_errors():
    X = P5.X
    with pytest.raises(TeacherShapeError, match="d_in"):
        TeacherStudentProblem(np.ones((4, 3)), B, 5, X)
    with pytest.raises(TeacherShapeError, match="outgoing"):
        TeacherStudentProblem(V, np.ones(3), 5, X)
    with pytest.raises(WidthBelowTeacherError, match="width 3"):
        match_teacher(P5.with_width(3), np.zeros(9))
    assert issubclass(TeacherShapeError, ShapeError) and issubclass(TeacherShapeError, SymsaddleError)
    assert issubclass(WidthBelowTeacherError, SymsaddleError)


def test_xavier_initialisation():
    a = xavier_initialisation(P5, 7, seed=3)
    np.testing.assert_array_equal(a, xavier_initialisation(P5, 7, seed=3))
    assert not np.array_equal(a, xavier_initialisation(P5, 8, seed=3))
    draws = np.stack([xavier_initialisation(P5, i) for i in range(4000)])
    W, out = P5.unpack(draws)
    b1, b2 = np.sqrt(6 / (2 + 5)), np.sqrt(6 / (5 + 1))           # Glorot uniform bounds
    assert np.all(np.abs(W) <= b1) and np.all(np.abs(out) <= b2)
    # Var U(−b, b) = b²/3; the sample variance of 40 000 (20 000) draws is within 3 % (5 σ)
    assert np.var(W) == pytest.approx(b1**2 / 3, rel=0.03)
    assert np.var(out) == pytest.approx(b2**2 / 3, rel=0.03)
    Wn, _ = P5.unpack(np.stack([xavier_initialisation(P5, i, variant="normal") for i in range(4000)]))
    assert np.var(Wn) == pytest.approx(2 / 7, rel=0.03)


# ---- a symmetry-induced point whose inertia follows from the theory ------------------------------

@pytest.fixture(scope="module")
def width3_minimum():
    """A strict local minimum of the width-3 student (init 5 of seed 0, optimised and polished)."""
    p3 = P5.with_width(3)
    run = trust_region_newton(p3.kernel, xavier_initialisation(p3, 5)[None, :], max_iterations=300)
    res = polish(p3.kernel, run.theta[0])
    assert res.converged and classify(p3.kernel, res.theta).kind.value == "minimiser"   # precondition
    return p3, res.theta


def _Y(problem, theta, j):
    """Y = Σ_i σ''(w_j·x_i) a_j (f(x_i) − y_i) x_i x_iᵀ (a positive multiple of Thm. 3's Y for the MSE)."""
    W, a = problem.unpack(theta)
    s = sigmoid(problem.X @ W[j])
    s2 = s * (1 - s) * (1 - 2 * s)
    r = sigmoid(problem.X @ W.T) @ a - problem.y
    return np.einsum("i,ij,ik->jk", s2 * a[j] * r, problem.X, problem.X)


@pytest.mark.parametrize("j", [0, 1, 2])
@pytest.mark.parametrize("mu", [0.3, 0.5, 1.6, -0.4])
def test_si_point_inertia_follows_from_the_theory(width3_minimum, j, mu):
    p3, theta3 = width3_minimum
    p4 = p3.with_width(4)
    theta4 = expand_neuron(p4, theta3, j, mu, (j, 3))
    np.testing.assert_allclose(p4.outputs(theta4), p3.outputs(theta3), atol=1e-15)
    # U = 0 (d_out = 1 at a critical point): In H = In H₃ + In diag(μ(1−μ)Y, 0)
    y_eigs = np.linalg.eigvalsh(mu * (1 - mu) * _Y(p3, theta3, j))
    assert np.all(np.abs(y_eigs) > 1e-6 * np.max(np.abs(y_eigs)))        # Y nonsingular here
    neg, pos = int(np.sum(y_eigs < 0)), int(np.sum(y_eigs > 0))
    H = p4.kernel.hessian(theta4)
    lam = np.linalg.eigvalsh(0.5 * (H + H.T))
    band = eigenvalue_error_band(p4.kernel, theta4)
    measured = (int(np.sum(lam > band)), int(np.sum(lam < -band)), int(np.sum(np.abs(lam) <= band)))
    assert measured == (9 + pos, neg, 1)
    point = analyse_endpoint(p4, theta4)
    assert point.kind is (EndpointKind.SI_MINIMUM if neg == 0 else EndpointKind.SI_SADDLE), point.detail
    assert point.si.neurons == (j, 3) and point.si.mu == pytest.approx(mu, rel=1e-12)
    np.testing.assert_allclose(point.si.reduced_theta, theta3, atol=1e-12)
    assert point.duplicated == ((j, 3),)


def test_merge_and_duplicate_are_inverse(width3_minimum):
    p3, theta3 = width3_minimum
    p4 = p3.with_width(4)
    theta4 = expand_neuron(p4, theta3, 1, 0.2, (0, 2))
    back, pos, mu = merge_pair(p4, theta4, 0, 2)
    assert pos == 0 and mu == pytest.approx(0.2)
    np.testing.assert_allclose(p3.outputs(back), p3.outputs(theta3), atol=1e-15)


def test_a_point_that_is_not_critical_gets_no_si_verdict(width3_minimum):
    p3, theta3 = width3_minimum
    p4 = p3.with_width(4)
    theta4 = expand_neuron(p4, theta3, 0, 0.3, (0, 3))
    W, a = p4.unpack(theta4)
    a = a.copy()
    a[1] += 0.05                                  # keeps the duplicated pair, breaks criticality
    point = analyse_endpoint(p4, p4.pack(W, a))
    assert point.kind is EndpointKind.NOT_CONVERGED and point.si is None
    assert point.gradient_norm > point.gradient_tolerance
    with pytest.raises(NotCriticalError, match="not a critical point"):
        si_structure(p4, p4.pack(W, a))


# ---- escaping to infinity -------------------------------------------------------------------------

def _run_from_sequence(problem, thetas) -> BatchRun:
    thetas = np.asarray(thetas)
    L = problem.kernel.value(thetas)
    norms = np.linalg.norm(thetas, axis=1)
    return BatchRun(thetas[-1:], L[-1:], np.zeros(1), (RunStatus.MAX_ITERATIONS,), np.array([len(thetas) - 1]),
                    np.arange(len(thetas)), L[:, None], norms[:, None], np.array([0]), thetas[None, :1], "sequence")


def _channel(problem, base, s, c):
    """The derivative-pair channel: a₀,₁ = ā ± s, w₀,₁ = w̄ ± c/(2s) (neurons 0, 1 of ``base``)."""
    W, a = problem.unpack(base)
    W, a = W.copy(), a.copy()
    wbar, abar = W[0].copy(), a[0]
    W[0], W[1] = wbar + c / (2 * s), wbar - c / (2 * s)
    a[0], a[1] = abar + s, abar - s
    return problem.pack(W, a)


@pytest.fixture(scope="module")
def channel_setup(width3_minimum):
    """Width-5 base: the width-3 minimum's neurons plus a pair at a new w̄ with ā = 0 (the same function);
    the channel direction c is the least-squares fit of the residual by (c·x)σ'(w̄·x). (At an existing
    neuron of a critical point that fit is 0: criticality makes the residual orthogonal to it, U = 0.)"""
    p3, theta3 = width3_minimum
    W3, a3 = p3.unpack(theta3)
    wbar = np.array([-0.3, 1.0])                 # a direction where the GLU limit explains 14 % of the residual
    base = P5.pack(np.vstack([wbar, wbar, W3]), np.concatenate([[0.0, 0.0], a3]))
    s0 = sigmoid(P5.X @ wbar)
    features = P5.X * (s0 * (1 - s0))[:, None]
    r = P5.y - P5.outputs(base)
    c, *_ = np.linalg.lstsq(features, r, rcond=None)
    assert np.sum((r - features @ c) ** 2) < 0.9 * np.sum(r**2)      # the limit fits better: a genuine channel
    return base, c, features


def test_channel_limit_is_a_gated_linear_unit(channel_setup):
    # (ā+s)σ(w̄·x + c·x/2s) + (ā−s)σ(w̄·x − c·x/2s) → 2āσ(w̄·x) + (c·x)σ'(w̄·x), error O(1/s²)
    base, c, features = channel_setup
    f_inf = P5.outputs(base) + features @ c
    errs = [np.max(np.abs(P5.outputs(_channel(P5, base, s, c)) - f_inf)) for s in (10.0, 100.0, 1000.0)]
    assert errs[1] < errs[0] / 50 and errs[2] < errs[1] / 50


def test_constructed_escaping_sequence_is_diverging(channel_setup):
    base, c, features = channel_setup
    seq = [_channel(P5, base, s, c) for s in np.geomspace(20, 2000, 40)]
    L = P5.kernel.value(np.array(seq))
    L_inf = np.mean((P5.outputs(base) + features @ c - P5.y) ** 2)
    assert np.all(np.diff(L) < 0) and L[-1] > L_inf and L[-1] - L_inf < 1e-3 * (L[0] - L_inf)
    ev = escape_evidence(P5, _run_from_sequence(P5, seq), np.array(seq[:1]))[0]
    assert ev.diverging
    assert [r["role"] for r in ev.neurons] == ["derivative pair"] and ev.neurons[0]["neurons"] == [0, 1]
    point = analyse_endpoint(P5, seq[-1], escape=ev)
    assert point.kind is EndpointKind.DIVERGING                  # never a minimum, whatever its gradient
    limit = derivative_pair_limit(P5, seq[-1], (0, 1))
    np.testing.assert_allclose(limit["c_current"], c, rtol=1e-10)        # ((s − (−s))/2)·(c/s), rounded
    assert limit["loss_limit_current_c"] == pytest.approx(L_inf, rel=1e-12)
    assert limit["loss_limit_fitted_c"] == pytest.approx(L_inf, rel=1e-9)


@pytest.mark.slow
def test_higher_order_test_never_calls_a_channel_point_a_minimum(channel_setup):
    base, c, _ = channel_setup          # (slow: derives the third-order tensor of the width-5 model)
    point = _channel(P5, base, 2000.0, c)
    assert null_direction_test(P5.kernel, point).verdict not in (Verdict.STRICT_MINIMUM, Verdict.DEGENERATE_MINIMUM)


def test_walking_a_flat_si_line_is_not_escaping(width3_minimum):
    # along the SI line the norm grows without bound but the loss is constant: not escaping
    p3, theta3 = width3_minimum
    p4 = p3.with_width(4)
    seq = [expand_neuron(p4, theta3, 0, mu, (0, 3)) for mu in np.linspace(0.5, 40, 30)]
    ev = escape_evidence(p4, _run_from_sequence(p4, seq), np.array(seq[:1]))[0]
    assert ev.norm_growth > 5 and not ev.diverging


@pytest.mark.parametrize("index, iterations", [(0, 3), (3, 3), (3, 10)])
def test_an_under_trained_point_is_not_escaping(index, iterations):
    # inits 0 and 3 of seed 0 reach the teacher (L → 0 at finite weights) when Newton runs on: stopped
    # after a few iterations they are under-trained — not converged, never "escaping to infinity"
    theta0 = xavier_initialisation(P5, index)[None, :]
    run = trust_region_newton(P5.kernel, theta0, max_iterations=iterations)
    cont = trust_region_newton(P5.kernel, run.theta, max_iterations=100, stop_on_convergence=False)
    ev = escape_evidence(P5, cont, run.theta)[0]
    assert ev.norm_growth > 1.02 and ev.relative_loss_decrease > 0.5      # it grows and falls: a candidate
    assert not ev.diverging
    onward = trust_region_newton(P5.kernel, run.theta, max_iterations=300)
    assert onward.loss[0] <= EndpointTolerances().global_loss * P5.zero_network_loss   # the truth: a global minimum


def test_an_under_trained_end_point_is_not_converged():
    # no polish is attempted this far from criticality (it took 45 s to fail before the snap-reach gate)
    run = trust_region_newton(P5.kernel, xavier_initialisation(P5, 0)[None, :], max_iterations=3)
    cont = trust_region_newton(P5.kernel, run.theta, max_iterations=100, stop_on_convergence=False)
    point = analyse_endpoint(P5, run.theta[0], escape=escape_evidence(P5, cont, run.theta)[0])
    assert point.kind is EndpointKind.NOT_CONVERGED and point.gradient_norm > point.gradient_tolerance
    assert not point.polished


@pytest.mark.parametrize("k", [1e-4, 1e3])
def test_escape_verdict_is_invariant_under_output_units(channel_setup, k):
    # outputs in other units: teacher and student outgoing weights × k, the loss × k²
    base, c, _ = channel_setup
    problem = TeacherStudentProblem(V, k * B, 5, P5.X)
    seq = []
    for s in np.geomspace(20, 2000, 10):
        W, a = P5.unpack(_channel(P5, base, s, c))
        seq.append(problem.pack(W, k * a))
    ev = escape_evidence(problem, _run_from_sequence(problem, seq), np.array(seq[:1]))[0]
    assert ev.diverging and [r["role"] for r in ev.neurons] == ["derivative pair"]


# ---- optimisers -------------------------------------------------------------------------------------

def test_trust_region_subproblem_against_brute_force():
    rng = np.random.default_rng(1)
    for H in (np.diag([2.0, 0.5]), np.diag([1.0, -0.3]), np.array([[0.2, 0.5], [0.5, -1.0]])):
        g = rng.normal(size=2)
        lam, vec = np.linalg.eigh(H)
        for radius in (0.05, 0.7, 5.0):
            s, pred = trust_region_subproblem(g[None], lam[None], vec[None], np.array([radius]))
            phis = np.linspace(0, 2 * np.pi, 4001)
            r = np.linspace(0, radius, 201)
            pts = (r[:, None, None] * np.stack([np.cos(phis), np.sin(phis)], -1)[None]).reshape(-1, 2)
            model = pts @ g + 0.5 * np.einsum("bi,ij,bj->b", pts, H, pts)
            assert np.linalg.norm(s[0]) <= radius * (1 + 1e-9)
            # the grid's spacing (radius·2π/4000 in angle, radius/200 in r) bounds how far above the true
            # minimum the grid minimum can be: ~(‖g‖ + ‖H‖·radius)·radius/200
            slack = (np.linalg.norm(g) + np.max(np.abs(lam)) * radius) * radius / 200
            assert -pred[0] <= model.min() + 1e-12
            assert -pred[0] >= model.min() - slack


def test_trust_region_newton_solves_a_quadratic_and_the_rosenbrock_function():
    import sympy as sp
    import symsaddle as ss

    u, v, z = sp.symbols("u v z", real=True)
    model = ss.models.custom(z * ((1 - u) ** 2 + 100 * (v - u**2) ** 2), [u, v], [z])
    k = ss.Objective(model, np.ones((1, 1)), np.ones(1), loss="linear", normalization="sum").compile()
    run = trust_region_newton(k, np.array([[-1.2, 1.0], [2.0, -1.0]]), max_iterations=200, gradient_tol=1e-10)
    np.testing.assert_allclose(run.theta, np.ones((2, 2)), atol=1e-8)
    assert all(s is RunStatus.CONVERGED for s in run.status)


def test_slsqp_reports_its_iteration_cap():
    """SLSQP stopped by its cap is MAX_ITERATIONS, not "finished": 3 iterations from (−1.2, 1) do not reach
    Rosenbrock's minimiser (1, 1); 2000 do, and SLSQP stops there by its own criterion, below the cap."""
    import sympy as sp
    import symsaddle as ss

    u, v, z = sp.symbols("u v z", real=True)
    model = ss.models.custom(z * ((1 - u) ** 2 + 100 * (v - u**2) ** 2), [u, v], [z])
    k = ss.Objective(model, np.ones((1, 1)), np.ones(1), loss="linear", normalization="sum").compile()
    capped = slsqp_polish(k, np.array([-1.2, 1.0]), max_iterations=3)
    assert capped.status is RunStatus.MAX_ITERATIONS and capped.iterations == 3
    assert np.linalg.norm(capped.theta - 1.0) > 0.1
    done = slsqp_polish(k, np.array([-1.2, 1.0]), max_iterations=2000, ftol=1e-20)
    assert done.status is RunStatus.FINISHED and done.iterations < 2000
    np.testing.assert_allclose(done.theta, [1.0, 1.0], atol=1e-6)


def test_adam_matches_the_recursion_on_a_quadratic():
    import sympy as sp
    import symsaddle as ss

    u, z = sp.symbols("u z", real=True)
    k = ss.Objective(ss.models.custom(z * u**2 / 2, [u], [z]), np.ones((1, 1)), np.ones(1), loss="linear",
                     normalization="sum").compile()
    run = adam(k, np.array([[1.0]]), lr=0.1, epochs=5, record_every=1)
    th, m, v = 1.0, 0.0, 0.0
    for t in range(1, 6):                          # Kingma & Ba, with g = θ
        m, v = 0.9 * m + 0.1 * th, 0.999 * v + 0.001 * th * th
        th -= 0.1 * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
    assert run.theta[0, 0] == pytest.approx(th, rel=1e-14)


def test_endpoint_tolerances_round_trip_through_json():
    """A sweep passes the tolerances as JSON: the core's Tolerances inside must come back as one."""
    import json

    import symsaddle as ss
    from symsaddle.symmetry import EndpointTolerances as exported
    from symsaddle.symmetry.tolerances import EndpointTolerances

    assert exported is EndpointTolerances
    tol = EndpointTolerances(duplicate=1e-6, classification=ss.Tolerances(eigenvalue=1e-10))
    back = EndpointTolerances.from_dict(json.loads(json.dumps(tol.to_dict())))
    assert back == tol and isinstance(back.classification, ss.Tolerances)
    with pytest.raises(ValueError):
        EndpointTolerances.from_dict({"classification": {"gradient": -1.0}})


def test_neuron_distance_figure_counts_on_integer_ticks():
    # two end points in one bin: the count axis ran 0, 0.5, 1, 1.5, 2
    from types import SimpleNamespace

    from symsaddle.symmetry.endpoints import EndpointKind
    from symsaddle.symmetry.figures_teacher import distance_histogram
    points = [SimpleNamespace(min_neuron_distance=d, kind=EndpointKind.LOCAL_MINIMUM) for d in (0.3, 0.3, 0.01)]
    fig = distance_histogram(points)
    fig.canvas.draw()
    ticks = [t for t in fig.axes[0].get_yticks() if fig.axes[0].get_ylim()[0] <= t <= fig.axes[0].get_ylim()[1]]
    assert len(ticks) >= 2 and all(float(t).is_integer() for t in ticks)


def test_neuron_distance_figure_with_no_points_says_so(tmp_path):
    # every end point a global minimum: the figure of the others is empty (it drew bare 0–1 axes whose
    # tick label ran into the title)
    import warnings

    from symsaddle.reports import FigureLayoutWarning, save_figure
    from symsaddle.symmetry.figures_teacher import distance_histogram
    fig = distance_histogram([], title="smallest neuron distance (end points that are not global minima)")
    assert "no end points to show" in [t.get_text() for t in fig.axes[0].texts]
    with warnings.catch_warnings():
        warnings.simplefilter("error", FigureLayoutWarning)
        save_figure(fig, tmp_path, "fig6_7")
