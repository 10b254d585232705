"""Convolution layers (Keras 2's `keras.layers.convolutional`): Conv1D/2D/3D, their
transposes, SeparableConv1D/2D and DepthwiseConv1D/2D.

Inputs stay in the user's data format; channels_last tensors reach torch's kernels as
NCHW views (a permute, no copy) and the outputs go back the same way. 'same' padding is
TensorFlow's: the total padding of a dimension is split with the extra element at the end,
so an asymmetric case (stride > 1, even kernels) is padded explicitly. Kernels are stored
in torch layout (`state_dict()` has `weight`/`bias` as `nn.Conv2d`); `weights`,
`get_weights`, `set_weights`, initializers, regularizers and constraints see the Keras
layout, and the `kernel` / `depthwise_kernel` / `pointwise_kernel` attributes are Keras-layout
views.

Keras 2 scripts also import pooling, up-sampling, zero-padding and cropping layers from
this module; those names are forwarded to `tkeras.layers`.
"""
import types

import numpy as np
import torch
import torch.nn.functional as F

from tkeras.utils.conv_utils import normalize_padding as _normalize_padding
from tkeras.utils.conv_utils import normalize_tuple as _normalize_tuple
from tkeras.utils.conv_utils import conv_output_length, deconv_output_length  # noqa: F401
from tkeras import activations, constraints, initializers, regularizers
from tkeras.backend import _config
from tkeras.engine.base_layer import KERNEL_BIAS_ARGUMENTS, Layer, Permuted, serialize_arguments
from tkeras.engine.input_spec import InputSpec, assert_input_compatibility, downsampling_message
from tkeras.engine.keras_tensor import torch_dtype

__all__ = [
    "Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose",
    "SeparableConv1D", "SeparableConv2D", "DepthwiseConv1D", "DepthwiseConv2D",
    "Convolution1D", "Convolution2D", "Convolution3D", "Convolution1DTranspose",
    "Convolution2DTranspose", "Convolution3DTranspose", "Deconvolution2D", "Deconvolution3D",
    "SeparableConvolution1D", "SeparableConvolution2D",
]

_CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
_CONV_TRANSPOSE = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}
_MEMORY_FORMAT = {2: torch.channels_last, 3: torch.channels_last_3d}
_EXAMPLE = {1: "Conv1D(32, 3)", 2: "Conv2D(32, (3, 3))", 3: "Conv3D(32, (3, 3, 3))"}


# ---------------------------------------------------------------- argument checks




def _check_filters(filters, example):
    if isinstance(filters, float) and filters.is_integer():
        filters = int(filters)
    if isinstance(filters, bool) or not isinstance(filters, (int, np.integer)) or filters <= 0:
        raise ValueError(
            "`filters` must be a positive integer (the number of output channels). "
            f"Received: filters={filters!r}. Example: {example}"
        )
    return int(filters)


