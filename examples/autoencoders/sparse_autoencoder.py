'''The sparse autoencoder of the Keras blog tutorial "Building Autoencoders in Keras":
an L1 activity penalty on the 32-float code makes fewer units fire at once.

Run it unmodified on Keras 2, or on tkeras with:
    python -m tkeras examples/autoencoders/sparse_autoencoder.py
'''
from __future__ import print_function

import numpy as np
from keras import regularizers
from keras.datasets import mnist
from keras.layers import Input, Dense
from keras.models import Model

encoding_dim = 32

input_img = Input(shape=(784,))
encoded = Dense(encoding_dim, activation='relu',
                activity_regularizer=regularizers.l1(10e-5))(input_img)
decoded = Dense(784, activation='sigmoid')(encoded)
autoencoder = Model(input_img, decoded)
encoder = Model(input_img, encoded)

autoencoder.compile(optimizer='adadelta', loss='binary_crossentropy')

(x_train, _), (x_test, _) = mnist.load_data()
x_train = x_train.astype('float32').reshape((len(x_train), 784)) / 255.
x_test = x_test.astype('float32').reshape((len(x_test), 784)) / 255.

autoencoder.fit(x_train, x_train,
                epochs=100,
                batch_size=256,
                shuffle=True,
                validation_data=(x_test, x_test))

encoded_imgs = encoder.predict(x_test)
print('mean code activation:', float(encoded_imgs.mean()))
