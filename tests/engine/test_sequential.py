"""`Sequential`: building from a list or with `add`, `pop`, deferred build, summary,
`predict_classes`/`predict_proba`, and its errors."""
import numpy as np
import pytest

import tkeras
from tkeras import layers, optimizers
from tkeras.layers import Dense, Dropout, Input

RNG = np.random.RandomState(0)


def _rand(*shape):
    return RNG.randn(*shape).astype("float32")


def test_constructor_list_and_add_build_the_same_model():
    a = tkeras.Sequential([Dense(4, input_shape=(3,), name="h"), Dense(2, name="o")])
    b = tkeras.Sequential()
    b.add(Dense(4, input_shape=(3,), name="h"))
    b.add(Dense(2, name="o"))
    for model in (a, b):
        assert [l.name for l in model.layers] == ["h", "o"]
        assert model.input_shape == (None, 3)
        assert model.output_shape == (None, 2)
        assert model.built
    b.set_weights(a.get_weights())
    x = _rand(5, 3)
    np.testing.assert_allclose(a.predict(x), b.predict(x), rtol=1e-6)


def test_sequential_matches_numpy():
    model = tkeras.Sequential([Dense(4, input_shape=(3,), activation="relu"), Dense(2)])
    w1, b1, w2, b2 = model.get_weights()
    x = _rand(6, 3)
    np.testing.assert_allclose(model.predict(x), np.maximum(x @ w1 + b1, 0) @ w2 + b2,
                               rtol=1e-5, atol=1e-6)


def test_layers_excludes_the_input_layer():
    model = tkeras.Sequential()
    model.add(Input((3,)))
    model.add(Dense(2))
    assert [type(l).__name__ for l in model.layers] == ["Dense"]
    assert model.input_shape == (None, 3)


def test_pop_removes_the_last_layer():
    model = tkeras.Sequential([Dense(4, input_shape=(3,)), Dense(2), Dense(1)])
    model.pop()
    assert len(model.layers) == 2
    assert model.output_shape == (None, 2)
    assert model.predict(_rand(2, 3)).shape == (2, 2)
    model.add(Dense(5))
    assert model.output_shape == (None, 5)


def test_pop_on_empty_model_raises():
    with pytest.raises(TypeError, match="no layers"):
        tkeras.Sequential().pop()


def test_deferred_build_waits_for_data():
    model = tkeras.Sequential([Dense(3), Dense(1)])
    assert not model.built
    assert model.layers[0].weights == []
    out = model.predict(_rand(4, 7))
    assert out.shape == (4, 1)
    assert model.built
    assert model.input_shape == (None, 7)
    assert model.layers[0].get_weights()[0].shape == (7, 3)


def test_deferred_build_by_fit():
    model = tkeras.Sequential([Dense(3), Dense(1)])
    model.compile("sgd", "mse")
    history = model.fit(_rand(8, 5), _rand(8, 1), epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    assert model.input_shape == (None, 5)


def test_deferred_build_by_call_and_by_build():
    a = tkeras.Sequential([Dense(3)])
    out = a(_rand(2, 4))
    assert tuple(out.shape) == (2, 3)
    assert a.input_shape == (None, 4)
    b = tkeras.Sequential([Dense(3)])
    b.build((None, 6))
    assert b.built and b.output_shape == (None, 3)


SEQUENTIAL_SUMMARY = """\
Model: "sequential_1"
_________________________________________________________________
Layer (type)                 Output Shape              Param #
=================================================================
dense_1 (Dense)              (None, 64)                1344
_________________________________________________________________
dropout_1 (Dropout)          (None, 64)                0
_________________________________________________________________
dense_2 (Dense)              (None, 10)                650
=================================================================
Total params: 1,994
Trainable params: 1,994
Non-trainable params: 0
_________________________________________________________________"""


def test_summary_matches_keras_2_text():
    # Keras 2.3 Sequential table: line length 65, columns at 45/85 %, thousands separators.
    model = tkeras.Sequential([Dense(64, input_shape=(20,), activation="relu"),
                               Dropout(0.5), Dense(10, activation="softmax")])
    lines = []
    model.summary(print_fn=lines.append)
    assert [l.rstrip() for l in lines] == SEQUENTIAL_SUMMARY.split("\n")
    assert all(len(l) == 65 for l in lines[1:10])


def test_summary_counts_frozen_weights_as_non_trainable():
    model = tkeras.Sequential([Dense(4, input_shape=(3,)), Dense(2)])
    model.layers[0].trainable = False
    lines = []
    model.summary(print_fn=lines.append)
    assert "Total params: 26" in lines
    assert "Trainable params: 10" in lines
    assert "Non-trainable params: 16" in lines


def test_summary_before_build_raises():
    model = tkeras.Sequential([Dense(2)])
    with pytest.raises(ValueError, match="has not yet been built"):
        model.summary()


def test_predict_classes_and_predict_proba():
    softmax = tkeras.Sequential([Dense(3, input_shape=(4,), activation="softmax")])
    x = _rand(10, 4)
    proba = softmax.predict_proba(x)
    np.testing.assert_allclose(proba.sum(1), np.ones(10), rtol=1e-5)
    np.testing.assert_array_equal(softmax.predict_classes(x), proba.argmax(-1))

    sigmoid = tkeras.Sequential([Dense(1, input_shape=(4,), activation="sigmoid")])
    p = sigmoid.predict_proba(x)
    classes = sigmoid.predict_classes(x)
    # Keras 2.3: (proba > 0.5).astype('int32') for a single sigmoid unit, shape (n, 1).
    assert classes.shape == (10, 1)
    np.testing.assert_array_equal(classes, (p > 0.5).astype("int32"))


def test_duplicate_layer_name_raises():
    with pytest.raises(ValueError, match="should have unique names.*'twin'"):
        tkeras.Sequential([Dense(2, input_shape=(3,), name="twin"), Dense(2, name="twin")])


def test_adding_a_non_layer_raises():
    with pytest.raises(TypeError, match="must be an instance of class Layer"):
        tkeras.Sequential().add("dense")
    with pytest.raises(TypeError, match="must be an instance of class Layer"):
        tkeras.Sequential([np.zeros(3)])


def test_empty_model_raises_a_helpful_error():
    model = tkeras.Sequential()
    x = _rand(2, 3)
    with pytest.raises(ValueError, match="has no layers"):
        model(x)
    with pytest.raises(ValueError, match="has no layers"):
        model.predict(x)
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match="has no layers"):
        model.fit(x, x, verbose=0)


def test_sequential_fit_reduces_loss():
    model = tkeras.Sequential([Dense(8, input_shape=(2,), activation="tanh"), Dense(1)])
    model.compile(optimizers.Adam(lr=0.05), "mse")
    x = _rand(64, 2)
    y = (x[:, :1] * 2 - x[:, 1:]).astype("float32")
    history = model.fit(x, y, epochs=20, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < 0.2 * history.history["loss"][0]
