"""Figures of the seed-003 slice: the Figure 4.4 analogue (G/T ratios) and Hessian eigenvalues along an SI
line (the Figures 6.17/6.18 analogue). Each function returns a Matplotlib figure; ``reports.save_figure``
writes PNG and PDF."""

from __future__ import annotations

import numpy as np
from matplotlib.ticker import MaxNLocator

from ..reports import OKABE_ITO, REFERENCE_COLOR, figure, symlog_ticks, true_runs
from .counting import RatioCurve
from .inertia import LineSweep


def ratio_figure(curve: RatioCurve):
    """G(r, r*+h)/T(r*, r*+h) for every r < r* (grey, all solid: one legend entry for them) and their sum
    (blue), log scale, with the crossover. The y axis runs from 1e-6 to the decade above the largest ratio."""
    fig, axes = figure(width=5.5, height=3.8)
    ax = axes[0, 0]
    h = np.array(curve.added)
    for r, vals in curve.ratios.items():
        ax.semilogy(h, vals, color="0.6", lw=0.7, ls="-", label="G(r, m)/T(r*, m), one line per r < r*"
                    if r == 1 else None)
    ax.semilogy(h, curve.total, color=OKABE_ITO[0], lw=2, ls="-", label=r"$\sum_{r<r^*} G(r,m)/T(r^*,m)$")
    ax.axhline(1.0, color=REFERENCE_COLOR, lw=0.8, ls="--", label="ratio = 1")
    if curve.crossover is not None:
        ax.axvline(curve.crossover, color=OKABE_ITO[3], lw=0.8, ls=":", label=f"sum < 1 from h = {curve.crossover}")
    ax.set_xlabel(f"added neurons h = m − r* (r* = {curve.r_star})")
    ax.set_ylabel("ratio of subspace counts")
    largest = max(float(np.max(curve.total)), 1.0)          # the sum bounds every term; 1 is drawn too
    ax.set_ylim(1e-6, 10.0 ** (np.floor(np.log10(largest)) + 1))
    ax.legend(fontsize=7, loc="upper right")
    ax.set_title("Figure 4.4 analogue: critical vs global-minimum subspaces", fontsize=9)
    return fig


def _eigenvalue_label(n: int) -> str:
    """Legend entry for n eigenvalue curves drawn with the figure style's colour cycle (solid lines first)."""
    if n <= len(OKABE_ITO):
        return f"{n} smallest eigenvalues, one line each"
    return f"{n} smallest eigenvalues, one line each: the {len(OKABE_ITO)} lowest solid, the rest dashed"


def _undecided_spans(ax, mus: np.ndarray, mask: np.ndarray, label: str) -> None:
    """Grey spans over the μ of ``mask``, each reaching halfway to the neighbouring grid points."""
    edges = np.concatenate([[mus[0]], (mus[1:] + mus[:-1]) / 2, [mus[-1]]])
    for k, (i, j) in enumerate(true_runs(mask)):
        ax.axvspan(edges[i], edges[j + 1], color="0.85", lw=0, zorder=0, label=label if k == 0 else None)


