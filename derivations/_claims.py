"""Shared bookkeeping for the derivation scripts: each claim of a seed is confirmed or refuted.

``confirm`` checks that the toolkit's derivation equals the seed's formula; ``refute`` that it
does not (the seed is wrong there) and records the correction; ``confirm_number`` /
``refute_number`` do the same for a number the seed prints, within a stated tolerance. Every
comparison with a seed prints one line starting with its verdict (``CONFIRMED`` or
``SEED WRONG``). A derivation that does not come out as the script expects raises
:class:`ClaimError` (never ``assert``, which ``python -O`` removes), so the script exits
non-zero with the claim named; ``require`` does the same for the scripts' own consistency checks.
"""

from __future__ import annotations

import sympy as sp


class ClaimError(RuntimeError):
    """A derivation script found something other than what it states about a seed's claim."""


def require(condition, message: str) -> None:
    """Raise :class:`ClaimError` with ``message`` unless ``condition`` holds."""
    if not bool(condition):
        raise ClaimError(message)


def same(a, b) -> bool:
    """Symbolic equality of expressions or matrices (difference simplifies to zero)."""
    diff = sp.simplify(sp.Matrix(a) - sp.Matrix(b)) if isinstance(a, sp.MatrixBase) else sp.simplify(a - b)
    return diff.is_zero_matrix if isinstance(diff, sp.MatrixBase) else diff == 0


def confirm(claim: str, ours, seed) -> None:
    require(same(ours, seed), f"expected to confirm «{claim}», but toolkit gives {ours} vs seed {seed}")
    print(f"CONFIRMED  {claim}")


def refute(claim: str, ours, seed, correction: str) -> None:
    require(not same(ours, seed), f"expected the seed to be wrong on «{claim}», but both give {ours}")
    print(f"SEED WRONG {claim}\n           seed:    {_indented(sp.sstr(seed))}\n"
          f"           correct: {_indented(sp.sstr(ours))}\n           {correction}")


def _indented(text: str) -> str:
    """Continuation lines of a printed matrix, indented under the verdict line they belong to."""
    return text.replace("\n", "\n" + " " * 20)


def confirm_number(claim: str, ours: float, seed: float, tol: float) -> None:
    """The seed's printed number ``seed`` equals ours to ``tol`` (its last printed digit)."""
    require(abs(float(ours) - float(seed)) <= tol,
            f"expected to confirm «{claim}»: toolkit gives {float(ours):.10g}, seed {seed} (tolerance {tol:g})")
    print(f"CONFIRMED  {claim}: {float(ours):.10g} (seed {seed}, agree to {tol:g})")


def refute_number(claim: str, ours: float, seed: float, tol: float, correction: str) -> None:
    """The seed's printed number ``seed`` differs from ours by more than ``tol``."""
    require(abs(float(ours) - float(seed)) > tol,
            f"expected the seed to be wrong on «{claim}», but toolkit gives {float(ours):.10g} ≈ seed {seed}")
    print(f"SEED WRONG {claim}: seed {seed}, correct {float(ours):.10g}\n           {correction}")


def same_spectrum(ours: dict, seed: dict) -> bool:
    """Eigenvalue multisets {value: multiplicity} equal up to symbolic simplification."""
    remaining = dict(seed)
    for value, mult in ours.items():
        match = next((s for s in remaining if same(value, s)), None)
        if match is None or remaining.pop(match) != mult:
            return False
    return not remaining


def confirm_spectrum(claim: str, ours: dict, seed: dict) -> None:
    require(same_spectrum(ours, seed), f"expected to confirm «{claim}», but toolkit gives {ours} vs seed {seed}")
    print(f"CONFIRMED  {claim}")
