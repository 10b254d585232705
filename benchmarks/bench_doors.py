"""What the layer doors cost: tkeras `fit` with the input checks of issue 9 on, and with
them switched off, on the same models and data in one run, alternating.

The doors check, before a kernel runs, what it assumes: RNN states, masks and stateful
batch sizes (`RNN._check_call_args`), convolution and pooling input sizes
(`_check_spatial`), Embedding index ranges (`_check_indices`, a min/max on CPU tensors)
and merge shapes. Switching them off here (replacing those methods with pass-throughs)
measures exactly their share of a training step.

    python benchmarks/bench_doors.py [--repeats 5] [--device cpu]

Models: the LSTM benchmark's Embedding(10000, 64) -> LSTM(64) -> Dense (with and without
`mask_zero`, batch 64, length 100) and the convnet benchmark's Conv/MaxPool stack (batch
128). Prints steps/s with and without doors and the ratio on / off (1.0 = free).
"""
import argparse
import contextlib
import statistics
import time

import numpy as np
import torch

import bench_convnet
import bench_lstm


@contextlib.contextmanager
def doors_off():
    """Replaces every door with a pass-through for the duration of the block."""
    from tkeras.layers import convolutional, embeddings, merge, pooling, recurrent

    patches = [
        (recurrent.RNN, "_check_call_args", lambda self, x, mask, states: (
            x if x.is_floating_point() else x.float(), mask, states)),
        (convolutional.Conv, "_check_spatial", lambda self, x, inputs: None),
        (pooling._Pooling, "_check_spatial", lambda self, x, inputs: None),
        (embeddings.Embedding, "_check_indices", lambda self, indices: None),
        (merge._Merge, "_check_call_shapes", lambda self, inputs: None),
    ]
    saved = [(cls, name, cls.__dict__[name]) for cls, name, _ in patches]
    for cls, name, fn in patches:
        setattr(cls, name, fn)
    try:
        yield
    finally:
        for cls, name, fn in saved:
            setattr(cls, name, fn)


def _lstm_fit(masked, samples, device):
    x, y = bench_lstm.make_data(samples, masked)
    return lambda: bench_lstm.tkeras_fit(x, y, 64, 1, masked, device)


def _convnet_fit(samples, device):
    x, y = bench_convnet.make_data(samples)
    return lambda: bench_convnet.tkeras_fit(x, y, 128, 1, device)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = parser.parse_args()
    device = torch.device(args.device)
    torch.set_num_threads(max(1, torch.get_num_threads()))
    cases = [
        ("Embedding -> LSTM, batch 64", _lstm_fit(False, 2048, device)),
        ("Embedding(mask_zero) -> LSTM, pre-padded", _lstm_fit(True, 2048, device)),
        ("Convnet 28x28, batch 128", _convnet_fit(2048, device)),
    ]
    print(f"device={device}, torch {torch.__version__}, threads={torch.get_num_threads()}")
    print(f"{'model':44s} {'doors on':>10s} {'doors off':>10s} {'on/off best':>12s} "
          f"{'median of pairs':>16s}")
    for name, run in cases:
        run()  # warm-up: first-call costs, allocator
        on, off = [], []
        for r in range(args.repeats):
            order = (True, False) if r % 2 == 0 else (False, True)
            for doors in order:
                if doors:
                    on.append(run())
                else:
                    with doors_off():
                        off.append(run())
        pairs = [a / b for a, b in zip(on, off)]
        print(f"{name:44s} {max(on):10.1f} {max(off):10.1f} {max(on) / max(off):12.3f} "
              f"{statistics.median(pairs):16.3f}")


if __name__ == "__main__":
    main()
