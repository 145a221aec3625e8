"""Seed 001 §4: sequential low-rank learning from a small initialisation (Figure 1) and
escape from the rank-r critical point parametrised as a strict or non-strict saddle (Figure 2).

* **Plateaus** are found with the core :func:`~symsaddle.dynamics.plateaus_by_prominence`
  (local minima of ‖∇L‖ at least ``decades`` deep along the GD run) and matched to the
  rank-r constrained minimiser of eq. (23): the level (c/2)(tr Σ_YY − Σ_{i≤r} λ_i) nearest
  to the plateau's loss, with the relative distance of the product W_H⋯W_1 to
  P_r = U_r U_rᵀ Σ_YX Σ_XX⁻¹. Each plateau point is also polished onto ∇L = 0 and classified
  (core :func:`~symsaddle.dynamics.visited_equilibria`), and its "thinness"
  max_h σ_{r+1}(W_h)/σ_r(W_h) is reported: all layers of numerical rank r means the
  trajectory passes near the tightened (non-strict) points of Achour et al.
* **Escape time** (explicit definition): from θ* + ε u, θ* a critical point with index set
  S (|S| = r), u a seeded uniform random unit vector of R^P, GD with the same step as
  the plateau run; the first iteration k with L(θ_k) ≤ L_S − ½(L_S − L_{S∪{r+1}}), i.e.
  the loss has covered half the gap to the next plateau. Near a strict saddle the
  perturbation grows like (1 + η|λ_min|)^k, so k grows like ln(1/ε)/ln(1 + η|λ_min|);
  near a non-strict one the escape is driven by D³L and k grows like 1/ε.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..critical import classify
from ..dynamics import gradient_descent, plateaus_by_prominence, visited_equilibria
from .factorisations import Parametrisation, balanced_factorisation, factorise
from .kernel import DeepLinearKernel
from .network import check_widths, from_theta, objective, product, to_theta
from .statistics import SufficientStatistics, subset_tuple
from ..progress import ProgressBar
from ..reports import compact_repr


def seed001_section4_data(seed: int = 0, n: int = 1000, noise: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Seed 001 §4: X ∈ R^{n×5} standard normal (rows are samples), Y = X β + E,
    β = diag(5, 4, 3, 2, 1), E with entries N(0, noise²) (the report's "N(0, 0.1)" read as a
    standard deviation, as the issue states). NumPy ``default_rng(seed)``: X first, then E."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5))
    return X, X @ np.diag([5.0, 4.0, 3.0, 2.0, 1.0]) + noise * rng.normal(size=(n, 5))


def default_step(statistics: SufficientStatistics, widths: Sequence[int], convention: str = "row",
                 normalization: float = 2.0) -> float:
    """η = 1/λ_max(∇²L) at the balanced global minimiser (half the stability limit 2/λ_max there)."""
    w = check_widths(widths, statistics)
    kernel = objective(statistics, w, convention, normalization).compile()
    theta = to_theta(balanced_factorisation(statistics, range(min(w)), w), convention)
    return float(1.0 / np.linalg.eigvalsh(kernel.hessian(theta))[-1])


@dataclass(frozen=True)
class PlateauMatch:
    """One plateau of the GD run and the rank-r constrained minimiser it sits at."""

    iteration: int
    loss: float
    rank: int
    predicted_loss: float
    relative_loss_error: float
    product_distance: float
    thinness: float
    polished_kind: str
    polished_min_eigenvalue: float | None
    polished_reason: str


@dataclass(frozen=True)
class SequentialLearning:
    """The Figure 1 experiment: trajectory, rank-r levels, matched plateaus and plateau crossings."""

    __repr__ = compact_repr

    step: float
    init_scale: float
    seed: int
    times: np.ndarray
    losses: np.ndarray
    levels: np.ndarray
    plateaus: tuple[PlateauMatch, ...]
    crossings: tuple[dict, ...]

    def rows(self) -> list[dict]:
        return [p.__dict__.copy() for p in self.plateaus]


def _crossings(times: np.ndarray, losses: np.ndarray, levels: np.ndarray) -> tuple[dict, ...]:
    """For each intermediate level r: first iteration within half a gap above it, and first
    iteration half a gap below it (towards level r+1)."""
    out = []
    for r in range(1, len(levels) - 1):
        enter_at = levels[r] + 0.5 * (levels[r - 1] - levels[r])
        leave_at = levels[r] - 0.5 * (levels[r] - levels[r + 1])
        enter = np.flatnonzero(losses <= enter_at)
        leave = np.flatnonzero(losses <= leave_at)
        e = int(times[enter[0]]) if enter.size else None
        l_ = int(times[leave[0]]) if leave.size else None
        out.append({"rank": r, "enter": e, "leave": l_,
                    "duration": None if e is None or l_ is None else l_ - e})
    return tuple(out)


def _thinness(weights, r: int) -> float:
    """max_h σ_{r+1}(W_h)/σ_r(W_h) (σ_1(W_h) itself for r = 0): ≈ 0 when every layer has rank ≈ r."""
    vals = []
    for W in weights:
        s = np.linalg.svd(W, compute_uv=False)
        vals.append(s[r] / s[r - 1] if r else s[0])
    return float(max(vals))


def sequential_learning(statistics: SufficientStatistics, widths: Sequence[int], *, convention: str = "row",
                        normalization: float = 2.0, init_scale: float = 1e-3, step: float | None = None,
                        n_steps: int = 60_000, record_every: int = 10, decades: float = 1.0, seed: int = 1,
                        polish_plateaus: bool = True, progress: bool = False) -> SequentialLearning:
    """GD from θ₀ = init_scale·N(0, I) (``default_rng(seed)``) and its plateaus (module docstring)."""
    w = check_widths(widths, statistics)
    obj = objective(statistics, w, convention, normalization)
    fast = DeepLinearKernel(obj)
    eta = default_step(statistics, w, convention, normalization) if step is None else float(step)
    theta0 = init_scale * np.random.default_rng(seed).normal(size=fast.P)
    traj = gradient_descent(fast, theta0, eta, n_steps, record_every=record_every, progress=progress)
    r_max = min(w)
    levels = np.array([statistics.rank_constrained_value(r, normalization) for r in range(r_max + 1)])
    plateaus = plateaus_by_prominence(traj, decades)
    visited = (visited_equilibria(obj.compile(), plateaus, lower_bound=levels[-1], dedupe_tol=0.0)
               if polish_plateaus else ())
    scale = np.linalg.norm(statistics.regression)
    matches = []
    for i, pl in enumerate(plateaus):
        r = int(np.argmin(np.abs(levels - pl.loss)))
        Ws = from_theta(pl.theta, w, convention)
        dist = float(np.linalg.norm(product(Ws) - statistics.product(range(r))) / scale)
        thin = _thinness(Ws, r) if r < r_max else 0.0
        cls = visited[i].classification if visited else None
        matches.append(PlateauMatch(int(pl.time), float(pl.loss), r, float(levels[r]),
                                    abs(pl.loss - levels[r]) / levels[r], dist, thin,
                                    visited[i].kind if visited else "not polished",
                                    None if cls is None else float(cls.eigenvalues[0]),
                                    "" if cls is None else cls.reason))
    return SequentialLearning(eta, init_scale, seed, traj.times, traj.losses, levels, tuple(matches),
                              _crossings(traj.times, traj.losses, levels))


@dataclass(frozen=True)
class EscapeRun:
    """Escape of GD from one parametrisation of a critical point, perturbed by ε."""

    __repr__ = compact_repr

    parametrisation: str
    kind: str
    min_eigenvalue: float
    epsilon: float
    escape_iteration: int | None
    losses: np.ndarray

    def row(self) -> dict:
        return {"parametrisation": self.parametrisation, "kind": self.kind, "min_eigenvalue": self.min_eigenvalue,
                "epsilon": self.epsilon, "escape_iteration": self.escape_iteration}


def escape_times(statistics: SufficientStatistics, widths: Sequence[int], subset, epsilons: Sequence[float], *,
                 parametrisations: Sequence[Parametrisation | str] = (Parametrisation.BALANCED, Parametrisation.STRICT),
                 convention: str = "row", normalization: float = 2.0, step: float | None = None,
                 max_steps: int = 50_000, chunk: int = 2_000, seed: int = 5,
                 progress: bool = False) -> tuple[EscapeRun, ...]:
    """Escape iterations (module docstring) for every (parametrisation, ε), run as one batch of GD runs in
    chunks of ``chunk`` steps until every run has escaped or ``max_steps`` are done (one progress bar over the
    steps, with the count of runs escaped so far)."""
    w = check_widths(widths, statistics)
    S = subset_tuple(subset, statistics.d_y)
    if len(S) >= min(w):
        raise ValueError(f"escape needs |S| < r_max = {min(w)}, got S = {S}")
    nxt = min(set(range(statistics.d_y)) - set(S))
    L_S = statistics.critical_value(S, normalization)
    target = L_S - 0.5 * (L_S - statistics.critical_value(S + (nxt,), normalization))
    obj = objective(statistics, w, convention, normalization)
    kernel, fast = obj.compile(), DeepLinearKernel(obj)
    eta = default_step(statistics, w, convention, normalization) if step is None else float(step)
    u = np.random.default_rng(seed).normal(size=fast.P)
    u /= np.linalg.norm(u)
    labels, starts = [], []
    for p in parametrisations:
        theta = to_theta(factorise(statistics, S, w, p, seed=seed), convention)
        cls = classify(kernel, theta, lower_bound=statistics.rank_constrained_value(min(w), normalization))
        for eps in epsilons:
            labels.append((Parametrisation(p).value, cls.kind.value, float(cls.eigenvalues[0]), float(eps)))
            starts.append(theta + eps * u)
    theta = np.array(starts)
    hit = np.full(len(starts), -1)
    curves = [fast.value(theta)[:, None]]
    done = 0
    with ProgressBar(total=max_steps, disable=not progress, desc="escape from the saddle", unit="step") as bar:
        while done < max_steps and np.any(hit < 0):
            n = min(chunk, max_steps - done)
            traj = gradient_descent(fast, theta, eta, n, on_divergence="stop")
            L = traj.losses[1:]                                     # (n, B)
            for b in np.flatnonzero(hit < 0):
                below = np.flatnonzero(L[:, b] <= target)
                if below.size:
                    hit[b] = done + int(below[0]) + 1
            curves.append(L.T)
            theta, done = traj.thetas[-1], done + n
            bar.update(n)
            bar.set_postfix(escaped=f"{int(np.sum(hit >= 0))}/{len(hit)}")
    losses = np.concatenate(curves, axis=1)
    return tuple(EscapeRun(p, k, lam, eps, None if hit[b] < 0 else int(hit[b]), losses[b])
                 for b, (p, k, lam, eps) in enumerate(labels))