# ---------------------------------------------------------------- shape arithmetic
def _same_padding(length, effective, stride):
    """TensorFlow 'SAME': (before, after) for one dimension, the odd element after."""
    total = max((-(-length // stride) - 1) * stride + effective - length, 0)
    return total // 2, total - total // 2


# ---------------------------------------------------------------- weight layouts
class _DepthwiseLayout:
    """Keras depthwise kernel `(*k, in, dm)` stored as torch's grouped-conv weight
    `(in * dm, 1, *k)` (output channel `c * dm + m`, as TensorFlow orders them)."""

    def __init__(self, rank, depth_multiplier):
        self.rank = rank
        self.depth_multiplier = depth_multiplier

    def to_torch(self, keras_value):
        spatial = tuple(range(self.rank))
        w = keras_value.permute(self.rank, self.rank + 1, *spatial)  # (in, dm, *k)
        return w.reshape(-1, 1, *w.shape[2:])

    def to_keras(self, torch_value):
        # Selecting the unit axis and splitting the first one are views for any strides,
        # so `set_weights` and constraints write through to the parameter.
        w = torch_value.select(1, 0)
        w = w.unflatten(0, (-1, self.depth_multiplier))  # (in, dm, *k)
        return w.permute(*range(2, self.rank + 2), 0, 1)


def _kernel_layout(rank):
    """Keras `(*k, a, b)` ↔ torch `(b, a, *k)`: `Conv` kernels (in, f) → (f, in, *k) and
    transposed kernels (f, in) → (in, f, *k)."""
    return Permuted((rank + 1, rank) + tuple(range(rank)))


def _conv_forward(conv, x, weight, bias, strides, padding, dilation, groups=1):
    """Runs torch's `conv` on channels-first `x` with Keras/TensorFlow padding."""
    rank = x.ndim - 2
    if padding == "valid":
        pads = [(0, 0)] * rank
    elif padding == "causal":
        pads = [((weight.shape[-1] - 1) * dilation[0], 0)]
    else:
        pads = [_same_padding(x.shape[2 + i], (weight.shape[2 + i] - 1) * dilation[i] + 1,
                              strides[i]) for i in range(rank)]
    if all(before == after for before, after in pads):
        return conv(x, weight, bias, strides, tuple(p for p, _ in pads), dilation, groups)
    flat = [p for pair in reversed(pads) for p in pair]  # F.pad wants the last dim first
    return conv(F.pad(x, flat), weight, bias, strides, 0, dilation, groups)


# ---------------------------------------------------------------- base class
class Conv(Layer):
    """Base of the N-D convolution layers (tf-keras's `Conv`): computes
    `activation(conv(inputs, kernel) + bias)`.

    Args:
        rank: number of spatial dimensions (1, 2 or 3).
        filters: Positive int, number of output channels.
        kernel_size: Int or tuple of `rank` ints, the window size.
        strides: Int or tuple of `rank` ints. Defaults to `1`. Strides > 1 cannot be
            combined with `dilation_rate` > 1.
        padding: `'valid'` (no padding), `'same'` (TensorFlow's: output length
            `ceil(input / stride)`, extra padding at the end) or, for 1-D layers,
            `'causal'` (left padding only). Case-insensitive. Defaults to `'valid'`.
        data_format: `'channels_last'` (`(batch, ..., channels)`) or `'channels_first'`.
            Defaults to `keras.backend.image_data_format()`.
        dilation_rate: Int or tuple of `rank` ints. Defaults to `1`.
        groups: Positive int dividing both the input channels and `filters`; each group
            of input channels is convolved with its own `filters / groups` filters.
            Defaults to `1`.
        activation: Activation function (name or callable). Defaults to `None` (linear).
        use_bias: Whether to add a bias vector. Defaults to `True`.
        kernel_initializer / bias_initializer: Default `'glorot_uniform'` / `'zeros'`.
        kernel_regularizer / bias_regularizer / activity_regularizer: Default `None`.
        kernel_constraint / bias_constraint: Default `None`.

    Weights (Keras layout): `kernel (*kernel_size, in_channels / groups, filters)`,
    `bias (filters,)`. Inputs may carry extra leading batch dimensions, as in Keras.
    """

    _causal = False  # 'causal' padding: Conv1D and SeparableConv1D only, as in Keras

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid",
                 data_format=None, dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.rank = rank
        example = _EXAMPLE[rank]
        self.filters = None if filters is None else _check_filters(filters, example)
        self.kernel_size = _normalize_tuple(kernel_size, rank, "kernel_size")
        self.strides = _normalize_tuple(strides, rank, "strides")
        allowed = ("valid", "same", "causal") if self._causal else ("valid", "same")
        self.padding = _normalize_padding(padding, allowed)
        self.data_format = _config.normalize_data_format(data_format)
        self.dilation_rate = _normalize_tuple(dilation_rate, rank, "dilation_rate")
        if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)) or groups <= 0:
            raise ValueError(f"`groups` must be a positive integer. Received: groups={groups!r}")
        self.groups = int(groups)
        if self.filters is not None and self.filters % self.groups:
            raise ValueError(
                "The number of filters must be evenly divisible by the number of groups. "
                f"Received: groups={self.groups}, filters={self.filters}"
            )
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                "`strides > 1` not supported in conjunction with `dilation_rate > 1`. "
                f"Received: strides={self.strides} and dilation_rate={self.dilation_rate}"
            )
        self.activation = activations.get(activation)
        self._linear = self.activation is activations.linear
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self._channels_last = self.data_format == "channels_last"
        self.input_spec = InputSpec(min_ndim=rank + 2)

    # -------------------------------------------------------------- build helpers
    @property
    def _channel_axis(self):
        return -1 if self._channels_last else -1 - self.rank

    def _input_channels(self, input_shape):
        input_shape = tuple(input_shape)
        assert_input_compatibility(self.input_spec, types.SimpleNamespace(shape=input_shape),
                                   self.name)
        channels = input_shape[self._channel_axis]
        if channels is None:
            raise ValueError(
                f"The channel dimension of the inputs to layer '{self.name}' should be "
                f"defined. The input_shape received is {input_shape}, where axis "
                f"{self._channel_axis} is the channel dimension, which found to be `None`."
            )
        return int(channels)

    def _spatial(self, shape):
        shape = tuple(shape)
        return shape[-self.rank - 1:-1] if self._channels_last else shape[-self.rank:]

    def _add_torch_weight(self, attr, name, shape, initializer, regularizer, constraint,
                          layout):
        """Adds a Keras-layout weight stored in torch layout under `attr` (`weight`)."""
        self.add_weight(name, shape, initializer=initializer, regularizer=regularizer,
                        constraint=constraint, layout=layout)
        param = getattr(self, self._weight_records[-1].attr)
        if self._channels_last and self.rank in _MEMORY_FORMAT:
            # Same memory format as the activations, so the kernels never convert it.
            param.data = param.data.contiguous(memory_format=_MEMORY_FORMAT[self.rank])
        setattr(self, attr, param)  # the engine re-keys the weight record to `attr`
        return layout

    def _add_bias(self, size):
        if self.use_bias:
            self.bias = self.add_weight("bias", (size,), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        else:
            self.bias = None

    def _check_output_size(self, input_shape):
        out = self.compute_output_shape(tuple(input_shape))
        if any(d is not None and d <= 0 for d in self._spatial(out)):
            raise ValueError(downsampling_message(self.name, input_shape))

    def _check_spatial(self, x, inputs):
        """The door before the kernel: every spatial dimension of the channels-first `x`
        (and of the output) at least 1; torch's kernels refuse or misread others."""
        spatial = tuple(x.shape[2:])
        if min(spatial) < 1 or min(self._output_spatial(spatial)) < 1:
            raise ValueError(downsampling_message(self.name, tuple(inputs.shape)))

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        if channels % self.groups:
            raise ValueError(
                "The number of input channels must be evenly divisible by the number of "
                f"groups. Received groups={self.groups}, but the input has {channels} "
                f"channels (full input shape is {tuple(input_shape)})."
            )
        self._check_output_size(input_shape)
        self._kernel_layout = self._add_torch_weight(
            "weight", "kernel", self.kernel_size + (channels // self.groups, self.filters),
            self.kernel_initializer, self.kernel_regularizer, self.kernel_constraint,
            _kernel_layout(self.rank))
        self._add_bias(self.filters)
        self.input_spec = InputSpec(min_ndim=self.rank + 2, axes={self._channel_axis: channels})
        self.built = True

    def _keras_kernel(self, name, layout, attr):
        if not self.built:
            raise AttributeError(
                f"Layer '{self.name}' has no `{name}` yet: weights are created when the "
                "layer is built (on its first call, or by `build(input_shape)`)."
            )
        return getattr(self, layout).to_keras(getattr(self, attr))

    @property
    def kernel(self):
        """The kernel in Keras layout (a view of the torch-layout `weight`)."""
        return self._keras_kernel("kernel", "_kernel_layout", "weight")

    # -------------------------------------------------------------- call
    def _to_torch(self, inputs):
        """(channels-first view of `inputs` with one batch dim, leading batch dims)."""
        if not inputs.is_floating_point():
            inputs = inputs.to(torch_dtype(self.dtype))
        lead = None
        if inputs.ndim > self.rank + 2:
            lead = inputs.shape[:inputs.ndim - self.rank - 1]
            inputs = inputs.reshape(lead.numel(), *inputs.shape[inputs.ndim - self.rank - 1:])
        if self._channels_last:
            inputs = inputs.movedim(-1, 1)  # (b, *spatial, c) -> (b, c, *spatial)
        return inputs, lead

    def _from_torch(self, outputs, lead):
        if self._channels_last:
            outputs = outputs.movedim(1, -1)  # (b, c, *spatial) -> (b, *spatial, c)
        if lead is not None:
            outputs = outputs.reshape(*lead, *outputs.shape[1:])
        return outputs if self._linear else self.activation(outputs)

    def call(self, inputs):
        x, lead = self._to_torch(inputs)
        self._check_spatial(x, inputs)
        y = _conv_forward(_CONV[self.rank], x, self.weight, self.bias, self.strides,
                          self.padding, self.dilation_rate, self.groups)
        return self._from_torch(y, lead)

    def _output_spatial(self, spatial):
        return [conv_output_length(n, k, self.padding, s, d) for n, k, s, d in
                zip(spatial, self.kernel_size, self.strides, self.dilation_rate)]

    def _output_channels(self, input_shape):
        return self.filters

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        spatial = self._output_spatial(self._spatial(input_shape))
        channels = self._output_channels(input_shape)
        if self._channels_last:
            return input_shape[:-self.rank - 1] + tuple(spatial) + (channels,)
        return input_shape[:-self.rank - 1] + (channels,) + tuple(spatial)

    # -------------------------------------------------------------- config
    def get_config(self):
        config = super().get_config()
        config.update({
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "groups": self.groups,
            **serialize_arguments(self, KERNEL_BIAS_ARGUMENTS),
        })
        return config


_Conv = Conv  # Keras 2.0-2.2 name of the base class


class Conv1D(Conv):
    """1-D convolution over a sequence (temporal convolution).

    Args:
        filters, kernel_size, strides, padding, dilation_rate, groups, activation,
        use_bias, *_initializer, *_regularizer, *_constraint: see `Conv`. `padding` may
            also be `'causal'`: the sequence is padded on the left only, so output `t`
            never sees inputs after `t` (WaveNet).
        data_format: `'channels_last'` (default, `(batch, steps, channels)`) or
            `'channels_first'` (`(batch, channels, steps)`).

    Input shape:
        3D tensor `(batch, steps, channels)`.
    Output shape:
        3D tensor `(batch, new_steps, filters)`.

    Weights (Keras layout): `kernel (kernel_size, channels, filters)`, `bias (filters,)`.

    Example:

    >>> tuple(tkeras.layers.Conv1D(4, 3)(np.zeros((2, 10, 3), "float32")).shape)
    (2, 8, 4)
    """

    _causal = True

    def __init__(self, filters, kernel_size, strides=1, padding="valid",
                 data_format="channels_last", dilation_rate=1, groups=1, activation=None,
                 use_bias=True, **kwargs):
        super().__init__(1, filters, kernel_size, strides, padding, data_format, dilation_rate,
                         groups, activation, use_bias, **kwargs)


class Conv2D(Conv):
    """2-D convolution over images.

    Args:
        filters, kernel_size, strides, padding ('valid' or 'same'), data_format,
        dilation_rate, groups, activation, use_bias, *_initializer, *_regularizer,
        *_constraint: see `Conv`.

    Input shape:
        4D tensor `(batch, rows, cols, channels)` (channels_last) or
        `(batch, channels, rows, cols)` (channels_first).
    Output shape:
        4D tensor `(batch, new_rows, new_cols, filters)` (channels_last) or
        `(batch, filters, new_rows, new_cols)`.

    Weights (Keras layout): `kernel (kh, kw, channels // groups, filters)`,
    `bias (filters,)`.

    Example:

    >>> layer = tkeras.layers.Conv2D(8, 3, strides=2, padding="same")
    >>> tuple(layer(np.zeros((2, 28, 28, 1), "float32")).shape)
    (2, 14, 14, 8)
    >>> [tuple(w.shape) for w in layer.get_weights()]
    [(3, 3, 1, 8), (8,)]
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), groups=1, activation=None, use_bias=True, **kwargs):
        super().__init__(2, filters, kernel_size, strides, padding, data_format, dilation_rate,
                         groups, activation, use_bias, **kwargs)


class Conv3D(Conv):
    """3-D convolution over volumes (or video: frames × rows × cols).

    Args:
        filters, kernel_size, strides, padding ('valid' or 'same'), data_format,
        dilation_rate, groups, activation, use_bias, *_initializer, *_regularizer,
        *_constraint: see `Conv`.

    Input shape:
        5D tensor `(batch, d1, d2, d3, channels)` (channels_last) or
        `(batch, channels, d1, d2, d3)` (channels_first).
    Output shape:
        5D tensor `(batch, new_d1, new_d2, new_d3, filters)` (channels_last).

    Weights (Keras layout): `kernel (k1, k2, k3, channels // groups, filters)`,
    `bias (filters,)`.

    Example:

    >>> tuple(tkeras.layers.Conv3D(2, 3)(np.zeros((1, 5, 6, 7, 3), "float32")).shape)
    (1, 3, 4, 5, 2)
    """

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid",
                 data_format=None, dilation_rate=(1, 1, 1), groups=1, activation=None,
                 use_bias=True, **kwargs):
        super().__init__(3, filters, kernel_size, strides, padding, data_format, dilation_rate,
                         groups, activation, use_bias, **kwargs)


# ---------------------------------------------------------------- transposed convolutions
class _ConvTranspose(Conv):
    """Transposed convolution: the adjoint of the `Conv` with the same arguments, so an
    input of the conv's output size gives an output of the conv's input size.

    The output length of each spatial dimension is Keras's `deconv_output_length`:
    `input * stride` for 'same', `input * stride + max(kernel - stride, 0)` for 'valid',
    or `(input - 1) * stride + kernel - 2 * pad + output_padding` when `output_padding`
    is given (`pad` = `kernel // 2` for 'same', 0 for 'valid').
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid",
                 output_padding=None, data_format=None, dilation_rate=1, **kwargs):
        super().__init__(rank, filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate, **kwargs)
        self.input_spec = InputSpec(ndim=rank + 2)
        self.output_padding = None
        if output_padding is not None:
            self.output_padding = _normalize_tuple(output_padding, rank, "output_padding",
                                                   allow_zero=True)
            if any(p >= s for p, s in zip(self.output_padding, self.strides)):
                raise ValueError(
                    "Strides must be greater than output padding. Received "
                    f"strides={self.strides}, output_padding={self.output_padding}."
                )

    def _dilation(self):
        return self.dilation_rate

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        self._kernel_layout = self._add_torch_weight(
            "weight", "kernel", self.kernel_size + (self.filters, channels),
            self.kernel_initializer, self.kernel_regularizer, self.kernel_constraint,
            _kernel_layout(self.rank))
        self._add_bias(self.filters)
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={self._channel_axis: channels})
        self.built = True

    def _output_spatial(self, spatial):
        pads = self.output_padding or (None,) * self.rank
        return [deconv_output_length(n, k, self.padding, p, s, d) for n, k, p, s, d in
                zip(spatial, self.kernel_size, pads, self.strides, self._dilation())]

    def call(self, inputs):
        x, _ = self._to_torch(inputs)
        self._check_spatial(x, inputs)
        dilation = self._dilation()
        out_sizes = self._output_spatial(x.shape[2:])
        # TensorFlow computes the gradient of a conv whose input has `out_sizes`: the
        # full transposed output cropped by that conv's padding before each dimension.
        # torch crops `padding` at both ends and appends `output_padding`; a dimension
        # whose TF crop at the end is one larger (odd total padding) is sliced after.
        # Keras's output sizes keep the remaining `output_padding` below the stride.
        pads, extra, crop = [], [], False
        for n_in, n_out, k, s, d in zip(x.shape[2:], out_sizes, self.kernel_size,
                                        self.strides, dilation):
            effective = (k - 1) * d + 1
            before = _same_padding(n_out, effective, s)[0] if self.padding == "same" else 0
            op = n_out - ((n_in - 1) * s + effective - 2 * before)
            crop = crop or op < 0
            pads.append(before)
            extra.append(max(op, 0))
        y = _CONV_TRANSPOSE[self.rank](x, self.weight, self.bias, self.strides, tuple(pads),
                                       tuple(extra), 1, dilation)
        if crop:
            y = y[(slice(None), slice(None)) + tuple(slice(0, n) for n in out_sizes)]
        return self._from_torch(y, None)

    def get_config(self):
        config = super().get_config()
        config["output_padding"] = self.output_padding
        return config


