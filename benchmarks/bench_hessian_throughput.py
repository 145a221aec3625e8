"""Hessian throughput on the 1681-point grid of seed 003 §6.2 for a batch of 1000 parameter
vectors of a two-layer sigmoid network (width 5, no bias, 15 parameters), issues 2 and 11.

Reference measured in the same run: the careful hand-written NumPy Hessian of
``bench_vs_jax.HandTwoLayer`` (chunked, one-exponential sigmoid, Gauss–Newton term by BLAS
``dsyrk``, residual term on its non-zero blocks only). Target ratio ≥ 1.0 (median of paired
rounds; one thread). If JAX is installed, also ``jax.jit(jax.vmap(jax.hessian(loss)))`` in float64.

    python benchmarks/bench_hessian_throughput.py [--rounds 5]
"""

from __future__ import annotations

import argparse

from bench_vs_jax import HandTwoLayer, jax_functions, paired_rounds  # sets the thread counts first

import numpy as np  # noqa: E402

import symsaddle as ss  # noqa: E402
from symsaddle.datasets import seed003_grid  # noqa: E402

WIDTH, B = 5, 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    X, y = seed003_grid()
    theta = np.random.default_rng(0).normal(size=(B, 3 * WIDTH))
    kernel = ss.Objective(ss.models.two_layer(2, WIDTH, "sigmoid"), X, y).compile()
    hand = HandTwoLayer(X, y, WIDTH)
    impls = {"symsaddle": lambda th, u: kernel.hessian(th), "hand NumPy": lambda th, u: hand.hessian(th)}
    jx = jax_functions(X, y, (2, WIDTH, 1), False)
    if jx is not None:
        impls["JAX"] = jx["hessian"]
    seconds, ratios, errors = paired_rounds(impls, (theta, theta), args.rounds, B)
    print(f"grid n = {len(X)}, batch B = {B}, P = {3 * WIDTH}; medians of {args.rounds} paired rounds, one thread")
    for name in impls:
        print(f"{name:<12} {1e3 * seconds[name]:8.3f} ms per Hessian   (max rel. difference to symsaddle "
              f"{errors[name]:.1e})")
    for name in impls:
        if name != "symsaddle":
            print(f"ratio {name} / symsaddle = {ratios[name]:.2f}x  "
                  f"(target ≥ 1.0: {'met' if ratios[name] >= 1.0 else 'SHORT'})")
    if jx is None:
        print("JAX not installed (optional: pip install jax jaxlib): jax.jit(vmap(hessian)) not measured")


if __name__ == "__main__":
    main()
