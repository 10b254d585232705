"""TimeDistributed and Bidirectional against tf-keras 2.21 reference outputs
(`data/recurrent.npz`, made by `data/make_recurrent.py`), plus weights order, masks,
frozen inner models, configs and errors."""
import json
import os

import numpy as np
import pytest
import torch

import tkeras
from tkeras import layers
from tkeras.layers import GRU, LSTM, Bidirectional, Dense, Input, TimeDistributed

DATA = np.load(os.path.join(os.path.dirname(__file__), "data", "recurrent.npz"))
CASES = [c for c in json.loads(str(DATA["index"]))
         if c["layer"]["class_name"] in ("Bidirectional", "TimeDistributed")]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_wrapper_output_matches_keras2_reference(case):
    name = case["name"]
    layer = layers.deserialize(case["layer"])
    x = torch.from_numpy(DATA[f"{name}/x"])
    kwargs = {}
    if case["mask"]:
        kwargs["mask"] = torch.from_numpy(DATA[f"{name}/mask"])
    if case["states"]:
        kwargs["initial_state"] = [torch.from_numpy(DATA[f"{name}/s{i}"])
                                   for i in range(case["states"])]
    layer(x, **kwargs)
    weights = [DATA[f"{name}/w{i}"] for i in range(case["weights"])]
    assert [w.shape for w in layer.get_weights()] == [w.shape for w in weights]
    layer.set_weights(weights)
    with torch.no_grad():
        out = layer(x, **kwargs)
    outs = out if isinstance(out, list) else [out]
    assert len(outs) == case["outputs"]
    for i, o in enumerate(outs):
        np.testing.assert_allclose(o.numpy(), DATA[f"{name}/y{i}"], atol=1e-5, rtol=0)
    config = layer.get_config()
    assert set(config) == set(case["layer"]["config"])
    assert config["layer"]["class_name"] == case["layer"]["config"]["layer"]["class_name"]


# ---------------------------------------------------------------- Bidirectional
def test_bidirectional_weights_are_forward_then_backward_with_keras_names():
    layer = Bidirectional(LSTM(3), name="bilstm")
    layer(np.zeros((2, 4, 5), "float32"))
    names = [w.name for w in layer.weights]
    assert names == [f"bilstm/forward_lstm_1/lstm_cell/{n}:0"
                     for n in ("kernel", "recurrent_kernel", "bias")] + \
        [f"bilstm/backward_lstm_1/lstm_cell/{n}:0" for n in ("kernel", "recurrent_kernel", "bias")]
    assert layer.count_params() == 2 * (5 * 12 + 3 * 12 + 12)
    assert layer.forward_layer.go_backwards is False and layer.backward_layer.go_backwards


def test_bidirectional_config_round_trip_keeps_layer_and_backward_layer():
    layer = Bidirectional(LSTM(3, return_sequences=True), merge_mode="sum",
                          backward_layer=GRU(3, return_sequences=True, go_backwards=True))
    config = layer.get_config()
    assert config["layer"]["class_name"] == "LSTM" and config["merge_mode"] == "sum"
    assert config["backward_layer"]["class_name"] == "GRU"
    clone = Bidirectional.from_config(config)
    assert isinstance(clone.backward_layer, GRU) and clone.merge_mode == "sum"
    x = np.random.rand(2, 4, 3).astype("float32")
    layer(x)
    clone(x)
    clone.set_weights(layer.get_weights())
    np.testing.assert_allclose(clone(x).detach(), layer(x).detach(), atol=1e-6)


@pytest.mark.parametrize("merge_mode, shape", [
    ("concat", (None, 7, 8)), ("sum", (None, 7, 4)), ("ave", (None, 7, 4)), ("mul", (None, 7, 4)),
])
def test_bidirectional_symbolic_shapes(merge_mode, shape):
    out = Bidirectional(GRU(4, return_sequences=True), merge_mode=merge_mode)(Input((7, 3)))
    assert tuple(out.shape) == shape


def test_bidirectional_none_merge_and_return_state_give_lists():
    outs = Bidirectional(LSTM(4, return_state=True), merge_mode=None)(Input((7, 3)))
    assert [tuple(o.shape) for o in outs] == [(None, 4)] * 6
    outs = Bidirectional(LSTM(4, return_state=True))(np.zeros((2, 5, 3), "float32"))
    assert [tuple(o.shape) for o in outs] == [(2, 8), (2, 4), (2, 4), (2, 4), (2, 4)]


