"""Sweeps: many independent tasks, on a local process pool or a Dask cluster, resumable.

A *task* is a top-level function (picklable by reference) called with keyword parameters
that are JSON values (numbers, strings, booleans, lists, mappings); it must be deterministic
given its parameters (pass the random seed as one of them) and return a mapping of results.
A *sweep* runs one task function over many parameter sets:

    from symsaddle.sweep import grid, run_sweep
    res = run_sweep(teacher_student_run, grid(seed=range(1000)), "out/ts", fixed={"width": 4})
    res = run_sweep("deep-linear-ladder", grid(seed=range(100), widths=[[5, 5, 5, 5]]), "out/ladders")

Tasks run on a local pool of processes (default: one per core; ``workers=0`` runs them in
this process) or, given ``scheduler="tcp://host:8786"``, on an existing Dask distributed
cluster (``pip install 'symsaddle[dask]'``). Each finished task is appended to
``OUT/results.jsonl`` at once (atomically, see :mod:`symsaddle._sweep_store`) and the tidy
table ``OUT/results.csv`` (+ ``results.parquet`` with pyarrow) is refreshed from it: scalar
cells only, a nested result ``{"bound": {"M": …}}`` as the column ``bound.M``, a short list of
scalars as ``widths.0, widths.1, …``; longer lists (and lists of mappings) are in the JSONL log
only, named per row in the column ``only_in_results_jsonl``. A
task's identity is a hash of its task name and parameters, so running the same sweep again
— after it finished, failed, or was killed — skips every task already recorded and runs only
the rest: nothing is lost and nothing is run or recorded twice. A task that raises is
recorded with its error (``status = "failed"``) and the sweep goes on; ``retry_failed=True``
runs the failed ones again. A tqdm bar shows done / running / failed.

``OUT/sweep.json`` (the manifest) names the task and its parameter sets, the folder's
:data:`SWEEP_FORMAT` and the task's result ``conventions`` (declared with :func:`sweepable`, e.g. which
loss a number is). Resuming refuses a folder whose format or conventions differ from this version's,
or that has no such marker (written before the markers existed, e.g. when ``deep-linear-ladder``'s
``bound.loss0`` was ½‖·‖²): its results would be mixed with others that mean something else.

Named tasks (for ``symsaddle sweep SPEC``) are registered with :func:`sweepable`; modules
that define them are listed under the entry-point group ``symsaddle.sweeps`` of their
package, so the core never imports an analysis slice. A specification file (JSON, or TOML
on Python ≥ 3.11) names a registered task and its grid — it is parsed as data only:

    {"task": "deep-linear-ladder",
     "grid": {"seed": {"range": [0, 100]}, "widths": [[5, 5, 5, 5]]},
     "fixed": {"epochs": 5000},
     "out": "ladders", "workers": 2, "scheduler": null}

A range axis stays a lazy :class:`range`; the number of tasks, the product of the axis lengths, is counted
before any parameter set is listed, and :meth:`SweepSpec.check` refuses more than :data:`DEFAULT_MAX_TASKS`
(``symsaddle sweep --max-tasks N`` raises the limit): every parameter set is held in memory and recorded in
the manifest before the first task runs.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import inspect
import itertools
import json
import math
import pickle
import tempfile
import time
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence

from ._sweep_exec import executor, parse_scheduler_address
from ._sweep_store import MANIFEST_NAME, ResultStore, TaskRecord, TaskStatus
from .errors import SweepSpecError
from .progress import ProgressBar
from .registry import CaseOption, CaseOptionError
from .reports import compact_repr, plural, to_jsonable

__all__ = ["SweepResult", "SweepSpec", "SweepStatus", "TaskParameter", "TaskRecord", "TaskStatus", "grid",
           "load_sweep", "run_sweep", "sweep_tasks", "sweepable", "task_key", "task_parameters"]

#: Entry-point group listing the modules that register named sweep tasks.
ENTRY_POINT_GROUP = "symsaddle.sweeps"

#: Most tasks a specification may expand to unless raised (``SweepSpec.check(max_tasks=…)``, ``sweep --max-tasks``):
#: every parameter set is held in memory and recorded in the manifest (a 10⁸-seed range grew to 15 GB unwritten).
DEFAULT_MAX_TASKS = 100_000

#: The format of a sweep folder, recorded in its manifest; 2: the manifest records ``format`` and the task's
#: ``conventions`` (folders without them predate both, and may hold results under older conventions).
SWEEP_FORMAT = 2


#: The default shown for a task parameter the function requires (no default in its signature).
REQUIRED = "required"


@dataclass(frozen=True)
class TaskParameter:
    """One keyword parameter of a sweep task, as ``symsaddle sweep --list`` shows it: its type (the declared
    :class:`CaseOption` type, else the signature's annotation), its default (:data:`REQUIRED` when the signature has
    none) and its meaning (the declared help, else the docstring's line for it)."""

    name: str
    type: str
    default: object
    help: str = ""
    #: the allowed values of an enumerated parameter (the declared :class:`CaseOption`'s ``choices``)
    choices: tuple[str, ...] | None = None

    def to_dict(self) -> dict:
        """JSON: ``required`` true (and no ``default``) for a parameter every task must be given; ``choices``
        for an enumerated one."""
        required = self.default is REQUIRED
        return {"name": self.name, "type": self.type, "required": required,
                **({} if required else {"default": to_jsonable(self.default)}),
                **({} if self.choices is None else {"choices": list(self.choices)}), "help": self.help}

    def line(self, longest_default: int | None = None) -> str:
        """``name (type, one of a, b, default …): help`` (``one of`` for an enumerated parameter); a default
        longer than ``longest_default`` characters cut short."""
        default = REQUIRED
        if self.default is not REQUIRED:
            text = json.dumps(to_jsonable(self.default), ensure_ascii=False)
            if longest_default is not None and len(text) > longest_default:
                text = text[:longest_default] + " …"
            default = f"default {text}"
        allowed = "" if self.choices is None else f"one of {', '.join(json.dumps(c) for c in self.choices)}; "
        return f"{self.name} ({self.type}, {allowed}{default})" + (f": {self.help}" if self.help else "")


@dataclass(frozen=True)
class SweepTask:
    name: str
    function: Callable
    summary: str

    @property
    def parameters(self) -> tuple[TaskParameter, ...]:
        """The task's keyword parameters: those of its signature (but ``**params``) in order, then the ones only its
        :func:`sweepable` declaration names (taken through ``**params``)."""
        return task_parameters(self.function)


def task_parameters(fn: Callable) -> tuple[TaskParameter, ...]:
    """The keyword parameters of the task function ``fn`` (see :class:`TaskParameter`): the signature gives the
    names, defaults and annotations, the :func:`sweepable` declaration types and meanings, the docstring
    (``name: text`` or ``name : type`` lines, as in a numpy-style "Parameters" section) the meaning of the rest."""
    declared = {opt.name: opt for opt in getattr(fn, "sweep_parameters", ())}
    documented = _documented_parameters(inspect.getdoc(fn) or "")
    signature = inspect.signature(fn)
    out = []
    for p in signature.parameters.values():
        if p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL):
            continue
        opt = declared.pop(p.name, None)
        annotation = ("" if p.annotation is p.empty else
                      p.annotation if isinstance(p.annotation, str) else inspect.formatannotation(p.annotation))
        kind = opt.type.__name__ if opt is not None else annotation or "any"
        default = REQUIRED if p.default is p.empty else p.default
        out.append(TaskParameter(p.name, kind, default, (opt.help if opt is not None and opt.help else "")
                                 or documented.get(p.name, ""), opt.choices if opt is not None else None))
    out += [TaskParameter(opt.name, opt.type.__name__, opt.default, opt.help or documented.get(opt.name, ""),
                          opt.choices)
            for opt in declared.values()]
    return tuple(out)


