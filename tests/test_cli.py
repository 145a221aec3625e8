"""The command line: outputs, the one error channel, the --out rule, JSON on stdout vs in files."""

import argparse
import importlib.metadata
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.linalg
from hypothesis import given, settings
from hypothesis import strategies as st

from symsaddle import ACTIVATIONS
from symsaddle.cli import LARGE_JSON, main
from symsaddle.datasets import seed000
from symsaddle.progress import ProgressBar
from symsaddle.registry import REGISTRY


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("symsaddle: error: ")
    return lines[0]


@pytest.fixture
def pf_figure2(tmp_path):
    """Pesme & Flammarion Fig. 2 (pesme_flammarion.md §4): XᵀX = M, β* = (1, 9, 10); jump times
    0, 0.05, 1.05, 15 and saddles (3, 0, 0), (0, 10, 0), (1, 9, 10) worked out there by hand."""
    M = np.array([[20, 6, -1.4], [6, 2, -0.4], [-1.4, -0.4, 0.12]])
    X = np.real(scipy.linalg.sqrtm(M))
    path = tmp_path / "fig2.npz"
    np.savez(path, X=X, y=X @ np.array([1.0, 9.0, 10.0]))
    return path, X, X @ np.array([1.0, 9.0, 10.0])


@pytest.mark.slow
def test_demo_writes_table_figure_and_json(tmp_path, capsys):
    assert main(["demo", "--json", "--out", str(tmp_path)]) == 0
    result = json.loads(capsys.readouterr().out)
    kinds = [row["kind"] for row in result["saddles"]]
    assert kinds == ["strict saddle", "strict saddle", "minimiser"]
    assert result["trajectory"]["reached_minimiser"] is True
    for name in ("trajectory.png", "trajectory.pdf", "visited_equilibria.md", "visited_equilibria.tex",
                 "closed_form.tex", "result.json"):
        assert (tmp_path / name).exists(), name
    # the second plateau is the least-squares fit on coordinate 1, p₁ = Σx₁y/Σx₁² (closed form), which
    # seed 000 Table 5 prints as p = (0.4543, 0)
    X, y, _ = seed000(d=2, n=2)
    fit = X[:, 0] @ y / (X[:, 0] @ X[:, 0])
    assert result["saddles"][1]["p"] == pytest.approx([fit, 0.0], abs=1e-12)     # full precision, not 6 decimals
    assert fit == pytest.approx(0.4543, abs=5e-5)
    assert json.loads((tmp_path / "result.json").read_text()) == result
    # the closed form as `derive --json` writes it: LaTeX, eigenvalues as a list of {value, multiplicity};
    # at θ = 0 the flow Jacobian of F = ½(u v x − y)² is [[0, xy], [xy, 0]], eigenvalues ∓xy; on u = y/(v x)
    # the family is valid for v ≠ 0, written with the demo's names (v, not v_{1})
    families = result["closed_form"]["families"]
    origin = next(f for f in families if f["point"] == ["0", "0"])
    assert sorted(origin["flow_eigenvalues"], key=str) == [{"value": "- x y", "multiplicity": 1},
                                                          {"value": "x y", "multiplicity": 1}]
    assert {"point", "free", "loss", "conditions", "flow_eigenvalues", "latex"} <= set(origin)
    assert [r"v \neq 0"] in [f["conditions"] for f in families]


