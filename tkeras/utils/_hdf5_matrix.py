"""`HDF5Matrix` (Keras 2's `keras.utils.io_utils.HDF5Matrix`): an HDF5 dataset used
where a NumPy array is expected."""
from collections import defaultdict

import numpy as np


class HDF5Matrix:
    """A (slice of a) dataset of an HDF5 file that reads like a NumPy array: `x[i]`,
    `x[a:b]`, `x[[i, j]]`, `len(x)`, `shape`, `dtype`; `np.asarray(x)` (what `fit`,
    `evaluate` and `predict` do with it) reads the whole slice.

    Files are opened read-only once per path and kept open (`HDF5Matrix.refs`), as in
    Keras 2.

    Args:
        datapath: Path of the HDF5 file.
        dataset: Name of the dataset in the file.
        start: First row of the slice. Defaults to `0`.
        end: End (exclusive) of the slice. Defaults to `None`: the last row.
        normalizer: Function applied to every block of rows read. Defaults to `None`.

    Example:

    >>> import h5py, os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "data.h5")
    >>> with h5py.File(path, "w") as f:
    ...     _ = f.create_dataset("x", data=np.arange(12).reshape(6, 2))
    >>> x = HDF5Matrix(path, "x", start=2, end=5, normalizer=lambda a: a * 10)
    >>> len(x), x.shape, x[0].tolist(), x[1:3].tolist()
    (3, (3, 2), [40, 50], [[60, 70], [80, 90]])
    """

    refs = defaultdict(int)

    def __init__(self, datapath, dataset, start=0, end=None, normalizer=None):
        import h5py

        if datapath not in self.refs:
            self.refs[datapath] = h5py.File(datapath, "r")
        f = self.refs[datapath]
        if dataset not in f:
            raise KeyError(f"The HDF5 file {datapath!r} has no dataset {dataset!r}. "
                           f"It has: {sorted(f.keys())}")
        self.data = f[dataset]
        self.start = start
        self.end = self.data.shape[0] if end is None else end
        if not 0 <= self.start <= self.end <= self.data.shape[0]:
            raise ValueError(
                f"`start` and `end` must satisfy 0 <= start <= end <= {self.data.shape[0]} "
                f"(the rows of {dataset!r}). Received: start={start}, end={end}")
        self.normalizer = normalizer
        first = self._read(slice(self.start, self.start + 1))
        self._base_shape = first.shape[1:]
        self._base_dtype = first.dtype

    def _read(self, index):
        values = self.data[index]
        return values if self.normalizer is None else self.normalizer(values)

    def __len__(self):
        return self.end - self.start

    def __getitem__(self, key):
        if isinstance(key, slice):
            first = 0 if key.start is None else key.start
            stop = self.shape[0] if key.stop is None else key.stop
            if stop + self.start > self.end:
                raise IndexError(f"Slice {key} goes past the {len(self)} rows of this "
                                 "HDF5Matrix.")
            return self._read(slice(first + self.start, stop + self.start))
        if isinstance(key, (int, np.integer)):
            if key + self.start >= self.end:
                raise IndexError(f"Index {key} is out of range for {len(self)} rows.")
            return self._read(int(key) + self.start)
        rows = np.asarray(key) if not isinstance(key, np.ndarray) else key
        if rows.size and rows.max() + self.start >= self.end:
            raise IndexError(f"Index {int(rows.max())} is out of range for {len(self)} rows.")
        return self._read((self.start + rows).tolist())

    def __array__(self, dtype=None, copy=None):
        values = np.asarray(self[:])
        return values if dtype is None else values.astype(dtype)

    @property
    def shape(self):
        """`(rows, *row shape)`, as NumPy."""
        return (self.end - self.start,) + tuple(self._base_shape)

    @property
    def dtype(self):
        """The dtype of the rows (after the normalizer)."""
        return self._base_dtype

    @property
    def ndim(self):
        """The rank of the dataset."""
        return self.data.ndim

    @property
    def size(self):
        """The number of elements of the slice."""
        return int(np.prod(self.shape))
