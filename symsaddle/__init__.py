"""symsaddle: symbolic and numeric analysis of critical points and saddle-to-saddle dynamics.

Data flow: model → objective (model + loss + data) → derivatives → kernels → analyses → reports.

    import symsaddle as ss
    m = ss.models.two_layer(d_in=2, width=5, activation="sigmoid")
    obj = ss.Objective(m, X, y, loss="square")      # 1/(2n) Σ (f(x_i) − y_i)² by default
    k = obj.compile()            # a symsaddle.Kernel; k.backend says which implementation runs
    k.value(theta); k.gradient(theta); k.hessian(theta); k.directional(theta, u, order=3)
"""

from . import models, protocol
from ._activations import ACTIVATIONS, Activation, Sech, Sigmoid, Softplus, Step, Tanh, leaky_relu
from ._kernels import MpmathKernel, NumpyKernel
from ._structured import StructuredKernel
from ._losses import LOSSES, Loss
from ._objective import Objective
from ._tolerances import Tolerances
from .models import Dense
from .protocol import Kernel, parameter_batch, sample_arrays
from .errors import (CrossCheckError, DivergenceError, NonFiniteDataError, NotHomogeneousError,
                     ShapeError, SingularMatrixError, SymbolicDataError, SymsaddleError,
                     UnboundSymbolError, UnknownActivationError, UnknownLossError)

__version__ = "0.1.0"

__all__ = [
    "ACTIVATIONS", "Activation", "CrossCheckError", "Dense", "DivergenceError", "Kernel", "LOSSES",
    "Loss", "MpmathKernel", "NonFiniteDataError", "NotHomogeneousError", "NumpyKernel", "Objective",
    "Sech", "ShapeError", "Sigmoid", "SingularMatrixError", "Softplus", "Step", "StructuredKernel",
    "SymbolicDataError", "SymsaddleError", "Tanh", "Tolerances", "UnboundSymbolError",
    "UnknownActivationError", "UnknownLossError", "leaky_relu", "models", "parameter_batch",
    "sample_arrays",
]
