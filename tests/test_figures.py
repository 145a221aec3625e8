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
from pathlib import Path

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
    assert all(Path(f).is_file() for f in files)


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
