"""Tensor functions of the Keras 2 backend (`K.sum`, `K.batch_dot`, `K.categorical_crossentropy`,
...) written over torch.

Every function follows the Keras 2 signature and semantics (tf.keras `backend.py` where the two
Keras 2 lines differ). Functions that compute on tensors are decorated with `@symbolic`, so they
also work on the functional API's KerasTensors. Inputs may be torch tensors, NumPy arrays or
Python scalars where Keras accepts them; results are torch tensors.
"""
import builtins as _builtins
import numbers
import warnings

import numpy as np
import torch
import torch.nn.functional as F

from tkeras.backend._config import (
    _global_training_default,
    current_device,
    epsilon,
    floatx,
    is_keras_tensor,
    learning_phase,
    normalize_data_format,
)
from tkeras.backend._dispatch import symbolic

__all__ = [
    # variables and values
    "variable", "constant", "zeros", "ones", "eye", "zeros_like", "ones_like",
    "get_value", "set_value", "batch_get_value", "batch_set_value", "eval", "count_params",
    "update", "update_add", "update_sub", "moving_average_update",
    "is_tensor", "dtype", "cast",
    # shapes
    "shape", "int_shape", "ndim", "reshape", "flatten", "batch_flatten", "expand_dims",
    "squeeze", "permute_dimensions", "transpose", "concatenate", "stack", "repeat",
    "repeat_elements", "tile", "one_hot", "gather", "slice", "arange", "reverse",
    # math and reductions
    "mean", "sum", "max", "min", "prod", "std", "var", "any", "all", "square", "sqrt",
    "exp", "log", "abs", "pow", "clip", "maximum", "minimum", "round", "sign", "cumsum",
    "cumprod", "logsumexp", "cos", "sin",
    # linear algebra
    "dot", "batch_dot",
    # comparisons and arg ops
    "equal", "not_equal", "greater", "greater_equal", "less", "less_equal", "argmax",
    "argmin", "switch",
    # random
    "random_normal", "random_uniform", "random_binomial", "random_bernoulli",
    "truncated_normal",
    # nn
    "relu", "elu", "softmax", "softplus", "softsign", "sigmoid", "hard_sigmoid", "tanh",
    "dropout", "l2_normalize", "bias_add", "categorical_crossentropy",
    "sparse_categorical_crossentropy", "binary_crossentropy", "in_train_phase",
    "in_test_phase",
    # graph
    "gradients", "stop_gradient", "function", "print_tensor",
]

_DTYPES = {
    "float16": torch.float16, "half": torch.float16, "bfloat16": torch.bfloat16,
    "float32": torch.float32, "float": torch.float32, "float64": torch.float64,
    "double": torch.float64, "int8": torch.int8, "int16": torch.int16,
    "int32": torch.int32, "int64": torch.int64, "uint8": torch.uint8, "bool": torch.bool,
    "complex64": torch.complex64, "complex128": torch.complex128,
}


# ---------------------------------------------------------------------------------------------
# Internal helpers
# ---------------------------------------------------------------------------------------------


def _torch_dtype(dtype):
    """Maps a Keras dtype (`'float32'`, a NumPy or torch dtype, `None` = floatx) to torch."""
    if dtype is None:
        return _DTYPES[floatx()]
    if isinstance(dtype, torch.dtype):
        return dtype
    name = dtype if isinstance(dtype, str) else np.dtype(dtype).name
    name = name.replace("_ref", "")  # Keras 2.3 variables report 'float32_ref'
    try:
        return _DTYPES[name]
    except KeyError:
        raise TypeError(
            f"Unsupported dtype. Expected one of {sorted(_DTYPES)}. Received: dtype={dtype!r}"
        ) from None


def _device():
    """Device for tensors created from nothing."""
    dev = current_device()
    return torch.device(dev) if dev is not None else torch.get_default_device()


def _to_tensor(x, like=None):
    """Keeps torch tensors; converts NumPy arrays, lists and scalars to tensors.

    Floats become floatx (or the dtype of `like`); integer and bool arrays keep their dtype.
    The result goes to `like`'s device, else to `current_device()`.
    """
    if isinstance(x, torch.Tensor):
        return x
    arr = np.asarray(x)
    device = like.device if isinstance(like, torch.Tensor) else _device()
    if arr.dtype.kind in "fc":
        target = like.dtype if isinstance(like, torch.Tensor) and like.is_floating_point() else None
        return torch.as_tensor(arr, dtype=target or _torch_dtype(None), device=device)
    if arr.ndim == 0 and arr.dtype.kind in "iub" and isinstance(x, (numbers.Number, bool)):
        # A bare Python int/bool in a math function: Keras would make a float tensor.
        return torch.as_tensor(arr, dtype=_torch_dtype(None), device=device)
    return torch.as_tensor(arr, device=device)


def _operand(y, x):
    """Second operand of a binary op: Python scalars stay scalars (torch handles them)."""
    if isinstance(y, (torch.Tensor, numbers.Number)):
        return y
    return _to_tensor(y, like=x)


def _axis(axis):
    """Normalises a Keras `axis` (None, int, list, tuple) for torch reductions."""
    if axis is None or isinstance(axis, int):
        return axis
    if isinstance(axis, torch.Tensor):
        axis = axis.tolist()
    if isinstance(axis, (list, tuple)):
        return tuple(int(a) for a in axis)
    return int(axis)


def _all_dims(x):
    return tuple(range(x.dim()))


def _to_float(x):
    return x if x.is_floating_point() else x.to(_torch_dtype(None))


def _shape_arg(shape):
    """A shape given as ints, 0-d tensors or a 1-D tensor -> tuple of ints."""
    if isinstance(shape, torch.Tensor):
        shape = shape.tolist()
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(int(s) for s in shape)


# ---------------------------------------------------------------------------------------------
# Variables and values
# ---------------------------------------------------------------------------------------------


