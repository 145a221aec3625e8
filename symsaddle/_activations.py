"""Activation functions, written once for the symbolic, NumPy and mpmath paths.

Kink convention (seeds 002 and 003; used everywhere in symsaddle)
----------------------------------------------------------------
The ReLU family is built from the step function ``Step`` with

    Step(z) = 1 if z > 0,   Step(z) = 0 if z <= 0,   d Step / dz = 0,

so that

    relu(z)         = z · Step(z)                    relu'(0)         = 0
    leaky_relu(z)   = z · (α + (1 − α) · Step(z))     leaky_relu'(0)   = α
    squared_relu(z) = z² · Step(z)                   squared_relu''(0) = 0

At the kink this picks, for each activation, the minimum-norm element of its
Clarke subdifferential (∂relu(0) = [0, 1] ∋ 0, ∂leaky_relu(0) = [α, 1] ∋ α for
0 ≤ α < 1). The same ``Step`` is evaluated by the exact symbolic path (it
evaluates to 0 or 1 on numbers), by NumPy (``np.heaviside(z, 0)``) and by mpmath,
so the three paths agree at the kink. Note that applying the minimum-norm
element neuron by neuron does not in general give the minimum-norm Clarke
subgradient of the whole loss; ``symsaddle.ncf`` documents what that means for
non-smooth gradient flows.

Derivatives that keep relative precision in the tails
-----------------------------------------------------
The smooth activations are custom SymPy functions whose ``fdiff`` returns a form without
cancellation, so that every derivative SymPy forms from them (``sp.diff`` of a model, of a
loss, :meth:`Activation.derivative_expressions`) is a polynomial in factors that are each
computed to full relative precision:

    tanh' = sech²                      (not 1 − tanh², which is 0 for |z| ≳ 19)
    sech' = −sech · tanh
    σ'(z) = ¼ sech²(z/2) = σ(z)σ(−z)   (not σ(1 − σ), which is 0 for z ≳ 37)
    softplus' = σ                      (logistic loss softplus(−yf) = −log σ(yf))

so σ'' = −σ'·tanh(z/2) (not σ'(1 − 2σ)), tanh'' = −2 sech² tanh, and so on to any order.
NumPy evaluates them without overflow (sech z = 2e/(1 + e²), σ = 1/(1 + e) or e/(1 + e)
with e = e^{−|z|}) and with gradual underflow; mpmath with its own functions.
``tests/test_activations.py`` checks the value and four derivatives against mpmath at
50+ digits for |z| ≤ 700 (the error criterion is stated there).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import mpmath
import numpy as np
import sympy as sp

from .errors import UnknownActivationError


class Step(sp.Function):
    """Heaviside step with Step(0) = 0 and zero derivative (a.e. derivative)."""

    is_real = True

    @classmethod
    def eval(cls, z):
        if z.is_extended_positive:
            return sp.S.One
        if z.is_extended_nonpositive:
            return sp.S.Zero
        if isinstance(z, sp.Mul):  # Step(c·z) = Step(z) for c > 0: keeps homogeneity exact
            positive = [f for f in z.args if f.is_positive]
            if positive:
                rest = [f for f in z.args if not f.is_positive]
                return cls(sp.Mul(*rest))
        return None

    def fdiff(self, argindex: int = 1):
        return sp.S.Zero

    def _latex(self, printer, exp=None):
        tex = r"\mathbb{1}\left[%s > 0\right]" % printer._print(self.args[0])
        return tex if exp is None else r"\left(%s\right)^{%s}" % (tex, exp)


class Tanh(sp.Function):
    """tanh z, differentiated as tanh' = sech² z.

    SymPy's own ``tanh`` differentiates to 1 − tanh², which is exactly 0 in float64 once
    tanh z rounds to ±1 (|z| ≳ 19), although sech² z ≈ 4e^{−2|z|} is representable up to
    |z| ≈ 372. Every derivative of ``Tanh`` is a polynomial in ``Tanh`` and ``Sech`` whose
    terms do not cancel in the tails: tanh'' = −2 sech² tanh, tanh''' = 4 sech² tanh² − 2 sech⁴,
    tanh'''' = 16 sech⁴ tanh − 8 sech² tanh³.
    """

    is_real = True

    @classmethod
    def eval(cls, z):
        if z.is_zero:
            return sp.S.Zero
        if z.could_extract_minus_sign():
            return -cls(-z)
        return None

    def fdiff(self, argindex: int = 1):
        return Sech(self.args[0]) ** 2

    def _eval_rewrite_as_tanh(self, z, **kwargs):
        return sp.tanh(z)

    def _eval_rewrite_as_exp(self, z, **kwargs):
        return sp.tanh(z).rewrite(sp.exp)

    def _eval_evalf(self, prec):
        return sp.tanh(self.args[0])._eval_evalf(prec)

    def _latex(self, printer, exp=None):
        arg = printer._print(self.args[0])
        return (r"\tanh{\left(%s \right)}" % arg if exp is None
                else r"\tanh^{%s}{\left(%s \right)}" % (exp, arg))


class Sech(sp.Function):
    """sech z = 1/cosh z, differentiated as sech' = −sech · tanh (a product: no cancellation)."""

    is_real = True

    @classmethod
    def eval(cls, z):
        if z.is_zero:
            return sp.S.One
        if z.could_extract_minus_sign():
            return cls(-z)
        return None

    def fdiff(self, argindex: int = 1):
        z = self.args[0]
        return -Sech(z) * Tanh(z)

    def _eval_rewrite_as_sech(self, z, **kwargs):
        return sp.sech(z)

    def _eval_rewrite_as_exp(self, z, **kwargs):
        return 2 / (sp.exp(z) + sp.exp(-z))

    def _eval_evalf(self, prec):
        return sp.sech(self.args[0])._eval_evalf(prec)

    def _latex(self, printer, exp=None):
        arg = printer._print(self.args[0])
        return (r"\operatorname{sech}{\left(%s \right)}" % arg if exp is None
                else r"\operatorname{sech}^{%s}{\left(%s \right)}" % (exp, arg))


