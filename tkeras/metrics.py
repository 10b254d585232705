"""Keras 2 metric functions (tf.keras 2.x semantics) and a minimal `Metric` base.

Metric *functions* `fn(y_true, y_pred)` return per-sample float tensors (not reduced
over the batch); the engine averages them. Every loss function is also usable as a
metric under its name (`'mse'`, `'binary_crossentropy'`, ...).

`'accuracy'` / `'acc'` and `'crossentropy'` / `'ce'` passed to `compile` are resolved
by the engine with `resolve_accuracy(loss, output_shape)` /
`resolve_crossentropy(loss, output_shape)` (Keras 2's rule).

Example:

>>> import numpy as np
>>> y_true = np.array([[0, 0, 1], [0, 1, 0]], dtype="float32")
>>> y_pred = np.array([[0.1, 0.9, 0.8], [0.05, 0.95, 0.0]], dtype="float32")
>>> categorical_accuracy(y_true, y_pred).tolist()
[0.0, 1.0]
>>> resolve_accuracy("sparse_categorical_crossentropy", (None, 3)).__name__
'sparse_categorical_accuracy'
"""
import torch

from tkeras import losses as _losses
from tkeras.backend import _config
from tkeras.backend._dispatch import symbolic
from tkeras.losses import (  # noqa: F401  (metric aliases of the loss functions)
    MAE, MAPE, MSE, MSLE, KLD, BCE, bce, binary_crossentropy, categorical_crossentropy,
    categorical_hinge, hinge, kld, kl_divergence, kullback_leibler_divergence, log_cosh,
    logcosh, mae, mape, mean_absolute_error, mean_absolute_percentage_error,
    mean_squared_error, mean_squared_logarithmic_error, mse, msle, poisson,
    sparse_categorical_crossentropy, squared_hinge,
)
from tkeras.losses import _l2_normalize, _squeeze_or_expand, _to_tensor
from tkeras.utils.generic_utils import deserialize_keras_object, serialize_keras_object

__all__ = [
    "Metric", "Mean", "Sum", "MeanMetricWrapper",
    "accuracy", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
    "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy",
    "cosine_similarity", "cosine_proximity", "resolve_accuracy", "resolve_crossentropy",
    "get", "serialize", "deserialize",
]


def _floatx():
    return _config.floatx_dtype()


def _pred(y_pred):
    y_pred = _to_tensor(y_pred)
    if not y_pred.is_floating_point():
        y_pred = y_pred.to(_floatx())
    return y_pred


# ---------------------------------------------------------------- metric functions

@symbolic
def accuracy(y_true, y_pred):
    """Element-wise exact match, `cast(equal(y_true, y_pred), floatx)` (tf.keras's
    `keras.metrics.accuracy`; compile's `'accuracy'` string is resolved separately)."""
    y_pred = _to_tensor(y_pred)
    y_true = _to_tensor(y_true, device=y_pred.device)
    if y_true.dtype != y_pred.dtype:
        y_pred = y_pred.to(y_true.dtype)
    return (y_true == y_pred).to(_floatx())


@symbolic
def binary_accuracy(y_true, y_pred, threshold=0.5):
    """Mean over the last axis of `y_true == (y_pred > threshold)`.

    Args:
        threshold: Predictions above it count as 1. Defaults to `0.5`.
    """
    y_pred = _pred(y_pred)
    y_true = _to_tensor(y_true, device=y_pred.device)
    y_pred = (y_pred > threshold).to(y_pred.dtype)
    return torch.mean((y_true == y_pred).to(_floatx()), dim=-1)


@symbolic
def categorical_accuracy(y_true, y_pred):
    """`argmax(y_true) == argmax(y_pred)` per sample (first index wins ties, as TF)."""
    y_pred = _to_tensor(y_pred)
    y_true = _to_tensor(y_true, device=y_pred.device)
    return (torch.argmax(y_true, dim=-1) == torch.argmax(y_pred, dim=-1)).to(_floatx())


@symbolic
def sparse_categorical_accuracy(y_true, y_pred):
    """`y_true == argmax(y_pred)` per sample; `y_true` of shape `(batch,)` or `(batch, 1)`
    (a trailing size-1 axis is dropped). Float labels are compared as floats, as TF."""
    y_pred = _to_tensor(y_pred)
    y_true = _to_tensor(y_true, device=y_pred.device)
    if y_true.dim() == y_pred.dim() and y_true.dim() > 0:
        y_true = y_true.squeeze(-1)
    pred = torch.argmax(y_pred, dim=-1)
    if pred.dtype != y_true.dtype:
        pred = pred.to(y_true.dtype)
    return (y_true == pred).to(_floatx())


