"""Tables of symsaddle.reports: an empty table says what is missing, and its LaTeX still compiles."""

import re
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symsaddle.reports import (format_number, format_sparse_vector, format_vector, latex_table, latex_text,
                               markdown_table, write_tables)
from tables_check import (PDFLATEX, assert_latex_static, assert_markdown_table, assert_tables_well_formed,
                          compile_latex, markdown_column_counts)

#: headers the package writes that broke the tables of a new-user trial (| splits a Markdown column;
#: _ # and Unicode stop pdflatex)
TRIAL_HEADERS = ["t_k", "beta_k", "fan_out", "#", "|β_k − visited|", "||w_z(T)||", "‖w_z(T)‖", "max |D³L[u]³|",
                 "|u| = |v|", "t̃", "γ → 0", "x ≠ y ≤ z ≥ w", "a·b × ∞"]
LATEX_SPECIALS = "_#%&$~^\\{}|<>["


def package_symbols() -> list[str]:
    """Every non-ASCII character in the package's source, a combining mark after a letter (t̃): a superset
    of what the slices put in table headers and cells."""
    chars = {c for path in Path(__file__).parents[1].joinpath("symsaddle").rglob("*.py")
             for c in path.read_text() if ord(c) > 127}
    return sorted(f"x{c}" if 0x300 <= ord(c) < 0x370 or 0x20d0 <= ord(c) < 0x2100 else c for c in chars)


