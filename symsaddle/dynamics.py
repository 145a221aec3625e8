"""Training dynamics on any objective: gradient descent, gradient flow, plateaus.

* :func:`gradient_descent` — θ_{k+1} = θ_k − η ∇L(θ_k) (seed 000 eq. (7)), batched over a
  leading axis of initialisations, with per-run divergence detection.
* :func:`gradient_flow` — dθ/dt = −∇L(θ) integrated by an implicit adaptive solver with
  the exact Jacobian −∇²L (``scipy.integrate.solve_ivp``).
* :func:`plateaus_by_margin` — seed 000 Algorithm 1: a plateau starts when the largest
  gradient entry drops below ``margin`` after having been above it.
* :func:`plateaus_by_prominence` — margin-free: plateaus are the local minima of the
  gradient norm along the trajectory whose depth (prominence) is at least
  ``decades`` orders of magnitude; scale-free because it works on log10 ‖∇L‖.
* :func:`visited_equilibria` — polish every plateau onto ∇L = 0 and classify it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Callable

import numpy as np
import scipy.integrate
import scipy.signal
from tqdm.auto import tqdm

from .critical import Classification, PolishResult, classify, polish
from .errors import DivergenceError, NonFiniteDataError, ShapeError
from .protocol import value_and_gradient


class RunStatus(str, Enum):
    COMPLETED = "completed"
    DIVERGED = "diverged"
    FAILED = "failed"


@dataclass(frozen=True)
class Trajectory:
    """A recorded run. Arrays have a leading time axis; batched runs add a batch axis.

    ``times`` are iteration counts for gradient descent and flow times for gradient flow.
    ``gradient_max`` is max_p |∂L/∂θ_p| (the quantity of seed 000 Algorithm 1).
    """

    times: np.ndarray
    thetas: np.ndarray
    losses: np.ndarray
    gradient_max: np.ndarray
    gradient_norm: np.ndarray
    status: tuple[RunStatus, ...]
    method: str
    message: str = ""

    @property
    def final(self) -> np.ndarray:
        return self.thetas[-1]


def _divergence_limit(L0: np.ndarray) -> np.ndarray:
    return 1e10 * (np.abs(L0) + 1.0)


def gradient_descent(kernel, theta0, step: float | np.ndarray, n_steps: int, *, record_every: int = 1,
                     on_divergence: str = "raise", progress: bool = False,
                     callback: Callable[[int, np.ndarray], None] | None = None) -> Trajectory:
    """Run θ ← θ − η ∇L(θ) for ``n_steps`` steps from θ₀ of shape (P,) or (B, P).

    A run diverges when its loss or parameters stop being finite, or its loss exceeds
    1e10·(|L(θ₀)| + 1). With ``on_divergence="raise"`` a :class:`DivergenceError`
    names the step size; with ``"stop"`` the diverged runs are frozen and marked.
    ``step`` is one step size η, or one per run (shape (B,)) for a batch θ₀ of shape (B, P).
    """
    steps = np.asarray(step, dtype=float)
    if steps.ndim > 1 or steps.size == 0 or not np.all(np.isfinite(steps)) or np.any(steps <= 0):
        raise ValueError(f"step size must be a positive number (or one per run), got {step!r}")
    label = f"{float(steps):g}" if steps.ndim == 0 else f"{steps.min():g}..{steps.max():g} (one per run)"
    if n_steps < 0 or record_every < 1:
        raise ValueError("n_steps must be ≥ 0 and record_every ≥ 1")
    if on_divergence not in ("raise", "stop"):
        raise ValueError("on_divergence must be 'raise' or 'stop'")
    th = np.array(theta0, dtype=float)
    single = th.ndim == 1
    th = np.atleast_2d(th)
    if th.shape[1] != kernel.P:
        raise ShapeError(f"theta0 must have {kernel.P} parameters, got shape {np.shape(theta0)}")
    if not np.all(np.isfinite(th)):
        raise NonFiniteDataError("theta0 contains NaN or inf")
    B = th.shape[0]
    if steps.ndim == 1 and steps.shape != (B,):
        raise ShapeError(f"one step size per run needs shape ({B},), got {steps.shape}")
    eta = np.broadcast_to(steps, (B,))[:, None]
    alive = np.ones(B, dtype=bool)
    times, thetas, losses, gmax, gnorm = [], [], [], [], []
    L, g = value_and_gradient(kernel, th)
    L0 = L.copy()
    limit = _divergence_limit(L0)

    def record(k, L, g):
        times.append(k)
        thetas.append(th.copy())
        losses.append(np.array(L, dtype=float))
        gmax.append(np.max(np.abs(g), axis=1))
        gnorm.append(np.linalg.norm(g, axis=1))

    record(0, L, g)
    message = ""
    with tqdm(total=n_steps, disable=not progress, desc="gradient descent", unit="step") as bar:
        for k in range(1, n_steps + 1):
            idx = np.flatnonzero(alive)
            new = th[idx] - eta[idx] * g[idx]
            L_new = np.full(len(idx), np.inf)
            g_new = np.zeros_like(new)
            finite = np.all(np.isfinite(new), axis=1)
            if finite.any():
                L_new[finite], g_new[finite] = value_and_gradient(kernel, new[finite])
            bad = ~np.isfinite(L_new) | (L_new > limit[idx])
            if bad.any():
                if on_divergence == "raise":
                    raise DivergenceError(
                        f"gradient descent diverged at step {k} with step size {label} (loss "
                        f"{float(np.max(L_new[bad])):.3e}, started at {float(np.max(L0[idx][bad])):.3e}); "
                        "use a smaller step size")
                alive[idx[bad]] = False
                message = f"{int((~alive).sum())} of {B} runs diverged"
            keep = idx[~bad]
            th[keep], L[keep], g[keep] = new[~bad], L_new[~bad], g_new[~bad]
            if callback is not None:
                callback(k, th)
            if k % record_every == 0 or k == n_steps:
                record(k, L, np.where(alive[:, None], g, np.nan))
            bar.update(1)
            if not alive.any():
                break
    status = tuple(RunStatus.COMPLETED if a else RunStatus.DIVERGED for a in alive)
    out = Trajectory(np.asarray(times, dtype=float), np.asarray(thetas), np.asarray(losses),
                     np.asarray(gmax), np.asarray(gnorm), status, f"gradient descent, step {label}", message)
    if single:
        out = Trajectory(out.times, out.thetas[:, 0], out.losses[:, 0], out.gradient_max[:, 0],
                         out.gradient_norm[:, 0], out.status, out.method, out.message)
    return out


def gradient_flow(kernel, theta0, t_span: tuple[float, float], *, t_eval=None, method: str = "LSODA",
                  rtol: float = 1e-10, atol: float | np.ndarray = 1e-12, max_step: float = np.inf,
                  events=None) -> Trajectory:
    """Integrate dθ/dt = −∇L(θ) with ``scipy.integrate.solve_ivp`` and the exact Jacobian −∇²L."""
    th0 = np.asarray(theta0, dtype=float)
    if th0.shape != (kernel.P,):
        raise ShapeError(f"theta0 must have shape ({kernel.P},), got {th0.shape}")
    if not np.all(np.isfinite(th0)):
        raise NonFiniteDataError("theta0 contains NaN or inf")
    sol = scipy.integrate.solve_ivp(lambda t, y: -kernel.gradient(y), t_span, th0, method=method,
                                    t_eval=t_eval, rtol=rtol, atol=atol, max_step=max_step,
                                    jac=(lambda t, y: -kernel.hessian(y)) if method in
                                    ("Radau", "BDF", "LSODA") else None, events=events)
    thetas = sol.y.T
    L, g = value_and_gradient(kernel, thetas)
    status = (RunStatus.COMPLETED,) if sol.success else (RunStatus.FAILED,)
    return Trajectory(sol.t, thetas, np.atleast_1d(L), np.max(np.abs(g), axis=1),
                      np.linalg.norm(g, axis=1), status, f"gradient flow ({method})", sol.message)


@dataclass(frozen=True)
class Plateau:
    """A point of a trajectory where it lingers near an equilibrium."""

    index: int
    time: float
    theta: np.ndarray
    loss: float
    gradient_max: float


def _plateau(traj: Trajectory, i: int) -> Plateau:
    return Plateau(int(i), float(traj.times[i]), traj.thetas[i], float(traj.losses[i]),
                   float(traj.gradient_max[i]))


def _check_single(traj: Trajectory):
    if traj.thetas.ndim != 2:
        raise ShapeError("plateau detection works on a single run; index a batched trajectory first")


def plateaus_by_margin(traj: Trajectory, margin: float) -> tuple[Plateau, ...]:
    """Seed 000 Algorithm 1: record a plateau each time max|∇L| falls to ≤ ``margin``
    after having been above it (the first point counts if it is already below)."""
    _check_single(traj)
    out, armed = [], True
    for i, gm in enumerate(traj.gradient_max):
        if gm > margin:
            armed = True
        elif armed:
            out.append(_plateau(traj, i))
            armed = False
    return tuple(out)


def plateaus_by_prominence(traj: Trajectory, decades: float = 1.0) -> tuple[Plateau, ...]:
    """Local minima of log10 ‖∇L‖ along the trajectory that are at least ``decades`` deep.

    The start and the end of the run count when the gradient rises from, or falls to,
    them by at least ``decades`` orders of magnitude. No margin in the units of the loss
    is needed: the criterion is invariant under rescaling L or θ.
    """
    _check_single(traj)
    tiny = np.finfo(float).tiny
    s = -np.log10(np.maximum(traj.gradient_norm, tiny))
    padded = np.concatenate([[-np.inf], s, [-np.inf]])
    peaks, _ = scipy.signal.find_peaks(padded, prominence=decades)
    idx = sorted({int(p) - 1 for p in peaks})
    return tuple(_plateau(traj, i) for i in idx)


@dataclass(frozen=True)
class VisitedEquilibrium:
    """A plateau, the equilibrium it was polished onto, and that equilibrium's class."""

    plateau: Plateau
    polish: PolishResult
    classification: Classification | None

    @property
    def kind(self) -> str:
        if not self.polish.converged or self.classification is None:
            return "not converged"
        return self.classification.kind.value


def visited_equilibria(kernel, plateaus, *, lower_bound: float | None = None,
                       dedupe_tol: float = 1e-6) -> tuple[VisitedEquilibrium, ...]:
    """Polish each plateau point onto ∇L = 0 and classify it (seed 000 Algorithm 1).

    A polish that does not converge is reported as such and not classified.
    Consecutive plateaus that polish onto the same point (within ``dedupe_tol``
    relative) are merged.
    """
    out: list[VisitedEquilibrium] = []
    for pl in plateaus:
        res = polish(kernel, pl.theta)
        cls = classify(kernel, res.theta, lower_bound=lower_bound) if res.converged else None
        if out and res.converged and out[-1].polish.converged and np.linalg.norm(
                res.theta - out[-1].polish.theta) <= dedupe_tol * max(1.0, np.linalg.norm(res.theta)):
            continue
        out.append(VisitedEquilibrium(pl, res, cls))
    return tuple(out)
