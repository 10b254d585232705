"""What real Keras 2 (tf-keras 2.21) does with the bad inputs of issue 9, recorded in
`bad_inputs.json` for `tests/engine/test_bad_inputs_vs_keras2.py` (no TensorFlow in CI).

Run in an environment with TensorFlow and tf-keras:

    pip install tensorflow-cpu tf-keras
    python tests/engine/data/make_bad_inputs.py

Each case records the exception type and message, or the result when Keras accepts the
input (losses, and whether the weights changed).
"""
import json
import os

import numpy as np
import tf_keras as keras
from tf_keras.layers import (LSTM, BatchNormalization, Conv2D, Dense, Embedding,
                             GaussianNoise)


def _dense_classifier():
    m = keras.Sequential([Dense(2, input_shape=(3,), activation="softmax")])
    m.compile("sgd", "sparse_categorical_crossentropy")
    return m


def _mse(layer):
    m = keras.Sequential([layer])
    m.compile("sgd", "mse")
    return m


def fit_no_samples():
    m = _mse(Dense(2, input_shape=(3,)))
    m.fit(np.zeros((0, 3)), np.zeros((0, 2)), verbose=0)


def evaluate_no_samples():
    m = _mse(Dense(2, input_shape=(3,)))
    m.evaluate(np.zeros((0, 3)), np.zeros((0, 2)), verbose=0)


def class_weight_unknown_key():
    _dense_classifier().fit(np.zeros((4, 3)), np.array([0, 1, 0, 1]),
                            class_weight={0: 1, 1: 1, 5: 2}, verbose=0)


def class_weight_extra_class():
    m = _dense_classifier()
    h = m.fit(np.zeros((4, 3)), np.array([0, 1, 0, 1]), class_weight={0: 1, 1: 1, 2: 2},
              verbose=0)
    return {"epochs": len(h.history["loss"])}


def noise_only_model_trains():
    m = _mse(GaussianNoise(0.1, input_shape=(3,)))
    h = m.fit(np.ones((4, 3)), np.zeros((4, 3)), epochs=2, verbose=0)
    return {"epochs": len(h.history["loss"]), "finite": bool(np.isfinite(h.history["loss"]).all())}


def frozen_model_trains():
    m = keras.Sequential([Dense(3, input_shape=(3,), kernel_initializer="ones")])
    m.layers[0].trainable = False
    m.compile("sgd", "mse")
    before = m.get_weights()
    h = m.fit(np.ones((4, 3)), np.zeros((4, 3)), epochs=2, verbose=0)
    unchanged = all((a == b).all() for a, b in zip(before, m.get_weights()))
    return {"loss": [float(v) for v in h.history["loss"]], "weights_unchanged": unchanged}


def batchnorm_batch_of_one_trains():
    m = _mse(BatchNormalization(input_shape=(3,)))
    h = m.fit(np.ones((1, 3)), np.zeros((1, 3)), verbose=0)
    return {"loss": [float(v) for v in h.history["loss"]]}


def conv_too_small():
    Conv2D(3, 5)(np.zeros((1, 3, 3, 2), "float32"))


def embedding_out_of_range():
    Embedding(10, 3)(np.array([[1, 12]]))


def lstm_zero_timesteps():
    LSTM(3)(np.zeros((2, 0, 3), "float32"))


CASES = [fit_no_samples, evaluate_no_samples, class_weight_unknown_key,
         class_weight_extra_class, noise_only_model_trains, frozen_model_trains,
         batchnorm_batch_of_one_trains, conv_too_small, embedding_out_of_range,
         lstm_zero_timesteps]


def main():
    out = {"keras_version": keras.__version__}
    for case in CASES:
        try:
            out[case.__name__] = {"result": case()}
        except Exception as err:  # noqa: BLE001 - recording what Keras raises
            lines = [l.strip() for l in str(err).splitlines() if l.strip()]
            # The first line, and TF's op message (`indices[0,1] = 12 is not in [0, 10)`).
            detail = next((l for l in lines[1:] if "{{function_node" in l), None)
            message = lines[0] if lines else ""
            if detail:
                message += " " + detail.split("}}", 1)[-1].strip()
            out[case.__name__] = {"error": type(err).__name__, "message": message}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bad_inputs.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)
    print(json.dumps(out, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
