"""``symsaddle reproduce symmetry-counts | symmetry-inertia`` (seed 003 §4 and §6.2.6; issue 9 parts 2–3).

Thin drivers over ``counting`` and ``inertia``; their sizes are parameters of :func:`counts_report` and
:func:`inertia_report`, whose defaults are the reproduction settings.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from ..progress import ProgressBar
from ..reports import markdown_table, save_figure, write_json, write_tables
from ..registry import CaseOption, CaseOptionError
from ..reproduce import case
from .counting import (closed_forms, count_table, critical_subspace_count, global_minimum_subspace_count, labellings,
                       ratio_curve)
from .examples import SIExample, deep_layer_example, seed003_reduced_minimum, two_output_example
from .figures import descent_figure, ratio_figure, spectrum_figure
from .inertia import classify_segments, default_mus, measure_si_line, predict_si_line

# ---------------------------------------------------------------------------------------------
# §4: counting

#: The seed's printed counts (§4.2, §4.4): (name, r, m, printed value, printed formula).
THESIS_COUNTS = (
    ("T", 4, 5, 245, "Σ_{k₁+…+k₄=5, k_i≥1} (5; k₁..k₄) + 5 = 4·5!/2! + 5"),
    ("G", 3, 4, 36, "3·4!/2!"),
    ("T", 4, 4, 24, "4!"),
    ("G", 3, 5, 30, "3·4!/3! + 3·4!/(2!·2!)"),
)

EXPLANATIONS = {
    ("T", 4, 5): "the '+5' counts one subspace per position of the zero-type neuron; the other four neurons still "
                 "carry the 4! labellings of the teacher's neurons: 5·4! = 120, so T(4,5) = 240 + 120 = 360",
    ("G", 3, 5): "the multinomials of 5 need 5!, not 4!: 3·5!/3! + 3·5!/(2!·2!) = 60 + 90 = 150",
}


def thesis_count_rows() -> list[dict]:
    """The seed's four printed counts against the closed form and brute-force enumeration."""
    rows = []
    for which, r, m, printed, formula in THESIS_COUNTS:
        value = (global_minimum_subspace_count if which == "T" else critical_subspace_count)(r, m)
        enumerated = sum(1 for _ in labellings(r, m, zero_type=which == "T"))
        rows.append({"quantity": f"{which}({r},{m})", "printed": printed, "printed_formula": formula,
                     "closed form": value, "enumeration": enumerated,
                     "verdict": "confirmed" if printed == value == enumerated else "printed value wrong",
                     "explanation": EXPLANATIONS.get((which, r, m), "")})
    return rows


