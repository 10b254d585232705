"""Every public name of Keras 2.3.1's data-side modules (and of the keras_preprocessing
functions they re-export) exists at the same path in tkeras (`keras.x` -> `tkeras.x`;
`keras_preprocessing.x` -> `tkeras.preprocessing.x`). The lists were read from the
Keras 2.3.1 and keras_preprocessing 1.1.2 wheels by `data/make_keras2_public_names.py`.
"""
import importlib
import json
import os

import pytest

with open(os.path.join(os.path.dirname(__file__), "data", "keras2_public_names.json")) as f:
    NAMES = json.load(f)

# Not yet in tkeras, each with the issue that brings it (an empty dict when complete).
NOT_YET = {}


def _tkeras_module(name):
    if name.startswith("keras_preprocessing."):
        return "tkeras.preprocessing." + name.split(".", 1)[1]
    return "t" + name


CASES = [(module, name) for module, names in sorted(NAMES.items()) for name in names]


@pytest.mark.parametrize("module, name", CASES, ids=[f"{m}.{n}" for m, n in CASES])
def test_keras2_public_name_exists_in_tkeras(module, name):
    if (module, name) in NOT_YET:
        pytest.xfail(f"not yet ({NOT_YET[(module, name)]})")
    target = importlib.import_module(_tkeras_module(module))
    assert hasattr(target, name), f"{_tkeras_module(module)} has no {name!r}"
