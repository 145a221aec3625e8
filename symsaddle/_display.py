"""Long formulas broken over lines, for LaTeX that compiles without manual edits.

SymPy prints an expression as one line; the gradient of a 2-3-1 MLP is a few thousand points wide
and overflows any page as a ``$$ … $$`` display. :func:`equation` prints ``lhs = rhs`` as an amsmath
``align*`` whose rows fit a line of :data:`LINE_WIDTH` points: a sum is broken between its terms, a
product between its factors, a long factor (a parenthesised sum, a power of one) inside its
parentheses, which are then ``\\bigl( … \\bigr)`` (``\\left``/``\\right`` cannot span rows). The width
of a row is an estimate from the LaTeX (:func:`estimated_width`: glyph widths of Computer Modern at
10 pt, scripts at 75 %, a fraction as wide as its wider part); an expression that offers no break
point (a long argument of one function) stays on one row.
"""

from __future__ import annotations

import contextlib
import contextvars
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

import sympy as sp
from sympy.printing.latex import LatexPrinter

#: the line width the rows are fitted to, in TeX points: the text width of ``article`` at 10 pt
#: (345 pt) less a margin for the error of :func:`estimated_width`
LINE_WIDTH = 320.0

#: packages the displays need (``align*``, ``\\operatorname``, ``matrix``): named in the first line of a fragment
PACKAGES = ("amsmath",)

#: pdflatex's widths of 172 rows of `derive` output (mlp 2-3-1, deep_linear 2-2-2-1) over the uncalibrated
#: estimate: 1.02–1.12, median 1.09
_CALIBRATION = 1.1
_SCRIPT = 0.75          # width of a sub- or superscript / its width in text (7 pt type, set wider)
_TOKENS = re.compile(r"\\[A-Za-z]+|\\.|[{}^_]|\s+|.", re.DOTALL)
_FUNCTION_NAMES = {"tanh", "sinh", "cosh", "sin", "cos", "tan", "log", "ln", "exp", "sech", "max", "min", "det",
                   "operatorname", "arctan"}
_RELATIONS = set("+-=<>") | {r"\neq", r"\leq", r"\geq", r"\cdot", r"\times", r"\pm", r"\mp", r"\approx", r"\to"}
_SPACES = {r"\quad": 10.0, r"\qquad": 20.0, r"\ ": 3.3, r"\,": 1.7, r"\;": 2.8, r"\:": 2.2, r"\!": -1.7}
_GROUP_ONLY = {r"\operatorname", r"\mathrm", r"\text", r"\mathbf", r"\boldsymbol", r"\mathbb", r"\mathcal",
               r"\mathit", r"\mathsf", r"\bar", r"\hat", r"\tilde", r"\vec", r"\dot", r"\ddot", r"\check"}
_SIZED = {r"\left", r"\right", r"\bigl", r"\bigr", r"\Bigl", r"\Bigr", r"\biggl", r"\biggr", r"\big", r"\Big"}


@lru_cache(maxsize=4096)          # a piece is measured again where it is broken
def estimated_width(tex: str) -> float:
    """The width, in points, that ``tex`` (math mode, Computer Modern at 10 pt) takes when typeset, roughly
    (within −9 % … +2 % of pdflatex on rows of `derive` output): capital letters 8.5 pt, small ones 5.8 pt,
    digits 5 pt, a binary operator or relation with its spaces 12.5 pt, punctuation and delimiters 4 pt, an
    upright function name 5 pt a letter; sub- and superscripts at :data:`_SCRIPT` (a sub- and a superscript on
    one base count once, the wider one); a fraction as wide as its wider part; all times :data:`_CALIBRATION`."""
    tokens = [t for t in _TOKENS.findall(tex) if not t.isspace()]
    width, _ = _sequence_width(tokens, 0, 1.0, stop=None)
    return width * _CALIBRATION


def _sequence_width(tokens: list[str], pos: int, scale: float, stop: str | None) -> tuple[float, int]:
    total, script = 0.0, None
    while pos < len(tokens):
        token = tokens[pos]
        if token == stop:
            return total, pos + 1
        if token in ("^", "_"):
            w, pos = _group_width(tokens, pos + 1, scale * _SCRIPT)
            if script is None:
                total, script = total + w, w
            else:                                        # a second script on the same base: stacked
                total, script = total + max(0.0, w - script), max(w, script)
            continue
        script = None
        if token == "{":
            w, pos = _sequence_width(tokens, pos + 1, scale, stop="}")
        elif token == r"\frac":
            numerator, pos = _group_width(tokens, pos + 1, scale)
            denominator, pos = _group_width(tokens, pos, scale)
            w = max(numerator, denominator) + 2.0 * scale
        elif token == r"\sqrt":
            inner, pos = _group_width(tokens, pos + 1, scale)
            w = inner + 8.0 * scale
        elif token in _GROUP_ONLY:
            w, pos = _group_width(tokens, pos + 1, scale)
        elif token in _SIZED:
            w, pos = 4.0 * scale, pos + 2                # the delimiter that follows
        else:
            w, pos = _token_width(token) * scale, pos + 1
        total += w
    return total, pos


