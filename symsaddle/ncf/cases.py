"""``symsaddle reproduce ncf-near-origin`` and ``ncf-near-saddle``: directional convergence of
small weights to KKT points of the neural correlation function (Kumar & Haupt 2024; seed 002
Figure 1, Appendix D.3).

Settings: 50 unit-norm inputs x = g/‖g‖, g ~ N(0, I₂) (seed 0); labels 5σ(x₁)² + 4σ(−x₁)²;
sum loss Σ ½(H − y)²; gradient descent with step 5e-5; 10 hidden neurons (20 at the saddle);
initial directions w₀ ~ N(0, I) (seed 1; ξ seed 2 at the saddle); δ = 1e-2, …, 1e-8 for the
angle study; standard deviations 1e-5 and 1e-4 (the two readings of "10e-5") for the
50 000-iteration runs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..models import two_layer
from ..reports import save_figure, write_json, write_tables
from ..registry import case
from .alignment import Alignment
from .networks import neuron_groups
from .nonsmooth import branching_example, convention_counterexample, dead_relu_chatter_bound, non_branching_example
from .plots import plot_alignment, plot_branching, plot_training
from .saddle import d3_saddle, saddle_study
from .small_init import FIGURE1_SD, FIGURE1_STEP, FIGURE1_STEPS, FIGURE1_WIDTH, figure1_data, long_run, small_init_study

DELTAS = tuple(10.0 ** -k for k in range(2, 9))
DATA_SEED, INIT_SEED, SADDLE_SEED = 0, 1, 2


def _angle_errors(al: Alignment) -> list[dict]:
    deg = np.degrees(al.angles)
    return [{"delta": float(d), "phase_end_iteration": int(al.phase_end.iteration[b]),
             "max_deg": float(np.nanmax(deg[b])), "median_deg": float(np.nanmedian(deg[b])),
             "per_neuron_deg": deg[b].tolist(), "joint_deg": float(np.degrees(al.joint_angles[b]))}
            for b, d in enumerate(al.deltas)]


def _network(activation: str, X, y, out_dir: Path | None, progress: bool) -> tuple[dict, Alignment]:
    fixed = [1.0] * FIGURE1_WIDTH if activation == "squared_relu" else None
    model = two_layer(2, FIGURE1_WIDTH, activation, output_weights=fixed)
    groups = neuron_groups(model)
    w0 = np.random.default_rng(INIT_SEED).normal(size=model.n_parameters)
    al = small_init_study(model, X, y, w0, DELTAS, groups, progress=progress)
    run = long_run(model, X, y, np.zeros(model.n_parameters), w0, FIGURE1_SD, groups,
                   n_steps=FIGURE1_STEPS, progress=progress)
    out = {"model": model.describe(), "kkt": al.kkt.to_dict(), "alignment": al.to_dict(),
           "angle_errors": _angle_errors(al), "figure1_runs": run.summary(),
           "joint_ncf": {"limit": al.joint_limit.tolist(), "value": al.joint_value}}
    if activation == "relu":
        kink = [j for j, p in enumerate(al.limits) if p is not None and not p.smooth]
        half = small_init_study(model, X, y, w0, DELTAS, groups, step=FIGURE1_STEP / 2, progress=progress)
        out["kink_neurons"] = {
            "neurons": kink,
            "max_angle_deg": {str(FIGURE1_STEP): float(np.degrees(al.angles[:, kink].max())) if kink else None,
                              str(FIGURE1_STEP / 2): float(np.degrees(half.angles[:, kink].max())) if kink else None},
            "bound_deg": {str(FIGURE1_STEP): float(np.degrees(dead_relu_chatter_bound(X, y, FIGURE1_STEP))),
                          str(FIGURE1_STEP / 2): float(np.degrees(dead_relu_chatter_bound(X, y, FIGURE1_STEP / 2)))}}
    if out_dir is not None:
        write_tables(al.rows(), out_dir, f"{activation}_alignment",
                     caption=f"{activation}: angles at the end of the small-norm phase")
        write_tables(al.kkt.rows(), out_dir, f"{activation}_kkt_points", caption="per-neuron KKT points")
        write_tables(run.summary(), out_dir, f"{activation}_figure1_runs")
        save_figure(plot_alignment(al, title=f"{activation}: alignment vs δ"), out_dir, f"{activation}_alignment")
        for b, sd in enumerate(run.sds):
            fig = plot_training(run.iterations, run.losses[:, b], run.distances[:, b], run.neurons[:, b],
                                al.kkt.points, label=f"{activation}, sd = {sd:g}")
            save_figure(fig, out_dir, f"{activation}_figure1_sd{sd:g}")
    return out, al


TOPIC = "two-homogeneous networks, neural correlation function"
PAPER = ("Kumar & Haupt 2024 (TMLR), directional convergence near small initializations and saddles in "
         "two-homogeneous neural networks")


@case("ncf-near-origin",
      "small initialisation: weights align with KKT points of the neural correlation function before they "
      "grow (Figure 1; squared ReLU and ReLU networks)", paper=PAPER, topic=TOPIC, runtime="1–2 min",
      renamed_from=("ncf-origin",))
def run_origin(out_dir: Path | None, progress: bool) -> dict:
    X, y = figure1_data(seed=DATA_SEED)
    sq, al_sq = _network("squared_relu", X, y, out_dir, progress)
    relu, al_relu = _network("relu", X, y, out_dir, progress)
    counter = convention_counterexample()
    branch = branching_example()
    nonbranch = non_branching_example()
    nonsmooth = {"convention_counterexample": {"kernel_gradient": counter.kernel_gradient.tolist(),
                                               "central_difference": counter.central_difference.tolist()},
                 "branching_inclusion_residuals": branch.inclusion_residual,
                 "branching_core_flow_end": branch.core_flow[-1].tolist(),
                 "branching_perturbed_flow_end": branch.perturbed_flow[-1].tolist(),
                 "non_branching_max_error": float(np.max(np.abs(nonbranch.closed_form - nonbranch.core_flow)))}
    if out_dir is not None:
        save_figure(plot_branching(branch), out_dir, "branching")
    result = {"kkt_points": sq["kkt"]["points"], "angle_errors": sq["angle_errors"], "squared_relu": sq,
              "relu": relu, "nonsmooth": nonsmooth,
              "settings": {"samples": len(y), "data_seed": DATA_SEED, "init_seed": INIT_SEED, "labels":
                           "5 relu(x1)^2 + 4 relu(-x1)^2", "step": FIGURE1_STEP, "steps": FIGURE1_STEPS,
                           "width": FIGURE1_WIDTH, "sds": list(FIGURE1_SD), "deltas": list(DELTAS),
                           "loss": "sum of 1/2 (H - y)^2", "phase end": "first ||w|| >= sqrt(||w(0)|| * 1)"}}
    if out_dir is not None:
        write_json(result, Path(out_dir) / "ncf_origin.json")
    lines = ["ncf-near-origin: per-neuron KKT points of the squared-ReLU NCF (N ≥ 0 marked):"]
    lines += [f"  N = {p['value']:9.4f}  {p['kind']:14s} non-negative={p['nonnegative']}  "
              f"direction = {np.round(p['direction'], 4).tolist()}" for p in sq["kkt"]["points"]]
    for name, al in (("squared ReLU", al_sq), ("two-layer ReLU", al_relu)):
        lines.append(f"{name}: max angle to the limit KKT point at the end of the small-norm phase")
        lines += [f"  δ = {r['delta']:.0e}: T = {r['T_delta']:5d}, max {r['max angle to u*_j (deg)']:8.4f}°, "
                  f"median {r['median angle to u*_j (deg)']:8.4f}°, joint {r['joint angle (deg)']:8.4f}°"
                  for r in al.rows()]
    result["text"] = "\n".join(lines)
    return result


def _predicted_exponent(slope: float) -> str:
    """The predicted exponent s_j of a neuron's line, or why there is none (NaN in the tables and JSON:
    only a neuron aligning at the asymptotic rate has a prediction; its regime is printed before)."""
    return (f"predicted {slope:.4f}" if np.isfinite(slope)
            else "no prediction: only a neuron aligning at the asymptotic rate has one")


@case("ncf-near-saddle",
      "near a saddle: the small weights align with KKT points of the residual's neural correlation function "
      "(Appendix D.3)", paper=PAPER, topic=TOPIC, runtime="25–40 s", renamed_from=("ncf-saddle",))
def run_saddle(out_dir: Path | None, progress: bool) -> dict:
    X, y = figure1_data(seed=DATA_SEED)
    model, theta_bar, small_groups = d3_saddle()
    xi = np.random.default_rng(SADDLE_SEED).normal(size=model.n_parameters)
    sad, al = saddle_study(model, X, y, theta_bar, small_groups, xi, DELTAS, progress=progress)
    run = long_run(model, X, y, theta_bar, xi, FIGURE1_SD[:1], small_groups, progress=progress)
    closed = 4 * np.maximum(-sad.X[:, 0], 0) ** 2
    result = {"kkt_points": al.kkt.to_dict()["points"], "angle_errors": _angle_errors(al),
              "saddle": {"theta_bar": theta_bar.tolist(), "loss": sad.loss, "gradient_norm": sad.gradient_norm,
                         "gradient_tolerance": sad.gradient_tolerance,
                         "max |residual - 4 relu(-x1)^2|": float(np.max(np.abs(sad.residual[:, 0] - closed)))},
              "alignment": al.to_dict(), "figure4_run": run.summary(),
              "settings": {"width": model.describe()["blocks"], "fitted neurons": 10, "step": FIGURE1_STEP,
                           "steps": FIGURE1_STEPS, "deltas": list(DELTAS), "xi_seed": SADDLE_SEED}}
    if out_dir is not None:
        write_tables(al.rows(), out_dir, "saddle_alignment", caption="small neurons near the D.3 saddle")
        write_tables(al.kkt.rows(), out_dir, "saddle_kkt_points", caption="KKT points of the residual NCF")
        save_figure(plot_alignment(al, title="saddle: alignment vs δ"), out_dir, "saddle_alignment")
        save_figure(plot_training(run.iterations, run.losses[:, 0], run.distances[:, 0], run.neurons[:, 0],
                                  al.kkt.points, label="near the D.3 saddle, sd = 1e-5",
                                  norm_label=r"$\|w - \bar w\|$"), out_dir, "saddle_figure4")
        write_json(result, Path(out_dir) / "ncf_saddle.json")
    lines = [f"ncf-near-saddle: w̄ certified critical (‖∇L‖ = {sad.gradient_norm:.2e} ≤ {sad.gradient_tolerance:.2e}), "
             f"L(w̄) = {sad.loss:.6f}; residual NCF KKT points:"]
    lines += [f"  N = {p.value:9.4f}  {p.kind.value:14s} non-negative={p.nonnegative}  basin={p.basin}"
              for p in al.kkt.points]
    lines += [f"  δ = {r['delta']:.0e}: T = {r['T_delta']:5d}, joint angle {r['joint angle (deg)']:8.4f}°, "
              f"max ‖w_n − w̄_n‖/δ = {r['drift / delta']:.4f}" for r in al.rows()]
    lines.append(f"small neurons at δ = {min(DELTAS):.0e} (exponent s_j only for those that reached u*_j):")
    lines += [f"  neuron {r['block']}: N(start) = {r['N(start)']:.3g}, {r['regime']}; angle to u*_j "
              f"{r['measured angle at T (deg)']:.4f}° (NCF flow {r['NCF-flow angle at T (deg)']:.4f}°), "
              f"exponent {r['measured slope']:.4f} ({_predicted_exponent(r['predicted slope'])})" for r in al.neuron_rows()]
    result["text"] = "\n".join(lines)
    return result
