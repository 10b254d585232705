"""Misuse of any layer family gets a Keras-style error before any work: wrong input rank
(naming the layer, the expected rank and the received shape), invalid `padding` /
`data_format` / `merge_mode` values, merge layers on incompatible shapes, and `stateful=True`
without a fixed batch size. Family test files pin more specific cases; this file checks
every layer the layer-family issue lists the same way.
"""
import re

import numpy as np
import pytest

import tkeras
from tkeras import layers
from tkeras.layers import Input

# (factory, expected rank, "ndim" or "min_ndim"); each is called on an input one rank short.
_RANKED = [
    (lambda: layers.Conv1D(2, 2, name="bad"), 3, "min_ndim"),
    (lambda: layers.Conv2D(2, 2, name="bad"), 4, "min_ndim"),
    (lambda: layers.Conv3D(2, 2, name="bad"), 5, "min_ndim"),
    (lambda: layers.Conv1DTranspose(2, 2, name="bad"), 3, "ndim"),
    (lambda: layers.Conv2DTranspose(2, 2, name="bad"), 4, "ndim"),
    (lambda: layers.Conv3DTranspose(2, 2, name="bad"), 5, "ndim"),
    (lambda: layers.SeparableConv1D(2, 2, name="bad"), 3, "ndim"),
    (lambda: layers.SeparableConv2D(2, 2, name="bad"), 4, "ndim"),
    (lambda: layers.DepthwiseConv1D(2, name="bad"), 3, "ndim"),
    (lambda: layers.DepthwiseConv2D(2, name="bad"), 4, "ndim"),
    (lambda: layers.UpSampling1D(name="bad"), 3, "ndim"),
    (lambda: layers.UpSampling2D(name="bad"), 4, "ndim"),
    (lambda: layers.UpSampling3D(name="bad"), 5, "ndim"),
    (lambda: layers.ZeroPadding1D(name="bad"), 3, "ndim"),
    (lambda: layers.ZeroPadding2D(name="bad"), 4, "ndim"),
    (lambda: layers.ZeroPadding3D(name="bad"), 5, "ndim"),
    (lambda: layers.Cropping1D(name="bad"), 3, "ndim"),
    (lambda: layers.Cropping2D(name="bad"), 4, "ndim"),
    (lambda: layers.Cropping3D(name="bad"), 5, "ndim"),
    (lambda: layers.MaxPooling1D(name="bad"), 3, "ndim"),
    (lambda: layers.MaxPooling2D(name="bad"), 4, "ndim"),
    (lambda: layers.MaxPooling3D(name="bad"), 5, "ndim"),
    (lambda: layers.AveragePooling1D(name="bad"), 3, "ndim"),
    (lambda: layers.AveragePooling2D(name="bad"), 4, "ndim"),
    (lambda: layers.AveragePooling3D(name="bad"), 5, "ndim"),
    (lambda: layers.GlobalMaxPooling1D(name="bad"), 3, "ndim"),
    (lambda: layers.GlobalMaxPooling2D(name="bad"), 4, "ndim"),
    (lambda: layers.GlobalMaxPooling3D(name="bad"), 5, "ndim"),
    (lambda: layers.GlobalAveragePooling1D(name="bad"), 3, "ndim"),
    (lambda: layers.GlobalAveragePooling2D(name="bad"), 4, "ndim"),
    (lambda: layers.GlobalAveragePooling3D(name="bad"), 5, "ndim"),
    (lambda: layers.SimpleRNN(2, name="bad"), 3, "ndim"),
    (lambda: layers.LSTM(2, name="bad"), 3, "ndim"),
    (lambda: layers.GRU(2, name="bad"), 3, "ndim"),
    (lambda: layers.ConvLSTM2D(2, 2, name="bad"), 5, "ndim"),
    (lambda: layers.RNN(layers.LSTMCell(2), name="bad"), 3, "min_ndim"),
    (lambda: layers.SpatialDropout1D(0.5, name="bad"), 3, "ndim"),
    (lambda: layers.SpatialDropout2D(0.5, name="bad"), 4, "ndim"),
    (lambda: layers.SpatialDropout3D(0.5, name="bad"), 5, "ndim"),
    (lambda: layers.LocallyConnected1D(2, 2, name="bad"), 3, "ndim"),
    (lambda: layers.LocallyConnected2D(2, 2, name="bad"), 4, "ndim"),
]


