"""Weight regularizers (`keras.regularizers`).

A regularizer is called on a weight tensor (in the Keras layout) and returns a
scalar penalty tensor that is added to the loss during training:

>>> import torch
>>> float(L1L2(l1=0.5, l2=0.25)(torch.tensor([1.0, -2.0])))
2.75

Penalty factors are stored as float32, as in Keras 2, so `L2(0.01).get_config()`
gives `{'l2': 0.009999999776482582}`, the number written in Keras 2 files.
"""
import math
import numbers

import numpy as np
import torch

from tkeras.utils.generic_utils import deserialize_keras_object, serialize_builtin

__all__ = [
    "Regularizer", "L1L2", "L1", "L2", "OrthogonalRegularizer",
    "l1", "l2", "l1_l2", "orthogonal_regularizer",
    "get", "serialize", "deserialize",
]


def _check_penalty_number(name, x):
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise ValueError(
            f"`{name}` must be a regularization penalty number (an int or a float). "
            f"Received: {name}={x!r}"
        )
    if math.isinf(x) or math.isnan(x):
        raise ValueError(
            f"`{name}` must be a finite regularization penalty number; infinity and "
            f"NaN are not valid. Received: {name}={x!r}"
        )


def _floatx_number(x):
    # Keras 2 keeps penalties as float32 (backend.cast_to_floatx).
    return float(np.float32(x))


class Regularizer:
    """Base class of regularizers: `__call__(x)` returns a scalar penalty tensor.

    Subclass it and implement `__call__` and `get_config` for a custom regularizer;
    any plain function `fn(weights) -> scalar tensor` works as well.

    Example:

    >>> class SumSquares(Regularizer):
    ...     def __call__(self, x):
    ...         return 0.5 * torch.sum(x * x)
    ...     def get_config(self):
    ...         return {}
    >>> float(SumSquares()(torch.ones(4)))
    2.0
    """

    def __call__(self, x):
        return torch.zeros((), dtype=getattr(x, "dtype", None), device=getattr(x, "device", None))

    def get_config(self):
        """Returns the constructor arguments as a JSON-serializable dict."""
        raise NotImplementedError(f"{self} does not implement `get_config()`.")

    @classmethod
    def from_config(cls, config):
        """Builds a regularizer from the dict returned by `get_config()`."""
        return cls(**config)

    def __repr__(self):
        try:
            args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        except NotImplementedError:
            args = ""
        return f"{self.__class__.__name__}({args})"


class L1L2(Regularizer):
    """Regularizer for L1 and L2 penalties: `l1 * sum(|x|) + l2 * sum(x ** 2)`.

    Args:
        l1: Float, L1 regularization factor. Defaults to `0.0`.
        l2: Float, L2 regularization factor. Defaults to `0.0`.

    Example:

    >>> float(L1L2(l2=0.5)(torch.tensor([1.0, 2.0])))
    2.5
    """

    def __init__(self, l1=0.0, l2=0.0):
        # Defaults differ from l1_l2()'s on purpose (as in Keras): L1L2(l2=0.1) has
        # no L1 penalty.
        l1 = 0.0 if l1 is None else l1
        l2 = 0.0 if l2 is None else l2
        _check_penalty_number("l1", l1)
        _check_penalty_number("l2", l2)
        self.l1 = _floatx_number(l1)
        self.l2 = _floatx_number(l2)

    def __call__(self, x):
        regularization = torch.zeros((), dtype=x.dtype, device=x.device)
        if self.l1:
            regularization = regularization + self.l1 * torch.sum(torch.abs(x))
        if self.l2:
            regularization = regularization + self.l2 * torch.sum(torch.square(x))
        return regularization

    def get_config(self):
        return {"l1": float(self.l1), "l2": float(self.l2)}


class L1(Regularizer):
    """Regularizer for the L1 penalty: `l1 * sum(|x|)`.

    Args:
        l1: Float, L1 regularization factor. Defaults to `0.01`. The Keras 2.2
            keyword `l` is accepted too.

    Example:

    >>> float(L1(0.5)(torch.tensor([1.0, -3.0])))
    2.0
    """

    def __init__(self, l1=0.01, **kwargs):
        l1 = kwargs.pop("l", l1)  # Keras 2.2's keras.regularizers.l1(l=...)
        if kwargs:
            raise TypeError(f"Argument(s) not recognized: {kwargs}. Expected: l1.")
        l1 = 0.01 if l1 is None else l1
        _check_penalty_number("l1", l1)
        self.l1 = _floatx_number(l1)

    def __call__(self, x):
        return self.l1 * torch.sum(torch.abs(x))

    def get_config(self):
        return {"l1": float(self.l1)}


