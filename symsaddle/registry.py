"""What slices add to symsaddle: reproduction cases and command-line commands.

The core never imports a slice. A slice (or any package) declares entry points in the group
``symsaddle.slices`` of its ``pyproject.toml``; each names a module whose import registers
its cases and commands with the decorators below, or a function ``register(registry)``::

    [project.entry-points."symsaddle.slices"]
    diagonal = "symsaddle.diagonal.cases"

    # symsaddle/diagonal/cases.py
    from symsaddle.registry import case

    @case("diagonal-saddle-to-saddle-d7n5", "…", paper="Pesme & Flammarion 2023",
          topic="diagonal linear networks", runtime="45–80 s", renamed_from=("diagonal-d7n5",))
    def run(out_dir: Path | None, progress: bool) -> dict: ...

    # symsaddle/diagonal/command.py
    from symsaddle.registry import command

    @command("saddles", "…", arguments=add_arguments)
    def saddles(args: argparse.Namespace) -> dict: ...

:func:`load` reads the entry points once (entry points are installed metadata: after adding
one, reinstall with ``pip install -e .``). A case returns a JSON-serialisable dict; its
``"text"`` entry is what the CLI prints in text mode, ``"files"`` the files it wrote.
"""

from __future__ import annotations

import argparse
import math
import difflib
import importlib.metadata
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from .errors import SymsaddleError

ENTRY_POINT_GROUP = "symsaddle.slices"

#: Where the runtimes that cases declare were measured.
RUNTIME_MACHINE = "with the default options, measured on a 2-core machine; a range spans a quiet to a busy machine"


class UnknownCaseError(SymsaddleError, ValueError):
    """A reproduction case name that no slice registered."""


class CaseOptionError(SymsaddleError, ValueError):
    """An option a reproduction case does not take, or a value of the wrong type."""


@dataclass(frozen=True)
class CaseOption:
    """A command-line option of one case: ``CaseOption("inits", int, 1000, "number of initialisations")``
    gives ``symsaddle reproduce <case> --inits N``, passed to ``run`` as the keyword ``inits``."""

    name: str
    type: type
    default: object
    help: str = ""
    #: smallest allowed value (numbers), inclusive unless ``strict``
    minimum: float | None = None
    strict: bool = False
    #: the allowed values (strings)
    choices: tuple[str, ...] | None = None
    #: the type of every entry of a list option (then ``minimum`` bounds every entry)
    items: type | None = None
    #: a further check of a value of the right type (e.g. a network's widths), raising ValueError naming the problem
    validate: Callable[[object], object] | None = None

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    def check(self, value, label: str | None = None) -> None:
        """Raise :class:`CaseOptionError` naming the option (``label``, default its flag) and its valid values
        if ``value`` is not one of them: of the wrong type (an int is a float, a bool is no number), not
        among ``choices``, below ``minimum``, a list with an entry not of type ``items`` (or below ``minimum``),
        a mapping with a key its default mapping does not have (checked at every level of nesting), or refused
        by ``validate``."""
        label = label or self.flag
        if not _is_of(value, self.type):
            raise CaseOptionError(f"{label} must be of type {self.type.__name__}; got {value!r}")
        if isinstance(self.default, dict):
            _check_keys(value, self.default, label)
        if self.choices is not None and value not in self.choices:
            raise CaseOptionError(f"{label} must be one of {', '.join(self.choices)}; got {value!r}")
        if self.items is not None:
            for i, item in enumerate(value):
                if not _is_of(item, self.items):
                    raise CaseOptionError(f"{label} must be a list of {self.items.__name__}; entry {i} is {item!r}")
                self._check_minimum(item, f"{label} entry {i}")
        else:
            self._check_minimum(value, label)
        if self.validate is not None:
            try:
                self.validate(value)
            except ValueError as exc:
                raise CaseOptionError(f"{label}: {exc}") from None

    def _check_minimum(self, value, label: str) -> None:
        if self.minimum is not None:
            bad = value <= self.minimum if self.strict else value < self.minimum
            if bad or not math.isfinite(value):
                kind = "an integer" if self.type is int or self.items is int else "a finite number"
                raise CaseOptionError(f"{label} must be {kind} {self.bound}; got {value!r}")

    @property
    def bound(self) -> str:
        """The range of a number, e.g. "≥ 1" (empty without ``minimum``)."""
        if self.minimum is None:
            return ""
        return f"> {self.minimum:g}" if self.strict else f"≥ {self.minimum:g}"


