"""Two-homogeneous networks, the neural correlation function and its KKT points (seed 002).

Kumar & Haupt, "Directional Convergence Near Small Initializations and Saddles in
Two-Homogeneous Neural Networks" (TMLR 2024, arXiv 2402.09226).

    homogeneity   exact check H(x; cθ) = c²H(x; θ), separability, restriction to blocks
    networks      neuron blocks of two-layer nets; deep ReLU with two trainable layers
    function      N_{z,H}(u) = zᵀH(X; u) at the origin (z = −ℓ′(0, y)) and at a saddle (residual)
    sphere        tangent chart, Clarke-KKT residual, classification on the sphere
    kkt           numerical KKT points (ascent on the sphere, Newton, certification)
    closed_form   Lagrange systems in SymPy; Appendix G closed forms
    alignment     directional convergence measured along gradient descent
    small_init    the Figure 1 toy (squared ReLU; two-layer ReLU)
    saddle        the Appendix D.3 saddle experiment
    nonsmooth     the kink convention, a branching and a non-branching flow
    plots         figures
"""

from .alignment import Alignment, BlockRegime, alignment_study, block_ncfs, neuron_vectors
from .closed_form import (ClosedFormKKT, diagonal_linear_kkt, lagrange_kkt, relu_neuron_2d_kkt,
                          symmetric_squared_relu_kkt)
from .errors import NotCriticalError, NotSeparableError, ZeroCorrelationError, ZeroDirectionError
from .function import NCF, SaddleNCF, ncf_at_origin, ncf_at_saddle, origin_correlation
from .homogeneity import (HomogeneityReport, HomogeneityStatus, check_separable, check_two_homogeneous,
                          require_two_homogeneous, restrict)
from .kkt import KKTPoint, KKTSearch, ascend_on_sphere, find_kkt_points, flow_limits, kkt_point, nearest
from .networks import deep_relu_two_trainable, neuron_groups
from .nonsmooth import branching_example, convention_counterexample, non_branching_example
from .saddle import d3_saddle, saddle_study
from .small_init import LongRun, figure1_data, long_run, small_init_study
from .sphere import (SphereChart, SphereClassification, SphereKind, angle_between, classify_on_sphere,
                     clarke_kkt_residual)

__all__ = [
    "Alignment", "BlockRegime", "ClosedFormKKT", "HomogeneityReport", "HomogeneityStatus", "KKTPoint", "KKTSearch",
    "LongRun", "NCF", "NotCriticalError", "NotSeparableError", "SaddleNCF", "SphereChart",
    "SphereClassification", "SphereKind", "ZeroCorrelationError", "ZeroDirectionError", "alignment_study",
    "angle_between", "ascend_on_sphere", "block_ncfs", "branching_example", "check_separable",
    "check_two_homogeneous", "clarke_kkt_residual", "classify_on_sphere", "convention_counterexample",
    "d3_saddle", "deep_relu_two_trainable", "diagonal_linear_kkt", "figure1_data", "find_kkt_points",
    "flow_limits", "kkt_point", "lagrange_kkt", "long_run", "ncf_at_origin", "ncf_at_saddle",
    "nearest", "neuron_groups", "neuron_vectors", "non_branching_example", "origin_correlation",
    "relu_neuron_2d_kkt", "require_two_homogeneous", "restrict", "saddle_study", "small_init_study",
    "symmetric_squared_relu_kkt",
]
