"""Model architecture as Keras 2 config dicts and JSON (`get_config`, `from_config`,
`to_json`, `model_from_json`), plus `clone_model`.

The schema is Keras 2's (see `shared/spec/hdf5_format.md` §4), as the last Keras 2
release (tf-keras 2.21) writes it, so files go both ways between tkeras and Keras 2:

    Functional: {"name", "trainable", "layers": [{"name", "class_name", "config",
                 "inbound_nodes": [[[layer, node_index, tensor_index, kwargs], ...], ...]}],
                 "input_layers": [[layer, node_index, tensor_index], ...], "output_layers": [...]}
    Sequential: {"name", "layers": [{"class_name", "config"}, ...]}  (InputLayer first once built)

Node indices in a config count only the calls that belong to the model being saved, so
a layer shared with another model is numbered relative to this one, and a nested model
starts at 1 (its node 0 is its own inputs -> outputs).

Loading never executes code from a config unless asked: a Lambda layer that stores
Python bytecode is refused unless `safe_mode=False`.
"""
import contextlib
import inspect
import json
import threading
import warnings

import numpy as np

from tkeras.engine.keras_tensor import flatten, is_keras_tensor, map_structure

# What tkeras writes as "keras_version": the Keras 2 release whose files tkeras mirrors
# (tf-keras 2.21.0 wrote the reference fixtures). Readers only look at the major version
# ("1" selects Keras 1 weight conversion), so any 2.x is safe; this one says which
# release's format the file follows. Defined here once; the HDF5 writer reuses it.
KERAS_VERSION = "2.21.0"
# What tkeras writes as "backend". The data are laid out exactly as TensorFlow-backend
# Keras 2 lays them out (channels_last, TF kernel layouts), and Keras 2 readers use this
# field to decide whether to convert kernels (they convert for "theano"); an unknown
# value such as "torch" would confuse them. So the honest answer for the file format
# is "tensorflow", even though tkeras computes with torch.
BACKEND = "tensorflow"

# The marker tf-keras writes for a non-tensor value in a layer call's first argument:
# ["_CONSTANT_VALUE", -1, value, kwargs].
_CONSTANT_VALUE = "_CONSTANT_VALUE"

_LOADING = threading.local()


# ---------------------------------------------------------------------- safe mode
@contextlib.contextmanager
def _safe_mode_scope(safe_mode):
    """Makes `safe_mode` the default for every layer deserialized inside the block, so
    nested models (and custom `from_config`s that load sub-models) inherit it."""
    previous = getattr(_LOADING, "safe_mode", None)
    _LOADING.safe_mode = bool(safe_mode)
    try:
        yield
    finally:
        _LOADING.safe_mode = previous


def _current_safe_mode():
    value = getattr(_LOADING, "safe_mode", None)
    return True if value is None else value


# ---------------------------------------------------------------------- errors
def _short(value, limit=200):
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


@contextlib.contextmanager
def _config_errors(what, config):
    """Turns an error raised while building a model from a config into a ValueError
    that says which layer or step failed and on which config. A config read from a file
    can hold anything; a layer constructor or call handed nonsense may fail in any way
    (TypeError, IndexError, a torch RuntimeError, ...), and the user needs to know
    that the config is at fault, and where. ValueErrors (ours) pass unchanged."""
    try:
        yield
    except (ValueError, _NotReady):
        raise
    except Exception as err:  # noqa: BLE001 - re-raised with context
        raise ValueError(
            f"{what} failed: {type(err).__name__}: {str(err).rstrip('.')}. The config is "
            "invalid, or was written for other custom objects or another version. "
            f"Received config: {_short(config)}") from err


# ---------------------------------------------------------------------- JSON
def get_json_type(obj):
    """`json.dumps` default hook of Keras 2: configs for objects with `get_config`,
    lists for arrays, Python scalars for numpy scalars, names for callables/types."""
    if hasattr(obj, "get_config") and not isinstance(obj, type):
        return {"class_name": type(obj).__name__, "config": obj.get_config()}
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.dtype):
        return obj.name
    try:
        import torch

        if isinstance(obj, torch.Tensor):
            return obj.detach().cpu().tolist()
        if isinstance(obj, torch.dtype):
            return str(obj).replace("torch.", "")
    except ImportError:  # pragma: no cover - torch is a core dependency
        pass
    if isinstance(obj, (set, frozenset)):
        return list(obj)
    if callable(obj) and hasattr(obj, "__name__"):
        return obj.__name__
    raise TypeError(f"Not JSON Serializable: {obj!r} (of type {type(obj).__name__}).")


