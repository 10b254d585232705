"""Loss functions and Loss classes against tf-keras reference numbers and NumPy oracles."""
import warnings

import numpy as np
import pytest
import torch

from tkeras import losses as L


def f32(x):
    return np.array(x, dtype=np.float32)


YT = f32([[0., 1., 2.], [-1., 0.5, 3.]])
YP = f32([[0.1, 0.8, 2.5], [-0.5, 0.0, 2.0]])
YPP = f32([[0.1, 0.8, 2.5], [0.5, 1e-9, 2.0]])                     # positive, for poisson
HT01 = f32([[0, 1, 1], [1, 0, 0]])                                   # {0,1} hinge labels
HTPM = f32([[-1, 1, 1], [1, -1, -1]])                                # {-1,1} hinge labels
HP = f32([[0.3, -0.8, 1.2], [0.9, 0.2, -1.5]])
OH = f32([[0, 1, 0], [0, 0, 1]])                                     # one-hot targets
PR = f32([[0.2, 0.7, 0.1], [0.0, 0.3, 0.7]])                         # probabilities (a 0)
PRU = f32([[0.4, 1.4, 0.2], [0.5, 0.3, 0.2]])                        # unnormalized rows
LG = f32([[1., 2., 0.5], [-1., 0., 3.]])                             # logits
BT = f32([[0, 1, 1], [1, 0, 0]])
BP = f32([[0., 0.6, 1.], [0.9, 0.2, 0.3]])                           # hits both clips
BL = f32([[-2., 0.5, 30.], [1., -1., 0.]])
KT = f32([[0.2, 0.8, 0.0], [0.5, 0.25, 0.25]])
KP = f32([[0.3, 0.6, 0.1], [0.4, 0.4, 0.2]])
P3 = f32(np.arange(12).reshape(2, 2, 3) % 5 + 1)
P3 = P3 / P3.sum(-1, keepdims=True)                                  # (batch, steps, classes)
L3 = np.array([[0, 2], [1, 1]])
T3 = f32(np.arange(12).reshape(2, 2, 3) * 0.25)
EXTREME = f32([[100., 0., -100.], [1., 2., 3.]])


def softmax_output(logits):
    """What tkeras's `activations.softmax` returns: probabilities carrying their logits."""
    x = torch.tensor(logits)
    y = torch.softmax(x, dim=-1)
    y._keras_logits = x
    return y


def sigmoid_output(logits):
    x = torch.tensor(logits)
    y = torch.sigmoid(x)
    y._keras_logits = x
    return y


# Values computed with tf-keras 2.21 (`tf_keras.losses.<fn>` on the same inputs, float32);
# the softmax/sigmoid cases used `tf_keras.activations.softmax/sigmoid` outputs.
TF_KERAS = {
    "mse": [0.1, 0.5],
    "mae": [0.26666665, 0.66666669],
    "mape": [33333346.0, 61.111111],
    "msle": [0.01464909, 0.082387604],
    "logcosh": [0.048324764, 0.22466995],
    "huber": [0.050000001, 0.25],
    "huber_half": [0.050000001, 0.20833333],
    "poisson": [0.59685397, 2.593828],
    "cosine": [-0.98745751, -0.98482031],
    "hinge01": [1.0333333, 0.43333337],
    "hingepm": [1.0333333, 0.43333337],
    "sqhinge01": [1.6433331, 0.48333335],
    "cathinge": [3.0, 3.4000001],
    "cce": [0.35667497, 0.35667497],
    "cce_unnorm": [0.35667497, 1.6094379],
    "cce_logits": [0.46436879, 0.065883912],
    "cce_ls": [0.46329743, 0.91029894],
    "cce_logits_ls": [0.54770213, 0.29921728],
    "cce_softmax_out": [100.0, 0.40760595],
    "scce": [0.35667497, 0.35667506],
    "scce_col": [0.35667497, 0.35667506],
    "scce_float": [0.35667497, 0.35667506],
    "scce_logits": [0.46436879, 0.065883912],
    "scce_3d": [[1.7917595, 2.3025851], [1.0986123, 2.0794415]],
    "scce_3d_col": [[1.7917595, 2.3025851], [1.0986123, 2.0794415]],
    "scce_softmax_out": [200.0, 2.4076059],
    "bce": [0.17027514, 0.22839285],
    "bce_logits": [0.20033498, 0.43989018],
    "bce_ls": [1.2090634, 0.37608668],
    "bce_logits_ls": [1.2836677, 0.50655681],
    "bce_sigmoid_out": [0.20033498, 0.43989018],
    "bce_int_labels": [0.17027514, 0.22839285],
    "kld": [0.1490512, 0.049856752],
    "mse_3d": [[0.109375, 0.34375], [0.859375, 1.65625]],
    # Loss classes ('sum_over_batch_size' unless said otherwise)
    "MSE_sw": 0.19,
    "MSE_sw_col": 0.19,
    "MSE_sum": 0.60000002,
    "MSE_none": [0.1, 0.5],
    "MSE_3d_temporal_sw": 0.96289062,
    "MSE_scalar_sw": 0.60000002,
    "BCE_col_vs_flat": 0.49870291,
    "BCE_logits_ls_sw": 1.401669,
    "CCE_logits_ls": 0.42345971,
    "SCCE_sw": 0.53501248,
    "SCCE_3d": 1.8180996,
    "Huber": 0.12916666,
    "CosSim": -0.98613894,
    "KLD_cls": 0.099453978,
    "Poisson_cls": 1.595341,
    "LogCosh_cls": 0.13649735,
    "CatHinge_cls": 3.2,
}

