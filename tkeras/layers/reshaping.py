"""Resampling and shape layers: UpSampling1D/2D/3D, ZeroPadding1D/2D/3D,
Cropping1D/2D/3D (Keras 2 exports them from `keras.layers.convolutional`)."""
import functools

import numpy as np
import torch
import torch.nn.functional as F

from tkeras.backend import _config
from tkeras.engine.base_layer import Layer
from tkeras.engine.input_spec import InputSpec
from tkeras.layers.pooling import (
    _from_channels_first,
    _normalize_pairs,
    _normalize_tuple,
    _spatial_dims,
    _to_channels_first,
    _with_spatial,
)

__all__ = [
    "UpSampling1D", "UpSampling2D", "UpSampling3D",
    "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D",
    "Cropping1D", "Cropping2D", "Cropping3D",
]

# tf.image.resize methods UpSampling2D accepts.
_INTERPOLATIONS = ("nearest", "bilinear", "bicubic", "area", "lanczos3", "lanczos5",
                   "gaussian", "mitchellcubic")
_F32 = np.float32


def _spatial_axes(rank, data_format):
    first = 2 if data_format == "channels_first" else 1
    return tuple(range(first, first + rank))


def _repeat_axes(x, axes, sizes):
    """Nearest-neighbour upsampling: every element repeated `size` times along each
    spatial axis (`axes` are the spatial axes, in order)."""
    if x.is_floating_point():
        # torch's nearest kernel on the NC... view (channels_last memory stays so);
        # 'nearest-exact' samples pixel centres, so integer factors repeat exactly.
        data_format = "channels_first" if axes[0] == 2 else "channels_last"
        view = _to_channels_first(x, data_format)
        size = [d * s for d, s in zip(view.shape[2:], sizes)]
        y = F.interpolate(view, size=size, mode="nearest-exact")
        return _from_channels_first(y, data_format)
    for axis, s in zip(axes, sizes):  # integer tensors: torch has no kernel for them
        x = x.repeat_interleave(s, dim=axis)
    return x


def _scaled_shape(input_shape, axes, factors):
    shape = list(input_shape)
    for axis, f in zip(axes, factors):
        shape[axis] = None if shape[axis] is None else shape[axis] * f
    return tuple(shape)


# ---------------------------------------------------------------- tf.image.resize kernels
# The other tf.image.resize methods are separable linear maps: per axis, a matrix
# `(out, in)` whose rows are TensorFlow's sampling weights (float32, as its kernels use).
def _bicubic_weights(n, out):
    """`resize_bicubic(half_pixel_centers=True)`: Keys cubic (a = -0.5) read from TF's
    1024-step table; taps outside the image get weight 0 and the rest are renormalized."""
    x = np.arange(1025, dtype=np.float64) / 1024
    near = (((-0.5 + 2) * x - (-0.5 + 3)) * x * x + 1).astype(_F32)
    x = x + 1
    far = (((-0.5 * x + 2.5) * x - 4) * x + 2).astype(_F32)
    pos = (np.arange(out, dtype=_F32) + _F32(0.5)) * (_F32(n) / _F32(out)) - _F32(0.5)
    base = np.floor(pos)
    offset = np.rint((pos - base) * _F32(1024)).astype(np.int64)
    taps = base.astype(np.int64)[:, None] + np.arange(-1, 3)
    weights = np.stack([far[offset], near[offset], near[1024 - offset], far[1024 - offset]], 1)
    weights = np.where((taps >= 0) & (taps < n), weights, _F32(0))
    return weights / weights.sum(1, keepdims=True, dtype=_F32), np.clip(taps, 0, n - 1)


def _area_weights(n, out):
    """`resize_area`: the overlap of each output cell with the input cells, in TF's float32
    arithmetic (cells past the end are clamped to the last one)."""
    scale = _F32(n) / _F32(out)
    lo = (np.arange(out, dtype=_F32) * scale)[:, None]
    hi = (np.arange(1, out + 1, dtype=_F32) * scale)[:, None]
    cells = np.arange(int(np.ceil(hi.max())) + 1, dtype=_F32)[None, :]
    overlap = np.where(cells < lo, np.where(cells + 1 > hi, scale, cells + 1 - lo),
                       np.where(cells + 1 > hi, hi - cells, _F32(1)))
    inside = (cells >= np.floor(lo)) & (cells < np.ceil(hi))
    weights = np.where(inside, overlap, _F32(0)).astype(_F32) / scale
    return weights, np.broadcast_to(np.minimum(cells, n - 1).astype(np.int64), weights.shape)


