"""Simulations of a diagonal network that stay exact for any initialisation scale γ.

Both work in the coordinates of :mod:`symsaddle.diagonal.weights` (a = ln|w₊|, b = ln|w₋|):

* :func:`gradient_flow` integrates the exact flow in its dual variable S (P&F Lemma 1,
  mirror-flow closed form β = w₊(0)² e^{2S}/2 − w₋(0)² e^{−2S}/2):

      dS/dt = −∇L(β(S)) = Xᵀy/n − H β(S),   ∂(dS/dt)/∂S = −H diag(w₊² + w₋²),

  with an implicit adaptive solver (``solve_ivp``, Radau, exact Jacobian). S stays O(ln 1/γ),
  so γ = 1e-100 or 10^-1000 (``log10_gamma``) cost the same as γ = 0.1.
* :func:`gradient_descent` runs the seed's iteration θ ← θ − η ∇F(θ) (seed 000 eq. (7),
  Algorithm 1) exactly as it acts on w±: w₊ ← (1 − ηg) w₊, w₋ ← (1 + ηg) w₋, i.e.

      a ← a + ln|1 − ηg|,   b ← b + ln|1 + ηg|   (signs of w± tracked when η|g| > 1),

  the same iterates as GD on (u, v) in exact arithmetic, without the float64 loss of the
  minority component w∓ (see :mod:`~symsaddle.diagonal.weights`). With ``margin`` it also
  records every iteration at which max|∂F/∂θ| crosses the margin, so the seed's plateau
  detector (core :func:`~symsaddle.dynamics.plateaus_by_margin`) sees exactly what the
  seed's loop saw.

Times are flow times t (GD: iterations × η); the accelerated time of P&F is t̃ = t / ln(1/γ).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import scipy.integrate

from ..dynamics import RunStatus, Trajectory
from ..errors import DivergenceError, ShapeError
from ..progress import ProgressBar
from .problem import DiagonalProblem
from .weights import Initialisation, beta_from_logs, log10_gradient_sizes, weights_from_logs
from ..reports import compact_repr

#: GD counts as diverged when its loss exceeds this factor times (L(θ₀) + 1), as in the core.
DIVERGENCE_FACTOR = 1e10


@dataclass(frozen=True)
class DiagonalTrajectory:
    """A recorded run in log-space weights. Arrays have a leading time axis.

    ``times`` are flow times t (for GD: iterations × ``step``); ``iterations`` counts GD
    updates (the seed's "iteration" is this count + 1, its loop numbers iterations from 1).
    ``dense`` (flow only) maps t to the dual variable S(t) between the recorded times.
    """

    __repr__ = compact_repr

    times: np.ndarray
    log_w_plus: np.ndarray
    log_w_minus: np.ndarray
    sign_plus: np.ndarray
    sign_minus: np.ndarray
    beta: np.ndarray
    loss: np.ndarray
    log10_gradient_norm: np.ndarray
    log10_gradient_max: np.ndarray
    initialisation: Initialisation
    method: str
    status: RunStatus
    message: str = ""
    step: float | None = None
    dense: Callable[[np.ndarray], np.ndarray] | None = None

    @property
    def log_inv_gamma(self) -> float | None:
        return self.initialisation.log_inv_gamma

    @property
    def accelerated_times(self) -> np.ndarray:
        """t̃ = t / ln(1/γ) (P&F §3; natural logarithm)."""
        lam = self.log_inv_gamma
        if lam is None:
            raise ValueError("this run has no small initialisation scale (γ ≥ 1): accelerated time is undefined")
        return self.times / lam

    @property
    def iterations(self) -> np.ndarray:
        if self.step is None:
            raise ValueError("a gradient-flow run has no iterations; use times")
        return np.rint(self.times / self.step).astype(np.int64)

    def weights(self) -> tuple[np.ndarray, np.ndarray]:
        """(u, v) in float64, shape (T, d) each (entries below ~1e-308 underflow to 0)."""
        return weights_from_logs(self.log_w_plus, self.log_w_minus, self.sign_plus, self.sign_minus)

    def theta(self) -> np.ndarray:
        """θ = [v, u] (seed 000 eq. (41)), shape (T, 2d), float64."""
        u, v = self.weights()
        return np.concatenate([v, u], axis=1)

    def core(self) -> Trajectory:
        """The run as a core :class:`~symsaddle.dynamics.Trajectory` (times: GD iterations or flow
        times), for the core plateau detectors and :func:`~symsaddle.dynamics.visited_equilibria`."""
        times = self.iterations.astype(float) if self.step is not None else self.times
        return Trajectory(times, self.theta(), self.loss, 10.0 ** self.log10_gradient_max,
                          10.0 ** self.log10_gradient_norm, (self.status,), self.method, self.message)


def _record(problem: DiagonalProblem, init: Initialisation, times, a, b, sp, sm, method, status,
            message="", step=None, dense=None) -> DiagonalTrajectory:
    beta = beta_from_logs(a, b)
    g = problem.gradient(beta)
    log_norm, log_max = log10_gradient_sizes(g, a, b)
    return DiagonalTrajectory(np.asarray(times, dtype=float), a, b, sp, sm, beta, problem.loss(beta),
                              log_norm, log_max, init, method, status, message, step, dense)


def _check_init(problem: DiagonalProblem, init: Initialisation):
    if init.d != problem.d:
        raise ShapeError(f"the initialisation has {init.d} coordinates but the data have d = {problem.d}")


def gradient_flow(problem: DiagonalProblem, init: Initialisation, t_max: float, *, rtol: float = 1e-9,
                  atol: float = 1e-10, n_samples: int = 2001, method: str = "Radau",
                  progress: bool = False) -> DiagonalTrajectory:
    """Integrate the gradient flow of F from ``init`` up to flow time ``t_max`` in the dual variable S.

    The record holds the solver's own steps and ``n_samples`` equally spaced times; ``dense``
    evaluates S(t) anywhere in between (the solver's interpolant).
    """
    _check_init(problem, init)
    if not np.isfinite(t_max) or t_max <= 0:
        raise ValueError(f"t_max must be a positive flow time, got {t_max!r}")
    H, c = problem.gram, problem.correlation
    a0, b0 = init.log_w_plus, init.log_w_minus
    bar = ProgressBar(total=float(t_max), disable=not progress, desc="gradient flow",
                      bar_format="{desc}: flow time {n:.3g}/{total:.3g} |{bar}| {elapsed}<{remaining}")
    reached = [0.0]

    def rhs(t, S):
        if t > reached[0]:
            bar.update(t - reached[0])
            reached[0] = t
        return c - H @ beta_from_logs(a0 + S, b0 - S)

    def jac(t, S):
        return -H * init.dbeta(S)[None, :]

    with bar:
        sol = scipy.integrate.solve_ivp(rhs, (0.0, float(t_max)), np.zeros(problem.d), method=method,
                                        jac=jac if method in ("Radau", "BDF", "LSODA") else None,
                                        rtol=rtol, atol=atol, dense_output=True)
    status = RunStatus.COMPLETED if sol.success else RunStatus.FAILED
    grid = np.linspace(0.0, sol.t[-1], int(n_samples))
    times = np.union1d(sol.t, grid)
    S = sol.sol(times).T
    ones = np.ones_like(S)
    return _record(problem, init, times, a0 + S, b0 - S, ones, ones, f"gradient flow (dual variables, {method})",
                   status, sol.message, None, lambda t: sol.sol(np.asarray(t, dtype=float)).T)


def gradient_descent(problem: DiagonalProblem, init: Initialisation, step: float, n_steps: int, *,
                     record_every: int = 1, margin: float | None = None,
                     progress: bool = False) -> DiagonalTrajectory:
    """Gradient descent on F(v, u) with step ``step`` for ``n_steps`` updates, in log space.

    Records the state every ``record_every`` updates and at the last one; with ``margin``
    also at every update count where max_p |∂F/∂θ_p| ≤ margin switches on or off.
    Raises :class:`~symsaddle.errors.DivergenceError` (naming the step size) when the loss
    stops being finite or exceeds 1e10·(L(θ₀) + 1).
    """
    _check_init(problem, init)
    if not np.isfinite(step) or step <= 0:
        raise ValueError(f"step size must be a positive number, got {step!r}")
    if int(n_steps) < 0 or int(record_every) < 1:
        raise ValueError("n_steps must be ≥ 0 and record_every ≥ 1")
    if margin is not None and (not np.isfinite(margin) or margin <= 0):
        raise ValueError(f"margin must be a positive number, got {margin!r}")
    n_steps, record_every = int(n_steps), int(record_every)
    X, y, n = problem.X, problem.y, problem.n
    Xn = X / n
    ab = np.vstack([init.log_w_plus, init.log_w_minus])      # rows: a = ln|w₊|, b = ln|w₋|
    signs = np.ones_like(ab)
    factor = np.array([[-step], [step]])                        # w₊ ← (1 − ηg) w₊, w₋ ← (1 + ηg) w₋
    L0 = float(problem.loss(beta_from_logs(ab[0], ab[1])))
    limit = 2 * n * DIVERGENCE_FACTOR * (abs(L0) + 1.0)        # on ‖r‖² = 2n L
    margin_scaled = None if margin is None else np.sqrt(2.0) * margin
    rec_k, rec_ab, rec_signs = [], [], []
    below = None

    with np.errstate(all="ignore"), ProgressBar(total=n_steps, disable=not progress, desc="gradient descent",
                                                unit="step", miniters=1000) as bar:
        for k in range(n_steps + 1):
            e = np.exp(ab)
            r = X @ (0.5 * (e[0] * e[0] - e[1] * e[1])) - y
            rr = r @ r
            if not rr <= limit:
                raise DivergenceError(
                    f"gradient descent diverged at iteration {k} with step size {step:g} (loss "
                    f"{0.5 * rr / n:.3e}, started at {L0:.3e}); use a smaller step size")
            g = r @ Xn
            recorded = k % record_every == 0 or k == n_steps
            if margin_scaled is not None:
                now = bool(np.max(np.abs(g) * (e[0] + e[1])) <= margin_scaled)   # max(|g u|, |g v|) ≤ margin
                if now != below:
                    below = now
                    recorded = True
            if recorded:
                rec_k.append(k)
                rec_ab.append(ab.copy())
                rec_signs.append(signs.copy())
            if k == n_steps:
                break
            x = factor * g
            if x.max() < 1.0 and x.min() > -1.0:
                ab += np.log1p(x)
            else:
                ab += np.log(np.abs(1.0 + x))
                signs *= np.sign(1.0 + x)
            if progress and k and k % 1000 == 0:
                bar.update(1000)
    ab_rec, sg_rec = np.array(rec_ab), np.array(rec_signs)
    steps = np.asarray(rec_k, dtype=float)
    return _record(problem, init, steps * step, ab_rec[:, 0], ab_rec[:, 1], sg_rec[:, 0], sg_rec[:, 1],
                   f"gradient descent (log space), step {step:g}", RunStatus.COMPLETED, "", float(step))
