"""symsaddle: symbolic and numeric analysis of critical points and saddle-to-saddle dynamics.

Data flow: model → objective (model + loss + data) → derivatives → kernels → analyses → reports.

    import symsaddle as ss
    m = ss.models.two_layer(d_in=2, width=5, activation="sigmoid")
    obj = ss.Objective(m, X, y, loss="square")      # 1/(2n) Σ (f(x_i) − y_i)² by default
    k = obj.compile()            # a symsaddle.Kernel; k.backend says which implementation runs
    k.value(theta); k.gradient(theta); k.hessian(theta); k.directional(theta, u, order=3)

The public names below are imported on first use (PEP 562), so that ``import symsaddle`` and
``symsaddle --version`` do not pay for SymPy, NumPy and SciPy until a name that needs them is used.
"""

import importlib as _importlib

__version__ = "0.1.0"

#: public name → the submodule that defines it (imported on first access)
_LAZY: dict[str, str] = {
    **dict.fromkeys(("ACTIVATIONS", "ACTIVATION_ARGUMENT", "Activation", "NUMPY_FUNCTIONS", "Sech", "Sigmoid",
                     "Softplus", "Step", "Tanh", "get_activation", "leaky_relu"), "._activations"),
    **dict.fromkeys(("MpmathKernel", "NumpyKernel"), "._kernels"),
    "StructuredKernel": "._structured",
    **dict.fromkeys(("LOSSES", "Loss", "get_loss"), "._losses"),
    **dict.fromkeys(("Objective", "r_factor_from_moments"), "._objective"),
    "Tolerances": "._tolerances",
    "norm": "._norms",
    "Dense": ".models",
    **dict.fromkeys(("Kernel", "orbit_tangents", "parameter_batch", "require_kernel", "sample_arrays"), ".protocol"),
    **dict.fromkeys(("CrossCheckError", "DivergenceError", "LabelError", "NonFiniteDataError", "NotDifferentiableError",
                     "NotHomogeneousError", "ShapeError", "SingularMatrixError", "SymbolicDataError",
                     "SymsaddleError", "UnboundSymbolError", "UnknownActivationError", "UnknownLossError"), ".errors"),
}

__all__ = [
    "ACTIVATIONS", "ACTIVATION_ARGUMENT", "Activation", "NUMPY_FUNCTIONS", "get_activation", "get_loss",
    "r_factor_from_moments", "CrossCheckError", "Dense", "DivergenceError", "Kernel", "LabelError", "LOSSES",
    "Loss", "MpmathKernel", "NonFiniteDataError", "NotDifferentiableError", "NotHomogeneousError", "NumpyKernel",
    "Objective", "Sech", "ShapeError", "Sigmoid", "SingularMatrixError", "Softplus", "Step", "StructuredKernel",
    "SymbolicDataError", "SymsaddleError", "Tanh", "Tolerances", "UnboundSymbolError",
    "UnknownActivationError", "UnknownLossError", "leaky_relu", "models", "norm", "orbit_tangents", "parameter_batch",
    "require_kernel",
    "sample_arrays",
]


def __getattr__(name: str):
    """A public name (or a submodule, e.g. ``ss.models``), imported when first used."""
    if name in _LAZY:
        value = getattr(_importlib.import_module(_LAZY[name], __name__), name)
    elif not name.startswith("__"):
        try:
            value = _importlib.import_module(f".{name}", __name__)
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The public names and the submodules imported so far (no module internals)."""
    return sorted({*__all__, "__version__", *(name for name in globals() if not name.startswith("_"))})
