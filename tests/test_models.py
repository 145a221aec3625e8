import numpy as np
import pytest
import sympy as sp

import symsaddle as ss
from symsaddle import models


def test_diagonal_order_and_output():
    m = models.diagonal_linear(3)
    assert m.n_parameters == 6 and m.d_in == 3 and m.d_out == 1
    v = m.block("v").symbols
    u = m.block("u").symbols
    assert m.parameters == v + u  # seed 000 eq. (41): θ = [v, u]
    x = m.inputs
    assert sp.expand(m.outputs[0] - sum(a * b * c for a, b, c in zip(u, v, x))) == 0


def test_deep_linear_column_and_row_conventions_agree():
    col = models.deep_linear([3, 2, 4])
    row = models.deep_linear([3, 2, 4], convention="row")
    assert col.n_parameters == row.n_parameters == 3 * 2 + 2 * 4
    rng = np.random.default_rng(0)
    W1, W2, x = rng.normal(size=(2, 3)), rng.normal(size=(4, 2)), rng.normal(size=3)
    theta_col = col.flatten({"W1": W1, "W2": W2})
    theta_row = row.flatten({"W1": W1.T, "W2": W2.T})
    f = sp.lambdify([col.parameters, col.inputs], list(col.outputs))
    g = sp.lambdify([row.parameters, row.inputs], list(row.outputs))
    np.testing.assert_allclose(f(theta_col, x), W2 @ W1 @ x)
    np.testing.assert_allclose(g(theta_row, x), W2 @ W1 @ x)


@pytest.mark.parametrize("activation", sorted(ss.ACTIVATIONS))
def test_two_layer_counts(activation):
    m = models.two_layer(d_in=2, width=5, activation=activation)
    assert m.n_parameters == 15
    m = models.two_layer(d_in=2, width=3, activation=activation, bias=True, d_out=2)
    assert m.n_parameters == 6 + 3 + 6 and m.d_out == 2


def test_two_layer_fixed_output_weights():
    m = models.two_layer(d_in=2, width=3, activation="squared_relu", output_weights=[1, 1, 1])
    assert m.n_parameters == 6
    with pytest.raises(ss.ShapeError):
        models.two_layer(d_in=2, width=3, activation="relu", output_weights=[1, 1])


def test_mlp_counts():
    m = models.mlp([2, 3, 4, 1], "tanh")
    assert m.n_parameters == (2 * 3 + 3) + (3 * 4 + 4) + (4 + 1)


def test_flatten_unflatten_round_trip_with_batch(rng):
    m = models.mlp([2, 3, 1], "sigmoid")
    theta = rng.normal(size=(4, m.n_parameters))
    blocks = m.unflatten(theta)
    assert blocks["W1"].shape == (4, 3, 2)
    np.testing.assert_array_equal(m.flatten(blocks), theta)
    with pytest.raises(ss.ShapeError):
        m.unflatten(theta[:, :-1])


def test_custom_model_and_unbound_symbol():
    a, b, x, c = sp.symbols("a b x c", real=True)
    m = models.custom(a * sp.tanh(b * x), [a, b], [x])
    assert m.n_parameters == 2
    with pytest.raises(ss.UnboundSymbolError, match="c"):
        models.custom(a * b * x + c, [a, b], [x])
    with pytest.raises(TypeError):
        models.custom("a*b*x", [a, b], [x])  # strings are never sympified


def test_functions_without_closed_form_derivatives_are_refused_when_the_model_is_built():
    """Abs, Heaviside, Max, undefined functions: SymPy's derivatives leave DiracDelta or an unevaluated
    Derivative, which compiled to PrintMethodNotImplementedError / NameError 'DiracDelta'. The model
    refuses them, naming the function, the order and the fix (the exact orders are SymPy's calculus:
    |z|'' = 2δ(z), H' = δ, max(0, z)'' = δ; |z| of a complex z has no closed-form derivative)."""
    a, b, x = sp.symbols("a b x", real=True)
    p, q, t = sp.symbols("p q t")                                        # not declared real
    cases = [((p * sp.Abs(q * t), [p, q], [t]), r"Abs\(q\*t\): the derivative of order 1 of Abs .*real=True"),
             ((a * sp.Abs(b * x), [a, b], [x]), r"Abs\(b\*x\): the derivative of order 2 of Abs .*DiracDelta"),
             ((a * sp.Heaviside(b * x), [a, b], [x]), r"order 1 of Heaviside .*DiracDelta"),
             ((a * sp.Max(0, b * x), [a, b], [x]), r"order 2 of Max .*DiracDelta"),
             ((a * sp.Function("g")(b * x), [a, b], [x]), r"order 1 of g .*Derivative")]
    for args, message in cases:
        with pytest.raises(ss.NotDifferentiableError, match=message + r".*ss\.Step\(z\)"):
            models.custom(*args)
    kink = ss.Activation("abs", sp.Abs, "|z|", 1, False)
    with pytest.raises(ss.NotDifferentiableError, match="the activation of layer 1 contains Abs"):
        models.two_layer(1, 2, kink)
    absolute = ss.Loss("absolute", lambda f, y: sum(sp.Abs(fk - yk) for fk, yk in zip(f, y)), "|f - y|", 0.0)
    with pytest.raises(ss.NotDifferentiableError, match=r"loss 'absolute' contains Abs\(.*order 2"):
        ss.Objective(models.custom(a * x, [a], [x]), np.ones((2, 1)), np.ones(2), loss=absolute)


