"""Figures of the diagonal slice (seed 000 Figures 3–9 and the P&F comparison), as Matplotlib figures.

Every function returns a figure made with :func:`symsaddle.reports.figure`; save it with
:func:`symsaddle.reports.save_figure` (PNG + PDF).
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
from matplotlib.lines import Line2D
from matplotlib.ticker import NullFormatter

from ..reports import OKABE_ITO, REFERENCE_COLOR, figure, legend_below, true_runs
from .limit import LimitPath
from .saddles import VisitedSaddle
from .simulate import DiagonalTrajectory


_NO_LABELS = NullFormatter()


def _steps(times: np.ndarray, betas: np.ndarray, losses: np.ndarray, t_end: float):
    """(times, β, losses) of a piecewise-constant path held until ``t_end``, for ``ax.step(..., where='post')``."""
    return np.append(times, t_end), np.vstack([betas, betas[-1]]), np.append(losses, losses[-1])


def _limit_steps(path: LimitPath, t_end: float, scale: float = 1.0):
    """:func:`_steps` of the limit path, its times multiplied by ``scale``."""
    return _steps(path.times * scale, path.betas, path.losses, t_end)


def _log_loss_steps(ax, ts: np.ndarray, losses: np.ndarray, bottom: float, *, label: str, **style) -> None:
    """A piecewise-constant loss (``ax.step(..., where='post')``) on a log axis whose lower limit is ``bottom``.
    A piece below ``bottom`` — L = 0 exactly, which has no place on a log axis, or a positive loss smaller than
    the axis shows (e.g. a minimiser's loss at rounding level) — is not drawn at the floor, where it would read
    as that value, but as a dotted line along the bottom edge, reached by a downward arrow and labelled with its
    value ("L = 0", "L = 1e-30")."""
    losses = np.asarray(losses, dtype=float)
    below = losses < bottom
    ax.step(ts, np.where(below, np.nan, losses), where="post", label=label, **style)
    color = style.get("color", REFERENCE_COLOR)
    edge = ax.get_xaxis_transform()                       # x in data, y in axes fraction (0 = bottom edge)
    for k, (start, stop) in enumerate(true_runs(below[:-1])):  # the last entry only holds the path to t_end
        t0, t1 = ts[start], ts[stop + 1]
        ax.plot([t0, t1], [0.0, 0.0], transform=edge, color=color, lw=2.5, ls=":", clip_on=False,
                label="below the log axis (value written)" if k == 0 else None)
        if start > 0 and not below[start - 1]:            # the jump down
            ax.annotate("", xy=(t0, 0.0), xycoords=edge, xytext=(t0, losses[start - 1]), textcoords="data",
                        arrowprops={"arrowstyle": "-|>", "color": color, "lw": style.get("lw", 1.0)})
        piece = losses[start:stop + 1]
        value = "0" if np.all(piece <= 0) else f"{float(np.max(piece)):.1g}"
        ax.annotate(f"L {'=' if np.all(piece == piece[0]) else '≤'} {value}", xy=(0.5 * (t0 + t1), 0.0),
                    xycoords=edge, xytext=(0, 4), textcoords="offset points", ha="center", va="bottom", fontsize=8,
                    color=color, zorder=5, bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5})


def _coordinate_color(j: int) -> str:
    return OKABE_ITO[j % len(OKABE_ITO)]


def trajectory_figure(trajectory: DiagonalTrajectory, path: LimitPath | None = None,
                      visited: Sequence[VisitedSaddle] = (), *, iterations: bool = True, title: str = ""):
    """Loss (log scale) and the coordinates of p = u ⊙ v against GD iterations (seed 000 Figs. 3–9)
    or accelerated time, with the limit process of Algorithm 1 (black, dashed) and the plateaus
    (dotted). The loss axis spans the simulated losses; a limit loss below them (0, or at rounding level) is
    marked along its bottom edge with its value (see :func:`_log_loss_steps`)."""
    fig, ax = figure(ncols=2, width=4.6, height=3.4)
    if iterations and trajectory.step is not None:
        x, xlabel = trajectory.times / trajectory.step, f"iteration (GD, step {trajectory.step:g})"
        scale = (trajectory.log_inv_gamma or 1.0) / trajectory.step
    else:
        x, xlabel = trajectory.accelerated_times, r"accelerated time $\tilde t = t/\ln(1/\gamma)$"
        scale = 1.0
    positive = trajectory.loss[trajectory.loss > 0]
    floor = float(np.min(positive)) / 3 if positive.size else np.finfo(float).tiny
    top = 3 * float(np.max(trajectory.loss)) if positive.size else 1.0
    ax[0, 0].semilogy(x, np.maximum(trajectory.loss, floor), color=OKABE_ITO[0], lw=1.2, label="simulation")
    for j in range(trajectory.beta.shape[1]):
        ax[0, 1].plot(x, trajectory.beta[:, j], color=_coordinate_color(j), lw=1.2, label=f"$p_{{{j}}}$")
    if path is not None and trajectory.log_inv_gamma is not None:
        ts, betas, losses = _limit_steps(path, float(x[-1]), scale)
        _log_loss_steps(ax[0, 0], ts, losses, floor, color=REFERENCE_COLOR, lw=0.8, ls="--",
                        label=r"limit $\gamma \to 0$ (Alg. 1)")
        for j in range(betas.shape[1]):
            ax[0, 1].step(ts, betas[:, j], where="post", color=REFERENCE_COLOR, lw=0.6, ls="--",
                          label=r"limit $\gamma \to 0$ (Alg. 1)" if j == 0 else None)
    marked = False
    for v in visited:
        t = v.iteration if (iterations and v.iteration is not None) else v.accelerated_time
        if t is not None:
            ax[0, 0].axvline(t, color="0.45", lw=0.6, ls=":", label=None if marked else "equilibrium visited")
            marked = True
    ax[0, 0].set_ylim(floor, top)
    ax[0, 0].set(xlabel=xlabel, ylabel="loss F (log scale)", title="loss")
    legend_below(ax[0, 0], fontsize=7, ncol=2)             # below the panels: no free corner is guaranteed
    ax[0, 1].set(xlabel=xlabel, ylabel=r"$p = u \odot v$ (coordinates from 0)", title="coordinates of p")
    legend_below(ax[0, 1], fontsize=7, ncol=min(4, trajectory.beta.shape[1] + 1))
    if title:
        fig.suptitle(title, fontsize=10)
    return fig


def limit_path_figure(times: np.ndarray, betas: np.ndarray, losses: np.ndarray, title: str = ""):
    """The γ → 0 limit of Algorithm 1 in the data's units: loss (log scale; a limit loss of 0, which a log
    axis cannot show, or at rounding level, below eps·max L, marked "L = 0" or "L = 2e-32" along the bottom
    edge) and the coordinates of p, piecewise constant in
    the accelerated time t̃, jumping at the saddles' times t_k (P&F Theorem 2)."""
    times, betas, losses = np.asarray(times, float), np.asarray(betas, float), np.asarray(losses, float)
    ts, bs, ls = _steps(times, betas, losses, times[-1] * 1.15 if times[-1] > 0 else 1.0)
    fig, ax = figure(ncols=2, width=4.6, height=3.4)
    ax[0, 0].set_yscale("log")
    positive = losses[losses > 0]
    # a loss below eps·max L is rounding residue (a minimiser's L ≈ 1e-32, the square of a residual at
    # float64 rounding level): like L = 0 it is marked along the bottom edge with its value, not given
    # thirty decades of axis that would squash the plateaus at the top
    resolved = positive[positive >= np.finfo(float).eps * np.max(positive)] if positive.size else positive
    bottom, top = (float(np.min(resolved)) / 10, float(np.max(resolved)) * 3) if resolved.size else (0.1, 10.0)
    ax[0, 0].set_ylim(bottom, top)           # a decade below the smallest resolved positive loss
    _log_loss_steps(ax[0, 0], ts, ls, bottom, color=OKABE_ITO[0], lw=1.2, label="loss at the saddles")
    for j in range(betas.shape[1]):
        ax[0, 1].step(ts, bs[:, j], where="post", color=_coordinate_color(j), lw=1.2, label=f"$p_{{{j}}}$")
    xlabel = r"accelerated time $\tilde t = t/\ln(1/\gamma)$"
    ax[0, 0].set(xlabel=xlabel, ylabel="loss F (log scale)", title="loss")
    legend_below(ax[0, 0], fontsize=7)
    ax[0, 1].set(xlabel=xlabel, ylabel=r"$p = u \odot v$ (coordinates from 0)", title="coordinates of p")
    legend_below(ax[0, 1], fontsize=7, ncol=min(4, betas.shape[1]))
    if title:
        fig.suptitle(title, fontsize=10)
    return fig


