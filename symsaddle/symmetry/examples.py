"""Genuine critical points for the SI-line experiments, found by optimisation + ``critical.polish``.

* :func:`find_critical_point` — trust-region Newton (``scipy.optimize.minimize``, method
  ``trust-exact``, with the kernel's exact gradient and Hessian) from θ₀, then the core's
  :func:`symsaddle.critical.polish` onto ∇L = 0; the result says whether the gradient reached the
  tolerance of :class:`SymmetryTolerances` (a point that did not is never used for an SI verdict).
* :func:`seed003_reduced_minimum` — a width-r student (r < 4) of the seed-003 teacher on the
  1681-point grid (d_out = 1, no biases: the setting of Theorem 3 in §6.2.6).
* :func:`two_output_example` — a two-layer sigmoid student with d_out = 2 on data from a random
  wider teacher: U ≠ 0 (the single-output argument of §6.2.6 fails).
* :func:`deep_layer_example` — an ``mlp`` [2, 2, 2, 1] with biases on teacher data, duplicating a
  neuron of the first hidden layer (not the last): U ≠ 0 again.
Every example is deterministic (fixed seeds) and returns an :class:`SIExample`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np
import scipy.optimize

from .. import models
from .. import Objective
from ..critical import polish
from ..datasets import seed003_grid
from .layers import NetworkPoint
from .tolerances import DEFAULT_TOLERANCES, SymmetryTolerances, norm
from ..reports import compact_repr


class SearchStatus(str, Enum):
    CRITICAL = "critical"
    NOT_CRITICAL = "not critical"


@dataclass(frozen=True)
class CriticalPointSearch:
    __repr__ = compact_repr

    theta: np.ndarray
    loss: float
    gradient_norm: float
    gradient_tolerance: float
    status: SearchStatus


def find_critical_point(objective: Objective, theta0, *, kernel=None, maxiter: int = 3000,
                        tolerances: SymmetryTolerances = DEFAULT_TOLERANCES) -> CriticalPointSearch:
    """Minimise from θ₀ with the exact derivatives, then polish onto ∇L = 0 (see the module docstring)."""
    kernel = kernel or objective.compile()
    res = scipy.optimize.minimize(kernel.value, np.asarray(theta0, dtype=float), jac=kernel.gradient,
                                  hess=kernel.hessian, method="trust-exact", options={"gtol": 1e-14, "maxiter": maxiter})
    theta = polish(kernel, res.x).theta
    L, g = kernel.value_and_gradient(theta)
    h_norm = float(np.max(np.abs(np.linalg.eigvalsh(kernel.hessian(theta)))))
    tol = tolerances.gradient(float(L), h_norm, float(norm(theta)))
    status = SearchStatus.CRITICAL if norm(g) <= tol else SearchStatus.NOT_CRITICAL
    return CriticalPointSearch(theta, float(L), float(norm(g)), tol, status)


@dataclass(frozen=True)
class SIExample:
    """A critical point θ_r of ``objective``, and the neuron (of ``layer``) to duplicate."""

    __repr__ = compact_repr

    name: str
    objective: Objective
    theta: np.ndarray
    neuron: int
    layer: int | None
    description: str
    search: CriticalPointSearch

    @property
    def point(self) -> NetworkPoint:
        return NetworkPoint(self.objective.model, self.theta)


#: Largest |θ_i| an example's critical point may have: beyond it the optimiser is following weights that
#: grow without bound while the loss keeps falling (a small gradient there is not a critical point).
MAX_WEIGHT = 50.0


def _search(objective: Objective, theta0) -> CriticalPointSearch:
    from .errors import NotCriticalError
    found = find_critical_point(objective, theta0)
    if found.status is not SearchStatus.CRITICAL:
        raise NotCriticalError(f"the optimisation did not reach a critical point (‖∇L‖ = {found.gradient_norm:.2e} > "
                               f"{found.gradient_tolerance:.2e})")
    if np.max(np.abs(found.theta)) > MAX_WEIGHT:
        raise NotCriticalError(f"the optimisation ran off to large weights (max |θ_i| = {np.max(np.abs(found.theta)):.3g}): "
                               "an escape to infinity, not a critical point")
    return found


def seed003_reduced_minimum(width: int = 3, seed: int = 1, neuron: int = 0) -> SIExample:
    """A local minimum of a width-``width`` student of the seed-003 teacher on the 1681-point grid.

    Initialisation: Xavier-normal incoming weights (std √(2/(d_in + 1))... as in the thesis, with
    ``numpy.random.default_rng(seed)``), outgoing weights std √(2/(width + 1)).
    """
    X, y = seed003_grid()
    model = models.two_layer(2, width, "sigmoid")
    objective = Objective(model, X, y)
    rng = np.random.default_rng(seed)
    theta0 = np.concatenate([rng.normal(scale=np.sqrt(2 / 3), size=2 * width),
                             rng.normal(scale=np.sqrt(2 / (width + 1)), size=width)])
    found = _search(objective, theta0)
    return SIExample(f"teacher-student-width{width}", objective, found.theta, neuron, None,
                     f"width-{width} sigmoid student (no biases) of the thesis's 4-neuron teacher on the 41×41 grid, "
                     f"d_out = 1; duplicate neuron {neuron}", found)


def _teacher_data(teacher: models.Model, theta_teacher: np.ndarray, n: int, d_in: int, seed: int):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d_in))
    return X, teacher.evaluate(theta_teacher, X)


def two_output_example(seed: int = 4, neuron: int = 0) -> SIExample:
    """Width-2 sigmoid student (no biases, d_out = 2) of a width-3 teacher (weights N(0, 2.5²)) on 60
    Gaussian inputs. With the defaults Y ≻ 0, so Corollary 3.2 (U = 0) would call 0 < μ < 1 a degenerate
    minimum; U ≠ 0 makes the whole line strict saddles."""
    teacher = models.two_layer(2, 3, "sigmoid", d_out=2)
    rng = np.random.default_rng(100 + seed)
    X, Y = _teacher_data(teacher, rng.normal(scale=2.5, size=teacher.n_parameters), 60, 2, seed)
    model = models.two_layer(2, 2, "sigmoid", d_out=2)
    objective = Objective(model, X, Y)
    found = _search(objective, np.random.default_rng(seed).normal(size=model.n_parameters))
    return SIExample("two-output", objective, found.theta, neuron, None,
                     f"width-2 sigmoid student with d_out = 2 of a width-3 teacher (60 Gaussian inputs, seed {seed}); "
                     f"duplicate neuron {neuron}", found)


def deep_layer_example(seed: int = 3, neuron: int = 1) -> SIExample:
    """``mlp`` [2, 2, 2, 1] with biases, student of a [2, 4, 3, 1] teacher (weights N(0, 3²)) on 60 Gaussian
    inputs; duplicate a neuron of hidden layer 1, whose outgoing vector has n₂ = 2 entries."""
    X = np.random.default_rng(seed).normal(size=(60, 2))
    teacher = models.mlp([2, 4, 3, 1], "sigmoid")
    Y = teacher.evaluate(np.random.default_rng(300 + seed).normal(scale=3, size=teacher.n_parameters), X)
    model = models.mlp([2, 2, 2, 1], "sigmoid")
    objective = Objective(model, X, Y)
    found = _search(objective, np.random.default_rng(seed).normal(size=model.n_parameters))
    return SIExample("deep-layer", objective, found.theta, neuron, 1,
                     f"mlp [2, 2, 2, 1] (sigmoid, biases), student of a [2, 4, 3, 1] teacher (60 Gaussian inputs, seed "
                     f"{seed}); duplicate neuron {neuron} of hidden layer 1", found)
