"""Certificates of a nearby local minimum (seed 003 §6.2.5 Theorems 1–2; Safran & Shamir 2018, Lemma 1).

Directional derivatives: ∇ᵏf(x)(u) = Dᵏf(x)[u, …, u] = dᵏ/dtᵏ f(x + tu)|₀ (the core's
``kernel.directional``; the cubic form also from ``kernel.third``).

* **Theorem 1** (thesis, "ongoing theoretical results"). x* an index-1 saddle (one negative Hessian
  eigenvalue, the others positive); B = min_{‖u‖=1, uᵀ∇²f u ≤ 0} max{∇³f(x*)(u), ∇³f(x*)(−u)}
  = min over that cone of |∇³f(x*)(u)|, assumed > 0; ∇⁴f(ξ)(u) ≥ 0 for ‖ξ − x*‖ < R, ‖u‖ = 1.
  If −3λ_min/B ≤ R, there is a local minimum within −3λ_min/B of x*.
* **Theorem 2** (thesis). x* a saddle of any index; ∇⁴f(ξ)(u) ≥ δ > 0 on the ball of radius R;
  B = min_{‖u‖=1} ∇³f(x*)(u). If r = (2/δ)(√(B² − 3λ_min δ) − B) ≤ R, a local minimum lies within r.
  (Proof: f(x* + tu) − f(x*) ≥ ½λ_min t² + ⅙B t³ + (δ/24) t⁴ ≥ 0 at t = r, the positive root.)
* **Safran–Shamir Lemma 1** (``references/landscape_theory.md`` §4). ‖∇F(w)‖ ≤ ε, λ_min(∇²F(w)) = λ > 0,
  |third directional derivative| ≤ B on the ball, 9λ² − 25Bε ≥ 0: a local minimum lies within
  r = (3λ − √(9λ² − 25Bε))/(2B) of w (r → 25ε/(12λ) as B → 0).

B is computed with scipy (SLSQP from many starts on the unit sphere / the cone) and the
fourth-order condition and the third-derivative bound are checked on random samples of the ball:
these are numerical certificates, as strong as that sampling — the result says so (``basis``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np
import scipy.optimize

from .. import require_kernel
from ..critical import classify
from .escape import _sphere_samples as _sphere
from .escape import eigenvalue_error_band


class CertificateStatus(str, Enum):
    CERTIFIED = "certified"
    NOT_CRITICAL = "not a critical point"
    NOT_INDEX_ONE = "not an index-1 saddle"
    NOT_A_SADDLE = "not a saddle (no negative eigenvalue)"
    NOT_POSITIVE_DEFINITE = "Hessian not positive definite"
    SIGN_UNDECIDED = "sign of λ_min undecided (inside its error band)"
    NO_POSITIVE_B = "B is not positive"
    FOURTH_ORDER_FAILS = "fourth-order condition fails"
    RADIUS_EXCEEDS_R = "radius exceeds R"
    DISCRIMINANT_NEGATIVE = "9λ² − 25Bε < 0"
    RADIUS_EXCEEDS_BALL = "radius exceeds the ball on which B was bounded"


@dataclass(frozen=True)
class NearbyMinimumCertificate:
    """A typed certificate: ``radius`` (a local minimum lies within it) when ``status`` is CERTIFIED."""

    theorem: str
    status: CertificateStatus
    radius: float | None
    lambda_min: float
    B: float | None
    reason: str
    basis: str = ""
    epsilon: float | None = None
    delta: float | None = None
    R: float | None = None
    fourth_min: float | None = None

    @property
    def certified(self) -> bool:
        return self.status is CertificateStatus.CERTIFIED

    def to_dict(self) -> dict:
        d = {k: getattr(self, k) for k in ("theorem", "radius", "lambda_min", "B", "reason", "basis", "epsilon",
                                           "delta", "R", "fourth_min")}
        d["status"] = self.status.value
        return d


def _unit(x):
    return x / np.linalg.norm(x)


def _ball(P: int, n: int, R: float, rng) -> np.ndarray:
    d = _sphere(P, n, rng)
    return d * (R * rng.uniform(size=(n, 1)) ** (1.0 / P))


def _spectrum(kernel, x):
    H = kernel.hessian(x)
    H = 0.5 * (H + H.T)
    lam, vec = np.linalg.eigh(H)
    return H, lam, vec, eigenvalue_error_band(kernel, x, H, lam, vec)


def cubic_extremum(T: np.ndarray, *, sign: float = 1.0, cone: np.ndarray | None = None, absolute: bool = False,
                   starts=(), n_starts: int = 32, seed: int = 0) -> tuple[float, np.ndarray]:
    """min over unit u (and uᵀ ``cone`` u ≤ 0 if given) of sign·T[u,u,u] — or of |T[u,u,u]| with
    ``absolute`` — by SLSQP from ``starts`` and random starts (T and the cone are scaled to unit size
    first; starts that fail or leave the feasible set are dropped; if all do, the best feasible start
    is returned unrefined). Returns (value, u)."""
    P = T.shape[0]
    rng = np.random.default_rng(seed)
    t_scale = max(float(np.max(np.abs(T))), np.finfo(float).tiny)
    Tn = T / t_scale
    Cn = None if cone is None else cone / max(float(np.max(np.abs(cone))), np.finfo(float).tiny)

    def c(u):
        return np.einsum("ijk,i,j,k->", Tn, u, u, u)

    def dc(u):
        return 3 * np.einsum("ijk,j,k->i", Tn, u, u)

    if absolute:
        fun, jac = (lambda u: c(u) ** 2), (lambda u: 2 * c(u) * dc(u))
    else:
        fun, jac = (lambda u: sign * c(u)), (lambda u: sign * dc(u))
    cons = [{"type": "eq", "fun": lambda u: u @ u - 1.0, "jac": lambda u: 2 * u}]
    if Cn is not None:
        cons.append({"type": "ineq", "fun": lambda u: -(u @ Cn @ u), "jac": lambda u: -2 * Cn @ u})

    def feasible(u):
        with np.errstate(all="ignore"):
            return bool(np.all(np.isfinite(u)) and abs(u @ u - 1) <= 1e-6 and (Cn is None or u @ Cn @ u <= 1e-9))

    candidates = [_unit(np.asarray(u0, float)) for u0 in list(starts) + list(_sphere(P, n_starts, rng))]
    best = (np.inf, None)
    for u0 in candidates:
        if feasible(u0) and fun(u0) < best[0]:
            best = (float(fun(u0)), u0)
        with np.errstate(all="ignore"):
            sol = scipy.optimize.minimize(fun, u0, jac=jac, constraints=cons, method="SLSQP",
                                          options={"maxiter": 300, "ftol": 1e-15})
        if not feasible(sol.x):
            continue
        v = float(fun(sol.x))
        if v < best[0]:
            best = (v, _unit(sol.x))
    if best[1] is None:
        raise ValueError("no feasible direction: the cone uᵀHu ≤ 0 contains no start and SLSQP found none")
    val = float(np.sqrt(max(best[0], 0.0))) if absolute else best[0] * sign
    return val * t_scale, best[1]


def _fourth_on_ball(kernel, x, R: float, eigenvectors, *, n_points: int, n_directions: int, seed: int):
    """min of ∇⁴f(ξ)(u) over ξ ∈ {x} ∪ (random points of the ball of radius R) and unit u
    (the Hessian eigenvectors at x and random directions). Returns (min value, ξ, u)."""
    rng = np.random.default_rng(seed)
    P = x.size
    xis = np.vstack([x[None, :], x[None, :] + _ball(P, n_points, R, rng)]) if R > 0 else x[None, :]
    dirs = np.vstack([eigenvectors.T, _sphere(P, n_directions, rng)])
    XI = np.repeat(xis, len(dirs), axis=0)
    U = np.tile(dirs, (len(xis), 1))
    vals = np.atleast_1d(kernel.directional(XI, U, 4))
    k = int(np.argmin(vals))
    return float(vals[k]), XI[k], U[k]


def theorem1(kernel, x_star, R: float, *, strict_index: bool = True, n_points: int = 16, n_directions: int = 16,
             seed: int = 0) -> NearbyMinimumCertificate:
    """Theorem 1 of seed 003 §6.2.5 at the saddle ``x_star`` with the ball radius ``R``.

    ``strict_index=False`` tolerates zero eigenvalues besides the one negative eigenvalue, as the
    thesis did at its saddles ("the point is not exactly index-1 … we attempt to test it
    regardless"); the theorem's hypothesis then does not hold and a CERTIFIED status proves nothing.
    """
    x = np.asarray(x_star, dtype=float)
    cls = classify(kernel, x, higher_order=False)
    H, lam, vec, band = _spectrum(kernel, x)
    lmin = float(lam[0])
    base = dict(theorem="Theorem 1 (thesis §6.2.5)", lambda_min=lmin, R=float(R))
    if cls.gradient_norm > cls.gradient_tolerance:
        return NearbyMinimumCertificate(status=CertificateStatus.NOT_CRITICAL, radius=None, B=None, reason=cls.reason,
                                        **base)
    n_neg, n_zero = int(np.sum(lam < -band)), int(np.sum(np.abs(lam) <= band))     # per-eigenvalue bands
    if n_neg != 1 or (n_zero and strict_index):
        return NearbyMinimumCertificate(status=CertificateStatus.NOT_INDEX_ONE, radius=None, B=None,
                                        reason=f"{n_neg} negative and {n_zero} zero eigenvalue(s) (error bands up "
                                               f"to {np.max(band):.1e}); the theorem needs exactly one negative, the "
                                               "rest positive",
                                        **base)
    T = kernel.third(x)
    B, u = cubic_extremum(T, cone=H, absolute=True, starts=[vec[:, 0], -vec[:, 0]], seed=seed)
    err = 1e-10 * float(np.max(np.abs(T)))
    if B <= err:
        return NearbyMinimumCertificate(status=CertificateStatus.NO_POSITIVE_B, radius=None, B=B,
                                        reason=f"|∇³f(x*)(u)| vanishes on the cone uᵀHu ≤ 0 (min {B:.3e})", **base)
    fourth, xi, _ = _fourth_on_ball(kernel, x, R, vec, n_points=n_points, n_directions=n_directions, seed=seed)
    basis = (f"B by SLSQP from 34 starts on the cone; ∇⁴f ≥ 0 checked at x* and {n_points} random points of "
             f"the ball × {vec.shape[1] + n_directions} directions")
    if fourth < 0:
        where = "at x* itself" if np.allclose(xi, x) else f"at distance {np.linalg.norm(xi - x):.3e}"
        return NearbyMinimumCertificate(status=CertificateStatus.FOURTH_ORDER_FAILS, radius=None, B=B,
                                        reason=f"∇⁴f(ξ)(u) = {fourth:.3e} < 0 {where}", basis=basis,
                                        fourth_min=fourth, **base)
    r = -3.0 * lmin / B
    if r > R:
        return NearbyMinimumCertificate(status=CertificateStatus.RADIUS_EXCEEDS_R, radius=None, B=B,
                                        reason=f"−3λ_min/B = {r:.3e} > R = {R:.3e}", basis=basis, fourth_min=fourth,
                                        **base)
    caveat = "" if not n_zero else f" — but {n_zero} zero eigenvalue(s): the hypothesis fails, nothing is proven"
    return NearbyMinimumCertificate(status=CertificateStatus.CERTIFIED, radius=r, B=B,
                                    reason=f"local minimum within −3λ_min/B = {r:.3e} ≤ R{caveat}", basis=basis,
                                    fourth_min=fourth, **base)


def theorem2(kernel, x_star, R: float, *, n_points: int = 16, n_directions: int = 16, seed: int = 0
             ) -> NearbyMinimumCertificate:
    """Theorem 2 of seed 003 §6.2.5: δ = the sampled minimum of ∇⁴f on the ball of radius ``R``."""
    x = np.asarray(x_star, dtype=float)
    cls = classify(kernel, x, higher_order=False)
    H, lam, vec, band = _spectrum(kernel, x)
    lmin = float(lam[0])
    base = dict(theorem="Theorem 2 (thesis §6.2.5)", lambda_min=lmin, R=float(R))
    if cls.gradient_norm > cls.gradient_tolerance:
        return NearbyMinimumCertificate(status=CertificateStatus.NOT_CRITICAL, radius=None, B=None, reason=cls.reason,
                                        **base)
    if abs(lmin) <= band[0]:
        return NearbyMinimumCertificate(status=CertificateStatus.SIGN_UNDECIDED, radius=None, B=None,
                                        reason=f"|λ_min| = {abs(lmin):.3e} ≤ its error band {band[0]:.1e}", **base)
    if lmin > 0:
        return NearbyMinimumCertificate(status=CertificateStatus.NOT_A_SADDLE, radius=None, B=None,
                                        reason=f"λ_min = {lmin:.3e} > its error band {band[0]:.1e}", **base)
    fourth, xi, _ = _fourth_on_ball(kernel, x, R, vec, n_points=n_points, n_directions=n_directions, seed=seed)
    basis = (f"δ = min of ∇⁴f at x* and {n_points} random points of the ball × {vec.shape[1] + n_directions} "
             "directions; B by SLSQP from 34 starts on the sphere")
    if fourth <= 0:
        where = "at x* itself" if np.allclose(xi, x) else f"at distance {np.linalg.norm(xi - x):.3e}"
        return NearbyMinimumCertificate(status=CertificateStatus.FOURTH_ORDER_FAILS, radius=None, B=None,
                                        reason=f"∇⁴f(ξ)(u) = {fourth:.3e} ≤ 0 {where}: no δ > 0", basis=basis,
                                        fourth_min=fourth, **base)
    delta = fourth
    T = kernel.third(x)
    B, _ = cubic_extremum(T, sign=1.0, starts=[vec[:, 0], -vec[:, 0]], seed=seed)
    r = (2.0 / delta) * (np.sqrt(B * B - 3.0 * lmin * delta) - B)
    if r > R:
        return NearbyMinimumCertificate(status=CertificateStatus.RADIUS_EXCEEDS_R, radius=None, B=B, delta=delta,
                                        reason=f"r = {r:.3e} > R = {R:.3e}", basis=basis, fourth_min=fourth, **base)
    return NearbyMinimumCertificate(status=CertificateStatus.CERTIFIED, radius=float(r), B=B, delta=delta,
                                    reason=f"local minimum within r = {r:.3e} ≤ R", basis=basis, fourth_min=fourth,
                                    **base)


def safran_shamir_radius(epsilon: float, lambda_min: float, B: float) -> float | None:
    """r = (3λ − √(9λ² − 25Bε))/(2B) (→ 25ε/(12λ) as B → 0), or None if 9λ² − 25Bε < 0 or λ ≤ 0."""
    if lambda_min <= 0:
        return None
    disc = 9 * lambda_min ** 2 - 25 * B * epsilon
    if disc < 0:
        return None
    if B * epsilon <= 1e-12 * lambda_min ** 2:          # expand the root to avoid cancellation
        return 25 * epsilon / (12 * lambda_min) * (1 + 25 * B * epsilon / (36 * lambda_min ** 2))
    return (3 * lambda_min - np.sqrt(disc)) / (2 * B)


def safran_shamir(kernel, w, *, B: float | None = None, ball_radius: float | None = None, n_points: int = 16,
                  n_directions: int = 16, seed: int = 0) -> NearbyMinimumCertificate:
    """Safran–Shamir Lemma 1 at w: ε = ‖∇F(w)‖, λ = λ_min(∇²F(w)), B a bound on |∇³F(ξ)(u)| on the ball.

    With ``B`` given, it is taken as a proven bound (``basis="given"``) and the ball is unbounded.
    Otherwise B is the largest |∇³F(ξ)(u)| sampled on the ball of radius ``ball_radius`` (default:
    twice the radius the lemma gives with B sampled at w alone), and the certificate fails if the
    resulting r exceeds that ball (as the authors' code does, error −3).
    """
    require_kernel(kernel, "safran_shamir")
    x = np.asarray(w, dtype=float)
    eps = float(np.linalg.norm(kernel.gradient(x)))
    H, lam, vec, band = _spectrum(kernel, x)
    lmin = float(lam[0])
    base = dict(theorem="Safran–Shamir Lemma 1", lambda_min=lmin, epsilon=eps)
    if abs(lmin) <= band[0]:
        return NearbyMinimumCertificate(status=CertificateStatus.SIGN_UNDECIDED, radius=None, B=B,
                                        reason=f"|λ_min| = {abs(lmin):.3e} ≤ its error band {band[0]:.1e}", **base)
    if lmin < 0:
        return NearbyMinimumCertificate(status=CertificateStatus.NOT_POSITIVE_DEFINITE, radius=None, B=B,
                                        reason=f"λ_min = {lmin:.3e} ≤ error band {band[0]:.1e}", **base)
    if B is not None:
        r = safran_shamir_radius(eps, lmin, float(B))
        if r is None:
            return NearbyMinimumCertificate(status=CertificateStatus.DISCRIMINANT_NEGATIVE, radius=None, B=float(B),
                                            reason=f"9λ² − 25Bε = {9 * lmin ** 2 - 25 * B * eps:.3e} < 0",
                                            basis="given", **base)
        return NearbyMinimumCertificate(status=CertificateStatus.CERTIFIED, radius=float(r), B=float(B),
                                        reason=f"local minimum within r = {r:.3e}", basis="given", **base)
    rng = np.random.default_rng(seed)
    P = x.size
    T = kernel.third(x)
    B0, _ = cubic_extremum(T, sign=-1.0, starts=[vec[:, 0]], n_starts=8, seed=seed)   # max T[u]³ = max |T[u]³|
    B0 = abs(B0)
    r0 = safran_shamir_radius(eps, lmin, B0)
    rho = float(ball_radius) if ball_radius is not None else 2.0 * (r0 if r0 is not None else 3 * lmin / max(B0, 1e-300))
    xis = np.vstack([x[None, :], x[None, :] + _ball(P, n_points, rho, rng)])
    dirs = np.vstack([vec.T, _sphere(P, n_directions, rng)])
    vals = kernel.directional(np.repeat(xis, len(dirs), axis=0), np.tile(dirs, (len(xis), 1)), 3)
    Bs = max(B0, float(np.max(np.abs(vals))))
    basis = (f"B = max |∇³F(ξ)(u)| over SLSQP at w and {n_points} random points of the ball of radius {rho:.3e} × "
             f"{len(dirs)} directions (sampled, not a proven bound)")
    r = safran_shamir_radius(eps, lmin, Bs)
    if r is None:
        return NearbyMinimumCertificate(status=CertificateStatus.DISCRIMINANT_NEGATIVE, radius=None, B=Bs,
                                        reason=f"9λ² − 25Bε = {9 * lmin ** 2 - 25 * Bs * eps:.3e} < 0", basis=basis,
                                        R=rho, **base)
    if r > rho:
        return NearbyMinimumCertificate(status=CertificateStatus.RADIUS_EXCEEDS_BALL, radius=None, B=Bs,
                                        reason=f"r = {r:.3e} exceeds the ball radius {rho:.3e} where B was bounded",
                                        basis=basis, R=rho, **base)
    return NearbyMinimumCertificate(status=CertificateStatus.CERTIFIED, radius=float(r), B=Bs,
                                    reason=f"local minimum within r = {r:.3e}", basis=basis, R=rho, **base)
