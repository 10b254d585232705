"""Finds host-device synchronisations in tkeras fit steps on CUDA (sync debug mode) and
times the LSTM step with and without metrics."""
import time
import traceback
import warnings

import numpy as np
import torch

import bench_lstm
import tkeras as keras
from tkeras.layers import LSTM, Dense, Embedding

dev = torch.device("cuda")
x, y = bench_lstm.make_data(64 * 40, masked=False)


def model(metrics):
    torch.manual_seed(0)
    m = keras.Sequential([Embedding(bench_lstm.VOCAB, bench_lstm.EMBED,
                                    input_length=bench_lstm.STEPS),
                          LSTM(bench_lstm.UNITS), Dense(1, activation="sigmoid")])
    m.to(dev)
    m.compile(keras.optimizers.Adam(1e-3), "binary_crossentropy", metrics=metrics)
    return m


m = model(["accuracy"])
m.fit(x, y, batch_size=64, epochs=1, verbose=0)
seen = {}
orig = warnings.showwarning


def show(message, category, filename, lineno, file=None, line=None):
    stack = [f"{f.filename.split('/work/')[-1]}:{f.lineno} {f.name}"
             for f in traceback.extract_stack()[:-2] if "tkeras" in f.filename]
    key = (str(message)[:80], tuple(stack[-4:]))
    seen[key] = seen.get(key, 0) + 1


warnings.showwarning = show
torch.cuda.set_sync_debug_mode("warn")
m.fit(x[:640], y[:640], batch_size=64, epochs=1, verbose=0)
torch.cuda.set_sync_debug_mode(0)
warnings.showwarning = orig
print(f"synchronising calls during 10 steps: {sum(seen.values())}")
for (msg, stack), n in sorted(seen.items(), key=lambda kv: -kv[1]):
    print(n, msg)
    for s in stack:
        print("     ", s)

for metrics in (["accuracy"], []):
    m = model(metrics)
    m.fit(x, y, batch_size=64, epochs=1, verbose=0)
    best = 1e9
    for _ in range(3):
        torch.cuda.synchronize()
        t = time.perf_counter()
        m.fit(x, y, batch_size=64, epochs=1, verbose=0)
        torch.cuda.synchronize()
        best = min(best, (time.perf_counter() - t) / 40 * 1e3)
    print(f"metrics={metrics}: {best:.3f} ms/step")
