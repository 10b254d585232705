"""Stateful metric classes against tf-keras 2.21 (3 batches, with and without sample
weights), their configs, and their use in `compile`/`fit`/`evaluate`."""
import json

import numpy as np
import pytest
import torch

import tkeras
from tkeras import metrics as M


def _data():
    # Same RandomState calls, in the same order, as the tf-keras reference script.
    rng = np.random.RandomState(42)
    yb = (rng.rand(3, 8, 1) > 0.5).astype("float32")
    pb = rng.rand(3, 8, 1).astype("float32")
    yc = np.eye(4, dtype="float32")[rng.randint(0, 4, (3, 8))]
    pc = rng.dirichlet(np.ones(4), (3, 8)).astype("float32")
    ys = rng.randint(0, 4, (3, 8)).astype("float32")
    w = rng.rand(3, 8).astype("float32")
    return yb, pb, yc, pc, ys, w


YB, PB, YC, PC, YS, W = _data()

CASES = {
    "Accuracy": (M.Accuracy, {}, (YB > 0.5).astype("float32"), (PB > 0.5).astype("float32")),
    "BinaryAccuracy": (M.BinaryAccuracy, {}, YB, PB),
    "CategoricalAccuracy": (M.CategoricalAccuracy, {}, YC, PC),
    "SparseCategoricalAccuracy": (M.SparseCategoricalAccuracy, {}, YS, PC),
    "TopK2": (M.TopKCategoricalAccuracy, {"k": 2}, YC, PC),
    "SparseTopK2": (M.SparseTopKCategoricalAccuracy, {"k": 2}, YS, PC),
    "MeanSquaredError": (M.MeanSquaredError, {}, YC, PC),
    "MeanAbsoluteError": (M.MeanAbsoluteError, {}, YC, PC),
    "RootMeanSquaredError": (M.RootMeanSquaredError, {}, YC, PC),
    "BinaryCrossentropy": (M.BinaryCrossentropy, {}, YB, PB),
    "CategoricalCrossentropy": (M.CategoricalCrossentropy, {}, YC, PC),
    "SparseCategoricalCrossentropy": (M.SparseCategoricalCrossentropy, {}, YS, PC),
    "Precision": (M.Precision, {}, YB, PB),
    "PrecisionMulti": (M.Precision, {"thresholds": [0.3, 0.6]}, YB, PB),
    "PrecisionTopK": (M.Precision, {"top_k": 2}, YC, PC),
    "RecallClassId": (M.Recall, {"class_id": 1}, YC, PC),
    "Recall": (M.Recall, {}, YB, PB),
    "TruePositives": (M.TruePositives, {}, YB, PB),
    "FalsePositives": (M.FalsePositives, {"thresholds": [0.2, 0.7]}, YB, PB),
    "TrueNegatives": (M.TrueNegatives, {}, YB, PB),
    "FalseNegatives": (M.FalseNegatives, {}, YB, PB),
    "AUC": (M.AUC, {}, YB, PB),
    "AUC_PR": (M.AUC, {"curve": "PR"}, YB, PB),
    "AUC_min": (M.AUC, {"num_thresholds": 7, "summation_method": "minoring"}, YB, PB),
    "AUC_maj_PR": (M.AUC, {"num_thresholds": 7, "curve": "PR",
                           "summation_method": "majoring"}, YB, PB),
    "AUC_thr": (M.AUC, {"thresholds": [0.25, 0.5, 0.75]}, YB, PB),
    "AUC_multi": (M.AUC, {"multi_label": True}, YC, PC),
    "AUC_multi_PR_lw": (M.AUC, {"multi_label": True, "curve": "PR",
                                "label_weights": [1, 2, 0.5, 1]}, YC, PC),
    "MeanIoU": (M.MeanIoU, {"num_classes": 4}, YS, np.argmax(PC, -1).astype("float32")),
    "CosineSimilarity": (M.CosineSimilarity, {}, YC, PC),
    "Hinge": (M.Hinge, {}, YB, PB),
    "SquaredHinge": (M.SquaredHinge, {}, YB, PB),
    "CategoricalHinge": (M.CategoricalHinge, {}, YC, PC),
    "LogCoshError": (M.LogCoshError, {}, YC, PC),
    "KLDivergence": (M.KLDivergence, {}, YC, PC),
    "Poisson": (M.Poisson, {}, YC, PC),
}