def _documented_parameters(doc: str) -> dict[str, str]:
    """``{name: meaning}`` from a docstring's "Parameters" section: a line ``name: text`` (``a, b: text`` for
    several) or numpy's ``name : type``, and the indented lines under it."""
    lines = doc.splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if line.strip() == "Parameters") + 1
    except StopIteration:
        return {}
    found: dict[str, str] = {}
    current: list[str] = []
    for line in lines[start:]:
        stripped = line.strip()
        if not stripped or set(stripped) == {"-"}:
            continue
        if line[:1].isspace():
            for name in current:
                found[name] = (found[name] + " " + stripped).strip()
            continue
        head, sep, text = line.partition(":")
        names = [n.strip() for n in head.split(",")]
        if not sep or not all(n.isidentifier() for n in names):
            break                                       # the section ended (another heading, or prose)
        current = names
        for name in names:                              # "name : type": the meaning is on the indented lines
            found[name] = "" if head.endswith(" ") else text.strip()
    return found


_TASKS: dict[str, SweepTask] = {}


def sweepable(name: str, summary: str = "", parameters: Sequence[CaseOption] = (), conventions: str = ""):
    """Decorator registering a top-level function as the named sweep task ``name``. ``parameters`` declares
    keyword parameters with their types and ranges (checked before any task runs); a task that takes
    ``**params`` accepts only its named parameters and the declared ones. ``conventions`` says what its results
    mean where that could change (which loss a number is, its units): recorded in a sweep folder, a folder
    written under other conventions is refused on resume, so change it whenever the meaning of a result does."""
    def register(fn: Callable) -> Callable:
        _check_top_level(fn)
        if name in _TASKS and _TASKS[name].function is not fn:
            raise ValueError(f"sweep task {name!r} registered twice")
        _TASKS[name] = SweepTask(name, fn, summary or (fn.__doc__ or "").strip().split("\n")[0])
        fn.sweep_name = name
        fn.sweep_parameters = tuple(parameters)
        fn.sweep_conventions = conventions
        return fn
    return register


