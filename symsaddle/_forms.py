"""Homogeneous forms p(y) = T[y, …, y] of degree d on R^k, as dense symmetric tensors T.

Used by the higher-order certificates of :mod:`symsaddle.critical` on the Hessian's null
space N (k = dim N, y the coordinates of u ∈ N in an orthonormal basis of N):

* :func:`interpolation_points` / :func:`tensor_from_values` — the coefficients of p from its
  values at C(k+d−1, d) points (exactly as many as there are monomials), solved support by
  support: a point whose non-zero entries lie on S sees only the monomials with support ⊆ S,
  so the system is block-triangular with one small (C(d−1, m−1) × C(d−1, m−1)) block per
  support size m (polarization);
* :func:`circle_extrema` — exact extrema of a binary form (k = 2) on the unit circle: the
  critical points solve y₁ ∂₂p − y₂ ∂₁p = 0, a binary form of degree d (``numpy.roots``);
* :func:`sphere_extremum` — for k ≥ 3, Riemannian ascent from given starts (geodesic steps
  on a geometric grid of angles, the best value kept), vectorised over the starts;
* :func:`quartic_bounds` — λ_min and λ_max of the matricisation M of a quartic form on
  symmetric k × k matrices: λ_min ≤ p(y) ≤ λ_max on the unit sphere, since
  p(y) = ⟨y yᵀ, M(y yᵀ)⟩ and ‖y yᵀ‖_F = 1.

Every quantity here is covariant under an orthogonal change of basis of R^k (Frobenius
norms, extrema on the sphere, the spectrum of M), which is what makes the certificates
independent of the null-space basis LAPACK returns.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import combinations, permutations, product
from math import comb, factorial

import numpy as np


def compositions(d: int, m: int) -> tuple[tuple[int, ...], ...]:
    """All ordered m-tuples of positive integers summing to d."""
    if m == 1:
        return ((d,),)
    return tuple((first,) + rest for first in range(1, d - m + 2) for rest in compositions(d - first, m - 1))


@lru_cache(maxsize=None)
def _block(d: int, m: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(exponents, points, inverse): the monomials of degree d with support exactly {1..m},
    points a ∈ (R∖0)^m with an invertible matrix [a^α], and its inverse."""
    exps = np.array(compositions(d, m), dtype=int)
    n = len(exps)
    chosen: list[np.ndarray] = []
    for cand in product((1, -1, 2, -2, 3, -3), repeat=m - 1):
        a = np.array((1,) + cand, dtype=float)
        trial = np.array(chosen + [a])
        V = np.prod(trial[:, None, :] ** exps[None, :, :], axis=2)
        if np.linalg.matrix_rank(V) == len(trial):
            chosen.append(a)
            if len(chosen) == n:
                break
    A = np.array(chosen)
    V = np.prod(A[:, None, :] ** exps[None, :, :], axis=2)
    return exps, A, np.linalg.inv(V)


@lru_cache(maxsize=None)
def interpolation_points(k: int, d: int) -> np.ndarray:
    """The C(k+d−1, d) points (rows) at which a degree-d form on R^k is evaluated."""
    rows = []
    for m in range(1, min(k, d) + 1):
        _, A, _ = _block(d, m)
        for S in combinations(range(k), m):
            for a in A:
                y = np.zeros(k)
                y[list(S)] = a
                rows.append(y)
    return np.array(rows).reshape(-1, k)


def count(k: int, d: int) -> int:
    """Number of monomials of degree d in k variables, C(k+d−1, d)."""
    return comb(k + d - 1, d)


def _multinomial(alpha) -> int:
    out = factorial(int(sum(alpha)))
    for a in alpha:
        out //= factorial(int(a))
    return out


def symmetric_tensor(k: int, d: int, monomials: list[tuple[tuple[int, ...], float]]) -> np.ndarray:
    """The symmetric tensor T with T[y]^d = Σ c_α y^α for the given (α, c_α)."""
    T = np.zeros((k,) * d)
    for alpha, c in monomials:
        idx = tuple(i for i, a in enumerate(alpha) for _ in range(a))
        value = c / _multinomial(alpha)
        for perm in set(permutations(idx)):
            T[perm] = value
    return T


def tensor_from_values(k: int, d: int, values: np.ndarray) -> np.ndarray:
    """The symmetric tensor of the degree-d form whose values at :func:`interpolation_points`
    are ``values`` (block-triangular solve, support size by support size)."""
    values = np.asarray(values, dtype=float)
    if values.shape != (count(k, d),):
        raise ValueError(f"expected {count(k, d)} values for a degree-{d} form in {k} variables, "
                         f"got shape {values.shape}")
    T = np.zeros((k,) * d)
    pos = 0
    for m in range(1, min(k, d) + 1):
        exps, A, inv = _block(d, m)
        supports = list(combinations(range(k), m))
        n = len(A)
        Y = interpolation_points(k, d)[pos:pos + n * len(supports)]
        known = form_value(T, Y) if m > 1 else np.zeros(len(Y))
        residual = (values[pos:pos + n * len(supports)] - known).reshape(len(supports), n)
        coeffs = residual @ inv.T                                  # (supports, monomials of the block)
        monomials = []
        for S, cs in zip(supports, coeffs):
            for e, c in zip(exps, cs):
                alpha = [0] * k
                for i, ei in zip(S, e):
                    alpha[i] = int(ei)
                monomials.append((tuple(alpha), float(c)))
        T = T + symmetric_tensor(k, d, monomials)
        pos += n * len(supports)
    return T


