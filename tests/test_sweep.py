"""Sweeps (issue 11, part 5): results appended as tasks finish, resumable after a kill with no
result lost or duplicated, failures recorded, local pool / in-process / Dask LocalCluster."""

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import sweep_tasks
from symsaddle.cli import main
from symsaddle.errors import SweepSpecError
from symsaddle.sweep import (SweepSpec, SweepStatus, TaskStatus, grid, load_sweep, run_sweep, sweep_tasks as
                             registered_tasks, task_key)

TESTS = Path(__file__).parent


def expected(seed: int) -> dict:
    """Independent of the sweep machinery: the task's mathematics written out."""
    return {"value": seed**2, "draw": float(np.random.default_rng(seed).normal())}


def log_lines(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / "results.jsonl").read_text().splitlines()]


def assert_complete_once(folder: Path, seeds, failed=()):
    """Every task recorded exactly once, with the right result; failures with their error."""
    lines = log_lines(folder)
    keys = [r["key"] for r in lines]
    assert len(keys) == len(set(keys)) == len(seeds)
    by_seed = {r["params"]["seed"]: r for r in lines}
    assert set(by_seed) == set(seeds)
    for s, r in by_seed.items():
        if s in failed:
            assert r["status"] == "failed" and f"seed {s} is refused" in r["error"]
        else:
            assert r["status"] == "ok" and r["result"] == expected(s)
    table = (folder / "results.csv").read_text().splitlines()
    assert len(table) == 1 + len(seeds) and table[0].startswith("key,task,status,error,seconds,")
    assert {"seed", "value", "draw"} <= set(table[0].split(","))


def test_grid_and_task_identity():
    assert grid(a=[1, 2], b="xy") == [{"a": 1, "b": "x"}, {"a": 1, "b": "y"}, {"a": 2, "b": "x"},
                                      {"a": 2, "b": "y"}]
    assert task_key("t", {"a": 1, "b": [1, 2]}) == task_key("t", {"b": [1, 2], "a": 1})
    assert task_key("t", {"a": np.int64(3)}) == task_key("t", {"a": 3})
    assert len({task_key("t", {"a": 1}), task_key("t", {"a": 2}), task_key("u", {"a": 1})}) == 3


@given(st.dictionaries(st.text(min_size=1, max_size=5),
                       st.one_of(st.integers(-10**6, 10**6), st.floats(-1e6, 1e6), st.text(max_size=5),
                                 st.lists(st.integers(0, 9), max_size=3)), max_size=5),
       st.randoms(use_true_random=False))
def test_task_identity_does_not_depend_on_parameter_order(params, rnd):
    items = list(params.items())
    rnd.shuffle(items)
    assert task_key("t", dict(items)) == task_key("t", params)
    if params:
        name = next(iter(params))
        changed = {**params, name: [params[name]]}             # any change of a value changes the key
        assert task_key("t", changed) != task_key("t", params)


def test_inline_sweep_records_failures_and_resumes(tmp_path):
    res = run_sweep(sweep_tasks.square, grid(seed=range(6)), tmp_path, fixed={"fail_on": [2, 4]},
                    workers=0, progress=False)
    assert res.status is SweepStatus.COMPLETED_WITH_FAILURES and res.ran == 6 and res.skipped == 0
    assert [r.params["seed"] for r in res.failed] == [2, 4]
    assert res.results[3] == expected(3) and res.results[2] is None
    assert_complete_once(tmp_path, range(6), failed=(2, 4))
    again = run_sweep(sweep_tasks.square, grid(seed=range(6)), tmp_path, fixed={"fail_on": [2, 4]},
                      workers=0, progress=False)
    assert again.ran == 0 and again.skipped == 6
    markers = tmp_path / "markers"
    markers.mkdir()
    # retrying failed tasks: same parameters (same identity), only the two failed ones run again
    retry = run_sweep(sweep_tasks.square, grid(seed=range(6)), tmp_path, fixed={"fail_on": [2, 4]},
                      workers=0, progress=False, retry_failed=True)
    assert retry.ran == 2 and len(load_sweep(tmp_path)) == 6


def test_local_process_pool(tmp_path):
    res = run_sweep("test-square", grid(seed=range(5)), tmp_path, workers=2, progress=False)
    assert res.status is SweepStatus.COMPLETED
    assert res.results == [expected(s) for s in range(5)]
    assert_complete_once(tmp_path, range(5))


def test_progress_bar_shows_done_running_failed(tmp_path, capsys):
    run_sweep(sweep_tasks.square, grid(seed=range(3)), tmp_path, fixed={"fail_on": [1]}, workers=0)
    err = capsys.readouterr().err
    assert "3/3" in err and "failed=1" in err and "running=" in err


