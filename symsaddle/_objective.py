"""Objective = model + loss + data:  L(θ) = c · Σ_i ℓ(f(x_i; θ), y_i).

The normalisation c is explicit because the seeds differ:

* seed 000 (diagonal nets):    F = 1/(2n) Σ (f − y)²    → loss="square", normalization="mean"
* seed 001 (deep linear nets): L = ‖Y − W X‖_F²          → loss="square", normalization=2
* seed 002 (NCF paper):        L = Σ ½ (f − y)²          → loss="square", normalization="sum"

Data are either NumPy arrays (numeric work; the sum over samples is done by the
kernels) or SymPy matrices of symbols (closed-form work on tiny cases; the sum
is written out). The per-sample expressions never contain the data.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cached_property

import numpy as np
import scipy.linalg
import sympy as sp

from ._derivatives import SampleDerivatives
from ._losses import Loss, get_loss
from .errors import LabelError, ShapeError, SymbolicDataError
from .models import Model, check_closed_form_derivatives
from .protocol import as_finite_array, sample_arrays

_DERIVATIVE_CACHE: dict[tuple[Model, Loss], SampleDerivatives] = {}


def sample_derivatives(model: Model, loss: Loss) -> SampleDerivatives:
    """The (cached) per-sample derivatives of a model and loss."""
    key = (model, loss)
    if key not in _DERIVATIVE_CACHE:
        _DERIVATIVE_CACHE[key] = SampleDerivatives(model, loss)
    return _DERIVATIVE_CACHE[key]


def _normalization(normalization: str | float, n: int) -> sp.Expr:
    if normalization == "mean":
        return sp.Rational(1, n)
    if normalization == "sum":
        return sp.S.One
    if isinstance(normalization, (int, float, np.floating, np.integer)) and not isinstance(normalization, bool):
        if not np.isfinite(normalization) or normalization <= 0:
            raise ValueError(f"normalization must be a positive number, got {normalization}")
        return sp.nsimplify(float(normalization), rational=True)
    raise ValueError(f"normalization must be 'mean', 'sum' or a positive number, got {normalization!r}")


def pseudo_samples_from_moments(moments: np.ndarray, tol: float = 1e-12) -> np.ndarray:
    """Rows z̃_j with Σ_j z̃_j z̃_jᵀ = M for a symmetric PSD moment matrix M (M = V diag(w) Vᵀ).

    Every positive eigenvalue is kept (small ones carry the residual of a least-squares fit);
    eigenvalues in [−tol·max|w|·dim, 0] (rounding of a PSD matrix) contribute nothing, a more
    negative one is an error. The rows resolve M only to ≈ ε‖M‖ in every direction.
    """
    M = np.asarray(moments, dtype=float)
    if M.ndim != 2 or M.shape[0] != M.shape[1]:
        raise ShapeError(f"moment matrix must be square, got {M.shape}")
    if not np.allclose(M, M.T, rtol=1e-12, atol=0):
        raise ValueError("moment matrix is not symmetric")
    w, V = np.linalg.eigh((M + M.T) / 2)
    scale = max(float(np.max(np.abs(w))), np.finfo(float).tiny)
    if np.min(w) < -tol * scale * M.shape[0]:
        raise ValueError(f"moment matrix is not positive semi-definite (eigenvalue {np.min(w):.3e})")
    keep = w > 0
    return (V[:, keep] * np.sqrt(w[keep])).T


def r_factor_from_moments(Sxx, Sxy, Syy, tol: float = 1e-12) -> np.ndarray:
    """A matrix R (≤ d_x + d_y rows) with RᵀR = M = [[Σ_xx, Σ_xy], [Σ_yx, Σ_yy]].

    For positive definite Σ_xx it is upper triangular: R₁₁ = chol(Σ_xx)ᵀ, R₁₂ = R₁₁⁻ᵀΣ_xy and
    R₂₂ a square root of the Schur complement Σ_yy − R₁₂ᵀR₁₂ (the residual moments of the
    least-squares fit of y on x); otherwise the rows of :func:`pseudo_samples_from_moments`.

    Precision limit: the moments are rounded when they are formed, so the Schur complement
    has an absolute error ≈ ε‖Σ_yy‖ (≈ ε‖M‖ without Cholesky) however it is computed: a loss
    below that — the minimum of a near-realisable fit, L* ≲ ε‖Y‖_F² — is lost. The R factor of
    [X, Y] itself (:meth:`Objective.from_r_factor`) resolves L* to ≈ ε‖[X, Y]‖·√L*.
    """
    Sxx, Sxy, Syy = (np.atleast_2d(np.asarray(a, dtype=float)) for a in (Sxx, Sxy, Syy))
    d_x, d_y = Sxy.shape
    M = np.block([[Sxx, Sxy], [Sxy.T, Syy]])
    if not np.allclose(M, M.T, rtol=1e-12, atol=0):
        raise ValueError("moment matrix is not symmetric")
    try:
        R11 = np.linalg.cholesky((Sxx + Sxx.T) / 2).T
    except np.linalg.LinAlgError:
        return pseudo_samples_from_moments(M, tol)
    R12 = scipy.linalg.solve_triangular(R11, Sxy, trans="T")
    schur = Syy - R12.T @ R12
    w, V = np.linalg.eigh((schur + schur.T) / 2)
    scale = max(float(np.max(np.abs(np.linalg.eigvalsh(M)))), np.finfo(float).tiny)
    if w[0] < -tol * scale * M.shape[0]:
        raise ValueError(f"moment matrix is not positive semi-definite (Schur complement eigenvalue {w[0]:.3e})")
    R22 = (V[:, w > 0] * np.sqrt(w[w > 0])).T
    return np.vstack([np.hstack([R11, R12]), np.hstack([np.zeros((R22.shape[0], d_x)), R22])])


class Objective:
    """L(θ) = c · Σ_{i=1}^n ℓ(f(x_i; θ), y_i), with the model, loss and data kept apart.

    Parameters
    ----------
    model: a :class:`~symsaddle.models.Model`.
    X: inputs, shape (n, d_in), one row per sample (NumPy), or a SymPy Matrix.
    y: labels, shape (n,) or (n, d_out) (NumPy), or a SymPy Matrix.
    loss: ``"square"`` (½‖f − y‖²), ``"logistic"`` (log(1 + e^{−y f}), labels ±1, else
        :class:`~symsaddle.errors.LabelError`) or ``"linear"`` (y·f).
    normalization: ``"mean"`` (c = 1/n, the default), ``"sum"`` (c = 1) or a number c > 0.
    compress: for models linear in x under square loss the loss depends on the data
        only through the moments Σ_zz = Zᵀ Z of z = (x, y) (sufficient statistics);
        with ``"auto"`` the kernels then run on the k ≤ d_in + d_out rows of the R factor of
        a QR factorisation of [X, Y] (Σ_j z̃_j z̃_jᵀ = Σ_zz), so their cost does not depend on
        n, and residuals stay accurate (unlike a factor of the rounded moments). ``False``
        keeps the raw samples.
    """

    def __init__(self, model: Model, X, y, loss: str | Loss = "square",
                 normalization: str | float = "mean", *, compress: str | bool = "auto"):
        self.model = model
        self.loss = get_loss(loss)
        self.normalization = normalization
        self.sample = sample_derivatives(model, self.loss)
        check_closed_form_derivatives(self.sample.loss_of_outputs, f"loss {self.loss.name!r}")
        if isinstance(X, sp.MatrixBase) or isinstance(y, sp.MatrixBase):
            self._init_symbolic(X, y)
        else:
            self.X, self.y = sample_arrays(X, y, model.d_in, model.d_out)
            self.n = self.X.shape[0]
            self.is_symbolic = False
        self._check_labels()
        self.factor = _normalization(normalization, self.n)
        if compress not in ("auto", True, False):
            raise ValueError(f"compress must be 'auto', True or False, got {compress!r}")
        self._compress = compress

    def _check_labels(self):
        """Labels a loss is defined for: ±1 for the logistic loss (symbols pass; numbers are checked)."""
        if not self.loss.signed_labels:
            return
        entries = list(self.y) if self.is_symbolic else np.ravel(self.y).tolist()
        for i, v in enumerate(entries):
            if (v.is_number if isinstance(v, sp.Basic) else True) and v not in (1, -1):
                value = f"{v:g}" if isinstance(v, float) else str(v)
                raise LabelError(f"the {self.loss.name} loss takes labels ±1, got y = {value} (entry {i} of y, "
                                 "counted from 0); map the classes to −1 and +1 (e.g. y = 2·y01 − 1 for 0/1 labels)")

    def _init_symbolic(self, X, y):
        X, y = sp.Matrix(X), sp.Matrix(y)
        if y.cols != self.model.d_out and y.rows == self.model.d_out and y.cols != 1:
            y = y.T
        if y.cols != self.model.d_out:
            y = y.reshape(y.rows * y.cols // self.model.d_out, self.model.d_out)
        if X.cols != self.model.d_in:
            raise ShapeError(f"X must have d_in = {self.model.d_in} columns, got {X.shape}")
        if X.rows != y.rows:
            raise ShapeError(f"X and y have mismatched lengths: {X.rows} and {y.rows}")
        self.X, self.y, self.n = X, y, X.rows
        self.is_symbolic = True

    @classmethod
    def symbolic(cls, model: Model, n: int, loss: str | Loss = "square",
                 normalization: str | float = "mean", nonzero: bool = True) -> "Objective":
        """An objective whose n samples are symbols x_{i,j}, y_i (closed-form work).

        With ``nonzero=True`` the data symbols are declared non-zero, as in seed 000 §4.
        """
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ShapeError(f"the number of samples n must be an integer ≥ 1, got n={n!r}")
        if n == 1:
            xs = [[sp.Symbol(f"x_{{{j + 1}}}" if model.d_in > 1 else "x", real=True, nonzero=nonzero)
                   for j in range(model.d_in)]]
            ys = [[sp.Symbol(f"y_{{{k + 1}}}" if model.d_out > 1 else "y", real=True, nonzero=nonzero)
                   for k in range(model.d_out)]]
        else:
            xs = [[sp.Symbol(f"x_{{{i + 1}}}" if model.d_in == 1 else f"x_{{{i + 1},{j + 1}}}",
                             real=True, nonzero=nonzero) for j in range(model.d_in)] for i in range(n)]
            ys = [[sp.Symbol(f"y_{{{i + 1}}}" if model.d_out == 1 else f"y_{{{i + 1},{k + 1}}}",
                             real=True, nonzero=nonzero) for k in range(model.d_out)] for i in range(n)]
        return cls(model, sp.Matrix(xs), sp.Matrix(ys), loss, normalization)

    @classmethod
    def from_moments(cls, model: Model, Sxx, Sxy, Syy, n: int, loss: str | Loss = "square",
                     normalization: str | float = "mean") -> "Objective":
        """Objective of a model linear in x under square loss, from Σ_xx = XᵀX, Σ_xy = XᵀY, Σ_yy = YᵀY.

        The kernels run on the rows of a square root of the moment matrix
        (:func:`r_factor_from_moments`). Precision limit: moments lose the residual of a
        near-realisable fit (absolute error ≈ ε‖Σ_yy‖ in every loss value, relative error
        ≈ ε‖Y‖_F²/L* in a minimum L*); when the samples or the R factor of [X, Y] are available
        use :meth:`from_r_factor`, which does not.
        """
        Sxx, Sxy, Syy = (np.atleast_2d(as_finite_array(a, name)) for a, name in
                         ((Sxx, "Sxx"), (Sxy, "Sxy"), (Syy, "Syy")))
        if Sxy.shape != (model.d_in, model.d_out):
            Sxy = Sxy.reshape(model.d_in, model.d_out) if Sxy.size == model.d_in * model.d_out else Sxy
        M = np.block([[Sxx, Sxy], [Sxy.T, Syy]])
        if M.shape != (model.d_in + model.d_out,) * 2:
            raise ShapeError(f"moments do not match d_in={model.d_in}, d_out={model.d_out}: "
                             f"Sxx {Sxx.shape}, Sxy {Sxy.shape}, Syy {Syy.shape}")
        return cls._from_rows(model, r_factor_from_moments(Sxx, Sxy, Syy), n, loss, normalization)

    @classmethod
    def from_r_factor(cls, model: Model, R, n: int, loss: str | Loss = "square",
                      normalization: str | float = "mean") -> "Objective":
        """Objective of a model linear in x under square loss, from the R factor of [X, Y].

        ``R`` (k × (d_in + d_out)) is any matrix with RᵀR = [X, Y]ᵀ[X, Y], typically the
        triangular factor of ``numpy.linalg.qr(np.hstack([X, Y]), mode="r")`` (k = min(n,
        d_in + d_out)); ``n`` is the number of samples it summarises. Like the moments it does
        not grow with n, but it keeps the residual: ‖Y − XW‖_F² = ‖R_x W − R_y‖_F² is evaluated
        as a sum of squared residual entries, accurate to the conditioning of the data, where
        the moments lose everything below ε‖Y‖_F².
        """
        R = np.atleast_2d(as_finite_array(R, "R"))
        if R.ndim != 2 or R.shape[1] != model.d_in + model.d_out:
            raise ShapeError(f"R must have d_in + d_out = {model.d_in + model.d_out} columns "
                             f"(the R factor of [X, Y]), got shape {R.shape}")
        return cls._from_rows(model, R, n, loss, normalization)

    @classmethod
    def _from_rows(cls, model: Model, Z: np.ndarray, n: int, loss, normalization) -> "Objective":
        """An objective on pseudo-samples Z = [X̃, Ỹ] standing for ``n`` samples with ZᵀZ = [X, Y]ᵀ[X, Y]."""
        if get_loss(loss).name != "square" or not model.is_linear_in_inputs:
            raise ValueError("from_moments / from_r_factor need a model linear in its inputs and the square loss")
        if isinstance(n, bool) or int(n) != n or n < 1:
            raise ValueError(f"n must be a positive integer, got {n!r}")
        if Z.shape[0] == 0:
            Z = np.zeros((1, model.d_in + model.d_out))
        obj = cls(model, Z[:, :model.d_in], Z[:, model.d_in:], loss, normalization, compress=False)
        obj.n = int(n)
        obj.factor = _normalization(normalization, obj.n)
        return obj

    # -- data views -----------------------------------------------------------------
    def _require_numeric(self, what: str):
        if self.is_symbolic:
            raise SymbolicDataError(f"{what} needs numeric data; this objective's data are SymPy "
                                    "symbols (use the symbolic expressions, or pass NumPy arrays)")

    @cached_property
    def sufficient_statistics(self) -> dict[str, np.ndarray]:
        """Σ_xx = XᵀX, Σ_xy = XᵀY, Σ_yy = YᵀY (rows are samples)."""
        self._require_numeric("sufficient_statistics")
        return {"Sxx": self.X.T @ self.X, "Sxy": self.X.T @ self.y, "Syy": self.y.T @ self.y}

    @cached_property
    def kernel_data(self) -> tuple[np.ndarray, np.ndarray]:
        """The (X, Y) rows the kernels sum over: the samples, or their pseudo-samples."""
        self._require_numeric("compile")
        k = self.model.d_in + self.model.d_out
        compressible = self.loss.name == "square" and self.model.is_linear_in_inputs
        if self._compress is True and not compressible:
            raise ValueError("compress=True needs a model linear in its inputs and the square loss")
        if compressible and (self._compress is True or (self._compress == "auto" and self.n > k)):
            R = np.linalg.qr(np.hstack([self.X, self.y]), mode="r")
            return R[:, :self.model.d_in].copy(), R[:, self.model.d_in:].copy()
        return self.X, self.y

    @property
    def lower_bound(self) -> float | None:
        """A number L(θ) can never go below, when the loss provides one (0 for square loss)."""
        return self.loss.lower_bound

    # -- compiled evaluators -----------------------------------------------------------
    def compile(self, backend: str = "auto", **options):
        """Compile to a kernel (a :class:`symsaddle.Kernel`; its ``backend`` attribute says which).

        * ``"structured"`` — layer-structured NumPy kernel (:mod:`symsaddle._structured`): the
          chain rule over the model's layers from per-layer symbolic pieces; needs a layered
          model (``two_layer``, ``mlp``, ``deep_linear``); options ``memory_budget`` (bytes,
          default 1 GB) and ``chunk_elements``;
        * ``"per-sample"`` (alias ``"numpy"``) — NumPy kernel lambdified from the per-sample
          symbolic derivatives of the whole model (any model; its build cost grows quickly with
          depth); same options;
        * ``"mpmath"`` — the same per-sample expressions at ``dps`` digits (default 50);
        * ``"jax"`` — JAX jit + vmap of the per-sample pieces (optional extra);
        * ``"auto"`` (default) — ``"structured"`` for layered models, else ``"per-sample"``.

        Backends are registered in ``symsaddle._backends``.
        """
        from ._backends import compile_objective
        self._require_numeric("compile")
        if backend == "auto":
            backend = "structured" if self.model.layers is not None else "per-sample"
        return compile_objective(self, backend, **options)

    # -- whole-objective symbolic expressions (small n) ------------------------------------
    def _rows(self) -> list[dict[sp.Symbol, sp.Expr]]:
        rows = []
        for i in range(self.X.shape[0]):  # the rows (pseudo-samples for from_moments), not n
            if self.is_symbolic:
                xi, yi = list(self.X.row(i)), list(self.y.row(i))
            else:
                xi = [sp.Rational(float(v)) for v in self.X[i]]
                yi = [sp.Rational(float(v)) for v in self.y[i]]
            rows.append(dict(zip(self.model.inputs + self.sample.labels, xi + yi)))
        return rows

    def _summed(self, expr):
        return self.factor * sp.Add(*(expr.xreplace(row) for row in self._rows()))

    @cached_property
    def expression(self) -> sp.Expr:
        """L(θ) with the sum over the n samples written out (small n only)."""
        return self._summed(self.sample.sample_loss)

    @cached_property
    def gradient(self) -> sp.Matrix:
        """∇L(θ) (P × 1)."""
        return sp.Matrix([self.expression]).jacobian(self.model.parameters).T

    @cached_property
    def hessian(self) -> sp.Matrix:
        """∇²L(θ) (P × P): :meth:`derive_hessian`."""
        return self.derive_hessian()

    def derive_hessian(self, on_row: Callable[[int, list[sp.Expr]], None] | None = None) -> sp.Matrix:
        """∇²L(θ) (P × P), kept as :attr:`hessian`: the entries ∂²L/∂θ_p∂θ_q with p ≤ q differentiated from the
        gradient, the others mirrored (formal partial derivatives commute), so half the P² differentiations of
        the Jacobian. ``on_row(p, entries)`` receives row p's entries q ≥ p as soon as they are derived (a
        progress report; an exception it raises stops the derivation, and nothing is kept)."""
        if "hessian" in self.__dict__:
            return self.__dict__["hessian"]
        theta, gradient = self.model.parameters, self.gradient
        H = sp.zeros(len(theta), len(theta))
        for p, g in enumerate(gradient):
            for q in range(p, len(theta)):
                H[p, q] = H[q, p] = sp.diff(g, theta[q])
            if on_row is not None:
                on_row(p, [H[p, q] for q in range(p, len(theta))])
        self.__dict__["hessian"] = H
        return H

    @property
    def flow(self) -> sp.Matrix:
        """The gradient-flow vector field −∇L(θ)."""
        return -self.gradient

    @property
    def flow_jacobian(self) -> sp.Matrix:
        """Jacobian of the flow, −∇²L(θ)."""
        return -self.hessian

    def directional(self, order: int) -> sp.Expr:
        """Dᵏ L(θ)[ξ, ..., ξ] from the line expansion, in θ and ξ = ``sample.directions``."""
        return self._summed(self.sample.directional(order))

    def third_derivatives(self) -> sp.Array:
        """The full third-order tensor ∂³L/∂θ_p∂θ_q∂θ_r (P × P × P; small models)."""
        P = self.model.n_parameters
        T = sp.MutableDenseNDimArray.zeros(P, P, P)
        for p, q, r, e in self.sample.third_entries:
            val = self._summed(e)
            for i, j, k in {(p, q, r), (p, r, q), (q, p, r), (q, r, p), (r, p, q), (r, q, p)}:
                T[i, j, k] = val
        return sp.ImmutableDenseNDimArray(T)

    def describe(self) -> dict[str, object]:
        c = self.factor
        return {"model": self.model.describe(), "loss": self.loss.name,
                "normalization": self.normalization, "factor": str(c), "n": self.n,
                "formula": rf"L(\theta) = {self._formula_latex()}"}

    def _formula_latex(self) -> str:
        """c Σ_{i=1}^n ℓ(f(x_i), y_i) in LaTeX, without a factor c = 1 and, for n = 1, without the sum (the
        one sample written x, y, as :meth:`symbolic` names it)."""
        factor = "" if self.factor == 1 else f"{sp.latex(self.factor)} "
        if self.n == 1:
            return factor + re.sub(r"(?<![A-Za-z\\])([xy])_i\b", r"\1", self.loss.latex)
        return rf"{factor}\sum_{{i=1}}^{{{self.n}}} {self.loss.latex}"

    def __repr__(self) -> str:
        return (f"Objective(model={self.model.name}, P={self.model.n_parameters}, n={self.n}, "
                f"loss={self.loss.name!r}, normalization={self.normalization!r})")
