"""Where a teacher–student run ends (seed 003 §6.2.1–6.2.3, Table 6.1), and why.

Every end point gets one :class:`EndpointKind`:

* ``global`` — the student reproduces the teacher: L ≤ tol·L(0) and the function matches on the
  grid, and the parameters match the teacher's up to the network's symmetries
  (:func:`match_teacher`: permutations; duplicated neurons whose outgoing weights sum to a
  teacher's; zero-type neurons a_i = 0 with free w_i; and, for the sigmoid, σ(−z) = 1 − σ(z):
  a neuron (−v_t, a) equals (v_t, −a) plus the constant a, and the constants of all flipped
  neurons must cancel, possibly against "constant" neurons w_i = 0 contributing a_i σ(0) = a_i/2 —
  §6.2.2's pair of flipped neurons with outgoing weights +1 and −1 is one case).
* ``diverging`` — escaping to infinity: continuing the optimisation keeps lowering L while ‖θ‖
  grows (:func:`escape_evidence`). A small gradient there is not a critical point; the neurons
  that carry the growth are described (:func:`escaping_neurons`). Never counted as a minimum.
* ``not_converged`` — not a critical point (‖∇L‖ above the core's tolerance after polishing)
  and not escaping. Such a point never gets an SI verdict.
* ``si_minimum`` / ``si_saddle`` — a critical point with duplicated neurons (‖w_i − w_j‖ ≈ 0) or
  zero-type neurons (a_i ≈ 0): it is the image of a width-(m−1) point θ_r (``reduced_theta``), at
  μ = a_i/(a_i + a_j) on its symmetry-induced line. Minimum or saddle from the measured Hessian
  and, when that is singular, the higher-order test of :mod:`.escape` with the SI line removed
  (Morse–Bott). Theorem 3's Y/U prediction at the pair's μ (:func:`.inertia.theorem3_at`, the
  default ``si_predictor``) is attached as ``yu_prediction``, so measured and predicted can be compared.
* ``local_minimum`` / ``saddle`` — any other critical point, by its Hessian and, if singular,
  the higher-order test. ``inconclusive`` — the higher-order test could not decide.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Callable, Mapping

import numpy as np

from ..critical import Kind, classify, polish
from .escape import Verdict, null_direction_test
from .inertia import theorem3_at
from .errors import NotCriticalError
from .teacher_student import TeacherStudentProblem
from .tolerances import EndpointTolerances
from .training import BatchRun
from ..reports import compact_repr


class EndpointKind(str, Enum):
    GLOBAL = "global"
    SI_MINIMUM = "si_minimum"
    SI_SADDLE = "si_saddle"
    LOCAL_MINIMUM = "local_minimum"
    SADDLE = "saddle"
    DIVERGING = "diverging"
    NOT_CONVERGED = "not_converged"
    INCONCLUSIVE = "inconclusive"

    @property
    def label(self) -> str:
        """The kind in words, for text output ("symmetry-induced local minimum"; the value is the JSON key)."""
        return _KIND_LABELS.get(self, self.value.replace("_", " "))


_KIND_LABELS = {EndpointKind.GLOBAL: "global minimum", EndpointKind.SI_MINIMUM: "symmetry-induced local minimum",
                EndpointKind.SI_SADDLE: "symmetry-induced saddle", EndpointKind.DIVERGING: "escaping to infinity"}

COUNT_KEYS = tuple(k.value for k in EndpointKind)


# ---------------------------------------------------------------------------------------
# structure of a student


def neuron_distances(W: np.ndarray) -> np.ndarray:
    """Pairwise distances ‖w_i − w_j‖ of the incoming weight vectors (m × m)."""
    W = np.asarray(W, dtype=float)
    return np.linalg.norm(W[:, None, :] - W[None, :, :], axis=-1)


def smallest_neuron_distance(W: np.ndarray) -> tuple[float, tuple[int, int]]:
    """min_{i<j} ‖w_i − w_j‖ and the pair attaining it (Fig. 6.7)."""
    D = neuron_distances(W)
    iu = np.triu_indices(D.shape[0], 1)
    k = int(np.argmin(D[iu]))
    return float(D[iu][k]), (int(iu[0][k]), int(iu[1][k]))


def duplicated_pairs(W: np.ndarray, tol: EndpointTolerances = EndpointTolerances()) -> list[tuple[int, int]]:
    """Pairs i < j with ‖w_i − w_j‖ ≤ tol.duplicate · max_k ‖w_k‖ (0-based)."""
    D = neuron_distances(W)
    scale = max(float(np.max(np.linalg.norm(W, axis=1))), np.finfo(float).tiny)
    m = D.shape[0]
    return [(i, j) for i in range(m) for j in range(i + 1, m) if D[i, j] <= tol.duplicate * scale]


def zero_type_neurons(a: np.ndarray, tol: EndpointTolerances = EndpointTolerances()) -> list[int]:
    """Neurons with |a_i| ≤ tol.zero_outgoing · max_k |a_k| (their incoming weights are free)."""
    a = np.asarray(a, dtype=float)
    scale = max(float(np.max(np.abs(a))), np.finfo(float).tiny)
    return [int(i) for i in np.flatnonzero(np.abs(a) <= tol.zero_outgoing * scale)]


@dataclass(frozen=True)
class TeacherMatch:
    """How a student matches the teacher up to symmetries (see :func:`match_teacher`).

    ``labels[i]`` is ``("teacher", t, ±1)`` (w_i near ±v_t), ``("constant",)`` (w_i near 0, sigmoid),
    ``("zero",)`` (in a group of neurons away from every target whose summed contribution to f is
    below the function tolerance: a zero-type neuron a_i ≈ 0, or a cancelling pair) or ``("unmatched",)``.
    """

    matched: bool
    function_error: float
    labels: tuple[tuple, ...]
    outgoing_residuals: tuple[float, ...]   # Σ± a_i − b_t per teacher neuron
    constant_residual: float                # constant left by flipped and constant neurons
    weight_residual: float                  # max over groups of ‖Σ a_i w_i / Σ a_i ∓ v_t‖ (the first-order term)
    spread: float                           # max ‖w_i ∓ v_t‖ within the groups (second order)
    reason: str

    def to_dict(self) -> dict:
        return {"matched": self.matched, "function_error": self.function_error,
                "labels": [list(lb) for lb in self.labels], "outgoing_residuals": list(self.outgoing_residuals),
                "constant_residual": self.constant_residual, "weight_residual": self.weight_residual,
                "spread": self.spread, "reason": self.reason}


def match_teacher(problem: TeacherStudentProblem, theta, tol: EndpointTolerances = EndpointTolerances()) -> TeacherMatch:
    """Does θ implement the teacher, up to the network's symmetries? Checked both by function values on
    the data (max |f − f*| ≤ ``tol.function_match``·max |f*|) and by labelling the student's neurons.

    Targets are the teacher's incoming vectors v_t, their negatives −v_t (σ(−z) = 1 − σ(z) for the
    sigmoid; −σ(z) for tanh) and 0 (a constant neuron a_iσ(0) = a_i/2, sigmoid). Each neuron joins the
    nearest target within a quarter of the smallest distance between targets, unless its own
    contribution a_iσ(w_i·x) is below the function tolerance (a zero-type neuron). The groups must satisfy
    Σ_{+v_t} a_i − Σ_{−v_t} a_i = b_t and, for the sigmoid, Σ_{−v_t} a_i + ½Σ_0 a_i = 0 (the constants
    cancel); the a-weighted mean Σ a_i w_i / Σ a_i over the neurons of teacher neuron t (those near
    −v_t entering as (−w_i, −a_i)) must equal v_t — it is the first-order term of a split neuron;
    the second-order spread is reported, not bounded. EndpointTolerances: ``tol.outgoing_match``·max|b_t| and
    ``tol.weight_match``·max‖v_t‖, or, if larger, 10√(max|f − f*|/max|f*|) times those scales (the
    parameters the function error leaves undetermined, along directions flat to second order). Neurons near no
    target must form groups whose summed contribution Σ a_iσ(w_i·x) on the data is below the function
    tolerance, or the outgoing tolerance above (zero-type neurons, cancelling pairs). Raises :class:`WidthBelowTeacherError` if the
    student is narrower than the teacher.
    """
    problem.require_global_claim_possible()
    W, a = problem.unpack(theta)
    V, b = problem.teacher_W, problem.teacher_a
    tiny = np.finfo(float).tiny
    f_err = float(np.max(np.abs(problem.outputs(theta) - problem.y)))
    f_tol = tol.function_match * max(float(np.max(np.abs(problem.y))), tiny)
    w_scale = max(float(np.max(np.linalg.norm(V, axis=1))), tiny)
    b_scale = max(float(np.max(np.abs(b))), tiny)
    flip = problem.activation == "sigmoid"          # σ(−z) = 1 − σ(z)
    odd = problem.activation == "tanh"              # σ(−z) = −σ(z)
    targets = [(("teacher", t, 1), V[t]) for t in range(len(b))]
    if flip or odd:
        targets += [(("teacher", t, -1), -V[t]) for t in range(len(b))]
    if flip:
        targets.append((("constant",), np.zeros(V.shape[1])))
    T = np.array([w for _, w in targets])
    DT = np.linalg.norm(T[:, None] - T[None], axis=-1)
    radius = 0.25 * float(np.min(DT[np.triu_indices(len(T), 1)]))
    D = np.linalg.norm(W[:, None, :] - T[None], axis=-1)
    nearest = np.argmin(D, axis=1)
    one = problem.with_width(1)
    negligible = [float(np.max(np.abs(one.outputs(one.pack(W[i:i + 1], a[i:i + 1]))))) <= f_tol
                  for i in range(W.shape[0])]
    labels: list[tuple] = [("zero",) if negligible[i] else targets[k][0] if D[i, k] <= radius else ("unmatched",)
                           for i, k in enumerate(nearest)]
    # neurons near no target: groups (single linkage within the radius) that must contribute ~nothing
    free = [i for i, lb in enumerate(labels) if lb[0] == "unmatched"]
    groups: list[list[int]] = []
    for i in free:
        joined = [g for g in groups if any(np.linalg.norm(W[i] - W[j]) <= radius for j in g)]
        merged = [i] + [j for g in joined for j in g]
        groups = [g for g in groups if g not in joined] + [merged]
    # parameter tolerances: the fixed relative ones, or what the function error leaves undetermined —
    # the symmetric set is approached along directions that are flat to second order, so a function
    # error ε_f allows parameter deviations of order √(ε_f/max|f*|) (relative)
    slack = 10.0 * np.sqrt(f_err / max(float(np.max(np.abs(problem.y))), tiny))
    tol_w = max(tol.weight_match, slack) * w_scale
    tol_b = max(tol.outgoing_match, slack) * b_scale
    for g in groups:
        sub = problem.with_width(len(g))
        if np.max(np.abs(sub.outputs(sub.pack(W[g], a[g])))) <= max(f_tol, tol_b):
            for i in g:
                labels[i] = ("zero",)
    sums, constant, w_res, spread = np.zeros(len(b)), 0.0, 0.0, 0.0
    for t in range(len(b)):
        # neurons near −v_t enter as (−w_i, −a_i): a σ(−u·x) = a − a σ(u·x) (sigmoid), −a σ(u·x) (tanh)
        plus = [i for i, l in enumerate(labels) if l == ("teacher", t, 1)]
        minus = [i for i, l in enumerate(labels) if l == ("teacher", t, -1)]
        if not plus and not minus:
            continue
        w_eff = np.vstack([W[plus], -W[minus]])
        a_eff = np.concatenate([a[plus], -a[minus]])
        spread = max(spread, float(np.max(np.linalg.norm(w_eff - V[t], axis=1))))
        sums[t] = float(np.sum(a_eff))
        if abs(sums[t]) > tol_b:
            w_res = max(w_res, float(np.linalg.norm(a_eff @ w_eff / sums[t] - V[t])))
        if flip:
            constant += float(np.sum(a[minus]))
    zero_w = [i for i, l in enumerate(labels) if l == ("constant",)]
    if zero_w:
        constant += 0.5 * float(np.sum(a[zero_w]))
        spread = max(spread, float(np.max(np.linalg.norm(W[zero_w], axis=1))))
    out_res = sums - b
    function_ok = f_err <= f_tol
    unmatched = [i for i, lb in enumerate(labels) if lb[0] == "unmatched"]
    sums_ok = bool(np.all(np.abs(out_res) <= tol_b) and abs(constant) <= tol_b)
    params_ok = not unmatched and sums_ok and w_res <= tol_w
    if function_ok and params_ok:
        reason = "function and parameters match the teacher up to symmetries"
    elif not function_ok:
        reason = f"function differs from the teacher by {f_err:.3e} on the data"
    elif unmatched:
        reason = f"neurons {unmatched} match no teacher neuron (nor ± a teacher neuron, 0, or a zero group)"
    elif not sums_ok:
        reason = (f"outgoing sums differ from the teacher's by {np.max(np.abs(out_res)):.3e}, "
                  f"constant residual {constant:.3e}")
    else:
        reason = f"a group's weighted mean is {w_res:.3e} from its target"
    return TeacherMatch(bool(function_ok and params_ok), f_err, tuple(labels), tuple(float(r) for r in out_res),
                        float(constant), w_res, spread, reason)


# ---------------------------------------------------------------------------------------
# symmetry-induced structure


@dataclass(frozen=True)
class SIStructure:
    """θ as the image of a width-(m−1) point: a duplicated pair (i, j) split at μ, or a zero-type neuron i.

    The reduced point keeps the other neurons in order; the merged neuron (w̄ = (w_i + w_j)/2,
    a_i + a_j) sits at position ``reduced_neuron``. ``flat_direction`` is the tangent of the SI
    line (e_{a_i} − e_{a_j}, normalised), along which L is exactly constant.
    """

    __repr__ = compact_repr

    kind: str                      # "duplicate" or "zero-type"
    neurons: tuple[int, ...]
    mu: float | None
    reduced_theta: np.ndarray
    reduced_neuron: int | None
    reduced_loss: float
    reduced_gradient_norm: float
    reduced_gradient_tolerance: float
    flat_direction: np.ndarray | None
    prediction: Mapping | None = None
    distance: float = 0.0          # ‖θ_SI − θ‖ from the analysed point to the exact SI point

    @property
    def reduced_is_critical(self) -> bool:
        return self.reduced_gradient_norm <= self.reduced_gradient_tolerance

    def to_dict(self) -> dict:
        return {"kind": self.kind, "neurons": list(self.neurons), "mu": self.mu,
                "reduced_theta": np.asarray(self.reduced_theta).tolist(), "reduced_neuron": self.reduced_neuron,
                "reduced_loss": self.reduced_loss, "reduced_gradient_norm": self.reduced_gradient_norm,
                "reduced_is_critical": self.reduced_is_critical, "distance_to_si_point": self.distance,
                "yu_prediction": dict(self.prediction) if self.prediction is not None else None}


#: The seam for the Y/U theory: (reduced problem, reduced θ_r, duplicated neuron index of θ_r, μ)
#: -> a JSON-able mapping (predicted inertia, verdict). The ``symmetry`` slice provides it.
SIPredictor = Callable[[TeacherStudentProblem, np.ndarray, int, float], Mapping]


def merge_pair(problem: TeacherStudentProblem, theta, i: int, j: int) -> tuple[np.ndarray, int, float | None]:
    """Width-(m−1) parameters with neurons i, j merged into (½(w_i + w_j), a_i + a_j) at position min(i, j),
    the merged neuron's index, and μ = a_i/(a_i + a_j) (None if the sum vanishes)."""
    W, a = problem.unpack(theta)
    i, j = sorted((int(i), int(j)))
    keep = [k for k in range(W.shape[0]) if k != j]
    Wr, ar = W[keep].copy(), a[keep].copy()
    Wr[i] = 0.5 * (W[i] + W[j])
    ar[i] = a[i] + a[j]
    total = a[i] + a[j]
    mu = float(a[i] / total) if abs(total) > 1e-300 else None
    return problem.with_width(problem.width - 1).pack(Wr, ar), i, mu


