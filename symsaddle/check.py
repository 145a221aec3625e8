"""Cross-check harness: a kernel against references that share no code with it.

``cross_check(objective, points)`` compares, entry by entry, what a kernel (any object with
``P``, ``value``, ``gradient``, ``hessian`` and ``directional(theta, u, order)``; by default
``objective.compile()``) returns at each point θ (and direction u) with:

1. **the reference** R: the per-sample loss expression ℓ(f(x; θ), y) itself, differentiated
   by SymPy *in this module* (∂ℓ/∂θ_p, the Hessian as the Jacobian of that gradient, or along
   lines as u_iᵀ∇²ℓ u_j = ∂²/∂s∂t ℓ(θ + t u_i + s u_j)|₀, and
   Dᵏℓ[u] = dᵏ/dtᵏ ℓ(θ + t u)|₀), evaluated in mpmath at ``dps`` digits from the exact float
   inputs and summed over the objective's rows (its samples, or the pseudo-samples of
   ``from_moments`` / ``from_r_factor``). It uses none of the kernels' assembly (model-level
   chain rule, per-layer pieces, Faà di Bruno, autodiff);
2. **mpmath numerical differentiation** M: ``mpmath.diff`` (finite differences at raised
   precision) of the loss *value* L(θ) in mpmath, which uses no symbolic derivative at all and
   so also checks the differentiation rules (``fdiff``) that R and the kernels share;
3. **finite differences** F of the kernel's own lower-order quantities with one Richardson
   step: the gradient from values, the Hessian from gradients (u_iᵀ∇²L u_j from u_i·∇L(θ + t u_j)),
   D³ and D⁴ from uᵀ∇²L(θ + tu)u.

The Hessian: every entry, or along lines
----------------------------------------
``hessian="full"`` compares all P² entries; R needs P(P+1)/2 SymPy derivatives (and M as many
``mpmath.diff`` calls): 26 s for P = 24 (``symsaddle check two_layer --d-in 3 --width 6``, 2
points), more than an hour for P = 250. ``hessian="lines"`` compares the k(k+1)/2 entries
u_iᵀ∇²L u_j (i ≤ j) of k = ``lines`` fixed unit directions (:func:`line_directions`, seeded):
R is one mixed line derivative, M ``mpmath.diff`` in the plane (s, t), F Richardson differences of
u_i·∇L along u_j, and the kernel's Hessian is contracted without rounding error (error-free
products summed by ``math.fsum``: one rounding, independent of BLAS). The directions are dense,
every |u_jp| ≥ 1/(2√P), so a wrong entry H_ab moves every u_iᵀHu_j by ≥ |δH_ab|/(4P); it is
caught when that exceeds the entry's allowance (C + m)·u·S_ij, S_ij ≈ Σ_pq |u_ip| S_pq |u_jq| ≈
‖S‖₁/P: one entry wrong by 10⁻⁶ relative is caught when |H_ab| ≳ 4·10⁶·(C + m)·u·‖S‖₁/P. For
two-layer tanh nets with n = 5 that is every entry at P = 30 (margin ≥ 138; tests/test_check.py
checks P = 6 and 30) and the larger 49 % of the entries at P = 250 (the largest with a margin of
700; an error of 10⁻⁴ relative in 95 %, of 10⁻³ in 99 %); errors in many entries are seen sooner. ``"auto"`` (the
default) compares every entry for P ≤ ``FULL_HESSIAN_MAX_PARAMETERS`` and along lines above.
The gradient (P entries) is always compared entry by entry.

Error bounds, per entry (u = 2⁻⁵³, S = the entry's magnitude, see below)
-----------------------------------------------------------------------
* kernel:  |K − R| ≤ (C + m)·u·(S + tiny), C = ``CheckTolerances.kernel_operations``
  (operations along one path through a per-sample expression) and m the number of rows
  summed (recursive summation adds ≤ m·u·S); ``tiny`` = 2.2e-308 is gradual underflow. Along
  lines the exact contraction of the kernel's Hessian adds one rounding, ≤ u·S, within C.
* mpmath.diff:  |M − R| ≤ 10^{−d}·(S + S_min), d = ``CheckTolerances.mpmath_diff_digits``,
  S_min the smallest non-zero magnitude at that point. M runs at dps + log₁₀(S_value/S_min)
  digits, so its own error is ≈ 10^{−dps}·S_min.
* finite differences:  |F − R| ≤ s·(|R₁(h/2) − R₁(h)|/15 + ρ) with s = ``fd_safety``,
  R₁(h) = (4D(h/2) − D(h))/3 the Richardson-extrapolated central difference (error O(h⁴)),
  so |R₁(h/2) − R₁(h)|/15 estimates the truncation error of R₁(h/2), and ρ the worst-case
  propagation of a rounding error δ = r·u·(S + tiny) per kernel evaluation (r = ``fd_rounding``)
  through the difference quotients (6δ/h for first, 272δ/(3h²) for second differences); for a
  contraction left_i·∇L δ = r·u·(Σ_p |left_ip| S_p + tiny), for uᵀ∇²L u the magnitude of D²L[u].
  Steps: h = 2ℓu^{1/5} (first) and 2ℓu^{1/6} (second differences), ℓ = √(S_value/max S_hessian)
  the objective's length scale (S_hessian: of the compared Hessian entries, full or along lines).

The magnitude S of an entry is its condition number: c·Σ_i |e_i|, where |e| is the
per-sample derivative expression e evaluated with every sum replaced by the sum of the
absolute values of its terms, every product by the product of absolute values, and every
function value g(a) by |g(a)| + |g'(a)|·|a| (the effect of a rounding error in its argument).
It is what float64 can resolve of the entry: a derivative small by cancellation is held to
an absolute error of the size of its terms, a derivative small because every term is small
(a saturated neuron, a tiny initialisation) to a relative error. A kernel with one Hessian
entry or D³ wrong by 10⁻⁶ relative fails (tests/test_check.py); a scale shared by all
entries (the previous harness used max(|L|, ‖∇L‖, ‖∇²L‖)) would let a 10 % error in D³ pass.

For ReLU-family models, comparisons whose stencil (finite differences, or mpmath.diff's
10⁻³⁰-wide one) meets a kink are skipped and counted; the reference R itself follows the
kink convention Step(0) = 0 and is always compared.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from enum import Enum
from functools import lru_cache
from typing import Callable, Sequence

import mpmath
import numpy as np
import sympy as sp

from ._activations import MPMATH_FUNCTIONS, Step
from ._derivatives import MAX_DIRECTIONAL_ORDER
from ._objective import Objective
from .errors import CrossCheckError, ShapeError
from .protocol import require_kernel
from .reports import compact_repr, plural

#: Unit roundoff of float64.
UNIT_ROUNDOFF = 2.0**-53
#: Smallest normal float64: below it the absolute precision is 2⁻¹⁰⁷⁴ = u·tiny.
TINY = float(np.finfo(float).tiny)
_MPMATH = [MPMATH_FUNCTIONS, "mpmath"]
#: Largest P whose Hessian ``hessian="auto"`` checks entry by entry (P(P+1)/2 SymPy derivatives:
#: half a minute at this size, see the module docstring); above it, along lines.
FULL_HESSIAN_MAX_PARAMETERS = 24
#: Number k of line directions u_1..u_k in ``hessian="lines"`` (k(k+1)/2 entries u_iᵀ∇²L u_j).
DEFAULT_LINE_DIRECTIONS = 6
HESSIAN_MODES = ("auto", "full", "lines")
#: Float64 arrays of P × P entries :func:`cross_check` holds at once at its peak (:func:`peak_array_bytes`).
PEAK_SQUARE_ARRAYS = 21
#: The quantity name of the Hessian along lines.
LINES_QUANTITY = "H[u_i, u_j]"


@dataclass(frozen=True)
class CheckTolerances:
    """The cross-check's error bounds, as formulas (see the module docstring).

    kernel_operations: C in |kernel − R| ≤ (C + rows)·u·(S + tiny) (a worst-case bound: the
        kernels measured in tests/test_check.py stay below 0.05 of it).
    mpmath_diff_digits: d in |mpmath.diff − R| ≤ 10^{−d}·(S + S_min).
    fd_rounding: r in δ = r·u·(S + tiny), the rounding error of one kernel evaluation that the
        finite-difference bound propagates (a typical value, ≈ the errors the kernel rows show).
    fd_safety: s in |finite difference − R| ≤ s·(Richardson error estimate + propagated δ).
    """

    kernel_operations: float = 64.0
    mpmath_diff_digits: int = 30
    fd_rounding: float = 4.0
    fd_safety: float = 4.0

    def __post_init__(self):
        if not min(self.kernel_operations, self.mpmath_diff_digits, self.fd_rounding, self.fd_safety) >= 1:
            raise ValueError(f"tolerances must be ≥ 1, got {self}")

    def kernel(self, magnitude: float, rows: int) -> float:
        """Allowance for a float64 kernel entry of magnitude S summed over ``rows`` rows."""
        return (self.kernel_operations + rows) * UNIT_ROUNDOFF * (magnitude + TINY)

    def fd_noise(self, magnitude: float) -> float:
        """δ: the rounding error of one kernel evaluation of magnitude S, for finite differences."""
        return self.fd_rounding * UNIT_ROUNDOFF * (magnitude + TINY)


class CheckStatus(Enum):
    PASSED = "passed"
    FAILED = "failed"


@dataclass(frozen=True)
class Comparison:
    """One method against the reference R for one quantity, over every entry and point.

    ``worst_ratio`` is the largest error / allowance (≤ 1 passes); ``max_abs_error`` and
    ``allowance`` are the error and the allowance of that worst entry, ``worst_entry`` names it.
    """

    quantity: str
    method: str
    entries: int
    max_abs_error: float
    allowance: float
    worst_ratio: float
    worst_entry: str
    passed: bool
    skipped_points: int = 0


@dataclass(frozen=True)
class CheckReport:
    """Result of :func:`cross_check`: one row per (quantity, method).

    ``hessian`` is how the Hessian was compared: "full" (every entry, quantity "hessian") or
    "lines" (the k(k+1)/2 entries u_iᵀ∇²L u_j, i ≤ j, of ``line_directions`` = k fixed unit
    directions, quantity "H[u_i, u_j]"; k = 0 in full mode).
    """

    __repr__ = compact_repr

    objective: str
    kernel: str
    n_points: int
    reference: str
    tolerances: CheckTolerances
    comparisons: tuple[Comparison, ...] = field(default=())
    hessian: str = "full"
    line_directions: int = 0

    @property
    def hessian_description(self) -> str:
        if self.hessian == "lines":
            k = self.line_directions
            return (f"Hessian along lines: u_iᵀ∇²L u_j for {plural(k, 'fixed unit direction')} "
                    f"({k * (k + 1) // 2} entries per point)")
        return "Hessian: every entry"

    @property
    def status(self) -> CheckStatus:
        ok = bool(self.comparisons) and all(c.passed for c in self.comparisons)
        return CheckStatus.PASSED if ok else CheckStatus.FAILED

    @property
    def passed(self) -> bool:
        return self.status is CheckStatus.PASSED

    def failures(self) -> tuple[Comparison, ...]:
        return tuple(c for c in self.comparisons if not c.passed)

    def table(self) -> str:
        """A Markdown table of the comparisons."""
        head = ("| quantity | method | entries | worst error | its allowance | error/allowance | ok |\n"
                "|---|---|---|---|---|---|---|")
        rows = [f"| {c.quantity} | {c.method} | {c.entries} | {c.max_abs_error:.3e} | {c.allowance:.3e} | "
                f"{c.worst_ratio:.3g} | {'yes' if c.passed else 'NO (' + c.worst_entry + ')'}"
                + (f" ({plural(c.skipped_points, 'point')} skipped: kink)" if c.skipped_points else "") + " |"
                for c in self.comparisons]
        return "\n".join([self.hessian_description, "", head, *rows])

    def to_dict(self) -> dict:
        return {"objective": self.objective, "kernel": self.kernel, "n_points": self.n_points,
                "reference": self.reference, "status": self.status.value, "passed": self.passed,
                "hessian": self.hessian, "line_directions": self.line_directions,
                "tolerances": asdict(self.tolerances), "comparisons": [asdict(c) for c in self.comparisons]}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)


# ---------------------------------------------------------------------------------------
# magnitudes


def magnitude(expr: sp.Expr) -> sp.Expr:
    """The absolute-value evaluation |e| of an expression (its componentwise condition scale).

    Sums become sums of the magnitudes of their terms, products products of magnitudes,
    integer powers powers of the magnitude, and a function value g(a) becomes
    |g(a)| + |g'(a)|·|a|. ``Step`` (0 or 1, insensitive to its argument) is kept.
    """
    memo: dict[sp.Expr, sp.Expr] = {}

    def mag(e: sp.Expr) -> sp.Expr:
        if e in memo:
            return memo[e]
        if e.is_number:
            r = sp.Abs(e)
        elif e.is_Symbol:
            r = sp.Abs(e)
        elif e.is_Add:
            r = sp.Add(*[mag(a) for a in e.args])
        elif e.is_Mul:
            r = sp.Mul(*[mag(a) for a in e.args])
        elif e.is_Pow:
            base, exponent = e.args
            if exponent.is_Integer and exponent > 0:
                r = mag(base) ** exponent
            else:
                r = sp.Abs(e) * (1 + sp.Abs(exponent) * mag(base) / sp.Abs(base))
        elif isinstance(e, Step):
            r = e
        elif isinstance(e, sp.Function) and len(e.args) == 1:
            r = sp.Abs(e) + sp.Abs(e.fdiff(1)) * mag(e.args[0])
        else:
            raise ValueError(f"cross_check cannot bound the rounding error of {type(e).__name__} "
                             f"in {e}; supported: +, ×, powers and functions of one argument")
        memo[e] = r
        return r

    return mag(sp.sympify(expr))


# ---------------------------------------------------------------------------------------
# the reference: SymPy derivatives of the loss expression, evaluated in mpmath


def _identifier_symbols(symbols, prefix: str) -> list[sp.Symbol]:
    """Symbols named ``prefix0, prefix1, ...`` with the assumptions of ``symbols``: lambdify takes
    them as they are, while it would replace each name that is not a Python identifier (w_{1,2},
    xi_{3}) by a Dummy in a pass of its own over the expressions, O(P × expression size)."""
    return [sp.Symbol(f"{prefix}{i}", **s.assumptions0) for i, s in enumerate(symbols)]


class _LossReference:
    """ℓ(f(x; θ), y) and its SymPy derivatives (derived here), lambdified to mpmath together
    with their magnitudes. Built once per (model, loss); the full Hessian (P(P+1)/2
    derivatives) and the line derivatives are derived on first use."""

    def __init__(self, sample):
        self.theta = _identifier_symbols(sample.parameters, "theta")
        self.data = [_identifier_symbols(sample.inputs, "x"), _identifier_symbols(sample.labels, "y")]
        renamed = zip([*sample.parameters, *sample.inputs, *sample.labels], [*self.theta, *self.data[0], *self.data[1]])
        self.loss = sample.sample_loss.xreplace(dict(renamed))
        self.P = len(self.theta)
        self._grad = [sp.diff(self.loss, p) for p in self.theta]
        self.upper = [(p, q) for p in range(self.P) for q in range(p, self.P)]
        self._args = [self.theta, *self.data]
        self.value_fn = sp.lambdify(self._args, self.loss, modules=_MPMATH, cse=True)
        self._value = self._compile(self._args, [self.loss])
        self._gradient = self._compile(self._args, self._grad)
        self._hessian: Callable | None = None
        self._directional: dict[int, Callable] = {}
        self._mixed: Callable | None = None
        self.directions = [sp.Symbol(f"xi{p}", real=True) for p in range(self.P)]
        self.second_directions = [sp.Symbol(f"eta{p}", real=True) for p in range(self.P)]
        self._t = sp.Symbol("t", real=True)
        self._line = [self.loss.xreplace({p: p + self._t * xi for p, xi in zip(self.theta, self.directions)})]

    @staticmethod
    def _compile(args, exprs):
        return sp.lambdify(args, list(exprs) + [magnitude(e) for e in exprs], modules=_MPMATH, cse=True)

    def hessian_fn(self) -> Callable:
        """∂²ℓ/∂θ_p∂θ_q for p ≤ q (``upper``), the Jacobian of the gradient."""
        if self._hessian is None:
            hess = [sp.diff(self._grad[p], self.theta[q]) for p, q in self.upper]
            self._hessian = self._compile(self._args, hess)
        return self._hessian

    def _line_derivative(self, order: int) -> sp.Expr:
        """dᵏ/dtᵏ ℓ(θ + tξ)|₀ in θ and ξ, derived one order at a time."""
        while len(self._line) <= order:
            self._line.append(sp.diff(self._line[-1], self._t))
        return self._line[order].xreplace({self._t: 0})

    def directional_fn(self, order: int) -> Callable:
        """Dᵏℓ[ξ] = dᵏ/dtᵏ ℓ(θ + tξ)|₀ of arguments (θ, ξ, x, y)."""
        if order not in self._directional:
            expr = self._line_derivative(order)
            self._directional[order] = self._compile([self.theta, self.directions, *self.data], [expr])
        return self._directional[order]

    def mixed_fn(self) -> Callable:
        """ξᵀ∇²ℓ η = ∂²/∂s∂t ℓ(θ + tξ + sη)|₀ of arguments (θ, ξ, η, x, y): the first
        directional derivative Dℓ[ξ] differentiated along the line θ + sη."""
        if self._mixed is None:
            s = sp.Symbol("s", real=True)
            first = self._line_derivative(1)
            line = first.xreplace({p: p + s * eta for p, eta in zip(self.theta, self.second_directions)})
            expr = sp.diff(line, s).xreplace({s: 0})
            self._mixed = self._compile([self.theta, self.directions, self.second_directions, *self.data], [expr])
        return self._mixed


@lru_cache(maxsize=None)
def _loss_reference(sample) -> _LossReference:
    return _LossReference(sample)


class _Reference:
    """The reference of one objective: sums over its rows at ``dps`` digits."""

    def __init__(self, objective, dps: int):
        self.lr = _loss_reference(objective.sample)
        self.dps = dps
        self.rows = [([mpmath.mpf(float(v)) for v in objective.X[i]], [mpmath.mpf(float(v)) for v in objective.y[i]])
                     for i in range(objective.X.shape[0])]
        c = sp.Rational(objective.factor)
        self._c = (int(c.p), int(c.q))

    def _sum(self, fn, *prefix) -> tuple[list, list]:
        """(values, magnitudes) summed over the rows, times c."""
        with mpmath.workdps(self.dps):
            total = None
            for x, y in self.rows:
                vals = fn(*prefix, x, y)
                total = list(vals) if total is None else [a + b for a, b in zip(total, vals)]
            c = mpmath.mpf(self._c[0]) / self._c[1]
            total = [c * v for v in total]
        half = len(total) // 2
        return total[:half], total[half:]

    @staticmethod
    def _mp(v) -> list:
        return [mpmath.mpf(float(a)) for a in v]

    def value(self, theta):
        return self._sum(self.lr._value, self._mp(theta))

    def gradient(self, theta):
        return self._sum(self.lr._gradient, self._mp(theta))

    def hessian(self, theta):
        vals, mags = self._sum(self.lr.hessian_fn(), self._mp(theta))
        P = self.lr.P
        H, S = [[None] * P for _ in range(P)], [[None] * P for _ in range(P)]
        for (p, q), v, s in zip(self.lr.upper, vals, mags):
            H[p][q] = H[q][p] = v
            S[p][q] = S[q][p] = s
        return [v for row in H for v in row], [s for row in S for s in row]

    def directional(self, theta, u, order: int):
        return self._sum(self.lr.directional_fn(order), self._mp(theta), self._mp(u))

    def along_lines(self, theta, lines):
        """u_iᵀ∇²L u_j for i ≤ j (row-major upper triangle of the k × k matrix), with magnitudes."""
        th, us = self._mp(theta), [self._mp(u) for u in lines]
        vals, mags = [], []
        for i, j in _upper_pairs(len(lines)):
            (v,), (m,) = self._sum(self.lr.mixed_fn(), th, us[i], us[j])
            vals.append(v)
            mags.append(m)
        return vals, mags

    def loss_value(self, theta_mp: list) -> mpmath.mpf:
        """L(θ) for mpmath θ, at the current working precision (for mpmath.diff)."""
        c = mpmath.mpf(self._c[0]) / self._c[1]
        return c * mpmath.fsum(self.lr.value_fn(theta_mp, x, y) for x, y in self.rows)


# ---------------------------------------------------------------------------------------
# lines: directions and error-free contractions


def _upper_pairs(k: int) -> list[tuple[int, int]]:
    """(i, j) with i ≤ j < k, row-major: the order of the entries u_iᵀ∇²L u_j."""
    return [(i, j) for i in range(k) for j in range(i, k)]


def line_directions(P: int, count: int, seed: int) -> np.ndarray:
    """``count`` unit directions in ℝᴾ (rows), u_jp = ±(1 + r_jp)/‖·‖ with independent signs and
    r_jp uniform in [0, 1) drawn from ``seed``.

    Dense by construction: every |u_jp| ≥ 1/(2√P), so a wrong Hessian entry H_ab changes
    u_iᵀ H u_j by at least |δH_ab|/(4P) for every pair (i, j) (and, unlike Gaussian entries, none
    is close to 0); the continuous magnitudes keep several wrong entries from cancelling exactly.
    """
    rng = np.random.default_rng([seed, P, count])
    u = rng.choice([-1.0, 1.0], size=(count, P)) * (1.0 + rng.random((count, P)))
    return u / np.linalg.norm(u, axis=1, keepdims=True)


_VELTKAMP = 2.0**27 + 1.0


def _two_product(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(p, e) with p + e = a·b exactly (Dekker 1971, Veltkamp splitting; no overflow or underflow)."""
    p = a * b

    def split(x):
        c = _VELTKAMP * x
        high = c - (c - x)
        return high, x - high

    ah, al = split(a)
    bh, bl = split(b)
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


