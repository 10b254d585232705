"""`Functional`: a model defined by a graph of layers, `Model(inputs, outputs)`.

The graph is ordered once, as Keras 2 orders it (layers by decreasing depth, then by
discovery order, which fixes `model.layers` and therefore topological weight loading),
and compiled into a flat execution plan that `call` runs eagerly on real tensors.
"""
import warnings

import torch

from tkeras.engine import base_layer
from tkeras.engine.base_layer import Layer, _STATE, _attach_masks, _call_signature
from tkeras.engine.input_layer import InputLayer
from tkeras.engine.keras_tensor import (
    Node,
    flatten,
    is_keras_tensor,
    map_structure,
)
from tkeras.engine.training import Model


class _Slot:
    """Placeholder for the i-th input tensor of a node in a call-argument template."""

    __slots__ = ("index",)

    def __init__(self, index):
        self.index = index


class _Step:
    """One node of the plan: which value slots feed which layer call."""

    __slots__ = ("layer", "node", "simple", "in_slots", "out_slots", "args_t", "kwargs_t",
                 "accepts_training", "accepts_mask", "explicit_training", "masks")


def _map_graph(outputs):
    """Keras 2's `_map_graph_network`: nodes and layers ordered by depth."""
    layer_indices = {}
    nodes_in_decreasing_depth = []
    finished, in_progress = set(), set()

    def build_map(tensor):
        layer, node_index, _ = tensor._keras_history
        node = layer._inbound_nodes[node_index]
        if id(node) in in_progress:
            raise ValueError(f"The tensor {tensor} at layer '{layer.name}' is part of a cycle.")
        if id(node) in finished:
            return
        if layer not in layer_indices:
            layer_indices[layer] = len(layer_indices)
        in_progress.add(id(node))
        for t in node.input_tensors:
            build_map(t)
        finished.add(id(node))
        in_progress.discard(id(node))
        nodes_in_decreasing_depth.append(node)

    for t in outputs:
        build_map(t)

    nodes_depths, layers_depths = {}, {}
    for node in reversed(nodes_in_decreasing_depth):
        depth = nodes_depths.setdefault(id(node), 0)
        depth = max(depth, layers_depths.get(node.outbound_layer, 0))
        layers_depths[node.outbound_layer] = depth
        nodes_depths[id(node)] = depth
        for t in node.input_tensors:
            layer, node_index, _ = t._keras_history
            inbound = layer._inbound_nodes[node_index]
            nodes_depths[id(inbound)] = max(depth + 1, nodes_depths.get(id(inbound), 0))

    by_id = {id(n): n for n in nodes_in_decreasing_depth}
    nodes_by_depth = {}
    for nid, depth in nodes_depths.items():
        nodes_by_depth.setdefault(depth, []).append(by_id[nid])
    layers_by_depth = {}
    for layer, depth in layers_depths.items():
        layers_by_depth.setdefault(depth, []).append(layer)
    layers = []
    for depth in sorted(layers_by_depth, reverse=True):
        layers += sorted(layers_by_depth[depth], key=lambda l: layer_indices[l])
    order = {id(n): i for i, n in enumerate(nodes_in_decreasing_depth)}
    ordered_nodes = []
    for depth in sorted(nodes_by_depth, reverse=True):
        ordered_nodes += sorted(nodes_by_depth[depth], key=lambda n: order[id(n)])
    return ordered_nodes, layers, nodes_by_depth


