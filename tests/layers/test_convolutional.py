"""Convolution layers (Conv1D/2D/3D, Conv1D/2D/3DTranspose, SeparableConv1D/2D,
DepthwiseConv1D/2D) against real Keras 2 numbers, plus their weight layouts, config round
trips, torch-side storage and argument errors.

The references in `data/convolutional.npz` come from tf-keras 2.21
(`data/make_convolutional.py`): per case the layer config, a seeded input, seeded Keras-layout
weights and Keras's output.
"""
import json
import os

import numpy as np
import pytest
import torch

import tkeras
from tkeras import layers
from tkeras.layers import convolutional

DATA = np.load(os.path.join(os.path.dirname(__file__), "data", "convolutional.npz"))
CASES = sorted({key.split("/")[0] for key in DATA.files})


def _np(t):
    return t.detach().cpu().numpy()


def _case(name):
    cls = getattr(layers, str(DATA[f"{name}/class"]))
    config = json.loads(str(DATA[f"{name}/config"]))
    weights = [DATA[f"{name}/w{i}"] for i in range(10) if f"{name}/w{i}" in DATA.files]
    return cls, config, DATA[f"{name}/x"], weights, DATA[f"{name}/y"]


def _built(name):
    cls, config, x, weights, y = _case(name)
    layer = cls(**config)
    layer.build(x.shape)
    layer.set_weights(weights)
    return layer, x, weights, y


# ---------------------------------------------------------------- numerics and layout
def test_reference_covers_every_convolution_class():
    classes = {str(DATA[f"{name}/class"]) for name in CASES}
    assert classes == {"Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose",
                       "Conv3DTranspose", "SeparableConv1D", "SeparableConv2D",
                       "DepthwiseConv1D", "DepthwiseConv2D"}


@pytest.mark.parametrize("name", CASES)
def test_output_matches_keras2_reference(name):
    layer, x, _, y = _built(name)
    out = _np(layer(x))
    assert out.shape == y.shape
    np.testing.assert_allclose(out, y, atol=1e-5, rtol=0)


@pytest.mark.parametrize("name", CASES)
def test_weights_have_keras_shapes_order_and_count(name):
    layer, _, weights, _ = _built(name)
    assert [tuple(w.shape) for w in layer.weights] == [w.shape for w in weights]
    for got, want in zip(layer.get_weights(), weights):
        np.testing.assert_array_equal(got, want)
    assert layer.count_params() == sum(w.size for w in weights)
    names = [w.name.split("/")[-1] for w in layer.weights]
    kernels = {"DepthwiseConv1D": ["depthwise_kernel:0"],
               "DepthwiseConv2D": ["depthwise_kernel:0"],
               "SeparableConv1D": ["depthwise_kernel:0", "pointwise_kernel:0"],
               "SeparableConv2D": ["depthwise_kernel:0", "pointwise_kernel:0"]}
    expected = kernels.get(type(layer).__name__, ["kernel:0"])
    assert names == expected + ["bias:0"] * (len(weights) - len(expected))


@pytest.mark.parametrize("name", CASES)
def test_compute_output_shape_agrees_with_the_output(name):
    layer, x, _, y = _built(name)
    assert layer.compute_output_shape(x.shape) == y.shape
    assert layer.compute_output_shape((None,) + x.shape[1:]) == (None,) + y.shape[1:]


@pytest.mark.parametrize("name", CASES)
def test_config_round_trip_rebuilds_the_same_layer(name):
    layer, x, weights, y = _built(name)
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    clone.build(x.shape)
    clone.set_weights(weights)
    np.testing.assert_array_equal(_np(clone(x)), _np(layer(x)))


@pytest.mark.parametrize("name", CASES)
def test_tf_keras_config_loads_and_has_the_same_keys(name):
    keras_config = json.loads(str(DATA[f"{name}/keras_config"]))
    cls = getattr(layers, str(DATA[f"{name}/class"]))
    layer = cls.from_config(dict(keras_config))
    ours = layer.get_config()
    assert set(ours) == set(keras_config)
    for key in ("kernel_size", "strides", "dilation_rate", "output_padding"):
        if keras_config.get(key) is not None:
            assert list(ours[key]) == list(keras_config[key])
    for key in ("filters", "padding", "data_format", "depth_multiplier", "use_bias", "groups"):
        if key in keras_config:
            assert ours[key] == keras_config[key]


