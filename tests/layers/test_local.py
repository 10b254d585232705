"""Locally-connected layers (LocallyConnected1D/2D, implementations 1, 2 and 3) against
tf-keras 2.21 reference outputs (`data/local.npz`, made by `data/make_pooling.py`), plus
Keras-layout weights, config round trips and argument errors."""
import json
import os

import numpy as np
import pytest
import torch

import tkeras
from tkeras.layers import Input
from tkeras.layers import local

DATA = np.load(os.path.join(os.path.dirname(__file__), "data", "local.npz"))
CASES = json.loads(str(DATA["index"]))
RNG = np.random.RandomState(0)


def _run(layer, x):
    return layer(torch.from_numpy(np.asarray(x, "float32"))).detach().numpy()


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_locally_connected_output_matches_keras2_reference(case):
    name = case["name"]
    layer = getattr(local, case["class"])(**case["config"])
    x = DATA[f"{name}/x"]
    layer.build(x.shape)
    weights = [DATA[f"{name}/w{i}"] for i in range(case["weights"])]
    layer.set_weights(weights)  # checks every Keras-layout shape
    assert [w.shape for w in layer.get_weights()] == [w.shape for w in weights]
    out = _run(layer, x)
    expected = DATA[f"{name}/y"]
    assert out.shape == expected.shape
    # Sums of up to 27 products in float32, accumulated in a different order than TF.
    np.testing.assert_allclose(out, expected, atol=1e-5, rtol=0)


@pytest.mark.parametrize("cls, kwargs, in_shape, out_shape, weight_shapes", [
    ("LocallyConnected1D", dict(filters=4, kernel_size=3), (10, 5), (8, 4),
     [(8, 15, 4), (8, 4)]),
    ("LocallyConnected1D", dict(filters=4, kernel_size=3, strides=2, data_format="channels_first"),
     (5, 10), (4, 4), [(4, 15, 4), (4, 4)]),
    ("LocallyConnected1D", dict(filters=2, kernel_size=3, implementation=2), (6, 3), (4, 2),
     [(6, 3, 4, 2), (4, 2)]),
    ("LocallyConnected1D", dict(filters=2, kernel_size=3, padding="same", implementation=3),
     (6, 3), (6, 2), [(96,), (6, 2)]),
    ("LocallyConnected2D", dict(filters=4, kernel_size=(3, 2), use_bias=False), (6, 5, 3),
     (4, 4, 4), [(16, 18, 4)]),
    ("LocallyConnected2D", dict(filters=3, kernel_size=2, data_format="channels_first",
                                implementation=2), (2, 4, 5), (3, 3, 4),
     [(2, 4, 5, 3, 3, 4), (3, 4, 3)]),
    ("LocallyConnected2D", dict(filters=3, kernel_size=2, strides=2, implementation=3),
     (4, 4, 2), (2, 2, 3), [(96,), (2, 2, 3)]),
])
def test_locally_connected_shapes_and_keras_weight_layout(cls, kwargs, in_shape, out_shape,
                                                          weight_shapes):
    layer = getattr(local, cls)(**kwargs)
    out = layer(Input(in_shape))
    assert tuple(out.shape) == (None,) + out_shape
    assert layer.compute_output_shape((None,) + in_shape) == (None,) + out_shape
    assert [tuple(w.shape) for w in layer.weights] == weight_shapes
    assert len(layer.trainable_weights) == len(weight_shapes)
    assert layer.count_params() == sum(int(np.prod(s)) for s in weight_shapes)
    names = [f"{layer.name}/kernel:0", f"{layer.name}/bias:0"][:len(weight_shapes)]
    assert [w.name for w in layer.weights] == names


def test_locally_connected_implementations_compute_the_same_function():
    # Implementation 1's weights scattered into implementation 2's dense kernel.
    x = RNG.randn(3, 7, 2).astype("float32")
    one = local.LocallyConnected1D(3, 3, strides=2)
    two = local.LocallyConnected1D(3, 3, strides=2, implementation=2)
    y1 = _run(one, x)
    two.build(x.shape)
    kernel1, bias = one.get_weights()
    kernel2 = np.zeros((7, 2, 3, 3), "float32")
    for o in range(3):
        kernel2[2 * o:2 * o + 3, :, o, :] = kernel1[o].reshape(3, 2, 3)
    two.set_weights([kernel2, bias])
    np.testing.assert_allclose(_run(two, x), y1, atol=1e-6)


