"""Training the student: the thesis's way and the fast way, on a batch of initialisations at once.

* :func:`trust_region_newton` — the fast way: a batched trust-region Newton method on θ of shape
  (B, P) using the kernel's exact batched gradients and Hessians. Each iteration solves, for every
  active run, the trust-region subproblem  min_s gᵀs + ½ sᵀHs, ‖s‖ ≤ Δ  exactly from the
  eigen-decomposition H = V Λ Vᵀ (Moré–Sorensen: s(ν) = −V (Λ + ν)⁻¹ Vᵀ g with ν ≥ max(0, −λ_min)
  fixed by ‖s(ν)‖ = Δ, found by bisection; the "hard case" adds the lowest eigenvector), accepts
  the step if the actual decrease is ≥ 10⁻⁴ of the predicted one and updates Δ by the usual
  ratio rule (Nocedal & Wright, Algorithm 4.1). It converges to second-order stationary points
  (λ_min ≥ 0) and, where the loss keeps falling towards infinity, follows the descent outwards.
* :func:`adam` — the thesis's first stage (§6.2.1): full-batch Adam with PyTorch's defaults
  (β₁ = 0.9, β₂ = 0.999, ε = 1e-8), fixed learning rate; the thesis used lr = 1e-4 for 1e7 epochs.
* :func:`slsqp_polish` — the thesis's second stage: sequential least-squares programming on the
  unconstrained loss (scipy's SLSQP; the thesis used NLopt's LD_SLSQP, which is not installed
  here), run until it makes no further progress.
* :func:`scipy_trust_exact` — the reference of the benchmark: ``scipy.optimize.minimize`` with
  ``method="trust-exact"`` and the same exact gradient and Hessian, one initialisation at a time.

Every run records its loss and parameter norm along the way (the escape detector of
:mod:`.endpoints` reads them) and, every ``snapshot_every`` iterations, θ itself (Fig. 6.4's
trajectories).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np
import scipy.optimize

from ..critical import Tolerances, gradient_tolerance
from ..errors import NonFiniteDataError
from ..progress import ProgressBar
from ..protocol import parameter_batch, require_kernel
from ..reports import compact_repr


class RunStatus(str, Enum):
    CONVERGED = "converged"          # ‖∇L‖ ≤ tol_g (the core's scaled gradient tolerance)
    STALLED = "stalled"              # no step can decrease L any more: the trust radius fell below θ's resolution
    MAX_ITERATIONS = "max iterations"
    FINISHED = "finished"            # Adam used its fixed budget; SLSQP stopped by its own criterion (below its cap)


@dataclass(frozen=True)
class BatchRun:
    """A batch of optimisation runs. History arrays have a leading record axis, then the batch axis."""

    __repr__ = compact_repr

    theta: np.ndarray               # (B, P) end points
    loss: np.ndarray                # (B,)
    gradient_norm: np.ndarray       # (B,)
    status: tuple[RunStatus, ...]
    iterations: np.ndarray          # (B,) iterations each run used
    history_iterations: np.ndarray  # (T,)
    history_loss: np.ndarray        # (T, B)
    history_norm: np.ndarray        # (T, B) ‖θ‖
    snapshot_iterations: np.ndarray  # (S,)
    snapshots: np.ndarray           # (S, B, P)
    method: str

    @classmethod
    def from_end_points(cls, kernel, theta, status, iterations, method: str) -> "BatchRun":
        """A run known only by its end points (e.g. from an optimiser that keeps no history)."""
        th = np.atleast_2d(np.asarray(theta, dtype=float))
        L, g = kernel.value_and_gradient(th)
        L = np.atleast_1d(L)
        return cls(th, L, np.linalg.norm(np.atleast_2d(g), axis=1), tuple(status), np.asarray(iterations),
                   np.zeros(1), L[None, :], np.linalg.norm(th, axis=1)[None, :], np.zeros(1), th[None], method)


def _check_batch(kernel, theta0, caller: str) -> np.ndarray:
    """The initial parameters as a (B, P) float array of this caller's own (the core's checks: shape, NaN)."""
    require_kernel(kernel, caller)
    return parameter_batch(theta0, kernel.P, "initial parameters")[0].copy()


def trust_region_subproblem(g: np.ndarray, eigenvalues: np.ndarray, eigenvectors: np.ndarray,
                            radius: np.ndarray, bisection_steps: int = 80) -> tuple[np.ndarray, np.ndarray]:
    """Exact solutions s of min gᵀs + ½ sᵀHs, ‖s‖ ≤ Δ for a batch, from H = V diag(λ) Vᵀ.

    Returns (s, predicted decrease −(gᵀs + ½ sᵀHs)), shapes (B, P) and (B,).
    """
    gt = np.einsum("bpq,bp->bq", eigenvectors, g)
    lam_min = eigenvalues[:, 0]
    scale = np.maximum(np.max(np.abs(eigenvalues), axis=1), np.finfo(float).tiny)

    def step_norm(nu):
        return np.linalg.norm(gt / (eigenvalues + nu[:, None]), axis=1)

    newton_ok = lam_min > 1e-14 * scale
    with np.errstate(divide="ignore", invalid="ignore"):
        newton_norm = np.where(newton_ok, step_norm(np.where(newton_ok, 0.0, 1.0)), np.inf)
    interior = newton_ok & (newton_norm <= radius)
    lo = np.maximum(0.0, -lam_min) + 1e-14 * scale
    hi = lo + np.linalg.norm(g, axis=1) / radius + np.finfo(float).tiny
    for _ in range(bisection_steps):
        mid = 0.5 * (lo + hi)
        outside = step_norm(mid) > radius
        lo, hi = np.where(outside, mid, lo), np.where(outside, hi, mid)
    nu = np.where(interior, 0.0, hi)
    st = -gt / (eigenvalues + nu[:, None])
    # hard case: g (nearly) orthogonal to the lowest eigenvector of an indefinite H; go along it
    short = ~interior & (lam_min < 0)
    norm = np.linalg.norm(st, axis=1)
    fill = np.sqrt(np.maximum(radius ** 2 - norm ** 2, 0.0))
    sign = np.where(gt[:, 0] > 0, -1.0, 1.0)
    st[:, 0] += np.where(short & (norm < 0.999 * radius), sign * fill, 0.0)
    s = np.einsum("bpq,bq->bp", eigenvectors, st)
    predicted = -(np.einsum("bq,bq->b", gt, st) + 0.5 * np.einsum("bq,bq->b", eigenvalues * st, st))
    return s, predicted


class _Recorder:
    def __init__(self, B: int, snapshot_every: int):
        self.snapshot_every = snapshot_every
        self.iters, self.losses, self.norms = [], [], []
        self.snap_iters, self.snaps = [], []

    def record(self, k: int, th: np.ndarray, L: np.ndarray):
        self.iters.append(k)
        self.losses.append(L.copy())
        self.norms.append(np.linalg.norm(th, axis=1))
        if self.snapshot_every and k % self.snapshot_every == 0:
            self.snap_iters.append(k)
            self.snaps.append(th.copy())

    def finish(self, k: int, th: np.ndarray):
        if not self.snap_iters or self.snap_iters[-1] != k:
            self.snap_iters.append(k)
            self.snaps.append(th.copy())
        return (np.asarray(self.iters), np.asarray(self.losses), np.asarray(self.norms),
                np.asarray(self.snap_iters), np.asarray(self.snaps))


def trust_region_newton(kernel, theta0, *, max_iterations: int = 400, initial_radius: float | None = None,
                        max_radius_factor: float = 100.0, gradient_tol: float | None = None,
                        snapshot_every: int = 10, progress: bool = False, stop_on_convergence: bool = True,
                        desc: str = "trust-region Newton", tolerances: Tolerances | None = None) -> BatchRun:
    """Batched trust-region Newton from θ₀ of shape (B, P) (see the module docstring).

    A run stops when ‖∇L‖ ≤ tol_g (``gradient_tol``, default the core's scaled
    ``critical.gradient_tolerance`` with ``tolerances``), when its trust radius falls below 1e-15·max(‖θ‖, 1) without
    an acceptable step (``STALLED``: L cannot be decreased at float64 resolution), or after
    ``max_iterations``. ``initial_radius`` defaults to 0.1·max(‖θ₀‖, 1) per run and radii are capped
    at ``max_radius_factor`` times that. With ``stop_on_convergence=False`` runs continue until they
    stall or use the budget (used to continue near-critical points and see whether they escape).
    """
    th = _check_batch(kernel, theta0, "trust_region_newton")
    B = th.shape[0]
    norm0 = np.maximum(np.linalg.norm(th, axis=1), 1.0)
    radius = np.full(B, float(initial_radius)) if initial_radius is not None else 0.1 * norm0
    radius_max = max_radius_factor * radius
    L, g = kernel.value_and_gradient(th)
    L, g = np.atleast_1d(L).astype(float), np.atleast_2d(g)
    H = np.atleast_3d(kernel.hessian(th)).reshape(B, kernel.P, kernel.P)
    status = [RunStatus.MAX_ITERATIONS] * B
    active = np.ones(B, dtype=bool)
    iterations = np.zeros(B, dtype=int)
    rec = _Recorder(B, snapshot_every)
    rec.record(0, th, L)
    with ProgressBar(total=max_iterations, disable=not progress, desc=desc, unit="it") as bar:
        for k in range(1, max_iterations + 1):
            idx = np.flatnonzero(active)
            if idx.size == 0:
                break
            Hs = 0.5 * (H[idx] + H[idx].transpose(0, 2, 1))
            lam, vec = np.linalg.eigh(Hs)
            gnorm = np.linalg.norm(g[idx], axis=1)
            if stop_on_convergence:
                tol = (np.full(idx.size, gradient_tol) if gradient_tol is not None else np.array([
                    gradient_tolerance(float(L[i]), float(np.max(np.abs(l))), float(np.linalg.norm(th[i])), tolerances)
                    for i, l in zip(idx, lam)]))
                done = gnorm <= tol
                for i in idx[done]:
                    status[i] = RunStatus.CONVERGED
                active[idx[done]] = False
                keep = ~done
                idx, lam, vec = idx[keep], lam[keep], vec[keep]
                if idx.size == 0:
                    break
            s, predicted = trust_region_subproblem(g[idx], lam, vec, radius[idx])
            trial = th[idx] + s
            finite = np.all(np.isfinite(trial), axis=1)
            L_trial = np.full(idx.size, np.inf)
            if finite.any():
                L_trial[finite] = kernel.value(trial[finite])
            with np.errstate(divide="ignore", invalid="ignore"):
                rho = (L[idx] - L_trial) / predicted
            accept = (predicted > 0) & np.isfinite(L_trial) & (rho > 1e-4)
            step = np.linalg.norm(s, axis=1)
            r = radius[idx]
            r = np.where(~accept | (rho < 0.25), 0.25 * np.minimum(step, r),
                         np.where((rho > 0.75) & (step >= 0.99 * r), np.minimum(2 * r, radius_max[idx]), r))
            radius[idx] = r
            acc = idx[accept]
            if acc.size:
                th[acc] = trial[accept]
                L[acc], g[acc] = kernel.value_and_gradient(th[acc])
                H[acc] = kernel.hessian(th[acc])
            iterations[idx] += 1
            stalled = ~accept & (r < 1e-15 * np.maximum(np.linalg.norm(th[idx], axis=1), 1.0))
            for i in idx[stalled]:
                status[i] = RunStatus.STALLED
            active[idx[stalled]] = False
            rec.record(k, th, L)
            bar.update(1)
            bar.set_postfix(active=int(active.sum()))
    hist = rec.finish(int(iterations.max(initial=0)), th)
    return BatchRun(th, L, np.linalg.norm(g, axis=1), tuple(status), iterations, *hist,
                    method=f"trust-region Newton (exact batched Hessians), ≤ {max_iterations} iterations")


def adam(kernel, theta0, *, lr: float = 1e-4, epochs: int = 10_000, beta1: float = 0.9, beta2: float = 0.999,
         eps: float = 1e-8, record_every: int = 10, snapshot_every: int = 100, progress: bool = False) -> BatchRun:
    """Full-batch Adam (Kingma & Ba; PyTorch's update and defaults) on a batch of initialisations.

        m ← β₁m + (1−β₁)g,  v ← β₂v + (1−β₂)g²,  θ ← θ − lr · (m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε)
    """
    if not (lr > 0 and np.isfinite(lr)):
        raise ValueError(f"learning rate must be a positive number, got {lr!r}")
    if epochs < 0 or record_every < 1:
        raise ValueError("epochs must be ≥ 0 and record_every ≥ 1")
    th = _check_batch(kernel, theta0, "adam")
    B = th.shape[0]
    m, v = np.zeros_like(th), np.zeros_like(th)
    L, g = kernel.value_and_gradient(th)
    rec = _Recorder(B, snapshot_every)
    rec.record(0, th, L)
    with ProgressBar(total=epochs, disable=not progress, desc=f"Adam lr={lr:g}", unit="epoch") as bar:
        for t in range(1, epochs + 1):
            m = beta1 * m + (1 - beta1) * g
            v = beta2 * v + (1 - beta2) * g * g
            th = th - lr * (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + eps)
            if not np.all(np.isfinite(th)):
                raise NonFiniteDataError(f"Adam produced non-finite parameters at epoch {t} (lr = {lr:g})")
            L, g = kernel.value_and_gradient(th)
            if t % record_every == 0 or t == epochs:
                rec.record(t, th, L)
            bar.update(1)
    hist = rec.finish(epochs, th)
    return BatchRun(th, np.atleast_1d(L), np.linalg.norm(np.atleast_2d(g), axis=1),
                    (RunStatus.FINISHED,) * B, np.full(B, epochs), *hist,
                    method=f"Adam (lr {lr:g}, {epochs} full-batch epochs)")


@dataclass(frozen=True)
class SLSQPResult:
    __repr__ = compact_repr

    theta: np.ndarray
    loss: float
    gradient_norm: float
    iterations: int
    success: bool
    message: str
    status: RunStatus       # MAX_ITERATIONS when SLSQP stopped at its iteration cap, else FINISHED


#: scipy's SLSQP exit status "Iteration limit reached"
SLSQP_ITERATION_LIMIT = 9


def slsqp_polish(kernel, theta, *, max_iterations: int = 2000, ftol: float = 1e-30) -> SLSQPResult:
    """The thesis's second-order polish (§6.2.1): SLSQP on the unconstrained loss, exact gradient.

    The thesis ran NLopt's LD_SLSQP for 10⁴ s or until the step fell below 10⁻³²; scipy's SLSQP
    with ``ftol`` = 1e-30 likewise runs until it cannot improve (or ``max_iterations``).
    """
    require_kernel(kernel, "slsqp_polish")
    th0 = np.asarray(theta, dtype=float)
    sol = scipy.optimize.minimize(kernel.value, th0, jac=kernel.gradient, method="SLSQP",
                                  options={"maxiter": int(max_iterations), "ftol": ftol})
    x = sol.x if np.all(np.isfinite(sol.x)) and kernel.value(sol.x) <= kernel.value(th0) else th0
    capped = sol.status == SLSQP_ITERATION_LIMIT
    return SLSQPResult(x, float(kernel.value(x)), float(np.linalg.norm(kernel.gradient(x))), int(sol.nit),
                       bool(sol.success), str(sol.message), RunStatus.MAX_ITERATIONS if capped else RunStatus.FINISHED)


def scipy_trust_exact(kernel, theta0, *, max_iterations: int = 400, gtol: float = 1e-12):
    """One initialisation at a time: ``scipy.optimize.minimize(method="trust-exact")`` with the same
    exact derivatives (the benchmark's reference)."""
    require_kernel(kernel, "scipy_trust_exact")
    return scipy.optimize.minimize(kernel.value, np.asarray(theta0, dtype=float), jac=kernel.gradient,
                                   hess=kernel.hessian, method="trust-exact",
                                   options={"maxiter": int(max_iterations), "gtol": gtol})
