"""tkeras `fit` vs a hand-written PyTorch loop on the same LSTM text classifier and data.

Model: Embedding(10000, 64) -> LSTM(64) -> Dense(1, sigmoid) on length-100 token
sequences, batch 64, binary crossentropy + accuracy, Adam(lr=1e-3, eps=1e-7). Run twice:
without a mask, and with `mask_zero=True` on sequences pre-padded with zeros (Keras'
`pad_sequences` default) to length 100 from random true lengths. The hand-written masked
loop moves each row's tokens to the front and uses `pack_padded_sequence`, as a torch
user would. Both loops permute the data once per epoch, slice batches from tensors built
once, and keep loss/accuracy sums on the device (no host sync per step).

    python benchmarks/bench_lstm.py [--samples 4096] [--epochs 2] [--repeats 3]

Prints steps/s for each variant and the ratio tkeras / torch (1.0 = as fast).
"""
import argparse
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

VOCAB, EMBED, UNITS, STEPS = 10000, 64, 64, 100


def make_data(n, masked, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.integers(1, VOCAB, size=(n, STEPS)).astype(np.int64)
    if masked:  # pre-padding: zeros first, the true tokens at the end
        lengths = rng.integers(10, STEPS + 1, size=n)
        x[np.arange(STEPS)[None, :] < (STEPS - lengths)[:, None]] = 0
    y = (x[:, -10:].mean(1) > VOCAB / 2).astype(np.float32)[:, None]
    return x, y


class TorchModel(nn.Module):
    def __init__(self, masked):
        super().__init__()
        self.masked = masked
        self.embed = nn.Embedding(VOCAB, EMBED)
        self.lstm = nn.LSTM(EMBED, UNITS, batch_first=True)
        self.fc = nn.Linear(UNITS, 1)

    def forward(self, x):
        if not self.masked:
            _, (h, _) = self.lstm(self.embed(x))
            return self.fc(h[0])
        lengths = (x != 0).sum(1)
        t = torch.arange(x.shape[1], device=x.device)
        start = x.shape[1] - lengths
        x = x.gather(1, (t[None] + start[:, None]).clamp(max=x.shape[1] - 1))
        packed = pack_padded_sequence(self.embed(x), lengths.cpu(), batch_first=True,
                                      enforce_sorted=False)
        _, (h, _) = self.lstm(packed)
        return self.fc(h[0])


def torch_loop(x, y, batch_size, epochs, masked, device):
    torch.manual_seed(0)
    model = TorchModel(masked).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7, foreach=True)
    xt, yt = torch.from_numpy(x).to(device), torch.from_numpy(y).to(device)
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
            logits = model(xb)
            loss = F.binary_cross_entropy_with_logits(logits, yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            with torch.no_grad():
                loss_sum += loss.detach() * len(yb)
                correct += ((logits > 0).float() == yb).sum()
            steps += 1
        float(loss_sum), int(correct)  # read back once per epoch, as a progress line would
    return steps / (time.perf_counter() - start)


def tkeras_fit(x, y, batch_size, epochs, masked, device):
    import tkeras as keras
    from tkeras.layers import LSTM, Dense, Embedding

    torch.manual_seed(0)
    model = keras.Sequential([
        Embedding(VOCAB, EMBED, input_length=STEPS, mask_zero=masked),
        LSTM(UNITS),
        Dense(1, activation="sigmoid"),
    ])
    model.to(device)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3),
                  loss="binary_crossentropy", metrics=["accuracy"])
    steps = epochs * -(-len(x) // batch_size)
    _sync(device)
    start = time.perf_counter()
    model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0)
    _sync(device)
    return steps / (time.perf_counter() - start)


def _sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=4096)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = parser.parse_args()
    device = torch.device(args.device)
    print(f"torch {torch.__version__}, device {device}, threads {torch.get_num_threads()}, "
          f"samples {args.samples}, epochs {args.epochs}, batch {args.batch_size}, "
          f"best of {args.repeats}")
    print(f"{'variant':>9} {'torch steps/s':>14} {'tkeras steps/s':>15} {'ratio':>6}"
          f" {'ratios (each repeat)':>22}")
    for masked in (False, True):
        x, y = make_data(args.samples, masked)
        tkeras_fit(x[:256], y[:256], args.batch_size, 1, masked, device)  # warm-up
        torch_loop(x[:256], y[:256], args.batch_size, 1, masked, device)
        t_torch, t_tk = [], []
        for _ in range(args.repeats):  # interleave so machine noise hits both alike
            t_torch.append(torch_loop(x, y, args.batch_size, args.epochs, masked, device))
            t_tk.append(tkeras_fit(x, y, args.batch_size, args.epochs, masked, device))
        a, b = max(t_torch), max(t_tk)
        each = " ".join(f"{tk / to:.2f}" for to, tk in zip(t_torch, t_tk))
        name = "masked" if masked else "unmasked"
        print(f"{name:>9} {a:>14.1f} {b:>15.1f} {b / a:>6.3f} {each:>22}")


if __name__ == "__main__":
    main()
