"""`tkeras.wrappers.scikit_learn` against Keras 2.3.1's wrappers (recorded by
`data/make_scikit_learn.py` in `data/scikit_learn.json`), and inside scikit-learn's
`cross_val_score`, `GridSearchCV`, `Pipeline` and `clone`."""
import json
import os

import numpy as np
import pytest

import tkeras as keras
from tkeras.layers import Dense
from tkeras.optimizers import SGD
from tkeras.wrappers.scikit_learn import KerasClassifier, KerasRegressor

with open(os.path.join(os.path.dirname(__file__), "data", "scikit_learn.json")) as _f:
    KERAS = json.load(_f)

X = (np.arange(48, dtype="float32").reshape(12, 4) % 7) / 7.0
Y_CLASS = np.array(["a", "b", "c"])[(X[:, 0] * 2.99).astype(int)]
Y_BIN = np.array([0, 1, 1, 0, 1, 0, 0, 1, 1, 0, 1, 0])
Y_REG = (X.sum(1) * 0.5).astype("float32")
FIT = dict(epochs=8, batch_size=4, shuffle=False, verbose=0)


def _fixed_weights(model):
    weights = []
    for i, w in enumerate(model.get_weights()):
        values = np.sin(np.arange(w.size, dtype="float64") * 0.7 + i) * 0.5
        weights.append(values.reshape(w.shape).astype("float32"))
    model.set_weights(weights)
    return model


def softmax(units=5, loss="categorical_crossentropy"):
    model = keras.Sequential([Dense(units, activation="tanh", input_shape=(4,)),
                              Dense(3, activation="softmax")])
    model.compile(SGD(learning_rate=1.0), loss, metrics=["accuracy"])
    return _fixed_weights(model)


def sigmoid():
    model = keras.Sequential([Dense(3, activation="tanh", input_shape=(4,)),
                              Dense(1, activation="sigmoid")])
    model.compile(SGD(learning_rate=0.1), "binary_crossentropy", metrics=["accuracy"])
    return _fixed_weights(model)


def regressor(units=3):
    model = keras.Sequential([Dense(units, activation="tanh", input_shape=(4,)), Dense(1)])
    model.compile(SGD(learning_rate=0.05), "mse")
    return _fixed_weights(model)


@pytest.mark.parametrize("loss", ["categorical_crossentropy",
                                  "sparse_categorical_crossentropy"])
def test_softmax_classifier_matches_keras2(loss):
    expected = KERAS["softmax_" + loss]
    clf = KerasClassifier(softmax, units=4, loss=loss, **FIT)
    history = clf.fit(X, Y_CLASS)
    np.testing.assert_allclose(history.history["loss"], expected["loss"], rtol=1e-4)
    assert clf.classes_.tolist() == expected["classes"]
    assert clf.predict(X).tolist() == expected["predict"]
    np.testing.assert_allclose(clf.predict_proba(X), expected["proba"], atol=1e-4)
    assert clf.score(X, Y_CLASS) == pytest.approx(expected["score"], abs=1e-6)


def test_sigmoid_classifier_matches_keras2():
    expected = KERAS["sigmoid"]
    clf = KerasClassifier(sigmoid, **FIT)
    clf.fit(X, Y_BIN)
    assert clf.classes_.tolist() == expected["classes"]
    assert clf.predict(X).tolist() == expected["predict"]  # (n, 1), as Keras 2
    np.testing.assert_allclose(clf.predict_proba(X), expected["proba"], atol=1e-5)
    assert clf.score(X, Y_BIN) == pytest.approx(expected["score"], abs=1e-6)


def test_regressor_matches_keras2():
    expected = KERAS["regressor"]
    reg = KerasRegressor(regressor, units=2, **FIT)
    history = reg.fit(X, Y_REG)
    np.testing.assert_allclose(history.history["loss"], expected["loss"], rtol=1e-4)
    np.testing.assert_allclose(reg.predict(X), expected["predict"], atol=1e-5)
    assert reg.score(X, Y_REG) == pytest.approx(expected["score"], rel=1e-4)


def test_a_typo_in_sk_params_is_refused_as_in_keras2():
    with pytest.raises(ValueError) as err:
        KerasClassifier(softmax, unit=3)
    assert str(err.value).startswith(KERAS["typo"])


def test_get_params_lists_build_fn_and_sk_params():
    params = KerasClassifier(softmax, units=2, epochs=1).get_params()
    assert sorted(params) == KERAS["get_params"]


def test_predict_before_fit_is_a_clear_error():
    with pytest.raises(ValueError, match=r"has no model yet: call `fit\(x, y\)` first"):
        KerasRegressor(regressor).predict(X)


def test_build_fn_may_be_a_callable_object_or_a_subclass_call():
    class Builder:
        def __call__(self, units=3):
            return regressor(units)

    class MyRegressor(KerasRegressor):
        def __call__(self, units=3):
            return regressor(units)

    for reg in (KerasRegressor(Builder(), units=2, **FIT), MyRegressor(units=2, **FIT)):
        reg.fit(X, Y_REG)
        np.testing.assert_allclose(reg.predict(X), KERAS["regressor"]["predict"], atol=1e-5)


# ------------------------------------------------------------------ inside scikit-learn
sklearn = pytest.importorskip("sklearn", reason="needs the `sklearn` extra")


def test_wrappers_are_scikit_learn_estimators_of_the_right_kind():
    from sklearn.base import clone, is_classifier, is_regressor

    clf = KerasClassifier(softmax, units=3, **FIT)
    assert is_classifier(clf) and is_regressor(KerasRegressor(regressor))
    copy = clone(clf)
    assert copy is not clf and copy.get_params() == clf.get_params()
    assert repr(clf).startswith("KerasClassifier(") and "build_fn=<function softmax" in repr(clf)


def test_cross_val_score_and_grid_search_run_the_wrapper():
    from sklearn.model_selection import GridSearchCV, KFold, cross_val_score

    scores = cross_val_score(KerasRegressor(regressor, **FIT), X, Y_REG, cv=KFold(3))
    assert scores.shape == (3,) and (scores <= 0).all()  # negated losses
    search = GridSearchCV(KerasClassifier(softmax, **FIT), {"units": [2, 4],
                                                            "epochs": [1, 8]}, cv=KFold(2))
    search.fit(X, Y_CLASS)
    assert set(search.best_params_) == {"units", "epochs"}
    assert search.predict(X).shape == (12,)


def test_the_wrapper_is_the_last_step_of_a_pipeline():
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    pipe = Pipeline([("scale", StandardScaler()), ("net", KerasClassifier(softmax, **FIT))])
    pipe.fit(X, Y_CLASS)
    assert pipe.predict(X).shape == (12,)
    assert 0.0 <= pipe.score(X, Y_CLASS) <= 1.0
