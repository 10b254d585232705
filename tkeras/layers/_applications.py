"""Layers that the Keras 2 applications define for themselves and write into saved
models: ConvNeXt's `LayerScale`, InceptionResNetV2's `CustomScaleLayer` (registered by
tf-keras as `Custom>CustomScaleLayer`). tkeras knows them by those names so that such
files load without `custom_objects`; they are not part of `tkeras.layers`.
"""
import numbers

from tkeras.engine.base_layer import Layer


class LayerScale(Layer):
    """Multiplies the input by a learned per-channel vector `gamma` (ConvNeXt's layer
    scale, https://arxiv.org/abs/2103.17239).

    Args:
        init_values: Float, the initial value of every entry of `gamma`.
        projection_dim: Int, the number of channels (last axis) of the input.

    Input shape:
        Any shape with `projection_dim` channels last.
    Output shape:
        Same as the input.

    Weights (Keras order): `gamma`, shape `(projection_dim,)`.

    Example:

    >>> layer = LayerScale(init_values=0.5, projection_dim=2)
    >>> layer(np.array([[2.0, 4.0]], "float32")).tolist()
    [[1.0, 2.0]]
    """

    def __init__(self, init_values, projection_dim, **kwargs):
        super().__init__(**kwargs)
        if isinstance(projection_dim, bool) or not isinstance(
                projection_dim, numbers.Integral) or projection_dim <= 0:
            raise ValueError(
                "`projection_dim` must be a positive int. "
                f"Received: projection_dim={projection_dim!r}"
            )
        self.init_values = float(init_values)
        self.projection_dim = int(projection_dim)

    def build(self, input_shape):
        from tkeras import initializers

        self.gamma = self.add_weight(name="gamma", shape=(self.projection_dim,),
                                     initializer=initializers.Constant(self.init_values),
                                     trainable=True)
        super().build(input_shape)

    def call(self, inputs):
        return inputs * self.gamma

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"init_values": self.init_values,
                       "projection_dim": self.projection_dim})
        return config


class CustomScaleLayer(Layer):
    """Adds a scaled residual to its first input: `inputs[0] + inputs[1] * scale`
    (InceptionResNetV2's residual blocks).

    Args:
        scale: Float, the residual's weight.

    Input shape:
        A list of two tensors of the same shape.
    Output shape:
        That shape.

    Example:

    >>> layer = CustomScaleLayer(scale=0.5)
    >>> layer([np.ones((1, 2), "float32"), np.full((1, 2), 4.0, "float32")]).tolist()
    [[3.0, 3.0]]
    """

    def __init__(self, scale, **kwargs):
        super().__init__(**kwargs)
        self.scale = float(scale)

    def call(self, inputs):
        return inputs[0] + inputs[1] * self.scale

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        config = super().get_config()
        config["scale"] = self.scale
        return config


# Names under which tf-keras writes these classes into model configs.
APPLICATION_LAYERS = {
    "LayerScale": LayerScale,
    "CustomScaleLayer": CustomScaleLayer,
    "Custom>CustomScaleLayer": CustomScaleLayer,
}
