"""Reference data for the pooling, resampling/shape and locally-connected layers.

Run with real Keras 2 (tf-keras 2.21), not by pytest:

    /work/tfvenv/bin/python tests/layers/data/make_pooling.py

Writes `pooling.npz`, `reshaping.npz` and `local.npz` next to this file. Each holds, per
case `<name>`: `<name>/x` (input), `<name>/y` (tf-keras output), `<name>/w<i>` (the
Keras-layout weights the layer was given, seeded random values), optionally `<name>/mask`,
and one `index` entry: JSON list of `{"name", "class", "config", "weights", "mask"}` where
`config` is the layer's constructor arguments.
"""
import json
import os

import numpy as np
import tf_keras as keras

HERE = os.path.dirname(os.path.abspath(__file__))
RNG = np.random.RandomState(20240521)

CL, CF = "channels_last", "channels_first"


def _case(name, cls, config, shape, mask=None):
    return {"name": name, "class": cls, "config": config, "shape": shape, "mask": mask}


def pooling_cases():
    cases = []
    for mode in ("Max", "Average"):
        cls1, cls2, cls3 = f"{mode}Pooling1D", f"{mode}Pooling2D", f"{mode}Pooling3D"
        m = mode.lower()
        cases += [
            _case(f"{m}1d_valid", cls1, {"pool_size": 2}, (2, 9, 3)),
            _case(f"{m}1d_same_k3_s2", cls1, {"pool_size": 3, "strides": 2, "padding": "same"},
                  (2, 8, 3)),
            _case(f"{m}1d_same_k2_s1", cls1, {"pool_size": 2, "strides": 1, "padding": "same"},
                  (2, 7, 3)),
            _case(f"{m}1d_same_k4_s3", cls1, {"pool_size": 4, "strides": 3, "padding": "same"},
                  (2, 10, 2)),
            _case(f"{m}1d_same_cf", cls1, {"pool_size": 3, "strides": 2, "padding": "same",
                                           "data_format": CF}, (2, 3, 9)),
            _case(f"{m}2d_valid", cls2, {"pool_size": 2}, (2, 7, 8, 3)),
            _case(f"{m}2d_same_k3_s2", cls2, {"pool_size": 3, "strides": 2, "padding": "same"},
                  (2, 7, 8, 3)),
            _case(f"{m}2d_same_k2_s1", cls2, {"pool_size": 2, "strides": 1, "padding": "same"},
                  (2, 5, 6, 2)),
            _case(f"{m}2d_same_mixed", cls2, {"pool_size": (3, 2), "strides": (2, 1),
                                              "padding": "same"}, (2, 6, 5, 2)),
            _case(f"{m}2d_same_cf", cls2, {"pool_size": 2, "padding": "same",
                                           "data_format": CF}, (2, 3, 5, 7)),
            _case(f"{m}2d_valid_s1", cls2, {"pool_size": (2, 3), "strides": 1}, (1, 5, 6, 2)),
            _case(f"{m}3d_valid", cls3, {"pool_size": 2}, (2, 4, 5, 6, 2)),
            _case(f"{m}3d_same_k3_s2", cls3, {"pool_size": 3, "strides": 2, "padding": "same"},
                  (1, 5, 6, 4, 2)),
            _case(f"{m}3d_same_k2_s1", cls3, {"pool_size": 2, "strides": 1, "padding": "same"},
                  (1, 3, 4, 5, 2)),
            _case(f"{m}3d_same_cf", cls3, {"pool_size": 2, "padding": "same",
                                           "data_format": CF}, (1, 2, 5, 3, 4)),
        ]
    for mode in ("Max", "Average"):
        for rank, shape in ((1, (2, 6, 3)), (2, (2, 4, 5, 3)), (3, (2, 3, 4, 5, 2))):
            cls = f"Global{mode}Pooling{rank}D"
            base = f"global_{mode.lower()}{rank}d"
            cases += [
                _case(f"{base}", cls, {}, shape),
                _case(f"{base}_cf_keepdims", cls, {"data_format": CF, "keepdims": True}, shape),
            ]
    mask = np.ones((3, 6), bool)
    mask[0, 4:] = False
    mask[1, 0] = False
    mask[2, 2:4] = False
    cases += [
        _case("global_average1d_mask", "GlobalAveragePooling1D", {}, (3, 6, 4), mask),
        _case("global_average1d_mask_cf_keepdims", "GlobalAveragePooling1D",
              {"data_format": CF, "keepdims": True}, (3, 4, 6), mask),
    ]
    return cases


