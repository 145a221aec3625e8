"""Alignment of small weights with KKT points of the NCF, measured along gradient descent.

Shared by the origin study (seed 002 Theorem 5.1, Corollary 5.4.1) and the saddle study
(Theorem 5.5). Gradient descent on L = Σ ½(H − y)² starts at w̄ + δξ (w̄ = 0 at the origin; at
a saddle w̄_z = 0 on the watched block). The watched weights w_z are split into blocks (neurons)
over which H is separable; block j has its own NCF N_j (labels at the origin, residual at a
saddle). Per δ the study records, at the end of the small-norm phase T_δ:

* ``angles[b, j]`` — angle between block j and u*_j, the KKT point its NCF flow converges to from
  ξ_j (Corollary 5.4.1: each block aligns with a non-negative KKT point, or stays small);
* ``relative_norms[b, j]`` = ‖w_j(T_δ)‖/‖w_z(T_δ)‖ (a block whose NCF value stays ≈ 0 keeps
  ‖w_j‖ ≈ δ‖ξ_j‖ while ‖w_z(T_δ)‖ ∝ √δ, so its share → 0 like δ^{1/2});
* ``joint_angles[b]`` — angle between the whole w_z(T_δ) and the KKT point u*_z of the joint NCF
  that the NCF gradient ascent with the *same* step reaches from ξ_z (Theorems 5.1/5.5 as
  stated). In that limit only the blocks whose own limit has the top value N_top keep weight
  (the others fall behind like e^{−2(N_top − N_j)t}); the top blocks' weights are read off the
  ascent after ``limit_steps`` steps;
* ``lemma_angles[b, j]`` — angle between block j of the loss GD and of the NCF GD from the same
  δξ after T = min_δ T_δ steps (Lemma 5.2 / D.1: w(t) ≈ δ·u(t), error O(δ²) while both runs share
  every activation pattern; a block heading for a KKT point on a kink, ``Alignment.kink_blocks``,
  can instead jump to an O(η) gap at any δ, see there);
* ``drift[b]`` = max_{t ≤ T_δ} ‖w_n(t) − w̄_n‖ over the other weights (eq. (18): O(δ)).

End of the small-norm phase: the first iteration with ‖w_z‖ ≥ √(‖w_z(0)‖·R), R = 1 — half-way
from the initial to the O(1) fitted scale on a log axis, so T_δ → ∞ and ‖w_z(T_δ)‖ → 0 as δ → 0.

Prediction for a block that has reached its smooth KKT point u*_j (value N_j, Riemannian Hessian
eigenvalue ρ_j closest to 0): per GD step its angle shrinks by c_j = (1 + η(ρ_j + 2N_j))/(1 + 2ηN_j)
and ‖w_z‖ grows by r = 1 + 2ηN_top, hence angle_j(T_δ) ∝ δ^{s_j}, s_j = ½·ln(1/c_j)/ln r
(→ −ρ_j/(4N_top) as η → 0), N_top the largest value among the limits. A block whose limit
value N_j < N_top falls behind the top blocks, ‖w_j‖/‖w_z‖ ∝ δ^{e_j}, e_j = ½·ln(r/(1 + 2ηN_j))/ln r,
so tan(joint angle) ∝ δ^{min(s_top, e_j)} once every block has reached its limit.

That rate is an *asymptotic* one: it holds only once the NCF flow of block j has carried ξ_j into
the neighbourhood of u*_j by T_δ. The flow's travel time depends on ξ_j and is unbounded near a flat
set of KKT points (N ≡ 0, e.g. at the D.3 saddle), where ∇N is tiny. So every block also gets the
finite-time prediction of Lemma 5.2 (w_j(T_δ) ≈ δ·u_j(T_δ), u_j the NCF flow from ξ_j):
``flow_angles[b, j]``, the angle to u*_j of the NCF gradient ascent with the run's step after T_δ
steps, and its exponent ``flow_slopes[j]`` over the same δ as the measured one. Its ``regime``
(:class:`BlockRegime`) says which prediction applies: s_j only for a block whose flow exponent is
within ``rate_rtol`` of s_j ("aligning"); a block "in transit" gets no exponent (NaN) but still
its flow angles; a block whose start is already a KKT point (inside a flat set) is not expected
to move.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Sequence

import numpy as np

from .. import Objective, require_kernel
from ..dynamics import gradient_descent
from ..models import Model
from ..progress import ProgressBar
from ..reports import compact_repr, plural
from .errors import ZeroDirectionError
from .function import NCF
from .homogeneity import check_separable, restrict
from .kkt import KKTPoint, KKTSearch, find_kkt_points, flow_limits, nearest
from .sphere import angle_between, clarke_kkt_residual, unit

#: a block's NCF-flow exponent within this relative distance of s_j counts as the asymptotic regime
RATE_RTOL = 0.05


class BlockRegime(str, Enum):
    """Which prediction applies to a block at the δ of a study (module docstring)."""

    ALIGNING = "aligning at the asymptotic rate"
    IN_TRANSIT = "in transit: its NCF flow has not reached u* by T_delta"
    STARTS_AT_KKT = "starts at a KKT point (flat set): not expected to move"
    NO_RATE = "no asymptotic rate (limit on a kink or N(u*) <= 0)"
    NO_LIMIT = "its NCF flow did not converge"


def neuron_vectors(theta: np.ndarray, groups: Sequence[Sequence[int]]) -> np.ndarray:
    """θ of shape (..., P) → the blocks' parameter vectors, shape (..., k, m)."""
    return np.stack([np.asarray(theta)[..., list(g)] for g in groups], axis=-2)


