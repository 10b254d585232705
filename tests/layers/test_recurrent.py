"""Recurrent layers (SimpleRNN, LSTM, GRU, RNN with cells, StackedRNNCells, ConvLSTM2D)
against tf-keras 2.21 reference outputs (`data/recurrent.npz`, made by
`data/make_recurrent.py`), plus the fused-kernel paths, masks, states, configs and errors."""
import functools
import json
import os

import numpy as np
import pytest
import torch

import tkeras
from tkeras import layers
from tkeras.layers import GRU, LSTM, RNN, ConvLSTM2D, Input, SimpleRNN
from tkeras.layers import recurrent as rec

DATA = np.load(os.path.join(os.path.dirname(__file__), "data", "recurrent.npz"))
CASES = [c for c in json.loads(str(DATA["index"]))
         if c["layer"]["class_name"] in ("SimpleRNN", "LSTM", "GRU", "RNN", "ConvLSTM2D")]
RNG = np.random.RandomState(0)


def _tensor(a):
    return torch.from_numpy(np.asarray(a))


def _outputs(out):
    out = out if isinstance(out, (list, tuple)) else [out]
    return [torch.stack(o) if isinstance(o, list) else o for o in out]


def _reference_call(case):
    """The case's layer rebuilt from tf-keras's config, given its weights: (layer,
    call kwargs, outputs)."""
    name = case["name"]
    layer = layers.deserialize(case["layer"])
    x = _tensor(DATA[f"{name}/x"])
    kwargs = {}
    if case["mask"]:
        kwargs["mask"] = _tensor(DATA[f"{name}/mask"])
    if case["states"]:
        kwargs["initial_state"] = [_tensor(DATA[f"{name}/s{i}"]) for i in range(case["states"])]
    layer(x, **kwargs)
    layer.set_weights([DATA[f"{name}/w{i}"] for i in range(case["weights"])])
    with torch.no_grad():
        return layer, x, kwargs, _outputs(layer(x, **kwargs))


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_recurrent_output_matches_keras2_reference(case):
    layer, x, kwargs, outs = _reference_call(case)
    assert len(outs) == case["outputs"]
    for i, out in enumerate(outs):
        expected = DATA[f"{case['name']}/y{i}"]
        assert tuple(out.shape) == expected.shape
        np.testing.assert_allclose(out.numpy(), expected, atol=1e-5, rtol=0)
    # Keras-layout weights, Keras order, and exactly tf-keras's config keys.
    assert [w.shape for w in layer.get_weights()] == \
        [DATA[f"{case['name']}/w{i}"].shape for i in range(case["weights"])]
    assert set(layer.get_config()) == set(case["layer"]["config"])
    clone = type(layer).from_config(layer.get_config())
    clone(x, **kwargs)
    clone.set_weights(layer.get_weights())
    with torch.no_grad():
        for a, b in zip(_outputs(clone(x, **kwargs)), outs):
            np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-6, rtol=0)


# ---------------------------------------------------------------- weights and shapes
@pytest.mark.parametrize("layer, shapes", [
    (lambda: SimpleRNN(4), [(3, 4), (4, 4), (4,)]),
    (lambda: LSTM(4), [(3, 16), (4, 16), (16,)]),
    (lambda: LSTM(4, use_bias=False), [(3, 16), (4, 16)]),
    (lambda: GRU(4), [(3, 12), (4, 12), (2, 12)]),
    (lambda: GRU(4, reset_after=False), [(3, 12), (4, 12), (12,)]),
])
def test_rnn_weights_have_keras_layout_and_names(layer, shapes):
    layer = layer()
    layer(np.zeros((2, 5, 3), "float32"))
    assert [tuple(w.shape) for w in layer.weights] == shapes
    assert layer.count_params() == sum(int(np.prod(s)) for s in shapes)
    cell = {"SimpleRNN": "simple_rnn_cell", "LSTM": "lstm_cell", "GRU": "gru_cell"}
    assert [w.name for w in layer.weights][:2] == [
        f"{layer.name}/{cell[type(layer).__name__]}/kernel:0",
        f"{layer.name}/{cell[type(layer).__name__]}/recurrent_kernel:0"]


