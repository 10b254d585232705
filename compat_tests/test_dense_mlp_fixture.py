"""The `dense_mlp` case written by real Keras 2 (tf-keras 2.21): predictions and three SGD
training steps must match within the manifest's tolerances.

Weights are read from the Keras file with h5py and set through `set_weights` (Keras
layout), so this checks Dense/BatchNormalization/Activation/Dropout numerics and the
training loop (loss before each update, SGD step, BN moving statistics) against Keras.
"""
import json
import os

import h5py
import numpy as np
import pytest

import tkeras as keras
from tkeras.layers import Activation, BatchNormalization, Dense, Dropout

ROOT = os.path.join(os.path.dirname(__file__), "fixtures", "keras2")
CASE = json.load(open(os.path.join(ROOT, "manifest.json")))["cases"]["dense_mlp"]
DIR = os.path.join(ROOT, "dense_mlp")


def _build(dropout_rate=0.3):
    return keras.Sequential([
        Dense(16, input_shape=(10,), name="dense_in"),
        BatchNormalization(momentum=0.99, epsilon=0.001, name="bn"),
        Activation("relu", name="act_relu"),
        Dropout(dropout_rate, name="drop"),
        Dense(8, activation="tanh", name="dense_hidden"),
        Dense(4, name="dense_logits"),
        Activation("softmax", name="act_softmax"),
    ])


def _load_keras_weights(model, path):
    with h5py.File(path, "r") as f:
        for layer in model.layers:
            group = f[layer.name]
            names = [n.decode() if isinstance(n, bytes) else n for n in group.attrs["weight_names"]]
            if names:
                layer.set_weights([np.asarray(group[n]) for n in names])


def test_dense_mlp_predictions_match_keras2():
    model = _build()
    _load_keras_weights(model, os.path.join(DIR, "weights.h5"))
    x, y = np.load(os.path.join(DIR, "x.npy")), np.load(os.path.join(DIR, "y.npy"))
    np.testing.assert_allclose(model.predict(x), y, atol=CASE["tolerance"]["predict_atol"], rtol=0)
    assert model.count_params() == CASE["params"]


def test_dense_mlp_three_sgd_steps_match_keras2():
    ref = np.load(os.path.join(DIR, "train_step.npz"))
    model = _build(dropout_rate=0.0)  # the fixture's no-dropout reference
    _load_keras_weights(model, os.path.join(DIR, "weights.h5"))
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01),
                  loss=CASE["compile"]["loss"])
    losses = [model.train_on_batch(ref["x"], ref["t"]) for _ in range(3)]
    tol = CASE["tolerance"]
    np.testing.assert_allclose(np.array(losses)[:, None], ref["losses_no_dropout"],
                               atol=tol["train_loss_atol"], rtol=tol["train_loss_rtol"])
    np.testing.assert_allclose(model.predict(ref["x"]), ref["y_after_no_dropout"],
                               atol=tol["train_loss_atol"], rtol=tol["train_loss_rtol"])


def test_dense_mlp_layers_reject_wrong_keras_weight_shapes_and_keep_weights():
    model = _build()
    before = [w.copy() for w in model.get_weights()]
    bad = [np.zeros((16, 10), "float32"), np.zeros((16,), "float32")]
    with pytest.raises(ValueError, match=r"Layer weight shape \(10, 16\) not compatible"):
        model.get_layer("dense_in").set_weights(bad)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)
