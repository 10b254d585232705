"""Model configs and JSON in the Keras 2 schema, both ways (tkeras/saving/model_config.py).

The `TF_*_JSON` literals are `model.to_json()` of real tf-keras 2.21 for the models that
`_build_*` below rebuild in tkeras (same layer names and calls), generated with:

    seq = Sequential([Dense(6, input_shape=(4,), activation="relu", name="hidden"),
                      Dropout(0.25, name="drop"), Dense(3, name="logits"),
                      Activation("softmax", name="probs")], name="seq_mlp")
    (multi_io and nested: see `_build_multi_io` / `_build_nested`)
    model.set_weights(<_det_weights>); model.predict(<INPUTS[name]>)  ->  TF_OUTPUTS[name]
"""
import glob
import json
import os

import h5py
import numpy as np

import tkeras
import pytest

import tkeras as keras
from tkeras import layers
from tkeras.engine.functional import Functional
from tkeras.engine.sequential import Sequential
from tkeras.models import clone_model, model_from_config, model_from_json, model_from_yaml

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "compat_tests", "fixtures",
                        "keras2")

TF_SEQ_MLP_JSON = (
    '{"class_name": "Sequential", "config": {"name": "seq_mlp", "layers": [{"module": "kera'
    's.layers", "class_name": "InputLayer", "config": {"batch_input_shape": [null, 4], "dty'
    'pe": "float32", "sparse": false, "ragged": false, "name": "hidden_input", "optional": '
    'false}, "registered_name": null}, {"module": "keras.layers", "class_name": "Dense", "c'
    'onfig": {"name": "hidden", "trainable": true, "dtype": "float32", "batch_input_shape":'
    ' [null, 4], "units": 6, "activation": "relu", "use_bias": true, "kernel_initializer": '
    '{"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": nul'
    'l}, "registered_name": null}, "bias_initializer": {"module": "keras.initializers", "cl'
    'ass_name": "Zeros", "config": {}, "registered_name": null}, "kernel_regularizer": null'
    ', "bias_regularizer": null, "activity_regularizer": null, "kernel_constraint": null, "'
    'bias_constraint": null}, "registered_name": null, "build_config": {"input_shape": [nul'
    'l, 4]}}, {"module": "keras.layers", "class_name": "Dropout", "config": {"name": "drop"'
    ', "trainable": true, "dtype": "float32", "rate": 0.25, "noise_shape": null, "seed": nu'
    'll}, "registered_name": null, "build_config": {"input_shape": [null, 6]}}, {"module": '
    '"keras.layers", "class_name": "Dense", "config": {"name": "logits", "trainable": true,'
    ' "dtype": "float32", "units": 3, "activation": "linear", "use_bias": true, "kernel_ini'
    'tializer": {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {'
    '"seed": null}, "registered_name": null}, "bias_initializer": {"module": "keras.initial'
    'izers", "class_name": "Zeros", "config": {}, "registered_name": null}, "kernel_regular'
    'izer": null, "bias_regularizer": null, "activity_regularizer": null, "kernel_constrain'
    't": null, "bias_constraint": null}, "registered_name": null, "build_config": {"input_s'
    'hape": [null, 6]}}, {"module": "keras.layers", "class_name": "Activation", "config": {'
    '"name": "probs", "trainable": true, "dtype": "float32", "activation": "softmax"}, "reg'
    'istered_name": null, "build_config": {"input_shape": [null, 3]}}]}, "keras_version": "'
    '2.21.0", "backend": "tensorflow"}'
)

