"""The built-in default example run by ``symsaddle demo``: saddle-to-saddle dynamics of a
diagonal linear network, p = u ⊙ v, F(v, u) = 1/(2n) Σ_i (⟨u ⊙ v, x_i⟩ − y_i)², with the parameters
ordered θ = [v, u] as everywhere in the toolkit (seed 000 eq. (41))
(Pesme & Flammarion 2023; the data and closed forms follow seed 000, a thesis on that model).
Indices count from 0: coordinates p[0], p[1], families 0, 1, …, iterations (GD updates before a point).

1. Closed form (d = n = 1): the equilibria of F(v, u) = ½(u v x − y)² and the eigenvalues of
   the flow Jacobian on each family, derived by SymPy (with d = 1 the single coordinate needs no
   index: v, u stand for v[0], u[0]).
2. A saddle-to-saddle trajectory (d = 2, n = 2, data ``numpy.random.seed(10)``): gradient
   descent from v₀ = 0, u₀ = √2 γ 1 with step 0.01, for 40 000 · max(1, ln(1/γ)/ln(10¹⁰))
   steps (the plateaus last ∝ ln(1/γ) steps); plateaus found without a margin, each polished
   onto ∇F = 0 and classified.
3. Outputs: the derivation in LaTeX, the table of visited equilibria (Markdown, LaTeX) and a
   figure of the loss and of p against iterations (PNG, PDF).
"""

from __future__ import annotations

import math
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import sympy as sp

from . import models
from ._objective import Objective
from .datasets import seed000
from .dynamics import gradient_descent, plateaus_by_prominence, visited_equilibria
from .equilibria import solve_equilibria
from .errors import SymsaddleError
from .reports import REFERENCE_COLOR, figure, format_vector, legend_below, save_figure, write_tables

#: γ range of the demo: small enough for saddle-to-saddle dynamics, large enough for float64 GD.
#: γ range of the demo. Below 1e-70 float64 gradient descent (step 0.01) loses the second coordinate: the
#: pair (u₂, v₂) shrinks during the first plateau and u₂ underflows to a subnormal (2.3e-321 at γ = 1e-80), so
#: the second jump never comes; `reproduce diagonal-saddle-to-saddle-d7n5` runs γ = 1e-100 in exact arithmetic.
GAMMA_RANGE = (1e-70, 1e-2)
STEP = 0.01
BASE_STEPS = 40_000


class GammaRangeError(SymsaddleError, ValueError):
    """γ outside the demo's range."""


def steps_for(gamma: float) -> int:
    """Iterations that reach the minimiser: ⌈40 000 · max(1, ln(1/γ)/ln(10¹⁰))⌉, 40 000 at γ = 1e-10,
    growing like ln(1/γ). The product is rounded to 10⁻⁶ before the ceiling, so that float rounding of the
    ratio (280 000.00000000006 at γ = 1e-70) adds no step: 280 000 there, 7 × 40 000."""
    return int(math.ceil(round(BASE_STEPS * max(1.0, math.log(1 / gamma) / math.log(1e10)), 6)))


def _grouped(count: int) -> str:
    """An integer with its digits grouped in threes by spaces (280000 → "280 000"), as the docs write them."""
    return f"{count:,}".replace(",", " ")


def _without_index(expressions) -> dict[sp.Symbol, sp.Symbol]:
    """For d = 1: each symbol named ``name_{1}`` (the model's one coordinate) → ``name``, so that the
    closed form shows no index (a 1 would read as the second coordinate, indices counting from 0)."""
    symbols = set().union(*(sp.sympify(e).free_symbols for e in expressions))
    return {s: sp.Symbol(s.name[:-len("_{1}")], **s.assumptions0) for s in symbols if s.name.endswith("_{1}")}


