"""tkeras's Keras 2 HDF5 files: exact round trips, the layout real Keras 2 reads, weight
loading modes, error messages that leave the model unchanged, and atomic writes."""
import os
import shutil

import h5py
import numpy as np
import pytest

import tkeras as keras
from tkeras import layers
from tkeras.saving import hdf5

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "compat_tests", "fixtures",
                        "keras2")


def _weights(model):
    return [w.copy() for w in model.get_weights()]


def _assert_same(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


def _sequential():
    return keras.Sequential([
        layers.Dense(6, activation="relu", input_shape=(4,), name="dense_a"),
        layers.BatchNormalization(name="bn"),
        layers.Dropout(0.1, name="drop"),
        layers.Dense(3, activation="softmax", name="dense_b"),
    ], name="seq")


def _multi_io():
    a = keras.Input((4,), name="in_a")
    b = keras.Input((5,), name="in_b")
    shared = layers.Dense(3, name="shared")
    h = layers.concatenate([shared(a), layers.Dense(3, name="proj_b")(b)], name="cat")
    out1 = layers.Dense(2, activation="softmax", name="out_class")(h)
    out2 = layers.Dense(1, name="out_reg")(layers.add([shared(a), layers.Dense(3, name="p2")(h)]))
    return keras.Model([a, b], [out1, out2], name="multi")


def _nested():
    inner = keras.Sequential([layers.Dense(5, input_shape=(4,), name="inner_d1"),
                              layers.BatchNormalization(name="inner_bn"),
                              layers.Dense(2, name="inner_d2")], name="inner_seq")
    x = keras.Input((4,), name="x_in")
    return keras.Model(x, layers.Activation("softmax", name="act")(inner(x)), name="outer")


def _rnn():
    x = keras.Input((5, 3), name="seq_in")
    h = layers.LSTM(4, return_sequences=True, name="lstm")(x)
    h = layers.Bidirectional(layers.GRU(3), name="bigru")(h)
    return keras.Model(x, layers.Dense(2, name="out")(h), name="rnn")


def _perturb(model, seed=0):
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(size=w.shape).astype(w.dtype) for w in model.get_weights()])


def _inputs(model, n=6, seed=1):
    rng = np.random.default_rng(seed)
    xs = [rng.normal(size=(n,) + tuple(t.shape[1:])).astype("float32") for t in model.inputs]
    return xs[0] if len(xs) == 1 else xs


BUILDERS = {"sequential": _sequential, "multi_io": _multi_io, "nested": _nested, "rnn": _rnn}


# --------------------------------------------------------------------- round trips
@pytest.mark.parametrize("kind", sorted(BUILDERS))
def test_save_weights_then_load_weights_restores_exactly(kind, tmp_path):
    model = BUILDERS[kind]()
    _perturb(model)
    path = str(tmp_path / "w.weights")  # any file name
    model.save_weights(path)
    other = BUILDERS[kind]()
    other.load_weights(path)
    _assert_same(other.get_weights(), model.get_weights())
    x = _inputs(model)
    p, q = model.predict(x), other.predict(x)
    for a, b in zip(p if isinstance(p, list) else [p], q if isinstance(q, list) else [q]):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("kind", sorted(BUILDERS))
def test_save_then_load_model_restores_architecture_and_weights(kind, tmp_path):
    model = BUILDERS[kind]()
    _perturb(model)
    path = str(tmp_path / "m.h5")
    model.save(path)
    with pytest.warns(UserWarning, match="No training configuration found"):
        loaded = keras.models.load_model(path)
    assert not loaded._is_compiled
    assert [l.name for l in loaded.layers] == [l.name for l in model.layers]
    _assert_same(loaded.get_weights(), model.get_weights())
    x = _inputs(model)
    p, q = model.predict(x), loaded.predict(x)
    for a, b in zip(p if isinstance(p, list) else [p], q if isinstance(q, list) else [q]):
        np.testing.assert_array_equal(a, b)


def _train_data(model, seed=2):
    x = _inputs(model, n=8, seed=seed)
    rng = np.random.default_rng(seed)
    ys = [rng.uniform(size=(8,) + tuple(t.shape[1:])).astype("float32") for t in model.outputs]
    return x, ys[0] if len(ys) == 1 else ys


