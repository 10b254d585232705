"""Keras 2 loss functions and `Loss` classes (tf.keras 2.x semantics) on torch.

Loss *functions* `fn(y_true, y_pred)` return the loss per sample: the mean (or sum,
for the crossentropies, KL divergence and cosine similarity) over the last axis, so a
`(batch, classes)` input gives shape `(batch,)` and a `(batch, steps, classes)` input
gives `(batch, steps)`. Loss *classes* wrap them and reduce to a scalar with tf.keras's
`'sum_over_batch_size'` rule (weighted sum divided by the number of loss elements).

Probability losses clip with `K.epsilon()` (1e-7) exactly where tf.keras does. When
`y_pred` came out of tkeras's `softmax` / `sigmoid` activation it carries its input as
`y_pred._keras_logits`; as in tf.keras, the crossentropies then compute from those
logits (log-softmax / BCE-with-logits), which is both the stable and the fast path.

The functions also take the functional API's symbolic tensors (`Input()` outputs): they
then record an op in the graph, so Keras 2's `model.add_loss(K.mean(mse(x, x_hat)))`
works as in tf.keras.

Example:

>>> import numpy as np
>>> y_true = np.array([[0., 1.], [1., 0.]], dtype="float32")
>>> y_pred = np.array([[0.25, 0.75], [0.5, 0.5]], dtype="float32")
>>> [round(float(v), 4) for v in mean_squared_error(y_true, y_pred)]
[0.0625, 0.25]
>>> round(float(MeanSquaredError()(y_true, y_pred)), 5)
0.15625
"""
import math
import warnings

import numpy as np
import torch
import torch.nn.functional as F

from tkeras.backend import _config
from tkeras.backend._dispatch import symbolic
from tkeras.backend.ops import softmax_cross_entropy_with_logits
from tkeras.utils.generic_utils import deserialize_keras_object, serialize_keras_object

__all__ = [
    "Loss", "LossFunctionWrapper", "Reduction",
    "MeanSquaredError", "MeanAbsoluteError", "MeanAbsolutePercentageError",
    "MeanSquaredLogarithmicError", "Hinge", "SquaredHinge", "CategoricalHinge",
    "LogCosh", "Huber", "CategoricalCrossentropy", "SparseCategoricalCrossentropy",
    "BinaryCrossentropy", "KLDivergence", "Poisson", "CosineSimilarity",
    "mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error",
    "mean_squared_logarithmic_error", "squared_hinge", "hinge", "categorical_hinge",
    "log_cosh", "logcosh", "huber", "huber_loss", "categorical_crossentropy",
    "sparse_categorical_crossentropy", "binary_crossentropy", "kl_divergence",
    "kullback_leibler_divergence", "poisson", "cosine_similarity", "cosine_proximity",
    "cosine", "mse", "MSE", "mae", "MAE", "mape", "MAPE", "msle", "MSLE", "kld", "KLD",
    "bce", "BCE", "get", "serialize", "deserialize",
]


# --------------------------------------------------------------------------- helpers

def _to_tensor(x, dtype=None, device=None):
    """Tensors pass through untouched (keeping `_keras_logits` / `_keras_mask`);
    NumPy arrays keep their dtype; Python floats and float lists become floatx."""
    if isinstance(x, torch.Tensor):
        if (dtype is not None and x.dtype != dtype) or (device is not None and x.device != device):
            return x.to(device=device, dtype=dtype)
        return x
    arr = np.asarray(x)
    if not isinstance(x, (np.ndarray, np.generic)) and arr.dtype.kind == "f":
        arr = arr.astype(_config.floatx())
    if not arr.flags.writeable or not arr.flags.c_contiguous:
        arr = np.array(arr, copy=True, order="C")
    return torch.from_numpy(arr).to(device=device, dtype=dtype)


def _prepare(y_true, y_pred):
    """`y_pred` as a float tensor, `y_true` cast to its dtype and device (as Keras)."""
    y_pred = _to_tensor(y_pred)
    if not y_pred.is_floating_point():
        y_pred = y_pred.to(_config.floatx_dtype())
    y_true = _to_tensor(y_true, dtype=y_pred.dtype, device=y_pred.device)
    return y_true, y_pred


