"""Per-sample losses ℓ(f, y) as SymPy expressions of the outputs f and labels y.

    square       ℓ = ½ Σ_k (f_k − y_k)²           (ℓ ≥ 0)
    logistic     ℓ = Σ_k softplus(−y_k f_k)       (labels ±1; ℓ ≥ 0)
    linear       ℓ = Σ_k y_k f_k                  (the neural correlation function of seed 002)

The objective multiplies Σ_i ℓ(f(x_i), y_i) by an explicit normalisation; see
:class:`symsaddle.Objective`.

The logistic loss is softplus(−y f) = −log σ(y f): its derivatives are −y σ(−y f), y² σ'(−y f),
… with σ' = ¼ sech²(·/2) (``symsaddle._activations``), so they keep relative precision when
the margin y f is large (where 1 − σ(y f) would round to 0).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import sympy as sp

from ._activations import Softplus
from .errors import UnknownLossError


@dataclass(frozen=True)
class Loss:
    name: str
    build: Callable[[Sequence[sp.Expr], Sequence[sp.Expr]], sp.Expr]
    latex: str
    lower_bound: float | None  # a number every value of Σ ℓ is ≥ to, if known
    signed_labels: bool = False  # labels must be ±1 (checked where an Objective is built)

    def __call__(self, f: Sequence[sp.Expr], y: Sequence[sp.Expr]) -> sp.Expr:
        return self.build(f, y)


LOSSES: dict[str, Loss] = {
    "square": Loss("square", lambda f, y: sum((fk - yk) ** 2 for fk, yk in zip(f, y)) / 2,
                   r"\tfrac12\|f(x_i)-y_i\|^2", 0.0),
    "logistic": Loss("logistic", lambda f, y: sum(Softplus(-yk * fk) for fk, yk in zip(f, y)),
                     r"\log\left(1+e^{-y_i f(x_i)}\right)", 0.0, signed_labels=True),
    "linear": Loss("linear", lambda f, y: sum(yk * fk for fk, yk in zip(f, y)),
                   r"y_i^\top f(x_i)", None),
}


def get_loss(loss: str | Loss) -> Loss:
    if isinstance(loss, Loss):
        return loss
    if not isinstance(loss, str) or loss not in LOSSES:
        raise UnknownLossError(f"unknown loss {loss!r}; choose one of {sorted(LOSSES)}")
    return LOSSES[loss]
