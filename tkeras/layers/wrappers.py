"""Keras 2 `keras.layers.wrappers` (being written)."""
__all__ = []
