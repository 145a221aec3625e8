"""Symmetry-induced critical points and the teacher–student landscape (seed 003)."""

# --- teacher–student experiments (seed 003 §6.2.1–6.2.5; branch `teacher`) ---------------------
from .teacher_student import (NotCriticalError, TeacherShapeError, TeacherStudentProblem, WidthBelowTeacherError,
                              xavier_batch, xavier_initialisation)
