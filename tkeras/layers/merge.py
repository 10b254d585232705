"""Merge layers: Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot and
their functional forms `add([a, b])`, ... (Keras 2's `keras.layers.merge`).

Element-wise merges follow Keras's `_Merge` broadcasting: inputs of lower rank get size-1
axes inserted after the batch axis, then sizes of 1 broadcast. Masks of the inputs are
combined (AND) into the output mask.
"""
import functools

import torch

from tkeras.backend import ops as K
from tkeras.engine.base_layer import Layer

__all__ = [
    "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot",
    "add", "subtract", "multiply", "average", "maximum", "minimum", "concatenate", "dot",
]


def _is_shape_list(input_shape):
    return isinstance(input_shape, (list, tuple)) and len(input_shape) > 0 and all(
        isinstance(s, (list, tuple, torch.Size)) for s in input_shape)


def _shape_str(shape):
    return str(tuple(shape))


def _shapes_str(shapes):
    return "[" + ", ".join(_shape_str(s) for s in shapes) + "]"


def _check_mask_list(inputs, mask):
    if not isinstance(mask, (list, tuple)):
        raise ValueError(f"`mask` should be a list. Received: mask={mask}")
    if not isinstance(inputs, (list, tuple)):
        raise ValueError(f"`inputs` should be a list. Received: inputs={inputs}")
    if len(mask) != len(inputs):
        raise ValueError(
            "The lists `inputs` and `mask` should have the same length. Received: "
            f"{len(inputs)} inputs and {len(mask)} masks."
        )


class _Merge(Layer):
    """Base of the element-wise merge layers (`keras.layers.merge._Merge`).

    Subclasses set `_op`, a binary torch function folded over the inputs, or implement
    `_merge_function(inputs)` on a list of tensors of equal rank.
    """

    _op = None

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def _merge_function(self, inputs):
        return functools.reduce(self._op, inputs)

    def _check_list(self, input_shape, what="A merge layer"):
        if not _is_shape_list(input_shape):
            raise ValueError(
                f"{what} should be called on a list of inputs. "
                f"Received: input_shape={input_shape} (not a list of shapes)"
            )
        if len(input_shape) < 2:
            raise ValueError(
                f"{what} should be called on a list of at least 2 inputs. "
                f"Got {len(input_shape)} inputs. "
                f"Full input_shape received: {_shapes_str(input_shape)}"
            )

    def _elemwise_shape(self, shape1, shape2):
        """Broadcast of two shapes without the batch axis (right-aligned, as Keras)."""
        if len(shape1) < len(shape2):
            shape1, shape2 = shape2, shape1
        if not shape2:
            return tuple(shape1)
        out = list(shape1[:len(shape1) - len(shape2)])
        for i, j in zip(shape1[len(shape1) - len(shape2):], shape2):
            if i is None or j is None:
                out.append(None)
            elif i == 1:
                out.append(j)
            elif j == 1 or i == j:
                out.append(i)
            else:
                raise ValueError(
                    f"Operands could not be broadcast together with shapes "
                    f"{_shape_str(shape1)} {_shape_str(shape2)}. Layer '{self.name}' needs "
                    "inputs whose sizes match (or are 1) on every axis but the batch axis."
                )
        return tuple(out)

    def _merged_shape(self, input_shape):
        batch_sizes = {s[0] for s in input_shape if len(s)} - {None}
        if len(batch_sizes) > 1:
            raise ValueError(
                "Cannot merge tensors with different batch sizes. Got tensors with shapes "
                f"{_shapes_str(input_shape)}"
            )
        out = tuple(input_shape[0][1:])
        for shape in input_shape[1:]:
            out = self._elemwise_shape(out, tuple(shape[1:]))
        batch = next(iter(batch_sizes)) if batch_sizes else None
        return (batch,) + out

    def build(self, input_shape):
        self._check_list(input_shape)
        self._merged_shape(input_shape)
        self.built = True

    def call(self, inputs):
        self._check_call_shapes(inputs)
        ndims = [x.ndim for x in inputs]
        top = max(ndims)
        if min(ndims) != top:
            # Keras inserts the missing axes right after the batch axis.
            inputs = [x.reshape(x.shape[:1] + (1,) * (top - x.ndim) + x.shape[1:])
                      for x in inputs]
        return self._merge_function(inputs)

    def _check_call_shapes(self, inputs):
        """The door: shapes that broadcast on the batch axis (or not at all) would reach
        torch's elementwise kernels; Keras refuses them."""
        self._merged_shape([tuple(x.shape) for x in inputs])

    def compute_output_shape(self, input_shape):
        self._check_list(input_shape)
        return self._merged_shape(input_shape)

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        _check_mask_list(inputs, mask)
        masks = [m for m in mask if m is not None]
        if not masks:
            return None
        out = masks[0].bool()
        for m in masks[1:]:
            out = torch.logical_and(out, m)
        return out


