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
