"""``symsaddle saddles --data FILE``: the saddle-to-saddle sequence of a diagonal linear network
trained from a vanishing initialisation on the user's data (Pesme & Flammarion 2023, Algorithm 1).

The data are first divided by powers of two a ≤ max|X| < 2a, b ≤ max|y| < 2b (exact in floating point),
and the results mapped back: with X = aX', y = by' the loss is L(β) = b²L'(aβ/b), so the
saddles are β_k = (b/a)β'_k, the losses b²L'_k and the accelerated jump times t'_k/(ab).
The answer therefore does not depend on the units of the data, and data of any magnitude
whose results float64 can hold are accepted.
"""

from __future__ import annotations

import argparse
import math
from collections import Counter
from pathlib import Path

import numpy as np

from ..datafile import load_xy
from ..errors import SingularMatrixError, SymsaddleError
from ..registry import command
from ..reports import format_sparse_vector, plural, save_figure, write_tables
from .figures import limit_path_figure
from .limit import limit_path, min_l1_minimiser
from .problem import DiagonalProblem

#: ``--tol`` bounds: above, gradient entries of 0.1 % of ∇L(0) count as zero and saddles can be
#: skipped (at ≥ 1 the origin itself is called a minimiser); below, float64 rounding of ∇L exceeds it.
TOL_RANGE = (1e-14, 1e-3)


class UnrepresentableResultError(SymsaddleError, ValueError):
    """The data's scale puts the results (saddles, losses, times) outside the float64 range."""


def _binary_exponent(a: np.ndarray) -> int:
    """e with 2^e ≤ max|a| < 2^(e+1) (0 for a zero array): dividing by 2^e is exact and cannot overflow."""
    m = float(np.max(np.abs(a)))
    return 0 if m == 0 else math.frexp(m)[1] - 1


def _unscale(name: str, values, exponent: int) -> np.ndarray:
    """values · 2^exponent, exactly; an error if a non-zero value leaves the normal float64 range."""
    v = np.asarray(values, dtype=float)
    with np.errstate(over="ignore", under="ignore"):
        out = np.ldexp(v, exponent)
    if np.any((v != 0) & ~(np.isfinite(out) & (np.abs(out) >= np.finfo(float).tiny))):
        raise UnrepresentableResultError(
            f"the {name} at this data scale are outside the float64 range; divide X and/or y by a constant "
            "(the saddles scale as max|y|/max|X|, the losses as max|y|², the jump times as 1/(max|X|·max|y|))")
    return out


