"""Where sweep tasks run: in this process, on a local process pool, or on a Dask cluster.

Every executor runs :func:`execute` — the task function called with its parameters, its
exceptions caught and returned as a failed outcome — so a failing task never stops a sweep.
Failures of the machinery itself (a pool whose worker process died, a lost connection) are
raised as :class:`~symsaddle.errors.SweepError`; the results recorded so far stay on disk.
"""

from __future__ import annotations

import multiprocessing
import re
import socket
import time
import traceback
import uuid
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import as_completed as futures_as_completed
from concurrent.futures.process import BrokenProcessPool
from typing import Callable, Iterable, Iterator

from .errors import MissingDependencyError, SweepError, SweepSpecError
from .reports import to_jsonable


def execute(fn: Callable, params: dict) -> dict:
    """Run one task: ``{"status", "result", "error", "seconds"}``, exceptions included."""
    t0 = time.perf_counter()
    try:
        result = to_jsonable(fn(**params))
        if not isinstance(result, dict):
            result = {"value": result}
        return {"status": "ok", "result": result, "error": None, "seconds": time.perf_counter() - t0}
    except Exception as exc:  # noqa: BLE001 - a task's failure is data, recorded with its error
        where = traceback.extract_tb(exc.__traceback__)[-1]
        return {"status": "failed", "result": None, "seconds": time.perf_counter() - t0,
                "error": f"{type(exc).__name__}: {exc} (at {where.filename}:{where.lineno})"}


class InlineExecutor:
    """Runs each task in this process when submitted (``workers=0``: debugging, tiny sweeps)."""

    name = "inline"

    def submit(self, fn: Callable, params: dict, key: str) -> Future:
        fut: Future = Future()
        fut.set_result(execute(fn, params))
        return fut

    def as_completed(self, futures: Iterable[Future]) -> Iterator[Future]:
        return iter(list(futures))

    def outcome(self, fut: Future) -> dict:
        return fut.result()

    def running(self, pending: int) -> int:
        return 0

    def close(self) -> None:
        pass


class LocalExecutor(InlineExecutor):
    """A pool of ``workers`` fresh Python processes (``spawn``) on this machine."""

    name = "local process pool"

    def __init__(self, workers: int):
        self.pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
        self._futures: list[Future] = []

    def submit(self, fn: Callable, params: dict, key: str) -> Future:
        fut = self.pool.submit(execute, fn, params)
        self._futures.append(fut)
        return fut

    def as_completed(self, futures: Iterable[Future]) -> Iterator[Future]:
        return futures_as_completed(list(futures))

    def outcome(self, fut: Future) -> dict:
        try:
            return fut.result()
        except BrokenProcessPool as exc:
            raise SweepError(f"a worker process of the local pool died ({exc}); the results recorded so "
                             "far are on disk: run the same sweep again to resume") from exc

    def running(self, pending: int) -> int:
        return sum(1 for f in self._futures if f.running())

    def close(self) -> None:
        for f in self._futures:
            f.cancel()
        self.pool.shutdown(wait=True, cancel_futures=True)


#: Seconds to wait for a Dask scheduler to accept a connection before the sweep gives up.
CONNECT_TIMEOUT = 10.0
#: The transports a scheduler address may name (Dask's own; no scheme means tcp).
SCHEDULER_SCHEMES = ("tcp", "tls", "ws", "wss", "ucx")
_ADDRESS = re.compile(r"(?:(?P<scheme>[a-z]+)://)?(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(?P<port>[0-9]{1,5})")


def parse_scheduler_address(address: str) -> tuple[str, str, int]:
    """(scheme, host, port) of a Dask scheduler address ``[scheme://]host:port`` (scheme tcp if none, port
    1–65535); anything else is refused with :class:`SweepSpecError` naming the expected form."""
    match = _ADDRESS.fullmatch(address.strip()) if isinstance(address, str) else None
    scheme = (match.group("scheme") or "tcp") if match else None
    if match is None or scheme not in SCHEDULER_SCHEMES or not 1 <= int(match.group("port")) <= 65535:
        raise SweepSpecError(f"{address!r} is not a Dask scheduler address; expected tcp://host:port (e.g. "
                             f"tcp://127.0.0.1:8786, as printed by `dask scheduler`; other transports: "
                             f"{', '.join(SCHEDULER_SCHEMES[1:])})")
    return scheme, match.group("host").strip("[]"), int(match.group("port"))


