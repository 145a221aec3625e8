"""Seed 002: homogeneity check, the NCF and its kernels, bad input (issue 5, items 1–2)."""

import numpy as np
import pytest
import sympy as sp

import symsaddle as ss
from symsaddle import NotHomogeneousError, models
from symsaddle.check import cross_check
from symsaddle.ncf import (NCF, NotSeparableError, ZeroCorrelationError, ZeroDirectionError, check_separable,
                          check_two_homogeneous, deep_relu_two_trainable, find_kkt_points, ncf_at_origin,
                          neuron_groups, origin_correlation)
from symsaddle.ncf.sphere import unit

relu = lambda t: np.maximum(t, 0.0)
FIXED_W2 = np.array([[1.0, -2.0, 0.5], [0.5, 1.0, -1.0], [2.0, 0.0, 1.0]])


def direct_two_layer(theta, X, width):
    W = theta[: 2 * width].reshape(width, 2)
    a = theta[2 * width:]
    return relu(X @ W.T) @ a


def direct_deep(theta, X):
    W1 = theta[:6].reshape(3, 2)
    W3 = theta[6:].reshape(1, 3)
    return (relu(relu(X @ W1.T) @ FIXED_W2.T) @ W3.T)[:, 0]


HOMOGENEOUS = {
    "relu": lambda: models.two_layer(2, 2, "relu"),
    "leaky_relu": lambda: models.two_layer(2, 2, "leaky_relu"),
    "squared_relu_fixed_outer": lambda: models.two_layer(2, 3, "squared_relu", output_weights=[1, -1, 1]),
    "deep_relu_two_trainable": lambda: deep_relu_two_trainable([2, 3, 3, 1], (1, 3), {2: FIXED_W2}),
    "diagonal_linear": lambda: models.diagonal_linear(3),
    "two_layer_relu_with_bias": lambda: models.two_layer(2, 2, "relu", bias=True),
}
NOT_HOMOGENEOUS = {
    "tanh": lambda: models.two_layer(2, 2, "tanh"),
    "sigmoid": lambda: models.two_layer(2, 1, "sigmoid"),
    "squared_relu_trainable_outer": lambda: models.two_layer(2, 2, "squared_relu"),
    "mlp_with_bias": lambda: models.mlp([2, 2, 1], "relu", bias=True),
    "deep_linear_three_layers": lambda: models.deep_linear([2, 2, 2, 1]),
}


@pytest.mark.parametrize("name", sorted(HOMOGENEOUS))
def test_two_homogeneous_models_are_proven(name):
    report = check_two_homogeneous(HOMOGENEOUS[name]())
    assert report.homogeneous, report.reason
    assert report.residual == tuple("0" for _ in report.residual)
    assert report.euler_residual == tuple("0" for _ in report.euler_residual)


@pytest.mark.parametrize("name", sorted(NOT_HOMOGENEOUS))
def test_other_models_are_refused_with_a_verified_witness(name):
    model = NOT_HOMOGENEOUS[name]()
    report = check_two_homogeneous(model)
    assert report.status.value == "not two-homogeneous"
    w = report.witness
    theta = np.array([float(sp.Rational(t)) for t in w["theta"]])
    x = np.array([float(sp.Rational(v)) for v in w["x"]])
    f = sp.lambdify([model.parameters, model.inputs], model.outputs[w["output"]],
                    modules=[{"Step": lambda z: float(z > 0), "Sigmoid": lambda z: 1 / (1 + np.exp(-z)),
                              "Tanh": np.tanh}, "numpy"])
    assert f(2 * theta, x) - 4 * f(theta, x) == pytest.approx(w["residual"], rel=1e-9)
    assert abs(w["residual"]) > 1e-6
    with pytest.raises(NotHomogeneousError, match="not two-homogeneous"):
        ncf_at_origin(model, np.ones((3, model.d_in)), np.ones(3))