class Conv1DTranspose(_ConvTranspose):
    """Transposed 1-D convolution ("deconvolution"), e.g. to upsample a sequence.

    Args:
        filters, kernel_size, strides, padding ('valid' or 'same'), data_format,
        dilation_rate, activation, use_bias, *_initializer, *_regularizer, *_constraint:
            see `Conv`.
        output_padding: Int or tuple of 1 int smaller than the stride, the extra length
            at the end of the output; `None` (default) infers it.

    Input shape:
        3D tensor `(batch, steps, channels)`.
    Output shape:
        3D tensor `(batch, new_steps, filters)`.

    Weights (Keras layout): `kernel (kernel_size, filters, channels)`, `bias (filters,)`.

    Example:

    >>> layer = tkeras.layers.Conv1DTranspose(2, 3, strides=2, padding="same")
    >>> tuple(layer(np.zeros((1, 5, 4), "float32")).shape)
    (1, 10, 2)
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True, **kwargs):
        super().__init__(1, filters, kernel_size, strides, padding, output_padding, data_format,
                         dilation_rate, activation=activation, use_bias=use_bias, **kwargs)


class Conv2DTranspose(_ConvTranspose):
    """Transposed 2-D convolution ("deconvolution"), e.g. the upsampling half of an
    autoencoder or a GAN generator.

    Args:
        filters, kernel_size, strides, padding ('valid' or 'same'), data_format,
        dilation_rate, activation, use_bias, *_initializer, *_regularizer, *_constraint:
            see `Conv`.
        output_padding: Int or tuple of 2 ints, each smaller than its stride: the extra
            rows/cols at the end of the output. `None` (default) infers the output size.

    Input shape:
        4D tensor `(batch, rows, cols, channels)` (channels_last) or
        `(batch, channels, rows, cols)`.
    Output shape:
        4D tensor `(batch, new_rows, new_cols, filters)` (channels_last).

    Weights (Keras layout): `kernel (kh, kw, filters, channels)`, `bias (filters,)`.

    Example:

    >>> layer = tkeras.layers.Conv2DTranspose(3, 3, strides=2, padding="same")
    >>> tuple(layer(np.zeros((1, 7, 7, 8), "float32")).shape)
    (1, 14, 14, 3)
    >>> tuple(layer.get_weights()[0].shape)
    (3, 3, 3, 8)
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid",
                 output_padding=None, data_format=None, dilation_rate=(1, 1), activation=None,
                 use_bias=True, **kwargs):
        super().__init__(2, filters, kernel_size, strides, padding, output_padding, data_format,
                         dilation_rate, activation=activation, use_bias=use_bias, **kwargs)


