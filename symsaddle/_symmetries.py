"""Continuous parameter symmetries of a model and the orbit they sweep through θ (issue 8, part 2).

A group acting linearly on the parameters, θ ↦ exp(s ξ_g) θ, with f(x; exp(s ξ_g) θ) = f(x; θ) for every
input x, leaves every objective L = Σᵢ ℓ(f(xᵢ; θ), yᵢ) unchanged, whatever the loss and the data.
Differentiating L(exp(s ξ_g) θ) = L(θ) at s = 0 gives ∇L(θ)·ξ_g θ = 0, and once more,
H ξ_g θ = −ξ_gᵀ ∇L(θ): at a critical point the orbit of θ is a manifold of critical points with equal
loss whose tangent space span{ξ_g θ} lies in the Hessian's null space N. When that orbit has
dimension dim N, it is the critical set near θ and θ is a Morse–Bott point (``critical.classify``,
step 4a).

Symmetries read from a layered model (Dense layers h_l = σ_l(W_l h_{l−1} + b_l)), for every hidden
layer l whose weights W_l and next weights W_{l+1} are both trainable:

* σ_l linear — GL(d_l) (the rescaling orbit of deep linear networks, seed 001 §1; Achour et al.
  2021): W_l → A W_l, b_l → A b_l, W_{l+1} → W_{l+1} A⁻¹. The generator E_ab (a, b < d_l) moves
  δW_l[a, :] = W_l[b, :], δb_l[a] = b_l[b], δW_{l+1}[:, b] = −W_{l+1}[:, a].
* σ_l positively homogeneous of degree p, σ(cz) = cᵖσ(z) for c > 0 (ReLU and leaky ReLU p = 1,
  squared ReLU p = 2) — one scaling per unit a: W_l[a, :], b_l[a] → c·, W_{l+1}[:, a] → c⁻ᵖ·, tangent
  (W_l[a, :], b_l[a], −p W_{l+1}[:, a]).

A model given by expressions may declare its generators (``Model(..., symmetries=...)``): the diagonal
linear network ⟨u ⊙ v, x⟩ (seed 000 eq. (13)) has u_i → c u_i, v_i → v_i / c.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

import numpy as np

if TYPE_CHECKING:                                     # pragma: no cover
    from .models import Dense, Model

#: One generator ξ_g as its non-zero entries (row, column, coefficient): (ξ_g θ)[row] += coefficient·θ[column].
Generator = Sequence[tuple[int, int, float]]


@dataclass(frozen=True)
class LinearSymmetry:
    """Generators ξ_1, …, ξ_m (sparse P × P matrices) of a group acting linearly on θ that leaves the
    model's outputs unchanged; :meth:`tangents` gives the orbit tangents ξ_g θ as the columns of a
    P × m matrix. Entry e moves T[row[e], generator[e]] = coefficient[e]·θ[source[e]]."""

    P: int
    count: int
    row: np.ndarray
    generator: np.ndarray
    source: np.ndarray
    coefficient: np.ndarray

    @classmethod
    def from_generators(cls, P: int, generators: Sequence[Generator]) -> "LinearSymmetry":
        """From explicit generators; every index must lie in [0, P) and each (row, generator) appear once."""
        entries = [(r, g, c, float(w)) for g, gen in enumerate(generators) for r, c, w in gen]
        row, gen, src, coef = (np.array(col) for col in zip(*entries)) if entries else (np.zeros(0, int),) * 4
        row, gen, src = (np.asarray(a, dtype=np.intp) for a in (row, gen, src))
        if entries and (min(row.min(), src.min()) < 0 or max(row.max(), src.max()) >= P):
            raise ValueError(f"symmetry generators must index parameters 0 … {P - 1}")
        if len(set(zip(row.tolist(), gen.tolist()))) != len(row):
            raise ValueError("a symmetry generator moves one parameter twice; merge its entries")
        if not np.all(np.isfinite(np.asarray(coef, dtype=float))):
            raise ValueError("symmetry generator coefficients must be finite")
        return cls(P, len(generators), row, gen, src, np.asarray(coef, dtype=float))

    def tangents(self, theta: np.ndarray) -> np.ndarray:
        """T = [ξ_1 θ, …, ξ_m θ], shape (P, m), for one θ of shape (P,)."""
        T = np.zeros((self.P, self.count))
        T[self.row, self.generator] = self.coefficient * theta[self.source]
        return T


def _applied_index(layer: "Dense", start: int) -> np.ndarray:
    """Flat index of W[i, j] as applied (d_out × d_in), for a weight stored row-major from ``start``
    (transposed blocks store Wᵀ; a vector block of length d_in is the one row of a (1, d_in) W)."""
    d_out, d_in = layer.shape
    if layer.transposed:
        return start + np.arange(d_in * d_out).reshape(d_in, d_out).T
    return start + np.arange(d_out * d_in).reshape(d_out, d_in)


def layer_generators(model: "Model") -> list[Generator]:
    """The generators of the module docstring for a layered model, layer pair by layer pair."""
    slices = model.block_slices()
    layers = model.layers
    out: list[Generator] = []
    for layer, after in zip(layers[:-1], layers[1:]):
        if layer.weight is None or after.weight is None:
            continue
        inner = _applied_index(layer, slices[layer.weight].start)              # (d_l, d_{l-1})
        outer = _applied_index(after, slices[after.weight].start)              # (d_{l+1}, d_l)
        bias = None if layer.bias is None else slices[layer.bias].start + np.arange(layer.d_out)
        if layer.is_linear:
            pairs = [(a, b, 1.0) for a in range(layer.d_out) for b in range(layer.d_out)]
        elif layer.activation.homogeneity is not None:
            pairs = [(a, a, float(layer.activation.homogeneity)) for a in range(layer.d_out)]
        else:
            continue
        for a, b, degree in pairs:
            gen = [(int(r), int(c), 1.0) for r, c in zip(inner[a], inner[b])]
            if bias is not None:
                gen.append((int(bias[a]), int(bias[b]), 1.0))
            gen += [(int(r), int(c), -degree) for r, c in zip(outer[:, b], outer[:, a])]
            out.append(gen)
    return out
