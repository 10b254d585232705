"""Locally-connected layers: LocallyConnected1D, LocallyConnected2D (Keras 2's
`keras.layers.local`).

A locally-connected layer is a convolution whose weights are not shared: every output
position has its own kernel. The three Keras `implementation`s store the weights
differently, and tkeras keeps each one's Keras layout so weight files load unchanged:

1. `kernel (output_positions, window_size * channels_in, filters)`, patch features in
   input order (`(k..., channels_in)` for channels_last, `(channels_in, k...)` for
   channels_first). Computed with `unfold` + one batched matmul over positions.
2. A dense `kernel` covering every input-output pair, `(*input_spatial, channels_in,
   *output_spatial, filters)` for channels_last or `(channels_in, *input_spatial, filters,
   *output_spatial)` for channels_first, multiplied by the connectivity mask.
3. Only the connected weights, as a vector in the order of Keras's sorted sparse
   indices (output index, input index of the flattened tensors).

'same' padding (implementations 2 and 3 only) uses Keras's locally-connected rule: the
window of output `o` is centred on input `o * stride`, clipped at the borders.
"""
import math

import numpy as np
import torch

from tkeras import activations, constraints, initializers, regularizers
from tkeras.backend import _config
from tkeras.engine.base_layer import KERNEL_BIAS_ARGUMENTS, Layer, serialize_arguments
from tkeras.engine.input_spec import InputSpec
from tkeras.layers.pooling import (
    _normalize_padding,
    _normalize_tuple,
    _output_length,
    _spatial_dims,
    _with_spatial,
)

__all__ = ["LocallyConnected1D", "LocallyConnected2D"]

_LETTERS = "hwd"


