"""Reference runs of the Keras 2 user programs in `user_models.py` under real Keras 2
(tf-keras 2.21).

Run under the TensorFlow environment (not by pytest):

    /work/tfenv/bin/python tests/layers/data/make_user_models.py

Writes `user_models.npz` next to this file. Per model `<name>`: `x`, `y`, the seeded
starting weights `w0...` (Keras order), the prediction `pred`, the losses of `STEPS`
`train_on_batch` calls with SGD(LR) (`losses`), and the weights after them (`after0...`).
"""
import os
import sys

import numpy as np
import tf_keras as keras

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import user_models  # noqa: E402


def main():
    out = {}
    for index, (name, (build, data, loss)) in enumerate(user_models.MODELS.items()):
        model = build(keras)
        weights = user_models.seeded_weights(model, 100 + index)
        model.set_weights(weights)
        x, y = data(np.random.RandomState(200 + index))
        out[f"{name}/x"], out[f"{name}/y"] = x, y
        for i, w in enumerate(weights):
            out[f"{name}/w{i}"] = w
        out[f"{name}/pred"] = model.predict(x, verbose=0)
        model.compile(keras.optimizers.SGD(user_models.LR), loss)
        out[f"{name}/losses"] = np.array(
            [model.train_on_batch(x, y) for _ in range(user_models.STEPS)], "float32")
        for i, w in enumerate(model.get_weights()):
            out[f"{name}/after{i}"] = w
    np.savez_compressed(os.path.join(HERE, "user_models.npz"), **out)
    print("wrote", list(user_models.MODELS))


if __name__ == "__main__":
    main()
