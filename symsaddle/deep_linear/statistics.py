"""Sufficient statistics of a deep linear regression problem (seed 001 §3.2).

For data X ∈ R^{d_x×m}, Y ∈ R^{d_y×m} (columns are samples, the seed's §3 convention)
the loss ‖Y − W X‖_F² depends on the data only through

    Σ_XX = X Xᵀ,   Σ_XY = X Yᵀ = Σ_YXᵀ,   Σ_YY = Y Yᵀ

(for rows-as-samples data these are Xᵀ X, Xᵀ Y, Yᵀ Y: the same matrices). Under the
assumptions of the critical-point theory (Achour et al. 2021) (Σ_XX invertible, Σ_XY of full rank d_y ≤ d_x) define

    Σ = Σ_YX Σ_XX⁻¹ Σ_XY = U diag(λ_1 > … > λ_{d_y}) Uᵀ.

The λ_i are the squared singular values of the seed's Σ^{1/2} = Σ_YX Σ_XX⁻¹ X. For an
index set S the product U_S U_Sᵀ Σ_YX Σ_XX⁻¹ (seed eq. (18) with its typo Σ_YX⁻¹ →
Σ_XX⁻¹ corrected) has loss tr Σ_YY − Σ_{i∈S} λ_i (seed eq. (19)); with S = {1..r} it is
the rank-r constrained least-squares minimiser (seed eqs. (20), (23); reduced-rank
regression).

Residual-accurate form (issue 8, part 5). The statistics are carried as the R factor of a
QR factorisation of [X, Y] (rows are samples), which, like the moments, does not grow with n:

    R = [[R₁₁, R₁₂], [0, R₂₂]],   Σ_XX = R₁₁ᵀR₁₁,  Σ_XY = R₁₁ᵀR₁₂,  Σ_YY = R₁₂ᵀR₁₂ + R₂₂ᵀR₂₂.

Then Σ = R₁₂ᵀR₁₂, so λ_i = σ_i(R₁₂)² (an SVD; no product is formed), the regression
Σ_YXΣ_XX⁻¹ = (R₁₁⁻¹R₁₂)ᵀ, the least-squares residual ‖Y − XM*‖_F² = ‖R₂₂‖_F², and seed eq. (19)

    tr Σ_YY − Σ_{i∈S} λ_i = ‖R₂₂‖_F² + Σ_{i∉S} λ_i

is evaluated as a sum of non-negative terms, without the cancellation of tr Σ_YY − Σλ, which
loses every digit below ε·tr Σ_YY (labels scaled by 1000 with noise 1e-5: the global minimum
came out negative). Statistics built from the moments alone (the plain constructor) get an R
factor formed from the moments and keep the moments' precision limit (absolute ≈ ε‖Σ_YY‖).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Iterable

import numpy as np
import scipy.linalg

from .. import r_factor_from_moments
from ..errors import NonFiniteDataError, ShapeError, SingularMatrixError
from ..reports import compact_repr

#: Relative threshold below which a singular value or eigenvalue counts as zero.
RANK_RTOL = 1e-12
#: Relative gap below which two eigenvalues of Σ count as equal.
TIE_RTOL = 1e-9


def _finite(a, name: str) -> np.ndarray:
    arr = np.asarray(a, dtype=float)
    if not np.all(np.isfinite(arr)):
        raise NonFiniteDataError(f"{name} contains NaN or inf")
    return arr


def subset_tuple(subset: Iterable[int], d_y: int) -> tuple[int, ...]:
    """A sorted tuple of distinct 0-based eigen-indices in range(d_y)."""
    s = tuple(sorted(int(i) for i in subset))
    if len(set(s)) != len(s) or any(i < 0 or i >= d_y for i in s):
        raise ValueError(f"subset must hold distinct indices in 0..{d_y - 1}, got {tuple(subset)}")
    return s


@dataclass(frozen=True, eq=False)
class SufficientStatistics:
    """Σ_XX (d_x×d_x), Σ_XY (d_x×d_y), Σ_YY (d_y×d_y), the sample count n and the R factor of [X, Y].

    ``r_factor`` (k × (d_x + d_y), k ≤ d_x + d_y, upper triangular) is computed from the
    samples by :meth:`from_samples` / given to :meth:`from_r_factor`; when only moments are
    given it is formed from them (with their precision limit, see the module docstring).
    Construction checks the assumptions of the critical-point theory (Achour et al. 2021) and raises
    :class:`~symsaddle.errors.SingularMatrixError` when Σ_XX is singular or Σ_XY is
    rank deficient (rank < d_y, which includes d_y > d_x).
    """

    __repr__ = compact_repr

    Sxx: np.ndarray
    Sxy: np.ndarray
    Syy: np.ndarray
    n: int
    r_factor: np.ndarray | None = None

    def __post_init__(self):
        Sxx, Sxy, Syy = (_finite(a, nm) for a, nm in ((self.Sxx, "Σ_XX"), (self.Sxy, "Σ_XY"), (self.Syy, "Σ_YY")))
        if Sxx.ndim != 2 or Sxx.shape[0] != Sxx.shape[1]:
            raise ShapeError(f"Σ_XX must be square, got shape {Sxx.shape}")
        d_x = Sxx.shape[0]
        if Sxy.ndim != 2 or Sxy.shape[0] != d_x:
            raise ShapeError(f"Σ_XY must have shape (d_x, d_y) = ({d_x}, d_y), got {Sxy.shape}")
        d_y = Sxy.shape[1]
        if Syy.shape != (d_y, d_y):
            raise ShapeError(f"Σ_YY must have shape ({d_y}, {d_y}), got {Syy.shape}")
        for M, nm in ((Sxx, "Σ_XX"), (Syy, "Σ_YY")):
            if not np.allclose(M, M.T, rtol=1e-12, atol=1e-14 * max(1.0, float(np.abs(M).max()))):
                raise ValueError(f"{nm} is not symmetric")
        if isinstance(self.n, bool) or int(self.n) != self.n or self.n < 1:
            raise ValueError(f"n must be a positive integer, got {self.n!r}")
        ex = np.linalg.eigvalsh(Sxx)
        if ex[0] <= RANK_RTOL * max(ex[-1], 0.0):
            raise SingularMatrixError(
                f"Σ_XX is singular (eigenvalues {ex[0]:.3e} … {ex[-1]:.3e}, ratio ≤ {RANK_RTOL:g}); "
                "the critical-point theory (Achour et al. 2021) assumes it invertible — remove collinear input features")
        sv = np.linalg.svd(Sxy, compute_uv=False)
        rank = int(np.sum(sv > RANK_RTOL * sv[0])) if sv.size and sv[0] > 0 else 0
        if rank < d_y:
            raise SingularMatrixError(
                f"Σ_XY is rank deficient: rank {rank} < d_y = {d_y} (d_x = {d_x}); the critical-point theory (Achour et al. 2021) "
                "assumes rank Σ_XY = d_y ≤ d_x")
        object.__setattr__(self, "Sxx", (Sxx + Sxx.T) / 2)
        object.__setattr__(self, "Sxy", Sxy)
        object.__setattr__(self, "Syy", (Syy + Syy.T) / 2)
        object.__setattr__(self, "n", int(self.n))
        if self.r_factor is None:
            R = r_factor_from_moments(self.Sxx, self.Sxy, self.Syy)
        else:
            R = _finite(self.r_factor, "R")
            if R.ndim != 2 or R.shape[1] != d_x + d_y:
                raise ShapeError(f"the R factor must have d_x + d_y = {d_x + d_y} columns, got shape {R.shape}")
            R = np.linalg.qr(R, mode="r")                  # any square root of the moments → triangular
        object.__setattr__(self, "r_factor", R)

    # -- construction ---------------------------------------------------------------
    @classmethod
    def from_samples(cls, X, Y, layout: str = "rows") -> "SufficientStatistics":
        """From data matrices; ``layout="rows"`` (n×d, one row per sample, seed §4's X ∈
        R^{1000×5}) or ``"columns"`` (d×m, seed §3's X ∈ R^{d_x×m})."""
        X, Y = _finite(X, "X"), _finite(Y, "Y")
        if layout not in ("rows", "columns"):
            raise ValueError(f"layout must be 'rows' or 'columns', got {layout!r}")
        if layout == "columns":
            X, Y = X.T, Y.T
        if X.ndim != 2 or Y.ndim != 2 or X.shape[0] != Y.shape[0]:
            raise ShapeError(f"X and Y must be 2-D with the same number of samples; got {X.shape}, {Y.shape}")
        return cls(X.T @ X, X.T @ Y, Y.T @ Y, X.shape[0], np.linalg.qr(np.hstack([X, Y]), mode="r"))

    @classmethod
    def from_r_factor(cls, R, d_x: int, n: int) -> "SufficientStatistics":
        """From a matrix R with RᵀR = [X, Y]ᵀ[X, Y] (e.g. ``numpy.linalg.qr(np.hstack([X, Y]), mode="r")``),
        the input dimension d_x and the number of samples n."""
        R = np.atleast_2d(_finite(R, "R"))
        if R.ndim != 2 or not 0 < int(d_x) < R.shape[1]:
            raise ShapeError(f"R must be 2-D with more than d_x = {d_x} columns, got shape {R.shape}")
        Rx, Ry = R[:, :d_x], R[:, d_x:]
        return cls(Rx.T @ Rx, Rx.T @ Ry, Ry.T @ Ry, n, R)

    # -- derived quantities ---------------------------------------------------------
    @property
    def d_x(self) -> int:
        return self.Sxx.shape[0]

    @property
    def d_y(self) -> int:
        return self.Sxy.shape[1]

    @cached_property
    def _blocks(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(R₁₁, R₁₂, R₂₂) of the triangular factor."""
        R, d_x = self.r_factor, self.d_x
        return R[:d_x, :d_x], R[:d_x, d_x:], R[d_x:, d_x:]

    @cached_property
    def regression(self) -> np.ndarray:
        """The least-squares product Σ_YX Σ_XX⁻¹ = (R₁₁⁻¹R₁₂)ᵀ (d_y×d_x, column convention)."""
        R11, R12, _ = self._blocks
        return scipy.linalg.solve_triangular(R11, R12).T

    @cached_property
    def sigma(self) -> np.ndarray:
        """Σ = Σ_YX Σ_XX⁻¹ Σ_XY = R₁₂ᵀR₁₂ (d_y×d_y)."""
        R12 = self._blocks[1]
        return R12.T @ R12

    @cached_property
    def residual(self) -> float:
        """‖Y − X M*‖_F² = ‖R₂₂‖_F² = tr Σ_YY − tr Σ, the least-squares residual (summed, not subtracted)."""
        return float(np.sum(self._blocks[2] ** 2))

    @cached_property
    def spectrum(self) -> tuple[np.ndarray, np.ndarray]:
        """(λ in decreasing order, U with the eigenvectors as columns): λ_i = σ_i(R₁₂)², U = V of R₁₂ = PΣVᵀ."""
        _, s, Vt = np.linalg.svd(self._blocks[1], full_matrices=False)
        return s**2, Vt.T.copy()

    @property
    def eigenvalues(self) -> np.ndarray:
        return self.spectrum[0]

    @property
    def eigenvectors(self) -> np.ndarray:
        return self.spectrum[1]

    def ties(self) -> tuple[tuple[int, int], ...]:
        """Pairs (i, i+1) of eigenvalues of Σ equal to relative precision ``TIE_RTOL``."""
        lam = self.eigenvalues
        return tuple((i, i + 1) for i in range(len(lam) - 1)
                     if lam[i] - lam[i + 1] <= TIE_RTOL * lam[0])

    def product(self, subset: Iterable[int]) -> np.ndarray:
        """U_S U_Sᵀ Σ_YX Σ_XX⁻¹ (d_y×d_x): the product W_H⋯W_1 of every critical point with index set S."""
        S = subset_tuple(subset, self.d_y)
        U = self.eigenvectors[:, list(S)]
        return U @ (U.T @ self.regression)

    def critical_value(self, subset: Iterable[int], normalization: float = 2.0) -> float:
        """(c/2)·(tr Σ_YY − Σ_{i∈S} λ_i) = (c/2)·(‖R₂₂‖_F² + Σ_{i∉S} λ_i): seed eq. (19) for c = 2
        (L = ‖Y − WX‖_F²), evaluated as a sum of non-negative terms."""
        S = subset_tuple(subset, self.d_y)
        rest = [i for i in range(self.d_y) if i not in S]
        return 0.5 * float(normalization) * (self.residual + float(np.sum(self.eigenvalues[rest])))

    def rank_constrained_value(self, r: int, normalization: float = 2.0) -> float:
        """min over rank(M) ≤ r of (c/2)‖Y − M X‖_F² = value at S = {1..r} (seed eq. (23))."""
        return self.critical_value(range(min(int(r), self.d_y)), normalization)