def test_channels_first_output_shapes():
    cases = [
        (layers.Conv1D(4, 3, data_format="channels_first"), (2, 3, 10), (2, 4, 8)),
        (layers.Conv2D(4, 3, strides=2, padding="same", data_format="channels_first"),
         (2, 3, 9, 8), (2, 4, 5, 4)),
        (layers.Conv3D(2, 2, data_format="channels_first"), (1, 3, 4, 4, 4), (1, 2, 3, 3, 3)),
        (layers.Conv2DTranspose(2, 3, strides=2, data_format="channels_first"),
         (1, 3, 4, 5), (1, 2, 9, 11)),
        (layers.DepthwiseConv2D(3, depth_multiplier=2, data_format="channels_first"),
         (1, 3, 5, 5), (1, 6, 3, 3)),
        (layers.SeparableConv1D(5, 2, data_format="channels_first"), (1, 3, 6), (1, 5, 5)),
    ]
    for layer, shape, expected in cases:
        assert tuple(layer(np.zeros(shape, "float32")).shape) == expected


def test_symbolic_call_keeps_unknown_spatial_dims():
    out = layers.Conv2D(8, 3, strides=2, padding="same")(tkeras.Input((None, None, 3)))
    assert tuple(out.shape) == (None, None, None, 8)
    out = layers.Conv1D(4, 3, padding="causal")(tkeras.Input((20, 2)))
    assert tuple(out.shape) == (None, 20, 4)
    out = layers.Conv2DTranspose(4, 3, strides=2, padding="valid")(tkeras.Input((5, 6, 2)))
    assert tuple(out.shape) == (None, 11, 13, 4)


def test_causal_conv1d_never_sees_the_future():
    layer = layers.Conv1D(1, 3, padding="causal", dilation_rate=2, use_bias=False)
    x = np.zeros((1, 10, 1), "float32")
    base = _np(layer(x))
    x[0, 6, 0] = 1.0
    changed = np.nonzero(np.abs(_np(layer(x)) - base)[0, :, 0] > 0)[0]
    assert changed.min() >= 6


def test_integer_inputs_are_cast_to_the_layer_dtype():
    layer = layers.Conv2D(2, 2, kernel_initializer="ones")
    out = layer(np.ones((1, 3, 3, 1), "int64"))
    assert out.dtype == torch.float32
    np.testing.assert_allclose(_np(out), np.full((1, 2, 2, 2), 4.0))


def test_default_kernel_initializer_uses_keras_fans():
    layer = layers.Conv2D(40, (3, 5))
    layer.build((None, 9, 9, 20))
    kernel = layer.get_weights()[0]
    limit = np.sqrt(6.0 / (3 * 5 * 20 + 3 * 5 * 40))  # glorot with the receptive field
    assert np.abs(kernel).max() <= limit
    assert np.abs(kernel).max() > 0.9 * limit


def test_kernel_regularizer_is_computed_on_the_keras_kernel():
    layer = layers.SeparableConv2D(3, 2, depthwise_regularizer=tkeras.regularizers.l2(0.1),
                                   pointwise_regularizer=tkeras.regularizers.l1(0.2))
    layer.build((None, 4, 4, 2))
    depthwise, pointwise, _ = layer.get_weights()
    expected = 0.1 * np.square(depthwise).sum() + 0.2 * np.abs(pointwise).sum()
    np.testing.assert_allclose(float(sum(layer.losses).detach()), expected, rtol=1e-5)