class Sigmoid(sp.Function):
    """Logistic sigmoid σ(z) = 1 / (1 + e^{−z}), differentiated as σ'(z) = ¼ sech²(z/2).

    ¼ sech²(z/2) = σ(z)σ(−z) keeps full relative precision for every z, where σ(1 − σ) is
    0 once σ rounds to 1 (z ≳ 37). The higher derivatives are products of stable factors,
    σ'' = −σ'·tanh(z/2) and so on, never forms with 1 − 2σ (which lose the relative
    precision of σ'' near its zero z = 0).
    """

    is_real = True

    @classmethod
    def eval(cls, z):
        if z.is_zero:
            return sp.S.Half
        return None

    def fdiff(self, argindex: int = 1):
        return Sech(self.args[0] / 2) ** 2 / 4

    def _eval_rewrite_as_exp(self, z, **kwargs):
        return 1 / (1 + sp.exp(-z))

    def _eval_evalf(self, prec):
        return self.rewrite(sp.exp)._eval_evalf(prec)

    def _latex(self, printer, exp=None):
        tex = r"\sigma\left(%s\right)" % printer._print(self.args[0])
        return tex if exp is None else r"%s^{%s}" % (tex, exp)


class Softplus(sp.Function):
    """softplus(z) = log(1 + e^{z}), with softplus' = σ.

    The logistic loss softplus(−y f) = −log σ(y f) is written with it; it is evaluated as
    ``logaddexp(0, z)`` (NumPy) and ``log1p(exp(z))`` (mpmath), accurate in both tails.
    """

    is_real = True

    @classmethod
    def eval(cls, z):
        if z.is_zero:            # softplus(0) = log 2, e.g. the logistic loss at f = 0
            return sp.log(2)
        return None

    def fdiff(self, argindex: int = 1):
        return Sigmoid(self.args[0])

    def _eval_rewrite_as_log(self, z, **kwargs):
        return sp.log(1 + sp.exp(z))

    def _eval_evalf(self, prec):
        return self.rewrite(sp.log)._eval_evalf(prec)

    def _latex(self, printer, exp=None):
        tex = r"\operatorname{softplus}\left(%s\right)" % printer._print(self.args[0])
        return tex if exp is None else r"%s^{%s}" % (tex, exp)


