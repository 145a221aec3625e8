"""The notebooks: stored in sync with their builders, executed, with inline figures and no errors
(so that they read on a code host), and — slow — re-executed top to bottom (their asserts included)."""

import importlib
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).parent.parent
BUILDERS = {"build_diagonal": "diagonal_saddle_to_saddle.ipynb", "build_deep_linear": "deep_linear.ipynb",
            "build_ncf": "ncf_directional_convergence.ipynb", "build_symmetry": "symmetry_induced.ipynb"}
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_every_notebook_has_a_builder():
    assert sorted(p.name for p in NOTEBOOKS) == sorted(BUILDERS.values())


@pytest.mark.parametrize("builder", sorted(BUILDERS))
def test_stored_notebook_matches_its_builder(builder, tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "notebooks"))
    module = importlib.import_module(builder)
    fresh = nbformat.read(module.build(tmp_path / "nb.ipynb", run=False), as_version=4)
    stored = nbformat.read(ROOT / "notebooks" / BUILDERS[builder], as_version=4)
    assert [c.source for c in fresh.cells] == [c.source for c in stored.cells]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_stored_outputs_show_every_figure_and_no_error(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code), "store the notebook executed (run its builder)"
    outputs = [o for c in code for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    for cell in code:
        images = [o for o in cell.outputs if "image/png" in o.get("data", {})]
        assert len(images) == cell.source.count("plt.show()"), cell.source[:80]
    assert sum("plt.show()" in c.source for c in code) >= 1


def _table_row_widths(markdown: str) -> list[list[int]]:
    """Cells per row of every Markdown table in ``markdown`` (a row: a line starting with '|'; an escaped \\| is text)."""
    tables, current = [], []
    for line in markdown.splitlines() + [""]:
        if line.startswith("|"):
            current.append(len(re.split(r"(?<!\\)\|", line.strip())) - 2)
        elif current:
            tables, current = tables + [current], []
    return tables


def test_table_row_widths_see_a_bare_bar():
    assert _table_row_widths("| a | b |\n|---|---|\n| x \\| y | z |\n\ntext\n| c |\n|---|") == [[2, 2, 2], [1, 1]]
    assert _table_row_widths("| a | b |\n|---|---|\n| |x| | z |") == [[2, 2, 4]]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_stored_markdown_tables_render(path):
    """Every row of every table the stored outputs show has as many cells as its header: a '|' inside a cell
    (‖x‖ written |x|) must be escaped, or the table breaks on a code host."""
    nb = nbformat.read(path, as_version=4)
    shown = [o["data"]["text/markdown"] for c in nb.cells if c.cell_type == "code" for o in c.outputs
             if "text/markdown" in o.get("data", {})]
    tables = [t for md in shown for t in _table_row_widths(md)]
    assert all(len(set(t)) == 1 and len(t) >= 2 for t in tables), [t for t in tables if len(set(t)) != 1]


# run first in the kernel (not stored): every figure a notebook shows gets save_figure's layout check, and a
# FigureLayoutWarning (overlapping text, a legend over data) is an error there, as in the rest of the suite
LAYOUT_CHECK = """\
import warnings
import matplotlib.pyplot as plt
from symsaddle import reports
warnings.simplefilter("error", reports.FigureLayoutWarning)
_show = plt.show
def _show_checked(*args, **kwargs):
    for number in plt.get_fignums():
        reports.check_layout(plt.figure(number), f"{number} of this notebook")
    return _show(*args, **kwargs)
plt.show = _show_checked
"""


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_executes(path, monkeypatch):
    """Top to bottom without an error (its asserts included), every shown figure passing the layout check."""
    monkeypatch.chdir(ROOT)
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(LAYOUT_CHECK, id="layout-check"))
    NotebookClient(nb, timeout=1200, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
    assert any("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code" for o in c.outputs)


@pytest.mark.slow
def test_layout_check_stops_a_notebook_whose_legend_covers_data(tmp_path):
    """The check the notebooks run under: a legend drawn over the only data line raises in the kernel."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(LAYOUT_CHECK), nbformat.v4.new_code_cell(
        "fig, ax = plt.subplots()\nax.plot([0, 1], [0.5, 0.5], label='a line through the legend')\n"
        "ax.legend(loc='center')\nplt.show()")])
    with pytest.raises(Exception, match="legend covers data"):
        NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
