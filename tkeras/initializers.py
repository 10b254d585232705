"""Weight initializers (`keras.initializers`), producing torch tensors.

An initializer is called with a shape in the Keras layout (a Dense kernel is
`(input_dim, units)`, a Conv2D kernel `(kh, kw, in_channels, filters)`) and returns a
new tensor of that shape. Fan-in and fan-out are computed from that layout exactly as
Keras does, so `glorot_uniform` and friends draw from the same distributions as in
Keras 2. Layers convert the result to their torch layout themselves.

Randomness: an initializer built with `seed=` returns the same values on every call
(like tf.keras 2.x); without a seed it draws from torch's global generator, so
`torch.manual_seed` makes a whole model reproducible. Values are drawn on the CPU and
then moved to the current device, so a seed gives the same weights on every device.
"""
import math

import numpy as np
import torch

from tkeras.backend._config import current_device, floatx
from tkeras.utils.generic_utils import deserialize_keras_object, serialize_builtin

__all__ = [
    "Initializer", "Zeros", "Ones", "Constant", "RandomNormal", "RandomUniform",
    "TruncatedNormal", "VarianceScaling", "Orthogonal", "Identity",
    "GlorotUniform", "GlorotNormal", "LecunUniform", "LecunNormal", "HeUniform",
    "HeNormal",
    "zeros", "ones", "constant", "random_normal", "random_uniform", "truncated_normal",
    "variance_scaling", "orthogonal", "identity", "glorot_uniform", "glorot_normal",
    "lecun_uniform", "lecun_normal", "he_uniform", "he_normal",
    "get", "serialize", "deserialize",
]

# Mean-preserving correction so that a normal truncated at 2 stddev has the wanted
# stddev: the stddev of a standard normal truncated to (-2, 2).
_TRUNCATED_STDDEV_CORRECTION = 0.87962566103423978


def _torch_dtype(dtype):
    if dtype is None:
        return getattr(torch, floatx())
    if isinstance(dtype, torch.dtype):
        return dtype
    name = np.dtype(dtype).name if not isinstance(dtype, str) else dtype
    result = getattr(torch, name, None)
    if not isinstance(result, torch.dtype):
        raise ValueError(f"Unknown dtype for an initializer. Received: dtype={dtype!r}")
    return result


def _shape_tuple(shape):
    if isinstance(shape, int):
        return (shape,)
    try:
        result = tuple(int(d) for d in shape)
    except (TypeError, ValueError):
        raise ValueError(
            "An initializer needs a fully defined shape (a tuple of ints). "
            f"Received: shape={shape!r}"
        ) from None
    if any(d < 0 for d in result):
        raise ValueError(f"Shape dimensions must be non-negative. Received: shape={shape!r}")
    return result


def _compute_fans(shape):
    """Fan-in and fan-out of a Keras-layout weight shape.

    Rank 0: (1, 1); rank 1: (n, n); rank 2: (in, out); higher ranks are conv kernels
    `(*kernel_size, in, out)` where both fans are multiplied by the receptive field.
    """
    if len(shape) < 1:
        fan_in = fan_out = 1
    elif len(shape) == 1:
        fan_in = fan_out = shape[0]
    elif len(shape) == 2:
        fan_in, fan_out = shape[0], shape[1]
    else:
        receptive_field_size = 1
        for dim in shape[:-2]:
            receptive_field_size *= dim
        fan_in = shape[-2] * receptive_field_size
        fan_out = shape[-1] * receptive_field_size
    return int(fan_in), int(fan_out)


