"""Layer-structured NumPy kernels: the chain rule over a model's :class:`~symsaddle.models.Dense` layers.

SymPy derives only what is exact and small — each activation's derivatives σ, σ′, …, σ⁽⁴⁾
(:meth:`Activation.derivative_expressions`, lambdified here with ``cse`` and integer powers as
products), the loss and its derivatives in the outputs (:class:`~symsaddle._kernels.NumpyLoss`)
— and this module composes them as batched NumPy
contractions, so the cost of building a kernel does not grow with the network, and the cost
of evaluating it grows like the network's own arithmetic. The whole-network per-sample
expression is never built here; the per-sample path (``Objective.compile("per-sample")``)
stays the cross-check reference.

Notation (one sample; layers l = 1..L)
--------------------------------------
    z_l = W_l h_{l-1} + b_l,    h_l = σ_l(z_l)  (h_l = z_l for a linear layer),    h_0 = x,
    L(θ) = c Σ_i ℓ(h_L(x_i), y_i),    ĥ = (h, 1) (the bias column).

* **Gradient** (reverse sweep): g_L = ∂ℓ/∂h_L, δ_l = g_l ⊙ σ'_l(z_l), g_{l-1} = W_lᵀ δ_l,
  ∇_{W_l} ℓ = δ_l h_{l-1}ᵀ, ∇_{b_l} ℓ = δ_l.
* **Hessian** (exact block formula, the second-order chain rule over the computational graph):

      ∇²ℓ = J_fᵀ ℓ'' J_f + Σ_l J_lᵀ diag(g_l ⊙ σ''_l) J_l + Σ_{l≥2} (E_l + E_lᵀ),

  with J_l = ∂z_l/∂θ, J_f = ∂h_L/∂θ and E_l[(W_l)_{ab}, ·] = δ_{l,a} σ'_{l-1,b} J_{l-1}[b, ·]
  (the bilinear node z_l = W_l h_{l-1}). The Gauss–Newton term J_fᵀℓ''J_f is one BLAS ``syrk``
  per θ (for ℓ'' ≥ 0; a general product otherwise) over the explicit output Jacobian
  J_f[:, θ_l] = M_l ⊗ ĥ_{l-1}ᵀ (M_l = ∂h_L/∂z_l). The remaining curvature R is assembled block
  by block, for layers l ≥ m, as

      R[θ_l, θ_m] = Σ_i [ (K_l N_{l,m})[a, c] ĥ_{l-1,b} + δ_{l,a} σ'_{l-1,b} N_{l-1,m}[b, c] ] ĥ_{m-1,e}

  (indices: θ_l ∋ (a, b), θ_m ∋ (c, e); second term for l > m and weight columns b only), where
  N_{l,m} = ∂z_l/∂z_m (N_{l,l} = I, N_{l,m} = W_l diag(σ'_{l-1}) N_{l-1,m}) and K_l is the
  curvature of the outputs' residual part propagated back to z_l:
  K_L = diag(g_L σ''_L), K_l = diag(g_l σ''_l) + diag(σ'_l) W_{l+1}ᵀ K_{l+1} W_{l+1} diag(σ'_l).
  Identity and diagonal factors are kept as such (a two-layer net's R is block diagonal per
  neuron plus one coupling row), so the Hessian of a two-layer net costs one n × P² product;
  each sum over samples is one matrix product with the samples as the inner dimension, e.g.
  Σ_i Q_i[a, c] (ĥ_{l-1} ⊗ ĥ_{m-1})_i[b, e].
* **Hessian-vector products** ∇²L v by forward-over-reverse (the reverse sweep differentiated
  along θ + t v), an assembly independent of the block formula.
* **Directional derivatives** Dᵏ L[u]ᵏ, k ≤ 4 (Taylor mode): the line θ + t u is pushed through
  the layers as truncated Taylor series z_l(t) = Σ_j z_l^[j] tʲ; a product of series for
  W(t) h(t), and for σ(z(t)) the Taylor coefficients σ⁽ᵐ⁾(z^[0])/m! composed with the powers of
  z(t) − z^[0] (Faà di Bruno); the loss is composed with the output series by
  ``LossDerivatives.loss_line_composition``. The full third-order tensor (small P) follows from
  D³ by polarization.

Batching and memory: θ is a batch (B, P); the work is done in chunks of (θ × sample) pairs
whose size is derived from the kernel's ``memory_budget`` (default 1 GB) and capped at a
cache-sized chunk for the element-wise sweeps. Sums over samples accumulate across chunks.
Only array operations with array-API equivalents are used (``matmul``, broadcasting,
reductions), so a JAX backend can be generated from the same pieces.
"""

from __future__ import annotations

from functools import lru_cache
from math import factorial

import numpy as np
import sympy as sp
from scipy.linalg.blas import dsyrk

from ._activations import Activation, numpy_pieces
from ._kernels import DEFAULT_MEMORY_BUDGET, chunk_rows, numpy_loss
from .models import Dense, Model
from .protocol import check_order, objective_kernel_repr, parameter_batch, point_and_direction

#: Bytes of one work array (a chunk's samples × the widest layer) in the element-wise sweeps
#: (value, gradient, ∇²L·v, Dᵏ). Small enough that the allocator serves every temporary from
#: its heap (glibc maps arrays ≥ 128 kB afresh, and each first touch of a fresh page costs a
#: fault: measured 4× slower element-wise passes at 0.5 MB arrays) and that the passes run in
#: cache; large enough that the per-call overhead of NumPy (about 1 µs) stays small (measured on
#: the benchmark machine, paired rounds: 96 kB takes 0.73–0.92 of the time of 64 kB, 32 kB 1.2–1.4×).
SWEEP_ARRAY_BYTES = 96 << 10

