"""`Layer`: the Keras 2 layer lifecycle on top of `torch.nn.Module`.

`__init__` stores the configuration, `build(input_shape)` creates weights (lazily on the
first call, or eagerly when `input_shape=` is given), `call()` computes. Weights are
`nn.Parameter`s (trainable) or buffers (non-trainable) registered on the module, so
`state_dict()`, `.to(device)` and torch optimizers see them. Every Keras-facing door
(`weights`, `get_weights`, `set_weights`, initializers) uses the Keras layout; a layer
that stores a weight in torch layout declares the conversion once with a `layout`.
"""
import inspect
import re
import threading

import numpy as np
import torch
from torch import nn

from tkeras.backend import _config
from tkeras.engine import input_spec as input_spec_module
from tkeras.engine.keras_tensor import (
    KerasTensor,
    Node,
    flatten,
    flatten_keras_tensors,
    map_structure,
    torch_dtype,
)
from tkeras.backend._dispatch import _contains_keras_tensor

_STATE = threading.local()
_CALL_GEN = [0]
# Batch size used for the meta-device run that infers output shapes of symbolic calls.
_SYMBOLIC_BATCH = 5
# Which model's compile-time trainability currently sets `requires_grad` (see training.py).
GRAD_CONFIG = {"owner": None}

_ALLOWED_KWARGS = {"input_shape", "batch_input_shape", "batch_size", "input_dim", "weights",
                   "activity_regularizer", "autocast", "input_length", "dynamic"}