def remove_neuron(problem: TeacherStudentProblem, theta, i: int) -> np.ndarray:
    W, a = problem.unpack(theta)
    keep = [k for k in range(W.shape[0]) if k != int(i)]
    return problem.with_width(problem.width - 1).pack(W[keep], a[keep])


def expand_neuron(problem: TeacherStudentProblem, reduced_theta, neuron: int, mu: float,
                     positions: tuple[int, int]) -> np.ndarray:
    """Width-(m+1) parameters from a width-m point: neuron ``neuron`` duplicated with outgoing split
    (μ a, (1 − μ) a) at student positions ``positions`` = (i, j), i < j, the others in order
    (the inverse of :func:`merge_pair`; ``problem`` is the wider student)."""
    small = problem.with_width(problem.width - 1)
    Wr, ar = small.unpack(reduced_theta)
    i, j = positions
    rest = [k for k in range(Wr.shape[0]) if k != neuron]
    order = list(range(problem.width))
    order.remove(i)
    order.remove(j)
    W = np.zeros((problem.width, Wr.shape[1]))
    a = np.zeros(problem.width)
    W[i], W[j] = Wr[neuron], Wr[neuron]
    a[i], a[j] = mu * ar[neuron], (1 - mu) * ar[neuron]
    for pos, k in zip(order, rest):
        W[pos], a[pos] = Wr[k], ar[k]
    return problem.pack(W, a)


