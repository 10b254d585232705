"""Keras 2 application architectures saved by tf-keras 2.21 load in tkeras and compute
the same numbers (`data/make_applications.py` writes the reference data).

Small architectures are committed as the `.h5` files tf-keras wrote. Large ones are
committed as their model JSON only: tkeras rebuilds them, draws the weights from the
seeded RNG the generator used (by Keras weight name and shape), and must reproduce
tf-keras's outputs for those weights. Every weight is random, BatchNormalization moving
statistics and Normalization statistics included, so all of them take part.
"""
import gzip
import importlib.util
import json
import os

import h5py

import numpy as np
import pytest

import tkeras
from tkeras import layers

pytestmark = pytest.mark.filterwarnings("ignore:No training configuration found")

DATA = os.path.join(os.path.dirname(__file__), "data", "applications")
_spec = importlib.util.spec_from_file_location(
    "make_applications", os.path.join(os.path.dirname(__file__), "data", "make_applications.py"))
GEN = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(GEN)

H5 = [k for k, v in GEN.ARCHITECTURES.items() if v[4] == "h5" and k != "tf_ops"]
JSON = [k for k, v in GEN.ARCHITECTURES.items() if v[4] == "json"]


def _reference(key):
    return np.load(os.path.join(DATA, key + ".npz"))


def _assert_same_outputs(y, expected):
    y = y.detach().cpu().numpy() if hasattr(y, "detach") else np.asarray(y)
    scale = max(1.0, float(np.abs(expected).max()))
    np.testing.assert_allclose(y, expected, rtol=1e-4, atol=1e-4 * scale)


def _json_model(key):
    with gzip.open(os.path.join(DATA, key + ".json.gz"), "rt") as f:
        return tkeras.models.model_from_json(f.read())


def _set_seeded_weights(model, names):
    weights = model.get_weights()
    assert len(weights) == len(names)
    model.set_weights(GEN.seeded_weights(names, [w.shape for w in weights],
                                         [w.dtype for w in weights]))


@pytest.mark.parametrize("key", H5)
def test_tf_keras_application_h5_loads_and_predicts_the_same(key, tmp_path):
    ref = _reference(key)
    model = tkeras.models.load_model(os.path.join(DATA, key + ".h5"))
    assert [w.name for w in model.weights] == list(ref["weight_names"])
    _assert_same_outputs(model(ref["x"], training=False), ref["y"])
    _assert_same_outputs(model.predict(ref["x"], verbose=0), ref["y"])

    # The same file through the config and weights doors.
    rebuilt = tkeras.models.model_from_json(model.to_json())
    rebuilt.load_weights(os.path.join(DATA, key + ".h5"))
    _assert_same_outputs(rebuilt(ref["x"], training=False), ref["y"])

    # And back through a file tkeras writes.
    model.save(str(tmp_path / "again.h5"))
    again = tkeras.models.load_model(str(tmp_path / "again.h5"))
    _assert_same_outputs(again(ref["x"], training=False), ref["y"])


@pytest.mark.parametrize("key", JSON)
def test_tf_keras_application_config_rebuilds_and_predicts_the_same(key):
    ref = _reference(key)
    model = _json_model(key)
    _set_seeded_weights(model, list(ref["weight_names"]))
    _assert_same_outputs(model(ref["x"], training=False), ref["y"])


def test_application_with_preprocessing_and_tf_ops_round_trips_through_tkeras_files(tmp_path):
    # ConvNeXt: Normalization with constant statistics, a nested Sequential stem,
    # LayerScale, gelu, TFOpLambda residual additions.
    ref = _reference("convnexttiny")
    model = _json_model("convnexttiny")
    _set_seeded_weights(model, list(ref["weight_names"]))
    model.save(str(tmp_path / "convnext.h5"))
    again = tkeras.models.load_model(str(tmp_path / "convnext.h5"))
    _assert_same_outputs(again(ref["x"], training=False), ref["y"])
    rebuilt = tkeras.models.model_from_json(again.to_json())
    rebuilt.set_weights(again.get_weights())
    _assert_same_outputs(rebuilt(ref["x"], training=False), ref["y"])


