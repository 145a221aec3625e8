"""Fixed step-size bound of Nguegnang, Rauhut & Terstiege (arXiv 2108.02040, "Thm 2.4" as
quoted by seed 001 §5.3) and the step-doubling experiment of seed 001 §5.4.

Setting: X ∈ R^{d_x×m} with XXᵀ invertible, Y ∈ R^{d_y×m}, L^N(W) = ½‖Y − W_N⋯W_1 X‖_F².
If W(0) has balancedness constant αδ (max_j ‖W_{j+1}ᵀW_{j+1} − W_jW_jᵀ‖ ≤ αδ) with δ > 0,
α ∈ [0, 1), and the constant step size satisfies

    η ≤ 2(1 − α)δ / (4 L^N(W(0)) + (1 − α)δ B_δ),
    B_δ = 2eN K_δ^{N−1} ‖X‖² + √e N K_δ^{N/2−1} ‖XYᵀ‖,     K_δ = M^{2/N} + (N + 1)² δ,
    M   = (√(2 L^N(W(0))) + ‖Y‖) / σ_min(X)                 (corrected),

then GD converges (to a critical point; for almost every W(0) to a global minimiser when
N = 2). The report prints M = √(2‖Y − W(0)X‖ + ‖Y‖)/σ_min(X) (eq. (31)), which scales
like √(data) instead of linearly and is not a bound on ‖W_N⋯W_1‖ along GD (scalar
counterexample X = 1, Y = 10, N = 2: GD reaches W = 10 > √30); both are computed here.
M bounds ‖W(k)‖: σ_min(X)‖W‖ ≤ ‖WX‖ ≤ ‖Y − WX‖ + ‖Y‖ ≤ √(2L^N(W(k))) + ‖Y‖ and L^N decreases.

Conventions (their choice is ours where the paper's text was not available): operator
(spectral) norms for ‖X‖, ‖XYᵀ‖, ‖Y‖, the Frobenius norm for the balancedness (it
over-estimates α, so the bound stays valid), and δ = M^{2/N}/(N(N + 1)²) (seed eq. (30)),
which gives K_δ = (1 + 1/N) M^{2/N}. Seed 001 trains ‖Y − W X‖_F² = 2 L^N: GD with step h
on it is GD with step 2h on L^N, so its admissible step is half the bound
(``eta_objective``).

Every loss this module reports — ``StepSizeBound.loss0``, ``LadderRun.final_loss``, the loss
curves — is in the slice's convention, seed 001's ‖Y − W X‖_F² (eq. (4); ``objective(...,
normalization=2)``), the loss GD trains here; the theorem's L^N is half of it.

Layout: the formulas above, like the theorem, put one sample per *column* (X d_x×m, W = W_N⋯W_1).
The README and the rest of the slice put one sample per *row* (X m×d_x, ‖Y − X W_1⋯W_N‖_F², as in
``deep-linear-critical-points``); it is the same loss transposed: ‖Y − W_N⋯W_1 X‖_F² =
‖Yᵀ − Xᵀ W_1ᵀ⋯W_Nᵀ‖_F², the row-layout data being Xᵀ, Yᵀ and the row-layout weights W_hᵀ. So
:func:`random_network`'s Y = diag(1..d) X + E (columns) is Y = X diag(1..d) + E in rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Sequence

import numpy as np

from ..dynamics import RunStatus, gradient_descent
from ..errors import ShapeError, SingularMatrixError, SweepError
from ..progress import ProgressBar
from ..registry import CaseOption
from ..reports import compact_repr, plural
from ..sweep import run_sweep, sweepable, task_key
from .kernel import DeepLinearKernel
from .network import balancedness, chain, check_widths, objective, product, to_theta
from .statistics import SufficientStatistics


class MFormula(str, Enum):
    CORRECTED = "corrected"
    REPORT = "report"


class BoundStatus(str, Enum):
    APPLICABLE = "applicable"
    NOT_APPLICABLE = "not applicable (balancedness ≥ δ, α ≥ 1)"


@dataclass(frozen=True)
class StepSizeBound:
    """The quantities of the theorem for one initialisation; ``eta`` is None when α ≥ 1. ``loss0`` is in the
    slice's convention ‖Y − W(0)X‖_F² = 2 L^N(W(0)), as the ladder's ``final_loss``."""

    N: int
    m_formula: MFormula
    loss0: float            # ‖Y − W(0)X‖_F² (seed 001 eq. (4)) = 2 L^N(W(0))
    M: float
    delta: float
    balancedness: float     # αδ
    alpha: float
    K: float
    B: float
    status: BoundStatus
    eta: float | None       # bound for L^N = ½‖·‖²
    eta_objective: float | None   # bound for seed 001's ‖·‖² (η/2)

    def to_dict(self) -> dict:
        return {k: (v.value if isinstance(v, Enum) else v) for k, v in self.__dict__.items()}

    @classmethod
    def from_dict(cls, d: dict) -> "StepSizeBound":
        return cls(**{**d, "m_formula": MFormula(d["m_formula"]), "status": BoundStatus(d["status"])})


def _data(X, Y) -> tuple[np.ndarray, np.ndarray]:
    X, Y = np.asarray(X, dtype=float), np.asarray(Y, dtype=float)
    if X.ndim != 2 or Y.ndim != 2 or X.shape[1] != Y.shape[1]:
        raise ShapeError(f"X (d_x×m) and Y (d_y×m) must be 2-D with the same m; got {X.shape}, {Y.shape}")
    return X, Y


def report_M(X, Y, weights: Sequence[np.ndarray]) -> float:
    """Seed 001 eq. (31): √(2‖Y − W(0)X‖ + ‖Y‖)/σ_min(X) (spectral norms) — dimensionally wrong."""
    X, Y = _data(X, Y)
    s = np.linalg.svd(X, compute_uv=False)
    return float(np.sqrt(2 * np.linalg.norm(Y - product(weights) @ X, 2) + np.linalg.norm(Y, 2)) / s[-1])


def corrected_M(X, Y, weights: Sequence[np.ndarray]) -> float:
    """(√(2L^N(W(0))) + ‖Y‖)/σ_min(X) = (‖Y − W(0)X‖_F + ‖Y‖)/σ_min(X)."""
    X, Y = _data(X, Y)
    s = np.linalg.svd(X, compute_uv=False)
    return float((np.linalg.norm(Y - product(weights) @ X) + np.linalg.norm(Y, 2)) / s[-1])


def step_size_bound(X, Y, weights: Sequence[np.ndarray], *, m_formula: MFormula | str = MFormula.CORRECTED,
                    delta: float | None = None) -> StepSizeBound:
    """Evaluate the theorem's bound at W(0) = ``weights`` (column convention, X d_x×m, Y d_y×m)."""
    X, Y = _data(X, Y)
    widths = chain(weights)
    if widths[0] != X.shape[0] or widths[-1] != Y.shape[0]:
        raise ShapeError(f"weights of widths {widths} do not chain with X {X.shape} and Y {Y.shape}")
    s = np.linalg.svd(X, compute_uv=False)
    if s[-1] <= 1e-12 * s[0]:
        raise SingularMatrixError(f"XXᵀ is singular (σ_min(X) = {s[-1]:.3e}); the theorem needs it invertible")
    formula = MFormula(m_formula)
    N = len(weights)
    loss0 = float(np.linalg.norm(Y - product(weights) @ X) ** 2)         # ‖·‖_F² = 2 L^N(W(0))
    M = corrected_M(X, Y, weights) if formula is MFormula.CORRECTED else report_M(X, Y, weights)
    d = float(delta) if delta is not None else M ** (2 / N) / (N * (N + 1) ** 2)
    if not d > 0:
        raise ValueError(f"δ must be positive, got {d}")
    bal = balancedness(weights)
    alpha = bal / d
    K = M ** (2 / N) + (N + 1) ** 2 * d
    B = (2 * np.e * N * K ** (N - 1) * s[0] ** 2
         + np.sqrt(np.e) * N * K ** (N / 2 - 1) * np.linalg.norm(X @ Y.T, 2))
    if alpha >= 1:
        return StepSizeBound(N, formula, loss0, M, d, bal, alpha, K, float(B), BoundStatus.NOT_APPLICABLE, None, None)
    eta = 2 * (1 - alpha) * d / (2 * loss0 + (1 - alpha) * d * B)         # 4 L^N(W(0)) = 2 loss0
    return StepSizeBound(N, formula, loss0, M, d, bal, alpha, K, float(B), BoundStatus.APPLICABLE,
                         float(eta), float(eta) / 2)


