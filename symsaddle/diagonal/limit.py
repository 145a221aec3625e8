"""The vanishing-initialisation limit of Pesme & Flammarion (2023), Algorithm 1 and Theorem 2.

As γ → 0 the accelerated iterates β̃(t̃) = β(t̃ · ln(1/γ)) converge, uniformly away from the
jump times, to a piecewise-constant process that sits at the saddle β_k on (t_k, t_{k+1}).
Algorithm 1 computes the saddles and jump times from the dual variable s (P&F eq. (13)):

    g = ∇L(β_k);  Δ = min_i Δ_i,  Δ_i = (1 − s_i)/(−g_i) if g_i < 0,  (1 + s_i)/g_i if g_i > 0;
    t_{k+1} = t_k + Δ,  s ← s − Δ g;
    β_{k+1} = argmin L(β)  s.t.  β_i ≥ 0 if s_i = +1,  β_i ≤ 0 if s_i = −1,  β_i = 0 otherwise,

until ∇L(β) = 0; the last saddle is the minimum-ℓ1-norm minimiser of L. The face set
{i : s_i = ±1} is kept explicitly (an integer array), never recovered from a float test
|s_i| = 1: a coordinate can sit on the face with β_i = 0 and g_i = 0 (P&F Fig. 2 right).
The sign-constrained least squares is an NNLS problem on X_I diag(σ) (σ = face signs).

:func:`min_l1_minimiser` solves min ‖β‖₁ over the minimisers of L as a linear programme
(``scipy.optimize.linprog``), independently of Algorithm 1, to check its last saddle.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np
import scipy.linalg
import scipy.optimize

from ..errors import SingularMatrixError
from .problem import DiagonalProblem
from ..reports import compact_repr


#: a saddle coordinate below this fraction of the largest one is the rounding of an exact 0
ZERO_RTOL = 1e-12


class LimitStatus(str, Enum):
    COMPLETED = "completed"
    STEP_LIMIT = "step limit reached"


@dataclass(frozen=True)
class LimitSaddle:
    """The k-th saddle β_k of the limit process, entered at accelerated time t_k.

    ``step`` is k (counted from 0: β_0 = 0 at t_0 = 0); ``accelerated_time`` is t_k, in the accelerated
    time t̃ = t/ln(1/γ) of Pesme & Flammarion (t the gradient-flow time), not an iteration count.
    """

    __repr__ = compact_repr

    step: int
    accelerated_time: float
    beta: np.ndarray
    dual: np.ndarray
    face: np.ndarray
    loss: float
    activated: tuple[int, ...]
    left_face: tuple[int, ...]
    is_minimiser: bool

    @property
    def support(self) -> tuple[int, ...]:
        return tuple(int(i) for i in np.flatnonzero(self.beta))

    @property
    def kind(self) -> str:
        return "minimiser" if self.is_minimiser else "strict saddle"

    def to_dict(self) -> dict:
        """The interface form: p, loss, kind, accelerated_time t_k (+ the dual variable and the bookkeeping)."""
        return {"p": self.beta.tolist(), "loss": self.loss, "kind": self.kind, "accelerated_time": self.accelerated_time,
                "step": self.step, "support": list(self.support), "dual": self.dual.tolist(),
                "activated": list(self.activated), "left_face": list(self.left_face)}


@dataclass(frozen=True)
class LimitPath:
    """Output of Algorithm 1: saddles β_0 = 0, β_1, …, β_p with jump times 0 = t_0 < … < t_p."""

    __repr__ = compact_repr

    saddles: tuple[LimitSaddle, ...]
    status: LimitStatus
    gradient_tolerance: float

    @property
    def final(self) -> LimitSaddle:
        return self.saddles[-1]

    @property
    def times(self) -> np.ndarray:
        """t_0, t_1, …: the accelerated times of the saddles."""
        return np.array([s.accelerated_time for s in self.saddles])

    @property
    def betas(self) -> np.ndarray:
        return np.array([s.beta for s in self.saddles])

    @property
    def losses(self) -> np.ndarray:
        return np.array([s.loss for s in self.saddles])

    def to_list(self) -> list[dict]:
        return [s.to_dict() for s in self.saddles]

    def rows(self, digits: int = 6) -> list[dict]:
        """Table rows: k, t_k, β_k, L(β_k), kind, activated coordinates and the coordinates that left
        their face (both counted from 0, as in :meth:`LimitSaddle.to_dict`)."""
        return [{"k": s.step, "t_k": s.accelerated_time, "beta_k": np.round(s.beta, digits).tolist(), "loss": s.loss,
                 "kind": s.kind, "activated": list(s.activated),
                 "left face": list(s.left_face)} for s in self.saddles]

    def latex(self, digits: int = 4) -> str:
        """The limit process as a LaTeX cases environment."""
        lines = []
        for k, s in enumerate(self.saddles):
            vec = r"\left(" + ", ".join(f"{b:.{digits}g}" for b in s.beta) + r"\right)"
            upper = (f"{self.saddles[k + 1].accelerated_time:.{digits}g}" if k + 1 < len(self.saddles) else r"\infty")
            lines.append(rf"{vec} & {s.accelerated_time:.{digits}g} < \tilde t < {upper}")
        return r"\tilde\beta^\circ(\tilde t) = \begin{cases}" + r" \\ ".join(lines) + r"\end{cases}"


def _cholesky_rank_one_update(L: np.ndarray, x: np.ndarray) -> np.ndarray:
    """L' lower triangular with L'L'ᵀ = LLᵀ + xxᵀ (Givens sweep, O(m²))."""
    L, x = L.copy(), x.copy()
    for k in range(x.size):
        r = np.hypot(L[k, k], x[k])
        c, s = r / L[k, k], x[k] / L[k, k]
        L[k, k] = r
        L[k + 1:, k] = (L[k + 1:, k] + s * x[k + 1:]) / c
        x[k + 1:] = c * x[k + 1:] - s * L[k + 1:, k]
    return L


