"""Independent references for the diagonal simulations, and where float64 loses information.

* :func:`seed_loop` — seed 000's Algorithm 1 as printed: plain float64 gradient descent on
  (u, v) with the margin detector. It records iterations from 0 (updates done before the point;
  the seed numbers the same points from 1, i.e. one higher). It reproduces the seed's tables
  bit for bit — and with them the seed's float64 artefacts (see :func:`float64_loss`). It is
  a transcription for the audit and the benchmark, not a simulator to trust.
* :func:`mpmath_gradient_descent` — the same iteration on (u, v) in mpmath with ``dps`` digits
  (no log-space tricks), the reference the log-space simulator is proved against.
* :func:`float64_loss` — for a faithful run, the coordinates whose minority component w∓ fell
  below 2⁻⁵³ of the majority (then u, v in float64 cannot hold it) and, of those, the ones that
  later change sign: there float64 GD on (u, v) leaves too early or never.
"""

from __future__ import annotations

from dataclasses import dataclass

import mpmath
import numpy as np

from .problem import DiagonalProblem
from .simulate import DiagonalTrajectory
from ..reports import compact_repr

#: log of 2⁵³: a ratio |w₋/w₊| below 2⁻⁵³ is lost when w₊ and w₋ are stored as u ± v in float64.
LN_FLOAT64_RESOLUTION = 53 * np.log(2.0)
#: a sign change counts when the new sign reaches this fraction of max(1, max |β|) (it moves the loss)
VISIBLE = 1e-8


@dataclass(frozen=True)
class SeedLoopResult:
    """Plateaus of the seed's loop: iterations counted from 0 (GD updates before the point; the seed's
    own numbering is one higher) and θ = [v, u] there."""

    __repr__ = compact_repr

    iterations: tuple[int, ...]
    thetas: np.ndarray


def seed_loop(problem: DiagonalProblem, gamma: float, step: float, n_steps: int, margin: float = 1e-4,
              v0_scale: float = 0.0) -> SeedLoopResult:
    """Seed 000 Algorithm 1 in float64: u₀ = √2γ1, v₀ = v0_scale·γ1 (§5.4 uses v0_scale = 1).

    For k = 0..T−1 (the seed's t = k + 1): evaluate ∇F at the current weights; if max|∂F/∂θ| ≤ margin
    after having been above it, record (k, θ); then update u ← u − η ∇L ⊙ v, v ← v − η ∇L ⊙ u.
    """
    X, y, n = problem.X, problem.y, problem.n
    u = np.full(problem.d, np.sqrt(2.0) * gamma)
    v = np.full(problem.d, v0_scale * gamma)
    armed, its, thetas = True, [], []
    for k in range(int(n_steps)):
        g = X.T @ (X @ (u * v) - y) / n
        gmax = max(np.max(np.abs(g * u)), np.max(np.abs(g * v)))
        if gmax > margin:
            armed = True
        elif armed:
            armed = False
            its.append(k)
            thetas.append(np.concatenate([v, u]))
        u, v = u - step * g * v, v - step * g * u
    return SeedLoopResult(tuple(its), np.array(thetas).reshape(-1, 2 * problem.d))


def mpmath_gradient_descent(problem: DiagonalProblem, step: float, n_steps: int, *, dps: int,
                            gamma_power10: int, v0_scale: int = 0,
                            record_every: int = 1) -> tuple[np.ndarray, list[list[mpmath.mpf]], list[list[mpmath.mpf]]]:
    """Gradient descent on (u, v) in mpmath at ``dps`` digits, from u₀ = √2γ1, v₀ = v0_scale·γ1,
    γ = 10^gamma_power10 exactly. The data and the step are the float64 numbers, converted exactly.

    Returns (iterations, u, v) at every ``record_every``-th update (u, v as mpf lists).
    Faithful when dps exceeds the number of decades between the weights of a coordinate
    and its minority component, about 2·|gamma_power10| + 20.
    """
    n, d = problem.n, problem.d
    with mpmath.workdps(dps):
        X = [[mpmath.mpf(float(v)) for v in row] for row in problem.X]
        y = [mpmath.mpf(float(v)) for v in problem.y]
        gamma = mpmath.mpf(10) ** int(gamma_power10)
        eta, inv_n = mpmath.mpf(float(step)), mpmath.mpf(1) / n
        u = [mpmath.sqrt(2) * gamma] * d
        v = [v0_scale * gamma] * d
        its, us, vs = [], [], []
        for k in range(int(n_steps) + 1):
            if k % record_every == 0 or k == n_steps:
                its.append(k)
                us.append(list(u))
                vs.append(list(v))
            if k == n_steps:
                break
            p = [a * b for a, b in zip(u, v)]
            r = [mpmath.fsum(x * q for x, q in zip(row, p)) - yi for row, yi in zip(X, y)]
            g = [mpmath.fsum(X[i][j] * r[i] for i in range(n)) * inv_n for j in range(d)]
            u, v = [a - eta * gj * b for a, b, gj in zip(u, v, g)], [b - eta * gj * a for a, b, gj in zip(u, v, g)]
    return np.array(its), us, vs


