"""Download and cache files (Keras 2's `keras.utils.get_file` and its hash helpers).

The rules, as in Keras 2.3.1:

- Files live in `<cache_dir>/<cache_subdir>/<fname>`; `cache_dir` defaults to
  `$KERAS_HOME`, else `~/.keras`, and falls back to `/tmp/.keras` when that folder
  cannot be written to.
- A file already in the cache is used as it is when no hash is given, or when its hash
  matches; a cached file with the wrong hash is downloaded again.

And where tkeras is stricter than Keras 2.3.1:

- A download goes to a temporary file beside its target, and takes the target's name
  only once it is complete and its hash checked. An interrupted download, a dropped
  connection or a hash mismatch leaves nothing at the target path.
- Archives are checked before anything is extracted and extracted whole or not at all
  (see `tkeras.utils._archive`).

`urllib` is imported inside the functions that need it, so `import tkeras` does not
pay for it.
"""
import contextlib
import hashlib
import os

from tkeras.utils._archive import archive_formats, extract_archive
from tkeras.utils.io_utils import atomic_path
from tkeras.utils.progbar import Progbar

__all__ = ["get_file", "validate_file", "hash_file"]

# Keras 2 reads and reports the download in blocks of 8 KiB (`urlretrieve`), which is
# why its bar ends on a multiple of 8192, e.g. "11493376/11490434".
_BLOCK_SIZE = 8192
_HASH_ALGORITHMS = ("auto", "md5", "sha256")


def get_file(fname, origin, untar=False, md5_hash=None, file_hash=None,
             cache_subdir="datasets", hash_algorithm="auto", extract=False,
             archive_format="auto", cache_dir=None):
    """Downloads a file from a URL if it is not already in the cache.

    By default the file at the URL `origin` is downloaded to the cache folder
    `~/.keras` (or `$KERAS_HOME`), placed in the subfolder `datasets`, and given the
    name `fname`: `example.txt` ends up at `~/.keras/datasets/example.txt`. A file
    already there is not downloaded again (unless `file_hash` is given and the
    cached file does not match it). Archives in tar, tar.gz, tar.bz2 and zip format
    can be extracted next to the downloaded file.

    Args:
        fname: Name of the file. An absolute path `/path/to/file.txt` saves the file
            at that location. `None` takes the last part of `origin`'s path.
        origin: URL of the file.
        untar: Deprecated in favour of `extract`. If `True`, the file is saved as
            `fname + '.tar.gz'`, extracted (once) into the cache subfolder, and the
            path `<cache subfolder>/fname` is returned. Defaults to `False`.
        md5_hash: Deprecated in favour of `file_hash`: the md5 hash of the file.
        file_hash: The expected hash of the file after download, sha256 or md5 (see
            `hash_algorithm`). `sha256sum` and `md5sum` compute it on the command
            line. Defaults to `None` (not checked).
        cache_subdir: Subfolder of the cache folder where the file is saved. An
            absolute path saves the file in that folder. Defaults to `'datasets'`.
        hash_algorithm: `'md5'`, `'sha256'` or `'auto'` (sha256 for a 64-character
            hash, md5 otherwise). Defaults to `'auto'`.
        extract: If `True`, extracts the file (tar or zip) into the cache subfolder
            after it is downloaded or found in the cache. Defaults to `False`.
        archive_format: Formats to try when extracting: `'auto'` (`['tar', 'zip']`),
            `'tar'` (tar, tar.gz, tar.bz2), `'zip'`, a list of these, or `None` (no
            extraction). Defaults to `'auto'`.
        cache_dir: Folder of the cache. Defaults to `None`: `$KERAS_HOME` if set,
            else `~/.keras`; `/tmp/.keras` when that folder is not writable.

    Returns:
        The path of the downloaded file (with `untar=True`, of the extracted folder).

    Raises:
        Exception: `"URL fetch failure on <origin> : ..."` when the download fails
            (as Keras 2); nothing is left at the file's path.
        ValueError: when the downloaded file does not have the expected hash, or an
            archive is corrupt or holds a member that would land outside the
            subfolder.

    Example:

    >>> import os, tempfile
    >>> src = os.path.join(tempfile.mkdtemp(), "notes.txt")
    >>> with open(src, "w") as f:
    ...     _ = f.write("hello")
    >>> cache = tempfile.mkdtemp()
    >>> path = get_file("notes.txt", "file://" + src, cache_dir=cache,
    ...                 file_hash=hash_file(src))  # doctest: +ELLIPSIS
    Downloading data from file://...
    >>> os.path.relpath(path, cache), open(path).read()
    ('datasets/notes.txt', 'hello')
    >>> get_file("notes.txt", "file:///nowhere", cache_dir=cache) == path  # cached
    True
    """
    if fname is None:
        fname = _name_from_url(origin)
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    algorithm = _resolve_algorithm(hash_algorithm, file_hash)
    formats = archive_formats(archive_format)

    datadir = os.path.join(_cache_root(cache_dir), cache_subdir)
    os.makedirs(datadir, exist_ok=True)
    if untar:
        untar_fpath = os.path.join(datadir, fname)
        fpath = untar_fpath + ".tar.gz"
    else:
        fpath = os.path.join(datadir, fname)

    if _needs_download(fpath, file_hash, algorithm):
        _download(origin, fpath, file_hash, algorithm)

    if untar:
        if not os.path.exists(untar_fpath) and not extract_archive(fpath, datadir, "tar"):
            raise ValueError(
                f"`untar=True` but {fpath} is not a tar archive. Delete it and call "
                f"`get_file` again, or check `origin`. Received: origin={origin!r}.")
        return untar_fpath
    if extract:
        extract_archive(fpath, datadir, formats)
    return fpath


