"""Kernel-level precision in saturation (issue 8, part 3).

With derivatives formed as 1 − tanh² or σ(1 − σ), a two-layer net with one neuron at
w·x = 20 (tanh) or 40 (sigmoid) had gradient and Hessian entries exactly 0 where the true
values are ≈ 1e-17 (relative error 1). Here every entry of the NumPy kernel's gradient and
Hessian is compared with an independent reference: the loss written out by hand in mpmath
(no symsaddle code) and differentiated by ``mpmath.diff`` at 40 + z digits.

Error measure: an entry is a sum over the samples, Σ_i t_i; float64 can resolve it to
≈ u·Σ_i |t_i| (u = 2⁻⁵³), so the allowed relative error is C·u·κ with the cancellation
factor κ = Σ_i |t_i| / |Σ_i t_i| (the per-sample terms are differentiated separately in
mpmath). C = 32 covers the ≤ 10 correctly rounded operations of one per-sample term.
The saturated entries (those involving w₁) have κ < 10 here, so they are held to a relative
error below 320u (measured: ≤ 9u); the old forms gave relative error 1.
"""

import mpmath
import numpy as np
import pytest

import symsaddle as ss

U = 2.0**-53
C = 32
MP_ACTIVATIONS = {"tanh": mpmath.tanh, "sigmoid": lambda t: 1 / (1 + mpmath.exp(-t))}


def _sample_loss(act: str, loss: str, x: float, y: float):
    """θ = (w₁, w₂, a₁, a₂) ↦ ℓ(a₁σ(w₁x) + a₂σ(w₂x), y), written independently of symsaddle."""
    def ell(w1, w2, a1, a2):
        f = a1 * MP_ACTIVATIONS[act](w1 * x) + a2 * MP_ACTIVATIONS[act](w2 * x)
        return (f - y) ** 2 / 2 if loss == "square" else mpmath.log1p(mpmath.exp(-y * f))
    return ell


def _reference(act, loss, X, y, theta, orders, dps):
    """(Σ_i t_i / n, Σ_i |t_i| / n) for the partial derivative of the given orders."""
    with mpmath.workdps(dps):
        th = [mpmath.mpf(float(t)) for t in theta]
        terms = [mpmath.diff(_sample_loss(act, loss, float(xi), float(yi)), th, orders) for xi, yi in zip(X[:, 0], y)]
        return sum(terms) / len(terms), sum(abs(t) for t in terms) / len(terms)


@pytest.mark.slow
@pytest.mark.parametrize("act, z", [("tanh", 20.0), ("sigmoid", 40.0), ("tanh", 300.0), ("sigmoid", 600.0)])
@pytest.mark.parametrize("loss", ["square", "logistic"])
def test_gradient_and_hessian_in_saturation_match_mpmath(act, z, loss):
    model = ss.models.two_layer(1, 2, act)                      # θ = (w₁, w₂, a₁, a₂)
    X = np.array([[1.0], [-1.0]])
    y = np.array([-0.5, 1.0]) if loss == "square" else np.array([-1.0, 1.0])
    theta = np.array([z, 0.3, 0.7, -1.1])                       # neuron 1 at w·x = ±z: saturated
    kernel = ss.Objective(model, X, y, loss=loss).compile()
    got = {"gradient": kernel.gradient(theta), "hessian": kernel.hessian(theta)}
    dps = 40 + int(z)                                           # the entries are ~e^{-z}
    checked_saturated = 0
    for p in range(4):
        entries = [("gradient", (p,), tuple(int(i == p) for i in range(4)))]
        entries += [("hessian", (p, q), tuple(int(i == p) + int(i == q) for i in range(4))) for q in range(4)]
        for quantity, index, orders in entries:
            value, absolute = _reference(loss=loss, act=act, X=X, y=y, theta=theta, orders=orders, dps=dps)
            with mpmath.workdps(dps):
                rel = abs(mpmath.mpf(float(got[quantity][index])) - value) / abs(value)
                kappa = absolute / abs(value)
            assert rel <= C * U * kappa, f"{quantity}{index}: relative error {float(rel):.3g}, κ = {float(kappa):.3g}"
            if 0 in index:                                      # involves w₁: ∝ σ'(±z) ≈ e^{-z} or e^{-2z}
                assert float(abs(value)) < 1e-16 and kappa < 10, (quantity, index, float(kappa))
                checked_saturated += 1
    assert checked_saturated == 8                               # ∂/∂w₁ and the Hessian row and column of w₁
