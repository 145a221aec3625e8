"""Run a computation that cannot be interrupted (SymPy's ``solve``, a Gröbner basis) under a time budget.

SymPy offers no way to stop ``solve`` from inside its own thread, so the work runs in a child
process that the caller can kill when the budget is spent. The child reports what it has
finished so far as ``(tag, value)`` messages, so work done before the deadline is kept.

Serialisation: the task and every message cross the process boundary with :mod:`pickle`
(SymPy expressions, including symbols with their assumptions and symsaddle's own functions
``Sigmoid``/``Step``, pickle by value and by importable reference). Only objects created by
this process and its own child are ever unpickled — never a file or a user's input — so the
rule "never unpickle untrusted data" holds. With the ``fork`` start method (Linux, the default
here, unless JAX or PyTorch is loaded) the task is inherited rather than pickled; ``spawn`` pickles it.

The child becomes the leader of its own process group, so killing the group at the deadline
also ends any helper program it started (e.g. ``msolve``). Being in its own group, the child does not
receive signals sent to the caller's group (Ctrl-C reaches it only through the parent), so it is tied to
its parent's life in three ways:

- while ``run_with_budget`` runs in the main thread, SIGTERM and SIGHUP to the parent first kill the child's
  group, then end the parent as they would have (``timeout 10 symsaddle derive … --equilibria``);
- on Linux the child asks the kernel for SIGKILL when its parent dies (``prctl(PR_SET_PDEATHSIG)``), which
  also covers a parent killed by SIGKILL;
- elsewhere (or if ``prctl`` is unavailable) a watchdog thread in the child polls its parent's pid every
  :data:`PARENT_POLL` seconds and kills the child's group once the parent has gone.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import multiprocessing
import os
import signal
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from typing import Any, Callable

from .progress import ProgressBar


@dataclass(frozen=True)
class BudgetRun:
    """What a budgeted child reported: ``messages`` in order, and how it ended."""

    messages: tuple[tuple[str, Any], ...]
    timed_out: bool
    error: str | None
    seconds: float


#: Modules that start threads of their own: forking a process that imported one can deadlock the child.
_THREADED_MODULES = ("jax", "torch")


def _start_method() -> str:
    """``fork`` (cheap: the child inherits the imported SymPy) unless it is unavailable or unsafe because
    a multithreaded library such as JAX is loaded; then ``spawn``."""
    methods = multiprocessing.get_all_start_methods()
    threaded = any(name in sys.modules for name in _THREADED_MODULES)
    return "fork" if "fork" in methods and not threaded else "spawn"


#: Seconds between the child's checks that its parent is still alive (where ``prctl`` is unavailable).
PARENT_POLL = 0.5
#: ``PR_SET_PDEATHSIG`` of <linux/prctl.h>: the signal the kernel sends a process when its parent dies.
_PR_SET_PDEATHSIG = 1
#: Signals that end the parent while a budgeted child runs: the child's group is killed first.
_TERMINATING_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


def _kill_own_group() -> None:
    """SIGKILL the calling child's process group (itself and the helpers it started)."""
    if hasattr(os, "killpg"):
        with contextlib.suppress(OSError):
            os.killpg(os.getpgrp(), signal.SIGKILL)
    os._exit(1)


def _request_parent_death_signal() -> bool:
    """Ask the Linux kernel to SIGKILL this process when its parent dies; False where ``prctl`` is unavailable."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(parent_pid: int) -> None:
    """End the child (and its group) once its parent ``parent_pid`` has gone: at once if it already has (it died
    before the death signal was requested), else through the kernel's death signal or a polling thread."""
    requested = _request_parent_death_signal()
    if os.getppid() != parent_pid:
        _kill_own_group()
    if requested:
        return

    def poll() -> None:
        while os.getppid() == parent_pid:
            time.sleep(PARENT_POLL)
        _kill_own_group()

    threading.Thread(target=poll, name="symsaddle-parent-watch", daemon=True).start()


@contextlib.contextmanager
def _kill_child_on_termination(proc):
    """While the block runs, SIGTERM/SIGHUP to this process kill ``proc``'s group first, then take their usual
    effect (the previous handler, by default ending the process). Only in the main thread (where Python delivers
    signals); a signal that was ignored (``nohup``) stays ignored."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {}

    def handler(signum, frame):
        if proc.pid is not None:
            _kill(proc)
        signal.signal(signum, previous[signum])
        signal.raise_signal(signum)

    for signum in _TERMINATING_SIGNALS:
        before = signal.getsignal(signum)
        if before in (signal.SIG_IGN, None):
            continue
        previous[signum] = before
        signal.signal(signum, handler)
    try:
        yield
    finally:
        for signum, before in previous.items():
            signal.signal(signum, before)


def _child(conn, task: Callable, args: tuple, parent_pid: int) -> None:
    if hasattr(os, "setpgrp"):
        os.setpgrp()
    for signum in _TERMINATING_SIGNALS:          # not the parent's handler, inherited through fork
        signal.signal(signum, signal.SIG_DFL)
    _watch_parent(parent_pid)
    try:
        for message in task(*args):
            conn.send(message)
        conn.send(("__done__", None))
    except BaseException:  # noqa: BLE001 — reported to the parent, which decides
        conn.send(("__error__", traceback.format_exc()))
    finally:
        conn.close()


def _kill(proc) -> None:
    """SIGKILL the child's process group (helpers it started) and the child itself."""
    if hasattr(os, "killpg"):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):   # the child had not yet made its own group
            pass
    proc.kill()
    proc.join(5)


def run_with_budget(task: Callable, args: tuple, timeout: float, *, progress: bool = False,
                    description: str = "symbolic solve", poll: float = 0.2) -> BudgetRun:
    """Run the generator function ``task(*args)`` in a child process for at most ``timeout`` seconds.

    Each item the generator yields is a ``(tag, value)`` message; a message ``("stage", text)``
    also updates the progress bar's description. On timeout the child (and its process group) is
    killed and the messages received so far are returned with ``timed_out=True``.
    """
    ctx = multiprocessing.get_context(_start_method())
    receiver, sender = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(sender, task, args, os.getpid()), daemon=True)
    start = time.monotonic()
    messages: list[tuple[str, Any]] = []
    timed_out, error = False, None
    bar = ProgressBar(total=round(timeout, 1), desc=description, unit="s", disable=not progress, leave=False,
                      bar_format="{desc}: {n:.0f}/{total:.0f} s budget |{bar}|")
    with _kill_child_on_termination(proc):
        proc.start()
        sender.close()
        try:
            while True:
                elapsed = time.monotonic() - start
                bar.n = min(elapsed, timeout)
                bar.refresh()
                if elapsed >= timeout:
                    timed_out = True
                    break
                if receiver.poll(min(poll, timeout - elapsed)):
                    try:
                        tag, value = receiver.recv()
                    except EOFError:
                        error = "the solver process ended without a result (killed or out of memory)"
                        break
                    if tag == "__done__":
                        break
                    if tag == "__error__":
                        error = value
                        break
                    if tag == "stage":
                        bar.set_description_str(f"{description}: {value}")
                    messages.append((tag, value))
        finally:
            bar.close()
            if proc.is_alive():
                if not timed_out:
                    proc.join(5)
                _kill(proc)
            receiver.close()
    return BudgetRun(tuple(messages), timed_out, error, time.monotonic() - start)