def _renamed(family, names: dict[sp.Symbol, sp.Symbol]):
    """``family`` with every symbol replaced by ``names``."""
    def sub(e):
        return e.xreplace(names)
    return replace(family, parameters=tuple(sub(s) for s in family.parameters),
                   point=tuple(sub(c) for c in family.point), free=tuple(sub(s) for s in family.free),
                   loss=sub(family.loss), conditions=tuple(sub(c) for c in family.conditions),
                   flow_jacobian=None if family.flow_jacobian is None else sub(family.flow_jacobian),
                   eigen=tuple(replace(e, value=sub(e.value), vectors=tuple(sub(v) for v in e.vectors))
                               for e in family.eigen))


def _status(v) -> str:
    """Everything the analyses report about one visited equilibrium, as words."""
    parts = [f"polish {v.polish.status.value}"]
    for extra in ("verdict", "warning", "note"):
        value = getattr(v.polish, extra, None)
        if value:
            parts.append(str(getattr(value, "value", value)))
    return ", ".join(parts)


def _plain(expr: sp.Expr) -> str:
    """``expr`` in SymPy's text syntax, with the LaTeX subscripts of symbol names written plainly
    (v_{1} → v1), so that text output does not mix LaTeX and Python syntax."""
    names = {s: sp.Symbol(re.sub(r"_\{(\d+)\}", r"\1", s.name), **s.assumptions0) for s in expr.free_symbols}
    return sp.sstr(expr.xreplace(names))


def _eigenvalues(family) -> str:
    """The flow-Jacobian eigenvalues of a family for text output: a number as %.6g, an expression as
    :func:`_plain` prints it, a multiplicity above 1 as (×m)."""
    return ", ".join((f"{float(e.value):.6g}" if e.value.is_number else _plain(e.value))
                     + (f" (×{e.multiplicity})" if e.multiplicity > 1 else "") for e in family.eigen)


