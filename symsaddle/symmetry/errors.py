"""Errors of the seed-003 slice; every one is a :class:`symsaddle.errors.SymsaddleError`."""

from __future__ import annotations

from ..errors import SymsaddleError


class UnsupportedModelError(SymsaddleError, ValueError):
    """The model has no hidden layer the neuron operations understand (not a ``two_layer`` or
    ``mlp``, a fixed outer layer, or a layer index out of range)."""


class NeuronIndexError(SymsaddleError, IndexError):
    """A neuron index or permutation does not fit the layer's width."""


class NeuronMismatchError(SymsaddleError, ValueError):
    """Two neurons that must coincide (merge, a μ on a duplicated pair) do not, or a neuron that
    must be of zero type (vanishing outgoing weights) is not."""


class ActivationSymmetryError(SymsaddleError, ValueError):
    """The activation lacks the symmetry asked for, or the constant it leaves behind
    (σ(−z) = α − σ(z) with α ≠ 0) cannot be absorbed by the network."""


class SymmetryCheckError(SymsaddleError, AssertionError):
    """The symbolic check found that an operation changed the network function."""


class NotCriticalError(SymsaddleError, ValueError):
    """A symmetry-induced verdict was asked for at a point whose gradient exceeds the tolerance."""