#: A face column x_j counts as dependent on the others when its squared distance from their span, computed from
#: the Gram matrix (Cholesky pivot d² = ‖x_j‖² − ‖L⁻¹X_Iᵀx_j‖²), is ≤ GRAM_RANK_TOL·‖x_j‖²: a relative distance
#: √GRAM_RANK_TOL ≈ 3e-7; the pivot's rounding error is of order ε·‖x_j‖², so at the threshold (≈ 450·ε·‖x_j‖²)
#: it keeps under three correct digits.
GRAM_RANK_TOL = 1e-13


class _FaceSolver:
    """argmin L(β) on a signed face, with a Cholesky factor of X_IᵀX_I kept across faces.

    On the face I = {face ≠ 0} with signs σ: β_i = σ_i c_i, c ≥ 0, β = 0 off I. The
    unconstrained least squares on I (normal equations X_Iᵀ X_I c = X_Iᵀ y, one step of
    iterative refinement on the residual) is returned when it already has the face's signs —
    it then solves the convex problem; otherwise NNLS on X_I diag(σ). Consecutive faces differ
    by a few coordinates, so the factor is updated (a row appended per new coordinate, a
    rank-one update per removed one) in O(|I|²) instead of refactored in O(|I|³); Gram
    columns X_jᵀX are computed once per coordinate that ever enters a face.
    """

    def __init__(self, problem: DiagonalProblem):
        self.problem = problem
        self.columns: dict[int, np.ndarray] = {}
        self.xty = problem.X.T @ problem.y
        self.order: list[int] = []
        self.L = np.zeros((0, 0))

    def _column(self, j: int) -> np.ndarray:
        if j not in self.columns:
            X = self.problem.X
            self.columns[j] = X.T @ X[:, j]
        return self.columns[j]

    def _singular(self, idx, j: int, residual_sq: float) -> SingularMatrixError:
        """The error for a face whose Gram test failed: column ``j``'s squared distance from the span of the
        other face columns, in Gram terms, is ``residual_sq`` ≤ GRAM_RANK_TOL·‖x_j‖². Whether the columns are
        dependent is decided on X_I itself (SVD, numpy's rank tolerance σ_min ≤ max(n, k)·ε·σ_max): if not,
        they are badly conditioned — the Gram matrix squares the condition number — and the message says so."""
        cols = sorted(int(i) for i in idx)
        names = ", ".join(str(i) for i in cols)
        X_I = self.problem.X[:, cols]
        sv = np.linalg.svd(X_I, compute_uv=False)
        rank_tol = max(X_I.shape) * np.finfo(float).eps
        cond = float(sv[0] / sv[-1]) if sv[-1] > 0 else np.inf
        if not sv[-1] > rank_tol * sv[0]:
            return SingularMatrixError(
                f"columns {names} of X (counted from 0) are linearly dependent to float64 precision (σ_min/σ_max "
                f"of those columns = {1 / cond:.1e} ≤ max(n, k)·ε = {rank_tol:.1e}): the data are not in general "
                "position (P&F Assumption 1), the constrained least squares has no unique solution")
        orthogonal = np.sqrt(max(residual_sq, 0.0) / self._column(j)[j])
        return SingularMatrixError(
            f"columns {names} of X (counted from 0) are badly conditioned, not linearly dependent: their condition "
            f"number is {cond:.1e} (dependent only from 1/(max(n, k)·ε) = {1 / rank_tol:.1e}), but Algorithm 1's face "
            f"solver works with the Gram matrix X_IᵀX_I, which squares it ({cond ** 2:.1e}): there column {j}'s part "
            f"orthogonal to the others is {orthogonal:.1e} of its norm, below the solver's rank tolerance "
            f"√{GRAM_RANK_TOL:g} = {np.sqrt(GRAM_RANK_TOL):.1e}. Rescale the data (a row or a column orders of "
            "magnitude larger than the others does this) or drop one of the nearly parallel columns")

    def _refactor(self, face: np.ndarray):
        keep = set(int(i) for i in np.flatnonzero(face))
        for pos in reversed([p for p, j in enumerate(self.order) if j not in keep]):
            L = self.L
            tail = _cholesky_rank_one_update(L[pos + 1:, pos + 1:], L[pos + 1:, pos]) if pos + 1 < len(L) else L[:0, :0]
            new = np.zeros((len(L) - 1, len(L) - 1))
            new[:pos, :pos] = L[:pos, :pos]
            new[pos:, :pos] = L[pos + 1:, :pos]
            new[pos:, pos:] = tail
            self.L = new
            del self.order[pos]
        for j in sorted(keep - set(self.order)):
            col = self._column(j)
            a = col[self.order]
            row = scipy.linalg.solve_triangular(self.L, a, lower=True) if self.order else np.zeros(0)
            d2 = col[j] - row @ row
            if not d2 > GRAM_RANK_TOL * col[j]:
                raise self._singular(self.order + [j], j, d2)
            k = len(self.order)
            new = np.zeros((k + 1, k + 1))
            new[:k, :k] = self.L
            new[k, :k] = row
            new[k, k] = np.sqrt(d2)
            self.L = new
            self.order.append(j)

    def _normal_solve(self, rhs: np.ndarray) -> np.ndarray:
        z = scipy.linalg.solve_triangular(self.L, rhs, lower=True)
        return scipy.linalg.solve_triangular(self.L, z, lower=True, trans="T")

    def solve(self, face: np.ndarray) -> np.ndarray:
        problem = self.problem
        beta = np.zeros(problem.d)
        count = int(np.count_nonzero(face))
        if count > problem.n:
            raise SingularMatrixError(
                f"Algorithm 1 reached a face with {count} > n = {problem.n} coordinates: the data are not in "
                "general position (P&F Assumption 1), the constrained least squares has no unique solution")
        self._refactor(face)
        if not self.order:
            return beta
        idx = np.array(self.order)
        XI = problem.X[:, idx]
        coef = self._normal_solve(self.xty[idx])
        coef += self._normal_solve(XI.T @ (problem.y - XI @ coef))
        sigma = face[idx].astype(float)
        if np.any(sigma * coef < 0):
            coef = sigma * scipy.optimize.nnls(XI * sigma, problem.y)[0]
        coef[np.abs(coef) <= ZERO_RTOL * np.max(np.abs(coef), initial=0.0)] = 0.0   # on the face, at 0
        beta[idx] = coef
        return beta


