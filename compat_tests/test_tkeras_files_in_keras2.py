"""Files written by tkeras, read by real Keras 2 (tf-keras 2.21).

`tkeras_to_keras2/generate.py` saved every case of `tkeras_to_keras2/cases.py` with
tkeras, loaded the files in tf-keras and stored what tf-keras computed (`refs/`): its
predictions after `load_model` and after `model_from_json` + `load_weights`, three
training steps continuing from the file's optimizer state, its own re-save of the loaded
model (`resaved.h5`) and its `to_json`. These tests rebuild the same files with the
current tkeras and check them against those references, without TensorFlow.

`refs/keras2_resume/` holds tf-keras's losses when it continues training the fixture
models from their own files (`load_model(..., compile=True)`, saved optimizer state).
"""
import json
import os
import sys
import warnings

import h5py
import numpy as np
import pytest

import tkeras as keras
from fixture_utils import CASES, case_dir

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, "tkeras_to_keras2"))
import cases  # noqa: E402

REFS = os.path.join(HERE, "tkeras_to_keras2", "refs")
NAMES = sorted(cases.BUILDERS)
PREDICT_ATOL = 1e-5
TRAIN_TOL = 1e-4  # the fixture manifest's train_loss tolerance


def _list(v):
    return v if isinstance(v, list) else [v]


def _ref(name):
    return np.load(os.path.join(REFS, name, "keras.npz"))


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """{case: (folder with tkeras's model.h5 / weights.bin / model.json, x, t)}."""
    out = {}
    root = tmp_path_factory.mktemp("tkeras_files")
    for name in NAMES:
        model, x, t = cases.build(name)
        folder = root / name
        folder.mkdir()
        model.save(str(folder / "model.h5"))
        model.save_weights(str(folder / "weights.bin"))
        (folder / "model.json").write_text(model.to_json())
        out[name] = (folder, x, t, model)
    return out


def _assert_outputs(pred, ref, names, key, atol):
    pred = _list(pred)
    assert len(pred) == len(names)
    for p, n in zip(pred, names):
        np.testing.assert_allclose(p, ref[f"{key}_{n}"], atol=atol, rtol=0)


@pytest.mark.parametrize("name", NAMES)
def test_keras2_predicts_from_the_tkeras_file_what_tkeras_predicts(name, saved):
    folder, x, _, model = saved[name]
    ref = _ref(name)
    # The batch the references were computed on is the one the case builds now.
    for n, v in zip(model.input_names, _list(x)):
        np.testing.assert_array_equal(v, ref[f"x_{n}"])
    loaded = keras.models.load_model(str(folder / "model.h5"))
    _assert_outputs(loaded.predict(x), ref, model.output_names, "y_load", PREDICT_ATOL)
    # tf-keras's model_from_json(tkeras json) + load_weights(tkeras weights) agreed.
    _assert_outputs(model.predict(x), ref, model.output_names, "y_json", PREDICT_ATOL)