def variable(value, dtype=None, name=None, constraint=None):
    """Instantiates a variable: a tensor holding a copy of `value`.

    Args:
        value: NumPy array, tensor or Python number, the initial value.
        dtype: String dtype. Defaults to `floatx()`.
        name: Optional name (kept as `x._keras_name`).
        constraint: Optional projection function (kept as `x.constraint`).

    Floating-point variables require grad, so `K.gradients` can differentiate with respect
    to them.

    Example:

    >>> v = K.variable(np.array([[1, 2], [3, 4]]))
    >>> K.dtype(v), K.get_value(v).tolist()
    ('float32', [[1.0, 2.0], [3.0, 4.0]])
    """
    dt = _torch_dtype(dtype)
    if isinstance(value, torch.Tensor):
        v = value.detach().to(dtype=dt, copy=True)
    else:
        v = torch.tensor(np.asarray(value), dtype=dt, device=_device())
    from tkeras.engine.base_layer import as_keras_buffer

    v = as_keras_buffer(v)  # with tf.Variable's assign, assign_add, assign_sub
    if v.is_floating_point() or v.is_complex():
        v.requires_grad_(True)
    v._keras_name = name
    v.constraint = constraint
    return v


def constant(value, dtype=None, shape=None, name=None):
    """Creates a constant tensor.

    Args:
        value: A scalar, list or NumPy array.
        dtype: String dtype. Defaults to `floatx()`.
        shape: Optional shape. A scalar `value` is broadcast to it, otherwise `value` is
            reshaped to it.
        name: Ignored (kept for Keras compatibility).
    """
    dt = _torch_dtype(dtype)
    if isinstance(value, torch.Tensor):
        t = value.detach().to(dtype=dt)
    else:
        t = torch.as_tensor(np.asarray(value), dtype=dt, device=_device())
    if shape is not None:
        shape = _shape_arg(shape)
        t = t.expand(shape).clone() if t.numel() == 1 else t.reshape(shape)
    return t


def zeros(shape, dtype=None, name=None):
    """All-zeros tensor of `shape` (on the current device).

    >>> K.get_value(K.zeros((2, 3))).shape
    (2, 3)
    """
    return torch.zeros(_shape_arg(shape), dtype=_torch_dtype(dtype), device=_device())


def ones(shape, dtype=None, name=None):
    """All-ones tensor of `shape` (on the current device)."""
    return torch.ones(_shape_arg(shape), dtype=_torch_dtype(dtype), device=_device())


def eye(size, dtype=None, name=None):
    """Identity matrix. `size` is an int (square) or a tuple `(rows, columns)`."""
    if isinstance(size, (tuple, list)):
        n, m = size
    else:
        n, m = size, size
    return torch.eye(int(n), int(m), dtype=_torch_dtype(dtype), device=_device())


@symbolic
def zeros_like(x, dtype=None, name=None):
    """Zeros with the shape of `x` (and its dtype unless `dtype` is given)."""
    x = _to_tensor(x)
    return torch.zeros_like(x, dtype=None if dtype is None else _torch_dtype(dtype))


@symbolic
def ones_like(x, dtype=None, name=None):
    """Ones with the shape of `x` (and its dtype unless `dtype` is given)."""
    x = _to_tensor(x)
    return torch.ones_like(x, dtype=None if dtype is None else _torch_dtype(dtype))


def get_value(x):
    """Value of a tensor or variable as a NumPy array (a NumPy scalar for 0-d tensors).

    >>> float(K.get_value(K.variable(3.0)))
    3.0
    """
    if not isinstance(x, torch.Tensor):
        return np.asarray(x)
    t = x.detach()
    if t.dtype == torch.bfloat16:
        t = t.float()
    arr = t.cpu().numpy()
    if t.device.type == "cpu" and arr.base is not None:
        arr = arr.copy()  # never hand out a view of the live weight
    return arr[()] if arr.ndim == 0 else arr


def eval(x):
    """Evaluates a tensor: same as `get_value`."""
    return get_value(x)


def batch_get_value(tensors):
    """`get_value` of each tensor in a list."""
    return [get_value(x) for x in tensors]


def set_value(x, value):
    """Copies a NumPy value into a tensor or `nn.Parameter` in place.

    Args:
        x: The tensor to update.
        value: Array-like with the shape of `x`.
    """
    if isinstance(value, torch.Tensor):
        v = value.detach().to(device=x.device, dtype=x.dtype)
    else:
        v = torch.as_tensor(np.asarray(value), dtype=x.dtype, device=x.device)
    if tuple(v.shape) != tuple(x.shape):
        raise ValueError(
            f"`set_value` expected a value of shape {tuple(x.shape)}, matching the variable. "
            f"Received: value with shape {tuple(v.shape)}"
        )
    with torch.no_grad():
        x.copy_(v)


def batch_set_value(tuples):
    """`set_value` for each `(tensor, value)` pair of a list."""
    for x, value in tuples:
        set_value(x, value)


def count_params(x):
    """Number of scalars in `x`."""
    return int(np.prod(int_shape(x)))


def update(x, new_x):
    """Sets `x` to `new_x` in place (outside autograd); returns `x`."""
    with torch.no_grad():
        x.copy_(_to_tensor(new_x, like=x))
    return x


def update_add(x, increment):
    """Adds `increment` to `x` in place (outside autograd); returns `x`."""
    with torch.no_grad():
        x.add_(_operand(increment, x))
    return x


def update_sub(x, decrement):
    """Subtracts `decrement` from `x` in place (outside autograd); returns `x`."""
    with torch.no_grad():
        x.sub_(_operand(decrement, x))
    return x


def moving_average_update(x, value, momentum):
    """`x = x * momentum + value * (1 - momentum)`, in place; returns `x`."""
    with torch.no_grad():
        x.mul_(momentum).add_(_operand(value, x).detach(), alpha=1.0 - momentum)
    return x


def is_tensor(x):
    """True for torch tensors and KerasTensors."""
    return isinstance(x, torch.Tensor) or is_keras_tensor(x)


def dtype(x):
    """Dtype of `x` as a string, e.g. `'float32'`."""
    d = getattr(x, "dtype", None)
    if d is None:
        return np.asarray(x).dtype.name
    if isinstance(d, torch.dtype):
        return str(d).replace("torch.", "")
    if isinstance(d, str):
        return d
    return np.dtype(d).name


@symbolic
def cast(x, dtype):
    """Casts `x` to `dtype` (`'float32'`, `'int64'`, `'bool'`, ...).

    >>> K.cast(torch.tensor([1.7, -0.2]), 'int32').tolist()
    [1, 0]
    """
    return _to_tensor(x).to(_torch_dtype(dtype))


