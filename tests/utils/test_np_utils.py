import numpy as np
import pytest

from tkeras.utils import np_utils
from tkeras.utils.np_utils import normalize, to_categorical


def test_to_categorical_turns_a_label_vector_into_one_hot_rows():
    out = to_categorical([0, 2, 1])
    np.testing.assert_array_equal(out, [[1, 0, 0], [0, 0, 1], [0, 1, 0]])
    assert out.dtype == np.float32


def test_to_categorical_squeezes_a_trailing_axis_of_one():
    out = to_categorical(np.array([[1], [0], [3]]), num_classes=5)
    assert out.shape == (3, 5)
    np.testing.assert_array_equal(out.argmax(-1), [1, 0, 3])


def test_to_categorical_keeps_higher_rank_shapes_and_adds_a_class_axis():
    y = np.array([[0, 1, 2], [2, 1, 0]])
    out = to_categorical(y)
    assert out.shape == (2, 3, 3)
    np.testing.assert_array_equal(out.argmax(-1), y)
    assert to_categorical(np.zeros((2, 4, 1), dtype=int), 2).shape == (2, 4, 2)


def test_to_categorical_honours_num_classes_and_dtype():
    out = to_categorical([1, 1], num_classes=4, dtype="int64")
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out, [[0, 1, 0, 0], [0, 1, 0, 0]])


def test_to_categorical_accepts_float_labels_and_a_scalar():
    np.testing.assert_array_equal(to_categorical(np.array([2.0, 0.0])), [[0, 0, 1], [1, 0, 0]])
    assert to_categorical(1, num_classes=3).tolist() == [0.0, 1.0, 0.0]


def test_to_categorical_explains_a_label_beyond_num_classes():
    with pytest.raises(IndexError, match="class index 5.*num_classes=3"):
        to_categorical([0, 5], num_classes=3)


def test_normalize_gives_unit_l2_rows_and_leaves_zero_rows_zero():
    x = np.array([[3.0, 4.0], [0.0, 0.0]])
    np.testing.assert_allclose(normalize(x), [[0.6, 0.8], [0.0, 0.0]])


def test_normalize_along_another_axis_and_order():
    x = np.array([[1.0, 2.0], [3.0, 2.0]])
    np.testing.assert_allclose(normalize(x, axis=0, order=1), [[0.25, 0.5], [0.75, 0.5]])


def test_np_utils_module_has_the_keras2_names():
    assert np_utils.to_categorical is to_categorical
    assert np_utils.normalize is normalize
