'''The sequence-to-sequence autoencoder of the Keras blog tutorial "Building
Autoencoders in Keras": an LSTM encodes a sequence into one vector, RepeatVector feeds
that vector to every step of an LSTM decoder. Here the sequences are MNIST digits read
row by row (28 steps of 28 pixels).

Run it unmodified on Keras 2, or on tkeras with:
    python -m tkeras examples/autoencoders/lstm_autoencoder.py
'''
from __future__ import print_function

from keras.datasets import mnist
from keras.layers import Input, LSTM, RepeatVector
from keras.models import Model

timesteps, input_dim, latent_dim = 28, 28, 64

inputs = Input(shape=(timesteps, input_dim))
encoded = LSTM(latent_dim)(inputs)

decoded = RepeatVector(timesteps)(encoded)
decoded = LSTM(input_dim, return_sequences=True)(decoded)

sequence_autoencoder = Model(inputs, decoded)
encoder = Model(inputs, encoded)
sequence_autoencoder.compile(optimizer='adam', loss='mse')

(x_train, _), (x_test, _) = mnist.load_data()
x_train = x_train.astype('float32') / 255.
x_test = x_test.astype('float32') / 255.

sequence_autoencoder.fit(x_train, x_train,
                         epochs=10,
                         batch_size=128,
                         shuffle=True,
                         validation_data=(x_test, x_test))
print('code shape:', encoder.predict(x_test).shape)
