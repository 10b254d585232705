"""Embedding against tf-keras 2.21 reference outputs (`data/recurrent.npz`, made by
`data/make_recurrent.py`), plus masks, input dtypes, shapes, config and errors."""
import json
import os

import numpy as np
import pytest
import torch

import tkeras
from tkeras import layers
from tkeras.layers import LSTM, Embedding, Input

DATA = np.load(os.path.join(os.path.dirname(__file__), "data", "recurrent.npz"))
CASES = [c for c in json.loads(str(DATA["index"])) if c["layer"]["class_name"] == "Embedding"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_embedding_matches_keras2_reference(case):
    name = case["name"]
    layer = layers.deserialize(case["layer"])
    x = torch.from_numpy(DATA[f"{name}/x"])
    layer(x)
    layer.set_weights([DATA[f"{name}/w0"]])
    out = layer(x)
    np.testing.assert_array_equal(out.detach().numpy(), DATA[f"{name}/y0"])
    if f"{name}/y_mask" in DATA:
        np.testing.assert_array_equal(layer.compute_mask(x).numpy(), DATA[f"{name}/y_mask"])
        np.testing.assert_array_equal(out._keras_mask.numpy(), DATA[f"{name}/y_mask"])
    assert set(layer.get_config()) == set(case["layer"]["config"])
    assert Embedding.from_config(layer.get_config()).get_config() == layer.get_config()


def test_embedding_weight_shape_name_and_default_uniform_initializer():
    layer = Embedding(100, 8)
    layer(np.zeros((1, 3), "int64"))
    (w,) = layer.weights
    assert tuple(w.shape) == (100, 8) and w.name == f"{layer.name}/embeddings:0"
    assert layer.count_params() == 800
    assert 0 < float(w.detach().abs().max()) <= 0.05


@pytest.mark.parametrize("dtype", ["int32", "int64", "float32"])
def test_embedding_accepts_int_and_float_indices_as_keras(dtype):
    layer = Embedding(10, 3, embeddings_initializer="glorot_uniform")
    x = np.array([[1, 2, 9]]).astype(dtype)
    out = layer(x).detach().numpy()
    np.testing.assert_array_equal(out[0], layer.get_weights()[0][[1, 2, 9]])


def test_embedding_shapes_with_and_without_input_length():
    assert tuple(Embedding(10, 3)(Input((None,))).shape) == (None, None, 3)
    model = tkeras.Sequential([Embedding(10, 3, input_length=5), tkeras.layers.Flatten(),
                               tkeras.layers.Dense(2)])
    assert model.output_shape == (None, 2)
    assert model.layers[0].output_shape == (None, 5, 3)
    assert Embedding(10, 3, input_length=5).compute_output_shape((None, 5)) == (None, 5, 3)
    assert tuple(Embedding(10, 3)(np.zeros((2, 4, 5), "int64")).shape) == (2, 4, 5, 3)


def test_mask_zero_reaches_the_next_recurrent_layer():
    model = tkeras.Sequential([Embedding(10, 3, mask_zero=True), LSTM(4)])
    x = np.array([[0, 0, 3, 4], [5, 6, 7, 0]])
    out = model.predict(x)
    emb, lstm = model.layers
    direct = lstm(emb(torch.from_numpy(x)), mask=torch.from_numpy(x != 0)).detach().numpy()
    no_mask = lstm(emb(torch.from_numpy(x)).clone()).detach().numpy()  # mask dropped
    np.testing.assert_allclose(out, direct, atol=1e-6)
    assert not np.allclose(out, no_mask, atol=1e-4)


def test_embedding_regularizer_adds_its_penalty_to_the_losses():
    layer = Embedding(4, 2, embeddings_regularizer=tkeras.regularizers.l2(0.5),
                      embeddings_initializer="ones")
    layer(np.zeros((1, 1), "int64"))
    np.testing.assert_allclose(float(sum(layer.losses).detach()), 0.5 * 8)


@pytest.mark.parametrize("kwargs, message", [
    (dict(input_dim=0, output_dim=3), "Received: input_dim=0"),
    (dict(input_dim=10, output_dim=-1), "Received: output_dim=-1"),
    (dict(input_dim=10, output_dim=2, foo=1), "unexpected keyword argument `foo`"),
])
def test_embedding_rejects_invalid_arguments(kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        Embedding(**kwargs)


def test_embedding_accepts_tf_keras_sparse_false_and_rejects_sparse_true():
    layer = Embedding(10, 3, sparse=False)
    assert tuple(layer(np.array([[1, 2]])).shape) == (1, 2, 3)
    assert "sparse" not in layer.get_config()  # tf-keras does not save it either
    with pytest.raises(ValueError, match=r"`sparse=True`.*not supported. Received: sparse=True"):
        Embedding(10, 3, sparse=True)
