"""`tkeras.utils.get_file`: download, cache, hash checks and safe extraction, against a
real HTTP server on 127.0.0.1 (no mock of the network layer). Every test caches under
`tmp_path` (`KERAS_HOME`), never in the real `~/.keras`."""
import contextlib
import hashlib
import http.server
import io
import os
import tarfile
import signal
import threading
import time
import zipfile

import pytest

from tkeras.utils import data_utils, get_file


class _Server:
    """Serves `files` (path -> bytes) and counts the requests per path. `/drop/...`
    promises more bytes than it sends, then closes the connection; `/hangup` closes it
    without an answer; `/slow` sends part of the body, then pauses."""

    def __init__(self):
        self.files = {}
        self.requests = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                path = self.path.split("?")[0]
                server.requests.append(path)
                if path == "/hangup":  # closes the connection without an answer
                    self.close_connection = True
                    return
                if path == "/slow":  # a part of the body, then a long pause
                    self.send_response(200)
                    self.send_header("Content-Length", str(10 * len(DATA)))
                    self.end_headers()
                    with contextlib.suppress(OSError):
                        self.wfile.write(DATA)
                        self.wfile.flush()
                        time.sleep(3)
                    return
                if path.startswith("/drop/"):
                    body = server.files[path[len("/drop"):]]
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(body) * 4))
                    self.end_headers()
                    self.wfile.write(body)
                    self.wfile.flush()
                    self.close_connection = True
                    return
                body = server.files.get(path)
                if body is None:
                    self.send_error(404, "Not Found")
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,),
                                       daemon=True)
        self.thread.start()

    def url(self, path):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = _Server()
    yield s
    s.close()


@pytest.fixture
def keras_home(tmp_path, monkeypatch):
    home = tmp_path / "keras_home"
    monkeypatch.setenv("KERAS_HOME", str(home))
    return home


def _sha256(data):
    return hashlib.sha256(data).hexdigest()


def _md5(data):
    return hashlib.md5(data).hexdigest()


def _listing(folder):
    return sorted(os.listdir(folder))


