"""Coverage-guided fuzzer (atheris / libFuzzer) for tkeras's file loaders.

Targets, one per run:

    load_model       `tkeras.models.load_model(path)` on mutated full-model HDF5 files
    load_weights     `model.load_weights(path)` on mutated weights / model files, into a
                     model of the seed's architecture; a failed load must leave the
                     model's weights exactly as they were
    model_from_json  `tkeras.models.model_from_json(text)` on mutated JSON configs

Usage:

    python tests/fuzz/fuzz_loaders.py --target load_weights --seconds 1800
    python tests/fuzz/fuzz_loaders.py --target load_model --seconds 60 --keep-going
    python tests/fuzz/fuzz_loaders.py --target load_model --replay crash-<sha1>

The seeds are real files tkeras writes at start-up for a few small models (Dense,
Conv2D, LSTM, BatchNormalization, a nested model, a compiled model with optimizer state)
and their JSON configs. Byte-level mutation of an HDF5 file mostly yields "not an HDF5
file", so the fuzz input is read as a program instead: a seed index, then edits applied
with h5py to a copy of the seed (set / delete attributes, JSON edits inside
`model_config` and `training_config`, name-list edits, datasets with other shapes,
dtypes and values, deleted, moved and new objects, soft / external / hard links). For
JSON, the input either edits the parsed seed config or is the JSON text itself.

A finding ("crash") is: the interpreter dying, an exception other than ValueError,
TypeError or OSError escaping the loader, one of those raised inside h5py (an opaque
library message) or with Python's own wording for a type slip ("'NoneType' object is
not subscriptable"), or a failed `load_weights` that changed the model. libFuzzer then
stops and writes the input to `crash-<sha1>`; `--keep-going` records each distinct
finding under `--findings` and goes on instead.
"""
import argparse
import contextlib
import copy
import io
import json
import math
import os
import shutil
import sys
import tempfile
import traceback
import warnings

TARGETS = ("load_model", "load_weights", "model_from_json")
ALLOWED = (ValueError, TypeError, OSError)
# Python's own wording for a type slip inside our code: not an error for humans.
_PYTHON_WORDING = (
    "object is not subscriptable", "object is not iterable", "unsupported operand",
    "object is not callable", "has no len()", "not supported between instances",
    "object cannot be interpreted as an integer", "must be real number, not",
    "unhashable type", "argument after ** must be a mapping", "object is not a mapping",
    "takes no keyword arguments", "NoneType",
)


class Finding(Exception):
    """A loader misbehaved on this input."""


# ------------------------------------------------------------------ input decoding
class Choices:
    """Reads the fuzz input front to back as a sequence of small decisions (0 when
    the input is exhausted), so short inputs mean few, simple edits."""

    def __init__(self, data):
        self.data = data
        self.pos = 0

    def byte(self):
        if self.pos >= len(self.data):
            return 0
        self.pos += 1
        return self.data[self.pos - 1]

    def below(self, n):
        if n <= 1:
            return 0
        value = self.byte() if n <= 256 else (self.byte() << 8) | self.byte()
        return value % n

    def pick(self, items):
        items = list(items)
        return items[self.below(len(items))] if items else None

    def flag(self):
        return self.byte() & 1 == 1

    def text(self, max_len=24):
        n = self.below(max_len + 1)
        raw = bytes(self.byte() for _ in range(n))
        return raw.decode("utf8", "replace")

    def rest(self):
        data = self.data[self.pos:]
        self.pos = len(self.data)
        return data


# Values the edits draw from: boundaries and the words a Keras config uses.
NUMBERS = (0, 1, -1, 2, 3, 7, 64, -2**31, 2**31, 2**63, 0.5, -0.0, 1e300,
           math.nan, math.inf, -math.inf)
