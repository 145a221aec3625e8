"""Command line: ``symsaddle demo | derive | check | reproduce <case>``.

Every command takes ``--json`` (print one JSON object on stdout) and ``--out DIR``
(write files there). ``python -m symsaddle`` is the same program.
Arguments are parsed as numbers and names only; no user text reaches ``sympify``/``eval``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import sympy as sp

from . import models
from .errors import SymsaddleError
from .reports import dumps, write_json

DEFAULT_OUT = Path("symsaddle-output")

MODEL_FAMILIES = ("diagonal_linear", "deep_linear", "two_layer", "mlp")


def _add_common(p: argparse.ArgumentParser, default_out: str | None):
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.add_argument("--out", type=Path, default=Path(default_out) if default_out else None,
                   help="directory for tables, JSON and figures")


def _add_model_args(p: argparse.ArgumentParser):
    p.add_argument("model", choices=MODEL_FAMILIES, help="model family")
    p.add_argument("--d", type=int, default=2, help="diagonal_linear: width d")
    p.add_argument("--widths", type=int, nargs="+", default=[2, 2, 1],
                   help="deep_linear / mlp: layer widths d_0 ... d_N")
    p.add_argument("--d-in", type=int, default=2, help="two_layer: input dimension")
    p.add_argument("--width", type=int, default=3, help="two_layer: hidden width")
    p.add_argument("--d-out", type=int, default=1, help="two_layer: output dimension")
    p.add_argument("--activation", default="tanh", help="two_layer / mlp activation name")
    p.add_argument("--bias", action="store_true", help="two_layer / mlp: add biases")
    p.add_argument("--n", type=int, default=1, help="number of samples")
    p.add_argument("--loss", default="square", choices=("square", "logistic", "linear"))
    p.add_argument("--normalization", default="mean",
                   help="'mean' (1/n), 'sum', or a positive number c in L = c Σ ℓ")


def _model(args) -> models.Model:
    if args.model == "diagonal_linear":
        return models.diagonal_linear(args.d)
    if args.model == "deep_linear":
        return models.deep_linear(args.widths)
    if args.model == "two_layer":
        return models.two_layer(args.d_in, args.width, args.activation, bias=args.bias, d_out=args.d_out)
    return models.mlp(args.widths, args.activation, bias=args.bias)


def _normalization(text: str):
    if text in ("mean", "sum"):
        return text
    try:
        return float(text)
    except ValueError:
        raise SymsaddleError(f"--normalization must be 'mean', 'sum' or a number, got {text!r}") from None


def _emit(args, result: dict):
    if args.json:
        print(dumps({k: v for k, v in result.items() if k != "text"}))
    else:
        print(result.get("text") or dumps(result))


def cmd_demo(args) -> dict:
    from .demo import run_demo
    return run_demo(args.out, gamma=args.gamma, progress=not args.json)


def cmd_derive(args) -> dict:
    from ._objective import Objective
    from .equilibria import solve_equilibria

    model = _model(args)
    obj = Objective.symbolic(model, args.n, loss=args.loss, normalization=_normalization(args.normalization))
    result = {"objective": obj.describe(), "loss": sp.latex(obj.expression),
              "gradient": [sp.latex(g) for g in obj.gradient],
              "hessian": [[sp.latex(h) for h in row] for row in obj.hessian.tolist()]}
    lines = [f"L = {sp.latex(obj.expression)}", "", "gradient:",
             *[f"  dL/d{sp.latex(p)} = {sp.latex(g)}" for p, g in zip(model.parameters, obj.gradient)]]
    if args.equilibria:
        fams = solve_equilibria(obj)
        result["equilibria"] = [{"point": [sp.latex(c) for c in f.point], "free": [str(s) for s in f.free],
                                 "loss": sp.latex(f.loss),
                                 "flow_eigenvalues": [{"value": sp.latex(e.value), "multiplicity": e.multiplicity}
                                                      for e in f.eigen], "latex": f.latex()} for f in fams]
        lines += ["", "equilibrium families:", *[f"  {f.latex()}" for f in fams]]
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        write_json(result, args.out / "derivation.json")
        (args.out / "derivation.tex").write_text("\n\n".join(f"$${line}$$" for line in lines if line) + "\n")
    result["text"] = "\n".join(lines)
    return result


def cmd_check(args) -> dict:
    from ._objective import Objective
    from .check import cross_check

    model = _model(args)
    rng = np.random.default_rng(args.seed)
    X = rng.normal(size=(args.n, model.d_in))
    y = rng.normal(size=(args.n, model.d_out))
    if args.loss == "logistic":
        y = np.sign(y)
    obj = Objective(model, X, y, loss=args.loss, normalization=_normalization(args.normalization))
    points = rng.normal(size=(args.points, model.n_parameters))
    report = cross_check(obj, points, seed=args.seed, raise_on_failure=False)
    result = report.to_dict()
    if args.out:
        write_json(result, Path(args.out) / "check.json")
        (Path(args.out) / "check.md").write_text(report.table() + "\n")
    result["text"] = f"{report.objective}: reference = {report.reference}\n{report.table()}\n" + \
        ("all checks passed" if report.passed else "CHECK FAILED")
    if not report.passed:
        _emit(args, result)
        raise SystemExit(1)
    return result


def cmd_reproduce(args) -> dict:
    from .reproduce import cases

    registry = cases()
    if args.case is None or args.case == "list":
        return {"cases": {n: c.summary for n, c in registry.items()},
                "text": "\n".join(f"{n:28s} {c.summary}" for n, c in registry.items()) or "(no cases)"}
    if args.case not in registry:
        raise SymsaddleError(f"unknown case {args.case!r}; available: {', '.join(registry) or 'none'}")
    out = args.out / args.case if args.out else None
    chosen = registry[args.case]
    options = chosen.parse_options(getattr(args, "case_args", ()))   # case options (teacher branch)
    return chosen.run(out, not args.json, **options)


def cmd_saddles(args) -> dict:
    """Predicted saddle-to-saddle sequence (P&F Algorithm 1) of a diagonal network for data in an .npz."""
    from .diagonal import DiagonalProblem, limit_path, min_l1_minimiser

    problem = DiagonalProblem.from_npz(args.data)
    path = limit_path(problem, tol=args.tol)
    lp = min_l1_minimiser(problem)
    result = {"data": problem.describe(), "status": path.status.value, "predicted": path.to_list(),
              "min_l1_linprog": lp.tolist(),
              "linprog_minus_last_saddle": float(np.max(np.abs(lp - path.final.beta)))}
    lines = [f"{problem.label}: n = {problem.n}, d = {problem.d}; Algorithm 1 {path.status.value}, "
             f"{len(path.saddles)} saddles (accelerated time t = t_GD / ln(1/gamma))"]
    lines += [f"  t = {s.time:.6g}  L = {s.loss:.6g}  {s.kind}  support {[i + 1 for i in s.support]}  "
              f"p = {np.round(s.beta, 6).tolist()}" for s in path.saddles]
    lines.append(f"min-l1 minimiser by linprog differs from the last saddle by {result['linprog_minus_last_saddle']:.1e}")
    if args.out:
        from .reports import write_tables
        write_tables(path.rows(), args.out, "predicted", caption=f"Algorithm 1 (P&F) for {problem.label}")
        write_json(result, Path(args.out) / "saddles.json")
    result["text"] = "\n".join(lines)
    return result


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="symsaddle", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("demo", help="derive a small case, run a saddle-to-saddle trajectory, write a table and figure")
    _add_common(p, str(DEFAULT_OUT / "demo"))
    p.add_argument("--gamma", type=float, default=1e-10, help="initialisation scale γ")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("derive", help="symbolic loss, gradient, Hessian (and equilibria) of a small model")
    _add_model_args(p)
    p.add_argument("--equilibria", action="store_true", help="solve ∇L = 0 and linearise the flow")
    _add_common(p, None)
    p.set_defaults(func=cmd_derive)

    p = sub.add_parser("check", help="cross-check exact, NumPy, mpmath and finite-difference derivatives")
    _add_model_args(p)
    p.set_defaults(n=5)
    p.add_argument("--points", type=int, default=2, help="number of random points")
    p.add_argument("--seed", type=int, default=0)
    _add_common(p, None)
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("reproduce", help="reproduce an experiment of a seed document ('list' shows them); "
                       "a case's own options (e.g. --inits N) follow its name")
    p.add_argument("case", nargs="?", default=None)
    _add_common(p, str(DEFAULT_OUT))
    p.set_defaults(func=cmd_reproduce)

    p = sub.add_parser("saddles", help="predicted saddles and jump times of a diagonal network (P&F Algorithm 1)")
    p.add_argument("--data", type=Path, required=True, help=".npz file with X (n x d, one row per sample) and y (n,)")
    p.add_argument("--tol", type=float, default=1e-10, help="gradient tolerance relative to |grad L(0)|_inf")
    _add_common(p, None)
    p.set_defaults(func=cmd_saddles)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "reproduce":           # only reproduce passes words on, to its case's options
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.case_args = extra
    try:
        result = args.func(args)
    except (SymsaddleError, ValueError, FileNotFoundError) as exc:
        print(f"symsaddle: error: {exc}", file=sys.stderr)
        return 2
    _emit(args, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