def special_rows() -> list[dict]:
    """A table whose cells hold every LaTeX special and every non-ASCII character of the package, and numbers."""
    texts = list(LATEX_SPECIALS) + package_symbols()
    rows = [{h: f"{texts[(i * len(TRIAL_HEADERS) + j) % len(texts)]} {h}" for j, h in enumerate(TRIAL_HEADERS)}
            for i in range(len(texts) // len(TRIAL_HEADERS) + 1)]
    rows.append({h: v for h, v in zip(TRIAL_HEADERS, [1.5e-5, -0.25, 3, [0.5, -2.0], float("nan"), -7e12])})
    rows.append({h: f"[{h}]" for h in TRIAL_HEADERS})         # a row starting with [ after \\ (an optional argument)
    return rows


def test_an_empty_table_says_what_is_missing(tmp_path):
    assert "empty table" not in markdown_table([])
    assert markdown_table([], ["end point", "neurons"], empty="no end point escaped") == "(no end point escaped)"
    paths = write_tables([], tmp_path, "escaping", ["end point", "neurons"], empty="no end point escaped")
    assert all("no end point escaped" in p.read_text() for p in paths)


def test_empty_latex_tables_have_a_column_for_their_message():
    """\\begin{tabular}{} (no column) does not compile; the message spans every column."""
    for columns, n in ((None, 1), (["a", "b", "c"], 3)):
        tex = latex_table([], columns)
        spec = re.search(r"\\begin\{tabular\}\{(l*)\}", tex).group(1)
        assert len(spec) == n and rf"\multicolumn{{{n}}}{{l}}{{(no rows)}}" in tex


def _result_dataclasses_holding_arrays():
    """Every dataclass of the package with a field annotated as a NumPy array."""
    import dataclasses
    import importlib
    import pkgutil

    import symsaddle
    found = {}
    for info in pkgutil.walk_packages(symsaddle.__path__, "symsaddle."):
        if info.name == "symsaddle.__main__":              # runs the CLI when imported
            continue
        try:
            module = importlib.import_module(info.name)
        except ImportError:                      # an optional extra (JAX) that is not installed
            continue
        for cls in vars(module).values():
            if (isinstance(cls, type) and dataclasses.is_dataclass(cls) and cls.__module__ == info.name
                    and any("ndarray" in str(f.type) for f in dataclasses.fields(cls))):
                found[f"{info.name}.{cls.__qualname__}"] = cls
    return found


def test_results_holding_arrays_do_not_print_them():
    """A dataclass's generated repr prints every array in full; results holding arrays define their own
    (``compact_repr`` or a custom one). The generated one is compiled from a string ('<string>')."""
    classes = _result_dataclasses_holding_arrays()
    assert "symsaddle.dynamics.Trajectory" in classes and len(classes) > 30
    generated = [name for name, cls in classes.items()
                 if cls.__repr__.__code__.co_filename == "<string>"]
    assert not generated, generated


def test_compact_repr_summarises_arrays_and_long_sequences():
    from dataclasses import dataclass, field

    import numpy as np

    from symsaddle.reports import compact_repr

    @dataclass(frozen=True)
    class Result:
        thetas: np.ndarray
        point: np.ndarray
        runs: tuple
        note: str
        hidden: np.ndarray = field(repr=False, default=None)
        __repr__ = compact_repr

    text = repr(Result(np.zeros((1000, 40)), np.array([0.5, -2.0]), tuple(range(500)), "ok", np.ones(9)))
    assert text == ("Result(thetas=<array (1000, 40) float64>, point=[0.5, -2.0], runs=<tuple of 500 items: int>, "
                    "note='ok')")


def test_markdown_rows_have_as_many_columns_as_the_header_whatever_the_text():
    md = markdown_table(special_rows(), TRIAL_HEADERS)
    assert_markdown_table(md)
    assert markdown_column_counts(md)[0] == len(TRIAL_HEADERS) + 1
    assert r"| \|β_k − visited\| |" in md and r"max \|D³L[u]³\|" in md and r"\|\|w_z(T)\|\|" in md


def test_latex_text_escapes_specials_and_writes_symbols_as_latex():
    assert latex_text("t_k # 50% & $5 {x} ~ ^ \\") == (r"t\_k \# 50\% \& \$5 \{x\} {\textasciitilde} "
                                                      r"{\textasciicircum} {\textbackslash}")
    assert latex_text("|β_k − visited|") == (r"\ensuremath{|}\ensuremath{\beta}\_k \ensuremath{-} visited"
                                             r"\ensuremath{|}")
    assert latex_text("t̃") == r"\ensuremath{\tilde{t}}"
    assert latex_text("‖w‖") == r"\ensuremath{\Vert}w\ensuremath{\Vert}"
    assert latex_text("⅙") == r"\ensuremath{\frac{1}{6}}" and latex_text("Wᵀ") == r"W\ensuremath{^{T}}"
    for number in ("1.500e-05", "-0.2500", "3", "nan", "-inf", "[0.5000, -2.000]"):    # numbers stay numbers
        assert latex_text(number) == number


def test_latex_tables_leave_no_special_or_non_ascii_character_outside_math():
    rows = special_rows()
    tex = latex_table(rows, TRIAL_HEADERS, caption="Algorithm 1 (Pesme & Flammarion), §4: γ → 0")
    assert_latex_static(tex)
    assert "1.500e-05 & -0.2500 & 3 & {[0.5, -2.0]} & nan & -7.000e+12" in tex
    assert_latex_static(latex_table([], ["t_k", "|u|"], empty="no γ_k found"))


@pytest.mark.skipif(PDFLATEX is None, reason="pdflatex is not installed (the static check above still runs)")
def test_latex_tables_compile_with_the_packages_their_first_line_names(tmp_path):
    tables = [latex_table(special_rows(), TRIAL_HEADERS, caption="Pesme & Flammarion, §4: γ → 0, t̃ ≤ 1"),
              latex_table([], ["t_k", "|u|"], empty="no γ_k found")]
    assert "Missing character" not in compile_latex(tables, tmp_path)


def test_written_tables_are_well_formed(tmp_path):
    write_tables(special_rows(), tmp_path, "specials", TRIAL_HEADERS, caption="50% of γ_k")
    assert assert_tables_well_formed(tmp_path) == 2


def test_the_ascii_fast_path_agrees_with_the_encoder():
    from symsaddle.reports import _latex_encoder
    encoder = _latex_encoder()
    for code in range(32, 127):
        assert latex_text(f"a{chr(code)}1") == encoder.unicode_to_latex(f"a{chr(code)}1"), chr(code)


# --- number formats: one format per column, a vector at its common precision --------------------------------------

SCIENTIFIC = re.compile(r"^-?\d\.\d+e[+-]\d+$")
FIXED = re.compile(r"^-?\d+\.(\d+)$")


def table_column(rows: list[dict], column: str) -> list[str]:
    """The cells of ``column`` in the Markdown table of ``rows``."""
    lines = markdown_table(rows).splitlines()
    index = [c.strip() for c in lines[0].strip("|").split("|")].index(column)
    return [[c.strip() for c in line.strip("|").split("|")][index] for line in lines[2:]]


@pytest.mark.parametrize("values", [[0.01, 0.001, 1e-4],                  # ncf-near-saddle's δ column
                                    [1e-50, 0.1, 1.0],                     # diagonal-sparse-to-dense's γ column
                                    [0.0, 4.268e-11, 3.1e-9],              # a grad-norm column with an exact 0
                                    [55096.306, 2.5e5, -3.0]])
def test_a_column_that_needs_scientific_notation_writes_every_number_in_it(values):
    cells = table_column([{"x": v} for v in values], "x")
    for cell, v in zip(cells, values):
        assert (cell == "0" and v == 0) or SCIENTIFIC.match(cell), cells
        assert float(cell) == pytest.approx(v, rel=5e-4)       # 4 significant digits


def test_a_column_of_numbers_of_order_one_is_fixed_point_with_one_number_of_decimals():
    values = [0.5, -2.0, 123.25, 0.001, -0.0]
    cells = table_column([{"x": v} for v in values], "x")
    assert all(FIXED.match(c) for c in cells), cells
    assert len({FIXED.match(c).group(1) and len(FIXED.match(c).group(1)) for c in cells}) == 1, cells
    assert not any(c.startswith("-0") and float(c) == 0 for c in cells), cells       # −0 prints as 0
    assert [float(c) for c in cells] == pytest.approx(values, abs=5e-5)


def printed_entries(text: str) -> list[float]:
    return [float(t) for t in text.strip("[]").split(", ")]


def test_a_subnormal_next_to_exact_zeros_prints_as_zero():
    """The demo's origin saddle θ = [0, 2.5e-323, 0, -9.9e-324]: subnormal residue of underflow, not a value."""
    for text in (format_vector([0.0, 2.470e-323, 0.0, -9.881e-324], 4),
                 table_column([{"θ": [0.0, 2.470e-323, 0.0, -9.881e-324]}], "θ")[0]):
        assert printed_entries(text) == [0.0] * 4 and "e" not in text and "-" not in text, text


def test_an_entry_far_below_the_largest_prints_as_zero_at_the_vectors_precision():
    text = format_vector([0.4543, -0.0, 3e-12, -1e-9], 4)
    assert printed_entries(text) == [0.4543, 0.0, 0.0, 0.0] and "-" not in text, text


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(min_value=-1e300, max_value=1e300, allow_nan=False), min_size=1, max_size=8),
       st.integers(min_value=2, max_value=8))
