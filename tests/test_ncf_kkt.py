"""Seed 002: KKT points of the constrained NCF against closed forms and independent algorithms
(issue 5, item 3)."""

import numpy as np
import pytest

from symsaddle import models
from symsaddle.ncf import (NCF, SphereKind, angle_between, classify_on_sphere, clarke_kkt_residual, d3_saddle,
                          figure1_data, find_kkt_points, lagrange_kkt, ncf_at_origin, ncf_at_saddle,
                          relu_neuron_2d_kkt, symmetric_squared_relu_kkt)

ALL = ("ascent", "descent", "newton")
relu = lambda t: np.maximum(t, 0.0)


def symmetric_data(rng, m=4, d=3):
    Xh, yh = rng.normal(size=(m, d)), rng.normal(size=m)
    return Xh, yh, np.vstack([Xh, -Xh]), np.concatenate([yh, yh])


def test_symmetric_squared_relu_single_neuron_finds_every_eigenvector(rng):
    Xh, yh, X, y = symmetric_data(rng)
    lam, V = np.linalg.eigh((Xh * yh[:, None]).T @ Xh)          # independent: numpy eigh of M
    ncf = ncf_at_origin(models.two_layer(3, 1, "squared_relu", output_weights=[1]), X, y)
    search = find_kkt_points(ncf, n_starts=24, seed=3, methods=ALL)
    assert len(search.points) == 6
    expected_kind = {0: SphereKind.LOCAL_MINIMUM, 1: SphereKind.SADDLE, 2: SphereKind.LOCAL_MAXIMUM}
    for p in search.points:
        k = int(np.argmin(np.abs(lam - p.value)))
        assert p.value == pytest.approx(lam[k], rel=1e-10, abs=1e-12)
        assert min(angle_between(p.direction, V[:, k]), angle_between(p.direction, -V[:, k])) < 1e-8
        assert p.multiplier == pytest.approx(2 * p.value, rel=1e-10, abs=1e-12)
        assert p.kind is expected_kind[k] and p.nonnegative == (lam[k] >= 0)
        # Riemannian Hessian eigenvalues of uᵀMu on the sphere: 2(λ_i − λ_k), i ≠ k
        assert np.allclose(np.sort(p.riemannian_eigenvalues), np.sort(2 * (np.delete(lam, k) - lam[k])), atol=1e-8)
    M, closed = symmetric_squared_relu_kkt(Xh, yh)
    assert sorted(v for _, v in closed) == pytest.approx(sorted(p.value for p in search.points), rel=1e-10)


def test_symmetric_squared_relu_two_neurons_share_one_eigenspace(rng):
    Xh, yh, X, y = symmetric_data(rng, d=2)
    lam, V = np.linalg.eigh((Xh * yh[:, None]).T @ Xh)
    ncf = ncf_at_origin(models.two_layer(2, 2, "squared_relu", output_weights=[1, 1]), X, y)
    search = find_kkt_points(ncf, n_starts=16, seed=0)
    assert search.best.value == pytest.approx(lam[-1], rel=1e-10)
    for p in search.points:
        blocks = p.direction.reshape(2, 2)
        M = (Xh * yh[:, None]).T @ Xh
        for b in blocks:
            assert np.allclose(M @ b, p.value * b, atol=1e-8)   # every neuron in the eigenspace of N


@pytest.mark.slow
def test_diagonal_linear_maximum_is_half_the_sup_norm(rng):
    X, z = rng.normal(size=(6, 4)), rng.normal(size=6)
    g = X.T @ z
    ncf = ncf_at_origin(models.diagonal_linear(4), X, z)
    search = find_kkt_points(ncf, n_starts=32, seed=1, methods=ALL)
    k = int(np.argmax(np.abs(g)))
    assert search.best.value == pytest.approx(np.max(np.abs(g)) / 2, rel=1e-10)
    d = search.best.direction
    assert np.allclose(np.abs(d[[k, 4 + k]]), 1 / np.sqrt(2), atol=1e-8)
    assert np.allclose(np.delete(d, [k, 4 + k]), 0, atol=1e-8)
    for p in search.points:                                     # every KKT value is ±g_k/2
        assert np.min(np.abs(np.abs(p.value) - np.abs(g) / 2)) < 1e-9 * np.max(np.abs(g))


@pytest.mark.slow
def test_single_relu_neuron_against_a_dense_scan_and_the_sector_formula():
    X, y = figure1_data(seed=0)
    ncf = ncf_at_origin(models.two_layer(2, 1, "relu"), X, y)
    search = find_kkt_points(ncf, n_starts=32, seed=0, methods=ALL)
    # independent: G(θ) = Σ y σ(cos θ x₁ + sin θ x₂) on a fine grid; its local maxima are 2N at KKT points
    th = np.linspace(-np.pi, np.pi, 400_001)
    G = relu(np.c_[np.cos(th), np.sin(th)] @ X.T) @ y
    peaks = np.flatnonzero((G[1:-1] > G[:-2]) & (G[1:-1] > G[2:])) + 1
    smooth_max = sorted(p.value for p in search.points if p.smooth and p.kind is SphereKind.LOCAL_MAXIMUM)
    assert smooth_max == pytest.approx(sorted(G[peaks] / 2), rel=1e-8)
    closed = [(d, v) for d, v, kind in relu_neuron_2d_kkt(X, y) if kind == "N ≠ 0"]
    for p in search.points:
        if p.smooth:
            assert min(angle_between(p.direction, d) for d, _ in closed) < 1e-8
            assert p.direction[2] ** 2 == pytest.approx(0.5, rel=1e-10)        # Lemma H.1: |a| = ‖w‖