# ---------------------------------------------------------------------------------------------
# Shapes
# ---------------------------------------------------------------------------------------------


def shape(x):
    """Shape of `x` as a tuple; for a KerasTensor the batch entry is `None`.

    On a torch tensor every entry is an int, so `K.shape(z)[0]` is the batch size.
    """
    return tuple(x.shape) if hasattr(x, "shape") else np.shape(x)


def int_shape(x):
    """Shape of `x` as a tuple of ints (`None` for a KerasTensor's unknown dims).

    >>> K.int_shape(torch.zeros(2, 3))
    (2, 3)
    """
    if hasattr(x, "shape"):
        return tuple(x.shape)
    return np.shape(x)


def ndim(x):
    """Number of axes of `x`."""
    return len(int_shape(x))


@symbolic
def reshape(x, shape):
    """Reshapes `x`; `shape` may contain one `-1`."""
    return _to_tensor(x).reshape(_shape_arg(shape))


@symbolic
def flatten(x):
    """Flattens `x` to 1-D."""
    return _to_tensor(x).reshape(-1)


@symbolic
def batch_flatten(x):
    """Flattens every axis but the first: `(batch, ...)` -> `(batch, prod(...))`."""
    x = _to_tensor(x)
    if x.dim() < 2:
        return x.reshape(-1, 1)
    return torch.flatten(x, 1)


@symbolic
def expand_dims(x, axis=-1):
    """Inserts a size-1 axis at `axis` (`-1` appends one)."""
    return torch.unsqueeze(_to_tensor(x), axis)


@symbolic
def squeeze(x, axis):
    """Removes the size-1 axis `axis`."""
    return torch.squeeze(_to_tensor(x), axis)


@symbolic
def permute_dimensions(x, pattern):
    """Permutes axes: `pattern` is a tuple of axis indices, e.g. `(0, 2, 1)`."""
    return _to_tensor(x).permute(*_shape_arg(pattern))


@symbolic
def transpose(x):
    """Reverses the order of the axes (the matrix transpose for 2-D)."""
    x = _to_tensor(x)
    return x.permute(*reversed(range(x.dim())))


@symbolic
def concatenate(tensors, axis=-1):
    """Concatenates a list of tensors along `axis`."""
    return torch.cat([_to_tensor(t) for t in tensors], dim=axis)


@symbolic
def stack(x, axis=0):
    """Stacks a list of same-shape tensors along a new axis `axis`."""
    return torch.stack([_to_tensor(t) for t in x], dim=axis)


@symbolic
def repeat(x, n):
    """Repeats a 2-D tensor `n` times: `(samples, dim)` -> `(samples, n, dim)`."""
    x = _to_tensor(x)
    if x.dim() != 2:
        raise ValueError(
            f"`repeat` expects a 2D tensor (samples, dim). Received: x with shape {tuple(x.shape)}"
        )
    return x.unsqueeze(1).repeat(1, int(n), 1)


@symbolic
def repeat_elements(x, rep, axis):
    """Repeats each element `rep` times along `axis`, as `np.repeat`.

    >>> K.repeat_elements(torch.tensor([[1, 2]]), 2, axis=1).tolist()
    [[1, 1, 2, 2]]
    """
    return torch.repeat_interleave(_to_tensor(x), int(rep), dim=axis)


@symbolic
def tile(x, n):
    """Tiles `x` by `n` (an int or a tuple with one entry per axis)."""
    if isinstance(n, int):
        n = [n]
    return torch.tile(_to_tensor(x), _shape_arg(n))


@symbolic
def one_hot(indices, num_classes):
    """One-hot encodes integer `indices` into a floatx tensor with a new last axis.

    Out-of-range indices give all-zero rows, as in TensorFlow.

    >>> K.one_hot(torch.tensor([0, 2]), 3).tolist()
    [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
    """
    indices = _to_tensor(np.asarray(indices).astype("int64")
                         if not isinstance(indices, torch.Tensor) else indices)
    classes = torch.arange(int(num_classes), device=indices.device)
    return (indices.unsqueeze(-1) == classes).to(_torch_dtype(None))


@symbolic
def gather(reference, indices):
    """Picks entries of `reference` along axis 0: result shape `indices.shape + ref.shape[1:]`."""
    reference = _to_tensor(reference)
    if not isinstance(indices, torch.Tensor):
        indices = torch.as_tensor(np.asarray(indices, dtype="int64"), device=reference.device)
    return reference[indices.long()]


@symbolic
def slice(x, start, size):
    """Extracts the block `x[start[i] : start[i] + size[i]]` on every axis (`size -1` = rest)."""
    x = _to_tensor(x)
    start, size = _shape_arg(start), _shape_arg(size)
    index = tuple(
        _builtins.slice(b, None if s == -1 else b + s) for b, s in zip(start, size)
    )
    return x[index]


def arange(start, stop=None, step=1, dtype="int32"):
    """1-D tensor of the integers `start, start + step, ...` below `stop` (`tf.range`).

    A single negative argument gives an empty tensor, as in Keras.
    """
    if stop is None and start < 0:
        start = 0
    if stop is None:
        start, stop = 0, start
    return torch.arange(start, stop, step, device=_device()).to(_torch_dtype(dtype))


@symbolic
def reverse(x, axes):
    """Reverses `x` along `axes` (an int or a list of ints)."""
    if isinstance(axes, int):
        axes = [axes]
    return torch.flip(_to_tensor(x), dims=_axis(axes))


# ---------------------------------------------------------------------------------------------
# Math and reductions
# ---------------------------------------------------------------------------------------------


@symbolic
def mean(x, axis=None, keepdims=False):
    """Mean over `axis` (None = all; an int, list or tuple; negatives allowed)."""
    x = _to_float(_to_tensor(x))
    axis = _axis(axis)
    if axis is None:
        return x.mean(dim=_all_dims(x), keepdim=keepdims) if keepdims else x.mean()
    return x.mean(dim=axis, keepdim=keepdims)


@symbolic
def sum(x, axis=None, keepdims=False):
    """Sum over `axis` (None = all)."""
    x = _to_tensor(x)
    axis = _axis(axis)
    if axis is None:
        return x.sum(dim=_all_dims(x), keepdim=keepdims) if keepdims else x.sum()
    return x.sum(dim=axis, keepdim=keepdims)


