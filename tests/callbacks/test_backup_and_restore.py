"""BackupAndRestore, proven with a real process killed by SIGKILL in the middle of an
epoch: the restarted run ends with the same weights as an uninterrupted one."""
import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from tkeras.callbacks import BackupAndRestore, Callback
from tkeras.layers import Dense
from tkeras.models import Sequential

SCRIPT = textwrap.dedent("""
    import os, signal, sys
    import numpy as np
    import torch
    from tkeras.callbacks import BackupAndRestore, Callback
    from tkeras.layers import Dense
    from tkeras.models import Sequential

    backup_dir, out, marker, kill = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1"
    torch.manual_seed(0)
    np.random.seed(0)
    rng = np.random.RandomState(1)
    x = rng.rand(64, 5).astype("float32")
    y = rng.rand(64, 1).astype("float32")
    model = Sequential([Dense(16, activation="tanh", input_shape=(5,)), Dense(1)])
    model.compile(optimizer="adam", loss="mse")

    class KillInEpoch3(Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch
            print("epoch", epoch, flush=True)

        def on_batch_end(self, batch, logs=None):
            if kill and self.epoch == 2 and batch == 3 and not os.path.exists(marker):
                open(marker, "w").close()
                os.kill(os.getpid(), signal.SIGKILL)

    callbacks = [KillInEpoch3()]
    if backup_dir != "-":
        callbacks.insert(0, BackupAndRestore(backup_dir))
    model.fit(x, y, epochs=6, batch_size=8, shuffle=True, verbose=0, callbacks=callbacks)
    np.save(out, np.concatenate([w.ravel() for w in model.get_weights()]))
""")


def _run(script, *args):
    env = dict(os.environ, PYTHONHASHSEED="0", CUDA_VISIBLE_DEVICES="")
    return subprocess.run([sys.executable, str(script), *map(str, args)], env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_killed_training_resumes_to_the_same_weights_as_an_uninterrupted_one(tmp_path):
    script = tmp_path / "train.py"
    script.write_text(SCRIPT)
    marker = tmp_path / "killed-once"
    backup = tmp_path / "backup"

    reference = _run(script, "-", tmp_path / "ref.npy", marker, 0)
    assert reference.returncode == 0, reference.stderr

    first = _run(script, backup, tmp_path / "resumed.npy", marker, 1)
    assert first.returncode == -signal.SIGKILL, first.stderr
    assert marker.exists() and not (tmp_path / "resumed.npy").exists()
    assert first.stdout.split() == ["epoch", "0", "epoch", "1", "epoch", "2"]
    assert os.path.exists(backup / "checkpoint.json")  # epochs 0 and 1 were backed up

    second = _run(script, backup, tmp_path / "resumed.npy", marker, 1)
    assert second.returncode == 0, second.stderr
    # Resumed at the epoch that was killed, not from scratch.
    assert second.stdout.split() == ["epoch", "2", "epoch", "3", "epoch", "4", "epoch", "5"]
    np.testing.assert_allclose(np.load(tmp_path / "resumed.npy"), np.load(tmp_path / "ref.npy"),
                               rtol=1e-6, atol=0)
    assert not backup.exists()  # a finished training deletes its backup


def _model():
    model = Sequential([Dense(3, input_shape=(2,)), Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    return model


def test_backup_is_kept_while_training_runs_and_restored_in_process(tmp_path):
    x = np.random.rand(16, 2).astype("float32")
    y = np.random.rand(16, 1).astype("float32")
    backup = tmp_path / "b"
    model = _model()
    seen = []

    class Stop(Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append((epoch, sorted(os.listdir(backup))))
            if epoch == 1:
                raise RuntimeError("crash")

    with pytest.raises(RuntimeError, match="crash"):
        model.fit(x, y, epochs=4, verbose=0, callbacks=[BackupAndRestore(str(backup)), Stop()])
    assert seen[0][1] == ["checkpoint.json", "model-0.h5", "rng-0.pt"]
    assert seen[1][1] == ["checkpoint.json", "model-1.h5", "rng-1.pt"]  # old one gone
    saved = model.get_weights()

    fresh = _model()
    hist = fresh.fit(x, y, epochs=2, verbose=0, callbacks=[BackupAndRestore(str(backup))])
    assert hist.epoch == []  # epochs 0 and 1 were already done
    for got, want in zip(fresh.get_weights(), saved):
        np.testing.assert_array_equal(got, want)
    assert fresh.optimizer.iterations == 2
    assert not backup.exists()


def test_backup_and_restore_rejects_an_empty_dir():
    with pytest.raises(ValueError, match="Empty `backup_dir`"):
        BackupAndRestore("")