# tf-keras 2.21: (result without weights, result with weights W, default name).
REFERENCE = {
    'Accuracy' : (0.4583333432674408, 0.3136366605758667, 'accuracy') ,
    'BinaryAccuracy' : (0.4583333432674408, 0.3136366605758667, 'binary_accuracy') ,
    'CategoricalAccuracy' : (0.3333333432674408, 0.4429578483104706, 'categorical_accuracy') ,
    'SparseCategoricalAccuracy' : (0.25, 0.23649029433727264, 'sparse_categorical_accuracy') ,
    'TopK2' : (0.5416666865348816, 0.5696445107460022, 'top_k_categorical_accuracy') ,
    'SparseTopK2' : (0.4583333432674408, 0.43359503149986267, 'sparse_top_k_categorical_accuracy') ,
    'MeanSquaredError' : (0.20431256294250488, 0.18459829688072205, 'mean_squared_error') ,
    'MeanAbsoluteError' : (0.3491445779800415, 0.32593783736228943, 'mean_absolute_error') ,
    'RootMeanSquaredError' : (0.4520094692707062, 0.4296490252017975, 'root_mean_squared_error') ,
    'BinaryCrossentropy' : (0.9576249718666077, 1.1697545051574707, 'binary_crossentropy') ,
    'CategoricalCrossentropy' : (1.7386951446533203, 1.4473789930343628, 'categorical_crossentropy') ,
    'SparseCategoricalCrossentropy' : (1.7675609588623047, 1.8634300231933594, 'sparse_categorical_crossentropy') ,
    'Precision' : (0.3636363744735718, 0.19363491237163544, 'precision') ,
    'PrecisionMulti' : ([0.375, 0.375], [0.2714518904685974, 0.2523648142814636], 'precision') ,
    'PrecisionTopK' : (0.2708333432674408, 0.2848222553730011, 'precision') ,
    'RecallClassId' : (0.10000000149011612, 0.1397814154624939, 'recall') ,
    'Recall' : (0.4000000059604645, 0.2691211998462677, 'recall') ,
    'TruePositives' : (4.0, 1.1317371129989624, 'true_positives') ,
    'FalsePositives' : ([10.0, 2.0], [5.724175453186035, 1.4919307231903076], 'false_positives') ,
    'TrueNegatives' : (7.0, 2.4263503551483154, 'true_negatives') ,
    'FalseNegatives' : (6.0, 3.0735695362091064, 'false_negatives') ,
    'AUC' : (0.4928571283817291, 0.37680816650390625, 'auc') ,
    'AUC_PR' : (0.4086820185184479, 0.3021402955055237, 'auc') ,
    'AUC_min' : (0.44285714626312256, 0.30301934480667114, 'auc') ,
    'AUC_maj_PR' : (0.456539124250412, 0.33107855916023254, 'auc') ,
    'AUC_thr' : (0.5071429014205933, 0.3739887475967407, 'auc') ,
    'AUC_multi' : (0.5692051649093628, 0.6428397297859192, 'auc') ,
    'AUC_multi_PR_lw' : (0.5232939124107361, 0.5749629139900208, 'auc') ,
    'MeanIoU' : (0.13824786245822906, 0.11848396807909012, 'mean_io_u') ,
    'CosineSimilarity' : (0.46030354499816895, 0.5245999693870544, 'cosine_similarity') ,
    'Hinge' : (1.079154372215271, 1.1895956993103027, 'hinge') ,
    'SquaredHinge' : (1.4539999961853027, 1.713862657546997, 'squared_hinge') ,
    'CategoricalHinge' : (1.1313539743423462, 1.0560438632965088, 'categorical_hinge') ,
    'LogCoshError' : (0.09403330087661743, 0.08516759425401688, 'logcosh') ,
    'KLDivergence' : (1.738690972328186, 1.447374701499939, 'kullback_leibler_divergence') ,
    'Poisson' : (0.6846728324890137, 0.611844539642334, 'poisson') ,
}


