"""Numeric critical points: polish a guess onto ∇L = 0, then classify it (issue 8, parts 1–2).

Classification (seed 001 §1.1 definitions; seed 000 Algorithm 1 step "classify")
------------------------------------------------------------------------------
With H = ∇²L(θ) = Σ λ_i v_i v_iᵀ, ‖H‖ = max |λ_i|, and the dimensionless tolerances of
:class:`~symsaddle.Tolerances` (τ_g, τ_λ, τ_L, τ₃, τ₄, the ambiguity factor κ) applied to
the natural scales of :mod:`symsaddle._tolerances` (s_g, s_λ = ‖H‖, s_L, s₃, s₄):

1. **critical**: ‖∇L‖ ≤ τ_g·s_g, s_g = ‖H‖‖θ‖ + √(2|L|‖H‖); else *inconclusive*;
2. **lower bound** L_lb (if declared): L < L_lb − τ_L·s_L is *inconsistent* (the bound or the
   kernel is wrong); |L − L_lb| ≤ τ_L·s_L is a global *minimiser* (index 0) unless an
   eigenvalue is < −κτ_λ‖H‖ (then *inconsistent*);
3. **spectrum**: λ is zero if |λ| ≤ τ_λ‖H‖, undecidable (*inconclusive*) if
   τ_λ‖H‖ < |λ| ≤ κτ_λ‖H‖; index = #{λ < −τ_λ‖H‖}, nullity k = #{|λ| ≤ τ_λ‖H‖};
   negative and positive eigenvalues: *strict saddle*; all positive: strict *minimiser*;
   all negative: strict *maximiser*;
4. **singular semi-definite** (H ⪰ 0: σ = +1; H ⪯ 0: σ = −1 and the tests apply to −L; H = 0:
   both), on the null space N with the tests of :mod:`symsaddle._certificates`:

   a. Morse–Bott (σ = ±1), first by symmetry: for a kernel compiled from an Objective whose model
      has a continuous symmetry group (:mod:`symsaddle._symmetries`: GL(d) between linear layers,
      unit rescalings at homogeneous activations, declared ones), with orbit tangents T = [ξ_g θ]:
      σ_k(ZᵀT) > κτ_λ‖T‖_F and ‖HT‖_F ≤ τ_λ‖H‖·σ_k(ZᵀT) — the orbit, a manifold of critical points
      with equal loss, spans N — is a non-isolated *minimiser* (σ = +1) or *maximiser* (σ = −1).
      Otherwise numerically: corrections in the normal space (chord with Λ_R, then Newton) from
      θ + t n and θ + (t/2) n, n a fixed generic unit vector of N, reach critical points with
      equal loss at distance O(t²) and the same Hessian nullity: a non-isolated *minimiser*
      (σ = +1) or *maximiser* (σ = −1). A manifold of critical points tangent to N makes C ≡ 0
      on N, so this comes first; a screen on the two starts' gradients ends it at once where
      their component in N grows like s² (D³L[n, n, ·] ≠ 0 on N), and if the cubic test then
      finds C ≡ 0 after all, the check is run in full;
   b. cubic C(u) = D³L[u]³ on N: ‖C|_N‖_F > κτ₃s₃ — a unit u with C(u) ≠ 0, L(θ ∓ t u) =
      L ∓ t³C(u)/6 + O(t⁴): *non-strict saddle* (σ = +1 or H = 0) or *strict saddle* (σ = −1);
   c. reduced quartic q(u) = D⁴L[u]⁴/24 − ⅛ b(u)ᵀH⁺b(u), b(u) = D³L[u,u,·] (valid when C ≡ 0
      on N): min σq > κτ₄s₄ on the unit sphere of N — a strict *minimiser* (maximiser for
      σ = −1) with singular Hessian; σq(u) < −κτ₄s₄ for some u — L moves the wrong way along
      θ + t u + t²w, w = −½H⁺b(u): *non-strict saddle* (strict saddle for σ = −1); with H = 0
      both signs are tested (q > 0: minimiser, q < 0: maximiser, both signs: non-strict saddle);
   d. otherwise *degenerate* (higher orders needed), or *inconclusive* when a value lies in
      an ambiguous band.

Every result satisfies: minimiser ⇒ index 0; maximiser ⇒ no positive eigenvalue; strict
saddle ⇒ index > 0; non-strict saddle ⇒ index 0 (checked on construction).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from enum import Enum

import numpy as np
import scipy.optimize

from . import _forms
from ._certificates import (FormStatus, FormTest, LineDerivatives, ManifoldCheck, ManifoldMethod,
                            ManifoldStatus, NullSpaceOracle, escape_curve, exact_cubic_cost, exact_quartic_cost,
                            gradient_scale, manifold_check, norm, orbit_check, reduced_quartic, restricted_form,
                            riemannian_search, schur_blocks, search_starts)
from ._tolerances import DEFAULT_TOLERANCES, Tolerances
from .errors import NonFiniteDataError
from .protocol import orbit_tangents, parameter_array, require_kernel
from .reports import compact_repr, plural

__all__ = ["Classification", "FormStatus", "FormTest", "HigherOrder", "Kind", "ManifoldCheck", "ManifoldMethod",
           "ManifoldStatus", "PolishResult", "PolishStatus", "Criterion", "Tolerances", "classify", "gradient_tolerance",
           "polish"]

#: Default budget of directional-derivative evaluations per higher-order test.
DEFAULT_MAX_EVALUATIONS = 4096


class Kind(str, Enum):
    MINIMISER = "minimiser"
    STRICT_SADDLE = "strict saddle"
    NON_STRICT_SADDLE = "non-strict saddle"
    DEGENERATE = "degenerate"
    MAXIMISER = "maximiser"
    INCONCLUSIVE = "inconclusive"
    INCONSISTENT = "inconsistent"


class Criterion(str, Enum):
    """The test that decided a classification."""

    GRADIENT = "gradient"
    LOWER_BOUND = "lower bound"
    HESSIAN = "hessian"
    CUBIC = "cubic"
    MANIFOLD = "morse-bott manifold"
    QUARTIC = "reduced quartic"
    NONE = "none"


class PolishStatus(str, Enum):
    CONVERGED = "converged"
    FAR_FROM_START = "converged far from the start"
    NOT_CONVERGED = "not converged"


@dataclass(frozen=True)
class PolishResult:
    """Outcome of :func:`polish`. ``theta`` is the best point found, converged or not.

    ``distance`` = ‖θ − θ₀‖; ``distance_limit``: the limit it was compared with (None: none).
    """

    __repr__ = compact_repr

    theta: np.ndarray
    status: PolishStatus
    gradient_norm: float
    gradient_tolerance: float
    method: str
    evaluations: int
    message: str
    distance: float = float("nan")
    distance_limit: float | None = None

    @property
    def converged(self) -> bool:
        """A critical point within the distance limit of the start."""
        return self.status is PolishStatus.CONVERGED

    @property
    def critical(self) -> bool:
        """‖∇L(θ)‖ ≤ tolerance, however far from the start."""
        return self.status in (PolishStatus.CONVERGED, PolishStatus.FAR_FROM_START)


@dataclass(frozen=True)
class HigherOrder:
    """The higher-order tests run on the null space (None: not run)."""

    __repr__ = compact_repr

    cubic: FormTest | None = None
    manifold: ManifoldCheck | None = None
    quartic: tuple[FormTest, ...] = ()
    evaluations: int = 0


@dataclass(frozen=True)
class Classification:
    """Classification of a (near-)critical point; see the module docstring for the criteria.

    ``direction`` and ``curve`` (when a higher-order test decided a saddle): for small t > 0,
    L(θ + t·direction + t²·curve) is below L(θ) (PSD Hessian or H = 0) or above it (NSD Hessian).
    ``isolated``: True for a strict extremum, False for a Morse–Bott (non-isolated) one.
    ``index`` / ``nullity``: the counts of negative / zero eigenvalues of ∇²L(θ); they describe
    the Hessian at θ even when θ is not critical (kind "inconclusive", decided by "gradient"),
    where they say nothing about an equilibrium.
    """

    theta: np.ndarray
    loss: float
    gradient_norm: float
    gradient_tolerance: float
    eigenvalues: np.ndarray
    eigenvectors: np.ndarray
    eigenvalue_tolerance: float
    index: int
    nullity: int
    kind: Kind
    reason: str
    tolerances: Tolerances = DEFAULT_TOLERANCES
    decided_by: Criterion = Criterion.NONE
    isolated: bool | None = None
    direction: np.ndarray | None = None
    curve: np.ndarray | None = None
    lower_bound: float | None = None
    higher_order: HigherOrder | None = field(default=None, repr=False)

    def __post_init__(self):
        P = len(self.eigenvalues)
        positive = P - self.index - self.nullity
        bad = ((self.kind is Kind.MINIMISER and self.index != 0)
               or (self.kind is Kind.MAXIMISER and positive != 0)
               or (self.kind is Kind.STRICT_SADDLE and self.index == 0)
               or (self.kind is Kind.NON_STRICT_SADDLE and self.index != 0))
        if bad:
            raise ValueError(f"self-contradictory classification: kind {self.kind.value!r} with index "
                             f"{self.index}, nullity {self.nullity}, {positive} positive eigenvalues")

    def __repr__(self) -> str:
        """The verdict and its numbers, not the P × P eigenvectors (they are in ``.eigenvectors``)."""
        return (f"Classification(kind={self.kind.value!r}, index={self.index}, nullity={self.nullity}, "
                f"decided_by={self.decided_by.value!r}, P={len(self.theta)}, loss={self.loss:.6g}, "
                f"gradient_norm={self.gradient_norm:.3g}, reason={self.reason!r})")

    @property
    def flow_eigenvalues(self) -> np.ndarray:
        """Eigenvalues of the flow Jacobian −∇²L (index = number of positive ones)."""
        return -self.eigenvalues[::-1]

    def to_dict(self) -> dict:
        d = {"theta": self.theta.tolist(), "loss": self.loss, "gradient_norm": self.gradient_norm,
             "gradient_tolerance": self.gradient_tolerance, "eigenvalues": self.eigenvalues.tolist(),
             "eigenvectors": self.eigenvectors.tolist(), "eigenvalue_tolerance": self.eigenvalue_tolerance,
             "index": self.index, "nullity": self.nullity, "kind": self.kind.value, "reason": self.reason,
             "tolerances": self.tolerances.to_dict(), "decided_by": self.decided_by.value,
             "isolated": self.isolated, "lower_bound": self.lower_bound,
             "direction": None if self.direction is None else self.direction.tolist(),
             "curve": None if self.curve is None else self.curve.tolist()}
        ho = self.higher_order
        if ho is not None:
            d["higher_order"] = {
                "evaluations": ho.evaluations,
                "cubic": None if ho.cubic is None else _form_dict(ho.cubic),
                "quartic": [_form_dict(q) for q in ho.quartic],
                "manifold": None if ho.manifold is None else {
                    "status": ho.manifold.status.value, "method": ho.manifold.method.value, "step": ho.manifold.step,
                    "max_distance": ho.manifold.max_distance, "reason": ho.manifold.reason,
                    "direction": None if ho.manifold.direction is None else ho.manifold.direction.tolist()}}
        return d


def _form_dict(t: FormTest) -> dict:
    return {"name": t.name, "status": t.status.value, "exact": t.exact, "value": t.value, "norm": t.norm,
            "scale": t.scale, "tolerance": t.tolerance, "evaluations": t.evaluations, "detail": t.detail,
            "direction": None if t.direction is None else t.direction.tolist()}


def gradient_tolerance(loss: float, hessian_norm: float, theta_norm: float,
                       tolerances: Tolerances | None = None) -> float:
    """τ_g · s_g with s_g = ‖∇²L‖₂·‖θ‖ + √(2|L|·‖∇²L‖₂) (units of the gradient)."""
    tol = tolerances or DEFAULT_TOLERANCES
    return tol.gradient * gradient_scale(loss, hessian_norm, theta_norm)


# ---------------------------------------------------------------------------------------------
# polish

def polish(kernel, theta0, *, methods: tuple[str, ...] = ("hybr", "lm"), tol: float | None = None,
           maxiter: int = 2000, max_distance: float | None = None,
           tolerances: Tolerances | None = None) -> PolishResult:
    """Solve ∇L(θ) = 0 from θ₀ with ``scipy.optimize.root`` and the exact Hessian as Jacobian.

    The methods are tried in order until one reaches ‖∇L‖ ≤ tol (default τ_g·s_g at the
    point, :func:`gradient_tolerance`); a failure is ``NOT_CONVERGED``, never hidden. A critical
    point farther than ``max_distance`` from θ₀ (default: τ_polish·‖θ₀‖, no limit at θ₀ = 0)
    is reported as ``FAR_FROM_START`` with its distance.
    """
    tols = tolerances or DEFAULT_TOLERANCES
    P = require_kernel(kernel, "polish").P
    th0 = parameter_array(theta0, P, "theta0")
    limit = max_distance if max_distance is not None else (
        tols.polish_distance * float(norm(th0)) if np.any(th0) else None)
    best, best_norm, message, used, nfev = th0, float(norm(kernel.gradient(th0))), "", "none", 0
    target = np.inf
    for method in methods:
        if method == "lm":
            options = {"maxiter": maxiter * (P + 1), "xtol": 1e-15, "ftol": 1e-15}
        elif method == "hybr":
            options = {"maxfev": maxiter * (P + 1)}
        else:
            options = {"maxiter": maxiter * (P + 1)}
        sol = scipy.optimize.root(kernel.gradient, best, jac=kernel.hessian, method=method, options=options)
        nfev += int(getattr(sol, "nfev", 0))
        if np.all(np.isfinite(sol.x)):
            g = float(norm(kernel.gradient(sol.x)))
            if g <= best_norm:
                best, best_norm, used, message = sol.x, g, method, str(sol.message)
        H = np.asarray(kernel.hessian(best), dtype=float)
        target = tol if tol is not None else gradient_tolerance(
            float(kernel.value(best)), float(np.linalg.norm(H, 2)), float(norm(best)), tols)
        if best_norm <= target:
            break
    distance = float(norm(best - th0))
    if best_norm > target:
        return PolishResult(best, PolishStatus.NOT_CONVERGED, best_norm, target, used, nfev,
                            message or "no method reduced the gradient", distance, limit)
    if limit is not None and distance > limit:
        return PolishResult(best, PolishStatus.FAR_FROM_START, best_norm, target, used, nfev,
                            f"critical point found {distance:.3e} from the start, beyond the limit {limit:.3e} "
                            f"({'max_distance' if max_distance is not None else 'τ_polish·‖θ₀‖'}; a larger "
                            f"max_distance, or Tolerances(polish_distance=…), accepts it); {message}", distance, limit)
    return PolishResult(best, PolishStatus.CONVERGED, best_norm, target, used, nfev, message, distance, limit)


# ---------------------------------------------------------------------------------------------
# classify

@dataclass
class _Point:
    """What the tests share about θ."""

    kernel: object
    theta: np.ndarray
    loss: float
    lam: np.ndarray
    vec: np.ndarray
    zero: np.ndarray
    eigen_threshold: float          # |λ| ≤ this is a zero eigenvalue (τ_λ‖H‖ unless overridden)
    hessian_norm: float
    gradient_norm: float
    tol: Tolerances
    budget: int
    symmetry: bool                  # may the model's symmetry orbit certify a Morse–Bott point

    def __post_init__(self):
        self.lines = LineDerivatives(self.kernel, self.theta)
        self.Z = self.vec[:, self.zero]
        self.VR = self.vec[:, ~self.zero]
        self.lamR = self.lam[~self.zero]
        self._probes: dict[int, float] = {}

    @property
    def k(self) -> int:
        return self.Z.shape[1]

    def probe_directions(self) -> np.ndarray:
        """𝒫: θ/‖θ‖; the eigenvectors v of the three largest |λ| and of the smallest non-zero |λ|;
        and (z + v)/√2 for two fixed directions z of N (:func:`search_starts`) and v the eigenvectors
        of the largest and smallest |λ| — so that the mixed terms D³L[z, z, v], which carry the error
        of the computed null space into the form on N, count in the scale."""
        P = len(self.theta)
        blocks = []
        n = float(norm(self.theta))
        if n > 0:
            blocks.append(self.theta[None, :] / n)
        by_size = np.argsort(-np.abs(self.lamR), kind="stable").tolist()
        if by_size:
            blocks.append(self.VR[:, list(dict.fromkeys([*by_size[:3], by_size[-1]]))].T)
            if self.k:
                ends = self.VR[:, list(dict.fromkeys([by_size[0], by_size[-1]]))].T
                zs = search_starts(self.Z, axes=False)[:2]
                blocks.append(((zs[:, None, :] + ends[None, :, :]) / np.sqrt(2)).reshape(-1, P))
        return np.vstack(blocks) if blocks else np.zeros((0, P))

    def with_probes(self, U: np.ndarray, order: int) -> np.ndarray:
        """DᵒL[u]ᵒ for the rows of U, evaluated in one batch with the probe directions 𝒫."""
        probes = self.probe_directions() if order not in self._probes else np.zeros((0, U.shape[1]))
        vals = self.lines(np.vstack([U, probes]), order)
        if order not in self._probes:
            self._probes[order] = float(np.max(np.abs(vals[len(U):]))) if len(probes) else 0.0
        return vals[:len(U)]

    def probe_scale(self, order: int) -> float:
        """max(max_{v∈𝒫} |DᵒL[v]ᵒ|, ‖H‖/‖θ‖ᵒ⁻²): a lower estimate of the form's magnitude on the whole
        unit sphere. The second term is the size of the order-o derivative of a function whose
        curvature ‖H‖ changes over the length ‖θ‖ (for a loss homogeneous of degree m along θ,
        D³L[θ, ·, ·] = (m − 2)H); it keeps a form of rounding-level size from setting its own scale
        where L is flat along every probe (saturated units), and is 0 at θ = 0."""
        if order not in self._probes:
            self.with_probes(np.zeros((0, len(self.theta))), order)
        length = float(norm(self.theta))
        curvature = self.hessian_norm / length ** (order - 2) if length > 0 else 0.0
        return max(self._probes[order], curvature)

    def coords_starts(self) -> np.ndarray:
        return search_starts(self.Z) @ self.Z


def _cubic_test(pt: _Point) -> FormTest:
    """Step 4a: exact coefficients when affordable, else a search."""
    tol = pt.tol
    k, used0 = pt.k, pt.lines.used
    if exact_cubic_cost(k) <= pt.budget:
        T3 = restricted_form(pt.with_probes, pt.Z, 3)
        p3 = pt.probe_scale(3)
        F3 = _forms.frobenius(T3)
        s3 = max(F3, p3)
        tol3 = tol.cubic * s3
        if k == 1:
            y, value = np.ones(1), abs(float(T3.ravel()[0]))
        elif k == 2:
            (vmin, ymin), (vmax, ymax) = _forms.circle_extrema(T3)
            y, value = (ymax, vmax) if vmax >= -vmin else (ymin, -vmin)
        else:
            vmax, ymax = _forms.sphere_extremum(T3, pt.coords_starts(), maximise=True)
            vmin, ymin = _forms.sphere_extremum(T3, pt.coords_starts(), maximise=False)
            y, value = (ymax, vmax) if vmax >= -vmin else (ymin, -vmin)
        u = pt.Z @ y
        c_y = float(T3.ravel()[0]) if k == 1 else _forms.form_value(T3, y[None, :])[0]     # C(Zy), y = (1) for k = 1
        u = u * np.sign(c_y or 1.0)                                        # C(u) ≥ 0
        if F3 <= tol3:
            status = FormStatus.ZERO
        elif F3 > tol.ambiguity * tol3:
            status = FormStatus.NONZERO
        else:
            status = FormStatus.AMBIGUOUS
        return FormTest("cubic", status, True, value, F3, s3, tol3, u, None, pt.lines.used - used0,
                        f"‖D³L|_N‖_F = {F3:.3e}, max_u |D³L[u]³| = {value:.3e}, s₃ = {s3:.3e}")
    p3 = pt.probe_scale(3)
    oracle = NullSpaceOracle(pt.lines, pt.Z, pt.VR, pt.lamR)
    target = tol.ambiguity * tol.cubic * p3 if p3 > 0 else np.finfo(float).tiny

    signed: dict[bytes, float] = {}                    # C(u) of every evaluated u, for its sign

    def modulus(U):
        values = oracle.cubic(U)
        signed.update((u.tobytes(), float(v)) for u, v in zip(U, values))
        return np.abs(values)

    def grad(u):
        return np.sign(signed[u.tobytes()]) * oracle.cubic_gradient(u)

    value, u = riemannian_search(modulus, grad, search_starts(pt.Z), target,
                                 lambda: pt.lines.used - used0 < pt.budget)
    u = u * np.sign(signed[u.tobytes()] or 1.0)
    s3 = max(value, p3)
    tol3 = tol.cubic * s3
    status = FormStatus.NONZERO if value > tol.ambiguity * tol3 else FormStatus.NOT_FOUND
    how = f"searched (exact coefficients need {exact_cubic_cost(k)} evaluations > budget {pt.budget})"
    return FormTest("cubic", status, False, value, float("nan"), s3, tol3, u, None, pt.lines.used - used0,
                    f"{how}: max |D³L[u]³| found = {value:.3e}, s₃ = {s3:.3e}")


def _quartic_exact(pt: _Point, signs: tuple[float, ...]) -> tuple[FormTest, ...]:
    tol = pt.tol
    k, used0 = pt.k, pt.lines.used
    D4 = restricted_form(pt.with_probes, pt.Z, 4)
    B = schur_blocks(pt.lines, pt.Z, pt.VR) if pt.VR.shape[1] else np.zeros((0, k, k))
    Q = reduced_quartic(D4, B, pt.lamR)
    FQ = _forms.frobenius(Q)
    schur = float(np.sum(np.sum(B * B, axis=(1, 2)) / np.abs(pt.lamR)) / 8) if len(pt.lamR) else 0.0
    s4 = max(_forms.frobenius(D4) / 24, schur, pt.probe_scale(4) / 24, FQ)
    tol4 = tol.quartic * s4
    amb = tol.ambiguity * tol4
    if k == 1:
        extremes = {+1.0: (float(Q.ravel()[0]), np.ones(1)), -1.0: (-float(Q.ravel()[0]), np.ones(1))}
        bounds = "exact, k = 1"
    elif k == 2:
        (vmin, ymin), (vmax, ymax) = _forms.circle_extrema(Q)
        extremes = {+1.0: (vmin, ymin), -1.0: (-vmax, ymax)}
        bounds = "exact, k = 2: from all critical points on the circle"
    else:
        starts = pt.coords_starts()
        vmin, ymin = _forms.sphere_extremum(Q, starts, maximise=False)
        vmax, ymax = _forms.sphere_extremum(Q, starts, maximise=True)
        lo, hi = _forms.quartic_bounds(Q)
        extremes = {+1.0: (vmin, ymin), -1.0: (-vmax, ymax)}
        certified = [name for name, ok in (("q > 0", lo > amb), ("q < 0", hi < -amb)) if ok]
        bounds = (f"optimised from {len(starts)} starts; matricisation bounds {lo:.3e} ≤ q ≤ {hi:.3e}"
                  + (f", which certify {certified[0]} on the whole sphere" if certified else ""))
    out = []
    for s in signs:
        m, y = extremes[s]
        m += 0.0                    # −max q is −0.0 when max q = 0: the text prints it as 0
        if m > amb:
            status = FormStatus.POSITIVE
        elif m < -amb:
            status = FormStatus.NEGATIVE
        elif FQ <= tol4:
            status = FormStatus.ZERO
        elif abs(m) <= tol4:
            status = FormStatus.SEMIDEFINITE
        else:
            status = FormStatus.AMBIGUOUS
        curve = escape_curve(B, pt.lamR, pt.VR, y) if status is FormStatus.NEGATIVE else None
        out.append(FormTest("quartic", status, True, m, FQ, s4, tol4, pt.Z @ y, curve, pt.lines.used - used0,
                            f"min over the unit sphere of N of {'' if s > 0 else '−'}q = {m:.3e} ({bounds}); "
                            f"‖q‖_F = {FQ:.3e}, s₄ = {s4:.3e}"))
    return tuple(out)


def _quartic_search(pt: _Point, signs: tuple[float, ...]) -> tuple[FormTest, ...]:
    tol = pt.tol
    oracle = NullSpaceOracle(pt.lines, pt.Z, pt.VR, pt.lamR)
    p4 = pt.probe_scale(4) / 24
    out = []
    for s in signs:
        used0 = pt.lines.used
        target = tol.ambiguity * tol.quartic * p4 if p4 > 0 else np.finfo(float).tiny
        best, u = riemannian_search(lambda U: -s * oracle.quartic(U), lambda v: -s * oracle.quartic_gradient(v),
                                    search_starts(pt.Z), target, lambda: pt.lines.used - used0 < pt.budget)
        m = -best + 0.0             # not −0.0 (printed "-0.000e+00")
        s4 = max(p4, abs(m))
        tol4 = tol.quartic * s4
        status = FormStatus.NEGATIVE if m < -tol.ambiguity * tol4 else FormStatus.NOT_FOUND
        curve = oracle.curve(u) if status is FormStatus.NEGATIVE else None
        out.append(FormTest("quartic", status, False, m, float("nan"), s4, tol4, u, curve, pt.lines.used - used0,
                            f"searched (exact coefficients need {exact_quartic_cost(pt.k, pt.VR.shape[1])} "
                            f"evaluations > budget {pt.budget}): min {'' if s > 0 else '−'}q found = {m:.3e}, "
                            f"s₄ = {s4:.3e}"))
    return tuple(out)


def _higher_order(pt: _Point, sign: float) -> tuple[Kind, str, Criterion, bool | None, np.ndarray | None,
                                                   np.ndarray | None, HigherOrder]:
    """Steps 4a–4d of the module docstring. ``sign``: +1 (H ⪰ 0), −1 (H ⪯ 0), 0 (H = 0)."""
    k = pt.k
    manifold = None
    head = f"{'PSD' if sign > 0 else 'NSD' if sign < 0 else 'vanishing'} Hessian with {plural(k, 'zero eigenvalue')}"

    def verified(check: ManifoldCheck, cubic: FormTest | None = None):
        kind = Kind.MINIMISER if sign > 0 else Kind.MAXIMISER
        return (kind, f"{head}; non-isolated (Morse–Bott) {kind.value}: {check.reason}", Criterion.MANIFOLD,
                False, None, None, HigherOrder(cubic, check, evaluations=pt.lines.used))

    def morse_bott(screen: bool, cubic: FormTest | None = None):
        check = manifold_check(pt.kernel, pt.theta, pt.loss, sign, pt.Z, pt.VR, pt.lamR, pt.hessian_norm, pt.tol,
                               gradient_norm=pt.gradient_norm, null_curvature=float(np.max(np.abs(pt.lam[pt.zero]))),
                               screen=screen)
        return check, verified(check, cubic) if check.status is ManifoldStatus.VERIFIED else None

    # the Morse–Bott check first (a verified manifold of critical points makes C ≡ 0 on N): by the
    # model's symmetry orbit where it spans N; else numerically, whose s² screen ends it at once where
    # D³L[n, n, ·] ≠ 0 on N, and the cubic test then decides
    if sign != 0:
        T = orbit_tangents(pt.kernel, pt.theta, at_least=k) if pt.symmetry else np.zeros((len(pt.theta), 0))
        if T.shape[1]:
            orbit = orbit_check(T, pt.lam, pt.vec, pt.zero, pt.eigen_threshold, pt.tol)
            if orbit.status is ManifoldStatus.VERIFIED:
                return verified(orbit)
        manifold, verdict = morse_bott(screen=True)
        if verdict:
            return verdict
    cubic = _cubic_test(pt)
    if manifold is not None and manifold.screened_out and cubic.status is not FormStatus.NONZERO:
        manifold, verdict = morse_bott(screen=False, cubic=cubic)   # the screen and the cubic test disagree
        if verdict:
            return verdict
    if cubic.status is FormStatus.AMBIGUOUS:
        return (Kind.INCONCLUSIVE, f"{head}; the cubic form on N is in the ambiguous band: {cubic.detail}",
                Criterion.NONE, None, None, None, HigherOrder(cubic, manifold, evaluations=pt.lines.used))
    if cubic.status is FormStatus.NONZERO:
        if sign < 0:
            kind, what = Kind.STRICT_SADDLE, "L increases along +u: negative curvature but not a maximiser"
            direction = cubic.direction
        else:
            kind, what = Kind.NON_STRICT_SADDLE, "L decreases along −u: not a minimiser"
            direction = -cubic.direction
        return (kind, f"{head}; D³L[u]³ = {cubic.value:.3e} ≠ 0 for a unit u in N ({what}); {cubic.detail}",
                Criterion.CUBIC, None, direction, None, HigherOrder(cubic, manifold, evaluations=pt.lines.used))
    signs = (sign,) if sign != 0 else (+1.0, -1.0)
    exact = cubic.exact and exact_quartic_cost(k, pt.VR.shape[1]) <= pt.budget
    quartic = _quartic_exact(pt, signs) if exact else _quartic_search(pt, signs)
    ho = HigherOrder(cubic, manifold, quartic, pt.lines.used)
    mb = f"; Morse–Bott check {manifold.status.value}: {manifold.reason}" if manifold is not None else ""
    by_sign = dict(zip(signs, quartic))
    if any(q.status is FormStatus.AMBIGUOUS for q in quartic):
        return (Kind.INCONCLUSIVE, f"{head}; C ≡ 0 on N and the reduced quartic is in the ambiguous band: "
                f"{'; '.join(q.detail for q in quartic)}", Criterion.NONE, None, None, None, ho)
    plus, minus = by_sign.get(+1.0), by_sign.get(-1.0)
    if plus is not None and plus.status is FormStatus.POSITIVE:
        return (Kind.MINIMISER, f"{head}; C ≡ 0 on N and the reduced quartic q > 0 on the unit sphere of N: "
                f"a strict local minimiser with singular Hessian; {plus.detail}", Criterion.QUARTIC, True, None,
                None, ho)
    if minus is not None and minus.status is FormStatus.POSITIVE:
        return (Kind.MAXIMISER, f"{head}; C ≡ 0 on N and q < 0 on the unit sphere of N: a strict local "
                f"maximiser with singular Hessian; {minus.detail}", Criterion.QUARTIC, True, None, None, ho)
    if sign == 0 and plus.status is FormStatus.NEGATIVE and minus.status is FormStatus.NEGATIVE:
        return (Kind.NON_STRICT_SADDLE, f"{head}; C ≡ 0 and the quartic D⁴L[u]⁴ takes both signs on N: "
                f"{plus.detail}; {minus.detail}", Criterion.QUARTIC, None, plus.direction, plus.curve, ho)
    if sign > 0 and plus.status is FormStatus.NEGATIVE:
        return (Kind.NON_STRICT_SADDLE, f"{head}; q(u) = {plus.value:.3e} < 0 for a unit u in N: L decreases "
                f"along θ + t u + t² w, w = −½H⁺D³L[u,u,·]; {plus.detail}", Criterion.QUARTIC, None,
                plus.direction, plus.curve, ho)
    if sign < 0 and minus.status is FormStatus.NEGATIVE:
        return (Kind.STRICT_SADDLE, f"{head}; q(u) = {-minus.value:.3e} > 0 for a unit u in N: L increases "
                f"along θ + t u + t² w (negative curvature but not a maximiser); {minus.detail}", Criterion.QUARTIC,
                None, minus.direction, minus.curve, ho)
    return (Kind.DEGENERATE, f"{head}; no test up to order four decides: {cubic.detail}; "
            f"{'; '.join(q.detail for q in quartic)}{mb}", Criterion.NONE, None, None, None, ho)


def _quadratic_model_fails(kernel, th: np.ndarray, g: np.ndarray, g_norm: float, lam: np.ndarray, vec: np.ndarray,
                           h: float, th_norm: float, band: float, tol: Tolerances) -> str:
    """Why ‖∇L‖ ≤ τ_g·s_g does not certify θ as critical, or "" (``Tolerances.newton_reduction``).

    Only a gradient that passes through the √(2|L|‖H‖) term of s_g (‖∇L‖ > τ_g‖H‖‖θ‖) is tested: that term
    trusts the quadratic model of L at θ, whose critical point lies at θ + δ, δ = −Σ_r (v_rᵀ∇L/λ_r) v_r (the
    eigenvalues outside the ambiguous band). A step δ negligible against θ (‖δ‖ ≤ τ_g‖θ‖) needs no test;
    otherwise the model must hold over δ: ‖∇L(θ + δ)‖ ≤ newton_reduction·‖∇L(θ)‖. All three comparisons are
    between quantities of equal units, so the test is invariant under L → cL, θ → θ/s.
    """
    if g_norm <= tol.gradient * h * th_norm:
        return ""
    clear = np.abs(lam) > band
    delta = -(vec[:, clear] @ ((vec[:, clear].T @ g) / lam[clear]))
    step = float(norm(delta))
    if step <= tol.gradient * th_norm:
        return ""
    with np.errstate(all="ignore"):
        moved = th + delta
        g_moved = float(norm(np.asarray(kernel.gradient(moved), dtype=float))) if np.all(np.isfinite(moved)) \
            else math.inf
    if g_moved <= tol.newton_reduction * g_norm:
        return ""
    return (f"no critical point is certified near θ: ‖∇L‖ = {g_norm:.3e} is below τ_g·s_g only through the term "
            f"√(2|L|‖H‖) of s_g (‖H‖ = {h:.3e}), and the Newton step to the quadratic model's critical point "
            f"(length {step:.3e}) does not reduce the gradient (‖∇L(θ + δ)‖ = {g_moved:.3e} > "
            f"{tol.newton_reduction:g}·‖∇L(θ)‖): the Hessian does not describe L over that step (e.g. saturated "
            "activations, where the gradient decays towards a critical point at infinity)")


def _checked_lower_bound(lower_bound) -> float | None:
    """``lower_bound`` as a float, or None; a NaN, ±inf or non-real bound is refused (a NaN would make
    every comparison with L false and silently disable the lower-bound step)."""
    if lower_bound is None:
        return None
    if isinstance(lower_bound, (bool, np.bool_)) or not isinstance(lower_bound, numbers.Real):
        raise TypeError(f"lower_bound must be a finite real number or None, got {lower_bound!r}")
    if not math.isfinite(float(lower_bound)):
        raise NonFiniteDataError(f"lower_bound must be a finite real number or None, got {lower_bound!r}")
    return float(lower_bound)


def classify(kernel, theta, *, lower_bound: float | None = None, tolerances: Tolerances | None = None,
             gradient_tol: float | None = None, eigen_tol: float | None = None, higher_order: bool = True,
             max_evaluations: int = DEFAULT_MAX_EVALUATIONS, symmetry: bool = True,
             seed: int | None = None) -> Classification:
    """Classify θ by its gradient, Hessian spectrum and higher-order tests (module docstring).

    ``lower_bound``: a value no point can go below (e.g. 0 for the square loss, or the known
    global minimum); a point attaining it is a global minimiser, one below it inconsistent.
    ``tolerances``: the dimensionless tolerances (default :class:`~symsaddle.Tolerances`()),
    echoed in the result. ``gradient_tol`` / ``eigen_tol``: absolute overrides, in the units of
    ∇L and of the eigenvalues. ``max_evaluations``: directional-derivative evaluations allowed
    for the exact coefficients of each form on the null space (beyond: searched). ``symmetry``: let
    the model's continuous symmetry group certify Morse–Bott points (step 4a; False: only the
    numerical check, e.g. to cross-check the two). ``seed`` is ignored (kept for compatibility): no
    step of the classification is random.

    Kernels are duck-typed: ``P``, ``value``, ``gradient``, ``hessian`` and ``directional``.
    """
    del seed
    tol = tolerances or DEFAULT_TOLERANCES
    if not isinstance(tol, Tolerances):
        raise TypeError(f"tolerances must be a symsaddle.Tolerances, got {type(tol).__name__}")
    th = parameter_array(theta, require_kernel(kernel, "classify").P)
    lower_bound = _checked_lower_bound(lower_bound)
    P = th.size
    if hasattr(kernel, "value_and_gradient"):
        L, g = kernel.value_and_gradient(th)
    else:
        L, g = kernel.value(th), kernel.gradient(th)
    L, g = float(L), np.asarray(g, dtype=float).reshape(P)
    H = np.asarray(kernel.hessian(th), dtype=float).reshape(P, P)
    finite = np.isfinite(L) and np.all(np.isfinite(g)) and np.all(np.isfinite(H))
    H = (H + H.T) / 2 if finite else np.zeros((P, P))
    lam, vec = np.linalg.eigh(H)
    h = float(np.max(np.abs(lam))) if P else 0.0
    g_norm, th_norm = float(norm(g)), float(norm(th))
    tol_g = gradient_tol if gradient_tol is not None else tol.gradient * gradient_scale(L, h, th_norm)
    tol_l = eigen_tol if eigen_tol is not None else tol.eigenvalue * h
    band = tol.ambiguity * tol_l
    zero = np.abs(lam) <= tol_l
    index, nullity = int(np.sum(lam < -tol_l)), int(zero.sum())
    positive = int(np.sum(lam > tol_l))

    def result(kind: Kind, reason: str, by: Criterion = Criterion.NONE, isolated: bool | None = None,
               direction=None, curve=None, ho: HigherOrder | None = None, idx: int = index) -> Classification:
        return Classification(th, L, g_norm, tol_g, lam, vec, tol_l, idx, nullity, kind, reason, tol, by, isolated,
                              direction, curve, lower_bound, ho)

    if not finite:
        return result(Kind.INCONCLUSIVE, "the kernel returned a non-finite loss, gradient or Hessian at θ")
    if not g_norm <= tol_g:
        return result(Kind.INCONCLUSIVE, f"not a critical point: ‖∇L‖ = {g_norm:.3e} > tol_g = {tol_g:.3e} "
                      f"(τ_g·s_g, s_g = ‖H‖‖θ‖ + √(2|L|‖H‖))", Criterion.GRADIENT)
    if gradient_tol is None:
        unmodelled = _quadratic_model_fails(kernel, th, g, g_norm, lam, vec, h, th_norm, band, tol)
        if unmodelled:
            return result(Kind.INCONCLUSIVE, unmodelled, Criterion.GRADIENT)
    if lower_bound is not None:
        lb = float(lower_bound)
        tol_L = tol.loss * (abs(L) + abs(lb) + h * th_norm ** 2)
        if L < lb - tol_L:
            return result(Kind.INCONSISTENT, f"L = {L:.6e} lies below the declared lower bound {lb:.6e} by "
                          f"{lb - L:.3e} > tol_L = {tol_L:.3e}: the bound, the data or the kernel is wrong",
                          Criterion.LOWER_BOUND)
        if L <= lb + tol_L:
            if np.any(lam < -band):
                return result(Kind.INCONSISTENT, f"L = {L:.6e} attains the declared lower bound {lb:.6e}, but the "
                              f"Hessian has the negative eigenvalue {lam[0]:.3e} (< −{band:.1e}): a global "
                              "minimiser cannot have negative curvature", Criterion.LOWER_BOUND)
            if np.any(lam < -tol_l):
                return result(Kind.INCONCLUSIVE, f"L attains the lower bound {lb:.6e}, but eigenvalue {lam[0]:.3e} "
                              f"lies in the ambiguous band [−{band:.1e}, −{tol_l:.1e})", Criterion.LOWER_BOUND)
            return result(Kind.MINIMISER, f"L = {L:.6e} attains the lower bound {lb:.6e} of the loss "
                          f"(|L − L_lb| ≤ tol_L = {tol_L:.3e}): a global minimiser, whatever the Hessian's "
                          f"{nullity} null directions", Criterion.LOWER_BOUND, None)
    ambiguous = (np.abs(lam) > tol_l) & (np.abs(lam) <= band)
    if np.any(ambiguous):
        return result(Kind.INCONCLUSIVE, f"eigenvalue {lam[ambiguous][0]:.3e} lies in the ambiguous band "
                      f"({tol_l:.1e}, {band:.1e}] (τ_λ‖H‖ = {tol_l:.1e})")
    if index and positive:
        return result(Kind.STRICT_SADDLE, f"{index} negative, {positive} positive and {nullity} zero Hessian eigenvalues",
                      Criterion.HESSIAN)
    if nullity == 0:
        if index == 0:
            return result(Kind.MINIMISER, "positive definite Hessian", Criterion.HESSIAN, True)
        return result(Kind.MAXIMISER, "negative definite Hessian", Criterion.HESSIAN, True)
    sign = 1.0 if positive else -1.0 if index else 0.0
    if not higher_order:
        return result(Kind.DEGENERATE, f"semi-definite Hessian with {nullity} zero eigenvalues; "
                      "higher-order tests disabled")
    pt = _Point(kernel, th, L, lam, vec, zero, tol_l, h, g_norm, tol, int(max_evaluations), symmetry)
    kind, reason, by, isolated, direction, curve, ho = _higher_order(pt, sign)
    return result(kind, reason, by, isolated, direction, curve, ho)
