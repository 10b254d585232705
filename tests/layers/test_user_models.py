"""Whole Keras 2 user programs (`data/user_models.py`) against real Keras 2 runs
(`data/make_user_models.py`): the same code, built with tkeras, given tf-keras's seeded
weights, predicts what tf-keras predicted, and two SGD `train_on_batch` steps give the
same losses and weights. Covers a video model (a frozen CNN in TimeDistributed, with
BatchNormalization that must stay in inference mode), Bidirectional(LSTM(return_state=True))
over a post-padded Embedding(mask_zero), stacked GRU(reset_after=False) behind Masking, and
the masked LSTM text classifier.
"""
import importlib.util
import os

import numpy as np
import pytest

import tkeras

HERE = os.path.join(os.path.dirname(__file__), "data")
DATA = np.load(os.path.join(HERE, "user_models.npz"))
_spec = importlib.util.spec_from_file_location("user_models", os.path.join(HERE, "user_models.py"))
user_models = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(user_models)


def _arrays(name, prefix):
    return [DATA[f"{name}/{prefix}{i}"] for i in range(100) if f"{name}/{prefix}{i}" in DATA.files]


def _model(name):
    build, _, loss = user_models.MODELS[name]
    model = build(tkeras)
    weights = _arrays(name, "w")
    assert [w.shape for w in model.get_weights()] == [w.shape for w in weights]
    model.set_weights(weights)
    return model, loss


@pytest.mark.parametrize("name", list(user_models.MODELS))
def test_user_model_predicts_like_keras2(name):
    model, _ = _model(name)
    np.testing.assert_allclose(model.predict(DATA[f"{name}/x"], verbose=0), DATA[f"{name}/pred"],
                               atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("name", list(user_models.MODELS))
def test_user_model_trains_like_keras2(name):
    model, loss = _model(name)
    model.compile(tkeras.optimizers.SGD(user_models.LR), loss)
    x, y = DATA[f"{name}/x"], DATA[f"{name}/y"]
    losses = [float(model.train_on_batch(x, y)) for _ in range(user_models.STEPS)]
    np.testing.assert_allclose(losses, DATA[f"{name}/losses"], atol=1e-5, rtol=1e-5)
    for got, want in zip(model.get_weights(), _arrays(name, "after")):
        np.testing.assert_allclose(got, want, atol=1e-5, rtol=1e-4)


def test_frozen_frame_cnn_keeps_its_weights_and_moving_statistics_in_training():
    model, loss = _model("video_classifier")
    cnn = model.layers[1].layer
    before = cnn.get_weights()
    assert len(cnn.trainable_weights) == 0 and len(cnn.non_trainable_weights) == 9
    model.compile(tkeras.optimizers.SGD(user_models.LR), loss)
    model.train_on_batch(DATA["video_classifier/x"], DATA["video_classifier/y"])
    for got, want in zip(cnn.get_weights(), before):
        np.testing.assert_array_equal(got, want)
