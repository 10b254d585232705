"""Keras 2 `keras.layers.recurrent` (being written)."""
__all__ = []
