"""Backend tensor functions (`tkeras.backend`) against NumPy oracles and Keras 2 values.

Hard-coded reference numbers come from tf_keras 2.21 (`tf_keras.backend`).
"""
import importlib.util
import warnings

import numpy as np
import pytest
import torch

from tkeras import backend as K
from tkeras.backend import ops as _ops

RNG = np.random.RandomState(0)
A = RNG.randn(2, 3, 4).astype("float32")
R = (RNG.randn(3, 4) * 3).astype("float32")


def t(a):
    return torch.as_tensor(np.asarray(a))


def close(x, ref, tol=1e-5):
    got = K.get_value(x) if isinstance(x, torch.Tensor) else np.asarray(x)
    np.testing.assert_allclose(got, ref, rtol=tol, atol=tol)
    assert np.shape(got) == np.shape(ref)


def _np_axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


def _np_logsumexp(x, axis=None, keepdims=False):
    m = np.max(x, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


REDUCTIONS = {
    "mean": np.mean, "sum": np.sum, "max": np.max, "min": np.min, "prod": np.prod,
    "std": np.std, "var": np.var, "logsumexp": _np_logsumexp,
}


# --- math and reductions ------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@pytest.mark.parametrize("axis", [None, 0, -1, 1, (0, 2), [1, -1]])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions_match_numpy_for_every_axis_form(name, axis, keepdims):
    got = getattr(K, name)(t(A), axis=axis, keepdims=keepdims)
    ref = REDUCTIONS[name](A.astype("float64"), axis=_np_axis(axis), keepdims=keepdims)
    close(got, ref.astype("float32"), tol=1e-4)


def test_std_and_var_are_population_statistics():
    x = t([[1.0, 2.0], [4.0, 5.0]])
    close(K.std(x, axis=0), np.array([1.5, 1.5], "float32"))
    close(K.var(t([1.0, 2.0, 4.0])), np.float32(1.5555557))


def test_mean_of_bool_tensor_is_float_fraction():
    got = K.mean(t([True, False, True]))
    assert got.dtype == torch.float32
    close(got, np.float32(2 / 3))


@pytest.mark.parametrize("fn, ref", [("any", np.any), ("all", np.all)])
@pytest.mark.parametrize("axis", [None, 1, (0, 1)])
def test_any_and_all_reduce_to_bool(fn, ref, axis):
    x = np.array([[0.0, 1.0], [0.0, 0.0], [2.0, 3.0]], "float32")
    got = getattr(K, fn)(t(x), axis=axis, keepdims=True)
    assert got.dtype == torch.bool
    np.testing.assert_array_equal(K.get_value(got), ref(x != 0, axis=axis, keepdims=True))


UNARY = [
    ("square", np.square), ("exp", np.exp), ("abs", np.abs), ("sign", np.sign),
    ("cos", np.cos), ("sin", np.sin), ("tanh", np.tanh),
    ("sqrt", lambda x: np.sqrt(np.maximum(x, 0))),
    ("sigmoid", lambda x: 1 / (1 + np.exp(-x))),
    ("softplus", lambda x: np.log1p(np.exp(x))),
    ("softsign", lambda x: x / (1 + np.abs(x))),
    ("hard_sigmoid", lambda x: np.clip(0.2 * x + 0.5, 0, 1)),
    ("elu", lambda x: np.where(x > 0, x, np.exp(x) - 1)),
]


@pytest.mark.parametrize("name, ref", UNARY, ids=[u[0] for u in UNARY])
def test_elementwise_functions_match_numpy(name, ref):
    close(getattr(K, name)(t(R)), ref(R.astype("float64")).astype("float32"), tol=1e-5)


def test_log_round_and_pow():
    close(K.log(t([1.0, np.e])), np.array([0.0, 1.0], "float32"))
    # TensorFlow rounds halves to even.
    close(K.round(t(np.array([0.5, 1.5, 2.5, -0.5, -1.5], "float32"))),
          np.array([0.0, 2.0, 2.0, -0.0, -2.0], "float32"))
    close(K.pow(t([2.0, 3.0]), 2), np.array([4.0, 9.0], "float32"))


def test_sqrt_clips_negative_values_to_zero():
    close(K.sqrt(t([-4.0, 4.0])), np.array([0.0, 2.0], "float32"))


def test_clip_raises_max_below_min_to_min_and_accepts_none():
    close(K.clip(t(R), 0.5, 0.2), np.full_like(R, 0.5))
    close(K.clip(t(R), None, 1.0), np.minimum(R, 1.0))
    close(K.clip(t(R), -1.0, 1.0), np.clip(R, -1, 1))


def test_maximum_and_minimum_take_tensors_numbers_and_arrays():
    close(K.maximum(t(R), 0.0), np.maximum(R, 0))
    close(K.minimum(t(R), R[::-1].copy()), np.minimum(R, R[::-1]))


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_cumsum_and_cumprod_along_axis(axis):
    close(K.cumsum(t(A), axis), np.cumsum(A, axis), tol=1e-4)
    close(K.cumprod(t(A), axis), np.cumprod(A, axis), tol=1e-4)


def test_numpy_and_python_inputs_become_floatx_tensors():
    out = K.exp(np.array([0.0, 1.0]))
    assert isinstance(out, torch.Tensor) and out.dtype == torch.float32
    assert K.square(3).dtype == torch.float32


# --- shapes -------------------------------------------------------------------------------


def test_shape_int_shape_ndim_and_dtype():
    x = torch.zeros(2, 3, dtype=torch.float64)
    assert K.shape(x) == (2, 3) and isinstance(K.shape(x)[0], int)
    assert K.int_shape(x) == (2, 3) and K.ndim(x) == 2
    assert K.dtype(x) == "float64" and K.dtype(torch.zeros(1, dtype=torch.int64)) == "int64"
    assert K.dtype(np.zeros(2, "int32")) == "int32"
    assert K.int_shape(np.zeros((4, 5))) == (4, 5)


def test_shape_functions_work_on_symbolic_inputs():
    from tkeras.engine.input_layer import Input

    x = Input((3, 4))
    assert K.int_shape(x) == (None, 3, 4) and K.ndim(x) == 3 and K.dtype(x) == "float32"
    y = K.sum(K.square(x), axis=-1)
    assert K.is_keras_tensor(y) and K.int_shape(y) == (None, 3)


def test_reshape_flatten_and_batch_flatten():
    close(K.reshape(t(A), (4, -1)), A.reshape(4, -1))
    close(K.flatten(t(A)), A.reshape(-1))
    close(K.batch_flatten(t(A)), A.reshape(2, -1))
    assert tuple(K.batch_flatten(torch.zeros(0, 3, 4)).shape) == (0, 12)


@pytest.mark.parametrize("axis", [0, 1, -1, -2])
def test_expand_dims_and_squeeze_round_trip(axis):
    e = K.expand_dims(t(A), axis)
    assert tuple(e.shape) == np.expand_dims(A, axis).shape
    close(K.squeeze(e, axis), A)


def test_expand_dims_defaults_to_a_new_last_axis():
    assert tuple(K.expand_dims(t(R)).shape) == (3, 4, 1)


def test_permute_dimensions_and_transpose():
    close(K.permute_dimensions(t(A), (2, 0, 1)), A.transpose(2, 0, 1))
    close(K.transpose(t(A)), A.T)
    close(K.transpose(t(R)), R.T)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_concatenate_and_stack(axis):
    close(K.concatenate([t(A), t(A * 2)], axis=axis), np.concatenate([A, A * 2], axis))
    close(K.stack([t(A), t(A * 2)], axis=axis), np.stack([A, A * 2], axis))


def test_concatenate_defaults_to_last_axis():
    assert tuple(K.concatenate([torch.ones(2, 3), torch.zeros(2, 1)]).shape) == (2, 4)


def test_repeat_turns_2d_into_3d():
    close(K.repeat(t(R), 2), np.repeat(R[:, None, :], 2, axis=1))
    with pytest.raises(ValueError, match="expects a 2D tensor"):
        K.repeat(t(A), 2)


@pytest.mark.parametrize("axis", [0, 1, 2, -1])
def test_repeat_elements_matches_np_repeat(axis):
    close(K.repeat_elements(t(A), 3, axis=axis), np.repeat(A, 3, axis=axis))


def test_tile_with_int_and_tuple():
    close(K.tile(t(R), (2, 3)), np.tile(R, (2, 3)))
    close(K.tile(t(R[0]), 2), np.tile(R[0], 2))


def test_one_hot_is_floatx_with_new_last_axis_and_zero_rows_out_of_range():
    got = K.one_hot(t(np.array([[0, 2], [1, 5]])), 4)
    assert got.dtype == torch.float32 and tuple(got.shape) == (2, 2, 4)
    ref = np.zeros((2, 2, 4), "float32")
    ref[0, 0, 0] = ref[0, 1, 2] = ref[1, 0, 1] = 1
    close(got, ref)
    close(K.one_hot(np.array([1]), 2), np.array([[0.0, 1.0]], "float32"))


def test_gather_indexes_the_first_axis():
    idx = np.array([[2, 0], [1, 1]])
    close(K.gather(t(R), t(idx)), R[idx])
    close(K.gather(t(R), [2, 0]), R[[2, 0]])
    close(K.gather(t(R), 1), R[1])


def test_slice_with_minus_one_size_takes_the_rest():
    close(K.slice(t(A), (0, 1, 1), (-1, 2, 2)), A[:, 1:3, 1:3])


def test_arange_is_int32_by_default_and_empty_for_a_negative_stop():
    got = K.arange(2, 10, 3)
    assert got.dtype == torch.int32
    np.testing.assert_array_equal(K.get_value(got), [2, 5, 8])
    assert K.arange(-3).numel() == 0
    np.testing.assert_array_equal(K.get_value(K.arange(4)), [0, 1, 2, 3])
    assert K.arange(3, dtype="float32").dtype == torch.float32


@pytest.mark.parametrize("axes", [0, [0, 2], -1])
def test_reverse(axes):
    close(K.reverse(t(A), axes), np.flip(A, axes if isinstance(axes, int) else tuple(axes)))


# --- linear algebra -----------------------------------------------------------------------


@pytest.mark.parametrize("x_shape, y_shape", [
    ((2, 3), (3, 4)), ((2, 3, 4), (4, 5)), ((2, 3, 4), (7, 4, 5)), ((3, 4), (2, 4, 5)),
    ((2, 3, 4), (4,)),
])
def test_dot_follows_np_dot_shape_rule(x_shape, y_shape):
    x = RNG.randn(*x_shape).astype("float32")
    y = RNG.randn(*y_shape).astype("float32")
    close(K.dot(t(x), t(y)), np.dot(x, y), tol=1e-4)


def _np_batch_dot(x, y, axes):
    """Oracle from the Keras docstring: per-sample tensordot; rank 1 becomes (batch, 1)."""
    if isinstance(axes, int):
        axes = (axes, axes)
    if axes is None:
        axes = (x.ndim - 1, y.ndim - 1 if y.ndim == 2 else y.ndim - 2)
    a0, a1 = axes[0] % x.ndim, axes[1] % y.ndim
    out = np.stack([np.tensordot(xi, yi, axes=(a0 - 1, a1 - 1)) for xi, yi in zip(x, y)])
    return out.reshape(-1, 1) if out.ndim == 1 else out


@pytest.mark.parametrize("x_shape, y_shape, axes, out_shape", [
    ((6, 20), (6, 30, 20), (1, 2), (6, 30)),  # Keras docstring example
    ((6, 20), (6, 20), 1, (6, 1)),
    ((6, 20), (6, 20), None, (6, 1)),
    ((6, 7, 4), (6, 4), None, (6, 7)),
    ((6, 7, 4), (6, 9, 4), 2, (6, 7, 9)),
    ((6, 7, 4), (6, 4, 9), None, (6, 7, 9)),
    ((6, 3, 4, 5), (6, 5, 4, 2), (3, 1), (6, 3, 4, 4, 2)),
    ((6, 3, 4, 5), (6, 5, 4, 2), (2, 2), (6, 3, 5, 5, 2)),
    ((6, 3, 4, 5), (6, 7, 4), (2, -1), (6, 3, 5, 7)),
    ((6, 2, 3), (6, 3, 2), (-2, -1), (6, 3, 3)),
])
def test_batch_dot_matches_keras_docstring_oracle(x_shape, y_shape, axes, out_shape):
    x = RNG.randn(*x_shape).astype("float32")
    y = RNG.randn(*y_shape).astype("float32")
    got = K.batch_dot(t(x), t(y), axes=axes)
    assert tuple(got.shape) == out_shape
    close(got, _np_batch_dot(x, y, axes), tol=1e-4)


def test_batch_dot_docstring_values():
    x = t(np.array([[1.0, 2.0], [3.0, 4.0]], "float32"))
    y = t(np.array([[5.0, 6.0], [7.0, 8.0]], "float32"))
    close(K.batch_dot(x, y, axes=1), np.array([[17.0], [53.0]], "float32"))


def test_batch_dot_rejects_the_batch_axis_and_mismatched_sizes():
    with pytest.raises(ValueError, match="over axis 0"):
        K.batch_dot(torch.ones(2, 3), torch.ones(2, 3), axes=0)
    with pytest.raises(ValueError, match="x.shape\\[1\\] != y.shape\\[1\\]"):
        K.batch_dot(torch.ones(2, 3), torch.ones(2, 4), axes=1)


# --- comparisons, arg ops, cast, switch ---------------------------------------------------


@pytest.mark.parametrize("name, ref", [
    ("equal", np.equal), ("not_equal", np.not_equal), ("greater", np.greater),
    ("greater_equal", np.greater_equal), ("less", np.less), ("less_equal", np.less_equal),
])
def test_comparisons_return_bool(name, ref):
    x, y = np.array([1.0, 2.0, 3.0], "float32"), np.array([3.0, 2.0, 1.0], "float32")
    got = getattr(K, name)(t(x), t(y))
    assert got.dtype == torch.bool
    np.testing.assert_array_equal(K.get_value(got), ref(x, y))
    np.testing.assert_array_equal(K.get_value(getattr(K, name)(t(x), 2.0)), ref(x, 2.0))


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_argmax_and_argmin_are_int64_first_on_ties(axis):
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]], "float32")
    got = K.argmax(t(x), axis)
    assert got.dtype == torch.int64
    np.testing.assert_array_equal(K.get_value(got), np.argmax(x, axis))
    np.testing.assert_array_equal(K.get_value(K.argmin(t(x), axis)), np.argmin(x, axis))


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int32", "int64", "bool",
                                   "uint8"])
