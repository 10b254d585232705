'''Trains a simple deep NN on MNIST-shaped data (the Keras 2 `mnist_mlp.py` example).

The real example downloads MNIST; this one draws random 784-pixel "images" instead:
each class has its own random set of "ink" pixels, an image shows a random half of its
class's pixels plus random noise pixels, so the script runs offline and the network has
something to learn.

Run it unmodified on Keras 2, or on tkeras with:
    python -m tkeras examples/keras2_mnist_mlp_sequential.py
'''
from __future__ import print_function

import numpy as np

import keras
from keras.models import Sequential
from keras.layers import Dense, Dropout
from keras.optimizers import RMSprop

batch_size = 128
num_classes = 10
epochs = 5

np.random.seed(1337)
patterns = np.random.rand(num_classes, 784) < 0.2


def make_data(n):
    y = np.random.randint(0, num_classes, size=n)
    ink = (patterns[y] & (np.random.rand(n, 784) < 0.5)) | (np.random.rand(n, 784) < 0.1)
    x = ink * np.random.uniform(0.5, 1.0, size=(n, 784))
    return x.astype('float32'), y


(x_train, y_train), (x_test, y_test) = make_data(3000), make_data(1000)
print(x_train.shape[0], 'train samples')
print(x_test.shape[0], 'test samples')

# convert class vectors to binary class matrices
y_train = keras.utils.to_categorical(y_train, num_classes)
y_test = keras.utils.to_categorical(y_test, num_classes)

model = Sequential()
model.add(Dense(512, activation='relu', input_shape=(784,)))
model.add(Dropout(0.2))
model.add(Dense(512, activation='relu'))
model.add(Dropout(0.2))
model.add(Dense(num_classes, activation='softmax'))

model.summary()

model.compile(loss='categorical_crossentropy',
              optimizer=RMSprop(),
              metrics=['accuracy'])

history = model.fit(x_train, y_train,
                    batch_size=batch_size,
                    epochs=epochs,
                    verbose=2,
                    validation_split=0.2)
score = model.evaluate(x_test, y_test, verbose=0)
print('Test loss:', score[0])
print('Test accuracy:', score[1])
