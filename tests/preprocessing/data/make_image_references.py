"""Reference outputs of Keras 2's `keras.preprocessing.image` (Keras 2.3.1 re-exports
keras_preprocessing 1.1.2's image module) for `tests/preprocessing/test_image_vs_keras2.py`.

Run where keras_preprocessing 1.1.2 is installed with Pillow, SciPy and pandas (no
TensorFlow needed):

    pip install keras-preprocessing==1.1.2 "numpy<2" six pillow scipy pandas
    python tests/preprocessing/data/make_image_references.py

Writes `image_references.npz` (arrays, the bytes of the image files it creates, and a
JSON record of everything else under the key `meta`) beside this script. The test module
imports this file for the inputs (keras_preprocessing is imported only in `main`), so
inputs and references cannot drift apart.
"""
import io
import json
import os
import shutil
import sys
import tempfile
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUTPUT = os.path.join(HERE, "image_references.npz")
SEEDS = (0, 1, 7)


# ------------------------------------------------------------------ inputs
def image(h=8, w=10, c=3, offset=0.0, dtype="float32"):
    """A smooth channels-last test image with values in about [20, 300]."""
    i, j, k = np.meshgrid(np.arange(h), np.arange(w), np.arange(c), indexing="ij")
    return (np.sin(0.7 * i + 0.3 * j * (k + 1) + offset) * 100 + 20 * k + 128).astype(dtype)


def batch(n=10, h=8, w=10, c=3):
    return np.stack([image(h, w, c, offset=0.37 * s) for s in range(n)])


LABELS = np.arange(10) % 3
WEIGHTS = np.linspace(0.5, 1.4, 10)


def negate(x):
    """A `preprocessing_function`."""
    return -x


PREPROCESSING = {"negate": negate}

# (name, ImageDataGenerator kwargs, image kind) for random_transform / apply_transform.
AUGMENT_CASES = [("identity", {}, "cl")]
for _mode in ("nearest", "constant", "reflect", "wrap"):
    AUGMENT_CASES += [
        (f"rotation_{_mode}", {"rotation_range": 40, "fill_mode": _mode}, "cl"),
        (f"shift_{_mode}", {"width_shift_range": 0.3, "height_shift_range": 0.4,
                            "fill_mode": _mode}, "cl"),
        (f"shear_{_mode}", {"shear_range": 30, "fill_mode": _mode}, "cl"),
        (f"zoom_{_mode}", {"zoom_range": [0.5, 1.6], "fill_mode": _mode}, "cl"),
    ]
AUGMENT_CASES += [
    ("rotation_cval", {"rotation_range": 40, "fill_mode": "constant", "cval": 7.5}, "cl"),
    ("shift_int", {"width_shift_range": 3, "height_shift_range": 2}, "cl"),
    ("shift_list", {"width_shift_range": [-1, 0, 2], "height_shift_range": [1.5, 3.0]},
     "cl"),
    ("shift_fraction_list", {"width_shift_range": [0.1, 0.25], "height_shift_range": (0.2,)},
     "cl"),
    ("shift_pixels_float", {"width_shift_range": 2.5, "height_shift_range": 1.0}, "cl"),
    ("zoom_float", {"zoom_range": 0.3}, "cl"),
    ("zoom_identity", {"zoom_range": [1, 1]}, "cl"),
    ("channel_shift", {"channel_shift_range": 40.0}, "cl"),
    ("channel_shift_float64", {"channel_shift_range": 40.0}, "cl64"),
    ("flips", {"horizontal_flip": True, "vertical_flip": True}, "cl"),
    ("brightness", {"brightness_range": (0.5, 1.5)}, "cl"),
    ("brightness_gray", {"brightness_range": [0.2, 0.9]}, "gray"),
    ("order_0", {"rotation_range": 25, "interpolation_order": 0}, "cl"),
    ("order_3", {"rotation_range": 25, "interpolation_order": 3}, "cl"),
    ("combined", {"rotation_range": 15, "width_shift_range": 0.1, "height_shift_range": 0.1,
                  "shear_range": 10, "zoom_range": 0.2, "channel_shift_range": 10.0,
                  "horizontal_flip": True, "vertical_flip": True, "fill_mode": "reflect"},
     "cl"),
    ("combined_brightness", {"rotation_range": 20, "zoom_range": 0.1,
                             "horizontal_flip": True, "brightness_range": (0.8, 1.2)}, "cl"),
    ("combined_float64", {"rotation_range": 20, "shear_range": 5, "zoom_range": 0.1,
                          "fill_mode": "constant"}, "cl64"),
    ("rgba_combined", {"rotation_range": 30, "width_shift_range": 0.2,
                       "channel_shift_range": 5.0}, "rgba"),
]
for _name, _kwargs in (
        ("rotation", {"rotation_range": 40}),
        ("shift", {"width_shift_range": 0.3, "height_shift_range": 0.2,
                   "fill_mode": "wrap"}),
        ("zoom", {"zoom_range": [0.7, 1.4], "fill_mode": "constant"}),
        ("flips", {"horizontal_flip": True, "vertical_flip": True}),
        ("channel_shift", {"channel_shift_range": 25.0}),
        ("combined", {"rotation_range": 15, "width_shift_range": 2, "shear_range": 10,
                      "zoom_range": 0.2, "horizontal_flip": True})):
    AUGMENT_CASES.append((f"cf_{_name}", dict(_kwargs, data_format="channels_first"), "cf"))


