"""Regression tests for what the loader fuzzer (`tests/fuzz/fuzz_loaders.py`) found,
each minimised to the user's call on a small crafted file or config. Each asserts a
clear error and, for `load_weights`, an unchanged model. Cases that could take the
interpreter down (memory) run in a subprocess under a memory limit."""
import json
import subprocess
import sys
import textwrap
import time
import warnings

import h5py
import numpy as np
import pytest

import tkeras as keras
from tkeras import layers


def _model():
    return keras.Sequential([layers.Dense(3, input_shape=(4,), name="d")], name="m")


def _weights_file(tmp_path, edit):
    path = str(tmp_path / "w.h5")
    _model().save_weights(path)
    with h5py.File(path, "a") as f:
        edit(f)
    return path


def _assert_unchanged_after(model, call, match):
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(ValueError, match=match):
        call()
    for a, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(a, b)


# ------------------------------------------------------------------ load_weights
_HUGE_DATASET = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
import h5py, tkeras as keras
model = keras.Sequential([keras.layers.Dense(3, input_shape=(4,), name="d")])
model.save_weights(sys.argv[1])
with h5py.File(sys.argv[1], "a") as f:
    del f["d/d/kernel:0"]
    f.create_dataset("d/d/kernel:0", shape=(2**20, 2**20), dtype="f4")  # 4 TiB, unwritten
try:
    model.load_weights(sys.argv[1])
except ValueError as err:
    print("ValueError:", err)
"""


def test_declared_huge_dataset_fails_on_its_shape_not_on_memory(tmp_path):
    """Found: MemoryError (4 TiB) from reading every array before checking shapes."""
    proc = subprocess.run([sys.executable, "-c", _HUGE_DATASET, str(tmp_path / "w.h5")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "ValueError: Cannot load weights" in proc.stdout
    assert "expected shape (4, 3), file has (1048576, 1048576)" in proc.stdout


def test_weight_name_naming_a_group_is_a_clear_error(tmp_path):
    """Found: h5py's "Accessing a group is done with bytes or str, not tuple"."""
    def edit(f):
        del f["d/d/kernel:0"]
        f.create_group("d/d/kernel:0")

    model = _model()
    path = _weights_file(tmp_path, edit)
    _assert_unchanged_after(model, lambda: model.load_weights(path),
                            r"weight 'd/kernel:0' of layer 'd' .* is an HDF5 group, not "
                            r"a dataset of numbers")


def test_non_numeric_dataset_is_refused_before_the_model_changes(tmp_path):
    """Found: a string dataset of the right shape passed the checks, then numpy's
    "Cannot cast array data from dtype('O')" in the middle of assigning: bias set,
    kernel not."""
    def edit(f):
        del f["d/d/kernel:0"]
        f.create_dataset("d/d/kernel:0", data=np.full((4, 3), "x", object),
                         dtype=h5py.string_dtype())
        f["d/d/bias:0"][...] = 5.0

    model = _model()
    path = _weights_file(tmp_path, edit)
    _assert_unchanged_after(model, lambda: model.load_weights(path),
                            r"weight 'd/kernel:0' of layer 'd' .* data type is object, "
                            r"not a numeric")


# ------------------------------------------------------------------ model_from_json
def test_input_shape_of_wrong_type_in_json_names_the_layer():
    """Found: TypeError "'float' object is not iterable" from InputLayer's constructor
    on `batch_input_shape: 3.0`; the constructor now says what a shape must be."""
    config = json.loads(_model().to_json())
    config["config"]["layers"][0]["config"]["batch_input_shape"] = 3.0
    with pytest.raises(ValueError, match=r"Creating layer 'd_input' of class 'InputLayer' "
                                         r"failed: TypeError: An InputLayer's shape must be "
                                         r"a tuple of non-negative ints or None\. Received: "
                                         r"batch_input_shape=3\.0\..*The config is invalid"):
        keras.models.model_from_json(json.dumps(config))


def test_deeply_nested_json_is_a_clear_error():
    text = "[" * 100000 + "]" * 100000
    with pytest.raises(ValueError, match="could not be parsed"):
        keras.models.model_from_json(text)


def test_layer_class_name_that_is_not_a_string_is_a_clear_error():
    config = json.loads(_model().to_json())
    config["config"]["layers"][1]["class_name"] = ["Dense"]
    with pytest.raises(ValueError, match="'class_name' must be a string"):
        keras.models.model_from_json(json.dumps(config))


# ------------------------------------------------------------------ load_model
def _compiled_file(tmp_path, optimizer="adam"):
    model = keras.Sequential([layers.Dense(3, input_shape=(2,), name="d")], name="c")
    model.compile(optimizer, "mse")
    model.fit(np.ones((4, 2), "float32"), np.ones((4, 3), "float32"), verbose=0)
    path = str(tmp_path / "m.h5")
    model.save(path)
    return path


def _optimizer_names(path):
    with h5py.File(path, "r") as f:
        return [n.decode() if isinstance(n, bytes) else n
                for n in f["optimizer_weights"].attrs["weight_names"]]


@pytest.mark.parametrize("iterations", [np.zeros(3, "int64"), np.float64("nan"),
                                        np.float64(1e300), np.int64(-1)],
                         ids=["vector", "nan", "huge", "negative"])
