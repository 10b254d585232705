"""Metric functions, the 'accuracy' resolution rule and the minimal Metric classes."""
import numpy as np
import pytest
import torch

from tkeras import losses as L
from tkeras import metrics as M


def f32(x):
    return np.array(x, dtype=np.float32)


OH = f32([[0, 1, 0], [0, 0, 1]])
YT = f32([[0., 1., 2.], [-1., 0.5, 3.]])
YP = f32([[0.1, 0.8, 2.5], [-0.5, 0.0, 2.0]])
CAT_PRED = f32([[0.1, 0.9, 0.8], [0.4, 0.4, 0.2]])     # row 2: tie between classes 0 and 1
TK = f32([[0.1, 0.3, 0.3, 0.2, 0.1], [0.5, 0.1, 0.1, 0.2, 0.1]])
P3 = f32(np.arange(12).reshape(2, 2, 3) % 5 + 1)
P3 = P3 / P3.sum(-1, keepdims=True)
L3 = np.array([[0, 2], [1, 1]])

# Values computed with tf-keras 2.21 (`tf_keras.metrics.<fn>` on the same inputs).
TF_KERAS = {
    "binacc": [0.66666669, 0.66666669],
    "catacc": [1.0, 0.0],
    "spcatacc": [1.0, 1.0],
    "spcatacc_col": [1.0, 0.0],
    "topk2": [0.0, 1.0],
    "topk1_tie": [1.0, 0.0],
    "sptopk2": [0.0, 1.0],
    "sptopk_3d": [[0.0, 0.0], [0.0, 0.0]],
    "m_cos": [0.98745751, 0.98482031],
    "m_cosprox": [0.98745751, 0.98482031],
    "mmw": 0.25,
    "mean_sw": 2.1666667,
}


def _mmw():
    m = M.MeanMetricWrapper(M.binary_accuracy, name="acc")
    m.update_state(f32([[1], [0], [1]]), f32([[0.9], [0.8], [0.3]]), sample_weight=f32([1, 2, 1]))
    return m.result()


def _mean_sw():
    m = M.Mean()
    m.update_state(f32([[1, 2], [3, 4]]), sample_weight=f32([1., 0.5]))
    return m.result()


CASES = {
    "binacc": lambda: M.binary_accuracy(f32([[1, 0, 1], [0, 0, 1]]),
                                        f32([[0.6, 0.5, 0.2], [0.1, 0.7, 0.9]])),
    "catacc": lambda: M.categorical_accuracy(OH, CAT_PRED),
    "spcatacc": lambda: M.sparse_categorical_accuracy(np.array([1, 0]), CAT_PRED),
    "spcatacc_col": lambda: M.sparse_categorical_accuracy(f32([[1], [1]]), CAT_PRED),
    "topk2": lambda: M.top_k_categorical_accuracy(f32([[0, 0, 0, 1, 0], [0, 0, 0, 1, 0]]), TK,
                                                  k=2),
    "topk1_tie": lambda: M.top_k_categorical_accuracy(f32([[0, 0, 1, 0, 0], [0, 1, 0, 0, 0]]),
                                                      TK, k=1),
    "sptopk2": lambda: M.sparse_top_k_categorical_accuracy(np.array([3, 3]), TK, k=2),
    "sptopk_3d": lambda: M.sparse_top_k_categorical_accuracy(L3, P3, k=1),
    "m_cos": lambda: M.cosine_similarity(YT, YP),
    "m_cosprox": lambda: M.cosine_proximity(YT, YP),
    "mmw": _mmw,
    "mean_sw": _mean_sw,
}


@pytest.mark.parametrize("case", sorted(TF_KERAS))
def test_metric_matches_tf_keras_reference(case):
    got = CASES[case]()
    expected = np.asarray(TF_KERAS[case])
    assert got.dtype == torch.float32 and tuple(got.shape) == expected.shape
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-6)


def test_sparse_top_k_accepts_labels_of_shape_n_1():
    # tf-keras 2.21 returns shape (2, 1) here; tkeras keeps one value per sample, (2,),
    # as Keras 2.3 and tf.keras < 2.12 did.
    got = M.sparse_top_k_categorical_accuracy(np.array([[2], [1]]), TK, k=2)
    np.testing.assert_allclose(got.numpy(), [1.0, 0.0])


RNG = np.random.default_rng(1)
PRED = RNG.random(size=(4, 5, 7))
LABELS = RNG.integers(0, 7, size=(4, 5))
ONEHOT = np.eye(7)[LABELS]


def test_accuracy_functions_match_numpy_on_3d_inputs():
    bins = (RNG.random(size=(4, 5, 7)) > 0.5).astype(np.float64)
    np.testing.assert_allclose(M.binary_accuracy(bins, PRED).numpy(),
                               (bins == (PRED > 0.5)).mean(-1))
    np.testing.assert_allclose(M.binary_accuracy(bins, PRED, threshold=0.8).numpy(),
                               (bins == (PRED > 0.8)).mean(-1))
    np.testing.assert_allclose(M.categorical_accuracy(ONEHOT, PRED).numpy(),
                               (LABELS == PRED.argmax(-1)).astype(float))
    np.testing.assert_allclose(M.sparse_categorical_accuracy(LABELS, PRED).numpy(),
                               (LABELS == PRED.argmax(-1)).astype(float))
    rank = (PRED > np.take_along_axis(PRED, LABELS[..., None], -1)).sum(-1)
    for k in (1, 3):
        np.testing.assert_allclose(M.sparse_top_k_categorical_accuracy(LABELS, PRED, k=k).numpy(),
                                   (rank < k).astype(float))
        np.testing.assert_allclose(M.top_k_categorical_accuracy(ONEHOT, PRED, k=k).numpy(),
                                   (rank < k).astype(float))


