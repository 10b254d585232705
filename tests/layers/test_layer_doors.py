"""Regression tests for issue 9: ordinary mistakes that used to reach a fused torch
kernel unchecked (heap corruption, silent garbage, raw torch errors) now stop at the
layer door with a Keras-style error, before any kernel runs.

The calls that used to kill the interpreter run in a subprocess, so a regression fails
the test instead of aborting the whole run.
"""
import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch

import tkeras as keras
from tkeras import backend as K
from tkeras.layers import (GRU, LSTM, RNN, Add, AveragePooling1D, Concatenate, Conv2D,
                           Conv2DTranspose, ConvLSTM2D, Dense, Embedding, GaussianNoise,
                           GlobalMaxPooling1D, GRUCell, LSTMCell, Masking, MaxPooling1D,
                           MaxPooling2D, SimpleRNN)

STATEFUL_BATCH = r"built for batches of exactly 2 samples .*received a batch of 3"
STATE_SHAPE = r"expects initial_state\[0\] of shape \(4, 3\)"


def _x(*shape):
    return np.random.RandomState(0).rand(*shape).astype("float32")


def _zeros_state(rows, width=3):
    return K.constant(np.zeros((rows, width)))


# ------------------------------------------------ calls that used to abort the process
_CRASH_CASES = {
    "stateful_predict": """
        m = keras.Sequential([LSTM(3, stateful=True, batch_input_shape=(2, 5, 4))])
        m.predict(np.random.rand(3, 5, 4), batch_size=3)""",
    "stateful_fit": """
        m = keras.Sequential([LSTM(3, stateful=True, batch_input_shape=(2, 5, 4))])
        m.compile('sgd', 'mse')
        m.fit(np.random.rand(4, 5, 4), np.random.rand(4, 3), verbose=0)""",
    "small_state": """
        LSTM(3)(x4, initial_state=[K.constant(np.zeros((2, 3)))] * 2)""",
    "small_state_backwards": """
        LSTM(3, go_backwards=True)(x4, initial_state=[K.constant(np.zeros((2, 3)))] * 2)""",
    "small_state_no_grad": """
        with torch.no_grad():
            LSTM(3)(torch.as_tensor(x4), initial_state=[torch.zeros(2, 3)] * 2)""",
    "small_state_masked": """
        inp = keras.Input((5, 4))
        s1, s2 = keras.Input((3,)), keras.Input((3,))
        out = LSTM(3)(Masking()(inp), initial_state=[s1, s2])
        keras.Model([inp, s1, s2], out)([x4, np.zeros((2, 3), 'float32'),
                                         np.zeros((2, 3), 'float32')])""",
}


