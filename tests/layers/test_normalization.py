"""LayerNormalization and BatchNormalization against tf-keras 2.21 reference numbers
(`data/misc_layers.npz`, made by `data/make_misc_layers.py`), plus weight shapes, config
round trips and errors."""
import json
import os

import numpy as np
import pytest
import torch

import tkeras
from tkeras import layers
from tkeras.layers import Input

DATA = np.load(os.path.join(os.path.dirname(__file__), "data", "misc_layers.npz"))


def _cases(cls):
    return sorted(k.split("/")[0] for k in DATA.files
                  if k.endswith("/class") and str(DATA[k]) == cls)


def _reference(name):
    """(tkeras layer from the tf-keras config, input, Keras weights, expected output)."""
    config = json.loads(str(DATA[f"{name}/config"]))
    layer = layers.deserialize({"class_name": str(DATA[f"{name}/class"]), "config": config})
    weights = [DATA[f"{name}/w{i}"] for i in range(4) if f"{name}/w{i}" in DATA.files]
    return layer, DATA[f"{name}/x0"], weights, DATA[f"{name}/y"]


# ---------------------------------------------------------------- LayerNormalization
@pytest.mark.parametrize("name", _cases("LayerNormalization"))
def test_layer_normalization_matches_keras2_reference(name):
    layer, x, weights, expected = _reference(name)
    layer.build(x.shape)
    assert [tuple(w.shape) for w in layer.weights] == [w.shape for w in weights]
    layer.set_weights(weights)
    for training in (False, True):
        out = layer(torch.from_numpy(x), training=training)
        np.testing.assert_allclose(out.detach().numpy(), expected, atol=1e-5, rtol=0)


@pytest.mark.parametrize("name", _cases("LayerNormalization"))
def test_layer_normalization_config_after_build_equals_keras2(name):
    layer, x, _, _ = _reference(name)
    layer.build(x.shape)
    config = layer.get_config()
    assert json.loads(json.dumps(config)) == json.loads(str(DATA[f"{name}/config"]))
    assert layers.LayerNormalization.from_config(config).get_config() == config


def test_layer_normalization_weights_and_symbolic_shape():
    layer = layers.LayerNormalization(axis=[1, 2], name="ln")
    out = layer(Input((4, 6, 3)))
    assert tuple(out.shape) == (None, 4, 6, 3)
    assert [w.name for w in layer.weights] == ["ln/gamma:0", "ln/beta:0"]
    assert [tuple(w.shape) for w in layer.weights] == [(4, 6), (4, 6)]
    assert layer.count_params() == 48
    assert layer.get_config()["axis"] == [1, 2]
    assert len(layers.LayerNormalization(center=False, scale=False)(
        np.ones((2, 3), "float32")).shape) == 2


def test_layer_normalization_default_config_before_build_is_keras2s():
    config = layers.LayerNormalization().get_config()
    assert (config["axis"], config["epsilon"], config["center"], config["scale"]) == (
        -1, 1e-3, True, True)
    assert config["gamma_initializer"]["class_name"] == "Ones"


def test_layer_normalization_gradients_flow_to_gamma_and_beta():
    layer = layers.LayerNormalization(axis=1)
    x = torch.randn(3, 4, 5)
    layer(x).pow(2).sum().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in layer.parameters())


@pytest.mark.parametrize("axis, error, match", [
    (3, ValueError, r"Expected 0 <= axis < 3.*Received: axis=3"),
    ([1, -2], ValueError, r"Duplicate axis: \(1, 1\)"),
    ("last", TypeError, r"Received: axis='last'"),
])
def test_layer_normalization_rejects_invalid_axis(axis, error, match):
    with pytest.raises(error, match=match):
        layers.LayerNormalization(axis=axis)(Input((4, 5)))


def test_layer_normalization_rejects_undefined_normalized_axes():
    with pytest.raises(ValueError, match="needs defined sizes"):
        layers.LayerNormalization(axis=1)(Input((None, 5)))


# ---------------------------------------------------------------- BatchNormalization
@pytest.mark.parametrize("name", _cases("BatchNormalization"))
def test_batch_normalization_matches_keras2_reference(name):
    layer, x, weights, expected = _reference(name)
    layer.build(x.shape)
    layer.set_weights(weights)
    training = f"{name}/w_after0" in DATA.files
    out = layer(torch.from_numpy(x), training=training)
    np.testing.assert_allclose(out.detach().numpy(), expected, atol=1e-5, rtol=0)
    if training:
        after = [DATA[f"{name}/w_after{i}"] for i in range(len(weights))]
        for got, want in zip(layer.get_weights(), after):
            np.testing.assert_allclose(got, want, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("name", _cases("BatchNormalization"))
def test_batch_normalization_loads_keras2_config(name):
    layer, x, weights, _ = _reference(name)
    layer.build(x.shape)
    assert [tuple(w.shape) for w in layer.weights] == [w.shape for w in weights]
    assert layers.BatchNormalization.from_config(layer.get_config()).get_config() == \
        layer.get_config()


def test_frozen_batch_normalization_runs_in_inference_mode():
    layer = layers.BatchNormalization()
    x = torch.randn(8, 3) * 3 + 2
    layer(x)
    layer.trainable = False
    out = layer(x, training=True)
    np.testing.assert_allclose(out.numpy(), x.numpy() / np.sqrt(1 + 1e-3), rtol=1e-5)
    np.testing.assert_array_equal(layer.get_weights()[2], np.zeros(3))


def test_batch_normalization_symbolic_call_leaves_moving_statistics_alone():
    layer = layers.BatchNormalization()
    model = tkeras.Model(*(lambda i: (i, layer(i, training=True)))(Input((2, 2, 3))))
    assert tuple(model.output_shape) == (None, 2, 2, 3)
    np.testing.assert_array_equal(layer.get_weights()[2], np.zeros(3))
    np.testing.assert_array_equal(layer.get_weights()[3], np.ones(3))