def _keras_logits(y_pred, from_logits, fn_name, activation):
    """Returns `(tensor, from_logits)`, switching to the attached logits when the
    output came from a softmax/sigmoid activation (tf.keras's `_get_logits`)."""
    logits = getattr(y_pred, "_keras_logits", None)
    if logits is None:
        return y_pred, from_logits
    if from_logits:
        warnings.warn(
            f'"`{fn_name}` received `from_logits=True`, but the `output` argument was '
            f"produced by a {activation} activation and thus does not represent logits. "
            "Was this intended?",
            stacklevel=3,
        )
    return logits, True


def _squeeze_last(x):
    """`x.squeeze(-1)` that keeps an attached `_keras_logits` in step."""
    out = x.squeeze(-1)
    logits = getattr(x, "_keras_logits", None)
    if logits is not None and logits.shape == x.shape:
        out._keras_logits = logits.squeeze(-1)
    return out


def _squeeze_or_expand(y_pred, y_true):
    """tf.keras `squeeze_or_expand_dimensions(y_pred, y_true)`: drops a trailing size-1
    axis so that `(batch, 1)` and `(batch,)` line up (but never the class axis of a
    sparse `(batch,)` / `(batch, classes)` pair)."""
    pr, tr = y_pred.dim(), y_true.dim()
    if pr - tr != 1 or (pr > 0 and y_pred.shape[-1] == 1):
        if pr - tr == 1 and y_pred.shape[-1] == 1:
            y_pred = _squeeze_last(y_pred)
        elif pr - tr == -1 and y_true.shape[-1] == 1:
            y_true = y_true.squeeze(-1)
    return y_pred, y_true


def _l2_normalize(x, axis):
    # tf.math.l2_normalize: x * rsqrt(max(sum(x**2), 1e-12))
    return x * torch.rsqrt(torch.clamp(torch.sum(x * x, dim=axis, keepdim=True), min=1e-12))


def _maybe_convert_labels(y_true):
    """{0, 1} labels become {-1, 1} for the hinge losses (without a host sync)."""
    is_binary = torch.all((y_true == 0) | (y_true == 1))
    return torch.where(is_binary, 2.0 * y_true - 1.0, y_true)


# ------------------------------------------------------------------ loss functions

@symbolic
def mean_squared_error(y_true, y_pred):
    """`mean(square(y_pred - y_true), axis=-1)`."""
    y_true, y_pred = _prepare(y_true, y_pred)
    return torch.mean(torch.square(y_pred - y_true), dim=-1)


@symbolic
def mean_absolute_error(y_true, y_pred):
    """`mean(abs(y_pred - y_true), axis=-1)`."""
    y_true, y_pred = _prepare(y_true, y_pred)
    return torch.mean(torch.abs(y_pred - y_true), dim=-1)


@symbolic
def mean_absolute_percentage_error(y_true, y_pred):
    """`100 * mean(abs((y_true - y_pred) / max(abs(y_true), epsilon)), axis=-1)`."""
    y_true, y_pred = _prepare(y_true, y_pred)
    diff = torch.abs((y_true - y_pred) / torch.clamp(torch.abs(y_true), min=_config.epsilon()))
    return 100.0 * torch.mean(diff, dim=-1)


@symbolic
def mean_squared_logarithmic_error(y_true, y_pred):
    """`mean(square(log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1)), axis=-1)`."""
    y_true, y_pred = _prepare(y_true, y_pred)
    eps = _config.epsilon()
    first_log = torch.log(torch.clamp(y_pred, min=eps) + 1.0)
    second_log = torch.log(torch.clamp(y_true, min=eps) + 1.0)
    return torch.mean(torch.square(first_log - second_log), dim=-1)


@symbolic
def squared_hinge(y_true, y_pred):
    """`mean(square(max(1 - y_true * y_pred, 0)), axis=-1)`; {0,1} labels become {-1,1}."""
    y_true, y_pred = _prepare(y_true, y_pred)
    y_true = _maybe_convert_labels(y_true)
    return torch.mean(torch.square(torch.clamp(1.0 - y_true * y_pred, min=0.0)), dim=-1)


