"""``symsaddle reproduce symmetry-counts | symmetry-inertia`` (issue 9 interfaces)."""

import json
from pathlib import Path

import pytest

from symsaddle.cli import main
from symsaddle.reports import dumps
from symsaddle.symmetry.cases import inertia_report
from symsaddle.symmetry.counting import labellings
from tables_check import assert_tables_well_formed


@pytest.mark.slow
def test_reproduce_symmetry_counts_json(tmp_path, capsys):
    assert main(["reproduce", "symmetry-counts", "--json", "--out", str(tmp_path)]) == 0
    out = json.loads(capsys.readouterr().out)
    for key in ("T", "G"):
        assert all(set(row) == {"r", "m", "value"} for row in out[key])
    T = {(row["r"], row["m"]): row["value"] for row in out["T"]}
    G = {(row["r"], row["m"]): row["value"] for row in out["G"]}
    for r, m in [(1, 2), (2, 4), (3, 5), (4, 5), (4, 7)]:               # brute force, independent of the case
        assert T[r, m] == sum(1 for _ in labellings(r, m))
        assert G[r, m] == sum(1 for _ in labellings(r, m, zero_type=False))
    assert T[1, 2] == 3 and T[4, 5] == 240 + 120 and G[3, 5] == 60 + 90      # hand counts (see the audit)
    verdicts = {row["quantity"]: row["verdict"] for row in out["printed_counts"]}
    assert verdicts == {"T(4,5)": "printed value wrong", "G(3,4)": "confirmed", "T(4,4)": "confirmed",
                        "G(3,5)": "printed value wrong"}
    assert out["enumeration_agrees"] is True and out["figure_4_4"]["crossover_sum"] == 13
    largest = out["figure_4_4"]["crossover_largest_term"]      # h = 8: r = 28 (0.942), not r* − 1 = 29 (0.830)
    assert (largest["added"], largest["r"]) == (8, 28) and largest["ratio"] == pytest.approx(0.9423, abs=1e-4)
    files = {p.name for p in tmp_path.iterdir()}
    assert {"T.md", "T.tex", "G.md", "thesis_counts.md", "figure4_4.png", "figure4_4.pdf", "result.json"} <= files
    assert assert_tables_well_formed(tmp_path) > 0


@pytest.mark.slow
def test_inertia_report_small(tmp_path):
    """Two of the five SI lines (the registered case runs all five with 101 values of μ)."""
    res = inertia_report(tmp_path, False, examples=["teacher-student-width3", "two-output"], n_mu=12)
    assert "NaN" not in dumps(res) and res["all_agree"]
    one, two = res["examples"]["teacher-student-width3"], res["examples"]["two-output"]
    assert one["rank_U"] == 0 and one["n_thesis_agree_on_decided"] == one["n_decided"]
    assert two["rank_U"] == 1 and two["n_thesis_agree_on_decided"] == 0
    assert two["brea"]["measured"] == two["fan_out"] - two["rank_U"] == 1
    assert {"spectrum_two-output.png", "spectrum_two-output.pdf", "si_lines.md", "sweep_teacher-student-width3.md"} <= \
        {p.name for p in tmp_path.iterdir()}
    assert assert_tables_well_formed(tmp_path) > 0                # si_lines: "|u| = |v|", fan_out


@pytest.mark.slow
def test_reproduce_symmetry_inertia_json(tmp_path, capsys):
    assert main(["reproduce", "symmetry-inertia", "--json", "--out", str(tmp_path)]) == 0
    out = json.loads(capsys.readouterr().out)
    if "full_result" in out:                       # a large result: stdout holds a summary, the file everything
        out = json.loads(Path(out["full_result"]).read_text())
    assert out["all_agree"] is True and len(out["examples"]) == 5
    seg = [s["verdict"] for s in out["examples"]["teacher-student-width4-si-minimum"]["segments"]]
    assert seg[2] == "degenerate minimum" and seg[1] == seg[3] == "non-strict saddle"
    for name in ("two-output", "deep-layer"):
        assert all(s["verdict"] == "strict saddle" for s in out["examples"][name]["segments"])


def test_cases_are_listed(capsys):
    assert main(["reproduce", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["cases"]
    assert {"symmetry-counts", "symmetry-inertia"} <= set(listed)
