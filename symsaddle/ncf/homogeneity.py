"""Positive two-homogeneity, H(x; c·θ) = c²·H(x; θ) for c > 0 (seed 002 §2, Assumption 2).

The check is exact: every parameter is replaced by c·θ_p with a *positive* SymPy symbol c,
the argument of each ``Step`` is factored so that ``Step(c·z) = Step(z)`` applies (the kink
convention of :mod:`symsaddle._activations`), and H(x; c θ) − c² H(x; θ) is expanded.
A zero residual proves homogeneity. A non-zero residual is confirmed by a *witness*: exact
rational θ, x and c = 2 at which the residual evaluates to a non-zero number. If SymPy can
neither simplify the residual to zero nor find a witness the status is ``UNDECIDED`` and the
analyses refuse the model as well (they need a proof, not a guess).

Two-homogeneous models in the paper's list (seed 002 §2): two-layer (leaky) ReLU networks
Σ_j a_j σ(w_jᵀx), single-layer squared-ReLU networks Σ_j σ(w_jᵀx)², deep ReLU networks with
exactly two trainable layers; also diagonal linear networks ⟨u ⊙ v, x⟩ and two-layer linear
networks. Euler's identity θᵀ∇_θ H = 2H (used for λ = 2N at a KKT point, seed 002 Lemma C.5)
is checked alongside, with the a.e. derivative of ``Step``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Sequence

import numpy as np
import sympy as sp

from .. import Step
from ..models import Model, ParameterBlock
from .errors import NotHomogeneousError, NotSeparableError

DEGREE = 2
_C = sp.Symbol("c", positive=True)


class HomogeneityStatus(str, Enum):
    HOMOGENEOUS = "positively two-homogeneous"
    NOT_HOMOGENEOUS = "not two-homogeneous"
    UNDECIDED = "undecided"


@dataclass(frozen=True)
class HomogeneityReport:
    """Outcome of :func:`check_two_homogeneous`.

    ``residual``: LaTeX of H_k(x; cθ) − c²H_k(x; θ) per output (expanded);
    ``euler_residual``: LaTeX of θᵀ∇H_k − 2H_k; ``witness``: numbers at which the residual
    is non-zero (for a non-homogeneous model).
    """

    model: str
    status: HomogeneityStatus
    residual: tuple[str, ...]
    euler_residual: tuple[str, ...]
    witness: dict | None
    reason: str

    @property
    def homogeneous(self) -> bool:
        return self.status is HomogeneityStatus.HOMOGENEOUS

    def to_dict(self) -> dict:
        return {"model": self.model, "status": self.status.value, "residual": list(self.residual),
                "euler_residual": list(self.euler_residual), "witness": self.witness,
                "reason": self.reason}


def _factor_steps(expr: sp.Expr) -> sp.Expr:
    """Rewrite Step(Σ c·t) as Step(c·Σ t) so that Step's rule Step(c z) = Step(z), c > 0, fires."""
    return expr.replace(lambda e: isinstance(e, Step), lambda e: Step(sp.factor_terms(e.args[0])))


def scaled_residuals(model: Model, degree: int = DEGREE) -> tuple[sp.Expr, ...]:
    """H_k(x; c·θ) − c^degree · H_k(x; θ) for each output k, expanded (c > 0 a symbol)."""
    scale = {p: _C * p for p in model.parameters}
    return tuple(sp.expand(_factor_steps(h.xreplace(scale)) - _C**degree * h) for h in model.outputs)


def euler_residuals(model: Model, degree: int = DEGREE) -> tuple[sp.Expr, ...]:
    """θᵀ∇_θ H_k − degree·H_k for each output (zero for a positively homogeneous model)."""
    return tuple(sp.expand(sum(p * sp.diff(h, p) for p in model.parameters) - degree * h) for h in model.outputs)


def _witness(model: Model, residuals: Sequence[sp.Expr], seed: int, tries: int) -> dict | None:
    rng = np.random.default_rng(seed)
    for _ in range(tries):
        theta = [sp.Rational(int(v), 7) for v in rng.integers(-20, 21, model.n_parameters)]
        x = [sp.Rational(int(v), 5) for v in rng.integers(-10, 11, model.d_in)]
        values = dict(zip(model.parameters, theta)) | dict(zip(model.inputs, x)) | {_C: sp.Integer(2)}
        for k, r in enumerate(residuals):
            val = sp.N(r.xreplace(values), 30)
            if val.is_number and abs(val) > sp.Float("1e-20"):
                return {"output": k, "c": 2, "theta": [str(t) for t in theta], "x": [str(v) for v in x],
                        "residual": float(val)}
    return None


