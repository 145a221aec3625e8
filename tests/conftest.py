import contextlib
import io
import json
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from hypothesis import settings

matplotlib.use("Agg")
os.environ.setdefault("MPLBACKEND", "Agg")

# The suite is deterministic: every property test draws the same examples on every machine and run
# (a red CI must mean a change broke something). To explore new random examples instead:
#     python -m pytest --hypothesis-profile=explore
settings.register_profile("deterministic", derandomize=True, database=None)
settings.register_profile("explore", max_examples=200)
settings.load_profile("deterministic")


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "regression: compares with a value symsaddle itself produced earlier (guards against change; "
                   "verifies nothing) — kept apart from the verification tests")


@pytest.fixture
def rng():
    return np.random.default_rng(20261123)


@dataclass(frozen=True)
class Reproduction:
    """One ``symsaddle reproduce <case> --json --out <folder>`` run: the printed JSON, the folder it wrote into,
    and the values some of the case's own functions returned during the run (``calls[name]``: a list of
    ``(args, kwargs, value)``), so that a test can check an intermediate result without recomputing it."""

    result: dict
    folder: Path
    calls: dict


def reproduce_recording(tmp_path_factory, case: str, module, names: tuple[str, ...]) -> Reproduction:
    """Run the case once through the command line, saved figures checked for overlapping text
    (``FigureLayoutWarning`` as an error), recording the calls to ``module.<name>`` for each name."""
    from symsaddle.cli import main
    from symsaddle.reports import FigureLayoutWarning

    calls = {name: [] for name in names}

    def recorder(name, function):
        def recording(*args, **kwargs):
            value = function(*args, **kwargs)
            calls[name].append((args, kwargs, value))
            return value
        return recording

    out = tmp_path_factory.mktemp(case)
    stdout = io.StringIO()
    with pytest.MonkeyPatch.context() as mp, warnings.catch_warnings(), contextlib.redirect_stdout(stdout):
        warnings.simplefilter("error", FigureLayoutWarning)
        for name in names:
            mp.setattr(module, name, recorder(name, getattr(module, name)))
        status = main(["reproduce", case, "--json", "--out", str(out)])
    assert status == 0
    result = json.loads(stdout.getvalue())
    if "full_result" in result:                   # a large result: stdout holds a summary, the file everything
        result = json.loads(Path(result["full_result"]).read_text())
    return Reproduction(result, out, calls)


@pytest.fixture(scope="session")
def d7n5_reproduction(tmp_path_factory) -> Reproduction:
    """``symsaddle reproduce diagonal-saddle-to-saddle-d7n5`` (≈ 3 min of CPU), run once for the tests that
    check its figures, its float64 loop (Table 9) and its float64-vs-mpmath comparison."""
    from symsaddle.diagonal import cases
    return reproduce_recording(tmp_path_factory, "diagonal-saddle-to-saddle-d7n5", cases,
                               ("seed_loop", "float64_comparison"))


@pytest.fixture(scope="session")
def deep_linear_critical_reproduction(tmp_path_factory) -> Reproduction:
    """``symsaddle reproduce deep-linear-critical-points``, run once for its interface test and for the
    tests of its 88-point critical-point survey (≈ 15 s of CPU)."""
    from symsaddle.deep_linear import cases
    return reproduce_recording(tmp_path_factory, "deep-linear-critical-points", cases, ("survey_critical_points",))


@pytest.fixture(scope="session")
def ncf_origin_reproduction(tmp_path_factory) -> Reproduction:
    """``symsaddle reproduce ncf-near-origin``, run once for its interface test and the alignment tests of
    its two small-initialisation studies (squared ReLU and ReLU)."""
    from symsaddle.ncf import cases
    return reproduce_recording(tmp_path_factory, "ncf-near-origin", cases, ("small_init_study",))


@pytest.fixture(scope="session")
def ncf_saddle_reproduction(tmp_path_factory) -> Reproduction:
    """``symsaddle reproduce ncf-near-saddle``, run once for its interface test and the alignment tests of
    its study near the Appendix D.3 saddle."""
    from symsaddle.ncf import cases
    return reproduce_recording(tmp_path_factory, "ncf-near-saddle", cases, ("saddle_study",))


@pytest.fixture(scope="session")
def digits_line_reproduction(tmp_path_factory) -> Reproduction:
    """``symsaddle reproduce digits-saddle-line``, run once for its interface test and the test of its
    descent on the thesis's network (1000 L-BFGS and 10 Newton steps on the 1797 digits)."""
    from symsaddle.symmetry import digits_line
    return reproduce_recording(tmp_path_factory, "digits-saddle-line", digits_line, ("descend",))


@pytest.fixture(scope="session")
def stepsize_four_depths(tmp_path_factory) -> tuple[dict, Path]:
    """``stepsize_report`` for the case's four configurations with reduced counts (8 bound samples and 2
    ladders per configuration; the registered case runs 1000 and 100), figures saved with
    ``FigureLayoutWarning`` as an error: (result, folder). Each configuration's networks depend only on
    its widths and the seed, so the report of any subset of the configurations is part of this one."""
    from symsaddle.deep_linear.cases import stepsize_report
    from symsaddle.reports import FigureLayoutWarning

    out = tmp_path_factory.mktemp("stepsize")
    with warnings.catch_warnings():
        warnings.simplefilter("error", FigureLayoutWarning)
        return stepsize_report(out, False, n_bounds=8, n_ladders=2), out