def reshaping_cases():
    return [
        _case("upsampling1d", "UpSampling1D", {"size": 3}, (2, 4, 3)),
        _case("upsampling2d_nearest", "UpSampling2D", {"size": (2, 3)}, (2, 3, 4, 2)),
        _case("upsampling2d_nearest_cf", "UpSampling2D", {"size": 2, "data_format": CF},
              (2, 2, 3, 4)),
        _case("upsampling2d_bilinear", "UpSampling2D", {"size": (2, 3),
                                                        "interpolation": "bilinear"},
              (2, 4, 5, 2)),
        _case("upsampling2d_bilinear_s3", "UpSampling2D", {"size": 3,
                                                           "interpolation": "bilinear"},
              (1, 3, 4, 2)),
        _case("upsampling2d_bilinear_cf", "UpSampling2D",
              {"size": (3, 2), "interpolation": "bilinear", "data_format": CF},
              (2, 2, 4, 3)),
        *[_case(f"upsampling2d_{method}_{fmt[9:]}", "UpSampling2D",
                {"size": size, "interpolation": method, "data_format": fmt}, shape)
          for method, size, fmt, shape in [
              ("bicubic", (2, 3), CL, (2, 5, 4, 2)), ("bicubic", 3, CF, (1, 2, 3, 4)),
              ("area", (3, 2), CL, (2, 4, 3, 2)), ("lanczos3", 2, CL, (1, 7, 6, 2)),
              ("lanczos5", (3, 2), CF, (1, 2, 4, 9)), ("gaussian", (2, 1), CL, (2, 4, 3, 1)),
              ("mitchellcubic", (1, 3), CL, (1, 3, 5, 2))]],
        _case("upsampling3d", "UpSampling3D", {"size": (2, 1, 3)}, (1, 2, 3, 2, 2)),
        _case("upsampling3d_cf", "UpSampling3D", {"size": 2, "data_format": CF},
              (1, 2, 2, 3, 2)),
        _case("zeropadding1d", "ZeroPadding1D", {"padding": (1, 2)}, (2, 4, 3)),
        _case("zeropadding2d", "ZeroPadding2D", {"padding": ((1, 0), (2, 3))}, (2, 3, 4, 2)),
        _case("zeropadding2d_cf", "ZeroPadding2D", {"padding": (2, 1), "data_format": CF},
              (2, 2, 3, 4)),
        _case("zeropadding3d", "ZeroPadding3D", {"padding": ((1, 0), 2, (0, 1))},
              (1, 2, 3, 2, 2)),
        _case("zeropadding3d_cf", "ZeroPadding3D", {"padding": 1, "data_format": CF},
              (1, 2, 2, 3, 2)),
        _case("cropping1d", "Cropping1D", {"cropping": (2, 1)}, (2, 6, 3)),
        _case("cropping2d", "Cropping2D", {"cropping": ((1, 0), (2, 1))}, (2, 5, 6, 2)),
        _case("cropping2d_cf", "Cropping2D", {"cropping": 1, "data_format": CF},
              (2, 2, 5, 4)),
        _case("cropping3d", "Cropping3D", {"cropping": ((1, 0), (0, 2), 1)}, (1, 4, 5, 4, 2)),
        _case("cropping3d_cf", "Cropping3D", {"cropping": (1, 0, 1), "data_format": CF},
              (1, 2, 4, 3, 5)),
    ]


def local_cases():
    cases = []
    for impl in (1, 2, 3):
        cases += [
            _case(f"lc1d_impl{impl}", "LocallyConnected1D",
                  {"filters": 4, "kernel_size": 3, "implementation": impl}, (2, 7, 3)),
            _case(f"lc1d_impl{impl}_s2_relu_cf", "LocallyConnected1D",
                  {"filters": 3, "kernel_size": 2, "strides": 2, "activation": "relu",
                   "data_format": CF, "implementation": impl}, (2, 3, 9)),
            _case(f"lc1d_impl{impl}_nobias", "LocallyConnected1D",
                  {"filters": 2, "kernel_size": 4, "strides": 3, "use_bias": False,
                   "implementation": impl}, (2, 11, 2)),
            _case(f"lc2d_impl{impl}", "LocallyConnected2D",
                  {"filters": 4, "kernel_size": 3, "implementation": impl}, (2, 6, 5, 3)),
            _case(f"lc2d_impl{impl}_s2_tanh_cf", "LocallyConnected2D",
                  {"filters": 3, "kernel_size": (2, 3), "strides": (2, 1), "activation": "tanh",
                   "data_format": CF, "implementation": impl}, (2, 2, 7, 5)),
        ]
    for impl in (2, 3):
        cases += [
            _case(f"lc1d_impl{impl}_same", "LocallyConnected1D",
                  {"filters": 3, "kernel_size": 4, "strides": 2, "padding": "same",
                   "implementation": impl}, (2, 8, 2)),
            _case(f"lc1d_impl{impl}_same_cf", "LocallyConnected1D",
                  {"filters": 2, "kernel_size": 3, "padding": "same", "data_format": CF,
                   "implementation": impl}, (2, 3, 6)),
            _case(f"lc2d_impl{impl}_same", "LocallyConnected2D",
                  {"filters": 2, "kernel_size": (3, 2), "strides": 2, "padding": "same",
                   "implementation": impl}, (2, 6, 5, 2)),
            _case(f"lc2d_impl{impl}_same_cf", "LocallyConnected2D",
                  {"filters": 2, "kernel_size": 3, "padding": "same", "data_format": CF,
                   "implementation": impl}, (1, 2, 4, 5)),
        ]
    return cases


def run(cases, filename):
    arrays, index = {}, []
    for case in cases:
        layer = getattr(keras.layers, case["class"])(**case["config"])
        x = RNG.randn(*case["shape"]).astype("float32")
        layer.build(x.shape)
        weights = [RNG.randn(*w.shape).astype("float32") for w in layer.get_weights()]
        layer.set_weights(weights)
        kwargs = {}
        if case["mask"] is not None:
            kwargs["mask"] = case["mask"]
            arrays[f"{case['name']}/mask"] = case["mask"]
        y = layer(x, **kwargs).numpy()
        arrays[f"{case['name']}/x"] = x
        arrays[f"{case['name']}/y"] = y
        for i, w in enumerate(weights):
            arrays[f"{case['name']}/w{i}"] = w
        index.append({"name": case["name"], "class": case["class"], "config": case["config"],
                      "weights": len(weights), "mask": case["mask"] is not None})
    arrays["index"] = np.array(json.dumps(index))
    path = os.path.join(HERE, filename)
    np.savez_compressed(path, **arrays)
    print(f"{path}: {len(index)} cases, {os.path.getsize(path) // 1024} KB")


if __name__ == "__main__":
    run(pooling_cases(), "pooling.npz")
    run(reshaping_cases(), "reshaping.npz")
    run(local_cases(), "local.npz")
