"""On-disk results of a sweep: an append-only JSON-lines log and a tidy table derived from it.

``results.jsonl`` is the source of truth: one JSON object per finished task, appended with a
single ``write`` on a file opened with ``O_APPEND`` and flushed to disk (``fsync``) before the
next task is recorded, so a record is either entirely in the file or not at all; a line cut by
a crash (no trailing newline) is dropped when the log is reopened. ``results.csv`` (and
``results.parquet`` when pyarrow is installed) is the tidy table — one row per task, the
parameters and the scalar results as columns — rewritten from the log to a temporary file
and moved into place (``os.replace``), so readers never see a half-written table.
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
        columns = list(dict.fromkeys(c for row in rows for c in row))
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


def _cell(value):
    """Scalars as themselves; lists and mappings as JSON text."""
    return json.dumps(value, sort_keys=True) if isinstance(value, (list, dict)) else value


def _row(rec: TaskRecord) -> dict:
    row = {"key": rec.key, "task": rec.task, "status": rec.status.value, "error": rec.error or "",
           "seconds": rec.seconds}
    row.update({name: _cell(v) for name, v in rec.params.items()})
    for name, v in (rec.result or {}).items():
        row[name if name not in row else f"result.{name}"] = _cell(v)
    return row


def _write_parquet(rows: list[dict], path: Path) -> None:
    try:
        import pyarrow
        import pyarrow.parquet as pq
    except ImportError:
        return
    tmp = path.with_name(path.name + ".tmp")
    columns = list(dict.fromkeys(c for row in rows for c in row))
    as_text = {c for c in columns if len({type(r.get(c)) for r in rows} - {type(None)}) > 1}
    table = pyarrow.Table.from_pylist([{c: (str(r[c]) if c in as_text and c in r else r.get(c)) for c in columns}
                                       for r in rows])
    pq.write_table(table, tmp)
    os.replace(tmp, path)
