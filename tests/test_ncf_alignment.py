"""Seed 002: directional convergence near the origin (Figure 1 toy, squared ReLU and two-layer
ReLU) and near the Appendix D.3 saddle (issue 5, items 4–5).

The assertions compare gradient-descent measurements with predictions computed independently of
the runs: the exponents come from the Riemannian Hessians and values of the KKT points, the
flat-set geometry from the data; see symsaddle.ncf.alignment for the derivations.
"""

import numpy as np
import pytest

from symsaddle import models
from symsaddle.ncf import d3_saddle, figure1_data, neuron_groups
from symsaddle.ncf.small_init import FIGURE1_STEP
from symsaddle.ncf.nonsmooth import dead_relu_chatter_bound

DELTAS = 10.0 ** -np.arange(2, 9)
STEP = 5e-5
pytestmark = pytest.mark.slow


def study(activation, reproduction):
    """small_init_study(model, X, y, w0, DELTAS, neuron_groups(model), step=STEP) for the Figure 1 toy, taken from
    the ncf-near-origin reproduction, which makes this very call (conftest: the case runs once per session)."""
    X, y = figure1_data(seed=0)
    m = models.two_layer(2, 10, activation, output_weights=[1] * 10 if activation == "squared_relu" else None)
    w0 = np.random.default_rng(1).normal(size=m.n_parameters)
    for (model, *arrays, deltas, groups), kwargs, al in reproduction.calls["small_init_study"]:
        if model == m and kwargs.get("step", FIGURE1_STEP) == STEP:
            for a, b in zip(arrays, (X, y, w0)):
                np.testing.assert_array_equal(a, b)
            np.testing.assert_array_equal(deltas, DELTAS)
            assert groups == neuron_groups(m) and set(kwargs) <= {"progress"}
            return X, y, al
    raise AssertionError(f"ncf-near-origin made no small-initialisation study of the {activation} network")


@pytest.fixture(scope="module")
def squared(ncf_origin_reproduction):
    return study("squared_relu", ncf_origin_reproduction)


@pytest.fixture(scope="module")
def relu(ncf_origin_reproduction):
    return study("relu", ncf_origin_reproduction)


@pytest.fixture(scope="module")
def saddle(ncf_saddle_reproduction):
    """saddle_study(model, X, y, θ̄, groups, ξ, DELTAS, step=STEP) at the D.3 saddle, from the ncf-near-saddle
    reproduction, which makes this very call."""
    X, y = figure1_data(seed=0)
    model, theta_bar, groups = d3_saddle()
    xi = np.random.default_rng(2).normal(size=model.n_parameters)
    ((m, X_case, y_case, theta_case, small_groups, xi_case, deltas), kwargs, value), = \
        ncf_saddle_reproduction.calls["saddle_study"]
    assert m == model and small_groups == groups and set(kwargs) <= {"progress"} and FIGURE1_STEP == STEP
    for a, b in zip((X_case, y_case, theta_case, xi_case), (X, y, theta_bar, xi)):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(deltas, DELTAS)
    return value


def strictly_decreasing_as_delta_shrinks(values):
    return bool(np.all(np.diff(values, axis=0) < 0))          # rows ordered δ = 1e-2, …, 1e-8


def test_squared_relu_every_neuron_aligns_as_delta_goes_to_zero(squared):
    _, _, al = squared
    assert strictly_decreasing_as_delta_shrinks(al.angles)
    assert np.all([p is not None and p.nonnegative and p.kind.value == "local maximum" for p in al.limits])
    # measured exponent of angle ∝ δ^s against s_j from the KKT point's Riemannian Hessian
    assert np.allclose(al.measured_slopes, al.predicted_slopes, rtol=0.05)


def test_squared_relu_phase_end_grows_like_log_one_over_delta(squared):
    _, _, al = squared
    n_top = max(p.value for p in al.limits)
    per_decade = 0.5 * np.log(10) / np.log1p(2 * STEP * n_top)   # ‖w‖ ∝ (1 + 2ηN_top)^k, target ∝ √δ
    assert np.diff(al.phase_end.iteration)[-1] == pytest.approx(per_decade, rel=0.02)


