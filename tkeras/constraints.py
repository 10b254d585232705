"""Weight constraints (`keras.constraints`).

A constraint is called on a weight tensor in the Keras layout (a Dense kernel is
`(input_dim, units)`, a Conv2D kernel `(kh, kw, in_channels, filters)`) after each
optimizer update and returns the projected weight. The default `axis=0` of the norm
constraints therefore constrains each unit's incoming weight vector of a Dense kernel;
use `axis=[0, 1, 2]` for a Conv2D kernel.

>>> import torch
>>> MaxNorm(1.0)(torch.tensor([[3.0], [4.0]])).flatten().tolist()  # doctest: +ELLIPSIS
[0.6..., 0.8...]
"""
import torch

from tkeras.backend._config import epsilon
from tkeras.utils.generic_utils import deserialize_keras_object, serialize_builtin

__all__ = [
    "Constraint", "MaxNorm", "NonNeg", "UnitNorm", "MinMaxNorm", "RadialConstraint",
    "max_norm", "non_neg", "unit_norm", "min_max_norm", "radial_constraint",
    "maxnorm", "nonneg", "unitnorm",
    "get", "serialize", "deserialize",
]


def _axis(axis):
    # torch reductions want an int or a tuple; configs from JSON carry lists.
    return tuple(axis) if isinstance(axis, (list, tuple)) else axis


def _norms(w, axis):
    return torch.sqrt(torch.sum(torch.square(w), dim=_axis(axis), keepdim=True))


class Constraint:
    """Base class of weight constraints: `__call__(w)` returns the projected weight.

    Subclass it and implement `__call__` (and `get_config` if it has arguments).

    Example:

    >>> class Clip(Constraint):
    ...     def __call__(self, w):
    ...         return torch.clamp(w, -1.0, 1.0)
    >>> Clip()(torch.tensor([-3.0, 0.5])).tolist()
    [-1.0, 0.5]
    """

    def __call__(self, w):
        return w

    def get_config(self):
        """Returns the constructor arguments as a JSON-serializable dict."""
        return {}

    @classmethod
    def from_config(cls, config):
        """Builds a constraint from the dict returned by `get_config()`."""
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{self.__class__.__name__}({args})"


class MaxNorm(Constraint):
    """Constrains the weights incident to each hidden unit to have a norm <= `max_value`.

    Computes `w * clip(norms, 0, max_value) / (epsilon() + norms)`, with the L2 norms
    taken over `axis`.

    Args:
        max_value: Maximum norm of the incoming weights. Defaults to `2`.
        axis: Int or list of ints, the axes over which norms are computed.
            `0` for a Dense kernel `(input_dim, units)`, `[0, 1, 2]` for a Conv2D
            kernel `(rows, cols, in, out)`. Defaults to `0`.

    Example:

    >>> w = MaxNorm(2.0)(torch.tensor([[6.0, 0.3], [8.0, 0.4]]))
    >>> [round(v, 4) for v in w.flatten().tolist()]
    [1.2, 0.3, 1.6, 0.4]
    """

    def __init__(self, max_value=2, axis=0):
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
        desired = torch.clamp(norms, 0.0, max(float(self.max_value), 0.0))
        return w * (desired / (epsilon() + norms))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Constrains the weights to be non-negative: negative entries become 0.

    Example:

    >>> NonNeg()(torch.tensor([-1.0, 0.0, 2.0])).tolist()
    [-0.0, 0.0, 2.0]
    """

    def __call__(self, w):
        return w * (w >= 0.0).to(w.dtype)


class UnitNorm(Constraint):
    """Constrains the weights incident to each hidden unit to have unit norm.

    Computes `w / (epsilon() + norms)`, with the L2 norms taken over `axis`.

    Args:
        axis: Int or list of ints, the axes over which norms are computed.
            Defaults to `0`.

    Example:

    >>> UnitNorm()(torch.tensor([[3.0], [4.0]])).flatten().tolist()  # doctest: +ELLIPSIS
    [0.6..., 0.8...]
    """

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        return w / (epsilon() + _norms(w, self.axis))

    def get_config(self):
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Constrains the norm of the weights incident to each unit to a range.

    Computes `w * desired / (epsilon() + norms)` with
    `desired = rate * clip(norms, min_value, max_value) + (1 - rate) * norms`.

    Args:
        min_value: Minimum norm of the incoming weights. Defaults to `0.0`.
        max_value: Maximum norm of the incoming weights. Defaults to `1.0`.
        rate: Rate of enforcement: `1.0` projects strictly into the range, lower
            values move the weights only part of the way each step.
            Defaults to `1.0`.
        axis: Int or list of ints, the axes over which norms are computed.
            Defaults to `0`.

    Example:

    >>> w = MinMaxNorm(1.0, 2.0)(torch.tensor([[0.3], [0.4]]))
    >>> [round(v, 4) for v in w.flatten().tolist()]
    [0.6, 0.8]
    """

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
        low = float(self.min_value)
        high = max(float(self.max_value), low)  # as keras.backend.clip
        desired = self.rate * torch.clamp(norms, low, high) + (1 - self.rate) * norms
        return w * (desired / (epsilon() + norms))

    def get_config(self):
        return {
            "min_value": self.min_value,
            "max_value": self.max_value,
            "rate": self.rate,
            "axis": self.axis,
        }


