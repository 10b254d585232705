"""The built-in callbacks, observed through what they do during `fit`: files written,
learning rates set, epochs run, rows logged, messages printed."""
import csv
import glob
import http.server
import json
import os
import threading
import urllib.parse

import numpy as np
import pytest

from tkeras import backend as K
from tkeras.callbacks import (
    CSVLogger,
    EarlyStopping,
    LambdaCallback,
    LearningRateScheduler,
    ModelCheckpoint,
    ReduceLROnPlateau,
    RemoteMonitor,
    TensorBoard,
    TerminateOnNaN,
)
from tkeras.layers import Dense
from tkeras.models import Sequential, load_model
from tkeras.optimizers import SGD


def _data(n=32):
    rng = np.random.RandomState(0)
    x = rng.rand(n, 4).astype("float32")
    y = (x @ np.array([[1.0], [-2.0], [0.5], [3.0]], dtype="float32")).astype("float32")
    return x, y


def _model(lr=0.01):
    model = Sequential([Dense(8, activation="relu", input_shape=(4,)), Dense(1)])
    model.compile(optimizer=SGD(learning_rate=lr), loss="mse")
    return model


class _Scripted:
    """Feeds a fixed sequence of values into the epoch logs under `key`."""

    def __init__(self, key, values):
        self.key, self.values = key, list(values)


def _script(key, values):
    values = list(values)
    return LambdaCallback(on_epoch_end=lambda epoch, logs: logs.__setitem__(key, values[epoch]))


# ------------------------------------------------------------------ ModelCheckpoint

def test_model_checkpoint_fills_the_template_with_one_based_epoch_and_logs(tmp_path):
    x, y = _data()
    model = _model()
    template = str(tmp_path / "w.{epoch:02d}-{val_loss:.2f}.h5")
    hist = model.fit(x, y, epochs=3, batch_size=8, verbose=0, validation_data=(x, y),
                     callbacks=[ModelCheckpoint(template)])
    expected = sorted(f"w.{e + 1:02d}-{v:.2f}.h5" for e, v in enumerate(hist.history["val_loss"]))
    assert sorted(os.path.basename(p) for p in glob.glob(str(tmp_path / "*.h5"))) == expected
    # A full model file: it loads and predicts like the trained model.
    last = load_model(str(tmp_path / expected[-1]) if expected[-1].startswith("w.03")
                      else str(tmp_path / [e for e in expected if e.startswith("w.03")][0]))
    np.testing.assert_allclose(last.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]  # atomic writes


def test_model_checkpoint_save_best_only_prints_keras_messages(tmp_path, capsys):
    x, y = _data()
    model = _model()
    path = str(tmp_path / "best.h5")
    cb = ModelCheckpoint(path, monitor="score", mode="min", save_best_only=True, verbose=1)
    model.fit(x, y, epochs=3, verbose=0, callbacks=[_script("score", [0.5, 0.4, 0.45]), cb])
    out = capsys.readouterr().out
    assert f"Epoch 00001: score improved from inf to 0.50000, saving model to {path}" in out
    assert f"Epoch 00002: score improved from 0.50000 to 0.40000, saving model to {path}" in out
    assert "Epoch 00003: score did not improve from 0.40000" in out
    assert os.path.exists(path) and cb.best == 0.4


def test_model_checkpoint_save_best_only_keeps_the_weights_of_the_best_epoch(tmp_path):
    x, y = _data()
    model = _model()
    path = str(tmp_path / "best.weights.h5")
    snapshots = []
    record = LambdaCallback(on_epoch_end=lambda e, logs: snapshots.append(model.get_weights()))
    model.fit(x, y, epochs=3, verbose=0,
              callbacks=[_script("score", [0.5, 0.3, 0.45]), record,
                         ModelCheckpoint(path, monitor="score", save_best_only=True,
                                         save_weights_only=True)])
    fresh = _model()
    fresh.load_weights(path)
    for got, want in zip(fresh.get_weights(), snapshots[1]):
        np.testing.assert_array_equal(got, want)


