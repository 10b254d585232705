"""Reference data for `tests/saving/test_applications.py`: tf-keras 2.21 application
architectures, with weights drawn from a seeded RNG (so BatchNormalization moving
statistics, biases and Normalization layers are all exercised), and their inference
outputs. Run under the TensorFlow environment:

    /work/tfenv/bin/python tests/saving/data/make_applications.py [--out DIR] [--only A,B]

For each architecture it writes, under `applications/`:

- small ones (``"h5"``): ``<key>.h5`` saved with ``model.save`` plus ``<key>.npz``;
- large ones (``"json"``): ``<key>.json.gz`` (``model.to_json()``) plus ``<key>.npz``.

The npz holds the input ``x``, the output ``y`` of ``model(x, training=False)``, and the
Keras weight names in ``model.weights`` order.  The weights of a ``"json"`` architecture
are not stored: `seeded_weights` rebuilds them from their names and shapes, so this
module must stay importable without TensorFlow (tf_keras is imported in `main`).
"""
import argparse
import gzip
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 1234

# key: (constructor, keyword arguments, input side, input range, storage)
# "raw" inputs are 0..255 images for models that preprocess inside; "unit" is -1..1.
ARCHITECTURES = {
    "vgg16": ("VGG16", dict(classes=10), 32, "unit", "json"),
    "resnet50": ("ResNet50", dict(classes=10), 64, "unit", "json"),
    "resnet50_avg": ("ResNet50", dict(include_top=False, pooling="avg"), 64, "unit", "json"),
    "resnet50v2": ("ResNet50V2", dict(classes=10), 64, "unit", "json"),
    "resnetrs50": ("ResNetRS50", dict(classes=10), 64, "raw", "json"),
    "inceptionv3": ("InceptionV3", dict(classes=10), 75, "unit", "json"),
    "inceptionresnetv2": ("InceptionResNetV2", dict(classes=10), 75, "unit", "json"),
    "xception": ("Xception", dict(classes=10), 71, "unit", "json"),
    "mobilenet": ("MobileNet", dict(alpha=0.25, classes=10), 64, "unit", "h5"),
    "mobilenetv2": ("MobileNetV2", dict(alpha=0.35, classes=10), 64, "unit", "h5"),
    "mobilenetv2_avg": ("MobileNetV2", dict(alpha=0.35, include_top=False, pooling="avg"),
                        64, "unit", "json"),
    "mobilenetv3small": ("MobileNetV3Small", dict(classes=10), 64, "raw", "json"),
    "mobilenetv3small_avg": ("MobileNetV3Small", dict(alpha=0.75, include_top=False,
                                                      pooling="avg"), 64, "raw", "h5"),
    "mobilenetv3small_min": ("MobileNetV3Small", dict(minimalistic=True, classes=10), 64,
                             "raw", "json"),
    "mobilenetv3large": ("MobileNetV3Large", dict(classes=10), 64, "raw", "json"),
    "densenet121": ("DenseNet121", dict(classes=10), 64, "unit", "json"),
    "densenet121_max": ("DenseNet121", dict(include_top=False, pooling="max"), 64, "unit",
                        "json"),
    "nasnetmobile": ("NASNetMobile", dict(classes=10), 64, "unit", "json"),
    "efficientnetb0": ("EfficientNetB0", dict(classes=10), 64, "raw", "json"),
    "efficientnetv2b0": ("EfficientNetV2B0", dict(classes=10), 64, "raw", "json"),
    "convnexttiny": ("ConvNeXtTiny", dict(classes=10), 32, "raw", "json"),
    "regnetx002": ("RegNetX002", dict(classes=10), 64, "raw", "json"),
    "regnety002": ("RegNetY002", dict(classes=10), 64, "raw", "json"),
    # Not an application: TensorFlow functions applied to symbolic tensors (TFOpLambda,
    # SlicingOpLambda layers), beyond the few the applications use.
    "tf_ops": ("tf_ops", {}, 6, "unit", "h5"),
}


