"""Figures a paper can use: no backend switching, and no overlapping text in any saved figure.

``reports.save_figure`` measures every drawn text's bounding box with the renderer and warns
(``FigureLayoutWarning``, an error under pytest: see ``pyproject.toml``) when two overlap. So
every test that saves a figure — the demo and reproduction tests in ``test_cli``,
``test_*_cases`` and the slow runs below — is also a layout test.
"""

import json
import subprocess
import sys
import warnings

import matplotlib
import numpy as np
import pytest

from symsaddle.cli import main
from symsaddle.reports import FigureLayoutWarning, figure, save_figure, text_overlaps


def test_the_detector_finds_texts_drawn_on_top_of_each_other():
    fig, ax = figure()
    ax[0, 0].text(0.5, 0.5, "first label")
    ax[0, 0].text(0.5, 0.5, "second label")
    assert ("first label", "second label") in text_overlaps(fig)


def test_the_detector_finds_tick_labels_running_together():
    import matplotlib.pyplot as plt                   # a plain figure, without the layout of reports.figure
    fig, ax = plt.subplots(figsize=(2.0, 1.5))
    ax.plot([0, 700_000], [0, 1])
    ax.set_xticks(np.arange(0, 700_001, 100_000), [f"{t:d}" for t in range(0, 700_001, 100_000)])
    pairs = text_overlaps(fig)
    plt.close(fig)
    assert any(a.isdigit() and b.isdigit() for a, b in pairs)


def test_the_figure_helper_keeps_long_iteration_axes_apart():
    fig, ax = figure(ncols=2, width=4.0, height=3.0)
    for a in ax.flat:
        a.plot(np.arange(0, 700_001, 1000), np.arange(0, 701))
        a.set(xlabel="iteration", ylabel="a long label for the vertical axis", title="a title")
    assert text_overlaps(fig) == []


def test_hidden_axes_do_not_count():
    fig, ax = figure()
    twin = ax[0, 0].twinx()                            # shares x: its own x tick labels are hidden
    ax[0, 0].plot(np.arange(50_000), np.arange(50_000))
    twin.semilogy([0, 50_000], [1e-4, 1.0])
    assert text_overlaps(fig) == []


def test_save_figure_warns_on_overlap(tmp_path):
    fig, ax = figure()
    ax[0, 0].set_title("same place")
    ax[0, 0].text(0.5, 1.02, "same place too", transform=ax[0, 0].transAxes, ha="center")
    with pytest.warns(FigureLayoutWarning, match="overlapping text"):
        save_figure(fig, tmp_path, "bad")


@pytest.mark.slow
def test_library_code_never_selects_a_backend():
    code = ("import matplotlib; before = matplotlib.get_backend(); "
            "import symsaddle.reports as r, symsaddle.diagonal.figures, symsaddle.deep_linear.figures, "
            "symsaddle.ncf.plots; r.figure(); print(before == matplotlib.get_backend())")
    env = {"MPLBACKEND": "svg", "PATH": ""}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    assert out.strip() == "True"


def test_colours_are_distinct_for_up_to_seven_lines():
    fig, ax = figure()
    lines = [ax[0, 0].plot([0, 1], [k, k])[0] for k in range(7)]
    colours = [matplotlib.colors.to_hex(line.get_color()) for line in lines]
    assert len(set(colours)) == 7
    styles = [ax[0, 0].plot([0, 1], [k, k])[0].get_linestyle() for k in range(7, 14)]
    assert set(styles) == {"--"}                       # the next seven repeat the colours, dashed


# -- every figure the reproductions make: the demo, diagonal d2n1, deep-linear-critical-points and both
# NCF cases are saved by test_cli / test_*_cases; d7n5 (the most coordinates and iterations of the
# diagonal cases, which share their figure code) and sparse-to-dense here; the step-size figures with
# all four depths below ----------------------------------------------------------------------------

@pytest.mark.slow
def test_d7n5_reproduction_figures_have_no_overlapping_text(d7n5_reproduction):
    """The d7n5 run (conftest ``d7n5_reproduction``, shared with the Table 9 and float64 tests) saves its
    figures with ``FigureLayoutWarning`` as an error."""
    files = d7n5_reproduction.result["files"]
    assert sum(f.endswith(".png") for f in files) >= 2
    assert all((d7n5_reproduction.folder / f).is_file() for f in files)      # relative to result.json's folder


