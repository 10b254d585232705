'''Multi-input, multi-output model (the Keras 2 functional API guide's "headline" model).

A headline (a sequence of word indices) goes through an Embedding and an LSTM; an
auxiliary output predicts the label from the LSTM alone, and the main output predicts it
from the LSTM features concatenated with extra auxiliary data. The data is synthetic: the
label says whether the headline contains the word "1" more often than the word "2",
nudged by the auxiliary data.

Run it unmodified on Keras 2, or on tkeras with:
    python -m tkeras examples/keras2_functional_multi_io.py
'''
from __future__ import print_function

import numpy as np

import keras
from keras.layers import Input, Embedding, LSTM, Dense
from keras.models import Model

np.random.seed(7)
num_samples, seq_len, vocab = 1200, 20, 100

headline_data = np.random.randint(1, vocab, size=(num_samples, seq_len)).astype('int32')
additional_data = np.random.rand(num_samples, 5).astype('float32')
score = ((headline_data < 30).sum(axis=1) - 6) + 2.0 * (additional_data[:, 0] - 0.5)
labels = (score > 0).astype('float32')

# Headline input: meant to receive sequences of `seq_len` integers in [1, vocab).
# Note that we can name any layer by passing it a "name" argument.
main_input = Input(shape=(seq_len,), dtype='int32', name='main_input')

# This embedding layer will encode the input sequence
# into a sequence of dense 16-dimensional vectors.
x = Embedding(output_dim=16, input_dim=vocab, input_length=seq_len)(main_input)

# A LSTM will transform the vector sequence into a single vector,
# containing information about the entire sequence
lstm_out = LSTM(16)(x)

auxiliary_output = Dense(1, activation='sigmoid', name='aux_output')(lstm_out)

auxiliary_input = Input(shape=(5,), name='aux_input')
x = keras.layers.concatenate([lstm_out, auxiliary_input])

# We stack a deep densely-connected network on top
x = Dense(32, activation='relu')(x)
x = Dense(32, activation='relu')(x)

# And finally we add the main logistic regression layer
main_output = Dense(1, activation='sigmoid', name='main_output')(x)

model = Model(inputs=[main_input, auxiliary_input], outputs=[main_output, auxiliary_output])
model.summary()

model.compile(optimizer='rmsprop',
              loss={'main_output': 'binary_crossentropy', 'aux_output': 'binary_crossentropy'},
              loss_weights=[1.0, 0.2],
              metrics={'main_output': ['accuracy'], 'aux_output': ['accuracy']})

# And trained it via:
history = model.fit({'main_input': headline_data[:1000], 'aux_input': additional_data[:1000]},
                    {'main_output': labels[:1000], 'aux_output': labels[:1000]},
                    epochs=5, batch_size=32, verbose=2)

results = model.evaluate({'main_input': headline_data[1000:], 'aux_input': additional_data[1000:]},
                         {'main_output': labels[1000:], 'aux_output': labels[1000:]},
                         verbose=0)
for name, value in zip(model.metrics_names, results):
    print('Test %s: %.4f' % (name, value))
