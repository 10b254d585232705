"""Built-in activation functions (`keras.activations`), on torch tensors.

Every function takes a tensor and returns a tensor with Keras 2 numerics
(`hard_sigmoid` uses Keras's slope 0.2, `relu` supports `alpha`, `max_value` and
`threshold` exactly as `keras.backend.relu`). `softmax` and `sigmoid` attach their
input to the output as `out._keras_logits`, as tf.keras does, so that the
cross-entropy losses can work from logits for numerical stability.

`get`, `serialize` and `deserialize` turn names such as `'relu'` into functions and
back; any callable (e.g. `torch.relu` or a layer) is accepted as an activation.
"""
import torch
import torch.nn.functional as F

from tkeras.backend._config import floatx
from tkeras.utils.generic_utils import deserialize_keras_object

__all__ = [
    "softmax", "elu", "selu", "softplus", "softsign", "swish", "silu", "relu", "gelu",
    "tanh", "sigmoid", "exponential", "hard_sigmoid", "linear", "mish",
    "get", "serialize", "deserialize",
]


def _tensor(x):
    # Keras activations also accept NumPy arrays and Python numbers. Tensor-likes
    # that speak torch (`__torch_function__`) pass through untouched.
    if isinstance(x, torch.Tensor) or hasattr(x, "__torch_function__"):
        return x
    t = torch.as_tensor(x)
    if not t.is_floating_point():
        t = t.to(getattr(torch, floatx()))
    return t


def softmax(x, axis=-1):
    """Softmax: `exp(x) / sum(exp(x), axis)`.

    The output carries the input as `output._keras_logits`, which the
    cross-entropy losses use to compute a stable log-softmax.

    Args:
        x: Input tensor of rank >= 2.
        axis: Int or tuple of ints, axis along which the softmax normalization
            is applied. Defaults to `-1`.

    Returns:
        Tensor of the same shape as `x`, summing to 1 along `axis`.

    Example:

    >>> y = softmax(torch.tensor([[1.0, 1.0]]))
    >>> y.tolist()
    [[0.5, 0.5]]
    """
    x = _tensor(x)
    if x.dim() <= 1:
        raise ValueError(
            "Cannot apply softmax to a tensor that is 1D. Expected a tensor of rank "
            f">= 2, e.g. (batch, classes). Received: x.shape={tuple(x.shape)}"
        )
    if isinstance(axis, int):
        output = torch.softmax(x, axis)
    else:
        axis = tuple(axis)
        e = torch.exp(x - torch.amax(x, dim=axis, keepdim=True))
        output = e / torch.sum(e, dim=axis, keepdim=True)
    output._keras_logits = x
    return output


def elu(x, alpha=1.0):
    """Exponential Linear Unit: `x` if `x > 0`, else `alpha * (exp(x) - 1)`.

    Args:
        x: Input tensor.
        alpha: Scale of the negative section. Defaults to `1.0`.

    Example:

    >>> elu(torch.tensor([-1.0, 2.0]), alpha=2.0).tolist()  # doctest: +ELLIPSIS
    [-1.264..., 2.0]
    """
    return F.elu(_tensor(x), alpha=alpha)


def selu(x):
    """Scaled Exponential Linear Unit (Klambauer et al., 2017).

    `scale * x` if `x > 0`, else `scale * alpha * (exp(x) - 1)`, with
    `alpha = 1.67326324` and `scale = 1.05070098`. Use with the `lecun_normal`
    initializer and `AlphaDropout`.
    """
    return torch.selu(_tensor(x))


def softplus(x):
    """Softplus: `log(exp(x) + 1)`."""
    return F.softplus(_tensor(x))


def softsign(x):
    """Softsign: `x / (abs(x) + 1)`."""
    x = _tensor(x)
    return F.softsign(x)


def swish(x):
    """Swish (SiLU): `x * sigmoid(x)` (Ramachandran et al., 2017)."""
    return F.silu(_tensor(x))


silu = swish


