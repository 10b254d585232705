"""Reference data for the per-layer contract test (`tests/layers/test_layer_contract.py`):
one or more cases for every layer that Keras 2 documents, produced by real Keras 2
(tf-keras 2.21).

Run under the TensorFlow environment (not by pytest):

    /work/tfenv/bin/python tests/layers/data/make_layer_contract.py

Writes `layer_contract.npz` next to this file. Each case `<name>` stores:

* `<name>/class`: the Keras class name;
* `<name>/kwargs`: the constructor arguments the case passes (JSON; a nested layer is a
  `{"__layer__": serialized}` entry), so the test can rebuild it with our defaults;
* `<name>/config`: tf-keras's `get_config()` after the call (what Keras 2 saves);
* `<name>/x0`, `<name>/x1`, ...: the inputs (a list for merge layers);
* `<name>/w0`, ...: the weights in Keras layout and order (seeded values), and
  `<name>/wnames`: their names without the layer prefix (JSON list);
* `<name>/y0`, `<name>/y1`, ...: the inference outputs (several for `return_state`).
"""
import copy
import json
import os

import numpy as np
import tf_keras as keras

HERE = os.path.dirname(os.path.abspath(__file__))
RNG = np.random.RandomState(20240611)
OUT = {}
L = keras.layers


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


def _make(cls_name, kwargs):
    real = {}
    for key, value in kwargs.items():
        if isinstance(value, dict) and "__layer__" in value:
            value = L.deserialize(copy.deepcopy(value["__layer__"]))  # it pops keys
        elif isinstance(value, list) and value and isinstance(value[0], dict) \
                and "__layer__" in value[0]:
            value = [L.deserialize(copy.deepcopy(v["__layer__"])) for v in value]
        real[key] = value
    return getattr(L, cls_name)(**real)


def nested(cls_name, **kwargs):
    return {"__layer__": {"class_name": cls_name, "config": kwargs}}


def case(name, cls_name, kwargs, inputs, scale=0.5):
    layer = _make(cls_name, kwargs)
    call_in = inputs if isinstance(inputs, list) else inputs
    layer(call_in)  # build
    weights = [rand(*w.shape, scale=scale) for w in layer.get_weights()]
    if cls_name == "BatchNormalization":  # moving variance must be positive
        weights = [np.abs(w) + 0.5 if i == len(weights) - 1 else w
                   for i, w in enumerate(weights)]
    layer.set_weights(weights)
    y = layer(call_in, training=False)
    ys = y if isinstance(y, (list, tuple)) else [y]
    OUT[f"{name}/class"] = np.array(cls_name)
    OUT[f"{name}/kwargs"] = np.array(_to_json(kwargs))
    OUT[f"{name}/config"] = np.array(_to_json(layer.get_config()))
    for i, x in enumerate(inputs if isinstance(inputs, list) else [inputs]):
        OUT[f"{name}/x{i}"] = x
    for i, w in enumerate(weights):
        OUT[f"{name}/w{i}"] = w
    OUT[f"{name}/wnames"] = np.array(json.dumps(
        [w.name.split("/")[-1] for w in layer.weights]))
    for i, out in enumerate(ys):
        OUT[f"{name}/y{i}"] = np.asarray(out)


