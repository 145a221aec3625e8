"""The one kernel interface: what ``classify``, ``polish``, the dynamics and the cross-check call.

A *kernel* evaluates an objective L(θ) and its derivatives at parameter vectors θ. Every
kernel in symsaddle — the layer-structured NumPy kernel (``backend = "structured"``), the
per-sample symbolic NumPy kernel (``"per-sample"``), the mpmath kernel (``"mpmath"``), the
exact rational evaluator of the cross-check (``"exact"``) and the slices' kernel-like
classes (deep linear matrix calculus, the NCF, the sphere chart, ...) — satisfies
:class:`Kernel`, so analyses accept any of them, and ``kernel.backend`` tells a reader
which implementation of ``gradient`` runs.

Required members
----------------
``backend``  short name of the implementation (a string);
``P``        the number of parameters;
``value(θ)``, ``gradient(θ)``, ``hessian(θ)`` and ``directional(θ, u, order)`` with
Dᵏ L(θ)[u, …, u] = dᵏ/dtᵏ L(θ + t u)|₀ for 1 ≤ k ≤ 4.

Kernels take θ of shape (P,) or a batch (B, P) and return (), (P,), (P, P) — or
(B,), (B, P), (B, P, P) for a batch; ``directional`` broadcasts θ and u against each other.
The mpmath kernel returns mpmath numbers (``mpmath.matrix`` for one θ's gradient and Hessian, NumPy
object arrays of them for a batch); the exact evaluator of the cross-check takes one θ and returns
SymPy numbers.

Optional members (use the module functions :func:`value_and_gradient` and
:func:`hessian_vector_product`, which fall back to the required ones)
---------------------------------------------------------------------------------------
``value_and_gradient(θ)``              both in one pass;
``hessian_vector_product(θ, v)``       ∇²L(θ) v without forming the Hessian;
``third(θ)``                           the full tensor ∂³L/∂θ_p∂θ_q∂θ_r (small P only).

A kernel compiled from an :class:`~symsaddle.Objective` keeps it as ``objective``; its model's
continuous symmetries (:func:`orbit_tangents`) let ``classify`` certify Morse–Bott points exactly.

Every kernel validates its input the same way (:func:`parameter_batch`): a θ of the wrong
shape raises :class:`~symsaddle.errors.ShapeError`, one holding NaN or ±inf raises
:class:`~symsaddle.errors.NonFiniteDataError`.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from .errors import NonFiniteDataError, ShapeError

#: Largest order of the directional derivatives every kernel provides (issue 2: k ≤ 4).
MAX_DIRECTIONAL_ORDER = 4


@runtime_checkable
class Kernel(Protocol):
    """L(θ) and its derivatives; see the module docstring for shapes and optional members."""

    backend: str
    P: int

    def value(self, theta): ...

    def gradient(self, theta): ...

    def hessian(self, theta): ...

    def directional(self, theta, u, order: int): ...


def objective_kernel_repr(kernel, **details) -> str:
    """A one-line repr of a kernel compiled from an :class:`~symsaddle.Objective`: its class, backend,
    P, model, loss and number of samples n (the data set's, before any moment compression), then
    ``details`` (e.g. ``dps=50``), e.g. ``StructuredKernel(backend='structured', P=6, model=two_layer,
    loss='square', n=4)``."""
    objective = kernel.objective
    fields = {"backend": repr(kernel.backend), "P": kernel.P, "model": objective.model.name,
              "loss": repr(objective.loss.name), "n": objective.n, **details}
    return f"{type(kernel).__name__}(" + ", ".join(f"{k}={v}" for k, v in fields.items()) + ")"


def orbit_tangents(kernel, theta: np.ndarray, at_least: int = 0) -> np.ndarray:
    """Tangents ξ_g θ (columns, shape (P, m)) at θ of the orbit of the model's continuous symmetry group
    (:mod:`symsaddle._symmetries`) for a kernel compiled from an Objective; m = 0 for any other kernel, for
    models without one, and when the group has fewer than ``at_least`` generators (its orbit cannot span
    a space of that dimension, so they are not built)."""
    model = getattr(getattr(kernel, "objective", None), "model", None)
    if model is not None and getattr(model, "n_parameters", None) == kernel.P and model.symmetry.count >= at_least:
        return model.orbit_tangents(theta)
    return np.zeros((kernel.P, 0))


def require_kernel(kernel, caller: str):
    """``kernel`` itself when it is one (duck-typed: an integer ``P`` and callable ``value``,
    ``gradient`` and ``hessian``), else a ``TypeError`` naming ``caller`` and what to pass.

    An :class:`~symsaddle.Objective` is refused rather than compiled here: compiling is not cached
    and picks a backend, so the caller compiles once (``objective.compile()``) and reuses the kernel.
    """
    if callable(getattr(kernel, "compile", None)):
        raise TypeError(f"{caller} takes a compiled kernel, got {type(kernel).__name__}: pass objective.compile() "
                        "(compile once and reuse the kernel)")
    if not isinstance(getattr(kernel, "P", None), (int, np.integer)) or not all(
            callable(getattr(kernel, member, None)) for member in ("value", "gradient", "hessian")):
        raise TypeError(f"{caller} takes a kernel (P, value, gradient, hessian, directional: see symsaddle.Kernel), "
                        f"got {type(kernel).__name__}")
    return kernel


def as_finite_array(a, name: str) -> np.ndarray:
    """``a`` as a float array; an error names ``name`` if it is not numeric, complex or holds NaN/inf."""
    if type(a) is np.ndarray and a.dtype == np.float64:         # the common case, checked cheaply
        if not np.isfinite(a).all():
            bad = np.argwhere(~np.isfinite(a))[0].tolist()
            raise NonFiniteDataError(f"{name} contains NaN or inf (first at index {bad})")
        return a
    if np.iscomplexobj(a):
        raise TypeError(f"{name} is complex; the losses are defined for real numbers (pass {name}.real if the "
                        "imaginary part is zero)")
    try:
        arr = np.asarray(a, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be numeric, got {type(a).__name__}: {exc}") from None
    if not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))[0].tolist()
        raise NonFiniteDataError(f"{name} contains NaN or inf (first at index {bad})")
    return arr


def sample_arrays(X, y, d_in: int | None = None, d_out: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """One data set as float arrays X (n, d) and y (n, d_out), one row per sample; y may be given as (n,).

    ``d_in``/``d_out``, when given, are the widths a model needs. Raises :class:`ShapeError` naming the
    mismatch (and the errors of :func:`as_finite_array`).
    """
    X = as_finite_array(X, "X")
    y = as_finite_array(y, "y")
    if X.ndim != 2 or (d_in is not None and X.shape[1] != d_in):
        want = f"(n, d_in) = (n, {d_in})" if d_in is not None else "(n, d)"
        raise ShapeError(f"X must have shape {want}, one row per sample; got {X.shape}"
                         + ("; for one feature use X[:, None]" if X.ndim == 1 else ""))
    if y.ndim == 1:
        y = y[:, None]
    if y.ndim != 2 or (d_out is not None and y.shape[1] != d_out):
        raise ShapeError(f"y must have shape (n,) or (n, {d_out if d_out is not None else 'd_out'}), one label "
                         f"per sample; got {y.shape}")
    if X.shape[0] != y.shape[0]:
        raise ShapeError(f"X and y have mismatched lengths: X has {X.shape[0]} rows (samples), "
                         f"y has {y.shape[0]}")
    if X.shape[0] == 0 or (X.shape[1] == 0 and d_in is None):      # a model may take no inputs (d_in = 0)
        raise ShapeError(f"the data set is empty (X has shape {X.shape})")
    return X, y


def parameter_batch(theta, P: int, name: str = "theta") -> tuple[np.ndarray, bool]:
    """θ as a float array of shape (B, P), and whether a single vector (P,) was given.

    Raises :class:`ShapeError` for any other shape, ``TypeError`` for non-numeric or complex θ and
    :class:`NonFiniteDataError` for NaN/inf.
    """
    arr = as_finite_array(theta, name)
    single = arr.ndim == 1
    if single:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] != P:
        raise ShapeError(f"{name} must have shape (P,) or (B, P) with P = {P} parameters; "
                         f"got {np.shape(theta)}")
    return arr, single


def parameter_array(theta, P: int, name: str = "theta") -> np.ndarray:
    """θ as one float vector of shape (P,); the errors of :func:`parameter_batch`."""
    arr = as_finite_array(theta, name)
    if arr.shape != (P,):
        raise ShapeError(f"{name} must have shape ({P},), got {arr.shape}")
    return arr


def parameter_vector(theta, P: int, name: str = "theta") -> list:
    """One θ of P entries for the arbitrary-precision kernels, validated like :func:`parameter_batch`.

    Entries may be Python/NumPy numbers, mpmath numbers or SymPy numbers; they are returned
    unchanged, in a list.
    """
    vals = list(np.ravel(theta)) if isinstance(theta, np.ndarray) else list(theta)
    if len(vals) != P or (isinstance(theta, np.ndarray) and theta.ndim != 1):
        raise ShapeError(f"{name} must have shape (P,) with P = {P} parameters; got "
                         f"{np.shape(theta) if isinstance(theta, np.ndarray) else len(vals)} entries")
    for i, v in enumerate(vals):
        try:
            finite = np.isfinite(complex(v)) if not hasattr(v, "is_finite") else bool(v.is_finite)
            real = complex(v).imag == 0 if finite else True
        except (TypeError, ValueError):
            raise TypeError(f"{name}[{i}] must be a real number, got {v!r}") from None
        if not real:
            raise TypeError(f"{name}[{i}] is complex ({v!r}); the losses are defined for real parameters")
        if not finite:
            raise NonFiniteDataError(f"{name} contains NaN or inf (first at index [{i}])")
    return vals


def parameter_rows(theta, P: int, name: str = "theta") -> tuple[list[list], bool]:
    """θ of shape (P,) or a batch (B, P) for the arbitrary-precision kernels: its rows, each validated by
    :func:`parameter_vector`, and whether a single vector was given. A batch is a 2-D array or a sequence
    of sequences (lists, tuples, arrays)."""
    batch = (np.ndim(theta) == 2 if isinstance(theta, np.ndarray)
             else isinstance(theta, (list, tuple)) and len(theta) > 0
             and all(isinstance(row, (list, tuple, np.ndarray)) for row in theta))
    if not batch:
        return [parameter_vector(theta, P, name)], True
    rows = list(theta)
    if not rows:
        raise ShapeError(f"{name} is an empty batch; pass shape (P,) or (B, P) with B ≥ 1 and P = {P}")
    return [parameter_vector(row, P, f"{name}[{b}]") for b, row in enumerate(rows)], False


def check_order(order: int) -> int:
    """The order of a directional derivative, an integer 1 ≤ k ≤ 4."""
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)) \
            or not 1 <= order <= MAX_DIRECTIONAL_ORDER:
        raise ValueError(f"directional derivative order must be an integer in "
                         f"1..{MAX_DIRECTIONAL_ORDER}, got {order!r}")
    return int(order)


def point_and_direction(theta, u, P: int) -> tuple[np.ndarray, np.ndarray, bool]:
    """Validated (θ, u) broadcast to one batch (B, P), and whether both were single vectors."""
    th, single = parameter_batch(theta, P)
    uu, u_single = parameter_batch(u, P, "u")
    if th.shape[0] == 1 and uu.shape[0] > 1:
        th = np.broadcast_to(th, uu.shape)
    elif uu.shape[0] == 1 and th.shape[0] > 1:
        uu = np.broadcast_to(uu, th.shape)
    elif uu.shape[0] != th.shape[0]:
        raise ShapeError(f"u has batch size {uu.shape[0]} but theta has {th.shape[0]}")
    return th, uu, single and u_single


def value_and_gradient(kernel: Kernel, theta):
    """(L(θ), ∇L(θ)): the kernel's one-pass method when it has one, else two calls."""
    method = getattr(kernel, "value_and_gradient", None)
    if method is not None:
        return method(theta)
    return kernel.value(theta), kernel.gradient(theta)


def hessian_vector_product(kernel: Kernel, theta, v):
    """∇²L(θ) v: the kernel's own method when it has one, else from the full Hessian."""
    method = getattr(kernel, "hessian_vector_product", None)
    if method is not None:
        return method(theta, v)
    return np.einsum("...pq,...q->...p", np.asarray(kernel.hessian(theta)), np.asarray(v, dtype=float))
