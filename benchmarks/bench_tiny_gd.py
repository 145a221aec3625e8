"""Gradient descent on a 4-parameter model (issue 11, part 3): the diagonal linear network
d = 2 on the n = 2 data of seed 000 §5.3.1 (``symsaddle.datasets.seed000``), from γ = 1e-10.

Reference measured in the same run: a plain NumPy loop of the same mathematics,

    r = X (u ⊙ v) − y,   c = Xᵀ r / n,   (v, u) ← (v − η u ⊙ c, u − η v ⊙ c),

which computes only the update (no loss, no divergence check, no recording). Target:
``gradient_descent`` (fused path, recording every step) at ≥ 0.5× its steps per second.
The kernel path (``fused=False``, one NumpyKernel call per step) is shown for comparison.

    python benchmarks/bench_tiny_gd.py
"""

from __future__ import annotations

import time

import numpy as np

import symsaddle as ss
from symsaddle.datasets import seed000
from symsaddle.dynamics import gradient_descent

STEPS, KERNEL_STEPS, ETA, REPEATS, TARGET = 40_000, 2_000, 0.01, 3, 0.5


def plain_numpy(X, y, theta0, eta, n_steps):
    v, u = theta0[:2].copy(), theta0[2:].copy()
    n = len(y)
    for _ in range(n_steps):
        c = X.T @ (X @ (u * v) - y) / n
        v, u = v - eta * u * c, u - eta * v * c
    return np.r_[v, u]


def best_rate(fn, n_steps) -> tuple[float, object]:
    best, out = 0.0, None
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        out = fn()
        best = max(best, n_steps / (time.perf_counter() - t0))
    return best, out


def main() -> None:
    X, y, _ = seed000(2, 2)
    kernel = ss.Objective(ss.models.diagonal_linear(2), X, y).compile()
    theta0 = np.r_[0.0, 0.0, np.sqrt(2) * 1e-10, np.sqrt(2) * 1e-10]
    gradient_descent(kernel, theta0, ETA, 10)                  # build the fused program outside the timing
    r_plain, th_plain = best_rate(lambda: plain_numpy(X, y, theta0, ETA, STEPS), STEPS)
    r_fused, tr = best_rate(lambda: gradient_descent(kernel, theta0, ETA, STEPS), STEPS)
    r_sparse, _ = best_rate(lambda: gradient_descent(kernel, theta0, ETA, STEPS, record_every=100), STEPS)
    r_kernel, _ = best_rate(lambda: gradient_descent(kernel, theta0, ETA, KERNEL_STEPS, fused=False),
                            KERNEL_STEPS)
    diff = np.max(np.abs(tr.final - th_plain) / np.abs(th_plain))
    ratio = r_fused / r_plain
    print(f"diagonal net d = 2, n = 2 (P = 4), {STEPS} GD steps, best of {REPEATS} (machine shared: ratios "
          "are measured in the same run)")
    print(f"  plain NumPy loop (update only):        {r_plain:10.0f} steps/s  (reference)")
    print(f"  gradient_descent, fused, every step:   {r_fused:10.0f} steps/s  ratio {ratio:.2f}  "
          f"target ≥ {TARGET}: {'met' if ratio >= TARGET else 'NOT met'}")
    print(f"  gradient_descent, fused, every 100th:  {r_sparse:10.0f} steps/s  ratio {r_sparse / r_plain:.2f}")
    print(f"  gradient_descent, kernel path:         {r_kernel:10.0f} steps/s  ratio {r_kernel / r_plain:.3f}")
    print(f"  final θ, fused vs plain loop: max relative difference {diff:.1e}")


if __name__ == "__main__":
    main()
