"""Reference numbers for merge layers, advanced activations and normalization layers from
real Keras 2 (tf-keras 2.21).

Run under the TensorFlow environment (not by pytest):

    /work/tfvenv/bin/python tests/layers/data/make_misc_layers.py

Writes `misc_layers.npz` next to this file. Each case `<name>` stores:

* `<name>/class` and `<name>/config`: the Keras class name and `get_config()` as JSON (after
  the call, so it is the config tf-keras saves);
* `<name>/x0`, `<name>/x1`, ...: the inputs; `<name>/m0`, ...: input masks (where given);
* `<name>/w0`, ...: the weights in Keras layout and order (seeded random values);
* `<name>/y`: the output; `<name>/mask`: the output mask (where Keras computes one);
* for training-mode BatchNormalization cases, `<name>/w_after0`, ...: the weights after the
  training-mode call (moving statistics updated).
"""
import inspect
import json
import os

import numpy as np
import tf_keras as keras

HERE = os.path.dirname(os.path.abspath(__file__))
RNG = np.random.RandomState(20240607)
OUT = {}


def rand(*shape, scale=1.0):
    return (RNG.randn(*shape) * scale).astype("float32")


def _to_json(obj):
    def default(o):
        if isinstance(o, np.ndarray):
            return o.tolist()
        if isinstance(o, np.generic):
            return o.item()
        if hasattr(o, "as_list"):
            return o.as_list()
        if type(o).__name__ == "ListWrapper":
            return list(o)
        raise TypeError(repr(o))

    return json.dumps(obj, default=default)


def case(name, layer, inputs, masks=None, weights=None, training=False, weight_fn=None):
    """Builds `layer` on `inputs`, sets seeded weights, records the output."""
    if not isinstance(inputs, list):
        inputs = [inputs]
    call_in = inputs if len(inputs) > 1 or isinstance(layer, _MERGES) else inputs[0]
    layer(call_in)  # build
    if weights is None:
        weights = [weight_fn(w.shape) if weight_fn else rand(*w.shape)
                   for w in layer.get_weights()]
    layer.set_weights(weights)
    kwargs = {"training": training}
    if masks is not None:
        kwargs["mask"] = [None if m is None else keras.backend.constant(m, "bool")
                          for m in masks]
        if not isinstance(call_in, list):
            kwargs["mask"] = kwargs["mask"][0]
    call_kwargs = {k: v for k, v in kwargs.items()
                   if k in inspect.signature(layer.call).parameters}
    y = layer(call_in, **call_kwargs)
    OUT[f"{name}/class"] = np.array(type(layer).__name__)
    OUT[f"{name}/config"] = np.array(_to_json(layer.get_config()))
    for i, x in enumerate(inputs):
        OUT[f"{name}/x{i}"] = x
    for i, w in enumerate(weights):
        OUT[f"{name}/w{i}"] = np.asarray(w, "float32")
    OUT[f"{name}/y"] = np.asarray(y)
    if masks is not None:
        for i, m in enumerate(masks):
            if m is not None:
                OUT[f"{name}/m{i}"] = m
        tensors = [keras.backend.constant(x) for x in inputs]
        out_mask = layer.compute_mask(tensors if isinstance(call_in, list) else tensors[0],
                                      kwargs["mask"])
        if out_mask is not None:
            OUT[f"{name}/mask"] = np.asarray(out_mask)
    if training and layer.weights:
        for i, w in enumerate(layer.get_weights()):
            OUT[f"{name}/w_after{i}"] = w


L = keras.layers
_MERGES = (L.Add, L.Subtract, L.Multiply, L.Average, L.Maximum, L.Minimum, L.Concatenate,
           L.Dot)

# ---------------------------------------------------------------- merge
case("add_two", L.Add(), [rand(4, 3, 5), rand(4, 3, 5)])
case("add_three", L.Add(), [rand(4, 6), rand(4, 6), rand(4, 6)])
case("add_different_ranks", L.Add(), [rand(4, 5), rand(4, 3, 5)])
case("add_broadcast_dims", L.Add(), [rand(4, 1, 5), rand(4, 3, 5)])
case("subtract", L.Subtract(), [rand(4, 6), rand(4, 6)])
case("subtract_different_ranks", L.Subtract(), [rand(4, 2, 3, 6), rand(4, 6)])
case("multiply_three", L.Multiply(), [rand(4, 6), rand(4, 6), rand(4, 6)])
case("average_three", L.Average(), [rand(4, 2, 6), rand(4, 2, 6), rand(4, 1, 6)])
case("maximum", L.Maximum(), [rand(4, 6), rand(4, 6), rand(4, 6)])
case("minimum", L.Minimum(), [rand(4, 3, 6), rand(4, 6)])
case("concatenate_last", L.Concatenate(), [rand(4, 3, 2), rand(4, 3, 5)])
case("concatenate_axis1", L.Concatenate(axis=1), [rand(4, 3, 2), rand(4, 1, 2), rand(4, 2, 2)])
case("concatenate_axis_minus2", L.Concatenate(axis=-2), [rand(2, 3, 2, 4), rand(2, 3, 5, 4)])
case("dot_axes1", L.Dot(axes=1), [rand(4, 6), rand(4, 6)])
case("dot_normalize", L.Dot(axes=-1, normalize=True), [rand(4, 6), rand(4, 6)])
case("dot_3d_pair_axes", L.Dot(axes=(1, 2)), [rand(4, 5, 3), rand(4, 2, 5)])
case("dot_3d_last", L.Dot(axes=2), [rand(4, 5, 3), rand(4, 2, 3)])
case("dot_2d_3d", L.Dot(axes=(1, 2)), [rand(4, 3), rand(4, 5, 3)])
case("dot_3d_2d_normalize", L.Dot(axes=(1, 1), normalize=True), [rand(4, 5, 3), rand(4, 5)])
case("dot_4d_3d", L.Dot(axes=(2, 1)), [rand(2, 3, 4, 5), rand(2, 4, 6)])

