"""Seed 000 d7n5 at γ = 1e-100, from initialisation to the final minimiser (issue 3).

Target: the exact gradient flow in dual variables (Radau, rtol 1e-8) ≥ 50× faster than the seed's
fixed-step loop (Algorithm 1 of seed 000: plain NumPy, step 0.001, loss and p = u ⊙ v computed every
iteration, margin detector) over the same horizon, t = 572 728 × 0.001 (the seed's minimiser iteration).

Equal fidelity, measured in the same run (not assumed):
* saddles — every visited equilibrium of each method, polished by the core and matched to the
  Algorithm 1 saddles (max-norm ≤ 1e-6); the fixed-step loops use the seed's margin detector and
  the margin-free one;
* jump times — the accelerated time at which the loss falls to the midpoint of consecutive
  predicted plateau losses. Reference: the flow at rtol 1e-11. The fixed-step loop's jump times
  differ from it by its O(step) discretisation (halving the step halves it, checked here); the
  fast flow's error must be smaller than that.
The exact-arithmetic GD (log space, same step) is timed too: it is the faithful fixed-step method
(the seed's float64 loop misses p₄, see docs/audit_seed000.md).

    python benchmarks/bench_diagonal_d7n5.py
"""

from __future__ import annotations

import time

import numpy as np

from symsaddle.diagonal import (DiagonalProblem, Initialisation, compare_with_limit, gradient_descent,
                                gradient_flow, limit_path, visited_saddles)

GAMMA, STEP, ITERATIONS, MARGIN = 1e-100, 1e-3, 572_728, 1e-4


def seed_fixed_step_loop(X, y, gamma, alpha, T, margin):
    """Seed 000 Algorithm 1, literally: GD on (u, v) in float64 with the plateau flag."""
    n, d = X.shape
    v = np.zeros(d)
    u = np.sqrt(2) * gamma * np.ones(d)
    losses, ps, hits = np.empty(T), np.empty((T, d)), []
    plateau = True
    for t in range(1, T + 1):
        r = X @ (u * v) - y                                   # network output minus labels
        grad_p = X.T @ r / n
        grad_v, grad_u = grad_p * u, grad_p * v               # ∇F(v, u)
        gmax = max(np.max(np.abs(grad_v)), np.max(np.abs(grad_u)))
        if gmax > margin:
            plateau = True
        elif plateau:
            plateau = False
            hits.append((t, np.concatenate([v, u])))
        u, v = u - alpha * grad_u, v - alpha * grad_v           # gradient descent step
        losses[t - 1] = 0.5 * np.mean((X @ (u * v) - y) ** 2)  # loss value
        ps[t - 1] = u * v                                     # p_t = u ⊙ v
    return hits, losses, ps


def jump_times(problem, path, run):
    comp = compare_with_limit(problem, path, run, visited_saddles(problem, run))
    return np.array([c.simulated_time for c in comp[1:]]), comp


def main() -> None:
    problem = DiagonalProblem.seed000(7, 5, [10, 20, 0, 0, 0, 0, 0])
    path = limit_path(problem)
    lam = np.log(1 / GAMMA)
    t_end = ITERATIONS * STEP
    init = Initialisation.vanishing(7, GAMMA)
    problem.kernel                                            # compile the core kernel outside the timings

    t0 = time.perf_counter()
    hits, losses, ps = seed_fixed_step_loop(problem.X, problem.y, GAMMA, STEP, ITERATIONS, MARGIN)
    t_seed = time.perf_counter() - t0

    t0 = time.perf_counter()
    exact = gradient_descent(problem, init, STEP, ITERATIONS, record_every=100, margin=MARGIN)
    t_exact = time.perf_counter() - t0

    t0 = time.perf_counter()
    flow = gradient_flow(problem, init, t_end, rtol=1e-8, atol=1e-8)
    t_flow = time.perf_counter() - t0
    reference = gradient_flow(problem, init, t_end, rtol=1e-11, atol=1e-12)

    ref_times, _ = jump_times(problem, path, reference)
    flow_times, flow_comp = jump_times(problem, path, flow)
    gd_times, gd_comp = jump_times(problem, path, exact)
    seed_plateaus = [np.round(th[7:] * th[:7], 4).tolist() for _, th in hits]

    print(f"d7n5, γ = {GAMMA:g}, horizon t = {t_end:g} (t̃ = {t_end / lam:.3f}); Algorithm 1 jump times "
          f"{np.round(path.times[1:], 5).tolist()}")
    print(f"seed fixed-step loop (float64, step {STEP:g}, {ITERATIONS} it.): {t_seed:8.3f} s; margin plateaus at "
          f"iterations {[t - 1 for t, _ in hits]} (GD updates before the point, from 0; the seed prints each + 1)")
    print(f"exact GD in log space (same step and length):                {t_exact:8.3f} s")
    print(f"exact gradient flow, dual variables (Radau, rtol 1e-8):      {t_flow:8.3f} s "
          f"({flow.times.size} records)")
    print(f"speed-up seed loop / flow = {t_seed / t_flow:7.1f}×   (target ≥ 50×)")
    print(f"speed-up exact GD / flow  = {t_exact / t_flow:7.1f}×")
    print("fidelity:")
    print(f"  saddles matched to Algorithm 1 (≤ 1e-6): flow {[c.matched for c in flow_comp]}, "
          f"exact GD {[c.matched for c in gd_comp]}")
    print(f"  seed loop's margin plateaus (p, unpolished): {seed_plateaus}")
    print(f"  jump times t̃_k, reference flow (rtol 1e-11): {np.round(ref_times, 6).tolist()}")
    print(f"  |flow (rtol 1e-8) − reference|  max = {np.max(np.abs(flow_times - ref_times)):.2e}")
    print(f"  |fixed-step GD − reference|     max = {np.max(np.abs(gd_times - ref_times)):.2e}  "
          "(O(step) discretisation)")
    half = gradient_descent(problem, init, STEP / 2, int(0.75 * lam / (STEP / 2)), record_every=40)
    half_times, _ = jump_times(problem, path, half)
    print(f"  |GD at step {STEP / 2:g} − reference| max = {np.max(np.abs(half_times - ref_times)):.2e}  "
          "(halves with the step: the difference is GD's, not the flow's)")
    print(f"  final p: flow {np.round(flow.beta[-1], 4).tolist()}, exact GD {np.round(exact.beta[-1], 4).tolist()}, "
          f"seed loop {np.round(ps[-1], 4).tolist()}")


if __name__ == "__main__":
    main()
