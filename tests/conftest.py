"""Shared test setup: every test starts from a fresh Keras session and fixed seeds, so
auto-generated names (`dense_1`, ...) and random initial weights are reproducible."""
import random

import numpy as np
import pytest
import torch


@pytest.fixture(autouse=True)
def _fresh_keras_session():
    from tkeras import backend as K

    K.clear_session()
    random.seed(1337)
    np.random.seed(1337)
    torch.manual_seed(1337)
    yield
    K.clear_session()
