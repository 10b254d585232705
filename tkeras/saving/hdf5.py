"""Keras 2 HDF5 files: full models (`model.save` / `load_model`) and weights
(`save_weights` / `load_weights`), in the layout real Keras 2 writes and reads.

Layout (see `shared/spec/hdf5_format.md`):

    /                       @keras_version @backend @model_config @training_config
    /model_weights          = a save_weights file: @layer_names, one group per layer
        /<layer>            @weight_names, datasets 'dense_1/kernel:0' (nested groups)
    /optimizer_weights      @weight_names + datasets (tf-keras names, 'Adam/m/dense/kernel:0')

Loading checks the whole file before the first weight of the model changes (links,
then every array's shape and type, then reads the data), so a bad file raises and
leaves the model as it was. Keras never writes HDF5 links, and following one lets a
downloaded file read another file of the machine (external link) or other data of the
file (soft link) into the weights: loading refuses them unless `safe_mode=False`, and
dangling links and link loops always raise. Writing goes to a temporary file in the
target's folder that replaces the target only once complete (`io_utils.atomic_path`).
"""
import contextlib
import json
import os
import warnings

import numpy as np
import torch


class _LazyH5py:
    """`h5py`, imported on first use: `import tkeras` stays free of its ~75 ms import
    until a file is read or written."""

    def __getattr__(self, name):
        import h5py as module

        globals()["h5py"] = module
        return getattr(module, name)


h5py = _LazyH5py()

from tkeras.utils import io_utils
from tkeras.saving.model_config import BACKEND, KERAS_VERSION, get_json_type, model_from_config

# tf-keras names the backend 'tensorflow' in files, which is what Keras 2 readers expect.
FILE_BACKEND = "tensorflow"
# HDF5's object header limit: larger attribute arrays are split into numbered chunks.
HDF5_OBJECT_HEADER_LIMIT = 64512

__all__ = ["save_model", "load_model", "save_weights", "load_weights", "check_links"]


# ----------------------------------------------------------------------- file access
def _describe(filepath):
    if isinstance(filepath, (h5py.File, h5py.Group)):
        return getattr(filepath.file, "filename", "<h5py object>")
    if isinstance(filepath, (str, os.PathLike)):
        return os.fspath(filepath)
    return getattr(filepath, "name", repr(filepath))


@contextlib.contextmanager
def _open_for_reading(filepath):
    """Yields an open h5py group; turns h5py's opening errors into messages that say
    what is wrong with the file."""
    if isinstance(filepath, (h5py.File, h5py.Group)):
        yield filepath
        return
    name = _describe(filepath)
    if isinstance(filepath, (str, os.PathLike)):
        if not os.path.exists(filepath):
            raise FileNotFoundError(f"No file or directory found at {name!r}.")
        if os.path.isdir(filepath):
            raise IsADirectoryError(
                f"{name!r} is a directory. tkeras reads Keras 2 HDF5 files (`.h5`); "
                "TensorFlow SavedModel folders are not supported.")
    try:
        f = h5py.File(filepath, "r")
    except OSError as err:
        if isinstance(filepath, (str, os.PathLike)) and not h5py.is_hdf5(filepath):
            raise OSError(
                f"Unable to load {name!r}: {name!r} is not an HDF5 file. Keras 2 models and "
                "weights are HDF5 files written by `model.save(...)` / "
                "`model.save_weights(...)`.") from None
        raise OSError(
            f"Unable to read the HDF5 file {name!r}: it is truncated or corrupted "
            f"({err}).") from None
    try:
        yield f
    finally:
        f.close()


def _decode(value):
    if isinstance(value, bytes):
        return value.decode("utf8")
    if isinstance(value, np.bytes_):
        return bytes(value).decode("utf8")
    return str(value)


def _read_attr_list(group, name):
    """A string-list attribute, joining the chunks `name0`, `name1`, ... of large ones."""
    if name in group.attrs:
        values = list(np.atleast_1d(group.attrs[name]))
    else:
        values, i = [], 0
        while f"{name}{i}" in group.attrs:
            values += list(np.atleast_1d(group.attrs[f"{name}{i}"]))
            i += 1
    if values and all(isinstance(v, (float, np.floating)) for v in values):
        return []  # not a name list (Keras writes [] as an empty float array)
    return [_decode(v) for v in values]


def _has_attr_list(group, name):
    return name in group.attrs or f"{name}0" in group.attrs


