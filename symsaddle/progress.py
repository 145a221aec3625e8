"""Progress bars of long runs: ``tqdm`` on stderr, redrawn in place on a terminal, sparse lines in a log.

Every loop of symsaddle that can take long shows a :class:`ProgressBar` when its caller passes
``progress=True`` (the command line: ``--progress``). On a terminal it is tqdm's bar. When stderr
is not a terminal — ``nohup symsaddle reproduce … > log 2>&1 &``, a batch job, a pipe — a bar
redrawn with carriage returns would pile thousands of redraws into one line of the log; there it
is written as lines of their own instead: its first state, then at most one line every
:data:`LOG_INTERVAL` seconds (redraws forced by a new description or postfix included), and, when
it is closed, its last state followed by "ended after 12.3 s" — also for a bar made with
``leave=False``, which a terminal clears: a log that stops at "40%" would not say whether the loop
ended there or the process died. In a Jupyter notebook ``tqdm.auto`` shows its widget, unchanged.
"""

from __future__ import annotations

import sys

from tqdm.auto import tqdm

__all__ = ["LOG_INTERVAL", "ProgressBar"]

#: Seconds between two lines of a bar written to a log (stderr not a terminal).
LOG_INTERVAL = 30.0


#: What tqdm writes to move the cursor up one line (to redraw a bar above the current one).
_CURSOR_UP = "\x1b[A"


class _Lines:
    """The stream a bar in a log writes to: each redraw (``\\r`` + bar + padding) becomes a line of its own;
    the blank redraw that clears a finished ``leave=False`` bar writes nothing, and the cursor-up sequences
    with which tqdm moves between nested bars (``position`` > 0) are dropped."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, text: str) -> None:
        for part in text.replace(_CURSOR_UP, "").replace("\r", "\n").split("\n"):
            if part.strip():
                self.stream.write(part.rstrip() + "\n")

    def flush(self) -> None:
        self.stream.flush()


def _in_a_log(stream) -> bool:
    """Not a terminal, and not a notebook (whose tqdm.auto bar is a widget, not text on ``stream``)."""
    notebook = any(c.__module__ == "tqdm.notebook" for c in tqdm.__mro__)
    isatty = getattr(stream, "isatty", None)
    return not notebook and not (isatty is not None and isatty())


class ProgressBar(tqdm):
    """``tqdm.auto.tqdm`` with the same arguments (callers pass ``disable=not progress``); when stderr is not a
    terminal, written as sparse lines (module docstring)."""

    def __init__(self, *args, **kwargs):
        self._logged = kwargs.get("file") is None and _in_a_log(sys.stderr)
        self._shown = False
        if self._logged:
            kwargs.update(file=_Lines(sys.stderr), mininterval=LOG_INTERVAL, maxinterval=LOG_INTERVAL)
        super().__init__(*args, **kwargs)

    def refresh(self, nolock=False, lock_args=None):
        """In a log, the first redraw and then at most one every :data:`LOG_INTERVAL` seconds, forced ones
        (``set_postfix``, ``set_description``, ``refresh()``) included; the last state is written by ``close``."""
        if self._logged and not self.disable:
            now = self._time()
            if self._shown and now - self.last_print_t < LOG_INTERVAL:
                return False
            self._shown, self.last_print_t = True, now
        return super().refresh(nolock=nolock, lock_args=lock_args)

    def close(self):
        """In a log, the last state and how long the bar ran as a line of its own (module docstring), whether or
        not the bar was made with ``leave=False``; on a terminal, tqdm's ``close`` (a ``leave=False`` bar is
        cleared)."""
        if self._logged and not getattr(self, "disable", True) and self._shown:
            with self._lock:
                self._ema_dt = lambda: None                 # the overall rate, as tqdm's own last line shows it
                self.fp.write(f"{self} — ended after {self._time() - self.start_t:.1f} s\n")
                self.fp.flush()
            self.leave = False                              # written: tqdm's close clears (nothing, in a log)
        super().close()
