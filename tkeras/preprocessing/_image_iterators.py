"""The batch iterators of `tkeras.preprocessing.image`: `Iterator` (the shared index and
seed logic of Keras 2), `NumpyArrayIterator` (`flow`), `DirectoryIterator`
(`flow_from_directory`) and `DataFrameIterator` (`flow_from_dataframe`).

They are `tkeras.utils.Sequence`s, so `model.fit(iterator, workers=2)` loads batches in
parallel, and they also iterate endlessly with `next()`, as in Keras 2. With the same
`seed`, they shuffle and augment as Keras 2 does: before each batch NumPy's global
generator is seeded with `seed + total_batches_seen`, then the index permutation (at the
start of an epoch) and the augmentation parameters are drawn from it.
"""
import os
import threading
import warnings

import numpy as np

from tkeras import backend
from tkeras.preprocessing import _image_io
from tkeras.utils.data_utils import Sequence

_SUBSETS = ("training", "validation")


class Iterator(Sequence):
    """Base class of the image batch iterators.

    Subclasses implement `_get_batches_of_transformed_samples(index_array)`.

    Args:
        n: Int, number of samples.
        batch_size: Int, samples per batch.
        shuffle: Whether to shuffle the samples at every epoch.
        seed: Int or `None`, seed of the shuffle and of the augmentation.
    """

    white_list_formats = _image_io.WHITE_LIST_FORMATS

    def __init__(self, n, batch_size, shuffle, seed):
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
                or batch_size < 1:
            raise ValueError(f"`batch_size` must be a positive int. "
                             f"Received: batch_size={batch_size!r}")
        self.n = n
        self.batch_size = batch_size
        self.seed = seed
        self.shuffle = shuffle
        self.batch_index = 0
        self.total_batches_seen = 0
        self.lock = threading.Lock()
        self.index_array = None
        self._unused_permutation = False
        if shuffle and seed is None:
            # Drawn now rather than at the first batch (Keras 2's point, with nothing
            # drawn in between in the usual script), so that the DataLoader workers of
            # `fit(workers=...)`, which NumPy-seed themselves apart, share one epoch order.
            self._set_index_array()
            self._unused_permutation = True
        self.index_generator = self._flow_index()

    def _set_index_array(self):
        self.index_array = np.arange(self.n)
        if self.shuffle:
            self.index_array = np.random.permutation(self.n)

    def __getitem__(self, idx):
        if idx >= len(self):
            raise ValueError(f"Asked to retrieve element {idx}, but the Sequence has "
                             f"length {len(self)}")
        self._check_not_empty()
        if self.seed is not None:
            np.random.seed(self.seed + self.total_batches_seen)
        self.total_batches_seen += 1
        if self.index_array is None:
            self._set_index_array()
        self._unused_permutation = False
        index_array = self.index_array[self.batch_size * idx:self.batch_size * (idx + 1)]
        return self._get_batches_of_transformed_samples(index_array)

    def __len__(self):
        return (self.n + self.batch_size - 1) // self.batch_size

    def on_epoch_end(self):
        if self._unused_permutation:  # Keras 2 would draw its first permutation now
            self._unused_permutation = False
        else:
            self._set_index_array()

    def reset(self):
        self.batch_index = 0

    def _flow_index(self):
        self.reset()
        while True:
            if self.seed is not None:
                np.random.seed(self.seed + self.total_batches_seen)
            if self.batch_index == 0:
                if self._unused_permutation:
                    self._unused_permutation = False
                else:
                    self._set_index_array()
            current_index = (self.batch_index * self.batch_size) % self.n if self.n else 0
            if self.n > current_index + self.batch_size:
                self.batch_index += 1
            else:
                self.batch_index = 0
            self.total_batches_seen += 1
            yield self.index_array[current_index:current_index + self.batch_size]

    def __iter__(self):
        # Endless, as in Keras 2: `for x, y in datagen.flow(...)` loops until `break`.
        return self

    def __next__(self):
        return self.next()

    def next(self):
        """The next batch (the iterator loops over the data endlessly)."""
        self._check_not_empty()
        with self.lock:
            index_array = next(self.index_generator)
        # Transforms run outside the lock, so threads can build batches in parallel.
        return self._get_batches_of_transformed_samples(index_array)

    def _check_not_empty(self):
        pass

    def _get_batches_of_transformed_samples(self, index_array):
        raise NotImplementedError

    def __getstate__(self):
        # A lock and a running generator cannot be pickled (spawned DataLoader workers).
        state = self.__dict__.copy()
        del state["lock"], state["index_generator"]
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.lock = threading.Lock()
        self.index_generator = self._flow_index()

    def __repr__(self):
        return (f"{type(self).__name__}(samples={self.n}, batch_size={self.batch_size}, "
                f"shuffle={self.shuffle}, seed={self.seed})")