def to_snake_case(name):
    s = re.sub(r"(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    s = re.sub(r"([a-z])([A-Z])", r"\1_\2", s).lower()
    return s if s[0] != "_" else "private" + s


class Permuted:
    """Weight stored in torch layout = Keras layout permuted by `perm`."""

    def __init__(self, perm):
        self.perm = tuple(perm)
        self.inverse = tuple(int(i) for i in np.argsort(self.perm))

    def to_torch(self, keras_value):
        return keras_value.permute(self.perm)

    def to_keras(self, torch_value):
        return torch_value.permute(self.inverse)


class _Assignable:
    """tf.Variable's update methods (Keras 2 code updates weights and metric state with
    `v.assign_add(x)`): in place, outside autograd; they return the variable."""

    def assign(self, value, use_locking=None, name=None, read_value=True):
        with torch.no_grad():
            self.copy_(_assign_operand(value, self))
        return self

    def assign_add(self, delta, use_locking=None, name=None, read_value=True):
        with torch.no_grad():
            self.add_(_assign_operand(delta, self))
        return self

    def assign_sub(self, delta, use_locking=None, name=None, read_value=True):
        with torch.no_grad():
            self.sub_(_assign_operand(delta, self))
        return self

    def numpy(self, *, force=False):
        return self.detach().cpu().numpy()


def _assign_operand(value, like):
    if isinstance(value, torch.Tensor):
        return value.detach().to(device=like.device, dtype=like.dtype)
    return torch.as_tensor(np.asarray(value), dtype=like.dtype, device=like.device)


class KerasBuffer(_Assignable, torch.Tensor):
    """A non-trainable weight (a module buffer) that has tf.Variable's `assign`,
    `assign_add` and `assign_sub`. Operations on it give plain tensors, as with
    `nn.Parameter`."""

    __torch_function__ = torch._C._disabled_torch_function_impl

    def __deepcopy__(self, memo):
        if id(self) not in memo:
            memo[id(self)] = as_keras_buffer(self.detach().clone())
        return memo[id(self)]

    def __reduce_ex__(self, proto):
        return (as_keras_buffer, (self.detach().as_subclass(torch.Tensor),))


def as_keras_buffer(tensor):
    """`tensor` (sharing its storage) as a `KerasBuffer`."""
    if type(tensor) is KerasBuffer:
        return tensor
    return torch.Tensor._make_subclass(KerasBuffer, tensor.detach(), False)


class KerasVariable(_Assignable, nn.Parameter):
    """A layer weight: an `nn.Parameter` that also carries its Keras name
    (`dense_1/kernel:0`), since torch tensors' own `.name` is read-only."""

    @property
    def name(self):
        return self.__dict__.get("_keras_name")

    def __repr__(self):
        return f"<KerasVariable '{self.name}' shape={tuple(self.shape)} dtype={self.dtype}>\n" + \
            super().__repr__()


def _named_alias(tensor, name):
    """A KerasVariable sharing `tensor`'s storage (reads and in-place writes go through)."""
    alias = torch.Tensor._make_subclass(KerasVariable, tensor.detach(), False)
    alias.__dict__["_keras_name"] = name
    return alias


class _WeightRecord:
    __slots__ = ("name", "attr", "trainable", "layout", "regularizer", "constraint")

    def __init__(self, name, attr, trainable, layout, regularizer, constraint):
        self.name = name
        self.attr = attr
        self.trainable = trainable
        self.layout = layout
        self.regularizer = regularizer
        self.constraint = constraint


_CALL_SIGNATURES = {}


def _call_signature(cls):
    """(accepts `training`, accepts `mask`) for `cls.call`, computed once per class."""
    sig = _CALL_SIGNATURES.get(cls)
    if sig is None:
        params = inspect.signature(cls.call).parameters
        var_kw = any(p.kind == p.VAR_KEYWORD for p in params.values())
        sig = ("training" in params or var_kw, "mask" in params or var_kw)
        _CALL_SIGNATURES[cls] = sig
    return sig


def _to_tensor(x):
    """numpy/Python values → torch tensors (floats as floatx); tensors pass through."""
    if isinstance(x, torch.Tensor):
        return x
    if isinstance(x, np.ndarray):
        if x.dtype.kind == "f":
            return torch.from_numpy(np.ascontiguousarray(x, dtype=_config.floatx()))
        if x.dtype.kind in "iub":
            return torch.from_numpy(np.ascontiguousarray(x))
        raise TypeError(f"Cannot feed a numpy array of dtype {x.dtype} to a layer.")
    if isinstance(x, (float, int, list)):
        arr = np.asarray(x)
        return _to_tensor(arr.astype(_config.floatx()) if arr.dtype == np.float64 else arr)
    return x


def _shape_of(x):
    return tuple(x.shape)


def _depth():
    return getattr(_STATE, "depth", 0)


def _snapshot_state(module):
    """A module's attributes, with its own dicts/lists copied one level deep."""
    return {k: (type(v)(v) if type(v) in (dict, list) else v)
            for k, v in module.__dict__.items()}


def _restore_state(module, state):
    module.__dict__.clear()
    module.__dict__.update({k: (type(v)(v) if type(v) in (dict, list) else v)
                            for k, v in state.items()})


class _meta_weights:
    """Temporarily replaces every parameter and buffer of `module` (recursively) by a meta
    tensor of the same shape, so shape inference never mixes devices or computes."""

    def __init__(self, module):
        self.module = module
        self.saved = []

    def __enter__(self):
        for m in self.module.modules():
            for table in (m._parameters, m._buffers):
                for key, value in table.items():
                    if value is not None and value.device.type != "meta":
                        self.saved.append((table, key, value))
                        table[key] = torch.empty_like(value, device="meta")

    def __exit__(self, *exc):
        for table, key, value in self.saved:
            table[key] = value
        self.saved = []


class Layer(nn.Module):
    """Base class of all layers: an `nn.Module` with the Keras 2 layer API.

    Args:
        trainable: whether the layer's weights are updated by training. Defaults to `True`.
        name: unique layer name; auto-generated (`dense_1`, ...) when omitted.
        dtype: float type of the weights. Defaults to `K.floatx()`.
        input_shape / batch_input_shape / batch_size / input_dim: declare the input of
            the first layer of a model (the model then builds at once).
        weights: list of numpy arrays set as initial weights after build.
        activity_regularizer: regularizer applied to the layer's output.

    Subclass it and implement `build(input_shape)` (create weights with `add_weight`),
    `call(inputs)` and, if it has arguments, `get_config()`.
    """

    def __init__(self, trainable=True, name=None, dtype=None, **kwargs):
        if "_parameters" not in self.__dict__:  # else a sub-layer came before super()
            super().__init__()
        for key in kwargs:
            if key not in _ALLOWED_KWARGS:
                raise TypeError(
                    f"{type(self).__name__} got an unexpected keyword argument `{key}`. "
                    f"Valid keyword arguments of the Layer base are: {sorted(_ALLOWED_KWARGS)}."
                )
        if name is None:
            prefix = to_snake_case(type(self).__name__)
            name = f"{prefix}_{_config.get_uid(prefix)}"
        elif not isinstance(name, str):
            raise TypeError(f"`name` must be a string. Received: name={name!r}")
        self._name = name
        self._trainable = bool(trainable)
        self.built = False
        self.input_spec = None
        self.supports_masking = False
        self.stateful = False
        from tkeras.mixed_precision import policy as _policy

        # Keras 2: `dtype` may be a mixed precision policy; `self.dtype` is the weights'.
        self._dtype_policy = _policy.layer_policy(dtype)
        self.dtype = self._dtype_policy.variable_dtype
        self._policy_run = self._dtype_policy if (
            self._dtype_policy.is_mixed or _policy._global_is_mixed()) else None
        self._inbound_nodes = []
        self._outbound_nodes = []
        self._weight_records = []
        self._symbolic_losses = []
        self._callable_losses = []
        self._eager_losses = []
        self._eager_losses_gen = -1
        self._build_input_shape = None

        batch_input_shape = kwargs.get("batch_input_shape")
        input_shape = kwargs.get("input_shape")
        if input_shape is None and kwargs.get("input_dim") is not None:
            input_shape = (kwargs["input_dim"],)
        if batch_input_shape is None and input_shape is not None:
            if isinstance(input_shape, int):
                input_shape = (input_shape,)
            batch_input_shape = (kwargs.get("batch_size"),) + tuple(input_shape)
        self._batch_input_shape = tuple(batch_input_shape) if batch_input_shape else None
        self._initial_weights = kwargs.get("weights")
        from tkeras import regularizers

        self.activity_regularizer = regularizers.get(kwargs.get("activity_regularizer"))

    # ------------------------------------------------------------------ names, flags
    @property
    def name(self):
        return self._name

    @name.setter
    def name(self, value):
        self._name = value

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        value = bool(value)
        for layer in self._flatten_layers(include_self=True):
            layer._trainable = value
            for rec in layer._weight_records:
                if rec.trainable:
                    getattr(layer, rec.attr).requires_grad_(value)
        # A compiled model re-applies its own trainability at its next train step.
        GRAD_CONFIG["owner"] = None

    @property
    def inbound_nodes(self):
        return self._inbound_nodes

    @property
    def outbound_nodes(self):
        return self._outbound_nodes

    def __setattr__(self, name, value):
        # Track lists/dicts of layers (`self.blocks = [Dense(8) for _ in range(3)]`);
        # private attributes are the engine's own bookkeeping and stay plain.
        public = not name.startswith("_")
        if "_parameters" not in self.__dict__:
            # Keras 2 layers may assign sub-layers before calling `super().__init__()`;
            # torch needs its module state first (Layer.__init__ then keeps it).
            nn.Module.__init__(self)
        if public and isinstance(value, list) and value and all(
                isinstance(v, nn.Module) for v in value):
            value = nn.ModuleList(value)
        elif (public and isinstance(value, dict) and value and all(isinstance(k, str) for k in value)
              and all(isinstance(v, nn.Module) for v in value.values())):
            value = nn.ModuleDict(value)
        elif isinstance(value, nn.Parameter) and "_weight_records" in self.__dict__:
            # `self.W = self.add_weight('kernel', ...)`: keep one entry under the user's name.
            for rec in self._weight_records:
                if rec.attr != name and self._parameters.get(rec.attr) is value:
                    del self._parameters[rec.attr]
                    rec.attr = name
                    break
        super().__setattr__(name, value)

    def __getattr__(self, name):
        try:
            return super().__getattr__(name)
        except AttributeError:
            # A property that raised AttributeError (e.g. `layer.output` on a shared
            # layer) lands here; re-run it so the user sees its message, not torch's.
            prop = getattr(type(self), name, None)
            if isinstance(prop, property):
                prop.fget(self)
            raise

    def _flatten_layers(self, include_self=True, recursive=True):
        """This layer (optionally) and its sub-layers, depth first, without duplicates."""
        seen = set()
        out = []

        def visit(module, top):
            for child in module.children():
                if isinstance(child, Layer):
                    if id(child) in seen:
                        continue
                    seen.add(id(child))
                    out.append(child)
                    if recursive:
                        visit(child, False)
                elif isinstance(child, (nn.ModuleList, nn.ModuleDict, nn.Sequential)):
                    visit(child, top)

        if include_self:
            seen.add(id(self))
            out.append(self)
        visit(self, True)
        return out

    def _sublayers(self):
        return self._flatten_layers(include_self=False, recursive=False)

    # ------------------------------------------------------------------ weights
    def add_weight(self, *args, name=None, shape=None, dtype=None, initializer=None,
                   regularizer=None, trainable=True, constraint=None, layout=None,
                   **kwargs):
        """Creates a weight of Keras-layout `shape` and registers it on the module.

        Returns the weight as the user sees it (Keras layout). `layout` (internal) stores it
        in torch layout instead, e.g. `Permuted((3, 2, 0, 1))` for a Conv2D kernel.
        """
        from tkeras import constraints, initializers, regularizers

        if args:
            if isinstance(args[0], (tuple, list, torch.Size)):
                # Keras 2.0 order: add_weight(shape, initializer, name, trainable,
                # regularizer, constraint)
                order = ("shape", "initializer", "name", "trainable", "regularizer", "constraint")
            else:
                order = ("name", "shape", "dtype", "initializer", "regularizer", "trainable",
                         "constraint")
            if len(args) > len(order):
                raise TypeError(f"add_weight() takes at most {len(order)} positional arguments.")
            given = dict(zip(order, args))
            name = given.get("name", name)
            shape = given.get("shape", shape)
            dtype = given.get("dtype", dtype)
            initializer = given.get("initializer", initializer)
            regularizer = given.get("regularizer", regularizer)
            trainable = given.get("trainable", trainable)
            constraint = given.get("constraint", constraint)
        if shape is None:
            raise ValueError(f"`add_weight` of layer '{self.name}' needs a `shape`.")
        shape = tuple(int(d) for d in shape)
        dtype = dtype.name if hasattr(dtype, "name") and not isinstance(dtype, torch.dtype) else dtype
        dtype = torch_dtype(dtype or self.dtype)
        if initializer is None:
            initializer = "glorot_uniform" if dtype.is_floating_point else "zeros"
        init = initializers.get(initializer)
        with torch.no_grad():
            value = init(shape, dtype=dtype)
            if not isinstance(value, torch.Tensor):
                value = torch.as_tensor(np.asarray(value), dtype=dtype)
            value = value.to(dtype=dtype).reshape(shape)
            if layout is not None:
                value = layout.to_torch(value)
            value = value.contiguous()
        device = next((t.device for t in self._all_weight_tensors()), None)
        if device is not None:
            value = value.to(device)
        short = str(name or f"weight_{len(self._weight_records)}")
        attr = re.sub(r"[^0-9a-zA-Z_]", "_", short.split(":")[0])
        if attr[0].isdigit():
            attr = "w_" + attr
        base, i = attr, 1
        while attr in self.__dict__ or attr in self._parameters or attr in self._buffers \
                or attr in self._modules or hasattr(type(self), attr):
            attr = f"{base}_{i}"
            i += 1
        if trainable:
            self.register_parameter(attr, KerasVariable(value, requires_grad=self._trainable))
        else:
            self.register_buffer(attr, as_keras_buffer(value) if layout is None else value)
        self._weight_records.append(_WeightRecord(
            short, attr, bool(trainable), layout, regularizers.get(regularizer),
            constraints.get(constraint)))
        rec = self._weight_records[-1]
        if trainable and layout is None:
            weight = getattr(self, attr)
            weight.__dict__["_keras_name"] = self._weight_full_name(rec)
            return weight
        return self._keras_view(rec)

    def _apply(self, fn, *args, **kwargs):
        out = super()._apply(fn, *args, **kwargs)
        # `.to(device)` and dtype casts give plain tensors: keep `assign` on the
        # non-trainable weights.
        for rec in self._weight_records:
            t = self._buffers.get(rec.attr)
            if t is not None and rec.layout is None and type(t) is torch.Tensor:
                self._buffers[rec.attr] = as_keras_buffer(t)
        return out

    def _all_weight_tensors(self):
        for rec in self._weight_records:
            yield getattr(self, rec.attr)

    def _keras_view(self, rec):
        t = getattr(self, rec.attr)
        if rec.layout is not None:
            t = rec.layout.to_keras(t)
        return t

    def _weight_full_name(self, rec):
        return f"{self.name}/{rec.name}" + ("" if ":" in rec.name else ":0")

    def _records(self, trainable):
        """(layer, record) pairs in Keras order for trainable/non-trainable weights."""
        out = []
        if trainable:
            if self.trainable:
                out += [(self, r) for r in self._weight_records if r.trainable]
                for layer in self._sublayers():
                    out += layer._records(True)
        else:
            if self.trainable:
                out += [(self, r) for r in self._weight_records if not r.trainable]
                for layer in self._sublayers():
                    out += layer._records(False)
            else:
                out += [(self, r) for r in self._weight_records]
                for layer in self._sublayers():
                    out += layer._records(True) + layer._records(False)
        seen, unique = set(), []
        for layer, rec in out:
            key = (id(layer), rec.attr)
            if key not in seen:
                seen.add(key)
                unique.append((layer, rec))
        return unique

    def _weight_pairs(self):
        return self._records(True) + self._records(False)

    @staticmethod
    def _views(pairs):
        out = []
        for layer, rec in pairs:
            t = getattr(layer, rec.attr)
            name = layer._weight_full_name(rec)
            if rec.layout is None and isinstance(t, KerasVariable):
                t.__dict__["_keras_name"] = name
                out.append(t)
            else:
                out.append(_named_alias(layer._keras_view(rec), name))
        return out

    @property
    def trainable_weights(self):
        return self._views(self._records(True))

    @property
    def non_trainable_weights(self):
        return self._views(self._records(False))

    @property
    def weights(self):
        return self._views(self._weight_pairs())

    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights
    variables = weights

    def _trainable_params(self):
        """The underlying `nn.Parameter`s of `trainable_weights`, deduplicated."""
        seen, out = set(), []
        for layer, rec in self._records(True):
            p = getattr(layer, rec.attr)
            if id(p) not in seen:
                seen.add(id(p))
                out.append(p)
        return out

    def get_weights(self):
        """The layer's weights as numpy arrays in Keras layout and order."""
        return [w.detach().cpu().numpy().copy() for w in self.weights]

    def set_weights(self, weights):
        """Sets the weights from numpy arrays in Keras layout; all shapes are checked
        before anything is assigned."""
        params = self.weights
        weights = list(weights)
        if len(params) != len(weights):
            raise ValueError(
                f"You called `set_weights(weights)` on layer '{self.name}' with a weight list "
                f"of length {len(weights)}, but the layer was expecting {len(params)} weights. "
                f"Provided weights: {str(weights)[:50]}..."
            )
        values = []
        for p, w in zip(params, weights):
            w = w.detach().cpu().numpy() if isinstance(w, torch.Tensor) else np.asarray(w)
            if tuple(p.shape) != tuple(w.shape):
                raise ValueError(
                    f"Layer weight shape {tuple(p.shape)} not compatible with provided weight "
                    f"shape {tuple(w.shape)} for weight '{getattr(p, 'name', '?')}' of layer "
                    f"'{self.name}'."
                )
            values.append(w)
        with torch.no_grad():
            for p, w in zip(params, values):
                p.copy_(torch.as_tensor(w, dtype=p.dtype))

    def count_params(self):
        if not self.built:
            raise ValueError(
                f"You tried to call `count_params` on layer '{self.name}', but the layer "
                "isn't built. You can build it manually via: "
                f"`{self.name}.build(batch_input_shape)`."
            )
        return int(sum(int(np.prod(w.shape)) for w in self.weights))

    # ------------------------------------------------------------------ losses
    def add_loss(self, losses, inputs=None):
        """Adds loss tensors (or zero-argument callables) to the layer; the model adds
        them to the training loss."""
        for loss in losses if isinstance(losses, (list, tuple)) else [losses]:
            if loss is None:
                continue
            if _contains_keras_tensor(loss):
                self._symbolic_losses.append(loss)
            elif callable(loss):
                self._callable_losses.append(loss)
            else:
                if not isinstance(loss, torch.Tensor):
                    loss = torch.as_tensor(loss, dtype=torch_dtype(_config.floatx()))
                self._record_eager_loss(loss)

    def _record_eager_loss(self, loss):
        if loss.device.type == "meta":  # shape inference of a symbolic call
            return
        gen = _CALL_GEN[0]
        if self._eager_losses_gen != gen:
            self._eager_losses = []
            self._eager_losses_gen = gen
        self._eager_losses.append(loss)
        collector = getattr(_STATE, "losses", None)
        if collector is not None:
            collector.append(loss)

    def _regularization_losses(self):
        out = []
        for layer, rec in self._weight_pairs():
            if rec.regularizer is not None:
                out.append(rec.regularizer(layer._keras_view(rec)))
        return out

    @property
    def losses(self):
        """Regularization penalties and the losses added during the last call."""
        out = self._regularization_losses()
        for layer in self._flatten_layers(include_self=True):
            if layer._eager_losses_gen == _CALL_GEN[0]:
                out += layer._eager_losses
            out += [fn() for fn in layer._callable_losses]
        return out

    def _apply_activity_regularizer(self, outputs):
        for o in flatten(outputs):
            if isinstance(o, torch.Tensor) and o.ndim > 0:
                # As tf.keras: the penalty is averaged over the batch.
                self._record_eager_loss(self.activity_regularizer(o) / o.shape[0])

    # ------------------------------------------------------------------ build & call
    def build(self, input_shape):
        """Creates the layer's weights. Override it; the base only marks the layer built."""
        self.built = True

    def call(self, inputs, *args, **kwargs):
        """The computation. Override it."""
        return inputs

    def forward(self, *args, **kwargs):
        if self._policy_run is None:
            return self.call(*args, **kwargs)
        from tkeras.mixed_precision import policy as _policy

        return _policy.run_layer(self, self._policy_run, args, kwargs)

    _policy_run = None

    @property
    def dtype_policy(self):
        """The layer's `tkeras.mixed_precision.Policy`."""
        return self._dtype_policy

    @property
    def compute_dtype(self):
        """The dtype the layer computes in (`'bfloat16'` under `'mixed_bfloat16'`)."""
        return self._dtype_policy.compute_dtype

    @property
    def variable_dtype(self):
        return self._dtype_policy.variable_dtype

    def add_metric(self, value, name=None, aggregation=None, **kwargs):
        """Tracks `value` (a tensor computed in `call`) as a metric named `name`: its
        mean over the epoch shows in the progress bar, `History` and `evaluate`. A
        stateful metric's result (`self.add_metric(self.acc(y, p))`) is tracked as is."""
        from tkeras.engine import compile_utils

        compile_utils.record_metric(self, value, name, aggregation, **kwargs)

    def _maybe_build(self, input_shapes):
        if self.built:
            return
        self._build_input_shape = input_shapes
        # `build` may be user code expecting plain tuples (batch dim included).
        self.build(input_shapes)
        self.built = True
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None

    def compute_mask(self, inputs, mask=None):
        if not self.supports_masking:
            return None
        return mask

    def compute_output_shape(self, input_shape):
        """Output shape for `input_shape` (batch dim included, None allowed), found by
        running the layer on meta-device tensors."""
        self._maybe_build(input_shape)

        def make(shape):
            return KerasTensor(shape, self.dtype)

        if isinstance(input_shape, list) and input_shape and isinstance(input_shape[0], (tuple, list)):
            fake = [make(s) for s in input_shape]
        else:
            fake = make(tuple(input_shape))
        outputs, _ = self._infer_outputs(fake, (), {})
        shapes = map_structure(lambda t: tuple(t.shape), outputs)
        return shapes

    def __call__(self, *args, **kwargs):
        if args:
            inputs, args = args[0], args[1:]
        elif "inputs" in kwargs:
            inputs = kwargs.pop("inputs")
        else:
            raise ValueError(f"Layer '{self.name}' was called without inputs.")
        if _contains_keras_tensor(inputs) or (
                (args or kwargs) and _contains_keras_tensor((args, kwargs))):
            return self._symbolic_call(inputs, args, kwargs)
        return self._eager_call(inputs, args, kwargs)

    def _eager_call(self, inputs, args, kwargs):
        numpy_in = False
        if not isinstance(inputs, torch.Tensor):
            numpy_in = any(isinstance(x, np.ndarray) for x in flatten(inputs))
            inputs = map_structure(_to_tensor, inputs)
        depth = _depth()
        if depth == 0:
            _CALL_GEN[0] += 1
        if self._autocast:
            inputs = map_structure(self._cast_input, inputs)
        if not self.built:
            if self.input_spec is not None:  # a wrong rank must not reach build()
                input_spec_module.assert_input_compatibility(self.input_spec, inputs, self.name)
            shapes = map_structure(_shape_of, inputs)
            device = next((x.device for x in flatten(inputs) if isinstance(x, torch.Tensor)), None)
            self._maybe_build(shapes)
            if device is not None and device.type != "cpu":
                self.to(device)
        if self.input_spec is not None:
            input_spec_module.assert_input_compatibility(self.input_spec, inputs, self.name)
        accepts_training, accepts_mask = _call_signature(type(self))
        training = kwargs.get("training")
        if training is None:
            training = _config._global_training_default()
        if accepts_training:
            kwargs["training"] = training
        else:
            kwargs.pop("training", None)
        input_mask = kwargs.get("mask")
        if isinstance(input_mask, np.ndarray):  # as Keras takes numpy masks in eager calls
            kwargs["mask"] = input_mask = torch.as_tensor(input_mask)
        if input_mask is None:
            masks = [getattr(x, "_keras_mask", None) for x in flatten(inputs)]
            if any(m is not None for m in masks):
                input_mask = masks[0] if not isinstance(inputs, (list, tuple)) else masks
                if accepts_mask:
                    kwargs["mask"] = input_mask
        elif not accepts_mask:
            kwargs.pop("mask")

        _STATE.depth = depth + 1
        prev_training = getattr(_config._CONTEXT, "training", None)
        _config._CONTEXT.training = training
        try:
            if depth == 0 and numpy_in:
                with torch.no_grad():
                    outputs = nn.Module.__call__(self, inputs, *args, **kwargs)
            else:
                outputs = nn.Module.__call__(self, inputs, *args, **kwargs)
        finally:
            _STATE.depth = depth
            _config._CONTEXT.training = prev_training
        if self.activity_regularizer is not None:
            self._apply_activity_regularizer(outputs)
        if not self._masks_from_outputs and (
                self.supports_masking or type(self).compute_mask is not Layer.compute_mask):
            out_mask = self.compute_mask(inputs, input_mask)
            _attach_masks(outputs, out_mask)
        return outputs

    _autocast = True
    # Graph models: their outputs already carry the masks their inner layers computed.
    _masks_from_outputs = False

    def _cast_input(self, x):
        """Floating inputs take the layer's dtype, as Keras 2 layers autocast them."""
        if isinstance(x, torch.Tensor) and x.is_floating_point():
            dtype = torch_dtype(self._dtype_policy.compute_dtype)
            if x.dtype != dtype and dtype.is_floating_point:
                return x.to(dtype)
        return x

    def _infer_outputs(self, inputs, args, kwargs):
        """Runs `call` on meta tensors standing in for KerasTensors: returns the output
        KerasTensors (structure of the call's result) and the output mask structure.

        Unknown dimensions are filled with a stand-in size; when some are not the batch
        dimension, a second run with another size tells which output dims are unknown.
        """
        ktensors = flatten_keras_tensors((inputs, args, kwargs))
        inner_unknown = any(d is None for t in ktensors for d in tuple(t.shape)[1:])
        first = self._run_on_meta(inputs, args, kwargs, _SYMBOLIC_BATCH)
        batch_unknown = any(t.shape and t.shape[0] is None for t in ktensors)
        # The batch dimension moved or merged (`K.flatten`, `K.transpose`, reshapes of
        # the batch): only a second run tells which output dims follow the batch size.
        # An input dim that equals the stand-in batch size makes the output ambiguous too.
        batch_moved = batch_unknown and (
            any(_SYMBOLIC_BATCH in tuple(t.shape)[1:] for t in ktensors)
            or any(isinstance(t, torch.Tensor) and t.dim() > 0
                   and (t.shape[0] != _SYMBOLIC_BATCH or _SYMBOLIC_BATCH in tuple(t.shape)[1:])
                   for t in flatten(first)))
        if inner_unknown or batch_moved:
            second = self._run_on_meta(inputs, args, kwargs, _SYMBOLIC_BATCH + 2)
        else:
            second = None
        flat_second = iter(flatten(second)) if second is not None else None

        def to_keras(t):
            other = next(flat_second) if flat_second is not None else None
            if isinstance(t, torch.Tensor):
                shape = list(t.shape)
                if other is not None:
                    shape = [None if a != b else a for a, b in zip(shape, other.shape)]
                elif batch_unknown and shape and shape[0] == _SYMBOLIC_BATCH:
                    shape[0] = None
                return KerasTensor(shape, t.dtype)
            return t

        return map_structure(to_keras, first)

    def _run_on_meta(self, inputs, args, kwargs, fill):
        """(outputs, output mask) of `call` on meta stand-ins, unknown dims set to `fill`."""

        def to_meta(x):
            if getattr(x, "_is_keras_tensor", False):
                shape = [fill if d is None else d for d in x.shape]
                t = torch.empty(shape, dtype=torch_dtype(x.dtype), device="meta")
                if x._keras_mask is not None:
                    m = x._keras_mask
                    t._keras_mask = torch.empty(
                        [fill if d is None else d for d in m.shape], dtype=torch.bool,
                        device="meta")
                return t
            return x

        meta_inputs = map_structure(to_meta, inputs)
        meta_args = map_structure(to_meta, args)
        meta_kwargs = map_structure(to_meta, kwargs)
        accepts_training, accepts_mask = _call_signature(type(self))
        training = meta_kwargs.get("training")
        if accepts_training:
            meta_kwargs["training"] = bool(training) if training is not None else False
        else:
            meta_kwargs.pop("training", None)
        input_mask = meta_kwargs.get("mask")
        if input_mask is None:
            masks = [getattr(x, "_keras_mask", None) for x in flatten(meta_inputs)]
            if any(m is not None for m in masks):
                input_mask = masks[0] if not isinstance(meta_inputs, (list, tuple)) else masks
                if accepts_mask:
                    meta_kwargs["mask"] = input_mask
        elif not accepts_mask:
            meta_kwargs.pop("mask")

        # Sub-layers that `call` builds on first use would get meta weights here: note
        # their unbuilt state, and build them for real once the meta run is over.
        unbuilt = [(m, _snapshot_state(m)) for m in self.modules()
                   if m is not self and isinstance(m, Layer) and not m.built]
        depth = _depth()
        _STATE.depth = depth + 1
        try:
            with torch.no_grad(), _config._device_scope(torch.device("meta")), \
                    _config._training_scope(meta_kwargs.get("training", False)), \
                    _meta_weights(self):
                outputs = self.call(meta_inputs, *meta_args, **meta_kwargs)
                out_mask = None
                if self._masks_from_outputs:
                    out_mask = [getattr(t, "_keras_mask", None) for t in flatten(outputs)]
                elif self.supports_masking or type(self).compute_mask is not Layer.compute_mask:
                    out_mask = self.compute_mask(meta_inputs, input_mask)
        finally:
            _STATE.depth = depth
            built_on_meta = []
            for m, state in unbuilt:
                if m.built:
                    built_on_meta.append((m, m._build_input_shape))
                    _restore_state(m, state)
        for m, shape in built_on_meta:
            m._maybe_build(shape)
        return outputs, out_mask

    def _symbolic_call(self, inputs, args, kwargs):
        input_shapes = map_structure(
            lambda t: tuple(t.shape) if getattr(t, "_is_keras_tensor", False) else t, inputs)
        if not self.built:
            if self.input_spec is not None:  # a wrong rank must not reach build()
                input_spec_module.assert_input_compatibility(self.input_spec, inputs, self.name)
            self._maybe_build(input_shapes)
        if self.input_spec is not None:
            input_spec_module.assert_input_compatibility(self.input_spec, inputs, self.name)
        try:
            outputs, out_mask = self._infer_outputs(inputs, args, kwargs)
        except Exception as err:
            if type(self).compute_output_shape is Layer.compute_output_shape:
                raise
            # The layer cannot run on meta tensors: trust its declared shape rule.
            shapes = self.compute_output_shape(input_shapes)
            dtype = next((t.dtype for t in flatten_keras_tensors(inputs)), self.dtype)
            if isinstance(shapes, list) and shapes and isinstance(shapes[0], (tuple, list)):
                outputs = [KerasTensor(s, dtype) for s in shapes]
            elif isinstance(shapes, (tuple, list)):
                outputs = KerasTensor(tuple(shapes), dtype)
            else:
                raise err
            out_mask = None
        flat_out = flatten_keras_tensors(outputs)
        for t, m in zip(flat_out, _broadcast_masks(out_mask, len(flat_out))):
            t._keras_mask = m if getattr(m, "_is_keras_tensor", False) else None
        call_kwargs = dict(kwargs)
        Node(self, (inputs,) + tuple(args), call_kwargs, flat_out)
        for t in flat_out:
            t.name = f"{self.name}/output_{t._keras_history[2]}"
        return outputs

    # ------------------------------------------------------------------ graph accessors
    def _get_node_attribute_at_index(self, node_index, attr, attr_name):
        if not self._inbound_nodes:
            raise AttributeError(
                f"Layer '{self.name}' is not connected, no {attr_name} to return. "
                "Call it on a tensor (the functional API) first."
            )
        if not 0 <= node_index < len(self._inbound_nodes):
            raise ValueError(
                f"Asked to get {attr_name} at node {node_index}, but layer '{self.name}' has "
                f"only {len(self._inbound_nodes)} inbound nodes."
            )
        values = getattr(self._inbound_nodes[node_index], attr)
        return values[0] if isinstance(values, list) and len(values) == 1 else values

    def get_input_at(self, node_index):
        return self._get_node_attribute_at_index(node_index, "input_tensors", "input")

    def get_output_at(self, node_index):
        return self._get_node_attribute_at_index(node_index, "output_tensors", "output")

    def get_input_shape_at(self, node_index):
        return self._get_node_attribute_at_index(node_index, "input_shapes", "input shape")

    def get_output_shape_at(self, node_index):
        return self._get_node_attribute_at_index(node_index, "output_shapes", "output shape")

    def get_input_mask_at(self, node_index):
        return self._get_node_attribute_at_index(node_index, "input_masks", "input mask")

    def get_output_mask_at(self, node_index):
        return self._get_node_attribute_at_index(node_index, "output_masks", "output mask")

    def _single_node(self, what):
        if len(self._inbound_nodes) > 1:
            raise AttributeError(
                f"Layer '{self.name}' has multiple inbound nodes, hence the notion of "
                f"\"layer {what}\" is ill-defined. Use `get_{what.replace(' ', '_')}_at(node_index)` "
                "instead."
            )
        return 0

    @property
    def input(self):
        return self.get_input_at(self._single_node("input"))

    @property
    def output(self):
        return self.get_output_at(self._single_node("output"))

    @property
    def input_shape(self):
        if not self._inbound_nodes and self._batch_input_shape is not None:
            return self._batch_input_shape
        shapes = {str(n.input_shapes) for n in self._inbound_nodes}
        if len(shapes) == 1:
            return self.get_input_shape_at(0)
        if not self._inbound_nodes:
            raise AttributeError(
                f"The layer '{self.name}' has never been called and thus has no defined "
                "input shape."
            )
        raise AttributeError(
            f"The layer '{self.name}' has multiple inbound nodes with different input shapes. "
            "Hence the notion of \"input shape\" is ill-defined for the layer. Use "
            "`get_input_shape_at(node_index)` instead."
        )

    @property
    def output_shape(self):
        if not self._inbound_nodes:
            raise AttributeError(
                f"The layer '{self.name}' has never been called and thus has no defined "
                "output shape."
            )
        shapes = {str(n.output_shapes) for n in self._inbound_nodes}
        if len(shapes) == 1:
            return self.get_output_shape_at(0)
        raise AttributeError(
            f"The layer '{self.name}' has multiple inbound nodes with different output shapes. "
            "Use `get_output_shape_at(node_index)` instead."
        )

    @property
    def input_mask(self):
        return self.get_input_mask_at(self._single_node("input mask"))

    @property
    def output_mask(self):
        return self.get_output_mask_at(self._single_node("output mask"))

    # ------------------------------------------------------------------ config
    def get_config(self):
        """The constructor arguments as a JSON-friendly dict (Keras 2 schema)."""
        config = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}
        if self._dtype_policy.is_mixed:
            config["dtype"] = {"module": "keras.mixed_precision", "class_name": "Policy",
                               "config": self._dtype_policy.get_config(),
                               "registered_name": None}
        if self._batch_input_shape is not None:
            config["batch_input_shape"] = list(self._batch_input_shape)
        if self.activity_regularizer is not None and type(self).__init__ is Layer.__init__:
            from tkeras import regularizers

            config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)

    def extra_repr(self):
        # nn.Module's tree repr, with the Keras name of each layer.
        return f"name={self.name!r}"


