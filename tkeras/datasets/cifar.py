"""Reading CIFAR-10 and CIFAR-100 batches (Keras 2's `keras.datasets.cifar`)."""
import os

import numpy as np

from tkeras.datasets._files import reading


def load_batch(fpath, label_key="labels"):
    """Reads one batch file of the python version of CIFAR (a pickled dict).

    The batch files hold Python objects and are read with `pickle`, as Keras 2
    reads them: only read files you trust (the ones `cifar10.load_data()` and
    `cifar100.load_data()` download from the University of Toronto).

    Args:
        fpath: Path of the batch file (`data_batch_1`, ..., `test_batch`, `train`,
            `test`).
        label_key: Key of the labels in the dict: `'labels'` (CIFAR-10),
            `'fine_labels'` or `'coarse_labels'` (CIFAR-100). Defaults to `'labels'`.

    Returns:
        Tuple `(data, labels)`: uint8 images of shape `(samples, 3, 32, 32)`, and the
        labels as the file holds them (a list of ints).

    Example:

    >>> import os, pickle, tempfile
    >>> import numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "data_batch_1")
    >>> with open(path, "wb") as f:
    ...     pickle.dump({b"data": np.zeros((2, 3072), np.uint8), b"labels": [3, 8]}, f)
    >>> data, labels = load_batch(path)
    >>> data.shape, labels
    ((2, 3, 32, 32), [3, 8])
    """
    import pickle

    with reading(fpath, cached=_cached_paths(fpath)):
        with open(fpath, "rb") as f:
            # The files were pickled by Python 2: byte strings stay bytes.
            batch = pickle.load(f, encoding="bytes")
        batch = {k.decode("utf8") if isinstance(k, bytes) else k: v
                 for k, v in batch.items()}
        data = batch["data"].reshape(-1, 3, 32, 32)
    if label_key not in batch:
        raise ValueError(
            f"{fpath} has no labels under {label_key!r}; it has {sorted(batch)}. "
            f"Received: label_key={label_key!r}. CIFAR-10 batches use 'labels', "
            "CIFAR-100 files 'fine_labels' and 'coarse_labels'.")
    return data, batch[label_key]


def to_image_data_format(x):
    """`(samples, 3, 32, 32)` images as `(samples, 32, 32, 3)` unless
    `image_data_format()` is `'channels_first'`."""
    from tkeras import backend

    if backend.image_data_format() == "channels_last":
        return x.transpose(0, 2, 3, 1)
    return x


def as_column(labels):
    """Labels as a `(samples, 1)` array (as Keras 2, int64 for a list of ints)."""
    return np.reshape(labels, (len(labels), 1))


def _cached_paths(fpath):
    """The extracted folder a batch file is in, and the archive it came from."""
    folder = os.path.dirname(os.path.abspath(fpath))
    archive = folder + ".tar.gz"
    return [folder, archive] if os.path.exists(archive) else [fpath]
