"""The closest saddle to a local minimum (seed 003 §6.2.5, after Brea et al. 2019).

The thesis's merge heuristic, step by step:

1. take the two neurons i, j of the local minimum θ with the closest incoming weights;
2. minimise L(θ) + λ‖w_i − w_j‖ from θ (λ = 0.1, "a new objective loss") so that they overlap
   (L-BFGS-B; the thesis does not name the optimiser);
3. reduce the network by one neuron: w = ½(w_i + w_j), a = a_i + a_j;
4. optimise the reduced network to a critical point θ_r (second order: the batched trust-region
   Newton of :mod:`.training`, then the core's ``polish``); a reduced run that escapes to infinity
   has no critical point to duplicate; a critical θ_r that attains the loss's lower bound L_lb (0 for
   the square loss) is a global minimum, and so is every point of its line θ(μ) (same function, same
   loss): there is no saddle on it. "Attains" takes two tests: the core's
   ``classify(…, lower_bound=L_lb)`` (|L − L_lb| ≤ τ_L·s_L, s_L = |L| + |L_lb| + ‖H‖‖θ‖², and no
   negative curvature) and the slice's rule for a global end point, L ≤ ``global_loss``·L(0)
   (:class:`.tolerances.EndpointTolerances`). The first alone is not enough at large weights: its
   ‖H‖‖θ‖² term grows with the weights' scale (measured on the seed's study: τ_L·s_L = 1.2e-4 … 1.5e-3
   at reduced points with L = 4.7e-5 … 1.1e-4, ‖θ‖ = 20 … 47, runs escaping to infinity);
5. duplicate the merged neuron back: the saddle line θ(μ), outgoing split (μa, (1−μ)a);
6. the closest point of the line to θ: only a_i, a_j depend on μ, so
   μ* = argmin_μ (μA − a_i)² + ((1−μ)A − a_j)² = (A + a_i − a_j)/(2A), A the merged outgoing weight.

The distance ‖θ(μ*) − θ‖ is Figure 6.9; the loss on the segment from θ(μ*) to θ and on the plane
spanned by the saddle line and that segment are Figures 6.10 and 6.11.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np
import scipy.optimize

from ..critical import Classification, Criterion, Kind, classify, polish
from .inertia import theorem3_at
from .endpoints import SIPredictor, expand_neuron, escape_evidence, merge_pair, smallest_neuron_distance
from .tolerances import EndpointTolerances
from .teacher_student import TeacherStudentProblem
from .training import trust_region_newton
from ..reports import compact_repr


class SaddleStatus(str, Enum):
    FOUND = "found"
    REDUCED_NOT_CRITICAL = "reduced network did not reach a critical point"
    REDUCED_ESCAPING = "reduced network escapes to infinity"
    MERGED_TO_ZERO = "merged outgoing weight vanishes (no saddle line)"
    REDUCED_GLOBAL_MINIMUM = "reduced point is a global minimum (zero loss)"


@dataclass(frozen=True)
class ClosestSaddle:
    __repr__ = compact_repr

    status: SaddleStatus
    pair: tuple[int, int]
    pair_distance_before: float
    pair_distance_after_penalty: float
    reduced_theta: np.ndarray
    reduced_loss: float
    reduced_gradient_norm: float
    reduced_kind: str
    mu: float | None
    saddle_theta: np.ndarray | None
    saddle_loss: float | None
    saddle_kind: str | None
    saddle_smallest_eigenvalues: np.ndarray | None
    distance: float | None
    minimum_loss: float
    prediction: dict | None = None

    def to_dict(self) -> dict:
        return {"status": self.status.value, "pair": list(self.pair), "pair_distance_before": self.pair_distance_before,
                "pair_distance_after_penalty": self.pair_distance_after_penalty,
                "reduced_theta": np.asarray(self.reduced_theta).tolist(), "reduced_loss": self.reduced_loss,
                "reduced_gradient_norm": self.reduced_gradient_norm, "reduced_kind": self.reduced_kind,
                "mu": self.mu, "saddle_theta": None if self.saddle_theta is None else self.saddle_theta.tolist(),
                "saddle_loss": self.saddle_loss, "saddle_kind": self.saddle_kind,
                "saddle_smallest_eigenvalues": None if self.saddle_smallest_eigenvalues is None
                else np.asarray(self.saddle_smallest_eigenvalues).tolist(),
                "distance": self.distance, "minimum_loss": self.minimum_loss, "yu_prediction": self.prediction}


def attains_lower_bound(problem: TeacherStudentProblem, classification: Classification,
                        tol: EndpointTolerances = EndpointTolerances()) -> bool:
    """A point of ``problem`` (any width) is a global minimum: the core's ``classify(…, lower_bound=…)``
    decided it (``Criterion.LOWER_BOUND``, kind minimiser: |L − L_lb| ≤ τ_L·s_L, critical, no negative
    curvature) and L ≤ ``tol.global_loss``·L(0), the slice's rule for a global end point (τ_L·s_L alone
    admits L ≈ 1e-4 at large weights: its ‖H‖‖θ‖² term; module docstring)."""
    return (classification.kind is Kind.MINIMISER and classification.decided_by is Criterion.LOWER_BOUND
            and classification.loss <= tol.global_loss * problem.zero_network_loss)


def merge_penalty_objective(problem: TeacherStudentProblem, i: int, j: int, lam: float = 0.1):
    """(F, ∇F) for F(θ) = L(θ) + λ‖w_i − w_j‖ (§6.2.5 "A new objective loss"); ∇ of the norm is 0 at 0."""
    kernel, d = problem.kernel, problem.d_in
    si, sj = slice(i * d, (i + 1) * d), slice(j * d, (j + 1) * d)

    def fun(theta):
        L, g = kernel.value_and_gradient(theta)
        diff = theta[si] - theta[sj]
        r = float(np.linalg.norm(diff))
        g = np.array(g, dtype=float)
        if r > 0:
            g[si] += lam * diff / r
            g[sj] -= lam * diff / r
        return float(L) + lam * r, g
    return fun


def closest_saddle(problem: TeacherStudentProblem, theta, *, lam: float = 0.1, pair: tuple[int, int] | None = None,
                   penalty_iterations: int = 2000, newton_iterations: int = 300, escape_iterations: int = 100,
                   si_predictor: SIPredictor | None = theorem3_at,
                   tol: EndpointTolerances = EndpointTolerances()) -> ClosestSaddle:
    """Run the merge heuristic from the local minimum θ (see the module docstring). The penalised
    loss is minimised with L-BFGS-B (the kink of ‖w_i − w_j‖ at 0 stops plain BFGS's line search);
    the reduced run is continued by ``escape_iterations`` trust-region iterations and rejected
    (``REDUCED_ESCAPING``) if it escapes to infinity (:func:`.endpoints.escape_evidence`). A reduced
    critical point that attains the objective's lower bound (the core's ``classify`` decides
    ``Criterion.LOWER_BOUND``: a global minimiser, and L ≤ ``tol.global_loss``·L(0), the rule for a global
    end point) gives ``REDUCED_GLOBAL_MINIMUM`` and no saddle: the whole line θ(μ) then implements the
    reduced network's function at the lowest possible loss. ``tol``: the escape test's and the
    classification's tolerances."""
    th = np.asarray(theta, dtype=float)
    W, _ = problem.unpack(th)
    d0, closest = smallest_neuron_distance(W)
    i, j = sorted(pair) if pair is not None else closest
    d0 = float(np.linalg.norm(W[i] - W[j]))
    sol = scipy.optimize.minimize(merge_penalty_objective(problem, i, j, lam), th, jac=True, method="L-BFGS-B",
                                  options={"maxiter": penalty_iterations})
    th_pen = sol.x
    Wp, _ = problem.unpack(th_pen)
    d1 = float(np.linalg.norm(Wp[i] - Wp[j]))
    th_r0, pos, _ = merge_pair(problem, th_pen, i, j)
    reduced = problem.with_width(problem.width - 1)
    kr = reduced.kernel
    run = trust_region_newton(kr, th_r0[None, :], max_iterations=newton_iterations)
    cont = trust_region_newton(kr, run.theta, max_iterations=escape_iterations, stop_on_convergence=False)
    escaping = escape_evidence(reduced, cont, run.theta, tol)[0].diverging
    res = polish(kr, run.theta[0])
    th_r = res.theta if res.converged else run.theta[0]
    cls_r = classify(kr, th_r, higher_order=False, tolerances=tol.classification)
    critical = cls_r.gradient_norm <= cls_r.gradient_tolerance and not escaping
    L_min = float(problem.kernel.value(th))
    common = dict(pair=(i, j), pair_distance_before=d0, pair_distance_after_penalty=d1, reduced_theta=th_r,
                  reduced_loss=cls_r.loss, reduced_gradient_norm=cls_r.gradient_norm, reduced_kind=cls_r.kind.value,
                  minimum_loss=L_min)
    no_saddle = dict(mu=None, saddle_theta=None, saddle_loss=None, saddle_kind=None, saddle_smallest_eigenvalues=None,
                     distance=None)
    if not critical:
        return ClosestSaddle(SaddleStatus.REDUCED_ESCAPING if escaping else SaddleStatus.REDUCED_NOT_CRITICAL,
                             **no_saddle, **common)
    at_bound = classify(kr, th_r, higher_order=False, lower_bound=reduced.objective.lower_bound,
                        tolerances=tol.classification)
    if attains_lower_bound(reduced, at_bound, tol):
        return ClosestSaddle(SaddleStatus.REDUCED_GLOBAL_MINIMUM, **no_saddle,
                             **{**common, "reduced_kind": at_bound.kind.value})
    _, a = problem.unpack(th)
    _, ar = reduced.unpack(th_r)
    A = float(ar[pos])
    if abs(A) <= 1e-12 * max(float(np.max(np.abs(ar))), 1e-300):
        return ClosestSaddle(SaddleStatus.MERGED_TO_ZERO, **no_saddle, **common)
    mu = (A + a[i] - a[j]) / (2 * A)
    th_s = expand_neuron(problem, th_r, pos, mu, (i, j))
    # no lower bound here: L(θ(μ*)) = L(θ_r) is above it (tested), and τ_L·s_L grows with ‖θ(μ*)‖²
    cls_s = classify(problem.kernel, th_s, higher_order=False, tolerances=tol.classification)
    prediction = dict(si_predictor(reduced, th_r, pos, mu)) if si_predictor is not None else None
    return ClosestSaddle(SaddleStatus.FOUND, mu=float(mu), saddle_theta=th_s, saddle_loss=cls_s.loss,
                         saddle_kind=cls_s.kind.value, saddle_smallest_eigenvalues=cls_s.eigenvalues[:3],
                         distance=float(np.linalg.norm(th_s - th)), prediction=prediction, **common)