def test_kink_kkt_point_is_certified_by_the_clarke_residual_not_the_kernel_gradient():
    X, y = figure1_data(seed=0)
    ncf = ncf_at_origin(models.two_layer(2, 1, "relu"), X, y)
    u = np.array([0.0, 0.0, -1.0])                # w = 0: every sample on a kink; N = 0
    grad = ncf.gradient(u)
    assert np.linalg.norm(grad - (grad @ u) * u) == 0.0          # convention gradient: 0 at w = 0 …
    v = np.array([1e-9, 0.0, -1.0]) / np.linalg.norm([1e-9, 0.0, -1.0])
    g = ncf.gradient(v)
    assert np.linalg.norm(g - (g @ v) * v) > 1.0                  # … but not nearby: a kink
    assert clarke_kkt_residual(ncf, u) < 1e-6 * ncf.scale
    kinds = [k for _, _, k in relu_neuron_2d_kkt(X, y)]
    assert "kink w = 0" in kinds                                  # linprog: 0 ∈ conv{g_S}
    c = classify_on_sphere(ncf, u)
    assert not c.smooth and c.kind is SphereKind.LOCAL_MAXIMUM    # N = a·G(w) ≤ 0 nearby for a < 0


def test_squared_relu_per_neuron_kkt_points_match_the_derivative_zeros_on_the_circle():
    X, y = figure1_data(seed=0)
    ncf = ncf_at_origin(models.two_layer(2, 1, "squared_relu", output_weights=[1]), X, y)
    search = find_kkt_points(ncf, n_starts=32, seed=0, methods=ALL)
    th = np.linspace(-np.pi, np.pi, 200_001)
    U = np.c_[np.cos(th), np.sin(th)]
    N = relu(U @ X.T) ** 2 @ y
    dN = np.gradient(N, th)
    zeros = np.flatnonzero(np.sign(dN[:-1]) != np.sign(dN[1:]))
    assert len(search.points) == len(zeros) == 4
    h = th[1] - th[0]
    for i in zeros:
        p = min(search.points, key=lambda q: angle_between(q.direction, U[i]))
        assert angle_between(p.direction, U[i]) < 2 * h
        t = np.arctan2(p.direction[1], p.direction[0]) - np.arctan2(X[:, 1], X[:, 0])
        second = np.sum(y * (np.cos(t) > 0) * -2 * np.cos(2 * t))   # N″(θ) = Σ_active y_i d²cos²(θ−φ_i)/dθ²
        assert p.riemannian_eigenvalues[0] == pytest.approx(second, rel=1e-9)
        assert p.kind is (SphereKind.LOCAL_MAXIMUM if second < 0 else SphereKind.LOCAL_MINIMUM)


@pytest.mark.slow
def test_sympy_lagrange_system_agrees_with_the_numerical_search():
    X = np.array([[1.0, 0.0], [0.5, 1.0], [-1.0, 0.5]])
    z = np.array([1.0, 2.0, -1.0])
    m = models.two_layer(2, 1, "relu")
    ncf = ncf_at_origin(m, X, z)
    exact = lagrange_kkt(ncf.expression, list(m.parameters))
    search = find_kkt_points(ncf, n_starts=32, seed=0, methods=ALL)
    for k in exact:
        d, v = k.numeric()
        p = min(search.points, key=lambda q: angle_between(q.direction, d))
        assert angle_between(p.direction, d) < 1e-8 and p.value == pytest.approx(v, abs=1e-12)


@pytest.mark.slow
def test_residual_ncf_at_the_d3_saddle_has_a_flat_set_of_kkt_points():
    X, y = figure1_data(seed=0)
    model, theta_bar, groups = d3_saddle()
    sad = ncf_at_saddle(model, X, y, theta_bar, [i for g in groups for i in g])
    assert np.array_equal(sad.residual[:, 0], 4 * relu(-X[:, 0]) ** 2)
    ncf = NCF(models.two_layer(2, 1, "squared_relu", output_weights=[1]), X, sad.residual)
    search = find_kkt_points(ncf, n_starts=64, seed=0, methods=ALL)
    flat = [p for p in search.points if p.value == 0.0]
    assert len(flat) == 1 and flat[0].flat_extent > np.radians(5)
    # independent: the flat set is the arc of directions u with uᵀx_i ≤ 0 for every x_i with x_{i1} < 0
    phi = np.arctan2(X[X[:, 0] < 0, 1], X[X[:, 0] < 0, 0])
    lo = np.max(np.where(phi < 0, phi + np.pi / 2, -np.inf))
    hi = np.min(np.where(phi > 0, phi - np.pi / 2, np.inf))
    ang = np.arctan2(flat[0].direction[1], flat[0].direction[0])
    assert lo <= ang <= hi and flat[0].flat_extent <= hi - lo + 1e-9
    assert search.best.kind is SphereKind.LOCAL_MAXIMUM and search.best.value > 0