def block_ncfs(model: Model, X, z, groups, source: str) -> list[NCF]:
    """The NCF of each block (restricted network); one shared object per distinct block network."""
    check_separable(model, groups)
    cache: dict[Model, NCF] = {}
    out = []
    for g in groups:
        sub = restrict(model, g, name=f"{model.name}|neuron")
        if sub not in cache:
            cache[sub] = NCF(sub, X, z, source=source)
        out.append(cache[sub])
    return out


def _negated_kernel(ncf: NCF):
    return Objective(ncf.model, ncf.X, -ncf.z, loss="linear", normalization="sum").compile()


def ncf_descent(ncfs: Sequence[NCF], starts: np.ndarray, step: float, n_steps: int,
                chunk: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """NCF gradient ascent u ← u + η∇N_j(u) per block (core GD on −N), renormalised per chunk.

    ``starts`` has shape (..., k, m) for k blocks. Returns the directions (..., k, m) and
    log‖u‖ (..., k) after ``n_steps`` steps; the ascent is scale-equivariant (∇N is
    1-homogeneous), so renormalising between chunks leaves the directions unchanged.
    """
    starts = np.asarray(starts, dtype=float)
    lead = starts.shape[:-2]
    U = starts.reshape(-1, *starts.shape[-2:]).copy()
    logn = np.zeros(U.shape[:2])
    for ncf in {id(n): n for n in ncfs}.values():
        cols = [j for j, n in enumerate(ncfs) if n is ncf]
        kern = _negated_kernel(ncf)
        block = U[:, cols].reshape(-1, U.shape[-1])
        lg = np.zeros(len(block))
        done = 0
        while done < n_steps:
            m = min(chunk, n_steps - done)
            norms = np.linalg.norm(block, axis=1)
            lg += np.log(norms)
            block = gradient_descent(kern, block / norms[:, None], step, m, record_every=m).final
            done += m
        norms = np.linalg.norm(block, axis=1)
        U[:, cols] = (block / norms[:, None]).reshape(len(U), len(cols), -1)
        logn[:, cols] = (lg + np.log(norms)).reshape(len(U), len(cols))
    return U.reshape(*lead, *U.shape[1:]), logn.reshape(*lead, -1)


def joint_direction(directions: np.ndarray, log_norms: np.ndarray) -> np.ndarray:
    """The whole vector (concatenated blocks) from block directions and log norms, unit length."""
    w = np.exp(log_norms - np.max(log_norms, axis=-1, keepdims=True))
    return unit((directions * w[..., None]).reshape(*directions.shape[:-2], -1))


def ncf_flow_angles(ncfs: Sequence[NCF], starts: np.ndarray, limits: np.ndarray, step: float,
                    iterations: Sequence[int]) -> np.ndarray:
    """Angle (B, k) between u*_j and the NCF ascent from ξ_j (``starts``, (k, m)) after ``iterations[b]``
    steps of size ``step`` (:func:`ncf_descent`, continued from one iteration count to the next)."""
    iterations = np.asarray(iterations, dtype=int)
    out = np.full((len(iterations), len(starts)), np.nan)
    U, done = np.asarray(starts, dtype=float), 0
    for k in np.unique(iterations):
        if k > done:
            U, _ = ncf_descent(ncfs, U, step, int(k - done))
            done = int(k)
        with np.errstate(invalid="ignore"):
            ok = np.all(np.isfinite(limits), axis=1)
            out[np.ix_(iterations == k, ok)] = angle_between(U[ok], limits[ok])[None, :]
    return out


def block_regime(point: KKTPoint | None, starts_at_kkt: bool, asymptotic_slope: float, flow_slope: float,
                 rate_rtol: float = RATE_RTOL) -> BlockRegime:
    """The regime of one block (module docstring), checked in the order of :class:`BlockRegime`'s cases."""
    if point is None:
        return BlockRegime.NO_LIMIT
    if starts_at_kkt:
        return BlockRegime.STARTS_AT_KKT
    if not np.isfinite(asymptotic_slope):
        return BlockRegime.NO_RATE
    if abs(flow_slope - asymptotic_slope) <= rate_rtol * abs(asymptotic_slope):
        return BlockRegime.ALIGNING
    return BlockRegime.IN_TRANSIT


@dataclass(frozen=True)
class PhaseEnd:
    """Per run (δ): first iteration with ‖w_z‖ ≥ √(‖w_z(0)‖·R), and the weights there."""

    __repr__ = compact_repr

    iteration: np.ndarray
    norm: np.ndarray
    theta: np.ndarray
    target: np.ndarray


def run_until_phase_end(kernel, theta0: np.ndarray, step: float, *, scale: float = 1.0, norm_of=None,
                        observe=None, chunk: int = 500, max_steps: int = 200_000,
                        progress: bool = False) -> PhaseEnd:
    """Core gradient descent in chunks until every run's ``norm_of(θ)`` reaches √(norm_of(θ₀)·R).

    ``norm_of(theta_batch) -> (B,)`` measures the weights that must grow (default: all);
    ``observe(k, theta_batch)`` is called after every step (k counts from 1).
    """
    require_kernel(kernel, "run_until_phase_end")
    norm_of = norm_of or (lambda th: np.linalg.norm(th, axis=1))
    th = np.atleast_2d(np.array(theta0, dtype=float))
    target = np.sqrt(norm_of(th) * scale)
    it = np.full(th.shape[0], -1)
    norms = np.zeros(th.shape[0])
    at = np.zeros_like(th)
    done = 0

    def watch(k, current):
        if observe is not None:
            observe(done + k, current)
        size = norm_of(current)
        hit = (it < 0) & (size >= target)
        if hit.any():
            it[hit], norms[hit], at[hit] = done + k, size[hit], current[hit]

    with ProgressBar(disable=not progress, desc="GD to the end of the small-norm phase", unit="step") as bar:
        while (it < 0).any():
            if done >= max_steps:
                raise RuntimeError(f"the small-norm phase did not end within {max_steps} steps for "
                                   f"{plural(int((it < 0).sum()), 'run')}")
            th = gradient_descent(kernel, th, step, chunk, record_every=chunk, callback=watch).final
            done += chunk
            bar.update(chunk)
    return PhaseEnd(it, norms, at, target)


def predicted_slope(point: KKTPoint | None, n_top: float, step: float) -> float:
    """s_j = ½·ln(1/c_j)/ln(1 + 2ηN_top), c_j = (1 + η(ρ_j + 2N_j))/(1 + 2ηN_j) (module doc)."""
    if point is None or not point.smooth or point.value <= 0 or not point.riemannian_eigenvalues.size:
        return float("nan")
    rho = float(np.max(point.riemannian_eigenvalues))
    c = (1 + step * (rho + 2 * point.value)) / (1 + 2 * step * point.value)
    return float(0.5 * np.log(1 / c) / np.log1p(2 * step * n_top))


def predicted_joint_slope(limits, n_top: float, step: float, rtol: float = 1e-9) -> float:
    """min over blocks of s_j (top blocks) and e_j (blocks with N_j < N_top) (module doc)."""
    r = np.log1p(2 * step * n_top)
    out = []
    for p in limits:
        if p is None:
            continue
        if p.value >= n_top * (1 - rtol):
            out.append(predicted_slope(p, n_top, step))
        elif 1 + 2 * step * p.value > 0:
            out.append(0.5 * (r - np.log1p(2 * step * p.value)) / r)
    return float(np.nanmin(out)) if out else float("nan")


def fitted_slope(deltas: np.ndarray, values: np.ndarray, last: int = 2) -> np.ndarray:
    """Least-squares slope of log(value) against log δ over the ``last`` smallest δ (per column)."""
    order = np.argsort(deltas)[:last]
    x = np.log(deltas[order])
    Y = np.log(np.maximum(np.asarray(values)[order], np.finfo(float).tiny))
    x = x - x.mean()
    return (x @ (Y - Y.mean(axis=0))) / (x @ x)


@dataclass(frozen=True)
class Alignment:
    """Result of :func:`alignment_study` (fields described in the module docstring)."""

    __repr__ = compact_repr

    deltas: np.ndarray
    groups: tuple[tuple[int, ...], ...]
    phase_end: PhaseEnd
    angles: np.ndarray
    nearest_angles: np.ndarray
    relative_norms: np.ndarray
    joint_angles: np.ndarray
    joint_limit: np.ndarray
    joint_value: float
    limits: tuple[KKTPoint | None, ...]
    kkt: KKTSearch
    predicted_slopes: np.ndarray
    measured_slopes: np.ndarray
    asymptotic_slopes: np.ndarray
    flow_angles: np.ndarray
    flow_slopes: np.ndarray
    regimes: tuple[BlockRegime, ...]
    start_values: np.ndarray
    predicted_joint_slope: float
    measured_joint_slope: float
    lemma_iteration: int
    lemma_angles: np.ndarray
    drift: np.ndarray
    step: float
    scale: float

    @property
    def kink_blocks(self) -> np.ndarray:
        """Blocks whose NCF-flow limit lies on a kink (non-smooth KKT point). GD keeps crossing the kink there,
        and the GD map is discontinuous across it, so Lemma 5.2's O(δ²) gap between the loss GD and the NCF GD
        does not hold for them at a fixed step: a pre-activation inside that gap sends the two runs to opposite
        sides of a kink, after which they differ by O(η) (``derivations/seed002_lemma52_relu_kink.py``)."""
        return np.array([p is not None and not p.smooth for p in self.limits])

    def lemma_max(self, blocks: np.ndarray | None = None) -> np.ndarray:
        """max over the chosen blocks (default: those not heading for a kink) of the Lemma 5.2 angle, per δ."""
        blocks = ~self.kink_blocks if blocks is None else np.asarray(blocks, dtype=bool)
        return np.max(self.lemma_angles[:, blocks], axis=1) if blocks.any() else np.full(len(self.deltas), np.nan)

    def rows(self) -> list[dict]:
        deg = np.degrees
        kink = self.kink_blocks
        smooth_lemma, kink_lemma = deg(self.lemma_max()), deg(self.lemma_max(kink))
        rows = []
        for b, d in enumerate(self.deltas):
            row = {"delta": float(d), "T_delta": int(self.phase_end.iteration[b]),
                   "||w_z(T)||": float(self.phase_end.norm[b]),
                   "max angle to u*_j (deg)": float(deg(np.nanmax(self.angles[b]))),
                   "median angle to u*_j (deg)": float(deg(np.nanmedian(self.angles[b]))),
                   "joint angle (deg)": float(deg(self.joint_angles[b]))}
            if kink.any():
                row["max angle GD vs NCF GD, smooth limits (deg)"] = float(smooth_lemma[b])
                row["max angle GD vs NCF GD, kink limits (deg)"] = float(kink_lemma[b])
            else:
                row["max angle GD vs NCF GD (deg)"] = float(smooth_lemma[b])
            rows.append({**row, "drift / delta": float(self.drift[b] / d)})
        return rows

    def neuron_rows(self) -> list[dict]:
        """Per block at the smallest δ: N(ξ̂_j), its limit's value, regime, exponents, angles (degrees)."""
        b = int(np.argmin(self.deltas))
        deg = np.degrees
        return [{"block": j, "N(start)": float(self.start_values[j]),
                 "N(u*_j)": float(p.value) if p is not None else float("nan"), "regime": r.value,
                 "asymptotic slope s_j": float(self.asymptotic_slopes[j]),
                 "predicted slope": float(self.predicted_slopes[j]),
                 "NCF-flow slope": float(self.flow_slopes[j]), "measured slope": float(self.measured_slopes[j]),
                 "NCF-flow angle at T (deg)": float(deg(self.flow_angles[b, j])),
                 "measured angle at T (deg)": float(deg(self.angles[b, j]))}
                for j, (p, r) in enumerate(zip(self.limits, self.regimes))]

    def to_dict(self) -> dict:
        deg = lambda a: np.degrees(a).tolist()
        return {"deltas": self.deltas.tolist(), "phase_end_iteration": self.phase_end.iteration.tolist(),
                "phase_end_norm": self.phase_end.norm.tolist(), "scale_R": self.scale, "step": self.step,
                "angle_errors_deg": deg(self.angles), "nearest_angle_errors_deg": deg(self.nearest_angles),
                "relative_norms": self.relative_norms.tolist(), "joint_angle_errors_deg": deg(self.joint_angles),
                "joint_limit": self.joint_limit.tolist(), "joint_limit_value": self.joint_value,
                "limit_kkt": [p.to_dict() if p else None for p in self.limits],
                "predicted_slopes": self.predicted_slopes.tolist(),
                "measured_slopes": self.measured_slopes.tolist(),
                "asymptotic_slopes": self.asymptotic_slopes.tolist(),
                "ncf_flow_angle_errors_deg": deg(self.flow_angles), "ncf_flow_slopes": self.flow_slopes.tolist(),
                "regimes": [r.value for r in self.regimes], "ncf_at_start": self.start_values.tolist(),
                "neurons": self.neuron_rows(),
                "predicted_joint_slope": self.predicted_joint_slope,
                "measured_joint_slope_of_tan": self.measured_joint_slope,
                "lemma_iteration": self.lemma_iteration, "lemma_angles_deg": deg(self.lemma_angles),
                "drift": self.drift.tolist(), "table": self.rows()}


def alignment_study(model: Model, X, y, theta_bar, groups, ncfs: Sequence[NCF], xi, deltas, *,
                    step: float, scale: float = 1.0, n_starts: int = 64, seed: int = 0,
                    limit_steps: int = 10_000, rate_rtol: float = RATE_RTOL, progress: bool = False) -> Alignment:
    """GD from w̄ + δξ for all δ in one batch; measure everything listed in the module docstring."""
    groups = tuple(tuple(int(i) for i in g) for g in groups)
    deltas = np.asarray(deltas, dtype=float)
    theta_bar = np.asarray(theta_bar, dtype=float)
    xi = np.asarray(xi, dtype=float)
    watched = [i for g in groups for i in g]
    others = np.setdiff1d(np.arange(model.n_parameters), watched)
    starts = neuron_vectors(xi, groups)
    if np.any(np.linalg.norm(starts, axis=1) == 0):
        raise ZeroDirectionError("a block of ξ is zero, so it has no initial direction")
    limits = tuple(flow_limits(n, starts[j], seed=seed)[0] for j, n in enumerate(ncfs))
    search = find_kkt_points(ncfs[0], n_starts=n_starts, seed=seed, methods=("ascent", "descent", "newton"),
                             progress=progress)
    n_top = max((p.value for p in limits if p is not None and p.value > 0), default=float("nan"))
    top = np.array([p is not None and p.value >= n_top * (1 - 1e-9) for p in limits])
    dirs, logn = ncf_descent(ncfs, starts, step, limit_steps)
    joint = joint_direction(dirs, np.where(top, logn, -np.inf))
    joint_ncf = NCF(restrict(model, watched, name=f"{model.name}|watched"), ncfs[0].X, ncfs[0].z,
                    source=ncfs[0].source)
    kernel = Objective(model, ncfs[0].X, y, loss="square", normalization="sum").compile()
    theta0 = theta_bar[None, :] + deltas[:, None] * xi[None, :]
    drift = np.zeros(len(deltas))

    def observe(k, th):
        if others.size:
            np.maximum(drift, np.linalg.norm(th[:, others] - theta_bar[others], axis=1), out=drift)

    end = run_until_phase_end(kernel, theta0, step, scale=scale, observe=observe, progress=progress,
                              norm_of=lambda th: np.linalg.norm(th[:, watched], axis=1))
    blocks = neuron_vectors(end.theta, groups)                          # (B, k, m)
    lim = np.array([p.direction if p else np.full(starts.shape[1], np.nan) for p in limits])
    angles = angle_between(blocks, lim[None])
    nearest_angles = np.stack([nearest(search.points, blocks[b])[1] for b in range(len(deltas))])
    relative = np.linalg.norm(blocks, axis=2) / end.norm[:, None]
    joint_angles = angle_between(end.theta[:, watched], joint[None, :])
    asymptotic = np.array([predicted_slope(p, n_top, step) for p in limits])
    flow = ncf_flow_angles(ncfs, starts, lim, step, end.iteration)
    flow_slopes = fitted_slope(deltas, flow)
    at_kkt = [clarke_kkt_residual(n, starts[j]) <= search.tolerance * n.scale for j, n in enumerate(ncfs)]
    regimes = tuple(block_regime(p, k, s, f, rate_rtol) for p, k, s, f in zip(limits, at_kkt, asymptotic, flow_slopes))
    predicted = np.where([r is BlockRegime.ALIGNING for r in regimes], asymptotic, np.nan)
    start_values = np.array([float(n.value(unit(starts[j]))) for j, n in enumerate(ncfs)])
    T = int(end.iteration.min())
    gd_loss = neuron_vectors(gradient_descent(kernel, theta0, step, T, record_every=T, progress=progress).final, groups)
    gd_ncf, _ = ncf_descent(ncfs, deltas[:, None, None] * starts[None], step, T, chunk=T)
    lemma = angle_between(gd_loss, gd_ncf)
    return Alignment(deltas, groups, end, angles, nearest_angles, relative, joint_angles, joint,
                     float(joint_ncf.value(joint)), limits, search, predicted, fitted_slope(deltas, angles),
                     asymptotic, flow, flow_slopes, regimes, start_values, predicted_joint_slope(limits, n_top, step),
                     float(fitted_slope(deltas, np.tan(joint_angles))),
                     T, lemma, drift, step, scale)