class Add(_Merge):
    """Sums a list of inputs of the same shape (or broadcastable, as Keras).

    Example:

    >>> a, b = np.ones((2, 3), "float32"), np.full((2, 3), 2.0, "float32")
    >>> tkeras.layers.Add()([a, b]).tolist()
    [[3.0, 3.0, 3.0], [3.0, 3.0, 3.0]]
    """

    _op = torch.add


class Subtract(_Merge):
    """Subtracts the second input from the first: exactly 2 inputs.

    Example:

    >>> a, b = np.ones((1, 2), "float32"), np.full((1, 2), 3.0, "float32")
    >>> tkeras.layers.Subtract()([a, b]).tolist()
    [[-2.0, -2.0]]
    """

    def build(self, input_shape):
        super().build(input_shape)
        if len(input_shape) != 2:
            raise ValueError(
                "A `Subtract` layer should be called on exactly 2 inputs. "
                f"Received: input_shape={_shapes_str(input_shape)}"
            )

    _op = torch.sub


class Multiply(_Merge):
    """Element-wise product of a list of inputs.

    Example:

    >>> a, b = np.full((1, 2), 2.0, "float32"), np.full((1, 2), 3.0, "float32")
    >>> tkeras.layers.Multiply()([a, b]).tolist()
    [[6.0, 6.0]]
    """

    _op = torch.mul


class Average(_Merge):
    """Element-wise mean of a list of inputs.

    Example:

    >>> a, b = np.full((1, 2), 2.0, "float32"), np.full((1, 2), 4.0, "float32")
    >>> tkeras.layers.Average()([a, b]).tolist()
    [[3.0, 3.0]]
    """

    _op = torch.add

    def _merge_function(self, inputs):
        return super()._merge_function(inputs) / len(inputs)


class Maximum(_Merge):
    """Element-wise maximum of a list of inputs.

    Example:

    >>> a, b = np.array([[1.0, 5.0]], "float32"), np.array([[3.0, 2.0]], "float32")
    >>> tkeras.layers.Maximum()([a, b]).tolist()
    [[3.0, 5.0]]
    """

    _op = torch.maximum


class Minimum(_Merge):
    """Element-wise minimum of a list of inputs.

    Example:

    >>> a, b = np.array([[1.0, 5.0]], "float32"), np.array([[3.0, 2.0]], "float32")
    >>> tkeras.layers.Minimum()([a, b]).tolist()
    [[1.0, 2.0]]
    """

    _op = torch.minimum


