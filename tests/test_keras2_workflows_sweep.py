"""Behaviours found by running Keras 2 workflows (functional API depth, custom layers,
training options, backend functions in custom losses/metrics) side by side on tf-keras
2.21 and tkeras with the same initial weights. Expected values are tf-keras 2.21's, or
NumPy oracles of what it computes.
"""
import copy
import io

import numpy as np
import pytest
import torch

import tkeras as keras
from tkeras import backend as K
from tkeras.layers import LSTM, Dense, Embedding, Input, Layer
from tkeras.models import Model, Sequential


@pytest.fixture(autouse=True)
def _seeded():
    np.random.seed(0)
    torch.manual_seed(0)


# ------------------------------------------------- masks through nested models
def _nested_masked_model():
    inner = Sequential([LSTM(4, return_sequences=True, name="x")], name="inner")
    ii = Input((None, 3))
    mid = Model(ii, Dense(3, name="dd")(inner(ii)), name="mid")
    tok = Input((None,), dtype="int32")
    emb = Embedding(12, 3, mask_zero=True, name="temb")(tok)
    tm = mid(emb)
    top = Model(tok, LSTM(2, name="final")(tm))
    return top, mid, emb, tm


def test_mask_flows_into_and_out_of_a_nested_model():
    top, mid, emb, tm = _nested_masked_model()
    # Keras 2: the nested model passes the Embedding mask to its layers and its output
    # carries the mask on to the last LSTM (tf-keras 2.21: mid.compute_mask is not None).
    assert tm._keras_mask is not None
    assert mid.compute_mask(emb, emb._keras_mask) is not None
    padded = np.array([[1, 2, 3, 0, 0], [5, 6, 7, 8, 9]])
    out_padded = top.predict(padded, verbose=0)
    # Oracle: masked (post-padded) steps are skipped, so the padded row gives what the
    # unpadded sequence gives.
    out_short = top.predict(np.array([[1, 2, 3]]), verbose=0)
    np.testing.assert_allclose(out_padded[:1], out_short, rtol=1e-5, atol=1e-6)
    # Eager: the mask of a masked tensor, and an explicit `mask=`, reach the inner LSTM.
    x = np.random.rand(2, 5, 3).astype("float32")
    m = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)
    eager = mid(torch.from_numpy(x), mask=torch.from_numpy(m))
    assert torch.equal(eager._keras_mask, torch.from_numpy(m))
    short = mid(torch.from_numpy(x[:1, :3]))
    np.testing.assert_allclose(eager[:1, :3].detach().numpy(), short.detach().numpy(),
                               rtol=1e-5, atol=1e-6)


# ---------------------------------------------- outputs without loss or target
def _two_outputs():
    x = Input((4,))
    model = Model(x, [Dense(3, name="p")(x), Dense(2, name="q")(x)])
    rng = np.random.RandomState(4)
    model.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype("float32")
                       for w in model.get_weights()])
    return model


_X = np.random.RandomState(2).rand(8, 4).astype("float32")
_Y = np.random.RandomState(3).rand(8, 3).astype("float32")


def test_output_with_loss_none_and_target_none_trains_and_evaluates():
    model = _two_outputs()
    model.compile("sgd", ["mse", None], metrics=["mae"])
    p = model.predict(_X, verbose=0)[0]
    values = model.evaluate(_X, [_Y, None], verbose=0)
    assert model.metrics_names == ["loss", "p_loss", "p_mae", "q_mae"]
    mse = np.mean((p - _Y) ** 2)
    np.testing.assert_allclose(values, [mse, mse, np.mean(np.abs(p - _Y)), 0.0], rtol=1e-5)
    history = model.fit(_X, [_Y, None], epochs=2, batch_size=4, shuffle=False, verbose=0)
    # tf-keras 2.21 with the same weights.
    np.testing.assert_allclose(history.history["loss"], [0.36435025930404663, 0.35184067487716675],
                               rtol=1e-5)
    np.testing.assert_allclose(history.history["p_mae"], [0.484361857175827, 0.4758835434913635],
                               rtol=1e-5)
    assert history.history["q_mae"] == [0.0, 0.0]


def test_output_left_out_of_the_targets_gets_no_loss():
    model = _two_outputs()
    model.compile("sgd", ["mse", "mse"], metrics=["mae"])
    p = model.predict(_X, verbose=0)[0]
    mse = np.mean((p - _Y) ** 2)
    # tf-keras 2.21: q_loss and q_mae are 0 when 'q' has no target data.
    np.testing.assert_allclose(model.evaluate(_X, {"p": _Y}, verbose=0),
                               [mse, mse, 0.0, np.mean(np.abs(p - _Y)), 0.0], rtol=1e-5)
    with pytest.raises(ValueError, match="unexpected keys"):
        model.evaluate(_X, {"p": _Y, "zz": _Y}, verbose=0)


