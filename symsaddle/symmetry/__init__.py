"""Symmetry-induced critical points (seed 003: MSc thesis on mildly over-parameterised networks;
Şimşek et al. 2021, Brea et al. 2019, Fukumizu & Amari 2000).

Modules: ``layers`` (a hidden layer of a ``two_layer``/``mlp`` model as a set of neurons),
``operations`` (neuron symmetries: permute, duplicate, zero-type neurons, merge, the reflection
σ(−z) = α − σ(z); symbolic proof that the network function is unchanged), ``counting``
(T(r, m), G(r, m), brute-force enumeration, the Figure 4.4 ratio curve), ``inertia`` (Y, U and
the Hessian inertia along an SI line, Theorem 3 / Corollaries 3.1–3.2 as a predictor),
``digits``/``digits_line`` (§6.3: the 10-10-10 network on scikit-learn's digits, the descent's
critical / escaping / not-converged verdict, the SI line report), ``tolerances``, ``errors``, ``cases`` (``symsaddle reproduce symmetry-counts | symmetry-inertia |
digits-saddle-line``).
"""

from .counting import (AffineSubspace, RatioCurve, closed_forms, count_distinct, critical_subspace_count,
                       expansion_subspaces, global_minimum_subspace_count, is_irreducible, labellings, ratio_curve)
from .errors import (ActivationSymmetryError, NeuronIndexError, NeuronMismatchError, NotCriticalError,
                     SymmetryCheckError, UnsupportedModelError)
from .examples import CriticalPointSearch, SearchStatus, SIExample, find_critical_point
from .inertia import (Inertia, LayerSignals, LineSweep, LineVerdict, Segment, SILinePrediction, block_in_line_coordinates,
                      classify_segments, default_mus, layer_signals, line_coordinates, measure_si_line, predict_si_line,
                      widened_objective)
from .layers import HiddenLayer, LayerParameters, NetworkPoint, hidden_layer
from .operations import (add_zero_neuron, duplicate_neuron, function_difference, is_duplicated_pair,
                         max_function_difference, merge_neurons, move_along_si_line, permute_neurons,
                         reflect_neurons, reflection_offset, remove_zero_neuron, split_ratio, verify_same_function)
from .tolerances import DEFAULT_TOLERANCES, EndpointTolerances, SymmetryTolerances

__all__ = [
    # errors, tolerances, layer view
    "ActivationSymmetryError", "DEFAULT_TOLERANCES", "HiddenLayer", "LayerParameters", "NetworkPoint",
    "NeuronIndexError", "NeuronMismatchError", "NotCriticalError", "SymmetryCheckError", "SymmetryTolerances",
    "UnsupportedModelError", "hidden_layer",
    # neuron symmetries (part 1)
    "add_zero_neuron", "duplicate_neuron", "function_difference", "is_duplicated_pair", "max_function_difference",
    "merge_neurons", "move_along_si_line", "permute_neurons", "reflect_neurons", "reflection_offset",
    "remove_zero_neuron", "split_ratio", "verify_same_function",
    # counting (part 2)
    "AffineSubspace", "RatioCurve", "closed_forms", "count_distinct", "critical_subspace_count", "expansion_subspaces",
    "global_minimum_subspace_count", "is_irreducible", "labellings", "ratio_curve",
    # Theorem 3 as a predictor (part 3)
    "Inertia", "LayerSignals", "LineSweep", "LineVerdict", "SILinePrediction", "Segment", "block_in_line_coordinates",
    "classify_segments", "default_mus", "layer_signals", "line_coordinates", "measure_si_line", "predict_si_line",
    "widened_objective",
    # genuine critical points
    "CriticalPointSearch", "SIExample", "SearchStatus", "find_critical_point",
]

# --- teacher–student experiments (seed 003 §6.2.1–6.2.5) ---------------------
from .certificates import (CertificateStatus, NearbyMinimumCertificate, safran_shamir, safran_shamir_radius,
                           theorem1, theorem2)
from .closest_saddle import ClosestSaddle, SaddleStatus, closest_saddle, loss_slice_1d, loss_slice_2d
from .endpoints import (EndPoint, EndpointKind, EscapeEvidence, SIPredictor, SIStructure, TeacherMatch,
                        analyse_endpoint, count_kinds, expand_neuron, duplicated_pairs, escape_evidence,
                        match_teacher, merge_pair, neuron_distances, si_structure, smallest_neuron_distance,
                        zero_type_neurons)
from .escape import (NullDirectionTest, SearchResult, Verdict, algorithm1, algorithm2, eigenvalue_error_band,
                     null_direction_test)
from .experiment import (ExperimentResult, TeacherStudentConfig, classify_run, run_experiment,
                         teacher_student_point)
from .teacher_student import (TeacherShapeError, TeacherStudentProblem, WidthBelowTeacherError, xavier_batch,
                              xavier_initialisation)
from .training import BatchRun, RunStatus, adam, slsqp_polish, trust_region_newton

TEACHER_STUDENT_API = [
    "BatchRun", "CertificateStatus", "ClosestSaddle", "EndPoint", "EndpointKind", "EscapeEvidence",
    "ExperimentResult", "NearbyMinimumCertificate", "NullDirectionTest", "RunStatus",
    "SIPredictor", "SIStructure", "SaddleStatus", "SearchResult", "TeacherMatch", "TeacherShapeError",
    "TeacherStudentConfig", "TeacherStudentProblem", "EndpointTolerances", "Verdict", "WidthBelowTeacherError", "adam",
    "algorithm1", "algorithm2", "analyse_endpoint", "classify_run", "closest_saddle", "count_kinds",
    "expand_neuron", "duplicated_pairs", "eigenvalue_error_band", "escape_evidence", "loss_slice_1d",
    "loss_slice_2d", "match_teacher", "merge_pair", "neuron_distances", "null_direction_test", "run_experiment",
    "si_structure",
    "safran_shamir", "safran_shamir_radius", "slsqp_polish", "smallest_neuron_distance", "teacher_student_point",
    "theorem1", "theorem2", "trust_region_newton", "xavier_batch", "xavier_initialisation", "zero_type_neurons",
]
__all__ += TEACHER_STUDENT_API
