"""Figures of the teacher–student experiments (seed 003 Figures 6.3, 6.4, 6.7, 6.9, 6.10/6.11).

Each function returns a Matplotlib figure made with :func:`symsaddle.reports.figure`; save it with
:func:`symsaddle.reports.save_figure` (PNG + PDF).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from matplotlib.ticker import MaxNLocator, NullFormatter

from ..reports import OKABE_ITO, figure, legend_below, padded_limits, symlog_ticks
from .closest_saddle import Slice2D
from .endpoints import EndPoint, EndpointKind
from .teacher_student import TeacherStudentProblem

KIND_STYLE = {
    EndpointKind.GLOBAL: (OKABE_ITO[2], "o", "global minimum"),
    EndpointKind.SI_MINIMUM: (OKABE_ITO[4], "s", "SI minimum"),
    EndpointKind.SI_SADDLE: (OKABE_ITO[5], "s", "SI saddle"),
    EndpointKind.LOCAL_MINIMUM: (OKABE_ITO[0], "^", "other local minimum"),
    EndpointKind.SADDLE: (OKABE_ITO[3], "v", "saddle"),
    EndpointKind.DIVERGING: (OKABE_ITO[1], "x", "escaping to infinity"),
    EndpointKind.NOT_CONVERGED: (OKABE_ITO[6], "P", "not converged"),   # "." was too small to see
    EndpointKind.INCONCLUSIVE: ("k", "d", "inconclusive"),
}


def eigenvalue_loss_figure(points: Sequence[EndPoint], title: str = ""):
    """Fig. 6.3: smallest Hessian eigenvalue against the loss at every end point (symlog in λ), the legend beside the axes."""
    fig, ax = figure(width=6.8, height=3.8)
    ax = ax[0, 0]
    tiny = 1e-300
    for kind, (color, marker, label) in KIND_STYLE.items():
        sel = [p for p in points if p.kind is kind]
        if sel:
            ax.scatter([max(p.loss, tiny) for p in sel], [p.min_eig for p in sel], s=12, c=color, marker=marker,
                       label=f"{label} ({len(sel)})", alpha=0.8, linewidths=0.8)
    ax.set_xscale("log")
    losses = [max(p.loss, tiny) for p in points]
    if losses and max(losses) < 10 * min(losses):
        # under a decade Matplotlib labels the minor ticks, whose long labels collide: show 1.2 decades around
        # the losses (always holding a labelled power of ten) and no minor labels
        centre = float(np.sqrt(min(losses) * max(losses)))
        ax.set_xlim(centre * 10**-0.6, centre * 10**0.6)
        ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_yscale("symlog", linthresh=1e-12)
    eigs = np.array([p.min_eig for p in points] or [0.0])
    ticks = symlog_ticks(eigs, 1e-12)
    ax.set_yticks(ticks)
    ax.set_ylim(*padded_limits(ax.yaxis, np.concatenate([eigs, ticks])))   # no marker cut by the frame
    ax.axhline(0, color="grey", lw=0.5)
    ax.set(xlabel="loss L (MSE)", ylabel=r"$\lambda_{\min}(\nabla^2 L)$", title=title or "smallest eigenvalue vs loss")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)   # beside the points
    return fig


def _coincident_groups(W: np.ndarray, fraction: float = 0.03) -> list[list[int]]:
    """Indices of the points W[i] grouped when closer than ``fraction`` of the points' spread."""
    spread = max(float(np.ptp(W, axis=0).max()) if len(W) else 0.0, 1e-300)
    groups: list[list[int]] = []
    for i, w in enumerate(W):
        for g in groups:
            if np.linalg.norm(w - W[g[0]]) <= fraction * spread:
                g.append(i)
                break
        else:
            groups.append([i])
    return groups


