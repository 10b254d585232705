"""Noise and dropout variants (GaussianNoise, GaussianDropout, AlphaDropout,
SpatialDropout1D/2D/3D): identity at inference; in training, the Keras formulas checked
entry by entry where they are exact and statistically (seeded) where they are random."""
import math

import numpy as np
import pytest
import torch

import tkeras
from tkeras import layers
from tkeras.layers import Input

SELU_ALPHA_P = -1.6732632423543772848170429916717 * 1.0507009873554804934193349852946

ALL = [
    lambda: layers.GaussianNoise(0.5),
    lambda: layers.GaussianDropout(0.3),
    lambda: layers.AlphaDropout(0.3),
    lambda: layers.SpatialDropout1D(0.3),
    lambda: layers.SpatialDropout2D(0.3),
    lambda: layers.SpatialDropout3D(0.3),
]
RANK = {"SpatialDropout1D": 3, "SpatialDropout2D": 4, "SpatialDropout3D": 5}


def _input_for(layer, size=4):
    rank = RANK.get(type(layer).__name__, 3)
    return torch.randn((size,) * rank)


@pytest.mark.parametrize("make", ALL, ids=lambda make: type(make()).__name__)
def test_noise_layer_is_the_identity_at_inference(make):
    layer = make()
    x = _input_for(layer)
    assert layer(x) is x
    assert layer(x, training=False) is x
    assert layer.weights == [] and layer.count_params() == 0


@pytest.mark.parametrize("make", ALL, ids=lambda make: type(make()).__name__)
def test_noise_layer_changes_values_in_training_only(make):
    layer = make()
    x = _input_for(layer, size=6)
    out = layer(x, training=True)
    assert out.shape == x.shape and not torch.equal(out, x)


@pytest.mark.parametrize("make", ALL, ids=lambda make: type(make()).__name__)
def test_noise_layer_keeps_symbolic_shape_and_config(make):
    layer = make()
    rank = RANK.get(type(layer).__name__, 3)
    shape = (3, 4, 5, 6)[:rank - 1]
    assert tuple(layer(Input(shape)).shape) == (None,) + shape
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config


@pytest.mark.parametrize("make", ALL, ids=lambda make: type(make()).__name__)
def test_noise_layer_with_zero_rate_is_the_identity_in_training(make):
    # The fixtures' rule for reproducible training: every rate / stddev set to 0.
    layer = make()
    for attr in ("rate", "stddev"):
        if hasattr(layer, attr):
            setattr(layer, attr, 0.0)
    x = _input_for(layer)
    torch.testing.assert_close(layer(x, training=True), x)


# ---------------------------------------------------------------- GaussianNoise
def test_gaussian_noise_adds_noise_of_mean_zero_and_std_stddev():
    x = torch.full((400, 500), 3.0)
    noise = (layers.GaussianNoise(0.2, seed=1)(x, training=True) - x).numpy()
    assert abs(noise.mean()) < 0.002
    assert noise.std() == pytest.approx(0.2, rel=0.01)


def test_gaussian_noise_with_a_seed_is_reproducible():
    x = torch.zeros(3, 4)
    a = layers.GaussianNoise(1.0, seed=7)(x, training=True)
    tkeras.backend.clear_session()
    b = layers.GaussianNoise(1.0, seed=7)(x, training=True)
    torch.testing.assert_close(a, b)


# ---------------------------------------------------------------- GaussianDropout
def test_gaussian_dropout_multiplies_by_noise_of_mean_one():
    rate = 0.3
    x = torch.full((400, 500), 2.0)
    factor = (layers.GaussianDropout(rate, seed=3)(x, training=True) / x).numpy()
    assert abs(factor.mean() - 1.0) < 0.003
    assert factor.std() == pytest.approx(math.sqrt(rate / (1 - rate)), rel=0.01)


# ---------------------------------------------------------------- AlphaDropout
def _alpha_dropout_affine(rate):
    a = ((1 - rate) * (1 + rate * SELU_ALPHA_P ** 2)) ** -0.5
    return a, -a * SELU_ALPHA_P * rate


def test_alpha_dropout_applies_keras_affine_to_kept_and_dropped_entries():
    rate = 0.2
    x = torch.randn(300, 400)
    out = layers.AlphaDropout(rate, seed=5)(x, training=True).numpy()
    a, b = _alpha_dropout_affine(rate)
    kept = np.isclose(out, a * x.numpy() + b, atol=1e-6)
    dropped = np.isclose(out, a * SELU_ALPHA_P + b, atol=1e-6)
    assert (kept | dropped).all()
    assert (1 - kept.mean()) == pytest.approx(rate, abs=0.01)
    # Self-normalizing: a standard normal input keeps mean 0 and variance 1.
    assert abs(out.mean()) < 0.01
    assert out.std() == pytest.approx(1.0, abs=0.01)


