"""Predicted against simulated: runs at several scales γ next to the γ → 0 limit, and table rows.

:func:`convergence_study` integrates the exact flow (dual variables) at each γ up to twice the
last predicted jump time, finds the visited saddles without a margin and compares them with
Algorithm 1 (saddles matched to 1e-6, jump times from loss midpoints). By P&F Theorem 2 the
jump-time errors vanish as γ → 0; their first-order size is O(1/ln(1/γ)).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .equilibria import SparseEquilibrium
from .limit import LimitPath
from .problem import DiagonalProblem
from .saddles import JumpDirection, SaddleComparison, VisitedSaddle, compare_with_limit, visited_saddles
from .simulate import DiagonalTrajectory, gradient_flow
from .weights import Initialisation
from ..reports import compact_repr

DEFAULT_GAMMAS = (1e-10, 1e-30, 1e-100)


@dataclass(frozen=True)
class ScaleRun:
    """One γ: the flow run, the saddles it visits and their comparison with the limit."""

    __repr__ = compact_repr

    gamma: float
    trajectory: DiagonalTrajectory
    visited: tuple[VisitedSaddle, ...]
    comparison: tuple[SaddleComparison, ...]

    @property
    def time_errors(self) -> list[float]:
        """t̃_k(γ) − t_k for k = 1..p (nan where the run never crossed the level)."""
        return [np.nan if c.time_error is None else c.time_error for c in self.comparison[1:]]


def horizon(path: LimitPath, factor: float = 2.0) -> float:
    """Accelerated time to simulate: ``factor`` × the last jump time (1 if there is no jump)."""
    return factor * float(path.final.accelerated_time) if path.final.accelerated_time > 0 else 1.0


def convergence_study(problem: DiagonalProblem, path: LimitPath, gammas=DEFAULT_GAMMAS, *,
                      factor: float = 2.0, progress: bool = False) -> tuple[ScaleRun, ...]:
    """Flow runs from u₀ = √2γ1, v₀ = 0 for each γ, compared with the limit path."""
    out = []
    for gamma in gammas:
        init = Initialisation.vanishing(problem.d, gamma)
        run = gradient_flow(problem, init, horizon(path, factor) * init.log_inv_gamma, progress=progress)
        visited = visited_saddles(problem, run)
        out.append(ScaleRun(float(gamma), run, visited, compare_with_limit(problem, path, run, visited)))
    return tuple(out)


def comparison_rows(runs: tuple[ScaleRun, ...], digits: int = 4) -> list[dict]:
    """One row per predicted saddle: β_k, t_k, and per γ the simulated jump time and the distance
    from β_k to the nearest visited saddle (``–`` when no visited saddle matches to 1e-6)."""
    rows = []
    for k, first in enumerate(runs[0].comparison):
        row = {"k": k, "beta_k": np.round(first.predicted.beta, digits).tolist(), "t_k": first.predicted.accelerated_time}
        for run in runs:
            c = run.comparison[k]
            row[f"t_sim (γ={run.gamma:g})"] = c.simulated_time
            row[f"|β_k − visited| (γ={run.gamma:g})"] = f"{c.distance:.1e}" if c.matched else "–"
        rows.append(row)
    return rows


def visited_rows(visited: tuple[VisitedSaddle, ...], digits: int = 4) -> list[dict]:
    """The visited equilibria; ``iteration`` counts GD updates from 0 (the seed numbers them from 1),
    ``theta`` is ordered [v[0], …, v[d−1], u[0], …, u[d−1]] (seed 000 eq. (41))."""
    return [{"#": v.order, "iteration": v.iteration,
             "t̃": v.accelerated_time, "theta": np.round(v.theta, digits).tolist(),
             "p": np.round(v.p, digits).tolist(), "loss": v.loss, "kind": v.kind, "index": v.index,
             "top flow eigenvalue": v.top_eigenvalue} for v in visited]


def jump_rows(jumps: tuple[JumpDirection, ...]) -> list[dict]:
    """Jump directions (coordinates counted from 0, as p[i]) against the top eigenvector and Algorithm 1."""
    return [{"jump": f"{j.source} → {j.source + 1}", "activated": list(j.activated),
             "deactivated": list(j.deactivated), "top eigenvector coordinate": j.eigen_coordinate,
             "top flow eigenvalue": j.eigenvalue,
             "Algorithm 1 coordinate": (None if j.algorithm1_coordinates is None
                                        else list(j.algorithm1_coordinates)),
             "cos(Δp, s)": j.cosine, "follows eigenvector": j.follows_eigenvector} for j in jumps]


def equilibria_rows(equilibria: tuple[SparseEquilibrium, ...], path: LimitPath,
                    visited: tuple[VisitedSaddle, ...], digits: int = 4) -> list[dict]:
    """Every sparse equilibrium (support counted from 0) with its loss and index, marked if Algorithm 1
    or the run visits it."""
    def near(p, q):
        return np.max(np.abs(p - q)) <= 1e-6 * max(1.0, float(np.max(np.abs(q))))
    return [{"support": list(e.support), "p": np.round(e.p, digits).tolist(), "loss": e.loss,
             "index": e.index, "kind": e.kind,
             "limit path": any(near(s.beta, e.p) for s in path.saddles),
             "visited": any(near(v.p, e.p) for v in visited)} for e in equilibria]