def _critical(kernel, theta, tol: EndpointTolerances) -> tuple[float, float, float]:
    """(L, ‖∇L‖, tol_g): the core's criticality test (``classify`` without the higher-order tests)."""
    cls = classify(kernel, theta, higher_order=False, tolerances=tol.classification)
    return cls.loss, cls.gradient_norm, cls.gradient_tolerance


def si_structure(problem: TeacherStudentProblem, theta, tol: EndpointTolerances = EndpointTolerances(),
                 si_predictor: SIPredictor | None = theorem3_at) -> tuple[SIStructure, np.ndarray] | None:
    """The symmetry-induced structure of θ (first duplicated pair, else first zero-type neuron), or None.

    Returns the structure and the exact SI point θ_SI: the reduced point θ_r (polished onto
    ∇L_r = 0 with the core's ``polish``) mapped back — duplicated
    at the same μ, or with the zero-type neuron (a_i = 0, w_i) re-inserted. None if θ has no such
    structure, or if θ_r does not polish to a critical point within ``tol.snap``·max(‖θ_r‖, 1) of the
    merge. Raises :class:`NotCriticalError` if θ itself is not a critical point (‖∇L‖ above the
    core's tolerance): such a point gets no SI verdict.
    """
    L, g, tol_g = _critical(problem.kernel, np.asarray(theta, dtype=float), tol)
    if g > tol_g:
        raise NotCriticalError(f"not a critical point (‖∇L‖ = {g:.3e} > tol_g = {tol_g:.3e}): no symmetry-induced "
                               "verdict for it")
    W, a = problem.unpack(theta)
    pairs, zeros = duplicated_pairs(W, tol), zero_type_neurons(a, tol)
    if not pairs and not zeros:
        return None
    reduced_problem = problem.with_width(problem.width - 1)
    k = reduced_problem.kernel
    if pairs:
        i, j = pairs[0]
        th_r, pos, mu = merge_pair(problem, theta, i, j)
        kind, neurons = "duplicate", (i, j)
    else:
        i = zeros[0]
        th_r, pos, mu, kind, neurons = remove_neuron(problem, theta, i), None, None, "zero-type", (i,)
    L_r, g_r, tol_g = _critical(k, th_r, tol)
    res = polish(k, th_r, tolerances=tol.classification)         # always: the SI point is exactly critical only if θ_r is
    if res.converged and np.linalg.norm(res.theta - th_r) <= tol.snap * max(np.linalg.norm(th_r), 1.0):
        th_r = res.theta
        L_r, g_r, tol_g = _critical(k, th_r, tol)
    elif g_r > tol_g:
        return None
    if kind == "duplicate":
        if mu is None:
            return None
        th_si = expand_neuron(problem, th_r, pos, mu, (i, j))
        flat = np.zeros(problem.n_parameters)
        a_off = problem.width * problem.d_in
        flat[a_off + i], flat[a_off + j] = 1.0, -1.0
        flat /= np.sqrt(2.0)
    else:
        Wr, ar = reduced_problem.unpack(th_r)
        W_si = np.insert(Wr, i, W[i], axis=0)
        a_si = np.insert(ar, i, 0.0)
        th_si, flat = problem.pack(W_si, a_si), None
    prediction = None
    if si_predictor is not None and kind == "duplicate" and g_r <= tol_g:
        prediction = si_predictor(reduced_problem, th_r, pos, mu)
    dist = float(np.linalg.norm(th_si - np.asarray(theta, dtype=float)))
    return SIStructure(kind, neurons, mu, th_r, pos, L_r, g_r, tol_g, flat, prediction, dist), th_si


