"""Safe archive extraction for `get_file(..., extract=True)` (Keras 2's
`keras.utils.data_utils._extract_archive`).

Keras 2.3.1 calls `extractall` on whatever the archive holds. tkeras checks every
member first and refuses an archive with a member that would land outside the target
folder: a `../` path, an absolute path, a member written through a link the archive
made, or a link (symbolic or hard) pointing out of the folder. The archive is
extracted into a temporary folder inside the target folder and moved into place only
once whole, so a refused, corrupt or interrupted extraction leaves the target folder as
it was.

`tarfile` and `zipfile` are imported inside the functions, so `import tkeras` does not
pay for them.
"""
import os
import shutil
import tempfile

__all__ = ["extract_archive"]

_ARCHIVE_FORMATS = ("tar", "zip")


def extract_archive(file_path, path=".", archive_format="auto"):
    """Extracts a tar (also tar.gz, tar.bz2) or zip archive into a folder.

    Args:
        file_path: Path of the archive.
        path: Folder to extract into. Defaults to `'.'`.
        archive_format: Formats to try, in order: `'auto'` (`['tar', 'zip']`),
            `'tar'`, `'zip'`, a list of these, or `None` (none). Defaults to `'auto'`.

    Returns:
        `True` if the file was an archive of one of the formats and was extracted,
        `False` if it matched none of them.

    Raises:
        ValueError: when a member would land outside `path`, or the archive is
            corrupt; nothing is extracted then.

    Example:

    >>> import os, tempfile, zipfile
    >>> folder = tempfile.mkdtemp()
    >>> archive = os.path.join(folder, "notes.zip")
    >>> with zipfile.ZipFile(archive, "w") as z:
    ...     z.writestr("notes/a.txt", "hello")
    >>> extract_archive(archive, folder)
    True
    >>> open(os.path.join(folder, "notes", "a.txt")).read()
    'hello'
    >>> with zipfile.ZipFile(archive, "w") as z:
    ...     z.writestr("../evil.txt", "gotcha")
    >>> extract_archive(archive, folder)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: Refusing to extract ...notes.zip: its member '../evil.txt' would be ...
    """
    import tarfile
    import zipfile

    path = os.path.abspath(os.fspath(path))
    for fmt in archive_formats(archive_format):
        if fmt == "tar" and tarfile.is_tarfile(file_path):
            _extract_into(file_path, path, _extract_tar)
            return True
        if fmt == "zip" and zipfile.is_zipfile(file_path):
            _extract_into(file_path, path, _extract_zip)
            return True
    return False


def archive_formats(archive_format):
    """The list of formats to try for an `archive_format` argument, checked.

    Example:

    >>> archive_formats("auto"), archive_formats("zip"), archive_formats(None)
    (['tar', 'zip'], ['zip'], [])
    """
    if archive_format is None:
        return []
    if archive_format == "auto":
        return list(_ARCHIVE_FORMATS)
    formats = [archive_format] if isinstance(archive_format, str) else archive_format
    try:
        formats = list(formats)
    except TypeError:
        formats = None
    if formats is None or any(f not in _ARCHIVE_FORMATS for f in formats):
        raise ValueError(
            "`archive_format` must be 'auto', 'tar', 'zip', a list of those, or None. "
            f"Received: archive_format={archive_format!r}.")
    return formats