def _in_top_k(predictions, targets, k):
    """tf.math.in_top_k: the target is in the top k iff fewer than k classes score
    strictly higher (ties at the boundary all count as in), and its score is finite."""
    target_score = predictions.gather(-1, targets.unsqueeze(-1))
    higher = torch.sum((predictions > target_score).to(torch.int32), dim=-1)
    return (higher < k) & torch.isfinite(target_score.squeeze(-1))


@symbolic
def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where the class of the one-hot `y_true` is among the top `k` predictions.

    Args:
        k: Number of top elements to look at. Defaults to `5`.
    """
    y_pred = _to_tensor(y_pred)
    y_true = _to_tensor(y_true, device=y_pred.device)
    targets = torch.argmax(y_true, dim=-1)
    return _in_top_k(y_pred, targets, k).to(_floatx())


@symbolic
def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where the integer label `y_true` is among the top `k` predictions.

    Args:
        k: Number of top elements to look at. Defaults to `5`.
    """
    y_pred = _to_tensor(y_pred)
    y_true = _to_tensor(y_true, device=y_pred.device)
    if y_true.dim() == y_pred.dim() and y_true.dim() > 0:
        y_true = y_true.squeeze(-1)
    targets = y_true.to(torch.int64)
    out_shape = y_pred.shape[:-1]
    hits = _in_top_k(y_pred.reshape(-1, y_pred.shape[-1]), targets.reshape(-1), k)
    return hits.reshape(out_shape).to(_floatx())


@symbolic
def cosine_similarity(y_true, y_pred, axis=-1):
    """Cosine similarity `sum(l2_norm(y_true) * l2_norm(y_pred), axis)`, in `[-1, 1]`,
    1 meaning identical directions (positive; the *loss* of the same name is negated)."""
    y_pred = _pred(y_pred)
    y_true = _to_tensor(y_true, dtype=y_pred.dtype, device=y_pred.device)
    return torch.sum(_l2_normalize(y_true, axis) * _l2_normalize(y_pred, axis), dim=axis)


# tf.keras: the metric `cosine_proximity` is the positive similarity.
cosine_proximity = cosine_similarity
acc = ACC = accuracy


# ------------------------------------------------- 'accuracy' / 'crossentropy' rule

def _is_loss(loss_fn, fn, cls):
    """True when `loss_fn` (string, function or Loss object) is `fn` / a `cls`."""
    if isinstance(loss_fn, str):
        try:
            loss_fn = _losses.get(loss_fn)
        except ValueError:
            return False
    if isinstance(loss_fn, cls):
        return True
    if isinstance(loss_fn, _losses.LossFunctionWrapper):
        return loss_fn.fn is fn
    return loss_fn is fn


def _output_is_binary(output_shape):
    return output_shape is not None and len(output_shape) > 0 and output_shape[-1] == 1


def resolve_accuracy(loss_fn, output_shape):
    """The function behind `metrics=['accuracy']` (Keras 2's rule, tf.keras's
    `get_metric_function`): `binary_accuracy` if the output has one unit or the loss is
    binary crossentropy; `sparse_categorical_accuracy` if the loss is sparse categorical
    crossentropy; else `categorical_accuracy`.

    Args:
        loss_fn: The output's loss: a name, a function or a `Loss` object.
        output_shape: The output's shape, e.g. `(None, 10)`.
    """
    if _output_is_binary(output_shape) or _is_loss(
        loss_fn, _losses.binary_crossentropy, _losses.BinaryCrossentropy
    ):
        return binary_accuracy
    if _is_loss(loss_fn, _losses.sparse_categorical_crossentropy,
                _losses.SparseCategoricalCrossentropy):
        return sparse_categorical_accuracy
    return categorical_accuracy


def resolve_crossentropy(loss_fn, output_shape):
    """The function behind `metrics=['crossentropy']` / `['ce']`, same rule as
    `resolve_accuracy`."""
    if _output_is_binary(output_shape) or _is_loss(
        loss_fn, _losses.binary_crossentropy, _losses.BinaryCrossentropy
    ):
        return binary_crossentropy
    if _is_loss(loss_fn, _losses.sparse_categorical_crossentropy,
                _losses.SparseCategoricalCrossentropy):
        return sparse_categorical_crossentropy
    return categorical_crossentropy