@pytest.mark.slow
def test_reproduction_figures_have_no_overlapping_text(tmp_path, capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("error", FigureLayoutWarning)
        assert main(["reproduce", "diagonal-sparse-to-dense", "--json", "--out", str(tmp_path)]) == 0
    files = json.loads(capsys.readouterr().out)["files"]
    assert sum(f.endswith(".png") for f in files) >= 2


@pytest.mark.slow
def test_step_size_figures_with_all_four_depths(stepsize_four_depths):
    """The figure-6 panels side by side for the four configurations of the case (reduced counts; conftest
    ``stepsize_four_depths``, shared with test_deep_linear_cases, saves them with FigureLayoutWarning as an error)."""
    result, folder = stepsize_four_depths
    assert len(result["summary"]) == 4
    assert {"figure3_ladder.png", "figure4_5_bounds.png", "figure6_ratio.png"} <= {p.name for p in folder.iterdir()}


@pytest.mark.parametrize("values", [[-0.0338, 3.18e-7], [3e-7, -1e-2, 5.0], [-0.5, 2e-11], [1e-3, 1e2]])
def test_symlog_ticks_never_run_together(values):
    """Fig. 6.3's axis with few points: a few decades on one side, many on the other (labels collided)."""
    from symsaddle.reports import symlog_ticks
    fig, ax = figure(width=5.5, height=3.8)
    ax = ax[0, 0]
    ax.scatter(np.logspace(-3, -32, len(values)), values)         # losses of the end points
    ax.set_xscale("log")
    ax.set_yscale("symlog", linthresh=1e-12)
    ax.set_yticks(symlog_ticks(np.array(values), 1e-12))
    fig.canvas.draw()
    assert text_overlaps(fig) == []


# -- figure fixes after the new-user trial: what each figure claims can be read off it --------------------------

def _drawn_tick_labels(axis) -> list[tuple[float, str]]:
    """(position, text) of the labelled major ticks inside the view of ``axis``."""
    axis.axes.figure.canvas.draw()
    lo, hi = sorted(axis.get_view_interval())
    return [(t.get_loc(), t.label1.get_text()) for t in axis.get_major_ticks()
            if lo <= t.get_loc() <= hi and t.label1.get_visible() and t.label1.get_text().strip()]


def _inside(inner, outer, tol: float = 0.5) -> bool:
    return (inner.x0 >= outer.x0 - tol and inner.x1 <= outer.x1 + tol and inner.y0 >= outer.y0 - tol
            and inner.y1 <= outer.y1 + tol)


def _overlap(a, b) -> bool:
    return min(a.x1, b.x1) > max(a.x0, b.x0) and min(a.y1, b.y1) > max(a.y0, b.y0)


@pytest.mark.parametrize("values", [[-5.3e-11, -2.3e-12, 6.6e-6], [-3e-12, 1e-3], [2e-12, -0.4]])
def test_symlog_ticks_label_each_sign_with_data_beyond_the_band(values):
    """A sign whose values lie less than two decades above linthresh = 1e-12 still gets a labelled tick, at the
    decade just below its largest magnitude (fig6_3 had no label on the negative side)."""
    from symsaddle.reports import symlog_ticks
    ticks = symlog_ticks(np.array(values), 1e-12)
    for sign in (-1, 1):
        side = [v for v in values if np.sign(v) == sign]
        largest = max(abs(v) for v in side)
        assert any(np.sign(t) == sign and abs(t) <= largest for t in ticks)
        assert all(abs(t) <= largest for t in ticks if np.sign(t) == sign)   # none beyond the data


def _fig63_points():
    from types import SimpleNamespace
    from symsaddle.symmetry.endpoints import EndpointKind
    # the end points of `reproduce teacher-student --inits 10 --seed 0` (rounded): negative λ only just
    # beyond linthresh, the local minimum the largest λ (its marker was cut by the top border)
    rows = [(EndpointKind.GLOBAL, 1.6e-14, 1.7e-14), (EndpointKind.GLOBAL, 1.5e-26, 3.2e-7),
            (EndpointKind.LOCAL_MINIMUM, 6.9e-5, 6.6e-6), (EndpointKind.GLOBAL, 2.2e-17, -1.4e-11),
            (EndpointKind.GLOBAL, 3.4e-18, -2.3e-12), (EndpointKind.DIVERGING, 1.0e-4, 6.8e-11),
            (EndpointKind.GLOBAL, 4.3e-14, -5.3e-11), (EndpointKind.GLOBAL, 5.8e-16, 1.8e-9)]
    return [SimpleNamespace(kind=k, loss=loss, min_eig=lam) for k, loss, lam in rows]


def test_fig6_3_labels_both_signs_and_keeps_every_marker_inside_the_frame():
    from symsaddle.symmetry.figures_teacher import eigenvalue_loss_figure
    fig = eigenvalue_loss_figure(_fig63_points())
    ax = fig.axes[0]
    labels = _drawn_tick_labels(ax.yaxis)
    assert any(loc < 0 for loc, _ in labels) and any(loc > 0 for loc, _ in labels)
    frame = ax.get_window_extent()
    for collection in ax.collections:                  # every scatter marker's drawn extent, in pixels
        centres = collection.get_offset_transform().transform(collection.get_offsets())
        radius = np.sqrt(collection.get_sizes().max()) / 2 * fig.dpi / 72     # s is the marker area in pt²
        assert np.all(centres[:, 1] + radius <= frame.y1) and np.all(centres[:, 1] - radius >= frame.y0)
        assert np.all(centres[:, 0] + radius <= frame.x1) and np.all(centres[:, 0] - radius >= frame.x0)
    legend = ax.get_legend().get_window_extent()
    assert legend.x0 >= frame.x1                       # beside the points, not on them
    assert text_overlaps(fig) == []
    matplotlib.pyplot.close(fig)


def _matched_student():
    """A width-5 student that implements the seed-003 teacher: v₁ split into two halves (b₁/2 each) and
    v₂ flipped (w = −v₂, a = −b₂, whose σ(−z) = 1 − σ(z) leaves a constant); its labels and the expected
    effective outgoing weights (b itself) are built here, not by the code under test."""
    from symsaddle.symmetry.teacher_student import TeacherStudentProblem
    problem = TeacherStudentProblem.seed003(5)
    V, b = problem.teacher_W, problem.teacher_a
    W = np.vstack([V[0], -V[1], V[2], V[3], V[0]])
    a = np.array([b[0] / 2, -b[1], b[2], b[3], b[0] / 2])
    labels = (("teacher", 0, 1), ("teacher", 1, -1), ("teacher", 2, 1), ("teacher", 3, 1), ("teacher", 0, 1))
    return problem, problem.pack(W, a), labels


def test_fig6_4_legend_clear_of_the_bars_and_colour_bar_apart_from_the_right_y_label():
    from symsaddle.symmetry.figures_teacher import neurons_figure
    problem, theta, labels = _matched_student()
    fig = neurons_figure(problem, theta, labels=labels)
    fig.canvas.draw()
    left, right = fig.axes[0], fig.axes[1]
    bars = [p for p in right.patches]
    heights = sorted(p.get_height() for p in bars)
    assert np.allclose(heights, sorted(np.concatenate([problem.teacher_a, problem.teacher_a])))
    legend = right.get_legend().get_window_extent()
    assert not any(_overlap(legend, p.get_window_extent()) for p in bars)
    colour_bar = next(a for a in fig.axes if a not in (left, right))
    assert colour_bar.get_window_extent().y1 <= left.get_window_extent().y0      # below the panel
    assert text_overlaps(fig) == []
    matplotlib.pyplot.close(fig)


def test_fig6_4_without_a_teacher_match_says_why_there_are_no_student_bars():
    from symsaddle.symmetry.figures_teacher import neurons_figure
    problem, theta, _ = _matched_student()
    fig = neurons_figure(problem, theta, labels=None, no_match_note="escaping: no finite effective weights")
    fig.canvas.draw()
    right = fig.axes[1]
    assert len(right.patches) == len(problem.teacher_a)                          # the teacher's bars only
    note = [t for t in right.texts if t.get_text() == "escaping: no finite effective weights"]
    assert len(note) == 1
    box = note[0].get_window_extent()
    assert _inside(box, right.get_window_extent())
    assert not any(_overlap(box, p.get_window_extent()) for p in right.patches)
    matplotlib.pyplot.close(fig)


@pytest.fixture(scope="module")
def deep_layer_sweep():
    """The deep-layer SI line on 13 μ (≈ 5 s): its ends, μ = −1 and 2, are undecided (an eigenvalue enters the
    ambiguous band there; `reproduce symmetry-inertia` decides 89 of 101 μ)."""
    from symsaddle.symmetry.examples import deep_layer_example
    from symsaddle.symmetry.inertia import default_mus, measure_si_line, predict_si_line
    ex = deep_layer_example()
    return measure_si_line(predict_si_line(ex.objective, ex.theta, ex.neuron, layer=ex.layer), default_mus(10))


def test_spectrum_figure_draws_counts_as_steps_and_markers_and_marks_undecided_mu(deep_layer_sweep):
    from symsaddle.symmetry.figures import spectrum_figure
    sweep = deep_layer_sweep
    fig = spectrum_figure(sweep, title="deep-layer")
    fig.canvas.draw()
    ax, bx = fig.axes[0], fig.axes[1]
    for line in bx.get_lines():                        # an integer count is never joined by a sloped line
        assert line.get_drawstyle().startswith("steps") or line.get_linestyle() in ("None", "")
    undecided = ~np.asarray(sweep.decided)
    assert undecided[0] and undecided[-1]              # the sweep this test is about
    spans = [p for p in bx.patches]                    # axvspan patches, one per run of undecided μ
    covered = [any(p.get_x() <= mu <= p.get_x() + p.get_width() for p in spans) for mu in sweep.mus]
    assert covered == list(undecided)
    assert any("undecided" in t.get_text() for t in bx.get_legend().get_texts())
    for a in (ax, bx):                                 # legends below the panels, off the curves
        assert a.get_legend().get_window_extent().y1 <= a.get_window_extent().y0
    assert text_overlaps(fig) == []
    matplotlib.pyplot.close(fig)


def test_gamma5_run_of_the_divergence_test_converges():
    """The γ = 5 figure shows the run the §5.4 verdict rests on (DIVERGENCE_TEST_STEPS updates); its title
    says GD converges: the loss must fall to rounding level, relative to where it starts."""
    from symsaddle.diagonal.cases import DIVERGENCE_TEST_STEPS
    from symsaddle.diagonal.problem import DiagonalProblem
    from symsaddle.diagonal.simulate import gradient_descent
    from symsaddle.diagonal.weights import Initialisation
    problem = DiagonalProblem.seed000(7, 5, (10, 20, 0, 0, 0, 0, 0))
    run = gradient_descent(problem, Initialisation.seed000_nonzero(7, 5.0), 0.01, DIVERGENCE_TEST_STEPS)
    assert run.loss[-1] <= 1e3 * np.finfo(float).eps ** 2 * run.loss[0]


def test_limit_path_marks_a_zero_loss_instead_of_drawing_it_at_a_floor():
    from symsaddle.diagonal.figures import limit_path_figure
    times = np.array([0.0, 1.0, 2.5])
    betas = np.array([[0.0, 0.0], [0.5, 0.0], [1.0, -0.5]])
    losses = np.array([0.5, 0.1, 0.0])                 # the last saddle interpolates: L = 0 exactly
    fig = limit_path_figure(times, betas, losses)
    fig.canvas.draw()
    ax = fig.axes[0]
    drawn = np.concatenate([line.get_ydata() for line in ax.get_lines() if line.get_transform() == ax.transData])
    drawn = drawn[np.isfinite(drawn)]
    assert set(np.round(drawn, 12)) <= {0.5, 0.1}      # only the positive losses sit on the log axis
    marks = [t for t in ax.texts if t.get_text() == "L = 0"]
    assert len(marks) == 1
    frame = ax.get_window_extent()
    mark = marks[0].get_window_extent()
    assert frame.y0 <= mark.y0 <= frame.y0 + 0.15 * frame.height     # at the bottom edge
    assert frame.x0 + frame.width * 2.5 / (2.5 * 1.15) * 0.9 <= mark.x1 # over the last piece, t ≥ 2.5
    assert text_overlaps(fig) == []
    matplotlib.pyplot.close(fig)


def test_limit_path_marks_a_rounding_residue_loss_below_the_axis_and_keeps_the_plateaus_apart():
    """A minimiser whose computed loss is 2e-32 (residual at float64 rounding level, below eps·max L): it is
    written along the bottom edge, and the log axis spans the plateaus (0.5 … 0.1), not 30 decades more."""
    from symsaddle.diagonal.figures import limit_path_figure
    times = np.array([0.0, 1.0, 2.5])
    betas = np.array([[0.0, 0.0], [0.5, 0.0], [1.0, -0.5]])
    fig = limit_path_figure(times, betas, np.array([0.5, 0.1, 1.9e-32]))
    fig.canvas.draw()
    ax = fig.axes[0]
    bottom, top = ax.get_ylim()
    assert np.log10(top / bottom) <= 3                                  # 0.1 … 0.5 take most of the height
    assert [t.get_text() for t in ax.texts if t.get_text().startswith("L")] == ["L = 2e-32"]
    assert text_overlaps(fig) == []
    matplotlib.pyplot.close(fig)


def test_l1_figure_zooms_a_panel_on_the_transition_a_fifty_decade_axis_squashes():
    """‖p‖₁ flat from γ = 1e-50 to ≈1e-3, rising around γ ≈ 1 (seed 000 §5.4's shape): the left panel keeps
    every γ, the right one spans a few decades around the rise, which takes most of its width."""
    from symsaddle.diagonal.figures import l1_figure
    gammas = np.logspace(-50, np.log10(3.0), 2000)
    l1 = 30 + 9 * gammas ** 2 / (1 + gammas ** 2)
    fig = l1_figure(gammas, l1, [1e-50, 1.0], [30.0, 34.5], 30.0, 39.0)
    fig.canvas.draw()
    full, zoom = fig.axes[:2]
    assert full.get_xlim()[0] <= 1e-50 and full.get_xlim()[1] >= 3
    low, high = zoom.get_xlim()
    assert 1e-4 <= low and high >= 3 and np.log10(high / low) <= 6
    rise = gammas[l1 - l1[0] > 0.01 * (l1[-1] - l1[0])]              # from 1 % of the change on
    assert np.log10(rise[-1] / rise[0]) / np.log10(high / low) >= 0.4  # the full axis gives it 3 %
    assert text_overlaps(fig) == []
    matplotlib.pyplot.close(fig)


def test_figure_4_4_legend_explains_every_line_style_and_its_axis_ends_near_the_data():
    """Every drawn (colour, line style) pair has a legend entry (a prop-cycle dash on an unlabelled grey line
    would mean nothing to a reader), and the log axis ends within a decade above the largest ratio."""
    from matplotlib.colors import to_hex
    from symsaddle.symmetry.counting import ratio_curve
    from symsaddle.symmetry.figures import ratio_figure
    curve = ratio_curve(30, 40)
    fig = ratio_figure(curve)
    fig.canvas.draw()
    ax = fig.axes[0]
    style = lambda line: (to_hex(line.get_color()), line.get_linestyle())
    drawn = {style(line) for line in ax.get_lines()}
    explained = {style(handle) for handle in ax.get_legend().legend_handles}
    assert drawn <= explained, drawn - explained
    largest = max(max(curve.total), max(max(v) for v in curve.ratios.values()))
    assert largest <= ax.get_ylim()[1] <= 10 * largest
    matplotlib.pyplot.close(fig)


# -- legends must not cover data (new-user trial: legends over curves and reference levels) -------------------

def test_the_legend_detector_flags_a_legend_over_data_points():
    """Points on a regular grid fill the whole axes: a legend inside must cover some of them."""
    from symsaddle.reports import legend_overlaps
    fig, ax = figure()
    gx, gy = np.meshgrid(np.linspace(0, 1, 30), np.linspace(0, 1, 30))
    ax[0, 0].plot(gx.ravel(), gy.ravel(), "o", ms=2, label="grid points")
    ax[0, 0].legend(loc="upper right")
    assert [name for _, name in legend_overlaps(fig)] == ["grid points"]


def test_the_legend_detector_flags_a_reference_line_crossing_the_legend():
    """An axhline through the legend's centre has no vertex inside the box, only a segment across it."""
    from symsaddle.reports import legend_overlaps
    fig, ax = figure()
    ax[0, 0].plot([0, 1], [0, 0.1], label="data")
    legend = ax[0, 0].legend(loc="center")
    fig.canvas.draw()
    box = legend.get_window_extent(fig.canvas.get_renderer())
    middle = ax[0, 0].transData.inverted().transform(((box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2))[1]
    ax[0, 0].axhline(middle, color="0.5", label="level")
    assert ("data", "level") in legend_overlaps(fig)


def test_a_legend_outside_the_axes_or_in_an_empty_corner_passes(tmp_path):
    from symsaddle.reports import legend_overlaps
    fig, ax = figure(ncols=2)
    x = np.linspace(0, 1, 200)
    ax[0, 0].plot(x, x**2, "o-", ms=2, label="rising curve")
    ax[0, 0].axhline(0.9, ls="--", label="level")
    ax[0, 0].legend(loc="upper center", bbox_to_anchor=(0.5, -0.15))     # below the axes
    ax[0, 1].plot(x, x**2, label="rising curve")
    ax[0, 1].legend(loc="upper left")                                    # x² stays below 0.5 up to x = 0.7
    assert legend_overlaps(fig) == []
    with warnings.catch_warnings():
        warnings.simplefilter("error", FigureLayoutWarning)
        save_figure(fig, tmp_path, "good")


def test_save_figure_warns_when_a_legend_covers_data(tmp_path):
    fig, ax = figure()
    x = np.linspace(0, 1, 200)
    ax[0, 0].plot(x, np.full_like(x, 0.5), label="flat line through the middle")
    ax[0, 0].set_ylim(0, 1)
    ax[0, 0].legend(loc="center")
    with pytest.warns(FigureLayoutWarning, match="legend covers data"):
        save_figure(fig, tmp_path, "bad")


def test_fig6_4_incoming_weight_tick_labels_keep_apart_at_the_study_s_ranges():
    """Fig. 6.4 of init 0 (a trajectory from w ≈ (−0.85, −0.9)): labels such as "−0.75" were 0.6 px apart,
    touching but under the overlap detector's threshold; at most six tick intervals of 0.5 leave a gap."""
    from symsaddle.symmetry.figures_teacher import neurons_figure
    problem, theta, labels = _matched_student()
    W, a = problem.unpack(theta)
    W_start = W.copy()
    W_start[1] = (-0.85, -0.9)                                    # as init 0: before, 6 labels 0.6 px apart
    start = problem.pack(W_start, a)
    fig = neurons_figure(problem, theta, snapshots=np.stack([start, theta]), labels=labels)
    fig.canvas.draw()
    left = fig.axes[0]
    assert _tick_label_gaps(left.xaxis) >= 3.0 and _tick_label_gaps(left.yaxis) >= 3.0
    matplotlib.pyplot.close(fig)


def _tick_label_gaps(axis) -> float:
    """The smallest gap in pixels between neighbouring tick labels drawn inside the view (at least three)."""
    renderer = axis.figure.canvas.get_renderer()
    lo, hi = (0, 2) if axis.axis_name == "x" else (1, 3)
    view = sorted(axis.get_view_interval())
    boxes = sorted((t.label1.get_window_extent(renderer) for t in axis.get_major_ticks()
                    if view[0] <= t.get_loc() <= view[1] and t.label1.get_text()), key=lambda b: b.extents[lo])
    assert len(boxes) >= 3
    return min(b.extents[lo] - a.extents[hi] for a, b in zip(boxes, boxes[1:]))


def test_closest_saddle_slices_keep_the_title_legend_and_trajectory_apart():
    """Figs. 6.10/6.11: the example's title above both panels (as the left axes' title it ran into the ×10⁻⁵
    offset), the plane's legend below the panel (inside it hid part of the loss map), the trajectory in
    another colour than the saddle line, and the plane's α labels apart at init 5's span ±0.86 (they touched)."""
    from symsaddle.symmetry.closest_saddle import Slice2D
    from symsaddle.symmetry.figures_teacher import slice_figure
    ts = np.linspace(-0.25, 1.25, 61)
    alphas, betas = np.linspace(-0.856, 0.856, 21), np.linspace(-0.05, 0.15, 21)
    A, B = np.meshgrid(alphas, betas)
    plane = Slice2D(alphas, betas, 8.8e-5 + 1e-3 * (B - 0.05) ** 2 + 1e-4 * A ** 2, np.zeros(3), np.zeros(3),
                    (0.0, 0.097), np.column_stack([np.linspace(0.3, 0.0, 5), np.full(5, 0.097)]))
    fig = slice_figure(ts, 8.9e-5 + 1e-6 * np.cos(2 * np.pi * ts), plane, title="init 170: distance 9.72e-02")
    fig.canvas.draw()
    left, right = fig.axes[0], fig.axes[1]
    assert fig._suptitle is not None and fig._suptitle.get_text() == "init 170: distance 9.72e-02"
    assert "init" not in left.get_title()
    lines = {line.get_label(): line for line in right.lines}
    assert lines["trajectory (projected)"].get_color() != lines["saddle line"].get_color()
    assert right.get_legend().get_window_extent().y1 <= right.get_window_extent().y0      # below the panel
    assert text_overlaps(fig) == [] and _tick_label_gaps(right.xaxis) >= 3.0
    matplotlib.pyplot.close(fig)
