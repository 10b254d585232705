"""Keras 2 `keras.layers.pooling` (being written)."""
__all__ = []
