"""Figures of the seed-003 slice: the Figure 4.4 analogue (G/T ratios) and Hessian eigenvalues along an SI
line (the Figures 6.17/6.18 analogue). Each function returns a Matplotlib figure; ``reports.save_figure``
writes PNG and PDF."""

from __future__ import annotations

import numpy as np
from matplotlib.ticker import MaxNLocator

from ..reports import OKABE_ITO, REFERENCE_COLOR, figure, symlog_ticks
from .counting import RatioCurve
from .inertia import LineSweep


def ratio_figure(curve: RatioCurve):
    """G(r, r*+h)/T(r*, r*+h) for every r < r* (grey) and their sum (blue), log scale, with the crossover."""
    fig, axes = figure(width=5.5, height=3.8)
    ax = axes[0, 0]
    h = np.array(curve.added)
    for r, vals in curve.ratios.items():
        ax.semilogy(h, vals, color="0.6", lw=0.7, label="G(r, m)/T(r*, m), r < r*" if r == 1 else None)
    ax.semilogy(h, curve.total, color=OKABE_ITO[0], lw=2, label=r"$\sum_{r<r^*} G(r,m)/T(r^*,m)$")
    ax.axhline(1.0, color=REFERENCE_COLOR, lw=0.8, ls="--", label="ratio = 1")
    if curve.crossover is not None:
        ax.axvline(curve.crossover, color=OKABE_ITO[3], lw=0.8, ls=":", label=f"sum < 1 from h = {curve.crossover}")
    ax.set_xlabel(f"added neurons h = m − r* (r* = {curve.r_star})")
    ax.set_ylabel("ratio of subspace counts")
    ax.set_ylim(1e-6, None)
    ax.legend(fontsize=7, loc="upper right")
    ax.set_title("Figure 4.4 analogue: critical vs global-minimum subspaces", fontsize=9)
    return fig


def _eigenvalue_label(n: int) -> str:
    """Legend entry for n eigenvalue curves drawn with the figure style's colour cycle (solid lines first)."""
    if n <= len(OKABE_ITO):
        return f"{n} smallest eigenvalues, one line each"
    return f"{n} smallest eigenvalues, one line each: the {len(OKABE_ITO)} lowest solid, the rest dashed"


def spectrum_figure(sweep: LineSweep, n_smallest: int = 12, title: str = ""):
    """The ``n_smallest`` Hessian eigenvalues along μ (symlog scale), μ = 0 and μ = 1 marked, and the measured
    index against the predicted one (Figures 6.17/6.18 analogue)."""
    fig, axes = figure(ncols=2, width=4.8, height=3.6)
    ax, bx = axes[0]
    lam = sweep.eigenvalues[:, :n_smallest]
    scale = float(np.max(sweep.tolerances_used))
    for k in range(lam.shape[1]):
        ax.plot(sweep.mus, lam[:, k], lw=1, label=_eigenvalue_label(lam.shape[1]) if k == 0 else None)
    linthresh = max(scale, 1e-300)
    ax.set_yscale("symlog", linthresh=linthresh)
    ax.set_yticks(symlog_ticks(lam, linthresh))
    for mu in (0.0, 1.0):
        ax.axvline(mu, color=REFERENCE_COLOR, lw=0.6, ls=":", label=r"$\mu = 0, 1$ (the small network)" if mu else None)
    ax.legend(fontsize=6)
    ax.set_xlabel(r"$\mu$")
    ax.set_ylabel(f"smallest {lam.shape[1]} Hessian eigenvalues")
    ax.set_title(title or "eigenvalues along the SI line", fontsize=9)
    measured = [np.nan if m is None else m.negative for m in sweep.measured]
    ax2 = bx
    ax2.plot(sweep.mus, [p.negative for p in sweep.predicted], "-", color=OKABE_ITO[0], label="predicted index (Theorem 3)")
    ax2.plot(sweep.mus, measured, "o", ms=2.5, color=OKABE_ITO[1], label="measured index")
    ax2.plot(sweep.mus, [t.negative for t in sweep.thesis], "--", color=OKABE_ITO[3], lw=0.8, label="U = 0 (Cor. 3.2)")
    ax2.plot(sweep.mus, [p.zero for p in sweep.predicted], "-", color=OKABE_ITO[2], label="predicted zeros")
    ax2.plot(sweep.mus, [np.nan if m is None else m.zero for m in sweep.measured], "s", ms=2, color=OKABE_ITO[4],
             label="measured zeros")
    ax2.set_xlabel(r"$\mu$")
    ax2.set_ylabel("number of eigenvalues")
    ax2.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax2.legend(fontsize=6)
    return fig