def form_value(T: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """p(y) = T[y, …, y] for each row y of Y."""
    Y = np.atleast_2d(Y)
    out = np.einsum("...i,bi->b...", T, Y)
    for _ in range(T.ndim - 1):
        out = np.einsum("b...i,bi->b...", out, Y)
    return out


def form_gradient(T: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """∇p(y) = d · T[y, …, y, ·] for each row y of Y."""
    Y = np.atleast_2d(Y)
    out = np.einsum("...i,bi->b...", T, Y)
    for _ in range(T.ndim - 2):
        out = np.einsum("b...i,bi->b...", out, Y)
    return T.ndim * out


def circle_extrema(T: np.ndarray) -> tuple[tuple[float, np.ndarray], tuple[float, np.ndarray]]:
    """((min, argmin), (max, argmax)) of a binary form on the unit circle, from all its critical
    points: the real parts of the roots of y₁∂₂p − y₂∂₁p at (1, t), and the point (0, 1)."""
    d = T.ndim
    # coefficients of p(1, t) = Σ_j a_j t^j: a_j = C(d, j) T[1…1 2…2] (j twos)
    a = np.array([comb(d, j) * T[(0,) * (d - j) + (1,) * j] for j in range(d + 1)])
    # r(1, t) = ∂₂p(1, t) − t ∂₁p(1, t); with p(1, t) = Σ a_j t^j:
    # ∂₂p(1, t) = Σ j a_j t^{j−1} and ∂₁p(1, t) = Σ (d − j) a_j t^j (Euler's relation per monomial)
    r = np.zeros(d + 1)
    for j in range(d + 1):
        if j:
            r[j - 1] += j * a[j]
        if j + 1 <= d:
            r[j + 1] -= (d - j) * a[j]
    candidates = [np.array([0.0, 1.0]), np.array([1.0, 0.0])]
    if np.any(r != 0):
        nz = np.nonzero(r)[0]
        roots = np.roots(r[: nz[-1] + 1][::-1])
        candidates += [np.array([1.0, t]) / np.hypot(1.0, t) for t in np.real(roots) if np.isfinite(t)]
    Y = np.array(candidates + [-c for c in candidates])
    v = form_value(T, Y)
    i, j = int(np.argmin(v)), int(np.argmax(v))
    return (float(v[i]), Y[i]), (float(v[j]), Y[j])


def sphere_extremum(T: np.ndarray, starts: np.ndarray, *, maximise: bool, iterations: int = 200
                    ) -> tuple[float, np.ndarray]:
    """Best local extremum of p on the unit sphere reached from the (non-zero) rows of ``starts``.

    Each start moves along the geodesic in the direction of the Riemannian gradient by the
    best angle of a geometric grid (π/4 · 2^{−j}, j = 0..11), while that improves p.
    """
    sign = 1.0 if maximise else -1.0
    U = np.atleast_2d(np.asarray(starts, dtype=float))
    U = U[np.linalg.norm(U, axis=1) > 0]
    U = U / np.linalg.norm(U, axis=1, keepdims=True)
    f = sign * form_value(T, U)
    angles = np.pi / 4 * 2.0 ** -np.arange(12)
    for _ in range(iterations):
        G = sign * form_gradient(T, U)
        G = G - np.sum(G * U, axis=1, keepdims=True) * U
        gn = np.linalg.norm(G, axis=1)
        active = gn > 0
        if not np.any(active):
            break
        D = np.where(active[:, None], G / np.where(gn > 0, gn, 1.0)[:, None], 0.0)
        trial = np.cos(angles)[None, :, None] * U[:, None, :] + np.sin(angles)[None, :, None] * D[:, None, :]
        ft = sign * form_value(T, trial.reshape(-1, U.shape[1])).reshape(len(U), len(angles))
        best = np.argmax(ft, axis=1)
        fb = ft[np.arange(len(U)), best]
        better = fb > f + 1e-15 * np.maximum(np.abs(f), 1e-300)
        if not np.any(better):
            break
        U[better] = trial[better, best[better]]
        U[better] /= np.linalg.norm(U[better], axis=1, keepdims=True)
        f[better] = fb[better]
    i = int(np.argmax(f))
    return float(sign * f[i]), U[i].copy()


def quartic_bounds(T: np.ndarray) -> tuple[float, float]:
    """(λ_min, λ_max) of the matricisation of a symmetric quartic tensor on symmetric matrices.

    p(y) = ⟨y yᵀ, M(y yᵀ)⟩ with M(S)_ij = Σ_kl T_ijkl S_kl, and ‖y yᵀ‖_F = 1 on the unit sphere,
    so λ_min ≤ p(y) ≤ λ_max with the extreme eigenvalues of M on the space of symmetric matrices
    (orthonormal basis E_ii, (E_ij + E_ji)/√2; M vanishes on antisymmetric matrices).
    """
    k = T.shape[0]
    basis = []
    for i in range(k):
        for j in range(i, k):
            E = np.zeros((k, k))
            E[i, j] = E[j, i] = 1.0 if i == j else 1 / np.sqrt(2)
            basis.append(E.ravel())
    B = np.array(basis).T
    lam = np.linalg.eigvalsh(B.T @ T.reshape(k * k, k * k) @ B)
    return float(lam[0]), float(lam[-1])


def frobenius(T: np.ndarray) -> float:
    return float(np.sqrt(np.sum(T * T)))
