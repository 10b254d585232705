"""`ImageDataGenerator.flow` augmentation throughput: tkeras against real Keras 2
(keras_preprocessing 1.1.2, what Keras 2.3.1 runs), side by side on the same images.

Work: 2,048 (`--images`) random 32x32x3 float images, `rotation_range=20, width_shift_range=0.1,
height_shift_range=0.1, horizontal_flip=True`, batches of 32.

* `workers=1`: iterating `datagen.flow(x, y, batch_size=32)` in the main process, on
  both sides (images/s, best of `--repeats`).
* scaling: tkeras's `fit` on the same flow (a linear model on top, negligible next to
  the augmentation; torch on one thread) with `workers=1, 2, ...` up to the machine's
  cores, loading with `torch.utils.data` worker processes.

    python benchmarks/bench_image.py --keras-python /path/to/venv/bin/python

`--keras-python`: a Python with keras-preprocessing==1.1.2, scipy, Pillow and numpy<2.
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

N, BATCH = 2048, 32  # N: --images
AUGMENT = dict(rotation_range=20, width_shift_range=0.1, height_shift_range=0.1,
               horizontal_flip=True)


def make_data():
    rng = np.random.RandomState(0)
    return rng.rand(N, 32, 32, 3).astype("float32"), rng.randint(0, 10, N)


def iterate(ImageDataGenerator, repeats):
    x, y = make_data()
    best = float("inf")
    for _ in range(repeats):
        flow = ImageDataGenerator(**AUGMENT).flow(x, y, batch_size=BATCH, seed=1)
        start = time.perf_counter()
        for i in range(len(flow)):
            flow[i]
        best = min(best, time.perf_counter() - start)
    return N / best


def fit_throughput(workers, repeats):
    import torch

    import tkeras as keras
    from tkeras.preprocessing.image import ImageDataGenerator

    torch.set_num_threads(1)  # the model is tiny: leave the cores to the loaders

    x, y = make_data()
    model = keras.Sequential([keras.layers.Flatten(input_shape=(32, 32, 3)),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy")
    best = float("inf")
    for _ in range(repeats):
        flow = ImageDataGenerator(**AUGMENT).flow(x, y, batch_size=BATCH, seed=1)
        start = time.perf_counter()
        model.fit(flow, epochs=1, workers=workers, use_multiprocessing=workers > 1,
                  verbose=0)
        best = min(best, time.perf_counter() - start)
    return N / best


_KERAS_SIDE = """
import json, sys
sys.path.insert(0, {bench_dir!r})
import bench_image
bench_image.N = {images}
from keras_preprocessing.image import ImageDataGenerator
print(json.dumps(bench_image.iterate(ImageDataGenerator, {repeats})))
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--keras-python", default=None)
    parser.add_argument("--images", type=int, default=N,
                        help="images per epoch (more amortizes the workers' start-up)")
    args = parser.parse_args()
    globals()["N"] = args.images
    from tkeras.preprocessing.image import ImageDataGenerator

    ours = iterate(ImageDataGenerator, args.repeats)
    keras = float("nan")
    if args.keras_python:
        code = _KERAS_SIDE.format(bench_dir=os.path.dirname(os.path.abspath(__file__)),
                                  repeats=args.repeats, images=args.images)
        out = subprocess.run([args.keras_python, "-c", code], capture_output=True,
                             text=True, check=True).stdout
        keras = json.loads(out.strip().splitlines()[-1])
    print(f"flow, workers=1: tkeras {ours:8.0f} images/s, Keras 2 {keras:8.0f} images/s, "
          f"ratio tkeras/Keras {ours / keras:.2f}")
    for workers in range(1, (os.cpu_count() or 1) + 1):
        print(f"fit on the flow, workers={workers}: "
              f"{fit_throughput(workers, args.repeats):8.0f} images/s")


if __name__ == "__main__":
    sys.exit(main())