def test_metric_functions_are_per_sample_float_tensors():
    out = M.sparse_categorical_accuracy(torch.tensor([[1], [0]]), torch.tensor(CAT_PRED))
    assert out.dtype == torch.float32 and tuple(out.shape) == (2,)
    assert tuple(M.binary_accuracy(f32([[1], [0]]), f32([[0.7], [0.2]])).shape) == (2,)


def test_losses_are_available_as_metrics_under_their_names():
    for name in ("mse", "mae", "mape", "msle", "MSE", "kld", "logcosh", "hinge",
                 "squared_hinge", "categorical_hinge", "poisson", "binary_crossentropy",
                 "categorical_crossentropy", "sparse_categorical_crossentropy",
                 "mean_squared_error", "kullback_leibler_divergence"):
        fn = M.get(name)
        assert fn is getattr(L, name)
    assert M.get("cosine_proximity") is M.cosine_similarity
    assert M.get("top_k_categorical_accuracy") is M.top_k_categorical_accuracy


def test_get_rejects_unknown_metric_names():
    with pytest.raises(ValueError, match="Unknown metric function: 'accuracyy'"):
        M.get("accuracyy")
    with pytest.raises(ValueError, match="Could not interpret metric identifier"):
        M.get(3)


# ---------------------------------------------------- 'accuracy' resolution rule

@pytest.mark.parametrize("loss, shape, expected", [
    ("binary_crossentropy", (None, 10), "binary_accuracy"),
    (L.binary_crossentropy, (None, 10), "binary_accuracy"),
    (L.BinaryCrossentropy(from_logits=True), (None, 4), "binary_accuracy"),
    ("mse", (None, 1), "binary_accuracy"),
    ("categorical_crossentropy", (None, 1), "binary_accuracy"),
    ("sparse_categorical_crossentropy", (None, 10), "sparse_categorical_accuracy"),
    (L.sparse_categorical_crossentropy, (None, 5, 10), "sparse_categorical_accuracy"),
    (L.SparseCategoricalCrossentropy(), (None, 10), "sparse_categorical_accuracy"),
    (L.LossFunctionWrapper(L.sparse_categorical_crossentropy), (None, 3),
     "sparse_categorical_accuracy"),
    ("categorical_crossentropy", (None, 10), "categorical_accuracy"),
    (L.CategoricalCrossentropy(), (None, 10), "categorical_accuracy"),
    ("mse", (None, 3), "categorical_accuracy"),
    (lambda y_true, y_pred: y_pred, (None, 3), "categorical_accuracy"),
    (None, (None, 3), "categorical_accuracy"),
])
def test_resolve_accuracy_follows_the_keras2_rule(loss, shape, expected):
    assert M.resolve_accuracy(loss, shape).__name__ == expected


def test_resolve_crossentropy_follows_the_same_rule():
    assert M.resolve_crossentropy("binary_crossentropy", (None, 4)) is L.binary_crossentropy
    assert M.resolve_crossentropy("mse", (None, 1)) is L.binary_crossentropy
    assert M.resolve_crossentropy(L.SparseCategoricalCrossentropy(), (None, 4)) is \
        L.sparse_categorical_crossentropy
    assert M.resolve_crossentropy("categorical_crossentropy", (None, 4)) is \
        L.categorical_crossentropy


# ----------------------------------------------------------- stateful metrics

def test_mean_accumulates_across_updates_and_resets():
    m = M.Mean(name="loss")
    m.update_state([1.0, 2.0])
    m.update_state(torch.tensor([6.0]))
    assert float(m.result()) == pytest.approx(3.0)
    m.reset_states()
    assert float(m.result()) == 0.0               # divide_no_nan: empty mean is 0
    assert m.name == "loss" and m.get_config() == {"name": "loss", "dtype": "float32"}


def test_sum_applies_sample_weights():
    m = M.Sum()
    assert float(m([1., 3., 5., 7.], sample_weight=[1., 0., 0.5, 1.])) == pytest.approx(10.5)


def test_mean_metric_wrapper_round_trips_the_keras_h5_config():
    # `metrics` entry of the training_config in the fixtures' model.h5
    config = {"name": "accuracy", "dtype": "float32", "fn": "categorical_accuracy"}
    m = M.deserialize({"class_name": "MeanMetricWrapper", "config": config})
    assert isinstance(m, M.MeanMetricWrapper) and m.name == "accuracy"
    assert m.get_config() == config
    m.update_state(OH, CAT_PRED)
    assert float(m.result()) == pytest.approx(0.5)


def test_metric_subclass_with_add_weight_resets_even_when_rebinding_state():
    class Total(M.Metric):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.total = self.add_weight("total")

        def update_state(self, values):
            self.total = self.total + torch.as_tensor(values, dtype=torch.float32).sum()

        def result(self):
            return self.total

    m = Total()
    assert m.name == "total"
    assert float(m([1, 2])) == 3.0 and float(m([4])) == 7.0
    m.reset_states()
    assert float(m.result()) == 0.0
    assert len(m.variables) == 1
