"""Layer-structured kernels against JAX and against careful hand-written NumPy (issue 11, part 2).

Work: L = 1/(2n) Σ_i (f(x_i; θ) − y_i)² on the 1681-point grid of seed 003 §6.2
(``symsaddle.datasets.seed003_grid``) for

* two-layer sigmoid nets f = Σ_j a_j σ(w_j·x), widths 5, 20, 100 (P = 15, 60, 300), and
* sigmoid ``mlp`` nets with biases, [2, 5, 5, 1], [2, 10, 10, 1], [2, 12, 12, 12, 1]
  (P = 51, 151, 361),

timing per parameter vector θ (a batch of B vectors per call): the gradient, the Hessian and the
directional derivatives D³L[u]³, D⁴L[u]⁴. Columns:

* ``symsaddle``: ``Objective(...).compile()``, the layer-structured kernel (float64);
* ``hand NumPy``: the best two-layer code written by hand for this benchmark — chunked over θ so
  the element-wise passes stay in cache, the stable one-exponential sigmoid e = e^{−|z|},
  σ = 1/(1 + e) or e/(1 + e), σ' = e/(1 + e)², BLAS matrix products for every contraction,
  the Gauss–Newton term as one JᵀJ product per θ (BLAS ``dsyrk``, half the flops of a general
  product) and the residual term only on its non-zero blocks, Taylor coefficients for Dᵏ;
* ``JAX``: ``jax.jit(jax.vmap(jax.grad / jax.hessian / nested jax.jvp))`` in float64 (optional:
  ``pip install jax jaxlib``; the column is skipped when JAX is missing).

Every library runs on one thread (OMP/OpenBLAS/MKL thread counts and XLA's intra-op
parallelism set before import). Times are CPU times of the process (``time.process_time``), so
waiting for a core on a shared machine is not counted; each ratio is the median over paired
rounds (the implementations timed back to back on the same batch, in rotating order), so the
remaining load effects (cache and memory-bandwidth contention) hit both sides of a ratio alike. Targets: every ratio ≥ 1.0 (symsaddle at
least as fast), build ≤ 2 s (import excluded, fresh interpreter), and the structured kernel's
work memory under its budget (1 GB by default; measured with ``tracemalloc``).

    python benchmarks/bench_vs_jax.py [--rounds 5] [--quick]
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"):
    os.environ[_var] = "1"
os.environ["XLA_FLAGS"] = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"

import argparse  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from math import factorial  # noqa: E402

import numpy as np  # noqa: E402
from scipy.linalg.blas import dsyrk  # noqa: E402

import symsaddle as ss  # noqa: E402
from symsaddle.datasets import seed003_grid  # noqa: E402

TWO_LAYER_WIDTHS = (5, 20, 100)
MLP_WIDTHS = ((2, 5, 5, 1), (2, 10, 10, 1), (2, 12, 12, 12, 1))
BUILD_TARGET = 2.0
#: every implementation must agree with symsaddle to this (relative to the largest entry) before it is timed
AGREEMENT = 1e-12


# ---------------------------------------------------------------------------------------------
# hand-written NumPy, two-layer sigmoid net without bias, θ = [W (width × d, row-major), a]


class HandTwoLayer:
    """L, ∇L, ∇²L and Dᵏ L of L = 1/(2n) Σ_i (Σ_j a_j σ(w_j·x_i) − y_i)², batched over θ."""

    def __init__(self, X: np.ndarray, y: np.ndarray, width: int, chunk_bytes: int = 1 << 22):
        self.X, self.y, self.w = X, y, width
        self.n, self.d = X.shape
        self.P = width * (self.d + 1)
        self.XX = np.einsum("nd,ne->nde", X, X).reshape(self.n, -1)
        self.bc = max(1, chunk_bytes // (8 * self.n * width * 6))      # θ per cache-sized chunk

    def _split(self, theta):
        B, w, d = theta.shape[0], self.w, self.d
        return theta[:, :w * d].reshape(B, w, d), theta[:, w * d:]

    @staticmethod
    def _sigmoid(z):
        """σ and e/(1 + e)² = σ' from one exponential e = e^{−|z|}."""
        e = np.exp(-np.abs(z))
        inv = 1.0 / (1.0 + e)
        s = np.where(z >= 0, inv, e * inv)
        return s, e * inv * inv, e, inv

    def gradient(self, theta):
        out = np.empty_like(theta)
        for b0 in range(0, theta.shape[0], self.bc):
            W, a = self._split(theta[b0:b0 + self.bc])
            Z = np.matmul(self.X, W.transpose(0, 2, 1))                          # (Bc, n, w)
            s, s1, _, _ = self._sigmoid(Z)
            r = (np.matmul(s, a[:, :, None])[..., 0] - self.y) * (1.0 / self.n)   # (Bc, n)
            ga = np.matmul(r[:, None, :], s)[:, 0]                                # sᵀr
            gW = np.matmul(s1.transpose(0, 2, 1), r[:, :, None] * self.X) * a[:, :, None]
            out[b0:b0 + self.bc] = np.concatenate([gW.reshape(len(a), -1), ga], axis=1)
        return out

    def hessian(self, theta):
        B, w, d, n, P = theta.shape[0], self.w, self.d, self.n, self.P
        H = np.empty((B, P, P))
        for b in range(B):
            W, a = self._split(theta[b:b + 1])
            W, a = W[0], a[0]
            Z = self.X @ W.T
            s, s1, e, inv = self._sigmoid(Z)
            tanh_half = np.where(Z >= 0, 1.0, -1.0) * (1.0 - e) * inv            # tanh(z/2)
            s2 = -s1 * tanh_half                                                   # σ''
            r = (s @ a - self.y) * (1.0 / n)
            J = np.empty((n, P))
            J[:, :w * d] = ((a * s1)[:, :, None] * self.X[:, None, :]).reshape(n, -1)
            J[:, w * d:] = s
            Hb = dsyrk(1.0 / n, J, trans=1, lower=0)                              # JᵀJ/n (upper)
            Hb = np.triu(Hb) + np.triu(Hb, 1).T
            hww = ((r[:, None] * s2).T @ self.XX).reshape(w, d, d) * a[:, None, None]
            hwa = (r[:, None] * s1).T @ self.X                                     # (w, d)
            for j in range(w):
                Hb[j * d:(j + 1) * d, j * d:(j + 1) * d] += hww[j]
                Hb[j * d:(j + 1) * d, w * d + j] += hwa[j]
                Hb[w * d + j, j * d:(j + 1) * d] += hwa[j]
            H[b] = Hb
        return H

    def directional(self, theta, u, order: int):
        """Dᵏ L[u]ᵏ: Taylor coefficients of f(θ + t u) = Σ_j (a_j + tα_j) σ(z0_j + t z1_j)."""
        out = np.empty(theta.shape[0])
        for b0 in range(0, theta.shape[0], self.bc):
            W, a = self._split(theta[b0:b0 + self.bc])
            U, alpha = self._split(u[b0:b0 + self.bc])
            Z0 = np.matmul(self.X, W.transpose(0, 2, 1))
            Z1 = np.matmul(self.X, U.transpose(0, 2, 1))
            s, s1, e, inv = self._sigmoid(Z0)
            t = np.where(Z0 >= 0, 1.0, -1.0) * (1.0 - e) * inv                     # tanh(z/2)
            ds = [s, s1]                                                           # σ⁽ᵐ⁾ / m!
            if order >= 2:
                ds.append(-0.5 * s1 * t)
            if order >= 3:
                ds.append(s1 * (t * t - 2.0 * s1) * (1.0 / 6.0))        # σ'''/3! with σ''' = σ'(t² − 2σ')
            if order >= 4:
                ds.append(-s1 * t * (t * t - 8.0 * s1) * (1.0 / 24.0))  # σ''''/4! with σ'''' = −σ't(t² − 8σ')
            coeff = [np.matmul(s, a[:, :, None])[..., 0] - self.y]                # r^[0]
            power = np.ones_like(Z1)
            for j in range(1, order + 1):
                prev, power = power, power * Z1                                    # z1^{j-1}, z1^j
                coeff.append(np.matmul(ds[j] * power, a[:, :, None])[..., 0]
                             + np.matmul(ds[j - 1] * prev, alpha[:, :, None])[..., 0])
            val = sum(coeff[j] * coeff[order - j] for j in range(order + 1))
            out[b0:b0 + self.bc] = factorial(order) * 0.5 * val.sum(axis=1) / self.n
        return out


