"""Image files and arrays for `tkeras.preprocessing.image`: `load_img`, `save_img`,
`img_to_array`, `array_to_img`, `list_pictures` and the folder listing of
`flow_from_directory`, with Keras 2's (keras_preprocessing 1.1.2's) results.
Pillow is imported on first use."""
import io
import os
import warnings

import numpy as np

from tkeras import backend
from tkeras.preprocessing import _image_deps

# Extensions (matched case-insensitively, as name endings) that the file iterators read.
WHITE_LIST_FORMATS = ("png", "jpg", "jpeg", "bmp", "ppm", "tif", "tiff")
_DATA_FORMATS = ("channels_first", "channels_last")
_COLOR_MODES = ("grayscale", "rgb", "rgba")
# Keras 2's order, which its error message lists.
_INTERPOLATIONS = ("nearest", "bilinear", "bicubic", "hamming", "box", "lanczos")


def _resample_filter(interpolation):
    image = _image_deps.pil_image("`load_img(target_size=...)`")
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(
            f"Invalid interpolation method {interpolation} specified. Supported methods "
            f"are {', '.join(_INTERPOLATIONS)}. Received: interpolation={interpolation!r}")
    return getattr(image, interpolation.upper())


def _convert(img, color_mode):
    if color_mode == "grayscale":
        # 8-, 16- and 32-bit grayscale images are kept as they are.
        return img if img.mode in ("L", "I;16", "I") else img.convert("L")
    wanted = color_mode.upper()
    return img if img.mode == wanted else img.convert(wanted)


def load_img(path, grayscale=False, color_mode="rgb", target_size=None,
             interpolation="nearest"):
    """Loads an image file into a PIL image.

    Args:
        path: Path of the image file.
        grayscale: Deprecated, use `color_mode="grayscale"`.
        color_mode: `"grayscale"`, `"rgb"` or `"rgba"`. Defaults to `"rgb"`.
        target_size: `None` (keep the file's size) or `(height, width)`.
            Defaults to `None`.
        interpolation: Resampling used when `target_size` differs from the file's
            size: `"nearest"`, `"bilinear"`, `"bicubic"`, `"hamming"`, `"box"` or
            `"lanczos"`. Defaults to `"nearest"`.

    Returns:
        A PIL image.

    Example:

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "img.png")
    >>> save_img(path, np.arange(24.0).reshape(2, 4, 3))
    >>> load_img(path, target_size=(4, 8)).size  # PIL sizes are (width, height)
    (8, 4)
    """
    if grayscale is True:
        warnings.warn('grayscale is deprecated. Please use color_mode = "grayscale"')
        color_mode = "grayscale"
    image = _image_deps.pil_image("`load_img`")
    if color_mode not in _COLOR_MODES:
        raise ValueError('color_mode must be "grayscale", "rgb", or "rgba". '
                         f"Received: color_mode={color_mode!r}")
    with open(path, "rb") as f:
        data = f.read()
    try:
        img = image.open(io.BytesIO(data))
        img.load()
    except (OSError, SyntaxError, ValueError) as err:
        error_type = type(err) if isinstance(err, OSError) else OSError
        raise error_type(
            f"Cannot read the image file {os.fspath(path)!r}: Pillow could not decode it "
            f"({err}). Check that the file is a complete image in a format Pillow reads "
            "(PNG, JPEG, BMP, PPM, TIFF, ...), or remove it from the folder.") from err
    img = _convert(img, color_mode)
    if target_size is not None:
        width_height = (target_size[1], target_size[0])
        if img.size != width_height:
            img = img.resize(width_height, _resample_filter(interpolation))
    return img


def _check_data_format(data_format, message):
    if data_format not in _DATA_FORMATS:
        raise ValueError(f"{message}: {data_format}. Expected 'channels_last' or "
                         f"'channels_first'. Received: data_format={data_format!r}")


