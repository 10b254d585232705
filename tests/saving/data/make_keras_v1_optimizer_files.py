"""Model files whose optimizer state has the layout of standalone Keras 2.0-2.3
(`keras/optimizers.py`: RMSprop/Adagrad/Adadelta without `iterations`, Adam with a vhat
slot per weight, SGD with momenta even at momentum 0, Nadam with `m_schedule`), written by
that same optimizer code as tf-keras 2.21 keeps it (`optimizer_v1`, graph mode), with the
losses and weights of two more training steps. Run under the TensorFlow environment:

    /work/tfenv/bin/python tests/saving/data/make_keras_v1_optimizer_files.py

Writes `keras_v1_<name>.h5` (model after two steps, saved) and `keras_v1_<name>.npz`
(x, y, the losses of steps 3 and 4, the weights after step 4).
"""
import os

import numpy as np
import tensorflow as tf

tf.compat.v1.disable_eager_execution()
import tf_keras as keras  # noqa: E402
from tf_keras.src.optimizers import optimizer_v1 as v1  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OPTIMIZERS = {
    "sgd": lambda: v1.SGD(lr=0.1),
    "sgd_nesterov": lambda: v1.SGD(lr=0.05, momentum=0.9, nesterov=True),
    "rmsprop": lambda: v1.RMSprop(lr=0.01),
    "adagrad": lambda: v1.Adagrad(lr=0.05),
    "adadelta": lambda: v1.Adadelta(),
    "adam": lambda: v1.Adam(lr=0.01),
    "adam_amsgrad": lambda: v1.Adam(lr=0.01, amsgrad=True),
    "adamax": lambda: v1.Adamax(lr=0.01),
    "nadam": lambda: v1.Nadam(lr=0.01),
}


def main():
    rng = np.random.RandomState(0)
    x = rng.rand(16, 5).astype("float32")
    y = rng.rand(16, 2).astype("float32")
    for index, (name, make) in enumerate(OPTIMIZERS.items()):
        init = np.random.RandomState(10 + index)
        model = keras.Sequential([keras.layers.Dense(4, input_shape=(5,), activation="tanh"),
                                  keras.layers.Dense(2)])
        model.set_weights([init.randn(*w.shape).astype("float32") * 0.5
                           for w in model.get_weights()])
        model.compile(make(), "mse")
        model.train_on_batch(x, y)
        model.train_on_batch(x, y)
        model.save(os.path.join(HERE, f"keras_v1_{name}.h5"))
        losses = [model.train_on_batch(x, y) for _ in range(2)]
        out = {"x": x, "y": y, "losses": np.array(losses, "float32")}
        out.update({f"after{i}": w for i, w in enumerate(model.get_weights())})
        np.savez(os.path.join(HERE, f"keras_v1_{name}.npz"), **out)


if __name__ == "__main__":
    main()
