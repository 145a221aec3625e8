"""``symsaddle reproduce deep-linear-critical-points | deep-linear-step-size`` (issue 4 interfaces)."""

import json

import pytest

from symsaddle.cli import main
from symsaddle.deep_linear.cases import critical_report
from symsaddle.reports import dumps, latex_text


@pytest.mark.slow
def test_reproduce_deep_linear_critical_json(deep_linear_critical_reproduction):
    out = deep_linear_critical_reproduction.result
    folder = deep_linear_critical_reproduction.folder
    rows = out["critical_points"]
    assert len(rows) == 88 and out["all_agree"] is True
    for r in rows:
        assert {"subset", "loss", "predicted_loss", "grad_norm", "kind", "parametrisation"} <= set(r)
        assert r["loss"] == pytest.approx(r["predicted_loss"], rel=1e-10)
        assert all(isinstance(i, int) and 0 <= i < 5 for i in r["subset"])
    # the global minimum is tr Σ_YY − (λ₁ + … + λ₄), the loss of S = {0, 1, 2, 3}
    assert out["global_minimum"] == pytest.approx(out["trace_Syy"] - sum(out["eigenvalues"][:4]), rel=1e-12)
    assert [p["rank"] for p in out["plateaus"]] == [0, 1, 2, 3, 4]
    assert out["plateaus"][-1]["polished_kind"] == "minimiser"
    esc = {(e["parametrisation"], e["epsilon"]): e["escape_iteration"] for e in out["escape"]}
    assert all(esc["balanced", eps] > esc["strict", eps] for eps in (0.1, 0.03, 0.01))
    files = {p.name for p in folder.iterdir()}
    assert {"critical_points.md", "critical_points.tex", "result.json", "figure1_plateaus.png",
            "figure1_plateaus.pdf", "figure2_escape.png", "figure2_escape.pdf"} <= files
    assert "NaN" not in (folder / "result.json").read_text()
    # the written plateau tables carry each polished point's reason in a column of their own
    markdown, latex = (folder / "plateaus.md").read_text(), (folder / "plateaus.tex").read_text()
    for p in out["plateaus"]:
        assert p["polished_reason"].replace("|", "\\|") in markdown and latex_text(p["polished_reason"]) in latex


def test_the_text_gives_the_reason_of_every_inconclusive_plateau():
    """The printed plateau table has no room for why a polished plateau point is "inconclusive"; a footnote under
    it gives the reason (result.json's ``polished_reason``) for every such row. On the §4 data the plateaus of
    ranks 0 and 1 polish to points whose smallest Hessian eigenvalue lies in the classification's ambiguous band
    (a flat, not exactly critical plateau point), so a short run has inconclusive rows to explain."""
    res = critical_report(None, False, n_steps=3000, escape_steps=500, epsilons=(0.1,))
    undecided = [p for p in res["plateaus"] if p["polished_kind"] == "inconclusive"]
    assert undecided
    notes = res["text"].split("GD from small init", 1)[1].split("escape from the rank-3 point", 1)[0]
    for p in undecided:
        assert f"inconclusive at iteration {p['iteration']} (rank {p['rank']}): {p['polished_reason']}" in notes
    decided = [p for p in res["plateaus"] if p["polished_kind"] != "inconclusive"]
    assert all(p["polished_reason"] not in notes for p in decided)


@pytest.mark.slow
def test_stepsize_report_small(stepsize_four_depths):
    """Reduced sizes (8 bound samples, 2 ladders per configuration); the registered case runs 1000 and 100.
    Checked on the configurations N = 2 (5-5-5) and 5-2-2-5 of the report conftest ``stepsize_four_depths``
    makes for all four (each configuration's networks depend only on its widths and the seed)."""
    res, folder = stepsize_four_depths
    assert res["settings"]["n_bounds"] == 8 and res["settings"]["n_ladders"] == 2
    assert "NaN" not in dumps(res)
    single = res["single_network"]["bound"]
    assert single["report"]["M"] < single["corrected"]["M"]
    for name in ("N=2 (5-5-5)", "N=3 (5-2-2-5)"):
        s = res["summary"][name]
        assert s["ratio"]["count"] == 2 and s["ratio"]["median"] > 1
        assert s["failures"]["diverged"] + s["failures"]["oscillating"] == 2
    assert {"figure3_ladder.png", "figure4_5_bounds.pdf", "figure6_ratio.png", "stepsize_summary.md"} <= \
        {p.name for p in folder.iterdir()}


def test_reproduce_list_has_both_cases(capsys):
    assert main(["reproduce", "list", "--json"]) == 0
    cases = json.loads(capsys.readouterr().out)["cases"]
    assert {"deep-linear-critical-points", "deep-linear-step-size"} <= set(cases)


def test_each_median_states_how_many_networks_it_is_over():
    """A new user's report: the step-size table put the median admissible η (over 99 networks) next to the median
    η of the report's M (over 54) without saying so. By hand: of [None, 3, 1, 2] the median 2 is over 3 of the 4
    networks; the figure's legend states its own count the same way."""
    from symsaddle.deep_linear.cases import _summary, median_column
    from symsaddle.deep_linear.figures import histogram_figure

    assert median_column([_summary([None, 3.0, 1.0, 2.0]), _summary([None, None])], 4) == \
        ["2.0000 (3 of 4)", "— (0 of 4)"]
    # one format per column: 0.0123 alone is fixed-point, but 3.493e-05 beside it makes the column scientific
    assert median_column([_summary([0.0123]), _summary([0.0123])], 2) == ["0.0123 (1 of 2)", "0.0123 (1 of 2)"]
    assert median_column([_summary([0.0123]), _summary([3.493e-5, 3.493e-5])], 2) == \
        ["1.230e-02 (1 of 2)", "3.493e-05 (2 of 2)"]
    fig = histogram_figure({"N=2": [None, 3.0, 1.0, 2.0], "N=3": [0.5, 0.25]}, "admissible η")
    legends = [[t.get_text() for t in ax.get_legend().get_texts()] for ax in fig.axes]
    assert legends == [["3 of 4 networks"], ["2 of 2 networks"]]
