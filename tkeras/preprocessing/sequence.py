"""Sequence preprocessing (Keras 2's `keras.preprocessing.sequence`): `pad_sequences`,
`skipgrams`, `make_sampling_table` and `TimeseriesGenerator`, with Keras 2's results
for the same inputs (and, where randomness is involved, the same seeds: `skipgrams`
draws from Python's `random`, `TimeseriesGenerator(shuffle=True)` from NumPy's global
generator, as Keras 2 does).
"""
import json
import random

import numpy as np

from tkeras.utils.data_utils import Sequence

__all__ = ["pad_sequences", "make_sampling_table", "skipgrams", "TimeseriesGenerator",
           "timeseries_generator_from_json"]

_PAD_CHOICES = ("pre", "post")


def _is_string_dtype(dtype):
    try:
        return np.dtype(dtype).kind in "US"
    except TypeError:
        return False


def _lengths_and_sample_shape(sequences):
    """(length of each sequence, shape of one timestep taken from the first non-empty
    sequence)."""
    lengths, sample_shape = [], None
    for position, seq in enumerate(sequences):
        if isinstance(seq, (str, bytes)) or not hasattr(seq, "__len__"):
            raise ValueError(
                "`sequences` must be a list of iterables. Found non-iterable: "
                f"{seq!r} (at position {position}). Example: "
                "pad_sequences([[1, 2], [3]])."
            )
        lengths.append(len(seq))
        if sample_shape is None and len(seq):
            sample_shape = np.asarray(seq).shape[1:]
    return lengths, sample_shape or ()


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre",
                  value=0.0):
    """Pads (or truncates) sequences to one length: a 2-D array `(samples, maxlen)`
    (or `(samples, maxlen, *timestep_shape)`).

    Args:
        sequences: List of sequences (lists or arrays; their timesteps may themselves
            be arrays of one shape).
        maxlen: Int, the output length. Defaults to `None`: the longest sequence.
        dtype: Output dtype. Defaults to `'int32'`. Use `object` (or a string dtype)
            for strings.
        padding: `'pre'` or `'post'`: pad before or after each sequence.
            Defaults to `'pre'`.
        truncating: `'pre'` or `'post'`: drop timesteps from the start or the end of
            sequences longer than `maxlen`. Defaults to `'pre'`.
        value: Padding value (a float or a string). Defaults to `0.0`.

    Returns:
        A NumPy array of shape `(len(sequences), maxlen, ...)`.

    Example:

    >>> pad_sequences([[1, 2, 3], [4, 5], [6]], maxlen=2)
    array([[2, 3],
           [4, 5],
           [0, 6]], dtype=int32)
    >>> pad_sequences([[1], [2, 3]], padding="post", value=-1)
    array([[ 1, -1],
           [ 2,  3]], dtype=int32)
    """
    if not hasattr(sequences, "__len__") or isinstance(sequences, (str, bytes)):
        raise ValueError(
            f"`sequences` must be iterable: a list of sequences. Received: {sequences!r}")
    if padding not in _PAD_CHOICES:
        raise ValueError(f'Padding type "{padding}" not understood. Use "pre" or "post".')
    if truncating not in _PAD_CHOICES:
        raise ValueError(
            f'Truncating type "{truncating}" not understood. Use "pre" or "post".')
    lengths, sample_shape = _lengths_and_sample_shape(sequences)
    if maxlen is None:
        if not lengths:
            raise ValueError(
                "`pad_sequences` received no sequences and no `maxlen`: the output length "
                "is undefined. Pass `maxlen=` to get an array of shape (0, maxlen).")
        maxlen = int(np.max(lengths))
    if isinstance(maxlen, bool) or not isinstance(maxlen, (int, np.integer)) or maxlen < 0:
        raise ValueError(f"`maxlen` must be a non-negative int or None. Received: "
                         f"maxlen={maxlen!r}")
    if isinstance(value, str) and dtype is not object and not _is_string_dtype(dtype):
        raise ValueError(
            f"`dtype` {dtype} is not compatible with `value`'s type: {type(value)}\n"
            "You should set `dtype=object` for variable length strings.")
    out = np.full((len(sequences), maxlen) + tuple(sample_shape), value, dtype=dtype)
    if maxlen == 0:
        return out
    for position, seq in enumerate(sequences):
        if not len(seq):
            continue
        kept = seq[-maxlen:] if truncating == "pre" else seq[:maxlen]
        kept = np.asarray(kept, dtype=dtype)
        if kept.shape[1:] != tuple(sample_shape):
            raise ValueError(
                f"Shape of sample {kept.shape[1:]} of sequence at position {position} is "
                f"different from expected shape {tuple(sample_shape)}")
        if padding == "post":
            out[position, :len(kept)] = kept
        else:
            out[position, -len(kept):] = kept
    return out