@symbolic
def hinge(y_true, y_pred):
    """`mean(max(1 - y_true * y_pred, 0), axis=-1)`; {0,1} labels become {-1,1}."""
    y_true, y_pred = _prepare(y_true, y_pred)
    y_true = _maybe_convert_labels(y_true)
    return torch.mean(torch.clamp(1.0 - y_true * y_pred, min=0.0), dim=-1)


@symbolic
def categorical_hinge(y_true, y_pred):
    """`max(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0)` over the last axis."""
    y_true, y_pred = _prepare(y_true, y_pred)
    pos = torch.sum(y_true * y_pred, dim=-1)
    neg = torch.amax((1.0 - y_true) * y_pred, dim=-1)
    return torch.clamp(neg - pos + 1.0, min=0.0)


@symbolic
def huber(y_true, y_pred, delta=1.0):
    """Huber loss: quadratic for `|error| <= delta`, linear beyond, mean over the last axis."""
    dtype = _config.floatx_dtype()
    y_pred = _to_tensor(y_pred, dtype=dtype)
    y_true = _to_tensor(y_true, dtype=dtype, device=y_pred.device)
    delta = float(delta)
    error = y_pred - y_true
    abs_error = torch.abs(error)
    quadratic = 0.5 * torch.square(error)
    linear = delta * abs_error - 0.5 * delta * delta
    return torch.mean(torch.where(abs_error <= delta, quadratic, linear), dim=-1)


@symbolic
def log_cosh(y_true, y_pred):
    """`mean(log(cosh(y_pred - y_true)), axis=-1)`, computed as
    `x + softplus(-2x) - log(2)` (stable for large errors)."""
    y_true, y_pred = _prepare(y_true, y_pred)
    x = y_pred - y_true
    return torch.mean(x + F.softplus(-2.0 * x) - math.log(2.0), dim=-1)


