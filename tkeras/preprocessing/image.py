"""Image preprocessing (Keras 2's `keras.preprocessing.image`): `ImageDataGenerator`
(real-time augmentation and normalization, with `flow`, `flow_from_directory` and
`flow_from_dataframe`), its iterators, and the image functions (`load_img`,
`img_to_array`, `array_to_img`, `save_img`, `apply_affine_transform`, `random_rotation`,
...).

Results equal Keras 2's (keras_preprocessing 1.1.2, which Keras 2.3.1 re-exports) for the
same NumPy seed: random parameters are drawn from NumPy's global generator in Keras's
order, and images are warped with `scipy.ndimage.affine_transform` with Keras's matrices.

Pillow (files, brightness) and SciPy (warps, ZCA) form the `image` extra
(`pip install tkeras[image]`); they are imported on first use, so this module imports
without them.
"""
import warnings

import numpy as np

from tkeras import backend
from tkeras.preprocessing import _image_deps
from tkeras.preprocessing._image_affine import scalar_like as _scalar_like
from tkeras.preprocessing._image_affine import (
    apply_affine_transform,
    apply_brightness_shift,
    apply_channel_shift,
    flip_axis,
    random_brightness,
    random_channel_shift,
    random_rotation,
    random_shear,
    random_shift,
    random_zoom,
    transform_matrix_offset_center,
)
from tkeras.preprocessing._image_io import (
    array_to_img,
    img_to_array,
    list_pictures,
    load_img,
    save_img,
    validate_filename,
)
from tkeras.preprocessing._image_iterators import (
    DataFrameIterator,
    DirectoryIterator,
    Iterator,
    NumpyArrayIterator,
)

__all__ = [
    "ImageDataGenerator", "Iterator", "NumpyArrayIterator", "DirectoryIterator",
    "DataFrameIterator", "load_img", "img_to_array", "array_to_img", "save_img",
    "list_pictures", "apply_affine_transform", "apply_channel_shift",
    "apply_brightness_shift", "random_rotation", "random_shift", "random_shear",
    "random_zoom", "random_channel_shift", "random_brightness", "flip_axis",
    "transform_matrix_offset_center", "validate_filename",
]

# Modes of scipy.ndimage (Keras 2 documents the first four).
_FILL_MODES = ("constant", "nearest", "reflect", "wrap", "mirror", "grid-constant",
               "grid-mirror", "grid-wrap")


def _is_number(value):
    return isinstance(value, (int, float, np.integer, np.floating)) \
        and not isinstance(value, bool)


def _check_shift_range(value, name):
    if _is_number(value) or isinstance(value, bool):
        return
    values = np.asarray(value) if isinstance(value, (list, tuple, np.ndarray)) else None
    if values is None or values.ndim != 1 or not np.issubdtype(values.dtype, np.number):
        raise ValueError(
            f"`{name}` must be a float (a fraction of the size if < 1, else pixels), an "
            f"int (whole pixels) or a 1-D list of values to choose from. "
            f"Received: {name}={value!r}. Example: {name}=0.2.")


def _draw_shift(shift_range, size):
    """A shift in pixels drawn as Keras 2 draws it: from a list (either sign) or
    `range(n)` for an int, else uniformly; fractions (< 1) scale with `size`."""
    try:  # an int or a 1-D array-like
        shift = np.random.choice(shift_range)
        shift *= np.random.choice([-1, 1])
    except ValueError:  # a float
        shift = np.random.uniform(-shift_range, shift_range)
    if np.max(shift_range) < 1:
        shift *= size
    return shift