def seeded_weights(names, shapes, dtypes, seed=SEED):
    """Weights for an architecture from its Keras weight names and shapes.

    Scales keep activations finite through deep networks: kernels have variance
    1/fan_in, BatchNormalization gamma, moving_variance and Normalization variance lie
    in [0.5, 1.5], other vectors (biases, betas, moving means) are small.  Integer
    weights (a Normalization `count`) are zero.
    """
    rng = np.random.RandomState(seed)
    out = []
    for name, shape, dtype in zip(names, shapes, dtypes):
        shape = tuple(int(s) for s in shape)
        size = int(np.prod(shape)) if shape else 1
        leaf = str(name).split("/")[-1].split(":")[0]
        u = rng.random_sample(size).reshape(shape)  # in [0, 1)
        if np.dtype(dtype).kind in "iu":
            value = np.zeros(shape)
        elif leaf in ("gamma", "moving_variance", "variance"):
            value = 0.5 + u
        elif len(shape) >= 2:
            if leaf == "depthwise_kernel":
                fan_in = int(np.prod(shape[:-2]))
            else:
                fan_in = int(np.prod(shape[:-1]))
            value = (2 * u - 1) * np.sqrt(3.0 / max(fan_in, 1))
        else:
            value = (2 * u - 1) * 0.2
            if "layer_scale" in str(name) or "gamma" in leaf:
                value = 0.5 + u
        out.append(value.astype(dtype))
    return out


def model_input(side, kind, batch=2, seed=SEED):
    rng = np.random.RandomState(seed + 1)
    x = rng.random_sample((batch, side, side, 3))
    x = x * 255.0 if kind == "raw" else 2 * x - 1
    return x.astype("float32")


def tf_ops_model(keras):
    import tensorflow as tf

    x = keras.Input((6, 6, 3))
    h = keras.layers.Conv2D(4, 3)(x)
    y = h[:, 1:3, ..., ::2] * 0.5
    z = tf.reshape(y, (-1, 2 * 4 * 2))
    z = tf.nn.relu6(z * 10.0) / 2.0 - h[:, 0, 0, 0:1]
    w = tf.concat([z, z * 2, tf.math.maximum(z, 0.1)], axis=-1)
    w = tf.math.reduce_mean(w, axis=1, keepdims=True) + 1.0
    v = tf.transpose(h, perm=[0, 3, 1, 2])
    u = tf.nn.silu(v) + tf.math.sigmoid(v) - (-v) ** 2 + tf.nn.gelu(v)
    u = tf.math.reduce_sum(tf.nn.softmax(u, axis=-1), axis=[2, 3])
    s = tf.math.l2_normalize(tf.expand_dims(u, 1), axis=-1)
    return keras.Model(x, [w, tf.squeeze(s, axis=1), tf.math.rsqrt(tf.math.square(u) + 1.0)])


def build(keras, key):
    ctor, kwargs, side, _, _ = ARCHITECTURES[key]
    if ctor == "tf_ops":
        return tf_ops_model(keras)
    kwargs = dict(kwargs)
    if kwargs.get("include_top", True):
        kwargs["classifier_activation"] = None  # logits: differences are not squashed
    return getattr(keras.applications, ctor)(weights=None, input_shape=(side, side, 3),
                                             **kwargs)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=os.path.join(HERE, "applications"))
    parser.add_argument("--only", default="")
    parser.add_argument("--all", action="store_true",
                        help="also architectures that are not committed; h5 for every one")
    args = parser.parse_args()
    import tf_keras as keras

    os.makedirs(args.out, exist_ok=True)
    keys = [k for k in ARCHITECTURES if not args.only or k in args.only.split(",")]
    for key in keys:
        _, _, side, kind, storage = ARCHITECTURES[key]
        if storage is None and not args.all:
            continue
        keras.backend.clear_session()
        model = build(keras, key)
        names = [w.name for w in model.weights]
        model.set_weights(seeded_weights(names, [w.shape for w in model.weights],
                                         [w.dtype.name for w in model.weights]))
        x = model_input(side, kind)
        y = model(x, training=False)
        ys = [t.numpy() for t in y] if isinstance(y, (list, tuple)) else [y.numpy()]
        np.savez_compressed(os.path.join(args.out, key + ".npz"), x=x,
                            **{f"y{i}" if len(ys) > 1 else "y": t for i, t in enumerate(ys)},
                            weight_names=np.array(names))
        if storage == "h5" or args.all:
            model.save(os.path.join(args.out, key + ".h5"))
        if storage == "json" or args.all:
            with gzip.open(os.path.join(args.out, key + ".json.gz"), "wt") as f:
                f.write(model.to_json())
        print(key, model.count_params(), [float(np.abs(t).max()) for t in ys], flush=True)


if __name__ == "__main__":
    main()