@symbolic
def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Crossentropy between one-hot (or soft) targets and a probability distribution.

    Args:
        y_true: One-hot targets, same shape as `y_pred`.
        y_pred: Probabilities (rows are renormalized and clipped to
            `[eps, 1 - eps]`, as tf.keras), or logits if `from_logits=True`.
        from_logits: Whether `y_pred` holds logits. Defaults to `False`.
        label_smoothing: Float in `[0, 1]`: targets become
            `y_true * (1 - label_smoothing) + label_smoothing / num_classes`.
        axis: The class axis. Defaults to `-1`.
    """
    if isinstance(axis, bool):
        raise ValueError(
            f"`axis` must be of type `int`. Received: axis={axis} of type {type(axis)}"
        )
    y_true, y_pred = _prepare(y_true, y_pred)
    if y_pred.dim() > 0 and y_pred.shape[-1] == 1:
        warnings.warn(
            "In loss categorical_crossentropy, expected y_pred.shape to be "
            f"(batch_size, num_classes) with num_classes > 1. Received: "
            f"y_pred.shape={tuple(y_pred.shape)}. Consider using 'binary_crossentropy' "
            "if you only have 2 classes.",
            SyntaxWarning,
            stacklevel=2,
        )
    label_smoothing = float(label_smoothing)
    if label_smoothing:
        num_classes = y_true.shape[axis]
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / num_classes
    output, from_logits = _keras_logits(y_pred, from_logits, "categorical_crossentropy", "Softmax")
    if from_logits:
        return softmax_cross_entropy_with_logits(y_true.to(output.dtype), output, axis)
    output = output / torch.sum(output, dim=axis, keepdim=True)
    eps = _config.epsilon()
    output = torch.clamp(output, eps, 1.0 - eps)
    return -torch.sum(y_true * torch.log(output), dim=axis)


@symbolic
def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, axis=-1):
    """Crossentropy between integer class labels and a probability distribution.

    Args:
        y_true: Integer (or integral float) labels of shape `(batch,)`,
            `(batch, 1)`, `(batch, steps)`, ...: one label per row of `y_pred`.
        y_pred: Probabilities of shape `(..., num_classes)` (clipped to
            `[eps, 1 - eps]` as tf.keras), or logits if `from_logits=True`.
        from_logits: Whether `y_pred` holds logits. Defaults to `False`.
        axis: The class axis. Defaults to `-1`.

    Returns:
        Loss of shape `y_pred.shape` without the class axis.
    """
    y_pred = _to_tensor(y_pred)
    if not y_pred.is_floating_point():
        y_pred = y_pred.to(_config.floatx_dtype())
    output, from_logits = _keras_logits(
        y_pred, from_logits, "sparse_categorical_crossentropy", "Softmax"
    )
    if not from_logits:
        eps = _config.epsilon()
        # log of clipped probabilities, renormalized by the log-softmax inside
        # cross_entropy -- exactly tf.keras's sparse_softmax_cross_entropy_with_logits.
        output = torch.log(torch.clamp(output, eps, 1.0 - eps))
    rank = output.dim()
    axis = axis % rank
    if axis != rank - 1:
        output = output.movedim(axis, -1)
    target = _to_tensor(y_true, device=output.device)
    if target.dtype != torch.int64:
        target = target.to(torch.int64)
    out_shape = output.shape[:-1]
    if rank == 2 and target.dim() == 1:
        return F.cross_entropy(output, target, reduction="none")
    res = F.cross_entropy(output.reshape(-1, output.shape[-1]), target.reshape(-1),
                          reduction="none")
    return res.reshape(out_shape)


@symbolic
def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary crossentropy, mean over `axis`.

    Args:
        y_true: Targets in `[0, 1]`, same shape as `y_pred`.
        y_pred: Probabilities (clipped to `[eps, 1 - eps]` and computed as
            `-(t * log(p + eps) + (1 - t) * log(1 - p + eps))`, as tf.keras), or
            logits if `from_logits=True`.
        from_logits: Whether `y_pred` holds logits. Defaults to `False`.
        label_smoothing: Float in `[0, 1]`: targets become
            `y_true * (1 - label_smoothing) + 0.5 * label_smoothing`.
        axis: The axis to average over. Defaults to `-1`.
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    label_smoothing = float(label_smoothing)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    output, from_logits = _keras_logits(y_pred, from_logits, "binary_crossentropy", "Sigmoid")
    if from_logits:
        bce = F.binary_cross_entropy_with_logits(output, y_true.to(output.dtype), reduction="none")
    else:
        eps = _config.epsilon()
        output = torch.clamp(output, eps, 1.0 - eps)
        bce = -(y_true * torch.log(output + eps) + (1.0 - y_true) * torch.log(1.0 - output + eps))
    return torch.mean(bce, dim=axis)


@symbolic
def kl_divergence(y_true, y_pred):
    """`sum(y_true * log(y_true / y_pred), axis=-1)`, both clipped to `[eps, 1]`."""
    y_true, y_pred = _prepare(y_true, y_pred)
    eps = _config.epsilon()
    y_true = torch.clamp(y_true, eps, 1.0)
    y_pred = torch.clamp(y_pred, eps, 1.0)
    return torch.sum(y_true * torch.log(y_true / y_pred), dim=-1)


@symbolic
def poisson(y_true, y_pred):
    """`mean(y_pred - y_true * log(y_pred + eps), axis=-1)`."""
    y_true, y_pred = _prepare(y_true, y_pred)
    return torch.mean(y_pred - y_true * torch.log(y_pred + _config.epsilon()), dim=-1)


@symbolic
def cosine_similarity(y_true, y_pred, axis=-1):
    """Negative cosine similarity, `-sum(l2_norm(y_true) * l2_norm(y_pred), axis)`.

    As a *loss* it is in `[-1, 1]`, -1 meaning identical directions (tf.keras /
    Keras 2.3 sign convention; `keras.metrics.cosine_similarity` is the positive one).
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    return -torch.sum(_l2_normalize(y_true, axis) * _l2_normalize(y_pred, axis), dim=axis)


# Aliases (tf.keras names and the Keras 2.0-2.2 spellings).
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
bce = BCE = binary_crossentropy
logcosh = log_cosh
huber_loss = huber
cosine_proximity = cosine = cosine_similarity


# --------------------------------------------------------------------- Loss classes

class Reduction:
    """Types of loss reduction (tf.keras `ReductionV2`)."""

    AUTO = "auto"
    NONE = "none"
    SUM = "sum"
    SUM_OVER_BATCH_SIZE = "sum_over_batch_size"

    @classmethod
    def all(cls):
        return (cls.AUTO, cls.NONE, cls.SUM, cls.SUM_OVER_BATCH_SIZE)

    @classmethod
    def validate(cls, key):
        if key not in cls.all():
            raise ValueError(f'Invalid Reduction Key: {key}. Expected keys are "{cls.all()}"')


