"""`tkeras.layers` (Keras 2's `keras.layers`)."""
from tkeras.engine.base_layer import Layer  # noqa: F401
from tkeras.engine.input_layer import Input, InputLayer  # noqa: F401
from tkeras.engine.input_spec import InputSpec  # noqa: F401
from tkeras.layers.core import (  # noqa: F401
    ActivityRegularization,
    Activation,
    Dense,
    Dropout,
    Flatten,
    Lambda,
    Masking,
    Permute,
    RepeatVector,
    Reshape,
)
from tkeras.layers.convolutional import *  # noqa: F401,F403,E402
from tkeras.layers.pooling import *  # noqa: F401,F403,E402
from tkeras.layers.reshaping import *  # noqa: F401,F403,E402
from tkeras.layers.local import *  # noqa: F401,F403,E402
from tkeras.layers.recurrent import *  # noqa: F401,F403,E402
from tkeras.layers.convolutional_recurrent import *  # noqa: F401,F403,E402
from tkeras.layers.embeddings import *  # noqa: F401,F403,E402
from tkeras.layers.wrappers import *  # noqa: F401,F403,E402
from tkeras.layers.merge import *  # noqa: F401,F403,E402
from tkeras.layers.noise import *  # noqa: F401,F403,E402
from tkeras.layers.advanced_activations import *  # noqa: F401,F403,E402
from tkeras.layers.preprocessing import *  # noqa: F401,F403,E402
from tkeras.layers.tf_op_layer import *  # noqa: F401,F403,E402


def serialize(layer):
    from tkeras.utils.generic_utils import serialize_keras_object

    return serialize_keras_object(layer)


def deserialize(config, custom_objects=None):
    from tkeras.utils.generic_utils import deserialize_keras_object

    return deserialize_keras_object(config, _layer_objects(), custom_objects, "layer")


def _layer_objects():
    import tkeras.models as models

    from tkeras.layers._applications import APPLICATION_LAYERS

    objects = dict(APPLICATION_LAYERS)
    objects.update({k: v for k, v in globals().items()
                    if isinstance(v, type) and issubclass(v, Layer)})
    objects.update({"Model": models.Model, "Functional": models.Functional,
                    "Sequential": models.Sequential})
    return objects
from tkeras.layers.normalization import *  # noqa: F401,F403,E402
