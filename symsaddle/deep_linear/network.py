"""Weights of a deep linear network f(x) = W_H ⋯ W_1 x and their flat layouts.

Weights are kept in the column convention of seed 001 §3.2: ``weights[h-1] = W_h`` of
shape (d_h, d_{h-1}), widths = (d_0 = d_x, d_1, …, d_H = d_y), r_max = min_h d_h.
The core model ``symsaddle.models.deep_linear(widths, convention)`` stores the blocks
row-major, as W_h (``"column"``) or as W_hᵀ (``"row"``, the seed's X W_1 W_2 W_3 of
eq. (21)); :func:`to_theta` and :func:`from_theta` convert between the two views.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Sequence

import numpy as np

from .. import models
from .. import Objective
from ..errors import ShapeError
from .statistics import SufficientStatistics

CONVENTIONS = ("column", "row")


def check_widths(widths: Sequence[int], statistics: SufficientStatistics | None = None) -> tuple[int, ...]:
    """Validate (d_0, …, d_H) with H ≥ 2 weight matrices, optionally against the data's d_x, d_y."""
    try:
        w = tuple(int(d) for d in widths)
    except (TypeError, ValueError):
        raise ShapeError(f"widths must be a sequence of positive integers, got {widths!r}") from None
    if len(w) < 3 or any(d < 1 for d in w) or any(int(d) != d for d in widths):
        raise ShapeError(f"widths must be (d_0, …, d_H) with H ≥ 2 layers and positive entries, got {widths!r}")
    if statistics is not None and (w[0] != statistics.d_x or w[-1] != statistics.d_y):
        raise ShapeError(f"widths {w} do not chain with the data: need d_0 = d_x = {statistics.d_x} "
                         f"and d_H = d_y = {statistics.d_y}")
    return w


def check_convention(convention: str) -> str:
    if convention not in CONVENTIONS:
        raise ValueError(f"convention must be 'column' or 'row', got {convention!r}")
    return convention


def chain(weights: Sequence[np.ndarray]) -> tuple[int, ...]:
    """The widths of column-convention weights, checking that consecutive shapes chain."""
    ws = [np.asarray(W) for W in weights]
    if len(ws) < 1 or any(W.ndim != 2 for W in ws):
        raise ShapeError("weights must be a non-empty sequence of 2-D matrices W_1, …, W_H")
    for h in range(1, len(ws)):
        if ws[h].shape[1] != ws[h - 1].shape[0]:
            raise ShapeError(f"weights do not chain: W_{h} has shape {ws[h - 1].shape} but W_{h + 1} "
                             f"has shape {ws[h].shape} (needs {ws[h - 1].shape[0]} columns)")
    return (ws[0].shape[1],) + tuple(W.shape[0] for W in ws)


def product(weights: Sequence[np.ndarray]) -> np.ndarray:
    """W_H ⋯ W_1 (batched over leading axes)."""
    out = np.asarray(weights[0])
    for W in weights[1:]:
        out = np.asarray(W) @ out
    return out


def partial_product(weights: Sequence[np.ndarray], lo: int, hi: int) -> np.ndarray:
    """W_hi ⋯ W_lo (1-based, inclusive); the identity of size d_{lo-1} when hi < lo."""
    if hi < lo:
        return np.eye(chain(weights)[lo - 1])
    return product(weights[lo - 1:hi])


def balancedness(weights: Sequence[np.ndarray], norm: str = "fro") -> float:
    """max_j ‖W_{j+1}ᵀ W_{j+1} − W_j W_jᵀ‖ (seed 001 eq. (28)); 0 for a single layer.

    ``norm``: ``"fro"`` (Frobenius, the default: it over-estimates the spectral value, so a
    bound that needs balancedness ≤ αδ stays valid) or ``2`` (spectral).
    """
    if norm not in ("fro", 2):
        raise ValueError(f"norm must be 'fro' or 2, got {norm!r}")
    chain(weights)
    vals = [np.linalg.norm(weights[j + 1].T @ weights[j + 1] - weights[j] @ weights[j].T, norm)
            for j in range(len(weights) - 1)]
    return float(max(vals, default=0.0))


def to_theta(weights: Sequence[np.ndarray], convention: str = "column") -> np.ndarray:
    """Flat θ of the core model: blocks W1..WH row-major, each W_h or W_hᵀ (``"row"``)."""
    check_convention(convention)
    chain(weights)
    blocks = [np.asarray(W, dtype=float) if convention == "column" else np.asarray(W, dtype=float).T
              for W in weights]
    return np.concatenate([B.ravel() for B in blocks])


def from_theta(theta, widths: Sequence[int], convention: str = "column") -> list[np.ndarray]:
    """Column-convention weights W_1..W_H from θ of shape (P,) or (B, P)."""
    check_convention(convention)
    w = tuple(widths)
    th = np.asarray(theta, dtype=float)
    P = sum(w[h] * w[h + 1] for h in range(len(w) - 1))
    if th.shape[-1:] != (P,):
        raise ShapeError(f"theta must have last axis P = {P} for widths {w}, got shape {th.shape}")
    out, start = [], 0
    for h in range(1, len(w)):
        size = w[h] * w[h - 1]
        block = th[..., start:start + size]
        start += size
        if convention == "column":
            out.append(block.reshape(th.shape[:-1] + (w[h], w[h - 1])))
        else:
            out.append(np.swapaxes(block.reshape(th.shape[:-1] + (w[h - 1], w[h])), -1, -2))
    return out


@lru_cache(maxsize=None)
def model(widths: tuple[int, ...], convention: str = "column") -> models.Model:
    """The core model ``deep_linear(widths, convention)`` (cached: derived once per shape)."""
    return models.deep_linear(list(widths), convention=check_convention(convention))


def objective(statistics: SufficientStatistics, widths: Sequence[int], convention: str = "column",
              normalization: float = 2.0) -> Objective:
    """The core objective (c/2)‖Y − W_H⋯W_1 X‖_F² built from the statistics' R factor of [X, Y].

    c = 2 (the default) is seed 001's ‖Y − W X‖_F² (eq. (4)); c = 1 is Nguegnang et al.'s ½‖·‖².
    The kernels run on the ≤ d_x + d_y rows of R, whatever n is, and keep residuals accurate
    (:meth:`symsaddle.Objective.from_r_factor`).
    """
    w = check_widths(widths, statistics)
    return Objective.from_r_factor(model(w, convention), statistics.r_factor, statistics.n,
                                   normalization=normalization)
