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
from tkeras.engine.base_layer import as_keras_buffer
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

    def __init_subclass__(cls, **kwargs):
        # Metrics never carry gradient history (as in tf.keras): an update with the
        # loss of a custom `train_step` must not chain the steps' graphs together.
        super().__init_subclass__(**kwargs)
        fn = cls.__dict__.get("update_state")
        if fn is not None and not getattr(fn, "_tkeras_no_grad", False):
            wrapped = torch.no_grad()(fn)
            wrapped._tkeras_no_grad = True
            cls.update_state = wrapped

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
        value = as_keras_buffer(
            torch.full(tuple(shape), fill, dtype=getattr(torch, dtype or self._dtype)))
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
            self.__dict__[key] = as_keras_buffer(torch.full_like(getattr(self, key), fill))
        for t, fill in self._unbound.values():
            t.fill_(fill)

    reset_state = reset_states

    def _follow(self, device):
        """Moves every state tensor to `device` (once: later updates find it there)."""
        for key in self._weight_fill:
            t = self.__dict__[key]
            if t.device != device:
                self.__dict__[key] = as_keras_buffer(t.to(device)) if isinstance(
                    t, torch.Tensor) else t

    def __call__(self, *args, **kwargs):
        self.update_state(*args, **kwargs)
        result = self.result()
        if isinstance(result, torch.Tensor):
            # `layer.add_metric(metric(y, p))` tracks the metric itself (tf.keras).
            result._metric_obj = self
        return result

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
        config = {"name": self.name, "dtype": self._dtype}
        if type(self) is MeanMetricWrapper:
            config["fn"] = serialize_keras_object(self._fn)
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config):
        if cls is not MeanMetricWrapper:
            return cls(**config)
        config = dict(config)
        fn = config.pop("fn", None)
        if fn is None:
            raise ValueError(
                "`MeanMetricWrapper` config needs the metric function under 'fn'. "
                f"Received: config={config!r}"
            )
        return cls(get(fn), **config)


# ------------------------------------------------------ metric-function wrappers

def _wrapper_class(class_name, fn, default_name, doc, **defaults):
    """A `MeanMetricWrapper` subclass whose config is `name`, `dtype` and `defaults`."""

    def __init__(self, name=default_name, dtype=None, **kwargs):
        unknown = [k for k in kwargs if k not in defaults]
        if unknown:
            raise TypeError(f"{class_name}() got unexpected keyword arguments {unknown}. "
                            f"Allowed: {['name', 'dtype'] + list(defaults)}.")
        fn_kwargs = dict(defaults)
        fn_kwargs.update(kwargs)
        MeanMetricWrapper.__init__(self, fn, name=name, dtype=dtype, **fn_kwargs)

    return type(class_name, (MeanMetricWrapper,), {"__init__": __init__, "__doc__": doc,
                                                   "__module__": __name__})


Accuracy = _wrapper_class(
    "Accuracy", accuracy, "accuracy",
    "How often predictions equal labels (exact match), weighted mean.")
BinaryAccuracy = _wrapper_class(
    "BinaryAccuracy", binary_accuracy, "binary_accuracy",
    "How often `y_pred > threshold` matches binary labels. Args: `threshold=0.5`.",
    threshold=0.5)
CategoricalAccuracy = _wrapper_class(
    "CategoricalAccuracy", categorical_accuracy, "categorical_accuracy",
    "How often `argmax(y_pred)` equals `argmax(y_true)` (one-hot labels).")
SparseCategoricalAccuracy = _wrapper_class(
    "SparseCategoricalAccuracy", sparse_categorical_accuracy, "sparse_categorical_accuracy",
    "How often `argmax(y_pred)` equals the integer label.")
TopKCategoricalAccuracy = _wrapper_class(
    "TopKCategoricalAccuracy", top_k_categorical_accuracy, "top_k_categorical_accuracy",
    "How often the one-hot target is in the top `k` predictions. Args: `k=5`.", k=5)
SparseTopKCategoricalAccuracy = _wrapper_class(
    "SparseTopKCategoricalAccuracy", sparse_top_k_categorical_accuracy,
    "sparse_top_k_categorical_accuracy",
    "How often the integer target is in the top `k` predictions. Args: `k=5`.", k=5)