# ---------------------------------------------------------------- torch-side storage
def test_weights_are_stored_in_torch_layout_with_torch_names():
    conv = layers.Conv2D(6, (3, 2))
    conv.build((None, 8, 8, 4))
    assert list(conv.state_dict()) == ["weight", "bias"]
    assert tuple(conv.weight.shape) == (6, 4, 3, 2)
    assert tuple(conv.kernel.shape) == (3, 2, 4, 6)
    dw = layers.DepthwiseConv2D(3, depth_multiplier=2)
    dw.build((None, 8, 8, 4))
    assert tuple(dw.depthwise_weight.shape) == (8, 1, 3, 3)
    sep = layers.SeparableConv1D(5, 3)
    sep.build((None, 8, 4))
    assert list(sep.state_dict()) == ["depthwise_weight", "pointwise_weight", "bias"]


def test_depthwise_layout_puts_channel_c_multiplier_m_at_c_times_dm_plus_m():
    dw = layers.DepthwiseConv2D(1, depth_multiplier=3, use_bias=False)
    dw.build((None, 2, 2, 2))
    kernel = np.arange(6, dtype="float32").reshape(1, 1, 2, 3) + 1
    dw.set_weights([kernel])
    x = np.zeros((1, 2, 2, 2), "float32")
    x[..., 0], x[..., 1] = 1.0, 10.0
    np.testing.assert_allclose(_np(dw(x))[0, 0, 0], [1, 2, 3, 40, 50, 60])


def test_keras_views_write_through_to_the_torch_parameters():
    dw = layers.DepthwiseConv2D(3, depth_multiplier=2)
    dw.build((None, 5, 5, 3))
    with torch.no_grad():
        dw.depthwise_kernel[0, 0, 1, 1] = 7.0  # Keras (row, col, channel, multiplier)
    assert float(dw.depthwise_weight[1 * 2 + 1, 0, 0, 0].detach()) == 7.0
    assert dw.depthwise_kernel.data_ptr() == dw.depthwise_weight.data_ptr()
    sep = layers.SeparableConv2D(4, 3)
    sep.build((None, 5, 5, 3))
    assert sep.pointwise_kernel.data_ptr() == sep.pointwise_weight.data_ptr()


def test_constraints_apply_in_keras_layout_during_fit():
    model = tkeras.Sequential([
        layers.DepthwiseConv2D(3, depth_multiplier=2, input_shape=(6, 6, 2),
                               depthwise_constraint=tkeras.constraints.NonNeg()),
        layers.Flatten(), layers.Dense(1)])
    model.compile("sgd", "mse")
    rng = np.random.RandomState(0)
    model.fit(rng.rand(8, 6, 6, 2), rng.rand(8, 1), epochs=2, verbose=0)
    assert model.layers[0].get_weights()[0].min() >= 0.0


def test_channels_last_layers_run_without_activation_copies():
    conv = layers.Conv2D(8, 3, padding="same")
    conv.build((None, 6, 6, 4))
    assert conv.weight.is_contiguous(memory_format=torch.channels_last)
    out = conv(torch.randn(2, 6, 6, 4))
    assert out.is_contiguous()  # NHWC output is the channels_last torch result, not a copy
    conv3 = layers.Conv3D(4, 2)
    conv3.build((None, 4, 4, 4, 3))
    assert conv3.weight.is_contiguous(memory_format=torch.channels_last_3d)
    first = layers.Conv2D(8, 3, data_format="channels_first")
    first.build((None, 4, 6, 6))
    assert first.weight.is_contiguous()


def test_gradients_reach_every_weight():
    layer = layers.SeparableConv2D(3, 3, strides=2, padding="same", depth_multiplier=2)
    out = layer(torch.randn(2, 7, 7, 2))
    out.sum().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in layer.parameters())


# ---------------------------------------------------------------- names
def test_keras2_aliases_name_the_same_classes():
    assert layers.Convolution1D is layers.Conv1D
    assert layers.Convolution2D is layers.Conv2D
    assert layers.Convolution3D is layers.Conv3D
    assert layers.Deconvolution2D is layers.Conv2DTranspose
    assert layers.Convolution2DTranspose is layers.Conv2DTranspose
    assert layers.Deconvolution3D is layers.Conv3DTranspose
    assert layers.SeparableConvolution1D is layers.SeparableConv1D
    assert layers.SeparableConvolution2D is layers.SeparableConv2D


