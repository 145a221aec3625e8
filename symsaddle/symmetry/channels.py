"""Escaping to infinity along a channel: what an end point with a tiny gradient and λ_min ≈ 0⁺ does
when the optimiser is run longer (seed 003 §6.2.1/6.2.3: the thesis's "local minima" at loss ≫ 0).

* :func:`continue_run` — continue from θ in rounds (trust-region Newton, or Adam with a fixed
  learning rate as in the thesis) and record, after every round, the loss, the weight norms, the
  gradient norm, λ_min and the smallest neuron distance: on a channel the loss keeps falling,
  |a_i| grows without bound, ‖w_i − w_j‖ → 0, and ‖∇L‖ and λ_min decay to 0⁺ — the longer the
  run, the more the point looks like a converged degenerate minimum.
* :func:`derivative_pair_limit` — the function a derivative pair (i, j) tends to,
  a_iσ(w_i·x) + a_jσ(w_j·x) → (a_i + a_j)σ(w̄·x) + (c·x)σ'(w̄·x), and the loss of the limit network
  with the direction c fitted by least squares (everything else fixed): an upper bound on the
  infimum of L along that channel family.
"""

from __future__ import annotations

import numpy as np
import scipy.special

from .endpoints import smallest_neuron_distance
from .teacher_student import TeacherStudentProblem
from .training import adam, trust_region_newton


def continue_run(problem: TeacherStudentProblem, theta, *, rounds: int = 6, iterations: int = 200,
                 optimiser: str = "newton", lr: float = 1e-4) -> list[dict]:
    """Rows (one per round) of loss, its decrease since θ, ‖W‖, ‖a‖, max |a_i|, ‖∇L‖, λ_min, smallest
    neuron distance."""
    if optimiser not in ("newton", "adam"):
        raise ValueError(f"optimiser must be 'newton' or 'adam', got {optimiser!r}")
    kernel = problem.kernel
    th = np.asarray(theta, dtype=float)[None, :]
    rows = []
    L_start = float(kernel.value(th[0]))
    for r in range(rounds + 1):
        if r:
            run = (trust_region_newton(kernel, th, max_iterations=iterations, stop_on_convergence=False)
                   if optimiser == "newton" else adam(kernel, th, lr=lr, epochs=iterations, snapshot_every=0))
            th = run.theta
        W, a = problem.unpack(th[0])
        H = kernel.hessian(th[0])
        L = float(kernel.value(th[0]))
        rows.append({"iterations": r * iterations, "loss": L, "loss_decrease": L_start - L,
                     "w_norm": float(np.linalg.norm(W)), "a_norm": float(np.linalg.norm(a)),
                     "max_abs_a": float(np.max(np.abs(a))),
                     "grad_norm": float(np.linalg.norm(kernel.gradient(th[0]))),
                     "min_eig": float(np.linalg.eigvalsh(0.5 * (H + H.T))[0]),
                     "min_neuron_distance": smallest_neuron_distance(W)[0]})
    return rows


def derivative_pair_limit(problem: TeacherStudentProblem, theta, pair: tuple[int, int]) -> dict:
    """The limit of the derivative pair (i, j) of θ and the best loss of that limit (see the module docstring)."""
    W, a = problem.unpack(np.asarray(theta, dtype=float))
    i, j = pair
    wbar = 0.5 * (W[i] + W[j])
    rest = [k for k in range(W.shape[0]) if k not in (i, j)]
    s_bar = scipy.special.expit(problem.X @ wbar)
    base = scipy.special.expit(problem.X @ W[rest].T) @ a[rest] + (a[i] + a[j]) * s_bar
    features = problem.X * (s_bar * (1 - s_bar))[:, None]
    c_now = 0.5 * (a[i] - a[j]) * (W[i] - W[j])
    c_fit, *_ = np.linalg.lstsq(features, problem.y - base, rcond=None)
    return {"pair": [int(i), int(j)], "w_bar": wbar.tolist(), "c_current": c_now.tolist(), "c_fitted": c_fit.tolist(),
            "loss_limit_current_c": float(np.mean((base + features @ c_now - problem.y) ** 2)),
            "loss_limit_fitted_c": float(np.mean((base + features @ c_fit - problem.y) ** 2))}
