"""Keras 2 `keras.layers.convolutional` (being written)."""
__all__ = []
