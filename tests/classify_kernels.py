"""Kernels for the classification tests: closed-form polynomials and duck-typed transformations
of any kernel (units of L and θ, orthogonal change of coordinates)."""

from __future__ import annotations

import numpy as np
import sympy as sp

import symsaddle as ss
from symsaddle import models


def kernel_of(expr, params):
    """A kernel with L(θ) = expr (a model with no inputs and the linear loss ℓ = y·f, y = 1)."""
    m = models.custom(expr, list(params), [])
    return ss.Objective(m, np.zeros((1, 0)), np.ones(1), loss="linear", normalization="sum").compile()


def scaled_expression(expr, params, c: float, s: float):
    """c · expr(s θ'): the same function with L in units 1/c and θ in units s (symbolically)."""
    return sp.Float(c, 30) * expr.xreplace({p: sp.Float(s, 30) * p for p in params})


class ScaledKernel:
    """θ' ↦ c · L(s θ') through the kernel API: Dᵐ scales by c·sᵐ."""

    def __init__(self, kernel, c: float, s: float):
        self.kernel, self.c, self.s, self.P = kernel, float(c), float(s), kernel.P

    def value(self, theta):
        return self.c * self.kernel.value(self.s * np.asarray(theta))

    def gradient(self, theta):
        return self.c * self.s * self.kernel.gradient(self.s * np.asarray(theta))

    def hessian(self, theta):
        return self.c * self.s**2 * self.kernel.hessian(self.s * np.asarray(theta))

    def directional(self, theta, u, order):
        return self.c * self.s**order * self.kernel.directional(self.s * np.asarray(theta), u, order)


class RotatedKernel:
    """θ' ↦ L(Q θ') for an orthogonal Q: the same landscape in rotated coordinates."""

    def __init__(self, kernel, Q: np.ndarray):
        self.kernel, self.Q, self.P = kernel, np.asarray(Q, dtype=float), kernel.P

    def _x(self, theta):
        return np.asarray(theta) @ self.Q.T

    def value(self, theta):
        return self.kernel.value(self._x(theta))

    def gradient(self, theta):
        return self.kernel.gradient(self._x(theta)) @ self.Q

    def hessian(self, theta):
        H = self.kernel.hessian(self._x(theta))
        return np.swapaxes(H @ self.Q, -1, -2) @ self.Q

    def directional(self, theta, u, order):
        return self.kernel.directional(self._x(theta), np.asarray(u) @ self.Q.T, order)


def random_rotation(P: int, seed: int) -> np.ndarray:
    Q, R = np.linalg.qr(np.random.default_rng(seed).normal(size=(P, P)))
    return Q * np.sign(np.diag(R))
