"""Read a data set (X, y) from a file a user names, refusing everything else with a clear error.

Formats:

* ``.npz`` (``numpy.savez(path, X=X, y=y)``): arrays ``X`` (n × d, one row per sample) and
  ``y`` (n,) or (n, 1); read with ``allow_pickle=False`` — a pickled array is refused, never
  unpickled;
* ``.csv``: one row per sample, comma-separated numbers, the last column is y; a first line
  none of whose fields is a number is a header of column names and skipped; UTF-8, with or
  without the byte-order mark Excel writes ("CSV UTF-8"). Fields may be quoted by the standard CSV
  rules (the :mod:`csv` module's default dialect), as R's ``write.csv`` writes them; a header whose
  first field is empty (``"","x1","y"``: R's ``write.csv`` and pandas' ``to_csv`` with row names or
  an index) marks a first column of row names, which is dropped.

Positions (README, *Numbering*): errors about a .csv name its line and column counted from 1, as an
editor or a spreadsheet shows them (line 1 is the file's first line, header included); errors about
the arrays of an .npz name rows, columns and entries counted from 0, as NumPy indexes them.

Every problem raises :class:`DataFileError` naming the file, what is wrong and how to fix it.
"""

from __future__ import annotations

import codecs
import csv
import re
import zipfile
from pathlib import Path

import numpy as np

from .errors import ShapeError, SymsaddleError
from .protocol import sample_arrays

NPZ_HINT = "save the data with numpy.savez('data.npz', X=X, y=y)"
CSV_HINT = "one row per sample, comma-separated numbers, y in the last column"
CSV_POSITION = "(both counted from 1, as editors show them)"


class DataFileError(SymsaddleError, ValueError):
    """A data file that cannot be used: missing, unreadable, or holding the wrong arrays."""


def _numeric(a: np.ndarray, name: str, path: Path) -> np.ndarray:
    kind = a.dtype.kind
    if kind in "US":
        raise DataFileError(f"{path}: {name} holds text ({a.dtype}), not numbers; convert it with "
                            f"{name}.astype(float) before saving")
    if kind == "c":
        raise DataFileError(f"{path}: {name} is complex; the losses here are defined for real data, "
                            f"save {name}.real if the imaginary part is zero")
    if kind not in "biuf":
        raise DataFileError(f"{path}: {name} has dtype {a.dtype}, not a real number type; {NPZ_HINT}")
    a = a.astype(float)
    if not np.all(np.isfinite(a)):
        bad = np.argwhere(~np.isfinite(a))[0].tolist()
        where = f"row {bad[0]}, column {bad[1]}" if a.ndim == 2 else f"entry {', '.join(map(str, bad))}"
        raise DataFileError(f"{path}: {name} contains NaN or inf (first at {where}, counted from 0); remove or "
                            "impute those samples")
    return a