class Conv3DTranspose(_ConvTranspose):
    """Transposed 3-D convolution ("deconvolution").

    Args:
        filters, kernel_size, strides, padding ('valid' or 'same'), data_format,
        activation, use_bias, *_initializer, *_regularizer, *_constraint: see `Conv`.
        output_padding: Int or tuple of 3 ints, each smaller than its stride.
        dilation_rate: accepted for compatibility but, as in Keras 2, not applied and not
            part of the config.

    Input shape:
        5D tensor `(batch, d1, d2, d3, channels)` (channels_last) or
        `(batch, channels, d1, d2, d3)`.
    Output shape:
        5D tensor `(batch, new_d1, new_d2, new_d3, filters)` (channels_last).

    Weights (Keras layout): `kernel (k1, k2, k3, filters, channels)`, `bias (filters,)`.

    Example:

    >>> layer = tkeras.layers.Conv3DTranspose(2, 2, strides=2)
    >>> tuple(layer(np.zeros((1, 3, 4, 5, 3), "float32")).shape)
    (1, 6, 8, 10, 2)
    """

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid",
                 output_padding=None, data_format=None, dilation_rate=(1, 1, 1),
                 activation=None, use_bias=True, **kwargs):
        super().__init__(3, filters, kernel_size, strides, padding, output_padding, data_format,
                         dilation_rate, activation=activation, use_bias=use_bias, **kwargs)

    def _dilation(self):
        return (1, 1, 1)  # tf-keras's Conv3DTranspose never passes its dilation on

    def get_config(self):
        config = super().get_config()
        config.pop("dilation_rate")
        return config


