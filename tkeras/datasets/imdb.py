"""IMDB movie reviews, labelled by sentiment (Keras 2's `keras.datasets.imdb`)."""
import numpy as np

from tkeras.datasets import _sequences as seq
from tkeras.datasets._files import fetch, read_npz

# The same files Keras 2 downloads, from where tf-keras 2.x downloads them (tf-keras moved
# them off Keras 2.3.1's S3 folders), with tf-keras's hashes (private: tests
# point them at stand-in files).
_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/imdb.npz"
_FILE_HASH = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"
_WORD_INDEX_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/imdb_word_index.json"
_WORD_INDEX_HASH = "bfafd718b763782e994055a2d397834f"


def load_data(path="imdb.npz", num_words=None, skip_top=0, maxlen=None, seed=113,
              start_char=1, oov_char=2, index_from=3, cache_dir=None, **kwargs):
    """Loads the IMDB dataset: 25,000 training and 25,000 test movie reviews, each a
    list of word indices, labelled 1 (positive) or 0 (negative).

    Words are indexed by how often they occur in the data (index 1 is the most
    frequent word of the file), so `num_words=10000` keeps the 10,000 most frequent
    words. Each split is shuffled with `np.random.RandomState(seed)`, as Keras 2 does.

    Note: with `maxlen`, Keras 2.3.1 filtered the training and test reviews together
    and then split at the original training size, which moved test reviews into the
    training set. tkeras filters each split on its own, as tf.keras 2 does.

    Args:
        path: Name of the file in the cache (relative to `~/.keras/datasets`).
            Defaults to `'imdb.npz'`.
        num_words: Keep only word indices below this (the most frequent words);
            others become `oov_char`. Defaults to `None` (all words).
        skip_top: Also replace the indices below this (the most frequent words)
            by `oov_char`. Defaults to `0`.
        maxlen: Drop the reviews of `maxlen` or more words (counting `start_char`).
            Defaults to `None` (keep all).
        seed: Seed of the shuffle. Defaults to `113`.
        start_char: Index put at the start of every review; `None` for none.
            Defaults to `1` (0 is usually padding).
        oov_char: Index that replaces the words cut by `num_words` or `skip_top`;
            `None` drops them. Defaults to `2`.
        index_from: Word indices are shifted up by this. Defaults to `3`.
        cache_dir: Cache folder instead of `~/.keras` (as tf.keras). Defaults to
            `None`.
        **kwargs: Keras 1's `nb_words` (renamed `num_words`), with a warning.

    Returns:
        Tuple of NumPy arrays `(x_train, y_train), (x_test, y_test)`: `x` an object
        array of lists of ints, `y` int labels.

    Raises:
        ValueError: when `maxlen` is so low that no review of a split is kept.

    Example:

    >>> from tkeras.datasets import imdb
    >>> (x_train, y_train), _ = imdb.load_data(num_words=10000)  # doctest: +SKIP
    >>> len(x_train), x_train[0][:4]  # doctest: +SKIP
    (25000, [1, 13, 296, 4])
    """
    num_words = seq.take_legacy_nb_words(kwargs, num_words)
    path = fetch(path, _ORIGIN, _FILE_HASH, cache_dir)
    x_train, labels_train, x_test, labels_test = read_npz(
        path, ("x_train", "y_train", "x_test", "y_test"), allow_pickle=True)

    rng = np.random.RandomState(seed)
    x_train, labels_train = seq.shuffled(rng, x_train, labels_train)
    x_test, labels_test = seq.shuffled(rng, x_test, labels_test)

    x_train = seq.index_words(x_train, start_char, index_from)
    x_test = seq.index_words(x_test, start_char, index_from)
    if maxlen:
        x_train, labels_train = seq.drop_long(maxlen, x_train, labels_train)
        x_test, labels_test = seq.drop_long(maxlen, x_test, labels_test)
        if not x_train or not x_test:
            raise ValueError(
                f"After filtering for sequences shorter than maxlen={maxlen}, no "
                f"sequence was kept in the {'training' if not x_train else 'test'} "
                "set. Increase maxlen.")

    xs = seq.limit_vocabulary(x_train + x_test, num_words, skip_top, oov_char)
    labels = np.concatenate([labels_train, labels_test])
    split = len(x_train)
    return ((seq.as_sequences(xs[:split]), labels[:split]),
            (seq.as_sequences(xs[split:]), labels[split:]))


def get_word_index(path="imdb_word_index.json"):
    """Loads the dict mapping each word of the IMDB dataset to its index.

    The indices are those of the file, before `load_data`'s `index_from` shift: word
    `w` appears in `load_data()`'s reviews as `get_word_index()[w] + 3`.

    Args:
        path: Name of the file in the cache (relative to `~/.keras/datasets`).
            Defaults to `'imdb_word_index.json'`.

    Returns:
        The `{word: index}` dict.

    Example:

    >>> from tkeras.datasets import imdb
    >>> imdb.get_word_index()["the"]  # doctest: +SKIP
    1
    """
    path = fetch(path, _WORD_INDEX_ORIGIN, _WORD_INDEX_HASH)
    return seq.read_word_index(path)
