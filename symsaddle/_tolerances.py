"""The one tolerance object of the classification (issue 8, part 1).

Every threshold of :func:`symsaddle.critical.classify` and :func:`symsaddle.critical.polish`
is a dimensionless factor times the natural scale of the quantity it tests, so a verdict
is invariant under L → c·L and θ → θ/s (the function θ' ↦ c·L(s·θ') at θ' = θ/s): a
quantity of units L/θᵐ scales as c·sᵐ, and so does its scale. The scales (with
H = ∇²L(θ), ‖H‖ = max |λ_i|, N the Hessian's null space, k = dim N, R its range with
eigenvectors v_r and eigenvalues λ_r, 𝒫 the probe directions: θ/‖θ‖, the eigenvectors of the
three largest and of the smallest non-zero |λ_i|, and (z + v)/√2 for two fixed directions
z ∈ N and v the eigenvectors of the largest and smallest |λ_i| — the mixed terms D³L[z, z, v]
carry the rounding error of the computed N into the forms on N, so they belong in the scale):

* gradient (L/θ):       s_g = ‖H‖·‖θ‖ + √(2|L|·‖H‖)
  (‖H‖‖θ‖: the gradient a relative move of θ produces; √(2|L|‖H‖): the largest gradient
  a function with |L| above its infimum and curvature ‖H‖ can have)
* eigenvalues (L/θ²):   s_λ = ‖H‖
* loss (L):             s_L = |L| + |L_lb| + ‖H‖·‖θ‖²
* cubic on N (L/θ³):    s₃ = max(‖D³L|_N‖_F, max_{v∈𝒫} |D³L[v]³|, ‖H‖/‖θ‖)
* quartic on N (L/θ⁴):  s₄ = max(‖D⁴L|_N‖_F/24, ⅛ Σ_r ‖D³L[·,·,v_r]|_N‖_F²/|λ_r|,
                                max_{v∈𝒫} |D⁴L[v]⁴|/24, ‖H‖/‖θ‖², ‖q‖_F)
  (‖H‖/‖θ‖ᵐ⁻²: the size of Dᵐ for a curvature that changes over the length ‖θ‖, the resolution
  the gradient test's s_g = ‖H‖‖θ‖ + … implies; without it a form at rounding level sets its own
  scale where L is flat along every probe, e.g. at saturated units; 0 at θ = 0)

A point where every scale vanishes (the monkey saddle a³ − 3ab² at the origin: H = 0) is
decided by exact zeros: a quantity is zero only if it is at most its tolerance, and a
tolerance of 0 admits only an exact 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields


@dataclass(frozen=True)
class Tolerances:
    """Dimensionless tolerances of the classification; every field is a formula.

    ``gradient``:      θ is critical if ‖∇L‖ ≤ gradient · s_g.
    ``eigenvalue``:    λ counts as zero if |λ| ≤ eigenvalue · s_λ.
    ``ambiguity``:     a tested quantity x with tol < |x| ≤ ambiguity · tol cannot be given a
                       sign or called zero: the verdict is "inconclusive" (tol is the quantity's
                       tolerance, e.g. eigenvalue · s_λ).
    ``loss``:          L attains a declared lower bound L_lb if |L − L_lb| ≤ loss · s_L, and lies
                       below it (an inconsistency) if L < L_lb − loss · s_L.
    ``cubic``:         the cubic form D³L[u]³ on N vanishes if ‖D³L|_N‖_F ≤ cubic · s₃.
    ``quartic``:       the reduced quartic q(u) = D⁴L[u]⁴/24 − ⅛ b(u)ᵀH⁺b(u), b(u) = D³L[u,u,·],
                       is zero / positive / negative on the unit sphere of N relative to
                       quartic · s₄.
    ``manifold_step``: the Morse–Bott check moves t = manifold_step · ‖θ‖ along each null
                       direction (and t/2).
    ``manifold``:      a corrected point θ_t is critical with equal loss if
                       ‖∇L(θ_t)‖ ≤ manifold · s_g(θ_t) and |L(θ_t) − L(θ)| ≤ manifold · s_L; its
                       normal correction w(t) is negligible if ‖w(t)‖ ≤ manifold · t.
    ``manifold_order``: otherwise the correction is O(t²) if ‖w(t/2)‖/‖w(t)‖ lies within
                       ¼·(1 ± manifold_order).
    ``newton_reduction``: when ‖∇L‖ passes the gradient test only through the √(2|L|‖H‖) term of s_g
                       (‖∇L‖ > gradient · ‖H‖‖θ‖) and the Newton step δ = −Σ_r (v_rᵀ∇L/λ_r) v_r over the
                       eigenvalues outside the ambiguous band is longer than gradient · ‖θ‖, θ is taken as
                       critical only if ‖∇L(θ + δ)‖ ≤ newton_reduction · ‖∇L(θ)‖: the quadratic model that
                       the √ term trusts must describe L over δ. Near a critical point the ratio is
                       O(‖δ‖/r), r the length over which H changes; towards a critical point at infinity
                       (saturated units: ∇L ∝ e^{−w·x}; tails ∝ w^{−p}) a Newton step only reduces ∇L by
                       a fixed factor ≥ 1/e ≈ 0.37 (e^{−1}; (1 + 1/(p+1))^{−(p+1)}), whatever the scale.
    ``polish_distance``: :func:`~symsaddle.critical.polish` flags a result farther than
                       polish_distance · ‖θ₀‖ from its start θ₀ (unless ``max_distance`` is given).
    ``polish_refinement``: :func:`~symsaddle.dynamics.visited_equilibria` polishes a plateau point
                       whose classification is inconclusive once more, to ‖∇L‖ ≤ polish_refinement ·
                       τ_g·s_g, and keeps the new point if its classification decides (a point that is
                       critical to tolerance but lies along an almost flat direction, e.g. the end of a
                       gradient-descent run whose Hessian has an eigenvalue in the ambiguous band).
    """

    gradient: float = 1e-9
    eigenvalue: float = 1e-8
    ambiguity: float = 100.0
    loss: float = 1e-9
    cubic: float = 1e-8
    quartic: float = 1e-8
    manifold_step: float = 1e-2
    manifold: float = 1e-11
    manifold_order: float = 0.5
    newton_reduction: float = 0.1
    polish_distance: float = 1.0
    polish_refinement: float = 1e-3

    def __post_init__(self):
        for f in fields(self):
            v = getattr(self, f.name)
            if not isinstance(v, (int, float)) or not math.isfinite(v) or v <= 0:
                raise ValueError(f"Tolerances.{f.name} must be a positive finite number, got {v!r}")
        if self.ambiguity < 1:
            raise ValueError(f"Tolerances.ambiguity must be ≥ 1, got {self.ambiguity!r}")
        if self.manifold_order >= 1:
            raise ValueError(f"Tolerances.manifold_order must be < 1, got {self.manifold_order!r}")
        if self.polish_refinement >= 1:
            raise ValueError(f"Tolerances.polish_refinement must be < 1 (a tighter target), "
                             f"got {self.polish_refinement!r}")
        if self.manifold_step >= 1:
            raise ValueError(f"Tolerances.manifold_step must be < 1 (a small relative step), "
                             f"got {self.manifold_step!r}")

    def to_dict(self) -> dict[str, float]:
        return {f.name: float(getattr(self, f.name)) for f in fields(self)}


#: The defaults, used when a call does not pass its own ``tolerances``.
DEFAULT_TOLERANCES = Tolerances()