def one_exponential_sigmoid_pieces(order: int, taylor: bool):
    """Diagnostic (``--cheap-sigmoid``): σ and its derivatives up to ``order`` as the hand-written
    code computes them, from one exponential e = exp(−|z|): σ' = e/(1 + e)², t = tanh(z/2),
    σ'' = −σ't, σ⁽³⁾ = σ'(t² − 2σ'), σ⁽⁴⁾ = −σ't(t² − 8σ'). Measures the structured kernel's own
    cost apart from the evaluation of the activation pieces."""
    scale = [1.0 / factorial(m) if taylor else 1.0 for m in range(order + 1)]

    def pieces(z):
        e = np.exp(-np.abs(z))
        inv = 1.0 / (1.0 + e)
        out = [np.where(z >= 0, inv, e * inv)]
        if order >= 1:
            s1 = e * inv * inv
            out.append(s1)
        if order >= 2:
            t = np.copysign((1.0 - e) * inv, z)
            out.append(-s1 * t)
        if order >= 3:
            out.append(s1 * (t * t - 2.0 * s1))
        if order >= 4:
            out.append(-s1 * t * (t * t - 8.0 * s1))
        return [v * c if c != 1.0 else v for v, c in zip(out, scale)]
    return pieces


# ---------------------------------------------------------------------------------------------
# JAX


