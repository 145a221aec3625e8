"""``symsaddle reproduce <case>``: the reproduction cases the slices register.

A case is ``run(out_dir, progress) -> dict`` registered with :func:`case` (see
:mod:`symsaddle.registry`, which also explains how a slice is discovered); it recomputes one
experiment of a paper, writes its tables and figures to ``out_dir`` (if given) and returns a
JSON-serialisable result whose ``"text"`` is its human-readable summary.
"""

from __future__ import annotations

from .registry import Case, CaseOption, case, load

__all__ = ["Case", "CaseOption", "case", "cases"]


def cases() -> dict[str, Case]:
    """All registered cases by name (loading the slices on first use)."""
    return dict(sorted(load().cases.items()))
