"""Geometry of the constrained NCF  max N(u) s.t. ‖u‖² = 1  (seed 002 eq. (11)).

KKT conditions (seed 002 Lemma C.5): u is a KKT point if ‖u‖ = 1 and 0 ∈ ∂N(u) − λu for some λ.
Taking the inner product with u and using Euler's identity uᵀs = 2N(u) for every Clarke element
s ∈ ∂N(u) of a two-homogeneous N forces λ = 2N(u); equivalently (I − uuᵀ)s = 0 for some s.

* :class:`SphereChart` — tangent coordinates ξ ∈ R^{P−1} at a unit vector u with the projective
  retraction R(ξ) = (u + Bξ)/‖u + Bξ‖ (B an orthonormal basis of u⊥). Two-homogeneity makes
  the pull-back exact and cheap:  N(R(ξ)) = N(u + Bξ)/(1 + ‖ξ‖²). The chart exposes
  ``value/gradient/hessian/directional`` of f(ξ) = −N(R(ξ)) like a core kernel, so the core's
  :func:`~symsaddle.critical.polish` (Newton on ∇f = 0) and :func:`~symsaddle.critical.classify`
  apply unchanged. At ξ = 0 its Hessian is −Bᵀ(∇²N(u) − λI)B, the negated Riemannian Hessian
  P(∇²N − λI)P on the tangent space; a core *minimiser* of f is a strict local *maximum* of N
  on the sphere.
* :func:`clarke_kkt_residual` — min over the convex hull of gradients sampled within ``radius``
  of u (gradient sampling, an inner approximation of the Clarke subdifferential) of
  ‖(I − uuᵀ)s‖: ≈ 0 at a Clarke-KKT point, also on a ReLU kink where the convention gradient
  (Step(0) = 0) alone need not satisfy the KKT equation.
* :func:`classify_on_sphere` — at a smooth point (sampled gradients and Hessians agree with the
  ones at u) by the Riemannian Hessian through the core ``classify``, with its tolerances
  expressed in the units of N (``NCF.scale``), so that rounding-level curvature on a flat set
  counts as zero (kind "degenerate"); at a kink by a sampled
  zeroth-order test N(R(u, s r)) − N(u) over many tangent directions r, which can prove a saddle
  (an ascent and a descent direction) but only *suggests* an extremum, and says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from math import factorial

import numpy as np
import scipy.optimize

from ..critical import Kind, classify
from ..protocol import check_order, parameter_batch, point_and_direction
from ..reports import compact_repr, format_vector
from .errors import ZeroDirectionError


class SphereKind(str, Enum):
    LOCAL_MAXIMUM = "local maximum"
    LOCAL_MINIMUM = "local minimum"
    SADDLE = "saddle"
    DEGENERATE = "degenerate"
    INCONCLUSIVE = "inconclusive"


_FROM_CORE = {Kind.MINIMISER: SphereKind.LOCAL_MAXIMUM, Kind.MAXIMISER: SphereKind.LOCAL_MINIMUM,
              Kind.STRICT_SADDLE: SphereKind.SADDLE, Kind.NON_STRICT_SADDLE: SphereKind.SADDLE,
              Kind.DEGENERATE: SphereKind.DEGENERATE, Kind.INCONCLUSIVE: SphereKind.INCONCLUSIVE,
              Kind.INCONSISTENT: SphereKind.INCONCLUSIVE}


def unit(u) -> np.ndarray:
    """u/‖u‖ along the last axis; a zero vector raises :class:`ZeroDirectionError`."""
    u = np.asarray(u, dtype=float)
    n = np.linalg.norm(u, axis=-1, keepdims=True)
    if np.any(n == 0) or not np.all(np.isfinite(n)):
        raise ZeroDirectionError("a direction is the zero vector (or not finite): it has no point on the sphere")
    return u / n


def angle_between(a, b) -> np.ndarray:
    """Angle (radians) between vectors along the last axis, 2·atan2(‖â − b̂‖, ‖â + b̂‖).

    Accurate for tiny angles, unlike arccos(â·b̂), which returns 0 below ≈ 1e-8 in float64.
    """
    a, b = unit(a), unit(b)
    return 2 * np.arctan2(np.linalg.norm(a - b, axis=-1), np.linalg.norm(a + b, axis=-1))


def tangent_basis(u: np.ndarray) -> np.ndarray:
    """An orthonormal basis B (P × (P−1)) of the tangent space u⊥."""
    u = unit(u)
    _, _, vt = np.linalg.svd(u[None, :])
    return vt[1:].T


class SphereChart:
    """f(ξ) = −N(R(ξ)) = −N(u + Bξ)/(1 + ‖ξ‖²): a kernel-like view of −N near u on the sphere."""

    def __init__(self, ncf, u):
        self.ncf = ncf
        self.u = unit(u)
        self.B = tangent_basis(self.u)
        self.P = self.u.size - 1

    @property
    def backend(self) -> str:
        """What evaluates f (:class:`symsaddle.Kernel` protocol): the NCF's kernel, pulled back."""
        return f"sphere chart of {self.ncf.backend}"

    def __repr__(self) -> str:
        return f"SphereChart(backend={self.backend!r}, P={self.P}, u={format_vector(self.u, 4, where_in_full='.u')})"

    def point(self, xi) -> np.ndarray:
        """R(ξ), the unit vector with tangent coordinates ξ."""
        return unit(self.u + np.asarray(xi, dtype=float) @ self.B.T)

    def _lift(self, xi):
        xi, single = parameter_batch(xi, self.P, "xi")
        return xi, self.u + xi @ self.B.T, 1.0 + np.sum(xi**2, axis=1), single

    def value(self, xi):
        xi, v, q, single = self._lift(xi)
        f = -self.ncf.value(v) / q
        return f[0] if single else f

    def value_and_gradient(self, xi):
        xi, v, q, single = self._lift(xi)
        n, g = self.ncf.value_and_gradient(v)
        f = -n / q
        grad = -(g @ self.B) / q[:, None] + 2 * n[:, None] * xi / q[:, None] ** 2
        return (f[0], grad[0]) if single else (f, grad)

    def gradient(self, xi):
        return self.value_and_gradient(xi)[1]

    def hessian(self, xi):
        xi, v, q, single = self._lift(xi)
        n, g = self.ncf.value_and_gradient(v)
        H = self.ncf.hessian(v)
        Bg = g @ self.B
        m = self.P
        q1, q2, q3 = q[:, None, None], q[:, None, None] ** 2, q[:, None, None] ** 3
        out = (-np.einsum("pi,bpq,qj->bij", self.B, H, self.B) / q1
               + 2 * (Bg[:, :, None] * xi[:, None, :] + xi[:, :, None] * Bg[:, None, :]) / q2
               + 2 * n[:, None, None] * (np.eye(m)[None] / q2 - 4 * xi[:, :, None] * xi[:, None, :] / q3))
        return out[0] if single else out

    def directional(self, xi, r, order: int):
        """dᵏ/dtᵏ f(ξ + t r) at t = 0 from Dʲ N(v)[B r]ʲ (core kernel) and the series of 1/q(t)."""
        order = check_order(order)
        xi, r, single = point_and_direction(xi, r, self.P)
        v = self.u + xi @ self.B.T
        q0 = 1.0 + np.sum(xi**2, axis=1)
        Br = r @ self.B.T
        n = [self.ncf.value(v)] + [self.ncf.directional(v, Br, j) for j in range(1, order + 1)]
        q1, q2 = 2 * np.sum(xi * r, axis=1), np.sum(r**2, axis=1)
        c = [1.0 / q0]
        for j in range(1, order + 1):
            c.append(-(q1 * c[j - 1] + (q2 * c[j - 2] if j >= 2 else 0.0)) / q0)
        out = -factorial(order) * sum(n[j] / factorial(j) * c[order - j] for j in range(order + 1))
        return out[0] if single else out