def _is_of(value, kind: type) -> bool:
    """``value`` is of type ``kind``: an int is a float, a bool is no number."""
    if kind is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, kind) and (kind is bool or not isinstance(value, bool))


def _check_keys(value, known: dict, label: str) -> None:
    """Refuse keys of the mapping ``value`` that ``known`` (the default) does not have, naming those it has."""
    if not isinstance(value, dict):
        raise CaseOptionError(f"{label} must be a mapping; got {value!r}")
    unknown = sorted(set(value) - set(known), key=str)
    if unknown:
        raise CaseOptionError(f"{label} has no field {' or '.join(map(repr, unknown))}; "
                              f"its fields: {', '.join(map(str, known))}")
    for key, sub in value.items():
        if isinstance(known[key], dict):
            _check_keys(sub, known[key], f"{label}[{key!r}]")


@dataclass(frozen=True)
class Case:
    """One reproduction: ``run(out_dir, progress, **options)`` (plus ``quick=True`` when ``quick``
    describes a reduced run) recomputes an experiment of ``paper`` and returns a dict. ``runtime`` is
    its typical wall-clock time with the default options, as measured on a 2-core machine
    (e.g. "≈ 1 min"; see :data:`RUNTIME_MACHINE`)."""

    name: str
    summary: str
    paper: str
    topic: str
    run: Callable[..., dict]
    quick: str | None = None
    renamed_from: tuple[str, ...] = ()
    options: tuple[CaseOption, ...] = ()
    runtime: str | None = None

    @property
    def runtime_text(self) -> str:
        """The runtime as ``reproduce list`` and ``reproduce CASE --help`` show it."""
        return self.runtime or "not stated"

    def __call__(self, out_dir: Path | None, progress: bool, quick: bool = False, **options) -> dict:
        if quick:
            if self.quick is None:
                raise SymsaddleError(f"case {self.name!r} has no quick mode; run it without --quick")
            return self.run(out_dir, progress, quick=True, **options)
        return self.run(out_dir, progress, **options)

    def parser(self, parents: Sequence[argparse.ArgumentParser] = ()) -> argparse.ArgumentParser:
        """The parser of the case's own options (after those of ``parents``); its help, printed by
        ``symsaddle reproduce <case> --help``, gives each option's type, allowed values and default."""
        parser = argparse.ArgumentParser(prog=f"symsaddle reproduce {self.name}", add_help=False,
                                         exit_on_error=False, parents=parents,
                                         description=f"{self.summary} — {self.paper}. Typical runtime: "
                                                     f"{self.runtime_text} ({RUNTIME_MACHINE}).",
                                         epilog=None if self.options else f"{self.name} has no options of its own")
        group = parser.add_argument_group(f"options of {self.name}")
        for opt in self.options:
            kind = {int: "whole number", float: "number"}.get(opt.type, opt.type.__name__)
            allowed = f"one of {', '.join(opt.choices)}" if opt.choices else f"{kind} {opt.bound}".strip()
            group.add_argument(opt.flag, dest=opt.name, type=opt.type, default=opt.default,
                               metavar=opt.name.upper() if opt.choices is None else "{" + ",".join(opt.choices) + "}",
                               help=f"{opt.help}; {allowed}; default {opt.default}".replace("%", "%%"))
        return parser

    def parse_options(self, words: Sequence[str] = ()) -> dict:
        """The case's options from command-line words (defaults for those not given); an unknown word
        or a value of the wrong type raises :class:`SymsaddleError` naming the case's options."""
        known = ", ".join(f"{o.flag} ({o.type.__name__}, default {o.default})" for o in self.options) or "none"
        try:
            values, unknown = self.parser().parse_known_args(list(words))
        except argparse.ArgumentError as exc:
            raise CaseOptionError(f"case {self.name!r}: {exc}; its options: {known}") from None
        if unknown:
            raise CaseOptionError(f"case {self.name!r} does not take {' '.join(unknown)}; its options: {known}")
        for opt in self.options:
            try:
                opt.check(getattr(values, opt.name))
            except CaseOptionError as exc:
                raise CaseOptionError(f"case {self.name!r}: {exc}") from None
        return vars(values)


