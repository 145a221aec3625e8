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

from . import _fused
from ._tolerances import DEFAULT_TOLERANCES, Tolerances
from .critical import Classification, Kind, PolishResult, classify, polish
from ._norms import norm
from .errors import DivergenceError, ShapeError
from .progress import ProgressBar
from .protocol import parameter_array, parameter_batch, require_kernel, value_and_gradient
from .reports import compact_repr, format_vector, plural


class RunStatus(str, Enum):
    COMPLETED = "completed"
    DIVERGED = "diverged"
    FAILED = "failed"


@dataclass(frozen=True)
class Trajectory:
    """A recorded run. Arrays have a leading axis of records (counted from 0); batched runs add a batch axis.

    ``times`` says when each record was taken, in the run's own clock: for :func:`gradient_descent` the
    iteration count (GD updates before the point, from 0; multiply by the step η for the gradient-flow
    time it approximates), for :func:`gradient_flow` the flow time t. Record k is ``thetas[k]`` at
    ``times[k]``; with ``record_every`` > 1 a record index is not an iteration count.
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

    def __repr__(self) -> str:
        """The run in a few lines: method, array shapes, time span, status and final loss (not the arrays)."""
        counts = {st: self.status.count(st) for st in RunStatus if st in self.status}
        status = ", ".join(f"{n} {st.value}" for st, n in counts.items()) if len(self.status) > 1 \
            else (self.status[0].value if self.status else "none")
        span = f"{self.times[0]:g} to {self.times[-1]:g}" if len(self.times) else "empty"
        final = self.losses[-1] if len(self.losses) else np.array([])
        loss = (format_vector(final, 6, where_in_full=".losses[-1]", common_precision=False) if np.ndim(final)
                else f"{float(final):.6g}")
        return (f"Trajectory(method={self.method!r}, times {span} ({plural(len(self.times), 'record')}), "
                f"thetas {self.thetas.shape}, status {status}, final loss {loss}"
                + (f", message={self.message!r})" if self.message else ")"))


def _divergence_limit(L0: np.ndarray) -> np.ndarray:
    return 1e10 * (np.abs(L0) + 1.0)


#: Largest batch of initialisations stepped one run after another by the fused program;
#: beyond it NumPy's vectorised kernel over the batch is faster.
FUSED_MAX_BATCH = 16

#: Steps per call of the fused program between progress-bar updates.
FUSED_BLOCK = 4096


def _step_label(steps: np.ndarray) -> str:
    """The step size for messages: ``0.1``; one per run: ``0.1..0.3 (one per run)``, or ``0.1 (one per run)``
    when every run has the same."""
    if steps.ndim == 0:
        return f"{float(steps):g}"
    low, high = f"{steps.min():g}", f"{steps.max():g}"
    return f"{low if low == high else f'{low}..{high}'} (one per run)"


def _divergence_message(k: int, label: str, losses, starts) -> str:
    return (f"gradient descent diverged at step {k} with step size {label} (loss "
            f"{float(np.max(losses)):.3e}, started at {float(np.max(starts)):.3e}); use a smaller step size")


def gradient_descent(kernel, theta0, step: float | np.ndarray, n_steps: int, *, record_every: int = 1,
                     on_divergence: str = "raise", progress: bool = False,
                     callback: Callable[[int, np.ndarray], None] | None = None,
                     fused: bool | None = None) -> Trajectory:
    """Run θ ← θ − η ∇L(θ) for ``n_steps`` steps from θ₀ of shape (P,) or (B, P).

    A run diverges when its loss or parameters stop being finite, or its loss exceeds
    1e10·(|L(θ₀)| + 1). With ``on_divergence="raise"`` a :class:`DivergenceError`
    names the step size; with ``"stop"`` the diverged runs are frozen and marked.
    ``step`` is one step size η, or one per run (shape (B,)) for a batch θ₀ of shape (B, P).

    Tiny objectives (a :class:`~symsaddle.NumpyKernel` with P × rows ≤
    ``symsaddle._fused.FUSED_MAX_TERMS``, at most :data:`FUSED_MAX_BATCH` runs, no
    ``callback``) are stepped by a generated loop in plain Python floats
    (:mod:`symsaddle._fused`): the same mathematics and the same divergence criterion,
    checked at every step, with results equal to the kernel path up to rounding.
    ``fused=False`` forces the kernel path; ``fused=True`` requires the fused one.
    """
    steps = np.asarray(step, dtype=float)
    if steps.ndim > 1 or steps.size == 0 or not np.all(np.isfinite(steps)) or np.any(steps <= 0):
        raise ValueError(f"step size must be a positive number (or one per run), got {step!r}")
    label = _step_label(steps)
    if n_steps < 0 or record_every < 1:
        raise ValueError("n_steps must be ≥ 0 and record_every ≥ 1")
    if on_divergence not in ("raise", "stop"):
        raise ValueError("on_divergence must be 'raise' or 'stop'")
    th, single = parameter_batch(theta0, require_kernel(kernel, "gradient_descent").P, "theta0")
    th = th.copy()
    B = th.shape[0]
    if steps.ndim == 1 and steps.shape != (B,):
        raise ShapeError(f"one step size per run needs shape ({B},), got {steps.shape}")
    eta = np.broadcast_to(steps, (B,))[:, None]
    L, g = value_and_gradient(kernel, th)
    L, g = np.array(L, dtype=float), np.array(g, dtype=float)
    applies = _fused_applies(kernel, B, callback, L, g)
    if fused and not applies:
        raise ValueError("fused stepping needs a NumpyKernel of a tiny objective (P × rows ≤ "
                         f"{_fused.FUSED_MAX_TERMS}), at most {FUSED_MAX_BATCH} runs, no callback, "
                         "and a finite loss and gradient at θ₀")
    run = _descend_fused if applies and fused is not False else _descend
    times, thetas, losses, grads, alive, message = run(kernel, th, L, g, eta[:, 0], n_steps, record_every,
                                                       on_divergence, progress, callback, label)
    status = tuple(RunStatus.COMPLETED if a else RunStatus.DIVERGED for a in alive)
    gmax, gnorm = np.max(np.abs(grads), axis=2), norm(grads, axis=2)
    out = Trajectory(np.asarray(times, dtype=float), thetas, losses, gmax, gnorm, status,
                     f"gradient descent, step {label}", message)
    if single:
        out = Trajectory(out.times, out.thetas[:, 0], out.losses[:, 0], out.gradient_max[:, 0],
                         out.gradient_norm[:, 0], out.status, out.method, out.message)
    return out


def _descend(kernel, th, L, g, eta, n_steps, record_every, on_divergence, progress, callback, label):
    """The kernel path: all runs stepped together, one kernel call per step."""
    B = th.shape[0]
    eta = eta[:, None]
    alive = np.ones(B, dtype=bool)
    times, thetas, losses, grads = [], [], [], []
    L0 = L.copy()
    limit = _divergence_limit(L0)

    def record(k, L, g):
        times.append(k)
        thetas.append(th.copy())
        losses.append(np.array(L, dtype=float))
        grads.append(np.array(g, dtype=float))

    record(0, L, g)
    message = ""
    with ProgressBar(total=n_steps, disable=not progress, desc="gradient descent", unit="step") as bar:
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
                    raise DivergenceError(_divergence_message(k, label, L_new[bad], L0[idx][bad]))
                alive[idx[bad]] = False
                message = f"{int((~alive).sum())} of {plural(B, 'run')} diverged"
            keep = idx[~bad]
            th[keep], L[keep], g[keep] = new[~bad], L_new[~bad], g_new[~bad]
            if callback is not None:
                callback(k, th)
            if k % record_every == 0 or k == n_steps:
                record(k, L, np.where(alive[:, None], g, np.nan))
            bar.update(1)
            if not alive.any():
                break
    return times, np.asarray(thetas), np.asarray(losses), np.asarray(grads), alive, message


def _fused_applies(kernel, B: int, callback, L, g) -> bool:
    from ._kernels import NumpyKernel
    return (isinstance(kernel, NumpyKernel) and callback is None and B <= FUSED_MAX_BATCH
            and _fused.fits(kernel.P, kernel.n_rows) and bool(np.all(np.isfinite(L)))
            and bool(np.all(np.isfinite(g))))


@dataclass
class _FusedRun:
    """One run of the fused path: its records (a prefix of the common schedule) and its end."""

    records: list            # (L, *θ, *∇L) per recorded step, step 0 first
    last: tuple = ()         # (L, *θ) of the last regular iterate (held after a divergence)
    diverged_at: int | None = None
    diverged_loss: float = np.nan


def _descend_fused(kernel, th, L, g, eta, n_steps, record_every, on_divergence, progress, callback, label):
    """The fused path: each run stepped by the generated loop, one run after another.

    Runs are independent, so stepping them one after another gives what stepping them
    together gives; a divergence under ``"raise"`` is reported at the earliest step any
    run diverges, as on the kernel path.
    """
    B, P = th.shape
    program = _fused.fused_program(kernel.objective.sample, kernel.n_rows)
    data, c = _fused.kernel_data_arguments(kernel), float(kernel.factor)
    limit = _divergence_limit(L)
    stop = n_steps
    runs: list[_FusedRun] = []
    with ProgressBar(total=n_steps * B, disable=not progress, desc="gradient descent", unit="step") as bar:
        for b in range(B):
            run = _FusedRun([(float(L[b]), *map(float, th[b]), *map(float, g[b]))])
            state = (tuple(map(float, th[b])), tuple(map(float, g[b])), float(L[b]))
            k, eta_b, limit_b = 0, float(eta[b]), float(limit[b])
            while k < stop:
                block_stop = min(stop, k + FUSED_BLOCK)
                with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
                    k_done, *state = program.descend(*state, eta_b, k, block_stop, record_every, limit_b,
                                                     run.records.append, data, c)
                bar.update(k_done - k)
                k = k_done
                if k < block_stop:       # step k + 1 is irregular: take it with the kernel
                    k += 1
                    new = _kernel_step(kernel, state, eta_b)
                    if new is None or not -np.inf < new[2] <= limit_b:
                        run.diverged_at, run.diverged_loss = k, np.inf if new is None else new[2]
                        if on_divergence == "raise":
                            stop = k
                        break
                    state = new
                    if k % record_every == 0:
                        run.records.append((state[2], *state[0], *state[1]))
                    bar.update(1)
            run.last = (state[2], *state[0])
            if run.diverged_at is None and k == n_steps and n_steps % record_every:
                run.records.append((state[2], *state[0], *state[1]))
            runs.append(run)
    ends = [r.diverged_at for r in runs if r.diverged_at is not None]
    if on_divergence == "raise" and ends:
        k = min(ends)
        bad = [b for b, r in enumerate(runs) if r.diverged_at == k]
        raise DivergenceError(_divergence_message(k, label, [runs[b].diverged_loss for b in bad], L[bad]))
    alive = np.array([r.diverged_at is None for r in runs])
    end = n_steps if alive.any() else max(ends)
    times = [0, *range(record_every, end + 1, record_every)]
    if end == n_steps and n_steps % record_every:
        times.append(n_steps)
    table = np.full((len(times), B, 1 + 2 * P), np.nan)
    for b, r in enumerate(runs):
        rows = np.array(r.records, dtype=float)
        table[:len(rows), b] = rows
        table[len(rows):, b, :1 + P] = r.last                  # frozen after divergence; ∇L is NaN
    message = f"{int((~alive).sum())} of {plural(B, 'run')} diverged" if not alive.all() else ""
    return times, table[:, :, 1:1 + P], table[:, :, 0], table[:, :, 1 + P:], alive, message


def _kernel_step(kernel, state, eta: float):
    """One gradient step taken with the kernel, the kernel path's arithmetic:
    (θ_new, ∇L(θ_new), L(θ_new)), or None when θ_new is not finite."""
    theta, grad, _ = state
    new = np.array(theta) - eta * np.array(grad)
    if not np.all(np.isfinite(new)):
        return None
    L_new, g_new = value_and_gradient(kernel, new)
    return tuple(map(float, new)), tuple(map(float, g_new)), float(L_new)


def gradient_flow(kernel, theta0, t_span: tuple[float, float], *, t_eval=None, method: str = "LSODA",
                  rtol: float = 1e-10, atol: float | np.ndarray = 1e-12, max_step: float = np.inf,
                  events=None, fused: bool | None = None) -> Trajectory:
    """Integrate dθ/dt = −∇L(θ) forward in time (t0 ≤ t1) with ``scipy.integrate.solve_ivp``
    and the exact Jacobian −∇²L.

    For a tiny objective (a :class:`~symsaddle.NumpyKernel` with P × rows ≤
    ``symsaddle._fused.FUSED_MAX_TERMS``) the right-hand side and its Jacobian are the fused
    Python-float functions of :mod:`symsaddle._fused` (``fused=False`` forces the kernel).
    A reversed span would integrate gradient *ascent* and is refused.
    """
    th0 = parameter_array(theta0, require_kernel(kernel, "gradient_flow").P, "theta0")
    try:
        t0, t1 = (float(t) for t in t_span)
    except (TypeError, ValueError):
        raise ValueError(f"t_span must be two numbers (t0, t1), got {t_span!r}") from None
    if not (np.isfinite(t0) and np.isfinite(t1)) or t1 < t0:
        raise ValueError(f"gradient flow runs forward in time: t_span must be finite with t0 ≤ t1, got "
                         f"({t0:g}, {t1:g}); a reversed span would integrate gradient ascent")
    flow, jacobian = _flow_functions(kernel, fused)
    sol = scipy.integrate.solve_ivp(lambda t, y: flow(y), (t0, t1), th0, method=method,
                                    t_eval=t_eval, rtol=rtol, atol=atol, max_step=max_step,
                                    jac=(lambda t, y: jacobian(y)) if method in
                                    ("Radau", "BDF", "LSODA") else None, events=events)
    thetas = sol.y.T
    L, g = value_and_gradient(kernel, thetas)
    status = (RunStatus.COMPLETED,) if sol.success else (RunStatus.FAILED,)
    return Trajectory(sol.t, thetas, np.atleast_1d(L), np.max(np.abs(g), axis=1),
                      norm(g, axis=1), status, f"gradient flow ({method})", sol.message)


def _flow_functions(kernel, fused: bool | None):
    """(−∇L, −∇²L) as functions of one θ: fused for tiny objectives, else the kernel's."""
    from ._kernels import NumpyKernel
    applies = isinstance(kernel, NumpyKernel) and _fused.fits(kernel.P, kernel.n_rows)
    if fused and not applies:
        raise ValueError(f"fused gradient flow needs a NumpyKernel of a tiny objective "
                         f"(P × rows ≤ {_fused.FUSED_MAX_TERMS})")
    if not applies or fused is False:
        return (lambda y: -kernel.gradient(y)), (lambda y: -kernel.hessian(y))
    program = _fused.fused_program(kernel.objective.sample, kernel.n_rows)
    data, c, P = _fused.kernel_data_arguments(kernel), float(kernel.factor), kernel.P

    def flow(y):
        try:
            with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
                return -np.array(program.gradient(tuple(y), data, c), dtype=float)
        except _fused.FUSED_ERRORS:
            return kernel.flow(y)

    def jacobian(y):
        try:
            with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
                return -np.array(program.hessian(tuple(y), data, c), dtype=float).reshape(P, P)
        except _fused.FUSED_ERRORS:
            return kernel.flow_jacobian(y)
    return flow, jacobian


