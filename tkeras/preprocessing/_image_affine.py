"""Affine warps, flips, channel and brightness shifts of single images, with Keras 2's
(keras_preprocessing 1.1.2's) matrices, spline interpolation (`scipy.ndimage`,
imported on first use) and random draws (NumPy's global generator)."""
import numpy as np

from tkeras.preprocessing import _image_deps
from tkeras.preprocessing._image_io import array_to_img, img_to_array


def scalar_like(x, value):
    """`value` as NumPy 1's value-based casting (which Keras 2 ran on) saw it next to
    the array `x`: a float scalar added to a float array keeps the array's precision
    when it fits. NumPy 2 would compute `float32_array + np.float64(v)` in float64."""
    dtype = getattr(x, "dtype", None)
    if dtype is not None and np.issubdtype(dtype, np.floating):
        with np.errstate(over="ignore"):
            cast = dtype.type(value)
        if np.isfinite(cast):
            return cast
    return value


def flip_axis(x, axis):
    """Reverses `x` along `axis` (a view).

    Example:

    >>> flip_axis(np.array([[1, 2], [3, 4]]), 1).tolist()
    [[2, 1], [4, 3]]
    """
    return np.flip(np.asarray(x), axis)


def transform_matrix_offset_center(matrix, x, y):
    """`matrix` (3x3, homogeneous) moved to act about the centre of an `x` by `y` image.

    Example:

    >>> transform_matrix_offset_center(np.eye(3), 4, 6).tolist()
    [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    """
    o_x = float(x) / 2 + 0.5
    o_y = float(y) / 2 + 0.5
    offset_matrix = np.array([[1, 0, o_x], [0, 1, o_y], [0, 0, 1]])
    reset_matrix = np.array([[1, 0, -o_x], [0, 1, -o_y], [0, 0, 1]])
    return np.dot(np.dot(offset_matrix, matrix), reset_matrix)


def _affine_matrix(theta, tx, ty, shear, zx, zy):
    """rotation . shift . shear . zoom (only the parts that are not the identity), or
    `None` when all are. Kept in Keras's multiplication order so that the floats agree."""
    parts = []
    if theta != 0:
        theta = np.deg2rad(theta)
        parts.append(np.array([[np.cos(theta), -np.sin(theta), 0],
                               [np.sin(theta), np.cos(theta), 0],
                               [0, 0, 1]]))
    if tx != 0 or ty != 0:
        parts.append(np.array([[1, 0, tx], [0, 1, ty], [0, 0, 1]]))
    if shear != 0:
        shear = np.deg2rad(shear)
        parts.append(np.array([[1, -np.sin(shear), 0], [0, np.cos(shear), 0], [0, 0, 1]]))
    if zx != 1 or zy != 1:
        parts.append(np.array([[zx, 0, 0], [0, zy, 0], [0, 0, 1]]))
    if not parts:
        return None
    matrix = parts[0]
    for part in parts[1:]:
        matrix = np.dot(matrix, part)
    return matrix


def apply_affine_transform(x, theta=0, tx=0, ty=0, shear=0, zx=1, zy=1, row_axis=0,
                           col_axis=1, channel_axis=2, fill_mode="nearest", cval=0.,
                           order=1):
    """Applies an affine transformation (rotation, shift, shear, zoom) to one image.

    The inverse map `output -> input` is applied channel by channel with
    `scipy.ndimage.affine_transform`, about the point `(h / 2 + 0.5, w / 2 + 0.5)`: Keras 2's
    centre, one pixel past the true one, `((h - 1) / 2, (w - 1) / 2)`.

    Args:
        x: 3-D NumPy array, one image.
        theta: Rotation angle in degrees. Defaults to `0`.
        tx: Shift along the rows (height), in pixels. Defaults to `0`.
        ty: Shift along the columns (width), in pixels. Defaults to `0`.
        shear: Shear angle in degrees. Defaults to `0`.
        zx: Zoom along the rows. Defaults to `1`.
        zy: Zoom along the columns. Defaults to `1`.
        row_axis: Axis of the rows in `x`. Defaults to `0`.
        col_axis: Axis of the columns in `x`. Defaults to `1`.
        channel_axis: Axis of the channels in `x`. Defaults to `2`.
        fill_mode: How points outside the image are filled: `"constant"`,
            `"nearest"`, `"reflect"` or `"wrap"`. Defaults to `"nearest"`.
        cval: Fill value for `fill_mode="constant"`. Defaults to `0.`.
        order: Order of the spline interpolation. Defaults to `1`.

    Returns:
        The transformed image (`x` itself when every parameter is the identity).

    Example:

    >>> x = np.arange(12.0).reshape(3, 4, 1)
    >>> apply_affine_transform(x, tx=1)[..., 0].tolist()  # rows move up one pixel
    [[4.0, 5.0, 6.0, 7.0], [8.0, 9.0, 10.0, 11.0], [8.0, 9.0, 10.0, 11.0]]
    """
    ndimage = _image_deps.scipy_ndimage("`apply_affine_transform` (image warps)")
    matrix = _affine_matrix(theta, tx, ty, shear, zx, zy)
    if matrix is None:
        return x
    h, w = x.shape[row_axis], x.shape[col_axis]
    matrix = transform_matrix_offset_center(matrix, h, w)
    channels = np.rollaxis(x, channel_axis, 0)
    warped = [ndimage.affine_transform(channel, matrix[:2, :2], matrix[:2, 2], order=order,
                                       mode=fill_mode, cval=cval) for channel in channels]
    return np.rollaxis(np.stack(warped, axis=0), 0, channel_axis + 1)