def test_alpha_dropout_noise_shape_shares_the_mask():
    x = torch.randn(50, 8, 30)
    layer = layers.AlphaDropout(0.5, noise_shape=(None, 1, 30))
    out = layer(x, training=True).numpy()
    a, b = _alpha_dropout_affine(0.5)
    dropped = np.isclose(out, a * SELU_ALPHA_P + b, atol=1e-6)
    assert (dropped == dropped[:, :1, :]).all()
    assert layer.get_config()["noise_shape"] == [None, 1, 30]


# ---------------------------------------------------------------- SpatialDropout
@pytest.mark.parametrize("cls, shape, data_format, channel_axis", [
    (layers.SpatialDropout1D, (60, 7, 40), None, 2),
    (layers.SpatialDropout2D, (60, 5, 6, 40), "channels_last", 3),
    (layers.SpatialDropout2D, (60, 40, 5, 6), "channels_first", 1),
    (layers.SpatialDropout3D, (60, 3, 4, 2, 40), "channels_last", 4),
    (layers.SpatialDropout3D, (60, 40, 3, 4, 2), "channels_first", 1),
])
def test_spatial_dropout_drops_whole_feature_maps(cls, shape, data_format, channel_axis):
    rate = 0.4
    kwargs = {} if data_format is None else {"data_format": data_format}
    x = torch.rand(shape) + 0.5
    out = (cls(rate, **kwargs)(x, training=True) / x).numpy()
    # Every (sample, channel) map is all 0 or all 1 / (1 - rate).
    spatial = tuple(d for d in range(1, len(shape)) if d != channel_axis)
    per_map_max = out.max(axis=spatial)
    per_map_min = out.min(axis=spatial)
    np.testing.assert_allclose(per_map_max, per_map_min, atol=1e-5)
    values = np.unique(np.round(per_map_max, 4))
    np.testing.assert_allclose(values, [0.0, round(1 / (1 - rate), 4)])
    assert (per_map_max == 0).mean() == pytest.approx(rate, abs=0.06)


def test_spatial_dropout_loads_the_keras2_config_without_data_format():
    config = {"name": "spatial_dropout2d", "trainable": True, "dtype": "float32",
              "rate": 0.25, "noise_shape": None, "seed": None}
    layer = layers.SpatialDropout2D.from_config(config)
    assert layer.rate == 0.25 and layer.data_format == "channels_last"
    assert layer.get_config()["data_format"] == "channels_last"
    from tkeras.layers.core import SpatialDropout2D

    assert SpatialDropout2D is layers.SpatialDropout2D


def test_spatial_dropout_is_active_only_in_fit():
    model = tkeras.Sequential([layers.SpatialDropout1D(0.5, input_shape=(4, 500)),
                               layers.Flatten(),
                               layers.Dense(1, kernel_initializer="ones", use_bias=False)])
    model.compile(tkeras.optimizers.SGD(learning_rate=0.0), "mae")
    x, y = np.ones((2, 4, 500), "float32"), np.zeros((2, 1), "float32")
    np.testing.assert_allclose(model.predict(x, verbose=0), np.full((2, 1), 2000.0))
    assert model.train_on_batch(x, y) != pytest.approx(2000.0, abs=1e-3)


# ---------------------------------------------------------------- masks and errors
def test_noise_layers_propagate_masks():
    x = torch.ones(2, 3, 4)
    x._keras_mask = torch.tensor([[True, False, True], [True, True, False]])
    for layer in (layers.GaussianNoise(0.1), layers.GaussianDropout(0.1),
                  layers.AlphaDropout(0.1), layers.SpatialDropout1D(0.1)):
        assert layer(x, training=True)._keras_mask is x._keras_mask


@pytest.mark.parametrize("make, match", [
    (lambda: layers.GaussianNoise(-1.0), r"Received: stddev=-1.0"),
    (lambda: layers.GaussianDropout(1.0), r"\[0, 1\).*Received: rate=1.0"),
    (lambda: layers.AlphaDropout(-0.1), r"Received: rate=-0.1"),
    (lambda: layers.SpatialDropout2D(1.5), r"Received: rate=1.5"),
    (lambda: layers.SpatialDropout2D(0.5, data_format="NHWC"),
     r"`data_format` must be 'channels_last' or 'channels_first'"),
])
def test_noise_layers_reject_invalid_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()


@pytest.mark.parametrize("layer, shape, ndim", [
    (layers.SpatialDropout1D(0.5, name="sd"), (3,), 3),
    (layers.SpatialDropout2D(0.5, name="sd"), (3, 4), 4),
    (layers.SpatialDropout3D(0.5, name="sd"), (3, 4, 5), 5),
])
def test_spatial_dropout_rejects_wrong_input_rank_naming_the_layer(layer, shape, ndim):
    with pytest.raises(ValueError, match=f"layer 'sd' is incompatible with the layer: "
                                         f"expected ndim={ndim}, found ndim={len(shape) + 1}"):
        layer(Input(shape))
