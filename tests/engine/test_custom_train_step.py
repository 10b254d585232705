"""Overriding `train_step` / `test_step` / `predict_step` in a subclassed Model
(tf.keras 2.x style), with the numbers of tf-keras 2.21 for the same model."""
import numpy as np
import pytest
import torch

import tkeras as keras


def _data():
    rng = np.random.RandomState(0)
    x = rng.rand(32, 3).astype("float32")
    y = x @ np.array([[1.0], [2.0], [-1.0]], "float32")
    return x, y


class _Linear(keras.Model):
    def __init__(self):
        super().__init__()
        self.d = keras.layers.Dense(1, kernel_initializer="ones")

    def call(self, x):
        return self.d(x)


class TfStyle(_Linear):
    def train_step(self, data):
        x, y = data
        y_pred = self(x, training=True)
        loss = self.compiled_loss(y, y_pred, regularization_losses=self.losses)
        self.optimizer.minimize(loss, self.trainable_variables)
        self.compiled_metrics.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}


def test_tf_style_train_step_matches_tf_keras():
    x, y = _data()
    model = TfStyle()
    model.compile(keras.optimizers.SGD(0.1), "mse", metrics=["mae"])
    history = model.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
    # tf-keras 2.21, same model written with tf.GradientTape.
    np.testing.assert_allclose(history.history["loss"],
                               [0.5544995665550232, 0.34006011486053467, 0.289880633354187],
                               rtol=1e-5)
    np.testing.assert_allclose(history.history["mae"],
                               [0.635961651802063, 0.49310919642448425, 0.4523463845252991],
                               rtol=1e-5)
    np.testing.assert_allclose(model.get_weights()[0].ravel(),
                               [0.82327145, 1.1009231, 0.49952963], rtol=1e-5)
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0),
                               [0.2636731266975403, 0.43098458647727966], rtol=1e-5)
    assert model.metrics_names == ["loss", "mae"]


def test_torch_style_and_keras3_style_train_steps_train():
    x, y = _data()

    class TorchStyle(_Linear):
        def train_step(self, data):
            x, y = data
            loss = torch.nn.functional.mse_loss(self(x, training=True), y)
            self.zero_grad()
            loss.backward()
            self.optimizer.step()
            return {"loss": loss.detach()}

    class Keras3Style(_Linear):
        def train_step(self, data):
            x, y = data
            y_pred = self(x, training=True)
            loss = self.compute_loss(x, y, y_pred)
            self.zero_grad()
            loss.backward()
            weights = self.trainable_weights
            self.optimizer.apply([w.grad for w in weights], weights)
            return self.compute_metrics(x, y, y_pred, None)

    for cls in (TorchStyle, Keras3Style):
        model = cls()
        model.compile(keras.optimizers.SGD(0.1), "mse")
        losses = model.fit(x, y, batch_size=8, epochs=3, shuffle=False,
                           verbose=0).history["loss"]
        assert losses[-1] < losses[0]
    # Both are the same SGD as TfStyle: same final weights.
    ref = TfStyle()
    ref.compile(keras.optimizers.SGD(0.1), "mse")
    ref.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
    np.testing.assert_allclose(model.get_weights()[0], ref.get_weights()[0], rtol=1e-5)


class GAN(keras.Model):
    """The Keras guide's GAN shape: no `call`, two optimizers, own metrics."""

    def __init__(self):
        super().__init__()
        self.generator = keras.Sequential([keras.layers.Dense(3, input_shape=(2,))])
        self.discriminator = keras.Sequential(
            [keras.layers.Dense(1, activation="sigmoid", input_shape=(3,))])
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")

    def compile(self, d_optimizer, g_optimizer):
        super().compile()
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker]

    def train_step(self, real):
        n = real.shape[0]
        bce = keras.losses.BinaryCrossentropy()
        fake = self.generator(torch.randn(n, 2))
        d_loss = bce(torch.ones(n, 1), self.discriminator(real)) + \
            bce(torch.zeros(n, 1), self.discriminator(fake.detach()))
        self.d_optimizer.minimize(d_loss, self.discriminator.trainable_weights)
        g_loss = bce(torch.ones(n, 1), self.discriminator(self.generator(torch.randn(n, 2))))
        self.g_optimizer.minimize(g_loss, self.generator.trainable_weights)
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        return {m.name: m.result() for m in self.metrics}


