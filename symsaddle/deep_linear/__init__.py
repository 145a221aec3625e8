"""Deep linear networks (seed 001): critical points from theory, strict vs non-strict saddles,
sequential low-rank learning, and the fixed step-size bound of Nguegnang et al.

Modules: ``statistics`` (Σ_XX, Σ_XY, Σ_YY and the spectrum of Σ), ``network`` (weights,
layouts, the core objective), ``kernel`` (batched matrix-calculus L and ∇L), ``factorisations``
(balanced / strict / unbalanced critical points), ``achour`` (the theoretical
classification), ``critical_points`` (the verified survey), ``incremental`` (seed §4
plateaus and escapes), ``stepsize`` (seed §5 bound and doubling experiment), ``figures``,
``cases`` (``symsaddle reproduce deep-linear-critical-points | deep-linear-step-size``).
"""

from .achour import TheoryVerdict, achour_classification, is_tightened
from .critical_points import CriticalPoint, CriticalPointSurvey, subsets, survey_critical_points
from .factorisations import (Parametrisation, balanced_factorisation, factorise, strict_factorisation,
                             unbalanced_factorisation)
from .incremental import (EscapeRun, PlateauMatch, SequentialLearning, default_step, escape_times,
                          seed001_section4_data, sequential_learning)
from .kernel import DeepLinearKernel
from .network import balancedness, from_theta, objective, product, to_theta
from .statistics import SufficientStatistics
from .stepsize import (BoundStatus, DoublingResult, MFormula, Network, RunOutcome, StepSizeBound,
                       corrected_M, doubling_experiment, doubling_sweep, ladder_task, random_network, report_M,
                       step_size_bound)

__all__ = [
    "BoundStatus", "CriticalPoint", "CriticalPointSurvey", "DeepLinearKernel", "DoublingResult", "EscapeRun",
    "MFormula", "Network", "Parametrisation", "PlateauMatch", "RunOutcome", "SequentialLearning",
    "StepSizeBound", "SufficientStatistics", "TheoryVerdict", "achour_classification", "balanced_factorisation",
    "balancedness", "corrected_M", "default_step", "doubling_experiment", "doubling_sweep", "escape_times", "factorise",
    "from_theta", "is_tightened", "ladder_task", "objective", "product", "random_network", "report_M", "seed001_section4_data",
    "sequential_learning", "step_size_bound", "strict_factorisation", "subsets", "survey_critical_points",
    "to_theta", "unbalanced_factorisation",
]