@dataclass(frozen=True)
class Plateau:
    """A point of a trajectory where it lingers near an equilibrium.

    ``record`` is its position among the trajectory's records (from 0: ``traj.thetas[record]``), not an
    iteration; ``time`` is ``traj.times[record]``: the GD iteration count of the point (updates before
    it) for a gradient-descent run, the flow time t for a gradient-flow run (:class:`Trajectory`).
    """

    __repr__ = compact_repr

    record: int
    time: float
    theta: np.ndarray
    loss: float
    gradient_max: float


def _plateau(traj: Trajectory, i: int) -> Plateau:
    return Plateau(int(i), float(traj.times[i]), traj.thetas[i], float(traj.losses[i]),
                   float(traj.gradient_max[i]))


def _check_single(traj: Trajectory, detector: str):
    if not isinstance(traj, Trajectory):
        raise TypeError(f"{detector} takes the Trajectory of a run (what gradient_descent or gradient_flow "
                        f"returns), got {type(traj).__name__}: pass {detector}(gradient_descent(kernel, theta0, "
                        "step, n_steps))")
    if traj.thetas.ndim != 2:
        raise ShapeError("plateau detection works on a single run; index a batched trajectory first")


def plateaus_by_margin(traj: Trajectory, margin: float) -> tuple[Plateau, ...]:
    """Seed 000 Algorithm 1: record a plateau each time max|∇L| falls to ≤ ``margin``
    after having been above it (the first point counts if it is already below)."""
    _check_single(traj, "plateaus_by_margin")
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
    them by at least ``decades`` orders of magnitude. A minimum spread over several equal records
    (e.g. ∇L ≡ 0 from a critical start) is placed at its first record. No margin in the units of the loss
    is needed: the criterion is invariant under rescaling L or θ.
    """
    _check_single(traj, "plateaus_by_prominence")
    tiny = np.finfo(float).tiny
    s = -np.log10(np.maximum(traj.gradient_norm, tiny))
    padded = np.concatenate([[-np.inf], s, [-np.inf]])
    _, props = scipy.signal.find_peaks(padded, prominence=decades, plateau_size=1)
    idx = sorted({int(p) - 1 for p in props["left_edges"]})    # a flat minimum of ‖∇L‖ starts at its first record
    return tuple(_plateau(traj, i) for i in idx)


@dataclass(frozen=True)
class VisitedEquilibrium:
    """A plateau, the equilibrium it was polished onto, and that equilibrium's class."""

    plateau: Plateau
    polish: PolishResult
    classification: Classification | None

    @property
    def kind(self) -> str:
        """The classification's kind (``Kind`` value), or — when the polish gave no point to classify
        and ``classification`` is None — the polish status: "not converged" or "converged far from
        the start"."""
        if not self.polish.converged or self.classification is None:
            return self.polish.status.value  # "not converged" or "converged far from the start"
        return self.classification.kind.value


