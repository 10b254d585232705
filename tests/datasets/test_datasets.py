"""`tkeras.datasets` against Keras 2 (tf-keras 2.21) on stand-in files in each dataset's
own format (`data/standins.py`; references made by `data/make_references.py`), with no
network: the stand-ins sit in a temporary `KERAS_HOME` cache, and the origins point at
a dead address (or, in the download tests, at a local HTTP server)."""
import ast
import hashlib
import http.server
import importlib.util
import os
import threading
import warnings

import numpy as np
import pytest

from tkeras import backend as K
from tkeras.datasets import (boston_housing, cifar, cifar10, cifar100, fashion_mnist,
                             imdb, mnist, reuters)

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")


def _load_module(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(DATA, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


standins = _load_module("standins")
references = _load_module("make_references")
REFERENCES = np.load(os.path.join(DATA, "references.npz"))
MODULES = {"mnist": mnist, "fashion_mnist": fashion_mnist, "cifar10": cifar10,
           "cifar100": cifar100, "boston_housing": boston_housing, "imdb": imdb,
           "reuters": reuters}
DEAD = "http://127.0.0.1:9/"  # the discard port: any download attempt fails


def _md5(data):
    return hashlib.md5(data).hexdigest()


def _point_at(monkeypatch, base, files):
    """Points every dataset origin at `base` and every hash at the stand-ins'."""
    for name, attr, fname in (("mnist", "_ORIGIN", "mnist.npz"),
                              ("boston_housing", "_ORIGIN", "boston_housing.npz"),
                              ("imdb", "_ORIGIN", "imdb.npz"),
                              ("imdb", "_WORD_INDEX_ORIGIN", "imdb_word_index.json"),
                              ("reuters", "_ORIGIN", "reuters.npz"),
                              ("reuters", "_WORD_INDEX_ORIGIN", "reuters_word_index.json"),
                              ("cifar10", "_ORIGIN", "cifar-10-batches-py.tar.gz"),
                              ("cifar100", "_ORIGIN", "cifar-100-python.tar.gz")):
        monkeypatch.setattr(MODULES[name], attr, base + fname)
    monkeypatch.setattr(fashion_mnist, "_BASE_URL", base + "fashion-mnist/")
    # Keras 2.3.1 gives md5 hashes, except sha256 for boston_housing.
    monkeypatch.setattr(mnist, "_FILE_HASH", _md5(files["mnist.npz"]))
    monkeypatch.setattr(boston_housing, "_FILE_HASH",
                        hashlib.sha256(files["boston_housing.npz"]).hexdigest())
    for module, prefix in ((imdb, "imdb"), (reuters, "reuters")):
        monkeypatch.setattr(module, "_FILE_HASH", _md5(files[f"{prefix}.npz"]))
        monkeypatch.setattr(module, "_WORD_INDEX_HASH",
                            _md5(files[f"{prefix}_word_index.json"]))


@pytest.fixture
def keras_home(tmp_path, monkeypatch):
    home = tmp_path / "keras_home"
    monkeypatch.setenv("KERAS_HOME", str(home))
    return home


@pytest.fixture
def cache(keras_home, monkeypatch):
    """All stand-ins in the cache, and no way to download anything."""
    files = standins.write_all(str(keras_home / "datasets"))
    _point_at(monkeypatch, DEAD, files)
    return keras_home


@pytest.fixture
def image_data_format():
    before = K.image_data_format()
    yield K.set_image_data_format
    K.set_image_data_format(before)


# --- the same arrays as Keras 2 -------------------------------------------------------

def _assert_same(actual, expected, where):
    actual = np.asarray(actual)
    assert actual.shape == expected.shape, where
    assert actual.dtype == expected.dtype, where
    if expected.dtype != object:
        np.testing.assert_array_equal(actual, expected, err_msg=where)
        return
    for got, want in zip(actual.reshape(-1), expected.reshape(-1)):
        assert got == want, where
        if isinstance(want, list):
            assert type(got) is list and all(type(w) is int for w in got), where


@pytest.mark.parametrize("case", sorted(references.CASES))
def test_load_data_returns_what_keras2_returns(cache, image_data_format, case):
    name, kwargs, data_format = references.CASES[case]
    if data_format:
        image_data_format(data_format)
    (x_train, y_train), (x_test, y_test) = MODULES[name].load_data(**kwargs)
    for split, array in zip(references.SPLITS, (x_train, y_train, x_test, y_test)):
        key = f"{case}/{split}"
        _assert_same(array, standins.decode(REFERENCES, key), key)


@pytest.mark.parametrize("name", ["imdb", "reuters"])
def test_get_word_index_returns_what_keras2_returns(cache, name):
    index = MODULES[name].get_word_index()
    words = REFERENCES[f"{name}_word_index/words"]
    assert sorted(index) == list(words)
    assert [index[w] for w in words] == list(REFERENCES[f"{name}_word_index/indices"])


def test_load_batch_reads_a_cifar_batch_as_keras2(cache):
    folder = cache / "datasets" / "cifar-10-batches-py"
    cifar10.load_data()  # extracts the archive
    data, labels = cifar.load_batch(str(folder / "test_batch"))
    assert data.shape == (3, 3, 32, 32) and data.dtype == np.uint8
    assert isinstance(labels, list)
    expected = standins.decode(REFERENCES, "cifar10_channels_first/x_test")
    np.testing.assert_array_equal(data, expected)


def test_imdb_nb_words_is_num_words_with_keras2_warning(cache):
    with pytest.warns(UserWarning, match="renamed `num_words`"):
        old = imdb.load_data(nb_words=50)
    new = imdb.load_data(num_words=50)
    for a, b in zip((*old[0], *old[1]), (*new[0], *new[1])):
        assert np.asarray(a).tolist() == np.asarray(b).tolist()


# --- the cache --------------------------------------------------------------------------

class _Server:
    def __init__(self, files):
        self.requests = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests.append(self.path)
                body = files.get(self.path.lstrip("/"))
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
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,),
                         daemon=True).start()
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}/"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(keras_home, monkeypatch, tmp_path):
    """The stand-ins served over HTTP, the cache empty."""
    files = standins.write_all(str(tmp_path / "served"))
    s = _Server(files)
    _point_at(monkeypatch, s.base, files)
    yield s
    s.close()


