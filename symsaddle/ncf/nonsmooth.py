"""Non-smooth gradient flows: the kink convention, a branching and a non-branching example.

Convention of the core (``symsaddle._activations``): Step(0) = 0, so relu′(0) = 0,
leaky_relu′(0) = α, squared_relu″(0) = 0 — for each activation the minimum-norm element of
its Clarke subdifferential. Every kernel gradient is the chain rule with these elements. What
that means for the flows of seed 002 (ẇ ∈ −∂L(w), u̇ ∈ ∂N(u), Clarke subdifferential ∂):

* Where no sample sits on a kink (wᵀx_i ≠ 0 for every neuron and sample) N is smooth and the
  kernel gradient *is* ∇N: the core's gradient descent and ``gradient_flow`` follow the unique
  flow. Squared ReLU has a locally Lipschitz gradient everywhere, so its flows never branch
  (seed 002 §5.1: "this requirement is always satisfied ... squared ReLU").
* On a kink the kernel returns one element of the chain-rule set Σ_i z_i a ∂σ(wᵀx_i) x_i, which
  contains the Clarke subdifferential but can be larger: the kernel gradient need not be a Clarke
  subgradient at all. :func:`convention_counterexample`: H = a(σ(w) − σ(−w)) = a·w is smooth with
  ∂H/∂w = a, but at w = 0 the kernel returns 0 (both kinks take Step(0) = 0). Gradient descent
  started exactly there stays at a point that is not even Clarke-critical. Such starts have
  measure zero, but symmetric data sets (x, −x) with opposite labels produce exactly this
  cancellation (seed 002 G.2).
* A flow started on a kink can *branch* (several solutions, Definition 4.1 of seed 002 calls a
  start with a unique solution "non-branching"). The kernel's selection (minimum norm per
  activation) picks the solution that stays on the kink whenever 0 is selected.
  :func:`branching_example`: one ReLU neuron N(a, w) = a·σ(w) (x = 1, z = 1) from (1, 0), where
  ∂N(1, 0) = {0} × [0, 1]. For every t₀ ∈ [0, ∞], u(t) = (1, 0) for t ≤ t₀ and
  (cosh(t − t₀), sinh(t − t₀)) after is a solution; the core flow takes t₀ = ∞ (it stays), any
  perturbation (1, ε) escapes to the direction (1, 1)/√2, a KKT point with N = ½.
* :func:`dead_relu_chatter_bound`: gradient *descent* cannot settle on a kink. A ReLU neuron
  heading for the non-smooth KKT point (w, a) = (0, −1) (N = 0, seed 002's "weights ≈ 0" branch
  for the input weights) keeps crossing w = 0: with r_i ≈ −y_i near the origin its step is
  w ← w − η|a|g(w), g(w) = Σ_i y_i 1[wᵀx_i > 0] x_i, and wᵀg(w) = G(w) ≥ c|w| with
  c = min_{‖ŵ‖=1} G(ŵ) > 0, G(ŵ) = Σ_i y_i σ(ŵᵀx_i). Hence |w_new|² ≤ |w|² − 2η|a|c|w| + (η|a|γ)²,
  γ = max_w ‖g(w)‖, and the ball |w| ≤ η|a|γ·√(1 + (γ/2c)²) is invariant: the neuron's angle to
  (0, −1) stays at the O(η) level ≤ ηγ√(1 + (γ/2c)²) for every δ instead of → 0.
* :func:`non_branching_example`: the same neuron from (1, w₀) with w₀ > 0 never meets the kink
  (ẇ = a > 0), the solution is unique, (a, w)(t) = (cosh t + w₀ sinh t, sinh t + w₀ cosh t);
  the core's ``gradient_flow`` reproduces it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

from .. import Step
from .. import Objective
from ..dynamics import gradient_flow
from ..models import custom, two_layer
from ..reports import compact_repr


def dead_relu_chatter_bound(X, y, step: float) -> float:
    """ηγ√(1 + (γ/2c)²) (radians) for inputs in R² with labels y ≥ 0 (module docstring)."""
    from .closed_form import _in_arc, _sectors

    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float).ravel()
    if np.any(y < 0):
        raise ValueError("the chatter bound is derived for labels y ≥ 0")
    gamma, c = 0.0, np.inf
    for lo, hi, S in _sectors(X):
        g = (y[S, None] * X[S]).sum(axis=0)
        gamma = max(gamma, float(np.linalg.norm(g)))
        ends = [np.array([np.cos(t), np.sin(t)]) for t in (lo, hi)]
        cands = [float(e @ g) for e in ends]
        if np.linalg.norm(g) > 0 and _in_arc(-g, lo, hi):
            cands.append(-float(np.linalg.norm(g)))
        c = min(c, min(cands))
    if c <= 0:
        raise ValueError("G(ŵ) = Σ y_i σ(ŵᵀx_i) vanishes in some direction; the bound needs c > 0")
    return float(step * gamma * np.sqrt(1 + (gamma / (2 * c)) ** 2))


def _neuron_ncf_kernel():
    """N(w, a) = a·σ(w·1) with z = 1 (flat order (w, a) of ``two_layer(1, 1, 'relu')``)."""
    m = two_layer(1, 1, "relu")
    return Objective(m, np.ones((1, 1)), np.ones(1), loss="linear", normalization="sum").compile()


@dataclass(frozen=True)
class ConventionCounterexample:
    """Kernel gradient vs the true derivative of H = a(σ(w) − σ(−w)) = a·w at (w, a) = (0, 1)."""

    __repr__ = compact_repr

    kernel_gradient: np.ndarray
    central_difference: np.ndarray
    clarke_subdifferential: np.ndarray


def convention_counterexample(h: float = 1e-6) -> ConventionCounterexample:
    w, a = sp.symbols("w a", real=True)
    x = sp.Symbol("x_{1}", real=True)
    m = custom(a * (x * w * Step(x * w) - (-x * w) * Step(-x * w)), [w, a], [x])
    k = Objective(m, np.ones((1, 1)), np.ones(1), loss="linear", normalization="sum").compile()
    theta = np.array([0.0, 1.0])
    fd = np.array([(k.value(theta + h * e) - k.value(theta - h * e)) / (2 * h) for e in np.eye(2)])
    return ConventionCounterexample(k.gradient(theta), fd, np.array([1.0, 0.0]))


@dataclass(frozen=True)
class BranchingExample:
    """Solutions of u̇ ∈ ∂N(u) from (w, a) = (0, 1) for N = a·σ(w).

    ``times``; ``family[t0]`` the solution that leaves the kink at t₀ (shape (T, 2));
    ``inclusion_residual[t0]`` max over t of dist(u̇(t), ∂N(u(t))) (exact Clarke set);
    ``core_flow`` the core ``gradient_flow`` from (0, 1) (stays); ``perturbed_flow`` from (ε, 1).
    """

    __repr__ = compact_repr

    times: np.ndarray
    family: dict
    inclusion_residual: dict
    core_flow: np.ndarray
    perturbed_flow: np.ndarray
    epsilon: float


def _family(times: np.ndarray, t0: float) -> tuple[np.ndarray, np.ndarray]:
    s = np.maximum(times - t0, 0.0)
    u = np.stack([np.sinh(s), np.cosh(s)], axis=1)                  # (w, a)
    du = np.where((times > t0)[:, None], np.stack([np.cosh(s), np.sinh(s)], axis=1), 0.0)
    return u, du


def _distance_to_clarke(u: np.ndarray, du: np.ndarray) -> np.ndarray:
    """dist(u̇, ∂N(u)) for N = a·σ(w): ∂N = {(a·θ, σ(w))}, θ = 1 (w > 0), 0 (w < 0), [0, 1] (w = 0)."""
    w, a = u[:, 0], u[:, 1]
    lo = np.where(w > 0, a, np.where(w < 0, 0.0, np.minimum(0.0, a)))
    hi = np.where(w > 0, a, np.where(w < 0, 0.0, np.maximum(0.0, a)))
    dw = np.clip(du[:, 0], lo, hi) - du[:, 0]
    da = np.maximum(w, 0.0) - du[:, 1]
    return np.hypot(dw, da)


def branching_example(t_end: float = 3.0, t0s=(0.0, 1.0, 2.0), epsilon: float = 1e-6) -> BranchingExample:
    times = np.linspace(0.0, t_end, 301)
    fam, res = {}, {}
    for t0 in t0s:
        u, du = _family(times, t0)
        fam[float(t0)] = u
        res[float(t0)] = float(np.max(_distance_to_clarke(u, du)))
    k = _neuron_ncf_kernel()
    ascent = _AscentKernel(k)
    stay = gradient_flow(ascent, np.array([0.0, 1.0]), (0.0, t_end), t_eval=times).thetas
    leave = gradient_flow(ascent, np.array([epsilon, 1.0]), (0.0, t_end), t_eval=times).thetas
    return BranchingExample(times, fam, res, stay, leave, epsilon)


@dataclass(frozen=True)
class NonBranchingExample:
    """The unique solution from (w₀, 1), w₀ > 0: closed form vs the core ``gradient_flow``."""

    __repr__ = compact_repr

    times: np.ndarray
    closed_form: np.ndarray
    core_flow: np.ndarray
    w0: float


def non_branching_example(w0: float = 0.5, t_end: float = 3.0) -> NonBranchingExample:
    if w0 <= 0:
        raise ValueError("the non-branching example needs w₀ > 0 (a start off the kink)")
    times = np.linspace(0.0, t_end, 301)
    closed = np.stack([np.sinh(times) + w0 * np.cosh(times), np.cosh(times) + w0 * np.sinh(times)], axis=1)
    flow = gradient_flow(_AscentKernel(_neuron_ncf_kernel()), np.array([w0, 1.0]), (0.0, t_end), t_eval=times)
    return NonBranchingExample(times, closed, flow.thetas, w0)


class _AscentKernel:
    """The NCF flow u̇ = ∇N(u) as the core's descent flow of −N (flow = −∇(−N))."""

    def __init__(self, kernel):
        self.k = kernel
        self.P = kernel.P
        self.backend = f"−N via {kernel.backend}"

    def __repr__(self) -> str:
        return f"_AscentKernel(backend={self.backend!r}, P={self.P})"

    def value(self, u):
        return -self.k.value(u)

    def value_and_gradient(self, u):
        v, g = self.k.value_and_gradient(u)
        return -v, -g

    def gradient(self, u):
        return -self.k.gradient(u)

    def hessian(self, u):
        return -self.k.hessian(u)

    def directional(self, u, v, order: int):
        return -self.k.directional(u, v, order)

    def flow(self, u):
        return self.k.gradient(u)

    def flow_jacobian(self, u):
        return self.k.hessian(u)