def visited_equilibria(kernel, plateaus, *, lower_bound: float | None = None, dedupe_tol: float = 1e-6,
                       tolerances: Tolerances | None = None) -> tuple[VisitedEquilibrium, ...]:
    """Polish each plateau point onto ∇L = 0 and classify it (seed 000 Algorithm 1).

    ``plateaus`` are :class:`Plateau` s of one run, from :func:`plateaus_by_prominence` or
    :func:`plateaus_by_margin` (a :class:`Trajectory` is refused: which detector to use is the
    caller's choice). A polish that does not converge is reported as such and not classified; an
    inconclusive classification is retried once after polishing to ``polish_refinement`` times the
    gradient tolerance (:class:`~symsaddle.Tolerances`). Consecutive plateaus that polish onto the
    same point (within ``dedupe_tol`` relative) are merged.
    """
    require_kernel(kernel, "visited_equilibria")
    if isinstance(plateaus, Trajectory):
        raise TypeError("visited_equilibria takes the plateaus of a run, got a Trajectory: pass "
                        "plateaus_by_prominence(trajectory) (or plateaus_by_margin(trajectory, margin))")
    plateaus = tuple(plateaus)
    if not all(isinstance(pl, Plateau) for pl in plateaus):
        raise TypeError("visited_equilibria takes Plateau objects (from plateaus_by_prominence or "
                        f"plateaus_by_margin), got {sorted({type(pl).__name__ for pl in plateaus})}")
    out: list[VisitedEquilibrium] = []
    tol = tolerances or DEFAULT_TOLERANCES
    for pl in plateaus:
        res = polish(kernel, pl.theta, tolerances=tol)
        cls = classify(kernel, res.theta, lower_bound=lower_bound, tolerances=tol) if res.converged else None
        if cls is not None and cls.kind is Kind.INCONCLUSIVE:
            finer = polish(kernel, res.theta, tol=tol.polish_refinement * res.gradient_tolerance, tolerances=tol)
            again = classify(kernel, finer.theta, lower_bound=lower_bound, tolerances=tol) if finer.converged else None
            if again is not None and again.kind is not Kind.INCONCLUSIVE:
                res, cls = finer, again
        if out and res.converged and out[-1].polish.converged and np.linalg.norm(
                res.theta - out[-1].polish.theta) <= dedupe_tol * max(1.0, np.linalg.norm(res.theta)):
            continue
        out.append(VisitedEquilibrium(pl, res, cls))
    return tuple(out)
