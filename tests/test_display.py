"""Long formulas broken over lines (symsaddle._display, `derive`'s derivation.tex): rows against SymPy's own
one-line LaTeX, environments balanced, and — where pdflatex is installed — TeX's own measurement: no overfull
box and no error for the outputs that overflowed the page by thousands of points as one ``$$ … $$``."""

import re
import shutil
import subprocess

import pytest
import sympy as sp

import symsaddle as ss

from symsaddle._display import equation, estimated_width, expression_rows, list_rows
from symsaddle.cli import main

#: the text width of article at 10 pt, in points
ARTICLE_TEXT_WIDTH = 345.0


def _squashed(tex: str) -> str:
    return re.sub(r"\s+", "", tex)


def test_a_long_sum_breaks_between_terms_and_the_rows_are_sympys_line():
    """x₁ − x₂ + x₃ − … (40 terms): the rows, joined, are SymPy's one-line LaTeX; every row fits."""
    xs = sp.symbols("x_1:41")
    expr = sum((-1) ** k * x for k, x in enumerate(xs))
    rows = expression_rows(expr, 200.0, 180.0)
    assert len(rows) > 1
    assert _squashed("".join(rows)) == _squashed(sp.latex(expr))
    assert estimated_width(rows[0]) <= 200.0 and all(estimated_width(r) <= 180.0 for r in rows[1:])
    assert all(r.startswith(("+ ", "- ")) for r in rows[1:])


def test_a_long_factor_breaks_inside_its_parentheses():
    """a b (x₁ + … + x₃₀): SymPy prints ``a b \\left(…\\right)``; broken, the parentheses are \\bigl( on the first
    row and \\bigr) on the last (\\left and \\right cannot span rows), and the rows are otherwise that line."""
    a, b = sp.symbols("a b")
    expr = a * b * sum(sp.symbols("x_1:31"))
    rows = expression_rows(expr, 150.0, 150.0)
    assert len(rows) > 1 and rows[0].startswith(r"a b \bigl(") and rows[-1].endswith(r"\bigr)")
    assert not any(r"\left" in r or r"\right" in r for r in rows)
    joined = "".join(rows).replace(r"\bigl(", r"\left(").replace(r"\bigr)", r"\right)")
    assert _squashed(joined) == _squashed(sp.latex(expr))


def test_a_short_formula_stays_on_one_row_with_sympys_latex():
    x, y = sp.symbols("x y")
    assert equation("L", (x - y) ** 2 / 2) == "\\begin{align*}\nL &= " + sp.latex((x - y) ** 2 / 2) + "\n\\end{align*}"


def test_a_list_on_several_rows_uses_sized_delimiters():
    """\\left[ … \\right] must close on its row: over several rows the list's brackets become \\Bigl[ … \\Bigr]."""
    items = [sp.Symbol(f"v_{k}") / sp.Symbol(f"u_{k}") for k in range(30)]
    rows = list_rows(items, 120.0, 120.0, r"\left[", r"\right]^\top")
    assert len(rows) > 1 and rows[0].startswith(r"\Bigl[") and rows[-1].endswith(r"\Bigr]^\top")
    assert all(r.endswith(",") for r in rows[:-1])
    assert list_rows(items[:2], 120.0, 120.0, r"\left[", r"\right]")[0].startswith(r"\left[")


def _derive(tmp_path, *argv):
    out = tmp_path / "_".join(argv).replace(" ", "")
    assert main(["derive", *argv, "--out", str(out)]) == 0
    return out


CASES = [("mlp", "--widths", "2", "3", "1"), ("deep_linear", "--widths", "2", "2", "2", "1")]


@pytest.mark.parametrize("argv", CASES)
def test_derivation_fragment_is_balanced_and_every_row_fits_by_estimate(tmp_path, argv):
    """Without TeX: the fragment has no preamble and names amsmath; align* environments are balanced, \\left and
    \\right pair up on every row, \\bigl/\\bigr within every display; every row, with its left side, fits the
    text width of article by the width estimate."""
    out = _derive(tmp_path, *argv)
    fragment = (out / "derivation.tex").read_text()
    assert "\\documentclass" not in fragment and "\\usepackage{amsmath}" in fragment.splitlines()[0]
    assert "$$" not in fragment
    document = (out / "derivation_document.tex").read_text()
    assert document.startswith("\\documentclass") and fragment.split("\n", 1)[1] in document
    blocks = re.findall(r"\\begin\{align\*\}\n(.*?)\n\\end\{align\*\}", fragment, re.DOTALL)
    assert len(blocks) == fragment.count("\\begin{align*}") == fragment.count("\\end{align*}")
    for block in blocks:
        assert block.count(r"\bigl(") == block.count(r"\bigr)") and block.count(r"\Bigl(") == block.count(r"\Bigr)")
        rows = block.split(" \\\\\n")
        lhs_width = estimated_width(rows[0].split("&")[0])
        for row in rows:
            assert len(re.findall(r"\\left\b", row)) == len(re.findall(r"\\right\b", row)), row
            assert lhs_width + estimated_width(row.split("&", 1)[1]) <= ARTICLE_TEXT_WIDTH, row


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
@pytest.mark.parametrize("argv", CASES)
def test_derivation_document_compiles_without_an_overfull_line(tmp_path, argv):
    """pdflatex measures: derivation_document.tex compiles without error and without an overfull \\hbox (as
    one $$ … $$ per formula, mlp 2-3-1 overflowed by up to 7774 pt and deep_linear 2-2-2-1 by 10211 pt)."""
    out = _derive(tmp_path, *argv)
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "derivation_document.tex"],
                         cwd=out, capture_output=True, text=True, timeout=120)
    log = (out / "derivation_document.log").read_text(errors="replace")
    assert run.returncode == 0, log[-2000:]
    assert "Overfull \\hbox" not in log, re.findall(r"Overfull \\hbox.*", log)[:5]


def test_shared_printing_prints_what_sympy_prints():
    """Each subexpression printed once (the cache) gives SymPy's own LaTeX for every gradient and Hessian entry
    of a tanh MLP (sharing many subexpressions) and for tanh² inside a power (the exponent is passed down)."""
    from symsaddle._display import latex, shared_printing

    obj = ss.Objective.symbolic(ss.models.mlp([2, 2, 1], "tanh"), 1)
    exprs = [obj.expression, *obj.gradient, *obj.hessian]
    with shared_printing():
        shared = [latex(e) for e in exprs]
        again = [latex(e) for e in exprs]
    assert shared == again == [sp.latex(e) for e in exprs]
    assert any(r"\tanh^{2}" in t for t in shared)


def test_printed_size_counts_every_occurrence():
    """printed_size is the number of nodes of the expression trees, a repeated subexpression counted each time:
    the count of sympy's preorder_traversal, and a hand count for a small one (x·y + x·y² + 3: Add(Integer,
    Mul(x, y), Mul(x, Pow(y, 2))) = 1 + 1 + 3 + 5 = 10 nodes)."""
    from symsaddle._display import printed_size

    x, y = sp.symbols("x y")
    assert printed_size([x * y + x * y**2 + 3]) == 10
    obj = ss.Objective.symbolic(ss.models.mlp([2, 2, 1], "tanh"), 1)
    exprs = list(obj.hessian)
    assert printed_size(exprs) == sum(sum(1 for _ in sp.preorder_traversal(e)) for e in exprs)
