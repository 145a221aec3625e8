"""All sparse equilibria of the gradient flow of F(v, u) = L(u ⊙ v), with their index.

∇_u F = ∇L(β) ⊙ v and ∇_v F = ∇L(β) ⊙ u, so (u, v) is an equilibrium iff g_i = ∇L(β)_i = 0
on every coordinate with (u_i, v_i) ≠ 0: β minimises L over the vectors supported on its
support S (seed 000 §3, P&F Proposition 1), β_S = (X_Sᵀ X_S)⁻¹ X_Sᵀ y when X_S has full
column rank. Each support with |S| ≤ rank X gives one equilibrium in β (a family in (u, v):
u_i v_i = β_i); larger supports give affine families of global minimisers.

The Hessian of F at the balanced weights u_i = √|β_i|, v_i = sign(β_i)√|β_i| decouples:

* an inactive coordinate i ∉ S contributes the 2 × 2 block [[0, g_i], [g_i, 0]], eigenvalues ±g_i;
* the active block is Mᵀ H_SS M with M = [diag u_S, diag v_S]: eigenvalues 0 (× |S|, the
  rescalings u_i → c u_i, v_i → v_i/c) and those of D^{1/2} H_SS D^{1/2}, D = diag(2|β_S|) ≻ 0.

So the index (number of unstable directions of the flow, negative eigenvalues of ∇²F) is
#{i ∉ S : g_i ≠ 0}, the same on the whole family; index 0 means g = 0: a global minimiser.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from math import comb

import numpy as np

from .problem import DiagonalProblem
from ..reports import compact_repr

#: Largest number of supports :func:`sparse_equilibria` enumerates.
MAX_SUPPORTS = 200_000


@dataclass(frozen=True)
class SparseEquilibrium:
    """The equilibrium β^S of support S, with its loss, gradient and closed-form Hessian spectrum."""

    __repr__ = compact_repr

    support: tuple[int, ...]
    p: np.ndarray
    loss: float
    gradient: np.ndarray
    index: int
    hessian_eigenvalues: np.ndarray

    @property
    def kind(self) -> str:
        return "minimiser" if self.index == 0 else "strict saddle"


def balanced_theta(p) -> np.ndarray:
    """θ = [v, u] with u = √|p|, v = sign(p)√|p| (u ⊙ v = p, |u| = |v|)."""
    p = np.asarray(p, dtype=float)
    root = np.sqrt(np.abs(p))
    return np.concatenate([np.sign(p) * root, root])


def hessian_spectrum(problem: DiagonalProblem, p, support) -> np.ndarray:
    """Eigenvalues of ∇²F at the balanced weights of an equilibrium β = p with support S (ascending)."""
    p = np.asarray(p, dtype=float)
    S = np.asarray(sorted(support), dtype=int)
    off = np.setdiff1d(np.arange(problem.d), S)
    g = problem.gradient(p)
    parts = [g[off], -g[off], np.zeros(S.size)]
    if S.size:
        root = np.sqrt(2 * np.abs(p[S]))
        parts.append(np.linalg.eigvalsh(root[:, None] * problem.gram[np.ix_(S, S)] * root[None, :]))
    return np.sort(np.concatenate(parts))


def sparse_equilibria(problem: DiagonalProblem, *, max_support: int | None = None,
                      tol: float = 1e-9) -> tuple[SparseEquilibrium, ...]:
    """Every equilibrium β^S for the supports |S| ≤ min(rank X, ``max_support``), without repeats.

    A gradient entry counts as zero when |g_i| ≤ tol·max(‖∇L(0)‖∞, tiny). Supports whose
    columns are linearly dependent (data not in general position) are skipped; a β^S with a
    zero entry is the equilibrium of the smaller support and is listed once.
    """
    top = problem.rank if max_support is None else min(int(max_support), problem.rank)
    count = sum(comb(problem.d, k) for k in range(top + 1))
    if count > MAX_SUPPORTS:
        raise ValueError(f"{count} supports to enumerate (d = {problem.d}, |S| ≤ {top}); "
                         f"limit is {MAX_SUPPORTS}: pass a smaller max_support")
    g_tol = tol * max(float(np.max(np.abs(problem.correlation))), np.finfo(float).tiny)
    seen: dict[tuple[int, ...], SparseEquilibrium] = {}
    for k in range(top + 1):
        for S in combinations(range(problem.d), k):
            p = np.zeros(problem.d)
            if k:
                XS = problem.X[:, S]
                coef, _, rank, _ = np.linalg.lstsq(XS, problem.y, rcond=None)
                if rank < k:
                    continue
                p[list(S)] = coef
            scale = max(1.0, float(np.max(np.abs(p))))
            support = tuple(int(i) for i in np.flatnonzero(np.abs(p) > 1e-12 * scale))
            if support in seen:
                continue
            p[np.abs(p) <= 1e-12 * scale] = 0.0
            g = problem.gradient(p)
            off = np.setdiff1d(np.arange(problem.d), support)
            index = int(np.sum(np.abs(g[off]) > g_tol))
            seen[support] = SparseEquilibrium(support, p, float(problem.loss(p)), g, index,
                                              hessian_spectrum(problem, p, support))
    return tuple(sorted(seen.values(), key=lambda e: (len(e.support), e.support)))