@pytest.mark.parametrize("make, ndim, kind", _RANKED)
def test_wrong_input_rank_names_the_layer_the_expected_rank_and_the_received_shape(
        make, ndim, kind):
    shape = (None,) + (6,) * (ndim - 2)
    message = (rf"Input 0 of layer 'bad' is incompatible with the layer: expected "
               rf"{kind}={ndim}, found ndim={ndim - 1}. Full shape received: "
               + re.escape(str(shape)))
    with pytest.raises(ValueError, match=message):
        make()(Input(shape[1:]))
    with pytest.raises(ValueError, match=r"layer 'bad'.*found ndim"):  # eager call too
        make()(np.zeros((2,) + shape[1:], "float32"))


def test_bidirectional_wrong_rank_names_the_wrapped_layer():
    with pytest.raises(ValueError, match=r"layer 'forward_lstm'.*expected ndim=3, found "
                                         r"ndim=2. Full shape received: \(None, 5\)"):
        layers.Bidirectional(layers.LSTM(2, name="lstm"))(Input((5,)))


def test_time_distributed_wrong_rank_says_three_dimensions():
    with pytest.raises(ValueError, match=r"`TimeDistributed` Layer should be passed an "
                                         r"`input_shape` with at least 3 dimensions, "
                                         r"received: \(None, 5\)"):
        layers.TimeDistributed(layers.Dense(2))(Input((5,)))


_WITH_DATA_FORMAT = [
    lambda **kw: layers.Conv1D(2, 2, **kw), lambda **kw: layers.Conv2D(2, 2, **kw),
    lambda **kw: layers.Conv3D(2, 2, **kw), lambda **kw: layers.Conv1DTranspose(2, 2, **kw),
    lambda **kw: layers.Conv2DTranspose(2, 2, **kw),
    lambda **kw: layers.Conv3DTranspose(2, 2, **kw),
    lambda **kw: layers.SeparableConv1D(2, 2, **kw),
    lambda **kw: layers.SeparableConv2D(2, 2, **kw),
    lambda **kw: layers.DepthwiseConv1D(2, **kw), lambda **kw: layers.DepthwiseConv2D(2, **kw),
    layers.UpSampling2D, layers.UpSampling3D, layers.ZeroPadding2D, layers.ZeroPadding3D,
    layers.Cropping2D, layers.Cropping3D, layers.MaxPooling1D, layers.MaxPooling2D,
    layers.MaxPooling3D, layers.AveragePooling1D, layers.AveragePooling2D,
    layers.AveragePooling3D, layers.GlobalMaxPooling1D, layers.GlobalMaxPooling2D,
    layers.GlobalMaxPooling3D, layers.GlobalAveragePooling1D, layers.GlobalAveragePooling2D,
    layers.GlobalAveragePooling3D, lambda **kw: layers.ConvLSTM2D(2, 2, **kw),
    lambda **kw: layers.SpatialDropout2D(0.5, **kw),
    lambda **kw: layers.SpatialDropout3D(0.5, **kw),
    lambda **kw: layers.LocallyConnected1D(2, 2, **kw),
    lambda **kw: layers.LocallyConnected2D(2, 2, **kw),
]


@pytest.mark.parametrize("make", _WITH_DATA_FORMAT)
def test_invalid_data_format_is_rejected_with_the_valid_values(make):
    with pytest.raises(ValueError, match=r"`data_format` must be 'channels_last' or "
                                         r"'channels_first'. Received: data_format='NHWC'"):
        make(data_format="NHWC")