def saddle_line_direction(problem: TeacherStudentProblem, pair: tuple[int, int]) -> np.ndarray:
    """Unit tangent of the saddle line θ(μ): +e_{a_i} − e_{a_j}, normalised."""
    e = np.zeros(problem.n_parameters)
    off = problem.width * problem.d_in
    e[off + pair[0]], e[off + pair[1]] = 1.0, -1.0
    return e / np.sqrt(2.0)


def loss_slice_1d(problem: TeacherStudentProblem, saddle_theta, minimum_theta, ts=None) -> tuple[np.ndarray, np.ndarray]:
    """L((1 − t) θ_saddle + t θ_min) for t in ``ts`` (default 201 points in [−0.25, 1.25]) — Fig. 6.10/6.11 left."""
    ts = np.linspace(-0.25, 1.25, 201) if ts is None else np.asarray(ts, dtype=float)
    a, b = np.asarray(saddle_theta, dtype=float), np.asarray(minimum_theta, dtype=float)
    return ts, problem.kernel.value(a[None, :] + ts[:, None] * (b - a)[None, :])


@dataclass(frozen=True)
class Slice2D:
    """L on θ_s + α e₁ + β e₂: e₁ the saddle line's tangent, e₂ the unit part of θ_min − θ_s normal to it."""

    __repr__ = compact_repr

    alphas: np.ndarray
    betas: np.ndarray
    loss: np.ndarray             # (len(betas), len(alphas))
    e1: np.ndarray
    e2: np.ndarray
    minimum: tuple[float, float]
    trajectory: np.ndarray | None  # (T, 2) projected training trajectory


