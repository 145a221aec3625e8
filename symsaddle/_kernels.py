"""Per-sample NumPy and mpmath kernels compiled from the per-sample symbolic derivatives.

Per-sample NumPy kernels (``Objective.compile("per-sample")``; the default for models
given by expressions — layered models default to :mod:`symsaddle._structured`)
--------------------------------------------------------------------------------
The per-sample model pieces (outputs f_k, model Jacobian J_kp, non-zero model
Hessian entries ∂²f_k/∂θ_p∂θ_q) are lambdified once with ``cse=True``. Parameters
and data are passed as arrays: θ of shape (B, P) is fed as P columns of shape
(B, 1) and the samples as d_in rows of shape (1, n), so every expression is
evaluated on a (B, n) grid in one call. The sum over samples is done in NumPy:

    L(θ)   = c Σ_i ℓ(f_i, y_i)
    ∇L(θ)  = c Σ_i J_iᵀ ℓ'_i
    ∇²L(θ) = c Σ_i [J_iᵀ ℓ''_i J_i + Σ_k ℓ'_ik ∇²f_ik]      (Jacobian of ∇L, product rule)

with the contractions over samples done as batched matrix products. The work is
split into chunks of (batch × sample) grid points whose size is derived from the
kernel's memory budget (default 1 GB), so memory stays bounded for any B and n. Directional derivatives Dᵏ L(θ)[u]ᵏ come
from the line expansion of the model, dʲ/dtʲ f(θ + t u)|₀, composed with the loss
(Faà di Bruno); third-derivative tensors from the loss-level Jacobian of the Hessian.

mpmath kernels (``Objective.compile("mpmath", dps=50)``)
-------------------------------------------------------
The loss-level expressions (sample loss, its gradient, the Hessian as the Jacobian
of that gradient, directional derivatives) are lambdified to mpmath and summed over
the raw samples at ``dps`` digits. They share no assembly code with the NumPy
kernels, which is what makes the cross-check meaningful.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Callable

import mpmath
import numpy as np
import sympy as sp
from sympy.printing.numpy import NumPyPrinter

from ._activations import MPMATH_FUNCTIONS, NUMPY_FUNCTIONS
from ._derivatives import LossDerivatives, SampleDerivatives, loss_derivatives
from ._losses import Loss
from .errors import ShapeError
from .protocol import (check_order, objective_kernel_repr, parameter_batch, parameter_rows, parameter_vector,
                       point_and_direction)

_NUMPY = [NUMPY_FUNCTIONS, "numpy"]
_MPMATH = [MPMATH_FUNCTIONS, "mpmath"]

#: Default memory budget of one kernel's work arrays, in bytes (issue 11: 1 GB).
DEFAULT_MEMORY_BUDGET = 1 << 30


def chunk_rows(memory_budget: int, bytes_per_row: int, chunk_elements: int | None = None) -> int:
    """Rows (batch × sample grid points) per chunk: as many as the budget holds, at least one.

    ``chunk_elements`` caps the count further (small chunks in tests; cache-sized chunks).
    """
    if not isinstance(memory_budget, (int, np.integer)) or memory_budget < 1:
        raise ValueError(f"memory_budget must be a positive number of bytes, got {memory_budget!r}")
    if chunk_elements is not None and chunk_elements < 1:
        raise ValueError("chunk_elements must be positive")
    rows = max(1, int(memory_budget) // max(1, int(bytes_per_row)))
    return rows if chunk_elements is None else min(rows, int(chunk_elements))


class _ProductPowerPrinter(NumPyPrinter):
    """NumPy code printer writing small integer powers of symbols as products: x**3 → (x*x*x).

    NumPy evaluates ``x**3`` with the general ``pow`` (tens of ns per element), ``x*x*x`` with
    two multiplications; the value is the same up to rounding. :func:`_cse_power_bases` makes
    every such base a symbol first, so no subexpression is printed (and evaluated) twice.
    """

    def _print_Pow(self, expr, rational=False):
        base, exp = expr.as_base_exp()
        if base.is_Symbol and exp.is_Integer and 2 <= abs(int(exp)) <= 8:
            product = "(" + "*".join([self._print(base)] * abs(int(exp))) + ")"
            return product if exp > 0 else f"(1/{product})"
        return super()._print_Pow(expr, rational=rational)


def _is_small_power(e) -> bool:
    return e.is_Pow and e.exp.is_Integer and 2 <= abs(int(e.exp)) <= 8 and not e.base.is_Symbol


def _cse_power_bases(exprs):
    """``sympy.cse``, then every base of a small integer power as its own common subexpression."""
    replacements, reduced = sp.cse(exprs)
    names = sp.numbered_symbols("_pb")
    out = []

    def lift(e):
        bases = {p.base for p in e.atoms(sp.Pow) if _is_small_power(p)}
        if not bases:
            return e
        mapping = {}
        for b in sorted(bases, key=sp.count_ops):
            b2 = b.xreplace(mapping)
            sym = next(names)
            out.append((sym, b2))
            mapping[b] = sym
        return e.xreplace(mapping)

    for sym, e in replacements:
        e = lift(e)
        out.append((sym, e))
    reduced = [lift(e) for e in reduced]
    return out, reduced


def _numpy_printer() -> NumPyPrinter:
    return _ProductPowerPrinter({"fully_qualified_modules": False, "inline": True,
                                 "allow_unknown_functions": True, "user_functions": {}})


def _lambdify(args, exprs, modules) -> Callable:
    if modules is _NUMPY:
        return sp.lambdify(args, list(exprs), modules=modules, cse=_cse_power_bases,
                           printer=_numpy_printer())
    return sp.lambdify(args, list(exprs), modules=modules, cse=True)


def numpy_function(args, exprs) -> Callable:
    """``exprs`` lambdified to NumPy with ``cse`` and the custom activation functions."""
    return _lambdify(args, exprs, _NUMPY)


class NumpyLoss:
    """ℓ, ∂ℓ/∂f, ∂²ℓ/∂f² and the Taylor-line composition of one loss, lambdified to NumPy.

    Shared by the per-sample and the layer-structured kernels. Every function takes the
    outputs and labels as lists of d_out arrays (one per output unit) and returns a list.
    """

    def __init__(self, pieces: LossDerivatives):
        self.pieces = pieces
        self.d_out = pieces.d_out
        f, y = list(pieces.output_symbols), list(pieces.labels)
        self._args = (f, y)
        self.value = _lambdify([f, y], [pieces.loss_of_outputs], _NUMPY)
        self.first = _lambdify([f, y], pieces.loss_first, _NUMPY)
        self.second_diagonal = pieces.loss_second_is_diagonal
        second = ([pieces.loss_second[k, k] for k in range(self.d_out)] if self.second_diagonal
                  else list(pieces.loss_second))
        self.second = _lambdify([f, y], second, _NUMPY)
        #: ∂²ℓ/∂f² is a constant (e.g. 1 for the square loss): its value, else None
        self.second_constant = (tuple(float(e) for e in second) if all(e.is_number for e in second)
                                else None)
        self._compose: dict[int, Callable] = {}
        one = pieces.per_output
        #: for ℓ(f, y) = Σ_k ℓ₁(f_k, y_k): the NumPy pieces of ℓ₁, applied element-wise to arrays
        #: of outputs (…, d_out) and labels; None for a loss that does not split over outputs
        self.per_output = None if one is None else (self if one is pieces else numpy_loss(one.loss, 1))

    def compose(self, order: int) -> Callable:
        """(f, c, y) ↦ [dᵏ/dtᵏ ℓ(f + Σ_j c_j tʲ/j!, y)|₀], c flattened as c[j - 1][k]."""
        if order not in self._compose:
            coeffs, expr = self.pieces.loss_line_composition(order)
            f, y = self._args
            self._compose[order] = _lambdify([f, [c for lv in coeffs for c in lv], y], [expr], _NUMPY)
        return self._compose[order]


@lru_cache(maxsize=None)
def numpy_loss(loss: Loss, d_out: int) -> NumpyLoss:
    """The (cached) NumPy loss pieces of one loss and output dimension."""
    return NumpyLoss(loss_derivatives(loss, d_out))


class CompiledModel:
    """Data-free NumPy functions for one (model, loss) pair; shared by all kernels."""

    def __init__(self, sd: SampleDerivatives):
        self.sd = sd
        model = sd.model
        self.P, self.d_out = model.n_parameters, model.d_out
        theta, x, y = list(sd.parameters), list(sd.inputs), list(sd.labels)
        self._args = (theta, x, y)
        J = sd.model_jacobian
        self.jac_index = np.array([(k, p) for k in range(self.d_out) for p in range(self.P)
                                   if J[k, p] != 0], dtype=int).reshape(-1, 2)
        jac_exprs = [J[k, p] for k, p in self.jac_index]
        h2 = sd.model_hessian_entries
        self.h2_index = np.array([(k, p, q) for k, p, q, _ in h2], dtype=int).reshape(-1, 3)
        outputs = list(model.outputs)
        self.outputs_fn = model.output_function
        self.jacobian_fn = _lambdify([theta, x], outputs + jac_exprs, _NUMPY)
        self.hessian_fn = _lambdify([theta, x], outputs + jac_exprs + [e for *_, e in h2], _NUMPY)
        loss = numpy_loss(sd.loss, self.d_out)
        self.loss_fn, self.loss_first_fn, self.loss_second_fn = loss.value, loss.first, loss.second
        self.second_diagonal = loss.second_diagonal
        self._loss = loss
        self._directional: dict[int, tuple[Callable, Callable]] = {}
        self._third: tuple[np.ndarray, Callable] | None = None

    def directional_fns(self, order: int) -> tuple[Callable, Callable]:
        """(line, compose): the model's line derivatives, and the loss composed with them."""
        if order not in self._directional:
            theta, x, y = self._args
            line = [e for level in self.sd.model_line_derivatives(order) for e in level]
            line_fn = _lambdify([theta, list(self.sd.directions), x], list(self.sd.model.outputs) + line, _NUMPY)
            self._directional[order] = (line_fn, self._loss.compose(order))
        return self._directional[order]

    def third_fn(self) -> tuple[np.ndarray, Callable]:
        if self._third is None:
            entries = self.sd.third_entries
            index = np.array([(p, q, r) for p, q, r, _ in entries], dtype=int).reshape(-1, 3)
            theta, x, y = self._args
            self._third = (index, _lambdify([theta, x, y], [e for *_, e in entries], _NUMPY))
        return self._third


