"""The cross-check harness (issue 2, item 6; issue 8, part 4): it passes correct kernels of every
family and catches a kernel with one entry wrong by 10⁻⁶ relative, at every unit of the loss."""

import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import symsaddle as ss
from symsaddle import models
from symsaddle.check import (DEFAULT_LINE_DIRECTIONS, FULL_HESSIAN_MAX_PARAMETERS, CheckStatus, CheckTolerances,
                             _exact_sum_of_products, cross_check, line_directions, magnitude)


@st.composite
def random_objectives(draw):
    family = draw(st.sampled_from(["diagonal", "deep_linear", "two_layer", "mlp", "logistic"]))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    if family == "diagonal":
        m = models.diagonal_linear(draw(st.integers(1, 3)))
    elif family == "deep_linear":
        widths = draw(st.lists(st.integers(1, 2), min_size=3, max_size=4))
        m = models.deep_linear(widths, convention=draw(st.sampled_from(["column", "row"])))
    elif family == "two_layer":
        m = models.two_layer(draw(st.integers(1, 2)), draw(st.integers(1, 2)),
                             draw(st.sampled_from(sorted(ss.ACTIVATIONS))), bias=draw(st.booleans()),
                             d_out=draw(st.integers(1, 2)))
    elif family == "mlp":
        m = models.mlp([draw(st.integers(1, 2)), draw(st.integers(1, 2)), 1],
                       draw(st.sampled_from(["tanh", "relu", "squared_relu", "leaky_relu"])),
                       bias=draw(st.booleans()))
    else:
        m = models.two_layer(2, 2, draw(st.sampled_from(["sigmoid", "tanh", "identity"])))
    n = draw(st.integers(1, 4))
    X = rng.normal(size=(n, m.d_in))
    if family == "logistic":
        y, loss = np.sign(rng.normal(size=n)) + 0.0, "logistic"
    else:
        y, loss = rng.normal(size=(n, m.d_out)), "square"
    norm = draw(st.sampled_from(["mean", "sum", 2.0]))
    obj = ss.Objective(m, X, y, loss=loss, normalization=norm)
    points = rng.normal(size=(1, m.n_parameters))
    return obj, points, seed


def _check_every_family(case, hessian="auto"):
    obj, points, seed = case
    report = cross_check(obj, points, seed=seed, hessian=hessian)
    assert report.passed and report.status is CheckStatus.PASSED
    assert {c.method for c in report.comparisons} == {"kernel", "mpmath.diff", "finite differences"}
    second = "H[u_i, u_j]" if hessian == "lines" else "hessian"
    assert {"value", "gradient", second, "D^3 L[u]", "D^4 L[u]"} <= {c.quantity for c in report.comparisons}


