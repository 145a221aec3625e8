"""The slice's tolerances, stated as formulas: :class:`SymmetryTolerances` (symmetry operations,
the Y/U predictor) and :class:`EndpointTolerances` (the teacher–student end points, seed 003 §6.2).

Every decision of the symmetry operations and of the Y/U predictor that compares a computed
number with zero goes through :class:`SymmetryTolerances`; the formulas are relative to the
natural scale of the quantity, so no decision depends on the units of the loss or of θ:

* two incoming vectors coincide:   ‖w_i − w_j‖ ≤ ``coincide_rtol`` · max(‖w_i‖, ‖w_j‖)
* an outgoing vector vanishes:     ‖a_i‖ ≤ ``coincide_rtol`` · max_k ‖a_k‖ (over the layer)
* a point is critical:             ‖∇L‖ ≤ ``gradient_rtol`` · s_g, s_g = ‖∇²L‖₂‖θ‖ + √(2|L|‖∇²L‖₂)
  (the core's formula, :func:`symsaddle.critical.gradient_tolerance`, so that a point the core's
  ``classify`` calls critical is critical here too)
* a Hessian eigenvalue is zero:    |λ| ≤ max(``eigen_rtol`` · ‖∇²L‖₂, ``gradient_factor`` · ‖∇L‖)
  (the core's τ_λ‖H‖ with the same default 1e-8, widened by the eigenvalue shift a residual
  gradient can cause at a point that is only approximately critical); |λ| in (tol, ``band`` · tol]
  is ambiguous (``band`` = the core's ``Tolerances.ambiguity``)
* a singular value of U is zero:   s ≤ max(``rank_rtol`` · scale_U, ``gradient_factor`` · ‖∇L‖ / ‖a_j‖),
  scale_U = c Σ_i |σ'(w_j·h_i)| ‖h_i‖ ‖g_i‖ (the size of the terms summed into U); the second
  term is there because U a_j = ∇_{w_j} L is only as small as the gradient
* a loss attains its lower bound:   L − L_low ≤ ``lower_bound_rtol`` · |L(0) − L_low| (L(0): the loss at θ = 0,
  a reference in the loss's own units)
* an eigenvalue of Y (on ker Uᵀ) is zero: |λ| ≤ ``rank_rtol`` · scale_Y,
  scale_Y = c Σ_i |σ''(w_j·h_i)| |a_j·g_i| ‖h_i‖²
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Mapping

import numpy as np

from .. import norm               # the core's scaled norm (no underflow at 1e-200), also for the slice
from ..critical import Tolerances, gradient_tolerance


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
        return gradient_tolerance(loss, hessian_norm, theta_norm, Tolerances(gradient=self.gradient_rtol))

    def eigenvalue(self, hessian_norm: float, gradient_norm: float) -> float:
        return max(self.eigen_rtol * hessian_norm, self.gradient_factor * gradient_norm)

    def singular_value(self, scale: float, gradient_norm: float, outgoing_norm: float) -> float:
        return max(self.rank_rtol * scale, self.gradient_factor * gradient_norm / max(outgoing_norm, 1e-300))

    def attains(self, loss: float, lower: float, reference: float) -> bool:
        return bool(loss - lower <= self.lower_bound_rtol * abs(reference - lower))

    def y_eigenvalue(self, scale: float) -> float:
        return self.rank_rtol * scale


DEFAULT_TOLERANCES = SymmetryTolerances()


@dataclass(frozen=True)
class EndpointTolerances:
    """Every tolerance of the teacher–student analysis, as unit-free formulas.

    * candidate global minimum: L ≤ ``global_loss`` · L(0), L(0) = (1/n) Σ y² (zero network);
    * function match: max_i |f(x_i) − f*(x_i)| ≤ ``function_match`` · max_i |f*(x_i)|;
    * teacher matching (:func:`match_teacher`): a-weighted group means within ``weight_match`` ·
      max_t ‖v_t‖ of their target, outgoing sums and the constant within ``outgoing_match`` · max_t |b_t|;
    * duplicated pair: ‖w_i − w_j‖ ≤ ``duplicate`` · max_k ‖w_k‖;
    * zero-type neuron: |a_i| ≤ ``zero_outgoing`` · max_k |a_k|;
    * polishing (the core's ``polish``, and the reduced point of an SI structure) may move a point
      by at most ``snap`` · max(‖θ‖, 1) — further, it has found another critical point;
    * polishing is not attempted when ‖∇L(θ)‖ > ``snap_reach`` · ‖∇²L(θ)‖₂ · ``snap`` · max(‖θ‖, 1): no
      critical point lies within the snap radius unless ‖∇²L‖ grows by the factor ``snap_reach`` inside it;
    * polishing may raise L by at most ``polish_loss_rise`` · |L| (float64 noise of the sum over
      the data, with a margin) — a polish that raises L more has left the basin;
    * escaping: over the continuation window, the growth g = max(‖W_end‖/‖W_start‖, ‖a_end‖/‖a_start‖)
      ≥ ``escape_norm_growth``, the relative fall δ = (L_start − L_end)/L_start ≥
      ``escape_loss_decrease`` (far above float64 noise, ~1e-15), and the run is in its asymptotic
      regime: the loss's elasticity with respect to the weights' scale, e = δ / log g, is at most
      ``escape_elasticity`` (:meth:`escaping`). Along a ray θ = s·u with L = L∞ + C·s^(−q),
      e = q(L − L∞)/L: e ≤ 0.05 says L is within a few per cent (2.5 % for q = 2) of its limit at
      infinity. A run that is still training — from an initialisation, or on its way to a
      critical point — loses a large fraction of its loss per unit of log-growth (measured:
      e ≥ 0.47 for 0–30 Newton iterations from Xavier initialisations; the 324 escaping end points
      of the 1000-initialisation study have e ≤ 4.8e-3). The test needs L∞ > 0: an escape towards
      zero loss (L∞ = 0, e → q) cannot be told from training by L and ‖θ‖ alone;
      a neuron carries the growth if |a_i| or ‖w_i‖ changes by the factor ``neuron_growth``;
    * ``classification``: the core's :class:`symsaddle.Tolerances` for every ``classify`` and
      ``polish`` of the pipeline (criticality, Hessian spectrum, higher-order tests).
    """

    global_loss: float = 1e-10
    function_match: float = 1e-4
    weight_match: float = 1e-3
    outgoing_match: float = 1e-3
    duplicate: float = 1e-5
    zero_outgoing: float = 1e-6
    escape_norm_growth: float = 1.02
    escape_loss_decrease: float = 1e-11
    escape_elasticity: float = 0.05
    snap: float = 1e-3
    snap_reach: float = 2.0
    polish_loss_rise: float = 1e-12
    neuron_growth: float = 1.01
    classification: Tolerances = field(default_factory=Tolerances)

    def escaping(self, growth: float, fall: float) -> bool:
        """The escape test of the class docstring: g ≥ ``escape_norm_growth``, δ ≥ ``escape_loss_decrease``
        and δ / log g ≤ ``escape_elasticity`` (g: ``growth`` of the weights' scale, δ: relative ``fall`` of L)."""
        return bool(growth >= self.escape_norm_growth and fall >= self.escape_loss_decrease
                    and fall <= self.escape_elasticity * np.log(growth))

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: Mapping) -> "EndpointTolerances":
        """The inverse of :meth:`to_dict` (JSON: ``classification`` as a mapping)."""
        values = dict(values)
        if isinstance(values.get("classification"), Mapping):
            values["classification"] = Tolerances(**values["classification"])
        return cls(**values)

