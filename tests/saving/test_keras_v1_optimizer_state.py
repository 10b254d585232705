"""Optimizer state in files from standalone Keras 2.0-2.3, whose optimizers saved other
slots than tf.keras's: RMSprop, Adagrad and Adadelta without `iterations`, Adam with a
vhat slot per weight (a shape-(1,) dummy without amsgrad), SGD with momenta even at
momentum 0, Nadam with (2.3) or without (2.0-2.2) its `m_schedule`. The files were written
by that optimizer code (tf-keras 2.21's `optimizer_v1`, see data/make_keras_v1_...py);
training resumed in tkeras must take the steps Keras took."""
import os
import warnings

import h5py
import numpy as np
import pytest

import tkeras as keras

DATA = os.path.join(os.path.dirname(__file__), "data")
NAMES = ["sgd", "sgd_nesterov", "rmsprop", "adagrad", "adadelta", "adam", "adam_amsgrad",
         "adamax", "nadam"]


def _resume(path, ref):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a dropped optimizer state only warns: fail on it
        model = keras.models.load_model(path)
    losses = [model.train_on_batch(ref["x"], ref["y"]) for _ in range(2)]
    return model, losses


@pytest.mark.parametrize("name", NAMES)
def test_training_resumes_from_keras_2_3_optimizer_state(name):
    ref = np.load(os.path.join(DATA, f"keras_v1_{name}.npz"))
    model, losses = _resume(os.path.join(DATA, f"keras_v1_{name}.h5"), ref)
    np.testing.assert_allclose(losses, ref["losses"], rtol=1e-5)
    for i, w in enumerate(model.get_weights()):
        np.testing.assert_allclose(w, ref[f"after{i}"], rtol=1e-5, atol=1e-6)


def test_keras_2_2_nadam_state_without_m_schedule_resumes(tmp_path):
    # Keras 2.0-2.2 saved Nadam as [iterations] + m's + v's: its momentum product follows
    # from `iterations`.
    ref = np.load(os.path.join(DATA, "keras_v1_nadam.npz"))
    path = str(tmp_path / "nadam_2_2.h5")
    with h5py.File(os.path.join(DATA, "keras_v1_nadam.h5"), "r") as src, \
            h5py.File(path, "w") as dst:
        for key, value in src.attrs.items():
            dst.attrs[key] = value
        src.copy("model_weights", dst)
        group = dst.create_group("optimizer_weights")
        names = [n if isinstance(n, str) else n.decode()
                 for n in src["optimizer_weights"].attrs["weight_names"]]
        names = [n for n in names if "m_schedule" not in n]
        group.attrs["weight_names"] = [n.encode() for n in names]
        for n in names:
            group.create_dataset(n, data=src["optimizer_weights"][n][()])
    model, losses = _resume(path, ref)
    np.testing.assert_allclose(losses, ref["losses"], rtol=1e-5)
