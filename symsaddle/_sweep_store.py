"""On-disk results of a sweep: an append-only JSON-lines log and a tidy table derived from it.

``results.jsonl`` is the source of truth: one JSON object per finished task, appended with a
single ``write`` on a file opened with ``O_APPEND`` and flushed to disk (``fsync``) before the
next task is recorded, so a record is either entirely in the file or not at all; a line cut by
a crash (no trailing newline) is dropped when the log is reopened. ``results.csv`` (and
``results.parquet`` when pyarrow is installed) is the tidy table — one row per task, every cell
a scalar (number, string, boolean or empty), rewritten from the log to a temporary file and
moved into place (``os.replace``), so readers never see a half-written table. Parameters and
results are flattened into columns (:func:`flatten_to_cells`): a mapping ``{"bound": {"M": 2.0}}`` gives the
column ``bound.M``, a list of at most :data:`MAX_LIST_COLUMNS` scalars ``{"widths": [5, 5, 5]}`` the
columns ``widths.0 … widths.2``. Longer lists and lists of lists or mappings stay in
``results.jsonl`` only; the column :data:`JSONL_ONLY` names them (e.g. ``runs``) for each row, whose
``key`` finds its record there (``load_sweep(folder)[key].result``).
"""

from __future__ import annotations

import csv
import json
import os
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from .reports import to_jsonable

LOG_NAME, TABLE_NAME, PARQUET_NAME, MANIFEST_NAME = "results.jsonl", "results.csv", "results.parquet", "sweep.json"

#: A list of scalars up to this length becomes one column per entry; a longer one stays in the log only.
MAX_LIST_COLUMNS = 10
#: The table column naming, for each row, the fields (flattened names) kept in ``results.jsonl`` only.
JSONL_ONLY = f"only_in_{LOG_NAME.replace('.', '_')}"


class TaskStatus(str, Enum):
    OK = "ok"
    FAILED = "failed"


@dataclass(frozen=True)
class TaskRecord:
    """One finished task: its identity, parameters, and result or error."""

    key: str
    task: str
    params: dict
    status: TaskStatus
    result: dict | None
    error: str | None
    seconds: float

    def to_dict(self) -> dict:
        return {"key": self.key, "task": self.task, "params": self.params, "status": self.status.value,
                "result": self.result, "error": self.error, "seconds": self.seconds}

    @classmethod
    def from_dict(cls, d: dict) -> "TaskRecord":
        return cls(d["key"], d["task"], d["params"], TaskStatus(d["status"]), d.get("result"), d.get("error"),
                   float(d.get("seconds", 0.0)))