def to_json(model, **kwargs):
    """The model's architecture as a Keras 2 JSON string (`model.to_json()`).

    `kwargs` go to `json.dumps` (e.g. `indent=2`). The string holds `class_name`,
    `config`, `keras_version` and `backend`; weights are not included.
    """
    data = {
        "class_name": type(model).__name__,
        "config": model.get_config(),
        "keras_version": KERAS_VERSION,
        "backend": BACKEND,
    }
    return json.dumps(data, default=get_json_type, **kwargs)


def model_from_json(json_string, custom_objects=None, safe_mode=True):
    """Rebuilds a model (new weights) from the JSON of `model.to_json()`.

    Args:
        json_string: the JSON text, as written by Keras 2 or tkeras.
        custom_objects: dict of custom layers / functions referenced by name.
        safe_mode: if True (default), refuse Lambda layers stored as Python bytecode.

    Example:

    >>> model = tkeras.Sequential([tkeras.layers.Dense(2, input_shape=(3,))])
    >>> tkeras.models.model_from_json(model.to_json()).output_shape
    (None, 2)
    """
    if isinstance(json_string, bytes):
        json_string = json_string.decode("utf-8")
    try:
        config = json.loads(json_string)
    except (TypeError, ValueError, RecursionError) as err:
        raise ValueError(
            f"`model_from_json` expects the JSON string of `model.to_json()`. It could not "
            f"be parsed: {err}. Received: {str(json_string)[:80]!r}"
        ) from None
    return model_from_config(config, custom_objects=custom_objects, safe_mode=safe_mode)


def model_from_yaml(yaml_string, custom_objects=None):
    """Removed: YAML model configs were dropped from Keras 2 (loading YAML could run
    arbitrary code). Use `model.to_json()` and `model_from_json()` instead."""
    raise RuntimeError(
        "Method `model_from_yaml()` has been removed due to security risk of arbitrary "
        "code execution. Please use `Model.to_json()` and `model_from_json()` instead."
    )


def model_from_config(config, custom_objects=None, safe_mode=True):
    """Instantiates a model from `{"class_name": ..., "config": ...}` (new weights).

    Args:
        config: a dict such as the one `model.to_json()` encodes (extra keys like
            `keras_version` and `backend` are ignored).
        custom_objects: dict of custom layers / functions referenced by name.
        safe_mode: if True (default), refuse Lambda layers stored as Python bytecode.
    """
    if isinstance(config, list):
        raise TypeError(
            "`model_from_config` expects a dictionary, not a list. Received: "
            f"config={str(config)[:80]}... Did you meant to use "
            "`Sequential.from_config(config)`?"
        )
    if not isinstance(config, dict) or "class_name" not in config or "config" not in config:
        raise ValueError(
            "`model_from_config` expects a dict with keys 'class_name' and 'config' (the "
            f"format of `model.to_json()`). Received: {str(config)[:80]!r}"
        )
    from tkeras.utils.generic_utils import CustomObjectScope

    # The scope lets nested deserialization (activations, initializers, ... inside layer
    # configs) see `custom_objects` too, as Keras 2 does.
    with CustomObjectScope(custom_objects or {}), \
            _config_errors(f"Building model {config.get('class_name')!r}", config):
        return _deserialize_layer(config, custom_objects, safe_mode)


# ---------------------------------------------------------------------- layers
def _layer_classes(custom_objects):
    from tkeras import layers as layers_module
    from tkeras.utils import generic_utils

    objects = layers_module._layer_objects()
    objects.update(generic_utils._scoped_objects())
    objects.update(custom_objects or {})
    return objects


