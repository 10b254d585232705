"""TensorFlow operations recorded in tf.keras functional models: TFOpLambda,
SlicingOpLambda (Keras 2's `keras.layers.core.tf_op_layer`).

tf.keras turns a TensorFlow function applied to a symbolic tensor
(`tf.nn.relu6(x)`, `x * 0.5`, `x[:, 1:]`) into a layer whose config names the function
(`{"function": "nn.relu6"}`); the first argument is the layer input, the others are
call keyword arguments under TensorFlow's names (`y`, `axis`, `name`, ...). The Keras 2
applications use a few of them (MobileNetV3's hard-swish, ConvNeXt's and RegNet's
residual additions). tkeras maps each known function to torch; an unknown one is
refused when the model is built, with its name.
"""
import torch
import torch.nn.functional as F

from tkeras.engine.base_layer import Layer
from tkeras.engine.keras_tensor import torch_dtype

__all__ = ["TFOpLambda", "SlicingOpLambda"]


def _axes(axis, ndim):
    if axis is None:
        return list(range(ndim))
    return [int(a) for a in axis] if isinstance(axis, (list, tuple)) else [int(axis)]


def _reduce(fn):
    def reduce(input_tensor, axis=None, keepdims=False, name=None, **_):
        x = input_tensor
        for a in sorted((a % x.dim() for a in _axes(axis, x.dim())), reverse=True):
            x = fn(x, a, keepdims)
        return x
    return reduce


def _l2_normalize(x, axis=None, epsilon=1e-12, name=None, dim=None):
    axes = _axes(dim if axis is None else axis, x.dim())
    square_sum = torch.sum(x * x, dim=axes, keepdim=True)
    return x * torch.rsqrt(torch.clamp(square_sum, min=epsilon))


def _transpose(a, perm=None, conjugate=False, name=None):
    return a.permute(*(perm if perm is not None else reversed(range(a.dim()))))


def _matmul(a, b, transpose_a=False, transpose_b=False, name=None, **_):
    if transpose_a:
        a = a.transpose(-1, -2)
    if transpose_b:
        b = b.transpose(-1, -2)
    return torch.matmul(a, b)


def _squeeze(input, axis=None, name=None, squeeze_dims=None):  # noqa: A002 (TF's name)
    axis = squeeze_dims if axis is None else axis
    if axis is None:
        return torch.squeeze(input)
    return torch.squeeze(input, dim=tuple(_axes(axis, input.dim())))


def _binary(fn, tensors=False):
    def op(x, y, name=None):
        if tensors:  # torch.maximum & co. take no Python numbers
            like = x if isinstance(x, torch.Tensor) else y
            x, y = (v if isinstance(v, torch.Tensor)
                    else torch.as_tensor(v, dtype=like.dtype, device=like.device) for v in (x, y))
        return fn(x, y)
    return op


def _unary(fn):
    def op(x, name=None):
        return fn(x)
    return op


def _features(fn):
    def op(features, name=None, **kwargs):
        return fn(features, **kwargs)
    return op


