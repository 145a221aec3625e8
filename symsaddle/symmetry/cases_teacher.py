"""``symsaddle reproduce teacher-student | teacher-student-escape | closest-saddle`` (seed 003 §6.2.1–6.2.5).

* ``teacher-student`` — Table 6.1 analogue: N Xavier initialisations of the width-5 student,
  optimised (trust-region Newton by default, or the thesis's Adam + SLSQP with ``--method adam``),
  every end point classified (:mod:`.endpoints`); Figures 6.3, 6.4, 6.7.
* ``teacher-student-escape`` — §6.2.4: Algorithms 1 and 2 of the thesis and the rigorous
  higher-order test on every end point that is not a global minimum; Figure 6.6 for one of them.
* ``closest-saddle`` — §6.2.5: the merge heuristic on every local minimum (and, for comparison
  with the thesis, on every escaping end point), Figure 6.9, Figures 6.10/6.11, and the
  certificates of Theorems 1, 2 (at the saddles) and Safran–Shamir's Lemma 1 (at the minima).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
from matplotlib.ticker import LogLocator

from ..progress import ProgressBar
from ..reports import format_vector, markdown_table, plural, save_figure, symlog_ticks, write_json, write_tables
from ..registry import CaseOption, case
from .cases import TOPIC
from .certificates import safran_shamir, theorem1, theorem2
from .channels import continue_run, derivative_pair_limit
from .closest_saddle import SaddleStatus, closest_saddle, loss_slice_1d, loss_slice_2d
from .endpoints import COUNT_KEYS, EndpointKind
from .escape import algorithm1, algorithm2, null_direction_test, smallest_eigenvector
from .experiment import CONFIG_OPTIONS, ExperimentResult, TeacherStudentConfig, run_experiment
from .figures_teacher import (distance_histogram, eigenvalue_loss_figure, neurons_figure, saddle_distance_histogram,
                              slice_figure)

#: Table 6.1 of the thesis (1000 initialisations).
THESIS_TABLE_6_1 = {"global": 574, "local minima": 426, "symmetry-induced local minima": 55, "other local minima": 371}

THESIS = ("Stoican 2022 (MSc thesis, TU Munich), failure modes of training in mildly over-parameterized "
          "networks; after Şimşek et al. 2021")
_COMMON_OPTIONS = (
    CaseOption("seed", int, 0, "experiment seed (initialisation i draws from default_rng([seed, i]))", minimum=0),
    *(o for o in CONFIG_OPTIONS if o.name in ("method", "max_iterations", "adam_lr", "adam_epochs", "slsqp_iterations")),
)


def _config(seed, method, max_iterations, adam_lr, adam_epochs, slsqp_iterations) -> TeacherStudentConfig:
    return TeacherStudentConfig(seed=seed, method=method, max_iterations=max_iterations, adam_lr=adam_lr,
                                adam_epochs=adam_epochs, slsqp_iterations=slsqp_iterations)


def table_6_1(counts: dict) -> list[dict]:
    """The Table 6.1 analogue: our counts next to the thesis's."""
    local = counts["si_minimum"] + counts["local_minimum"]
    rows = [("global minimum", 574, counts["global"]),
            ("local minimum (all)", 426, local),
            ("  symmetry-induced local minimum", 55, counts["si_minimum"]),
            ("  other local minimum", 371, counts["local_minimum"]),
            ("symmetry-induced saddle", "—", counts["si_saddle"]),
            ("saddle", "—", counts["saddle"]),
            ("escaping to infinity", "— (counted as local minima)", counts["diverging"]),
            ("not converged", "—", counts["not_converged"]),
            ("inconclusive", "—", counts["inconclusive"]),
            ("total", 1000, sum(counts.values()))]
    return [{"end point": what, "Stoican 2022, Table 6.1": printed, "recomputed": ours} for what, printed, ours in rows]