def _save_batch(batch_x, index_array, data_format, save_to_dir, save_prefix, save_format,
                hash_range):
    for i, j in enumerate(index_array):
        img = _image_io.array_to_img(batch_x[i], data_format, scale=True)
        fname = f"{save_prefix}_{j}_{np.random.randint(hash_range)}.{save_format}"
        img.save(os.path.join(save_to_dir, fname))


def _split_arrays(x):
    """`x`, or `(images, extra array or list of arrays)`: `(images, [extra arrays])`."""
    if type(x) not in (tuple, list):
        return x, []
    if len(x) != 2:
        raise ValueError(
            "`x` given as a tuple or list must be `(images, extra)`, where `extra` is an "
            "array or a list of arrays passed through unchanged. "
            f"Received: a {type(x).__name__} of length {len(x)}.")
    images, extra = x
    misc = [np.asarray(a) for a in extra] if type(extra) is list else [np.asarray(extra)]
    for a in misc:
        if len(images) != len(a):
            raise ValueError(
                "All of the arrays in `x` should have the same length. Found a pair with: "
                f"len(x[0]) = {len(images)}, len(x[?]) = {len(a)}")
    return images, misc


class NumpyArrayIterator(Iterator):
    """Batches of (augmented) images from NumPy arrays, as `ImageDataGenerator.flow`
    yields them.

    Args:
        x: Rank-4 array of images, or `(images, extra)` where `extra` is an array or a
            list of arrays passed through unchanged (batches then start with
            `[images, *extra]`).
        y: Labels, or `None` (batches are then the images alone).
        image_data_generator: The `ImageDataGenerator` that augments and standardizes.
        batch_size: Int. Defaults to `32`.
        shuffle: Whether to shuffle at every epoch. Defaults to `False`.
        sample_weight: Array of sample weights, or `None`.
        seed: Int, seed of the shuffle and the augmentation. Defaults to `None`.
        data_format: `"channels_last"` or `"channels_first"`. Defaults to `None`:
            `backend.image_data_format()`.
        save_to_dir: Folder where each batch's images are also saved (for looking at
            the augmentation), or `None`.
        save_prefix: File name prefix of the saved images. Defaults to `''`.
        save_format: `"png"` or `"jpeg"`. Defaults to `"png"`.
        subset: `"training"` or `"validation"` (the generator's `validation_split`),
            or `None`.
        dtype: Dtype of the image batches. Defaults to `None`: `backend.floatx()`.
    """

    def __init__(self, x, y, image_data_generator, batch_size=32, shuffle=False,
                 sample_weight=None, seed=None, data_format=None, save_to_dir=None,
                 save_prefix="", save_format="png", subset=None, dtype=None):
        data_format = backend.image_data_format() if data_format is None else data_format
        self.dtype = backend.floatx() if dtype is None else dtype
        x, x_misc = _split_arrays(x)
        if y is not None and len(x) != len(y):
            raise ValueError(
                "`x` (images tensor) and `y` (labels) should have the same length. "
                f"Found: x.shape = {np.asarray(x).shape}, y.shape = {np.asarray(y).shape}")
        if sample_weight is not None and len(x) != len(sample_weight):
            raise ValueError(
                "`x` (images tensor) and `sample_weight` should have the same length. "
                f"Found: x.shape = {np.asarray(x).shape}, "
                f"sample_weight.shape = {np.asarray(sample_weight).shape}")
        if subset is not None:
            x, x_misc, y = self._subset(x, x_misc, y, subset, image_data_generator)
        self.x = np.asarray(x, dtype=self.dtype)
        if self.x.ndim != 4:
            raise ValueError(
                "Input data in `NumpyArrayIterator` should have rank 4. You passed an "
                f"array with shape {self.x.shape}. Expected (samples, height, width, "
                "channels) (or channels first); for one image use x[np.newaxis].")
        channels_axis = 3 if data_format == "channels_last" else 1
        if self.x.shape[channels_axis] not in (1, 3, 4):
            warnings.warn(
                f'NumpyArrayIterator is set to use the data format convention '
                f'"{data_format}" (channels on axis {channels_axis}), i.e. expected either '
                f"1, 3, or 4 channels on axis {channels_axis}. However, it was passed an "
                f"array with shape {self.x.shape} ({self.x.shape[channels_axis]} channels).")
        self.x_misc = x_misc
        self.y = None if y is None else np.asarray(y)
        self.sample_weight = None if sample_weight is None else np.asarray(sample_weight)
        self.image_data_generator = image_data_generator
        self.data_format = data_format
        self.save_to_dir = save_to_dir
        self.save_prefix = save_prefix
        self.save_format = save_format
        super().__init__(self.x.shape[0], batch_size, shuffle, seed)

    @staticmethod
    def _subset(x, x_misc, y, subset, image_data_generator):
        if subset not in _SUBSETS:
            raise ValueError(f'Invalid subset name: {subset!r}; expected "training" or '
                             '"validation".')
        split_idx = int(len(x) * image_data_generator._validation_split)
        if y is not None and not np.array_equal(np.unique(y[:split_idx]),
                                                np.unique(y[split_idx:])):
            raise ValueError(
                "Training and validation subsets have different number of classes after "
                "the split. If your numpy arrays are sorted by the label, you might want "
                "to shuffle them.")
        part = slice(None, split_idx) if subset == "validation" else slice(split_idx, None)
        x_misc = [np.asarray(a[part]) for a in x_misc]
        return x[part], x_misc, (None if y is None else y[part])

    def _get_batches_of_transformed_samples(self, index_array):
        generator = self.image_data_generator
        batch_x = np.zeros((len(index_array),) + self.x.shape[1:], dtype=self.dtype)
        for i, j in enumerate(index_array):
            x = self.x[j]
            params = generator.get_random_transform(x.shape)
            x = generator.apply_transform(x.astype(self.dtype), params)
            batch_x[i] = generator.standardize(x)
        if self.save_to_dir:
            _save_batch(batch_x, index_array, self.data_format, self.save_to_dir,
                        self.save_prefix, self.save_format, 10 ** 4)
        inputs = [batch_x] + [a[index_array] for a in self.x_misc] if self.x_misc else batch_x
        if self.y is None:
            return inputs
        if self.sample_weight is None:
            return inputs, self.y[index_array]
        return inputs, self.y[index_array], self.sample_weight[index_array]