def main():
    x3, x4, x5 = rand(2, 7, 3), rand(2, 6, 5, 3), rand(2, 5, 4, 6, 2)

    # convolution
    case("Conv1D", "Conv1D", {"filters": 4, "kernel_size": 3}, x3)
    case("Conv1D_cf", "Conv1D", {"filters": 4, "kernel_size": 3, "padding": "same",
                                 "data_format": "channels_first"}, x3)
    case("Conv2D", "Conv2D", {"filters": 4, "kernel_size": 3}, x4)
    case("Conv2D_cf", "Conv2D", {"filters": 2, "kernel_size": 2, "strides": 2,
                                 "padding": "same", "data_format": "channels_first"}, x4)
    case("Conv3D", "Conv3D", {"filters": 3, "kernel_size": 2}, x5)
    case("Conv3D_cf", "Conv3D", {"filters": 3, "kernel_size": 2,
                                 "data_format": "channels_first"}, x5)
    case("Conv1DTranspose", "Conv1DTranspose", {"filters": 2, "kernel_size": 3}, x3)
    case("Conv2DTranspose", "Conv2DTranspose", {"filters": 2, "kernel_size": 3}, x4)
    case("Conv2DTranspose_cf", "Conv2DTranspose",
         {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same",
          "data_format": "channels_first"}, x4)
    case("Conv3DTranspose", "Conv3DTranspose", {"filters": 2, "kernel_size": 2}, x5)
    case("Conv3DTranspose_cf", "Conv3DTranspose",
         {"filters": 2, "kernel_size": 2, "strides": 2, "data_format": "channels_first"}, x5)
    case("SeparableConv1D", "SeparableConv1D", {"filters": 3, "kernel_size": 3}, x3)
    case("SeparableConv1D_cf", "SeparableConv1D",
         {"filters": 3, "kernel_size": 2, "depth_multiplier": 2,
          "data_format": "channels_first"}, x3)
    case("SeparableConv2D", "SeparableConv2D", {"filters": 3, "kernel_size": 3}, x4)
    case("SeparableConv2D_cf", "SeparableConv2D",
         {"filters": 3, "kernel_size": 2, "data_format": "channels_first"}, x4)
    case("DepthwiseConv1D", "DepthwiseConv1D", {"kernel_size": 3}, x3)
    case("DepthwiseConv2D", "DepthwiseConv2D", {"kernel_size": 3}, x4)
    case("DepthwiseConv2D_cf", "DepthwiseConv2D",
         {"kernel_size": 2, "depth_multiplier": 2, "data_format": "channels_first"}, x4)

    # resampling and shape
    case("UpSampling1D", "UpSampling1D", {}, x3)
    case("UpSampling2D", "UpSampling2D", {}, x4)
    case("UpSampling2D_bilinear", "UpSampling2D", {"interpolation": "bilinear"}, x4)
    case("UpSampling2D_bilinear_cf", "UpSampling2D",
         {"size": (2, 3), "interpolation": "bilinear", "data_format": "channels_first"}, x4)
    case("UpSampling3D", "UpSampling3D", {}, x5)
    case("UpSampling3D_cf", "UpSampling3D", {"size": (1, 2, 2),
                                             "data_format": "channels_first"}, x5)
    case("ZeroPadding1D", "ZeroPadding1D", {}, x3)
    case("ZeroPadding2D", "ZeroPadding2D", {}, x4)
    case("ZeroPadding2D_cf", "ZeroPadding2D", {"padding": ((1, 0), (0, 2)),
                                               "data_format": "channels_first"}, x4)
    case("ZeroPadding3D", "ZeroPadding3D", {}, x5)
    case("ZeroPadding3D_cf", "ZeroPadding3D", {"data_format": "channels_first"}, x5)
    case("Cropping1D", "Cropping1D", {}, x3)
    case("Cropping2D", "Cropping2D", {"cropping": 1}, x4)
    case("Cropping2D_cf", "Cropping2D", {"cropping": ((1, 0), (0, 2)),
                                         "data_format": "channels_first"}, x4)
    case("Cropping3D", "Cropping3D", {}, rand(2, 4, 4, 6, 2))
    case("Cropping3D_cf", "Cropping3D", {"cropping": ((0, 1), (1, 1), (1, 0)),
                                         "data_format": "channels_first"}, x5)

    # pooling
    for dim, x in ((1, x3), (2, x4), (3, x5)):
        for kind in ("Max", "Average"):
            cls = f"{kind}Pooling{dim}D"
            case(cls, cls, {}, x)
            case(f"{cls}_same", cls, {"pool_size": 3, "strides": 2, "padding": "same"}, x)
            case(f"{cls}_cf", cls, {"strides": 1, "padding": "same",
                                    "data_format": "channels_first"}, x)
            glob = f"Global{kind}Pooling{dim}D"
            case(glob, glob, {}, x)
            case(f"{glob}_cf", glob, {"data_format": "channels_first", "keepdims": True}, x)

    # normalization
    case("BatchNormalization", "BatchNormalization", {}, x4)
    case("BatchNormalization_axis1", "BatchNormalization", {"axis": 1}, x4)
    case("LayerNormalization", "LayerNormalization", {}, x4)

    # merge
    a, b, c = rand(2, 4, 3), rand(2, 4, 3), rand(2, 4, 3)
    for cls in ("Add", "Multiply", "Average", "Maximum", "Minimum"):
        case(cls, cls, {}, [a, b, c])
    case("Subtract", "Subtract", {}, [a, b])
    case("Concatenate", "Concatenate", {}, [a, rand(2, 4, 2)])
    case("Concatenate_axis1", "Concatenate", {"axis": 1}, [a, rand(2, 2, 3)])
    case("Dot", "Dot", {"axes": 2}, [a, b])
    case("Dot_normalize", "Dot", {"axes": (1, 1), "normalize": True}, [a, b])

    # embedding
    ids = RNG.randint(0, 10, size=(3, 6)).astype("int32")
    ids[0, :2] = 0
    case("Embedding", "Embedding", {"input_dim": 10, "output_dim": 4}, ids)
    case("Embedding_mask_zero", "Embedding", {"input_dim": 10, "output_dim": 4,
                                              "mask_zero": True, "input_length": 6}, ids)

    # recurrent
    seq = rand(2, 5, 3)
    case("SimpleRNN", "SimpleRNN", {"units": 4}, seq)
    case("LSTM", "LSTM", {"units": 4, "return_sequences": True}, seq)
    case("LSTM_state", "LSTM", {"units": 3, "return_state": True, "go_backwards": True}, seq)
    case("GRU", "GRU", {"units": 4}, seq)
    case("GRU_reset_before", "GRU", {"units": 4, "reset_after": False,
                                     "return_sequences": True}, seq)
    video = rand(2, 3, 5, 4, 2)
    case("ConvLSTM2D", "ConvLSTM2D", {"filters": 3, "kernel_size": 3}, video)
    case("ConvLSTM2D_cf", "ConvLSTM2D", {"filters": 2, "kernel_size": 2, "padding": "same",
                                         "return_sequences": True,
                                         "data_format": "channels_first"}, video)
    for cell in ("SimpleRNNCell", "LSTMCell", "GRUCell"):
        case(f"RNN_{cell}", "RNN", {"cell": nested(cell, units=3),
                                    "return_sequences": True}, seq)
    case("RNN_StackedRNNCells", "RNN",
         {"cell": nested("StackedRNNCells", cells=[
             {"class_name": "LSTMCell", "config": {"units": 3}},
             {"class_name": "GRUCell", "config": {"units": 2}}])}, seq)

    # wrappers
    case("TimeDistributed_Dense", "TimeDistributed", {"layer": nested("Dense", units=3)}, seq)
    case("TimeDistributed_Conv2D", "TimeDistributed",
         {"layer": nested("Conv2D", filters=2, kernel_size=2)}, video)
    case("Bidirectional_LSTM", "Bidirectional", {"layer": nested("LSTM", units=3)}, seq)
    case("Bidirectional_GRU_sum_seq", "Bidirectional",
         {"layer": nested("GRU", units=2, return_sequences=True), "merge_mode": "sum"}, seq)
    case("Bidirectional_state", "Bidirectional",
         {"layer": nested("LSTM", units=2, return_state=True), "merge_mode": "ave"}, seq)

    # noise (inference: identity)
    case("GaussianNoise", "GaussianNoise", {"stddev": 0.5}, x3)
    case("GaussianDropout", "GaussianDropout", {"rate": 0.3}, x3)
    case("AlphaDropout", "AlphaDropout", {"rate": 0.2}, x3)
    case("SpatialDropout1D", "SpatialDropout1D", {"rate": 0.3}, x3)
    case("SpatialDropout2D", "SpatialDropout2D", {"rate": 0.3}, x4)
    case("SpatialDropout2D_cf", "SpatialDropout2D", {"rate": 0.3,
                                                     "data_format": "channels_first"}, x4)
    case("SpatialDropout3D", "SpatialDropout3D", {"rate": 0.3}, x5)

    # advanced activations
    case("LeakyReLU", "LeakyReLU", {}, x4)
    case("PReLU", "PReLU", {"shared_axes": [1, 2]}, x4)
    case("ELU", "ELU", {}, x4)
    case("ThresholdedReLU", "ThresholdedReLU", {"theta": 0.3}, x4)
    case("Softmax", "Softmax", {"axis": 1}, x4)
    case("ReLU", "ReLU", {"max_value": 1.0, "negative_slope": 0.1, "threshold": 0.2}, x4)

    # locally connected
    case("LocallyConnected1D", "LocallyConnected1D", {"filters": 2, "kernel_size": 3}, x3)
    case("LocallyConnected1D_cf", "LocallyConnected1D",
         {"filters": 2, "kernel_size": 2, "strides": 2, "data_format": "channels_first",
          "implementation": 2}, x3)
    case("LocallyConnected2D", "LocallyConnected2D", {"filters": 2, "kernel_size": 2}, x4)
    case("LocallyConnected2D_cf", "LocallyConnected2D",
         {"filters": 2, "kernel_size": 2, "data_format": "channels_first",
          "implementation": 3}, x4)

    np.savez_compressed(os.path.join(HERE, "layer_contract.npz"), **OUT)
    print(f"wrote {len({k.split('/')[0] for k in OUT})} cases")


if __name__ == "__main__":
    main()
