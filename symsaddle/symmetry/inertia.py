"""The Hessian along a symmetry-induced line: Y, U and the inertia predictor (seed 003 §6.2.6 Theorem 3,
Corollaries 3.1/3.2, §6.3; ``shared/references/landscape_theory.md`` §1.6–1.7; issue 9 part 3).

Let θ_r be a critical point of a network whose hidden layer l has width r, and θ(μ) the point of the
width-(r+1) network where neuron j is duplicated with outgoing vectors (μ a_j, (1 − μ) a_j). With
h = h^{l−1}(x) the layer's input (with a 1 appended when the layer has biases, so w̃_j = (w_j, b_j)),
g = ∂ℓ/∂z^{l+1} the loss derivative back-propagated to the next pre-activation (for the last hidden
layer g = c'(x) = ∂ℓ/∂f), and E the objective's normalised sum over samples:

    Y = E[σ''(w̃_j·h) (a_jᵀ g) h hᵀ]  ∈ R^{d×d},        U = E[σ'(w̃_j·h) h gᵀ]  ∈ R^{d×n_{l+1}},

    K(μ) = [[μ(1−μ) Y, U], [Uᵀ, 0]].

In the coordinates (θ', v, c) — θ' the reduced network's parameters (with w̃_j → w̃_j + u,
a_j → a_j + b), v the split of the incoming vectors, c the split of the outgoing vectors:
w̃_j = w̃* + u + (1−μ)v, w̃' = w̃* + u − μv, a_j = μ(a* + b) + c, a' = (1−μ)(a* + b) − c — the Hessian is
block diagonal, H_r(θ_r) ⊕ K(μ), and the change of coordinates is invertible for every μ, so by
Sylvester's law of inertia

    In H(μ) = In H_r(θ_r) + In K(μ),    In K(μ) = (k, k, n_{l+1} − k) + In(μ(1−μ) Zᵀ Y Z),

with k = rank U and Z a basis of ker Uᵀ (inertia written (negative, zero, positive) … here
(n₋, n₀, n₊) = (k, n_{l+1} − k, k) + …). At a critical point U a_j = ∇_{w̃_j} L = 0, so k ≤ n_{l+1} − 1;
for the last hidden layer of a single-output network U = 0 (the thesis's argument, §6.2.6).

Y and U are computed from the core's pieces, not from the Hessian of the wider network: the layer
input h by evaluating the ``mlp`` prefix model (``Model.evaluate``) and the activation
(``Activation.numpy_derivatives``); σ', σ'' from the same; g from the loss derivative of the core
(``SampleDerivatives.loss_first``) at the model's outputs, back-propagated through the suffix
``mlp`` by its SymPy Jacobian when the layer is not the last. The measured side is the core kernel's
Hessian of the width-(r+1) objective, batched over μ.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property, lru_cache

import numpy as np
import sympy as sp

from .. import models
from .. import Objective
from ..critical import Kind, classify
from ..models import Model
from .errors import NeuronIndexError, NotCriticalError
from .layers import HiddenLayer, NetworkPoint, hidden_layer
from .operations import duplicate_neuron
from .tolerances import DEFAULT_TOLERANCES, SymmetryTolerances, norm
from ..reports import compact_repr


@dataclass(frozen=True, order=True)
class Inertia:
    """Numbers of negative, zero and positive eigenvalues (Sylvester's inertia)."""

    negative: int
    zero: int
    positive: int

    def __add__(self, other: "Inertia") -> "Inertia":
        return Inertia(self.negative + other.negative, self.zero + other.zero, self.positive + other.positive)

    @classmethod
    def of(cls, eigenvalues: np.ndarray, tol: float) -> "Inertia":
        lam = np.asarray(eigenvalues, dtype=float)
        return cls(int(np.sum(lam < -tol)), int(np.sum(np.abs(lam) <= tol)), int(np.sum(lam > tol)))

    @property
    def index(self) -> int:
        return self.negative

    def as_tuple(self) -> tuple[int, int, int]:
        return (self.negative, self.zero, self.positive)


class LineVerdict(str, Enum):
    """What a piece of an SI line is, by the predicted inertia and the theorems behind it."""

    STRICT_SADDLE = "strict saddle"
    DEGENERATE_MINIMUM = "degenerate minimum"          # PSD, U = 0, Y definite, H_r ≻ 0 (Fukumizu–Amari 2000)
    NON_STRICT_SADDLE = "non-strict saddle"            # PSD, but saddles of the same loss arbitrarily close
    GLOBAL_MINIMUM = "global minimum"                  # the reduced point attains the loss's lower bound
    INCONCLUSIVE = "inconclusive"                      # second order cannot decide (singular H_r or Y)


SEGMENTS = ("mu < 0", "mu = 0", "0 < mu < 1", "mu = 1", "mu > 1")
SEGMENT_POINTS = {"mu < 0": -0.5, "mu = 0": 0.0, "0 < mu < 1": 0.5, "mu = 1": 1.0, "mu > 1": 1.5}


# ---------------------------------------------------------------------------------------------
# layer signals from the core's pieces


@lru_cache(maxsize=None)
def _suffix_jacobian(model: Model, layer: int):
    """(suffix model, NumPy function (θ_suffix, h^{l+1} rows) ↦ ∂f/∂h^{l+1} of shape (d_out, n_{l+1}, n))."""
    info = dict(model.info)
    widths = tuple(info["widths"])
    suffix = models.mlp(widths[layer + 1:], info["activation"], bias=info["bias"])
    J = sp.Matrix(suffix.outputs).jacobian(suffix.inputs)
    from .. import NUMPY_FUNCTIONS
    fn = sp.lambdify([list(suffix.parameters), list(suffix.inputs)], [J[o, i] for o in range(J.rows) for i in range(J.cols)],
                     modules=[NUMPY_FUNCTIONS, "numpy"], cse=True)
    return suffix, fn, J.shape


@lru_cache(maxsize=None)
def _loss_first(sd):
    """ℓ'(f, y) (the core's ``SampleDerivatives.loss_first``) lambdified to NumPy."""
    return sp.lambdify([list(sd.output_symbols), list(sd.labels)], list(sd.loss_first), modules="numpy")


def _prefix_output(model: Model, theta: np.ndarray, depth: int, X: np.ndarray) -> np.ndarray:
    """z^{depth}(x): the pre-activation of layer ``depth`` of an mlp, by evaluating its prefix model."""
    info = dict(model.info)
    widths = tuple(info["widths"])
    prefix = models.mlp(widths[:depth + 1], info["activation"], bias=info["bias"])
    blocks = dict(zip([b.name for b in model.blocks], [theta[s] for s in model.block_slices().values()]))
    th = np.concatenate([blocks[b.name] for b in prefix.blocks])
    return prefix.evaluate(th, X)


@dataclass(frozen=True)
class LayerSignals:
    """Per-sample h (n, d) — with a trailing 1 when the layer has biases — and g = ∂ℓ/∂z^{l+1} (n, n_{l+1})."""

    __repr__ = compact_repr

    inputs: np.ndarray
    back_error: np.ndarray
    factor: float


def layer_signals(objective: Objective, theta, layer: HiddenLayer) -> LayerSignals:
    """h^{l−1}(x_i) and g^{l+1}(x_i) at θ for every sample (see the module docstring)."""
    model = objective.model
    th = np.asarray(theta, dtype=float)
    X, Y = np.asarray(objective.X, dtype=float), np.asarray(objective.y, dtype=float)
    act = layer.activation
    if layer.layer == 1:
        h = X
    else:
        h = act.numpy_derivatives(0)(_prefix_output(model, th, layer.layer - 1, X))[0]
    if layer.bias_block is not None:
        h = np.hstack([h, np.ones((h.shape[0], 1))])
    f = model.evaluate(th, X)
    loss_first = _loss_first(objective.sample)
    lp = np.stack([np.broadcast_to(np.asarray(v, dtype=float), (X.shape[0],))
                   for v in loss_first(list(f.T), list(Y.T))], axis=1)          # (n, d_out)
    if layer.is_last:
        g = lp
    else:
        z_next = _prefix_output(model, th, layer.layer + 1, X)                   # (n, n_{l+1})
        sig, dsig = act.numpy_derivatives(1)(z_next)
        suffix, jac_fn, (n_out, n_in) = _suffix_jacobian(model, layer.layer)
        blocks = {b.name: th[s] for b, s in zip(model.blocks, model.block_slices().values())}
        offset = layer.layer + 1
        th_suffix = np.concatenate([blocks[b.name[0] + str(int(b.name[1:]) + offset)] for b in suffix.blocks])
        vals = jac_fn(list(th_suffix), list(sig.T))
        J = np.stack([np.broadcast_to(np.asarray(v, dtype=float), (X.shape[0],)) for v in vals]).reshape(n_out, n_in, -1)
        g = dsig * np.einsum("oin,no->ni", J, lp)
    return LayerSignals(h, g, float(objective.factor))


# ---------------------------------------------------------------------------------------------
# the predictor


def widened_objective(objective: Objective, model: Model) -> Objective:
    """The same loss, data and normalisation for another model (the width-(r+1) network)."""
    return Objective(model, objective.X, objective.y, objective.loss, objective.normalization)


@dataclass(frozen=True)
class Segment:
    """One piece of the SI line and its predicted inertia and verdict."""

    name: str
    inertia: Inertia
    verdict: LineVerdict
    reason: str

    def row(self) -> dict:
        return {"segment": self.name, "negative": self.inertia.negative, "zero": self.inertia.zero,
                "positive": self.inertia.positive, "verdict": self.verdict.value, "reason": self.reason}


@dataclass(frozen=True)
class SILinePrediction:
    """Theorem 3 for one critical point θ_r, hidden layer and neuron j (see the module docstring).

    ``Y`` (d × d), ``U`` (d × n_{l+1}); ``rank_U`` with ``U_tolerance``; ``Y_kernel_eigenvalues`` are
    the eigenvalues of Zᵀ Y Z (Y restricted to ker Uᵀ; all of Y when U = 0); ``reduced_eigenvalues``
    those of H_r(θ_r), with ``reduced_inertia`` at ``eigenvalue_tolerance``.
    """

    __repr__ = compact_repr

    point: NetworkPoint
    layer: HiddenLayer
    neuron: int
    objective: Objective
    loss: float
    gradient_norm: float
    gradient_tolerance: float
    Y: np.ndarray
    U: np.ndarray
    rank_U: int
    U_singular_values: np.ndarray
    U_tolerance: float
    Y_kernel_eigenvalues: np.ndarray
    Y_tolerance: float
    reduced_eigenvalues: np.ndarray
    eigenvalue_tolerance: float
    reduced_inertia: Inertia
    attains_lower_bound: bool
    tolerances: SymmetryTolerances = field(repr=False)

    # -- blocks ----------------------------------------------------------------------------
    @property
    def d(self) -> int:
        return self.Y.shape[0]

    @property
    def fan_out(self) -> int:
        return self.U.shape[1]

    def K(self, mu: float) -> np.ndarray:
        """K(μ) = [[μ(1−μ)Y, U], [Uᵀ, 0]] (Theorem 3)."""
        return np.block([[mu * (1 - mu) * self.Y, self.U], [self.U.T, np.zeros((self.fan_out,) * 2)]])

    @cached_property
    def Y_inertia(self) -> Inertia:
        """(i⁻, i⁰, i⁺) of Zᵀ Y Z (of Y itself when U = 0: Corollary 3.2's counts)."""
        return Inertia.of(self.Y_kernel_eigenvalues, self.Y_tolerance)

    def block_inertia(self, mu: float, *, thesis: bool = False) -> Inertia:
        """In K(μ) = (k, n_{l+1} − k, k) + In(μ(1−μ) ZᵀYZ) (k = rank U); with ``thesis=True`` U is taken
        to be 0 (the single-output argument of §6.2.6 and Corollary 3.2), whatever it is."""
        k = 0 if thesis else self.rank_U
        lam = self.Y_kernel_eigenvalues if not thesis else self._Y_all_eigenvalues
        s = mu * (1 - mu)
        if s == 0:
            inner = Inertia(0, lam.size, 0)
        else:
            y = Inertia.of(lam, self.Y_tolerance)
            inner = Inertia(y.positive, y.zero, y.negative) if s < 0 else y
        return Inertia(k, self.fan_out - k, k) + inner

    @cached_property
    def _Y_all_eigenvalues(self) -> np.ndarray:
        return np.linalg.eigvalsh((self.Y + self.Y.T) / 2)

    def inertia(self, mu: float, *, thesis: bool = False) -> Inertia:
        """Predicted In H(μ) = In H_r(θ_r) + In K(μ) of the width-(r+1) network at θ(μ)."""
        return self.reduced_inertia + self.block_inertia(mu, thesis=thesis)

    def line_point(self, mu) -> NetworkPoint:
        """θ(μ) in the width-(r+1) model (the copy of neuron j is the last neuron of the layer)."""
        return duplicate_neuron(self.point.model, self.point.theta, self.neuron, mu, layer=self.layer.layer)

    @cached_property
    def wide_objective(self) -> Objective:
        return widened_objective(self.objective, self.line_point(0.5).model)

    # -- Brea et al. 2019 ------------------------------------------------------------------
    @property
    def brea_zero_count(self) -> int:
        """Brea et al.'s "at least n_{k+1}" vanishing eigenvalues at the permutation point μ = ½."""
        return self.fan_out

    @property
    def permutation_point_zero_count(self) -> int:
        """The exact count at μ = ½: n_{l+1} − rank U, plus the zeros of H_r and of ZᵀYZ."""
        return self.inertia(0.5).zero

    # -- verdicts ----------------------------------------------------------------------------
    @cached_property
    def segments(self) -> tuple[Segment, ...]:
        """The five pieces μ < 0, μ = 0, 0 < μ < 1, μ = 1, μ > 1, classified from the predicted inertia."""
        inertias = {name: self.inertia(SEGMENT_POINTS[name]) for name in SEGMENTS}
        out = []
        for name in SEGMENTS:
            In = inertias[name]
            if self.attains_lower_bound:
                out.append(Segment(name, In, LineVerdict.GLOBAL_MINIMUM,
                                   f"the reduced point attains the loss's lower bound {self.objective.lower_bound}"))
            elif In.negative > 0:
                why = f"{In.negative} negative eigenvalue(s) predicted"
                if self.rank_U:
                    why += f"; rank U = {self.rank_U} of them come from the (v, c) block for every μ"
                out.append(Segment(name, In, LineVerdict.STRICT_SADDLE, why))
            elif name in ("mu = 0", "mu = 1"):
                neighbours = [inertias[n] for n in SEGMENTS if abs(SEGMENTS.index(n) - SEGMENTS.index(name)) == 1]
                if any(n.negative > 0 for n in neighbours):
                    out.append(Segment(name, In, LineVerdict.NON_STRICT_SADDLE,
                                       "PSD Hessian, but the adjacent open segment consists of strict saddles with the "
                                       "same loss: points of lower loss arbitrarily close"))
                else:
                    out.append(Segment(name, In, LineVerdict.INCONCLUSIVE, "PSD Hessian; second order cannot decide"))
            elif (self.rank_U == 0 and self.reduced_inertia.zero == 0 and self.Y_inertia.zero == 0):
                out.append(Segment(name, In, LineVerdict.DEGENERATE_MINIMUM,
                                   "U = 0, H_r ≻ 0 and μ(1−μ)Y ≻ 0: a degenerate local minimum (Fukumizu & Amari 2000, "
                                   "Theorem 3; thesis Corollaries 3.1/3.2)"))
            else:
                out.append(Segment(name, In, LineVerdict.INCONCLUSIVE,
                                   "PSD Hessian with zeros beyond the line direction (singular H_r, or Y singular on ker Uᵀ)"))
        return tuple(out)

    def summary(self) -> dict:
        return {"loss": self.loss, "gradient_norm": self.gradient_norm, "gradient_tolerance": self.gradient_tolerance,
                "layer": self.layer.layer, "neuron": self.neuron, "d": self.d, "fan_out": self.fan_out,
                "is_last_hidden_layer": self.layer.is_last, "Y": self.Y, "U": self.U, "rank_U": self.rank_U,
                "U_singular_values": self.U_singular_values, "U_tolerance": self.U_tolerance,
                "Y_eigenvalues": self._Y_all_eigenvalues, "Y_kernel_eigenvalues": self.Y_kernel_eigenvalues,
                "Y_inertia": self.Y_inertia.as_tuple(), "reduced_inertia": self.reduced_inertia.as_tuple(),
                "reduced_min_eigenvalue": float(self.reduced_eigenvalues[0]),
                "brea_zero_count": self.brea_zero_count, "permutation_point_zero_count": self.permutation_point_zero_count,
                "segments": [s.row() for s in self.segments]}


def _hessian_tolerance(kernel, theta, tolerances: SymmetryTolerances) -> tuple[float, float, float, np.ndarray]:
    L, g = kernel.value_and_gradient(theta)
    H = kernel.hessian(theta)
    lam = np.linalg.eigvalsh((H + H.T) / 2)
    h_norm = float(np.max(np.abs(lam)))
    g_norm = float(norm(g))
    return float(L), g_norm, tolerances.gradient(float(L), h_norm, float(norm(theta))), lam


def segment_of(mu: float) -> str:
    """The name (one of :data:`SEGMENTS`) of the piece of an SI line that contains μ."""
    if mu < 0:
        return "mu < 0"
    if mu == 0:
        return "mu = 0"
    if mu < 1:
        return "0 < mu < 1"
    return "mu = 1" if mu == 1 else "mu > 1"


def theorem3_at(problem, theta_r, neuron: int, mu: float) -> dict:
    """Theorem 3's verdict at split μ of the SI line through the reduced critical point θ_r.

    ``problem`` is anything with ``objective`` and ``kernel`` (e.g. a teacher–student problem of
    width r); this is the predictor the end-point analyses attach to every duplicated pair.
    """
    name = segment_of(mu)
    try:
        pr = predict_si_line(problem.objective, theta_r, neuron, kernel=problem.kernel)
    except NotCriticalError as exc:
        return {"mu": float(mu), "segment": name, "verdict": LineVerdict.INCONCLUSIVE.value, "reason": str(exc)}
    segment = next(s for s in pr.segments if s.name == name)
    return {"mu": float(mu), "segment": name, "predicted_inertia": pr.inertia(mu).as_tuple(),
            "verdict": segment.verdict.value, "reason": segment.reason, "rank_U": pr.rank_U,
            "Y_inertia": pr.Y_inertia.as_tuple(), "reduced_inertia": pr.reduced_inertia.as_tuple()}


def predict_si_line(objective: Objective, theta, neuron: int, *, layer: int | None = None,
                    tolerances: SymmetryTolerances = DEFAULT_TOLERANCES, kernel=None) -> SILinePrediction:
    """Y, U, H_r and the predicted inertia along the SI line of neuron j of θ_r (Theorem 3).

    Raises :class:`NotCriticalError` if ‖∇L(θ_r)‖ exceeds the gradient tolerance: the theorem is
    about critical points, and no SI verdict is given elsewhere.
    """
    hl = hidden_layer(objective.model, layer)
    th = np.asarray(theta, dtype=float)
    p = hl.parameters(th)
    if not (isinstance(neuron, (int, np.integer)) and 0 <= neuron < hl.width):
        raise NeuronIndexError(f"neuron must be in 0..{hl.width - 1}, got {neuron!r}")
    kernel = kernel or objective.compile()
    L, g_norm, tol_g, lam = _hessian_tolerance(kernel, th, tolerances)
    if g_norm > tol_g:
        raise NotCriticalError(f"not a critical point: ‖∇L‖ = {g_norm:.3e} > tolerance {tol_g:.3e}; polish it first "
                               "(symsaddle.critical.polish) — Theorem 3 says nothing about non-critical points")
    sig = layer_signals(objective, th, hl)
    h, gerr, c = sig.inputs, sig.back_error, sig.factor
    w = p.neuron_input(neuron)
    a = p.outgoing[:, neuron]
    z = h @ w
    _, d1, d2 = hl.activation.numpy_derivatives(2)(z)
    ag = gerr @ a
    Y = c * np.einsum("n,ni,nk->ik", d2 * ag, h, h)
    U = c * np.einsum("n,ni,nk->ik", d1, h, gerr)
    scale_U = c * float(np.sum(np.abs(d1) * norm(h, axis=1) * norm(gerr, axis=1)))
    scale_Y = c * float(np.sum(np.abs(d2 * ag) * norm(h, axis=1) ** 2))
    lower = objective.lower_bound
    at_lower = lower is not None and tolerances.attains(L, lower, float(kernel.value(np.zeros_like(th))))
    sv = np.linalg.svd(U, compute_uv=False)
    # at a point attaining the loss's lower bound, ℓ'(f(x_i), y_i) = 0 for every sample, so g ≡ 0 and
    # Y = U = 0 exactly: what the float sums hold is rounding, and no tolerance relative to it can decide
    tol_U = np.inf if at_lower else tolerances.singular_value(scale_U, g_norm, float(norm(a)))
    tol_Y = np.inf if at_lower else tolerances.y_eigenvalue(scale_Y)
    k = int(np.sum(sv > tol_U))
    if k:
        Uu, _, _ = np.linalg.svd(U)
        Z = Uu[:, k:]
    else:
        Z = np.eye(U.shape[0])
    YZ = Z.T @ ((Y + Y.T) / 2) @ Z
    tol_l = tolerances.eigenvalue(float(np.max(np.abs(lam))), g_norm)
    return SILinePrediction(NetworkPoint(objective.model, th), hl, int(neuron), objective, L, g_norm, tol_g, Y, U, k,
                            sv, tol_U, np.linalg.eigvalsh(YZ), tol_Y, lam, tol_l,
                            Inertia.of(lam, tol_l), at_lower, tolerances)


# ---------------------------------------------------------------------------------------------
# measurement along μ


@dataclass(frozen=True)
class LineSweep:
    """Measured Hessian spectra along the SI line, against the prediction."""

    __repr__ = compact_repr

    prediction: SILinePrediction
    mus: np.ndarray
    eigenvalues: np.ndarray            # (B, P), ascending
    gradient_norms: np.ndarray
    tolerances_used: np.ndarray        # zero-eigenvalue tolerance per μ
    measured: tuple[Inertia | None, ...]   # None where an eigenvalue lies in the ambiguous band
    predicted: tuple[Inertia, ...]
    thesis: tuple[Inertia, ...]        # Corollary 3.2's prediction (U taken as 0)
    resolvable: np.ndarray             # every predicted non-zero eigenvalue provably exceeds the zero tolerance

    @property
    def decided(self) -> np.ndarray:
        """μ where the comparison means something: no measured eigenvalue in the ambiguous band
        (tol, band·tol], and every eigenvalue the prediction calls non-zero is, by Ostrowski's bound,
        larger than tol — so a correct prediction cannot be miscounted as zero, and a wrong one shows."""
        return np.array([m is not None for m in self.measured]) & self.resolvable

    @property
    def agrees(self) -> np.ndarray:
        """Measured inertia equals the prediction (only meaningful where ``decided``)."""
        return np.array([m is not None and m == p for m, p in zip(self.measured, self.predicted)])

    @property
    def all_decided_agree(self) -> bool:
        return bool(np.all(self.agrees[self.decided]))

    def rows(self) -> list[dict]:
        out = []
        for i, mu in enumerate(self.mus):
            m, p, t = self.measured[i], self.predicted[i], self.thesis[i]
            out.append({"mu": float(mu), "measured": None if m is None else m.as_tuple(), "predicted": p.as_tuple(),
                        "thesis_U0": t.as_tuple(), "decided": bool(self.decided[i]), "agrees": bool(self.agrees[i]),
                        "min_eigenvalue": float(self.eigenvalues[i, 0]), "gradient_norm": float(self.gradient_norms[i]),
                        "zero_tolerance": float(self.tolerances_used[i])})
        return out


def default_mus(n: int = 100, low: float = -1.0, high: float = 2.0) -> np.ndarray:
    """n equally spaced μ in [low, high], with 0, ½ and 1 added (sorted, unique)."""
    return np.unique(np.concatenate([np.linspace(low, high, n), [0.0, 0.5, 1.0]]))


def line_thetas(prediction: SILinePrediction, mus) -> np.ndarray:
    """θ(μ) for every μ, shape (B, P_{r+1})."""
    return np.stack([prediction.line_point(float(mu)).theta for mu in np.asarray(mus, dtype=float)])


def measure_si_line(prediction: SILinePrediction, mus=None, *, kernel=None) -> LineSweep:
    """Hessians of the width-(r+1) objective at θ(μ) for all μ in one batched kernel call; measured
    inertia with the zero tolerance max(eigen_rtol·‖H‖, gradient_factor·‖∇L‖) and an ambiguous band."""
    mus = default_mus() if mus is None else np.asarray(mus, dtype=float)
    kernel = kernel or prediction.wide_objective.compile()
    thetas = line_thetas(prediction, mus)
    _, grads = kernel.value_and_gradient(thetas)
    H = kernel.hessian(thetas)
    lam = np.linalg.eigvalsh((H + np.swapaxes(H, 1, 2)) / 2)
    tol = prediction.tolerances
    gn = norm(grads, axis=1)
    tols = np.array([tol.eigenvalue(float(np.max(np.abs(l))), float(g)) for l, g in zip(lam, gn)])
    measured = []
    for l, t in zip(lam, tols):
        ambiguous = np.any((np.abs(l) > t) & (np.abs(l) <= tol.band * t))
        measured.append(None if ambiguous else Inertia.of(l, t))
    resolvable = np.array([smallest_predicted_magnitude(prediction, float(mu)) > t for mu, t in zip(mus, tols)])
    return LineSweep(prediction, mus, lam, gn, tols, tuple(measured),
                     tuple(prediction.inertia(float(mu)) for mu in mus),
                     tuple(prediction.inertia(float(mu), thesis=True) for mu in mus), resolvable)


def classify_segments(prediction: SILinePrediction, *, kernel=None) -> dict[str, Kind]:
    """The core's :func:`symsaddle.critical.classify` at one point of each segment (μ = −½, 0, ½, 1, 3/2)."""
    kernel = kernel or prediction.wide_objective.compile()
    return {name: classify(kernel, prediction.line_point(mu).theta, lower_bound=prediction.objective.lower_bound).kind
            for name, mu in SEGMENT_POINTS.items()}


def line_coordinates(prediction: SILinePrediction, mu: float) -> np.ndarray:
    """The matrix T(μ) (P_{r+1} × P_{r+1}) of the change of coordinates (θ', v, c) → θ of the module
    docstring: columns for every reduced parameter (those of neuron j move both copies: u with weights
    (1, 1), b with (μ, 1 − μ)), then v (1 − μ, −μ) and c (1, −1). Invertible for every μ."""
    hl_r = prediction.layer
    wide = hl_r.with_width(hl_r.width + 1)
    model_r = prediction.point.model
    P_r, P = model_r.n_parameters, wide.model.n_parameters
    j, new = prediction.neuron, hl_r.width
    idx_r = hl_r.parameters(np.arange(P_r))
    idx = wide.parameters(np.arange(P))
    T = np.zeros((P, P_r))
    wide_of = np.empty(P_r, dtype=int)          # where each reduced parameter sits in θ_{r+1}
    slices_r, slices = model_r.block_slices(), wide.model.block_slices()
    for b in model_r.blocks:
        src = np.arange(P_r)[slices_r[b.name]].reshape(b.shape)
        dst = np.arange(P)[slices[b.name]].reshape(wide.model.block(b.name).shape)
        if b.name in (hl_r.incoming_block, hl_r.bias_block):
            dst = dst[:hl_r.width]
        elif b.name == hl_r.outgoing_block:
            dst = dst[..., :hl_r.width]
        wide_of[src.ravel()] = np.asarray(dst).ravel()
    T[wide_of, np.arange(P_r)] = 1.0
    w_r = list(idx_r.incoming[j]) + ([] if idx_r.bias is None else [idx_r.bias[j]])
    w_j = list(idx.incoming[j]) + ([] if idx.bias is None else [idx.bias[j]])
    w_n = list(idx.incoming[new]) + ([] if idx.bias is None else [idx.bias[new]])
    for q, qj, qn in zip(w_r, w_j, w_n):          # u: common shift of both incoming vectors
        T[qj, q], T[qn, q] = 1.0, 1.0
    for o in range(hl_r.fan_out):                 # b: common output change, split μ : 1 − μ
        q = idx_r.outgoing[o, j]
        T[idx.outgoing[o, j], q], T[idx.outgoing[o, new], q] = mu, 1 - mu
    cols = []
    for qj, qn in zip(w_j, w_n):                   # v: split of the incoming vectors
        e = np.zeros(P)
        e[qj], e[qn] = 1 - mu, -mu
        cols.append(e)
    for o in range(hl_r.fan_out):                 # c: split of the outgoing vectors
        e = np.zeros(P)
        e[idx.outgoing[o, j]], e[idx.outgoing[o, new]] = 1.0, -1.0
        cols.append(e)
    return np.hstack([T, np.array(cols).T])


def block_in_line_coordinates(prediction: SILinePrediction, mu: float, *, kernel=None) -> np.ndarray:
    """T(μ)ᵀ H(μ) T(μ): the measured Hessian of the wider network in the theorem's coordinates (its
    θ'θ' block is H_r, its (v, c) block K(μ), the rest zero) — the block structure the predictor rests on."""
    kernel = kernel or prediction.wide_objective.compile()
    T = line_coordinates(prediction, mu)
    return T.T @ kernel.hessian(prediction.line_point(mu).theta) @ T


def smallest_predicted_magnitude(prediction: SILinePrediction, mu: float) -> float:
    """A lower bound on the smallest |λ| ≠ 0 of H(μ) the prediction implies (Ostrowski's theorem:
    λ_k(H) = θ_k λ_k(H_r ⊕ K(μ)) with θ_k ≥ 1/σ_max(T(μ))²); inf if every predicted eigenvalue is 0.
    Where this falls below the measurement's zero tolerance the count cannot be checked."""
    inertia = prediction.inertia(mu)
    lam = np.sort(np.abs(np.concatenate([prediction.reduced_eigenvalues, np.linalg.eigvalsh(prediction.K(mu))])))
    nonzero = lam[inertia.zero:]
    if not nonzero.size:
        return float("inf")
    return float(nonzero[0]) / float(np.linalg.norm(line_coordinates(prediction, mu), 2)) ** 2