def test_cast_to_string_dtypes(dtype):
    got = K.cast(t(np.array([1.7, -1.7, 0.0], "float32")), dtype)
    assert K.dtype(got) == dtype
    ref = np.array([1.7, -1.7, 0.0], "float32").astype(dtype) if dtype != "uint8" else None
    if ref is not None:
        np.testing.assert_array_equal(K.get_value(got), ref)


def test_cast_rejects_unknown_dtype():
    with pytest.raises(TypeError, match="Unsupported dtype"):
        K.cast(torch.ones(2), "float33")


def test_switch_with_python_scalar_tensor_and_lower_rank_conditions():
    a, b = t(A), t(-A)
    close(K.switch(True, a, b), A)
    close(K.switch(False, lambda: a, lambda: b), -A)
    close(K.switch(torch.tensor(False), a, b), -A)
    full = np.array([[True, False, True], [False, False, True]])
    close(K.switch(t(full), a, b), np.where(full[..., None], A, -A))
    rows = np.array([True, False])
    close(K.switch(t(rows), a, b), np.where(rows[:, None, None], A, -A))
    with pytest.raises(ValueError, match="Rank of `condition`"):
        K.switch(torch.ones(2, 3, 4, 1, dtype=torch.bool), a, b)


def test_zeros_like_and_ones_like_keep_shape_and_dtype():
    x = torch.ones(2, 3, dtype=torch.float64)
    assert K.zeros_like(x).dtype == torch.float64 and float(K.zeros_like(x).sum()) == 0
    assert K.ones_like(x, dtype="int32").dtype == torch.int32