def test_lstm_kernel_is_stored_in_torch_layout_without_copies():
    layer = LSTM(5)
    layer(np.zeros((1, 2, 3), "float32"))
    cell = layer.cell
    assert tuple(cell.weight_ih.shape) == (20, 3) and cell.weight_ih.is_contiguous()
    assert tuple(cell.kernel.shape) == (3, 20)
    assert cell.kernel.data_ptr() == cell.weight_ih.data_ptr()  # a view, not a copy
    assert list(layer.state_dict()) == ["cell.weight_ih", "cell.weight_hh", "cell.bias_ih"]


def test_lstm_unit_forget_bias_initializes_forget_gate_to_one():
    layer = LSTM(3)
    layer(np.zeros((1, 2, 2), "float32"))
    np.testing.assert_array_equal(layer.get_weights()[2], [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0])
    layer = LSTM(3, unit_forget_bias=False)
    layer(np.zeros((1, 2, 2), "float32"))
    assert not layer.get_weights()[2].any()


def test_gru_weights_map_to_torch_gru_gate_order():
    """Keras blocks (z, r, h) reach nn.GRU as (r, z, n): same numbers as a torch GRU."""
    layer = GRU(4, return_sequences=True)
    x = torch.randn(2, 6, 3)
    out = layer(x)
    kernel, recurrent, bias = (torch.from_numpy(w) for w in layer.get_weights())
    gru = torch.nn.GRU(3, 4, batch_first=True)
    order = lambda w: torch.cat([w[..., 4:8], w[..., :4], w[..., 8:]], -1)  # noqa: E731
    with torch.no_grad():
        gru.weight_ih_l0.copy_(order(kernel).T)
        gru.weight_hh_l0.copy_(order(recurrent).T)
        gru.bias_ih_l0.copy_(order(bias[0]))
        gru.bias_hh_l0.copy_(order(bias[1]))
        np.testing.assert_allclose(out.detach(), gru(x)[0], atol=1e-6)


@pytest.mark.parametrize("kwargs, expected", [
    ({}, [(None, 4)]),
    ({"return_sequences": True}, [(None, None, 4)]),
    ({"return_state": True}, [(None, 4), (None, 4), (None, 4)]),
    ({"return_sequences": True, "return_state": True}, [(None, None, 4), (None, 4), (None, 4)]),
])
def test_lstm_symbolic_output_shapes(kwargs, expected):
    out = LSTM(4, **kwargs)(Input((None, 3)))
    out = out if isinstance(out, list) else [out]
    assert [tuple(o.shape) for o in out] == expected


def test_gru_and_simple_rnn_symbolic_shapes_with_known_length():
    assert tuple(GRU(2, return_sequences=True)(Input((7, 3))).shape) == (None, 7, 2)
    assert tuple(SimpleRNN(5)(Input((7, 3))).shape) == (None, 5)
    out = ConvLSTM2D(2, 3, return_sequences=True)(Input((4, 8, 9, 3)))
    assert tuple(out.shape) == (None, 4, 6, 7, 2)


# ---------------------------------------------------------------- fused kernel vs step loop
def _force_step_loop(monkeypatch):
    monkeypatch.setattr(rec, "_fused_sequence", lambda *a, **k: None)


MASKS = {
    "post": torch.arange(7)[None] < torch.tensor([7, 3, 0, 5])[:, None],
    "pre": torch.arange(7)[None] >= 7 - torch.tensor([7, 2, 0, 6])[:, None],
    "block": torch.tensor([[0, 0, 1, 1, 1, 0, 0], [1] * 7, [0] * 7, [1, 1, 0, 0, 0, 0, 0]],
                          dtype=torch.bool),
}


@pytest.mark.parametrize("cls", [LSTM, GRU, SimpleRNN,
                                 functools.partial(SimpleRNN, activation="relu")],
                         ids=["lstm", "gru", "simple_rnn", "simple_rnn_relu"])