# ---------------------------------------------------------------- depthwise / separable
class _DepthwiseBase(Conv):
    """Shared depthwise-kernel handling of DepthwiseConv* and SeparableConv*."""

    def __init__(self, rank, filters, kernel_size, depth_multiplier=1,
                 depthwise_initializer="glorot_uniform", depthwise_regularizer=None,
                 depthwise_constraint=None, **kwargs):
        super().__init__(rank, filters, kernel_size, **kwargs)
        if (isinstance(depth_multiplier, bool)
                or not isinstance(depth_multiplier, (int, np.integer)) or depth_multiplier <= 0):
            raise ValueError(
                "`depth_multiplier` must be a positive integer (output channels per input "
                f"channel). Received: depth_multiplier={depth_multiplier!r}"
            )
        self.depth_multiplier = int(depth_multiplier)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.input_spec = InputSpec(ndim=rank + 2)

    def _build_depthwise(self, channels):
        self._depthwise_layout = self._add_torch_weight(
            "depthwise_weight", "depthwise_kernel",
            self.kernel_size + (channels, self.depth_multiplier), self.depthwise_initializer,
            self.depthwise_regularizer, self.depthwise_constraint,
            _DepthwiseLayout(self.rank, self.depth_multiplier))
        self._in_channels = channels

    @property
    def depthwise_kernel(self):
        """The depthwise kernel in Keras layout `(*kernel_size, channels, depth_multiplier)`
        (a view of the torch-layout `depthwise_weight`)."""
        return self._keras_kernel("depthwise_kernel", "_depthwise_layout", "depthwise_weight")

    def _depthwise(self, x, bias):
        return _conv_forward(_CONV[self.rank], x, self.depthwise_weight, bias, self.strides,
                             self.padding, self.dilation_rate, self._in_channels)

    def _depthwise_config(self):
        return {
            "depth_multiplier": self.depth_multiplier,
            "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
            "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
            "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
        }


