"""Diagonal linear networks (seed 000; Pesme & Flammarion 2023): saddle-to-saddle dynamics.

    p = u ⊙ v,   F(v, u) = L(u ⊙ v) = 1/(2n) Σ_i (⟨u ⊙ v, x_i⟩ − y_i)²,   u₀ = √2γ1, v₀ = 0.

Modules: ``problem`` (data, L, ∇L, the core kernel in θ = [v, u]), ``weights`` (log-space
weights, exact at any γ), ``simulate`` (exact gradient flow in the dual variable; gradient
descent in log space), ``limit`` (Algorithm 1 of P&F; the min-ℓ1 LP), ``saddles`` (plateaus,
polish, classification, jump directions, comparison with the limit), ``equilibria`` (all
sparse equilibria and their index), ``mirror`` (the flow's end point at finite γ), ``nonzero``
(seed §5.4), ``reference`` (the seed's float64 loop, mpmath GD, float64 information loss),
``study`` (runs at several γ and tables), ``figures``; ``cases`` registers
``symsaddle reproduce diagonal-<case>``.
"""

from .equilibria import SparseEquilibrium, balanced_theta, hessian_spectrum, sparse_equilibria
from .limit import LimitPath, LimitSaddle, LimitStatus, limit_path, min_l1_minimiser
from .mirror import FlowLimit, flow_limit
from .nonzero import ProtocolResult, divergence_threshold, seed_protocol_minimiser
from .problem import DiagonalProblem
from .reference import Float64Loss, float64_loss, mpmath_gradient_descent, seed_loop
from .saddles import (JumpDirection, SaddleComparison, VisitedSaddle, compare_with_limit, jump_directions,
                      visited_saddles)
from .simulate import DiagonalTrajectory, gradient_descent, gradient_flow
from .study import ScaleRun, comparison_rows, convergence_study, equilibria_rows, jump_rows, visited_rows
from .weights import Initialisation

__all__ = [
    "DiagonalProblem", "DiagonalTrajectory", "FlowLimit", "Float64Loss", "Initialisation", "JumpDirection",
    "LimitPath", "LimitSaddle", "LimitStatus", "ProtocolResult", "SaddleComparison", "ScaleRun",
    "SparseEquilibrium", "VisitedSaddle", "balanced_theta", "compare_with_limit", "comparison_rows",
    "convergence_study", "divergence_threshold", "equilibria_rows", "float64_loss", "flow_limit",
    "gradient_descent", "gradient_flow", "hessian_spectrum", "jump_directions", "jump_rows", "limit_path",
    "min_l1_minimiser", "mpmath_gradient_descent", "seed_loop", "seed_protocol_minimiser", "sparse_equilibria",
    "visited_rows", "visited_saddles",
]
