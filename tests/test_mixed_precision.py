"""Mixed precision policies: float32 weights, 16-bit computation under autocast,
float32 outputs from a `dtype='float32'` last layer, loss scaling for float16."""
import numpy as np
import pytest
import torch

import tkeras as keras
from tkeras import mixed_precision


@pytest.fixture(autouse=True)
def _reset_policy():
    yield
    mixed_precision.set_global_policy(None)


def test_policy_objects_and_global_policy():
    p = mixed_precision.Policy("mixed_float16")
    assert (p.name, p.compute_dtype, p.variable_dtype) == ("mixed_float16", "float16", "float32")
    assert mixed_precision.global_policy().name == "float32"
    mixed_precision.set_global_policy("mixed_bfloat16")
    assert mixed_precision.global_policy() == mixed_precision.Policy("mixed_bfloat16")
    with pytest.raises(ValueError, match="Cannot convert value 'mixed_int8'"):
        mixed_precision.Policy("mixed_int8")
    with pytest.raises(ValueError, match="floating-point policies"):
        mixed_precision.set_global_policy("int32")


def _model():
    inp = keras.Input((8,))
    h = keras.layers.Dense(16, activation="relu")(inp)
    h = keras.layers.BatchNormalization()(h)
    out = keras.layers.Dense(2, activation="softmax", dtype="float32")(h)
    return keras.Model(inp, out)


def _data():
    rng = np.random.RandomState(0)
    x = rng.rand(64, 8).astype("float32")
    return x, (x.sum(1) > 4).astype("int64")


def test_mixed_bfloat16_layers_compute_in_bfloat16_with_float32_weights():
    mixed_precision.set_global_policy("mixed_bfloat16")
    dense = keras.layers.Dense(4)
    last = keras.layers.Dense(2, activation="softmax", dtype="float32")
    h = dense(np.ones((3, 5), "float32"))
    assert h.dtype == torch.bfloat16 and dense.kernel.dtype == torch.float32
    assert (dense.dtype, dense.compute_dtype) == ("float32", "bfloat16")
    assert last(h).dtype == torch.float32
    assert dense.get_config()["dtype"]["config"]["name"] == "mixed_bfloat16"
    # A layer's dtype= takes a policy name or a Policy.
    assert keras.layers.Dense(2, dtype=mixed_precision.Policy("float32")).compute_dtype == "float32"


def test_mixed_bfloat16_model_trains_close_to_float32():
    x, y = _data()
    torch.manual_seed(0)
    ref = _model()
    weights = ref.get_weights()
    ref.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    ref_loss = ref.fit(x, y, epochs=3, batch_size=16, shuffle=False, verbose=0).history["loss"]

    mixed_precision.set_global_policy("mixed_bfloat16")
    model = _model()
    model.set_weights(weights)
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    assert type(model.optimizer).__name__ == "Adam"  # no loss scaling for bfloat16
    loss = model.fit(x, y, epochs=3, batch_size=16, shuffle=False, verbose=0).history["loss"]
    np.testing.assert_allclose(loss, ref_loss, atol=2e-2)
    assert all(w.dtype == np.float32 for w in model.get_weights())
    assert model.predict(x[:4]).dtype == np.float32


def test_mixed_float16_compile_wraps_optimizer_in_loss_scale_optimizer():
    mixed_precision.set_global_policy("mixed_float16")
    x, y = _data()
    model = _model()
    model.compile("adam", "sparse_categorical_crossentropy")
    opt = model.optimizer
    assert isinstance(opt, mixed_precision.LossScaleOptimizer)
    assert opt.inner_optimizer.name == "Adam" and opt.dynamic
    before = model.get_weights()
    history = model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert any(np.abs(a - b).max() > 0 for a, b in zip(before, model.get_weights()))
    assert opt.iterations > 0 and opt.learning_rate is opt.inner_optimizer.learning_rate


def test_loss_scale_optimizer_skips_non_finite_steps_and_adapts_scale():
    w = torch.nn.Parameter(torch.ones(2))
    opt = mixed_precision.LossScaleOptimizer(keras.optimizers.SGD(1.0), initial_scale=8.0,
                                             dynamic_growth_steps=2)
    opt._attach([w])
    w.grad = torch.tensor([float("inf"), 1.0])
    assert opt._step() is False
    assert opt.loss_scale == 4.0 and torch.equal(w.detach(), torch.ones(2))
    for _ in range(2):
        w.grad = torch.tensor([4.0, 4.0])  # gradients of the scaled loss
        assert opt._step() is True
    np.testing.assert_allclose(w.detach().numpy(), [-1.0, -1.0])  # two steps of 4/4
    assert opt.loss_scale == 8.0  # doubled after 2 finite steps
    assert opt.get_scaled_loss(torch.tensor(2.0)).item() == 16.0
    np.testing.assert_allclose(opt.get_unscaled_gradients([torch.tensor(16.0)])[0], 2.0)
    with pytest.raises(ValueError, match='"initial_scale" must be specified'):
        mixed_precision.LossScaleOptimizer("sgd", dynamic=False)


def test_loss_scale_optimizer_minimize_in_a_custom_train_step():
    mixed_precision.set_global_policy("mixed_float16")

    class Model(keras.Model):
        def __init__(self):
            super().__init__()
            self.d = keras.layers.Dense(1, dtype="float32")

        def call(self, x):
            return self.d(x)

        def train_step(self, data):
            x, y = data
            loss = self.compiled_loss(y, self(x, training=True))
            self.optimizer.minimize(loss, self.trainable_variables)
            return {"loss": loss, "scale": self.optimizer.loss_scale}

    x = np.ones((8, 3), "float32")
    model = Model()
    model.compile(mixed_precision.LossScaleOptimizer(keras.optimizers.SGD(0.1)), "mse")
    history = model.fit(x, x[:, :1], epochs=2, batch_size=8, verbose=0)
    assert history.history["scale"] == [32768.0, 32768.0]
    assert history.history["loss"][1] < history.history["loss"][0]