# ---------------------------------------------------------------------------------------
# the doubling experiment (seed 001 §5.4)


class RunOutcome(str, Enum):
    """How one fixed-step run of ``epochs`` steps ended (definitions in :func:`doubling_experiment`)."""

    CONVERGED = "converged"
    STALLED = "not converged, still decreasing"
    OSCILLATING = "oscillating"
    DIVERGED = "diverged"

    @property
    def failed(self) -> bool:
        return self in (RunOutcome.OSCILLATING, RunOutcome.DIVERGED)


@dataclass(frozen=True)
class LadderRun:
    """One rung: its step on ‖Y − W X‖_F², how it ended, and ‖Y − W X‖_F² at its last epoch (None if diverged)."""

    step: float
    outcome: RunOutcome
    final_loss: float | None


@dataclass(frozen=True)
class DoublingResult:
    """One network's ladder η_j = 0.9·η_bound·2^j, stopped at the first failed run."""

    __repr__ = compact_repr

    bound: StepSizeBound
    runs: tuple[LadderRun, ...]
    loss_curves: tuple[np.ndarray, ...] = field(default=(), repr=False)   # each (2, T): epochs, losses

    @property
    def first_failure(self) -> LadderRun | None:
        return next((r for r in self.runs if r.outcome.failed), None)

    @property
    def first_failing_step(self) -> float | None:
        f = self.first_failure
        return None if f is None else f.step

    @property
    def ratio(self) -> float | None:
        """first failing step / admissible step (how loose the bound is)."""
        f = self.first_failing_step
        return None if f is None or self.bound.eta_objective is None else f / self.bound.eta_objective

    def to_dict(self) -> dict:
        f = self.first_failure
        return {"bound": self.bound.to_dict(), "first_failing_step": self.first_failing_step,
                "first_failure": None if f is None else f.outcome.value, "ratio": self.ratio,
                "runs": [{"step": r.step, "outcome": r.outcome.value, "final_loss": r.final_loss} for r in self.runs]}

    @classmethod
    def from_dict(cls, d: dict) -> "DoublingResult":
        """The result back from :meth:`to_dict` (loss curves are not kept there)."""
        return cls(StepSizeBound.from_dict(d["bound"]),
                   tuple(LadderRun(r["step"], RunOutcome(r["outcome"]), r["final_loss"]) for r in d["runs"]))


