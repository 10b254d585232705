"""Dtype policies: which dtype a layer computes in and which dtype its weights have.

`'mixed_float16'` and `'mixed_bfloat16'` keep the weights in float32 and run the layer
under `torch.autocast` in the low precision type (matrix products and convolutions in
16 bits, reductions and softmax in float32, as torch's autocast lists decide). Any
other name (`'float32'`, `'float64'`, ...) is a plain policy: weights and computation
in that dtype.
"""
import torch

from tkeras.backend import _config

_MIXED = {"mixed_float16": "float16", "mixed_bfloat16": "bfloat16"}
_PLAIN = ("float16", "bfloat16", "float32", "float64")


class Policy:
    """A dtype policy for a layer (tf.keras `tf.keras.mixed_precision.Policy`).

    Args:
        name: `'mixed_float16'`, `'mixed_bfloat16'`, or a float dtype name
            (`'float32'`, `'float64'`, `'float16'`, `'bfloat16'`).

    Example:

    >>> p = Policy("mixed_bfloat16")
    >>> p.compute_dtype, p.variable_dtype
    ('bfloat16', 'float32')
    """

    def __init__(self, name):
        if isinstance(name, Policy):
            name = name.name
        if isinstance(name, torch.dtype):
            name = str(name).replace("torch.", "")
        if not isinstance(name, str):
            raise TypeError(f"'name' must be a string, but got: {name!r}")
        if name == "_infer":
            name = _config.floatx()
        if name in _MIXED:
            self._compute, self._variable = _MIXED[name], "float32"
        elif name in _PLAIN or isinstance(getattr(torch, name, None), torch.dtype) \
                or name == "string":
            self._compute = self._variable = name
        else:
            raise ValueError(
                f"Cannot convert value {name!r} to a mixed precision Policy. Valid policies "
                "include 'mixed_float16', 'mixed_bfloat16', and the name of any dtype such "
                "as 'float32'.")
        self._name = name

    @property
    def name(self):
        return self._name

    @property
    def compute_dtype(self):
        """The dtype of the layer's computations (and, mostly, of its outputs)."""
        return self._compute

    @property
    def variable_dtype(self):
        """The dtype of the layer's weights."""
        return self._variable

    @property
    def is_mixed(self):
        return self._compute != self._variable

    def get_config(self):
        return {"name": self._name}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)

    def __eq__(self, other):
        return isinstance(other, Policy) and other.name == self.name

    def __hash__(self):
        return hash(self.name)

    def __repr__(self):
        return f'<Policy "{self._name}">'


_GLOBAL = {"policy": None}


def _global_is_mixed():
    """Layers created while the global policy is mixed run through `run_layer` even
    with a full precision policy: the final `dtype='float32'` layer then leaves the
    enclosing autocast."""
    p = _GLOBAL["policy"]
    return p is not None and p.is_mixed


def global_policy():
    """The policy new layers get when they are created without `dtype=`: the one set
    with `set_global_policy`, else a plain policy of `K.floatx()`."""
    p = _GLOBAL["policy"]
    return p if p is not None else Policy(_config.floatx())


def set_global_policy(policy):
    """Sets the policy of the layers created from now on (`None` resets it to
    `K.floatx()`). Layers already created keep theirs, as in Keras.

    Example:

    >>> set_global_policy("mixed_bfloat16")
    >>> global_policy().compute_dtype
    'bfloat16'
    >>> set_global_policy(None)
    """
    if policy is None:
        _GLOBAL["policy"] = None
        return
    if isinstance(policy, str) or isinstance(policy, torch.dtype):
        policy = Policy(policy)
    if not isinstance(policy, Policy):
        raise ValueError(
            "`policy` must be a `Policy`, a policy name such as 'mixed_float16', or None. "
            f"Received: policy={policy!r}")
    compute = torch_dtype_of(policy.compute_dtype)
    if not compute.is_floating_point:
        raise ValueError(
            "set_global_policy can only be used to set the global policy to floating-point "
            f"policies, such as 'float32' and 'mixed_float16', but got policy: {policy.name}")
    _GLOBAL["policy"] = policy


def torch_dtype_of(name):
    return getattr(torch, name)


def layer_policy(dtype):
    """The policy of a layer created with `dtype=` (None, a name, a torch/numpy dtype, a
    `Policy`, or a serialized `{'class_name': 'Policy', ...}`)."""
    if dtype is None:
        return global_policy()
    if isinstance(dtype, Policy):
        policy = dtype
    elif isinstance(dtype, dict) and dtype.get("class_name") in ("Policy", "DTypePolicy"):
        policy = Policy(dtype.get("config", {}).get("name", "float32"))
    else:
        name = dtype
        if isinstance(name, torch.dtype):
            name = str(name).replace("torch.", "")
        elif not isinstance(name, str) and hasattr(name, "name"):
            name = name.name  # numpy dtype
        policy = Policy(str(name))
    return policy


def _device_type(args):
    from tkeras.engine.keras_tensor import flatten

    for a in flatten(args):
        if isinstance(a, torch.Tensor):
            return a.device.type
    return "cpu"


def _caster(dtype):
    def cast(x):
        if isinstance(x, torch.Tensor) and x.is_floating_point() and x.dtype != dtype:
            return x.to(dtype)
        return x
    return cast


_NORMALIZATION = ("BatchNormalization", "LayerNormalization", "GroupNormalization",
                  "UnitNormalization")
_NORMALIZES = {}


def _normalizes(cls):
    hit = _NORMALIZES.get(cls)
    if hit is None:
        hit = _NORMALIZES[cls] = any(c.__name__ in _NORMALIZATION for c in cls.__mro__)
    return hit


def _autocast_active(device, dtype):
    """Whether autocast to `dtype` is already on for `device` (the model's own region)."""
    try:
        return torch.is_autocast_enabled(device) and torch.get_autocast_dtype(device) == dtype
    except (TypeError, AttributeError):  # torch < 2.4: no per-device queries
        return False


def run_layer(layer, policy, args, kwargs):
    """Runs `layer.call` under its policy: autocast for a mixed policy; for a full
    precision layer inside an autocast region, autocast off and float inputs upcast."""
    from tkeras.engine.keras_tensor import map_structure

    device = _device_type(args)
    if policy.is_mixed:
        if device == "meta":
            return layer.call(*args, **kwargs)
        if _normalizes(type(layer)):
            # As Keras: normalization statistics in float32, output in compute dtype.
            args = map_structure(_caster(torch.float32), args)
            with torch.autocast(device_type=device, enabled=False):
                out = layer.call(*args, **kwargs)
            return map_structure(_caster(torch_dtype_of(policy.compute_dtype)), out)
        dtype = torch_dtype_of(policy.compute_dtype)
        if _autocast_active(device, dtype):  # inside the model's region: no re-entry
            return layer.call(*args, **kwargs)
        with torch.autocast(device_type=device, dtype=dtype):
            return layer.call(*args, **kwargs)
    compute = torch_dtype_of(policy.compute_dtype)
    if device == "meta" or not compute.is_floating_point:
        return layer.call(*args, **kwargs)
    # Keras casts a layer's inputs to its compute dtype: the 16-bit activations of
    # the mixed layers before it become float32 here.
    args = map_structure(_caster(compute), args)
    if torch.is_autocast_enabled(device):
        with torch.autocast(device_type=device, enabled=False):
            return layer.call(*args, **kwargs)
    return layer.call(*args, **kwargs)