def _tangent_directions(u: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    B = tangent_basis(u)
    r = rng.normal(size=(count, B.shape[1])) @ B.T
    return r / np.linalg.norm(r, axis=1, keepdims=True)


def _min_norm_in_hull(A: np.ndarray) -> float:
    """min ‖A θ‖ over the probability simplex θ ≥ 0, Σθ = 1 (NNLS with a heavy sum row)."""
    scale = float(np.max(np.abs(A)))
    if scale == 0.0:
        return 0.0
    weight = 1e4 * scale
    M = np.vstack([A, weight * np.ones((1, A.shape[1]))])
    rhs = np.concatenate([np.zeros(A.shape[0]), [weight]])
    theta, _ = scipy.optimize.nnls(M, rhs, maxiter=50 * M.shape[1])
    theta = theta / theta.sum()
    return float(np.linalg.norm(A @ theta))


@dataclass(frozen=True)
class LocalSample:
    """Gradients and Hessians of N at u and at points within ``radius`` of it on the sphere."""

    __repr__ = compact_repr

    u: np.ndarray
    value: float
    gradient: np.ndarray
    hessian: np.ndarray
    clarke_residual: float
    gradient_spread: float
    hessian_spread: float
    scale: float

    @property
    def multiplier(self) -> float:
        """λ = uᵀ∇N(u) (Euler: = 2N(u))."""
        return float(self.u @ self.gradient)

    @property
    def kkt_residual(self) -> float:
        """‖(I − uuᵀ)∇N(u)‖ with the kernel's (convention) gradient."""
        return float(np.linalg.norm(self.gradient - self.multiplier * self.u))

    @property
    def smooth(self) -> bool:
        """Sampled gradients and Hessians agree with those at u to what a C² function allows."""
        h = float(np.linalg.norm(self.hessian, 2))
        return (self.gradient_spread <= 1e-4 * (h + np.linalg.norm(self.gradient) + self.scale)
                and self.hessian_spread <= 1e-4 * (h + self.scale))


def sample_locally(ncf, u, *, radius: float = 1e-7, count: int | None = None, seed: int = 0) -> LocalSample:
    """Evaluate N, ∇N, ∇²N at u and at ``count`` sphere points R(u, radius·r) (seeded)."""
    u = unit(u)
    rng = np.random.default_rng(seed)
    count = count or 4 * u.size + 8
    pts = unit(u + radius * _tangent_directions(u, count, rng))
    allp = np.vstack([u[None, :], pts])
    vals, grads = ncf.value_and_gradient(allp)
    hess = ncf.hessian(allp)
    P = np.eye(u.size) - np.outer(u, u)
    clarke = _min_norm_in_hull(P @ grads.T)
    return LocalSample(u, float(vals[0]), grads[0], hess[0], clarke,
                       float(np.max(np.linalg.norm(grads[1:] - grads[0], axis=1))),
                       float(np.max(np.linalg.norm(hess[1:] - hess[0], axis=(1, 2), ord=2))), ncf.scale)


def clarke_kkt_residual(ncf, u, **kwargs) -> float:
    """min_{s ∈ conv(sampled ∇N)} ‖(I − uuᵀ)s‖ (see module docstring)."""
    return sample_locally(ncf, u, **kwargs).clarke_residual


@dataclass(frozen=True)
class SphereClassification:
    """Kind of a KKT point on the sphere.

    ``eigenvalues``: Riemannian Hessian eigenvalues of N, ascending (smooth points only);
    ``method``: "riemannian hessian" or "sampled"; ``reason``: why.
    """

    __repr__ = compact_repr

    kind: SphereKind
    smooth: bool
    eigenvalues: np.ndarray
    method: str
    reason: str


def _sampled_kind(ncf, u, rng, count: int, radii=(1e-3, 1e-5)) -> tuple[SphereKind, str]:
    r = _tangent_directions(u, count, rng)
    r = np.vstack([r, -r])
    N0 = float(ncf.value(u))
    tol = 1e-12 * ncf.scale
    deltas = np.concatenate([ncf.value(unit(u + s * r)) - N0 for s in radii])
    up, down = int(np.sum(deltas > tol)), int(np.sum(deltas < -tol))
    tail = f"N(R(u, s·r)) − N(u) at {deltas.size} sampled tangent steps (s ∈ {list(radii)})"
    if up and down:
        return SphereKind.SADDLE, f"{up} ascent and {down} descent steps among {tail}"
    if down == deltas.size:
        return SphereKind.LOCAL_MAXIMUM, f"every one of {tail} is < 0 (sampled, not certified)"
    if up == deltas.size:
        return SphereKind.LOCAL_MINIMUM, f"every one of {tail} is > 0 (sampled, not certified)"
    return SphereKind.INCONCLUSIVE, f"{deltas.size - up - down} flat steps among {tail}"


def classify_on_sphere(ncf, u, *, sample: LocalSample | None = None, seed: int = 0) -> SphereClassification:
    """Classify a KKT point u of max N s.t. ‖u‖ = 1 (see module docstring)."""
    u = unit(u)
    sample = sample or sample_locally(ncf, u, seed=seed)
    if sample.smooth:
        chart = SphereChart(ncf, u)
        zero = np.zeros(chart.P)
        h = float(np.linalg.norm(chart.hessian(zero), 2)) if chart.P else 0.0
        g = float(np.linalg.norm(chart.gradient(zero)))
        scale = max(h, ncf.scale)     # tolerances in the units of N, so rounding noise counts as 0
        c = classify(chart, zero, gradient_tol=1e-9 * max(scale, abs(sample.value)),
                     eigen_tol=max(1e-8 * scale, 1e3 * g), seed=seed)
        eig = np.sort(-c.eigenvalues)
        return SphereClassification(_FROM_CORE[c.kind], True, eig, "riemannian hessian",
                                    f"core classify of −N in tangent coordinates: {c.reason}")
    kind, reason = _sampled_kind(ncf, u, np.random.default_rng(seed), 8 * u.size + 16)
    return SphereClassification(kind, False, np.zeros(0), "sampled",
                                f"N is not differentiable at u (sampled gradients jump by "
                                f"{sample.gradient_spread:.2e}); {reason}")