def make_sampling_table(size, sampling_factor=1e-5):
    """Probability of keeping the word of each frequency rank, for `skipgrams`
    (word2vec's subsampling, with word frequencies from Zipf's law).

    `p(rank) = min(1, sqrt(f) / f)` with `f = sampling_factor * (rank * (log(rank) +
    gamma) + 1/2 - 1/(12 rank))`; rank 0 counts as rank 1.

    Args:
        size: Int, the vocabulary size.
        sampling_factor: Float, word2vec's sampling factor. Defaults to `1e-5`.

    Returns:
        A 1-D NumPy array of `size` probabilities.

    Example:

    >>> make_sampling_table(4).round(4)
    array([0.0032, 0.0032, 0.0055, 0.0074])
    """
    gamma = 0.577
    rank = np.arange(size)
    rank[0] = 1
    inverse_frequency = rank * (np.log(rank) + gamma) + 0.5 - 1.0 / (12.0 * rank)
    f = sampling_factor * inverse_frequency
    return np.minimum(1.0, f / np.sqrt(f))


def skipgrams(sequence, vocabulary_size, window_size=4, negative_samples=1.0, shuffle=True,
              categorical=False, sampling_table=None, seed=None):
    """Word pairs for skip-gram training: `(word, word in its window)` labelled 1 and
    `(word, random word)` labelled 0.

    Index 0 is a non-word and is skipped. Randomness comes from Python's `random`
    module, drawn in the order Keras 2 draws it, so a seeded run gives Keras 2's pairs.

    Args:
        sequence: List of word indices.
        vocabulary_size: Int, the largest word index + 1.
        window_size: Int, half the window: `[i - window_size, i + window_size]`.
            Defaults to `4`.
        negative_samples: Float >= 0, negative pairs per positive pair.
            Defaults to `1.0`.
        shuffle: Shuffle the pairs. Defaults to `True`.
        categorical: Labels as `[0, 1]` / `[1, 0]` instead of 1 / 0. Defaults to `False`.
        sampling_table: 1-D array: `sampling_table[i]` is the probability of keeping
            word `i` as a pivot (see `make_sampling_table`). Defaults to `None`.
        seed: Int, seed of the shuffle. Defaults to `None`.

    Returns:
        `(couples, labels)`: lists of `[word, context]` pairs and of labels.

    Example:

    >>> skipgrams([1, 2, 3], 4, window_size=1, negative_samples=0, shuffle=False)
    ([[1, 2], [2, 1], [2, 3], [3, 2]], [1, 1, 1, 1])
    """
    couples, labels = [], []
    positive, negative = ([0, 1], [1, 0]) if categorical else (1, 0)
    for i, wi in enumerate(sequence):
        if not wi:
            continue
        if sampling_table is not None and sampling_table[wi] < random.random():
            continue
        for j in range(max(0, i - window_size), min(len(sequence), i + window_size + 1)):
            if j != i and sequence[j]:
                couples.append([wi, sequence[j]])
                labels.append(positive)
    if negative_samples > 0:
        count = int(len(labels) * negative_samples)
        words = [c[0] for c in couples]
        random.shuffle(words)
        couples += [[words[i % len(words)], random.randint(1, vocabulary_size - 1)]
                    for i in range(count)]
        labels += [negative] * count
    if shuffle:
        if seed is None:
            seed = random.randint(0, 10e6)
        random.seed(seed)
        random.shuffle(couples)
        random.seed(seed)
        random.shuffle(labels)
    return couples, labels


def _remove_long_seq(maxlen, seq, label):
    """The sequences (and their labels) shorter than `maxlen` (Keras 2's helper of the
    text datasets)."""
    kept = [(x, y) for x, y in zip(seq, label) if len(x) < maxlen]
    return [x for x, _ in kept], [y for _, y in kept]