# --------------------------------------------------------------- stateful metrics

class Metric:
    """Base class of stateful metrics (minimal).

    Subclasses create their state with `add_weight`, accumulate in
    `update_state(...)` and compute the value in `result()`. Calling the metric
    updates it and returns the current result.

    Example:

    >>> class Count(Metric):
    ...     def __init__(self, name="count", **kwargs):
    ...         super().__init__(name=name, **kwargs)
    ...         self.n = self.add_weight("n")
    ...     def update_state(self, values):
    ...         self.n += torch.as_tensor(values).numel()
    ...     def result(self):
    ...         return self.n
    >>> m = Count()
    >>> float(m([1, 2, 3]))
    3.0
    >>> m.reset_states(); float(m.result())
    0.0
    """

    def __init__(self, name=None, dtype=None, **kwargs):
        self.__dict__["_weight_fill"] = {}   # attribute name -> initial fill value
        self.__dict__["_unbound"] = {}       # id(tensor) -> (tensor, fill), not yet assigned
        self.name = name or _snake_case(self.__class__.__name__)
        self._dtype = dtype or _config.floatx()
        self.stateful = True

    def __setattr__(self, key, value):
        # Remember which attribute holds each state tensor, so `reset_states` works
        # even when `update_state` rebinds it (`self.total = self.total + x`).
        unbound = self.__dict__.get("_unbound")
        if unbound and isinstance(value, torch.Tensor) and id(value) in unbound:
            self._weight_fill[key] = unbound.pop(id(value))[1]
        object.__setattr__(self, key, value)

    @property
    def dtype(self):
        return self._dtype

    def add_weight(self, name, shape=(), dtype=None, initializer="zeros", **kwargs):
        """Creates a state tensor (zeros, or ones with `initializer='ones'`); assign it
        to an attribute: `self.total = self.add_weight('total')`."""
        fill = 1.0 if initializer == "ones" else 0.0
        value = torch.full(tuple(shape), fill, dtype=getattr(torch, dtype or self._dtype))
        self._unbound[id(value)] = (value, fill)
        return value

    @property
    def variables(self):
        return [getattr(self, k) for k in self._weight_fill] + [
            t for t, _ in self._unbound.values()
        ]

    weights = variables

    def update_state(self, *args, **kwargs):
        raise NotImplementedError("Must be implemented in subclasses.")

    def result(self):
        raise NotImplementedError("Must be implemented in subclasses.")

    def reset_states(self):
        """Sets every state tensor back to its initial value (keeping its device)."""
        for key, fill in self._weight_fill.items():
            self.__dict__[key] = torch.full_like(getattr(self, key), fill)
        for t, fill in self._unbound.values():
            t.fill_(fill)

    reset_state = reset_states

    def __call__(self, *args, **kwargs):
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self):
        return {"name": self.name, "dtype": self._dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{self.__class__.__name__} name={self.name!r}>"


def _snake_case(name):
    out = []
    for i, ch in enumerate(name):
        if ch.isupper() and i and not name[i - 1].isupper():
            out.append("_")
        out.append(ch.lower())
    return "".join(out)


class _Reduce(Metric):
    """Accumulates `sum(values * sample_weight)` (and the weight count for a mean).
    The state lives on the device of the values, so updates never sync with the host."""

    _weighted_mean = False

    def __init__(self, name=None, dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype, **kwargs)
        self.total = self.add_weight("total")
        if self._weighted_mean:
            self.count = self.add_weight("count")

    def _follow(self, device):
        if self.total.device != device:
            self.total = self.total.to(device)
            if self._weighted_mean:
                self.count = self.count.to(device)

    def update_state(self, values, sample_weight=None):
        dtype = getattr(torch, self._dtype)
        values = _to_tensor(values)
        values = values.to(dtype)
        self._follow(values.device)
        if sample_weight is not None:
            sample_weight = _to_tensor(sample_weight, dtype=dtype, device=values.device)
            # tf.keras: squeeze/expand the weight's last axis, broadcast it to the
            # values, else reduce the values down to the weight's rank.
            sample_weight = _losses._expand_sample_weight(values, sample_weight)
            try:
                sample_weight = torch.broadcast_to(sample_weight, values.shape)
            except RuntimeError:
                axes = tuple(range(sample_weight.dim(), values.dim()))
                values = values.sum(axes) if not self._weighted_mean else values.mean(axes)
                sample_weight = torch.broadcast_to(sample_weight, values.shape)
            values = values * sample_weight
        self.total.add_(torch.sum(values))
        if self._weighted_mean:
            if sample_weight is None:
                self.count.add_(values.numel())
            else:
                self.count.add_(torch.sum(sample_weight))

    def result(self):
        if self._weighted_mean:
            # divide_no_nan
            return torch.where(self.count == 0, torch.zeros_like(self.total),
                               self.total / torch.where(self.count == 0,
                                                        torch.ones_like(self.count), self.count))
        return self.total.clone()


class Sum(_Reduce):
    """Weighted sum of the given values.

    >>> m = Sum(); _ = m([1, 3, 5, 7]); float(m.result())
    16.0
    """

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)