# ---------------------------------------------------------------------------------------
# escaping to infinity


@dataclass(frozen=True)
class EscapeEvidence:
    """Growth of the weights and decrease of the loss of a run continued from its end point
    (see :func:`escape_evidence`). Growth is measured per block — incoming weights W (units of 1/x)
    and outgoing weights a (units of y) — so that it does not depend on the units of x or y."""

    diverging: bool
    w_norm_start: float
    w_norm_end: float
    a_norm_start: float
    a_norm_end: float
    loss_start: float
    loss_end: float
    iterations: int
    neurons: tuple[dict, ...] = field(default=())

    @property
    def norm_growth(self) -> float:
        """max(‖W_end‖/‖W_start‖, ‖a_end‖/‖a_start‖)."""
        tiny = np.finfo(float).tiny
        return max(self.w_norm_end / max(self.w_norm_start, tiny), self.a_norm_end / max(self.a_norm_start, tiny))

    @property
    def relative_loss_decrease(self) -> float:
        return (self.loss_start - self.loss_end) / max(abs(self.loss_start), np.finfo(float).tiny)

    @property
    def elasticity(self) -> float:
        """δ / log g: relative fall of L per unit of log-growth of the weights (0 for no growth)."""
        growth = self.norm_growth
        return self.relative_loss_decrease / np.log(growth) if growth > 1 else 0.0

    def to_dict(self) -> dict:
        return {"diverging": self.diverging, "w_norm_start": self.w_norm_start, "w_norm_end": self.w_norm_end,
                "a_norm_start": self.a_norm_start, "a_norm_end": self.a_norm_end, "norm_growth": self.norm_growth,
                "loss_start": self.loss_start, "loss_end": self.loss_end,
                "relative_loss_decrease": self.relative_loss_decrease, "elasticity": self.elasticity,
                "iterations": self.iterations,
                "neurons": list(self.neurons)}