def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    """Rectified Linear Unit, with Keras's optional leak, cap and threshold.

    With the defaults this is `max(x, 0)`. Otherwise:
    `f(x) = max_value` for `x >= max_value`,
    `f(x) = x` for `threshold <= x < max_value` (exactly: for `x > threshold`),
    `f(x) = alpha * (x - threshold)` otherwise.

    Args:
        x: Input tensor.
        alpha: Slope of the part below `threshold`. Defaults to `0.0`.
        max_value: Saturation value, or `None` for no cap. Defaults to `None`.
        threshold: Value below which values are damped or set to zero.
            Defaults to `0.0`.

    Example:

    >>> relu(torch.tensor([-10.0, -5.0, 0.0, 5.0, 10.0]), alpha=0.5, max_value=5.0).tolist()
    [-5.0, -2.5, 0.0, 5.0, 5.0]
    """
    if alpha == 0.0 and max_value is None and threshold == 0.0:
        return torch.relu(_tensor(x))
    return _relu_general(_tensor(x), alpha, max_value, threshold)


def _relu_general(x, alpha, max_value, threshold):
    # Follows keras.backend.relu operation by operation, so that boundary values
    # (x == threshold, negative thresholds with a cap) come out identical.
    if alpha != 0.0:
        if max_value is None and threshold == 0:
            return F.leaky_relu(x, negative_slope=alpha)
        negative_part = torch.relu(threshold - x) if threshold != 0 else torch.relu(-x)
    clip_max = max_value is not None
    if threshold != 0:
        y = x * (x > threshold).to(x.dtype)
    elif max_value == 6:
        y = F.relu6(x)
        clip_max = False
    else:
        y = torch.relu(x)
    if clip_max:
        y = torch.clamp(y, 0.0, max(float(max_value), 0.0))
    if alpha != 0.0:
        y = y - alpha * negative_part
    return y


def gelu(x, approximate=False):
    """Gaussian Error Linear Unit: `x * P(X <= x)` with `X ~ N(0, 1)`.

    Args:
        x: Input tensor.
        approximate: Whether to use the tanh approximation
            `0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))`.
            Defaults to `False` (exact, with `erf`).
    """
    return F.gelu(_tensor(x), approximate="tanh" if approximate else "none")


def tanh(x):
    """Hyperbolic tangent."""
    return torch.tanh(_tensor(x))


def sigmoid(x):
    """Sigmoid: `1 / (1 + exp(-x))`.

    The output carries the input as `output._keras_logits`, which
    `binary_crossentropy` uses to compute a stable loss from logits.
    """
    x = _tensor(x)
    output = torch.sigmoid(x)
    output._keras_logits = x
    return output


def exponential(x):
    """Exponential: `exp(x)`."""
    return torch.exp(_tensor(x))


def hard_sigmoid(x):
    """Hard sigmoid, Keras 2's piecewise linear sigmoid: `clip(0.2 * x + 0.5, 0, 1)`.

    Note the slope 0.2 (0 below -2.5, 1 above 2.5); `torch.nn.functional.hardsigmoid`
    uses 1/6 and gives different numbers.

    Example:

    >>> hard_sigmoid(torch.tensor([-3.0, -2.5, 0.0, 2.5, 3.0])).tolist()
    [0.0, 0.0, 0.5, 1.0, 1.0]
    """
    x = _tensor(x)
    return torch.clamp(x * 0.2 + 0.5, 0.0, 1.0)


def linear(x):
    """Linear (identity) activation: returns `x` unchanged."""
    return x


def mish(x):
    """Mish: `x * tanh(softplus(x))` (Misra, 2019)."""
    return F.mish(_tensor(x))


# Names under which each function is serialized and deserialized.
_ACTIVATIONS = {
    "softmax": softmax,
    "elu": elu,
    "selu": selu,
    "softplus": softplus,
    "softsign": softsign,
    "swish": swish,
    "relu": relu,
    "gelu": gelu,
    "tanh": tanh,
    "sigmoid": sigmoid,
    "exponential": exponential,
    "hard_sigmoid": hard_sigmoid,
    "linear": linear,
    "mish": mish,
}
# Names that files or torch functions may carry for the same activations.
_ALIASES = {"softmax_v2": "softmax", "silu": "swish"}


