"""Small stand-ins of the Keras 2 datasets, written in each dataset's own file format
under the file names Keras 2 caches them as. NumPy and the standard library only: the
tests (tkeras environment) and `make_references.py` (TensorFlow environment) build the
same files from the same seeds.

`write_all(datasets_dir)` writes them all into a `datasets/` cache folder and returns
`{file name: bytes}` of what it wrote, so a test can also serve them over HTTP.

Also here: `encode`/`decode`, which store `load_data` outputs (object arrays of word
lists included) as plain NumPy arrays in an `.npz` file, without pickles.
"""
import gzip
import io
import json
import os
import pickle
import struct
import tarfile

import numpy as np

# name of each dataset -> the files it needs, relative to `datasets/`.
FILES = {
    "mnist": ["mnist.npz"],
    "fashion_mnist": [f"fashion-mnist/{n}" for n in (
        "train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz")],
    "cifar10": ["cifar-10-batches-py.tar.gz"],
    "cifar100": ["cifar-100-python.tar.gz"],
    "boston_housing": ["boston_housing.npz"],
    "imdb": ["imdb.npz", "imdb_word_index.json"],
    "reuters": ["reuters.npz", "reuters_word_index.json"],
}


def _npz(**arrays):
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def mnist():
    rng = np.random.RandomState(1)
    return {"mnist.npz": _npz(
        x_train=rng.randint(0, 256, (12, 28, 28)).astype("uint8"),
        y_train=rng.randint(0, 10, 12).astype("uint8"),
        x_test=rng.randint(0, 256, (5, 28, 28)).astype("uint8"),
        y_test=rng.randint(0, 10, 5).astype("uint8"))}


def _idx(values, dims):
    """An IDX file (big-endian header: magic 0x0800 | rank, then each size), gzipped."""
    header = struct.pack(">HBB", 0, 0x08, len(dims)) + b"".join(
        struct.pack(">I", d) for d in dims)
    return gzip.compress(header + values.astype("uint8").tobytes(), mtime=0)


def fashion_mnist():
    rng = np.random.RandomState(2)
    out = {}
    for split, n in (("train", 10), ("t10k", 6)):
        labels = rng.randint(0, 10, n)
        images = rng.randint(0, 256, (n, 28, 28))
        out[f"fashion-mnist/{split}-labels-idx1-ubyte.gz"] = _idx(labels, (n,))
        out[f"fashion-mnist/{split}-images-idx3-ubyte.gz"] = _idx(images, (n, 28, 28))
    return out


def _cifar_batch(rng, n, labels):
    """A batch pickled as the CIFAR files are (a dict with bytes keys, protocol 2)."""
    batch = {b"batch_label": b"stand-in batch", b"data":
             rng.randint(0, 256, (n, 3072)).astype("uint8"),
             b"filenames": [b"img_%d.png" % i for i in range(n)]}
    batch.update({k.encode(): v for k, v in labels.items()})
    return pickle.dumps(batch, protocol=2)


def _targz(folder, members):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(f"{folder}/{name}")
            info.size, info.mtime = len(data), 0
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def cifar10():
    rng = np.random.RandomState(3)
    members = {f"data_batch_{i}": _cifar_batch(rng, 2, {
        "labels": [int(v) for v in rng.randint(0, 10, 2)]}) for i in range(1, 6)}
    members["test_batch"] = _cifar_batch(rng, 3, {
        "labels": [int(v) for v in rng.randint(0, 10, 3)]})
    members["batches.meta"] = pickle.dumps({b"label_names": [b"airplane"]}, protocol=2)
    return {"cifar-10-batches-py.tar.gz": _targz("cifar-10-batches-py", members)}


def cifar100():
    rng = np.random.RandomState(4)
    members = {}
    for name, n in (("train", 6), ("test", 3)):
        members[name] = _cifar_batch(rng, n, {
            "fine_labels": [int(v) for v in rng.randint(0, 100, n)],
            "coarse_labels": [int(v) for v in rng.randint(0, 20, n)]})
    return {"cifar-100-python.tar.gz": _targz("cifar-100-python", members)}


def boston_housing():
    rng = np.random.RandomState(5)
    return {"boston_housing.npz": _npz(x=rng.uniform(0, 100, (50, 13)),
                                       y=rng.uniform(5, 50, 50))}


def _reviews(rng, n, vocabulary, max_length):
    """An object array of `n` lists of Python ints (as imdb.npz and reuters.npz)."""
    out = np.empty(n, dtype=object)
    for i in range(n):
        out[i] = [int(w) for w in rng.randint(1, vocabulary, rng.randint(3, max_length))]
    return out


def _word_index(rng, vocabulary):
    return json.dumps({f"word{i}": int(i) for i in rng.permutation(vocabulary) + 1}).encode()


def imdb():
    rng = np.random.RandomState(6)
    return {
        "imdb.npz": _npz(x_train=_reviews(rng, 40, 200, 60),
                         y_train=rng.randint(0, 2, 40),
                         x_test=_reviews(rng, 30, 200, 60),
                         y_test=rng.randint(0, 2, 30)),
        "imdb_word_index.json": _word_index(rng, 200),
    }


def reuters():
    rng = np.random.RandomState(7)
    return {
        "reuters.npz": _npz(x=_reviews(rng, 60, 300, 50), y=rng.randint(0, 46, 60)),
        "reuters_word_index.json": _word_index(rng, 300),
    }


BUILDERS = {"mnist": mnist, "fashion_mnist": fashion_mnist, "cifar10": cifar10,
            "cifar100": cifar100, "boston_housing": boston_housing, "imdb": imdb,
            "reuters": reuters}


def write(datasets_dir, name):
    """Writes the stand-in files of dataset `name` into `datasets_dir`; returns them."""
    files = BUILDERS[name]()
    for relative, data in files.items():
        path = os.path.join(datasets_dir, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
    return files


def write_all(datasets_dir):
    files = {}
    for name in BUILDERS:
        files.update(write(datasets_dir, name))
    return files


# --- storing outputs without pickles --------------------------------------------------

def encode(prefix, array):
    """`{key: plain array}` for one output array. An object array (lists of ints) is
    stored as its shape, the length of each list and all the values in a row."""
    array = np.asarray(array)
    if array.dtype != object:
        return {prefix: array}
    cells = array.reshape(-1)
    kinds = {type(c).__name__ for c in cells}
    return {
        f"{prefix}#object_shape": np.array(array.shape, "int64"),
        f"{prefix}#lengths": np.array([len(c) if isinstance(c, list) else -1
                                       for c in cells], "int64"),
        f"{prefix}#values": np.array([w for c in cells for w in
                                      (c if isinstance(c, list) else [c])], "int64"),
        f"{prefix}#cell_kinds": np.array(sorted(kinds)),
    }


def decode(store, prefix):
    """The array `encode` stored under `prefix` (object arrays rebuilt as lists)."""
    if prefix in store:
        return store[prefix]
    shape = tuple(store[f"{prefix}#object_shape"])
    lengths, values = store[f"{prefix}#lengths"], store[f"{prefix}#values"]
    out = np.empty(int(np.prod(shape)), dtype=object)
    start = 0
    for i, n in enumerate(lengths):
        if n < 0:
            out[i] = int(values[start])
            start += 1
        else:
            out[i] = [int(w) for w in values[start:start + n]]
            start += n
    return out.reshape(shape)
