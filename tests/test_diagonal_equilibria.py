"""Sparse equilibria: counts, closed-form spectra against the core Hessian, index against the core
classification; the flow's end point at finite γ against long integrations and the LP."""

from math import comb

import numpy as np
import pytest

from symsaddle.critical import classify
from symsaddle.diagonal import (DiagonalProblem, Initialisation, balanced_theta, flow_limit, gradient_flow,
                                limit_path, min_l1_minimiser, sparse_equilibria)


@pytest.mark.parametrize("args, count", [
    ((2, 2, None), 4),
    # y = X p* with p* supported on {1, 2}: every support ⊇ {1, 2} with |S| ≤ 5 has β^S = p*, so the
    # C(5,1) + C(5,2) + C(5,3) = 25 such supports give one equilibrium: 120 − 25 = 95 distinct
    ((7, 5, [10, 20, 0, 0, 0, 0, 0]), 95),
])
def test_one_equilibrium_per_support(args, count):
    problem = DiagonalProblem.seed000(*args)
    eqs = sparse_equilibria(problem)
    assert len(eqs) == count
    for e in eqs:                                     # β minimises L on its support (Prop. 1)
        np.testing.assert_allclose(e.gradient[list(e.support)], 0.0, atol=1e-9)
        assert (e.index == 0) == (e.loss <= problem.min_loss + 1e-12)


def test_generic_data_have_one_equilibrium_for_every_support():
    rng = np.random.default_rng(11)
    problem = DiagonalProblem(rng.normal(size=(3, 6)), rng.normal(size=3))
    assert len(sparse_equilibria(problem)) == sum(comb(6, k) for k in range(4))


def test_closed_form_spectrum_and_index_match_the_core():
    rng = np.random.default_rng(7)
    problem = DiagonalProblem(rng.normal(size=(3, 4)), rng.normal(size=3))
    for e in sparse_equilibria(problem):
        theta = balanced_theta(e.p)
        H = problem.kernel.hessian(theta)
        np.testing.assert_allclose(np.linalg.eigvalsh(H), e.hessian_eigenvalues, atol=1e-9)
        cls = classify(problem.kernel, theta, lower_bound=problem.min_loss)
        assert cls.index == e.index
        assert cls.kind.value == e.kind


def test_limit_saddles_are_enumerated_equilibria():
    problem = DiagonalProblem.seed000(7, 5, [10, 20, 0, 0, 0, 0, 0])
    eqs = sparse_equilibria(problem)
    for s in limit_path(problem).saddles:
        assert any(np.allclose(e.p, s.beta, atol=1e-9) for e in eqs)


@pytest.mark.slow
def test_flow_end_point_against_a_long_integration():
    problem = DiagonalProblem.seed000(7, 5, [10, 20, 0, 0, 0, 0, 0])
    init = Initialisation.seed000_nonzero(7, 0.1)
    run = gradient_flow(problem, init, 3000.0, rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(flow_limit(problem, init).beta, run.beta[-1], atol=1e-7)


def test_flow_end_point_tends_to_the_min_l1_interpolator():
    rng = np.random.default_rng(3)
    problem = DiagonalProblem(rng.normal(size=(4, 9)), rng.normal(size=4))
    path = limit_path(problem)
    lim = flow_limit(problem, Initialisation.vanishing(9, 1e-100))
    assert lim.converged
    np.testing.assert_allclose(lim.beta, min_l1_minimiser(problem), atol=1e-10)
    # at finite γ an inactive coordinate with dual |s_i| < 1 keeps |β_i| ≈ ½ γ^{2(1 − |s_i|)} (P&F §3)
    s = path.final.dual
    off = np.flatnonzero(path.final.beta == 0)
    i = off[np.argmax(np.abs(s[off]))]
    for gamma in (1e-20, 1e-30, 1e-60):
        lam = np.log(1 / gamma)
        b = flow_limit(problem, Initialisation.vanishing(9, gamma)).beta[i]
        assert np.log(2 * abs(b)) / lam == pytest.approx(2 * (abs(s[i]) - 1), abs=0.02)
