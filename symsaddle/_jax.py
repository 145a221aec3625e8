"""JAX kernels from the same per-sample symbolic pieces as the NumPy kernels (issue 11, part 4).

``Objective.compile("jax")`` (optional extra ``symsaddle[jax]``; importing this module
enables JAX's float64 mode, ``jax_enable_x64``). The per-sample model pieces — outputs f_k,
model Jacobian entries J_kp, model Hessian entries ∂²f_k/∂θ_p∂θ_q — and the loss pieces
ℓ, ℓ', ℓ'' of ``SampleDerivatives`` are lambdified to ``jax.numpy`` with ``cse=True``,
evaluated for every kernel row by ``vmap`` and assembled by the chain rule the NumPy kernel
uses (``symsaddle._kernels``):

    L(θ)   = c Σ_i ℓ(f_i, y_i),     ∇L(θ) = c Σ_i J_iᵀ ℓ'_i,
    ∇²L(θ) = c Σ_i [J_iᵀ ℓ''_i J_i + Σ_k ℓ'_ik ∇²f_ik],

then ``vmap``-ed over the batch of θ and ``jit``-compiled, with the data as arguments
(never constants of the compiled program). Directional derivatives Dᵏ L(θ)[u]ᵏ compose the
model's line derivatives with the loss (Faà di Bruno), the third-order tensor sums the
loss-level entries ∂³ℓ/∂θ_p∂θ_q∂θ_r — as in the NumPy kernel. Results are NumPy arrays.

Batches are split into chunks of at most ``chunk_elements`` (batch × row) points, padded to
a power of two so that only a few shapes are ever compiled.
"""

from __future__ import annotations

from functools import cached_property
from itertools import permutations

import jax
import jax.numpy as jnp
import numpy as np
import sympy as sp

from .protocol import check_order, objective_kernel_repr, parameter_batch, point_and_direction

jax.config.update("jax_enable_x64", True)

#: The custom SymPy functions of ``symsaddle._activations`` in JAX (Step(0) = 0).
JAX_FUNCTIONS = {
    "Step": lambda z: jnp.heaviside(z, 0.0),
    "Sigmoid": jax.nn.sigmoid,
    "Softplus": lambda z: jnp.logaddexp(0.0, z),
    "Tanh": jnp.tanh,
    "Sech": lambda z: 2.0 * jnp.exp(-jnp.abs(z)) / (1.0 + jnp.exp(-2.0 * jnp.abs(z))),
}
_JAX = [JAX_FUNCTIONS, "jax"]

#: Default size of one evaluation chunk, in (batch × sample) grid points.
DEFAULT_CHUNK_ELEMENTS = 1 << 13


def _lambdify(args, exprs):
    return sp.lambdify(args, list(exprs), modules=_JAX, cse=True)


def _stack(values, length: int) -> jnp.ndarray:
    """Lambdified outputs (traced arrays or Python constants) as one float64 vector."""
    if length == 0:
        return jnp.zeros(0)
    return jnp.stack([jnp.asarray(v, dtype=jnp.float64) for v in values])