CASES = {
    "mse": lambda: L.mse(YT, YP),
    "mae": lambda: L.mae(YT, YP),
    "mape": lambda: L.mape(YT, YP),
    "msle": lambda: L.msle(YT, YP),
    "logcosh": lambda: L.logcosh(YT, YP),
    "huber": lambda: L.huber(YT, YP),
    "huber_half": lambda: L.huber(YT, YP, delta=0.5),
    "poisson": lambda: L.poisson(YT, YPP),
    "cosine": lambda: L.cosine_similarity(YT, YP),
    "hinge01": lambda: L.hinge(HT01, HP),
    "hingepm": lambda: L.hinge(HTPM, HP),
    "sqhinge01": lambda: L.squared_hinge(HT01, HP),
    "cathinge": lambda: L.categorical_hinge(OH, HP),
    "cce": lambda: L.categorical_crossentropy(OH, PR),
    "cce_unnorm": lambda: L.categorical_crossentropy(OH, PRU),
    "cce_logits": lambda: L.categorical_crossentropy(OH, LG, from_logits=True),
    "cce_ls": lambda: L.categorical_crossentropy(OH, PR, label_smoothing=0.1),
    "cce_logits_ls": lambda: L.categorical_crossentropy(OH, LG, from_logits=True,
                                                        label_smoothing=0.1),
    "cce_softmax_out": lambda: L.categorical_crossentropy(OH, softmax_output(EXTREME)),
    "scce": lambda: L.sparse_categorical_crossentropy(np.array([1, 2]), PR),
    "scce_col": lambda: L.sparse_categorical_crossentropy(np.array([[1], [2]]), PR),
    "scce_float": lambda: L.sparse_categorical_crossentropy(f32([1., 2.]), PR),
    "scce_logits": lambda: L.sparse_categorical_crossentropy(np.array([1, 2]), LG,
                                                             from_logits=True),
    "scce_3d": lambda: L.sparse_categorical_crossentropy(L3, P3),
    "scce_3d_col": lambda: L.sparse_categorical_crossentropy(L3[..., None], P3),
    "scce_softmax_out": lambda: L.sparse_categorical_crossentropy(np.array([2, 0]),
                                                                  softmax_output(EXTREME)),
    "bce": lambda: L.binary_crossentropy(BT, BP),
    "bce_logits": lambda: L.binary_crossentropy(BT, BL, from_logits=True),
    "bce_ls": lambda: L.binary_crossentropy(BT, BP, label_smoothing=0.2),
    "bce_logits_ls": lambda: L.binary_crossentropy(BT, BL, from_logits=True,
                                                   label_smoothing=0.2),
    "bce_sigmoid_out": lambda: L.binary_crossentropy(BT, sigmoid_output(BL)),
    "bce_int_labels": lambda: L.binary_crossentropy(BT.astype(np.int64), BP),
    "kld": lambda: L.kld(KT, KP),
    "mse_3d": lambda: L.mse(T3, T3[:, :, ::-1] * 0.5),
    "MSE_sw": lambda: L.MeanSquaredError()(YT, YP, sample_weight=f32([0.3, 0.7])),
    "MSE_sw_col": lambda: L.MeanSquaredError()(YT, YP, sample_weight=f32([[0.3], [0.7]])),
    "MSE_sum": lambda: L.MeanSquaredError(reduction="sum")(YT, YP),
    "MSE_none": lambda: L.MeanSquaredError(reduction="none")(YT, YP),
    "MSE_3d_temporal_sw": lambda: L.MeanSquaredError()(
        T3, T3[:, :, ::-1] * 0.5, sample_weight=f32([[1., 0.], [0.5, 2.]])),
    "MSE_scalar_sw": lambda: L.MeanSquaredError()(YT, YP, sample_weight=2.0),
    "BCE_col_vs_flat": lambda: L.BinaryCrossentropy()(
        torch.tensor(f32([1., 0., 1.])), torch.tensor(f32([[0.8], [0.3], [0.4]]))),
    "BCE_logits_ls_sw": lambda: L.BinaryCrossentropy(from_logits=True, label_smoothing=0.2)(
        BT, BL, sample_weight=f32([1., 3.])),
    "CCE_logits_ls": lambda: L.CategoricalCrossentropy(from_logits=True,
                                                       label_smoothing=0.1)(OH, LG),
    "SCCE_sw": lambda: L.SparseCategoricalCrossentropy()(np.array([1, 2]), PR,
                                                         sample_weight=f32([2., 1.])),
    "SCCE_3d": lambda: L.SparseCategoricalCrossentropy()(L3, P3),
    "Huber": lambda: L.Huber(delta=0.5)(YT, YP),
    "CosSim": lambda: L.CosineSimilarity()(YT, YP),
    "KLD_cls": lambda: L.KLDivergence()(KT, KP),
    "Poisson_cls": lambda: L.Poisson()(YT, YPP),
    "LogCosh_cls": lambda: L.LogCosh()(YT, YP),
    "CatHinge_cls": lambda: L.CategoricalHinge()(OH, HP),
}