class RadialConstraint(Constraint):
    """Constrains Conv2D kernels to be the same for each radius (tf.keras 2.x).

    Each `(rows, cols)` slice of a square `(n, n, in, out)` kernel is rebuilt from
    its diagonal, ring by ring from the centre outwards, exactly as tf.keras does.
    With `s = n // 2`: for odd `n` the centre takes `kernel[s - 1, s - 1]` and ring
    `i >= 1` takes `kernel[s + i - 1, s + i - 1]`; for even `n` the central 2x2
    block takes `kernel[s - 1, s - 1]` and ring `i >= 1` takes `kernel[s + i, s + i]`.
    A 1x1 kernel is returned unchanged.

    Example:

    >>> w = torch.arange(16.0).reshape(4, 4, 1, 1)
    >>> RadialConstraint()(w)[:, :, 0, 0].tolist()[:2]
    [[15.0, 15.0, 15.0, 15.0], [15.0, 5.0, 5.0, 15.0]]
    """

    def __call__(self, w):
        if w.dim() != 4:
            raise ValueError(
                "The weight tensor must have rank 4. "
                f"Received weight tensor with shape: {tuple(w.shape)}"
            )
        n = w.shape[0]
        if w.shape[1] != n:
            raise ValueError(
                "RadialConstraint needs a square kernel (rows == cols). "
                f"Received weight tensor with shape: {tuple(w.shape)}"
            )
        if n <= 1:
            return w
        s = n // 2
        idx = torch.arange(n, device=w.device, dtype=torch.float64)
        # Each position's ring is its Chebyshev distance from the centre.
        offset = (idx - (n - 1) / 2.0).abs()
        ring = torch.maximum(offset[:, None], offset[None, :])
        if n % 2:
            sources = [s - 1] + [s + i - 1 for i in range(1, s + 1)]
        else:
            ring = ring - 0.5
            sources = [s - 1] + [s + i for i in range(1, s)]
        ring = ring.round().long()
        diagonal = w[sources, sources]  # (rings, in, out)
        return diagonal[ring]


# Lower-case names, as `keras.constraints` exports them (and Keras 2.2's legacy ones).
max_norm = MaxNorm
non_neg = NonNeg
unit_norm = UnitNorm
min_max_norm = MinMaxNorm
radial_constraint = RadialConstraint
maxnorm = MaxNorm
nonneg = NonNeg
unitnorm = UnitNorm

_ALL_OBJECTS = {
    "Constraint": Constraint,
    "MaxNorm": MaxNorm,
    "NonNeg": NonNeg,
    "UnitNorm": UnitNorm,
    "MinMaxNorm": MinMaxNorm,
    "RadialConstraint": RadialConstraint,
    "max_norm": MaxNorm,
    "non_neg": NonNeg,
    "unit_norm": UnitNorm,
    "min_max_norm": MinMaxNorm,
    "radial_constraint": RadialConstraint,
    "maxnorm": MaxNorm,
    "nonneg": NonNeg,
    "unitnorm": UnitNorm,
}


def serialize(constraint):
    """Returns the Keras config dict of `constraint` (tf.keras 2.x format).

    Example:

    >>> serialize(MaxNorm(1.5))["config"]
    {'max_value': 1.5, 'axis': 0}
    """
    return serialize_builtin(constraint, _ALL_OBJECTS, "keras.constraints", "constraint")


def deserialize(config, custom_objects=None):
    """Builds a constraint from a config dict or a name (`'max_norm'`, `'NonNeg'`)."""
    if isinstance(config, str):
        config = {"class_name": config, "config": {}}
    obj = deserialize_keras_object(
        config,
        module_objects=_ALL_OBJECTS,
        custom_objects=custom_objects,
        printable_module_name="constraint",
    )
    if isinstance(obj, type):
        obj = obj()
    return obj


def get(identifier):
    """Returns a constraint for `identifier`.

    Args:
        identifier: `None` (returns `None`), a name (`'max_norm'`, `'non_neg'`,
            `'unit_norm'`, `'min_max_norm'`), a config dict, a constraint instance,
            or any callable `fn(w) -> w`.

    Raises:
        ValueError: for unknown names or identifiers of another type.

    Example:

    >>> get("max_norm").get_config()
    {'max_value': 2, 'axis': 0}
    """
    if identifier is None:
        return None
    if isinstance(identifier, (dict, str)):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(
        "Could not interpret constraint identifier. Expected a name such as "
        "'max_norm', a config dict, a Constraint or a callable. "
        f"Received: constraint={identifier!r}"
    )