def _clean_layer_config(cls, config):
    """Adapts configs written by newer Keras 2 releases to tkeras's constructors."""
    from tkeras.engine.input_layer import InputLayer

    if not isinstance(config, dict):
        return config
    config = dict(config)
    dtype = config.get("dtype")
    if isinstance(dtype, dict):  # a mixed-precision Policy / DTypePolicy config
        config["dtype"] = (dtype.get("config") or {}).get("name")
    if isinstance(cls, type) and issubclass(cls, InputLayer):
        if "batch_shape" in config:  # Keras 3 name
            batch_shape = config.pop("batch_shape")
            config.setdefault("batch_input_shape", batch_shape)
        config.pop("optional", None)  # tf-keras >= 2.16 (optional inputs)
    return config


def _accepts(fn, name):
    try:
        return name in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


def _deserialize_layer(layer_data, custom_objects=None, safe_mode=True):
    """Creates one layer (or nested model) from `{"class_name", "config", ...}`.

    Newer files add `module`, `registered_name`, `build_config`, `compile_config`
    beside `class_name`/`config`; they are not needed to rebuild the layer.
    """
    if not isinstance(layer_data, dict) or "class_name" not in layer_data:
        raise ValueError(
            "Improper layer config: expected a dict with 'class_name' and 'config'. "
            f"Received: {str(layer_data)[:120]!r}"
        )
    config = layer_data.get("config")
    name = config.get("name") if isinstance(config, dict) else None
    what = f"Creating layer {name!r} of class {layer_data['class_name']!r}"
    with _config_errors(what, layer_data):
        return _deserialize_checked_layer(layer_data, custom_objects, safe_mode)


def _deserialize_checked_layer(layer_data, custom_objects, safe_mode):
    from tkeras import layers as layers_module
    from tkeras.engine.functional import Functional
    from tkeras.engine.sequential import Sequential
    from tkeras.engine.training import Model

    class_name = layer_data["class_name"]
    if not isinstance(class_name, str):
        raise ValueError(f"Improper layer config: 'class_name' must be a string. "
                         f"Received: class_name={_short(class_name)}")
    cls = _layer_classes(custom_objects).get(class_name)
    config = _clean_layer_config(cls, layer_data.get("config", {}))
    if isinstance(cls, type):
        default_from_config = getattr(cls.from_config, "__func__", None)
        if issubclass(cls, Sequential) and \
                default_from_config is Sequential.from_config.__func__:
            return sequential_from_config(config, custom_objects, cls, safe_mode)
        if issubclass(cls, Model) and default_from_config in (
                Functional.from_config.__func__, getattr(Model.from_config, "__func__", None)):
            return functional_from_config(config, custom_objects, cls, safe_mode)
        if _accepts(cls.from_config, "safe_mode"):  # Lambda and its subclasses
            return cls.from_config(config, custom_objects=custom_objects, safe_mode=safe_mode)
    with _safe_mode_scope(safe_mode):
        return layers_module.deserialize(
            {"class_name": class_name, "config": config}, custom_objects=custom_objects)


def _serialize_layer(layer):
    return {"class_name": type(layer).__name__, "config": layer.get_config()}


# ---------------------------------------------------------------------- Sequential
def sequential_config(model):
    """`Sequential.get_config()`: `{"name", "layers"}`, the InputLayer first once the
    model knows its input (as tf-keras 2.21 writes it)."""
    layer_configs = []
    if model.inputs:
        input_layer = model.inputs[0]._keras_history[0]
        layer_configs.append(_serialize_layer(input_layer))
    layer_configs += [_serialize_layer(layer) for layer in model.layers]
    config = {"name": model.name, "layers": layer_configs}
    build_shape = getattr(model, "_build_input_shape", None)
    if not model.inputs and build_shape is not None:
        config["build_input_shape"] = list(build_shape)
    return config