@pytest.mark.parametrize("name", NAMES)
def test_training_resumed_from_a_tkeras_file_matches_keras2_resuming_it(name, saved):
    folder, x, t, _ = saved[name]
    ref = _ref(name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the optimizer state must load without warning
        loaded = keras.models.load_model(str(folder / "model.h5"))
    assert loaded.optimizer.iterations == int(ref["iterations"]) == 1
    losses = np.array([np.atleast_1d(loaded.train_on_batch(x, t)) for _ in range(3)])
    np.testing.assert_allclose(losses, ref["losses"], atol=TRAIN_TOL, rtol=TRAIN_TOL)
    _assert_outputs(loaded.predict(x), ref, loaded.output_names, "y_after", TRAIN_TOL)


def _strings(array):
    return [x.decode() if isinstance(x, bytes) else x for x in array.tolist()]


def _layout(group):
    """Everything a Keras 2 reader looks at: attribute names and name lists, dataset
    paths, shapes and dtypes."""
    out = {}

    def visit(path, obj):
        if isinstance(obj, h5py.Dataset):
            out[path] = (obj.shape, obj.dtype.str)
        else:
            for k, v in obj.attrs.items():
                if k.startswith(("layer_names", "weight_names")):
                    v = np.atleast_1d(v)
                    out[f"{path}@{k}"] = (v.dtype.kind, _strings(v))
                else:
                    out[f"{path}@{k}"] = type(v).__name__
    out["@"] = sorted(group.attrs)
    for k in ("layer_names", "weight_names"):
        if k in group.attrs:
            v = np.atleast_1d(group.attrs[k])
            out[f"@{k}"] = (v.dtype.kind, _strings(v))
    group.visititems(visit)
    return out


def _layer_summary(config):
    """(class_name, name, inbound layer names) of every layer, nested models included."""
    cfg = config["config"]
    layers = cfg["layers"] if isinstance(cfg, dict) else cfg
    out = []
    for layer in layers:
        inbound = [[i[0] for i in node] for node in layer.get("inbound_nodes", [])]
        out.append((layer["class_name"].replace("Functional", "Model"),
                    layer["config"]["name"], inbound))
        if layer["class_name"] in ("Sequential", "Model", "Functional"):
            out.append(_layer_summary(layer))
    return out


@pytest.mark.parametrize("name", NAMES)
def test_tkeras_file_has_the_layout_keras2_writes_for_the_same_model(name, saved):
    folder = saved[name][0]
    with h5py.File(str(folder / "model.h5"), "r") as new, \
            h5py.File(os.path.join(REFS, name, "resaved.h5"), "r") as ref:
        assert sorted(new.attrs) == sorted(ref.attrs)
        for key in ("keras_version", "backend", "model_config", "training_config"):
            assert isinstance(new.attrs[key], bytes) == isinstance(ref.attrs[key], bytes)
        assert new.attrs["backend"] == ref.attrs["backend"]
        assert _layout(new["model_weights"]) == _layout(ref["model_weights"])
        new_opt, ref_opt = _layout(new["optimizer_weights"]), _layout(ref["optimizer_weights"])
        # tf-keras names optimizer slots inside the optimizer's name scope when `fit`
        # builds it ('Adam/m/dense/kernel:0', as the fixtures have) and without it when
        # `load_model` does ('m/dense/kernel:0'); both read back positionally.
        prefix = json.loads(new.attrs["training_config"])["optimizer_config"]["config"]["name"]
        new_names = [n[len(prefix) + 1:] if n.startswith(prefix + "/") else n
                     for n in new_opt.pop("@weight_names")[1]]
        assert new_names == ref_opt.pop("@weight_names")[1]
        strip = {k.replace(f"/{prefix}/", "/").replace(f"{prefix}/", "", 1)
                 if k.startswith(prefix) else k: v for k, v in new_opt.items()}
        assert strip == ref_opt
        new_cfg = json.loads(new.attrs["model_config"])
        ref_cfg = json.loads(ref.attrs["model_config"])
        assert _layer_summary(new_cfg) == _layer_summary(ref_cfg)
        new_train = json.loads(new.attrs["training_config"])
        ref_train = json.loads(ref.attrs["training_config"])
        # tf-keras re-saves what it loaded in its own spelling ('mean_squared_error' for
        # 'mse', 'Custom>Adam', metric objects); the optimizer's settings are the same.
        assert new_train["loss_weights"] == ref_train["loss_weights"]
        new_opt_cfg, ref_opt_cfg = new_train["optimizer_config"], ref_train["optimizer_config"]
        assert ref_opt_cfg["class_name"].split(">")[-1] == new_opt_cfg["class_name"]
        ignore = {"jit_compile"}  # tf-keras turns XLA off for optimizers it loads
        # (legacy optimizers keep hyperparameters as float32 variables: compare approx)
        new_opt_cfg = {k: v for k, v in new_opt_cfg["config"].items() if k not in ignore}
        ref_opt_cfg = {k: v for k, v in ref_opt_cfg["config"].items() if k not in ignore}
        assert sorted(new_opt_cfg) == sorted(ref_opt_cfg)
        for key, value in new_opt_cfg.items():
            if isinstance(value, float):
                assert value == pytest.approx(ref_opt_cfg[key], rel=1e-6), key
            else:
                assert value == ref_opt_cfg[key], key


@pytest.mark.parametrize("name", NAMES)
def test_keras2_resave_of_a_tkeras_file_loads_back_and_resumes(name, saved):
    _, x, t, model = saved[name]
    ref = _ref(name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = keras.models.load_model(os.path.join(REFS, name, "resaved.h5"))
    _assert_outputs(loaded.predict(x), ref, model.output_names, "y_load", PREDICT_ATOL)
    losses = np.array([np.atleast_1d(loaded.train_on_batch(x, t)) for _ in range(3)])
    np.testing.assert_allclose(losses, ref["losses"], atol=TRAIN_TOL, rtol=TRAIN_TOL)


@pytest.mark.parametrize("name", NAMES)
def test_keras2_to_json_of_a_tkeras_model_loads_in_tkeras(name, saved):
    _, x, _, model = saved[name]
    with open(os.path.join(REFS, name, "keras_model.json")) as f:
        rebuilt = keras.models.model_from_json(f.read())
    assert [l.name for l in rebuilt.layers] == [l.name for l in model.layers]
    rebuilt.load_weights(os.path.join(REFS, name, "resaved.h5"))
    _assert_outputs(rebuilt.predict(x), _ref(name), model.output_names, "y_load",
                    PREDICT_ATOL)
    # And tkeras's own JSON describes the same graph as tf-keras's.
    assert _layer_summary(json.loads(model.to_json())) == \
        _layer_summary(json.loads(rebuilt.to_json()))


def _zero_noise(model):
    for layer in model._flatten_layers(include_self=False):
        for attr in ("rate", "stddev"):
            if isinstance(getattr(layer, attr, None), float):
                setattr(layer, attr, 0.0)


# tf-keras 2.21's Nadam multiplies its momentum product (`_u_product`) once per variable
# inside the traced step and restarts it at 1.0 after load_model, so its resumed
# numbers depend on the variable count; tkeras follows the documented schedule.
_NADAM = pytest.mark.xfail(strict=True, reason="tf-keras 2.21 Nadam momentum-product quirk")
RESUME_CASES = [pytest.param(c, marks=_NADAM)
                if CASES[c]["compile"]["optimizer"]["class"] == "Nadam" else c
                for c in CASES if c != "keras1_weights"]


@pytest.mark.parametrize("name", RESUME_CASES)
def test_keras2_file_resumes_training_with_its_saved_optimizer_like_keras2(name):
    case = CASES[name]
    ref = np.load(os.path.join(REFS, "keras2_resume", f"{name}.npz"))
    steps = np.load(os.path.join(case_dir(name), "train_step.npz"))
    model = keras.models.load_model(os.path.join(case_dir(name), "model.h5"))
    assert model.optimizer.iterations == int(ref["iterations"])
    if not case["train_step"]["deterministic"]:
        _zero_noise(model)
    inputs, outputs = case["inputs"]["names"], case["outputs"]["names"]
    x = steps["x"] if "x" in steps else [steps[f"x_{n}"] for n in inputs]
    t = steps["t"] if "t" in steps else [steps[f"t_{n}"] for n in outputs]
    losses = np.array([np.atleast_1d(model.train_on_batch(x, t)) for _ in range(3)])
    tol = case["tolerance"]
    np.testing.assert_allclose(losses, ref["losses"], atol=tol["train_loss_atol"],
                               rtol=tol["train_loss_rtol"])
