"""notebooks/symmetry_induced.ipynb is in sync with its generator (tests/test_notebooks.py executes it)."""

from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "symmetry_induced.ipynb"


def test_notebook_matches_generator(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "notebooks"))
    import build_symmetry
    fresh = nbformat.read(build_symmetry.build(tmp_path / "nb.ipynb"), as_version=4)
    stored = nbformat.read(NOTEBOOK, as_version=4)
    assert [c.source for c in fresh.cells] == [c.source for c in stored.cells]
