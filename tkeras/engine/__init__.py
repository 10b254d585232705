"""`tkeras.engine` (Keras 2's `keras.engine`): the layer base, the graph and the model."""
from tkeras.engine.base_layer import Layer  # noqa: F401
from tkeras.engine.functional import Functional  # noqa: F401
from tkeras.engine.input_layer import Input, InputLayer  # noqa: F401
from tkeras.engine.input_spec import InputSpec  # noqa: F401
from tkeras.engine.keras_tensor import KerasTensor, Node  # noqa: F401
from tkeras.engine.sequential import Sequential  # noqa: F401
from tkeras.engine.training import Model  # noqa: F401

Network = Functional