def test_keras2_convolutional_module_also_exports_pooling_layers():
    from tkeras.layers.convolutional import MaxPooling2D  # noqa: F401  (Keras 2 path)

    assert convolutional.MaxPooling2D is layers.MaxPooling2D
    with pytest.raises(AttributeError):
        convolutional.NotALayer  # noqa: B018


# ---------------------------------------------------------------- errors
def test_wrong_input_rank_names_the_layer():
    with pytest.raises(ValueError, match=r"layer 'c2'.*expected min_ndim=4, found ndim=3"):
        layers.Conv2D(2, 3, name="c2")(np.zeros((2, 5, 5), "float32"))
    with pytest.raises(ValueError, match=r"layer 'dw'.*expected ndim=4, found ndim=5"):
        layers.DepthwiseConv2D(3, name="dw")(np.zeros((1, 2, 5, 5, 3), "float32"))
    with pytest.raises(ValueError, match=r"layer 'up'.*expected ndim=4.*\(None, 5, 3\)"):
        layers.Conv2DTranspose(2, 3, name="up")(tkeras.Input((5, 3)))


def test_wrong_channel_count_after_build_is_reported():
    layer = layers.Conv1D(2, 3, name="c1")
    layer(np.zeros((1, 6, 3), "float32"))
    with pytest.raises(ValueError, match=r"layer 'c1'.*axis -1 .*value 3"):
        layer(np.zeros((1, 6, 4), "float32"))


@pytest.mark.parametrize("make, match", [
    (lambda: layers.Conv2D(4, 3, padding="full"),
     r"`padding` must be one of 'valid', 'same'. Received: padding='full'"),
    (lambda: layers.Conv2D(4, 3, padding="causal"),
     r"only supported by Conv1D and SeparableConv1D"),
    (lambda: layers.DepthwiseConv1D(3, padding="causal"), r"Received: padding='causal'"),
    (lambda: layers.Conv1D(4, 3, padding="foo"),
     r"one of 'valid', 'same', 'causal'. Received: padding='foo'"),
    (lambda: layers.Conv2D(4, 3, data_format="NHWC"), r"Received: data_format='NHWC'"),
    (lambda: layers.Conv2D(0, 3), r"`filters` must be a positive integer.*filters=0"),
    (lambda: layers.Conv2D(4, (3, 0)), r"`kernel_size` must be .*kernel_size=\(3, 0\)"),
    (lambda: layers.Conv3D(4, (3, 3)), r"tuple of 3 positive ints"),
    (lambda: layers.Conv2D(4, 3, strides=0), r"`strides` .*strides=0"),
    (lambda: layers.Conv2D(4, 3, strides=2, dilation_rate=2),
     r"`strides > 1` not supported in conjunction with `dilation_rate > 1`"),
    (lambda: layers.Conv2D(5, 3, groups=2), r"filters must be evenly divisible.*groups=2"),
    (lambda: layers.Conv2DTranspose(4, 3, strides=2, output_padding=2),
     r"Strides must be greater than output padding"),
    (lambda: layers.DepthwiseConv2D(3, depth_multiplier=0), r"depth_multiplier=0"),
    (lambda: layers.SeparableConv2D(None, 3), r"`filters` must be a positive integer"),
])
def test_invalid_arguments_get_keras_style_errors(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_input_channels_not_divisible_by_groups_is_reported():
    with pytest.raises(ValueError, match=r"input channels must be evenly divisible.*groups=2"):
        layers.Conv2D(4, 3, groups=2)(np.zeros((1, 5, 5, 3), "float32"))


def test_too_small_input_reports_the_downsampling_layer():
    with pytest.raises(ValueError, match=r"<= 0 due to downsampling in small"):
        layers.Conv2D(2, 5, name="small")(tkeras.Input((3, 8, 1)))


def test_kernel_of_an_unbuilt_layer_says_when_it_appears():
    with pytest.raises(AttributeError, match=r"no `kernel` yet.*built"):
        layers.Conv2D(2, 3, name="late").kernel  # noqa: B018
    with pytest.raises(AttributeError, match=r"no `depthwise_kernel` yet"):
        layers.SeparableConv1D(2, 3).depthwise_kernel  # noqa: B018
