"""Keras 2 `keras.layers.local` (being written)."""
__all__ = []