def check_two_homogeneous(model: Model, *, seed: int = 0, tries: int = 20) -> HomogeneityReport:
    """Decide exactly whether H(x; c θ) = c² H(x; θ) for all c > 0 (see module docstring)."""
    residuals = scaled_residuals(model)
    euler = euler_residuals(model)
    res_tex = tuple(sp.latex(r) for r in residuals)
    eul_tex = tuple(sp.latex(e) for e in euler)
    if all(r == 0 for r in residuals):
        return HomogeneityReport(model.name, HomogeneityStatus.HOMOGENEOUS, res_tex, eul_tex, None,
                                 "H(x; c·θ) − c²·H(x; θ) expands to 0 for a positive symbol c")
    witness = _witness(model, residuals, seed, tries)
    if witness is None and all(sp.simplify(r) == 0 for r in residuals):   # slow path, rarely needed
        return HomogeneityReport(model.name, HomogeneityStatus.HOMOGENEOUS, res_tex, eul_tex, None,
                                 "H(x; c·θ) − c²·H(x; θ) simplifies to 0 for a positive symbol c")
    if witness is not None:
        return HomogeneityReport(model.name, HomogeneityStatus.NOT_HOMOGENEOUS, res_tex, eul_tex, witness,
                                 f"H(x; 2θ) − 4·H(x; θ) = {witness['residual']:.6g} ≠ 0 at the exact "
                                 f"rational point θ = {witness['theta']}, x = {witness['x']}")
    return HomogeneityReport(model.name, HomogeneityStatus.UNDECIDED, res_tex, eul_tex, None,
                             "the residual did not simplify to 0 and no point with a non-zero residual "
                             f"was found in {tries} exact trials")


def require_two_homogeneous(model: Model) -> HomogeneityReport:
    """The report of :func:`check_two_homogeneous`; raises :class:`NotHomogeneousError` unless proven."""
    report = check_two_homogeneous(model)
    if not report.homogeneous:
        info = ", ".join(f"{k}={v}" for k, v in model.info)
        raise NotHomogeneousError(
            f"model {model.name!r} ({info}) is {report.status.value}: {report.reason}. The NCF analyses "
            "(Kumar & Haupt 2024) need H(x; c·θ) = c²·H(x; θ) for all c > 0, e.g. two-layer (leaky) ReLU, "
            "single-layer squared ReLU with fixed outer weights, deep ReLU with exactly two trainable "
            "layers, diagonal linear networks")
    return report


# -- restriction to parameter groups and separability ----------------------------------------------


def restrict(model: Model, keep: Sequence[int], name: str | None = None) -> Model:
    """H restricted to the parameters ``keep`` (flat indices): every other parameter set to 0.

    The kept parameters are renamed θ_1..θ_m (in the order given), so two groups whose
    restricted networks are the same function give *equal* models (one derivation, one kernel).
    """
    keep = [int(i) for i in keep]
    if not keep or len(set(keep)) != len(keep) or min(keep) < 0 or max(keep) >= model.n_parameters:
        raise ValueError(f"keep must list distinct parameter indices in 0..{model.n_parameters - 1}, "
                         f"got {keep}")
    params = model.parameters
    kept = set(keep)
    canon = tuple(sp.Symbol(f"theta_{{{i + 1}}}", real=True) for i in range(len(keep)))
    sub = {p: sp.S.Zero for i, p in enumerate(params) if i not in kept}
    sub.update({params[i]: c for i, c in zip(keep, canon)})
    outs = tuple(sp.expand(o.xreplace(sub)) for o in model.outputs)
    return Model(name or f"{model.name}|restricted", (ParameterBlock("theta", (len(keep),), canon),),
                 model.inputs, outs, model.formula, model.info)


def check_separable(model: Model, groups: Sequence[Sequence[int]]) -> None:
    """Raise :class:`NotSeparableError` unless H(x; θ) = Σ_g H(x; θ_g) + H(x; θ_rest).

    Parameters outside every group form one more group. A sufficient test is used: every
    additive term of the expanded output involves parameters of one group only, or else every
    mixed second derivative across groups vanishes identically (a.e. derivative of ``Step``).
    """
    flat = [int(i) for g in groups for i in g]
    if len(set(flat)) != len(flat):
        raise ValueError("parameter groups overlap")
    label = {i: g for g, grp in enumerate(groups) for i in grp}
    params = model.parameters
    group_of = {p: label.get(i, -1) for i, p in enumerate(params)}
    for k, out in enumerate(model.outputs):
        terms = sp.Add.make_args(sp.expand(out))
        if all(len({group_of[s] for s in t.free_symbols if s in group_of}) <= 1 for t in terms):
            continue
        for i, p in enumerate(params):
            dp = sp.diff(out, p)
            for j in range(i + 1, len(params)):
                if group_of[p] != group_of[params[j]] and sp.simplify(sp.diff(dp, params[j])) != 0:
                    raise NotSeparableError(
                        f"model {model.name!r} output {k} couples parameters {p} and {params[j]} of "
                        "different groups (∂²H/∂θ_p∂θ_q ≠ 0), so H is not a sum over the groups")
