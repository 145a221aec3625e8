"""Layer-structured kernels against independent references (issue 11, part 1).

References: the per-sample symbolic NumPy kernel (``compile("per-sample")``: the whole model
differentiated by SymPy, assembled by a different chain rule), central finite differences, the
structured kernel's own forward-over-reverse Hessian-vector product (a third assembly), and for
a deep network the per-sample loss evaluated by mpmath at 50 digits and differentiated
numerically along lines (``mpmath.diff``), which uses no symbolic derivative at all.
"""

import mpmath
import numpy as np
import pytest
import sympy as sp

import symsaddle as ss
from symsaddle import models
from symsaddle._losses import Loss

ACTIVATIONS = sorted(ss.ACTIVATIONS)
SMOOTH = ["identity", "sigmoid", "tanh"]

#: a loss that does not split over the outputs and has a non-diagonal ∂²ℓ/∂f² (generic code path)
COUPLED = Loss("coupled", lambda f, y: (f[0] * f[-1] - y[0]) ** 2 / 2 + sp.tanh(f[-1] - y[-1]) ** 2,
               r"\text{coupled}", None)


def layered_models():
    """Every layered family: biases on/off, d_out 1 and 2, fixed output weights, conventions."""
    out = []
    for act in ACTIVATIONS:
        out.append(models.two_layer(2, 3, act))
        out.append(models.two_layer(2, 2, act, bias=True, d_out=2))
        out.append(models.mlp([2, 2, 3, 2], act))
        out.append(models.mlp([3, 2, 2, 1], act, bias=False))
    out += [models.two_layer(2, 3, "relu", output_weights=[1.0, -0.5, 2.0]),
            models.two_layer(1, 2, "squared_relu", d_out=2, output_weights=[1, 2, -1, 0.5]),
            models.deep_linear([2, 3, 2]), models.deep_linear([3, 2, 2, 2], convention="row"),
            models.mlp([2, 3, 1], "tanh")]
    return out


def _data(m, loss, rng, n=6):
    X = rng.normal(size=(n, m.d_in))
    y = np.sign(rng.normal(size=(n, m.d_out))) if loss == "logistic" else rng.normal(size=(n, m.d_out))
    return X, y


def _relative(a, b, scale):
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b)))) / scale


def model_loss_pairs():
    """Every layered family with every loss; the deeper models' per-sample references take SymPy seconds to
    build, so the fast lane keeps the small tanh mlp (P ≤ 20) under the square loss and the slow lane runs the rest."""
    pairs = []
    for m in layered_models():
        for loss in ("square", "logistic", "linear"):
            slow = m.name == "mlp" and (loss != "square" or dict(m.info).get("activation") != "tanh"
                                        or m.n_parameters > 20)
            pairs.append(pytest.param(m, loss, id=f"{loss}-{m.name}-{dict(m.info)}-P{m.n_parameters}",
                                      marks=[pytest.mark.slow] if slow else []))
    return pairs


@pytest.mark.parametrize("m, loss", model_loss_pairs())
def test_structured_matches_per_sample(m, loss, rng):
    obj = ss.Objective(m, *_data(m, loss, rng), loss=loss, normalization="mean")
    ks, kp = obj.compile(), obj.compile("per-sample")
    assert (ks.backend, kp.backend) == ("structured", "per-sample")
    th, u = rng.normal(size=(3, m.n_parameters)), rng.normal(size=(3, m.n_parameters))
    H = kp.hessian(th)
    scale = max(np.max(np.abs(H)), np.max(np.abs(kp.gradient(th))), np.max(np.abs(kp.value(th))), 1e-300)
    assert _relative(ks.value(th), kp.value(th), scale) < 1e-13
    assert _relative(ks.gradient(th), kp.gradient(th), scale) < 1e-13
    assert _relative(ks.hessian(th), H, scale) < 1e-13
    assert _relative(ks.hessian_vector_product(th, u), np.einsum("bpq,bq->bp", H, u),
                     scale * np.max(np.abs(u))) < 1e-13
    for k in (1, 2, 3, 4):
        ref = kp.directional(th, u, k)
        assert _relative(ks.directional(th, u, k), ref,
                         max(scale, np.max(np.abs(ref))) * np.max(np.abs(u)) ** k) < 1e-12, k


@pytest.mark.slow
@pytest.mark.parametrize("m", [models.two_layer(2, 2, "tanh", bias=True, d_out=2),
                               models.mlp([2, 2, 2, 2], "sigmoid"), models.mlp([2, 3, 2], "relu")],
                         ids=lambda m: m.name)