def _expand_sample_weight(losses, sample_weight):
    """tf.keras: a sample weight one rank above/below the losses is squeezed/expanded."""
    if sample_weight.dim() == 0:
        return sample_weight
    diff = sample_weight.dim() - losses.dim()
    if diff == 1 and sample_weight.shape[-1] == 1:
        return sample_weight.squeeze(-1)
    if diff == -1:
        return sample_weight.unsqueeze(-1)
    return sample_weight


def compute_weighted_loss(losses, sample_weight=None, reduction=Reduction.SUM_OVER_BATCH_SIZE):
    """Weights `losses` and reduces them: `'sum_over_batch_size'` divides the weighted sum
    by the number of loss elements (not by the sum of the weights), as tf.keras."""
    Reduction.validate(reduction)
    if reduction == Reduction.AUTO:
        reduction = Reduction.SUM_OVER_BATCH_SIZE
    losses = _to_tensor(losses)
    if not losses.is_floating_point():
        losses = losses.to(torch.float32)
    if sample_weight is not None:
        sample_weight = _to_tensor(sample_weight, dtype=losses.dtype, device=losses.device)
        losses = losses * _expand_sample_weight(losses, sample_weight)
    if reduction == Reduction.NONE:
        return losses
    total = torch.sum(losses)
    if reduction == Reduction.SUM:
        return total
    n = losses.numel()
    return total / n if n else total * 0.0


