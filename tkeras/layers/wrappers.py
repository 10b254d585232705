"""Layer wrappers (Keras 2's `keras.layers.wrappers`): TimeDistributed applies a layer
to every temporal slice of its input, Bidirectional runs a recurrent layer both ways."""
import copy

import torch

from tkeras.engine.base_layer import Layer, _call_signature
from tkeras.engine.input_spec import InputSpec
from tkeras.layers.recurrent import _scope_of, _standardize_call

__all__ = ["Wrapper", "TimeDistributed", "Bidirectional"]

_MERGE_MODES = ("sum", "mul", "ave", "concat", None)


def _map(fn, structure):
    if isinstance(structure, (list, tuple)):
        return type(structure)(_map(fn, s) for s in structure)
    return fn(structure)


class Wrapper(Layer):
    """Base class of layers that wrap another layer (`self.layer`).

    Its config is `{"layer": {"class_name", "config"}, ...}`; `from_config` rebuilds the
    inner layer with `tkeras.layers.deserialize`.
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(
                f"Please initialize `{type(self).__name__}` layer with a "
                f"`tkeras.layers.Layer` instance. Received: {layer!r}"
            )
        super().__init__(**kwargs)
        self.layer = layer

    def get_config(self):
        from tkeras import layers

        config = super().get_config()
        config["layer"] = layers.serialize(self.layer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from tkeras import layers

        config = copy.deepcopy(config)
        layer = layers.deserialize(config.pop("layer"), custom_objects=custom_objects)
        return cls(layer, **config)


class TimeDistributed(Wrapper):
    """Applies `layer` to every temporal slice of the input: the batch and time axes are
    merged, the layer runs once on `(batch * time, ...)`, and the result is split back.

    Any layer or model works, including a frozen pretrained CNN applied to every frame
    of a video (its weights stay frozen). A stateful inner layer runs step by step.

    Args:
        layer: a `Layer` (or model) instance.

    Input shape:
        `(batch, time, ...)`, at least 3D.
    Output shape:
        `(batch, time) + layer's output shape[1:]`.

    Weights: exactly the inner layer's.

    Example:

    >>> layer = tkeras.layers.TimeDistributed(tkeras.layers.Dense(8))
    >>> tuple(layer(np.zeros((2, 10, 16), "float32")).shape)
    (2, 10, 8)
    """

    def __init__(self, layer, **kwargs):
        super().__init__(layer, **kwargs)
        self.supports_masking = True

    def build(self, input_shape):
        shapes = input_shape if isinstance(input_shape, list) and input_shape and \
            isinstance(input_shape[0], (tuple, list)) else [input_shape]
        if any(len(s) < 3 for s in shapes):
            raise ValueError(
                "`TimeDistributed` Layer should be passed an `input_shape` with at least 3 "
                f"dimensions, received: {input_shape}"
            )
        specs = [InputSpec(shape=(None, None) + tuple(s[2:])) for s in shapes]
        self.input_spec = specs[0] if len(specs) == 1 else specs
        child = [(s[0],) + tuple(s[2:]) for s in shapes]
        if not self.layer.built:
            self.layer._maybe_build(child[0] if len(child) == 1 else child)
        self.built = True

    def _inner_kwargs(self, training, mask):
        accepts_training, accepts_mask = _call_signature(type(self.layer))
        kwargs = {}
        if accepts_training:
            kwargs["training"] = training
        if accepts_mask and mask is not None:
            kwargs["mask"] = mask.flatten(0, 1)
        return kwargs

    def call(self, inputs, training=None, mask=None):
        first = inputs[0] if isinstance(inputs, (list, tuple)) else inputs
        batch, steps = first.shape[:2]
        kwargs = self._inner_kwargs(training, mask if not isinstance(mask, list) else None)
        if getattr(self.layer, "stateful", False):
            # A stateful inner layer must see the steps in order.
            kwargs.pop("mask", None)
            outs = [self.layer(_map(lambda t: t[:, i], inputs), **kwargs) for i in range(steps)]
            if isinstance(outs[0], (list, tuple)):
                return type(outs[0])(torch.stack(o, 1) for o in zip(*outs))
            return torch.stack(outs, 1)
        y = self.layer(_map(lambda t: t.flatten(0, 1), inputs), **kwargs)
        return _map(lambda t: t.unflatten(0, (batch, steps)), y)

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        inner = self.layer.compute_output_shape((shape[0],) + shape[2:])

        def with_time(s):
            return (s[0], shape[1]) + tuple(s[1:])

        if isinstance(inner, list):
            return [with_time(s) for s in inner]
        return with_time(inner)

    def compute_mask(self, inputs, mask=None):
        if isinstance(inputs, (list, tuple)) or isinstance(mask, (list, tuple)):
            return None
        batch, steps = inputs.shape[:2]
        inner_mask = mask.flatten(0, 1) if mask is not None else None
        out = self.layer.compute_mask(inputs.flatten(0, 1), inner_mask)
        if out is None:
            if mask is None:
                return None
            while mask.ndim > 2:
                mask = mask.any(-1)
            return mask
        return _map(lambda m: m.unflatten(0, (batch, steps)) if m is not None else None, out)


class Bidirectional(Wrapper):
    """Runs a recurrent layer forwards and a copy of it backwards over the sequence and
    merges their outputs.

    Args:
        layer: a recurrent layer (`LSTM`, `GRU`, `SimpleRNN`, `RNN`, `ConvLSTM2D`).
        merge_mode: How to combine the two outputs: `'concat'` (default), `'sum'`,
            `'mul'`, `'ave'`, or `None` (return both, as a list).
        backward_layer: Optional recurrent layer for the backward direction (it must have
            `go_backwards=True`); by default a copy of `layer` is used.

    With `return_sequences` the backward output is reversed back to the input's time
    order, and masked steps emit zeros (Keras 2's `zero_output_for_mask`).

    Weights: the forward layer's, then the backward layer's.

    Example:

    >>> layer = tkeras.layers.Bidirectional(tkeras.layers.LSTM(4, return_sequences=True))
    >>> tuple(layer(np.zeros((2, 5, 3), "float32")).shape)
    (2, 5, 8)
    """

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None,
                 **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(
                "Please initialize `Bidirectional` layer with a `tkeras.layers.Layer` "
                f"instance. Received: {layer!r}"
            )
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError(
                "`backward_layer` need to be a `tkeras.layers.Layer` instance. "
                f"Received: {backward_layer!r}"
            )
        if merge_mode not in _MERGE_MODES:
            raise ValueError(
                "Invalid merge mode. Merge mode should be one of "
                "{'sum', 'mul', 'ave', 'concat', None}. "
                f"Received: merge_mode={merge_mode!r}"
            )
        if weights is not None:
            kwargs["weights"] = weights  # forward half then backward half, as set_weights
        kwargs.setdefault("trainable", layer.trainable)
        super().__init__(layer, **kwargs)
        # The template `layer` is kept for the config only: it is not a sub-layer.
        del self._modules["layer"]
        self.__dict__["layer"] = layer
        self.forward_layer = self._recreate_layer(layer)
        if backward_layer is None:
            self.backward_layer = self._recreate_layer(layer, go_backwards=True)
            self._backward_layer_config = None
        else:
            self.backward_layer = backward_layer
            from tkeras import layers

            self._backward_layer_config = layers.serialize(backward_layer)
        self.forward_layer._name = "forward_" + self.forward_layer.name
        self.backward_layer._name = "backward_" + self.backward_layer.name
        self._verify_layer_config()
        for sub in (self.forward_layer, self.backward_layer):
            if hasattr(sub, "zero_output_for_mask"):
                sub.zero_output_for_mask = sub.return_sequences
        self.merge_mode = merge_mode
        self.stateful = layer.stateful
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.supports_masking = True

    @staticmethod
    def _recreate_layer(layer, go_backwards=False):
        config = layer.get_config()
        if go_backwards:
            config["go_backwards"] = not config["go_backwards"]
        custom = {}
        cell = getattr(layer, "cell", None)
        if cell is not None:
            custom[type(cell).__name__] = type(cell)
            for c in getattr(cell, "cells", []):
                custom[type(c).__name__] = type(c)
        try:
            return type(layer).from_config(config, custom_objects=custom)
        except TypeError:
            return type(layer).from_config(config)

    def _verify_layer_config(self):
        f, b = self.forward_layer, self.backward_layer
        if f.go_backwards == b.go_backwards:
            raise ValueError(
                "Forward layer and backward layer should have different `go_backwards` "
                f"value. forward_layer.go_backwards = {f.go_backwards}, "
                f"backward_layer.go_backwards = {b.go_backwards}"
            )
        for attr in ("stateful", "return_sequences", "return_state"):
            if getattr(f, attr) != getattr(b, attr):
                raise ValueError(
                    "Forward layer and backward layer are expected to have the same value "
                    f"for attribute \"{attr}\", got \"{getattr(f, attr)}\" for forward layer "
                    f"and \"{getattr(b, attr)}\" for backward layer"
                )

    def build(self, input_shape):
        if isinstance(input_shape, list) and input_shape and \
                isinstance(input_shape[0], (tuple, list)):
            input_shape = input_shape[0]
        scope = _scope_of(self)
        for sub in (self.forward_layer, self.backward_layer):
            sub.__dict__["_outer_scope"] = scope
            sub._maybe_build(tuple(input_shape))
        self.built = True

    def call(self, inputs, training=None, mask=None, initial_state=None, constants=None):
        if constants is not None:
            raise ValueError("tkeras's Bidirectional does not support `constants`.")
        inputs, mask, initial_state = _standardize_call(inputs, mask, initial_state)
        forward_state = backward_state = None
        if initial_state is not None:
            if len(initial_state) % 2:
                raise ValueError(
                    "When passing `initial_state` to a Bidirectional RNN, the state should be "
                    "a list containing the states of the underlying RNNs. "
                    f"Received: {initial_state}"
                )
            half = len(initial_state) // 2
            forward_state, backward_state = initial_state[:half], initial_state[half:]
        kwargs = {"training": training}
        if mask is not None:
            kwargs["mask"] = mask
        y = self.forward_layer(inputs, initial_state=forward_state, **kwargs)
        y_rev = self.backward_layer(inputs, initial_state=backward_state, **kwargs)
        states = []
        if self.return_state:
            states = list(y[1:]) + list(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            time_axis = 0 if getattr(self.forward_layer, "time_major", False) else 1
            y_rev = y_rev.flip(time_axis)
        if self.merge_mode == "concat":
            output = torch.cat([y, y_rev], -1)
        elif self.merge_mode == "sum":
            output = y + y_rev
        elif self.merge_mode == "ave":
            output = (y + y_rev) / 2
        elif self.merge_mode == "mul":
            output = y * y_rev
        else:
            output = [y, y_rev]
        if self.return_state:
            return (output if self.merge_mode is None else [output]) + states
        return output

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        if self.return_sequences:
            output_mask = [mask, mask] if self.merge_mode is None else mask
        else:
            output_mask = [None, None] if self.merge_mode is None else None
        if self.return_state:
            n = len(self.forward_layer.states)
            if isinstance(output_mask, list):
                return output_mask + [None] * (2 * n)
            return [output_mask] + [None] * (2 * n)
        return output_mask

    def reset_states(self, states=None):
        if not self.stateful:
            raise AttributeError("Layer must be stateful.")
        if states is None:
            self.forward_layer.reset_states()
            self.backward_layer.reset_states()
            return
        if not isinstance(states, (list, tuple)):
            raise ValueError(
                "Unrecognized value for `states`. Expected `states` to be list or tuple. "
                f"Received: {states}"
            )
        half = len(states) // 2
        self.forward_layer.reset_states(states[:half])
        self.backward_layer.reset_states(states[half:])

    def get_config(self):
        config = super().get_config()
        config["merge_mode"] = self.merge_mode
        if self._backward_layer_config is not None:
            config["backward_layer"] = self._backward_layer_config
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from tkeras import layers

        config = copy.deepcopy(config)
        config.pop("num_constants", None)
        backward = config.pop("backward_layer", None)
        if backward is not None:
            config["backward_layer"] = layers.deserialize(backward, custom_objects=custom_objects)
        layer = layers.deserialize(config.pop("layer"), custom_objects=custom_objects)
        return cls(layer, **config)