def _write_attr_list(group, name, values):
    """Keras 2's `save_attributes_to_hdf5_group`: byte strings, split into `name0`,
    `name1`, ... when the array would exceed the HDF5 object header limit."""
    data = [v.encode("utf8") if isinstance(v, str) else v for v in values]
    too_long = [v for v in data if len(v) > HDF5_OBJECT_HEADER_LIMIT]
    if too_long:
        raise RuntimeError(
            "The following attributes cannot be saved to HDF5 file because they are larger "
            f"than {HDF5_OBJECT_HEADER_LIMIT} bytes: {[v[:40] for v in too_long]}")
    array = np.asarray(data)
    chunks = 1
    parts = [array]
    while any(p.nbytes > HDF5_OBJECT_HEADER_LIMIT for p in parts):
        chunks += 1
        parts = np.array_split(array, chunks)
    if chunks > 1:
        for i, part in enumerate(parts):
            group.attrs[f"{name}{i}"] = part
    else:
        group.attrs[name] = data


def _read_json_attr(group, name):
    value = group.attrs.get(name)
    if value is None:
        return None
    return json.loads(_decode(value))


# --------------------------------------------------------------------- model <-> names
def _layer_pairs(layer):
    """(owner, record) pairs of `layer`'s weights in the order Keras files store them:
    trainable then non-trainable (for a nested model: across all its sub-layers)."""
    return layer._records(True) + layer._records(False)


def _own_pairs(model):
    """The model's own weights (not its layers'), Keras's `top_level_model_weights`."""
    pairs = [(model, r) for r in model._weight_records if r.trainable and model.trainable]
    return pairs + [(model, r) for r in model._weight_records
                    if not (r.trainable and model.trainable)]


def _wrapped_scopes(model):
    """{id(inner layer): wrapper name} for TimeDistributed wrappers: Keras builds the
    inner layer in the wrapper's scope, so its weights are `td/kernel:0`."""
    from tkeras.layers.wrappers import TimeDistributed

    return {id(layer.layer): layer.name for layer in model._flatten_layers(include_self=True)
            if isinstance(layer, TimeDistributed)}


def _full_name(owner, rec, scopes=None):
    if scopes and id(owner) in scopes and "/" not in rec.name:
        return f"{scopes[id(owner)]}/{rec.name}" + ("" if ":" in rec.name else ":0")
    return owner._weight_full_name(rec)


def _names(pairs, scopes=None):
    return [_full_name(owner, rec, scopes) for owner, rec in pairs]


def _keras_values(pairs):
    return [owner._keras_view(rec).detach().cpu().numpy() for owner, rec in pairs]


def _keras_shapes(pairs):
    return [tuple(owner._keras_view(rec).shape) for owner, rec in pairs]


def _assign(assignments):
    """Copies `(owner, record, array)` triples into the weights (Keras layout views).
    Arrays still in the file are all read first, so a read error changes nothing."""
    assignments = [(o, r, a.read() if isinstance(a, _Stored) else a) for o, r, a in assignments]
    with torch.no_grad():
        for owner, rec, array in assignments:
            view = owner._keras_view(rec).detach()
            if view.device.type == "cpu" and view.dtype in (torch.float16, torch.float32,
                                                           torch.float64):
                # numpy's single-threaded strided copy: torch's multi-threaded transpose
                # copy into a permuted view stalls at thread sync on a busy machine.
                np.copyto(view.numpy(), np.asarray(array), casting="same_kind")
            else:
                view.copy_(torch.as_tensor(np.asarray(array), dtype=view.dtype))


# ------------------------------------------------------------------------ writing
def _write_weight_group(group, names, values):
    _write_attr_list(group, "weight_names", names)
    for name, value in zip(names, values):
        dataset = group.create_dataset(name, value.shape, dtype=value.dtype)
        if value.shape:
            dataset[:] = value
        else:
            dataset[()] = value


def save_weights_to_hdf5_group(group, model):
    """Writes the weights of `model.layers` in Keras 2's layout into `group`."""
    layers = model.layers
    _write_attr_list(group, "layer_names", [layer.name for layer in layers])
    group.attrs["backend"] = FILE_BACKEND.encode("utf8")
    group.attrs["keras_version"] = str(KERAS_VERSION).encode("utf8")
    # Groups in name order, as Keras (HDF5 keeps them sorted anyway).
    scopes = _wrapped_scopes(model)
    for layer in sorted(layers, key=lambda l: l.name):
        pairs = _layer_pairs(layer)
        _write_weight_group(group.create_group(layer.name), _names(pairs, scopes),
                            _keras_values(pairs))
    pairs = _own_pairs(model)
    _write_weight_group(group.create_group("top_level_model_weights"), _names(pairs),
                        _keras_values(pairs))


def _param_records(model):
    """{id(parameter): (owner, record)} for every weight of the model."""
    out = {}
    for owner in model._flatten_layers(include_self=True):
        for rec in owner._weight_records:
            out.setdefault(id(getattr(owner, rec.attr)), (owner, rec))
    return out