def test_torn_last_line_is_dropped_and_the_task_rerun(tmp_path):
    run_sweep(sweep_tasks.square, grid(seed=range(4)), tmp_path, workers=0, progress=False)
    log = tmp_path / "results.jsonl"
    lines = log.read_bytes().splitlines(keepends=True)
    log.write_bytes(b"".join(lines[:3]) + lines[3][:25])           # the last record cut by a crash
    res = run_sweep(sweep_tasks.square, grid(seed=range(4)), tmp_path, workers=0, progress=False)
    assert res.ran == 1 and res.skipped == 3
    assert_complete_once(tmp_path, range(4))


def test_specification_errors(tmp_path):
    bad = [({"task": "test-square", "grid": {"seed": {"range": [0, "9"]}}}, "range"),
           ({"task": "test-square", "gird": {}}, "unknown keys"),
           ({"grid": {}}, "name its task"),
           ({"task": "test-square", "grid": {"seed": []}}, "non-empty"),
           ({"task": "test-square", "workers": -1}, "workers")]
    for spec, msg in bad:
        with pytest.raises(SweepSpecError, match=msg):
            SweepSpec.from_mapping(spec)
    with pytest.raises(SweepSpecError, match="unknown sweep task 'nope'.*test-square"):
        run_sweep("nope", [{}], tmp_path)
    with pytest.raises(SweepSpecError, match="takes no parameter named 'colour'; its parameters: delay, fail_on, "
                                             "marker_dir, seed$"):
        run_sweep("test-square", [{"seed": 1, "colour": "red"}], tmp_path, workers=0)
    with pytest.raises(SweepSpecError, match="do not fit.*missing a required argument: 'seed'"):
        run_sweep("test-square", [{"delay": 0.0}], tmp_path, workers=0)
    # declared types and ranges: a ladder needs more epochs than its 100-epoch window, M is 'corrected' or 'report'
    with pytest.raises(SweepSpecError, match="parameter 'epochs' must be an integer > 100; got 100"):
        run_sweep("deep-linear-ladder", [{"seed": 0, "epochs": 100}], tmp_path, workers=0)
    with pytest.raises(SweepSpecError, match="parameter 'm_formula' must be one of corrected, report; got 'paper'"):
        run_sweep("deep-linear-ladder", [{"seed": 0, "m_formula": "paper"}], tmp_path, workers=0)
    with pytest.raises(SweepSpecError, match="parameter 'widths' must be of type list; got 5"):
        run_sweep("deep-linear-ladder", [{"seed": 0, "widths": 5}], tmp_path, workers=0)
    with pytest.raises(SweepSpecError, match="top-level"):
        run_sweep(lambda seed: {}, [{"seed": 1}], tmp_path, workers=0)
    with pytest.raises(SweepSpecError, match="JSON values"):
        run_sweep("test-square", [{"seed": object()}], tmp_path, workers=0)
    run_sweep("test-square", [{"seed": 1}], tmp_path / "a", workers=0, progress=False)
    from symsaddle.deep_linear.stepsize import ladder_task
    with pytest.raises(SweepSpecError, match="holds results of sweep task 'test-square'"):
        run_sweep(ladder_task, [{"seed": 1}], tmp_path / "a", workers=0)
    # the same task over a grid that leaves recorded results out is another sweep: refused, not mixed in
    with pytest.raises(SweepSpecError, match=r"over other parameters \(1 task, 0 of them in this one of 2\)"):
        run_sweep("test-square", [{"seed": 2}, {"seed": 3}], tmp_path / "a", workers=0, progress=False)
    # a grid containing every recorded set extends the sweep: the recorded task is not run again
    res = run_sweep("test-square", [{"seed": 1}, {"seed": 2}], tmp_path / "a", workers=0, progress=False)
    assert (len(res.records), res.ran, res.skipped) == (2, 1, 1)
    with pytest.raises(SweepSpecError, match="over other parameters"):       # and now holds both
        run_sweep("test-square", [{"seed": 1}], tmp_path / "a", workers=0, progress=False)