TF_MULTI_IO_JSON = (
    '{"class_name": "Functional", "config": {"name": "multi_io", "trainable": true, "layers'
    '": [{"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_input_sha'
    'pe": [null, 4], "dtype": "float32", "sparse": false, "ragged": false, "name": "in_a", '
    '"optional": false}, "registered_name": null, "name": "in_a", "inbound_nodes": []}, {"m'
    'odule": "keras.layers", "class_name": "Dense", "config": {"name": "shared", "trainable'
    '": true, "dtype": "float32", "units": 5, "activation": "tanh", "use_bias": true, "kern'
    'el_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform", "conf'
    'ig": {"seed": null}, "registered_name": null}, "bias_initializer": {"module": "keras.i'
    'nitializers", "class_name": "Zeros", "config": {}, "registered_name": null}, "kernel_r'
    'egularizer": null, "bias_regularizer": null, "activity_regularizer": null, "kernel_con'
    'straint": null, "bias_constraint": null}, "registered_name": null, "build_config": {"i'
    'nput_shape": [null, 4]}, "name": "shared", "inbound_nodes": [[["in_a", 0, 0, {}]], [["'
    'in_b", 0, 0, {}]]]}, {"module": "keras.layers", "class_name": "InputLayer", "config": '
    '{"batch_input_shape": [null, 4], "dtype": "float32", "sparse": false, "ragged": false,'
    ' "name": "in_b", "optional": false}, "registered_name": null, "name": "in_b", "inbound'
    '_nodes": []}, {"module": "keras.layers", "class_name": "RepeatVector", "config": {"nam'
    'e": "rep", "trainable": true, "dtype": "float32", "n": 2}, "registered_name": null, "b'
    'uild_config": {"input_shape": [null, 5]}, "name": "rep", "inbound_nodes": [[["shared",'
    ' 0, 0, {}]]]}, {"module": "keras.layers", "class_name": "Permute", "config": {"name": '
    '"perm", "trainable": true, "dtype": "float32", "dims": [2, 1]}, "registered_name": nul'
    'l, "build_config": {"input_shape": [null, 2, 5]}, "name": "perm", "inbound_nodes": [[['
    '"rep", 0, 0, {}]]]}, {"module": "keras.layers", "class_name": "Reshape", "config": {"n'
    'ame": "reshape", "trainable": true, "dtype": "float32", "target_shape": [5, 1]}, "regi'
    'stered_name": null, "build_config": {"input_shape": [null, 5]}, "name": "reshape", "in'
    'bound_nodes": [[["shared", 1, 0, {}]]]}, {"module": "keras.layers", "class_name": "Fla'
    'tten", "config": {"name": "flat", "trainable": true, "dtype": "float32", "data_format"'
    ': "channels_last"}, "registered_name": null, "build_config": {"input_shape": [null, 5,'
    ' 2]}, "name": "flat", "inbound_nodes": [[["perm", 0, 0, {}]]]}, {"module": "keras.laye'
    'rs", "class_name": "Dropout", "config": {"name": "drop_t", "trainable": true, "dtype":'
    ' "float32", "rate": 0.0, "noise_shape": null, "seed": null}, "registered_name": null, '
    '"build_config": {"input_shape": [null, 5, 1]}, "name": "drop_t", "inbound_nodes": [[["'
    'reshape", 0, 0, {"training": true}]]]}, {"module": "keras.layers", "class_name": "Dens'
    'e", "config": {"name": "out_a", "trainable": true, "dtype": "float32", "units": 2, "ac'
    'tivation": "linear", "use_bias": true, "kernel_initializer": {"module": "keras.initial'
    'izers", "class_name": "GlorotUniform", "config": {"seed": null}, "registered_name": nu'
    'll}, "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "conf'
    'ig": {}, "registered_name": null}, "kernel_regularizer": null, "bias_regularizer": nul'
    'l, "activity_regularizer": null, "kernel_constraint": null, "bias_constraint": null}, '
    '"registered_name": null, "build_config": {"input_shape": [null, 10]}, "name": "out_a",'
    ' "inbound_nodes": [[["flat", 0, 0, {}]]]}, {"module": "keras.layers", "class_name": "F'
    'latten", "config": {"name": "out_b", "trainable": true, "dtype": "float32", "data_form'
    'at": "channels_last"}, "registered_name": null, "build_config": {"input_shape": [null,'
    ' 5, 1]}, "name": "out_b", "inbound_nodes": [[["drop_t", 0, 0, {}]]]}], "input_layers":'
    ' [["in_a", 0, 0], ["in_b", 0, 0]], "output_layers": [["out_a", 0, 0], ["out_b", 0, 0]]'
    '}, "keras_version": "2.21.0", "backend": "tensorflow"}'
)

