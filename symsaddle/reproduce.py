"""Registry of reproduction cases, filled by the analysis slices.

A case is a function ``run(out_dir, progress) -> dict`` that recomputes one experiment
of a seed document, writes its tables and figures to ``out_dir`` (if given) and returns
a JSON-serialisable result. Slices register their cases with :func:`case`; the CLI
command ``symsaddle reproduce <name>`` runs them.
"""

from __future__ import annotations

import argparse
import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from .errors import SymsaddleError

#: Modules that define cases; each registers its cases when imported.
CASE_MODULES = (
    "symsaddle.diagonal.cases",
    "symsaddle.deep_linear.cases",
    "symsaddle.ncf.cases",
    "symsaddle.symmetry.cases_teacher",
)


# --- case options (teacher branch): a case may declare command-line options ---------------------
@dataclass(frozen=True)
class CaseOption:
    """A command-line option of one case, e.g. ``CaseOption("inits", int, 1000, "number of initialisations")``
    → ``symsaddle reproduce <case> --inits N``; the case's ``run`` receives it as the keyword ``inits``."""

    name: str
    type: type
    default: object
    help: str = ""

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")
# --- end case options ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    summary: str
    run: Callable[..., dict]
    options: tuple[CaseOption, ...] = ()

    def parse_options(self, argv: Sequence[str] = ()) -> dict:
        """The case's options from command-line words (defaults for those not given); unknown words
        or values of the wrong type raise :class:`SymsaddleError`."""
        parser = argparse.ArgumentParser(prog=f"symsaddle reproduce {self.name}", add_help=False,
                                         exit_on_error=False)
        for opt in self.options:
            parser.add_argument(opt.flag, dest=opt.name, type=opt.type, default=opt.default, help=opt.help)
        try:
            ns, unknown = parser.parse_known_args(list(argv))
        except argparse.ArgumentError as exc:
            raise SymsaddleError(f"case {self.name!r}: {exc}") from None
        if unknown:
            known = ", ".join(o.flag for o in self.options) or "none"
            raise SymsaddleError(f"case {self.name!r} does not take {' '.join(unknown)}; its options: {known}")
        return vars(ns)


_CASES: dict[str, Case] = {}


def case(name: str, summary: str, options: Sequence[CaseOption] = ()):
    """Decorator registering ``run(out_dir, progress, **options) -> dict`` as reproduction case ``name``."""
    def register(fn):
        if name in _CASES:
            raise ValueError(f"reproduction case {name!r} registered twice")
        _CASES[name] = Case(name, summary, fn, tuple(options))
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