# ------------------------------------------------ metric names and their order
def test_weighted_metrics_are_listed_per_output_and_prefixed_only_on_clash():
    i = Input((5,))
    h = Dense(6, activation="tanh")(i)
    model = Model(i, [Dense(3, activation="softmax", name="a")(h),
                      Dense(1, activation="sigmoid", name="b")(h), Dense(2, name="c")(h)])
    model.compile("sgd", ["categorical_crossentropy", "binary_crossentropy", "mse"],
                  metrics={"a": ["accuracy"], "b": ["AUC"], "c": ["mae", "mse"]},
                  weighted_metrics=["mse"])
    # tf-keras 2.21's model.metrics_names after fit.
    assert model.metrics_names == ["loss", "a_loss", "b_loss", "c_loss", "a_accuracy", "a_mse",
                                   "b_auc", "b_mse", "c_mae", "c_mse", "c_weighted_mse"]
    x = np.random.rand(6, 5).astype("float32")
    ys = [np.eye(3)[[0, 1, 2, 0, 1, 2]].astype("float32"),
          np.array([[0], [1], [0], [1], [1], [0]], "float32"), np.random.rand(6, 2)]
    logs = model.evaluate(x, ys, verbose=0, return_dict=True)
    assert list(logs) == model.metrics_names
    assert logs["c_mse"] == pytest.approx(logs["c_weighted_mse"], rel=1e-6)


class _Power(keras.losses.Loss):
    def __init__(self, power=2.0, **kwargs):
        super().__init__(**kwargs)
        self.power = power

    def call(self, y_true, y_pred):
        return K.mean(K.abs(y_true - y_pred) ** self.power, axis=-1)


def test_loss_object_as_metric_is_named_by_its_name():
    model = Sequential([Dense(2, input_shape=(3,))])
    model.compile("sgd", "mse", metrics=[_Power(1.0, name="l1"), keras.losses.Huber()])
    assert model.metrics_names == ["loss", "l1", "huber_loss"]


# --------------------------------------------------------- reduction='none'
def test_loss_with_reduction_none_reports_the_mean_and_steps_on_the_sum():
    x = np.random.RandomState(0).rand(4, 5).astype("float32")
    y = np.eye(3, dtype="float32")[[0, 2, 1, 1]]
    weights = [np.random.RandomState(1).uniform(-0.5, 0.5, (5, 3)).astype("float32"),
               np.array([0.1, -0.2, 0.05], "float32")]
    models = {}
    for reduction in ("none", "sum"):
        m = Sequential([Dense(3, activation="softmax", input_shape=(5,))])
        m.compile(keras.optimizers.SGD(0.05),
                  keras.losses.CategoricalCrossentropy(reduction=reduction))
        m.set_weights(weights)
        models[reduction] = m
    p = models["none"].predict(x, verbose=0)
    per_sample = -np.log(np.clip((p * y).sum(-1), 1e-7, 1))
    assert models["none"].train_on_batch(x, y) == pytest.approx(per_sample.mean(), rel=1e-5)
    models["sum"].train_on_batch(x, y)
    # tf.keras differentiates a non-scalar loss as its sum.
    for a, b in zip(models["none"].get_weights(), models["sum"].get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


# ------------------------------------------- tf.Variable-style weight updates
class _Counter(Layer):
    def build(self, input_shape):
        self.n = self.add_weight("n", shape=(), initializer="zeros", trainable=False)
        self.scale = self.add_weight("scale", shape=(), initializer="ones")

    def call(self, x, training=None):
        if training:
            self.n.assign_add(1.0)
        return x * self.scale


class _TruePositives(keras.metrics.Metric):
    """The custom metric of the tf.keras 2 guide."""

    def __init__(self, name="tp", **kwargs):
        super().__init__(name=name, **kwargs)
        self.true_positives = self.add_weight(name="tp", initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        values = K.cast(K.equal(y_true, 1.0), "float32") * K.cast(K.greater(y_pred, 0.5),
                                                                 "float32")
        self.true_positives.assign_add(K.sum(values))

    def result(self):
        return self.true_positives


def test_weights_and_metric_state_have_tf_variable_assign_methods():
    counter = _Counter()
    x = Input((2,))
    model = Model(x, Dense(1)(counter(x)))
    model.compile("sgd", "mse", metrics=[_TruePositives()])
    xs, ys = np.ones((6, 2), "float32"), np.ones((6, 1), "float32")
    model.fit(xs, ys, batch_size=2, epochs=2, verbose=0)
    model.predict(xs, verbose=0)
    assert K.get_value(counter.n) == 6.0  # tf-keras 2.21: one per training batch
    counter.scale.assign(2.0)
    assert counter.get_weights()[0] == 2.0
    n_view = [w for w in model.weights if w.name.endswith("/n:0")][0]
    n_view.assign_sub(4.0)  # the non-trainable weight, through model.weights
    assert K.get_value(counter.n) == 2.0
    preds = model.predict(xs, verbose=0)
    tp = model.evaluate(xs, ys, verbose=0)[1]
    assert tp == float((preds > 0.5).sum())
    # Copies, moves and state_dict keep working.
    clone = copy.deepcopy(model)
    clone.get_layer(counter.name).n.assign_add(1.0)
    assert K.get_value(counter.n) == 2.0
    model.to(torch.float64).to(torch.float32)
    counter.n.assign_add(1.0)
    assert K.get_value(counter.n) == 3.0
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    buffer.seek(0)
    state = torch.load(buffer, weights_only=True)
    assert all(type(t) in (torch.Tensor, torch.nn.Parameter) for t in state.values())
    v = K.variable(np.zeros(2, "float32"))
    v.assign_add(np.ones(2, "float32"))
    np.testing.assert_array_equal(K.get_value(v), [1.0, 1.0])