# --- random -------------------------------------------------------------------------------


@pytest.mark.parametrize("fn, kwargs, mean, std", [
    (K.random_normal, dict(mean=1.0, stddev=2.0), 1.0, 2.0),
    (K.random_uniform, dict(minval=-1.0, maxval=3.0), 1.0, 4 / np.sqrt(12)),
    (K.random_binomial, dict(p=0.3), 0.3, np.sqrt(0.3 * 0.7)),
    (K.truncated_normal, dict(mean=1.0, stddev=2.0), 1.0, 2.0 * 0.8796),
])
def test_random_functions_shape_dtype_and_statistics(fn, kwargs, mean, std):
    out = fn((200, 100), **kwargs)
    assert tuple(out.shape) == (200, 100) and out.dtype == torch.float32
    v = K.get_value(out)
    assert abs(v.mean() - mean) < 0.05 * max(1.0, std)
    assert abs(v.std() - std) < 0.05 * std


def test_random_ranges():
    u = K.get_value(K.random_uniform((5000,), 2.0, 3.0))
    assert u.min() >= 2.0 and u.max() < 3.0
    tn = K.get_value(K.truncated_normal((5000,), stddev=0.5))
    assert np.abs(tn).max() <= 1.0
    assert set(np.unique(K.get_value(K.random_binomial((100,), 0.5)))) <= {0.0, 1.0}