def hash_file(fpath, algorithm="sha256", chunk_size=65535):
    """Computes the sha256 or md5 hash of a file (Keras 2's `_hash_file`).

    Args:
        fpath: Path of the file.
        algorithm: `'sha256'`, `'md5'`, or `'auto'` (sha256). Defaults to `'sha256'`.
        chunk_size: Bytes to read at a time. Defaults to `65535`.

    Returns:
        The hash, as a string of hexadecimal digits.

    Example:

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "empty.txt")
    >>> open(path, "w").close()
    >>> hash_file(path)
    'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
    >>> hash_file(path, algorithm="md5")
    'd41d8cd98f00b204e9800998ecf8427e'
    """
    algorithm = _resolve_algorithm(algorithm, None)
    hasher = hashlib.md5() if algorithm == "md5" else hashlib.sha256()
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def validate_file(fpath, file_hash, algorithm="auto", chunk_size=65535):
    """Whether a file has the given sha256 or md5 hash.

    Args:
        fpath: Path of the file.
        file_hash: The expected hash, sha256 or md5.
        algorithm: `'sha256'`, `'md5'`, or `'auto'` (sha256 for a 64-character
            hash, md5 otherwise). Defaults to `'auto'`.
        chunk_size: Bytes to read at a time. Defaults to `65535`.

    Returns:
        `True` if the file's hash is `file_hash`, else `False`.

    Example:

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "empty.txt")
    >>> open(path, "w").close()
    >>> validate_file(path, "d41d8cd98f00b204e9800998ecf8427e")
    True
    >>> validate_file(path, "0" * 64)
    False
    """
    algorithm = _resolve_algorithm(algorithm, file_hash)
    return hash_file(fpath, algorithm, chunk_size) == str(file_hash)


def _resolve_algorithm(algorithm, file_hash):
    """'md5' or 'sha256' for a `hash_algorithm` argument ('auto' picks by length)."""
    name = algorithm.lower() if isinstance(algorithm, str) else algorithm
    if name not in _HASH_ALGORITHMS:
        raise ValueError(
            "`hash_algorithm` must be one of 'auto', 'md5' or 'sha256'. "
            f"Received: hash_algorithm={algorithm!r}.")
    if name == "auto":
        return "md5" if file_hash is not None and len(str(file_hash)) != 64 else "sha256"
    return name


