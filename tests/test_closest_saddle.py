"""The merge heuristic of seed 003 §6.2.5 (:func:`symsaddle.symmetry.closest_saddle`) on hand-built
teacher–student problems whose answer is known without running it."""

import numpy as np
import pytest

from symsaddle.symmetry import SaddleStatus, closest_saddle
from symsaddle.symmetry.teacher_student import TeacherStudentProblem

TEACHER_W = np.array([[0.7, -0.4]])
TEACHER_A = np.array([1.3])
GRID = np.array([[x1, x2] for x1 in np.linspace(-2.0, 2.0, 5) for x2 in np.linspace(-2.0, 2.0, 5)])


@pytest.mark.parametrize("mu0", [0.3, 1.7])                   # outgoing split inside and outside [0, 1]
@pytest.mark.parametrize("spread", [0.0, 0.05])                # the duplicated pair exactly equal, or pulled apart
@pytest.mark.parametrize("input_unit, output_unit", [(1.0, 1.0), (1e-3, 1e4)])
def test_a_student_that_merges_onto_the_teacher_has_no_saddle(mu0, spread, input_unit, output_unit):
    """Width-1 teacher (v, b); width-2 student w₁ = v + δ, w₂ = v − δ, a = (μ₀b, (1 − μ₀)b). Merging gives
    (v, b) — the teacher itself, L = 0 — for δ = 0 exactly, and for δ ≠ 0 after the penalty pulls the pair
    together and the reduced run converges (the width-1 square loss has the teacher as its global minimum).
    Every point θ(μ) of the duplicated line then implements the teacher: a global minimum (L ≥ 0), not a
    saddle, so the heuristic must say so and report no distance. Units: x → x·s, w → w/s, b → k·b
    (L → k²L) change nothing."""
    problem = TeacherStudentProblem(TEACHER_W / input_unit, output_unit * TEACHER_A, 2, GRID * input_unit)
    v, b = problem.teacher_W[0], problem.teacher_a[0]
    delta = spread * np.array([1.0, 2.0]) / input_unit
    student = problem.pack(np.array([v + delta, v - delta]), np.array([mu0 * b, (1 - mu0) * b]))
    result = closest_saddle(problem, student)
    assert result.status is SaddleStatus.REDUCED_GLOBAL_MINIMUM
    assert result.status.value == "reduced point is a global minimum (zero loss)"
    assert result.pair == (0, 1)
    assert result.distance is None and result.saddle_theta is None and result.mu is None
    np.testing.assert_allclose(result.reduced_theta, problem.teacher_theta(), rtol=1e-6, atol=1e-6 * np.abs(v).max())
    assert result.reduced_loss <= 1e-20 * problem.zero_network_loss
    assert result.reduced_kind == "minimiser"
    assert result.to_dict()["status"] == "reduced point is a global minimum (zero loss)"


def test_a_student_whose_reduced_network_cannot_fit_the_teacher_is_not_called_a_global_minimum():
    """Control: width-2 teacher with distinct neurons, the student at the teacher itself. Merging its only pair
    leaves a width-1 sigmoid network, which cannot equal a sum of two distinct sigmoids on the grid (σ(v₁·x),
    σ(v₂·x) and σ(w·x) are linearly independent functions for distinct v₁, v₂), so L > 0 at the reduced point
    and the new status must not appear."""
    teacher_W = np.array([[0.7, -0.4], [-0.5, 0.6]])
    problem = TeacherStudentProblem(teacher_W, np.array([1.3, -0.8]), 2, GRID)
    result = closest_saddle(problem, problem.teacher_theta())
    assert result.status is not SaddleStatus.REDUCED_GLOBAL_MINIMUM
    assert result.reduced_loss > 1e-6 * problem.zero_network_loss


def test_a_reduced_point_at_large_weights_with_positive_loss_is_not_called_a_global_minimum():
    """The reduced width-4 point of seed 003's init 115 (closest-saddle study, 200 initialisations): a
    derivative pair (w₀ ≈ w₁, a = 24.2, −23.6) escaping to infinity, L = 4.7e-5 = 3.6e-4·L(0) — not zero. The
    core's τ_L·s_L admits it as attaining the lower bound 0 (s_L's ‖H‖‖θ‖² term: ‖θ‖ = 34, ‖H‖ = 790), so the
    heuristic also asks for the slice's rule for a global end point, L ≤ global_loss·L(0)."""
    from symsaddle.critical import classify
    from symsaddle.symmetry.closest_saddle import attains_lower_bound

    problem = TeacherStudentProblem.seed003(4)
    theta = np.array([0.49960100049423367, 0.5147320593678915, 0.494395404015895, 0.519794376313473,
                      -0.7234737120777605, 0.601314608961313, 0.5266233212111341, -1.8030262857825785,
                      24.24795467497133, -23.620788695877533, -0.5534627684378792, -0.07410359517355335])
    core = classify(problem.kernel, theta, higher_order=False, lower_bound=problem.objective.lower_bound)
    assert core.loss > 1e-4 * problem.zero_network_loss
    assert not attains_lower_bound(problem, core)
    teacher = problem.teacher_theta()
    at_teacher = classify(problem.kernel, teacher, higher_order=False, lower_bound=problem.objective.lower_bound)
    assert attains_lower_bound(problem, at_teacher)


def test_fig6_9_says_how_many_end_points_it_leaves_out_and_why():
    """Fig. 6.9: end points whose reduced network is a global minimum have no saddle and no distance; the legend
    counts them per group (not silently dropped), and it stays off the bars."""
    import matplotlib.pyplot as plt

    from symsaddle.reports import text_overlaps
    from symsaddle.symmetry.figures_teacher import saddle_distance_histogram

    distances = {"local minima": [0.0, 0.77, 1.45], "escaping end points": [0.097, 0.5, 3.1, 11.6]}
    fig = saddle_distance_histogram(distances, excluded={"local minima": 0, "escaping end points": 4})
    fig.canvas.draw()
    texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert texts[:2] == ["local minima (3)", "escaping end points (4)"]
    assert texts[2].startswith("not shown: 4 of the escaping end points\n") and "global minimum" in texts[2]
    assert "local minima" not in texts[2]
    assert text_overlaps(fig) == []
    box = fig.axes[0].get_legend().get_window_extent()
    bars = [b.get_window_extent() for b in fig.axes[0].patches if b.get_height() > 0]
    assert bars and not any(box.overlaps(b) for b in bars)
    plt.close(fig)
    fig = saddle_distance_histogram(distances)
    assert len(fig.axes[0].get_legend().get_texts()) == 2
    plt.close(fig)