def _mp_step(z):
    return mpmath.mpf(1) if z > 0 else mpmath.mpf(0)


def _mp_sigmoid(z):
    return 1 / (1 + mpmath.exp(-z))


def _mp_softplus(z):
    return mpmath.log1p(mpmath.exp(z))


def _np_step(z):
    return np.heaviside(z, 0.0)


def _np_sigmoid(z):
    """σ(z) from e = e^{−|z|} ∈ (0, 1]: 1/(1 + e) for z ≥ 0 and e/(1 + e) for z < 0.

    Never overflows, and underflows gradually below z ≈ −708 (``scipy.special.expit``
    flushes to 0 there).
    """
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0, e) / (1.0 + e)


def _np_sech(z):
    """sech z = 2e/(1 + e²) with e = e^{−|z|}: never overflows (1/cosh z does for |z| > 710)."""
    e = np.exp(-np.abs(np.asarray(z, dtype=float)))
    return 2.0 * e / (1.0 + e * e)


def _np_softplus(z):
    return np.logaddexp(0.0, z)


#: Names of the custom functions mapped to their implementations, per backend. Every custom
#: SymPy function that can occur in a model, a loss or one of their derivatives has an entry.
NUMPY_FUNCTIONS: dict[str, Callable] = {
    "Step": _np_step,
    "Sigmoid": _np_sigmoid,
    "Softplus": _np_softplus,
    "Tanh": np.tanh,
    "Sech": _np_sech,
}
MPMATH_FUNCTIONS: dict[str, Callable] = {
    "Step": _mp_step,
    "Sigmoid": _mp_sigmoid,
    "Softplus": _mp_softplus,
    "Tanh": mpmath.tanh,
    "Sech": mpmath.sech,
}


@dataclass(frozen=True)
class Activation:
    """A scalar activation σ as a SymPy builder.

    ``homogeneity`` is the degree k with σ(c z) = c^k σ(z) for c > 0, or ``None``.
    ``smooth`` says whether σ is C^∞ (the ReLU family is not).
    """

    name: str
    build: Callable[[sp.Expr], sp.Expr]
    latex: str
    homogeneity: int | None
    smooth: bool

    def __call__(self, z: sp.Expr) -> sp.Expr:
        return self.build(z)

    def derivative_expressions(self, order: int) -> tuple[sp.Expr, ...]:
        """(σ(z), σ'(z), ..., σ⁽ᵒʳᵈᵉʳ⁾(z)) as SymPy expressions in :data:`ACTIVATION_ARGUMENT`.

        These are the per-layer pieces that layer-structured kernels compose by the chain
        rule (and, as Taylor coefficients σ⁽ʲ⁾/j!, propagate for directional derivatives).
        """
        return _derivative_expressions(self, order)

    def numpy_derivatives(self, order: int) -> Callable[[np.ndarray], list[np.ndarray]]:
        """z ↦ [σ(z), σ'(z), ..., σ⁽ᵒʳᵈᵉʳ⁾(z)] in NumPy (lambdified once, ``cse=True``).

        Every returned array has the shape of ``z`` (constant derivatives are broadcast).
        """
        return _numpy_derivatives(self, order)


def leaky_relu(slope: float = 0.01) -> Activation:
    """Leaky ReLU z ↦ z·(α + (1 − α)·Step(z)) with slope α ∈ [0, 1)."""
    if not (0 <= slope < 1) or not np.isfinite(slope):
        raise ValueError(f"leaky_relu slope must lie in [0, 1), got {slope!r}")
    alpha = sp.Rational(slope) if isinstance(slope, int) else sp.nsimplify(slope, rational=True)
    return Activation(
        name="leaky_relu",
        build=lambda z: z * (alpha + (1 - alpha) * Step(z)),
        latex=r"\max(\alpha z, z),\ \alpha=%s" % sp.latex(alpha),
        homogeneity=1,
        smooth=False,
    )


