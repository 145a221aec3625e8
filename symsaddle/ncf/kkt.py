"""KKT points of the constrained NCF, found numerically (seed 002 eq. (11), Lemma 5.3).

Search (:func:`find_kkt_points`):

1. **Ascent on the sphere** from many seeded starts (:func:`ascend_on_sphere`), which finds the
   local maxima (the points the NCF flow converges to), and optionally the same for −N (local
   minima) and Newton from every start (points of any kind, saddles included):
   u ← (u + η∇N(u))/‖u + η∇N(u)‖. For a two-homogeneous N this is exactly the normalised
   gradient ascent of the NCF itself (the discrete NCF flow of seed 002 eq. (10)): the direction
   dynamics of u̇ = ∇N(u) are autonomous on the sphere. A step is kept only if N does not
   decrease; otherwise that start's η is halved, so starts that end on a kink (ReLU) converge
   onto it with vanishing steps instead of chattering.
2. **Polish** smooth limits with the core :func:`~symsaddle.critical.polish` (Newton with the
   exact Hessian) in the tangent chart of :class:`~symsaddle.ncf.sphere.SphereChart`.
3. **Certify** with the Clarke-KKT residual (gradient sampling) and **merge** limits closer
   than ``merge_angle``.
4. **Classify** each point on the sphere (:func:`~symsaddle.ncf.sphere.classify_on_sphere`) and
   mark the non-negative ones, N(u) ≥ 0 (the ones Theorem 5.1 can select).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..critical import polish
from ..errors import SymsaddleError
from ..progress import ProgressBar
from .sphere import (LocalSample, SphereChart, SphereKind, angle_between, classify_on_sphere,
                     sample_locally, unit)
from ..reports import compact_repr


@dataclass(frozen=True)
class Ascent:
    """Result of :func:`ascend_on_sphere` for a batch of starts (rows)."""

    __repr__ = compact_repr

    directions: np.ndarray
    values: np.ndarray
    residuals: np.ndarray
    steps: np.ndarray
    iterations: int


def _lipschitz_step(ncf, U: np.ndarray) -> float:
    H = ncf.hessian(U)
    L = float(np.max(np.linalg.norm(H, ord=2, axis=(1, 2)))) if len(U) else 0.0
    return 0.5 / max(L, 1e-12 * ncf.scale, np.finfo(float).tiny)


def ascend_on_sphere(ncf, starts, *, step: float | None = None, max_steps: int = 20_000,
                     tol: float = 1e-11, progress: bool = False) -> Ascent:
    """Monotone normalised gradient ascent of N from each row of ``starts`` (see module doc).

    ``step`` defaults to 0.5/max‖∇²N‖₂ over the starts (an ascent step for a C^{1,1} N).
    Stops when ‖(I − uuᵀ)∇N(u)‖ ≤ tol·scale or a start's step has shrunk by 1e-12.
    """
    U = unit(np.atleast_2d(starts))
    eta0 = step if step is not None else _lipschitz_step(ncf, U)
    etas = np.full(len(U), eta0)
    N, G = ncf.value_and_gradient(U)
    floor = tol * ncf.scale
    it = 0
    with ProgressBar(total=max_steps, disable=not progress, desc="NCF ascent", unit="step") as bar:
        for it in range(1, max_steps + 1):
            res = np.linalg.norm(G - np.sum(G * U, axis=1, keepdims=True) * U, axis=1)
            active = np.flatnonzero((res > floor) & (etas > 1e-12 * eta0))
            if not active.size:
                break
            cand = unit(U[active] + etas[active, None] * G[active])
            Nc, Gc = ncf.value_and_gradient(cand)
            ok = Nc >= N[active] - 1e-15 * ncf.scale
            keep = active[ok]
            U[keep], N[keep], G[keep] = cand[ok], Nc[ok], Gc[ok]
            etas[active[~ok]] /= 2
            bar.update(1)
    res = np.linalg.norm(G - np.sum(G * U, axis=1, keepdims=True) * U, axis=1)
    return Ascent(U, N, res, etas, it)


@dataclass(frozen=True)
class KKTPoint:
    """A KKT point u of max N(u) s.t. ‖u‖² = 1.

    ``multiplier`` λ = uᵀ∇N(u) (= 2N(u) by Euler); ``kkt_residual`` ‖(I − uuᵀ)∇N(u)‖ with the
    kernel's convention gradient; ``clarke_residual`` the sampled Clarke residual;
    ``basin`` how many starts converged here; ``flat_extent`` the largest angle (radians) to
    another KKT point found on the same flat set (N constant and KKT along the arc between them;
    0 for an isolated point).
    """

    __repr__ = compact_repr

    direction: np.ndarray
    value: float
    multiplier: float
    kkt_residual: float
    clarke_residual: float
    kind: SphereKind
    nonnegative: bool
    smooth: bool
    riemannian_eigenvalues: np.ndarray
    basin: int
    reason: str
    flat_extent: float = 0.0

    def to_dict(self) -> dict:
        return {"direction": self.direction.tolist(), "value": self.value, "kind": self.kind.value,
                "nonnegative": self.nonnegative, "multiplier": self.multiplier,
                "kkt_residual": self.kkt_residual, "clarke_residual": self.clarke_residual,
                "smooth": self.smooth, "riemannian_eigenvalues": self.riemannian_eigenvalues.tolist(),
                "basin": self.basin, "flat_extent": self.flat_extent, "reason": self.reason}


@dataclass(frozen=True)
class KKTSearch:
    """All KKT points found; ``n_starts`` counts the runs (starts × methods), ``n_failed`` those
    that reached no KKT point; ``basin`` of a point counts the runs that reached it."""

    __repr__ = compact_repr

    points: tuple[KKTPoint, ...]
    n_starts: int
    n_failed: int
    seed: int
    tolerance: float

    @property
    def nonnegative(self) -> tuple[KKTPoint, ...]:
        return tuple(p for p in self.points if p.nonnegative)

    @property
    def best(self) -> KKTPoint:
        return max(self.points, key=lambda p: p.value)

    def directions(self) -> np.ndarray:
        return np.array([p.direction for p in self.points])

    def rows(self) -> list[dict]:
        return [{"N(u)": p.value, "kind": p.kind.value, "non-negative": p.nonnegative,
                 "smooth": p.smooth, "clarke residual": p.clarke_residual, "basin": p.basin,
                 "flat extent (deg)": float(np.degrees(p.flat_extent)), "direction": p.direction}
                for p in self.points]

    def to_dict(self) -> dict:
        return {"points": [p.to_dict() for p in self.points], "n_starts": self.n_starts,
                "n_failed": self.n_failed, "seed": self.seed, "tolerance": self.tolerance}


def refine(ncf, u, *, seed: int = 0) -> tuple[np.ndarray, LocalSample]:
    """Newton-polish u onto a smooth KKT point (core ``polish`` in the tangent chart), if smooth.

    The polished point is kept only if Newton converged within 45° of u (‖ξ‖ ≤ 1); otherwise u.
    """
    sample = sample_locally(ncf, u, seed=seed)
    if not sample.smooth:
        return sample.u, sample
    chart = SphereChart(ncf, sample.u)
    try:
        with np.errstate(all="ignore"):       # a diverging Newton run is detected below, not warned about
            res = polish(chart, np.zeros(chart.P))
    except SymsaddleError:
        return sample.u, sample
    if not res.converged or np.linalg.norm(res.theta) > 1.0:    # stay within 45° of the start
        return sample.u, sample
    v = chart.point(res.theta)
    return v, sample_locally(ncf, v, seed=seed)


def kkt_point(ncf, u, *, basin: int = 1, tol: float = 1e-6, seed: int = 0) -> KKTPoint | None:
    """Polish, certify (Clarke residual ≤ tol·scale) and classify u; None if u is not a KKT point."""
    v, sample = refine(ncf, u, seed=seed)
    if sample.clarke_residual > tol * ncf.scale:
        return None
    cls = classify_on_sphere(ncf, v, sample=sample, seed=seed)
    return KKTPoint(v, sample.value, sample.multiplier, sample.kkt_residual, sample.clarke_residual,
                    cls.kind, sample.value >= -tol * ncf.scale, cls.smooth, cls.eigenvalues, basin,
                    cls.reason)


def _same_flat_set(ncf, p: KKTPoint, q: KKTPoint, tol: float, n_arc: int = 12) -> bool:
    """True if N is constant and every point is KKT along the great-circle arc from p to q."""
    if abs(p.value - q.value) > tol * ncf.scale or angle_between(p.direction, -q.direction) < 1e-6:
        return False
    t = np.linspace(0.0, 1.0, n_arc + 2)[1:-1, None]
    arc = unit((1 - t) * p.direction + t * q.direction)
    vals, grads = ncf.value_and_gradient(arc)
    resid = np.linalg.norm(grads - np.sum(grads * arc, axis=1, keepdims=True) * arc, axis=1)
    return bool(np.all(np.abs(vals - p.value) <= tol * ncf.scale) and np.all(resid <= tol * ncf.scale))


def _negated(ncf):
    from .function import NCF
    return NCF(ncf.model, ncf.X, -ncf.z, source=f"−({ncf.source})", homogeneity=ncf.homogeneity)


def _candidates(ncf, U0: np.ndarray, methods, max_steps: int, progress: bool) -> np.ndarray:
    found = []
    if "ascent" in methods:
        found.append(ascend_on_sphere(ncf, U0, max_steps=max_steps, progress=progress).directions)
    if "descent" in methods:
        found.append(ascend_on_sphere(_negated(ncf), U0, max_steps=max_steps, progress=progress).directions)
    if "newton" in methods:
        found.append(np.array([refine(ncf, u)[0] for u in unit(U0)]))
    unknown = set(methods) - {"ascent", "descent", "newton"}
    if unknown or not found:
        raise ValueError(f"methods must be among 'ascent', 'descent', 'newton'; got {methods}")
    return np.vstack(found)


def find_kkt_points(ncf, *, n_starts: int = 64, seed: int = 0, starts=None,
                    methods: tuple[str, ...] = ("ascent",), merge_angle: float = 1e-6, tol: float = 1e-6,
                    max_steps: int = 20_000, progress: bool = False) -> KKTSearch:
    """Numerical KKT points of max N s.t. ‖u‖ = 1 from seeded Gaussian starts (module docstring).

    ``methods``: "ascent" (local maxima), "descent" (local minima), "newton" (any smooth kind).
    """
    rng = np.random.default_rng(seed)
    U0 = rng.normal(size=(n_starts, ncf.P)) if starts is None else np.atleast_2d(starts)
    cand = _candidates(ncf, U0, methods, max_steps, progress)
    values = ncf.value(cand)
    clusters: list[list[int]] = []
    for i in np.argsort(-values):
        for cl in clusters:
            if angle_between(cand[cl[0]], cand[i]) <= merge_angle:
                cl.append(int(i))
                break
        else:
            clusters.append([int(i)])
    points, failed = [], 0
    for cl in clusters:
        p = kkt_point(ncf, cand[cl[0]], basin=len(cl), tol=tol, seed=seed)
        if p is None:
            failed += len(cl)
            continue
        same = next((k for k, q in enumerate(points) if angle_between(q.direction, p.direction) <= merge_angle
                     or _same_flat_set(ncf, q, p, tol)), None)
        if same is None:
            points.append(p)
        else:
            q = points[same]
            extent = max(q.flat_extent, float(angle_between(q.direction, p.direction)))
            points[same] = replace(q, basin=q.basin + p.basin,
                                   flat_extent=extent if extent > merge_angle else q.flat_extent)
    points.sort(key=lambda p: -p.value)
    return KKTSearch(tuple(points), len(cand), failed, seed, tol)


def flow_limits(ncf, starts, *, tol: float = 1e-6, seed: int = 0,
                max_steps: int = 200_000) -> tuple[KKTPoint | None, ...]:
    """The KKT point each start's NCF ascent converges to (None if it does not converge).

    Uses a small step (0.05/max‖∇²N‖) so that the discrete ascent follows the NCF flow from
    each start: this is u* = lim ū(t) of seed 002 Lemma 5.3 for that start.
    """
    U0 = unit(np.atleast_2d(starts))
    asc = ascend_on_sphere(ncf, U0, step=0.1 * _lipschitz_step(ncf, U0), max_steps=max_steps)
    return tuple(kkt_point(ncf, u, tol=tol, seed=seed) for u in asc.directions)


def nearest(points, directions) -> tuple[np.ndarray, np.ndarray]:
    """For each row of ``directions``: index of the nearest KKT point and the angle to it (radians)."""
    D = np.atleast_2d(directions)
    K = np.array([p.direction for p in points])
    ang = angle_between(D[:, None, :], K[None, :, :])
    idx = np.argmin(ang, axis=1)
    return idx, ang[np.arange(len(D)), idx]
