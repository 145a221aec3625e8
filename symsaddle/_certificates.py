"""Higher-order tests on the Hessian's null space N at a critical point (issue 8, part 2).

Notation: H = ∇²L(θ) with eigen-decomposition; Z (P × k) an orthonormal basis of the null
space N, V_R (P × m) the eigenvectors of the non-zero eigenvalues λ_r; C(u) = D³L(θ)[u]³,
D₄(u) = D⁴L(θ)[u]⁴, T the symmetric trilinear form of D³L(θ).

Only the kernel's ``directional(θ, u, order)`` is used (batched over directions), so every
kernel of the duck-typed protocol works. Mixed derivatives come from polarization, which is
exact algebra on the form (no step size):

    T(u, u, v) = [C(u + v) − C(u − v) − 2 C(v)] / 6
    T(x, y, z) = [C(x+y+z) − C(x+y−z) − C(x−y+z) + C(x−y−z)] / 24
    D⁴L[u, u, u, n] = (8 O₁ − O₂) / 24,  O_s = [D₄(u + s n) − D₄(u − s n)] / 2

* **Cubic test.** The cubic form on N, C(Zy) = T_N[y]³. It vanishes identically iff
  ‖T_N‖_F = 0; max_{|u|=1} |C(u)| lies in [‖T_N‖_F / k, ‖T_N‖_F] (the spectral norm of a
  symmetric tensor is attained on the diagonal, Banach 1938). A unit u ∈ N with C(u) ≠ 0 gives
  L(θ + t u) = L(θ) + t³ C(u)/6 + O(t⁴): θ is neither a local minimum nor a local maximum.
* **Reduced quartic.** Along the curves θ + t u + t² w (u ∈ N, w ∈ R),
  L = L(θ) + t³ C(u)/6 + t⁴ [½ wᵀHw + ½ b(u)·w + D₄(u)/24] + O(t⁵), b(u) = D³L[u, u, ·];
  minimising over w (w = −½ H⁺ b(u)) leaves the Schur complement
      q(u) = D₄(u)/24 − ⅛ b(u)ᵀ H⁺ b(u) = D₄(u)/24 − ⅛ Σ_r T(u, u, v_r)² / λ_r.
  With C ≡ 0 on N and H ⪰ 0: q > 0 on the unit sphere of N ⇒ strict local minimum; q(u) < 0
  for some u ⇒ L decreases along θ + t u + t² w: a non-strict saddle. (For H ⪯ 0 apply this
  to −L, whose reduced quartic is −q.) Example: L = a² − 3ab² + b⁴ has C = 0 on N = span(e_b),
  D₄(e_b)/24 = 1 but q(e_b) = 1 − ⅛·36/2 = −1.25.
* **Morse–Bott check by symmetry** (:func:`orbit_check`, exact up to rounding): where the model's
  continuous symmetry group (:mod:`symsaddle._symmetries`) has orbit tangents T = [ξ_g θ] that
  reach all of N (σ_k(ZᵀT) > κτ_λ‖T‖_F) and that H annihilates (‖HT‖_F ≤ τ_λ‖H‖σ_k(ZᵀT)), the
  orbit — a manifold of critical points with equal loss, tangent to N — is the critical set
  near θ. No evaluation beyond H; tried first.
* **Morse–Bott check** (numerical, at scale t = manifold_step·‖θ‖): from θ + t n and
  θ + (t/2) n, n = Z Zᵀξ/‖Z Zᵀξ‖ a generic unit vector of N (ξ the fixed pseudo-random ambient
  direction with the largest projection on N, so n depends on N, not on its basis), a corrector
  for V_Rᵀ∇L = 0 in the normal space R (chord steps with the Jacobian Λ_R of θ, Newton steps if
  they stall; both points in one batch) returns to points θ_s; N is the tangent of a manifold of
  critical points with equal loss (so θ is a non-isolated minimiser) if both θ_s are critical
  with L(θ_s) = L(θ), lie at distance O(t²) from θ + s n (the two distances differ by a factor
  ≈ 4, or both are at rounding level), and ∇²L(θ_t) has the same nullity k with the rest of its
  spectrum of the same sign as at θ. One generic direction suffices: the tangent cone at θ of
  the (analytic) critical set lies in N and is a finite union of cones; unless it is all of N,
  a generic n is outside it and the corrector from θ + t n finds no critical point (two lines
  of minima crossing at θ fail so, while corrected points along each line would pass). With
  the cone equal to N, nullity k at θ_t makes the critical set a k-manifold there (Morse–Bott).
  The cost does not grow with k: two batched gradients per corrector step and one Hessian.
  *Screen* (no extra evaluation): the component in N of the gradients at the two starts,
  g(s) = Zᵀ∇L(θ + s n), is split into A = 8 g(t/2) − g(t) and B = 2 g(t) − 8 g(t/2), its s² and
  s³ parts (exact for g = a s² + b s³). Along a manifold m(s) of critical points tangent to N,
  differentiating ∇L(m(s)) = 0 twice gives D³L[n, n, ·] = −H m''(0), which vanishes on N, so
  g = O(s³) and ‖A‖ = O(t‖B‖); ∇L(θ) and the null eigenvalues add at most 7‖∇L(θ)‖ + 3t·max_N|λ|
  to A. ‖A‖ > 10(‖B‖ + 7‖∇L(θ)‖ + 3t·max_N|λ| + τ_M s_g) ends the check (``screened_out``). It only
  saves the corrector's cost at cubic saddles: the cubic test decides next, and where it finds
  C ≡ 0 after all, the check is run in full. Corrector, the stopping rule: ‖V_Rᵀ∇L‖ ≤
  0.1·min(τ_M, τ_λ λ_min/‖H‖)·s_g (:data:`_CORRECTOR_MARGIN`).

Exact coefficients of the forms on N cost C(k+2, 3) (cubic) and C(k+3, 4) + (k(k+1)+1)(P−k)
(quartic with the Schur term) directional evaluations. When that exceeds the evaluation
budget, the forms are *searched* instead: Riemannian ascent over the unit sphere of N with
polarization gradients, from a fixed set of ambient starting directions projected on N (the
coordinate axes and a fixed pseudo-random sequence), which depend on the subspace N but not
on its basis. A search can find a certificate of descent; it cannot prove its absence.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

import numpy as np

from . import _forms
from ._norms import norm, row_norms
from ._tolerances import Tolerances
from .errors import NonFiniteDataError
from .reports import compact_repr

#: Fixed ambient starting directions of the searches (not a user seed: a constant of the method).
_START_SEED = 20240801
_N_PSEUDO_STARTS = 16
_N_SEARCH_STARTS = 3
#: The corrector in the normal space stops when ‖V_Rᵀ∇L‖ ≤ margin · min(τ_manifold, τ_λ λ_min/‖H‖) · s_g
#: (λ_min the smallest non-zero |λ|): a tenth of the criticality test it prepares, and a residual whose
#: distance to the root, ≤ ‖V_Rᵀ∇L‖/λ_min, moves the null eigenvalues of ∇²L(θ_t) by ≈ ‖D³L‖·that
#: distance ≤ a tenth of τ_λ‖H‖ (with ‖D³L‖ ≈ ‖H‖/‖θ‖, the scale of the tests); or when its step is
#: below stall · ‖θ‖ (rounding level).
_CORRECTOR_MARGIN = 0.1
_NEWTON_STALL = 1e-15
#: Chord steps (Jacobian Λ_R of θ) continue while each reduces every residual by this factor.
_CHORD_CONTRACTION = 0.5
#: The Morse–Bott screen ends the check when the s² part of Zᵀ∇L(θ + s n) exceeds this multiple of
#: its s³ part plus what ∇L(θ), the null eigenvalues and rounding can contribute.
_SCREEN_MARGIN = 10.0
_SEARCH_ITERATIONS = 40


class FormStatus(str, Enum):
    """Outcome of one higher-order test on N."""

    ZERO = "zero"                    # the form vanishes on N (relative to its tolerance)
    NONZERO = "nonzero"              # the cubic form does not vanish: a descent/ascent direction
    POSITIVE = "positive"            # σ·q > 0 on the unit sphere of N (a strict extremum)
    NEGATIVE = "negative"            # σ·q < 0 somewhere on the sphere (an escape curve)
    SEMIDEFINITE = "semidefinite"    # one sign, touching zero: higher orders needed
    AMBIGUOUS = "ambiguous"          # a value in the ambiguous band (tol, ambiguity·tol]
    NOT_FOUND = "not found"          # search: no certificate found (absence not proven)


@dataclass(frozen=True)
class FormTest:
    """One higher-order test on the null space N of the Hessian.

    ``value``: max |C(u)| (cubic) or the extreme of σ·q found (quartic, σ = +1 for a PSD
    Hessian, −1 for NSD); ``direction``: the unit vector u ∈ N (in θ coordinates) attaining it;
    ``curve``: w of the escape curve θ + t u + t² w (quartic); ``exact``: coefficients computed
    exactly (else: searched); ``norm``: Frobenius norm of the form's tensor (exact only).
    """

    __repr__ = compact_repr

    name: str
    status: FormStatus
    exact: bool
    value: float
    norm: float
    scale: float
    tolerance: float
    direction: np.ndarray | None
    curve: np.ndarray | None
    evaluations: int
    detail: str


class ManifoldStatus(str, Enum):
    VERIFIED = "verified"
    FAILED = "failed"
    SKIPPED = "skipped"


class ManifoldMethod(str, Enum):
    ORBIT = "symmetry orbit"                # the model's symmetry group sweeps out N (:func:`orbit_check`)
    CORRECTOR = "normal corrector"          # critical points reached from θ + s n (:func:`manifold_check`)


@dataclass(frozen=True)
class ManifoldCheck:
    """The Morse–Bott check (see the module docstring): by the symmetry orbit or numerically."""

    __repr__ = compact_repr

    status: ManifoldStatus
    step: float
    max_distance: float
    reason: str
    direction: np.ndarray | None = None     # the generic unit vector n of N it moved along
    screened_out: bool = False              # ended by the s² screen, before any correction
    method: ManifoldMethod = ManifoldMethod.CORRECTOR


class LineDerivatives:
    """Dᵐ L(θ)[u]ᵐ for a batch of directions u (rows), counting evaluations."""

    def __init__(self, kernel, theta: np.ndarray):
        self.kernel, self.theta, self.used = kernel, theta, 0

    def __call__(self, U: np.ndarray, order: int) -> np.ndarray:
        U = np.atleast_2d(np.asarray(U, dtype=float))
        if len(U) == 0:
            return np.zeros(0)
        self.used += len(U)
        th = np.broadcast_to(self.theta, U.shape)
        out = np.asarray(self.kernel.directional(th, U, order), dtype=float).reshape(len(U))
        if not np.isfinite(out).all():
            raise NonFiniteDataError(f"the kernel's order-{order} directional derivative is not finite at θ")
        return out


# ---------------------------------------------------------------------------------------------
# exact coefficients

def exact_cubic_cost(k: int) -> int:
    return _forms.count(k, 3)


def exact_quartic_cost(k: int, m: int) -> int:
    return _forms.count(k, 4) + (2 * _forms.count(k, 2) + 1) * m


def restricted_form(lines, Z: np.ndarray, order: int) -> np.ndarray:
    """The symmetric tensor of y ↦ DᵒL(θ)[Zy]ᵒ (polarization at the interpolation points);
    ``lines(U, order)`` evaluates the directional derivatives along the rows of U."""
    k = Z.shape[1]
    Y = _forms.interpolation_points(k, order)
    return _forms.tensor_from_values(k, order, lines(Y @ Z.T, order))


def schur_blocks(lines: LineDerivatives, Z: np.ndarray, VR: np.ndarray) -> np.ndarray:
    """B_r[i, j] = T(n_i, n_j, v_r) for every column v_r of VR: shape (m, k, k)."""
    k, m = Z.shape[1], VR.shape[1]
    Y = _forms.interpolation_points(k, 2)
    U = Y @ Z.T                                                    # (n2, P)
    V = VR.T                                                       # (m, P)
    plus = (U[None, :, :] + V[:, None, :]).reshape(-1, U.shape[1])
    minus = (U[None, :, :] - V[:, None, :]).reshape(-1, U.shape[1])
    vals = lines(np.vstack([plus, minus, V]), 3)
    n = len(plus)
    cp, cm, cv = vals[:n].reshape(m, -1), vals[n:2 * n].reshape(m, -1), vals[2 * n:]
    quad = (cp - cm - 2 * cv[:, None]) / 6                           # T(Zy, Zy, v_r)
    return np.array([_forms.tensor_from_values(k, 2, q) for q in quad]).reshape(m, k, k)


def reduced_quartic(D4: np.ndarray, B: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """Q = D⁴L|_N / 24 − ⅛ Σ_r sym(B_r ⊗ B_r) / λ_r (the tensor of q on N)."""
    W = np.einsum("rij,rlm,r->ijlm", B, B, 1.0 / lam) if len(lam) else np.zeros_like(D4)
    sym = (W + W.transpose(0, 2, 1, 3) + W.transpose(0, 3, 2, 1)) / 3
    return D4 / 24 - sym / 8


def escape_curve(B: np.ndarray, lam: np.ndarray, VR: np.ndarray, y: np.ndarray) -> np.ndarray:
    """w = −½ H⁺ b(u) for u = Zy: the second-order part of the escape curve θ + t u + t² w."""
    if not len(lam):
        return np.zeros(VR.shape[0])
    b = np.einsum("rij,i,j->r", B, y, y)
    return -0.5 * VR @ (b / lam)


# ---------------------------------------------------------------------------------------------
# searches (large null spaces)

@lru_cache(maxsize=64)
def _pseudo_random_directions(P: int) -> np.ndarray:
    """The fixed ambient directions ξ of :func:`search_starts` (a constant of the method, read-only)."""
    xi = np.random.default_rng(_START_SEED).normal(size=(_N_PSEUDO_STARTS, P))
    xi.flags.writeable = False
    return xi


def search_starts(Z: np.ndarray, axes: bool = True) -> np.ndarray:
    """Unit vectors of N: the projections Z Zᵀ ξ of a fixed pseudo-random sequence ξ, then of the
    coordinate axes (if ``axes``) (basis-independent: they depend on N, not on Z)."""
    P, k = Z.shape
    xi = _pseudo_random_directions(P)
    if axes:
        xi = np.vstack([xi, np.eye(P)])
    U = (xi @ Z) @ Z.T
    norms = np.linalg.norm(U, axis=1)
    keep = norms > 1e-3 * np.sqrt(k / P) * np.linalg.norm(xi, axis=1)
    return U[keep] / norms[keep, None]


def riemannian_search(f, grad, starts: np.ndarray, target: float, budget,
                      iterations: int = _SEARCH_ITERATIONS) -> tuple[float, np.ndarray]:
    """Maximise f over the unit sphere of N from the best ``_N_SEARCH_STARTS`` of ``starts``.

    ``f(U)`` is batched; ``grad(u)`` returns the ambient gradient (in N) at one point. The first
    ``_N_PSEUDO_STARTS`` starts are evaluated first, the rest only if none of them reaches the
    target. Each step moves along the geodesic towards the gradient by the best angle of {4φ, 2φ,
    φ, φ/2, φ/4, φ/8} (φ the previous angle, π/8 at first), at most ``iterations`` times. Stops at
    f ≥ ``target`` (a certificate), when no angle improves f, or when ``budget()`` is exhausted.
    """
    values = f(starts[:_N_PSEUDO_STARTS])
    if values.max() < target and len(starts) > _N_PSEUDO_STARTS:
        values = np.concatenate([values, f(starts[_N_PSEUDO_STARTS:])])
    starts = starts[:len(values)]
    order = np.argsort(-values)[:_N_SEARCH_STARTS]
    best_val, best_u = float(values[order[0]]), starts[order[0]].copy()
    for i in order:
        u, fu, phi = starts[i].copy(), float(values[i]), np.pi / 8
        for _ in range(iterations):
            if fu >= target or not budget():
                break
            G = grad(u)
            G = G - (G @ u) * u
            gn = np.linalg.norm(G)
            if gn == 0:
                break
            D = G / gn
            angles = np.clip(phi * np.array([4, 2, 1, 0.5, 0.25, 0.125]), 0, np.pi / 2)
            trial = np.cos(angles)[:, None] * u + np.sin(angles)[:, None] * D
            trial /= np.linalg.norm(trial, axis=1, keepdims=True)
            ft = f(trial)
            j = int(np.argmax(ft))
            if ft[j] <= fu + 1e-15 * abs(fu):
                break
            u, fu, phi = trial[j], float(ft[j]), angles[j]
        if fu > best_val:
            best_val, best_u = fu, u
        if best_val >= target:
            break
    return best_val, best_u


class NullSpaceOracle:
    """Values and polarization gradients of C and q at unit vectors of N (ambient coordinates)."""

    def __init__(self, lines: LineDerivatives, Z: np.ndarray, VR: np.ndarray, lam: np.ndarray):
        self.lines, self.Z, self.VR, self.lam = lines, Z, VR, lam
        self._cn: np.ndarray | None = None
        self._cv: np.ndarray | None = None

    def cubic(self, U: np.ndarray) -> np.ndarray:
        return self.lines(U, 3)

    def cubic_gradient(self, u: np.ndarray) -> np.ndarray:
        """Σ_j 3 T(u, u, n_j) n_j."""
        N = self.Z.T
        if self._cn is None:
            self._cn = self.lines(N, 3)
        v = self.lines(np.vstack([u + N, u - N]), 3)
        k = len(N)
        return self.Z @ ((v[:k] - v[k:] - 2 * self._cn) / 2)

    def _b(self, U: np.ndarray) -> np.ndarray:
        """b_r(u) = T(u, u, v_r), shape (B, m)."""
        V = self.VR.T
        if self._cv is None:
            self._cv = self.lines(V, 3)
        B, m = len(U), len(V)
        plus = (U[:, None, :] + V[None, :, :]).reshape(-1, U.shape[1])
        minus = (U[:, None, :] - V[None, :, :]).reshape(-1, U.shape[1])
        vals = self.lines(np.vstack([plus, minus]), 3)
        return (vals[:B * m].reshape(B, m) - vals[B * m:].reshape(B, m) - 2 * self._cv[None, :]) / 6

    def quartic(self, U: np.ndarray) -> np.ndarray:
        """q(u) = D₄(u)/24 − ⅛ Σ_r b_r(u)² / λ_r."""
        U = np.atleast_2d(U)
        q = self.lines(U, 4) / 24
        if len(self.lam):
            q = q - np.sum(self._b(U) ** 2 / self.lam[None, :], axis=1) / 8
        return q

    def quartic_gradient(self, u: np.ndarray) -> np.ndarray:
        """Σ_j [D⁴L[u, u, u, n_j]/6 − ½ T(u, n_j, H⁺b(u))] n_j."""
        N = self.Z.T
        k = len(N)
        d4 = self.lines(np.vstack([u + N, u - N, u + 2 * N, u - 2 * N]), 4)
        o1 = (d4[:k] - d4[k:2 * k]) / 2
        o2 = (d4[2 * k:3 * k] - d4[3 * k:]) / 2
        g = (8 * o1 - o2) / 24 / 6
        if len(self.lam):
            w = self.VR @ (self._b(u[None, :])[0] / self.lam)
            c = self.lines(np.vstack([u + N + w, u + N - w, u - N + w, u - N - w]), 3)
            t = (c[:k] - c[k:2 * k] - c[2 * k:3 * k] + c[3 * k:]) / 24
            g = g - 0.5 * t
        return self.Z @ g

    def curve(self, u: np.ndarray) -> np.ndarray:
        if not len(self.lam):
            return np.zeros_like(u)
        return -0.5 * self.VR @ (self._b(u[None, :])[0] / self.lam)


# ---------------------------------------------------------------------------------------------
# Morse–Bott

def gradient_scale(loss, hessian_norm: float, theta_norm):
    """s_g = ‖H‖·‖θ‖ + √(2|L|)·√‖H‖ (units of the gradient, L/θ); elementwise for arrays of L and ‖θ‖."""
    out = hessian_norm * np.asarray(theta_norm) + np.sqrt(2 * np.abs(loss)) * np.sqrt(hessian_norm)
    return float(out) if np.ndim(out) == 0 else out


def generic_direction(Z: np.ndarray) -> np.ndarray:
    """n = Z Zᵀξ/‖Z Zᵀξ‖ for the fixed pseudo-random ambient direction ξ with the largest
    projection on N (a function of N, not of its basis Z; ties cannot matter for a generic ξ)."""
    C = _pseudo_random_directions(Z.shape[0]) @ Z                  # ‖Z Zᵀξ‖ = ‖Zᵀξ‖ (Z orthonormal)
    u = Z @ C[int(np.argmax(np.einsum("ij,ij->i", C, C)))]
    return u / norm(u)


def orbit_check(T: np.ndarray, lam: np.ndarray, vec: np.ndarray, zero: np.ndarray, zero_threshold: float,
                tol: Tolerances) -> ManifoldCheck:
    """The Morse–Bott check by symmetry (:mod:`symsaddle._symmetries`): VERIFIED when the orbit tangents
    T = [ξ_g θ] (P × m) reach all of N = span Z and the Hessian H = V diag(λ) Vᵀ annihilates them.

    Criteria (k = dim N, Z the eigenvectors of the zero eigenvalues ``zero``):
    σ_k(ZᵀT) > κτ_λ‖T‖_F — the orbit's tangents have a component along every direction of N, clearly
    above the rounding of T — and ‖HT‖_F ≤ ``zero_threshold``·σ_k(ZᵀT) (``zero_threshold`` = τ_λ‖H‖).
    Then the k-dimensional space of tangents Tw, w among the first k right singular vectors of ZᵀT, has
    ‖H Tw‖ ≤ ‖HT‖‖w‖ ≤ τ_λ‖H‖·‖Tw‖: each of its directions is a null direction by the criterion that
    defines N. At a critical point the orbit is a manifold of critical points with equal loss whose
    tangent lies in N, so its dimension is exactly k: it is the critical set near θ, a Morse–Bott
    point. Both ratios are dimensionless (T scales like θ, HT like the eigenvalues times θ), so the
    verdict is invariant under L → cL, θ → θ/s. Otherwise SKIPPED, with the reason (the numerical check
    then decides).
    """
    k, m = int(zero.sum()), T.shape[1]
    if m < k:
        return ManifoldCheck(ManifoldStatus.SKIPPED, 0.0, 0.0, f"the model's symmetry group has {m} generators, "
                             f"fewer than the {k} null directions", method=ManifoldMethod.ORBIT)
    C = vec.T @ T                                                          # T in the eigenbasis of H
    size = float(norm(T))
    reach = float(np.linalg.svd(C[zero], compute_uv=False)[k - 1]) if size > 0 else 0.0
    if not reach > tol.ambiguity * tol.eigenvalue * size:
        return ManifoldCheck(ManifoldStatus.SKIPPED, 0.0, 0.0,
                             f"the orbit of the model's symmetry group does not clearly reach every null direction: "
                             f"σ_{k}(ZᵀT) = {reach:.3e} ≤ κτ_λ‖T‖_F = {tol.ambiguity * tol.eigenvalue * size:.3e}",
                             method=ManifoldMethod.ORBIT)
    moved = float(norm(lam[:, None] * C))                                  # ‖HT‖_F
    if not moved <= zero_threshold * reach:
        return ManifoldCheck(ManifoldStatus.SKIPPED, 0.0, 0.0,
                             f"the Hessian does not annihilate the orbit's tangents: ‖HT‖_F = {moved:.3e} > "
                             f"τ_λ‖H‖·σ_{k}(ZᵀT) = {zero_threshold * reach:.3e}", method=ManifoldMethod.ORBIT)
    return ManifoldCheck(ManifoldStatus.VERIFIED, 0.0, 0.0,
                         f"the model's symmetry group moves θ along an orbit whose tangents reach all {k} null "
                         f"directions (σ_{k}(ZᵀT)/‖T‖_F = {reach / size:.2e}) and which the Hessian annihilates "
                         f"(‖HT‖_F = {moved:.2e} ≤ τ_λ‖H‖·σ_{k}(ZᵀT) = {zero_threshold * reach:.2e}): a manifold of "
                         "critical points with equal loss, tangent to N", method=ManifoldMethod.ORBIT)


def manifold_check(kernel, theta: np.ndarray, loss: float, sign: float, Z: np.ndarray, VR: np.ndarray,
                   lamR: np.ndarray, hessian_norm: float, tol: Tolerances, *, gradient_norm: float,
                   null_curvature: float, screen: bool = True, newton_iterations: int = 12) -> ManifoldCheck:
    """The numerical Morse–Bott check of the module docstring (``sign`` = +1 for H ⪰ 0, −1 for H ⪯ 0).

    ``lamR``: the non-zero eigenvalues of H(θ) (columns of ``VR``); ``gradient_norm`` = ‖∇L(θ)‖,
    ``null_curvature`` = max |λ| over N (what the constant and linear terms of the screen can carry).
    ``screen``: first the s² test of the module docstring on the gradients at the two uncorrected
    starts (no extra evaluation); a start whose tangential gradient grows like s² ends the check
    (``screened_out``). The corrector solves V_Rᵀ∇L(x) = 0 on the slices x ∈ θ + s n + R,
    s ∈ {t, t/2}, n = :func:`generic_direction` (one batched gradient per iteration): chord steps
    δ = −Λ_R⁻¹ V_Rᵀ∇L(x) (the Jacobian V_RᵀH(θ)V_R = Λ_R is already diagonal) while they contract the
    residual by at least ``_CHORD_CONTRACTION`` per step, Newton steps with V_Rᵀ∇²L(x)V_R after that.
    Both converge to the same root; only the final points are tested. The Hessian is evaluated at
    θ_t only.
    """
    P, k = Z.shape
    ell = float(norm(theta))
    if ell == 0:
        return ManifoldCheck(ManifoldStatus.SKIPPED, 0.0, 0.0,
                             "θ = 0 gives no length scale for the step along N")
    if VR.shape[1] == 0:
        return ManifoldCheck(ManifoldStatus.SKIPPED, 0.0, 0.0,
                             "the Hessian vanishes: no normal space to correct in")
    t = tol.manifold_step * ell
    n = generic_direction(Z)
    steps = (t, t / 2)
    base = theta + np.outer(steps, n)
    s_g0 = gradient_scale(loss, hessian_norm, ell)
    G = _gradients(kernel, base)
    if screen and np.all(np.isfinite(G)):
        gt, gh = G @ Z                                  # Zᵀ∇L at θ + t n and θ + (t/2) n
        square, cube = float(norm(8 * gh - gt)), float(norm(2 * gt - 8 * gh))
        noise = 7 * gradient_norm + 3 * t * null_curvature + tol.manifold * s_g0
        if square > _SCREEN_MARGIN * (cube + noise):
            return ManifoldCheck(ManifoldStatus.FAILED, t, np.nan,
                                 f"the gradient along N grows like s² from θ + s·n: s² part {square:.3e} > "
                                 f"{_SCREEN_MARGIN:g}·(s³ part {cube:.3e} + {noise:.3e}), so D³L[n, n, ·] ≠ 0 on N, "
                                 "which a manifold of critical points tangent to N excludes", n, screened_out=True)
    target = _CORRECTOR_MARGIN * min(tol.manifold, tol.eigenvalue * float(np.min(np.abs(lamR))) / hessian_norm) * s_g0
    x, G, failure = _normal_correction(kernel, base.copy(), G, VR, lamR, target, tol.manifold * s_g0,
                                       _NEWTON_STALL * ell, newton_iterations)
    if failure:
        return ManifoldCheck(ManifoldStatus.FAILED, t, np.nan, failure, n)
    Lx = np.asarray(kernel.value(x), dtype=float).reshape(2)
    w = row_norms(x - base).tolist()
    far = max(w)
    s_g = gradient_scale(Lx, hessian_norm, row_norms(x)).tolist()
    s_loss = abs(loss) + hessian_norm * ell ** 2
    for i, (gn, dL) in enumerate(zip(row_norms(G).tolist(), np.abs(Lx - loss).tolist())):
        if not gn <= tol.manifold * s_g[i]:
            return ManifoldCheck(ManifoldStatus.FAILED, t, far, f"{_where(steps[i])}: ‖∇L‖ = {gn:.3e} > "
                                 f"{tol.manifold:g}·s_g = {tol.manifold * s_g[i]:.3e}", n)
        if not dL <= tol.manifold * s_loss:
            return ManifoldCheck(ManifoldStatus.FAILED, t, far, f"{_where(steps[i])}: |L − L(θ)| = {dL:.3e} > "
                                 f"{tol.manifold:g}·s_L = {tol.manifold * s_loss:.3e}", n)
    wt, wh = w
    ratio = wh / wt if wt > tol.manifold * t else 0.25       # both at rounding level: nothing to compare
    if not 0.25 * (1 - tol.manifold_order) <= ratio <= 0.25 * (1 + tol.manifold_order):
        return ManifoldCheck(ManifoldStatus.FAILED, t, far,
                             f"normal correction along n is not O(t²): distance {wt:.3e} at t and {wh:.3e} at t/2 "
                             f"(ratio {ratio:.3f}, O(t²) gives 0.25)", n)
    Ht = np.asarray(kernel.hessian(x[0]), dtype=float).reshape(P, P)    # the point at step t
    if not np.isfinite(Ht).all():
        return ManifoldCheck(ManifoldStatus.FAILED, t, far, "non-finite Hessian along N", n)
    lam_t = np.linalg.eigvalsh((Ht + Ht.T) * (sign / 2))
    h = max(-float(lam_t[0]), float(lam_t[-1]))
    zero = int(np.count_nonzero(np.abs(lam_t) <= tol.eigenvalue * h))
    clear = int(np.count_nonzero(lam_t > tol.ambiguity * tol.eigenvalue * h))
    if zero != k or clear != P - k:
        return ManifoldCheck(ManifoldStatus.FAILED, t, far,
                             f"{_where(t)}: the Hessian has {zero} zero and {clear} clearly "
                             f"{'positive' if sign > 0 else 'negative'} eigenvalues (θ: {k} and {P - k})", n)
    return ManifoldCheck(ManifoldStatus.VERIFIED, t, far,
                         f"from θ + s·n (s = t = {tol.manifold_step:g}·‖θ‖ and t/2, n a fixed generic unit vector "
                         f"of N) a Newton correction in the normal space reaches a critical point with equal loss "
                         f"at distance ≤ {far:.2e} = O(t²), with the same Hessian nullity {k}", n)


def _where(step: float) -> str:
    return f"at θ + {step:.3e}·n (corrected)"


def _gradients(kernel, x: np.ndarray) -> np.ndarray:
    """∇L at the rows of x, shape (B, P)."""
    return np.asarray(kernel.gradient(x), dtype=float).reshape(x.shape)


def _normal_correction(kernel, x: np.ndarray, G: np.ndarray, VR: np.ndarray, lamR: np.ndarray, target: float,
                       rounding: float, stall: float, newton_iterations: int) -> tuple[np.ndarray, np.ndarray, str]:
    """Roots of V_Rᵀ∇L on the affine slices x_i + R from the starts x (updated in place), whose
    gradients are ``G`` (chord, then Newton; see :func:`manifold_check`).

    Stops when max_i ‖V_Rᵀ∇L(x_i)‖ ≤ ``target``, when the largest step is below ``stall``, when chord
    steps stop contracting below ``rounding`` (= τ_manifold·s_g: rounding level, inside the test), or
    after ``newton_iterations`` Newton steps (or 4·``newton_iterations`` chord steps). Returns the
    points, the gradients there, and an empty string or a failure message.
    """
    B, P = x.shape
    chord = (VR / -lamR).T                  # x ← x + r·chord: the chord step −V_R Λ_R⁻¹ V_Rᵀ∇L(x)
    newton, chord_steps, newton_steps = False, 0, 0
    r = G @ VR
    rn = row_norms(r).tolist()
    while True:
        largest = max(rn)
        if not math.isfinite(largest):
            return x, G, "non-finite derivatives along N"
        if largest <= target or newton_steps >= newton_iterations or chord_steps >= 4 * newton_iterations:
            break
        if newton:
            A = VR.T @ np.asarray(kernel.hessian(x), dtype=float).reshape(B, P, P) @ VR
            if not np.all(np.isfinite(A)):
                return x, G, "non-finite derivatives along N"
            try:
                dx = np.linalg.solve(A, -r[:, :, None])[:, :, 0] @ VR.T
            except np.linalg.LinAlgError:
                return x, G, "the Hessian restricted to the normal space became singular along N"
            newton_steps += 1
        else:
            dx = r @ chord
            chord_steps += 1
        x += dx
        G = _gradients(kernel, x)
        r = G @ VR
        rn, previous = row_norms(r).tolist(), rn
        if float(np.abs(dx).max()) <= stall:
            break
        if not newton and any(a > _CHORD_CONTRACTION * b for a, b in zip(rn, previous)):
            if max(rn) <= rounding:      # stagnating at rounding level, inside the test
                break
            newton = True
    return x, G, ""