@symbolic
def max(x, axis=None, keepdims=False):
    """Maximum over `axis` (None = all)."""
    x = _to_tensor(x)
    axis = _axis(axis)
    return torch.amax(x, dim=_all_dims(x) if axis is None else axis, keepdim=keepdims)


@symbolic
def min(x, axis=None, keepdims=False):
    """Minimum over `axis` (None = all)."""
    x = _to_tensor(x)
    axis = _axis(axis)
    return torch.amin(x, dim=_all_dims(x) if axis is None else axis, keepdim=keepdims)


@symbolic
def prod(x, axis=None, keepdims=False):
    """Product over `axis` (None = all)."""
    x = _to_tensor(x)
    axis = _axis(axis)
    if axis is None:
        if not keepdims:
            return x.prod()
        axis = _all_dims(x)
    if isinstance(axis, int):
        return x.prod(dim=axis, keepdim=keepdims)
    # torch.prod takes one axis: reduce the highest axes first so indices stay valid.
    for a in sorted({a % x.dim() for a in axis}, reverse=True):
        x = x.prod(dim=a, keepdim=keepdims)
    return x


@symbolic
def var(x, axis=None, keepdims=False):
    """Population variance over `axis` (divides by N, as Keras)."""
    x = _to_float(_to_tensor(x))
    axis = _axis(axis)
    return torch.var(x, dim=axis, correction=0, keepdim=keepdims)


@symbolic
def std(x, axis=None, keepdims=False):
    """Population standard deviation over `axis` (divides by N, as Keras)."""
    x = _to_float(_to_tensor(x))
    axis = _axis(axis)
    return torch.std(x, dim=axis, correction=0, keepdim=keepdims)


@symbolic
def any(x, axis=None, keepdims=False):
    """Logical OR over `axis` (None = all); returns a bool tensor."""
    x = _to_tensor(x).bool()
    axis = _axis(axis)
    return torch.any(x, dim=_all_dims(x) if axis is None else axis, keepdim=keepdims)


@symbolic
def all(x, axis=None, keepdims=False):
    """Logical AND over `axis` (None = all); returns a bool tensor."""
    x = _to_tensor(x).bool()
    axis = _axis(axis)
    return torch.all(x, dim=_all_dims(x) if axis is None else axis, keepdim=keepdims)


@symbolic
def square(x):
    """Element-wise square."""
    return torch.square(_to_tensor(x))


@symbolic
def sqrt(x):
    """Element-wise square root; negative entries are clipped to 0 first, as Keras."""
    return torch.sqrt(torch.clamp(_to_tensor(x), min=0.0))


@symbolic
def exp(x):
    """Element-wise exponential."""
    return torch.exp(_to_tensor(x))


@symbolic
def log(x):
    """Element-wise natural logarithm."""
    return torch.log(_to_tensor(x))


@symbolic
def abs(x):
    """Element-wise absolute value."""
    return torch.abs(_to_tensor(x))


@symbolic
def pow(x, a):
    """Element-wise `x ** a`."""
    x = _to_tensor(x)
    return torch.pow(x, _operand(a, x))


@symbolic
def clip(x, min_value, max_value):
    """Clips values to `[min_value, max_value]`; `None` bounds are open.

    As in Keras, a `max_value` below `min_value` is raised to `min_value`.
    """
    x = _to_tensor(x)
    if isinstance(min_value, numbers.Number) and isinstance(max_value, numbers.Number):
        if max_value < min_value:
            max_value = min_value
    if min_value is not None and not isinstance(min_value, numbers.Number):
        min_value = _to_tensor(min_value, like=x)
    if max_value is not None and not isinstance(max_value, numbers.Number):
        max_value = _to_tensor(max_value, like=x)
    return torch.clamp(x, min=min_value, max=max_value)


@symbolic
def maximum(x, y):
    """Element-wise maximum of two tensors (or a tensor and a number)."""
    x = _to_tensor(x)
    y = _to_tensor(y, like=x)
    return torch.maximum(x, y)


@symbolic
def minimum(x, y):
    """Element-wise minimum of two tensors (or a tensor and a number)."""
    x = _to_tensor(x)
    y = _to_tensor(y, like=x)
    return torch.minimum(x, y)


@symbolic
def round(x):
    """Element-wise rounding to the nearest integer, halves to even (as TensorFlow)."""
    return torch.round(_to_tensor(x))


@symbolic
def sign(x):
    """Element-wise sign: -1, 0 or 1."""
    return torch.sign(_to_tensor(x))


@symbolic
def cumsum(x, axis=0):
    """Cumulative sum along `axis`."""
    return torch.cumsum(_to_tensor(x), dim=axis)


@symbolic
def cumprod(x, axis=0):
    """Cumulative product along `axis`."""
    return torch.cumprod(_to_tensor(x), dim=axis)


@symbolic
def logsumexp(x, axis=None, keepdims=False):
    """`log(sum(exp(x), axis))`, computed stably."""
    x = _to_float(_to_tensor(x))
    axis = _axis(axis)
    return torch.logsumexp(x, dim=_all_dims(x) if axis is None else axis, keepdim=keepdims)


@symbolic
def cos(x):
    """Element-wise cosine."""
    return torch.cos(_to_tensor(x))


@symbolic
def sin(x):
    """Element-wise sine."""
    return torch.sin(_to_tensor(x))


# ---------------------------------------------------------------------------------------------
# Linear algebra
# ---------------------------------------------------------------------------------------------


@symbolic
def dot(x, y):
    """Dot product as `np.dot`: sums the last axis of `x` with the second-to-last of `y`.

    Shapes: `(2, 3) . (3, 4) -> (2, 4)`, `(2, 3, 4) . (4, 5) -> (2, 3, 5)`,
    `(2, 3, 4) . (7, 4, 5) -> (2, 3, 7, 5)`.
    """
    x = _to_tensor(x)
    y = _to_tensor(y, like=x)
    if y.dim() <= 2:
        return torch.matmul(x, y)
    return torch.tensordot(x, y, dims=([x.dim() - 1], [y.dim() - 2]))