MeanSquaredError = _wrapper_class(
    "MeanSquaredError", mean_squared_error, "mean_squared_error",
    "Weighted mean of the mean squared error.")
MeanAbsoluteError = _wrapper_class(
    "MeanAbsoluteError", mean_absolute_error, "mean_absolute_error",
    "Weighted mean of the mean absolute error.")
MeanAbsolutePercentageError = _wrapper_class(
    "MeanAbsolutePercentageError", mean_absolute_percentage_error,
    "mean_absolute_percentage_error", "Weighted mean of the mean absolute percentage error.")
MeanSquaredLogarithmicError = _wrapper_class(
    "MeanSquaredLogarithmicError", mean_squared_logarithmic_error,
    "mean_squared_logarithmic_error", "Weighted mean of the mean squared log error.")
BinaryCrossentropy = _wrapper_class(
    "BinaryCrossentropy", binary_crossentropy, "binary_crossentropy",
    "Weighted mean binary crossentropy. Args: `from_logits=False`, `label_smoothing=0`.",
    from_logits=False, label_smoothing=0)
CategoricalCrossentropy = _wrapper_class(
    "CategoricalCrossentropy", categorical_crossentropy, "categorical_crossentropy",
    "Weighted mean categorical crossentropy. Args: `from_logits=False`, "
    "`label_smoothing=0`, `axis=-1`.", from_logits=False, label_smoothing=0, axis=-1)
SparseCategoricalCrossentropy = _wrapper_class(
    "SparseCategoricalCrossentropy", sparse_categorical_crossentropy,
    "sparse_categorical_crossentropy",
    "Weighted mean sparse categorical crossentropy. Args: `from_logits=False`, `axis=-1`.",
    from_logits=False, axis=-1)
CosineSimilarity = _wrapper_class(
    "CosineSimilarity", cosine_similarity, "cosine_similarity",
    "Weighted mean cosine similarity (positive; 1 = same direction). Args: `axis=-1`.",
    axis=-1)
Hinge = _wrapper_class("Hinge", hinge, "hinge", "Weighted mean hinge loss.")
SquaredHinge = _wrapper_class("SquaredHinge", squared_hinge, "squared_hinge",
                              "Weighted mean squared hinge loss.")
CategoricalHinge = _wrapper_class("CategoricalHinge", categorical_hinge, "categorical_hinge",
                                  "Weighted mean categorical hinge loss.")
LogCoshError = _wrapper_class("LogCoshError", logcosh, "logcosh",
                              "Weighted mean log-cosh error.")
KLDivergence = _wrapper_class("KLDivergence", kl_divergence, "kullback_leibler_divergence",
                              "Weighted mean Kullback-Leibler divergence.")
Poisson = _wrapper_class("Poisson", poisson, "poisson", "Weighted mean Poisson loss.")


def _divide_no_nan(a, b):
    return torch.where(b == 0, torch.zeros_like(a), a / torch.where(b == 0, torch.ones_like(b), b))


class RootMeanSquaredError(Mean):
    """`sqrt(weighted mean of (y_pred - y_true) ** 2)` over every element seen.

    >>> m = RootMeanSquaredError(); _ = m([[0, 1], [0, 0]], [[1, 1], [0, 0]])
    >>> float(m.result())
    0.5
    """

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        dtype = getattr(torch, self._dtype)
        y_pred = _to_tensor(y_pred, dtype=dtype)
        y_true = _to_tensor(y_true, dtype=dtype, device=y_pred.device)
        y_pred, y_true = _squeeze_or_expand(y_pred, y_true)
        return super().update_state(torch.square(y_pred - y_true), sample_weight=sample_weight)

    def result(self):
        return torch.sqrt(super().result())


# ------------------------------------------------------------ confusion metrics

_NEG_INF = -1e10
_EPSILON = 1e-7


def _parse_thresholds(thresholds, default):
    if thresholds is None:
        return [default]
    values = [float(t) for t in (thresholds if isinstance(thresholds, (list, tuple))
                                 else [thresholds])]
    for t in values:
        if not 0.0 <= t <= 1.0:
            raise ValueError(f"Threshold values must be in [0, 1]. Received: {t}")
    return values


