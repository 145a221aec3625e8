"""``symsaddle reproduce deep-linear-critical-points | deep-linear-step-size`` (seed 001 §3–5):
critical points of deep linear networks (Achour, Malgouyres & Gerchinovitz 2021) and the
fixed step-size bound of gradient descent (Nguegnang, Rauhut & Terstiege 2021).

Both cases are thin drivers over the analyses of this package; their sizes are
parameters of :func:`critical_report` and :func:`stepsize_report`, whose defaults are the
reproduction settings (the tests call them with smaller, stated sizes).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from ..critical import Kind
from ..progress import ProgressBar
from ..reports import format_column, format_number, format_vector, markdown_table, save_figure, write_json, write_tables
from ..registry import case
from .critical_points import survey_critical_points
from .figures import escape_figure, histogram_figure, ladder_figure, plateau_figure
from .incremental import escape_times, seed001_section4_data, sequential_learning
from .statistics import SufficientStatistics
from .stepsize import MFormula, doubling_experiment, doubling_sweep, random_network, step_size_bound

SECTION4_WIDTHS = (5, 4, 4, 5)
#: The course report (seed 001) whose data, experiments and step-size constant M the cases recompute.
REPORT = "Chen, Choi & Scialanga's course report"
LOSS_LATEX = r"L(W) = \|Y - X W_1 W_2 W_3\|_F^2,\quad L_S = \operatorname{tr}\Sigma_{YY} - \sum_{i\in S}\lambda_i"
BOUND_LATEX = (r"\eta \le \frac{2(1-\alpha)\delta}{4L^N(W(0)) + (1-\alpha)\delta B_\delta},\ "
               r"M = \frac{\sqrt{2L^N(W(0))} + \|Y\|}{\sigma_{\min}(X)}")

CRITICAL_COLUMNS = ["subset", "parametrisation", "loss", "predicted_loss", "grad_norm", "kind", "theory",
                    "agrees", "index", "nullity", "min_eigenvalue", "tightened", "balancedness"]
#: Classifications the numbers did not decide (or found self-contradictory): the text output gives their reasons.
UNDECIDED = (Kind.INCONCLUSIVE.value, Kind.INCONSISTENT.value)


def _undecided_notes(rows: Sequence[dict], kind: str, reason: str, where: Callable[[dict], str]) -> list[str]:
    """Footnote lines under a table: for every row whose ``row[kind]`` is undecided, ``where(row)`` and its
    ``row[reason]``, which has no room in the table's columns."""
    return [f"  {row[kind]} at {where(row)}: {row[reason]}" for row in rows if row[kind] in UNDECIDED]


