"""Shared by the notebook builders: assemble cells, execute them, write the .ipynb with outputs.

Each ``build_*.py`` lists its cells; ``python notebooks/build_<name>.py`` rebuilds the notebook
and executes it (figures inline, numbers asserted) so that the committed file reads on a code
host without running. Cell ids are positions and no timings are stored, so a rebuild changes only what
changed (``coalesce_streams``); figures are stored as 256-colour PNGs (``compact_images``). ``tests/test_notebooks.py`` checks the
stored cells against the builders, that the stored outputs hold figures, well-formed tables and no errors,
and (slow) re-executes every notebook.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parent.parent
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


def notebook(cells: list[tuple[str, str]]) -> nbformat.NotebookNode:
    """``cells``: ("md" | "code", source) pairs. Cell ids are their positions (``cell-0``, ``cell-1``, …),
    so that a rebuild changes only the cells that changed."""
    nb = new_notebook(metadata={"kernelspec": KERNELSPEC, "language_info": {"name": "python"}})
    nb.cells = [new_markdown_cell(src, id=f"cell-{i}") if kind == "md" else new_code_cell(src, id=f"cell-{i}")
                for i, (kind, src) in enumerate(cells)]
    return nb


def execute(nb: nbformat.NotebookNode, timeout: int = 1800) -> nbformat.NotebookNode:
    from nbclient import NotebookClient

    # no per-cell timestamps: a rebuild with unchanged outputs leaves the file unchanged
    NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                   resources={"metadata": {"path": str(ROOT)}}).execute()
    return nb


def compact_images(nb: nbformat.NotebookNode, colours: int = 256) -> nbformat.NotebookNode:
    """Store every opaque PNG output as a ``colours``-colour palette PNG (median cut, no dithering). The
    figures (flat Okabe–Ito colours, anti-aliased lines, at the inline backend's 100 dpi) look the same and take
    about a third of the space; an image with transparent pixels is kept as it is."""
    from PIL import Image

    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "image/png" not in data:
                continue
            image = Image.open(io.BytesIO(base64.b64decode(data["image/png"])))
            if image.mode == "RGBA" and image.getextrema()[3][0] < 255:
                continue
            palette = image.convert("RGB").quantize(colors=colours, method=Image.Quantize.MEDIANCUT,
                                                    dither=Image.Dither.NONE)
            buffer = io.BytesIO()
            palette.save(buffer, "PNG", optimize=True)
            data["image/png"] = base64.b64encode(buffer.getvalue()).decode("ascii")
    return nb


def coalesce_streams(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Join consecutive stdout (stderr) chunks of a cell into one output: the kernel may split a printed line
    anywhere, which would make every rebuild differ."""
    for cell in nb.cells:
        merged = []
        for output in cell.get("outputs", []):
            previous = merged[-1] if merged else None
            if (output.output_type == "stream" and previous is not None and previous.output_type == "stream"
                    and previous.name == output.name):
                previous.text += output.text
            else:
                merged.append(output)
        if cell.cell_type == "code":
            cell.outputs = merged
    return nb


def write(cells: list[tuple[str, str]], path: Path, run: bool = True) -> Path:
    nb = notebook(cells)
    if run:
        compact_images(coalesce_streams(execute(nb)))
    nbformat.write(nb, path)
    return path
