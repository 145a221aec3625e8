"""The slice's tolerances, in one object, stated as formulas.

Every decision that compares a computed number with zero goes through
:class:`SymmetryTolerances`; the formulas are relative to the natural scale of the
quantity, so no decision depends on the units of the loss or of θ:

* two incoming vectors coincide:   ‖w_i − w_j‖ ≤ ``coincide_rtol`` · max(‖w_i‖, ‖w_j‖)
* an outgoing vector vanishes:     ‖a_i‖ ≤ ``coincide_rtol`` · max_k ‖a_k‖ (over the layer)
* a point is critical:             ‖∇L‖ ≤ ``gradient_rtol`` · max(‖∇²L‖₂ · max(‖θ‖, 1), |L|, 1e-300)
  (the formula of :func:`symsaddle.critical.gradient_tolerance`)
* a Hessian eigenvalue is zero:    |λ| ≤ max(``eigen_rtol`` · ‖∇²L‖₂, ``gradient_factor`` · ‖∇L‖)
  (the formula of :func:`symsaddle.critical.classify`); |λ| in (tol, ``band`` · tol] is ambiguous
* a singular value of U is zero:   s ≤ max(``rank_rtol`` · scale_U, ``gradient_factor`` · ‖∇L‖ / ‖a_j‖),
  scale_U = c Σ_i |σ'(w_j·h_i)| ‖h_i‖ ‖g_i‖ (the size of the terms summed into U); the second
  term is there because U a_j = ∇_{w_j} L is only as small as the gradient
* a loss attains its lower bound:   L − L_low ≤ ``lower_bound_rtol`` · |L(0) − L_low| (L(0): the loss at θ = 0,
  a reference in the loss's own units)
* an eigenvalue of Y (on ker Uᵀ) is zero: |λ| ≤ ``rank_rtol`` · scale_Y,
  scale_Y = c Σ_i |σ''(w_j·h_i)| |a_j·g_i| ‖h_i‖²
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def norm(v, axis=None) -> np.ndarray | float:
    """Euclidean norm without underflow or overflow (scaled by max |v|; θ may be 1e-200 or 1e200)."""
    v = np.asarray(v, dtype=float)
    big = np.max(np.abs(v), axis=axis, keepdims=True) if v.size else np.zeros((1,) * max(v.ndim, 1))
    safe = np.where(big > 0, big, 1.0)
    out = np.squeeze(big, axis=axis) * np.sqrt(np.sum((v / safe) ** 2, axis=axis))
    return float(out) if np.ndim(out) == 0 else out


@dataclass(frozen=True)
class SymmetryTolerances:
    coincide_rtol: float = 1e-9
    gradient_rtol: float = 1e-9
    eigen_rtol: float = 1e-8
    gradient_factor: float = 1e3
    band: float = 100.0
    rank_rtol: float = 1e-9
    lower_bound_rtol: float = 1e-12

    def coincide(self, wi: np.ndarray, wj: np.ndarray) -> bool:
        wi, wj = np.asarray(wi, dtype=float), np.asarray(wj, dtype=float)
        return bool(norm(wi - wj) <= self.coincide_rtol * max(norm(wi), norm(wj)))

    def vanishes(self, ai: np.ndarray, scale: float) -> bool:
        return bool(norm(ai) <= self.coincide_rtol * scale)

    def gradient(self, loss: float, hessian_norm: float, theta_norm: float) -> float:
        return self.gradient_rtol * max(hessian_norm * max(theta_norm, 1.0), abs(loss), 1e-300)

    def eigenvalue(self, hessian_norm: float, gradient_norm: float) -> float:
        return max(self.eigen_rtol * hessian_norm, self.gradient_factor * gradient_norm)

    def singular_value(self, scale: float, gradient_norm: float, outgoing_norm: float) -> float:
        return max(self.rank_rtol * scale, self.gradient_factor * gradient_norm / max(outgoing_norm, 1e-300))

    def attains(self, loss: float, lower: float, reference: float) -> bool:
        return bool(loss - lower <= self.lower_bound_rtol * abs(reference - lower))

    def y_eigenvalue(self, scale: float) -> float:
        return self.rank_rtol * scale


DEFAULT_TOLERANCES = SymmetryTolerances()
