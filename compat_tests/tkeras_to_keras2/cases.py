"""Models that tkeras writes and real Keras 2 (tf-keras 2.21) reads back.

Each case builds a model with deterministic weights (set through the Keras-facing
`set_weights`, so they do not depend on initializers), compiles it, trains one step on a
fixed batch so the file carries optimizer state, and is saved. `generate.py` runs real
Keras 2 on the saved files and stores what Keras computed from them under `refs/`;
`test_tkeras_files_in_keras2.py` rebuilds the same files with the current tkeras and
checks them against those references (no TensorFlow needed).
"""
import numpy as np

import tkeras as keras
from tkeras import layers

BATCH = 4


def _seq_mlp():
    model = keras.Sequential([
        layers.Dense(16, activation="relu", input_shape=(10,), name="dense_in"),
        layers.BatchNormalization(name="bn"),
        layers.Dense(8, activation="tanh", name="dense_hidden"),
        layers.Dense(3, activation="softmax", name="dense_out"),
    ], name="seq_mlp")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01),
                  loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def _multi_io():
    a = keras.Input((6,), name="in_a")
    b = keras.Input((4,), name="in_b")
    shared = layers.Dense(5, activation="relu", name="shared")
    h = layers.concatenate([shared(a), layers.Dense(5, name="proj_b")(b)], name="cat")
    out_class = layers.Dense(3, activation="softmax", name="out_class")(h)
    mixed = layers.add([shared(a), layers.Dense(5, name="proj_h")(h)], name="add")
    out_reg = layers.Dense(2, name="out_reg")(mixed)
    model = keras.Model([a, b], [out_class, out_reg], name="multi_io")
    model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=0.01),
                  loss={"out_class": "categorical_crossentropy", "out_reg": "mse"},
                  loss_weights={"out_class": 1.0, "out_reg": 0.5})
    return model


def _nested():
    # BatchNormalization sits in the plain nested model, not in the one under
    # TimeDistributed: tf-keras 2.21 updates the moving statistics of a BN inside
    # TimeDistributed(Sequential) twice per training step.
    inner = keras.Sequential([layers.Dense(6, input_shape=(5,), name="inner_dense"),
                              layers.Activation("relu", name="inner_relu"),
                              layers.Dense(4, name="inner_out")], name="inner_seq")
    x = keras.Input((3, 5), name="x_in")
    h = layers.TimeDistributed(inner, name="td_inner")(x)
    h = layers.Flatten(name="flat")(h)
    second = keras.Sequential([layers.Dense(7, input_shape=(12,), name="second_dense"),
                               layers.BatchNormalization(name="second_bn"),
                               layers.Activation("relu", name="second_relu")],
                              name="second_seq")
    out = layers.Dense(2, activation="softmax", name="head")(second(h))
    model = keras.Model(x, out, name="nested")
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05, momentum=0.9,
                                                 nesterov=True),
                  loss="categorical_crossentropy")
    return model


def _cnn_bn():
    x = keras.Input((9, 9, 2), name="image")
    h = layers.Conv2D(4, 3, padding="same", name="conv_a")(x)
    h = layers.BatchNormalization(name="bn_a")(h)
    h = layers.Activation("relu", name="relu_a")(h)
    h = layers.Conv2D(6, 3, strides=2, padding="same", name="conv_b")(h)
    h = layers.BatchNormalization(axis=-1, momentum=0.9, name="bn_b")(h)
    h = layers.MaxPooling2D(2, padding="same", name="pool")(h)
    h = layers.SeparableConv2D(5, 2, padding="same", name="sep")(h)
    h = layers.Flatten(name="flat")(h)
    out = layers.Dense(3, activation="softmax", name="probs")(h)
    model = keras.Model(x, out, name="cnn_bn")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01, amsgrad=True),
                  loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def _rnn():
    model = keras.Sequential([
        layers.Embedding(20, 6, input_length=7, name="embed"),
        layers.LSTM(5, return_sequences=True, name="lstm"),
        layers.GRU(4, return_sequences=True, name="gru"),
        layers.GRU(3, reset_after=False, recurrent_activation="hard_sigmoid",
                   name="gru_classic"),
        layers.Dense(1, activation="sigmoid", name="out"),
    ], name="rnn")
    # Not Nadam: tf-keras 2.21's Nadam multiplies its momentum product once per variable
    # inside the traced step, so its numbers depend on the variable count.
    model.compile(optimizer=keras.optimizers.legacy.Adam(learning_rate=0.01),
                  loss="binary_crossentropy")
    return model


