"""Tests for tkeras.initializers: distributions, fans, seeds and (de)serialization."""
import json
import math

import numpy as np
import pytest
import torch

from tkeras import initializers
from tkeras.backend._config import _device_scope

TRUNC_CORRECTION = 0.87962566103423978  # stddev of N(0, 1) truncated to (-2, 2)


def _np(t):
    return t.detach().cpu().numpy().astype(np.float64)


# ---------------------------------------------------------------- fans


@pytest.mark.parametrize("shape, fans", [
    ((), (1, 1)),
    ((7,), (7, 7)),
    ((5, 9), (5, 9)),
    ((3, 16, 32), (48, 96)),           # Conv1D (kernel, in, out)
    ((3, 3, 16, 32), (144, 288)),      # Conv2D (kh, kw, in, out)
    ((2, 3, 4, 5, 6), (120, 144)),     # Conv3D
])
def test_fans_follow_keras_on_the_keras_layout(shape, fans):
    assert initializers._compute_fans(shape) == fans


def test_variance_scaling_uniform_limit_uses_the_fans_of_each_mode():
    shape = (3, 3, 16, 32)  # fan_in 144, fan_out 288
    for mode, n in [("fan_in", 144), ("fan_out", 288), ("fan_avg", 216)]:
        w = _np(initializers.VarianceScaling(2.0, mode, "uniform", seed=1)(shape))
        limit = math.sqrt(3 * 2.0 / n)
        assert np.abs(w).max() <= limit
        assert np.abs(w).max() > 0.98 * limit


# ---------------------------------------------------------------- distributions


def test_glorot_uniform_on_a_conv_kernel_draws_within_the_glorot_limit():
    shape = (3, 3, 16, 32)
    w = initializers.glorot_uniform(seed=0)(shape)
    assert tuple(w.shape) == shape and w.dtype == torch.float32
    limit = math.sqrt(6 / (3 * 3 * 16 + 3 * 3 * 32))
    w = _np(w)
    assert np.abs(w).max() <= limit
    assert np.abs(w).max() > 0.99 * limit
    assert abs(w.mean()) < 0.01 * limit
    assert abs(w.std() - limit / math.sqrt(3)) < 0.03 * limit


@pytest.mark.parametrize("cls, scale, mode", [
    (initializers.GlorotNormal, 1.0, "fan_avg"),
    (initializers.HeNormal, 2.0, "fan_in"),
    (initializers.LecunNormal, 1.0, "fan_in"),
])
def test_named_normal_initializers_have_the_keras_stddev(cls, scale, mode):
    shape = (200, 300)
    n = {"fan_in": 200, "fan_out": 300, "fan_avg": 250}[mode]
    w = _np(cls(seed=3)(shape))
    target = math.sqrt(scale / n)  # the truncation correction restores this stddev
    assert abs(w.std() - target) < 0.02 * target
    assert np.abs(w).max() <= 2 * target / TRUNC_CORRECTION + 1e-6
    assert abs(w.mean()) < 0.01 * target


@pytest.mark.parametrize("cls, scale", [
    (initializers.HeUniform, 2.0),
    (initializers.LecunUniform, 1.0),
])
def test_named_uniform_initializers_use_the_fan_in_limit(cls, scale):
    w = _np(cls(seed=5)((400, 50)))
    limit = math.sqrt(3 * scale / 400)
    assert np.abs(w).max() <= limit
    assert np.abs(w).max() > 0.99 * limit


def test_named_initializers_are_variance_scaling_presets():
    expected = {
        initializers.GlorotUniform: (1.0, "fan_avg", "uniform"),
        initializers.GlorotNormal: (1.0, "fan_avg", "truncated_normal"),
        initializers.LecunUniform: (1.0, "fan_in", "uniform"),
        initializers.LecunNormal: (1.0, "fan_in", "truncated_normal"),
        initializers.HeUniform: (2.0, "fan_in", "uniform"),
        initializers.HeNormal: (2.0, "fan_in", "truncated_normal"),
    }
    for cls, (scale, mode, distribution) in expected.items():
        init = cls()
        assert isinstance(init, initializers.VarianceScaling)
        assert (init.scale, init.mode, init.distribution) == (scale, mode, distribution)
        assert init.get_config() == {"seed": None}
    assert initializers.glorot_uniform is initializers.GlorotUniform
    assert initializers.he_normal is initializers.HeNormal


