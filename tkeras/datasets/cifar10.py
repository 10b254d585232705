"""CIFAR-10 small images (Keras 2's `keras.datasets.cifar10`)."""
import os

import numpy as np

from tkeras.datasets._files import fetch
from tkeras.datasets.cifar import as_column, load_batch, to_image_data_format

# Where Keras 2.3.1 downloads the archive from (private: tests point it at a stand-in
# archive). Keras 2.3.1 gives no hash for it.
_ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"


def load_data(cache_dir=None):
    """Loads the CIFAR-10 dataset: 50,000 32x32 colour training images and 10,000
    test images, labelled over 10 categories (airplane, automobile, bird, cat, deer,
    dog, frog, horse, ship, truck).

    The archive is downloaded once, to `~/.keras/datasets/cifar-10-batches-py.tar.gz`
    (Keras 2's name for it), and extracted next to it (`cifar-10-batches-py/`); later
    calls read the extracted batches.

    Args:
        cache_dir: Cache folder instead of `~/.keras` (as tf.keras). Defaults to
            `None`.

    Returns:
        Tuple of NumPy arrays `(x_train, y_train), (x_test, y_test)`: uint8 images
        of shape `(50000, 32, 32, 3)` and `(10000, 32, 32, 3)` (`(samples, 3, 32,
        32)` when `image_data_format()` is `'channels_first'`), labels 0-9 of shape
        `(50000, 1)` (uint8) and `(10000, 1)` (int64, as Keras 2).

    Example:

    >>> from tkeras.datasets import cifar10
    >>> (x_train, y_train), (x_test, y_test) = cifar10.load_data()  # doctest: +SKIP
    >>> x_train.shape, y_train.shape  # doctest: +SKIP
    ((50000, 32, 32, 3), (50000, 1))
    """
    path = fetch("cifar-10-batches-py", _ORIGIN, cache_dir=cache_dir, untar=True)

    batches = [load_batch(os.path.join(path, f"data_batch_{i}")) for i in range(1, 6)]
    # Keras 2 fills preallocated uint8 arrays, so the training labels are uint8.
    x_train = np.concatenate([x for x, _ in batches]).astype("uint8", copy=False)
    y_train = np.concatenate([np.asarray(y, "uint8") for _, y in batches])
    x_test, y_test = load_batch(os.path.join(path, "test_batch"))

    return ((to_image_data_format(x_train), as_column(y_train)),
            (to_image_data_format(x_test), as_column(y_test)))
