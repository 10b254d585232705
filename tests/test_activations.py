"""Tests for tkeras.activations: Keras 2 numerics, logits caching and (de)serialization."""
import math

import numpy as np
import pytest
import torch

from tkeras import activations
from tkeras.utils.generic_utils import custom_object_scope

# A grid with the interesting boundaries: 0, +-1, +-2.5 (hard_sigmoid corners), 5, 6.
GRID = np.array(
    [-10, -6, -5, -3, -2.5, -2, -1, -0.5, -1e-3, 0, 1e-3, 0.5, 1, 2, 2.5, 3, 4.999, 5,
     5.001, 6, 7, 10],
    dtype=np.float32,
)

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _np(t):
    return t.detach().cpu().numpy()


def _keras_relu_oracle(x, alpha=0.0, max_value=None, threshold=0.0):
    # keras.backend.relu, written from its math: values above `threshold` pass
    # (then capped to [0, max_value]); below it the leak is alpha * (x - threshold).
    y = np.where(x > threshold, x, 0.0)
    if max_value is not None:
        y = np.clip(y, 0.0, max_value)
    return y - alpha * np.maximum(threshold - x, 0.0)


RELU_CASES = [
    {},
    {"alpha": 0.1},
    {"alpha": 2.0},
    {"max_value": 6.0},
    {"max_value": 5.0},
    {"threshold": 1.0},
    {"threshold": -1.0},
    {"threshold": -1.0, "max_value": 3.0},
    {"alpha": 0.5, "max_value": 5.0},
    {"alpha": 0.5, "threshold": 2.0},
    {"alpha": 0.3, "max_value": 4.0, "threshold": -1.0},
    {"max_value": 6, "threshold": 0.5},
]


@pytest.mark.parametrize("kwargs", RELU_CASES, ids=lambda kw: str(kw))
def test_relu_matches_keras_backend_relu_on_a_grid(kwargs):
    y = activations.relu(torch.from_numpy(GRID), **kwargs)
    np.testing.assert_allclose(_np(y), _keras_relu_oracle(GRID, **kwargs), rtol=0, atol=1e-6)


def test_relu_boundary_values_match_keras_reference():
    # Reference values from tf-keras 2.21 relu(x, alpha=0.3, max_value=4, threshold=-1).
    x = torch.tensor([-3.0, -1.0, -0.5, 0.0, 0.5, 3.0, 5.0])
    y = activations.relu(x, alpha=0.3, max_value=4.0, threshold=-1.0)
    np.testing.assert_allclose(_np(y), [-0.6, 0.0, 0.0, 0.0, 0.5, 3.0, 4.0], atol=1e-6)


def test_relu_with_default_arguments_is_plain_relu_and_differentiable():
    x = torch.from_numpy(GRID.copy()).requires_grad_(True)
    y = activations.relu(x)
    assert torch.equal(y, torch.relu(x))
    y.sum().backward()
    np.testing.assert_array_equal(_np(x.grad), (GRID > 0).astype(np.float32))


def test_hard_sigmoid_uses_keras_slope_of_0_2():
    y = _np(activations.hard_sigmoid(torch.from_numpy(GRID)))
    np.testing.assert_allclose(y, np.clip(0.2 * GRID + 0.5, 0.0, 1.0), atol=1e-7)
    # torch's hardsigmoid has slope 1/6: at x=1 Keras gives 0.7, torch 0.6667.
    assert abs(float(activations.hard_sigmoid(torch.tensor(1.0))) - 0.7) < 1e-6


def test_selu_uses_the_selu_constants():
    expected = SELU_SCALE * np.where(GRID > 0, GRID, SELU_ALPHA * np.expm1(GRID))
    np.testing.assert_allclose(_np(activations.selu(torch.from_numpy(GRID))), expected,
                               rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("alpha", [1.0, 0.5, 2.0])
def test_elu_scales_the_negative_part_by_alpha(alpha):
    expected = np.where(GRID > 0, GRID, alpha * np.expm1(GRID))
    np.testing.assert_allclose(_np(activations.elu(torch.from_numpy(GRID), alpha=alpha)),
                               expected, rtol=1e-6, atol=1e-6)


def _erf(v):
    return np.vectorize(math.erf)(v)


ELEMENTWISE = {
    "softplus": lambda x: np.log1p(np.exp(x)),
    "softsign": lambda x: x / (1 + np.abs(x)),
    "swish": lambda x: x / (1 + np.exp(-x)),
    "tanh": np.tanh,
    "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
    "exponential": np.exp,
    "mish": lambda x: x * np.tanh(np.log1p(np.exp(x))),
    "gelu": lambda x: 0.5 * x * (1 + _erf(x / np.sqrt(2))),
}


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_elementwise_activation_matches_numpy_formula(name):
    x64 = GRID.astype(np.float64)
    y = getattr(activations, name)(torch.from_numpy(GRID))
    np.testing.assert_allclose(_np(y), ELEMENTWISE[name](x64), rtol=2e-6, atol=2e-6)


def test_gelu_approximate_uses_the_tanh_formula():
    x = GRID.astype(np.float64)
    expected = 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))
    y = activations.gelu(torch.from_numpy(GRID), approximate=True)
    np.testing.assert_allclose(_np(y), expected, rtol=2e-6, atol=2e-6)
    assert not torch.allclose(y, activations.gelu(torch.from_numpy(GRID)), atol=1e-6)


def test_linear_returns_its_input_unchanged():
    x = torch.randn(3)
    assert activations.linear(x) is x