def augment_input(kind):
    return {"cl": image(), "cl64": image(dtype="float64"), "gray": image(c=1),
            "rgba": image(c=4), "cf": image().transpose(2, 0, 1)}[kind]


# Explicit parameters for apply_transform (one key at a time, then all).
APPLY_PARAMS = [
    {"theta": 33.0}, {"tx": 2.5}, {"ty": -3.0}, {"tx": 1, "ty": 2}, {"shear": 12.0},
    {"zx": 0.8, "zy": 1.3}, {"flip_horizontal": True}, {"flip_vertical": 1},
    {"channel_shift_intensity": 12.5}, {"brightness": 0.7},
    {"theta": -20.0, "tx": 1.5, "ty": -0.5, "shear": 7.0, "zx": 1.1, "zy": 0.9,
     "flip_horizontal": True, "flip_vertical": True, "channel_shift_intensity": -8.0},
]

# (name, kwargs, fit kwargs, data kind) for fit + standardize.
FIT_CASES = [
    ("featurewise_center", {"featurewise_center": True}, {}, "cl"),
    ("featurewise_std", {"featurewise_center": True, "featurewise_std_normalization": True},
     {}, "cl"),
    ("std_only_overrides_center", {"featurewise_std_normalization": True}, {}, "cl"),
    ("samplewise", {"samplewise_center": True, "samplewise_std_normalization": True}, {},
     "cl"),
    ("rescale_featurewise", {"rescale": 1. / 255, "featurewise_center": True,
                             "featurewise_std_normalization": True}, {}, "cl"),
    ("zca", {"zca_whitening": True}, {}, "small"),
    ("zca_epsilon", {"zca_whitening": True, "zca_epsilon": 1e-2, "rescale": 0.01}, {},
     "small"),
    ("augment_rounds", {"featurewise_center": True, "featurewise_std_normalization": True,
                        "rotation_range": 20, "horizontal_flip": True},
     {"augment": True, "rounds": 2, "seed": 3}, "cl"),
    ("channels_first", {"featurewise_center": True, "featurewise_std_normalization": True,
                        "data_format": "channels_first"}, {}, "cf"),
    ("preprocessing_function", {"preprocessing_function": "negate", "rescale": 0.5,
                                "samplewise_center": True}, {}, "cl"),
]


def fit_input(kind):
    # ZCA needs full-rank data (more samples than features) to be well defined.
    noise = np.random.RandomState(0).uniform(0, 255, (40, 3, 4, 3)).astype("float32")
    return {"cl": batch(), "small": noise,
            "cf": batch().transpose(0, 3, 1, 2)}[kind]


def make_generator(module, kwargs):
    kwargs = dict(kwargs)
    if isinstance(kwargs.get("preprocessing_function"), str):
        kwargs["preprocessing_function"] = PREPROCESSING[kwargs["preprocessing_function"]]
    return module.ImageDataGenerator(**kwargs)