def test_gan_train_step_with_two_optimizers_and_reset_trackers(capsys):
    x, _ = _data()
    gan = GAN()
    gan.compile(keras.optimizers.Adam(1e-2), keras.optimizers.Adam(1e-2))
    before = [w.copy() for w in gan.get_weights()]
    history = gan.fit(x, batch_size=8, epochs=2, verbose=2)
    assert list(history.history) == ["d_loss", "g_loss"]
    assert "d_loss:" in capsys.readouterr().out
    assert all(np.abs(a - b).max() > 0 for a, b in zip(before, gan.get_weights()))
    # Trackers are reset at each epoch start: 4 batches folded per epoch.
    assert float(gan.d_loss_tracker.count) == 4.0


def test_data_structure_given_to_steps_and_custom_test_and_predict_steps():
    x, y = _data()
    seen = []

    class Probe(_Linear):
        def train_step(self, data):
            seen.append(type(data).__name__ if not isinstance(data, tuple) else len(data))
            return {"a": torch.tensor(1.0), "b": 2}

        def test_step(self, data):
            x, y = data
            return {"t": torch.mean(self(x) * 0 + 3.0)}

        def predict_step(self, data):
            return {"double": self(data) * 2, "ones": torch.ones(data.shape[0])}

    model = Probe()
    model.compile("sgd")
    assert model.fit(x, verbose=0).history == {"a": [1.0], "b": [2]}
    model.fit(x, y, verbose=0)
    model.fit(x, y, sample_weight=np.ones(32), verbose=0)
    assert seen[0] == "Tensor" and seen[-1] == 3 and 2 in seen
    history = model.fit(x, y, validation_data=(x, y), verbose=0)
    assert history.history["val_t"] == [3.0]
    assert model.evaluate(x, y, verbose=0) == 3.0
    assert model.evaluate(x, y, verbose=0, return_dict=True) == {"t": 3.0}
    out = model.predict(x, batch_size=10)
    assert out["double"].shape == (32, 1) and out["ones"].shape == (32,)
    np.testing.assert_allclose(out["double"], 2 * model.d(torch.from_numpy(x)).detach().numpy(),
                               rtol=1e-6)


def test_custom_train_step_from_a_generator_and_train_on_batch():
    x, y = _data()

    def gen():
        while True:
            for i in range(0, 32, 8):
                yield x[i:i + 8], y[i:i + 8]

    model = TfStyle()
    model.compile(keras.optimizers.SGD(0.1), "mse")
    history = model.fit(gen(), steps_per_epoch=4, epochs=3, verbose=0)
    np.testing.assert_allclose(history.history["loss"],
                               [0.5544995665550232, 0.34006011486053467, 0.289880633354187],
                               rtol=1e-5)
    loss = model.train_on_batch(x, y)
    assert isinstance(loss, float)


def test_super_train_step_and_bad_return_type():
    x, y = _data()

    class Wrapper(_Linear):
        def train_step(self, data):
            logs = super().train_step(data)
            logs["extra"] = 1.0
            return logs

    model = Wrapper()
    model.compile(keras.optimizers.SGD(0.1), "mse", metrics=["mae"])
    history = model.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
    np.testing.assert_allclose(history.history["loss"],
                               [0.5544995665550232, 0.34006011486053467, 0.289880633354187],
                               rtol=1e-5)
    assert list(history.history) == ["loss", "mae", "extra"]

    class Bad(_Linear):
        def train_step(self, data):
            return 1.0

    bad = Bad()
    bad.compile("sgd")
    with pytest.raises(TypeError, match="must return a dict of logs"):
        bad.fit(x, y, verbose=0)
    with pytest.raises(ValueError, match="Data cardinality is ambiguous"):
        bad.fit(x, y[:10], verbose=0)