def test_specification_files_are_data_only(tmp_path):
    payload = "__import__('os').system('echo hacked')"
    (tmp_path / "s.json").write_text(json.dumps({"task": "test-square", "grid": {"seed": {"range": [0, 6, 2]}},
                                                 "fixed": {"marker_dir": None}, "out": "res", "workers": 0}))
    (tmp_path / "s.toml").write_text('task = "test-square"\nworkers = 0\n[grid]\nseed = [1, 3]\n'
                                     '[fixed]\nfail_on = [3]\n')
    spec = SweepSpec.from_file(tmp_path / "s.json")
    assert spec.parameter_sets() == [{"seed": 0}, {"seed": 2}, {"seed": 4}] and spec.out == tmp_path / "res"
    res = spec.run(progress=False)
    assert res.results == [expected(s) for s in (0, 2, 4)]
    toml = SweepSpec.from_file(tmp_path / "s.toml").run(out=tmp_path / "t", progress=False)
    assert [r.status for r in toml.records] == [TaskStatus.OK, TaskStatus.FAILED]
    # a string stays a string: the task receives it as data and fails on seed², nothing is evaluated
    res = SweepSpec.from_mapping({"task": "test-square", "grid": {"seed": [payload]}, "workers": 0}).run(
        out=tmp_path / "p", progress=False)
    assert res.records[0].status is TaskStatus.FAILED and res.records[0].error.startswith("TypeError")
    assert res.records[0].params == {"seed": payload}
    with pytest.raises(SweepSpecError, match=".json or .toml"):
        (tmp_path / "s.py").write_text("x = 1")
        SweepSpec.from_file(tmp_path / "s.py")


def test_cli_sweep(tmp_path, capsys):
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"task": "test-square", "grid": {"seed": [5, 6]}, "fixed": {"fail_on": [6]}}))
    # a failed task does not stop the sweep, but the run is a failed computation: exit 1, the error named
    assert main(["sweep", str(spec), "--out", str(tmp_path / "out"), "--workers", "0", "--json"]) == 1
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    assert out["tasks"] == 2 and out["failed"] == 1 and out["ran"] == 2 and out["status"] == "completed with failures"
    assert "1 of 2 sweep tasks failed" in captured.err
    assert main(["sweep", "--list", "--json"]) == 0
    assert "test-square" in json.loads(capsys.readouterr().out)["tasks"]
    assert main(["sweep", str(tmp_path / "missing.json")]) == 2
    assert "test-square" in registered_tasks()


