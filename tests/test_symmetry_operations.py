"""Neuron symmetries (issue 9 part 1): every operation is proved, on the model's per-sample output
expressions with symbolic parameters, to leave the network function unchanged; float versions are
checked numerically; bad input gets clear errors."""

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import symsaddle as ss
from symsaddle.errors import ShapeError, SymsaddleError
from symsaddle.symmetry import (ActivationSymmetryError, NeuronIndexError, NeuronMismatchError, SymmetryCheckError,
                                UnsupportedModelError, add_zero_neuron, duplicate_neuron, hidden_layer,
                                is_duplicated_pair, max_function_difference, merge_neurons, move_along_si_line,
                                permute_neurons, reflect_neurons, reflection_offset, remove_zero_neuron, split_ratio,
                                verify_same_function)

MU = sp.Symbol("mu", real=True)


def symbolic(model):
    return np.array(model.parameters, dtype=object)


TWO_LAYER = [
    dict(d_in=2, width=3, activation="sigmoid"),
    dict(d_in=2, width=2, activation="tanh", bias=True, d_out=2),
    dict(d_in=1, width=2, activation="relu", bias=True),
    dict(d_in=3, width=2, activation="sigmoid", bias=True, d_out=3),
]


@pytest.mark.parametrize("spec", TWO_LAYER, ids=lambda s: f"{s['activation']}-{s.get('d_out', 1)}out")
def test_two_layer_operations_preserve_the_function_symbolically(spec):
    m = ss.models.two_layer(**spec)
    th = symbolic(m)
    r = spec["width"]
    for j in range(r):
        wide = duplicate_neuron(m, th, j, MU)
        assert hidden_layer(wide.model).width == r + 1
        verify_same_function((m, th), wide)
        back = merge_neurons(*wide, j, r)
        assert back.model == m
        assert all(sp.expand(a - b) == 0 for a, b in zip(back.theta, th))
    perm = list(range(1, r)) + [0]
    verify_same_function((m, th), (m, permute_neurons(m, th, perm)))
    w_new = sp.symbols(f"u1:{spec['d_in'] + 1}", real=True)
    zero = add_zero_neuron(m, th, w_new, bias=sp.Symbol("c", real=True))
    verify_same_function((m, th), zero)
    assert remove_zero_neuron(*zero, r).model == m


@pytest.mark.parametrize("layer", [1, 2])
def test_mlp_hidden_layer_operations_preserve_the_function_symbolically(layer):
    m = ss.models.mlp([2, 2, 2, 1], "sigmoid")
    th = symbolic(m)
    wide = duplicate_neuron(m, th, 0, MU, layer=layer)
    assert dict(wide.model.info)["widths"][layer] == 3
    verify_same_function((m, th), wide)
    verify_same_function((m, th), (m, permute_neurons(m, th, [1, 0], layer=layer)))
    verify_same_function((m, th), (m, reflect_neurons(m, th, [1], layer=layer)))   # absorbed by b_{l+1}
    verify_same_function((m, th), add_zero_neuron(m, th, [sp.Symbol("u"), sp.Symbol("v")], bias=1, layer=layer))


def test_the_symbolic_check_can_fail():
    """Negating one sigmoid neuron without absorbing σ(−z) = 1 − σ(z)'s constant changes f by a_j."""
    m = ss.models.two_layer(2, 2, "sigmoid")
    th = symbolic(m)
    bad = th.copy()
    bad[[0, 1, 4]] = -th[[0, 1, 4]]                    # (w_1, a_1) → (−w_1, −a_1)
    with pytest.raises(SymmetryCheckError, match="a_{1}"):
        verify_same_function((m, th), (m, bad))
    wrong_split = duplicate_neuron(m, th, 0, MU).theta
    wrong_split[-1] = MU * th[4]                       # μ a_1 + μ a_1 ≠ a_1
    with pytest.raises(SymmetryCheckError):
        verify_same_function((m, th), (duplicate_neuron(m, th, 0).model, wrong_split))


def test_reflection_offsets_against_mpmath():
    """σ(−z) + σ(z) = α at 50 digits for the derived α (sigmoid 1, tanh 0)."""
    expected = {"sigmoid": lambda z: 1 / (1 + mpmath.exp(z)) + 1 / (1 + mpmath.exp(-z)), "tanh": lambda z: mpmath.tanh(-z) + mpmath.tanh(z)}
    with mpmath.workdps(50):
        for name, fn in expected.items():
            alpha = reflection_offset(name)
            for z in (mpmath.mpf("-3.7"), mpmath.mpf("0.25"), mpmath.mpf(11)):
                assert abs(fn(z) - mpmath.mpf(int(alpha))) < mpmath.mpf(10) ** -45
    assert reflection_offset("sigmoid") == 1 and reflection_offset("tanh") == 0


@pytest.mark.parametrize("activation", ["relu", "squared_relu", "leaky_relu"])
def test_activation_without_reflection_symmetry_is_refused(activation):
    with pytest.raises(ActivationSymmetryError, match="no reflection symmetry"):
        reflection_offset(activation)
    m = ss.models.two_layer(2, 2, activation, bias=True)
    with pytest.raises(ActivationSymmetryError):
        reflect_neurons(m, np.ones(m.n_parameters), [0])


