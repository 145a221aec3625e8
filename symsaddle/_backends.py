"""Kernel backends: a registry from backend name to the function that compiles an objective.

``Objective.compile(backend, **options)`` looks the name up here. A backend is registered
with the dotted path of its compile function (``"module:function"``), imported only when
the backend is first used, so optional dependencies (JAX) are never imported by the core.

    register_backend("numpy", "symsaddle._kernels:compile_numpy")
    compile_objective(objective, "jax")      # -> symsaddle._jax.JaxKernel

A backend whose module needs a package that is not installed raises
:class:`~symsaddle.errors.MissingDependencyError` naming the pip extra to install.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable

from .errors import MissingDependencyError


@dataclass(frozen=True)
class Backend:
    """A registered backend: its compile function's dotted path and the extra it needs."""

    name: str
    target: str                      # "module:function", compile(objective, **options) -> kernel
    summary: str
    extra: str | None = None         # pip extra providing the backend's dependencies

    def load(self) -> Callable:
        module, _, function = self.target.partition(":")
        try:
            return getattr(importlib.import_module(module), function)
        except ImportError as exc:
            if self.extra is None or (exc.name or "").startswith("symsaddle"):
                raise
            raise MissingDependencyError(
                f"the {self.name!r} backend needs {exc.name or 'a package that is not installed'}; "
                f"install it with: pip install 'symsaddle[{self.extra}]'") from exc


_BACKENDS: dict[str, Backend] = {}


def register_backend(name: str, target: str, summary: str = "", *, extra: str | None = None) -> None:
    """Register ``target`` ("module:function") as the compile function of backend ``name``."""
    if name in _BACKENDS and _BACKENDS[name].target != target:
        raise ValueError(f"backend {name!r} is already registered to {_BACKENDS[name].target}")
    if ":" not in target:
        raise ValueError(f"backend target must be 'module:function', got {target!r}")
    _BACKENDS[name] = Backend(name, target, summary, extra)


def backends() -> dict[str, Backend]:
    """All registered backends by name."""
    return dict(_BACKENDS)


def compile_objective(objective, backend: str, **options):
    """Compile ``objective`` with the backend registered as ``backend``."""
    if backend not in _BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(map(repr, _BACKENDS))}")
    return _BACKENDS[backend].load()(objective, **options)


register_backend("structured", "symsaddle._structured:compile_structured",
                 "layer-structured NumPy kernels (default for layered models)")
register_backend("per-sample", "symsaddle._kernels:compile_numpy",
                 "batched NumPy kernels from the per-sample symbolic derivatives (default otherwise)")
register_backend("numpy", "symsaddle._kernels:compile_numpy", "alias of 'per-sample'")
register_backend("mpmath", "symsaddle._kernels:compile_mpmath", "mpmath at dps digits (default 50)")
register_backend("jax", "symsaddle._jax:compile_jax", "JAX jit + vmap, float64, per-sample path",
                 extra="jax")
