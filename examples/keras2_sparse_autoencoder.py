'''A sparse autoencoder, from the Keras blog tutorial "Building Autoencoders in Keras"
(updated to the Keras 2 API): the simple one-layer autoencoder with an L1 activity
regularizer on the code, which pushes most of the 32 code units to zero.

The tutorial trains on MNIST; this script draws its own 28x28 images (one or two soft
blobs at random places) so it runs offline.

Run it unmodified on Keras 2, or on tkeras with:
    python -m tkeras examples/keras2_sparse_autoencoder.py
'''
from __future__ import print_function

import numpy as np

from keras.layers import Input, Dense
from keras import regularizers
from keras.models import Model
from keras.optimizers import Adadelta


def make_images(n, seed):
    rng = np.random.RandomState(seed)
    rows, cols = np.mgrid[0:28, 0:28]
    images = np.zeros((n, 28, 28), dtype='float32')
    for _ in range(2):
        cy = rng.uniform(6, 22, size=(n, 1, 1))
        cx = rng.uniform(6, 22, size=(n, 1, 1))
        size = rng.uniform(2.0, 4.0, size=(n, 1, 1))
        blob = np.exp(-((rows - cy) ** 2 + (cols - cx) ** 2) / (2 * size ** 2))
        images = np.maximum(images, blob)
    return images


x_train, x_test = make_images(2000, seed=0), make_images(500, seed=1)

# this is the size of our encoded representations
encoding_dim = 32  # 32 floats -> compression of factor 24.5, assuming the input is 784 floats

# this is our input placeholder
input_img = Input(shape=(784,))
# add a Dense layer with a L1 activity regularizer
encoded = Dense(encoding_dim, activation='relu',
                activity_regularizer=regularizers.l1(10e-5))(input_img)
# "decoded" is the lossy reconstruction of the input
decoded = Dense(784, activation='sigmoid')(encoded)

# this model maps an input to its reconstruction
autoencoder = Model(input_img, decoded)

# this model maps an input to its encoded representation
encoder = Model(input_img, encoded)

# create a placeholder for an encoded (32-dimensional) input
encoded_input = Input(shape=(encoding_dim,))
# retrieve the last layer of the autoencoder model
decoder_layer = autoencoder.layers[-1]
# create the decoder model
decoder = Model(encoded_input, decoder_layer(encoded_input))

# The tutorial writes optimizer='adadelta', which meant learning_rate=1.0 in Keras 2.0;
# tf.keras 2.x lowered that default to 0.001, which barely moves in a few epochs.
autoencoder.compile(optimizer=Adadelta(learning_rate=1.0), loss='binary_crossentropy')

x_train = x_train.astype('float32') / 1.
x_test = x_test.astype('float32') / 1.
x_train = x_train.reshape((len(x_train), np.prod(x_train.shape[1:])))
x_test = x_test.reshape((len(x_test), np.prod(x_test.shape[1:])))
print(x_train.shape)
print(x_test.shape)

history = autoencoder.fit(x_train, x_train,
                          epochs=10,
                          batch_size=256,
                          shuffle=True,
                          verbose=2,
                          validation_data=(x_test, x_test))

# encode and decode some digits
# note that we take them from the *test* set
encoded_imgs = encoder.predict(x_test)
decoded_imgs = decoder.predict(encoded_imgs)
print('Encoded shape:', encoded_imgs.shape)
print('Decoded shape:', decoded_imgs.shape)
print('Mean code activation: %.4f' % encoded_imgs.mean())
print('Final loss: %.4f - val_loss: %.4f' % (history.history['loss'][-1],
                                             history.history['val_loss'][-1]))