def _filter_top_k(x, k):
    """Keeps the top `k` values of the last axis; the others become -1e10."""
    idx = torch.topk(x, k, dim=-1).indices
    keep = torch.zeros_like(x, dtype=torch.bool).scatter_(-1, idx, True)
    return torch.where(keep, x, torch.full_like(x, _NEG_INF))


def _prepare(metric, y_true, y_pred, sample_weight, top_k=None, class_id=None):
    """Casts, aligns and flattens labels, predictions and weights (tf-keras's
    `update_confusion_matrix_variables` preamble). Returns (labels, preds, weights) of
    shape `(n,)`, weights possibly None."""
    dtype = getattr(torch, metric._dtype)
    y_pred = _to_tensor(y_pred, dtype=dtype)
    y_true = _to_tensor(y_true, dtype=dtype, device=y_pred.device)
    metric._follow(y_pred.device)
    y_pred, y_true = _squeeze_or_expand(y_pred, y_true)
    if sample_weight is not None:
        sample_weight = _to_tensor(sample_weight, dtype=dtype, device=y_pred.device)
        sample_weight = _losses._expand_sample_weight(y_pred, sample_weight)
        sample_weight = torch.broadcast_to(sample_weight, y_pred.shape)
    if top_k is not None:
        y_pred = _filter_top_k(y_pred, top_k)
    if class_id is not None:
        y_true = y_true[..., class_id]
        y_pred = y_pred[..., class_id]
        if sample_weight is not None:
            sample_weight = sample_weight[..., class_id]
    w = None if sample_weight is None else sample_weight.reshape(-1)
    return y_true.reshape(-1), y_pred.reshape(-1), w


def _confusion_counts(labels, preds, weights, thresholds):
    """`{tp, fp, tn, fn}` per threshold, each of shape `(len(thresholds),)`:
    prediction positive iff `pred > threshold`, label positive iff nonzero."""
    pos = (labels != 0).to(preds.dtype)
    w = torch.ones_like(preds) if weights is None else weights
    above = (preds.unsqueeze(0) > thresholds.unsqueeze(1)).to(preds.dtype)  # (T, n)
    tp = above @ (pos * w)
    fp = above @ ((1 - pos) * w)
    return {"tp": tp, "fp": fp, "fn": torch.sum(pos * w) - tp,
            "tn": torch.sum((1 - pos) * w) - fp}


class _ConfusionCount(Metric):
    _kind = None

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.thresholds = _parse_thresholds(thresholds, 0.5)
        self.accumulator = self.add_weight("accumulator", shape=(len(self.thresholds),))

    def update_state(self, y_true, y_pred, sample_weight=None):
        labels, preds, w = _prepare(self, y_true, y_pred, sample_weight)
        t = torch.tensor(self.thresholds, dtype=preds.dtype, device=preds.device)
        self.accumulator.add_(_confusion_counts(labels, preds, w, t)[self._kind])

    def result(self):
        return self.accumulator[0].clone() if len(self.thresholds) == 1 \
            else self.accumulator.clone()

    def get_config(self):
        return {"thresholds": self.init_thresholds, **super().get_config()}


class TruePositives(_ConfusionCount):
    """Weighted count of true positives (`y_pred > threshold`, `y_true != 0`).

    Args:
        thresholds: A float or list of floats in `[0, 1]`. Defaults to `0.5`.

    >>> m = TruePositives(); float(m([0, 1, 1, 1], [1, 0, 1, 1]))
    2.0
    """
    _kind = "tp"


class FalsePositives(_ConfusionCount):
    """Weighted count of false positives (see `TruePositives`)."""
    _kind = "fp"


class TrueNegatives(_ConfusionCount):
    """Weighted count of true negatives (see `TruePositives`)."""
    _kind = "tn"


class FalseNegatives(_ConfusionCount):
    """Weighted count of false negatives (see `TruePositives`)."""
    _kind = "fn"