def _exact_sum_of_products(a, b, c=1.0) -> float:
    """Σ a·b·c over the broadcast arrays, correctly rounded: the triple products split into four
    floats each without error, summed by ``math.fsum``. The contraction then adds one rounding
    (≤ u·|result|) whatever the order, BLAS build or thread count."""
    a, b, c = np.broadcast_arrays(np.asarray(a, float), np.asarray(b, float), np.asarray(c, float))
    if not (np.isfinite(a).all() and np.isfinite(b).all() and np.isfinite(c).all()):
        return float(np.sum(a * b * c))             # NaN or ±inf: a kernel's failure, reported as such
    p, e = _two_product(a, b)
    parts = [*_two_product(p, c), *_two_product(e, c)]
    return math.fsum(np.concatenate([x.ravel() for x in parts]))


def _bilinear_entries(H: np.ndarray, lines: np.ndarray) -> list[float]:
    """u_iᵀ H u_j for i ≤ j (the order of :func:`_upper_pairs`), each correctly rounded."""
    return [_exact_sum_of_products(lines[i][:, None], H, lines[j][None, :]) for i, j in _upper_pairs(len(lines))]


def _contract(left: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """left·v for each row v of ``vectors`` (shape (b, P) → (b, k)), each entry correctly rounded."""
    return np.array([[_exact_sum_of_products(row, v) for row in left] for v in vectors])


# ---------------------------------------------------------------------------------------
# kinks


def _kink_functions(objective):
    """Lambdified arguments of every Step(·) in the model, or None for smooth models."""
    args = sorted({a.args[0] for out in objective.model.outputs for a in out.atoms(Step)}, key=str)
    if not args:
        return None
    return sp.lambdify([list(objective.model.parameters), list(objective.model.inputs)], args,
                       modules="numpy")


def _stencil_crosses_kink(kinks, objective, theta, radius, directions) -> bool:
    """True if some activation changes sign (or is 0) on θ ± radius·d for the given directions."""
    if kinks is None:
        return False
    xs = objective.X.T[:, None, :]
    pts = np.vstack([theta, theta + radius * directions, theta - radius * directions])
    signs = [np.sign(np.broadcast_to(v, (pts.shape[0], xs.shape[2])))
             for v in kinks(pts.T[:, :, None], xs)]
    return any(np.any(s != s[0]) or np.any(s == 0) for s in signs)


# ---------------------------------------------------------------------------------------
# collecting comparisons


class _Collector:
    def __init__(self):
        self.rows: dict[tuple[str, str], dict] = {}

    def add(self, quantity: str, method: str, point: int, got, ref, allowance) -> None:
        """Compare entries ``got`` (floats or mpf) with ``ref`` (mpf) under per-entry ``allowance``."""
        got, ref, allowance = list(got), list(ref), list(allowance)
        if len(got) != len(ref):
            raise ShapeError(f"{method} returned {len(got)} entries for {quantity}, expected {len(ref)}")
        row = self.rows.setdefault((quantity, method), {"entries": 0, "ratio": -1.0, "err": 0.0, "allow": 0.0,
                                                       "where": "", "skipped": 0})
        with mpmath.workdps(60):
            for i, (g, r, a) in enumerate(zip(got, ref, allowance)):
                g = mpmath.mpf(g) if isinstance(g, mpmath.mpf) else mpmath.mpf(float(g))
                finite = mpmath.isfinite(g)
                err = abs(g - r) if finite else mpmath.inf
                ratio = float(err / a) if a > 0 else (0.0 if err == 0 else math.inf)
                if not finite:
                    ratio = math.inf
                if ratio > row["ratio"]:
                    row.update(ratio=ratio, err=float(err), allow=float(a), where=f"point {point}, entry {i}")
        row["entries"] += len(got)

    def skip(self, quantity: str, method: str) -> None:
        row = self.rows.setdefault((quantity, method), {"entries": 0, "ratio": 0.0, "err": 0.0, "allow": 0.0,
                                                       "where": "", "skipped": 0})
        row["skipped"] += 1

    def comparisons(self) -> tuple[Comparison, ...]:
        order = {"value": 0, "gradient": 1, "hessian": 2, LINES_QUANTITY: 2}
        methods = {"kernel": 0, "mpmath.diff": 1, "finite differences": 2}
        out = []
        for (quantity, method), r in sorted(self.rows.items(),
                                            key=lambda kv: (order.get(kv[0][0], 3 + len(kv[0][0])), kv[0][0],
                                                            methods[kv[0][1]])):
            ratio = max(r["ratio"], 0.0)
            out.append(Comparison(quantity, method, r["entries"], r["err"], r["allow"], ratio, r["where"],
                                  ratio <= 1.0, r["skipped"]))
        return tuple(out)


# ---------------------------------------------------------------------------------------
# finite differences with one Richardson step


def _richardson_first(F: Callable[[np.ndarray], np.ndarray], h: float):
    """(R₁(h/2), |R₁(h/2) − R₁(h)|/15) for F'(0) from central differences at h, h/2, h/4.

    ``F`` maps an array of offsets t (k,) to values (k, ...) in one batched call.
    """
    ts = np.array([h, -h, h / 2, -h / 2, h / 4, -h / 4])
    v = F(ts)
    D = [(v[2 * j] - v[2 * j + 1]) / (2 * ts[2 * j]) for j in range(3)]
    R_h, R_h2 = (4 * D[1] - D[0]) / 3, (4 * D[2] - D[1]) / 3
    return R_h2, np.abs(R_h2 - R_h) / 15


def _richardson_second(F: Callable[[np.ndarray], np.ndarray], h: float):
    """(R₂(h/2), |R₂(h/2) − R₂(h)|/15) for F''(0) from second differences at h, h/2, h/4."""
    ts = np.array([0.0, h, -h, h / 2, -h / 2, h / 4, -h / 4])
    v = F(ts)
    D = [(v[1 + 2 * j] - 2 * v[0] + v[2 + 2 * j]) / ts[1 + 2 * j] ** 2 for j in range(3)]
    R_h, R_h2 = (4 * D[1] - D[0]) / 3, (4 * D[2] - D[1]) / 3
    return R_h2, np.abs(R_h2 - R_h) / 15


# ---------------------------------------------------------------------------------------


def peak_array_bytes(P: int) -> int:
    """Bytes of the P × P arrays :func:`cross_check` holds at once: 8·``PEAK_SQUARE_ARRAYS``·P² (float64).

    The kernel's Hessian is formed whatever ``hessian`` is (along lines it is contracted, not compared entry
    by entry), so the peak is the same in both modes: D⁴L[u] of the finite-difference column, the second
    difference of uᵀ∇²L(θ + tu)u, holds the identity matrices of :func:`cross_check` and of
    :func:`_finite_difference_column` and the Hessian at θ (3), the Hessians at the 7 points t of the stencil
    (7), and the work arrays of one error-free contraction uᵀHu (:func:`_exact_sum_of_products`: the products
    p, e, their four halves and temporaries while splitting, then the four error-free parts and their
    concatenation: 11). The kernel's own work arrays while it forms the 7 Hessians (6 P × P per θ for the
    structured kernel, one (B, P, P) product for the per-sample one) and the mpmath.diff column's P² unit-vector
    entries (72 bytes each: 9 arrays' worth, with the identity and the Hessian 11) peak lower. Not counted: the
    kernel's work arrays beyond these, bounded by its memory budget (at small P the structured kernel's 16 MB
    Hessian chunks dominate), and the exact reference, which holds O(P) numbers along lines but P² mpmath
    numbers with ``hessian="full"``. Measured with tracemalloc (reference replaced by constants, n = 5, a second
    run after a first that filled the caches): 21.10·8P² bytes at P = 300 for two_layer tanh (structured
    kernel) and 21.09·8P² for diagonal_linear (per-sample kernel); 21.35·8P² at P = 1000 in a first run.
    """
    return 8 * PEAK_SQUARE_ARRAYS * P * P


def hessian_mode(requested: str, P: int) -> str:
    """"full" or "lines": ``requested`` itself, or for "auto" full iff P ≤ FULL_HESSIAN_MAX_PARAMETERS."""
    if requested not in HESSIAN_MODES:
        raise ValueError(f"hessian must be one of {', '.join(HESSIAN_MODES)}, got {requested!r}")
    if requested != "auto":
        return requested
    return "full" if P <= FULL_HESSIAN_MAX_PARAMETERS else "lines"


def cross_check(objective, points, directions=None, *, kernel=None, orders: Sequence[int] = (1, 2, 3, 4),
                dps: int = 50, seed: int = 0, tolerances: CheckTolerances | None = None,
                mpmath_diff: bool = True, raise_on_failure: bool = True, hessian: str = "auto",
                lines: int = DEFAULT_LINE_DIRECTIONS) -> CheckReport:
    """Check ``kernel`` (default ``objective.compile()``) entry by entry at ``points``.

    ``points``: shape (m, P) with m ≥ 1; ``directions`` (m, P) for Dᵏ L[u] default to random unit
    vectors drawn with ``seed``. ``orders``: which Dᵏ L[u] (k ≤ 4) to check. ``dps``: digits of the
    reference. ``mpmath_diff=False`` skips the mpmath numerical differentiation (the slowest
    column). ``hessian``: "full" compares every Hessian entry (P(P+1)/2 SymPy derivatives),
    "lines" the entries u_iᵀ∇²L u_j of ``lines`` = k fixed dense unit directions
    (:func:`line_directions` with ``seed``), "auto" full for P ≤ ``FULL_HESSIAN_MAX_PARAMETERS``,
    else lines. Raises :class:`CrossCheckError` if any entry exceeds its allowance (unless
    ``raise_on_failure=False``); raises :class:`ShapeError` if there is nothing to check.
    """
    if not isinstance(objective, Objective):
        raise TypeError(f"cross_check takes the Objective (it derives the exact reference from its expression), got "
                        f"{type(objective).__name__}; to check a given kernel pass cross_check(objective, points, "
                        "kernel=kernel)")
    P = objective.model.n_parameters
    pts = np.asarray(points, dtype=float)
    if pts.ndim == 1 and pts.size == P:
        pts = pts[None, :]
    if pts.ndim != 2 or pts.shape[1] != P:
        raise ShapeError(f"points must have shape (m, {P}), got {np.shape(points)}")
    if pts.shape[0] == 0:
        raise ShapeError("no points to check (points has 0 rows): cross_check needs at least one point, "
                         "and checking nothing cannot pass")
    if not np.all(np.isfinite(pts)):
        raise ShapeError("points contain NaN or inf")
    if directions is None:
        dirs = np.random.default_rng(seed).normal(size=pts.shape)
        dirs /= np.linalg.norm(dirs, axis=1, keepdims=True)
    else:
        dirs = np.atleast_2d(np.asarray(directions, dtype=float))
        if dirs.shape != pts.shape:
            raise ShapeError(f"directions must have the shape of points {pts.shape}, got {dirs.shape}")
    orders = tuple(orders)
    for k in orders:
        if not isinstance(k, (int, np.integer)) or not 1 <= k <= MAX_DIRECTIONAL_ORDER:
            raise ValueError(f"orders must lie in 1..{MAX_DIRECTIONAL_ORDER}, got {k!r}")
    if isinstance(lines, bool) or not isinstance(lines, (int, np.integer)) or lines < 1:
        raise ValueError(f"lines (the number of line directions) must be an integer ≥ 1, got {lines!r}")
    mode = hessian_mode(hessian, P)
    tol = tolerances or CheckTolerances()
    kernel = objective.compile() if kernel is None else require_kernel(kernel, "cross_check(kernel=...)")
    if getattr(kernel, "P", P) != P:
        raise ShapeError(f"the kernel has P = {kernel.P} parameters, the objective {P}")
    # The Hessian as second derivatives along pairs of directions: (left, right) such that the
    # compared entries are left_iᵀ∇²L right_j: unit vectors (every entry) or the dense lines.
    if mode == "full":
        hessian_quantity, left = "hessian", np.eye(P)
    else:
        hessian_quantity, left = LINES_QUANTITY, line_directions(P, int(lines), seed)
    ref = _Reference(objective, dps)
    rows = len(ref.rows)
    kinks = _kink_functions(objective)
    col = _Collector()
    eye = np.eye(P)
    for i, (theta, u) in enumerate(zip(pts, dirs)):
        # -- reference and magnitudes ----------------------------------------------------
        refs = {"value": ref.value(theta), "gradient": ref.gradient(theta)}
        refs[hessian_quantity] = ref.hessian(theta) if mode == "full" else ref.along_lines(theta, left)
        for k in orders:
            refs[f"D^{k} L[u]"] = ref.directional(theta, u, k)
        # -- the kernel ------------------------------------------------------------------
        H = kernel.hessian(theta)
        got = {"value": [kernel.value(theta)], "gradient": np.ravel(kernel.gradient(theta)),
               hessian_quantity: np.ravel(H) if mode == "full"
               else _bilinear_entries(np.asarray(H, dtype=float).reshape(P, P), left)}
        for k in orders:
            got[f"D^{k} L[u]"] = [kernel.directional(theta, u, k)]
        for q, (vals, mags) in refs.items():
            col.add(q, "kernel", i, got[q], vals, [tol.kernel(float(s), rows) for s in mags])
        # -- mpmath numerical differentiation of the loss value --------------------------
        if mpmath_diff:
            radius = 1e-30 * max(1.0, np.abs(theta).max())
            _mpmath_diff_column(col, ref, refs, theta, u, left, hessian_quantity, orders, tol, i,
                                skip=_stencil_crosses_kink(kinks, objective, theta, radius, np.vstack([eye, u, left])))
        # -- finite differences of the kernel with a Richardson step ----------------------
        _finite_difference_column(col, kernel, objective, kinks, ref, refs, theta, u, left, hessian_quantity,
                                  orders, tol, i)
    report = CheckReport(objective=repr(objective), kernel=type(kernel).__name__, n_points=len(pts),
                         reference=f"SymPy derivatives of the loss expression, mpmath at {dps} digits",
                         tolerances=tol, comparisons=col.comparisons(), hessian=mode,
                         line_directions=0 if mode == "full" else int(lines))
    if raise_on_failure and not report.passed:
        raise CrossCheckError("cross-check failed:\n" + report.table(), report)
    return report


def _mpmath_diff_column(col, ref, refs, theta, u, left, hessian_quantity, orders, tol, point, skip: bool) -> None:
    """mpmath.diff of L(θ): the gradient along unit vectors, the Hessian entries left_iᵀ∇²L left_j
    as ∂²/∂s∂t L(θ + s·left_i + t·left_j) (d²/dt² L(θ + t·left_i) for i = j), Dᵏ L[u]."""
    derivative_quantities = [q for q in refs if q != "value"]
    if skip:
        for q in derivative_quantities:
            col.skip(q, "mpmath.diff")
        return
    mags = [s for q in derivative_quantities for s in refs[q][1] if s > 0]
    s_value = refs["value"][1][0]
    s_min = min(mags) if mags else mpmath.mpf(1)
    extra = max(0, math.ceil(float(mpmath.log10(s_value / s_min)))) if s_value > 0 else 0
    P = len(theta)
    with mpmath.workdps(ref.dps + extra):
        th = [mpmath.mpf(float(t)) for t in theta]
        uu = [mpmath.mpf(float(t)) for t in u]
        sides = [[mpmath.mpf(float(t)) for t in row] for row in left]

        def along(d):
            return lambda t: ref.loss_value([a + t * b for a, b in zip(th, d)])

        def plane(d, e):
            return lambda s, t: ref.loss_value([a + s * b + t * c for a, b, c in zip(th, d, e)])

        unit = [[mpmath.mpf(int(p == q)) for q in range(P)] for p in range(P)]
        grad = [mpmath.diff(along(unit[p]), 0, 1) for p in range(P)]
        second = {(i, j): mpmath.diff(along(sides[i]), 0, 2) if i == j
                  else mpmath.diff(plane(sides[i], sides[j]), (0, 0), (1, 1))
                  for i, j in _upper_pairs(len(sides))}
        values = {"gradient": grad}
        if hessian_quantity == "hessian":
            values["hessian"] = [second[min(p, q), max(p, q)] for p in range(P) for q in range(P)]
        else:
            values[hessian_quantity] = list(second.values())
        for q in derivative_quantities:
            if q.startswith("D^"):
                values[q] = [mpmath.diff(along(uu), 0, int(q[2]))]
    scale = mpmath.mpf(10) ** -tol.mpmath_diff_digits
    for q in derivative_quantities:
        vals, m = refs[q]
        col.add(q, "mpmath.diff", point, values[q], vals, [scale * (s + s_min) for s in m])


def _finite_difference_column(col, kernel, objective, kinks, ref, refs, theta, u, left, hessian_quantity, orders,
                              tol, point) -> None:
    """Richardson-extrapolated differences of the kernel: the gradient from values along unit
    vectors; left_iᵀ∇²L left_j from left_i·∇L(θ + t·left_j) (contracted without rounding error);
    D³, D⁴ from uᵀ∇²L(θ + tu)u, whose rounding is that of the magnitude of D²L[u]."""
    P = len(theta)
    s_value = float(refs["value"][1][0])
    s_hess = max(float(s) for s in refs[hessian_quantity][1])
    length = math.sqrt(s_value / s_hess) if s_value > 0 and s_hess > 0 else max(1.0, float(np.abs(theta).max()))
    h1 = 2 * length * UNIT_ROUNDOFF ** (1 / 5)
    h2 = 2 * length * UNIT_ROUNDOFF ** (1 / 6)
    eye = np.eye(P)
    fd_orders = [k for k in orders if k >= 3]
    if _stencil_crosses_kink(kinks, objective, theta, h1, eye):
        col.skip("gradient", "finite differences")
    else:
        noise_v = tol.fd_noise(s_value)
        g_fd, g_trunc = zip(*[_richardson_first(lambda t, p=p: np.asarray(kernel.value(theta + t[:, None] * eye[p])), h1)
                              for p in range(P)])
        col.add("gradient", "finite differences", point, g_fd, refs["gradient"][0],
                [tol.fd_safety * (e + 6 * noise_v / h1) for e in g_trunc])
    if _stencil_crosses_kink(kinks, objective, theta, h1, left):
        col.skip(hessian_quantity, "finite differences")
    else:
        s_grad = np.array([float(s) for s in refs["gradient"][1]])
        noise_g = np.array([tol.fd_noise(s) for s in np.abs(left) @ s_grad])   # of left_i·∇L
        cols = [_richardson_first(lambda t, d=d: _contract(left, np.asarray(kernel.gradient(theta + t[:, None] * d))),
                                  h1) for d in left]
        H_fd = np.array([c[0] for c in cols])                  # [j, i]: d/dt left_i·∇L(θ + t·left_j)
        H_tr = np.array([c[1] for c in cols])
        allow = tol.fd_safety * (H_tr + 6 * noise_g[None, :] / h1)
        if hessian_quantity == "hessian":
            est, allowance = H_fd.ravel(), allow.ravel()
        else:
            pairs = _upper_pairs(len(left))
            est, allowance = [H_fd[j, i] for i, j in pairs], [allow[j, i] for i, j in pairs]
        col.add(hessian_quantity, "finite differences", point, est, refs[hessian_quantity][0], allowance)
    if not fd_orders:
        return
    if _stencil_crosses_kink(kinks, objective, theta, h2 * (1 + np.abs(u).max()), u[None, :]):
        for k in fd_orders:
            col.skip(f"D^{k} L[u]", "finite differences")
        return
    s_quadratic = refs["D^2 L[u]"][1][0] if "D^2 L[u]" in refs else ref.directional(theta, u, 2)[1][0]
    noise_q = tol.fd_noise(float(s_quadratic))

    def q(t):
        H = np.asarray(kernel.hessian(theta[None, :] + t[:, None] * u[None, :]), dtype=float).reshape(len(t), P, P)
        return np.array([_exact_sum_of_products(u[:, None], Hb, u[None, :]) for Hb in H])

    for k in fd_orders:
        if k == 3:
            est, trunc = _richardson_first(q, h1)
            allowance = tol.fd_safety * (trunc + 6 * noise_q / h1)
        else:
            est, trunc = _richardson_second(q, h2)
            allowance = tol.fd_safety * (trunc + 272 * noise_q / (3 * h2**2))
        col.add(f"D^{k} L[u]", "finite differences", point, [est], refs[f"D^{k} L[u]"][0], [allowance])