def test_untruncated_normal_has_the_plain_stddev():
    w = _np(initializers.VarianceScaling(1.0, "fan_in", "untruncated_normal", seed=2)((100, 400)))
    assert abs(w.std() - 0.1) < 0.002
    assert np.abs(w).max() > 0.3  # tails beyond 2 stddev exist


def test_normal_distribution_is_keras_2_2_alias_of_truncated_normal():
    init = initializers.VarianceScaling(distribution="normal")
    assert init.get_config()["distribution"] == "truncated_normal"


def test_random_normal_has_the_requested_mean_and_stddev():
    w = _np(initializers.RandomNormal(mean=1.0, stddev=2.0, seed=1)((200, 200)))
    assert abs(w.mean() - 1.0) < 0.03
    assert abs(w.std() - 2.0) < 0.03


def test_random_uniform_stays_in_its_range():
    w = _np(initializers.RandomUniform(minval=-0.5, maxval=1.5, seed=1)((40000,)))
    assert w.min() >= -0.5 and w.max() <= 1.5
    assert abs(w.mean() - 0.5) < 0.02


def test_truncated_normal_is_limited_to_two_stddev():
    w = _np(initializers.TruncatedNormal(mean=3.0, stddev=0.5, seed=4)((100000,)))
    assert w.min() >= 2.0 and w.max() <= 4.0
    assert w.max() > 3.99 and w.min() < 2.01
    # Dropping the tails shrinks the stddev by the factor Keras corrects for.
    assert abs(w.std() - 0.5 * TRUNC_CORRECTION) < 0.005
    assert abs(w.mean() - 3.0) < 0.01


def test_default_stddev_of_random_initializers_is_0_05():
    assert initializers.RandomNormal().get_config() == {"mean": 0.0, "stddev": 0.05, "seed": None}
    assert initializers.TruncatedNormal().get_config() == {"mean": 0.0, "stddev": 0.05,
                                                           "seed": None}
    assert initializers.RandomUniform().get_config() == {"minval": -0.05, "maxval": 0.05,
                                                         "seed": None}


# ---------------------------------------------------------------- orthogonal, identity, constants


@pytest.mark.parametrize("shape", [(5, 5), (7, 3), (3, 7), (2, 3, 4)])
def test_orthogonal_gives_orthonormal_rows_or_columns(shape):
    w = initializers.Orthogonal(gain=1.0, seed=0)(shape)
    assert tuple(w.shape) == shape
    m = _np(w).reshape(-1, shape[-1])
    gram = m.T @ m if m.shape[0] >= m.shape[1] else m @ m.T
    np.testing.assert_allclose(gram, np.eye(gram.shape[0]), atol=1e-5)


def test_orthogonal_matrices_are_sign_symmetric():
    # The sign fix-up of the QR factor makes the distribution uniform (Haar); a raw
    # Householder QR would give w[0, 0] < 0 every time.
    signs = {float(torch.sign(initializers.Orthogonal(seed=s)((4, 4))[0, 0])) for s in range(40)}
    assert signs == {-1.0, 1.0}


def test_orthogonal_gain_scales_the_matrix():
    w = _np(initializers.Orthogonal(gain=3.0, seed=1)((4, 4)))
    np.testing.assert_allclose(w.T @ w, 9 * np.eye(4), atol=1e-4)


def test_orthogonal_rejects_a_1d_shape():
    with pytest.raises(ValueError, match="at least two-dimensional. Received: shape=\\(3,\\)"):
        initializers.Orthogonal()((3,))


def test_identity_gives_a_scaled_eye_including_non_square():
    assert initializers.Identity()((3, 3)).tolist() == np.eye(3).tolist()
    assert initializers.Identity(gain=2.0)((2, 3)).tolist() == [[2, 0, 0], [0, 2, 0]]