class Loss:
    """Loss base class (tf.keras 2.x).

    Subclasses implement `call(y_true, y_pred)` returning per-sample losses;
    `__call__(y_true, y_pred, sample_weight=None)` weights and reduces them.

    Args:
        reduction: `'auto'` (= `'sum_over_batch_size'`), `'sum_over_batch_size'`,
            `'sum'` or `'none'`. Defaults to `'auto'`.
        name: Optional name of the instance.

    Example:

    >>> class MyMSE(Loss):
    ...     def call(self, y_true, y_pred):
    ...         return ((y_pred - y_true) ** 2).mean(-1)
    >>> float(MyMSE()(torch.zeros(2, 2), torch.ones(2, 2)))
    1.0
    """

    def __init__(self, reduction=Reduction.AUTO, name=None):
        Reduction.validate(reduction)
        self.reduction = reduction
        self.name = name

    def __call__(self, y_true, y_pred, sample_weight=None):
        y_pred = _to_tensor(y_pred)
        y_true = _to_tensor(y_true, device=y_pred.device)
        losses = self.call(y_true, y_pred)
        mask = getattr(y_pred, "_keras_mask", None)
        if mask is None:
            mask = getattr(losses, "_keras_mask", None)
        if mask is not None:
            sample_weight = self._apply_mask(losses, sample_weight, mask)
        return compute_weighted_loss(losses, sample_weight, reduction=self._get_reduction())

    def _apply_mask(self, losses, sample_weight, mask):
        # tf.keras `apply_valid_mask`: masked entries get weight 0, and for a mean the
        # valid ones are rescaled so the result is the mean over valid entries.
        mask = mask.to(dtype=losses.dtype, device=losses.device)
        if self._get_reduction() == Reduction.SUM_OVER_BATCH_SIZE:
            mask = mask * (mask.numel() / torch.sum(mask))
        if sample_weight is None:
            return mask
        sample_weight = _to_tensor(sample_weight, dtype=losses.dtype, device=losses.device)
        return mask * _expand_sample_weight(mask, sample_weight)

    def call(self, y_true, y_pred):
        """Per-sample losses, shape `[batch, d0, ... dN-1]`."""
        raise NotImplementedError("Must be implemented in subclasses.")

    def _get_reduction(self):
        if self.reduction == Reduction.AUTO:
            return Reduction.SUM_OVER_BATCH_SIZE
        return self.reduction

    def get_config(self):
        return {"reduction": self.reduction, "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{self.__class__.__name__} name={self.name!r} reduction={self.reduction!r}>"


class LossFunctionWrapper(Loss):
    """Wraps a loss function `fn(y_true, y_pred, **kwargs)` in the `Loss` class."""

    def __init__(self, fn, reduction=Reduction.AUTO, name=None, **kwargs):
        super().__init__(reduction=reduction, name=name)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        if isinstance(y_true, torch.Tensor) and isinstance(y_pred, torch.Tensor):
            y_pred, y_true = _squeeze_or_expand(y_pred, y_true)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        config = super().get_config()
        for k, v in self._fn_kwargs.items():
            config[k] = v.tolist() if isinstance(v, torch.Tensor) else v
        return config


class MeanSquaredError(LossFunctionWrapper):
    """Mean of squares of errors. See `mean_squared_error`."""

    def __init__(self, reduction=Reduction.AUTO, name="mean_squared_error"):
        super().__init__(mean_squared_error, reduction=reduction, name=name)


class MeanAbsoluteError(LossFunctionWrapper):
    """Mean of absolute errors. See `mean_absolute_error`."""

    def __init__(self, reduction=Reduction.AUTO, name="mean_absolute_error"):
        super().__init__(mean_absolute_error, reduction=reduction, name=name)


class MeanAbsolutePercentageError(LossFunctionWrapper):
    """See `mean_absolute_percentage_error`."""

    def __init__(self, reduction=Reduction.AUTO, name="mean_absolute_percentage_error"):
        super().__init__(mean_absolute_percentage_error, reduction=reduction, name=name)


class MeanSquaredLogarithmicError(LossFunctionWrapper):
    """See `mean_squared_logarithmic_error`."""

    def __init__(self, reduction=Reduction.AUTO, name="mean_squared_logarithmic_error"):
        super().__init__(mean_squared_logarithmic_error, reduction=reduction, name=name)


class Hinge(LossFunctionWrapper):
    """See `hinge`."""

    def __init__(self, reduction=Reduction.AUTO, name="hinge"):
        super().__init__(hinge, reduction=reduction, name=name)


class SquaredHinge(LossFunctionWrapper):
    """See `squared_hinge`."""

    def __init__(self, reduction=Reduction.AUTO, name="squared_hinge"):
        super().__init__(squared_hinge, reduction=reduction, name=name)


class CategoricalHinge(LossFunctionWrapper):
    """See `categorical_hinge`."""

    def __init__(self, reduction=Reduction.AUTO, name="categorical_hinge"):
        super().__init__(categorical_hinge, reduction=reduction, name=name)


class LogCosh(LossFunctionWrapper):
    """See `log_cosh`."""

    def __init__(self, reduction=Reduction.AUTO, name="log_cosh"):
        super().__init__(log_cosh, reduction=reduction, name=name)


class Huber(LossFunctionWrapper):
    """See `huber`.

    Args:
        delta: Where the loss changes from quadratic to linear. Defaults to `1.0`.
    """

    def __init__(self, delta=1.0, reduction=Reduction.AUTO, name="huber_loss"):
        super().__init__(huber, reduction=reduction, name=name, delta=delta)


class CategoricalCrossentropy(LossFunctionWrapper):
    """See `categorical_crossentropy`.

    Args:
        from_logits: Whether `y_pred` holds logits. Defaults to `False`.
        label_smoothing: Float in `[0, 1]`. Defaults to `0`.
        axis: The class axis. Defaults to `-1`.
    """

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction=Reduction.AUTO, name="categorical_crossentropy"):
        super().__init__(categorical_crossentropy, reduction=reduction, name=name,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """See `sparse_categorical_crossentropy`.

    Args:
        from_logits: Whether `y_pred` holds logits. Defaults to `False`.
    """

    def __init__(self, from_logits=False, ignore_class=None, reduction=Reduction.AUTO,
                 name="sparse_categorical_crossentropy"):
        if ignore_class is not None:
            raise ValueError(
                "`ignore_class` is not supported by tkeras yet. "
                f"Received: ignore_class={ignore_class!r}. Pass `sample_weight` with "
                "zeros for the entries to ignore instead."
            )
        super().__init__(sparse_categorical_crossentropy, reduction=reduction, name=name,
                         from_logits=from_logits)
        self.from_logits = from_logits

    def get_config(self):
        config = super().get_config()
        config["ignore_class"] = None
        return config


class BinaryCrossentropy(LossFunctionWrapper):
    """See `binary_crossentropy`.

    Args:
        from_logits: Whether `y_pred` holds logits. Defaults to `False`.
        label_smoothing: Float in `[0, 1]`. Defaults to `0`.
        axis: The axis to average over. Defaults to `-1`.
    """

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction=Reduction.AUTO, name="binary_crossentropy"):
        super().__init__(binary_crossentropy, reduction=reduction, name=name,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits


class KLDivergence(LossFunctionWrapper):
    """See `kl_divergence`."""

    def __init__(self, reduction=Reduction.AUTO, name="kl_divergence"):
        super().__init__(kl_divergence, reduction=reduction, name=name)


class Poisson(LossFunctionWrapper):
    """See `poisson`."""

    def __init__(self, reduction=Reduction.AUTO, name="poisson"):
        super().__init__(poisson, reduction=reduction, name=name)


class CosineSimilarity(LossFunctionWrapper):
    """See `cosine_similarity` (negative: -1 means identical directions).

    Args:
        axis: The axis along which the similarity is computed. Defaults to `-1`.
    """

    def __init__(self, axis=-1, reduction=Reduction.AUTO, name="cosine_similarity"):
        super().__init__(cosine_similarity, reduction=reduction, name=name, axis=axis)


# ---------------------------------------------------------- get / (de)serialization

_OBJECTS = {
    # functions and aliases
    "mean_squared_error": mean_squared_error, "mse": mse, "MSE": MSE,
    "mean_absolute_error": mean_absolute_error, "mae": mae, "MAE": MAE,
    "mean_absolute_percentage_error": mean_absolute_percentage_error,
    "mape": mape, "MAPE": MAPE,
    "mean_squared_logarithmic_error": mean_squared_logarithmic_error,
    "msle": msle, "MSLE": MSLE,
    "squared_hinge": squared_hinge, "hinge": hinge, "categorical_hinge": categorical_hinge,
    "log_cosh": log_cosh, "logcosh": logcosh, "huber": huber, "huber_loss": huber_loss,
    "categorical_crossentropy": categorical_crossentropy,
    "sparse_categorical_crossentropy": sparse_categorical_crossentropy,
    "binary_crossentropy": binary_crossentropy, "bce": bce, "BCE": BCE,
    "kl_divergence": kl_divergence, "kullback_leibler_divergence": kullback_leibler_divergence,
    "kld": kld, "KLD": KLD, "poisson": poisson,
    "cosine_similarity": cosine_similarity, "cosine_proximity": cosine_proximity,
    "cosine": cosine,
    # classes
    "MeanSquaredError": MeanSquaredError, "MeanAbsoluteError": MeanAbsoluteError,
    "MeanAbsolutePercentageError": MeanAbsolutePercentageError,
    "MeanSquaredLogarithmicError": MeanSquaredLogarithmicError,
    "Hinge": Hinge, "SquaredHinge": SquaredHinge, "CategoricalHinge": CategoricalHinge,
    "LogCosh": LogCosh, "Huber": Huber, "CategoricalCrossentropy": CategoricalCrossentropy,
    "SparseCategoricalCrossentropy": SparseCategoricalCrossentropy,
    "BinaryCrossentropy": BinaryCrossentropy, "KLDivergence": KLDivergence,
    "Poisson": Poisson, "CosineSimilarity": CosineSimilarity,
}


def serialize(loss):
    """A function becomes its name; a `Loss` becomes `{'class_name', 'config'}`."""
    return serialize_keras_object(loss)


def deserialize(name, custom_objects=None):
    """Inverse of `serialize`. A bare class name gives a default instance."""
    obj = deserialize_keras_object(
        name, module_objects=_OBJECTS, custom_objects=custom_objects,
        printable_module_name="loss function",
    )
    if isinstance(obj, type):
        obj = obj()
    return obj


def get(identifier):
    """Resolves a loss: `None`, a name (`'mse'`, `'categorical_crossentropy'`,
    `'CategoricalCrossentropy'`), a `{'class_name', 'config'}` dict, a function or a
    `Loss` instance. Unknown names raise `ValueError` listing the valid ones."""
    if identifier is None:
        return None
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret loss function identifier: {identifier!r}")
