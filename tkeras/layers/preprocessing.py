"""Preprocessing layers that live inside models: Rescaling, Normalization (Keras 2's
`keras.layers.preprocessing`, also exported as `keras.layers.Rescaling` and
`keras.layers.experimental.preprocessing.*`).

The Keras 2 applications put them in front of their first convolution
(EfficientNet, EfficientNetV2, ConvNeXt, RegNet, ResNetRS, MobileNetV3), so a saved
model of any of those needs them to load.
"""
import numbers

import numpy as np
import torch

from tkeras.backend import _config
from tkeras.engine.base_layer import Layer

__all__ = ["Rescaling", "Normalization"]


def _as_list(value):
    """A config value: numbers stay numbers, arrays/tensors become (nested) lists."""
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [_as_list(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


class Rescaling(Layer):
    """Multiplies the input by `scale` and adds `offset`: `inputs * scale + offset`.

    Args:
        scale: Float, or a list of floats broadcast against the last axes of the
            input (one per channel, for example).
        offset: Float or list of floats, added after the scaling. Defaults to `0.0`.

    Input shape:
        Any shape.
    Output shape:
        Same as the input.

    Example: 0..255 pixel values to the [-1, 1] range.

    >>> layer = tkeras.layers.Rescaling(scale=1.0 / 127.5, offset=-1.0)
    >>> layer(np.array([[0.0, 127.5, 255.0]], "float32")).tolist()
    [[-1.0, 0.0, 1.0]]
    """

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        for arg, value in (("scale", scale), ("offset", offset)):
            try:
                np.asarray(value, dtype="float64")
            except (TypeError, ValueError):
                raise ValueError(
                    f"`{arg}` must be a number or a list of numbers. Received: "
                    f"{arg}={value!r}. Example: Rescaling(scale=1 / 255.0, offset=0.0)."
                ) from None
        self.scale = _as_list(scale)
        self.offset = _as_list(offset)
        self.supports_masking = True

    def call(self, inputs):
        scale = torch.as_tensor(self.scale, dtype=inputs.dtype, device=inputs.device)
        offset = torch.as_tensor(self.offset, dtype=inputs.dtype, device=inputs.device)
        return inputs * scale + offset

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"scale": self.scale, "offset": self.offset})
        return config