TF_NESTED_JSON = (
    '{"class_name": "Functional", "config": {"name": "nested", "trainable": true, "layers":'
    ' [{"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_input_shape'
    '": [null, 3], "dtype": "float32", "sparse": false, "ragged": false, "name": "x", "opti'
    'onal": false}, "registered_name": null, "name": "x", "inbound_nodes": []}, {"module": '
    '"tf_keras.src.engine.functional", "class_name": "Functional", "config": {"name": "inne'
    'r_fn", "trainable": true, "layers": [{"module": "keras.layers", "class_name": "InputLa'
    'yer", "config": {"batch_input_shape": [null, 3], "dtype": "float32", "sparse": false, '
    '"ragged": false, "name": "inner_in", "optional": false}, "registered_name": null, "nam'
    'e": "inner_in", "inbound_nodes": []}, {"module": "keras.layers", "class_name": "Dense"'
    ', "config": {"name": "inner_dense", "trainable": true, "dtype": "float32", "units": 3,'
    ' "activation": "tanh", "use_bias": true, "kernel_initializer": {"module": "keras.initi'
    'alizers", "class_name": "GlorotUniform", "config": {"seed": null}, "registered_name": '
    'null}, "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "co'
    'nfig": {}, "registered_name": null}, "kernel_regularizer": null, "bias_regularizer": n'
    'ull, "activity_regularizer": null, "kernel_constraint": null, "bias_constraint": null}'
    ', "registered_name": null, "build_config": {"input_shape": [null, 3]}, "name": "inner_'
    'dense", "inbound_nodes": [[["inner_in", 0, 0, {}]]]}], "input_layers": [["inner_in", 0'
    ', 0]], "output_layers": [["inner_dense", 0, 0]]}, "registered_name": "Functional", "bu'
    'ild_config": {"input_shape": [null, 3]}, "name": "inner_fn", "inbound_nodes": [[["x", '
    '0, 0, {}]], [["inner_fn", 1, 0, {}]]]}, {"module": "keras", "class_name": "Sequential"'
    ', "config": {"name": "inner_seq", "layers": [{"module": "keras.layers", "class_name": '
    '"InputLayer", "config": {"batch_input_shape": [null, 3], "dtype": "float32", "sparse":'
    ' false, "ragged": false, "name": "seq_dense_input", "optional": false}, "registered_na'
    'me": null}, {"module": "keras.layers", "class_name": "Dense", "config": {"name": "seq_'
    'dense", "trainable": true, "dtype": "float32", "batch_input_shape": [null, 3], "units"'
    ': 4, "activation": "linear", "use_bias": true, "kernel_initializer": {"module": "keras'
    '.initializers", "class_name": "GlorotUniform", "config": {"seed": null}, "registered_n'
    'ame": null}, "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros'
    '", "config": {}, "registered_name": null}, "kernel_regularizer": null, "bias_regulariz'
    'er": null, "activity_regularizer": null, "kernel_constraint": null, "bias_constraint":'
    ' null}, "registered_name": null, "build_config": {"input_shape": [null, 3]}}, {"module'
    '": "keras.layers", "class_name": "Activation", "config": {"name": "seq_act", "trainabl'
    'e": true, "dtype": "float32", "activation": "sigmoid"}, "registered_name": null, "buil'
    'd_config": {"input_shape": [null, 4]}}]}, "registered_name": null, "build_config": {"i'
    'nput_shape": [null, 3]}, "name": "inner_seq", "inbound_nodes": [[["inner_fn", 2, 0, {}'
    ']]]}, {"module": "keras.layers", "class_name": "ActivityRegularization", "config": {"n'
    'ame": "act_reg", "trainable": true, "dtype": "float32", "l1": 0.01, "l2": 0.0}, "regis'
    'tered_name": null, "build_config": {"input_shape": [null, 4]}, "name": "act_reg", "inb'
    'ound_nodes": [[["inner_seq", 1, 0, {}]]]}, {"module": "keras.layers", "class_name": "M'
    'asking", "config": {"name": "mask", "trainable": true, "dtype": "float32", "mask_value'
    '": 0.0}, "registered_name": null, "build_config": {"input_shape": [null, 4]}, "name": '
    '"mask", "inbound_nodes": [[["act_reg", 0, 0, {}]]]}], "input_layers": [["x", 0, 0]], "'
    'output_layers": [["mask", 0, 0]]}, "keras_version": "2.21.0", "backend": "tensorflow"}'
)

TF_OUTPUTS = {
    "seq_mlp": [[[0.48324, 0.299738, 0.217023], [0.44793, 0.307622, 0.244448]]],
    "multi_io": [
        [[-0.047924, -0.508378], [0.017698, -0.337676]],
        [[0.303663, 0.524855, 0.521416, 0.292751, -0.116441],
         [0.507482, 0.589307, 0.442759, 0.050958, -0.377928]],
    ],
    "nested": [[[0.550808, 0.456077, 0.383815, 0.366332],
                [0.55064, 0.455934, 0.383768, 0.366394]]],
}
INPUTS = {
    "seq_mlp": np.linspace(-1, 1, 8).reshape(2, 4).astype("float32"),
    "multi_io": [np.linspace(-1, 1, 8).reshape(2, 4).astype("float32"),
                 np.linspace(1, -0.5, 8).reshape(2, 4).astype("float32")],
    "nested": np.linspace(-1, 1, 6).reshape(2, 3).astype("float32"),
}

# tf-keras 2.21 config of `_build_shared_and_nested()`: (name, class, inbound_nodes) per
# layer, then input_layers / output_layers.
TF_SHARED_NESTED_LAYERS = [
    ["x", "InputLayer", []],
    ["shared", "Dense", [[["x", 0, 0, {}]], [["inner", 1, 0, {}]]]],
    ["inner", "Functional", [[["shared", 0, 0, {}]], [["shared", 1, 0, {}]]]],
    ["dbl", "Lambda", [[["inner", 2, 0, {}]]]],
    ["dr", "Dropout", [[["dbl", 0, 0, {"training": False}]]]],
    ["seq", "Sequential", [[["dr", 0, 0, {}]]]],
]
TF_SHARED_NESTED_IO = [[["x", 0, 0]], [["seq", 1, 0], ["dr", 0, 0]]]
TF_SHARED_NESTED_INNER_SEQ = [["InputLayer", "s1_input"], ["Dense", "s1"], ["Activation", "s2"]]