def test_random_shape_accepts_tensor_entries_and_dtype():
    out = K.random_normal((torch.tensor(3), 4), dtype="float64")
    assert tuple(out.shape) == (3, 4) and out.dtype == torch.float64


@pytest.mark.parametrize("fn", [K.random_normal, K.random_uniform, K.random_binomial,
                                K.truncated_normal])
def test_seeded_random_sequence_is_reproducible(fn):
    _ops._reset_random_generators()
    first, second = K.get_value(fn((4, 3), seed=7)), K.get_value(fn((4, 3), seed=7))
    _ops._reset_random_generators()
    np.testing.assert_array_equal(K.get_value(fn((4, 3), seed=7)), first)
    np.testing.assert_array_equal(K.get_value(fn((4, 3), seed=7)), second)
    if fn is not K.random_binomial:
        assert not np.array_equal(first, second)  # a seeded op does not repeat each call
        assert not np.array_equal(first, K.get_value(fn((4, 3), seed=8)))


# --- variables and values -----------------------------------------------------------------


def test_variable_copies_value_and_uses_floatx():
    value = np.array([[1, 2], [3, 4]])
    v = K.variable(value)
    assert K.dtype(v) == "float32" and v.requires_grad
    value[0, 0] = 100
    np.testing.assert_array_equal(K.get_value(v), [[1.0, 2.0], [3.0, 4.0]])
    src = torch.ones(2)
    w = K.variable(src, dtype="float64")
    src.zero_()
    assert K.dtype(w) == "float64" and K.get_value(w).sum() == 2.0
    assert K.dtype(K.variable(0, dtype="int64")) == "int64"


