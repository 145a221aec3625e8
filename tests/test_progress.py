"""Progress bars in a log (stderr not a terminal: capsys here, a file under nohup): lines, not carriage returns,
at most one every LOG_INTERVAL seconds besides the first and the last state."""

import re
import sys
import time

import pytest

from symsaddle.progress import ProgressBar


def bar_lines(capsys, desc: str) -> list[str]:
    err = capsys.readouterr().err
    assert "\r" not in err
    return [line for line in err.splitlines() if line.startswith(desc)]


def test_redraws_forced_by_a_postfix_are_as_sparse_as_updates(capsys):
    """trust-region Newton and the sweep set a postfix at every step (a forced redraw in tqdm): 300 of them within
    a few milliseconds must not give 300 lines."""
    with ProgressBar(total=300, desc="newton", unit="it") as bar:
        for k in range(300):
            bar.update(1)
            bar.set_postfix(active=300 - k)
    lines = bar_lines(capsys, "newton")
    assert len(lines) == 2 and "0/300" in lines[0] and "300/300" in lines[1] and "active=1" in lines[1]


def test_a_refreshed_budget_bar_writes_its_first_and_its_last_state_without_a_blank_line(capsys):
    """The symbolic time budget sets ``n`` and calls ``refresh()`` at every poll and is made with leave=False,
    which a terminal clears; a log still gets its last state (59 of 60 s), so it does not stop at the first."""
    bar = ProgressBar(total=60, desc="closed form", leave=False, bar_format="{desc}: {n:.0f}/{total:.0f} s budget")
    for second in range(60):
        bar.n = second
        bar.refresh()
    bar.close()
    first, last = capsys.readouterr().err.split("\n", 1)
    assert first == "closed form: 0/60 s budget"
    assert re.fullmatch(r"closed form: 59/60 s budget — ended after \d+\.\d s\n", last), last


@pytest.mark.parametrize("leave", [True, False])
def test_a_closed_bar_says_in_a_log_where_it_stopped_and_after_how_long(capsys, leave):
    """A loop that ends early (an escape found at step 40 of 100) closes its bar at 40/100: the log's last line of
    the bar says 40/100 and that it ended, with the time it ran — measured here by the clock around it."""
    started = time.monotonic()
    bar = ProgressBar(total=100, desc="escape", leave=leave)
    bar.update(40)
    time.sleep(0.3)
    bar.close()
    ran = time.monotonic() - started
    lines = bar_lines(capsys, "escape")
    assert len(lines) == 2 and " 0/100 " in lines[0] and " 40/100 " in lines[1]
    seconds = float(re.fullmatch(r".* — ended after (\d+\.\d) s", lines[1]).group(1))
    assert 0.3 - 0.05 <= seconds <= ran + 0.05


def test_on_a_terminal_a_leave_false_bar_is_still_cleared(capsys, monkeypatch):
    """The final line is for logs: on a terminal tqdm's behaviour is kept, a leave=False bar is erased at the end
    (a carriage return, blanks, a carriage return) and no 'ended after' line is written."""
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    bar = ProgressBar(total=5, desc="inner", leave=False)
    bar.update(5)
    bar.close()
    err = capsys.readouterr().err
    assert "ended after" not in err
    assert re.search(r"\r *\r$", err), repr(err)


def test_nested_bars_in_a_log_write_no_cursor_movements(capsys):
    """tqdm redraws an inner bar (position 1) by moving the cursor up ("\\x1b[A"): in a log that is a line of
    escape codes. Only the bars' own lines are written, each ending with how long it ran."""
    with ProgressBar(total=3, desc="outer") as outer:
        with ProgressBar(total=5, desc="inner", leave=False) as inner:
            inner.update(5)
        outer.update(3)
    err = capsys.readouterr().err
    assert "\x1b" not in err
    lines = err.splitlines()
    assert [line.split(":")[0] for line in lines] == ["outer", "inner", "inner", "outer"]
    assert " 5/5 " in lines[2] and " 3/3 " in lines[3] and all("ended after" in line for line in lines[2:])


def test_a_disabled_bar_writes_nothing(capsys):
    bar = ProgressBar(total=3, disable=True, desc="off")
    bar.refresh()
    bar.update()
    bar.close()
    assert capsys.readouterr().err == ""


@pytest.mark.slow
def test_progress_reaches_every_loop_that_has_a_bar():
    """`--progress` is only as good as its plumbing: inside symsaddle, a function that takes ``progress`` passes it
    on to every function it calls that takes ``progress`` too (found by reading the source), except where an outer
    bar already counts the inner loop."""
    import ast
    from pathlib import Path

    import symsaddle

    def takes_progress(node) -> bool:
        return any(a.arg == "progress" for a in node.args.args + node.args.kwonlyargs)

    trees = [ast.parse(path.read_text()) for path in Path(symsaddle.__file__).parent.rglob("*.py")]
    with_progress = {n.name for tree in trees for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)
                     and takes_progress(n)}
    counted_by_an_outer_bar = {("run_until_phase_end", "gradient_descent"),     # chunks of its own bar's steps
                               ("escape_times", "gradient_descent")}
    another_function_of_that_name = {("_descend_fused", "descend")}   # the fused program's loop, not digits_line's
    missing = []
    for tree in trees:
        for outer in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and takes_progress(n)):
            for call in (c for c in ast.walk(outer) if isinstance(c, ast.Call)):
                name = getattr(call.func, "id", getattr(call.func, "attr", None))
                passed = any(k.arg == "progress" for k in call.keywords) or any(
                    isinstance(a, ast.Name) and a.id == "progress" for a in call.args)
                if (name in with_progress and not passed
                        and (outer.name, name) not in counted_by_an_outer_bar | another_function_of_that_name):
                    missing.append(f"{outer.name} → {name} (line {call.lineno})")
    assert not missing, missing