def test_bad_saved_iteration_count_only_warns(tmp_path, iterations):
    path = _compiled_file(tmp_path)
    name = _optimizer_names(path)[0]
    with h5py.File(path, "a") as f:
        del f["optimizer_weights"][name]
        f["optimizer_weights"][name] = iterations
    with pytest.warns(UserWarning, match="iteration count must be a whole number|"
                                         "has shape"):
        model = keras.models.load_model(path)
    assert model.optimizer.get_weights()[0] == 0  # a fresh optimizer


def test_optimizer_slot_with_a_huge_declared_shape_only_warns(tmp_path):
    path = _compiled_file(tmp_path)
    name = _optimizer_names(path)[1]
    with h5py.File(path, "a") as f:
        del f["optimizer_weights"][name]
        f["optimizer_weights"].create_dataset(name, shape=(2**20, 2**20), dtype="f4")
    with pytest.warns(UserWarning, match=r"has shape \(1048576, 1048576\), expected"):
        keras.models.load_model(path)


def test_legacy_nadam_product_from_a_huge_step_count_is_quick():
    """Keras 2.0-2.2 Nadam files lack the momentum product, which the loader rebuilds
    from the saved step count: a crafted count of 2**61 must not loop for ages (the
    product underflows to 0 after a few thousand steps)."""
    from tkeras.saving import hdf5

    model = keras.Sequential([layers.Dense(3, input_shape=(2,), name="d")])
    model.compile(keras.optimizers.legacy.Nadam(), "mse")
    model.fit(np.ones((4, 2), "float32"), np.ones((4, 3), "float32"), verbose=0)
    saved = model.optimizer.get_weights()
    values = [np.int64(2**61)] + saved[2:]  # without the product, as Keras 2.0-2.2
    start = time.monotonic()
    restored = hdf5._from_keras_v1_state(model.optimizer, values, len(saved))
    assert time.monotonic() - start < 5
    assert len(restored) == len(saved) and float(restored[1]) == 0.0


def test_nadam_file_with_a_huge_step_count_loads_quickly(tmp_path):
    """Found by review of the fuzzer's Nadam path: load_model of a Nadam file whose
    iteration count is 2**61 hangs in `Nadam._momentum_cache` (one Python loop step
    per saved iteration)."""
    script = textwrap.dedent("""
        import sys, h5py, numpy as np, tkeras as keras
        m = keras.Sequential([keras.layers.Dense(3, input_shape=(2,))])
        m.compile("nadam", "mse")
        m.fit(np.ones((4, 2), "float32"), np.ones((4, 3), "float32"), verbose=0)
        m.save(sys.argv[1])
        with h5py.File(sys.argv[1], "a") as f:
            g = f["optimizer_weights"]
            name = g.attrs["weight_names"][0]
            name = name.decode() if isinstance(name, bytes) else name
            del g[name]
            g[name] = np.int64(2**61)
        keras.models.load_model(sys.argv[1])
    """)
    proc = subprocess.run([sys.executable, "-c", script, str(tmp_path / "m.h5")],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_fuzzer_regressions_run_as_scripts_do_not_kill_the_interpreter(tmp_path):
    """Every kept input under tests/fuzz/regressions replays without a finding."""
    import os

    folder = os.path.join(os.path.dirname(__file__), "regressions")
    inputs = sorted(os.listdir(folder))
    # model_from_json-timeout-*: the libFuzzer timeout input of the long-RNN hang.
    assert inputs, "tests/fuzz/regressions/ should keep the fuzzer's findings"
    pytest.importorskip("atheris", reason="replaying fuzzer inputs needs atheris")
    script = os.path.join(os.path.dirname(__file__), "fuzz_loaders.py")
    by_target = {}
    for name in inputs:
        by_target.setdefault(name.split("-")[0], []).append(os.path.join(folder, name))
    for target, paths in by_target.items():
        proc = subprocess.run([sys.executable, script, "--target", target, "--replay",
                               *paths], capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert "FINDING" not in proc.stdout, proc.stdout[-3000:]



@pytest.mark.parametrize("where, match", [
    ("optimizer_weights", "'/optimizer_weights' is an HDF5 dataset, not a group of weights"),
    ("model_weights/d", "'/model_weights/d' is an HDF5 dataset, not a group"),
    ("model_weights/top_level_model_weights",
     "'/model_weights/top_level_model_weights' is an HDF5 dataset, not a group"),
])
def test_dataset_where_a_weights_group_belongs_is_a_clear_error(tmp_path, where, match):
    """Found by review while fuzzing: a dataset in place of `/optimizer_weights` made
    the link check iterate its rows (AttributeError)."""
    path = _compiled_file(tmp_path)
    with h5py.File(path, "a") as f:
        del f[where]
        f[where] = np.zeros(3)
    with pytest.raises(ValueError, match=match):
        keras.models.load_model(path)


def test_json_with_a_very_long_lstm_input_builds_quickly():
    """Found by the model_from_json fuzzer (libFuzzer timeout, > 60 s for one input):
    the LSTM seed's `batch_input_shape` [None, 5, 3] edited to [None, 5000000, 3]. The
    model's shape inference runs the recurrence once per timestep (about 3 ms each), so
    building it takes hours; 10,000 steps already take ~30 s."""
    x = keras.Input((5, 3))
    config = json.loads(keras.Model(x, layers.LSTM(4)(x)).to_json())
    config["config"]["layers"][0]["config"]["batch_input_shape"] = [None, 5000000, 3]
    start = time.monotonic()
    keras.models.model_from_json(json.dumps(config))
    assert time.monotonic() - start < 10
