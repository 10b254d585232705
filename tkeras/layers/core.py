"""Core layers: Dense, Activation, Dropout, Flatten, Reshape, Permute, RepeatVector,
Lambda, Masking, ActivityRegularization (Keras 2's `keras.layers.core`)."""
import inspect
import types

import numpy as np
import torch
import torch.nn.functional as F

from tkeras import activations, constraints, initializers, regularizers
from tkeras.backend import _config
from tkeras.engine.base_layer import KERNEL_BIAS_ARGUMENTS, Layer, serialize_arguments
from tkeras.engine.input_layer import Input, InputLayer  # noqa: F401  (Keras 2 path)
from tkeras.engine.input_spec import InputSpec


def _check_positive_int(name, value, example):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(
            f"Received an invalid value for `{name}`, expected a positive integer. "
            f"Received: {name}={value!r}. Example: {example}"
        )
    return int(value)


class Dense(Layer):
    """Densely-connected layer: `output = activation(dot(input, kernel) + bias)`.

    Args:
        units: Positive int, dimensionality of the output space.
        activation: Activation function (name or callable). Defaults to `None` (linear).
        use_bias: Whether to add a bias vector. Defaults to `True`.
        kernel_initializer: Defaults to `'glorot_uniform'`.
        bias_initializer: Defaults to `'zeros'`.
        kernel_regularizer / bias_regularizer / activity_regularizer: Defaults to `None`.
        kernel_constraint / bias_constraint: Defaults to `None`.

    Input shape:
        N-D tensor `(batch, ..., input_dim)`.
    Output shape:
        N-D tensor `(batch, ..., units)`.

    Weights (Keras layout): `kernel (input_dim, units)`, `bias (units,)`.

    Example:

    >>> layer = tkeras.layers.Dense(4)
    >>> tuple(layer(np.zeros((2, 3), "float32")).shape)
    (2, 4)
    """

    def __init__(self, units, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.units = _check_positive_int("units", units, "Dense(units=64)")
        self.activation = activations.get(activation)
        self._linear = self.activation is activations.linear
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True

    def build(self, input_shape):
        last = input_shape[-1]
        if last is None:
            raise ValueError(
                f"The last dimension of the inputs to Dense layer '{self.name}' should be "
                f"defined. Found None. Full input shape received: {tuple(input_shape)}"
            )
        self.kernel = self.add_weight("kernel", (last, self.units),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        if self.use_bias:
            self.bias = self.add_weight("bias", (self.units,), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        else:
            self.bias = None
        self.input_spec = InputSpec(min_ndim=2, axes={-1: last})
        self.built = True

    def call(self, inputs):
        if not inputs.is_floating_point():
            inputs = inputs.to(self.kernel.dtype)
        if inputs.ndim == 2 and self.bias is not None:
            out = torch.addmm(self.bias, inputs, self.kernel)
        else:
            out = torch.matmul(inputs, self.kernel)
            if self.bias is not None:
                out = out + self.bias
        return out if self._linear else self.activation(out)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        config = super().get_config()
        config["units"] = self.units
        config.update(serialize_arguments(self, KERNEL_BIAS_ARGUMENTS))
        return config


class Activation(Layer):
    """Applies an activation function to the input.

    Args:
        activation: name (`'relu'`) or callable.

    Example:

    >>> tkeras.layers.Activation("relu")(np.array([[-1.0, 2.0]], "float32")).tolist()
    [[0.0, 2.0]]
    """

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)
        self.supports_masking = True

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["activation"] = activations.serialize(self.activation)
        return config


class Dropout(Layer):
    """Sets a fraction `rate` of inputs to 0 at training time, scaling the rest by
    `1 / (1 - rate)`. Does nothing at inference.

    Args:
        rate: Float in [0, 1), the fraction of inputs to drop.
        noise_shape: Shape of the binary mask (None entries = input dims), e.g.
            `(batch, 1, features)` to drop the same features at every timestep.
        seed: Random seed.

    Example:

    >>> x = np.ones((1, 4), "float32")
    >>> tkeras.layers.Dropout(0.5)(x).tolist()  # inference: identity
    [[1.0, 1.0, 1.0, 1.0]]
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate < 1:
            raise ValueError(
                "`rate` must be a float in the range [0, 1) (the fraction of inputs to drop). "
                f"Received: rate={rate}"
            )
        self.rate = float(rate)
        self.noise_shape = tuple(noise_shape) if noise_shape is not None else None
        self.seed = seed
        self.supports_masking = True

    def call(self, inputs, training=None):
        if not training or self.rate == 0.0:
            return inputs
        if self.noise_shape is None:
            return F.dropout(inputs, self.rate, training=True)
        shape = [inputs.shape[i] if d is None else d for i, d in enumerate(self.noise_shape)]
        keep = torch.empty(shape, device=inputs.device, dtype=inputs.dtype).bernoulli_(1 - self.rate)
        return inputs * keep / (1 - self.rate)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate,
                       "noise_shape": list(self.noise_shape) if self.noise_shape else None,
                       "seed": self.seed})
        return config


class Flatten(Layer):
    """Flattens every dimension but the batch: `(batch, d1, d2, ...)` → `(batch, d1*d2*...)`.

    Args:
        data_format: `'channels_last'` (default) or `'channels_first'`; channels_first
            inputs are flattened in channels-last order, as Keras does, so a following
            Dense kernel sees the same feature order.

    Example:

    >>> tuple(tkeras.layers.Flatten()(np.zeros((2, 3, 4), "float32")).shape)
    (2, 12)
    """

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = _config.normalize_data_format(data_format)
        self.input_spec = InputSpec(min_ndim=1)

    def call(self, inputs):
        if self.data_format == "channels_first" and inputs.ndim > 2:
            inputs = inputs.permute(0, *range(2, inputs.ndim), 1)
        if inputs.ndim == 1:
            return inputs.reshape(inputs.shape[0], 1)
        return inputs.reshape(inputs.shape[0], -1)

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        size = None if any(d is None for d in rest) else int(np.prod(rest)) if rest else 1
        return (input_shape[0], size)

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config


class Reshape(Layer):
    """Reshapes the input (batch dimension excluded) to `target_shape`; one entry may be
    -1 and is inferred.

    Example:

    >>> tuple(tkeras.layers.Reshape((2, -1))(np.zeros((1, 6), "float32")).shape)
    (1, 2, 3)
    """

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        if isinstance(target_shape, int):
            target_shape = (target_shape,)
        target_shape = tuple(int(d) for d in target_shape)
        if sum(1 for d in target_shape if d == -1) > 1:
            raise ValueError(
                f"Can only specify one unknown dimension (-1) in `target_shape`. "
                f"Received: target_shape={target_shape}"
            )
        if any(d < -1 or d == 0 for d in target_shape):
            raise ValueError(
                f"`target_shape` entries must be positive or -1. Received: target_shape={target_shape}"
            )
        self.target_shape = target_shape

    def _fix_unknown(self, input_shape):
        known = int(np.prod([d for d in self.target_shape if d != -1]))
        total = int(np.prod(input_shape[1:]))
        if -1 in self.target_shape:
            if known == 0 or total % known:
                raise ValueError(self._size_error(input_shape))
            return tuple(total // known if d == -1 else d for d in self.target_shape)
        if known != total:
            raise ValueError(self._size_error(input_shape))
        return self.target_shape

    def _size_error(self, input_shape):
        return (
            f"Layer '{self.name}': total size of the new array must be unchanged. Cannot reshape "
            f"input of shape {tuple(input_shape)} into target_shape={self.target_shape}."
        )

    def call(self, inputs):
        return inputs.reshape((inputs.shape[0],) + self._fix_unknown(tuple(inputs.shape)))

    def compute_output_shape(self, input_shape):
        if any(d is None for d in input_shape[1:]):
            return (input_shape[0],) + tuple(None if d == -1 else d for d in self.target_shape)
        return (input_shape[0],) + self._fix_unknown(tuple(input_shape))

    def get_config(self):
        config = super().get_config()
        config["target_shape"] = list(self.target_shape)
        return config


class Permute(Layer):
    """Permutes the non-batch dimensions; `dims` is 1-indexed, e.g. `(2, 1)` swaps the
    first two.

    Example:

    >>> tuple(tkeras.layers.Permute((2, 1))(np.zeros((1, 3, 4), "float32")).shape)
    (1, 4, 3)
    """

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(int(d) for d in dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(
                f"Invalid permutation `dims` for Permute Layer: {self.dims}. The set of indices "
                "in `dims` must be consecutive and start from 1."
            )
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)

    def call(self, inputs):
        return inputs.permute((0,) + self.dims)

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def get_config(self):
        config = super().get_config()
        config["dims"] = list(self.dims)
        return config


class RepeatVector(Layer):
    """Repeats a `(batch, features)` input `n` times: `(batch, n, features)`.

    Example:

    >>> tuple(tkeras.layers.RepeatVector(3)(np.zeros((2, 4), "float32")).shape)
    (2, 3, 4)
    """

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        self.n = _check_positive_int("n", n, "RepeatVector(n=3)")
        self.input_spec = InputSpec(ndim=2)

    def call(self, inputs):
        return inputs.unsqueeze(1).expand(-1, self.n, -1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        config = super().get_config()
        config["n"] = self.n
        return config


class Lambda(Layer):
    """Wraps an expression as a layer: `Lambda(lambda x: x ** 2)`.

    Args:
        function: callable taking the input tensor (or list of tensors) first.
        output_shape: output shape without the batch dim, or a function of the input shape
            (with batch dim). Optional: tkeras infers it by running the function on
            meta tensors.
        mask: None, a mask tensor, or a function `(inputs, mask) -> mask`.
        arguments: dict of extra keyword arguments for `function`.

    Example:

    >>> tkeras.layers.Lambda(lambda x: x * 2)(np.ones((1, 2), "float32")).tolist()
    [[2.0, 2.0]]
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(
                f"`function` of a Lambda layer must be callable. Received: function={function!r}"
            )
        self.function = function
        self.arguments = dict(arguments or {})
        self.mask = mask
        self.supports_masking = mask is not None
        self._output_shape = output_shape
        try:
            params = inspect.signature(function).parameters
        except (TypeError, ValueError):
            params = {}
        self._fn_mask = "mask" in params
        self._fn_training = "training" in params

    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        if self._fn_mask:
            kwargs["mask"] = mask
        if self._fn_training:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            return super().compute_output_shape(input_shape)
        if callable(self._output_shape):
            return tuple(self._output_shape(input_shape))
        batch = input_shape[0][0] if isinstance(input_shape, list) else input_shape[0]
        return (batch,) + tuple(self._output_shape)

    def _symbolic_call(self, inputs, args, kwargs):
        outputs = super()._symbolic_call(inputs, args, kwargs)
        if self._output_shape is not None and not callable(self._output_shape):
            # A declared output_shape wins over the inferred one (Keras 2 behaviour).
            from tkeras.engine.keras_tensor import TensorShape

            if hasattr(outputs, "shape"):
                declared = (outputs.shape[0],) + tuple(self._output_shape)
                if len(declared) == len(outputs.shape):
                    outputs.shape = TensorShape(declared)
        return outputs

    def compute_mask(self, inputs, mask=None):
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask

    def get_config(self):
        from tkeras.utils.generic_utils import func_dump

        config = super().get_config()
        if isinstance(self.function, types.LambdaType) and self.function.__name__ == "<lambda>":
            function, function_type = func_dump(self.function), "lambda"
        else:
            function, function_type = self.function.__name__, "function"
        output_shape, output_shape_type = self._output_shape, "raw"
        if callable(output_shape):
            if getattr(output_shape, "__name__", "") == "<lambda>":
                output_shape, output_shape_type = func_dump(output_shape), "lambda"
            else:
                output_shape, output_shape_type = output_shape.__name__, "function"
        elif output_shape is not None:
            output_shape = list(output_shape)
        config.update({"function": function, "function_type": function_type,
                       "output_shape": output_shape, "output_shape_type": output_shape_type,
                       "arguments": self.arguments})
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None, safe_mode=None):
        from tkeras.saving.model_config import _current_safe_mode
        from tkeras.utils.generic_utils import deserialize_function

        if safe_mode is None:
            safe_mode = _current_safe_mode()
        config = dict(config)
        config["function"] = deserialize_function(
            config.pop("function"), config.pop("function_type", "function"), custom_objects,
            safe_mode, config.get("name"))
        shape_type = config.pop("output_shape_type", "raw")
        if shape_type != "raw" and config.get("output_shape") is not None:
            config["output_shape"] = deserialize_function(
                config["output_shape"], shape_type, custom_objects, safe_mode, config.get("name"))
        config.pop("module", None)
        config.pop("function_module", None)
        config.pop("output_shape_module", None)
        return cls(**config)


class Masking(Layer):
    """Masks timesteps whose features all equal `mask_value`; downstream layers that
    support masking (LSTM, ...) skip them.

    Example:

    >>> x = np.array([[[1.0], [0.0]]], "float32")
    >>> tkeras.layers.Masking(0.0).compute_mask(torch.tensor(x)).tolist()
    [[True, False]]
    """

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = mask_value
        self.supports_masking = True

    def compute_mask(self, inputs, mask=None):
        return torch.any(inputs != self.mask_value, dim=-1)

    def call(self, inputs):
        keep = torch.any(inputs != self.mask_value, dim=-1, keepdim=True)
        return inputs * keep.to(inputs.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["mask_value"] = self.mask_value
        return config


class ActivityRegularization(Layer):
    """Identity layer that adds `l1 * sum|x| + l2 * sum x^2` (averaged over the batch, as
    tf.keras) to the training loss."""

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        kwargs["activity_regularizer"] = regularizers.L1L2(l1=l1, l2=l2)
        super().__init__(**kwargs)
        self.l1 = float(l1)
        self.l2 = float(l2)
        self.supports_masking = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.pop("activity_regularizer", None)
        config.update({"l1": self.l1, "l2": self.l2})
        return config


# ---------------------------------------------------------------- spatial dropout
def _seeded_generator(layer, device):
    """The layer's own random generator when it has a `seed` (None otherwise): as in
    Keras, two layers built with the same seed draw the same sequence."""
    if layer.seed is None or device.type == "meta":
        return None
    generators = layer.__dict__.setdefault("_generators", {})
    g = generators.get(str(device))
    if g is None:
        g = generators[str(device)] = torch.Generator(device=device)
        g.manual_seed(int(layer.seed))
    return g


class _SpatialDropout(Dropout):
    """Dropout of whole feature maps: one keep/drop draw per (sample, channel)."""

    _rank = None  # input rank

    def __init__(self, rate, data_format=None, **kwargs):
        super().__init__(rate, **kwargs)
        self.data_format = _config.normalize_data_format(data_format)
        self.input_spec = InputSpec(ndim=self._rank)

    def _noise_shape(self, inputs):
        ones = (1,) * (inputs.ndim - 2)
        if self.data_format == "channels_first":
            return (inputs.shape[0], inputs.shape[1]) + ones
        return (inputs.shape[0],) + ones + (inputs.shape[-1],)

    def call(self, inputs, training=None):
        if not training or self.rate == 0.0:
            return inputs
        keep = torch.rand(self._noise_shape(inputs), dtype=inputs.dtype, device=inputs.device,
                          generator=_seeded_generator(self, inputs.device)) >= self.rate
        # Scale the small mask, then one multiply over the input.
        return inputs * (keep.to(inputs.dtype) * (1.0 / (1.0 - self.rate)))

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config


class SpatialDropout1D(_SpatialDropout):
    """Drops entire 1D feature maps (channels) of a `(batch, steps, channels)` input in
    training, scaling the kept ones by `1 / (1 - rate)`: adjacent timesteps are strongly
    correlated, so per-entry dropout would barely regularize.

    Args:
        rate: Float in [0, 1), the fraction of channels to drop.

    Input shape / Output shape:
        3D tensor `(batch, steps, channels)`.

    Example:

    >>> x = np.ones((1, 2, 3), "float32")
    >>> tkeras.layers.SpatialDropout1D(0.5)(x).tolist()  # inference: identity
    [[[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]]
    """

    _rank = 3

    def __init__(self, rate, **kwargs):
        super().__init__(rate, data_format="channels_last", **kwargs)

    def get_config(self):
        config = super().get_config()
        config.pop("data_format")
        return config


class SpatialDropout2D(_SpatialDropout):
    """Drops entire 2D feature maps (channels) in training, scaling the kept ones by
    `1 / (1 - rate)`.

    Args:
        rate: Float in [0, 1), the fraction of channels to drop.
        data_format: `'channels_last'` (`(batch, rows, cols, channels)`) or
            `'channels_first'` (`(batch, channels, rows, cols)`). Defaults to
            `K.image_data_format()`.

    Example:

    >>> x = np.ones((1, 1, 1, 2), "float32")
    >>> tkeras.layers.SpatialDropout2D(0.5)(x).tolist()  # inference: identity
    [[[[1.0, 1.0]]]]
    """

    _rank = 4


class SpatialDropout3D(_SpatialDropout):
    """Drops entire 3D feature maps (channels) in training, scaling the kept ones by
    `1 / (1 - rate)`.

    Args:
        rate: Float in [0, 1), the fraction of channels to drop.
        data_format: `'channels_last'` (`(batch, d1, d2, d3, channels)`) or
            `'channels_first'` (`(batch, channels, d1, d2, d3)`). Defaults to
            `K.image_data_format()`.

    Example:

    >>> x = np.ones((1, 1, 1, 1, 2), "float32")
    >>> tkeras.layers.SpatialDropout3D(0.5)(x).tolist()  # inference: identity
    [[[[[1.0, 1.0]]]]]
    """

    _rank = 5
