"""Claim bookkeeping for the seed-003 derivation scripts: each claim is confirmed or refuted, and a
mismatch raises :class:`ClaimMismatch` naming the claim (never a bare ``assert``, which ``python -O``
would skip)."""

from __future__ import annotations

import sympy as sp


class ClaimMismatch(RuntimeError):
    """The toolkit's derivation does not give the outcome this script expects for a seed claim."""


def same(a, b) -> bool:
    """Symbolic equality: the difference expands to zero (or, failing that, simplifies to zero)."""
    diff = sp.Matrix(a) - sp.Matrix(b) if isinstance(a, sp.MatrixBase) else sp.sympify(a) - b
    for reduce in (sp.expand, sp.simplify):
        diff = diff.applyfunc(reduce) if isinstance(diff, sp.MatrixBase) else reduce(diff)
        if (diff.is_zero_matrix if isinstance(diff, sp.MatrixBase) else diff == 0):
            return True
    return False


def confirm(claim: str, ours, seed) -> None:
    if not same(ours, seed):
        raise ClaimMismatch(f"expected to confirm «{claim}», but the toolkit gives {ours} and the seed {seed}")
    print(f"CONFIRMED  {claim}")


def refute(claim: str, ours, seed, correction: str) -> None:
    if same(ours, seed):
        raise ClaimMismatch(f"expected the seed to be wrong on «{claim}», but both give {ours}")
    print(f"SEED WRONG {claim}\n           seed:    {sp.sstr(seed)}\n           correct: {sp.sstr(ours)}"
          f"\n           {correction}")


def confirm_that(claim: str, condition) -> None:
    """Confirm a claim that is a true/false statement (SymPy or Python booleans)."""
    if not bool(condition):
        raise ClaimMismatch(f"expected to confirm «{claim}», but it is false")
    print(f"CONFIRMED  {claim}")


def require(condition: bool, what: str) -> None:
    if not condition:
        raise ClaimMismatch(f"derivation step failed: {what}")
