"""MNIST handwritten digits (Keras 2's `keras.datasets.mnist`)."""
from tkeras.datasets._files import fetch, read_npz

# The same file Keras 2 downloads, from where tf-keras 2.x downloads it (tf-keras moved
# them off Keras 2.3.1's S3 folders), with tf-keras's hashes (private: tests point
# them at stand-in files).
_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
_FILE_HASH = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"


def load_data(path="mnist.npz", cache_dir=None):
    """Loads the MNIST dataset: 60,000 28x28 grayscale images of the 10 digits, and
    10,000 test images.

    The file is downloaded once, to `~/.keras/datasets/mnist.npz` (see
    `tkeras.utils.get_file`), and read from there afterwards.

    Args:
        path: Name of the file in the cache (relative to `~/.keras/datasets`).
            Defaults to `'mnist.npz'`.
        cache_dir: Cache folder instead of `~/.keras` (as tf.keras). Defaults to
            `None`.

    Returns:
        Tuple of NumPy arrays `(x_train, y_train), (x_test, y_test)`: `x_train`
        uint8 of shape `(60000, 28, 28)`, `y_train` uint8 digit labels of shape
        `(60000,)`; `x_test` `(10000, 28, 28)`, `y_test` `(10000,)`.

    Example:

    >>> from tkeras.datasets import mnist
    >>> (x_train, y_train), (x_test, y_test) = mnist.load_data()  # doctest: +SKIP
    >>> x_train.shape, y_train.shape, x_test.shape  # doctest: +SKIP
    ((60000, 28, 28), (60000,), (10000, 28, 28))
    """
    path = fetch(path, _ORIGIN, _FILE_HASH, cache_dir)
    x_train, y_train, x_test, y_test = read_npz(
        path, ("x_train", "y_train", "x_test", "y_test"))
    return (x_train, y_train), (x_test, y_test)
