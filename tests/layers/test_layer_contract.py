"""The per-layer contract, checked for every layer family Keras 2 documents against real
Keras 2 (tf-keras 2.21; `data/make_layer_contract.py` writes `data/layer_contract.npz`).

For each case:

* built from tf-keras's saved config and given tf-keras's weights, the layer reports the
  same weight count, Keras-layout shapes and names, and computes tf-keras's output;
* built from the case's constructor arguments alone, it has Keras 2's defaults: its
  `get_config()` after the call equals tf-keras's key for key;
* `from_config(get_config())` rebuilds a layer with the same config and output;
* the symbolic output shape equals the real one (batch left unknown).
"""
import json
import math
import os

import numpy as np
import pytest

import tkeras
from tkeras import layers

DATA = np.load(os.path.join(os.path.dirname(__file__), "data", "layer_contract.npz"))
CASES = sorted({key.split("/")[0] for key in DATA.files})

# Every layer the layer-family issue lists; the coverage test below keeps the table honest.
ISSUE_LAYERS = """
Conv1D Conv2D Conv3D Conv1DTranspose Conv2DTranspose Conv3DTranspose SeparableConv1D
SeparableConv2D DepthwiseConv1D DepthwiseConv2D UpSampling1D UpSampling2D UpSampling3D
ZeroPadding1D ZeroPadding2D ZeroPadding3D Cropping1D Cropping2D Cropping3D MaxPooling1D
MaxPooling2D MaxPooling3D AveragePooling1D AveragePooling2D AveragePooling3D
GlobalMaxPooling1D GlobalMaxPooling2D GlobalMaxPooling3D GlobalAveragePooling1D
GlobalAveragePooling2D GlobalAveragePooling3D BatchNormalization LayerNormalization Add
Subtract Multiply Average Maximum Minimum Concatenate Dot Embedding SimpleRNN LSTM GRU
ConvLSTM2D RNN TimeDistributed Bidirectional GaussianNoise GaussianDropout AlphaDropout
SpatialDropout1D SpatialDropout2D SpatialDropout3D LeakyReLU PReLU ELU ThresholdedReLU
Softmax ReLU LocallyConnected1D LocallyConnected2D
""".split()
ISSUE_CELLS = ["SimpleRNNCell", "LSTMCell", "GRUCell", "StackedRNNCells"]


def _np(t):
    return t.detach().cpu().numpy()


def _inputs(name):
    xs = [DATA[f"{name}/x{i}"] for i in range(4) if f"{name}/x{i}" in DATA.files]
    return xs if str(DATA[f"{name}/class"]) in _MERGES else xs[0]


_MERGES = {"Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate",
           "Dot"}


def _outputs(out):
    return [_np(o) for o in out] if isinstance(out, (list, tuple)) else [_np(out)]


def _case(name):
    cls = getattr(layers, str(DATA[f"{name}/class"]))
    config = json.loads(str(DATA[f"{name}/config"]))
    weights = [DATA[f"{name}/w{i}"] for i in range(20) if f"{name}/w{i}" in DATA.files]
    ys = [DATA[f"{name}/y{i}"] for i in range(10) if f"{name}/y{i}" in DATA.files]
    return cls, config, weights, ys


def _from_kwargs(name):
    kwargs = {}
    for key, value in json.loads(str(DATA[f"{name}/kwargs"])).items():
        if isinstance(value, dict) and "__layer__" in value:
            value = layers.deserialize(value["__layer__"])
        kwargs[key] = value
    return getattr(layers, str(DATA[f"{name}/class"]))(**kwargs)


def _loaded(name):
    """The layer built from tf-keras's config and weights."""
    cls, config, weights, _ = _case(name)
    layer = cls.from_config(config)
    layer(_inputs(name))
    layer.set_weights(weights)
    return layer


_IGNORED = {"name", "module", "registered_name", "build_config"}


def _normalized(value):
    """Config values made comparable: tuples as lists, no auto names or module paths."""
    if isinstance(value, dict):
        return {k: _normalized(v) for k, v in value.items() if k not in _IGNORED}
    if isinstance(value, (list, tuple)):
        return [_normalized(v) for v in value]
    return value