def test_model_checkpoint_warns_when_the_monitored_metric_is_missing(tmp_path):
    x, y = _data()
    with pytest.warns(UserWarning, match="Can save best model only with val_loss available"):
        _model().fit(x, y, epochs=1, verbose=0,
                     callbacks=[ModelCheckpoint(str(tmp_path / "m.h5"), save_best_only=True)])
    assert not os.path.exists(tmp_path / "m.h5")


def test_model_checkpoint_period_and_batch_save_freq(tmp_path):
    x, y = _data()
    _model().fit(x, y, epochs=4, verbose=0,
                 callbacks=[ModelCheckpoint(str(tmp_path / "p{epoch}.h5"), period=2)])
    assert sorted(os.listdir(tmp_path)) == ["p2.h5", "p4.h5"]
    other = tmp_path / "b"
    _model().fit(x, y, epochs=1, batch_size=8, verbose=0,
                 callbacks=[ModelCheckpoint(str(other / "e{epoch}b{batch}.h5"), save_freq=2)])
    assert sorted(os.listdir(other)) == ["e1b2.h5", "e1b4.h5"]


def test_model_checkpoint_rejects_bad_save_freq(tmp_path):
    with pytest.raises(ValueError, match="Received: save_freq='often'"):
        ModelCheckpoint(str(tmp_path / "m.h5"), save_freq="often")


# ------------------------------------------------------------------ EarlyStopping

def test_early_stopping_stops_after_patience_and_says_when(capsys):
    x, y = _data()
    model = _model()
    cb = EarlyStopping(monitor="score", patience=2, verbose=1)
    hist = model.fit(x, y, epochs=10, verbose=0,
                     callbacks=[_script("score", [1.0, 0.5, 0.6, 0.7, 0.1, 0, 0, 0, 0, 0]), cb])
    assert hist.epoch == [0, 1, 2, 3]
    assert cb.stopped_epoch == 3 and model.stop_training is True
    assert "Epoch 00004: early stopping" in capsys.readouterr().out


def test_early_stopping_min_delta_counts_small_gains_as_no_improvement():
    x, y = _data()
    cb = EarlyStopping(monitor="score", min_delta=0.1, patience=1)
    hist = _model().fit(x, y, epochs=10, verbose=0,
                        callbacks=[_script("score", [1.0, 0.95, 0.5] + [0] * 7), cb])
    assert hist.epoch == [0, 1]


def test_early_stopping_baseline_stops_a_run_that_never_beats_it():
    x, y = _data()
    cb = EarlyStopping(monitor="val_acc", baseline=0.9, patience=2)
    hist = _model().fit(x, y, epochs=10, verbose=0,
                        callbacks=[_script("val_acc", [0.5, 0.4, 0.3, 0.95] + [1] * 6), cb])
    # Mode 'auto' maximizes *_acc; 0.5 never beat the baseline, so patience ran out
    # (tf-keras stops at the same epoch).
    assert hist.epoch == [0, 1]


def test_early_stopping_restores_the_best_weights(capsys):
    x, y = _data()
    model = _model()
    snapshots = []
    record = LambdaCallback(on_epoch_end=lambda e, logs: snapshots.append(model.get_weights()))
    cb = EarlyStopping(monitor="score", patience=2, restore_best_weights=True, verbose=1)
    model.fit(x, y, epochs=10, verbose=0,
              callbacks=[_script("score", [1.0, 0.2, 0.5, 0.6] + [0] * 6), record, cb])
    for got, want in zip(model.get_weights(), snapshots[1]):
        np.testing.assert_array_equal(got, want)
    assert "Restoring model weights from the end of the best epoch: 2." in capsys.readouterr().out


def test_early_stopping_warns_on_missing_metric():
    x, y = _data()
    with pytest.warns(UserWarning, match="Early stopping conditioned on metric `val_loss`"):
        hist = _model().fit(x, y, epochs=2, verbose=0, callbacks=[EarlyStopping()])
    assert hist.epoch == [0, 1]


# ------------------------------------------------------------- learning-rate control

