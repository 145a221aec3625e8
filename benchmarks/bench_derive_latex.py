"""LaTeX of ``symsaddle derive``: each subexpression printed once (``_display.shared_printing``) against SymPy's
printer on every expression, as derive printed before (the JSON entries, the text and the derivation.tex rows).

The work is derive's: L, the gradient, the Hessian (entries p ≤ q) of a tanh MLP in LaTeX, then each as an
``align*`` broken into rows (``_display.equation``). Reference measured in the same run: the same with
``sp.latex`` on every expression and sub-expression (no shared printer). Target: the shared printer at least
5× faster (measured 2-3-3-1 CPU: 50 s before, 6 s after, for the whole command with --out).

    python benchmarks/bench_derive_latex.py [--widths 2 3 1]
"""

from __future__ import annotations

import argparse
import itertools
import time

import symsaddle as ss
from symsaddle._display import equation, estimated_width, latex, shared_printing

TARGET = 5.0


def _print_all(obj) -> list[str]:
    estimated_width.cache_clear()              # no row widths carried over from the other run
    P = len(obj.model.parameters)
    entries = [obj.expression, *obj.gradient,
               *(obj.hessian[p, q] for p, q in itertools.combinations_with_replacement(range(P), 2))]
    return [latex(e) for e in entries] + [equation("L", e) for e in entries]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--widths", type=int, nargs="+", default=[2, 3, 1])
    args = parser.parse_args()
    obj = ss.Objective.symbolic(ss.models.mlp(args.widths, "tanh"), 1)
    obj.derive_hessian()
    started = time.process_time()
    reference = _print_all(obj)
    reference_seconds = time.process_time() - started
    started = time.process_time()
    with shared_printing():
        shared = _print_all(obj)
    shared_seconds = time.process_time() - started
    assert shared == reference, "the shared printer must print the same LaTeX"
    ratio = reference_seconds / shared_seconds
    print(f"mlp {'-'.join(map(str, args.widths))} tanh: {sum(map(len, reference)):,} characters; sp.latex {reference_seconds:.2f} s CPU, "
          f"shared printing {shared_seconds:.2f} s CPU: {ratio:.1f}× (target ≥ {TARGET:g}×) "
          f"{'PASS' if ratio >= TARGET else 'FAIL'}")


if __name__ == "__main__":
    main()