def _name_from_url(origin):
    from urllib.parse import urlsplit

    name = os.path.basename(urlsplit(origin).path)
    if not name:
        raise ValueError(
            "`fname` is None and the URL has no file name to use instead. "
            f"Received: fname=None, origin={origin!r}. Pass a file name as `fname`.")
    return name


def _cache_root(cache_dir):
    """The cache folder: `cache_dir`, `$KERAS_HOME` or `~/.keras`, else `/tmp/.keras`."""
    if cache_dir is None:
        cache_dir = (os.environ.get("KERAS_HOME")
                     or os.path.join(os.path.expanduser("~"), ".keras"))
    root = os.path.expanduser(os.fspath(cache_dir))
    # Keras 2 created `~/.keras` when it was imported; tkeras creates it on first use.
    with contextlib.suppress(OSError):
        os.makedirs(root, exist_ok=True)
    if not os.access(root, os.W_OK):
        root = os.path.join("/tmp", ".keras")
    return root


def _needs_download(fpath, file_hash, algorithm):
    if not os.path.exists(fpath):
        return True
    if file_hash is None or validate_file(fpath, file_hash, algorithm):
        return False
    print("A local file was found, but it seems to be incomplete or outdated because "
          f"the {algorithm} file hash does not match the original value of {file_hash} "
          "so we will re-download the data.")
    # As Keras 2: the known-bad file goes; a failed download does not leave it behind.
    os.remove(fpath)
    return True


def _download(origin, fpath, file_hash, algorithm):
    """Downloads `origin` to `fpath` through a temporary file; checks `file_hash`."""
    print("Downloading data from", origin)
    with atomic_path(fpath) as tmp:
        _fetch(origin, tmp)
        if file_hash is not None:
            actual = hash_file(tmp, algorithm)
            if actual != str(file_hash):
                raise ValueError(
                    f"The file downloaded from {origin} for {fpath} does not have the "
                    f"expected {algorithm} hash. Expected: {file_hash}, received: "
                    f"{actual}. The download may have been corrupted, or the file at the "
                    "origin has changed; nothing was saved. Try again, or check "
                    "`file_hash`.")


def _fetch(origin, path):
    """Writes the bytes at URL `origin` to `path`, with Keras 2's progress bar and its
    "URL fetch failure" message on any network error (a short read included). Errors
    writing `path` are not network errors and propagate as they are."""
    import urllib.error
    import urllib.request

    try:
        response = urllib.request.urlopen(origin)
    except urllib.error.HTTPError as e:
        raise _fetch_failure(origin, e.code, e.msg) from e
    except urllib.error.URLError as e:
        raise _fetch_failure(origin, e.errno, e.reason) from e
    except _network_errors() as e:
        raise _fetch_failure(origin, None, e) from e
    with response, open(path, "wb") as out:
        _copy_with_progress(origin, response, out)


def _copy_with_progress(origin, response, out):
    length = response.headers.get("Content-Length")
    total = int(length) if length and length.strip().isdigit() else None
    progbar = Progbar(total)
    received = blocks = 0
    while True:
        try:
            block = response.read(_BLOCK_SIZE)
        except _network_errors() as e:
            raise _fetch_failure(origin, None, e) from e
        if not block:
            break
        out.write(block)
        received += len(block)
        blocks += 1
        progbar.update(blocks * _BLOCK_SIZE)
    if total is not None and received < total:
        raise _fetch_failure(
            origin, None, f"retrieval incomplete: got only {received} out of {total} bytes")


def _network_errors():
    import http.client

    return (http.client.HTTPException, OSError)


def _fetch_failure(origin, code, reason):
    """Keras 2's error for a failed download (a plain `Exception`, as Keras raises)."""
    return Exception(f"URL fetch failure on {origin} : {code} -- {reason}")