def test_optimizer_apply_gradients_maps_keras_layout_weights():
    # Conv kernels are stored in torch layout; their Keras-layout views still train.
    model = keras.Sequential([keras.layers.Conv2D(2, 3, input_shape=(5, 5, 1)),
                              keras.layers.Flatten(), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(0.1), "mse")
    kernel = model.trainable_variables[0]
    before = kernel.detach().clone()
    grads = [torch.ones_like(v) for v in model.trainable_variables]
    model.optimizer.apply_gradients(zip(grads, model.trainable_variables))
    np.testing.assert_allclose(model.get_weights()[0], before.numpy() - 0.1, rtol=1e-6)
    with pytest.raises(ValueError, match="not a trainable weight"):
        model.optimizer.apply_gradients([(torch.ones(3), torch.zeros(3))])


# ------------------------------------------------ custom model on a functional graph
class GraphWithStep(keras.Model):
    """tf.keras's guide pattern: subclass Model for `train_step`, build it with
    `GraphWithStep(inputs, outputs)`."""

    train_step = TfStyle.train_step


def _graph_with_step():
    inputs = keras.Input(shape=(32,))
    h = keras.layers.Dense(8, activation="relu",
                           kernel_regularizer=keras.regularizers.l2(0.01))(inputs)
    model = GraphWithStep(inputs, keras.layers.Dense(1)(h))
    model.add_loss(0.1 * keras.backend.mean(h))
    init = np.random.RandomState(1)
    model.set_weights([init.randn(*w.shape).astype("float32") * 0.3
                       for w in model.get_weights()])
    return model


def test_subclass_built_from_inputs_and_outputs_is_a_graph_model_with_its_train_step():
    model = _graph_with_step()
    assert isinstance(model, GraphWithStep) and type(model).__name__ == "GraphWithStep"
    # (then the op layers of the added loss, as tf-keras's TFOpLambda layers)
    assert [type(l).__name__ for l in model.layers][:3] == ["InputLayer", "Dense", "Dense"]
    assert model.count_params() == 32 * 8 + 8 + 8 + 1
    model.compile(keras.optimizers.SGD(0.05), "mse", metrics=["mae"])
    rng = np.random.RandomState(0)
    x = rng.random((64, 32)).astype("float32")
    y = rng.random((64, 1)).astype("float32")
    history = model.fit(x, y, epochs=3, batch_size=16, shuffle=False, verbose=0)
    # tf-keras 2.21, same weights: `self.losses` holds the l2 penalty and the added loss.
    np.testing.assert_allclose(history.history["loss"], [0.489456, 0.364698, 0.358157],
                               rtol=1e-5)
    np.testing.assert_allclose(history.history["mae"], [0.337229, 0.240893, 0.239286],
                               rtol=1e-5)
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0), [0.353160, 0.236849],
                               rtol=1e-5)


def test_subclass_init_may_forward_inputs_and_outputs_or_stay_subclassed():
    class Tagged(keras.Model):
        def __init__(self, inputs, outputs, tag):
            super().__init__(inputs, outputs)
            self.tag = tag

    class TwoArgs(keras.Model):  # two arguments of its own: not a graph
        def __init__(self, units, scale):
            super().__init__()
            self.d = keras.layers.Dense(units)
            self.scale = scale

        def call(self, x):
            return self.d(x) * self.scale

    inp = keras.Input((3,))
    tagged = Tagged(inp, keras.layers.Dense(2)(inp), tag="t")
    assert tagged.tag == "t" and len(tagged.layers) == 2
    assert tagged.predict(np.ones((1, 3), "float32")).shape == (1, 2)
    two = TwoArgs(4, 2.0)
    assert two.predict(np.ones((1, 3), "float32")).shape == (1, 4)


def test_graph_subclass_pickles_into_a_new_process(tmp_path):
    import subprocess
    import sys

    (tmp_path / "user_models.py").write_text(
        "import tkeras as keras\n\n"
        "class GraphModel(keras.Model):\n"
        "    def predict_step(self, data):\n"
        "        return self(data, training=False) * 10\n")
    save = (
        "import numpy as np, torch, tkeras as keras, user_models\n"
        "inp = keras.Input((3,))\n"
        "m = user_models.GraphModel(inp, keras.layers.Dense(2, kernel_initializer='ones')(inp))\n"
        "m.compile('sgd', 'mse')\n"
        "torch.save(m, 'model.pt')\n")
    load = (
        "import numpy as np, torch, user_models\n"
        "m = torch.load('model.pt', weights_only=False)\n"
        "assert isinstance(m, user_models.GraphModel)\n"
        "print(m.predict(np.ones((1, 3), 'float32')).tolist())\n")
    for code in (save, load):
        proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path,
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "[[30.0, 30.0]]"