@pytest.mark.slow
@settings(max_examples=6, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(random_objectives())
def test_cross_check_passes_every_family(case):
    _check_every_family(case)


@pytest.mark.slow
@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(random_objectives())
def test_cross_check_passes_every_family_many(case):
    _check_every_family(case)


@pytest.mark.slow
@settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(random_objectives())
def test_cross_check_along_lines_passes_every_family(case):
    _check_every_family(case, hessian="lines")


class Mutated:
    """A real kernel with one output perturbed: ``hessian`` entry (p, q) or ``directional`` order k."""

    def __init__(self, kernel, relative, hessian_entry=None, order=None):
        self.kernel, self.relative, self.entry, self.order = kernel, relative, hessian_entry, order
        self.P = kernel.P

    def value(self, theta):
        return self.kernel.value(theta)

    def gradient(self, theta):
        return self.kernel.gradient(theta)

    def hessian(self, theta):
        H = np.array(self.kernel.hessian(theta))
        if self.entry is not None:
            H[(..., *self.entry)] *= 1 + self.relative
        return H

    def directional(self, theta, u, order):
        v = self.kernel.directional(theta, u, order)
        return v * (1 + self.relative) if order == self.order else v


@pytest.fixture(scope="module")
def tanh_objective():
    rng = np.random.default_rng(5)
    obj = ss.Objective(models.two_layer(2, 2, "tanh"), rng.normal(size=(3, 2)), rng.normal(size=3))
    return obj, rng.normal(size=(1, obj.model.n_parameters))


def test_every_hessian_entry_perturbed_by_1e_6_is_caught(tanh_objective):
    obj, point = tanh_objective
    kernel = obj.compile()
    H = kernel.hessian(point[0])
    assert cross_check(obj, point, kernel=kernel, mpmath_diff=False).passed
    for p in range(kernel.P):
        for q in range(kernel.P):
            if H[p, q] == 0:
                continue
            with pytest.raises(ss.CrossCheckError, match=r"hessian \| kernel .* NO \(point 0, entry %d\)" % (p * kernel.P + q)):
                cross_check(obj, point, kernel=Mutated(kernel, 1e-6, hessian_entry=(p, q)), orders=(3,),
                            mpmath_diff=False)


@pytest.mark.parametrize("order", [3, 4])
def test_a_directional_derivative_perturbed_by_1e_6_is_caught(tanh_objective, order):
    obj, point = tanh_objective
    bad = Mutated(obj.compile(), 1e-6, order=order)
    with pytest.raises(ss.CrossCheckError, match=r"D\^%d L\[u\] \| kernel" % order) as info:
        cross_check(obj, point, kernel=bad, mpmath_diff=False)
    failed = {(c.quantity, c.method) for c in info.value.report.failures()}
    assert failed == {(f"D^{order} L[u]", "kernel")}


def test_a_ten_percent_error_in_d3_is_caught_where_the_old_global_scale_passed_it(tanh_objective):
    """The previous harness divided every error by max(|L|, ‖∇L‖, ‖∇²L‖): D³ 10 % too large passed."""
    obj, point = tanh_objective
    report = cross_check(obj, point, kernel=Mutated(obj.compile(), 0.1, order=3), mpmath_diff=False,
                         raise_on_failure=False)
    row = next(c for c in report.comparisons if c.quantity == "D^3 L[u]" and c.method == "kernel")
    assert not row.passed and row.worst_ratio > 1e10
    assert report.status is CheckStatus.FAILED


SIGMOID_NET = models.two_layer(1, 2, "sigmoid")


@settings(max_examples=10, deadline=None, derandomize=True)
@given(st.floats(-12, 12))
def test_verdict_does_not_depend_on_the_unit_of_the_loss(log_c):
    """L → c·L for c in [1e-12, 1e12]: the correct kernel passes, the mutated one fails (its
    Hessian entry, and the finite differences of its Hessian, which see the error too)."""
    rng = np.random.default_rng(11)
    obj = ss.Objective(SIGMOID_NET, rng.normal(size=(3, 1)), rng.normal(size=3), normalization=10.0**log_c)
    point = rng.normal(size=(1, obj.model.n_parameters))
    kernel = obj.compile()
    assert cross_check(obj, point, kernel=kernel, orders=(3,), mpmath_diff=False).passed
    report = cross_check(obj, point, kernel=Mutated(kernel, 1e-6, hessian_entry=(0, 1)), orders=(3,),
                         mpmath_diff=False, raise_on_failure=False)
    failed = {(c.quantity, c.method) for c in report.failures()}
    assert ("hessian", "kernel") in failed
    assert failed <= {("hessian", "kernel"), ("D^3 L[u]", "finite differences")}


@pytest.mark.parametrize("act, z", [("tanh", 20.0), ("sigmoid", 40.0)])
def test_saturated_entries_are_checked_relatively(act, z):
    """At w·x = z the entries involving w are ≈ 1e-17: the harness passes the stable kernel and
    catches one that returns them as 0 (what 1 − tanh² and σ(1 − σ) gave)."""
    obj = ss.Objective(models.two_layer(1, 2, act), np.array([[1.0], [-1.0]]), np.array([-0.5, 1.0]))
    point = np.array([[z, 0.3, 0.7, -1.1]])
    kernel = obj.compile()
    report = cross_check(obj, point, kernel=kernel)
    assert report.passed
    assert abs(kernel.gradient(point[0])[0]) < 1e-16
    with pytest.raises(ss.CrossCheckError, match=r"hessian \| kernel"):
        cross_check(obj, point, kernel=Mutated(kernel, -1.0, hessian_entry=(0, 2)), mpmath_diff=False)


def test_nothing_to_check_is_an_error_not_a_pass(tanh_objective):
    obj, _ = tanh_objective
    with pytest.raises(ss.ShapeError, match="no points"):
        cross_check(obj, np.zeros((0, obj.model.n_parameters)))


def test_report_is_a_table_and_json(rng):
    obj = ss.Objective(models.diagonal_linear(2), rng.normal(size=(3, 2)), rng.normal(size=3))
    report = cross_check(obj, rng.normal(size=(2, 4)), orders=(3,), tolerances=CheckTolerances(fd_safety=8))
    assert report.reference.startswith("SymPy derivatives of the loss expression")
    assert "| hessian | kernel | 32 |" in report.table()          # 2 points × 16 entries
    assert '"status": "passed"' in report.to_json() and '"fd_safety": 8' in report.to_json()


def test_relu_kink_crossing_stencils_are_skipped_not_failed():
    m = models.two_layer(1, 1, "relu")          # f = a·relu(w x)
    obj = ss.Objective(m, np.array([[1.0]]), np.array([0.5]))
    report = cross_check(obj, np.array([[1e-9, 1.0]]), orders=(3,))   # w x = 1e-9: FD stencil crosses the kink
    skipped = {(c.quantity, c.method): c.skipped_points for c in report.comparisons}
    assert skipped[("gradient", "finite differences")] == 1
    assert skipped[("gradient", "mpmath.diff")] == 0
    at_kink = cross_check(obj, np.array([[0.0, 1.0]]), orders=(3,))  # on the kink: only the reference applies
    skipped = {(c.quantity, c.method): c.skipped_points for c in at_kink.comparisons}
    assert skipped[("gradient", "mpmath.diff")] == 1 and at_kink.passed


def test_magnitude_is_the_absolute_value_evaluation():
    a, b, x = sp.symbols("a b x", real=True)
    assert magnitude(a - 2 * b) == sp.Abs(a) + 2 * sp.Abs(b)
    assert magnitude((a - b) ** 2) == (sp.Abs(a) + sp.Abs(b)) ** 2
    assert magnitude(ss.Tanh(a * x)) == sp.Abs(ss.Tanh(a * x)) + ss.Sech(a * x) ** 2 * sp.Abs(a) * sp.Abs(x)


def test_bad_input(rng):
    obj = ss.Objective(models.diagonal_linear(2), rng.normal(size=(3, 2)), rng.normal(size=3))
    with pytest.raises(ss.ShapeError):
        cross_check(obj, np.zeros((1, 3)))
    with pytest.raises(ss.ShapeError, match="kernel has P"):
        cross_check(obj, np.zeros((1, 4)), kernel=ss.Objective(models.diagonal_linear(1), np.ones((2, 1)),
                                                               np.ones(2)).compile())
    with pytest.raises(ValueError, match="orders"):
        cross_check(obj, np.zeros((1, 4)), orders=(5,))
    with pytest.raises(TypeError, match=r"cross_check takes the Objective .* got NumpyKernel; to check a given "
                                        r"kernel pass cross_check\(objective, points, kernel=kernel\)"):
        cross_check(obj.compile(), np.zeros((1, 4)))      # was "'NumpyKernel' object has no attribute 'model'"


# -- the Hessian along lines (P in the hundreds) -----------------------------------------------------------------


LINES_ROW = r"H\[u_i, u_j\] \| kernel .* NO"


@pytest.mark.slow
def test_lines_catch_every_hessian_entry_perturbed_by_1e_6(tanh_objective):
    """With dense directions a wrong H_ab changes every u_iᵀHu_j by ≥ |δH_ab|/(4P): each of the 36
    entries, alone 10⁻⁶ too large, fails the line check (and the unperturbed kernel passes)."""
    obj, point = tanh_objective
    kernel = obj.compile()
    report = cross_check(obj, point, kernel=kernel, mpmath_diff=False, hessian="lines")
    assert report.hessian == "lines" and report.line_directions == DEFAULT_LINE_DIRECTIONS
    for p in range(kernel.P):
        for q in range(kernel.P):
            with pytest.raises(ss.CrossCheckError, match=LINES_ROW):
                cross_check(obj, point, kernel=Mutated(kernel, 1e-6, hessian_entry=(p, q)), orders=(3,),
                            mpmath_diff=False, hessian="lines")


@pytest.mark.slow
def test_lines_catch_a_wrong_entry_of_a_30_parameter_hessian():
    """P = 30 > FULL_HESSIAN_MAX_PARAMETERS: "auto" checks along lines and still sees one entry 10⁻⁶ off
    (here the smallest non-zero entry of the first row and a mid-sized one)."""
    rng = np.random.default_rng(3)
    obj = ss.Objective(models.two_layer(2, 10, "tanh"), rng.normal(size=(4, 2)), rng.normal(size=4))
    assert obj.model.n_parameters == 30 > FULL_HESSIAN_MAX_PARAMETERS
    point = rng.normal(size=(1, 30))
    kernel = obj.compile()
    report = cross_check(obj, point, kernel=kernel, orders=(3,), mpmath_diff=False)
    assert report.hessian == "lines"
    assert ("H[u_i, u_j]", "kernel") in {(c.quantity, c.method) for c in report.comparisons}
    row = np.abs(kernel.hessian(point[0])[0])
    for q in (int(np.argmin(np.where(row > 0, row, np.inf))), int(np.argsort(row)[15])):
        with pytest.raises(ss.CrossCheckError, match=LINES_ROW):
            cross_check(obj, point, kernel=Mutated(kernel, 1e-6, hessian_entry=(0, q)), orders=(3,), mpmath_diff=False)


@pytest.mark.parametrize("make, loss", [
    (lambda: models.two_layer(2, 3, "sigmoid", bias=True), "square"),
    (lambda: models.deep_linear([2, 2, 2, 1]), "square"),
    (lambda: models.mlp([2, 2, 1], "squared_relu"), "square"),
    (lambda: models.two_layer(2, 2, "tanh"), "logistic"),
])
def test_lines_pass_correct_kernels(make, loss):
    m = make()
    rng = np.random.default_rng(8)
    X = rng.normal(size=(3, m.d_in))
    y = np.sign(rng.normal(size=3)) if loss == "logistic" else rng.normal(size=(3, m.d_out))
    obj = ss.Objective(m, X, y, loss=loss)
    report = cross_check(obj, rng.normal(size=(2, m.n_parameters)), hessian="lines", lines=3)
    rows = {(c.quantity, c.method): c for c in report.comparisons}
    assert report.passed and "hessian" not in {c.quantity for c in report.comparisons}
    assert {m for q, m in rows if q == "H[u_i, u_j]"} == {"kernel", "mpmath.diff", "finite differences"}
    assert rows["H[u_i, u_j]", "kernel"].entries == 2 * 6          # 2 points × 3·4/2 pairs


@pytest.mark.slow
def test_the_mode_is_chosen_by_p_and_reported(rng):
    small = ss.Objective(models.diagonal_linear(2), rng.normal(size=(3, 2)), rng.normal(size=3))
    report = cross_check(small, rng.normal(size=(1, 4)), orders=(3,), mpmath_diff=False)
    assert (report.hessian, report.line_directions) == ("full", 0)
    assert report.table().startswith("Hessian: every entry\n")
    d = FULL_HESSIAN_MAX_PARAMETERS // 2 + 1                          # P = 2d > the threshold
    large = ss.Objective(models.diagonal_linear(d), rng.normal(size=(3, d)), rng.normal(size=3))
    report = cross_check(large, rng.normal(size=(1, 2 * d)), orders=(3,), mpmath_diff=False, lines=4)
    assert (report.hessian, report.line_directions) == ("lines", 4)
    assert report.table().startswith("Hessian along lines: u_iᵀ∇²L u_j for 4 fixed unit directions "
                                     "(10 entries per point)\n")
    assert '"hessian": "lines"' in report.to_json() and '"line_directions": 4' in report.to_json()
    forced = cross_check(large, rng.normal(size=(1, 2 * d)), orders=(3,), mpmath_diff=False, hessian="full")
    assert forced.hessian == "full" and "| hessian | kernel | %d |" % (4 * d * d) in forced.table()
    with pytest.raises(ValueError, match="hessian must be one of auto, full, lines"):
        cross_check(small, np.zeros((1, 4)), hessian="diagonal")
    with pytest.raises(ValueError, match="lines .* must be an integer ≥ 1"):
        cross_check(small, np.zeros((1, 4)), hessian="lines", lines=0)


def test_line_directions_are_dense_unit_and_reproducible():
    for P in (1, 7, 250):
        u = line_directions(P, 5, seed=3)
        assert u.shape == (5, P)
        assert np.allclose(np.linalg.norm(u, axis=1), 1.0)
        assert np.abs(u).min() >= 1 / (2 * np.sqrt(P))
        assert np.array_equal(u, line_directions(P, 5, seed=3))
    assert not np.array_equal(line_directions(7, 5, seed=3), line_directions(7, 5, seed=4))


@settings(max_examples=30, deadline=None, derandomize=True)
@given(st.integers(1, 40), st.integers(-200, 200), st.integers(0, 2**31 - 1))
def test_exact_contraction_is_the_correctly_rounded_sum(n, exponent_spread, seed):
    """Σ a·b·c against exact rational arithmetic (fractions), also under heavy cancellation."""
    from fractions import Fraction
    r = np.random.default_rng(seed)
    a, b, c = r.normal(size=(3, n)) * 2.0 ** r.integers(-abs(exponent_spread) - 1, abs(exponent_spread) + 1, (3, n))
    a = np.concatenate([a, -a[:1]])                  # the first product appears with both signs
    b, c = np.concatenate([b, b[:1]]), np.concatenate([c, c[:1]])
    exact = sum(Fraction(x) * Fraction(y) * Fraction(z) for x, y, z in zip(a, b, c))
    assert _exact_sum_of_products(a, b, c) == float(exact)


@pytest.mark.slow
def test_a_250_parameter_network_checks_along_lines():
    """A two-layer tanh network with P = 250 (d_in 9, width 25): "auto" checks the Hessian along the
    default lines, the correct kernel passes, and its largest Hessian entry 10⁻⁶ off fails."""
    rng = np.random.default_rng(0)
    obj = ss.Objective(models.two_layer(9, 25, "tanh"), rng.normal(size=(5, 9)), rng.normal(size=5))
    point = rng.normal(size=(1, 250))
    kernel = obj.compile()
    report = cross_check(obj, point, kernel=kernel)
    assert report.passed and (report.hessian, report.line_directions) == ("lines", DEFAULT_LINE_DIRECTIONS)
    entry = np.unravel_index(np.argmax(np.abs(kernel.hessian(point[0]))), (250, 250))
    with pytest.raises(ss.CrossCheckError, match=LINES_ROW):
        cross_check(obj, point, kernel=Mutated(kernel, 1e-6, hessian_entry=entry), orders=(3,), mpmath_diff=False)


@pytest.mark.slow
def test_peak_array_bytes_is_the_memory_cross_check_holds_at_p_300(monkeypatch):
    """`symsaddle check` names check.peak_array_bytes(P) when it refuses a large P: measured by tracemalloc
    (which sees NumPy's buffers and mpmath's numbers) over a whole cross_check along lines at P = 300, with the
    exact reference replaced by constants (it holds O(P) numbers along lines; its SymPy work would take minutes)
    and a first run filling the kernel's caches. The peak is the 21 P × P arrays within 5 %, for a structured and a
    per-sample kernel."""
    import tracemalloc

    import mpmath

    from symsaddle import check

    one = mpmath.mpf(1)

    class ConstantReference:
        def __init__(self, objective, dps):
            self.P, self.dps, self.rows, self._c = objective.model.n_parameters, dps, [0] * 5, (1, 1)

        def value(self, theta):
            return [one], [one]

        def gradient(self, theta):
            return [one] * self.P, [one] * self.P

        def directional(self, theta, u, order):
            return [one], [one]

        def along_lines(self, theta, lines):
            pairs = len(lines) * (len(lines) + 1) // 2
            return [one] * pairs, [one] * pairs

        def loss_value(self, theta_mp):
            return theta_mp[0]

    monkeypatch.setattr(check, "_Reference", ConstantReference)
    rng = np.random.default_rng(0)
    for model in (models.two_layer(4, 60, "tanh"), models.diagonal_linear(150)):
        P = model.n_parameters
        assert P == 300
        obj = ss.Objective(model, rng.normal(size=(5, model.d_in)), rng.normal(size=(5, model.d_out)))
        kernel, point = obj.compile(), rng.normal(size=(1, P))
        check.cross_check(obj, point, kernel=kernel, raise_on_failure=False, hessian="lines")
        tracemalloc.start()
        try:
            check.cross_check(obj, point, kernel=kernel, raise_on_failure=False, hessian="lines")
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak == pytest.approx(check.peak_array_bytes(P), rel=0.05), (type(kernel).__name__, peak / (8 * P * P))