def _axis_connectivity(size, window, stride, padding):
    """Boolean `(size, out)`: which inputs feed each output along one axis."""
    out = _output_length(size, window, padding, stride)
    inputs = np.arange(size)[:, None]
    centre = np.arange(out)[None, :] * stride
    if padding == "valid":
        return (inputs >= centre) & (inputs < centre + window)
    return (inputs >= centre - window // 2) & (inputs < centre + window - window // 2)


def _connectivity_mask(sizes, kernel_size, strides, padding):
    """Boolean `(*input_spatial, *output_spatial)` mask of connected position pairs."""
    mask = np.ones((), bool)
    rank = len(sizes)
    for d, (size, k, s) in enumerate(zip(sizes, kernel_size, strides)):
        axis = _axis_connectivity(size, k, s, padding)
        shape = [1] * (2 * rank)
        shape[d], shape[rank + d] = axis.shape
        mask = mask & axis.reshape(shape)
    return mask


class _LocallyConnected(Layer):
    _rank = None

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 implementation=1, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        n, name = self._rank, type(self).__name__
        example = f"{name}(filters=8, kernel_size={3 if n == 1 else (3, 3)})"
        self.filters = _normalize_tuple(filters, 1, "filters", example=example)[0]
        self.kernel_size = _normalize_tuple(kernel_size, n, "kernel_size", example=example)
        self.strides = _normalize_tuple(strides, n, "strides", example=example)
        self.padding = _normalize_padding(padding)
        if implementation not in (1, 2, 3) or isinstance(implementation, bool):
            raise ValueError(
                "`implementation` must be 1 (one kernel per output position), 2 (masked "
                f"dense kernel) or 3 (sparse kernel). Received: implementation={implementation!r}"
            )
        if self.padding != "valid" and implementation == 1:
            raise ValueError(
                f"{name} supports padding='same' only with implementation=2 or 3. "
                f"Received: padding={padding!r}, implementation=1"
            )
        self.implementation = int(implementation)
        self.data_format = _config.normalize_data_format(data_format)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(ndim=n + 2)

    @property
    def _channels_first(self):
        return self.data_format == "channels_first"

    def build(self, input_shape):
        in_sizes = _spatial_dims(input_shape, self.data_format)
        channels = input_shape[1] if self._channels_first else input_shape[-1]
        if channels is None or any(d is None for d in in_sizes):
            raise ValueError(
                f"The spatial and channel dimensions of the inputs to {type(self).__name__} "
                f"layer '{self.name}' must be defined. Received input shape "
                f"{tuple(input_shape)}"
            )
        out_sizes = tuple(_output_length(d, k, self.padding, s) for d, k, s in
                          zip(in_sizes, self.kernel_size, self.strides))
        if any(d <= 0 for d in out_sizes):
            raise ValueError(
                f"Layer '{self.name}' would produce an empty output: the input shape "
                f"{tuple(input_shape)} is smaller than kernel_size={self.kernel_size}. "
                "Use a larger input or a smaller kernel."
            )
        self._in_sizes, self._out_sizes, self._channels_in = in_sizes, out_sizes, channels
        f = self.filters
        if self.implementation > 1:
            self._register_connectivity(channels)
        if self.implementation == 1:
            kernel_shape = (math.prod(out_sizes), math.prod(self.kernel_size) * channels, f)
        elif self.implementation == 2:
            kernel_shape = ((channels,) + in_sizes + (f,) + out_sizes if self._channels_first
                            else in_sizes + (channels,) + out_sizes + (f,))
        else:  # one weight per connected (output, input) pair
            kernel_shape = (int(self._connected.sum()),)
        self.kernel = self.add_weight("kernel", kernel_shape,
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        if self.use_bias:
            self.bias = self.add_weight("bias", out_sizes + (f,),
                                        initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        else:
            self.bias = None
        spatial = range(2, 2 + self._rank) if self._channels_first else range(1, 1 + self._rank)
        axes = dict(zip(spatial, in_sizes))
        axes[1 if self._channels_first else -1] = channels
        self.input_spec = InputSpec(ndim=self._rank + 2, axes=axes)
        self.built = True

    def _register_connectivity(self, channels):
        """The connectivity as a non-persistent buffer (not a weight): the broadcastable
        mask of implementation 2, or the dense `(outputs, inputs)` mask whose True entries
        in row-major order are implementation 3's sparse indices."""
        spatial = _connectivity_mask(self._in_sizes, self.kernel_size, self.strides,
                                     self.padding)
        r = self._rank
        if self.implementation == 2:
            # (*in, *out) -> (1, *in, 1, *out) or (*in, 1, *out, 1), like the kernel.
            if self._channels_first:
                mask = spatial.reshape((1,) + spatial.shape[:r] + (1,) + spatial.shape[r:])
            else:
                mask = spatial.reshape(spatial.shape[:r] + (1,) + spatial.shape[r:] + (1,))
            self.register_buffer("_connected", torch.from_numpy(mask.copy()), persistent=False)
            return
        # Rows: output positions x filters, columns: input positions x channels, each in
        # its tensor's flattening order (channels last or first).
        n_out, n_in = math.prod(self._out_sizes), math.prod(self._in_sizes)
        pairs = np.moveaxis(spatial, list(range(r)), list(range(r, 2 * r)))
        pairs = np.broadcast_to(pairs.reshape(n_out, 1, n_in, 1),
                                (n_out, self.filters, n_in, channels))
        if self._channels_first:
            pairs = pairs.transpose(1, 0, 3, 2)
        dense = np.ascontiguousarray(pairs).reshape(n_out * self.filters, n_in * channels)
        self.register_buffer("_connected", torch.from_numpy(dense), persistent=False)

    def _out_shape(self):
        return ((self.filters,) + self._out_sizes if self._channels_first
                else self._out_sizes + (self.filters,))

    def _unshared_conv(self, inputs):
        """Implementation 1: patches by `unfold` (views), one matmul per position."""
        r, cf = self._rank, self._channels_first
        first = 2 if cf else 1
        x = inputs
        for d in range(r):
            x = x.unfold(first + d, self.kernel_size[d], self.strides[d])
        pos, win = _LETTERS[:r], "xyz"[:r]
        kernel = self.kernel.reshape(self._out_sizes + (
            (self._channels_in,) + self.kernel_size if cf
            else self.kernel_size + (self._channels_in,)) + (self.filters,))
        if cf:  # x: (b, c, *pos, *win)
            return torch.einsum(f"bc{pos}{win},{pos}c{win}f->bf{pos}", x, kernel)
        return torch.einsum(f"b{pos}c{win},{pos}{win}cf->b{pos}f", x, kernel)

    def call(self, inputs):
        if not inputs.is_floating_point():
            inputs = inputs.to(self.kernel.dtype)
        if self.implementation == 1:
            out = self._unshared_conv(inputs)
        else:
            if self.implementation == 2:
                weight = (self.kernel * self._connected).reshape(
                    math.prod(self._in_sizes) * self._channels_in, -1)
            else:  # dense (outputs, inputs) matrix holding the sparse weights
                weight = self.kernel.new_zeros(self._connected.shape).masked_scatter(
                    self._connected, self.kernel).t()
            out = (inputs.reshape(inputs.shape[0], -1) @ weight).reshape(
                (inputs.shape[0],) + self._out_shape())
        if self.bias is not None:
            # Keras adds a channels_first bias by reshaping (not transposing) it.
            out = out + self.bias.reshape(self._out_shape())
        return self.activation(out)

    def compute_output_shape(self, input_shape):
        spatial = [_output_length(d, k, self.padding, s) for d, k, s in
                   zip(_spatial_dims(input_shape, self.data_format), self.kernel_size,
                       self.strides)]
        return _with_spatial(input_shape, spatial, self.data_format, channels=self.filters)

    def get_config(self):
        config = super().get_config()
        config.update({
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            **serialize_arguments(self, KERNEL_BIAS_ARGUMENTS),
            "implementation": self.implementation,
        })
        return config


class LocallyConnected1D(_LocallyConnected):
    """Like `Conv1D`, but every output step has its own kernel (unshared weights).

    Args:
        filters: Int, the number of output filters.
        kernel_size: Int, the window length.
        strides: Int. Defaults to `1`.
        padding: `'valid'` (default), or `'same'` with `implementation=2` or `3`.
        data_format: `'channels_last'` or `'channels_first'`. Defaults to
            `image_data_format()`.
        activation: Defaults to `None` (linear).
        use_bias: Defaults to `True`.
        kernel_initializer / bias_initializer: Default `'glorot_uniform'` / `'zeros'`.
        *_regularizer / *_constraint: as Keras.
        implementation: `1` (default), `2` or `3`: the Keras weight layout (see the
            module docstring); all three compute the same function.

    Input shape:
        3D tensor `(batch, steps, channels)` (channels_last).
    Output shape:
        3D tensor `(batch, new_steps, filters)`.

    Weights (Keras layout, implementation 1): `kernel (new_steps, kernel_size * channels,
    filters)`, `bias (new_steps, filters)`.

    Example:

    >>> layer = tkeras.layers.LocallyConnected1D(4, 3)
    >>> tuple(layer(np.zeros((2, 10, 5), "float32")).shape)
    (2, 8, 4)
    >>> [tuple(w.shape) for w in layer.get_weights()]
    [(8, 15, 4), (8, 4)]
    """

    _rank = 1


class LocallyConnected2D(_LocallyConnected):
    """Like `Conv2D`, but every output pixel has its own kernel (unshared weights).

    Args:
        filters: Int, the number of output filters.
        kernel_size: Int or tuple of 2 ints.
        strides: Int or tuple of 2 ints. Defaults to `(1, 1)`.
        padding: `'valid'` (default), or `'same'` with `implementation=2` or `3`.
        data_format: `'channels_last'` or `'channels_first'`. Defaults to
            `image_data_format()`.
        activation: Defaults to `None` (linear).
        use_bias: Defaults to `True`.
        kernel_initializer / bias_initializer: Default `'glorot_uniform'` / `'zeros'`.
        *_regularizer / *_constraint: as Keras.
        implementation: `1` (default), `2` or `3`: the Keras weight layout.

    Input shape:
        4D tensor `(batch, rows, cols, channels)` (channels_last).
    Output shape:
        4D tensor `(batch, new_rows, new_cols, filters)`.

    Weights (Keras layout, implementation 1): `kernel (new_rows * new_cols,
    kh * kw * channels, filters)`, `bias (new_rows, new_cols, filters)`.

    Example:

    >>> layer = tkeras.layers.LocallyConnected2D(4, (3, 3))
    >>> tuple(layer(np.zeros((2, 6, 5, 3), "float32")).shape)
    (2, 4, 3, 4)
    >>> [tuple(w.shape) for w in layer.get_weights()]
    [(12, 27, 4), (4, 3, 4)]
    """

    _rank = 2

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", **kwargs):
        super().__init__(filters, kernel_size, strides, padding, **kwargs)
