"""One kernel interface (issue 11, part 6): every kernel class satisfies ``symsaddle.Kernel``,
validates θ the same way, and the analyses run on a kernel that has only the required members."""

import re

import numpy as np
import pytest

import symsaddle as ss
from symsaddle import models
from symsaddle.check import cross_check
from symsaddle.critical import Kind, classify, polish
from symsaddle.deep_linear import DeepLinearKernel
from symsaddle.dynamics import gradient_descent, gradient_flow, visited_equilibria
from symsaddle.ncf.alignment import run_until_phase_end
from symsaddle.ncf.function import ncf_at_origin
from symsaddle.ncf.nonsmooth import _AscentKernel
from symsaddle.ncf.sphere import SphereChart
from symsaddle.symmetry import escape
from symsaddle.symmetry.certificates import safran_shamir
from symsaddle.symmetry.training import adam, scipy_trust_exact, slsqp_polish, trust_region_newton


def every_kernel():
    rng = np.random.default_rng(5)
    X, y = rng.normal(size=(4, 2)), rng.normal(size=4)
    obj = ss.Objective(models.two_layer(2, 2, "tanh"), X, y)
    dl = ss.Objective(models.deep_linear([2, 2, 2]), X, rng.normal(size=(4, 2)))
    ncf = ncf_at_origin(models.two_layer(2, 2, "relu"), X, y)
    kernels = {
        "structured": obj.compile(),
        "per-sample": obj.compile("per-sample"),
        "mpmath": obj.compile("mpmath", dps=30),
        "deep linear": DeepLinearKernel(dl),
        "ncf": ncf,
        "sphere chart": SphereChart(ncf, rng.normal(size=ncf.P)),
        "ncf ascent": _AscentKernel(ncf.kernel),
    }
    try:
        kernels["jax"] = obj.compile("jax")
    except ss.errors.MissingDependencyError:
        pass                                    # the optional JAX extra is not installed
    return kernels


KERNELS = every_kernel()


def as_floats(values) -> np.ndarray:
    """NumPy, mpmath-matrix or nested-list (SymPy) results as a float array."""
    if hasattr(values, "tolist") and not isinstance(values, np.ndarray):
        values = values.tolist()
    return np.array(values, dtype=float)


@pytest.mark.parametrize("name", sorted(KERNELS))
def test_every_kernel_satisfies_the_protocol(name):
    k = KERNELS[name]
    assert isinstance(k, ss.Kernel)
    assert isinstance(k.backend, str) and k.backend
    assert isinstance(k.P, int) and k.P > 0
    th = np.linspace(-0.7, 0.9, k.P)
    u = np.cos(np.arange(k.P))
    g = as_floats(k.gradient(th)).ravel()
    d1 = float(k.directional(th, u, 1))
    assert abs(d1 - g @ u) <= 1e-12 * max(1.0, np.abs(g).sum() * np.abs(u).max())   # D¹L[u] = ∇L·u
    H = as_floats(k.hessian(th)).reshape(k.P, k.P)
    assert abs(float(k.directional(th, u, 2)) - u @ H @ u) <= 1e-11 * max(1.0, np.abs(H).max())


@pytest.mark.parametrize("name", sorted(KERNELS))
def test_every_kernel_has_a_short_repr_naming_its_backend_and_P(name):
    """Not ``<… object at 0x…>`` nor the data arrays: one line naming the backend and P."""
    k = KERNELS[name]
    text = repr(k)
    assert "object at 0x" not in text and "\n" not in text and len(text) <= 160, text
    assert f"backend={k.backend!r}" in text and f"P={k.P}" in text
    objective = getattr(k, "objective", None)
    if objective is not None and name not in ("ncf",):
        assert f"model={objective.model.name}" in text and f"loss={objective.loss.name!r}" in text
        assert f"n={objective.n}" in text


@pytest.mark.parametrize("name", sorted(KERNELS))
@pytest.mark.parametrize("method", ["value", "gradient", "hessian", "directional"])
def test_every_kernel_validates_theta_the_same_way(name, method):
    k = KERNELS[name]
    call = (lambda th: k.directional(th, np.ones(k.P), 3)) if method == "directional" \
        else getattr(k, method)
    bad = np.zeros(k.P)
    bad[-1] = np.nan
    with pytest.raises(ss.NonFiniteDataError, match="NaN"):
        call(bad)
    with pytest.raises(ss.ShapeError, match=f"P = {k.P}"):
        call(np.zeros(k.P + 1))
    complex_theta = np.zeros(k.P, dtype=complex)
    complex_theta[0] = 0.5j
    with pytest.raises(TypeError, match="complex"):             # never cast silently to its real part
        call(complex_theta)


@pytest.mark.parametrize("analysis", ["classify", "polish", "gradient_descent", "gradient_flow"])
def test_analyses_refuse_complex_theta(analysis):
    k = KERNELS["structured"]
    theta = np.full(k.P, 0.1 + 0.2j)
    run = {"classify": lambda: classify(k, theta), "polish": lambda: polish(k, theta),
           "gradient_descent": lambda: gradient_descent(k, theta, step=0.1, n_steps=2),
           "gradient_flow": lambda: gradient_flow(k, theta, (0.0, 1.0))}[analysis]
    with pytest.raises(TypeError, match="theta0? is complex"):
        run()