WORDS = ("", "relu", "linear", "softmax", "same", "valid", "channels_first",
         "channels_last", "float32", "float16", "int32", "string", "glorot_uniform",
         "zeros", "Zeros", "L1L2", "Constant", "VarianceScaling", "Sequential",
         "Functional", "Model", "InputLayer", "Dense", "Conv2D", "LSTM", "GRU",
         "SimpleRNN", "Bidirectional", "TimeDistributed", "BatchNormalization",
         "Embedding", "Lambda", "Concatenate", "Add", "Reshape", "Flatten", "Dropout",
         "Activation", "MaxPooling2D", "name", "units", "layers", "config", "class_name",
         "inbound_nodes", "input_layers", "output_layers", "batch_input_shape",
         "kernel:0", "bias:0", "dense_1", "model_weights", "layer_names", "weight_names",
         "Adam", "SGD", "mse", "accuracy", "/", "..", ".", "\x00", "\u00e9")
ATTR_NAMES = ("layer_names", "weight_names", "model_config", "training_config",
              "keras_version", "backend", "layer_names0", "weight_names0",
              "weight_names1")


def _value(c):
    """A random attribute / JSON value."""
    import numpy as np

    kind = c.below(10)
    if kind == 0:
        return c.pick(NUMBERS)
    if kind == 1:
        return c.pick(WORDS)
    if kind == 2:
        return c.text()
    if kind == 3:
        return None
    if kind == 4:
        return c.flag()
    if kind == 5:
        return [c.pick(NUMBERS) for _ in range(c.below(4))]
    if kind == 6:
        return [c.pick(WORDS) for _ in range(c.below(4))]
    if kind == 7:
        return {c.pick(WORDS): c.pick(NUMBERS + WORDS) for _ in range(c.below(3))}
    if kind == 8:
        return np.zeros((c.below(3),) * c.below(3), c.pick(("float32", "int8", "S3")))
    return c.text().encode("utf8", "replace")


# ------------------------------------------------------------------ JSON edits
def _nodes(tree, path=()):
    """Every (path, value) of a parsed JSON tree, root first."""
    out = [(path, tree)]
    if isinstance(tree, dict):
        for k, v in tree.items():
            out += _nodes(v, path + (k,))
    elif isinstance(tree, list):
        for i, v in enumerate(tree):
            out += _nodes(v, path + (i,))
    return out


def _json_safe(value):
    import numpy as np

    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf8", "replace")
    return value


def mutate_json(tree, c, max_edits=6):
    """Applies a few edits chosen by `c` to a parsed JSON tree; returns the new tree."""
    for _ in range(c.below(max_edits + 1)):
        nodes = _nodes(tree)
        path, node = nodes[c.below(len(nodes))]
        op = c.below(9)
        if op == 0 or not path:  # replace the node
            new = _json_safe(_value(c))
        elif op == 1 and isinstance(node, (int, float)) and not isinstance(node, bool):
            new = c.pick((node + 1, node - 1, -node, node * 1000, 0, c.pick(NUMBERS)))
        elif op == 2 and isinstance(node, str):
            new = c.pick((c.pick(WORDS), node + c.text(4), node[: c.below(len(node) + 1)],
                          node.upper()))
        elif op == 3 and isinstance(node, dict) and node:
            new = dict(node)
            del new[c.pick(list(new))]
        elif op == 4 and isinstance(node, dict):
            new = dict(node)
            new[c.pick(WORDS)] = _json_safe(_value(c))
        elif op == 5 and isinstance(node, list) and node:
            new = list(node)
            i = c.below(len(new))
            new.insert(c.below(len(new) + 1), new[i])
        elif op == 6 and isinstance(node, list) and node:
            new = list(node)
            del new[c.below(len(new))]
        elif op == 7 and isinstance(node, list) and len(node) > 1:
            new = list(node)
            i, j = c.below(len(new)), c.below(len(new))
            new[i], new[j] = new[j], new[i]
        else:  # graft (a copy of) another node of the tree here
            new = copy.deepcopy(nodes[c.below(len(nodes))][1])
        tree = _replace(tree, path, new)
    return tree


def _replace(tree, path, new):
    if not path:
        return new
    parent = tree
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = new
    return tree


