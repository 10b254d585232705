"""Keras 2 `keras.layers.convolutional_recurrent` (being written)."""
__all__ = []
