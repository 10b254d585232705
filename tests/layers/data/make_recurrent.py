"""Reference data for Embedding, the recurrent layers and the RNN wrappers.

Run with real Keras 2 (tf-keras 2.21), not by pytest:

    /work/tfvenv/bin/python tests/layers/data/make_recurrent.py

Writes `recurrent.npz` next to this file. Per case `<name>`: `<name>/x` (input),
`<name>/mask` (optional, `(batch, time)` booleans passed as `mask=`), `<name>/s<i>`
(optional initial states), `<name>/w<i>` (Keras-layout weights: seeded random values set
with `set_weights`), `<name>/y<i>` (the tf-keras outputs, in order). One `index` entry:
a JSON list of `{"name", "layer": {"class_name", "config"}, "weights", "outputs",
"mask", "states", "training"}` where `layer` is `tf_keras.layers.serialize(layer)`, so
the tests also check that tkeras rebuilds tf-keras configs.
"""
import json
import os

import numpy as np
import tensorflow as tf
import tf_keras as keras
from tf_keras import layers as L

HERE = os.path.dirname(os.path.abspath(__file__))
RNG = np.random.RandomState(20240601)


def _post_mask(lengths, steps):
    return np.arange(steps)[None, :] < np.asarray(lengths)[:, None]


def _pre_mask(lengths, steps):
    return np.arange(steps)[None, :] >= steps - np.asarray(lengths)[:, None]


def _mid_mask(batch, steps):
    mask = np.ones((batch, steps), bool)
    mask[0, 2] = False        # one masked step in the middle
    mask[1, :2] = False       # pre-padded
    mask[1, -1] = False       # ... and post-padded
    mask[-1, 1::2] = False    # alternating
    return mask


def cases():
    b, t = 3, 6
    post = _post_mask([6, 3, 0], t)      # includes a row with no valid step
    pre = _pre_mask([6, 2, 4], t)
    pre_empty = _pre_mask([1, 0, 5], t)
    mid = _mid_mask(b, t)
    c = []

    def add(name, layer, shape, mask=None, states=None, int_input=None):
        c.append({"name": name, "layer": layer, "shape": shape, "mask": mask,
                  "states": states, "int_input": int_input})

    # Embedding
    add("embedding", L.Embedding(12, 4), (3, 5), int_input=12)
    add("embedding_mask_zero", L.Embedding(9, 3, mask_zero=True, input_length=5), (3, 5),
        int_input=9)
    # SimpleRNN
    add("simple_rnn_seq", L.SimpleRNN(4, return_sequences=True), (b, t, 3))
    add("simple_rnn_relu_backwards", L.SimpleRNN(3, activation="relu", go_backwards=True),
        (b, t, 3))
    add("simple_rnn_sigmoid_state", L.SimpleRNN(3, activation="sigmoid", return_state=True),
        (b, t, 2))
    add("simple_rnn_post_mask", L.SimpleRNN(4, return_sequences=True), (b, t, 3), post)
    add("simple_rnn_mid_mask", L.SimpleRNN(4, return_sequences=True), (b, t, 3), mid)
    # LSTM
    add("lstm_seq", L.LSTM(5, return_sequences=True), (b, t, 3))
    add("lstm_state_backwards", L.LSTM(4, return_state=True, go_backwards=True), (b, t, 3))
    add("lstm_hard_sigmoid", L.LSTM(4, recurrent_activation="hard_sigmoid",
                                    return_sequences=True), (b, t, 3))
    add("lstm_relu_no_bias", L.LSTM(3, activation="relu", use_bias=False), (b, t, 4))
    add("lstm_no_bias", L.LSTM(3, use_bias=False, return_sequences=True), (b, t, 4))
    add("lstm_post_mask", L.LSTM(4, return_sequences=True, return_state=True), (b, t, 3), post)
    add("lstm_pre_mask", L.LSTM(4, return_sequences=True, return_state=True), (b, t, 3), pre)
    add("lstm_pre_mask_empty_row", L.LSTM(4, return_sequences=True, return_state=True),
        (b, t, 3), pre_empty)
    add("lstm_mid_mask", L.LSTM(4, return_sequences=True, return_state=True), (b, t, 3), mid)
    add("lstm_pre_mask_backwards", L.LSTM(4, return_sequences=True, go_backwards=True),
        (b, t, 3), pre)
    add("lstm_pre_mask_initial_state", L.LSTM(4, return_sequences=True, return_state=True),
        (b, t, 3), pre_empty, states=[(b, 4), (b, 4)])
    add("lstm_initial_state", L.LSTM(4, return_state=True), (b, t, 3), states=[(b, 4), (b, 4)])
    add("lstm_time_major", L.LSTM(4, return_sequences=True, time_major=True), (t, b, 3))
    add("lstm_hard_sigmoid_post_mask", L.LSTM(4, recurrent_activation="hard_sigmoid",
                                              return_sequences=True), (b, t, 3), post)
    # GRU
    add("gru_reset_after_seq", L.GRU(5, return_sequences=True), (b, t, 3))
    add("gru_reset_before_seq", L.GRU(4, reset_after=False, return_sequences=True), (b, t, 3))
    add("gru_reset_before_hard_sigmoid", L.GRU(4, reset_after=False,
                                               recurrent_activation="hard_sigmoid"), (b, t, 3))
    add("gru_reset_after_no_bias", L.GRU(3, use_bias=False, return_state=True), (b, t, 4))
    add("gru_reset_before_no_bias", L.GRU(3, use_bias=False, reset_after=False), (b, t, 4))
    add("gru_pre_mask", L.GRU(4, return_sequences=True, return_state=True), (b, t, 3), pre)
    add("gru_post_mask", L.GRU(4, return_sequences=True), (b, t, 3), post)
    add("gru_mid_mask_reset_before", L.GRU(4, reset_after=False, return_sequences=True),
        (b, t, 3), mid)
    add("gru_initial_state_backwards", L.GRU(4, go_backwards=True, return_sequences=True),
        (b, t, 3), states=[(b, 4)])
    # generic RNN over cells
    add("rnn_stacked_cells", L.RNN([L.LSTMCell(3), L.GRUCell(4), L.SimpleRNNCell(2)],
                                   return_sequences=True, return_state=True), (b, t, 3))
    add("rnn_stacked_cells_mid_mask", L.RNN([L.LSTMCell(3), L.GRUCell(4, reset_after=False)]),
        (b, t, 3), mid)
    add("rnn_lstm_cell_pre_mask", L.RNN(L.LSTMCell(3), return_sequences=True), (b, t, 2), pre)
    # Bidirectional
    add("bidirectional_lstm_concat_seq",
        L.Bidirectional(L.LSTM(3, return_sequences=True)), (b, t, 4))
    add("bidirectional_lstm_concat_seq_pre_mask",
        L.Bidirectional(L.LSTM(3, return_sequences=True)), (b, t, 4), pre)
    add("bidirectional_gru_sum_mid_mask",
        L.Bidirectional(L.GRU(3, return_sequences=True), merge_mode="sum"), (b, t, 4), mid)
    add("bidirectional_simple_rnn_ave", L.Bidirectional(L.SimpleRNN(3), merge_mode="ave"),
        (b, t, 4))
    add("bidirectional_lstm_mul_post_mask", L.Bidirectional(L.LSTM(3), merge_mode="mul"),
        (b, t, 4), post)
    add("bidirectional_gru_none", L.Bidirectional(L.GRU(2, return_sequences=True),
                                                  merge_mode=None), (b, t, 3))
    add("bidirectional_lstm_state", L.Bidirectional(L.LSTM(3, return_state=True)), (b, t, 4))
    add("bidirectional_backward_layer",
        L.Bidirectional(L.LSTM(3, return_sequences=True),
                        backward_layer=L.GRU(3, return_sequences=True, go_backwards=True)),
        (b, t, 4))
    add("bidirectional_initial_state", L.Bidirectional(L.LSTM(3)), (b, t, 4),
        states=[(b, 3)] * 4)
    # TimeDistributed
    add("time_distributed_dense", L.TimeDistributed(L.Dense(4, activation="tanh")), (b, t, 5))
    add("time_distributed_dense_4d", L.TimeDistributed(L.Dense(2)), (2, 3, 4, 5))
    # ConvLSTM2D
    add("conv_lstm2d_valid_seq", L.ConvLSTM2D(3, 3, return_sequences=True), (2, 3, 6, 5, 2))
    add("conv_lstm2d_same_strided_state",
        L.ConvLSTM2D(2, (3, 2), strides=2, padding="same", return_state=True),
        (2, 3, 7, 6, 2))
    add("conv_lstm2d_same_even_kernel_backwards",
        L.ConvLSTM2D(2, 2, padding="same", go_backwards=True, recurrent_activation="sigmoid"),
        (2, 3, 5, 4, 3))
    add("conv_lstm2d_dilated_no_bias",
        L.ConvLSTM2D(2, 3, dilation_rate=2, use_bias=False, return_sequences=True),
        (1, 3, 7, 7, 2))
    add("conv_lstm2d_mask", L.ConvLSTM2D(2, 3, padding="same", return_sequences=True),
        (3, 4, 4, 4, 2), _post_mask([4, 2, 3], 4))
    return c


