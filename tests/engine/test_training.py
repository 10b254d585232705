"""The training API: compile / fit / evaluate / predict / train_on_batch, checked against
NumPy recomputations on fixed weights (SGD with lr=0 keeps them fixed), plus subclassed
models, the GAN idiom, callbacks and progress output.

Values and orders that come from real Keras 2 (tf-keras 2.21) are hard-coded and marked.
"""
import numpy as np
import pytest
import torch

import tkeras
from tkeras import callbacks, layers, losses, metrics, optimizers
from tkeras.layers import Dense, Dropout, Input, Layer

RNG = np.random.RandomState(0)
X = RNG.randn(10, 3).astype("float32")
Y = RNG.randn(10, 2).astype("float32")
W = np.array([[0.1, -0.2], [0.3, 0.4], [-0.5, 0.6]], "float32")
B = np.array([0.1, -0.1], "float32")
OUT = X @ W + B
SW = np.linspace(0.5, 2.0, 10).astype("float32")


def _linear(lr=0.0, metrics_=None, **compile_kwargs):
    inp = Input((3,), name="x")
    dense = Dense(2, name="d")
    model = tkeras.Model(inp, dense(inp))
    dense.set_weights([W, B])
    model.compile(optimizers.SGD(lr=lr), "mse", metrics=metrics_, **compile_kwargs)
    return model


def _mse(out, y):
    return ((out - y) ** 2).mean(-1)


def _two_outputs():
    inp = Input((3,), name="x")
    h = Dense(4, name="h")(inp)
    out1 = Dense(3, activation="softmax", name="out1")(h)
    out2 = Dense(1, name="out2")(h)
    return tkeras.Model(inp, [out1, out2])


# ---------------------------------------------------------------- compile
def test_compile_accepts_strings_and_objects():
    x, y = X, Y
    expected = _mse(OUT, y).mean()
    for optimizer, loss in [("sgd", "mse"), (optimizers.SGD(lr=0.0), losses.MeanSquaredError()),
                            (optimizers.SGD(lr=0.0), losses.mean_squared_error),
                            (optimizers.SGD(lr=0.0), "mean_squared_error")]:
        model = _linear()
        model.compile(optimizer, loss)
        np.testing.assert_allclose(model.evaluate(x, y, verbose=0), expected, rtol=1e-5)


def test_metrics_names_single_output():
    model = _linear(metrics_=["mae", "accuracy"])
    assert model.metrics_names == ["loss", "mae", "accuracy"]


def test_metrics_names_multi_output_follow_keras_2_order():
    model = _two_outputs()
    model.compile("sgd", ["categorical_crossentropy", "mse"], metrics=["accuracy"])
    # tf-keras 2.21 prints exactly this list for the same model.
    assert model.metrics_names == [
        "loss", "out1_loss", "out2_loss", "out1_accuracy", "out2_accuracy"]


def test_per_output_losses_as_list_and_dict_and_loss_weights():
    model = _two_outputs()
    x = RNG.randn(6, 3).astype("float32")
    y1 = np.eye(3)[RNG.randint(0, 3, 6)].astype("float32")
    y2 = RNG.randn(6, 1).astype("float32")
    p1, p2 = model.predict(x)
    cce = -(y1 * np.log(np.clip(p1 / p1.sum(-1, keepdims=True), 1e-7, 1 - 1e-7))).sum(-1).mean()
    mse = ((p2 - y2) ** 2).mean()

    model.compile(optimizers.SGD(lr=0.0), ["categorical_crossentropy", "mse"])
    total, l1, l2 = model.evaluate(x, [y1, y2], verbose=0)
    np.testing.assert_allclose([total, l1, l2], [cce + mse, cce, mse], rtol=1e-5)

    model.compile(optimizers.SGD(lr=0.0), {"out2": "mse", "out1": "categorical_crossentropy"},
                  loss_weights={"out1": 1.0, "out2": 0.5})
    total, l1, l2 = model.evaluate(x, {"out1": y1, "out2": y2}, verbose=0)
    np.testing.assert_allclose([total, l1, l2], [cce + 0.5 * mse, cce, mse], rtol=1e-5)

    model.compile(optimizers.SGD(lr=0.0), ["categorical_crossentropy", "mse"],
                  loss_weights=[0.2, 3.0])
    np.testing.assert_allclose(model.train_on_batch(x, [y1, y2])[0], 0.2 * cce + 3.0 * mse,
                               rtol=1e-5)


