"""Reuters newswires, labelled by topic (Keras 2's `keras.datasets.reuters`)."""
import numpy as np

from tkeras.datasets import _sequences as seq
from tkeras.datasets._files import fetch, read_npz

# The same files Keras 2 downloads, from where tf-keras 2.x downloads them (tf-keras moved
# them off Keras 2.3.1's S3 folders), with tf-keras's hashes (private: tests
# point them at stand-in files).
_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/reuters.npz"
_FILE_HASH = "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916"
_WORD_INDEX_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/reuters_word_index.json"
_WORD_INDEX_HASH = "4d44cc38712099c9e383dc6e5f11a921"


def load_data(path="reuters.npz", num_words=None, skip_top=0, maxlen=None,
              test_split=0.2, seed=113, start_char=1, oov_char=2, index_from=3,
              cache_dir=None, **kwargs):
    """Loads the Reuters dataset: 11,228 newswires, each a list of word indices,
    labelled over 46 topics.

    Words are indexed by how often they occur in the data (index 1 is the most
    frequent word of the file). The newswires are shuffled with
    `np.random.RandomState(seed)`, filtered by `maxlen`, then split, as Keras 2 does.

    Args:
        path: Name of the file in the cache (relative to `~/.keras/datasets`).
            Defaults to `'reuters.npz'`.
        num_words: Keep only word indices below this (the most frequent words);
            others become `oov_char`. Defaults to `None` (all words).
        skip_top: Also replace the indices below this (the most frequent words)
            by `oov_char`. Defaults to `0`.
        maxlen: Drop the newswires of `maxlen` or more words (counting
            `start_char`). Defaults to `None` (keep all).
        test_split: Fraction of the newswires kept for the test set. Defaults to
            `0.2`.
        seed: Seed of the shuffle. Defaults to `113`.
        start_char: Index put at the start of every newswire; `None` for none.
            Defaults to `1` (0 is usually padding).
        oov_char: Index that replaces the words cut by `num_words` or `skip_top`;
            `None` drops them. Defaults to `2`.
        index_from: Word indices are shifted up by this. Defaults to `3`.
        cache_dir: Cache folder instead of `~/.keras` (as tf.keras). Defaults to
            `None`.
        **kwargs: Keras 1's `nb_words` (renamed `num_words`), with a warning.

    Returns:
        Tuple of NumPy arrays `(x_train, y_train), (x_test, y_test)`: `x` an object
        array of lists of ints, `y` int topic labels 0-45.

    Raises:
        ValueError: when `maxlen` is so low that no newswire is kept.

    Example:

    >>> from tkeras.datasets import reuters
    >>> (x_train, y_train), (x_test, y_test) = reuters.load_data()  # doctest: +SKIP
    >>> len(x_train), len(x_test)  # doctest: +SKIP
    (8982, 2246)
    """
    num_words = seq.take_legacy_nb_words(kwargs, num_words)
    path = fetch(path, _ORIGIN, _FILE_HASH, cache_dir)
    xs, labels = read_npz(path, ("x", "y"), allow_pickle=True)

    xs, labels = seq.shuffled(np.random.RandomState(seed), xs, labels)
    xs = seq.index_words(xs, start_char, index_from)
    if maxlen:
        xs, labels = seq.drop_long(maxlen, xs, labels)
        if not xs:
            raise ValueError(
                f"After filtering for sequences shorter than maxlen={maxlen}, no "
                "sequence was kept. Increase maxlen.")
    xs = seq.limit_vocabulary(xs, num_words, skip_top, oov_char)

    split = int(len(xs) * (1 - test_split))
    return ((seq.as_sequences(xs[:split]), np.array(labels[:split])),
            (seq.as_sequences(xs[split:]), np.array(labels[split:])))


def get_word_index(path="reuters_word_index.json"):
    """Loads the dict mapping each word of the Reuters dataset to its index.

    The indices are those of the file, before `load_data`'s `index_from` shift: word
    `w` appears in `load_data()`'s newswires as `get_word_index()[w] + 3`.

    Args:
        path: Name of the file in the cache (relative to `~/.keras/datasets`).
            Defaults to `'reuters_word_index.json'`.

    Returns:
        The `{word: index}` dict.

    Example:

    >>> from tkeras.datasets import reuters
    >>> reuters.get_word_index()["the"]  # doctest: +SKIP
    1
    """
    path = fetch(path, _WORD_INDEX_ORIGIN, _WORD_INDEX_HASH)
    return seq.read_word_index(path)