def test_two_layer_relu_is_separable_over_neurons_but_deep_linear_is_not():
    m = models.two_layer(2, 3, "relu")
    assert neuron_groups(m) == ((0, 1, 6), (2, 3, 7), (4, 5, 8))
    check_separable(m, neuron_groups(m))
    with pytest.raises(NotSeparableError, match="couples parameters"):
        check_separable(models.deep_linear([2, 2, 1]), [[0, 1, 2, 3], [4, 5]])


@pytest.mark.parametrize("loss, factor", [("square", 1.0), ("logistic", 0.5)])
def test_origin_correlation_is_minus_the_loss_derivative_at_zero(loss, factor):
    y = np.array([1.0, -1.0, 1.0, 1.0])
    if loss == "square":
        ell = lambda f: 0.5 * (f - y) ** 2
    else:
        ell = lambda f: np.log1p(np.exp(-y * f))
    h = 1e-6
    fd = -(ell(h) - ell(-h)) / (2 * h)
    assert np.allclose(origin_correlation(y, loss), fd, atol=1e-9)
    assert np.allclose(origin_correlation(y, loss), factor * y)


def test_ncf_value_gradient_match_a_direct_formula_and_finite_differences(rng):
    X, y = rng.normal(size=(7, 2)), rng.normal(size=7)
    m = models.two_layer(2, 3, "relu")
    ncf = ncf_at_origin(m, X, y)
    U = rng.normal(size=(4, m.n_parameters))
    assert np.allclose(ncf.value(U), [y @ direct_two_layer(u, X, 3) for u in U], rtol=1e-12)
    h = 1e-6
    for u in U:
        fd = [(y @ direct_two_layer(u + h * e, X, 3) - y @ direct_two_layer(u - h * e, X, 3)) / (2 * h)
              for e in np.eye(m.n_parameters)]
        assert np.allclose(ncf.gradient(u), fd, atol=1e-6)
    deep = deep_relu_two_trainable([2, 3, 3, 1], (1, 3), {2: FIXED_W2})
    nd = ncf_at_origin(deep, X, y)
    th = rng.normal(size=deep.n_parameters)
    assert nd.value(th) == pytest.approx(y @ direct_deep(th, X), rel=1e-12)


def test_ncf_kernels_pass_the_core_cross_check_against_mpmath(rng):
    X, z = rng.normal(size=(4, 2)), rng.normal(size=4)
    ncf = NCF(models.two_layer(2, 2, "squared_relu", output_weights=[1, -1]), X, z)
    report = cross_check(ncf.objective, rng.normal(size=(2, 4)), seed=1)
    assert report.passed


def test_symbolic_ncf_and_its_gradient_are_exact():
    m = models.two_layer(1, 1, "relu")
    ncf = ncf_at_origin(m, np.array([[1.0], [-2.0]]), np.array([3.0, 1.0]))
    w, a = m.parameters
    from symsaddle import Step
    expected = 3 * a * w * Step(w) + a * (-2 * w) * Step(-2 * w)
    assert sp.simplify(ncf.expression - expected) == 0
    assert sp.simplify(ncf.symbolic_gradient[1] - (3 * w * Step(w) - 2 * w * Step(-2 * w))) == 0
    assert ncf.latex().startswith(r"\mathcal N(u) =")


def test_bad_input_errors_name_the_problem():
    m = models.two_layer(2, 1, "relu")
    with pytest.raises(ZeroCorrelationError, match="N ≡ 0"):
        ncf_at_origin(m, np.ones((3, 2)), np.zeros(3))
    with pytest.raises(ZeroDirectionError, match="zero vector"):
        unit(np.zeros(3))
    ncf = ncf_at_origin(m, np.eye(2), np.ones(2))
    with pytest.raises(ZeroDirectionError):
        find_kkt_points(ncf, starts=np.zeros((1, 3)))
    with pytest.raises(ss.ShapeError):
        ncf_at_origin(m, np.ones((3, 2)), np.ones(4))
    with pytest.raises(ss.NonFiniteDataError):
        ncf_at_origin(m, np.ones((3, 2)), np.array([1.0, np.nan, 1.0]))
