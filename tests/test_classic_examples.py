"""Keras 2's classic programs (`examples/classic/`) and the seven autoencoders of the
"Building Autoencoders in Keras" tutorial (`examples/autoencoders/`) run unchanged:

* through the runner, as `python -m tkeras examples/...` runs them (the runner's own
  entry, in this process: `keras` aliased to tkeras);
* with `import tkeras as keras` (their `keras` imports rewritten, nothing else).

Each runs in the test's temporary folder (cifar10_cnn saves its model there).

The datasets they load are small stand-ins written in each dataset's own file format
(`tests/datasets/data/standins.py`) into a temporary `KERAS_HOME` cache, so nothing is
downloaded; the datasets' expected hashes are pointed at the stand-ins. Two run fewer
epochs: `lstm_text_generation.py` 1 instead of 60 (each epoch generates 1,600 characters
one `predict` at a time) and `cifar10_cnn.py` 2 instead of 100 (each epoch of its
`workers=4` generator starts four loader processes).
"""
import hashlib
import importlib.util
import os
import re
import runpy
import sys
from pathlib import Path

import numpy as np
import pytest

from tkeras import _runner

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


def _standins():
    spec = importlib.util.spec_from_file_location(
        "standins", ROOT / "tests" / "datasets" / "data" / "standins.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def datasets_cache(tmp_path, monkeypatch):
    """A KERAS_HOME whose datasets/ holds the stand-ins, with the hashes they have."""
    home = tmp_path / "keras_home"
    datasets = home / "datasets"
    datasets.mkdir(parents=True)
    files = _standins().write_all(str(datasets))
    monkeypatch.setenv("KERAS_HOME", str(home))
    from tkeras.datasets import imdb, mnist, reuters

    for module, name in ((mnist, "mnist.npz"), (imdb, "imdb.npz"), (reuters, "reuters.npz")):
        monkeypatch.setattr(module, "_FILE_HASH", hashlib.md5(files[name]).hexdigest())
    for module, name in ((imdb, "imdb_word_index.json"),
                         (reuters, "reuters_word_index.json")):
        monkeypatch.setattr(module, "_WORD_INDEX_HASH", hashlib.md5(files[name]).hexdigest())
    # nietzsche.txt has no hash in the example: a cached file is used as it is.
    text = ("Supposing that truth is a woman--what then? Is there not ground for "
            "suspecting that all philosophers, in so far as they have been dogmatists, "
            "have failed to understand women--that the terrible seriousness and clumsy "
            "importunity with which they have usually paid their addresses to truth, "
            "have been unskilled and unseemly methods for winning a woman? ") * 2
    (datasets / "nietzsche.txt").write_text(text, encoding="utf-8")
    np.random.seed(0)
    return home


def _run_with_runner(path, monkeypatch, source=None):
    """`python -m tkeras <path>`'s code path in this process (optionally on a modified
    copy of the source); returns what the script printed."""
    if source is not None:
        copy = Path(os.environ["KERAS_HOME"]).parent / path.name
        copy.write_text(source)
        path = copy
    monkeypatch.setattr(sys, "argv", list(sys.argv))
    monkeypatch.setattr(sys, "path", list(sys.path))
    try:
        _runner.run_script(str(path))
    finally:
        _runner.uninstall_keras_alias()


def _as_tkeras(source):
    """The script with `import tkeras as keras` instead of Keras: only the imports change."""
    source = re.sub(r"^from keras(\.| )", r"from tkeras\1", source, flags=re.M)
    source = re.sub(r"^import keras$", "import tkeras as keras", source, flags=re.M)
    assert "from keras" not in source and "\nimport keras\n" not in source
    return source


CLASSIC = {
    "classic/mnist_cnn.py": ["x_train shape: (12, 28, 28, 1)", "Test accuracy:"],
    "classic/imdb_lstm.py": ["x_train shape:", "Test accuracy:"],
    "classic/imdb_cnn.py": ["x_test shape:", "Epoch 2/2"],
    "classic/reuters_mlp.py": ["classes", "Test accuracy:"],
    "classic/lstm_text_generation.py": ["corpus length: 700", "----- diversity: 1.2"],
    "classic/cifar10_cnn.py": ["x_train shape: (10, 32, 32, 3)",
                               "Using real-time data augmentation.", "Test accuracy:"],
    "autoencoders/simple_autoencoder.py": ["encoded shape: (5, 32)", "reconstruction error:"],
    "autoencoders/sparse_autoencoder.py": ["mean code activation:"],
    "autoencoders/deep_autoencoder.py": ["test loss:"],
    "autoencoders/convolutional_autoencoder.py": ["decoded shape: (5, 28, 28, 1)"],
    "autoencoders/denoising_autoencoder.py": ["denoised error:"],
    "autoencoders/lstm_autoencoder.py": ["code shape: (5, 64)"],
    "autoencoders/variational_autoencoder.py": ["latent means: (5, 2)",
                                                "generated digit: (28, 28)"],
}


def _source(name):
    source = (EXAMPLES / name).read_text()
    if name.endswith("lstm_text_generation.py"):
        source = source.replace("epochs=60", "epochs=1")
    if name.endswith("cifar10_cnn.py"):  # each epoch starts 4 loader processes
        source = source.replace("epochs = 100", "epochs = 2")
    return source


@pytest.mark.parametrize("name", sorted(CLASSIC))
def test_classic_example_runs_unchanged_through_the_runner(name, datasets_cache, monkeypatch,
                                                           capsys):
    monkeypatch.chdir(datasets_cache.parent)
    source = _source(name)
    modified = source if source != (EXAMPLES / name).read_text() else None
    _run_with_runner(EXAMPLES / name, monkeypatch, modified)
    out = capsys.readouterr().out
    for expected in CLASSIC[name]:
        assert expected in out, f"{expected!r} not printed:\n{out[-3000:]}"
    assert "nan" not in re.findall(r"loss: (\S+)", out)


@pytest.mark.parametrize("name", ["classic/mnist_cnn.py", "classic/reuters_mlp.py",
                                  "autoencoders/variational_autoencoder.py"])
def test_classic_example_runs_with_import_tkeras_as_keras(name, datasets_cache, capsys,
                                                         monkeypatch):
    monkeypatch.chdir(datasets_cache.parent)
    namespace = {"__name__": "__main__"}
    exec(compile(_as_tkeras(_source(name)), name, "exec"), namespace)
    out = capsys.readouterr().out
    for expected in CLASSIC[name]:
        assert expected in out
    assert "keras" not in sys.modules or sys.modules["keras"].__name__ != "tkeras"
