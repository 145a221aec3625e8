"""Cost of ``cross_check`` with the Hessian along lines against every entry (symsaddle/check.py).

A two-layer tanh net, n = 5, one point, orders 1–4 and every column (kernel, mpmath.diff, finite
differences), each run in a fresh interpreter (the reference's SymPy derivatives are cached per
model). Reference measured in the same run: ``hessian="full"`` at the same P, whose P(P+1)/2
symbolic Hessian entries and as many ``mpmath.diff`` calls grow as P² (times the expression size).
Printed: CPU seconds of each and the ratio full / lines. ``--large`` adds lines at P = 250
(d_in 9, width 25), where the full Hessian takes more than an hour.

    python benchmarks/bench_check_lines.py [--large]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

SCRIPT = """
import time
import numpy as np, symsaddle as ss
from symsaddle.check import cross_check
rng = np.random.default_rng(0)
m = ss.models.two_layer({d_in}, {width}, "tanh")
obj = ss.Objective(m, rng.normal(size=(5, {d_in})), rng.normal(size=5))
points = rng.normal(size=(1, m.n_parameters))
c0 = time.process_time()
report = cross_check(obj, points, hessian={mode!r})
print(m.n_parameters, report.passed, time.process_time() - c0)
"""


def fresh(d_in: int, width: int, mode: str) -> tuple[int, bool, float]:
    """(P, passed, CPU s) of one cross_check in a fresh interpreter."""
    out = subprocess.run([sys.executable, "-c", SCRIPT.format(d_in=d_in, width=width, mode=mode)],
                         capture_output=True, text=True, check=True,
                         env=dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1"))
    P, passed, cpu = out.stdout.strip().splitlines()[-1].split()
    return int(P), passed == "True", float(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--large", action="store_true", help="also lines at P = 250")
    args = parser.parse_args()
    P, ok_lines, lines = fresh(4, 10, "lines")
    _, ok_full, full = fresh(4, 10, "full")
    print(f"P = {P}: lines {lines:.1f} s CPU (passed: {ok_lines}), full {full:.1f} s CPU (passed: {ok_full}); "
          f"full / lines = {full / lines:.1f}")
    if args.large:
        P, ok, cpu = fresh(9, 25, "lines")
        print(f"P = {P}: lines {cpu:.1f} s CPU (passed: {ok})")


if __name__ == "__main__":
    main()