def sequential_from_config(config, custom_objects=None, cls=None, safe_mode=None):
    """`Sequential.from_config()`. Accepts the 2.2.3+ dict form `{"name", "layers",
    "build_input_shape"?}` and the older plain list of layer configs (Keras <= 2.2.2 and
    Keras 1); the input comes from an InputLayer listed first, from `batch_input_shape`
    on the first layer, or from `build_input_shape`."""
    from tkeras.engine.sequential import Sequential

    if safe_mode is None:
        safe_mode = _current_safe_mode()
    cls = cls or Sequential
    if isinstance(config, dict):
        if "layers" not in config:
            raise ValueError(
                "Improper Sequential config: expected a dict with a 'layers' list (or a "
                f"list of layer configs). Received keys: {sorted(config)}"
            )
        name, layer_configs = config.get("name"), config["layers"]
        build_input_shape = config.get("build_input_shape")
    elif isinstance(config, (list, tuple)):
        name, layer_configs, build_input_shape = None, config, None
    else:
        raise ValueError(
            "Improper Sequential config: expected a dict or a list of layer configs. "
            f"Received: {str(config)[:80]!r}"
        )
    if not isinstance(layer_configs, (list, tuple)):
        raise ValueError("Improper Sequential config: 'layers' must be a list of layer "
                         f"configs. Received: layers={_short(layer_configs)}")
    with _config_errors(f"Creating Sequential model {name!r}", config):
        model = cls(name=name)
    for layer_data in layer_configs:
        layer = _deserialize_layer(layer_data, custom_objects, safe_mode)
        with _config_errors(f"Adding layer {getattr(layer, 'name', None)!r} to Sequential "
                            f"model {name!r}", layer_data):
            model.add(layer)
    if not model.inputs and build_input_shape:
        with _config_errors(f"Building Sequential model {name!r}", config):
            model.build(tuple(build_input_shape))
    return model


# ---------------------------------------------------------------------- Functional
def _first_node_is_internal(layer):
    nodes = layer._inbound_nodes
    return bool(nodes) and getattr(nodes[0], "_internal", False)


def _node_conversion_map(model):
    """(id(layer), node_index) -> the node's index in this model's config."""
    conversion = {}
    for layer in model.layers:
        kept = 1 if _first_node_is_internal(layer) else 0
        for index, node in enumerate(layer._inbound_nodes):
            if id(node) in model._network_nodes:
                conversion[(id(layer), index)] = kept
                kept += 1
    return conversion


def _json_ready(value):
    try:
        json.dumps(value, default=get_json_type)
        return True
    except (TypeError, ValueError):
        return False


def _serialize_node(layer, node, conversion):
    def ref(t):
        inbound, node_index, tensor_index = t._keras_history
        return [inbound.name, conversion.get((id(inbound), node_index), 0), tensor_index]

    # Positional arguments after the inputs are stored as keyword arguments, by name.
    kwargs = {}
    extra_args = node.call_args[1:]
    if extra_args:
        try:
            names = [p for p in inspect.signature(layer.call).parameters][1:]
        except (TypeError, ValueError):
            names = []
        if len(names) < len(extra_args):
            raise ValueError(
                f"Layer '{layer.name}' was called with positional arguments that cannot be "
                "named in a config. Pass them as keyword arguments."
            )
        kwargs.update(zip(names, extra_args))
    kwargs.update(node.call_kwargs)
    kwargs = map_structure(lambda x: ref(x) if is_keras_tensor(x) else x, kwargs)
    for key in list(kwargs):
        if not _json_ready(kwargs[key]):
            warnings.warn(
                f"Layer '{layer.name}' was passed non-serializable keyword argument "
                f"`{key}`. It will not be included in the serialized model (and thus "
                "will be missing at deserialization time).", stacklevel=4)
            del kwargs[key]
    kwargs = json.loads(json.dumps(kwargs, default=get_json_type))

    def entry(x):
        if is_keras_tensor(x):
            return ref(x) + [kwargs]
        return [_CONSTANT_VALUE, -1, x, kwargs]

    inputs = node.call_args[0] if node.call_args else []
    if isinstance(inputs, dict):
        return {k: map_structure(entry, v) for k, v in inputs.items()}
    if isinstance(inputs, (list, tuple)):
        return [map_structure(entry, x) for x in inputs]
    if getattr(layer, "_preserve_input_structure_in_config", False):
        return entry(inputs)  # tf-keras's TFOpLambda: one input is not wrapped in a list
    return [entry(inputs)]