@symbolic
def batch_dot(x, y, axes=None):
    """Batchwise dot product: for each sample `i`, the dot of `x[i]` and `y[i]` over `axes`.

    Args:
        x: Tensor with `ndim >= 2`.
        y: Tensor with `ndim >= 2`.
        axes: Int or pair of ints, the axes of `x` and `y` to sum over (never 0, the batch
            axis). Defaults to the last axis of `x` and the second-to-last of `y` (the last
            when `y` is 2-D).

    Returns:
        `x`'s shape without the summed axis, followed by `y`'s shape without the batch and
        summed axes. A result of rank 1 becomes `(batch, 1)`.

    Example:

    >>> x = torch.ones(32, 20, 1); y = torch.ones(32, 30, 20)
    >>> tuple(K.batch_dot(x, y, axes=(1, 2)).shape)
    (32, 1, 30)
    """
    x = _to_tensor(x)
    y = _to_tensor(y, like=x)
    x_ndim, y_ndim = x.dim(), y.dim()
    if x_ndim < 2 or y_ndim < 2:
        raise ValueError(
            "Cannot do batch_dot on inputs with rank < 2. "
            f"Received inputs with shapes {tuple(x.shape)} and {tuple(y.shape)}."
        )
    if x.shape[0] != y.shape[0]:
        raise ValueError(
            "Cannot do batch_dot on inputs with different batch sizes. "
            f"Received inputs with shapes {tuple(x.shape)} and {tuple(y.shape)}."
        )
    if isinstance(axes, int):
        axes = (axes, axes)
    if axes is None:
        axes = (x_ndim - 1, y_ndim - 1) if y_ndim == 2 else (x_ndim - 1, y_ndim - 2)
    if _builtins.any(isinstance(a, (list, tuple)) for a in axes):
        raise ValueError(
            "Multiple target dimensions are not supported. Expected: None, int, (int, int). "
            f"Received: axes={axes}"
        )
    a0, a1 = int(axes[0]) % x_ndim, int(axes[1]) % y_ndim
    if a0 == 0 or a1 == 0:
        raise ValueError(
            f"Cannot perform batch_dot over axis 0. If your inputs are not batched, add a "
            f"dummy batch dimension to your inputs using K.expand_dims(x, 0). Received: axes={axes}"
        )
    if x.shape[a0] != y.shape[a1]:
        raise ValueError(
            f"Cannot do batch_dot on inputs with shapes {tuple(x.shape)} and "
            f"{tuple(y.shape)} with axes={axes}. x.shape[{a0}] != y.shape[{a1}] "
            f"({x.shape[a0]} != {y.shape[a1]})."
        )
    if x_ndim == 2:
        x = x.unsqueeze(1)
        a0 += 1
    if y_ndim == 2:
        y = y.unsqueeze(2)
    # x: reduced axis last; y: reduced axis second. Then squash to rank 3 and matmul.
    x = torch.movedim(x, a0, -1)
    y = torch.movedim(y, a1, 1)
    x_mid, y_trail = x.shape[1:-1], y.shape[2:]
    result = torch.bmm(x.reshape(x.shape[0], -1, x.shape[-1]),
                       y.reshape(y.shape[0], y.shape[1], -1))
    result = result.reshape((result.shape[0],) + tuple(x_mid) + tuple(y_trail))
    if x_ndim == 2:
        result = result.squeeze(1)
    elif y_ndim == 2:
        result = result.squeeze(-1)
    return result


# ---------------------------------------------------------------------------------------------
# Comparisons and arg ops
# ---------------------------------------------------------------------------------------------


@symbolic
def equal(x, y):
    """Element-wise `x == y` (bool tensor)."""
    x = _to_tensor(x)
    return torch.eq(x, _operand(y, x))


@symbolic
def not_equal(x, y):
    """Element-wise `x != y` (bool tensor)."""
    x = _to_tensor(x)
    return torch.ne(x, _operand(y, x))


@symbolic
def greater(x, y):
    """Element-wise `x > y` (bool tensor)."""
    x = _to_tensor(x)
    return torch.gt(x, _operand(y, x))


@symbolic
def greater_equal(x, y):
    """Element-wise `x >= y` (bool tensor)."""
    x = _to_tensor(x)
    return torch.ge(x, _operand(y, x))


@symbolic
def less(x, y):
    """Element-wise `x < y` (bool tensor)."""
    x = _to_tensor(x)
    return torch.lt(x, _operand(y, x))


@symbolic
def less_equal(x, y):
    """Element-wise `x <= y` (bool tensor)."""
    x = _to_tensor(x)
    return torch.le(x, _operand(y, x))


@symbolic
def argmax(x, axis=-1):
    """Index of the maximum along `axis` (int64; the first one on ties)."""
    return torch.argmax(_to_tensor(x), dim=axis)


@symbolic
def argmin(x, axis=-1):
    """Index of the minimum along `axis` (int64; the first one on ties)."""
    return torch.argmin(_to_tensor(x), dim=axis)


@symbolic
def switch(condition, then_expression, else_expression):
    """Picks `then_expression` where `condition` is true, else `else_expression`.

    Args:
        condition: Scalar (Python bool, or 0-d tensor) or tensor of rank up to that of the
            expressions; a lower-rank condition applies to the leading axes.
        then_expression: Tensor, or callable returning one.
        else_expression: Tensor, or callable returning one.
    """
    if isinstance(condition, (bool, int, np.bool_, np.integer)):
        branch = then_expression if condition else else_expression
        return branch() if callable(branch) else branch
    if callable(then_expression):
        then_expression = then_expression()
    if callable(else_expression):
        else_expression = else_expression()
    condition = _to_tensor(condition).bool()
    then_expression = _to_tensor(then_expression)
    else_expression = _to_tensor(else_expression, like=then_expression)
    cond_ndim, expr_ndim = condition.dim(), then_expression.dim()
    if cond_ndim > expr_ndim:
        raise ValueError(
            "Rank of `condition` should be less than or equal to rank of `then_expression` "
            f"and `else_expression`. ndim(condition)={cond_ndim}, "
            f"ndim(then_expression)={expr_ndim}"
        )
    if cond_ndim > 0:
        condition = condition.reshape(tuple(condition.shape) + (1,) * (expr_ndim - cond_ndim))
    return torch.where(condition, then_expression, else_expression)


# ---------------------------------------------------------------------------------------------
# Random
# ---------------------------------------------------------------------------------------------

