"""Where a training step's time goes: tkeras `fit` vs the hand-written torch loop of
bench_lstm.py (or bench_mlp.py), under `torch.profiler`, on one device.

    python benchmarks/profile_step.py [--model lstm|mlp] [--device cuda] [--steps 20]

Prints, for each side: milliseconds per step, torch ops and device kernels per step, and
the ops with the most self CPU time (on CUDA also the kernels with the most device time).
"""
import argparse
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch.profiler import ProfilerActivity, profile

import bench_lstm
import bench_mlp
from _common import sync


def torch_steps(name, x, y, device):
    torch.manual_seed(0)
    if name == "lstm":
        model = bench_lstm.TorchModel(False).to(device)
        loss_fn = F.binary_cross_entropy_with_logits
    else:
        model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(),
                                    torch.nn.Linear(256, 256), torch.nn.ReLU(),
                                    torch.nn.Linear(256, 10)).to(device)
        loss_fn = F.cross_entropy
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7, foreach=True)
    xt, yt = torch.from_numpy(x).to(device), torch.from_numpy(y).to(device)

    def run(batch_size):
        for i in range(0, len(xt), batch_size):
            logits = model(xt[i:i + batch_size])
            loss = loss_fn(logits, yt[i:i + batch_size])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    return run


def tkeras_steps(name, x, y, device):
    import tkeras as keras
    from tkeras.layers import LSTM, Dense, Embedding

    torch.manual_seed(0)
    if name == "lstm":
        model = keras.Sequential([Embedding(bench_lstm.VOCAB, bench_lstm.EMBED,
                                            input_length=bench_lstm.STEPS),
                                  LSTM(bench_lstm.UNITS), Dense(1, activation="sigmoid")])
        loss = "binary_crossentropy"
    else:
        model = keras.Sequential([Dense(256, activation="relu", input_shape=(784,)),
                                  Dense(256, activation="relu"),
                                  Dense(10, activation="softmax")])
        loss = "sparse_categorical_crossentropy"
    model.to(device)
    model.compile(keras.optimizers.Adam(1e-3), loss, metrics=["accuracy"])

    def run(batch_size):
        model.fit(x, y, batch_size=batch_size, epochs=1, shuffle=False, verbose=0)
    return run


def report(label, run, batch_size, steps, device):
    run(batch_size)  # warm-up: kernels, allocator, cuDNN plans
    sync(device)
    start = time.perf_counter()
    run(batch_size)
    sync(device)
    per_step = (time.perf_counter() - start) / steps * 1e3
    acts = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if device.type == "cuda" else [])
    with profile(activities=acts) as prof:
        run(batch_size)
        sync(device)
    events = prof.key_averages()
    ops = sum(e.count for e in events if e.key.startswith("aten::"))
    kernels = sum(e.count for e in events if e.device_type.name == "CUDA")
    print(f"\n== {label}: {per_step:.3f} ms/step, {ops / steps:.1f} aten ops/step, "
          f"{kernels / steps:.1f} device kernels/step")
    print(events.table(sort_by="self_cpu_time_total", row_limit=15))
    if device.type == "cuda":
        print(events.table(sort_by="self_cuda_time_total", row_limit=10))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="lstm", choices=("lstm", "mlp"))
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args()
    device = torch.device(args.device)
    n = args.steps * args.batch_size
    if args.model == "lstm":
        x, y = bench_lstm.make_data(n, masked=False)
    else:
        x, y = bench_mlp.make_data(n)
    report("torch", torch_steps(args.model, x, y, device), args.batch_size, args.steps, device)
    report("tkeras", tkeras_steps(args.model, x, y, device), args.batch_size, args.steps,
           device)


if __name__ == "__main__":
    main()
