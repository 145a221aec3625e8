"""Property-based cross-checks on random models of every family (issue 2, item 6)."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import symsaddle as ss
from symsaddle import models
from symsaddle.check import cross_check


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


@settings(max_examples=30, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(random_objectives())
def test_cross_check_every_family(case):
    obj, points, seed = case
    report = cross_check(obj, points, seed=seed)
    assert report.passed
    methods = {c.method for c in report.comparisons}
    assert methods == {"numpy kernel", "mpmath", "finite differences", "mpmath line derivative"}
    quantities = {c.quantity for c in report.comparisons}
    assert {"value", "gradient", "hessian", "D^3 L[u]", "D^4 L[u]"} <= quantities


def test_a_wrong_kernel_is_caught(monkeypatch, rng):
    obj = ss.Objective(models.two_layer(2, 2, "tanh"), rng.normal(size=(3, 2)), rng.normal(size=3))
    kernel_class = type(obj.compile())          # the kernel cross_check compiles (structured here)
    original = kernel_class.hessian
    monkeypatch.setattr(kernel_class, "hessian", lambda self, th: original(self, th) * (1 + 1e-7))
    with pytest.raises(ss.CrossCheckError, match="hessian"):
        cross_check(obj, rng.normal(size=(1, obj.model.n_parameters)))


def test_report_is_a_table_and_json(rng):
    obj = ss.Objective(models.diagonal_linear(2), rng.normal(size=(3, 2)), rng.normal(size=3))
    report = cross_check(obj, rng.normal(size=(2, 4)), orders=(3,))
    assert report.reference == "exact rational arithmetic"
    assert "| hessian | numpy kernel |" in report.table()
    assert '"passed": true' in report.to_json()


def test_relu_kink_crossing_stencils_are_skipped_not_failed():
    m = models.two_layer(1, 1, "relu")          # f = a·relu(w x)
    obj = ss.Objective(m, np.array([[1.0]]), np.array([0.5]))
    report = cross_check(obj, np.array([[1e-9, 1.0]]), orders=(3,))   # w x = 1e-9: FD stencil crosses the kink
    skipped = {(c.quantity, c.method): c.skipped_points for c in report.comparisons}
    assert skipped[("gradient", "finite differences")] == 1
    assert report.passed


def test_bad_points_shape(rng):
    obj = ss.Objective(models.diagonal_linear(2), rng.normal(size=(3, 2)), rng.normal(size=3))
    with pytest.raises(ss.ShapeError):
        cross_check(obj, np.zeros((1, 3)))
