"""Figures of the NCF analyses (Kumar & Haupt 2024), drawn with ``reports.figure``; the cases
save them as PNG + PDF.

Neurons are many (10–20), so they are told apart by a sequential colour map (cividis,
colour-blind safe) rather than by a legend entry each; line styles carry the meaning that
the legends explain.
"""

from __future__ import annotations

import matplotlib
import numpy as np
from matplotlib.lines import Line2D

from ..reports import OKABE_ITO, REFERENCE_COLOR, figure, legend_below
from .alignment import Alignment


def neuron_angles_deg(neurons: np.ndarray) -> np.ndarray:
    """Angle (degrees) of each neuron's input weights (first two entries) with the positive x₁ axis."""
    return np.degrees(np.arctan2(neurons[..., 1], neurons[..., 0]))


def _neuron_colors(count: int) -> list:
    cmap = matplotlib.colormaps["cividis"]
    return [cmap(x) for x in np.linspace(0.0, 0.9, max(count, 1))]


def plot_training(iterations, losses, norms, neurons, kkt_points, *, label: str, norm_label: str = r"$\|w\|$",
                  title: str = ""):
    """(a) loss and weight norm against iterations; (b) each neuron's angle with KKT directions.

    ``kkt_points``: :class:`~symsaddle.ncf.kkt.KKTPoint` of the per-neuron NCF; local maxima with
    N ≥ 0 are drawn solid, other KKT points dotted.
    """
    fig, axes = figure(ncols=2, width=4.6, height=3.4)
    ax = axes[0, 0]
    ax2 = ax.twinx()
    ax.plot(iterations, losses, color=OKABE_ITO[0], label="loss (left axis)")
    ax.set_xlabel("iteration (GD)")
    ax.set_ylabel("loss", color=OKABE_ITO[0])
    ax2.semilogy(iterations, norms, color=OKABE_ITO[3], ls="--", label=f"{norm_label} (right axis, log)")
    ax2.set_ylabel(norm_label, color=OKABE_ITO[3])
    ax2.legend(handles=[*ax.get_lines(), *ax2.get_lines()], fontsize=7, loc="center right")
    ax.set_title(f"(a) {label}", fontsize=10)
    bx = axes[0, 1]
    ang = neuron_angles_deg(neurons)
    colors = _neuron_colors(ang.shape[1])
    for j in range(ang.shape[1]):
        bx.plot(iterations, ang[:, j], ".", ms=1.2, color=colors[j])
    styles = {True: ("-", 0.8), False: (":", 0.6)}
    for p in kkt_points:
        if np.linalg.norm(p.direction[:2]) < 1e-9:
            continue
        a = float(np.degrees(np.arctan2(p.direction[1], p.direction[0])))
        ls, lw = styles[bool(p.nonnegative and p.kind.value == "local maximum")]
        bx.axhline(a, color=REFERENCE_COLOR, lw=lw, ls=ls)
    legend_below(bx, handles=[Line2D([], [], color=colors[len(colors) // 2], marker=".", ls="", label="neuron angle (colour: neuron)"),
                          Line2D([], [], color=REFERENCE_COLOR, ls="-", lw=0.8, label="KKT point, local max with N ≥ 0"),
                          Line2D([], [], color=REFERENCE_COLOR, ls=":", lw=0.6, label="other KKT point")],
                 fontsize=7, ncol=2)
    bx.set_ylim(-185, 185)
    bx.set_yticks(range(-180, 181, 90))
    bx.set_xlabel("iteration (GD)")
    bx.set_ylabel("neuron direction (degrees from $x_1$ axis)")
    bx.set_title("(b) neuron directions and KKT directions", fontsize=10)
    if title:
        fig.suptitle(title, fontsize=10)
    return fig


def plot_alignment(al: Alignment, *, title: str = ""):
    """Angle to u*_j at the end of the small-norm phase against δ (log-log), with the predictions.

    Left, per block: the measured angle (dots and line), the NCF flow's angle after the same T_δ steps
    (crosses; Lemma 5.2, every block), and the asymptotic exponent s_j (dashed, only for blocks in
    the "aligning" regime, anchored at the smallest δ and cut at 180°). Right: the whole vector's angle to
    the joint KKT point with its predicted rate tan ∝ δ^e (``predicted_joint_slope``), and the Lemma 5.2
    angle between the loss GD and the NCF GD, separately for blocks heading for a kink
    (``Alignment.kink_blocks``), with its expected order: δ² at the origin, δ at a saddle (the other
    weights drift by O(δ), ``Alignment.drift``). Legends sit below the panels.
    """
    fig, axes = figure(ncols=2, width=4.4, height=3.4)
    ax = axes[0, 0]
    d = al.deltas
    colors = _neuron_colors(al.angles.shape[1])
    k = int(np.argmin(d))
    for j in range(al.angles.shape[1]):
        ax.loglog(d, np.degrees(al.angles[:, j]), "o-", ms=3, lw=0.8, color=colors[j])
        ax.loglog(d, np.degrees(al.flow_angles[:, j]), "x", ms=5, mew=0.8, color=colors[j])
        s = al.predicted_slopes[j]
        if np.isfinite(s):
            line = np.degrees(al.angles[k, j]) * (d / d[k]) ** s
            ax.loglog(d, np.where(line <= 180.0, line, np.nan), "--", color=REFERENCE_COLOR, lw=0.7)
    aligning = sum(np.isfinite(al.predicted_slopes))
    handles = [Line2D([], [], color=colors[0], marker="o", ms=3, lw=0.8, label="measured (colour: neuron)"),
               Line2D([], [], color=colors[0], marker="x", ls="", label="NCF flow after $T_\\delta$ steps"),
               Line2D([], [], color=REFERENCE_COLOR, ls="--", lw=0.7,
                      label=f"$\\delta^{{s_j}}$ ({aligning} neurons that reached $u^*_j$)")]
    legend_below(ax, fontsize=7, handles=handles)
    ax.set_ylim(top=360)                           # angles are at most 180°; the dashed lines are cut there
    ax.set_xlabel(r"initialisation scale $\delta$")
    ax.set_ylabel(r"angle to $u^*_j$ at $T_\delta$ (degrees)")
    ax.set_title("each neuron", fontsize=10)
    bx = axes[0, 1]
    bx.loglog(d, np.degrees(al.joint_angles), "o-", label=r"whole $w_z(T_\delta)$ to the joint KKT point")
    e = al.predicted_joint_slope
    if np.isfinite(e):
        joint = np.degrees(np.arctan(np.tan(al.joint_angles[k]) * (d / d[k]) ** e))
        bx.loglog(d, joint, "--", color=REFERENCE_COLOR, lw=0.7,
                  label=rf"predicted: tan $\propto\delta^{{{e:.3g}}}$")
    kink = al.kink_blocks
    smooth = np.degrees(al.lemma_max()) + 1e-16
    bx.loglog(d, smooth, "s-", label="GD vs NCF GD, max over neurons"
              + (" with a smooth limit" if kink.any() else "") + " (Lemma 5.2)")
    top = int(np.argmax(d))
    order = 1 if np.any(al.drift > 0) else 2      # at a saddle the other weights move by O(δ) and shift the residual
    bx.loglog(d, smooth[top] * (d / d[top]) ** order, ":", color=REFERENCE_COLOR, lw=0.8,
              label=r"$\propto\delta$ (the fitted weights move by O($\delta$))" if order == 1 else r"$\propto\delta^2$")
    if kink.any():
        bx.loglog(d, np.degrees(al.lemma_max(kink)) + 1e-16, "^-", ms=4,
                  label=f"GD vs NCF GD, {int(kink.sum())} neurons with a limit on a kink: O(η) jumps")
    bx.set_xlabel(r"initialisation scale $\delta$")
    bx.set_ylabel("angle (degrees)")
    legend_below(bx, fontsize=7)
    bx.set_title("whole vector; GD against the NCF GD", fontsize=10)
    if title:
        fig.suptitle(title, fontsize=10)
    return fig


def plot_branching(example):
    """w(t) of the branching family, the core flow from the kink, and a perturbed start."""
    fig, axes = figure(ncols=1, width=5.0, height=3.4)
    ax = axes[0, 0]
    for t0, u in example.family.items():
        ax.plot(example.times, u[:, 0], lw=1, label=f"solution leaving the kink at t₀ = {t0:g}")
    ax.plot(example.times, example.core_flow[:, 0], "--", color=REFERENCE_COLOR, lw=1.2,
            label="core gradient_flow from (0, 1)")
    ax.plot(example.times, example.perturbed_flow[:, 0], ":", color=OKABE_ITO[3], lw=1.4,
            label=f"core gradient_flow from ({example.epsilon:g}, 1)")
    ax.set_xlabel("flow time t")
    ax.set_ylabel("w(t)")
    ax.set_title(r"$\dot u \in \partial N(u)$, $N = a\,\sigma(w)$: branching at $(w, a) = (0, 1)$", fontsize=10)
    ax.legend(fontsize=7)
    return fig