def critical_report(out_dir: Path | None, progress: bool, *, data_seed: int = 0, n_steps: int = 60_000,
                    epsilons: Sequence[float] = (1e-1, 3e-2, 1e-2), escape_steps: int = 30_000,
                    polish_plateaus: bool = True) -> dict:
    """Seed 001 §3–4 on its §4 data: every critical point, Figure 1 plateaus, Figure 2 escapes."""
    X, Y = seed001_section4_data(data_seed)
    stats = SufficientStatistics.from_samples(X, Y)
    survey = survey_critical_points(stats, SECTION4_WIDTHS, convention="row", progress=progress)
    learning = sequential_learning(stats, SECTION4_WIDTHS, n_steps=n_steps, polish_plateaus=polish_plateaus,
                                   progress=progress)
    escapes = escape_times(stats, SECTION4_WIDTHS, (0, 1, 2), epsilons, step=learning.step, max_steps=escape_steps,
                           progress=progress)
    rows = survey.rows()
    result = {
        "data": {"seed": data_seed, "n": stats.n, "beta": [5, 4, 3, 2, 1], "noise_std": 0.1,
                 "widths": list(SECTION4_WIDTHS), "convention": "row (X W1 W2 W3, seed eq. (21))"},
        "loss_latex": LOSS_LATEX,
        "eigenvalues": stats.eigenvalues, "trace_Syy": float(np.trace(stats.Syy)),
        "global_minimum": survey.global_minimum,
        "global_minimiser_product": stats.product(range(4)),
        "rank_constrained_values": learning.levels,
        "critical_points": rows,
        "all_agree": survey.all_agree,
        "plateaus": learning.rows(), "plateau_crossings": list(learning.crossings), "step": learning.step,
        "escape": [e.row() for e in escapes],
    }
    if out_dir is not None:
        write_tables(rows, out_dir, "critical_points", CRITICAL_COLUMNS,
                     caption="Critical points of the deep linear network 5-4-4-5 (report §4)")
        write_tables(learning.rows(), out_dir, "plateaus")
        write_tables(result["escape"], out_dir, "escape")
        save_figure(plateau_figure(learning), out_dir, "figure1_plateaus")
        save_figure(escape_figure(escapes, learning), out_dir, "figure2_escape")
        write_json({k: v for k, v in result.items()}, Path(out_dir) / "result.json")
    kinds = {}
    for r in rows:
        kinds[r["kind"]] = kinds.get(r["kind"], 0) + 1
    result["text"] = "\n".join([
        f"data of {REPORT} §4 (data seed {data_seed}): λ = {format_vector(stats.eigenvalues, 4)}",
        f"global minimum L* = {survey.global_minimum:.6f} (S = {{1..4}})",
        f"{len(rows)} critical points: {kinds}; Hessian vs Achour et al.: "
        f"{'all agree' if survey.all_agree else 'DISAGREEMENT'}",
        markdown_table(rows, ["subset", "parametrisation", "loss", "predicted_loss", "grad_norm", "kind", "theory"]),
        *_undecided_notes(rows, "kind", "reason", lambda r: f"S = {r['subset']} ({r['parametrisation']})"),
        "", f"GD from small init (η = {learning.step:.4g}): plateaus",
        markdown_table(learning.rows(), ["iteration", "loss", "rank", "predicted_loss", "relative_loss_error",
                                         "product_distance", "thinness", "polished_kind"]),
        *_undecided_notes(learning.rows(), "polished_kind", "polished_reason",
                          lambda r: f"iteration {r['iteration']} (rank {r['rank']})"),
        "", "escape from the rank-3 point", markdown_table(result["escape"])])
    return result


def _bound_samples(widths: Sequence[int], n: int, seed0: int, progress: bool = False) -> dict:
    etas = {f.value: [] for f in MFormula}
    for i in ProgressBar(range(n), disable=not progress, desc=f"step-size bounds {'-'.join(map(str, widths))}",
                         unit="network"):
        net = random_network(widths, seed0 + i)
        for f in MFormula:
            etas[f.value].append(step_size_bound(net.X, net.Y, net.weights, m_formula=f).eta_objective)
    return etas


def _summary(vals) -> dict:
    v = np.array([x for x in vals if x is not None], dtype=float)
    if not v.size:
        return {"count": 0}
    q = np.percentile(v, [10, 50, 90])
    return {"count": int(v.size), "p10": q[0], "median": q[1], "p90": q[2]}


#: ``--quick``: the same experiment on fewer random networks.
QUICK_STEPSIZE = {"n_bounds": 100, "n_ladders": 10}

STEPSIZE_CONFIGS = {"N=2 (5-5-5)": (5, 5, 5), "N=3 (5-5-5-5)": (5, 5, 5, 5), "N=4 (5-5-5-5-5)": (5, 5, 5, 5, 5),
                    "N=3 (5-2-2-5)": (5, 2, 2, 5)}