def double(t):
    return t * 2


# ---------------------------------------------------------------------- builders
def _build_seq_mlp():
    return keras.Sequential([
        layers.Dense(6, input_shape=(4,), activation="relu", name="hidden"),
        layers.Dropout(0.25, name="drop"),
        layers.Dense(3, name="logits"),
        layers.Activation("softmax", name="probs"),
    ], name="seq_mlp")


def _build_multi_io():
    a, b = keras.Input((4,), name="in_a"), keras.Input((4,), name="in_b")
    shared = layers.Dense(5, activation="tanh", name="shared")
    ha, hb = shared(a), shared(b)
    r = layers.RepeatVector(2, name="rep")(ha)
    p = layers.Permute((2, 1), name="perm")(r)
    o1 = layers.Dense(2, name="out_a")(layers.Flatten(name="flat")(p))
    rs = layers.Reshape((5, 1), name="reshape")(hb)
    o2 = layers.Flatten(name="out_b")(layers.Dropout(0.0, name="drop_t")(rs, training=True))
    return keras.Model([a, b], [o1, o2], name="multi_io")


def _build_nested():
    ii = keras.Input((3,), name="inner_in")
    inner = keras.Model(ii, layers.Dense(3, activation="tanh", name="inner_dense")(ii),
                        name="inner_fn")
    inner_seq = keras.Sequential([layers.Dense(4, input_shape=(3,), name="seq_dense"),
                                  layers.Activation("sigmoid", name="seq_act")],
                                 name="inner_seq")
    x = keras.Input((3,), name="x")
    z = inner_seq(inner(inner(x)))
    z = layers.ActivityRegularization(l1=0.01, name="act_reg")(z)
    z = layers.Masking(mask_value=0.0, name="mask")(z)
    return keras.Model(x, z, name="nested")


def _build_shared_and_nested():
    """Shared Dense at two depths, a nested functional model called twice, a Lambda with
    a named function, a `training=` call argument and a nested Sequential."""
    shared = layers.Dense(3, name="shared")
    a = keras.Input((3,), name="a")
    inner = keras.Model(a, layers.Dense(3, name="idense")(a), name="inner")
    x = keras.Input((3,), name="x")
    h = inner(shared(inner(shared(x))))
    h = layers.Lambda(double, name="dbl")(h)
    h = layers.Dropout(0.5, name="dr")(h, training=False)
    seq = keras.Sequential([layers.Dense(2, input_shape=(3,), name="s1"),
                            layers.Activation("tanh", name="s2")], name="seq")
    return keras.Model(x, [seq(h), h], name="big")


BUILDERS = {"seq_mlp": _build_seq_mlp, "multi_io": _build_multi_io, "nested": _build_nested}
TF_JSON = {"seq_mlp": TF_SEQ_MLP_JSON, "multi_io": TF_MULTI_IO_JSON, "nested": TF_NESTED_JSON}


# ---------------------------------------------------------------------- helpers
def _det_weights(model):
    """Deterministic weights, layer by layer in `model.layers` order (for these models
    the order of tf-keras's `model.get_weights()`)."""
    i = 0
    for layer in model.layers:
        values = []
        for w in layer.get_weights():
            values.append((np.sin(np.arange(w.size) * 0.7 + i) * 0.5)
                          .reshape(w.shape).astype("float32"))
            i += 1
        if values:
            layer.set_weights(values)


def _structure(config):
    """What must match between two model configs: layers, calls, inputs/outputs."""
    if "input_layers" in config:
        return ([(l["name"], l["class_name"], l["inbound_nodes"],
                  _structure(l["config"]) if l["class_name"] in ("Functional", "Model",
                                                                 "Sequential") else None)
                 for l in config["layers"]],
                config["input_layers"], config["output_layers"])
    layer_list = config["layers"] if isinstance(config, dict) else config
    return [(l["class_name"], l["config"]["name"]) for l in layer_list]


def _outputs(model, x):
    out = model.predict(x, verbose=0)
    return out if isinstance(out, list) else [out]


def _assert_same_model(old, new, x):
    assert type(new) is type(old)
    assert [l.name for l in new.layers] == [l.name for l in old.layers]
    assert [type(l) for l in new.layers] == [type(l) for l in old.layers]
    assert new.output_shape == old.output_shape
    new.set_weights(old.get_weights())
    for a, b in zip(_outputs(old, x), _outputs(new, x)):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)