@pytest.mark.slow
def test_demo_text_prints_numbers_not_python_reprs(tmp_path, capsys):
    """Text mode: eigenvalues and p as formatted numbers (%.6g, comma-separated), no tuples or reprs.
    At θ = 0 the Hessian of F = ½(u v x − y)² is [[0, −xy], [−xy, 0]], so the flow −∇F has the
    eigenvalues ∓xy there; the second plateau is p = (Σx₁y/Σx₁², 0) (see the JSON test above)."""
    assert main(["demo", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "eigenvalues -x*y, x*y\n" in out
    assert "('" not in out and "np.float64" not in out
    assert "_{" not in out and "\\" not in out          # no LaTeX in text mode (closed_form.tex has it)
    X, y, _ = seed000(d=2, n=2)
    fit = X[:, 0] @ y / (X[:, 0] @ X[:, 0])
    assert f"p = [{fit:.6g}, 0], loss after polishing = " in out


@pytest.mark.slow
def test_demo_closed_form_is_plain_text():
    """F = ½(u v x − y)² vanishes on u = y/(v x): the second family, written without LaTeX subscripts."""
    import sympy as sp

    from symsaddle import models
    from symsaddle._objective import Objective
    from symsaddle.demo import _plain
    from symsaddle.equilibria import solve_equilibria
    sym = Objective.symbolic(models.diagonal_linear(1), n=1)
    assert _plain(sym.expression) == "(u1*v1*x - y)**2/2"
    assert ("v1", "y/(v1*x)") in {tuple(map(_plain, f.point)) for f in solve_equilibria(sym)}
    assert _plain(sp.Symbol("w_{12}") + 1) == "w12 + 1"


def test_demo_formats_eigenvalues_and_multiplicities():
    import sympy as sp
    from types import SimpleNamespace

    from symsaddle.demo import _eigenvalues
    from symsaddle.equilibria import EigenPair
    x, y = sp.symbols("x y")
    family = SimpleNamespace(eigen=(EigenPair(sp.Rational(1, 3), 1, ()), EigenPair(sp.Integer(0), 2, ()),
                                    EigenPair(-x * y, 1, ())))
    assert _eigenvalues(family) == "0.333333, 0 (×2), -x*y"


@pytest.mark.slow
def test_demo_reaches_the_interpolator_at_the_smallest_allowed_gamma(tmp_path, capsys):
    """At γ = 1e-70 (the demo's lower bound) GD still visits both saddles and ends at the interpolator
    p = p* (n = d = 2: X is invertible, so Xp = y = Xp* has the one solution p*)."""
    from symsaddle.demo import GAMMA_RANGE
    assert main(["demo", "--json", "--gamma", f"{GAMMA_RANGE[0]:g}", "--out", str(tmp_path)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert [row["kind"] for row in result["saddles"]] == ["strict saddle", "strict saddle", "minimiser"]
    assert "underflow" not in result["trajectory"]["status"]
    _, _, p_star = seed000(d=2, n=2)
    assert result["saddles"][-1]["p"] == pytest.approx(p_star, abs=1e-6)


@pytest.mark.slow
def test_derive_prints_equilibria_as_latex(capsys):
    assert main(["derive", "diagonal_linear", "--d", "1", "--equilibria", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    points = [fam["point"] for fam in result["equilibria"]]
    assert ["0", "0"] in points
    assert any(p[1] == r"\frac{y}{v_{1} x}" for p in points)


@pytest.mark.slow
def test_derive_logistic_prints_the_loss_at_the_origin_as_log_2(capsys):
    """Logistic loss softplus(−u v x y): at the family θ = 0 the loss is softplus(0) = log 2, printed
    as such; the flow eigenvalues there are ∓xy σ(0) = ∓xy/2 (Hessian [[0, −xyσ(0)], [−xyσ(0), 0]])."""
    assert main(["derive", "diagonal_linear", "--d", "1", "--loss", "logistic", "--equilibria"]) == 0
    out = capsys.readouterr().out
    assert "softplus}\\left(0" not in out
    family = next(line for line in out.splitlines() if r"\theta = \left[0, 0\right]" in line)
    assert r"L = \log{\left(2 \right)}" in family and r"\frac{x y}{2}" in family


@pytest.mark.slow
def test_derivation_tex_holds_formulas_and_the_verdict_as_comments(tmp_path, capsys):
    """derivation.tex: a fragment to \\input (no preamble; its first line names amsmath), each formula an align*
    (no plain-text heading or sentence in math mode; headings are comments); the completeness report follows as
    LaTeX comments; derivation_document.tex holds the same in a document. F = ½(uvx − y)² has
    ∂F/∂v = ux(uvx − y)."""
    assert main(["derive", "diagonal_linear", "--d", "1", "--equilibria", "--out", str(tmp_path)]) == 0
    text = (tmp_path / "derivation.tex").read_text()
    first, *lines = text.splitlines()
    assert first.startswith("% symsaddle derivation") and r"\usepackage{amsmath}" in first
    displays = re.findall(r"\\begin\{align\*\}\n(.*?)\n\\end\{align\*\}", text, re.DOTALL)
    outside = re.sub(r"\\begin\{align\*\}\n.*?\n\\end\{align\*\}\n", "", text, flags=re.DOTALL)
    assert all(line.startswith("%") for line in outside.splitlines()), outside
    assert not any(words in d for d in displays for words in ("gradient:", "Hessian:", "families:", "completeness"))
    assert r"\frac{\partial L}{\partial v_{1}} &= u_{1} x \left(u_{1} v_{1} x - y\right)" in displays
    comments = [line for line in lines if line.startswith("% ")]
    assert comments[-5].startswith("% symbolic solve:") and comments[-4].startswith("% completeness: complete")
    assert text.split("\n", 1)[1] in (tmp_path / "derivation_document.tex").read_text()


def test_check_command_passes_and_reports_json(capsys):
    assert main(["check", "two_layer", "--activation", "sigmoid", "--width", "2", "--n", "3", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["passed"] is True


def test_check_command_says_how_it_compared_the_hessian(capsys):
    """--hessian lines --lines 3: the text and the JSON name the mode and the number of directions;
    auto on a 4-parameter model compares every entry."""
    argv = ["check", "diagonal_linear", "--points", "1", "--hessian", "lines", "--lines", "3"]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "Hessian along lines: u_iᵀ∇²L u_j for 3 fixed unit directions (6 entries per point)" in text
    assert "| H[u_i, u_j] | kernel | 6 |" in text
    assert main([*argv, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["hessian"], result["line_directions"], result["passed"]) == ("lines", 3, True)
    assert main(["check", "diagonal_linear", "--points", "1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["hessian"] == "full"


def test_version_is_the_installed_distribution(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"symsaddle {importlib.metadata.version('symsaddle')}"


def test_version_imports_no_numerical_library():
    """`symsaddle --version` answers without importing SymPy, NumPy, SciPy, mpmath or Matplotlib
    (they cost seconds of CPU); checked in a fresh interpreter, where nothing is imported yet."""
    code = ("import sys\nfrom symsaddle.cli import main\nassert main(['--version']) == 0\n"
            "print(sorted(m for m in ('sympy', 'numpy', 'scipy', 'mpmath', 'matplotlib') if m in sys.modules))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.splitlines() == [f"symsaddle {importlib.metadata.version('symsaddle')}", "[]"]


def _subcommands() -> argparse._SubParsersAction:
    from symsaddle.cli import build_parser
    return next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))


def test_every_command_option_has_help():
    for command, parser in _subcommands().choices.items():
        for action in parser._actions:
            assert action.help, f"symsaddle {command} {'/'.join(action.option_strings) or action.dest}"


def test_loss_help_explains_every_loss():
    from symsaddle._losses import LOSSES
    subcommands = _subcommands()
    for command in ("derive", "check"):
        loss = next(a for a in subcommands.choices[command]._actions if "--loss" in a.option_strings)
        assert set(loss.choices) == set(LOSSES)
        assert loss.help and all(name in loss.help for name in LOSSES), loss.help


def test_activation_help_lists_every_activation(capsys):
    assert main(["derive", "--help"]) == 0
    help_text = " ".join(capsys.readouterr().out.split())
    for name in ACTIVATIONS:
        assert name in help_text


def test_reproduce_case_help_lists_the_cases_own_options(capsys):
    """``reproduce CASE --help`` gives every option the case registered, with its help text, allowed values
    and default, after the options all cases take; without a case, the command's own help."""
    from symsaddle.reproduce import cases

    for name, case in cases().items():
        assert main(["reproduce", name, "--help"]) == 0
        text = " ".join(capsys.readouterr().out.split())
        assert text.startswith(f"usage: symsaddle reproduce {name}") and "--json" in text and "--out DIR" in text
        assert f"(default symsaddle-output/{name})" in text
        assert f"Typical runtime: {case.runtime} (with the default options, measured on a 2-core machine" in text
        for opt in case.options:
            assert f"{opt.flag} " in text and f"{' '.join(opt.help.split())}; " in text
            assert f"default {opt.default}" in text
        if not case.options:
            assert f"{name} has no options of its own" in text
    assert main(["reproduce", "teacher-student", "-h"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "--method {newton,adam} 'newton' (batched trust-region Newton)" in text and "one of newton, adam" in text
    assert "--inits INITS number of initialisations; whole number ≥ 1; default 1000" in text
    assert "--max-iterations MAX_ITERATIONS trust-region iterations; whole number ≥ 1; default 300" in text
    assert main(["reproduce", "--help"]) == 0
    assert "symsaddle reproduce CASE --help" in " ".join(capsys.readouterr().out.split())


@pytest.mark.parametrize("argv, words", [
    (["check", "two_layer", "--activation", "swish"], "unknown activation 'swish'"),
    (["check", "two_layer", "--points", "0"], "--points: must be a whole number ≥ 1, got 0"),
    (["check", "two_layer", "--points", "-3"], "--points: must be a whole number ≥ 1, got -3"),
    (["check", "two_layer", "--n", "-2"], "--n: must be a whole number ≥ 1, got -2"),
    (["check", "two_layer", "--lines", "0"], "--lines: must be a whole number ≥ 1, got 0"),
    (["check", "two_layer", "--hessian", "diagonal"], "--hessian: invalid choice: 'diagonal'"),
    (["derive", "diagonal_linear", "--n", "0"], "--n: must be a whole number ≥ 1, got 0"),
    (["derive", "deep_linear", "--widths", "3"], "--widths needs at least two numbers"),
    (["derive", "two_layer", "--normalization", "-1"], "must be 'mean', 'sum' or a positive number"),
    (["demo", "--gamma", "1e300"], "--gamma: must lie in [1e-70, 0.01]"),
    (["demo", "--gamma", "0"], "--gamma: must lie in [1e-70, 0.01]"),
    (["demo", "--out", ""], "--out: must name a folder, got an empty path ''"),
    (["saddles", "--data", "x.csv", "--out", " "], "--out: must name a folder, got an empty path ' '"),
    (["reproduce", "no-such-case"], "unknown case 'no-such-case'"),
    (["reproduce", "ncf-near-saddle", "--quick"], "has no --quick mode"),
    (["reproduce", "no-such-case", "--help"], "unknown case 'no-such-case'"),
    (["saddles"], "the following arguments are required: --data"),
    (["derive", "diagonal_linear", "--bogus"], "unrecognized arguments: --bogus (see 'symsaddle derive --help')"),
    (["saddles", "--data", "x.npz", "--bogus"], "--bogus (see 'symsaddle saddles --help')"),
    (["nonsense"], "invalid choice: 'nonsense'"),
])
def test_bad_input_is_one_line_with_status_2(argv, words, capsys):
    assert main(argv) == 2
    assert words in one_line_error(capsys)


def test_saddles_bad_paths(tmp_path, capsys):
    assert main(["saddles", "--data", str(tmp_path)]) == 2
    assert "is a folder" in one_line_error(capsys)
    assert main(["saddles", "--data", str(tmp_path / "missing.npz")]) == 2
    assert "does not exist" in one_line_error(capsys)
    np.save(tmp_path / "X.npy", np.ones((3, 2)))
    assert main(["saddles", "--data", str(tmp_path / "X.npy")]) == 2
    assert "numpy.savez" in one_line_error(capsys)


@pytest.mark.parametrize("tol", ["1e300", "1", "0.5", "0", "-1e-10", "nan", "1e-300"])
def test_saddles_refuses_meaningless_tolerances(pf_figure2, tol, capsys):
    # --tol is relative to max|∇L(0)|: from 1 on the origin itself would count as a minimiser
    assert main(["saddles", "--data", str(pf_figure2[0]), "--tol", tol]) == 2
    assert "--tol" in one_line_error(capsys)


@pytest.mark.slow
def test_saddles_json_on_stdout_is_the_json_in_the_file(pf_figure2, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["saddles", "--data", str(pf_figure2[0]), "--json", "--out", str(out)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert json.loads((out / "result.json").read_text()) == printed
    assert sorted(p.name for p in out.iterdir()) == ["limit_path.pdf", "limit_path.png", "predicted.md", "predicted.tex",
                                                     "result.json"]
    np.testing.assert_allclose([s["accelerated_time"] for s in printed["predicted"]], [0, 0.05, 1.05, 15], atol=1e-9)
    np.testing.assert_allclose([s["p"] for s in printed["predicted"]],
                               [[0, 0, 0], [3, 0, 0], [0, 10, 0], [1, 9, 10]], atol=1e-9)
    for s in printed["predicted"]:          # 0-based: support lists the indices of the non-zero entries of p
        assert s["support"] == [i for i, v in enumerate(s["p"]) if abs(v) > 1e-12]


@settings(max_examples=15, deadline=None)
@given(log2_a=st.integers(-300, 300), log2_b=st.integers(-300, 300),
       a_frac=st.floats(1.0, 2.0), b_frac=st.floats(1.0, 2.0))
def test_saddles_do_not_depend_on_the_units_of_the_data(log2_a, log2_b, a_frac, b_frac, tmp_path_factory):
    """X → aX, y → by maps the saddles to (b/a)β_k, the losses to b²L_k and the times to t_k/(ab)
    (L(β) = b² L'(aβ/b)); the answer must follow exactly that, or refuse with status 2 when
    float64 cannot hold it."""
    a, b = a_frac * 2.0 ** log2_a, b_frac * 2.0 ** log2_b
    M = np.array([[20, 6, -1.4], [6, 2, -0.4], [-1.4, -0.4, 0.12]])
    X = np.real(scipy.linalg.sqrtm(M))
    y = X @ np.array([1.0, 9.0, 10.0])
    path = tmp_path_factory.mktemp("scale") / "d.npz"
    np.savez(path, X=a * X, y=b * y)
    import contextlib
    import io
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        status = main(["saddles", "--data", str(path), "--json"])
    if status == 2:
        assert "outside the float64 range" in stderr.getvalue()
        return
    assert status == 0, stderr.getvalue()
    out = json.loads(stdout.getvalue())
    times = np.array([s["accelerated_time"] for s in out["predicted"]])
    p = np.array([s["p"] for s in out["predicted"]])
    np.testing.assert_allclose(times * a * b, [0, 0.05, 1.05, 15], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(p * a / b, [[0, 0, 0], [3, 0, 0], [0, 10, 0], [1, 9, 10]], rtol=1e-9, atol=1e-9)


def test_saddles_at_the_edges_of_float64(tmp_path, capsys):
    """Found by the fuzzer: y = 1.27e308 (loss y²/2 overflows) must be refused, not crash (the fuzzer's x = 0
    is now refused earlier, as X = 0); data at 1e-150 must give the least-squares fit p = Σxy/Σx² = 3/5
    (a closed form; X is one feature)."""
    (tmp_path / "huge.csv").write_text("1.0,1.27e308\n")
    assert main(["saddles", "--data", str(tmp_path / "huge.csv")]) == 2
    assert "outside the float64 range" in one_line_error(capsys)
    (tmp_path / "huge.csv").write_text("0.0,1.27e308\n")
    assert main(["saddles", "--data", str(tmp_path / "huge.csv")]) == 2
    assert "X is zero (rank 0)" in one_line_error(capsys)
    (tmp_path / "tiny.csv").write_text("1e-150,1e-150\n2e-150,1e-150\n")
    assert main(["saddles", "--data", str(tmp_path / "tiny.csv"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["predicted"][-1]["p"] == [pytest.approx(0.6, rel=1e-14)]


def test_out_rule_is_the_same_for_every_command(tmp_path, capsys):
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    assert main(["derive", "diagonal_linear", "--d", "1", "--out", str(a_file)]) == 2
    assert "is an existing file" in one_line_error(capsys)
    out = tmp_path / "derive"
    assert main(["derive", "diagonal_linear", "--d", "1", "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["derive", "diagonal_linear", "--d", "1", "--out", str(out)]) == 2
    assert "--force" in one_line_error(capsys)
    assert main(["derive", "diagonal_linear", "--d", "1", "--out", str(out), "--force"]) == 0
    for argv in (["demo"], ["check", "diagonal_linear"], ["reproduce", "ncf-near-saddle"]):
        assert main([*argv, "--out", str(a_file)]) == 2, argv
        assert "is an existing file" in one_line_error(capsys)


@pytest.fixture
def fake_cases():
    """Two cases registered for the test only: one returns a large result, one fails inside."""
    def large(out_dir, progress):
        return {"big": list(range(LARGE_JSON // 4)), "small": 1, "text": "large case done"}

    def broken(out_dir, progress):
        return {"x": np.linalg.inv(np.zeros((2, 2)))}

    REGISTRY.case("test-large", "large", paper="none", topic="test", renamed_from=("test-old-name",))(large)
    REGISTRY.case("test-broken", "broken", paper="none", topic="test")(broken)
    yield
    for name in ("test-large", "test-broken"):
        REGISTRY.cases.pop(name)
    REGISTRY.renamed.pop("test-old-name")


def test_large_json_is_summarised_with_the_path_of_the_full_file(fake_cases, tmp_path, capsys):
    assert main(["reproduce", "test-large", "--json", "--out", str(tmp_path)]) == 0
    printed = json.loads(capsys.readouterr().out)
    full = json.loads((tmp_path / "result.json").read_text())
    assert printed["full_result"] == str(tmp_path / "result.json")
    assert printed["omitted"] == ["big"] and printed["small"] == 1
    assert full["big"] == list(range(LARGE_JSON // 4))

def test_large_json_without_out_goes_to_a_temporary_file(tmp_path, monkeypatch, capsys):
    """A command run without --out (e.g. saddles) never prints a result over 100 kB whole. The temporary
    folder is made under pytest's tmp_path, so that the test leaves nothing behind in the system's /tmp."""
    import argparse
    import tempfile
    import time

    from symsaddle.cli import _emit
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    result = {"big": list(range(LARGE_JSON // 4)), "small": 1, "text": "done"}
    _emit(argparse.Namespace(json=True, command="saddles"), result, None, time.time())
    printed = json.loads(capsys.readouterr().out)
    assert printed["omitted"] == ["big"] and printed["small"] == 1
    assert json.loads(Path(printed["full_result"]).read_text())["big"] == list(range(LARGE_JSON // 4))
    assert Path(printed["full_result"]).parent.parent == tmp_path


def test_text_mode_says_where_it_wrote_and_old_names_still_work(fake_cases, tmp_path, capsys):
    assert main(["reproduce", "test-old-name", "--out", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    assert "large case done" in captured.out
    assert f"to {tmp_path.resolve()}" in captured.out
    assert "is now called 'test-large'" in captured.err


def test_reproduce_writes_into_out_itself_and_by_default_into_a_folder_named_after_the_case(
        fake_cases, tmp_path, monkeypatch, capsys):
    """--out DIR is the folder the files go into, as for every other command; without it,
    symsaddle-output/CASE (relative to the working directory)."""
    monkeypatch.chdir(tmp_path)
    assert main(["reproduce", "test-large", "--out", "mine"]) == 0
    assert sorted(p.name for p in (tmp_path / "mine").iterdir()) == ["result.json"]
    assert main(["reproduce", "test-large"]) == 0
    assert sorted(p.name for p in (tmp_path / "symsaddle-output" / "test-large").iterdir()) == ["result.json"]
    assert f"to {(tmp_path / 'symsaddle-output' / 'test-large').resolve()}" in capsys.readouterr().out
    assert main(["demo", "--help"]) == 0 and main(["saddles", "--help"]) == 0
    for text in capsys.readouterr().out.split("usage: ")[1:]:
        assert "--out DIR the folder the tables, JSON and figures are written into" in " ".join(text.split())


def test_a_default_folder_that_holds_files_is_not_called_the_out_folder(fake_cases, tmp_path, monkeypatch, capsys):
    """A new user's report: a second `symsaddle demo` said "--out folder symsaddle-output/demo already holds files"
    although no --out was given. Without --out the message names the default folder and both ways out."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "symsaddle-output" / "demo").mkdir(parents=True)
    (tmp_path / "symsaddle-output" / "demo" / "result.json").write_text("{}")
    assert main(["demo"]) == 2
    assert one_line_error(capsys) == ("symsaddle: error: the output folder symsaddle-output/demo already holds files "
                                      "(use --force or --out DIR)")
    assert main(["demo", "--out", "symsaddle-output/demo"]) == 2          # named with --out: said so
    assert one_line_error(capsys).startswith("symsaddle: error: --out folder symsaddle-output/demo already holds files")
    assert main(["reproduce", "test-large"]) == 0
    capsys.readouterr()
    assert main(["reproduce", "test-large"]) == 2
    assert one_line_error(capsys) == ("symsaddle: error: the output folder symsaddle-output/test-large already holds "
                                      "files (use --force or --out DIR)")


def test_activation_names_are_case_insensitive_and_an_unknown_one_lists_the_names(capsys):
    """The command line cannot pass a symsaddle.Activation object, so its error lists the names only."""
    assert main(["derive", "two_layer", "--d-in", "1", "--width", "1", "--activation", "RELU", "--json"]) == 0
    assert r"\mathbb{1}" in json.loads(capsys.readouterr().out)["loss"]          # relu's step function
    assert main(["derive", "two_layer", "--activation", "swish"]) == 2
    line = one_line_error(capsys)
    assert f"unknown activation 'swish'; choose one of {', '.join(sorted(ACTIVATIONS))}" in line
    assert "symsaddle.Activation" not in line


def test_sweep_help_says_out_is_required(capsys):
    """`sweep --help` said that without --out nothing is written, but a sweep without a folder is refused."""
    assert main(["sweep", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "nothing is written" not in text
    assert 'required unless the specification gives "out"' in text


def test_a_failed_computation_is_status_1_and_debug_shows_the_traceback(fake_cases, tmp_path, capsys):
    assert main(["reproduce", "test-broken", "--out", str(tmp_path / "a")]) == 1
    line = one_line_error(capsys)
    assert "LinAlgError" in line and "--debug" in line
    assert main(["reproduce", "test-broken", "--out", str(tmp_path / "b"), "--debug"]) == 1
    assert "Traceback (most recent call last)" in capsys.readouterr().err


@pytest.mark.slow
def test_python_dash_m_is_the_console_script(tmp_path):
    out_m = subprocess.run([sys.executable, "-m", "symsaddle", "derive", "diagonal_linear", "--d", "1", "--json"],
                           capture_output=True, text=True, check=True).stdout
    out_s = subprocess.run(["symsaddle", "derive", "diagonal_linear", "--d", "1", "--json"],
                           capture_output=True, text=True, check=True).stdout
    assert out_m == out_s and json.loads(out_m)["gradient"]


def test_a_watched_long_run_says_it_is_still_running(capsys):
    """On a terminal, an analysis without a progress bar of its own still shows it is alive."""
    import time

    from symsaddle import cli
    with cli._heartbeat("reproduce toy", True, every=0.05):
        time.sleep(0.3)
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "symsaddle: reproduce toy: started"
    assert len(lines) >= 3 and all(line.startswith("symsaddle: reproduce toy: still running (0 min 00 s)")
                                   for line in lines[1:])
    with cli._heartbeat("reproduce toy", False, every=0.05):     # not watched (a pipe, a test): silent
        time.sleep(0.1)
    assert capsys.readouterr().err == ""


def test_a_watched_check_says_what_it_derives(monkeypatch, capsys):
    """`check` on a medium model spends minutes in SymPy with no output of its own: on a terminal it says
    at the start how many Hessian entries the exact reference differentiates (P(P+1)/2)."""
    from symsaddle import cli
    monkeypatch.setattr(cli.sys.stderr, "isatty", lambda: True)      # --progress auto: a terminal watches
    assert main(["check", "diagonal_linear", "--d", "2", "--points", "1"]) == 0
    first = capsys.readouterr().err.splitlines()[0]
    assert first == ("symsaddle: check diagonal_linear, P = 4 (the exact reference differentiates the loss "
                     "P(P+1)/2 = 10 times in SymPy: minutes from P ≈ 40 on): started")
    assert main(["check", "diagonal_linear", "--d", "2", "--points", "1", "--hessian", "lines", "--lines", "2"]) == 0
    first = capsys.readouterr().err.splitlines()[0]
    assert first == "symsaddle: check diagonal_linear, P = 4 (the Hessian along 2 lines): started"


@pytest.fixture
def counting_case():
    """A case registered for the test only: a loop of 500 steps with a progress bar, and two files written
    (one in a subfolder)."""
    def count(out_dir, progress):
        for _ in ProgressBar(range(500), disable=not progress, desc="toy loop", unit="step"):
            pass
        (out_dir / "figures").mkdir()
        (out_dir / "figures" / "toy.png").write_bytes(b"not a real png")
        (out_dir / "toy.md").write_text("| toy |\n")
        return {"text": "counted to 500"}

    REGISTRY.case("test-count", "count", paper="none", topic="test")(count)
    yield
    REGISTRY.cases.pop("test-count")


def test_progress_always_reaches_the_bars_and_writes_lines_into_a_log(counting_case, tmp_path, capsys):
    """`nohup symsaddle reproduce … > log 2>&1`: stderr is not a terminal (here capsys). With --progress always
    the heartbeat and the case's own bar appear, as lines without carriage returns and sparse: 500 updates
    within LOG_INTERVAL (30 s) give the bar's first and last state only. never, and auto off a terminal: nothing."""
    assert main(["reproduce", "test-count", "--out", str(tmp_path / "a"), "--progress", "always"]) == 0
    err = capsys.readouterr().err
    assert "\r" not in err
    lines = err.splitlines()
    assert lines[0] == "symsaddle: reproduce test-count: started"
    bar = [line for line in lines if line.startswith("toy loop:")]
    assert len(bar) == 2 and " 0/500 " in bar[0] and "100%" in bar[1] and " 500/500 " in bar[1]
    assert main(["--progress", "always", "reproduce", "test-count", "--out", str(tmp_path / "b")]) == 0
    assert "500/500" in capsys.readouterr().err                     # also given before the command
    assert main(["reproduce", "test-count", "--out", str(tmp_path / "c"), "--progress", "never"]) == 0
    assert capsys.readouterr().err == ""
    assert main(["reproduce", "test-count", "--out", str(tmp_path / "d")]) == 0       # auto, not a terminal
    assert capsys.readouterr().err == ""


@pytest.mark.slow
def test_every_core_command_honours_progress(tmp_path, capsys):
    """derive --equilibria (its time-budget and search bars), check (a heartbeat): lines with always, none with
    never, also when stderr is not a terminal."""
    derive = ["derive", "diagonal_linear", "--d", "1", "--equilibria"]
    assert main([*derive, "--progress", "always"]) == 0
    err = capsys.readouterr().err
    assert "s budget |" in err and "numerical critical-point search:" in err and "\r" not in err
    assert main([*derive, "--progress", "never"]) == 0
    assert capsys.readouterr().err == ""
    check = ["check", "diagonal_linear", "--d", "1", "--points", "1"]
    assert main([*check, "--progress", "always"]) == 0
    assert capsys.readouterr().err.startswith("symsaddle: check diagonal_linear, P = 2 (")
    assert main([*check, "--progress", "never"]) == 0
    assert capsys.readouterr().err == ""


def test_result_json_lists_its_files_relative_to_its_own_folder(counting_case, tmp_path, monkeypatch, capsys):
    """Run from another working directory with a relative --out, then move the folder: every path in
    result.json's ``files`` still names a file, relative to the folder holding result.json, and they are
    exactly the files in that folder."""
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    assert main(["reproduce", "test-count", "--out", "../runs/first"]) == 0
    capsys.readouterr()
    moved = tmp_path / "elsewhere" / "moved"
    moved.parent.mkdir()
    (tmp_path / "runs" / "first").rename(moved)
    monkeypatch.chdir(tmp_path)
    files = json.loads((moved / "result.json").read_text())["files"]
    assert all((moved / f).is_file() for f in files)
    assert sorted(files) == sorted(p.relative_to(moved).as_posix() for p in moved.rglob("*") if p.is_file())
    assert "figures/toy.png" in files
    assert main(["--help"]) == 0
    assert "lists the files written in 'files', as paths relative to DIR" in " ".join(capsys.readouterr().out.split())


@pytest.mark.parametrize("argv, message", [
    (["check", "two_layer", "--d", "3"], "--d applies to diagonal_linear, not to two_layer"),
    (["check", "diagonal_linear", "--widths", "2", "3"], "--widths applies to deep_linear and mlp, not to diagonal_linear"),
    (["derive", "deep_linear", "--activation", "relu"], "--activation applies to two_layer and mlp, not to deep_linear"),
    (["derive", "diagonal_linear", "--timeout", "5"], "--timeout is the budget of --equilibria"),
])
def test_an_option_for_another_model_is_refused_not_ignored(capsys, argv, message):
    assert main(argv) == 2
    assert message in one_line_error(capsys)


def test_saddles_text_shows_the_active_coordinates_of_a_long_vector(tmp_path, capsys):
    # d = 12: the rows printed only p = [0, 0, 0, 0, …] (the first four coordinates) whatever the support
    X = np.random.default_rng(3).normal(size=(3, 12))
    p_star = np.zeros(12)
    p_star[[5, 9, 11]] = [1.0, -2.0, 3.0]
    np.savez(tmp_path / "d12.npz", X=X, y=X @ p_star)
    assert main(["saddles", "--data", str(tmp_path / "d12.npz"), "--json"]) == 0
    predicted = json.loads(capsys.readouterr().out)["predicted"]
    assert main(["saddles", "--data", str(tmp_path / "d12.npz")]) == 0
    rows = [row for row in capsys.readouterr().out.splitlines() if row.lstrip().startswith("t̃ =")]
    assert len(rows) == len(predicted) >= 2
    for row, entry in zip(rows, predicted):
        shown = row.split("  p = ")[1]
        nonzero = [i for i, v in enumerate(entry["p"]) if v != 0]
        assert [int(t.split("]")[0]) for t in shown.split("p[")[1:]] == nonzero
        assert shown.startswith("0 except p[" if nonzero else "0 (12 entries)")


def test_saddles_count_indices_from_0_like_the_json(pf_figure2, tmp_path, capsys):
    """Every index a user sees — text rows, errors — counts from 0 (the JSON's ``support``) and says so.
    Fig. 2's saddles (3, 0, 0), (0, 10, 0), (1, 9, 10) have the active coordinates {0}, {1}, {0, 1, 2};
    data whose columns 1 and 2 are equal are not in general position; a NaN at X[2, 0] is named there."""
    assert main(["saddles", "--data", str(pf_figure2[0])]) == 0
    head, *rows = capsys.readouterr().out.splitlines()
    assert "coordinates p[i] counted from 0" in head
    active = [row.split(" active ")[1].split("  p = ")[0] for row in rows if row.lstrip().startswith("t̃ =")]
    assert active == ["none", "p[0]", "p[1]", "p[0], p[1], p[2]"]
    X = np.random.default_rng(1).normal(size=(4, 3))
    X[:, 2] = X[:, 1]
    np.savez(tmp_path / "dependent.npz", X=X, y=X @ np.array([0.0, 1.0, 1.0]))
    assert main(["saddles", "--data", str(tmp_path / "dependent.npz")]) == 2
    assert "columns 1, 2 of X (counted from 0) are linearly dependent" in one_line_error(capsys)
    X[2, 0] = np.nan
    np.savez(tmp_path / "nan.npz", X=X, y=np.ones(4))
    assert main(["saddles", "--data", str(tmp_path / "nan.npz")]) == 2
    assert "X contains NaN or inf (first at row 2, column 0, counted from 0)" in one_line_error(capsys)
    np.savez(tmp_path / "zero.npz", X=np.zeros((5, 3)), y=np.arange(1.0, 6.0))
    assert main(["saddles", "--data", str(tmp_path / "zero.npz")]) == 2
    assert "X is zero (rank 0)" in one_line_error(capsys)


def test_plural_agrees_with_the_count():
    from symsaddle.reports import plural
    assert [plural(k, "saddle") for k in (0, 1, 2)] == ["0 saddles", "1 saddle", "2 saddles"]
    assert [plural(k, "minimum", "minima") for k in (1, 3)] == ["1 minimum", "3 minima"]


@pytest.mark.parametrize("y, visited, count", [(0.0, "1 equilibrium visited (1 minimiser;", 1),
                                               (6.0, "2 equilibria visited (1 strict saddle, 1 minimiser;", 2)])
def test_counts_in_text_output_agree_in_number(tmp_path, capsys, y, visited, count):
    """One sample, one feature: with y = 0 the origin is the minimiser (the only equilibrium visited — no
    saddle); with x = 2, y = 6 the path is the origin (a strict saddle), then the minimiser p = y/x = 3."""
    path = tmp_path / "one.npz"
    np.savez(path, X=np.array([[2.0]]), y=np.array([y]))
    assert main(["saddles", "--data", str(path)]) == 0
    head, *rows = capsys.readouterr().out.splitlines()
    assert "n = 1 sample, d = 1 feature;" in head and f"; {visited} " in head
    assert sum(row.lstrip().startswith("t̃ =") for row in rows) == count
    assert main(["check", "diagonal_linear", "--points", "1"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "all checks passed at 1 point"


def test_text_output_summarises_long_parameter_vectors(tmp_path, capsys):
    """d = 20 features, one sample x = (40, 2, 3, …, 20), y = 2: the path is the origin, then the min-ℓ1
    interpolator p = (y/x₁) e₁ = 0.05 e₁ (the largest |x_j| activates first). Text mode shows the non-zero
    entries by index and the length; --json keeps every entry; d ≤ 8 stays in full."""
    x = np.arange(1.0, 21.0)
    x[0] = 40.0
    path = tmp_path / "wide.npz"
    np.savez(path, X=x[None, :], y=np.array([2.0]))
    assert main(["saddles", "--data", str(path)]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line.lstrip().startswith("t̃ =")]
    assert rows[-1].endswith("p = 0 except p[0] = 0.05 (20 entries)")
    assert main(["saddles", "--data", str(path), "--json"]) == 0
    p = json.loads(capsys.readouterr().out)["predicted"][-1]["p"]
    assert p == pytest.approx([0.05] + [0.0] * 19, abs=1e-15)
    np.savez(path, X=x[None, :8], y=np.array([2.0]))
    assert main(["saddles", "--data", str(path)]) == 0
    assert capsys.readouterr().out.splitlines()[2].endswith("p = [0.05, 0, 0, 0, 0, 0, 0, 0]")


@pytest.mark.slow
def test_a_closed_pipe_ends_quietly():
    """`symsaddle reproduce list | head -1`: when the reader has gone the command stops with the shell's
    SIGPIPE status (141) and writes no traceback or "Exception ignored" message."""
    p = subprocess.Popen([sys.executable, "-m", "symsaddle", "reproduce", "list"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    p.stdout.close()                                   # before the child writes anything
    err = p.stderr.read()
    assert p.wait() == 141 and err.strip() == "", err


# -- size guards: derive and check refuse, before any symbol or array is made, models too large to finish ----------

@pytest.mark.parametrize("argv, P, n, cost", [
    (["derive", "diagonal_linear", "--d", "1000000"], 2_000_000, 1, "4e+12"),             # P = 2d, n·P²
    (["derive", "two_layer", "--width", "100000"], 300_000, 1, "9e+10"),                  # P = 3·10⁵ (d_in 2, d_out 1)
    (["derive", "diagonal_linear", "--d", "112"], 224, 1, "5.02e+04"),                    # just above 50 000
    (["check", "two_layer", "--n", "100000000"], 9, 100_000_000, "9e+08"),                # P = 2·3 + 3, n·P
    (["check", "two_layer", "--width", "100000"], 300_000, 5, "1.5e+06"),
])
def test_models_too_large_for_symbolic_work_are_refused_at_once(capsys, argv, P, n, cost):
    """The new user's runs grew to 2.4–4.8 GB without a word; now one line (exit 2) names P, n, the cost, the limit
    and --allow-large. P is the independent count of the block shapes (seed 000 eq. (41): θ = [v, u])."""
    import time
    started = time.monotonic()
    assert main(argv) == 2
    line = one_line_error(capsys)
    samples = "1 sample" if n == 1 else f"{n} samples"
    assert f"P = {P} parameters and n = {samples}" in line and f"= {cost}, above the limit of" in line, line
    assert "--allow-large" in line
    assert time.monotonic() - started < 5        # refused before any symbol, array or expression is made


@pytest.mark.parametrize("argv, P, mode, limit, memory", [
    # n = 5: n·P = 10⁵ passes the n·P guard, but 21 float64 P × P arrays are 21·8·(2·10⁴)² bytes = 67.2 GB
    (["check", "two_layer", "--d-in", "3", "--width", "5000"], 20_000, "lines", 500, "67.2 GB"),
    (["check", "two_layer", "--d-in", "4", "--width", "101"], 505, "lines", 500, "42.8 MB"),         # 21·8·505²
    (["check", "diagonal_linear", "--d", "51", "--hessian", "full"], 102, "full", 100, "1.75 MB"),  # 21·8·102²
])
def test_check_refuses_a_large_p_naming_its_memory(capsys, argv, P, mode, limit, memory):
    """P alone makes check slow (the reference differentiates P times, mpmath.diff too) and its P × P arrays large
    (the Hessians of the D⁴ finite difference and their error-free contraction: 21 at once, see
    check.peak_array_bytes): one line (exit 2) names P, the limit of the Hessian mode actually used (lines above
    P = 24 unless --hessian full), the memory and --allow-large, before anything is made."""
    import time
    started = time.monotonic()
    assert main(argv) == 2
    line = one_line_error(capsys)
    assert f"P = {P} parameters, above the limit of {limit} for --hessian {mode}" in line, line
    assert f"about {memory} of P × P arrays at once" in line and "--allow-large" in line
    assert time.monotonic() - started < 5


def test_allow_large_lifts_the_size_guards(monkeypatch, capsys):
    """With the limits lowered to fit a tiny model, the guard refuses and --allow-large runs it."""
    from symsaddle import cli
    monkeypatch.setattr(cli, "DERIVE_MAX_HESSIAN_TERMS", 15, raising=False)        # diagonal_linear --d 2: n·P² = 1·4² = 16
    monkeypatch.setattr(cli, "CHECK_MAX_SAMPLE_PARAMETERS", 5, raising=False)      # diagonal_linear --d 1 --n 3: n·P = 3·2 = 6
    assert main(["derive", "diagonal_linear", "--d", "2"]) == 2
    assert "n·P² terms = 16, above the limit of 15" in one_line_error(capsys)
    assert main(["derive", "diagonal_linear", "--d", "2", "--allow-large"]) == 0
    capsys.readouterr()
    assert main(["check", "diagonal_linear", "--d", "1", "--n", "3", "--points", "1"]) == 2
    assert "n·P = 6, above the limit of 5" in one_line_error(capsys)
    assert main(["check", "diagonal_linear", "--d", "1", "--n", "3", "--points", "1", "--allow-large"]) == 0
    capsys.readouterr()
    monkeypatch.setattr(cli, "CHECK_MAX_PARAMETERS", {"lines": 1, "full": 1}, raising=False)       # P = 2
    assert main(["check", "diagonal_linear", "--d", "1", "--n", "2", "--points", "1"]) == 2     # n·P = 4 ≤ 5
    assert "P = 2 parameters, above the limit of 1 for --hessian full" in one_line_error(capsys)
    assert main(["check", "diagonal_linear", "--d", "1", "--n", "2", "--points", "1", "--allow-large"]) == 0


@pytest.mark.parametrize("family, options", [
    ("diagonal_linear", {"d": 3}),
    ("deep_linear", {"widths": [2, 3, 4, 1]}),
    ("two_layer", {"d_in": 3, "width": 4, "d_out": 2, "bias": False}),
    ("two_layer", {"d_in": 3, "width": 4, "d_out": 1, "bias": True}),
    ("mlp", {"widths": [2, 3, 2], "bias": True}),
    ("mlp", {"widths": [2, 3, 2], "bias": False}),
])
def test_parameter_count_matches_the_built_model(family, options):
    """The guard's P, counted from the options, is the number of symbols the model builder makes."""
    from symsaddle import models
    from symsaddle.cli import parameter_count
    build = {"diagonal_linear": lambda o: models.diagonal_linear(o["d"]),
             "deep_linear": lambda o: models.deep_linear(o["widths"]),
             "two_layer": lambda o: models.two_layer(o["d_in"], o["width"], "tanh", bias=o["bias"], d_out=o["d_out"]),
             "mlp": lambda o: models.mlp(o["widths"], "tanh", bias=o["bias"])}[family]
    assert parameter_count(family, options) == len(build(options).parameters)


# -- derive: the cost of what it prints ------------------------------------------------------------------------------

def test_derive_refuses_a_hessian_too_large_to_print(monkeypatch, capsys, tmp_path):
    """The guard on the printed size of the Hessian (expression nodes, projected from the rows derived so far)
    refuses with one line naming the size, the limit and --allow-large; with --allow-large derive runs and reports
    the size, which is the node count of sympy's preorder_traversal of every Hessian entry."""
    import sympy as sp

    import symsaddle as ss
    from symsaddle import cli
    monkeypatch.setattr(cli, "DERIVE_MAX_PRINTED_SIZE", 10)
    assert main(["derive", "diagonal_linear", "--d", "2"]) == 2
    line = one_line_error(capsys)
    assert "P = 4 parameters, n = 1 sample: the symbolic Hessian would print about" in line, line
    assert "expression nodes" in line and "above the limit of 10" in line and "--allow-large" in line
    assert main(["derive", "diagonal_linear", "--d", "2", "--allow-large", "--json"]) == 0
    sizes = json.loads(capsys.readouterr().out)["printed_size"]
    obj = ss.Objective.symbolic(ss.models.diagonal_linear(2), 1)
    assert sizes["hessian"] == sum(sum(1 for _ in sp.preorder_traversal(h)) for h in obj.gradient.jacobian(
        obj.model.parameters))


def test_derive_too_long_for_the_terminal_prints_l_and_the_gradient(monkeypatch, capsys, tmp_path):
    """Above DERIVE_MAX_SHOWN characters the terminal gets L and the gradient and a line naming the file that holds
    the rest; the file has every Hessian entry. Without --out it goes to a new temporary folder."""
    from symsaddle import cli
    monkeypatch.setattr(cli, "DERIVE_MAX_SHOWN", 700)       # diagonal_linear --d 2: L and ∇L 500, H 680 characters
    assert main(["derive", "diagonal_linear", "--d", "2", "--out", str(tmp_path / "o")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("L = ") and r"\frac{\partial L}{\partial u_{2}}" in out and "H = " not in out
    assert "the Hessian is too long for the terminal" in out and str(tmp_path / "o" / "derivation.tex") in out
    tex = (tmp_path / "o" / "derivation.tex").read_text()
    assert tex.count(r"\frac{\partial^{2} L}") == 4 * 5 // 2
    assert main(["derive", "diagonal_linear", "--d", "2"]) == 0
    out = capsys.readouterr().out
    where = re.search(r"see (\S+derivation\.tex), a new temporary folder", out)
    assert where and Path(where.group(1)).read_text() == tex


def test_watched_derive_names_its_steps(capsys):
    """--progress always: derive announces each step, printing the LaTeX included."""
    assert main(["derive", "diagonal_linear", "--d", "1", "--progress", "always"]) == 0
    err = capsys.readouterr().err
    for step in ("deriving L and the gradient", "deriving the Hessian (0/2)", "printing LaTeX (0/6)"):   # L, 2 + 3 entries
        assert f"symsaddle: derive diagonal_linear, P = 2: {step}" in err, err
