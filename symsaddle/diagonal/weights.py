"""Weights of a diagonal network in log-space coordinates, exact for any initialisation scale γ.

With w± = (u ± v)/√2 the gradient flow dw/dt = −∇F splits per coordinate (P&F Lemma 1):

    dw₊/dt = −g ⊙ w₊,   dw₋/dt = +g ⊙ w₋,   g = ∇L(β),   β = u ⊙ v = (w₊² − w₋²)/2,

so w±(t) = w±(0) e^{±S_t} with the dual variable S_t = −∫₀ᵗ ∇L(β_r) dr, and for the seed's
initialisation u₀ = √2γ1, v₀ = 0 (seed 000 §3.1): w±(0) = γ and β_t = γ² sinh(2 S_t), the
mirror-flow closed form. The invariant u² − v² = 2 w₊ w₋ = 2γ² is conserved.

Why logs. In float64 the pair (u, v) cannot hold the minority component w∓ of an active
coordinate: it is ≈ γ²/|w±| while u, v are O(1), so it falls below the unit roundoff as soon
as |w₋/w₊| < 2⁻⁵³, i.e. |S_i| > 18.4 — for any γ < 1e-8 every coordinate that activates
loses it. A coordinate that must later change sign then leaves too early (rounding noise in
place of w∓) or never (u = v exactly). γ² itself underflows for γ < 1.5e-154 and γ for
γ < 2.2e-308. Storing a = ln|w₊|, b = ln|w₋| keeps every component to full relative
precision at any scale; β is computed from them without cancellation:

    β = ½ sign(a − b) e^{2 max(a, b)} (1 − e^{−2|a − b|}),   dβ/dS = e^{2a} + e^{2b}.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ..reports import compact_repr

#: exponents are clipped here (e^{300} ≈ 1e130) so trial steps of an ODE solver cannot overflow.
_EXP_CLIP = 300.0
_LN_HALF_SQRT2 = 0.5 * np.log(2.0)


def beta_from_logs(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """β = (w₊² − w₋²)/2 from a = ln|w₊|, b = ln|w₋| without cancellation or overflow."""
    diff = a - b
    top = np.minimum(2.0 * np.maximum(a, b), _EXP_CLIP)
    return np.sign(diff) * 0.5 * np.exp(top) * -np.expm1(-2.0 * np.abs(diff))


def dbeta_from_logs(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """dβ/dS = w₊² + w₋² = e^{2a} + e^{2b} (the rate in dβ/dt = −(w₊² + w₋²) ⊙ g)."""
    return np.exp(np.minimum(2.0 * a, _EXP_CLIP)) + np.exp(np.minimum(2.0 * b, _EXP_CLIP))


def weights_from_logs(a, b, sign_plus=1.0, sign_minus=1.0) -> tuple[np.ndarray, np.ndarray]:
    """(u, v) = ((w₊ + w₋)/√2, (w₊ − w₋)/√2) in float64 (entries below ~1e-308 underflow to 0)."""
    wp = sign_plus * np.exp(np.minimum(a, _EXP_CLIP))
    wm = sign_minus * np.exp(np.minimum(b, _EXP_CLIP))
    return (wp + wm) / np.sqrt(2.0), (wp - wm) / np.sqrt(2.0)


def log10_gradient_sizes(g: np.ndarray, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """log10 ‖∇F‖ and log10 max_p |∂F/∂θ_p| at weights (a, b) with ∇L(β) = g, in log space.

    ∇_v F = g ⊙ u and ∇_u F = g ⊙ v, so ‖∇F‖² = Σ g_i² (w₊,i² + w₋,i²) and
    max(|u_i|, |v_i|) = (|w₊,i| + |w₋,i|)/√2. Works on (..., d) arrays.
    """
    with np.errstate(divide="ignore"):
        lg = np.log(np.abs(g))
    two = np.stack([2 * (lg + a), 2 * (lg + b)], axis=-1)
    log_norm = 0.5 * _logsumexp(two.reshape(*two.shape[:-2], -1))
    per = np.logaddexp(a, b) - _LN_HALF_SQRT2 + lg
    log_max = np.max(per, axis=-1)
    return log_norm / np.log(10.0), log_max / np.log(10.0)


def _logsumexp(x: np.ndarray) -> np.ndarray:
    m = np.max(x, axis=-1)
    finite = np.isfinite(m)
    safe = np.where(finite, m, 0.0)
    with np.errstate(divide="ignore"):
        return np.where(finite, safe + np.log(np.sum(np.exp(x - safe[..., None]), axis=-1)), m)


def _check_gamma(gamma: float | None, log10_gamma: float | None) -> float:
    """ln γ from exactly one of ``gamma`` (> 0) and ``log10_gamma`` (finite)."""
    if (gamma is None) == (log10_gamma is None):
        raise ValueError("give exactly one of gamma (> 0) or log10_gamma (for scales below float64's range)")
    if gamma is not None:
        if isinstance(gamma, bool) or not isinstance(gamma, (int, float, np.integer, np.floating)):
            raise TypeError(f"gamma must be a number, got {type(gamma).__name__}")
        if not np.isfinite(gamma) or gamma <= 0:
            raise ValueError(f"the initialisation scale gamma must be a positive finite number, got {gamma!r}")
        return float(np.log(gamma))
    if not np.isfinite(log10_gamma):
        raise ValueError(f"log10_gamma must be finite, got {log10_gamma!r}")
    return float(log10_gamma) * float(np.log(10.0))


@dataclass(frozen=True)
class Initialisation:
    """u₀, v₀ stored as a = ln w₊(0), b = ln w₋(0); needs u₀ > |v₀|, so that w±(0) > 0.

    ``log_gamma`` is ln γ of the scale that defines the accelerated time t̃ = t / ln(1/γ)
    (P&F §3); it is ``None`` when the initialisation has no small scale (γ ≥ 1).
    """

    __repr__ = compact_repr

    log_w_plus: np.ndarray
    log_w_minus: np.ndarray
    log_gamma: float | None
    label: str

    def __post_init__(self):
        a = np.array(self.log_w_plus, dtype=float)
        b = np.array(self.log_w_minus, dtype=float)
        if a.ndim != 1 or a.shape != b.shape:
            raise ValueError(f"log_w_plus and log_w_minus must be 1-D of equal length, got {a.shape}, {b.shape}")
        if np.any(np.isnan(a)) or np.any(np.isnan(b)) or np.any(a == np.inf) or np.any(b == np.inf):
            raise ValueError("initial weights must be finite")
        a.setflags(write=False)
        b.setflags(write=False)
        object.__setattr__(self, "log_w_plus", a)
        object.__setattr__(self, "log_w_minus", b)

    @property
    def d(self) -> int:
        return int(self.log_w_plus.size)

    @property
    def log_inv_gamma(self) -> float | None:
        """λ = ln(1/γ) > 0, the time scale of the plateaus (``None`` if γ ≥ 1)."""
        if self.log_gamma is None or self.log_gamma >= 0:
            return None
        return -self.log_gamma

    @classmethod
    def vanishing(cls, d: int, gamma: float | None = None, *, log10_gamma: float | None = None) -> "Initialisation":
        """The seed's u₀ = √2γ1, v₀ = 0 (seed 000 §3.1, P&F v1): w₊(0) = w₋(0) = γ.

        ``log10_gamma`` gives γ = 10^log10_gamma below float64's range (e.g. −1000).
        """
        lg = _check_gamma(gamma, log10_gamma)
        a = np.full(int(d), lg)
        label = "u0 = sqrt(2) gamma 1, v0 = 0, gamma = " + (f"{gamma:g}" if gamma is not None
                                                             else f"1e{log10_gamma:g}")
        return cls(a, a.copy(), lg, label)

    @classmethod
    def seed000_nonzero(cls, d: int, gamma: float | None = None, *,
                        log10_gamma: float | None = None) -> "Initialisation":
        """Seed 000 §5.4: v₀ = γ1 (and u₀ = √2γ1 as in §3.1): w±(0) = γ(√2 ± 1)/√2."""
        lg = _check_gamma(gamma, log10_gamma)
        a = np.full(int(d), lg + np.log((np.sqrt(2) + 1) / np.sqrt(2)))
        b = np.full(int(d), lg + np.log((np.sqrt(2) - 1) / np.sqrt(2)))
        label = "u0 = sqrt(2) gamma 1, v0 = gamma 1, gamma = " + (f"{gamma:g}" if gamma is not None
                                                                  else f"1e{log10_gamma:g}")
        return cls(a, b, lg, label)

    @classmethod
    def from_weights(cls, u0, v0, gamma: float | None = None) -> "Initialisation":
        """Any u₀, v₀ with u₀ > |v₀| entrywise (so w±(0) > 0); ``gamma`` sets the accelerated time."""
        u0 = np.asarray(u0, dtype=float)
        v0 = np.asarray(v0, dtype=float)
        if u0.shape != v0.shape or u0.ndim != 1:
            raise ValueError(f"u0 and v0 must be 1-D arrays of equal length, got {u0.shape}, {v0.shape}")
        if not (np.all(np.isfinite(u0)) and np.all(np.isfinite(v0))):
            raise ValueError("u0 and v0 must be finite")
        if np.any(u0 <= np.abs(v0)):
            raise ValueError("the log-space simulations need u0 > |v0| entrywise (then w± = (u0 ± v0)/√2 > 0 "
                             "keep their sign under the flow); use the core gradient_descent otherwise")
        lg = None if gamma is None else _check_gamma(gamma, None)
        return cls(np.log((u0 + v0) / np.sqrt(2)), np.log((u0 - v0) / np.sqrt(2)), lg,
                   "u0, v0 given" + ("" if gamma is None else f", gamma = {gamma:g}"))

    def beta(self, S) -> np.ndarray:
        """β(S) = (w₊(0)² e^{2S} − w₋(0)² e^{−2S})/2 (= γ² sinh 2S for the seed's initialisation)."""
        S = np.asarray(S, dtype=float)
        return beta_from_logs(self.log_w_plus + S, self.log_w_minus - S)

    def dbeta(self, S) -> np.ndarray:
        """dβ/dS = w₊(0)² e^{2S} + w₋(0)² e^{−2S}."""
        S = np.asarray(S, dtype=float)
        return dbeta_from_logs(self.log_w_plus + S, self.log_w_minus - S)