class Initializer:
    """Base class of all initializers.

    Subclasses implement `__call__(shape, dtype=None)` returning a tensor of `shape`,
    and `get_config()` returning the constructor arguments.

    Example:

    >>> class Halves(Initializer):
    ...     def __call__(self, shape, dtype=None):
    ...         return self._full(shape, 0.5, dtype)
    >>> Halves()((2,)).tolist()
    [0.5, 0.5]
    """

    def __call__(self, shape, dtype=None):
        raise NotImplementedError(
            f"Initializer {self.__class__.__name__} does not implement `__call__`."
        )

    def get_config(self):
        """Returns the constructor arguments as a JSON-serializable dict."""
        return {}

    @classmethod
    def from_config(cls, config):
        """Builds an initializer from the dict returned by `get_config()`."""
        config = dict(config)
        config.pop("dtype", None)  # stored by old tf.keras versions
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{self.__class__.__name__}({args})"

    # -- helpers for subclasses ------------------------------------------------
    def _full(self, shape, value, dtype=None):
        shape = _shape_tuple(shape)
        return torch.full(shape, value, dtype=_torch_dtype(dtype), device=current_device())

    def _random(self, shape, dtype, fill):
        """New tensor of `shape`, filled on the CPU by `fill(tensor, generator)`."""
        shape = _shape_tuple(shape)
        dtype = _torch_dtype(dtype)
        if not dtype.is_floating_point:
            raise ValueError(
                f"{self.__class__.__name__} can only produce floating point tensors. "
                f"Received: dtype={dtype}"
            )
        device = current_device()
        if device is not None and torch.device(device).type == "meta":
            return torch.empty(shape, dtype=dtype, device="meta")
        work_dtype = torch.float64 if dtype == torch.float64 else torch.float32
        out = torch.empty(shape, dtype=work_dtype)
        generator = None
        seed = getattr(self, "seed", None)
        if seed is not None:
            generator = torch.Generator().manual_seed(int(seed))
        with torch.no_grad():
            fill(out, generator)
        return out.to(device=device, dtype=dtype)


class Zeros(Initializer):
    """Initializer that generates tensors initialized to 0.

    Example:

    >>> Zeros()((2, 2)).tolist()
    [[0.0, 0.0], [0.0, 0.0]]
    """

    def __call__(self, shape, dtype=None):
        shape = _shape_tuple(shape)
        return torch.zeros(shape, dtype=_torch_dtype(dtype), device=current_device())


class Ones(Initializer):
    """Initializer that generates tensors initialized to 1.

    Example:

    >>> Ones()((3,)).tolist()
    [1.0, 1.0, 1.0]
    """

    def __call__(self, shape, dtype=None):
        shape = _shape_tuple(shape)
        return torch.ones(shape, dtype=_torch_dtype(dtype), device=current_device())


class Constant(Initializer):
    """Initializer that generates tensors with a constant value.

    Args:
        value: A Python scalar, or a list / array with either one element or exactly
            as many elements as the requested shape (it is reshaped to the shape).
            Defaults to `0`.

    Example:

    >>> Constant(3.0)((2,)).tolist()
    [3.0, 3.0]
    """

    def __init__(self, value=0):
        if isinstance(value, torch.Tensor):
            value = value.detach().cpu().numpy()
        if not (np.isscalar(value) or isinstance(value, (list, tuple, np.ndarray))):
            raise TypeError(
                "`value` must be a scalar, a list or an array. "
                f"Received: value={value!r} of type {type(value).__name__}"
            )
        self.value = value

    def __call__(self, shape, dtype=None):
        shape = _shape_tuple(shape)
        dtype = _torch_dtype(dtype)
        if np.isscalar(self.value):
            return torch.full(shape, self.value, dtype=dtype, device=current_device())
        array = np.asarray(self.value)
        size = int(np.prod(shape))
        if array.size == 1:
            array = np.full(shape, array.reshape(()))
        elif array.size == size:
            array = array.reshape(shape)
        else:
            raise TypeError(
                f"The Constant initializer value has {array.size} elements, but the "
                f"requested shape {shape} has {size}. Pass a scalar or a value with "
                f"exactly {size} elements. Received: value={self.value!r}"
            )
        return torch.tensor(np.array(array), dtype=dtype, device=current_device())

    def get_config(self):
        value = self.value
        if isinstance(value, np.ndarray):
            value = value.tolist()
        elif isinstance(value, np.generic):
            value = value.item()
        return {"value": value}


