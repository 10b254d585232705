"""`tkeras.models` (Keras 2's `keras.models`)."""
from tkeras.engine.functional import Functional  # noqa: F401
from tkeras.engine.sequential import Sequential  # noqa: F401
from tkeras.engine.training import Model  # noqa: F401
from tkeras.saving.model_config import (  # noqa: F401
    clone_model,
    model_from_config,
    model_from_json,
    model_from_yaml,
)
from tkeras.saving.hdf5 import load_model, save_model  # noqa: F401,E402