@pytest.mark.parametrize("optimizer", [
    lambda: keras.optimizers.Adam(learning_rate=0.01),
    lambda: keras.optimizers.legacy.SGD(learning_rate=0.05, momentum=0.9, nesterov=True),
    lambda: keras.optimizers.RMSprop(learning_rate=0.01),
    lambda: keras.optimizers.Nadam(learning_rate=0.01),
], ids=["adam", "legacy_sgd", "rmsprop", "nadam"])
def test_training_continues_exactly_after_save_and_load_model(optimizer, tmp_path):
    def build():
        model = _nested()
        _perturb(model, seed=3)
        model.compile(optimizer=optimizer(), loss="mse", metrics=["mae"])
        return model

    x, y = _train_data(_nested())
    uninterrupted = build()
    for _ in range(3):
        uninterrupted.train_on_batch(x, y)
    expected = uninterrupted.train_on_batch(x, y)
    expected_after = uninterrupted.predict(x)

    model = build()
    for _ in range(3):
        model.train_on_batch(x, y)
    path = str(tmp_path / "ckpt.h5")
    model.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded.optimizer) is type(model.optimizer)
    assert loaded._compile_config["metrics"] == ["mae"]
    np.testing.assert_allclose(loaded.train_on_batch(x, y), expected, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(loaded.predict(x), expected_after, rtol=1e-5, atol=1e-6)


def test_multi_output_training_config_round_trips(tmp_path):
    model = _multi_io()
    model.compile(optimizer="adam", loss={"out_class": "categorical_crossentropy",
                                          "out_reg": "mse"},
                  loss_weights={"out_class": 1.0, "out_reg": 0.5}, metrics=["accuracy"])
    x, y = _train_data(model)
    model.train_on_batch(x, y)
    model.save(str(tmp_path / "m.h5"))
    loaded = keras.models.load_model(str(tmp_path / "m.h5"))
    assert loaded._compile_config["loss"] == model._compile_config["loss"]
    assert loaded._compile_config["loss_weights"] == {"out_class": 1.0, "out_reg": 0.5}
    _assert_same(loaded.optimizer.get_weights(), model.optimizer.get_weights())


# --------------------------------------------------------------------- file layout
def _structure(group):
    """{path: description} of every group attribute name and dataset (shape, dtype)."""
    out = {}

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            out[name] = ("dataset", obj.shape, str(obj.dtype))
        else:
            for k in obj.attrs:
                if k in ("weight_names", "layer_names"):
                    out[f"{name}@{k}"] = [str(v) if not isinstance(v, bytes) else v.decode()
                                          for v in np.atleast_1d(obj.attrs[k])]
    group.visititems(visit)
    return out


@pytest.mark.parametrize("case", ["dense_mlp", "nested_model", "rnn_gru", "cnn_2d"])
def test_written_file_has_the_layout_keras2_wrote_for_the_same_model(case, tmp_path):
    src = os.path.join(FIXTURES, case, "model.h5")
    model = keras.models.load_model(src)
    out = str(tmp_path / "again.h5")
    model.save(out)
    with h5py.File(src, "r") as ref, h5py.File(out, "r") as new:
        assert set(new.attrs) == set(ref.attrs) == {"keras_version", "backend",
                                                   "model_config", "training_config"}
        assert _structure(new["model_weights"]) == _structure(ref["model_weights"])
        assert set(new["model_weights"].attrs) == set(ref["model_weights"].attrs)
        # Optimizer state: same names (tf-keras 2.21 / legacy), shapes and dtypes.
        ref_opt, new_opt = _structure(ref["optimizer_weights"]), \
            _structure(new["optimizer_weights"])
        assert sorted(new_opt.pop("@weight_names", None) or
                      _names_at_root(new["optimizer_weights"])) == \
            sorted(ref_opt.pop("@weight_names", None) or _names_at_root(ref["optimizer_weights"]))
        assert new_opt == ref_opt
        # Empty weight lists are float64 arrays, as Keras writes them.
        for name in new["model_weights"].attrs["layer_names"]:
            name = name.decode() if isinstance(name, bytes) else name
            names = new["model_weights"][name].attrs["weight_names"]
            if len(names) == 0:
                assert names.dtype == np.float64


def _names_at_root(group):
    return [v.decode() if isinstance(v, bytes) else str(v) for v in group.attrs["weight_names"]]


def test_nested_model_group_lists_trainable_weights_first(tmp_path):
    model = _nested()
    model.save_weights(str(tmp_path / "w.h5"))
    with h5py.File(str(tmp_path / "w.h5"), "r") as f:
        names = [n.decode() if isinstance(n, bytes) else n
                 for n in f["inner_seq"].attrs["weight_names"]]
        assert [n.decode() if isinstance(n, bytes) else n
                for n in f.attrs["layer_names"]] == ["x_in", "inner_seq", "act"]
    assert names == ["inner_d1/kernel:0", "inner_d1/bias:0", "inner_bn/gamma:0",
                     "inner_bn/beta:0", "inner_d2/kernel:0", "inner_d2/bias:0",
                     "inner_bn/moving_mean:0", "inner_bn/moving_variance:0"]


def test_sequential_file_excludes_the_implicit_input_layer(tmp_path):
    model = _sequential()
    model.save_weights(str(tmp_path / "w.h5"))
    with h5py.File(str(tmp_path / "w.h5"), "r") as f:
        assert [n.decode() if isinstance(n, bytes) else n for n in f.attrs["layer_names"]] \
            == ["dense_a", "bn", "drop", "dense_b"]
        assert f["dense_a/dense_a/kernel:0"].shape == (4, 6)
        assert f.attrs["backend"] in (b"tensorflow", "tensorflow")


def test_large_name_lists_are_chunked_and_read_back(tmp_path):
    x = keras.Input((2,), name="x")
    h = x
    for i in range(700):
        h = layers.Activation("linear", name=f"{'a_rather_long_layer_name_' * 4}{i:04d}")(h)
    model = keras.Model(x, layers.Dense(2, name="d")(h))
    _perturb(model)
    path = str(tmp_path / "w.h5")
    model.save_weights(path)
    with h5py.File(path, "r") as f:
        assert "layer_names" not in f.attrs and "layer_names0" in f.attrs
        assert "layer_names1" in f.attrs
    other = keras.Model(x, layers.Dense(2, name="d2")(h))
    other.load_weights(path)
    _assert_same(other.get_weights(), model.get_weights())


# --------------------------------------------------------------------- loading modes
def test_load_weights_accepts_a_full_model_file(tmp_path):
    model = _sequential()
    _perturb(model)
    model.save(str(tmp_path / "m.h5"))
    other = _sequential()
    other.load_weights(str(tmp_path / "m.h5"))
    _assert_same(other.get_weights(), model.get_weights())


def test_load_weights_by_name_matches_layers_by_name(tmp_path):
    src = keras.Sequential([layers.Dense(3, input_shape=(4,), name="a"),
                            layers.Dense(2, name="b")])
    _perturb(src)
    src.save_weights(str(tmp_path / "w.h5"))
    dst = keras.Sequential([layers.Dense(2, input_shape=(4,), name="z"),
                            layers.Dense(3, name="a")])
    dst.layers[1].build((None, 2))
    before = _weights(dst)
    dst2 = keras.Sequential([layers.Dense(3, input_shape=(4,), name="a"),
                             layers.Dense(7, name="other")])
    dst2.load_weights(str(tmp_path / "w.h5"), by_name=True)
    _assert_same(dst2.get_layer("a").get_weights(), src.get_layer("a").get_weights())
    with pytest.raises(ValueError, match=r"Layer 'a' weight 'a/kernel:0': expected shape "
                                         r"\(2, 3\), file has \(4, 3\)"):
        dst.load_weights(str(tmp_path / "w.h5"), by_name=True)
    _assert_same(dst.get_weights(), before)


def test_load_weights_by_name_skip_mismatch_warns_and_loads_the_rest(tmp_path):
    src = keras.Sequential([layers.Dense(3, input_shape=(4,), name="a"),
                            layers.Dense(2, name="b")])
    _perturb(src)
    src.save_weights(str(tmp_path / "w.h5"))
    dst = keras.Sequential([layers.Dense(3, input_shape=(4,), name="a"),
                            layers.Dense(5, name="b")])
    before_b = _weights(dst.get_layer("b"))
    with pytest.warns(UserWarning, match="Skipping loading of weights for layer 'b' due "
                                         "to mismatch in shape"):
        dst.load_weights(str(tmp_path / "w.h5"), by_name=True, skip_mismatch=True)
    _assert_same(dst.get_layer("a").get_weights(), src.get_layer("a").get_weights())
    _assert_same(dst.get_layer("b").get_weights(), before_b)


def test_skip_mismatch_requires_by_name(tmp_path):
    model = _sequential()
    model.save_weights(str(tmp_path / "w.h5"))
    with pytest.raises(ValueError, match="skip_mismatch can only be set to True when "
                                         "by_name is True"):
        model.load_weights(str(tmp_path / "w.h5"), skip_mismatch=True)


def test_load_model_accepts_an_open_h5py_file(tmp_path):
    model = _sequential()
    _perturb(model)
    model.compile("sgd", "mse")
    model.save(str(tmp_path / "m.h5"))
    with h5py.File(str(tmp_path / "m.h5"), "r") as f:
        loaded = keras.models.load_model(f)
    _assert_same(loaded.get_weights(), model.get_weights())


@pytest.mark.parametrize("name", ["weights", "w.ckpt", "w.pt", "model.keras", "w.h5"])
def test_save_and_load_weights_use_hdf5_whatever_the_file_name(name, tmp_path):
    model = _multi_io()
    _perturb(model)
    path = str(tmp_path / name)
    model.save_weights(path)
    assert h5py.is_hdf5(path)
    other = _multi_io()
    other.load_weights(path)
    _assert_same(other.get_weights(), model.get_weights())


def test_model_and_weights_written_into_open_h5py_files_load_back(tmp_path):
    model = _nested()
    _perturb(model)
    with h5py.File(str(tmp_path / "m.h5"), "w") as f:
        model.save(f)
    with h5py.File(str(tmp_path / "w.h5"), "w") as f:
        model.save_weights(f)
    with h5py.File(str(tmp_path / "m.h5"), "r") as f:
        assert {"keras_version", "backend", "model_config"} <= set(f.attrs)
        loaded = keras.models.load_model(f, compile=False)
    other = _nested()
    with h5py.File(str(tmp_path / "w.h5"), "r") as f:
        other.load_weights(f)
    _assert_same(loaded.get_weights(), model.get_weights())
    _assert_same(other.get_weights(), model.get_weights())


# --------------------------------------------------------------------- errors
def _saved(tmp_path, model, name="w.h5"):
    path = str(tmp_path / name)
    model.save_weights(path)
    return path


def test_shape_mismatch_is_reported_per_layer_and_changes_nothing(tmp_path):
    src = keras.Sequential([layers.Dense(8, input_shape=(4,), name="dense_1"),
                            layers.Dense(16, name="dense_2")])
    path = _saved(tmp_path, src)
    dst = keras.Sequential([layers.Dense(16, input_shape=(4,), name="dense_1"),
                            layers.Dense(8, name="dense_2")])
    before = _weights(dst)
    with pytest.raises(ValueError, match=r"(?s)w\.h5.*Layer 'dense_2' weight "
                                         r"'dense_2/kernel:0': expected shape \(16, 8\), "
                                         r"file has \(8, 16\)"):
        dst.load_weights(path)
    _assert_same(dst.get_weights(), before)


def test_layer_count_mismatch_names_both_counts(tmp_path):
    path = _saved(tmp_path, _sequential())
    dst = keras.Sequential([layers.Dense(6, input_shape=(4,))])
    before = _weights(dst)
    with pytest.raises(ValueError, match="weight file containing 3 layers into a model "
                                         "with 1 layers"):
        dst.load_weights(path)
    _assert_same(dst.get_weights(), before)


def test_weight_count_mismatch_names_the_layers(tmp_path):
    path = _saved(tmp_path, keras.Sequential([layers.Dense(3, input_shape=(4,), name="d")]))
    dst = keras.Sequential([layers.Dense(3, input_shape=(4,), use_bias=False, name="e")])
    before = _weights(dst)
    with pytest.raises(ValueError, match="'e' expects 1 weights, but the saved weights "
                                         "have 2 elements"):
        dst.load_weights(path)
    _assert_same(dst.get_weights(), before)


def test_load_weights_into_an_unbuilt_model_says_to_build_it_first(tmp_path):
    path = _saved(tmp_path, keras.Sequential([layers.Dense(3, input_shape=(4,), name="a")]))
    unbuilt = keras.Sequential([layers.Dense(3, name="a")])
    with pytest.raises(ValueError, match="has not created its weights yet. Build it first"):
        unbuilt.load_weights(path)
    unbuilt.build((None, 4))
    unbuilt.load_weights(path)  # and once built, it loads


def test_non_hdf5_file_is_reported_as_such(tmp_path):
    path = tmp_path / "model.h5"
    path.write_bytes(b"this is not HDF5 at all" * 10)
    model = _sequential()
    before = _weights(model)
    with pytest.raises(OSError, match="model.h5' is not an HDF5 file"):
        model.load_weights(str(path))
    with pytest.raises(OSError, match="is not an HDF5 file"):
        keras.models.load_model(str(path))
    _assert_same(model.get_weights(), before)


def test_hdf5_file_that_is_not_keras_is_reported_as_such(tmp_path):
    path = str(tmp_path / "data.h5")
    with h5py.File(path, "w") as f:
        f["x"] = np.zeros(3)
    model = _sequential()
    before = _weights(model)
    msg = "is HDF5 but not a Keras weights/model file: it has no 'layer_names' attribute " \
          "or 'model_weights' group"
    with pytest.raises(ValueError, match=msg):
        model.load_weights(path)
    with pytest.raises(ValueError, match="is HDF5 but not a Keras weights/model file"):
        keras.models.load_model(path)
    _assert_same(model.get_weights(), before)


def test_missing_file_is_reported(tmp_path):
    with pytest.raises(OSError, match="No file or directory found at"):
        keras.models.load_model(str(tmp_path / "nope.h5"))


@pytest.mark.parametrize("fraction", [0.5, 0.9])
def test_truncated_file_raises_and_changes_nothing(fraction, tmp_path):
    src = os.path.join(FIXTURES, "dense_mlp", "weights.h5")
    data = open(src, "rb").read()
    path = tmp_path / "cut.h5"
    path.write_bytes(data[:int(len(data) * fraction)])
    with open(os.path.join(FIXTURES, "dense_mlp", "model.json")) as f:
        model = keras.models.model_from_json(f.read())
    before = _weights(model)
    with pytest.raises((OSError, ValueError), match="cut.h5.*(truncated|corrupted)"):
        model.load_weights(str(path))
    _assert_same(model.get_weights(), before)


def test_corrupted_dataset_raises_and_changes_nothing(tmp_path):
    src = keras.Sequential([layers.Dense(3, input_shape=(4,), name="a"),
                            layers.Dense(2, name="b")])
    path = _saved(tmp_path, src)
    with h5py.File(path, "a") as f:
        del f["b/b/bias:0"]  # listed in weight_names but gone
    dst = keras.Sequential([layers.Dense(3, input_shape=(4,), name="a"),
                            layers.Dense(2, name="b")])
    before = _weights(dst)
    with pytest.raises(ValueError, match="Unable to read weight 'b/bias:0' of layer 'b'"):
        dst.load_weights(path)
    _assert_same(dst.get_weights(), before)


def test_unmappable_optimizer_state_only_warns(tmp_path):
    model = _sequential()
    model.compile(keras.optimizers.Adam(), "mse")
    x, y = _train_data(model)
    model.train_on_batch(x, y)
    path = str(tmp_path / "m.h5")
    model.save(path)
    with h5py.File(path, "a") as f:
        g = f["optimizer_weights"]
        names = list(g.attrs["weight_names"])
        g.attrs["weight_names"] = names[:-1]
    with pytest.warns(UserWarning, match="Error in loading the saved optimizer state"):
        loaded = keras.models.load_model(path)
    _assert_same(loaded.get_weights(), model.get_weights())


# --------------------------------------------------------------------- atomic writes
class _Unsaveable(layers.Dense):
    def get_config(self):
        raise RuntimeError("cannot serialize this layer")


def test_failed_save_keeps_the_previous_file(tmp_path):
    path = str(tmp_path / "m.h5")
    good = _sequential()
    good.save(path)
    original = open(path, "rb").read()
    bad = keras.Sequential([_Unsaveable(2, input_shape=(3,))])
    with pytest.raises(RuntimeError, match="cannot serialize"):
        bad.save(path)
    assert open(path, "rb").read() == original
    assert os.listdir(tmp_path) == ["m.h5"]


_SAVE_FOREVER = """
import sys
import tkeras as keras
from tkeras import layers
model = keras.Sequential([layers.Dense(1024, input_shape=(1024,))] +
                         [layers.Dense(1024) for _ in range(15)])  # ~64 MB of weights
print("ready", flush=True)
while True:
    model.save(sys.argv[1])
"""


def test_process_killed_mid_save_leaves_the_previous_file_intact(tmp_path):
    """A real crash: another process saving over the file is SIGKILLed while its
    temporary file is being written; the previous file is byte-identical and loads."""
    import signal
    import subprocess
    import sys
    import time

    path = str(tmp_path / "model.h5")
    model = _sequential()
    _perturb(model)
    model.save(path)
    original = open(path, "rb").read()
    proc = subprocess.Popen([sys.executable, "-c", _SAVE_FOREVER, path],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            partial = [n for n in os.listdir(tmp_path) if n.endswith(".tmp")]
            if partial and os.path.getsize(tmp_path / partial[0]) > 1 << 20:
                break  # mid-write: the temporary file holds part of the weights
            time.sleep(0.001)
        else:
            pytest.fail("the saving process never started writing")
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    current = open(path, "rb").read()
    if current != original:
        # The kill landed after a complete save had been renamed into place: the file
        # must then be that complete model, never a partial one.
        assert keras.models.load_model(path, compile=False).count_params() == 16 * (1024 * 1024 + 1024)
    else:
        loaded = keras.models.load_model(path, compile=False)
        _assert_same(loaded.get_weights(), model.get_weights())


def test_save_replaces_an_existing_file(tmp_path):
    path = str(tmp_path / "w.h5")
    model = _sequential()
    model.save_weights(path)
    _perturb(model)
    model.save_weights(path)
    other = _sequential()
    other.load_weights(path)
    _assert_same(other.get_weights(), model.get_weights())


def test_fixture_copy_with_keras2_bytes_attrs_loads(tmp_path):
    """Older Keras 2 writers store every string attribute as bytes."""
    path = str(tmp_path / "old.h5")
    shutil.copy(os.path.join(FIXTURES, "dense_mlp", "weights.h5"), path)
    with h5py.File(path, "a") as f:
        names = [n.encode() if isinstance(n, str) else n for n in f.attrs["layer_names"]]
        f.attrs["layer_names"] = np.array(names, dtype="S")
        for n in names:
            wn = f[n.decode()].attrs["weight_names"]
            if len(wn):
                f[n.decode()].attrs["weight_names"] = np.array(
                    [w.encode() if isinstance(w, str) else w for w in wn], dtype="S")
    with open(os.path.join(FIXTURES, "dense_mlp", "model.json")) as f:
        model = keras.models.model_from_json(f.read())
    model.load_weights(path)
    ref = keras.models.model_from_json(open(os.path.join(FIXTURES, "dense_mlp",
                                                         "model.json")).read())
    hdf5.load_weights(ref, os.path.join(FIXTURES, "dense_mlp", "weights.h5"))
    _assert_same(model.get_weights(), ref.get_weights())


def test_import_tkeras_leaves_h5py_until_a_file_is_used(tmp_path):
    import subprocess
    import sys

    code = ("import sys, tkeras\n"
            "assert 'h5py' not in sys.modules, 'h5py imported by import tkeras'\n"
            "m = tkeras.Sequential([tkeras.layers.Dense(2, input_shape=(3,))])\n"
            "m.save_weights(sys.argv[1])\n"
            "assert 'h5py' in sys.modules\n"
            "m.load_weights(sys.argv[1])\n")
    proc = subprocess.run([sys.executable, "-c", code, str(tmp_path / "w.h5")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