def test_per_output_metrics_as_dict():
    model = _two_outputs()
    model.compile("sgd", ["categorical_crossentropy", "mse"], metrics={"out2": ["mae"]})
    assert model.metrics_names == ["loss", "out1_loss", "out2_loss", "out2_mae"]


def test_loss_list_of_wrong_length_raises():
    with pytest.raises(ValueError, match="one entry per model output"):
        model = _two_outputs()
        model.compile("sgd", ["mse"])
        model.metrics_names


# ---------------------------------------------------------------- accuracy resolution
def test_accuracy_for_binary_crossentropy_is_binary_accuracy():
    inp = Input((3,))
    dense = Dense(1, activation="sigmoid")
    model = tkeras.Model(inp, dense(inp))
    wb = np.array([[0.5], [-0.3], [0.2]], "float32")
    dense.set_weights([wb, np.zeros(1, "float32")])
    y = np.array([0, 0, 1, 0, 0, 0, 1, 0, 1, 0], "float32").reshape(10, 1)
    model.compile(optimizers.SGD(lr=0.0), "binary_crossentropy", metrics=["accuracy"])
    p = 1 / (1 + np.exp(-(X @ wb)))
    loss, acc = model.evaluate(X, y, verbose=0)
    np.testing.assert_allclose(acc, ((p > 0.5) == y).mean(), rtol=1e-6)
    pc = np.clip(p, 1e-7, 1 - 1e-7)
    np.testing.assert_allclose(loss, -(y * np.log(pc) + (1 - y) * np.log(1 - pc)).mean(),
                               rtol=1e-5)
    # tf-keras gives [0.7227174, 0.5] for exactly this model and data.
    np.testing.assert_allclose([loss, acc], [0.7227174, 0.5], rtol=1e-5)


def _softmax_model():
    inp = Input((3,))
    dense = Dense(3, activation="softmax")
    model = tkeras.Model(inp, dense(inp))
    wc = np.array([[-0.0282, 0.4283, 0.0665], [0.3025, -0.6343, -0.3627],
                   [-0.6725, -0.3596, -0.8131]], "float32")
    dense.set_weights([wc, np.zeros(3, "float32")])
    return model