def _distinct_minima(points, digits: int = 6) -> list[dict]:
    """Local minima grouped by loss value (the same minimum up to permutation has the same loss)."""
    groups = Counter(round(p.loss, digits + 4) for p in points)
    return [{"loss": L, "end points": n} for L, n in sorted(groups.items())]


def _escape_summary(points) -> list[dict]:
    roles = Counter()
    for p in points:
        if p.kind is EndpointKind.DIVERGING and p.escape is not None:
            key = " + ".join(sorted(r["role"] for r in p.escape.neurons)) or "unidentified"
            roles[key] += 1
    return [{"escaping neurons": k, "end points": n} for k, n in roles.most_common()]


def _example(points, kind, predicate=lambda p: True):
    for p in points:
        if p.kind is kind and predicate(p):
            return p
    return None


def _no_match_note(res: ExperimentResult, point) -> str:
    """Why Fig. 6.4's right panel has no student bars for an end point that matches no teacher neuron."""
    a = res.problem.unpack(point.theta)[1]
    if point.kind is EndpointKind.DIVERGING:
        return ("escaping to infinity: the weights keep growing while\nthe loss falls (max $|a_i|$ = "
                f"{float(np.max(np.abs(a))):.3g} at the end of the run),\nso the student has no finite "
                "effective outgoing weights")
    return (f"{point.kind.label}: the student does not implement\nthe teacher, so no effective outgoing "
            "weights\n(its own $a_i$ are the colours on the left)")


def _neurons_figures(res: ExperimentResult, out: Path):
    pos = {int(i): b for b, i in enumerate(res.indices)}
    flipped = _example(res.points, EndpointKind.GLOBAL, lambda p: p.teacher_match is not None and any(
        lb[0] == "teacher" and lb[2] < 0 for lb in p.teacher_match.labels))
    examples = {"fig6_4_global": flipped or _example(res.points, EndpointKind.GLOBAL),
                "fig6_4_escaping": _example(res.points, EndpointKind.DIVERGING),
                "fig6_4_local_minimum": _example(res.points, EndpointKind.LOCAL_MINIMUM)}
    written = {}
    for stem, p in examples.items():
        if p is None:
            continue
        b = pos[p.index]
        snaps = np.concatenate([res.run.snapshots[:, b], p.theta[None]])
        labels = p.teacher_match.labels if p.teacher_match is not None else None
        save_figure(neurons_figure(res.problem, p.theta, snaps, labels, no_match_note=_no_match_note(res, p),
                                   title=f"init {p.index}: {p.kind.label}, L = {p.loss:.2e}"), out, stem)
        written[stem] = p.index
    return written


@case("teacher-student", "where 1000 sigmoid students of width 5 end on a width-4 teacher: global minima, "
      "symmetry-induced minima and saddles, other minima, runs escaping to infinity (thesis Table 6.1, "
      "Figs 6.3/6.4/6.7)", paper=THESIS, topic=TOPIC, runtime="5–12 min",
      options=(CaseOption("inits", int, 1000, "number of initialisations", minimum=1), *_COMMON_OPTIONS))
