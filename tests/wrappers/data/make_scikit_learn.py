"""Reference outputs of Keras 2.3.1's `keras.wrappers.scikit_learn` for
`tests/wrappers/test_scikit_learn_vs_keras2.py`.

tf-keras 2.21 no longer ships the wrappers, and Keras 2.3.1 itself needs TensorFlow 1.
So this script runs Keras 2.3.1's own `wrappers/scikit_learn.py` (read from the
keras==2.3.1 wheel, unchanged) in a small `keras` package whose `losses`, `models` and
`utils` are tf-keras 2.21's, with Keras 2.3.1's `Sequential.predict_classes` /
`predict_proba` (removed from tf-keras) added back as Keras 2.3.1 defined them.

    pip install tensorflow-cpu tf-keras scikit-learn
    pip download keras==2.3.1 --no-deps -d /tmp/keras231
    python tests/wrappers/data/make_scikit_learn.py /tmp/keras231/Keras-2.3.1-py2.py3-none-any.whl

Writes `scikit_learn.json` beside this script.
"""
import json
import os
import sys
import tempfile
import zipfile

import numpy as np

SHIM = {
    "keras/__init__.py": "",
    "keras/losses.py": "from tf_keras.losses import *\n"
                       "from tf_keras.src.losses import is_categorical_crossentropy\n",
    "keras/models.py": '''
import numpy as np
from tf_keras.models import Sequential


def predict_proba(self, x, batch_size=32, verbose=0):
    preds = self.predict(x, batch_size, verbose)
    return preds


def predict_classes(self, x, batch_size=32, verbose=0):
    proba = self.predict(x, batch_size=batch_size, verbose=verbose)
    if proba.shape[-1] > 1:
        return proba.argmax(axis=-1)
    return (proba > 0.5).astype('int32')


Sequential.predict_proba = predict_proba
Sequential.predict_classes = predict_classes
''',
    "keras/utils/__init__.py": "",
    "keras/utils/np_utils.py": "from tf_keras.utils import to_categorical\n",
    "keras/utils/generic_utils.py": "from tf_keras.src.utils.generic_utils import has_arg, "
                                    "to_list\n",
    "keras/wrappers/__init__.py": "",
}

X = (np.arange(48, dtype="float32").reshape(12, 4) % 7) / 7.0
Y_CLASS = np.array(["a", "b", "c"])[(X[:, 0] * 2.99).astype(int)]
Y_BIN = np.array([0, 1, 1, 0, 1, 0, 0, 1, 1, 0, 1, 0])
Y_REG = (X.sum(1) * 0.5).astype("float32")


def fixed_weights(model):
    """Deterministic weights: the same numbers in Keras and tkeras."""
    weights = []
    for i, w in enumerate(model.get_weights()):
        values = np.sin(np.arange(w.size, dtype="float64") * 0.7 + i) * 0.5
        weights.append(values.reshape(w.shape).astype("float32"))
    model.set_weights(weights)
    return model


def builders(keras):
    from tf_keras.layers import Dense
    from tf_keras.models import Sequential
    from tf_keras.optimizers import SGD

    def softmax(units=5, loss="categorical_crossentropy"):
        model = Sequential([Dense(units, activation="tanh", input_shape=(4,)),
                            Dense(3, activation="softmax")])
        model.compile(SGD(learning_rate=1.0), loss, metrics=["accuracy"])
        return fixed_weights(model)

    def sigmoid():
        model = Sequential([Dense(3, activation="tanh", input_shape=(4,)),
                            Dense(1, activation="sigmoid")])
        model.compile(SGD(learning_rate=0.1), "binary_crossentropy", metrics=["accuracy"])
        return fixed_weights(model)

    def regressor(units=3):
        model = Sequential([Dense(units, activation="tanh", input_shape=(4,)), Dense(1)])
        model.compile(SGD(learning_rate=0.05), "mse")
        return fixed_weights(model)

    return softmax, sigmoid, regressor


def run(wrappers):
    import tf_keras as keras

    softmax, sigmoid, regressor = builders(keras)
    fit = dict(epochs=8, batch_size=4, shuffle=False, verbose=0)
    out = {}
    for loss in ("categorical_crossentropy", "sparse_categorical_crossentropy"):
        clf = wrappers.KerasClassifier(softmax, units=4, loss=loss, **fit)
        history = clf.fit(X, Y_CLASS)
        out["softmax_" + loss] = {
            "loss": [float(v) for v in history.history["loss"]],
            "classes": clf.classes_.tolist(),
            "predict": clf.predict(X).tolist(),
            "proba": clf.predict_proba(X).tolist(),
            "score": float(clf.score(X, Y_CLASS)),
        }
    clf = wrappers.KerasClassifier(sigmoid, **fit)
    clf.fit(X, Y_BIN)
    out["sigmoid"] = {"classes": clf.classes_.tolist(), "predict": clf.predict(X).tolist(),
                      "proba": clf.predict_proba(X).tolist(),
                      "score": float(clf.score(X, Y_BIN))}
    reg = wrappers.KerasRegressor(regressor, units=2, **fit)
    history = reg.fit(X, Y_REG)
    out["regressor"] = {"loss": [float(v) for v in history.history["loss"]],
                        "predict": reg.predict(X).tolist(), "score": float(reg.score(X, Y_REG))}
    try:
        wrappers.KerasClassifier(softmax, unit=3)
    except ValueError as err:
        out["typo"] = str(err)
    params = wrappers.KerasClassifier(softmax, units=2, epochs=1).get_params()
    out["get_params"] = sorted(k for k in params)
    return out


def main(wheel):
    with tempfile.TemporaryDirectory() as root:
        for name, text in SHIM.items():
            path = os.path.join(root, name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(text)
        with zipfile.ZipFile(wheel) as z:
            source = z.read("keras/wrappers/scikit_learn.py").decode()
        with open(os.path.join(root, "keras/wrappers/scikit_learn.py"), "w") as f:
            f.write(source)
        sys.path.insert(0, root)
        from keras.wrappers import scikit_learn

        out = run(scikit_learn)
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "scikit_learn.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)
    print(json.dumps(out, indent=1)[:3000])


if __name__ == "__main__":
    main(sys.argv[1])