class TimeseriesGenerator(Sequence):
    """Batches of sliding windows over a time series, for `fit` (a `Sequence`).

    Sample `k` of the series ends just before step `row_k` and is
    `data[row_k - length : row_k : sampling_rate]`; its target is `targets[row_k]`. The
    rows run from `start_index + length` to `end_index` every `stride` steps.

    Args:
        data: Indexable series (list or array), time on axis 0.
        targets: Targets, one per step of `data`.
        length: Int, steps of history in each sample (before subsampling).
        sampling_rate: Int, keep every `sampling_rate`-th step of the history.
            Defaults to `1`.
        stride: Int, steps between consecutive samples. Defaults to `1`.
        start_index: Int, steps before it are not used as targets. Defaults to `0`.
        end_index: Int, steps after it are not used. Defaults to `None` (the last).
        shuffle: Draw the rows at random (NumPy's global generator) instead of in
            order. Defaults to `False`.
        reverse: Samples in reverse chronological order. Defaults to `False`.
        batch_size: Int, samples per batch (the last batch may be smaller).
            Defaults to `128`.

    Example:

    >>> data = np.arange(50).reshape(50, 1)
    >>> gen = TimeseriesGenerator(data, data, length=10, sampling_rate=2, batch_size=2)
    >>> len(gen)
    20
    >>> x, y = gen[0]
    >>> x[:, :, 0].tolist(), y[:, 0].tolist()
    ([[0, 2, 4, 6, 8], [1, 3, 5, 7, 9]], [10, 11])
    """

    def __init__(self, data, targets, length, sampling_rate=1, stride=1, start_index=0,
                 end_index=None, shuffle=False, reverse=False, batch_size=128):
        if len(data) != len(targets):
            raise ValueError(
                "Data and targets have to be of same length. Data length is "
                f"{len(data)} while target length is {len(targets)}")
        for name, value in (("length", length), ("sampling_rate", sampling_rate),
                            ("stride", stride), ("batch_size", batch_size)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) \
                    or value < 1:
                raise ValueError(f"`{name}` must be a positive int. Received: "
                                 f"{name}={value!r}")
        self.data = data
        self.targets = targets
        self.length = length
        self.sampling_rate = sampling_rate
        self.stride = stride
        self._start_argument = start_index
        self.start_index = start_index + length
        self.end_index = len(data) - 1 if end_index is None else end_index
        self.shuffle = shuffle
        self.reverse = reverse
        self.batch_size = batch_size
        if self.start_index > self.end_index:
            raise ValueError(
                f"`start_index+length={self.start_index} > end_index={self.end_index}` is "
                "disallowed, as no part of the sequence would be left to be used as "
                "current step.")

    def __len__(self):
        span = self.batch_size * self.stride
        return (self.end_index - self.start_index + span) // span

    def __getitem__(self, index):
        if self.shuffle:
            rows = np.random.randint(self.start_index, self.end_index + 1,
                                     size=self.batch_size)
        else:
            first = self.start_index + self.batch_size * self.stride * index
            rows = np.arange(first, min(first + self.batch_size * self.stride,
                                        self.end_index + 1), self.stride)
        samples = np.array([self.data[row - self.length:row:self.sampling_rate]
                            for row in rows])
        targets = np.array([self.targets[row] for row in rows])
        if self.reverse:
            return samples[:, ::-1, ...], targets
        return samples, targets

    def get_config(self):
        """The constructor arguments, with `data`/`targets` as JSON strings (Keras 2's
        layout). Unlike Keras 2 (which stores `start_index + length` and so shifts the
        windows of a reloaded generator), `start_index` is the one given."""
        def as_json(values, what):
            if isinstance(values, np.ndarray):
                values = values.tolist()
            try:
                return json.dumps(values)
            except TypeError:
                raise TypeError(f"{what} not JSON serializable: {values!r}") from None

        return {
            "data": as_json(self.data, "Data"),
            "targets": as_json(self.targets, "Targets"),
            "length": self.length,
            "sampling_rate": self.sampling_rate,
            "stride": self.stride,
            "start_index": self._start_argument,
            "end_index": self.end_index,
            "shuffle": self.shuffle,
            "reverse": self.reverse,
            "batch_size": self.batch_size,
        }

    def to_json(self, **kwargs):
        """`{'class_name': 'TimeseriesGenerator', 'config': get_config()}` as JSON
        (`json.dumps` keyword arguments pass through)."""
        return json.dumps({"class_name": type(self).__name__, "config": self.get_config()},
                          **kwargs)


def timeseries_generator_from_json(json_string):
    """The `TimeseriesGenerator` a `to_json()` string describes."""
    config = dict(json.loads(json_string).get("config"))
    config["data"] = json.loads(config.pop("data"))
    config["targets"] = json.loads(config.pop("targets"))
    return TimeseriesGenerator(**config)