def stepsize_report(out_dir: Path | None, progress: bool, *, n_bounds: int = 1000, n_ladders: int = 100,
                    epochs: int = 5000, configs: dict | None = None, seed0: int = 0,
                    workers: int | None = None, scheduler: str | None = None) -> dict:
    """Seed 001 §5.3–5.4: the bound (report's M vs corrected M), the ladder of one network
    (Figure 3), bound histograms (Figures 4–5) and first-failing-step histograms (Figure 6).

    The ``n_ladders`` ladders per configuration run as one sweep (``doubling_sweep``: a local
    process pool of ``workers``, or the Dask cluster at ``scheduler``), recorded in
    ``out_dir/ladders`` as they finish, so an interrupted run resumes there."""
    configs = configs or STEPSIZE_CONFIGS
    net = random_network((5, 5, 5, 5), seed0)
    single = {f.value: step_size_bound(net.X, net.Y, net.weights, m_formula=f).to_dict() for f in MFormula}
    ladder = doubling_experiment([net], epochs=epochs, curve_every=10, progress=progress)[0]
    bounds = {name: _bound_samples(widths, n_bounds, seed0, progress) for name, widths in configs.items()}
    pairs = [(widths, seed0 + i) for widths in configs.values() for i in range(n_ladders)]
    done = doubling_sweep(pairs, epochs=epochs, out=None if out_dir is None else Path(out_dir) / "ladders",
                          workers=workers, scheduler=scheduler, progress=progress)
    ladders = {name: done[j * n_ladders:(j + 1) * n_ladders] for j, name in enumerate(configs)}
    summary = {name: {"bound_corrected": _summary(bounds[name]["corrected"]),
                      "bound_report": _summary(bounds[name]["report"]),
                      "first_failing_step": _summary([r.first_failing_step for r in ladders[name]]),
                      "ratio": _summary([r.ratio for r in ladders[name]]),
                      "failures": {o: sum(1 for r in ladders[name] if r.first_failure and r.first_failure.outcome.value == o)
                                   for o in ("diverged", "oscillating")},
                      "no_failure": sum(1 for r in ladders[name] if r.bound.eta is not None and r.first_failure is None),
                      "bound_not_applicable": sum(1 for r in ladders[name] if r.bound.eta is None)}
               for name in configs}
    result = {"bound_latex": BOUND_LATEX, "single_network": {"bound": single, "ladder": ladder.to_dict()},
              "summary": summary,
              "networks": {name: [r.to_dict() for r in res] for name, res in ladders.items()},
              "settings": {"epochs": epochs, "n_bounds": n_bounds, "n_ladders": n_ladders, "init_scale": 0.05,
                           "start_factor": 0.9,
                           "data": "per network, 5 samples in the rows of X and Y (README layout): X 5×5 N(0, 1), "
                                   "Y = X diag(1..5) + N(0, 0.1²) entrywise; the bound's formulas and seed 001 §5 take "
                                   "the transposes (samples as columns: Y = diag(1..5) X + E)",
                           "loss": "‖Y − X W1 W2 W3‖_F² with samples in rows (= ‖Yᵀ − W3ᵀW2ᵀW1ᵀ Xᵀ‖_F², seed 001 "
                                   "eq. (4)'s ‖Y − WX‖_F² with samples as columns: the same loss transposed)"}}
    if out_dir is not None:
        save_figure(ladder_figure(ladder), out_dir, "figure3_ladder")
        save_figure(histogram_figure({n: np.array(b["corrected"], dtype=object) for n, b in bounds.items()},
                                     "admissible η (corrected M)"), out_dir, "figure4_5_bounds")
        save_figure(histogram_figure({n: np.array(b["report"], dtype=object) for n, b in bounds.items()},
                                     "admissible η (report's M)"), out_dir, "figure4_5_bounds_report_M")
        save_figure(histogram_figure({n: [r.first_failing_step for r in res] for n, res in ladders.items()},
                                     "first failing step"), out_dir, "figure6_first_failing_step")
        save_figure(histogram_figure({n: [r.ratio for r in res] for n, res in ladders.items()},
                                     "first failing step / admissible step"), out_dir, "figure6_ratio")
        write_tables([{"configuration": n, **{f"{k}_{q}": v for k, d in s.items() if isinstance(d, dict)
                                              for q, v in d.items() if q in ("median", "count")}}
                      for n, s in summary.items()], out_dir, "stepsize_summary")
        write_json(result, Path(out_dir) / "result.json")
    b = single
    totals = {"bound_corrected": n_bounds, "bound_report": n_bounds, "first_failing_step": n_ladders, "ratio": n_ladders}
    medians = {key: median_column([s[key] for s in summary.values()], totals[key]) for key, _ in _MEDIANS}
    result["text"] = "\n".join([
        f"one network (N = 3, 5×5, seed {seed0}): corrected M = {format_number(b['corrected']['M'])}, M of {REPORT} "
        f"(eq. (31)) = {format_number(b['report']['M'])}; δ = {format_number(b['corrected']['delta'])}, "
        f"αδ = {format_number(b['corrected']['balancedness'])}, admissible η = "
        f"{format_number(b['corrected']['eta_objective'])} (report's M: {format_number(b['report']['eta_objective'])})",
        f"ladder: first failing step {_number_or(ladder.first_failing_step, 'none (no rung failed)')} "
        f"({ladder.first_failure.outcome.value if ladder.first_failure else 'none'}), "
        f"ratio {_number_or(ladder.ratio, 'undefined (no rung failed or no admissible η)')}",
        markdown_table([{"configuration": n, **{f"median {label} (networks)": medians[key][i]
                                                for key, label in _MEDIANS},
                         "diverged": s["failures"]["diverged"], "oscillating": s["failures"]["oscillating"]}
                        for i, (n, s) in enumerate(summary.items())]),
        f"each median is over the networks in parentheses, of the {n_bounds} sampled per configuration (η) or the "
        f"{n_ladders} laddered: those where the bound with that M applies (α < 1), and for the first failing step "
        "and the ratio, where the ladder failed within its doublings; so medians in one row can be over different "
        "networks"])
    return result