def _tolerance(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
    low, high = TOL_RANGE
    if not (math.isfinite(value) and low <= value <= high):
        raise argparse.ArgumentTypeError(
            f"must lie in [{low:g}, {high:g}], got {text}: it is relative to max|∇L(0)|, and a larger value "
            "counts real gradients as zero (from 1 on, the origin itself is called a minimiser), a smaller one "
            "is below float64 rounding")
    return value


def add_arguments(p: argparse.ArgumentParser):
    p.add_argument("--data", type=Path, required=True,
                   help=".npz with arrays X (n × d, one row per sample) and y (n,), or a .csv with one row per "
                        "sample, comma-separated (standard CSV quoting), y in the last column (a first line without "
                        "numbers is a header of column names and skipped; an empty first header field marks a "
                        "column of row names, dropped)")
    p.add_argument("--tol", type=_tolerance, default=1e-10,
                   help="a gradient entry counts as zero below tol·max|∇L(0)| (∇L at the zero initialisation); "
                        f"in [{TOL_RANGE[0]:g}, {TOL_RANGE[1]:g}] (default 1e-10)")


@command("saddles", "saddle-to-saddle sequence of a diagonal linear network on your data, from a vanishing "
                    "initialisation (Pesme & Flammarion 2023, Algorithm 1), checked against the min-ℓ1 "
                    "interpolator", arguments=add_arguments)
def saddles(args: argparse.Namespace) -> dict:
    X, y = load_xy(args.data)
    ea, eb = _binary_exponent(X), _binary_exponent(y)           # a = 2^ea, b = 2^eb
    problem = DiagonalProblem(np.ldexp(X, -ea), np.ldexp(y, -eb), Path(args.data).name)
    try:
        path = limit_path(problem, tol=args.tol)
    except SingularMatrixError as exc:
        raise SingularMatrixError(f"{args.data}: {exc}") from None
    betas = _unscale("saddle coordinates", path.betas, eb - ea)
    rounding = np.finfo(float).eps ** 2 * path.losses[0]      # ½‖r‖² with r known to eps·‖y‖: below, it is 0
    losses = _unscale("losses", np.where(path.losses <= rounding, 0.0, path.losses), 2 * eb)
    times = _unscale("jump times", path.times, -ea - eb)
    lp = _unscale("min-ℓ1 coordinates", min_l1_minimiser(problem), eb - ea)
    min_loss = float(_unscale("losses", [0.0 if problem.min_loss <= rounding else problem.min_loss], 2 * eb)[0])
    predicted = []
    for k, s in enumerate(path.saddles):
        entry = s.to_dict()
        entry.update(p=betas[k].tolist(), loss=float(losses[k]), accelerated_time=float(times[k]))
        predicted.append(entry)
    final = betas[-1]
    result = {"data": {"file": str(args.data), "n": problem.n, "d": problem.d, "rank": problem.rank,
                       "min_loss": min_loss, "scale_X": math.ldexp(1.0, ea), "scale_y": math.ldexp(1.0, eb)},
              "status": path.status.value, "tolerance": args.tol,
              "indices": "0-based: p[i], support, activated and left_face count coordinates from 0",
              "predicted": predicted, "min_l1_linprog": lp.tolist(),
              "linprog_minus_last_saddle": float(np.max(np.abs(lp - final)))}
    status = ("completed: the last saddle is the minimiser" if path.status.value == "completed" else
              f"{path.status.value}: Algorithm 1 stopped before ∇L = 0 — the last row is NOT a minimiser")
    kinds = Counter(e["kind"] for e in predicted)
    visited = ", ".join(plural(n, kind) for kind, n in kinds.items())
    lines = [f"{problem.label}: n = {plural(problem.n, 'sample')}, d = {plural(problem.d, 'feature')}; Algorithm 1 "
             f"{status}; {plural(len(predicted), 'equilibrium', 'equilibria')} visited ({visited}; accelerated time "
             "t̃ = t_GD / ln(1/γ); coordinates p[i] counted from 0)"]
    lines += [f"  t̃ = {e['accelerated_time']:.6g}  L = {e['loss']:.6g}  {e['kind']:13s} active "
              f"{', '.join(f'p[{i}]' for i in e['support']) or 'none'}  p = {format_sparse_vector(e['p'], 'p')}"
              for e in predicted]
    rel = result["linprog_minus_last_saddle"] / max(float(np.max(np.abs(lp))), np.finfo(float).tiny)
    lines.append(f"min-ℓ1 minimiser by linprog differs from the last saddle by "
                 f"{result['linprog_minus_last_saddle']:.1e} ({rel:.1e} relative)")
    if args.out:
        rows = [{"k": e["step"], "t_k": e["accelerated_time"], "p_k": [float(f"{v:.6g}") for v in e["p"]], "loss": e["loss"],
                 "kind": e["kind"], "activated (p[i], i from 0)": e["activated"]}
                for e in predicted]
        write_tables(rows, args.out, "predicted", caption=f"Algorithm 1 (Pesme & Flammarion) for {problem.label}")
        save_figure(limit_path_figure(times, betas, losses, title=f"{problem.label}: the γ → 0 limit (Algorithm 1)"),
                    args.out, "limit_path")
    result["text"] = "\n".join(lines)
    return result
