"""Noise layers: GaussianNoise, GaussianDropout, AlphaDropout (Keras 2's
`keras.layers.noise`), plus the spatial dropouts re-exported from `keras.layers.core`.

All of them are the identity at inference and act only when called with `training=True`
(inside `fit`/`train_on_batch`).
"""
import math

import torch

from tkeras.engine.base_layer import Layer
from tkeras.layers.core import (Dropout, SpatialDropout1D, SpatialDropout2D,
                                SpatialDropout3D, _seeded_generator)

__all__ = ["GaussianNoise", "GaussianDropout", "AlphaDropout", "SpatialDropout1D",
           "SpatialDropout2D", "SpatialDropout3D"]

# SELU constants (Klambauer et al., 2017), as in Keras.
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _normal_like(layer, x):
    return torch.randn(x.shape, dtype=x.dtype, device=x.device,
                       generator=_seeded_generator(layer, x.device))


class GaussianNoise(Layer):
    """Adds zero-centered Gaussian noise of standard deviation `stddev` in training.

    Args:
        stddev: Float, standard deviation of the noise.
        seed: Integer, random seed. Defaults to `None`.

    Input shape / Output shape:
        Any; the output has the input's shape.

    Example:

    >>> x = np.ones((1, 3), "float32")
    >>> tkeras.layers.GaussianNoise(0.5)(x).tolist()  # inference: identity
    [[1.0, 1.0, 1.0]]
    """

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(stddev, bool) or not isinstance(stddev, (int, float)) or stddev < 0:
            raise ValueError(
                "`stddev` of GaussianNoise must be a non-negative float. "
                f"Received: stddev={stddev!r}"
            )
        self.stddev = float(stddev)
        self.seed = seed
        self.supports_masking = True

    def call(self, inputs, training=None):
        if not training or self.stddev == 0.0:
            return inputs
        return inputs + _normal_like(self, inputs) * self.stddev

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"stddev": self.stddev, "seed": self.seed})
        return config


class GaussianDropout(Layer):
    """Multiplies the input by Gaussian noise of mean 1 and standard deviation
    `sqrt(rate / (1 - rate))` in training.

    Args:
        rate: Float in [0, 1), the drop probability of the equivalent dropout.
        seed: Integer, random seed. Defaults to `None`.

    Example:

    >>> x = np.ones((1, 3), "float32")
    >>> tkeras.layers.GaussianDropout(0.2)(x).tolist()  # inference: identity
    [[1.0, 1.0, 1.0]]
    """

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate < 1:
            raise ValueError(
                "`rate` of GaussianDropout must be a float in the range [0, 1) (the drop "
                f"probability). Received: rate={rate!r}"
            )
        self.rate = float(rate)
        self.seed = seed
        self.supports_masking = True

    def call(self, inputs, training=None):
        if not training or not 0.0 < self.rate < 1.0:
            return inputs
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        return inputs * (_normal_like(self, inputs) * stddev + 1.0)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed})
        return config


class AlphaDropout(Dropout):
    """Dropout that keeps the mean and variance of its inputs (for SELU networks): in
    training, dropped entries are set to `-alpha * scale` of SELU, then the result is
    transformed by `a * x + b` with Keras's `a`, `b`.

    Args:
        rate: Float in [0, 1), the drop probability.
        noise_shape: Shape of the keep/drop mask (None entries = the input's size).
        seed: Integer, random seed. Defaults to `None`.

    Example:

    >>> x = np.ones((1, 3), "float32")
    >>> tkeras.layers.AlphaDropout(0.2)(x).tolist()  # inference: identity
    [[1.0, 1.0, 1.0]]
    """

    def call(self, inputs, training=None):
        rate = self.rate
        if not training or not 0.0 < rate < 1.0:
            return inputs
        shape = inputs.shape if self.noise_shape is None else tuple(
            inputs.shape[i] if d is None else int(d) for i, d in enumerate(self.noise_shape))
        uniform = torch.rand(shape, dtype=inputs.dtype, device=inputs.device,
                             generator=_seeded_generator(self, inputs.device))
        alpha_p = -_SELU_ALPHA * _SELU_SCALE
        a = ((1 - rate) * (1 + rate * alpha_p ** 2)) ** -0.5
        b = -a * alpha_p * rate
        return torch.where(uniform >= rate, inputs, alpha_p) * a + b
