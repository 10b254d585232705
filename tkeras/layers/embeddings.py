"""Embedding layer (Keras 2's `keras.layers.embeddings`)."""
import torch
import torch.nn.functional as F

from tkeras import constraints, initializers, regularizers
from tkeras.engine.base_layer import Layer

__all__ = ["Embedding"]


def _positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, int) and not hasattr(value, "__index__") \
            or int(value) <= 0:
        raise ValueError(
            f"`{name}` of an Embedding layer must be a positive integer. "
            f"Received: {name}={value!r}. Example: Embedding(input_dim=10000, output_dim=64)."
        )
    return int(value)


class Embedding(Layer):
    """Turns non-negative integer indices into dense vectors of fixed size:
    `output[..., :] = embeddings[index]`.

    Args:
        input_dim: Size of the vocabulary (largest index + 1).
        output_dim: Dimension of the dense embedding.
        embeddings_initializer: Defaults to `'uniform'` (uniform in [-0.05, 0.05]).
        embeddings_regularizer / activity_regularizer / embeddings_constraint:
            Defaults to `None`.
        mask_zero: Whether index 0 is padding to be masked out; the layer then emits the
            mask `inputs != 0` for the layers that follow (LSTM, GRU, ...), and index 0
            cannot be used in the vocabulary. Defaults to `False`.
        input_length: Length of the input sequences when it is constant; needed to
            connect `Flatten` then `Dense` after the embedding. Defaults to `None`.
        sparse: Accepted for tf-keras compatibility; only `False` (dense output) is
            supported. Defaults to `False`.

    Input shape:
        Integer tensor `(batch, input_length)` (any rank). Float inputs are cast to
        integers, as Keras does.
    Output shape:
        `(batch, input_length, output_dim)`.

    Weights (Keras layout): `embeddings (input_dim, output_dim)`.

    Example:

    >>> layer = tkeras.layers.Embedding(10, 3, mask_zero=True)
    >>> x = np.array([[4, 2, 0]])
    >>> tuple(layer(x).shape)
    (1, 3, 3)
    >>> layer.compute_mask(torch.tensor(x)).tolist()
    [[True, True, False]]
    """

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, activity_regularizer=None,
                 embeddings_constraint=None, mask_zero=False, input_length=None,
                 sparse=False, **kwargs):
        if sparse:
            raise ValueError(
                "tkeras's Embedding returns dense outputs only; `sparse=True` (a "
                "tf.SparseTensor output) is not supported. Received: sparse=True. "
                "Use Embedding(..., sparse=False)."
            )
        if "input_shape" not in kwargs and "batch_input_shape" not in kwargs:
            # As Keras: the first layer of a Sequential model always knows its input rank.
            if isinstance(input_length, (list, tuple)):
                kwargs["input_shape"] = tuple(input_length)
            else:
                kwargs["input_shape"] = (input_length,) if input_length else (None,)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.input_dim = _positive_int("input_dim", input_dim)
        self.output_dim = _positive_int("output_dim", output_dim)
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero
        self.input_length = input_length

    def build(self, input_shape):
        self.embeddings = self.add_weight(
            "embeddings", (self.input_dim, self.output_dim),
            initializer=self.embeddings_initializer, regularizer=self.embeddings_regularizer,
            constraint=self.embeddings_constraint)
        self.built = True

    def call(self, inputs):
        if inputs.dtype not in (torch.int32, torch.int64):
            inputs = inputs.to(torch.int64)
        if inputs.device.type == "cpu" and not torch.compiler.is_compiling():
            self._check_indices(inputs)
        return F.embedding(inputs, self.embeddings)

    def _check_indices(self, indices):
        """The door before the lookup: every index in [0, input_dim). Checked where it
        costs no device sync (CPU tensors, eager); torch's CUDA lookup would assert."""
        if not indices.numel():
            return
        low, high = torch.aminmax(indices)
        if low >= 0 and high < self.input_dim:
            return
        bad = ((indices < 0) | (indices >= self.input_dim)).nonzero()[0]
        where = ",".join(str(int(i)) for i in bad)
        value = int(indices[tuple(bad)])
        raise ValueError(
            f"Embedding layer '{self.name}' received index {value} at position [{where}], but "
            f"`input_dim={self.input_dim}` allows indices 0 to {self.input_dim - 1} "
            f"(indices[{where}] = {value} is not in [0, {self.input_dim})). Make `input_dim` "
            f"larger than the largest index (the vocabulary size, plus 1 if 0 is reserved for "
            "padding), or map unknown tokens to an index below it."
        )

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return inputs != 0

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.input_length is None:
            return input_shape + (self.output_dim,)
        lengths = list(self.input_length) if isinstance(self.input_length, (list, tuple)) \
            else [self.input_length]
        if len(lengths) != len(input_shape) - 1:
            raise ValueError(
                f"`input_length` is {self.input_length}, but received input has shape "
                f"{input_shape}"
            )
        dims = [given if given is not None else got
                for given, got in zip(lengths, input_shape[1:])]
        return (input_shape[0],) + tuple(dims) + (self.output_dim,)

    def get_config(self):
        config = super().get_config()
        config.update({
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
            "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
            "mask_zero": self.mask_zero,
            "input_length": self.input_length,
        })
        return config