class Mean(_Reduce):
    """Weighted mean of the given values (`sum(values * w) / sum(w)`).

    >>> m = Mean(); _ = m([1, 3, 5, 7], sample_weight=[1, 1, 0, 0]); float(m.result())
    2.0
    """

    _weighted_mean = True

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)


class MeanMetricWrapper(Mean):
    """Running mean of a metric function `fn(y_true, y_pred, **kwargs)`.

    >>> m = MeanMetricWrapper(binary_accuracy, name="acc")
    >>> float(m([[1], [0]], [[0.9], [0.8]]))
    0.5
    """

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        dtype = getattr(torch, self._dtype)
        y_pred = _to_tensor(y_pred, dtype=dtype)
        y_true = _to_tensor(y_true, dtype=dtype, device=y_pred.device)
        y_pred, y_true = _squeeze_or_expand(y_pred, y_true)
        matches = self._fn(y_true, y_pred, **self._fn_kwargs)
        return super().update_state(matches, sample_weight=sample_weight)

    def get_config(self):
        config = {"name": self.name, "dtype": self._dtype,
                  "fn": serialize_keras_object(self._fn)}
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        fn = config.pop("fn", None)
        if fn is None:
            raise ValueError(
                "`MeanMetricWrapper` config needs the metric function under 'fn'. "
                f"Received: config={config!r}"
            )
        return cls(get(fn), **config)


# ---------------------------------------------------------- get / (de)serialization

_OBJECTS = {
    "accuracy": accuracy, "acc": acc, "ACC": ACC,
    "binary_accuracy": binary_accuracy, "categorical_accuracy": categorical_accuracy,
    "sparse_categorical_accuracy": sparse_categorical_accuracy,
    "top_k_categorical_accuracy": top_k_categorical_accuracy,
    "sparse_top_k_categorical_accuracy": sparse_top_k_categorical_accuracy,
    "cosine_similarity": cosine_similarity, "cosine_proximity": cosine_proximity,
    "mean_squared_error": mean_squared_error, "mse": mse, "MSE": MSE,
    "mean_absolute_error": mean_absolute_error, "mae": mae, "MAE": MAE,
    "mean_absolute_percentage_error": mean_absolute_percentage_error,
    "mape": mape, "MAPE": MAPE,
    "mean_squared_logarithmic_error": mean_squared_logarithmic_error,
    "msle": msle, "MSLE": MSLE,
    "hinge": hinge, "squared_hinge": squared_hinge, "categorical_hinge": categorical_hinge,
    "logcosh": logcosh, "log_cosh": log_cosh,
    "binary_crossentropy": binary_crossentropy, "bce": bce, "BCE": BCE,
    "categorical_crossentropy": categorical_crossentropy,
    "sparse_categorical_crossentropy": sparse_categorical_crossentropy,
    "kl_divergence": kl_divergence, "kullback_leibler_divergence": kullback_leibler_divergence,
    "kld": kld, "KLD": KLD, "poisson": poisson,
    "Mean": Mean, "Sum": Sum, "MeanMetricWrapper": MeanMetricWrapper,
}


def serialize(metric):
    """A function becomes its name; a `Metric` becomes `{'class_name', 'config'}`."""
    return serialize_keras_object(metric)


def deserialize(config, custom_objects=None):
    """Inverse of `serialize`. A bare class name gives a default instance."""
    obj = deserialize_keras_object(
        config, module_objects=_OBJECTS, custom_objects=custom_objects,
        printable_module_name="metric function",
    )
    if isinstance(obj, type):
        obj = obj()
    return obj


def get(identifier):
    """Resolves a metric: a name (`'mae'`, `'binary_accuracy'`), a
    `{'class_name', 'config'}` dict, a function or a `Metric` instance. Unknown names
    raise `ValueError` listing the valid ones."""
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret metric identifier: {identifier!r}")
