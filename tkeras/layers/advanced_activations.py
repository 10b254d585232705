"""Activation layers with parameters: LeakyReLU, PReLU, ELU, ThresholdedReLU, Softmax, ReLU
(Keras 2's `keras.layers.advanced_activations`)."""
import numbers

import numpy as np
import torch
import torch.nn.functional as F

from tkeras import constraints, initializers, regularizers
from tkeras.backend import ops as K
from tkeras.engine.base_layer import Layer
from tkeras.engine.input_spec import InputSpec

__all__ = ["LeakyReLU", "PReLU", "ELU", "ThresholdedReLU", "Softmax", "ReLU"]


def _float32(layer, name, value, minimum=None):
    """`value` rounded to float32 as Keras stores it (`0.3` -> `0.30000001192092896`)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(
            f"`{name}` of a {layer} layer must be a float. Received: {name}={value!r}"
        )
    if minimum is not None and value < minimum:
        raise ValueError(
            f"`{name}` of a {layer} layer cannot be negative. Received: {name}={value!r}"
        )
    return float(np.float32(value))


class _Elementwise(Layer):
    """An activation applied entry by entry: any input shape, masks pass through."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def compute_output_shape(self, input_shape):
        return input_shape


class LeakyReLU(_Elementwise):
    """Leaky rectified linear unit: `x` for `x >= 0`, `alpha * x` otherwise.

    Args:
        alpha: Float >= 0, slope for negative inputs. Defaults to `0.3`.

    Example:

    >>> tkeras.layers.LeakyReLU(alpha=0.5)(np.array([[-2.0, 3.0]], "float32")).tolist()
    [[-1.0, 3.0]]
    """

    def __init__(self, alpha=0.3, **kwargs):
        super().__init__(**kwargs)
        self.alpha = _float32("LeakyReLU", "alpha", alpha)

    def call(self, inputs):
        return F.leaky_relu(inputs, self.alpha)

    def get_config(self):
        config = super().get_config()
        config["alpha"] = self.alpha
        return config