def test_constant_broadcasts_a_scalar_to_shape():
    close(K.constant(2.0, shape=(2, 2)), np.full((2, 2), 2.0, "float32"))
    close(K.constant([1, 2, 3, 4], shape=(2, 2)), np.array([[1, 2], [3, 4]], "float32"))
    assert K.constant(1, dtype="int32").dtype == torch.int32


def test_zeros_ones_eye():
    close(K.zeros((2, 3)), np.zeros((2, 3), "float32"))
    close(K.ones((2,), dtype="float64"), np.ones(2))
    close(K.eye(3), np.eye(3, dtype="float32"))
    close(K.eye((2, 3)), np.eye(2, 3, dtype="float32"))


def test_get_value_and_set_value_on_a_parameter():
    p = torch.nn.Parameter(torch.zeros(2, 3))
    K.set_value(p, np.arange(6).reshape(2, 3))
    assert isinstance(p, torch.nn.Parameter) and p.requires_grad
    got = K.get_value(p)
    assert isinstance(got, np.ndarray) and got.dtype == np.float32
    np.testing.assert_array_equal(got, np.arange(6).reshape(2, 3))
    got[0, 0] = 99  # a copy, not a view of the weight
    assert K.get_value(p)[0, 0] == 0.0
    with pytest.raises(ValueError, match="expected a value of shape \\(2, 3\\)"):
        K.set_value(p, np.zeros(3))


def test_get_value_of_scalar_is_numpy_scalar():
    got = K.get_value(K.variable(3.0))
    assert got == 3.0 and np.ndim(got) == 0 and got.dtype == np.float32
    assert K.eval(torch.tensor(2.5)) == 2.5


def test_batch_get_and_set_value_and_count_params():
    a, b = torch.zeros(2), torch.zeros(1, 3)
    K.batch_set_value([(a, [1, 2]), (b, [[3, 4, 5]])])
    got = K.batch_get_value([a, b])
    np.testing.assert_array_equal(got[0], [1, 2])
    np.testing.assert_array_equal(got[1], [[3, 4, 5]])
    assert K.count_params(b) == 3


