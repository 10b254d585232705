"""CIFAR-100 small images (Keras 2's `keras.datasets.cifar100`)."""
import os

from tkeras.datasets._files import fetch
from tkeras.datasets.cifar import as_column, load_batch, to_image_data_format

# Where Keras 2.3.1 downloads the archive from (private: tests point it at a stand-in
# archive). Keras 2.3.1 gives no hash for it.
_ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"


def load_data(label_mode="fine", cache_dir=None):
    """Loads the CIFAR-100 dataset: 50,000 32x32 colour training images and 10,000
    test images, labelled over 100 fine classes grouped in 20 coarse ones.

    The archive is downloaded once, to `~/.keras/datasets/cifar-100-python.tar.gz`,
    and extracted next to it (`cifar-100-python/`); later calls read the extracted
    files.

    Args:
        label_mode: `'fine'` (100 classes) or `'coarse'` (20 superclasses).
            Defaults to `'fine'`.
        cache_dir: Cache folder instead of `~/.keras` (as tf.keras). Defaults to
            `None`.

    Returns:
        Tuple of NumPy arrays `(x_train, y_train), (x_test, y_test)`: uint8 images
        of shape `(50000, 32, 32, 3)` and `(10000, 32, 32, 3)` (`(samples, 3, 32,
        32)` when `image_data_format()` is `'channels_first'`), int64 labels of shape
        `(50000, 1)` and `(10000, 1)`.

    Example:

    >>> from tkeras.datasets import cifar100
    >>> cifar100.load_data(label_mode="medium")
    Traceback (most recent call last):
    ...
    ValueError: `label_mode` must be one of "fine", "coarse". Received: label_mode='medium'.
    >>> (x_train, y_train), _ = cifar100.load_data("coarse")  # doctest: +SKIP
    >>> x_train.shape, int(y_train.max())  # doctest: +SKIP
    ((50000, 32, 32, 3), 19)
    """
    if label_mode not in ("fine", "coarse"):
        raise ValueError(
            '`label_mode` must be one of "fine", "coarse". '
            f"Received: label_mode={label_mode!r}.")
    path = fetch("cifar-100-python", _ORIGIN, cache_dir=cache_dir, untar=True)

    label_key = label_mode + "_labels"
    x_train, y_train = load_batch(os.path.join(path, "train"), label_key=label_key)
    x_test, y_test = load_batch(os.path.join(path, "test"), label_key=label_key)

    return ((to_image_data_format(x_train), as_column(y_train)),
            (to_image_data_format(x_test), as_column(y_test)))
