"""Euclidean norms that neither underflow nor overflow: parameters and gradients may be 1e-200 or 1e200
(tiny initialisation scales, seed 000 §5; issue 8, numerical faithfulness)."""

from __future__ import annotations

import math

import numpy as np

#: Largest magnitudes whose squares can be summed directly: for max |v| in this range, v² neither
#: overflows (n·max² < 1e308 for n < 1e8) nor loses the largest term to underflow (max² > 1e-300).
_PLAIN_SQUARES = (1e-150, 1e150)


def norm(v, axis=None) -> np.ndarray | float:
    """‖v‖₂ (over ``axis``, or of all entries) without underflow or overflow (θ may be 1e-200 or 1e200):
    scaled by max |v| along ``axis`` (each row by its own maximum) unless, for the whole array, max |v|
    lies in :data:`_PLAIN_SQUARES`, where the squares are summed directly."""
    v = np.asarray(v, dtype=float)
    if axis is None and v.size:
        flat = v.ravel()
        big = float(np.abs(flat).max())
        if _PLAIN_SQUARES[0] < big < _PLAIN_SQUARES[1]:
            return math.sqrt(float(flat @ flat))
    big = np.max(np.abs(v), axis=axis, keepdims=True) if v.size else np.zeros((1,) * max(v.ndim, 1))
    safe = np.where(big > 0, big, 1.0)
    out = np.squeeze(big, axis=axis) * np.sqrt(np.sum((v / safe) ** 2, axis=axis))
    return float(out) if np.ndim(out) == 0 else out


def row_norms(a: np.ndarray) -> np.ndarray:
    """‖a_i‖ for the rows of a 2-d array, scaled by max |a| against underflow and overflow (the
    squares are summed directly when max |a| lies in :data:`_PLAIN_SQUARES`)."""
    big = float(np.abs(a).max()) if a.size else 0.0
    if _PLAIN_SQUARES[0] < big < _PLAIN_SQUARES[1]:
        return np.sqrt(np.einsum("ij,ij->i", a, a))
    if not 0 < big < np.inf:
        return np.full(a.shape[0], big)
    b = a / big
    return big * np.sqrt(np.einsum("ij,ij->i", b, b))

