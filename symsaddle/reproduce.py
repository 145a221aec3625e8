"""Registry of reproduction cases, filled by the analysis slices.

A case is a function ``run(out_dir, progress) -> dict`` that recomputes one experiment
of a seed document, writes its tables and figures to ``out_dir`` (if given) and returns
a JSON-serialisable result. Slices register their cases with :func:`case`; the CLI
command ``symsaddle reproduce <name>`` runs them.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

#: Modules that define cases; each registers its cases when imported.
CASE_MODULES = (
    "symsaddle.diagonal.cases",
    "symsaddle.deep_linear.cases",
    "symsaddle.ncf.cases",
    "symsaddle.symmetry.cases",
)


@dataclass(frozen=True)
class Case:
    name: str
    summary: str
    run: Callable[[Path | None, bool], dict]


_CASES: dict[str, Case] = {}


def case(name: str, summary: str):
    """Decorator registering ``run(out_dir, progress) -> dict`` as reproduction case ``name``."""
    def register(fn):
        if name in _CASES:
            raise ValueError(f"reproduction case {name!r} registered twice")
        _CASES[name] = Case(name, summary, fn)
        return fn
    return register


def cases() -> dict[str, Case]:
    """All registered cases (importing the slice modules that exist)."""
    for mod in CASE_MODULES:
        try:
            importlib.import_module(mod)
        except ModuleNotFoundError as exc:  # a slice not built yet
            if exc.name is None or not mod.startswith(exc.name):
                raise
    return dict(sorted(_CASES.items()))