def _lanczos(radius):
    def kernel(x):
        with np.errstate(invalid="ignore", divide="ignore"):
            value = radius * np.sin(np.pi * x) * np.sin(np.pi * x / radius) / (np.pi * x) ** 2
        return np.where(x > radius, 0.0, np.where(x <= 1e-3, 1.0, value))
    return kernel


def _gaussian(x):
    return np.where(x >= 1.5, 0.0, np.exp(-x * x / (2 * 0.5 ** 2)))


def _mitchell(x):
    inner = (7 / 6 * x - 2) * x * x + 8 / 9
    outer = ((-7 / 18 * x + 2) * x - 10 / 3) * x + 16 / 9
    return np.where(x >= 2, 0.0, np.where(x >= 1, outer, inner))


# `scale_and_translate` kernels: (function of |distance|, radius).
_SAMPLING_KERNELS = {"lanczos3": (_lanczos(3), 3), "lanczos5": (_lanczos(5), 5),
                     "gaussian": (_gaussian, 1.5), "mitchellcubic": (_mitchell, 2)}


def _kernel_weights(n, out, method):
    """`scale_and_translate` (upsampling, so no antialiasing): kernel weights of the input
    centres within the radius of each output centre, normalized to sum to 1."""
    kernel, radius = _SAMPLING_KERNELS[method]
    sample = (np.arange(out, dtype=_F32) + _F32(0.5)) * (_F32(1) / (_F32(out) / _F32(n)))
    start = np.clip(np.ceil(sample - radius - 0.5), 0, n - 1)[:, None]
    end = np.clip(np.floor(sample + radius - 0.5), 0, n - 1)[:, None] + 1
    cells = np.arange(n)[None, :]
    weights = kernel(np.abs(cells + 0.5 - sample[:, None].astype(np.float64)))
    weights = np.where((cells >= start) & (cells < end), weights, 0.0).astype(_F32)
    return weights / weights.sum(1, keepdims=True, dtype=_F32), np.broadcast_to(cells, weights.shape)


@functools.lru_cache(maxsize=64)
def _resize_matrix(n, out, method):
    if method == "bicubic":
        weights, cols = _bicubic_weights(n, out)
    elif method == "area":
        weights, cols = _area_weights(n, out)
    else:
        weights, cols = _kernel_weights(n, out, method)
    matrix = np.zeros((out, n), _F32)
    np.add.at(matrix, (np.repeat(np.arange(out), weights.shape[1]), cols.ravel()),
              weights.ravel())
    return matrix


def _resize_separable(x, size, method):
    """`(b, c, h, w)` resized to `size` by TF's `method`, one matrix product per axis."""
    rows, cols = (torch.as_tensor(_resize_matrix(n, out, method), dtype=x.dtype,
                                  device=x.device)
                  for n, out in zip(x.shape[2:], size))
    return torch.einsum("oh,bchw,pw->bcop", rows, x, cols)


# ---------------------------------------------------------------- UpSampling
class UpSampling1D(Layer):
    """Repeats each step of a sequence `size` times.

    Args:
        size: Int, the upsampling factor. Defaults to `2`.

    Input shape:
        3D tensor `(batch, steps, features)`.
    Output shape:
        3D tensor `(batch, steps * size, features)`.

    Example:

    >>> x = np.array([[[1.0], [2.0]]], "float32")
    >>> tkeras.layers.UpSampling1D(2)(x)[0, :, 0].tolist()
    [1.0, 1.0, 2.0, 2.0]
    """

    def __init__(self, size=2, **kwargs):
        super().__init__(**kwargs)
        self.size = _normalize_tuple(size, 1, "size", example="UpSampling1D(size=2)")[0]
        self.input_spec = InputSpec(ndim=3)

    def call(self, inputs):
        return _repeat_axes(inputs, (1,), (self.size,))

    def compute_output_shape(self, input_shape):
        return _scaled_shape(input_shape, (1,), (self.size,))

    def get_config(self):
        config = super().get_config()
        config["size"] = self.size
        return config


