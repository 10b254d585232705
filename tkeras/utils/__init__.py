"""`tkeras.utils` (Keras 2's `keras.utils`)."""
from tkeras.utils.generic_utils import (  # noqa: F401
    CustomObjectScope,
    custom_object_scope,
    deserialize_keras_object,
    get_custom_objects,
    serialize_keras_object,
)
