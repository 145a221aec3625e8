"""Matrix-calculus value and gradient of a deep linear objective, batched over networks.

Why a dedicated kernel: the step-size study of seed 001 §5.4 runs ~10⁶–10⁷ gradient steps
(100 networks × ~10 doublings × 5000 epochs) and the §4 experiment tens of thousands; the
per-sample symbolic kernel evaluates the per-sample Jacobian (P entries per output) at
≈ 2.4 ms per (value, gradient) for widths 5-4-4-5, whereas back-propagation through the
H matrix products costs O(H d³) per network and batches over networks with one ``matmul``.
That back-propagation is the core's layer-structured kernel
(:class:`symsaddle.StructuredKernel`, the default kernel of a ``deep_linear`` model);
:class:`DeepLinearKernel` is that kernel, restricted to deep linear objectives with the
square loss, so it also provides the Hessian and the directional derivatives (the
:class:`symsaddle.Kernel` protocol). It is tested against the per-sample kernel (itself
cross-checked against exact arithmetic, mpmath and finite differences by
``symsaddle.check``) and against the closed form below.

It reads the same data as every core kernel: the ≤ d_x + d_y pseudo-samples
``objective.kernel_data`` (rows R_x, R_y with R_xᵀR_x = Σ_XX, R_xᵀR_y = Σ_XY, R_yᵀR_y = Σ_YY),
so its cost does not depend on the number of samples. With the residual
E = W R_xᵀ − R_yᵀ (W = W_H⋯W_1, column convention):

    L = (c/2)‖E‖_F²,    ∇_{W_h} L = A_hᵀ (c E R_x) B_hᵀ,  A_h = W_H⋯W_{h+1},  B_h = W_{h-1}⋯W_1,

i.e. ∇_{W_h}L = 2 A_hᵀ (WΣ_XX − Σ_YX) B_hᵀ for c = 2 (the formula seed 001 §5.2 eq. (25)
gets wrong for H ≥ 2). Summing squared residuals avoids the cancellation of
tr Σ_YY − 2 tr(WΣ_XY) + tr(WΣ_XXWᵀ) near a small loss.
"""

from __future__ import annotations

from .. import StructuredKernel
from .. import Objective


class DeepLinearKernel(StructuredKernel):
    """The core layer-structured kernel of a ``deep_linear`` objective with the square loss."""

    def __init__(self, objective: Objective):
        if objective.model.name != "deep_linear" or objective.loss.name != "square":
            raise ValueError("DeepLinearKernel needs a deep_linear model with the square loss, got "
                             f"{objective.model.name!r} with {objective.loss.name!r}")
        super().__init__(objective)
        info = dict(objective.model.info)
        self.widths = tuple(info["widths"])
        self.convention = info["convention"]