def _relu6(x):
    return F.relu6(_tensor(x))


def _leaky_relu(x, alpha=0.2):
    return F.leaky_relu(_tensor(x), negative_slope=alpha)


def _log_softmax(x, axis=-1):
    return torch.log_softmax(_tensor(x), axis)


# tf.keras also resolves these `tf.nn` names (e.g. `Activation("relu6")`), with
# tf.nn's defaults (leaky_relu: alpha=0.2).
_TF_NN = {"relu6": _relu6, "leaky_relu": _leaky_relu, "log_softmax": _log_softmax}


def serialize(activation):
    """Returns the name (or config dict) under which Keras stores `activation`.

    Built-in activations give their Keras name (`'relu'`); other functions give
    their `__name__` (so `torch.relu` gives `'relu'`); objects with `get_config`
    (activation layers) give a `{'class_name', 'config'}` dict.

    Example:

    >>> serialize(relu)
    'relu'
    """
    if activation is None:
        return "linear"
    for table in (_ACTIVATIONS, _TF_NN):
        for name, fn in table.items():
            if activation is fn:
                return name
    if hasattr(activation, "get_config"):
        # Activation layers (LeakyReLU(0.2), ...) are stored as layer configs.
        cls = activation.__class__
        builtin = cls.__module__.startswith("tkeras.")
        return {
            "module": "keras.layers" if builtin else cls.__module__,
            "class_name": cls.__name__,
            "config": activation.get_config(),
            "registered_name": None if builtin else cls.__name__,
        }
    name = getattr(activation, "__name__", None)
    if name is None:
        raise ValueError(
            "Cannot serialize the activation: expected a built-in activation, a "
            "function with a `__name__`, or an object with `get_config()`. "
            f"Received: activation={activation!r}"
        )
    return _ALIASES.get(name, name)


def _module_objects():
    objects = {}
    # Activation layers (LeakyReLU, PReLU, ...) can stand in for activations, as in
    # tf.keras; functions take precedence over layers of the same name.
    try:
        from tkeras.layers import advanced_activations as layers_module
    except ImportError:
        layers_module = None
    if layers_module is not None:
        for key, value in vars(layers_module).items():
            if (isinstance(value, type) and not key.startswith("_")
                    and value.__module__ == layers_module.__name__):
                objects[key] = value
    objects.update(_TF_NN)
    objects.update(_ACTIVATIONS)
    for alias, name in _ALIASES.items():
        objects[alias] = _ACTIVATIONS[name]
    return objects


def deserialize(name, custom_objects=None):
    """Returns the activation function stored under `name`.

    Args:
        name: String name (`'relu'`) or config dict (`{'class_name': 'LeakyReLU',
            'config': {...}}`, or tf.keras's `{'class_name': 'function',
            'config': 'relu'}`).
        custom_objects: Optional dict of user functions or classes by name.

    Raises:
        ValueError: if the name is unknown; the message lists the valid names.
    """
    if isinstance(name, dict) and name.get("class_name") == "function":
        name = name.get("config")
    obj = deserialize_keras_object(
        name,
        module_objects=_module_objects(),
        custom_objects=custom_objects,
        printable_module_name="activation function",
    )
    if isinstance(obj, type):
        # A layer class named by a string, e.g. "LeakyReLU": use its defaults.
        obj = obj()
    return obj


def get(identifier):
    """Returns the activation function for `identifier`.

    Args:
        identifier: `None` (gives `linear`), a name such as `'relu'`, a config dict,
            or any callable (returned unchanged, e.g. `torch.relu`).

    Raises:
        ValueError: for an unknown name.
        TypeError: for anything that is not a string, dict, callable or None.

    Example:

    >>> get("relu") is relu
    True
    >>> get(torch.tanh) is torch.tanh
    True
    """
    if identifier is None:
        return linear
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise TypeError(
        "Could not interpret activation function identifier. Expected a name such as "
        "'relu', a config dict, a callable or None. "
        f"Received: activation={identifier!r}"
    )
