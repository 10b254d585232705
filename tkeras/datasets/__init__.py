"""`tkeras.datasets` (Keras 2's `keras.datasets`): small standard datasets, downloaded
once into `~/.keras/datasets` (or `$KERAS_HOME/datasets`) and loaded as NumPy arrays.

    from tkeras.datasets import mnist
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
"""
from tkeras.datasets import boston_housing  # noqa: F401
from tkeras.datasets import cifar10, cifar100  # noqa: F401
from tkeras.datasets import fashion_mnist, imdb, mnist, reuters  # noqa: F401