def loss_slice_2d(problem: TeacherStudentProblem, result: ClosestSaddle, minimum_theta, *, n: int = 81,
                  trajectory=None) -> Slice2D:
    """The plane of Fig. 6.10/6.11 (right) around the saddle line and the minimum."""
    th_s = np.asarray(result.saddle_theta, dtype=float)
    th_m = np.asarray(minimum_theta, dtype=float)
    e1 = saddle_line_direction(problem, result.pair)
    diff = th_m - th_s
    alpha_m = float(diff @ e1)
    rest = diff - alpha_m * e1
    beta_m = float(np.linalg.norm(rest))
    e2 = rest / beta_m if beta_m > 0 else np.zeros_like(rest)
    span_a = max(abs(alpha_m), 0.5 * beta_m, 1e-3 * max(np.linalg.norm(th_s), 1.0))
    alphas = np.linspace(-2 * span_a, 2 * span_a, n)
    betas = np.linspace(-0.5 * beta_m, 1.5 * beta_m, n) if beta_m > 0 else np.linspace(-1, 1, n)
    A, Bg = np.meshgrid(alphas, betas)
    pts = th_s[None, :] + A.ravel()[:, None] * e1[None, :] + Bg.ravel()[:, None] * e2[None, :]
    loss = problem.kernel.value(pts).reshape(Bg.shape)
    proj = None
    if trajectory is not None:
        T = np.asarray(trajectory, dtype=float) - th_s[None, :]
        proj = np.column_stack([T @ e1, T @ e2])
    return Slice2D(alphas, betas, loss, e1, e2, (alpha_m, beta_m), proj)
