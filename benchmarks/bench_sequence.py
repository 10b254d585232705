"""tkeras `fit` fed from arrays vs a `keras.utils.Sequence` vs a Python generator.

Same MLP, data and optimizer as `bench_mlp.py` (784-256-256-10, Adam, sparse categorical
crossentropy + accuracy), batch 32, no shuffling on any side (so all three see the same
batches). The Sequence and the generator return numpy batches sliced from the same
arrays; every batch goes through tkeras's per-batch checks and conversion.

    python benchmarks/bench_sequence.py [--samples 16384] [--epochs 3] [--repeats 3]

Prints steps/s (best of the repeats) and the ratios to arrays (1.0 = as fast as arrays;
the target is >= 0.9). Runs are interleaved so machine noise hits every side alike.
"""
import argparse
import time

import numpy as np
import torch

from bench_mlp import make_data


def make_model():
    import tkeras as keras
    from tkeras.layers import Dense

    torch.manual_seed(0)
    model = keras.Sequential([
        Dense(256, activation="relu", input_shape=(784,)),
        Dense(256, activation="relu"),
        Dense(10, activation="softmax"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def make_sequence(x, y, batch_size):
    from tkeras.utils import Sequence

    class Batches(Sequence):
        def __len__(self):
            return -(-len(x) // batch_size)

        def __getitem__(self, i):
            return x[i * batch_size:(i + 1) * batch_size], y[i * batch_size:(i + 1) * batch_size]

    return Batches()


def endless(x, y, batch_size):
    while True:
        for i in range(0, len(x), batch_size):
            yield x[i:i + batch_size], y[i:i + batch_size]


def run(kind, x, y, batch_size, epochs):
    model = make_model()
    steps = -(-len(x) // batch_size)
    start = time.perf_counter()
    if kind == "arrays":
        model.fit(x, y, batch_size=batch_size, epochs=epochs, shuffle=False, verbose=0)
    elif kind == "sequence":
        model.fit(make_sequence(x, y, batch_size), epochs=epochs, shuffle=False, verbose=0)
    else:
        model.fit(endless(x, y, batch_size), steps_per_epoch=steps, epochs=epochs, verbose=0)
    return epochs * steps / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=16384)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args()
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, samples "
          f"{args.samples}, epochs {args.epochs}, batch {args.batch_size}, "
          f"best of {args.repeats}")
    x, y = make_data(args.samples)
    kinds = ("arrays", "sequence", "generator")
    for kind in kinds:  # warm-up
        run(kind, x[:1024], y[:1024], args.batch_size, 1)
    results = {k: [] for k in kinds}
    for _ in range(args.repeats):
        for kind in kinds:
            results[kind].append(run(kind, x, y, args.batch_size, args.epochs))
    best = {k: max(v) for k, v in results.items()}
    print(f"{'feed':>10} {'steps/s':>10} {'vs arrays':>10} {'median paired':>14}")
    for kind in kinds:
        paired = sorted(s / a for s, a in zip(results[kind], results["arrays"]))
        print(f"{kind:>10} {best[kind]:>10.1f} {best[kind] / best['arrays']:>10.3f} "
              f"{paired[len(paired) // 2]:>14.3f}")


if __name__ == "__main__":
    main()