def counts_report(out_dir: Path | None, progress: bool, *, max_r: int = 6, max_added: int = 5, r_star: int = 30,
                  curve_added: int = 40, enumerate_up_to: int = 4) -> dict:
    """T and G tables, the seed's numbers, the trend claims and the Figure 4.4 curve with its crossover."""
    pairs = [(r, r + h) for r in range(1, max_r + 1) for h in range(max_added + 1)]
    T, G = count_table(pairs, "T"), count_table(pairs, "G")
    checks = []
    for r, m in pairs:
        if r <= enumerate_up_to and m <= r + 3:
            forms = closed_forms(r, m)
            checks.append({"r": r, "m": m, "T_enumerated": sum(1 for _ in labellings(r, m)),
                           "G_enumerated": sum(1 for _ in labellings(r, m, zero_type=False)),
                           "T_forms_agree": len(set(forms["T"].values())) == 1,
                           "G_forms_agree": len(set(forms["G"].values())) == 1})
    table = {(d["r"], d["m"]): d["value"] for d in T}
    gtable = {(d["r"], d["m"]): d["value"] for d in G}
    enumeration_agrees = all(c["T_enumerated"] == table[c["r"], c["m"]] and c["G_enumerated"] == gtable[c["r"], c["m"]]
                             and c["T_forms_agree"] and c["G_forms_agree"] for c in checks)
    printed = thesis_count_rows()
    ratios_r4 = [{"m": m, "G(3,m)/T(4,m)": critical_subspace_count(3, m) / global_minimum_subspace_count(4, m),
                  "sum_r<4 G(r,m)/T(4,m)": sum(critical_subspace_count(r, m) for r in (1, 2, 3))
                  / global_minimum_subspace_count(4, m)} for m in range(4, 13)]
    curve = ratio_curve(r_star, curve_added)
    largest = curve.largest_term_crossover()
    if largest is None:
        largest_text = f"some single term G(r, m)/T(r*, m) is ≥ 1 for every h ≤ {curve.added[-1]}"
    else:
        largest_text = (f"every single term G(r, m)/T(r*, m) < 1 from h = {largest[0]} on (the largest there: "
                        f"r = {largest[1]}, {largest[2]:.3f}); the term r = r*−1 = {r_star - 1} is < 1 from "
                        f"h = {curve.crossover_of(r_star - 1)}")
        largest = {"added": largest[0], "r": largest[1], "ratio": largest[2]}
    result = {
        "T": T, "G": G, "enumeration_checks": checks, "enumeration_agrees": enumeration_agrees,
        "formulas": {"T": r"T(r,m) = r!\,S(m+1,r+1) = \sum_{k=0}^{r}(-1)^k\binom{r}{k}(r+1-k)^m",
                     "G": r"G(r,m) = r!\,S(m,r) = \sum_{k=0}^{r}(-1)^k\binom{r}{k}(r-k)^m"},
        "printed_counts": printed, "trend_r_star_4": ratios_r4,
        "figure_4_4": {"r_star": r_star, "rows": curve.rows(), "crossover_sum": curve.crossover,
                       "crossover_largest_term": largest, "crossover_r_star_minus_1": curve.crossover_of(r_star - 1)},
    }
    if out_dir is not None:
        write_tables(T, out_dir, "T", caption="T(r, m): affine subspaces of the global-minimum manifold")
        write_tables(G, out_dir, "G", caption="G(r, m): symmetry-induced critical subspaces")
        write_tables(printed, out_dir, "thesis_counts", ["quantity", "printed", "closed form", "enumeration", "verdict"],
                     caption="Counts printed in Stoican's 2022 MSc thesis, §4")
        write_tables(curve.rows(), out_dir, "figure4_4_ratios")
        save_figure(ratio_figure(curve), out_dir, "figure4_4")
        write_json(result, Path(out_dir) / "result.json")
    result["text"] = "\n".join([
        "Counts printed in Stoican's 2022 MSc thesis, §4, against closed forms and brute-force enumeration:",
        markdown_table(printed, ["quantity", "printed", "closed form", "enumeration", "verdict"]),
        f"closed forms = enumeration for r ≤ {enumerate_up_to}, m ≤ r + 3: {enumeration_agrees}",
        f"Figure 4.4 (r* = {r_star}): Σ_r G(r, m)/T(r*, m) < 1 from h = {curve.crossover} added neurons on; "
        + largest_text,
    ])
    return result


# ---------------------------------------------------------------------------------------------
# §6.2.6: Theorem 3 and Corollaries 3.1/3.2 along SI lines

#: The SI lines of the reproduction: name -> (builder, what it shows).
INERTIA_EXAMPLES: dict[str, tuple[Callable[[], SIExample], str]] = {
    "teacher-student-width3": (lambda: seed003_reduced_minimum(3, 1, 0),
                       "d_out = 1, last layer: U = 0, Corollary 3.2 holds (Y indefinite: saddles on both sides)"),
    "teacher-student-width4-saddle-line": (lambda: seed003_reduced_minimum(4, 10, 2),
                                   "Stoican's width-5 student from a width-4 local minimum; Y indefinite"),
    "teacher-student-width4-si-minimum": (lambda: seed003_reduced_minimum(4, 22, 3),
                                  "Stoican's width-5 student; Y ≻ 0: 0 < μ < 1 are SI (degenerate) local minima"),
    "two-output": (two_output_example, "d_out = 2: U ≠ 0, strict saddles for every μ although Y ≻ 0"),
    "deep-layer": (deep_layer_example, "mlp [2,2,2,1], first hidden layer: U ≠ 0, strict saddles for every μ"),
}