@pytest.mark.parametrize("name", sorted(MODULES))
def test_load_data_downloads_once_then_reads_the_cache(server, keras_home, name,
                                                       capsys):
    first = MODULES[name].load_data()
    downloads = len(server.requests)
    assert downloads == len(standins.FILES[name]) - (name in ("imdb", "reuters"))
    assert "Downloading data from" in capsys.readouterr().out
    second = MODULES[name].load_data()
    assert len(server.requests) == downloads  # no request the second time
    for a, b in zip((*first[0], *first[1]), (*second[0], *second[1])):
        assert np.asarray(a).tolist() == np.asarray(b).tolist()
    for relative in standins.FILES[name][:1]:
        assert (keras_home / "datasets" / relative).exists()


def test_get_word_index_downloads_once(server, keras_home):
    assert imdb.get_word_index() == imdb.get_word_index()
    assert server.requests == ["/imdb_word_index.json"]


def test_cache_dir_argument_as_tf_keras(server, keras_home, tmp_path):
    mnist.load_data(cache_dir=str(tmp_path / "own_cache"))
    assert (tmp_path / "own_cache" / "datasets" / "mnist.npz").exists()
    assert not (keras_home / "datasets" / "mnist.npz").exists()


def test_cifar10_archive_and_folder_use_keras2_names(server, keras_home):
    cifar10.load_data()
    assert sorted(os.listdir(keras_home / "datasets")) == [
        "cifar-10-batches-py", "cifar-10-batches-py.tar.gz"]


# --- damaged files ------------------------------------------------------------------

def test_truncated_fashion_mnist_file_names_it_and_says_to_delete_it(cache):
    path = cache / "datasets" / "fashion-mnist" / "t10k-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:40])
    with pytest.raises(ValueError, match=r"(?s)Could not read the dataset file "
                                         rf".*{path.name}.*Delete it from the cache"):
        fashion_mnist.load_data()


def test_truncated_imdb_npz_names_it_and_says_to_delete_it(cache, monkeypatch):
    path = cache / "datasets" / "imdb.npz"
    path.write_bytes(path.read_bytes()[:300])
    monkeypatch.setattr(imdb, "_FILE_HASH", None)  # a file get_file cannot check
    with pytest.raises(ValueError, match=rf"(?s)Could not read .*imdb.npz.*rm -r"):
        imdb.load_data()