class Functional(Model):
    """A model built from symbolic inputs and outputs: `Model(inputs, outputs)`.

    Args:
        inputs: an `Input()` tensor, or a list/dict of them.
        outputs: the output tensor(s) of layers called on `inputs`.
        name: model name. Defaults to `model_1`, `model_2`, ...
    """

    _is_graph_network = True

    def __init__(self, inputs=None, outputs=None, name=None, trainable=True, **kwargs):
        if "input" in kwargs or "output" in kwargs:
            warnings.warn(
                "Update your `Model` call to the Keras 2 API: "
                "`Model(inputs=..., outputs=...)`", stacklevel=2)
            inputs = kwargs.pop("input", inputs)
            outputs = kwargs.pop("output", outputs)
        if name is None:
            from tkeras.backend import _config

            name = f"model_{_config.get_uid('model')}"
        super().__init__(name=name, trainable=trainable, **kwargs)
        self._init_graph(inputs, outputs)

    # ------------------------------------------------------------------ graph
    def _init_graph(self, inputs, outputs):
        self._nested_inputs = inputs
        self._nested_outputs = outputs
        self._input_is_dict = isinstance(inputs, dict)
        flat_in = list(inputs.values()) if isinstance(inputs, dict) else (
            list(inputs) if isinstance(inputs, (list, tuple)) else [inputs])
        flat_out = list(outputs.values()) if isinstance(outputs, dict) else (
            list(outputs) if isinstance(outputs, (list, tuple)) else [outputs])
        for x in flat_in:
            if not is_keras_tensor(x):
                raise TypeError(
                    "Input tensors to a Model must be symbolic tensors created by "
                    f"`tkeras.Input()`. Received: {type(x).__name__} {str(x)[:60]}"
                )
            layer = x._keras_history[0]
            if not isinstance(layer, InputLayer):
                raise ValueError(
                    "Input tensors to a Model must come from `tkeras.Input`. Received: "
                    f"{x} (the output of layer '{layer.name}', not of an Input)."
                )
        for x in flat_out:
            if not is_keras_tensor(x):
                raise TypeError(
                    "Output tensors of a Model must be the output of a tkeras Layer (the "
                    f"functional API). Received: {type(x).__name__} {str(x)[:60]}"
                )
        self.inputs = flat_in
        self.outputs = flat_out
        self._input_layers = [x._keras_history[0] for x in flat_in]
        self._output_layers = [x._keras_history[0] for x in flat_out]
        self._output_coordinates = [x._keras_history for x in flat_out]
        self.input_names = [l.name for l in self._input_layers]
        self.output_names = [l.name for l in self._output_layers]
        if not hasattr(self, "_model_symbolic_losses"):
            self._model_symbolic_losses = []
        if not hasattr(self, "_model_symbolic_metrics"):
            self._model_symbolic_metrics = []  # (KerasTensor, name)
        self._build_plan()
        # Node 0 of a graph model is its own inputs -> outputs (Keras 2 numbering).
        internal = [n for n in self._inbound_nodes if getattr(n, "_internal", False)]
        for n in internal:
            self._inbound_nodes.remove(n)
        node = Node.__new__(Node)
        node.outbound_layer = self
        node.call_args, node.call_kwargs = (flat_in,), {}
        node.input_tensors, node.output_tensors = list(flat_in), list(flat_out)
        node.inbound_layers, node.node_indices, node.tensor_indices = [], [], []
        node._internal = True
        self._inbound_nodes.insert(0, node)
        self.built = True

    def _build_plan(self):
        targets = list(self.outputs) + list(self._model_symbolic_losses) + [
            t for t, _ in getattr(self, "_model_symbolic_metrics", [])]
        nodes, layers, _ = _map_graph(targets)
        main_nodes, main_layers, main_by_depth = _map_graph(self.outputs)
        self._nodes_by_depth = main_by_depth
        self._network_nodes = {id(n) for n in main_nodes}
        # Layers on the output paths first (Keras order), then loss-only op layers.
        extra = [l for l in layers if l not in set(main_layers)]
        self._layers_ordered = main_layers + extra
        if any(l._dtype_policy.is_mixed for l in self._layers_ordered):
            # A mixed precision graph (also one loaded while the global policy is
            # float32): every layer runs under its policy, so the full precision ones
            # upcast the 16-bit activations they receive.
            for layer in self._layers_ordered + [self]:
                if layer._policy_run is None:
                    layer._policy_run = layer._dtype_policy
        reachable = {id(t) for t in self.inputs}
        for node in nodes:
            for t in node.input_tensors:
                if id(t) not in reachable:
                    done = [l.name for l in self._layers_ordered
                            if any(id(o) in reachable for o in l._inbound_nodes[0].output_tensors)]
                    raise ValueError(
                        f"Graph disconnected: cannot obtain value for tensor {t} at layer "
                        f"'{node.outbound_layer.name}'. The following previous layers were "
                        f"accessed without issue: {done}"
                    )
            if isinstance(node.outbound_layer, InputLayer):
                if id(node.output_tensors[0]) not in {id(x) for x in self.inputs}:
                    raise ValueError(
                        f"Graph disconnected: cannot obtain value for tensor "
                        f"{node.output_tensors[0]} at layer '{node.outbound_layer.name}'. "
                        "It is an Input that is not among the model's `inputs`."
                    )
            for t in node.output_tensors:
                reachable.add(id(t))
        names = [l.name for l in self._layers_ordered]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise ValueError(
                f"The name {sorted(dup)[0]!r} is used {names.count(sorted(dup)[0])} times in the "
                "model. All layer names should be unique."
            )
        self._register_layers(self._layers_ordered)

        slots = {}

        def slot(t):
            if id(t) not in slots:
                slots[id(t)] = len(slots)
            return slots[id(t)]

        self._input_slots = [slot(t) for t in self.inputs]
        plan = []
        uses_masks = False
        for node in nodes:
            layer = node.outbound_layer
            if isinstance(layer, InputLayer):
                continue
            step = _Step()
            step.layer = layer
            step.node = node
            step.in_slots = [slot(t) for t in node.input_tensors]
            step.out_slots = [slot(t) for t in node.output_tensors]
            args, kwargs = node.call_args, node.call_kwargs
            step.simple = (len(args) == 1 and is_keras_tensor(args[0]) and
                           not any(is_keras_tensor(v) for v in flatten(kwargs)))
            counter = iter(range(len(step.in_slots)))
            to_index = lambda x: _Slot(next(counter)) if is_keras_tensor(x) else x
            step.args_t = map_structure(to_index, args)
            step.kwargs_t = map_structure(to_index, kwargs)
            step.accepts_training, step.accepts_mask = _call_signature(type(layer))
            step.explicit_training = kwargs.get("training")
            step.masks = any(t._keras_mask is not None for t in node.input_tensors + node.output_tensors)
            uses_masks = uses_masks or step.masks
            plan.append(step)
        self._plan = plan
        self._uses_masks = uses_masks
        self._n_slots = len(slots)
        self._output_slots = [slots[id(t)] for t in self.outputs]
        self._loss_slots = [slots[id(t)] for t in self._model_symbolic_losses]
        self._metric_slots = [(slots[id(t)], name)
                              for t, name in getattr(self, "_model_symbolic_metrics", [])]

    def _register_layers(self, layers):
        """Registers the layers as submodules by position, as `nn.Sequential` does, so
        `state_dict()` keys (`"1.kernel"`) match between two models of the same
        architecture whatever their auto-generated layer names."""
        for name in [n for n, m in self._modules.items() if isinstance(m, Layer)]:
            del self._modules[name]
        for i, layer in enumerate(layers):
            self._modules[str(i)] = layer

    @property
    def layers(self):
        return list(self._layers_ordered)

    @property
    def input(self):
        return self.inputs[0] if len(self.inputs) == 1 else list(self.inputs)

    @property
    def output(self):
        return self.outputs[0] if len(self.outputs) == 1 else list(self.outputs)

    @property
    def input_shape(self):
        shapes = [tuple(t.shape) for t in self.inputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self):
        shapes = [tuple(t.shape) for t in self.outputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def input_spec(self):
        return None

    @input_spec.setter
    def input_spec(self, value):
        pass

    def compute_output_shape(self, input_shape):
        return self.output_shape

    def add_loss(self, losses, inputs=None):
        items = losses if isinstance(losses, (list, tuple)) else [losses]
        symbolic = [l for l in items if is_keras_tensor(l)]
        rest = [l for l in items if not is_keras_tensor(l)]
        if symbolic:
            self._model_symbolic_losses.extend(symbolic)
            self._build_plan()
            self._compiled = None
        if rest:
            super().add_loss(rest, inputs)

    def add_metric(self, value, name=None, aggregation=None, **kwargs):
        """Tracks a tensor of the graph (`model.add_metric(K.mean(h), name='h_mean')`)
        as a metric, or, inside `call`, a computed tensor (see `Layer.add_metric`)."""
        if not is_keras_tensor(value):
            return super().add_metric(value, name=name, aggregation=aggregation, **kwargs)
        if aggregation not in (None, "mean"):
            raise ValueError(
                "We currently support only `mean` sample-wise metric aggregation. You "
                f"provided aggregation={aggregation!r}")
        if name is None:
            raise ValueError(
                "Please provide a name for your metric like "
                "`model.add_metric(K.mean(x), name='mean_activation')`")
        self._model_symbolic_metrics.append((value, name))
        self._build_plan()
        self._register_metric(self, name)

    # ------------------------------------------------------------------ run
    def _run_graph(self, xs, training, masks=None):
        vals = [None] * self._n_slots
        for s, x in zip(self._input_slots, xs):
            vals[s] = x
        uses_masks = self._uses_masks
        # Masks coming from outside (a nested model called on a masked tensor) flow
        # through every layer, as in Keras 2, not only through the layers whose graph
        # had masks when the model was built.
        outer_masks = masks is not None
        if outer_masks:
            for x, m in zip(xs, masks):
                if m is not None:
                    _attach_masks(x, m)
        for step in self._plan:
            layer = step.layer
            if step.simple:
                args = (vals[step.in_slots[0]],)
                kwargs = dict(step.kwargs_t) if step.kwargs_t else {}
            else:
                ins = [vals[s] for s in step.in_slots]
                fill = lambda x: ins[x.index] if isinstance(x, _Slot) else x
                args = map_structure(fill, step.args_t)
                kwargs = map_structure(fill, step.kwargs_t)
            if step.accepts_training:
                if step.explicit_training is None:
                    kwargs["training"] = training
            else:
                kwargs.pop("training", None)
            input_mask = None
            if outer_masks or (uses_masks and step.masks):
                ms = [getattr(x, "_keras_mask", None) for x in flatten(args[0])]
                if any(m is not None for m in ms):
                    input_mask = ms[0] if not isinstance(args[0], (list, tuple)) else ms
                    if step.accepts_mask and "mask" not in kwargs:
                        kwargs["mask"] = input_mask
            out = torch.nn.Module.__call__(layer, *args, **kwargs)
            if layer.activity_regularizer is not None:
                layer._apply_activity_regularizer(out)
            if (outer_masks or (uses_masks and step.masks)) and not layer._masks_from_outputs and (
                    layer.supports_masking or type(layer).compute_mask is not Layer.compute_mask):
                _attach_masks(out, layer.compute_mask(args[0], input_mask))
            if len(step.out_slots) == 1:
                vals[step.out_slots[0]] = out if not isinstance(out, (list, tuple)) else out[0]
            else:
                for s, o in zip(step.out_slots, flatten(out)):
                    vals[s] = o
        for s in self._loss_slots:  # `model.add_loss(symbolic tensor)`: this call's value
            self._record_eager_loss(vals[s])
        if self._metric_slots:
            collector = getattr(_STATE, "metrics", None)
            if collector is not None:
                for s, name in self._metric_slots:
                    collector.append((self, name, vals[s], None))
        return [vals[s] for s in self._output_slots]

    def _forward(self, xs, training):
        base_layer._CALL_GEN[0] += 1
        return self._run_graph(xs, training)

    def call(self, inputs, training=None, mask=None):
        if isinstance(inputs, dict):
            xs = [inputs[n] for n in self.input_names]
        elif isinstance(inputs, (list, tuple)):
            xs = list(inputs)
        else:
            xs = [inputs]
        if len(xs) != len(self.inputs):
            raise ValueError(
                f"Model '{self.name}' expects {len(self.inputs)} input(s), but it received "
                f"{len(xs)} input tensors."
            )
        if training is None:
            from tkeras.backend import _config

            training = _config._global_training_default()
        if mask is None:
            ms = [getattr(x, "_keras_mask", None) for x in xs]
        elif isinstance(mask, dict):
            ms = [mask.get(n) for n in self.input_names]
        elif isinstance(mask, (list, tuple)):
            ms = list(mask)
        else:
            ms = [mask]
        outs = self._run_graph(xs, training, ms if any(m is not None for m in ms) else None)
        if isinstance(self._nested_outputs, (list, tuple)):
            return outs
        if isinstance(self._nested_outputs, dict):
            return dict(zip(self._nested_outputs.keys(), outs))
        return outs[0]

    _masks_from_outputs = True

    def compute_mask(self, inputs, mask=None):
        """The masks of the outputs when the model runs on `inputs` with `mask`, found
        by running the graph, as Keras 2 does."""
        if not self._uses_masks and all(m is None for m in flatten(mask)):
            return None if len(self.outputs) == 1 else [None] * len(self.outputs)
        if any(is_keras_tensor(x) for x in flatten(inputs)):
            _, out_mask = self._infer_outputs(inputs, (), {"mask": mask})
        else:
            with torch.no_grad():
                outs = self.call(inputs, training=False, mask=mask)
            out_mask = [getattr(t, "_keras_mask", None) for t in flatten(outs)]
        return out_mask[0] if len(self.outputs) == 1 else out_mask

    def _build_from_data(self, xs):
        self.built = True

    # ------------------------------------------------------------------ config
    def get_config(self):
        from tkeras.saving.model_config import functional_config

        return functional_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from tkeras.saving.model_config import functional_from_config

        return functional_from_config(config, custom_objects, cls)


# ---------------------------------------------------------------------- subclasses
_PREFIX = "_FunctionalOf__"
_DERIVED = {}


def functional_subclass(cls):
    """`cls`, a user subclass of `Model`, with the functional constructor: the class of
    `CustomModel(inputs, outputs)` (tf.keras's "custom model, functional graph", used to
    override `train_step` on a graph model). The user's methods come first, then
    Functional's. The class is named so that pickle finds it again (module
    `__getattr__` below), also in a new process."""
    derived = _DERIVED.get(cls)
    if derived is None:
        name = _PREFIX + (cls.__module__ + "." + cls.__qualname__).replace(".", "__D__")
        derived = type(cls.__name__, (cls, Functional), {"__module__": __name__,
                                                         "__qualname__": name})
        _DERIVED[cls] = derived
    return derived


def __getattr__(name):
    if not name.startswith(_PREFIX):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    path = name[len(_PREFIX):].split("__D__")
    for i in range(len(path) - 1, 0, -1):  # the longest importable module prefix
        try:
            obj = importlib.import_module(".".join(path[:i]))
        except ImportError:
            continue
        for part in path[i:]:
            obj = getattr(obj, part)
        return functional_subclass(obj)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
