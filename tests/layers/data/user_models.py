"""Keras 2 user programs written once against a `keras` module argument, so the same code
builds the model in tf-keras (`make_user_models.py`, the reference) and in tkeras
(`tests/layers/test_user_models.py`).
"""
import numpy as np


def video_classifier(keras):
    """A frozen frame CNN applied to every frame by TimeDistributed, then an LSTM."""
    L = keras.layers
    frame = keras.Input((8, 8, 3))
    h = L.Conv2D(4, 3, padding="same", activation="relu")(frame)
    h = L.BatchNormalization()(h)
    h = L.MaxPooling2D()(h)
    h = L.SeparableConv2D(5, 3, padding="same")(h)
    h = L.GlobalAveragePooling2D()(h)
    cnn = keras.Model(frame, h, name="frame_cnn")
    cnn.trainable = False
    clip = keras.Input((4, 8, 8, 3))
    x = L.TimeDistributed(cnn)(clip)
    x = L.LSTM(6)(x)
    out = L.Dense(2)(x)
    return keras.Model(clip, out)


def video_inputs(rng):
    return rng.randn(3, 4, 8, 8, 3).astype("float32"), rng.randn(3, 2).astype("float32")


def bidirectional_encoder(keras):
    """Embedding(mask_zero) -> Bidirectional(LSTM(return_state=True)); states to the head."""
    L = keras.layers
    tokens = keras.Input((7,), dtype="int32")
    x = L.Embedding(20, 5, mask_zero=True)(tokens)
    seq, fh, fc, bh, bc = L.Bidirectional(
        L.LSTM(4, return_sequences=True, return_state=True))(x)
    pooled = L.GlobalAveragePooling1D()(seq)
    out = L.Dense(2)(L.Concatenate()([pooled, fh, bc]))
    return keras.Model(tokens, out)


def post_padded_tokens(rng, n=4, length=7, vocab=20):
    x = rng.randint(1, vocab, size=(n, length)).astype("int32")
    for row, valid in enumerate([7, 5, 3, 1][:n]):
        x[row, valid:] = 0  # pad_sequences(padding="post")
    return x


def encoder_inputs(rng):
    return post_padded_tokens(rng), rng.randn(4, 2).astype("float32")


def gru_reset_before(keras):
    """Masking + GRU(reset_after=False) stacked, the Keras <= 2.2 GRU, post-padded."""
    L = keras.layers
    seq = keras.Input((6, 3))
    x = L.Masking(0.0)(seq)
    x = L.GRU(5, reset_after=False, return_sequences=True)(x)
    x = L.GRU(4, reset_after=False, recurrent_activation="hard_sigmoid")(x)
    return keras.Model(seq, L.Dense(1)(x))


def gru_inputs(rng):
    x = rng.randn(4, 6, 3).astype("float32")
    x[1, 4:] = 0.0
    x[2, 2:] = 0.0
    return x, rng.randn(4, 1).astype("float32")


def masked_lstm_classifier(keras):
    """The text classifier of the Keras examples: Embedding(mask_zero) -> LSTM -> Dense."""
    L = keras.layers
    model = keras.Sequential([
        L.Embedding(20, 6, mask_zero=True, input_length=7),
        L.LSTM(5),
        L.Dense(1, activation="sigmoid"),
    ])
    model.build((None, 7))
    return model


def lstm_inputs(rng):
    return post_padded_tokens(rng), (rng.rand(4, 1) > 0.5).astype("float32")


def channels_first_convnet(keras):
    """A Theano-era script: `image_data_format` set to channels_first before building."""
    L, K = keras.layers, keras.backend
    saved = K.image_data_format()
    K.set_image_data_format("channels_first")
    try:
        return keras.Sequential([
            L.Conv2D(4, 3, padding="same", activation="relu", input_shape=(2, 9, 9)),
            L.BatchNormalization(axis=1),
            L.MaxPooling2D(padding="same"),
            L.DepthwiseConv2D(3, strides=2, padding="same", depth_multiplier=2),
            L.UpSampling2D(interpolation="bilinear"),
            L.ZeroPadding2D(1),
            L.AveragePooling2D(3),
            L.Flatten(),  # channels_first data flattened in Keras's channels_last order
            L.Dense(3),
        ])
    finally:
        K.set_image_data_format(saved)


def image_inputs(rng):
    return rng.randn(4, 2, 9, 9).astype("float32"), rng.randn(4, 3).astype("float32")


MODELS = {
    "channels_first_convnet": (channels_first_convnet, image_inputs, "mse"),
    "video_classifier": (video_classifier, video_inputs, "mse"),
    "bidirectional_encoder": (bidirectional_encoder, encoder_inputs, "mse"),
    "gru_reset_before": (gru_reset_before, gru_inputs, "mse"),
    "masked_lstm_classifier": (masked_lstm_classifier, lstm_inputs, "binary_crossentropy"),
}
STEPS = 2
LR = 0.1


def seeded_weights(model, seed):
    rng = np.random.RandomState(seed)
    weights = []
    for w in model.get_weights():
        value = (rng.randn(*w.shape) * 0.4).astype("float32")
        weights.append(np.abs(value) + 0.5 if w.ndim == 1 and np.all(w == 1) else value)
    return weights
