"""Neuron symmetries of a hidden layer (seed 003 §4.2–4.3, §6.2.2, §6.2.5; issue 9 part 1).

Each operation maps a parameter vector of a network whose hidden layer has width r to one of
width m (m = r, r + 1 or r − 1) and leaves the network function x ↦ f(x; θ) unchanged:

* :func:`permute_neurons` — relabel the neurons (m = r);
* :func:`duplicate_neuron` — neuron j becomes two neurons with the same incoming vector and
  outgoing vectors μ a_j and (1 − μ) a_j (m = r + 1; the copy is appended as neuron r);
  all μ ∈ R together form the symmetry-induced (SI) line θ(μ) of seed 003 §4.2 and §6.2.5;
* :func:`add_zero_neuron` — a neuron with a = 0 and any incoming vector (m = r + 1);
* :func:`merge_neurons` — the inverse of a duplication: two neurons with the same incoming
  vector become one whose outgoing vector is the sum (m = r − 1);
* :func:`remove_zero_neuron` — the inverse of :func:`add_zero_neuron` (m = r − 1);
* :func:`move_along_si_line` / :func:`split_ratio` — set / read μ on a duplicated pair;
* :func:`reflect_neurons` — the reflection symmetry of the activation,
  σ(−z) = α − σ(z): (w_j, b_j, a_j) → (−w_j, −b_j, −a_j), which changes f by the constant
  α Σ_{j∈S} a_j at the next layer. For an odd σ (tanh: α = 0) it is always a symmetry;
  for the sigmoid (α = 1, seed 003 §6.2.2) only when that constant is absorbed — by the next
  layer's bias, by a neuron with zero incoming weights (a constant neuron), or because the
  flipped outgoing vectors sum to zero (the two-neuron example of §6.2.2).

Numbering (README, *Numbering*): ``neuron``, ``i``, ``j`` count the neurons of a layer from 0;
``layer`` counts hidden layers from 1, the input being layer 0 (default: the last hidden layer).

Every operation works on float parameters and on object arrays of SymPy expressions;
:func:`verify_same_function` proves on the model's per-sample output expressions that two
points implement the same function (it is how the tests check each operation for symbolic
parameters).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Sequence

import numpy as np
import sympy as sp

from .. import ACTIVATION_ARGUMENT, Activation, get_activation
from ..errors import ShapeError
from ..models import Model
from .errors import ActivationSymmetryError, NeuronIndexError, NeuronMismatchError, SymmetryCheckError
from .layers import HiddenLayer, LayerParameters, NetworkPoint, hidden_layer
from .tolerances import DEFAULT_TOLERANCES, SymmetryTolerances, norm

# ---------------------------------------------------------------------------------------------
# helpers


def _is_symbolic(*arrays) -> bool:
    return any(isinstance(a, sp.Basic) or (isinstance(a, np.ndarray) and a.dtype == object) for a in arrays)


def _as_theta(theta):
    th = np.asarray(theta)
    if th.dtype != object:
        th = th.astype(float)
        if not np.all(np.isfinite(th)):
            from ..errors import NonFiniteDataError
            raise NonFiniteDataError("theta contains NaN or inf")
    return th


def _neuron(j, width: int, what: str = "neuron") -> int:
    if isinstance(j, bool) or not isinstance(j, (int, np.integer)) or not 0 <= j < width:
        raise NeuronIndexError(f"{what} index must be an integer in 0..{width - 1} (neurons count from 0), got {j!r}")
    return int(j)


def _layer_and_params(model: Model, theta, layer: int | None) -> tuple[HiddenLayer, LayerParameters]:
    hl = hidden_layer(model, layer)
    return hl, hl.parameters(_as_theta(theta))


def _equal_vectors(u: np.ndarray, v: np.ndarray, tol: SymmetryTolerances) -> bool:
    if _is_symbolic(u, v):
        return all(sp.simplify(sp.sympify(x) - sp.sympify(y)) == 0 for x, y in zip(u, v))
    return tol.coincide(u, v)


def _vanishing(a: np.ndarray, scale_vectors: np.ndarray, tol: SymmetryTolerances) -> bool:
    if _is_symbolic(a):
        return all(sp.simplify(sp.sympify(x)) == 0 for x in a)
    scale = float(np.max(norm(scale_vectors, axis=0)))
    return tol.vanishes(a, scale)


def _with(params: LayerParameters, incoming, bias, outgoing, blocks=None) -> LayerParameters:
    return LayerParameters(incoming, bias, outgoing, dict(params.blocks if blocks is None else blocks))


# ---------------------------------------------------------------------------------------------
# permutations, duplication, zero-type neurons, merging


def permute_neurons(model: Model, theta, permutation: Sequence[int], *, layer: int | None = None) -> np.ndarray:
    """θ with the neurons of the hidden layer reordered: new neuron k is old neuron ``permutation[k]``."""
    hl, p = _layer_and_params(model, theta, layer)
    perm = np.asarray(permutation)
    if perm.shape != (hl.width,) or sorted(perm.tolist()) != list(range(hl.width)):
        raise NeuronIndexError(f"permutation must be a rearrangement of 0..{hl.width - 1}, got {list(permutation)}")
    bias = None if p.bias is None else p.bias[perm]
    return hl.assemble(_with(p, p.incoming[perm], bias, p.outgoing[:, perm]))


def duplicate_neuron(model: Model, theta, neuron: int, mu=0.5, *, layer: int | None = None) -> NetworkPoint:
    """The SI point θ(μ) = (θ ⊕ [θ]_j)(μ) of the width-(r+1) network (seed 003 §4.2, Theorem 3).

    Neuron j keeps its incoming vector and bias and gets the outgoing vector μ a_j; the copy,
    appended as neuron r (0-based), has the same incoming vector and (1 − μ) a_j. Any real μ
    (or a SymPy symbol) is allowed: μ ∉ [0, 1] are points of the same line.
    """
    hl, p = _layer_and_params(model, theta, layer)
    j = _neuron(neuron, hl.width)
    if not _is_symbolic(mu) and not np.isfinite(float(mu)):
        raise ValueError(f"mu must be a finite number, got {mu!r}")
    wide = hl.with_width(hl.width + 1)
    outgoing = np.concatenate([p.outgoing, (1 - mu) * p.outgoing[:, j:j + 1]], axis=1)
    outgoing[:, j] = mu * p.outgoing[:, j]
    incoming = np.concatenate([p.incoming, p.incoming[j:j + 1]], axis=0)
    bias = None if p.bias is None else np.append(p.bias, p.bias[j])
    return NetworkPoint(wide.model, wide.assemble(_with(p, incoming, bias, outgoing)))


def add_zero_neuron(model: Model, theta, incoming, *, bias=0.0, layer: int | None = None) -> NetworkPoint:
    """Append a zero-type neuron: outgoing vector 0, incoming vector ``incoming`` (free), and
    bias ``bias`` if the layer has biases (seed 003 §4.2, the b₁ neurons of the affine subspace)."""
    hl, p = _layer_and_params(model, theta, layer)
    w = np.asarray(incoming)
    if w.shape != (hl.fan_in,):
        raise ShapeError(f"incoming vector must have shape ({hl.fan_in},), got {w.shape}")
    wide = hl.with_width(hl.width + 1)
    outgoing = np.concatenate([p.outgoing, np.zeros((hl.fan_out, 1), dtype=p.outgoing.dtype)], axis=1)
    new_bias = None if p.bias is None else np.append(p.bias, bias)
    return NetworkPoint(wide.model, wide.assemble(_with(p, np.vstack([p.incoming, w[None, :]]), new_bias, outgoing)))


def _remove(hl: HiddenLayer, p: LayerParameters, j: int, outgoing: np.ndarray) -> NetworkPoint:
    keep = [k for k in range(hl.width) if k != j]
    narrow = hl.with_width(hl.width - 1)
    bias = None if p.bias is None else p.bias[keep]
    return NetworkPoint(narrow.model, narrow.assemble(_with(p, p.incoming[keep], bias, outgoing[:, keep])))


def merge_neurons(model: Model, theta, i: int, j: int, *, layer: int | None = None,
                  tolerances: SymmetryTolerances = DEFAULT_TOLERANCES) -> NetworkPoint:
    """The inverse of a duplication: neurons i and j (same incoming vector and bias) become
    neuron i with outgoing vector a_i + a_j; neuron j is removed (width r − 1).

    Raises :class:`NeuronMismatchError` if (w_i, b_i) and (w_j, b_j) differ (beyond
    ``tolerances.coincide``; exactly, for symbolic parameters).
    """
    hl, p = _layer_and_params(model, theta, layer)
    i, j = _neuron(i, hl.width), _neuron(j, hl.width)
    if i == j:
        raise NeuronIndexError(f"cannot merge neuron {i} with itself")
    if hl.width < 2:
        raise NeuronIndexError("merging needs a layer with at least two neurons")
    wi, wj = p.neuron_input(i), p.neuron_input(j)
    if not _equal_vectors(wi, wj, tolerances):
        raise NeuronMismatchError(
            f"neurons {i} and {j} have different incoming weights{' and biases' if p.bias is not None else ''} "
            f"({wi} vs {wj}); only duplicated neurons can be merged without changing the network function")
    outgoing = p.outgoing.copy()
    total = p.outgoing[:, i] + p.outgoing[:, j]
    outgoing[:, i] = [sp.expand(v) for v in total] if outgoing.dtype == object else total
    return _remove(hl, p, j, outgoing)


def remove_zero_neuron(model: Model, theta, neuron: int, *, layer: int | None = None,
                       tolerances: SymmetryTolerances = DEFAULT_TOLERANCES) -> NetworkPoint:
    """Remove a zero-type neuron (outgoing vector 0; width r − 1). Raises
    :class:`NeuronMismatchError` if its outgoing vector does not vanish."""
    hl, p = _layer_and_params(model, theta, layer)
    j = _neuron(neuron, hl.width)
    if hl.width < 2:
        raise NeuronIndexError("cannot remove the only neuron of a layer")
    if not _vanishing(p.outgoing[:, j], p.outgoing, tolerances):
        raise NeuronMismatchError(f"neuron {j} is not of zero type: its outgoing vector is {p.outgoing[:, j]}")
    return _remove(hl, p, j, p.outgoing)


def _duplicated_pair(model: Model, theta, i: int, j: int, layer, tolerances) -> tuple[HiddenLayer, LayerParameters, int, int]:
    hl, p = _layer_and_params(model, theta, layer)
    i, j = _neuron(i, hl.width), _neuron(j, hl.width)
    if i == j:
        raise NeuronIndexError(f"a duplicated pair needs two different neurons, got {i} twice")
    if not _equal_vectors(p.neuron_input(i), p.neuron_input(j), tolerances):
        raise NeuronMismatchError(f"neurons {i} and {j} are not a duplicated pair (different incoming weights "
                                  f"{p.neuron_input(i)} and {p.neuron_input(j)}): μ is defined only on a duplicated pair")
    return hl, p, i, j


def move_along_si_line(model: Model, theta, i: int, j: int, mu, *, layer: int | None = None,
                       tolerances: SymmetryTolerances = DEFAULT_TOLERANCES) -> np.ndarray:
    """θ with the duplicated pair (i, j) moved to μ on its SI line: a_i = μ s, a_j = (1 − μ) s with
    s = a_i + a_j. Raises :class:`NeuronMismatchError` if i and j are not a duplicated pair."""
    hl, p, i, j = _duplicated_pair(model, theta, i, j, layer, tolerances)
    s = p.outgoing[:, i] + p.outgoing[:, j]
    outgoing = p.outgoing.copy()
    outgoing[:, i], outgoing[:, j] = mu * s, (1 - mu) * s
    return hl.assemble(_with(p, p.incoming, p.bias, outgoing))


def split_ratio(model: Model, theta, i: int, j: int, *, layer: int | None = None,
                tolerances: SymmetryTolerances = DEFAULT_TOLERANCES) -> float:
    """μ of a duplicated pair: a_i = μ (a_i + a_j). Raises :class:`NeuronMismatchError` if i, j are
    not duplicated, if a_i + a_j = 0 (a zero-type pair: every μ fits), or if a_i is not parallel
    to a_i + a_j (a point of the SI subspace off the μ-line, possible for fan-out ≥ 2)."""
    hl, p, i, j = _duplicated_pair(model, theta, i, j, layer, tolerances)
    ai, s = np.asarray(p.outgoing[:, i], dtype=float), np.asarray(p.outgoing[:, i] + p.outgoing[:, j], dtype=float)
    scale = float(np.max(norm(p.outgoing, axis=0)))
    if tolerances.vanishes(s, scale):
        raise NeuronMismatchError(f"neurons {i} and {j} have outgoing vectors summing to zero: μ is undefined")
    size = norm(s)
    mu = float((ai / size) @ (s / size))
    if not tolerances.vanishes(ai - mu * s, scale):
        raise NeuronMismatchError(f"a_{i} = {ai} is not a multiple of a_{i} + a_{j} = {s}: not on a μ-line")
    return mu


# ---------------------------------------------------------------------------------------------
# reflection symmetry of the activation


@lru_cache(maxsize=None)
def reflection_offset(activation: str | Activation) -> sp.Expr:
    """α with σ(−z) = α − σ(z) for all z, derived symbolically; raises
    :class:`ActivationSymmetryError` if σ has no such symmetry.

    tanh and the identity are odd (α = 0); the sigmoid has α = 1 (seed 003 §6.2.2); ReLU,
    its relatives and softplus have none.
    """
    act = get_activation(activation)
    z = ACTIVATION_ARGUMENT
    total = act(-z) + act(z)
    slope = sp.diff(total, z)
    if sp.simplify(slope) != 0 and sp.simplify(slope.rewrite(sp.exp)) != 0:
        raise ActivationSymmetryError(
            f"activation {act.name!r} has no reflection symmetry σ(−z) = α − σ(z): σ(−z) + σ(z) = "
            f"{sp.simplify(total)} is not constant")
    return sp.nsimplify(sp.simplify(total.subs(z, 0).rewrite(sp.exp)))


def reflect_neurons(model: Model, theta, neurons: Sequence[int], *, layer: int | None = None,
                    tolerances: SymmetryTolerances = DEFAULT_TOLERANCES) -> np.ndarray:
    """Apply σ(−z) = α − σ(z) to the neurons S: (w_j, b_j, a_j) → (−w_j, −b_j, −a_j) for j ∈ S.

    The network's next pre-activation changes by the constant c = α Σ_{j∈S} a_j. The map is a
    symmetry of the network function exactly when c is absorbed, tried in this order:

    1. c = 0: σ is odd (α = 0, tanh), or the flipped outgoing vectors sum to zero (seed 003
       §6.2.2: two neurons with outgoing weights +1 and −1);
    2. the next layer has a bias (an ``mlp`` with biases): b_{l+1} ← b_{l+1} + c;
    3. a neuron k ∉ S with zero incoming weights (a constant neuron, σ(b_k) ≠ 0):
       a_k ← a_k + c / σ(b_k).

    Otherwise :class:`ActivationSymmetryError` explains why the map changes the function (e.g.
    a single sigmoid neuron of a two-layer net without biases: f changes by a_j).
    """
    hl, p = _layer_and_params(model, theta, layer)
    alpha = reflection_offset(hl.activation)
    S = sorted({_neuron(j, hl.width) for j in neurons})
    if not S:
        raise NeuronIndexError("no neuron to reflect")
    incoming, outgoing = p.incoming.copy(), p.outgoing.copy()
    bias = None if p.bias is None else p.bias.copy()
    for j in S:
        incoming[j], outgoing[:, j] = -p.incoming[j], -p.outgoing[:, j]
        if bias is not None:
            bias[j] = -p.bias[j]
    blocks = dict(p.blocks)
    symbolic = _is_symbolic(p.outgoing)
    shift = (alpha if symbolic else float(alpha)) * sum((p.outgoing[:, j] for j in S),
                                                        np.zeros(hl.fan_out, dtype=p.outgoing.dtype))
    if alpha == 0 or _vanishing(shift, p.outgoing, tolerances):
        pass
    elif hl.next_bias_block is not None:
        blocks[hl.next_bias_block] = p.blocks[hl.next_bias_block] + shift
    else:
        constant = [k for k in range(hl.width) if k not in S and
                    (all(sp.sympify(w) == 0 for w in p.incoming[k]) if symbolic else not np.any(p.incoming[k]))]
        if not constant:
            raise ActivationSymmetryError(
                f"reflecting neurons {S} with {hl.activation.name} (σ(−z) = {alpha} − σ(z)) changes the network "
                f"output by the constant {alpha}·Σ a_j = {shift}, and nothing can absorb it: the next layer has no "
                "bias, no other neuron has zero incoming weights, and the flipped outgoing vectors do not sum to 0")
        k = constant[0]
        level = hl.activation(p.bias[k] if p.bias is not None else sp.S.Zero)
        level = level if symbolic else float(sp.N(level.rewrite(sp.exp)))
        if not symbolic and level == 0:
            raise ActivationSymmetryError(f"the constant neuron {k} outputs σ(b_{k}) = 0 and cannot absorb a shift")
        outgoing[:, k] = p.outgoing[:, k] + shift / level
    return hl.assemble(LayerParameters(incoming, bias, outgoing, blocks))


# ---------------------------------------------------------------------------------------------
# symbolic check


def _exact(values) -> list:
    out = []
    for v in np.asarray(values, dtype=object).ravel():
        out.append(v if isinstance(v, sp.Basic) else sp.Rational(float(v)))
    return out


def _canonical(expr: sp.Expr, activation: Activation) -> sp.Expr:
    """Rewrite σ(u) with a 'negative' argument u as α − σ(−u) (when σ has a reflection symmetry),
    so that σ(−u) and α − σ(u) get one normal form, then expand."""
    head = activation(ACTIVATION_ARGUMENT)
    if isinstance(head, sp.Function) and head.args == (ACTIVATION_ARGUMENT,):
        try:
            alpha = reflection_offset(activation)
        except ActivationSymmetryError:
            alpha = None
        if alpha is not None:
            fn = head.func
            expr = expr.replace(lambda e: isinstance(e, fn) and e.args[0].could_extract_minus_sign(),
                                lambda e: alpha - fn(-e.args[0]))
    return sp.expand(expr)


def function_difference(a: NetworkPoint, b: NetworkPoint) -> tuple[sp.Expr, ...]:
    """f_b(x; θ_b) − f_a(x; θ_a) per output, as simplified SymPy expressions in the inputs x.

    Float parameters are converted to exact rationals; symbolic parameters are used as they are.
    """
    (ma, ta), (mb, tb) = a, b
    if ma.inputs != mb.inputs or ma.d_out != mb.d_out:
        raise ShapeError(f"the two models have different inputs or outputs ({ma.d_in}→{ma.d_out} vs "
                         f"{mb.d_in}→{mb.d_out})")
    ta, tb = np.asarray(ta, dtype=object), np.asarray(tb, dtype=object)
    if ta.shape != (ma.n_parameters,) or tb.shape != (mb.n_parameters,):
        raise ShapeError("each theta must hold one value per parameter of its model")
    fa = [o.xreplace(dict(zip(ma.parameters, _exact(ta)))) for o in ma.outputs]
    fb = [o.xreplace(dict(zip(mb.parameters, _exact(tb)))) for o in mb.outputs]
    acts = {get_activation(dict(m.info)["activation"]) for m in (ma, mb) if "activation" in dict(m.info)}
    out = []
    for ea, eb in zip(fa, fb):
        diff = eb - ea
        for act in acts:
            diff = _canonical(diff, act)
        if diff != 0:
            diff = sp.simplify(diff.rewrite(sp.exp))
        out.append(diff)
    return tuple(out)


def verify_same_function(a: NetworkPoint, b: NetworkPoint) -> None:
    """Prove that two points implement the same network function, on the per-sample output
    expressions; raises :class:`SymmetryCheckError` with the non-zero difference otherwise.

    Use exact parameters (SymPy symbols or rationals): float arithmetic inside an operation
    (e.g. μ a + (1 − μ) a) leaves rounding residues that a symbolic check rightly reports.
    """
    diff = function_difference(a, b)
    bad = [(k, d) for k, d in enumerate(diff) if d != 0]
    if bad:
        k, d = bad[0]
        raise SymmetryCheckError(f"the network functions differ: output {k} changes by {d}")


def max_function_difference(a: NetworkPoint, b: NetworkPoint, X) -> float:
    """max_i ‖f_b(x_i) − f_a(x_i)‖_∞ over the rows of X (a numeric check for float parameters)."""
    (ma, ta), (mb, tb) = a, b
    return float(np.max(np.abs(mb.evaluate(np.asarray(tb, dtype=float), X) - ma.evaluate(np.asarray(ta, dtype=float), X))))


def is_duplicated_pair(model: Model, theta, i: int, j: int, *, layer: int | None = None,
                       tolerances: SymmetryTolerances = DEFAULT_TOLERANCES) -> bool:
    """True if neurons i ≠ j of the layer have the same incoming vector (and bias)."""
    hl, p = _layer_and_params(model, theta, layer)
    i, j = _neuron(i, hl.width), _neuron(j, hl.width)
    return i != j and _equal_vectors(p.neuron_input(i), p.neuron_input(j), tolerances)


__all__ = ["NetworkPoint", "add_zero_neuron", "duplicate_neuron", "function_difference", "is_duplicated_pair",
           "max_function_difference", "merge_neurons", "move_along_si_line", "permute_neurons", "reflect_neurons",
           "reflection_offset", "remove_zero_neuron", "split_ratio", "verify_same_function"]
