"""Where the gradient flow ends for a given initialisation: the implicit bias at finite scale γ.

The flow keeps S_t = −∫₀ᵗ ∇L = −Xᵀ∫₀ᵗ (Xβ − y)/n in the row space of X and, when u₀ > |v₀|,
ends at a minimiser of L (every equilibrium with u² − v² = 2w₊w₋ > 0 has ∇L = 0). Its limit
β_∞ = β(S_∞) is therefore the solution of (Woodworth et al. 2020; Azulay et al. 2021;
P&F §2 for v₀ = 0)

    find z ∈ R^r:  V_rᵀ β(V_r z) = Σ_r⁻¹ U_rᵀ y,   X = U_r Σ_r V_rᵀ (thin SVD, rank r),

with β(S) = (w₊(0)² e^{2S} − w₋(0)² e^{−2S})/2 — the minimiser of the Bregman divergence of
the hyperbolic entropy from β₀ over the minimisers of L. It is the gradient of the convex
potential Ψ(z) = Σ_i ψ_i((V_r z)_i) − b̄ᵀz, ψ_i(S) = (w₊,i(0)² e^{2S} + w₋,i(0)² e^{−2S})/4,
minimised here by damped Newton steps (Hessian V_rᵀ diag(w₊² + w₋²) V_r ≻ 0) solved by
least squares (its condition grows like 1/γ²), the change of S capped per step, started
(for γ < 1) from S = ln(1/γ) s_p, s_p the last dual variable of Algorithm 1 (which is where
S/ln(1/γ) converges as γ → 0).

For γ → 0 with the seed's initialisation β_∞ → the minimum-ℓ1 minimiser; for large γ it is
close to the minimum-ℓ2 one (seed 000 §5.4: "sparse to dense").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .limit import limit_path
from .problem import DiagonalProblem
from .weights import Initialisation, dbeta_from_logs
from ..reports import compact_repr


#: largest change of any S_i in one Newton step (β_i changes by at most a factor e^{2·this})
MAX_DUAL_STEP = 4.0


@dataclass(frozen=True)
class FlowLimit:
    """β_∞ of the gradient flow from an initialisation, with the Newton solve's diagnostics."""

    __repr__ = compact_repr

    beta: np.ndarray
    dual: np.ndarray
    converged: bool
    iterations: int
    residual: float

    @property
    def l1_norm(self) -> float:
        return float(np.sum(np.abs(self.beta)))


def flow_limit(problem: DiagonalProblem, init: Initialisation, *, tol: float = 1e-12,
               max_iter: int = 2000) -> FlowLimit:
    """Solve V_rᵀ β(V_r z) = b̄ for the end point of the gradient flow from ``init``."""
    if init.d != problem.d:
        raise ValueError(f"the initialisation has {init.d} coordinates but the data have d = {problem.d}")
    U, sv, Vt = np.linalg.svd(problem.X, full_matrices=False)
    r = int(np.sum(sv > sv[0] * max(problem.X.shape) * np.finfo(float).eps)) if sv[0] > 0 else 0
    V = Vt[:r].T
    target = (U[:, :r].T @ problem.y) / sv[:r]
    a0, b0 = init.log_w_plus, init.log_w_minus
    scale = max(1.0, float(np.max(np.abs(target)))) if r else 1.0

    def potential(z):
        S = V @ z
        with np.errstate(over="ignore"):
            return float(0.25 * np.sum(np.exp(2 * (a0 + S)) + np.exp(2 * (b0 - S)))) - target @ z

    lam = init.log_inv_gamma
    # start: S = ln(1/γ)·s_p with s_p the final dual variable of Algorithm 1 (it lies in the row space)
    z = (lam * (V.T @ limit_path(problem).final.dual)) if lam is not None and r else np.zeros(r)
    res = np.inf
    for it in range(1, max_iter + 1):
        S = V @ z
        grad = V.T @ init.beta(S) - target
        res = float(np.max(np.abs(grad))) if r else 0.0
        if res <= tol * scale:
            return FlowLimit(init.beta(S), S, True, it - 1, res)
        hess = V.T @ (dbeta_from_logs(a0 + S, b0 - S)[:, None] * V)
        step = np.linalg.lstsq(hess, -grad, rcond=1e-15)[0]   # Hessian PD but ill-conditioned for tiny γ
        step *= min(1.0, MAX_DUAL_STEP / max(float(np.max(np.abs(V @ step))), np.finfo(float).tiny))
        psi, slope, t = potential(z), float(grad @ step), 1.0
        if -slope > 1e-8 * max(1.0, abs(psi)):       # damped phase; near the solution Ψ is flat to rounding
            while t > 1e-12 and not potential(z + t * step) <= psi + 1e-4 * t * slope:
                t *= 0.5
        z = z + t * step
    S = V @ z
    return FlowLimit(init.beta(S), S, False, max_iter, res)
