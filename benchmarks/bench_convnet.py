"""tkeras `fit` vs a hand-written PyTorch loop on the same small convnet and data.

Model: 28×28×1 images → Conv2D(32, 3×3, relu) → MaxPooling2D → Conv2D(64, 3×3, relu) →
MaxPooling2D → Flatten → Dense(128, relu) → Dense(10, softmax); Adam(lr=1e-3, eps=1e-7),
sparse categorical crossentropy + accuracy. tkeras gets NHWC images (Keras's
channels_last), the torch loop NCHW. Both loops permute the data once per epoch, slice
batches from tensors built once, and keep loss/accuracy sums on the device (no host sync
per step).

    python benchmarks/bench_convnet.py [--samples 8192] [--epochs 2] [--repeats 3]
                                       [--device cuda] [--policy mixed_float16]

Prints steps/s for each batch size and the ratio tkeras / torch (1.0 = as fast).
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
    x = rng.random((n, 28, 28, 1), dtype=np.float32)
    w = rng.standard_normal((784, 10)).astype(np.float32)
    y = (x.reshape(n, -1) @ w).argmax(1).astype(np.int64)
    return x, y


_sync = sync


def torch_loop(x, y, batch_size, epochs, device, policy="float32"):
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 5 * 5, 128), nn.ReLU(), nn.Linear(128, 10),
    ).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7, foreach=True)
    amp = TorchPrecision(policy, device)
    xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2))).to(device)  # NCHW
    yt = torch.from_numpy(y).to(device)
    n = len(xt)
    steps = 0
    _sync(device)
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
    _sync(device)
    return steps / (time.perf_counter() - start)


def tkeras_fit(x, y, batch_size, epochs, device, policy="float32"):
    import tkeras as keras
    from tkeras.layers import Conv2D, Dense, Flatten, MaxPooling2D

    torch.manual_seed(0)
    with tkeras_policy(policy):
        model = keras.Sequential([
            Conv2D(32, (3, 3), activation="relu", input_shape=(28, 28, 1)),
            MaxPooling2D((2, 2)),
            Conv2D(64, (3, 3), activation="relu"),
            MaxPooling2D((2, 2)),
            Flatten(),
            Dense(128, activation="relu"),
            Dense(10, activation="softmax", dtype="float32"),
        ])
        model.to(device)
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    steps = epochs * -(-len(x) // batch_size)
    _sync(device)
    start = time.perf_counter()
    model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0)
    _sync(device)
    return steps / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=8192)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[128])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--policy", default="float32", choices=POLICIES)
    args = parser.parse_args()
    device = torch.device(args.device)
    print(f"torch {torch.__version__}, device {device}, policy {args.policy}, threads "
          f"{torch.get_num_threads()}, samples {args.samples}, epochs {args.epochs}, "
          f"best of {args.repeats}")
    x, y = make_data(args.samples)
    tkeras_fit(x[:1024], y[:1024], 128, 1, device, args.policy)  # warm-up
    torch_loop(x[:1024], y[:1024], 128, 1, device, args.policy)
    print(f"{'batch':>6} {'torch steps/s':>14} {'tkeras steps/s':>15} {'ratio':>6}")
    for bs in args.batch_sizes:
        t_torch, t_tk = [], []
        for _ in range(args.repeats):  # interleave so machine noise hits both alike
            t_torch.append(torch_loop(x, y, bs, args.epochs, device, args.policy))
            t_tk.append(tkeras_fit(x, y, bs, args.epochs, device, args.policy))
        a, b = max(t_torch), max(t_tk)
        print(f"{bs:>6} {a:>14.1f} {b:>15.1f} {b / a:>6.3f}   "
              f"(torch runs {', '.join(f'{v:.1f}' for v in t_torch)}; "
              f"tkeras runs {', '.join(f'{v:.1f}' for v in t_tk)})")


if __name__ == "__main__":
    main()