@pytest.mark.parametrize("case", sorted(TF_KERAS))
def test_loss_matches_tf_keras_reference(case):
    got = CASES[case]()
    expected = np.asarray(TF_KERAS[case], dtype=np.float64)
    assert isinstance(got, torch.Tensor) and got.dtype == torch.float32
    assert tuple(got.shape) == expected.shape
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-6, atol=1e-7)


# ---------------------------------------------------------------- NumPy oracles

RNG = np.random.default_rng(0)
A = RNG.normal(size=(4, 5, 6))
B = RNG.normal(size=(4, 5, 6))
PROBS = np.exp(A) / np.exp(A).sum(-1, keepdims=True)
ONEHOT = np.eye(6)[RNG.integers(0, 6, size=(4, 5))]
BIN = (RNG.random(size=(4, 5, 6)) > 0.5).astype(np.float64)
EPS = 1e-7


def test_regression_losses_match_numpy_on_3d_inputs():
    np.testing.assert_allclose(L.mean_squared_error(A, B).numpy(), ((B - A) ** 2).mean(-1))
    np.testing.assert_allclose(L.mean_absolute_error(A, B).numpy(), np.abs(B - A).mean(-1))
    np.testing.assert_allclose(
        L.mean_absolute_percentage_error(A, B).numpy(),
        100 * np.mean(np.abs((A - B) / np.maximum(np.abs(A), EPS)), -1))
    np.testing.assert_allclose(
        L.mean_squared_logarithmic_error(A, B).numpy(),
        np.mean((np.log(np.maximum(B, EPS) + 1) - np.log(np.maximum(A, EPS) + 1)) ** 2, -1))
    np.testing.assert_allclose(L.logcosh(A, B).numpy(), np.log(np.cosh(B - A)).mean(-1))
    err = B - A
    huber = np.where(np.abs(err) <= 1.0, 0.5 * err ** 2, np.abs(err) - 0.5).mean(-1)
    np.testing.assert_allclose(L.huber(A, B).numpy(), huber, rtol=1e-6)  # huber is floatx
    assert L.mse(A, B).shape == (4, 5)


