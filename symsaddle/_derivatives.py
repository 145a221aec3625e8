"""Exact per-sample derivatives of ℓ(f(x; θ), y) with the data kept as symbols.

Everything here is derived once per (model, loss) pair and does not depend on the
number of samples. Two families of expressions are produced:

* model level, used by the NumPy kernels: the outputs f_k, the model Jacobian
  J_kp = ∂f_k/∂θ_p and the model Hessians ∂²f_k/∂θ_p∂θ_q built as the Jacobian of
  J_k; together with ℓ'(f, y) and ℓ''(f, y) the chain rule gives the loss
  gradient Σ_i J_iᵀ ℓ'_i and its Jacobian, the loss Hessian
  Σ_i [J_iᵀ ℓ''_i J_i + Σ_k ℓ'_ik ∇²f_ik] (product rule);
* loss level, used by the exact and mpmath evaluators and for closed-form work:
  the sample gradient ∇_θ ℓ, the sample Hessian as the Jacobian of that
  gradient, third derivatives, and the k-th directional derivative from the
  line expansion dᵏ/dtᵏ ℓ(θ + t u)|_{t=0}.

The NumPy directional derivatives take the line expansion at the model level,
dʲ/dtʲ f(θ + t u)|₀, and compose it with the loss by differentiating
ℓ(f + Σ_j c_j tʲ/j!, y) k times (Faà di Bruno), which is much cheaper to derive than
the loss-level expansion for deep models.

Because the two families are assembled differently, comparing them (see
``symsaddle.check``) tests the kernel's chain-rule assembly independently.

The loss pieces — ℓ(f, y) and its derivatives with respect to the outputs f, and the loss
composed with a Taylor line f + Σ_j c_j tʲ/j! — depend on the loss and d_out only: they live
in :class:`LossDerivatives`, shared by the per-sample kernels and the layer-structured
kernels (:mod:`symsaddle._structured`), which never derive the whole network symbolically.
Everything here is derived lazily, on first use.
"""

from __future__ import annotations

from functools import cached_property, lru_cache
from itertools import combinations_with_replacement

import sympy as sp

from ._losses import Loss
from .models import Model
from .protocol import MAX_DIRECTIONAL_ORDER, check_order

__all__ = ["MAX_DIRECTIONAL_ORDER", "LossDerivatives", "SampleDerivatives", "direction_symbols",
           "label_symbols", "loss_derivatives"]


def label_symbols(d_out: int) -> tuple[sp.Symbol, ...]:
    return tuple(sp.Symbol(f"y_{{{k + 1}}}", real=True) for k in range(d_out))


def direction_symbols(n_parameters: int) -> tuple[sp.Symbol, ...]:
    """Symbols ξ_1..ξ_P of the direction u in Dᵏ L(θ)[u, ..., u]."""
    return tuple(sp.Symbol(f"xi_{{{p + 1}}}", real=True) for p in range(n_parameters))


class LossDerivatives:
    """ℓ(f, y) for d_out outputs f and labels y (symbols), and its derivatives in f."""

    def __init__(self, loss: Loss, d_out: int):
        self.loss = loss
        self.d_out = d_out
        self.labels = label_symbols(d_out)
        self.output_symbols = tuple(sp.Symbol(f"f_{{{k + 1}}}", real=True) for k in range(d_out))
        self._t = sp.Symbol("t", real=True)
        self._composition: dict[int, tuple[tuple[tuple[sp.Symbol, ...], ...], sp.Expr]] = {}

    @cached_property
    def loss_of_outputs(self) -> sp.Expr:
        """ℓ(f, y) with f as plain symbols."""
        return self.loss(self.output_symbols, self.labels)

    @cached_property
    def per_output(self) -> "LossDerivatives | None":
        """The one-output pieces when ℓ(f, y) = Σ_k ℓ₁(f_k, y_k) (every core loss), else None.

        Kernels then apply ℓ₁ and its derivatives to all outputs at once.
        """
        one = loss_derivatives(self.loss, 1)
        if self.d_out == 1:
            return one
        g = one.loss_of_outputs
        f1, y1 = one.output_symbols[0], one.labels[0]
        total = sum(g.xreplace({f1: f, y1: y}) for f, y in zip(self.output_symbols, self.labels))
        return one if sp.expand(total - self.loss_of_outputs) == 0 else None

    @cached_property
    def loss_first(self) -> tuple[sp.Expr, ...]:
        """∂ℓ/∂f_k, k = 1..d_out."""
        return tuple(sp.diff(self.loss_of_outputs, f) for f in self.output_symbols)

    @cached_property
    def loss_second(self) -> sp.Matrix:
        """∂²ℓ/∂f_k∂f_l (d_out × d_out)."""
        return sp.Matrix(self.loss_first).jacobian(self.output_symbols)

    @cached_property
    def loss_second_is_diagonal(self) -> bool:
        m = self.loss_second
        return all(m[k, l] == 0 for k in range(m.rows) for l in range(m.cols) if k != l)

    def loss_line_composition(self, order: int) -> tuple[tuple[tuple[sp.Symbol, ...], ...], sp.Expr]:
        """Faà di Bruno for the loss: dᵏ/dtᵏ ℓ(f + Σ_j c_j tʲ/j!, y) at t = 0.

        Returns the coefficient symbols c[j - 1][k] (standing for the line derivatives
        dʲ/dtʲ f_k of the model) and the expression in f, c and y. Composed with the model's
        line derivatives this is the line expansion of ℓ(f(θ + t ξ), y), without
        differentiating the whole sample loss.
        """
        check_order(order)
        if order not in self._composition:
            c = tuple(tuple(sp.Symbol(f"c_{{{j},{k + 1}}}", real=True) for k in range(self.d_out))
                      for j in range(1, order + 1))
            taylor = [f + sum(c[j - 1][k] * self._t**j / sp.factorial(j) for j in range(1, order + 1))
                      for k, f in enumerate(self.output_symbols)]
            expr = self.loss(taylor, self.labels)
            self._composition[order] = (c, sp.diff(expr, self._t, order).xreplace({self._t: 0}))
        return self._composition[order]


