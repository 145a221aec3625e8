"""Directional convergence near a small initialisation (seed 002 Theorem 5.1, Corollary 5.4.1).

Gradient descent on L(w) = Σ_i ½(H(x_i; w) − y_i)² from w(0) = δ·w₀ (the paper's Figure 1:
single-layer squared-ReLU network on 50 unit-norm 2-D inputs, step 5e-5, 50 000 iterations,
sum loss, small Gaussian initialisation). Near the origin ẇ ≈ ∂N_{y,H}(w), so each neuron's
direction follows the NCF flow of its own block (the network is separable over neurons) and
converges to the KKT point u*_j = lim of that flow from w₀_j (seed 002 Lemma 5.3) while the norm
is still O(δ)·e^{2Nt}. The measurements and the definition of the end of the small-norm phase
are those of :mod:`symsaddle.ncf.alignment`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .. import Objective
from ..dynamics import gradient_descent
from ..models import Model
from .alignment import Alignment, alignment_study, block_ncfs, neuron_vectors
from .function import ncf_at_origin
from ..reports import compact_repr

#: The paper's Figure 1 settings (seed 002 §2 and the figure caption, ref. ncf.md §6.1).
FIGURE1_STEP = 5e-5
FIGURE1_STEPS = 50_000
FIGURE1_SAMPLES = 50
FIGURE1_WIDTH = 10            # not stated in the paper; 10 as in ncf.md §6.2
FIGURE1_SD = (1e-5, 1e-4)     # "10e-5": 1e-5 (minus sign lost) or 1e-4 (read literally)


def figure1_data(n: int = FIGURE1_SAMPLES, seed: int = 0, labels: str = "corrected") -> tuple[np.ndarray, np.ndarray]:
    """n unit-norm inputs x = g/‖g‖, g ~ N(0, I₂) (seeded; uniform on the circle) and labels.

    ``labels="corrected"``: y = 5σ(x₁)² + 4σ(−x₁)²; ``"as extracted"``: 5σ(x₁)² + 4σ(x₁)² (the
    seed's text, which dropped the minus sign; see docs/audit_seed002.md).
    """
    g = np.random.default_rng(seed).normal(size=(n, 2))
    X = g / np.linalg.norm(g, axis=1, keepdims=True)
    relu = lambda t: np.maximum(t, 0.0)
    if labels == "corrected":
        y = 5 * relu(X[:, 0]) ** 2 + 4 * relu(-X[:, 0]) ** 2
    elif labels == "as extracted":
        y = 5 * relu(X[:, 0]) ** 2 + 4 * relu(X[:, 0]) ** 2
    else:
        raise ValueError(f"labels must be 'corrected' or 'as extracted', got {labels!r}")
    return X, y


def small_init_study(model: Model, X, y, w0, deltas: Sequence[float], groups, *, step: float = FIGURE1_STEP,
                     scale: float = 1.0, n_starts: int = 64, seed: int = 0, progress: bool = False) -> Alignment:
    """GD from δ·w₀ for every δ (one batch) against the per-neuron NCF of the labels."""
    full = ncf_at_origin(model, X, y)
    ncfs = block_ncfs(model, full.X, full.z, groups, full.source)
    return alignment_study(model, full.X, y, np.zeros(model.n_parameters), groups, ncfs, w0, deltas,
                           step=step, scale=scale, n_starts=n_starts, seed=seed, progress=progress)


@dataclass(frozen=True)
class LongRun:
    """A long GD run from w̄ + sd·ξ for each sd (the paper's Figures 1 and 4).

    ``distances`` is ‖w − w̄‖ (the weight norm when w̄ = 0); ``neurons`` has shape (T, B, k, m)
    for the watched blocks.
    """

    __repr__ = compact_repr

    iterations: np.ndarray
    losses: np.ndarray
    distances: np.ndarray
    neurons: np.ndarray
    sds: np.ndarray
    step: float

    def escape_iteration(self) -> np.ndarray:
        """Per run: first recorded iteration with L ≤ ½·L(0) (−1 if never)."""
        below = self.losses <= 0.5 * self.losses[0]
        return np.where(below.any(axis=0), self.iterations[np.argmax(below, axis=0)], -1)

    def summary(self) -> list[dict]:
        esc = self.escape_iteration()
        ang = np.degrees(np.arctan2(self.neurons[-1, ..., 1], self.neurons[-1, ..., 0]))
        return [{"sd": float(sd), "loss at start": float(self.losses[0, b]),
                 "escape iteration (L <= L0/2)": int(esc[b]), "final loss": float(self.losses[-1, b]),
                 "final ||w - w_bar||": float(self.distances[-1, b]),
                 "final neuron angles (deg)": ang[b].round(3).tolist()} for b, sd in enumerate(self.sds)]


def long_run(model: Model, X, y, theta_bar, xi, sds: Sequence[float], groups, *, step: float = FIGURE1_STEP,
             n_steps: int = FIGURE1_STEPS, record_every: int = 25, progress: bool = False) -> LongRun:
    """GD from w̄ + sd·ξ (ξ standard normal, so sd is the Gaussian's standard deviation) per sd."""
    sds = np.asarray(sds, dtype=float)
    theta_bar = np.asarray(theta_bar, dtype=float)
    kernel = Objective(model, X, y, loss="square", normalization="sum").compile()
    traj = gradient_descent(kernel, theta_bar[None, :] + sds[:, None] * np.asarray(xi)[None, :], step, n_steps,
                            record_every=record_every, progress=progress)
    return LongRun(traj.times, traj.losses, np.linalg.norm(traj.thetas - theta_bar, axis=2),
                   neuron_vectors(traj.thetas, groups), sds, step)
