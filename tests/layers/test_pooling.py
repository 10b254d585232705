"""Pooling layers (Max/AveragePooling1D/2D/3D, GlobalMax/GlobalAveragePooling1D/2D/3D)
against tf-keras 2.21 reference outputs (`data/pooling.npz`, made by
`data/make_pooling.py`), plus shapes, config round trips and argument errors."""
import json
import os

import numpy as np
import pytest
import torch

import tkeras
from tkeras.layers import Input
from tkeras.layers import pooling

DATA = np.load(os.path.join(os.path.dirname(__file__), "data", "pooling.npz"))
CASES = json.loads(str(DATA["index"]))
WINDOWED = ["MaxPooling1D", "MaxPooling2D", "MaxPooling3D",
            "AveragePooling1D", "AveragePooling2D", "AveragePooling3D"]
RNG = np.random.RandomState(0)
GLOBAL = ["GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D",
          "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D"]


def _run(layer, x, **kwargs):
    return layer(torch.from_numpy(np.asarray(x, "float32")), **kwargs).detach().numpy()


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_pooling_output_matches_keras2_reference(case):
    name = case["name"]
    layer = getattr(pooling, case["class"])(**case["config"])
    kwargs = {"mask": torch.from_numpy(DATA[f"{name}/mask"])} if case["mask"] else {}
    out = _run(layer, DATA[f"{name}/x"], **kwargs)
    expected = DATA[f"{name}/y"]
    assert out.shape == expected.shape
    np.testing.assert_allclose(out, expected, atol=1e-6, rtol=0)
    assert layer.weights == [] and layer.count_params() == 0


@pytest.mark.parametrize("cls, shape, expected", [
    ("MaxPooling1D", (7, 3), (None, 3, 3)),
    ("AveragePooling1D", (7, 3), (None, 3, 3)),
    ("MaxPooling2D", (7, 9, 3), (None, 3, 4, 3)),
    ("AveragePooling2D", (None, 9, 3), (None, None, 4, 3)),
    ("MaxPooling3D", (4, 5, 6, 2), (None, 2, 2, 3, 2)),
    ("AveragePooling3D", (4, 5, 6, 2), (None, 2, 2, 3, 2)),
])
def test_pooling_symbolic_output_shape_follows_keras(cls, shape, expected):
    layer = getattr(pooling, cls)()
    out = layer(Input(shape))
    assert tuple(out.shape) == expected
    assert layer.compute_output_shape((None,) + shape) == expected


@pytest.mark.parametrize("cls", WINDOWED)
def test_pooling_channels_first_pools_the_trailing_axes(cls):
    rank = int(cls[-2])
    layer = getattr(pooling, cls)(pool_size=3, strides=2, padding="same",
                                  data_format="channels_first")
    x = RNG.randn(2, 4, *([7] * rank)).astype("float32")
    assert _run(layer, x).shape == (2, 4) + (4,) * rank
    assert tuple(layer(Input((4,) + (7,) * rank)).shape) == (None, 4) + (4,) * rank


def test_pooling_same_padding_is_asymmetric_as_in_tensorflow():
    # 4 steps, window 2, stride 1: TensorFlow pads one step at the end only.
    x = np.array([1.0, 4.0, 2.0, 3.0], "float32").reshape(1, 4, 1)
    got = _run(pooling.MaxPooling1D(2, strides=1, padding="same"), x)
    np.testing.assert_array_equal(got[0, :, 0], [4.0, 4.0, 3.0, 3.0])
    got = _run(pooling.AveragePooling1D(2, strides=1, padding="same"), x)
    np.testing.assert_array_equal(got[0, :, 0], [2.5, 3.0, 2.5, 3.0])  # last: 3 / 1


def test_max_pooling_same_pads_with_minus_infinity():
    x = -np.ones((1, 3, 3, 1), "float32")
    got = _run(pooling.MaxPooling2D(padding="same"), x)
    np.testing.assert_array_equal(got, -np.ones((1, 2, 2, 1)))


@pytest.mark.parametrize("cls", WINDOWED + GLOBAL)
def test_pooling_config_round_trip(cls):
    rank = int(cls[-2])
    kwargs = ({"data_format": "channels_first"} if cls in GLOBAL
              else {"pool_size": 3, "strides": 1, "padding": "same"})
    layer = getattr(pooling, cls)(name="pool", **kwargs)
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    x = RNG.randn(2, *([5] * (rank + 1))).astype("float32")
    np.testing.assert_array_equal(_run(clone, x), _run(layer, x))


