'''The deep autoencoder of the Keras blog tutorial "Building Autoencoders in Keras":
784 -> 128 -> 64 -> 32 -> 64 -> 128 -> 784.

Run it unmodified on Keras 2, or on tkeras with:
    python -m tkeras examples/autoencoders/deep_autoencoder.py
'''
from __future__ import print_function

import numpy as np
from keras.datasets import mnist
from keras.layers import Input, Dense
from keras.models import Model

input_img = Input(shape=(784,))
encoded = Dense(128, activation='relu')(input_img)
encoded = Dense(64, activation='relu')(encoded)
encoded = Dense(32, activation='relu')(encoded)

decoded = Dense(64, activation='relu')(encoded)
decoded = Dense(128, activation='relu')(decoded)
decoded = Dense(784, activation='sigmoid')(decoded)

autoencoder = Model(input_img, decoded)
autoencoder.compile(optimizer='adadelta', loss='binary_crossentropy')

(x_train, _), (x_test, _) = mnist.load_data()
x_train = x_train.astype('float32').reshape((len(x_train), 784)) / 255.
x_test = x_test.astype('float32').reshape((len(x_test), 784)) / 255.

autoencoder.fit(x_train, x_train,
                epochs=100,
                batch_size=256,
                shuffle=True,
                validation_data=(x_test, x_test))
print('test loss:', autoencoder.evaluate(x_test, x_test, verbose=0))