def functional_config(model):
    """`Functional.get_config()` in the Keras 2 schema (see the module docstring)."""
    conversion = _node_conversion_map(model)
    layer_configs = []
    for layer in model.layers:
        inbound_nodes = []
        for index, node in enumerate(layer._inbound_nodes):
            if id(node) not in model._network_nodes or not node.input_tensors:
                continue  # another model's call, or an InputLayer's own node
            inbound_nodes.append(_serialize_node(layer, node, conversion))
        entry = {"name": layer.name}
        entry.update(_serialize_layer(layer))
        entry["inbound_nodes"] = inbound_nodes
        layer_configs.append(entry)

    def ref(t):
        layer, node_index, tensor_index = t._keras_history
        return [layer.name, conversion.get((id(layer), node_index), 0), tensor_index]

    def io_config(nested):
        # tf-keras writes a list of triples for one tensor and for a list, a dict of
        # triples for a dict.
        if isinstance(nested, dict):
            return {k: ref(v) for k, v in nested.items()}
        if isinstance(nested, (list, tuple)):
            return [ref(t) for t in flatten(list(nested))]
        return [ref(nested)]

    return {
        "name": model.name,
        "trainable": model.trainable,
        "layers": layer_configs,
        "input_layers": io_config(model._nested_inputs),
        "output_layers": io_config(model._nested_outputs),
    }


class _NotReady(Exception):
    """An inbound node of a queued layer call does not exist yet."""


def _is_entry(x):
    """`[layer_name, node_index, tensor_index(, kwargs)]` (or a constant entry)."""
    return (isinstance(x, (list, tuple)) and len(x) in (3, 4) and isinstance(x[0], str)
            and isinstance(x[1], int) and not isinstance(x[1], bool)
            and (x[0] == _CONSTANT_VALUE or isinstance(x[2], int)))


def _entries(node_data):
    """All entries of one inbound node (any nesting of lists / dicts)."""
    if _is_entry(node_data):
        return [node_data]
    if isinstance(node_data, dict):
        return [e for v in node_data.values() for e in _entries(v)]
    if isinstance(node_data, (list, tuple)):
        return [e for v in node_data for e in _entries(v)]
    return []


def _io_entries(spec):
    """`input_layers` / `output_layers`: list of triples, one triple, or a dict."""
    if _is_entry(spec):
        return [spec], "single"
    if isinstance(spec, dict):
        return list(spec.values()), "dict"
    return list(spec), "list"