def test_structured_matches_per_sample_for_a_loss_that_does_not_split(m, rng):
    obj = ss.Objective(m, *_data(m, "square", rng), loss=COUPLED, normalization="sum")
    ks, kp = obj.compile(), obj.compile("per-sample")
    th, u = rng.normal(size=(2, m.n_parameters)), rng.normal(size=(2, m.n_parameters))
    H = kp.hessian(th)
    scale = np.max(np.abs(H))
    assert _relative(ks.value(th), kp.value(th), scale) < 1e-13
    assert _relative(ks.gradient(th), kp.gradient(th), scale) < 1e-13
    assert _relative(ks.hessian(th), H, scale) < 1e-13
    assert _relative(ks.hessian_vector_product(th, u), np.einsum("bpq,bq->bp", H, u), scale) < 1e-12
    for k in (3, 4):
        ref = kp.directional(th, u, k)
        assert _relative(ks.directional(th, u, k), ref, max(scale, np.max(np.abs(ref)))) < 1e-12


@pytest.mark.parametrize("act", SMOOTH)
@pytest.mark.parametrize("bias", [False, True])
def test_structured_matches_finite_differences(act, bias, rng):
    m = models.mlp([2, 3, 2, 2], act, bias=bias)
    obj = ss.Objective(m, rng.normal(size=(8, 2)), rng.normal(size=(8, 2)), loss="square")
    k = obj.compile()
    th, u = rng.normal(size=m.n_parameters), rng.normal(size=m.n_parameters)
    u /= np.linalg.norm(u)
    P, eps = m.n_parameters, np.finfo(float).eps
    h1 = eps ** (1 / 3)
    E = np.eye(P) * h1
    g, H = k.gradient(th), k.hessian(th)
    scale = max(np.max(np.abs(H)), np.max(np.abs(g)))
    fd_g = (k.value(th + E) - k.value(th - E)) / (2 * h1)
    fd_h = (k.gradient(th + E) - k.gradient(th - E)) / (2 * h1)
    assert _relative(fd_g, g, scale) < 1e-8
    assert _relative((fd_h + fd_h.T) / 2, H, scale) < 1e-8
    q = lambda t: u @ k.hessian(th + t * u) @ u          # noqa: E731
    h3, h4 = eps ** (1 / 3), eps ** (1 / 4)
    d3, d4 = k.directional(th, u, 3), k.directional(th, u, 4)
    assert abs((q(h3) - q(-h3)) / (2 * h3) - d3) < 1e-7 * max(scale, abs(d3))
    assert abs((q(h4) - 2 * q(0.0) + q(-h4)) / h4**2 - d4) < 1e-5 * max(scale, abs(d4))
    assert abs(k.directional(th, u, 2) - u @ H @ u) < 1e-13 * scale
    assert abs(k.directional(th, u, 1) - g @ u) < 1e-13 * scale


def test_third_tensor_against_hessian_differences_and_per_sample(rng):
    m = models.two_layer(2, 2, "sigmoid", bias=True)
    obj = ss.Objective(m, rng.normal(size=(5, 2)), rng.normal(size=5))
    k = obj.compile()
    th = rng.normal(size=m.n_parameters)
    T = k.third(th)
    h = 1e-5
    fd = np.stack([(k.hessian(th + h * e) - k.hessian(th - h * e)) / (2 * h) for e in np.eye(m.n_parameters)])
    np.testing.assert_allclose(T, fd, atol=1e-8 * np.max(np.abs(T)))
    np.testing.assert_allclose(T, obj.compile("per-sample").third(th), atol=1e-13 * np.max(np.abs(T)))


