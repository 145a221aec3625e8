"""Model builders: per-sample output expressions f(x; θ) with ordered parameters.

Every builder returns a :class:`Model`: an ordered tuple of parameter symbols
(the flat view θ ∈ R^P, used by every kernel), the same symbols grouped into
named blocks (the structured view: matrices W1, vectors u, v, ...), per-sample
input symbols x_1..x_d and one output expression per output unit. Data never
enter a model: the sample index is implicit, so expression size does not depend
on the number of samples n.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Iterable, Mapping, Sequence

import numpy as np
import sympy as sp

from ._activations import ACTIVATION_ARGUMENT, Activation, get_activation
from ._symmetries import Generator, LinearSymmetry, layer_generators
from .errors import NotDifferentiableError, ShapeError, UnboundSymbolError
from .protocol import MAX_DIRECTIONAL_ORDER


@dataclass(frozen=True)
class ParameterBlock:
    """A named group of parameters, stored row-major in the flat vector."""

    name: str
    shape: tuple[int, ...]
    symbols: tuple[sp.Symbol, ...]

    @property
    def size(self) -> int:
        return len(self.symbols)

    def matrix(self) -> sp.Matrix:
        """The block as a SymPy matrix (a column vector for 1-D blocks)."""
        if len(self.shape) == 1:
            return sp.Matrix(self.symbols)
        return sp.Matrix(self.shape[0], self.shape[1], self.symbols)


@dataclass(frozen=True)
class Dense:
    """One layer of a layered model:  z = W h + b,  h_next = σ(z)  (σ omitted for a linear layer).

    ``weight`` names the parameter block holding W (``None`` for a fixed matrix given exactly in
    ``fixed_weight``); ``shape`` = (d_out, d_in) of W as applied. With ``transposed`` the block
    stores Wᵀ, shape (d_in, d_out) (the row convention of seed 001 eq. (21)). ``bias`` names the
    block of b (length d_out) or is ``None``; ``activation`` is ``None`` for a linear layer.
    A vector block of length d_in stands for a (1, d_in) weight (one output unit).

    Layer descriptions are what the layer-structured kernels (:mod:`symsaddle._structured`)
    compose by the chain rule, from the per-layer symbolic pieces (σ, σ′, …; ℓ, ℓ′, …).
    """

    weight: str | None
    shape: tuple[int, int]
    activation: Activation | None = None
    bias: str | None = None
    transposed: bool = False
    fixed_weight: tuple[tuple[sp.Rational, ...], ...] | None = None

    def __post_init__(self):
        if (self.weight is None) == (self.fixed_weight is None):
            raise ValueError("a Dense layer needs exactly one of a weight block name and a fixed weight")
        if self.fixed_weight is not None and (len(self.fixed_weight), len(self.fixed_weight[0])) != self.shape:
            raise ShapeError(f"fixed weight must have shape {self.shape}")

    @property
    def d_out(self) -> int:
        return self.shape[0]

    @property
    def d_in(self) -> int:
        return self.shape[1]

    @property
    def is_linear(self) -> bool:
        """True when the layer applies no activation, or the identity."""
        return self.activation is None or self.activation.name == "identity"

    def weight_matrix(self, blocks: Mapping[str, ParameterBlock]) -> sp.Matrix:
        """W as a SymPy matrix (d_out × d_in)."""
        if self.weight is None:
            return sp.Matrix(self.fixed_weight)
        block = blocks[self.weight]
        if self.transposed:
            return block.matrix().T
        return sp.Matrix(self.d_out, self.d_in, block.symbols)


class Model:
    """A parametric model f(x; θ): ordered parameters, per-sample inputs and outputs.

    Attributes
    ----------
    name: short identifier, e.g. ``"two_layer"``.
    blocks: the structured view of the parameters, in flat order.
    inputs: per-sample input symbols (x_1, ..., x_{d_in}).
    outputs: one SymPy expression per output unit, in the parameters and inputs. For a
        layered model (``layers`` given) they are built on first access only: the
        layer-structured kernels never need them, only the per-sample symbolic path does.
    layers: for models built from layers (``two_layer``, ``mlp``, ``deep_linear``), the
        :class:`Dense` layers in order; ``None`` for models given by expressions.
    formula: LaTeX description of f.
    info: builder arguments (activation, widths, ...), for reports.
    symmetries: for a model given by expressions, generators of a group acting linearly on θ
        that leaves every output unchanged (see :mod:`symsaddle._symmetries`); a layered model's
        are read from its layers. :meth:`orbit_tangents` gives the orbit's tangents at θ.

    Models are immutable; two models are equal when they have the same name, blocks,
    inputs, layers (or, without layers, outputs), formula and info.
    """

    def __init__(self, name: str, blocks: Sequence[ParameterBlock], inputs: Sequence[sp.Symbol],
                 outputs: Sequence[sp.Expr] | None = None, formula: str = "",
                 info: tuple[tuple[str, object], ...] = (), *, layers: Sequence[Dense] | None = None,
                 symmetries: Sequence[Generator] = ()):
        if outputs is None and layers is None:
            raise ValueError(f"model {name!r} needs output expressions or layers")
        if layers is not None and symmetries:
            raise ValueError(f"model {name!r}: a layered model's symmetries are read from its layers")
        for key, value in (("name", name), ("blocks", tuple(blocks)), ("inputs", tuple(inputs)),
                           ("formula", formula), ("info", tuple(info)),
                           ("layers", None if layers is None else tuple(layers)),
                           ("_given_outputs", None if outputs is None else tuple(outputs)),
                           ("_given_symmetries", tuple(tuple(tuple(e) for e in g) for g in symmetries))):
            object.__setattr__(self, key, value)
        params = self.parameters
        if len(set(params)) != len(params):
            raise ValueError(f"model {self.name!r}: a parameter symbol appears twice")
        if set(params) & set(self.inputs):
            raise ValueError(f"model {self.name!r}: a symbol is both a parameter and an input")
        if self.layers is not None:
            self._check_layers()
        if self._given_outputs is not None:
            self._check_outputs(self._given_outputs)

    def __setattr__(self, key, value):
        raise AttributeError(f"Model is immutable (cannot set {key!r})")

    def _identity(self) -> tuple:
        body = self.layers if self.layers is not None else self._given_outputs
        return (self.name, self.blocks, self.inputs, body, self.formula, self.info, self._given_symmetries)

    def __eq__(self, other) -> bool:
        return isinstance(other, Model) and self._identity() == other._identity()

    def __hash__(self) -> int:
        return hash(self._identity())

    def __repr__(self) -> str:
        return (f"Model(name={self.name!r}, P={self.n_parameters}, d_in={self.d_in}, "
                f"d_out={self.d_out}, layered={self.layers is not None})")

    def _check_outputs(self, outputs) -> None:
        allowed = set(self.parameters) | set(self.inputs)
        for k, out in enumerate(outputs):
            unbound = sorted((s for s in out.free_symbols if s not in allowed), key=str)
            if unbound:
                raise UnboundSymbolError(
                    f"model {self.name!r}: output {k} contains symbols {unbound} that are "
                    "neither parameters nor inputs; bind them to numbers or declare them"
                )
            check_closed_form_derivatives(out, f"model {self.name!r}: output {k}")

    def _check_layers(self) -> None:
        blocks = {b.name: b for b in self.blocks}
        width = self.d_in
        used = []
        for i, layer in enumerate(self.layers):
            if layer.d_in != width:
                raise ShapeError(f"model {self.name!r}: layer {i + 1} takes {layer.d_in} inputs, "
                                 f"the previous layer gives {width}")
            if layer.weight is not None:
                expected = (layer.d_in, layer.d_out) if layer.transposed else layer.shape
                b = blocks.get(layer.weight)
                one_row = layer.d_out == 1 and b is not None and b.shape == (layer.d_in,)
                if b is None or (b.shape != expected and not one_row):
                    raise ShapeError(f"model {self.name!r}: layer {i + 1} needs a weight block "
                                     f"{layer.weight!r} of shape {expected}")
                used.append(layer.weight)
            if layer.bias is not None:
                b = blocks.get(layer.bias)
                if b is None or b.shape != (layer.d_out,):
                    raise ShapeError(f"model {self.name!r}: layer {i + 1} needs a bias block "
                                     f"{layer.bias!r} of shape ({layer.d_out},)")
                used.append(layer.bias)
            if layer.activation is not None:
                check_closed_form_derivatives(layer.activation(ACTIVATION_ARGUMENT),
                                              f"model {self.name!r}: the activation of layer {i + 1}")
            width = layer.d_out
        if sorted(used) != sorted(blocks):
            raise ValueError(f"model {self.name!r}: the layers use blocks {used}, the model has "
                             f"{list(blocks)}")

    @cached_property
    def outputs(self) -> tuple[sp.Expr, ...]:
        """One expression per output unit (built from the layers on first access)."""
        if self._given_outputs is not None:
            return self._given_outputs
        blocks = {b.name: b for b in self.blocks}
        h = sp.Matrix(self.inputs)
        for layer in self.layers:
            h = layer.weight_matrix(blocks) * h
            if layer.bias is not None:
                h = h + blocks[layer.bias].matrix()
            if layer.activation is not None:
                h = h.applyfunc(layer.activation)
        if all(layer.activation is None for layer in self.layers):
            return tuple(sp.expand(e) for e in h)   # polynomial (deep linear) outputs, expanded
        return tuple(h)

    @cached_property
    def parameters(self) -> tuple[sp.Symbol, ...]:
        """All parameter symbols in flat order (θ_1, ..., θ_P)."""
        return tuple(s for b in self.blocks for s in b.symbols)

    @property
    def n_parameters(self) -> int:
        return len(self.parameters)

    @property
    def d_in(self) -> int:
        return len(self.inputs)

    @property
    def d_out(self) -> int:
        if self.layers is not None:
            return self.layers[-1].d_out
        return len(self.outputs)

    def block(self, name: str) -> ParameterBlock:
        for b in self.blocks:
            if b.name == name:
                return b
        raise KeyError(f"model {self.name!r} has no parameter block {name!r}; "
                       f"blocks are {[b.name for b in self.blocks]}")

    def block_slices(self) -> dict[str, slice]:
        """Slice of each block in the flat parameter vector."""
        out, start = {}, 0
        for b in self.blocks:
            out[b.name] = slice(start, start + b.size)
            start += b.size
        return out

    def unflatten(self, theta: np.ndarray) -> dict[str, np.ndarray]:
        """Structured view of θ of shape (..., P): block name -> array (..., *block.shape)."""
        theta = np.asarray(theta)
        if theta.shape[-1:] != (self.n_parameters,):
            raise ShapeError(f"expected parameters with last axis {self.n_parameters}, "
                             f"got shape {theta.shape}")
        lead = theta.shape[:-1]
        return {b.name: theta[..., s].reshape(lead + b.shape)
                for b, s in zip(self.blocks, self.block_slices().values())}

    def flatten(self, blocks: Mapping[str, np.ndarray]) -> np.ndarray:
        """Inverse of :meth:`unflatten`; every block must be given."""
        missing = [b.name for b in self.blocks if b.name not in blocks]
        if missing:
            raise KeyError(f"missing parameter blocks {missing}")
        parts = []
        lead = None
        for b in self.blocks:
            arr = np.asarray(blocks[b.name], dtype=float)
            if arr.shape[arr.ndim - len(b.shape):] != b.shape:
                raise ShapeError(f"block {b.name!r} must end in shape {b.shape}, got {arr.shape}")
            this_lead = arr.shape[: arr.ndim - len(b.shape)]
            if lead is None:
                lead = this_lead
            elif this_lead != lead:
                raise ShapeError(f"blocks have different batch shapes {lead} and {this_lead}")
            parts.append(arr.reshape(this_lead + (b.size,)))
        return np.concatenate(parts, axis=-1)

    def substitute(self, theta: Sequence) -> dict[sp.Symbol, object]:
        """Mapping parameter symbol -> value, for ``expr.subs``."""
        if len(theta) != self.n_parameters:
            raise ShapeError(f"expected {self.n_parameters} parameter values, got {len(theta)}")
        return dict(zip(self.parameters, theta))

    @cached_property
    def is_linear_in_inputs(self) -> bool:
        """True if every output is a homogeneous linear form in the inputs x."""
        if self.layers is not None:
            return all(layer.is_linear and layer.bias is None for layer in self.layers)
        for out in self.outputs:
            expanded = sp.expand(out)
            if expanded == 0:
                continue
            try:
                poly = sp.Poly(expanded, *self.inputs)
            except sp.PolynomialError:
                return False
            if any(sum(m) != 1 for m in poly.monoms()):
                return False
        return True

    @cached_property
    def output_function(self):
        """f(θ, x) lambdified to NumPy (with ``cse``): called as ``fn(theta_columns, input_rows)``."""
        from ._activations import NUMPY_FUNCTIONS
        return sp.lambdify([list(self.parameters), list(self.inputs)], list(self.outputs),
                           modules=[NUMPY_FUNCTIONS, "numpy"], cse=True)

    def evaluate(self, theta, X) -> np.ndarray:
        """f(x_i; θ) for every row of X (n, d_in) and one θ (P,): shape (n, d_out)."""
        th = np.asarray(theta, dtype=float)
        X = np.asarray(X, dtype=float)
        if th.shape != (self.n_parameters,):
            raise ShapeError(f"theta must have shape ({self.n_parameters},), got {th.shape}")
        if X.ndim != 2 or X.shape[1] != self.d_in:
            raise ShapeError(f"X must have shape (n, {self.d_in}), got {X.shape}")
        if self.layers is not None:
            from ._structured import forward_outputs
            return forward_outputs(self, th[None, :], X)[0]
        vals = self.output_function(list(th), list(X.T))
        return np.stack([np.broadcast_to(np.asarray(v, dtype=float), (X.shape[0],)) for v in vals], axis=1)

    @cached_property
    def symmetry(self) -> LinearSymmetry:
        """The continuous symmetries of f (:mod:`symsaddle._symmetries`): read from the layers, or declared."""
        generators = layer_generators(self) if self.layers is not None else self._given_symmetries
        return LinearSymmetry.from_generators(self.n_parameters, generators)

    def orbit_tangents(self, theta) -> np.ndarray:
        """ξ_g θ for every symmetry generator ξ_g, as the columns of a (P, m) array (m = 0: none known)."""
        th = np.asarray(theta, dtype=float)
        if th.shape != (self.n_parameters,):
            raise ShapeError(f"theta must have shape ({self.n_parameters},), got {th.shape}")
        return self.symmetry.tangents(th)

    def describe(self) -> dict[str, object]:
        return {"name": self.name, "n_parameters": self.n_parameters, "d_in": self.d_in,
                "d_out": self.d_out, "blocks": {b.name: list(b.shape) for b in self.blocks},
                **{k: v for k, v in self.info}}


# ---------------------------------------------------------------------------
# helpers

#: What SymPy leaves where a derivative has no closed form the kernels can evaluate.
_NOT_CLOSED_FORM = (sp.Derivative, sp.Subs, sp.DiracDelta)


def check_closed_form_derivatives(expr: sp.Expr, where: str) -> None:
    """Refuse ``expr`` if a function applied in it (``Abs``, ``Heaviside``, ``Max``, an undefined ``g``, …)
    has a derivative of order ≤ 4 (:data:`MAX_DIRECTIONAL_ORDER`) that SymPy cannot give in closed form.

    Each function is probed once, f(z_1, …) with a symbol z_i per argument that is real when the
    argument is (``Abs`` of a complex symbol differentiates to an unevaluated ``Derivative`` of ``re``);
    ``Piecewise`` is exempt (its derivatives are the pieces' derivatives, which are probed themselves).
    Raises :class:`NotDifferentiableError` naming the function, the order and what to use instead.
    """
    for node in sp.preorder_traversal(expr):
        if not isinstance(node, sp.core.function.Application) or isinstance(node, sp.Piecewise) \
                or not node.free_symbols:
            continue
        args = [(sp.Symbol(f"z_{i + 1}", real=True) if arg.is_real else sp.Symbol(f"z_{i + 1}"))
                if arg.free_symbols else arg for i, arg in enumerate(node.args)]
        missing = _first_derivative_not_in_closed_form(node.func(*args))
        if missing is None:
            continue
        order, derivative = missing
        real_hint = "" if all(arg.is_real for arg in node.args if arg.free_symbols) else (
            "; its argument is not known to be real: declare the symbols with real=True")
        raise NotDifferentiableError(
            f"{where} contains {node}: the derivative of order {order} of {node.func.__name__} is not available "
            f"in closed form (SymPy gives {derivative}, z_i standing for argument i), and the kernels evaluate "
            f"derivatives up to order {MAX_DIRECTIONAL_ORDER}{real_hint}. Use a smooth function, or symsaddle's "
            "kink-aware pieces: "
            "ss.Step(z) (1 for z > 0, else 0, with Step' = 0; relu(z) = z*Step(z), |z| = z*(2*Step(z) - 1)) "
            "or the activations 'relu', 'leaky_relu', 'squared_relu' of models.two_layer / models.mlp")


@lru_cache(maxsize=None)
def _first_derivative_not_in_closed_form(probe: sp.Expr) -> tuple[int, sp.Expr] | None:
    """(k, ∂ᵏprobe/∂z^k) for the first order k ≤ 4 and argument symbol z where SymPy leaves a
    ``Derivative``, ``Subs`` or ``DiracDelta``; ``None`` when every such derivative is closed-form."""
    for z in sorted(probe.free_symbols, key=str):
        derivative = probe
        for order in range(1, MAX_DIRECTIONAL_ORDER + 1):
            derivative = sp.diff(derivative, z)
            if derivative.has(*_NOT_CLOSED_FORM):
                return order, derivative
    return None


def _real_symbols(names: Iterable[str]) -> tuple[sp.Symbol, ...]:
    return tuple(sp.Symbol(n, real=True) for n in names)


def _vector_block(name: str, latex_name: str, size: int) -> ParameterBlock:
    return ParameterBlock(name, (size,), _real_symbols(f"{latex_name}_{{{i + 1}}}" for i in range(size)))


def _matrix_block(name: str, latex_name: str, rows: int, cols: int) -> ParameterBlock:
    syms = _real_symbols(f"{latex_name}_{{{i + 1},{j + 1}}}" for i in range(rows) for j in range(cols))
    return ParameterBlock(name, (rows, cols), syms)


def input_symbols(d: int, name: str = "x") -> tuple[sp.Symbol, ...]:
    """Per-sample input symbols x_1..x_d."""
    return _real_symbols(f"{name}_{{{i + 1}}}" for i in range(d))


def _check_positive_int(value: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{what} must be a positive integer, got {value!r}")
    return int(value)


# ---------------------------------------------------------------------------
# builders


def diagonal_linear(d: int) -> Model:
    """Diagonal linear network f(x) = ⟨u ⊙ v, x⟩ (seed 000 §3, eq. (13)).

    Flat parameter order is θ = [v_1..v_d, u_1..u_d], as in seed 000 eq. (41).
    """
    d = _check_positive_int(d, "d")
    v = _vector_block("v", "v", d)
    u = _vector_block("u", "u", d)
    x = input_symbols(d)
    out = sum(ui * vi * xi for ui, vi, xi in zip(u.symbols, v.symbols, x))
    rescalings = [((d + i, d + i, 1.0), (i, i, -1.0)) for i in range(d)]      # u_i → c u_i, v_i → v_i / c
    return Model("diagonal_linear", (v, u), x, (out,), r"f(x) = \langle u \odot v, x\rangle",
                 (("d", d),), symmetries=rescalings)


def deep_linear(widths: Sequence[int], convention: str = "column") -> Model:
    """Deep linear network f(x) = W_N ⋯ W_1 x (seed 001 eq. (17)).

    ``widths = [d_0, d_1, ..., d_N]``; block ``W{h}`` has shape (d_h, d_{h-1}).
    With ``convention="row"`` the blocks are the transposes, shape (d_{h-1}, d_h),
    and f(x)ᵀ = xᵀ W_1 ⋯ W_N (seed 001 eq. (21), ``X W1 W2 W3``).
    """
    widths = [_check_positive_int(w, "each width") for w in widths]
    if len(widths) < 2:
        raise ValueError(f"deep_linear needs at least [d_in, d_out], got widths={widths}")
    if convention not in ("column", "row"):
        raise ValueError(f"convention must be 'column' or 'row', got {convention!r}")
    x = input_symbols(widths[0])
    blocks, layers = [], []
    for k in range(1, len(widths)):
        if convention == "column":
            blocks.append(_matrix_block(f"W{k}", f"W^{{({k})}}", widths[k], widths[k - 1]))
        else:
            blocks.append(_matrix_block(f"W{k}", f"W^{{({k})}}", widths[k - 1], widths[k]))
        layers.append(Dense(f"W{k}", (widths[k], widths[k - 1]), transposed=convention == "row"))
    formula = (r"f(x) = W_N \cdots W_1 x" if convention == "column"
               else r"f(x)^\top = x^\top W_1 \cdots W_N")
    return Model("deep_linear", tuple(blocks), x, None, formula,
                 (("widths", tuple(widths)), ("convention", convention)), layers=layers)


def two_layer(d_in: int, width: int, activation: str | Activation, bias: bool = False,
              d_out: int = 1, output_weights: Sequence[float] | None = None) -> Model:
    """Two-layer network f_k(x) = Σ_j a_{kj} σ(w_j·x + b_j) (seeds 002 and 003 §6.1).

    Blocks in flat order: ``W`` (width × d_in), ``b`` (width, if ``bias``),
    ``a`` (d_out × width). With ``output_weights`` (numbers, length width·d_out)
    the outer layer is fixed and not a parameter (e.g. a single-layer squared-ReLU
    network Σ_j σ(w_j·x)², seed 002 §2).
    """
    d_in = _check_positive_int(d_in, "d_in")
    width = _check_positive_int(width, "width")
    d_out = _check_positive_int(d_out, "d_out")
    act = get_activation(activation)
    x = input_symbols(d_in)
    W = _matrix_block("W", "w", width, d_in)
    blocks = [W]
    hidden = Dense("W", (width, d_in), act)
    if bias:
        blocks.append(_vector_block("b", "b", width))
        hidden = Dense("W", (width, d_in), act, bias="b")
    if output_weights is None:
        blocks.append(_matrix_block("a", "a", d_out, width) if d_out > 1 else _vector_block("a", "a", width))
        out = Dense("a", (d_out, width))
    else:
        vals = np.asarray(output_weights, dtype=float).ravel()
        if vals.size != d_out * width or not np.all(np.isfinite(vals)):
            raise ShapeError(f"output_weights must hold {d_out * width} finite numbers, "
                             f"got {np.asarray(output_weights).shape}")
        exact = [sp.nsimplify(float(v), rational=True) for v in vals]
        out = Dense(None, (d_out, width), fixed_weight=tuple(tuple(exact[k * width:(k + 1) * width])
                                                               for k in range(d_out)))
    info = (("activation", act.name), ("bias", bias), ("width", width),
            ("output_weights", "trainable" if output_weights is None else "fixed"))
    return Model("two_layer", tuple(blocks), x, None, r"f(x) = \sum_j a_j\,\sigma(w_j\cdot x"
                 + (" + b_j" if bias else "") + r"),\ \sigma = " + act.latex, info, layers=(hidden, out))


def mlp(widths: Sequence[int], activation: str | Activation, bias: bool = True) -> Model:
    """Multi-layer perceptron h_k = σ(W_k h_{k-1} + b_k), linear output layer.

    ``widths = [d_in, n_1, ..., n_{L-1}, d_out]``; blocks ``W1, b1, ..., WL, bL``.
    """
    widths = [_check_positive_int(w, "each width") for w in widths]
    if len(widths) < 2:
        raise ValueError(f"mlp needs at least [d_in, d_out], got widths={widths}")
    act = get_activation(activation)
    x = input_symbols(widths[0])
    blocks, layers = [], []
    for k in range(1, len(widths)):
        blocks.append(_matrix_block(f"W{k}", f"W^{{({k})}}", widths[k], widths[k - 1]))
        if bias:
            blocks.append(_vector_block(f"b{k}", f"b^{{({k})}}", widths[k]))
        layers.append(Dense(f"W{k}", (widths[k], widths[k - 1]), act if k < len(widths) - 1 else None,
                            bias=f"b{k}" if bias else None))
    return Model("mlp", tuple(blocks), x, None, r"f = W_L\sigma(\cdots\sigma(W_1 x"
                 + (" + b_1" if bias else "") + r")\cdots)", (("widths", tuple(widths)),
                                                               ("activation", act.name),
                                                               ("bias", bias)), layers=layers)


def custom(outputs: sp.Expr | Sequence[sp.Expr], parameters: Sequence[sp.Symbol],
           inputs: Sequence[sp.Symbol], name: str = "custom") -> Model:
    """A model from SymPy expression(s), parameter symbols (flat order) and input symbols.

    Only SymPy objects are accepted: strings are refused (no ``sympify`` of user text).
    Every free symbol of the outputs must be a parameter or an input.
    """
    outs = [outputs] if isinstance(outputs, sp.Basic) else list(outputs)
    for o in outs:
        if not isinstance(o, sp.Expr):
            raise TypeError(f"custom model outputs must be SymPy expressions, got {type(o).__name__}")
    for s in list(parameters) + list(inputs):
        if not isinstance(s, sp.Symbol):
            raise TypeError(f"parameters and inputs must be SymPy symbols, got {s!r}")
    block = ParameterBlock("theta", (len(parameters),), tuple(parameters))
    return Model(name, (block,), tuple(inputs), tuple(outs), "custom")
