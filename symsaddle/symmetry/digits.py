"""The data of seed 003 §6.3, with scikit-learn's bundled handwritten digits in place of MNIST.

The thesis trains a 10-10-10 sigmoid ``mlp`` (with biases) on "the top 10 PCA components of the MNIST
dataset" with labels +1 for odd and −1 for even digits. MNIST is not shipped by any package available
here; scikit-learn ships the UCI handwritten digits (1797 images of 8×8 pixels, ``load_digits``), which play
its role: same task (odd vs even digit), same input dimension after PCA. scikit-learn is an optional
dependency (the ``digits`` extra) and is used only to load the data; the PCA is an SVD of the centred
pixel matrix.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import SymsaddleError
from ..reports import compact_repr


class MissingOptionalDependency(SymsaddleError, ImportError):
    """An optional package needed for this feature is not installed."""


@dataclass(frozen=True)
class DigitsData:
    """X (n, k): PCA scores (unit variance per component if ``whitened``); y (n,): +1 odd, −1 even digit."""

    __repr__ = compact_repr

    X: np.ndarray
    y: np.ndarray
    digits: np.ndarray
    components: np.ndarray            # (k, 64), orthonormal rows
    explained_variance: np.ndarray    # (k,), variance of each score before whitening
    whitened: bool


def digits_pca(n_components: int = 10, *, whiten: bool = True) -> DigitsData:
    """Top ``n_components`` principal components of ``sklearn.datasets.load_digits`` and odd/even labels.

    With ``whiten`` (default) each score is divided by its standard deviation, so the sigmoid network of
    §6.3 starts out of saturation; the thesis does not say whether it scaled MNIST's PCA scores.
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise MissingOptionalDependency("the handwritten-digits data (Stoican's 2022 MSc thesis §6.3) need "
                                        "scikit-learn: pip install 'symsaddle[digits]' (or pip install scikit-learn)") from None
    if not isinstance(n_components, (int, np.integer)) or not 1 <= n_components <= 64:
        raise ValueError(f"n_components must be an integer in 1..64, got {n_components!r}")
    data = load_digits()
    pixels = np.asarray(data.data, dtype=float)
    centred = pixels - pixels.mean(axis=0)
    _, s, Vt = np.linalg.svd(centred, full_matrices=False)
    comps = Vt[:n_components]
    comps = comps * np.sign(comps[np.arange(n_components), np.argmax(np.abs(comps), axis=1)])[:, None]
    scores = centred @ comps.T
    variance = s[:n_components] ** 2 / (pixels.shape[0] - 1)
    X = scores / np.sqrt(variance) if whiten else scores
    digits = np.asarray(data.target, dtype=int)
    y = np.where(digits % 2 == 1, 1.0, -1.0)
    return DigitsData(X, y, digits, comps, variance, whiten)
