"""tkeras against what tf-keras 2.21 did with the same bad inputs (issue 9), recorded by
`data/make_bad_inputs.py` in `data/bad_inputs.json`. Where Keras raises a ValueError,
tkeras raises one starting with Keras's words; where Keras raises a TensorFlow op error
(not a Keras error), tkeras raises a ValueError that still carries TF's facts; where
Keras accepts the input, tkeras gives the same result."""
import json
import os

import numpy as np
import pytest

import tkeras as keras
from tkeras.layers import LSTM, BatchNormalization, Conv2D, Dense, Embedding, GaussianNoise

with open(os.path.join(os.path.dirname(__file__), "data", "bad_inputs.json")) as _f:
    KERAS = json.load(_f)


def _mse(layer):
    m = keras.Sequential([layer])
    m.compile("sgd", "mse")
    return m


def _classifier():
    m = keras.Sequential([Dense(2, input_shape=(3,), activation="softmax")])
    m.compile("sgd", "sparse_categorical_crossentropy")
    return m


def _keras_error(case):
    record = KERAS[case]
    assert "error" in record, record
    return record["message"]


@pytest.mark.parametrize("case, call", [
    ("fit_no_samples", lambda m: m.fit(np.zeros((0, 3)), np.zeros((0, 2)), verbose=0)),
    ("evaluate_no_samples", lambda m: m.evaluate(np.zeros((0, 3)), np.zeros((0, 2)),
                                                 verbose=0)),
])
def test_no_samples_raises_keras_message(case, call):
    with pytest.raises(ValueError) as err:
        call(_mse(Dense(2, input_shape=(3,))))
    assert str(err.value).startswith(_keras_error(case).rstrip("."))


def test_unknown_class_weight_key_raises_keras_message():
    with pytest.raises(ValueError) as err:
        _classifier().fit(np.zeros((4, 3)), np.array([0, 1, 0, 1]),
                          class_weight={0: 1, 1: 1, 5: 2}, verbose=0)
    assert str(err.value).startswith(_keras_error("class_weight_unknown_key"))


def test_class_weight_with_an_extra_class_is_accepted_as_in_keras():
    assert KERAS["class_weight_extra_class"]["result"]["epochs"] == 1
    h = _classifier().fit(np.zeros((4, 3)), np.array([0, 1, 0, 1]),
                          class_weight={0: 1, 1: 1, 2: 2}, verbose=0)
    assert len(h.history["loss"]) == 1


def test_noise_only_model_trains_as_in_keras():
    expected = KERAS["noise_only_model_trains"]["result"]
    h = _mse(GaussianNoise(0.1, input_shape=(3,))).fit(np.ones((4, 3)), np.zeros((4, 3)),
                                                        epochs=2, verbose=0)
    assert len(h.history["loss"]) == expected["epochs"]
    assert bool(np.isfinite(h.history["loss"]).all()) == expected["finite"]


def test_frozen_model_reports_keras_loss_and_keeps_its_weights():
    expected = KERAS["frozen_model_trains"]["result"]
    m = keras.Sequential([Dense(3, input_shape=(3,), kernel_initializer="ones")])
    m.layers[0].trainable = False
    m.compile("sgd", "mse")
    before = m.get_weights()
    h = m.fit(np.ones((4, 3)), np.zeros((4, 3)), epochs=2, verbose=0)
    np.testing.assert_allclose(h.history["loss"], expected["loss"], rtol=1e-6)
    assert all((a == b).all() for a, b in zip(before, m.get_weights())) == \
        expected["weights_unchanged"]


def test_batchnorm_trains_on_a_batch_of_one_as_in_keras():
    expected = KERAS["batchnorm_batch_of_one_trains"]["result"]
    h = _mse(BatchNormalization(input_shape=(3,))).fit(np.ones((1, 3)), np.zeros((1, 3)),
                                                       verbose=0)
    np.testing.assert_allclose(h.history["loss"], expected["loss"], atol=1e-6)


def test_convolution_too_small_raises_keras_message():
    with pytest.raises(ValueError) as err:
        Conv2D(3, 5)(np.zeros((1, 3, 3, 2), "float32"))
    keras_message = _keras_error("conv_too_small").replace("[1, 3, 3, 2]", "(1, 3, 3, 2)")
    # Keras names the layer 'conv2d', Keras 2.0-2.3 (our naming) 'conv2d_1'.
    assert str(err.value) == keras_message.replace("in conv2d.", "in conv2d_1.")


def test_embedding_out_of_range_carries_tensorflows_facts_in_a_value_error():
    facts = "indices[0,1] = 12 is not in [0, 10)"
    assert facts in _keras_error("embedding_out_of_range")  # TF's op error says this
    with pytest.raises(ValueError) as err:
        Embedding(10, 3)(np.array([[1, 12]]))
    assert facts in str(err.value)


def test_rnn_over_zero_timesteps_is_a_value_error_not_an_op_error():
    assert KERAS["lstm_zero_timesteps"]["error"] == "InvalidArgumentError"  # TF's slice
    with pytest.raises(ValueError, match="needs at least one timestep"):
        LSTM(3)(np.zeros((2, 0, 3), "float32"))
