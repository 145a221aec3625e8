"""The neural correlation function N_{z,H}(u) = zᵀH(X; u) (seed 002 eq. (9)).

Near the origin the loss flow is ẇ ∈ −∂L(w) ≈ Σ_i (−ℓ′(0, y_i)) ∂H(x_i; w) = ∂N_{z,H}(w) with
z_i = −ℓ′(0, y_i) (seed 002 §5.1: z = y for the square loss ½(p − y)²; for the core's logistic
loss softplus(−y p), z = y/2 — only a positive rescaling, so the KKT *directions* are the same).
Near a saddle w̄ = (w̄_n, 0) of the square loss the small weights follow the NCF of the residual
ȳ = y − H(X; w̄) with respect to the sub-network H_z of the zero block (seed 002 Theorem 5.5).

An NCF is the core objective with the linear loss and the sum normalisation,
``Objective(model, X, z, loss="linear", normalization="sum")``: its value is N(u), and its
exact NumPy/mpmath kernels give ∇N, ∇²N and the directional derivatives Dᵏ N(u)[v]ᵏ with the
kink convention of :mod:`symsaddle._activations` (Step(0) = 0).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Sequence

import numpy as np
import sympy as sp

from .. import NUMPY_FUNCTIONS
from .. import get_loss
from .. import Objective
from ..critical import gradient_tolerance
from ..errors import NonFiniteDataError, ShapeError
from ..models import Model
from ..protocol import hessian_vector_product
from .errors import NotCriticalError, ZeroCorrelationError
from .homogeneity import HomogeneityReport, check_separable, require_two_homogeneous, restrict
from ..reports import compact_repr

_HOMOGENEITY: dict[Model, HomogeneityReport] = {}


def homogeneity_of(model: Model) -> HomogeneityReport:
    """Cached :func:`require_two_homogeneous` (raises for a model that is not two-homogeneous)."""
    if model not in _HOMOGENEITY:
        _HOMOGENEITY[model] = require_two_homogeneous(model)
    return _HOMOGENEITY[model]


def _as_vector(z, n: int, d_out: int, name: str) -> np.ndarray:
    arr = np.asarray(z, dtype=float)
    if arr.ndim == 1 and d_out == 1:
        arr = arr[:, None]
    if arr.shape != (n, d_out):
        raise ShapeError(f"{name} must have shape ({n},) or ({n}, {d_out}), got {np.shape(z)}")
    if not np.all(np.isfinite(arr)):
        raise NonFiniteDataError(f"{name} contains NaN or inf")
    return arr


@dataclass(frozen=True, eq=False)
class NCF:
    """N_{z,H}(u) = Σ_i z_iᵀ H(x_i; u) for a positively two-homogeneous network H.

    ``source`` says where z came from (labels at the origin, a residual at a saddle, or given).
    Evaluation methods take u of shape (P,) or a batch (B, P), like the core kernels.
    """

    model: Model
    X: np.ndarray
    z: np.ndarray
    source: str = "given z"
    homogeneity: HomogeneityReport = field(repr=False, default=None)

    def __post_init__(self):
        X = np.asarray(self.X, dtype=float)
        if X.ndim != 2 or X.shape[1] != self.model.d_in:
            raise ShapeError(f"X must have shape (n, {self.model.d_in}), got {X.shape}")
        if not np.all(np.isfinite(X)):
            raise NonFiniteDataError("X contains NaN or inf")
        z = _as_vector(self.z, X.shape[0], self.model.d_out, "z")
        if not np.any(z):
            raise ZeroCorrelationError(
                f"z is identically zero ({self.source}), so N ≡ 0: every unit vector is a KKT point "
                "and no direction is singled out (all-zero labels, or a residual that is already 0)")
        object.__setattr__(self, "X", X)
        object.__setattr__(self, "z", z)
        object.__setattr__(self, "homogeneity", self.homogeneity or homogeneity_of(self.model))

    @cached_property
    def objective(self) -> Objective:
        """The core objective Σ_i z_iᵀ H(x_i; u) (linear loss, sum normalisation)."""
        return Objective(self.model, self.X, self.z, loss="linear", normalization="sum")

    @cached_property
    def kernel(self):
        return self.objective.compile()

    @property
    def P(self) -> int:
        return self.model.n_parameters

    @property
    def backend(self) -> str:
        """The core kernel that evaluates N (:class:`symsaddle.Kernel` protocol)."""
        return f"ncf via {self.kernel.backend}"

    def __repr__(self) -> str:
        """A short repr: the model, P, the number of samples and where z came from, not the arrays."""
        return (f"NCF(backend={self.backend!r}, P={self.P}, model={self.model.name}, n={self.X.shape[0]}, "
                f"source={self.source!r})")

    @property
    def scale(self) -> float:
        """Σ_i ‖z_i‖·‖x_i‖², a natural unit of N, ∇N and ∇²N on the unit sphere."""
        return float(np.sum(np.linalg.norm(self.z, axis=1) * np.sum(self.X**2, axis=1))) or 1.0

    def value(self, u):
        return self.kernel.value(u)

    def gradient(self, u):
        return self.kernel.gradient(u)

    def value_and_gradient(self, u):
        return self.kernel.value_and_gradient(u)

    def hessian(self, u):
        return self.kernel.hessian(u)

    def hessian_vector_product(self, u, v):
        return hessian_vector_product(self.kernel, u, v)

    def directional(self, u, v, order: int):
        return self.kernel.directional(u, v, order)

    # -- symbolic ------------------------------------------------------------------------
    @cached_property
    def expression(self) -> sp.Expr:
        """N(u) with the sum over samples written out (exact rationals; small n only)."""
        return self.objective.expression

    @cached_property
    def symbolic_gradient(self) -> sp.Matrix:
        """∇N(u) (SymPy, a.e. derivative of Step)."""
        return self.objective.gradient

    def latex(self) -> str:
        return r"\mathcal N(u) = " + sp.latex(self.expression)


def origin_correlation(y, loss: str = "square", d_out: int = 1) -> np.ndarray:
    """z_i = −∂ℓ/∂f (0, y_i) for a core loss (square: z = y; core logistic: z = y/2)."""
    L = get_loss(loss)
    f = [sp.Symbol(f"f_{k}", real=True) for k in range(d_out)]
    ys = [sp.Symbol(f"y_{k}", real=True) for k in range(d_out)]
    expr = L(f, ys)
    minus_first = [-sp.diff(expr, fk).xreplace({g: 0 for g in f}) for fk in f]
    fn = sp.lambdify([ys], minus_first, modules=[NUMPY_FUNCTIONS, "numpy"])
    Y = np.asarray(y, dtype=float)
    Y2 = Y[:, None] if Y.ndim == 1 else Y
    out = np.stack([np.broadcast_to(np.asarray(v, dtype=float), (Y2.shape[0],)) for v in fn(list(Y2.T))], 1)
    return out[:, 0] if Y.ndim == 1 else out


def ncf_at_origin(model: Model, X, y, loss: str = "square") -> NCF:
    """The NCF that governs GF near w = 0: z = −ℓ′(0, y) (seed 002 Theorem 5.1)."""
    homogeneity_of(model)
    z = origin_correlation(y, loss, model.d_out)
    return NCF(model, X, z, source=f"origin, {loss} loss: z = −ℓ′(0, y)")


@dataclass(frozen=True, eq=False)
class SaddleNCF:
    """A saddle w̄ = (w̄_n, 0) of the square loss Σ ½(H − y)² and the NCF of its residual.

    ``small``: flat indices of the zero block w_z; ``residual`` ȳ = y − H(X; w̄);
    ``ncf``: N(u) = ȳᵀ H_z(X; u), with H_z the network restricted to w_z (other weights 0);
    ``gradient_norm``: ‖∇L(w̄)‖, certified ≤ ``gradient_tolerance``; ``snapped``: residual entries
    with |ȳ_i| ≤ ``snap_tolerance`` = 1e-12·max|y| set to exactly 0 (rounding noise of H(X; w̄):
    a saddle such as w̄_j = (1/√2, 0) is not representable in float64, and its exact residual has
    exact zeros; without the snap the "flat" KKT set carries ±1e-15 structure).
    """

    __repr__ = compact_repr

    model: Model
    X: np.ndarray
    y: np.ndarray
    theta_bar: np.ndarray
    small: tuple[int, ...]
    residual: np.ndarray
    loss: float
    gradient_norm: float
    gradient_tolerance: float
    snapped: int
    snap_tolerance: float
    ncf: NCF


def ncf_at_saddle(model: Model, X, y, theta_bar, small: Sequence[int], *, tol: float | None = None) -> SaddleNCF:
    """Check that w̄ is a critical point with a zero block and build the residual NCF (Theorem 5.5).

    Requires H = H_n(w_n) + H_z(w_z) (separable over the two blocks) and H_z two-homogeneous.
    Criticality is certified with the core's scaled tolerance
    tol_g = 1e-9·max(‖∇²L‖·max(‖w̄‖, 1), |L|) unless ``tol`` is given.
    """
    theta_bar = np.asarray(theta_bar, dtype=float)
    if theta_bar.shape != (model.n_parameters,):
        raise ShapeError(f"theta_bar must have shape ({model.n_parameters},), got {theta_bar.shape}")
    small = tuple(sorted(int(i) for i in small))
    if np.any(theta_bar[list(small)] != 0):
        raise NotCriticalError("the small block must be exactly zero at the saddle (w̄_z = 0), got "
                               f"max |w̄_z| = {np.max(np.abs(theta_bar[list(small)])):.3e}")
    check_separable(model, [small])
    sub = restrict(model, small, name=f"{model.name}|small block")
    homogeneity_of(sub)
    obj = Objective(model, X, y, loss="square", normalization="sum")
    k = obj.compile()
    L, g = k.value_and_gradient(theta_bar)
    gnorm = float(np.linalg.norm(g))
    target = tol if tol is not None else gradient_tolerance(
        float(L), float(np.linalg.norm(k.hessian(theta_bar), 2)), float(np.linalg.norm(theta_bar)))
    if gnorm > target:
        raise NotCriticalError(f"w̄ is not a critical point of the square loss: ‖∇L(w̄)‖ = {gnorm:.3e} "
                               f"> tolerance {target:.3e}")
    residual = obj.y - model.evaluate(theta_bar, obj.X)
    snap = 1e-12 * float(np.max(np.abs(obj.y)))
    tiny = np.abs(residual) <= snap
    residual[tiny] = 0.0
    ncf = NCF(sub, obj.X, residual, source="saddle residual ȳ = y − H(X; w̄)")
    return SaddleNCF(model, obj.X, obj.y, theta_bar, small, residual, float(L), gnorm, target,
                     int(tiny.sum()), snap, ncf)