def neurons_figure(problem: TeacherStudentProblem, theta, snapshots=None, labels=None, title: str = "",
                   no_match_note: str = "no teacher match: the effective outgoing weights\nare defined "
                                        "only for end points that implement the teacher"):
    """Fig. 6.4: teacher incoming weights (stars; hollow stars at −v_t), student incoming weights
    (circles coloured by the outgoing weight, colour bar below) with their trajectories; right: the effective
    outgoing weight the student gives each teacher neuron, Σ_{i → t} ±a_i (with σ(−z) = 1 − σ(z) flips),
    against the teacher's b_t. Without ``labels`` (the end point matches no teacher neuron) the right panel
    shows the teacher's b_t alone and writes ``no_match_note`` in place of the student's bars."""
    import matplotlib.pyplot as plt

    fig, ax = figure(ncols=2, width=4.6, height=4.0)
    V, b = problem.teacher_W, problem.teacher_a
    W, a = problem.unpack(theta)
    left = ax[0, 0]
    if snapshots is not None:
        S = np.asarray(snapshots)
        Ws = problem.unpack(S)[0]
        for i in range(W.shape[0]):
            left.plot(Ws[:, i, 0], Ws[:, i, 1], color="0.6", lw=0.8)
            left.annotate("", xy=Ws[-1, i], xytext=Ws[max(len(S) - 2, 0), i],
                          arrowprops={"arrowstyle": "->", "color": "0.4", "lw": 0.8})
    left.scatter(V[:, 0], V[:, 1], marker="*", s=160, c="k", label="teacher $v_t$")
    left.scatter(-V[:, 0], -V[:, 1], marker="*", s=160, facecolors="none", edgecolors="k", label="$-v_t$")
    lim = max(float(np.max(np.abs(a))), 1e-12)
    sc = left.scatter(W[:, 0], W[:, 1], c=a, cmap="coolwarm", vmin=-lim, vmax=lim, s=70, edgecolors="k",
                      label="student $w_i$", zorder=3)
    for group in _coincident_groups(W):      # neurons at (nearly) one place share one label: "2,3"
        left.annotate(",".join(map(str, group)), W[group[0]], textcoords="offset points", xytext=(5, 5),
                      fontsize=8)
    # below the panel: beside it, its label ran into the right panel's y label
    plt.colorbar(sc, ax=left, location="bottom", shrink=0.8, label="student outgoing weight $a_i$ (colour)")
    left.margins(0.1)                        # room for the large markers at the extremes
    # at most 6 intervals of 1, 2, 2.5 or 5 × 10ⁿ: at the default density labels like "−0.75" touched
    for axis in (left.xaxis, left.yaxis):
        axis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
    left.set(xlabel="$w_1$", ylabel="$w_2$", title=title or "incoming weights")
    left.legend(fontsize=7, loc="best")
    right = ax[0, 1]
    x = np.arange(len(b))
    right.bar(x - 0.2, b, width=0.4, color="k", label="teacher $b_t$")
    if labels is not None:
        eff = np.zeros(len(b))
        for i, lb in enumerate(labels):
            if lb[0] == "teacher":
                eff[lb[1]] += lb[2] * a[i]
        right.bar(x + 0.2, eff, width=0.4, color=OKABE_ITO[2], label=r"student, effective $\sum \pm a_i$")
    else:                                    # room above the bars for the note
        low, high = min(float(np.min(b)), 0.0), max(float(np.max(b)), 0.0)
        right.set_ylim(low - 0.08 * (high - low), high + 0.75 * (high - low))
        right.text(0.5, 0.96, no_match_note, transform=right.transAxes, ha="center", va="top", fontsize=7.5,
                   bbox={"boxstyle": "round", "facecolor": "white", "edgecolor": "0.6"})
    right.axhline(0, color="0.5", lw=0.5)
    right.set_xticks(x, [f"$v_{t + 1}$" for t in x])
    right.set(xlabel="teacher neuron", ylabel="outgoing weight per teacher neuron", title="effective outgoing weights")
    right.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)   # off the bars
    return fig


def distance_histogram(points: Sequence[EndPoint], title: str = ""):
    """Fig. 6.7: the smallest distance between two neurons' incoming weights, per kind (log bins)."""
    fig, ax = figure(width=5.5, height=3.6)
    ax = ax[0, 0]
    d = np.array([max(p.min_neuron_distance, 1e-16) for p in points])
    if d.size:
        bins = np.logspace(np.floor(np.log10(d.min())), np.ceil(np.log10(d.max())) + 1e-9, 30)
        data, colors, names = [], [], []
        for kind, (color, _, label) in KIND_STYLE.items():
            sel = [max(p.min_neuron_distance, 1e-16) for p in points if p.kind is kind]
            if sel:
                data.append(sel)
                colors.append(color)
                names.append(f"{label} ({len(sel)})")
        ax.hist(data, bins=bins, stacked=True, color=colors, label=names)
        ax.set_xscale("log")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))      # counts
        ax.legend(fontsize=7)
    else:
        ax.text(0.5, 0.5, "no end points to show", ha="center", va="center", transform=ax.transAxes)
        ax.set(xticks=[], yticks=[])
    ax.set(xlabel=r"$\min_{i<j}\|w_i-w_j\|$", ylabel="end points", title=title or "smallest neuron distance")
    return fig