def test_softmax_on_axis_1_of_a_3d_input():
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4) / 5
    e = np.exp(x - x.max(axis=1, keepdims=True))
    expected = e / e.sum(axis=1, keepdims=True)
    y = activations.softmax(torch.from_numpy(x), axis=1)
    np.testing.assert_allclose(_np(y), expected, rtol=1e-6)
    # tf-keras 2.21 reference for the first row.
    np.testing.assert_allclose(_np(y)[0, :, 0], [0.12227071, 0.27211848, 0.60561085], rtol=1e-6)


def test_softmax_over_a_tuple_of_axes_matches_keras_reference():
    x = torch.arange(24, dtype=torch.float32).reshape(2, 3, 4) / 5
    y = activations.softmax(x, axis=(1, 2))
    np.testing.assert_allclose(_np(y).sum(axis=(1, 2)), [1.0, 1.0], rtol=1e-6)
    # tf-keras 2.21 reference values for y[1, 0].
    np.testing.assert_allclose(_np(y)[1, 0], [0.02208908, 0.02697966, 0.03295304, 0.04024893],
                               rtol=1e-5)


def test_softmax_defaults_to_the_last_axis_and_is_stable_for_large_logits():
    x = torch.tensor([[1000.0, 1000.0], [0.0, math.log(3.0)]])
    np.testing.assert_allclose(_np(activations.softmax(x)), [[0.5, 0.5], [0.25, 0.75]], rtol=1e-6)


def test_softmax_rejects_a_1d_tensor():
    with pytest.raises(ValueError, match="Cannot apply softmax to a tensor that is 1D"):
        activations.softmax(torch.tensor([1.0, 2.0]))


def test_softmax_and_sigmoid_attach_their_logits():
    x = torch.randn(4, 3)
    assert activations.softmax(x)._keras_logits is x
    assert activations.softmax(x, axis=(0, 1))._keras_logits is x
    assert activations.sigmoid(x)._keras_logits is x
    assert not hasattr(activations.tanh(x), "_keras_logits")


def test_activations_accept_numpy_arrays():
    y = activations.relu(np.array([-1.0, 2.0]))
    assert isinstance(y, torch.Tensor)
    assert y.tolist() == [0.0, 2.0]
    # Like tf.convert_to_tensor: Python lists become float32, arrays keep their dtype.
    assert activations.sigmoid([0.0]).dtype == torch.float32
    assert activations.sigmoid(np.array([0.0])).dtype == torch.float64
    assert activations.relu([1, -2]).dtype == torch.float32


BUILTIN_NAMES = ["softmax", "elu", "selu", "softplus", "softsign", "swish", "relu", "gelu",
                 "tanh", "sigmoid", "exponential", "hard_sigmoid", "linear", "mish"]


@pytest.mark.parametrize("name", BUILTIN_NAMES)
def test_get_by_name_and_serialize_round_trip(name):
    fn = activations.get(name)
    assert fn is getattr(activations, name)
    assert activations.serialize(fn) == name
    assert activations.deserialize(activations.serialize(fn)) is fn


def test_get_none_gives_linear():
    assert activations.get(None) is activations.linear


def test_get_returns_any_callable_unchanged():
    assert activations.get(torch.relu) is torch.relu

    def my_act(x):
        return x * 2

    assert activations.get(my_act) is my_act


def test_serialize_uses_the_name_of_torch_and_user_functions():
    assert activations.serialize(torch.relu) == "relu"
    assert activations.serialize(torch.tanh) == "tanh"
    assert activations.serialize(torch.nn.functional.silu) == "swish"

    def my_act(x):
        return x

    assert activations.serialize(my_act) == "my_act"


def test_silu_and_tf_nn_names_resolve_like_tf_keras():
    assert activations.get("silu") is activations.swish
    assert activations.get("softmax_v2") is activations.softmax
    x = torch.tensor([-1.0, 3.0, 7.0])
    assert activations.get("relu6")(x).tolist() == [0.0, 3.0, 6.0]
    np.testing.assert_allclose(_np(activations.get("leaky_relu")(x)), [-0.2, 3.0, 7.0], rtol=1e-6)
    assert activations.serialize(activations.get("relu6")) == "relu6"


def test_deserialize_accepts_the_tf_keras_function_dict():
    config = {"module": "keras.activations", "class_name": "function", "config": "relu",
              "registered_name": "relu"}
    assert activations.get(config) is activations.relu


def test_unknown_name_raises_value_error_listing_valid_names():
    with pytest.raises(ValueError, match=r"Unknown activation function: 'relux'.*relu"):
        activations.get("relux")


def test_get_rejects_a_non_callable_with_the_received_value():
    with pytest.raises(TypeError, match="Received: activation=5"):
        activations.get(5)


def test_custom_activations_resolve_through_custom_objects_and_scopes():
    def scaled(x):
        return 3 * x

    assert activations.deserialize("scaled", custom_objects={"scaled": scaled}) is scaled
    with custom_object_scope({"scaled": scaled}):
        assert activations.get("scaled") is scaled
    with pytest.raises(ValueError, match="Unknown activation function"):
        activations.get("scaled")


def test_objects_with_a_config_serialize_as_config_dicts_and_come_back():
    class Scaled:
        def __init__(self, factor=2.0):
            self.factor = factor

        def __call__(self, x):
            return self.factor * x

        def get_config(self):
            return {"factor": self.factor}

    config = activations.serialize(Scaled(3.0))
    assert config["class_name"] == "Scaled" and config["config"] == {"factor": 3.0}
    restored = activations.deserialize(config, custom_objects={"Scaled": Scaled})
    assert isinstance(restored, Scaled) and restored.factor == 3.0
    with custom_object_scope({"Scaled": Scaled}):
        assert type(activations.get("Scaled")) is Scaled  # a class name gives an instance