def _optimizer_slots(model, optimizer):
    """(tf-keras names, [record or None per weight]) of `optimizer.get_weights()`;
    None when the optimizer is not attached to parameters of this model."""
    params = getattr(optimizer, "_params", None)
    if not params or getattr(optimizer, "_torch_opt", None) is None:
        return None
    records = _param_records(model)
    owners = [records.get(id(p)) for p in params]
    if any(o is None for o in owners):
        return None
    scopes = _wrapped_scopes(model)
    param_names = [_full_name(owner, rec, scopes).rsplit(":", 1)[0] for owner, rec in owners]
    names = optimizer._weight_names(param_names)
    layout = optimizer._weight_layout()
    offset = len(names) - len(layout)
    slot_records = [None] * offset + [owners[j][1] for _, _, _, j in layout]
    return names, slot_records


def _slot_to_keras(value, rec):
    if rec is None or rec.layout is None or value.ndim == 0:
        return value
    return rec.layout.to_keras(torch.from_numpy(np.ascontiguousarray(value))).numpy()


def _slot_to_torch(value, rec):
    if rec is None or rec.layout is None or value.ndim == 0:
        return value
    return rec.layout.to_torch(torch.from_numpy(np.ascontiguousarray(value))).numpy()


def _save_optimizer_weights(f, model):
    optimizer = model.optimizer
    slots = _optimizer_slots(model, optimizer)
    if slots is None:
        return
    names, records = slots
    values = [np.asarray(_slot_to_keras(np.asarray(v), r))
              for v, r in zip(optimizer.get_weights(), records)]
    group = f.create_group("optimizer_weights")
    _write_weight_group(group, names, values)


def _training_config(model):
    cfg = model._compile_config or {}
    optimizer = model.optimizer
    return {
        "loss": cfg.get("loss"),
        "metrics": cfg.get("metrics"),
        "weighted_metrics": cfg.get("weighted_metrics"),
        "loss_weights": cfg.get("loss_weights"),
        "sample_weight_mode": cfg.get("sample_weight_mode"),
        "optimizer_config": {"class_name": _optimizer_class_name(optimizer),
                             "config": optimizer.get_config()},
    }


def _optimizer_class_name(optimizer):
    inner = getattr(optimizer, "inner_optimizer", None)
    if inner is None:
        return type(optimizer).__name__
    # tf-keras 2.21's names for a loss-scaled current / legacy optimizer.
    return "LossScaleOptimizer" if getattr(inner, "_legacy", False) else "LossScaleOptimizerV3"


def _check_overwrite(filepath, overwrite):
    if overwrite or not isinstance(filepath, (str, os.PathLike)) or \
            not os.path.isfile(filepath):
        return True
    return io_utils.ask_to_proceed_with_overwrite(filepath)


def _write_atomically(filepath, write):
    """Runs `write(h5py_file)` on a temporary file next to `filepath` that replaces
    `filepath` once complete (`io_utils.atomic_path`); on any error the temporary file
    goes and the old file stays."""
    if isinstance(filepath, (h5py.File, h5py.Group)):
        write(filepath)
        return
    if not isinstance(filepath, (str, os.PathLike)):  # a file-like object
        with h5py.File(filepath, "w") as f:
            write(f)
        return
    with io_utils.atomic_path(filepath) as tmp:
        with h5py.File(tmp, "w") as f:
            write(f)


def save_weights(model, filepath, overwrite=True):
    """`model.save_weights(filepath)` in Keras 2's HDF5 layout (any file name)."""
    if not _check_overwrite(filepath, overwrite):
        return
    _write_atomically(filepath, lambda f: save_weights_to_hdf5_group(f, model))


def save_model(model, filepath, overwrite=True, include_optimizer=True):
    """Saves architecture, weights and (if compiled) training configuration and
    optimizer state to a Keras 2 HDF5 file that real Keras 2 loads with
    `keras.models.load_model`."""
    if not _check_overwrite(filepath, overwrite):
        return
    # Everything that can fail on the model's side is computed before the file exists.
    model_config = json.dumps({"class_name": type(model).__name__,
                               "config": model.get_config()}, default=get_json_type)
    training_config = None
    compiled = include_optimizer and getattr(model, "_is_compiled", False) and \
        model.optimizer is not None
    if compiled:
        training_config = json.dumps(_training_config(model), default=get_json_type)

    def write(f):
        f.attrs["keras_version"] = str(KERAS_VERSION).encode("utf8")
        f.attrs["backend"] = FILE_BACKEND.encode("utf8")
        f.attrs["model_config"] = model_config.encode("utf8")
        save_weights_to_hdf5_group(f.create_group("model_weights"), model)
        if compiled:
            f.attrs["training_config"] = training_config.encode("utf8")
            _save_optimizer_weights(f, model)

    _write_atomically(filepath, write)


# ------------------------------------------------------------------------ links
_OPT_IN = ("If you trust this file, pass `safe_mode=False` to `load_weights` / "
           "`load_model` to follow HDF5 links.")


