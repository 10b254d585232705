"""Pooling layers: MaxPooling1D/2D/3D, AveragePooling1D/2D/3D and their global variants
(Keras 2's `keras.layers.pooling`).

'same' padding follows TensorFlow: the output has `ceil(size / stride)` steps and the
padding `max((out - 1) * stride + pool - size, 0)` is split with the extra step at the end.
Max pooling pads with -inf; average pooling divides by the number of real (unpadded)
inputs in each window. Both run on torch's pooling kernels, which implement exactly this
when given the left padding (plus `ceil_mode` for the extra window at the end).
"""
import numpy as np
import torch
import torch.nn.functional as F

from tkeras.utils.conv_utils import normalize_padding as _normalize_padding
from tkeras.utils.conv_utils import conv_output_length
from tkeras.utils.conv_utils import normalize_tuple as _normalize_tuple
from tkeras.backend import _config
from tkeras.engine.base_layer import Layer
from tkeras.engine.input_spec import InputSpec, assert_mask_shape, downsampling_message
from tkeras.engine.keras_tensor import torch_dtype

__all__ = [
    "MaxPooling1D", "MaxPooling2D", "MaxPooling3D",
    "AveragePooling1D", "AveragePooling2D", "AveragePooling3D",
    "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D",
    "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D",
    "MaxPool1D", "MaxPool2D", "MaxPool3D", "AvgPool1D", "AvgPool2D", "AvgPool3D",
    "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPool3D",
    "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalAvgPool3D",
]

_ORDINALS = ("1st", "2nd", "3rd")


# ---------------------------------------------------------------- shared argument helpers


def _normalize_pairs(value, n, name, example):
    """Padding/cropping amounts: int, tuple of `n` ints (symmetric) or tuple of `n`
    pairs `(before, after)` → tuple of `n` pairs of non-negative ints."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return _normalize_pairs((value,) * n, n, name, example)
    if not hasattr(value, "__len__") or len(value) != n:
        shapes = f"an int, a tuple of {n} ints or a tuple of {n} tuples of 2 ints"
        raise ValueError(f"`{name}` must be {shapes}. Received: {name}={value!r}. "
                         f"Example: {example}.")
    return tuple(_normalize_tuple(v, 2, f"{_ORDINALS[i]} entry of {name}", allow_zero=True,
                                  example=example)
                 for i, v in enumerate(value))




def _output_length(length, window, padding, stride):
    """TensorFlow's pooling output length, never negative (None stays None)."""
    out = conv_output_length(length, window, padding, stride)
    return out if out is None else max(out, 0)


def _to_channels_first(x, data_format):
    """NC... view of a channels_last tensor (a permute: no copy)."""
    if data_format == "channels_first":
        return x
    return x.permute(0, x.ndim - 1, *range(1, x.ndim - 1))


def _from_channels_first(y, data_format):
    if data_format == "channels_first":
        return y
    return y.permute(0, *range(2, y.ndim), 1)


def _spatial_dims(shape, data_format):
    return tuple(shape[2:]) if data_format == "channels_first" else tuple(shape[1:-1])


def _with_spatial(shape, spatial, data_format, channels=None):
    """`shape` with its spatial dimensions (and optionally its channels) replaced."""
    shape = tuple(shape)
    if data_format == "channels_first":
        return (shape[0], shape[1] if channels is None else channels) + tuple(spatial)
    return (shape[0],) + tuple(spatial) + (shape[-1] if channels is None else channels,)


# ---------------------------------------------------------------- windowed pooling
_TORCH_POOL = {
    ("max", 1): F.max_pool1d, ("max", 2): F.max_pool2d, ("max", 3): F.max_pool3d,
    ("avg", 1): F.avg_pool1d, ("avg", 2): F.avg_pool2d, ("avg", 3): F.avg_pool3d,
}


def _same_plan(size, window, stride):
    """(torch padding, drop the first output?) that reproduces TF 'same' on one axis.

    TF pads `total // 2` before and the rest after. For stride > 1 torch's `ceil_mode`
    adds the window that reaches into the end padding; for stride 1 (where ceil_mode
    cannot help) pad the larger amount on both sides and drop the extra first window.
    """
    out = (size + stride - 1) // stride
    total = max((out - 1) * stride + window - size, 0)
    before = total // 2
    if stride == 1 and total % 2:
        return total - before, True
    return before, False


