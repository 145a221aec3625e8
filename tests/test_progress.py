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
