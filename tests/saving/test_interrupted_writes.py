"""Issue 9, files: a `model.save` or a `ModelCheckpoint` killed mid-write (SIGKILL)
leaves its temporary `.<name>.<random>.tmp` file behind; the next successful save of
the same file removes those leftovers, and nothing else."""
import os
import signal
import subprocess
import sys
import time

import pytest

import tkeras as keras
from tkeras import layers

_SAVE_FOREVER = """
import sys
import tkeras as keras
from tkeras import layers
model = keras.Sequential([layers.Dense(512, input_shape=(512,))] +
                         [layers.Dense(512) for _ in range(7)])  # ~8 MB of weights
print("ready", flush=True)
while True:
    model.save(sys.argv[1])
"""

_CHECKPOINT_FOREVER = """
import sys
import numpy as np
import tkeras as keras
from tkeras import layers
model = keras.Sequential([layers.Dense(512, input_shape=(512,))] +
                         [layers.Dense(512) for _ in range(7)])
model.compile("adam", "mse")
x = np.zeros((64, 512), "float32")
print("ready", flush=True)
model.fit(x, x, batch_size=8, epochs=10000, verbose=0,
          callbacks=[keras.callbacks.ModelCheckpoint(sys.argv[1], save_freq=1)])
"""


def _temporaries(folder, target="model.h5"):
    return [n for n in os.listdir(folder) if n.startswith(f".{target}.") and n.endswith(".tmp")]


def _kill_mid_write(script, path, folder, trials=3):
    """Runs `script` (which writes `path` forever) and SIGKILLs it while a temporary
    file exists, until one trial leaves a temporary file behind."""
    for _ in range(trials):
        proc = subprocess.Popen([sys.executable, "-c", script, path],
                                stdout=subprocess.PIPE, text=True)
        try:
            assert proc.stdout.readline().strip() == "ready"
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                partial = _temporaries(folder)
                if partial and any(os.path.exists(os.path.join(folder, n))
                                   and os.path.getsize(os.path.join(folder, n)) > 0
                                   for n in partial):
                    break
                time.sleep(0.001)
            else:
                pytest.fail("the writing process never started a write")
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        if _temporaries(folder):
            return
    pytest.fail(f"no trial out of {trials} left a temporary file")


def _small_model():
    return keras.Sequential([layers.Dense(3, input_shape=(4,), name="d")])


@pytest.mark.parametrize("script", [_SAVE_FOREVER, _CHECKPOINT_FOREVER],
                         ids=["model.save", "ModelCheckpoint"])
def test_next_save_removes_temporaries_left_by_a_killed_writer(script, tmp_path):
    path = str(tmp_path / "model.h5")
    _kill_mid_write(script, path, str(tmp_path))
    assert _temporaries(tmp_path)  # what the user saw before the fix: leftovers
    time.sleep(0.1)  # a restarted script saves later than the killed one wrote
    model = _small_model()
    model.save(path)
    assert sorted(os.listdir(tmp_path)) == ["model.h5"]
    assert keras.models.load_model(path, compile=False).count_params() == 15


def test_cleanup_after_a_kill_spares_other_files(tmp_path):
    path = str(tmp_path / "model.h5")
    others = [".other.h5.abcdefgh.tmp", ".model.h5.notes.txt", "model.h5.bak"]
    for name in others:
        with open(tmp_path / name, "wb") as f:
            f.write(b"user data")
        os.utime(tmp_path / name, (1, 1))
    _kill_mid_write(_SAVE_FOREVER, path, str(tmp_path))
    time.sleep(0.1)
    _small_model().save_weights(path)
    assert sorted(os.listdir(tmp_path)) == sorted(others + ["model.h5"])
    for name in others:
        assert (tmp_path / name).read_bytes() == b"user data"
