"""Resampling and shape layers (UpSampling1D/2D/3D, ZeroPadding1D/2D/3D,
Cropping1D/2D/3D) against tf-keras 2.21 reference outputs (`data/reshaping.npz`, made by
`data/make_pooling.py`), plus shapes, config round trips and argument errors."""
import json
import os

import numpy as np
import pytest
import torch

from tkeras.layers import Input
from tkeras.layers import reshaping

DATA = np.load(os.path.join(os.path.dirname(__file__), "data", "reshaping.npz"))
CASES = json.loads(str(DATA["index"]))
RNG = np.random.RandomState(0)


def _run(layer, x):
    return layer(torch.from_numpy(np.asarray(x, "float32"))).detach().numpy()


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_reshaping_output_matches_keras2_reference(case):
    name = case["name"]
    layer = getattr(reshaping, case["class"])(**case["config"])
    out = _run(layer, DATA[f"{name}/x"])
    expected = DATA[f"{name}/y"]
    assert out.shape == expected.shape
    # Resampling weights are float32 in both libraries, summed in different orders.
    np.testing.assert_allclose(out, expected, atol=1e-5, rtol=0)
    assert layer.weights == [] and layer.count_params() == 0


@pytest.mark.parametrize("layer, shape, expected", [
    (lambda: reshaping.UpSampling1D(3), (4, 2), (None, 12, 2)),
    (lambda: reshaping.UpSampling1D(), (None, 2), (None, None, 2)),
    (lambda: reshaping.UpSampling2D((2, 3)), (4, 5, 2), (None, 8, 15, 2)),
    (lambda: reshaping.UpSampling2D(data_format="channels_first"), (2, 4, 5), (None, 2, 8, 10)),
    (lambda: reshaping.UpSampling2D(interpolation="bilinear"), (3, None, 1), (None, 6, None, 1)),
    (lambda: reshaping.UpSampling3D(), (2, 3, 4, 1), (None, 4, 6, 8, 1)),
    (lambda: reshaping.UpSampling3D(data_format="channels_first"), (1, 2, 3, 4),
     (None, 1, 4, 6, 8)),
    (lambda: reshaping.ZeroPadding1D(), (4, 2), (None, 6, 2)),
    (lambda: reshaping.ZeroPadding2D(((1, 2), (3, 4))), (4, 5, 2), (None, 7, 12, 2)),
    (lambda: reshaping.ZeroPadding2D(1, data_format="channels_first"), (2, 4, 5),
     (None, 2, 6, 7)),
    (lambda: reshaping.ZeroPadding3D((1, 2, 3)), (2, 3, 4, 1), (None, 4, 7, 10, 1)),
    (lambda: reshaping.ZeroPadding3D(data_format="channels_first"), (1, 2, 3, 4),
     (None, 1, 4, 5, 6)),
    (lambda: reshaping.Cropping1D(), (4, 2), (None, 2, 2)),
    (lambda: reshaping.Cropping2D(((1, 0), (0, 2))), (4, 5, 2), (None, 3, 3, 2)),
    (lambda: reshaping.Cropping2D(1, data_format="channels_first"), (2, 4, 5), (None, 2, 2, 3)),
    (lambda: reshaping.Cropping3D(), (3, 4, 5, 1), (None, 1, 2, 3, 1)),
    (lambda: reshaping.Cropping3D(((0, 1), 0, (2, 0)), data_format="channels_first"),
     (1, 3, 4, 5), (None, 1, 2, 4, 3)),
])
def test_reshaping_symbolic_output_shape_follows_keras(layer, shape, expected):
    layer = layer()
    assert tuple(layer(Input(shape)).shape) == expected
    assert layer.compute_output_shape((None,) + shape) == expected


def test_upsampling2d_bilinear_uses_half_pixel_centers():
    x = np.array([0.0, 4.0], "float32").reshape(1, 1, 2, 1)
    got = _run(reshaping.UpSampling2D((1, 4), interpolation="bilinear"), x)
    # Source positions (j + 0.5) / 4 - 0.5, clamped at the borders.
    np.testing.assert_allclose(got[0, 0, :, 0], [0.0, 0.0, 0.5, 1.5, 2.5, 3.5, 4.0, 4.0])


def test_zero_padding_and_cropping_are_inverse():
    x = RNG.randn(2, 3, 4, 5, 2).astype("float32")
    amounts = ((1, 2), (0, 3), (2, 0))
    padded = _run(reshaping.ZeroPadding3D(amounts), x)
    assert padded.shape == (2, 6, 7, 7, 2) and padded[:, 0].sum() == 0
    np.testing.assert_array_equal(_run(reshaping.Cropping3D(amounts), padded), x)


def test_upsampling_gradients_flow_to_the_input():
    x = torch.randn(2, 3, 4, 2, requires_grad=True)
    reshaping.UpSampling2D((2, 3), interpolation="bilinear")(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full(x.shape, 6.0), rtol=1e-5)


