"""NumPy helpers of Keras 2's `keras.utils.np_utils`: one-hot labels and normalization."""
import numpy as np


def to_categorical(y, num_classes=None, dtype="float32"):
    """Converts a class vector (integers) to a one-hot class matrix.

    Args:
        y: Array-like of class indices, from 0 to `num_classes - 1`.
        num_classes: Total number of classes. Defaults to `None`, which infers
            `max(y) + 1`.
        dtype: Data type of the result. Defaults to `'float32'`.

    Returns:
        A NumPy array with the class axis last. A trailing axis of size 1 is
        replaced by the class axis, so `(n,)` and `(n, 1)` both give
        `(n, num_classes)`, and `(n, t)` gives `(n, t, num_classes)`.

    Example:

    >>> to_categorical([0, 2, 1])
    array([[1., 0., 0.],
           [0., 0., 1.],
           [0., 1., 0.]], dtype=float32)
    >>> to_categorical(np.array([[1], [0]]), num_classes=3).shape
    (2, 3)
    """
    y = np.array(y, dtype="int")
    input_shape = y.shape
    # As Keras 2: a trailing axis of size 1 is the label axis, not a data axis.
    if input_shape and input_shape[-1] == 1 and len(input_shape) > 1:
        input_shape = tuple(input_shape[:-1])
    y = y.reshape(-1)
    if not num_classes:
        num_classes = int(np.max(y)) + 1 if y.size else 0
    num_classes = int(num_classes)
    if y.size and y.max() >= num_classes:
        raise IndexError(
            f"`to_categorical` received class index {int(y.max())}, but "
            f"`num_classes={num_classes}` only allows indices 0 to {num_classes - 1}. "
            "Pass a larger `num_classes`, or leave it as None to infer max(y) + 1."
        )
    n = y.shape[0]
    categorical = np.zeros((n, num_classes), dtype=dtype)
    # Negative indices count from the end, as they do in Keras 2 (NumPy indexing).
    categorical[np.arange(n), y] = 1
    return np.reshape(categorical, input_shape + (num_classes,))


def normalize(x, axis=-1, order=2):
    """Normalizes a NumPy array along an axis (the L2 norm by default).

    Rows whose norm is 0 are left as zeros instead of dividing by zero.

    Args:
        x: NumPy array to normalize.
        axis: Axis along which to normalize. Defaults to `-1`.
        order: Order of the norm (as `np.linalg.norm`). Defaults to `2`.

    Returns:
        A normalized copy of the array.

    Example:

    >>> normalize(np.array([[3.0, 4.0], [0.0, 0.0]]))
    array([[0.6, 0.8],
           [0. , 0. ]])
    """
    x = np.asarray(x)
    norm = np.atleast_1d(np.linalg.norm(x, order, axis))
    norm[norm == 0] = 1
    return x / np.expand_dims(norm, axis)