def _group_width(tokens: list[str], pos: int, scale: float) -> tuple[float, int]:
    """A braced group, or the one token at ``pos``."""
    if pos >= len(tokens):
        return 0.0, pos
    if tokens[pos] == "{":
        return _sequence_width(tokens, pos + 1, scale, stop="}")
    return _sequence_width(tokens[pos:pos + 1], 0, scale, stop=None)[0], pos + 1


def _token_width(token: str) -> float:
    if token in _SPACES:
        return _SPACES[token]
    if token in _RELATIONS:
        return 12.5
    if token.startswith("\\") and token[1:] in _FUNCTION_NAMES:
        return 5.0 * len(token[1:]) + 1.7
    if token.startswith("\\"):
        return 0.0 if token in ("\\\\", "&") else 6.5   # a Greek letter, \partial, \infty, …
    if token in "&}":
        return 0.0
    if token.isdigit():
        return 5.0
    if token in "()[]|":
        return 3.9
    if token in ",;":
        return 4.5
    return 8.5 if token.isupper() else 5.8


class _SharedLatexPrinter(LatexPrinter):
    """SymPy's LaTeX printer (default settings: the same text as ``sp.latex``) that prints each subexpression once:
    the loss, gradient and Hessian of a deep model share most of their subexpressions, and breaking a formula into
    rows prints its terms and factors again."""

    def __init__(self):
        super().__init__()
        self._printed: dict[sp.Basic, str] = {}

    def _print(self, expr, **kwargs) -> str:
        if kwargs or not isinstance(expr, sp.Basic):        # an exponent passed down (tanh^{2}): not cached
            return super()._print(expr, **kwargs)
        text = self._printed.get(expr)
        if text is None:
            text = self._printed[expr] = super()._print(expr)
        return text


_shared_printer: contextvars.ContextVar[_SharedLatexPrinter | None] = contextvars.ContextVar("_shared_printer",
                                                                                          default=None)


@contextlib.contextmanager
def shared_printing() -> Iterator[None]:
    """Within the block, :func:`latex` prints each distinct subexpression once (its LaTeX kept until the block
    ends): for printing many expressions that share subexpressions, such as a gradient and a Hessian."""
    token = _shared_printer.set(_SharedLatexPrinter())
    try:
        yield
    finally:
        _shared_printer.reset(token)


def printed_size(exprs: Iterable[sp.Basic], sizes: dict | None = None) -> int:
    """The number of nodes of the expression trees of ``exprs`` (symbols, numbers, operations), a shared
    subexpression counted at each occurrence: what a printer writes out (LaTeX takes about 5 characters a node).
    Counted in time proportional to the distinct subexpressions; ``sizes`` (subexpression → size) is kept
    between calls."""
    sizes = {} if sizes is None else sizes

    def size(expr: sp.Basic) -> int:
        known = sizes.get(expr)
        if known is None:
            known = sizes[expr] = 1 + sum(size(arg) for arg in expr.args)
        return known

    return sum(size(expr) for expr in exprs)


def latex(expr: sp.Basic | str) -> str:
    """``sp.latex(expr)`` (a string is returned as it is); inside :func:`shared_printing`, from its cache."""
    if isinstance(expr, str):
        return expr
    printer = _shared_printer.get()
    return sp.latex(expr) if printer is None else printer.doprint(expr)




@dataclass(frozen=True)
class _Piece:
    """One item of a row-broken sequence: ``inline`` joins it to the item before it on the same row;
    at a row break before it, ``row_end`` ends the row before and ``at_break`` begins the next; ``item`` is an
    expression (broken further when too wide) or ready LaTeX; ``open`` and ``close`` enclose it (a sign,
    parentheses, an exponent)."""

    inline: str
    at_break: str
    item: sp.Basic | str
    open: str = ""
    close: str = ""
    row_end: str = ""
    inside_first: bool = False
    """Break inside the piece rather than before it when it does not fit (a parenthesised sum)."""

    def text(self) -> str:
        return self.open + latex(self.item) + self.close