def test_update_functions_modify_in_place():
    v = K.variable([1.0, 2.0])
    K.update_add(v, 1.0)
    K.update_sub(v, np.array([0.5, 0.5]))
    close(v, np.array([1.5, 2.5], "float32"))
    K.moving_average_update(v, torch.zeros(2), 0.9)
    close(v, np.array([1.35, 2.25], "float32"))
    K.update(v, [0.0, 1.0])
    close(v, np.array([0.0, 1.0], "float32"))


# --- neural network -----------------------------------------------------------------------


def _np_relu(x, alpha=0.0, max_value=None, threshold=0.0):
    y = np.where(x > threshold, x, 0.0) if threshold else np.maximum(x, 0)
    if max_value is not None:
        y = np.minimum(y, max_value)
    return y - alpha * np.maximum(threshold - x, 0)


@pytest.mark.parametrize("kwargs", [
    dict(), dict(alpha=0.1), dict(max_value=6), dict(max_value=2.5), dict(threshold=1.0),
    dict(alpha=0.1, max_value=2.5, threshold=1.0), dict(alpha=0.2, threshold=-1.0),
    dict(alpha=0.3, max_value=6),
])
def test_relu_variants_match_keras_formula(kwargs):
    close(K.relu(t(R), **kwargs), _np_relu(R, **kwargs).astype("float32"))


def test_elu_alpha_and_softmax():
    close(K.elu(t(R), 0.5), np.where(R > 0, R, 0.5 * (np.exp(R) - 1)))
    e = np.exp(A - A.max(axis=1, keepdims=True))
    close(K.softmax(t(A), axis=1), e / e.sum(axis=1, keepdims=True))


def test_dropout_scales_kept_entries_and_drops_about_level():
    out = K.get_value(K.dropout(torch.ones(100, 100), 0.3))
    kept = out[out != 0]
    np.testing.assert_allclose(kept, 1 / 0.7, rtol=1e-6)
    assert abs((out == 0).mean() - 0.3) < 0.03


def test_dropout_noise_shape_broadcasts_and_seed_reproduces():
    out = K.get_value(K.dropout(torch.ones(4, 50, 6), 0.5, noise_shape=(None, 1, 6), seed=3))
    assert (out == out[:, :1, :]).all()
    _ops._reset_random_generators()
    a = K.get_value(K.dropout(torch.ones(8, 8), 0.5, seed=1))
    _ops._reset_random_generators()
    np.testing.assert_array_equal(K.get_value(K.dropout(torch.ones(8, 8), 0.5, seed=1)), a)


@pytest.mark.parametrize("axis", [None, 1, -1, 0])
def test_l2_normalize(axis):
    ref = R / np.sqrt(np.maximum(np.sum(R ** 2, axis=axis, keepdims=True), 1e-12))
    close(K.l2_normalize(t(R), axis=axis), ref)
    close(K.l2_normalize(torch.zeros(2, 3), axis=1), np.zeros((2, 3), "float32"))


def test_bias_add_channels_last_and_first():
    b = np.arange(4, dtype="float32")
    close(K.bias_add(t(A), t(b)), A + b)
    c = np.arange(3, dtype="float32")
    close(K.bias_add(t(A), t(c), data_format="channels_first"), A + c[:, None])
    full = np.arange(12, dtype="float32").reshape(3, 4)
    close(K.bias_add(t(A), t(full)), A + full)
    # Keras reshapes a channels-last (W, C) bias to (C, W) for channels_first.
    full_cf = np.arange(12, dtype="float32").reshape(4, 3)
    close(K.bias_add(t(A), t(full_cf), data_format="channels_first"),
          A + full_cf.reshape(1, 3, 4))
    with pytest.raises(ValueError, match="Unexpected bias dimensions"):
        K.bias_add(t(A), torch.zeros(1, 1, 4))


P = np.array([[0.0, 0.3, 0.7], [1.0, 0.0, 0.0], [0.2, 0.2, 0.2], [1e-9, 0.5, 0.5]], "float32")
T = np.eye(3, dtype="float32")[[0, 0, 1, 2]]
TI = np.array([0, 0, 1, 2])
EPS = 1e-7