def _probe(scheme: str, host: str, port: int, timeout: float) -> None:
    """Refuse, within ``timeout`` seconds, a tcp/tls address nothing listens on — before Dask's client is made,
    whose failed start takes its full timeout and prints a traceback as it is collected."""
    if scheme not in ("tcp", "tls"):
        return
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as exc:
        reason = "timed out" if isinstance(exc, TimeoutError) else (exc.strerror or str(exc))
        raise SweepError(f"cannot reach the Dask scheduler at {scheme}://{host}:{port} within {timeout:g} s "
                         f"({reason}); start it (`dask scheduler`) or check the address") from None


def _connect(distributed, address: str):
    """A Dask client of the scheduler at ``address``. Whatever answers there and is not a Dask scheduler
    (another server, a proxy) is refused with :class:`SweepError`, and the half-made client is discarded
    quietly (left to itself it waits twice the timeout when collected, then prints a traceback)."""
    client = distributed.Client.__new__(distributed.Client)
    try:
        client.__init__(address, timeout=f"{CONNECT_TIMEOUT:g}s", set_as_default=False)
    except Exception as exc:  # noqa: BLE001 - a timeout, a refused handshake, or garbage read as a message
        client.status = "closed"                 # Client.__del__ then has nothing to close
        loop_runner = getattr(client, "_loop_runner", None)
        if loop_runner is not None:
            loop_runner.stop()
        reason = " ".join(str(exc).split())[:160] or type(exc).__name__
        raise SweepError(f"no Dask scheduler answered at {address} within {CONNECT_TIMEOUT:g} s (what answered "
                         f"there, if anything, is not one: {type(exc).__name__}: {reason}); check the address "
                         "(`dask scheduler` prints it)") from None
    return client


class DaskExecutor(InlineExecutor):
    """An existing Dask distributed cluster, reached through its scheduler address."""

    name = "dask"

    def __init__(self, scheduler: str):
        address = parse_scheduler_address(scheduler)
        try:
            import distributed
        except ImportError as exc:
            raise MissingDependencyError("sweeps on a Dask cluster need dask.distributed; install it with: "
                                         "pip install 'symsaddle[dask]'") from exc
        self._distributed = distributed
        _probe(*address, CONNECT_TIMEOUT)
        self.client = _connect(distributed, scheduler.strip())
        self.slots = max(1, sum(self.client.nthreads().values()))

    def submit(self, fn: Callable, params: dict, key: str):
        # a fresh Dask key per submission: a task left behind by a killed sweep is never reused
        return self.client.submit(execute, fn, params, key=f"symsaddle-{key}-{uuid.uuid4().hex[:8]}", pure=False)

    def as_completed(self, futures):
        return self._distributed.as_completed(list(futures), loop=self.client.loop)

    def outcome(self, fut) -> dict:
        try:
            return fut.result()
        except self._distributed.client.FutureCancelledError as exc:
            raise SweepError(f"the Dask cluster cancelled a task ({exc}); results so far are on disk: "
                             "run the same sweep again to resume") from exc
        except Exception as exc:  # noqa: BLE001 - e.g. KilledWorker: this task took its workers down
            return {"status": "failed", "result": None, "seconds": 0.0,
                    "error": f"{type(exc).__name__} on the Dask cluster: {exc}"}

    def running(self, pending: int) -> int:
        return min(pending, self.slots)

    def close(self) -> None:
        self.client.close()


def executor(scheduler: str | None, workers: int | None):
    """The executor for a scheduler address (Dask), or a local pool of ``workers`` (0: inline)."""
    if scheduler is not None:
        return DaskExecutor(scheduler)
    if workers == 0:
        return InlineExecutor()
    if workers is not None and workers < 0:
        raise ValueError(f"workers must be ≥ 0 (0 runs the tasks in this process), got {workers}")
    return LocalExecutor(workers or multiprocessing.cpu_count())
