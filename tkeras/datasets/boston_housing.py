"""Boston housing prices (Keras 2's `keras.datasets.boston_housing`)."""
import numpy as np

from tkeras.datasets._files import fetch, read_npz

# The same file Keras 2 downloads, from where tf-keras 2.x downloads it (tf-keras moved
# them off Keras 2.3.1's S3 folders), with tf-keras's hashes (private: tests point
# them at stand-in files).
_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/boston_housing.npz"
_FILE_HASH = "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"


def load_data(path="boston_housing.npz", test_split=0.2, seed=113, cache_dir=None):
    """Loads the Boston housing dataset: 13 attributes of 506 houses of the Boston
    area in the 1970s, and their median value in k$.

    The samples are shuffled with `np.random.RandomState(seed)` before the split, as
    Keras 2 does, so the same seed gives the same split.

    Args:
        path: Name of the file in the cache (relative to `~/.keras/datasets`).
            Defaults to `'boston_housing.npz'`.
        test_split: Fraction of the samples to keep for the test set, in `[0, 1)`.
            Defaults to `0.2`.
        seed: Seed of the shuffle before the split. Defaults to `113`.
        cache_dir: Cache folder instead of `~/.keras` (as tf.keras). Defaults to
            `None`.

    Returns:
        Tuple of NumPy arrays `(x_train, y_train), (x_test, y_test)`: float64
        `x` of shape `(samples, 13)` and `y` of shape `(samples,)`; 404 training and
        102 test samples with the default `test_split`.

    Example:

    >>> from tkeras.datasets import boston_housing
    >>> (x_train, y_train), (x_test, y_test) = boston_housing.load_data()  # doctest: +SKIP
    >>> x_train.shape, x_test.shape  # doctest: +SKIP
    ((404, 13), (102, 13))
    """
    if not 0 <= test_split < 1:
        raise ValueError(
            "`test_split` must be a fraction in [0, 1). "
            f"Received: test_split={test_split!r}. Example: test_split=0.2.")
    path = fetch(path, _ORIGIN, _FILE_HASH, cache_dir)
    x, y = read_npz(path, ("x", "y"))

    order = np.arange(len(x))
    np.random.RandomState(seed).shuffle(order)
    x, y = x[order], y[order]

    split = int(len(x) * (1 - test_split))
    return (x[:split], y[:split]), (x[split:], y[split:])
