"""`Sequential`: a linear stack of layers."""
from tkeras.backend import _config
from tkeras.engine.base_layer import Layer
from tkeras.engine.functional import Functional
from tkeras.engine.input_layer import InputLayer
from tkeras.engine.keras_tensor import is_keras_tensor
from tkeras.engine.training import Model


class Sequential(Functional):
    """A linear stack of layers.

    Args:
        layers: optional list of layers to add.
        name: model name. Defaults to `sequential_1`, ...

    The model builds as soon as its first layer knows its input shape (`input_shape=`,
    `input_dim=` or an `Input`); otherwise on the first `fit`/`predict`/call.

    Example:

    >>> model = tkeras.Sequential([tkeras.layers.Dense(4, input_shape=(3,))])
    >>> model.output_shape
    (None, 4)
    """

    def __init__(self, layers=None, name=None):
        if name is None:
            name = f"sequential_{_config.get_uid('sequential')}"
        Model.__init__(self, name=name)
        self._stack = []
        self._input_layer = None
        self._model_symbolic_losses = []
        self.inputs, self.outputs = [], []
        self.input_names, self.output_names = [], []
        self._layers_ordered = []
        self.built = False
        if layers is not None:
            if not isinstance(layers, (list, tuple)):
                layers = [layers]
            for layer in layers:
                self.add(layer)

    @property
    def layers(self):
        return list(self._stack)

    def add(self, layer):
        """Adds a layer on top of the stack."""
        if is_keras_tensor(layer):
            layer = layer._keras_history[0]
        if not isinstance(layer, Layer):
            raise TypeError(
                "The added layer must be an instance of class Layer. "
                f"Received: layer={layer!r} of type {type(layer).__name__}."
            )
        if isinstance(layer, InputLayer):
            if self._stack or self._input_layer is not None:
                raise ValueError("An InputLayer can only be the first layer of a Sequential model.")
            self._input_layer = layer
            self._rebuild()
            return
        if any(l.name == layer.name for l in self._stack):
            raise ValueError(
                "All layers added to a Sequential model should have unique names. Name "
                f"'{layer.name}' is already the name of a layer in this model. Update the "
                "`name` argument to pass a unique name."
            )
        self._stack.append(layer)
        if not self.outputs:
            self._rebuild()
            return
        out = layer(self.outputs[0])
        if not is_keras_tensor(out):
            self._stack.pop()
            raise ValueError(
                "All layers in a Sequential model should have a single output tensor. For "
                "multi-output layers, use the functional API."
            )
        self._init_graph(self.inputs[0], out)

    def pop(self):
        """Removes the last layer."""
        if not self._stack:
            raise TypeError("There are no layers in the model.")
        self._stack.pop()
        self.inputs, self.outputs = [], []
        self.built = False
        self._rebuild()

    def _first_batch_shape(self):
        if self._input_layer is not None:
            return self._input_layer._batch_input_shape, self._input_layer.dtype, self._input_layer
        if not self._stack:
            return None, None, None
        first = self._stack[0]
        shape = getattr(first, "_batch_input_shape", None)
        if shape is None and isinstance(first, Functional) and first.inputs:
            shape = tuple(first.inputs[0].shape)
        return shape, first.dtype, None

    def _rebuild(self, batch_shape=None, dtype=None):
        shape, layer_dtype, input_layer = self._first_batch_shape()
        if batch_shape is not None:
            shape = batch_shape
            layer_dtype = dtype or layer_dtype
        if shape is None:
            self._register_layers(self._stack)
            return
        if input_layer is None:
            name = f"{self._stack[0].name}_input" if self._stack else None
            input_layer = InputLayer(batch_input_shape=shape, dtype=layer_dtype, name=name)
        x = input_layer._inbound_nodes[0].output_tensors[0]
        inputs = x
        for layer in self._stack:
            x = layer(x)
            if not is_keras_tensor(x):
                raise ValueError(
                    "All layers in a Sequential model should have a single output tensor. For "
                    "multi-output layers, use the functional API."
                )
        if not self._stack:
            self.inputs = [inputs]
            self.input_names = [input_layer.name]
            self._input_layer = input_layer
            return
        self._init_graph(inputs, x)

    def _register_layers(self, layers):
        super()._register_layers([l for l in layers if not isinstance(l, InputLayer)])

    def build(self, input_shape=None):
        if input_shape is None:
            if not self.built:
                raise ValueError("You must provide an `input_shape` argument to `build()`.")
            return
        self._assert_not_empty("build")
        self._rebuild(batch_shape=tuple(input_shape))

    def _assert_not_empty(self, where):
        if not self._stack:
            raise ValueError(
                f"The Sequential model '{self.name}' has no layers, so `{where}` cannot run. "
                "Add layers with `model.add(...)` first."
            )

    def _build_from_data(self, xs):
        self._assert_not_empty("fit/predict")
        if not self.built:
            x = xs[0]
            dtype = str(x.dtype).replace("torch.", "")
            self._rebuild(batch_shape=(None,) + tuple(x.shape[1:]), dtype=dtype)

    def _prepare_for_data(self, xs):
        self._assert_not_empty("fit/predict")
        super()._prepare_for_data(xs)

    def _eager_call(self, inputs, args, kwargs):
        if not self.built and not self._stack:
            self._assert_not_empty("call")
        if not self.built:
            from tkeras.engine.base_layer import _to_tensor

            x = _to_tensor(inputs)
            self._build_from_data([x])
        return super()._eager_call(inputs, args, kwargs)

    def _symbolic_call(self, inputs, args, kwargs):
        if not self.built:
            self._assert_not_empty("call")
            self._rebuild(batch_shape=tuple(inputs.shape), dtype=inputs.dtype)
        return super()._symbolic_call(inputs, args, kwargs)

    # Keras 2.3 has these on Sequential.
    def predict_proba(self, x, batch_size=32, verbose=0):
        """Probabilities (the model's output), as Keras 2.3's Sequential.predict_proba."""
        return self.predict(x, batch_size=batch_size, verbose=verbose)

    def predict_classes(self, x, batch_size=32, verbose=0):
        """Class indices: argmax of the output, or `output > 0.5` for one unit."""
        proba = self.predict(x, batch_size=batch_size, verbose=verbose)
        if proba.shape[-1] > 1:
            return proba.argmax(axis=-1)
        return (proba > 0.5).astype("int32")

    def get_config(self):
        from tkeras.saving.model_config import sequential_config

        return sequential_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from tkeras.saving.model_config import sequential_from_config

        return sequential_from_config(config, custom_objects, cls)
