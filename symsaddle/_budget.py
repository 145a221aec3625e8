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
also ends any helper program it started (e.g. ``msolve``).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
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


def _child(conn, task: Callable, args: tuple) -> None:
    if hasattr(os, "setpgrp"):
        os.setpgrp()
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
    proc = ctx.Process(target=_child, args=(sender, task, args), daemon=True)
    start = time.monotonic()
    proc.start()
    sender.close()
    messages: list[tuple[str, Any]] = []
    timed_out, error = False, None
    bar = ProgressBar(total=round(timeout, 1), desc=description, unit="s", disable=not progress, leave=False,
                      bar_format="{desc}: {n:.0f}/{total:.0f} s budget |{bar}|")
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