def _example_result(ex: SIExample, mus: np.ndarray) -> tuple[dict, object]:
    pr = predict_si_line(ex.objective, ex.theta, ex.neuron, layer=ex.layer)
    kernel = pr.wide_objective.compile()
    sweep = measure_si_line(pr, mus, kernel=kernel)
    kinds = classify_segments(pr, kernel=kernel)
    decided = sweep.decided
    half = sweep.measured[int(np.argmin(np.abs(sweep.mus - 0.5)))]
    summary = pr.summary()
    summary.update({
        "description": ex.description, "reduced_width": pr.layer.width,
        "n_mu": len(sweep.mus), "n_decided": int(decided.sum()),
        "n_agree_on_decided": int(np.sum(sweep.agrees & decided)), "all_decided_agree": sweep.all_decided_agree,
        "n_thesis_agree_on_decided": int(sum(1 for i in np.nonzero(decided)[0] if sweep.measured[i] == sweep.thesis[i])),
        "core_classification": {k: v.value for k, v in kinds.items()},
        "brea": {"claimed_at_least": pr.brea_zero_count, "predicted": pr.permutation_point_zero_count,
                 "measured": None if half is None else half.zero},
        "sweep": sweep.rows(),
    })
    return summary, sweep


def inertia_report(out_dir: Path | None, progress: bool, *, examples: Sequence[str] | None = None,
                   n_mu: int = 100) -> dict:
    """Every example of :data:`INERTIA_EXAMPLES`: Y, U, predicted vs measured inertia along μ, segment verdicts."""
    names = list(examples or INERTIA_EXAMPLES)
    mus = default_mus(n_mu)
    results, lines = {}, []
    for name in ProgressBar(names, disable=not progress, desc="SI lines"):
        builder, what = INERTIA_EXAMPLES[name]
        res, sweep = _example_result(builder(), mus)
        res["shows"] = what
        results[name] = res
        if out_dir is not None:
            save_figure(spectrum_figure(sweep, title=name), out_dir, f"spectrum_{name}")
            write_tables(res["sweep"], out_dir, f"sweep_{name}")
        lines += [f"{name}: {what}",
                  f"  loss {res['loss']:.4e}, ‖∇L‖ = {res['gradient_norm']:.1e}; rank U = {res['rank_U']} "
                  f"(σ(U) = {np.array2string(np.asarray(res['U_singular_values']), precision=2)}), "
                  f"In(ZᵀYZ) = {res['Y_inertia']}, In H_r = {res['reduced_inertia']}",
                  f"  measured = predicted at {res['n_agree_on_decided']}/{res['n_decided']} decided μ "
                  f"({res['n_mu']} in all); the U = 0 prediction at {res['n_thesis_agree_on_decided']}",
                  "  " + "; ".join(f"{s['segment']}: {s['verdict']} {(s['negative'], s['zero'], s['positive'])}"
                                   for s in res["segments"]),
                  f"  Brea et al. at μ = ½: ≥ {res['brea']['claimed_at_least']} zeros claimed, "
                  f"{res['brea']['predicted']} predicted, {res['brea']['measured']} measured"]
    rows = [{"example": n, "d": r["d"], "fan_out": r["fan_out"], "last_layer": r["is_last_hidden_layer"],
             "rank_U": r["rank_U"], "Y_inertia": r["Y_inertia"], "decided": r["n_decided"],
             "agree": r["n_agree_on_decided"], "U = 0 prediction agrees": r["n_thesis_agree_on_decided"],
             "segments": " / ".join(s["verdict"] for s in r["segments"])} for n, r in results.items()]
    result = {"examples": results, "summary": rows, "all_agree": all(r["all_decided_agree"] for r in results.values())}
    if out_dir is not None:
        write_tables(rows, out_dir, "si_lines", caption="SI lines: Theorem 3 prediction against the measured Hessian")
        write_json(result, Path(out_dir) / "result.json")
    result["text"] = "\n".join(lines + ["", markdown_table(rows)])
    return result


