"""Core layers (Dense, Activation, Dropout, Flatten, Reshape, Permute, RepeatVector,
Lambda, Masking, ActivityRegularization) against NumPy oracles, plus their config round
trips and argument errors."""
import numpy as np
import pytest
import torch

import tkeras
from tkeras import layers
from tkeras.layers import Input

RNG = np.random.RandomState(0)


def _np(t):
    return np.asarray(t.detach() if isinstance(t, torch.Tensor) else t)


# ---------------------------------------------------------------- Dense
def test_dense_2d_matches_numpy():
    layer = layers.Dense(4)
    x = RNG.randn(5, 3).astype("float32")
    out = _np(layer(x))
    kernel, bias = layer.get_weights()
    assert kernel.shape == (3, 4) and bias.shape == (4,)
    np.testing.assert_allclose(out, x @ kernel + bias, rtol=1e-5, atol=1e-6)


def test_dense_3d_input_applies_to_last_axis():
    layer = layers.Dense(4, activation="relu")
    x = RNG.randn(2, 6, 3).astype("float32")
    out = _np(layer(x))
    kernel, bias = layer.get_weights()
    assert out.shape == (2, 6, 4)
    np.testing.assert_allclose(out, np.maximum(x @ kernel + bias, 0), rtol=1e-5, atol=1e-6)
    assert layer.compute_output_shape((None, 6, 3)) == (None, 6, 4)


def test_dense_without_bias_and_with_activation():
    layer = layers.Dense(2, use_bias=False, activation="sigmoid",
                         kernel_initializer="ones")
    x = np.array([[1.0, -2.0, 0.5]], "float32")
    out = _np(layer(x))
    assert len(layer.weights) == 1
    np.testing.assert_allclose(out, 1 / (1 + np.exp(-(x @ np.ones((3, 2))))), rtol=1e-6)


def test_dense_default_initializers_are_glorot_uniform_and_zeros():
    layer = layers.Dense(300)
    layer.build((None, 200))
    kernel, bias = layer.get_weights()
    limit = np.sqrt(6.0 / (200 + 300))
    assert np.abs(kernel).max() <= limit
    assert np.abs(kernel).max() > 0.9 * limit
    np.testing.assert_array_equal(bias, np.zeros(300))


def test_dense_symbolic_output_shape():
    out = layers.Dense(7)(Input((5, 3)))
    assert tuple(out.shape) == (None, 5, 7)


# ---------------------------------------------------------------- Activation
@pytest.mark.parametrize("name, fn", [
    ("relu", lambda x: np.maximum(x, 0)),
    ("tanh", np.tanh),
    ("softmax", lambda x: np.exp(x) / np.exp(x).sum(-1, keepdims=True)),
])
def test_activation_layer_matches_numpy(name, fn):
    x = RNG.randn(3, 4).astype("float32")
    np.testing.assert_allclose(_np(layers.Activation(name)(x)), fn(x), rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------- Dropout
def test_dropout_is_identity_at_inference():
    x = RNG.rand(8, 50).astype("float32")
    np.testing.assert_array_equal(_np(layers.Dropout(0.5)(x)), x)


def test_dropout_in_training_drops_about_rate_and_scales_the_rest():
    x = torch.ones(200, 500)
    out = _np(layers.Dropout(0.3)(x, training=True))
    dropped = (out == 0).mean()
    assert abs(dropped - 0.3) < 0.02
    kept = out[out != 0]
    np.testing.assert_allclose(kept, 1 / (1 - 0.3), rtol=1e-6)


def test_dropout_noise_shape_shares_the_mask_along_broadcast_axes():
    x = torch.ones(20, 6, 30)
    out = _np(layers.Dropout(0.5, noise_shape=(None, 1, 30))(x, training=True))
    # Every timestep of a sample has the same dropped features.
    assert (out == out[:, :1, :]).all()
    assert 0.3 < (out == 0).mean() < 0.7
    np.testing.assert_allclose(out[out != 0], 2.0)


def test_dropout_inside_a_model_is_active_only_in_fit():
    model = tkeras.Sequential([layers.Dropout(0.5, input_shape=(1000,)),
                               layers.Dense(1, kernel_initializer="ones", use_bias=False)])
    model.compile(tkeras.optimizers.SGD(lr=0.0), "mae")
    x = np.ones((4, 1000), "float32")
    y = np.zeros((4, 1), "float32")
    # Inference: the Dense sums 1000 ones.
    np.testing.assert_allclose(model.predict(x), np.full((4, 1), 1000.0))
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0), 1000.0)
    # Training: kept units are scaled by 2, so the sum is 2 * (number kept) != 1000 exactly.
    loss = model.train_on_batch(x, y)
    assert loss != pytest.approx(1000.0, abs=1e-3)
    assert 800.0 < loss < 1200.0