ACTIVATIONS: dict[str, Activation] = {
    "identity": Activation("identity", lambda z: z, "z", 1, True),
    "sigmoid": Activation("sigmoid", Sigmoid, r"\sigma(z) = 1/(1+e^{-z})", None, True),
    "tanh": Activation("tanh", Tanh, r"\tanh z", None, True),
    "relu": Activation("relu", lambda z: z * Step(z), r"\max(0, z)", 1, False),
    "leaky_relu": leaky_relu(),
    "squared_relu": Activation("squared_relu", lambda z: z**2 * Step(z), r"\max(0, z)^2", 2, False),
}


#: The symbol z in which :meth:`Activation.derivative_expressions` are written.
ACTIVATION_ARGUMENT = sp.Symbol("z", real=True)


@lru_cache(maxsize=None)
def _derivative_expressions(act: Activation, order: int) -> tuple[sp.Expr, ...]:
    if not isinstance(order, int) or order < 0:
        raise ValueError(f"derivative order must be a non-negative integer, got {order!r}")
    z = ACTIVATION_ARGUMENT
    exprs = [act(z)]
    for _ in range(order):
        exprs.append(sp.diff(exprs[-1], z))
    return tuple(exprs)


@lru_cache(maxsize=None)
def _numpy_derivatives(act: Activation, order: int) -> Callable[[np.ndarray], list[np.ndarray]]:
    fn = numpy_pieces(_derivative_expressions(act, order))

    def derivatives(z: np.ndarray) -> list[np.ndarray]:
        return fn(np.asarray(z, dtype=float))
    return derivatives


def numpy_pieces(exprs) -> Callable[[np.ndarray], list[np.ndarray]]:
    """z ↦ [e(z) for e in exprs] in NumPy, for expressions in :data:`ACTIVATION_ARGUMENT`.

    The custom functions of one argument scale share their exponential: every ``Sigmoid(c z)``,
    ``Tanh(c z / 2)`` and ``Sech(c z / 2)`` (c a number) is computed from h = exp(−|cz|/2) and
    e = h² = exp(−|cz|) as

        σ(cz) = max(e, [cz ≥ 0]) / (1 + e),    sech²(cz/2) = (2h / (1 + e))²,
        sech(cz/2) = 2h / (1 + e),            tanh(cz/2) = sign(cz) · (−expm1(−|cz|)) / (1 + e),

    each to full relative precision: no cancellation (1 − e is ``expm1``), no overflow, and sech²
    rounds into the subnormals once, as its value does. The expressions become polynomials in
    these atoms, lambdified with ``cse`` and integer powers as products, so σ, σ′, …, σ⁽⁴⁾ cost one
    ``exp`` (and one ``expm1`` from σ″ on) instead of one transcendental call per distinct atom.
    Expressions with other functions of z (or arguments that are not multiples of z) are
    lambdified as they are. Every returned array has the shape of z.
    """
    from ._kernels import numpy_function      # _kernels imports this module
    z = ACTIVATION_ARGUMENT
    exprs = [sp.sympify(e) for e in exprs]
    plan = _shared_exponential_plan(exprs)
    if plan is None:
        fn = numpy_function([z], exprs)
        atoms_of = lambda x: ()                                                  # noqa: E731
    else:
        scales, symbols, reduced = plan
        fn = numpy_function([z, *symbols], reduced)
        atoms_of = lambda x: _shared_exponential_atoms(x, scales)               # noqa: E731

    def pieces(x: np.ndarray) -> list[np.ndarray]:
        return [v if isinstance(v, np.ndarray) and v.shape == x.shape else
                np.broadcast_to(np.asarray(v, dtype=float), x.shape) for v in fn(x, *atoms_of(x))]
    return pieces