def run_demo(out_dir: Path, gamma: float = 1e-10, progress: bool = False) -> dict:
    low, high = GAMMA_RANGE
    if not (math.isfinite(gamma) and low <= gamma <= high):
        raise GammaRangeError(
            f"gamma must lie in [{low:g}, {high:g}] (the small-initialisation regime this demo shows), got {gamma!r}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    # 1. closed form
    sym = Objective.symbolic(models.diagonal_linear(1), n=1)
    names = _without_index([sym.expression])
    expression, flow = sym.expression.xreplace(names), sym.flow.xreplace(names)
    families = [_renamed(f, names) for f in solve_equilibria(sym, progress=progress)]
    derivation = [r"\theta = [v, u],\quad F(v, u) = " + sp.latex(expression),
                  r"-\nabla F = \left[-\partial F/\partial v,\ -\partial F/\partial u\right] = " + sp.latex(flow.T)]
    derivation += [fam.latex() for fam in families]
    (out_dir / "closed_form.tex").write_text("\n\n".join(f"$${d}$$" for d in derivation) + "\n")

    # 2. trajectory
    d = 2
    X, y, p_star = seed000(d=d, n=2)
    obj = Objective(models.diagonal_linear(d), X, y)
    kernel = obj.compile()
    n_steps = steps_for(gamma)
    theta0 = np.concatenate([np.zeros(d), np.sqrt(2) * gamma * np.ones(d)])
    traj = gradient_descent(kernel, theta0, STEP, n_steps, record_every=max(1, n_steps // 4000), progress=progress)
    visited = visited_equilibria(kernel, plateaus_by_prominence(traj), lower_bound=obj.lower_bound)
    rows = []
    for v in visited:
        th = v.polish.theta
        rows.append({"iteration": int(v.plateau.time), "loss": float(kernel.value(th)),
                     "p": (th[d:] * th[:d] + 0.0).tolist(), "theta": (th + 0.0).tolist(),
                     "kind": v.kind, "index": v.classification.index if v.classification else None,
                     "status": _status(v)})
    reached = bool(rows) and rows[-1]["kind"] == "minimiser"
    table_paths = write_tables(rows, out_dir, "visited_equilibria",
                               caption=f"Equilibria visited by GD (each plateau point polished to a critical point), "
                                       f"diagonal network d=2 n=2, gamma={gamma:g}; iteration = GD updates before "
                                       "the plateau point, theta = [v[0], v[1], u[0], u[1]]",
                               empty="no plateau found, so no equilibrium was visited")

    fig, ax = figure(ncols=2, width=4.2, height=3.2)
    ax[0, 0].semilogy(traj.times, np.maximum(traj.losses, np.finfo(float).tiny), label="loss F")
    for k, v in enumerate(visited):
        ax[0, 0].axvline(v.plateau.time, color=REFERENCE_COLOR, lw=0.6, ls=":",
                         label="equilibrium visited (plateau)" if k == 0 else None)
    ax[0, 0].set(xlabel="iteration (GD, step 0.01)", ylabel="loss F (log scale)", title="loss")
    legend_below(ax[0, 0], fontsize=7)
    P = traj.thetas[:, d:] * traj.thetas[:, :d]
    for j in range(d):
        ax[0, 1].plot(traj.times, P[:, j], label=f"$p_{{{j}}}$")    # u₀, v₀ name the initialisation
    ax[0, 1].axhline(0, color=REFERENCE_COLOR, lw=0.4)
    ax[0, 1].set(xlabel="iteration (GD, step 0.01)", ylabel=r"$p = u \odot v$ (coordinates from 0)",
                 title="coordinates of p")
    legend_below(ax[0, 1], fontsize=7)
    fig.suptitle(f"diagonal linear network, d = 2, n = 2, γ = {gamma:g}", fontsize=10)
    fig_paths = save_figure(fig, out_dir, "trajectory")

    trajectory_status = traj.status[0].value + (f" ({traj.message})" if traj.message else "")
    magnitudes = np.abs(traj.thetas)
    if np.any((magnitudes > 0) & (magnitudes < np.finfo(float).tiny)):
        trajectory_status += "; a coordinate fell below float64's normal range (underflow): the run lost precision"
    result = {
        "closed_form": {"families": [f.to_dict() for f in families]},
        "trajectory": {"data": "d = 2, n = 2, numpy.random.seed(10), X = randn(n, d), y = X p*", "gamma": gamma,
                       "step": STEP, "n_steps": n_steps, "p_star": p_star.tolist(), "status": trajectory_status,
                       "theta_order": "[v[0], v[1], u[0], u[1]]", "indices": "0-based: p[i], families, iterations",
                       "reached_minimiser": reached},
        "saddles": rows,
        "files": [str(p) for p in [out_dir / "closed_form.tex", *table_paths, *fig_paths]],
    }
    result["text"] = "\n".join([
        f"Closed form, d = n = 1: equilibria of F(v, u) = {_plain(expression)} and flow-Jacobian eigenvalues "
        "(LaTeX in closed_form.tex):",
        *[f"  family {i}: θ = [v, u] = [{', '.join(map(_plain, f.point))}], "
          f"eigenvalues {_eigenvalues(f)}"
          for i, f in enumerate(families)],
        "",
        f"Gradient descent, d = 2, n = 2, γ = {gamma:g}, step {STEP:g}, {_grouped(n_steps)} GD steps: "
        f"{trajectory_status}; loss at the last step {float(traj.losses[-1]):.4e}",
        "  plateaus (iteration: GD updates before the point, from 0; p[i] counted from 0) and the critical "
        "point each one was polished to:",
        *[f"  it {r['iteration']:>7}: p = {format_vector(np.round(r['p'], 6))}, loss after polishing = {r['loss']:.4e}, "
          f"{r['kind']} ({r['status']})" for r in rows],
        "  reached the minimiser" if reached else
        "  WARNING: the run ended before a minimiser was found (see the statuses above)",
    ])
    if not reached:
        result["error"] = (f"gradient descent at γ = {gamma:g} ended before reaching a minimiser ({trajectory_status}); "
                           "the table and figure show the incomplete run")
    return result
