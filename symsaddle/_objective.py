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

from functools import cached_property

import numpy as np
import sympy as sp

from ._derivatives import SampleDerivatives
from ._losses import Loss, get_loss
from .errors import NonFiniteDataError, ShapeError, SymbolicDataError
from .models import Model

_DERIVATIVE_CACHE: dict[tuple[Model, Loss], SampleDerivatives] = {}


def sample_derivatives(model: Model, loss: Loss) -> SampleDerivatives:
    """The (cached) per-sample derivatives of a model and loss."""
    key = (model, loss)
    if key not in _DERIVATIVE_CACHE:
        _DERIVATIVE_CACHE[key] = SampleDerivatives(model, loss)
    return _DERIVATIVE_CACHE[key]


def as_finite_array(a, name: str) -> np.ndarray:
    """``a`` as a float array; an error names ``name`` if it is not numeric, complex or holds NaN/inf."""
    if np.iscomplexobj(a):
        raise TypeError(f"{name} is complex; the losses are defined for real numbers (pass {name}.real if the "
                        "imaginary part is zero)")
    try:
        arr = np.asarray(a, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be numeric, got {type(a).__name__}: {exc}") from None
    if not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))[0].tolist()
        raise NonFiniteDataError(f"{name} contains NaN or inf (first at index {bad})")
    return arr


def _check_data(model: Model, X, y) -> tuple[np.ndarray, np.ndarray]:
    X = as_finite_array(X, "X")
    y = as_finite_array(y, "y")
    if X.ndim != 2 or X.shape[1] != model.d_in:
        raise ShapeError(f"X must have shape (n, d_in) = (n, {model.d_in}), one row per sample; "
                         f"got {X.shape}")
    if model.d_out == 1 and y.ndim == 1:
        y = y[:, None]
    if y.ndim != 2 or y.shape[1] != model.d_out:
        raise ShapeError(f"y must have shape (n,) or (n, {model.d_out}); got {y.shape}")
    if X.shape[0] != y.shape[0]:
        raise ShapeError(f"X and y have mismatched lengths: {X.shape[0]} samples in X, "
                         f"{y.shape[0]} in y")
    if X.shape[0] == 0:
        raise ShapeError("the data set is empty")
    return X, y


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
    """Rows z̃_j with Σ_j z̃_j z̃_jᵀ = M for a symmetric PSD moment matrix M."""
    M = np.asarray(moments, dtype=float)
    if M.ndim != 2 or M.shape[0] != M.shape[1]:
        raise ShapeError(f"moment matrix must be square, got {M.shape}")
    if not np.allclose(M, M.T, rtol=1e-12, atol=0):
        raise ValueError("moment matrix is not symmetric")
    w, V = np.linalg.eigh((M + M.T) / 2)
    scale = max(float(np.max(np.abs(w))), np.finfo(float).tiny)
    if np.min(w) < -tol * scale * M.shape[0]:
        raise ValueError(f"moment matrix is not positive semi-definite (eigenvalue {np.min(w):.3e})")
    keep = w > tol * scale
    return (V[:, keep] * np.sqrt(w[keep])).T


class Objective:
    """L(θ) = c · Σ_{i=1}^n ℓ(f(x_i; θ), y_i), with the model, loss and data kept apart.

    Parameters
    ----------
    model: a :class:`~symsaddle.models.Model`.
    X: inputs, shape (n, d_in), one row per sample (NumPy), or a SymPy Matrix.
    y: labels, shape (n,) or (n, d_out) (NumPy), or a SymPy Matrix.
    loss: ``"square"`` (½‖f − y‖²), ``"logistic"`` or ``"linear"`` (y·f).
    normalization: ``"mean"`` (c = 1/n, the default), ``"sum"`` (c = 1) or a number c > 0.
    compress: for models linear in x under square loss the loss depends on the data
        only through the moments Σ_zz = Zᵀ Z of z = (x, y) (sufficient statistics);
        with ``"auto"`` the kernels then run on k ≤ d_in + d_out pseudo-samples z̃
        with Σ_j z̃_j z̃_jᵀ = Σ_zz (from a QR factorisation), so their cost does not
        depend on n. ``False`` keeps the raw samples.
    """

    def __init__(self, model: Model, X, y, loss: str | Loss = "square",
                 normalization: str | float = "mean", *, compress: str | bool = "auto"):
        self.model = model
        self.loss = get_loss(loss)
        self.normalization = normalization
        self.sample = sample_derivatives(model, self.loss)
        if isinstance(X, sp.MatrixBase) or isinstance(y, sp.MatrixBase):
            self._init_symbolic(X, y)
        else:
            self.X, self.y = _check_data(model, X, y)
            self.n = self.X.shape[0]
            self.is_symbolic = False
        self.factor = _normalization(normalization, self.n)
        if compress not in ("auto", True, False):
            raise ValueError(f"compress must be 'auto', True or False, got {compress!r}")
        self._compress = compress

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
        """Objective of a model linear in x under square loss, from Σ_xx = XᵀX, Σ_xy = XᵀY, Σ_yy = YᵀY."""
        Sxx, Sxy, Syy = (np.atleast_2d(as_finite_array(a, name)) for a, name in
                         ((Sxx, "Sxx"), (Sxy, "Sxy"), (Syy, "Syy")))
        if Sxy.shape != (model.d_in, model.d_out):
            Sxy = Sxy.reshape(model.d_in, model.d_out) if Sxy.size == model.d_in * model.d_out else Sxy
        M = np.block([[Sxx, Sxy], [Sxy.T, Syy]])
        if M.shape != (model.d_in + model.d_out,) * 2:
            raise ShapeError(f"moments do not match d_in={model.d_in}, d_out={model.d_out}: "
                             f"Sxx {Sxx.shape}, Sxy {Sxy.shape}, Syy {Syy.shape}")
        if get_loss(loss).name != "square" or not model.is_linear_in_inputs:
            raise ValueError("from_moments needs a model linear in its inputs and the square loss")
        Z = pseudo_samples_from_moments(M)
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
    def compile(self, backend: str = "numpy", **options):
        """Compile to a kernel: ``"numpy"`` (batched, fast), ``"mpmath"`` (``dps=50``) or
        ``"jax"`` (optional extra); backends are registered in ``symsaddle._backends``."""
        from ._backends import compile_objective
        self._require_numeric("compile")
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
        """∇²L(θ), the Jacobian of the gradient (P × P)."""
        return self.gradient.jacobian(self.model.parameters)

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
                "formula": rf"L(\theta) = {sp.latex(c)} \sum_{{i=1}}^{{{self.n}}} {self.loss.latex}"}

    def __repr__(self) -> str:
        return (f"Objective(model={self.model.name}, P={self.model.n_parameters}, n={self.n}, "
                f"loss={self.loss.name!r}, normalization={self.normalization!r})")