def test_list_and_describe_show_each_parameter_with_its_default(capsys):
    """`sweep --list` and `--describe TASK` show every parameter: its type (annotation or declared type), its
    default (or that it is required) and its meaning (declared help, else the docstring's line) — written out here
    from tests/sweep_tasks.square's signature and docstring and from deep-linear-ladder's declaration."""
    assert main(["sweep", "--list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["tasks"]
    assert listed["test-square"]["parameters"] == [
        {"name": "seed", "type": "int", "required": True, "help": "the value squared and the random seed"},
        {"name": "delay", "type": "float", "required": False, "default": 0.0, "help": "seconds to sleep before computing"},
        {"name": "fail_on", "type": "list | None", "required": False, "default": None,
         "help": "seeds that raise; a folder for execution markers"},
        {"name": "marker_dir", "type": "str | None", "required": False, "default": None,
         "help": "seeds that raise; a folder for execution markers"}]
    ladder = {p["name"]: p for p in listed["deep-linear-ladder"]["parameters"]}
    assert ladder["seed"]["required"] and ladder["epochs"]["default"] == 5000 and ladder["widths"]["type"] == "list"
    assert ladder["m_formula"]["choices"] == ["corrected", "report"] and "choices" not in ladder["epochs"]
    assert main(["sweep", "--list"]) == 0
    text = capsys.readouterr().out
    assert '    m_formula (str, one of "corrected", "report"; default "corrected"): the bound\'s M formula' in text
    assert "    delay (float, default 0.0): seconds to sleep before computing" in text
    assert "    epochs (int, default 5000): gradient-descent epochs per step size" in text
    assert main(["sweep", "--describe", "deep-linear-ladder"]) == 0
    text = capsys.readouterr().out
    assert "seed (int, required): random seed of the network" in text and "test-square" not in text
    assert 'm_formula (str, one of "corrected", "report"; default "corrected")' in text
    assert main(["sweep", "--describe", "no-such-task"]) == 2
    assert "unknown sweep task 'no-such-task'; registered: " in capsys.readouterr().err


def test_table_cells_are_scalars_nested_results_are_columns(tmp_path):
    """Hand-made records: a mapping becomes key.subkey columns, a short list of scalars name.0 …, a long
    list or a list of mappings stays in results.jsonl only (named per row), a result named like a parameter
    is prefixed result., a failed task has empty result cells; read back with the csv module."""
    from symsaddle._sweep_store import ResultStore, TaskRecord

    ok = TaskRecord("k1", "t", {"seed": 1, "widths": [2, 3, 1], "config": {"lr": 0.5, "tol": {"g": 1e-8}}},
                    TaskStatus.OK, {"seed": 7, "bound": {"M": 2.5, "status": "applicable"}, "eig": list(range(11)),
                                    "runs": [{"step": 0.1}], "flag": True, "none": None, "empty": []}, None, 0.25)
    failed = TaskRecord("k2", "t", {"seed": 2, "widths": [2, 3, 3, 1], "config": {"lr": 0.5, "tol": {"g": 1e-8}}},
                        TaskStatus.FAILED, None, "ValueError: no", 0.5)
    store = ResultStore(tmp_path)
    store.open()
    store.write_table({"k2": failed, "k1": ok})
    with open(tmp_path / "results.csv", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
    assert reader.fieldnames == ["key", "task", "status", "error", "seconds", "seed", "widths.0", "widths.1",
                                 "widths.2", "widths.3", "config.lr", "config.tol.g", "result.seed", "bound.M",
                                 "bound.status", "flag", "none", "only_in_results_jsonl"]
    assert rows[0] == {"key": "k1", "task": "t", "status": "ok", "error": "", "seconds": "0.25", "seed": "1",
                       "widths.0": "2", "widths.1": "3", "widths.2": "1", "widths.3": "", "config.lr": "0.5",
                       "config.tol.g": "1e-08", "result.seed": "7", "bound.M": "2.5", "bound.status": "applicable",
                       "flag": "True", "none": "", "only_in_results_jsonl": "eig runs"}
    assert rows[1] == {"key": "k2", "task": "t", "status": "failed", "error": "ValueError: no", "seconds": "0.5",
                       "seed": "2", "widths.0": "2", "widths.1": "3", "widths.2": "3", "widths.3": "1",
                       "config.lr": "0.5", "config.tol.g": "1e-08", "result.seed": "", "bound.M": "",
                       "bound.status": "", "flag": "", "none": "", "only_in_results_jsonl": ""}


def test_a_registered_sweeps_table_loads_into_scalar_columns(tmp_path, capsys):
    """A small ``deep-linear-ladder`` sweep through the CLI: every cell of results.csv is a scalar (no JSON
    text), and its columns are those the records of results.jsonl give by the flattening rule, written out
    here: the parameters (widths as widths.0 …), the bound's fields as bound.<field>, the scalar results; the
    ladder's rungs (a list of mappings) only in the log, named in only_in_results_jsonl."""
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"task": "deep-linear-ladder", "grid": {"seed": [0, 1], "widths": [[2, 2, 2], [2, 3, 3, 2]]},
                                "fixed": {"epochs": 200}}))
    out = tmp_path / "out"
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "0"]) == 0
    assert "only_in_results_jsonl" in capsys.readouterr().out
    records = {r["key"]: r for r in log_lines(out)}
    with open(out / "results.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(records) == 4
    for row in rows:
        assert not any(cell.startswith(("[", "{")) for cell in row.values()), row
        rec = records[row["key"]]
        params, result = rec["params"], rec["result"]
        expected = {"key": rec["key"], "task": "deep-linear-ladder", "status": "ok", "error": "",
                    "epochs": params["epochs"], "seed": params["seed"],
                    **{f"widths.{i}": w for i, w in enumerate(params["widths"])},
                    **{f"bound.{k}": v for k, v in result["bound"].items()},
                    **{k: result[k] for k in ("first_failing_step", "first_failure", "ratio")},
                    "only_in_results_jsonl": "runs"}
        assert set(row) == set(expected) | {"seconds", "widths.3"}
        assert row["widths.3"] == ("" if len(params["widths"]) == 3 else "2")
        for column, value in expected.items():
            cell = row[column]
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                assert float(cell) == value, column          # numbers round-trip exactly (repr)
            else:
                assert cell == ("" if value is None else str(value)), column
        assert len(result["runs"]) >= 1 and all(set(r) == {"step", "outcome", "final_loss"} for r in result["runs"])


def wait_for_records(folder: Path, n: int, proc, stderr: Path, timeout: float = 180.0):
    log = folder / "results.jsonl"
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if log.exists() and log.read_bytes().count(b"\n") >= n:
            return
        if proc.poll() is not None:
            pytest.fail(f"the sweep ended before it could be killed (exit {proc.returncode}):\n"
                        f"{stderr.read_text()[-3000:]}")
        time.sleep(0.05)
    pytest.fail("the sweep recorded nothing in time")


def kill_and_resume(tmp_path, n: int, run_args: str, resume):
    """Start a sweep in a subprocess, SIGKILL its process group once a few results are on disk,
    resume it, and check that nothing was lost or recorded twice and nothing recorded was rerun."""
    out, markers = tmp_path / "out", tmp_path / "markers"
    markers.mkdir()
    script = (f"import sys; sys.path.insert(0, {str(TESTS)!r})\n"
              "import sweep_tasks\nfrom symsaddle.sweep import grid, run_sweep\n"
              f"run_sweep(sweep_tasks.square, grid(seed=range({n})), {str(out)!r}, "
              f"fixed={{'delay': 0.25, 'marker_dir': {str(markers)!r}}}, progress=False, {run_args})\n")
    stderr = tmp_path / "stderr.txt"
    with open(stderr, "w") as err:
        proc = subprocess.Popen([sys.executable, "-c", script], start_new_session=True, stderr=err)
    try:
        wait_for_records(out, 3, proc, stderr)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    before = set(load_sweep(out))
    assert 3 <= len(before) < n, "the sweep must be killed mid-way"
    res = resume(out, markers)
    assert res.skipped == len(before) and res.ran == n - len(before)
    assert {r.key for r in res.records} >= before
    assert_complete_once(out, range(n))
    ran_after = {int(p.name.split("-")[0]) for p in markers.iterdir() if p.stat().st_mtime_ns >= res_started[0]}
    recorded_before = {load_sweep(out)[k].params["seed"] for k in before}
    assert not ran_after & recorded_before, "a task recorded before the kill was run again"


res_started = [0]


@pytest.mark.slow
def test_kill_and_resume_on_a_dask_local_cluster(tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, protocol="tcp://",
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        address = cluster.scheduler_address

        def resume(out, markers):
            res_started[0] = time.time_ns()
            return run_sweep(sweep_tasks.square, grid(seed=range(16)), out, scheduler=address, progress=False,
                             fixed={"delay": 0.25, "marker_dir": str(markers)})
        kill_and_resume(tmp_path, 16, f"scheduler={address!r}", resume)


@pytest.mark.slow
def test_kill_and_resume_on_the_local_pool(tmp_path):
    def resume(out, markers):
        res_started[0] = time.time_ns()
        return run_sweep(sweep_tasks.square, grid(seed=range(12)), out, workers=2, progress=False,
                         fixed={"delay": 0.25, "marker_dir": str(markers)})
    kill_and_resume(tmp_path, 12, "workers=2", resume)


def test_dask_records_failures(tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, protocol="tcp://",
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        res = run_sweep("test-square", grid(seed=range(5)), tmp_path, fixed={"fail_on": [0]},
                        scheduler=cluster.scheduler_address, progress=False)
    assert [r.status.value for r in res.records] == ["failed"] + ["ok"] * 4
    assert_complete_once(tmp_path, range(5), failed=(0,))


def test_scheduler_addresses_are_checked_before_anything_runs(tmp_path, capsys):
    """A malformed address is bad input (exit 2, the expected tcp://host:port form named, no folder made);
    Dask's own forms are accepted: [scheme://]host:port with a known transport and a port 1–65535."""
    from symsaddle._sweep_exec import parse_scheduler_address

    assert parse_scheduler_address("tcp://127.0.0.1:8786") == ("tcp", "127.0.0.1", 8786)
    assert parse_scheduler_address("node-3.cluster:8786") == ("tcp", "node-3.cluster", 8786)
    assert parse_scheduler_address("tls://[::1]:1") == ("tls", "::1", 1)
    for bad in ("notanaddress", "tcp://host", "http://host:8786", "tcp://host:0", "tcp://host:65536", ""):
        with pytest.raises(SweepSpecError, match="expected tcp://host:port"):
            parse_scheduler_address(bad)
    with pytest.raises(SweepSpecError, match="expected tcp://host:port"):
        SweepSpec.from_mapping({"task": "test-square", "scheduler": "notanaddress"})
    with pytest.raises(SweepSpecError, match="expected tcp://host:port"):
        run_sweep("test-square", [{"seed": 1}], tmp_path / "api", scheduler="notanaddress", progress=False)
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"task": "test-square", "grid": {"seed": [1]}}))
    started = time.monotonic()
    assert main(["sweep", str(spec), "--out", str(tmp_path / "out"), "--scheduler", "notanaddress"]) == 2
    assert time.monotonic() - started < 20            # was: a 43 s hang, then a traceback
    err = capsys.readouterr().err
    assert "--scheduler 'notanaddress' is not a Dask scheduler address; expected tcp://host:port" in err
    assert "bug" not in err and not (tmp_path / "out").exists() and not (tmp_path / "api").exists()
    spec.write_text(json.dumps({"task": "test-square", "grid": {"seed": [1]}, "scheduler": "host"}))
    assert main(["sweep", str(spec), "--out", str(tmp_path / "out")]) == 2
    assert "\"scheduler\" in the specification: 'host' is not a Dask scheduler address" in capsys.readouterr().err
    from symsaddle._sweep_exec import CONNECT_TIMEOUT
    assert main(["sweep", "--help"]) == 0
    assert f"after {CONNECT_TIMEOUT:g} s if no scheduler answers" in " ".join(capsys.readouterr().out.split())