def saddle_distance_histogram(distances_by_group: dict[str, Sequence[float]], title: str = "", *,
                              excluded: dict[str, int] | None = None):
    """Fig. 6.9: distances between the closest saddle (merge heuristic) and the end point.

    ``excluded``: per group, how many end points have no saddle because their reduced network is a global
    minimum (zero loss; :attr:`.closest_saddle.SaddleStatus.REDUCED_GLOBAL_MINIMUM`); the legend says so."""
    fig, ax = figure(width=5.5, height=3.6)
    ax = ax[0, 0]
    allv = np.concatenate([np.asarray(v, float) for v in distances_by_group.values() if len(v)] or [np.ones(1)])
    allv = np.maximum(allv, 1e-16)
    bins = np.logspace(np.floor(np.log10(allv.min())), np.ceil(np.log10(allv.max())) + 1e-9, 30)
    data = [np.maximum(np.asarray(v, float), 1e-16) for v in distances_by_group.values() if len(v)]
    names = [f"{k} ({len(v)})" for k, v in distances_by_group.items() if len(v)]
    if data:
        ax.hist(data, bins=bins, stacked=True, label=names)
    left_out = {k: n for k, n in (excluded or {}).items() if n}
    if left_out:
        counts = ", ".join(f"{n} of the {k}" for k, n in left_out.items())
        ax.plot([], [], " ", label=f"not shown: {counts}\n(reduced network at zero loss:\na global minimum, no saddle)")
    if data or left_out:
        ax.legend(fontsize=7)
    ax.set_xscale("log")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))      # counts
    ax.set(xlabel=r"$\|\theta_{\rm saddle}(\mu^*)-\theta\|$ (distance in $\theta$; 0 drawn at $10^{-16}$)",
           ylabel="end points", title=title or "distance to the closest saddle")
    return fig


def slice_figure(ts, losses_1d, plane: Slice2D, title: str = ""):
    """Figs. 6.10/6.11: the loss on the segment saddle → minimum, and on the plane of the saddle line
    (horizontal) and that segment (vertical), log colour scale, with the projected trajectory. Both plane
    coordinates are Euclidean distances in θ (unit vectors e₁, e₂ of :class:`Slice2D`); ``title`` names the
    example above both panels (as an axes title it ran into the left panel's ×10ⁿ offset)."""
    import matplotlib.colors as mcolors

    fig, ax = figure(ncols=2, width=4.6, height=3.8)
    left, right = ax[0, 0], ax[0, 1]
    left.plot(ts, losses_1d, color=OKABE_ITO[0])
    left.axvline(0, color=OKABE_ITO[3], lw=0.6, ls="--", label="saddle")
    left.axvline(1, color=OKABE_ITO[2], lw=0.6, ls="--", label="minimum")
    left.set(xlabel="t  (θ = (1−t) θ_saddle + t θ_min)", ylabel="loss L (MSE)", title="saddle → minimum")
    legend_below(left, fontsize=7, ncol=2)
    Lp = np.maximum(plane.loss, np.finfo(float).tiny)
    im = right.pcolormesh(plane.alphas, plane.betas, Lp, norm=mcolors.LogNorm(vmin=Lp.min(), vmax=Lp.max()),
                          cmap="viridis", shading="auto")
    right.axhline(0, color=OKABE_ITO[3], lw=1.0, label="saddle line")
    right.plot(*plane.minimum, marker="*", color="w", mec="k", mew=0.6, ms=11, ls="none", label="minimum")
    if plane.trajectory is not None:         # not the saddle line's colour: the two must not be confused
        right.plot(plane.trajectory[:, 0], plane.trajectory[:, 1], color=OKABE_ITO[5], lw=1.0, ls="--",
                   label="trajectory (projected)")
    right.set_xlim(plane.alphas[0], plane.alphas[-1])
    right.set_ylim(plane.betas[0], plane.betas[-1])
    right.xaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))   # "−0.75" … touched at 8 ticks
    fig.colorbar(im, ax=right, label="loss L (MSE, log scale)")
    right.set(xlabel=r"$\alpha$: along the saddle line (distance in $\theta$)",
              ylabel=r"$\beta$: towards the minimum (distance in $\theta$)", title="loss on the (α, β) plane")
    legend_below(right, fontsize=7, ncol=3)    # below the panel: inside it, the legend hid part of the loss map
    if title:
        fig.suptitle(title, fontsize=10)
    return fig