def test_every_entry_of_a_vector_is_within_half_a_unit_of_the_vectors_last_digit(values, digits):
    """Entries printed at one absolute precision q = 10^(⌊log₁₀ max|v|⌋ − digits + 1): each within q/2 (plus
    float rounding of the text) of the true value, and the largest with ``digits`` significant digits."""
    normal = [v if abs(v) >= np.finfo(float).tiny else 0.0 for v in values]
    printed = printed_entries(format_vector(values, digits))
    largest = max(abs(v) for v in normal)
    if largest == 0:
        assert printed == [0.0] * len(values)
        return
    quantum = 10.0 ** (np.floor(np.log10(largest)) - digits + 1)
    for shown, exact in zip(printed, normal):
        assert abs(shown - exact) <= 0.5 * quantum * (1 + 1e-9) + 1e-12 * abs(exact)


@settings(max_examples=300, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False).filter(lambda v: v != 0), st.integers(min_value=1, max_value=8))
def test_a_number_prints_with_the_significant_digits_asked_for(value, digits):
    text = format_number(value, digits)
    mantissa = text.split("e")[0].lstrip("-").replace(".", "").lstrip("0")
    # fixed-point keeps every digit before the point (25593 at 4 digits), else exactly ``digits``
    assert len(mantissa) == digits or ("." not in text and "e" not in text and len(mantissa) > digits), text
    error = abs(Decimal(text) - Decimal(value)) / abs(Decimal(value))      # Decimal: "2e+308" is not inf
    assert error <= Decimal(0.5) * Decimal(10) ** (1 - digits) * Decimal(1 + 1e-9), text
    assert ("e" in text) != (1e-3 <= abs(value) < 1e5), text


def test_negative_zero_and_missing_values_print_plainly():
    assert format_number(-0.0) == "0" and format_vector([0.4543, -0.0], 4) == "[0.4543, 0]"
    assert format_number(float("nan")) == "nan" and format_vector([float("inf"), 1.0, 0.25], 3) == "[inf, 1.00, 0.25]"


def test_sparse_vector_names_its_support():
    # d = 12 with p[5], p[9], p[11] active printed only "[0, 0, 0, 0, …]"
    p = np.zeros(12)
    p[[5, 9, 11]] = [0.25, -1.5, 3e-13]      # 3e-13: rounding noise next to 1.5 at 6 digits, printed as 0
    assert format_sparse_vector(p, "p") == "0 except p[5] = 0.25, p[9] = -1.50 (12 entries)"   # common precision
    assert format_sparse_vector(np.zeros(12), "p") == "0 (12 entries)"
    assert format_sparse_vector([0.5, 0.0], "p") == format_vector([0.5, 0.0])      # short: written out
    dense = np.arange(1.0, 21.0)                                                  # not sparse: first entries
    assert format_sparse_vector(dense, "p", max_entries=4) == format_vector(dense, max_entries=4)
