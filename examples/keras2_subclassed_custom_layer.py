'''A custom layer with trainable weights inside a subclassed model (Keras 2 style).

`MyLayer` is the layer from the Keras 2 guide "Writing your own Keras layers": `build`
creates the kernel with `add_weight`, `call` is a `K.dot`, `compute_output_shape` gives
the shape rule. `MyModel` subclasses `keras.Model` and uses it in `call`.

Run it unmodified on Keras 2, or on tkeras with:
    python -m tkeras examples/keras2_subclassed_custom_layer.py
'''
from __future__ import print_function

import numpy as np

import keras
from keras import backend as K
from keras.layers import Layer, Dense, Dropout


class MyLayer(Layer):

    def __init__(self, output_dim, **kwargs):
        self.output_dim = output_dim
        super(MyLayer, self).__init__(**kwargs)

    def build(self, input_shape):
        # Create a trainable weight variable for this layer.
        self.kernel = self.add_weight(name='kernel',
                                      shape=(input_shape[1], self.output_dim),
                                      initializer='uniform',
                                      trainable=True)
        super(MyLayer, self).build(input_shape)  # Be sure to call this at the end

    def call(self, x):
        return K.dot(x, self.kernel)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.output_dim)


class MyModel(keras.Model):

    def __init__(self, num_classes=4):
        super(MyModel, self).__init__(name='my_model')
        self.num_classes = num_classes
        self.dense_1 = Dense(32, activation='relu')
        self.dropout = Dropout(0.1)
        self.projection = MyLayer(num_classes)

    def call(self, inputs, training=None):
        x = self.dense_1(inputs)
        x = self.dropout(x, training=training)
        return K.softmax(self.projection(x))


np.random.seed(3)
num_classes = 4
centers = 2.0 * np.random.randn(num_classes, 16)
y_int = np.random.randint(0, num_classes, size=800)
x_all = (centers[y_int] + np.random.randn(800, 16)).astype('float32')
y_all = keras.utils.to_categorical(y_int, num_classes)
x_train, y_train, x_test, y_test = x_all[:600], y_all[:600], x_all[600:], y_all[600:]

model = MyModel(num_classes=num_classes)
model.compile(optimizer=keras.optimizers.Adam(0.01),
              loss='categorical_crossentropy',
              metrics=['accuracy'])
history = model.fit(x_train, y_train, batch_size=32, epochs=5, verbose=2)
model.summary()

probs = model.predict(x_test)
print('Predictions shape:', probs.shape)
print('Row sums close to 1:', bool(np.allclose(probs.sum(axis=1), 1.0, atol=1e-5)))
print('Test accuracy: %.4f' % np.mean(np.argmax(probs, axis=1) == np.argmax(y_test, axis=1)))