# (name, generator kwargs, flow kwargs, data kind, reads) where reads lists
# ("get", i) / ("next",) / ("epoch_end",) operations.
_ALL = [("get", i) for i in range(3)]
FLOW_CASES = [
    ("plain", {}, {"batch_size": 4, "shuffle": False}, "xy", _ALL),
    ("shuffle_seed", {}, {"batch_size": 4, "shuffle": True, "seed": 5}, "xy",
     _ALL + [("epoch_end",)] + _ALL),
    ("augment_seed", {"rotation_range": 30, "width_shift_range": 0.2, "horizontal_flip": True},
     {"batch_size": 3, "shuffle": True, "seed": 3}, "xy",
     [("next",)] * 6 + [("get", 1), ("get", 0)]),
    ("augment_global_seed", {"zoom_range": 0.2, "channel_shift_range": 10.0},
     {"batch_size": 4, "shuffle": True}, "xy", [("get", 0), ("get", 2), ("get", 1)]),
    ("next_global_seed", {"shear_range": 10},
     {"batch_size": 4, "shuffle": True}, "xy", [("next",)] * 4),
    ("standardize_in_flow", {"featurewise_center": True, "rescale": 0.5},
     {"batch_size": 5, "shuffle": False}, "xy_fit", _ALL[:2]),
    ("validation", {"validation_split": 0.3}, {"batch_size": 2, "shuffle": False,
                                               "subset": "validation"}, "xy", _ALL[:2]),
    ("training", {"validation_split": 0.3}, {"batch_size": 3, "shuffle": True, "seed": 1,
                                             "subset": "training"}, "xy", _ALL),
    ("sample_weight", {}, {"batch_size": 4, "shuffle": True, "seed": 2}, "xyw", _ALL),
    ("x_misc_array", {}, {"batch_size": 4, "shuffle": True, "seed": 4}, "misc1", _ALL),
    ("x_misc_list", {"validation_split": 0.3},
     {"batch_size": 4, "shuffle": False, "subset": "training"}, "misc2", _ALL[:2]),
    ("y_none", {"vertical_flip": True}, {"batch_size": 6, "shuffle": True, "seed": 8}, "x",
     _ALL[:2]),
    ("channels_first", {"data_format": "channels_first", "rotation_range": 10},
     {"batch_size": 4, "shuffle": True, "seed": 6}, "cf", _ALL),
    ("epoch_end_first", {"channel_shift_range": 5.0}, {"batch_size": 4, "shuffle": True},
     "xy", [("epoch_end",), ("get", 0), ("next",), ("epoch_end",), ("get", 1)]),
    ("dtype_float64", {"dtype": "float64", "rotation_range": 10, "rescale": 0.1},
     {"batch_size": 4, "shuffle": True, "seed": 2}, "xy", _ALL[:2]),
]
GLOBAL_SEED = 11


def flow_arguments(kind):
    """(x, y, extra flow kwargs) of a flow case."""
    x = batch()
    if kind == "cf":
        return x.transpose(0, 3, 1, 2), LABELS, {}
    if kind == "x":
        return x, None, {}
    if kind == "xyw":
        return x, LABELS, {"sample_weight": WEIGHTS}
    if kind == "misc1":
        return (x, np.arange(20.0).reshape(10, 2)), LABELS, {}
    if kind == "misc2":
        return (x, [np.arange(10), np.arange(30).reshape(10, 3)]), LABELS, {}
    return x, LABELS, {}


def run_reads(iterator, reads):
    out = []
    for op in reads:
        if op[0] == "get":
            out.append(iterator[op[1]])
        elif op[0] == "next":
            out.append(next(iterator))
        else:
            iterator.on_epoch_end()
    return out


# ------------------------------------------------------------------ image files
def _pattern(h, w, c, seed):
    return image(h, w, c, offset=seed).clip(0, 255).astype("uint8")


def image_files():
    """{relative path: (array, PIL mode, format)} of the test image folder."""
    return {
        "cat/c1.png": (_pattern(9, 7, 3, 0.1), "RGB", "PNG"),
        "cat/c2.PNG": (_pattern(6, 8, 3, 0.2), "RGB", "PNG"),
        "cat/sub/c3.png": (_pattern(12, 10, 3, 0.3), "RGB", "PNG"),
        "dog/d1.jpg": (_pattern(10, 12, 3, 0.4), "RGB", "JPEG"),
        "dog/d2.jpeg": (_pattern(8, 8, 3, 0.5), "RGB", "JPEG"),
        "dog/d3.png": (_pattern(7, 9, 1, 0.6)[..., 0], "L", "PNG"),
        "dog/d4.bmp": (_pattern(6, 5, 3, 0.7), "RGB", "BMP"),
        "zebra/z1.png": (_pattern(8, 6, 4, 0.8), "RGBA", "PNG"),
        "zebra/z2.png": (_pattern(5, 6, 3, 0.9), "RGB", "PNG"),
        "zebra/z3.jpg": (_pattern(9, 9, 3, 1.0), "RGB", "JPEG"),
        "zebra/z4.png": (_pattern(6, 7, 1, 1.1)[..., 0].astype("uint16") * 200, "I;16", "PNG"),
    }


NOT_IMAGES = {"dog/notes.txt": b"not an image", "readme.md": b"top-level file"}