def _extract_into(file_path, path, extract):
    """Runs `extract(file_path, folder)` into a new temporary folder inside `path`, then
    moves what it wrote into `path`: a failure leaves `path` as it was."""
    import tarfile
    import zipfile
    import zlib

    os.makedirs(path, exist_ok=True)
    staging = tempfile.mkdtemp(dir=path, prefix=".extract-", suffix=".tmp")
    try:
        try:
            extract(file_path, staging)
        except getattr(tarfile, "FilterError", ()) as e:
            raise ValueError(
                f"Refusing to extract {file_path}: {e}. The archive may be malicious; "
                "nothing was extracted. Only extract archives from sources you trust."
            ) from e
        except (tarfile.TarError, zipfile.BadZipFile, zlib.error, EOFError) as e:
            raise ValueError(
                f"Could not extract {file_path}: {e}. The archive seems incomplete or "
                "corrupted; delete it and call `get_file` again to download it anew."
            ) from e
        _check_links_stay_inside(file_path, staging)
        _merge_into(staging, path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _refuse(file_path, name, reason):
    raise ValueError(
        f"Refusing to extract {file_path}: its member {name!r} {reason} outside the "
        "folder it is extracted to. The archive may be malicious; nothing was "
        "extracted. Only extract archives from sources you trust.")


def _inside(folder, name):
    """Whether relative archive path `name` stays inside `folder` (lexically)."""
    if os.path.isabs(name) or name.startswith(("/", "\\")):
        return False
    target = os.path.normpath(os.path.join(folder, name))
    return target == folder or target.startswith(folder + os.sep)


def _check_member_path(file_path, folder, name, link_names):
    if os.path.isabs(name) or name.startswith(("/", "\\")):
        _refuse(file_path, name, "is an absolute path, which would be written")
    if not _inside(folder, name):
        _refuse(file_path, name, "would be written")
    # Writing through a link the archive itself made could land anywhere.
    parts = os.path.normpath(name).split(os.sep)
    for i in range(1, len(parts)):
        if os.path.join(*parts[:i]) in link_names:
            _refuse(file_path, name, "would be written through a link and could land")


def _extract_tar(file_path, folder):
    import tarfile

    with tarfile.open(file_path) as archive:
        members = archive.getmembers()
        links = set()
        for m in members:
            _check_member_path(file_path, folder, m.name, links)
            if m.issym():
                target = os.path.join(os.path.dirname(m.name), m.linkname)
                if os.path.isabs(m.linkname) or not _inside(folder, target):
                    _refuse(file_path, m.name, f"is a link to {m.linkname!r}, a place")
                links.add(os.path.normpath(m.name))
            elif m.islnk():
                if not _inside(folder, m.linkname):
                    _refuse(file_path, m.name, f"is a link to {m.linkname!r}, a place")
                _check_member_path(file_path, folder, m.linkname, links)
            elif not (m.isfile() or m.isdir()):
                raise ValueError(
                    f"Refusing to extract {file_path}: its member {m.name!r} is a "
                    "device or pipe, not a file, folder or link.")
        if hasattr(tarfile, "data_filter"):  # Python's own checks too, where it has them
            archive.extractall(folder, members=members, filter="data")
        else:
            archive.extractall(folder, members=members)


def _extract_zip(file_path, folder):
    import zipfile

    with zipfile.ZipFile(file_path) as archive:
        names = archive.namelist()
        for name in names:
            # zipfile would silently rewrite such names; refuse them instead.
            if ".." in name.replace("\\", "/").split("/"):
                _refuse(file_path, name, "would be written")
            _check_member_path(file_path, folder, name, set())
        archive.extractall(folder)


def _check_links_stay_inside(file_path, folder):
    """After extraction: every link, resolved by the file system, stays in `folder`
    (catches chains of links each of which looked harmless on its own)."""
    real_folder = os.path.realpath(folder)
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = os.path.join(root, name)
            if os.path.islink(path):
                real = os.path.realpath(path)
                if real != real_folder and not real.startswith(real_folder + os.sep):
                    _refuse(file_path, os.path.relpath(path, folder),
                            f"is a link to {os.readlink(path)!r}, which resolves to a place")


def _merge_into(staging, path):
    """Moves everything under `staging` into `path`, replacing files of the same name
    and merging folders (as extracting over an earlier extraction would)."""
    for name in os.listdir(staging):
        source, target = os.path.join(staging, name), os.path.join(path, name)
        if (os.path.isdir(source) and not os.path.islink(source)
                and os.path.isdir(target) and not os.path.islink(target)):
            _merge_into(source, target)
        else:
            if os.path.isdir(target) and not os.path.islink(target):
                shutil.rmtree(target)
            elif os.path.lexists(target) and os.path.isdir(source):
                os.remove(target)  # a file or link where a folder now goes
            os.replace(source, target)
