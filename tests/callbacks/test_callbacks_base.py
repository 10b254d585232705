import re

import numpy as np
import pytest
import torch

from tkeras import callbacks as callbacks_pkg
from tkeras.callbacks import callbacks as callbacks_module
from tkeras.callbacks import (
    BaseLogger,
    Callback,
    CallbackList,
    History,
    ProgbarLogger,
    logs_to_floats,
)


class Recorder(Callback):
    """Records every hook call as (name, args, logs)."""

    def __init__(self, calls, tag=""):
        super().__init__()
        self.calls = calls
        self.tag = tag

    def _rec(self, name, *args):
        self.calls.append((self.tag + name,) + args)


for _hook in callbacks_module._HOOKS:
    def _make(hook):
        def method(self, *args):
            self._rec(hook, *args)
        return method
    setattr(Recorder, _hook, _make(_hook))


class TensorRecorder(Recorder):
    _supports_tensor_logs = True


class FakeModel:
    pass


def test_callbacks_package_exports_the_keras2_names():
    for name in ("Callback", "CallbackList", "History", "BaseLogger", "ProgbarLogger",
                 "logs_to_floats"):
        assert hasattr(callbacks_pkg, name)


def test_base_callback_hooks_are_all_no_ops():
    cb = Callback()
    cb.on_train_begin()
    cb.on_epoch_begin(0)
    cb.on_train_batch_begin(0, {"loss": 1.0})
    cb.on_train_batch_end(0, {"loss": 1.0})
    cb.on_batch_begin(0)
    cb.on_batch_end(0)
    cb.on_test_begin(); cb.on_test_batch_begin(0); cb.on_test_batch_end(0); cb.on_test_end()
    cb.on_predict_begin(); cb.on_predict_batch_begin(0); cb.on_predict_batch_end(0)
    cb.on_predict_end(); cb.on_epoch_end(0, {}); cb.on_train_end()
    assert cb.model is None and cb.validation_data is None and cb.params == {}


def test_callback_list_dispatches_hooks_to_callbacks_in_order():
    calls = []
    cbs = CallbackList([Recorder(calls, "a:"), Recorder(calls, "b:")])
    cbs.on_train_begin()
    cbs.on_epoch_begin(0)
    cbs.on_train_batch_end(3, {"loss": 1.0})
    cbs.on_epoch_end(0, {"loss": 1.0})
    cbs.on_train_end()
    assert [c[0] for c in calls] == [
        "a:on_train_begin", "b:on_train_begin",
        "a:on_epoch_begin", "b:on_epoch_begin",
        "a:on_train_batch_end", "b:on_train_batch_end",
        "a:on_epoch_end", "b:on_epoch_end",
        "a:on_train_end", "b:on_train_end",
    ]
    assert calls[0][1] == {}  # Keras 2 passes an empty dict, not None
    assert calls[4][1:] == (3, {"loss": 1.0})


def test_custom_callbacks_receive_floats_and_tensor_callbacks_receive_tensors():
    calls = []
    plain, raw = Recorder(calls, "plain:"), TensorRecorder(calls, "raw:")
    only_raw = CallbackList([TensorRecorder(calls, "raw:")])
    only_raw.on_train_batch_end(0, {"loss": torch.tensor(0.5)})
    assert isinstance(calls[-1][2]["loss"], torch.Tensor)

    calls.clear()
    CallbackList([plain, raw]).on_train_batch_end(0, {"loss": torch.tensor(0.5)})
    for _, _, logs in calls:  # one converted dict, shared by both
        assert type(logs["loss"]) is float and logs["loss"] == 0.5


def test_logs_are_converted_only_when_a_plain_callback_overrides_the_hook(monkeypatch):
    conversions = []

    def counting(logs):
        if any(isinstance(v, torch.Tensor) for v in (logs or {}).values()):
            conversions.append(logs)  # a host sync
        return logs_to_floats(logs)

    monkeypatch.setattr(callbacks_module, "logs_to_floats", counting)

    class EpochOnly(Callback):
        def on_epoch_end(self, epoch, logs=None):
            self.seen = logs

    cb = EpochOnly()
    cbs = CallbackList([cb], add_history=True, add_progbar=True, model=FakeModel(),
                       verbose=0, epochs=1, steps=5)
    for step in range(5):
        cbs.on_train_batch_begin(step)
        cbs.on_train_batch_end(step, {"loss": torch.tensor(1.0)})
    assert conversions == []  # no per-step host sync
    cbs.on_epoch_end(0, {"loss": torch.tensor(1.0)})
    assert len(conversions) == 1
    assert cb.seen == {"loss": 1.0}


