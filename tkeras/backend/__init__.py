"""`tkeras.backend` — the `K` that Keras 2 user code imports."""
from tkeras.backend._config import (  # noqa: F401
    backend,
    current_device,
    clear_session,
    epsilon,
    floatx,
    get_uid,
    image_data_format,
    is_keras_tensor,
    learning_phase,
    normalize_data_format,
    reset_uids,
    set_epsilon,
    set_floatx,
    set_image_data_format,
    set_learning_phase,
)
from tkeras.backend.ops import *  # noqa: F401,F403