def _free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_an_unreachable_scheduler_is_a_clear_error(tmp_path, monkeypatch):
    """Nothing listening: refused at once, naming the address and the stated timeout; a server that is not a
    Dask scheduler (it answers with HTTP): a clear SweepError too, with no traceback from the discarded client
    when it is collected. Nothing is written to the results folder in either case."""
    import socket
    import threading

    pytest.importorskip("distributed")
    from symsaddle._sweep_exec import CONNECT_TIMEOUT
    from symsaddle.errors import SweepError

    port = _free_port()
    with pytest.raises(SweepError, match=rf"cannot reach the Dask scheduler at tcp://127.0.0.1:{port} within "
                                         rf"{CONNECT_TIMEOUT:g} s"):
        run_sweep("test-square", [{"seed": 1}], tmp_path / "a", scheduler=f"tcp://127.0.0.1:{port}", progress=False)
    assert not (tmp_path / "a").exists()

    server = socket.create_server(("127.0.0.1", 0))
    connections = []

    def answer_http():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            connections.append(conn)
            conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")

    threading.Thread(target=answer_http, daemon=True).start()
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"task": "deep-linear-ladder", "grid": {"seed": [1]}, "workers": 0}))
    address = f"tcp://127.0.0.1:{server.getsockname()[1]}"
    started = time.monotonic()
    try:                 # in a process of its own: the half-made client used to be collected at its exit
        proc = subprocess.run([sys.executable, "-m", "symsaddle", "sweep", str(spec), "--out", str(tmp_path / "b"),
                               "--scheduler", address], capture_output=True, text=True, timeout=120)
    finally:
        server.close()
        for conn in connections:
            conn.close()
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.startswith(f"symsaddle: error: no Dask scheduler answered at {address} within "
                                  f"{CONNECT_TIMEOUT:g} s"), proc.stderr
    assert "Traceback" not in proc.stderr and "Exception ignored" not in proc.stderr
    assert time.monotonic() - started < 2 * CONNECT_TIMEOUT + 20
    assert not list((tmp_path / "b").iterdir())


