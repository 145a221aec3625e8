"""A hidden layer of a ``two_layer`` or ``mlp`` model, seen as a set of neurons.

Numbering (README, *Numbering*): hidden layers count from 1, the input being layer 0 (hidden
layer l holds the outputs of W^{(l)}, block ``W{l}``); neurons of a layer count from 0.

Neuron j of hidden layer l has an incoming vector w_j (a row of the layer's weight matrix),
an optional bias b_j, and an outgoing vector a_j ∈ R^{n_{l+1}} (a column of the next layer's
weight matrix; for ``two_layer`` the output weights, a scalar when d_out = 1). Only the blocks
of layer l and the next layer's weight matrix change when neurons are added, removed or
permuted; every other block is carried over unchanged. The views below work on float arrays
and on object arrays of SymPy expressions alike (the symbolic checks of ``operations``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from .. import models
from .. import Activation, get_activation
from ..errors import ShapeError
from ..models import Model
from .errors import UnsupportedModelError
from ..reports import compact_repr


class NetworkPoint(NamedTuple):
    """A model and one parameter vector θ of it (flat, in the model's block order)."""

    model: Model
    theta: np.ndarray


@dataclass(frozen=True)
class LayerParameters:
    """The neurons of one hidden layer, and the other blocks of θ.

    ``incoming`` (width, fan_in), ``bias`` (width,) or None, ``outgoing`` (fan_out, width):
    column j is a_j. ``blocks`` holds every block by name (the layer's own blocks included).
    """

    __repr__ = compact_repr

    incoming: np.ndarray
    bias: np.ndarray | None
    outgoing: np.ndarray
    blocks: dict

    @property
    def width(self) -> int:
        return self.incoming.shape[0]

    def neuron_input(self, j: int) -> np.ndarray:
        """w̃_j = (w_j, b_j): the incoming vector, with the bias appended when there is one."""
        return self.incoming[j] if self.bias is None else np.append(self.incoming[j], self.bias[j])


def _info(model: Model) -> dict:
    return dict(model.info)


@lru_cache(maxsize=None)
def _rebuild(model: Model, widths: tuple[int, ...]) -> Model:
    info = _info(model)
    if model.name == "two_layer":
        return models.two_layer(model.d_in, widths[0], info["activation"], bias=info["bias"], d_out=model.d_out)
    return models.mlp(widths, info["activation"], bias=info["bias"])


def _activation_of(model: Model) -> Activation:
    """The model's activation, recovered from its name and checked against its outputs."""
    info = _info(model)
    act = get_activation(info["activation"])
    widths = (info["width"],) if model.name == "two_layer" else tuple(info["widths"])
    if _rebuild(model, widths).outputs != model.outputs:
        raise UnsupportedModelError(
            f"the model's activation cannot be rebuilt from its name {info['activation']!r} (a customised "
            "activation such as leaky_relu with a non-default slope); neuron operations need a model "
            "built from a registered activation")
    return act


@dataclass(frozen=True)
class HiddenLayer:
    """Hidden layer ``layer`` (1-based) of ``model``, with the names of the blocks it touches."""

    model: Model
    layer: int
    incoming_block: str
    bias_block: str | None
    outgoing_block: str
    next_bias_block: str | None
    activation: Activation

    # -- shape ----------------------------------------------------------------------------
    @property
    def width(self) -> int:
        return self.model.block(self.incoming_block).shape[0]

    @property
    def fan_in(self) -> int:
        """Dimension of the layer's input h^{l−1} (without the bias)."""
        return self.model.block(self.incoming_block).shape[1]

    @property
    def fan_out(self) -> int:
        """n_{l+1}: the length of each outgoing vector a_j (d_out for the last hidden layer)."""
        shape = self.model.block(self.outgoing_block).shape
        return 1 if len(shape) == 1 else shape[0]

    @property
    def is_last(self) -> bool:
        """True if the outgoing vectors feed the network output directly."""
        return self.model.name == "two_layer" or self.layer == len(_info(self.model)["widths"]) - 2

    @property
    def widths(self) -> tuple[int, ...]:
        """Layer widths of the model ([d_in, n_1, ..., d_out] for an mlp; [d_in, width, d_out] otherwise)."""
        if self.model.name == "two_layer":
            return (self.model.d_in, self.width, self.model.d_out)
        return tuple(_info(self.model)["widths"])

    # -- views ----------------------------------------------------------------------------
    def parameters(self, theta) -> LayerParameters:
        """Split θ (shape (P,), float or object) into the layer's neurons and the other blocks."""
        th = np.asarray(theta)
        if th.shape != (self.model.n_parameters,):
            raise ShapeError(f"theta must have shape ({self.model.n_parameters},) for this model, got {th.shape}")
        blocks = {b.name: th[s].reshape(b.shape) for b, s in zip(self.model.blocks, self.model.block_slices().values())}
        out = blocks[self.outgoing_block]
        outgoing = out.reshape(1, -1) if out.ndim == 1 else out
        bias = blocks[self.bias_block] if self.bias_block else None
        return LayerParameters(blocks[self.incoming_block], bias, outgoing, blocks)

    def with_width(self, width: int) -> "HiddenLayer":
        """The same layer in the model whose layer ``layer`` has ``width`` neurons."""
        if width < 1:
            raise ShapeError(f"a hidden layer needs at least one neuron, got width {width}")
        widths = list(self.widths)
        widths[self.layer] = width
        new = _rebuild(self.model, tuple(widths[1:2]) if self.model.name == "two_layer" else tuple(widths))
        return replace(self, model=new)

    def assemble(self, params: LayerParameters) -> np.ndarray:
        """θ of ``self.model`` from layer parameters (the layer's blocks must fit this width)."""
        blocks = dict(params.blocks)
        blocks[self.incoming_block] = params.incoming
        if self.bias_block:
            blocks[self.bias_block] = params.bias
        out_shape = self.model.block(self.outgoing_block).shape
        blocks[self.outgoing_block] = params.outgoing.reshape(out_shape)
        parts = []
        for b in self.model.blocks:
            arr = np.asarray(blocks[b.name])
            if arr.shape != b.shape:
                raise ShapeError(f"block {b.name!r} must have shape {b.shape}, got {arr.shape}")
            parts.append(arr.reshape(-1))
        dtype = object if any(p.dtype == object for p in parts) else float
        return np.concatenate([p.astype(dtype) for p in parts])


def hidden_layer(model: Model, layer: int | None = None) -> HiddenLayer:
    """The hidden layer of a ``two_layer`` model (``layer`` None or 1), or hidden layer ``layer``
    (1..number of hidden layers, the input being layer 0; default: the last) of an ``mlp``."""
    if not isinstance(model, Model):
        raise UnsupportedModelError(f"expected a symsaddle Model, got {type(model).__name__}")
    info = _info(model)
    if model.name == "two_layer":
        if info.get("output_weights") != "trainable":
            raise UnsupportedModelError("the two-layer model has a fixed outer layer: its neurons have no "
                                        "outgoing parameters to split, merge or permute")
        if layer not in (None, 1):
            raise UnsupportedModelError(f"a two-layer model has one hidden layer, layer=1 (layers count from 1; "
                                        f"layer 0 is the input), got layer={layer!r}")
        return HiddenLayer(model, 1, "W", "b" if info["bias"] else None, "a", None, _activation_of(model))
    if model.name == "mlp":
        n_hidden = len(info["widths"]) - 2
        if n_hidden < 1:
            raise UnsupportedModelError("this mlp has no hidden layer")
        layer = n_hidden if layer is None else layer
        if isinstance(layer, bool) or not isinstance(layer, (int, np.integer)) or not 1 <= layer <= n_hidden:
            raise UnsupportedModelError(f"hidden layer must be an integer in 1..{n_hidden} (layers count "
                                        f"from 1; layer 0 is the input), got {layer!r}")
        layer = int(layer)
        bias = info["bias"]
        return HiddenLayer(model, layer, f"W{layer}", f"b{layer}" if bias else None, f"W{layer + 1}",
                           f"b{layer + 1}" if bias else None, _activation_of(model))
    raise UnsupportedModelError(f"neuron operations need a 'two_layer' or 'mlp' model, got {model.name!r}")
