"""Keras 2 `keras.layers.merge` (being written)."""
__all__ = []
