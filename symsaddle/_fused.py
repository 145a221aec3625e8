"""Fused gradient steps for tiny objectives (issue 11, part 3).

For a model with a handful of parameters and samples, one call of the NumPy kernel costs
tens of microseconds, almost all of it per-entry dispatch (``np.broadcast_to``, ``einsum``)
and input checks around a few dozen floating-point operations. Here the same per-sample
symbolic derivatives are unrolled over the kernel's rows, with the data kept as symbols
(one symbol per datum, passed as arguments — the data set is never baked into the code):

    L(θ)  = c Σ_i ℓ(f(x_i; θ), y_i),      ∇L(θ) = c Σ_i ∇_θ ℓ(f(x_i; θ), y_i),
    ∇²L(θ) = c Σ_i ∇²_θ ℓ(f(x_i; θ), y_i)          (for the gradient-flow Jacobian)

and printed, after common-subexpression elimination, as plain Python on floats:

* :attr:`FusedProgram.descend` — a generated loop of gradient-descent steps
  θ ← θ − η ∇L(θ) that evaluates L and ∇L at every new iterate and returns at the first
  iterate that is not clearly regular (a non-finite parameter, an arithmetic exception,
  a loss that is not finite or exceeds the caller's limit); the caller then takes that
  step with the NumPy kernel, so divergence is detected and reported exactly as there;
* :attr:`FusedProgram.gradient`, :attr:`FusedProgram.hessian` — ∇L and ∇²L of one θ,
  for the right-hand side and Jacobian of gradient flow.

The arithmetic is the kernel's up to the order of operations, so results agree to
rounding (tests compare both paths and closed forms).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
import sympy as sp
from sympy.printing.pycode import PythonCodePrinter

from ._activations import NUMPY_FUNCTIONS

#: Largest P × (number of kernel rows) unrolled into a fused program: the generated code
#: grows like P × rows, and past a few dozen terms NumPy's vectorised kernel wins.
FUSED_MAX_TERMS = 64

#: The arithmetic exceptions Python floats raise where NumPy would return inf or NaN.
FUSED_ERRORS = (ArithmeticError, ValueError)


@dataclass(frozen=True)
class FusedProgram:
    """Generated Python functions of (θ, data) for one (model, loss, number of rows).

    ``descend(theta, grad, loss, eta, k, stop, every, limit, record, data, c)`` runs steps
    k+1, …, ``stop`` and returns ``(k, theta, grad, loss)`` at the last regular iterate;
    every iterate with k % every == 0 is appended to ``record`` as (loss, *θ, *∇L).
    ``gradient(theta, data, c)`` and ``hessian(theta, data, c)`` return tuples
    (∇L, and ∇²L row-major).
    """

    P: int
    rows: int
    descend: Callable
    gradient: Callable
    hessian: Callable
    source: str


def fits(P: int, rows: int) -> bool:
    """Whether an objective with P parameters and ``rows`` kernel rows is unrolled."""
    return P * rows <= FUSED_MAX_TERMS


_PROGRAMS: dict[tuple[int, int], FusedProgram] = {}


def fused_program(sample_derivatives, rows: int) -> FusedProgram:
    """The (cached) fused program of per-sample derivatives unrolled over ``rows`` rows.

    Per-sample derivative objects are cached per (model, loss) and live for the session,
    so their identity keys the cache.
    """
    key = (id(sample_derivatives), rows)
    if key not in _PROGRAMS:
        _PROGRAMS[key] = _build(sample_derivatives, rows)
    return _PROGRAMS[key]


def kernel_data_arguments(kernel) -> tuple[float, ...]:
    """The data a fused program takes: row by row, the inputs then the labels."""
    X, Y = kernel.objective.kernel_data
    return tuple(float(v) for v in np.hstack([X, Y]).ravel())


def _build(sd, rows: int) -> FusedProgram:
    P = len(sd.parameters)
    q = [sp.Symbol(f"q{i}", real=True) for i in range(P)]
    n_in, n_out = len(sd.inputs), len(sd.labels)
    data = [sp.Symbol(f"d{j}", real=True) for j in range(rows * (n_in + n_out))]
    per_sample = list(sd.inputs) + list(sd.labels)
    subs = [dict(zip(list(sd.parameters) + per_sample, q + data[i * len(per_sample):(i + 1) * len(per_sample)]))
            for i in range(rows)]

    def summed(expr):
        return sp.Add(*(expr.xreplace(s) for s in subs))

    loss = summed(sd.sample_loss)
    grad = [summed(g) for g in sd.gradient]
    H = sd.hessian
    upper = [(p, r) for p in range(P) for r in range(p, P)]
    hess = [summed(H[p, r]) for p, r in upper]

    printer = PythonCodePrinter({"fully_qualified_modules": True, "allow_unknown_functions": True})
    unpack = (f"    {', '.join(map(str, q))}, = _theta\n"
              f"    {', '.join(map(str, data))}, = _data\n")

    def block(exprs, names, indent):
        repl, reduced = sp.cse(exprs, symbols=sp.numbered_symbols("w"))
        lines = [f"{w} = {printer.doprint(e)}" for w, e in repl]
        lines += [f"{name} = _c*({printer.doprint(e)})" for name, e in zip(names, reduced)]
        return "".join(" " * indent + line + "\n" for line in lines)

    h = [f"h{i}" for i in range(P)]
    p_ = [f"p{i}" for i in range(P)]
    g_ = [f"g{i}" for i in range(P)]
    steps = "".join(f"            q{i} = p{i} - _eta*g{i}\n" for i in range(P))
    src = (
        "def descend(_theta, _grad, _loss, _eta, _k, _stop, _every, _limit, _record, _data, _c):\n"
        f"    {', '.join(p_)}, = _theta\n"
        f"    {', '.join(g_)}, = _grad\n"
        "    L = _loss\n"
        f"    {', '.join(map(str, data))}, = _data\n"
        "    while _k < _stop:\n"
        "        try:\n"
        + steps +
        f"            _s = {' + '.join(map(str, q))}\n"
        "            if _s - _s != 0:\n"
        "                break\n"
        + block([loss] + grad, ["_M"] + h, 12) +
        "        except _ERRORS:\n"
        "            break\n"
        "        if not (-_inf < _M <= _limit):\n"
        "            break\n"
        "        _k += 1\n"
        f"        {', '.join(p_)}, = {', '.join(map(str, q))},\n"
        f"        L, {', '.join(g_)}, = _M, {', '.join(h)},\n"
        "        if _k % _every == 0:\n"
        f"            _record((L, {', '.join(p_)}, {', '.join(g_)}))\n"
        f"    return _k, ({', '.join(p_)},), ({', '.join(g_)},), L\n\n"
        "def gradient(_theta, _data, _c):\n" + unpack
        + block(grad, h, 4) + f"    return ({', '.join(h)},)\n\n"
        "def hessian(_theta, _data, _c):\n" + unpack
        + block(hess, [f"e{i}" for i in range(len(upper))], 4)
        + "    return (" + ", ".join(f"e{upper.index((min(a, b), max(a, b)))}"
                                 for a in range(P) for b in range(P)) + ",)\n"
    )
    namespace: dict = {"math": math, "_inf": math.inf, "_ERRORS": FUSED_ERRORS, **NUMPY_FUNCTIONS}
    exec(compile(src, f"<symsaddle fused program P={P} rows={rows}>", "exec"), namespace)
    return FusedProgram(P, rows, namespace["descend"], namespace["gradient"], namespace["hessian"], src)