class UpSampling2D(Layer):
    """Upsamples an image by `size` rows and columns.

    Args:
        size: Int or tuple of 2 ints, the row and column factors. Defaults to `(2, 2)`.
        data_format: `'channels_last'` or `'channels_first'`. Defaults to
            `image_data_format()`.
        interpolation: `'nearest'` (default, repeats pixels), `'bilinear'`, `'bicubic'`,
            `'area'`, `'lanczos3'`, `'lanczos5'`, `'gaussian'` or `'mitchellcubic'`: the
            methods of TensorFlow's `tf.image.resize` (half-pixel centers, no corner
            alignment), with its numerics.

    Input shape:
        4D tensor `(batch, rows, cols, channels)` (channels_last).
    Output shape:
        4D tensor `(batch, rows * size[0], cols * size[1], channels)`.

    Example:

    >>> x = np.array([[[[1.0], [2.0]]]], "float32")  # (1, 1, 2, 1)
    >>> tkeras.layers.UpSampling2D((1, 2))(x)[0, 0, :, 0].tolist()
    [1.0, 1.0, 2.0, 2.0]
    >>> tkeras.layers.UpSampling2D((1, 2), interpolation="bilinear")(x)[0, 0, :, 0].tolist()
    [1.0, 1.25, 1.75, 2.0]
    """

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        self.data_format = _config.normalize_data_format(data_format)
        self.size = _normalize_tuple(size, 2, "size", example="UpSampling2D(size=(2, 2))")
        method = interpolation.lower() if isinstance(interpolation, str) else interpolation
        if method not in _INTERPOLATIONS:
            raise ValueError(
                f"`interpolation` must be one of {', '.join(map(repr, _INTERPOLATIONS))}. "
                f"Received: interpolation={interpolation!r}"
            )
        self.interpolation = method
        self.input_spec = InputSpec(ndim=4)
        self._axes = _spatial_axes(2, self.data_format)

    def call(self, inputs):
        if self.interpolation == "nearest":
            return _repeat_axes(inputs, self._axes, self.size)
        x = _to_channels_first(inputs, self.data_format)
        size = (x.shape[2] * self.size[0], x.shape[3] * self.size[1])
        if 0 in size:  # nothing to resize (torch's resize kernels refuse empty images)
            y = x.new_zeros(tuple(x.shape[:2]) + size)
        elif self.interpolation == "bilinear":
            # tf.image.resize's bilinear: half-pixel centers, edges clamped.
            y = F.interpolate(x, size=size, mode="bilinear", align_corners=False)
        else:
            y = _resize_separable(x, size, self.interpolation)
        return _from_channels_first(y, self.data_format)

    def compute_output_shape(self, input_shape):
        return _scaled_shape(input_shape, self._axes, self.size)

    def get_config(self):
        config = super().get_config()
        config.update({"size": self.size, "data_format": self.data_format,
                       "interpolation": self.interpolation})
        return config


class UpSampling3D(Layer):
    """Repeats each voxel of a volume `size` times along each spatial dimension.

    Args:
        size: Int or tuple of 3 ints. Defaults to `(2, 2, 2)`.
        data_format: `'channels_last'` or `'channels_first'`. Defaults to
            `image_data_format()`.

    Input shape:
        5D tensor `(batch, dim1, dim2, dim3, channels)` (channels_last).
    Output shape:
        5D tensor `(batch, dim1 * size[0], dim2 * size[1], dim3 * size[2], channels)`.

    Example:

    >>> x = np.zeros((1, 2, 3, 4, 5), "float32")
    >>> tuple(tkeras.layers.UpSampling3D((1, 2, 3))(x).shape)
    (1, 2, 6, 12, 5)
    """

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = _config.normalize_data_format(data_format)
        self.size = _normalize_tuple(size, 3, "size", example="UpSampling3D(size=(2, 2, 2))")
        self.input_spec = InputSpec(ndim=5)
        self._axes = _spatial_axes(3, self.data_format)

    def call(self, inputs):
        return _repeat_axes(inputs, self._axes, self.size)

    def compute_output_shape(self, input_shape):
        return _scaled_shape(input_shape, self._axes, self.size)

    def get_config(self):
        config = super().get_config()
        config.update({"size": self.size, "data_format": self.data_format})
        return config


