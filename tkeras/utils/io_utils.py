"""File helpers (Keras 2's `keras.utils.io_utils`): the one atomic write every tkeras
writer uses, and the overwrite prompt.

An atomic write goes to a temporary file `.<name>.<random>.tmp` in the target's folder
and replaces the target only once complete, so a crash at any moment leaves either the
old file or the new one, never a partial one. A process killed mid-write (SIGKILL, power
loss) cannot remove its temporary file; the next successful write of the same target
removes such leftovers: only files named exactly like our temporary files for that
target, and only those last modified before that write started (a concurrent writer's
file in progress is left alone).
"""
import contextlib
import os
import re
import stat
import tempfile
import time

__all__ = ["atomic_path", "atomic_write", "ask_to_proceed_with_overwrite", "HDF5Matrix",
           "H5Dict", "h5dict", "save_to_binary_h5py", "load_from_binary_h5py"]

# `tempfile.mkstemp` names: prefix + 8 characters of this alphabet + suffix.
_MKSTEMP_RANDOM = "[a-z0-9_]{8}"
_TMP_SUFFIX = ".tmp"
_CLOCK_MARGIN_S = 0.02


def _tmp_prefix(basename):
    return "." + basename + "."


def _stale_pattern(basename):
    return re.compile(re.escape(_tmp_prefix(basename)) + _MKSTEMP_RANDOM
                      + re.escape(_TMP_SUFFIX) + r"\Z")


def _remove_stale_temporaries(path, started):
    """Removes `.<name>.<random>.tmp` regular files beside `path` last modified before
    `started` (leftovers of writes of `path` that were killed)."""
    folder, basename = os.path.split(path)
    pattern = _stale_pattern(basename)
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        if not pattern.match(name):
            continue
        candidate = os.path.join(folder, name)
        with contextlib.suppress(OSError):
            info = os.lstat(candidate)
            if stat.S_ISREG(info.st_mode) and info.st_mtime < started:
                os.remove(candidate)


@contextlib.contextmanager
def atomic_path(path):
    """Yields a temporary path beside `path` to write the new file to; when the block
    ends without error, the file replaces `path` (`os.replace`) and stale temporary
    files of earlier interrupted writes of `path` are removed. On any error (or
    KeyboardInterrupt) the temporary file is removed and `path` is left as it was.

    Example:

    >>> import os, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> target = os.path.join(folder, "notes.txt")
    >>> with atomic_path(target) as tmp:
    ...     with open(tmp, "w") as f:
    ...         _ = f.write("complete")
    >>> open(target).read(), os.listdir(folder)
    ('complete', ['notes.txt'])
    """
    path = os.path.abspath(os.fspath(path))
    folder = os.path.dirname(path)
    os.makedirs(folder, exist_ok=True)
    # File timestamps come from a coarse kernel clock that lags time.time() by up to a
    # tick: the margin keeps a file another writer touched just now out of the cleanup.
    started = time.time() - _CLOCK_MARGIN_S
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=_tmp_prefix(os.path.basename(path)),
                               suffix=_TMP_SUFFIX)
    os.close(fd)
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise
    _remove_stale_temporaries(path, started)


def atomic_write(path, write, binary=False, fsync=True):
    """Calls `write(f)` on a new file opened for writing (text, or bytes if `binary`)
    that atomically replaces `path` once `write` returns; see `atomic_path`.

    Args:
        path: the target file.
        write: `file object -> None`, writes the whole content.
        binary: open the file in binary mode. Defaults to `False`.
        fsync: flush the data to disk before the rename, so the new file survives a
            power loss too. Defaults to `True`.
    """
    with atomic_path(path) as tmp:
        with open(tmp, "wb" if binary else "w") as f:
            write(f)
            if fsync:
                f.flush()
                os.fsync(f.fileno())


def ask_to_proceed_with_overwrite(filepath):
    """Asks the user on stdin whether to overwrite `filepath`; True for "y"."""
    answer = input(f"[WARNING] {os.fspath(filepath)} already exists - overwrite? [y/n]")
    while answer.strip().lower() not in ("y", "n"):
        answer = input('Enter "y" (overwrite) or "n" (cancel).')
    if answer.strip().lower() == "n":
        print("[TIP] Next time specify overwrite=True!")
        return False
    return True


from tkeras.utils._hdf5_matrix import HDF5Matrix  # noqa: E402,F401  (Keras 2's path)
from tkeras.utils._h5dict import (  # noqa: E402,F401  (Keras 2.3.1's saving helpers)
    H5Dict,
    h5dict,
    load_from_binary_h5py,
    save_to_binary_h5py,
)