class _Graph:
    """Layers of a functional config and the tensors of their processed calls."""

    def __init__(self, config, custom_objects, safe_mode):
        self.model_name = config.get("name")
        self.layers_data = config["layers"]
        self.layers = {}
        for layer_data in self.layers_data:
            name = layer_data.get("name") or (layer_data.get("config") or {}).get("name")
            if name in self.layers:
                raise ValueError(
                    f"The config of model '{self.model_name}' lists layer '{name}' twice. "
                    "All layer names should be unique."
                )
            self.layers[name] = _deserialize_layer(layer_data, custom_objects, safe_mode)
            layer_data["__name"] = name
        self.outputs = {}  # (layer name, config node index) -> flat output tensors
        self.next_index = {}
        self._check_references(config)

    def _check_references(self, config):
        refs = {}

        def note(entry, where):
            name = entry[0]
            if name == _CONSTANT_VALUE:
                return
            if name not in self.layers:
                raise ValueError(
                    f"{where} of model '{self.model_name}' refers to layer '{name}', which "
                    "is not in the config's 'layers' list. Known layers: "
                    f"{list(self.layers)}."
                )
            refs.setdefault(name, set()).add(entry[1])

        for layer_data in self.layers_data:
            for node_data in layer_data.get("inbound_nodes") or []:
                for entry in _entries(node_data):
                    note(entry, f"An inbound node of layer '{layer_data['__name']}'")
                    if len(entry) == 4:
                        for t in _entries(entry[3]):
                            if t[0] in self.layers:
                                refs.setdefault(t[0], set()).add(t[1])
        for key in ("input_layers", "output_layers"):
            if key not in config:
                raise ValueError(
                    f"Improper functional config of model '{self.model_name}': missing "
                    f"'{key}'."
                )
            for entry in _io_entries(config[key])[0]:
                note(entry, f"'{key}'")

        for layer_data in self.layers_data:
            name = layer_data["__name"]
            layer = self.layers[name]
            n_calls = len(layer_data.get("inbound_nodes") or [])
            if n_calls == 0 and layer._inbound_nodes:  # InputLayer: its node exists already
                self.outputs[(name, 0)] = list(layer._inbound_nodes[0].output_tensors)
            # Calls are numbered from 1 for a nested model (node 0 is its own graph).
            # Trust the numbers the file uses when they tell; otherwise ask the layer.
            used = refs.get(name, set())
            if used and max(used) >= n_calls > 0:
                start = 1
            elif 0 in used:
                start = 0
            else:
                start = 1 if _first_node_is_internal(layer) else 0
            self.next_index[name] = start

    def tensor(self, name, node_index, tensor_index):
        outs = self.outputs.get((name, node_index))
        if outs is None:
            raise _NotReady((name, node_index))
        if not 0 <= tensor_index < len(outs):
            raise ValueError(
                f"The config of model '{self.model_name}' asks for output {tensor_index} of "
                f"layer '{name}' (node {node_index}), which has {len(outs)} output(s)."
            )
        return outs[tensor_index]

    def _kwargs(self, kwargs):
        def resolve(x):
            if isinstance(x, dict):
                return {k: resolve(v) for k, v in x.items()}
            if _is_entry(x) and len(x) == 3 and x[0] in self.layers:
                return self.tensor(*x)
            if isinstance(x, list):
                return [resolve(v) for v in x]
            return x

        return resolve(kwargs or {})

    def call_node(self, name, node_data):
        """Calls layer `name` as `node_data` says; raises `_NotReady` if an input is
        missing (the node then waits for a later pass)."""
        kwargs = {}

        def build(x):
            if _is_entry(x):
                if len(x) == 4:
                    kwargs.clear()
                    kwargs.update(self._kwargs(x[3]))
                if x[0] == _CONSTANT_VALUE:
                    return x[2]
                return self.tensor(x[0], x[1], x[2])
            if isinstance(x, dict):
                return {k: build(v) for k, v in x.items()}
            if isinstance(x, (list, tuple)):
                return [build(v) for v in x]
            raise ValueError(
                f"Improperly formatted inbound node of layer '{name}' in model "
                f"'{self.model_name}': {str(node_data)[:120]}"
            )

        inputs = build([node_data] if _is_entry(node_data) else node_data)
        if isinstance(inputs, list) and len(inputs) == 1:
            inputs = inputs[0]
        layer = self.layers[name]
        with _config_errors(f"Calling layer {name!r} of model {self.model_name!r} as the "
                            "config's inbound node says", node_data):
            outputs = layer(inputs, **kwargs)
        self.outputs[(name, self.next_index[name])] = [
            t for t in flatten(outputs) if is_keras_tensor(t)]
        self.next_index[name] += 1

    def run(self):
        queue = {d["__name"]: list(d.get("inbound_nodes") or []) for d in self.layers_data}
        while any(queue.values()):
            progress = False
            for layer_data in self.layers_data:  # layer order, as Keras 2
                name = layer_data["__name"]
                nodes = queue[name]
                while nodes:  # in order: a waiting call keeps later calls waiting
                    try:
                        self.call_node(name, nodes[0])
                    except _NotReady:
                        break
                    nodes.pop(0)
                    progress = True
            if not progress:
                name = next(n for n, q in queue.items() if q)
                ref_name, ref_index = "?", "?"
                try:
                    self.call_node(name, queue[name][0])
                except _NotReady as missing:
                    (ref_name, ref_index), = missing.args
                raise ValueError(
                    f"Cannot rebuild model '{self.model_name}': a call of layer '{name}' "
                    f"needs node {ref_index} of layer '{ref_name}', which the config never "
                    "creates (the config is inconsistent or contains a cycle)."
                )

    def io_tensors(self, spec, key):
        entries, kind = _io_entries(spec)
        try:
            tensors = [self.tensor(e[0], e[1], e[2]) for e in entries]
        except _NotReady as missing:
            (ref_name, ref_index), = missing.args
            raise ValueError(
                f"'{key}' of model '{self.model_name}' refers to node {ref_index} of layer "
                f"'{ref_name}', which the config never creates."
            ) from None
        if kind == "dict":
            return dict(zip(spec.keys(), tensors))
        # One tensor is passed unwrapped, as tf-keras does for `[[name, 0, 0]]`.
        return tensors[0] if len(tensors) == 1 else tensors