def img_to_array(img, data_format=None, dtype=None):
    """Converts a PIL image to a 3-D NumPy array.

    Args:
        img: PIL image.
        data_format: `"channels_last"` (`(height, width, channels)`) or
            `"channels_first"`. Defaults to `None`: `backend.image_data_format()`.
        dtype: Dtype of the array. Defaults to `None`: `backend.floatx()`.

    Returns:
        A 3-D NumPy array (grayscale images get a channel axis of size 1).

    Example:

    >>> img = array_to_img(np.zeros((2, 3, 1)), scale=False)
    >>> img_to_array(img).shape
    (2, 3, 1)
    >>> img_to_array(img, data_format="channels_first").shape
    (1, 2, 3)
    """
    data_format = backend.image_data_format() if data_format is None else data_format
    dtype = backend.floatx() if dtype is None else dtype
    _check_data_format(data_format, "Unknown data_format")
    x = np.asarray(img, dtype=dtype)
    if x.ndim == 3:
        return x.transpose(2, 0, 1) if data_format == "channels_first" else x
    if x.ndim == 2:
        if data_format == "channels_first":
            return x.reshape((1,) + x.shape)
        return x.reshape(x.shape + (1,))
    raise ValueError(f"Unsupported image shape: {x.shape}. Expected a 2-D (grayscale) or "
                     "3-D (color) image.")


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """Converts a 3-D NumPy array to a PIL image.

    Args:
        x: 3-D array with 1 (grayscale), 3 (RGB) or 4 (RGBA) channels.
        data_format: `"channels_last"` or `"channels_first"`. Defaults to `None`:
            `backend.image_data_format()`.
        scale: Stretch the values to `[0, 255]` (minimum to 0, maximum to 255).
            Defaults to `True`.
        dtype: Dtype the values are converted to first. Defaults to `None`:
            `backend.floatx()`.

    Returns:
        A PIL image (mode `"L"`, `"I"` for grayscale values above 255, `"RGB"` or
        `"RGBA"`).

    Example:

    >>> img = array_to_img(np.arange(6.0).reshape(2, 3, 1))
    >>> img.mode, img.size
    ('L', (3, 2))
    >>> np.asarray(img).tolist()
    [[0, 51, 102], [153, 204, 255]]
    """
    data_format = backend.image_data_format() if data_format is None else data_format
    dtype = backend.floatx() if dtype is None else dtype
    image = _image_deps.pil_image("`array_to_img`")
    x = np.asarray(x, dtype=dtype)
    if x.ndim != 3:
        raise ValueError("Expected image array to have rank 3 (single image). "
                         f"Got array with shape: {x.shape}")
    _check_data_format(data_format, "Invalid data_format")
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        x_max = np.max(x)
        if x_max != 0:
            x /= x_max
        x *= 255
    channels = x.shape[2]
    if channels in (3, 4):
        return image.fromarray(x.astype("uint8"), "RGB" if channels == 3 else "RGBA")
    if channels == 1:
        if np.max(x) > 255:  # a 32-bit signed integer grayscale image: PIL mode "I"
            return image.fromarray(x[:, :, 0].astype("int32"), "I")
        return image.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError(f"Unsupported channel number: {channels}. Expected 1 (grayscale), "
                     f"3 (RGB) or 4 (RGBA) channels; got an array of shape {x.shape}.")


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """Saves a 3-D NumPy array as an image file (or into a file object).

    Args:
        path: Path or file object.
        x: 3-D NumPy array.
        data_format: `"channels_last"` or `"channels_first"`. Defaults to `None`:
            `backend.image_data_format()`.
        file_format: Format such as `"png"`; defaults to `None`: taken from the file
            name (give it when `path` is a file object).
        scale: Stretch the values to `[0, 255]`. Defaults to `True`.
        **kwargs: Passed to `PIL.Image.Image.save()`.

    Example:

    >>> buffer = io.BytesIO()
    >>> save_img(buffer, np.zeros((2, 2, 3)), file_format="png")
    >>> buffer.getvalue()[1:4]
    b'PNG'
    """
    data_format = backend.image_data_format() if data_format is None else data_format
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and file_format in ("jpg", "jpeg"):
        warnings.warn("The JPG format does not support RGBA images, converting to RGB.")
        img = img.convert("RGB")
    img.save(path, format=file_format, **kwargs)


def list_pictures(directory, ext=("jpg", "jpeg", "bmp", "png", "ppm", "tif", "tiff")):
    """Lists the pictures in a folder and its subfolders (in `os.walk` order).

    Args:
        directory: Path of the folder.
        ext: Extension or tuple of extensions (without the dot), matched
            case-insensitively. Defaults to the usual image formats.

    Returns:
        A list of paths.

    Example:

    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> for name in ("a.png", "b.txt"):
    ...     open(os.path.join(folder, name), "w").close()
    >>> [os.path.basename(p) for p in list_pictures(folder)]
    ['a.png']
    """
    endings = tuple(f".{e}" for e in ((ext,) if isinstance(ext, str) else ext))
    return [os.path.join(root, f) for root, _, files in os.walk(directory) for f in files
            if f.lower().endswith(endings)]


def iter_valid_files(directory, white_list_formats, follow_links):
    """`(folder, file name)` of the images under `directory`: folders and files in
    sorted order, as `flow_from_directory` reads them."""
    walk = sorted(os.walk(directory, followlinks=follow_links), key=lambda entry: entry[0])
    for root, _, files in walk:
        for fname in sorted(files):
            if fname.lower().endswith(".tiff"):
                warnings.warn('Using ".tiff" files with multiple bands will cause '
                              "distortion. Please verify your output.")
            if fname.lower().endswith(white_list_formats):
                yield root, fname


def list_class_files(directory, white_list_formats, split, class_index, follow_links):
    """`(class indices, file paths relative to the parent of directory)` of the images
    of one class folder, keeping the `split = (start, stop)` fraction when given."""
    files = list(iter_valid_files(directory, white_list_formats, follow_links))
    if split:
        files = files[int(split[0] * len(files)):int(split[1] * len(files))]
    dirname = os.path.basename(directory)
    filenames = [os.path.join(dirname, os.path.relpath(os.path.join(root, fname), directory))
                 for root, fname in files]
    return [class_index] * len(filenames), filenames


def validate_filename(filename, white_list_formats):
    """Whether `filename` is an existing file with an allowed extension."""
    return filename.lower().endswith(white_list_formats) and os.path.isfile(filename)