def _shared_exponential_plan(exprs):
    """Atoms of :func:`numpy_pieces`: ([(k, [(kind, sign), …]), …] with k = |c| the scale of the
    exponential, the atom symbols in that order, the rewritten expressions); ``None`` when an
    expression does not fit (an argument that is not a multiple of z)."""
    z = ACTIVATION_ARGUMENT
    found = sorted(set().union(*(e.atoms(Sigmoid, Tanh, Sech) for e in exprs)), key=sp.default_sort_key)
    if not found:
        return None
    layout: dict[float, list] = {}
    symbols: dict[float, list] = {}
    squares, plain = {}, {}
    names = sp.numbered_symbols("_atom")
    for f in found:
        c = sp.nsimplify(f.args[0] / z)
        if not c.is_number or c.is_zero:
            return None
        k = float(abs(c) if isinstance(f, Sigmoid) else 2 * abs(c))
        sym = next(names)
        if isinstance(f, Sech) and all(_even_powers_only(e, f) for e in exprs):
            kind, squares[f] = "sech2", sym
        else:
            kind, plain[f] = type(f).__name__.lower(), sym
        layout.setdefault(k, []).append((kind, 1 if c > 0 else -1))
        symbols.setdefault(k, []).append(sym)

    def rewrite(e):
        for f, sym in squares.items():
            e = e.replace(lambda x, f=f: x.is_Pow and x.base == f, lambda x, sym=sym: sym ** (x.exp / 2))
        return e.xreplace(plain)
    reduced = [rewrite(e) for e in exprs]
    if any(r.has(Sigmoid, Tanh, Sech) for r in reduced):
        return None
    return list(layout.items()), [s for k in layout for s in symbols[k]], reduced


def _even_powers_only(e, f) -> bool:
    """Does ``f`` occur in ``e`` only as even integer powers?"""
    if e == f:
        return False
    if e.is_Pow and e.base == f:
        return e.exp.is_Integer and int(e.exp) % 2 == 0
    return all(_even_powers_only(a, f) for a in e.args)


def _shared_exponential_atoms(z: np.ndarray, layout) -> list[np.ndarray]:
    """The atoms of :func:`numpy_pieces` for the values z, in ``layout`` order (in place where
    possible: every temporary is one more allocation and one more pass)."""
    if np.ndim(z) == 0:                                     # ufuncs return scalars for 0-d input
        return [atom.reshape(()) for atom in _shared_exponential_atoms(np.reshape(z, 1), layout)]
    out = []
    a_abs = np.abs(z)
    for k, items in layout:
        a = a_abs if k == 1.0 else a_abs * k
        h = np.multiply(a, -0.5)
        np.exp(h, out=h)                                    # h = exp(−a/2); e = h², so sech = 2h/(1 + e)
        e = h * h
        inv = e + 1.0
        np.reciprocal(inv, out=inv)
        for kind, sign in items:
            if kind == "sigmoid":
                atom = np.maximum(e, z >= 0 if sign > 0 else z <= 0)
                atom *= inv
            elif kind in ("sech", "sech2"):                 # sech² as a square: one rounding into
                atom = h * inv                              # the subnormals, as the value itself
                atom *= 2.0
                if kind == "sech2":
                    atom *= atom
            else:                                           # tanh = sign · (−expm1(−a))/(1 + e)
                atom = np.negative(a)
                np.expm1(atom, out=atom)
                atom *= inv
                np.copysign(atom, z if sign > 0 else -z, out=atom)
            out.append(atom)
    return out


def get_activation(activation: str | Activation) -> Activation:
    """Return the activation named ``activation``, in any case and ignoring surrounding blanks
    (``"ReLU"`` is ``"relu"``, as on the command line), or pass an ``Activation`` through."""
    if isinstance(activation, Activation):
        return activation
    name = activation.strip().lower() if isinstance(activation, str) else None
    if name not in ACTIVATIONS:
        raise UnknownActivationError(
            f"unknown activation {activation!r}; choose one of {sorted(ACTIVATIONS)} (in any case) "
            "or pass a symsaddle.Activation"
        )
    return ACTIVATIONS[name]
