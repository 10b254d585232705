"""Behaviours found by running the classic Keras 2 `examples/` scripts (mnist_cnn,
imdb_*, addition_rnn, lstm_seq2seq, mnist_siamese, mnist_transfer_cnn, vae_deconv,
conv_lstm, stateful_lstm, ...) side by side on tf-keras 2.21 and tkeras with the same
initial weights. Expected numbers were produced by tf-keras 2.21.
"""
import numpy as np
import pytest
import torch

import tkeras as keras
from tkeras import backend as K
from tkeras.layers import LSTM, Activation, Conv2D, Dense, Flatten, Input, RepeatVector, \
    TimeDistributed
from tkeras.models import Sequential


@pytest.fixture(autouse=True)
def _seeded():
    np.random.seed(0)
    torch.manual_seed(0)


# ----------------------------------------------------------- lstm_seq2seq: padded targets
_X = np.array([[0.5, -1.0], [1.5, 0.25], [-0.3, 0.8]], "float32")
# One one-hot row, one all-zero row (a padded time step of lstm_seq2seq's
# decoder_target_data) and one soft row that does not sum to 1.
_Y = np.array([[0, 1, 0], [0, 0, 0], [0.5, 0.2, 0]], "float32")
_W0 = [np.array([[0.1, -0.2, 0.3], [0.4, 0.0, -0.1]], "float32"),
       np.array([0.05, 0.0, -0.05], "float32")]
# tf-keras 2.21 after one SGD(1.0) step: tf.nn.softmax_cross_entropy_with_logits's
# gradient is softmax - labels, whatever the rows of labels sum to.
_KERNEL_AFTER = [[-0.14044424891471863, -0.17792204022407532, 0.04836630821228027],
                 [0.47314056754112244, -0.27882272005081177, -0.057651180773973465]]
_BIAS_AFTER = [-0.13961178064346313, 0.11689205467700958, -0.41061365604400635]


@pytest.mark.parametrize("head", ["softmax_output", "from_logits"])
def test_crossentropy_on_rows_not_summing_to_one_trains_as_keras2(head):
    if head == "softmax_output":
        model = Sequential([Dense(3, activation="softmax", input_shape=(2,))])
        loss = "categorical_crossentropy"
    else:
        model = Sequential([Dense(3, input_shape=(2,))])
        loss = keras.losses.CategoricalCrossentropy(from_logits=True)
    model.compile(keras.optimizers.SGD(1.0), loss)
    model.set_weights(_W0)
    assert model.train_on_batch(_X, _Y) == pytest.approx(0.600163459777832, rel=1e-6)
    kernel, bias = model.get_weights()
    np.testing.assert_allclose(kernel, _KERNEL_AFTER, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(bias, _BIAS_AFTER, rtol=1e-5, atol=1e-6)


def test_backend_crossentropy_from_logits_value_and_gradient():
    logits = torch.tensor([[1.0, 2.0, 3.0], [0.5, 0.0, -1.0]], requires_grad=True)
    labels = torch.tensor([[0.0, 0.0, 0.0], [0.5, 0.2, 0.0]])
    loss = K.categorical_crossentropy(labels, logits, from_logits=True)
    softmax = torch.softmax(logits, -1).detach()
    expected = -(labels * torch.log(softmax)).sum(-1)
    np.testing.assert_allclose(loss.detach().numpy(), expected.numpy(), rtol=1e-6)
    loss.sum().backward()
    np.testing.assert_allclose(logits.grad.numpy(), (softmax - labels).numpy(), rtol=1e-6)


# ------------------------------------------------------------ addition_rnn: bool targets
def test_bool_one_hot_targets_with_accuracy_metric():
    # addition_rnn.py builds x and y with dtype=bool.
    rng = np.random.RandomState(0)
    x = rng.rand(8, 5, 4) > 0.5
    y = np.zeros((8, 2, 3), dtype=bool)
    y[np.arange(8), 0, rng.randint(0, 3, 8)] = True
    y[np.arange(8), 1, rng.randint(0, 3, 8)] = True
    model = Sequential([LSTM(4, input_shape=(5, 4)), RepeatVector(2),
                        LSTM(4, return_sequences=True),
                        TimeDistributed(Dense(3, activation="softmax"))])
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    history = model.fit(x, y, batch_size=4, epochs=1, verbose=0, validation_data=(x, y))
    assert sorted(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    pred = model.predict(x)
    expected = np.mean(pred.argmax(-1) == y.argmax(-1))
    assert model.evaluate(x, y, verbose=0)[1] == pytest.approx(expected)


def test_metric_functions_receive_float_targets():
    seen = []

    def y_true_dtype(y_true, y_pred):
        seen.append(y_true.dtype)
        return K.mean(K.equal(y_true, K.round(y_pred)), axis=-1)

    model = Sequential([Dense(1, activation="sigmoid", input_shape=(2,))])
    model.compile("sgd", "binary_crossentropy", metrics=[y_true_dtype])
    model.fit(np.ones((4, 2), "float32"), np.array([[0], [1], [1], [0]]), verbose=0)
    assert seen and all(d == torch.float32 for d in seen)


# ------------------------------------------------------ mnist_transfer_cnn: summary totals
def test_summary_after_freezing_counts_every_parameter_once():
    feature_layers = [Conv2D(2, 3, input_shape=(5, 5, 1)), Activation("relu"), Flatten()]
    model = Sequential(feature_layers + [Dense(3)])
    model.compile("sgd", "mse")
    for layer in feature_layers:
        layer.trainable = False
    lines = []
    model.summary(print_fn=lines.append)
    # tf-keras 2.21 (before the recompile of mnist_transfer_cnn.py): 20 + 57 params.
    assert "Total params: 77" in lines
    assert "Trainable params: 57" in lines
    assert "Non-trainable params: 20" in lines


# -------------------------------------------------- vae: K ops on symbolic tensors' shapes
def test_symbolic_backend_ops_that_move_the_batch_dimension():
    images, vectors = Input((16, 16, 1)), Input((5,))
    assert K.int_shape(K.flatten(images)) == (None,)
    assert K.int_shape(K.transpose(vectors)) == (5, None)
    assert K.int_shape(K.mean(vectors, axis=0)) == (5,)
    assert K.int_shape(K.sum(vectors, axis=1)) == (None,)
    assert K.int_shape(Dense(5)(vectors)) == (None, 5)


# --------------------------------------------------------------- stateful_lstm: training
def test_stateful_lstm_fits_and_carries_states_as_keras2():
    x = np.linspace(-1, 1, 24).reshape(6, 2, 2).astype("float32")
    y = np.linspace(0, 1, 6).reshape(6, 1).astype("float32")
    model = Sequential([LSTM(3, batch_input_shape=(2, 2, 2), stateful=True), Dense(1)])
    model.compile(keras.optimizers.SGD(0.5), "mse")
    rng = np.random.RandomState(0)
    model.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype("float32")
                       for w in model.get_weights()])
    history = model.fit(x, y, batch_size=2, epochs=2, shuffle=False, verbose=0)
    np.testing.assert_allclose(history.history["loss"],
                               [0.1930806189775467, 0.2456364780664444], rtol=1e-5)
    np.testing.assert_allclose(
        model.predict(x, batch_size=2).ravel(),
        [0.6548987627, 0.7355808616, 0.7631742954, 0.8542603254, 0.9169149995, 0.9760379791],
        rtol=1e-5)
    model.reset_states()
    np.testing.assert_allclose(
        model.predict(x, batch_size=2).ravel(),
        [0.6306036115, 0.6970194579, 0.7582429051, 0.8476947546, 0.9162606597, 0.9750875235],
        rtol=1e-5)


