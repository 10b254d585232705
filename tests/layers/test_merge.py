"""Merge layers (Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot and
their functions) against tf-keras 2.21 reference numbers (`data/misc_layers.npz`, made by
`data/make_misc_layers.py`), plus shapes, masks, config round trips and errors."""
import json
import os

import numpy as np
import pytest
import torch

import tkeras
from tkeras import layers
from tkeras.layers import Input

DATA = np.load(os.path.join(os.path.dirname(__file__), "data", "misc_layers.npz"))
MERGE_CASES = sorted({k.split("/")[0] for k in DATA.files if k.endswith("/class")
                      and str(DATA[k]) in ("Add", "Subtract", "Multiply", "Average",
                                           "Maximum", "Minimum", "Concatenate", "Dot")})
RNG = np.random.RandomState(0)


def _rand(*shape):
    return RNG.randn(*shape).astype("float32")


def _keras_layer(name):
    """The tkeras layer built from the tf-keras config of reference case `name`."""
    config = json.loads(str(DATA[f"{name}/config"]))
    return layers.deserialize({"class_name": str(DATA[f"{name}/class"]), "config": config})


def _inputs(name, prefix="x"):
    out, i = [], 0
    while f"{name}/{prefix}{i}" in DATA.files:
        out.append(DATA[f"{name}/{prefix}{i}"])
        i += 1
    return out


# ---------------------------------------------------------------- numerics
@pytest.mark.parametrize("name", MERGE_CASES)
def test_merge_output_matches_keras2_reference(name):
    layer = _keras_layer(name)
    xs = [torch.from_numpy(x) for x in _inputs(name)]
    out = layer(xs)
    np.testing.assert_allclose(out.numpy(), DATA[f"{name}/y"], atol=1e-5, rtol=0)
    assert layer.weights == [] and layer.count_params() == 0
    if f"{name}/mask" in DATA.files:
        masks = [torch.from_numpy(DATA[f"{name}/m{i}"]) if f"{name}/m{i}" in DATA.files
                 else None for i in range(len(xs))]
        np.testing.assert_array_equal(layer.compute_mask(xs, masks).numpy(),
                                      DATA[f"{name}/mask"])


@pytest.mark.parametrize("name", MERGE_CASES)
def test_merge_config_round_trip_keeps_keras2_config(name):
    layer = _keras_layer(name)
    config = layer.get_config()
    keras_config = json.loads(str(DATA[f"{name}/config"]))
    assert json.loads(json.dumps(config)) == keras_config
    clone = type(layer).from_config(config)
    assert clone.get_config() == config


def test_merge_functions_match_layers():
    a, b, c = _rand(3, 4), _rand(3, 4), _rand(3, 4)
    np.testing.assert_allclose(layers.add([a, b, c]).numpy(), a + b + c, rtol=1e-6)
    np.testing.assert_allclose(layers.subtract([a, b]).numpy(), a - b)
    np.testing.assert_allclose(layers.multiply([a, b, c]).numpy(), a * b * c, rtol=1e-6)
    np.testing.assert_allclose(layers.average([a, b]).numpy(), (a + b) / 2, rtol=1e-6)
    np.testing.assert_allclose(layers.maximum([a, b, c]).numpy(), np.maximum(np.maximum(a, b), c))
    np.testing.assert_allclose(layers.minimum([a, b]).numpy(), np.minimum(a, b))
    np.testing.assert_allclose(layers.concatenate([a, b], axis=0).numpy(),
                               np.concatenate([a, b], 0))
    np.testing.assert_allclose(layers.dot([a, b], axes=1).numpy(),
                               (a * b).sum(1, keepdims=True), rtol=1e-5)


def test_merge_layers_import_from_the_keras2_module_path():
    from tkeras.layers.merge import Concatenate, _Merge, concatenate

    assert issubclass(Concatenate, _Merge) and concatenate is layers.concatenate


# ---------------------------------------------------------------- shapes
@pytest.mark.parametrize("cls, shapes, expected", [
    (layers.Add, [(3, 5), (3, 5)], (None, 3, 5)),
    (layers.Add, [(5,), (3, 5)], (None, 3, 5)),
    (layers.Multiply, [(1, 5), (3, 1)], (None, 3, 5)),
    (layers.Average, [(None, 4), (7, 4)], (None, None, 4)),
    (layers.Maximum, [(2, 3, 4), (4,), (3, 1)], (None, 2, 3, 4)),
    (layers.Subtract, [(4,), (4,)], (None, 4)),
])
def test_elementwise_merge_output_shape_broadcasts_as_keras(cls, shapes, expected):
    out = cls()([Input(s) for s in shapes])
    assert tuple(out.shape) == expected
    assert cls().compute_output_shape([(None,) + s for s in shapes]) == expected


@pytest.mark.parametrize("axis, shapes, expected", [
    (-1, [(3, 2), (3, 5)], (None, 3, 7)),
    (1, [(3, 2), (4, 2), (None, 2)], (None, None, 2)),
    (1, [(3, 2), (4, 2)], (None, 7, 2)),
    (-2, [(6, 3, 2), (6, 1, 2)], (None, 6, 4, 2)),
])
def test_concatenate_output_shape(axis, shapes, expected):
    out = layers.Concatenate(axis=axis)([Input(s) for s in shapes])
    assert tuple(out.shape) == expected
    assert layers.Concatenate(axis=axis).compute_output_shape(
        [(None,) + s for s in shapes]) == expected