def _link_error(file_name, where, what, why, opt_in=True):
    return ValueError(
        f"Refusing to load {file_name!r}: {where!r} is {what}. {why}"
        + (f" {_OPT_IN}" if opt_in else ""))


def _walk_hard_links(group, file_name):
    """{object id: path} of every object reachable from `group` through hard links, and
    the soft/external links met on the way as (parent group, name, link, ancestor ids).
    A group that contains itself through hard links (a cycle) raises."""
    inside = {group.id: group.name}
    links = []
    stack = [(group, (group.id,))]
    while stack:
        parent, ancestors = stack.pop()
        for name in parent:
            link = parent.get(name, getlink=True)
            if not isinstance(link, h5py.HardLink):
                links.append((parent, name, link, ancestors))
                continue
            child = parent[name]
            path = f"{parent.name.rstrip('/')}/{name}"
            if child.id in ancestors:
                raise _link_error(
                    file_name, path, f"a hard link to its own ancestor group "
                    f"{inside[child.id]!r}, a link loop", "Keras files never contain link "
                    "loops; the file is corrupted or crafted.", opt_in=False)
            if child.id not in inside:
                inside[child.id] = path
                if isinstance(child, h5py.Group):
                    stack.append((child, ancestors + (child.id,)))
    return inside, links


def _file_ancestors(group):
    """Ids of the groups above `group` in its file ('/' included)."""
    parts = group.name.strip("/").split("/") if group.name.strip("/") else []
    return {group.file["/" + "/".join(parts[:i])].id for i in range(len(parts))}


def check_links(group, file_name=None, safe_mode=True):
    """Refuses the HDF5 links in the weights group `group` that a Keras file never has
    and that could read data from elsewhere: external links (another file), soft links
    that point out of `group` or dangle, and link loops. With `safe_mode=False` only
    loops and dangling links raise. Reads no weight."""
    file_name = file_name or _describe(group)
    if not isinstance(group, h5py.Group):
        raise ValueError(f"Unable to read {file_name!r}: {group.name!r} is an HDF5 "
                         f"{type(group).__name__.lower()}, not a group of weights.")
    try:
        _check_links(group, file_name, safe_mode)
    except (KeyError, RuntimeError, OSError) as err:
        raise ValueError(f"Unable to read the groups of {file_name!r}: the file is "
                         f"truncated or corrupted ({err}).") from None


def _check_links(group, file_name, safe_mode):
    inside, links = _walk_hard_links(group, file_name)
    for parent, name, link, ancestors in links:
        path = f"{parent.name.rstrip('/')}/{name}"
        if isinstance(link, h5py.ExternalLink):
            if safe_mode:
                raise _link_error(
                    file_name, path, f"an HDF5 external link to {link.path!r} in file "
                    f"{link.filename!r}", "Keras weight files never link to other files; "
                    "following it would read another file into the model's weights.")
            continue
        if not isinstance(link, h5py.SoftLink):
            raise _link_error(file_name, path, f"an HDF5 link of unknown kind ({link!r})",
                              "tkeras follows only soft links, on request.")
        try:
            target = parent.get(name)
        except (KeyError, RuntimeError, OSError, ValueError) as err:
            target, reason = None, str(err)
        else:
            reason = "nothing exists at that path"
        if target is None:
            raise _link_error(
                file_name, path, f"a soft link to {link.path!r} that cannot be followed "
                f"({reason}: a dangling link or a link loop)",
                "The file is corrupted or crafted.", opt_in=False)
        if target.id in ancestors or target.id in _file_ancestors(group):
            raise _link_error(
                file_name, path, f"a soft link to its own ancestor group {link.path!r}, "
                "a link loop", "Keras files never contain link loops; the file is "
                "corrupted or crafted.", opt_in=False)
        if safe_mode and target.id not in inside:
            raise _link_error(
                file_name, path, f"a soft link to {link.path!r}, outside the weights group "
                f"{group.name!r}", "Keras weight files never contain links; following it "
                "would read data from elsewhere in the file into the model's weights.")


def _check_member_link(f, name, file_name, safe_mode):
    """`/model_weights` and `/optimizer_weights` must be real groups of the file."""
    link = f.get(name, getlink=True)
    if link is not None and safe_mode and not isinstance(link, h5py.HardLink):
        where = f"{f.name.rstrip('/')}/{name}"
        raise _link_error(file_name, where, f"an HDF5 link ({link!r}), not a group",
                          "Keras files store weights in groups, never behind links.")


# ------------------------------------------------------------------------ reading
def _weights_root(f, name):
    if _has_attr_list(f, "layer_names"):
        return f
    if isinstance(f.get("model_weights"), h5py.Group) and \
            _has_attr_list(f["model_weights"], "layer_names"):
        return f["model_weights"]
    raise ValueError(
        f"{name!r} is HDF5 but not a Keras weights/model file: it has no 'layer_names' "
        "attribute or 'model_weights' group.")


