"""``symsaddle saddles --data FILE``: the saddle-to-saddle sequence of a diagonal linear network
trained from a vanishing initialisation on the user's data (Pesme & Flammarion 2023, Algorithm 1).

The data are first divided by powers of two a ≈ max|X|, b ≈ max|y| (exact in floating point),
and the results mapped back: with X = aX', y = by' the loss is L(β) = b²L'(aβ/b), so the
saddles are β_k = (b/a)β'_k, the losses b²L'_k and the accelerated jump times t'_k/(ab).
The answer therefore does not depend on the units of the data, and data of any magnitude
whose results float64 can hold are accepted.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np

from ..datafile import load_xy
from ..errors import SymsaddleError
from ..registry import command
from ..reports import write_tables
from .limit import limit_path, min_l1_minimiser
from .problem import DiagonalProblem

#: ``--tol`` bounds: above, gradient entries of 0.1 % of ∇L(0) count as zero and saddles can be
#: skipped (at ≥ 1 the origin itself is called a minimiser); below, float64 rounding of ∇L exceeds it.
TOL_RANGE = (1e-14, 1e-3)


class UnrepresentableResultError(SymsaddleError, ValueError):
    """The data's scale puts the results (saddles, losses, times) outside the float64 range."""


def _power_of_two_scale(a: np.ndarray) -> float:
    m = float(np.max(np.abs(a)))
    return 1.0 if m == 0 else 2.0 ** round(math.log2(m))


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
                        "sample and y in the last column")
    p.add_argument("--tol", type=_tolerance, default=1e-10,
                   help=f"gradient tolerance relative to max|∇L(0)|, in [{TOL_RANGE[0]:g}, {TOL_RANGE[1]:g}] "
                        "(default 1e-10)")


def _check_finite(name: str, values) -> None:
    arr = np.asarray(values, dtype=float)
    if not np.all(np.isfinite(arr)) or np.any((arr != 0) & (np.abs(arr) < np.finfo(float).tiny)):
        raise UnrepresentableResultError(
            f"the {name} at this data scale are outside the float64 range; divide X and/or y by a constant "
            "(the saddles scale as max|y|/max|X|, the losses as max|y|², the jump times as 1/(max|X|·max|y|))")


@command("saddles", "saddle-to-saddle sequence of a diagonal linear network on your data, from a vanishing "
                    "initialisation (Pesme & Flammarion 2023, Algorithm 1), checked against the min-ℓ1 "
                    "interpolator", arguments=add_arguments)
def saddles(args: argparse.Namespace) -> dict:
    X, y = load_xy(args.data)
    a, b = _power_of_two_scale(X), _power_of_two_scale(y)
    problem = DiagonalProblem(X / a, y / b, Path(args.data).name)
    path = limit_path(problem, tol=args.tol)
    lp = min_l1_minimiser(problem) / a * b
    predicted = []
    for s in path.saddles:
        entry = s.to_dict()
        entry.update(p=(s.beta / a * b).tolist(), loss=s.loss * b * b, time=s.time / a / b)
        predicted.append(entry)
    betas = np.array([e["p"] for e in predicted])
    _check_finite("saddle coordinates", betas)
    _check_finite("losses", [e["loss"] for e in predicted])
    _check_finite("jump times", [e["time"] for e in predicted])
    final = betas[-1]
    result = {"data": {"file": str(args.data), "n": problem.n, "d": problem.d, "rank": problem.rank,
                       "min_loss": problem.min_loss * b * b, "scale_X": a, "scale_y": b},
              "status": path.status.value, "tolerance": args.tol,
              "indices": "0-based: p[i], support, activated and left_face count coordinates from 0",
              "predicted": predicted, "min_l1_linprog": lp.tolist(),
              "linprog_minus_last_saddle": float(np.max(np.abs(lp - final)))}
    status = ("completed: the last saddle is the minimiser" if path.status.value == "completed" else
              f"{path.status.value}: Algorithm 1 stopped before ∇L = 0 — the last row is NOT a minimiser")
    lines = [f"{problem.label}: n = {problem.n} samples, d = {problem.d} features; Algorithm 1 {status}; "
             f"{len(path.saddles)} saddles (accelerated time t̃ = t_GD / ln(1/γ))"]
    lines += [f"  t̃ = {e['time']:.6g}  L = {e['loss']:.6g}  {e['kind']:13s} active "
              f"{', '.join(f'p_{i + 1}' for i in e['support']) or 'none'}  p = {np.round(e['p'], 6).tolist()}"
              for e in predicted]
    rel = result["linprog_minus_last_saddle"] / max(float(np.max(np.abs(lp))), np.finfo(float).tiny)
    lines.append(f"min-ℓ1 minimiser by linprog differs from the last saddle by "
                 f"{result['linprog_minus_last_saddle']:.1e} ({rel:.1e} relative)")
    if args.out:
        rows = [{"k": e["step"], "t_k": e["time"], "p_k": np.round(e["p"], 6).tolist(), "loss": e["loss"],
                 "kind": e["kind"], "activated (p_i, 1-based)": [i + 1 for i in e["activated"]]}
                for e in predicted]
        write_tables(rows, args.out, "predicted", caption=f"Algorithm 1 (Pesme \\& Flammarion) for {problem.label}")
    result["text"] = "\n".join(lines)
    return result
