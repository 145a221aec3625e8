"""All critical points from theory, verified and classified (issue 4, item 2; seed 001 §3–4).

For every index set S ⊂ {1..d_y} with |S| ≤ r_max and every applicable parametrisation
(``factorisations``) the point is built, and then

* verified: ‖∇L‖ from the core kernel (must vanish) and L against the predicted value
  (c/2)(tr Σ_YY − Σ_{i∈S} λ_i) (seed eq. (19));
* classified by the Hessian with the core :func:`symsaddle.critical.classify`, with the
  known global minimum as ``lower_bound`` (global minimisers have singular Hessians: the
  GL(d_h) symmetries of the factorisation);
* compared with Achour et al.'s classification (``achour``).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Sequence

import numpy as np

from ..critical import Classification, Kind, classify
from ..progress import ProgressBar
from .achour import TheoryVerdict, achour_classification
from .factorisations import Parametrisation, applicable, factorise
from .network import balancedness, check_convention, check_widths, objective, to_theta
from .statistics import SufficientStatistics
from ..reports import compact_repr


@dataclass(frozen=True)
class CriticalPoint:
    """One theoretical critical point, its checks and both classifications."""

    __repr__ = compact_repr

    subset: tuple[int, ...]
    parametrisation: Parametrisation
    weights: tuple[np.ndarray, ...]
    loss: float
    predicted_loss: float
    grad_norm: float
    classification: Classification
    theory: TheoryVerdict
    balancedness: float

    @property
    def kind(self) -> Kind:
        return self.classification.kind

    @property
    def agrees(self) -> bool:
        return self.kind is self.theory.kind

    def row(self) -> dict:
        """The JSON/table row of the issue's interface."""
        c = self.classification
        return {"subset": list(self.subset), "parametrisation": self.parametrisation.value,
                "loss": self.loss, "predicted_loss": self.predicted_loss,
                "relative_loss_error": abs(self.loss - self.predicted_loss) / max(abs(self.predicted_loss), 1e-300),
                "grad_norm": self.grad_norm, "gradient_tolerance": c.gradient_tolerance,
                "kind": c.kind.value, "theory": self.theory.kind.value, "agrees": self.agrees,
                "index": c.index, "nullity": c.nullity, "min_eigenvalue": float(c.eigenvalues[0]),
                "tightened": self.theory.tightened, "balancedness": self.balancedness,
                "reason": c.reason, "theory_reason": self.theory.reason}


@dataclass(frozen=True)
class CriticalPointSurvey:
    """The enumeration for one data set and architecture."""

    __repr__ = compact_repr

    widths: tuple[int, ...]
    convention: str
    normalization: float
    eigenvalues: np.ndarray
    global_minimum: float
    points: tuple[CriticalPoint, ...]

    @property
    def all_agree(self) -> bool:
        return all(p.agrees for p in self.points)

    def rows(self) -> list[dict]:
        return [p.row() for p in self.points]


def subsets(d_y: int, r_max: int) -> list[tuple[int, ...]]:
    """Every S ⊂ {0..d_y−1} with |S| ≤ r_max, by size then lexicographically."""
    return [S for r in range(min(r_max, d_y) + 1) for S in combinations(range(d_y), r)]


def survey_critical_points(statistics: SufficientStatistics, widths: Sequence[int], *,
                           convention: str = "column", normalization: float = 2.0,
                           parametrisations: Sequence[Parametrisation | str] = tuple(Parametrisation),
                           seed: int = 0, progress: bool = False) -> CriticalPointSurvey:
    """Build, verify and classify every critical point of the theory (see the module docstring)."""
    w = check_widths(widths, statistics)
    check_convention(convention)
    params = [Parametrisation(p) for p in parametrisations]
    obj = objective(statistics, w, convention, normalization)
    kernel = obj.compile()
    r_max = min(w)
    L_star = statistics.rank_constrained_value(r_max, normalization)
    todo = [(S, p) for S in subsets(statistics.d_y, r_max) for p in params if applicable(p, len(S), w)]
    points = []
    for S, p in ProgressBar(todo, disable=not progress, desc="critical points", unit="point"):
        Ws = factorise(statistics, S, w, p, seed=seed)
        theta = to_theta(Ws, convention)
        cls = classify(kernel, theta, lower_bound=L_star)
        points.append(CriticalPoint(S, p, tuple(Ws), cls.loss, statistics.critical_value(S, normalization),
                                    cls.gradient_norm, cls, achour_classification(statistics, S, Ws),
                                    balancedness(Ws)))
    return CriticalPointSurvey(w, convention, float(normalization), statistics.eigenvalues.copy(), L_star,
                               tuple(points))