def jax_functions(X, y, widths, bias):
    """jit(vmap(...)) gradient, Hessian and D³, D⁴ of the same loss, or None without JAX."""
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)
    Xj, yj = jnp.asarray(X), jnp.asarray(y)

    def loss(th):
        h, o = Xj, 0
        for k in range(1, len(widths)):
            W = th[o:o + widths[k] * widths[k - 1]].reshape(widths[k], widths[k - 1])
            o += widths[k] * widths[k - 1]
            h = h @ W.T
            if bias:
                h = h + th[o:o + widths[k]]
                o += widths[k]
            if k < len(widths) - 1:
                h = jax.nn.sigmoid(h)
        return 0.5 * jnp.mean((h[:, 0] - yj) ** 2)

    def nested(order):
        def d(th, u):
            f = loss
            for _ in range(order):
                f = (lambda g: (lambda s: jax.jvp(g, (s,), (u,))[1]))(f)
            return f(th)
        return jax.jit(jax.vmap(d))

    grad, hess = jax.jit(jax.vmap(jax.grad(loss))), jax.jit(jax.vmap(jax.hessian(loss)))
    d3, d4 = nested(3), nested(4)
    return {"gradient": lambda th, u: np.asarray(grad(th).block_until_ready()),
            "hessian": lambda th, u: np.asarray(hess(th).block_until_ready()),
            "D3": lambda th, u: np.asarray(d3(th, u).block_until_ready()),
            "D4": lambda th, u: np.asarray(d4(th, u).block_until_ready())}


# ---------------------------------------------------------------------------------------------
# measurement


@dataclass
class Row:
    model: str
    P: int
    quantity: str
    batch: int
    seconds: dict        # implementation -> median seconds per θ
    ratios: dict         # implementation -> median over rounds of t_impl / t_symsaddle
    error: dict          # implementation -> max relative difference to symsaddle