def gradient_rounding_bound(problem: DiagonalProblem, beta: np.ndarray) -> np.ndarray:
    """Entrywise bound on the float64 rounding error of ∇L(β) = Xᵀ(Xβ − y)/n as computed by
    ``problem.gradient``: u·(n + d + 1)·|X|ᵀ(|X||β| + |y|)/n with u = 2⁻⁵³ (the standard bound for
    matrix–vector products, Higham 2002 §3.5, applied to the residual and then to Xᵀr)."""
    X = problem.X
    u = np.finfo(float).eps / 2
    return u * (problem.n + problem.d + 1) * (np.abs(X).T @ (np.abs(X) @ np.abs(beta) + np.abs(problem.y))) / problem.n


def limit_path(problem: DiagonalProblem, *, tol: float = 1e-10, max_steps: int | None = None) -> LimitPath:
    """Algorithm 1 of Pesme & Flammarion (2023): the saddles and accelerated jump times as γ → 0.

    ``tol`` is relative to ‖∇L(0)‖_∞: gradient entries below it, or below their own float64
    rounding error (:func:`gradient_rounding_bound` — with badly scaled columns of X the residual's
    rounding, amplified by ‖X‖, exceeds tol·‖∇L(0)‖_∞ at an interpolating β), count as zero (KKT
    clean-up), and the run stops when every entry does. ``max_steps`` defaults to 10·d + 100; when it
    is reached the status says so (Prop. 2 bounds the count by min(2^d, Σ_{k≤n} C(d, k))). Data that are
    not in general position (P&F Assumption 1) raise :class:`SingularMatrixError`: X = 0 at once (the
    loss is constant), linearly dependent columns when a face would hold them.
    """
    if not np.isfinite(tol) or tol <= 0:
        raise ValueError(f"tol must be a positive number, got {tol!r}")
    if problem.rank == 0:
        raise SingularMatrixError(
            "X is zero (rank 0): its columns are linearly dependent, so the data are not in general position "
            "(P&F Assumption 1); the loss is the constant ‖y‖²/(2n) and there is no saddle-to-saddle sequence")
    d = problem.d
    max_steps = 10 * d + 100 if max_steps is None else int(max_steps)
    scale = float(np.max(np.abs(problem.correlation)))
    tol_g = tol * max(scale, np.finfo(float).tiny)
    solver = _FaceSolver(problem)
    t, beta, s = 0.0, np.zeros(d), np.zeros(d)
    face = np.zeros(d, dtype=int)
    loss = float(problem.loss(beta))
    saddles = [LimitSaddle(0, 0.0, beta.copy(), s.copy(), face.copy(), loss, (), (), False)]
    status = LimitStatus.STEP_LIMIT
    for step in range(1, max_steps + 1):
        g = problem.gradient(beta)
        zero = np.maximum(tol_g, gradient_rounding_bound(problem, beta))
        g[(face == 1) & (g < zero)] = 0.0           # KKT: on the +1 face the gradient is ≥ 0
        g[(face == -1) & (g > -zero)] = 0.0         # on the −1 face it is ≤ 0
        g[np.abs(g) < zero] = 0.0
        if not g.any():
            status = LimitStatus.COMPLETED
            break
        hit = np.full(d, np.inf)
        down, up = g > 0, g < 0
        hit[down] = (1.0 + s[down]) / g[down]
        hit[up] = (1.0 - s[up]) / -g[up]
        hit[hit <= 0] = np.inf
        delta = float(np.min(hit))
        if not np.isfinite(delta):
            raise RuntimeError("Algorithm 1: a non-zero gradient but no coordinate can reach ±1 "
                               f"(dual variable {s}, gradient {g})")
        hitting = hit <= delta * (1 + 1e-9)
        s = s - delta * g
        t += delta
        face[hitting] = -np.sign(g[hitting]).astype(int)
        s[hitting] = face[hitting]
        leaving = (~hitting) & (face != 0) & (g != 0)
        face[leaving] = 0
        new_beta = solver.solve(face)
        new_loss = float(problem.loss(new_beta))
        if np.max(np.abs(s)) > 1 + 1e-9 or new_loss > loss + 1e-12 * max(1.0, loss):
            raise RuntimeError(f"Algorithm 1 invariant violated at step {step}: ‖s‖∞ = {np.max(np.abs(s)):.3e}, "
                               f"loss {loss:.6e} → {new_loss:.6e}")
        beta, loss = new_beta, new_loss
        saddles.append(LimitSaddle(step, t, beta.copy(), s.copy(), face.copy(), loss,
                                   tuple(int(i) for i in np.flatnonzero(hitting)),
                                   tuple(int(i) for i in np.flatnonzero(leaving)), False))
    else:
        g = problem.gradient(beta)
        if np.all(np.abs(g) < np.maximum(tol_g, gradient_rounding_bound(problem, beta))):
            status = LimitStatus.COMPLETED
    if status is LimitStatus.COMPLETED:
        last = saddles[-1]
        saddles[-1] = LimitSaddle(last.step, last.accelerated_time, last.beta, last.dual, last.face, last.loss,
                                  last.activated, last.left_face, True)
    return LimitPath(tuple(saddles), status, tol_g)