# The random_* functions below pass only `channel_axis` on to `apply_affine_transform`
# (whose row/column axes stay 0 and 1), as Keras 2 does: their results match Keras 2's
# for the same seed, including for channels-first images.

def random_rotation(x, rg, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest",
                    cval=0., interpolation_order=1):
    """Rotates an image by a random angle in `[-rg, rg]` degrees.

    Args:
        x: 3-D NumPy array, one image.
        rg: Rotation range, in degrees.
        row_axis: Axis of the rows. Defaults to `1`.
        col_axis: Axis of the columns. Defaults to `2`.
        channel_axis: Axis of the channels. Defaults to `0`.
        fill_mode: `"constant"`, `"nearest"`, `"reflect"` or `"wrap"`.
            Defaults to `"nearest"`.
        cval: Fill value for `fill_mode="constant"`. Defaults to `0.`.
        interpolation_order: Order of the spline interpolation. Defaults to `1`.

    Returns:
        The rotated image.

    Example:

    >>> random_rotation(np.ones((1, 4, 4)), 30).shape
    (1, 4, 4)
    """
    theta = np.random.uniform(-rg, rg)
    return apply_affine_transform(x, theta=theta, channel_axis=channel_axis,
                                  fill_mode=fill_mode, cval=cval, order=interpolation_order)


def random_shift(x, wrg, hrg, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest",
                 cval=0., interpolation_order=1):
    """Shifts an image by random fractions of its size: up to `hrg` of the height and
    `wrg` of the width.

    Args:
        x: 3-D NumPy array, one image.
        wrg: Width shift range, a fraction of the width.
        hrg: Height shift range, a fraction of the height.
        row_axis: Axis of the rows. Defaults to `1`.
        col_axis: Axis of the columns. Defaults to `2`.
        channel_axis: Axis of the channels. Defaults to `0`.
        fill_mode: `"constant"`, `"nearest"`, `"reflect"` or `"wrap"`.
            Defaults to `"nearest"`.
        cval: Fill value for `fill_mode="constant"`. Defaults to `0.`.
        interpolation_order: Order of the spline interpolation. Defaults to `1`.

    Returns:
        The shifted image.

    Example:

    >>> random_shift(np.ones((1, 4, 4)), 0.2, 0.2).shape
    (1, 4, 4)
    """
    h, w = x.shape[row_axis], x.shape[col_axis]
    tx = np.random.uniform(-hrg, hrg) * h
    ty = np.random.uniform(-wrg, wrg) * w
    return apply_affine_transform(x, tx=tx, ty=ty, channel_axis=channel_axis,
                                  fill_mode=fill_mode, cval=cval, order=interpolation_order)


def random_shear(x, intensity, row_axis=1, col_axis=2, channel_axis=0,
                 fill_mode="nearest", cval=0., interpolation_order=1):
    """Shears an image by a random angle in `[-intensity, intensity]` degrees.

    Args:
        x: 3-D NumPy array, one image.
        intensity: Shear range, in degrees.
        row_axis: Axis of the rows. Defaults to `1`.
        col_axis: Axis of the columns. Defaults to `2`.
        channel_axis: Axis of the channels. Defaults to `0`.
        fill_mode: `"constant"`, `"nearest"`, `"reflect"` or `"wrap"`.
            Defaults to `"nearest"`.
        cval: Fill value for `fill_mode="constant"`. Defaults to `0.`.
        interpolation_order: Order of the spline interpolation. Defaults to `1`.

    Returns:
        The sheared image.

    Example:

    >>> random_shear(np.ones((1, 4, 4)), 20).shape
    (1, 4, 4)
    """
    shear = np.random.uniform(-intensity, intensity)
    return apply_affine_transform(x, shear=shear, channel_axis=channel_axis,
                                  fill_mode=fill_mode, cval=cval, order=interpolation_order)