def spectrum_figure(sweep: LineSweep, n_smallest: int = 12, title: str = ""):
    """The ``n_smallest`` Hessian eigenvalues along μ (symlog scale; the ambiguous band tol < |λ| ≤ band·tol
    shaded), μ = 0 and μ = 1 marked, and the measured index and zero count against the predicted ones
    (Figures 6.17/6.18 analogue). Counts are integers at each μ of the grid: predictions are drawn as steps
    (each value held halfway to the next grid point), measurements as markers; μ where the comparison is
    undecided (:attr:`LineSweep.decided`: an eigenvalue in the ambiguous band, or a predicted non-zero
    eigenvalue that may lie below tol) are shaded and counted in the legend. Legends sit below the panels."""
    fig, axes = figure(ncols=2, width=4.8, height=4.3)
    ax, bx = axes[0]
    mus = np.asarray(sweep.mus, dtype=float)
    lam = sweep.eigenvalues[:, :n_smallest]
    tols = np.asarray(sweep.tolerances_used, dtype=float)
    band = sweep.prediction.tolerances.band
    for k in range(lam.shape[1]):
        ax.plot(mus, lam[:, k], lw=1, label=_eigenvalue_label(lam.shape[1]) if k == 0 else None)
    linthresh = max(float(np.max(tols)), 1e-300)
    ax.set_yscale("symlog", linthresh=linthresh)
    ax.set_yticks(symlog_ticks(lam, linthresh))
    for sign in (1.0, -1.0):
        ax.fill_between(mus, sign * tols, sign * band * tols, color="0.9", lw=0, zorder=0,
                        label=rf"ambiguous: tol < $|\lambda|$ ≤ {band:g}·tol" if sign > 0 else None)
    for mu in (0.0, 1.0):
        ax.axvline(mu, color=REFERENCE_COLOR, lw=0.6, ls=":", label=r"$\mu = 0, 1$ (the small network)" if mu else None)
    ax.set_xlabel(r"$\mu$")
    ax.set_ylabel(f"smallest {lam.shape[1]} Hessian eigenvalues")
    ax.set_title(title or "eigenvalues along the SI line", fontsize=9)
    ax.legend(fontsize=6, loc="upper center", bbox_to_anchor=(0.5, -0.16))
    undecided = ~np.asarray(sweep.decided, dtype=bool)
    if undecided.any():
        _undecided_spans(bx, mus, undecided, f"undecided μ ({int(undecided.sum())} of {len(mus)}): an eigenvalue "
                         "in the ambiguous band,\nor a predicted non-zero one possibly below tol")
    bx.plot(mus, [p.negative for p in sweep.predicted], color=OKABE_ITO[0], drawstyle="steps-mid",
            label="predicted index (Theorem 3)")
    bx.plot(mus, [t.negative for t in sweep.thesis], "--", color=OKABE_ITO[3], lw=0.8, drawstyle="steps-mid",
            label="U = 0 (Cor. 3.2)")
    bx.plot(mus, [p.zero for p in sweep.predicted], color=OKABE_ITO[2], drawstyle="steps-mid", label="predicted zeros")
    bx.plot(mus, [np.nan if m is None else m.negative for m in sweep.measured], "o", ms=2.5, color=OKABE_ITO[1],
            label="measured index")
    bx.plot(mus, [np.nan if m is None else m.zero for m in sweep.measured], "s", ms=2, color=OKABE_ITO[4],
            label="measured zeros")
    bx.set_xlim(ax.get_xlim())
    bx.set_xlabel(r"$\mu$")
    bx.set_ylabel("number of eigenvalues")
    bx.yaxis.set_major_locator(MaxNLocator(integer=True))
    bx.legend(fontsize=6, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2)
    return fig


def descent_figure(history, max_weight: float, title: str = ""):
    """Loss and largest |θ_i| against the cumulative iteration count of a descent (L-BFGS, then trust-region
    Newton), the slice's escape limit on the weights dashed: weights that keep growing while the loss falls."""
    fig, axes = figure(ncols=2, width=3.9, height=3.2)
    ax, bx = axes[0]
    offset, xs, stages = 0, [], []
    last = {}
    for row in history:
        if row["stage"] != "start" and row["iterations"] < last.get(row["stage"], -1):
            continue
        if row["stage"] not in last and row["stage"] != "start":
            offset = xs[-1] if xs else 0
        last[row["stage"]] = row["iterations"]
        xs.append(offset + row["iterations"])
        stages.append(row["stage"])
    for k, name in enumerate(dict.fromkeys(stages)):
        idx = [i for i, s in enumerate(stages) if s == name]
        ax.semilogy([xs[i] for i in idx], [history[i]["loss"] for i in idx], "o-", ms=2.5, color=OKABE_ITO[k],
                    label=name)
        bx.plot([xs[i] for i in idx], [history[i]["max_weight"] for i in idx], "o-", ms=2.5, color=OKABE_ITO[k],
                label=name)
    bx.axhline(max_weight, color=REFERENCE_COLOR, lw=0.8, ls="--", label="escape limit on |θ_i|")
    ax.set_xlabel("iteration")
    ax.set_ylabel("loss ½(f − y)², mean over samples")
    bx.set_xlabel("iteration")
    bx.set_ylabel(r"largest weight $\max_i |\theta_i|$")
    ax.legend(fontsize=6)
    bx.legend(fontsize=6)
    ax.set_title(title or "descent on digits", fontsize=9)
    return fig
