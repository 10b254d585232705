"""Symbolic tensors and nodes of the functional API.

`Input()` returns a `KerasTensor`: a shape (batch dimension `None`), a dtype and the
history `(layer, node_index, tensor_index)` of the call that produced it. Calling a layer
on KerasTensors records a `Node`; `Model(inputs, outputs)` walks the nodes back from the
outputs and runs them eagerly on real tensors later.
"""
import torch

from tkeras.backend import _config


class TensorShape(tuple):
    """A shape tuple with `None` for unknown dimensions; `as_list()` as TensorFlow's."""

    def as_list(self):
        return list(self)

    @property
    def rank(self):
        return len(self)

    @property
    def ndims(self):
        return len(self)


def _dtype_name(dtype):
    if isinstance(dtype, torch.dtype):
        return str(dtype).replace("torch.", "")
    return str(dtype) if dtype is not None else _config.floatx()


def torch_dtype(name):
    if isinstance(name, torch.dtype):
        return name
    name = str(name)
    if name == "bool":
        return torch.bool
    return getattr(torch, name)


class KerasTensor:
    """Symbolic tensor of the functional API: shape, dtype and the layer that made it."""

    _is_keras_tensor = True
    __array_priority__ = 1000  # so `np_scalar * keras_tensor` calls our __rmul__

    def __init__(self, shape, dtype=None, name=None):
        self.shape = TensorShape(None if d is None else int(d) for d in shape)
        self.dtype = _dtype_name(dtype)
        self.name = name
        self._keras_history = None  # (layer, node_index, tensor_index)
        self._keras_mask = None  # KerasTensor of the mask, or None

    # -- Keras 1/2 compatibility accessors
    @property
    def _keras_shape(self):
        return tuple(self.shape)

    def get_shape(self):
        return self.shape

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def node(self):
        layer, node_index, _ = self._keras_history
        return layer._inbound_nodes[node_index]

    def __repr__(self):
        layer = self._keras_history[0].name if self._keras_history else None
        return (f"<KerasTensor shape={tuple(self.shape)} dtype={self.dtype} "
                f"(created by layer '{layer}')>")

    def __len__(self):
        raise TypeError(
            "A KerasTensor is symbolic: it has no length. Use `K.int_shape(x)` or "
            "`x.shape` to read its static shape."
        )

    def __bool__(self):
        raise TypeError(
            "A KerasTensor is symbolic: it has no truth value. Python `if`/`and`/`or` on "
            "layer outputs cannot work in the functional API; use `K.switch` or a Lambda layer."
        )

    def __iter__(self):
        raise TypeError(
            "Iterating over a symbolic KerasTensor is not possible. Index it (`x[:, 0]`) "
            "or use a Lambda layer."
        )

    def numpy(self):
        raise TypeError(
            "A KerasTensor is symbolic and has no value. Build a model with "
            "`Model(inputs, outputs)` and call `predict()` to get numbers."
        )

    __hash__ = object.__hash__


def _binary(fn_name, reverse=False):
    def method(self, other):
        fn = getattr(torch, fn_name)
        if reverse:
            return apply_op(_named(lambda a, b: fn(b, a), fn_name), (self, other), {})
        return apply_op(_named(fn, fn_name), (self, other), {})

    return method


def _named(fn, name):
    try:
        fn.__name__ = name
    except (AttributeError, TypeError):
        pass
    return fn


def _getitem(x, key):
    return x[key]


for _op, _fn in [("add", "add"), ("sub", "sub"), ("mul", "mul"), ("truediv", "div"),
                 ("pow", "pow"), ("matmul", "matmul"), ("floordiv", "floor_divide"),
                 ("mod", "remainder")]:
    setattr(KerasTensor, f"__{_op}__", _binary(_fn))
    setattr(KerasTensor, f"__r{_op}__", _binary(_fn, reverse=True))
for _op, _fn in [("lt", "lt"), ("le", "le"), ("gt", "gt"), ("ge", "ge")]:
    setattr(KerasTensor, f"__{_op}__", _binary(_fn))
KerasTensor.__neg__ = lambda self: apply_op(_named(torch.neg, "neg"), (self,), {})
KerasTensor.__abs__ = lambda self: apply_op(_named(torch.abs, "abs"), (self,), {})
KerasTensor.__getitem__ = lambda self, key: apply_op(_named(_getitem, "getitem"), (self, key), {})


class Node:
    """One call of a layer on symbolic inputs (Keras 2's `Node`).

    `call_args`/`call_kwargs` keep the call's structure with every KerasTensor in place, so
    the graph can substitute real tensors later (`initial_state=`, `mask=`, ... included).
    """

    def __init__(self, layer, call_args, call_kwargs, outputs):
        self.outbound_layer = layer
        self.call_args = call_args
        self.call_kwargs = call_kwargs
        self.input_tensors = flatten_keras_tensors((call_args, call_kwargs))
        self.output_tensors = list(outputs)
        self.inbound_layers = [t._keras_history[0] for t in self.input_tensors]
        self.node_indices = [t._keras_history[1] for t in self.input_tensors]
        self.tensor_indices = [t._keras_history[2] for t in self.input_tensors]
        node_index = len(layer._inbound_nodes)
        for i, t in enumerate(self.output_tensors):
            t._keras_history = (layer, node_index, i)
        layer._inbound_nodes.append(self)
        for inbound in self.inbound_layers:
            inbound._outbound_nodes.append(self)

    @property
    def layer(self):
        return self.outbound_layer

    @property
    def input_shapes(self):
        shapes = [tuple(t.shape) for t in self.input_tensors]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shapes(self):
        shapes = [tuple(t.shape) for t in self.output_tensors]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def input_masks(self):
        return [t._keras_mask for t in self.input_tensors]

    @property
    def output_masks(self):
        return [t._keras_mask for t in self.output_tensors]

    @property
    def arguments(self):
        return {k: v for k, v in self.call_kwargs.items()
                if not flatten_keras_tensors(v)}

    def __repr__(self):
        return f"<Node of layer '{self.outbound_layer.name}'>"


def is_keras_tensor(x):
    return getattr(x, "_is_keras_tensor", False) is True


def map_structure(fn, obj):
    """Applies `fn` to every leaf of nested lists/tuples/dicts."""
    if isinstance(obj, list):
        return [map_structure(fn, o) for o in obj]
    if isinstance(obj, tuple) and not isinstance(obj, TensorShape):
        return tuple(map_structure(fn, o) for o in obj)
    if isinstance(obj, dict):
        return {k: map_structure(fn, v) for k, v in obj.items()}
    return fn(obj)


def flatten(obj):
    out = []
    map_structure(out.append, obj)
    return out


def flatten_keras_tensors(obj):
    return [t for t in flatten(obj) if is_keras_tensor(t)]


def apply_op(fn, args, kwargs):
    """Records `fn(*args, **kwargs)` on KerasTensors as an op layer in the graph."""
    from tkeras.engine.base_layer import OpLayer

    return OpLayer(fn)(*args, **kwargs)
