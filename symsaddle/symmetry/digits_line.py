"""Seed 003 §6.3: the deeper network on digits — descent to a critical point, then the SI line of one
added neuron against the layer-wise Y/U prediction (issue 9 part 8).

The network is the thesis's 10-10-10 sigmoid ``mlp`` with biases and one linear output (P = 341), on
scikit-learn's handwritten digits (:func:`digits_pca`: top 10 whitened PCA scores, ±1 odd/even; the
stand-in for MNIST), square loss ½(f − y)² averaged over the 1797 samples.

:func:`descend` runs the seeded search for a critical point: ``first_order_steps`` L-BFGS iterations with
the exact gradient of the layer-structured kernel, then ``newton_steps`` trust-region Newton iterations
(``scipy.optimize.minimize``, ``trust-exact``, exact Hessian), then the core's
:func:`symsaddle.critical.polish` (at most ``polish_steps`` × (P + 1) evaluations) once the gradient is
within ``POLISH_REACH`` times its tolerance. The end point is CRITICAL only if ‖∇L‖ ≤ the slice's gradient
tolerance (``SymmetryTolerances.gradient``: float64 noise relative to ‖∇²L‖·‖θ‖ and |L|) with every
|θ_i| ≤ ``MAX_WEIGHT``; a weight beyond ``MAX_WEIGHT``, or weights that grow while the loss falls over the
second half of the Newton stage (``EndpointTolerances``' escape criterion), is an ESCAPE to infinity,
whatever the gradient (near a loss's infimum at infinity the gradient vanishes too: a small gradient there
is not a critical point); anything else is NOT_CONVERGED. Only a CRITICAL end point is given to the Y/U
predictor (:func:`si_line_report`).

Known limit: a descent that stops within float64 noise of an infimum that is approached only at infinity
(a neuron saturated to machine precision at moderate |θ_i|) looks critical to every float64 test and does
not move under Newton; ``tests/test_symmetry_digits_line.py`` records one such problem (strict xfail).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

import numpy as np
import scipy.optimize

from .. import models
from .. import Objective
from ..critical import polish
from .digits import digits_pca
from .endpoints import EndpointTolerances
from .examples import MAX_WEIGHT
from .tolerances import DEFAULT_TOLERANCES, SymmetryTolerances, norm
from ..progress import ProgressBar
from ..reports import compact_repr

#: The thesis's architecture (§6.3, Figure 6.15): three hidden sigmoid layers of 10 neurons.
THESIS_HIDDEN = (10, 10, 10)

#: The core polish (root finding on ∇L with the exact Hessian) is tried only from points whose gradient is
#: within this factor of the tolerance: farther out it wanders (hybr/lm on a 341-dimensional gradient).
POLISH_REACH = 1e2


class DescentStatus(str, Enum):
    CRITICAL = "critical"
    ESCAPING = "escaping to infinity"
    NOT_CONVERGED = "not converged"


def digits_objective(hidden: tuple[int, ...] = THESIS_HIDDEN, *, n_samples: int | None = None,
                     n_components: int = 10) -> Objective:
    """½(f − y)² averaged over the digits (first ``n_samples`` of them, all by default) for the sigmoid
    ``mlp`` [n_components, *hidden, 1] with biases (seed 003 §6.3)."""
    data = digits_pca(n_components)
    n = data.X.shape[0] if n_samples is None else int(n_samples)
    if not 1 <= n <= data.X.shape[0]:
        raise ValueError(f"n_samples must be in 1..{data.X.shape[0]}, got {n_samples!r}")
    model = models.mlp([n_components, *hidden, 1], "sigmoid", bias=True)
    return Objective(model, data.X[:n], data.y[:n])


def xavier_mlp(model: models.Model, seed: int) -> np.ndarray:
    """θ₀: weights of layer k from N(0, 2/(n_{k−1} + n_k)) (Xavier-normal), biases 0, drawn with
    ``numpy.random.default_rng(seed)`` block by block in the model's order."""
    rng = np.random.default_rng(seed)
    parts = []
    for block in model.blocks:
        if len(block.shape) == 2:
            fan_out, fan_in = block.shape
            parts.append(rng.normal(scale=np.sqrt(2.0 / (fan_in + fan_out)), size=block.shape).ravel())
        else:
            parts.append(np.zeros(int(np.prod(block.shape))))
    return np.concatenate(parts)


