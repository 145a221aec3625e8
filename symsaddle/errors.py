"""Exceptions raised by symsaddle. Each names the problem it reports."""

from __future__ import annotations


class SymsaddleError(Exception):
    """Base class of all symsaddle errors."""


class ShapeError(SymsaddleError, ValueError):
    """An array has the wrong shape (e.g. a batch with the wrong parameter count)."""


class NonFiniteDataError(SymsaddleError, ValueError):
    """Data or parameters contain NaN or ±inf."""


class UnknownActivationError(SymsaddleError, ValueError):
    """An activation name is not in the registry."""


class UnknownLossError(SymsaddleError, ValueError):
    """A loss name is not in the registry."""


class LabelError(SymsaddleError, ValueError):
    """Labels outside the values a loss is defined for (the logistic loss takes labels ±1)."""


class UnboundSymbolError(SymsaddleError, ValueError):
    """An expression contains a symbol that is neither a parameter nor an input."""


class NotDifferentiableError(SymsaddleError, ValueError):
    """A model or loss applies a function whose derivatives (to the order the kernels need) SymPy cannot give
    in closed form: it leaves an unevaluated ``Derivative`` or produces ``DiracDelta``."""


class SymbolicDataError(SymsaddleError, ValueError):
    """A numeric operation was requested on an objective whose data are symbols."""


class SingularMatrixError(SymsaddleError, ValueError):
    """A matrix that must be invertible is (numerically) singular."""


class DivergenceError(SymsaddleError, RuntimeError):
    """An iteration diverged (e.g. gradient descent with too large a step size)."""


class CrossCheckError(SymsaddleError, AssertionError):
    """Two independent evaluations of the same derivative disagree beyond tolerance."""

    def __init__(self, message: str, report=None):
        super().__init__(message)
        self.report = report


class NotHomogeneousError(SymsaddleError, ValueError):
    """A model is not positively homogeneous of the required degree."""


class MissingDependencyError(SymsaddleError, ImportError):
    """An optional dependency (e.g. JAX, Dask) is needed but not installed; names the extra."""


class SweepError(SymsaddleError, RuntimeError):
    """A sweep cannot continue (a worker process died, the cluster was lost)."""


class SweepSpecError(SymsaddleError, ValueError):
    """A sweep specification is malformed (unknown task or key, bad grid, bad parameters)."""


class SolverOptionError(SymsaddleError, ValueError):
    """A solver option is invalid (e.g. a non-positive time budget, an unknown engine)."""