@pytest.mark.parametrize("axes, shapes, expected", [
    (1, [(6,), (6,)], (None, 1)),
    ((1, 2), [(5, 3), (2, 5)], (None, 3, 2)),
    (-1, [(5, 3), (2, 3)], (None, 5, 2)),
    ((1, 2), [(3,), (5, 3)], (None, 5)),
    ((2, 1), [(3, 4, 5), (4, 6)], (None, 3, 5, 6)),
])
def test_dot_output_shape(axes, shapes, expected):
    out = layers.Dot(axes=axes)([Input(s) for s in shapes])
    assert tuple(out.shape) == expected
    assert layers.Dot(axes=axes).compute_output_shape([(None,) + s for s in shapes]) == expected


def test_merge_layers_in_a_functional_model_train():
    a, b = Input((4,)), Input((4,))
    merged = layers.concatenate([layers.add([a, b]), layers.multiply([a, b]),
                                 layers.dot([a, b], axes=1, normalize=True)])
    out = layers.Dense(1)(merged)
    model = tkeras.Model([a, b], out)
    assert merged.shape[-1] == 9 and model.output_shape == (None, 1)
    model.compile("sgd", "mse")
    xa, xb = _rand(8, 4), _rand(8, 4)
    losses = [model.train_on_batch([xa, xb], np.zeros((8, 1), "float32")) for _ in range(3)]
    assert losses[-1] < losses[0]


# ---------------------------------------------------------------- masks
def test_merge_masks_are_combined_with_and():
    a, b = Input((3, 2)), Input((3, 2))
    ma, mb = layers.Masking(0.0)(a), layers.Masking(0.0)(b)
    out = layers.Add()([ma, mb])
    assert tuple(out._keras_mask.shape) == (None, 3)
    model = tkeras.Model([a, b], out)
    xa = np.ones((1, 3, 2), "float32")
    xb = np.ones((1, 3, 2), "float32")
    xa[0, 0] = 0
    xb[0, 2] = 0
    y = model([torch.from_numpy(xa), torch.from_numpy(xb)])
    np.testing.assert_array_equal(y._keras_mask.numpy(), [[False, True, False]])


def test_concatenate_mask_on_the_time_axis_keeps_each_inputs_mask():
    a, b = torch.ones(2, 3, 4), torch.ones(2, 2, 4)
    mask_a = torch.tensor([[True, False, True], [True, True, True]])
    out_mask = layers.Concatenate(axis=1).compute_mask([a, b], [mask_a, None])
    np.testing.assert_array_equal(out_mask.numpy(),
                                  [[1, 0, 1, 1, 1], [1, 1, 1, 1, 1]])


def test_merge_without_masks_has_no_mask():
    assert layers.Add().compute_mask([torch.ones(1, 2)] * 2, None) is None
    assert layers.Add().compute_mask([torch.ones(1, 2)] * 2, [None, None]) is None
    assert layers.Dot(axes=1).compute_mask([torch.ones(1, 2)] * 2,
                                           [torch.ones(1, dtype=torch.bool)] * 2) is None


# ---------------------------------------------------------------- errors
def test_merge_rejects_a_single_input():
    with pytest.raises(ValueError, match="at least 2 inputs. Got 1 inputs"):
        layers.Add()([Input((3,))])
    with pytest.raises(ValueError, match="at least 2 inputs"):
        layers.Concatenate()([Input((3,))])


def test_merge_rejects_a_tensor_that_is_not_a_list():
    with pytest.raises(ValueError, match="should be called on a list of inputs"):
        layers.Multiply()(Input((3,)))


def test_merge_rejects_incompatible_shapes():
    with pytest.raises(ValueError, match=r"could not be broadcast together with shapes "
                                         r"\(2, 3\) \(4, 3\)"):
        layers.Add()([Input((2, 3)), Input((4, 3))])


def test_merge_rejects_different_batch_sizes():
    with pytest.raises(ValueError, match="Cannot merge tensors with different batch sizes"):
        layers.Add()([np.ones((2, 3), "float32"), np.ones((4, 3), "float32")])


def test_subtract_requires_exactly_two_inputs():
    with pytest.raises(ValueError, match="`Subtract` layer should be called on exactly 2"):
        layers.Subtract()([Input((3,))] * 3)


def test_concatenate_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match=r"requires inputs with matching shapes except for "
                                         r"the concatenation axis. Received: input_shape="
                                         r"\[\(None, 3, 4\), \(None, 4, 4\)\]"):
        layers.Concatenate()([Input((3, 4)), Input((4, 4))])
    with pytest.raises(ValueError, match="matching shapes"):
        layers.Concatenate()([Input((3, 4)), Input((3,))])
    with pytest.raises(ValueError, match="Invalid `axis`"):
        layers.Concatenate(axis=3)([Input((3, 4)), Input((3, 4))])
    with pytest.raises(TypeError, match="Received: axis='x'"):
        layers.Concatenate(axis="x")


@pytest.mark.parametrize("axes, error, match", [
    ("1", TypeError, "should be a list or an int"),
    ((1, 2, 3), ValueError, "it should contain two elements"),
    ((1, "2"), ValueError, "list elements should be integers"),
])
def test_dot_rejects_invalid_axes_arguments(axes, error, match):
    with pytest.raises(error, match=match):
        layers.Dot(axes=axes)


def test_dot_rejects_mismatched_or_batch_axes():
    with pytest.raises(ValueError, match=r"Incompatible input shapes: axis values 3 \(at axis 1\)"
                                         r" != 4 \(at axis 1\)"):
        layers.Dot(axes=1)([Input((3,)), Input((4,))])
    with pytest.raises(ValueError, match="axis 0 is the batch axis"):
        layers.Dot(axes=0)([Input((3,)), Input((3,))])
    with pytest.raises(ValueError, match="list of 2 inputs"):
        layers.Dot(axes=1)([Input((3,))] * 3)
