"""Cross-check harness: every derivative evaluated four independent ways.

For an objective and a set of points θ (and directions u) the harness computes

1. the **reference**: the loss-level symbolic derivatives (gradient, Hessian as the
   Jacobian of the gradient, line-expansion directional derivatives) evaluated with
   exact rational inputs in SymPy arithmetic. Polynomial and ReLU-family models
   give exact rationals; transcendental functions (exp, tanh, σ, ...) are rounded
   to 80 significant digits where they occur;
2. the **NumPy kernel** (model-level chain-rule assembly, float64);
3. **mpmath** at ``dps`` digits (default 50) from the same symbolic source;
4. **finite differences**: central differences of the kernel's value (for the
   gradient), of its gradient (for the Hessian), of uᵀ∇²L(θ + t u)u (for D³, D⁴),
   plus ``mpmath.diff`` of the mpmath value along θ + t u (for every Dᵏ), which
   uses no symbolic derivative at all.

The largest discrepancy of each method against the reference is reported per
quantity, relative to a scale: the larger of the quantity's own largest reference entry
and the objective's scale max(|L|, ‖∇L‖_∞, max|∇²L|) over the checked points. Rounding
in float64 sums and in finite differences is proportional to the size of the terms, so a
derivative that is small by cancellation is not held to an unattainable relative error.
A discrepancy above tolerance raises :class:`~symsaddle.errors.CrossCheckError`.
For ReLU-family models, finite-difference comparisons at a point whose stencil
crosses a kink (an activation pattern change) are skipped and counted.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Sequence

import mpmath
import numpy as np
import sympy as sp
from sympy.printing.pycode import SymPyPrinter

from ._activations import Sigmoid, Softplus, Step
from ._derivatives import MAX_DIRECTIONAL_ORDER
from .protocol import parameter_vector
from .errors import CrossCheckError, ShapeError

EXACT_DIGITS = 80

#: Default relative tolerances per method.
DEFAULT_TOLERANCES = {
    "numpy kernel": 1e-9,
    "mpmath": 1e-40,
    "finite differences": 1e-5,
    "mpmath line derivative": 1e-25,
}


def _rounded(fn):
    def wrapped(*args):
        val = fn(*args)
        return val if val.is_Rational else sp.N(val, EXACT_DIGITS)
    return wrapped


_EXACT_NAMESPACE = {name: _rounded(fn) for name, fn in {
    "Sigmoid": lambda z: Sigmoid(z).rewrite(sp.exp), "Softplus": lambda z: Softplus(z).rewrite(sp.log),
    "exp": sp.exp, "log": sp.log, "tanh": sp.tanh, "sqrt": sp.sqrt, "sin": sp.sin, "cos": sp.cos,
}.items()}
_EXACT_NAMESPACE.update({"Step": Step, "Rational": sp.Rational})


class _ExactPrinter(SymPyPrinter):
    """Prints rationals as ``Rational(p, q)`` so lambdified code stays in exact arithmetic."""

    def _print_Rational(self, expr):
        return f"Rational({expr.p}, {expr.q})"

    _print_Half = _print_Rational


def _exact_lambdify(args, exprs):
    return sp.lambdify(args, list(exprs), modules=[_EXACT_NAMESPACE, "sympy"], cse=True,
                       printer=_ExactPrinter({"fully_qualified_modules": False, "inline": True,
                                              "allow_unknown_functions": True, "user_functions": {}}))


@dataclass(frozen=True)
class Comparison:
    """Largest discrepancy of one method against the reference for one quantity."""

    quantity: str
    method: str
    max_abs_error: float
    scale: float
    max_rel_error: float
    tolerance: float
    passed: bool
    skipped_points: int = 0


@dataclass(frozen=True)
class CheckReport:
    """Result of :func:`cross_check`: one row per (quantity, method)."""

    objective: str
    n_points: int
    reference: str
    comparisons: tuple[Comparison, ...] = field(default=())

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.comparisons)

    def failures(self) -> tuple[Comparison, ...]:
        return tuple(c for c in self.comparisons if not c.passed)

    def table(self) -> str:
        """A Markdown table of the comparisons."""
        head = ("| quantity | method | max abs error | scale | max rel error | tolerance | ok |\n"
                "|---|---|---|---|---|---|---|")
        rows = [f"| {c.quantity} | {c.method} | {c.max_abs_error:.3e} | {c.scale:.3e} | "
                f"{c.max_rel_error:.3e} | {c.tolerance:.0e} | "
                f"{'yes' if c.passed else 'NO'}{f' ({c.skipped_points} skipped: kink)' if c.skipped_points else ''} |"
                for c in self.comparisons]
        return "\n".join([head, *rows])

    def to_dict(self) -> dict:
        return {"objective": self.objective, "n_points": self.n_points, "reference": self.reference,
                "passed": self.passed, "comparisons": [asdict(c) for c in self.comparisons]}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)


class ExactEvaluator:
    """Loss-level symbolic derivatives evaluated with exact rational inputs."""

    backend = "exact"

    def __init__(self, objective):
        sd = objective.sample
        self.objective = objective
        self.P = sd.model.n_parameters
        self.args = [list(sd.parameters), list(sd.inputs), list(sd.labels)]
        self._value = _exact_lambdify(self.args, [sd.sample_loss])
        self._gradient = _exact_lambdify(self.args, sd.gradient)
        H = sd.hessian
        self._upper = [(p, q) for p in range(self.P) for q in range(p, self.P)]
        self._hessian = _exact_lambdify(self.args, [H[p, q] for p, q in self._upper])
        self._directional = {}
        self._rows = [([sp.Rational(float(v)) for v in objective.X[i]],
                       [sp.Rational(float(v)) for v in objective.y[i]]) for i in range(objective.X.shape[0])]
        transcendental = (sp.exp, sp.log, sp.tanh, sp.sin, sp.cos, Sigmoid, Softplus)
        self.exact = not any(isinstance(a, transcendental) for a in sd.sample_loss.atoms(sp.Function))

    def _sum(self, fn, *prefix):
        total = None
        for x, y in self._rows:
            vals = fn(*prefix, x, y)
            total = vals if total is None else [a + b for a, b in zip(total, vals)]
        return [self.objective.factor * v for v in total]

    def _theta(self, theta):
        return [sp.Rational(float(v)) for v in parameter_vector(theta, self.P)]

    def value(self, theta):
        return self._sum(self._value, self._theta(theta))[0]

    def gradient(self, theta):
        return self._sum(self._gradient, self._theta(theta))

    def hessian(self, theta):
        vals = self._sum(self._hessian, self._theta(theta))
        M = [[None] * self.P for _ in range(self.P)]
        for (p, q), v in zip(self._upper, vals):
            M[p][q] = M[q][p] = v
        return M

    def directional(self, theta, u, order):
        if order not in self._directional:
            sd = self.objective.sample
            self._directional[order] = _exact_lambdify(
                [self.args[0], list(sd.directions)] + self.args[1:], [sd.directional(order)])
        return self._sum(self._directional[order], self._theta(theta), self._theta(u))[0]


def _kink_functions(objective):
    """Lambdified arguments of every Step(·) in the model, or None for smooth models."""
    args = sorted({a.args[0] for out in objective.model.outputs for a in out.atoms(Step)}, key=str)
    if not args:
        return None
    return sp.lambdify([list(objective.model.parameters), list(objective.model.inputs)], args,
                       modules="numpy")


def _stencil_crosses_kink(kinks, objective, theta, radius) -> bool:
    """True if some activation changes sign within ``radius`` (∞-norm) of θ."""
    if kinks is None:
        return False
    xs = objective.X.T[:, None, :]
    P = len(theta)
    pts = np.vstack([theta, theta + radius * np.eye(P), theta - radius * np.eye(P)])
    signs = [np.sign(np.broadcast_to(v, (pts.shape[0], xs.shape[2])))
             for v in kinks(pts.T[:, :, None], xs)]
    return any(np.any(s != s[0]) or np.any(s == 0) for s in signs)


def _flat(values) -> list:
    if isinstance(values, mpmath.matrix):
        return [values[i, j] for i in range(values.rows) for j in range(values.cols)]
    if isinstance(values, np.ndarray):
        return list(values.ravel())
    out = []
    for v in values:
        out.extend(_flat(v) if isinstance(v, (list, tuple, np.ndarray)) else [v])
    return out


def _to_mp(v) -> mpmath.mpf:
    if isinstance(v, mpmath.mpf):
        return v
    if isinstance(v, (float, int, np.floating, np.integer)):
        return mpmath.mpf(float(v))
    return mpmath.mpf(sp.N(v, EXACT_DIGITS))


class _Collector:
    def __init__(self, tolerances):
        self.tol = tolerances
        self.data: dict[tuple[str, str], list] = {}
        self.scale: dict[str, float] = {}
        self.skipped: dict[tuple[str, str], int] = {}

    def add(self, quantity, method, got, ref):
        with mpmath.workdps(EXACT_DIGITS + 10):
            g = [_to_mp(v) for v in _flat(got)]
            r = [_to_mp(v) for v in _flat(ref)]
            if len(g) != len(r):
                raise ShapeError(f"{method} returned {len(g)} entries for {quantity}, expected {len(r)}")
            err = max((abs(a - b) for a, b in zip(g, r)), default=mpmath.mpf(0))
            scale = max((abs(b) for b in r), default=mpmath.mpf(0))
        self.scale[quantity] = max(self.scale.get(quantity, 0.0), float(scale))
        self.data.setdefault((quantity, method), []).append(err)

    def skip(self, quantity, method):
        self.skipped[(quantity, method)] = self.skipped.get((quantity, method), 0) + 1

    def comparisons(self) -> tuple[Comparison, ...]:
        objective_scale = max(self.scale.get(q, 0.0) for q in ("value", "gradient", "hessian"))
        out = []
        for key in sorted(set(self.data) | set(self.skipped), key=lambda k: (_order(k[0]), k[1])):
            quantity, method = key
            errs = self.data.get(key, [])
            abs_err = float(max(errs)) if errs else 0.0
            scale = max(self.scale.get(quantity, 0.0), objective_scale) or 1.0
            rel = abs_err / scale
            tol = self.tol[method]
            out.append(Comparison(quantity, method, abs_err, scale, rel, tol, rel <= tol,
                                  self.skipped.get(key, 0)))
        return tuple(out)


def _order(quantity: str) -> int:
    return {"value": 0, "gradient": 1, "hessian": 2}.get(quantity, 3 + len(quantity))


def cross_check(objective, points, directions=None, *, orders: Sequence[int] = (1, 2, 3, 4),
                dps: int = 50, seed: int = 0, tolerances: dict[str, float] | None = None,
                raise_on_failure: bool = True, kernel=None) -> CheckReport:
    """Compare reference, NumPy kernel, mpmath and finite differences at ``points``.

    ``points`` has shape (m, P); ``directions`` (m, P) defaults to random unit vectors
    drawn with ``seed``. ``kernel``: the batched NumPy kernel under test (any
    :class:`symsaddle.Kernel`; default ``objective.compile()``, the structured kernel for
    layered models). Raises :class:`CrossCheckError` on a discrepancy above tolerance
    unless ``raise_on_failure=False``.
    """
    P = objective.model.n_parameters
    pts = np.atleast_2d(np.asarray(points, dtype=float))
    if pts.shape[1] != P:
        raise ShapeError(f"points must have shape (m, {P}), got {np.shape(points)}")
    if not np.all(np.isfinite(pts)):
        raise ShapeError("points contain NaN or inf")
    if directions is None:
        rng = np.random.default_rng(seed)
        dirs = rng.normal(size=pts.shape)
        dirs /= np.linalg.norm(dirs, axis=1, keepdims=True)
    else:
        dirs = np.atleast_2d(np.asarray(directions, dtype=float))
        if dirs.shape != pts.shape:
            raise ShapeError(f"directions must have the shape of points {pts.shape}, got {dirs.shape}")
    for k in orders:
        if not 1 <= k <= MAX_DIRECTIONAL_ORDER:
            raise ValueError(f"orders must lie in 1..{MAX_DIRECTIONAL_ORDER}, got {k}")
    tol = {**DEFAULT_TOLERANCES, **(tolerances or {})}
    kernel = objective.compile() if kernel is None else kernel
    mpk = objective.compile("mpmath", dps=dps)
    exact = ExactEvaluator(objective)
    kinks = _kink_functions(objective)
    col = _Collector(tol)
    eps = np.finfo(float).eps
    for theta, u in zip(pts, dirs):
        ref_v, ref_g, ref_h = exact.value(theta), exact.gradient(theta), exact.hessian(theta)
        col.add("value", "numpy kernel", [kernel.value(theta)], [ref_v])
        col.add("gradient", "numpy kernel", kernel.gradient(theta), ref_g)
        col.add("hessian", "numpy kernel", kernel.hessian(theta), ref_h)
        col.add("value", "mpmath", [mpk.value(theta)], [ref_v])
        col.add("gradient", "mpmath", mpk.gradient(theta), ref_g)
        col.add("hessian", "mpmath", mpk.hessian(theta), ref_h)
        h1 = eps ** (1 / 3) * max(1.0, float(np.max(np.abs(theta))))
        if _stencil_crosses_kink(kinks, objective, theta, h1):
            col.skip("gradient", "finite differences")
            col.skip("hessian", "finite differences")
        else:
            E = np.eye(P) * h1
            fd_g = (kernel.value(theta + E) - kernel.value(theta - E)) / (2 * h1)
            fd_h = (kernel.gradient(theta + E) - kernel.gradient(theta - E)) / (2 * h1)
            col.add("gradient", "finite differences", fd_g, ref_g)
            col.add("hessian", "finite differences", (fd_h + fd_h.T) / 2, ref_h)
        for k in orders:
            name = f"D^{k} L[u]"
            ref_d = exact.directional(theta, u, k)
            col.add(name, "numpy kernel", [kernel.directional(theta, u, k)], [ref_d])
            col.add(name, "mpmath", [mpk.directional(theta, u, k)], [ref_d])
            with mpmath.workdps(dps):
                line = mpk.line(theta, u)
                col.add(name, "mpmath line derivative", [mpmath.diff(line, 0, k)], [ref_d])
            if k >= 3:
                # first (k = 3) or second (k = 4) central difference of q(t) = uᵀ∇²L(θ + tu)u:
                # optimal steps eps^(1/3) and eps^(1/4) balance truncation against rounding
                hk = eps ** (1 / k) * max(1.0, float(np.max(np.abs(theta))))
                if _stencil_crosses_kink(kinks, objective, theta, hk * (1 + np.max(np.abs(u)))):
                    col.skip(name, "finite differences")
                    continue
                q = lambda t: u @ kernel.hessian(theta + t * u) @ u  # noqa: E731
                fd = ((q(hk) - q(-hk)) / (2 * hk) if k == 3
                      else (q(hk) - 2 * q(0.0) + q(-hk)) / hk**2)
                col.add(name, "finite differences", [fd], [ref_d])
    report = CheckReport(objective=repr(objective), n_points=len(pts),
                         reference="exact rational arithmetic" if exact.exact else
                         f"exact rational inputs, transcendental functions at {EXACT_DIGITS} digits",
                         comparisons=col.comparisons())
    if raise_on_failure and not report.passed:
        raise CrossCheckError("cross-check failed:\n" + report.table(), report)
    return report