def expression_rows(expr: sp.Basic | str, first: float, rest: float) -> list[str]:
    """``expr`` in LaTeX as rows, the first at most ``first`` points wide, the others ``rest`` (estimated,
    :func:`estimated_width`), where a break point allows: between the terms of a sum (the next row starting
    with its sign), between the factors of a product (the next row starting with ``\\times``), inside a
    parenthesised sum. Concatenated (with the row breaks as spaces) the rows are the expression."""
    tex = latex(expr)
    if isinstance(expr, str) or estimated_width(tex) <= first:
        return [tex]
    if isinstance(expr, sp.Add):
        return _packed(_sum_pieces(expr), first, rest)
    if isinstance(expr, sp.Mul):
        return _packed(_product_pieces(expr), first, rest)
    if isinstance(expr, sp.Pow) and isinstance(expr.base, sp.Add) and expr.exp.is_Integer and expr.exp > 0:
        return _packed([_wrapped(expr.base, "", "", rf"^{{{latex(expr.exp)}}}")], first, rest)
    return [tex]


def _sum_pieces(expr: sp.Add) -> list[_Piece]:
    pieces = []
    for k, term in enumerate(expr.as_ordered_terms()):
        negative = term.could_extract_minus_sign()
        sign = "-" if negative else "+"
        pieces.append(_Piece(f" {sign} " if k else ("- " if negative else ""), f"{sign} ", -term if negative else term))
    return pieces


def _product_pieces(expr: sp.Mul) -> list[_Piece]:
    """The factors of a product: the coefficient over the denominator as one fraction (``\\frac{p}{q d}``, a
    minus sign before the first factor), then the numerator's factors in SymPy's order, sums in parentheses."""
    coefficient, rest = expr.as_coeff_Mul()
    numerator, denominator = sp.fraction(rest)
    negative = coefficient.could_extract_minus_sign()
    coefficient = -coefficient if negative else coefficient
    lead = coefficient / denominator                   # 3/(b (a + b)) as one fraction
    pieces = [_Piece(" ", r"\times ", latex(lead))] if lead != 1 else []
    for factor in numerator.as_ordered_factors():
        if factor == 1:                                # 2/(a + b): the numerator is the coefficient alone
            continue
        if isinstance(factor, sp.Add):
            pieces.append(_wrapped(factor, " ", r"\times "))
        elif isinstance(factor, sp.Pow) and isinstance(factor.base, sp.Add) and factor.exp.is_Integer:
            pieces.append(_wrapped(factor.base, " ", r"\times ", rf"^{{{latex(factor.exp)}}}"))
        else:
            pieces.append(_Piece(" ", r"\times ", factor))
    if negative:
        pieces[0] = _Piece(pieces[0].inline, pieces[0].at_break, pieces[0].item, "- " + pieces[0].open,
                           pieces[0].close)
    return pieces


def _wrapped(base: sp.Add, inline: str, at_break: str, exponent: str = "") -> _Piece:
    """A sum in parentheses (with an exponent): ``\\left(…\\right)`` on one row, ``\\bigl(…\\bigr)`` when broken."""
    return _Piece(inline, at_break, base, r"\left(", r"\right)" + exponent, inside_first=True)


def _packed(pieces: Sequence[_Piece], first: float, rest: float) -> list[str]:
    """The pieces, greedily: each joins the current row when it fits; one that does not starts a new row
    (broken there, :func:`expression_rows`, when too wide for a row of its own), except that a parenthesised
    sum is broken inside when its first part fits on the current row; the pieces after a broken one continue
    on its last row."""
    rows: list[str] = []
    current, budget, width = "", first, 0.0     # width: estimated_width(current), summed piece by piece
    for k, piece in enumerate(pieces):
        joiner = "" if k == 0 else piece.inline if current else piece.at_break
        text = piece.text()
        joined = width + estimated_width(joiner) + estimated_width(text)
        if joined <= budget:
            current, width = current + joiner + text, joined
            continue
        broken = _broken(piece, current + joiner, budget, rest) if piece.inside_first or not current else None
        if broken is None and current:                # start a new row with it
            rows.append(current + piece.row_end)
            current, budget, width = "", rest, 0.0
            alone = estimated_width(piece.at_break) + estimated_width(text)
            if alone <= budget:
                current, width = piece.at_break + text, alone
                continue
            broken = _broken(piece, piece.at_break, budget, rest)
        if broken is None:                             # no break point: the piece stays whole, overlong
            current += (piece.at_break if not current and k else joiner if current else "") + text
            width = estimated_width(current)
            continue
        rows.extend(broken[:-1])
        current, budget = broken[-1], rest
        width = estimated_width(current)
    rows.append(current)
    return [r for r in rows if r]