@dataclass(frozen=True)
class Command:
    """A CLI command ``symsaddle <name>``: ``arguments(parser)`` adds its options, ``run(args)``
    returns a dict like a case. The CLI adds ``--json``, ``--out``, ``--force`` and ``--debug``;
    ``default_out`` is the folder written when ``--out`` is not given (None: no files)."""

    name: str
    help: str
    run: Callable[[argparse.Namespace], dict]
    arguments: Callable[[argparse.ArgumentParser], None] | None = None
    default_out: str | None = None


@dataclass
class Registry:
    cases: dict[str, Case] = field(default_factory=dict)
    commands: dict[str, Command] = field(default_factory=dict)
    renamed: dict[str, str] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)

    def case(self, name: str, summary: str, *, paper: str = "", topic: str = "", runtime: str | None = None,
             quick: str | None = None, renamed_from: tuple[str, ...] = (), options: Sequence[CaseOption] = ()):
        """Decorator registering ``run`` as reproduction case ``name``: ``paper`` is the publication it
        follows, ``topic`` the model and phenomenon (``reproduce list`` groups by it), ``runtime`` its
        typical wall-clock time with the default options on a 2-core machine, e.g. "≈ 1 min" (the tests
        require all three of every case symsaddle ships), ``quick`` describes a reduced run,
        ``renamed_from`` keeps old names working, ``options`` are the case's own command-line options."""
        def register(run):
            for key in (name, *renamed_from):
                if key in self.cases or key in self.renamed:
                    raise ValueError(f"reproduction case {key!r} registered twice")
            self.cases[name] = Case(name, summary, paper, topic, run, quick, tuple(renamed_from),
                                   tuple(options), runtime)
            self.renamed.update({old: name for old in renamed_from})
            return run
        return register

    def command(self, name: str, help: str, *, arguments: Callable[[argparse.ArgumentParser], None] | None = None,
                default_out: str | None = None):
        """Decorator registering ``run(args) -> dict`` as the CLI command ``symsaddle <name>``; besides its own
        options, ``args`` has ``out``, ``json``, ``force`` and ``progress`` (``--progress`` resolved: True when
        progress bars are to be shown, to pass to every long loop's ``progress=``)."""
        def register(run):
            if name in self.commands:
                raise ValueError(f"command {name!r} registered twice")
            self.commands[name] = Command(name, help, run, arguments, default_out)
            return run
        return register

    def find_case(self, name: str) -> Case:
        """The case called ``name`` (or formerly called so)."""
        if name in self.cases:
            return self.cases[name]
        if name in self.renamed:
            return self.cases[self.renamed[name]]
        from .reports import plural      # not at the top: the CLI imports this module for --version

        close = difflib.get_close_matches(name, [*self.cases, *self.renamed], n=3, cutoff=0.5)
        hint = f"; did you mean {' or '.join(self.renamed.get(c, c) for c in close)}?" if close else ""
        raise UnknownCaseError(f"unknown case {name!r}{hint} ('symsaddle reproduce list' shows all "
                               f"{plural(len(self.cases), 'case')})")


REGISTRY = Registry()
case = REGISTRY.case
command = REGISTRY.command
_LOADED = False


def load() -> Registry:
    """Import every ``symsaddle.slices`` entry point once and return the filled registry.

    A slice that fails to import is recorded in ``registry.failures`` (the CLI prints a
    warning naming it) instead of disabling every other slice.
    """
    global _LOADED
    if not _LOADED:
        _LOADED = True
        for ep in sorted(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
            try:
                obj = ep.load()
                if callable(obj):
                    obj(REGISTRY)
            except Exception as exc:  # a broken slice must not take the others down
                REGISTRY.failures[ep.name] = f"{ep.value}: {type(exc).__name__}: {exc}"
        if not REGISTRY.cases and not REGISTRY.failures:
            print("symsaddle: warning: no slices are registered — is symsaddle installed "
                  "(pip install -e .)?", file=sys.stderr)
    return REGISTRY