# ------------------------------------------------------------------ HDF5 edits
def _objects(f):
    import h5py

    paths = ["/"]
    f.visit(lambda name: paths.append("/" + name))
    groups = [p for p in paths if isinstance(f.get(p), h5py.Group)]
    datasets = [p for p in paths if isinstance(f.get(p), h5py.Dataset)]
    return paths, groups, datasets


def _attr_edit(f, c, paths):
    import numpy as np

    obj = f[c.pick(paths)]
    names = list(obj.attrs) + list(ATTR_NAMES)
    name = c.pick(names)
    op = c.below(4)
    if op == 0:
        if name in obj.attrs:
            del obj.attrs[name]
        return
    current = obj.attrs.get(name) if name in obj.attrs else None
    if op == 1 and current is not None and name in ("model_config", "training_config"):
        raw = current.decode("utf8") if isinstance(current, bytes) else str(current)
        try:
            tree = json.loads(raw)
        except ValueError:
            tree = raw
        obj.attrs[name] = json.dumps(mutate_json(tree, c)).encode("utf8")
        return
    if op == 2 and current is not None and np.ndim(current) == 1:
        items = list(current)
        edit = c.below(5)
        if edit == 0 and items:
            del items[c.below(len(items))]
        elif edit == 1 and items:
            items.insert(c.below(len(items) + 1), items[c.below(len(items))])
        elif edit == 2 and len(items) > 1:
            i, j = c.below(len(items)), c.below(len(items))
            items[i], items[j] = items[j], items[i]
        elif edit == 3 and items:
            items[c.below(len(items))] = c.pick(WORDS).encode("utf8")
        else:
            items = items[::-1]
        try:
            obj.attrs[name] = np.array(items) if items else np.zeros((0,), "float32")
        except (TypeError, ValueError):
            pass
        return
    value = _value(c)
    try:
        obj.attrs[name] = value if value is not None else np.zeros((0,), "float32")
    except (TypeError, ValueError):
        pass


_SHAPE_DIMS = (0, 1, 2, 3, 4, 5, 8, 2**20, 2**31)
_DTYPES = ("float32", "float64", "float16", "int64", "int8", "uint8", "bool", "complex64",
           "S4", "vlen_str", "compound", "object_ref")


def _new_dataset(group, name, c, like=None):
    import h5py
    import numpy as np

    if like is not None and c.flag():
        shape = list(like.shape)
        edit = c.below(4)
        if edit == 0 and shape:
            shape[c.below(len(shape))] = c.pick(_SHAPE_DIMS)
        elif edit == 1:
            shape.insert(c.below(len(shape) + 1), c.pick(_SHAPE_DIMS[:6]))
        elif edit == 2 and shape:
            del shape[c.below(len(shape))]
        else:
            shape = shape[::-1]
    else:
        shape = [c.pick(_SHAPE_DIMS) for _ in range(c.below(4))]
    shape = tuple(shape)
    dtype = c.pick(_DTYPES) if c.flag() else str(like.dtype if like is not None else "float32")
    size = int(np.prod(shape)) if shape else 1
    if dtype == "vlen_str":
        dtype = h5py.string_dtype()
    elif dtype == "compound":
        dtype = np.dtype([("a", "f4"), ("b", "i4")])
    elif dtype == "object_ref":
        dtype = h5py.ref_dtype
    if size > 4096:  # a huge declared shape, nothing written: the reader must not trust it
        group.create_dataset(name, shape=shape, dtype=dtype)
        return
    if dtype is h5py.ref_dtype or getattr(dtype, "names", None):
        group.create_dataset(name, shape=shape, dtype=dtype)  # fill value only
        return
    if dtype == h5py.string_dtype():
        group.create_dataset(name, data=np.full(shape, "x", object), dtype=dtype)
        return
    fill = c.pick((0.0, 1.0, math.nan, math.inf, -1e38, 3.0))
    with np.errstate(all="ignore"):
        data = np.full(shape, fill).astype(dtype)
    group.create_dataset(name, data=data)