def min_l1_minimiser(problem: DiagonalProblem) -> np.ndarray:
    """argmin ‖β‖₁ over argmin L, as a linear programme (``scipy.optimize.linprog``, HiGHS).

    The minimisers of L are {β : X β = P y} (P the projector on range X); with the thin
    SVD X = U Σ Vᵀ of rank r this is V_rᵀ β = Σ_r⁻¹ U_rᵀ y (r independent equations).
    Writing β = β⁺ − β⁻, β± ≥ 0: minimise 1ᵀ(β⁺ + β⁻). Under P&F Assumption 1 the
    solution is unique (OLS when d ≤ n, the minimum-ℓ1 interpolator when d > n).
    """
    U, sv, Vt = np.linalg.svd(problem.X, full_matrices=False)
    r = int(np.sum(sv > sv[0] * max(problem.X.shape) * np.finfo(float).eps)) if sv.size and sv[0] > 0 else 0
    d = problem.d
    if r == 0:
        return np.zeros(d)
    A = Vt[:r]
    rhs = (U[:, :r].T @ problem.y) / sv[:r]
    res = scipy.optimize.linprog(np.ones(2 * d), A_eq=np.hstack([A, -A]), b_eq=rhs,
                                 bounds=[(0, None)] * (2 * d), method="highs")
    if res.status != 0:
        raise RuntimeError(f"linprog failed on the minimum-ℓ1 problem: {res.message}")
    return res.x[:d] - res.x[d:]