def test_specifications_are_checked_as_documented(tmp_path, capsys):
    """An empty range is refused like an empty list; a parameter both on the grid and fixed is refused, named;
    list entries are checked against the task's declared entry type before any task runs."""
    for empty in ({"range": [5, 2]}, {"range": [0]}, {"range": [0, 5, -1]}, []):
        with pytest.raises(SweepSpecError, match="grid axis 'seed'.*(empty|non-empty)"):
            SweepSpec.from_mapping({"task": "test-square", "grid": {"seed": empty}})
    assert SweepSpec.from_mapping({"task": "test-square", "grid": {"seed": {"range": [5, 2, -1]}}}).parameter_sets() \
        == [{"seed": 5}, {"seed": 4}, {"seed": 3}]
    with pytest.raises(SweepSpecError, match="'seed' is both a grid axis and a fixed parameter"):
        SweepSpec.from_mapping({"task": "test-square", "grid": {"seed": [1, 2]}, "fixed": {"seed": 3}})
    with pytest.raises(SweepSpecError, match="parameter 'seed' given both in a parameter set and in fixed"):
        run_sweep("test-square", [{"seed": 1}], tmp_path / "f", fixed={"seed": 2}, workers=0)
    for widths, msg in (([["a"]], r"'widths' must be a list of int; entry 0 is \['a'\]"),
                        ([5, "5", 5], "'widths' must be a list of int; entry 1 is '5'"),
                        ([5, True, 5], "'widths' must be a list of int; entry 1 is True"),
                        ([5, 2.0, 5], "'widths' must be a list of int; entry 1 is 2.0"),
                        ([5, 0, 5], "'widths' entry 1 must be an integer ≥ 1; got 0"),
                        ([5], r"'widths': widths must be \(d_0, …, d_H\) with H ≥ 2 layers"),
                        ([5, 5], r"'widths': widths must be \(d_0, …, d_H\) with H ≥ 2 layers"),
                        ([5, 2, 3], "the first and last widths must be equal; got widths \\(5, 2, 3\\)")):
        spec = SweepSpec.from_mapping({"task": "deep-linear-ladder", "grid": {"seed": [1], "widths": [widths]}})
        with pytest.raises(SweepSpecError, match=msg):
            spec.check()
    spec = tmp_path / "spec.toml"
    spec.write_text('task = "deep-linear-ladder"\n[grid]\nseed = [1]\nwidths = [["a"]]\n')
    assert main(["sweep", str(spec), "--out", str(tmp_path / "w"), "--workers", "0"]) == 2
    assert "'widths' must be a list of int; entry 0 is 'a'" in capsys.readouterr().err and not (tmp_path / "w").exists()
    spec.write_text('task = "test-square"\nout = ""\n[grid]\nseed = [1]\n')
    assert main(["sweep", str(spec), "--workers", "0"]) == 2
    assert "\"out\" must be a non-empty folder path, got ''" in capsys.readouterr().err
    spec.write_text('task = "deep-linear-ladder"\n[grid]\nseed = [1]\nwidths = [[5]]\n')
    assert main(["sweep", str(spec), "--out", str(tmp_path / "w"), "--workers", "0"]) == 2
    assert "with H ≥ 2 layers" in capsys.readouterr().err and not (tmp_path / "w").exists()
    spec.write_text('task = "deep-linear-ladder"\n[grid]\nseed = { range = [5, 2] }\n')
    assert main(["sweep", str(spec), "--out", str(tmp_path / "r"), "--workers", "0"]) == 2
    assert "the range [5, 2] is empty" in capsys.readouterr().err and not (tmp_path / "r").exists()