class _PrecisionRecall(Metric):
    _other = None  # "fp" for precision, "fn" for recall

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        self.thresholds = _parse_thresholds(thresholds, 0.5 if top_k is None else _NEG_INF)
        n = len(self.thresholds)
        self.true_positives = self.add_weight("true_positives", shape=(n,))
        self.other = self.add_weight(
            "false_positives" if self._other == "fp" else "false_negatives", shape=(n,))

    def update_state(self, y_true, y_pred, sample_weight=None):
        labels, preds, w = _prepare(self, y_true, y_pred, sample_weight,
                                    self.top_k, self.class_id)
        t = torch.tensor(self.thresholds, dtype=preds.dtype, device=preds.device)
        counts = _confusion_counts(labels, preds, w, t)
        self.true_positives.add_(counts["tp"])
        self.other.add_(counts[self._other])

    def result(self):
        r = _divide_no_nan(self.true_positives, self.true_positives + self.other)
        return r[0] if len(self.thresholds) == 1 else r

    def get_config(self):
        return {"thresholds": self.init_thresholds, "top_k": self.top_k,
                "class_id": self.class_id, **super().get_config()}


class Precision(_PrecisionRecall):
    """`true_positives / (true_positives + false_positives)`, weighted.

    Args:
        thresholds: A float or list of floats in `[0, 1]`; a prediction above it is
            positive. Defaults to `0.5` (no threshold with `top_k`).
        top_k: Only the top `k` predictions of each sample count as positive.
        class_id: Only this class (last axis index) is looked at.

    >>> m = Precision(); float(m([0, 1, 1, 1], [1, 0, 1, 1]))
    0.6666666865348816
    """
    _other = "fp"


class Recall(_PrecisionRecall):
    """`true_positives / (true_positives + false_negatives)`, weighted (arguments as
    `Precision`).

    >>> m = Recall(); float(m([0, 1, 1, 1], [1, 0, 1, 1]))
    0.6666666865348816
    """
    _other = "fn"