class RandomNormal(Initializer):
    """Initializer that generates tensors with a normal distribution.

    Args:
        mean: Mean of the random values. Defaults to `0.0`.
        stddev: Standard deviation of the random values. Defaults to `0.05`.
        seed: Int. With a seed, every call returns the same values.
            Defaults to `None`.

    Example:

    >>> tuple(RandomNormal(stddev=1.0, seed=1)((2, 3)).shape)
    (2, 3)
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        self.seed = seed

    def __call__(self, shape, dtype=None):
        return self._random(
            shape, dtype,
            lambda t, g: t.normal_(float(self.mean), float(self.stddev), generator=g),
        )

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class RandomUniform(Initializer):
    """Initializer that generates tensors with a uniform distribution.

    Args:
        minval: Lower bound of the range of random values. Defaults to `-0.05`.
        maxval: Upper bound of the range of random values. Defaults to `0.05`.
        seed: Int. With a seed, every call returns the same values.
            Defaults to `None`.

    Example:

    >>> w = RandomUniform(0.0, 1.0, seed=3)((100,))
    >>> bool(w.min() >= 0.0 and w.max() < 1.0)
    True
    """

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval = minval
        self.maxval = maxval
        self.seed = seed

    def __call__(self, shape, dtype=None):
        return self._random(
            shape, dtype,
            lambda t, g: t.uniform_(float(self.minval), float(self.maxval), generator=g),
        )

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


def _truncated_normal_(t, mean, stddev, generator):
    # Values more than 2 stddev from the mean are re-drawn (as in TensorFlow).
    # Inverse-CDF sampling gives exactly that distribution in one pass.
    torch.nn.init.trunc_normal_(t, 0.0, 1.0, -2.0, 2.0, generator=generator)
    return t.mul_(stddev).add_(mean)


class TruncatedNormal(Initializer):
    """Initializer that generates a truncated normal distribution.

    Values more than two standard deviations from the mean are discarded and
    re-drawn. This is the recommended initializer for neural network weights.

    Args:
        mean: Mean of the random values. Defaults to `0.0`.
        stddev: Standard deviation of the normal before truncation.
            Defaults to `0.05`.
        seed: Int. With a seed, every call returns the same values.
            Defaults to `None`.

    Example:

    >>> w = TruncatedNormal(stddev=1.0, seed=0)((1000,))
    >>> bool(w.abs().max() <= 2.0)
    True
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        self.seed = seed

    def __call__(self, shape, dtype=None):
        return self._random(
            shape, dtype,
            lambda t, g: _truncated_normal_(t, float(self.mean), float(self.stddev), g),
        )

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class VarianceScaling(Initializer):
    """Initializer capable of adapting its scale to the shape of weights.

    With `distribution="truncated_normal"` or `"untruncated_normal"`, samples are
    drawn from a (truncated) normal with mean 0 and `stddev = sqrt(scale / n)`, where
    `n` is the fan-in (`mode="fan_in"`), the fan-out (`"fan_out"`) or their average
    (`"fan_avg"`). With `distribution="uniform"`, samples are drawn from
    `[-limit, limit]` with `limit = sqrt(3 * scale / n)`.

    Args:
        scale: Positive float scaling factor. Defaults to `1.0`.
        mode: One of `"fan_in"`, `"fan_out"`, `"fan_avg"`. Defaults to `"fan_in"`.
        distribution: One of `"truncated_normal"`, `"untruncated_normal"`,
            `"uniform"`; Keras 2.2's `"normal"` means `"truncated_normal"`.
            Defaults to `"truncated_normal"`.
        seed: Int. With a seed, every call returns the same values.
            Defaults to `None`.

    Example:

    >>> init = VarianceScaling(scale=2.0, mode="fan_in", distribution="uniform")
    >>> bool(init((3, 3, 16, 32)).abs().max() <= (3 * 2.0 / (3 * 3 * 16)) ** 0.5)
    True
    """

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal",
                 seed=None):
        if not isinstance(scale, (int, float, np.number)) or not scale > 0.0:
            raise ValueError(f"`scale` must be a positive float. Received: scale={scale!r}")
        allowed_modes = {"fan_in", "fan_out", "fan_avg"}
        mode = mode.lower() if isinstance(mode, str) else mode
        if mode not in allowed_modes:
            raise ValueError(
                f"`mode` should be one of {sorted(allowed_modes)}. Received: mode={mode!r}"
            )
        distribution = distribution.lower() if isinstance(distribution, str) else distribution
        # Keras 2.2 files say "normal" for what is a truncated normal.
        if distribution == "normal":
            distribution = "truncated_normal"
        allowed_distributions = {"uniform", "truncated_normal", "untruncated_normal"}
        if distribution not in allowed_distributions:
            raise ValueError(
                f"`distribution` should be one of {sorted(allowed_distributions)} (or "
                f"'normal'). Received: distribution={distribution!r}"
            )
        self.scale = scale
        self.mode = mode
        self.distribution = distribution
        self.seed = seed

    def _scale_for(self, shape):
        fan_in, fan_out = _compute_fans(shape)
        scale = float(self.scale)
        if self.mode == "fan_in":
            scale /= max(1.0, fan_in)
        elif self.mode == "fan_out":
            scale /= max(1.0, fan_out)
        else:
            scale /= max(1.0, (fan_in + fan_out) / 2.0)
        return scale

    def __call__(self, shape, dtype=None):
        shape = _shape_tuple(shape)
        scale = self._scale_for(shape)
        if self.distribution == "truncated_normal":
            stddev = math.sqrt(scale) / _TRUNCATED_STDDEV_CORRECTION
            fill = lambda t, g: _truncated_normal_(t, 0.0, stddev, g)  # noqa: E731
        elif self.distribution == "untruncated_normal":
            stddev = math.sqrt(scale)
            fill = lambda t, g: t.normal_(0.0, stddev, generator=g)  # noqa: E731
        else:
            limit = math.sqrt(3.0 * scale)
            fill = lambda t, g: t.uniform_(-limit, limit, generator=g)  # noqa: E731
        return self._random(shape, dtype, fill)

    def get_config(self):
        return {
            "scale": self.scale,
            "mode": self.mode,
            "distribution": self.distribution,
            "seed": self.seed,
        }