class _DepthwiseConv(_DepthwiseBase):
    """Depthwise convolution: each input channel is convolved with its own
    `depth_multiplier` filters; output channel `c * depth_multiplier + m`."""

    def __init__(self, rank, kernel_size, strides=1, padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True, **kwargs):
        super().__init__(rank, None, kernel_size, depth_multiplier=depth_multiplier,
                         strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
                         **kwargs)

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        self._check_output_size(input_shape)
        self._build_depthwise(channels)
        self._add_bias(channels * self.depth_multiplier)
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={self._channel_axis: channels})
        self.built = True

    def _output_channels(self, input_shape):
        channels = input_shape[self._channel_axis]
        return None if channels is None else channels * self.depth_multiplier

    def call(self, inputs):
        x, _ = self._to_torch(inputs)
        self._check_spatial(x, inputs)
        return self._from_torch(self._depthwise(x, self.bias), None)

    def get_config(self):
        config = super().get_config()
        for key in ("filters", "kernel_initializer", "kernel_regularizer", "kernel_constraint"):
            del config[key]
        config.update(self._depthwise_config())
        return config


class DepthwiseConv1D(_DepthwiseConv):
    """Depthwise 1-D convolution: every input channel gets its own `depth_multiplier`
    filters (no mixing across channels).

    Args:
        kernel_size, strides, padding ('valid' or 'same'), data_format, dilation_rate,
        activation, use_bias, bias_*: see `Conv`.
        depth_multiplier: Output channels per input channel. Defaults to `1`.
        depthwise_initializer / depthwise_regularizer / depthwise_constraint: for the
            depthwise kernel. Default `'glorot_uniform'` / `None` / `None`.

    Input shape:
        3D tensor `(batch, steps, channels)`.
    Output shape:
        3D tensor `(batch, new_steps, channels * depth_multiplier)`.

    Weights (Keras layout): `depthwise_kernel (kernel_size, channels, depth_multiplier)`,
    `bias (channels * depth_multiplier,)`.

    Example:

    >>> layer = tkeras.layers.DepthwiseConv1D(3, depth_multiplier=2)
    >>> tuple(layer(np.zeros((1, 8, 4), "float32")).shape)
    (1, 6, 8)
    """

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True, **kwargs):
        super().__init__(1, kernel_size, strides, padding, depth_multiplier, data_format,
                         dilation_rate, activation, use_bias, **kwargs)