def escaping_neurons(problem: TeacherStudentProblem, theta_start, theta_end,
                     tol: EndpointTolerances = EndpointTolerances()) -> tuple[dict, ...]:
    """The neurons that carry the growth from θ_start to θ_end, with the limit each one approaches.

    A neuron grows if |a_i| or ‖w_i‖ grows by the factor ``tol.neuron_growth`` (1 %). Growing neurons are described as
    * a *derivative pair* (i, j): w_i − w_j → 0 while a_i ≈ −a_j → ±∞, so that
      a_iσ(w_i·x) + a_jσ(w_j·x) → (a_i + a_j)σ(w̄·x) + (a_i(w_i − w_j))·x σ'(w̄·x);
    * an *antipodal pair* (i, j): w_i + w_j → 0, a_i ≈ a_j → ±∞ — by σ(−z) = 1 − σ(z) the same limit
      plus a diverging constant a_j that other neurons must cancel;
    * a *linear unit*: ‖w_i‖ → 0, |a_i| → ∞: a_iσ(w_i·x) ≈ a_i/2 + (a_i/4) w_i·x;
    * a *saturating* neuron: ‖w_i‖ → ∞, σ(w_i·x) → a step function.
    """
    W0, a0 = problem.unpack(theta_start)
    W1, a1 = problem.unpack(theta_end)
    n0, n1 = np.linalg.norm(W0, axis=1), np.linalg.norm(W1, axis=1)
    grow_a = np.abs(a1) > tol.neuron_growth * np.abs(a0)
    grow_w = n1 > tol.neuron_growth * n0
    shrink_w = n1 < n0 / tol.neuron_growth
    out, used = [], set()
    idx = [i for i in range(len(a1)) if grow_a[i]]
    for p, i in enumerate(idx):
        for j in idx[p + 1:]:
            if i in used or j in used:
                continue
            scale = max(n1[i], n1[j], np.finfo(float).tiny)
            if a1[i] * a1[j] < 0 and np.linalg.norm(W1[i] - W1[j]) < 0.5 * scale:
                out.append({"neurons": [i, j], "role": "derivative pair",
                            "a": [float(a1[i]), float(a1[j])], "w_distance": float(np.linalg.norm(W1[i] - W1[j])),
                            "limit": "(a_i+a_j)σ(w̄·x) + (a_i(w_i−w_j))·x σ'(w̄·x)"})
                used |= {i, j}
            elif a1[i] * a1[j] > 0 and np.linalg.norm(W1[i] + W1[j]) < 0.5 * scale and problem.activation == "sigmoid":
                out.append({"neurons": [i, j], "role": "antipodal pair",
                            "a": [float(a1[i]), float(a1[j])], "w_sum": float(np.linalg.norm(W1[i] + W1[j])),
                            "limit": "σ(−z) = 1 − σ(z): derivative pair plus a diverging constant"})
                used |= {i, j}
    for i in range(len(a1)):
        if i in used:
            continue
        if grow_a[i] and (shrink_w[i] or n1[i] < 0.1 * max(float(np.median(n1)), np.finfo(float).tiny)):
            out.append({"neurons": [i], "role": "linear unit", "a": [float(a1[i])], "w_norm": float(n1[i]),
                        "limit": "a_iσ(w_i·x) ≈ a_i/2 + (a_i/4) w_i·x"})
        elif grow_w[i]:
            out.append({"neurons": [i], "role": "saturating", "a": [float(a1[i])], "w_norm": float(n1[i]),
                        "limit": "σ(w_i·x) → step function"})
        elif grow_a[i]:
            out.append({"neurons": [i], "role": "growing outgoing weight", "a": [float(a1[i])], "w_norm": float(n1[i]),
                        "limit": "cancels against the other growing neurons"})
    return tuple(out)