def test_accuracy_for_categorical_and_sparse_losses():
    yi = np.array([2, 2, 0, 1, 2, 2, 1, 2, 1, 0])
    yc = np.eye(3)[yi].astype("float32")
    model = _softmax_model()
    pred = model.predict(X)
    expected = (pred.argmax(-1) == yi).mean()
    assert expected not in (0.0, 1.0)

    model.compile(optimizers.SGD(lr=0.0), "categorical_crossentropy", metrics=["acc"])
    assert model.metrics_names == ["loss", "acc"]
    cat_loss, cat_acc = model.evaluate(X, yc, verbose=0)
    model.compile(optimizers.SGD(lr=0.0), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    sparse_loss, sparse_acc = model.evaluate(X, yi, verbose=0)
    np.testing.assert_allclose([cat_acc, sparse_acc], [expected, expected], rtol=1e-6)
    np.testing.assert_allclose(cat_loss, sparse_loss, rtol=1e-5)
    np.testing.assert_allclose(cat_loss, -np.log(pred[np.arange(10), yi]).mean(), rtol=1e-5)
    # Binary accuracy on these one-hot targets would be the element-wise match rate:
    assert cat_acc != pytest.approx(((pred > 0.5) == yc).mean())


# ---------------------------------------------------------------- fit / History
def test_fit_history_values_are_epoch_averages_over_samples():
    model = _linear(metrics_=["mae"])
    history = model.fit(X, Y, batch_size=3, epochs=2, verbose=0, shuffle=False)
    assert isinstance(history, callbacks.History)
    assert history.epoch == [0, 1]
    assert sorted(history.history) == ["loss", "mae"]
    expected_loss = _mse(OUT, Y).mean()
    expected_mae = np.abs(OUT - Y).mean()
    np.testing.assert_allclose(history.history["loss"], [expected_loss] * 2, rtol=1e-5)
    np.testing.assert_allclose(history.history["mae"], [expected_mae] * 2, rtol=1e-5)
    assert model.history is history


def test_fit_history_with_sample_weight_matches_keras():
    model = _linear(metrics_=["mae"], weighted_metrics=["mae"])
    assert model.metrics_names == ["loss", "mae", "weighted_mae"]
    history = model.fit(X, Y, batch_size=3, epochs=1, sample_weight=SW, verbose=0,
                        shuffle=False)
    per = _mse(OUT, Y)
    mae = np.abs(OUT - Y).mean(-1)
    # tf-keras: loss = sum(w * l) / n = 3.7265682; unweighted mae 1.3032061; weighted
    # mae = sum(w * mae) / sum(w) = 1.4255884.
    np.testing.assert_allclose(history.history["loss"], [(per * SW).sum() / 10], rtol=1e-5)
    np.testing.assert_allclose(history.history["mae"], [mae.mean()], rtol=1e-5)
    np.testing.assert_allclose(history.history["weighted_mae"], [(mae * SW).sum() / SW.sum()],
                               rtol=1e-5)
    np.testing.assert_allclose(
        [history.history["loss"][0], history.history["mae"][0],
         history.history["weighted_mae"][0]], [3.7265682, 1.3032061, 1.4255884], rtol=1e-5)


def test_sample_weight_in_train_on_batch():
    model = _linear()
    loss = model.train_on_batch(X, Y, sample_weight=SW)
    np.testing.assert_allclose(loss, (_mse(OUT, Y) * SW).sum() / 10, rtol=1e-5)
    zero_half = np.r_[np.ones(5), np.zeros(5)].astype("float32")
    np.testing.assert_allclose(model.test_on_batch(X, Y, sample_weight=zero_half),
                               _mse(OUT, Y)[:5].sum() / 10, rtol=1e-5)


def test_class_weight_scales_the_loss_per_class():
    inp = Input((3,))
    dense = Dense(1, activation="sigmoid")
    model = tkeras.Model(inp, dense(inp))
    wb = np.array([[0.5], [-0.3], [0.2]], "float32")
    dense.set_weights([wb, np.zeros(1, "float32")])
    y = np.array([0, 0, 1, 0, 0, 0, 1, 0, 1, 0], "float32").reshape(10, 1)
    model.compile(optimizers.SGD(lr=0.0), "binary_crossentropy")
    p = np.clip(1 / (1 + np.exp(-(X @ wb))), 1e-7, 1 - 1e-7)
    bce = -(y * np.log(p) + (1 - y) * np.log(1 - p)).ravel()
    cw = np.where(y.ravel() == 1, 3.0, 1.0)
    loss = model.train_on_batch(X, y, class_weight={0: 1.0, 1: 3.0})
    # tf-keras: 1.0036456 (= sum(cw * bce) / n)
    np.testing.assert_allclose(loss, (bce * cw).sum() / 10, rtol=1e-5)
    np.testing.assert_allclose(loss, 1.0036456, rtol=1e-5)
    history = model.fit(X, y, class_weight={0: 1.0, 1: 3.0}, batch_size=4, epochs=1,
                        verbose=0)
    np.testing.assert_allclose(history.history["loss"], [(bce * cw).sum() / 10], rtol=1e-5)


def test_class_weight_with_one_hot_targets():
    model = _softmax_model()
    model.compile(optimizers.SGD(lr=0.0), "categorical_crossentropy")
    yi = np.array([2, 2, 0, 1, 2, 2, 1, 2, 1, 0])
    pred = model.predict(X)
    ce = -np.log(pred[np.arange(10), yi])
    cw = {0: 0.5, 1: 2.0, 2: 1.0}
    loss = model.train_on_batch(X, np.eye(3)[yi], class_weight=cw)
    np.testing.assert_allclose(loss, (ce * np.array([cw[c] for c in yi])).sum() / 10, rtol=1e-5)


def test_fit_trains_and_changes_weights():
    model = _linear(lr=0.1)
    history = model.fit(X, Y, epochs=5, batch_size=5, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert np.abs(model.get_weights()[0] - W).max() > 0


def test_shuffle_false_is_deterministic():
    def run():
        torch.manual_seed(0)
        model = _linear(lr=0.05)
        model.fit(X, Y, batch_size=3, epochs=2, shuffle=False, verbose=0)
        return model.get_weights()

    a, b = run(), run()
    for wa, wb in zip(a, b):
        np.testing.assert_array_equal(wa, wb)


def test_shuffle_false_follows_sample_order():
    # One SGD step per batch on the first batch only (steps_per_epoch=1): the update is
    # the gradient of the first 4 samples.
    model = _linear(lr=0.1)
    model.fit(X, Y, batch_size=4, epochs=1, steps_per_epoch=1, shuffle=False, verbose=0)
    xb, yb = X[:4], Y[:4]
    grad_w = xb.T @ (2 * (OUT[:4] - yb) / (4 * 2))
    np.testing.assert_allclose(model.get_weights()[0], W - 0.1 * grad_w, rtol=1e-5, atol=1e-6)


def test_validation_split_uses_the_last_fraction():
    model = _linear()
    history = model.fit(X, Y, batch_size=4, epochs=1, validation_split=0.3, verbose=0,
                        shuffle=False)
    # tf-keras: loss 3.0013974 on the first 7 samples, val_loss 1.875086 on the last 3.
    np.testing.assert_allclose(history.history["loss"], [_mse(OUT[:7], Y[:7]).mean()],
                               rtol=1e-5)
    np.testing.assert_allclose(history.history["val_loss"], [_mse(OUT[7:], Y[7:]).mean()],
                               rtol=1e-5)
    np.testing.assert_allclose(history.history["val_loss"], [1.875086], rtol=1e-5)


def test_validation_data_reports_val_metrics():
    model = _linear(metrics_=["mae"])
    xv, yv = X[:4] * 2, Y[:4]
    out_v = xv @ W + B
    history = model.fit(X, Y, epochs=2, validation_data=(xv, yv), verbose=0)
    assert sorted(history.history) == ["loss", "mae", "val_loss", "val_mae"]
    np.testing.assert_allclose(history.history["val_loss"], [_mse(out_v, yv).mean()] * 2,
                               rtol=1e-5)
    np.testing.assert_allclose(history.history["val_mae"], [np.abs(out_v - yv).mean()] * 2,
                               rtol=1e-5)


def test_validation_data_with_sample_weights():
    model = _linear()
    sw = np.array([1.0, 0.0, 0.0, 3.0], "float32")
    history = model.fit(X, Y, epochs=1, validation_data=(X[:4], Y[:4], sw), verbose=0)
    np.testing.assert_allclose(history.history["val_loss"],
                               [(_mse(OUT[:4], Y[:4]) * sw).sum() / 4], rtol=1e-5)


def test_initial_epoch():
    model = _linear()
    history = model.fit(X, Y, epochs=5, initial_epoch=3, verbose=0)
    assert history.epoch == [3, 4]
    assert len(history.history["loss"]) == 2


def test_steps_per_epoch_sets_the_number_of_batches():
    class CountBatches(callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.batches = 0

        def on_train_batch_end(self, batch, logs=None):
            self.batches += 1

    counter = CountBatches()
    _linear().fit(X, Y, epochs=2, batch_size=2, steps_per_epoch=3, verbose=0,
                  callbacks=[counter])
    assert counter.batches == 6
    counter = CountBatches()
    _linear().fit(X, Y, epochs=1, batch_size=3, verbose=0, callbacks=[counter])
    assert counter.batches == 4  # ceil(10 / 3)


def test_steps_per_epoch_on_arrays_continues_where_the_last_epoch_stopped():
    # tf-keras 2.21, same weights and data: epoch 2 trains on samples 24..47, epoch 3 on
    # the partial batch 48..49 and then on the first 16 samples of the next pass.
    rng = np.random.RandomState(0)
    x, y = rng.rand(50, 5).astype("float32"), rng.rand(50, 1).astype("float32")
    model = tkeras.Sequential([Dense(1, input_shape=(5,))])
    init = np.random.RandomState(1)
    model.set_weights([init.randn(*w.shape).astype("float32") * 0.5
                       for w in model.get_weights()])
    model.compile("sgd", "mse")
    history = model.fit(x, y, batch_size=8, steps_per_epoch=3, epochs=3, shuffle=False,
                        verbose=0)
    np.testing.assert_allclose(history.history["loss"], [3.009078, 1.723830, 1.806708],
                               rtol=1e-5)


def test_stop_training_from_a_callback_ends_fit():
    class StopAfterTwo(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                self.model.stop_training = True

    history = _linear().fit(X, Y, epochs=10, verbose=0, callbacks=[StopAfterTwo()])
    assert history.epoch == [0, 1]


def test_stop_training_mid_epoch_from_a_batch_callback():
    class StopAtBatch(callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            self.last = batch
            if batch == 1:
                self.model.stop_training = True

    cb = StopAtBatch()
    history = _linear().fit(X, Y, epochs=3, batch_size=2, verbose=0, callbacks=[cb])
    assert cb.last == 1
    assert history.epoch == [0]


def test_callback_receives_logs_with_metric_values():
    seen = []

    class Record(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append(dict(logs))

    _linear(metrics_=["mae"]).fit(X, Y, epochs=1, verbose=0, callbacks=[Record()])
    assert sorted(seen[0]) == ["loss", "mae"]
    np.testing.assert_allclose(seen[0]["loss"], _mse(OUT, Y).mean(), rtol=1e-5)


# ---------------------------------------------------------------- evaluate / predict
def test_evaluate_returns_a_scalar_without_metrics_and_a_list_with():
    loss = _linear().evaluate(X, Y, batch_size=3, verbose=0)
    assert isinstance(loss, float)
    # tf-keras: 2.6635041 (the mean over all 10 samples, though 3 does not divide 10)
    np.testing.assert_allclose(loss, _mse(OUT, Y).mean(), rtol=1e-5)
    np.testing.assert_allclose(loss, 2.6635041, rtol=1e-5)
    result = _linear(metrics_=["mae"]).evaluate(X, Y, verbose=0)
    assert isinstance(result, list) and len(result) == 2
    np.testing.assert_allclose(result, [_mse(OUT, Y).mean(), np.abs(OUT - Y).mean()],
                               rtol=1e-5)


def test_evaluate_return_dict():
    logs = _linear(metrics_=["mae"]).evaluate(X, Y, verbose=0, return_dict=True)
    assert sorted(logs) == ["loss", "mae"]


def test_predict_batches_that_do_not_divide_the_samples():
    model = _linear()
    for batch_size in (1, 3, 4, 32):
        pred = model.predict(X, batch_size=batch_size)
        assert pred.shape == (10, 2)
        assert isinstance(pred, np.ndarray)
        np.testing.assert_allclose(pred, OUT, rtol=1e-5, atol=1e-6)


def test_predict_multi_output_returns_a_list():
    model = _two_outputs()
    out = model.predict(X, batch_size=4)
    assert isinstance(out, list) and len(out) == 2
    assert out[0].shape == (10, 3) and out[1].shape == (10, 1)


def test_predict_on_batch():
    np.testing.assert_allclose(_linear().predict_on_batch(X), OUT, rtol=1e-5, atol=1e-6)


def test_train_on_batch_and_test_on_batch_return_values():
    model = _linear(lr=0.1, metrics_=["mae"])
    loss, mae = model.test_on_batch(X, Y)
    np.testing.assert_allclose([loss, mae], [_mse(OUT, Y).mean(), np.abs(OUT - Y).mean()],
                               rtol=1e-5)
    # train_on_batch reports the loss of the forward pass before the update.
    before = model.train_on_batch(X, Y)
    np.testing.assert_allclose(before, [loss, mae], rtol=1e-5)
    after = model.test_on_batch(X, Y)
    assert after[0] < loss
    assert isinstance(_linear().train_on_batch(X, Y), float)
    logs = model.test_on_batch(X, Y, return_dict=True)
    assert sorted(logs) == ["loss", "mae"]


def test_torch_tensors_are_accepted_as_data():
    model = _linear()
    xt, yt = torch.tensor(X), torch.tensor(Y)
    np.testing.assert_allclose(model.predict(xt), OUT, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model.evaluate(xt, yt, verbose=0), _mse(OUT, Y).mean(),
                               rtol=1e-5)
    history = model.fit(xt, yt, epochs=1, verbose=0)
    np.testing.assert_allclose(history.history["loss"], [_mse(OUT, Y).mean()], rtol=1e-5)
    np.testing.assert_allclose(model.train_on_batch(xt, yt), _mse(OUT, Y).mean(), rtol=1e-5)


def test_float64_and_integer_data_are_accepted():
    model = _linear()
    np.testing.assert_allclose(model.predict(X.astype("float64")), OUT, rtol=1e-5, atol=1e-6)
    xi = np.arange(6).reshape(2, 3)
    np.testing.assert_allclose(model.predict(xi), xi @ W + B, rtol=1e-5)


# ---------------------------------------------------------------- subclassed models
class Recorder(Layer):
    """Identity layer that records the training flag it is called with."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.flags = []

    def call(self, inputs, training=None):
        self.flags.append(bool(training))
        return inputs


class Scale(Layer):
    def build(self, input_shape):
        self.w = self.add_weight(name="w", shape=(input_shape[-1],), initializer="ones")
        super().build(input_shape)

    def call(self, inputs):
        return inputs * self.w


class TinyNet(tkeras.Model):
    def __init__(self):
        super().__init__(name="tiny_net")
        self.d1 = Dense(4)
        self.drop = Dropout(0.5)
        self.rec = Recorder()
        self.d2 = Dense(1)

    def call(self, inputs, training=None):
        h = self.drop(self.d1(inputs), training=training)
        return self.d2(self.rec(h, training=training))


def test_subclassed_model_honours_the_training_flag():
    model = TinyNet()
    model.compile("sgd", "mse")
    x, y = RNG.rand(8, 4).astype("float32"), RNG.rand(8, 1).astype("float32")
    model.predict(x)
    model.rec.flags.clear()
    model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    assert model.rec.flags == [True, True]
    model.rec.flags.clear()
    model.predict(x)
    model.evaluate(x, y, verbose=0)
    assert model.rec.flags == [False, False]
    # Dropout is off in predict: two predictions agree.
    np.testing.assert_array_equal(model.predict(x), model.predict(x))


def test_subclassed_model_fit_evaluate_predict_with_custom_weights():
    class Net(tkeras.Model):
        def __init__(self):
            super().__init__()
            self.scale = Scale()
            self.out = Dense(1, kernel_initializer="ones", use_bias=False)

        def call(self, inputs, training=None):
            return self.out(self.scale(inputs))

    model = Net()
    model.compile(optimizers.SGD(lr=0.0), "mse", metrics=["mae"])
    x = RNG.rand(6, 3).astype("float32")
    y = RNG.rand(6, 1).astype("float32")
    np.testing.assert_allclose(model.predict(x), x.sum(1, keepdims=True), rtol=1e-5)
    loss, mae = model.evaluate(x, y, verbose=0)
    np.testing.assert_allclose(loss, ((x.sum(1, keepdims=True) - y) ** 2).mean(), rtol=1e-5)
    assert [w.shape for w in model.get_weights()] == [(3,), (3, 1)]
    model.compile(optimizers.SGD(lr=0.1), "mse")
    model.fit(x, y, epochs=2, verbose=0)
    assert np.abs(model.scale.get_weights()[0] - 1).max() > 0


def test_subclassed_model_whose_call_takes_only_inputs():
    class Plain(tkeras.Model):
        def __init__(self):
            super().__init__()
            self.d = Dense(2)

        def call(self, inputs):
            return self.d(inputs)

    model = Plain()
    model.compile("sgd", "mse")
    x = RNG.rand(4, 3).astype("float32")
    assert model.predict(x).shape == (4, 2)
    model.fit(x, RNG.rand(4, 2).astype("float32"), epochs=1, verbose=0)


SUBCLASS_SUMMARY = """\
Model: "tiny_net"
_________________________________________________________________
Layer (type)                 Output Shape              Param #
=================================================================
dense_1 (Dense)              multiple                  20
_________________________________________________________________
dropout_1 (Dropout)          multiple                  0
_________________________________________________________________
recorder_1 (Recorder)        multiple                  0
_________________________________________________________________
dense_2 (Dense)              multiple                  5
=================================================================
Total params: 25
Trainable params: 25
Non-trainable params: 0
_________________________________________________________________"""


def test_subclassed_model_summary_after_build():
    model = TinyNet()
    with pytest.raises(ValueError, match="has not yet been built"):
        model.summary()
    model.predict(RNG.rand(2, 4).astype("float32"))
    lines = []
    model.summary(print_fn=lines.append)
    # Keras 2 treats a subclassed model as a plain stack: the 65-column table with
    # 'multiple' output shapes and no 'Connected to' column.
    assert [l.rstrip() for l in lines] == SUBCLASS_SUMMARY.split("\n")


def test_subclassed_model_build_with_input_shape():
    model = TinyNet()
    model.build((None, 4))
    assert model.built
    assert [w.shape for w in model.get_weights()] == [(4, 4), (4,), (4, 1), (1,)]


# ---------------------------------------------------------------- GAN idiom
def test_gan_idiom_trains_each_model_as_compiled():
    generator = tkeras.Sequential([Dense(4, input_shape=(2,))], name="G")
    discriminator = tkeras.Sequential([Dense(1, input_shape=(4,), activation="sigmoid")],
                                      name="D")
    discriminator.compile(optimizers.SGD(lr=0.1), "binary_crossentropy")
    discriminator.trainable = False
    z = Input((2,))
    combined = tkeras.Model(z, discriminator(generator(z)))
    combined.compile(optimizers.SGD(lr=0.1), "binary_crossentropy")

    real = RNG.rand(8, 4).astype("float32")
    ones = np.ones((8, 1), "float32")
    noise = RNG.rand(8, 2).astype("float32")

    d0 = discriminator.get_weights()
    discriminator.train_on_batch(real, ones)
    d1 = discriminator.get_weights()
    assert any(np.abs(a - b).max() > 0 for a, b in zip(d0, d1))

    g0 = generator.get_weights()
    combined.train_on_batch(noise, ones)
    d2 = discriminator.get_weights()
    g1 = generator.get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(d1, d2))
    assert any(np.abs(a - b).max() > 0 for a, b in zip(g0, g1))

    # ... and the discriminator still trains through its own compile.
    discriminator.train_on_batch(real, ones)
    assert any(np.abs(a - b).max() > 0 for a, b in zip(d2, discriminator.get_weights()))
    assert len(combined.trainable_weights) == 2


# ---------------------------------------------------------------- progress output
def test_verbose_1_prints_a_progress_bar_per_epoch(capsys):
    _linear(metrics_=["mae"]).fit(X, Y, epochs=2, batch_size=4, verbose=1)
    out = capsys.readouterr().out
    assert out.startswith("Epoch 1/2\n")
    assert "Epoch 2/2\n" in out
    final_lines = [l.split("\r")[-1] for l in out.split("\n") if "\r" in l]
    assert len(final_lines) == 2
    for line in final_lines:
        assert line.startswith("3/3 [==============================]")
        assert " - loss: " in line and " - mae: " in line


def test_verbose_2_prints_one_line_per_epoch(capsys):
    _linear().fit(X, Y, epochs=3, batch_size=4, verbose=2, validation_split=0.2)
    lines = [l for l in capsys.readouterr().out.split("\n") if l]
    assert lines[0::2] == ["Epoch 1/3", "Epoch 2/3", "Epoch 3/3"]
    for line in lines[1::2]:
        assert "\r" not in line and "\b" not in line
        assert " - loss: " in line and " - val_loss: " in line
    assert len(lines) == 6


def test_verbose_0_prints_nothing(capsys):
    _linear().fit(X, Y, epochs=2, verbose=0)
    _linear().evaluate(X, Y, verbose=0)
    _linear().predict(X)
    assert capsys.readouterr().out == ""


def test_loss_value_in_progress_output_matches_history(capsys):
    history = _linear().fit(X, Y, epochs=1, batch_size=4, verbose=2)
    line = [l for l in capsys.readouterr().out.split("\n") if "loss:" in l][0]
    shown = float(line.split("loss: ")[1].split()[0])
    assert shown == pytest.approx(history.history["loss"][0], abs=1e-4)
