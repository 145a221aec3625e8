"""1000 teacher–student initialisations (seed 003 §6.2) to classified end points: target < 10 minutes.

Fast way: ``symsaddle.symmetry.experiment.run_experiment`` — batched trust-region Newton on all
initialisations at once (the kernel's exact batched gradients and Hessians), the escape test,
polish and classification.

Reference, measured in the same run: SciPy's ``minimize(method="trust-exact")`` with the same exact
derivatives (``kernel.value``, ``kernel.gradient``, ``kernel.hessian`` on one θ), one initialisation
at a time, followed by the same escape test and classification one point at a time. The reference is
measured on a subsample of ``--reference`` initialisations and extrapolated linearly to all of them
(its cost per initialisation does not depend on the others); the printout says so.

Both wall-clock and process CPU time are printed: on a shared, loaded machine the wall-clock time
depends on the other jobs, the CPU time much less.

    python benchmarks/bench_teacher_student.py [--inits 1000] [--reference 20]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from symsaddle.symmetry.experiment import TeacherStudentConfig, classify_run, run_experiment
from symsaddle.symmetry.teacher_student import TeacherStudentProblem, xavier_batch
from symsaddle.symmetry.training import BatchRun, RunStatus, scipy_trust_exact

TARGET_SECONDS = 600.0


class Clock:
    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu


def reference(problem: TeacherStudentProblem, config: TeacherStudentConfig, indices) -> tuple[Clock, dict]:
    """SciPy trust-exact, one initialisation at a time, then the same escape test and classification."""
    kernel = problem.kernel
    kinds = {}
    with Clock() as clock:
        for i in indices:
            theta0 = xavier_batch(problem, [i], config.seed, config.xavier)[0]
            sol = scipy_trust_exact(kernel, theta0, max_iterations=config.max_iterations)
            status = RunStatus.CONVERGED if sol.success else RunStatus.MAX_ITERATIONS
            run = BatchRun.from_end_points(kernel, sol.x, [status], [sol.nit], "scipy trust-exact")
            res = classify_run(problem, run, [i], theta0[None, :], config)
            kinds[int(i)] = res.points[0].kind.value
    return clock, kinds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inits", type=int, default=1000)
    parser.add_argument("--reference", type=int, default=20, help="initialisations the reference runs")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    config = TeacherStudentConfig(seed=args.seed)
    problem = TeacherStudentProblem.seed003(config.width)
    # warm-up: compile the symbolic kernels (value … third derivatives) outside both timings
    run_experiment(config, indices=[0, 5], problem=problem)

    load_before = os.getloadavg()
    with Clock() as fast:
        res = run_experiment(config, n_inits=args.inits, problem=problem, progress=True)
    sub = np.linspace(0, args.inits - 1, args.reference).astype(int)
    ref, ref_kinds = reference(problem, config, sub)
    scale = args.inits / len(sub)
    print(f"\nteacher–student, {args.inits} initialisations (seed {args.seed}); counts {res.counts}")
    print(f"  fast (batched trust-region Newton):  wall {fast.wall:8.1f} s   cpu {fast.cpu:8.1f} s   "
          f"stages {({k: round(v, 1) for k, v in res.seconds.items()})}")
    print(f"  reference (scipy trust-exact, one at a time), measured on {len(sub)} initialisations and "
          f"extrapolated ×{scale:.0f}:  wall {ref.wall * scale:8.1f} s   cpu {ref.cpu * scale:8.1f} s")
    print(f"  ratio reference/fast:  wall {ref.wall * scale / fast.wall:.2f}×   cpu {ref.cpu * scale / fast.cpu:.2f}×")
    same = sum(ref_kinds[int(i)] == res.points[int(i)].kind.value for i in sub)
    print(f"  same end-point kind for {same}/{len(sub)} of the reference's initialisations "
          "(different optimisers may end in different basins)")
    load = ", ".join(f"{a:.1f}" for a in load_before)
    print(f"  load average (1, 5, 15 min) at the start: {load}; now: "
          f"{', '.join(f'{a:.1f}' for a in os.getloadavg())} on {os.cpu_count()} cores")
    per_1000 = 1000 / args.inits
    verdict = "MET" if fast.wall * per_1000 < TARGET_SECONDS else "NOT MET (wall clock)"
    print(f"  target: 1000 initialisations in < {TARGET_SECONDS:.0f} s — wall {fast.wall * per_1000:.0f} s: {verdict}; "
          f"cpu {fast.cpu * per_1000:.0f} s: {'MET' if fast.cpu * per_1000 < TARGET_SECONDS else 'NOT MET'} "
          "(process CPU time over all its threads: about the wall clock on an otherwise idle machine)")


if __name__ == "__main__":
    main()