def test_locally_connected_gradients_reach_only_connected_weights():
    layer = local.LocallyConnected2D(2, 2, implementation=2)
    x = torch.randn(2, 3, 3, 1)
    layer(x).sum().backward()
    kernel = next(p for p in layer.parameters() if p.ndim == 6)
    connected = layer._connected.expand_as(kernel)
    assert (kernel.grad[~connected] == 0).all()
    assert (kernel.grad[connected] != 0).all()


def test_locally_connected_trains_in_a_model():
    model = tkeras.Sequential([local.LocallyConnected1D(2, 3, input_shape=(6, 2)),
                               tkeras.layers.Flatten(), tkeras.layers.Dense(1)])
    model.compile(tkeras.optimizers.SGD(learning_rate=0.1), "mse")
    x, y = RNG.randn(16, 6, 2).astype("float32"), RNG.randn(16, 1).astype("float32")
    first = model.train_on_batch(x, y)
    for _ in range(10):
        last = model.train_on_batch(x, y)
    assert last < first


@pytest.mark.parametrize("layer", [
    lambda: local.LocallyConnected1D(3, 2, strides=2, activation="relu", use_bias=False,
                                     kernel_regularizer="l2", name="lc"),
    lambda: local.LocallyConnected2D(2, (2, 3), padding="same", data_format="channels_first",
                                     implementation=3, name="lc"),
])
def test_locally_connected_config_round_trip(layer):
    layer = layer()
    config = layer.get_config()
    assert config["implementation"] in (1, 3)
    clone = type(layer).from_config(json.loads(json.dumps(config)))
    assert clone.get_config() == config
    x = RNG.randn(2, *([5] * (layer.input_spec.ndim - 1))).astype("float32")
    y = _run(layer, x)
    clone.build(x.shape)
    clone.set_weights(layer.get_weights())
    np.testing.assert_array_equal(_run(clone, x), y)


def test_locally_connected_defaults_match_keras2():
    config = local.LocallyConnected2D(4, 3).get_config()
    assert (config["strides"], config["padding"], config["data_format"],
            config["implementation"], config["use_bias"], config["activation"]) == (
        (1, 1), "valid", "channels_last", 1, True, "linear")
    assert config["kernel_initializer"]["class_name"] == "GlorotUniform"


@pytest.mark.parametrize("cls, bad_shape", [
    ("LocallyConnected1D", (2, 5)), ("LocallyConnected2D", (2, 5, 5)),
])
def test_locally_connected_rejects_wrong_input_rank_naming_the_layer(cls, bad_shape):
    with pytest.raises(ValueError, match=r"Input 0 of layer 'lc' is incompatible with the "
                                         r"layer: expected ndim=\d, found ndim=\d"):
        getattr(local, cls)(2, 2, name="lc")(np.zeros(bad_shape, "float32"))


def test_locally_connected_rejects_a_different_input_size_after_build():
    layer = local.LocallyConnected1D(2, 3, name="lc")
    layer(np.zeros((1, 6, 2), "float32"))
    with pytest.raises(ValueError, match=r"layer 'lc'.*expected axis 1 of input shape to have "
                                         r"value 6"):
        layer(np.zeros((1, 7, 2), "float32"))


@pytest.mark.parametrize("make, message", [
    (lambda: local.LocallyConnected1D(2, 3, padding="same"),
     r"supports padding='same' only with implementation=2 or 3. Received: padding='same'"),
    (lambda: local.LocallyConnected2D(2, 3, padding="causal", implementation=2),
     r"`padding` must be one of 'valid', 'same'. Received: padding='causal'"),
    (lambda: local.LocallyConnected2D(2, 3, implementation=4),
     r"`implementation` must be 1 .* Received: implementation=4"),
    (lambda: local.LocallyConnected2D(0, 3), r"`filters` must be a positive int. Received: "
                                             r"filters=0"),
    (lambda: local.LocallyConnected2D(2, (3, 3, 3)), r"Received: kernel_size=\(3, 3, 3\)"),
    (lambda: local.LocallyConnected1D(2, 3, data_format="NWC"), r"Received: data_format='NWC'"),
])
def test_locally_connected_rejects_invalid_arguments(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_locally_connected_needs_defined_spatial_dimensions():
    with pytest.raises(ValueError, match=r"must be defined. Received input shape "
                                         r"\(None, None, 3\)"):
        local.LocallyConnected1D(2, 2)(Input((None, 3)))


def test_locally_connected_rejects_an_input_smaller_than_the_kernel():
    with pytest.raises(ValueError, match=r"Layer 'lc' would produce an empty output"):
        local.LocallyConnected2D(2, 4, name="lc")(Input((3, 5, 1)))