class _Stored:
    """A weight dataset of the file, checked to be a numeric array but not read yet:
    its shape is compared with the model's first, so a file that declares a huge array
    fails on the shape, not on memory. `read()` (or `np.asarray`) reads it."""

    def __init__(self, dataset, where):
        self.dataset = dataset
        self.where = where
        self.shape = tuple(dataset.shape)
        self.ndim = len(self.shape)
        self.size = int(np.prod(self.shape, dtype=np.float64))

    def read(self):
        try:
            return np.asarray(self.dataset[()])
        except (KeyError, OSError, RuntimeError, ValueError, TypeError) as err:
            raise ValueError(f"Unable to read {self.where}: the file is truncated or "
                             f"corrupted ({err}).") from None

    def __array__(self, dtype=None, copy=None):
        array = self.read()
        return array if dtype is None else array.astype(dtype)


def _read_group(group, file_name, layer_name):
    """(weight names, stored arrays) of one layer group; each must be a numeric
    dataset. Data are read by `_assign`, after every shape has been checked."""
    if not isinstance(group, h5py.Group):
        raise ValueError(f"Unable to read the weights of layer {layer_name!r} from "
                         f"{file_name!r}: {group.name!r} is an HDF5 "
                         f"{type(group).__name__.lower()}, not a group.")
    names = _read_attr_list(group, "weight_names") if _has_attr_list(group, "weight_names") \
        else []
    arrays = []
    for w in names:
        where = f"weight {w!r} of layer {layer_name!r} from {file_name!r}"
        try:
            dataset = group[w]
        except (KeyError, OSError, RuntimeError, ValueError) as err:
            raise ValueError(f"Unable to read {where}: the file is truncated or corrupted "
                             f"({err}).") from None
        if not isinstance(dataset, h5py.Dataset):
            raise ValueError(f"Unable to read {where}: {dataset.name!r} is an HDF5 "
                             f"{type(dataset).__name__.lower()}, not a dataset of numbers.")
        if dataset.dtype.kind not in "biuf":
            raise ValueError(f"Unable to read {where}: its data type is {dataset.dtype}, "
                             "not a numeric (float, int or bool) type.")
        arrays.append(_Stored(dataset, where))
    return names, arrays


def _read_layer(root, layer_name, file_name):
    try:
        group = root[layer_name]
    except (KeyError, OSError, RuntimeError, ValueError) as err:
        raise ValueError(
            f"{file_name!r} lists layer {layer_name!r} in 'layer_names' but its group cannot "
            f"be read: the file is truncated or corrupted ({err}).") from None
    return _read_group(group, file_name, layer_name)


def _shape_problems(layer_name, pairs, arrays, scopes=None):
    problems = []
    for name, shape, array in zip(_names(pairs, scopes), _keras_shapes(pairs), arrays):
        if tuple(array.shape) != shape:
            problems.append(f"Layer {layer_name!r} weight {name!r}: expected shape {shape}, "
                            f"file has {tuple(array.shape)}")
    return problems


def _raise_shape_problems(problems, file_name):
    if problems:
        raise ValueError(
            f"Cannot load weights from {file_name!r}: shape mismatch.\n  "
            + "\n  ".join(problems))


def _load_topological(model, root, file_name):
    file_layers = []
    for name in _read_attr_list(root, "layer_names"):
        names, arrays = _read_layer(root, name, file_name)
        if arrays:
            file_layers.append((name, names, arrays))
    model_layers = [(l, _layer_pairs(l)) for l in model.layers]
    model_layers = [(l, p) for l, p in model_layers if p]
    if len(file_layers) != len(model_layers):
        raise ValueError(
            f"You are trying to load a weight file containing {len(file_layers)} layers "
            f"into a model with {len(model_layers)} layers. File {file_name!r} has weights "
            f"for layers {[n for n, _, _ in file_layers]}; the model's layers with weights "
            f"are {[l.name for l, _ in model_layers]}.")
    assignments, problems = [], []
    scopes = _wrapped_scopes(model)
    for (layer, pairs), (fname, wnames, arrays) in zip(model_layers, file_layers):
        if len(pairs) != len(arrays):
            raise ValueError(
                f"Layer #{model_layers.index((layer, pairs))} (named {layer.name!r} in the "
                f"current model) was found to correspond to layer {fname!r} in the save "
                f"file {file_name!r}. However the new layer {layer.name!r} expects "
                f"{len(pairs)} weights, but the saved weights have {len(arrays)} elements.")
        problems += _shape_problems(layer.name, pairs, arrays, scopes)
        assignments += [(o, r, a) for (o, r), a in zip(pairs, arrays)]
    assignments += _top_level(model, root, file_name, problems)
    _raise_shape_problems(problems, file_name)
    _assign(assignments)