def test_identity_rejects_non_2d_shapes():
    with pytest.raises(ValueError, match="only be used for 2D matrices. Received: shape=\\(2, 2, 2\\)"):
        initializers.Identity()((2, 2, 2))


def test_zeros_ones_and_constant():
    assert initializers.Zeros()((2, 3)).tolist() == [[0.0] * 3] * 2
    assert initializers.Ones()((2,)).tolist() == [1.0, 1.0]
    assert initializers.Constant(0.25)((3,)).tolist() == [0.25] * 3
    assert initializers.Constant([1, 2, 3, 4])((2, 2)).tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert initializers.Zeros()((2,), dtype="int32").dtype == torch.int32
    assert initializers.Ones()((2,), dtype=torch.float64).dtype == torch.float64


def test_constant_rejects_a_value_of_the_wrong_size():
    with pytest.raises(TypeError, match="has 3 elements"):
        initializers.Constant([1, 2, 3])((2, 2))


def test_constant_config_is_json_serializable():
    config = initializers.Constant(np.array([1.0, 2.0])).get_config()
    assert json.loads(json.dumps(config)) == {"value": [1.0, 2.0]}


def test_random_initializers_honour_dtype_and_reject_integers():
    assert initializers.GlorotUniform(seed=1)((3, 3), dtype="float64").dtype == torch.float64
    assert initializers.RandomNormal()((3,), dtype=np.float16).dtype == torch.float16
    with pytest.raises(ValueError, match="floating point"):
        initializers.RandomNormal()((3,), dtype="int32")


def test_initializers_create_meta_tensors_during_shape_inference():
    with _device_scope(torch.device("meta")):
        w = initializers.GlorotUniform(seed=1)((3, 4))
    assert w.is_meta and tuple(w.shape) == (3, 4)


# ---------------------------------------------------------------- seeds


ALL_RANDOM = [
    lambda s: initializers.RandomNormal(seed=s),
    lambda s: initializers.RandomUniform(seed=s),
    lambda s: initializers.TruncatedNormal(seed=s),
    lambda s: initializers.VarianceScaling(seed=s),
    lambda s: initializers.Orthogonal(seed=s),
    lambda s: initializers.GlorotUniform(seed=s),
    lambda s: initializers.HeNormal(seed=s),
]


@pytest.mark.parametrize("make", ALL_RANDOM)
def test_a_seed_makes_results_reproducible(make):
    a = make(42)((6, 5))
    assert torch.equal(a, make(42)((6, 5)))
    init = make(42)
    assert torch.equal(init((6, 5)), init((6, 5)))  # as tf.keras 2.x: same values per call
    assert not torch.equal(a, make(43)((6, 5)))


def test_unseeded_initializers_follow_torch_manual_seed():
    torch.manual_seed(0)
    a = initializers.GlorotUniform()((4, 4))
    torch.manual_seed(0)
    b = initializers.GlorotUniform()((4, 4))
    assert torch.equal(a, b)


# ---------------------------------------------------------------- get / serialize / deserialize


NAMES = {
    "zeros": initializers.Zeros, "Zeros": initializers.Zeros, "zero": initializers.Zeros,
    "ones": initializers.Ones, "one": initializers.Ones,
    "constant": initializers.Constant,
    "random_normal": initializers.RandomNormal, "normal": initializers.RandomNormal,
    "random_uniform": initializers.RandomUniform, "uniform": initializers.RandomUniform,
    "truncated_normal": initializers.TruncatedNormal,
    "variance_scaling": initializers.VarianceScaling,
    "orthogonal": initializers.Orthogonal, "identity": initializers.Identity,
    "glorot_uniform": initializers.GlorotUniform, "GlorotUniform": initializers.GlorotUniform,
    "glorot_normal": initializers.GlorotNormal, "he_uniform": initializers.HeUniform,
    "he_normal": initializers.HeNormal, "lecun_uniform": initializers.LecunUniform,
    "lecun_normal": initializers.LecunNormal,
}


