"""Fetching and reading the dataset files, with one clear error for a damaged file.

Every loader gets its files through `fetch` (Keras 2's `get_file` call, plus
tf.keras's `cache_dir`), and reads them inside `reading`, which turns whatever a
truncated or corrupted file raises into a `ValueError` that names the file and says to
delete it from the cache.
"""
import contextlib
import os

from tkeras.utils.data_utils import get_file


def fetch(fname, origin, file_hash=None, cache_dir=None, **kwargs):
    """`get_file(fname, origin, file_hash=..., cache_dir=...)`; creates `cache_dir`."""
    if cache_dir:
        cache_dir = os.path.expanduser(cache_dir)
        os.makedirs(cache_dir, exist_ok=True)
    return get_file(fname, origin=origin, file_hash=file_hash, cache_dir=cache_dir,
                    **kwargs)


def _damaged_file_errors():
    import gzip
    import pickle
    import zipfile
    import zlib

    return (OSError, EOFError, ValueError, KeyError, zlib.error, zipfile.BadZipFile,
            gzip.BadGzipFile, pickle.UnpicklingError)


@contextlib.contextmanager
def reading(path, cached=None):
    """Reports any error raised while reading `path` as a damaged file; the message
    says to delete `cached` (the paths in the cache it came from, default `[path]`)."""
    try:
        yield
    except _damaged_file_errors() as e:
        if isinstance(e, FileNotFoundError):
            raise
        remove = " ".join(f"'{p}'" for p in (cached or [path]))
        raise ValueError(
            f"Could not read the dataset file {path}: {type(e).__name__}: {e}. The file "
            "seems incomplete or corrupted. Delete it from the cache (for example "
            f"`rm -r {remove}`) and call `load_data()` again to download it anew."
        ) from e


def read_npz(path, keys, allow_pickle=False):
    """The arrays `keys` of the `.npz` file at `path`, read in full.

    `allow_pickle=True` is needed for the object arrays of imdb.npz and reuters.npz
    (lists of word indices), as Keras 2 loads them.
    """
    import numpy as np

    with reading(path), np.load(path, allow_pickle=allow_pickle) as f:
        return tuple(f[k] for k in keys)
