"""Tests for tkeras.constraints: projected weights and (de)serialization."""
import json

import numpy as np
import pytest
import torch

from tkeras import constraints

EPS = 1e-7
# A fixed 5x4 weight; tf-keras 2.21 reference values below were computed on it.
X = ((np.arange(20) * 7 % 20) - 9.5).reshape(5, 4).astype(np.float32) / 4


def _w(x=X):
    return torch.from_numpy(np.array(x, dtype=np.float32))


def _norms(w, axis):
    return np.sqrt(np.sum(np.square(w.astype(np.float64)), axis=axis, keepdims=True))


def _max_norm_oracle(w, max_value, axis):
    n = _norms(w, axis)
    return w * (np.clip(n, 0, max_value) / (EPS + n))


@pytest.mark.parametrize("axis", [0, 1, [0, 1]])
def test_max_norm_matches_numpy_on_the_given_axis(axis):
    w = X * 3
    out = constraints.MaxNorm(2.0, axis=axis)(_w(w)).numpy()
    np.testing.assert_allclose(out, _max_norm_oracle(w, 2.0, tuple(np.atleast_1d(axis))),
                               rtol=1e-6)
    assert np.all(_norms(out, tuple(np.atleast_1d(axis))) <= 2.0 + 1e-5)


def test_max_norm_matches_keras_reference_and_keeps_small_columns():
    out = constraints.MaxNorm(2.0)(_w()).numpy()
    # tf-keras 2.21 reference for the first row.
    np.testing.assert_allclose(out[0], [-1.4519055, -0.38208038, 0.7087493, -1.3387487], rtol=1e-6)
    small = np.array([[1e-6, 0.0], [1e-6, 0.0], [1e-6, 0.0]], dtype=np.float32)
    out = constraints.MaxNorm(2.0)(_w(small)).numpy()
    # epsilon sits in the denominator only: w * n / (eps + n), visibly below w for
    # tiny norms, and a zero column stays zero (no NaN).
    n = np.sqrt(3e-12)
    np.testing.assert_allclose(out[:, 0], 1e-6 * n / (EPS + n), rtol=1e-5)
    assert out[0, 0] < 0.95e-6
    np.testing.assert_array_equal(out[:, 1], 0.0)


def test_max_norm_on_a_conv_kernel_constrains_each_filter():
    w = np.random.RandomState(0).randn(3, 3, 4, 5).astype(np.float32)
    out = constraints.MaxNorm(1.0, axis=[0, 1, 2])(_w(w)).numpy()
    np.testing.assert_allclose(_norms(out, (0, 1, 2)).ravel(), np.ones(5), rtol=1e-5)


def test_non_neg_zeroes_negative_weights():
    out = constraints.NonNeg()(_w()).numpy()
    np.testing.assert_array_equal(out, X * (X >= 0))


@pytest.mark.parametrize("axis", [0, 1])
def test_unit_norm_matches_numpy(axis):
    out = constraints.UnitNorm(axis=axis)(_w()).numpy()
    np.testing.assert_allclose(out, X / (EPS + _norms(X, axis)), rtol=1e-6)
    np.testing.assert_allclose(_norms(out, axis), 1.0, rtol=1e-5)


def test_min_max_norm_matches_numpy_and_keras():
    axis, low, high, rate = 1, 1.0, 2.0, 0.5
    out = constraints.MinMaxNorm(low, high, rate=rate, axis=axis)(_w()).numpy()
    n = _norms(X, axis)
    desired = rate * np.clip(n, low, high) + (1 - rate) * n
    np.testing.assert_allclose(out, X * desired / (EPS + n), rtol=1e-6)
    # tf-keras 2.21 reference for the first column.
    np.testing.assert_allclose(out[:, 0], [-1.8785233, -0.3464997, 1.3598988, -1.1794349, 0.53977275],
                               rtol=1e-6)


def test_min_max_norm_raises_small_norms_to_min_value():
    out = constraints.MinMaxNorm(1.0, 2.0)(_w([[0.3], [0.4]])).numpy()
    np.testing.assert_allclose(out.ravel(), [0.6, 0.8], rtol=1e-6)