@dataclass(frozen=True)
class Network:
    """One random problem of seed 001 §5.4: data X (d_x×m), Y (d_y×m) and W(0) (column convention)."""

    __repr__ = compact_repr

    X: np.ndarray
    Y: np.ndarray
    weights: tuple[np.ndarray, ...]


def ladder_widths(widths: Sequence[int]) -> tuple[int, ...]:
    """The widths (d_0, …, d_N) of a network of the step-size study: N ≥ 2 layers (:func:`check_widths`)
    and d_0 = d_N (report §5.4: Y = diag(1..d) X + E); a :class:`ShapeError` otherwise."""
    w = check_widths(widths)
    if w[0] != w[-1]:
        raise ShapeError(f"the step-size study (report §5.4) uses d_x = d_y (Y = diag(1..d) X + E), so the first "
                         f"and last widths must be equal; got widths {w}")
    return w


def random_network(widths: Sequence[int], seed: int, *, init_scale: float = 0.05, noise: float = 0.1) -> Network:
    """Seed 001 §5.4: X (d_x×d_x) standard normal, Y = diag(1..d_y) X + E (E ~ N(0, noise²)), samples as
    columns (in the README's rows, Xᵀ and Yᵀ = Xᵀ diag(1..d_y) + Eᵀ; see the module docstring),
    W_h(0) ~ N(0, init_scale²) entrywise (the report does not give its scale; with 0.05 the
    theorem applies, α < 1, for nearly every draw, see the audit)."""
    w = ladder_widths(widths)
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(w[0], w[0]))
    Y = np.diag(np.arange(1.0, w[0] + 1)) @ X + noise * rng.normal(size=X.shape)
    return Network(X, Y, tuple(init_scale * rng.normal(size=(w[h + 1], w[h])) for h in range(len(w) - 1)))