# ---------------------------------------------------------------- ZeroPadding / Cropping
class _Resize(Layer):
    """Adds (ZeroPadding) or removes (Cropping) steps at both ends of each spatial axis."""

    _rank = None
    _arg = None  # 'padding' or 'cropping'

    def __init__(self, amounts, data_format="channels_last", **kwargs):
        super().__init__(**kwargs)
        self.data_format = _config.normalize_data_format(data_format)
        self._axes = _spatial_axes(self._rank, self.data_format)
        self.input_spec = InputSpec(ndim=self._rank + 2)
        setattr(self, self._arg, amounts)

    def _sign(self):
        return 1 if self._arg == "padding" else -1

    def compute_output_shape(self, input_shape):
        amounts = getattr(self, self._arg)
        spatial = [None if d is None else d + self._sign() * (a + b)
                   for d, (a, b) in zip(_spatial_dims(input_shape, self.data_format), amounts)]
        return _with_spatial(input_shape, spatial, self.data_format)

    def get_config(self):
        config = super().get_config()
        config[self._arg] = getattr(self, self._arg)
        if self._rank > 1:
            config["data_format"] = self.data_format
        return config


class _ZeroPadding(_Resize):
    _arg = "padding"

    def call(self, inputs):
        pads = []
        for axis in range(inputs.ndim - 1, 0, -1):  # F.pad lists the last axis first
            if axis in self._axes:
                before, after = self.padding[self._axes.index(axis)]
                pads += [before, after]
            else:
                pads += [0, 0]
        return F.pad(inputs, pads)


class _Cropping(_Resize):
    _arg = "cropping"

    def build(self, input_shape):
        sizes = _spatial_dims(input_shape, self.data_format)
        for axis, size, (start, end) in zip(self._axes, sizes, self.cropping):
            if size is not None and start + end >= size:
                raise ValueError(
                    f"`cropping` removes {start} + {end} steps from axis {axis} of layer "
                    f"'{self.name}', whose input has only {size} there. "
                    f"Received: cropping={self.cropping}, input shape {tuple(input_shape)}"
                )
        self.built = True

    def call(self, inputs):
        for axis, (start, end) in zip(self._axes, self.cropping):
            inputs = inputs.narrow(axis, start, inputs.shape[axis] - start - end)
        return inputs


class ZeroPadding1D(_ZeroPadding):
    """Adds rows of zeros at the start and end of a sequence.

    Args:
        padding: Int (same amount at both ends) or tuple of 2 ints `(start, end)`.
            Defaults to `1`.

    Input shape:
        3D tensor `(batch, steps, features)`.
    Output shape:
        3D tensor `(batch, start + steps + end, features)`.

    Example:

    >>> x = np.ones((1, 2, 1), "float32")
    >>> tkeras.layers.ZeroPadding1D((1, 2))(x)[0, :, 0].tolist()
    [0.0, 1.0, 1.0, 0.0, 0.0]
    """

    _rank = 1

    def __init__(self, padding=1, **kwargs):
        padding = (_normalize_tuple(padding, 2, "padding", allow_zero=True,
                                    example="ZeroPadding1D(padding=(1, 2))"),)
        super().__init__(padding, **kwargs)

    def get_config(self):
        config = super().get_config()
        config["padding"] = self.padding[0]
        return config


class ZeroPadding2D(_ZeroPadding):
    """Adds rows and columns of zeros around an image.

    Args:
        padding: Int, tuple of 2 ints `(rows, cols)` (symmetric), or tuple of 2 tuples
            `((top, bottom), (left, right))`. Defaults to `(1, 1)`.
        data_format: `'channels_last'` or `'channels_first'`. Defaults to
            `image_data_format()`.

    Input shape:
        4D tensor `(batch, rows, cols, channels)` (channels_last).
    Output shape:
        4D tensor `(batch, padded_rows, padded_cols, channels)`.

    Example:

    >>> x = np.zeros((2, 3, 4, 5), "float32")
    >>> tuple(tkeras.layers.ZeroPadding2D(((1, 0), (2, 3)))(x).shape)
    (2, 4, 9, 5)
    """

    _rank = 2

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        padding = _normalize_pairs(padding, 2, "padding", "ZeroPadding2D(((1, 1), (2, 2)))")
        super().__init__(padding, data_format, **kwargs)