@lru_cache(maxsize=None)
def loss_derivatives(loss: Loss, d_out: int) -> LossDerivatives:
    """The (cached) loss pieces of one loss and output dimension."""
    return LossDerivatives(loss, d_out)


class SampleDerivatives:
    """Per-sample symbolic derivatives of ℓ(f(x; θ), y) for one model and loss.

    Nothing is derived on construction; each piece is derived on first access.
    """

    def __init__(self, model: Model, loss: Loss):
        self.model = model
        self.loss = loss
        self.losses = loss_derivatives(loss, model.d_out)
        self.parameters = model.parameters
        self.inputs = model.inputs
        self.labels = self.losses.labels
        self.output_symbols = self.losses.output_symbols
        self.directions = direction_symbols(model.n_parameters)
        self._directional: dict[int, sp.Expr] = {}
        self._line: list[tuple[sp.Expr, ...]] = []
        self._t = sp.Symbol("t", real=True)

    # -- loss as a function of the outputs (see LossDerivatives) -----------------------
    @property
    def loss_of_outputs(self) -> sp.Expr:
        return self.losses.loss_of_outputs

    @property
    def loss_first(self) -> tuple[sp.Expr, ...]:
        return self.losses.loss_first

    @property
    def loss_second(self) -> sp.Matrix:
        return self.losses.loss_second

    @property
    def loss_second_is_diagonal(self) -> bool:
        return self.losses.loss_second_is_diagonal

    def loss_line_composition(self, order: int):
        """See :meth:`LossDerivatives.loss_line_composition`."""
        return self.losses.loss_line_composition(order)

    # -- model level --------------------------------------------------------------------
    @cached_property
    def model_jacobian(self) -> sp.Matrix:
        """J_kp = ∂f_k/∂θ_p (d_out × P)."""
        return sp.Matrix(self.model.outputs).jacobian(self.parameters)

    @cached_property
    def model_hessian_entries(self) -> tuple[tuple[int, int, int, sp.Expr], ...]:
        """Non-zero upper-triangle entries (k, p, q, ∂²f_k/∂θ_p∂θ_q), p ≤ q.

        Built as the Jacobian of row k of the model Jacobian.
        """
        entries = []
        P = len(self.parameters)
        for k in range(self.model.d_out):
            row = self.model_jacobian.row(k)
            for p in range(P):
                if row[p] == 0:
                    continue
                for q in range(p, P):
                    e = sp.diff(row[p], self.parameters[q])
                    if e != 0:
                        entries.append((k, p, q, e))
        return tuple(entries)

    # -- loss level ---------------------------------------------------------------------
    @cached_property
    def sample_loss(self) -> sp.Expr:
        """ℓ(f(x; θ), y) for one sample."""
        return self.loss(self.model.outputs, self.labels)

    @cached_property
    def gradient(self) -> sp.Matrix:
        """∇_θ ℓ (P × 1)."""
        return sp.Matrix([self.sample_loss]).jacobian(self.parameters).T

    @cached_property
    def hessian(self) -> sp.Matrix:
        """∇²_θ ℓ as the Jacobian of the gradient (P × P)."""
        return self.gradient.jacobian(self.parameters)

    @cached_property
    def third_entries(self) -> tuple[tuple[int, int, int, sp.Expr], ...]:
        """Non-zero entries (p, q, r, ∂³ℓ/∂θ_p∂θ_q∂θ_r) with p ≤ q ≤ r (Jacobian of the Hessian)."""
        H = self.hessian
        out = []
        P = len(self.parameters)
        for p, q in combinations_with_replacement(range(P), 2):
            if H[p, q] == 0:
                continue
            for r in range(q, P):
                e = sp.diff(H[p, q], self.parameters[r])
                if e != 0:
                    out.append((p, q, r, e))
        return tuple(out)

    def _line_substitution(self) -> dict[sp.Symbol, sp.Expr]:
        return {p: p + self._t * u for p, u in zip(self.parameters, self.directions)}

    def directional(self, order: int) -> sp.Expr:
        """Dᵏ ℓ(θ)[ξ, ..., ξ] = dᵏ/dtᵏ ℓ(θ + t ξ) at t = 0, in θ, ξ, x, y (loss level)."""
        check_order(order)
        if order not in self._directional:
            expr = self.sample_loss.xreplace(self._line_substitution())
            self._directional[order] = sp.diff(expr, self._t, order).xreplace({self._t: 0})
        return self._directional[order]

    def model_line_derivatives(self, order: int) -> tuple[tuple[sp.Expr, ...], ...]:
        """dʲ/dtʲ f_k(θ + t ξ) at t = 0 for j = 1..order (model level): ``[j - 1][k]``."""
        check_order(order)
        if len(self._line) < order:
            current = [out.xreplace(self._line_substitution()) for out in self.model.outputs]
            for _ in range(len(self._line)):
                current = [sp.diff(e, self._t) for e in current]
            while len(self._line) < order:
                current = [sp.diff(e, self._t) for e in current]
                self._line.append(tuple(e.xreplace({self._t: 0}) for e in current))
        return tuple(self._line[:order])

