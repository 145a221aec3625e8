"""The tables the registered cases write are well formed (tables_check): each Markdown row has as many
columns as its header, each LaTeX table has no bare special or non-ASCII character outside math mode and
compiles with the packages its first line names (when pdflatex is installed). The reproductions are the
session fixtures of conftest.py, shared with the cases' own tests."""

import pytest

from tables_check import assert_tables_well_formed

#: each reproduction takes ≈ 20 s or more, so these checks are in the slow lane, with the reproductions' other tests
REPRODUCTIONS = ["ncf_origin_reproduction", "ncf_saddle_reproduction", "d7n5_reproduction",
                 "deep_linear_critical_reproduction", "digits_line_reproduction"]


@pytest.mark.slow
@pytest.mark.parametrize("reproduction", REPRODUCTIONS)
def test_tables_of_a_reproduction_are_well_formed(request, reproduction):
    assert assert_tables_well_formed(request.getfixturevalue(reproduction).folder) > 0


@pytest.mark.slow
def test_step_size_tables_are_well_formed(stepsize_four_depths):
    assert assert_tables_well_formed(stepsize_four_depths[1]) > 0