@pytest.mark.parametrize("key", sorted(CASES))
def test_metric_matches_tf_keras_over_batches(key):
    cls, kwargs, y_true, y_pred = CASES[key]
    unweighted, weighted, name = REFERENCE[key]
    m = cls(**kwargs)
    assert m.name == name
    for i in range(3):
        m.update_state(y_true[i], y_pred[i])
    np.testing.assert_allclose(m.result().numpy(), unweighted, rtol=1e-5, atol=1e-6)
    m.reset_states()
    for i in range(3):
        m.update_state(torch.as_tensor(y_true[i]), torch.as_tensor(y_pred[i]),
                       sample_weight=torch.as_tensor(W[i]))
    np.testing.assert_allclose(m.result().numpy(), weighted, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("key", sorted(CASES))
def test_metric_config_round_trips_through_get(key):
    cls, kwargs, y_true, y_pred = CASES[key]
    m = cls(**kwargs)
    config = json.loads(json.dumps(M.serialize(m)))
    assert config["class_name"] == cls.__name__
    clone = M.get(config)
    assert type(clone) is cls and clone.get_config() == m.get_config()
    for i in range(3):
        m.update_state(y_true[i], y_pred[i], sample_weight=W[i])
        clone.update_state(y_true[i], y_pred[i], sample_weight=W[i])
    np.testing.assert_allclose(clone.result().numpy(), m.result().numpy())


def test_configs_have_tf_keras_keys():
    assert M.AUC().get_config() == {
        "name": "auc", "dtype": "float32", "num_thresholds": 200, "curve": "ROC",
        "summation_method": "interpolation", "multi_label": False, "num_labels": None,
        "label_weights": None, "from_logits": False}
    assert M.Precision().get_config() == {"name": "precision", "dtype": "float32",
                                          "thresholds": None, "top_k": None, "class_id": None}
    assert M.BinaryAccuracy().get_config() == {"name": "binary_accuracy", "dtype": "float32",
                                               "threshold": 0.5}
    assert M.MeanIoU(3).get_config() == {
        "num_classes": 3, "name": "mean_io_u", "dtype": "float32", "ignore_class": None,
        "sparse_y_true": True, "sparse_y_pred": True, "axis": -1}


def test_get_by_class_name_gives_an_instance():
    assert isinstance(M.get("Precision"), M.Precision)
    assert isinstance(M.get({"class_name": "AUC", "config": {"num_thresholds": 5}}), M.AUC)
    assert M.get("mae") is M.mae


def test_call_updates_and_returns_result_then_reset_clears():
    m = M.Recall()
    assert float(m([0, 1, 1, 1], [1, 0, 1, 1])) == pytest.approx(2 / 3)
    assert float(m([1], [1])) == pytest.approx(3 / 4)
    m.reset_state()
    assert float(m.result()) == 0.0


def test_auc_rejects_unknown_curve():
    with pytest.raises(ValueError, match="Invalid `curve`"):
        M.AUC(curve="XYZ")


def test_threshold_out_of_range_is_rejected():
    with pytest.raises(ValueError, match="Received: 1.5"):
        M.Precision(thresholds=1.5)


def test_compile_with_stateful_metrics_fit_and_evaluate():
    rng = np.random.RandomState(0)
    x = rng.randn(64, 4).astype("float32")
    y = (x[:, :1] + 0.3 * rng.randn(64, 1) > 0).astype("float32")
    model = tkeras.Sequential([tkeras.layers.Dense(1, activation="sigmoid", input_shape=(4,))])
    model.compile(optimizer="adam", loss="binary_crossentropy",
                  metrics=[M.AUC(), "accuracy", M.Precision(), M.Recall()])
    history = model.fit(x, y, batch_size=16, epochs=2, verbose=0, validation_data=(x, y))
    assert {"loss", "auc", "accuracy", "precision", "recall", "val_auc",
            "val_precision"} <= set(history.history)
    results = dict(zip(model.metrics_names, model.evaluate(x, y, batch_size=16, verbose=0)))
    # The epoch value equals the metric computed once over every sample.
    p = model.predict(x, verbose=0)
    ref = M.AUC()
    ref.update_state(y, p)
    assert results["auc"] == pytest.approx(float(ref.result()), abs=1e-6)
    ref = M.Precision()
    ref.update_state(y, p)
    assert results["precision"] == pytest.approx(float(ref.result()), abs=1e-6)
