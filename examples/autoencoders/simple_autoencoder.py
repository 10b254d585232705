'''The simplest autoencoder of the Keras blog tutorial "Building Autoencoders in Keras":
one Dense layer encodes a 784-pixel MNIST digit into 32 floats, one decodes it.

Run it unmodified on Keras 2, or on tkeras with:
    python -m tkeras examples/autoencoders/simple_autoencoder.py
'''
from __future__ import print_function

import numpy as np
from keras.datasets import mnist
from keras.layers import Input, Dense
from keras.models import Model

encoding_dim = 32  # 784 floats -> 32: a compression factor of 24.5

input_img = Input(shape=(784,))
encoded = Dense(encoding_dim, activation='relu')(input_img)
decoded = Dense(784, activation='sigmoid')(encoded)

# the whole autoencoder, and its two halves sharing its layers
autoencoder = Model(input_img, decoded)
encoder = Model(input_img, encoded)
encoded_input = Input(shape=(encoding_dim,))
decoder = Model(encoded_input, autoencoder.layers[-1](encoded_input))

autoencoder.compile(optimizer='adadelta', loss='binary_crossentropy')

(x_train, _), (x_test, _) = mnist.load_data()
x_train = x_train.astype('float32') / 255.
x_test = x_test.astype('float32') / 255.
x_train = x_train.reshape((len(x_train), np.prod(x_train.shape[1:])))
x_test = x_test.reshape((len(x_test), np.prod(x_test.shape[1:])))
print(x_train.shape, x_test.shape)

autoencoder.fit(x_train, x_train,
                epochs=50,
                batch_size=256,
                shuffle=True,
                validation_data=(x_test, x_test))

encoded_imgs = encoder.predict(x_test)
decoded_imgs = decoder.predict(encoded_imgs)
print('encoded shape:', encoded_imgs.shape)
print('reconstruction error:', float(np.mean((decoded_imgs - x_test) ** 2)))
