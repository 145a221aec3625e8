"""Property-based fuzzing of the command line: malformed data files and arguments.

Whatever the input, the CLI answers with exit status 0, or 2 (bad input) and exactly one line
``symsaddle: error: …`` on stderr — never a traceback. Most examples run in-process
(``main(argv)``); a few run the real console script.
"""

import contextlib
import io
import subprocess
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symsaddle.cli import main

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def run(argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(argv)
    return status, out.getvalue(), err.getvalue()


def assert_clean(status, err, allowed=(0, 2)):
    assert status in allowed, (status, err)
    assert "Traceback" not in err
    errors = [line for line in err.splitlines() if line.startswith("symsaddle: error:")]
    if status:
        lines = [line for line in err.splitlines() if line.strip() and not line.startswith("symsaddle: warning")]
        assert len(errors) == 1 and lines == errors, err
    else:
        assert not errors


# -- malformed data files -------------------------------------------------------------------------

def _array(kind, shape, draw):
    size = int(np.prod(shape))
    if kind == "float":
        values = draw(st.lists(st.floats(allow_nan=True, allow_infinity=True, width=64), min_size=size, max_size=size))
        return np.array(values, dtype=float).reshape(shape)
    if kind == "huge":
        return np.full(shape, draw(st.sampled_from([1e300, -1e308, 1e-300, 5e-324])))
    if kind == "str":
        return np.array([draw(st.text(max_size=4)) for _ in range(size)]).reshape(shape)
    if kind == "complex":
        return (np.ones(shape) + 1j).astype(complex)
    if kind == "bool":
        return np.ones(shape, dtype=bool)
    if kind == "int":
        return np.arange(size, dtype=np.int64).reshape(shape)
    return np.zeros(shape, dtype=[("a", "f8"), ("b", "i4")])      # structured


@st.composite
def npz_files(draw):
    """Bytes of a (mostly broken) .npz file."""
    form = draw(st.sampled_from(["arrays", "truncated", "junk-zip", "random", "empty", "object"]))
    shapes = st.lists(st.integers(0, 4), min_size=0, max_size=3).map(tuple)
    kinds = st.sampled_from(["float", "huge", "str", "complex", "bool", "int", "structured"])
    buf = io.BytesIO()
    if form in ("arrays", "truncated"):
        names = draw(st.sampled_from([("X", "y"), ("X",), ("y",), ("X", "y", "extra"), ("x", "Y")]))
        arrays = {n: _array(draw(kinds), draw(shapes), draw) for n in names}
        np.savez(buf, **arrays)
        data = buf.getvalue()
        if form == "truncated":
            data = data[:draw(st.integers(0, max(len(data) - 1, 0)))]
        return data
    if form == "junk-zip":
        with zipfile.ZipFile(buf, "w") as z:
            for name in draw(st.lists(st.sampled_from(["X.npy", "y.npy", "junk.txt", "X", "../y.npy"]),
                                      min_size=1, max_size=3, unique=True)):
                z.writestr(name, draw(st.binary(max_size=64)))
        return buf.getvalue()
    if form == "object":
        np.savez(buf, X=np.array([[1, 2]], dtype=object), y=np.ones(1))
        return buf.getvalue()
    if form == "random":
        return draw(st.binary(max_size=200))
    return b""


@st.composite
def csv_files(draw):
    cell = st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(repr), st.integers().map(str),
                     st.text(alphabet="abc ,;\t\"'-e.0123456789", max_size=6))
    rows = draw(st.lists(st.lists(cell, min_size=0, max_size=4), max_size=6))
    header = draw(st.booleans())
    text = ("x1,x2,y\n" if header else "") + "\n".join(",".join(r) for r in rows)
    return text.encode() if draw(st.booleans()) else draw(st.binary(max_size=80))


@SETTINGS
@given(data=npz_files())
def test_malformed_npz(tmp_path, data):
    path = tmp_path / "data.npz"
    path.write_bytes(data)
    status, _, err = run(["saddles", "--data", str(path)])
    assert_clean(status, err)


@SETTINGS
@given(data=csv_files())
def test_malformed_csv(tmp_path, data):
    path = tmp_path / "data.csv"
    path.write_bytes(data)
    status, _, err = run(["saddles", "--data", str(path)])
    assert_clean(status, err)