class _ImageFileIterator(Iterator):
    """What `DirectoryIterator` and `DataFrameIterator` share: reading, augmenting and
    labelling batches of image files. Subclasses set `filenames`, `filepaths`,
    `classes`, `class_indices`, `labels` and `sample_weight`."""

    def _set_processing_attrs(self, image_data_generator, target_size, color_mode,
                              data_format, save_to_dir, save_prefix, save_format, subset,
                              interpolation, dtype):
        self.image_data_generator = image_data_generator
        if not hasattr(target_size, "__iter__"):
            raise TypeError("`target_size` must be a tuple of 2 ints (height, width). "
                            f"Received: target_size={target_size!r}. Example: "
                            "target_size=(224, 224).")
        self.target_size = tuple(target_size)
        if len(self.target_size) != 2:
            raise ValueError("`target_size` must be a tuple of 2 ints (height, width). "
                             f"Received: target_size={target_size!r}")
        if color_mode not in ("rgb", "rgba", "grayscale"):
            raise ValueError(f"Invalid color mode: {color_mode!r}; expected \"rgb\", "
                             "\"rgba\", or \"grayscale\".")
        self.color_mode = color_mode
        self.data_format = backend.image_data_format() if data_format is None else data_format
        self.dtype = backend.floatx() if dtype is None else dtype
        channels = {"rgba": 4, "rgb": 3, "grayscale": 1}[color_mode]
        if self.data_format == "channels_last":
            self.image_shape = self.target_size + (channels,)
        else:
            self.image_shape = (channels,) + self.target_size
        self.save_to_dir = save_to_dir
        self.save_prefix = save_prefix
        self.save_format = save_format
        self.interpolation = interpolation
        self.split = None
        if subset is not None:
            if subset not in _SUBSETS:
                raise ValueError(f"Invalid subset name: {subset!r}; expected \"training\" "
                                 "or \"validation\".")
            validation_split = image_data_generator._validation_split
            self.split = (0, validation_split) if subset == "validation" \
                else (validation_split, 1)
        self.subset = subset

    def _check_class_mode(self, class_mode):
        if class_mode not in self.allowed_class_modes:
            allowed = sorted(self.allowed_class_modes, key=str)
            raise ValueError(f"Invalid class_mode: {class_mode!r}; expected one of: "
                             f"{allowed}")

    def _load(self, path):
        img = _image_io.load_img(path, color_mode=self.color_mode,
                                 target_size=self.target_size,
                                 interpolation=self.interpolation)
        x = _image_io.img_to_array(img, data_format=self.data_format)
        img.close()
        return x

    def _get_batches_of_transformed_samples(self, index_array):
        batch_x = np.zeros((len(index_array),) + self.image_shape, dtype=self.dtype)
        filepaths = self.filepaths
        generator = self.image_data_generator
        for i, j in enumerate(index_array):
            x = self._load(filepaths[j])
            if generator:
                params = generator.get_random_transform(x.shape)
                x = generator.apply_transform(x, params)
                x = generator.standardize(x)
            batch_x[i] = x
        if self.save_to_dir:
            _save_batch(batch_x, index_array, self.data_format, self.save_to_dir,
                        self.save_prefix, self.save_format, 10 ** 7)
        batch_y = self._labels_of(batch_x, index_array)
        if self.class_mode is None:
            return batch_x
        if self.sample_weight is None:
            return batch_x, batch_y
        return batch_x, batch_y, self.sample_weight[index_array]

    def _labels_of(self, batch_x, index_array):
        mode = self.class_mode
        if mode == "input":
            return batch_x.copy()
        if mode in ("binary", "sparse"):
            return np.array([self.classes[j] for j in index_array], dtype=self.dtype)
        if mode == "categorical":
            batch_y = np.zeros((len(batch_x), len(self.class_indices)), dtype=self.dtype)
            for i, j in enumerate(index_array):
                batch_y[i, self.classes[j]] = 1.
            return batch_y
        if mode == "multi_output":
            return [output[index_array] for output in self.labels]
        if mode == "raw":
            return self.labels[index_array]
        return None