# ---------------------------------------------------------------------- tf-keras files
@pytest.mark.parametrize("name", ["seq_mlp", "multi_io", "nested"])
def test_tf_keras_json_loads_and_predicts_like_tf_keras(name):
    model = model_from_json(TF_JSON[name])
    assert model.name == name
    _det_weights(model)
    for got, want in zip(_outputs(model, INPUTS[name]), TF_OUTPUTS[name]):
        np.testing.assert_allclose(got, np.array(want), rtol=0, atol=2e-6)


@pytest.mark.parametrize("name", ["seq_mlp", "multi_io", "nested"])
def test_config_of_same_model_has_tf_keras_structure(name):
    mine = json.loads(BUILDERS[name]().to_json())
    theirs = json.loads(TF_JSON[name])
    assert mine["class_name"] == theirs["class_name"]
    assert _structure(mine["config"]) == _structure(theirs["config"])
    # ... and so has the config of the model loaded from tf-keras's JSON.
    reloaded = json.loads(model_from_json(TF_JSON[name]).to_json())
    assert _structure(reloaded["config"]) == _structure(theirs["config"])


def test_shared_layers_and_nested_models_are_numbered_like_tf_keras():
    config = _build_shared_and_nested().get_config()
    assert [[l["name"], l["class_name"], l["inbound_nodes"]]
            for l in config["layers"]] == TF_SHARED_NESTED_LAYERS
    assert [config["input_layers"], config["output_layers"]] == TF_SHARED_NESTED_IO
    assert _structure(config["layers"][-1]["config"]) == [
        tuple(x) for x in TF_SHARED_NESTED_INNER_SEQ]


def test_to_json_carries_keras_version_and_backend():
    data = json.loads(_build_seq_mlp().to_json())
    assert list(data) == ["class_name", "config", "keras_version", "backend"]
    assert data["keras_version"] == keras.saving.KERAS_VERSION
    assert data["keras_version"].startswith("2.")
    assert data["backend"] == "tensorflow"
    assert "\n" in _build_seq_mlp().to_json(indent=2)


def _loadable_layer_classes(config):
    """Layer class names a model config needs (nested models and wrappers included)."""
    names = set()

    def visit(layer_data):
        names.add(layer_data["class_name"])
        sub = layer_data.get("config")
        if isinstance(sub, dict):
            for item in sub.get("layers", []) or []:
                visit(item)
            for key in ("layer", "forward_layer", "backward_layer"):
                if isinstance(sub.get(key), dict):
                    visit(sub[key])
        elif isinstance(sub, list):  # Sequential in the old list form
            for item in sub:
                visit(item)

    visit(config)
    return names


def _load_h5_weights(model, path):
    with h5py.File(path, "r") as f:
        for name in f.attrs["layer_names"]:
            name = name.decode() if isinstance(name, bytes) else name
            group = f[name]
            weight_names = [n.decode() if isinstance(n, bytes) else n
                            for n in group.attrs["weight_names"]]
            if not weight_names:
                continue
            layer = model.get_layer(name)
            arrays = [group[n][()] for n in weight_names]
            if isinstance(layer, tkeras.Model):
                # A nested model's group lists all trainable weights first (Keras 2
                # format), so assign them to its sub-layers by name.
                for sub in layer.layers:
                    mine = [a for n, a in zip(weight_names, arrays) if n.split("/")[0] == sub.name]
                    if mine:
                        sub.set_weights(mine)
            else:
                layer.set_weights(arrays)


def _fixture_arrays(folder, stem, names):
    if os.path.exists(os.path.join(folder, stem + ".npy")):
        return [np.load(os.path.join(folder, stem + ".npy"))]
    data = np.load(os.path.join(folder, stem + ".npz"))
    return [data[n] for n in names]


def test_keras2_fixture_configs_load_when_their_layers_exist():
    available = set(layers._layer_objects())
    for path in sorted(glob.glob(os.path.join(FIXTURES, "*", "model.json"))):
        text = open(path).read()
        missing = _loadable_layer_classes(json.loads(text)) - available
        if missing:
            # Not loadable yet: the error names a missing class and the way out.
            with pytest.raises(ValueError, match="custom_objects") as info:
                model_from_json(text)
            assert any(repr(n) in str(info.value) for n in missing), path
            continue
        model = model_from_json(text)
        theirs = json.loads(text)
        assert _structure(json.loads(model.to_json())["config"]) == _structure(
            theirs["config"]), path
        folder = os.path.dirname(path)
        weights = os.path.join(folder, "weights.h5")
        if not os.path.exists(weights):  # keras1_weights keeps its Keras 2 copy here
            weights = os.path.join(folder, "weights_keras2.h5")
        _load_h5_weights(model, weights)
        xs = _fixture_arrays(folder, "x", model.input_names)
        ys = _fixture_arrays(folder, "y", model.output_names)
        got = _outputs(model, xs if len(xs) > 1 else xs[0])
        for g, y in zip(got, ys):
            np.testing.assert_allclose(g, y, rtol=1e-4, atol=1e-5, err_msg=path)