#: Bytes of per-sample work arrays in one chunk of the Hessian (on top of its P × P temporaries),
#: whose matrix products want longer sample dimensions, and whose Python overhead per chunk wants
#: several θ per chunk at small P (measured with page-fault-free allocation: 16 MB 1.2–1.4× faster
#: than 4 MB; under glibc's default allocator the comparison flips with the process's heap state).
HESSIAN_CHUNK_BYTES = 16 << 20


class _Layer:
    """Numeric view of one :class:`Dense` layer: parameter slices, fixed weights, σ pieces."""

    def __init__(self, layer: Dense, slices: dict[str, slice]):
        self.d_out, self.d_in = layer.shape
        self.transposed = layer.transposed
        self.w = slices[layer.weight] if layer.weight is not None else None
        self.b = slices[layer.bias] if layer.bias is not None else None
        self.fixed = None if layer.fixed_weight is None else np.array(layer.fixed_weight, dtype=float)
        self.activation = None if layer.is_linear else layer.activation
        # own parameters on the grid (a, b̂): columns are the d_in weights (if trainable), then the bias
        cols = []
        if self.w is not None:
            a, b = np.meshgrid(np.arange(self.d_out), np.arange(self.d_in), indexing="ij")
            cols.append(self.w.start + (b * self.d_out + a if self.transposed else a * self.d_in + b))
        if self.b is not None:
            cols.append(self.b.start + np.arange(self.d_out)[:, None])
        self.index = np.concatenate(cols, axis=1) if cols else None   # (d_out, n_hat) flat θ indices
        self.n_hat = 0 if self.index is None else self.index.shape[1]

    def weight(self, th: np.ndarray) -> np.ndarray:
        """W_l, shape (Bc, d_out, d_in) (or (d_out, d_in) for a fixed weight)."""
        if self.w is None:
            return self.fixed
        block = th[:, self.w]
        if self.transposed:
            return block.reshape(-1, self.d_in, self.d_out).swapaxes(1, 2)
        return block.reshape(-1, self.d_out, self.d_in)

    def weight_direction(self, u: np.ndarray) -> np.ndarray | None:
        """The direction's part in W_l (``None`` for a fixed weight)."""
        return None if self.w is None else self.weight(u)

    def bias(self, th: np.ndarray) -> np.ndarray | None:
        return None if self.b is None else th[:, self.b]

    def derivatives(self, z: np.ndarray, order: int, taylor: bool = False) -> list[np.ndarray]:
        """[σ(z), σ'(z), …, σ⁽ᵒʳᵈᵉʳ⁾(z)] (divided by m! with ``taylor``), from the symbolic pieces."""
        return _activation_pieces(self.activation, order, taylor)(z)

    def pre_activation(self, h: np.ndarray, th: np.ndarray, batch: int) -> np.ndarray:
        """z = W h + b, shape (Bc, nc, d_out)."""
        z = np.matmul(h, self.weight(th).swapaxes(-1, -2))
        if z.ndim == 2:                       # fixed first layer: no batch axis yet
            z = np.broadcast_to(z, (batch,) + z.shape)
        b = self.bias(th)
        if b is not None:
            if z.flags.writeable:
                z += b[:, None, :]
            else:
                z = z + b[:, None, :]
        return z


@lru_cache(maxsize=None)
def _activation_pieces(activation: Activation, order: int, taylor: bool):
    """z ↦ [σ⁽ᵐ⁾(z) (/ m! with ``taylor``), m = 0..order]: ``Activation.derivative_expressions``
    evaluated by :func:`numpy_pieces` (one shared exponential, integer powers as products)."""
    exprs = activation.derivative_expressions(order)
    if taylor:
        exprs = [e / factorial(m) for m, e in enumerate(exprs)]
    return numpy_pieces(exprs)


@lru_cache(maxsize=None)
def _activation_arrays(activation: Activation | None, order: int) -> int:
    """Arrays of z's size alive while the pieces of order ``order`` are evaluated: the common
    subexpressions, the results and the custom NumPy functions' own temporaries (bounded by 8)."""
    if activation is None:
        return 0
    replacements, reduced = sp.cse(list(activation.derivative_expressions(order)))
    return len(replacements) + len(reduced) + 8


def _hat(h: np.ndarray, layer: _Layer) -> np.ndarray:
    """ĥ: the layer input with a column of ones for the bias, restricted to the layer's own columns."""
    parts = []
    if layer.w is not None:
        parts.append(h)
    if layer.b is not None:
        parts.append(np.ones(h.shape[:-1] + (1,)))
    return parts[0] if len(parts) == 1 else np.concatenate(parts, axis=-1)


def _bt(a: np.ndarray) -> np.ndarray:
    """Swap the last two axes."""
    return a.swapaxes(-1, -2)