def test_sigmoid_reflection_needs_something_to_absorb_the_constant():
    m = ss.models.two_layer(2, 3, "sigmoid")                 # no biases (seed 003 §6.2)
    th = symbolic(m)
    with pytest.raises(ActivationSymmetryError, match="nothing can absorb"):
        reflect_neurons(m, th, [0])
    # seed 003 §6.2.2: two neurons with outgoing +a and −a flip together
    pair = th.copy()
    pair[7] = -th[6]
    verify_same_function((m, pair), (m, reflect_neurons(m, pair, [0, 1])))
    # a neuron with zero incoming weights (σ(0) = ½) absorbs the constant
    const = th.copy()
    const[4:6] = 0
    out = reflect_neurons(m, const, [0])
    verify_same_function((m, const), (m, out))
    assert sp.expand(out[8] - (th[8] + 2 * th[6])) == 0       # a_3 + a_1 / σ(0)
    # a tanh network needs nothing
    mt = ss.models.two_layer(2, 3, "tanh")
    verify_same_function((mt, symbolic(mt)), (mt, reflect_neurons(mt, symbolic(mt), [0, 2])))


finite = st.floats(-3, 3, allow_nan=False)


@settings(max_examples=30, deadline=None, derandomize=True)
@given(st.lists(finite, min_size=15, max_size=15), st.floats(-5, 5, allow_nan=False), st.integers(0, 4))
def test_float_operations_preserve_the_function_numerically(values, mu, j):
    m = ss.models.two_layer(2, 5, "sigmoid")
    th = np.array(values)
    X = np.random.default_rng(0).normal(size=(50, 2))
    scale = 1 + np.abs(th).sum() * (1 + abs(mu))
    wide = duplicate_neuron(m, th, j, mu)
    assert max_function_difference((m, th), wide, X) <= 1e-14 * scale
    if abs(th[10 + j]) > 1e-9 * np.max(np.abs(th[10:])):      # not of zero type, relative to the layer
        assert split_ratio(*wide, j, 5) == pytest.approx(mu, abs=1e-12 * (1 + abs(mu)))
    else:
        with pytest.raises(NeuronMismatchError, match="summing to zero"):
            split_ratio(*wide, j, 5)
    moved = move_along_si_line(*wide, j, 5, 0.25)
    assert max_function_difference((m, th), (wide.model, moved), X) <= 1e-14 * scale
    back = merge_neurons(*wide, j, 5)
    np.testing.assert_allclose(back.theta, th, rtol=0, atol=1e-14 * scale)
    perm = np.random.default_rng(j).permutation(5)
    permuted = permute_neurons(m, th, perm)
    np.testing.assert_array_equal(permute_neurons(m, permuted, np.argsort(perm)), th)


def test_bad_input_errors():
    m = ss.models.two_layer(2, 3, "sigmoid")
    th = np.arange(1.0, 10.0)
    with pytest.raises(NeuronMismatchError, match="different incoming weights"):
        merge_neurons(m, th, 0, 1)
    with pytest.raises(NeuronMismatchError, match="not a duplicated pair"):
        move_along_si_line(m, th, 0, 2, 0.3)
    with pytest.raises(NeuronMismatchError, match="not a duplicated pair"):
        split_ratio(m, th, 0, 2)
    with pytest.raises(NeuronMismatchError, match="not of zero type"):
        remove_zero_neuron(m, th, 0)
    with pytest.raises(NeuronIndexError):
        duplicate_neuron(m, th, 3)
    with pytest.raises(NeuronIndexError):
        permute_neurons(m, th, [0, 0, 1])
    with pytest.raises(ShapeError):
        duplicate_neuron(m, th[:-1], 0)
    with pytest.raises(ShapeError):
        add_zero_neuron(m, th, [1.0, 2.0, 3.0])
    with pytest.raises(UnsupportedModelError, match="fixed outer layer"):
        hidden_layer(ss.models.two_layer(2, 2, "relu", output_weights=[1, 1]))
    with pytest.raises(UnsupportedModelError, match="two_layer"):
        hidden_layer(ss.models.deep_linear([2, 2, 1]))
    with pytest.raises(UnsupportedModelError, match="1..2"):
        hidden_layer(ss.models.mlp([2, 2, 2, 1], "tanh"), 3)
    with pytest.raises(UnsupportedModelError, match=r"1\.\.2 \(layers count from 1; layer 0 is the input\), got 0"):
        hidden_layer(ss.models.mlp([2, 2, 2, 1], "tanh"), 0)        # layer 0 is the input, not a hidden layer
    assert hidden_layer(ss.models.mlp([2, 2, 2, 1], "tanh"), 1).incoming_block == "W1"   # layer l: outputs of W^{(l)}
    with pytest.raises(UnsupportedModelError, match="registered activation"):
        hidden_layer(ss.models.two_layer(2, 2, ss.leaky_relu(0.2)))
    for err in (NeuronMismatchError, NeuronIndexError, UnsupportedModelError, ActivationSymmetryError, SymmetryCheckError):
        assert issubclass(err, SymsaddleError)


def test_merge_tolerance_is_relative():
    """Coincidence is decided relative to ‖w‖: the same verdict in any units of θ."""
    m = ss.models.two_layer(2, 2, "tanh")
    for scale in (1e-30, 1.0, 1e30):
        th = scale * np.array([1.0, 2.0, 1.0, 2.0 + 1e-12, 1.0, 1.0])
        assert is_duplicated_pair(m, th, 0, 1)
        th[3] = scale * 2.001
        assert not is_duplicated_pair(m, th, 0, 1)
