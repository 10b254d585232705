"""Fashion-MNIST, images of clothing (Keras 2's `keras.datasets.fashion_mnist`)."""
import os

import numpy as np

from tkeras.datasets._files import fetch, reading

# The four files Keras 2 downloads, from where tf-keras 2.x downloads them (private:
# tests point it at stand-in files). Keras 2 gives no hashes for them.
_BASE_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
_FILES = ("train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz",
          "t10k-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz")


def load_data(cache_dir=None):
    """Loads the Fashion-MNIST dataset: 60,000 28x28 grayscale images of 10 kinds of
    clothing, and 10,000 test images.

    The four files (gzipped IDX files, as published by Zalando) are downloaded once,
    to `~/.keras/datasets/fashion-mnist/`, and read from there afterwards.

    Args:
        cache_dir: Cache folder instead of `~/.keras` (as tf.keras). Defaults to
            `None`.

    Returns:
        Tuple of NumPy arrays `(x_train, y_train), (x_test, y_test)`: `x_train`
        uint8 of shape `(60000, 28, 28)`, `y_train` uint8 labels 0-9 of shape
        `(60000,)`; `x_test` `(10000, 28, 28)`, `y_test` `(10000,)`.

    Example:

    >>> from tkeras.datasets import fashion_mnist
    >>> (x_train, y_train), _ = fashion_mnist.load_data()  # doctest: +SKIP
    >>> x_train.shape, y_train.dtype  # doctest: +SKIP
    ((60000, 28, 28), dtype('uint8'))
    """
    subdir = os.path.join("datasets", "fashion-mnist")
    paths = [fetch(name, _BASE_URL + name, cache_dir=cache_dir, cache_subdir=subdir)
             for name in _FILES]
    y_train = _read_idx(paths[0], offset=8)
    x_train = _read_idx(paths[1], offset=16, count=len(y_train))
    y_test = _read_idx(paths[2], offset=8)
    x_test = _read_idx(paths[3], offset=16, count=len(y_test))
    return (x_train, y_train), (x_test, y_test)


def _read_idx(path, offset, count=None):
    """The uint8 values of a gzipped IDX file after its `offset`-byte header; images
    (`count` given) as `(count, 28, 28)`."""
    import gzip

    with reading(path), gzip.open(path, "rb") as f:
        values = np.frombuffer(f.read(), np.uint8, offset=offset)
        return values if count is None else values.reshape(count, 28, 28)