def _shapes(X: np.ndarray, y: np.ndarray, path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(X (n, d), y (n,)) for a single-output data set; the shape errors of :func:`sample_arrays`, naming the file."""
    try:
        X, y = sample_arrays(X, y, d_out=1)
    except ShapeError as exc:
        raise DataFileError(f"{path}: {exc}") from None
    return X, y[:, 0]


def _read_npz(path: Path) -> tuple[np.ndarray, np.ndarray]:
    if not zipfile.is_zipfile(path):
        raise DataFileError(f"{path}: not an .npz archive (not a zip file: truncated, or another format); "
                            f"{NPZ_HINT}")
    try:
        with np.load(path, allow_pickle=False) as data:
            missing = [k for k in ("X", "y") if k not in data.files]
            if missing:
                raise DataFileError(f"{path}: the archive must hold arrays 'X' and 'y'; missing {missing} "
                                    f"(found {sorted(data.files)}); {NPZ_HINT}")
            arrays = {}
            for name in ("X", "y"):
                try:
                    arrays[name] = data[name]
                    if isinstance(arrays[name], bytes):     # a member without the .npy header: NumPy returns its bytes
                        raise DataFileError(f"{path}: {name} is not a NumPy array inside the archive (damaged, or "
                                            f"not written by NumPy); {NPZ_HINT}")
                except ValueError as exc:
                    if "allow_pickle" in str(exc):
                        raise DataFileError(f"{path}: {name} is a pickled (object) array, which symsaddle never "
                                            f"loads; save a numeric array ({name}.astype(float))") from None
                    raise
    except DataFileError:
        raise
    except Exception as exc:  # zipfile, zlib and numpy.lib.format report damage in many ways
        reason = " ".join(str(exc).split())[:120]
        raise DataFileError(f"{path}: the .npz archive is damaged ({type(exc).__name__}: {reason}); {NPZ_HINT}") \
            from None
    return arrays["X"], arrays["y"]


def _is_number(field: str) -> bool:
    try:
        float(field)
    except ValueError:
        return False
    return True


def _separator_hint(line: str, header_line: tuple[int, str] | None) -> str:
    """Why a row did not split into numbers, when its separator is not a comma: ';' or tabs, or spaces (then
    the file's first line, numbers separated by spaces too, was taken for a header, which is said)."""
    if ";" in line or "\t" in line:
        return "; fields are separated by commas"
    words = line.split()
    if "," in line or len(words) < 2 or not all(_is_number(w) for w in words):
        return ""
    said = ""
    if header_line is not None:
        said = (f"; line {header_line[0]} ({header_line[1].strip()[:40]!r}) was read as a header of column names, "
                "having no comma-separated number")
    return f"{said}; the file seems to be space-separated, not comma-separated"


def _fields(path: Path, number: int, line: str) -> list[str]:
    """The fields of one line by the standard CSV quoting rules (``"1","0"`` → ``1``, ``0``)."""
    try:
        return next(csv.reader([line], skipinitialspace=True), [])
    except csv.Error as exc:
        raise DataFileError(f"{path}: line {number} (counted from 1) is not a CSV row ({exc}); "
                            f"a .csv needs {CSV_HINT}") from None


def _utf8_text(path: Path) -> str:
    """The file's text, decoded as UTF-8 (a byte-order mark skipped); a file with NUL bytes is refused as not text
    (binary, or UTF-16), another that is not UTF-8 (e.g. Latin-1 ``xé``) by its first such byte, line and column."""
    raw = path.read_bytes()
    if b"\0" in raw:
        raise DataFileError(f"{path}: not a text file (it holds NUL bytes: a binary file, or text in UTF-16); save "
                            f"it as UTF-8 text; a .csv needs {CSV_HINT}")
    raw = raw.removeprefix(codecs.BOM_UTF8)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line_start = raw.rfind(b"\n", 0, exc.start) + 1
        line = raw.count(b"\n", 0, exc.start) + 1
        column = len(raw[line_start:exc.start].decode("utf-8")) + 1       # characters, as editors count them
        raise DataFileError(f"{path}: not UTF-8 (byte 0x{raw[exc.start]:02x} on line {line}, column {column} "
                            f"{CSV_POSITION}; Latin-1 or Windows-1252 text?); save it as UTF-8") from None


def _read_csv(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Rows of comma-separated numbers; a first row is a header (column names) only if none of its
    fields is a number — a first row with some numbers and a bad field is a data row and refused, never
    dropped. A UTF-8 byte-order mark is skipped. Errors name the file's line and column, both counted
    from 1 as editors show them (:data:`CSV_POSITION`), and say when line 1 was read as a header.
    Fields are split by the standard CSV quoting rules; a header whose first field is empty marks a column of
    row names (R, pandas), dropped from every row."""
    text = _utf8_text(path)
    lines = [(number, line) for number, line in enumerate(text.splitlines(), start=1) if line.strip()]
    header, header_line = None, None
    if lines and not any(_is_number(v) for f in _fields(path, *lines[0]) for v in re.split(r"[;\t]", f)):
        header_line, lines = lines[0], lines[1:]
        header = _fields(path, *header_line)    # a header of column names (a row of numbers split by ';' or
                                                # tabs is a data row, refused)
    row_names = header is not None and len(header) > 1 and not header[0].strip()
    if row_names:
        header = header[1:]
    if not lines:
        said = "" if header_line is None else f" (line {header_line[0]} was read as a header of column names)"
        spaced = "" if header_line is None else _separator_hint(header_line[1], None)
        raise DataFileError(f"{path}: no data rows{said}{spaced}; a .csv needs {CSV_HINT}")
    rows = []
    for number, line in lines:
        fields = _fields(path, number, line)[1:] if row_names else _fields(path, number, line)
        bad = [j for j, v in enumerate(fields) if not _is_number(v)]
        if bad and not fields[bad[0]].strip():
            raise DataFileError(f"{path}: line {number}, column {bad[0] + 1 + row_names} {CSV_POSITION} is empty (a "
                                "missing value); fill it in, or remove that sample")
        if bad:
            raise DataFileError(f"{path}: line {number}, column {bad[0] + 1 + row_names} {CSV_POSITION} is not "
                                f"a number ({fields[bad[0]].strip()[:40]!r}){_separator_hint(line, header_line)}; "
                                f"a .csv needs {CSV_HINT}")
        values = [float(v) for v in fields]
        infinite = [j for j, v in enumerate(values) if not np.isfinite(v)]
        if infinite:
            raise DataFileError(f"{path}: line {number}, column {infinite[0] + 1 + row_names} {CSV_POSITION} is NaN or inf "
                                f"({fields[infinite[0]].strip()[:40]!r}); remove or impute that sample")
        width = len(rows[0]) if rows else (len(header) if header else len(values))
        if len(values) != width:
            raise DataFileError(f"{path}: line {number} has {len(values)} columns, the "
                                f"{'first row' if rows else 'header'} {width}; every row needs d features and y")
        rows.append(values)
    table = np.array(rows, dtype=float)
    if table.shape[1] < 2:
        raise DataFileError(f"{path}: rows need at least two columns (features, then y); {CSV_HINT}")
    return table[:, :-1], table[:, -1]


def load_xy(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """X (n × d) and y (n,) as finite float arrays from an ``.npz`` or ``.csv`` file."""
    path = Path(path)
    if path.is_dir():
        raise DataFileError(f"{path} is a folder; give the path of an .npz or .csv data file")
    if not path.exists():
        raise DataFileError(f"data file {path} does not exist; check the path")
    suffix = path.suffix.lower()
    if suffix == ".npy":
        raise DataFileError(f"{path}: an .npy file holds one array, but X and y are both needed; {NPZ_HINT}")
    if suffix not in (".npz", ".csv"):
        raise DataFileError(f"{path}: unsupported file type {suffix or '(none)'!r}; use .npz ({NPZ_HINT}) "
                            f"or .csv ({CSV_HINT})")
    try:
        X, y = _read_npz(path) if suffix == ".npz" else _read_csv(path)
    except PermissionError:
        raise DataFileError(f"{path}: permission denied; make the file readable") from None
    X, y = _numeric(np.asarray(X), "X", path), _numeric(np.asarray(y), "y", path)
    return _shapes(X, y, path)