def test_categorical_crossentropy_normalises_then_clips():
    p = P / P.sum(-1, keepdims=True)
    ref = -np.sum(T * np.log(np.clip(p, EPS, 1 - EPS)), -1)
    close(K.categorical_crossentropy(t(T), t(P)), ref, tol=1e-4)
    # tf_keras 2.21 value for a zero probability on the true class: -log(1e-7).
    close(K.categorical_crossentropy(t(T[:1]), t(P[:1])), np.array([16.118095], "float32"))
    close(K.categorical_crossentropy(t(T.T), t(P.T), axis=0), ref, tol=1e-4)


def test_categorical_crossentropy_from_logits_and_shape_check():
    logits = RNG.randn(4, 3).astype("float32") * 5
    lse = _np_logsumexp(logits.astype("float64"), axis=-1, keepdims=True)
    ref = -np.sum(T * (logits - lse), -1)
    close(K.categorical_crossentropy(t(T), t(logits), from_logits=True), ref, tol=1e-4)
    with pytest.raises(ValueError, match="incompatible"):
        K.categorical_crossentropy(torch.zeros(4, 2), torch.zeros(4, 3))


def test_sparse_categorical_crossentropy_clips_then_normalises():
    logp = np.log(np.clip(P.astype("float64"), EPS, 1 - EPS))
    logp = logp - _np_logsumexp(logp, axis=-1, keepdims=True)
    ref = -logp[np.arange(4), TI]
    close(K.sparse_categorical_crossentropy(t(TI), t(P)), ref, tol=1e-4)
    close(K.sparse_categorical_crossentropy(t(TI[:, None]), t(P)), ref, tol=1e-4)
    close(K.sparse_categorical_crossentropy(t(TI), t(P.T), axis=0), ref, tol=1e-4)


def test_sparse_categorical_crossentropy_shapes_and_ignore_class():
    out = K.sparse_categorical_crossentropy(torch.zeros(2, 4, 1, dtype=torch.int32),
                                            torch.full((2, 4, 3), 1 / 3))
    assert tuple(out.shape) == (2, 4)
    got = K.sparse_categorical_crossentropy(t([0, 1, 2]), torch.full((3, 3), 1 / 3),
                                            ignore_class=1)
    close(got, np.array([np.log(3), 0.0, np.log(3)], "float32"))
    logits = RNG.randn(4, 3).astype("float32")
    ref = -(logits - _np_logsumexp(logits, axis=-1, keepdims=True))[np.arange(4), TI]
    close(K.sparse_categorical_crossentropy(t(TI), t(logits), from_logits=True), ref)


def test_binary_crossentropy_clips_and_adds_epsilon_inside_log():
    target = np.array([[1.0, 0.0, 1.0, 0.0]], "float32")
    output = np.array([[0.0, 1.0, 0.6, 0.2]], "float32")
    eps = np.float32(EPS)
    p = np.clip(output, eps, np.float32(1) - eps)  # float32, as the backend computes
    ref = -(target * np.log(p + eps) + (1 - target) * np.log(1 - p + eps))
    close(K.binary_crossentropy(t(target), t(output)), ref, tol=1e-4)
    # tf_keras 2.21 values (float32: 1 - (1 - 1e-7) is 1.19e-7, hence 15.33 not 15.42).
    close(K.binary_crossentropy(t(target), t(output)),
          np.array([[15.424949, 15.333239, 0.5108254, 0.22314338]], "float32"))


def test_binary_crossentropy_from_logits_is_exact_for_large_logits():
    logits = t([[30.0, -20.0, 0.5], [-40.0, 25.0, 3.0]])
    target = t([[1.0, 0.0, 1.0], [1.0, 1.0, 0.0]])
    # tf_keras 2.21 (tf.nn.sigmoid_cross_entropy_with_logits).
    ref = np.array([[9.357623e-14, 2.0611537e-09, 0.474077],
                    [40.0, 1.3887944e-11, 3.0485873]], "float32")
    close(K.binary_crossentropy(target, logits, from_logits=True), ref, tol=1e-6)