class ResultStore:
    """The results folder of one sweep: append records, read them back, write the table."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.log = self.folder / LOG_NAME
        self.table = self.folder / TABLE_NAME

    def open(self) -> dict[str, TaskRecord]:
        """Create the folder, drop a torn last line, and return the latest record per task key."""
        self.folder.mkdir(parents=True, exist_ok=True)
        if not self.log.exists():
            return {}
        data = self.log.read_bytes()
        end = data.rfind(b"\n") + 1
        if end < len(data):                          # a record cut by a crash: never completed
            with open(self.log, "r+b") as fh:
                fh.truncate(end)
                os.fsync(fh.fileno())
        return self.read()

    def read(self) -> dict[str, TaskRecord]:
        """The latest complete record of every task key in the log."""
        records: dict[str, TaskRecord] = {}
        if not self.log.exists():
            return records
        with open(self.log, "rb") as fh:
            for line in fh:
                if line.endswith(b"\n"):
                    rec = TaskRecord.from_dict(json.loads(line))
                    records[rec.key] = rec
        return records

    def append(self, record: TaskRecord) -> None:
        line = (json.dumps(to_jsonable(record.to_dict()), sort_keys=True, allow_nan=False) + "\n").encode()
        fd = os.open(self.log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            written = os.write(fd, line)
            if written != len(line):                 # never split a record over two writes
                raise OSError(f"short write to {self.log} ({written} of {len(line)} bytes)")
            os.fsync(fd)
        finally:
            os.close(fd)

    def write_table(self, records: dict[str, TaskRecord]) -> Path:
        """Rewrite the tidy table (one row per task, ordered by parameters) atomically from ``records``."""
        rows = [_row(r) for r in sorted(records.values(), key=_order)]
        columns = _columns(rows)
        tmp = self.table.with_name(self.table.name + ".tmp")
        with open(tmp, "w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=columns)
            writer.writeheader()
            writer.writerows(rows)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.table)
        _write_parquet(rows, self.folder / PARQUET_NAME)
        return self.table


def _order(rec: TaskRecord) -> tuple:
    """Rows ordered by task, then parameter values (numbers numerically), then key."""
    def value(v):
        return (0, v, "") if isinstance(v, (int, float)) and not isinstance(v, bool) else (1, 0, json.dumps(v))
    return rec.task, tuple((name, value(v)) for name, v in sorted(rec.params.items())), rec.key


def _is_scalar(value) -> bool:
    return value is None or isinstance(value, (bool, int, float, str))


def flatten_to_cells(name: str, value, columns: dict, kept_out: list) -> None:
    """Add ``value`` to ``columns`` as scalar cells: a scalar under ``name``; a mapping's entries under
    ``name.key`` (recursively; an empty mapping gives no column); a list of at most
    :data:`MAX_LIST_COLUMNS` scalars under ``name.0``, ``name.1``, … (an empty list gives none). A longer
    list, or one holding lists or mappings, gives no column: its name is appended to ``kept_out``."""
    if isinstance(value, dict):
        for key, sub in value.items():
            flatten_to_cells(f"{name}.{key}", sub, columns, kept_out)
    elif isinstance(value, (list, tuple)):
        if len(value) <= MAX_LIST_COLUMNS and all(_is_scalar(v) for v in value):
            for i, v in enumerate(value):
                columns[f"{name}.{i}"] = v
        else:
            kept_out.append(name)
    else:
        columns[name] = value


def _row(rec: TaskRecord) -> dict:
    """One task as scalar cells: identity and status, the flattened parameters, then the flattened results
    (prefixed ``result.`` where a name is taken), and :data:`JSONL_ONLY`."""
    row = {"key": rec.key, "task": rec.task, "status": rec.status.value, "error": rec.error or "",
           "seconds": rec.seconds}
    kept_out: list[str] = []
    for name, v in rec.params.items():
        flatten_to_cells(name, v, row, kept_out)
    results: dict = {}
    for name, v in (rec.result or {}).items():
        flatten_to_cells(name, v, results, kept_out)
    for name, v in results.items():
        row[name if name not in row else f"result.{name}"] = v
    row[JSONL_ONLY] = " ".join(kept_out)
    return row


def _columns(rows: list[dict]) -> list[str]:
    """Every row's columns in order of appearance, a column first met in a later row placed after the one
    that precedes it there (``widths.3`` after ``widths.2``), :data:`JSONL_ONLY` last."""
    columns: list[str] = []
    for row in rows:
        at = 0
        for name in row:
            if name not in columns:
                columns.insert(at, name)
            at = columns.index(name) + 1
    if JSONL_ONLY in columns:
        columns.remove(JSONL_ONLY)
        columns.append(JSONL_ONLY)
    return columns


def _write_parquet(rows: list[dict], path: Path) -> None:
    try:
        import pyarrow
        import pyarrow.parquet as pq
    except ImportError:
        return
    tmp = path.with_name(path.name + ".tmp")
    columns = _columns(rows)
    as_text = {c for c in columns if len({type(r.get(c)) for r in rows} - {type(None)}) > 1}
    table = pyarrow.Table.from_pylist([{c: (str(r[c]) if c in as_text and c in r else r.get(c)) for c in columns}
                                       for r in rows])
    pq.write_table(table, tmp)
    os.replace(tmp, path)