# TensorFlow function name (as tf.keras writes it, without "tf.") -> torch function
# taking TensorFlow's argument names.
_OPS = {
    "__operators__.add": _binary(lambda x, y: x + y),
    "math.add": _binary(lambda x, y: x + y),
    "math.subtract": _binary(lambda x, y: x - y),
    "math.multiply": _binary(lambda x, y: x * y),
    "math.truediv": _binary(lambda x, y: x / y),
    "math.divide": _binary(lambda x, y: x / y),
    "math.floordiv": _binary(lambda x, y: x // y),
    "math.pow": _binary(lambda x, y: x ** y),
    "math.maximum": _binary(torch.maximum, tensors=True),
    "math.minimum": _binary(torch.minimum, tensors=True),
    "math.squared_difference": _binary(lambda x, y: (x - y) ** 2),
    "math.negative": _unary(torch.neg),
    "math.abs": _unary(torch.abs),
    "math.exp": _unary(torch.exp),
    "math.log": _unary(torch.log),
    "math.sqrt": _unary(torch.sqrt),
    "math.rsqrt": _unary(torch.rsqrt),
    "math.square": _unary(torch.square),
    "math.reciprocal": _unary(torch.reciprocal),
    "math.erf": _unary(torch.erf),
    "math.sigmoid": _unary(torch.sigmoid),
    "math.tanh": _unary(torch.tanh),
    "math.softplus": _features(F.softplus),
    "math.reduce_sum": _reduce(lambda x, a, k: torch.sum(x, dim=a, keepdim=k)),
    "math.reduce_mean": _reduce(lambda x, a, k: torch.mean(x, dim=a, keepdim=k)),
    "math.reduce_max": _reduce(lambda x, a, k: torch.amax(x, dim=a, keepdim=k)),
    "math.reduce_min": _reduce(lambda x, a, k: torch.amin(x, dim=a, keepdim=k)),
    "math.reduce_prod": _reduce(lambda x, a, k: torch.prod(x, dim=a, keepdim=k)),
    "math.l2_normalize": _l2_normalize,
    "nn.relu": _features(F.relu),
    "nn.relu6": _features(lambda x: torch.clamp(x, 0.0, 6.0)),
    "nn.elu": _features(F.elu),
    "nn.selu": _features(F.selu),
    "nn.leaky_relu": _features(lambda x, alpha=0.2: F.leaky_relu(x, alpha)),
    "nn.gelu": _features(lambda x, approximate=False:
                         F.gelu(x, approximate="tanh" if approximate else "none")),
    "nn.silu": _features(lambda x, beta=1.0: x * torch.sigmoid(beta * x)),
    "nn.softplus": _features(F.softplus),
    "nn.softmax": lambda logits, axis=None, name=None: torch.softmax(
        logits, dim=-1 if axis is None else int(axis)),
    "nn.l2_normalize": _l2_normalize,
    "concat": lambda values, axis, name="concat": torch.cat(list(values), dim=int(axis)),
    "stack": lambda values, axis=0, name="stack": torch.stack(list(values), dim=int(axis)),
    "reshape": lambda tensor, shape, name=None: torch.reshape(
        tensor, tuple(int(d) for d in shape)),
    "transpose": _transpose,
    "compat.v1.transpose": _transpose,
    "expand_dims": lambda input, axis, name=None: torch.unsqueeze(input, int(axis)),
    "squeeze": _squeeze,
    "compat.v1.squeeze": _squeeze,
    "identity": lambda input, name=None: input,
    "cast": lambda x, dtype, name=None: x.to(torch_dtype(dtype)),
    "clip_by_value": lambda t, clip_value_min, clip_value_max, name=None: torch.clamp(
        t, clip_value_min, clip_value_max),
    "linalg.matmul": _matmul,
}
_OPS["nn.swish"] = _OPS["nn.silu"]
_OPS["nn.sigmoid"] = _OPS["math.sigmoid"]
_OPS["nn.tanh"] = _OPS["math.tanh"]
_OPS["math.divide_no_nan"] = _binary(lambda x, y: torch.where(
    y == 0, torch.zeros_like(x), x / torch.where(y == 0, torch.ones_like(y), y)), tensors=True)
_OPS["matmul"] = _OPS["linalg.matmul"]


class TFOpLambda(Layer):
    """A TensorFlow function applied to a tensor, as tf.keras records it in a model
    config (`class_name: "TFOpLambda"`): tkeras runs the torch equivalent.

    Args:
        function: The TensorFlow function's name without `tf.`, as tf.keras writes it,
            e.g. `"math.multiply"`, `"nn.relu6"`, `"__operators__.add"`, `"concat"`.

    Call arguments:
        inputs: The function's first argument (a tensor, or a list for `concat`).
        **kwargs: Its other arguments under TensorFlow's names (`y`, `axis`, ...).

    Example:

    >>> layer = tkeras.layers.TFOpLambda("math.multiply")
    >>> layer(np.array([[1.0, 2.0]], "float32"), y=3.0).tolist()
    [[3.0, 6.0]]
    """

    # tf-keras writes the inbound node of a single input unwrapped; so does tkeras.
    _preserve_input_structure_in_config = True

    def __init__(self, function, **kwargs):
        if not isinstance(function, str):
            raise TypeError(
                "`function` of a TFOpLambda layer is the TensorFlow function's name. "
                f"Received: function={function!r}. Example: TFOpLambda('math.multiply')."
            )
        name = function[3:] if function.startswith("tf.") else function
        if name not in self._ops():
            raise ValueError(
                f"The model uses the TensorFlow function `tf.{name}` (a {type(self).__name__} "
                "layer), which tkeras cannot translate to torch. Supported functions: "
                f"{', '.join('tf.' + k for k in sorted(self._ops()))}. Replace it with Keras "
                "layers in the original model, or pass your own layer for it in "
                f"`custom_objects={{'{type(self).__name__}': ...}}`."
            )
        kwargs.setdefault("name", "tf." + name)
        kwargs.pop("autocast", None)
        super().__init__(**kwargs)
        self.function = name
        self._fn = self._ops()[name]

    @staticmethod
    def _ops():
        return _OPS

    def call(self, inputs, *args, training=None, mask=None, **kwargs):
        return self._fn(inputs, *args, **kwargs)

    def get_config(self):
        config = super().get_config()
        config["function"] = self.function
        return config


def _slice(entry):
    if isinstance(entry, dict):
        if entry.get("class_name") == "__ellipsis__":
            return Ellipsis
        if set(entry) >= {"start", "stop", "step"}:
            return slice(entry["start"], entry["stop"], entry["step"])
    if entry is None:  # tf.newaxis
        return None
    return entry


def _getitem(tensor, slice_spec, var=None, name=None):
    spec = slice_spec if isinstance(slice_spec, (list, tuple)) else [slice_spec]
    return tensor[tuple(_slice(s) for s in spec)]


class SlicingOpLambda(TFOpLambda):
    """Indexing of a tensor (`x[:, 1:3, ..., ::2]`), as tf.keras records it in a model
    config (`class_name: "SlicingOpLambda"`, function `"__operators__.getitem"`).

    Call arguments:
        inputs: The sliced tensor.
        slice_spec: Per axis an int, a `slice` or tf.keras's serialized forms
            (`{"start", "stop", "step"}`, `{"class_name": "__ellipsis__"}`).

    Example:

    >>> layer = tkeras.layers.SlicingOpLambda("__operators__.getitem")
    >>> x = np.arange(6, dtype="float32").reshape(2, 3)
    >>> layer(x, slice_spec=[{"start": None, "stop": None, "step": None},
    ...                      {"start": 1, "stop": None, "step": None}]).tolist()
    [[1.0, 2.0], [4.0, 5.0]]
    """

    @staticmethod
    def _ops():
        return {"__operators__.getitem": _getitem}