def _structure_edit(f, c, seed_path, paths, groups, datasets):
    import h5py

    op = c.below(6)
    if op == 0 and datasets:  # replace a dataset
        path = c.pick(datasets)
        like = f[path]
        like_copy = type("Like", (), {"shape": like.shape, "dtype": like.dtype})()
        parent, name = path.rsplit("/", 1)
        del f[path]
        _new_dataset(f[parent or "/"], name, c, like_copy)
    elif op == 1 and len(paths) > 1:  # delete an object
        del f[c.pick(paths[1:])]
    elif op == 2:  # a link where an object was, or a new one
        group = f[c.pick(groups)]
        names = list(group.keys())
        name = c.pick(names + [c.pick(WORDS) or "x"]) or "x"
        kind = c.below(3)
        target = c.pick(paths + ["/nowhere", "..", c.text(8)]) or "/"
        if name in ("/", ".", "..") or "/" in name:
            return
        if name in group.keys():
            del group[name]
        try:
            if kind == 0:
                group[name] = h5py.SoftLink(target)
            elif kind == 1:
                group[name] = h5py.ExternalLink(c.pick((seed_path, "/nonexistent.h5")),
                                                target)
            else:
                group[name] = f[target]
        except (KeyError, ValueError, TypeError, OSError, RuntimeError):
            pass
    elif op == 3 and len(paths) > 1:  # move an object
        source = c.pick(paths[1:])
        dest = c.pick(groups) .rstrip("/") + "/" + (c.pick(WORDS) or "y")
        try:
            f.move(source, dest)
        except (KeyError, ValueError, OSError, RuntimeError):
            pass
    elif op == 4:  # a new group or dataset
        group = f[c.pick(groups)]
        name = c.pick(WORDS + ("kernel:0",)) or "z"
        if name not in group and name not in ("/", ".", ".."):
            try:
                if c.flag():
                    group.create_group(name)
                else:
                    _new_dataset(group, name, c)
            except (ValueError, TypeError, OSError, RuntimeError, KeyError):
                pass
    elif datasets:  # overwrite values in place
        ds = f[c.pick(datasets)]
        if ds.dtype.kind == "f" and 0 < ds.size <= 4096:
            ds[...] = c.pick((math.nan, math.inf, 0.0, 1e30))


def mutate_h5(seed_path, out_path, c, max_edits=8):
    """Copies `seed_path` to `out_path` and applies edits chosen by `c` with h5py."""
    import h5py

    shutil.copyfile(seed_path, out_path)
    with h5py.File(out_path, "r+") as f:
        for _ in range(c.below(max_edits + 1)):
            paths, groups, datasets = _objects(f)
            try:
                if c.flag():
                    _attr_edit(f, c, paths)
                else:
                    _structure_edit(f, c, seed_path, paths, groups, datasets)
            except (KeyError, ValueError, TypeError, OSError, RuntimeError):
                pass  # an edit h5py refuses: the input just has one edit less


# ------------------------------------------------------------------ seeds
def _seed_models():
    import numpy as np

    import tkeras as keras
    from tkeras import layers

    dense = keras.Sequential([layers.Dense(4, activation="relu", input_shape=(3,)),
                              layers.Dense(2, activation="softmax")], name="dense_seq")
    conv = keras.Sequential([layers.Conv2D(2, 3, padding="same", input_shape=(6, 6, 1)),
                             layers.MaxPooling2D(), layers.Flatten(), layers.Dense(2)],
                            name="conv")
    x = keras.Input((5, 3))
    lstm = keras.Model(x, layers.Dense(1)(layers.LSTM(4)(x)), name="lstm")
    bn = keras.Sequential([layers.Dense(4, input_shape=(3,)), layers.BatchNormalization(),
                           layers.Dropout(0.1), layers.Dense(1)], name="bn")
    inner = keras.Sequential([layers.Dense(3, input_shape=(4,), name="inner_d")],
                             name="inner")
    y = keras.Input((4,), name="outer_in")
    nested = keras.Model(y, layers.Activation("relu")(inner(y)), name="nested")
    compiled = keras.Sequential([layers.Dense(3, input_shape=(2,)), layers.Dense(1)],
                                name="compiled")
    compiled.compile("adam", "mse", metrics=["mae"])
    compiled.fit(np.ones((4, 2), "float32"), np.ones((4, 1), "float32"), epochs=1,
                 verbose=0)
    return {"dense": dense, "conv": conv, "lstm": lstm, "bn": bn, "nested": nested,
            "compiled": compiled}