@pytest.mark.parametrize("kind", ["SimpleRNN", "GRU", "Bidirectional"])
def test_stateful_recurrent_layers_train_with_fit(kind):
    layers = keras.layers
    rnn = (layers.Bidirectional(layers.LSTM(3, stateful=True)) if kind == "Bidirectional"
           else getattr(layers, kind)(3, stateful=True))
    model = Sequential([Input(batch_shape=(2, 4, 2)), rnn, Dense(1)])
    model.compile("sgd", "mse")
    before = [w.copy() for w in model.get_weights()]
    model.fit(np.random.rand(6, 4, 2), np.random.rand(6, 1), batch_size=2, epochs=2,
              shuffle=False, verbose=0)
    assert all(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))



# ------------------------------------------------- class_weight with validation_split
def _class_weight_case():
    rng = np.random.RandomState(20)
    x = rng.rand(30, 4).astype("float32")
    y = rng.randint(0, 3, 30)
    model = Sequential([Dense(6, activation="relu", input_shape=(4,)),
                        Dense(3, activation="softmax")])
    model.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy",
                  metrics=["acc"])
    wrng = np.random.RandomState(5)
    model.set_weights([wrng.randn(*w.shape).astype("float32") * 0.5
                       for w in model.get_weights()])
    return model, x, y


def test_class_weight_does_not_weight_the_validation_split():
    model, x, y = _class_weight_case()
    history = model.fit(x, y, batch_size=10, epochs=1, verbose=0, validation_split=0.2,
                        shuffle=False, class_weight={0: 1.0, 1: 2.0, 2: 0.5})
    # tf-keras 2.21: the training loss is class-weighted, the validation loss is not.
    assert history.history["loss"][0] == pytest.approx(1.142553687095642, rel=1e-5)
    assert history.history["val_loss"][0] == pytest.approx(1.3360161781311035, rel=1e-5)
    assert model.evaluate(x[24:], y[24:], verbose=0)[0] == pytest.approx(
        history.history["val_loss"][0], rel=1e-6)


class _TrainStepOnly(keras.Model):
    def train_step(self, data):
        return super().train_step(data)


@pytest.mark.parametrize("class_weight", [None, {0: 1.0, 1: 2.0, 2: 0.5}])
def test_validation_split_with_a_custom_train_step(class_weight):
    _, x, y = _class_weight_case()
    inputs = Input((4,))
    model = _TrainStepOnly(inputs, Dense(3, activation="softmax")(inputs))
    model.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy",
                  metrics=["acc"])
    history = model.fit(x, y, batch_size=10, epochs=2, verbose=0, validation_split=0.2,
                        shuffle=False, class_weight=class_weight)
    assert sorted(history.history) == ["acc", "loss", "val_acc", "val_loss"]
    assert model.evaluate(x[24:], y[24:], verbose=0)[0] == pytest.approx(
        history.history["val_loss"][-1], rel=1e-6)
