"""Mixed precision models in Keras 2 HDF5 files: layer policies and the loss-scaled
optimizer (tf-keras 2.21 writes it as `LossScaleOptimizerV3` around the inner one)."""
import os

import h5py
import json
import numpy as np
import pytest

import tkeras as keras
from tkeras import mixed_precision

DATA = os.path.join(os.path.dirname(__file__), "data")


@pytest.fixture(autouse=True)
def _float32_afterwards():
    yield
    mixed_precision.set_global_policy("float32")


def _mixed_model():
    mixed_precision.set_global_policy("mixed_float16")
    model = keras.Sequential([keras.layers.Dense(8, input_shape=(5,), activation="relu"),
                              keras.layers.Dense(2, dtype="float32")])
    model.compile(keras.optimizers.Adam(0.01), "mse")
    return model


def test_mixed_float16_model_saves_and_resumes_in_a_float32_session(tmp_path):
    rng = np.random.RandomState(0)
    x, y = rng.rand(16, 5).astype("float32"), rng.rand(16, 2).astype("float32")
    model = _mixed_model()
    model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    path = str(tmp_path / "mixed.h5")
    model.save(path)
    with h5py.File(path, "r") as f:
        optimizer_config = json.loads(f.attrs["training_config"])["optimizer_config"]
        layer_dtype = json.loads(f.attrs["model_config"])["config"]["layers"][1]["config"]["dtype"]
    assert optimizer_config["class_name"] == "LossScaleOptimizerV3"
    assert optimizer_config["config"]["inner_optimizer"]["class_name"] == "Adam"
    assert layer_dtype["class_name"] == "Policy"

    mixed_precision.set_global_policy("float32")  # a new session: no global policy
    loaded = keras.models.load_model(path)
    assert isinstance(loaded.optimizer, mixed_precision.LossScaleOptimizer)
    assert loaded.optimizer.iterations == model.optimizer.iterations == 4
    assert loaded.layers[0].dtype_policy.name == "mixed_float16"
    assert loaded.layers[1].dtype_policy.name == "float32"
    assert all(w.dtype == np.float32 for w in loaded.get_weights())
    np.testing.assert_allclose(loaded.predict(x), model.predict(x), rtol=1e-6)
    assert loaded.train_on_batch(x, y) == pytest.approx(model.train_on_batch(x, y), rel=1e-6)
    np.testing.assert_allclose(loaded.get_weights()[0], model.get_weights()[0], rtol=1e-6)


def test_tf_keras_mixed_float16_file_loads_with_its_policies_and_optimizer():
    ref = np.load(os.path.join(DATA, "tf_keras_mixed_float16.npz"))
    model = keras.models.load_model(os.path.join(DATA, "tf_keras_mixed_float16.h5"))
    assert isinstance(model.optimizer, mixed_precision.LossScaleOptimizer)
    assert type(model.optimizer.inner_optimizer).__name__ == "Adam"
    assert model.optimizer.learning_rate == pytest.approx(0.01)
    assert model.optimizer.iterations == 2
    assert [l.dtype_policy.name for l in model.layers] == ["mixed_float16", "float32"]
    pred = model.predict(ref["x"])
    assert pred.dtype == np.float32
    # float16 computation on both sides: agreement to float16 precision.
    np.testing.assert_allclose(pred, ref["pred"], atol=2e-3, rtol=2e-3)
    loss = model.train_on_batch(ref["x"], ref["y"])
    assert np.isfinite(loss)


def test_loss_scale_optimizer_config_without_inner_optimizer_is_refused():
    with pytest.raises(ValueError, match="needs its `inner_optimizer`"):
        keras.optimizers.deserialize({"class_name": "LossScaleOptimizerV3",
                                      "config": {"dynamic": True}})
