"""The equilibria a simulated run visits (seed 000 Algorithm 1) and how they compare with the limit.

* :func:`visited_saddles` — plateaus of a run (the seed's margin detector, or the core's
  margin-free detector on log10 ‖∇F‖), each polished onto ∇F = 0 and classified by the core
  (:func:`~symsaddle.dynamics.visited_equilibria`, with the lower bound F ≥ min_β L(β), so a
  polished point attaining it is a global minimiser whatever its Hessian), with the
  flow-Jacobian eigen-analysis: the largest eigenvalue of −∇²F and its eigenvector.
* :func:`jump_directions` — for each jump, the coordinate the top eigenvector points at
  (seed 000 Tables 6 and 10 print it as s = e_u ⊙ e_v) against the coordinates that really
  activate, and against Algorithm 1's choice (the first |s_i| to reach 1, P&F §3).
* :func:`compare_with_limit` — the predicted saddles and accelerated jump times t_k next to
  the visited ones; the simulated jump time into β_k is the first time the loss falls to the
  midpoint (L(β_{k−1}) + L(β_k))/2 of the predicted plateau losses.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.optimize

from ..dynamics import plateaus_by_margin, plateaus_by_prominence, visited_equilibria
from .limit import LimitPath, LimitSaddle
from .problem import DiagonalProblem
from .simulate import DiagonalTrajectory
from ..reports import compact_repr

#: relative tolerance for matching a visited saddle to β_k
MATCH_RTOL = 1e-6


@dataclass(frozen=True)
class VisitedSaddle:
    """An equilibrium visited by a run: its plateau, the polished point and its classification.

    ``order`` counts the visited equilibria from 0. ``flow_time`` is the gradient-flow time t of the
    plateau point: η × ``iteration`` for a GD run with step η, the integration time for a flow run.
    ``accelerated_time`` is t / ln(1/γ) (Pesme & Flammarion's t̃; None without a small scale γ).
    ``iteration`` counts GD updates before the plateau point, from 0 (the seed's loop numbers
    iterations from 1, so its number is ``iteration + 1``; None for a flow run). ``flow_eigenvalues`` are those of −∇²F, largest first;
    ``top_direction`` is the unit eigenvector of the largest one in θ = [v, u] and
    ``top_direction_p`` its image e_u ⊙ e_v in p-space (the seed's "eigenvector s_i").
    """

    __repr__ = compact_repr

    order: int
    flow_time: float
    accelerated_time: float | None
    iteration: int | None
    theta: np.ndarray
    p: np.ndarray
    loss: float
    kind: str
    index: int | None
    converged: bool
    reason: str
    flow_eigenvalues: np.ndarray
    top_direction: np.ndarray
    top_direction_p: np.ndarray

    @property
    def support(self) -> tuple[int, ...]:
        scale = max(1.0, float(np.max(np.abs(self.p))))
        return tuple(int(i) for i in np.flatnonzero(np.abs(self.p) > 1e-8 * scale))

    @property
    def top_eigenvalue(self) -> float:
        return float(self.flow_eigenvalues[0]) if self.flow_eigenvalues.size else float("nan")

    def to_dict(self) -> dict:
        return {"p": self.p.tolist(), "loss": self.loss, "kind": self.kind, "index": self.index,
                "flow_time": self.flow_time, "accelerated_time": self.accelerated_time, "iteration": self.iteration,
                "theta": self.theta.tolist(), "converged": self.converged, "reason": self.reason,
                "top_flow_eigenvalue": self.top_eigenvalue, "top_direction_p": self.top_direction_p.tolist(),
                "support": list(self.support)}


def visited_saddles(problem: DiagonalProblem, trajectory: DiagonalTrajectory, *, margin: float | None = None,
                    decades: float = 1.0) -> tuple[VisitedSaddle, ...]:
    """Plateaus → polish → classify → flow eigen-analysis (seed 000 Algorithm 1).

    With ``margin`` the plateaus are the seed's (max|∂F/∂θ| falls to ≤ margin after being
    above); without, the core's margin-free detector finds the local minima of log10 ‖∇F‖
    at least ``decades`` deep.
    """
    core = trajectory.core()
    plateaus = plateaus_by_margin(core, margin) if margin is not None else plateaus_by_prominence(core, decades)
    lam = trajectory.log_inv_gamma
    d = problem.d
    out = []
    for order, v in enumerate(visited_equilibria(problem.kernel, plateaus, lower_bound=problem.min_loss)):
        theta = v.polish.theta
        u, w = theta[d:], theta[:d]
        loss = float(problem.kernel.value(theta))
        cls = v.classification
        kind, index, reason = v.kind, (cls.index if cls else None), (cls.reason if cls else v.polish.message)
        if cls is not None:
            lam_flow = -cls.eigenvalues                 # descending: −∇²F's eigenvalues, largest first
            top = cls.eigenvectors[:, 0]
        else:
            lam_flow, top = np.zeros(0), np.full(2 * d, np.nan)
        flow_time = float(v.plateau.time) * (trajectory.step or 1.0)     # core time: GD iterations or flow time
        out.append(VisitedSaddle(order, flow_time, None if lam is None else flow_time / lam,
                                 int(v.plateau.time) if trajectory.step is not None else None,
                                 theta, u * w, loss, kind, index, v.polish.converged, reason,
                                 lam_flow, top, top[d:] * top[:d]))
    return tuple(out)


@dataclass(frozen=True)
class JumpDirection:
    """One jump between consecutive visited saddles, against the top-eigenvector prediction.

    Coordinates are 0-based. ``eigen_coordinate`` is argmax |e_u ⊙ e_v| of the top flow
    eigenvector at the source; ``algorithm1_coordinates`` the coordinates Algorithm 1
    activates when leaving the matching limit saddle (``None`` if unmatched); ``cosine``
    is cos∠(p_{k+1} − p_k, e_u ⊙ e_v).
    """

    source: int
    activated: tuple[int, ...]
    deactivated: tuple[int, ...]
    eigen_coordinate: int
    eigenvalue: float
    algorithm1_coordinates: tuple[int, ...] | None
    cosine: float

    @property
    def follows_eigenvector(self) -> bool:
        """The jump activates exactly the coordinate the top eigenvector points at."""
        return self.activated == (self.eigen_coordinate,)

    def to_dict(self) -> dict:
        return {"source": self.source, "activated": list(self.activated),
                "deactivated": list(self.deactivated), "eigen_coordinate": self.eigen_coordinate,
                "top_flow_eigenvalue": self.eigenvalue,
                "algorithm1_coordinates": (None if self.algorithm1_coordinates is None
                                           else list(self.algorithm1_coordinates)),
                "cosine": self.cosine, "follows_eigenvector": self.follows_eigenvector}


def _match(path: LimitPath, p: np.ndarray) -> LimitSaddle | None:
    for s in path.saddles:
        if np.max(np.abs(s.beta - p)) <= MATCH_RTOL * max(1.0, float(np.max(np.abs(s.beta)))):
            return s
    return None


def jump_directions(visited: tuple[VisitedSaddle, ...], path: LimitPath | None = None) -> tuple[JumpDirection, ...]:
    """The jumps between consecutive visited saddles (the last visited point is not a source)."""
    out = []
    for src, dst in zip(visited[:-1], visited[1:]):
        s_dir = src.top_direction_p
        before, after = set(src.support), set(dst.support)
        dp = dst.p - src.p
        denom = np.linalg.norm(dp) * np.linalg.norm(s_dir)
        alg = None
        if path is not None:
            m = _match(path, src.p)
            if m is not None and m.step + 1 < len(path.saddles):
                alg = path.saddles[m.step + 1].activated
        out.append(JumpDirection(src.order, tuple(sorted(after - before)), tuple(sorted(before - after)),
                                 int(np.argmax(np.abs(s_dir))), src.top_eigenvalue, alg,
                                 float(dp @ s_dir / denom) if denom > 0 else float("nan")))
    return tuple(out)


@dataclass(frozen=True)
class SaddleComparison:
    """Limit saddle β_k against a run: the matching visited saddle and the jump times."""

    predicted: LimitSaddle
    visited: VisitedSaddle | None
    distance: float
    simulated_time: float | None

    @property
    def matched(self) -> bool:
        return self.visited is not None and self.distance <= MATCH_RTOL * max(
            1.0, float(np.max(np.abs(self.predicted.beta))))

    @property
    def time_error(self) -> float | None:
        return None if self.simulated_time is None else self.simulated_time - self.predicted.accelerated_time


def _crossing_time(trajectory: DiagonalTrajectory, problem: DiagonalProblem, level: float,
                   start: int) -> tuple[float | None, int]:
    """First recorded index ≥ start with loss ≤ level, refined to the crossing time (flow time)."""
    below = np.flatnonzero(trajectory.loss[start:] <= level)
    if below.size == 0:
        return None, start
    i = start + int(below[0])
    if i == 0:
        return float(trajectory.times[0]), i
    t0, t1 = float(trajectory.times[i - 1]), float(trajectory.times[i])
    L0, L1 = float(trajectory.loss[i - 1]), float(trajectory.loss[i])
    if trajectory.dense is not None:
        init = trajectory.initialisation

        def excess(t):
            return float(problem.loss(init.beta(trajectory.dense(t)))) - level
        if excess(t0) > 0 > excess(t1):
            return float(scipy.optimize.brentq(excess, t0, t1, xtol=1e-12 * max(1.0, t1))), i
    return t0 + (t1 - t0) * (L0 - level) / (L0 - L1), i


def compare_with_limit(problem: DiagonalProblem, path: LimitPath, trajectory: DiagonalTrajectory,
                       visited: tuple[VisitedSaddle, ...]) -> tuple[SaddleComparison, ...]:
    """For each β_k: the nearest visited saddle (max-norm distance) and the simulated jump time t̃_k."""
    lam = trajectory.log_inv_gamma
    if lam is None:
        raise ValueError("comparison with the γ → 0 limit needs a run with a small initialisation scale γ < 1")
    out, start = [], 0
    for k, sad in enumerate(path.saddles):
        dists = [float(np.max(np.abs(v.p - sad.beta))) for v in visited]
        best = int(np.argmin(dists)) if dists else None
        if k == 0:
            t_sim = 0.0
        else:
            level = 0.5 * (path.saddles[k - 1].loss + sad.loss)
            t, start = _crossing_time(trajectory, problem, level, start)
            t_sim = None if t is None else t / lam
        out.append(SaddleComparison(sad, None if best is None else visited[best],
                                    float("inf") if best is None else dists[best], t_sim))
    return tuple(out)