def sweep_tasks() -> dict[str, SweepTask]:
    """All registered sweep tasks (importing the modules listed under ``symsaddle.sweeps``)."""
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        ep.load()
    return dict(sorted(_TASKS.items()))


def grid(**axes: Iterable) -> list[dict]:
    """The Cartesian product of the axes, as parameter sets: ``grid(seed=range(3), mu=[0.1, 1])``."""
    names = list(axes)
    values = [list(v) for v in axes.values()]
    return [dict(zip(names, combo)) for combo in itertools.product(*values)]


def _canonical(params: Mapping) -> dict:
    try:
        out = json.loads(json.dumps(to_jsonable(dict(params)), sort_keys=True, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise SweepSpecError(f"task parameters must be JSON values (numbers, strings, lists, "
                             f"mappings), got {dict(params)!r}: {exc}") from None
    return out


def task_key(task: str, params: Mapping) -> str:
    """A task's identity: a hash of its task name and canonical (sorted-key JSON) parameters."""
    text = json.dumps({"task": task, "params": _canonical(params)}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _check_top_level(fn: Callable) -> None:
    if "<locals>" in getattr(fn, "__qualname__", "<locals>") or getattr(fn, "__name__", "") == "<lambda>":
        raise SweepSpecError(f"a sweep task must be a top-level function of an importable module, got {fn!r}")


def _check_picklable(fn: Callable) -> None:
    _check_top_level(fn)
    try:
        pickle.dumps(fn)
    except (pickle.PicklingError, AttributeError, TypeError) as exc:
        raise SweepSpecError(f"sweep task {fn!r} cannot be pickled by reference: {exc}") from None


def _check_parameters(name: str, fn: Callable, params: Mapping) -> None:
    """Refuse, before any task runs, parameters ``fn`` does not take (naming those it takes) and values
    outside the types and ranges its :func:`sweepable` declaration gives."""
    declared = {opt.name: opt for opt in getattr(fn, "sweep_parameters", ())}
    signature = inspect.signature(fn)
    named = [p.name for p in signature.parameters.values() if p.kind is not p.VAR_KEYWORD]
    takes_any = any(p.kind is p.VAR_KEYWORD for p in signature.parameters.values()) and not declared
    unknown = sorted(set(params) - set(named) - set(declared))
    if unknown and not takes_any:
        raise SweepSpecError(f"sweep task {name!r} takes no parameter named {' or '.join(map(repr, unknown))}; "
                             f"its parameters: {', '.join(sorted({*named, *declared}))}")
    for key, value in params.items():
        if key in declared:
            try:
                declared[key].check(value, f"sweep task {name!r}: parameter {key!r}")
            except CaseOptionError as exc:
                raise SweepSpecError(str(exc)) from None
    try:
        signature.bind(**params)
    except TypeError as exc:
        raise SweepSpecError(f"parameters {dict(params)} do not fit task {name!r}{signature}: {exc}") from None


def _resolve(task: str | Callable) -> tuple[str, Callable]:
    if callable(task):
        _check_picklable(task)
        return getattr(task, "sweep_name", f"{task.__module__}:{task.__qualname__}"), task
    tasks = sweep_tasks()
    if task not in tasks:
        raise SweepSpecError(f"unknown sweep task {task!r}; registered: {', '.join(tasks) or 'none'}")
    _check_picklable(tasks[task].function)
    return task, tasks[task].function


class SweepStatus(str, Enum):
    COMPLETED = "completed"
    COMPLETED_WITH_FAILURES = "completed with failures"


@dataclass(frozen=True)
class SweepResult:
    """The records of a sweep's tasks (in the order given), and what this run did."""

    __repr__ = compact_repr

    folder: Path
    task: str
    status: SweepStatus
    records: tuple[TaskRecord, ...]
    ran: int                 # tasks run by this call
    skipped: int             # tasks already recorded before this call
    table: Path
    log: Path

    @property
    def failed(self) -> tuple[TaskRecord, ...]:
        return tuple(r for r in self.records if r.status is TaskStatus.FAILED)

    @property
    def results(self) -> list[dict | None]:
        """Each task's result mapping, or None where it failed, in the order of the tasks."""
        return [r.result if r.status is TaskStatus.OK else None for r in self.records]

    def to_dict(self) -> dict:
        return {"folder": str(self.folder), "task": self.task, "status": self.status.value,
                "tasks": len(self.records), "failed": len(self.failed), "ran": self.ran, "skipped": self.skipped,
                "table": str(self.table), "log": str(self.log),
                "errors": [{"params": r.params, "error": r.error} for r in self.failed[:20]]}


def load_sweep(folder: str | Path) -> dict[str, TaskRecord]:
    """The recorded tasks of a sweep folder, latest record per task key."""
    return ResultStore(folder).read()


def run_sweep(task: str | Callable, params: Iterable[Mapping], out: str | Path | None = None, *,
              fixed: Mapping | None = None, scheduler: str | None = None, workers: int | None = None,
              retry_failed: bool = False, progress: bool = True, table_every: float = 5.0,
              on_start: Callable[[int, int], None] | None = None) -> SweepResult:
    """Run ``task(**fixed, **p)`` for every parameter set ``p``, recording results in ``out``.

    ``task`` is a registered task name or a top-level function; ``out`` the results folder
    (a new temporary folder if None). Tasks already recorded there are not run again
    (failed ones are, with ``retry_failed``). ``scheduler`` is the address of an existing Dask
    scheduler; otherwise a local pool of ``workers`` processes (default: one per core;
    0: in this process). The tidy table is refreshed at most every ``table_every`` seconds
    and at the end. ``on_start(tasks, to_run)``, if given, is called once everything is checked, before any
    task runs.
    """
    name, fn = _resolve(task)
    if scheduler is not None:
        parse_scheduler_address(scheduler)
    tasks: dict[str, dict] = {}
    for p in params:
        both = sorted(set(fixed or {}) & set(p), key=str)
        if both:
            raise SweepSpecError(f"parameter {' and '.join(map(repr, both))} given both in a parameter set and in "
                                 "fixed; give each parameter in one place")
        merged = _canonical({**(fixed or {}), **p})
        _check_parameters(name, fn, merged)
        tasks.setdefault(task_key(name, merged), merged)
    conventions = getattr(fn, "sweep_conventions", "")
    ex = executor(scheduler, workers)          # a scheduler that cannot be reached: refused before anything is written
    try:
        folder = Path(out) if out is not None else Path(tempfile.mkdtemp(prefix="symsaddle-sweep-"))
        _check_manifest(folder, name, tasks, conventions)     # another sweep's folder: refused, left as it is
        store = ResultStore(folder)
        records = store.open()
        _write_manifest(folder, name, tasks, conventions)
    except BaseException:
        ex.close()
        raise
    todo = [k for k in tasks if k not in records
            or (retry_failed and records[k].status is TaskStatus.FAILED)]
    skipped = len(tasks) - len(todo)
    failed = sum(1 for k in tasks if k in records and k not in todo and records[k].status is TaskStatus.FAILED)
    if on_start is not None:
        on_start(len(tasks), len(todo))
    if todo:
        bar = ProgressBar(total=len(tasks), initial=skipped, disable=not progress, desc=f"sweep {name}", unit="task")
        try:
            futures = {ex.submit(fn, tasks[k], k): k for k in todo}
            pending, last_table = len(futures), time.monotonic()
            bar.set_postfix_str(f"running={ex.running(pending)} failed={failed}")
            for fut in ex.as_completed(futures):
                key = futures[fut]
                out_ = ex.outcome(fut)
                rec = TaskRecord(key, name, tasks[key], TaskStatus(out_["status"]), out_["result"],
                                 out_["error"], float(out_["seconds"]))
                store.append(rec)
                records[key] = rec
                pending -= 1
                failed += rec.status is TaskStatus.FAILED
                bar.update(1)
                bar.set_postfix_str(f"running={ex.running(pending)} failed={failed}")
                if time.monotonic() - last_table >= table_every:
                    store.write_table(records)
                    last_table = time.monotonic()
        finally:
            bar.close()
            ex.close()
            store.write_table(records)
    else:
        ex.close()
        store.write_table(records)
    ordered = tuple(records[k] for k in tasks)
    status = (SweepStatus.COMPLETED if all(r.status is TaskStatus.OK for r in ordered)
              else SweepStatus.COMPLETED_WITH_FAILURES)
    return SweepResult(folder, name, status, ordered, len(todo), skipped, store.table, store.log)


def _check_manifest(folder: Path, name: str, keys: Iterable[str], conventions: str) -> None:
    """A results folder holds one sweep — one task function over one set of parameter sets (its task keys),
    written in one :data:`SWEEP_FORMAT` under the task's ``conventions``: rerunning that sweep resumes it, and a
    grid that contains every recorded parameter set extends it (more initialisations); another task, a grid that
    leaves recorded results out, or results of another format or conventions (or of none recorded: a folder
    from before the markers) are refused, never mixed in."""
    path, keys = folder / MANIFEST_NAME, set(keys)
    if not path.exists():
        return
    manifest = json.loads(path.read_text())
    recorded = manifest.get("task")
    if recorded != name:
        raise SweepSpecError(f"{folder} holds results of sweep task {recorded!r}, not {name!r}; "
                             "choose another folder")
    remedy = "resuming would mix them; write this sweep into a new folder (--out DIR)"
    missing = [f'"{marker}"' for marker in ("format", "conventions") if marker not in manifest]
    if missing:
        raise SweepSpecError(f"{folder} holds a sweep of {name!r} written before sweep folders recorded their format "
                             f"and result conventions ({MANIFEST_NAME} has no {' and no '.join(missing)}), so its "
                             "results may follow older conventions (e.g. deep-linear-ladder's bound.loss0 was ½‖·‖², "
                             "now ‖·‖²); " + remedy)
    differ = [f"{marker} {manifest[marker]!r} there, {now!r} now"
              for marker, now in (("format", SWEEP_FORMAT), ("conventions", conventions)) if manifest[marker] != now]
    if differ:
        raise SweepSpecError(f"{folder} holds a sweep of {name!r} written under other conventions "
                             f"({'; '.join(differ)}); " + remedy)
    old = manifest.get("keys")
    if old is not None and not set(old) <= keys:
        common = len(set(old) & set(keys))
        raise SweepSpecError(f"{folder} holds a sweep of {name!r} over other parameters "
                             f"({plural(len(old), 'task')}, {common} of them in this one of {len(keys)}); "
                             "rerun that sweep's own specification to resume it, or choose another folder")


def _write_manifest(folder: Path, name: str, keys: Iterable[str], conventions: str) -> None:
    """``sweep.json``: the task, its parameter sets (task keys), :data:`SWEEP_FORMAT` and the task's conventions."""
    keys = sorted(keys)
    path = folder / MANIFEST_NAME
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps({"task": name, "format": SWEEP_FORMAT, "conventions": conventions,
                               "tasks": len(keys), "keys": keys}, indent=2) + "\n")
    tmp.replace(path)


# ---------------------------------------------------------------------------------------
# specification files

_SPEC_KEYS = {"task", "grid", "fixed", "out", "scheduler", "workers", "retry_failed"}


def _axis(name: str, values) -> Sequence:
    """A grid axis: its list of values, or for ``{"range": [start, stop(, step)]}`` a lazy :class:`range`."""
    if isinstance(values, Mapping):
        if set(values) != {"range"} or not isinstance(values["range"], list) or not 1 <= len(values["range"]) <= 3 \
                or not all(isinstance(v, int) and not isinstance(v, bool) for v in values["range"]):
            raise SweepSpecError(f"grid axis {name!r}: a mapping must be {{\"range\": [start, stop(, step)]}} of "
                                 f"integers, got {values!r}")
        if len(values["range"]) == 3 and values["range"][2] == 0:
            raise SweepSpecError(f"grid axis {name!r}: the range {values['range']!r} has step 0; give a non-zero step")
        expanded = range(*values["range"])
        if not expanded:
            raise SweepSpecError(f"grid axis {name!r}: the range {values['range']!r} is empty (range(start, stop"
                                 f"(, step)) stops before stop: give stop > start, or a negative step); a sweep "
                                 "needs at least one value on every axis")
        return expanded
    if not isinstance(values, list) or not values:
        raise SweepSpecError(f"grid axis {name!r} must be a non-empty list of values or a range, got {values!r}")
    return values


def _axis_length(values: Sequence) -> int:
    """The number of values on an axis, without listing them (``len`` of a range above ``sys.maxsize`` overflows)."""
    if isinstance(values, range):
        return max(0, -((values.start - values.stop) // values.step))
    return len(values)


@dataclass(frozen=True)
class SweepSpec:
    """A sweep read from a JSON or TOML file: a registered task, a grid, fixed parameters."""

    task: str
    grid: dict = field(default_factory=dict)
    fixed: dict = field(default_factory=dict)
    out: Path | None = None
    scheduler: str | None = None
    workers: int | None = None
    retry_failed: bool = False

    @classmethod
    def from_mapping(cls, spec: Mapping, base: Path | None = None) -> "SweepSpec":
        if not isinstance(spec, Mapping):
            raise SweepSpecError(f"a sweep specification must be a mapping, got {type(spec).__name__}")
        unknown = set(spec) - _SPEC_KEYS
        if unknown:
            raise SweepSpecError(f"unknown keys {sorted(unknown)} in the sweep specification; "
                                 f"allowed: {sorted(_SPEC_KEYS)}")
        if not isinstance(spec.get("task"), str):
            raise SweepSpecError("the sweep specification must name its task: \"task\": \"<registered name>\"")
        g, fixed = spec.get("grid", {}), spec.get("fixed", {})
        if not isinstance(g, Mapping) or not isinstance(fixed, Mapping):
            raise SweepSpecError("\"grid\" and \"fixed\" must be mappings of parameter names")
        workers = spec.get("workers")
        if workers is not None and (not isinstance(workers, int) or isinstance(workers, bool) or workers < 0):
            raise SweepSpecError(f"\"workers\" must be a non-negative integer, got {workers!r}")
        scheduler = spec.get("scheduler")
        if scheduler is not None:
            if not isinstance(scheduler, str):
                raise SweepSpecError(f"\"scheduler\" must be an address string, got {scheduler!r}")
            try:
                parse_scheduler_address(scheduler)
            except SweepSpecError as exc:
                raise SweepSpecError(f"\"scheduler\" in the specification: {exc}") from None
        out = spec.get("out")
        if out is not None and not (isinstance(out, str) and out.strip()):
            raise SweepSpecError(f"\"out\" must be a non-empty folder path, got {out!r}")
        both = sorted(set(g) & set(fixed), key=str)
        if both:
            raise SweepSpecError(f"{' and '.join(map(repr, both))} {'is' if len(both) == 1 else 'are'} both a grid axis "
                                 "and a fixed parameter; keep each parameter in one of [grid] and [fixed]")
        out_path = None if out is None else (Path(out) if base is None or Path(out).is_absolute() else base / out)
        return cls(spec["task"], {k: _axis(k, v) for k, v in g.items()}, dict(fixed), out_path, scheduler,
                   workers, bool(spec.get("retry_failed", False)))

    @classmethod
    def from_file(cls, path: str | Path) -> "SweepSpec":
        """Read a ``.json`` or ``.toml`` specification (data only: no code is evaluated)."""
        path = Path(path)
        if not path.is_file():
            raise SweepSpecError(f"sweep specification {path} is not a file")
        text = path.read_bytes()
        try:
            if path.suffix == ".json":
                spec = json.loads(text)
            elif path.suffix == ".toml":
                try:
                    import tomllib
                except ImportError:                  # Python 3.10
                    raise SweepSpecError("TOML specifications need Python ≥ 3.11; use JSON") from None
                spec = tomllib.loads(text.decode())
            else:
                raise SweepSpecError(f"a sweep specification must be a .json or .toml file, got {path.name}")
        except (ValueError, UnicodeDecodeError) as exc:
            if isinstance(exc, SweepSpecError):
                raise
            raise SweepSpecError(f"cannot parse {path}: {exc}") from None
        return cls.from_mapping(spec, base=path.parent)

    @property
    def task_count(self) -> int:
        """The number of parameter sets, Π over the grid axes of their lengths (computed, not listed)."""
        return math.prod(_axis_length(values) for values in self.grid.values())

    def axes_text(self) -> str:
        """The grid's axes and their lengths, e.g. ``seed (100000000 values) × mu (2 values)``."""
        return " × ".join(f"{name} ({plural(_axis_length(values), 'value')})" for name, values in self.grid.items()) \
            or "no grid axes"

    def parameter_sets(self) -> list[dict]:
        return grid(**self.grid)

    def check(self, max_tasks: int | None = DEFAULT_MAX_TASKS) -> None:
        """Refuse a grid of more than ``max_tasks`` parameter sets (None: no limit), counted before any is listed;
        then an unknown task, parameters it does not take, or values outside its declared types and ranges, before
        anything runs or is written."""
        count = self.task_count
        if max_tasks is not None and count > max_tasks:
            raise SweepSpecError(f"the grid expands to {count} tasks ({self.axes_text()}), more than the limit of "
                                 f"{max_tasks}: every task is held in memory and recorded before any runs; shrink "
                                 f"the grid, or raise the limit with --max-tasks {count}")
        name, fn = _resolve(self.task)
        for p in self.parameter_sets():
            _check_parameters(name, fn, _canonical({**self.fixed, **p}))

    def run(self, *, out: str | Path | None = None, scheduler: str | None = None, workers: int | None = None,
            retry_failed: bool | None = None, progress: bool = True,
            on_start: Callable[[int, int], None] | None = None) -> SweepResult:
        """Run the sweep; arguments given here override the file's (``on_start``: see :func:`run_sweep`)."""
        return run_sweep(self.task, self.parameter_sets(), out if out is not None else self.out,
                         fixed=self.fixed, scheduler=scheduler or self.scheduler,
                         workers=workers if workers is not None else self.workers,
                         retry_failed=self.retry_failed if retry_failed is None else retry_failed,
                         progress=progress, on_start=on_start)