def test_probability_losses_match_numpy_with_keras_clipping():
    p = np.clip(PROBS, EPS, 1 - EPS)
    np.testing.assert_allclose(L.categorical_crossentropy(ONEHOT, PROBS).numpy(),
                               -(ONEHOT * np.log(p)).sum(-1))
    np.testing.assert_allclose(
        L.binary_crossentropy(BIN, PROBS).numpy(),
        -(BIN * np.log(p + EPS) + (1 - BIN) * np.log(1 - p + EPS)).mean(-1))
    logsm = A - np.log(np.exp(A).sum(-1, keepdims=True))
    np.testing.assert_allclose(L.categorical_crossentropy(ONEHOT, A, from_logits=True).numpy(),
                               -(ONEHOT * logsm).sum(-1))
    labels = ONEHOT.argmax(-1)
    np.testing.assert_allclose(
        L.sparse_categorical_crossentropy(labels, A, from_logits=True).numpy(),
        -np.take_along_axis(logsm, labels[..., None], -1)[..., 0])
    sig = 1 / (1 + np.exp(-A))
    np.testing.assert_allclose(
        L.binary_crossentropy(BIN, A, from_logits=True).numpy(),
        -(BIN * np.log(sig) + (1 - BIN) * np.log(1 - sig)).mean(-1))
    pk = np.clip(PROBS, EPS, 1)
    q = np.clip(np.roll(PROBS, 1, -1), EPS, 1)
    np.testing.assert_allclose(L.kl_divergence(PROBS, np.roll(PROBS, 1, -1)).numpy(),
                               (pk * np.log(pk / q)).sum(-1))
    np.testing.assert_allclose(L.poisson(PROBS, np.abs(B)).numpy(),
                               (np.abs(B) - PROBS * np.log(np.abs(B) + EPS)).mean(-1))


def test_hinge_losses_match_numpy_and_convert_binary_labels():
    pm = 2 * BIN - 1
    np.testing.assert_allclose(L.hinge(BIN, A).numpy(), np.maximum(1 - pm * A, 0).mean(-1))
    np.testing.assert_allclose(L.squared_hinge(pm, A).numpy(),
                               (np.maximum(1 - pm * A, 0) ** 2).mean(-1))
    pos = (ONEHOT * A).sum(-1)
    neg = ((1 - ONEHOT) * A).max(-1)
    np.testing.assert_allclose(L.categorical_hinge(ONEHOT, A).numpy(),
                               np.maximum(neg - pos + 1, 0))


def test_cosine_similarity_loss_is_negative_and_metric_sign_is_positive():
    na = A / np.linalg.norm(A, axis=-1, keepdims=True)
    nb = B / np.linalg.norm(B, axis=-1, keepdims=True)
    np.testing.assert_allclose(L.cosine_similarity(A, B).numpy(), -(na * nb).sum(-1))
    assert L.cosine_proximity is L.cosine_similarity
    assert float(L.cosine_similarity([[1., 2.]], [[2., 4.]])) == pytest.approx(-1.0)


# ---------------------------------------------------------- dtypes and shapes

def test_integer_and_float64_labels_are_cast_to_the_prediction_dtype():
    y_pred = torch.tensor(PR)
    out = L.categorical_crossentropy(OH.astype(np.int64), y_pred)
    assert out.dtype == torch.float32
    out = L.mean_squared_error(YT.astype(np.float64), torch.tensor(YP))
    assert out.dtype == torch.float32
    np.testing.assert_allclose(out.numpy(), TF_KERAS["mse"], rtol=1e-6)


def test_float64_predictions_stay_float64():
    assert L.mse(A, B).dtype == torch.float64
    assert L.binary_crossentropy(BIN, PROBS).dtype == torch.float64