def run_case(case):
    layer = case["layer"]
    shape = case["shape"]
    if case["int_input"]:
        x = RNG.randint(0, case["int_input"], size=shape).astype("int32")
        x[:, -1] = 0
    else:
        x = RNG.randn(*shape).astype("float32")
    kwargs = {}
    if case["mask"] is not None:
        kwargs["mask"] = tf.constant(case["mask"])
    states = None
    if case["states"]:
        states = [RNG.randn(*s).astype("float32") * 0.5 for s in case["states"]]
        kwargs["initial_state"] = [tf.constant(s) for s in states]
    x_in = tf.constant(x)
    layer(x_in, **kwargs)  # build
    weights = [(RNG.randn(*w.shape) * 0.5).astype("float32") for w in layer.get_weights()]
    layer.set_weights(weights)
    out = layer(x_in, **kwargs)
    outs = out if isinstance(out, (list, tuple)) else [out]
    arrays = {f"{case['name']}/x": x}
    arrays.update({f"{case['name']}/w{i}": w for i, w in enumerate(weights)})
    arrays.update({f"{case['name']}/y{i}": np.asarray(o) for i, o in enumerate(outs)})
    if case["mask"] is not None:
        arrays[f"{case['name']}/mask"] = np.asarray(case["mask"], bool)
    if states:
        arrays.update({f"{case['name']}/s{i}": s for i, s in enumerate(states)})
    if isinstance(layer, L.Embedding) and layer.mask_zero:
        arrays[f"{case['name']}/y_mask"] = np.asarray(layer.compute_mask(x))
    entry = {"name": case["name"], "layer": L.serialize(layer), "weights": len(weights),
             "outputs": len(outs), "mask": case["mask"] is not None,
             "states": len(states or [])}
    return entry, arrays


def main():
    keras.utils.set_random_seed(7)
    index, arrays = [], {}
    for case in cases():
        entry, arr = run_case(case)
        index.append(entry)
        arrays.update(arr)
    arrays["index"] = np.array(json.dumps(index))
    path = os.path.join(HERE, "recurrent.npz")
    np.savez_compressed(path, **arrays)
    print(f"wrote {path}: {len(index)} cases, {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