def convergence_figure(runs: Mapping[float, DiagonalTrajectory], path: LimitPath,
                       errors: Mapping[float, Sequence[float]]):
    """Left: accelerated iterates p(t̃) = u ⊙ v for several γ against the limit (P&F Fig. 2 left); colour =
    coordinate (keyed p_0, p_1, … in the legend), line style = γ. Right: |t̃_k(γ) − t_k| against 1/ln(1/γ)
    for each jump k = 1..K, the jump into the k-th saddle of Algorithm 1 (saddle 0 = the start)
    (Theorem 2: → 0)."""
    fig, ax = figure(ncols=2, width=4.6, height=3.4)
    styles = ["-", "--", ":", "-."]
    t_end = 0.0
    handles = []
    for (gamma, run), ls in zip(runs.items(), styles):
        t = run.accelerated_times
        t_end = max(t_end, float(t[-1]))
        for j in range(run.beta.shape[1]):
            ax[0, 0].plot(t, run.beta[:, j], ls=ls, lw=1.0, color=_coordinate_color(j))
        handles.append(Line2D([], [], color="0.35", ls=ls, lw=1.0, label=rf"$\gamma$ = {gamma:g}"))
    ts, betas, _ = _limit_steps(path, t_end)
    for j in range(betas.shape[1]):
        ax[0, 0].step(ts, betas[:, j], where="post", color=REFERENCE_COLOR, lw=0.8)
    handles.append(Line2D([], [], color=REFERENCE_COLOR, lw=0.8, label=r"limit $\gamma \to 0$"))
    handles += [Line2D([], [], color=_coordinate_color(j), lw=1.0, label=f"$p_{{{j}}}$") for j in range(betas.shape[1])]
    ax[0, 0].set(xlabel=r"accelerated time $\tilde t = t/\ln(1/\gamma)$",
                 ylabel=r"$p = u \odot v$ (coordinates from 0)", title="iterates (colour: coordinate)")
    legend_below(ax[0, 0], handles=handles, fontsize=7, ncol=min(4, len(handles)))
    gammas = list(errors)
    inv = np.array([1.0 / np.log(1.0 / g) for g in gammas])
    err = np.array([list(e) for e in errors.values()], dtype=float)
    for k in range(err.shape[1]):
        ax[0, 1].loglog(inv, np.abs(err[:, k]), "o-", ms=4, color=_coordinate_color(k),
                        label=f"jump $k$ = {k + 1}")
    ax[0, 1].set_xticks(inv, [f"γ = {g:g}" for g in gammas], fontsize=8)
    ax[0, 1].xaxis.set_minor_formatter(_NO_LABELS)
    ax[0, 1].set(xlabel=r"$1/\ln(1/\gamma)$ (log scale; ticks name $\gamma$)",
                 ylabel=r"$|\tilde t_k(\gamma) - t_k|$ (accelerated time)", title="jump-time error → 0")
    legend_below(ax[0, 1], fontsize=7, ncol=min(3, err.shape[1]))
    return fig