def escape_evidence(problem: TeacherStudentProblem, continuation: BatchRun, theta_start: np.ndarray,
                    tol: EndpointTolerances = EndpointTolerances()) -> list[EscapeEvidence]:
    """Escaping-to-infinity evidence for each run of ``continuation`` (a trust-region run started at
    ``theta_start`` (B, P) that ignores the gradient tolerance): it is diverging if the incoming or
    the outgoing weights grew (ratio of block norms) while L fell, slowly enough for the run to be in
    its asymptotic regime (:meth:`EndpointTolerances.escaping`: elasticity δ/log g ≤
    ``tol.escape_elasticity``), and L is not (near) zero. A run that converges or stalls does not
    grow; a run that is still training falls too fast for its growth (it is not converged)."""
    out = []
    L_floor = tol.global_loss * problem.zero_network_loss
    W0, a0 = problem.unpack(np.asarray(theta_start, dtype=float))
    W1, a1 = problem.unpack(continuation.theta)
    for b in range(continuation.theta.shape[0]):
        L0, L1 = float(continuation.history_loss[0, b]), float(continuation.loss[b])
        ev = EscapeEvidence(False, float(np.linalg.norm(W0[b])), float(np.linalg.norm(W1[b])),
                            float(np.linalg.norm(a0[b])), float(np.linalg.norm(a1[b])), L0, L1,
                            int(continuation.iterations[b]))
        if tol.escaping(ev.norm_growth, ev.relative_loss_decrease) and L1 > L_floor:
            ev = replace(ev, diverging=True,
                         neurons=escaping_neurons(problem, theta_start[b], continuation.theta[b], tol))
        out.append(ev)
    return out


