"""`add_metric` in functional models, subclassed models' `call` and layers: the values
show in History, the progress bar, `evaluate` and `metrics_names` as in tf.keras 2.x
(reference numbers from tf-keras 2.21 on the same data)."""
import numpy as np
import pytest

import tkeras as keras
from tkeras import backend as K


def _data():
    rng = np.random.RandomState(0)
    return rng.rand(10, 3).astype("float32"), rng.rand(10, 1).astype("float32")


def test_functional_add_metric_mean_of_tensor_and_of_batch_scalars(capsys):
    x, y = _data()
    inp = keras.Input((3,))
    h = keras.layers.Dense(4, name="d1")(inp)
    out = keras.layers.Dense(1, name="d2")(h)
    model = keras.Model(inp, out)
    model.add_metric(K.sum(h), name="hsum")     # a scalar per batch: mean over batches
    model.add_metric(h, name="hmean")           # a tensor: mean over every element
    model.compile("sgd", "mse", metrics=["mae"])
    history = model.fit(x, y, batch_size=4, epochs=1, verbose=2)
    assert list(history.history) == ["loss", "mae", "hsum", "hmean"]
    assert "hsum:" in capsys.readouterr().out
    assert model.metrics_names == ["loss", "mae", "hsum", "hmean"]
    assert [m.name for m in model.metrics] == model.metrics_names

    values = model.evaluate(x, y, batch_size=4, verbose=0)
    hidden = keras.Model(inp, h).predict(x)
    batch_sums = [hidden[i:i + 4].sum() for i in range(0, 10, 4)]
    np.testing.assert_allclose(values[2], np.mean(batch_sums), rtol=1e-5)
    np.testing.assert_allclose(values[3], hidden.mean(), rtol=1e-5)
    logs = model.evaluate(x, y, batch_size=4, verbose=0, return_dict=True)
    assert logs["hmean"] == pytest.approx(values[3])


class _MeanOfInputs(keras.layers.Layer):
    def call(self, x):
        self.add_metric(K.mean(x), name="lmean")
        return x


class _Sub(keras.Model):
    def __init__(self):
        super().__init__()
        self.d = keras.layers.Dense(1)
        self.inner = _MeanOfInputs()

    def call(self, x):
        self.add_metric(K.max(x), name="xmax")
        return self.d(self.inner(x))


def test_subclassed_and_layer_add_metric_in_history_validation_and_evaluate():
    x, y = _data()
    model = _Sub()
    model.compile("sgd", "mse", metrics=["mae"])
    assert model.metrics_names == []  # as tf.keras: known once the model has run
    history = model.fit(x, y, batch_size=4, epochs=1, verbose=0, validation_data=(x, y))
    assert list(history.history) == ["loss", "mae", "xmax", "lmean",
                                      "val_loss", "val_mae", "val_xmax", "val_lmean"]
    # Data-only values: tf-keras 2.21 gives exactly these on this data.
    assert history.history["val_xmax"][0] == pytest.approx(0.9623166918754578, rel=1e-6)
    assert history.history["val_lmean"][0] == pytest.approx(0.5615649223327637, rel=1e-6)
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    assert logs["xmax"] == pytest.approx(0.978618323802948, rel=1e-6)
    assert logs["lmean"] == pytest.approx(0.5811203122138977, rel=1e-6)
    assert model.metrics_names == ["loss", "mae", "xmax", "lmean"]


def test_add_metric_of_a_stateful_metric_and_metric_attributes_are_tracked():
    x, y = _data()

    class Model(keras.Model):
        def __init__(self):
            super().__init__()
            self.d = keras.layers.Dense(1)
            self.pred_mean = keras.metrics.Mean(name="pred_mean")
            self.tracked = keras.metrics.Sum(name="tracked")

        def call(self, x):
            out = self.d(x)
            self.add_metric(self.pred_mean(out))
            return out

    model = Model()
    model.compile("sgd", "mse")
    assert [m.name for m in model.metrics] == ["pred_mean", "tracked"]
    history = model.fit(x, y, batch_size=4, verbose=0)
    assert list(history.history) == ["loss", "pred_mean", "tracked"]
    assert history.history["tracked"] == [0.0]
    # The metric never holds gradient history.
    assert not model.pred_mean.result().requires_grad


def test_add_metric_without_name_is_refused_with_keras_message():
    class Model(keras.Model):
        def __init__(self):
            super().__init__()
            self.d = keras.layers.Dense(1)

        def call(self, x):
            self.add_metric(K.max(x))
            return self.d(x)

    model = Model()
    model.compile("sgd", "mse")
    x, y = _data()
    with pytest.raises(ValueError, match="Please provide a name for your metric"):
        model.fit(x, y, verbose=0)
    inp = keras.Input((3,))
    functional = keras.Model(inp, keras.layers.Dense(1)(inp))
    with pytest.raises(ValueError, match="Please provide a name"):
        functional.add_metric(functional.output)
    with pytest.raises(ValueError, match="aggregation='sum'"):
        functional.add_metric(functional.output, name="o", aggregation="sum")


def test_add_metric_resets_each_epoch_and_works_with_train_on_batch():
    x, y = _data()
    inp = keras.Input((3,))
    out = keras.layers.Dense(1, kernel_initializer="zeros")(inp)
    model = keras.Model(inp, out)
    model.add_metric(K.sum(inp), name="xsum")
    model.compile("sgd", "mse")
    history = model.fit(x, y, batch_size=10, epochs=2, verbose=0)
    assert history.history["xsum"] == pytest.approx([x.sum()] * 2, rel=1e-5)
    logs = model.train_on_batch(x[:5], y[:5], return_dict=True)
    assert logs["xsum"] == pytest.approx(x[:5].sum(), rel=1e-5)