TOPIC = "symmetry-induced critical points of teacher–student networks"


@case("symmetry-counts", "how many symmetry-induced critical subspaces there are against global-minimum ones: "
      "T(r, m), G(r, m) closed forms vs enumeration, the counts printed in Stoican's 2022 MSc thesis audited, "
      "Figure 4.4",
      paper="Şimşek et al. 2021, geometry of the loss landscape in overparameterized neural networks: "
            "symmetries and invariances", topic=TOPIC, runtime="≈ 5 s")
def run_counts(out_dir: Path | None, progress: bool) -> dict:
    return counts_report(out_dir, progress)


@case("symmetry-inertia", "Hessian index along symmetry-induced lines of critical points (duplicated neurons): "
      "the Y, U prediction (Theorem 3, Cor. 3.1/3.2) against the measured Hessian, five lines",
      paper="Şimşek et al. 2021, geometry of the loss landscape in overparameterized neural networks: "
            "symmetries and invariances", topic=TOPIC, runtime="10–30 s")
def run_inertia(out_dir: Path | None, progress: bool) -> dict:
    return inertia_report(out_dir, progress)


# ---------------------------------------------------------------------------------------------
# §6.3: the deeper network on digits (in place of MNIST)

#: The thesis's counts (§6.3.1, Figures 6.17/6.18) for the 10-10-10 network.
THESIS_DIGITS_CLAIMS = (
    {"claim": "6.3.2", "layer": 3, "text": "U = 0 for a last-layer neuron (one output)"},
    {"claim": "6.3.3", "layer": 3, "text": "12 eigenvalues cross 0 at μ = 0 and μ = 1"},
    {"claim": "6.3.4", "layer": 3,
     "text": "10 positive eigenvalues of Y ⇒ 10 negative Hessian eigenvalues for μ ∉ [0, 1]"},
    {"claim": "6.3.5", "layer": 2, "text": "4 eigenvalues cross 0 at μ = 0 and μ = 1 (threshold 1e-9)"},
)


