"""Tables of symsaddle.reports: an empty table says what is missing, and its LaTeX still compiles."""

import re

from symsaddle.reports import latex_table, markdown_table, write_tables


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