def _broken(piece: _Piece, head: str, budget: float, rest: float) -> list[str] | None:
    """``head`` followed by ``piece`` broken into rows, the first within ``budget``; ``None`` when the piece
    has no break point there. Its parentheses become ``\\bigl(``/``\\bigr)`` (``\\Bigl``/``\\Bigr``
    around a fraction)."""
    start = head + piece.open.replace(r"\left(", r"\bigl(")
    parts = expression_rows(piece.item, budget - estimated_width(start), rest)
    if len(parts) == 1 or estimated_width(start + parts[0]) > budget:
        return None
    size = "Big" if r"\frac" in "".join(parts) else "big"
    opening = piece.open.replace(r"\left(", rf"\{size}l(")
    closing = piece.close.replace(r"\right)", rf"\{size}r)", 1)
    return [head + opening + parts[0], *parts[1:-1], parts[-1] + closing]


def list_rows(items: Sequence[sp.Basic | str], first: float, rest: float, open: str = "", close: str = "",
              separator: str = ", ", suffixes: Sequence[str] | None = None) -> list[str]:
    """A list (a point's coordinates, eigenvalues) as rows: ``open`` (e.g. ``\\left[``) before the first item
    and ``close`` (``\\right]``) after the last, ``suffixes[k]`` after item k; a row ends with the separator
    after an item. An item too wide for a row is broken (:func:`expression_rows`); over several rows
    ``\\left``/``\\right`` delimiters become ``\\Bigl``/``\\Bigr``."""
    if not items:
        return [open + close]
    last = len(items) - 1
    suffixes = suffixes or [""] * len(items)
    rows = _packed([_Piece(separator, "", item, open if k == 0 else "", suffix + (close if k == last else ""),
                           separator.rstrip()) for k, (item, suffix) in enumerate(zip(items, suffixes))],
                   first, rest)
    if len(rows) > 1 and open.startswith(r"\left"):   # \left and \right must be on one row
        rows[0] = r"\Bigl" + rows[0][len(r"\left"):]
    if len(rows) > 1 and close.startswith(r"\right"):
        rows[-1] = r"\Bigr".join(rows[-1].rsplit(r"\right", 1))
    return rows


def align(rows: Sequence[tuple[str, Sequence[str]]]) -> str:
    """An amsmath ``align*`` of ``(lhs, rows)`` pairs: ``lhs &= row₁``, then ``&\\quad row_k``; an empty lhs
    gives ``&row₁`` (a line of text such as the conditions of a family)."""
    lines = []
    for lhs, parts in rows:
        head = f"{lhs} &= " if lhs else "&"
        lines.append(head + parts[0])
        lines += [r"&\quad " + part for part in parts[1:]]
    return "\\begin{align*}\n" + " \\\\\n".join(lines) + "\n\\end{align*}"


def equation(lhs: str, rhs: sp.Basic, width: float = LINE_WIDTH) -> str:
    """``lhs = rhs`` as an ``align*``, ``rhs`` broken into rows that fit ``width`` points beside ``lhs``."""
    return align([(lhs, equation_rows(lhs, rhs, width))])


def equation_rows(lhs: str, rhs: sp.Basic, width: float = LINE_WIDTH) -> list[str]:
    """The rows of ``rhs`` beside ``lhs =`` in an ``align*`` of ``width`` points: continuation rows start at the
    ``=``, indented by a quad."""
    available = width - estimated_width(lhs) - 12.0
    return expression_rows(rhs, available, available - 10.0)


def fragment_header(what: str) -> str:
    """The first line of a ``.tex`` fragment: what it is and the packages its ``\\input`` needs."""
    needs = "".join(rf"\usepackage{{{p}}}" for p in PACKAGES)
    return (f"% symsaddle {what}: \\input this file in a document whose preamble has {needs} "
            "(with \\allowdisplaybreaks a long display may also break across pages)")


def document(body: str, title: str) -> str:
    """A complete LaTeX document around ``body`` (compiles with pdflatex)."""
    packages = "\n".join(rf"\usepackage{{{p}}}" for p in PACKAGES)
    return (f"\\documentclass[10pt]{{article}}\n{packages}\n\\allowdisplaybreaks\n\\begin{{document}}\n"
            f"\\section*{{{title}}}\n{body}\n\\end{{document}}\n")