# ---------------------------------------------------------------------------------------
# one end point


@dataclass(frozen=True)
class EndPoint:
    """A classified end point of one initialisation (one row of the Table 6.1 analogue)."""

    __repr__ = compact_repr

    index: int
    kind: EndpointKind
    detail: str
    theta: np.ndarray
    loss: float
    gradient_norm: float
    gradient_tolerance: float
    eigenvalues: np.ndarray
    hessian_index: int
    nullity: int
    duplicated: tuple[tuple[int, int], ...]
    zero_type: tuple[int, ...]
    min_neuron_distance: float
    closest_pair: tuple[int, int]
    polished: bool
    run_status: str
    teacher_match: TeacherMatch | None = None
    si: SIStructure | None = None
    escape: EscapeEvidence | None = None
    higher_order: Mapping | None = None

    @property
    def min_eig(self) -> float:
        return float(self.eigenvalues[0])

    def to_dict(self, full: bool = False) -> dict:
        d = {"index": self.index, "kind": self.kind.value, "detail": self.detail, "loss": self.loss,
             "grad_norm": self.gradient_norm, "min_eig": self.min_eig,
             "duplicated": [list(p) for p in self.duplicated], "zero_type": list(self.zero_type),
             "min_neuron_distance": self.min_neuron_distance, "closest_pair": list(self.closest_pair),
             "hessian_index": self.hessian_index, "nullity": self.nullity, "run_status": self.run_status,
             "polished": self.polished}
        if full:
            d.update({"theta": np.asarray(self.theta).tolist(), "eigenvalues": np.asarray(self.eigenvalues).tolist(),
                      "gradient_tolerance": self.gradient_tolerance,
                      "teacher_match": self.teacher_match.to_dict() if self.teacher_match else None,
                      "si": self.si.to_dict() if self.si else None,
                      "escape": self.escape.to_dict() if self.escape else None,
                      "higher_order": dict(self.higher_order) if self.higher_order else None})
        return d


def _polished(kernel, theta, tol: EndpointTolerances) -> tuple[np.ndarray, bool]:
    """The core's ``polish`` onto ∇L = 0, kept only if it converged without moving more than
    ``tol.snap``·max(‖θ‖, 1) or raising L by more than ``tol.polish_loss_rise``·|L| (root finding can
    jump to another critical point). Not attempted when ‖∇L(θ)‖ > ``tol.snap_reach``·‖∇²L(θ)‖₂·r with
    r = ``tol.snap``·max(‖θ‖, 1): a critical point within r would need ‖∇L(θ)‖ ≤ max‖∇²L‖·r over the
    ball (mean-value theorem), so a point that far from criticality gets no polish (which would spend up
    to 2000·(P + 1) gradient evaluations failing)."""
    th = np.asarray(theta, dtype=float)
    radius = tol.snap * max(np.linalg.norm(th), 1.0)
    if np.linalg.norm(kernel.gradient(th)) > tol.snap_reach * np.linalg.norm(kernel.hessian(th), 2) * radius:
        return th, False
    res = polish(kernel, theta, tolerances=tol.classification)
    if not res.converged:
        return np.asarray(theta, dtype=float), False
    moved = np.linalg.norm(res.theta - theta) > tol.snap * max(np.linalg.norm(theta), 1.0)
    L0 = float(kernel.value(theta))
    worse = kernel.value(res.theta) > L0 + tol.polish_loss_rise * abs(L0)
    if moved or worse:
        return np.asarray(theta, dtype=float), False
    return res.theta, True


