"""T(r, m) and G(r, m) (issue 9 part 2): closed forms against brute-force enumeration of the
labellings and, independently, against the number of distinct affine subspaces built in parameter
space; the seed's printed numbers; the Figure 4.4 crossover from exact integer comparisons."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import symsaddle as ss
from symsaddle.datasets import seed003_grid
from symsaddle.symmetry.counting import (closed_forms, count_distinct, count_table, critical_subspace_count,
                                         expansion_subspaces, global_minimum_subspace_count, is_irreducible,
                                         labellings, ratio_curve)
from symsaddle.symmetry.examples import seed003_reduced_minimum
from symsaddle.symmetry.operations import max_function_difference

SMALL = [(r, m) for r in range(1, 5) for m in range(r, r + 4)]


@pytest.mark.parametrize("r,m", SMALL)
def test_closed_forms_equal_enumeration(r, m):
    forms = closed_forms(r, m)
    n_T = sum(1 for _ in labellings(r, m))
    n_G = sum(1 for _ in labellings(r, m, zero_type=False))
    assert set(forms["T"].values()) == {n_T} and global_minimum_subspace_count(r, m) == n_T
    assert set(forms["G"].values()) == {n_G} and critical_subspace_count(r, m) == n_G


def test_seed003_printed_counts():
    """§4.2/§4.4 print T(4,5) = 245, G(3,4) = 36, T(4,4) = 24, G(3,5) = 30; enumeration gives 360, 36, 24, 150."""
    enum = {k: sum(1 for _ in labellings(*k[1:], zero_type=k[0] == "T")) for k in
            [("T", 4, 5), ("G", 3, 4), ("T", 4, 4), ("G", 3, 5)]}
    assert enum == {("T", 4, 5): 360, ("G", 3, 4): 36, ("T", 4, 4): 24, ("G", 3, 5): 150}
    # the seed's T(4,5) = 4·5!/2! + 5 counts one labelling per position of the zero-type neuron;
    # with one zero-type neuron the other four carry the 4! permutations of the labels
    one_zero = sum(1 for phi in labellings(4, 5) if phi.count(0) == 1)
    assert one_zero == 5 * 24 and 4 * 120 // 2 + one_zero == 360
    # the seed's G(3,5) = 3·4!/3! + 3·4!/(2!2!) uses 4! where the multinomials of 5 need 5!
    assert 3 * 120 // 6 + 3 * 120 // 4 == enum[("G", 3, 5)]


def test_paper_figure4_case():
    """Şimşek et al. Fig. 4 (r = 1, m = 2): three subspaces, two of them with a vanishing output weight."""
    assert global_minimum_subspace_count(1, 2) == 3
    assert sorted(labellings(1, 2)) == [(0, 1), (1, 0), (1, 1)]


CASES = [(dict(d_in=2, activation="sigmoid"), 2, 4), (dict(d_in=1, activation="tanh", bias=True, d_out=2), 3, 5),
         pytest.param(dict(d_in=2, activation="sigmoid"), 4, 5, marks=pytest.mark.slow)]


@pytest.mark.parametrize("spec,r,m", CASES, ids=["sigmoid-2to4", "tanh-bias-2out-3to5", "sigmoid-4to5"])
def test_distinct_affine_subspaces_in_parameter_space(spec, r, m, rng):
    model = ss.models.two_layer(width=r, **spec)
    theta = rng.normal(size=model.n_parameters)
    assert is_irreducible(model, theta)
    subs = expansion_subspaces((model, theta), m)
    assert count_distinct(subs) == global_minimum_subspace_count(r, m)
    crit = expansion_subspaces((model, theta), m, zero_type=False)
    assert count_distinct(crit) == critical_subspace_count(r, m)
    d_tilde = spec["d_in"] + spec.get("bias", False)
    X = rng.normal(size=(40, spec["d_in"]))
    for s in subs[:: max(1, len(subs) // 25)]:
        j = s.labelling.count(0)
        assert s.dimension == j * d_tilde + (m - j - r) * spec.get("d_out", 1)       # landscape_theory §1.2
        for _ in range(2):
            wide = ss.models.two_layer(width=m, **spec)
            point = s.point(rng.normal(scale=3, size=s.directions.shape[1]))
            assert max_function_difference((model, theta), (wide, point), X) < 1e-12 * (1 + np.abs(point).sum())


def test_mlp_layer_subspaces(rng):
    model = ss.models.mlp([2, 2, 2, 1], "sigmoid")
    theta = rng.normal(size=model.n_parameters)
    assert count_distinct(expansion_subspaces((model, theta), 4, layer=1)) == global_minimum_subspace_count(2, 4)


def test_replication_subspaces_are_critical_and_zero_type_ones_are_not(rng):
    """From a critical point of a width-2 student on the seed-003 grid: every point of the G(2,3) = 6
    replication subspaces is critical; random points of the other T − G = 6 (zero-type) are not."""
    ex = seed003_reduced_minimum(2, 0)
    model, theta = ex.point
    k2 = ex.objective.compile()
    g_scale = np.abs(k2.hessian(theta)).max() * (1 + np.abs(theta).max())
    assert np.linalg.norm(k2.gradient(theta)) < 1e-12 * g_scale
    k3 = ss.Objective(ss.models.two_layer(2, 3, "sigmoid"), *seed003_grid()).compile()
    for s in expansion_subspaces((model, theta), 3):
        pts = np.array([s.point(rng.normal(size=s.directions.shape[1])) for _ in range(3)])
        grads = np.linalg.norm(k3.gradient(pts), axis=1)
        if 0 in s.labelling:
            assert np.all(grads > 1e-6 * g_scale)
        else:
            assert np.all(grads < 1e-11 * g_scale * (1 + np.abs(pts).max()))


def test_figure_4_4_crossover_from_integers():
    curve = ratio_curve(30, 20)
    exact = next(h for h in range(21) if sum(critical_subspace_count(r, 30 + h) for r in range(1, 30))
                 < global_minimum_subspace_count(30, 30 + h))
    assert curve.crossover == exact == 13
    assert curve.crossover_of(29) == next(h for h in range(21) if critical_subspace_count(29, 30 + h)
                                          < global_minimum_subspace_count(30, 30 + h)) == 8
    # every single term < 1: integer comparisons over all r; the largest term there is r = 28, not r* − 1 = 29
    h = next(h for h in range(21) if all(critical_subspace_count(r, 30 + h) < global_minimum_subspace_count(30, 30 + h)
                                         for r in range(1, 30)))
    r = max(range(1, 30), key=lambda r: critical_subspace_count(r, 30 + h))
    assert (h, r) == (8, 28)
    ratio = critical_subspace_count(28, 38) / global_minimum_subspace_count(30, 38)
    assert curve.largest_term_crossover() == (8, 28, pytest.approx(ratio, rel=1e-15))
    assert ratio == pytest.approx(0.9423, abs=1e-4)                  # the user's independent recomputation
    assert ratio_curve(30, 5).largest_term_crossover() is None
    assert curve.total[0] > 1e4 and curve.total[-1] < 0.25          # saddles dominate first, minima later
    assert all(a > b for a, b in zip(curve.total, curve.total[1:]))


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.integers(1, 12), st.integers(0, 12))
def test_recursions(r, h):
    """Adding neuron m+1 either joins one of the r+1 labels of a labelling of [m], or is alone in one of
    the r labels: T(r, m+1) = (r+1) T(r, m) + r T(r−1, m); likewise G(r, m+1) = r G(r, m) + r G(r−1, m)."""
    m = r + h
    T, G = global_minimum_subspace_count, critical_subspace_count
    t_prev = T(r - 1, m) if r > 1 else 1
    g_prev = G(r - 1, m) if r > 1 else 0
    assert T(r, m + 1) == (r + 1) * T(r, m) + r * t_prev
    assert G(r, m + 1) == r * G(r, m) + r * g_prev


def test_count_table_and_errors():
    assert count_table([(4, 5), (3, 4)], "T") == [{"r": 4, "m": 5, "value": 360}, {"r": 3, "m": 4, "value": 36 + 24}]
    with pytest.raises(ValueError, match="m ≥ r"):
        global_minimum_subspace_count(4, 3)
    with pytest.raises(ValueError, match="positive integer"):
        critical_subspace_count(0, 3)
