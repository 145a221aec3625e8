"""Reports: Markdown/LaTeX tables, JSON, and figures (PNG + PDF) ready for a paper.

Figures come from :func:`figure` (constrained layout, a colour-blind-safe cycle, compact tick
labels) and are saved by :func:`save_figure`, which warns (:class:`FigureLayoutWarning`) when
any two texts of the figure overlap or a legend box covers plotted data. No function here selects a Matplotlib backend: scripts
get Matplotlib's default (Agg without a display), notebooks their inline backend.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
import warnings
from dataclasses import asdict, fields, is_dataclass
from enum import Enum
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import sympy as sp


def to_jsonable(obj: Any) -> Any:
    """Convert NumPy arrays/scalars, enums, dataclasses, SymPy and mpmath numbers to JSON types."""
    if is_dataclass(obj) and not isinstance(obj, type):
        if hasattr(obj, "to_dict"):
            return to_jsonable(obj.to_dict())
        return to_jsonable(asdict(obj))
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, Mapping):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating, float)):
        v = float(obj)
        return v if math.isfinite(v) else str(v)
    if isinstance(obj, (np.bool_,)):
        return bool(obj)
    if isinstance(obj, sp.Basic):
        return str(obj)
    if isinstance(obj, Path):
        return str(obj)
    if type(obj).__module__.startswith("mpmath"):
        return str(obj)
    return obj


def plural(count: int, noun: str, plural_noun: str | None = None) -> str:
    """``count`` followed by ``noun`` agreeing with it in number: ``plural(1, "saddle")`` is "1 saddle",
    ``plural(3, "saddle")`` "3 saddles", ``plural(0, "minimum", "minima")`` "0 minima" (English: only
    exactly one takes the singular; ``plural_noun`` defaults to ``noun + "s"``)."""
    return f"{count} {noun if count == 1 else plural_noun or noun + 's'}"


#: text output lists a vector (p, θ) in full up to this many entries and summarises a longer one
VECTOR_ENTRIES = 8

#: numbers of magnitude in [FIXED_POINT_RANGE) print in fixed-point notation, others (and 0 in a
#: column that needs scientific notation) in scientific notation
FIXED_POINT_RANGE = (1e-3, 1e5)


_SMALLEST_NORMAL = float(np.finfo(float).tiny)


def _in_fixed_range(magnitude: float) -> bool:
    return FIXED_POINT_RANGE[0] <= magnitude < FIXED_POINT_RANGE[1]


def _rounded_exponent(value: float, significant: int) -> int:
    """The decimal exponent of ``value`` rounded to ``significant`` digits (0.96875 at 1 digit: 1e0 → 0)."""
    return int(f"{value:.{significant - 1}e}".split("e")[1])


def _number_texts(values: Sequence[float], digits: int, flush_subnormal: bool = True,
                  trim_zeros: bool = True) -> list[str]:
    """The entries of one vector at a common absolute precision: that of its largest finite entry
    ``m`` written with ``digits`` significant digits, i.e. the quantum ``q = 10^(e − digits + 1)``, ``e`` the
    decimal exponent of ``m`` rounded to ``digits`` digits.
    An entry is rounded to a multiple of ``q``, and one that rounds to 0 prints as ``0``: an entry below
    ``q/2`` (rounding noise next to an entry of order 1), an exact 0 and −0. A subnormal entry (below float64's smallest normal
    number, 2.2e-308: what underflow leaves of a quantity that has reached zero, with fewer significant
    bits than a normal number) counts as 0, so ``[0, 2.5e-323, 0, -1e-323]`` prints as zeros. If ``m``
    is in :data:`FIXED_POINT_RANGE` every entry is fixed-point with the decimals of ``q`` (less the
    trailing zeros all entries share, with ``trim_zeros``: ``[0.5, -2.0]``, ``[1, 2, 3]``); otherwise each
    non-zero entry is scientific with the significant digits it has above ``q`` and a zero prints as
    ``0``; a vector without a normal non-zero entry prints as zeros ``0``. NaN and ±inf print as
    ``nan``, ``inf``, ``-inf``."""
    entries = [float(v) for v in values]
    if flush_subnormal:
        entries = [0.0 if abs(v) < _SMALLEST_NORMAL else v for v in entries]
    largest = max((abs(v) for v in entries if math.isfinite(v)), default=0.0)
    if largest == 0.0:
        return ["0" if math.isfinite(v) else str(v) for v in entries]
    quantum_exponent = _rounded_exponent(largest, digits) - digits + 1
    if _in_fixed_range(largest):
        decimals = max(0, -quantum_exponent)
        finite = [v for v in entries if math.isfinite(v)]
        while trim_zeros and decimals > 0 and all(f"{round(v, decimals) + 0.0:.{decimals}f}".endswith("0") for v in finite):
            decimals -= 1                                   # a trailing zero every entry has says nothing
        texts = [f"{round(v, decimals) + 0.0:.{decimals}f}" if math.isfinite(v) else str(v) for v in entries]
        return ["0" if math.isfinite(v) and float(t) == 0.0 else t for v, t in zip(entries, texts)]
    texts = []
    for v in entries:
        if not math.isfinite(v) or v == 0.0:
            texts.append(str(v) if v != 0.0 else "0")
            continue
        exponent = math.floor(math.log10(abs(v)))
        significant = exponent - quantum_exponent + 1
        if significant >= 1:
            significant += _rounded_exponent(v, significant) > exponent      # 9.9996e-4 → 1.000e-03
            texts.append(f"{v:.{significant - 1}e}")
        else:                                               # below q: 0, or ±q when it rounds up to it
            texts.append(f"{'-' if v < 0 else ''}1e{quantum_exponent:+03d}" if abs(v) >= 0.5 * 10.0 ** quantum_exponent
                         else "0")
    return texts


def format_number(value: float, digits: int = 4) -> str:
    """A number for text output with ``digits`` significant digits: fixed-point when its magnitude is in
    :data:`FIXED_POINT_RANGE` (``71.18``, ``0.01299``), else scientific (``1.410e-05``); −0 prints as 0.
    JSON keeps the full value; this is for people."""
    return _number_texts([value], digits, flush_subnormal=False, trim_zeros=False)[0]


def format_vector(values: Iterable[float], digits: int = 6, max_entries: int = VECTOR_ENTRIES,
                  where_in_full: str = "--json or --out gives every entry", common_precision: bool = True) -> str:
    """A vector for text output: ``[a, b, c]``, every entry at the vector's common precision (its largest
    entry with ``digits`` significant digits; see :func:`_number_texts`: an entry far below the largest,
    e.g. a subnormal next to exact zeros, prints as 0, and −0 as 0) if it has at most ``max_entries``
    entries, else its first ``max_entries // 2`` entries, its length and ``where_in_full``, e.g.
    ``[0.1, 0.2, 0.3, 0.4, …] (300 entries; --json or --out gives every entry)``. With
    ``common_precision=False`` (entries that are separate quantities, e.g. the final losses of a batch of
    runs) each entry is formatted on its own, ``digits`` significant digits less trailing zeros."""
    entries = [float(v) for v in np.ravel(np.asarray(values, dtype=float))]
    texts = (_number_texts(entries, digits) if common_precision
             else [_number_texts([v], digits, flush_subnormal=False)[0] for v in entries])
    if len(entries) <= max_entries:
        return "[" + ", ".join(texts) + "]"
    head = ", ".join(texts[:max(1, max_entries // 2)])
    return f"[{head}, …] ({len(entries)} entries; {where_in_full})"


def format_sparse_vector(values: Iterable[float], name: str, digits: int = 6, max_entries: int = VECTOR_ENTRIES,
                         where_in_full: str = "--json or --out gives every entry") -> str:
    """A vector that is mostly zeros, for text output: as :func:`format_vector` if it has at most
    ``max_entries`` entries or more than ``max_entries`` non-zero ones, else its non-zero entries by index
    (at the vector's common precision; one that prints as 0 is zero), e.g.
    ``0 except p[5] = 0.25, p[9] = -1.50 (12 entries)`` — the first ``max_entries // 2`` entries of a long
    vector would hide where its support is."""
    entries = [float(v) for v in np.ravel(np.asarray(values, dtype=float))]
    if len(entries) <= max_entries:
        return format_vector(entries, digits, max_entries, where_in_full)
    nonzero = [(i, t) for i, t in enumerate(_number_texts(entries, digits)) if t != "0"]
    if len(nonzero) > max_entries:                  # not sparse: the first entries, as format_vector
        return format_vector(entries, digits, max_entries, where_in_full)
    if not nonzero:
        return f"0 ({len(entries)} entries)"
    return f"0 except {', '.join(f'{name}[{i}] = {t}' for i, t in nonzero)} ({len(entries)} entries)"


#: a field of :func:`compact_repr` longer than this is summarised (arrays by shape, sequences by length)
REPR_FIELD_CHARS = 60


def _repr_field(value: Any) -> str:
    """One field of :func:`compact_repr`: short values as ``repr`` gives them, long ones summarised."""
    if isinstance(value, np.ndarray):
        if value.size <= VECTOR_ENTRIES and value.ndim <= 1 and value.dtype.kind in "fiub":
            return format_vector(value, 4)
        return f"<array {value.shape} {value.dtype}>"
    if is_dataclass(value) and not isinstance(value, type):
        text = repr(value)
        return text if len(text) <= REPR_FIELD_CHARS else f"<{type(value).__name__}>"
    if isinstance(value, (list, tuple)):
        text = repr(value)
        if len(text) <= REPR_FIELD_CHARS:
            return text
        kinds = sorted({type(v).__name__ for v in value})
        return f"<{type(value).__name__} of {plural(len(value), 'item')}: {', '.join(kinds)}>"
    if isinstance(value, Mapping):
        text = repr(value)
        return text if len(text) <= REPR_FIELD_CHARS else f"<dict of {plural(len(value), 'key')}>"
    if isinstance(value, Enum):
        return repr(value.value)
    text = repr(value)
    return text if len(text) <= REPR_FIELD_CHARS else text[:REPR_FIELD_CHARS - 1] + "…"


def compact_repr(obj: Any) -> str:
    """The repr of a result dataclass that stays a few lines whatever its data: every field shown with
    ``repr=True`` in its dataclass, arrays by shape and dtype (a vector of at most
    :data:`VECTOR_ENTRIES` entries in full), long sequences and mappings by length and element type,
    other long values cut at :data:`REPR_FIELD_CHARS` characters. Use it as ``__repr__ = compact_repr``
    in the class body (the dataclass decorator keeps a ``__repr__`` defined there)."""
    shown = ", ".join(f"{f.name}={_repr_field(getattr(obj, f.name))}" for f in fields(obj) if f.repr)
    return f"{type(obj).__name__}({shown})"


def dumps(obj: Any) -> str:
    return json.dumps(to_jsonable(obj), indent=2)


def summarise_json(data: Mapping[str, Any], full_path: str | Path, max_entry_chars: int = 2000) -> dict:
    """The entries of ``data`` whose JSON is at most ``max_entry_chars`` long, the names of the
    others (``"omitted"``) and the file holding all of them (``"full_result"``)."""
    kept = {k: v for k, v in data.items() if len(dumps(v)) <= max_entry_chars}
    return {**kept, "omitted": [k for k in data if k not in kept], "full_result": str(full_path)}


def write_json(obj: Any, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dumps(obj) + "\n")
    return path


def _is_real(v: Any) -> bool:
    return isinstance(v, (float, np.floating, int, np.integer)) and not isinstance(v, (bool, np.bool_))


def format_column(values: Sequence[Any], digits: int = 4) -> list[str]:
    """The cells of one table column, in one format. Floats: if every finite non-zero float of the
    column has its magnitude in :data:`FIXED_POINT_RANGE`, all are fixed-point with ``digits`` decimals
    (``0.0100``), else all are scientific with ``digits`` significant digits (``1.000e-04``; an exact
    zero as ``0``); −0 prints as 0. A vector (list, tuple, array) cell is formatted as by
    :func:`format_vector` in full, at the precision of a number of the column (``digits`` decimals when its
    largest entry is in :data:`FIXED_POINT_RANGE`, else ``digits`` significant digits; a list of integers as
    they are); integers and other values by ``str``."""
    floats = [float(v) for v in values if isinstance(v, (float, np.floating))]
    scientific = any(math.isfinite(v) and v != 0.0 and not _in_fixed_range(abs(v)) for v in floats)

    def cell(v: Any) -> str:
        if isinstance(v, (float, np.floating)):
            v = float(v) + 0.0
            if not math.isfinite(v):
                return str(v)
            if scientific:
                return "0" if v == 0.0 else f"{v:.{digits - 1}e}"
            return f"{v:.{digits}f}"
        if isinstance(v, (list, tuple, np.ndarray)):
            entries = np.ravel(np.asarray(v, dtype=object))
            if all(isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_)) for x in entries):
                return "[" + ", ".join(str(int(x)) for x in entries) + "]"
            if all(_is_real(x) for x in entries):
                return "[" + ", ".join(_table_vector([float(x) for x in entries], digits)) + "]"
            return "[" + ", ".join(format_column(list(entries), digits)) + "]"
        return str(v)

    return [cell(v) for v in values]


def _table_vector(entries: list[float], digits: int) -> list[str]:
    """A vector cell of :func:`format_column`: :func:`_number_texts` with ``digits`` decimals (as a number
    of a fixed-point column, e.g. a thesis's 4-decimal table) when its largest entry is in
    :data:`FIXED_POINT_RANGE`, else with ``digits`` significant digits."""
    normal = [abs(v) for v in entries if math.isfinite(v) and abs(v) >= _SMALLEST_NORMAL]
    largest = max(normal, default=0.0)
    if largest and _in_fixed_range(largest):
        return _number_texts(entries, max(1, digits + 1 + _rounded_exponent(largest, digits)))
    return _number_texts(entries, digits)


def _formatted_rows(rows: Sequence[Mapping[str, Any]], cols: Sequence[str], digits: int) -> list[list[str]]:
    """The cells of ``rows`` for ``cols``, each column formatted by :func:`format_column`."""
    columns = [format_column([r.get(c, "") for r in rows], digits) for c in cols]
    return [list(cells) for cells in zip(*columns)] if cols else [[] for _ in rows]


def _markdown_cell(text: str) -> str:
    """A Markdown table cell: ``|`` escaped as ``\\|`` (a bare one starts a new column), line breaks as spaces."""
    return " ".join(text.splitlines()).replace("|", r"\|")


def markdown_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None,
                   digits: int = 4, empty: str = "no rows") -> str:
    """A Markdown table of ``rows`` (dicts), one column per key; without rows, ``empty`` in
    parentheses (say what is missing in context, e.g. "no end point escaped"). A ``|`` in a header or
    cell is escaped (``\\|``), so every row has as many columns as the header."""
    if not rows:
        return f"({empty})"
    cols = list(columns or rows[0].keys())
    lines = ["| " + " | ".join(_markdown_cell(str(c)) for c in cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(_markdown_cell(text) for text in cells) + " |"
              for cells in _formatted_rows(rows, cols, digits)]
    return "\n".join(lines)


#: combining accents (written after the letter they decorate, as in t̃) and the math accent of each
_COMBINING_ACCENTS = {"\u0300": "grave", "\u0301": "acute", "\u0302": "hat", "\u0303": "tilde",
                      "\u0304": "bar", "\u0306": "breve", "\u0307": "dot", "\u0308": "ddot",
                      "\u030c": "check", "\u20d7": "vec"}

#: LaTeX packages beyond booktabs that the text of a table may need, and the macros that need them
_PACKAGES_OF_MACROS = {"amssymb": ("\\mathbb", "\\varnothing", "\\lesssim", "\\gtrsim", "\\checkmark",
                                   "\\leqslant", "\\geqslant", "\\nexists", "\\mathfrak", "\\square",
                                   "\\blacksquare", "\\circledast", "\\lozenge"),
                       "amsmath": ("\\lVert", "\\rVert", "\\lvert", "\\rvert", "\\text{", "\\tfrac",
                                   "\\dfrac", "\\iint", "\\boldsymbol")}


@lru_cache(maxsize=1)
def _latex_encoder():
    """pylatexenc's Unicode → LaTeX encoder for text mode, escaping the ASCII specials too (\\_ \\# \\% \\&
    \\$ \\{ \\} \\textasciitilde \\textasciicircum \\textbackslash). Added to its tables: ``|`` (an em dash
    in pdflatex's default font encoding), accents (t̃, β̃, ẋ, Ỹ → \\tilde{t}, …, in math mode), vulgar
    fractions and the super- and subscript letters and digits it lacks (ᵀ → ^{T}); any other character
    without a LaTeX name is printed as its code point."""
    from pylatexenc.latexencode import (RULE_CALLABLE, RULE_DICT, UnicodeToLatexConversionRule,
                                        UnicodeToLatexEncoder)
    encoder = None

    def accent(base: str, accents: str) -> str:
        tex = encoder.unicode_to_latex(base)
        for mark in accents:
            tex = rf"\{_COMBINING_ACCENTS[mark]}{{{tex}}}"
        return rf"\ensuremath{{{tex}}}"

    def combined(text: str, pos: int):
        """A character followed by combining accents, or a vulgar fraction (⅙ → \\frac{1}{6})."""
        end = pos + 1
        while end < len(text) and text[end] in _COMBINING_ACCENTS:
            end += 1
        if end > pos + 1:
            return end - pos, accent(text[pos], text[pos + 1:end])
        kind, _, codes = unicodedata.decomposition(text[pos]).partition(" ")
        if kind == "<fraction>":
            numerator, _, denominator = "".join(chr(int(c, 16)) for c in codes.split()).partition("\u2044")
            return 1, rf"\ensuremath{{\frac{{{numerator}}}{{{denominator}}}}}"
        return None

    def decomposed(text: str, pos: int):
        """A character pylatexenc does not know: a precomposed accented letter or a super-/subscript."""
        char = text[pos]
        kind, _, code = unicodedata.decomposition(char).partition(" ")
        if kind in ("<super>", "<sub>") and code and " " not in code:
            script = "^" if kind == "<super>" else "_"
            return 1, rf"\ensuremath{{{script}{{{encoder.unicode_to_latex(chr(int(code, 16)))}}}}}"
        parts = unicodedata.normalize("NFD", char)
        if len(parts) > 1 and all(mark in _COMBINING_ACCENTS for mark in parts[1:]):
            return 1, accent(parts[0], parts[1:])
        return None

    bar = UnicodeToLatexConversionRule(RULE_DICT, {ord("|"): r"\ensuremath{|}"})
    encoder = UnicodeToLatexEncoder(
        conversion_rules=[UnicodeToLatexConversionRule(RULE_CALLABLE, combined), bar, "defaults",
                          UnicodeToLatexConversionRule(RULE_CALLABLE, decomposed)],
        non_ascii_only=False, unknown_char_policy="unihex", unknown_char_warning=False)
    return encoder


def latex_text(text: Any) -> str:
    """``text`` (``str()`` of it) for LaTeX text mode: the specials escaped and non-ASCII symbols (Greek letters,
    ‖, −, →, ≠, ≤, ·, ×, ∞, sub- and superscript digits, accents, …) as LaTeX commands, each symbol in
    ``\\ensuremath`` so it also works in math mode. Plain numbers (``1.5e-05``) come out unchanged."""
    return _latex_escaped(str(text))


#: the ASCII characters that do not stand for themselves in LaTeX text mode (| < > print other glyphs)
_LATEX_ASCII_SPECIALS = re.compile(r"[\\{}_#%&$~^|<>\"]")


@lru_cache(maxsize=4096)
def _latex_escaped(text: str) -> str:
    if text.isascii() and not _LATEX_ASCII_SPECIALS.search(text):      # numbers and plain words, fast
        return text
    # script capitals (𝒫) in the LaTeX kernel's calligraphic alphabet rather than mathrsfs's
    return _latex_encoder().unicode_to_latex(text).replace(r"\mathscr{", r"\mathcal{")


def _latex_cell(text: str) -> str:
    """A cell of :func:`latex_table`: :func:`latex_text` of the formatted text, in braces when it starts with
    ``[`` (else, first in a row, it would be read as the optional argument of the previous row's ``\\\\``)."""
    text = latex_text(text)
    return "{" + text + "}" if text.startswith("[") else text


def latex_packages(tex: str) -> list[str]:
    """The packages a table's LaTeX needs: booktabs (the rules), plus amssymb/amsmath for their macros."""
    return ["booktabs"] + [package for package, macros in _PACKAGES_OF_MACROS.items()
                           if any(m in tex for m in macros)]


def latex_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None,
                digits: int = 4, caption: str = "", empty: str = "no rows") -> str:
    """A LaTeX ``table`` with a booktabs ``tabular`` of ``rows``; without rows, one line saying ``empty``.

    Headers, cells and the caption are plain text, escaped by :func:`latex_text` (numbers are formatted
    as in :func:`markdown_table` and stay as they are). The first line is a comment naming the packages the
    preamble needs (``\\usepackage{booktabs}``, and amssymb/amsmath when a symbol needs them)."""
    cols = list(columns or (rows[0].keys() if rows else []))
    body = [" & ".join(_latex_cell(text) for text in cells) + r" \\" for cells in _formatted_rows(rows, cols, digits)]
    if not rows:
        body = [rf"\multicolumn{{{max(len(cols), 1)}}}{{l}}{{({latex_text(empty)})}} \\"]
    out = [r"\begin{table}[h]\centering", r"\begin{tabular}{" + "l" * max(len(cols), 1) + "}", r"\toprule",
           " & ".join(_latex_cell(str(c)) for c in cols) + r" \\", r"\midrule", *body, r"\bottomrule",
           r"\end{tabular}"]
    if caption:
        out.append(r"\caption{" + latex_text(caption) + "}")
    out.append(r"\end{table}")
    tex = "\n".join(out)
    needs = "".join(rf"\usepackage{{{p}}}" for p in latex_packages(tex))
    return f"% symsaddle table: the preamble needs {needs}\n{tex}"


def write_tables(rows: Sequence[Mapping[str, Any]], out_dir: str | Path, stem: str,
                 columns: Sequence[str] | None = None, caption: str = "", empty: str = "no rows") -> list[Path]:
    """Write ``stem.md`` and ``stem.tex``, a table for people (coordinates may be numbered from 1,
    as in the papers; ``empty`` says what is missing when there are no rows). Machine-readable
    results go to JSON with :func:`write_json`, 0-based."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / f"{stem}.md", out / f"{stem}.tex"]
    paths[0].write_text(markdown_table(rows, columns, empty=empty) + "\n")
    paths[1].write_text(latex_table(rows, columns, caption=caption, empty=empty) + "\n")
    return paths


#: Okabe & Ito's colour-blind-safe palette (without yellow, too faint on white, and black, kept for
#: reference curves such as a theoretical limit); past seven lines the cycle repeats dashed, then dotted.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#999999")
REFERENCE_COLOR = "#000000"


class FigureLayoutWarning(UserWarning):
    """Two texts of a saved figure overlap (tick labels, axis labels, titles, legends)."""


def figure(ncols: int = 1, nrows: int = 1, width: float = 4.0, height: float = 3.0, **subplots_kw):
    """A new figure and a 2-D array of axes: constrained layout, the :data:`OKABE_ITO` cycle, and
    tick labels that switch to a ×10ⁿ offset beyond 10⁴ so that long numbers cannot collide."""
    import matplotlib.pyplot as plt
    from matplotlib import cycler

    fig, axes = plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows), squeeze=False,
                             layout="constrained", **subplots_kw)
    style = cycler(linestyle=["-", "--", ":"]) * cycler(color=OKABE_ITO)
    for ax in axes.flat:
        ax.set_prop_cycle(style)
        ax.ticklabel_format(style="sci", scilimits=(-3, 4), useMathText=True)
    return fig, axes


def legend_below(ax, gap_pt: float = 34.0, **legend_kw):
    """A legend centred under ``ax``, ``gap_pt`` points below the axes frame (clear of the tick labels and the x
    label at any figure height), so that it never covers data; constrained layout makes room for it."""
    from matplotlib.transforms import offset_copy

    anchor = offset_copy(ax.transAxes, fig=ax.figure, y=-gap_pt, units="points")
    return ax.legend(loc="upper center", bbox_to_anchor=(0.5, 0.0), bbox_transform=anchor, **legend_kw)


def symlog_ticks(values: np.ndarray, linthresh: float, most: int = 4) -> list[float]:
    """Tick positions for a symlog axis over ``values``: 0 and decades ±10^k, the smallest at least two decades
    above the linear band |λ| < linthresh and none beyond the data. Every decade takes the same height on a
    symlog axis, so one step (in decades) serves both signs: at most ``most`` ticks per sign on the wider side,
    and no two labels collide. A sign whose values all lie less than two decades above the band still gets
    one labelled tick, at the largest decade below its largest magnitude (else that side has no scale)."""
    lo = int(np.ceil(np.log10(linthresh))) + 2

    def top(magnitude: float) -> int | None:
        return int(np.floor(np.log10(magnitude))) if magnitude > linthresh else None

    tops = [top(-float(np.nanmin(values))), top(float(np.nanmax(values)))]
    spans = [t - lo + 1 for t in tops if t is not None and t >= lo]
    step = max(1, int(np.ceil(max(spans, default=1) / most)), int(np.ceil(sum(spans) / (2 * most))))
    ticks = [0.0]
    for sign, hi in zip((-1.0, 1.0), tops):
        if hi is not None and hi >= lo:
            ticks += [sign * 10.0 ** k for k in range(hi, lo - 1, -step)]
        elif hi is not None:
            ticks.append(sign * 10.0 ** hi)
    return sorted(ticks)


def true_runs(mask) -> list[tuple[int, int]]:
    """(first, last) index of every run of consecutive True entries of a 1-D boolean ``mask``."""
    idx = np.flatnonzero(np.diff(np.concatenate([[0], np.asarray(mask, dtype=int), [0]])))
    return [(int(a), int(b) - 1) for a, b in zip(idx[::2], idx[1::2])]


def padded_limits(axis, values, fraction: float = 0.06) -> tuple[float, float]:
    """View limits holding every finite value of ``values`` with ``fraction`` of the span to spare on each side,
    measured in the axis's scale (a decade on a log or symlog axis), so markers at the extremes are not clipped
    by the frame. ``axis`` is e.g. ``ax.yaxis``, its scale already set."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    transform = axis.get_transform()
    t = transform.transform(v.reshape(-1, 1)).ravel() if v.size else np.array([0.0, 1.0])
    lo, hi = float(np.min(t)), float(np.max(t))
    pad = fraction * (hi - lo) if hi > lo else 0.5
    return tuple(float(x) for x in transform.inverted().transform(np.array([[lo - pad], [hi + pad]])).ravel())


def _drawn_texts(fig, renderer) -> list:
    """The non-empty visible texts Matplotlib draws, tick labels only for ticks inside the view."""
    from matplotlib.axis import Axis
    from matplotlib.text import Text

    skip = set()
    for axis in fig.findobj(Axis):
        ticks = axis.get_major_ticks() + axis.get_minor_ticks()
        if not (axis.get_visible() and axis.axes.get_visible()):   # e.g. the hidden x axis of a twinx
            skip.update(id(t) for tick in ticks for t in (tick.label1, tick.label2))
            skip.update((id(axis.label), id(axis.offsetText)))
            continue
        drawn = set(axis._update_ticks())          # the ticks inside the view interval
        skip.update(id(t) for tick in ticks if tick not in drawn for t in (tick.label1, tick.label2))
    return [t for t in fig.findobj(Text) if id(t) not in skip and t.get_visible() and t.get_text().strip()
            and t.get_window_extent(renderer).width > 0]


#: the smallest gap, in points, between neighbouring tick labels of one axis: labels that merely touch read as
#: one number in print (1.5 pt ≈ 2 px at Matplotlib's 100 dpi, 3 px in the 150-dpi PNG)
MIN_TICK_LABEL_GAP_PT = 1.5


def _tick_label_axes(fig) -> dict[int, tuple[int, int]]:
    """For each tick label of ``fig``, its axis and side: ``id(text) → (id(axis), 1 or 2)``, 1 for ``label1``
    (bottom / left), 2 for ``label2`` (top / right)."""
    from matplotlib.axis import Axis

    owners = {}
    for axis in fig.findobj(Axis):
        for tick in axis.get_major_ticks() + axis.get_minor_ticks():
            owners[id(tick.label1)] = (id(axis), 1)
            owners[id(tick.label2)] = (id(axis), 2)
    return owners


def text_overlaps(fig, min_overlap_px: float = 0.5,
                  min_tick_gap_pt: float = MIN_TICK_LABEL_GAP_PT) -> list[tuple[str, str]]:
    """Pairs of drawn texts whose bounding boxes, measured by the renderer, overlap by more than
    ``min_overlap_px`` pixels in both directions (e.g. a title running into a label), and pairs of
    neighbouring tick labels on the same side of the same axis less than ``min_tick_gap_pt`` points apart
    along it (touching labels, ``1000020000``, pass the overlap test but not this one): boxes that overlap
    by more than ``min_overlap_px`` across the axis and are closer than the gap (``min_tick_gap_pt``·dpi/72
    pixels) along it."""
    from matplotlib.axis import XAxis

    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    texts = _drawn_texts(fig, renderer)
    boxes = [t.get_window_extent(renderer) for t in texts]
    owners = _tick_label_axes(fig)
    x_axes = {id(a) for a in fig.findobj(XAxis)}
    gap_px = min_tick_gap_pt * fig.dpi / 72.0
    pairs = []
    for i in range(len(texts)):
        for j in range(i + 1, len(texts)):
            a, b = boxes[i], boxes[j]
            dx = min(a.x1, b.x1) - max(a.x0, b.x0)
            dy = min(a.y1, b.y1) - max(a.y0, b.y0)
            owner = owners.get(id(texts[i]))
            if owner is not None and owner == owners.get(id(texts[j])):      # neighbours on one axis
                along, across = (dx, dy) if owner[0] in x_axes else (dy, dx)
                clash = across > min_overlap_px and along > -gap_px
            else:
                clash = dx > min_overlap_px and dy > min_overlap_px
            if clash:
                pairs.append((texts[i].get_text(), texts[j].get_text()))
    return pairs


def _display_paths(artist) -> list[np.ndarray]:
    """The plotted data of a line or scatter in display coordinates: for a line drawn with a line style, its
    finite runs as polylines (steps expanded); for markers, every point as a one-point path."""
    from matplotlib.cbook import STEP_LOOKUP_MAP
    from matplotlib.collections import PathCollection
    from matplotlib.lines import Line2D

    if isinstance(artist, Line2D):
        xy = np.asarray(artist.get_xydata(), dtype=float)
        if xy.size == 0:
            return []
        if artist.get_drawstyle() in STEP_LOOKUP_MAP and artist.get_drawstyle() != "default":
            xy = np.column_stack(STEP_LOOKUP_MAP[artist.get_drawstyle()](xy[:, 0], xy[:, 1]))
        with np.errstate(all="ignore"):
            disp = artist.get_transform().transform(xy)
        ok = np.all(np.isfinite(disp), axis=1)
        paths = []
        if artist.get_linestyle() not in ("None", "", " ", "none"):
            paths += [disp[a:b + 1] for a, b in true_runs(ok)]
        if artist.get_marker() not in (None, "None", "", " ", "none"):
            paths += [p[None, :] for p in disp[ok]]
        return paths
    if isinstance(artist, PathCollection):
        offsets = np.asarray(artist.get_offsets(), dtype=float)
        if offsets.size == 0:
            return []
        disp = artist.get_offset_transform().transform(offsets)
        return [p[None, :] for p in disp[np.all(np.isfinite(disp), axis=1)]]
    return []


def legend_overlaps(fig, inset_px: float = 1.0) -> list[tuple[str, str]]:
    """(legend, artist) pairs where a legend box covers plotted data: a vertex of a line or a scatter point
    inside the box, or a line segment crossing it (reference lines such as ``axhline`` count: they are data
    a reader must see). Only the part of the legend box inside the artist's axes counts, so a legend placed
    outside the axes never clashes; shaded spans and fills are backgrounds and do not count. The box is
    shrunk by ``inset_px`` pixels so that a line merely touching its frame is not reported."""
    from matplotlib.collections import PathCollection
    from matplotlib.legend import Legend
    from matplotlib.path import Path as MplPath
    from matplotlib.transforms import Bbox

    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    legends = [lg for lg in fig.findobj(Legend) if lg.get_visible()]
    pairs = []
    for legend in legends:
        box = legend.get_window_extent(renderer)
        for ax in fig.axes:
            if not ax.get_visible():
                continue
            clip = Bbox.intersection(box, ax.get_window_extent(renderer))
            if clip is None or clip.width <= 2 * inset_px or clip.height <= 2 * inset_px:
                continue
            inner = Bbox.from_extents(clip.x0 + inset_px, clip.y0 + inset_px, clip.x1 - inset_px, clip.y1 - inset_px)
            for artist in [*ax.lines, *(c for c in ax.collections if isinstance(c, PathCollection))]:
                if not artist.get_visible() or artist.axes is None:
                    continue
                hit = False
                for path in _display_paths(artist):
                    if len(path) == 1:
                        hit = bool(inner.contains(*path[0]))
                    else:
                        hit = MplPath(path).intersects_bbox(inner, filled=False)
                    if hit:
                        break
                if hit:
                    name = artist.get_label() if not str(artist.get_label()).startswith("_") else type(artist).__name__
                    pairs.append((", ".join(t.get_text() for t in legend.get_texts())[:60], name))
    return pairs


def check_layout(fig, name: str) -> None:
    """Warn with :class:`FigureLayoutWarning` if texts of ``fig`` overlap or neighbouring tick labels touch
    (:func:`text_overlaps`) or a legend covers plotted data (:func:`legend_overlaps`); ``name`` says which
    figure in the message. Called by
    :func:`save_figure`, and on every figure a notebook shows (``tests/test_notebooks.py``)."""
    clashes = text_overlaps(fig)
    if clashes:
        warnings.warn(FigureLayoutWarning(f"figure {name}: overlapping text (or tick labels closer than "
                                          f"{MIN_TICK_LABEL_GAP_PT:g} pt) " + "; ".join(
            f"{a!r} / {b!r}" for a, b in clashes[:5])), stacklevel=3)
    covered = legend_overlaps(fig)
    if covered:
        warnings.warn(FigureLayoutWarning(f"figure {name}: legend covers data " + "; ".join(
            f"{a!r} over {b!r}" for a, b in covered[:5])), stacklevel=3)


def save_figure(fig, out_dir: str | Path, stem: str, formats: Iterable[str] = ("png", "pdf")) -> list[Path]:
    """Save a Matplotlib figure as ``stem.png`` and ``stem.pdf`` and close it, after :func:`check_layout`."""
    import matplotlib.pyplot as plt

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    check_layout(fig, stem)
    paths = []
    for fmt in formats:
        p = out / f"{stem}.{fmt}"
        fig.savefig(p, dpi=150, bbox_inches="tight")
        paths.append(p)
    plt.close(fig)
    return paths