# One generator per (seed, device): a seeded op draws a reproducible sequence and does not
# repeat itself from call to call (a seeded Dropout gets a new mask each step), as in Keras.
_SEEDED_GENERATORS = {}


def _reset_random_generators():
    """Restarts the sequences of seeded random ops (tests; session resets)."""
    _SEEDED_GENERATORS.clear()


def _generator(seed, device):
    if seed is None or device.type == "meta":
        return None
    key = (int(seed), str(device))
    g = _SEEDED_GENERATORS.get(key)
    if g is None:
        g = torch.Generator(device=device)
        g.manual_seed(int(seed))
        _SEEDED_GENERATORS[key] = g
    return g


def random_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Tensor of normal samples on the current device.

    Args:
        shape: Tuple of ints (or 0-d tensors).
        mean: Mean of the distribution. Defaults to `0.0`.
        stddev: Standard deviation. Defaults to `1.0`.
        dtype: String dtype. Defaults to `floatx()`.
        seed: Integer seed: the same seed gives the same sequence of draws.
    """
    device = _device()
    out = torch.randn(_shape_arg(shape), dtype=_torch_dtype(dtype), device=device,
                      generator=_generator(seed, device))
    if stddev != 1.0:
        out = out * stddev
    if mean != 0.0:
        out = out + mean
    return out


def random_uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Tensor of samples uniform in `[minval, maxval)` on the current device."""
    device = _device()
    out = torch.rand(_shape_arg(shape), dtype=_torch_dtype(dtype), device=device,
                     generator=_generator(seed, device))
    if (minval, maxval) != (0.0, 1.0):
        out = out * (maxval - minval) + minval
    return out


def random_binomial(shape, p=0.0, dtype=None, seed=None):
    """Tensor of 0/1 samples, 1 with probability `p` (Keras: `uniform <= p`)."""
    return (random_uniform(shape, seed=seed) <= p).to(_torch_dtype(dtype))


def random_bernoulli(shape, p=0.0, dtype=None, seed=None):
    """Alias of `random_binomial` (tf.keras name)."""
    return random_binomial(shape, p=p, dtype=dtype, seed=seed)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normal samples truncated to two standard deviations around `mean`."""
    device = _device()
    out = torch.empty(_shape_arg(shape), dtype=_torch_dtype(dtype), device=device)
    if device.type == "meta":
        return out
    with torch.no_grad():
        torch.nn.init.trunc_normal_(out, 0.0, 1.0, -2.0, 2.0,
                                    generator=_generator(seed, device))
    if stddev != 1.0:
        out = out * stddev
    if mean != 0.0:
        out = out + mean
    return out


# ---------------------------------------------------------------------------------------------
# Neural network
# ---------------------------------------------------------------------------------------------


@symbolic
def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit, Keras 2 style.

    `f(x) = max_value` for `x >= max_value`, `x` for `threshold <= x < max_value`,
    `alpha * (x - threshold)` otherwise.
    """
    x = _to_tensor(x)
    if alpha != 0.0:
        if max_value is None and threshold == 0:
            return F.leaky_relu(x, negative_slope=alpha)
        negative_part = F.relu(-x + threshold) if threshold != 0 else F.relu(-x)
    clip_max = max_value is not None
    if threshold != 0:
        x = x * (x > threshold).to(x.dtype)
    elif max_value == 6:
        x = F.relu6(x)
        clip_max = False
    else:
        x = F.relu(x)
    if clip_max:
        x = torch.clamp(x, 0.0, max_value)
    if alpha != 0.0:
        x = x - alpha * negative_part
    return x


@symbolic
def elu(x, alpha=1.0):
    """Exponential linear unit: `x` if `x > 0` else `alpha * (exp(x) - 1)`."""
    return F.elu(_to_tensor(x), alpha=alpha)


@symbolic
def softmax(x, axis=-1):
    """Softmax along `axis`."""
    return torch.softmax(_to_tensor(x), dim=axis)


@symbolic
def softplus(x):
    """`log(exp(x) + 1)`."""
    return F.softplus(_to_tensor(x))


@symbolic
def softsign(x):
    """`x / (abs(x) + 1)`."""
    return F.softsign(_to_tensor(x))


@symbolic
def sigmoid(x):
    """Logistic sigmoid."""
    return torch.sigmoid(_to_tensor(x))


@symbolic
def hard_sigmoid(x):
    """Keras 2 hard sigmoid: `clip(0.2 * x + 0.5, 0, 1)`."""
    return torch.clamp(_to_tensor(x) * 0.2 + 0.5, 0.0, 1.0)


@symbolic
def tanh(x):
    """Hyperbolic tangent."""
    return torch.tanh(_to_tensor(x))


@symbolic
def dropout(x, level, noise_shape=None, seed=None):
    """Inverted dropout: zeroes entries with probability `level`, scales the rest by
    `1 / (1 - level)`.

    Args:
        x: Tensor.
        level: Fraction of entries to drop, in `[0, 1)`.
        noise_shape: Shape of the keep/drop mask, broadcast against `x` (e.g.
            `(batch, 1, features)` drops whole features); `None` entries take `x`'s size.
        seed: Integer seed for a reproducible sequence of masks.
    """
    x = _to_tensor(x)
    if noise_shape is None and seed is None:
        return F.dropout(x, p=float(level), training=True)
    mask_shape = tuple(x.shape) if noise_shape is None else tuple(
        x.shape[i] if s is None else int(s) for i, s in enumerate(noise_shape)
    )
    g = _generator(seed, x.device)
    keep = torch.rand(mask_shape, dtype=x.dtype, device=x.device, generator=g) >= level
    return x * keep.to(x.dtype) * (1.0 / (1.0 - level))


@symbolic
def l2_normalize(x, axis=None):
    """`x / sqrt(max(sum(x ** 2, axis), 1e-12))` (None = over all entries)."""
    x = _to_tensor(x)
    axis = _axis(axis)
    square_sum = torch.sum(torch.square(x), dim=_all_dims(x) if axis is None else axis,
                           keepdim=True)
    return x * torch.rsqrt(torch.clamp(square_sum, min=1e-12))


