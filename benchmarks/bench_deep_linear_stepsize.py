"""100-network step-size histogram of seed 001 §5.4 (issue 4: target < 60 s): the doubling ladder
(5000 epochs per rung) for 100 random 5-5-5-5 networks, each with its own data.

Reference measured in the same run: the same batched rungs of one network stepped with the
generic NumPy kernel instead of the matrix-calculus kernel (500 steps, per-step cost), giving the
speed-up that makes the 60 s target reachable. The same study is then run through the sweep API
(``doubling_sweep``: one task per network on a local pool of one process per core, results
appended to a temporary folder) and must give the same ladders; its time is printed against the
in-process run (the machine is shared: the ratio is what to read).

    python benchmarks/bench_deep_linear_stepsize.py
"""

from __future__ import annotations

import os
import tempfile
import time

import numpy as np

from symsaddle.deep_linear import (DeepLinearKernel, SufficientStatistics, doubling_experiment, doubling_sweep,
                                   objective, random_network, step_size_bound, to_theta)
from symsaddle.dynamics import gradient_descent

TARGET, N_NETWORKS, STEPS = 60.0, 100, 500


def per_step(kernel, theta, steps) -> float:
    t0 = time.perf_counter()
    gradient_descent(kernel, theta, steps, STEPS, record_every=STEPS, on_divergence="stop")
    return (time.perf_counter() - t0) / STEPS


def main():
    nets = [random_network((5, 5, 5, 5), i) for i in range(N_NETWORKS)]
    t0 = time.perf_counter()
    res = doubling_experiment(nets)
    total = time.perf_counter() - t0
    ratios = np.array([r.ratio for r in res if r.ratio is not None])
    net = nets[0]
    obj = objective(SufficientStatistics.from_samples(net.X, net.Y, layout="columns"), (5, 5, 5, 5))
    theta = np.tile(to_theta(net.weights), (12, 1))
    steps = 0.9 * step_size_bound(net.X, net.Y, net.weights).eta_objective * 2.0 ** np.arange(12)
    generic = obj.compile()
    generic.value_and_gradient(theta)                         # compile outside the timing
    t_fast = per_step(DeepLinearKernel(obj), theta, steps)
    t_gen = per_step(generic, theta, steps)
    print(f"{N_NETWORKS}-network doubling ladder (5-5-5-5, 5000 epochs/rung): {total:.1f} s, target < {TARGET} s: "
          f"{'met' if total < TARGET else 'NOT met'}")
    print(f"  ratio first failing step / admissible step: median {np.median(ratios):.0f}, "
          f"range {ratios.min():.0f}..{ratios.max():.0f} over {ratios.size} networks")
    with tempfile.TemporaryDirectory() as folder:
        t0 = time.perf_counter()
        swept = doubling_sweep([((5, 5, 5, 5), i) for i in range(N_NETWORKS)], out=folder, progress=True)
        t_sweep = time.perf_counter() - t0
    same = [r.to_dict() for r in swept] == [r.to_dict() for r in res]
    print(f"same study as a sweep on {os.cpu_count()} local processes: {t_sweep:.1f} s "
          f"({total / t_sweep:.2f}x the in-process run), identical ladders: {same}")
    print(f"per GD step, 12 rungs batched: matrix-calculus kernel {1e3 * t_fast:.3f} ms, generic kernel "
          f"{1e3 * t_gen:.3f} ms, speed-up {t_gen / t_fast:.1f}x")


if __name__ == "__main__":
    main()