def float64_figure(iterations_exact, beta_exact, iterations_float, beta_float, iterations_mp=None, beta_mp=None,
                   coordinate: int = 0, title: str = ""):
    """One coordinate of p under exact-arithmetic GD (log space), float64 GD on (u, v) and mpmath GD."""
    fig, ax = figure(ncols=1, width=5.5, height=3.4)
    a = ax[0, 0]
    a.plot(iterations_exact, beta_exact[:, coordinate], lw=1.6, label="log-space GD (float64)")
    a.plot(iterations_float, beta_float[:, coordinate], lw=1.2, ls="--", label="GD on (u, v) in float64")
    if iterations_mp is not None:
        a.plot(iterations_mp, beta_mp[:, coordinate], "k.", ms=3, label="GD on (u, v) in mpmath")
    a.set(xlabel="iteration (GD)", ylabel=f"$p_{{{coordinate}}}$ (coordinates from 0)", title=title)
    a.legend(fontsize=7)
    return fig


def l1_figure(gammas, l1_flow, gd_gammas=(), l1_gd=(), l1_min: float | None = None, l2_norm_l1: float | None = None,
              transition_from: float | None = None):
    """ℓ1 norm of the reached minimiser against γ (seed 000 §5.4): sparse (min-ℓ1) for small γ, dense for large.

    Left, every γ (a log axis over fifty decades, where the transition takes a few percent of the width);
    right, the transition γ ≥ ``transition_from`` (shaded on the left), default the first γ at which the
    flow limit's ℓ1 norm leaves the sparse value by 1e-4 of its total change, less one decade."""
    gammas, l1_flow = np.asarray(gammas, float), np.asarray(l1_flow, float)
    gd_gammas, l1_gd = np.asarray(gd_gammas, float), np.asarray(l1_gd, float)
    if transition_from is None:
        change = np.abs(l1_flow - l1_flow[0])
        moved = np.flatnonzero(change > 1e-4 * max(float(np.max(change)), np.finfo(float).tiny))
        transition_from = float(gammas[moved[0]]) / 10 if moved.size else float(gammas[0])
    fig, ax = figure(ncols=2, width=3.6, height=3.2)
    for a, zoomed in ((ax[0, 0], False), (ax[0, 1], True)):
        keep = gammas >= transition_from if zoomed else np.ones(len(gammas), bool)
        a.semilogx(gammas[keep], l1_flow[keep], "-", label=r"gradient-flow limit $\beta_\infty(\gamma)$")
        if len(gd_gammas):
            shown = gd_gammas >= transition_from if zoomed else np.ones(len(gd_gammas), bool)
            a.semilogx(gd_gammas[shown], l1_gd[shown], "o", label="GD, step 0.01 (seed protocol)")
        if l1_min is not None:
            a.axhline(l1_min, color=REFERENCE_COLOR, lw=0.7, ls="--", label=r"min-$\ell_1$ interpolator")
        if l2_norm_l1 is not None:
            a.axhline(l2_norm_l1, color="grey", lw=0.7, ls=":", label=r"min-$\ell_2$ interpolator")
        a.set(xlabel=r"$\gamma$ ($u_0 = \sqrt{2}\gamma\mathbf{1}$, $v_0 = \gamma\mathbf{1}$)", ylabel=r"$\|p\|_1$")
    ax[0, 0].axvspan(transition_from, float(gammas[-1]), color="0.9", zorder=0, label="shown on the right")
    ax[0, 0].set_title("all γ", fontsize=9)
    ax[0, 1].set_xlim(transition_from, float(gammas[-1]) * 1.5)
    ax[0, 1].set_title(f"the transition, γ ≥ {transition_from:.0e}", fontsize=9)
    handles, labels = ax[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=3, fontsize=7)
    return fig