def test_reduce_lr_on_plateau_reduces_the_rate_and_logs_lr(capsys):
    x, y = _data()
    model = _model(lr=0.1)
    cb = ReduceLROnPlateau(monitor="score", factor=0.5, patience=1, cooldown=2, verbose=1,
                           min_lr=0.02)
    hist = model.fit(x, y, epochs=8, verbose=0, callbacks=[_script("score", [1.0] * 8), cb])
    # `lr` is logged before that epoch's reduction. Same values as tf-keras 2.x gives.
    np.testing.assert_allclose(hist.history["lr"],
                               [0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.02, 0.02], rtol=1e-6)
    np.testing.assert_allclose(float(model.optimizer.learning_rate), 0.02, rtol=1e-6)
    out = capsys.readouterr().out
    assert "Epoch 00002: ReduceLROnPlateau reducing learning rate to 0.05" in out


def test_reduce_lr_on_plateau_rejects_factor_of_one():
    with pytest.raises(ValueError, match="factor >= 1.0. Received: factor=1.0"):
        ReduceLROnPlateau(factor=1.0)


def test_learning_rate_scheduler_accepts_both_signatures(capsys):
    x, y = _data()
    model = _model(lr=0.1)
    hist = model.fit(x, y, epochs=3, verbose=0,
                     callbacks=[LearningRateScheduler(lambda epoch, lr: lr * 0.5, verbose=1)])
    np.testing.assert_allclose(hist.history["lr"], [0.05, 0.025, 0.0125], rtol=1e-6)
    assert "Epoch 00001: LearningRateScheduler setting learning rate to 0.05" in \
        capsys.readouterr().out
    hist = model.fit(x, y, epochs=2, verbose=0,
                     callbacks=[LearningRateScheduler(lambda epoch: 0.001 * (epoch + 1))])
    np.testing.assert_allclose(hist.history["lr"], [0.001, 0.002], rtol=1e-6)
    np.testing.assert_allclose(K.get_value(model.optimizer.lr), 0.002, rtol=1e-6)


# ---------------------------------------------------------------------- CSVLogger

def test_csv_logger_writes_one_row_per_epoch_and_appends(tmp_path):
    x, y = _data()
    path = str(tmp_path / "log.csv")
    model = _model()
    hist = model.fit(x, y, epochs=2, verbose=0, validation_data=(x, y),
                     callbacks=[CSVLogger(path)])
    with open(path) as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["epoch", "loss", "val_loss"]
    assert [r["epoch"] for r in rows] == ["0", "1"]
    np.testing.assert_allclose([float(r["loss"]) for r in rows], hist.history["loss"])
    model.fit(x, y, epochs=1, verbose=0, validation_data=(x, y),
              callbacks=[CSVLogger(path, append=True)])
    with open(path) as f:
        lines = f.read().splitlines()
    assert len(lines) == 4 and lines[0] == "epoch,loss,val_loss"
    model.fit(x, y, epochs=1, verbose=0, callbacks=[CSVLogger(path, separator=";")])
    with open(path) as f:
        lines = f.read().splitlines()
    assert lines[0] == "epoch;loss;val_loss" and lines[1].endswith(";NA")


# ------------------------------------------------------------------ LambdaCallback

def test_lambda_callback_calls_each_given_function():
    x, y = _data(16)
    calls = []
    cb = LambdaCallback(
        on_train_begin=lambda logs: calls.append("train_begin"),
        on_epoch_begin=lambda epoch, logs: calls.append(("epoch_begin", epoch)),
        on_batch_end=lambda batch, logs: calls.append(("batch_end", batch, "loss" in logs)),
        on_epoch_end=lambda epoch, logs: calls.append(("epoch_end", epoch, sorted(logs))),
        on_train_end=lambda logs: calls.append("train_end"),
    )
    _model().fit(x, y, epochs=1, batch_size=8, verbose=0, callbacks=[cb])
    assert calls == ["train_begin", ("epoch_begin", 0), ("batch_end", 0, True),
                     ("batch_end", 1, True), ("epoch_end", 0, ["loss"]), "train_end"]


def test_lambda_callback_can_stop_training_from_a_batch():
    x, y = _data(32)
    model = _model()
    seen = []

    def stop(batch, logs):
        seen.append(batch)
        if batch == 1:
            model.stop_training = True

    hist = model.fit(x, y, epochs=5, batch_size=8, verbose=0,
                     callbacks=[LambdaCallback(on_batch_end=stop)])
    assert seen == [0, 1] and hist.epoch == [0] and model.stop_training