def _assert_config_equal(ours, keras, path="config"):
    if isinstance(keras, dict):
        assert isinstance(ours, dict), f"{path}: {ours!r} is not a dict"
        assert set(ours) == set(keras), (
            f"{path}: extra keys {sorted(set(ours) - set(keras))}, "
            f"missing keys {sorted(set(keras) - set(ours))}")
        for key in keras:
            _assert_config_equal(ours[key], keras[key], f"{path}[{key!r}]")
    elif isinstance(keras, list):
        assert isinstance(ours, list) and len(ours) == len(keras), f"{path}: {ours} != {keras}"
        for i, (a, b) in enumerate(zip(ours, keras)):
            _assert_config_equal(a, b, f"{path}[{i}]")
    elif isinstance(keras, float) and not isinstance(ours, bool):
        assert isinstance(ours, (int, float)) and math.isclose(ours, keras, rel_tol=1e-6), (
            f"{path}: {ours!r} != {keras!r}")
    else:
        assert ours == keras, f"{path}: {ours!r} != {keras!r}"


def test_every_issue_layer_has_a_contract_case():
    classes = {str(DATA[f"{name}/class"]) for name in CASES}
    assert set(ISSUE_LAYERS) <= classes, sorted(set(ISSUE_LAYERS) - classes)
    cells = " ".join(str(DATA[f"{name}/kwargs"]) for name in CASES)
    assert all(f'"class_name": "{cell}"' in cells for cell in ISSUE_CELLS)


@pytest.mark.parametrize("name", CASES)
def test_layer_computes_keras2_output_from_keras2_config_and_weights(name):
    layer = _loaded(name)
    _, _, _, ys = _case(name)
    outs = _outputs(layer(_inputs(name)))
    assert len(outs) == len(ys)
    for out, y in zip(outs, ys):
        assert out.shape == y.shape
        np.testing.assert_allclose(out, y, atol=2e-5, rtol=1e-5)


@pytest.mark.parametrize("name", CASES)
def test_layer_weights_have_keras2_count_shapes_names_and_order(name):
    layer = _loaded(name)
    _, _, weights, _ = _case(name)
    assert len(layer.weights) == len(weights)
    assert [tuple(w.shape) for w in layer.weights] == [w.shape for w in weights]
    assert [w.name.split("/")[-1] for w in layer.weights] == json.loads(
        str(DATA[f"{name}/wnames"]))
    for got, want in zip(layer.get_weights(), weights):
        np.testing.assert_array_equal(got, want)
    assert layer.count_params() == sum(w.size for w in weights)


# Keys tkeras saves on purpose although tf-keras's `get_config` drops them (so a Keras 2
# round trip silently loses the argument); tf-keras's constructors accept them.
_DELIBERATE_EXTRA_KEYS = {
    "AlphaDropout": {"noise_shape"},
    "SpatialDropout2D": {"data_format"},
    "SpatialDropout3D": {"data_format"},
}


@pytest.mark.parametrize("name", CASES)
def test_layer_defaults_give_the_keras2_config(name):
    layer = _from_kwargs(name)
    layer(_inputs(name))
    _, config, _, _ = _case(name)
    ours = _normalized(layer.get_config())
    for key in _DELIBERATE_EXTRA_KEYS.get(type(layer).__name__, ()):
        ours.pop(key)
    _assert_config_equal(ours, _normalized(config))


@pytest.mark.parametrize("name", CASES)
def test_layer_config_round_trip_rebuilds_the_same_layer(name):
    layer = _loaded(name)
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert _normalized(clone.get_config()) == _normalized(config)
    x = _inputs(name)
    clone(x)
    clone.set_weights(layer.get_weights())
    for a, b in zip(_outputs(clone(x)), _outputs(layer(x))):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", CASES)
def test_layer_symbolic_output_shape_equals_the_real_one(name):
    layer = _loaded(name)
    _, _, _, ys = _case(name)
    x = _inputs(name)
    xs = x if isinstance(x, list) else [x]
    dtypes = ["int32" if a.dtype.kind == "i" else "float32" for a in xs]
    symbolic = [tkeras.Input(a.shape[1:], dtype=d) for a, d in zip(xs, dtypes)]
    out = layer(symbolic if isinstance(x, list) else symbolic[0])
    outs = out if isinstance(out, (list, tuple)) else [out]
    assert [tuple(o.shape) for o in outs] == [(None,) + y.shape[1:] for y in ys]