# Keras 2's words (its brightness message lacks a backtick; kept so the text is familiar).
_PAIR_MESSAGES = {
    "zoom_range": "`zoom_range` should be a tuple or list of two floats.",
    "brightness_range": "`brightness_range should be tuple or list of two floats.",
}


def _check_pair(value, name):
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) != 2:
        raise ValueError(f"{_PAIR_MESSAGES[name]} Received: {name}={value!r}. "
                         f"Example: {name}=(0.8, 1.2).")


def random_zoom(x, zoom_range, row_axis=1, col_axis=2, channel_axis=0,
                fill_mode="nearest", cval=0., interpolation_order=1):
    """Zooms an image by random factors drawn from `zoom_range`, one per axis.

    Args:
        x: 3-D NumPy array, one image.
        zoom_range: `(lower, upper)`; factors above 1 shrink the content.
        row_axis: Axis of the rows. Defaults to `1`.
        col_axis: Axis of the columns. Defaults to `2`.
        channel_axis: Axis of the channels. Defaults to `0`.
        fill_mode: `"constant"`, `"nearest"`, `"reflect"` or `"wrap"`.
            Defaults to `"nearest"`.
        cval: Fill value for `fill_mode="constant"`. Defaults to `0.`.
        interpolation_order: Order of the spline interpolation. Defaults to `1`.

    Returns:
        The zoomed image.

    Example:

    >>> random_zoom(np.ones((1, 4, 4)), (0.9, 1.1)).shape
    (1, 4, 4)
    """
    _check_pair(zoom_range, "zoom_range")
    if zoom_range[0] == 1 and zoom_range[1] == 1:
        zx, zy = 1, 1
    else:
        zx, zy = np.random.uniform(zoom_range[0], zoom_range[1], 2)
    return apply_affine_transform(x, zx=zx, zy=zy, channel_axis=channel_axis,
                                  fill_mode=fill_mode, cval=cval, order=interpolation_order)


def apply_channel_shift(x, intensity, channel_axis=0):
    """Adds `intensity` to every channel, clipped to the image's own min and max.

    Args:
        x: 3-D NumPy array, one image.
        intensity: Float, the shift.
        channel_axis: Axis of the channels. Defaults to `0`.

    Returns:
        The shifted image.

    Example:

    >>> apply_channel_shift(np.array([[[0.0, 10.0]]]), 3.0, channel_axis=2).tolist()
    [[[3.0, 10.0]]]
    """
    channels = np.rollaxis(x, channel_axis, 0)
    min_x, max_x = np.min(channels), np.max(channels)
    intensity = scalar_like(channels, intensity)
    shifted = [np.clip(channel + intensity, min_x, max_x) for channel in channels]
    return np.rollaxis(np.stack(shifted, axis=0), 0, channel_axis + 1)


def random_channel_shift(x, intensity_range, channel_axis=0):
    """Adds one random value in `[-intensity_range, intensity_range]` to every channel
    (see `apply_channel_shift`).

    Example:

    >>> random_channel_shift(np.zeros((1, 2, 2)), 10.0).shape
    (1, 2, 2)
    """
    intensity = np.random.uniform(-intensity_range, intensity_range)
    return apply_channel_shift(x, intensity, channel_axis=channel_axis)


def apply_brightness_shift(x, brightness):
    """Changes the brightness of a channels-last image with Pillow's
    `ImageEnhance.Brightness` (`0` black, `1` unchanged).

    As in Keras 2, the image goes through `array_to_img` (so its values are stretched to
    `[0, 255]` first) and comes back as float32.

    Args:
        x: 3-D NumPy array `(height, width, channels)`, one image.
        brightness: Float, the brightness factor.

    Returns:
        A float32 array of the same shape.

    Example:

    >>> apply_brightness_shift(np.array([[[0.0], [1.0]]]), 0.5)[..., 0].tolist()
    [[0.0, 127.0]]
    """
    enhance = _image_deps.pil_image_enhance("`apply_brightness_shift` (brightness shifts)")
    img = array_to_img(x, data_format="channels_last", scale=True, dtype="float32")
    img = enhance.Brightness(img).enhance(brightness)
    return img_to_array(img, data_format="channels_last", dtype="float32")


def random_brightness(x, brightness_range):
    """Changes the brightness by a random factor in `brightness_range` (see
    `apply_brightness_shift`).

    Args:
        x: 3-D NumPy array `(height, width, channels)`, one image.
        brightness_range: `(lower, upper)`.

    Returns:
        A float32 array of the same shape.

    Example:

    >>> random_brightness(np.ones((2, 2, 3)), (0.5, 1.5)).shape
    (2, 2, 3)
    """
    _check_pair(brightness_range, "brightness_range")
    factor = np.random.uniform(brightness_range[0], brightness_range[1])
    return apply_brightness_shift(x, factor)
