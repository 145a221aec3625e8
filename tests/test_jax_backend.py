"""``Objective.compile("jax")`` (issue 11, part 4): the JAX kernel agrees with the NumPy kernel
to 1e-12 relative and with mpmath at 50 digits; the core never needs JAX; the backend registry."""

import subprocess
import sys

import mpmath
import numpy as np
import pytest

import symsaddle as ss
from symsaddle import models
from symsaddle._backends import backends, register_backend
from symsaddle.errors import MissingDependencyError


def rel(a, b) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), np.finfo(float).tiny))


CASES = {
    "two_layer sigmoid, bias, square": (lambda: models.two_layer(2, 2, "sigmoid", bias=True), "square", 1),
    "mlp tanh [1, 2, 1], logistic": (lambda: models.mlp([1, 2, 1], "tanh"), "logistic", 1),
    "two_layer relu, 2 outputs, square": (lambda: models.two_layer(2, 2, "relu", d_out=2), "square", 2),
    "deep_linear [2, 2, 2], sum": (lambda: models.deep_linear([2, 2, 2]), "square", 2),
    "diagonal_linear d=3, linear loss": (lambda: models.diagonal_linear(3), "linear", 1),
}


def objective(name, n=6, seed=0):
    build, loss, d_out = CASES[name]
    m = build()
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, m.d_in))
    y = rng.normal(size=(n, d_out))
    if loss == "logistic":
        y = np.sign(y)
    return ss.Objective(m, X, y, loss=loss, normalization="sum" if "sum" in name else "mean", compress=False)


SLOW = pytest.mark.slow    # more JAX compilations: still in the default suite


@pytest.mark.slow
@pytest.mark.parametrize("name", [n if i < 3 else pytest.param(n, marks=SLOW) for i, n in enumerate(CASES)])
def test_value_gradient_hessian_match_numpy(name):
    pytest.importorskip("jax")
    obj = objective(name)
    kn, kj = obj.compile(), obj.compile("jax")
    th = np.random.default_rng(1).normal(size=(5, obj.model.n_parameters))
    assert rel(kj.value(th), kn.value(th)) < 1e-12
    assert rel(kj.gradient(th), kn.gradient(th)) < 1e-12
    assert rel(kj.hessian(th), kn.hessian(th)) < 1e-12
    L, g = kj.value_and_gradient(th[0])                     # single θ: scalar and (P,)
    assert np.shape(L) == () and g.shape == (obj.model.n_parameters,)
    assert rel(kj.hessian(th[0]), kn.hessian(th[0])) < 1e-12


@pytest.mark.parametrize("name", [pytest.param("two_layer sigmoid, bias, square", marks=SLOW),
                                  "diagonal_linear d=3, linear loss"])
def test_directional_and_third_match_numpy(name):
    pytest.importorskip("jax")
    obj = objective(name)
    kn, kj = obj.compile(), obj.compile("jax")
    rng = np.random.default_rng(2)
    th, u = rng.normal(size=(3, obj.model.n_parameters)), rng.normal(size=(3, obj.model.n_parameters))
    for order in (1, 2, 3, 4):
        assert rel(kj.directional(th, u, order), kn.directional(th, u, order)) < 1e-12, order
    assert rel(kj.third(th[:2]), kn.third(th[:2])) < 1e-12
    assert rel(kj.directional(th[0], u, 2), kn.directional(th[0], u, 2)) < 1e-12    # θ broadcast over u


def test_against_mpmath_at_50_digits():
    """An independent assembly: the mpmath kernel sums the loss-level derivatives at 50 digits."""
    pytest.importorskip("jax")
    obj = objective("two_layer sigmoid, bias, square")
    kj, km = obj.compile("jax"), obj.compile("mpmath", dps=50)
    th = np.random.default_rng(3).normal(size=obj.model.n_parameters)
    with mpmath.workdps(50):
        assert rel(kj.value(th), float(km.value(th))) < 1e-14
        assert rel(kj.gradient(th), np.array(km.gradient(th).tolist(), dtype=float).ravel()) < 1e-13
        assert rel(kj.hessian(th), np.array(km.hessian(th).tolist(), dtype=float)) < 1e-13


@pytest.mark.slow
def test_chunks_and_padding_do_not_change_results():
    pytest.importorskip("jax")
    obj = objective("deep_linear [2, 2, 2], sum")
    th = np.random.default_rng(4).normal(size=(7, obj.model.n_parameters))
    small = obj.compile("jax", chunk_elements=2 * obj.n)        # chunks of 2 θ, last one padded
    np.testing.assert_array_equal(small.hessian(th), obj.compile("jax").hessian(th))
    assert rel(small.gradient(th), obj.compile().gradient(th)) < 1e-12


def test_dynamics_run_on_the_jax_kernel():
    pytest.importorskip("jax")
    from symsaddle.dynamics import gradient_descent
    from symsaddle.datasets import seed000
    X, y, _ = seed000(2, 2)
    obj = ss.Objective(models.diagonal_linear(2), X, y)
    kj = obj.compile("jax")
    tr = gradient_descent(kj, [0.5, 0.5, 0.5, 0.5], 0.05, 400, record_every=400)
    ref = gradient_descent(obj.compile(), [0.5, 0.5, 0.5, 0.5], 0.05, 400, record_every=400, fused=False)
    assert rel(tr.final, ref.final) < 1e-12


def test_bad_input_errors_are_the_numpy_kernels():
    pytest.importorskip("jax")
    kj = objective("deep_linear [2, 2, 2], sum").compile("jax")
    with pytest.raises(ss.ShapeError):
        kj.value(np.zeros(3))
    with pytest.raises(ss.NonFiniteDataError):
        kj.gradient(np.full(8, np.nan))
    with pytest.raises(ValueError, match="order"):
        kj.directional(np.zeros(8), np.ones(8), 5)


def test_unknown_backend_lists_the_registered_ones():
    obj = objective("deep_linear [2, 2, 2], sum")
    with pytest.raises(ValueError, match="unknown backend 'torch'.*'numpy'.*'jax'"):
        obj.compile("torch")
    assert {"numpy", "mpmath", "jax"} <= set(backends())


def test_missing_jax_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "jax", None)              # `import jax` now fails
    monkeypatch.delitem(sys.modules, "symsaddle._jax", raising=False)
    with pytest.raises(MissingDependencyError, match=r"pip install 'symsaddle\[jax\]'"):
        objective("deep_linear [2, 2, 2], sum").compile("jax")


def test_registry_refuses_a_conflicting_registration():
    with pytest.raises(ValueError, match="already registered"):
        register_backend("numpy", "somewhere.else:compile")
    with pytest.raises(ValueError, match="module:function"):
        register_backend("new", "no_colon")


@pytest.mark.slow
def test_the_core_never_imports_jax_or_dask():
    code = ("import sys, numpy as np, symsaddle as ss; from symsaddle.dynamics import gradient_descent; "
            "k = ss.Objective(ss.models.diagonal_linear(1), np.ones((1, 1)), np.ones(1)).compile(); "
            "gradient_descent(k, [0.1, 0.1], 0.1, 5); import symsaddle.sweep, symsaddle.cli; "
            "print('jax' in sys.modules, 'distributed' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"