class ImageDataGenerator:
    """Generates batches of image data with real-time augmentation and normalization.

    Args:
        featurewise_center: Subtract the dataset's mean (per channel, from `fit`).
            Defaults to `False`.
        samplewise_center: Subtract each image's mean. Defaults to `False`.
        featurewise_std_normalization: Divide by the dataset's std (per channel).
            Defaults to `False`.
        samplewise_std_normalization: Divide each image by its std. Defaults to `False`.
        zca_whitening: Apply ZCA whitening (from `fit`). Defaults to `False`.
        zca_epsilon: Epsilon of the ZCA whitening. Defaults to `1e-6`.
        rotation_range: Degree range of random rotations. Defaults to `0`.
        width_shift_range: Float (a fraction of the width if < 1, else pixels), int
            (whole pixels in `(-n, n)`) or 1-D list (values to pick, either sign).
            Defaults to `0.`.
        height_shift_range: As `width_shift_range`, for the height. Defaults to `0.`.
        brightness_range: `(lower, upper)` brightness factors, or `None`.
        shear_range: Shear angle range, in degrees. Defaults to `0.`.
        zoom_range: Float `z` (range `[1 - z, 1 + z]`) or `[lower, upper]`.
            Defaults to `0.`.
        channel_shift_range: Range of random channel shifts. Defaults to `0.`.
        fill_mode: How points outside the image are filled: `"constant"`,
            `"nearest"`, `"reflect"` or `"wrap"`. Defaults to `"nearest"`.
        cval: Fill value for `fill_mode="constant"`. Defaults to `0.`.
        horizontal_flip: Randomly flip images horizontally. Defaults to `False`.
        vertical_flip: Randomly flip images vertically. Defaults to `False`.
        rescale: Factor the data is multiplied by (before the other normalizations),
            or `None`/`0` for none. Defaults to `None`.
        preprocessing_function: Function applied to each image (a rank-3 array)
            before the other normalizations; returns an array of the same shape.
        data_format: `"channels_last"` or `"channels_first"` (`None`:
            `backend.image_data_format()`). Defaults to `"channels_last"`.
        validation_split: Fraction of the images reserved for `subset="validation"`,
            in `[0, 1)`. Defaults to `0.0`.
        interpolation_order: Order of the spline interpolation of the warps.
            Defaults to `1`.
        dtype: Dtype of the generated arrays (`None`: `backend.floatx()`).
            Defaults to `"float32"`.

    Example:

    >>> x = np.arange(2 * 4 * 4 * 3, dtype="float32").reshape(2, 4, 4, 3)
    >>> datagen = ImageDataGenerator(rotation_range=20, horizontal_flip=True)
    >>> batch_x, batch_y = datagen.flow(x, np.array([0, 1]), batch_size=2, seed=1)[0]
    >>> batch_x.shape, batch_y.tolist()
    ((2, 4, 4, 3), [0, 1])
    """

    def __init__(self, featurewise_center=False, samplewise_center=False,
                 featurewise_std_normalization=False, samplewise_std_normalization=False,
                 zca_whitening=False, zca_epsilon=1e-6, rotation_range=0,
                 width_shift_range=0., height_shift_range=0., brightness_range=None,
                 shear_range=0., zoom_range=0., channel_shift_range=0.,
                 fill_mode="nearest", cval=0., horizontal_flip=False, vertical_flip=False,
                 rescale=None, preprocessing_function=None, data_format="channels_last",
                 validation_split=0.0, interpolation_order=1, dtype="float32"):
        data_format = backend.image_data_format() if data_format is None else data_format
        self.dtype = backend.floatx() if dtype is None else dtype
        self.featurewise_center = featurewise_center
        self.samplewise_center = samplewise_center
        self.featurewise_std_normalization = featurewise_std_normalization
        self.samplewise_std_normalization = samplewise_std_normalization
        self.zca_whitening = zca_whitening
        self.zca_epsilon = zca_epsilon
        self.rotation_range = rotation_range
        self.width_shift_range = width_shift_range
        self.height_shift_range = height_shift_range
        self.shear_range = shear_range
        self.channel_shift_range = channel_shift_range
        self.fill_mode = fill_mode
        self.cval = cval
        self.horizontal_flip = horizontal_flip
        self.vertical_flip = vertical_flip
        self.rescale = rescale
        self.preprocessing_function = preprocessing_function
        self.interpolation_order = interpolation_order
        self._check_arguments(data_format, validation_split, fill_mode, brightness_range)
        self.data_format = data_format
        self.channel_axis, self.row_axis, self.col_axis = \
            (1, 2, 3) if data_format == "channels_first" else (3, 1, 2)
        self._validation_split = validation_split
        self.mean = None
        self.std = None
        self.principal_components = None
        self.zoom_range = self._zoom_pair(zoom_range)
        self.brightness_range = brightness_range
        self._resolve_normalization_overrides()

    @staticmethod
    def _check_arguments(data_format, validation_split, fill_mode, brightness_range):
        if data_format not in ("channels_last", "channels_first"):
            raise ValueError(
                '`data_format` should be `"channels_last"` (channel after row and column) '
                'or `"channels_first"` (channel before row and column). '
                f"Received: data_format={data_format!r}")
        if validation_split and not 0 < validation_split < 1:
            raise ValueError(
                "`validation_split` must be strictly between 0 and 1. "
                f"Received: validation_split={validation_split!r}")
        if fill_mode not in _FILL_MODES:
            raise ValueError(
                f"`fill_mode` must be one of {_FILL_MODES[:4]} (or another "
                f"scipy.ndimage mode: {_FILL_MODES[4:]}). Received: fill_mode={fill_mode!r}")
        if brightness_range is not None and (
                not isinstance(brightness_range, (tuple, list)) or len(brightness_range) != 2):
            raise ValueError(
                "`brightness_range should be tuple or list of two floats. "
                f"Received: brightness_range={brightness_range!r}. "
                "Example: brightness_range=(0.8, 1.2).")

    @staticmethod
    def _zoom_pair(zoom_range):
        if isinstance(zoom_range, (float, int)):
            return [1 - zoom_range, 1 + zoom_range]
        if isinstance(zoom_range, (list, tuple, np.ndarray)) and len(zoom_range) == 2 \
                and all(isinstance(v, (float, int)) for v in zoom_range):
            return [zoom_range[0], zoom_range[1]]
        raise ValueError(
            "`zoom_range` should be a float or a tuple or list of two floats. "
            f"Received: zoom_range={zoom_range!r}. Example: zoom_range=0.2 or "
            "zoom_range=[0.8, 1.2].")

    def _resolve_normalization_overrides(self):
        if self.zca_whitening:
            if not self.featurewise_center:
                self.featurewise_center = True
                warnings.warn("This ImageDataGenerator specifies `zca_whitening`, which "
                              "overrides setting of `featurewise_center`.")
            if self.featurewise_std_normalization:
                self.featurewise_std_normalization = False
                warnings.warn("This ImageDataGenerator specifies `zca_whitening` which "
                              "overrides setting of`featurewise_std_normalization`.")
        if self.featurewise_std_normalization and not self.featurewise_center:
            self.featurewise_center = True
            warnings.warn("This ImageDataGenerator specifies "
                          "`featurewise_std_normalization`, which overrides setting of "
                          "`featurewise_center`.")
        if self.samplewise_std_normalization and not self.samplewise_center:
            self.samplewise_center = True
            warnings.warn("This ImageDataGenerator specifies "
                          "`samplewise_std_normalization`, which overrides setting of "
                          "`samplewise_center`.")
        _check_shift_range(self.width_shift_range, "width_shift_range")
        _check_shift_range(self.height_shift_range, "height_shift_range")
        for name in ("rotation_range", "shear_range", "channel_shift_range"):
            value = getattr(self, name)
            # Keras 2 skips a falsy rotation/shear range, so `None` works there.
            if not (_is_number(value) or (name != "channel_shift_range" and not value)):
                raise ValueError(f"`{name}` must be a number. Received: {name}={value!r}")

    def __repr__(self):
        return f"ImageDataGenerator(data_format={self.data_format!r}, dtype={self.dtype!r})"

    # ------------------------------------------------------------------ iterators
    def flow(self, x, y=None, batch_size=32, shuffle=True, sample_weight=None, seed=None,
             save_to_dir=None, save_prefix="", save_format="png", subset=None):
        """Batches of augmented data from arrays: a `NumpyArrayIterator`.

        Args:
            x: Rank-4 array of images, or `(images, extra)` with `extra` an array or a
                list of arrays passed through unchanged.
            y: Labels, or `None`.
            batch_size: Int. Defaults to `32`.
            shuffle: Shuffle at every epoch. Defaults to `True`.
            sample_weight: Sample weights, or `None`.
            seed: Int, seed of the shuffle and augmentation. Defaults to `None`.
            save_to_dir: Folder where the augmented images are also saved, or `None`.
            save_prefix: File name prefix of saved images. Defaults to `''`.
            save_format: `"png"` or `"jpeg"`. Defaults to `"png"`.
            subset: `"training"` or `"validation"` (see `validation_split`), or `None`.

        Returns:
            A `NumpyArrayIterator` yielding `(x, y)`, `(x, y, sample_weight)` or `x`.
        """
        return NumpyArrayIterator(
            x, y, self, batch_size=batch_size, shuffle=shuffle, sample_weight=sample_weight,
            seed=seed, data_format=self.data_format, save_to_dir=save_to_dir,
            save_prefix=save_prefix, save_format=save_format, subset=subset,
            dtype=self.dtype)

    def flow_from_directory(self, directory, target_size=(256, 256), color_mode="rgb",
                            classes=None, class_mode="categorical", batch_size=32,
                            shuffle=True, seed=None, save_to_dir=None, save_prefix="",
                            save_format="png", follow_links=False, subset=None,
                            interpolation="nearest"):
        """Batches of augmented images from a folder with one subfolder per class: a
        `DirectoryIterator` (see it for the arguments).

        Returns:
            A `DirectoryIterator` yielding `(x, y)` (or `x` when `class_mode=None`).
        """
        return DirectoryIterator(
            directory, self, target_size=target_size, color_mode=color_mode,
            classes=classes, class_mode=class_mode, data_format=self.data_format,
            batch_size=batch_size, shuffle=shuffle, seed=seed, save_to_dir=save_to_dir,
            save_prefix=save_prefix, save_format=save_format, follow_links=follow_links,
            subset=subset, interpolation=interpolation, dtype=self.dtype)

    def flow_from_dataframe(self, dataframe, directory=None, x_col="filename",
                            y_col="class", weight_col=None, target_size=(256, 256),
                            color_mode="rgb", classes=None, class_mode="categorical",
                            batch_size=32, shuffle=True, seed=None, save_to_dir=None,
                            save_prefix="", save_format="png", subset=None,
                            interpolation="nearest", validate_filenames=True, **kwargs):
        """Batches of augmented images listed in a pandas DataFrame: a
        `DataFrameIterator` (see it for the arguments). `has_ext`, `sort` and
        `drop_duplicates` are deprecated and ignored; `class_mode="other"` means `"raw"`.

        Returns:
            A `DataFrameIterator` yielding `(x, y)`, `(x, y, sample_weight)` or `x`.
        """
        for name, message in (
                ("has_ext", "has_ext is deprecated, filenames in the dataframe have to "
                            "match the exact filenames in disk."),
                ("sort", "sort is deprecated, batches will be created in the same order "
                         "than the filenames provided if shuffle is set to False."),
                ("drop_duplicates", "drop_duplicates is deprecated, you can drop "
                                    "duplicates by using the pandas.DataFrame."
                                    "drop_duplicates method.")):
            if name in kwargs:
                warnings.warn(message, DeprecationWarning)
        unknown = sorted(set(kwargs) - {"has_ext", "sort", "drop_duplicates"})
        if unknown:
            raise TypeError(f"flow_from_dataframe() got unexpected keyword arguments: "
                            f"{unknown}")
        if class_mode == "other":
            warnings.warn('`class_mode` "other" is deprecated, please use `class_mode` '
                          '"raw".', DeprecationWarning)
            class_mode = "raw"
        return DataFrameIterator(
            dataframe, directory, self, x_col=x_col, y_col=y_col, weight_col=weight_col,
            target_size=target_size, color_mode=color_mode, classes=classes,
            class_mode=class_mode, data_format=self.data_format, batch_size=batch_size,
            shuffle=shuffle, seed=seed, save_to_dir=save_to_dir, save_prefix=save_prefix,
            save_format=save_format, subset=subset, interpolation=interpolation,
            validate_filenames=validate_filenames, dtype=self.dtype)

    # ------------------------------------------------------------------ normalization
    def standardize(self, x):
        """Applies the normalization configuration to an image or a batch, in place
        (pass `np.copy(x)` to keep `x`).

        Order: `preprocessing_function`, `rescale`, sample-wise centre and std,
        feature-wise centre and std, ZCA whitening.

        Args:
            x: Image or batch of images.

        Returns:
            The normalized input.

        Example:

        >>> ImageDataGenerator(rescale=0.5).standardize(np.array([[[2.0]]])).tolist()
        [[[1.0]]]
        """
        if self.preprocessing_function:
            x = self.preprocessing_function(x)
        if self.rescale:
            x *= _scalar_like(x, self.rescale)
        if self.samplewise_center:
            x -= np.mean(x, keepdims=True)
        if self.samplewise_std_normalization:
            x /= (np.std(x, keepdims=True) + 1e-6)
        if self.featurewise_center:
            if self.mean is not None:
                x -= self.mean
            else:
                self._warn_not_fit("featurewise_center")
        if self.featurewise_std_normalization:
            if self.std is not None:
                x /= (self.std + 1e-6)
            else:
                self._warn_not_fit("featurewise_std_normalization")
        if self.zca_whitening:
            if self.principal_components is not None:
                flat = np.reshape(x, (-1, np.prod(x.shape[-3:])))
                x = np.reshape(np.dot(flat, self.principal_components), x.shape)
            else:
                self._warn_not_fit("zca_whitening")
        return x

    @staticmethod
    def _warn_not_fit(option):
        warnings.warn(f"This ImageDataGenerator specifies `{option}`, but it hasn't been "
                      "fit on any training data. Fit it first by calling "
                      "`.fit(numpy_data)`.")

    # ------------------------------------------------------------------ augmentation
    def get_random_transform(self, img_shape, seed=None):
        """Draws the parameters of a random transformation (NumPy's global generator,
        in Keras 2's order).

        Args:
            img_shape: Shape of the image to transform.
            seed: Int seeding NumPy's global generator first, or `None`.

        Returns:
            A dict with `theta`, `tx`, `ty`, `shear`, `zx`, `zy`, `flip_horizontal`,
            `flip_vertical`, `channel_shift_intensity` and `brightness`.

        Example:

        >>> params = ImageDataGenerator(rotation_range=10).get_random_transform((4, 4, 3), seed=0)
        >>> round(params["theta"], 4), params["tx"], params["zx"]
        (0.9763, 0, 1)
        """
        if seed is not None:
            np.random.seed(seed)
        theta = np.random.uniform(-self.rotation_range, self.rotation_range) \
            if self.rotation_range else 0
        tx = _draw_shift(self.height_shift_range, img_shape[self.row_axis - 1]) \
            if self.height_shift_range else 0
        ty = _draw_shift(self.width_shift_range, img_shape[self.col_axis - 1]) \
            if self.width_shift_range else 0
        shear = np.random.uniform(-self.shear_range, self.shear_range) \
            if self.shear_range else 0
        if self.zoom_range[0] == 1 and self.zoom_range[1] == 1:
            zx, zy = 1, 1
        else:
            zx, zy = np.random.uniform(self.zoom_range[0], self.zoom_range[1], 2)
        # Both flips are drawn even when disabled, as Keras 2 does.
        flip_horizontal = (np.random.random() < 0.5) * self.horizontal_flip
        flip_vertical = (np.random.random() < 0.5) * self.vertical_flip
        channel_shift_intensity = None
        if self.channel_shift_range != 0:
            channel_shift_intensity = np.random.uniform(-self.channel_shift_range,
                                                        self.channel_shift_range)
        brightness = None
        if self.brightness_range is not None:
            brightness = np.random.uniform(self.brightness_range[0],
                                           self.brightness_range[1])
        return {"theta": theta, "tx": tx, "ty": ty, "shear": shear, "zx": zx, "zy": zy,
                "flip_horizontal": flip_horizontal, "flip_vertical": flip_vertical,
                "channel_shift_intensity": channel_shift_intensity,
                "brightness": brightness}

    def apply_transform(self, x, transform_parameters):
        """Applies a transformation to one image: warp, channel shift, flips, then
        brightness.

        Args:
            x: 3-D array, one image.
            transform_parameters: Dict as `get_random_transform` returns (missing keys
                mean no change).

        Returns:
            The transformed image (same shape).

        Example:

        >>> x = np.arange(4.0).reshape(1, 4, 1)
        >>> ImageDataGenerator().apply_transform(x, {"flip_horizontal": True}).ravel().tolist()
        [3.0, 2.0, 1.0, 0.0]
        """
        row_axis, col_axis = self.row_axis - 1, self.col_axis - 1
        channel_axis = self.channel_axis - 1
        params = transform_parameters
        x = apply_affine_transform(
            x, params.get("theta", 0), params.get("tx", 0), params.get("ty", 0),
            params.get("shear", 0), params.get("zx", 1), params.get("zy", 1),
            row_axis=row_axis, col_axis=col_axis, channel_axis=channel_axis,
            fill_mode=self.fill_mode, cval=self.cval, order=self.interpolation_order)
        if params.get("channel_shift_intensity") is not None:
            x = apply_channel_shift(x, params["channel_shift_intensity"], channel_axis)
        if params.get("flip_horizontal", False):
            x = flip_axis(x, col_axis)
        if params.get("flip_vertical", False):
            x = flip_axis(x, row_axis)
        if params.get("brightness") is not None:
            x = apply_brightness_shift(x, params["brightness"])
        return x

    def random_transform(self, x, seed=None):
        """Applies a random transformation to one image (`get_random_transform` then
        `apply_transform`).

        Args:
            x: 3-D array, one image.
            seed: Int seeding NumPy's global generator first, or `None`.

        Returns:
            The transformed image (same shape).
        """
        return self.apply_transform(x, self.get_random_transform(x.shape, seed))

    def fit(self, x, augment=False, rounds=1, seed=None):
        """Computes the dataset statistics of the feature-wise normalizations (mean,
        std, ZCA matrix) from sample data (rescaled first, when `rescale` is set).

        Args:
            x: Rank-4 array of images.
            augment: Fit on randomly augmented copies. Defaults to `False`.
            rounds: Number of augmented passes when `augment`. Defaults to `1`.
            seed: Int seeding NumPy's global generator first, or `None`.

        Example:

        >>> datagen = ImageDataGenerator(featurewise_center=True)
        >>> datagen.fit(np.arange(8.0).reshape(2, 2, 2, 1))
        >>> datagen.mean.tolist()
        [[[3.5]]]
        """
        x = np.asarray(x, dtype=self.dtype)
        if x.ndim != 4:
            raise ValueError("Input to `.fit()` should have rank 4. Got array with shape: "
                             f"{x.shape}. Expected (samples, height, width, channels) (or "
                             "channels first).")
        if x.shape[self.channel_axis] not in (1, 3, 4):
            warnings.warn(
                f'Expected input to be images (as Numpy array) following the data format '
                f'convention "{self.data_format}" (channels on axis {self.channel_axis}), '
                f"i.e. expected either 1, 3 or 4 channels on axis {self.channel_axis}. "
                f"However, it was passed an array with shape {x.shape} "
                f"({x.shape[self.channel_axis]} channels).")
        if self.zca_whitening:
            linalg = _image_deps.scipy_linalg("`zca_whitening=True`")
        if seed is not None:
            np.random.seed(seed)
        x = np.copy(x)
        if self.rescale:
            x *= _scalar_like(x, self.rescale)
        if augment:
            augmented = np.zeros((rounds * x.shape[0],) + x.shape[1:], dtype=self.dtype)
            for r in range(rounds):
                for i in range(x.shape[0]):
                    augmented[i + r * x.shape[0]] = self.random_transform(x[i])
            x = augmented
        broadcast_shape = [1, 1, 1]
        broadcast_shape[self.channel_axis - 1] = x.shape[self.channel_axis]
        spatial = (0, self.row_axis, self.col_axis)
        if self.featurewise_center:
            self.mean = np.reshape(np.mean(x, axis=spatial), broadcast_shape)
            x -= self.mean
        if self.featurewise_std_normalization:
            self.std = np.reshape(np.std(x, axis=spatial), broadcast_shape)
            x /= (self.std + 1e-6)
        if self.zca_whitening:
            flat_x = np.reshape(x, (x.shape[0], -1))
            sigma = np.dot(flat_x.T, flat_x) / flat_x.shape[0]
            u, s, _ = linalg.svd(sigma)
            s_inv = 1. / np.sqrt(s[np.newaxis] + self.zca_epsilon)
            self.principal_components = (u * s_inv).dot(u.T)