def paired_rounds(impls: dict, args, rounds: int, batch: int, min_seconds: float = 0.05):
    """Median CPU seconds per θ, median per-round ratio to symsaddle, and max relative difference.

    Time is the process's CPU time (``time.process_time``, all threads), not wall time: on a
    shared machine it does not count the time the process waits for a core. Each round times
    every implementation back to back (rotating the order); a call shorter than ``min_seconds``
    is repeated within the round so that timer noise stays small.
    """
    clock = time.process_time
    names = list(impls)
    results, repeats = {}, {}
    for name in names:                                              # warm-up (jit, caches)
        results[name] = impls[name](*args)
        t0 = clock()
        impls[name](*args)
        repeats[name] = max(1, int(np.ceil(min_seconds / max(clock() - t0, 1e-4))))
    ref = results["symsaddle"]
    scale = max(float(np.max(np.abs(ref))), 1e-300)
    for name in names:                                              # same numbers before timing
        diff = float(np.max(np.abs(np.asarray(results[name]) - ref))) / scale
        if not diff <= AGREEMENT:
            raise AssertionError(f"{name} differs from symsaddle by {diff:.1e} (relative to the largest "
                                 f"entry) > {AGREEMENT:.0e}: the implementations do not compute the same thing")
    times = {name: [] for name in names}
    for r in range(rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:
            t0 = clock()
            for _ in range(repeats[name]):
                impls[name](*args)
            times[name].append((clock() - t0) / repeats[name])
    return ({n: float(np.median(t)) / batch for n, t in times.items()},
            {n: float(np.median(np.array(times[n]) / np.array(times["symsaddle"]))) for n in names},
            {n: float(np.max(np.abs(np.asarray(results[n]) - ref))) / scale for n in names})


def batches(P: int, quick: bool) -> dict:
    """θ per call: 64 for the sweeps (32 with --quick); for the Hessian about 50 000 / P² (2…256)."""
    full = 32 if quick else 64
    return {"gradient": full, "hessian": int(np.clip(50_000 // P**2, 2, 256)), "D3": full, "D4": full}


def measure(label, widths, bias, X, y, rounds, quick, quantities, hand_width=None) -> list[Row]:
    m = (ss.models.two_layer(2, hand_width, "sigmoid") if hand_width
         else ss.models.mlp(list(widths), "sigmoid", bias=bias))
    kernel = ss.Objective(m, X, y).compile()
    P = m.n_parameters
    hand = HandTwoLayer(X, y, hand_width) if hand_width else None
    jx = jax_functions(X, y, widths, bias)
    rng = np.random.default_rng(0)
    rows = []
    for quantity, B in batches(P, quick).items():
        if quantity not in quantities:
            continue
        theta = rng.normal(size=(B, P))
        u = rng.normal(size=(B, P))
        u /= np.linalg.norm(u, axis=1, keepdims=True)
        order = {"D3": 3, "D4": 4}.get(quantity)
        impls = {"symsaddle": (lambda th, v: kernel.directional(th, v, order)) if order
                 else (lambda th, v, q=quantity: getattr(kernel, q)(th))}
        if hand is not None:
            impls["hand NumPy"] = ((lambda th, v: hand.directional(th, v, order)) if order
                                   else (lambda th, v, q=quantity: getattr(hand, q)(th)))
        if jx is not None:
            impls["JAX"] = jx[quantity]
        sec, ratio, err = paired_rounds(impls, (theta, u), rounds, B)
        rows.append(Row(label, P, quantity, B, sec, ratio, err))
        print(f"  {label:<22} P={P:<4} {quantity:<8} B={B:<3} "
              + "  ".join(f"{n} {1e3 * s:8.3f} ms/θ" for n, s in sec.items()), flush=True)
    return rows


BUILD_SCRIPT = """
import time
t0 = time.perf_counter()
import numpy as np, symsaddle as ss
from symsaddle.datasets import seed003_grid
t1, c1 = time.perf_counter(), time.process_time()
m = {model}
if m.d_in == 2:
    X, y = seed003_grid()
    X, y = X[:{n}], y[:{n}]
else:                                                    # the 10-input net: random data of that width
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=({n}, m.d_in)), rng.normal(size={n})
k = ss.Objective(m, X, y).compile()
th = np.random.default_rng(0).normal(size=m.n_parameters)
k.value(th); k.gradient(th); k.hessian(th); k.directional(th, th, 3); k.directional(th, th, 4)
print(t1 - t0, time.perf_counter() - t1, time.process_time() - c1)
"""

JAX_BUILD_SCRIPT = """
import os, time
os.environ["XLA_FLAGS"] = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
t0 = time.perf_counter()
import numpy as np, jax, jax.numpy as jnp
jax.config.update("jax_enable_x64", True)
t1, c1 = time.perf_counter(), time.process_time()
import sys; sys.path.insert(0, {here!r})
from bench_vs_jax import jax_functions
from symsaddle.datasets import seed003_grid
X, y = seed003_grid()
f = jax_functions(X, y, {widths}, {bias})
th = np.random.default_rng(0).normal(size=(1, {P}))
for q in ("gradient", "hessian", "D3", "D4"):
    f[q](th, th)
print(t1 - t0, time.perf_counter() - t1, time.process_time() - c1)
"""


def fresh(code: str) -> tuple[float, float, float]:
    """(import wall s, build wall s, build CPU s) of ``code`` in a fresh interpreter."""
    env = dict(os.environ)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    a, b, c = out.stdout.strip().splitlines()[-1].split()
    return float(a), float(b), float(c)


def build_times(quick: bool) -> None:
    print("\nbuild = model + objective + compile + first value, gradient, Hessian, D³, D⁴ "
          "(fresh interpreter; import reported apart); wall and CPU seconds (on a shared machine wall "
          "time also counts waiting for a core: the target is judged on CPU time)")
    print(f"| model | P | n | import (s) | build wall (s) | build CPU (s) | JAX import (s) | "
          f"JAX jit + first calls, wall (s) | CPU (s) | build CPU ≤ {BUILD_TARGET} s |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    here = os.path.dirname(os.path.abspath(__file__))
    cases = [("two_layer(2, 100)", "ss.models.two_layer(2, 100, 'sigmoid')", (2, 100, 1), False, 300)]
    cases += [(f"mlp({list(w)})", f"ss.models.mlp({list(w)}, 'sigmoid')", w, True,
               ss.models.mlp(list(w), "sigmoid").n_parameters)
              for w in ((2, 10, 1), (2, 10, 10, 1), (2, 10, 10, 10, 1), (2, 10, 10, 10, 10, 1),
                        (10, 10, 10, 10, 1))]
    try:
        import jax  # noqa: F401
        have_jax = True
    except ImportError:
        have_jax = False
    for label, model, widths, bias, P in cases[:3] if quick else cases:
        for n in (10, 1681):
            imp, wall, build = fresh(BUILD_SCRIPT.format(n=n, model=model))
            jimp, jwall, jbuild = (fresh(JAX_BUILD_SCRIPT.format(here=here, widths=widths, bias=bias, P=P))
                                   if have_jax and n == 1681 and widths[0] == 2 else (float("nan"),) * 3)
            print(f"| {label} | {P} | {n} | {imp:.2f} | {wall:.2f} | {build:.2f} | {jimp:.2f} | {jwall:.2f} | "
                  f"{jbuild:.2f} | {'met' if build <= BUILD_TARGET else 'SHORT'} |", flush=True)


def peak_memory(X, y) -> None:
    print("\npeak work memory of the structured Hessian (tracemalloc; output array excluded)")
    print("| model | P | B | budget | peak work memory | under budget |")
    print("|---|---|---|---|---|---|")
    for label, m in (("two_layer(2, 100)", ss.models.two_layer(2, 100, "sigmoid")),
                     ("mlp([2, 12, 12, 12, 1])", ss.models.mlp([2, 12, 12, 12, 1], "sigmoid"))):
        obj = ss.Objective(m, X, y)
        theta = np.random.default_rng(1).normal(size=(16, m.n_parameters))
        for budget in (1 << 30, 1 << 26, 1 << 23):
            k = obj.compile(memory_budget=budget)
            k.hessian(theta[:1])
            tracemalloc.start()
            H = k.hessian(theta)
            peak = tracemalloc.get_traced_memory()[1] - H.nbytes
            tracemalloc.stop()
            print(f"| {label} | {m.n_parameters} | {len(theta)} | {budget / 2**20:.0f} MiB | "
                  f"{peak / 2**20:.1f} MiB | {'yes' if peak <= budget else 'NO'} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="smaller batches, fewer build cases")
    parser.add_argument("--skip-build", action="store_true")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--only", default="", help="measure only models whose label contains this")
    parser.add_argument("--quantities", default="gradient,hessian,D3,D4")
    parser.add_argument("--cheap-sigmoid", action="store_true",
                        help="diagnostic: evaluate the sigmoid pieces from one exponential, as the "
                             "hand-written code does, instead of symsaddle's activation pieces")
    args = parser.parse_args()
    if args.cheap_sigmoid:
        import symsaddle._structured as structured
        symbolic = structured._activation_pieces
        structured._activation_pieces = (lambda act, order, taylor: one_exponential_sigmoid_pieces(order, taylor)
                                         if act.name == "sigmoid" else symbolic(act, order, taylor))
        print("DIAGNOSTIC: sigmoid pieces from one exponential (not symsaddle's activation pieces)")
    X, y = seed003_grid()
    try:
        import jax
        print(f"JAX {jax.__version__} (jit + vmap, float64, one thread)")
    except ImportError:
        print("JAX is not installed (optional: pip install jax jaxlib): the JAX column is skipped")
    print(f"n = {len(X)} grid points; {args.rounds} paired rounds; one thread for NumPy/BLAS/XLA\n")
    rows = []
    wanted = args.quantities.split(",")
    cases = ([(f"two_layer(2, {w})", (2, w, 1), False, w) for w in TWO_LAYER_WIDTHS]
             + [(f"mlp({list(widths)})", widths, True, None) for widths in MLP_WIDTHS])
    for label, widths, bias, hand_width in cases:
        if args.only in label:
            rows += measure(label, widths, bias, X, y, args.rounds, args.quick, wanted, hand_width)

    others = [name for name in ("hand NumPy", "JAX") if any(name in r.ratios for r in rows)]
    print("\nratio = median over rounds of t(other) / t(symsaddle); ≥ 1.0 means symsaddle is at "
          "least as fast (target)")
    print("| model | P | quantity | B | symsaddle ms/θ | "
          + " | ".join(f"{o} ms/θ | ratio {o}" for o in others) + " | max rel. diff |")
    print("|---|---|---|---|---|" + "---|---|" * len(others) + "---|")
    short = []
    for r in rows:
        cells = []
        for o in others:
            if o in r.ratios:
                cells.append(f"{1e3 * r.seconds[o]:.3f} | {r.ratios[o]:.2f}")
                if r.ratios[o] < 1.0:
                    short.append(f"{r.model} P={r.P} {r.quantity}: {r.ratios[o]:.2f}x vs {o}")
            else:
                cells.append("– | –")
        diff = max((v for k, v in r.error.items() if k != "symsaddle"), default=0.0)
        print(f"| {r.model} | {r.P} | {r.quantity} | {r.batch} | {1e3 * r.seconds['symsaddle']:.3f} | "
              + " | ".join(cells) + f" | {diff:.1e} |")
    print("\ntargets short:" + ("".join(f"\n  - {s}" for s in short) if short else " none"))
    if not args.skip_memory:
        peak_memory(X, y)
    if not args.skip_build:
        build_times(args.quick)


if __name__ == "__main__":
    main()
