"""NumPy kernels against closed forms written independently of symsaddle."""

import numpy as np
import pytest
import scipy.special
import sympy as sp

import symsaddle as ss
from symsaddle import models


def diagonal_closed_form(theta, X, y):
    """Seed 000 / Pesme–Flammarion: F = ‖X(u⊙v) − y‖²/(2n), ∇_v F = u ⊙ ∇L(β), ∇_u F = v ⊙ ∇L(β)."""
    d = X.shape[1]
    v, u = theta[:d], theta[d:]
    r = X @ (u * v) - y
    gL = X.T @ r / len(y)
    F = r @ r / (2 * len(y))
    grad = np.concatenate([u * gL, v * gL])
    # Hessian: J = [diag(u) X^T; diag(v) X^T]/… ; H = JJᵀ/n + residual coupling ∂²F/∂v_j∂u_j = gL_j
    J = np.vstack([(X * u).T, (X * v).T])  # (2d, n): ∂f_i/∂θ
    H = J @ J.T / len(y)
    H[np.arange(d), d + np.arange(d)] += gL
    H[d + np.arange(d), np.arange(d)] += gL
    return F, grad, H


def test_diagonal_matches_closed_form(rng):
    X, y = rng.normal(size=(9, 4)), rng.normal(size=9)
    k = ss.Objective(models.diagonal_linear(4), X, y).compile()
    thetas = rng.normal(size=(5, 8))
    vals, grads, hess = k.value(thetas), k.gradient(thetas), k.hessian(thetas)
    for b, th in enumerate(thetas):
        F, g, H = diagonal_closed_form(th, X, y)
        np.testing.assert_allclose(vals[b], F, rtol=1e-13)
        np.testing.assert_allclose(grads[b], g, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(hess[b], H, rtol=1e-12, atol=1e-14)


def two_layer_sigmoid_closed_form(theta, X, y, width):
    d = X.shape[1]
    W, a = theta[:width * d].reshape(width, d), theta[width * d:]
    s = scipy.special.expit(X @ W.T)
    r = s @ a - y
    gW = ((r[:, None] * s * (1 - s) * a)[:, :, None] * X[:, None, :]).sum(0) / len(y)
    ga = s.T @ r / len(y)
    return 0.5 * r @ r / len(y), np.concatenate([gW.ravel(), ga])


def test_two_layer_sigmoid_value_gradient(rng):
    X, y = rng.normal(size=(30, 2)), rng.normal(size=30)
    k = ss.Objective(models.two_layer(2, 5, "sigmoid"), X, y).compile()
    th = rng.normal(size=15)
    F, g = two_layer_sigmoid_closed_form(th, X, y, 5)
    np.testing.assert_allclose(k.value(th), F, rtol=1e-13)
    np.testing.assert_allclose(k.gradient(th), g, rtol=1e-12, atol=1e-15)


BACKENDS = ["structured", "per-sample", "mpmath", "jax"]


@pytest.mark.parametrize("backend", [pytest.param(b, marks=pytest.mark.slow) if b in ("jax", "mpmath") else b
                                     for b in BACKENDS])
def test_batch_shapes_and_single_point_squeeze(rng, backend):
    """Every backend takes θ (P,) or a batch (B, P) (README, docs/architecture.md); row b of a batch
    result is the result at θ_b."""
    m = models.two_layer(2, 3, "tanh", d_out=2)
    obj = ss.Objective(m, rng.normal(size=(7, 2)), rng.normal(size=(7, 2)))
    try:
        k = obj.compile(backend, **({"dps": 20} if backend == "mpmath" else {}))
    except ss.errors.MissingDependencyError:
        pytest.skip(f"the optional {backend} backend is not installed")
    P = m.n_parameters
    th = rng.normal(size=(4, P))
    u = rng.normal(size=P)
    assert np.shape(k.value(th)) == (4,)
    assert np.shape(k.gradient(th)) == (4, P)
    assert np.shape(k.hessian(th)) == (4, P, P)
    assert np.shape(k.directional(th, th, 3)) == (4,)
    assert np.shape(k.directional(th, u, 2)) == (4,)            # one direction broadcast over the batch
    assert np.shape(k.directional(u, th, 2)) == (4,)
    assert np.shape(k.value(th[0])) == ()
    floats = lambda a: np.array(a.tolist() if hasattr(a, "tolist") else a, dtype=float)   # mpmath → float
    assert floats(k.hessian(th[0])).shape == (P, P)
    np.testing.assert_allclose(floats(k.hessian(th))[2], floats(k.hessian(th[2])), rtol=1e-14)
    np.testing.assert_allclose(floats(k.gradient(th))[1], floats(k.gradient(th[1])).ravel(), rtol=1e-14)
    np.testing.assert_allclose(floats(k.value(th))[3], float(k.value(th[3])), rtol=1e-14)
    np.testing.assert_allclose(floats(k.directional(th, u, 2))[0], float(k.directional(th[0], u, 2)), rtol=1e-14)
    # the backends agree with each other (the structured kernel is tested against closed forms above)
    np.testing.assert_allclose(floats(k.hessian(th)), obj.compile().hessian(th), rtol=1e-12, atol=1e-14)


def test_chunking_does_not_change_results(rng):
    m = models.two_layer(2, 3, "sigmoid", bias=True)
    obj = ss.Objective(m, rng.normal(size=(50, 2)), rng.normal(size=50))
    th = rng.normal(size=(13, m.n_parameters))
    big, small = obj.compile(), obj.compile(chunk_elements=7)  # forces splits over batch and samples
    np.testing.assert_allclose(small.value(th), big.value(th), rtol=1e-13)
    np.testing.assert_allclose(small.gradient(th), big.gradient(th), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(small.hessian(th), big.hessian(th), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(small.directional(th, th, 4), big.directional(th, th, 4), rtol=1e-11)


def test_constant_outputs_broadcast():
    a, b, x = sp.symbols("a b x", real=True)
    # f = a·b + x: ∂²f/∂a∂b = 1 is a constant; ∂f/∂a = b has no data dependence
    m = models.custom(a * b + x, [a, b], [x])
    X, y = np.array([[1.0], [2.0], [0.5]]), np.array([0.0, 1.0, 2.0])
    k = ss.Objective(m, X, y, normalization="sum").compile()
    th = np.array([[0.3, -1.2], [2.0, 0.5]])
    r = th[:, :1] * th[:, 1:] + X[:, 0] - y  # (B, n)
    H_expected = np.stack([np.array([[b * b * 3, a * b * 3 + rr.sum()], [a * b * 3 + rr.sum(), a * a * 3]])
                           for (a, b), rr in zip(th, r)])
    np.testing.assert_allclose(k.hessian(th), H_expected, rtol=1e-14)


def test_moment_compression_matches_raw_samples(rng):
    m = models.deep_linear([3, 2, 2])
    X, Y = rng.normal(size=(400, 3)), rng.normal(size=(400, 2))
    raw = ss.Objective(m, X, Y, normalization=2, compress=False)
    packed = ss.Objective(m, X, Y, normalization=2)
    assert packed.kernel_data[0].shape[0] == 5      # d_in + d_out pseudo-samples
    th = rng.normal(size=(3, m.n_parameters))
    kr, kp = raw.compile(), packed.compile()
    np.testing.assert_allclose(kp.value(th), kr.value(th), rtol=1e-12)
    np.testing.assert_allclose(kp.gradient(th), kr.gradient(th), rtol=1e-11, atol=1e-11)
    np.testing.assert_allclose(kp.hessian(th), kr.hessian(th), rtol=1e-11, atol=1e-11)
    S = packed.sufficient_statistics
    mom = ss.Objective.from_moments(m, S["Sxx"], S["Sxy"], S["Syy"], n=400, normalization=2).compile()
    np.testing.assert_allclose(mom.hessian(th), kr.hessian(th), rtol=1e-10, atol=1e-10)


def test_mpmath_kernel_agrees_with_numpy(rng):
    m = models.two_layer(2, 2, "tanh")
    obj = ss.Objective(m, rng.normal(size=(4, 2)), rng.normal(size=4))
    th = rng.normal(size=m.n_parameters)
    mk = obj.compile("mpmath", dps=50)
    np.testing.assert_allclose(np.array(mk.hessian(th).tolist(), dtype=float), obj.compile().hessian(th), rtol=1e-13)


@pytest.mark.parametrize("dps", [-1, 0, 2.5, "50", True])
def test_mpmath_kernel_rejects_invalid_dps(dps):
    # dps = -1 used to give L = 0.25 and dps = 0 gave 0.1875 for a loss of 0.234385: mpmath
    # silently works at a clamped precision instead of refusing.
    m = models.two_layer(2, 2, "tanh")
    obj = ss.Objective(m, np.eye(2), np.ones(2))
    with pytest.raises(ValueError, match="dps"):
        obj.compile("mpmath", dps=dps)


def test_logistic_loss_matches_formula(rng):
    X = rng.normal(size=(6, 2))
    y = np.sign(rng.normal(size=6))
    m = models.two_layer(2, 2, "identity")
    k = ss.Objective(m, X, y, loss="logistic").compile()
    th = rng.normal(size=m.n_parameters)
    W, a = th[:4].reshape(2, 2), th[4:]
    f = X @ W.T @ a
    np.testing.assert_allclose(k.value(th), np.mean(np.logaddexp(0, -y * f)), rtol=1e-14)


@pytest.mark.parametrize("bad, exc, match", [
    (np.zeros((2, 3)), ss.ShapeError, "P = 4"),
    (np.array([0.0, np.nan, 1.0, 1.0]), ss.NonFiniteDataError, "NaN"),
])
def test_bad_theta(bad, exc, match):
    k = ss.Objective(models.diagonal_linear(2), np.ones((3, 2)), np.ones(3)).compile()
    with pytest.raises(exc, match=match):
        k.hessian(bad)


def test_bad_data():
    m = models.diagonal_linear(2)
    with pytest.raises(ss.ShapeError, match="mismatched lengths"):
        ss.Objective(m, np.ones((3, 2)), np.ones(4))
    with pytest.raises(ss.ShapeError, match=r"\(n, d_in\)"):
        ss.Objective(m, np.ones((3, 3)), np.ones(3))
    with pytest.raises(ss.NonFiniteDataError, match="X contains NaN"):
        ss.Objective(m, np.array([[1.0, np.nan]]), np.ones(1))
    with pytest.raises(ss.NonFiniteDataError, match="y contains"):
        ss.Objective(m, np.ones((1, 2)), np.array([np.inf]))
    with pytest.raises(ss.UnknownLossError, match="hinge"):
        ss.Objective(m, np.ones((1, 2)), np.ones(1), loss="hinge")
    with pytest.raises(ValueError, match="normalization"):
        ss.Objective(m, np.ones((1, 2)), np.ones(1), normalization=-1.0)


def test_logistic_loss_refuses_labels_other_than_plus_minus_one():
    m = models.diagonal_linear(2)
    X = np.ones((3, 2))
    with pytest.raises(ss.LabelError, match=r"labels ±1, got y = 0.5 \(entry 1 of y"):
        ss.Objective(m, X, np.array([1.0, 0.5, -1.0]), loss="logistic")
    with pytest.raises(ss.LabelError, match="got y = 0 "):
        ss.Objective(m, X, np.array([1.0, 0.0, 1.0]), loss="logistic")
    x, y = sp.symbols("x y")
    with pytest.raises(ss.LabelError, match="got y = 1/2"):
        ss.Objective(m, sp.Matrix([[x, x]]), sp.Matrix([sp.Rational(1, 2)]), loss="logistic")
    ss.Objective(m, X, np.array([1.0, -1.0, 1.0]), loss="logistic")           # ±1 labels, and symbols, pass
    ss.Objective(m, sp.Matrix([[x, x]]), sp.Matrix([y]), loss="logistic")
    ss.Objective(m, X, np.array([1.0, 0.5, -1.0]), loss="square")              # other losses take any real


@pytest.mark.parametrize("n, normalization, loss, formula", [
    (1, "mean", "square", r"L(\theta) = \tfrac12\|f(x)-y\|^2"),                   # c = 1, one term: no sum
    (1, "sum", "logistic", r"L(\theta) = \log\left(1+e^{-y f(x)}\right)"),
    (3, "mean", "square", r"L(\theta) = \frac{1}{3} \sum_{i=1}^{3} \tfrac12\|f(x_i)-y_i\|^2"),
    (3, "sum", "linear", r"L(\theta) = \sum_{i=1}^{3} y_i^\top f(x_i)"),
    (2, 2.0, "square", r"L(\theta) = 2 \sum_{i=1}^{2} \tfrac12\|f(x_i)-y_i\|^2"),
])
def test_formula_shows_no_factor_1_and_no_sum_over_one_sample(n, normalization, loss, formula):
    obj = ss.Objective.symbolic(models.diagonal_linear(1), n, loss=loss, normalization=normalization)
    assert obj.describe()["formula"] == formula


def test_symbolic_objective_refuses_compile():
    obj = ss.Objective.symbolic(models.diagonal_linear(1), n=1)
    with pytest.raises(ss.SymbolicDataError):
        obj.compile()


def test_per_sample_expression_size_does_not_grow_with_n(rng):
    m = models.two_layer(2, 3, "sigmoid")
    small = ss.Objective(m, rng.normal(size=(3, 2)), rng.normal(size=3))
    large = ss.Objective(m, rng.normal(size=(3000, 2)), rng.normal(size=3000))
    assert small.sample is large.sample   # one derivation per (model, loss), data never enter it
    assert sp.count_ops(large.sample.sample_loss) == sp.count_ops(small.sample.sample_loss)


def test_third_derivative_tensor_against_hessian_differences(rng):
    m = models.two_layer(2, 2, "tanh")
    k = ss.Objective(m, rng.normal(size=(5, 2)), rng.normal(size=5)).compile()
    th = rng.normal(size=m.n_parameters)
    T = k.third(th)
    h = 1e-5
    fd = np.stack([(k.hessian(th + h * e) - k.hessian(th - h * e)) / (2 * h) for e in np.eye(m.n_parameters)])
    np.testing.assert_allclose(T, fd, atol=1e-8 * np.max(np.abs(T)))
    u = rng.normal(size=m.n_parameters)
    np.testing.assert_allclose(np.einsum("pqr,p,q,r", T, u, u, u), k.directional(th, u, 3), rtol=1e-11)


def test_symbolic_third_derivatives_closed_form():
    obj = ss.Objective.symbolic(models.diagonal_linear(1), n=1)   # F = ½(uvx − y)², θ = [v, u]
    v, u = obj.model.parameters
    x = obj.X[0, 0]
    T = obj.third_derivatives()
    assert sp.simplify(T[1, 1, 0] - 2 * v * x**2) == 0        # ∂³F/∂u²∂v = 2 v x²
    assert sp.simplify(T[0, 0, 0]) == 0                       # ∂³F/∂v³ = 0
    xi = obj.sample.directions
    D2 = obj.directional(2)
    quad = (sp.Matrix(xi).T * obj.hessian * sp.Matrix(xi))[0]
    assert sp.simplify(D2 - quad) == 0                         # line expansion = ξᵀ∇²Fξ


def test_objective_from_moments_cross_checks(rng):
    from symsaddle.check import cross_check
    m = models.deep_linear([2, 1, 2])
    X, Y = rng.normal(size=(50, 2)), rng.normal(size=(50, 2))
    S = ss.Objective(m, X, Y).sufficient_statistics
    obj = ss.Objective.from_moments(m, S["Sxx"], S["Sxy"], S["Syy"], n=50)
    assert obj.n == 50 and obj.X.shape[0] <= 4
    assert cross_check(obj, rng.normal(size=(1, m.n_parameters)), orders=(3,)).passed
    raw = ss.Objective(m, X, Y, compress=False).compile()
    th = rng.normal(size=m.n_parameters)
    np.testing.assert_allclose(obj.compile().value(th), raw.value(th), rtol=1e-12)