def test_bidirectional_masked_sequence_emits_zeros_at_masked_steps_and_passes_the_mask():
    model = tkeras.Sequential([layers.Embedding(10, 3, mask_zero=True),
                               Bidirectional(LSTM(2, return_sequences=True))])
    x = np.array([[0, 0, 4, 5], [1, 2, 3, 0]])
    out = model.predict(x)
    assert not out[0, :2].any() and not out[1, 3].any() and out[1, :3].all()
    emb_out = model.layers[0](torch.from_numpy(x))
    mask = model.layers[1].compute_mask(emb_out, emb_out._keras_mask)
    np.testing.assert_array_equal(mask.numpy(), x != 0)


def test_bidirectional_rejects_invalid_merge_mode_and_layers():
    with pytest.raises(ValueError, match=r"Invalid merge mode. Merge mode should be one of "
                                         r"\{'sum', 'mul', 'ave', 'concat', None\}"):
        Bidirectional(LSTM(2), merge_mode="max")
    with pytest.raises(ValueError, match="Please initialize `Bidirectional` layer"):
        Bidirectional("lstm")
    with pytest.raises(ValueError, match="should have different `go_backwards` value"):
        Bidirectional(LSTM(2), backward_layer=LSTM(2))


# ---------------------------------------------------------------- TimeDistributed
def test_time_distributed_dense_shapes_weights_and_config():
    layer = TimeDistributed(Dense(4), name="td")
    out = layer(Input((6, 5)))
    assert tuple(out.shape) == (None, 6, 4)
    assert layer.compute_output_shape((None, 6, 5)) == (None, 6, 4)
    assert [tuple(w.shape) for w in layer.weights] == [(5, 4), (4,)]
    config = layer.get_config()
    assert config["layer"]["class_name"] == "Dense"
    clone = TimeDistributed.from_config(config)
    assert isinstance(clone.layer, Dense) and clone.layer.units == 4


def _frame_cnn():
    model = tkeras.Sequential([layers.Conv2D(6, 3, activation="relu", input_shape=(4, 4, 2)),
                               layers.BatchNormalization(), layers.Flatten(), Dense(3)],
                              name="frame_model")
    model.trainable = False
    return model


def test_time_distributed_frozen_model_over_video_frames_stays_frozen():
    inp = Input((5, 4, 4, 2))
    feats = TimeDistributed(_frame_cnn(), name="td_cnn")(inp)
    out = layers.LSTM(2)(feats)
    model = tkeras.Model(inp, out)
    td = model.get_layer("td_cnn")
    assert td.trainable_weights == [] and len(td.non_trainable_weights) == 8
    frozen = [w.copy() for w in td.get_weights()]
    x = np.random.rand(8, 5, 4, 4, 2).astype("float32")
    # One merged batch of frames equals calling the inner model frame by frame.
    per_frame = np.stack([td.layer.predict(x[:, t]) for t in range(5)], 1)
    np.testing.assert_allclose(td(torch.from_numpy(x)).detach().numpy(), per_frame, atol=1e-5)
    model.compile("sgd", "mse")
    model.fit(x, np.random.rand(8, 2).astype("float32"), epochs=2, batch_size=4, verbose=0)
    for a, b in zip(frozen, td.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_time_distributed_passes_the_mask_through():
    model = tkeras.Sequential([layers.Embedding(10, 3, mask_zero=True),
                               TimeDistributed(Dense(2)), LSTM(2)])
    x = np.array([[0, 0, 4, 5]])
    masked = model.predict(x)
    emb, td, lstm = model.layers
    ref = lstm(td(emb(torch.from_numpy(x[:, 2:])))).detach().numpy()
    np.testing.assert_allclose(masked, ref, atol=1e-6)


def test_time_distributed_rejects_low_rank_inputs_and_non_layers():
    with pytest.raises(ValueError, match="should be passed an `input_shape` with at least 3"):
        TimeDistributed(Dense(2))(Input((4,)))
    with pytest.raises(ValueError, match="Please initialize `TimeDistributed` layer"):
        TimeDistributed(lambda x: x)