def test_pooling_loads_a_tf_keras_json_config():
    config = {"name": "maxpool_same", "trainable": True, "dtype": "float32",
              "pool_size": [2, 2], "padding": "same", "strides": [1, 1],
              "data_format": "channels_last"}
    layer = pooling.MaxPooling2D.from_config(config)
    assert layer.pool_size == (2, 2) and layer.strides == (1, 1)
    assert layer.get_config()["pool_size"] == (2, 2)


def test_pooling_defaults_match_keras2():
    assert pooling.MaxPooling1D().get_config()["pool_size"] == (2,)
    layer = pooling.AveragePooling2D()
    assert (layer.pool_size, layer.strides, layer.padding, layer.data_format) == (
        (2, 2), (2, 2), "valid", "channels_last")
    assert pooling.MaxPooling3D(strides=1).strides == (1, 1, 1)
    assert pooling.GlobalAveragePooling2D().get_config()["keepdims"] is False


def test_pooling_keras2_aliases_are_the_same_classes():
    assert pooling.MaxPool2D is pooling.MaxPooling2D
    assert pooling.AvgPool3D is pooling.AveragePooling3D
    assert pooling.GlobalAvgPool1D is pooling.GlobalAveragePooling1D
    assert pooling.GlobalMaxPool3D is pooling.GlobalMaxPooling3D
    assert set(pooling.__all__) <= set(dir(tkeras.layers))


@pytest.mark.parametrize("cls, shape, expected", [
    ("GlobalMaxPooling1D", (6, 3), (None, 3)),
    ("GlobalAveragePooling2D", (4, 5, 3), (None, 3)),
    ("GlobalMaxPooling3D", (2, 3, 4, 5), (None, 5)),
])
def test_global_pooling_symbolic_output_shape(cls, shape, expected):
    assert tuple(getattr(pooling, cls)()(Input(shape)).shape) == expected
    keep = getattr(pooling, cls)(keepdims=True)(Input(shape))
    assert tuple(keep.shape) == (None,) + (1,) * (len(shape) - 1) + (shape[-1],)


def test_global_average_pooling1d_averages_only_unmasked_steps_and_drops_the_mask():
    inp = Input((4, 2))
    masked = tkeras.layers.Masking(0.0)(inp)
    out = pooling.GlobalAveragePooling1D()(masked)
    assert out._keras_mask is None
    model = tkeras.Model(inp, out)
    x = np.array([[[1, 2], [3, 4], [0, 0], [0, 0]]], "float32")
    np.testing.assert_allclose(model.predict(x), [[2.0, 3.0]])


@pytest.mark.parametrize("cls, bad_shape", [
    ("MaxPooling1D", (2, 3)), ("AveragePooling2D", (2, 4, 4)), ("MaxPooling3D", (2, 4, 4, 3)),
    ("GlobalMaxPooling2D", (2, 4, 4, 3, 1)), ("GlobalAveragePooling1D", (2, 3, 4, 5)),
])
def test_pooling_rejects_wrong_input_rank_naming_the_layer(cls, bad_shape):
    layer = getattr(pooling, cls)(name="pool")
    with pytest.raises(ValueError, match=r"Input 0 of layer 'pool' is incompatible with the "
                                         r"layer: expected ndim=\d, found ndim=\d"):
        layer(np.zeros(bad_shape, "float32"))


@pytest.mark.parametrize("kwargs, message", [
    ({"padding": "full"}, r"`padding` must be one of 'valid', 'same'. Received: padding='full'"),
    ({"padding": "causal"}, r"Received: padding='causal'"),
    ({"data_format": "NHWC"}, r"`data_format` must be 'channels_last' or 'channels_first'"),
    ({"pool_size": (2, 0)}, r"`pool_size` must be an int or a tuple of 2 positive ints. "
                            r"Received: pool_size=\(2, 0\)"),
    ({"pool_size": (2, 2, 2)}, r"Received: pool_size=\(2, 2, 2\)"),
    ({"strides": -1}, r"`strides` must be .* Received: strides=-1"),
])
def test_pooling_rejects_invalid_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        pooling.MaxPooling2D(**kwargs)


def test_global_pooling_rejects_invalid_data_format():
    with pytest.raises(ValueError, match="Received: data_format='channels_middle'"):
        pooling.GlobalAveragePooling2D(data_format="channels_middle")


def test_global_pooling_rejects_an_empty_reduction_axis():
    with pytest.raises(ValueError, match="cannot pool over an empty axis"):
        pooling.GlobalMaxPooling1D(name="gmp")(np.zeros((2, 0, 3), "float32"))


def test_pooling_gradients_flow_to_the_input():
    x = torch.randn(2, 5, 6, 3, requires_grad=True)
    pooling.AveragePooling2D(3, strides=2, padding="same")(x).sum().backward()
    assert x.grad is not None and x.grad.shape == x.shape

