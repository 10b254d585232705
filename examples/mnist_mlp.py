"""Trains the classic Keras MLP on MNIST-like digits, on PyTorch, offline.

This is Keras 2's `mnist_mlp.py` (Dense 512 - Dropout - Dense 512 - Dropout - Dense 10,
RMSprop, categorical crossentropy) with `import tkeras as keras`. There is no download:
the digits are drawn here, from pen strokes for "0" ... "9" that every image bends
differently (slant, rotation, size, position, wobbly strokes, pen width, ink) before
adding sensor noise. After training, the model is saved the PyTorch way
(`torch.save(model.state_dict(), path)`), reloaded into a freshly built model, and the
two models' predictions are compared.

    python examples/mnist_mlp.py                  # about 10 s on 2 CPU cores
    python examples/mnist_mlp.py --out /tmp/mlp.pt --epochs 3
"""
import argparse
import time

import numpy as np
import torch

import tkeras as keras
from tkeras.layers import Dense, Dropout
from tkeras.models import Sequential
from tkeras.optimizers import RMSprop

num_classes = 10
image_size = 28


# --------------------------------------------------------------------------- the data
def _arc(cx, cy, rx, ry, start, stop, n):
    """Points of an elliptic arc in glyph space (x right, y down, angles in degrees)."""
    t = np.radians(np.linspace(start, stop, n))
    return [(cx + rx * np.cos(a), cy + ry * np.sin(a)) for a in t]


# Each digit is a list of pen strokes (polylines) in a unit box, x right, y down.
_GLYPHS = {
    0: [_arc(0.5, 0.5, 0.45, 0.5, 0, 360, 17)],
    1: [[(0.25, 0.22), (0.55, 0.0), (0.55, 1.0)]],
    2: [_arc(0.5, 0.28, 0.42, 0.28, 190, 400, 8) + [(0.0, 1.0), (1.0, 1.0)]],
    3: [_arc(0.5, 0.26, 0.4, 0.26, 200, 450, 8), _arc(0.5, 0.75, 0.45, 0.25, 270, 520, 8)],
    4: [[(0.72, 1.0), (0.72, 0.0), (0.0, 0.68), (1.0, 0.68)]],
    5: [[(0.9, 0.0), (0.15, 0.0), (0.1, 0.45)] + _arc(0.5, 0.68, 0.45, 0.32, 225, 510, 9)],
    6: [[(0.8, 0.0), (0.4, 0.2), (0.08, 0.65)] + _arc(0.5, 0.72, 0.42, 0.28, 180, 540, 13)],
    7: [[(0.0, 0.0), (1.0, 0.0), (0.35, 1.0)]],
    8: [_arc(0.5, 0.24, 0.34, 0.24, 0, 360, 13), _arc(0.5, 0.74, 0.45, 0.26, 0, 360, 13)],
    9: [_arc(0.5, 0.3, 0.42, 0.3, 0, 360, 13), [(0.92, 0.3), (0.85, 1.0)]],
}


def _glyph_arrays(digit):
    """(points (P, 2), segment start indices, segment end indices) of one digit."""
    points, starts, ends = [], [], []
    for stroke in _GLYPHS[digit]:
        first = len(points)
        points.extend(stroke)
        starts.extend(range(first, len(points) - 1))
        ends.extend(range(first + 1, len(points)))
    return np.array(points, dtype=np.float32), np.array(starts), np.array(ends)


def _render(points, starts, ends, width, ink):
    """Anti-aliased strokes: ink where a pixel is within `width` px of a segment."""
    points = torch.from_numpy(points)
    grid = torch.stack(torch.meshgrid(torch.arange(image_size), torch.arange(image_size),
                                      indexing="xy"), -1)
    grid = grid.reshape(1, 1, -1, 2).float() + 0.5  # pixel centres (x, y)
    a = points[:, starts].unsqueeze(2)  # (n, segments, 1, 2)
    ab = points[:, ends].unsqueeze(2) - a
    ap = grid - a
    t = ((ap * ab).sum(-1) / (ab * ab).sum(-1).clamp_min(1e-6)).clamp(0, 1)
    dist = (ap - t.unsqueeze(-1) * ab).square().sum(-1).amin(dim=1).sqrt()
    width, ink = torch.from_numpy(width).float(), torch.from_numpy(ink).float()
    return (ink[:, None] * (width[:, None] + 0.5 - dist).clamp(0.0, 1.0)).numpy()


