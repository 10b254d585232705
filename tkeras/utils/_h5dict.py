"""Keras 2.3.1's `keras.utils.io_utils` saving helpers: `H5Dict` (one dict-like view of
an HDF5 group, an HDF5 file or a plain dict) and the in-memory HDF5 file helpers
`save_to_binary_h5py` / `load_from_binary_h5py`."""
import io
import os

import numpy as np

# HDF5's object header limit: larger attribute lists are split into numbered chunks.
_HEADER_LIMIT = 64512


def _h5py():
    import h5py

    return h5py


class H5Dict:
    """A dict-like view of an HDF5 group or file, or of a plain dict (Keras 2.3.1's
    model-serialization helper).

    NumPy arrays are stored as datasets, everything else as attributes (lists of
    strings larger than HDF5's header limit in numbered chunks); reading a missing key
    creates a sub-group (except in read-only mode), as in Keras 2.3.1.

    Args:
        path: A file path (`str` or `pathlib.Path`), an `h5py.Group`, or a `dict`.
        mode: `'a'`, `'r'` or `'w'` (for a path: the file mode; for a dict, `'w'`
            clears it). Defaults to `'a'`.

    Example:

    >>> d = H5Dict({})
    >>> d["weights"] = np.arange(3)
    >>> d["layer"]["name"] = "dense_1"
    >>> d["weights"].tolist(), d["layer"]["name"], "layer" in d
    ([0, 1, 2], 'dense_1', True)
    """

    def __init__(self, path, mode="a"):
        h5py = _h5py()
        if isinstance(path, h5py.Group):
            self.data, self._is_file = path, False
        elif isinstance(path, (str, os.PathLike)):
            self.data, self._is_file = h5py.File(path, mode=mode), True
        elif isinstance(path, dict):
            self.data, self._is_file = path, False
            if mode == "w":
                path.clear()
            path["_is_group"] = True
        else:
            raise TypeError(f"Required Group, str, Path or dict. Received: {type(path)}.")
        self.read_only = mode == "r"

    @staticmethod
    def is_supported_type(path):
        """Whether `H5Dict(path)` accepts `path`."""
        return isinstance(path, (_h5py().Group, dict, str, os.PathLike))

    def _check_writable(self, what):
        if self.read_only:
            raise ValueError(f"Cannot {what} in read-only mode.")

    def __setitem__(self, attr, val):
        self._check_writable("set item")
        if isinstance(attr, bytes):
            attr = attr.decode("utf-8")
        if isinstance(self.data, dict):
            self.data[attr] = np.array(val) if isinstance(val, np.ndarray) else val
            return
        if attr in self.data:
            raise KeyError(f'Cannot set attribute. Group with name "{attr}" exists.')
        if type(val).__module__ == np.__name__:
            self.data.create_dataset(attr, data=val)
        elif isinstance(val, (list, tuple)):
            self._set_list(attr, val)
        else:
            self.data.attrs[attr] = val

    def _set_list(self, attr, values):
        too_big = [x for x in values if len(x) > _HEADER_LIMIT]
        if too_big:
            raise RuntimeError(
                "The following attributes cannot be saved to HDF5 file because they are "
                f"larger than {_HEADER_LIMIT} bytes: {', '.join(map(str, too_big))}")
        if values and isinstance(values[0], str):
            values = [x.encode("utf-8") for x in values]
        array = np.asarray(values)
        chunks = 1
        while any(c.nbytes > _HEADER_LIMIT for c in np.array_split(array, chunks)):
            chunks += 1
        if chunks == 1:
            self.data.attrs[attr] = array
            return
        for i, chunk in enumerate(np.array_split(array, chunks)):
            self.data.attrs[f"{attr}{i}"] = chunk

    def __getitem__(self, attr):
        if isinstance(attr, bytes):
            attr = attr.decode("utf-8")
        if isinstance(self.data, dict):
            if attr in self.data:
                val = self.data[attr]
                return H5Dict(val) if isinstance(val, dict) and val.get("_is_group") else val
            self._check_writable("create group")
            self.data[attr] = {"_is_group": True}
            return H5Dict(self.data[attr])
        if attr in self.data.attrs:
            val = self.data.attrs[attr]
            if isinstance(val, np.ndarray) and val.dtype.kind == "S":
                val = val.tolist()
            return val
        if attr in self.data:
            val = self.data[attr]
            return np.asarray(val) if isinstance(val, _h5py().Dataset) else H5Dict(val)
        if f"{attr}0" in self.data.attrs:  # a list saved in chunks
            out, i = [], 0
            while f"{attr}{i}" in self.data.attrs:
                out += [x.decode("utf8") for x in self.data.attrs[f"{attr}{i}"]]
                i += 1
            return out
        self._check_writable("create group")
        return H5Dict(self.data.create_group(attr))

    def __len__(self):
        return len(self.data)

    def __iter__(self):
        return iter(self.data)

    def iter(self):
        """Iterates over the keys (Keras 2.3.1's spelling)."""
        return iter(self.data)

    def __contains__(self, key):
        if isinstance(self.data, dict):
            return key in self.data
        return key in self.data or key in self.data.attrs

    def get(self, key, default=None):
        """`self[key]` if the key is there, else `default`."""
        return self[key] if key in self else default

    def close(self):
        """Flushes, and closes the file this `H5Dict` opened."""
        if isinstance(self.data, _h5py().Group):
            self.data.file.flush()
            if self._is_file:
                self.data.close()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        self.close()


h5dict = H5Dict


def save_to_binary_h5py(save_function, stream):
    """Calls `save_function(h5py_file)` on an in-memory HDF5 file, writes the file's
    bytes to `stream` (anything with `write(bytes)`) and returns what `save_function`
    returned.

    Example:

    >>> buf = io.BytesIO()
    >>> save_to_binary_h5py(lambda f: f.create_dataset("x", data=[1, 2]).shape, buf)
    (2,)
    >>> load_from_binary_h5py(lambda f: f["x"][()].tolist(), io.BytesIO(buf.getvalue()))
    [1, 2]
    """
    buffer = io.BytesIO()
    with _h5py().File(buffer, "w") as f:
        result = save_function(f)
    stream.write(buffer.getvalue())
    return result


def load_from_binary_h5py(load_function, stream):
    """Calls `load_function(h5py_file)` on the HDF5 file whose bytes `stream.read()`
    returns (read-only), and returns its result."""
    with _h5py().File(io.BytesIO(stream.read()), "r") as f:
        return load_function(f)