class Concatenate(_Merge):
    """Concatenates a list of inputs along `axis`; all other axes must match.

    Args:
        axis: Axis along which to concatenate. Defaults to `-1`.

    The output mask (when an input has one) is True where every concatenated input is
    unmasked; inputs without a mask count as unmasked.

    Example:

    >>> a, b = np.zeros((2, 3), "float32"), np.zeros((2, 4), "float32")
    >>> tuple(tkeras.layers.Concatenate()([a, b]).shape)
    (2, 7)
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise TypeError(f"`axis` must be an int. Received: axis={axis!r}")
        self.axis = axis

    def build(self, input_shape):
        self._check_shapes(input_shape)
        self.built = True

    def _check_shapes(self, input_shape):
        self._check_list(input_shape, "A `Concatenate` layer")
        error = ("A `Concatenate` layer requires inputs with matching shapes except for the "
                 f"concatenation axis. Received: input_shape={_shapes_str(input_shape)}")
        ranks = {len(s) for s in input_shape}
        if len(ranks) != 1:
            raise ValueError(error)
        rank = ranks.pop()
        if not -rank <= self.axis < rank:
            raise ValueError(
                f"Invalid `axis` for Concatenate layer '{self.name}': axis={self.axis} for "
                f"inputs of rank {rank}. Received: input_shape={_shapes_str(input_shape)}"
            )
        axis = self.axis % rank
        for dim in range(rank):
            if dim == axis:
                continue
            sizes = {s[dim] for s in input_shape} - {None}
            if len(sizes) > 1:
                raise ValueError(error)

    def _check_call_shapes(self, inputs):
        self._check_shapes([tuple(x.shape) for x in inputs])

    def call(self, inputs):
        self._check_call_shapes(inputs)
        return torch.cat(inputs, dim=self.axis)

    def compute_output_shape(self, input_shape):
        self._check_list(input_shape, "A `Concatenate` layer")
        out = list(input_shape[0])
        for shape in input_shape[1:]:
            if out[self.axis] is None or shape[self.axis] is None:
                out[self.axis] = None
                break
            out[self.axis] += shape[self.axis]
        return tuple(out)

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        _check_mask_list(inputs, mask)
        if all(m is None for m in mask):
            return None
        full = []
        for x, m in zip(inputs, mask):
            if m is None:
                full.append(torch.ones(x.shape, dtype=torch.bool, device=x.device))
                continue
            m = m.bool()
            if m.ndim < x.ndim:
                m = m.unsqueeze(-1)
            full.append(m.expand(x.shape))
        return torch.cat(full, dim=self.axis).all(dim=-1)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config


class Dot(_Merge):
    """Dot product of two samples-wise tensors over `axes` (Keras's `K.batch_dot`).

    Args:
        axes: Int or pair of ints: the axis of each input to sum over (never 0, the batch
            axis).
        normalize: Whether to L2-normalize both inputs along `axes` first, giving the
            cosine proximity. Defaults to `False`.

    Output shape:
        The first input's shape without its summed axis, followed by the second's without
        its batch and summed axes; `(batch, 1)` for two 2D inputs.

    Example:

    >>> a, b = np.ones((2, 3), "float32"), np.full((2, 3), 2.0, "float32")
    >>> tkeras.layers.Dot(axes=1)([a, b]).tolist()
    [[6.0], [6.0]]
    """

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axes, int) or isinstance(axes, bool):
            if not isinstance(axes, (list, tuple)):
                raise TypeError(
                    "Invalid type for argument `axes`: it should be a list or an int. "
                    f"Received: axes={axes!r}"
                )
            if len(axes) != 2:
                raise ValueError(
                    "Invalid format for argument `axes`: it should contain two elements. "
                    f"Received: axes={axes!r}"
                )
            if not all(isinstance(a, int) and not isinstance(a, bool) for a in axes):
                raise ValueError(
                    "Invalid format for argument `axes`: list elements should be integers. "
                    f"Received: axes={axes!r}"
                )
            axes = list(axes)
        self.axes = axes
        self.normalize = bool(normalize)

    def _axes_for(self, ndim1, ndim2):
        if isinstance(self.axes, int):
            if self.axes < 0:
                return [self.axes % ndim1, self.axes % ndim2]
            return [self.axes, self.axes]
        return [a % n if a < 0 else a for a, n in zip(self.axes, (ndim1, ndim2))]

    def build(self, input_shape):
        if not _is_shape_list(input_shape) or len(input_shape) != 2:
            raise ValueError(
                "A `Dot` layer should be called on a list of 2 inputs. "
                f"Received: input_shape={input_shape}"
            )
        shape1, shape2 = (tuple(s) for s in input_shape)
        if len(shape1) < 2 or len(shape2) < 2:
            raise ValueError(
                f"A `Dot` layer needs inputs of rank >= 2 (a batch axis and at least one "
                f"more). Received: input_shape={_shapes_str(input_shape)}"
            )
        axes = self._axes_for(len(shape1), len(shape2))
        if not (0 < axes[0] < len(shape1) and 0 < axes[1] < len(shape2)):
            raise ValueError(
                f"Invalid `axes` for Dot layer '{self.name}': axes={self.axes} for inputs of "
                f"shapes {_shape_str(shape1)} and {_shape_str(shape2)}. Each axis must be "
                "a non-batch axis of its input (axis 0 is the batch axis)."
            )
        if None not in (shape1[axes[0]], shape2[axes[1]]) and shape1[axes[0]] != shape2[axes[1]]:
            raise ValueError(
                f"Incompatible input shapes: axis values {shape1[axes[0]]} (at axis {axes[0]}) "
                f"!= {shape2[axes[1]]} (at axis {axes[1]}). "
                f"Full input shapes: {_shape_str(shape1)}, {_shape_str(shape2)}"
            )
        self.built = True

    def call(self, inputs):
        x1, x2 = inputs
        axes = self._axes_for(x1.ndim, x2.ndim)
        if self.normalize:
            x1 = K.l2_normalize(x1, axis=axes[0])
            x2 = K.l2_normalize(x2, axis=axes[1])
        return K.batch_dot(x1, x2, axes)

    def compute_output_shape(self, input_shape):
        if not _is_shape_list(input_shape) or len(input_shape) != 2:
            raise ValueError(
                "A `Dot` layer should be called on a list of 2 inputs. "
                f"Received: input_shape={input_shape}"
            )
        shape1, shape2 = list(input_shape[0]), list(input_shape[1])
        axes = self._axes_for(len(shape1), len(shape2))
        shape1.pop(axes[0])
        shape2.pop(axes[1])
        shape2.pop(0)
        out = shape1 + shape2
        return tuple(out + [1] if len(out) == 1 else out)

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self):
        config = super().get_config()
        config.update({"axes": self.axes, "normalize": self.normalize})
        return config


def add(inputs, **kwargs):
    """Functional form of `Add`: `add([a, b])`."""
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    """Functional form of `Subtract`: `subtract([a, b])` is `a - b`."""
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    """Functional form of `Multiply`."""
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    """Functional form of `Average`."""
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    """Functional form of `Maximum`."""
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    """Functional form of `Minimum`."""
    return Minimum(**kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    """Functional form of `Concatenate`: `concatenate([a, b], axis=-1)`."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes, normalize=False, **kwargs):
    """Functional form of `Dot`: `dot([a, b], axes=1)`."""
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