# ---------------------------------------------------------------------- round trips
def test_functional_round_trip_keeps_structure_and_predictions():
    model = _build_shared_and_nested()
    x = np.random.RandomState(0).rand(4, 3).astype("float32")
    custom = {"double": double}
    _assert_same_model(model, Functional.from_config(model.get_config(), custom), x)
    again = model_from_json(model.to_json(), custom_objects=custom)
    _assert_same_model(model, again, x)
    assert json.loads(again.to_json()) == json.loads(model.to_json())


def test_multi_io_round_trip_through_json():
    model = _build_multi_io()
    _assert_same_model(model, model_from_json(model.to_json()), INPUTS["multi_io"])


def test_nested_models_round_trip_as_models():
    model = _build_nested()
    again = model_from_json(model.to_json())
    assert isinstance(again.get_layer("inner_fn"), Functional)
    assert isinstance(again.get_layer("inner_seq"), Sequential)
    _assert_same_model(model, again, INPUTS["nested"])


def test_sequential_round_trip_lists_input_layer_first():
    model = _build_seq_mlp()
    config = model.get_config()
    assert config["layers"][0]["class_name"] == "InputLayer"
    assert config["layers"][0]["config"]["batch_input_shape"] == [None, 4]
    assert config["layers"][0]["config"]["name"] == "hidden_input"
    again = Sequential.from_config(config)
    assert again.input_names == ["hidden_input"]
    _assert_same_model(model, again, INPUTS["seq_mlp"])
    _assert_same_model(model, model_from_json(model.to_json()), INPUTS["seq_mlp"])


def test_unbuilt_sequential_round_trips_unbuilt():
    model = keras.Sequential([layers.Dense(4, name="u1"), layers.Dense(1, name="u2")])
    config = model.get_config()
    assert [l["class_name"] for l in config["layers"]] == ["Dense", "Dense"]
    again = Sequential.from_config(config)
    assert not again.built
    assert tuple(again(np.ones((2, 5), "float32")).shape) == (2, 1)


def test_sequential_loads_old_list_form_and_build_input_shape():
    old = [{"class_name": "Dense", "config": {"name": "q", "units": 2,
                                              "batch_input_shape": [None, 5]}},
           {"class_name": "Dropout", "config": {"name": "qd", "rate": 0.5}}]
    model = model_from_config({"class_name": "Sequential", "config": old})
    assert model.output_shape == (None, 2)
    assert [l.name for l in model.layers] == ["q", "qd"]
    model = Sequential.from_config({"name": "bb", "build_input_shape": [None, 6],
                                    "layers": [{"class_name": "Dense",
                                                "config": {"name": "q2", "units": 3}}]})
    assert model.name == "bb"
    assert model.input_shape == (None, 6) and model.output_shape == (None, 3)


def test_single_and_list_inputs_are_written_as_lists_of_triples():
    x = keras.Input((3,), name="x")
    y = layers.Dense(2, name="d")(x)
    for inputs, outputs in [(x, y), ([x], [y])]:
        config = keras.Model(inputs, outputs).get_config()
        assert config["input_layers"] == [["x", 0, 0]]
        assert config["output_layers"] == [["d", 0, 0]]
    # Loading unwraps the single tensor, as tf-keras does.
    model = model_from_json(keras.Model([x], [y]).to_json())
    out = model(np.ones((1, 3), "float32"))
    assert tuple(out.shape) == (1, 2)


def test_dict_inputs_and_outputs_round_trip_as_dicts():
    a, b = keras.Input((3,), name="a"), keras.Input((2,), name="b")
    model = keras.Model({"a": a, "b": b}, {"oa": layers.Dense(1, name="da")(a),
                                           "ob": layers.Dense(1, name="db")(b)})
    config = model.get_config()
    assert config["input_layers"] == {"a": ["a", 0, 0], "b": ["b", 0, 0]}
    assert config["output_layers"] == {"oa": ["da", 0, 0], "ob": ["db", 0, 0]}
    again = Functional.from_config(config)
    again.set_weights(model.get_weights())
    data = {"a": np.ones((2, 3), "float32"), "b": np.ones((2, 2), "float32")}
    out = again(data)
    assert set(out) == {"oa", "ob"}
    np.testing.assert_allclose(out["ob"].detach().numpy(), model(data)["ob"].detach().numpy())


