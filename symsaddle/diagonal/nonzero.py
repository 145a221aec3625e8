"""Seed 000 §5.4: non-zero initialisation v₀ = γ1 (u₀ = √2γ1), from sparse to dense minimisers.

* :func:`seed_protocol_minimiser` — the seed's protocol for Table 11: gradient descent with
  step 0.01 (exact, log space), plateaus by the margin 1e-4, the last one polished and
  classified. The log-space run also certifies u_i > |v_i| all along: the signs of
  w± = (u ± v)/√2 never flip when η|∂L/∂β_i| < 1 at every step, and u_i² − v_i² = 2 w₊ w₋
  keeps the sign it has at the start (+ for u₀ > |v₀|).
* :func:`divergence_threshold` — bisection for the smallest γ at which that GD diverges
  (the seed reports divergence at γ = 7).
* The end point for any γ is the gradient-flow limit of :mod:`~symsaddle.diagonal.mirror`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import DivergenceError
from .problem import DiagonalProblem
from .saddles import VisitedSaddle, visited_saddles
from .simulate import DiagonalTrajectory, gradient_descent
from .weights import Initialisation
from ..reports import compact_repr


@dataclass(frozen=True)
class ProtocolResult:
    """A §5.4 run: the GD trajectory, its margin plateaus, and whether w± ever changed sign."""

    __repr__ = compact_repr

    gamma: float
    trajectory: DiagonalTrajectory
    plateaus: tuple[VisitedSaddle, ...]
    signs_flipped: bool

    @property
    def minimiser(self) -> VisitedSaddle:
        return self.plateaus[-1]


def seed_protocol_minimiser(problem: DiagonalProblem, gamma: float, *, step: float = 0.01, n_steps: int,
                            margin: float = 1e-4, progress: bool = False) -> ProtocolResult:
    """GD from v₀ = γ1, u₀ = √2γ1 with the seed's margin detector; the last plateau is the minimiser."""
    init = Initialisation.seed000_nonzero(problem.d, gamma)
    run = gradient_descent(problem, init, step, n_steps, record_every=max(1, n_steps // 4000), margin=margin,
                           progress=progress)
    plateaus = visited_saddles(problem, run, margin=margin)
    flipped = bool(np.any(run.sign_plus < 0) or np.any(run.sign_minus < 0))
    return ProtocolResult(float(gamma), run, plateaus, flipped)


def diverges(problem: DiagonalProblem, gamma: float, step: float, n_steps: int) -> bool:
    """Whether GD from v₀ = γ1, u₀ = √2γ1 with ``step`` diverges within ``n_steps`` updates."""
    try:
        gradient_descent(problem, Initialisation.seed000_nonzero(problem.d, gamma), step, n_steps,
                         record_every=n_steps)
    except DivergenceError:
        return True
    return False


def divergence_threshold(problem: DiagonalProblem, step: float, low: float, high: float, *,
                         n_steps: int = 5000, rtol: float = 1e-3) -> tuple[float, float]:
    """Bracket [γ_converges, γ_diverges] of width ≤ rtol·γ around the divergence onset, by bisection.

    Needs GD to stay finite at ``low`` and to diverge at ``high`` within ``n_steps``; assumes one
    crossing in between (checked only at the probed points).
    """
    if diverges(problem, low, step, n_steps) or not diverges(problem, high, step, n_steps):
        raise ValueError(f"need GD to converge at gamma={low:g} and diverge at gamma={high:g} (step {step:g})")
    while high - low > rtol * high:
        mid = 0.5 * (low + high)
        if diverges(problem, mid, step, n_steps):
            high = mid
        else:
            low = mid
    return low, high
