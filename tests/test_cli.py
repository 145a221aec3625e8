import json
import subprocess
import sys

import pytest

from symsaddle.cli import main
from symsaddle.datasets import seed000


@pytest.mark.slow
def test_demo_writes_table_figure_and_json(tmp_path, capsys):
    assert main(["demo", "--json", "--out", str(tmp_path)]) == 0
    result = json.loads(capsys.readouterr().out)
    kinds = [row["kind"] for row in result["saddles"]]
    assert kinds == ["strict saddle", "strict saddle", "minimiser"]
    for name in ("trajectory.png", "trajectory.pdf", "visited_equilibria.md", "visited_equilibria.tex",
                 "closed_form.tex", "demo.json"):
        assert (tmp_path / name).exists(), name
    # the second plateau is the least-squares fit on coordinate 1, p₁ = Σx₁y/Σx₁² (closed form), which
    # seed 000 Table 5 prints as p = (0.4543, 0)
    X, y, _ = seed000(d=2, n=2)
    fit = X[:, 0] @ y / (X[:, 0] @ X[:, 0])
    assert result["saddles"][1]["p"] == pytest.approx([fit, 0.0], abs=1e-6)
    assert fit == pytest.approx(0.4543, abs=5e-5)


def test_derive_prints_equilibria_as_latex(capsys):
    assert main(["derive", "diagonal_linear", "--d", "1", "--equilibria", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    points = [fam["point"] for fam in result["equilibria"]]
    assert ["0", "0"] in points
    assert any(p[1] == r"\frac{y}{v_{1} x}" for p in points)


def test_check_command_passes_and_reports_json(capsys):
    assert main(["check", "two_layer", "--activation", "sigmoid", "--width", "2", "--n", "3", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["passed"] is True


def test_errors_name_the_problem(capsys):
    assert main(["check", "two_layer", "--activation", "swish"]) == 2
    assert "unknown activation 'swish'" in capsys.readouterr().err
    assert main(["reproduce", "no-such-case"]) == 2
    assert "unknown case 'no-such-case'" in capsys.readouterr().err


def test_python_dash_m_is_the_console_script(tmp_path):
    out_m = subprocess.run([sys.executable, "-m", "symsaddle", "derive", "diagonal_linear", "--d", "1", "--json"],
                           capture_output=True, text=True, check=True).stdout
    out_s = subprocess.run(["symsaddle", "derive", "diagonal_linear", "--d", "1", "--json"],
                           capture_output=True, text=True, check=True).stdout
    assert out_m == out_s and json.loads(out_m)["gradient"]