class Orthogonal(Initializer):
    """Initializer that generates an orthogonal matrix.

    For a shape of rank > 2 the matrix has `prod(shape[:-1])` rows and `shape[-1]`
    columns; its rows (if fewer) or columns (if fewer) are orthonormal, scaled by
    `gain`, and the result is reshaped to `shape`.

    Args:
        gain: Multiplicative factor applied to the matrix. Defaults to `1.0`.
        seed: Int. With a seed, every call returns the same values.
            Defaults to `None`.

    Example:

    >>> w = Orthogonal(seed=0)((4, 4))
    >>> bool(torch.allclose(w.T @ w, torch.eye(4), atol=1e-5))
    True
    """

    def __init__(self, gain=1.0, seed=None):
        self.gain = gain
        self.seed = seed

    def __call__(self, shape, dtype=None):
        shape = _shape_tuple(shape)
        if len(shape) < 2:
            raise ValueError(
                "The tensor to initialize must be at least two-dimensional. "
                f"Received: shape={shape} of rank {len(shape)}."
            )
        num_rows = 1
        for dim in shape[:-1]:
            num_rows *= dim
        num_cols = shape[-1]
        flat_shape = (max(num_rows, num_cols), min(num_rows, num_cols))
        gain = float(self.gain)

        def fill(out, generator):
            a = torch.empty(flat_shape, dtype=out.dtype).normal_(generator=generator)
            q, r = torch.linalg.qr(a, mode="reduced")
            # Fix the signs so that Q is uniformly distributed (Mezzadri, 2007).
            q = q * torch.sign(torch.diagonal(r))
            if num_rows < num_cols:
                q = q.T
            out.copy_(q.reshape(shape) * gain)

        return self._random(shape, dtype, fill)

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