_COMPILED: dict[int, CompiledModel] = {}


def compiled_model(sd: SampleDerivatives) -> CompiledModel:
    key = id(sd)  # SampleDerivatives objects are cached per (model, loss) and live forever
    if key not in _COMPILED:
        _COMPILED[key] = CompiledModel(sd)
    return _COMPILED[key]


class NumpyKernel:
    """Batched NumPy evaluation of L, ∇L, ∇²L, Dᵏ L and ∂³L from the per-sample expressions.

    Every method takes θ of shape (P,) or (B, P) and returns values of shape () or
    (B,), gradients (P,) or (B, P), Hessians (P, P) or (B, P, P). The work arrays of one
    chunk of (batch × sample) grid points stay under ``memory_budget`` bytes;
    ``chunk_elements`` caps the grid points per chunk further.
    """

    backend = "per-sample"

    def __repr__(self) -> str:
        return objective_kernel_repr(self)

    def __init__(self, objective, memory_budget: int = DEFAULT_MEMORY_BUDGET,
                 chunk_elements: int | None = None):
        self.objective = objective
        self.model = objective.model
        self.compiled = compiled_model(objective.sample)
        self.P = self.model.n_parameters
        X, Y = objective.kernel_data
        self._xs = np.ascontiguousarray(X.T[:, None, :])  # (d_in, 1, n)
        self._ys = np.ascontiguousarray(Y.T[:, None, :])  # (d_out, 1, n)
        self.n_rows = X.shape[0]
        self.factor = float(objective.factor)
        cm = self.compiled
        # per grid point: outputs, loss pieces, Jacobian and model-Hessian entries, the
        # per-output Jacobian copy and the stacked second-derivative entries (float64)
        per_point = 8 * (4 * self.model.d_out + 2 * len(cm.jac_index) + 2 * len(cm.h2_index)
                         + self.model.d_out * self.P + 8)
        self.memory_budget = memory_budget
        self.chunk_elements = chunk_rows(memory_budget, per_point, chunk_elements)

    # -- chunking -----------------------------------------------------------------------
    def _chunks(self, B: int):
        n = self.n_rows
        nc = min(n, self.chunk_elements)
        bc = max(1, self.chunk_elements // nc)
        for b0 in range(0, B, bc):
            for n0 in range(0, n, nc):
                yield slice(b0, min(B, b0 + bc)), slice(n0, min(n, n0 + nc))

    def _data(self, ns: slice):
        return self._xs[:, :, ns], self._ys[:, :, ns]

    @staticmethod
    def _grid(val, shape) -> np.ndarray:
        return np.broadcast_to(val, shape)

    # -- public API ---------------------------------------------------------------------
    def value(self, theta) -> np.ndarray:
        """L(θ)."""
        th, single = parameter_batch(theta, self.P)
        out = np.zeros(th.shape[0])
        cm = self.compiled
        for bs, ns in self._chunks(th.shape[0]):
            xs, ys = self._data(ns)
            f = cm.outputs_fn(th[bs].T[:, :, None], xs)
            shape = (bs.stop - bs.start, ns.stop - ns.start)
            out[bs] += self._grid(cm.loss_fn(f, ys)[0], shape).sum(axis=1)
        out *= self.factor
        return out[0] if single else out

    def gradient(self, theta) -> np.ndarray:
        """∇L(θ) = c Σ_i J_iᵀ ℓ'_i."""
        return self.value_and_gradient(theta)[1]

    def value_and_gradient(self, theta) -> tuple[np.ndarray, np.ndarray]:
        """(L(θ), ∇L(θ)) in one pass over the data."""
        th, single = parameter_batch(theta, self.P)
        B = th.shape[0]
        val, grad = np.zeros(B), np.zeros((B, self.P))
        cm = self.compiled
        nf = self.model.d_out
        for bs, ns in self._chunks(B):
            xs, ys = self._data(ns)
            shape = (bs.stop - bs.start, ns.stop - ns.start)
            pieces = cm.jacobian_fn(th[bs].T[:, :, None], xs)
            f, jac = pieces[:nf], pieces[nf:]
            val[bs] += self._grid(cm.loss_fn(f, ys)[0], shape).sum(axis=1)
            lp = [self._grid(v, shape) for v in cm.loss_first_fn(f, ys)]
            for (k, p), jv in zip(cm.jac_index, jac):
                grad[bs, p] += np.einsum("bn,bn->b", lp[k], self._grid(jv, shape))
        val *= self.factor
        grad *= self.factor
        return (val[0], grad[0]) if single else (val, grad)

    def hessian(self, theta) -> np.ndarray:
        """∇²L(θ) = c Σ_i [J_iᵀ ℓ''_i J_i + Σ_k ℓ'_ik ∇²f_ik]."""
        th, single = parameter_batch(theta, self.P)
        B, P, nf = th.shape[0], self.P, self.model.d_out
        cm = self.compiled
        H = np.zeros((B, P, P))
        h2k, h2p, h2q = cm.h2_index.T if len(cm.h2_index) else (np.zeros(0, int),) * 3
        for bs, ns in self._chunks(B):
            xs, ys = self._data(ns)
            bc, nc = bs.stop - bs.start, ns.stop - ns.start
            pieces = cm.hessian_fn(th[bs].T[:, :, None], xs)
            f = pieces[:nf]
            nj = len(cm.jac_index)
            jac, h2 = pieces[nf:nf + nj], pieces[nf + nj:]
            lp = [self._grid(v, (bc, nc)) for v in cm.loss_first_fn(f, ys)]
            lpp = cm.loss_second_fn(f, ys)
            # model Jacobian per output, laid out (P, bc, nc) so each entry is written contiguously
            Jk = np.zeros((nf, P, bc, nc))
            for (k, p), jv in zip(cm.jac_index, jac):
                Jk[k, p] = jv
            Hc = H[bs]
            if cm.second_diagonal:
                for k in range(nf):
                    w = self._grid(lpp[k], (bc, nc))
                    A = Jk[k].transpose(1, 0, 2)          # (bc, P, nc)
                    Hc += (A * w[:, None, :]) @ Jk[k].transpose(1, 2, 0)
            else:
                for k in range(nf):
                    for l in range(nf):
                        w = self._grid(lpp[k * nf + l], (bc, nc))
                        Hc += (Jk[k].transpose(1, 0, 2) * w[:, None, :]) @ Jk[l].transpose(1, 2, 0)
            if len(h2):
                S = np.empty((len(h2), bc, nc))
                for e, hv in enumerate(h2):
                    S[e] = hv
                # Σ_n ℓ'_k[b, n] · ∂²f_k[e][b, n], grouped by output k
                contrib = np.empty((bc, len(h2)))
                for k in range(nf):
                    sel = np.nonzero(h2k == k)[0]
                    if len(sel):
                        contrib[:, sel] = (lp[k][:, None, :] @ S[sel].transpose(1, 2, 0))[:, 0, :]
                flat = Hc.reshape(bc, P * P)
                np.add.at(flat, (slice(None), h2p * P + h2q), contrib)
                off = h2p != h2q
                np.add.at(flat, (slice(None), h2q[off] * P + h2p[off]), contrib[:, off])
        H *= self.factor
        return H[0] if single else H

    def directional(self, theta, u, order: int) -> np.ndarray:
        """Dᵏ L(θ)[u, ..., u] = dᵏ/dtᵏ L(θ + t u) at t = 0, for k = ``order`` ≤ 4.

        The line expansion is taken at the model level (dʲ/dtʲ f(θ + t u), j ≤ k) and
        composed with the loss by Faà di Bruno (``SampleDerivatives.loss_line_composition``).
        """
        order = check_order(order)
        th, uu, single = point_and_direction(theta, u, self.P)
        line_fn, compose_fn = self.compiled.directional_fns(int(order))
        nf = self.model.d_out
        out = np.zeros(th.shape[0])
        for bs, ns in self._chunks(th.shape[0]):
            xs, ys = self._data(ns)
            pieces = line_fn(th[bs].T[:, :, None], uu[bs].T[:, :, None], xs)
            v = compose_fn(pieces[:nf], pieces[nf:], ys)[0]
            out[bs] += self._grid(v, (bs.stop - bs.start, ns.stop - ns.start)).sum(axis=1)
        out *= self.factor
        return out[0] if single else out

    def third(self, theta) -> np.ndarray:
        """The third-derivative tensor ∂³L/∂θ_p∂θ_q∂θ_r, shape (P, P, P) or (B, P, P, P)."""
        th, single = parameter_batch(theta, self.P)
        index, fn = self.compiled.third_fn()
        B, P = th.shape[0], self.P
        vals = np.zeros((B, len(index)))
        for bs, ns in self._chunks(B):
            xs, ys = self._data(ns)
            shape = (bs.stop - bs.start, ns.stop - ns.start)
            for e, v in enumerate(fn(th[bs].T[:, :, None], xs, ys)):
                vals[bs, e] += self._grid(v, shape).sum(axis=1)
        T = np.zeros((B, P, P, P))
        for e, (p, q, r) in enumerate(index):
            for i, j, k in {(p, q, r), (p, r, q), (q, p, r), (q, r, p), (r, p, q), (r, q, p)}:
                T[:, i, j, k] = vals[:, e]
        T *= self.factor
        return T[0] if single else T

    def flow(self, theta) -> np.ndarray:
        """The gradient-flow vector field −∇L(θ)."""
        return -self.gradient(theta)

    def flow_jacobian(self, theta) -> np.ndarray:
        """Jacobian of the flow, −∇²L(θ)."""
        return -self.hessian(theta)


def compile_numpy(objective, memory_budget: int = DEFAULT_MEMORY_BUDGET,
                  chunk_elements: int | None = None) -> NumpyKernel:
    return NumpyKernel(objective, memory_budget, chunk_elements)


# ---------------------------------------------------------------------------------------
# mpmath


def _mp_data(objective) -> list[tuple[list, list]]:
    return [([mpmath.mpf(float(v)) for v in objective.X[i]], [mpmath.mpf(float(v)) for v in objective.y[i]])
            for i in range(objective.X.shape[0])]


def _mp_vector(values, P: int, name: str) -> list:
    """θ (or u) as P mpmath numbers, validated like every kernel's input (NaN/inf raise)."""
    return [_mp_number(v) for v in parameter_vector(values, P, name)]


def _mp_number(v):
    return v if isinstance(v, mpmath.mpf) else mpmath.mpf(float(v))


def _mp_rows(values, P: int, name: str) -> tuple[list[list], bool]:
    """θ (or u) of shape (P,) or (B, P) as rows of P mpmath numbers, and whether one vector was given."""
    rows, single = parameter_rows(values, P, name)
    return [[_mp_number(v) for v in row] for row in rows], single


@dataclass
class MpmathKernel:
    """High-precision evaluation (``dps`` digits) of the same symbolic objective.

    Values are mpmath numbers; gradients and Hessians are ``mpmath.matrix``.
    θ may be given as floats (converted exactly) or as mpmath numbers. Each quantity's
    expressions are derived and lambdified on first use (the value and ``line`` need
    only the sample loss, not its derivatives).
    """

    objective: object
    dps: int = 50
    backend = "mpmath"

    def __repr__(self) -> str:
        return objective_kernel_repr(self, dps=self.dps)

    def __post_init__(self):
        if isinstance(self.dps, bool) or not isinstance(self.dps, (int, np.integer)) or self.dps < 1:
            raise ValueError(f"dps (decimal digits of the mpmath kernel) must be an integer ≥ 1, got {self.dps!r}")
        self.dps = int(self.dps)
        sd = self.objective.sample
        self.P = sd.model.n_parameters
        self._args = [list(sd.parameters), list(sd.inputs), list(sd.labels)]
        self._gradient: Callable | None = None
        self._hessian: Callable | None = None
        self._directional: dict[int, Callable] = {}
        self._rows = _mp_data(self.objective)
        c = sp.Rational(self.objective.factor)
        self._factor_pq = (int(c.p), int(c.q))

    @cached_property
    def _value(self) -> Callable:
        return _lambdify(self._args, [self.objective.sample.sample_loss], _MPMATH)

    def _factor(self):
        p, q = self._factor_pq
        return mpmath.mpf(p) / q

    def _sum(self, fn, *prefix) -> list:
        total = None
        for x, y in self._rows:
            vals = fn(*prefix, x, y)
            total = vals if total is None else [a + b for a, b in zip(total, vals)]
        c = self._factor()
        return [c * v for v in total]

    def value(self, theta):
        """L(θ): an mpmath number, or a NumPy object array (B,) of them for a batch θ (B, P)."""
        rows, single = _mp_rows(theta, self.P, "theta")
        with mpmath.workdps(self.dps):
            values = [self._sum(self._value, th)[0] for th in rows]
        return values[0] if single else np.array(values, dtype=object)

    def gradient(self, theta):
        """∇L(θ): an ``mpmath.matrix`` (P × 1), or a NumPy object array (B, P) for a batch θ (B, P)."""
        rows, single = _mp_rows(theta, self.P, "theta")
        if self._gradient is None:
            self._gradient = _lambdify(self._args, list(self.objective.sample.gradient), _MPMATH)
        with mpmath.workdps(self.dps):
            grads = [self._sum(self._gradient, th) for th in rows]
        return mpmath.matrix(grads[0]) if single else np.array(grads, dtype=object)

    def hessian(self, theta):
        """∇²L(θ): an ``mpmath.matrix`` (P × P), or a NumPy object array (B, P, P) for a batch θ (B, P)."""
        rows, single = _mp_rows(theta, self.P, "theta")
        if self._hessian is None:
            H = self.objective.sample.hessian
            self._upper = [(p, q) for p in range(self.P) for q in range(p, self.P)]
            self._hessian = _lambdify(self._args, [H[p, q] for p, q in self._upper], _MPMATH)
        hessians = []
        with mpmath.workdps(self.dps):
            for th in rows:
                M = mpmath.matrix(self.P, self.P)
                for (p, q), v in zip(self._upper, self._sum(self._hessian, th)):
                    M[p, q] = M[q, p] = v
                hessians.append(M)
        return hessians[0] if single else np.array([M.tolist() for M in hessians], dtype=object)

    def directional(self, theta, u, order: int):
        """Dᵏ L(θ)[u, …, u] for k = ``order`` ≤ 4; θ and u of shape (P,) or (B, P), broadcast against
        each other (an object array (B,) of mpmath numbers when either is a batch)."""
        order = check_order(order)
        ths, th_single = _mp_rows(theta, self.P, "theta")
        us, u_single = _mp_rows(u, self.P, "u")
        if len(ths) != len(us) and min(len(ths), len(us)) != 1:
            raise ShapeError(f"u has batch size {len(us)} but theta has {len(ths)}")
        B = max(len(ths), len(us))
        sd = self.objective.sample
        if order not in self._directional:
            expr = sd.directional(order)
            self._directional[order] = _lambdify(
                [self._args[0], list(sd.directions)] + self._args[1:], [expr], _MPMATH)
        with mpmath.workdps(self.dps):
            values = [self._sum(self._directional[order], ths[b % len(ths)], us[b % len(us)])[0]
                      for b in range(B)]
        return values[0] if th_single and u_single else np.array(values, dtype=object)

    def line(self, theta, u) -> Callable:
        """t ↦ L(θ + t u) in mpmath (for high-precision numerical differentiation)."""
        th = _mp_vector(theta, self.P, "theta")
        uu = _mp_vector(u, self.P, "u")

        def along(t):
            return self._sum(self._value, [a + t * b for a, b in zip(th, uu)])[0]
        return along


def compile_mpmath(objective, dps: int = 50) -> MpmathKernel:
    return MpmathKernel(objective, dps)