def digits_report(out_dir: Path | None, progress: bool, *, layers: Sequence[int] = (3, 2), seed: int = 0,
                  targets: str = "labels", first_order_steps: int = 1000, newton_steps: int = 10) -> dict:
    """Seed 003 §6.3 on digits: descent of the 10-10-10 network from a seeded Xavier start, then, at a
    critical end point, the SI line of one added neuron in each of ``layers`` (predicted vs measured inertia)."""
    from .digits_line import DescentStatus, descend, digits_problem, si_line_report, xavier_mlp
    from .examples import MAX_WEIGHT
    objective, description = digits_problem(targets)
    steps = ["descent", *[f"SI line, layer {layer}" for layer in layers]]
    bar = ProgressBar(total=len(steps), disable=not progress, desc="digits saddle line")
    descent = descend(objective, xavier_mlp(objective.model, seed), first_order_steps=first_order_steps,
                      newton_steps=newton_steps, progress=progress)
    bar.update()
    result = {"targets": targets, "problem": description, "seed": seed, "P": objective.model.n_parameters,
              "descent": descent.to_dict(), "lines": {}, "thesis_claims": list(THESIS_DIGITS_CLAIMS)}
    lines = [f"Stoican's 2022 MSc thesis §6.3 on digits ({description}); P = {objective.model.n_parameters}, "
             f"initialisation seed {seed}",
             f"descent: {descent.status.value}: L = {descent.loss:.4e}, ‖∇L‖ = {descent.gradient_norm:.2e} "
             f"(tolerance {descent.gradient_tolerance:.2e}), max |θ_i| = {descent.max_weight:.3g}"]
    rows = []
    if out_dir is not None:
        write_tables(descent.history, out_dir, "descent", caption="Descent on digits: loss, gradient, largest weight")
        save_figure(descent_figure(descent.history, MAX_WEIGHT, title=f"10-10-10 on digits ({targets}), seed {seed}"),
                    out_dir, "descent")
    if descent.status is not DescentStatus.CRITICAL:
        lines.append("no SI verdict: the end point is not a critical point (Theorem 3 is about critical points; "
                     "on the digits the descent has none to reach, see docs/audit_seed003.md §5)")
    else:
        for layer in layers:
            summary, sweep = si_line_report(objective, descent.theta, layer)
            result["lines"][str(layer)] = summary
            bar.update()
            for r in summary["key_mus"]:
                rows.append({"layer": layer, "last": summary["is_last_hidden_layer"], "mu": r["mu"],
                             "predicted": r["predicted"], "measured": r["measured"], "U0_prediction": r["thesis_U0"],
                             "decided": r["decided"], "agrees": r["agrees"], "zero_tolerance": r["zero_tolerance"]})
            lines.append(f"layer {layer} (neuron {summary['neuron']}): rank U = {summary['rank_U']}, "
                         f"In(ZᵀYZ) = {summary['Y_inertia']}, In H_r = {summary['reduced_inertia']}; "
                         f"measured = predicted at {sum(r['agrees'] and r['decided'] for r in summary['sweep'])}"
                         f"/{summary['n_decided']} decided μ ({summary['n_mu']} in all)")
            if out_dir is not None:
                save_figure(spectrum_figure(sweep, title=f"digits 10-10-10, neuron added to layer {layer}"), out_dir,
                            f"spectrum_layer{layer}")
                write_tables(summary["sweep"], out_dir, f"sweep_layer{layer}")
    bar.close()
    result["table"] = rows
    result["all_agree"] = bool(rows) and all(line["all_decided_agree"] for line in result["lines"].values())
    if out_dir is not None:
        empty = ("no SI line: the descent reached no critical point "
                 f"({descent.status.value}: ‖∇L‖ = {descent.gradient_norm:.2e}, tolerance {descent.gradient_tolerance:.2e}), "
                 "and Theorem 3 is about critical points" if descent.status is not DescentStatus.CRITICAL
                 else "no key μ on the SI lines")
        write_tables(rows, out_dir, "si_lines", caption="Digits 10-10-10: predicted vs measured Hessian inertia",
                     empty=empty)
        write_json(result, Path(out_dir) / "result.json")
    result["text"] = "\n".join(lines + (["", markdown_table(rows)] if rows else []))
    return result


@case("digits-saddle-line", "a 10-10-10 sigmoid network on handwritten digits (in place of MNIST): descend from a "
      "seeded Xavier start (1000 L-BFGS + 10 trust-region Newton iterations) and, if the end point is critical, add "
      "one neuron to a hidden layer and compare the Hessian inertia along the line with the layer-wise Y/U "
      "prediction (thesis §6.3). On the digits the descent finds no critical point (the loss falls as the weights "
      "grow; see the thesis's audit in docs/, §5): the default run reports the descent, 'not converged', and no SI verdict",
      paper="Stoican 2022 (MSc thesis, TU Munich), §6.3; Şimşek et al. 2021", topic=TOPIC, runtime="15–60 s",
      options=(CaseOption("layer", int, 0, "hidden layer that gets the neuron: 1, 2 or 3 (layers count from 1, "
                                           "3 is the last); 0, the default, is no layer (the input) and means "
                                           "layers 3 and 2, as in the thesis"),
               CaseOption("seed", int, 0, "Xavier initialisation seed"),
               CaseOption("targets", str, "labels", "'labels' (±1 odd/even, the thesis's) or 'teacher'")))
def run_digits(out_dir: Path | None, progress: bool, layer: int = 0, seed: int = 0, targets: str = "labels") -> dict:
    if layer not in (0, 1, 2, 3):
        raise CaseOptionError(f"--layer must be 1, 2 or 3 (a hidden layer of the 10-10-10 network, counted from 1) "
                              f"or 0 for both 3 and 2, got {layer}")
    if targets not in ("labels", "teacher"):
        raise CaseOptionError(f"--targets must be 'labels' or 'teacher', got {targets!r}")
    return digits_report(out_dir, progress, layers=(3, 2) if layer == 0 else (layer,), seed=seed, targets=targets)
