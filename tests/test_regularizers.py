"""Tests for tkeras.regularizers: penalty values and (de)serialization."""
import json

import numpy as np
import pytest
import torch

from tkeras import regularizers

# A fixed 5x4 weight; tf-keras 2.21 reference values below were computed on it.
X = ((np.arange(20) * 7 % 20) - 9.5).reshape(5, 4).astype(np.float32) / 4
F32_001 = 0.009999999776482582  # float32(0.01), as Keras 2 writes it into files


def _w():
    return torch.from_numpy(X.copy())


def test_l1l2_value_matches_numpy_and_keras():
    value = regularizers.L1L2(l1=0.1, l2=0.2)(_w())
    expected = 0.1 * np.abs(X).sum() + 0.2 * np.square(X).sum()
    assert value.shape == ()
    np.testing.assert_allclose(float(value), expected, rtol=1e-6)
    np.testing.assert_allclose(float(value), 10.8125, rtol=1e-6)  # tf-keras 2.21


def test_l1_and_l2_values_match_numpy_and_keras():
    np.testing.assert_allclose(float(regularizers.L1(0.3)(_w())), 0.3 * np.abs(X).sum(), rtol=1e-6)
    np.testing.assert_allclose(float(regularizers.L1(0.3)(_w())), 7.500000476837158, rtol=1e-6)
    np.testing.assert_allclose(float(regularizers.L2(0.4)(_w())), 0.4 * np.square(X).sum(), rtol=1e-6)
    np.testing.assert_allclose(float(regularizers.L2(0.4)(_w())), 16.625, rtol=1e-6)


def _orthogonal_oracle(x, factor, mode):
    x = x.astype(np.float64)
    if mode == "columns":
        x = x.T
    x = x / np.sqrt(np.maximum((x ** 2).sum(axis=1, keepdims=True), 1e-12))
    product = x @ x.T
    n = product.shape[0]
    off = np.abs(product * (1 - np.eye(n))).sum()
    return factor * 0.5 * off / (n * (n - 1) / 2)


@pytest.mark.parametrize("mode, keras_value", [("rows", 0.2501053214073181),
                                               ("columns", 0.21169883012771606)])
def test_orthogonal_regularizer_matches_numpy_and_keras(mode, keras_value):
    value = float(regularizers.OrthogonalRegularizer(0.5, mode=mode)(_w()))
    np.testing.assert_allclose(value, _orthogonal_oracle(X, 0.5, mode), rtol=1e-5)
    np.testing.assert_allclose(value, keras_value, rtol=1e-5)


def test_orthogonal_regularizer_rejects_bad_mode_and_rank():
    with pytest.raises(ValueError, match="Received: mode='diagonal'"):
        regularizers.OrthogonalRegularizer(mode="diagonal")
    with pytest.raises(ValueError, match="must have rank 2"):
        regularizers.OrthogonalRegularizer()(torch.ones(2, 2, 2))


def test_penalty_is_differentiable():
    w = _w().requires_grad_(True)
    regularizers.l1_l2(l1=0.5, l2=0.25)(w).backward()
    np.testing.assert_allclose(w.grad.numpy(), 0.5 * np.sign(X) + 0.5 * X, rtol=1e-6)


def test_defaults_and_keras_2_2_keyword():
    assert regularizers.L1L2().get_config() == {"l1": 0.0, "l2": 0.0}
    assert regularizers.L1L2(l2=None).get_config() == {"l1": 0.0, "l2": 0.0}
    assert regularizers.l1_l2().get_config() == {"l1": F32_001, "l2": F32_001}
    assert regularizers.l1().get_config() == {"l1": F32_001}
    assert regularizers.l2(0.01).get_config() == {"l2": F32_001}
    assert regularizers.l1(l=0.3).get_config() == {"l1": 0.30000001192092896}
    assert regularizers.l2(l=0.5).get_config() == {"l2": 0.5}
    assert float(regularizers.L1L2(l2=0.5)(torch.tensor([1.0, 2.0]))) == 2.5


def test_bad_penalties_are_rejected_with_the_received_value():
    with pytest.raises(ValueError, match="Received: l1='a'"):
        regularizers.L1L2(l1="a")
    with pytest.raises(ValueError, match="Received: l2=nan"):
        regularizers.L2(float("nan"))
    with pytest.raises(TypeError, match="not recognized"):
        regularizers.L1(scale=2)


@pytest.mark.parametrize("name, cls, config", [
    ("l1", regularizers.L1, {"l1": F32_001}),
    ("l2", regularizers.L2, {"l2": F32_001}),
    ("l1_l2", regularizers.L1L2, {"l1": F32_001, "l2": F32_001}),
    ("L1L2", regularizers.L1L2, {"l1": 0.0, "l2": 0.0}),
    ("orthogonal_regularizer", regularizers.OrthogonalRegularizer,
     {"factor": F32_001, "mode": "rows"}),
])
def test_get_by_name_gives_keras_default_instances(name, cls, config):
    reg = regularizers.get(name)
    assert type(reg) is cls
    assert reg.get_config() == config


def test_get_accepts_old_keras_l1l2_dicts_objects_and_callables():
    reg = regularizers.get({"class_name": "L1L2", "config": {"l1": 0.0, "l2": 0.01}})
    assert type(reg) is regularizers.L1L2 and reg.get_config() == {"l1": 0.0, "l2": F32_001}
    assert regularizers.get(None) is None
    obj = regularizers.L2(0.1)
    assert regularizers.get(obj) is obj

    def penalty(w):
        return w.abs().max()

    assert regularizers.get(penalty) is penalty


def test_get_rejects_unknown_names_and_odd_types():
    with pytest.raises(ValueError, match=r"Unknown regularizer: 'l3'.*l1_l2"):
        regularizers.get("l3")
    with pytest.raises(ValueError, match="Received: regularizer=5"):
        regularizers.get(5)


@pytest.mark.parametrize("reg", [
    regularizers.L1L2(0.1, 0.2), regularizers.L1(0.3), regularizers.L2(0.01),
    regularizers.OrthogonalRegularizer(0.2, "columns"),
], ids=lambda r: type(r).__name__)
def test_serialize_deserialize_round_trip(reg):
    config = json.loads(json.dumps(regularizers.serialize(reg)))
    assert config["module"] == "keras.regularizers"
    restored = regularizers.deserialize(config)
    assert type(restored) is type(reg)
    assert restored.get_config() == reg.get_config()
    assert float(restored(_w())) == float(reg(_w()))


def test_serialize_writes_what_keras_2_files_contain():
    # As in the norm_misc fixture's Dense kernel_regularizer.
    assert regularizers.serialize(regularizers.l2(0.01)) == {
        "module": "keras.regularizers", "class_name": "L2",
        "config": {"l2": F32_001}, "registered_name": None,
    }