def _targz(members):
    """A tar.gz of `members`: name -> bytes, or a `tarfile.TarInfo` for links."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, content in members.items():
            if isinstance(content, tarfile.TarInfo):
                tar.addfile(content)
            else:
                info = tarfile.TarInfo(name)
                info.size = len(content)
                tar.addfile(info, io.BytesIO(content))
    return buf.getvalue()


def _link(name, target, kind=tarfile.SYMTYPE):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    return info


def _zip(members):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, content in members.items():
            z.writestr(name, content)
    return buf.getvalue()


DATA = b"0123456789" * 5000  # 50 kB: several 8 KiB blocks


# --- download and cache -----------------------------------------------------------

def test_get_file_downloads_into_keras_home_datasets(server, keras_home, capsys):
    server.files["/data.bin"] = DATA
    path = get_file("data.bin", server.url("/data.bin"))
    assert path == os.path.join(str(keras_home), "datasets", "data.bin")
    with open(path, "rb") as f:
        assert f.read() == DATA
    out = capsys.readouterr().out
    assert f"Downloading data from {server.url('/data.bin')}" in out
    # Keras 2's bar counts whole 8 KiB blocks: 7 blocks for 50000 bytes.
    assert f"\r{7 * 8192}/50000 [==============================" in out
    assert out.endswith("/step\n")
    assert _listing(os.path.dirname(path)) == ["data.bin"]


def test_cached_file_is_not_downloaded_again(server, keras_home):
    server.files["/data.bin"] = DATA
    first = get_file("data.bin", server.url("/data.bin"))
    second = get_file("data.bin", server.url("/data.bin"))
    assert first == second
    assert server.requests == ["/data.bin"]


def test_cached_file_with_matching_hash_is_not_downloaded_again(server, keras_home):
    server.files["/data.bin"] = DATA
    get_file("data.bin", server.url("/data.bin"), file_hash=_sha256(DATA))
    get_file("data.bin", server.url("/data.bin"), file_hash=_sha256(DATA))
    get_file("data.bin", server.url("/data.bin"), md5_hash=_md5(DATA))
    assert server.requests == ["/data.bin"]


@pytest.mark.parametrize("kwargs", [
    {"file_hash": _sha256(DATA)},
    {"file_hash": _md5(DATA)},
    {"file_hash": _md5(DATA), "hash_algorithm": "md5"},
    {"file_hash": _sha256(DATA), "hash_algorithm": "sha256"},
    {"md5_hash": _md5(DATA)},
])
def test_download_checks_md5_and_sha256_hashes(server, keras_home, kwargs):
    server.files["/data.bin"] = DATA
    path = get_file("data.bin", server.url("/data.bin"), **kwargs)
    with open(path, "rb") as f:
        assert f.read() == DATA


def test_hash_mismatch_names_file_and_both_hashes_and_saves_nothing(server, keras_home):
    server.files["/data.bin"] = DATA
    wrong = "0" * 64
    with pytest.raises(ValueError) as info:
        get_file("data.bin", server.url("/data.bin"), file_hash=wrong)
    message = str(info.value)
    assert "data.bin" in message and server.url("/data.bin") in message
    assert f"Expected: {wrong}, received: {_sha256(DATA)}" in message
    assert _listing(keras_home / "datasets") == []


def test_cached_file_with_wrong_hash_is_downloaded_again(server, keras_home, capsys):
    server.files["/data.bin"] = DATA
    (keras_home / "datasets").mkdir(parents=True)
    (keras_home / "datasets" / "data.bin").write_bytes(b"truncated")
    path = get_file("data.bin", server.url("/data.bin"), file_hash=_md5(DATA))
    with open(path, "rb") as f:
        assert f.read() == DATA
    assert server.requests == ["/data.bin"]
    assert "so we will re-download the data" in capsys.readouterr().out


def test_cached_file_without_hash_is_trusted(server, keras_home):
    (keras_home / "datasets").mkdir(parents=True)
    (keras_home / "datasets" / "data.bin").write_bytes(b"mine")
    path = get_file("data.bin", server.url("/data.bin"))
    assert open(path, "rb").read() == b"mine"
    assert server.requests == []


# --- where files go ---------------------------------------------------------------

def test_keras_home_is_honoured_and_cache_dir_overrides_it(server, keras_home, tmp_path):
    server.files["/data.bin"] = DATA
    assert get_file("data.bin", server.url("/data.bin")).startswith(str(keras_home))
    other = tmp_path / "elsewhere"
    path = get_file("data.bin", server.url("/data.bin"), cache_dir=str(other),
                    cache_subdir="models")
    assert path == os.path.join(str(other), "models", "data.bin")


def test_absolute_fname_and_absolute_cache_subdir(server, keras_home, tmp_path):
    server.files["/data.bin"] = DATA
    target = tmp_path / "exact" / "place.bin"
    assert get_file(str(target), server.url("/data.bin")) == str(target)
    folder = tmp_path / "folder"
    assert get_file("x.bin", server.url("/data.bin"), cache_subdir=str(folder)) \
        == str(folder / "x.bin")


def test_fname_none_takes_the_name_from_the_url(server, keras_home):
    server.files["/files/data.bin"] = DATA
    path = get_file(None, server.url("/files/data.bin?version=2"))
    assert os.path.basename(path) == "data.bin"


# --- network failures ---------------------------------------------------------------

def test_dropped_connection_is_a_fetch_failure_and_leaves_no_file(server, keras_home):
    server.files["/data.bin"] = DATA
    url = server.url("/drop/data.bin")
    with pytest.raises(Exception, match=f"URL fetch failure on {url} : .*incomplete"):
        get_file("data.bin", url)
    assert _listing(keras_home / "datasets") == []


def test_interrupted_download_leaves_no_file(server, keras_home):
    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, 0.5)  # Ctrl-C while the server pauses
    try:
        with pytest.raises(KeyboardInterrupt):
            get_file("data.bin", server.url("/slow"))
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert _listing(keras_home / "datasets") == []


def test_server_hanging_up_without_answer_is_a_fetch_failure(server, keras_home):
    url = server.url("/hangup")
    with pytest.raises(Exception, match=f"URL fetch failure on {url} : None -- "):
        get_file("data.bin", url)
    assert _listing(keras_home / "datasets") == []


def test_http_error_is_keras_fetch_failure_message(server, keras_home):
    url = server.url("/missing.bin")
    with pytest.raises(Exception, match=f"URL fetch failure on {url} : 404 -- Not Found"):
        get_file("missing.bin", url)
    assert _listing(keras_home / "datasets") == []


def test_unreachable_host_is_a_fetch_failure(keras_home):
    # A port nothing listens on: bind one, then close it.
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/data.bin"
    with pytest.raises(Exception, match=f"URL fetch failure on {url} : "):
        get_file("data.bin", url)
    assert _listing(keras_home / "datasets") == []


def test_argument_errors_name_the_argument(keras_home):
    with pytest.raises(ValueError, match="Received: hash_algorithm='sha1'"):
        get_file("a", "http://127.0.0.1/a", file_hash="x", hash_algorithm="sha1")
    with pytest.raises(ValueError, match="Received: archive_format='rar'"):
        get_file("a", "http://127.0.0.1/a", extract=True, archive_format="rar")


# --- hash helpers -------------------------------------------------------------------

def test_validate_file_and_hash_file(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(DATA)
    assert data_utils._hash_file(str(path)) == _sha256(DATA)
    assert data_utils.hash_file(str(path), algorithm="md5") == _md5(DATA)
    assert data_utils.validate_file(str(path), _sha256(DATA))
    assert data_utils.validate_file(str(path), _md5(DATA))
    assert data_utils.validate_file(str(path), _md5(DATA), algorithm="md5", chunk_size=7)
    assert not data_utils.validate_file(str(path), _md5(b"other"))
    assert not data_utils.validate_file(str(path), _md5(DATA), algorithm="sha256")


# --- extraction ---------------------------------------------------------------------

def test_untar_extracts_once_and_returns_the_folder(server, keras_home):
    server.files["/pkg.tar.gz"] = _targz({"pkg/a.txt": b"A", "pkg/sub/b.txt": b"B"})
    path = get_file("pkg", server.url("/pkg.tar.gz"), untar=True)
    assert path == os.path.join(str(keras_home), "datasets", "pkg")
    assert open(os.path.join(path, "sub", "b.txt"), "rb").read() == b"B"
    assert _listing(keras_home / "datasets") == ["pkg", "pkg.tar.gz"]
    assert get_file("pkg", server.url("/pkg.tar.gz"), untar=True) == path
    assert server.requests == ["/pkg.tar.gz"]


@pytest.mark.parametrize("fmt", ["auto", "tar", ["zip", "tar"]])
def test_extract_tar_gz(server, keras_home, fmt):
    server.files["/d.tar.gz"] = _targz({"d/a.txt": b"A"})
    path = get_file("d.tar.gz", server.url("/d.tar.gz"), extract=True, archive_format=fmt)
    assert path.endswith("d.tar.gz")
    assert (keras_home / "datasets" / "d" / "a.txt").read_bytes() == b"A"


def test_extract_tar_bz2(server, keras_home):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:bz2") as tar:
        info = tarfile.TarInfo("b/a.txt")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"A"))
    server.files["/b.tar.bz2"] = buf.getvalue()
    get_file("b.tar.bz2", server.url("/b.tar.bz2"), extract=True)
    assert (keras_home / "datasets" / "b" / "a.txt").read_bytes() == b"A"


@pytest.mark.parametrize("fmt", ["auto", "zip"])
def test_extract_zip(server, keras_home, fmt):
    server.files["/z.zip"] = _zip({"z/a.txt": b"A", "z/b/c.txt": b"C"})
    get_file("z.zip", server.url("/z.zip"), extract=True, archive_format=fmt)
    assert (keras_home / "datasets" / "z" / "b" / "c.txt").read_bytes() == b"C"


def test_archive_format_that_does_not_match_extracts_nothing(server, keras_home):
    server.files["/z.zip"] = _zip({"z/a.txt": b"A"})
    get_file("z.zip", server.url("/z.zip"), extract=True, archive_format="tar")
    get_file("z.zip", server.url("/z.zip"), extract=True, archive_format=None)
    assert _listing(keras_home / "datasets") == ["z.zip"]


def test_extracting_again_merges_into_the_existing_folder(server, keras_home):
    server.files["/d.zip"] = _zip({"d/a.txt": b"new"})
    folder = keras_home / "datasets" / "d"
    folder.mkdir(parents=True)
    (folder / "a.txt").write_bytes(b"old")
    (folder / "mine.txt").write_bytes(b"kept")
    get_file("d.zip", server.url("/d.zip"), extract=True)
    assert (folder / "a.txt").read_bytes() == b"new"
    assert (folder / "mine.txt").read_bytes() == b"kept"


UNSAFE_TARS = {
    "dotdot": {"ok.txt": b"fine", "../evil.txt": b"gotcha"},
    "nested_dotdot": {"a/../../evil.txt": b"gotcha"},
    "absolute": {"/tmp/tkeras-evil.txt": b"gotcha"},
    "symlink_out": {"ok.txt": b"fine", "link": _link("link", "../../outside")},
    "symlink_absolute": {"link": _link("link", "/etc/passwd")},
    "hardlink_out": {"link": _link("link", "../outside", tarfile.LNKTYPE)},
    "through_symlink": {"d": _link("d", "."), "d/x.txt": b"through a link"},
    "symlink_chain": {"x": _link("x", "."), "y": _link("y", "x/..")},
}


@pytest.mark.parametrize("case", sorted(UNSAFE_TARS))
def test_unsafe_tar_is_refused_and_nothing_is_extracted(server, keras_home, case):
    server.files["/bad.tar.gz"] = _targz(UNSAFE_TARS[case])
    with pytest.raises(ValueError, match="Refusing to extract .*bad.tar.gz.*nothing was "
                                         "extracted"):
        get_file("bad.tar.gz", server.url("/bad.tar.gz"), extract=True)
    assert _listing(keras_home / "datasets") == ["bad.tar.gz"]
    assert not (keras_home / "evil.txt").exists()


def test_unsafe_untar_is_refused_and_nothing_is_extracted(server, keras_home):
    server.files["/bad.tar.gz"] = _targz({"bad/ok.txt": b"fine", "../evil.txt": b"x"})
    with pytest.raises(ValueError, match="its member '../evil.txt' would be written "
                                         "outside"):
        get_file("bad", server.url("/bad.tar.gz"), untar=True)
    assert _listing(keras_home / "datasets") == ["bad.tar.gz"]


@pytest.mark.parametrize("name", ["../evil.txt", "/abs/evil.txt", "a/../../evil.txt"])
def test_unsafe_zip_is_refused_and_nothing_is_extracted(server, keras_home, name):
    server.files["/bad.zip"] = _zip({"ok.txt": b"fine", name: b"gotcha"})
    with pytest.raises(ValueError, match="Refusing to extract .*bad.zip"):
        get_file("bad.zip", server.url("/bad.zip"), extract=True)
    assert _listing(keras_home / "datasets") == ["bad.zip"]


def test_corrupt_archive_is_a_clear_error_and_nothing_half_written(server, keras_home):
    whole = _targz({f"d/{i}.bin": os.urandom(4000) for i in range(20)})
    server.files["/d.tar.gz"] = whole[: len(whole) // 2]
    with pytest.raises(ValueError, match="Could not extract .*d.tar.gz.*delete it"):
        get_file("d.tar.gz", server.url("/d.tar.gz"), extract=True)
    assert _listing(keras_home / "datasets") == ["d.tar.gz"]


def test_untar_of_a_file_that_is_not_a_tar_is_a_clear_error(server, keras_home):
    server.files["/pkg.tar.gz"] = b"not an archive"
    with pytest.raises(ValueError, match="`untar=True` but .*pkg.tar.gz is not a tar"):
        get_file("pkg", server.url("/pkg.tar.gz"), untar=True)


def test_link_chain_is_refused_where_python_has_no_tar_filter(keras_home, monkeypatch):
    # Python < 3.11.4 has no `filter="data"`: our own check after extraction catches a
    # link that only leaves the folder through another link.
    monkeypatch.delattr(tarfile, "data_filter", raising=False)
    archive = keras_home / "chain.tar.gz"
    keras_home.mkdir()
    archive.write_bytes(_targz(UNSAFE_TARS["symlink_chain"]))
    with pytest.raises(ValueError, match="member 'y' is a link to 'x/..', which resolves"):
        data_utils._extract_archive(str(archive), str(keras_home))
    assert _listing(keras_home) == ["chain.tar.gz"]


def test_extraction_replaces_a_file_where_the_archive_has_a_folder(server, keras_home):
    server.files["/d.zip"] = _zip({"d/a.txt": b"A"})
    (keras_home / "datasets").mkdir(parents=True)
    (keras_home / "datasets" / "d").write_bytes(b"a file in the way")
    get_file("d.zip", server.url("/d.zip"), extract=True)
    assert (keras_home / "datasets" / "d" / "a.txt").read_bytes() == b"A"