def test_layer_shared_with_another_model_is_numbered_relative_to_the_model():
    shared = layers.Dense(2, name="sh")
    a, c = keras.Input((3,), name="a"), keras.Input((3,), name="c")
    keras.Model(a, shared(a))
    config = keras.Model(c, shared(c)).get_config()
    assert config["layers"][1]["inbound_nodes"] == [[["c", 0, 0, {}]]]
    assert config["output_layers"] == [["sh", 0, 0]]


# ---------------------------------------------------------------------- other Keras 2 files
def test_keras_224_style_config_loads():
    # Keras 2.2.4 writes "Model", 3-element inbound entries are accepted too.
    config = {"class_name": "Model", "config": {
        "name": "model_1",
        "layers": [
            {"name": "input_1", "class_name": "InputLayer", "inbound_nodes": [],
             "config": {"batch_input_shape": [None, 784], "dtype": "float32",
                        "sparse": False, "name": "input_1"}},
            {"name": "dense_1", "class_name": "Dense", "inbound_nodes": [[["input_1", 0, 0]]],
             "config": {"name": "dense_1", "trainable": True, "units": 10,
                        "activation": "relu", "use_bias": True}},
            {"name": "dense_2", "class_name": "Dense",
             "inbound_nodes": [[["dense_1", 0, 0, {}]]],
             "config": {"name": "dense_2", "trainable": True, "units": 3}},
        ],
        "input_layers": [["input_1", 0, 0]],
        "output_layers": [["dense_2", 0, 0]]}}
    model = model_from_config(config)
    assert isinstance(model, Functional)
    assert [l.name for l in model.layers] == ["input_1", "dense_1", "dense_2"]
    assert model.output_shape == (None, 3)


def test_newer_config_keys_are_ignored_or_mapped():
    config = {"class_name": "Functional", "config": {
        "name": "m", "trainable": True,
        "layers": [
            {"module": "keras.layers", "class_name": "InputLayer", "registered_name": None,
             "name": "i", "inbound_nodes": [],
             "config": {"batch_shape": [None, 3], "name": "i", "ragged": False,
                        "optional": False, "sparse": False,
                        "dtype": {"module": "keras", "class_name": "DTypePolicy",
                                  "config": {"name": "float32"}}}},
            {"module": "keras.layers", "class_name": "Dense", "registered_name": None,
             "build_config": {"input_shape": [None, 3]}, "compile_config": None,
             "name": "d", "inbound_nodes": [[["i", 0, 0, {}]]],
             "config": {"name": "d", "units": 2}},
        ],
        "input_layers": ["i", 0, 0], "output_layers": ["d", 0, 0]}}
    model = model_from_config(config)
    assert model.input_shape == (None, 3) and model.output_shape == (None, 2)


def test_model_from_config_rejects_a_list():
    with pytest.raises(TypeError, match="Sequential.from_config"):
        model_from_config([{"class_name": "Dense", "config": {"units": 2}}])


def test_model_from_yaml_explains_it_was_removed():
    with pytest.raises(RuntimeError, match="model_from_json"):
        model_from_yaml("class_name: Sequential")


# ---------------------------------------------------------------------- errors
def test_unknown_layer_class_is_named_with_custom_objects_hint():
    config = json.loads(TF_NESTED_JSON)
    config["config"]["layers"][-1]["class_name"] = "FancyMask"
    with pytest.raises(ValueError, match="'FancyMask'.*custom_objects"):
        model_from_config(config)


def test_inbound_layer_that_does_not_exist_is_named():
    config = json.loads(TF_NESTED_JSON)
    config["config"]["layers"][-1]["inbound_nodes"] = [[["ghost", 0, 0, {}]]]
    with pytest.raises(ValueError, match="'ghost'"):
        model_from_config(config)


def test_inbound_node_that_is_never_created_is_reported():
    config = json.loads(TF_NESTED_JSON)
    config["config"]["layers"][-1]["inbound_nodes"] = [[["act_reg", 3, 0, {}]]]
    with pytest.raises(ValueError, match="node 3 of layer 'act_reg'"):
        model_from_config(config)


def test_lambda_named_function_needs_custom_objects():
    x = keras.Input((3,))
    model = keras.Model(x, layers.Lambda(double, name="dbl")(x))
    with pytest.raises(ValueError, match="custom_objects"):
        model_from_json(model.to_json())
    again = model_from_json(model.to_json(), custom_objects={"double": double})
    np.testing.assert_allclose(again.predict(np.ones((1, 3), "float32"), verbose=0), 2.0)