def _top_level(model, root, file_name, problems):
    pairs = _own_pairs(model)
    if "top_level_model_weights" not in root:
        return []
    _, arrays = _read_group(root["top_level_model_weights"], file_name,
                            "top_level_model_weights")
    if not arrays and not pairs:
        return []
    if len(arrays) != len(pairs):
        raise ValueError(
            f"Weight count mismatch for top-level weights when loading {file_name!r}: the "
            f"model expects {len(pairs)} top-level weight(s), the file has {len(arrays)}.")
    problems += _shape_problems(model.name, pairs, arrays)
    return [(o, r, a) for (o, r), a in zip(pairs, arrays)]


def _load_by_name(model, root, file_name, skip_mismatch):
    by_name = {}
    for layer in model.layers:
        by_name.setdefault(layer.name, []).append(layer)
    assignments, problems = [], []
    scopes = _wrapped_scopes(model)
    for fname in _read_attr_list(root, "layer_names"):
        if fname not in by_name:
            continue
        _, arrays = _read_layer(root, fname, file_name)
        for layer in by_name[fname]:
            pairs = _layer_pairs(layer)
            if len(pairs) != len(arrays):
                if skip_mismatch:
                    warnings.warn(
                        f"Skipping loading of weights for layer {layer.name!r} due to "
                        f"mismatch in number of weights ({len(pairs)} vs {len(arrays)}).",
                        stacklevel=3)
                    continue
                raise ValueError(
                    f"Layer {layer.name!r} expects {len(pairs)} weight(s), but the saved "
                    f"weights in {file_name!r} have {len(arrays)} element(s).")
            for (o, r), name, shape, a in zip(pairs, _names(pairs, scopes), _keras_shapes(pairs),
                                              arrays):
                if tuple(a.shape) != shape:
                    message = (f"Layer {layer.name!r} weight {name!r}: expected shape "
                               f"{shape}, file has {tuple(a.shape)}")
                    if skip_mismatch:
                        warnings.warn(f"Skipping loading of weights for layer "
                                      f"{layer.name!r} due to mismatch in shape: {message}.",
                                      stacklevel=3)
                        continue
                    problems.append(message)
                else:
                    assignments.append((o, r, a))
    assignments += _top_level(model, root, file_name, problems)
    _raise_shape_problems(problems, file_name)
    _assign(assignments)


def load_weights_from_hdf5_group(model, group, by_name=False, skip_mismatch=False,
                                 file_name=None, safe_mode=True):
    """Loads a Keras weights group (a weights-file root or `/model_weights`) into
    `model`; validates every link, layer and array first, so it changes nothing on
    error. HDF5 links that leave the group are refused unless `safe_mode=False`."""
    file_name = file_name or _describe(group)
    _check_member_link(group, "model_weights", file_name, safe_mode)
    root = _weights_root(group, file_name)
    check_links(root, file_name, safe_mode)
    if by_name:
        _load_by_name(model, root, file_name, skip_mismatch)
    else:
        _load_topological(model, root, file_name)


def load_weights(model, filepath, by_name=False, skip_mismatch=False, safe_mode=True):
    """`model.load_weights(filepath)`: a weights file or a full-model file.

    HDF5 links are refused (Keras never writes them): an external link would read
    another file of the machine into the model. `safe_mode=False` follows external
    links and soft links that leave the weights group, for a file you trust."""
    if skip_mismatch and not by_name:
        raise ValueError("When calling model.load_weights, skip_mismatch can only be set "
                         "to True when by_name is True.")
    if not getattr(model, "built", True):
        raise ValueError(
            f"Unable to load weights into the model {model.name!r}: it has not created its "
            "weights yet. Build it first: give the first layer an `input_shape`, call "
            "`model.build(input_shape)`, or call the model on a batch of data; then call "
            "`load_weights`.")
    with _open_for_reading(filepath) as f:
        load_weights_from_hdf5_group(model, f, by_name, skip_mismatch, _describe(filepath),
                                     safe_mode)


# ------------------------------------------------------------------------ load_model
def _metric_from_config(m, custom_objects):
    """A tf-keras 2.21 compiled metric (`MeanMetricWrapper` of 'accuracy') back to what
    the user passed to `compile`."""
    from tkeras import metrics

    if isinstance(m, dict) and m.get("class_name") == "MeanMetricWrapper":
        cfg = m.get("config") or {}
        for candidate in (cfg.get("name"), cfg.get("fn")):
            if candidate in ("accuracy", "acc", "crossentropy", "ce"):
                return candidate
            if isinstance(candidate, str):
                try:
                    metrics.get(candidate)
                    return candidate
                except (ValueError, TypeError):
                    if custom_objects and candidate in custom_objects:
                        return custom_objects[candidate]
        raise ValueError(f"Unknown metric in the training configuration: {m!r}")
    if isinstance(m, dict):
        return metrics.deserialize(m, custom_objects=custom_objects)
    if isinstance(m, str) and custom_objects and m in custom_objects:
        return custom_objects[m]
    return m


