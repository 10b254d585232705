"""Reading the Keras 2 reference fixtures (files written by real tf-keras 2.21).

Until tkeras's own HDF5 loader exists, weights are read here with h5py and assigned
through the Keras-facing `set_weights`, so the fixtures test layer numerics and weight
layouts independently of the loader.
"""
import json
import os

import h5py
import numpy as np

import tkeras

ROOT = os.path.join(os.path.dirname(__file__), "fixtures", "keras2")
MANIFEST = json.load(open(os.path.join(ROOT, "manifest.json")))
CASES = MANIFEST["cases"]


def case_dir(name):
    return os.path.join(ROOT, name)


def load_io(name, kind):
    """`x`/`y` of a case: one array, or a list ordered like the manifest's names."""
    case = CASES[name]
    path = os.path.join(case_dir(name), case["files"][kind])
    names = case["inputs" if kind == "x" else "outputs"]["names"]
    if path.endswith(".npy"):
        return np.load(path)
    z = np.load(path)
    return [z[n] for n in names]


def _decode(names):
    return [n.decode("utf8") if isinstance(n, bytes) else str(n) for n in names]


def keras_weights(path):
    """{layer name: [arrays in the file's order]} from a Keras 2 weights group."""
    with h5py.File(path, "r") as f:
        group = f["model_weights"] if "layer_names" not in f.attrs else f
        out = {}
        for layer_name in _decode(group.attrs["layer_names"]):
            g = group[layer_name]
            out[layer_name] = (_decode(g.attrs["weight_names"]),
                               [np.asarray(g[w]) for w in _decode(g.attrs["weight_names"])])
        return out


def set_keras_weights(model, path):
    """Assigns a Keras 2 weights file to `model` layer by layer (by name). A nested model's
    group lists its sub-layers' weights by their own names."""
    weights = keras_weights(path)
    for layer in model.layers:
        if layer.name not in weights:
            continue
        names, arrays = weights[layer.name]
        if not arrays:
            continue
        if isinstance(layer, tkeras.Model):
            by_sub = {}
            for n, a in zip(names, arrays):
                by_sub.setdefault(n.split("/")[0], []).append(a)
            for sub in layer.layers:
                if sub.name in by_sub:
                    sub.set_weights(by_sub[sub.name])
        else:
            layer.set_weights(arrays)


def build_case(name):
    """The case's model from its `model.json`, with the Keras weights set."""
    with open(os.path.join(case_dir(name), "model.json")) as f:
        model = tkeras.models.model_from_json(f.read())
    set_keras_weights(model, os.path.join(case_dir(name), "weights.h5"))
    return model


def train_reference(name):
    return np.load(os.path.join(case_dir(name), "train_step.npz"))


def missing_layer_classes(name):
    import tkeras.layers as layers

    wanted = CASES[name].get("layers", [])
    return [c for c in wanted if c not in ("Sequential", "Model", "Functional")
            and not hasattr(layers, c)]