def test_lambda_bytecode_is_refused_unless_safe_mode_is_off():
    x = keras.Input((3,), name="x")
    model = keras.Model(x, layers.Lambda(lambda t: t + 1.0, name="plus_one")(x))
    outer_in = keras.Input((3,), name="outer_in")
    outer = keras.Model(outer_in, model(outer_in))
    for text in (model.to_json(), outer.to_json()):
        with pytest.raises(ValueError, match="safe_mode=False"):
            model_from_json(text)
        loaded = model_from_json(text, safe_mode=False)
        np.testing.assert_allclose(loaded.predict(np.zeros((1, 3), "float32"), verbose=0), 1.0)


# ---------------------------------------------------------------------- clone_model
def _weights_differ(a, b):
    pairs = list(zip(a.get_weights(), b.get_weights()))
    return any(x.shape == y.shape and not np.allclose(x, y) for x, y in pairs if x.size > 1)


def test_clone_functional_model_has_new_weights_and_same_structure():
    model = _build_shared_and_nested()
    clone = clone_model(model)
    assert clone is not model
    assert all(a is not b for a, b in zip(clone.layers, model.layers))
    assert _structure(clone.get_config()) == _structure(model.get_config())
    assert _weights_differ(model, clone)
    x = np.random.RandomState(1).rand(4, 3).astype("float32")
    _assert_same_model(model, clone, x)


def test_clone_keeps_shared_layers_shared():
    model = _build_multi_io()
    clone = clone_model(model)
    shared = clone.get_layer("shared")
    assert len(shared.get_weights()) == 2
    assert len(clone.get_weights()) == len(model.get_weights())
    _assert_same_model(model, clone, INPUTS["multi_io"])


def test_clone_sequential_model():
    model = _build_seq_mlp()
    clone = clone_model(model)
    assert isinstance(clone, Sequential)
    assert clone.input_names == ["hidden_input"]
    assert _weights_differ(model, clone)
    _assert_same_model(model, clone, INPUTS["seq_mlp"])
    unbuilt = clone_model(keras.Sequential([layers.Dense(2, name="lonely")]))
    assert not unbuilt.built and [l.name for l in unbuilt.layers] == ["lonely"]


def test_clone_on_given_input_tensors_and_with_clone_function():
    model = _build_nested()
    x = keras.Input((3,), name="new_in")
    seen = []

    def rename(layer):
        seen.append(layer.name)
        config = layer.get_config()
        config["name"] = layer.name + "_copy"
        return type(layer).from_config(config)

    clone = clone_model(model, input_tensors=x, clone_function=rename)
    assert clone.inputs[0] is x
    assert seen == ["inner_fn", "inner_seq", "act_reg", "mask"]
    assert [l.name for l in clone.layers][1:] == [n + "_copy" for n in seen]
    seq = clone_model(_build_seq_mlp(), input_tensors=keras.Input((4,), name="s_in"))
    assert seq.input_names == ["s_in"] and seq.output_shape == (None, 3)


def test_clone_rejects_subclassed_models():
    class Tiny(keras.Model):
        def call(self, inputs):
            return inputs

    with pytest.raises(ValueError, match="subclassed"):
        clone_model(Tiny())


class _AddOther(layers.Layer):
    def call(self, inputs, other=None, scale=1.0):
        return inputs + other * scale


def test_tensor_and_positional_call_arguments_round_trip_as_kwargs():
    a, b = keras.Input((3,), name="a"), keras.Input((3,), name="b")
    y = _AddOther(name="ao")(a, b, scale=2.0)
    model = keras.Model([a, b], _AddOther(name="ao2")(y, other=a))
    config = model.get_config()
    assert config["layers"][2]["inbound_nodes"] == [
        [["a", 0, 0, {"other": ["b", 0, 0], "scale": 2.0}]]]
    assert config["layers"][3]["inbound_nodes"] == [[["ao", 0, 0, {"other": ["a", 0, 0]}]]]
    again = Functional.from_config(config, custom_objects={"_AddOther": _AddOther})
    data = [np.ones((1, 3), "float32"), np.full((1, 3), 2.0, "float32")]
    np.testing.assert_allclose(again.predict(data, verbose=0), 6.0)


def test_frozen_nested_model_stays_frozen():
    x = keras.Input((3,))
    inner = keras.Model(x, layers.Dense(2)(x))
    inner.trainable = False
    z = keras.Input((3,))
    outer = keras.Model(z, layers.Dense(1)(inner(z)))
    again = model_from_json(outer.to_json())
    assert again.layers[1].trainable is False
    assert len(again.trainable_weights) == len(outer.trainable_weights) == 2


def test_clone_copies_python_lambdas_without_touching_bytecode():
    x = keras.Input((3,), name="x")
    model = keras.Model(x, layers.Lambda(lambda t: t * 3.0, name="triple")(x))
    clone = clone_model(model)
    np.testing.assert_allclose(clone.predict(np.ones((1, 3), "float32"), verbose=0), 3.0)
