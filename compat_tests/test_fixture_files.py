"""Every Keras 2 fixture file loads through tkeras's own HDF5 loader: `load_model(model.h5)`
and `model_from_json(model.json)` + `load_weights(weights.h5)` predict Keras's outputs,
`load_model` compiles with the saved loss/metrics/optimizer, and training from the loaded
weights reproduces Keras's losses (`train_step.npz`)."""
import os
import warnings

import numpy as np
import pytest

import tkeras as keras
from fixture_utils import CASES, case_dir, load_io, train_reference

NUMERIC_CASES = [c for c in CASES if c != "keras1_weights"]


def _as_list(v):
    return v if isinstance(v, list) else [v]


def _assert_predicts(model, name):
    case = CASES[name]
    pred = model.predict(load_io(name, "x"))
    for p, t in zip(_as_list(pred), _as_list(load_io(name, "y"))):
        np.testing.assert_allclose(p, t, atol=case["tolerance"]["predict_atol"], rtol=0)


@pytest.mark.parametrize("name", NUMERIC_CASES)
def test_load_model_of_keras2_file_predicts_keras_outputs(name):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no optimizer-state or config warnings
        model = keras.models.load_model(os.path.join(case_dir(name), "model.h5"))
    assert model.count_params() == CASES[name]["params"]
    _assert_predicts(model, name)


@pytest.mark.parametrize("name", NUMERIC_CASES)
def test_model_from_json_and_load_weights_predict_keras_outputs(name):
    with open(os.path.join(case_dir(name), "model.json")) as f:
        model = keras.models.model_from_json(f.read())
    model.load_weights(os.path.join(case_dir(name), "weights.h5"))
    _assert_predicts(model, name)


@pytest.mark.parametrize("name", NUMERIC_CASES)
def test_load_model_compiles_with_saved_training_config(name):
    expected = CASES[name]["compile"]
    model = keras.models.load_model(os.path.join(case_dir(name), "model.h5"))
    assert model._is_compiled
    cfg = model._compile_config
    assert cfg["loss"] == expected["loss"]
    assert cfg["loss_weights"] == expected["loss_weights"]
    assert (cfg["metrics"] or None) == expected["metrics"]
    opt = model.optimizer
    assert type(opt).__name__ == expected["optimizer"]["class"]
    assert opt._legacy == expected["optimizer"]["legacy"]
    got = opt.get_config()
    for key, value in expected["optimizer"]["config"].items():
        assert got[key] == pytest.approx(value), key
    # The saved state (one fit step in Keras) is restored.
    assert opt._iterations == 1


def test_load_model_restores_optimizer_slots_from_keras_file():
    import h5py

    path = os.path.join(case_dir("dense_mlp"), "model.h5")
    model = keras.models.load_model(path)
    with h5py.File(path, "r") as f:
        saved = {n: np.asarray(f["optimizer_weights"][n])
                 for n in f["optimizer_weights"].attrs["weight_names"]}
    names = model.optimizer._weight_names(
        [w.name.rsplit(":", 1)[0] for w in model.trainable_weights])
    assert sorted(names) == sorted(saved)
    for name, value in zip(names, model.optimizer.get_weights()):
        np.testing.assert_array_equal(value, saved[name])


def _zero_noise(model):
    for layer in model._flatten_layers(include_self=False):
        for attr in ("rate", "stddev"):
            if isinstance(getattr(layer, attr, None), float):
                setattr(layer, attr, 0.0)


def _load(name, route):
    folder = case_dir(name)
    if route == "load_model":
        model = keras.models.load_model(os.path.join(folder, "model.h5"), compile=False)
        assert not model._is_compiled
        return model
    with open(os.path.join(folder, "model.json")) as f:
        model = keras.models.model_from_json(f.read())
    model.load_weights(os.path.join(folder, "weights.h5"))
    return model


@pytest.mark.parametrize("route", ["load_model", "model_from_json+load_weights"])
@pytest.mark.parametrize("name", NUMERIC_CASES)
def test_loaded_keras2_model_trains_like_keras(name, route):
    """Both loading routes, then `train_step.npz`'s three SGD steps: Keras's losses and
    Keras's predictions after them."""
    case = CASES[name]
    ref = train_reference(name)
    model = _load(name, route)
    deterministic = case["train_step"]["deterministic"]
    if not deterministic:
        _zero_noise(model)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01),
                  loss=case["compile"]["loss"], loss_weights=case["compile"]["loss_weights"])
    inputs, outputs = case["inputs"]["names"], case["outputs"]["names"]
    x = ref["x"] if "x" in ref else [ref[f"x_{n}"] for n in inputs]
    t = ref["t"] if "t" in ref else [ref[f"t_{n}"] for n in outputs]
    losses = np.array([np.atleast_1d(model.train_on_batch(x, t)) for _ in range(3)])
    key = "losses" if deterministic else "losses_no_dropout"
    tol = case["tolerance"]
    np.testing.assert_allclose(losses, ref[key], atol=tol["train_loss_atol"],
                               rtol=tol["train_loss_rtol"])
    after = "y_after" if deterministic else "y_after_no_dropout"
    expected = ref[after] if after in ref else [ref[f"{after}_{n}"] for n in outputs]
    for p, e in zip(_as_list(model.predict(x)), _as_list(expected)):
        np.testing.assert_allclose(p, e, atol=tol["train_loss_atol"], rtol=tol["train_loss_rtol"])


def test_keras2_weights_of_keras1_case_load_into_its_model_json():
    d = case_dir("keras1_weights")
    with open(os.path.join(d, "model.json")) as f:
        model = keras.models.model_from_json(f.read())
    model.load_weights(os.path.join(d, "weights_keras2.h5"))
    np.testing.assert_allclose(model.predict(np.load(os.path.join(d, "x.npy"))),
                               np.load(os.path.join(d, "y.npy")), atol=1e-5, rtol=0)