class DirectoryIterator(_ImageFileIterator):
    """Batches of (augmented) images read from a folder with one subfolder per class,
    as `ImageDataGenerator.flow_from_directory` yields them.

    Args:
        directory: Path of the folder. Each subfolder holds the images of one class
            (read recursively, in sorted order).
        image_data_generator: The `ImageDataGenerator` that augments and standardizes,
            or `None`.
        target_size: `(height, width)` the images are resized to. Defaults to
            `(256, 256)`.
        color_mode: `"rgb"`, `"rgba"` or `"grayscale"`. Defaults to `"rgb"`.
        classes: List of subfolder names (the class order), or `None`: every
            subfolder, sorted.
        class_mode: `"categorical"` (one-hot), `"binary"`, `"sparse"` (class
            indices), `"input"` (the images) or `None` (no labels).
            Defaults to `"categorical"`.
        batch_size: Int. Defaults to `32`.
        shuffle: Whether to shuffle at every epoch. Defaults to `True`.
        seed: Int, seed of the shuffle and the augmentation. Defaults to `None`.
        data_format: `"channels_last"` or `"channels_first"`. Defaults to `None`:
            `backend.image_data_format()`.
        save_to_dir: Folder where the batch images are also saved, or `None`.
        save_prefix: File name prefix of the saved images. Defaults to `''`.
        save_format: `"png"` or `"jpeg"`. Defaults to `"png"`.
        follow_links: Whether to follow symbolic links to subfolders.
            Defaults to `False`.
        subset: `"training"` or `"validation"` (the generator's `validation_split`,
            taken per class), or `None`.
        interpolation: Resampling for `target_size` (see `load_img`).
            Defaults to `"nearest"`.
        dtype: Dtype of the batches. Defaults to `None`: `backend.floatx()`.
    """

    allowed_class_modes = {"categorical", "binary", "sparse", "input", None}

    def __init__(self, directory, image_data_generator, target_size=(256, 256),
                 color_mode="rgb", classes=None, class_mode="categorical", batch_size=32,
                 shuffle=True, seed=None, data_format=None, save_to_dir=None,
                 save_prefix="", save_format="png", follow_links=False, subset=None,
                 interpolation="nearest", dtype=None):
        self._set_processing_attrs(image_data_generator, target_size, color_mode,
                                   data_format, save_to_dir, save_prefix, save_format,
                                   subset, interpolation, dtype)
        self._check_class_mode(class_mode)
        self.class_mode = class_mode
        self.directory = directory
        if not os.path.isdir(directory):
            raise FileNotFoundError(
                f"`flow_from_directory` found no folder at directory={directory!r}. "
                "Pass a folder with one subfolder of images per class, e.g. "
                "data/train/cats/*.jpg and data/train/dogs/*.jpg.")
        if not classes:
            classes = [d for d in sorted(os.listdir(directory))
                       if os.path.isdir(os.path.join(directory, d))]
        self.num_classes = len(classes)
        self.class_indices = dict(zip(classes, range(len(classes))))
        self.filenames, class_list = [], []
        for name in classes:
            if not os.path.isdir(os.path.join(directory, name)):
                warnings.warn(f"`flow_from_directory`: the class folder {name!r} given in "
                              f"`classes` is not in directory={directory!r}; it has no "
                              "images.")
            labels, filenames = _image_io.list_class_files(
                os.path.join(directory, name), self.white_list_formats, self.split,
                self.class_indices[name], follow_links)
            class_list += labels
            self.filenames += filenames
        self.samples = len(self.filenames)
        self.classes = np.array(class_list, dtype="int32")
        print(f"Found {self.samples} images belonging to {self.num_classes} classes.")
        if not self.samples:
            warnings.warn(self._empty_message())
        self._filepaths = [os.path.join(directory, fname) for fname in self.filenames]
        super().__init__(self.samples, batch_size, shuffle, seed)

    def _empty_message(self):
        formats = ", ".join(self.white_list_formats)
        subset = f" (subset={self.subset!r})" if self.subset else ""
        return (f"`flow_from_directory` found no images in directory="
                f"{self.directory!r}{subset}. Expected one subfolder per class holding "
                f"image files ({formats}); found classes: {list(self.class_indices)}.")

    def _check_not_empty(self):
        if not self.n:
            raise ValueError(self._empty_message())

    @property
    def filepaths(self):
        """Absolute paths of the image files."""
        return self._filepaths

    @property
    def labels(self):
        """The class index of every image."""
        return self.classes

    @property
    def sample_weight(self):
        return None