@dataclass(frozen=True)
class Float64Loss:
    """Where a (faithful) run's information is beyond float64 storage as (u, v).

    ``lost_at[i]``: first recorded time at which |ln(w₋/w₊)| of coordinate i exceeds 53 ln 2
    (``nan`` if never); ``sign_change_after_loss``: coordinates whose β later takes the other sign
    with |β_i| > 1e-8·max(1, max|β|) — a float64 (u, v) run cannot reproduce those; ``gamma_squared_underflows``:
    γ² < 2.2e-308 (γ < 1.5e-154), so γ² sinh(2S) cannot be evaluated in float64.
    """

    __repr__ = compact_repr

    lost_at: np.ndarray
    sign_change_after_loss: tuple[int, ...]
    gamma_squared_underflows: bool
    gamma_underflows: bool

    def to_dict(self) -> dict:
        return {"lost_at": [None if np.isnan(t) else float(t) for t in self.lost_at],
                "sign_change_after_loss": list(self.sign_change_after_loss),
                "gamma_squared_underflows": self.gamma_squared_underflows,
                "gamma_underflows": self.gamma_underflows}


def float64_loss(trajectory: DiagonalTrajectory) -> Float64Loss:
    """Which components of a log-space run a float64 (u, v) representation would have lost."""
    gap = np.abs(trajectory.log_w_plus - trajectory.log_w_minus)
    d = gap.shape[1]
    scale = max(1.0, float(np.max(np.abs(trajectory.beta))))
    lost_at = np.full(d, np.nan)
    flips = []
    for i in range(d):
        idx = np.flatnonzero(gap[:, i] > LN_FLOAT64_RESOLUTION)
        if idx.size == 0:
            continue
        lost_at[i] = trajectory.times[idx[0]]
        sign_then = np.sign(trajectory.beta[idx[0], i])
        later = trajectory.beta[idx[0]:, i]
        if np.any((np.sign(later) == -sign_then) & (np.abs(later) > VISIBLE * scale)):
            flips.append(i)
    log_gamma = trajectory.initialisation.log_gamma
    tiny = np.log(np.finfo(float).tiny)
    return Float64Loss(lost_at, tuple(flips), bool(log_gamma is not None and 2 * log_gamma < tiny),
                       bool(log_gamma is not None and log_gamma < tiny))


@dataclass(frozen=True)
class Float64Comparison:
    """One gradient-descent run computed three ways: log space (float64), (u, v) in float64 (the core's
    ``gradient_descent``), and (u, v) in mpmath with ``dps`` digits. ``beta_*`` have shape (T, d)."""

    __repr__ = compact_repr

    iterations: np.ndarray
    beta_log: np.ndarray
    beta_float64: np.ndarray
    beta_mpmath: np.ndarray
    dps: int

    @property
    def log_vs_mpmath(self) -> float:
        """max relative difference, log-space GD against mpmath, over all entries ≠ 0."""
        ref = self.beta_mpmath
        mask = ref != 0
        return float(np.max(np.abs(self.beta_log[mask] - ref[mask]) / np.abs(ref[mask])))

    @property
    def float64_vs_mpmath(self) -> float:
        """max absolute difference of the float64 (u, v) run from mpmath."""
        return float(np.max(np.abs(self.beta_float64 - self.beta_mpmath)))


def float64_comparison(problem: DiagonalProblem, gamma_power10: int, step: float, n_steps: int, *,
                       record_every: int, dps: int | None = None) -> Float64Comparison:
    """GD from u₀ = √2γ1, v₀ = 0 (γ = 10^gamma_power10) three ways, recorded every ``record_every`` updates.

    ``dps`` defaults to 2·|gamma_power10| + 30 digits, enough to hold every minority component.
    """
    from ..dynamics import gradient_descent as core_gradient_descent
    from .simulate import gradient_descent
    from .weights import Initialisation

    dps = int(dps or 2 * abs(int(gamma_power10)) + 30)
    gamma = 10.0 ** int(gamma_power10)
    exact = gradient_descent(problem, Initialisation.vanishing(problem.d, log10_gamma=int(gamma_power10)), step,
                             n_steps, record_every=record_every)
    theta0 = np.concatenate([np.zeros(problem.d), np.full(problem.d, np.sqrt(2.0) * gamma)])
    plain = core_gradient_descent(problem.kernel, theta0, step, n_steps, record_every=record_every)
    its, us, vs = mpmath_gradient_descent(problem, step, n_steps, dps=dps, gamma_power10=int(gamma_power10),
                                          record_every=record_every)
    with mpmath.workdps(dps):
        beta_mp = np.array([[float(a * b) for a, b in zip(u, v)] for u, v in zip(us, vs)])
    u, v = plain.thetas[:, problem.d:], plain.thetas[:, :problem.d]
    return Float64Comparison(its, exact.beta, u * v, beta_mp, dps)