def _is_functional_config(config):
    return isinstance(config, dict) and all(
        k in config for k in ("layers", "input_layers", "output_layers"))


def functional_from_config(config, custom_objects=None, cls=None, safe_mode=None):
    """`Functional.from_config()`: creates every layer, then replays the layer calls
    until every inbound tensor exists (shared layers at different depths included),
    and returns `cls(inputs=..., outputs=..., name=...)`.

    Accepts Keras 2 (`"Model"`) and tf-keras (`"Functional"`) class names for nested
    models, 3-element inbound entries, and the extra keys newer files carry.
    """
    from tkeras.engine.functional import Functional
    from tkeras.engine.training import Model

    if safe_mode is None:
        safe_mode = _current_safe_mode()
    if cls is None or cls is Model:
        cls = Functional
    if not _is_functional_config(config):
        if isinstance(config, dict) and not issubclass(cls, Functional):
            return cls(**config)  # a subclassed model whose config holds its init args
        keys = sorted(config) if isinstance(config, dict) else type(config).__name__
        raise ValueError(
            "Improper functional model config: expected a dict with 'layers', "
            f"'input_layers' and 'output_layers'. Received: {keys}"
        )
    config = dict(config)
    config["layers"] = [dict(d) for d in config["layers"]]
    with _safe_mode_scope(safe_mode):
        graph = _Graph(config, custom_objects, safe_mode)
        graph.run()
        inputs = graph.io_tensors(config["input_layers"], "input_layers")
        outputs = graph.io_tensors(config["output_layers"], "output_layers")
    with _config_errors(f"Creating model {config.get('name')!r} from its inputs and "
                        "outputs", {k: config[k] for k in ("input_layers", "output_layers")}):
        model = cls(inputs=inputs, outputs=outputs, name=config.get("name"))
    if config.get("trainable") is False:
        model.trainable = False
    return model


# ---------------------------------------------------------------------- clone_model
def _clone_layer(layer):
    """Default `clone_function`: a new layer with the same config and fresh weights."""
    from tkeras.engine.functional import Functional
    from tkeras.engine.base_layer import Layer
    from tkeras.layers.core import Lambda

    if isinstance(layer, Functional):
        return clone_model(layer)
    if isinstance(layer, Lambda) and type(layer).__init__ is Lambda.__init__:
        # Reuse the function object itself: going through the config would need its name
        # in custom_objects, or bytecode (refused by safe mode).
        base = Layer.get_config(layer)
        if layer.activity_regularizer is not None:
            base["activity_regularizer"] = layer.activity_regularizer
        return type(layer)(layer.function, output_shape=layer._output_shape, mask=layer.mask,
                           arguments=dict(layer.arguments), **base)
    return type(layer).from_config(layer.get_config())


def _input_from_value(x, name):
    """An Input standing for a concrete tensor/array given as `input_tensors`."""
    from tkeras.engine.input_layer import Input

    shape = tuple(x.shape)
    dtype = getattr(x, "dtype", None)
    dtype = str(dtype).replace("torch.", "") if dtype is not None else None
    return Input(batch_shape=(None,) + shape[1:], dtype=dtype, name=name)


def _clone_sequential(model, input_tensors, clone_function):
    from tkeras.engine.input_layer import InputLayer
    from tkeras.engine.sequential import Sequential

    layers = [clone_function(layer) for layer in model.layers]
    if input_tensors is None:
        if model.inputs:
            source = model.inputs[0]._keras_history[0]
            layers = [InputLayer.from_config(source.get_config())] + layers
        return Sequential(layers=layers, name=model.name)
    if isinstance(input_tensors, (list, tuple)):
        if len(input_tensors) != 1:
            raise ValueError(
                "To clone a `Sequential` model, we expect at most one tensor as part of "
                f"`input_tensors`. Received: {len(input_tensors)} tensors."
            )
        input_tensors = input_tensors[0]
    x = input_tensors
    if not is_keras_tensor(x):
        x = _input_from_value(x, f"input_wrapper_for_{layers[0].name}" if layers else None)
    origin = x._keras_history[0]
    if not isinstance(origin, InputLayer):
        raise ValueError(
            "`clone_model` of a Sequential model needs `input_tensors` created by "
            f"`tkeras.Input()`. Received the output of layer '{origin.name}'. Clone the "
            "model without `input_tensors` and call it on the tensor instead: "
            "`clone_model(model)(x)`."
        )
    return Sequential(layers=[origin] + layers, name=model.name)