def _metrics_from_config(value, output_names, custom_objects):
    if value is None:
        return None
    if isinstance(value, dict):
        return {k: _metrics_from_config(v, output_names, custom_objects)
                if isinstance(v, list) else _metric_from_config(v, custom_objects)
                for k, v in value.items()}
    if isinstance(value, list) and value and all(isinstance(v, list) for v in value):
        # tf-keras 2.21 writes one list per output.
        if len(value) == 1:
            return [_metric_from_config(m, custom_objects) for m in value[0]]
        return {name: [_metric_from_config(m, custom_objects) for m in ms]
                for name, ms in zip(output_names, value)}
    if isinstance(value, list):
        return [_metric_from_config(m, custom_objects) for m in value]
    return _metric_from_config(value, custom_objects)


def _loss_from_config(value, custom_objects):
    from tkeras import losses

    if isinstance(value, dict) and "class_name" in value:
        return losses.deserialize(value, custom_objects=custom_objects)
    if isinstance(value, dict):
        return {k: _loss_from_config(v, custom_objects) for k, v in value.items()}
    if isinstance(value, list):
        return [_loss_from_config(v, custom_objects) for v in value]
    if isinstance(value, str) and custom_objects and value in custom_objects:
        return custom_objects[value]
    return value


def _compile_from_config(model, training_config, custom_objects):
    from tkeras import optimizers

    optimizer = optimizers.deserialize(training_config["optimizer_config"],
                                       custom_objects=custom_objects)
    output_names = list(getattr(model, "output_names", None) or [])
    model.compile(
        optimizer=optimizer,
        loss=_loss_from_config(training_config.get("loss"), custom_objects),
        metrics=_metrics_from_config(training_config.get("metrics"), output_names,
                                     custom_objects),
        weighted_metrics=_metrics_from_config(training_config.get("weighted_metrics"),
                                              output_names, custom_objects),
        loss_weights=training_config.get("loss_weights"),
        sample_weight_mode=training_config.get("sample_weight_mode"),
    )


def _load_optimizer_weights(model, group, file_name, safe_mode=True):
    """Sets the saved optimizer state; problems only warn, as in Keras 2 (refused HDF5
    links raise)."""
    check_links(group, file_name, safe_mode)
    names = _read_attr_list(group, "weight_names")
    try:
        _, values = _read_group(group, file_name, "optimizer_weights")
        if model._is_compiled and model._compiled is None and model.built and \
                model._output_names_known():
            model._finalize_compile()
        slots = _optimizer_slots(model, model.optimizer)
        if slots is None:
            raise ValueError("the optimizer is not attached to the model's weights")
        expected, records = slots
        saved = dict(zip(names, values))
        if len(values) != len(expected):
            values = _from_keras_v1_state(model.optimizer, list(values), len(expected))
        if len(saved) == len(expected) and all(n in saved for n in expected):
            ordered = [saved[n] for n in expected]
        elif len(values) == len(expected):
            ordered = values  # same count, other names: positional, as Keras 2
        else:
            raise ValueError(f"the file has {len(values)} optimizer weights, the "
                             f"optimizer expects {len(expected)}")
        _check_optimizer_shapes(model.optimizer, ordered, expected, records)
        ordered = [v.read() if isinstance(v, _Stored) else np.asarray(v) for v in ordered]
        ordered[0] = np.asarray(_iterations(ordered[0]), ordered[0].dtype)
        model.optimizer.set_weights([_slot_to_torch(v, r) for v, r in zip(ordered, records)])
    except (ValueError, TypeError) as err:
        warnings.warn(
            f"Error in loading the saved optimizer state from {file_name!r}. As a result, "
            f"your model is starting with a freshly initialized optimizer. ({err})",
            stacklevel=3)


def _check_optimizer_shapes(optimizer, values, names, records):
    """Each saved optimizer weight must have the shape of the optimizer's (a slot: its
    weight's Keras shape; a counter: a single number), checked before any is read."""
    layout = optimizer._weight_layout()
    offset = len(records) - len(layout)
    for i, (value, name, rec) in enumerate(zip(values, names, records)):
        shape = tuple(np.shape(value)) if not isinstance(value, _Stored) else value.shape
        if i < offset:
            wanted = "a single number"
            ok = int(np.prod(shape, dtype=np.float64)) == 1
        else:
            param_shape = tuple(optimizer._params[layout[i - offset][3]].shape)
            wanted = tuple(_slot_to_keras(np.empty(param_shape, np.float32), rec).shape)
            ok = shape == wanted
        if not ok:
            raise ValueError(f"optimizer weight {name!r} has shape {shape}, expected "
                             f"{wanted}")


