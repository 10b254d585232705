"""Ctrl-C during `fit` stops after the current batch, runs `on_train_end`, and leaves the
weights of the last finished step (a real subprocess receives a real SIGINT)."""
import os
import signal
import subprocess
import sys
import textwrap
import time

SCRIPT = textwrap.dedent("""
    import sys, time, numpy as np, torch
    import tkeras as keras
    from tkeras.layers import Dense

    torch.manual_seed(0)
    model = keras.Sequential([Dense(8, input_shape=(4,)), Dense(1)])
    model.compile("sgd", "mse")

    class Slow(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 2 and self.params.get("steps"):
                print("READY", flush=True)
            time.sleep(0.05)
        def on_train_end(self, logs=None):
            print("TRAIN_END", flush=True)

    x = np.random.rand(64 * 200, 4).astype("float32"); y = x.sum(1, keepdims=True)
    h = model.fit(x, y, batch_size=64, epochs=5, verbose=0, callbacks=[Slow()])
    print("EPOCHS", len(h.history.get("loss", [])), flush=True)
    w = model.get_weights()[0]
    print("FINITE", bool(np.isfinite(w).all()), flush=True)
""")


def test_ctrl_c_stops_fit_after_the_current_batch_and_runs_on_train_end(tmp_path):
    path = tmp_path / "train.py"
    path.write_text(SCRIPT)
    proc = subprocess.Popen([sys.executable, str(path)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    assert line.strip() == "READY"
    time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert "Interrupted: stopping after the current batch" in out
    assert "TRAIN_END" in out
    assert "EPOCHS 0" in out  # stopped inside the first epoch: no epoch logs
    assert "FINITE True" in out
