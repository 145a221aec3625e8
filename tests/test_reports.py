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
    assert text == ("Result(thetas=<array (1000, 40) float64>, point=[0.5, -2], runs=<tuple of 500 items: int>, "
                    "note='ok')")
