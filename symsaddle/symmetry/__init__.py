"""Symmetry-induced critical points and the teacher–student landscape (seed 003)."""

# --- teacher–student experiments (seed 003 §6.2.1–6.2.5; branch `teacher`) ---------------------
# (teacher_student.NotCriticalError is to be replaced by the slice's .errors.NotCriticalError at merge)
from .certificates import (CertificateStatus, NearbyMinimumCertificate, safran_shamir, safran_shamir_radius,
                           theorem1, theorem2)
from .closest_saddle import ClosestSaddle, SaddleStatus, closest_saddle, loss_slice_1d, loss_slice_2d
from .endpoints import (EndPoint, EndpointKind, EscapeEvidence, SIPredictor, SIStructure, TeacherMatch, Tolerances,
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
    "TeacherStudentConfig", "TeacherStudentProblem", "Tolerances", "Verdict", "WidthBelowTeacherError", "adam",
    "algorithm1", "algorithm2", "analyse_endpoint", "classify_run", "closest_saddle", "count_kinds",
    "expand_neuron", "duplicated_pairs", "eigenvalue_error_band", "escape_evidence", "loss_slice_1d",
    "loss_slice_2d", "match_teacher", "merge_pair", "neuron_distances", "null_direction_test", "run_experiment",
    "si_structure",
    "safran_shamir", "safran_shamir_radius", "slsqp_polish", "smallest_neuron_distance", "teacher_student_point",
    "theorem1", "theorem2", "trust_region_newton", "xavier_batch", "xavier_initialisation", "zero_type_neurons",
]
# --- end teacher–student -------------------------------------------------------------------------
