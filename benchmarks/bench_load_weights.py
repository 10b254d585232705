"""tkeras `load_weights` vs reading the same arrays with plain h5py.

Model: an InceptionV3-sized functional convnet (~23M float32 parameters, >= 90 MB on disk):
a stem and stages of Conv2D(use_bias=False) + BatchNormalization(scale=False) + ReLU blocks
(1x1 and 3x3, as InceptionV3) with max-pooling between stages, global average pooling and a
Dense(1000) head. The benchmark writes the weights itself with `model.save_weights(path)`
(Keras 2 HDF5 layout), then compares

    model.load_weights(path)                                   (topological load)
    [np.asarray(ds) for ds in <every weight dataset, file order>]   (plain h5py)

    python benchmarks/bench_load_weights.py [--repeats 5] [--path /tmp/x.h5] [--threads N] [--profile]

Prints the file size, the best time of each side, the ratio of the bests and the median of
the per-repeat ratios (the repeats alternate h5py/tkeras, so a slow spell of the machine
hits both sides of a pair); target <= 1.5.
`--profile` adds a cProfile listing of one `load_weights` call.
"""
import argparse
import cProfile
import os
import pstats
import tempfile
import time

import h5py
import numpy as np
import torch

# (filters, number of conv blocks) per stage; blocks alternate 1x1 and 3x3 convolutions.
STAGES = [(64, 6), (128, 10), (192, 16), (256, 20), (384, 20), (576, 12)]


def build_model(input_size=75):
    import tkeras as keras
    from tkeras import layers

    def conv_bn(x, filters, kernel, strides=1):
        x = layers.Conv2D(filters, kernel, strides=strides, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization(scale=False)(x)
        return layers.Activation("relu")(x)

    inputs = keras.Input((input_size, input_size, 3))
    x = conv_bn(inputs, 32, 3, strides=2)
    x = conv_bn(x, 32, 3)
    for stage, (filters, blocks) in enumerate(STAGES):
        for i in range(blocks):
            x = conv_bn(x, filters if i % 2 else filters // 2, 1 if i % 2 == 0 else 3)
        if stage < len(STAGES) - 1:
            x = layers.MaxPooling2D(3, strides=2, padding="same")(x)
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(1000, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="inception_sized")


def _decode(values):
    return [v.decode("utf8") if isinstance(v, bytes) else str(v) for v in values]


def read_plain_h5py(path):
    with h5py.File(path, "r") as f:
        root = f["model_weights"] if "layer_names" not in f.attrs else f
        arrays = []
        for layer_name in _decode(root.attrs["layer_names"]):
            group = root[layer_name]
            for weight_name in _decode(group.attrs["weight_names"]):
                arrays.append(np.asarray(group[weight_name]))
        return arrays


def paired_times(load, path, repeats):
    t_h5, t_tk = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        read_plain_h5py(path)
        t_h5.append(time.perf_counter() - start)
        start = time.perf_counter()
        load(path)
        t_tk.append(time.perf_counter() - start)
    return t_h5, t_tk


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--path", default=None,
                        help="weights file to write (default: a temporary file)")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch.set_num_threads(N) first (default: torch's choice)")
    parser.add_argument("--profile", action="store_true",
                        help="print a cProfile listing of one load_weights call")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    model = build_model()
    n_params = sum(int(np.prod(w.shape)) for w in model.weights)
    tmpdir = None
    path = args.path
    if path is None:
        tmpdir = tempfile.TemporaryDirectory()
        path = os.path.join(tmpdir.name, "inception_sized_weights.h5")
    model.save_weights(path)
    size_mb = os.path.getsize(path) / 1e6
    print(f"torch {torch.__version__}, h5py {h5py.__version__}, threads "
          f"{torch.get_num_threads()}, best of {args.repeats}")
    print(f"model: {len(model.layers)} layers, {len(model.weights)} weights, "
          f"{n_params / 1e6:.1f}M params; file {size_mb:.1f} MB")

    load = model.load_weights
    expected = [w.copy() for w in model.get_weights()]
    model.set_weights([np.zeros_like(w) for w in expected])
    read_plain_h5py(path)  # warm-up: page cache, h5py/tkeras first-call costs
    load(path)
    for got, want in zip(model.get_weights(), expected):
        if not np.array_equal(got, want):
            raise SystemExit("load_weights did not restore the saved weights")

    t_h5, t_tk = paired_times(load, path, args.repeats)
    h5, tk = min(t_h5), min(t_tk)
    paired = sorted(k / h for k, h in zip(t_tk, t_h5))
    print(f"{'plain h5py (ms)':>16} {'load_weights (ms)':>18} {'best ratio':>11} "
          f"{'median paired ratio':>20} {'target':>7}")
    print(f"{h5 * 1e3:>16.1f} {tk * 1e3:>18.1f} {tk / h5:>11.2f} "
          f"{paired[len(paired) // 2]:>20.2f} {'<= 1.5':>7}")

    if args.profile:
        profiler = cProfile.Profile()
        profiler.runcall(load, path)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    if tmpdir is not None:
        tmpdir.cleanup()


if __name__ == "__main__":
    main()
