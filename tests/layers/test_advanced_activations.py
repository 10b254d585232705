"""Advanced activation layers (LeakyReLU, PReLU, ELU, ThresholdedReLU, Softmax, ReLU)
against tf-keras 2.21 reference numbers (`data/misc_layers.npz`, made by
`data/make_misc_layers.py`), plus weight shapes, config round trips and errors."""
import json
import os

import numpy as np
import pytest
import torch

import tkeras
from tkeras import layers
from tkeras.layers import Input

DATA = np.load(os.path.join(os.path.dirname(__file__), "data", "misc_layers.npz"))
CLASSES = ("LeakyReLU", "PReLU", "ELU", "ThresholdedReLU", "Softmax", "ReLU")
CASES = sorted(k.split("/")[0] for k in DATA.files
               if k.endswith("/class") and str(DATA[k]) in CLASSES)
RNG = np.random.RandomState(0)


def _reference(name):
    """(tkeras layer from the tf-keras config, input, Keras weights, expected output)."""
    config = json.loads(str(DATA[f"{name}/config"]))
    layer = layers.deserialize({"class_name": str(DATA[f"{name}/class"]), "config": config})
    weights = [DATA[f"{name}/w{i}"] for i in range(4) if f"{name}/w{i}" in DATA.files]
    return layer, DATA[f"{name}/x0"], weights, DATA[f"{name}/y"]


@pytest.mark.parametrize("name", CASES)
def test_activation_layer_matches_keras2_reference(name):
    layer, x, weights, expected = _reference(name)
    kwargs = {}
    if f"{name}/m0" in DATA.files:
        kwargs["mask"] = torch.from_numpy(DATA[f"{name}/m0"])
    layer.build(x.shape)
    layer.set_weights(weights)
    out = layer(torch.from_numpy(x), **kwargs)
    np.testing.assert_allclose(out.detach().numpy(), expected, atol=1e-6, rtol=0)


@pytest.mark.parametrize("name", CASES)
def test_activation_layer_config_round_trip_keeps_keras2_config(name):
    layer, x, _, _ = _reference(name)
    layer.build(x.shape)
    config = layer.get_config()
    assert json.loads(json.dumps(config)) == json.loads(str(DATA[f"{name}/config"]))
    assert type(layer).from_config(config).get_config() == config


@pytest.mark.parametrize("layer", [layers.LeakyReLU(), layers.ELU(), layers.ThresholdedReLU(),
                                   layers.Softmax(), layers.ReLU(), layers.PReLU()],
                         ids=lambda layer: type(layer).__name__)
def test_activation_layer_keeps_the_input_shape(layer):
    out = layer(Input((3, 5)))
    assert tuple(out.shape) == (None, 3, 5)
    assert layer.compute_output_shape((None, 3, 5)) == (None, 3, 5)


def test_leaky_relu_default_alpha_is_keras2s_0_3():
    layer = layers.LeakyReLU()
    assert layer.get_config()["alpha"] == pytest.approx(0.3)
    out = layer(np.array([[-1.0, 2.0]], "float32")).numpy()
    np.testing.assert_allclose(out, [[-0.3, 2.0]], rtol=1e-6)


def test_relu_defaults_and_keras_import_path():
    from tkeras.layers.advanced_activations import ReLU

    config = ReLU().get_config()
    assert (config["max_value"], config["negative_slope"], config["threshold"]) == (None, 0.0, 0.0)


# ---------------------------------------------------------------- PReLU weights
@pytest.mark.parametrize("shared_axes, shape, alpha_shape", [
    (None, (4, 5, 3), (4, 5, 3)),
    ([1, 2], (4, 5, 3), (1, 1, 3)),
    (1, (None, 8), (1, 8)),
])
def test_prelu_alpha_has_keras_shape_with_shared_axes_set_to_one(shared_axes, shape, alpha_shape):
    layer = layers.PReLU(shared_axes=shared_axes)
    layer(Input(shape))
    assert [tuple(w.shape) for w in layer.weights] == [alpha_shape]
    assert len(layer.trainable_weights) == 1
    assert layer.count_params() == int(np.prod(alpha_shape))
    assert layer.weights[0].name.endswith("alpha:0")


