'''The variational autoencoder of the Keras blog tutorial "Building Autoencoders in
Keras", on MNIST: the encoder gives the mean and log-variance of a 2-D Gaussian, a
Lambda layer samples from it, the decoder maps the sample back to pixels; the loss
(reconstruction + KL divergence) is attached with `add_loss`.

Run it unmodified on Keras 2, or on tkeras with:
    python -m tkeras examples/autoencoders/variational_autoencoder.py
'''
from __future__ import print_function

import numpy as np
from keras import backend as K
from keras import objectives
from keras.datasets import mnist
from keras.layers import Input, Dense, Lambda
from keras.models import Model

batch_size = 100
original_dim = 784
latent_dim = 2
intermediate_dim = 256
epochs = 50
epsilon_std = 1.0

x = Input(shape=(original_dim,))
h = Dense(intermediate_dim, activation='relu')(x)
z_mean = Dense(latent_dim)(h)
z_log_sigma = Dense(latent_dim)(h)


def sampling(args):
    z_mean, z_log_sigma = args
    epsilon = K.random_normal(shape=(K.shape(z_mean)[0], latent_dim),
                              mean=0., stddev=epsilon_std)
    return z_mean + K.exp(z_log_sigma) * epsilon


z = Lambda(sampling, output_shape=(latent_dim,))([z_mean, z_log_sigma])

# the decoder layers, shared by the VAE and the stand-alone generator
decoder_h = Dense(intermediate_dim, activation='relu')
decoder_mean = Dense(original_dim, activation='sigmoid')
x_decoded_mean = decoder_mean(decoder_h(z))

vae = Model(x, x_decoded_mean)
encoder = Model(x, z_mean)
decoder_input = Input(shape=(latent_dim,))
generator = Model(decoder_input, decoder_mean(decoder_h(decoder_input)))

xent_loss = original_dim * objectives.binary_crossentropy(x, x_decoded_mean)
kl_loss = -0.5 * K.sum(1 + 2 * z_log_sigma - K.square(z_mean) - K.exp(2 * z_log_sigma),
                       axis=-1)
vae.add_loss(K.mean(xent_loss + kl_loss))
vae.compile(optimizer='rmsprop')

(x_train, y_train), (x_test, y_test) = mnist.load_data()
x_train = x_train.astype('float32').reshape((len(x_train), 784)) / 255.
x_test = x_test.astype('float32').reshape((len(x_test), 784)) / 255.

vae.fit(x_train,
        shuffle=True,
        epochs=epochs,
        batch_size=batch_size,
        validation_data=(x_test, None))

x_test_encoded = encoder.predict(x_test, batch_size=batch_size)
print('latent means:', x_test_encoded.shape)
digit = generator.predict(np.array([[0.5, -0.5]]))
print('generated digit:', digit.reshape(28, 28).shape)
