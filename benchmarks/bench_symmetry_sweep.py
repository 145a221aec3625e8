"""The μ-sweep of an SI line (issue 9, speed): 100 Hessians of the thesis's width-5 student (P = 15,
1681 grid points, seed 003 §6.2) along θ(μ), μ ∈ [−1, 2], target < 1 s.

The SI line comes from a width-4 local minimum of the seed-003 problem (``seed003_reduced_minimum(4, 10)``,
neuron 2). Timed: the batched kernel Hessians (one call, θ of shape (100, 15)), and the whole measurement
(``measure_si_line``: Hessians, eigenvalues, tolerances, Ostrowski bounds). References measured in the same
run: the same kernel called once per μ, and central differences of the kernel gradient (2P gradients per μ,
the usual fallback without exact Hessians). The machine is shared; compare the ratios, not the seconds.

    python benchmarks/bench_symmetry_sweep.py
"""

from __future__ import annotations

import time

import numpy as np

from symsaddle.symmetry.examples import seed003_reduced_minimum
from symsaddle.symmetry.inertia import line_thetas, measure_si_line, predict_si_line

TARGET = 1.0


def best_of(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def fd_hessians(kernel, thetas: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    P = thetas.shape[1]
    out = np.empty((len(thetas), P, P))
    E = eps * np.eye(P)
    for b, th in enumerate(thetas):
        gp = kernel.gradient(th + E)
        gm = kernel.gradient(th - E)
        out[b] = (gp - gm).T / (2 * eps)
    return (out + np.swapaxes(out, 1, 2)) / 2


def main():
    ex = seed003_reduced_minimum(4, 10, 2)
    pr = predict_si_line(ex.objective, ex.theta, ex.neuron)
    kernel = pr.wide_objective.compile()
    mus = np.linspace(-1.0, 2.0, 100)
    thetas = line_thetas(pr, mus)
    kernel.hessian(thetas[:2])                                 # warm-up (lambdified functions, caches)
    t_batch = best_of(lambda: kernel.hessian(thetas))
    t_loop = best_of(lambda: [kernel.hessian(t) for t in thetas])
    t_fd = best_of(lambda: fd_hessians(kernel, thetas), repeat=1)
    t_measure = best_of(lambda: measure_si_line(pr, mus, kernel=kernel))
    H = kernel.hessian(thetas)
    err = np.abs(fd_hessians(kernel, thetas[:5]) - H[:5]).max() / np.abs(H[:5]).max()
    print(f"SI line of the width-5 student (P = {thetas.shape[1]}, n = 1681), {len(mus)} values of μ:")
    print(f"  batched kernel Hessians:        {t_batch:7.3f} s   target < {TARGET} s: {'met' if t_batch < TARGET else 'NOT met'}")
    print(f"  full measure_si_line:           {t_measure:7.3f} s   (Hessians + eigenvalues + Ostrowski bounds)")
    print(f"  reference, one call per μ:      {t_loop:7.3f} s   ratio reference/batched = {t_loop / t_batch:.2f}")
    print(f"  reference, gradient differences:{t_fd:7.3f} s   ratio reference/batched = {t_fd / t_batch:.2f} "
          f"(max relative difference {err:.1e})")


if __name__ == "__main__":
    main()