def write_folder(root, file_bytes):
    """Writes `{relative path: bytes}` under `root`."""
    for rel, data in file_bytes.items():
        path = os.path.join(root, *rel.split("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)


# (name, generator kwargs, flow_from_directory kwargs, reads)
DIRECTORY_CASES = [
    ("categorical", {}, {"target_size": (6, 5), "batch_size": 4, "shuffle": False}, _ALL),
    ("binary", {}, {"target_size": (6, 5), "batch_size": 3, "shuffle": False,
                    "class_mode": "binary", "classes": ["cat", "dog"]}, _ALL[:3]),
    ("sparse", {}, {"target_size": (5, 7), "batch_size": 5, "shuffle": True, "seed": 4,
                    "class_mode": "sparse"}, _ALL[:2]),
    ("input", {}, {"target_size": (4, 4), "batch_size": 4, "shuffle": False,
                   "class_mode": "input"}, _ALL[:1]),
    ("none", {}, {"target_size": (4, 4), "batch_size": 4, "shuffle": False,
                  "class_mode": None}, _ALL[:1]),
    ("grayscale", {}, {"target_size": (6, 6), "batch_size": 10, "shuffle": False,
                       "color_mode": "grayscale"}, _ALL[:1]),
    ("rgba", {}, {"target_size": (6, 6), "batch_size": 10, "shuffle": False,
                  "color_mode": "rgba"}, _ALL[:1]),
    ("classes_order", {}, {"target_size": (5, 5), "batch_size": 10, "shuffle": False,
                           "classes": ["zebra", "cat"]}, _ALL[:1]),
    ("augmented", {"rotation_range": 30, "horizontal_flip": True, "rescale": 1. / 255},
     {"target_size": (6, 5), "batch_size": 4, "shuffle": True, "seed": 9},
     [("get", 0), ("get", 1), ("next",), ("next",)]),
    ("validation", {"validation_split": 0.4},
     {"target_size": (5, 5), "batch_size": 10, "shuffle": False, "subset": "validation"},
     _ALL[:1]),
    ("training", {"validation_split": 0.4},
     {"target_size": (5, 5), "batch_size": 10, "shuffle": False, "subset": "training"},
     _ALL[:1]),
    ("channels_first", {"data_format": "channels_first"},
     {"target_size": (5, 6), "batch_size": 10, "shuffle": False}, _ALL[:1]),
]
for _interpolation in ("bilinear", "bicubic", "lanczos", "box", "hamming"):
    DIRECTORY_CASES.append(
        (f"interpolation_{_interpolation}", {},
         {"target_size": (7, 6), "batch_size": 10, "shuffle": False,
          "interpolation": _interpolation}, _ALL[:1]))

LOAD_CASES = [{"color_mode": mode, "target_size": size, "interpolation": interp}
              for mode in ("rgb", "grayscale", "rgba")
              for size, interp in ((None, "nearest"), ((5, 6), "nearest"),
                                   ((11, 4), "bilinear"))]


def dataframe_rows():
    """Rows of the flow_from_dataframe test table (as dicts)."""
    names = sorted(image_files())
    rows = []
    for i, name in enumerate(names):
        rows.append({"filename": name, "label": name.split("/")[0],
                     "two": "cat" if name.startswith("cat") else "other",
                     "tags": [name.split("/")[0], "even" if i % 2 == 0 else "odd"],
                     "weight": 0.5 + 0.1 * i, "r1": float(i), "r2": 2.0 * i + 1})
    rows.append(dict(rows[0], filename="missing/gone.png"))
    rows.append(dict(rows[1], filename="dog/notes.txt"))
    return rows


# (name, generator kwargs, flow_from_dataframe kwargs, reads)
DATAFRAME_CASES = [
    ("categorical", {}, {"y_col": "label", "target_size": (5, 5), "batch_size": 4,
                         "shuffle": False}, _ALL),
    ("multilabel", {}, {"y_col": "tags", "target_size": (5, 5), "batch_size": 5,
                        "shuffle": True, "seed": 3}, _ALL[:2]),
    ("binary", {}, {"y_col": "two", "class_mode": "binary", "target_size": (4, 4),
                    "batch_size": 10, "shuffle": False}, _ALL[:1]),
    ("sparse_classes", {}, {"y_col": "label", "class_mode": "sparse",
                            "classes": ["dog", "zebra"], "target_size": (4, 4),
                            "batch_size": 10, "shuffle": False}, _ALL[:1]),
    ("raw", {}, {"y_col": ["r1", "r2"], "class_mode": "raw", "target_size": (4, 4),
                 "batch_size": 4, "shuffle": True, "seed": 1}, _ALL[:2]),
    ("multi_output", {}, {"y_col": ["r1", "r2"], "class_mode": "multi_output",
                          "target_size": (4, 4), "batch_size": 4, "shuffle": False},
     _ALL[:2]),
    ("weights", {}, {"y_col": "label", "weight_col": "weight", "target_size": (4, 4),
                     "batch_size": 4, "shuffle": False}, _ALL[:1]),
    ("input", {}, {"class_mode": "input", "target_size": (4, 4), "batch_size": 3,
                   "shuffle": False}, _ALL[:1]),
    ("none_augmented", {"zoom_range": 0.3}, {"class_mode": None, "target_size": (4, 4),
                                             "batch_size": 3, "shuffle": True, "seed": 2},
     _ALL[:2]),
    ("validation", {"validation_split": 0.25},
     {"y_col": "label", "subset": "validation", "target_size": (4, 4), "batch_size": 10,
      "shuffle": False}, _ALL[:1]),
    ("not_validated", {}, {"y_col": "label", "validate_filenames": False,
                           "target_size": (4, 4), "batch_size": 2, "shuffle": False},
     [("get", 0)]),
]


# ------------------------------------------------------------------ errors
def error_cases(module):
    """(name, call) pairs that raise in Keras 2."""
    x = batch()
    gen = module.ImageDataGenerator
    return [
        ("zoom_range_length", lambda: gen(zoom_range=[0.5, 1.0, 1.5])),
        ("zoom_range_string", lambda: gen(zoom_range="big")),
        ("data_format", lambda: gen(data_format="channels_middle")),
        ("validation_split_high", lambda: gen(validation_split=1.5)),
        ("validation_split_one", lambda: gen(validation_split=1.0)),
        ("brightness_range", lambda: gen(brightness_range=0.5)),
        ("flow_rank", lambda: gen().flow(x[0], None)),
        ("flow_y_length", lambda: gen().flow(x, LABELS[:5])),
        ("flow_weight_length", lambda: gen().flow(x, LABELS, sample_weight=WEIGHTS[:3])),
        ("flow_misc_length", lambda: gen().flow((x, np.arange(3)), LABELS)),
        ("flow_sorted_labels", lambda: gen(validation_split=0.5).flow(
            x, np.sort(LABELS), subset="training")),
        ("flow_out_of_range", lambda: gen().flow(x, LABELS, batch_size=4)[3]),
        ("fit_rank", lambda: gen(featurewise_center=True).fit(x[0])),
        ("random_zoom_length", lambda: module.random_zoom(x[0], (0.5,))),
        ("random_brightness_length", lambda: module.random_brightness(x[0], (0.5,))),
        ("brightness_channels_first", lambda: gen(
            brightness_range=(0.5, 1.5), data_format="channels_first").random_transform(
                x[0].transpose(2, 0, 1), seed=0)),
        ("array_to_img_rank", lambda: module.array_to_img(x)),
        ("array_to_img_channels", lambda: module.array_to_img(np.zeros((4, 4, 2)))),
        ("array_to_img_data_format", lambda: module.array_to_img(x[0], data_format="hwc")),
        ("img_to_array_data_format", lambda: module.img_to_array(
            module.array_to_img(x[0]), data_format="hwc")),
    ]


def directory_error_cases(module, root):
    gen = module.ImageDataGenerator
    return [
        ("directory_missing", lambda: gen().flow_from_directory(
            os.path.join(root, "no_such_folder"))),
        ("directory_class_mode", lambda: gen().flow_from_directory(root, class_mode="bad")),
        ("directory_color_mode", lambda: gen().flow_from_directory(root, color_mode="cmyk")),
        ("directory_subset", lambda: gen(validation_split=0.2).flow_from_directory(
            root, subset="test")),
        ("load_img_color_mode", lambda: module.load_img(
            os.path.join(root, "cat", "c1.png"), color_mode="hsv")),
        ("load_img_interpolation", lambda: module.load_img(
            os.path.join(root, "cat", "c1.png"), target_size=(3, 3), interpolation="fancy")),
        ("load_img_not_an_image", lambda: module.load_img(
            os.path.join(root, "dog", "notes.txt"))),
        ("load_img_missing", lambda: module.load_img(os.path.join(root, "nope.png"))),
    ]


# ------------------------------------------------------------------ recording
class Recorder:
    def __init__(self):
        self.arrays = {}

    def array(self, key, value):
        value = np.asarray(value)
        assert key not in self.arrays, key
        self.arrays[key] = value
        return {"array": key, "dtype": str(value.dtype), "shape": list(value.shape)}

    def output(self, key, out):
        """A batch / transform result: an array, or a (nested) tuple / list of them."""
        if isinstance(out, tuple):
            return {"tuple": [self.output(f"{key}.{i}", o) for i, o in enumerate(out)]}
        if isinstance(out, list):
            return {"list": [self.output(f"{key}.{i}", o) for i, o in enumerate(out)]}
        return self.array(key, out)


def plain(value):
    """A parameter value as [type name, JSON value]."""
    if value is None:
        return ["NoneType", None]
    if isinstance(value, (bool, np.bool_)):
        return [type(value).__name__, bool(value)]
    if isinstance(value, (int, np.integer)):
        return [type(value).__name__, int(value)]
    return [type(value).__name__, float(value)]


def error(call):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            call()
    except Exception as err:  # noqa: BLE001 - recording what Keras raises
        return {"error": type(err).__name__, "message": str(err)}
    return {"error": None}


def record_functions(image_module, rec):
    out = {}
    x = image()
    cf = x.transpose(2, 0, 1)
    affine = []
    for i, kwargs in enumerate([
            {"theta": 25}, {"tx": 2, "ty": -1.5}, {"shear": 15}, {"zx": 0.7, "zy": 1.2},
            {"theta": -10, "tx": 1, "ty": 1, "shear": 5, "zx": 1.1, "zy": 0.9},
            {"theta": 45, "fill_mode": "constant", "cval": 3.0},
            {"theta": 45, "fill_mode": "reflect"}, {"theta": 45, "fill_mode": "wrap"},
            {"theta": 30, "order": 0}, {"theta": 30, "order": 2}]):
        for layout, data, axes in (("cl", x, {}),
                                   ("cf", cf, {"row_axis": 1, "col_axis": 2,
                                               "channel_axis": 0})):
            result = image_module.apply_affine_transform(data, **kwargs, **axes)
            affine.append({"kwargs": kwargs, "layout": layout,
                           "result": rec.array(f"affine.{i}.{layout}", result)})
    out["apply_affine_transform"] = affine
    randoms = []
    for name, args in (("random_rotation", (30,)), ("random_shift", (0.2, 0.3)),
                       ("random_shear", (20,)), ("random_zoom", ((0.6, 1.3),))):
        for seed in SEEDS:
            for layout, data, axes in (("cf", cf, {}),
                                       ("cl", x, {"row_axis": 0, "col_axis": 1,
                                                  "channel_axis": 2})):
                for fill in ("nearest", "constant"):
                    np.random.seed(seed)
                    result = getattr(image_module, name)(data, *args, fill_mode=fill, **axes)
                    randoms.append({
                        "function": name, "args": list(args), "seed": seed,
                        "layout": layout, "fill_mode": fill,
                        "result": rec.array(f"{name}.{seed}.{layout}.{fill}", result)})
    for seed in SEEDS:
        np.random.seed(seed)
        result = image_module.random_channel_shift(cf, 30.0)
        randoms.append({"function": "random_channel_shift", "args": [30.0], "seed": seed,
                        "layout": "cf", "result": rec.array(f"rcs.{seed}", result)})
        np.random.seed(seed)
        result = image_module.random_brightness(x, (0.3, 1.7))
        randoms.append({"function": "random_brightness", "args": [[0.3, 1.7]], "seed": seed,
                        "layout": "cl", "result": rec.array(f"rb.{seed}", result)})
    out["random_functions"] = randoms
    out["apply_channel_shift"] = [
        {"intensity": v, "channel_axis": axis, "layout": layout,
         "result": rec.array(f"acs.{v}.{layout}", image_module.apply_channel_shift(
             data, v, channel_axis=axis))}
        for v in (-50.0, 17.25) for layout, data, axis in (("cl", x, 2), ("cf", cf, 0))]
    out["apply_brightness_shift"] = [
        {"brightness": b, "result": rec.array(f"abs.{b}", image_module.apply_brightness_shift(
            x, b))} for b in (0.0, 0.6, 1.0, 1.8)]
    out["flip_axis"] = [{"axis": a, "result": rec.array(f"flip.{a}", image_module.flip_axis(
        x, a))} for a in (0, 1, 2)]
    out["transform_matrix_offset_center"] = rec.array(
        "tmoc", image_module.transform_matrix_offset_center(
            np.array([[0.9, -0.2, 1.5], [0.3, 1.1, -2.0], [0, 0, 1]]), 8, 10))
    conversions = []
    for i, (data, kwargs) in enumerate(conversion_inputs()):
        img = image_module.array_to_img(data, **kwargs)
        back = image_module.img_to_array(img, data_format=kwargs.get("data_format",
                                                                     "channels_last"))
        back_cf = image_module.img_to_array(img, data_format="channels_first", dtype="uint8")
        conversions.append({"index": i, "kwargs": kwargs, "mode": img.mode,
                            "size": list(img.size),
                            "pixels": rec.array(f"a2i.{i}", np.asarray(img)),
                            "back": rec.array(f"i2a.{i}", back),
                            "back_cf": rec.array(f"i2a_cf.{i}", back_cf)})
    out["array_to_img"] = conversions
    return out


def conversion_inputs():
    """The arrays of `record_functions`'s array_to_img cases, in order."""
    x = image()
    return [(x, {}), (x, {"scale": False}), (x.transpose(2, 0, 1),
                                              {"data_format": "channels_first"}),
            (image(c=1), {}), (image(c=1) * 10, {"scale": False}), (image(c=4), {}),
            (np.zeros((3, 4, 3)), {}), (image(dtype="float64") / 7, {"dtype": "float64"})]


def record_generator(image_module, rec):
    out = {"augment": [], "apply_transform": [], "fit": [], "flow": []}
    for name, kwargs, kind in AUGMENT_CASES:
        x = augment_input(kind)
        gen = make_generator(image_module, kwargs)
        case = {"name": name, "kwargs": kwargs, "kind": kind, "seeds": []}
        for seed in SEEDS:
            params = gen.get_random_transform(x.shape, seed=seed)
            entry = {"seed": seed, "params": {k: plain(v) for k, v in params.items()}}
            try:
                entry["result"] = rec.array(f"aug.{name}.{seed}",
                                            gen.random_transform(x.copy(), seed=seed))
            except Exception as err:  # noqa: BLE001
                entry["error"] = {"error": type(err).__name__, "message": str(err)}
            case["seeds"].append(entry)
        # Unseeded draws continue NumPy's global stream.
        np.random.seed(GLOBAL_SEED)
        try:
            case["stream"] = [rec.array(f"aug.{name}.stream.{i}", gen.random_transform(x.copy()))
                              for i in range(2)]
        except Exception as err:  # noqa: BLE001
            case["stream_error"] = type(err).__name__
        out["augment"].append(case)
    for layout in ("channels_last", "channels_first"):
        gen = image_module.ImageDataGenerator(data_format=layout, fill_mode="reflect")
        x = image() if layout == "channels_last" else image().transpose(2, 0, 1)
        for i, params in enumerate(APPLY_PARAMS):
            entry = {"layout": layout, "params": params}
            try:
                entry["result"] = rec.array(f"apply.{layout}.{i}",
                                            gen.apply_transform(x.copy(), params))
            except Exception as err:  # noqa: BLE001
                entry["error"] = {"error": type(err).__name__, "message": str(err)}
            out["apply_transform"].append(entry)
    for name, kwargs, fit_kwargs, kind in FIT_CASES:
        data = fit_input(kind)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            gen = make_generator(image_module, kwargs)
        gen.fit(data, **fit_kwargs)
        case = {"name": name, "kwargs": kwargs, "fit_kwargs": fit_kwargs, "kind": kind}
        for attr in ("mean", "std", "principal_components"):
            value = getattr(gen, attr)
            case[attr] = None if value is None else rec.array(f"fit.{name}.{attr}", value)
        case["standardized_batch"] = rec.array(f"fit.{name}.batch",
                                               gen.standardize(np.copy(data[:3])))
        case["standardized_image"] = rec.array(f"fit.{name}.image",
                                               gen.standardize(np.copy(data[4])))
        out["fit"].append(case)
    for name, kwargs, flow_kwargs, kind, reads in FLOW_CASES:
        x, y, extra = flow_arguments(kind)
        gen = make_generator(image_module, kwargs)
        if kind == "xy_fit":
            gen.fit(x)
        np.random.seed(GLOBAL_SEED)
        iterator = gen.flow(x, y, **flow_kwargs, **extra)
        results = run_reads(iterator, reads)
        out["flow"].append({"name": name, "kwargs": kwargs, "flow_kwargs": flow_kwargs,
                            "kind": kind, "reads": reads, "len": len(iterator),
                            "n": iterator.n,
                            "results": [rec.output(f"flow.{name}.{i}", r)
                                        for i, r in enumerate(results)]})
    # save_to_dir: the file names (NumPy-drawn hashes) and images saved.
    folder = tempfile.mkdtemp()
    try:
        gen = image_module.ImageDataGenerator(rotation_range=10)
        iterator = gen.flow(batch(), LABELS, batch_size=4, shuffle=True, seed=12,
                            save_to_dir=folder, save_prefix="aug", save_format="png")
        iterator[0]
        next(iterator)
        names = sorted(os.listdir(folder))
        out["save_to_dir"] = {"names": names, "images": [
            rec.array(f"saved.{i}", np.asarray(image_module.load_img(
                os.path.join(folder, n)))) for i, n in enumerate(names)]}
    finally:
        shutil.rmtree(folder)
    return out


def record_files(image_module, rec, root):
    import pandas as pd

    out = {"load_img": [], "directory": [], "dataframe": []}
    for rel in sorted(image_files()):
        for i, kwargs in enumerate(LOAD_CASES):
            img = image_module.load_img(os.path.join(root, *rel.split("/")), **kwargs)
            out["load_img"].append({"file": rel, "kwargs": kwargs, "mode": img.mode,
                                    "size": list(img.size),
                                    "array": rec.array(f"load.{rel}.{i}",
                                                       image_module.img_to_array(img))})
    for name, kwargs, flow_kwargs, reads in DIRECTORY_CASES:
        gen = make_generator(image_module, kwargs)
        np.random.seed(GLOBAL_SEED)
        iterator = gen.flow_from_directory(root, **flow_kwargs)
        results = run_reads(iterator, reads)
        out["directory"].append({
            "name": name, "kwargs": kwargs, "flow_kwargs": flow_kwargs, "reads": reads,
            "class_indices": iterator.class_indices, "filenames": iterator.filenames,
            "classes": iterator.classes.tolist(), "samples": iterator.samples,
            "len": len(iterator), "image_shape": list(iterator.image_shape),
            "results": [rec.output(f"dir.{name}.{i}", r) for i, r in enumerate(results)]})
    df = pd.DataFrame(dataframe_rows())
    for name, kwargs, flow_kwargs, reads in DATAFRAME_CASES:
        gen = make_generator(image_module, kwargs)
        np.random.seed(GLOBAL_SEED)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            iterator = gen.flow_from_dataframe(df, root, **flow_kwargs)
        results = run_reads(iterator, reads)
        out["dataframe"].append({
            "name": name, "kwargs": kwargs, "flow_kwargs": flow_kwargs, "reads": reads,
            "class_indices": getattr(iterator, "class_indices", None),
            "filenames": iterator.filenames,
            "classes": getattr(iterator, "classes", None), "samples": iterator.samples,
            "len": len(iterator),
            "results": [rec.output(f"df.{name}.{i}", r) for i, r in enumerate(results)]})
    return out


def encode_files():
    """{relative path: bytes} of the test folder (images encoded with Pillow)."""
    from PIL import Image

    encoded = {}
    for rel, (array, mode, fmt) in image_files().items():
        buffer = io.BytesIO()
        img = Image.fromarray(array) if mode == "I;16" else Image.fromarray(array, mode)
        assert img.mode == mode, (rel, img.mode)
        img.save(buffer, format=fmt)
        encoded[rel] = buffer.getvalue()
    encoded.update(NOT_IMAGES)
    return encoded


def main():
    import keras_preprocessing
    from keras_preprocessing import image as image_module

    rec = Recorder()
    meta = {"keras_preprocessing": keras_preprocessing.__version__,
            "numpy": np.__version__, "python": sys.version.split()[0]}
    import PIL
    import scipy
    meta.update(pillow=PIL.__version__, scipy=scipy.__version__)
    files = encode_files()
    for i, rel in enumerate(sorted(files)):
        rec.array(f"file.{i}", np.frombuffer(files[rel], dtype=np.uint8))
    meta["files"] = sorted(files)
    meta["functions"] = record_functions(image_module, rec)
    meta["generator"] = record_generator(image_module, rec)
    meta["errors"] = {name: error(call) for name, call in error_cases(image_module)}
    root = tempfile.mkdtemp()
    try:
        write_folder(root, files)
        meta["files_out"] = record_files(image_module, rec, root)
        meta["errors"].update({name: error(call) for name, call in
                               directory_error_cases(image_module, root)})
    finally:
        shutil.rmtree(root)
    rec.arrays["meta"] = np.array(json.dumps(meta))
    np.savez_compressed(OUTPUT, **rec.arrays)
    print(f"wrote {OUTPUT}: {len(rec.arrays)} arrays, {os.path.getsize(OUTPUT)} bytes")


if __name__ == "__main__":
    main()