# tf-keras 2.21 RadialConstraint on arange(n*n*2*3).reshape(n, n, 2, 3), slice [:, :, 1, 2].
RADIAL_REFERENCE = {
    2: [[5, 5], [5, 5]],
    3: [[29, 29, 29], [29, 5, 29], [29, 29, 29]],
    4: [[95, 95, 95, 95], [95, 35, 35, 95], [95, 35, 35, 95], [95, 95, 95, 95]],
    5: [[113] * 5, [113, 77, 77, 77, 113], [113, 77, 41, 77, 113], [113, 77, 77, 77, 113],
        [113] * 5],
    6: [[215] * 6, [215, 173, 173, 173, 173, 215], [215, 173, 89, 89, 173, 215],
        [215, 173, 89, 89, 173, 215], [215, 173, 173, 173, 173, 215], [215] * 6],
}


@pytest.mark.parametrize("n", sorted(RADIAL_REFERENCE))
def test_radial_constraint_matches_keras_reference(n):
    w = torch.arange(n * n * 2 * 3, dtype=torch.float32).reshape(n, n, 2, 3)
    out = constraints.RadialConstraint()(w)
    assert tuple(out.shape) == (n, n, 2, 3)
    assert out[:, :, 1, 2].tolist() == RADIAL_REFERENCE[n]


def test_radial_constraint_rejects_non_4d_weights():
    with pytest.raises(ValueError, match="must have rank 4"):
        constraints.RadialConstraint()(torch.ones(3, 3))


def test_keras_aliases_point_to_the_classes():
    assert constraints.max_norm is constraints.maxnorm is constraints.MaxNorm
    assert constraints.non_neg is constraints.nonneg is constraints.NonNeg
    assert constraints.unit_norm is constraints.unitnorm is constraints.UnitNorm
    assert constraints.min_max_norm is constraints.MinMaxNorm


@pytest.mark.parametrize("name, cls", [
    ("max_norm", constraints.MaxNorm), ("maxnorm", constraints.MaxNorm),
    ("MaxNorm", constraints.MaxNorm), ("non_neg", constraints.NonNeg),
    ("nonneg", constraints.NonNeg), ("unit_norm", constraints.UnitNorm),
    ("unitnorm", constraints.UnitNorm), ("min_max_norm", constraints.MinMaxNorm),
    ("radial_constraint", constraints.RadialConstraint),
])
def test_get_by_name_returns_a_default_instance(name, cls):
    assert type(constraints.get(name)) is cls


def test_get_defaults_match_keras():
    assert constraints.get("max_norm").get_config() == {"max_value": 2, "axis": 0}
    assert constraints.get("min_max_norm").get_config() == {
        "min_value": 0.0, "max_value": 1.0, "rate": 1.0, "axis": 0}
    assert constraints.get("unit_norm").get_config() == {"axis": 0}


def test_get_accepts_none_objects_and_callables():
    assert constraints.get(None) is None
    c = constraints.NonNeg()
    assert constraints.get(c) is c
    clip = torch.nn.functional.relu
    assert constraints.get(clip) is clip


def test_get_rejects_unknown_names_and_odd_types():
    with pytest.raises(ValueError, match=r"Unknown constraint: 'max_nrom'.*max_norm"):
        constraints.get("max_nrom")
    with pytest.raises(ValueError, match="Received: constraint=5"):
        constraints.get(5)


@pytest.mark.parametrize("c", [
    constraints.MaxNorm(1.5), constraints.NonNeg(), constraints.UnitNorm(axis=1),
    constraints.MinMaxNorm(0.5, 3.0, 0.8, axis=[0, 1]), constraints.RadialConstraint(),
], ids=lambda c: type(c).__name__)
def test_serialize_deserialize_round_trip(c):
    config = json.loads(json.dumps(constraints.serialize(c)))
    assert config["module"] == "keras.constraints"
    restored = constraints.deserialize(config)
    assert type(restored) is type(c)
    assert restored.get_config() == c.get_config()


def test_serialize_writes_what_keras_2_files_contain():
    # As in the norm_misc fixture's Dense kernel_constraint.
    assert constraints.serialize(constraints.max_norm(1.5)) == {
        "module": "keras.constraints", "class_name": "MaxNorm",
        "config": {"max_value": 1.5, "axis": 0}, "registered_name": None,
    }


def test_axis_list_from_a_json_config_works():
    c = constraints.deserialize({"class_name": "MaxNorm", "config": {"max_value": 1.0, "axis": [0, 1, 2]}})
    w = np.random.RandomState(1).randn(2, 2, 3, 4).astype(np.float32)
    np.testing.assert_allclose(c(_w(w)).numpy(), _max_norm_oracle(w, 1.0, (0, 1, 2)), rtol=1e-6)