@pytest.mark.parametrize("labels", [np.array([1, 2]), np.array([[1], [2]]),
                                    f32([1., 2.]), torch.tensor([1, 2], dtype=torch.int32)],
                         ids=["int_n", "int_n1", "float_n", "int32_tensor"])
def test_sparse_categorical_crossentropy_accepts_label_shapes_and_dtypes(labels):
    out = L.sparse_categorical_crossentropy(labels, PR)
    assert tuple(out.shape) == (2,)
    np.testing.assert_allclose(out.numpy(), TF_KERAS["scce"], rtol=1e-6)


def test_sparse_categorical_crossentropy_on_other_class_axis():
    out = L.sparse_categorical_crossentropy(L3, np.moveaxis(P3, -1, 1), axis=1)
    np.testing.assert_allclose(out.numpy(), TF_KERAS["scce_3d"], rtol=1e-6)


# ------------------------------------------------------ the logits fast path

def test_softmax_output_uses_its_logits_instead_of_clipped_probabilities():
    y = softmax_output(EXTREME[:1])
    # clipped probabilities would give -log(1e-7) = 16.1; the logits give exactly 100
    assert float(L.categorical_crossentropy(OH[:1], y)) == pytest.approx(100.0)
    assert float(L.sparse_categorical_crossentropy([2], y)) == pytest.approx(200.0)
    plain = y.detach().clone()   # no `_keras_logits`: the clipped Keras formula
    assert float(L.categorical_crossentropy(OH[:1], plain)) == pytest.approx(16.118095, rel=1e-6)


def test_sparse_crossentropy_on_softmax_output_is_one_cross_entropy_call(monkeypatch):
    calls = []
    real = torch.nn.functional.cross_entropy

    def counting(*args, **kwargs):
        calls.append(kwargs.get("reduction"))
        return real(*args, **kwargs)

    monkeypatch.setattr(L.F, "cross_entropy", counting)
    L.sparse_categorical_crossentropy(np.array([2, 0]), softmax_output(EXTREME))
    assert calls == ["none"]


def test_logits_path_is_differentiable():
    x = torch.tensor(EXTREME, requires_grad=True)
    y = torch.softmax(x, -1)
    y._keras_logits = x
    L.CategoricalCrossentropy()(OH, y).backward()
    expected = (torch.softmax(x.detach(), -1) - torch.tensor(OH)) / 2
    np.testing.assert_allclose(x.grad.numpy(), expected.numpy(), atol=1e-6)


def test_from_logits_true_on_a_softmax_output_warns():
    with pytest.warns(UserWarning, match="received `from_logits=True`"):
        L.categorical_crossentropy(OH, softmax_output(EXTREME), from_logits=True)


def test_binary_crossentropy_class_squeezes_a_trailing_axis_and_keeps_the_logits():
    logits = torch.tensor([[100.], [-3.], [0.5]])
    probs = torch.sigmoid(logits)
    probs._keras_logits = logits
    out = L.BinaryCrossentropy()(torch.tensor([0., 0., 1.]), probs)
    expected = (100.0 + np.log1p(np.exp(-100.0)) + np.log1p(np.exp(-3.0))
                + np.log1p(np.exp(-0.5))) / 3
    assert float(out) == pytest.approx(expected, rel=1e-6)


# -------------------------------------------------------------- Loss classes

def test_loss_class_reductions_and_invalid_reduction():
    per_sample = L.MeanSquaredError(reduction="none")(YT, YP)
    assert tuple(per_sample.shape) == (2,)
    assert float(L.MeanSquaredError(reduction="sum_over_batch_size")(YT, YP)) == \
        pytest.approx(0.3)
    with pytest.raises(ValueError, match="Invalid Reduction Key: mean"):
        L.MeanSquaredError(reduction="mean")


def test_loss_class_masks_entries_from_a_keras_mask():
    y_pred = torch.tensor(T3[:, :, ::-1] * 0.5)
    y_pred._keras_mask = torch.tensor([[True, False], [True, True]])
    got = L.MeanSquaredError()(T3, y_pred)
    per_step = np.asarray(TF_KERAS["mse_3d"])
    assert float(got) == pytest.approx((per_step[0, 0] + per_step[1].sum()) / 3, rel=1e-6)


