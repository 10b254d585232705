"""`keras.objectives`: Keras 1's name of `keras.losses`, kept by Keras 2 for old code."""
from tkeras.losses import *  # noqa: F401,F403