class _Pooling(Layer):
    _rank = None
    _mode = None

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        n = self._rank
        example = f"{type(self).__name__}(pool_size={(2,) * n if n > 1 else 2})"
        self.pool_size = _normalize_tuple(pool_size, n, "pool_size", example=example)
        self.strides = self.pool_size if strides is None else _normalize_tuple(
            strides, n, "strides", example=example)
        self.padding = _normalize_padding(padding)
        self.data_format = _config.normalize_data_format(data_format)
        self.input_spec = InputSpec(ndim=n + 2)
        self._pool = _TORCH_POOL[(self._mode, n)]

    def _check_spatial(self, x, inputs):
        """The door: torch refuses empty inputs and windows larger than a 'valid' input."""
        spatial = tuple(x.shape[2:])
        if min(spatial) < 1 or self.padding == "valid" and any(
                n < k for n, k in zip(spatial, self.pool_size)):
            raise ValueError(downsampling_message(self.name, tuple(inputs.shape)))

    def call(self, inputs):
        x = _to_channels_first(inputs, self.data_format)
        if not x.is_floating_point():  # torch pools floats only
            x = x.to(torch_dtype(self.dtype))
        self._check_spatial(x, inputs)
        if self._mode == "avg" and self._rank == 3 and self.padding == "same" and any(
                n < k for n, k in zip(x.shape[2:], self.pool_size)):
            return _from_channels_first(self._small_same_average(x), self.data_format)
        if self.padding == "valid":
            pads, drop = (0,) * self._rank, ()
        else:
            plans = [_same_plan(size, k, s) for size, k, s in
                     zip(x.shape[2:], self.pool_size, self.strides)]
            pads = tuple(p for p, _ in plans)
            drop = tuple(i for i, (_, d) in enumerate(plans) if d)
        ceil_mode = self.padding == "same"
        if self._mode == "max":
            y = self._pool(x, self.pool_size, self.strides, pads, ceil_mode=ceil_mode)
        else:
            y = self._pool(x, self.pool_size, self.strides, pads, ceil_mode=ceil_mode,
                           count_include_pad=False)
        for axis in drop:
            y = y.narrow(axis + 2, 1, y.shape[axis + 2] - 1)
        return _from_channels_first(y, self.data_format)

    def _small_same_average(self, x):
        """TF 'same' average pooling of an input smaller than the window, which torch's
        3-D kernel refuses: TF's zero padding made explicit, and each window's sum
        divided by its count of real (unpadded) values."""
        pads = []
        for n, k, s in zip(x.shape[2:], self.pool_size, self.strides):
            out = (n + s - 1) // s
            total = max((out - 1) * s + k - n, 0)
            pads = [total // 2, total - total // 2] + pads  # F.pad lists the last axis first
        real = F.pad(torch.ones_like(x[:1, :1]), pads)
        total = self._pool(F.pad(x, pads), self.pool_size, self.strides)
        return total / self._pool(real, self.pool_size, self.strides)

    def compute_output_shape(self, input_shape):
        spatial = [_output_length(d, k, self.padding, s) for d, k, s in
                   zip(_spatial_dims(input_shape, self.data_format), self.pool_size,
                       self.strides)]
        return _with_spatial(input_shape, spatial, self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update({"pool_size": self.pool_size, "padding": self.padding,
                       "strides": self.strides, "data_format": self.data_format})
        return config


class MaxPooling1D(_Pooling):
    """Max pooling over the steps of a sequence.

    Args:
        pool_size: Int, the window size. Defaults to `2`.
        strides: Int, the step between windows. Defaults to `pool_size`.
        padding: `'valid'` (default) or `'same'` (TensorFlow rule: output length
            `ceil(steps / strides)`, padding with -inf, the odd step at the end).
        data_format: `'channels_last'` (default, `(batch, steps, features)`) or
            `'channels_first'` (`(batch, features, steps)`).

    Input shape:
        3D tensor `(batch, steps, features)`.
    Output shape:
        3D tensor `(batch, pooled_steps, features)`.

    Example:

    >>> x = np.arange(5, dtype="float32").reshape(1, 5, 1)
    >>> tkeras.layers.MaxPooling1D(2, padding="same")(x)[0, :, 0].tolist()
    [1.0, 3.0, 4.0]
    """

    _rank, _mode = 1, "max"

    def __init__(self, pool_size=2, strides=None, padding="valid",
                 data_format="channels_last", **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling1D(_Pooling):
    """Average pooling over the steps of a sequence; with `padding='same'` each window
    is divided by the number of real steps it covers (TensorFlow rule).

    Args:
        pool_size: Int, the window size. Defaults to `2`.
        strides: Int, the step between windows. Defaults to `pool_size`.
        padding: `'valid'` (default) or `'same'`.
        data_format: `'channels_last'` (default) or `'channels_first'`.

    Input shape:
        3D tensor `(batch, steps, features)`.
    Output shape:
        3D tensor `(batch, pooled_steps, features)`.

    Example:

    >>> x = np.arange(5, dtype="float32").reshape(1, 5, 1)
    >>> tkeras.layers.AveragePooling1D(2, padding="same")(x)[0, :, 0].tolist()
    [0.5, 2.5, 4.0]
    """

    _rank, _mode = 1, "avg"

    def __init__(self, pool_size=2, strides=None, padding="valid",
                 data_format="channels_last", **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class MaxPooling2D(_Pooling):
    """Max pooling over the rows and columns of an image.

    Args:
        pool_size: Int or tuple of 2 ints. Defaults to `(2, 2)`.
        strides: Int or tuple of 2 ints. Defaults to `pool_size`.
        padding: `'valid'` (default) or `'same'` (TensorFlow rule, -inf padding, the odd
            row/column at the bottom/right).
        data_format: `'channels_last'` or `'channels_first'`. Defaults to
            `image_data_format()`.

    Input shape:
        4D tensor `(batch, rows, cols, channels)` (channels_last).
    Output shape:
        4D tensor `(batch, pooled_rows, pooled_cols, channels)`.

    Example:

    >>> x = np.zeros((2, 5, 5, 3), "float32")
    >>> tuple(tkeras.layers.MaxPooling2D(padding="same")(x).shape)
    (2, 3, 3, 3)
    """

    _rank, _mode = 2, "max"

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling2D(_Pooling):
    """Average pooling over the rows and columns of an image; 'same' windows are divided
    by the number of real pixels they cover (TensorFlow rule).

    Args:
        pool_size: Int or tuple of 2 ints. Defaults to `(2, 2)`.
        strides: Int or tuple of 2 ints. Defaults to `pool_size`.
        padding: `'valid'` (default) or `'same'`.
        data_format: `'channels_last'` or `'channels_first'`. Defaults to
            `image_data_format()`.

    Input shape:
        4D tensor `(batch, rows, cols, channels)` (channels_last).
    Output shape:
        4D tensor `(batch, pooled_rows, pooled_cols, channels)`.

    Example:

    >>> x = np.ones((1, 3, 3, 1), "float32")
    >>> tkeras.layers.AveragePooling2D(padding="same")(x)[0, :, :, 0].tolist()
    [[1.0, 1.0], [1.0, 1.0]]
    """

    _rank, _mode = 2, "avg"

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class MaxPooling3D(_Pooling):
    """Max pooling over the three spatial dimensions of a volume.

    Args:
        pool_size: Int or tuple of 3 ints. Defaults to `(2, 2, 2)`.
        strides: Int or tuple of 3 ints. Defaults to `pool_size`.
        padding: `'valid'` (default) or `'same'`.
        data_format: `'channels_last'` or `'channels_first'`. Defaults to
            `image_data_format()`.

    Input shape:
        5D tensor `(batch, dim1, dim2, dim3, channels)` (channels_last).
    Output shape:
        5D tensor `(batch, pooled_dim1, pooled_dim2, pooled_dim3, channels)`.

    Example:

    >>> x = np.zeros((1, 4, 4, 4, 2), "float32")
    >>> tuple(tkeras.layers.MaxPooling3D()(x).shape)
    (1, 2, 2, 2, 2)
    """

    _rank, _mode = 3, "max"

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling3D(_Pooling):
    """Average pooling over the three spatial dimensions of a volume ('same' windows
    divided by their number of real inputs).

    Args:
        pool_size: Int or tuple of 3 ints. Defaults to `(2, 2, 2)`.
        strides: Int or tuple of 3 ints. Defaults to `pool_size`.
        padding: `'valid'` (default) or `'same'`.
        data_format: `'channels_last'` or `'channels_first'`. Defaults to
            `image_data_format()`.

    Input shape:
        5D tensor `(batch, dim1, dim2, dim3, channels)` (channels_last).
    Output shape:
        5D tensor `(batch, pooled_dim1, pooled_dim2, pooled_dim3, channels)`.

    Example:

    >>> x = np.zeros((1, 3, 3, 3, 2), "float32")
    >>> tuple(tkeras.layers.AveragePooling3D(padding="same")(x).shape)
    (1, 2, 2, 2, 2)
    """

    _rank, _mode = 3, "avg"

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


# ---------------------------------------------------------------- global pooling
class _GlobalPooling(Layer):
    _rank = None

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = _config.normalize_data_format(data_format)
        self.keepdims = bool(keepdims)
        self.input_spec = InputSpec(ndim=self._rank + 2)
        first = 2 if self.data_format == "channels_first" else 1
        self._axes = tuple(range(first, first + self._rank))

    def build(self, input_shape):
        self._check_nonempty(input_shape)
        self.built = True

    def _check_nonempty(self, shape):
        for axis in self._axes:
            if shape[axis] == 0:
                raise ValueError(
                    f"Layer '{self.name}' cannot pool over an empty axis: axis {axis} of "
                    f"the input shape {tuple(shape)} is 0."
                )

    def compute_output_shape(self, input_shape):
        if self.keepdims:
            return _with_spatial(input_shape, (1,) * self._rank, self.data_format)
        channels = input_shape[1] if self.data_format == "channels_first" else input_shape[-1]
        return (input_shape[0], channels)

    def get_config(self):
        config = super().get_config()
        config.update({"data_format": self.data_format, "keepdims": self.keepdims})
        return config


class _GlobalMax(_GlobalPooling):
    def call(self, inputs):
        self._check_nonempty(inputs.shape)
        return torch.amax(inputs, dim=self._axes, keepdim=self.keepdims)


class _GlobalAverage(_GlobalPooling):
    def call(self, inputs):
        self._check_nonempty(inputs.shape)
        if not inputs.is_floating_point():
            inputs = inputs.to(torch_dtype(self.dtype))
        return torch.mean(inputs, dim=self._axes, keepdim=self.keepdims)


class GlobalMaxPooling1D(_GlobalMax):
    """Maximum over the steps of a sequence.

    Args:
        data_format: `'channels_last'` (default) or `'channels_first'`.
        keepdims: Keep the steps axis with length 1. Defaults to `False`.

    Input shape:
        3D tensor `(batch, steps, features)`.
    Output shape:
        `(batch, features)`, or `(batch, 1, features)` with `keepdims=True`.

    Example:

    >>> x = np.array([[[1.0], [3.0], [2.0]]], "float32")
    >>> tkeras.layers.GlobalMaxPooling1D()(x).tolist()
    [[3.0]]
    """

    _rank = 1

    def __init__(self, data_format="channels_last", keepdims=False, **kwargs):
        super().__init__(data_format, keepdims, **kwargs)


class GlobalAveragePooling1D(_GlobalAverage):
    """Mean over the steps of a sequence. With a mask (e.g. from `Embedding(mask_zero=True)`)
    only the unmasked steps are averaged, as in Keras 2; the output carries no mask.

    Args:
        data_format: `'channels_last'` (default) or `'channels_first'`.
        keepdims: Keep the steps axis with length 1. Defaults to `False`.

    Input shape:
        3D tensor `(batch, steps, features)`; optional mask `(batch, steps)`.
    Output shape:
        `(batch, features)`, or `(batch, 1, features)` with `keepdims=True`.

    Example:

    >>> x = np.array([[[1.0], [3.0], [2.0]]], "float32")
    >>> tkeras.layers.GlobalAveragePooling1D()(x).tolist()
    [[2.0]]
    """

    _rank = 1

    def __init__(self, data_format="channels_last", keepdims=False, **kwargs):
        super().__init__(data_format, keepdims, **kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return super().call(inputs)
        self._check_nonempty(inputs.shape)
        axis = self._axes[0]
        assert_mask_shape(self.name, mask, inputs, (inputs.shape[0], inputs.shape[axis]))
        weights = mask.to(inputs.dtype).unsqueeze(2 if axis == 1 else 1)
        total = torch.sum(inputs * weights, dim=axis, keepdim=self.keepdims)
        return total / torch.sum(weights, dim=axis, keepdim=self.keepdims)

    def compute_mask(self, inputs, mask=None):
        return None


class GlobalMaxPooling2D(_GlobalMax):
    """Maximum over the rows and columns of an image.

    Args:
        data_format: `'channels_last'` or `'channels_first'`. Defaults to
            `image_data_format()`.
        keepdims: Keep the spatial axes with length 1. Defaults to `False`.

    Input shape:
        4D tensor `(batch, rows, cols, channels)` (channels_last).
    Output shape:
        `(batch, channels)`, or `(batch, 1, 1, channels)` with `keepdims=True`.

    Example:

    >>> x = np.zeros((2, 4, 5, 3), "float32")
    >>> tuple(tkeras.layers.GlobalMaxPooling2D(keepdims=True)(x).shape)
    (2, 1, 1, 3)
    """

    _rank = 2


class GlobalAveragePooling2D(_GlobalAverage):
    """Mean over the rows and columns of an image.

    Args:
        data_format: `'channels_last'` or `'channels_first'`. Defaults to
            `image_data_format()`.
        keepdims: Keep the spatial axes with length 1. Defaults to `False`.

    Input shape:
        4D tensor `(batch, rows, cols, channels)` (channels_last).
    Output shape:
        `(batch, channels)`, or `(batch, 1, 1, channels)` with `keepdims=True`.

    Example:

    >>> x = np.zeros((2, 4, 5, 3), "float32")
    >>> tuple(tkeras.layers.GlobalAveragePooling2D()(x).shape)
    (2, 3)
    """

    _rank = 2


class GlobalMaxPooling3D(_GlobalMax):
    """Maximum over the three spatial dimensions of a volume.

    Args:
        data_format: `'channels_last'` or `'channels_first'`. Defaults to
            `image_data_format()`.
        keepdims: Keep the spatial axes with length 1. Defaults to `False`.

    Input shape:
        5D tensor `(batch, dim1, dim2, dim3, channels)` (channels_last).
    Output shape:
        `(batch, channels)`, or `(batch, 1, 1, 1, channels)` with `keepdims=True`.

    Example:

    >>> x = np.zeros((2, 3, 4, 5, 6), "float32")
    >>> tuple(tkeras.layers.GlobalMaxPooling3D()(x).shape)
    (2, 6)
    """

    _rank = 3


class GlobalAveragePooling3D(_GlobalAverage):
    """Mean over the three spatial dimensions of a volume.

    Args:
        data_format: `'channels_last'` or `'channels_first'`. Defaults to
            `image_data_format()`.
        keepdims: Keep the spatial axes with length 1. Defaults to `False`.

    Input shape:
        5D tensor `(batch, dim1, dim2, dim3, channels)` (channels_last).
    Output shape:
        `(batch, channels)`, or `(batch, 1, 1, 1, channels)` with `keepdims=True`.

    Example:

    >>> x = np.zeros((2, 3, 4, 5, 6), "float32")
    >>> tuple(tkeras.layers.GlobalAveragePooling3D(data_format="channels_first")(x).shape)
    (2, 3)
    """

    _rank = 3


# Keras 2 aliases.
MaxPool1D, MaxPool2D, MaxPool3D = MaxPooling1D, MaxPooling2D, MaxPooling3D
AvgPool1D, AvgPool2D, AvgPool3D = AveragePooling1D, AveragePooling2D, AveragePooling3D
GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D = (
    GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D)
GlobalAvgPool1D, GlobalAvgPool2D, GlobalAvgPool3D = (
    GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalAveragePooling3D)