@pytest.mark.parametrize("mask", list(MASKS))
@pytest.mark.parametrize("flags", [
    dict(return_sequences=True, return_state=True),
    dict(return_sequences=True, go_backwards=True),
    dict(return_sequences=False, zero_output_for_mask=True),
])
def test_fused_masked_path_equals_keras_step_loop_with_gradients(cls, mask, flags,
                                                                 monkeypatch):
    flags = dict(flags)
    zero = flags.pop("zero_output_for_mask", False)
    layer = cls(3, **flags)
    layer.zero_output_for_mask = zero
    x0 = torch.randn(4, 7, 2)
    layer(x0)
    results = []
    for fused in (True, False):
        if not fused:
            _force_step_loop(monkeypatch)
        x = x0.clone().requires_grad_(True)
        h0 = [torch.full((4, 3), 0.3, requires_grad=True) for _ in layer.states]
        outs = _outputs(layer(x, mask=MASKS[mask], initial_state=h0))
        loss = sum((o * torch.linspace(-1, 1, o.numel()).reshape(o.shape)).sum() for o in outs)
        grads = torch.autograd.grad(loss, [x] + h0 + list(layer.parameters()))
        results.append((outs, grads))
    for a, b in zip(results[0][0] + list(results[0][1]), results[1][0] + list(results[1][1])):
        np.testing.assert_allclose(a.detach(), b.detach(), atol=1e-5)


def test_lstm_takes_the_fused_kernel_for_padded_batches_and_loops_otherwise(monkeypatch):
    calls = []
    real = rec._vf_call
    monkeypatch.setattr(rec, "_vf_call", lambda *a, **k: calls.append(a[0]) or real(*a, **k))
    layer = LSTM(3)
    x = torch.randn(4, 7, 2)
    layer(x)
    layer(x, mask=MASKS["pre"])
    layer(x, mask=MASKS["post"])
    assert calls == ["LSTM"] * 3
    layer(x, mask=torch.tensor([[1, 0, 1, 1, 1, 1, 1]] * 4, dtype=torch.bool))
    assert len(calls) == 3  # a masked step in the middle: exact step loop
    LSTM(3, recurrent_activation="hard_sigmoid")(x)
    GRU(3, reset_after=False)(x)
    assert len(calls) == 3


def test_pre_padded_leading_steps_keep_the_initial_state_and_output_zeros():
    layer = LSTM(3, return_sequences=True, return_state=True)
    x = torch.randn(2, 5, 2)
    mask = torch.tensor([[0, 0, 1, 1, 1], [0, 0, 0, 0, 0]], dtype=torch.bool)
    h0, c0 = torch.randn(2, 3), torch.randn(2, 3)
    seq, h, c = layer(x, mask=mask, initial_state=[h0, c0])
    assert not seq[0, :2].any() and not seq[1].any()
    # Row 0 equals running only its valid steps from the initial state.
    seq_valid, h_valid, c_valid = layer(x[:1, 2:], initial_state=[h0[:1], c0[:1]])
    np.testing.assert_allclose(seq[0, 2:].detach(), seq_valid[0].detach(), atol=1e-6)
    np.testing.assert_allclose(c[0].detach(), c_valid[0].detach(), atol=1e-6)
    # Row 1 has no valid step: its states stay at their initial values.
    np.testing.assert_allclose(h[1].detach(), h0[1], atol=0)
    np.testing.assert_allclose(c[1].detach(), c0[1], atol=0)


def test_masking_layer_feeds_its_mask_to_the_rnn():
    x = np.random.rand(2, 5, 3).astype("float32")
    x[0, 3:] = 0.0
    model = tkeras.Sequential([tkeras.layers.Masking(0.0, input_shape=(5, 3)), LSTM(4)])
    out = model.predict(x)
    lstm = model.layers[1]
    expected = lstm(torch.from_numpy(x[:1, :3])).detach().numpy()
    np.testing.assert_allclose(out[:1], expected, atol=1e-6)


def test_post_padded_outputs_repeat_the_last_valid_output():
    layer = GRU(3, return_sequences=True)
    x = torch.randn(1, 6, 2)
    seq = layer(x, mask=torch.tensor([[1, 1, 1, 0, 0, 0]], dtype=torch.bool)).detach()
    for t in (3, 4, 5):
        np.testing.assert_array_equal(seq[0, t], seq[0, 2])


