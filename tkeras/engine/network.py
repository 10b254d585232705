"""Keras 2.2 import path `keras.engine.network`."""
from tkeras.engine.functional import Functional as Network  # noqa: F401