class StructuredKernel:
    """Batched NumPy L, ∇L, ∇²L, ∇²L·v and Dᵏ L of a layered model, by the chain rule over layers.

    Same call conventions as every :class:`~symsaddle.protocol.Kernel`: θ of shape (P,) or
    (B, P). ``memory_budget`` (bytes, default 1 GB) bounds the work arrays of one chunk;
    ``chunk_elements`` caps the (θ × sample) pairs per chunk further.
    """

    backend = "structured"

    def __repr__(self) -> str:
        return objective_kernel_repr(self)

    def __init__(self, objective, memory_budget: int = DEFAULT_MEMORY_BUDGET,
                 chunk_elements: int | None = None):
        model: Model = objective.model
        if model.layers is None:
            raise ValueError(f"model {model.name!r} has no layer description; the structured "
                             "kernel needs a layered model (two_layer, mlp, deep_linear); use "
                             "compile('per-sample')")
        self.objective = objective
        self.model = model
        self.P = model.n_parameters
        slices = model.block_slices()
        self.layers = [_Layer(layer, slices) for layer in model.layers]
        self.loss = numpy_loss(objective.loss, model.d_out)
        X, Y = objective.kernel_data
        self._X = np.ascontiguousarray(X, dtype=float)       # (n, d_in)
        self._Y = np.ascontiguousarray(Y, dtype=float)       # (n, d_out)
        self.n_rows = self._X.shape[0]
        self.factor = float(objective.factor)
        chunk_rows(memory_budget, 1, chunk_elements)          # validates both
        self.memory_budget = int(memory_budget)
        self.chunk_elements = chunk_elements
        widths = [layer.d_out for layer in self.layers]
        self._width_sum = sum(widths) + model.d_in
        self._widest = max(widths + [model.d_in])
        self._hessian_row_bytes = self._hessian_bytes_per_row()
        self._sweep_bytes: dict[tuple[int, int], int] = {}

    def _sweep_bytes_per_row(self, arrays_per_unit: int, order: int) -> int:
        """Work memory per (θ, sample) of a sweep keeping ``arrays_per_unit`` arrays per unit of
        every layer, plus the activation pieces of ``order`` being evaluated in the widest layer."""
        key = (arrays_per_unit, order)
        if key not in self._sweep_bytes:
            pieces = max(_activation_arrays(layer.activation, order) * layer.d_out for layer in self.layers)
            self._sweep_bytes[key] = 8 * (arrays_per_unit * self._width_sum + pieces)
        return self._sweep_bytes[key]

    def _hessian_bytes_per_row(self) -> int:
        """Work memory of :meth:`hessian` per (θ, sample) pair, from the layer structure.

        J and its weighted copy (2 d_out P), per-layer vectors (h, σ', σ'', g, δ, ĥ: 8 Σ d), and
        the per-sample operands of the curvature blocks that occur: K_l (diagonal, or dense
        below a nonlinear layer), Q = K_l N_{l,m}, N and A = W diag(σ'), ĥ_{l-1} ⊗ ĥ_{m-1} (when
        K_l ≠ 0), δ_l ⊗ ĥ_{m-1} and σ' ⊗ N (the bilinear term).
        """
        layers = self.layers
        L = len(layers)
        curved = [any(m.activation is not None for m in layers[l:]) for l in range(L)]       # K_l ≠ 0
        dense = [any(m.activation is not None for m in layers[l + 1:]) for l in range(L)]    # K_l dense
        largest = 0
        for l, hi in enumerate(layers):
            for m in range(l + 1):
                lo = layers[m]
                k = 3 * hi.d_out ** 2 if dense[l] else 2 * hi.d_out
                q = hi.d_out * lo.d_out if curved[l] and (l > m or dense[l]) else 0
                hh = hi.n_hat * lo.n_hat if curved[l] else 0
                bilinear = hi.d_out * lo.n_hat + (3 * hi.d_in * lo.d_out if m < l - 1 else 0) \
                    if l > m and hi.w is not None else 0
                largest = max(largest, k + 2 * q + hh + bilinear)
        pieces = max(_activation_arrays(layer.activation, 2) * layer.d_out for layer in layers)
        return 8 * (2 * self.model.d_out * self.P + 8 * self._width_sum + max(largest, pieces))

    # -- chunking ------------------------------------------------------------------------------
    def _chunks(self, B: int, bytes_per_row: int, bytes_per_theta: int = 0, cap: int | None = None):
        """(θ slice, sample slice) pairs whose work arrays fit the memory budget.

        ``bytes_per_row``: work memory per (θ, sample) pair; ``bytes_per_theta``: per θ (e.g. the
        Hessian's P × P temporaries). Chunks are also kept under ``cap`` bytes when the budget
        allows (default: the rows of one :data:`SWEEP_ARRAY_BYTES` array of the widest layer).
        """
        if cap is None:
            cap = bytes_per_theta + bytes_per_row * max(1, SWEEP_ARRAY_BYTES // (8 * self._widest))
        need = bytes_per_theta + bytes_per_row
        if need > self.memory_budget:
            raise ValueError(f"memory_budget = {self.memory_budget} bytes cannot hold the work arrays "
                             f"of one θ and one sample (about {need} bytes); raise the budget")
        budget = max(min(self.memory_budget, cap), need)
        rows = chunk_rows(budget - bytes_per_theta, bytes_per_row, self.chunk_elements)
        n = self.n_rows
        if rows >= n:
            bc = max(1, min(B, budget // (n * bytes_per_row + bytes_per_theta)))
            if self.chunk_elements is not None:
                bc = max(1, min(bc, self.chunk_elements // n))
            nc = n
        else:
            bc, nc = 1, rows
        for b0 in range(0, B, bc):
            for n0 in range(0, n, nc):
                yield slice(b0, min(B, b0 + bc)), slice(n0, min(n, n0 + nc))

    def _labels(self, ns: slice) -> list[np.ndarray]:
        return [self._Y[ns, k] for k in range(self._Y.shape[1])]

    # -- forward and reverse sweeps ------------------------------------------------------------
    def _forward(self, th: np.ndarray, X: np.ndarray, order: int):
        """Outputs h_L and, per layer, (input h_{l-1}, [σ'(z_l), …, σ⁽ᵒʳᵈᵉʳ⁾(z_l)] or None)."""
        h, cache = X, []
        for layer in self.layers:
            z = layer.pre_activation(h, th, th.shape[0])
            if layer.activation is None:
                cache.append((h, None))
                h = z
            else:
                vals = layer.derivatives(z, order)
                cache.append((h, vals[1:]))
                h = vals[0]
        return h, cache

    # loss pieces on the outputs f (Bc, nc, d_out): element-wise when ℓ = Σ_k ℓ₁(f_k, y_k)
    def _per_output(self, fn, f: np.ndarray, ns: slice, *extra) -> np.ndarray:
        v = fn([f], *extra, [self._Y[ns]])[0]
        return v if getattr(v, "shape", None) == f.shape else np.broadcast_to(v, f.shape)

    def _per_unit(self, fn, f: np.ndarray, ns: slice, *extra) -> list[np.ndarray]:
        outs = [f[..., k] for k in range(f.shape[-1])]
        return [np.broadcast_to(v, f.shape[:-1]) for v in fn(outs, *extra, self._labels(ns))]

    def _loss_value(self, f: np.ndarray, ns: slice) -> np.ndarray:
        """Σ_i ℓ(f_i, y_i) per θ, shape (Bc,)."""
        el = self.loss.per_output
        if el is not None:
            return self._per_output(el.value, f, ns).sum(axis=(-2, -1))
        return self._per_unit(self.loss.value, f, ns)[0].sum(axis=-1)

    def _loss_first(self, f: np.ndarray, ns: slice) -> np.ndarray:
        """∂ℓ/∂f, shape (Bc, nc, d_out)."""
        el = self.loss.per_output
        if el is not None:
            return self._per_output(el.first, f, ns)
        return np.stack(self._per_unit(self.loss.first, f, ns), axis=-1)

    def _loss_second(self, f: np.ndarray, ns: slice) -> np.ndarray:
        """∂²ℓ/∂f²: its diagonal (Bc, nc, d_out) when diagonal, else (Bc, nc, d_out, d_out)."""
        el = self.loss.per_output
        if el is not None:
            return self._per_output(el.second, f, ns)
        vals = np.stack(self._per_unit(self.loss.second, f, ns), axis=-1)
        return vals if self.loss.second_diagonal else vals.reshape(f.shape + (f.shape[-1],))

    def _loss_line(self, series: list, ns: slice, order: int) -> np.ndarray:
        """Σ_i dᵏ/dtᵏ ℓ(f_i(t), y_i)|₀ per θ from the Taylor coefficients of the outputs."""
        f = series[0]
        coeff = [0.0 if series[j] is None else factorial(j) * series[j] for j in range(1, order + 1)]
        el = self.loss.per_output
        if el is not None:
            return self._per_output(el.compose(order), f, ns, coeff).sum(axis=(-2, -1))
        flat = [c if np.isscalar(c) else c[..., k] for c in coeff for k in range(f.shape[-1])]
        return self._per_unit(self.loss.compose(order), f, ns, flat)[0].sum(axis=-1)

    # -- public API ------------------------------------------------------------------------------
    def value(self, theta) -> np.ndarray:
        """L(θ) = c Σ_i ℓ(f(x_i; θ), y_i)."""
        th, single = parameter_batch(theta, self.P)
        out = np.zeros(th.shape[0])
        for bs, ns in self._chunks(th.shape[0], self._sweep_bytes_per_row(3, 0)):
            f, _ = self._forward(th[bs], self._X[ns], 0)
            out[bs] += self._loss_value(f, ns)
        out *= self.factor
        return out[0] if single else out

    def gradient(self, theta) -> np.ndarray:
        """∇L(θ) by the reverse sweep (module docstring)."""
        th, single = parameter_batch(theta, self.P)
        grad = self._sweep(th, None)
        return grad[0] if single else grad

    def value_and_gradient(self, theta) -> tuple[np.ndarray, np.ndarray]:
        """(L(θ), ∇L(θ)) in one forward and one reverse sweep."""
        th, single = parameter_batch(theta, self.P)
        val = np.zeros(th.shape[0])
        grad = self._sweep(th, val)
        return (val[0], grad[0]) if single else (val, grad)

    def _sweep(self, th: np.ndarray, val: np.ndarray | None) -> np.ndarray:
        """∇L for the batch θ (B, P); with ``val``, also accumulate L into it."""
        grad = np.zeros(th.shape)
        for bs, ns in self._chunks(th.shape[0], self._sweep_bytes_per_row(7, 1)):
            t = th[bs]
            f, cache = self._forward(t, self._X[ns], 1)
            if val is not None:
                val[bs] += self._loss_value(f, ns)
            self._backward(t, cache, self._loss_first(f, ns), grad[bs])
        grad *= self.factor
        if val is not None:
            val *= self.factor
        return grad

    def _backward(self, th: np.ndarray, cache, g: np.ndarray, out: np.ndarray) -> None:
        """Add Σ_i ∇_θ ℓ_i to ``out`` (Bc, P), given g = ∂ℓ/∂h_L."""
        layers = self.layers
        for l in range(len(layers) - 1, -1, -1):
            layer, (h, derivs) = layers[l], cache[l]
            delta = g if derivs is None else g * derivs[0]
            if layer.w is not None:
                gw = np.matmul(_bt(delta), h)                     # (Bc, d_out, d_in)
                out[:, layer.w] += (_bt(gw) if layer.transposed else gw).reshape(out.shape[0], -1)
            if layer.b is not None:
                out[:, layer.b] += _sample_sum(delta)
            if l == 1 and delta.shape[-1] == 1 and cache[0][1] is not None and layers[0].n_hat:
                # one output unit above the first layer: δ_1 = δ_2 w ⊙ σ'_1 is rank one per sample,
                # so ∇_{W_1} = w ⊙ σ'_1ᵀ(δ_2 ⊙ x) without forming δ_1 (two passes fewer)
                self._first_layer_rank_one(layer.weight(th), delta, cache[0], out)
                return
            if l:
                g = np.matmul(delta, layer.weight(th))            # ∂ℓ/∂h_{l-1}

    def _first_layer_rank_one(self, W_next: np.ndarray, delta: np.ndarray, cache0, out) -> None:
        first = self.layers[0]
        x, (s1, *_) = cache0
        parts = ([delta * x] if first.w is not None else []) + ([delta] if first.b is not None else [])
        rhs = parts[0] if len(parts) == 1 else np.concatenate(parts, axis=-1)   # (Bc, nc, n̂)
        w = W_next.reshape(-1, first.d_out)                                      # (Bc or 1, d_1)
        G = np.matmul(_bt(s1), rhs) * w[:, :, None]                              # (Bc, d_1, n̂)
        B = out.shape[0]
        if first.w is not None:
            gw = G[:, :, :first.d_in]
            out[:, first.w] += (_bt(gw) if first.transposed else gw).reshape(B, -1)
        if first.b is not None:
            out[:, first.b] += G[:, :, -1]

    def hessian(self, theta) -> np.ndarray:
        """∇²L(θ) by the exact block formula (module docstring)."""
        th, single = parameter_batch(theta, self.P)
        B, P = th.shape[0], self.P
        H = np.zeros((B, P, P))
        for bs, ns in self._chunks(B, self._hessian_row_bytes, 6 * 8 * P * P, cap=6 * 8 * P * P + HESSIAN_CHUNK_BYTES):
            self._hessian_chunk(th[bs], ns, H[bs])
        H *= self.factor
        return H[0] if single else H

    def _hessian_chunk(self, th: np.ndarray, ns: slice, H: np.ndarray) -> None:
        layers, L = self.layers, len(self.layers)
        Bc, P = th.shape[0], self.P
        f, cache = self._forward(th, self._X[ns], 2)
        shape = f.shape[:-1]
        d_out = f.shape[-1]
        s1 = [None if d is None else d[0] for _, d in cache]       # σ'(z_l)
        s2 = [None if d is None else d[1] for _, d in cache]       # σ''(z_l)
        hats = [_hat(h, layer) if layer.n_hat else None for (h, _), layer in zip(cache, layers)]
        weights = [layer.weight(th) for layer in self.layers]

        # reverse sweep: g_l = ∂ℓ/∂h_l, δ_l = ∂ℓ/∂z_l
        g = self._loss_first(f, ns)
        gs, deltas = [None] * L, [None] * L
        for l in range(L - 1, -1, -1):
            gs[l] = g
            deltas[l] = g if s1[l] is None else g * s1[l]
            if l:
                g = np.matmul(deltas[l], weights[l])

        # Gauss–Newton term J_fᵀ ℓ'' J_f over the explicit output Jacobian, laid out with the
        # samples last, Jt[b, p, k, i] = ∂f_k(x_i)/∂θ_p, so every write runs along the samples
        Jt = np.empty((Bc, P, d_out, shape[-1]))
        M = None                                          # ∂h_L/∂z_l, (Bc, nc, d_out, d_l)
        for l in range(L - 1, -1, -1):
            if M is None:
                M = np.broadcast_to(np.eye(d_out), shape + (d_out, d_out)) if s1[l] is None \
                    else s1[l][..., None, :] * np.eye(d_out)
            else:
                M = np.matmul(M, _per_sample(weights[l + 1]))
                if s1[l] is not None:
                    M *= s1[l][..., None, :]
            layer = layers[l]
            Mt = np.moveaxis(M, -3, -1).swapaxes(-3, -2)  # (Bc, d_l, d_out, nc)
            if layer.w is not None:                       # J_f[:, W_l] = M_l ⊗ h_{l-1}ᵀ
                d_in, d_l = layer.d_in, layer.d_out
                ht = np.moveaxis(cache[l][0], -2, -1)     # (…, d_in, nc)
                view = Jt[:, layer.w]
                if layer.transposed:
                    np.multiply(Mt[:, None], ht[..., :, None, None, :],
                                out=view.reshape((Bc, d_in, d_l, d_out, -1)))
                else:
                    np.multiply(Mt[:, :, None], ht[..., None, :, None, :],
                                out=view.reshape((Bc, d_l, d_in, d_out, -1)))
            if layer.b is not None:
                Jt[:, layer.b] = Mt
        self._gauss_newton(Jt, self._loss_second(f, ns), H)
        del Jt

        # residual curvature R, block by block (l ≥ m)
        K = None                        # ("diag", (Bc,nc,d)) or ("dense", (Bc,nc,d,d)) or None
        for l in range(L - 1, -1, -1):
            if l < L - 1:
                K = self._pull_back(K, weights[l + 1], s1[l])
            if s2[l] is not None:
                own = gs[l] * s2[l]
                K = ("diag", own) if K is None else (
                    ("diag", K[1] + own) if K[0] == "diag" else ("dense", K[1] + _diag(own)))
            if not layers[l].n_hat:
                continue
            N = None                    # N_{l-1,m} as m decreases (None = the identity)
            Q = K                       # K_l N_{l,m}
            for m in range(l, -1, -1):
                if m < l and (Q is not None or m < l - 1):
                    A = _scaled(weights[m + 1], s1[m], shape)          # ∂z_{m+1}/∂z_m per sample
                    if Q is not None:
                        Q = _times(Q, A)
                    if m < l - 1:
                        N = A if N is None else np.matmul(N, A)
                if layers[m].n_hat:
                    self._add_block(H, l, m, Q, N, deltas[l], s1[l - 1] if l else None,
                                    hats[l], hats[m], shape)

    def _gauss_newton(self, Jt: np.ndarray, second: np.ndarray, H: np.ndarray) -> None:
        """H += Σ_i J_iᵀ ℓ''_i J_i for the output Jacobian Jt[b, p, k, i] = ∂f_k(x_i)/∂θ_p."""
        Bc, P = Jt.shape[:2]
        J = Jt.reshape(Bc, P, -1)                              # columns: (output, sample) pairs
        if second.ndim == 4:                                   # ∂²ℓ/∂f² not diagonal
            weighted = np.einsum("bikl,bpli->bpki", second, Jt).reshape(Bc, P, -1)
            H += np.matmul(weighted, _bt(J))
            return
        constant = self.loss.second_constant
        if constant is not None and all(c == 0.0 for c in constant):
            return                                             # linear loss: no Gauss–Newton term
        if constant is None or any(c != 1.0 for c in constant):
            w = np.moveaxis(second, -1, -2).reshape(Bc, 1, -1)  # ℓ'' per (output, sample) column
            if not np.all(w >= 0):
                H += np.matmul(J * w, _bt(J))
                return
            J = J * np.sqrt(w)
        G = np.empty((Bc, P, P))                               # (√ℓ'' J)ᵀ(√ℓ'' J) by BLAS syrk
        for b in range(Bc):
            G[b] = dsyrk(1.0, J[b].T, trans=1)                 # upper triangle; J[b].T is Fortran-ordered
        H += G
        H += np.triu(G, 1).swapaxes(-1, -2)                   # the lower triangle, for the whole batch

    @staticmethod
    def _pull_back(K, W_next: np.ndarray, s: np.ndarray | None):
        """diag(σ'_l) W_{l+1}ᵀ K_{l+1} W_{l+1} diag(σ'_l), or None when K_{l+1} = 0."""
        if K is None:
            return None
        kind, k = K
        if kind == "diag":                                     # Σ_k k_k W[k, a] W[k, b]: one product
            d_next, d_l = W_next.shape[-2:]
            WW = (W_next[..., :, :, None] * W_next[..., :, None, :]).reshape(W_next.shape[:-2] + (d_next, d_l * d_l))
            inner = np.matmul(k, WW).reshape(k.shape[:-1] + (d_l, d_l))
        else:
            Wb = _per_sample(W_next)
            inner = np.matmul(_bt(Wb), np.matmul(k, Wb))
        if s is not None:
            inner *= s[..., :, None]
            inner *= s[..., None, :]
        return ("dense", inner)

    def _add_block(self, H, l, m, Q, N, delta, s_prev, hat_l, hat_m, shape) -> None:
        """Add R[θ_l, θ_m] (and its transpose for l ≠ m) to H (module docstring).

        ``Q`` = K_l N_{l,m} (None for 0), ``N`` = N_{l-1,m} (None for the identity, m = l − 1),
        ``delta`` = δ_l, ``s_prev`` = σ'(z_{l-1}) (None for a linear layer). Every sum over the
        samples is one matrix product with the samples as the inner dimension.
        """
        layer, lower = self.layers[l], self.layers[m]
        Bc = H.shape[0]
        nl, nm, dl, dm = layer.n_hat, lower.n_hat, layer.d_out, lower.d_out

        blk = None                                             # (Bc, dl, nl, dm, nm)
        if Q is not None:
            hh = _outer_rows(hat_l, hat_m)                     # ĥ_{l-1} ⊗ ĥ_{m-1} per sample
            if Q[0] == "diag":                                 # l == m, K_l diagonal: block diagonal in a
                T = np.matmul(_bt(Q[1]), hh).reshape(Bc, dl, nl, nm)
                H[:, layer.index[:, :, None], layer.index[:, None, :]] += T
            else:
                T = np.matmul(_bt(_rows(Q[1], 2)), hh)
                blk = T.reshape(Bc, dl, dm, nl, nm).transpose(0, 1, 3, 2, 4)
        if l > m and layer.w is not None:
            d_in = layer.d_in
            V = _outer_rows(delta, hat_m)                      # δ_l ⊗ ĥ_{m-1} per sample
            if N is None:                                      # E term, N = I: entries (a, b; b, e)
                if s_prev is None:
                    T2 = np.broadcast_to(V.sum(axis=-2)[:, None, :], (Bc, d_in, dl * nm))
                else:
                    T2 = np.matmul(_bt(s_prev), V)
                T2 = T2.reshape(Bc, d_in, dl, nm).transpose(0, 2, 1, 3)          # (a, b, e)
                rows, cols = layer.index[:, :d_in, None], lower.index[None, :, :]
                H[:, rows, cols] += T2
                H[:, cols, rows] += T2
            else:
                U = N if s_prev is None else N * s_prev[..., :, None]            # σ'_b N[b, c]
                T2 = np.matmul(_bt(_rows(U, 2)), V)
                T2 = T2.reshape(Bc, d_in, dm, dl, nm).transpose(0, 3, 1, 2, 4)  # (a, b, c, e)
                if blk is None:
                    blk = np.zeros((Bc, dl, nl, dm, nm))
                else:
                    blk = np.ascontiguousarray(blk)
                blk[:, :, :d_in] += T2
        if blk is None:
            return
        blk = blk.reshape(Bc, dl * nl, dm * nm)
        rows, cols = layer.index.reshape(-1)[:, None], lower.index.reshape(-1)[None, :]
        H[:, rows, cols] += blk
        if l != m:
            H[:, cols.T, rows.T] += _bt(blk)

    def hessian_vector_product(self, theta, v) -> np.ndarray:
        """∇²L(θ) v by forward-over-reverse: the reverse sweep differentiated along θ + t v.

        Costs a few gradients and never forms the Hessian; θ and v broadcast like
        ``directional``'s θ and u. An assembly independent of :meth:`hessian`'s block formula.
        """
        th, vv, single = point_and_direction(theta, v, self.P)
        B = th.shape[0]
        out = np.zeros((B, self.P))
        for bs, ns in self._chunks(B, self._sweep_bytes_per_row(14, 2)):
            self._hvp_chunk(th[bs], vv[bs], ns, out[bs])
        out *= self.factor
        return out[0] if single else out

    def _hvp_chunk(self, th: np.ndarray, v: np.ndarray, ns: slice, out: np.ndarray) -> None:
        # forward sweep with tangents: (h, ḣ), and per layer (σ'(z), σ''(z) ż)
        h, dh, cache = self._X[ns], None, []
        for layer in self.layers:
            U, beta = layer.weight_direction(v), layer.bias(v)
            z = layer.pre_activation(h, th, th.shape[0])
            dz = [] if dh is None else [np.matmul(dh, _bt(layer.weight(th)))]
            if U is not None:
                dz.append(np.matmul(h, _bt(U)))
            if beta is not None:
                dz.append(np.broadcast_to(beta[:, None, :], z.shape))
            dz = sum(dz[1:], dz[0]) if dz else np.zeros(z.shape)
            if layer.activation is None:
                cache.append((h, dh, None, None))
                h, dh = z, dz
            else:
                s0, s1, s2 = layer.derivatives(z, 2)
                cache.append((h, dh, s1, s2 * dz))
                h, dh = s0, s1 * dz
        # loss: g = ∂ℓ/∂f and its tangent ℓ'' ḟ
        g = self._loss_first(h, ns)
        second = self._loss_second(h, ns)
        dg = second * dh if second.ndim == 3 else np.matmul(second, dh[..., None])[..., 0]
        # reverse sweep with tangents
        for l in range(len(self.layers) - 1, -1, -1):
            layer, (h, dh, s1, ds1) = self.layers[l], cache[l]
            if s1 is None:
                delta, ddelta = g, dg
            else:
                delta, ddelta = g * s1, dg * s1 + g * ds1
            if layer.w is not None:
                dgw = np.matmul(_bt(ddelta), h)
                if dh is not None:
                    dgw = dgw + np.matmul(_bt(delta), dh)
                out[:, layer.w] += (_bt(dgw) if layer.transposed else dgw).reshape(out.shape[0], -1)
            if layer.b is not None:
                out[:, layer.b] += _sample_sum(ddelta)
            if l:
                W, U = layer.weight(th), layer.weight_direction(v)
                g, dg = np.matmul(delta, W), np.matmul(ddelta, W)
                if U is not None:
                    dg = dg + np.matmul(delta, U)

    def third(self, theta) -> np.ndarray:
        """The tensor ∂³L/∂θ_p∂θ_q∂θ_r, shape (P, P, P) or (B, P, P, P) (small P).

        By polarization of the cubic form C(u) = D³L(θ)[u]³ (Taylor mode, exact up to rounding):
        6 T(a, b, c) = C(a+b+c) − C(a+b) − C(a+c) − C(b+c) + C(a) + C(b) + C(c), for the unit
        vectors a, b, c = e_p, e_q, e_r with p ≤ q ≤ r; O(P³) directional derivatives.
        """
        th, single = parameter_batch(theta, self.P)
        P, B = self.P, th.shape[0]
        E = np.eye(P)
        triples = np.array([(p, q, r) for p in range(P) for q in range(p, P) for r in range(q, P)])
        pairs = np.array([(p, q) for p in range(P) for q in range(p, P)])
        dirs = np.vstack([E, E[pairs[:, 0]] + E[pairs[:, 1]],
                          E[triples[:, 0]] + E[triples[:, 1]] + E[triples[:, 2]]])
        pair_at = {(p, q): P + i for i, (p, q) in enumerate(pairs)}
        T = np.zeros((B, P, P, P))
        for b in range(B):
            C = self.directional(np.broadcast_to(th[b], dirs.shape), dirs, 3)
            for i, (p, q, r) in enumerate(triples):
                val = (C[P + len(pairs) + i] - C[pair_at[p, q]] - C[pair_at[p, r]] - C[pair_at[q, r]]
                       + C[p] + C[q] + C[r]) / 6
                for x, y, z in {(p, q, r), (p, r, q), (q, p, r), (q, r, p), (r, p, q), (r, q, p)}:
                    T[b, x, y, z] = val
        return T[0] if single else T

    def flow(self, theta) -> np.ndarray:
        """The gradient-flow vector field −∇L(θ)."""
        return -self.gradient(theta)

    def flow_jacobian(self, theta) -> np.ndarray:
        """Jacobian of the flow, −∇²L(θ)."""
        return -self.hessian(theta)

    def directional(self, theta, u, order: int) -> np.ndarray:
        """Dᵏ L(θ)[u, …, u] = dᵏ/dtᵏ L(θ + t u)|₀ by Taylor-mode propagation (module docstring)."""
        order = check_order(order)
        th, uu, single = point_and_direction(theta, u, self.P)
        B = th.shape[0]
        out = np.zeros(B)
        terms = (order + 1) * (order + 2) // 2 + 2 * order + 4
        for bs, ns in self._chunks(B, self._sweep_bytes_per_row(terms, order)):
            out[bs] += self._loss_line(self._taylor(th[bs], uu[bs], self._X[ns], order), ns, order)
        out *= self.factor
        return out[0] if single else out

    def _taylor(self, th, u, X, order: int) -> list:
        """Taylor coefficients h_L^[j], j = 0..order, of the outputs along θ + t u (None = 0)."""
        h = [X] + [None] * order
        B = th.shape[0]
        for layer in self.layers:
            W, U = layer.weight(th), layer.weight_direction(u)
            b, beta = layer.bias(th), layer.bias(u)
            z = [None] * (order + 1)
            for j in range(order + 1):
                terms = []
                if h[j] is not None:
                    terms.append(np.matmul(h[j], _bt(W)))
                if j and U is not None and h[j - 1] is not None:
                    terms.append(np.matmul(h[j - 1], _bt(U)))
                if j == 0 and b is not None:
                    terms.append(b[:, None, :])
                if j == 1 and beta is not None:
                    terms.append(beta[:, None, :])
                z[j] = None if not terms else sum(terms[1:], terms[0])
            if z[0].ndim == 2:
                z[0] = np.broadcast_to(z[0], (B,) + z[0].shape)
            if layer.activation is None:
                h = z
                continue
            d = layer.derivatives(z[0], order, taylor=True)     # σ⁽ᵐ⁾(z^[0]) / m!
            h = [d[0]] + [None] * order
            power = z[1:]                                   # coefficients of (z − z^[0])^m, m = 1
            for m in range(1, order + 1):
                if m > 1:
                    power = _series_power_step(power, z, m, order)
                for j in range(m, order + 1):
                    p = power[j - m]
                    if p is not None:
                        term = d[m] * p
                        if h[j] is None:
                            h[j] = term
                        else:
                            h[j] += term
        return h


def _series_power_step(prev: list, z: list, m: int, order: int) -> list:
    """Coefficients of (Δz)^m (t^m … t^order) from those of (Δz)^{m-1} (t^{m-1} … t^order).

    ``prev[i]`` is the coefficient of t^{m-1+i}; ``z[i]`` the coefficient t^i of z(t).
    """
    out = []
    for j in range(m, order + 1):
        acc = None
        for i in range(1, j - (m - 1) + 1):                 # Δz's t^i times prev's t^{j-i}
            a, b = z[i], prev[j - i - (m - 1)]
            if a is None or b is None:
                continue
            term = a * b
            acc = term if acc is None else acc + term
        out.append(acc)
    return out


def _per_sample(W: np.ndarray) -> np.ndarray:
    """A batch of weights (Bc, d, d') aligned with per-sample stacks (Bc, nc, ·, ·)."""
    return W[:, None] if W.ndim == 3 else W


def _sample_sum(a: np.ndarray) -> np.ndarray:
    """Σ_i a[:, i, :] for a (Bc, nc, d) stack, as a matrix product (faster than a strided sum)."""
    return np.matmul(_ones(a.shape[1])[None, :], a)[:, 0, :]


@lru_cache(maxsize=64)
def _ones(n: int) -> np.ndarray:
    out = np.ones(n)
    out.flags.writeable = False
    return out


def _rows(a: np.ndarray, trailing: int = 1) -> np.ndarray:
    """Per-sample values (…, nc, *trailing axes) as a matrix of rows (…, nc, product)."""
    return a.reshape(a.shape[:a.ndim - trailing] + (-1,))


def _outer_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per-sample outer products a_i ⊗ b_i, flattened: (…, nc, len(a_i)·len(b_i))."""
    out = a[..., :, None] * b[..., None, :]
    return out.reshape(out.shape[:-2] + (-1,))


def _diag(v: np.ndarray) -> np.ndarray:
    """A stack of diagonal matrices from a stack of vectors (..., d) → (..., d, d)."""
    return v[..., :, None] * np.eye(v.shape[-1])


def _scaled(W: np.ndarray, s: np.ndarray | None, shape) -> np.ndarray:
    """W diag(σ'), per sample: (Bc, nc, d_out, d_in) (W alone, broadcast, for a linear layer)."""
    Wb = W[..., None, :, :] if W.ndim == 3 else W
    if s is None:
        return np.broadcast_to(Wb, shape + W.shape[-2:])
    return Wb * s[..., None, :]


def _times(Q, A: np.ndarray):
    """Q A for Q = ("diag", v) or ("dense", M), per sample."""
    kind, q = Q
    return ("dense", q[..., :, None] * A if kind == "diag" else np.matmul(q, A))


def forward_outputs(model: Model, th: np.ndarray, X: np.ndarray) -> np.ndarray:
    """f(x_i; θ) of a layered model for a batch θ (B, P) and samples X (n, d_in): (B, n, d_out)."""
    slices = model.block_slices()
    h = X
    for layer in (_Layer(layer, slices) for layer in model.layers):
        z = layer.pre_activation(h, th, th.shape[0])
        h = z if layer.activation is None else layer.derivatives(z, 0)[0]
    return np.asarray(h)


def compile_structured(objective, memory_budget: int = DEFAULT_MEMORY_BUDGET,
                       chunk_elements: int | None = None) -> StructuredKernel:
    """The layer-structured kernel of a layered objective (``Objective.compile("structured")``)."""
    return StructuredKernel(objective, memory_budget, chunk_elements)