@SETTINGS
@given(suffix=st.sampled_from([".npy", ".txt", "", ".NPZ", ".csv.gz"]), content=st.binary(max_size=40))
def test_wrong_file_types(tmp_path, suffix, content):
    path = tmp_path / f"data{suffix}"
    path.write_bytes(content)
    status, _, err = run(["saddles", "--data", str(path)])
    assert_clean(status, err)


# -- malformed arguments: every value below is invalid for its option ------------------------------

BAD_SIZES = ["0", "-1", "-7", "1.5", "1e3", "abc", "", "nan", "³"]
BAD_VALUES = {
    "--n": BAD_SIZES, "--d": BAD_SIZES, "--width": BAD_SIZES, "--d-in": BAD_SIZES, "--d-out": BAD_SIZES,
    "--points": BAD_SIZES, "--seed": ["-1", "x", "2.5"],
    "--normalization": ["0", "-1", "abc", "nan", "inf", "-inf", ""],
    "--activation": ["swish", "", "relu6", "tahn", "__import__('os')"],   # TANH is tanh: names in any case
    "--loss": ["hinge", "", "Square"],
}
COMMAND_OPTIONS = {
    "derive": ["--n", "--d", "--width", "--d-in", "--d-out", "--normalization", "--activation", "--loss"],
    "check": ["--n", "--d", "--width", "--d-in", "--d-out", "--points", "--seed", "--normalization", "--activation",
              "--loss"],
}


@st.composite
def bad_model_commands(draw):
    command = draw(st.sampled_from(sorted(COMMAND_OPTIONS)))
    model = draw(st.sampled_from(["two_layer", "mlp"]))
    option = draw(st.sampled_from(COMMAND_OPTIONS[command]))
    return [command, model, option, draw(st.sampled_from(BAD_VALUES[option]))]


@SETTINGS
@given(argv=bad_model_commands())
def test_bad_model_arguments(argv):
    status, out, err = run(argv)
    assert status == 2 and not out
    assert_clean(status, err)


@SETTINGS
@given(gamma=st.one_of(st.sampled_from(["0", "-1", "1e300", "inf", "nan", "1", "0.5", "1e-320", "abc", ""]),
                       st.floats(min_value=0.011, max_value=1e308).map(repr)),
       tol=st.sampled_from(["0", "-1e-10", "1e300", "1", "0.01", "nan", "x", "1e-16"]))
def test_bad_numbers(tmp_path, gamma, tol):
    status, _, err = run(["demo", "--gamma", gamma, "--out", str(tmp_path / "demo")])
    assert status == 2
    assert_clean(status, err)
    status, _, err = run(["saddles", "--data", str(tmp_path / "missing.npz"), "--tol", tol])
    assert status == 2 and "--tol" in err
    assert_clean(status, err)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tokens=st.lists(st.sampled_from(["reproduce", "saddles", "derive", "check", "demo", "--json", "--out",
                                        "--force", "--data", "--quick", "list", "-x", "--", "--n", "three"]),
                       min_size=1, max_size=5))
def test_token_soup_never_tracebacks(tmp_path, monkeypatch, tokens):
    """Random sequences of real and fake tokens (running nothing long: see the filter below)."""
    monkeypatch.chdir(tmp_path)
    if tokens[0] in ("demo", "check", "reproduce") and "--help" not in tokens and len(tokens) == 1:
        return                                  # a complete, valid, long command: not a fuzz target
    if tokens[0] == "reproduce" and "list" not in tokens:
        return
    status, _, err = run(tokens)
    assert_clean(status, err)


# -- the real console script -------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("argv, fixture", [
    (["saddles", "--data", "{tmp}/truncated.npz"], "truncated"),
    (["check", "two_layer", "--points", "0"], None),
])
def test_console_script_errors_are_one_line(tmp_path, argv, fixture):
    if fixture == "truncated":
        buf = io.BytesIO()
        np.savez(buf, X=np.ones((3, 2)), y=np.ones(3))
        (tmp_path / "truncated.npz").write_bytes(buf.getvalue()[:50])
    proc = subprocess.run(["symsaddle", *[a.format(tmp=tmp_path) for a in argv]], capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("symsaddle: error: ")
