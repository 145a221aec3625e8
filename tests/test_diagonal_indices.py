"""Every index a user sees counts from 0 (README: "indices count from 0"), in every output of the
diagonal slice: the coordinates named in JSON, tables and legends, and the iterations.

The expectations come from the numbers, not from the labels the code attaches: a coordinate is
"activated" by a jump when p[i] is zero before it and non-zero after it, and it must be the same
i (< d) in every place the output names it."""

import json
import math

import matplotlib.pyplot as plt
import numpy as np
import pytest

from symsaddle.demo import BASE_STEPS, steps_for
from symsaddle.diagonal import (DiagonalProblem, Initialisation, gradient_descent, gradient_flow,
                                jump_directions, limit_path, sparse_equilibria, visited_saddles)
from symsaddle.diagonal.figures import float64_figure, trajectory_figure
from symsaddle.diagonal.study import equilibria_rows, jump_rows, visited_rows

D7N5 = (7, 5, [10, 20, 0, 0, 0, 0, 0])


def nonzero(p, rtol=1e-8) -> set[int]:
    p = np.asarray(p, dtype=float)
    return set(np.flatnonzero(np.abs(p) > rtol * max(1.0, float(np.max(np.abs(p))))).tolist())


def switched_on(before, after) -> list[int]:
    """Coordinates zero in ``before`` and non-zero in ``after``, from the values themselves."""
    return sorted(nonzero(after) - nonzero(before))


def test_limit_path_names_the_coordinates_that_become_non_zero_counted_from_0():
    problem = DiagonalProblem.seed000(*D7N5)
    path = limit_path(problem)
    for k, (entry, row) in enumerate(zip(path.to_list(), path.rows())):
        assert entry["support"] == sorted(nonzero(entry["p"]))
        assert row["activated"] == entry["activated"] and row["left face"] == entry["left_face"]
        assert all(0 <= i < problem.d for i in entry["activated"] + entry["support"])
        if k:
            assert entry["activated"] == switched_on(path.betas[k - 1], path.betas[k])
    # seed 000 Tables 9/10: β₁ = −9.1919 on the thesis's e₃, which counts from 1: coordinate 2
    assert path.to_list()[1]["activated"] == [2] and path.betas[1][2] == pytest.approx(-9.1919, abs=6e-5)


@pytest.fixture(scope="module")
def d2n2_run():
    """d2n2 (seed 000 Tables 4–6) by the exact flow at γ = 1e-30, through both saddles to the minimiser."""
    problem = DiagonalProblem.seed000(2, 2)
    path = limit_path(problem)
    run = gradient_flow(problem, Initialisation.vanishing(2, 1e-30), 2 * path.final.accelerated_time * math.log(1e30))
    return problem, path, visited_saddles(problem, run)


def test_jump_directions_limit_and_equilibria_name_the_same_coordinates(d2n2_run):
    problem, path, visited = d2n2_run
    assert len(visited) == 3                                   # 0 → (0.4543, 0) → minimiser (Table 5)
    jumps = jump_directions(visited, path)
    predicted = path.to_list()
    for k, (jump, as_dict, row) in enumerate(zip(jumps, (j.to_dict() for j in jumps), jump_rows(jumps))):
        expected = switched_on(visited[k].p, visited[k + 1].p)
        assert expected and all(0 <= i < problem.d for i in expected)
        assert as_dict["activated"] == row["activated"] == list(jump.activated) == expected
        assert predicted[k + 1]["activated"] == expected       # the limit saddle the jump goes to
        assert as_dict["algorithm1_coordinates"] == row["Algorithm 1 coordinate"] == expected
        assert as_dict["eigen_coordinate"] == row["top eigenvector coordinate"] == int(
            np.argmax(np.abs(visited[k].top_direction_p)))
    # the first jump activates the coordinate of larger |∂L/∂p_i(0)| = |X[:, i]·y|/n (Algorithm 1 at t = 0)
    assert jumps[0].to_dict()["activated"] == [int(np.argmax(np.abs(problem.X.T @ problem.y)))] == [0]
    rows = equilibria_rows(sparse_equilibria(problem), path, visited)
    for row in rows:
        assert row["support"] == sorted(nonzero(row["p"], rtol=1e-4))   # rows round p to 4 digits
    visited_supports = [sorted(r["support"]) for r in rows if r["visited"]]
    assert sorted(sorted(nonzero(v.p)) for v in visited) == sorted(visited_supports)
    assert [v.to_dict()["support"] for v in visited] == [sorted(nonzero(v.p)) for v in visited]


