"""Keras 2 `keras.layers.advanced_activations` (being written)."""
__all__ = []
