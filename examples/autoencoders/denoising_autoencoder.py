'''The denoising autoencoder of the Keras blog tutorial "Building Autoencoders in Keras":
a convolutional autoencoder learns to map MNIST digits with Gaussian noise added back
to the clean digits.

Run it unmodified on Keras 2, or on tkeras with:
    python -m tkeras examples/autoencoders/denoising_autoencoder.py
'''
from __future__ import print_function

import numpy as np
from keras.datasets import mnist
from keras.layers import Input, Conv2D, MaxPooling2D, UpSampling2D
from keras.models import Model

(x_train, _), (x_test, _) = mnist.load_data()
x_train = np.reshape(x_train.astype('float32') / 255., (len(x_train), 28, 28, 1))
x_test = np.reshape(x_test.astype('float32') / 255., (len(x_test), 28, 28, 1))

# corrupt the images: Gaussian noise, clipped back to [0, 1]
noise_factor = 0.5
x_train_noisy = x_train + noise_factor * np.random.normal(loc=0.0, scale=1.0,
                                                          size=x_train.shape)
x_test_noisy = x_test + noise_factor * np.random.normal(loc=0.0, scale=1.0,
                                                        size=x_test.shape)
x_train_noisy = np.clip(x_train_noisy, 0., 1.)
x_test_noisy = np.clip(x_test_noisy, 0., 1.)

input_img = Input(shape=(28, 28, 1))
x = Conv2D(32, (3, 3), activation='relu', padding='same')(input_img)
x = MaxPooling2D((2, 2), padding='same')(x)
x = Conv2D(32, (3, 3), activation='relu', padding='same')(x)
encoded = MaxPooling2D((2, 2), padding='same')(x)
# the code is (7, 7, 32)

x = Conv2D(32, (3, 3), activation='relu', padding='same')(encoded)
x = UpSampling2D((2, 2))(x)
x = Conv2D(32, (3, 3), activation='relu', padding='same')(x)
x = UpSampling2D((2, 2))(x)
decoded = Conv2D(1, (3, 3), activation='sigmoid', padding='same')(x)

autoencoder = Model(input_img, decoded)
autoencoder.compile(optimizer='adadelta', loss='binary_crossentropy')

autoencoder.fit(x_train_noisy, x_train,
                epochs=100,
                batch_size=128,
                shuffle=True,
                validation_data=(x_test_noisy, x_test))
denoised = autoencoder.predict(x_test_noisy)
print('noisy error:', float(np.mean((x_test_noisy - x_test) ** 2)))
print('denoised error:', float(np.mean((denoised - x_test) ** 2)))