def test_visited_rows_count_iterations_from_0_and_have_a_plain_theta_key():
    problem = DiagonalProblem.seed000(2, 2)
    run = gradient_descent(problem, Initialisation.vanishing(2, 1e-10), 0.01, 12_000, record_every=20)
    visited = visited_saddles(problem, run)
    rows = visited_rows(visited)
    assert rows[0]["iteration"] == 0                           # the start: no update done yet
    assert all("theta" in r and not any("[" in key for key in r) for r in rows)
    for r, v in zip(rows, visited):
        d = problem.d
        np.testing.assert_allclose(np.array(r["theta"][d:]) * np.array(r["theta"][:d]), v.p, atol=1e-3)  # [v, u]


def test_figure_legends_count_coordinates_from_0():
    problem = DiagonalProblem.seed000(*D7N5)
    run = gradient_descent(problem, Initialisation.vanishing(7, 1e-10), 0.01, 50)
    fig = trajectory_figure(run)
    labels = [t.get_text() for t in fig.axes[1].get_legend().get_texts()]
    assert labels == [f"$p_{{{j}}}$" for j in range(7)]
    plt.close(fig)
    it = np.arange(3)
    fig = float64_figure(it, np.zeros((3, 7)), it, np.zeros((3, 7)), coordinate=6)
    assert fig.axes[0].get_ylabel().startswith("$p_{6}$")
    plt.close(fig)


@pytest.mark.parametrize("k", range(10, 71))
def test_demo_step_count_is_40000_per_ten_decades(k):
    # ⌈40 000 · k/10⌉ in exact integers: 280 000 at γ = 1e-70 (float rounding gave 280 001)
    assert steps_for(10.0 ** -k) == -(-BASE_STEPS * k // 10)


@pytest.mark.slow
def test_d7n5_output_names_each_coordinate_once_counted_from_0(d7n5_reproduction):
    """The mismatch a new user found: predicted[1] said activated [2], jump_directions[0] said [3]."""
    r = d7n5_reproduction.result
    d = len(r["data"]["X"][0])
    saddles, predicted = r["saddles"], r["predicted"]
    for k, jump in enumerate(r["jump_directions"]):
        expected = switched_on(saddles[k]["p"], saddles[k + 1]["p"])
        assert expected and all(0 <= i < d for i in expected)
        assert jump["activated"] == expected
        assert 0 <= jump["eigen_coordinate"] < d
        target = [e for e in predicted if np.allclose(e["p"], saddles[k + 1]["p"], atol=1e-6)]
        if target:                                             # the run's saddle is a limit saddle
            assert target[0]["activated"] == expected
    for e in predicted:
        assert e["support"] == sorted(nonzero(e["p"]))
    for row in r["equilibria"]:
        assert all(0 <= i < d for i in row["support"]) and row["support"] == sorted(nonzero(row["p"], rtol=1e-4))
    assert [s["support"] for s in saddles] == [sorted(nonzero(s["p"])) for s in saddles]
    assert all(0 <= i < d for i in r["float64_loss"]["sign_change_after_loss"])
    # iterations count GD updates: the run starts at 0, as does the thesis's loop (its "iteration 1")
    assert saddles[0]["iteration"] == 0 and r["margin_plateaus"][0]["iteration"] == 0
    assert r["seed_float64_loop"]["iterations"][0] == 0
    table = (d7n5_reproduction.folder / "jump_directions.md").read_text()
    for k, jump in enumerate(r["jump_directions"]):             # the table names the same coordinates
        assert f"| {k} → {k + 1} | {jump['activated']} |" in table
    stored = json.loads((d7n5_reproduction.folder / "result.json").read_text())
    assert stored["jump_directions"] == r["jump_directions"]