class AUC(Metric):
    """Area under the ROC or PR curve, approximated over `num_thresholds` thresholds
    (tf-keras: `i / (num_thresholds - 1)`, the first and last moved by 1e-7).

    Args:
        num_thresholds: Defaults to `200`. Must be > 1.
        curve: `'ROC'` or `'PR'`. Defaults to `'ROC'`.
        summation_method: `'interpolation'` (trapezoids; Davis & Goadrich for PR),
            `'minoring'` or `'majoring'`. Defaults to `'interpolation'`.
        thresholds: Explicit thresholds in `[0, 1]` (overrides `num_thresholds`).
        multi_label: One curve per label (averaged) instead of flattening labels.
        num_labels: Number of labels with `multi_label`; else found at the first update.
        label_weights: Per-label weights of the average with `multi_label`.
        from_logits: Apply a sigmoid to predictions first. Defaults to `False`.

    >>> m = AUC(num_thresholds=3); float(m([0, 0, 1, 1], [0, 0.5, 0.3, 0.9]))
    0.75
    """

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation",
                 name=None, dtype=None, thresholds=None, multi_label=False, num_labels=None,
                 label_weights=None, from_logits=False):
        super().__init__(name=name, dtype=dtype)
        curve_name = str(curve).upper()
        if curve_name not in ("ROC", "PR"):
            raise ValueError(f'Invalid `curve` argument value "{curve}". '
                             "Expected one of: 'ROC', 'PR'.")
        method = str(summation_method).lower()
        if method not in ("interpolation", "minoring", "majoring"):
            raise ValueError(f'Invalid `summation_method` argument value "{summation_method}". '
                             "Expected one of: 'interpolation', 'minoring', 'majoring'.")
        self.curve = curve_name
        self.summation_method = method
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            inner = sorted(_parse_thresholds(thresholds, 0.5))
            self.num_thresholds = len(inner) + 2
        else:
            if num_thresholds <= 1:
                raise ValueError("Argument `num_thresholds` must be an integer > 1. "
                                 f"Received: num_thresholds={num_thresholds}")
            self.num_thresholds = num_thresholds
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
        self.thresholds = [0.0 - _EPSILON] + inner + [1.0 + _EPSILON]
        self.multi_label = multi_label
        self.num_labels = num_labels
        self.label_weights = None if label_weights is None else [float(x) for x in label_weights]
        self._from_logits = from_logits
        self._built = False
        if not multi_label:
            self._build(())
        elif num_labels is not None:
            self._build((num_labels,))

    def _build(self, labels_shape):
        shape = (self.num_thresholds,) + tuple(labels_shape)
        for key in ("true_positives", "false_positives", "true_negatives", "false_negatives"):
            setattr(self, key, self.add_weight(key, shape=shape))
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        dtype = getattr(torch, self._dtype)
        y_pred = _to_tensor(y_pred, dtype=dtype)
        if self._from_logits:
            y_pred = torch.sigmoid(y_pred)
        if self.multi_label:
            if not self._built:
                self.num_labels = int(y_pred.shape[-1])
                self._build((self.num_labels,))
            y_true = _to_tensor(y_true, dtype=dtype, device=y_pred.device)
            self._follow(y_pred.device)
            y_pred, y_true = _squeeze_or_expand(y_pred, y_true)
            L = y_pred.shape[-1]
            preds, labels = y_pred.reshape(-1, L), y_true.reshape(-1, L)
            w = torch.ones_like(preds)
            if sample_weight is not None:
                sw = _to_tensor(sample_weight, dtype=dtype, device=y_pred.device)
                sw = _losses._expand_sample_weight(y_pred, sw)
                w = torch.broadcast_to(sw, y_pred.shape).reshape(-1, L)
            if self.label_weights is not None:
                w = w * torch.tensor(self.label_weights, dtype=dtype, device=w.device)
        else:
            labels, preds, w = _prepare(self, y_true, y_pred, sample_weight)
            if w is None:
                w = torch.ones_like(preds)
        pos = (labels != 0).to(preds.dtype)
        true_w, false_w = pos * w, (1 - pos) * w
        if self._init_from_thresholds:
            t = torch.tensor(self.thresholds, dtype=preds.dtype, device=preds.device)
            above = (preds.unsqueeze(0) > t.view((-1,) + (1,) * preds.dim())).to(preds.dtype)
            tp, fp = (above * true_w).sum(1), (above * false_w).sum(1)
        else:
            tp, fp = self._bucketed(preds, true_w, false_w)
        self.true_positives.add_(tp)
        self.false_positives.add_(fp)
        self.false_negatives.add_(true_w.sum(0) - tp)
        self.true_negatives.add_(false_w.sum(0) - fp)

    def _bucketed(self, preds, true_w, false_w):
        """Evenly spaced thresholds: each prediction falls in bucket
        `ceil(p * (n - 1)) - 1` (clipped at 0); a reversed cumsum of the buckets gives
        the counts above every threshold, in O(n + batch)."""
        n = self.num_thresholds
        bucket = torch.ceil(preds.clamp(0.0, 1.0) * (n - 1)) - 1
        bucket = bucket.clamp(min=0).long()
        if preds.dim() == 2:  # (batch, labels): one segment per (bucket, label)
            L = preds.shape[1]
            bucket = bucket * L + torch.arange(L, device=preds.device)
        size = n * (preds.shape[1] if preds.dim() == 2 else 1)
        out = []
        for v in (true_w, false_w):
            acc = torch.zeros(size, dtype=v.dtype, device=v.device)
            acc.index_add_(0, bucket.reshape(-1), v.reshape(-1))
            acc = acc.reshape((n,) + tuple(preds.shape[1:]))
            out.append(torch.flip(torch.cumsum(torch.flip(acc, [0]), 0), [0]))
        return out

    def _average(self, by_threshold):
        if not self.multi_label:
            return torch.sum(by_threshold)
        by_label = torch.sum(by_threshold, dim=0)
        if self.label_weights is None:
            return torch.mean(by_label)
        lw = torch.tensor(self.label_weights, dtype=by_label.dtype, device=by_label.device)
        return _divide_no_nan(torch.sum(by_label * lw), torch.sum(lw))

    def _interpolate_pr_auc(self):
        tp, fp, fn = self.true_positives, self.false_positives, self.false_negatives
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        slope = _divide_no_nan(dtp, torch.clamp(dp, min=0))
        intercept = tp[1:] - slope * p[1:]
        both = (p[:-1] > 0) & (p[1:] > 0)
        ratio = torch.where(both, _divide_no_nan(p[:-1], torch.clamp(p[1:], min=0)),
                            torch.ones_like(p[1:]))
        increment = _divide_no_nan(slope * (dtp + intercept * torch.log(ratio)),
                                   torch.clamp(tp[1:] + fn[1:], min=0))
        return self._average(increment)

    def result(self):
        if not self._built:
            return torch.zeros(())
        tp, fp = self.true_positives, self.false_positives
        tn, fn = self.true_negatives, self.false_negatives
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self._interpolate_pr_auc()
        recall = _divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = _divide_no_nan(fp, fp + tn), recall
        else:
            x, y = recall, _divide_no_nan(tp, tp + fp)
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = torch.minimum(y[:-1], y[1:])
        else:
            heights = torch.maximum(y[:-1], y[1:])
        return self._average((x[:-1] - x[1:]) * heights)

    def get_config(self):
        config = {
            "num_thresholds": self.num_thresholds, "curve": self.curve,
            "summation_method": self.summation_method, "multi_label": self.multi_label,
            "num_labels": self.num_labels if self.multi_label else None,
            "label_weights": self.label_weights, "from_logits": self._from_logits,
        }
        if self._init_from_thresholds:
            config["thresholds"] = self.thresholds[1:-1]
        return {**config, **super().get_config()}


