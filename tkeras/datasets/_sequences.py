"""The word-index processing imdb and reuters share (Keras 2's, step by step)."""
import warnings

import numpy as np


def take_legacy_nb_words(kwargs, num_words):
    """Keras 1's `nb_words` (with Keras 2's warning); refuses any other keyword."""
    if "nb_words" in kwargs:
        warnings.warn("The `nb_words` argument in `load_data` "
                      "has been renamed `num_words`.")
        num_words = kwargs.pop("nb_words")
    if kwargs:
        raise TypeError(f"Unrecognized keyword arguments: {kwargs}. Expected the "
                        "arguments of `load_data` (num_words, skip_top, maxlen, ...).")
    return num_words


def shuffled(rng, xs, labels):
    """`xs` and `labels` in the same random order, drawn from `rng` as Keras 2 does."""
    order = np.arange(len(xs))
    rng.shuffle(order)
    return xs[order], labels[order]


def index_words(xs, start_char, index_from):
    """Shifts word indices by `index_from` and puts `start_char` first (if not None)."""
    if start_char is not None:
        return [[start_char] + [w + index_from for w in x] for x in xs]
    if index_from:
        return [[w + index_from for w in x] for x in xs]
    return [list(x) for x in xs]


def drop_long(maxlen, xs, labels):
    """The sequences shorter than `maxlen` (strictly, as Keras 2), and their labels."""
    kept = [(x, y) for x, y in zip(xs, labels) if len(x) < maxlen]
    return [x for x, _ in kept], [y for _, y in kept]


def limit_vocabulary(xs, num_words, skip_top, oov_char):
    """Keeps word indices in `[skip_top, num_words)`; the others become `oov_char`,
    or are dropped when it is None. `num_words=None` means the largest index (which
    Keras 2 then leaves out too: the bound is exclusive)."""
    if not num_words:
        num_words = max(max(x) for x in xs)
    if oov_char is not None:
        return [[w if skip_top <= w < num_words else oov_char for w in x] for x in xs]
    return [[w for w in x if skip_top <= w < num_words] for x in xs]


def as_sequences(xs):
    """Lists of word indices as one NumPy object array (as tf.keras 2)."""
    return np.array(xs, dtype="object")


def read_word_index(path):
    """The `{word: index}` dict of a word-index JSON file."""
    import json

    from tkeras.datasets._files import reading

    with reading(path), open(path) as f:
        return json.load(f)