def test_crossentropies_use_keras_logits_of_softmax_and_sigmoid_outputs():
    logits = t([[30.0, -20.0, 0.5], [-40.0, 25.0, 3.0]])
    target = t([[0.0, 1.0, 0.0], [0.0, 1.0, 0.0]])
    probs = torch.softmax(logits, -1)
    # Clipped probabilities cap the loss at -log(1e-7) = 16.118 ...
    close(K.categorical_crossentropy(target, probs), np.array([16.118095, 1.192093e-07]))
    probs._keras_logits = logits
    # ... the logits give the exact value (tf_keras 2.21: [50.0, 0.0]).
    close(K.categorical_crossentropy(target, probs), np.array([50.0, 0.0], "float32"))
    close(K.sparse_categorical_crossentropy(t([0, 1]), probs), np.array([0.0, 0.0], "float32"))
    sig = torch.sigmoid(logits)
    sig._keras_logits = logits
    close(K.binary_crossentropy(t([[1.0, 0.0, 1.0], [1.0, 1.0, 0.0]]), sig)[1, 0], np.float32(40))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        close(K.categorical_crossentropy(target, probs, from_logits=True),
              np.array([50.0, 0.0], "float32"))
    assert "does not represent logits" in str(caught[0].message)


def test_in_train_phase_and_in_test_phase():
    assert K.in_train_phase(1, 2, training=True) == 1
    assert K.in_train_phase(lambda: 1, lambda: 2, training=0) == 2
    assert K.in_train_phase(1, 2) == 2  # learning phase defaults to inference
    assert K.in_test_phase(1, 2, training=False) == 1
    close(K.in_train_phase(t(A), t(-A), training=torch.tensor(True)), A)


# --- gradients ----------------------------------------------------------------------------


def test_gradients_match_analytic_and_give_zeros_for_unused():
    x = K.variable([1.0, 2.0, 3.0])
    w = K.variable([0.5, -1.0, 2.0])
    unused = K.variable([4.0])
    loss = K.sum(K.square(x) * w)
    gx, gw, gu = K.gradients(loss, [x, w, unused])
    close(gx, 2 * np.array([1.0, 2.0, 3.0]) * np.array([0.5, -1.0, 2.0]))
    close(gw, np.array([1.0, 4.0, 9.0], "float32"))
    close(gu, np.zeros(1, "float32"))
    # The graph is kept: gradients again, and second order through the first.
    (g2,) = K.gradients(K.sum(gx), x)
    close(g2, 2 * np.array([0.5, -1.0, 2.0], "float32"))


def test_stop_gradient_blocks_gradients():
    x = K.variable([1.0, 2.0])
    loss = K.sum(x * K.stop_gradient(x))
    close(K.gradients(loss, [x])[0], np.array([1.0, 2.0], "float32"))
    assert all(not v.requires_grad for v in K.stop_gradient([x * 2, x]))


# --- K.function ---------------------------------------------------------------------------


@pytest.mark.skipif(importlib.util.find_spec("tkeras.engine.functional") is None,
                    reason="tkeras.engine.functional not written yet")
def test_function_runs_the_graph_with_learning_phase_slot():
    from tkeras.engine.input_layer import Input

    inp = Input((3,))
    squared = K.square(inp)
    out = K.sum(squared, axis=-1)
    f = K.function([inp, K.learning_phase()], [squared, out])
    x = np.arange(6, dtype="float64").reshape(2, 3)
    got = f([x, 0])
    assert isinstance(got, list) and all(isinstance(g, np.ndarray) for g in got)
    assert got[0].dtype == np.float32  # fed as the Input's dtype
    np.testing.assert_allclose(got[0], x ** 2)
    np.testing.assert_allclose(got[1], (x ** 2).sum(-1))
    single = K.function([inp], out)
    np.testing.assert_allclose(single([x]), (x ** 2).sum(-1))
    with pytest.raises(ValueError, match="expects 2 inputs"):
        f([x])


@pytest.mark.skipif(importlib.util.find_spec("tkeras.engine.functional") is None,
                    reason="tkeras.engine.functional not written yet")
def test_function_learning_phase_value_becomes_the_training_flag():
    from tkeras.engine.base_layer import Layer
    from tkeras.engine.input_layer import Input

    class TrainingDoubles(Layer):
        def call(self, inputs, training=None):
            return inputs * (2.0 if training else 1.0)

    inp = Input((3,))
    f = K.function([inp, K.learning_phase()], [TrainingDoubles()(inp)])
    x = np.ones((1, 3))
    np.testing.assert_array_equal(f([x, 1])[0], 2 * x)
    np.testing.assert_array_equal(f([x, 0])[0], x)