@pytest.mark.parametrize("layer", [
    lambda: reshaping.UpSampling1D(4, name="r"),
    lambda: reshaping.UpSampling2D((1, 3), "channels_first", "bilinear", name="r"),
    lambda: reshaping.UpSampling3D(2, name="r"),
    lambda: reshaping.ZeroPadding1D((0, 2), name="r"),
    lambda: reshaping.ZeroPadding2D(((1, 2), (0, 1)), name="r"),
    lambda: reshaping.ZeroPadding3D(2, "channels_first", name="r"),
    lambda: reshaping.Cropping1D(1, name="r"),
    lambda: reshaping.Cropping2D((1, 2), name="r"),
    lambda: reshaping.Cropping3D(((1, 0), (0, 1), 1), name="r"),
])
def test_reshaping_config_round_trip(layer):
    layer = layer()
    config = layer.get_config()
    clone = type(layer).from_config(json.loads(json.dumps(config)))  # as from a JSON file
    assert clone.get_config() == config
    rank = layer.input_spec.ndim - 2
    x = RNG.randn(2, *([6] * (rank + 1))).astype("float32")
    np.testing.assert_array_equal(_run(clone, x), _run(layer, x))


def test_reshaping_defaults_match_keras2():
    assert reshaping.UpSampling1D().size == 2
    assert reshaping.UpSampling2D().get_config()["interpolation"] == "nearest"
    assert reshaping.UpSampling3D().size == (2, 2, 2)
    assert reshaping.ZeroPadding1D().padding == ((1, 1),)
    assert reshaping.ZeroPadding1D().get_config()["padding"] == (1, 1)
    assert reshaping.ZeroPadding2D().padding == ((1, 1), (1, 1))
    assert reshaping.Cropping1D().get_config()["cropping"] == (1, 1)
    assert reshaping.Cropping2D().cropping == ((0, 0), (0, 0))
    assert reshaping.Cropping3D().cropping == ((1, 1), (1, 1), (1, 1))
    assert "data_format" not in reshaping.Cropping1D().get_config()


@pytest.mark.parametrize("layer, bad_shape", [
    (reshaping.UpSampling1D, (2, 3)), (reshaping.UpSampling2D, (2, 3, 4)),
    (reshaping.UpSampling3D, (2, 3, 4, 5)), (reshaping.ZeroPadding1D, (2, 3, 4, 5)),
    (reshaping.ZeroPadding2D, (2, 3, 4)), (reshaping.Cropping3D, (2, 3, 4, 5)),
])
def test_reshaping_rejects_wrong_input_rank_naming_the_layer(layer, bad_shape):
    with pytest.raises(ValueError, match=r"Input 0 of layer 'r' is incompatible with the "
                                         r"layer: expected ndim=\d, found ndim=\d"):
        layer(name="r")(np.zeros(bad_shape, "float32"))


@pytest.mark.parametrize("make, message", [
    (lambda: reshaping.UpSampling2D(interpolation="cubic"),
     r"`interpolation` must be one of 'nearest', 'bilinear'.*Received: interpolation='cubic'"),
    (lambda: reshaping.UpSampling2D(size=0), r"`size` must be .* Received: size=0"),
    (lambda: reshaping.UpSampling1D(size=(2, 2)), r"Received: size=\(2, 2\)"),
    (lambda: reshaping.UpSampling3D(data_format="NDHWC"), r"Received: data_format='NDHWC'"),
    (lambda: reshaping.ZeroPadding1D(-1), r"`padding` must be an int or a tuple of 2 "
                                          r"non-negative ints. Received: padding=-1"),
    (lambda: reshaping.ZeroPadding2D((1, 2, 3)), r"`padding` must be an int, a tuple of 2 "
                                                 r"ints or a tuple of 2 tuples of 2 ints"),
    (lambda: reshaping.ZeroPadding3D(((1, 2), (1, 2), (1, 2, 3))),
     r"`3rd entry of padding` must be .* Received: 3rd entry of padding=\(1, 2, 3\)"),
    (lambda: reshaping.Cropping2D("same"), r"Received: cropping='same'"),
    (lambda: reshaping.Cropping3D((1, 1)), r"`cropping` must be an int, a tuple of 3 ints"),
])
def test_reshaping_rejects_invalid_arguments(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize("method", ["bicubic", "area", "lanczos3", "lanczos5", "gaussian",
                                    "mitchellcubic"])
def test_upsampling2d_tf_resize_methods_preserve_constant_images(method):
    layer = reshaping.UpSampling2D((3, 2), interpolation=method.upper())
    assert layer.interpolation == method
    out = _run(layer, np.full((1, 4, 5, 2), 2.5, "float32"))
    assert out.shape == (1, 12, 10, 2)
    np.testing.assert_allclose(out, 2.5, rtol=1e-6)


def test_upsampling_repeats_integer_tensors():
    x = torch.arange(6).reshape(1, 3, 2)
    assert reshaping.UpSampling1D(2)(x)[0, :, 0].tolist() == [0, 0, 2, 2, 4, 4]


def test_cropping_more_than_the_input_is_an_error():
    with pytest.raises(ValueError, match=r"`cropping` removes 3 \+ 2 steps from axis 2 of "
                                         r"layer 'crop'.*only 5"):
        reshaping.Cropping2D(((0, 0), (3, 2)), name="crop")(Input((4, 5, 1)))