def test_overriding_is_detected_for_methods_aliases_and_instance_attributes():
    class OldStyle(Callback):  # Keras 2.0 name for train batches
        def on_batch_end(self, batch, logs=None):
            self.got = (batch, logs)

    class NoSuperInit(Callback):
        def __init__(self):  # Keras scripts often skip super().__init__()
            self.n = 0

        def on_epoch_begin(self, epoch, logs=None):
            self.n += 1

    lam = Callback()
    lam.on_predict_end = lambda logs: setattr(lam, "ended", True)

    old, nosuper = OldStyle(), NoSuperInit()
    cbs = CallbackList([old, nosuper, lam], verbose=1, epochs=1, steps=1)
    assert old._implements_train_batch_hooks()
    assert not old._implements_test_batch_hooks()
    assert not nosuper._implements_train_batch_hooks()
    cbs.on_train_batch_end(7, {"loss": torch.tensor(2.0)})
    assert old.got == (7, {"loss": 2.0})
    cbs.on_batch_end(8, {"loss": 3.0})
    assert old.got == (8, {"loss": 3.0})
    cbs.on_epoch_begin(0)
    assert nosuper.n == 1 and nosuper.params["steps"] == 1
    cbs.on_predict_end()
    assert lam.ended


def test_callbacks_that_do_not_override_a_hook_are_skipped():
    cbs = CallbackList([Callback(), History()])
    methods, needs_floats = cbs._table["on_train_batch_end"]
    assert methods == () and not needs_floats


def test_callback_list_sets_model_and_params_and_adds_defaults_once():
    model = FakeModel()
    calls = []
    user = Recorder(calls)
    cbs = CallbackList([user], add_history=True, add_progbar=True, model=model,
                       verbose=2, epochs=3, steps=4)
    assert [type(cb) for cb in cbs] == [Recorder, History, ProgbarLogger]
    assert all(cb.model is model for cb in cbs)
    assert user.params == {"verbose": 2, "epochs": 3, "steps": 4}
    assert model.history is cbs.callbacks[1]

    history = History()
    again = CallbackList([history, user], add_history=True, add_progbar=False)
    assert again.callbacks == [history, user]


def test_callback_list_rejects_things_that_are_not_callbacks():
    with pytest.raises(TypeError, match="must be a list of `keras.callbacks.Callback`"):
        CallbackList([Callback(), "early_stopping"])


def test_history_records_epoch_logs_as_floats_and_attaches_itself_to_the_model():
    model = FakeModel()
    cbs = CallbackList(add_history=True, model=model, verbose=0, epochs=2, steps=1)
    cbs.on_train_begin()
    cbs.on_epoch_end(0, {"loss": torch.tensor(0.5), "val_loss": np.float32(0.25)})
    cbs.on_epoch_end(1, {"loss": torch.tensor(0.25), "val_loss": np.float32(0.125)})
    history = model.history
    assert history.epoch == [0, 1]
    assert history.history == {"loss": [0.5, 0.25], "val_loss": [0.25, 0.125]}
    assert all(type(v) is float for vs in history.history.values() for v in vs)