# ---------------------------------------------------------------- Flatten
def test_flatten_channels_last():
    x = np.arange(24, dtype="float32").reshape(2, 3, 4)
    np.testing.assert_array_equal(_np(layers.Flatten()(x)), x.reshape(2, 12))
    assert tuple(layers.Flatten()(Input((3, 4))).shape) == (None, 12)


def test_flatten_channels_first_uses_keras_channels_last_order():
    x = np.arange(2 * 3 * 4 * 5, dtype="float32").reshape(2, 3, 4, 5)  # (batch, C, H, W)
    out = _np(layers.Flatten(data_format="channels_first")(x))
    np.testing.assert_array_equal(out, np.transpose(x, (0, 2, 3, 1)).reshape(2, -1))
    assert tuple(layers.Flatten(data_format="channels_first")(Input((3, 4, 5))).shape) == (
        None, 60)


def test_flatten_of_unknown_dimension_has_unknown_size():
    assert tuple(layers.Flatten()(Input((None, 3))).shape) == (None, None)


# ---------------------------------------------------------------- Reshape
def test_reshape_with_inferred_dimension():
    x = np.arange(12, dtype="float32").reshape(2, 6)
    out = _np(layers.Reshape((3, -1))(x))
    np.testing.assert_array_equal(out, x.reshape(2, 3, 2))
    assert tuple(layers.Reshape((-1, 2))(Input((6,))).shape) == (None, 3, 2)
    assert tuple(layers.Reshape((2, 3))(Input((3, 2))).shape) == (None, 2, 3)


def test_reshape_rejects_two_unknown_dimensions():
    with pytest.raises(ValueError, match=r"one unknown dimension.*Received: target_shape=\(-1, -1\)"):
        layers.Reshape((-1, -1))


def test_reshape_rejects_a_size_change():
    with pytest.raises(ValueError, match=r"total size of the new array must be unchanged"):
        layers.Reshape((4, 2))(np.zeros((2, 6), "float32"))
    with pytest.raises(ValueError, match=r"total size of the new array must be unchanged"):
        layers.Reshape((4, -1))(Input((6,)))


# ---------------------------------------------------------------- Permute
def test_permute_matches_numpy_transpose():
    x = RNG.randn(2, 3, 4, 5).astype("float32")
    out = _np(layers.Permute((3, 1, 2))(x))
    np.testing.assert_array_equal(out, np.transpose(x, (0, 3, 1, 2)))
    assert tuple(layers.Permute((2, 1))(Input((3, 4))).shape) == (None, 4, 3)


@pytest.mark.parametrize("dims", [(1, 3), (0, 1), (1, 1)])
def test_permute_rejects_invalid_dims(dims):
    with pytest.raises(ValueError, match="Invalid permutation `dims`"):
        layers.Permute(dims)


# ---------------------------------------------------------------- RepeatVector
def test_repeat_vector():
    x = RNG.randn(2, 3).astype("float32")
    out = _np(layers.RepeatVector(4)(x))
    np.testing.assert_array_equal(out, np.repeat(x[:, None, :], 4, axis=1))
    assert tuple(layers.RepeatVector(4)(Input((3,))).shape) == (None, 4, 3)