mask_a = np.array([[1, 1, 0], [1, 0, 0]], bool)
mask_b = np.array([[1, 0, 1], [1, 1, 1]], bool)
case("add_masks", L.Add(), [rand(2, 3, 4), rand(2, 3, 4)], masks=[mask_a, mask_b])
case("add_one_mask", L.Add(), [rand(2, 3, 4), rand(2, 3, 4)], masks=[mask_a, None])
case("concatenate_masks_last", L.Concatenate(), [rand(2, 3, 4), rand(2, 3, 2)],
     masks=[mask_a, None])
case("concatenate_masks_axis1", L.Concatenate(axis=1), [rand(2, 3, 4), rand(2, 3, 4)],
     masks=[mask_a, mask_b])

# ---------------------------------------------------------------- advanced activations
case("leaky_relu_default", L.LeakyReLU(), rand(3, 7))
case("leaky_relu_alpha", L.LeakyReLU(alpha=0.1), rand(3, 2, 7))
case("prelu_full", L.PReLU(), rand(3, 4, 5))
case("prelu_shared_axes", L.PReLU(shared_axes=[1, 2]), rand(2, 3, 4, 5))
case("prelu_shared_int", L.PReLU(shared_axes=1), rand(2, 4, 5))
case("elu_default", L.ELU(), rand(3, 7))
case("elu_alpha", L.ELU(alpha=0.5), rand(3, 7))
case("thresholded_relu", L.ThresholdedReLU(theta=0.7), rand(3, 7))
case("softmax_last", L.Softmax(), rand(3, 7))
case("softmax_axis1", L.Softmax(axis=1), rand(3, 4, 5))
case("softmax_axes_list", L.Softmax(axis=[1, 2]), rand(3, 4, 5))
case("softmax_mask", L.Softmax(), rand(2, 3), masks=[np.array([[1, 1, 0], [1, 0, 1]], bool)])
case("relu_default", L.ReLU(), rand(3, 7))
case("relu6", L.ReLU(max_value=6.0), rand(3, 7, scale=5.0))
case("relu_max_slope_threshold",
     L.ReLU(max_value=2.5, negative_slope=0.1, threshold=0.5), rand(3, 7, scale=2.0))
case("relu_negative_slope", L.ReLU(negative_slope=0.2), rand(3, 7))
case("relu_threshold", L.ReLU(threshold=0.3), rand(3, 7))

# ---------------------------------------------------------------- LayerNormalization
case("layer_norm_last", L.LayerNormalization(), rand(3, 4, 6, scale=3.0))
case("layer_norm_axis_list_fixture", L.LayerNormalization(axis=[1]), rand(5, 16))
case("layer_norm_two_trailing", L.LayerNormalization(axis=[1, 2]), rand(3, 4, 6) + 2)
case("layer_norm_inner_axis", L.LayerNormalization(axis=1), rand(3, 4, 6))
case("layer_norm_unsorted_axes", L.LayerNormalization(axis=[2, 1]), rand(3, 4, 6))
case("layer_norm_small_epsilon", L.LayerNormalization(epsilon=1e-6), rand(2, 3, 4, 5))
case("layer_norm_no_center", L.LayerNormalization(center=False), rand(3, 6))
case("layer_norm_no_scale", L.LayerNormalization(scale=False, axis=(1, 3)), rand(2, 3, 4, 5))

# ---------------------------------------------------------------- BatchNormalization
def var_init(shape):
    return (RNG.rand(*shape) + 0.5).astype("float32")


def bn_weights(shape, n_trainable):
    ws = [rand(*shape) for _ in range(n_trainable)] + [rand(*shape), var_init(shape)]
    return ws


case("batch_norm_inference", L.BatchNormalization(), rand(4, 6),
     weights=bn_weights((6,), 2))
case("batch_norm_inference_axis1_4d", L.BatchNormalization(axis=1), rand(2, 3, 4, 5),
     weights=bn_weights((3,), 2))
case("batch_norm_train_2d", L.BatchNormalization(momentum=0.9), rand(8, 5) + 1,
     weights=bn_weights((5,), 2), training=True)
case("batch_norm_train_3d_axis1", L.BatchNormalization(axis=1), rand(4, 3, 5),
     weights=bn_weights((3,), 2), training=True)
case("batch_norm_train_4d_fused", L.BatchNormalization(momentum=0.8), rand(2, 3, 4, 5),
     weights=bn_weights((5,), 2), training=True)
case("batch_norm_train_4d_channels_first", L.BatchNormalization(axis=1, scale=False),
     rand(2, 3, 4, 5), weights=bn_weights((3,), 1), training=True)
case("batch_norm_train_5d", L.BatchNormalization(center=False, epsilon=1e-5),
     rand(2, 2, 3, 2, 4), weights=bn_weights((4,), 1), training=True)

np.savez_compressed(os.path.join(HERE, "misc_layers.npz"), **OUT)
print(f"{len({k.split('/')[0] for k in OUT})} cases, "
      f"{os.path.getsize(os.path.join(HERE, 'misc_layers.npz'))} bytes")
