"""Reference outputs of Keras 2's dataset loaders on the stand-in files of
`standins.py`, from tf-keras 2.21 (`tf_keras.datasets.*`, the last Keras 2; Keras 2.3.1
itself no longer imports on a current TensorFlow).

Run under the TensorFlow environment (not by pytest):

    /root/tfk/bin/python tests/datasets/data/make_references.py

Writes `references.npz` next to this file: per case `<case>/x_train`, `<case>/y_train`,
`<case>/x_test`, `<case>/y_test` (object arrays of word lists stored without pickles,
see `standins.encode`), and the word indexes as `<dataset>_word_index/words` and
`/indices`. `CASES` (also read by the tests) lists each case's loader and arguments.

tf-keras's loaders pass their own hashes (of the real files) to `get_file`, which the
stand-ins cannot match; they run here with a `get_file` that passes no hash, a
temporary cache folder holding the stand-ins and a dead origin, so they read the
stand-ins and never download.

tf-keras's `cifar10.load_data` writes into arrays of the real sizes (50,000 and 10,000
images), which small stand-ins cannot fill, so the CIFAR-10 reference is composed from
tf-keras's own `load_batch` the way `load_data` does it (batches 1-5 into uint8 arrays,
labels as `(n, 1)` columns, the channels-last transpose); CIFAR-100 runs
`load_data` itself.
"""
import os
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))

SPLITS = ("x_train", "y_train", "x_test", "y_test")

# case -> (dataset, load_data keyword arguments, image data format or None)
CASES = {
    "mnist": ("mnist", {}, None),
    "fashion_mnist": ("fashion_mnist", {}, None),
    "boston_housing": ("boston_housing", {}, None),
    "boston_housing_split": ("boston_housing", {"test_split": 0.3, "seed": 5}, None),
    "boston_housing_no_test": ("boston_housing", {"test_split": 0.0}, None),
    "cifar10": ("cifar10", {}, "channels_last"),
    "cifar10_channels_first": ("cifar10", {}, "channels_first"),
    "cifar100": ("cifar100", {}, "channels_last"),
    "cifar100_coarse": ("cifar100", {"label_mode": "coarse"}, "channels_last"),
    "cifar100_channels_first": ("cifar100", {"label_mode": "fine"}, "channels_first"),
    "imdb": ("imdb", {}, None),
    "imdb_num_words": ("imdb", {"num_words": 50}, None),
    "imdb_skip_top": ("imdb", {"num_words": 120, "skip_top": 10}, None),
    "imdb_maxlen": ("imdb", {"maxlen": 30}, None),
    "imdb_seed": ("imdb", {"seed": 7}, None),
    "imdb_index_from": ("imdb", {"index_from": 5, "start_char": 2, "oov_char": 4,
                                 "num_words": 100}, None),
    "imdb_no_start_char": ("imdb", {"start_char": None, "num_words": 60}, None),
    "imdb_no_oov_char": ("imdb", {"oov_char": None, "num_words": 60, "skip_top": 4},
                         None),
    "imdb_all": ("imdb", {"num_words": 90, "skip_top": 3, "maxlen": 45, "seed": 1,
                          "start_char": 1, "oov_char": 2, "index_from": 2}, None),
    "reuters": ("reuters", {}, None),
    "reuters_num_words": ("reuters", {"num_words": 80}, None),
    "reuters_skip_top": ("reuters", {"num_words": 200, "skip_top": 20}, None),
    "reuters_maxlen": ("reuters", {"maxlen": 25}, None),
    "reuters_test_split": ("reuters", {"test_split": 0.35, "seed": 3}, None),
    "reuters_index_from": ("reuters", {"index_from": 0, "start_char": 1}, None),
    "reuters_no_oov_char": ("reuters", {"oov_char": None, "num_words": 100}, None),
    "reuters_all": ("reuters", {"num_words": 150, "skip_top": 2, "maxlen": 40,
                                "test_split": 0.25, "seed": 11, "start_char": 1,
                                "oov_char": 2, "index_from": 3}, None),
}


def _no_download_get_file(get_file, home):
    # tf-keras 2.21's get_file does not read KERAS_HOME: pass the cache folder.
    def wrapped(fname, origin, **kwargs):
        kwargs.pop("file_hash", None)
        kwargs["cache_dir"] = kwargs.get("cache_dir") or home
        return get_file(fname, "http://invalid.invalid/no-download", **kwargs)
    return wrapped


def _cifar10_reference(keras, path):
    """tf-keras's cifar10.load_data, sized by the batches (see the module docstring)."""
    from tf_keras.src.datasets.cifar import load_batch
    batches = [load_batch(os.path.join(path, f"data_batch_{i}")) for i in range(1, 6)]
    n = sum(len(x) for x, _ in batches)
    x_train = np.empty((n, 3, 32, 32), dtype="uint8")
    y_train = np.empty((n,), dtype="uint8")
    start = 0
    for x, y in batches:
        x_train[start:start + len(x)], y_train[start:start + len(x)] = x, y
        start += len(x)
    x_test, y_test = load_batch(os.path.join(path, "test_batch"))
    y_train = np.reshape(y_train, (len(y_train), 1))
    y_test = np.reshape(y_test, (len(y_test), 1))
    if keras.backend.image_data_format() == "channels_last":
        x_train, x_test = x_train.transpose(0, 2, 3, 1), x_test.transpose(0, 2, 3, 1)
    return (x_train, y_train), (x_test, y_test)


def main():
    sys.path.insert(0, HERE)
    import standins
    import tf_keras as keras
    from tf_keras.src.datasets import (boston_housing, cifar10, cifar100,
                                       fashion_mnist, imdb, mnist, reuters)
    from tf_keras.src.utils.data_utils import get_file

    modules = {"mnist": mnist, "fashion_mnist": fashion_mnist, "cifar10": cifar10,
               "cifar100": cifar100, "boston_housing": boston_housing, "imdb": imdb,
               "reuters": reuters}
    home = tempfile.mkdtemp()
    for module in modules.values():
        module.get_file = _no_download_get_file(get_file, home)
    standins.write_all(os.path.join(home, "datasets"))

    out = {}
    for case, (name, kwargs, data_format) in CASES.items():
        if data_format:
            keras.backend.set_image_data_format(data_format)
        if name == "cifar10":
            path = cifar10.get_file("cifar-10-batches-py", origin="", untar=True)
            result = _cifar10_reference(keras, path)
        else:
            result = modules[name].load_data(**kwargs)
        keras.backend.set_image_data_format("channels_last")
        for split, array in zip(SPLITS, (*result[0], *result[1])):
            out.update(standins.encode(f"{case}/{split}", array))
        print(case, [np.asarray(a).shape for a in (*result[0], *result[1])])
    for name in ("imdb", "reuters"):
        index = modules[name].get_word_index()
        words = sorted(index)
        out[f"{name}_word_index/words"] = np.array(words)
        out[f"{name}_word_index/indices"] = np.array([index[w] for w in words], "int64")
    np.savez_compressed(os.path.join(HERE, "references.npz"), **out)
    print("wrote", len(CASES), "cases")


if __name__ == "__main__":
    main()