def test_repeat_vector_requires_2d_input():
    with pytest.raises(ValueError, match="expected ndim=2"):
        layers.RepeatVector(2)(np.zeros((2, 3, 4), "float32"))


# ---------------------------------------------------------------- Lambda
def test_lambda_with_arguments():
    layer = layers.Lambda(lambda t, k: t * k, arguments={"k": 3.0})
    np.testing.assert_allclose(_np(layer(np.ones((2, 2), "float32"))), np.full((2, 2), 3.0))


def test_lambda_output_shape_tuple_and_callable():
    inp = Input((5,))
    a = layers.Lambda(lambda t: t[:, :2], output_shape=(2,))(inp)
    b = layers.Lambda(lambda t: t[:, :3], output_shape=lambda s: (s[0], 3))(inp)
    assert tuple(a.shape) == (None, 2)
    assert tuple(b.shape) == (None, 3)
    model = tkeras.Model(inp, [a, b])
    x = RNG.randn(4, 5).astype("float32")
    pa, pb = model.predict(x)
    np.testing.assert_array_equal(pa, x[:, :2])
    np.testing.assert_array_equal(pb, x[:, :3])


def test_lambda_on_a_list_of_inputs():
    a, b = Input((3,)), Input((3,))
    out = layers.Lambda(lambda ts: ts[0] - ts[1])([a, b])
    model = tkeras.Model([a, b], out)
    xa, xb = RNG.randn(2, 3).astype("float32"), RNG.randn(2, 3).astype("float32")
    np.testing.assert_allclose(model.predict([xa, xb]), xa - xb, rtol=1e-6)


def test_lambda_mask_function():
    layer = layers.Lambda(lambda t: t, mask=lambda inputs, mask: inputs[..., 0] > 0)
    out = layer(torch.tensor([[[1.0, 2.0], [-1.0, 0.0]]]))
    assert out._keras_mask.tolist() == [[True, False]]


# ---------------------------------------------------------------- Masking
def test_masking_zeroes_masked_steps_and_sets_the_mask():
    x = np.array([[[1.0, 2.0], [-1.0, -1.0], [0.0, 3.0]]], "float32")
    layer = layers.Masking(mask_value=-1.0)
    out = layer(torch.tensor(x))
    np.testing.assert_array_equal(_np(out), [[[1.0, 2.0], [0.0, 0.0], [0.0, 3.0]]])
    assert out._keras_mask.tolist() == [[True, False, True]]


def test_masking_mask_on_symbolic_output():
    out = layers.Masking()(Input((4, 2)))
    assert out._keras_mask is not None
    assert tuple(out._keras_mask.shape) == (None, 4)


# ---------------------------------------------------------------- ActivityRegularization
def test_activity_regularization_is_identity_and_adds_a_batch_averaged_loss():
    x = np.array([[1.0, -2.0], [3.0, 0.5]], "float32")
    layer = layers.ActivityRegularization(l1=0.01, l2=0.1)
    out = layer(torch.tensor(x))
    np.testing.assert_array_equal(_np(out), x)
    assert len(layer.losses) == 1
    expected = (0.01 * np.abs(x).sum() + 0.1 * (x ** 2).sum()) / 2
    np.testing.assert_allclose(float(layer.losses[0]), expected, rtol=1e-6)


def test_activity_regularization_counts_in_the_training_loss():
    w = np.array([[0.1, -0.2], [0.3, 0.4], [-0.5, 0.6]], "float32")
    b = np.array([0.1, -0.1], "float32")
    x = np.arange(12, dtype="float32").reshape(4, 3) / 10.0
    y = np.ones((4, 2), "float32")
    inp = Input((3,))
    dense = layers.Dense(2)
    model = tkeras.Model(inp, layers.ActivityRegularization(l1=0.01, l2=0.1)(dense(inp)))
    dense.set_weights([w, b])
    model.compile(tkeras.optimizers.SGD(lr=0.0), "mse")
    out = x @ w + b
    # tf-keras gives 0.74934995 for this case.
    expected = ((out - y) ** 2).mean() + (0.01 * np.abs(out).sum() + 0.1 * (out ** 2).sum()) / 4
    np.testing.assert_allclose(model.train_on_batch(x, y), expected, rtol=1e-5)
    np.testing.assert_allclose(expected, 0.74934995, rtol=1e-6)