def teacher_student_case(out_dir: Path | None, progress: bool, inits: int = 1000, seed: int = 0,
                         method: str = "newton", max_iterations: int = 300, adam_lr: float = 1e-3,
                         adam_epochs: int = 20_000, slsqp_iterations: int = 2000) -> dict:
    config = _config(seed, method, max_iterations, adam_lr, adam_epochs, slsqp_iterations)
    res = run_experiment(config, n_inits=inits, progress=progress)
    counts = res.counts
    rows = table_6_1(counts)
    minima = [p for p in res.points if p.kind in (EndpointKind.LOCAL_MINIMUM, EndpointKind.SI_MINIMUM)]
    result = {"counts": counts, "points": [p.to_dict() for p in res.points], "table": rows,
              "printed_table_6_1": THESIS_TABLE_6_1, "config": config.to_dict(), "method": res.run.method,
              "problem": res.problem.describe(), "seconds": res.seconds,
              "distinct_local_minima": _distinct_minima(minima), "escaping_neurons": _escape_summary(res.points),
              "global_parameter_match": sum(1 for p in res.points if p.kind is EndpointKind.GLOBAL
                                            and p.teacher_match is not None and p.teacher_match.matched),
              "min_eig_negative_beyond_band": sum(1 for p in res.points if p.hessian_index > 0)}
    if out_dir is not None:
        out = Path(out_dir)
        write_tables(rows, out, "table_6_1", caption="Table 6.1 analogue: end points of the teacher–student runs")
        write_json(res.to_dict(full=True), out / "points.json")
        save_figure(eigenvalue_loss_figure(res.points), out, "fig6_3_min_eig_vs_loss")
        save_figure(distance_histogram([p for p in res.points if p.kind is not EndpointKind.GLOBAL],
                                       title="smallest neuron distance (end points that are not global minima)"),
                    out, "fig6_7_neuron_distance")
        result["figure_examples"] = _neurons_figures(res, out)
    tested = sum(1 for p in res.points if p.escape is not None)
    reached_zero = sum(1 for p in res.points if p.escape is not None and p.kind is EndpointKind.GLOBAL)
    tested_text = (f"{plural(tested, 'end point')} of the runs not at zero loss (L > "
                   f"{config.tolerances.global_loss:.0e}·L(0))"
                   + (f", {reached_zero} of which reached a global minimum in it" if reached_zero else ""))
    lines = [f"teacher–student (Stoican 2022, MSc thesis, §6.2): {plural(inits, 'initialisation')}, {res.run.method}, "
             f"then "
             f"{plural(config.escape_iterations, 'escape-test iteration')} of trust-region Newton from "
             f"{tested_text}, {res.seconds['total']:.0f} s", "", markdown_table(rows),
             "", "escaping end points by the neurons that carry the growth:",
             markdown_table(result["escaping_neurons"], empty="no end point escapes to infinity"),
             "", "distinct local minima (by loss):",
             markdown_table(result["distinct_local_minima"], empty="no end point is a local minimum")]
    stuck = [{"init": p.index, "run status": p.run_status, "why not converged": p.detail}
             for p in res.points if p.kind is EndpointKind.NOT_CONVERGED]
    if stuck:
        lines += ["", "end points that are not converged:", markdown_table(stuck)]
    result["text"] = "\n".join(lines)
    return result


def _nonglobal(res: ExperimentResult):
    return [p for p in res.points if p.kind is not EndpointKind.GLOBAL]


@case("teacher-student-escape", "is there a way down from a flat end point? the thesis's escape searches "
      "(Algorithms 1, 2) against third/fourth-order certificates, at every end point that is not a global minimum",
      paper=THESIS, topic=TOPIC, runtime="1–1.5 min",
      options=(CaseOption("inits", int, 200, "number of initialisations", minimum=1),
               CaseOption("budget", int, 200, "Algorithm 2: Hessians per search", minimum=1), *_COMMON_OPTIONS))
