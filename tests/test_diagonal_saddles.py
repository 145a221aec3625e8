"""Visited saddles, their classification and jump directions, against the seed's tables,
Algorithm 1 and closed forms."""

import numpy as np
import pytest

import symsaddle.dynamics
from symsaddle.critical import PolishResult, PolishStatus
from symsaddle.diagonal import (DiagonalProblem, Initialisation, gradient_descent, gradient_flow,
                                jump_directions, limit_path, seed_loop, sparse_equilibria, visited_saddles)
from symsaddle.diagonal.study import convergence_study

D7N5 = (7, 5, [10, 20, 0, 0, 0, 0, 0])


@pytest.mark.slow
def test_seed_loop_reproduces_table_5_with_the_inferred_settings():
    # seed 000 Table 5 (d = n = 2): plateaus at iterations 1, 12693, 140737 counted from 1 (its loop's first
    # iteration is the start), i.e. after 0, 12692, 140736 updates; Table 3 (γ, α) is lost
    problem = DiagonalProblem.seed000(2, 2)
    loop = seed_loop(problem, 1e-50, 0.01, 141_000)
    assert loop.iterations == tuple(t - 1 for t in (1, 12693, 140737))
    np.testing.assert_allclose(np.abs(loop.thetas[1]), [0.6740, 0, 0.6740, 0], atol=6e-5)   # Table 5 row 2


@pytest.mark.slow
def test_seed_loop_reproduces_table_9(d7n5_reproduction):
    # the d7n5 reproduction runs the seed's float64 loop (γ = 1e-100, step 0.001, margin 1e-4) for 700 001
    # iterations; the loop is deterministic, so its margin hits up to 572 800 are those of a 572 800-iteration run
    ((problem, gamma, step, n_steps, margin), _, loop), = d7n5_reproduction.calls["seed_loop"]
    expected = DiagonalProblem.seed000(*D7N5)
    np.testing.assert_array_equal(problem.X, expected.X)
    np.testing.assert_array_equal(problem.y, expected.y)
    assert (gamma, step, margin) == (1e-100, 0.001, 1e-4) and n_steps >= 572_800
    table9 = (1, 13798, 50388, 82615, 572728)                   # printed counting from 1
    assert tuple(t for t in loop.iterations if t <= 572_800) == tuple(t - 1 for t in table9)


@pytest.mark.slow
def test_exact_gd_margin_plateaus_are_algorithm_1_saddles():
    # exact GD with the seed's protocol: the margin fires at β₁, β₂ (same iterations as Table 9, which counts
    # from 1) and then at β₄, not β₃ — the third margin hit of the seed (82615) is the float64 run's
    problem = DiagonalProblem.seed000(*D7N5)
    path = limit_path(problem)
    run = gradient_descent(problem, Initialisation.vanishing(7, 1e-100), 0.001, 90_000, record_every=300,
                           margin=1e-4)
    plateaus = visited_saddles(problem, run, margin=1e-4)
    assert [v.iteration for v in plateaus[:3]] == [t - 1 for t in (1, 13798, 50388)]
    # flow_time is the gradient-flow time η × iteration (step 0.001), accelerated_time t / ln(1/γ), γ = 1e-100
    np.testing.assert_allclose([v.flow_time for v in plateaus[:3]], [0.0, 13.797, 50.387], rtol=1e-12)
    np.testing.assert_allclose([v.accelerated_time for v in plateaus[:3]],
                               np.array([0.0, 13.797, 50.387]) / (100 * np.log(10)), rtol=1e-12)
    for v, k in zip(plateaus, (0, 1, 2, 4)):
        np.testing.assert_allclose(v.p, path.betas[k], atol=1e-8)
    assert len(plateaus) == 4


@pytest.fixture(scope="module")
def d7n5_flow():
    """The exact flow at γ = 1e-100 on the d7n5 data against the limit path (shared by the two tests below)."""
    problem = DiagonalProblem.seed000(*D7N5)
    path = limit_path(problem)
    (run,) = convergence_study(problem, path, (1e-100,))
    return problem, path, run


def test_margin_free_detector_finds_every_limit_saddle_at_tiny_gamma(d7n5_flow):
    problem, path, run = d7n5_flow
    assert [c.matched for c in run.comparison] == [True] * 6
    eqs = {e.support: e for e in sparse_equilibria(problem)}
    for v in run.visited[:-1]:                               # core Hessian index = closed-form index
        assert v.index == eqs[v.support].index
    assert run.visited[-1].index == 0                        # a point of the interpolating manifold
    assert [v.kind for v in run.visited] == ["strict saddle"] * 5 + ["minimiser"]


def test_jump_directions_against_top_eigenvector_and_algorithm_1(d7n5_flow):
    problem, path, run = d7n5_flow
    jumps = jump_directions(run.visited, path)
    expected_follow = []
    for j, v in zip(jumps, run.visited):
        assert j.activated == j.algorithm1_coordinates          # P&F: the dual variable picks the coordinate
        off = np.setdiff1d(np.arange(7), v.support)             # closed form: top eigenvalue max_{i∉S} |∂L/∂β_i|
        g = problem.gradient(v.p)
        top = off[np.argmax(np.abs(g[off]))]
        assert j.eigen_coordinate == top
        assert j.eigenvalue == pytest.approx(np.max(np.abs(g[off])), rel=1e-8)
        expected_follow.append(j.algorithm1_coordinates == (top,))
    # Algorithm 1 against the closed-form top eigenvector: one jump does not follow it
    assert [j.follows_eigenvector for j in jumps] == expected_follow and not all(expected_follow)


def test_d2n2_saddle_has_one_unstable_direction():
    # seed 000 eq. (31) claims two positive eigenvalues 0.1948 and 0.2082 at p₁ = (0.4543, 0)
    problem = DiagonalProblem.seed000(2, 2)
    run = gradient_flow(problem, Initialisation.vanishing(2, 1e-30), 30 * 69.1)
    saddle = visited_saddles(problem, run)[1]
    positive = saddle.flow_eigenvalues[saddle.flow_eigenvalues > 1e-9]
    assert positive.size == 1 and saddle.index == 1
    g2 = problem.gradient([problem.correlation[0] / problem.gram[0, 0], 0.0])[1]   # closed form |∂L/∂p₂(β₁)|
    assert positive[0] == pytest.approx(abs(g2), rel=1e-9)
    assert all(abs(positive[0] - seed) > 0.05 for seed in (0.1948, 0.2082))   # the seed's two values are not it


def test_failed_polish_is_reported_not_classified(monkeypatch):
    problem = DiagonalProblem.seed000(2, 2)
    run = gradient_flow(problem, Initialisation.vanishing(2, 1e-10), 30 * 23.0)

    def failing(kernel, theta0, **kw):
        return PolishResult(np.asarray(theta0, float), PolishStatus.NOT_CONVERGED, 1.0, 1e-12, "hybr", 0, "forced")
    monkeypatch.setattr(symsaddle.dynamics, "polish", failing)
    visited = visited_saddles(problem, run)
    assert visited and all(v.kind == "not converged" and v.index is None and not v.converged for v in visited)