def build_seeds(folder):
    """Writes `<name>.model.h5`, `<name>.weights.h5` and `<name>.json` per seed model;
    returns {name: (model file, weights file, json text)}."""
    seeds = {}
    for name, model in _seed_models().items():
        model_path = os.path.join(folder, f"{name}.model.h5")
        weights_path = os.path.join(folder, f"{name}.weights.h5")
        model.save(model_path)
        model.save_weights(weights_path)
        seeds[name] = (model_path, weights_path, model.to_json())
    return seeds


# ------------------------------------------------------------------ checks
def _innermost_frame(err):
    tb = err.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb.tb_frame.f_code.co_filename if tb is not None else ""


def check_error(err):
    """Raises Finding if `err` is not a clear, user-facing error."""
    if not isinstance(err, ALLOWED):
        raise Finding(f"{type(err).__name__} escaped: {err}") from err
    where = _innermost_frame(err)
    if f"{os.sep}h5py{os.sep}" in where:
        raise Finding(f"h5py's own {type(err).__name__} escaped: {err}") from err
    message = str(err)
    if isinstance(err, TypeError) and any(w in message for w in _PYTHON_WORDING):
        raise Finding(f"TypeError in Python's words escaped: {err}") from err


class Fuzzer:
    def __init__(self, target, folder):
        self.target = target
        self.folder = folder
        self.seeds = build_seeds(folder)
        self.names = sorted(self.seeds)
        self.work = os.path.join(folder, "input.h5")
        self._models = {}

    def model(self, name):
        import tkeras as keras

        if name not in self._models:
            self._models[name] = keras.models.model_from_json(self.seeds[name][2])
        return self._models[name]

    def run(self, data):
        c = Choices(data)
        name = self.names[c.below(len(self.names))]
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            getattr(self, "_" + self.target)(name, c)

    def _load_model(self, name, c):
        import tkeras as keras

        mutate_h5(self.seeds[name][0], self.work, c)
        compile_ = c.flag()
        try:
            keras.models.load_model(self.work, compile=compile_)
        except Exception as err:  # noqa: BLE001 - judged by check_error
            check_error(err)

    def _load_weights(self, name, c):
        import numpy as np

        source = self.seeds[name][1] if c.flag() else self.seeds[name][0]
        mutate_h5(source, self.work, c)
        model = self.model(name)
        before = [w.copy() for w in model.get_weights()]
        by_name = c.flag()
        skip = by_name and c.flag()
        try:
            model.load_weights(self.work, by_name=by_name, skip_mismatch=skip)
        except Exception as err:  # noqa: BLE001 - judged by check_error
            check_error(err)
            after = model.get_weights()
            if any(not np.array_equal(a, b, equal_nan=True) for a, b in zip(after, before)):
                raise Finding(f"a failed load_weights changed the model ({err})") from err
        model.set_weights(before)  # the next input starts from the same model

    def _model_from_json(self, name, c):
        import tkeras as keras

        if c.below(4) == 0:  # the JSON text itself, as libFuzzer mutates it
            text = c.rest().decode("utf8", "replace")
        else:
            text = json.dumps(mutate_json(json.loads(self.seeds[name][2]), c))
        try:
            keras.models.model_from_json(text)
        except Exception as err:  # noqa: BLE001 - judged by check_error
            check_error(err)


def initial_corpus(folder, fuzzer):
    """One input per seed with no edits (and, for JSON, the seed text as raw input)."""
    os.makedirs(folder, exist_ok=True)
    for i, name in enumerate(fuzzer.names):
        with open(os.path.join(folder, f"seed_{name}"), "wb") as f:
            f.write(bytes([i, 0, 0, 0]))
        if fuzzer.target == "model_from_json":
            with open(os.path.join(folder, f"seed_{name}_text"), "wb") as f:
                f.write(bytes([i, 0]) + fuzzer.seeds[name][2].encode("utf8"))