def escape_case(out_dir: Path | None, progress: bool, inits: int = 200, budget: int = 200, seed: int = 0,
                method: str = "newton", max_iterations: int = 300, adam_lr: float = 1e-3,
                adam_epochs: int = 20_000, slsqp_iterations: int = 2000) -> dict:
    config = _config(seed, method, max_iterations, adam_lr, adam_epochs, slsqp_iterations)
    res = run_experiment(config, n_inits=inits, progress=progress)
    kernel = res.problem.kernel
    rows = []
    literal = None
    for p in ProgressBar(_nonglobal(res), disable=not progress, desc="escape searches", unit="point"):
        a1 = algorithm1(kernel, p.theta)
        a2 = algorithm2(kernel, p.theta, max_expansions=budget)
        if literal is None:
            literal = algorithm2(kernel, p.theta, literal=True)
        test = null_direction_test(kernel, p.theta, flat_directions=None if p.si is None or p.si.flat_direction is None
                                   else p.si.flat_direction[None, :])
        rows.append({"init": p.index, "kind": p.kind.value, "loss": p.loss, "min_eig": p.min_eig,
                     "algorithm 1": a1.found, "algorithm 1 significant": a1.significant,
                     "algorithm 2": a2.found, "algorithm 2 significant": a2.significant, "rigorous": test.verdict.value,
                     "algorithm 1 detail": a1.detail, "algorithm 2 detail": a2.detail, "rigorous detail": test.reason})
    summary = Counter((r["kind"], r["algorithm 1"], r["algorithm 1 significant"], r["algorithm 2"],
                       r["algorithm 2 significant"], r["rigorous"]) for r in rows)
    summary_rows = [{"end point": EndpointKind(k[0]).label, "Algorithm 1 finds lower loss": _yes_no(k[1]),
                     "beyond float64 noise (1)": _yes_no(k[2]), "Algorithm 2 finds lower loss": _yes_no(k[3]),
                     "beyond float64 noise (2)": _yes_no(k[4]), "rigorous verdict": k[5], "end points": n}
                    for k, n in sorted(summary.items())]
    result = {"counts": res.counts, "searches": rows, "summary": summary_rows,
              "algorithm2_literal": None if literal is None else {"found": literal.found, "detail": literal.detail},
              "channel_example": _channel_example(res), "config": config.to_dict(), "seconds": res.seconds}
    if out_dir is not None:
        out = Path(out_dir)
        write_tables(summary_rows, out, "escape_summary", caption="Algorithms 1, 2 and the rigorous test (§6.2.4)")
        write_json(result, out / "escape.json")
        example = _example(res.points, EndpointKind.LOCAL_MINIMUM) or _example(res.points, EndpointKind.DIVERGING)
        if example is not None:
            save_figure(_figure_6_6(kernel, example), out, "fig6_6_smallest_eigenvector")
    lines = [f"§6.2.4 escape searches at {plural(len(rows), 'end point')} not at a global minimum (of "
             f"{plural(inits, 'initialisation')})", "",
             markdown_table(summary_rows, empty="every end point is at a global minimum")]
    if literal is not None:
        lines += ["", f"Algorithm 2 as printed (≤ in line 8), at init {rows[0]['init']}: "
                      f"{'reports a lower loss' if literal.found else 'finds no lower loss'} ({literal.detail})"]
    if result["channel_example"]:
        ex = result["channel_example"]
        lines += ["", f"escaping end point {ex['init']} (derivative pair {ex['pair']}) continued by trust-region Newton:",
                  markdown_table(ex["newton"]), "", "and by Adam with the thesis's learning rate 1e-4:",
                  markdown_table(ex["adam_lr_1e-4"]), "", _limit_sentence(ex["limit"])]
    result["text"] = "\n".join(lines)
    return result


def _limit_sentence(limit: dict) -> str:
    """:func:`.channels.derivative_pair_limit` in words."""
    i, j = limit["pair"]
    return (f"limit of the pair (neurons {i} and {j}, counted from 0): a neuron at w̄ = {format_vector(limit['w_bar'])} "
            f"plus its derivative along c; loss of that limit {limit['loss_limit_current_c']:.3e} with the current c, "
            f"{limit['loss_limit_fitted_c']:.3e} with c fitted by least squares")


def _yes_no(flag: bool) -> str:
    return "yes" if flag else "no"


def _channel_example(res: ExperimentResult) -> dict | None:
    """The first escaping end point with a derivative pair, continued: trust-region Newton (rounds of 200
    iterations) and the thesis's Adam (lr 1e-4, rounds of 4000 epochs), and the pair's limit."""
    point = _example(res.points, EndpointKind.DIVERGING,
                     lambda p: any(r["role"] == "derivative pair" for r in p.escape.neurons))
    if point is None:
        return None
    pair = next(r["neurons"] for r in point.escape.neurons if r["role"] == "derivative pair")
    return {"init": point.index, "pair": pair,
            "newton": continue_run(res.problem, point.theta, rounds=5, iterations=200),
            "adam_lr_1e-4": continue_run(res.problem, point.theta, rounds=5, iterations=4000, optimiser="adam",
                                         lr=1e-4),
            "limit": derivative_pair_limit(res.problem, point.theta, tuple(pair))}