def _bidirectional():
    x = keras.Input((6, 4), name="seq_in")
    h = layers.Bidirectional(layers.LSTM(5, return_sequences=True, name="lstm"),
                             name="bi_lstm")(x)
    h = layers.Bidirectional(layers.GRU(3, name="gru"), merge_mode="sum", name="bi_gru")(h)
    h2 = layers.Bidirectional(layers.SimpleRNN(2, name="rnn"), merge_mode="ave",
                              name="bi_rnn")(x)
    out = layers.Dense(2, name="out")(layers.concatenate([h, h2], name="cat"))
    model = keras.Model(x, out, name="bidirectional")
    model.compile(optimizer=keras.optimizers.Adamax(learning_rate=0.01), loss="mse")
    return model


def _time_distributed():
    x = keras.Input((5, 6, 6, 1), name="frames")
    h = layers.TimeDistributed(layers.Conv2D(3, 3, activation="relu"), name="td_conv")(x)
    h = layers.TimeDistributed(layers.GlobalAveragePooling2D(), name="td_pool")(h)
    h = layers.TimeDistributed(layers.Dense(4, activation="tanh"), name="td_dense")(h)
    out = layers.TimeDistributed(layers.Dense(2), name="td_out")(h)
    model = keras.Model(x, out, name="time_distributed")
    model.compile(optimizer=keras.optimizers.Adagrad(learning_rate=0.05), loss="mse")
    return model


BUILDERS = {"seq_mlp": _seq_mlp, "multi_io": _multi_io, "nested": _nested,
            "cnn_bn": _cnn_bn, "rnn": _rnn, "bidirectional": _bidirectional,
            "time_distributed": _time_distributed}


def _batch(name, model, seed):
    rng = np.random.default_rng(seed)
    xs = []
    for t in model.inputs:
        shape = (BATCH,) + tuple(t.shape[1:])
        if name == "rnn":  # token ids for the Embedding
            xs.append(rng.integers(0, 20, size=shape).astype("float32"))
        else:
            xs.append(rng.normal(size=shape).astype("float32"))
    ts = []
    for i, t in enumerate(model.outputs):
        shape = (BATCH,) + tuple(t.shape[1:])
        value = rng.uniform(size=shape).astype("float32")
        if (name, i) in SOFTMAX_OUTPUTS:  # one-hot class targets
            value = np.eye(shape[-1], dtype="float32")[np.argmax(value, axis=-1)]
        ts.append(value)
    return xs, ts


SOFTMAX_OUTPUTS = {("seq_mlp", 0), ("multi_io", 0), ("nested", 0), ("cnn_bn", 0)}


def _weights(model, seed):
    """Deterministic weights in Keras layout (moving variances stay positive)."""
    rng = np.random.default_rng(seed)
    values = []
    for w in model.weights:
        v = (0.4 * rng.standard_normal(tuple(w.shape))).astype("float32")
        if "moving_variance" in w.name:
            v = 0.5 + np.abs(v)
        values.append(v)
    return values


def build(name):
    """(compiled model with deterministic weights, x, t) of a case: the weights are set,
    then one training step on (x, t) gives the optimizer its state."""
    model = BUILDERS[name]()
    model.set_weights(_weights(model, seed=sum(map(ord, name))))
    xs, ts = _batch(name, model, seed=len(name))
    x = xs[0] if len(xs) == 1 else xs
    t = ts[0] if len(ts) == 1 else ts
    model.train_on_batch(x, t)
    return model, x, t