def test_corrupt_cifar_batch_says_to_delete_the_folder_and_the_archive(cache):
    cifar10.load_data()
    folder = cache / "datasets" / "cifar-10-batches-py"
    (folder / "data_batch_3").write_bytes(b"\x80\x02}q\x00")  # a pickle cut short
    with pytest.raises(ValueError) as info:
        cifar10.load_data()
    message = str(info.value)
    assert "data_batch_3" in message
    assert f"'{folder}' '{folder}.tar.gz'" in message


def test_mnist_refuses_pickled_objects(cache, monkeypatch):
    path = cache / "datasets" / "mnist.npz"
    np.savez(path, x_train=np.array([[1], [2, 3]], dtype=object),
             y_train=np.zeros(2), x_test=np.zeros(1), y_test=np.zeros(1))
    monkeypatch.setattr(mnist, "_FILE_HASH", None)
    with pytest.raises(ValueError, match="Could not read .*mnist.npz.*allow_pickle"):
        mnist.load_data()


# --- argument errors ---------------------------------------------------------------

def test_argument_errors_name_the_argument(cache):
    with pytest.raises(ValueError, match="Received: label_mode='medium'"):
        cifar100.load_data(label_mode="medium")
    with pytest.raises(ValueError, match="Received: test_split=1"):
        boston_housing.load_data(test_split=1)
    with pytest.raises(TypeError, match="Unrecognized keyword arguments: {'num_wrds'"):
        imdb.load_data(num_wrds=10)
    with pytest.raises(TypeError, match="Unrecognized keyword arguments"):
        reuters.load_data(maxlength=10)


def test_maxlen_that_keeps_nothing_is_an_error(cache):
    with pytest.raises(ValueError, match="maxlen=2, no sequence was kept"):
        imdb.load_data(maxlen=2)
    with pytest.raises(ValueError, match="maxlen=2, no sequence was kept"):
        reuters.load_data(maxlen=2)


def test_imdb_without_start_char_or_index_shift_keeps_the_file_indices(cache):
    # (tf-keras 2.21 adds the two splits' arrays element-wise here; Keras 2.3.1 and
    # tkeras return the file's lists, shuffled.)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (x_train, _), _ = imdb.load_data(start_char=None, index_from=0,
                                         num_words=10**6)
    with np.load(cache / "datasets" / "imdb.npz", allow_pickle=True) as f:
        raw = f["x_train"]
    order = np.arange(len(raw))
    np.random.RandomState(113).shuffle(order)
    assert [x for x in x_train] == [raw[i] for i in order]
    assert all(type(x) is list for x in x_train)


# --- imports --------------------------------------------------------------------------

def test_keras2_import_paths():
    import importlib

    assert importlib.import_module("tkeras.datasets.mnist") is mnist
    from tkeras.datasets.cifar import load_batch

    assert load_batch is cifar.load_batch
    assert mnist.load_data.__module__ == "tkeras.datasets.mnist"


SLOW_IMPORTS = {"urllib", "tarfile", "zipfile", "pickle", "gzip", "json", "http"}


@pytest.mark.parametrize("module", [
    "tkeras/datasets/__init__.py", "tkeras/datasets/_files.py",
    "tkeras/datasets/_sequences.py", "tkeras/datasets/cifar.py",
    "tkeras/datasets/fashion_mnist.py", "tkeras/datasets/imdb.py",
    "tkeras/utils/_download.py", "tkeras/utils/_archive.py",
    "tkeras/utils/data_utils.py"])
def test_file_and_archive_modules_are_imported_only_when_used(module):
    root = os.path.dirname(os.path.dirname(HERE))
    with open(os.path.join(root, module)) as f:
        tree = ast.parse(f.read())
    top_level = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            top_level |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            top_level.add(node.module.split(".")[0])
    assert not top_level & SLOW_IMPORTS


def test_load_batch_with_a_missing_label_key_lists_the_keys(cache):
    cifar10.load_data()
    path = cache / "datasets" / "cifar-10-batches-py" / "test_batch"
    with pytest.raises(ValueError, match="Received: label_key='fine_labels'.*CIFAR-10"):
        cifar.load_batch(str(path), label_key="fine_labels")