def test_keys_added_by_one_callback_reach_the_next():
    class AddsLr(Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs["lr"] = 0.01

    cbs = CallbackList([AddsLr()], add_history=True, model=FakeModel())
    cbs.on_train_begin()
    cbs.on_epoch_end(0, {"loss": torch.tensor(1.0)})
    assert cbs.callbacks[1].history == {"loss": [1.0], "lr": [0.01]}


def test_logs_to_floats_converts_tensors_and_numpy_scalars():
    logs = {
        "loss": torch.tensor(0.5),
        "acc": torch.tensor(0.75),
        "count": torch.tensor(3),
        "half": torch.tensor(1.5, dtype=torch.float16),
        "vec": torch.tensor([1.0, 2.0]),
        "np": np.float64(0.125),
        "name": "x",
    }
    out = logs_to_floats(logs)
    assert out == {"loss": 0.5, "acc": 0.75, "count": 3, "half": 1.5,
                   "vec": pytest.approx(np.array([1.0, 2.0])), "np": 0.125, "name": "x"}
    assert type(out["loss"]) is float and type(out["count"]) is int
    assert isinstance(out["vec"], np.ndarray)
    assert isinstance(logs["loss"], torch.Tensor)  # a copy; the input is untouched
    assert logs_to_floats(None) == {}


def test_base_logger_only_fills_what_the_epoch_logs_lack():
    cbs = CallbackList([BaseLogger()], verbose=0, epochs=1, steps=2)
    cbs.on_epoch_begin(0)
    cbs.on_train_batch_end(0, {"loss": torch.tensor(1.0), "extra": torch.tensor(2.0)})
    cbs.on_train_batch_end(1, {"loss": torch.tensor(3.0), "extra": torch.tensor(4.0)})
    logs = {"loss": 2.5}
    cbs.on_epoch_end(0, logs)
    assert logs == {"loss": 2.5, "extra": 3.0}


def _simulate_fit(verbose, epochs, steps, extra_callbacks=()):
    cbs = CallbackList(list(extra_callbacks), add_history=True, add_progbar=True,
                       model=FakeModel(), verbose=verbose, epochs=epochs, steps=steps)
    cbs.on_train_begin()
    for epoch in range(epochs):
        cbs.on_epoch_begin(epoch)
        for step in range(steps):
            cbs.on_train_batch_begin(step)
            cbs.on_train_batch_end(step, {"loss": torch.tensor(0.5), "acc": torch.tensor(1e-4)})
        cbs.on_test_begin()  # validation inside fit prints nothing
        cbs.on_test_batch_end(0, {"loss": torch.tensor(9.0)})
        cbs.on_test_end({"loss": torch.tensor(0.25)})
        cbs.on_epoch_end(epoch, {"loss": torch.tensor(0.5), "acc": torch.tensor(1e-4),
                                 "val_loss": torch.tensor(0.25)})
    cbs.on_train_end()
    return cbs


def _plain(out):
    """Shows redraws one per line, and timings as T."""
    out = re.sub("\b+\r|\r", "\n", out)
    return re.sub(r"\d+(s|ms|us)/", "T/", re.sub(r" - \d+s", " - Ns", out))


def test_progbar_logger_verbose_2_prints_one_line_per_epoch_with_validation(capsys):
    _simulate_fit(verbose=2, epochs=2, steps=3)
    assert _plain(capsys.readouterr().out) == (
        "Epoch 1/2\n"
        "3/3 - Ns - loss: 0.5000 - acc: 1.0000e-04 - val_loss: 0.2500 - T/epoch - T/step\n"
        "Epoch 2/2\n"
        "3/3 - Ns - loss: 0.5000 - acc: 1.0000e-04 - val_loss: 0.2500 - T/epoch - T/step\n"
    )


def test_progbar_logger_verbose_1_draws_a_bar_and_a_final_line_with_validation(capsys):
    class Says(Callback):
        def on_epoch_end(self, epoch, logs=None):
            print("checkpoint saved")

    _simulate_fit(verbose=1, epochs=1, steps=3, extra_callbacks=[Says()])
    out = _plain(capsys.readouterr().out)
    # No "Epoch 1/1" for a single epoch; other callbacks print before the last line.
    assert out == (
        "\n1/3 [=========>....................] - ETA: 0s - loss: 0.5000 - acc: 1.0000e-04"
        "checkpoint saved\n"
        "\n3/3 [==============================] - Ns T/step - loss: 0.5000 - acc: 1.0000e-04"
        " - val_loss: 0.2500\n"
    )


def test_progbar_logger_shows_evaluate_and_predict_progress(capsys):
    cbs = CallbackList(add_progbar=True, model=FakeModel(), verbose=1, epochs=1, steps=2)
    cbs.on_test_begin()
    for step in range(2):
        cbs.on_test_batch_begin(step)
        cbs.on_test_batch_end(step, {"loss": torch.tensor(1.0 + step)})
    cbs.on_test_end({"loss": torch.tensor(1.5), "mae": torch.tensor(-0.5)})
    assert _plain(capsys.readouterr().out).endswith(
        "\n2/2 [==============================] - Ns T/step - loss: 1.5000 - mae: -0.5000\n")

    cbs = CallbackList(add_progbar=True, model=FakeModel(), verbose=2, epochs=1, steps=2)
    cbs.on_predict_begin()
    for step in range(2):
        cbs.on_predict_batch_begin(step)
        cbs.on_predict_batch_end(step, {"outputs": torch.zeros(2)})
    cbs.on_predict_end()
    assert re.fullmatch(r"2/2 - \d+s - \d+(s|ms|us)/epoch - \d+(s|ms|us)/step\n",
                        capsys.readouterr().out)


def test_progbar_logger_learns_an_unknown_step_count(capsys):
    cbs = CallbackList(add_progbar=True, model=FakeModel(), verbose=2, epochs=1, steps=None)
    cbs.on_train_begin()
    cbs.on_epoch_begin(0)
    for step in range(4):
        cbs.on_train_batch_end(step, {"loss": torch.tensor(1.0)})
    capsys.readouterr()
    cbs.on_epoch_end(0, {"loss": torch.tensor(1.0)})
    assert capsys.readouterr().out.startswith("4/4 - ")


def test_progbar_logger_rejects_an_unknown_count_mode():
    with pytest.raises(ValueError, match="Received: count_mode='batches'"):
        ProgbarLogger(count_mode="batches")