def test_sweep_out_follows_the_out_rule(tmp_path, capsys):
    """--out into a folder holding other files (here a saddles-like output) is refused without --force; the
    sweep's own folder resumes without it; another sweep's folder is refused even with --force."""
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"task": "test-square", "grid": {"seed": [1, 2]}}))
    other = tmp_path / "saddles"
    other.mkdir()
    (other / "result.json").write_text("{}")
    assert main(["sweep", str(spec), "--out", str(other), "--workers", "0"]) == 2
    assert "already holds files; pass --force" in capsys.readouterr().err
    assert sorted(p.name for p in other.iterdir()) == ["result.json"]
    assert main(["sweep", str(spec), "--out", str(other), "--workers", "0", "--force", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["ran"] == 2
    own = tmp_path / "own"
    assert main(["sweep", str(spec), "--out", str(own), "--workers", "0", "--json"]) == 0
    capsys.readouterr()
    assert main(["sweep", str(spec), "--out", str(own), "--workers", "0", "--json"]) == 0      # resumes
    assert json.loads(capsys.readouterr().out)["skipped"] == 2
    spec.write_text(json.dumps({"task": "deep-linear-ladder", "grid": {"seed": [1]}}))
    assert main(["sweep", str(spec), "--out", str(own), "--workers", "0", "--force"]) == 2
    assert "holds results of sweep task 'test-square'" in capsys.readouterr().err


def test_a_sweep_folder_from_before_the_conventions_marker_is_refused(tmp_path, capsys):
    """A deep-linear-ladder folder written before its bound.loss0 became ‖·‖² (it was ½‖·‖²) has a sweep.json
    without "format"/"conventions", as the sweeps of that time wrote it: resuming into it would mix the two
    losses, so it is refused (exit 2, naming the folder and what is missing), and the folder is left as it was."""
    params = {"seed": 1, "widths": [5, 5, 5, 5], "epochs": 200}
    key = task_key("deep-linear-ladder", params)
    old = tmp_path / "ladders"
    old.mkdir()
    (old / "sweep.json").write_text(json.dumps({"task": "deep-linear-ladder", "tasks": 1, "keys": [key]}))
    (old / "results.jsonl").write_text(json.dumps({"key": key, "task": "deep-linear-ladder", "params": params,
                                                   "status": "ok", "result": {"bound": {"loss0": 6.0}},
                                                   "error": None, "seconds": 1.0}) + "\n")
    before = {p.name: p.read_bytes() for p in old.iterdir()}
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"task": "deep-linear-ladder", "grid": {"seed": [1, 2]},
                                "fixed": {"widths": [5, 5, 5, 5], "epochs": 200}}))
    assert main(["sweep", str(spec), "--out", str(old), "--workers", "0"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith(f"symsaddle: error: {old} holds a sweep of 'deep-linear-ladder'")
    assert 'has no "format"' in err and "½‖·‖²" in err and "write this sweep into a new folder (--out DIR)" in err
    assert {p.name: p.read_bytes() for p in old.iterdir()} == before


def test_a_sweep_folder_of_another_format_or_other_conventions_is_refused(tmp_path, capsys):
    """A new folder records the format and the task's conventions; resuming refuses a folder where either
    differs, naming both values, and resumes once they agree again."""
    from symsaddle.sweep import SWEEP_FORMAT
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"task": "test-square", "grid": {"seed": [1, 2]}}))
    folder = tmp_path / "run"
    assert main(["sweep", str(spec), "--out", str(folder), "--workers", "0"]) == 0
    capsys.readouterr()
    manifest = json.loads((folder / "sweep.json").read_text())
    assert manifest["format"] == SWEEP_FORMAT and manifest["conventions"] == sweep_tasks.square.sweep_conventions
    for field, value, message in (("conventions", "draw is uniform", f"conventions 'draw is uniform' there, "
                                                                     f"{sweep_tasks.square.sweep_conventions!r} now"),
                                  ("format", SWEEP_FORMAT - 1, f"format {SWEEP_FORMAT - 1} there, {SWEEP_FORMAT} now")):
        (folder / "sweep.json").write_text(json.dumps({**manifest, field: value}))
        assert main(["sweep", str(spec), "--out", str(folder), "--workers", "0"]) == 2
        err = capsys.readouterr().err
        assert f"{folder} holds a sweep of 'test-square' written under other conventions ({message})" in err
        assert "new folder (--out DIR)" in err
    (folder / "sweep.json").write_text(json.dumps(manifest))
    assert main(["sweep", str(spec), "--out", str(folder), "--workers", "0", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["skipped"] == 2


# the CLI in a fresh interpreter whose address space is capped first (not a preexec_fn: forking pytest, with JAX's
# threads loaded, and running Python in the child could deadlock), so that a grid listed in memory fails fast
# instead of growing for minutes (the new user's 10⁸-seed range reached 15 GB before writing anything)
LIMITED_CLI = """\
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[1]), int(sys.argv[1])))
from symsaddle.cli import main
sys.exit(main(sys.argv[2:]))
"""


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS is enforced on Linux")
def test_a_huge_grid_is_refused_before_it_is_listed(tmp_path):
    """seed = { range = [0, 100000000] }: refused at once (exit 2) naming the count, 10⁸ = the range's length, and the
    axis, within 2 GB of address space (10⁸ listed parameter sets need ≫ 2 GB: one dict each, ≥ 64 bytes)."""
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"task": "deep-linear-ladder", "grid": {"seed": {"range": [0, 100_000_000]}}}))
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", LIMITED_CLI, str(2 * 2**30), "sweep", str(spec),
                           "--out", str(tmp_path / "out"), "--workers", "0"],
                          capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("symsaddle: error: the grid expands to 100000000 tasks (seed (100000000 values)), "
                                  "more than the limit of 100000"), proc.stderr
    assert "--max-tasks 100000000" in proc.stderr and proc.stderr.count("\n") == 1
    assert time.monotonic() - started < 60
    assert not (tmp_path / "out").exists()