class MeanIoU(Metric):
    """Mean intersection-over-union over the classes present: per class
    `TP / (TP + FP + FN)` from a weighted confusion matrix, averaged over classes whose
    denominator is non-zero.

    Args:
        num_classes: Number of classes.
        ignore_class: A label to skip. Defaults to `None`.
        sparse_y_true: Labels are class indices (else one-hot, argmax taken).
        sparse_y_pred: Predictions are class indices (else scores, argmax taken).
        axis: Class axis for the argmax. Defaults to `-1`.

    >>> m = MeanIoU(num_classes=2); float(m([0, 0, 1, 1], [0, 1, 0, 1]))
    0.3333333432674408
    """

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(name=name, dtype=dtype)
        self.num_classes = int(num_classes)
        self.ignore_class = ignore_class
        self.sparse_y_true = sparse_y_true
        self.sparse_y_pred = sparse_y_pred
        self.axis = axis
        self.total_cm = self.add_weight("total_confusion_matrix",
                                        shape=(self.num_classes, self.num_classes))

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = _to_tensor(y_pred)
        y_true = _to_tensor(y_true, device=y_pred.device)
        self._follow(y_pred.device)
        if not self.sparse_y_true:
            y_true = torch.argmax(y_true, dim=self.axis)
        if not self.sparse_y_pred:
            y_pred = torch.argmax(y_pred, dim=self.axis)
        y_true = y_true.reshape(-1).long()
        y_pred = y_pred.reshape(-1).long()
        dtype = self.total_cm.dtype
        w = torch.ones(y_true.shape, dtype=dtype, device=y_pred.device) if sample_weight is None \
            else _to_tensor(sample_weight, dtype=dtype, device=y_pred.device).reshape(-1)
        w = torch.broadcast_to(w, y_true.shape)
        if self.ignore_class is not None:
            keep = (y_true != self.ignore_class).to(dtype)
            w = w * keep
            y_true = torch.where(y_true == self.ignore_class, torch.zeros_like(y_true), y_true)
        k = self.num_classes
        cm = torch.zeros(k * k, dtype=dtype, device=y_pred.device)
        cm.index_add_(0, y_true * k + y_pred, w)
        self.total_cm.add_(cm.reshape(k, k))

    def result(self):
        cm = self.total_cm
        tp = torch.diagonal(cm)
        denominator = cm.sum(0) + cm.sum(1) - tp
        valid = torch.sum((denominator != 0).to(cm.dtype))
        iou = _divide_no_nan(tp, denominator)
        return _divide_no_nan(torch.sum(iou), valid)

    def get_config(self):
        return {"num_classes": self.num_classes, "ignore_class": self.ignore_class,
                "sparse_y_true": self.sparse_y_true, "sparse_y_pred": self.sparse_y_pred,
                "axis": self.axis, **super().get_config()}


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
_CLASSES = (
    Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
    TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy, MeanSquaredError,
    MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredLogarithmicError,
    RootMeanSquaredError, BinaryCrossentropy, CategoricalCrossentropy,
    SparseCategoricalCrossentropy, CosineSimilarity, Hinge, SquaredHinge, CategoricalHinge,
    LogCoshError, KLDivergence, Poisson, TruePositives, FalsePositives, TrueNegatives,
    FalseNegatives, Precision, Recall, AUC, MeanIoU,
)
_OBJECTS.update({c.__name__: c for c in _CLASSES})
__all__ += [c.__name__ for c in _CLASSES]


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
