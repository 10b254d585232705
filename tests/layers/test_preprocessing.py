"""Rescaling and Normalization (the preprocessing layers Keras 2 applications carry)."""
import numpy as np
import pytest

import tkeras
from tkeras import layers


def test_rescaling_scales_each_channel_and_offsets():
    layer = layers.Rescaling(scale=[1.0, 0.5, 0.25], offset=-1.0)
    x = np.full((2, 4, 4, 3), 8.0, "float32")
    np.testing.assert_allclose(layer(x).numpy()[0, 0, 0], [7.0, 3.0, 1.0])
    again = layers.Rescaling.from_config(layer.get_config())
    assert again.get_config() == layer.get_config()
    assert layer.get_config()["scale"] == [1.0, 0.5, 0.25]


def test_rescaling_rejects_a_non_numeric_scale():
    with pytest.raises(ValueError, match="Received: scale='big'"):
        layers.Rescaling("big")


def test_normalization_with_given_statistics_matches_numpy():
    mean, var = [1.0, -2.0, 3.0], [4.0, 0.25, 1e-20]
    layer = layers.Normalization(mean=mean, variance=var)
    x = np.random.RandomState(0).randn(2, 5, 3).astype("float32")
    expected = (x - np.array(mean)) / np.maximum(np.sqrt(var), 1e-7)
    np.testing.assert_allclose(layer(x).numpy(), expected, rtol=1e-6)
    assert layer.weights == []
    inverse = layers.Normalization(mean=mean, variance=var[:2] + [1.0], invert=True)
    np.testing.assert_allclose(inverse(np.zeros((1, 3), "float32")).numpy(), [mean])


def test_normalization_adapt_learns_statistics_in_keras_weight_order():
    data = np.random.RandomState(1).rand(50, 4, 2).astype("float32") * 10
    layer = layers.Normalization(axis=(1, 2), name="norm")
    layer.adapt(data)
    assert [w.name for w in layer.weights] == ["norm/mean:0", "norm/variance:0",
                                               "norm/count:0"]
    assert layer.trainable_weights == []
    mean, variance, count = layer.get_weights()
    np.testing.assert_allclose(mean, data.mean(0), rtol=1e-5)
    np.testing.assert_allclose(variance, data.var(0), rtol=1e-4)
    assert count.dtype == np.int64 and count == 50
    out = layer(data).numpy()
    np.testing.assert_allclose(out.mean(0), 0, atol=1e-4)
    np.testing.assert_allclose(out.std(0), 1, atol=1e-3)


def test_normalization_weights_survive_a_saved_model(tmp_path):
    data = np.random.RandomState(2).randn(20, 3).astype("float32") * 3 + 1
    norm = layers.Normalization()
    norm.adapt(data)
    model = tkeras.Sequential([tkeras.Input((3,)), norm, layers.Dense(2)])
    model.save(str(tmp_path / "m.h5"))
    loaded = tkeras.models.load_model(str(tmp_path / "m.h5"), compile=False)
    np.testing.assert_allclose(loaded.predict(data, verbose=0), model.predict(data, verbose=0),
                               rtol=1e-6)
    assert loaded.layers[0].get_config() == norm.get_config()


def test_normalization_needs_both_mean_and_variance():
    with pytest.raises(ValueError, match="both `mean` and `variance` must be set"):
        layers.Normalization(mean=[1.0])
    with pytest.raises(ValueError, match="batch axis"):
        layers.Normalization(axis=0)
