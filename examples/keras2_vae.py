'''Variational autoencoder (the Keras 2 `variational_autoencoder.py` example, MLP version).

The encoder maps an image to the mean and log-variance of a Gaussian in a 2-D latent
space; a Lambda layer samples z with the reparameterization trick; the decoder maps z
back to pixels. The loss (reconstruction + KL divergence) is built from backend
functions on the model's symbolic tensors and attached with `vae.add_loss`, so the
model is compiled without a `loss`.

The example trains on MNIST; this script draws its own 28x28 images (one soft blob at
a random place) so it runs offline.

Run it unmodified on Keras 2, or on tkeras with:
    python -m tkeras examples/keras2_vae.py
'''
from __future__ import absolute_import
from __future__ import division
from __future__ import print_function

import numpy as np

from keras.layers import Lambda, Input, Dense
from keras.models import Model
from keras.losses import binary_crossentropy
from keras import backend as K


# reparameterization trick
# instead of sampling from Q(z|X), sample epsilon = N(0,I)
# z = z_mean + sqrt(var) * epsilon
def sampling(args):
    """Reparameterization trick by sampling from an isotropic unit Gaussian.

    # Arguments
        args (tensor): mean and log of variance of Q(z|X)

    # Returns
        z (tensor): sampled latent vector
    """
    z_mean, z_log_var = args
    batch = K.shape(z_mean)[0]
    dim = K.int_shape(z_mean)[1]
    # by default, random_normal has mean = 0 and std = 1.0
    epsilon = K.random_normal(shape=(batch, dim))
    return z_mean + K.exp(0.5 * z_log_var) * epsilon


def make_images(n, seed):
    rng = np.random.RandomState(seed)
    rows, cols = np.mgrid[0:28, 0:28]
    cy = rng.uniform(6, 22, size=(n, 1, 1))
    cx = rng.uniform(6, 22, size=(n, 1, 1))
    size = rng.uniform(2.0, 4.0, size=(n, 1, 1))
    return np.exp(-((rows - cy) ** 2 + (cols - cx) ** 2) / (2 * size ** 2)).astype('float32')


# synthetic "MNIST" dataset
x_train, x_test = make_images(2000, seed=0), make_images(500, seed=1)

image_size = x_train.shape[1]
original_dim = image_size * image_size
x_train = np.reshape(x_train, [-1, original_dim])
x_test = np.reshape(x_test, [-1, original_dim])

# network parameters
input_shape = (original_dim, )
intermediate_dim = 128
batch_size = 128
latent_dim = 2
epochs = 8

# VAE model = encoder + decoder
# build encoder model
inputs = Input(shape=input_shape, name='encoder_input')
x = Dense(intermediate_dim, activation='relu')(inputs)
z_mean = Dense(latent_dim, name='z_mean')(x)
z_log_var = Dense(latent_dim, name='z_log_var')(x)

# use reparameterization trick to push the sampling out as input
z = Lambda(sampling, output_shape=(latent_dim,), name='z')([z_mean, z_log_var])

# instantiate encoder model
encoder = Model(inputs, [z_mean, z_log_var, z], name='encoder')
encoder.summary()

# build decoder model
latent_inputs = Input(shape=(latent_dim,), name='z_sampling')
x = Dense(intermediate_dim, activation='relu')(latent_inputs)
outputs = Dense(original_dim, activation='sigmoid')(x)

# instantiate decoder model
decoder = Model(latent_inputs, outputs, name='decoder')
decoder.summary()

# instantiate VAE model
outputs = decoder(encoder(inputs)[2])
vae = Model(inputs, outputs, name='vae_mlp')

# VAE loss = reconstruction loss + KL divergence
reconstruction_loss = binary_crossentropy(inputs, outputs)
reconstruction_loss *= original_dim
kl_loss = 1 + z_log_var - K.square(z_mean) - K.exp(z_log_var)
kl_loss = K.sum(kl_loss, axis=-1)
kl_loss *= -0.5
vae_loss = K.mean(reconstruction_loss + kl_loss)
vae.add_loss(vae_loss)
vae.compile(optimizer='adam')
vae.summary()

# train the autoencoder
history = vae.fit(x_train,
                  epochs=epochs,
                  batch_size=batch_size,
                  verbose=2,
                  validation_data=(x_test, None))

z_mean_test, _, _ = encoder.predict(x_test, batch_size=batch_size)
x_decoded = decoder.predict(z_mean_test, batch_size=batch_size)
print('Latent means shape:', z_mean_test.shape)
print('Decoded shape:', x_decoded.shape)
print('Final loss: %.2f - val_loss: %.2f' % (history.history['loss'][-1],
                                             history.history['val_loss'][-1]))