@dataclass(frozen=True)
class Descent:
    """End point of :func:`descend` and the trail that decides its status.

    ``history`` rows: stage, iterations of that stage so far, loss, ‖∇L‖, max |θ_i| (every 1/20 of the
    L-BFGS budget, every Newton iteration, and at the end of each stage).
    """

    __repr__ = compact_repr

    theta: np.ndarray
    loss: float
    gradient_norm: float
    gradient_tolerance: float
    max_weight: float
    status: DescentStatus
    history: tuple[dict, ...] = field(default=())

    def to_dict(self) -> dict:
        return {"status": self.status.value, "loss": self.loss, "gradient_norm": self.gradient_norm,
                "gradient_tolerance": self.gradient_tolerance, "max_weight": self.max_weight,
                "max_weight_limit": MAX_WEIGHT, "history": list(self.history)}


def _row(stage: str, iterations: int, kernel, theta: np.ndarray) -> dict:
    L, g = kernel.value_and_gradient(theta)
    return {"stage": stage, "iterations": iterations, "loss": float(L), "gradient_norm": float(norm(g)),
            "max_weight": float(np.max(np.abs(theta)))}


def descend(objective: Objective, theta0, *, first_order_steps: int = 300, newton_steps: int = 30,
            kernel=None, tolerances: SymmetryTolerances = DEFAULT_TOLERANCES,
            escape: EndpointTolerances = EndpointTolerances(), polish_steps: int = 10,
            progress: bool = False) -> Descent:
    """L-BFGS, trust-region Newton, core polish (see the module docstring); deterministic for a given θ₀.
    ``progress``: a bar over the L-BFGS and Newton iterations (each stage may stop before its budget), with the
    loss and ‖∇L‖ of the last ``history`` row."""
    kernel = kernel or objective.compile()
    theta = np.asarray(theta0, dtype=float)
    history = [_row("start", 0, kernel, theta)]
    done = {"L-BFGS": 0, "trust-region Newton": 0}
    bar = ProgressBar(total=first_order_steps + newton_steps, disable=not progress, desc="descent", unit="it")

    def note(row: dict) -> None:
        history.append(row)
        bar.set_postfix_str(f"{row['stage']}: L = {row['loss']:.4e}, ‖∇L‖ = {row['gradient_norm']:.2e}")

    def recorder(stage: str, every: int):
        def record(x, *_):
            done[stage] += 1
            bar.update(1)
            if done[stage] % every == 0:
                note(_row(stage, done[stage], kernel, np.asarray(x, dtype=float)))
        return record

    with bar:
        if first_order_steps:
            res = scipy.optimize.minimize(kernel.value_and_gradient, theta, jac=True, method="L-BFGS-B",
                                          callback=recorder("L-BFGS", max(first_order_steps // 20, 1)),
                                          options={"maxiter": first_order_steps, "maxfun": 2 * first_order_steps,
                                                   "gtol": 0.0, "ftol": 0.0})
            theta = res.x
            note(_row("L-BFGS", int(res.nit), kernel, theta))
        if newton_steps:
            res = scipy.optimize.minimize(kernel.value, theta, jac=kernel.gradient, hess=kernel.hessian,
                                          callback=recorder("trust-region Newton", 1),
                                          method="trust-exact", options={"gtol": 0.0, "maxiter": newton_steps})
            theta = res.x
            note(_row("trust-region Newton", int(res.nit), kernel, theta))
    L, g = kernel.value_and_gradient(theta)
    tol = _gradient_tolerance(kernel, theta, float(L), tolerances)
    if norm(g) <= POLISH_REACH * tol:
        theta = polish(kernel, theta, maxiter=polish_steps).theta
        history.append(_row("polish", 0, kernel, theta))
        L, g = kernel.value_and_gradient(theta)
        tol = _gradient_tolerance(kernel, theta, float(L), tolerances)
    big = float(np.max(np.abs(theta)))
    if big > MAX_WEIGHT or _grows_while_falling(history, escape):
        status = DescentStatus.ESCAPING
    elif norm(g) <= tol:
        status = DescentStatus.CRITICAL
    else:
        status = DescentStatus.NOT_CONVERGED
    return Descent(theta, float(L), float(norm(g)), tol, big, status, tuple(history))


def _grows_while_falling(history: list[dict], escape: EndpointTolerances) -> bool:
    """Over the second half of the Newton stage (where Newton converging to a critical point has stopped
    moving): max |θ_i| grew by ``escape_norm_growth`` while L fell by ``escape_loss_decrease`` relative.
    Without the elasticity bound of :meth:`EndpointTolerances.escaping`: on the digits L falls towards
    zero as the weights grow (L∞ = 0), where that bound cannot separate escape from training."""
    newton = [h for h in history if h["stage"] == "trust-region Newton"]
    if len(newton) < 2:
        return False
    before, after = newton[len(newton) // 2], newton[-1]
    return bool(after["max_weight"] >= escape.escape_norm_growth * before["max_weight"]
                and before["loss"] - after["loss"] >= escape.escape_loss_decrease * abs(before["loss"]))


def _gradient_tolerance(kernel, theta, loss: float, tolerances: SymmetryTolerances) -> float:
    h_norm = float(np.max(np.abs(np.linalg.eigvalsh(kernel.hessian(theta)))))
    return tolerances.gradient(loss, h_norm, float(norm(theta)))


# ---------------------------------------------------------------------------------------------
# the SI line of one added neuron (Theorem 3 in its layer-wise form, seed 003 §6.3.1)

#: μ at which the thesis's claims are checked: outside [0, 1], the ends, the permutation point.
KEY_MUS = (-0.5, 0.0, 0.5, 1.0, 1.5)


def line_mus(n: int = 11, low: float = -0.75, high: float = 1.75) -> np.ndarray:
    """``n`` equally spaced μ in [low, high] together with :data:`KEY_MUS` (sorted, unique)."""
    return np.unique(np.concatenate([np.linspace(low, high, n), KEY_MUS]))


def si_line_report(objective: Objective, theta, layer: int, *, neuron: int | None = None, mus=None,
                   tolerances: SymmetryTolerances = DEFAULT_TOLERANCES) -> tuple[dict, object]:
    """Predicted (In H_r + In K(μ)) against measured inertia along the SI line of ``neuron`` of hidden
    ``layer`` at the critical point θ; the neuron defaults to the one with the largest outgoing vector
    (a neuron with a ≈ 0 gives Y ≈ 0: a line with nothing to predict). Returns (summary, LineSweep)."""
    from .inertia import measure_si_line, predict_si_line
    from .layers import hidden_layer
    hl = hidden_layer(objective.model, layer)
    if neuron is None:
        neuron = int(np.argmax(norm(hl.parameters(np.asarray(theta, dtype=float)).outgoing, axis=0)))
    pr = predict_si_line(objective, theta, neuron, layer=layer, tolerances=tolerances)
    sweep = measure_si_line(pr, line_mus() if mus is None else mus)
    summary = pr.summary()
    rows = sweep.rows()
    key = [r for r in rows if r["mu"] in KEY_MUS]
    summary.update({"neuron": neuron, "n_mu": len(rows), "n_decided": int(sweep.decided.sum()),
                    "all_decided_agree": sweep.all_decided_agree, "key_mus": key, "sweep": rows,
                    "thesis_U0_agrees_on_decided": int(sum(1 for r in rows
                                                           if r["decided"] and r["measured"] == r["thesis_U0"]))})
    return summary, sweep


#: The smooth targets of ``digits_problem("teacher")``: a fixed sigmoid mlp [10, 12, 12, 12, 1] with biases,
#: parameters N(0, 1) from ``default_rng(TEACHER_SEED)``, evaluated on the same digits inputs.
TEACHER_HIDDEN = (12, 12, 12)
TEACHER_SEED = 1
TEACHER_SCALE = 1.0


def digits_problem(targets: str = "labels", hidden: tuple[int, ...] = THESIS_HIDDEN, *,
                   n_samples: int | None = None) -> tuple[Objective, str]:
    """The objective of §6.3 with ``targets`` "labels" (the thesis's ±1 odd/even digit) or "teacher"
    (outputs of the fixed wider teacher of :data:`TEACHER_HIDDEN` on the same PCA inputs), on the first
    ``n_samples`` digits (all 1797 by default), and a one-line description."""
    objective = digits_objective(hidden, n_samples=n_samples)
    widths = "-".join(map(str, hidden))
    if targets == "labels":
        return objective, f"sigmoid mlp {widths} with biases, ±1 odd/even digit labels, square loss"
    if targets == "teacher":
        teacher = models.mlp([objective.X.shape[1], *TEACHER_HIDDEN, 1], "sigmoid", bias=True)
        theta_t = np.random.default_rng(TEACHER_SEED).normal(scale=TEACHER_SCALE, size=teacher.n_parameters)
        y = teacher.evaluate(theta_t, objective.X)
        return (Objective(objective.model, objective.X, y),
                f"sigmoid mlp {widths} with biases, targets of a fixed sigmoid teacher "
                f"{'-'.join(map(str, TEACHER_HIDDEN))} (N(0, 1) weights, seed {TEACHER_SEED}), square loss")
    raise ValueError(f"targets must be 'labels' or 'teacher', got {targets!r}")
