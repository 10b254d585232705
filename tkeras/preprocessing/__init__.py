"""`tkeras.preprocessing` (Keras 2's `keras.preprocessing`): `sequence` (padding,
skip-grams, `TimeseriesGenerator`), `text` (`Tokenizer`, hashing) and `image`
(`ImageDataGenerator`, image files; the `image` extra: Pillow and SciPy).

The submodules load on first use, so `import tkeras` stays light.
"""
import importlib

_SUBMODULES = ("image", "sequence", "text")

__all__ = list(_SUBMODULES)


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
