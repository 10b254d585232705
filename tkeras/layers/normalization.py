"""Normalization layers: BatchNormalization, LayerNormalization (Keras 2's
`keras.layers.normalization`)."""
import numbers

import torch
import torch.nn.functional as F

from tkeras import constraints, initializers, regularizers
from tkeras.engine.base_layer import Layer
from tkeras.engine.input_spec import InputSpec
from tkeras.engine.keras_tensor import torch_dtype

__all__ = ["BatchNormalization", "LayerNormalization"]


class BatchNormalization(Layer):
    """Normalizes activations with batch statistics in training and moving averages in
    inference: `gamma * (x - mean) / sqrt(var + epsilon) + beta`.

    Args:
        axis: The feature axis (kept), `-1` for channels_last. Defaults to `-1`.
        momentum: Moving-average momentum (Keras convention: new = m * old + (1 - m) *
            batch). Defaults to `0.99`.
        epsilon: Added to the variance. Defaults to `1e-3`.
        center / scale: Whether to learn `beta` / `gamma`. Default `True`.
        *_initializer / *_regularizer / *_constraint: as Keras.

    A layer with `trainable=False` always runs in inference mode (fine-tuning), as in
    Keras 2. The moving variance is updated with the biased batch variance, except for
    4-D/5-D inputs normalized on the channel axis, where TensorFlow's fused kernel uses the
    unbiased one; tkeras follows both rules.

    Weights (Keras order): `gamma`, `beta`, `moving_mean`, `moving_variance`, each `(C,)`.
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, renorm=False, renorm_clipping=None,
                 renorm_momentum=0.99, fused=None, virtual_batch_size=None,
                 adjustment=None, **kwargs):
        super().__init__(**kwargs)
        if renorm or virtual_batch_size or adjustment is not None:
            raise ValueError(
                "tkeras's BatchNormalization does not support `renorm`, "
                "`virtual_batch_size` or `adjustment`. Received: "
                f"renorm={renorm}, virtual_batch_size={virtual_batch_size}"
            )
        self._axis_config = axis  # echoed by get_config until build resolves it
        if isinstance(axis, (list, tuple)):
            if len(axis) != 1:
                raise ValueError(f"`axis` must be a single int. Received: axis={axis}")
            self._axis_config = [int(axis[0])]
            axis = axis[0]
        self.axis = int(axis)
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.fused = fused
        self.supports_masking = True

    def build(self, input_shape):
        ndim = len(input_shape)
        axis = self.axis % ndim if -ndim <= self.axis < ndim else None
        if axis is None or axis == 0:
            raise ValueError(
                f"Invalid `axis` for BatchNormalization layer '{self.name}': {self.axis} for an "
                f"input of shape {tuple(input_shape)}. Use the feature axis (e.g. -1)."
            )
        dim = input_shape[axis]
        if dim is None:
            raise ValueError(
                f"Axis {self.axis} of input tensor should have a defined dimension but the layer "
                f"received an input with shape {tuple(input_shape)}."
            )
        self._axis = axis
        self.input_spec = InputSpec(ndim=ndim, axes={self.axis: dim})
        shape = (dim,)
        self.gamma = self.add_weight("gamma", shape, initializer=self.gamma_initializer,
                                     regularizer=self.gamma_regularizer,
                                     constraint=self.gamma_constraint) if self.scale else None
        self.beta = self.add_weight("beta", shape, initializer=self.beta_initializer,
                                    regularizer=self.beta_regularizer,
                                    constraint=self.beta_constraint) if self.center else None
        self.moving_mean = self.add_weight("moving_mean", shape, trainable=False,
                                           initializer=self.moving_mean_initializer)
        self.moving_variance = self.add_weight("moving_variance", shape, trainable=False,
                                               initializer=self.moving_variance_initializer)
        # TensorFlow's fused kernel (4-D/5-D, channel axis) updates the moving variance
        # with the unbiased batch variance; the generic path uses the biased one.
        self._fused = ndim in (4, 5) and axis in (1, ndim - 1) and self.fused is not False
        self.built = True

    def _to_channels_first(self, x):
        return x if self._axis == 1 else x.movedim(self._axis, 1)

    def _from_channels_first(self, y):
        return y if self._axis == 1 else y.movedim(1, self._axis)

    def call(self, inputs, training=None):
        training = bool(training) and self.trainable
        if not inputs.is_floating_point():
            inputs = inputs.to(torch_dtype(self.dtype))
        x = self._to_channels_first(inputs)
        per_channel = x.numel() // max(x.shape[1], 1)
        if per_channel == 0:  # an empty batch has no statistics: nothing to update
            training = False
        if not training or self._fused and per_channel > 1:
            # (torch's kernel refuses one value per channel in training; TensorFlow's
            # gives var 0 there, as the generic path below does.)
            y = F.batch_norm(x, self.moving_mean, self.moving_variance, self.gamma, self.beta,
                             training=training, momentum=1.0 - self.momentum, eps=self.epsilon)
            return self._from_channels_first(y)
        dims = [d for d in range(x.ndim) if d != 1]
        var, mean = torch.var_mean(x, dim=dims, unbiased=False)
        with torch.no_grad():
            if x.device.type != "meta":
                self.moving_mean.lerp_(mean.detach(), 1.0 - self.momentum)
                self.moving_variance.lerp_(var.detach(), 1.0 - self.momentum)
        shape = [1] * x.ndim
        shape[1] = -1
        inv = torch.rsqrt(var + self.epsilon)
        if self.gamma is not None:
            inv = inv * self.gamma
        y = (x - mean.reshape(shape)) * inv.reshape(shape)
        if self.beta is not None:
            y = y + self.beta.reshape(shape)
        return self._from_channels_first(y)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({
            # Once built, Keras 2 saves the axis as a list of positive ints (`[3]`).
            "axis": [self._axis] if getattr(self, "_axis", None) is not None
            else self._axis_config,
            "momentum": self.momentum, "epsilon": self.epsilon,
            "center": self.center, "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
            "moving_variance_initializer": initializers.serialize(self.moving_variance_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
        })
        return config


class LayerNormalization(Layer):
    """Normalizes each sample over `axis`: `gamma * (x - mean) / sqrt(var + epsilon) + beta`,
    with the mean and (biased) variance taken over the `axis` dimensions of that sample.
    Training and inference compute the same thing.

    Args:
        axis: Int or list of ints, the normalized axes (also the axes of `gamma`/`beta`).
            Defaults to `-1`. After build, the config lists them as non-negative ints, as
            Keras does.
        epsilon: Added to the variance. Defaults to `1e-3`.
        center / scale: Whether to learn `beta` / `gamma`. Default `True`.
        beta_initializer / gamma_initializer: Defaults `'zeros'` / `'ones'`.
        beta_regularizer / gamma_regularizer / beta_constraint / gamma_constraint:
            Defaults to `None`.

    Weights (Keras order): `gamma`, `beta`, each of shape `[input_shape[a] for a in axis]`.

    Example:

    >>> x = np.array([[1.0, 3.0]], "float32")
    >>> tkeras.layers.LayerNormalization()(x).numpy().astype(float).round(4).tolist()
    [[-0.9995, 0.9995]]
    """

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 **kwargs):
        super().__init__(**kwargs)
        axes = list(axis) if isinstance(axis, (list, tuple)) else [axis]
        if not axes or not all(isinstance(a, numbers.Integral) and not isinstance(a, bool)
                               for a in axes):
            raise TypeError(
                "Expected an int or a list/tuple of ints for the argument `axis`. "
                f"Received: axis={axis!r}"
            )
        self.axis = [int(a) for a in axis] if isinstance(axis, (list, tuple)) else int(axis)
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True

    def build(self, input_shape):
        ndim = len(input_shape)
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        axes = [a + ndim if a < 0 else a for a in axes]
        if any(not 0 <= a < ndim for a in axes):
            raise ValueError(
                f"Invalid value for `axis` of LayerNormalization layer '{self.name}'. Expected "
                f"0 <= axis < {ndim} (the input rank). Received: axis={self.axis} for an "
                f"input of shape {tuple(input_shape)}"
            )
        if len(set(axes)) != len(axes):
            raise ValueError(f"Duplicate axis: {tuple(axes)}")
        param_shape = [input_shape[a] for a in axes]
        if None in param_shape:
            raise ValueError(
                f"LayerNormalization layer '{self.name}' needs defined sizes on its normalized "
                f"axes {axes}. Received input shape {tuple(input_shape)}."
            )
        self.axis = axes
        self.gamma = self.add_weight("gamma", param_shape, initializer=self.gamma_initializer,
                                     regularizer=self.gamma_regularizer,
                                     constraint=self.gamma_constraint) if self.scale else None
        self.beta = self.add_weight("beta", param_shape, initializer=self.beta_initializer,
                                    regularizer=self.beta_regularizer,
                                    constraint=self.beta_constraint) if self.center else None
        ordered = sorted(axes)
        # Parameters are laid out in `axis` order; Keras reshapes (not transposes) them to
        # the input's axis order, and so does tkeras.
        self._param_view = tuple(input_shape[a] for a in ordered)
        self._broadcast = tuple(input_shape[d] if d in axes else 1 for d in range(ndim))
        # Trailing axes: torch's fused layer_norm kernel.
        self._trailing = ordered == list(range(ndim - len(axes), ndim))
        self._dims = tuple(ordered)
        self.input_spec = InputSpec(ndim=ndim, axes={a: input_shape[a] for a in axes})
        self.built = True

    def call(self, inputs):
        dtype = torch_dtype(self.dtype)
        if inputs.dtype != dtype:
            inputs = inputs.to(dtype)
        if self._trailing:
            gamma = None if self.gamma is None else self.gamma.reshape(self._param_view)
            beta = None if self.beta is None else self.beta.reshape(self._param_view)
            return F.layer_norm(inputs, self._param_view, gamma, beta, self.epsilon)
        var, mean = torch.var_mean(inputs, dim=self._dims, unbiased=False, keepdim=True)
        inv = torch.rsqrt(var + self.epsilon)
        if self.gamma is not None:
            inv = inv * self.gamma.reshape(self._broadcast)
        out = (inputs - mean) * inv
        if self.beta is not None:
            out = out + self.beta.reshape(self._broadcast)
        return out

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({
            "axis": self.axis, "epsilon": self.epsilon, "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
        })
        return config