@symbolic
def bias_add(x, bias, data_format=None):
    """Adds `bias` to `x` along the channel axis.

    Args:
        x: Tensor.
        bias: 1-D bias over the channels, or a bias of rank `ndim(x) - 1` (all but batch).
        data_format: `'channels_last'` or `'channels_first'`. Defaults to
            `image_data_format()`.
    """
    data_format = normalize_data_format(data_format)
    x = _to_tensor(x)
    bias = _to_tensor(bias, like=x)
    if bias.dim() != 1 and bias.dim() != x.dim() - 1:
        raise ValueError(
            f"Unexpected bias dimensions {bias.dim()}, expected 1 or {x.dim() - 1} "
            f"dimensions. Received: bias with shape {tuple(bias.shape)} for x with shape "
            f"{tuple(x.shape)}."
        )
    if data_format == "channels_first" and x.dim() > 2:
        if bias.dim() == 1:
            return x + bias.reshape((1, -1) + (1,) * (x.dim() - 2))
        # Keras reshapes (not transposes) a (..., C) bias to (1, C, ...).
        return x + bias.reshape((1, bias.shape[-1]) + tuple(bias.shape[:-1]))
    return x + bias


def _get_logits(output, from_logits, op_type, fn_name):
    """The logits behind a softmax/sigmoid output (`output._keras_logits`), as tf.keras."""
    logits = getattr(output, "_keras_logits", None)
    if logits is None:
        return output, from_logits
    if from_logits:
        warnings.warn(
            f'"`{fn_name}` received `from_logits=True`, but the `output` argument was '
            f"produced by a {op_type} activation and thus does not represent logits. "
            "Was this intended?",
            stacklevel=3,
        )
    return logits, True


class _SoftmaxCrossEntropy(torch.autograd.Function):
    """`-sum(labels * log_softmax(logits))` with TensorFlow's backward pass: the gradient
    with respect to the logits is `softmax(logits) - labels` whatever `labels` sum to,
    and with respect to the labels `-log_softmax(logits)`."""

    @staticmethod
    def forward(ctx, labels, logits, axis):
        log_probs = torch.log_softmax(logits, dim=axis)
        ctx.save_for_backward(labels, log_probs)
        ctx.axis = axis
        return -torch.sum(labels * log_probs, dim=axis)

    @staticmethod
    def backward(ctx, grad):
        labels, log_probs = ctx.saved_tensors
        grad = grad.unsqueeze(ctx.axis)
        grad_logits = grad * (torch.exp(log_probs) - labels) \
            if ctx.needs_input_grad[1] else None
        grad_labels = -grad * log_probs if ctx.needs_input_grad[0] else None
        return grad_labels, grad_logits, None


def softmax_cross_entropy_with_logits(labels, logits, axis=-1):
    """`-sum(labels * log_softmax(logits))` with TensorFlow's gradient.

    tf.keras computes every logits crossentropy (`from_logits=True`, or a softmax output
    remembering its logits) with `tf.nn.softmax_cross_entropy_with_logits`, whose
    gradient with respect to the logits is `softmax(logits) - labels`: it takes each row
    of `labels` to sum to 1. Rows that do not (the all-zero targets of padded time steps
    in seq2seq models, unnormalized soft labels) train as they do on Keras 2 only with
    that gradient, which one autograd function gives without extra kernels.
    """
    if not (labels.requires_grad or logits.requires_grad):
        return -torch.sum(labels * torch.log_softmax(logits, dim=axis), dim=axis)
    return _SoftmaxCrossEntropy.apply(labels, logits, axis % logits.dim())