def _ladder(net: Network, bound: StepSizeBound, *, epochs: int, start_factor: float, tol: float, window: int,
            levels: int, max_doublings: int, curve_every: int) -> DoublingResult:
    """Run the ladder of one network, ``levels`` rungs at a time as one batch with per-run steps.

    Running rungs j = 0..levels−1 together gives the same first failure as running them one
    after another and stopping there: every rung starts from W(0) and runs independently.
    """
    stats = SufficientStatistics.from_samples(net.X, net.Y, layout="columns")
    widths = chain(net.weights)
    kernel = DeepLinearKernel(objective(stats, widths, "column", normalization=2.0))
    L_star = stats.rank_constrained_value(min(widths))
    theta0 = to_theta(net.weights)
    L0 = float(kernel.value(theta0))
    runs: list[LadderRun] = []
    curves: list[np.ndarray] = []
    for first in range(0, max_doublings, levels):
        js = np.arange(first, min(first + levels, max_doublings))
        steps = start_factor * bound.eta_objective * 2.0 ** js
        batch = np.broadcast_to(theta0, (len(js), theta0.size))
        head = gradient_descent(kernel, batch, steps, epochs - window,
                                record_every=curve_every or (epochs - window), on_divergence="stop")
        tail = gradient_descent(kernel, head.thetas[-1], steps, window, on_divergence="stop")
        for col, step in enumerate(steps):
            diverged = RunStatus.DIVERGED in (head.status[col], tail.status[col])
            w = tail.losses[:, col]
            if diverged:
                outcome = RunOutcome.DIVERGED
            elif w[-1] - L_star <= tol * max(L0 - L_star, np.finfo(float).tiny):
                outcome = RunOutcome.CONVERGED
            elif np.any(np.diff(w) > 1e-12 * L0):
                outcome = RunOutcome.OSCILLATING
            else:
                outcome = RunOutcome.STALLED
            runs.append(LadderRun(float(step), outcome, None if diverged else float(w[-1])))
            if curve_every:
                curves.append(np.vstack([np.concatenate([head.times, head.times[-1] + tail.times[1:]]),
                                         np.concatenate([head.losses[:, col], w[1:]])]))
            if outcome.failed:
                return DoublingResult(bound, tuple(runs), tuple(curves))
    return DoublingResult(bound, tuple(runs), tuple(curves))


#: epochs at the end of a run in which the loss is watched (a run needs more epochs than this)
WINDOW = 100


def doubling_experiment(networks: Sequence[Network], *, epochs: int = 5000, start_factor: float = 0.9,
                        tol: float = 1e-6, window: int = WINDOW, levels: int = 12, max_doublings: int = 48,
                        m_formula: MFormula | str = MFormula.CORRECTED, curve_every: int = 0,
                        progress: bool = False) -> tuple[DoublingResult, ...]:
    """Seed 001 §5.4 for each network: GD on ‖Y − W X‖_F² for ``epochs`` steps from W(0) with
    η_j = ``start_factor``·η·2^j, j = 0, 1, …, η the admissible step (half the theorem's
    bound), until a run fails. Outcomes (explicit definitions):

    * **diverged**: the core criterion — a non-finite iterate or a loss above 1e10·(L(0) + 1);
    * **converged**: final L − L* ≤ ``tol``·(L(0) − L*), L* the global minimum (the rank-r_max
      constrained least-squares value);
    * **oscillating**: neither, and the loss increased at some step of the last ``window``
      steps (by more than 1e-12·L(0)): the run is stuck above the stability edge;
    * **not converged, still decreasing**: monotone over the last ``window`` steps but above
      the tolerance (slow, not failed).

    Doubling continues after converged and still-decreasing runs (the report's
    "convergent") and stops at the first diverged or oscillating one; with no failure up to
    ``max_doublings`` rungs the first failing step is None. Networks whose bound does not
    apply (α ≥ 1) get no runs. ``curve_every`` > 0 keeps every run's loss curve.
    """
    if epochs <= window or window < 2:
        raise ValueError(f"need epochs > window ≥ 2, got epochs={epochs}, window={window}")
    if levels < 1 or max_doublings < 1:
        raise ValueError("levels and max_doublings must be positive")
    out = []
    for net in ProgressBar(networks, disable=not progress, desc="step doubling", unit="network"):
        bound = step_size_bound(net.X, net.Y, net.weights, m_formula=m_formula)
        if bound.status is not BoundStatus.APPLICABLE:
            out.append(DoublingResult(bound, ()))
            continue
        out.append(_ladder(net, bound, epochs=epochs, start_factor=start_factor, tol=tol, window=window,
                           levels=levels, max_doublings=max_doublings, curve_every=curve_every))
    return tuple(out)


