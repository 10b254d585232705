"""Keras 2 `keras.layers.noise` (being written)."""
__all__ = []
