"""Global Keras configuration: floatx, epsilon, image data format, learning phase,
layer-name counters and the session reset."""
import collections
import threading

import torch

_FLOATX = "float32"
_EPSILON = 1e-7
_IMAGE_DATA_FORMAT = "channels_last"
_VALID_FLOATX = ("float16", "bfloat16", "float32", "float64")

# 0 = inference, 1 = training, None = let fit/predict decide (Keras 2's default).
_LEARNING_PHASE = None
_UIDS = collections.defaultdict(int)
_CONTEXT = threading.local()


def floatx():
    """Returns the default float type as a string, e.g. `'float32'`."""
    return _FLOATX


def set_floatx(value):
    global _FLOATX
    if value not in _VALID_FLOATX:
        raise ValueError(
            f"Unknown `floatx` value. Expected one of {_VALID_FLOATX}. Received: floatx={value!r}"
        )
    _FLOATX = str(value)


def epsilon():
    """Returns the fuzz factor used in numeric expressions (`1e-7`)."""
    return _EPSILON


def set_epsilon(value):
    global _EPSILON
    _EPSILON = float(value)


def image_data_format():
    """Returns `'channels_last'` (the default) or `'channels_first'`."""
    return _IMAGE_DATA_FORMAT


def set_image_data_format(data_format):
    global _IMAGE_DATA_FORMAT
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(
            "`data_format` must be 'channels_last' or 'channels_first'. "
            f"Received: data_format={data_format!r}"
        )
    _IMAGE_DATA_FORMAT = str(data_format)


def normalize_data_format(value):
    if value is None:
        return _IMAGE_DATA_FORMAT
    v = str(value).lower()
    if v not in ("channels_last", "channels_first"):
        raise ValueError(
            "`data_format` must be 'channels_last' or 'channels_first'. "
            f"Received: data_format={value!r}"
        )
    return v


def backend():
    """Name of the backend: `'torch'` (as Keras 3's torch backend reports)."""
    return "torch"


def learning_phase():
    """The learning phase set by `set_learning_phase`, else 0 (inference).

    Inside `fit`/`train_on_batch` layers receive `training=True` regardless.
    """
    phase = getattr(_CONTEXT, "training", None)
    if phase is not None:
        return int(bool(phase))
    return 0 if _LEARNING_PHASE is None else _LEARNING_PHASE


def set_learning_phase(value):
    global _LEARNING_PHASE
    if value not in (0, 1, True, False):
        raise ValueError(f"Expected learning phase to be 0 or 1. Received: value={value!r}")
    _LEARNING_PHASE = int(value)


def _global_training_default():
    """Training flag to use when a layer is called without `training=`."""
    phase = getattr(_CONTEXT, "training", None)
    if phase is not None:
        return phase
    if _LEARNING_PHASE is None:
        return False
    return bool(_LEARNING_PHASE)


class _training_scope:
    """Context manager setting the implicit `training` flag for nested layer calls."""

    __slots__ = ("value", "prev")

    def __init__(self, value):
        self.value = value

    def __enter__(self):
        self.prev = getattr(_CONTEXT, "training", None)
        _CONTEXT.training = self.value

    def __exit__(self, *exc):
        _CONTEXT.training = self.prev


def get_uid(prefix=""):
    """Per-prefix counter for Keras-style names: `dense_1`, `dense_2`, ..."""
    _UIDS[prefix] += 1
    return _UIDS[prefix]


def reset_uids():
    _UIDS.clear()


def clear_session():
    """Resets the layer-name counters (so the next Dense is `dense_1` again) and the
    learning phase."""
    global _LEARNING_PHASE
    reset_uids()
    _LEARNING_PHASE = None
    _CONTEXT.training = None
    from tkeras.backend import ops

    ops._reset_random_generators()  # seeded K.random_* sequences start over


def floatx_dtype():
    return getattr(torch, _FLOATX)


def is_keras_tensor(x):
    """True for the symbolic tensors of the functional API (`Input()` outputs)."""
    return getattr(x, "_is_keras_tensor", False) is True


def current_device():
    """Device for tensors created from nothing (`K.random_normal`, `K.zeros`, ...):
    the device of the model being run, `meta` during shape inference, else None
    (torch's default device)."""
    return getattr(_CONTEXT, "device", None)


class _device_scope:
    __slots__ = ("device", "prev")

    def __init__(self, device):
        self.device = device

    def __enter__(self):
        self.prev = getattr(_CONTEXT, "device", None)
        _CONTEXT.device = self.device

    def __exit__(self, *exc):
        _CONTEXT.device = self.prev