class RequiredOnly:
    """A kernel with the protocol's required members and nothing else."""

    def __init__(self, kernel):
        self._k = kernel
        self.backend, self.P = f"required members of {kernel.backend}", kernel.P

    def value(self, theta):
        return self._k.value(theta)

    def gradient(self, theta):
        return self._k.gradient(theta)

    def hessian(self, theta):
        return self._k.hessian(theta)

    def directional(self, theta, u, order):
        return self._k.directional(theta, u, order)


def test_analyses_need_only_the_required_members(rng):
    X = np.array([[1.0], [-0.5]])
    obj = ss.Objective(models.two_layer(1, 1, "tanh"), X, np.tanh(X[:, 0]))   # exact fit at (w, a) = (1, 1)
    full = obj.compile()
    lean = RequiredOnly(full)
    assert isinstance(lean, ss.Kernel) and not hasattr(lean, "value_and_gradient")
    # the origin of a tanh net with no bias is a critical point with a zero Hessian direction
    origin = np.zeros(full.P)
    assert classify(lean, origin).kind == classify(full, origin).kind
    start = np.array([0.8, 1.3])
    res = polish(lean, start)
    assert res.converged and classify(lean, res.theta).kind is Kind.MINIMISER
    np.testing.assert_allclose(res.theta, [1.0, 1.0], rtol=1e-8)
    gd_lean, gd_full = gradient_descent(lean, start, 0.1, 20), gradient_descent(full, start, 0.1, 20)
    np.testing.assert_array_equal(gd_lean.thetas, gd_full.thetas)
    flow = gradient_flow(lean, start, (0.0, 1.0))
    np.testing.assert_allclose(flow.thetas[-1], gradient_flow(full, start, (0.0, 1.0)).thetas[-1], rtol=1e-12)
    report = cross_check(obj, start[None, :], kernel=obj.compile("per-sample"), orders=(3,))
    assert report.passed


def test_optional_members_fall_back_to_required_ones(rng):
    obj = ss.Objective(models.mlp([2, 2, 1], "sigmoid"), rng.normal(size=(5, 2)), rng.normal(size=5))
    k = obj.compile()
    lean = RequiredOnly(k)
    th, v = rng.normal(size=(3, k.P)), rng.normal(size=(3, k.P))
    val, grad = ss.protocol.value_and_gradient(lean, th)
    np.testing.assert_array_equal(val, k.value(th))
    np.testing.assert_array_equal(grad, k.gradient(th))
    np.testing.assert_allclose(ss.protocol.hessian_vector_product(lean, th, v),
                               k.hessian_vector_product(th, v), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("analysis", ["classify", "polish", "gradient_descent", "gradient_flow",
                                      "visited_equilibria", "cross_check(kernel=...)", "trust_region_newton",
                                      "adam", "slsqp_polish", "scipy_trust_exact", "smallest_eigenvector",
                                      "algorithm1", "algorithm2", "eigenvalue_error_band", "null_direction_test",
                                      "safran_shamir", "run_until_phase_end"])
def test_analyses_taking_a_kernel_refuse_an_objective_naming_the_fix(analysis):
    """An Objective where a kernel is expected is a TypeError saying to compile it (it was an
    AttributeError on 'P'); compiling is left to the caller, who reuses the kernel."""
    obj = ss.Objective(models.two_layer(1, 1, "tanh"), np.array([[1.0], [-0.5]]), np.array([0.3, -0.2]))
    theta = np.array([0.4, 0.7])
    run = {"classify": lambda: classify(obj, theta), "polish": lambda: polish(obj, theta),
           "gradient_descent": lambda: gradient_descent(obj, theta, step=0.1, n_steps=2),
           "gradient_flow": lambda: gradient_flow(obj, theta, (0.0, 1.0)),
           "visited_equilibria": lambda: visited_equilibria(obj, ()),
           "cross_check(kernel=...)": lambda: cross_check(obj, theta, kernel=obj),
           "trust_region_newton": lambda: trust_region_newton(obj, theta), "adam": lambda: adam(obj, theta),
           "slsqp_polish": lambda: slsqp_polish(obj, theta),
           "scipy_trust_exact": lambda: scipy_trust_exact(obj, theta),
           "smallest_eigenvector": lambda: escape.smallest_eigenvector(obj, theta),
           "algorithm1": lambda: escape.algorithm1(obj, theta), "algorithm2": lambda: escape.algorithm2(obj, theta),
           "eigenvalue_error_band": lambda: escape.eigenvalue_error_band(obj, theta),
           "null_direction_test": lambda: escape.null_direction_test(obj, theta),
           "safran_shamir": lambda: safran_shamir(obj, theta),
           "run_until_phase_end": lambda: run_until_phase_end(obj, theta, 0.1)}[analysis]
    with pytest.raises(TypeError, match=rf"^{re.escape(analysis)} takes a compiled kernel, got Objective: "
                                        r"pass objective\.compile\(\)"):
        run()


def test_analyses_refuse_what_is_not_a_kernel():
    with pytest.raises(TypeError, match="polish takes a kernel .*got ndarray"):
        polish(np.eye(2), np.zeros(2))


def test_the_package_namespace_lists_public_names_only():
    """dir(symsaddle) shows the public API, not the helpers of its lazy namespace (importlib, annotations)."""
    names = dir(ss)
    assert not {"importlib", "annotations"} & set(names)
    assert set(ss.__all__) <= set(names) and all(not n.startswith("_") or n == "__version__" for n in names)