class JaxKernel:
    """Batched JAX evaluation of L, ∇L, ∇²L, Dᵏ L and ∂³L for one objective.

    Same call conventions as :class:`symsaddle.NumpyKernel`: θ of shape (P,) or (B, P);
    values (), (B,); gradients (P,), (B, P); Hessians (P, P), (B, P, P); NumPy outputs.
    """

    backend = "jax"

    def __repr__(self) -> str:
        return objective_kernel_repr(self)

    def __init__(self, objective, chunk_elements: int | None = None):
        self.objective = objective
        self.model = objective.model
        self.sd = objective.sample
        self.P = self.model.n_parameters
        X, Y = objective.kernel_data
        self._X, self._Y = jnp.asarray(X, dtype=jnp.float64), jnp.asarray(Y, dtype=jnp.float64)
        self.n_rows = X.shape[0]
        self.factor = float(objective.factor)
        self.chunk_elements = int(chunk_elements or DEFAULT_CHUNK_ELEMENTS)
        if self.chunk_elements < 1:
            raise ValueError("chunk_elements must be positive")
        sd, nf = self.sd, self.model.d_out
        theta, x, y, f = list(sd.parameters), list(sd.inputs), list(sd.labels), list(sd.output_symbols)
        J = sd.model_jacobian
        jac = [(k, p) for k in range(nf) for p in range(self.P) if J[k, p] != 0]
        self._jac_index = tuple(np.array(jac, dtype=int).reshape(-1, 2).T)
        h2 = sd.model_hessian_entries
        self._h2_index = np.array([(k, p, q) for k, p, q, _ in h2], dtype=int).reshape(-1, 3)
        self._model_fn = _lambdify([theta, x], list(self.model.outputs) + [J[k, p] for k, p in jac]
                                   + [e for *_, e in h2])
        self._n_jac, self._n_h2 = len(jac), len(h2)
        self._loss_fn = _lambdify([f, y], [sd.loss_of_outputs])
        self._loss_first_fn = _lambdify([f, y], sd.loss_first)
        self._loss_second_fn = _lambdify([f, y], list(sd.loss_second))
        self._value_and_gradient = jax.jit(jax.vmap(self._vg_one, in_axes=(0, None, None)))
        self._hessian = jax.jit(jax.vmap(self._hessian_one, in_axes=(0, None, None)))
        self._directional: dict[int, object] = {}

    # -- one θ --------------------------------------------------------------------------
    def _model_pieces(self, theta, x, with_hessian: bool):
        """f (nf,), J (nf, P) and the model Hessian entries of one sample."""
        nf = self.model.d_out
        vals = self._model_fn(theta, x)
        f = _stack(vals[:nf], nf)
        J = jnp.zeros((nf, self.P))
        if self._n_jac:
            J = J.at[self._jac_index].set(_stack(vals[nf:nf + self._n_jac], self._n_jac))
        h2 = _stack(vals[nf + self._n_jac:], self._n_h2) if with_hessian else None
        return f, J, h2

    def _vg_one(self, theta, X, Y):
        def sample(x, y):
            f, J, _ = self._model_pieces(theta, x, False)
            return (jnp.asarray(self._loss_fn(f, y)[0], dtype=jnp.float64),
                    J.T @ _stack(self._loss_first_fn(f, y), self.model.d_out))
        vals, grads = jax.vmap(sample)(X, Y)
        return self.factor * vals.sum(), self.factor * grads.sum(axis=0)

    def _hessian_one(self, theta, X, Y):
        nf = self.model.d_out

        def sample(x, y):
            f, J, h2 = self._model_pieces(theta, x, True)
            lp = _stack(self._loss_first_fn(f, y), nf)
            lpp = _stack(self._loss_second_fn(f, y), nf * nf).reshape(nf, nf)
            return J, lp, lpp, h2
        J, lp, lpp, h2 = jax.vmap(sample)(X, Y)             # (n, nf, P), (n, nf), (n, nf, nf), (n, e)
        H = jnp.einsum("nkp,nkl,nlq->pq", J, lpp, J)
        if self._n_h2:
            k, p, q = self._h2_index.T
            contrib = jnp.einsum("ne,ne->e", lp[:, k], h2)   # Σ_n ℓ'_k ∂²f_k/∂θ_p∂θ_q
            H = H.at[p, q].add(contrib)
            off = p != q
            H = H.at[q[off], p[off]].add(contrib[off])
        return self.factor * H

    # -- batching ---------------------------------------------------------------------------
    def _run(self, fn, *batched):
        """Apply a jitted batched function in padded chunks; returns NumPy arrays."""
        B = batched[0].shape[0]
        chunk = max(1, self.chunk_elements // max(self.n_rows, 1))
        size = min(chunk, 1 << int(np.ceil(np.log2(B))) if B > 1 else 1)
        outs = []
        for b0 in range(0, B, size):
            part = [a[b0:b0 + size] for a in batched]
            m = part[0].shape[0]
            if m < size:
                part = [np.concatenate([a, np.repeat(a[-1:], size - m, axis=0)]) for a in part]
            res = fn(*(jnp.asarray(a) for a in part), self._X, self._Y)
            res = res if isinstance(res, tuple) else (res,)
            outs.append(tuple(np.asarray(r)[:m] for r in res))
        return tuple(np.concatenate(parts) for parts in zip(*outs))

    # -- public API -------------------------------------------------------------------------
    def value(self, theta) -> np.ndarray:
        """L(θ)."""
        return self.value_and_gradient(theta)[0]

    def gradient(self, theta) -> np.ndarray:
        """∇L(θ) = c Σ_i J_iᵀ ℓ'_i."""
        return self.value_and_gradient(theta)[1]

    def value_and_gradient(self, theta) -> tuple[np.ndarray, np.ndarray]:
        th, single = parameter_batch(theta, self.P)
        val, grad = self._run(self._value_and_gradient, th)
        return (val[0], grad[0]) if single else (val, grad)

    def hessian(self, theta) -> np.ndarray:
        """∇²L(θ) = c Σ_i [J_iᵀ ℓ''_i J_i + Σ_k ℓ'_ik ∇²f_ik]."""
        th, single = parameter_batch(theta, self.P)
        H, = self._run(self._hessian, th)
        return H[0] if single else H

    def _directional_fn(self, order: int):
        if order not in self._directional:
            sd, nf = self.sd, self.model.d_out
            line = [e for level in sd.model_line_derivatives(order) for e in level]
            coeffs, expr = sd.loss_line_composition(order)
            line_fn = _lambdify([list(sd.parameters), list(sd.directions), list(sd.inputs)],
                                list(self.model.outputs) + line)
            compose_fn = _lambdify([list(sd.output_symbols), [c for lv in coeffs for c in lv],
                                    list(sd.labels)], [expr])

            def one(theta, u, X, Y):
                def sample(x, y):
                    vals = line_fn(theta, u, x)
                    f = _stack(vals[:nf], nf)
                    c = _stack(vals[nf:], nf * order)
                    return jnp.asarray(compose_fn(f, c, y)[0], dtype=jnp.float64)
                return self.factor * jax.vmap(sample)(X, Y).sum()
            self._directional[order] = jax.jit(jax.vmap(one, in_axes=(0, 0, None, None)))
        return self._directional[order]

    def directional(self, theta, u, order: int) -> np.ndarray:
        """Dᵏ L(θ)[u, ..., u] = dᵏ/dtᵏ L(θ + t u) at t = 0, for k = ``order`` ≤ 4."""
        order = check_order(order)
        th, uu, single = point_and_direction(theta, u, self.P)
        out, = self._run(self._directional_fn(order), th, uu)
        return out[0] if single else out

    @cached_property
    def _third(self):
        entries = self.sd.third_entries
        fn = _lambdify([list(self.sd.parameters), list(self.sd.inputs), list(self.sd.labels)],
                       [e for *_, e in entries])
        slots = [(e, *perm) for e, (p, q, r, _) in enumerate(entries) for perm in set(permutations((p, q, r)))]
        e_idx, i, j, k = (np.array(col, dtype=int) for col in zip(*slots)) if slots else (np.zeros(0, int),) * 4
        P, n_entries = self.P, len(entries)

        def one(theta, X, Y):
            vals = jax.vmap(lambda x, y: _stack(fn(theta, x, y), n_entries))(X, Y).sum(axis=0)
            return self.factor * jnp.zeros((P, P, P)).at[i, j, k].set(vals[e_idx])
        return jax.jit(jax.vmap(one, in_axes=(0, None, None)))

    def third(self, theta) -> np.ndarray:
        """The third-derivative tensor ∂³L/∂θ_p∂θ_q∂θ_r, shape (P, P, P) or (B, P, P, P)."""
        th, single = parameter_batch(theta, self.P)
        T, = self._run(self._third, th)
        return T[0] if single else T

    def flow(self, theta) -> np.ndarray:
        """The gradient-flow vector field −∇L(θ)."""
        return -self.gradient(theta)

    def flow_jacobian(self, theta) -> np.ndarray:
        """Jacobian of the flow, −∇²L(θ)."""
        return -self.hessian(theta)


def compile_jax(objective, chunk_elements: int | None = None) -> JaxKernel:
    """The JAX kernel of a numeric objective (``Objective.compile("jax")``)."""
    return JaxKernel(objective, chunk_elements)