def _figure_6_6(kernel, point):
    """Fig. 6.6: loss, smallest eigenvalue and gradient norm along ±ε v_min, ε ∈ [−8, 8]."""
    from ..reports import figure

    lam0, v = smallest_eigenvector(kernel, point.theta)
    eps = np.linspace(-8, 8, 161)
    pts = point.theta[None, :] + eps[:, None] * v[None, :]
    L = kernel.value(pts)
    H = kernel.hessian(pts)
    lmin = np.linalg.eigvalsh(0.5 * (H + H.transpose(0, 2, 1)))[:, 0]
    g = np.linalg.norm(kernel.gradient(pts), axis=1)
    fig, ax = figure(ncols=3, width=3.4, height=3.0)
    for a, y, lab in zip(ax[0], (L, lmin, g), ("loss", r"$\lambda_{\min}$", r"$\|\nabla L\|$")):
        a.plot(eps, y)
        a.set(xlabel=r"perturbation $\varepsilon$ along $v_{\min}$", ylabel=lab)
    ax[0, 0].set_title(f"init {point.index} ({point.kind.label})")
    linthresh = 1e-6 * max(float(np.max(np.abs(lmin))), np.finfo(float).tiny)   # six decades below the largest |λ|
    ax[0, 1].set_yscale("symlog", linthresh=linthresh)
    ax[0, 1].set_yticks(symlog_ticks(lmin, linthresh, most=3))
    ax[0, 2].set_yscale("log")
    ax[0, 2].yaxis.set_major_locator(LogLocator(numticks=5))
    return fig


@case("closest-saddle", "the symmetry-induced saddle closest to a local minimum (merge heuristic after Brea "
      "et al. 2019), loss slices between them (thesis Figs 6.9–6.11), certificates of a nearby minimum "
      "(thesis Theorems 1/2, Safran & Shamir 2018 Lemma 1)", paper=THESIS, topic=TOPIC, runtime="4–13 min",
      options=(CaseOption("inits", int, 200, "number of initialisations", minimum=1), *_COMMON_OPTIONS))
