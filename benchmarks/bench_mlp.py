"""tkeras `fit` vs a hand-written PyTorch loop on the same MLP and data.

Model: 784-256-256-10 (relu, relu, softmax), Adam(lr=1e-3, eps=1e-7), sparse categorical
crossentropy + accuracy. Both loops permute the data once per epoch, slice batches from
tensors built once, and keep loss/accuracy sums on the device (no host sync per step).

    python benchmarks/bench_mlp.py [--samples 16384] [--epochs 3] [--repeats 3]
                                   [--device cuda] [--policy mixed_float16]

Prints steps/s (best of the repeats) for each batch size, the ratio of the bests and the
median of the per-repeat ratios (runs alternate torch/tkeras, so a slow spell of the
machine hits both sides of a pair). 1.0 = as fast as the hand-written loop.
"""
import argparse
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from _common import POLICIES, TorchPrecision, sync, tkeras_policy


def make_data(n, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.random((n, 784), dtype=np.float32)
    w = rng.standard_normal((784, 10)).astype(np.float32)
    y = (x @ w).argmax(1).astype(np.int64)
    return x, y


def torch_loop(x, y, batch_size, epochs, device=torch.device("cpu"), policy="float32"):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(),
                          nn.Linear(256, 10)).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7, foreach=True)
    amp = TorchPrecision(policy, device)
    xt, yt = torch.from_numpy(x).to(device), torch.from_numpy(y).to(device)
    n = len(xt)
    steps = 0
    sync(device)
    start = time.perf_counter()
    for _ in range(epochs):
        perm = torch.randperm(n, device=device)
        xe, ye = xt[perm], yt[perm]
        loss_sum = torch.zeros((), device=device)
        correct = torch.zeros((), dtype=torch.long, device=device)
        for i in range(0, n, batch_size):
            xb, yb = xe[i:i + batch_size], ye[i:i + batch_size]
            with amp.autocast():
                logits = model(xb)
                loss = F.cross_entropy(logits.float(), yb)
            opt.zero_grad(set_to_none=True)
            amp.step(loss, opt)
            with torch.no_grad():
                loss_sum += loss.detach() * len(yb)
                correct += (logits.argmax(1) == yb).sum()
            steps += 1
        float(loss_sum), int(correct)  # read back once per epoch, as a progress line would
    sync(device)
    return steps / (time.perf_counter() - start)


def tkeras_fit(x, y, batch_size, epochs, device=torch.device("cpu"), policy="float32"):
    import tkeras as keras
    from tkeras.layers import Dense

    torch.manual_seed(0)
    with tkeras_policy(policy):
        model = keras.Sequential([
            Dense(256, activation="relu", input_shape=(784,)),
            Dense(256, activation="relu"),
            Dense(10, activation="softmax", dtype="float32"),
        ])
        model.to(device)
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    steps = epochs * -(-len(x) // batch_size)
    sync(device)
    start = time.perf_counter()
    model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0)
    sync(device)
    return steps / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=16384)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[32, 512])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--policy", default="float32", choices=POLICIES)
    args = parser.parse_args()
    device = torch.device(args.device)
    print(f"torch {torch.__version__}, device {device}, policy {args.policy}, threads "
          f"{torch.get_num_threads()}, samples {args.samples}, epochs {args.epochs}, "
          f"best of {args.repeats}")
    x, y = make_data(args.samples)
    run = dict(device=device, policy=args.policy)
    tkeras_fit(x[:1024], y[:1024], 32, 1, **run)  # warm-up (imports, allocator)
    torch_loop(x[:1024], y[:1024], 32, 1, **run)
    print(f"{'batch':>6} {'torch steps/s':>14} {'tkeras steps/s':>15} {'best ratio':>11} "
          f"{'median paired ratio':>20}")
    for bs in args.batch_sizes:
        t_torch, t_tk = [], []
        for _ in range(args.repeats):  # interleave so machine noise hits both alike
            t_torch.append(torch_loop(x, y, bs, args.epochs, **run))
            t_tk.append(tkeras_fit(x, y, bs, args.epochs, **run))
        a, b = max(t_torch), max(t_tk)
        paired = sorted(k / t for k, t in zip(t_tk, t_torch))
        print(f"{bs:>6} {a:>14.1f} {b:>15.1f} {b / a:>11.3f} {paired[len(paired) // 2]:>20.3f}")

if __name__ == "__main__":
    main()
