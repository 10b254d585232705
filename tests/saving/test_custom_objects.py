"""User layers, losses, metrics and activations survive a save/load round trip when given
by `custom_objects`, a `CustomObjectScope` or `get_custom_objects()`, and a missing one is
named in the error."""
import numpy as np
import pytest
import torch

import tkeras as keras
from tkeras import backend as K
from tkeras.layers import Dense
from tkeras.utils import CustomObjectScope, get_custom_objects


class Scale(keras.layers.Layer):
    def __init__(self, init=2.0, **kwargs):
        super().__init__(**kwargs)
        self.init = init

    def build(self, input_shape):
        self.scale = self.add_weight("scale", (input_shape[-1],),
                                     initializer=keras.initializers.Constant(self.init))

    def call(self, inputs):
        return inputs * self.scale

    def get_config(self):
        config = super().get_config()
        config["init"] = self.init
        return config


def scaled_mse(y_true, y_pred):
    return K.mean(K.square(y_true - y_pred), axis=-1) * 3.0


def max_error(y_true, y_pred):
    return K.max(K.abs(y_true - y_pred), axis=-1)


def cube(x):
    return x * x * x


def _model():
    model = keras.Sequential([Dense(4, activation=cube, input_shape=(3,)), Scale(name="scale")])
    model.compile("sgd", loss=scaled_mse, metrics=[max_error])
    x = np.random.rand(16, 3).astype("float32")
    y = np.random.rand(16, 4).astype("float32")
    model.fit(x, y, epochs=1, verbose=0)
    return model, x, y


CUSTOM = {"Scale": Scale, "scaled_mse": scaled_mse, "max_error": max_error, "cube": cube}


@pytest.mark.parametrize("how", ["argument", "scope", "global"])
def test_custom_objects_round_trip_through_a_model_file(tmp_path, how):
    model, x, y = _model()
    path = str(tmp_path / "custom.h5")
    model.save(path)
    if how == "argument":
        loaded = keras.models.load_model(path, custom_objects=CUSTOM)
    elif how == "scope":
        with CustomObjectScope(CUSTOM):
            loaded = keras.models.load_model(path)
    else:
        get_custom_objects().update(CUSTOM)
        try:
            loaded = keras.models.load_model(path)
        finally:
            for key in CUSTOM:
                get_custom_objects().pop(key)
    np.testing.assert_allclose(loaded.predict(x), model.predict(x), rtol=0, atol=1e-6)
    assert loaded.metrics_names == ["loss", "max_error"]
    loss, err = loaded.evaluate(x, y, verbose=0)
    p = model.predict(x)
    np.testing.assert_allclose(loss, 3.0 * np.mean((y - p) ** 2), rtol=1e-5)
    np.testing.assert_allclose(err, np.mean(np.abs(y - p).max(axis=-1)), rtol=1e-5)
    assert loaded.layers[0].activation is cube


def test_missing_custom_layer_is_named_in_the_error(tmp_path):
    model, _, _ = _model()
    path = str(tmp_path / "custom.h5")
    model.save(path)
    with pytest.raises(ValueError, match="Scale.*custom_objects"):
        keras.models.load_model(path, custom_objects={"scaled_mse": scaled_mse,
                                                      "max_error": max_error, "cube": cube})


def test_custom_layer_json_round_trip_keeps_its_config():
    model, x, _ = _model()
    clone = keras.models.model_from_json(model.to_json(), custom_objects=CUSTOM)
    clone.set_weights(model.get_weights())
    assert clone.get_layer("scale").init == 2.0
    np.testing.assert_allclose(clone.predict(x), model.predict(x), rtol=0, atol=1e-6)
    assert isinstance(clone.get_layer("scale").scale, torch.nn.Parameter)
