"""tkeras `train_on_batch` loop and `predict` vs hand-written PyTorch, same MLP and data.

Model: the MLP of bench_mlp.py (784-256-256-10, Adam, sparse categorical crossentropy
+ accuracy).

* train_on_batch: a Python loop over numpy batches, as GAN-style scripts write it. tkeras
  returns `[loss, acc]` as Python floats (Keras 2 does), so the torch loop reads the loss
  and accuracy back every step too; both convert each numpy batch to a tensor.
* predict: the whole array, batch 32 (Keras's default) and 1024, numpy in and numpy out;
  the torch side runs `torch.inference_mode()` over slices of one tensor and
  concatenates into one numpy array.

    python benchmarks/bench_batch_api.py [--samples 8192] [--repeats 3]

Prints steps/s (train) or samples/s (predict), the ratio of the bests and the median of
the per-repeat paired ratios (runs alternate torch/tkeras). 1.0 = as fast as torch.
"""
import argparse
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from bench_mlp import make_data
from bench_sequence import make_model as tkeras_model


def torch_model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(),
                         nn.Linear(256, 10))


def torch_train_on_batch(x, y, batch_size):
    model = torch_model()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7, foreach=True)
    steps = 0
    start = time.perf_counter()
    for i in range(0, len(x), batch_size):
        xb = torch.from_numpy(x[i:i + batch_size])
        yb = torch.from_numpy(y[i:i + batch_size])
        logits = model(xb)
        loss = F.cross_entropy(logits, yb)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        float(loss), float((logits.argmax(1) == yb).float().mean())
        steps += 1
    return steps / (time.perf_counter() - start)


def tkeras_train_on_batch(x, y, batch_size):
    model = tkeras_model()
    steps = 0
    start = time.perf_counter()
    for i in range(0, len(x), batch_size):
        model.train_on_batch(x[i:i + batch_size], y[i:i + batch_size])
        steps += 1
    return steps / (time.perf_counter() - start)


def torch_predict(x, batch_size):
    model = torch_model().eval()
    start = time.perf_counter()
    with torch.inference_mode():
        xt = torch.from_numpy(x)
        out = [torch.softmax(model(xt[i:i + batch_size]), -1)
               for i in range(0, len(x), batch_size)]
        torch.cat(out).numpy()
    return len(x) / (time.perf_counter() - start)


def tkeras_predict(x, batch_size, model=None):
    model = model or tkeras_model()
    start = time.perf_counter()
    model.predict(x, batch_size=batch_size)
    return len(x) / (time.perf_counter() - start)


def _row(label, t_torch, t_tk):
    a, b = max(t_torch), max(t_tk)
    paired = sorted(k / t for k, t in zip(t_tk, t_torch))
    print(f"{label:<28} {a:>12.1f} {b:>12.1f} {b / a:>11.3f} {paired[len(paired) // 2]:>20.3f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=8192)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, "
          f"samples {args.samples}, best of {args.repeats}")
    x, y = make_data(args.samples)
    tkeras_train_on_batch(x[:512], y[:512], 32)  # warm-up (imports, allocator)
    torch_train_on_batch(x[:512], y[:512], 32)
    print(f"{'':<28} {'torch':>12} {'tkeras':>12} {'best ratio':>11} "
          f"{'median paired ratio':>20}")
    for bs in (32, 128):
        t_torch, t_tk = [], []
        for _ in range(args.repeats):
            t_torch.append(torch_train_on_batch(x, y, bs))
            t_tk.append(tkeras_train_on_batch(x, y, bs))
        _row(f"train_on_batch b{bs} (steps/s)", t_torch, t_tk)
    model = tkeras_model()
    for bs in (32, 1024):
        t_torch, t_tk = [], []
        for _ in range(args.repeats):
            t_torch.append(torch_predict(x, bs))
            t_tk.append(tkeras_predict(x, bs, model))
        _row(f"predict b{bs} (samples/s)", t_torch, t_tk)


if __name__ == "__main__":
    main()
