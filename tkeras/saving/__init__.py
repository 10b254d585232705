"""`tkeras.saving`: model architecture as Keras 2 JSON (`model_config`)."""
from tkeras.saving.model_config import (  # noqa: F401
    BACKEND,
    KERAS_VERSION,
    clone_model,
    get_json_type,
    model_from_config,
    model_from_json,
    model_from_yaml,
)
from tkeras.saving.hdf5 import (  # noqa: F401,E402
    load_model,
    load_weights_from_hdf5_group,
    save_model,
    save_weights_to_hdf5_group,
)