def test_max_tasks_counts_the_product_of_the_axes_and_the_count_is_printed(tmp_path, capsys):
    """3 seeds × 2 widths = 6 tasks: refused under --max-tasks 5, run under --max-tasks 6, the count said first."""
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"task": "test-square", "grid": {"seed": {"range": [0, 6, 2]}, "fail_on": [[], [99]]}}))
    assert main(["sweep", str(spec), "--out", str(tmp_path / "a"), "--workers", "0", "--max-tasks", "5"]) == 2
    err = capsys.readouterr().err
    assert "the grid expands to 6 tasks (seed (3 values) × fail_on (2 values)), more than the limit of 5" in err
    assert not (tmp_path / "a").exists()
    assert main(["sweep", str(spec), "--out", str(tmp_path / "b"), "--workers", "0", "--max-tasks", "6",
                 "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["tasks"] == 6
    assert captured.err.startswith("symsaddle: sweep test-square: 6 tasks (seed (3 values) × fail_on (2 values)), "
                                   "6 to run\n")
    assert SweepSpec.from_mapping({"task": "test-square", "grid": {"seed": {"range": [0, 10**30]}}}).task_count \
        == 10**30
    with pytest.raises(SweepSpecError, match="step 0"):
        SweepSpec.from_mapping({"task": "test-square", "grid": {"seed": {"range": [0, 5, 0]}}})


def test_axes_text_agrees_in_number():
    """An axis of one value says "1 value", not "1 values"."""
    spec = SweepSpec.from_mapping({"task": "deep-linear-ladder", "grid": {"seed": [1, 2], "widths": [[5, 5, 5]]}})
    assert spec.axes_text() == "seed (2 values) × widths (1 value)"
