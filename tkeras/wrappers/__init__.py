"""`tkeras.wrappers` (Keras 2's `keras.wrappers`): `scikit_learn`, loaded on first use."""
import importlib

__all__ = ["scikit_learn"]


def __getattr__(name):
    if name == "scikit_learn":
        return importlib.import_module(f"{__name__}.scikit_learn")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