# ------------------------------------------------------------------ main
def _limit_memory(gigabytes):
    """Huge allocations a crafted file asks for fail fast instead of swapping."""
    import resource

    limit = int(gigabytes * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _work_folder(target):
    """`<tmp>/tkeras_fuzz_<target>_<pid>` for the seeds and the mutated file. libFuzzer
    ends the process with C `exit()`, so no Python cleanup runs: each start removes the
    folders of fuzzer processes that no longer exist."""
    root = tempfile.gettempdir()
    for name in os.listdir(root):
        pid = name.rsplit("_", 1)[-1]
        if name.startswith("tkeras_fuzz_") and pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(os.path.join(root, name), ignore_errors=True)
    folder = os.path.join(root, f"tkeras_fuzz_{target}_{os.getpid()}")
    os.makedirs(folder, exist_ok=True)
    return folder


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _signature(err):
    frames = [f for f in traceback.extract_tb(err.__traceback__)
              if "tkeras" in f.filename]
    last = frames[-1] if frames else None
    cause = err.__cause__ or err
    return (type(cause).__name__,
            f"{os.path.basename(last.filename)}:{last.lineno}" if last else "?")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--target", choices=TARGETS, required=True)
    parser.add_argument("--seconds", type=int, default=60, help="libFuzzer max_total_time")
    parser.add_argument("--corpus", help="corpus folder (kept between runs)")
    parser.add_argument("--keep-going", action="store_true",
                        help="record each distinct finding and go on")
    parser.add_argument("--findings", default="fuzz_findings",
                        help="folder for --keep-going findings")
    parser.add_argument("--replay", nargs="*", help="run these inputs once, no fuzzing")
    parser.add_argument("--memory-gb", type=float, default=6.0)
    args, libfuzzer_args = parser.parse_known_args(argv)

    import atheris

    with atheris.instrument_imports(include=["tkeras", "h5py"]):
        import h5py  # noqa: F401
        import tkeras  # noqa: F401
        import tkeras.models  # noqa: F401
    import torch

    torch.set_num_threads(1)
    _limit_memory(args.memory_gb)
    folder = _work_folder(args.target)
    fuzzer = Fuzzer(args.target, folder)

    if args.replay is not None:
        for path in args.replay:
            with open(path, "rb") as f:
                data = f.read()
            try:
                fuzzer.run(data)
                print(f"{path}: ok")
            except Finding as finding:
                traceback.print_exception(finding)
                print(f"{path}: FINDING {finding}")
        shutil.rmtree(folder, ignore_errors=True)
        return

    seen = {}

    def test_one_input(data):
        try:
            fuzzer.run(data)
        except Finding as finding:
            if not args.keep_going:
                raise
            key = _signature(finding.__cause__ or finding)
            if key not in seen:
                seen[key] = finding
                os.makedirs(args.findings, exist_ok=True)
                stem = os.path.join(args.findings,
                                    f"{args.target}-{len(seen):03d}-{key[0]}")
                with open(stem + ".bin", "wb") as f:
                    f.write(data)
                with open(stem + ".txt", "w") as f:
                    f.write("".join(traceback.format_exception(finding)))
                print(f"FINDING {len(seen)} {key}: {str(finding)[:300]}", flush=True)

    corpus = args.corpus or os.path.join(folder, "corpus")
    initial_corpus(corpus, fuzzer)
    # Inputs are edit programs: long ones from the start (no length ramp-up); JSON text
    # inputs hold a whole config.
    max_len = 8192 if args.target == "model_from_json" else 1024
    libfuzzer = [sys.argv[0], f"-max_total_time={args.seconds}", "-timeout=60",
                 "-rss_limit_mb=0", "-print_final_stats=1", f"-max_len={max_len}",
                 "-len_control=0",
                 *libfuzzer_args, corpus]
    atheris.Setup(libfuzzer, test_one_input)
    try:
        atheris.Fuzz()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