def test_unroll_and_time_major_give_the_same_numbers():
    x = torch.randn(3, 5, 2)
    base = LSTM(4, return_sequences=True)
    y = base(x)
    unrolled = LSTM(4, return_sequences=True, unroll=True)
    unrolled(x)
    unrolled.set_weights(base.get_weights())
    np.testing.assert_allclose(unrolled(x).detach(), y.detach(), atol=1e-6)
    tm = LSTM(4, return_sequences=True, time_major=True)
    tm(x.transpose(0, 1))
    tm.set_weights(base.get_weights())
    np.testing.assert_allclose(tm(x.transpose(0, 1)).transpose(0, 1).detach(), y.detach(),
                               atol=1e-6)


# ---------------------------------------------------------------- cells and RNN(cell)
class MinimalRNNCell(tkeras.layers.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight("kernel", (input_shape[-1], self.units))
        self.recurrent_kernel = self.add_weight("recurrent_kernel", (self.units, self.units))

    def call(self, inputs, states):
        output = inputs @ self.kernel + states[0] @ self.recurrent_kernel
        return output, [output]

    def get_config(self):
        config = super().get_config()
        config["units"] = self.units
        return config


def _minimal_rnn_numpy(x, kernel, recurrent, mask=None):
    h = np.zeros((x.shape[0], kernel.shape[1]), "float32")
    for t in range(x.shape[1]):
        new = x[:, t] @ kernel + h @ recurrent
        h = new if mask is None else np.where(mask[:, t:t + 1], new, h)
    return h


def test_rnn_runs_a_user_defined_cell_with_keras_math_and_masks():
    layer = RNN(MinimalRNNCell(3))
    x = RNG.randn(2, 4, 5).astype("float32")
    mask = np.array([[1, 1, 0, 1], [1, 0, 0, 0]], bool)
    out = layer(torch.from_numpy(x), mask=torch.from_numpy(mask)).detach().numpy()
    kernel, recurrent = layer.get_weights()
    np.testing.assert_allclose(out, _minimal_rnn_numpy(x, kernel, recurrent, mask), atol=1e-5)
    config = layer.get_config()
    assert config["cell"]["class_name"] == "MinimalRNNCell"
    clone = RNN.from_config(config, custom_objects={"MinimalRNNCell": MinimalRNNCell})
    assert isinstance(clone.cell, MinimalRNNCell) and clone.cell.units == 3


def test_rnn_accepts_a_plain_object_cell():
    class Accumulate:
        state_size = 2

        def call(self, inputs, states):
            out = states[0] + inputs
            return out, [out]

    out = RNN(Accumulate(), return_sequences=True)(np.ones((1, 3, 2), "float32"))
    np.testing.assert_allclose(out.detach()[0, :, 0], [1, 2, 3])


def test_keras_cells_step_by_step_match_the_layer():
    for cls, n_states in ((rec.LSTMCell, 2), (rec.GRUCell, 1), (rec.SimpleRNNCell, 1)):
        layer = RNN(cls(3), return_sequences=True)
        x = torch.randn(2, 4, 5)
        y = layer(x).detach()
        states = [torch.zeros(2, 3) for _ in range(n_states)]
        for t in range(4):
            out, states = layer.cell(x[:, t], states)
            states = states if isinstance(states, list) else [states]
            np.testing.assert_allclose(out.detach(), y[:, t], atol=1e-6)


def test_stacked_cells_state_layout_and_config_round_trip():
    layer = RNN([rec.LSTMCell(3), rec.GRUCell(2)], return_state=True)
    out, (h1, c1), h2 = layer(np.zeros((2, 4, 5), "float32"))
    assert tuple(out.shape) == (2, 2) and tuple(c1.shape) == (2, 3) and tuple(h2.shape) == (2, 2)
    assert len(layer.weights) == 6
    clone = RNN.from_config(layer.get_config())
    assert [type(c).__name__ for c in clone.cell.cells] == ["LSTMCell", "GRUCell"]


def test_subclassed_keras_cell_with_its_own_call_runs_step_by_step():
    class DoubledLSTMCell(rec.LSTMCell):
        def call(self, inputs, states, training=None):
            h, new = super().call(inputs, states, training=training)
            return 2 * h, new

    layer = RNN(DoubledLSTMCell(2))
    plain = RNN(rec.LSTMCell(2))
    x = torch.randn(1, 3, 2)
    layer(x)
    plain(x)
    plain.set_weights(layer.get_weights())
    np.testing.assert_allclose(layer(x).detach(), 2 * plain(x).detach(), atol=1e-6)


# ---------------------------------------------------------------- dropout
def test_dropout_acts_only_in_training_and_is_constant_over_time():
    layer = SimpleRNN(3, dropout=0.5, recurrent_dropout=0.5, activation=None,
                      kernel_initializer="ones", recurrent_initializer="zeros",
                      return_sequences=True)
    x = torch.ones(64, 5, 4)
    plain = layer(x).detach()
    np.testing.assert_allclose(plain, 4.0 * torch.ones(64, 5, 3))
    dropped = layer(x, training=True).detach()
    assert not torch.allclose(dropped, plain)
    # One input mask per sequence: every step sees the same dropped features.
    for t in range(1, 5):
        np.testing.assert_allclose(dropped[:, t], dropped[:, 0])


@pytest.mark.parametrize("cls", [LSTM, GRU])
def test_recurrent_dropout_trains_with_finite_gradients(cls):
    layer = cls(3, dropout=0.2, recurrent_dropout=0.3)
    assert layer.implementation == 1
    x = torch.randn(4, 6, 2)
    out = layer(x, training=True)
    out.sum().backward()
    assert all(torch.isfinite(p.grad).all() for p in layer.parameters())


# ---------------------------------------------------------------- stateful
def test_stateful_rnn_without_batch_size_raises_keras_error():
    model = tkeras.Sequential()
    with pytest.raises(ValueError, match="If a RNN is stateful, it needs to know its batch size"):
        model.add(LSTM(3, stateful=True, input_shape=(4, 2)))


def test_stateful_rnn_carries_states_between_calls_until_reset():
    layer = LSTM(3, stateful=True, batch_input_shape=(2, 4, 2))
    full = LSTM(3)
    x = torch.randn(2, 8, 2)
    full(x)
    layer(x[:, :4])
    layer.set_weights(full.get_weights())
    layer.reset_states()
    layer(x[:, :4])
    second = layer(x[:, 4:])
    np.testing.assert_allclose(second.detach(), full(x).detach(), atol=1e-6)
    layer.reset_states()
    assert all(not s.any() for s in layer.states)
    h = np.ones((2, 3), "float32")
    layer.reset_states([h, h])
    np.testing.assert_array_equal(layer.states[0].numpy(), h)
    with pytest.raises(ValueError, match="expects 2 states"):
        layer.reset_states([h])


def test_stateful_model_predicts_in_order_and_model_summary_works():
    model = tkeras.Sequential([GRU(2, stateful=True, batch_input_shape=(3, 5, 1)),
                               tkeras.layers.Dense(1)])
    x = np.random.rand(6, 5, 1).astype("float32")
    model.predict(x, batch_size=3)
    assert model.layers[0].states[0].abs().sum() > 0
    with pytest.raises(AttributeError, match="Layer must be stateful"):
        GRU(2).reset_states()


# ---------------------------------------------------------------- models
def test_encoder_decoder_with_symbolic_initial_state_round_trips_through_json():
    enc_in, dec_in = Input((None, 4)), Input((None, 3))
    _, h, c = LSTM(5, return_state=True, name="encoder")(enc_in)
    dec = LSTM(5, return_sequences=True, name="decoder")(dec_in, initial_state=[h, c])
    out = tkeras.layers.Dense(3)(dec)
    model = tkeras.Model([enc_in, dec_in], out)
    xe, xd = np.random.rand(2, 6, 4).astype("float32"), np.random.rand(2, 3, 3).astype("float32")
    y = model.predict([xe, xd])
    assert y.shape == (2, 3, 3)
    clone = tkeras.models.model_from_json(model.to_json())
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(clone.predict([xe, xd]), y, atol=1e-6)


def test_lstm_text_model_trains_with_mask_zero():
    model = tkeras.Sequential([
        tkeras.layers.Embedding(20, 4, mask_zero=True, input_length=6),
        LSTM(5), tkeras.layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy")
    x = np.random.randint(1, 20, size=(16, 6))
    x[:8, :3] = 0
    y = (x[:, -1] > 10).astype("float32")
    before = model.get_weights()[1].copy()
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    assert not np.allclose(model.get_weights()[1], before)


# ---------------------------------------------------------------- ConvLSTM2D
def test_conv_lstm2d_channels_first_equals_channels_last_transposed():
    last = ConvLSTM2D(3, 3, padding="same", return_sequences=True, return_state=True)
    first = ConvLSTM2D(3, 3, padding="same", return_sequences=True, return_state=True,
                       data_format="channels_first")
    x = torch.randn(2, 4, 5, 6, 2)
    outs_last = last(x)
    first(x.permute(0, 1, 4, 2, 3))
    first.set_weights(last.get_weights())
    outs_first = first(x.permute(0, 1, 4, 2, 3))
    np.testing.assert_allclose(outs_first[0].permute(0, 1, 3, 4, 2).detach(),
                               outs_last[0].detach(), atol=1e-5)
    np.testing.assert_allclose(outs_first[2].permute(0, 2, 3, 1).detach(),
                               outs_last[2].detach(), atol=1e-5)
    assert [tuple(w.shape) for w in last.weights] == [(3, 3, 2, 12), (3, 3, 3, 12), (12,)]


def test_conv_lstm2d_dropout_and_stateful_run():
    layer = ConvLSTM2D(2, 3, dropout=0.3, recurrent_dropout=0.3, stateful=True,
                       batch_input_shape=(2, 3, 5, 5, 1))
    out = layer(torch.randn(2, 3, 5, 5, 1), training=True)
    assert tuple(out.shape) == (2, 3, 3, 2)
    assert tuple(layer.states[1].shape) == (2, 3, 3, 2) and layer.states[1].abs().sum() > 0


# ---------------------------------------------------------------- errors
def test_rnn_rejects_wrong_input_rank_naming_the_layer():
    layer = LSTM(3, name="enc")
    with pytest.raises(ValueError, match=r"Input 0 of layer 'enc' is incompatible with the "
                                         r"layer: expected ndim=3, found ndim=2"):
        layer(Input((4,)))
    layer(np.zeros((1, 2, 4), "float32"))
    with pytest.raises(ValueError, match="expected ndim=3, found ndim=2"):
        layer(np.zeros((1, 4), "float32"))
    with pytest.raises(ValueError, match="expected ndim=5, found ndim=3"):
        ConvLSTM2D(2, 3)(np.zeros((1, 2, 4), "float32"))


@pytest.mark.parametrize("make, message", [
    (lambda: LSTM(0), r"expected a positive integer. Received: units=0"),
    (lambda: GRU(-2), r"Received: units=-2"),
    (lambda: RNN(object()), r"should have a `call` method"),
    (lambda: RNN(type("C", (), {"call": lambda s, x, st: (x, st)})()),
     r"should have a `state_size` attribute"),
    (lambda: ConvLSTM2D(2, 3, padding="causal"), r"Received: padding='causal'"),
    (lambda: ConvLSTM2D(2, 3, data_format="nhwc"), r"Received: data_format='nhwc'"),
    (lambda: ConvLSTM2D(2, 3, unroll=True), r"Unrolling is not possible"),
    (lambda: LSTM(2, foo=1), r"unexpected keyword argument `foo`"),
])
def test_recurrent_misuse_raises_keras_style_errors(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make()


def test_wrong_number_of_initial_states_is_reported():
    with pytest.raises(ValueError, match="Layer has 2 states but was passed 1 initial states"):
        LSTM(3)(np.zeros((1, 2, 2), "float32"), initial_state=[torch.zeros(1, 3)])