def test_prelu_learns_alpha_and_applies_its_regularizer_and_constraint():
    layer = layers.PReLU(alpha_initializer="ones", alpha_regularizer=tkeras.regularizers.l2(0.5),
                         alpha_constraint=tkeras.constraints.NonNeg())
    x = np.array([[-1.0, 2.0]], "float32")
    np.testing.assert_allclose(layer(x).numpy(), [[-1.0, 2.0]])
    penalties = [float(t.detach()) for t in layer.losses]
    assert penalties == pytest.approx([0.5 * 2])
    config = layer.get_config()
    assert config["alpha_constraint"]["class_name"] == "NonNeg"
    assert layers.PReLU.from_config(config).get_config() == config


def test_prelu_checks_input_against_alpha_shape():
    layer = layers.PReLU(name="prelu_a")
    layer(np.zeros((2, 3), "float32"))
    with pytest.raises(ValueError, match="layer 'prelu_a' is incompatible.*expected axis 1"):
        layer(np.zeros((2, 4), "float32"))


@pytest.mark.parametrize("shared_axes", [0, [1, "a"], [-1]])
def test_prelu_rejects_invalid_shared_axes(shared_axes):
    with pytest.raises(ValueError, match="`shared_axes` must be a positive int"):
        layers.PReLU(shared_axes=shared_axes)


def test_prelu_rejects_shared_axes_beyond_the_input_rank_and_undefined_axes():
    with pytest.raises(ValueError, match=r"Invalid `shared_axes`.*\[3\]"):
        layers.PReLU(shared_axes=3)(Input((4, 5)))
    with pytest.raises(ValueError, match="needs a defined size"):
        layers.PReLU()(Input((None, 5)))


# ---------------------------------------------------------------- Softmax
def test_softmax_over_several_axes_sums_to_one_over_them():
    x = RNG.randn(2, 3, 4).astype("float32")
    out = layers.Softmax(axis=[1, 2])(x).numpy()
    np.testing.assert_allclose(out.sum(axis=(1, 2)), np.ones(2), rtol=1e-5)


def test_softmax_ignores_and_propagates_a_lower_rank_sequence_mask():
    scores = torch.randn(2, 3, 4)
    mask = torch.tensor([[True, True, False], [True, False, False]])
    out = layers.Softmax()(scores, mask=mask)
    np.testing.assert_allclose(out.numpy(), torch.softmax(scores, -1).numpy(), rtol=1e-6)
    scores._keras_mask = mask
    assert layers.Softmax()(scores)._keras_mask is mask


def test_softmax_robust_masking_sets_masked_entries_to_zero():
    x = torch.tensor([[1.0, 2.0, 3.0]])
    mask = torch.tensor([[True, False, True]])
    layer = layers.Softmax(robust_masking=True)
    out = layer(x, mask=mask).numpy()
    assert out[0, 1] == 0.0
    assert layer.get_config()["robust_masking"] is True


# ---------------------------------------------------------------- errors
@pytest.mark.parametrize("make, match", [
    (lambda: layers.LeakyReLU(alpha=None), r"`alpha` of a LeakyReLU layer must be a float. "
                                           r"Received: alpha=None"),
    (lambda: layers.ELU(alpha="x"), "Received: alpha='x'"),
    (lambda: layers.ThresholdedReLU(theta=-1.0), "cannot be negative. Received: theta=-1.0"),
    (lambda: layers.ReLU(max_value=-1.0), "Received: max_value=-1.0"),
    (lambda: layers.ReLU(negative_slope=-0.1), "Received: negative_slope=-0.1"),
    (lambda: layers.ReLU(threshold=-0.5), "Received: threshold=-0.5"),
    (lambda: layers.Softmax(axis="last"), "Received: axis='last'"),
])
def test_activation_layers_reject_invalid_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()