def test_custom_loss_subclass_only_needs_call():
    class Doubled(L.Loss):
        def call(self, y_true, y_pred):
            return 2 * L.mse(y_true, y_pred)

    assert float(Doubled()(YT, YP)) == pytest.approx(0.6)
    assert Doubled(name="d").get_config() == {"reduction": "auto", "name": "d"}


@pytest.mark.parametrize("loss", [
    L.MeanSquaredError(), L.MeanAbsoluteError(), L.MeanAbsolutePercentageError(),
    L.MeanSquaredLogarithmicError(), L.Hinge(), L.SquaredHinge(), L.CategoricalHinge(),
    L.LogCosh(), L.Huber(delta=2.0), L.CategoricalCrossentropy(from_logits=True,
                                                                label_smoothing=0.1),
    L.SparseCategoricalCrossentropy(from_logits=True), L.BinaryCrossentropy(label_smoothing=0.2),
    L.KLDivergence(), L.Poisson(), L.CosineSimilarity(axis=-1, reduction="sum"),
], ids=lambda loss: type(loss).__name__)
def test_loss_config_round_trip(loss):
    config = loss.get_config()
    assert config["reduction"] in ("auto", "sum")
    clone = type(loss).from_config(config)
    assert clone.get_config() == config
    again = L.deserialize(L.serialize(loss))
    assert type(again) is type(loss) and again.get_config() == config


def test_loss_configs_use_keras_names_and_defaults():
    assert L.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1).get_config() == {
        "reduction": "auto", "name": "categorical_crossentropy", "from_logits": True,
        "label_smoothing": 0.1, "axis": -1}
    assert L.Huber(delta=2.0).get_config() == {"reduction": "auto", "name": "huber_loss",
                                               "delta": 2.0}
    assert L.SparseCategoricalCrossentropy().get_config() == {
        "reduction": "auto", "name": "sparse_categorical_crossentropy",
        "from_logits": False, "ignore_class": None}


# ------------------------------------------------------------ get / aliases

def test_aliases_point_to_the_same_functions():
    assert L.mse is L.MSE is L.mean_squared_error
    assert L.mae is L.MAE is L.mean_absolute_error
    assert L.mape is L.mean_absolute_percentage_error
    assert L.msle is L.mean_squared_logarithmic_error
    assert L.kld is L.KLD is L.kullback_leibler_divergence is L.kl_divergence
    assert L.logcosh is L.log_cosh


def test_get_resolves_names_functions_objects_and_configs():
    assert L.get("mse") is L.mean_squared_error
    assert L.get("categorical_crossentropy") is L.categorical_crossentropy
    assert L.get("KLD") is L.kl_divergence
    assert L.get(None) is None
    assert L.get(L.hinge) is L.hinge
    obj = L.Huber()
    assert L.get(obj) is obj
    assert isinstance(L.get("BinaryCrossentropy"), L.BinaryCrossentropy)
    cce = L.get({"class_name": "CategoricalCrossentropy",
                 "config": {"from_logits": True, "reduction": "auto", "name": "cce"}})
    assert isinstance(cce, L.CategoricalCrossentropy) and cce.from_logits and cce.name == "cce"
    assert L.serialize(L.mse) == "mean_squared_error"


def test_get_rejects_unknown_loss_names_listing_valid_ones():
    with pytest.raises(ValueError, match="Unknown loss function: 'mean_sqared_error'.*"
                                         "Did you mean 'mean_squared_error'"):
        L.get("mean_sqared_error")
    with pytest.raises(ValueError, match="Unknown loss.*Valid values are: .*binary_crossentropy"):
        L.get("nope")
    with pytest.raises(ValueError, match="Could not interpret loss function identifier"):
        L.get(42)


def test_categorical_crossentropy_warns_on_a_single_unit_output():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        L.categorical_crossentropy(f32([[1.], [0.]]), f32([[0.5], [0.5]]))
    assert any("Consider using 'binary_crossentropy'" in str(w.message) for w in caught)
