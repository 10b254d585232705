"""Property-based tests of the layer doors (issue 9): for random call arguments —
shapes, batch sizes, states, masks, dtypes — every recurrent, convolution, pooling and
embedding layer either returns the correct result (the unfused step loop or a NumPy
oracle says what correct is) or raises a Keras-style `ValueError`/`TypeError`. Never a
torch internal error, never a crash: each example runs in this process, so a crash
kills the suite.

Budget: `HYPOTHESIS_PROFILE=ci` (the default, a few dozen examples per test, seconds);
the longer run is

    HYPOTHESIS_PROFILE=long python -m pytest tests/layers/test_door_properties.py

(2,000 examples per test, about 5 minutes on 2 cores).
"""
import os

import numpy as np
import pytest
import torch

hypothesis = pytest.importorskip("hypothesis", reason="needs the `test` extra (hypothesis)")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import tkeras as keras  # noqa: E402
from tkeras import layers  # noqa: E402

settings.register_profile(
    "ci", max_examples=30, deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
settings.register_profile(
    "long", max_examples=2000, deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# A Keras-style refusal: the layer is named, or the Keras message says what was wrong.
KERAS_ERROR = (r"Layer '|layer '|Cell '|downsampling in|Layer has \d+ states|"
               r"Input \d+ of layer|expects|cannot pool|Expected input data to be non-empty|"
               r"When passing `initial_state`")


def _outcome(fn):
    """('ok', result) or ('error', exception) for Keras-style errors; anything else
    (a torch RuntimeError, IndexError, AttributeError...) fails the test here."""
    try:
        return "ok", fn()
    except (ValueError, TypeError) as err:
        assert not isinstance(err, RuntimeError)
        import re

        assert re.search(KERAS_ERROR, str(err)), f"not a Keras-style message: {err}"
        return "error", err


def _array(rng, shape, dtype):
    if dtype == "int64":
        return rng.randint(-3, 4, size=shape).astype("int64")
    return (rng.rand(*shape) - 0.5).astype(dtype)


# ------------------------------------------------------------------ recurrent
_RNN_KINDS = {
    "SimpleRNN": lambda u, **kw: layers.SimpleRNN(u, **kw),
    "LSTM": lambda u, **kw: layers.LSTM(u, **kw),
    "GRU": lambda u, **kw: layers.GRU(u, **kw),
    "GRU_v1": lambda u, **kw: layers.GRU(u, reset_after=False, **kw),
    "LSTM_hard": lambda u, **kw: layers.LSTM(u, recurrent_activation="hard_sigmoid", **kw),
    "RNN_LSTMCell": lambda u, **kw: layers.RNN(layers.LSTMCell(u), **kw),
    "Stacked": lambda u, **kw: layers.RNN([layers.GRUCell(u), layers.LSTMCell(u)], **kw),
    "Bidirectional_LSTM": lambda u, **kw: layers.Bidirectional(layers.LSTM(u, **kw)),
}


def _n_states(kind):
    return {"SimpleRNN": 1, "GRU": 1, "GRU_v1": 1, "Stacked": 3,
            "Bidirectional_LSTM": 4}.get(kind, 2)


@st.composite
def rnn_calls(draw):
    kind = draw(st.sampled_from(sorted(_RNN_KINDS)))
    units = draw(st.integers(1, 4))
    batch = draw(st.integers(0, 4))
    steps = draw(st.integers(0, 4))
    features = draw(st.integers(1, 3))
    options = dict(return_sequences=draw(st.booleans()), return_state=draw(st.booleans()),
                   go_backwards=draw(st.booleans()))
    mask_kind = draw(st.sampled_from(["none", "prefix", "suffix", "random", "wrong_steps",
                                      "wrong_batch"]))
    state_kind = draw(st.sampled_from(["none", "ok", "wrong_batch", "wrong_width",
                                       "wrong_count"]))
    dtype = draw(st.sampled_from(["float32", "float64", "int64"]))
    seed = draw(st.integers(0, 2 ** 16))
    return kind, units, batch, steps, features, options, mask_kind, state_kind, dtype, seed


def _rnn_mask(rng, kind, batch, steps):
    if kind == "none":
        return None
    if kind == "wrong_steps":
        return np.ones((batch, steps + 1), bool)
    if kind == "wrong_batch":
        return np.ones((batch + 1, steps), bool)
    if kind == "random":
        return rng.rand(batch, steps) > 0.4
    lengths = rng.randint(0, steps + 1, size=batch)
    t = np.arange(steps)[None]
    return t < lengths[:, None] if kind == "suffix" else t >= (steps - lengths)[:, None]


def _rnn_states(rng, kind, state_kind, batch, units):
    if state_kind == "none":
        return None
    rows = batch + 1 if state_kind == "wrong_batch" else batch
    width = units + 2 if state_kind == "wrong_width" else units
    n = _n_states(kind) - (1 if state_kind == "wrong_count" else 0)
    if n == 0:
        n = 2
    return [(rng.rand(rows, width) - 0.5).astype("float32") for _ in range(n)]


@given(rnn_calls())
def test_recurrent_layers_give_the_step_loop_result_or_a_keras_error(call):
    kind, units, batch, steps, features, options, mask_kind, state_kind, dtype, seed = call
    rng = np.random.RandomState(seed)
    x = _array(rng, (batch, steps, features), dtype)
    mask = _rnn_mask(rng, mask_kind, batch, steps)
    states = _rnn_states(rng, kind, state_kind, batch, units)
    fused = _RNN_KINDS[kind](units, **options)
    fused.build((None, None, features))
    loop = _RNN_KINDS[kind](units, unroll=True, **options)  # the unfused step loop
    loop.build((None, None, features))
    loop.set_weights(fused.get_weights())
    kwargs = {}
    if mask is not None:
        kwargs["mask"] = mask
    if states is not None:
        kwargs["initial_state"] = states
    status, result = _outcome(lambda: fused(x, **kwargs))
    expected_status, expected = _outcome(lambda: loop(x, **kwargs))
    assert status == expected_status, (result, expected)
    if status == "error":
        return
    outs = result if isinstance(result, list) else [result]
    refs = expected if isinstance(expected, list) else [expected]
    for out, ref in zip(_flat(outs), _flat(refs)):
        assert out.shape == ref.shape
        np.testing.assert_allclose(out.numpy(), ref.numpy(), atol=2e-5)


def _flat(items):
    out = []
    for item in items:
        out += _flat(item) if isinstance(item, (list, tuple)) else [item]
    return out


@given(st.sampled_from(["SimpleRNN", "LSTM", "GRU"]), st.integers(1, 3), st.integers(0, 5),
       st.integers(1, 3), st.integers(0, 2 ** 16))
def test_stateful_layers_take_only_their_batch_size(kind, built_batch, batch, steps, seed):
    rng = np.random.RandomState(seed)
    layer = _RNN_KINDS[kind](2, stateful=True, batch_input_shape=(built_batch, steps, 3))
    model = keras.Sequential([layer])
    x = _array(rng, (batch, steps, 3), "float32")
    status, result = _outcome(lambda: model.predict(x, batch_size=max(batch, 1)))
    if batch == built_batch:
        assert status == "ok", result
        assert result.shape == (batch, 2)
    elif batch == 0:
        assert status == "error" and "non-empty" in str(result)
    else:
        assert status == "error"
        assert f"batches of exactly {built_batch} samples" in str(result)


# ------------------------------------------------------------------ convolution
def _tf_pads(n, k, s, d, padding):
    """(before, after, output length) of TensorFlow's padding on one axis."""
    eff = (k - 1) * d + 1
    if padding == "valid":
        return 0, 0, (n - eff) // s + 1 if n >= eff else 0
    if padding == "causal":
        return eff - 1, 0, (n - 1) // s + 1 if n >= 1 else 0
    out = -(-n // s)
    total = max((out - 1) * s + eff - n, 0)
    return total // 2, total - total // 2, out


def _conv_oracle(x, kernel, bias, strides, padding, dilation):
    """NumPy N-D convolution, channels_last, TensorFlow padding."""
    rank = kernel.ndim - 2
    plans = [_tf_pads(x.shape[1 + i], kernel.shape[i], strides[i], dilation[i], padding)
             for i in range(rank)]
    pad = [(0, 0)] + [(b, a) for b, a, _ in plans] + [(0, 0)]
    xp = np.pad(x.astype("float64"), pad)
    out_shape = (x.shape[0],) + tuple(o for _, _, o in plans) + (kernel.shape[-1],)
    out = np.zeros(out_shape)
    for pos in np.ndindex(*out_shape[1:-1]):
        for tap in np.ndindex(*kernel.shape[:-2]):
            idx = tuple(p * s + t * d for p, t, s, d in zip(pos, tap, strides, dilation))
            out[(slice(None),) + pos] += xp[(slice(None),) + idx] @ kernel[tap]
    return out + bias


@st.composite
def conv_calls(draw):
    rank = draw(st.sampled_from([1, 2, 3]))
    padding = draw(st.sampled_from(["valid", "same"] + (["causal"] if rank == 1 else [])))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(rank))
    strided = draw(st.booleans())
    strides = tuple(draw(st.integers(1, 3)) if strided else 1 for _ in range(rank))
    dilation = tuple(1 if strided else draw(st.integers(1, 2)) for _ in range(rank))
    batch = draw(st.integers(0, 2))
    spatial = tuple(draw(st.integers(0, 6 if rank < 3 else 4)) for _ in range(rank))
    channels = draw(st.integers(1, 3))
    filters = draw(st.integers(1, 3))
    dtype = draw(st.sampled_from(["float32", "float64", "int64"]))
    channels_first = draw(st.booleans())
    seed = draw(st.integers(0, 2 ** 16))
    return rank, padding, kernel, strides, dilation, batch, spatial, channels, filters, \
        dtype, channels_first, seed


@given(conv_calls())
def test_convolutions_give_the_numpy_result_or_a_keras_error(call):
    rank, padding, kernel, strides, dilation, batch, spatial, channels, filters, dtype, \
        channels_first, seed = call
    rng = np.random.RandomState(seed)
    cls = {1: layers.Conv1D, 2: layers.Conv2D, 3: layers.Conv3D}[rank]
    data_format = "channels_first" if channels_first and padding != "causal" \
        else "channels_last"
    layer = cls(filters, kernel, strides=strides, padding=padding, dilation_rate=dilation,
                bias_initializer="glorot_uniform", data_format=data_format)
    x = _array(rng, (batch,) + spatial + (channels,), dtype)
    if data_format == "channels_first":  # same numbers, channels moved; moved back below
        layer.build((None, channels) + (None,) * rank)
        run = lambda: np.moveaxis(layer(np.moveaxis(x, -1, 1)).numpy(), 1, -1)  # noqa: E731
    else:
        layer.build((None,) + (None,) * rank + (channels,))
        run = lambda: layer(x).numpy()  # noqa: E731
    status, result = _outcome(run)
    plans = [_tf_pads(n, k, s, d, padding)
             for n, k, s, d in zip(spatial, kernel, strides, dilation)]
    if min(spatial) == 0 or min(o for _, _, o in plans) <= 0:
        assert status == "error", f"expected a refusal, got shape {result.shape}"
        return
    assert status == "ok", result
    kernel_w, bias_w = layer.get_weights()
    expected = _conv_oracle(x, kernel_w, bias_w, strides, padding, dilation)
    np.testing.assert_allclose(result, expected, atol=1e-4)


@given(st.sampled_from(["Conv2DTranspose", "DepthwiseConv2D", "SeparableConv2D",
                        "Conv1DTranspose", "SeparableConv1D", "DepthwiseConv1D"]),
       st.integers(1, 3), st.integers(1, 2), st.sampled_from(["valid", "same"]),
       st.integers(0, 2), st.lists(st.integers(0, 5), min_size=2, max_size=2),
       st.integers(0, 2 ** 16))
def test_other_convolutions_give_their_declared_shape_or_a_keras_error(
        name, kernel, stride, padding, batch, sizes, seed):
    rng = np.random.RandomState(seed)
    rank = 1 if "1D" in name else 2
    cls = getattr(layers, name)
    args = (kernel,) if name.startswith("Depthwise") else (2, kernel)
    layer = cls(*args, strides=stride, padding=padding)
    spatial = tuple(sizes[:rank])
    layer.build((None,) * (rank + 1) + (2,))
    x = _array(rng, (batch,) + spatial + (2,), "float32")
    status, result = _outcome(lambda: layer(x))
    if status == "ok":
        assert tuple(result.shape) == tuple(layer.compute_output_shape(x.shape))
        assert min(result.shape[1:-1]) >= 1
        assert torch.isfinite(result).all()
    else:
        assert min(spatial) == 0 or min(layer.compute_output_shape(x.shape)[1:-1]) <= 0


# ------------------------------------------------------------------ pooling
def _pool_oracle(x, mode, pool, strides, padding):
    rank = len(pool)
    plans = [_tf_pads(x.shape[1 + i], pool[i], strides[i], 1, padding) for i in range(rank)]
    out_shape = (x.shape[0],) + tuple(o for _, _, o in plans) + (x.shape[-1],)
    out = np.zeros(out_shape)
    for pos in np.ndindex(*out_shape[1:-1]):
        window = []
        for p, (before, _, _), k, s, n in zip(pos, plans, pool, strides, x.shape[1:-1]):
            start = p * s - before
            window.append(slice(max(start, 0), min(start + k, n)))  # padding excluded
        block = x[(slice(None),) + tuple(window)].astype("float64")
        block = block.reshape(x.shape[0], int(np.prod(block.shape[1:-1])), x.shape[-1])
        out[(slice(None),) + pos] = block.max(1) if mode == "max" else block.mean(1)
    return out


@given(st.sampled_from(["max", "avg"]), st.sampled_from([1, 2, 3]), st.integers(1, 3),
       st.integers(1, 3), st.sampled_from(["valid", "same"]), st.integers(0, 2),
       st.lists(st.integers(0, 5), min_size=3, max_size=3),
       st.sampled_from(["float32", "int64"]), st.integers(0, 2 ** 16))
def test_pooling_gives_the_numpy_result_or_a_keras_error(mode, rank, pool, stride, padding,
                                                         batch, sizes, dtype, seed):
    rng = np.random.RandomState(seed)
    name = ("MaxPooling" if mode == "max" else "AveragePooling") + f"{rank}D"
    pool_size, strides = (pool,) * rank, (stride,) * rank
    layer = getattr(layers, name)(pool_size, strides=strides, padding=padding)
    spatial = tuple(sizes[:rank])
    x = _array(rng, (batch,) + spatial + (2,), dtype)
    status, result = _outcome(lambda: layer(x))
    plans = [_tf_pads(n, k, s, 1, padding) for n, k, s in zip(spatial, pool_size, strides)]
    if min(spatial) == 0 or min(o for _, _, o in plans) <= 0:
        assert status == "error", f"expected a refusal, got shape {tuple(result.shape)}"
        return
    assert status == "ok", result
    np.testing.assert_allclose(result.numpy(), _pool_oracle(x, mode, pool_size, strides,
                                                            padding), atol=1e-5)


@given(st.sampled_from(["GlobalMaxPooling1D", "GlobalAveragePooling1D",
                        "GlobalMaxPooling2D", "GlobalAveragePooling2D"]),
       st.integers(0, 2), st.lists(st.integers(0, 3), min_size=2, max_size=2),
       st.integers(0, 2 ** 16))
def test_global_pooling_gives_the_numpy_result_or_a_keras_error(name, batch, sizes, seed):
    rng = np.random.RandomState(seed)
    rank = int(name[-2])
    spatial = tuple(sizes[:rank])
    x = _array(rng, (batch,) + spatial + (2,), "float32")
    status, result = _outcome(lambda: getattr(layers, name)()(x))
    if min(spatial) == 0:
        assert status == "error"
        return
    assert status == "ok", result
    axes = tuple(range(1, rank + 1))
    expected = x.max(axes) if "Max" in name else x.mean(axes)
    np.testing.assert_allclose(result.numpy(), expected, atol=1e-6)


# ------------------------------------------------------------------ embedding
@given(st.integers(1, 6), st.integers(1, 3), st.sampled_from([(0,), (3,), (2, 3), (2, 0),
                                                               (1, 2, 2)]),
       st.sampled_from(["int64", "int32", "float32"]), st.integers(-2, 8),
       st.integers(0, 2 ** 16))
def test_embedding_gives_the_table_rows_or_a_keras_error(input_dim, output_dim, shape, dtype,
                                                          high, seed):
    rng = np.random.RandomState(seed)
    idx = rng.randint(min(high, 0) - 1, max(high, 1), size=shape).astype(dtype)
    layer = layers.Embedding(input_dim, output_dim)
    layer.build((None,))
    status, result = _outcome(lambda: layer(idx))
    table = layer.get_weights()[0]
    ints = idx.astype("int64")
    if ints.size and (ints.min() < 0 or ints.max() >= input_dim):
        assert status == "error"
        assert f"`input_dim={input_dim}`" in str(result)
        return
    assert status == "ok", result
    np.testing.assert_array_equal(result.numpy(), table[ints])


# ------------------------------------------------------------------ ConvLSTM2D
@given(st.integers(0, 2), st.integers(0, 3), st.lists(st.integers(0, 5), min_size=2,
                                                      max_size=2),
       st.integers(1, 3), st.integers(1, 2), st.sampled_from(["valid", "same"]),
       st.sampled_from(["none", "ok", "wrong_batch", "wrong_size"]),
       st.sampled_from(["none", "ok", "wrong"]), st.integers(0, 2 ** 16))
def test_conv_lstm_gives_the_cell_loop_result_or_a_keras_error(
        batch, steps, sizes, kernel, stride, padding, state_kind, mask_kind, seed):
    rng = np.random.RandomState(seed)
    layer = layers.ConvLSTM2D(2, kernel, strides=stride, padding=padding,
                              return_sequences=True)
    layer.build((None, None, None, None, 1))
    x = _array(rng, (batch, steps) + tuple(sizes) + (1,), "float32")
    rows, cols = (layer.cell._output_spatial(*sizes) if min(sizes) > 0 else (0, 0))
    kwargs = {}
    if state_kind != "none":
        shape = (batch + (state_kind == "wrong_batch"),
                 max(rows, 0) + (state_kind == "wrong_size"), max(cols, 0), 2)
        kwargs["initial_state"] = [(rng.rand(*shape) - 0.5).astype("float32")] * 2
    if mask_kind != "none":
        kwargs["mask"] = np.ones((batch, steps + (mask_kind == "wrong")), bool)
    status, result = _outcome(lambda: layer(x, **kwargs))
    valid_frames = min(sizes) > 0 and min(rows, cols) > 0
    if not (valid_frames and steps > 0 and state_kind in ("none", "ok")
            and mask_kind != "wrong"):
        assert status == "error", f"expected a refusal, got shape {tuple(result.shape)}"
        return
    assert status == "ok", result
    states = [torch.as_tensor(s) for s in kwargs["initial_state"]] \
        if "initial_state" in kwargs else [torch.zeros(batch, rows, cols, 2)] * 2
    outputs = []
    for t in range(steps):  # the cell's own step, one frame at a time
        out, states = layer.cell.call(torch.as_tensor(x[:, t]), states)
        outputs.append(out)
    np.testing.assert_allclose(result.numpy(), torch.stack(outputs, 1).detach().numpy(),
                               atol=1e-5)