def test_chunking_and_memory_budget_do_not_change_results(rng):
    m = models.mlp([2, 3, 2, 1], "tanh")
    obj = ss.Objective(m, rng.normal(size=(40, 2)), rng.normal(size=40))
    th, u = rng.normal(size=(9, m.n_parameters)), rng.normal(size=(9, m.n_parameters))
    big = obj.compile()
    for small in (obj.compile(chunk_elements=7), obj.compile(memory_budget=1 << 15)):
        np.testing.assert_allclose(small.value(th), big.value(th), rtol=1e-13)
        np.testing.assert_allclose(small.gradient(th), big.gradient(th), rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(small.hessian(th), big.hessian(th), rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(small.directional(th, u, 4), big.directional(th, u, 4), rtol=1e-11)
        np.testing.assert_allclose(small.hessian_vector_product(th, u), big.hessian_vector_product(th, u),
                                   rtol=1e-11, atol=1e-14)
    with pytest.raises(ValueError, match="memory_budget"):
        obj.compile(memory_budget=0)


def test_layered_models_never_build_the_whole_network_expression(rng):
    """Compiling and evaluating a layered model leaves its per-sample outputs unbuilt."""
    m = models.mlp([3, 4, 4, 2], "sigmoid")
    obj = ss.Objective(m, rng.normal(size=(10, 3)), rng.normal(size=(10, 2)))
    k = obj.compile()
    th = rng.normal(size=m.n_parameters)
    k.value(th), k.gradient(th), k.hessian(th), k.directional(th, th, 4)
    f = m.evaluate(th, obj.X)
    assert "outputs" not in m.__dict__          # the lazy expression was never needed
    W1, b1, W2, b2, W3, b3 = (m.unflatten(th)[n] for n in ("W1", "b1", "W2", "b2", "W3", "b3"))
    sig = lambda z: 1 / (1 + np.exp(-z))        # noqa: E731
    np.testing.assert_allclose(f, sig(sig(obj.X @ W1.T + b1) @ W2.T + b2) @ W3.T + b3, rtol=1e-14)
    lam = sp.lambdify([m.parameters, m.inputs], list(m.outputs), modules=[{"Sigmoid": sig}, "numpy"])
    np.testing.assert_allclose([lam(th, x) for x in obj.X], f, rtol=1e-13)


def test_layered_models_compare_by_their_description():
    a, b = models.mlp([2, 3, 1], "tanh"), models.mlp([2, 3, 1], "tanh")
    assert a == b and hash(a) == hash(b) and a != models.mlp([2, 3, 1], "sigmoid")
    with pytest.raises(AttributeError):
        a.name = "other"


def test_unknown_backend_and_unlayered_model_are_named(rng):
    x, w = sp.symbols("x w", real=True)
    obj = ss.Objective(models.custom(w * x, [w], [x]), np.ones((2, 1)), np.ones(2))
    assert obj.compile().backend == "per-sample"
    with pytest.raises(ValueError, match="layer"):
        obj.compile("structured")
    with pytest.raises(ValueError, match="unknown backend 'numba'"):
        obj.compile("numba")


def _mp_line_derivative(mpk, theta, u, order):
    with mpmath.workdps(mpk.dps):
        return mpmath.diff(mpk.line(theta, u), 0, order)


@pytest.mark.slow
def test_deep_mlp_against_the_per_sample_loss_at_50_digits():
    """Done-when item of issue 11: mlp([10, 10, 10, 10, 1]) with biases (P = 341).

    Reference: the per-sample loss ℓ(f(x; θ), y) as one SymPy expression, evaluated by mpmath at
    50 digits on a small data set and differentiated numerically along lines θ + t u; the full
    gradient (every coordinate direction), the Hessian through random bilinear probes
    uᵀ∇²L v = (D²L[u + v] − D²L[u − v])/4, and D¹…D⁴ along random directions.
    """
    rng = np.random.default_rng(11)
    m = models.mlp([10, 10, 10, 10, 1], "sigmoid")
    X, y = rng.normal(size=(3, 10)), rng.normal(size=3)
    obj = ss.Objective(m, X, y)
    k, mpk = obj.compile(), obj.compile("mpmath")
    P = m.n_parameters
    th = rng.normal(size=P) * 0.7
    g, H = k.gradient(th), k.hessian(th)
    scale = max(np.max(np.abs(H)), np.max(np.abs(g)), abs(k.value(th)))
    assert abs(k.value(th) - float(mpk.value(th))) < 1e-14 * scale
    ref_g = np.array([float(_mp_line_derivative(mpk, th, e, 1)) for e in np.eye(P)])
    assert _relative(g, ref_g, scale) < 1e-13
    for _ in range(3):
        u, v = rng.normal(size=P), rng.normal(size=P)
        u, v = u / np.linalg.norm(u), v / np.linalg.norm(v)
        probe = (_mp_line_derivative(mpk, th, u + v, 2) - _mp_line_derivative(mpk, th, u - v, 2)) / 4
        assert abs(u @ H @ v - float(probe)) < 1e-13 * scale
        for order in (1, 2, 3, 4):
            ref = float(_mp_line_derivative(mpk, th, u, order))
            assert abs(k.directional(th, u, order) - ref) < 1e-12 * max(scale, abs(ref)), order
        np.testing.assert_allclose(k.hessian_vector_product(th, v), H @ v, atol=1e-13 * scale)


@pytest.mark.slow
def test_deep_mlp_with_biases_against_the_per_sample_loss_along_lines():
    """Issue 11 done-when, fast form: mlp([10, 10, 10, 10, 1]) with biases (P = 341) builds its
    structured kernel without the whole-network expression, and agrees with the per-sample path.

    Reference: the per-sample loss ℓ(f(x; θ), y) as one SymPy expression (``compile("mpmath")``),
    evaluated at 50 digits on 2 samples and differentiated numerically along lines (``mpmath.diff``):
    L, the gradient along 6 coordinate and 2 random directions (D¹L[u] = ∇L·u), the Hessian through
    a bilinear probe uᵀ∇²L v = (D²L[u + v] − D²L[u − v])/4, and D³, D⁴ along a random direction.
    (``cross_check`` would differentiate the loss expression P² times; the slow test above checks
    every gradient coordinate.)
    """
    rng = np.random.default_rng(7)
    m = models.mlp([10, 10, 10, 10, 1], "sigmoid")
    obj = ss.Objective(m, rng.normal(size=(2, 10)), rng.normal(size=2))
    k, mpk = obj.compile(), obj.compile("mpmath")
    assert k.backend == "structured"
    P = m.n_parameters
    th = rng.normal(size=P) * 0.7
    g, H = k.gradient(th), k.hessian(th)
    assert "outputs" not in m.__dict__                  # the structured build never needed it
    scale = max(np.max(np.abs(H)), np.max(np.abs(g)), abs(k.value(th)))
    assert abs(k.value(th) - float(mpk.value(th))) < 1e-14 * scale
    slices = m.block_slices()
    coordinates = [slices["W1"].start, slices["b1"].start, slices["W2"].start + 17, slices["b3"].start + 4,
                   slices["W4"].start + 9, slices["b4"].start]
    u, v = rng.normal(size=P), rng.normal(size=P)
    u, v = u / np.linalg.norm(u), v / np.linalg.norm(v)
    for d in [np.eye(P)[c] for c in coordinates] + [u, v]:
        assert abs(g @ d - float(_mp_line_derivative(mpk, th, d, 1))) < 1e-13 * scale
    probe = (_mp_line_derivative(mpk, th, u + v, 2) - _mp_line_derivative(mpk, th, u - v, 2)) / 4
    assert abs(u @ H @ v - float(probe)) < 1e-13 * scale
    np.testing.assert_allclose(k.hessian_vector_product(th, v), H @ v, rtol=0, atol=1e-13 * scale)
    for order in (3, 4):
        ref = float(_mp_line_derivative(mpk, th, u, order))
        assert abs(k.directional(th, u, order) - ref) < 1e-12 * max(scale, abs(ref)), order


@pytest.mark.parametrize("m", [models.mlp([3, 6, 6, 2], "tanh"), models.two_layer(2, 40, "sigmoid", bias=True)],
                         ids=lambda m: f"{m.name}-P{m.n_parameters}")
@pytest.mark.parametrize("budget", [1 << 20, 1 << 24])
def test_work_memory_stays_under_the_budget(m, budget, rng):
    """Peak memory allocated during a call (tracemalloc sees NumPy's arrays), minus the result."""
    import tracemalloc
    obj = ss.Objective(m, rng.normal(size=(700, m.d_in)), rng.normal(size=(700, m.d_out)))
    k = obj.compile(memory_budget=budget)
    th, u = rng.normal(size=(6, m.n_parameters)), rng.normal(size=(6, m.n_parameters))
    calls = {"value": lambda: k.value(th), "gradient": lambda: k.gradient(th),
             "hvp": lambda: k.hessian_vector_product(th, u), "D4": lambda: k.directional(th, u, 4)}
    if 6 * 8 * m.n_parameters**2 < budget:
        calls["hessian"] = lambda: k.hessian(th)
    else:
        with pytest.raises(ValueError, match="memory_budget"):
            k.hessian(th)
    for name, call in calls.items():
        call()
        tracemalloc.start()
        out = call()
        peak = tracemalloc.get_traced_memory()[1] - out.nbytes
        tracemalloc.stop()
        assert peak <= budget, (name, peak, budget)
