"""Closed-form KKT points of the constrained NCF for small cases (seed 002 Appendix G analogues).

* :func:`lagrange_kkt` — solve the Lagrange system ∇N(u) = λu, uᵀu = 1 in SymPy for a polynomial
  N; for ReLU-family N (``Step`` factors) every activation pattern is solved as a polynomial
  system and only solutions that reproduce their pattern strictly (no sample on a kink) are kept.
  Kink solutions are not enumerated: they need the Clarke subdifferential (see
  :mod:`symsaddle.ncf.nonsmooth`).
* :func:`symmetric_squared_relu_kkt` — data {(x_i, y_i)} ∪ {(−x_i, y_i)}, H = Σ_j σ(w_jᵀx)²:
  σ(t)² + σ(−t)² = t² gives N(u) = Σ_j u_jᵀ M u_j with M = Σ_i y_i x_i x_iᵀ (seed 002 G.1);
  the KKT points put every nonzero neuron in one eigenspace of M, N = λ_M, multiplier 2λ_M.
* :func:`diagonal_linear_kkt` — H = ⟨u ⊙ v, x⟩, g = Xᵀz: N = Σ_k g_k u_k v_k; KKT points sit on one
  coordinate k with u_k = ±v_k = ±1/√2, N = ±g_k/2; the maximum is ½‖g‖_∞ (ref. ncf.md §7(c)).
* :func:`relu_neuron_2d_kkt` — one ReLU neuron (w, a), inputs in R²: on an open activation sector S
  the NCF is a·wᵀg_S with g_S = Σ_{i∈S} z_i x_i. Its KKT points there are
  (w, a) = (±ĝ_S, ±1)/√2 with w in the sector's arc, N = ±‖g_S‖/2, λ = ±‖g_S‖ (seed 002 Lemma
  H.1: a KKT point with N ≠ 0 has |a| = ‖w‖ and w/‖w‖ a KKT point of max Σ z_i σ(wᵀx_i) s.t.
  ‖w‖ = 1), and the λ = 0 points (w, 0) with ‖w‖ = 1, w ⊥ g_S, w in the arc (N = 0). At w = 0
  every sample is on a kink; (0, ±1) is a Clarke-KKT point iff 0 ∈ conv{g_S} (the Clarke
  subdifferential of the piecewise-linear G(w) = Σ z_i σ(wᵀx_i) at 0), decided by
  ``scipy.optimize.linprog``.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product
from typing import Sequence

import numpy as np
import sympy as sp

from .. import Step


@dataclass(frozen=True)
class ClosedFormKKT:
    """A KKT point in closed form: exact direction, multiplier λ and value N."""

    direction: tuple[sp.Expr, ...]
    multiplier: sp.Expr
    value: sp.Expr

    def numeric(self) -> tuple[np.ndarray, float]:
        return np.array([float(c) for c in self.direction]), float(self.value)


def _solve_polynomial(expr: sp.Expr, params: Sequence[sp.Symbol]) -> list[ClosedFormKKT]:
    lam = sp.Symbol("lambda", real=True)
    grad = [sp.diff(expr, p) for p in params]
    eqs = [g - lam * p for g, p in zip(grad, params)] + [sum(p**2 for p in params) - 1]
    out = []
    for sol in sp.solve(eqs, list(params) + [lam], dict=True):
        if not all(sp.sympify(sol.get(s, s)).is_real for s in list(params) + [lam]):
            continue
        if any(s not in sol for s in params):      # a continuum of solutions: not a point set
            raise ValueError("the Lagrange system has a continuum of solutions; pass a generic case")
        u = tuple(sp.nsimplify(sp.simplify(sol[p])) for p in params)
        out.append(ClosedFormKKT(u, sp.simplify(sol[lam]), sp.simplify(expr.xreplace(dict(zip(params, u))))))
    return out


def lagrange_kkt(expr: sp.Expr, params: Sequence[sp.Symbol]) -> list[ClosedFormKKT]:
    """Exact smooth KKT points of max expr(u) s.t. ‖u‖ = 1 (see module docstring)."""
    steps = sorted(expr.atoms(Step), key=sp.default_sort_key)
    if not steps:
        return _solve_polynomial(expr, params)
    out: list[ClosedFormKKT] = []
    for pattern in product((0, 1), repeat=len(steps)):
        piece = expr.xreplace(dict(zip(steps, map(sp.Integer, pattern))))
        if piece == 0:
            continue
        for kkt in _solve_polynomial(sp.expand(piece), params):
            at = dict(zip(params, kkt.direction))
            args = [sp.simplify(s.args[0].xreplace(at)) for s in steps]
            if all((a > 0) if bit else (a < 0) for a, bit in zip(args, pattern)):
                out.append(kkt)
    return out


def symmetric_squared_relu_kkt(X_half, y_half) -> tuple[np.ndarray, list[tuple[np.ndarray, float]]]:
    """M = Σ_i y_i x_i x_iᵀ and the single-neuron KKT points ±v_k with N = λ_k (seed 002 G.1)."""
    X = np.asarray(X_half, dtype=float)
    y = np.asarray(y_half, dtype=float)
    M = (X * y[:, None]).T @ X
    lam, V = np.linalg.eigh(M)
    pts = [(s * V[:, k], float(lam[k])) for k in range(len(lam)) for s in (1.0, -1.0)]
    return M, pts


def diagonal_linear_kkt(X, z) -> list[tuple[np.ndarray, float]]:
    """KKT points (θ = [v, u] as in ``models.diagonal_linear``) and values ±g_k/2, g = Xᵀz."""
    X = np.asarray(X, dtype=float)
    g = X.T @ np.asarray(z, dtype=float).ravel()
    d = g.size
    out = []
    for k in range(d):
        for sv, su in ((1, 1), (-1, -1), (1, -1), (-1, 1)):
            theta = np.zeros(2 * d)
            theta[k], theta[d + k] = sv / np.sqrt(2), su / np.sqrt(2)
            out.append((theta, sv * su * g[k] / 2))
    return out


def _sectors(X: np.ndarray):
    """(lo, hi, g_S) for each open arc of directions with a constant activation set S."""
    phi = np.arctan2(X[:, 1], X[:, 0])
    bounds = np.sort(np.mod(np.concatenate([phi + np.pi / 2, phi - np.pi / 2]), 2 * np.pi))
    bounds = np.append(bounds, bounds[0] + 2 * np.pi)
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        if hi - lo > 1e-12:
            mid = (lo + hi) / 2
            yield lo, hi, X @ np.array([np.cos(mid), np.sin(mid)]) > 0


def _in_arc(w: np.ndarray, lo: float, hi: float) -> bool:
    return 0 < np.mod(np.arctan2(w[1], w[0]) - lo, 2 * np.pi) < hi - lo


def relu_neuron_2d_kkt(X, z) -> list[tuple[np.ndarray, float, str]]:
    """KKT points (w₁, w₂, a), their values and type ("N ≠ 0", "λ = 0", "kink w = 0") of a·σ(wᵀx)."""
    import scipy.optimize

    X = np.asarray(X, dtype=float)
    z = np.asarray(z, dtype=float).ravel()
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError("relu_neuron_2d_kkt needs inputs in R² (rows of X)")
    out, gs = [], []
    for lo, hi, S in _sectors(X):
        g = (z[S, None] * X[S]).sum(axis=0)
        gs.append(g)
        norm = np.linalg.norm(g)
        if norm == 0:
            continue
        for sw in (1.0, -1.0):
            w = sw * g / norm
            if _in_arc(w, lo, hi):
                out += [(np.array([w[0], w[1], sa]) / np.sqrt(2), sa * sw * norm / 2, "N ≠ 0") for sa in (1.0, -1.0)]
            w0 = sw * np.array([-g[1], g[0]]) / norm
            if _in_arc(w0, lo, hi):
                out.append((np.array([w0[0], w0[1], 0.0]), 0.0, "λ = 0"))
    G = np.array(gs).T
    feasible = scipy.optimize.linprog(np.zeros(G.shape[1]), A_eq=np.vstack([G, np.ones(G.shape[1])]),
                                      b_eq=[0.0, 0.0, 1.0], bounds=(0, None), method="highs")
    if feasible.status == 0:
        out += [(np.array([0.0, 0.0, sa]), 0.0, "kink w = 0") for sa in (1.0, -1.0)]
    return out