def test_tf_keras_functions_on_symbolic_tensors_load_as_torch_ops():
    ref = _reference("tf_ops")
    model = tkeras.models.load_model(os.path.join(DATA, "tf_ops.h5"))
    kinds = {type(l).__name__ for l in model.layers}
    assert {"TFOpLambda", "SlicingOpLambda"} <= kinds
    outputs = model.predict(ref["x"], verbose=0)
    for i, y in enumerate(outputs):
        _assert_same_outputs(y, ref[f"y{i}"])
    rebuilt = tkeras.models.model_from_json(model.to_json())
    rebuilt.set_weights(model.get_weights())
    for y, expected in zip(rebuilt.predict(ref["x"], verbose=0), outputs):
        np.testing.assert_array_equal(y, expected)

    # tkeras writes the graph as tf-keras does (one TFOpLambda input is not wrapped in
    # a list), so tf-keras reads tkeras's files back.
    with h5py.File(os.path.join(DATA, "tf_ops.h5"), "r") as f:
        written = json.loads(f.attrs["model_config"])["config"]["layers"]
    ours = json.loads(model.to_json())["config"]["layers"]
    assert [(l["name"], l["inbound_nodes"]) for l in ours] == \
        [(l["name"], l["inbound_nodes"]) for l in written]


def test_unknown_tf_function_is_refused_by_name():
    config = {"class_name": "Functional", "config": {
        "name": "m",
        "layers": [
            {"class_name": "InputLayer", "name": "x",
             "config": {"batch_input_shape": [None, 3], "name": "x"}, "inbound_nodes": []},
            {"class_name": "TFOpLambda", "name": "tf.math.bessel_i0",
             "config": {"name": "tf.math.bessel_i0", "function": "math.bessel_i0"},
             "inbound_nodes": [["x", 0, 0, {"name": None}]]},
        ],
        "input_layers": [["x", 0, 0]], "output_layers": [["tf.math.bessel_i0", 0, 0]]}}
    with pytest.raises(ValueError, match=r"`tf\.math\.bessel_i0`.*cannot translate"):
        tkeras.models.model_from_config(config)


@pytest.mark.parametrize("nested", [False, True])
def test_fine_tuning_a_loaded_application_trains_only_the_new_head(nested):
    ref = _reference("mobilenetv3small_avg")
    base = tkeras.models.load_model(os.path.join(DATA, "mobilenetv3small_avg.h5"))
    if nested:  # base.trainable = False; the base runs in inference mode
        base.trainable = False
        inputs = tkeras.Input(base.input_shape[1:])
        features = base(inputs, training=False)
    else:  # freeze layer by layer; the head goes on the base's output
        for layer in base.layers:
            layer.trainable = False
        inputs, features = base.input, base.output
    head = layers.Dense(3, activation="softmax", name="new_head")
    model = tkeras.Model(inputs, head(features))
    model.compile(optimizer=tkeras.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy")
    assert [w.name for w in model.trainable_weights] == ["new_head/kernel:0",
                                                         "new_head/bias:0"]
    frozen = [w.numpy().copy() for w in base.weights]
    head_before = [w.numpy().copy() for w in head.weights]
    x = np.concatenate([ref["x"]] * 4)
    y = np.arange(len(x)) % 3
    model.fit(x, y, batch_size=4, epochs=1, verbose=0)  # 2 steps

    moving = [i for i, w in enumerate(base.weights) if "moving_" in w.name]
    assert moving  # BatchNormalization statistics are among the frozen weights
    for before, w in zip(frozen, base.weights):
        np.testing.assert_array_equal(w.numpy(), before, err_msg=w.name)
    for before, w in zip(head_before, head.weights):
        assert not np.allclose(w.numpy(), before), w.name
    # The frozen base still computes what tf-keras computed.
    _assert_same_outputs(base(ref["x"], training=False), ref["y"])