class DepthwiseConv2D(_DepthwiseConv):
    """Depthwise 2-D convolution (MobileNet): every input channel gets its own
    `depth_multiplier` filters (no mixing across channels).

    Args:
        kernel_size, strides, padding ('valid' or 'same'), data_format, dilation_rate,
        activation, use_bias, bias_*: see `Conv`.
        depth_multiplier: Output channels per input channel. Defaults to `1`.
        depthwise_initializer / depthwise_regularizer / depthwise_constraint: for the
            depthwise kernel. Default `'glorot_uniform'` / `None` / `None`.

    Input shape:
        4D tensor `(batch, rows, cols, channels)` (channels_last) or
        `(batch, channels, rows, cols)`.
    Output shape:
        4D tensor `(batch, new_rows, new_cols, channels * depth_multiplier)`
        (channels_last).

    Weights (Keras layout): `depthwise_kernel (kh, kw, channels, depth_multiplier)`,
    `bias (channels * depth_multiplier,)`.

    Example:

    >>> layer = tkeras.layers.DepthwiseConv2D(3, padding="same", depth_multiplier=2)
    >>> tuple(layer(np.zeros((1, 8, 8, 3), "float32")).shape)
    (1, 8, 8, 6)
    >>> [tuple(w.shape) for w in layer.get_weights()]
    [(3, 3, 3, 2), (6,)]
    """

    def __init__(self, kernel_size, strides=(1, 1), padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=(1, 1), activation=None, use_bias=True,
                 **kwargs):
        super().__init__(2, kernel_size, strides, padding, depth_multiplier, data_format,
                         dilation_rate, activation, use_bias, **kwargs)


class _SeparableConv(_DepthwiseBase):
    """Depthwise convolution followed by a pointwise (1×1) convolution mixing channels."""

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid",
                 data_format=None, dilation_rate=1, depth_multiplier=1, activation=None,
                 use_bias=True, pointwise_initializer="glorot_uniform",
                 pointwise_regularizer=None, pointwise_constraint=None, **kwargs):
        super().__init__(rank, filters, kernel_size, depth_multiplier=depth_multiplier,
                         strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
                         **kwargs)
        if self.filters is None:
            raise ValueError(
                f"`filters` must be a positive integer. Received: filters=None. "
                f"Example: SeparableConv{rank}D(32, 3)."
            )
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.pointwise_constraint = constraints.get(pointwise_constraint)

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        self._check_output_size(input_shape)
        self._build_depthwise(channels)
        self._pointwise_layout = self._add_torch_weight(
            "pointwise_weight", "pointwise_kernel",
            (1,) * self.rank + (channels * self.depth_multiplier, self.filters),
            self.pointwise_initializer, self.pointwise_regularizer, self.pointwise_constraint,
            _kernel_layout(self.rank))
        self._add_bias(self.filters)
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={self._channel_axis: channels})
        self.built = True

    @property
    def pointwise_kernel(self):
        """The pointwise kernel in Keras layout `(1, ..., channels * depth_multiplier,
        filters)` (a view of the torch-layout `pointwise_weight`)."""
        return self._keras_kernel("pointwise_kernel", "_pointwise_layout", "pointwise_weight")

    def call(self, inputs):
        x, _ = self._to_torch(inputs)
        self._check_spatial(x, inputs)
        y = _CONV[self.rank](self._depthwise(x, None), self.pointwise_weight, self.bias)
        return self._from_torch(y, None)

    def get_config(self):
        config = super().get_config()
        config.update(self._depthwise_config())
        config.update({
            "pointwise_initializer": initializers.serialize(self.pointwise_initializer),
            "pointwise_regularizer": regularizers.serialize(self.pointwise_regularizer),
            "pointwise_constraint": constraints.serialize(self.pointwise_constraint),
        })
        return config