def _broadcast_masks(mask, n):
    if mask is None:
        return [None] * n
    if isinstance(mask, (list, tuple)):
        masks = list(mask)
        return masks + [None] * (n - len(masks))
    return [mask] + [None] * (n - 1)


def _attach_masks(outputs, mask):
    flat = [o for o in flatten(outputs) if isinstance(o, torch.Tensor)]
    for t, m in zip(flat, _broadcast_masks(mask, len(flat))):
        try:
            t._keras_mask = m
        except (AttributeError, RuntimeError):
            pass


class OpLayer(Layer):
    """A backend function applied to KerasTensors (tf.keras's TFOpLambda): created by
    `K.*` functions and operators on symbolic tensors; not serializable."""

    _autocast = False  # the op decides its dtypes (K.cast, int arithmetic, ...)

    def __init__(self, fn, **kwargs):
        name = getattr(fn, "__name__", "op")
        super().__init__(name=f"tf_op_{name}_{_config.get_uid('tf_op_' + name)}", **kwargs)
        self.fn = fn
        self.built = True

    def call(self, inputs, *args, **kwargs):
        return self.fn(inputs, *args, **kwargs)

    def get_config(self):
        raise NotImplementedError(
            f"Layer '{self.name}' applies `{getattr(self.fn, '__name__', self.fn)}` to symbolic "
            "tensors and cannot be serialized. Wrap the computation in a `Lambda` layer or a "
            "custom layer to save the model's config."
        )


_CALL_SIGNATURES[OpLayer] = (False, False)


def serialize_arguments(layer, names):
    """`{name: value}` for a layer's constructor arguments in Keras 2 config form:
    `*_initializer`/`*_regularizer`/`*_constraint` and `activation` attributes are
    serialized with their module; everything else is taken as is."""
    from tkeras import activations, constraints, initializers, regularizers

    out = {}
    for name in names:
        value = getattr(layer, name)
        if name.endswith("_initializer"):
            value = initializers.serialize(value)
        elif name.endswith("_regularizer"):
            value = regularizers.serialize(value)
        elif name.endswith("_constraint"):
            value = constraints.serialize(value)
        elif name == "activation":
            value = activations.serialize(value)
        out[name] = value
    return out


KERNEL_BIAS_ARGUMENTS = ("activation", "use_bias", "kernel_initializer", "bias_initializer",
                         "kernel_regularizer", "bias_regularizer", "activity_regularizer",
                         "kernel_constraint", "bias_constraint")