_WITH_PADDING = _WITH_DATA_FORMAT[:10] + [
    layers.MaxPooling1D, layers.MaxPooling2D, layers.MaxPooling3D, layers.AveragePooling1D,
    layers.AveragePooling2D, layers.AveragePooling3D,
    lambda **kw: layers.ConvLSTM2D(2, 2, **kw),
    lambda **kw: layers.LocallyConnected1D(2, 2, **kw),
    lambda **kw: layers.LocallyConnected2D(2, 2, **kw),
]


@pytest.mark.parametrize("make", _WITH_PADDING)
def test_invalid_padding_is_rejected_with_the_valid_values(make):
    with pytest.raises(ValueError, match=r"`padding` must be one of 'valid', 'same'"
                                         r"(, 'causal')?. Received: padding='full'"):
        make(padding="full")


@pytest.mark.parametrize("merge_mode", ["max", "concatenate", ""])
def test_invalid_bidirectional_merge_mode_lists_the_valid_ones(merge_mode):
    with pytest.raises(ValueError, match=r"Invalid merge mode. Merge mode should be one of "
                                         r"\{'sum', 'mul', 'ave', 'concat', None\}"):
        layers.Bidirectional(layers.GRU(2), merge_mode=merge_mode)


@pytest.mark.parametrize("cls", [layers.Add, layers.Subtract, layers.Multiply,
                                 layers.Average, layers.Maximum, layers.Minimum])
@pytest.mark.parametrize("symbolic", [True, False])
def test_elementwise_merge_on_incompatible_shapes_names_the_shapes(cls, symbolic):
    if symbolic:
        inputs = [Input((2, 3)), Input((4, 3))]
    else:
        inputs = [np.ones((2, 2, 3), "float32"), np.ones((2, 4, 3), "float32")]
    with pytest.raises(ValueError, match=r"could not be broadcast together with shapes "
                                         r"\(2, 3\) \(4, 3\)\. Layer 'merge'"):
        cls(name="merge")(inputs)


def test_concatenate_and_dot_on_incompatible_shapes_name_the_shapes():
    with pytest.raises(ValueError, match=r"matching shapes except for the concatenation axis. "
                                         r"Received: input_shape=\[\(2, 2, 3\), \(2, 4, 3\)\]"):
        layers.Concatenate()([np.ones((2, 2, 3), "float32"), np.ones((2, 4, 3), "float32")])
    with pytest.raises(ValueError, match=r"Incompatible input shapes: axis values 2 \(at axis 1"
                                         r"\) != 4 \(at axis 1\)"):
        layers.Dot(axes=1)([Input((2, 3)), Input((4, 3))])


_STATEFUL = [
    (lambda: layers.SimpleRNN(2, stateful=True), (4, 2)),
    (lambda: layers.LSTM(2, stateful=True), (4, 2)),
    (lambda: layers.GRU(2, stateful=True, reset_after=False), (4, 2)),
    (lambda: layers.RNN(layers.GRUCell(2), stateful=True), (4, 2)),
    (lambda: layers.RNN([layers.LSTMCell(2), layers.LSTMCell(2)], stateful=True), (4, 2)),
    (lambda: layers.ConvLSTM2D(2, 2, stateful=True), (3, 5, 5, 1)),
    (lambda: layers.Bidirectional(layers.LSTM(2, stateful=True)), (4, 2)),
]


@pytest.mark.parametrize("make, shape", _STATEFUL)
def test_stateful_without_a_fixed_batch_size_says_how_to_give_one(make, shape):
    with pytest.raises(ValueError, match=r"(?s)If a RNN is stateful, it needs to know its batch "
                                         r"size.*`batch_input_shape`.*`batch_shape`"):
        make()(Input(shape))
    model = tkeras.Sequential()
    with pytest.raises(ValueError, match=r"If a RNN is stateful"):
        model.add(layers.InputLayer(input_shape=shape))
        model.add(make())


@pytest.mark.parametrize("make, shape", _STATEFUL)
def test_stateful_with_a_fixed_batch_size_builds(make, shape):
    layer = make()
    out = layer(Input(batch_shape=(3,) + shape))
    outs = out if isinstance(out, (list, tuple)) else [out]
    assert all(o.shape[0] == 3 for o in outs)
