"""Nguegnang et al.'s fixed step-size bound (seed 001 §5.3) and the doubling experiment (§5.4)."""

import json

import numpy as np
import pytest

from symsaddle.deep_linear import (BoundStatus, DeepLinearKernel, MFormula, Network, RunOutcome,
                                   SufficientStatistics, balancedness, corrected_M, doubling_experiment,
                                   from_theta, objective, random_network, report_M, step_size_bound, to_theta)
from symsaddle.dynamics import gradient_descent
from symsaddle.errors import ShapeError, SingularMatrixError
from symsaddle.reports import dumps


def gd_weights(net: Network, step: float, n_steps: int):
    stats = SufficientStatistics.from_samples(net.X, net.Y, layout="columns")
    widths = (net.X.shape[0],) + tuple(W.shape[0] for W in net.weights)
    kernel = DeepLinearKernel(objective(stats, widths, "column", normalization=2.0))
    traj = gradient_descent(kernel, to_theta(net.weights), step, n_steps)
    return traj, [from_theta(th, widths) for th in traj.thetas]


def test_scalar_counterexample_to_the_reports_M():
    """X = 1, Y = 10, N = 2 from a tiny balanced start: GD converges to the global minimum
    W₂W₁ = 10 (Nguegnang et al.: N = 2 converges to a global minimum for almost every start),
    above the report's M = √(2·|10 − 10⁻⁶| + 10) ≈ 5.48, below the corrected M = 20 − 10⁻⁶."""
    net = Network(np.array([[1.0]]), np.array([[10.0]]), (np.array([[1e-3]]), np.array([[1e-3]])))
    assert report_M(net.X, net.Y, net.weights) == pytest.approx(np.sqrt(2 * (10 - 1e-6) + 10), rel=1e-15)
    assert corrected_M(net.X, net.Y, net.weights) == pytest.approx(20 - 1e-6, rel=1e-15)
    bound = step_size_bound(net.X, net.Y, net.weights)
    assert bound.status is BoundStatus.APPLICABLE
    traj, Ws = gd_weights(net, bound.eta_objective, 3000)           # the admissible step itself
    products = np.array([W[1][0, 0] * W[0][0, 0] for W in Ws])
    assert products[-1] == pytest.approx(10.0, rel=1e-8)
    assert products.max() > report_M(net.X, net.Y, net.weights) + 4
    assert products.max() <= corrected_M(net.X, net.Y, net.weights)


def test_scaling_of_M():
    """Y → cY with W(0) → c^{1/N}W(0): ‖W‖ along GD scales by c, so must M; the report's M scales by √c."""
    net = random_network((5, 5, 5, 5), 4)
    c = 9.0
    big = (net.X, c * net.Y, [c ** (1 / 3) * W for W in net.weights])
    assert corrected_M(*big) == pytest.approx(c * corrected_M(net.X, net.Y, net.weights), rel=1e-12)
    assert report_M(*big) == pytest.approx(np.sqrt(c) * report_M(net.X, net.Y, net.weights), rel=1e-12)


@pytest.mark.parametrize("widths", [(5, 5, 5), (5, 5, 5, 5), (5, 2, 2, 5)])
def test_bound_algebra_and_theorem_conclusions(widths):
    """At η = bound: 2ηL^N/(1 − ηB/2) = (1 − α)δ (the bound solved for η), L^N(W(0)) = ½‖Y − W(0)X‖_F²
    (loss0 is ‖·‖_F², recomputed here with NumPy); δ = M^{2/N}/(N(N+1)²)
    gives K = (1 + 1/N)M^{2/N}. Along GD at the admissible step the theorem's conclusions hold:
    L non-increasing, ‖W_j‖² ≤ K_δ, balancedness ≤ δ."""
    net = random_network(widths, 1)
    b = step_size_bound(net.X, net.Y, net.weights)
    N = len(widths) - 1
    assert b.K == pytest.approx((1 + 1 / N) * b.M ** (2 / N), rel=1e-12)
    W = np.linalg.multi_dot(net.weights[::-1])
    L_N = 0.5 * np.sum((net.Y - W @ net.X) ** 2)
    assert b.loss0 == pytest.approx(2 * L_N, rel=1e-12)
    assert 2 * b.eta * L_N / (1 - b.eta * b.B / 2) == pytest.approx((1 - b.alpha) * b.delta, rel=1e-10)
    assert b.eta_objective == pytest.approx(b.eta / 2, rel=1e-15)
    traj, Ws = gd_weights(net, b.eta_objective, 300)
    assert np.all(np.diff(traj.losses) <= 1e-12 * traj.losses[0])
    assert max(np.linalg.norm(W, 2) ** 2 for step in Ws for W in step) <= b.K
    assert max(balancedness(step) for step in Ws) <= b.delta


def test_not_applicable_and_singular_inputs():
    net = random_network((5, 5, 5, 5), 2, init_scale=1.0)       # N(0, 1) weights: balancedness ≫ δ
    b = step_size_bound(net.X, net.Y, net.weights)
    assert b.status is BoundStatus.NOT_APPLICABLE and b.alpha >= 1 and b.eta is None
    res = doubling_experiment([net])[0]
    assert res.runs == () and res.ratio is None and res.first_failing_step is None
    assert "NaN" not in dumps(res) and json.loads(dumps(res))["ratio"] is None
    X = net.X.copy()
    X[4] = X[3]
    with pytest.raises(SingularMatrixError):
        step_size_bound(X, net.Y, net.weights)
    with pytest.raises(ShapeError):
        step_size_bound(net.X, net.Y, net.weights[:2] + (np.zeros((4, 4)),))
    with pytest.raises(ShapeError):
        random_network((5, 2, 3), 0)


