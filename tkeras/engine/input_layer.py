"""`Input()` and `InputLayer`: the entry points of a functional model."""
import numpy as np

from tkeras.backend import _config
from tkeras.engine.base_layer import Layer
from tkeras.engine.keras_tensor import KerasTensor, Node


class InputLayer(Layer):
    """The layer behind `Input()`: holds the symbolic input tensor of a model.

    Args:
        input_shape: shape without the batch dimension, e.g. `(784,)`.
        batch_size: fixed batch size, or None.
        batch_input_shape: full shape with the batch dimension (alternative).
        dtype: input dtype string. Defaults to `K.floatx()`.
        sparse: accepted for compatibility; tkeras feeds dense tensors.
        name: layer name. Defaults to `input_1`, `input_2`, ...
    """

    def __init__(self, input_shape=None, batch_size=None, dtype=None, input_tensor=None,
                 sparse=False, name=None, batch_input_shape=None, ragged=False, **kwargs):
        if name is None:
            name = f"input_{_config.get_uid('input')}"
        if batch_input_shape is None:
            if input_shape is None:
                raise ValueError(
                    "An InputLayer needs an `input_shape` or a `batch_input_shape`. Note that "
                    "`input_shape` does not include the batch dimension."
                )
            if isinstance(input_shape, int):
                input_shape = (input_shape,)
            batch_input_shape = (batch_size,) + tuple(input_shape)
        kwargs.pop("input_dim", None)
        if not isinstance(batch_input_shape, (tuple, list)) or any(
                d is not None and (isinstance(d, bool) or not isinstance(d, (int, np.integer))
                                   or d < 0) for d in batch_input_shape):
            raise TypeError(
                "An InputLayer's shape must be a tuple of non-negative ints or None. "
                f"Received: batch_input_shape={batch_input_shape!r}. Example: "
                "Input(shape=(28, 28)) or InputLayer(batch_input_shape=(None, 784)).")
        super().__init__(name=name, dtype=dtype or _config.floatx(), **kwargs)
        self._batch_input_shape = tuple(None if d is None else int(d) for d in batch_input_shape)
        self.sparse = sparse
        self.is_placeholder = True
        self.built = True
        tensor = KerasTensor(self._batch_input_shape, self.dtype, name=name)
        Node(self, (), {}, [tensor])
        tensor.name = name

    @property
    def batch_input_shape(self):
        return self._batch_input_shape

    @property
    def input_shape(self):
        """Its own batch shape: an input layer's input is its output (Keras 2)."""
        return self._batch_input_shape

    def call(self, inputs):
        return inputs

    def get_config(self):
        return {"batch_input_shape": list(self._batch_input_shape), "dtype": self.dtype,
                "sparse": self.sparse, "name": self.name}


def Input(shape=None, batch_size=None, name=None, dtype=None, sparse=False, tensor=None,
          batch_shape=None, **kwargs):
    """Creates a symbolic input tensor for the functional API.

    Args:
        shape: shape tuple without the batch dimension, e.g. `(784,)`.
        batch_size: optional fixed batch size.
        name: optional name of the input layer.
        dtype: dtype string, e.g. `'int32'` for token ids. Defaults to `K.floatx()`.
        batch_shape: full shape including the batch dimension (alternative to `shape`).

    Example:

    >>> x = tkeras.Input(shape=(784,))
    >>> tuple(x.shape)
    (None, 784)
    """
    if shape is None and batch_shape is None:
        if "batch_input_shape" in kwargs:
            batch_shape = kwargs.pop("batch_input_shape")
        else:
            raise ValueError(
                "Please provide to Input either a `shape` or a `batch_shape` argument. Note "
                "that `shape` does not include the batch dimension. "
                "Example: Input(shape=(784,))"
            )
    layer = InputLayer(input_shape=shape, batch_size=batch_size, name=name, dtype=dtype,
                       sparse=sparse, batch_input_shape=batch_shape)
    return layer._inbound_nodes[0].output_tensors[0]