def analyse_endpoint(problem: TeacherStudentProblem, theta, *, index: int = 0, run_status: str = "",
                     escape: EscapeEvidence | None = None, tol: EndpointTolerances = EndpointTolerances(),
                     si_predictor: SIPredictor | None = theorem3_at, higher_order: bool = True) -> EndPoint:
    """Classify one end point (see the module docstring for the kinds and their order of precedence)."""
    kernel = problem.kernel
    th = np.asarray(theta, dtype=float)
    L_floor = tol.global_loss * problem.zero_network_loss
    diverging = escape is not None and escape.diverging
    polished = False
    if not diverging:
        th, polished = _polished(kernel, th, tol)
    cls = classify(kernel, th, higher_order=False, tolerances=tol.classification)
    W, a = problem.unpack(th)
    dmin, pair = smallest_neuron_distance(W)
    common = dict(index=index, theta=th, loss=cls.loss, gradient_norm=cls.gradient_norm,
                  gradient_tolerance=cls.gradient_tolerance, eigenvalues=cls.eigenvalues,
                  hessian_index=cls.index, nullity=cls.nullity,
                  duplicated=tuple(duplicated_pairs(W, tol)), zero_type=tuple(zero_type_neurons(a, tol)),
                  min_neuron_distance=dmin, closest_pair=pair, polished=polished, run_status=run_status,
                  escape=escape)
    if cls.loss <= L_floor and problem.width >= problem.teacher_width:
        match = match_teacher(problem, th, tol)
        detail = "student = teacher up to symmetries" if match.matched else \
            f"zero loss but no parameter match: {match.reason}"
        return EndPoint(kind=EndpointKind.GLOBAL, detail=detail, teacher_match=match, **common)
    if diverging:
        roles = "; ".join(f"{r['role']} {r['neurons']}" for r in escape.neurons) or "no single neuron group"
        return EndPoint(kind=EndpointKind.DIVERGING,
                        detail=f"weights grew ×{escape.norm_growth:.3f} while L fell by "
                               f"{escape.relative_loss_decrease:.2e} (relative; elasticity {escape.elasticity:.1e}) "
                               f"in {escape.iterations} further iterations; {roles}", **common)
    if cls.gradient_norm > cls.gradient_tolerance:
        return EndPoint(kind=EndpointKind.NOT_CONVERGED,
                        detail=f"not a critical point: ‖∇L‖ = {cls.gradient_norm:.2e} > tol_g = "
                               f"{cls.gradient_tolerance:.2e}", **common)
    found = si_structure(problem, th, tol, si_predictor)
    si, flat = None, None
    if found is not None:
        si, th_si = found
        th = th_si
        cls = classify(kernel, th, higher_order=False, tolerances=tol.classification)
        common.update(theta=th, loss=cls.loss, gradient_norm=cls.gradient_norm,
                      gradient_tolerance=cls.gradient_tolerance, eigenvalues=cls.eigenvalues,
                      hessian_index=cls.index, nullity=cls.nullity)
        flat = None if si.flat_direction is None else si.flat_direction[None, :]
    if cls.kind is Kind.STRICT_SADDLE:
        verdict, ho = Verdict.STRICT_SADDLE, None
        reason = f"{cls.index} negative Hessian eigenvalue(s)"
    elif cls.kind is Kind.MINIMISER:
        verdict, ho, reason = Verdict.STRICT_MINIMUM, None, "positive definite Hessian"
    elif higher_order:
        test = null_direction_test(kernel, th, flat_directions=flat, snap=tol.snap,
                                   tolerances=tol.classification)
        verdict, ho, reason = test.verdict, test.to_dict(), test.reason
    else:
        verdict, ho, reason = Verdict.INCONCLUSIVE, None, cls.reason
    if verdict is Verdict.NOT_CRITICAL:     # the higher-order test's closer look at criticality
        return EndPoint(kind=EndpointKind.NOT_CONVERGED, detail=f"not a critical point: {reason}", higher_order=ho,
                        **common)
    is_min = verdict in (Verdict.STRICT_MINIMUM, Verdict.DEGENERATE_MINIMUM)
    is_saddle = verdict in (Verdict.STRICT_SADDLE, Verdict.NON_STRICT_SADDLE)
    if si is not None:
        kind = EndpointKind.SI_MINIMUM if is_min else EndpointKind.SI_SADDLE if is_saddle else EndpointKind.INCONCLUSIVE
        where = f"duplicated pair {list(si.neurons)} at μ = {si.mu:.4g}" if si.kind == "duplicate" \
            else f"zero-type neuron {list(si.neurons)}"
        return EndPoint(kind=kind, detail=f"symmetry-induced ({where}); {verdict.value}: {reason}", si=si,
                        higher_order=ho, **common)
    kind = EndpointKind.LOCAL_MINIMUM if is_min else EndpointKind.SADDLE if is_saddle else EndpointKind.INCONCLUSIVE
    return EndPoint(kind=kind, detail=f"{verdict.value}: {reason}", higher_order=ho, **common)


def count_kinds(points) -> dict[str, int]:
    """Counts per kind, with every key of :data:`COUNT_KEYS` present."""
    counts = {k: 0 for k in COUNT_KEYS}
    for p in points:
        counts[p.kind.value] += 1
    return counts