class Normalization(Layer):
    """Shifts and scales features to zero mean and unit variance:
    `(inputs - mean) / sqrt(variance)` (the square root floored at `K.epsilon()`).

    The statistics are either given (`mean` and `variance`, kept in the config) or
    learned from data with `adapt(data)` (kept in the non-trainable weights `mean`,
    `variance` and `count`, the Keras 2 order).

    Args:
        axis: Int, list of ints or `None`, the axes that keep their own statistics
            (the others are reduced over). Defaults to `-1` (per feature/channel).
            `None` gives one scalar mean and variance.
        mean: Mean to use, a number or a list broadcastable to the kept axes.
            Defaults to `None` (learned by `adapt`).
        variance: Variance to use, given together with `mean`. Defaults to `None`.
        invert: If `True`, apply the inverse transform
            `mean + inputs * sqrt(variance)`. Defaults to `False`.

    Input shape:
        Any shape of rank > max(axis).
    Output shape:
        Same as the input.

    Example:

    >>> layer = tkeras.layers.Normalization(mean=[1.0, 2.0], variance=[4.0, 1.0])
    >>> layer(np.array([[3.0, 3.0]], "float32")).tolist()
    [[1.0, 1.0]]
    >>> layer = tkeras.layers.Normalization(axis=None)
    >>> layer.adapt(np.array([1.0, 3.0], "float32"))
    >>> layer(np.array([3.0], "float32")).tolist()
    [1.0]
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        if axis is None:
            axis = ()
        elif isinstance(axis, numbers.Integral):
            axis = (int(axis),)
        elif isinstance(axis, (list, tuple)) and all(
                isinstance(a, numbers.Integral) for a in axis):
            axis = tuple(int(a) for a in axis)
        else:
            raise ValueError(
                "`axis` must be an int, a list of ints or None. "
                f"Received: axis={axis!r}. Example: Normalization(axis=-1)."
            )
        if 0 in axis:
            raise ValueError("The batch axis (0) cannot be a normalization `axis`. "
                             f"Received: axis={axis}")
        if (mean is None) != (variance is None):
            raise ValueError(
                "When setting values directly, both `mean` and `variance` must be set. "
                f"Received: mean={mean!r} and variance={variance!r}"
            )
        self.axis = axis
        self.input_mean = _as_list(mean)
        self.input_variance = _as_list(variance)
        self.invert = bool(invert)

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        ndim = len(input_shape)
        bad = [a for a in self.axis if not -ndim <= a < ndim]
        if bad:
            raise ValueError(
                f"Layer '{self.name}': all `axis` values must be in the range "
                f"[-{ndim}, {ndim}) for an input of shape {input_shape}. "
                f"Received: axis={self.axis}"
            )
        self._keep_axes = sorted(a % ndim for a in self.axis)
        kept = [input_shape[a] for a in self._keep_axes]
        if any(d is None for d in kept):
            raise ValueError(
                f"Layer '{self.name}': all `axis` values to be kept must have a known "
                f"shape. Received: axis={self.axis}, input shape {input_shape}."
            )
        self._broadcast_shape = [input_shape[a] if a in self._keep_axes else 1
                                 for a in range(ndim)]
        if self.input_mean is None:
            kept = tuple(int(d) for d in kept)
            self.adapt_mean = self.add_weight(name="mean", shape=kept,
                                              initializer="zeros", trainable=False)
            self.adapt_variance = self.add_weight(name="variance", shape=kept,
                                                  initializer="ones", trainable=False)
            self.count = self.add_weight(name="count", shape=(), dtype="int64",
                                         initializer="zeros", trainable=False)
        super().build(input_shape)

    def _statistics(self, inputs):
        if self.input_mean is not None:
            mean = torch.as_tensor(self.input_mean, dtype=inputs.dtype, device=inputs.device)
            variance = torch.as_tensor(self.input_variance, dtype=inputs.dtype,
                                       device=inputs.device)
            if mean.dim() > 0:  # tf-keras reshapes a given per-axis vector
                mean = mean.reshape(self._broadcast_shape[1:])
                variance = variance.reshape(self._broadcast_shape[1:])
            return mean, variance
        shape = self._broadcast_shape[1:]
        return (self.adapt_mean.to(inputs.dtype).reshape(shape),
                self.adapt_variance.to(inputs.dtype).reshape(shape))

    def call(self, inputs):
        mean, variance = self._statistics(inputs)
        std = torch.clamp(torch.sqrt(variance), min=_config.epsilon())
        if self.invert:
            return mean + inputs * std
        return (inputs - mean) / std

    def adapt(self, data, batch_size=None, steps=None):
        """Computes the mean and variance of `data` (an array or tensor) over the axes
        that are not kept, and stores them in the layer's weights."""
        if self.input_mean is not None:
            raise ValueError(
                f"Layer '{self.name}' was given `mean` and `variance`; there is nothing "
                "to adapt. Create it without them to learn the statistics from data."
            )
        if isinstance(data, torch.Tensor):
            data = data.detach().cpu().numpy()
        data = np.asarray(data, dtype="float64")
        if data.ndim == 1 and self.axis == ():  # a flat list of samples
            data = data[:, None]
        if not self.built:
            self._maybe_build((None,) + data.shape[1:])
        reduce_axes = tuple(a for a in range(data.ndim) if a not in self._keep_axes)
        mean = data.mean(axis=reduce_axes)
        variance = data.var(axis=reduce_axes)
        count = int(np.prod([data.shape[a] for a in reduce_axes]))
        self.set_weights([mean.reshape(self.adapt_mean.shape),
                          variance.reshape(self.adapt_variance.shape), np.int64(count)])

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"axis": list(self.axis), "invert": self.invert,
                       "mean": self.input_mean, "variance": self.input_variance})
        return config