class DataFrameIterator(_ImageFileIterator):
    """Batches of (augmented) images listed in a pandas DataFrame, as
    `ImageDataGenerator.flow_from_dataframe` yields them.

    Args:
        dataframe: DataFrame with the file paths (relative to `directory`, or absolute
            when `directory` is `None`) in column `x_col` and, depending on
            `class_mode`, labels in `y_col`.
        directory: Folder of the files, or `None`.
        image_data_generator: The `ImageDataGenerator` that augments and standardizes,
            or `None`.
        x_col: Column of the file paths. Defaults to `"filename"`.
        y_col: Column (or list of columns) of the targets. Defaults to `"class"`.
        weight_col: Column of sample weights, or `None`.
        target_size: `(height, width)`. Defaults to `(256, 256)`.
        color_mode: `"rgb"`, `"rgba"` or `"grayscale"`. Defaults to `"rgb"`.
        classes: List of the classes to keep, or `None`: all of `y_col`'s (sorted).
        class_mode: `"categorical"` (one-hot, several labels per row allowed),
            `"binary"`, `"sparse"`, `"raw"` (the `y_col` values), `"multi_output"`
            (a list, one array per column of `y_col`), `"input"` or `None`.
            Defaults to `"categorical"`.
        batch_size: Int. Defaults to `32`.
        shuffle: Whether to shuffle at every epoch. Defaults to `True`.
        seed: Int, seed of the shuffle and the augmentation. Defaults to `None`.
        data_format: `"channels_last"` or `"channels_first"`. Defaults to
            `"channels_last"`.
        save_to_dir: Folder where the batch images are also saved, or `None`.
        save_prefix: File name prefix of the saved images. Defaults to `''`.
        save_format: `"png"` or `"jpeg"`. Defaults to `"png"`.
        subset: `"training"` or `"validation"`, or `None`.
        interpolation: Resampling for `target_size`. Defaults to `"nearest"`.
        dtype: Dtype of the batches. Defaults to `"float32"`.
        validate_filenames: Drop (with a warning) rows whose file is missing or not an
            image. Defaults to `True`.
    """

    allowed_class_modes = {"binary", "categorical", "input", "multi_output", "raw",
                           "sparse", None}
    _UNLABELLED = ("input", "multi_output", "raw", None)

    def __init__(self, dataframe, directory=None, image_data_generator=None,
                 x_col="filename", y_col="class", weight_col=None, target_size=(256, 256),
                 color_mode="rgb", classes=None, class_mode="categorical", batch_size=32,
                 shuffle=True, seed=None, data_format="channels_last", save_to_dir=None,
                 save_prefix="", save_format="png", subset=None, interpolation="nearest",
                 dtype="float32", validate_filenames=True):
        self._set_processing_attrs(image_data_generator, target_size, color_mode,
                                   data_format, save_to_dir, save_prefix, save_format,
                                   subset, interpolation, dtype)
        df = dataframe.copy()
        self.directory = directory or ""
        self.class_mode = class_mode
        self._check_params(df, x_col, y_col, weight_col, classes)
        if validate_filenames:
            df = self._filter_valid_filepaths(df, x_col)
        num_classes = None
        if class_mode not in self._UNLABELLED:
            df, classes = self._filter_classes(df, y_col, classes)
            num_classes = len(classes)
            self.class_indices = dict(zip(classes, range(len(classes))))
        if self.split:
            start, stop = int(self.split[0] * len(df)), int(self.split[1] * len(df))
            df = df.iloc[start:stop, :]
        if class_mode not in self._UNLABELLED:
            self.classes = self.get_classes(df, y_col)
        self.filenames = df[x_col].tolist()
        self._sample_weight = df[weight_col].values if weight_col else None
        if class_mode == "multi_output":
            self._targets = [np.array(df[col].tolist()) for col in y_col]
        if class_mode == "raw":
            self._targets = df[y_col].values
        self.samples = len(self.filenames)
        validated = "validated" if validate_filenames else "non-validated"
        if num_classes is None:
            print(f"Found {self.samples} {validated} image filenames.")
        else:
            print(f"Found {self.samples} {validated} image filenames belonging to "
                  f"{num_classes} classes.")
        self._filepaths = [os.path.join(self.directory, f) for f in self.filenames]
        super().__init__(self.samples, batch_size, shuffle, seed)

    def _check_params(self, df, x_col, y_col, weight_col, classes):
        mode = self.class_mode
        self._check_class_mode(mode)
        if mode == "multi_output" and not isinstance(y_col, list):
            raise TypeError(f'If class_mode="{mode}", y_col must be a list. Received '
                            f"{type(y_col).__name__}.")
        for col in [x_col] + ([] if mode in ("input", None) else
                              (y_col if isinstance(y_col, list) else [y_col])):
            if col not in df.columns:
                raise KeyError(f"Column {col!r} is not in the dataframe (columns: "
                               f"{list(df.columns)}). Set `x_col`/`y_col` to its name.")
        if not all(df[x_col].apply(lambda v: isinstance(v, str))):
            raise TypeError(f"All values in column x_col={x_col} must be strings.")
        if mode in ("binary", "sparse") and \
                not all(df[y_col].apply(lambda v: isinstance(v, str))):
            raise TypeError(f'If class_mode="{mode}", y_col="{y_col}" column values must '
                            "be strings.")
        if mode == "binary":
            if classes:
                if len(set(classes)) != 2:
                    raise ValueError('If class_mode="binary" there must be 2 classes. '
                                     f"{len(set(classes))} class/es were given.")
            elif df[y_col].nunique() != 2:
                raise ValueError('If class_mode="binary" there must be 2 classes. '
                                 f"Found {df[y_col].nunique()} classes.")
        if mode == "categorical" and \
                not all(df[y_col].apply(lambda v: isinstance(v, (str, list, tuple)))):
            raise TypeError(f'If class_mode="{mode}", y_col="{y_col}" column values must '
                            "be type string, list or tuple.")
        if classes and mode in self._UNLABELLED:
            warnings.warn(f'`classes` will be ignored given the class_mode="{mode}"')
        if weight_col and not issubclass(df[weight_col].dtype.type, np.number):
            raise TypeError(f"Column weight_col={weight_col} must be numeric.")

    def get_classes(self, df, y_col):
        """The class index (or list of indices) of every row."""
        return [[self.class_indices[c] for c in label] if isinstance(label, (list, tuple))
                else self.class_indices[label] for label in df[y_col]]

    @staticmethod
    def _filter_classes(df, y_col, classes):
        df = df.copy()

        def keep(labels, wanted):
            if isinstance(labels, (list, tuple)):
                return [c for c in labels if c in wanted] or None
            if isinstance(labels, str):
                return labels if labels in wanted else None
            raise TypeError(f"Expect string, list or tuple but found {type(labels)} in "
                            f"{y_col} column ")

        if classes:
            classes = set(classes)
            df[y_col] = df[y_col].apply(lambda labels: keep(labels, classes))
        else:
            classes = set()
            for labels in df[y_col]:
                classes.update(labels if isinstance(labels, (list, tuple)) else [labels])
        return df.dropna(subset=[y_col]), sorted(classes)

    def _filter_valid_filepaths(self, df, x_col):
        paths = df[x_col].map(lambda fname: os.path.join(self.directory, fname))
        mask = paths.apply(_image_io.validate_filename, args=(self.white_list_formats,))
        n_invalid = int((~mask).sum())
        if n_invalid:
            warnings.warn(f'Found {n_invalid} invalid image filename(s) in x_col="{x_col}". '
                          "These filename(s) will be ignored.")
        return df[mask]

    def _check_not_empty(self):
        if not self.n:
            raise ValueError(
                "`flow_from_dataframe` has no images to read: after dropping missing or "
                f"non-image files (directory={self.directory!r}) and unknown classes, no "
                "row of the dataframe is left. Check `directory`, `x_col` and `classes`.")

    @property
    def filepaths(self):
        """Paths of the image files."""
        return self._filepaths

    @property
    def labels(self):
        """The targets: class indices, or the `y_col` values for "raw" and
        "multi_output"."""
        if self.class_mode in ("multi_output", "raw"):
            return self._targets
        return self.classes

    @property
    def sample_weight(self):
        return self._sample_weight