class PReLU(_Elementwise):
    """Parametric ReLU: `x` for `x >= 0`, `alpha * x` otherwise, with a learned `alpha`
    per input entry.

    Args:
        alpha_initializer: Initializer of `alpha`. Defaults to `'zeros'`.
        alpha_regularizer / alpha_constraint: Defaults to `None`.
        shared_axes: Int or list of ints (1-based, the batch axis is 0): axes along which
            `alpha` is shared, e.g. `[1, 2]` for one slope per channel of a
            `(batch, rows, cols, channels)` input.

    Weights (Keras layout): `alpha` of shape `input_shape[1:]` with the shared axes set to 1.

    Example:

    >>> layer = tkeras.layers.PReLU(alpha_initializer=tkeras.initializers.Constant(0.1))
    >>> layer(np.array([[-2.0, 3.0]], "float32")).numpy().astype(float).round(4).tolist()
    [[-0.2, 3.0]]
    """

    def __init__(self, alpha_initializer="zeros", alpha_regularizer=None,
                 alpha_constraint=None, shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        else:
            axes = list(shared_axes) if isinstance(shared_axes, (list, tuple)) else [shared_axes]
            if not all(isinstance(a, numbers.Integral) and not isinstance(a, bool) and a > 0
                       for a in axes):
                raise ValueError(
                    "`shared_axes` must be a positive int or a list of positive ints (axis 0 "
                    f"is the batch axis). Received: shared_axes={shared_axes!r}. "
                    "Example: PReLU(shared_axes=[1, 2])."
                )
            self.shared_axes = [int(a) for a in axes]

    def build(self, input_shape):
        ndim = len(input_shape)
        shared = set(self.shared_axes or ())
        if any(a >= ndim for a in shared):
            raise ValueError(
                f"Invalid `shared_axes` for PReLU layer '{self.name}': {self.shared_axes} for "
                f"an input of shape {tuple(input_shape)} (valid axes: 1 to {ndim - 1})."
            )
        param_shape = [1 if i in shared else d for i, d in enumerate(input_shape) if i > 0]
        if None in param_shape:
            raise ValueError(
                f"PReLU layer '{self.name}' needs a defined size for every input axis it does "
                f"not share `alpha` over. Received input shape {tuple(input_shape)}. Share the "
                "undefined axes, e.g. PReLU(shared_axes=[1]) for variable-length sequences."
            )
        self.alpha = self.add_weight("alpha", param_shape, initializer=self.alpha_initializer,
                                     regularizer=self.alpha_regularizer,
                                     constraint=self.alpha_constraint)
        axes = {i: input_shape[i] for i in range(1, ndim) if i not in shared}
        self.input_spec = InputSpec(ndim=ndim, axes=axes)
        self.built = True

    def call(self, inputs):
        # Equals Keras's `relu(x) - alpha * relu(-x)`, in one pass.
        return torch.where(inputs > 0, inputs, inputs * self.alpha)

    def get_config(self):
        config = super().get_config()
        config.update({
            "alpha_initializer": initializers.serialize(self.alpha_initializer),
            "alpha_regularizer": regularizers.serialize(self.alpha_regularizer),
            "alpha_constraint": constraints.serialize(self.alpha_constraint),
            "shared_axes": self.shared_axes,
        })
        return config


class ELU(_Elementwise):
    """Exponential linear unit: `x` for `x > 0`, `alpha * (exp(x) - 1)` otherwise.

    Args:
        alpha: Float, scale of the negative part. Defaults to `1.0`.

    Example:

    >>> x = np.array([[-1.0, 2.0]], "float32")
    >>> tkeras.layers.ELU(alpha=0.5)(x).numpy().astype(float).round(4).tolist()
    [[-0.3161, 2.0]]
    """

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = _float32("ELU", "alpha", alpha)

    def call(self, inputs):
        return F.elu(inputs, alpha=self.alpha)

    def get_config(self):
        config = super().get_config()
        config["alpha"] = self.alpha
        return config


class ThresholdedReLU(_Elementwise):
    """Thresholded ReLU: `x` for `x > theta`, `0` otherwise.

    Args:
        theta: Float >= 0, the threshold. Defaults to `1.0`.

    Example:

    >>> tkeras.layers.ThresholdedReLU(theta=1.0)(np.array([[0.5, 1.0, 2.0]], "float32")).tolist()
    [[0.0, 0.0, 2.0]]
    """

    def __init__(self, theta=1.0, **kwargs):
        super().__init__(**kwargs)
        self.theta = _float32("ThresholdedReLU", "theta", theta, minimum=0.0)

    def call(self, inputs):
        return inputs * (inputs > self.theta).to(inputs.dtype)

    def get_config(self):
        config = super().get_config()
        config["theta"] = self.theta
        return config


class Softmax(_Elementwise):
    """Softmax along `axis` (an int or a list of axes).

    Args:
        axis: Int or list of ints, the normalized axes. Defaults to `-1`.

    Call arguments:
        mask: Optional boolean tensor of the input's rank (broadcastable): masked entries
            (False) get probability ~0, as tf.keras adds `-1e9` to them. A propagated mask
            of lower rank (a sequence mask on `(batch, steps, classes)` scores) is not
            applied and passes through.

    Example:

    >>> tkeras.layers.Softmax()(np.array([[0.0, 0.0]], "float32")).tolist()
    [[0.5, 0.5]]
    """

    def __init__(self, axis=-1, robust_masking=False, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            axis = list(axis)
            ints = axis
        else:
            ints = [axis]
        if not ints or not all(isinstance(a, numbers.Integral) and not isinstance(a, bool)
                               for a in ints):
            raise ValueError(
                f"`axis` of a Softmax layer must be an int or a list of ints. "
                f"Received: axis={axis!r}"
            )
        self.axis = axis
        self.robust_masking = bool(robust_masking)

    def call(self, inputs, mask=None):
        if mask is not None and mask.ndim == inputs.ndim:
            negative = torch.finfo(inputs.dtype).min / 2 if inputs.dtype == torch.float16 \
                else -1e9
            if self.robust_masking:
                inputs = torch.where(mask.bool(), inputs, negative)
            else:
                inputs = inputs + (1.0 - mask.to(inputs.dtype)) * negative
        if isinstance(self.axis, list):
            if len(self.axis) > 1:
                return torch.exp(inputs - torch.logsumexp(inputs, dim=self.axis, keepdim=True))
            return torch.softmax(inputs, dim=self.axis[0])
        return torch.softmax(inputs, dim=self.axis)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        if self.robust_masking:
            config["robust_masking"] = True
        return config


class ReLU(_Elementwise):
    """Rectified linear unit with Keras's options:

    `f(x) = max_value` for `x >= max_value`, `x` for `threshold <= x < max_value`,
    `negative_slope * (x - threshold)` otherwise.

    Args:
        max_value: Float >= 0, the saturation value. Defaults to `None` (unbounded).
        negative_slope: Float >= 0, slope below the threshold. Defaults to `0.0`.
        threshold: Float >= 0, the threshold. Defaults to `0.0`.

    Example:

    >>> tkeras.layers.ReLU(max_value=1.0)(np.array([[-1.0, 0.5, 2.0]], "float32")).tolist()
    [[0.0, 0.5, 1.0]]
    """

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        if max_value is not None:
            max_value = _float32("ReLU", "max_value", max_value, minimum=0.0)
        self.max_value = max_value
        self.negative_slope = _float32("ReLU", "negative_slope", negative_slope, minimum=0.0)
        self.threshold = _float32("ReLU", "threshold", threshold, minimum=0.0)

    def call(self, inputs):
        return K.relu(inputs, alpha=self.negative_slope, max_value=self.max_value,
                      threshold=self.threshold)

    def get_config(self):
        config = super().get_config()
        config.update({"max_value": self.max_value, "negative_slope": self.negative_slope,
                       "threshold": self.threshold})
        return config
