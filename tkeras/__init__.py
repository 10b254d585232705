"""tkeras: the Keras 2 API implemented on PyTorch.

`import tkeras as keras` and keep your Keras 2 code. Every layer is a `torch.nn.Module`
and every model a plain torch module.
"""
__version__ = "0.1.0"

from tkeras import backend  # noqa: F401
from tkeras import activations, constraints, initializers, regularizers  # noqa: F401
from tkeras import losses, metrics, optimizers  # noqa: F401
from tkeras import engine, layers, models, utils, callbacks, mixed_precision  # noqa: F401
from tkeras.engine.input_layer import Input  # noqa: F401
from tkeras.engine.sequential import Sequential  # noqa: F401
from tkeras.engine.training import Model  # noqa: F401

import importlib as _importlib

# Keras 2's `keras.preprocessing`, `keras.datasets`, ...: imported on first use
# (`keras.preprocessing.sequence.pad_sequences` works without an explicit import).
_LAZY_SUBMODULES = ("preprocessing", "datasets", "wrappers", "applications")


def __getattr__(name):
    if name in _LAZY_SUBMODULES:
        try:
            return _importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as err:
            if err.name != f"{__name__}.{name}":
                raise
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