class ZeroPadding3D(_ZeroPadding):
    """Adds zeros around the three spatial dimensions of a volume.

    Args:
        padding: Int, tuple of 3 ints (symmetric), or tuple of 3 tuples of 2 ints
            `((start, end), ...)`. Defaults to `(1, 1, 1)`.
        data_format: `'channels_last'` or `'channels_first'`. Defaults to
            `image_data_format()`.

    Input shape:
        5D tensor `(batch, dim1, dim2, dim3, channels)` (channels_last).
    Output shape:
        5D tensor with each spatial dimension padded.

    Example:

    >>> x = np.zeros((1, 2, 3, 4, 5), "float32")
    >>> tuple(tkeras.layers.ZeroPadding3D((1, 0, 2))(x).shape)
    (1, 4, 3, 8, 5)
    """

    _rank = 3

    def __init__(self, padding=(1, 1, 1), data_format=None, **kwargs):
        padding = _normalize_pairs(padding, 3, "padding",
                                   "ZeroPadding3D(((1, 1), (2, 2), (0, 1)))")
        super().__init__(padding, data_format, **kwargs)


class Cropping1D(_Cropping):
    """Removes steps from the start and end of a sequence.

    Args:
        cropping: Int or tuple of 2 ints, steps to drop at (start, end).
            Defaults to `(1, 1)`.

    Input shape:
        3D tensor `(batch, steps, features)`.
    Output shape:
        3D tensor `(batch, steps - start - end, features)`.

    Example:

    >>> x = np.zeros((2, 5, 3))
    >>> tuple(tkeras.layers.Cropping1D((1, 2))(x).shape)
    (2, 2, 3)
    """

    _rank = 1

    def __init__(self, cropping=(1, 1), **kwargs):
        cropping = (_normalize_tuple(cropping, 2, "cropping", allow_zero=True,
                                     example="Cropping1D(cropping=(1, 2))"),)
        super().__init__(cropping, **kwargs)

    def get_config(self):
        config = super().get_config()
        config["cropping"] = self.cropping[0]
        return config


class Cropping2D(_Cropping):
    """Removes rows and columns at the borders of an image.

    Args:
        cropping: Int, tuple of 2 ints `(rows, cols)` (symmetric), or tuple of 2 tuples
            `((top, bottom), (left, right))`. Defaults to `((0, 0), (0, 0))`.
        data_format: `'channels_last'` or `'channels_first'`. Defaults to
            `image_data_format()`.

    Input shape:
        4D tensor `(batch, rows, cols, channels)` (channels_last).
    Output shape:
        4D tensor `(batch, cropped_rows, cropped_cols, channels)`.

    Example:

    >>> x = np.zeros((2, 28, 28, 3), "float32")
    >>> tuple(tkeras.layers.Cropping2D(((2, 2), (4, 4)))(x).shape)
    (2, 24, 20, 3)
    """

    _rank = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        cropping = _normalize_pairs(cropping, 2, "cropping", "Cropping2D(((1, 1), (2, 2)))")
        super().__init__(cropping, data_format, **kwargs)


class Cropping3D(_Cropping):
    """Removes borders along the three spatial dimensions of a volume.

    Args:
        cropping: Int, tuple of 3 ints (symmetric), or tuple of 3 tuples of 2 ints.
            Defaults to `((1, 1), (1, 1), (1, 1))`.
        data_format: `'channels_last'` or `'channels_first'`. Defaults to
            `image_data_format()`.

    Input shape:
        5D tensor `(batch, dim1, dim2, dim3, channels)` (channels_last).
    Output shape:
        5D tensor with each spatial dimension cropped.

    Example:

    >>> x = np.zeros((1, 4, 5, 6, 2), "float32")
    >>> tuple(tkeras.layers.Cropping3D()(x).shape)
    (1, 2, 3, 4, 2)
    """

    _rank = 3

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        cropping = _normalize_pairs(cropping, 3, "cropping",
                                    "Cropping3D(((1, 1), (2, 2), (0, 1)))")
        super().__init__(cropping, data_format, **kwargs)