@pytest.mark.parametrize("name", sorted(NAMES))
def test_get_by_name_returns_a_fresh_instance(name):
    init = initializers.get(name)
    assert type(init) is NAMES[name]
    assert initializers.get(name) is not init


def test_get_accepts_none_instances_classes_and_callables():
    assert initializers.get(None) is None
    init = initializers.HeUniform(seed=3)
    assert initializers.get(init) is init
    assert type(initializers.get(initializers.Ones)) is initializers.Ones

    def my_init(shape, dtype=None):
        return torch.full(shape, 7.0)

    assert initializers.get(my_init) is my_init


def test_get_rejects_unknown_names_and_odd_types():
    with pytest.raises(ValueError, match=r"Unknown initializer: 'glorot_uniformm'.*glorot_uniform"):
        initializers.get("glorot_uniformm")
    with pytest.raises(ValueError, match="Received: initializer=5"):
        initializers.get(5)


@pytest.mark.parametrize("init", [
    initializers.Zeros(), initializers.Ones(), initializers.Constant(2.5),
    initializers.RandomNormal(0.1, 0.2, seed=1), initializers.RandomUniform(-1, 2, seed=2),
    initializers.TruncatedNormal(0.0, 0.3, seed=3),
    initializers.VarianceScaling(2.0, "fan_out", "untruncated_normal", seed=4),
    initializers.Orthogonal(1.5, seed=5), initializers.Identity(0.5),
    initializers.GlorotUniform(seed=6), initializers.GlorotNormal(), initializers.HeNormal(7),
    initializers.HeUniform(), initializers.LecunNormal(), initializers.LecunUniform(8),
], ids=lambda i: type(i).__name__)
def test_serialize_deserialize_round_trip(init):
    config = json.loads(json.dumps(initializers.serialize(init)))
    restored = initializers.deserialize(config)
    assert type(restored) is type(init)
    assert restored.get_config() == init.get_config()
    assert type(init).from_config(init.get_config()).get_config() == init.get_config()


def test_serialize_writes_the_tf_keras_format():
    assert initializers.serialize(initializers.GlorotUniform()) == {
        "module": "keras.initializers", "class_name": "GlorotUniform",
        "config": {"seed": None}, "registered_name": None,
    }


def test_deserialize_accepts_the_keras_2_2_variance_scaling_form_of_glorot_uniform():
    config = {"class_name": "VarianceScaling",
              "config": {"scale": 1.0, "mode": "fan_avg", "distribution": "uniform", "seed": None}}
    init = initializers.deserialize(config)
    assert type(init) is initializers.VarianceScaling
    w = _np(init((3, 3, 16, 32)))
    assert np.abs(w).max() <= math.sqrt(6 / (144 + 288))


def test_deserialize_accepts_tf_keras_forms():
    assert type(initializers.deserialize({"class_name": "GlorotUniform", "config": {"seed": None}})) \
        is initializers.GlorotUniform
    assert initializers.deserialize(
        {"class_name": "RandomNormal", "config": {"mean": 0.0, "stddev": 0.1, "seed": None,
                                                  "dtype": "float32"}}
    ).stddev == 0.1
    assert type(initializers.deserialize({"class_name": "GlorotUniformV2", "config": {}})) \
        is initializers.GlorotUniform
    assert initializers.deserialize(
        {"class_name": "VarianceScaling",
         "config": {"scale": 2.0, "mode": "fan_in", "distribution": "normal", "seed": None}}
    ).distribution == "truncated_normal"


def test_variance_scaling_rejects_bad_arguments():
    with pytest.raises(ValueError, match="Received: scale=-1"):
        initializers.VarianceScaling(scale=-1)
    with pytest.raises(ValueError, match="Received: mode='fan_x'"):
        initializers.VarianceScaling(mode="fan_x")
    with pytest.raises(ValueError, match="Received: distribution='gamma'"):
        initializers.VarianceScaling(distribution="gamma")