# ------------------------------------------------------------------ TerminateOnNaN

def test_terminate_on_nan_stops_at_the_bad_batch(capsys):
    x, y = _data(32)
    y = y.copy()
    y[24:] = np.nan  # the fourth batch of 8 has a NaN loss
    model = _model()
    seen = []
    hist = model.fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0,
                     callbacks=[TerminateOnNaN(),
                                LambdaCallback(on_batch_end=lambda b, logs: seen.append(b))])
    assert "Batch 3: Invalid loss, terminating training" in capsys.readouterr().out
    assert model.stop_training and seen == [0, 1, 2, 3] and len(hist.epoch) == 1


# ------------------------------------------------------------------ RemoteMonitor

class _Collector(http.server.BaseHTTPRequestHandler):
    received = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        self.received.append((self.path, self.headers.get("Content-Type"),
                              self.headers.get("X-Run"), body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def http_server():
    _Collector.received = []
    server = http.server.HTTPServer(("127.0.0.1", 0), _Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Collector.received
    server.shutdown()
    server.server_close()


def test_remote_monitor_posts_the_epoch_logs_as_a_form_field(http_server):
    root, received = http_server
    x, y = _data()
    hist = _model().fit(x, y, epochs=2, verbose=0,
                        callbacks=[RemoteMonitor(root=root, headers={"X-Run": "7"})])
    assert [r[0] for r in received] == ["/publish/epoch/end/"] * 2
    path, ctype, run, body = received[1]
    assert ctype == "application/x-www-form-urlencoded" and run == "7"
    sent = json.loads(urllib.parse.parse_qs(body)["data"][0])
    assert sent["epoch"] == 1
    np.testing.assert_allclose(sent["loss"], hist.history["loss"][1])


def test_remote_monitor_send_as_json(http_server):
    root, received = http_server
    x, y = _data()
    _model().fit(x, y, epochs=1, verbose=0,
                 callbacks=[RemoteMonitor(root=root, path="/p", send_as_json=True)])
    path, ctype, _, body = received[0]
    assert path == "/p" and ctype == "application/json"
    assert sorted(json.loads(body)) == ["epoch", "loss"]


def test_remote_monitor_warns_when_the_server_is_unreachable():
    x, y = _data()
    with pytest.warns(UserWarning, match="could not reach RemoteMonitor root server"):
        _model().fit(x, y, epochs=1, verbose=0,
                     callbacks=[RemoteMonitor(root="http://127.0.0.1:9")])


# -------------------------------------------------------------------- TensorBoard

def test_tensorboard_writes_scalars_histograms_and_graph(tmp_path):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing import event_accumulator

    x, y = _data()
    log_dir = tmp_path / "tb"
    hist = _model().fit(x, y, epochs=3, verbose=0, validation_data=(x, y),
                        callbacks=[TensorBoard(log_dir=str(log_dir), histogram_freq=1)])
    assert glob.glob(str(log_dir / "train" / "events.out.tfevents.*"))
    assert glob.glob(str(log_dir / "validation" / "events.out.tfevents.*"))
    train = event_accumulator.EventAccumulator(
        str(log_dir / "train"), size_guidance={event_accumulator.HISTOGRAMS: 0}).Reload()
    tags = train.Tags()
    assert "epoch_loss" in tags["scalars"]
    np.testing.assert_allclose([e.value for e in train.Scalars("epoch_loss")],
                               hist.history["loss"], rtol=1e-6)
    assert [e.step for e in train.Scalars("epoch_loss")] == [0, 1, 2]
    assert any("kernel" in t for t in tags["histograms"]), tags["histograms"]
    assert tags["graph"]
    val = event_accumulator.EventAccumulator(str(log_dir / "validation")).Reload()
    np.testing.assert_allclose([e.value for e in val.Scalars("epoch_loss")],
                               hist.history["val_loss"], rtol=1e-6)


def test_tensorboard_names_the_extra_when_tensorboard_is_missing(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name.startswith("torch.utils.tensorboard"):
            raise ImportError("No module named 'tensorboard'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(ImportError, match=r"pip install tkeras\[tensorboard\]"):
        TensorBoard(log_dir="unused")