# ---------------------------------------------------------------------------------------
# the 100-network study as a sweep (one task per network, resumable, local pool or Dask)


#: What the ladder task's results mean (recorded in its sweep folders; a folder under other conventions is refused).
LADDER_CONVENTIONS = "losses (bound.loss0, every rung's final_loss) are ‖Y − X W1⋯WN‖_F², samples in rows"


@sweepable("deep-linear-ladder", "the step-doubling ladder of one random deep linear network (Nguegnang et al. 2021 "
                                  "set-up; Chen, Choi & Scialanga's course report §5.4)",
           parameters=(CaseOption("seed", int, 0, "random seed of the network", minimum=0),
                       CaseOption("widths", list, [5, 5, 5, 5], "layer widths d_0 … d_N (input first, N ≥ 2, "
                                  "d_0 = d_N)", items=int, minimum=1, validate=ladder_widths),
                       CaseOption("epochs", int, 5000, "gradient-descent epochs per step size", minimum=WINDOW,
                                  strict=True),
                       CaseOption("m_formula", str, MFormula.CORRECTED.value, "the bound's M formula",
                                  choices=tuple(m.value for m in MFormula))),
           conventions=LADDER_CONVENTIONS)
def ladder_task(seed: int, widths: Sequence[int] = (5, 5, 5, 5), epochs: int = 5000,
                m_formula: str = MFormula.CORRECTED.value) -> dict:
    """One network of the step-size study: :func:`doubling_experiment` on
    ``random_network(widths, seed)``; the result is :meth:`DoublingResult.to_dict`."""
    return doubling_experiment([random_network(widths, seed)], epochs=epochs, m_formula=m_formula)[0].to_dict()


def doubling_sweep(networks: Sequence[tuple[Sequence[int], int]], *, epochs: int = 5000, out=None,
                   workers: int | None = None, scheduler: str | None = None,
                   progress: bool = False) -> tuple[DoublingResult, ...]:
    """The doubling experiment of the networks ``random_network(widths, seed)`` for the given
    (widths, seed) pairs, one sweep task each (``symsaddle.sweep``): on a local process pool
    (``workers``; 0 = this process) or a Dask cluster (``scheduler``), results appended to
    ``out`` as they finish so that a killed study resumes there. Same results, in the same
    order, as :func:`doubling_experiment` on the same networks (without loss curves)."""
    res = run_sweep(ladder_task, [{"widths": [int(w) for w in widths], "seed": int(seed)} for widths, seed in networks],
                    out, fixed={"epochs": int(epochs)}, workers=workers, scheduler=scheduler, progress=progress)
    if res.failed:
        raise SweepError(f"{plural(len(res.failed), 'ladder')} failed; first: {res.failed[0].error}")
    by_key = {task_key(res.task, r.params): r for r in res.records}
    return tuple(DoublingResult.from_dict(by_key[task_key(res.task, {"widths": [int(w) for w in widths],
                                                                       "seed": int(seed), "epochs": int(epochs)})].result)
                 for widths, seed in networks)
