"""Checks that the tables symsaddle writes (reports.write_tables) are well formed, for the case tests and
test_reports: every Markdown row has as many columns as its header, and every LaTeX table compiles —
by pdflatex when the machine has it, else by a static check that no LaTeX special character and no
non-ASCII character is left outside math mode."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

#: pdflatex, or None: the compile check then falls back to the static one only
PDFLATEX = shutil.which("pdflatex")

_UNESCAPED_BAR = re.compile(r"(?<!\\)\|")


def markdown_column_counts(md: str) -> list[int]:
    """The number of unescaped ``|`` on each table line of ``md`` (lines starting with ``|``)."""
    return [len(_UNESCAPED_BAR.findall(line)) for line in md.splitlines() if line.startswith("|")]


def assert_markdown_table(md: str) -> None:
    lines = [line for line in md.splitlines() if line.startswith("|")]
    separator = next(i for i, line in enumerate(lines) if re.fullmatch(r"\|(---\|)+", line))
    counts = markdown_column_counts(md)
    assert set(counts) == {counts[separator]}, [(n, line) for n, line in zip(counts, lines)
                                                 if n != counts[separator]]


def text_outside_math(tex: str) -> str:
    """``tex`` without its ``\\ensuremath{…}`` groups and escaped characters (``\\_``, ``\\&``, ``\\\\``, …)."""
    out, i = [], 0
    while i < len(tex):
        if tex.startswith("\\ensuremath{", i):
            depth, i = 0, i + len("\\ensuremath")
            while True:
                if tex[i] == "\\":
                    i += 2
                    continue
                depth += {"{": 1, "}": -1}.get(tex[i], 0)
                i += 1
                if depth == 0:
                    break
        elif tex[i] == "\\" and i + 1 < len(tex) and not tex[i + 1].isalpha():
            i += 2
        else:
            out.append(tex[i])
            i += 1
    return "".join(out)


def assert_latex_static(tex: str) -> None:
    """No non-ASCII character anywhere; outside math mode no bare _ # % $ ~ ^ | < >; braces balanced; in each
    row of the tabular as many bare ``&`` as column separators; a first line naming booktabs."""
    first, _, body = tex.partition("\n")
    assert first.startswith("% ") and r"\usepackage{booktabs}" in first, first
    bad = sorted({c for c in tex if ord(c) > 127})
    assert not bad, f"non-ASCII characters {bad} in\n{tex}"
    plain = text_outside_math(body)
    left = sorted(set(re.findall(r"[_#%$~^|<>]", plain)))
    assert not left, f"unescaped {left} outside math mode in\n{tex}"
    assert plain.count("{") == plain.count("}"), tex
    columns = len(re.search(r"\\begin\{tabular\}\{(l+)\}", body).group(1))
    rows = body.split(r"\midrule")[1].split(r"\bottomrule")[0].strip().splitlines()
    header = body.split(r"\toprule")[1].split(r"\midrule")[0].strip()
    for row in [header] + rows:
        if not row.startswith(r"\multicolumn"):
            assert text_outside_math(row).count("&") == columns - 1, row


def packages_named(tex: str) -> list[str]:
    """The packages the first (comment) line of a symsaddle .tex table says the preamble needs."""
    return re.findall(r"\\usepackage\{([^}]+)\}", tex.partition("\n")[0])


def compile_latex(tables: list[str], folder: Path) -> str:
    """pdflatex on an article holding ``tables``, with exactly the packages their comment lines name; the
    log. Fails on an error and on a character missing from the font."""
    packages = sorted({p for tex in tables for p in packages_named(tex)})
    doc = ("\\documentclass{article}\n" + "".join(f"\\usepackage{{{p}}}\n" for p in packages)
           + "\\begin{document}\n" + "\n\n".join(tables) + "\n\\end{document}\n")
    (folder / "tables.tex").write_text(doc)
    run = subprocess.run([PDFLATEX, "-interaction=nonstopmode", "-halt-on-error", "tables.tex"], cwd=folder,
                         capture_output=True, text=True, timeout=120)
    log = (folder / "tables.log").read_text(errors="replace")
    errors = [line for line in log.splitlines() if line.startswith("!") or "Missing character" in line]
    assert run.returncode == 0 and not errors, "\n".join(errors) or run.stdout[-3000:]
    return log


def assert_tables_well_formed(folder: Path) -> int:
    """Check every Markdown and LaTeX table (``*.md`` starting with ``|``, ``*.tex`` holding a tabular) in
    ``folder``, the LaTeX ones compiled too when pdflatex is there; the number of tables checked."""
    md = [p for p in sorted(folder.glob("*.md")) if p.read_text().startswith("|")]
    tex = [p for p in sorted(folder.glob("*.tex")) if r"\begin{tabular}" in p.read_text()]
    for path in md:
        assert_markdown_table(path.read_text())
    for path in tex:
        assert_latex_static(path.read_text())
    if PDFLATEX and tex:
        build = folder / "latex-check"
        build.mkdir(exist_ok=True)
        compile_latex([p.read_text() for p in tex], build)
    return len(md) + len(tex)