class Identity(Initializer):
    """Initializer that generates the identity matrix (2D shapes only).

    Non-square shapes give ones on the main diagonal.

    Args:
        gain: Multiplicative factor applied to the identity matrix.
            Defaults to `1.0`.

    Example:

    >>> Identity(gain=2.0)((2, 3)).tolist()
    [[2.0, 0.0, 0.0], [0.0, 2.0, 0.0]]
    """

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        shape = _shape_tuple(shape)
        if len(shape) != 2:
            raise ValueError(
                "Identity matrix initializer can only be used for 2D matrices. "
                f"Received: shape={shape} of rank {len(shape)}."
            )
        eye = torch.eye(*shape, dtype=_torch_dtype(dtype), device=current_device())
        return eye * self.gain

    def get_config(self):
        return {"gain": self.gain}


class _SeedOnly(VarianceScaling):
    # The named VarianceScaling presets store only their seed, as in tf.keras.
    _preset = {}

    def __init__(self, seed=None):
        super().__init__(seed=seed, **self._preset)

    def get_config(self):
        return {"seed": self.seed}


class GlorotUniform(_SeedOnly):
    """Glorot (Xavier) uniform initializer.

    Draws from `[-limit, limit]` with `limit = sqrt(6 / (fan_in + fan_out))`.
    The default kernel initializer of Keras layers.

    Args:
        seed: Int. With a seed, every call returns the same values.
            Defaults to `None`.

    Example:

    >>> w = GlorotUniform(seed=0)((3, 3, 16, 32))
    >>> bool(w.abs().max() <= (6 / (3 * 3 * 16 + 3 * 3 * 32)) ** 0.5)
    True
    """

    _preset = {"scale": 1.0, "mode": "fan_avg", "distribution": "uniform"}


class GlorotNormal(_SeedOnly):
    """Glorot (Xavier) normal initializer.

    Truncated normal with `stddev = sqrt(2 / (fan_in + fan_out))`.

    Args:
        seed: Int. With a seed, every call returns the same values.
            Defaults to `None`.
    """

    _preset = {"scale": 1.0, "mode": "fan_avg", "distribution": "truncated_normal"}


class LecunUniform(_SeedOnly):
    """LeCun uniform initializer: `[-limit, limit]`, `limit = sqrt(3 / fan_in)`.

    Args:
        seed: Int. With a seed, every call returns the same values.
            Defaults to `None`.
    """

    _preset = {"scale": 1.0, "mode": "fan_in", "distribution": "uniform"}


class LecunNormal(_SeedOnly):
    """LeCun normal initializer: truncated normal, `stddev = sqrt(1 / fan_in)`.

    Args:
        seed: Int. With a seed, every call returns the same values.
            Defaults to `None`.
    """

    _preset = {"scale": 1.0, "mode": "fan_in", "distribution": "truncated_normal"}


class HeUniform(_SeedOnly):
    """He uniform initializer: `[-limit, limit]`, `limit = sqrt(6 / fan_in)`.

    Args:
        seed: Int. With a seed, every call returns the same values.
            Defaults to `None`.
    """

    _preset = {"scale": 2.0, "mode": "fan_in", "distribution": "uniform"}


class HeNormal(_SeedOnly):
    """He normal initializer: truncated normal, `stddev = sqrt(2 / fan_in)`.

    Args:
        seed: Int. With a seed, every call returns the same values.
            Defaults to `None`.
    """

    _preset = {"scale": 2.0, "mode": "fan_in", "distribution": "truncated_normal"}


