"""Names available to the docstring examples run as doctests (`np`, `torch`, `tkeras`)."""
import numpy as np
import pytest
import torch

import tkeras


@pytest.fixture(autouse=True)
def _doctest_names(doctest_namespace):
    doctest_namespace.update(np=np, torch=torch, tkeras=tkeras, keras=tkeras,
                             K=tkeras.backend)


# `python -m tkeras` entry point and the scripts that generate reference data with real
# Keras (run under a TensorFlow environment, not by pytest) are not test modules.
collect_ignore = ["tkeras/__main__.py"]
collect_ignore_glob = ["tests/*/data/*.py", "tests/data/*.py"]
