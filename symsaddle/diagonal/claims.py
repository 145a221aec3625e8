"""Seed 000's quantitative claims, each checked against an independent computation of the toolkit.

A :class:`Claim` holds the seed's statement and number, the toolkit's number and a verdict:
``confirmed`` (agrees to the precision the seed prints), ``refuted`` (disagrees; the note says
which side is wrong and why) or ``not reproducible`` (the seed lacks what is needed).
The case functions of :mod:`symsaddle.diagonal.cases` build these lists from their results.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import Enum

import numpy as np


class Verdict(str, Enum):
    CONFIRMED = "confirmed"
    REFUTED = "refuted"
    NOT_REPRODUCIBLE = "not reproducible"


@dataclass(frozen=True)
class Claim:
    where: str
    statement: str
    seed: str
    toolkit: str
    verdict: Verdict
    note: str = ""

    def to_dict(self) -> dict:
        d = asdict(self)
        d["verdict"] = self.verdict.value
        return d


def close(ours, seed, digits: int = 4) -> bool:
    """Agreement to the seed's printed precision: |ours − seed| ≤ 0.6·10^−digits (entrywise)."""
    ours, seed = np.asarray(ours, dtype=float), np.asarray(seed, dtype=float)
    return ours.shape == seed.shape and bool(np.all(np.abs(ours - seed) <= 0.6 * 10.0 ** -digits))


def numeric(where: str, statement: str, seed, ours, *, digits: int = 4, note_if_wrong: str = "",
            note: str = "") -> Claim:
    """A claim about numbers: confirmed when they agree to ``digits`` decimals."""
    ok = close(ours, seed, digits)
    fmt = f"{{:.{digits}f}}"

    def entry(v: float) -> str:
        text = fmt.format(v)
        return fmt.format(0.0) if float(text) == 0.0 else text      # −1e-17 and −0 print as 0.0000, not −0.0000

    def show(a):
        a = np.atleast_1d(np.asarray(a, dtype=float))
        return "[" + ", ".join(entry(v) for v in a) + "]" if a.size > 1 else entry(a[0])
    return Claim(where, statement, show(seed), show(ours), Verdict.CONFIRMED if ok else Verdict.REFUTED,
                 note if ok else (note_if_wrong or note))


def rows(claims) -> list[dict]:
    return [c.to_dict() for c in claims]