# Lower-case names, as `keras.initializers` exports them.
zeros = Zeros
ones = Ones
constant = Constant
random_normal = RandomNormal
random_uniform = RandomUniform
truncated_normal = TruncatedNormal
variance_scaling = VarianceScaling
orthogonal = Orthogonal
identity = Identity
glorot_uniform = GlorotUniform
glorot_normal = GlorotNormal
lecun_uniform = LecunUniform
lecun_normal = LecunNormal
he_uniform = HeUniform
he_normal = HeNormal

_CLASSES = (
    Initializer, Zeros, Ones, Constant, RandomNormal, RandomUniform, TruncatedNormal,
    VarianceScaling, Orthogonal, Identity, GlorotUniform, GlorotNormal, LecunUniform,
    LecunNormal, HeUniform, HeNormal,
)
_ALL_OBJECTS = {cls.__name__: cls for cls in _CLASSES}
_ALL_OBJECTS.update({
    "zeros": Zeros, "zero": Zeros, "ones": Ones, "one": Ones, "constant": Constant,
    "random_normal": RandomNormal, "normal": RandomNormal,
    "random_uniform": RandomUniform, "uniform": RandomUniform,
    "truncated_normal": TruncatedNormal, "variance_scaling": VarianceScaling,
    "orthogonal": Orthogonal, "identity": Identity,
    "glorot_uniform": GlorotUniform, "glorot_normal": GlorotNormal,
    "lecun_uniform": LecunUniform, "lecun_normal": LecunNormal,
    "he_uniform": HeUniform, "he_normal": HeNormal,
})


def serialize(initializer):
    """Returns the Keras config dict of `initializer`.

    The format is tf.keras 2.x's: `{'module': 'keras.initializers',
    'class_name': 'GlorotUniform', 'config': {'seed': None},
    'registered_name': None}`.
    """
    return serialize_builtin(initializer, _ALL_OBJECTS, "keras.initializers", "initializer")


def deserialize(config, custom_objects=None):
    """Builds an initializer from a config dict or a name.

    Accepts tf.keras dicts (`{'class_name': 'GlorotUniform', 'config': {'seed':
    None}}`), Keras 2.2 dicts (`{'class_name': 'VarianceScaling', 'config':
    {...}}`) and names (`'glorot_uniform'`, `'GlorotUniform'`).
    """
    if isinstance(config, str):
        config = {"class_name": config, "config": {}}
    if isinstance(config, dict):
        name = config.get("class_name")
        # tf.keras 2.0-2.3 wrote e.g. "GlorotUniformV2" / "glorot_uniformV2".
        if isinstance(name, str) and name.endswith("V2") and name[:-2] in _ALL_OBJECTS:
            config = dict(config, class_name=name[:-2])
    obj = deserialize_keras_object(
        config,
        module_objects=_ALL_OBJECTS,
        custom_objects=custom_objects,
        printable_module_name="initializer",
    )
    if isinstance(obj, type):
        obj = obj()
    return obj


def get(identifier):
    """Returns an initializer instance for `identifier`.

    Args:
        identifier: `None` (returns `None`), a name such as `'glorot_uniform'`, a
            config dict, an initializer class (instantiated with defaults), an
            initializer instance, or any callable `fn(shape, dtype=None)`.

    Raises:
        ValueError: for unknown names or identifiers of another type.

    Example:

    >>> get("he_normal").get_config()
    {'seed': None}
    """
    if identifier is None:
        return None
    if isinstance(identifier, (dict, str)):
        return deserialize(identifier)
    if callable(identifier):
        if isinstance(identifier, type):
            identifier = identifier()
        return identifier
    raise ValueError(
        "Could not interpret initializer identifier. Expected a name such as "
        "'glorot_uniform', a config dict, an Initializer or a callable. "
        f"Received: initializer={identifier!r}"
    )