def make_digits(n, seed, noise=0.1):
    """`n` deterministic 28x28 float32 digit images in [0, 1] and their labels."""
    rng = np.random.RandomState(seed)
    labels = rng.randint(0, num_classes, size=n)
    images = np.zeros((n, image_size * image_size), dtype=np.float32)
    for digit in range(num_classes):
        idx = np.flatnonzero(labels == digit)
        base, starts, ends = _glyph_arrays(digit)
        for chunk in np.array_split(idx, max(1, len(idx) // 256)):
            m = len(chunk)
            pts = base[None] + rng.normal(0, 0.05, size=(m,) + base.shape)  # wobbly pen
            pts = (pts - 0.5) * np.array([11.0, 17.0])  # glyph box -> pixels, centred
            scale = rng.uniform(0.8, 1.15, size=(m, 1, 1))
            angle = np.radians(rng.uniform(-15, 15, size=m))
            slant = rng.uniform(-0.4, 0.4, size=m)
            cos, sin = np.cos(angle), np.sin(angle)
            # rotation @ shear, per image
            affine = np.stack([np.stack([cos, cos * slant - sin], -1),
                               np.stack([sin, sin * slant + cos], -1)], -2)
            pts = np.einsum("nij,npj->npi", affine, pts * scale)
            pts += 14.0 + rng.uniform(-3, 3, size=(m, 1, 2))
            width = rng.uniform(0.6, 1.8, size=m)
            ink = rng.uniform(0.6, 1.0, size=m)
            images[chunk] = _render(pts.astype(np.float32), starts, ends, width, ink)
    images += rng.normal(0, noise, size=images.shape).astype(np.float32)  # sensor noise
    return np.clip(images, 0.0, 1.0), labels


# --------------------------------------------------------------------------- the model
def build_model():
    model = Sequential()
    model.add(Dense(512, activation="relu", input_shape=(image_size * image_size,)))
    model.add(Dropout(0.2))
    model.add(Dense(512, activation="relu"))
    model.add(Dropout(0.2))
    model.add(Dense(num_classes, activation="softmax"))
    return model


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="mnist_mlp.pt",
                        help="where to save the trained weights (default: %(default)s)")
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--train-samples", type=int, default=12000)
    parser.add_argument("--test-samples", type=int, default=2000)
    args = parser.parse_args(argv)

    np.random.seed(1337)
    torch.manual_seed(1337)

    start = time.time()
    x_train, y_train = make_digits(args.train_samples, seed=1)
    x_test, y_test = make_digits(args.test_samples, seed=2)
    print(x_train.shape[0], "train samples")
    print(x_test.shape[0], "test samples")
    print("Generated the digits in %.1f s" % (time.time() - start))

    # convert class vectors to binary class matrices
    y_train = keras.utils.to_categorical(y_train, num_classes)
    y_test = keras.utils.to_categorical(y_test, num_classes)

    model = build_model()
    model.summary()
    model.compile(loss="categorical_crossentropy", optimizer=RMSprop(),
                  metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=args.batch_size, epochs=args.epochs,
              verbose=2, validation_data=(x_test, y_test))
    score = model.evaluate(x_test, y_test, verbose=0)
    print("Test loss:", score[0])
    print("Test accuracy:", score[1])

    # Save the PyTorch way, then load into a model built from scratch.
    torch.save(model.state_dict(), args.out)
    restored = build_model()
    restored.load_state_dict(torch.load(args.out))
    before = model.predict(x_test, batch_size=512)
    after = restored.predict(x_test, batch_size=512)
    max_diff = float(np.abs(before - after).max())
    print("Saved weights to %s; a fresh model loaded from it predicts the same: %s "
          "(max abs difference %.3g)" % (args.out, max_diff < 1e-6, max_diff))
    print("Total time: %.1f s" % (time.time() - start))


if __name__ == "__main__":
    main()