# ---------------------------------------------------------------- config round trips
def add_one(t):
    return t + 1.0


CONFIG_CASES = [
    (lambda: layers.Dense(3, activation="relu", use_bias=False, kernel_regularizer="l2",
                          name="dd"), (None, 4)),
    (lambda: layers.Dense(3, activity_regularizer="l1", kernel_constraint="max_norm",
                          bias_initializer="ones"), (None, 4)),
    (lambda: layers.Activation("tanh"), (None, 4)),
    (lambda: layers.Dropout(0.3, noise_shape=(None, 1, 4), seed=3), (None, 2, 4)),
    (lambda: layers.Flatten(data_format="channels_first"), (None, 2, 3, 4)),
    (lambda: layers.Reshape((2, -1)), (None, 6)),
    (lambda: layers.Permute((2, 1)), (None, 2, 3)),
    (lambda: layers.RepeatVector(3), (None, 4)),
    (lambda: layers.Masking(-1.0), (None, 3, 4)),
    (lambda: layers.ActivityRegularization(0.1, 0.2), (None, 4)),
    (lambda: layers.Lambda(add_one, output_shape=(4,)), (None, 4)),
]


@pytest.mark.parametrize("make, shape", CONFIG_CASES)
def test_get_config_from_config_round_trip(make, shape):
    layer = make()
    config = layer.get_config()
    clone = type(layer).from_config(config, custom_objects={"add_one": add_one}) \
        if isinstance(layer, layers.Lambda) else type(layer).from_config(config)
    assert clone.get_config() == config
    assert clone.name == layer.name
    x = RNG.randn(*[2 if d is None else d for d in shape]).astype("float32")
    a, b = layer(x), clone(x)
    if layer.weights:
        clone.set_weights(layer.get_weights())
        b = clone(x)
    np.testing.assert_allclose(_np(a), _np(b), rtol=1e-6)


def test_dense_config_has_the_keras_2_keys():
    # tf-keras Dense.get_config() keys.
    assert sorted(layers.Dense(2).get_config()) == sorted([
        "name", "trainable", "dtype", "units", "activation", "use_bias",
        "kernel_initializer", "bias_initializer", "kernel_regularizer", "bias_regularizer",
        "activity_regularizer", "kernel_constraint", "bias_constraint"])
    config = layers.Dense(2, activation="relu").get_config()
    assert config["units"] == 2
    assert config["activation"] == "relu"


def test_config_keeps_batch_input_shape_of_a_first_layer():
    config = layers.Dense(2, input_shape=(3,)).get_config()
    assert config["batch_input_shape"] == [None, 3]
    assert layers.Dense.from_config(config)._batch_input_shape == (None, 3)


def test_lambda_bytecode_is_not_loaded_by_default():
    config = layers.Lambda(lambda t: t * 2).get_config()
    with pytest.raises(ValueError, match="safe_mode=False"):
        layers.Lambda.from_config(config)
    clone = layers.Lambda.from_config(config, safe_mode=False)
    np.testing.assert_allclose(_np(clone(np.ones((1, 2), "float32"))), [[2.0, 2.0]])


# ---------------------------------------------------------------- argument errors
def test_dense_rejects_non_positive_units():
    with pytest.raises(ValueError, match=r"Received: units=0"):
        layers.Dense(0)
    with pytest.raises(ValueError, match=r"Received: units=-3"):
        layers.Dense(-3)


@pytest.mark.parametrize("rate", [1.0, -0.1, 1.5])
def test_dropout_rejects_rate_outside_0_1(rate):
    with pytest.raises(ValueError, match=f"Received: rate={rate}"):
        layers.Dropout(rate)


def test_repeat_vector_rejects_non_positive_n():
    with pytest.raises(ValueError, match=r"Received: n=0"):
        layers.RepeatVector(0)
