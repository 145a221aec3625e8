"""The regression problem behind a diagonal linear network (seed 000 §3; Pesme & Flammarion §2).

    L(β) = 1/(2n) Σ_i (⟨β, x_i⟩ − y_i)² = 1/(2n) ‖Xβ − y‖²,   ∇L(β) = Xᵀ(Xβ − y)/n,
    F(v, u) = L(u ⊙ v)                                         (seed 000 eq. (12)–(13)).

X has one row per sample (n × d), y has n entries. Every analysis of the diagonal slice
takes a :class:`DiagonalProblem`; it validates the data once and offers the β-space loss
and gradient (cheap, any d) and, for small d, the core's symbolic objective and kernel
in the weights θ = [v, u] (seed 000 eq. (41)) for polishing and classification.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .. import Objective, ShapeError, models, sample_arrays
from ..datasets import seed000
from ..reports import compact_repr

#: Largest width for which the symbolic objective (2d parameters) is built.
MAX_SYMBOLIC_WIDTH = 40


@dataclass(frozen=True, eq=False)
class DiagonalProblem:
    """Data (X, y) of L(β) = 1/(2n)‖Xβ − y‖², validated and read-only."""

    __repr__ = compact_repr

    X: np.ndarray
    y: np.ndarray
    label: str = ""

    def __post_init__(self):
        X, y = sample_arrays(self.X, self.y, d_out=1)
        X, y = X.copy(), y[:, 0].copy()
        X.setflags(write=False)
        y.setflags(write=False)
        object.__setattr__(self, "X", X)
        object.__setattr__(self, "y", y)

    # -- constructors -----------------------------------------------------------------------
    @classmethod
    def seed000(cls, d: int, n: int, p_star=None) -> "DiagonalProblem":
        """Seed 000's data: ``numpy.random.seed(10)``, X = randn(n, d), y = X p* (Tables 1, 2, 4, 8, 12)."""
        X, y, p = seed000(d, n, p_star)
        return cls(X, y, f"data of van de Kerk's BSc thesis: numpy seed 10, d={d}, n={n}, "
                         f"p*={np.round(p, 4).tolist()}")

    # -- sizes and moments ----------------------------------------------------------------------
    @property
    def n(self) -> int:
        return int(self.X.shape[0])

    @property
    def d(self) -> int:
        return int(self.X.shape[1])

    @cached_property
    def gram(self) -> np.ndarray:
        """H = XᵀX/n, the Hessian of L."""
        return self.X.T @ self.X / self.n

    @cached_property
    def correlation(self) -> np.ndarray:
        """Xᵀy/n = −∇L(0)."""
        return self.X.T @ self.y / self.n

    # -- L and ∇L in β-space ----------------------------------------------------------------------
    def residual(self, beta) -> np.ndarray:
        """Xβ − y for β of shape (d,) or (..., d)."""
        return np.asarray(beta, dtype=float) @ self.X.T - self.y

    def loss(self, beta) -> np.ndarray | float:
        """L(β) = 1/(2n) ‖Xβ − y‖²."""
        r = self.residual(beta)
        return 0.5 * np.mean(r * r, axis=-1)

    def gradient(self, beta) -> np.ndarray:
        """∇L(β) = Xᵀ(Xβ − y)/n."""
        return self.residual(beta) @ self.X / self.n

    @cached_property
    def least_squares(self) -> np.ndarray:
        """The minimum-ℓ2-norm minimiser of L (``numpy.linalg.lstsq``)."""
        return np.linalg.lstsq(self.X, self.y, rcond=None)[0]

    @cached_property
    def min_loss(self) -> float:
        """min_β L(β) = min_{v,u} F(v, u) (u ⊙ v reaches every β)."""
        return float(self.loss(self.least_squares))

    @cached_property
    def rank(self) -> int:
        return int(np.linalg.matrix_rank(self.X))

    # -- the core's objective in θ = [v, u] ----------------------------------------------------------
    @cached_property
    def objective(self) -> Objective:
        """The core objective F(θ), θ = [v₁..v_d, u₁..u_d] (seed 000 eq. (41)), square loss, 1/n."""
        if self.d > MAX_SYMBOLIC_WIDTH:
            raise ShapeError(f"the symbolic objective is built for d ≤ {MAX_SYMBOLIC_WIDTH}; this problem has "
                             f"d = {self.d} (the limit prediction and the dual simulations need no kernel)")
        return Objective(models.diagonal_linear(self.d), self.X, self.y, loss="square", normalization="mean")

    @cached_property
    def kernel(self):
        """The core NumPy kernel of F in θ = [v, u] (value, gradient, Hessian, directional derivatives)."""
        return self.objective.compile()

    def describe(self) -> dict:
        return {"label": self.label, "n": self.n, "d": self.d, "rank": self.rank, "min_loss": self.min_loss}
