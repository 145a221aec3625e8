"""Counting the affine subspaces of symmetry-induced points (Şimşek et al. 2021; seed 003 §4;
``shared/references/landscape_theory.md`` §1.2–1.4; issue 9 part 2).

Fix an irreducible point θ_r of a width-r network (distinct incoming vectors, non-zero outgoing
vectors) and a width m ≥ r. A *labelling* is a map φ: [m] → {0, 1, ..., r} onto {1, ..., r}; it
defines the affine subspace

    Γ_φ = { θ : w_i = w_{φ(i)} if φ(i) ≥ 1,  Σ_{i: φ(i)=k} a_i = a_k (k = 1..r),  a_i = 0 if φ(i) = 0 }

(neurons labelled 0 are zero-type: a_i = 0, w_i free). Every point of Γ_φ implements the function of θ_r.

* T(r, m) counts all labellings: the affine subspaces of the global-minimum manifold when θ_r is a
  zero-loss minimum at minimal width r = r*:

      T(r, m) = r! S(m+1, r+1) = Σ_{j=0}^{m−r} C(m, j) r! S(m−j, r) = Σ_{k=0}^{r} (−1)^k C(r, k) (r+1−k)^m

* G(r, m) counts the labellings without zero-type neurons (surjections [m] → [r]): the subspaces made
  only of critical points when θ_r is a critical point with non-zero loss (a zero-type neuron has
  ∂L/∂a_i = E[σ(w_i·x) c'(x)] ≠ 0 for generic w_i):

      G(r, m) = r! S(m, r) = Σ_{k=0}^{r} (−1)^k C(r, k) (r−k)^m

S is the Stirling number of the second kind (SymPy's ``stirling``). The brute-force side of the
verification enumerates the labellings (:func:`labellings`) and, independently, builds every Γ_φ
as a concrete affine subspace of parameter space and counts the distinct ones
(:func:`expansion_subspaces`, :func:`count_distinct`).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from itertools import product
from math import comb, factorial
from typing import Iterator, Sequence

import numpy as np
from sympy.functions.combinatorial.numbers import stirling

from ..models import Model
from .layers import NetworkPoint, hidden_layer
from ..reports import compact_repr


def _check(r: int, m: int) -> tuple[int, int]:
    for name, v in (("r", r), ("m", m)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{name} must be a positive integer, got {v!r}")
    if m < r:
        raise ValueError(f"the wider network must have m ≥ r neurons, got r = {r}, m = {m}")
    return int(r), int(m)


def global_minimum_subspace_count(r: int, m: int) -> int:
    """T(r, m) = r! S(m+1, r+1): affine subspaces of the width-m global-minimum manifold grown from
    a zero-loss minimum of minimal width r (Şimşek et al. 2021; seed 003 §4.2)."""
    r, m = _check(r, m)
    return factorial(r) * int(stirling(m + 1, r + 1))


def critical_subspace_count(r: int, m: int) -> int:
    """G(r, m) = r! S(m, r): affine subspaces of symmetry-induced critical points of the width-m
    network grown from an irreducible critical point of width r (Şimşek et al. 2021; seed 003 §4.3)."""
    r, m = _check(r, m)
    return factorial(r) * int(stirling(m, r))


def closed_forms(r: int, m: int) -> dict[str, dict[str, int]]:
    """Every closed form of T and G (they must agree): Stirling, sum over the number j of zero-type
    neurons, sum of multinomials over group sizes, and inclusion–exclusion."""
    r, m = _check(r, m)
    compositions = [k for k in product(range(1, m + 1), repeat=r) if sum(k) == m]

    def multinomial(ks):
        out = factorial(sum(ks))
        for k in ks:
            out //= factorial(k)
        return out
    return {
        "T": {"stirling": factorial(r) * int(stirling(m + 1, r + 1)),
              "zero_type_sum": sum(comb(m, j) * factorial(r) * int(stirling(m - j, r)) for j in range(m - r + 1)),
              "multinomial_sum": sum(multinomial((k0,) + ks) for k0 in range(m - r + 1)
                                     for ks in product(range(1, m + 1), repeat=r) if k0 + sum(ks) == m),
              "inclusion_exclusion": sum((-1) ** k * comb(r, k) * (r + 1 - k) ** m for k in range(r + 1))},
        "G": {"stirling": factorial(r) * int(stirling(m, r)),
              "multinomial_sum": sum(multinomial(k) for k in compositions),
              "inclusion_exclusion": sum((-1) ** k * comb(r, k) * (r - k) ** m for k in range(r + 1))},
    }


# ---------------------------------------------------------------------------------------------
# brute force


def labellings(r: int, m: int, *, zero_type: bool = True) -> Iterator[tuple[int, ...]]:
    """Every map φ: [m] → {0..r} (``zero_type``) or [m] → {1..r} that is onto {1..r}, by brute force."""
    r, m = _check(r, m)
    labels = range(0 if zero_type else 1, r + 1)
    for phi in product(labels, repeat=m):
        if set(range(1, r + 1)) <= set(phi):
            yield phi


@dataclass(frozen=True)
class AffineSubspace:
    """{base + directions @ t : t ∈ R^k} in the width-m parameter space, for labelling φ."""

    __repr__ = compact_repr

    labelling: tuple[int, ...]
    base: np.ndarray
    directions: np.ndarray          # (P, k)

    @property
    def dimension(self) -> int:
        return int(np.linalg.matrix_rank(self.directions)) if self.directions.size else 0

    def point(self, t: np.ndarray) -> np.ndarray:
        return self.base + self.directions @ np.asarray(t, dtype=float)

    def key(self, decimals: int = 8) -> tuple[bytes, bytes]:
        """A canonical form: the orthogonal projector onto the direction space and the base point's
        component orthogonal to it (two subspaces are equal iff both agree)."""
        P = self.base.size
        if self.directions.size:
            U, s, _ = np.linalg.svd(self.directions, full_matrices=False)
            Q = U[:, s > 1e-10 * s[0]]
        else:
            Q = np.zeros((P, 0))
        proj = Q @ Q.T
        orth = self.base - proj @ self.base
        return np.round(proj, decimals).tobytes(), np.round(orth, decimals).tobytes()


def expansion_subspaces(point: NetworkPoint, m: int, *, zero_type: bool = True,
                        layer: int | None = None) -> list[AffineSubspace]:
    """Γ_φ for every labelling φ, built concretely from θ_r (``point``) in the width-m model
    (seed 003 §4.2's affine subspace; zero-type neurons have base incoming vector 0)."""
    model_r, theta_r = point
    hl = hidden_layer(model_r, layer)
    r = hl.width
    p = hl.parameters(np.asarray(theta_r, dtype=float))
    wide = hl.with_width(m)
    P = wide.model.n_parameters
    index = np.arange(P)
    idx = wide.parameters(index)           # where each neuron's parameters sit in θ_m
    out = []
    for phi in labellings(r, m, zero_type=zero_type):
        incoming = np.zeros((m, hl.fan_in))
        bias = None if p.bias is None else np.zeros(m)
        outgoing = np.zeros((hl.fan_out, m))
        dirs = []
        for k in range(1, r + 1):
            members = [i for i in range(m) if phi[i] == k]
            for i in members:
                incoming[i] = p.incoming[k - 1]
                if bias is not None:
                    bias[i] = p.bias[k - 1]
            outgoing[:, members[0]] = p.outgoing[:, k - 1]
            for i in members[1:]:
                for o in range(hl.fan_out):
                    d = np.zeros(P)
                    d[idx.outgoing[o, members[0]]], d[idx.outgoing[o, i]] = 1.0, -1.0
                    dirs.append(d)
        for i in (i for i in range(m) if phi[i] == 0):
            coords = list(idx.incoming[i]) + ([] if idx.bias is None else [idx.bias[i]])
            for c in coords:
                d = np.zeros(P)
                d[c] = 1.0
                dirs.append(d)
        base = wide.assemble(type(p)(incoming, bias, outgoing, p.blocks))
        out.append(AffineSubspace(phi, base, np.array(dirs).T if dirs else np.zeros((P, 0))))
    return out


def count_distinct(subspaces: Sequence[AffineSubspace]) -> int:
    """The number of distinct affine subspaces (by canonical projector and orthogonal base point)."""
    return len({s.key() for s in subspaces})


# ---------------------------------------------------------------------------------------------
# Figure 4.4


@dataclass(frozen=True)
class RatioCurve:
    """G(r, r*+h)/T(r*, r*+h) for r = 1..r*−1 and their sum, against the number h of added neurons."""

    __repr__ = compact_repr

    r_star: int
    added: tuple[int, ...]
    ratios: dict[int, tuple[float, ...]]      # r -> one ratio per h
    total: tuple[float, ...]

    @property
    def crossover(self) -> int | None:
        """The smallest h with Σ_r G(r, r*+h) < T(r*, r*+h) (None if not reached in ``added``)."""
        return next((h for h, v in zip(self.added, self.total) if v < 1), None)

    def crossover_of(self, r: int) -> int | None:
        """The smallest h with G(r, r*+h) < T(r*, r*+h)."""
        return next((h for h, v in zip(self.added, self.ratios[r]) if v < 1), None)

    def largest_term_crossover(self) -> tuple[int, int, float] | None:
        """The smallest h with max_r G(r, r*+h)/T(r*, r*+h) < 1 (every single term below 1), the r
        attaining that maximum and its value; None if not reached in ``added``."""
        for i, h in enumerate(self.added):
            r = max(self.ratios, key=lambda r: self.ratios[r][i])
            if self.ratios[r][i] < 1:
                return h, r, self.ratios[r][i]
        return None

    def rows(self) -> list[dict]:
        return [{"added": h, "m": self.r_star + h, "sum_ratio": t,
                 "max_single_ratio": max(self.ratios[r][i] for r in self.ratios),
                 "argmax_r": max(self.ratios, key=lambda r: self.ratios[r][i])}
                for i, (h, t) in enumerate(zip(self.added, self.total))]


def ratio_curve(r_star: int = 30, max_added: int = 40) -> RatioCurve:
    """Seed 003 Figure 4.4 (Şimşek et al. 2021): exact ratios (``fractions.Fraction``), reported as floats."""
    if r_star < 2:
        raise ValueError(f"r* must be at least 2 (there is no smaller critical width), got {r_star}")
    added = tuple(range(max_added + 1))
    T = [global_minimum_subspace_count(r_star, r_star + h) for h in added]
    ratios = {r: tuple(float(Fraction(critical_subspace_count(r, r_star + h), t)) for h, t in zip(added, T))
              for r in range(1, r_star)}
    total = tuple(float(Fraction(sum(critical_subspace_count(r, r_star + h) for r in range(1, r_star)), t))
                  for h, t in zip(added, T))
    return RatioCurve(r_star, added, ratios, total)


def count_table(pairs: Sequence[tuple[int, int]], which: str) -> list[dict]:
    """[{"r", "m", "value"}] for T (``which="T"``) or G (``"G"``)."""
    fn = {"T": global_minimum_subspace_count, "G": critical_subspace_count}[which]
    return [{"r": r, "m": m, "value": fn(r, m)} for r, m in pairs]


def is_irreducible(model: Model, theta, *, layer: int | None = None) -> bool:
    """Distinct incoming vectors (with biases) and non-zero outgoing vectors (landscape_theory §1.1)."""
    from .tolerances import DEFAULT_TOLERANCES as tol
    from .tolerances import norm
    hl = hidden_layer(model, layer)
    p = hl.parameters(np.asarray(theta, dtype=float))
    scale = float(np.max(norm(p.outgoing, axis=0)))
    if any(tol.vanishes(p.outgoing[:, k], scale) for k in range(hl.width)):
        return False
    return not any(tol.coincide(p.neuron_input(i), p.neuron_input(j))
                   for i in range(hl.width) for j in range(i + 1, hl.width))