def test_the_suggested_kink_aware_absolute_value_compiles_and_differentiates():
    """|z| = z·(2·Step(z) − 1), as the error suggests: L = ½(a|bx| − y)² with the closed-form gradient
    ∂L/∂a = r|bx|, ∂L/∂b = r·a·x·sign(bx), r = a|bx| − y (one sample)."""
    a, b, x = sp.symbols("a b x", real=True)
    m = models.custom(a * b * x * (2 * ss.Step(b * x) - 1), [a, b], [x])
    k = ss.Objective(m, np.array([[-1.5]]), np.array([0.25]), normalization="sum").compile()
    A, B, X = 0.7, 1.3, -1.5
    r = A * abs(B * X) - 0.25
    np.testing.assert_allclose(k.gradient(np.array([A, B])), [r * abs(B * X), r * A * X * np.sign(B * X)],
                               rtol=1e-14)


def test_unknown_activation_is_named():
    with pytest.raises(ss.UnknownActivationError, match="swish"):
        models.two_layer(2, 3, "swish")


def test_activation_names_are_case_insensitive_as_on_the_command_line():
    # the CLI accepts --activation RELU; the Python API used to refuse "ReLU"
    x = sp.Symbol("x", real=True)
    for spelling in ("ReLU", "RELU", " relu ", "Leaky_ReLU"):
        act = ss.get_activation(spelling)
        assert act is ss.get_activation(spelling.strip().lower())
    assert models.two_layer(1, 1, "TanH").layers[0].activation.name == "tanh"
    assert ss.get_activation("ReLU").build(x).subs(x, -2) == 0


def test_linear_in_inputs_detection():
    assert models.diagonal_linear(2).is_linear_in_inputs
    assert models.deep_linear([2, 3, 2]).is_linear_in_inputs
    assert not models.two_layer(2, 2, "tanh").is_linear_in_inputs
    assert not models.two_layer(2, 2, "identity", bias=True).is_linear_in_inputs


def test_evaluate_matches_numpy_forward_pass(rng):
    m = models.two_layer(2, 3, "tanh", bias=True)
    th = rng.normal(size=m.n_parameters)
    X = rng.normal(size=(5, 2))
    blocks = m.unflatten(th)
    expected = np.tanh(X @ blocks["W"].T + blocks["b"]) @ blocks["a"]
    np.testing.assert_allclose(m.evaluate(th, X)[:, 0], expected, rtol=1e-14)
    with pytest.raises(ss.ShapeError, match=r"\(n, 2\)"):
        m.evaluate(th, X[:, :1])


@pytest.mark.parametrize("n", [0, -2, 1.5, True, "2"])
def test_symbolic_objective_without_samples_names_n(n):
    """Issue: ``Objective.symbolic(m, n=0)`` said "X must have d_in = 1 columns, got (0, 0)"; it must ask for n ≥ 1."""
    with pytest.raises(ss.errors.ShapeError, match=r"number of samples n must be an integer ≥ 1, got n="):
        ss.Objective.symbolic(models.two_layer(1, 1, "tanh"), n=n)


def test_symbolic_hessian_is_the_jacobian_of_the_gradient():
    """derive_hessian differentiates the entries p ≤ q and mirrors the others: at a random rational point every
    entry equals the full Jacobian of the gradient (SymPy's Matrix.jacobian, all P² entries differentiated),
    to 40 of 50 digits; the rows reach on_row in order with their entries q ≥ p."""
    obj = ss.Objective.symbolic(ss.models.mlp([2, 2, 1], "tanh", bias=True), 1)
    theta = obj.model.parameters
    rows = []
    H = obj.derive_hessian(on_row=lambda p, entries: rows.append((p, len(entries))))
    assert rows == [(p, len(theta) - p) for p in range(len(theta))]
    assert obj.hessian is H
    J = obj.gradient.jacobian(theta)
    rng = np.random.default_rng(3)
    symbols = sorted(set().union(*(e.free_symbols for e in J)), key=str)
    point = {s: sp.Rational(int(v), 7) for s, v in zip(symbols, rng.integers(-9, 10, len(symbols)))}
    for h, j in zip(H, J):
        assert abs(sp.N((h - j).xreplace(point), 50)) < 1e-40