def _clone_functional(model, input_tensors, clone_function):
    from tkeras.engine.functional import Functional
    from tkeras.engine.input_layer import InputLayer

    tensor_map = {}
    if input_tensors is None:
        new_inputs = []
        for layer in model._input_layers:
            clone = InputLayer.from_config(layer.get_config())
            new_inputs.append(clone._inbound_nodes[0].output_tensors[0])
    else:
        if isinstance(input_tensors, dict):
            given = ([input_tensors[n] for n in model.input_names]
                     if set(model.input_names) <= set(input_tensors) else
                     list(input_tensors.values()))
        elif isinstance(input_tensors, (list, tuple)):
            given = list(input_tensors)
        else:
            given = [input_tensors]
        if len(given) != len(model.inputs):
            raise ValueError(
                f"`input_tensors` must hold one tensor per model input: model "
                f"'{model.name}' has {len(model.inputs)} input(s), received {len(given)}."
            )
        new_inputs = [
            x if is_keras_tensor(x) else _input_from_value(x, f"input_wrapper_for_{layer.name}")
            for x, layer in zip(given, model._input_layers)]
    for old, new in zip(model.inputs, new_inputs):
        tensor_map[id(old)] = new

    layer_map = {}
    for depth in sorted(model._nodes_by_depth, reverse=True):
        for node in model._nodes_by_depth[depth]:
            layer = node.outbound_layer
            if isinstance(layer, InputLayer):
                continue
            if id(layer) not in layer_map:
                layer_map[id(layer)] = clone_function(layer)
            if not all(id(t) in tensor_map for t in node.input_tensors):
                continue
            new_layer = layer_map[id(layer)]
            swap = lambda x: tensor_map[id(x)] if is_keras_tensor(x) else x
            args = map_structure(swap, tuple(node.call_args))
            kwargs = map_structure(swap, dict(node.call_kwargs))
            outputs = new_layer(*args, **kwargs)
            new_outputs = [t for t in flatten(outputs) if is_keras_tensor(t)]
            for old, new in zip(node.output_tensors, new_outputs):
                tensor_map[id(old)] = new

    missing = [t for t in model.outputs if id(t) not in tensor_map]
    if missing:
        raise ValueError(
            f"Could not compute output {missing[0]} while cloning model '{model.name}'."
        )
    inputs = map_structure(lambda t: tensor_map[id(t)], model._nested_inputs)
    outputs = map_structure(lambda t: tensor_map[id(t)], model._nested_outputs)
    return Functional(inputs=inputs, outputs=outputs, name=model.name)


def clone_model(model, input_tensors=None, clone_function=None):
    """A new model with the same architecture and newly initialized weights.

    Args:
        model: a Sequential or functional model. Shared layers stay shared (each is
            cloned once) and nested models are cloned recursively.
        input_tensors: optional tensor(s) to build the clone on, instead of new
            `Input`s of the same shapes.
        clone_function: `layer -> new layer`. Defaults to a new layer from
            `layer.get_config()` (weights not copied).

    Example:

    >>> model = tkeras.Sequential([tkeras.layers.Dense(2, input_shape=(3,))])
    >>> clone = tkeras.models.clone_model(model)
    >>> clone.output_shape
    (None, 2)
    """
    from tkeras.engine.functional import Functional
    from tkeras.engine.sequential import Sequential

    if clone_function is None:
        clone_function = _clone_layer
    if isinstance(model, Sequential):
        return _clone_sequential(model, input_tensors, clone_function)
    if isinstance(model, Functional):
        return _clone_functional(model, input_tensors, clone_function)
    raise ValueError(
        "Expected `model` argument to be a functional `Model` or a `Sequential` "
        "instance, but got a subclassed model instead. Received: "
        f"model={model!r}. Subclassed models have no graph to clone; create a new "
        "instance of the class instead."
    )