def test_gd_follows_the_ncf_flow_with_an_order_delta_squared_error(squared):
    _, _, al = squared                                            # Lemma 5.2: w(t) = δu(t)(1 + O(δ²))
    err = np.max(al.lemma_angles, axis=1)[:5]                     # δ = 1e-2 … 1e-6, above rounding
    slope = np.polyfit(np.log(DELTAS[:5]), np.log(err), 1)[0]
    assert slope == pytest.approx(2.0, rel=0.01)


def test_squared_relu_whole_vector_aligns_slowly_with_the_predicted_rate(squared):
    _, _, al = squared
    assert strictly_decreasing_as_delta_shrinks(al.joint_angles)
    # tan(joint angle) ∝ δ^e, e = ½ ln(r/(1+2ηN₂))/ln r: the second cluster (N₂ < N_top) falls behind
    assert al.measured_joint_slope == pytest.approx(al.predicted_joint_slope, rel=0.05)


@pytest.mark.regression
def test_regression_predicted_joint_slope(squared):
    """Regression value, not a verification: the bracket (0.05, 0.07) is symsaddle's own prediction
    for this toy when the test was written; it guards against unintended change only."""
    _, _, al = squared
    assert 0.05 < al.predicted_joint_slope < 0.07


def test_relu_smooth_neurons_align_and_kink_neurons_stay_within_the_chatter_bound(relu):
    X, y, al = relu
    smooth = np.array([p.smooth for p in al.limits])
    assert smooth.sum() == 8 and (~smooth).sum() == 2
    assert strictly_decreasing_as_delta_shrinks(al.angles[:, smooth])
    assert np.allclose(al.measured_slopes[smooth], al.predicted_slopes[smooth], rtol=0.05)
    kink = [p for p in al.limits if not p.smooth]
    assert all(abs(p.value) < 1e-9 and np.allclose(p.direction, [0, 0, -1], atol=1e-9) for p in kink)
    # gradient descent cannot settle on the kink w = 0: an O(η) angle remains for every δ
    bound = dead_relu_chatter_bound(X, y, STEP)
    assert np.all(al.angles[:, ~smooth] <= bound)
    assert np.all(al.angles[-3:, ~smooth] > 1e-3 * bound)          # no decay like the smooth neurons
    assert al.measured_joint_slope == pytest.approx(al.predicted_joint_slope, rel=0.05)


def test_saddle_is_certified_and_the_fitted_neurons_stay_within_order_delta(saddle):
    sad, al = saddle
    assert sad.gradient_norm <= sad.gradient_tolerance and sad.loss > 70
    X = sad.X
    assert np.array_equal(sad.residual[:, 0], 4 * np.maximum(-X[:, 0], 0) ** 2)
    ratio = al.drift / al.deltas                                   # eq. (18): ‖w_n − w̄_n‖ = O(δ)
    assert np.ptp(ratio) <= 0.01 * ratio.mean()


def test_saddle_small_neurons_align_or_fall_behind(saddle):
    _, al = saddle
    assert strictly_decreasing_as_delta_shrinks(al.joint_angles)
    assert al.measured_joint_slope == pytest.approx(al.predicted_joint_slope, rel=0.05)
    rel_slope = np.polyfit(np.log(DELTAS[-3:]), np.log(al.relative_norms[-3:]), 1)[0]
    aligned = np.degrees(al.angles[-1]) < 5
    assert aligned.sum() >= 3
    assert np.allclose(al.measured_slopes[aligned], al.predicted_slopes[aligned], rtol=0.05)
    # the others are still in transit (N(ū_j) < N_top along the way; N ≥ 0 since ȳ ≥ 0): their share
    # ‖w_j‖/‖w_z‖ ∝ δ^{(N_top − N̄_j)/(2N_top)} shrinks, at most like δ^{1/2} (a neuron with N ≡ 0)
    assert strictly_decreasing_as_delta_shrinks(al.relative_norms[:, ~aligned])
    assert np.all((rel_slope[~aligned] > 0.3) & (rel_slope[~aligned] <= 0.5 * 1.02))
    assert np.any(np.isclose(rel_slope[~aligned], 0.5, rtol=0.01))     # neurons stuck near the flat set


def test_near_the_saddle_gd_follows_the_residual_ncf_to_order_delta(saddle):
    _, al = saddle                                                 # w_n moves by O(δ), so O(δ) here
    err = np.max(al.lemma_angles, axis=1)[:5]
    slope = np.polyfit(np.log(DELTAS[:5]), np.log(err), 1)[0]
    assert slope == pytest.approx(1.0, rel=0.02)
