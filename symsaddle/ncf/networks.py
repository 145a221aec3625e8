"""Network helpers for the two-homogeneous examples of seed 002 §2.

* :func:`neuron_groups` — the flat parameter indices of each hidden neuron of a
  :func:`symsaddle.models.two_layer` network (its row of W, its bias, its outer weight(s)),
  the blocks over which the network is separable (seed 002 Corollary 5.4.1).
* :func:`deep_relu_two_trainable` — a deep ReLU network h_L = W_L σ(W_{L−1} ⋯ σ(W_1 x)) in
  which exactly two layers are trainable and the others are fixed numbers (seed 002 §2:
  "any L-layer deep ReLU network with exactly two trainable layers").
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import sympy as sp

from .. import get_activation
from ..errors import ShapeError
from ..models import Model, ParameterBlock, input_symbols


def neuron_groups(model: Model) -> tuple[tuple[int, ...], ...]:
    """Flat parameter indices of each hidden neuron of a ``two_layer`` model, in flat order."""
    if model.name != "two_layer":
        raise ValueError(f"neuron_groups needs a two_layer model, got {model.name!r}")
    width = dict(model.info)["width"]
    slices = model.block_slices()
    groups: list[list[int]] = [[] for _ in range(width)]
    for b in model.blocks:
        idx = np.arange(slices[b.name].start, slices[b.name].stop).reshape(b.shape)
        if b.name == "W" or b.name == "b":
            for j in range(width):
                groups[j].extend(np.atleast_1d(idx[j]).tolist())
        elif b.name == "a":
            cols = idx if idx.ndim == 1 else idx.T      # (width,) or (width, d_out)
            for j in range(width):
                groups[j].extend(np.atleast_1d(cols[j]).tolist())
    return tuple(tuple(sorted(g)) for g in groups)


def deep_relu_two_trainable(widths: Sequence[int], trainable: tuple[int, int],
                            fixed: Mapping[int, np.ndarray], activation: str = "relu") -> Model:
    """h = W_L σ(W_{L−1} ⋯ σ(W_1 x)) with layers ``trainable = (p, q)`` (1-based) as parameters.

    ``widths = [d_0, …, d_L]``; layer k has shape (d_k, d_{k−1}); ``fixed[k]`` gives the numbers
    of every other layer. No biases (a bias would break homogeneity unless it were trainable).
    """
    widths = [int(w) for w in widths]
    L = len(widths) - 1
    p, q = sorted(int(t) for t in trainable)
    if L < 2 or not (1 <= p < q <= L):
        raise ValueError(f"need two distinct trainable layers in 1..{L}, got {trainable}")
    act = get_activation(activation)
    x = input_symbols(widths[0])
    h = sp.Matrix(x)
    blocks = []
    for k in range(1, L + 1):
        shape = (widths[k], widths[k - 1])
        if k in (p, q):
            syms = tuple(sp.Symbol(f"W^{{({k})}}_{{{i + 1},{j + 1}}}", real=True)
                         for i in range(shape[0]) for j in range(shape[1]))
            blocks.append(ParameterBlock(f"W{k}", shape, syms))
            Wk = sp.Matrix(shape[0], shape[1], syms)
        else:
            if k not in fixed:
                raise ValueError(f"layer {k} is not trainable, so fixed[{k}] must give its weights")
            vals = np.asarray(fixed[k], dtype=float)
            if vals.shape != shape or not np.all(np.isfinite(vals)):
                raise ShapeError(f"fixed[{k}] must be a finite array of shape {shape}, got {vals.shape}")
            Wk = sp.Matrix(shape[0], shape[1], [sp.nsimplify(float(v), rational=True) for v in vals.ravel()])
        h = Wk * h
        if k < L:
            h = h.applyfunc(act)
    return Model("deep_relu_two_trainable", tuple(blocks), x, tuple(h),
                 r"h = W_L\sigma(W_{L-1}\cdots\sigma(W_1 x))",
                 (("widths", tuple(widths)), ("trainable", (p, q)), ("activation", act.name)))