def test_calls_that_corrupted_the_heap_raise_keras_errors_in_a_subprocess():
    script = textwrap.dedent("""
        import json, sys, textwrap
        import numpy as np, torch
        import tkeras as keras
        from tkeras import backend as K
        from tkeras.layers import LSTM, Masking
        x4 = np.random.rand(4, 5, 4).astype('float32')
        cases = json.loads(sys.argv[1])
        results = {}
        for name, code in cases.items():
            try:
                exec(textwrap.dedent(code))
                results[name] = 'no error'
            except Exception as err:
                results[name] = type(err).__name__ + ': ' + str(err)
        print(json.dumps(results))
    """)
    proc = subprocess.run([sys.executable, "-c", script, json.dumps(_CRASH_CASES)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"the interpreter died ({proc.returncode}): {proc.stderr[-2000:]}"
    results = json.loads(proc.stdout.strip().splitlines()[-1])
    for name in ("stateful_predict", "stateful_fit"):
        assert results[name].startswith("ValueError"), results[name]
        assert "built for batches of exactly 2 samples" in results[name]
        assert "`batch_size=2`" in results[name]
    assert "received a batch of 3" in results["stateful_predict"]
    for name in ("small_state", "small_state_backwards", "small_state_no_grad",
                 "small_state_masked"):
        assert results[name].startswith("ValueError"), results[name]
        assert "expects initial_state[0] of shape (4, 3)" in results[name]
        assert "received shape (2, 3)" in results[name]


def test_stateful_fit_rejects_a_batch_size_other_than_the_built_one_in_process():
    m = keras.Sequential([LSTM(3, stateful=True, batch_input_shape=(2, 5, 4))])
    m.compile("sgd", "mse")
    before = [w.copy() for w in m.get_weights()]
    with pytest.raises(ValueError, match=r"built for batches of exactly 2 samples.*"
                                         r"received a batch of 4"):
        m.fit(_x(4, 5, 4), _x(4, 3), verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(before, m.get_weights()))
    m.fit(_x(4, 5, 4), _x(4, 3), batch_size=2, verbose=0)  # the fix the message gives


# ------------------------------------------------ silent garbage
def test_initial_state_with_more_rows_than_the_batch_is_refused():
    with pytest.raises(ValueError, match=STATE_SHAPE + r".*received shape \(8, 3\)"):
        LSTM(3)(_x(4, 5, 4), initial_state=[_zeros_state(8)] * 2)


def test_initial_state_of_the_wrong_width_is_refused():
    with pytest.raises(ValueError, match=STATE_SHAPE + r".*received shape \(4, 7\)"):
        LSTM(3)(_x(4, 5, 4), initial_state=[_zeros_state(4, 7)] * 2)


def test_rnn_of_a_cell_refuses_a_state_from_another_batch():
    with pytest.raises(ValueError, match=STATE_SHAPE + r".*received shape \(2, 3\)"):
        RNN(LSTMCell(3))(_x(4, 5, 4), initial_state=[_zeros_state(2)] * 2)


def test_a_correct_initial_state_still_gives_the_step_loop_result():
    x, h0, c0 = _x(4, 5, 4), _x(4, 3) - 0.5, _x(4, 3) * 0.3
    layer = LSTM(3, return_sequences=True)
    fused = layer(x, initial_state=[h0, c0]).numpy()  # numpy states: converted
    loop = LSTM(3, return_sequences=True, unroll=True)
    loop(x)
    loop.set_weights(layer.get_weights())
    np.testing.assert_allclose(loop(x, initial_state=[h0, c0]).numpy(), fused, atol=1e-6)


# ------------------------------------------------ raw torch errors
@pytest.mark.parametrize("cls", [SimpleRNN, GRU])
def test_stateful_simple_rnn_and_gru_name_the_batch_size(cls):
    m = keras.Sequential([cls(3, stateful=True, batch_input_shape=(2, 5, 4))])
    with pytest.raises(ValueError, match=STATEFUL_BATCH):
        m.predict(_x(3, 5, 4), batch_size=3)
    with pytest.raises(ValueError, match=STATEFUL_BATCH):  # eager call: the input spec
        m.layers[0](_x(3, 5, 4))


def test_gru_state_of_the_wrong_width_is_refused():
    with pytest.raises(ValueError, match=STATE_SHAPE + r".*received shape \(4, 7\)"):
        GRU(3)(_x(4, 5, 4), initial_state=[_zeros_state(4, 7)])


@pytest.mark.parametrize("cell", [LSTMCell(3), GRUCell(3)])
def test_cells_called_directly_check_their_states(cell):
    n = 2 if isinstance(cell, LSTMCell) else 1
    with pytest.raises(ValueError, match=r"expects \d state\(s\) of shape \(4, 3\).*\(2, 3\)"):
        cell(_x(4, 4), [np.zeros((2, 3), "float32")] * n)


def test_convolution_on_an_input_too_small_at_run_time():
    m = keras.Sequential([Conv2D(2, 3, input_shape=(None, None, 1))])
    with pytest.raises(ValueError, match=r"dimensions in the output is <= 0 due to "
                                         r"downsampling in conv2d_\d+.*\(2, 2, 2, 1\)"):
        m.predict(_x(2, 2, 2, 1))


def test_transposed_convolution_on_an_empty_input():
    with pytest.raises(ValueError, match=r"downsampling in conv2d_transpose.*\(1, 0, 4, 3\)"):
        Conv2DTranspose(3, 2)(_x(1, 0, 4, 3))


def test_conv_lstm_on_frames_too_small_at_run_time():
    m = keras.Sequential([ConvLSTM2D(2, 3, input_shape=(None, None, None, 1))])
    with pytest.raises(ValueError, match=r"downsampling in conv_lst_m2d.*\(2, 4, 2, 2, 1\)"):
        m.predict(_x(2, 4, 2, 2, 1))


@pytest.mark.parametrize("layer, shape", [
    (MaxPooling2D(4), (1, 3, 3, 2)),
    (AveragePooling1D(4), (1, 3, 3)),
    (MaxPooling2D(2, padding="same"), (1, 0, 4, 3)),
])
def test_pooling_on_an_input_too_small(layer, shape):
    with pytest.raises(ValueError, match=r"dimensions in the output is <= 0 due to "
                                         r"downsampling in .*pooling"):
        layer(_x(*shape))


def test_max_pooling_of_integers_gives_the_float_result():
    x = np.array([[[1], [5], [3], [2]]], "int64")
    np.testing.assert_array_equal(MaxPooling1D(2)(x).numpy()[0, :, 0], [5.0, 3.0])


def test_global_pooling_over_an_empty_axis_at_run_time():
    m = keras.Sequential([GlobalMaxPooling1D(input_shape=(None, 3))])
    with pytest.raises(ValueError, match=r"cannot pool over an empty axis: axis 1.*\(2, 0, 3\)"):
        m.predict(_x(2, 0, 3))


@pytest.mark.parametrize("index, where", [(12, "[0,1]"), (-1, "[0,1]"), (10, "[0,1]")])
def test_embedding_index_out_of_range_names_index_position_and_input_dim(index, where):
    with pytest.raises(ValueError, match=rf"received index {index} at position "
                                         rf"{re_escape(where)}.*`input_dim=10` allows indices "
                                         r"0 to 9"):
        Embedding(10, 3)(np.array([[1, index]]))


def re_escape(text):
    import re

    return re.escape(text)


def test_embedding_out_of_range_in_fit_changes_no_weight():
    m = keras.Sequential([Embedding(10, 2, input_length=3), keras.layers.Flatten(),
                          Dense(1)])
    m.compile("sgd", "mse")
    before = [w.copy() for w in m.get_weights()]
    with pytest.raises(ValueError, match="received index 10 at position"):
        m.fit(np.array([[1, 2, 3], [4, 5, 10]]), np.zeros((2, 1)), verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(before, m.get_weights()))


def test_numpy_initial_state_and_mask_are_taken_in_an_eager_call():
    x = _x(4, 5, 4)
    mask = np.ones((4, 5), bool)
    mask[:, 3:] = False
    layer = LSTM(3)
    out = layer(x, initial_state=[np.zeros((4, 3), "float32")] * 2, mask=mask)
    np.testing.assert_allclose(out.numpy(), layer(x[:, :3]).numpy(), atol=1e-6)


# ------------------------------------------------ bad input accepted silently
@pytest.mark.parametrize("shape", [(4, 6), (2, 5), (4, 5, 1)])
def test_a_mask_of_the_wrong_shape_is_refused(shape):
    with pytest.raises(ValueError, match=rf"received a mask of shape {re_escape(str(shape))} "
                                         r"for inputs of shape \(4, 5, 4\); the mask must "
                                         r"have shape \(4, 5\)"):
        LSTM(3)(_x(4, 5, 4), mask=np.ones(shape, bool))


def test_merge_layers_refuse_batches_of_different_sizes_at_run_time():
    add, cat = Add(), Concatenate()
    add([_x(2, 3), _x(2, 3)])
    cat([_x(2, 3), _x(2, 3)])
    with pytest.raises(ValueError, match="Cannot merge tensors with different batch sizes"):
        add([_x(2, 3), _x(4, 3)])
    with pytest.raises(ValueError, match="requires inputs with matching shapes except for "
                                         "the concatenation axis"):
        cat([_x(2, 3), _x(4, 3)])


def _classifier():
    m = keras.Sequential([Dense(2, input_shape=(3,), activation="softmax")])
    m.compile("sgd", "sparse_categorical_crossentropy")
    return m


@pytest.mark.parametrize("class_weight", [{0: 1, 1: 1, 5: 2}, {1: 1, 2: 1}, {0: 1, "1": 2}])
def test_class_weight_keys_that_are_not_the_classes_are_refused(class_weight):
    # tf-keras 2.21: "Expected `class_weight` to be a dict with keys from 0 to one less
    # than the number of classes, found {0: 1, 1: 1, 5: 2}"
    m = _classifier()
    with pytest.raises(ValueError, match="Expected `class_weight` to be a dict with keys "
                                         "from 0 to one less than the number of classes, "
                                         "found"):
        m.fit(_x(4, 3), np.array([0, 1, 0, 1]), class_weight=class_weight, verbose=0)


def test_class_weight_with_every_class_still_weights_the_loss():
    m = _classifier()
    x, y = _x(4, 3), np.array([0, 1, 0, 1])
    assert m.evaluate(x, y, verbose=0) > 0
    assert m.train_on_batch(x, y, class_weight={0: 0.0, 1: 0.0}) == pytest.approx(0.0)


@pytest.mark.parametrize("call", ["fit", "evaluate", "train_on_batch", "predict"])
def test_no_samples_is_an_error(call):
    # tf-keras 2.21: "Expected input data to be non-empty."
    m = keras.Sequential([Dense(2, input_shape=(3,))])
    m.compile("sgd", "mse")
    x, y = np.zeros((0, 3)), np.zeros((0, 2))
    args = (x,) if call == "predict" else (x, y)
    kwargs = {} if call == "train_on_batch" else {"verbose": 0}
    with pytest.raises(ValueError, match=rf"Expected input data to be non-empty: `{call}` "
                                         r"received 0 samples"):
        getattr(m, call)(*args, **kwargs)


# ------------------------------------------------ nothing to train
def _noise_only():
    m = keras.Sequential([GaussianNoise(0.1, input_shape=(3,))])
    m.compile("sgd", "mse")
    return m


def _all_frozen():
    m = keras.Sequential([Dense(3, input_shape=(3,))])
    m.layers[0].trainable = False
    m.compile("sgd", "mse")
    return m


@pytest.mark.parametrize("build", [_noise_only, _all_frozen])
def test_a_model_without_trainable_weights_trains_as_a_no_op(build):
    m = build()
    x, y = np.ones((4, 3), "float32"), np.zeros((4, 3), "float32")
    before = [w.copy() for w in m.get_weights()]
    history = m.fit(x, y, epochs=2, verbose=0)
    loss = m.train_on_batch(x, y)
    assert len(history.history["loss"]) == 2
    assert np.isfinite(history.history["loss"]).all() and np.isfinite(loss)
    assert all(np.array_equal(a, b) for a, b in zip(before, m.get_weights()))
    if build is _all_frozen:  # the loss is the frozen model's loss, as tf-keras reports it
        expected = np.mean((m.predict(x) - y) ** 2)
        assert loss == pytest.approx(expected, rel=1e-6)


def test_a_model_without_trainable_weights_trains_under_jit_compile():
    m = keras.Sequential([Dense(3, input_shape=(3,))])
    m.layers[0].trainable = False
    m.compile("sgd", "mse", jit_compile=True)
    before = m.get_weights()
    m.fit(np.ones((4, 3), "float32"), np.zeros((4, 3), "float32"), verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(before, m.get_weights()))


# ------------------------------------------------ normalization and the other families
def test_batchnorm_trains_on_one_value_per_channel_as_tf_keras():
    # tf-keras 2.21 (fused kernel, 4-D input of one 1x1 image): output = beta, the moving
    # mean moves 1% toward the batch mean, the moving variance 1% toward 0.
    from tkeras.layers import BatchNormalization

    x = (np.arange(3, dtype="float32") + 2).reshape(1, 1, 1, 3)
    layer = BatchNormalization(beta_initializer="ones")
    np.testing.assert_allclose(layer(x, training=True).numpy().ravel(), [1.0, 1.0, 1.0])
    mean, var = layer.get_weights()[2:]
    np.testing.assert_allclose(mean, [0.02, 0.03, 0.04], rtol=1e-6)
    np.testing.assert_allclose(var, [0.99, 0.99, 0.99], rtol=1e-6)


def test_batchnorm_on_an_empty_batch_keeps_its_moving_statistics():
    # (tf-keras turns them into nan here: silent garbage we do not copy.)
    from tkeras.layers import BatchNormalization

    layer = BatchNormalization()
    assert tuple(layer(_x(0, 3), training=True).shape) == (0, 3)
    mean, var = layer.get_weights()[2:]
    np.testing.assert_array_equal(mean, np.zeros(3))
    np.testing.assert_array_equal(var, np.ones(3))


def test_integer_inputs_reach_normalization_and_locally_connected_as_floats():
    from tkeras.layers import BatchNormalization, LocallyConnected1D

    x = np.arange(12).reshape(2, 2, 3)
    bn = BatchNormalization()
    np.testing.assert_allclose(bn(x).numpy(), bn(x.astype("float32")).numpy())
    lc = LocallyConnected1D(2, 2)
    np.testing.assert_allclose(lc(x).numpy(), lc(x.astype("float32")).numpy())


def test_bilinear_upsampling_of_an_empty_image_is_empty():
    from tkeras.layers import UpSampling2D

    out = UpSampling2D(interpolation="bilinear")(_x(1, 0, 2, 1))
    assert tuple(out.shape) == (1, 0, 4, 1)


def test_masked_global_average_pooling_refuses_a_mask_of_the_wrong_shape():
    from tkeras.layers import GlobalAveragePooling1D

    with pytest.raises(ValueError, match=r"mask of shape \(2, 5\) for inputs of shape "
                                         r"\(2, 4, 3\); the mask must have shape \(2, 4\)"):
        GlobalAveragePooling1D()(_x(2, 4, 3), mask=np.ones((2, 5), bool))


@pytest.mark.parametrize("call", ["fit", "evaluate", "predict"])
def test_stateful_batch_mismatch_is_raised_before_any_layer_runs(call):
    m = keras.Sequential([Dense(4, batch_input_shape=(2, 5, 4)), LSTM(3, stateful=True)])
    m.compile("sgd", "mse")
    calls = []
    m.layers[0].register_forward_pre_hook(lambda module, args: calls.append(1))
    x, y = _x(5, 5, 4), _x(5, 3)
    args = (x,) if call == "predict" else (x, y)
    kwargs = {"batch_size": 2} if call == "predict" else {"batch_size": 2, "verbose": 0}
    with pytest.raises(ValueError, match=rf"`{call}` received 5 samples in batches of 2\. "
                                         r"Layer 'lstm_\d+' was built for batches of exactly "
                                         r"2 samples.*received a batch of 1"):
        getattr(m, call)(*args, **kwargs)
    assert calls == []
    getattr(m, call)(x[:4], *([y[:4]] if call != "predict" else []), **kwargs)
    assert calls  # the same call with 4 samples runs


def test_a_custom_train_step_on_a_model_without_trainable_weights_is_a_no_op():
    class Frozen(keras.Model):
        def train_step(self, data):
            x, y = data
            loss = self.compiled_loss(y, self(x, training=True))
            self.optimizer.minimize(loss, self.trainable_variables)
            self.optimizer.apply_gradients([])
            return {"loss": loss}

    inp = keras.Input((3,))
    m = Frozen(inp, Dense(3, trainable=False)(inp))
    m.compile("sgd", "mse")
    before = m.get_weights()
    history = m.fit(np.ones((4, 3), "float32"), np.zeros((4, 3), "float32"), verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert all(np.array_equal(a, b) for a, b in zip(before, m.get_weights()))
    assert int(m.optimizer.iterations) == 0


# ------------------------------------------------ found by the property tests
def test_same_average_pooling_3d_of_an_input_smaller_than_the_window():
    # torch's avg_pool3d refused it ("input image smaller than kernel size"); TF pads.
    from tkeras.layers import AveragePooling3D

    x = np.arange(1, 3, dtype="float32").reshape(1, 2, 1, 1, 1)
    out = AveragePooling3D(3, strides=1, padding="same")(x).numpy()
    np.testing.assert_allclose(out.ravel(), [1.5, 1.5])  # each window sees both values


def test_conv_lstm_with_an_initial_state_on_frames_too_small():
    with pytest.raises(ValueError, match=r"downsampling in conv_lst_m2d"):
        ConvLSTM2D(2, 3)(_x(1, 1, 1, 1, 1), initial_state=[np.zeros((1, 1, 1, 2))] * 2)