def test_random_networks_are_reproducible():
    a, b = random_network((5, 2, 2, 5), 7), random_network((5, 2, 2, 5), 7)
    for x, y in zip((a.X, a.Y, *a.weights), (b.X, b.Y, *b.weights)):
        np.testing.assert_array_equal(x, y)


@pytest.mark.slow
def test_doubling_ladder():
    """The first rung (0.9 × the admissible step) never fails (the theorem); the ladder stops at
    the first diverged or oscillating run; every rung doubles the step."""
    nets = [random_network((5, 5, 5, 5), i) for i in range(3)] + [random_network((5, 2, 2, 5), 0)]
    results = doubling_experiment(nets, curve_every=50)
    for r in results:
        assert r.bound.status is BoundStatus.APPLICABLE
        assert not r.runs[0].outcome.failed
        assert r.runs[0].step == pytest.approx(0.9 * r.bound.eta_objective, rel=1e-15)
        steps = np.array([x.step for x in r.runs])
        np.testing.assert_allclose(steps[1:] / steps[:-1], 2.0, rtol=1e-15)
        assert r.first_failure is r.runs[-1] and r.first_failure.outcome.failed
        assert all(not x.outcome.failed for x in r.runs[:-1])
        assert r.ratio == pytest.approx(0.9 * 2 ** (len(r.runs) - 1), rel=1e-12)
        assert r.ratio > 1
        if r.first_failure.outcome is RunOutcome.DIVERGED:
            assert r.first_failure.final_loss is None
        assert len(r.loss_curves) == len(r.runs) and r.loss_curves[0].shape[0] == 2
    # the same network run alone gives the same ladder (rungs are independent runs from W(0))
    alone = doubling_experiment(nets[:1], levels=3)[0]
    assert [x.outcome for x in alone.runs] == [x.outcome for x in results[0].runs]


def test_report_formula_differs_from_corrected():
    net = random_network((5, 5, 5, 5), 0)
    a = step_size_bound(net.X, net.Y, net.weights, m_formula=MFormula.REPORT)
    b = step_size_bound(net.X, net.Y, net.weights, m_formula="corrected")
    assert a.m_formula is MFormula.REPORT and a.M < b.M


@pytest.mark.slow
def test_doubling_sweep_reproduces_the_in_process_study(tmp_path):
    """The study through the sweep API (one task per network, here in this process and on a Dask
    LocalCluster) gives exactly the in-process ladders, and a second run resumes from disk."""
    from symsaddle.deep_linear import doubling_sweep
    from symsaddle.sweep import sweep_tasks
    pairs = [((5, 5, 5, 5), 0), ((5, 2, 2, 5), 1), ((5, 5, 5, 5), 2)]
    direct = doubling_experiment([random_network(w, s) for w, s in pairs], epochs=400)
    swept = doubling_sweep(pairs, epochs=400, out=tmp_path, workers=0)
    assert [r.to_dict() for r in swept] == [r.to_dict() for r in direct]
    assert [r.ratio for r in swept] == [r.ratio for r in direct]
    assert "deep-linear-ladder" in sweep_tasks()          # registered through the entry point
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, protocol="tcp://",
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        on_dask = doubling_sweep(pairs[:2], epochs=400, out=tmp_path / "dask", scheduler=cluster.scheduler_address)
    assert [r.to_dict() for r in on_dask] == [r.to_dict() for r in direct[:2]]
    again = doubling_sweep(pairs, epochs=400, out=tmp_path, workers=0)   # everything already on disk
    assert [r.to_dict() for r in again] == [r.to_dict() for r in direct]


def test_ladder_losses_share_one_convention():
    """loss0 and every rung's final_loss are ‖Y − W X‖_F² (seed 001 eq. (4)): both recomputed here with NumPy —
    W(0) from the seeded network, the first rung by plain GD on ‖Y − W_N⋯W_1 X‖_F² (gradient
    −2 (W_N⋯W_{j+1})ᵀ (Y − W X) (W_{j−1}⋯W_1 X)ᵀ for W_j) — and the first rung, at 0.9 × the admissible
    step, converges, so its final loss is below loss0 (seed 2 once read loss0 = 12.07, final_loss = 24.12)."""
    from symsaddle.deep_linear.stepsize import ladder_task

    epochs = 300
    result = ladder_task(seed=2, widths=[5, 5, 5, 5], epochs=epochs)
    net = random_network((5, 5, 5, 5), 2)
    Ws = [W.copy() for W in net.weights]

    def residual(Ws):
        return net.Y - np.linalg.multi_dot(Ws[::-1]) @ net.X

    loss0 = np.sum(residual(Ws) ** 2)
    assert result["bound"]["loss0"] == pytest.approx(loss0, rel=1e-12)
    first = result["runs"][0]
    assert first["outcome"] != RunOutcome.DIVERGED.value
    eye = np.eye(5)
    for _ in range(epochs):
        R = residual(Ws)
        grads = []
        for j in range(len(Ws)):
            above = np.linalg.multi_dot([eye, *Ws[j + 1:][::-1]]) if j + 1 < len(Ws) else eye
            below = np.linalg.multi_dot([eye, *Ws[:j][::-1], net.X]) if j else net.X
            grads.append(-2 * above.T @ R @ below.T)
        Ws = [W - first["step"] * g for W, g in zip(Ws, grads)]
    final = np.sum(residual(Ws) ** 2)
    assert first["final_loss"] == pytest.approx(final, rel=1e-9)
    assert first["final_loss"] < result["bound"]["loss0"]
