"""Figures of the deep-linear reproductions (seed 001 Figures 1–6), drawn with ``reports.figure``."""

from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib
import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.colors import LogNorm
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from ..reports import OKABE_ITO, REFERENCE_COLOR, figure, legend_below
from .incremental import EscapeRun, SequentialLearning
from .stepsize import DoublingResult, RunOutcome


def plateau_figure(run: SequentialLearning):
    """Figure 1: loss along GD from a small initialisation, the rank-r levels and the plateaus."""
    fig, ax = figure(width=6.0, height=3.6)
    ax = ax[0, 0]
    ax.semilogy(run.times, run.losses, color=OKABE_ITO[0], label=f"GD, small random init (η = {run.step:.3g})")
    for r, level in enumerate(run.levels):
        ax.axhline(level, color="0.55", lw=0.8, ls="--", label=r"rank-$r$ minimum $L_r$ (eq. (23))" if r == 0 else None)
        ax.annotate(f"r = {r}", (1.0, level), xycoords=("axes fraction", "data"), xytext=(3, 0),
                    textcoords="offset points", va="center", ha="left", fontsize=8, color="0.35")
    ax.plot([p.iteration for p in run.plateaus], [p.loss for p in run.plateaus], "o", color=REFERENCE_COLOR, ms=4,
            label=r"plateau (local min of $\|\nabla L\|$)")
    ax.set_xlabel("iteration (GD)")
    ax.set_ylabel(r"loss $\|Y - XW_1W_2W_3\|_F^2$")
    legend_below(ax, fontsize=8, ncol=2)           # the levels span the whole axes: no free corner inside
    return fig


def escape_figure(runs: Sequence[EscapeRun], random_init: SequentialLearning | None = None):
    """Figure 2: loss from the rank-r point, perturbed by ε along a random direction; colour =
    parametrisation (strict / non-strict saddle), line style = ε."""
    fig, ax = figure(width=6.4, height=3.8)
    ax = ax[0, 0]
    names = list(dict.fromkeys(r.parametrisation for r in runs))
    epsilons = sorted({r.epsilon for r in runs}, reverse=True)
    styles = ["-", "--", ":", "-."]
    for r in runs:
        ax.semilogy(np.arange(len(r.losses)), r.losses, color=OKABE_ITO[names.index(r.parametrisation) % len(OKABE_ITO)],
                    ls=styles[epsilons.index(r.epsilon) % len(styles)], lw=1.3,
                    label=f"{r.parametrisation} ({r.kind}), ε = {r.epsilon:g}")
    if random_init is not None:
        ax.semilogy(random_init.times, random_init.losses, color=REFERENCE_COLOR, lw=0.8,
                    label="small random init (Fig. 1)")
    ax.set_xscale("symlog", linthresh=100)
    ax.set_xlabel("iteration (GD; linear up to 100, then log scale)")
    ax.set_ylabel(r"loss $\|Y - XW_1W_2W_3\|_F^2$")
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    return fig


OUTCOME_STYLE = {RunOutcome.CONVERGED: "-", RunOutcome.STALLED: "-.", RunOutcome.OSCILLATING: "--",
                 RunOutcome.DIVERGED: ":"}


def ladder_figure(result: DoublingResult):
    """Figure 3: loss curves of the doubling ladder of one network (needs ``curve_every`` > 0);
    colour = step size η (colour bar), line style = outcome (legend)."""
    fig, ax = figure(width=6.0, height=3.6)
    ax = ax[0, 0]
    steps = [run.step for run in result.runs]
    norm = LogNorm(min(steps), max(steps) * (1 + 1e-12))
    cmap = matplotlib.colormaps["cividis"]
    for run, (t, loss) in zip(result.runs, result.loss_curves):
        if run.outcome is RunOutcome.DIVERGED:      # the core freezes a diverged run: cut the flat tail
            moving = np.flatnonzero(np.diff(loss) != 0)
            end = moving[-1] + 2 if moving.size else 1
            t, loss = t[:end], loss[:end]
        ax.semilogy(t, loss, color=cmap(norm(run.step)), ls=OUTCOME_STYLE[run.outcome], lw=1.2)
    start = max(float(loss[0]) for _, loss in result.loss_curves)
    floor = min(float(np.min(loss[loss > 0])) for _, loss in result.loss_curves)
    ax.set_ylim(floor / 3, 30 * start)             # a diverging run leaves through the top
    outcomes = list(dict.fromkeys(run.outcome for run in result.runs))
    ax.legend(handles=[Line2D([], [], color="0.3", ls=OUTCOME_STYLE[o],
                              label=o.value + (" (leaves the top)" if o is RunOutcome.DIVERGED else ""))
                       for o in outcomes], fontsize=7, title="outcome", title_fontsize=7)
    bar = fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=ax)
    bar.set_label("step size η (doubling ladder)")
    ax.set_xlabel("epoch (GD step)")
    ax.set_ylabel(r"loss $\|Y - XW_1W_2W_3\|_F^2$")     # one sample per row, as figure 1 (the same loss as
    #                                                    # the theorem's ‖Y − W₃W₂W₁X‖_F² with samples as columns)
    return fig


def histogram_figure(samples: Mapping[str, np.ndarray], xlabel: str):
    """One log10-histogram panel per configuration (Figures 4–6), one shared x label; each panel's legend says how
    many of its networks the histogram holds ("99 of 100 networks": those with a finite positive value)."""
    fig, axes = figure(ncols=len(samples), width=2.9, height=2.8, sharey=True)
    for k, (ax, (name, vals)) in enumerate(zip(axes[0], samples.items())):
        v = np.asarray([x for x in vals if x is not None and np.isfinite(x) and x > 0], dtype=float)
        ax.hist(np.log10(v), bins=20, color=OKABE_ITO[k % len(OKABE_ITO)], label=f"{len(v)} of {len(vals)} networks")
        ax.xaxis.set_major_locator(MaxNLocator(nbins=4))   # "−5.25" … at steps of 0.25 touched in a 2.9-inch panel
        ax.set_title(name, fontsize=9)
        ax.legend(fontsize=7, handlelength=1)
    axes[0, 0].set_ylabel("networks (count)")
    fig.supxlabel(f"log$_{{10}}$ {xlabel}", fontsize=10)
    return fig