class SeparableConv1D(_SeparableConv):
    """Depthwise-separable 1-D convolution: a depthwise convolution (each channel on its
    own, `depth_multiplier` filters each) followed by a pointwise convolution to
    `filters` channels.

    Args:
        filters, kernel_size, strides, padding ('valid', 'same' or 'causal'), data_format,
        dilation_rate, activation, use_bias, bias_*: see `Conv`.
        depth_multiplier: Depthwise filters per input channel. Defaults to `1`.
        depthwise_* / pointwise_*: initializer (default `'glorot_uniform'`), regularizer
            and constraint of the two kernels.

    Input shape:
        3D tensor `(batch, steps, channels)`.
    Output shape:
        3D tensor `(batch, new_steps, filters)`.

    Weights (Keras layout): `depthwise_kernel (kernel_size, channels, depth_multiplier)`,
    `pointwise_kernel (1, channels * depth_multiplier, filters)`, `bias (filters,)`.

    Example:

    >>> layer = tkeras.layers.SeparableConv1D(4, 3, padding="same")
    >>> tuple(layer(np.zeros((2, 10, 3), "float32")).shape)
    (2, 10, 4)
    """

    _causal = True

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, depth_multiplier=1, activation=None, use_bias=True, **kwargs):
        super().__init__(1, filters, kernel_size, strides, padding, data_format, dilation_rate,
                         depth_multiplier, activation, use_bias, **kwargs)


class SeparableConv2D(_SeparableConv):
    """Depthwise-separable 2-D convolution (Xception): a depthwise convolution (each
    channel on its own, `depth_multiplier` filters each) followed by a 1×1 convolution to
    `filters` channels.

    Args:
        filters, kernel_size, strides, padding ('valid' or 'same'), data_format,
        dilation_rate, activation, use_bias, bias_*: see `Conv`.
        depth_multiplier: Depthwise filters per input channel. Defaults to `1`.
        depthwise_* / pointwise_*: initializer (default `'glorot_uniform'`), regularizer
            and constraint of the two kernels.

    Input shape:
        4D tensor `(batch, rows, cols, channels)` (channels_last) or
        `(batch, channels, rows, cols)`.
    Output shape:
        4D tensor `(batch, new_rows, new_cols, filters)` (channels_last).

    Weights (Keras layout): `depthwise_kernel (kh, kw, channels, depth_multiplier)`,
    `pointwise_kernel (1, 1, channels * depth_multiplier, filters)`, `bias (filters,)`.

    Example:

    >>> layer = tkeras.layers.SeparableConv2D(8, 3, padding="same", depth_multiplier=2)
    >>> tuple(layer(np.zeros((1, 6, 6, 3), "float32")).shape)
    (1, 6, 6, 8)
    >>> [tuple(w.shape) for w in layer.get_weights()]
    [(3, 3, 3, 2), (1, 1, 6, 8), (8,)]
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), depth_multiplier=1, activation=None, use_bias=True,
                 **kwargs):
        super().__init__(2, filters, kernel_size, strides, padding, data_format, dilation_rate,
                         depth_multiplier, activation, use_bias, **kwargs)


# Keras 2 aliases.
Convolution1D = Conv1D
Convolution2D = Conv2D
Convolution3D = Conv3D
Convolution1DTranspose = Conv1DTranspose
Convolution2DTranspose = Deconvolution2D = Conv2DTranspose
Convolution3DTranspose = Deconvolution3D = Conv3DTranspose
SeparableConvolution1D = SeparableConv1D
SeparableConvolution2D = SeparableConv2D

# Keras 2's `keras.layers.convolutional` also exported these (written in other modules).
_FORWARDED = frozenset(
    [f"{kind}Pooling{n}D" for kind in ("Max", "Average") for n in (1, 2, 3)]
    + [f"{kind}{n}D" for kind in ("UpSampling", "ZeroPadding", "Cropping") for n in (1, 2, 3)]
    + ["MaxPool1D", "MaxPool2D", "MaxPool3D", "AvgPool1D", "AvgPool2D", "AvgPool3D"])


def __getattr__(name):
    if name in _FORWARDED:
        import tkeras.layers

        value = getattr(tkeras.layers, name, None)
        if value is not None:
            return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
