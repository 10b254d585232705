"""`tkeras.callbacks` (Keras 2's `keras.callbacks`)."""
from tkeras.callbacks.callbacks import (  # noqa: F401
    BaseLogger,
    Callback,
    CallbackList,
    History,
    ProgbarLogger,
    logs_to_floats,
)
