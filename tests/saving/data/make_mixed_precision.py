"""A mixed_float16 model file written by real Keras 2 (tf-keras 2.21), for
`tests/saving/test_mixed_precision_files.py`. Run under the TensorFlow environment:

    /work/tfenv/bin/python tests/saving/data/make_mixed_precision.py

Writes `tf_keras_mixed_float16.h5` (model, Adam wrapped in LossScaleOptimizerV3, after
two training steps) and `tf_keras_mixed_float16.npz` (x, y and the saved model's
prediction).
"""
import os

import numpy as np
import tf_keras as keras
from tf_keras import mixed_precision

HERE = os.path.dirname(os.path.abspath(__file__))

mixed_precision.set_global_policy("mixed_float16")
rng = np.random.RandomState(0)
x = rng.rand(16, 5).astype("float32")
y = rng.rand(16, 2).astype("float32")
model = keras.Sequential([keras.layers.Dense(8, input_shape=(5,), activation="relu"),
                          keras.layers.Dense(2, dtype="float32")])
model.set_weights([rng.randn(*w.shape).astype("float32") * 0.5 for w in model.get_weights()])
model.compile(keras.optimizers.Adam(0.01), "mse")
model.train_on_batch(x, y)
model.train_on_batch(x, y)
path = os.path.join(HERE, "tf_keras_mixed_float16.h5")
model.save(path)
pred = model.predict(x, verbose=0)
np.savez(os.path.join(HERE, "tf_keras_mixed_float16.npz"), x=x, y=y, pred=pred)
