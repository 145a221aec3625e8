"""Build time of the layer-structured kernels (issue 11): ≤ 2 s, independent of n, linear in depth.

build = model + objective + compile + first value, gradient, Hessian, D³ and D⁴ call, each in a
fresh interpreter (no cache shared); ``import symsaddle`` is timed apart (it is the same for every
model). Cases: a two-layer sigmoid net (P = 15) at n = 10 and n = 1681, sigmoid mlps with
1…4 hidden layers of width 10 (with biases) on the 1681-point grid, and the 10-10-10 net on 10
inputs of the seed-003 slice.

Reference measured in the same run: the per-sample symbolic path (``compile("per-sample")``),
which differentiates the whole network expression, for the models where it finishes in minutes.

    python benchmarks/bench_build_time.py [--skip-reference]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

TARGET = 2.0

SCRIPT = """
import os, time
os.environ["OPENBLAS_NUM_THREADS"] = "1"
t0 = time.perf_counter()
import numpy as np, symsaddle as ss
from symsaddle.datasets import seed003_grid
t1, c1 = time.perf_counter(), time.process_time()
m = {model}
rng = np.random.default_rng(0)
if m.d_in == 2:
    X, y = seed003_grid()
    X, y = X[:{n}], y[:{n}]
else:
    X, y = rng.normal(size=({n}, m.d_in)), rng.normal(size={n})
k = ss.Objective(m, X, y).compile({backend!r})
th = 0.5 * rng.normal(size=m.n_parameters)
k.value(th); k.gradient(th); k.hessian(th); k.directional(th, th, 3); k.directional(th, th, 4)
print(t1 - t0, time.perf_counter() - t1, time.process_time() - c1)
"""


def fresh(model: str, n: int, backend: str = "auto") -> tuple[float, float, float]:
    """(import wall s, build wall s, build CPU s) in a fresh interpreter."""
    code = SCRIPT.format(model=model, n=n, backend=backend)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env=dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1"))
    imp, build, cpu = out.stdout.strip().splitlines()[-1].split()
    return float(imp), float(build), float(cpu)


def mlp(hidden: int, d_in: int = 2, width: int = 10) -> str:
    return f"ss.models.mlp({[d_in] + [width] * hidden + [1]}, 'sigmoid')"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--skip-reference", action="store_true", help="skip the per-sample reference")
    args = parser.parse_args()
    print("build = model + objective + compile + first value/gradient/Hessian/D³/D⁴ (fresh interpreter)")
    print("build CPU = the build's process CPU time (one thread; on a shared machine wall time also counts "
          "waiting for a core): the target is judged on it")
    print("| model | n | backend | import (s) | build wall (s) | build CPU (s) | build CPU ≤ 2 s |")
    print("|---|---|---|---|---|---|---|")
    rows = {}
    cases = [("two_layer(2, 5)", "ss.models.two_layer(2, 5, 'sigmoid')", 10),
             ("two_layer(2, 5)", "ss.models.two_layer(2, 5, 'sigmoid')", 1681)]
    cases += [(f"mlp {hidden} hidden × 10", mlp(hidden), 1681) for hidden in (1, 2, 3, 4)]
    cases += [("mlp [10, 10, 10, 10, 1]", mlp(3, d_in=10), 1000)]
    for label, model, n in cases:
        imp, wall, build = fresh(model, n)
        rows[(label, n)] = build
        print(f"| {label} | {n} | structured | {imp:.2f} | {wall:.2f} | {build:.2f} | "
              f"{'met' if build <= TARGET else 'SHORT'} |", flush=True)
    reference = {}
    if not args.skip_reference:
        for label, model, n in [("two_layer(2, 5)", "ss.models.two_layer(2, 5, 'sigmoid')", 1681),
                                ("mlp 1 hidden × 5", "ss.models.mlp([2, 5, 1], 'sigmoid')", 1681),
                                ("mlp 2 hidden × 5", "ss.models.mlp([2, 5, 5, 1], 'sigmoid')", 1681)]:
            imp, wall, build = fresh(model, n, "per-sample")
            reference[label] = build
            print(f"| {label} | {n} | per-sample (reference) | {imp:.2f} | {wall:.2f} | {build:.2f} | "
                  f"{'met' if build <= TARGET else 'SHORT'} |", flush=True)
    small, large = rows[("two_layer(2, 5)", 10)], rows[("two_layer(2, 5)", 1681)]
    print(f"\nratio build(n = 1681) / build(n = 10), structured: {large / small:.2f}   (≈ 1: independent of n)")
    depth = [rows[(f"mlp {h} hidden × 10", 1681)] for h in (1, 2, 3, 4)]
    steps = [b - a for a, b in zip(depth, depth[1:])]
    print("structured build by hidden layers 1..4: " + ", ".join(f"{t:.2f} s" for t in depth)
          + "; increments " + ", ".join(f"{s:+.2f} s" for s in steps) + "   (linear: equal increments)")
    if reference:
        ratio = reference["two_layer(2, 5)"] / large
        print(f"per-sample / structured build, two_layer(2, 5): {ratio:.1f}x")
        if "mlp 2 hidden × 5" in reference and "mlp 1 hidden × 5" in reference:
            print(f"per-sample build, mlp 1 → 2 hidden layers of 5: {reference['mlp 1 hidden × 5']:.1f} s → "
                  f"{reference['mlp 2 hidden × 5']:.1f} s")
    worst = max(rows.values())
    print(f"target: every structured build ≤ {TARGET} s CPU: {'met' if worst <= TARGET else 'SHORT'} "
          f"(slowest {worst:.2f} s)")


if __name__ == "__main__":
    main()