def closest_saddle_case(out_dir: Path | None, progress: bool, inits: int = 200, seed: int = 0, method: str = "newton",
                        max_iterations: int = 300, adam_lr: float = 1e-3, adam_epochs: int = 20_000,
                        slsqp_iterations: int = 2000) -> dict:
    config = _config(seed, method, max_iterations, adam_lr, adam_epochs, slsqp_iterations)
    res = run_experiment(config, n_inits=inits, progress=progress)
    problem, kernel = res.problem, res.problem.kernel
    groups = {"local minima": [p for p in res.points if p.kind in (EndpointKind.LOCAL_MINIMUM, EndpointKind.SI_MINIMUM)],
              "escaping end points": [p for p in res.points if p.kind is EndpointKind.DIVERGING]}
    rows, found = [], {}
    todo = [(g, p) for g, ps in groups.items() for p in ps]
    for group, p in ProgressBar(todo, disable=not progress, desc="closest saddles", unit="point"):
        cs = closest_saddle(problem, p.theta)
        row = {"init": p.index, "group": group, "kind": p.kind.value, "loss": p.loss, **cs.to_dict()}
        if cs.saddle_theta is not None:
            R = 2.0 * cs.distance if cs.distance else 1e-3
            row["theorem1"] = theorem1(kernel, cs.saddle_theta, R).to_dict()
            row["theorem1_as_thesis"] = theorem1(kernel, cs.saddle_theta, R, strict_index=False).to_dict()
            row["theorem2"] = theorem2(kernel, cs.saddle_theta, R).to_dict()
            found[p.index] = (p, cs)
        if group == "local minima":
            row["safran_shamir"] = safran_shamir(kernel, p.theta).to_dict()
        rows.append(row)
    distances = {g: [r["distance"] for r in rows if r["group"] == g and r["distance"] is not None] for g in groups}
    zero_loss = SaddleStatus.REDUCED_GLOBAL_MINIMUM.value    # no saddle: left out of Fig. 6.9, and said so
    at_zero_loss = {g: sum(1 for r in rows if r["group"] == g and r["status"] == zero_loss) for g in groups}
    status = Counter((r["group"], r["status"], r.get("saddle_kind")) for r in rows)
    cert = Counter((r["group"], (r.get("theorem1") or {}).get("status"),
                    (r.get("theorem1_as_thesis") or {}).get("status"), (r.get("theorem2") or {}).get("status"))
                   for r in rows)
    ss = Counter(r["safran_shamir"]["status"] for r in rows if "safran_shamir" in r)
    summary = [{"group": k[0], "heuristic": k[1], "saddle kind": k[2] or "— (no saddle)", "end points": n}
               for k, n in sorted(status.items(), key=str)]
    cert_rows = [{"group": k[0], "Theorem 1": k[1] or "— (no saddle)",
                  "Theorem 1 ignoring zero eigenvalues (thesis)": k[2] or "— (no saddle)",
                  "Theorem 2": k[3] or "— (no saddle)", "end points": n} for k, n in sorted(cert.items(), key=str)]
    result = {"counts": res.counts, "saddles": rows, "summary": summary, "certificates": cert_rows,
              "safran_shamir": dict(ss), "distances": distances, "reduced_global_minima": at_zero_loss,
              "config": config.to_dict(), "seconds": res.seconds}
    if out_dir is not None:
        out = Path(out_dir)
        write_json(result, out / "closest_saddle.json")
        write_tables(summary, out, "closest_saddle_summary", caption="Merge heuristic (§6.2.5)")
        save_figure(saddle_distance_histogram(distances, excluded=at_zero_loss), out, "fig6_9_saddle_distance")
        pos = {int(i): b for b, i in enumerate(res.indices)}
        # Figs 6.10/6.11: a saddle apart from the minimum (an SI minimum is its own closest saddle, distance 0)
        by_dist = sorted((pc for pc in found.values() if pc[1].distance > 1e-8 * max(np.linalg.norm(pc[0].theta), 1)),
                         key=lambda pc: pc[1].distance)
        for stem, pick in (("fig6_10_slices", by_dist[:1]), ("fig6_11_slices", by_dist[len(by_dist) // 2:][:1])):
            for p, cs in pick:
                ts, L1 = loss_slice_1d(problem, cs.saddle_theta, p.theta)
                traj = np.concatenate([res.run.snapshots[:, pos[p.index]], p.theta[None]])
                plane = loss_slice_2d(problem, cs, p.theta, trajectory=traj)
                save_figure(slice_figure(ts, L1, plane, title=f"init {p.index}: distance {cs.distance:.2e}"), out, stem)
    verdicts = "; ".join(f"{status} at {plural(n, 'minimum', 'minima')}" for status, n in ss.items())
    left_out = ", ".join(f"{n} of the {g}" for g, n in at_zero_loss.items() if n)
    left_out = (f"Fig. 6.9's distances leave out {left_out}: the reduced network is a global minimum (zero loss), "
                "so its line holds no saddle" if left_out else "")
    result["text"] = "\n".join([f"§6.2.5 closest saddles for {plural(len(todo), 'end point')} (of "
                                f"{plural(inits, 'initialisation')})", "", markdown_table(summary),
                                *(["", left_out] if left_out else []), "",
                                "certificates at the saddles:", markdown_table(cert_rows, empty="no saddle found"), "",
                                f"Safran–Shamir at the local minima: {verdicts or 'no local minima'}"])
    return result


__all__ = ["COUNT_KEYS", "THESIS_TABLE_6_1", "closest_saddle_case", "escape_case", "table_6_1",
           "teacher_student_case"]
