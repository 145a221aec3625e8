"""A verdict must not depend on the BLAS build or its thread count (guide: "what does not matter").

Other BLAS kernels (OpenBLAS's CPU-specific ones, selected by ``OPENBLAS_CORETYPE``) and other thread
counts sum in another order: Hessian entries and eigenvalues move by rounding, and LAPACK may return
another basis of a degenerate eigenspace (the Hessian's null space). The classification (kind,
index, nullity, deciding criterion) must not move, and the spectra must agree within the rounding
bound of a backward-stable eigensolver, |Δλ| ≤ c·P·u·‖H‖ (Weyl), here with c = 16.

The points: critical points of deep linear networks (Achour et al. 2021) with random widths, data
and subsets S of singular directions, balanced and (H ≥ 3) "strict" factorisations — strict
saddles, non-strict saddles and Morse–Bott minimisers (rescaling orbits) among them."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from symsaddle.critical import classify
from symsaddle.deep_linear import (SufficientStatistics, balanced_factorisation, objective, strict_factorisation,
                                   to_theta)

EIGENSOLVER_ROUNDING = 16 * np.finfo(float).eps


def points(n: int = 10, seed: int = 20261202):
    """``n`` random deep-linear critical points (kernel, θ), the same on every machine."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        widths = [int(w) for w in rng.integers(2, 6, size=rng.integers(3, 5))]
        widths = (max(widths[0], widths[-1]), *widths[1:])         # the theorem's d_y ≤ d_x
        X = rng.normal(size=(40, widths[0]))
        Y = X @ rng.normal(size=(widths[0], widths[-1])) + 0.1 * rng.normal(size=(40, widths[-1]))
        st = SufficientStatistics.from_samples(X, Y)
        r = int(rng.integers(0, min(widths) + 1))
        subset = tuple(sorted(rng.choice(widths[-1], size=min(r, widths[-1]), replace=False).tolist()))
        strict = len(widths) >= 4 and len(subset) < min(widths) and rng.random() < 0.5
        factors = (strict_factorisation if strict else balanced_factorisation)(st, subset, widths)
        out.append((objective(st, widths).compile(), to_theta(factors)))
    return out


def verdicts() -> list[dict]:
    out = []
    for kernel, theta in points():
        c = classify(kernel, theta)
        out.append({"verdict": [c.kind.value, c.index, c.nullity, c.decided_by.value],
                    "eigenvalues": c.eigenvalues.tolist(), "reason": c.reason})
    return out


def assert_same(results: dict[str, list[dict]]) -> None:
    (_, reference), *others = results.items()
    kinds = {r["verdict"][0] for r in reference}
    assert len(kinds) >= 3, f"the random points should cover several kinds, got {kinds}"
    for name, result in others:
        for i, (a, b) in enumerate(zip(reference, result)):
            assert a["verdict"] == b["verdict"], f"point {i}, {name}: {b['reason']} | reference: {a['reason']}"
            lam_a, lam_b = np.array(a["eigenvalues"]), np.array(b["eigenvalues"])
            bound = EIGENSOLVER_ROUNDING * len(lam_a) * np.max(np.abs(lam_a))
            assert np.max(np.abs(lam_a - lam_b)) <= bound, f"point {i}, {name}"


def test_classification_does_not_depend_on_the_blas_thread_count():
    results = {}
    for threads in (1, 2, 3):
        with threadpool_limits(limits=threads, user_api="blas"):
            results[f"{threads} BLAS threads"] = verdicts()
    assert_same(results)


_CHILD = "import json, sys; sys.path.insert(0, sys.argv[1]); import test_blas_invariance as t; print(json.dumps(t.verdicts()))"


@pytest.mark.slow
def test_classification_does_not_depend_on_the_blas_cpu_kernels():
    if not any(i.get("internal_api") == "openblas" for i in threadpool_info()):
        pytest.skip("NumPy is not linked to OpenBLAS: OPENBLAS_CORETYPE selects nothing")
    results = {"this machine's kernels": verdicts()}
    for core in ("Prescott", "Sandybridge"):
        env = {**os.environ, "OPENBLAS_CORETYPE": core}
        child = subprocess.run([sys.executable, "-c", _CHILD, str(Path(__file__).parent)], env=env,
                               capture_output=True, text=True, check=True)
        results[f"OPENBLAS_CORETYPE={core}"] = json.loads(child.stdout)
    assert_same(results)
