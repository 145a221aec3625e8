"""Progress bars in a log (stderr not a terminal: capsys here, a file under nohup): lines, not carriage returns,
at most one every LOG_INTERVAL seconds besides the first and the last state."""

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


def test_a_refreshed_budget_bar_writes_its_first_state_and_clears_without_a_blank_line(capsys):
    """The symbolic time budget sets ``n`` and calls ``refresh()`` at every poll, and leaves no bar (leave=False)."""
    bar = ProgressBar(total=60, desc="closed form", leave=False, bar_format="{desc}: {n:.0f}/{total:.0f} s budget")
    for second in range(60):
        bar.n = second
        bar.refresh()
    bar.close()
    err = capsys.readouterr().err
    assert err == "closed form: 0/60 s budget\n"


def test_a_disabled_bar_writes_nothing(capsys):
    bar = ProgressBar(total=3, disable=True, desc="off")
    bar.refresh()
    bar.update()
    bar.close()
    assert capsys.readouterr().err == ""


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
    counted_by_an_outer_bar = {("run_until_phase_end", "gradient_descent")}     # chunks of its own bar's steps
    missing = []
    for tree in trees:
        for outer in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and takes_progress(n)):
            for call in (c for c in ast.walk(outer) if isinstance(c, ast.Call)):
                name = getattr(call.func, "id", getattr(call.func, "attr", None))
                passed = any(k.arg == "progress" for k in call.keywords) or any(
                    isinstance(a, ast.Name) and a.id == "progress" for a in call.args)
                if name in with_progress and not passed and (outer.name, name) not in counted_by_an_outer_bar:
                    missing.append(f"{outer.name} → {name} (line {call.lineno})")
    assert not missing, missing