@symbolic
def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Cross-entropy between one-hot (or soft) targets and predicted probabilities.

    Args:
        target: Tensor with the shape of `output`.
        output: Probabilities (after softmax), or logits when `from_logits=True`.
        from_logits: Whether `output` holds logits. Defaults to `False`.
        axis: The class axis. Defaults to `-1`.

    As tf.keras: probabilities are rescaled to sum to 1, clipped to
    `[epsilon, 1 - epsilon]`, then `-sum(target * log(output))`. A softmax output that
    remembers its logits (`output._keras_logits`) uses the stable log-softmax path.
    """
    output = _to_tensor(output)
    target = _to_tensor(target, like=output)
    if tuple(target.shape) != tuple(output.shape):
        raise ValueError(
            f"Shapes {tuple(target.shape)} and {tuple(output.shape)} are incompatible: "
            "`target` and `output` of categorical_crossentropy must have the same shape."
        )
    output, from_logits = _get_logits(output, from_logits, "Softmax", "categorical_crossentropy")
    target = target.to(output.dtype)
    if from_logits:
        return softmax_cross_entropy_with_logits(target, output, axis)
    output = output / torch.sum(output, dim=axis, keepdim=True)
    eps = epsilon()
    output = torch.clamp(output, eps, 1.0 - eps)
    return -torch.sum(target * torch.log(output), dim=axis)


@symbolic
def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1,
                                    ignore_class=None):
    """Cross-entropy between integer targets and predicted probabilities.

    Args:
        target: Integer class indices, shape `output.shape` without the class axis (a
            trailing size-1 axis, as in `(batch, 1)`, is accepted).
        output: Probabilities, or logits when `from_logits=True`.
        from_logits: Whether `output` holds logits. Defaults to `False`.
        axis: The class axis of `output`. Defaults to `-1`.
        ignore_class: Optional class index whose entries get a loss of 0 (tf.keras 2.10+).

    Returns:
        Loss of shape `output.shape` without the class axis.
    """
    output = _to_tensor(output)
    output, from_logits = _get_logits(
        output, from_logits, "Softmax", "sparse_categorical_crossentropy"
    )
    if not from_logits:
        eps = epsilon()
        output = torch.log(torch.clamp(output, eps, 1.0 - eps))
    if not isinstance(target, torch.Tensor):
        target = torch.as_tensor(np.asarray(target), device=output.device)
    output = torch.movedim(output, axis, -1)
    target = target.long()
    if target.dim() != output.dim() - 1:
        target = target.reshape(output.shape[:-1])
    valid = None
    if ignore_class is not None:
        valid = target != ignore_class
        target = torch.where(valid, target, torch.zeros_like(target))
    logp = torch.log_softmax(output, dim=-1)
    res = -torch.gather(logp, -1, target.unsqueeze(-1)).squeeze(-1)
    if valid is not None:
        res = torch.where(valid, res, torch.zeros_like(res))
        res._keras_mask = valid
    return res


@symbolic
def binary_crossentropy(target, output, from_logits=False):
    """Element-wise binary cross-entropy.

    As tf.keras: probabilities are clipped to `[epsilon, 1 - epsilon]`, then
    `-(t * log(p + eps) + (1 - t) * log(1 - p + eps))`. With logits (or a sigmoid output
    that remembers them as `_keras_logits`) the stable logits formula is used.
    """
    output = _to_tensor(output)
    target = _to_tensor(target, like=output)
    output, from_logits = _get_logits(output, from_logits, "Sigmoid", "binary_crossentropy")
    target = target.to(output.dtype)
    if from_logits:
        # tf.nn.sigmoid_cross_entropy_with_logits' formula (exact for large |logits|).
        return (torch.clamp(output, min=0) - output * target
                + torch.log1p(torch.exp(-torch.abs(output))))
    eps = epsilon()
    output = torch.clamp(output, eps, 1.0 - eps)
    bce = target * torch.log(output + eps)
    bce = bce + (1.0 - target) * torch.log(1.0 - output + eps)
    return -bce


@symbolic
def in_train_phase(x, alt, training=None):
    """`x` in the training phase, `alt` otherwise (either may be a callable).

    Args:
        x: What to return in training.
        alt: What to return in inference.
        training: Bool, 0/1 or a 0-d tensor. Defaults to `learning_phase()`.
    """
    if training is None:
        training = learning_phase()
    if isinstance(training, torch.Tensor) and training.dim() > 0:
        raise ValueError(f"`training` must be a scalar. Received: shape {tuple(training.shape)}")
    if not isinstance(training, torch.Tensor):
        branch = x if training else alt
        return branch() if callable(branch) else branch
    return switch(training, x, alt)


@symbolic
def in_test_phase(x, alt, training=None):
    """`x` in the inference phase, `alt` otherwise (either may be a callable)."""
    return in_train_phase(alt, x, training=training)


# ---------------------------------------------------------------------------------------------
# Graph: gradients, stop_gradient, function
# ---------------------------------------------------------------------------------------------


def gradients(loss, variables):
    """Gradients of `loss` with respect to `variables`, as a list.

    A non-scalar `loss` is summed first (as `tf.gradients`); a variable `loss` does not
    depend on gets zeros. The graph is kept (and differentiable), so the gradients can
    enter a further loss (gradient penalties).
    """
    single = isinstance(variables, torch.Tensor)
    variables = [variables] if single else list(variables)
    if loss.dim() > 0:
        loss = loss.sum()
    wanted = [i for i, v in enumerate(variables) if v.requires_grad]
    grads = [None] * len(variables)
    if loss.requires_grad and wanted:
        found = torch.autograd.grad(loss, [variables[i] for i in wanted], retain_graph=True,
                                    create_graph=True, allow_unused=True)
        for i, g in zip(wanted, found):
            grads[i] = g
    return [torch.zeros_like(v) if g is None else g for v, g in zip(variables, grads)]


@symbolic
def stop_gradient(variables):
    """`x` with gradients blocked (a list of tensors gives a list)."""
    if isinstance(variables, (list, tuple)):
        return [_to_tensor(v).detach() for v in variables]
    return _to_tensor(variables).detach()


def print_tensor(x, message=""):
    """Prints `message` and the value of `x`; returns `x`."""
    print(message, x)
    return x


class _Function:
    """What `K.function` returns: runs a graph of the functional API on NumPy inputs."""

    def __init__(self, inputs, outputs, updates=None, name=None):
        inputs = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        self._n_slots = len(inputs)
        self._tensor_slots = [i for i, t in enumerate(inputs) if is_keras_tensor(t)]
        self._phase_slots = [i for i, t in enumerate(inputs) if not is_keras_tensor(t)]
        self._inputs = [inputs[i] for i in self._tensor_slots]
        self._single_output = not isinstance(outputs, (list, tuple))
        self._outputs = [outputs] if self._single_output else list(outputs)
        for o in self._outputs:
            if not is_keras_tensor(o):
                raise ValueError(
                    "`K.function` outputs must be symbolic tensors of the functional API "
                    f"(e.g. `layer.output`). Received: {o!r}"
                )
        self.updates = updates
        self.name = name
        self._model = None

    def _build(self):
        from tkeras.engine.functional import Functional

        self._model = Functional(self._inputs, self._outputs)

    def _device(self):
        for t in self._model.parameters():
            return t.device
        for t in self._model.buffers():
            return t.device
        return _device()

    def __call__(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            inputs = [inputs]
        if len(inputs) != self._n_slots:
            raise ValueError(
                f"This function expects {self._n_slots} inputs (in the order given to "
                f"`K.function`). Received: {len(inputs)} inputs"
            )
        if self._model is None:
            self._build()
        device = self._device()
        xs = []
        for i, kt in zip(self._tensor_slots, self._inputs):
            value = inputs[i]
            dt = _torch_dtype(getattr(kt, "dtype", None))
            if isinstance(value, torch.Tensor):
                xs.append(value.to(device=device, dtype=dt))
            else:
                xs.append(torch.as_tensor(np.asarray(value), dtype=dt, device=device))
        if self._phase_slots:
            training = bool(np.asarray(get_value(inputs[self._phase_slots[0]])))
        else:
            training = _global_training_default()
        with torch.no_grad():
            out = self._model(xs, training=training)
        outs = list(out) if isinstance(out, (list, tuple)) else [out]
        values = [get_value(o) for o in outs]
        return values[0] if self._single_output else values


def function(inputs, outputs, updates=None, name=None, **kwargs):
    """A callable `f(list_of_arrays) -> list_of_arrays` computing `outputs` from `inputs`.

    Args:
        inputs: List of symbolic inputs (`model.input`, ...). An entry that is not a
            symbolic tensor (Keras 2's `K.learning_phase()`) is the learning-phase slot: the
            value passed there (0 or 1) becomes the training flag.
        outputs: Symbolic tensor or list of them (`layer.output`, ...).
        updates: Ignored; layers update their own state.
        name: Optional name.

    Example (Keras 2 feature extraction):

        f = K.function([model.input, K.learning_phase()], [model.layers[1].output])
        features = f([x, 0])[0]
    """
    return _Function(inputs, outputs, updates=updates, name=name)
