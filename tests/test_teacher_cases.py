"""``symsaddle reproduce teacher-student | teacher-student-escape | closest-saddle`` and the per-initialisation
record for sweeps."""

import json

import numpy as np
import pytest

from symsaddle.cli import main
from symsaddle.reproduce import cases
from symsaddle.symmetry.endpoints import COUNT_KEYS
from symsaddle.symmetry.experiment import TeacherStudentConfig, run_experiment, teacher_student_point

REQUIRED_COUNTS = {"global", "si_minimum", "si_saddle", "local_minimum", "saddle", "diverging", "not_converged"}


def test_cases_are_registered_with_options():
    registry = cases()
    for name in ("teacher-student", "teacher-student-escape", "closest-saddle"):
        assert name in registry
    opts = {o.name for o in registry["teacher-student"].options}
    assert {"inits", "seed", "method", "adam_lr", "adam_epochs", "slsqp_iterations"} <= opts
    assert registry["teacher-student"].parse_options(["--inits", "7", "--seed", "3"])["inits"] == 7


@pytest.mark.slow
def test_teacher_student_json_interface(capsys, tmp_path):
    assert main(["reproduce", "teacher-student", "--inits", "4", "--seed", "0", "--json", "--out", str(tmp_path)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert REQUIRED_COUNTS <= set(out["counts"]) and sum(out["counts"].values()) == 4
    assert len(out["points"]) == 4
    for p in out["points"]:
        assert {"loss", "grad_norm", "min_eig", "kind", "duplicated"} <= set(p)
        assert p["kind"] in COUNT_KEYS
        assert all(len(pair) == 2 and 0 <= pair[0] < pair[1] < 5 for pair in p["duplicated"])
    assert (tmp_path / "table_6_1.md").is_file()
    assert (tmp_path / "fig6_3_min_eig_vs_loss.png").is_file()


def test_case_option_errors(capsys):
    assert main(["reproduce", "teacher-student", "--inits", "many"]) == 2
    assert "--inits" in capsys.readouterr().err
    assert main(["reproduce", "teacher-student", "--widht", "5"]) == 2
    assert "--widht" in capsys.readouterr().err


@pytest.mark.slow
def test_teacher_student_text_states_every_stage_and_why_a_point_is_not_converged(capsys, tmp_path):
    """The text header names the escape-test iterations too, and each not-converged end point's reason and
    run status are printed (not only in the JSON). 10 Adam epochs and an SLSQP cap of 2 iterations cannot
    reach a critical point: both end points are not converged, and SLSQP stopped at its cap."""
    assert main(["reproduce", "teacher-student", "--inits", "2", "--method", "adam", "--adam-epochs", "10",
                 "--slsqp-iterations", "2", "--out", str(tmp_path)]) == 0
    head, *lines = capsys.readouterr().out.splitlines()
    assert "Adam (lr 0.001, 10 full-batch epochs) + SLSQP (scipy, ≤ 2 iterations), then 100 escape-test " \
           "iterations of trust-region Newton from 2 end points of the runs not at zero loss (L > 1e-10·L(0))" in head
    rows = lines[lines.index("end points that are not converged:") + 3:][:2]
    assert [row.split(" | ")[:2] for row in rows] == [["| 0", "max iterations"], ["| 1", "max iterations"]]
    assert all("not a critical point: ‖∇L‖ = " in row for row in rows)
    # tables name the source of the printed column, and empty ones say what is missing
    assert "| end point | Stoican 2022, Table 6.1 | recomputed |" in lines
    assert "(no end point escapes to infinity)" in lines and "(no end point is a local minimum)" in lines


def test_unknown_words_are_refused_by_other_commands(capsys):
    assert main(["demo", "--no-such-option"]) == 2
    assert "unrecognized arguments: --no-such-option" in capsys.readouterr().err


@pytest.mark.slow
def test_per_initialisation_record_is_json_and_matches_the_batch():
    config = TeacherStudentConfig(seed=0)
    record = teacher_student_point(2, config)
    json.dumps(record)
    batch = run_experiment(config, indices=[0, 2, 4])
    assert record["kind"] == batch.points[1].kind.value
    assert record["loss"] == pytest.approx(batch.points[1].loss, rel=1e-6, abs=1e-20)
    # keyword parameters (as a sweep passes them: f(seed=i, **params)) give the same record
    params = {k: v for k, v in config.to_dict().items() if k != "seed"}
    assert teacher_student_point(seed=2, experiment_seed=0, **params)["kind"] == record["kind"]


@pytest.mark.slow
def test_escape_text_is_written_for_people(capsys, tmp_path):
    """teacher-student-escape in text mode: counts agree in number with their nouns and with the table, end
    point kinds and verdicts in words, yes/no instead of True/False, no Python dict repr."""
    from symsaddle.reports import plural
    from symsaddle.symmetry.endpoints import EndpointKind

    assert main(["reproduce", "teacher-student-escape", "--inits", "3", "--budget", "5", "--out", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    head, _, header, _, *rest = text.splitlines()
    n = int(head.split(" escape searches at ")[1].split()[0])
    assert head == f"§6.2.4 escape searches at {plural(n, 'end point')} not at a global minimum (of 3 initialisations)"
    rows = [line.strip("| ").split(" | ") for line in rest[:rest.index("")]]
    assert header.strip("| ").split(" | ")[0] == "end point" and sum(int(r[-1]) for r in rows) == n
    assert all(r[0] in {k.label for k in EndpointKind} and set(r[1:5]) <= {"yes", "no"} for r in rows)
    assert "{" not in text and "True" not in text and "_" not in text.split("wrote ")[0]
    if n:                                   # printed line 8 accepts the start itself: a lower loss "found"
        assert "Algorithm 2 as printed (≤ in line 8), at init " in text and ": reports a lower loss (" in text


@pytest.mark.slow
def test_closest_saddle_text_is_written_for_people(capsys, tmp_path):
    """closest-saddle in text mode: counts agree in number with their nouns, no dict repr, no bare None."""
    from symsaddle.reports import plural

    assert main(["reproduce", "closest-saddle", "--inits", "3", "--out", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    head, *lines = text.splitlines()
    n = int(head.split(" closest saddles for ")[1].split()[0])
    assert head == f"§6.2.5 closest saddles for {plural(n, 'end point')} (of 3 initialisations)"
    assert "{" not in text and "None" not in text
    verdicts = next(line for line in lines if line.startswith("Safran–Shamir at the local minima: "))
    for part in verdicts.split(": ", 1)[1].split("; "):
        if part != "no local minima":
            count = int(part.split(" at ")[-1].split()[0])
            assert part.endswith(f" at {plural(count, 'minimum', 'minima')}")


@pytest.mark.slow
def test_escape_and_closest_saddle_cases(capsys, tmp_path):
    assert main(["reproduce", "teacher-student-escape", "--inits", "12", "--budget", "20", "--json",
                 "--out", str(tmp_path / "escape")]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["algorithm2_literal"]["found"] is True          # printed line 8: the start itself qualifies
    assert all(r["algorithm 1"] in (True, False) for r in out["searches"])
    assert main(["reproduce", "closest-saddle", "--inits", "12", "--json", "--out", str(tmp_path / "closest")]) == 0
    out = json.loads(capsys.readouterr().out)
    for row in out["saddles"]:
        if row["status"] == "found":
            assert row["distance"] >= 0 and row["theorem1"]["status"] and row["theorem2"]["status"]
            np.testing.assert_allclose(sum(row["saddle_theta"][10 + k] for k in row["pair"]),
                                       row["reduced_theta"][8 + min(row["pair"])], rtol=1e-12)


@pytest.mark.parametrize("fixed, words", [
    ('widht = 5\nmax_iteration = 30', "sweep task 'teacher-student-point' takes no parameter named 'max_iteration' "
                                      "or 'widht'; its parameters: adam_epochs, adam_lr, config, escape_iterations, "
                                      "experiment_seed, higher_order, max_iterations, method, seed, "
                                      "slsqp_iterations, tolerances, width, xavier"),
    ('method = "bfgs"', "parameter 'method' must be one of newton, adam; got 'bfgs'"),
    ('max_iterations = 0', "parameter 'max_iterations' must be an integer ≥ 1; got 0"),
    ('adam_epochs = 2.5', "parameter 'adam_epochs' must be of type int; got 2.5"),
    ('tolerances = { escape_elasticty = 0.1 }', "parameter 'tolerances' has no field 'escape_elasticty'; its fields: "
                                                "global_loss, function_match"),
    ('tolerances = { classification = { eigenvalu = 1e-8 } }',
     "parameter 'tolerances'['classification'] has no field 'eigenvalu'; its fields: gradient, eigenvalue"),
])
def test_sweep_parameters_are_checked_before_any_task_runs(tmp_path, capsys, fixed, words):
    """A misspelt or out-of-range parameter of ``teacher-student-point`` is bad input (exit 2, one line naming
    it and the task's parameters), refused before a task runs or the results folder is made."""
    spec = tmp_path / "spec.toml"
    spec.write_text(f'task = "teacher-student-point"\nworkers = 0\n[grid]\nseed = [0, 1]\n[fixed]\n{fixed}\n')
    assert main(["sweep", str(spec), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("symsaddle: error: ") and words in err
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_sweep_task_gives_the_direct_experiments_end_points(tmp_path, capsys):
    """``teacher-student-point`` through the sweep machinery (run_sweep in this process, then the CLI
    on a spec file, which must resume: nothing run twice) records the end points of the batched
    experiment for the same initialisations. The classification itself is tested against closed
    forms in test_teacher_student.py / test_teacher_escape.py; this checks the plumbing."""
    from symsaddle.sweep import grid, load_sweep, run_sweep, sweep_tasks

    assert "teacher-student-point" in sweep_tasks()            # registered through the entry point
    inits = [1, 3, 5]
    fixed = {"experiment_seed": 0, "max_iterations": 300}
    out_dir = tmp_path / "sweep"
    res = run_sweep("teacher-student-point", grid(seed=inits[:2]), out_dir, fixed=fixed, workers=0)
    assert res.ran == 2 and not res.failed
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"task": "teacher-student-point", "grid": {"seed": inits}, "fixed": fixed}))
    assert main(["sweep", str(spec), "--out", str(out_dir), "--workers", "0", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["tasks"] == 3 and out["ran"] == 1 and out["failed"] == 0       # resumed: two already recorded
    records = {r.params["seed"]: r.result for r in load_sweep(out_dir).values()}
    direct = run_experiment(TeacherStudentConfig(seed=0), indices=inits)
    for p in direct.points:
        rec = records[p.index]
        assert rec["index"] == p.index and rec["kind"] == p.kind.value
        assert rec["loss"] == pytest.approx(p.loss, rel=1e-9, abs=1e-25)
        np.testing.assert_allclose(rec["theta"], p.theta, rtol=1e-9, atol=1e-12)