class L2(Regularizer):
    """Regularizer for the L2 penalty: `l2 * sum(x ** 2)`.

    Args:
        l2: Float, L2 regularization factor. Defaults to `0.01`. The Keras 2.2
            keyword `l` is accepted too.

    Example:

    >>> float(L2(0.5)(torch.tensor([1.0, -3.0])))
    5.0
    """

    def __init__(self, l2=0.01, **kwargs):
        l2 = kwargs.pop("l", l2)  # Keras 2.2's keras.regularizers.l2(l=...)
        if kwargs:
            raise TypeError(f"Argument(s) not recognized: {kwargs}. Expected: l2.")
        l2 = 0.01 if l2 is None else l2
        _check_penalty_number("l2", l2)
        self.l2 = _floatx_number(l2)

    def __call__(self, x):
        return self.l2 * torch.sum(torch.square(x))

    def get_config(self):
        return {"l2": float(self.l2)}


class OrthogonalRegularizer(Regularizer):
    """Encourages the rows (or columns) of a 2D weight to be orthogonal.

    The rows (`mode="rows"`) or columns are L2-normalized; the penalty is
    `factor * 0.5 * sum(|off-diagonal of their Gram matrix|) / num_pairs`.

    Args:
        factor: Float, regularization factor. Defaults to `0.01`.
        mode: `"rows"` or `"columns"`. Defaults to `"rows"`.

    Example:

    >>> float(OrthogonalRegularizer(factor=1.0)(torch.eye(3)))
    0.0
    """

    def __init__(self, factor=0.01, mode="rows"):
        _check_penalty_number("factor", factor)
        if mode not in {"rows", "columns"}:
            raise ValueError(
                f"`mode` must be one of 'rows' or 'columns'. Received: mode={mode!r}"
            )
        self.factor = _floatx_number(factor)
        self.mode = mode

    def __call__(self, x):
        if x.dim() != 2:
            raise ValueError(
                "Inputs to OrthogonalRegularizer must have rank 2. "
                f"Received: inputs.shape={tuple(x.shape)}"
            )
        if self.mode == "rows":
            x = _l2_normalize(x, dim=1)
            product = x @ x.T
        else:
            x = _l2_normalize(x, dim=0)
            product = x.T @ x
        size = product.shape[0]
        off_diagonal = product * (1.0 - torch.eye(size, dtype=x.dtype, device=x.device))
        num_pairs = size * (size - 1.0) / 2.0
        return self.factor * 0.5 * torch.sum(torch.abs(off_diagonal)) / num_pairs

    def get_config(self):
        return {"factor": float(self.factor), "mode": self.mode}


def _l2_normalize(x, dim):
    # tf.math.l2_normalize: x / sqrt(max(sum(x ** 2), 1e-12)).
    square_sum = torch.sum(torch.square(x), dim=dim, keepdim=True)
    return x * torch.rsqrt(torch.clamp(square_sum, min=1e-12))


def l1_l2(l1=0.01, l2=0.01):
    """L1 + L2 regularizer with both factors defaulting to `0.01`.

    Returns:
        An `L1L2` instance.
    """
    return L1L2(l1=l1, l2=l2)


# Lower-case names, as `keras.regularizers` exports them: `l2(0.01)` is `L2(0.01)`.
l1 = L1
l2 = L2
orthogonal_regularizer = OrthogonalRegularizer

_ALL_OBJECTS = {
    "Regularizer": Regularizer,
    "L1L2": L1L2,
    "L1": L1,
    "L2": L2,
    "OrthogonalRegularizer": OrthogonalRegularizer,
    "l1": L1,
    "l2": L2,
    "l1_l2": l1_l2,
    "orthogonal_regularizer": OrthogonalRegularizer,
}


def serialize(regularizer):
    """Returns the Keras config dict of `regularizer` (tf.keras 2.x format).

    Example:

    >>> serialize(L2(0.01))["config"]
    {'l2': 0.009999999776482582}
    """
    return serialize_builtin(regularizer, _ALL_OBJECTS, "keras.regularizers", "regularizer")


def deserialize(config, custom_objects=None):
    """Builds a regularizer from a config dict or a name.

    Names give default instances: `'l1'` and `'l2'` use `0.01`, and `'l1_l2'` uses
    `0.01` for both. Old Keras files store `{'class_name': 'L1L2', 'config': {'l1':
    0.0, 'l2': 0.01}}`, which works as is.
    """
    if config == "l1_l2":
        return L1L2(l1=0.01, l2=0.01)
    obj = deserialize_keras_object(
        config,
        module_objects=_ALL_OBJECTS,
        custom_objects=custom_objects,
        printable_module_name="regularizer",
    )
    if isinstance(obj, type):
        obj = obj()
    return obj


def get(identifier):
    """Returns a regularizer for `identifier`.

    Args:
        identifier: `None` (returns `None`), a name (`'l1'`, `'l2'`, `'l1_l2'`), a
            config dict, a regularizer instance, or any callable
            `fn(weights) -> scalar tensor`.

    Raises:
        ValueError: for unknown names or identifiers of another type.

    Example:

    >>> get("l2").get_config()
    {'l2': 0.009999999776482582}
    """
    if identifier is None:
        return None
    if isinstance(identifier, (dict, str)):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(
        "Could not interpret regularizer identifier. Expected a name such as 'l2', a "
        f"config dict, a Regularizer or a callable. Received: regularizer={identifier!r}"
    )
