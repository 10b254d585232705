"""Keras 2 `keras.layers.embeddings` (being written)."""
__all__ = []