def median_column(summaries: list[dict], total: int) -> list[str]:
    """One table column of medians of :func:`_summary`, each with the number of networks it is over:
    ``"0.0123 (99 of 100)"``, or ``"— (0 of 100)"`` when no network has the quantity. The medians share one
    format (:func:`~symsaddle.reports.format_column`: all fixed-point or all scientific)."""
    present = [float(s["median"]) for s in summaries if s["count"]]
    texts = iter(format_column(present))
    return [f"{next(texts) if s['count'] else '—'} ({s['count']} of {total})" for s in summaries]


def _number_or(value: float | None, missing: str) -> str:
    """``value`` by :func:`format_number`, or ``missing`` (what its absence means) when it is None."""
    return missing if value is None else format_number(value)


#: the step-size summary's median columns: (key of the summary, column label)
_MEDIANS = (("bound_corrected", "admissible η"), ("bound_report", "η, report's M"),
            ("first_failing_step", "first failing step"), ("ratio", "ratio"))

TOPIC = "deep linear networks"


@case("deep-linear-critical-points",
      "every critical point of a 5-4-4-5 network classified from its Hessian vs the theorem; incremental "
      "(rank-by-rank) learning plateaus; escape from strict vs non-strict saddles",
      paper="Achour, Malgouyres & Gerchinovitz 2021, the loss landscape of deep linear networks: "
            "a second-order analysis", topic=TOPIC, runtime="15–35 s", renamed_from=("deep-linear-critical",))
def run_critical(out_dir: Path | None, progress: bool) -> dict:
    return critical_report(out_dir, progress)


@case("deep-linear-step-size",
      "admissible fixed step size of GD (with the corrected constant M) against the first failing step "
      "of a step-doubling ladder, 100 networks per depth",
      paper="Nguegnang, Rauhut & Terstiege 2021, convergence of gradient descent for learning linear "
            "neural networks", topic=TOPIC, runtime="5–15 min", renamed_from=("deep-linear-stepsize",),
      quick="100 bound samples and 10 ladders per depth instead of 1000 and 100 (≈ 1 min)")
def run_stepsize(out_dir: Path | None, progress: bool, quick: bool = False) -> dict:
    return stepsize_report(out_dir, progress, **(QUICK_STEPSIZE if quick else {}))
