"""The budgeted child process of ``run_with_budget`` dies with its parent (new-user report: after
``timeout 10 symsaddle derive mlp --widths 2 2 2 1 --equilibria`` the solver child, in its own process group and
re-parented to PID 1, kept computing for minutes)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not hasattr(os, "killpg"), reason="needs POSIX process groups")

#: A parent that runs a pure-Python endless loop (like SymPy's ``solve``) under a one-hour budget; the child
#: writes its pid to a file first. ``--handler-only`` disables the child's own watch of its parent.
PARENT = textwrap.dedent("""
    import os, sys
    from symsaddle._budget import run_with_budget

    def spin(path):
        with open(path + ".tmp", "w") as f:
            f.write(str(os.getpid()))
        os.replace(path + ".tmp", path)
        yield ("stage", "spinning")
        while True:
            pass

    if __name__ == "__main__":
        if sys.argv[2:] == ["--handler-only"]:     # neither prctl nor the polling thread: the parent's handler alone
            from symsaddle import _budget
            _budget._request_parent_death_signal = lambda: False
            _budget.PARENT_POLL = 3600.0
        run_with_budget(spin, (sys.argv[1],), 3600.0)
""")


def _alive(pid: int) -> bool:
    """Whether ``pid`` is a running process (a zombie left unreaped by a container's PID 1 counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    if stat.exists():
        try:
            return stat.read_text().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
        except (OSError, IndexError):
            return False
    return True


def _gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.05)
    return not _alive(pid)


@pytest.fixture(params=["all", "--handler-only"])
def budgeted_parent(request, tmp_path):
    """A parent process running a budgeted endless child; yields (parent, child pid); kills both at teardown."""
    script, pid_file = tmp_path / "parent.py", tmp_path / "child.pid"
    script.write_text(PARENT)
    parent = subprocess.Popen([sys.executable, str(script), str(pid_file), request.param], stdin=subprocess.DEVNULL)
    child = None
    try:
        deadline = time.monotonic() + 60
        while not pid_file.exists():
            assert parent.poll() is None, f"the parent ended early with exit status {parent.returncode}"
            assert time.monotonic() < deadline, "the budgeted child did not start within 60 s"
            time.sleep(0.05)
        child = int(pid_file.read_text())
        assert _alive(child)
        yield parent, child
    finally:
        for pid in (parent.pid, child):
            if pid is not None:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
        parent.wait(10)


def test_sigterm_to_the_parent_ends_the_budgeted_child(budgeted_parent):
    """SIGTERM to the parent alone (``timeout`` sends it to the process, not to the child's own group): the child
    must be gone within a few seconds, and the parent ends as SIGTERM ends it (no traceback, no hang)."""
    parent, child = budgeted_parent
    parent.send_signal(signal.SIGTERM)
    assert parent.wait(10) == -signal.SIGTERM
    assert _gone_within(child, 5), f"the budgeted child {child} outlived its parent"


def test_sigkill_to_the_parent_ends_the_budgeted_child(budgeted_parent, request):
    """SIGKILL cannot be caught by the parent: the child learns of its death itself (the kernel's parent-death
    signal on Linux, else by polling its parent's pid)."""
    if "handler-only" in request.node.callspec.params["budgeted_parent"]:
        pytest.skip("with the child's own watch disabled, nothing can end it after a SIGKILL of the parent")
    parent, child = budgeted_parent
    parent.kill()
    assert parent.wait(10) == -signal.SIGKILL
    assert _gone_within(child, 5), f"the budgeted child {child} outlived its SIGKILLed parent"


POLLING_PARENT = """\
import os, sys, time
from symsaddle import _budget
_budget._request_parent_death_signal = lambda: False
me = os.getpid()
pid = os.fork()
if pid == 0:                                # the child watches its parent by polling
    os.setpgrp()                            # as _budget._child does: _kill_own_group must not reach the test
    _budget._watch_parent(me)
    while True:
        time.sleep(0.01)
print(pid, flush=True)
time.sleep(0.5)                             # the child is watching by now
"""


def test_the_child_polls_its_parent_where_prctl_is_unavailable():
    """The fallback path alone (no ``prctl``): the watchdog thread ends a child whose parent has gone. The parent is
    a fresh interpreter (forking pytest itself, with JAX's threads loaded, could deadlock the child)."""
    from symsaddle import _budget

    proc = subprocess.run([sys.executable, "-c", POLLING_PARENT], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    watched = int(proc.stdout.split()[0])
    try:
        assert _gone_within(watched, 5 + 2 * _budget.PARENT_POLL), f"the polling child {watched} outlived its parent"
    finally:
        try:
            os.kill(watched, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