def _iterations(value):
    """The saved step counter as an int; ValueError unless a whole number >= 0."""
    number = np.asarray(value).reshape(-1)
    if number.size != 1 or number.dtype.kind not in "biuf" or not np.isfinite(number[0]) \
            or number[0] < 0 or number[0] != np.floor(number[0]) or number[0] >= 2 ** 62:
        raise ValueError(f"the saved iteration count must be a whole number >= 0, "
                         f"received {np.asarray(value)!r}"[:200])
    return int(number[0])


def _from_keras_v1_state(optimizer, values, n_expected):
    """Optimizer weights saved by standalone Keras 2.0-2.3 (`keras/optimizers.py`, kept
    in tf.keras as `optimizer_v1`) in the layout of tkeras's legacy optimizers (tf.keras's),
    which run the same update rules. Keras 2.0-2.3 saved RMSprop, Adagrad and Adadelta
    without `iterations` (they restarted at 0 on load there too), Adam with a vhat slot per
    weight (a shape-(1,) dummy without amsgrad), SGD with momenta even at momentum 0, and
    Nadam (2.0-2.2) without its momentum product. Other layouts pass through unchanged."""
    optimizer = getattr(optimizer, "inner_optimizer", optimizer)
    if not getattr(optimizer, "_legacy", False):
        return values
    name = type(optimizer).__name__
    zero = np.zeros((), np.int64)
    if name in ("RMSprop", "Adagrad", "Adadelta") and len(values) + 1 == n_expected:
        return [zero] + values
    if name == "SGD" and n_expected == 1 and len(values) > 1:
        return values[:1]  # momentum 0: Keras kept (unused) momenta
    if name == "Adam" and not optimizer.amsgrad and len(values) > 1 and \
            (len(values) - 1) % 3 == 0 and 2 * (len(values) - 1) // 3 + 1 == n_expected:
        return values[:n_expected]  # drop the vhat dummies
    if name == "Nadam" and len(values) + 1 == n_expected:
        t = _iterations(values[0])
        product = 1.0
        for i in range(1, t + 1):
            previous = product
            product *= optimizer.beta_1 * (1.0 - 0.5 * 0.96 ** (i * optimizer.schedule_decay))
            if product == previous:  # underflowed (0 or stuck at the least subnormal)
                break
        return values[:1] + [np.asarray(product, np.float32)] + values[1:]
    return values


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Loads a model saved by Keras 2 or tkeras `model.save(...)` (HDF5).

    Args:
        filepath: path, or an open `h5py.File`.
        custom_objects: dict of custom layers, losses, metrics, ... by name.
        compile: if True and the file has a training configuration, compile the model
            and restore the optimizer state, so training continues where it stopped.
        safe_mode: if True (default), refuse Lambda layers stored as Python bytecode
            and HDF5 links out of the weights groups (external links to other files
            included). Pass False only for a file you trust.
    """
    from tkeras.utils.generic_utils import CustomObjectScope

    with CustomObjectScope(custom_objects or {}):
        return _load_model(filepath, custom_objects, compile, safe_mode)


def _load_model(filepath, custom_objects, compile, safe_mode):
    file_name = _describe(filepath)
    with _open_for_reading(filepath) as f:
        raw = f.attrs.get("model_config")
        if raw is None:
            if _has_attr_list(f, "layer_names"):
                raise ValueError(
                    f"No model config found in {file_name!r}: it is a weights file "
                    "(`save_weights`). Build the model, then call `model.load_weights`.")
            raise ValueError(
                f"{file_name!r} is HDF5 but not a Keras weights/model file: it has no "
                "'model_config' attribute ('layer_names' attribute or 'model_weights' "
                "group).")
        # Links first: a crafted file is refused before any layer is built.
        for name in ("model_weights", "optimizer_weights"):
            _check_member_link(f, name, file_name, safe_mode)
            if name in f and isinstance(f[name], h5py.Group):
                check_links(f[name], file_name, safe_mode)
        config = json.loads(_decode(raw))
        model = model_from_config(config, custom_objects=custom_objects, safe_mode=safe_mode)
        load_weights_from_hdf5_group(model, f, file_name=file_name, safe_mode=safe_mode)
        if not compile:
            return model
        training_config = _read_json_attr(f, "training_config")
        if training_config is None:
            warnings.warn("No training configuration found in save file: the model was "
                          "*not* compiled. Compile it manually.", stacklevel=2)
            return model
        _compile_from_config(model, training_config, custom_objects)
        if "optimizer_weights" in f:
            _load_optimizer_weights(model, f["optimizer_weights"], file_name, safe_mode)
    return model
