"""What `compile()` resolves: per-output losses and weights, metrics and their names,
the trainable parameters captured at compile time, and on-device metric accumulation."""
import numpy as np
import torch

from tkeras import losses as losses_module
from tkeras import metrics as metrics_module
from tkeras.engine.base_layer import Layer


def _output_dict_or_list(value, output_names, what):
    """Spreads a compile argument over the outputs (dict by name, list, or broadcast)."""
    n = len(output_names)
    if isinstance(value, dict):
        unknown = [k for k in value if k not in output_names]
        if unknown:
            raise ValueError(
                f"Unknown entries in {what} dictionary: {unknown}. Only expected the following "
                f"keys: {list(output_names)}"
            )
        return [value.get(name) for name in output_names]
    if isinstance(value, (list, tuple)) and what == "loss_weights" or (
            isinstance(value, (list, tuple)) and what == "loss"):
        if len(value) != n:
            raise ValueError(
                f"When passing a list as {what}, it should have one entry per model output. "
                f"The model has {n} output(s), but you passed {what}={value!r}"
            )
        return list(value)
    return [value] * n


def _leaves(value):
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple)):
        return [leaf for v in value for leaf in _leaves(v)]
    return [] if value is None else [value]


def validate_compile_args(loss=None, metrics=None, loss_weights=None,
                          sample_weight_mode=None, weighted_metrics=None):
    """Resolves loss and metric names for a model whose outputs are not known yet
    (deferred Sequential, subclassed model), so that `compile` fails on a bad name
    before it changes anything, as it does for a built model."""
    for leaf in _leaves(loss):
        losses_module.get(leaf)
    for leaf in _leaves(metrics) + _leaves(weighted_metrics):
        if isinstance(leaf, str) and leaf not in ("accuracy", "acc", "crossentropy", "ce"):
            metrics_module.get(leaf)
        elif not (isinstance(leaf, str) or callable(leaf)):
            raise ValueError(f"Could not interpret metric identifier: {leaf!r}")


class _MetricEntry:
    __slots__ = ("output", "name", "fn", "weighted", "stateful")

    def __init__(self, output, name, fn, weighted):
        self.output = output
        self.name = name
        self.fn = fn
        self.weighted = weighted
        self.stateful = isinstance(fn, metrics_module.Metric)


class CompiledState:
    def __init__(self, model, output_names, output_shapes, loss=None, metrics=None,
                 loss_weights=None, sample_weight_mode=None, weighted_metrics=None):
        self.model = model
        self.output_names = list(output_names)
        self.output_shapes = [tuple(s) for s in output_shapes]
        n = len(output_names)
        loss_ids = _output_dict_or_list(loss, output_names, "loss")
        self.loss_fns = [None if l is None else losses_module.get(l) for l in loss_ids]
        weights = _output_dict_or_list(loss_weights, output_names, "loss_weights")
        self.loss_weights = [1.0 if w is None else float(w) for w in weights]
        self.sample_weight_mode = sample_weight_mode

        self.entries = []
        names = ["loss"]
        if n > 1:
            names += [f"{o}_loss" for o, fn in zip(output_names, self.loss_fns) if fn is not None]
        for weighted, spec in ((False, metrics), (True, weighted_metrics)):
            per_output = self._metrics_per_output(spec, output_names)
            for i, items in enumerate(per_output):
                for m in items:
                    name, fn = self._resolve_metric(m, self.loss_fns[i], output_shapes[i])
                    if weighted:
                        name = "weighted_" + name
                    full = name if n == 1 else f"{output_names[i]}_{name}"
                    self.entries.append(_MetricEntry(i, full, fn, weighted))
                    names.append(full)
        self.metrics_names = names

        self.params = model._trainable_params()
        pairs = []
        for layer in model._flatten_layers(include_self=True):
            pairs += [(layer, rec) for rec in layer._weight_records]
        self.regularized = [(l, r) for l, r in pairs if r.regularizer is not None]
        param_ids = {id(p) for p in self.params}
        self.constraints = [(l, r) for l, r in pairs
                            if r.constraint is not None and id(getattr(l, r.attr)) in param_ids]
        self.callable_losses = [fn for l in model._flatten_layers(include_self=True)
                                for fn in l._callable_losses]
        self.has_model_losses = bool(self.regularized or self.callable_losses)
        self.reset()

    @staticmethod
    def _metrics_per_output(spec, output_names):
        n = len(output_names)
        if spec is None:
            return [[] for _ in range(n)]
        if isinstance(spec, dict):
            unknown = [k for k in spec if k not in output_names]
            if unknown:
                raise ValueError(
                    f"Unknown entries in metrics dictionary: {unknown}. Only expected the "
                    f"following keys: {list(output_names)}"
                )
            out = []
            for name in output_names:
                v = spec.get(name) or []
                out.append(list(v) if isinstance(v, (list, tuple)) else [v])
            return out
        if not isinstance(spec, (list, tuple)):
            raise TypeError(
                "Type of `metrics` argument not understood. Expected a list or dictionary, "
                f"found: {spec!r}"
            )
        if spec and all(isinstance(s, (list, tuple)) for s in spec):
            if len(spec) != n:
                raise ValueError(
                    f"When passing a list of lists as `metrics`, it should have one entry per "
                    f"model output. The model has {n} output(s), but you passed {len(spec)}."
                )
            return [list(s) for s in spec]
        return [list(spec) for _ in range(n)]

    @staticmethod
    def _resolve_metric(m, loss_fn, output_shape):
        if m in ("accuracy", "acc"):
            return m, metrics_module.resolve_accuracy(loss_fn, output_shape)
        if m in ("crossentropy", "ce"):
            name = getattr(loss_fn, "__name__", type(loss_fn).__name__)
            if "sparse" in name.lower():
                fn = losses_module.sparse_categorical_crossentropy
            elif "binary" in name.lower() or (output_shape and output_shape[-1] == 1):
                fn = losses_module.binary_crossentropy
            else:
                fn = losses_module.categorical_crossentropy
            return m, fn
        if isinstance(m, str):
            return m, metrics_module.get(m)
        if isinstance(m, metrics_module.Metric):
            return m.name, m
        if callable(m):
            return getattr(m, "__name__", type(m).__name__), m
        raise ValueError(f"Could not interpret metric identifier: {m!r}")

    # ------------------------------------------------------------------ losses
    def compute_loss(self, ys, outputs, sw):
        total = None
        per_output = []
        for i, fn in enumerate(self.loss_fns):
            if fn is None:
                per_output.append(None)
                continue
            value = _loss_value(fn, ys[i], outputs[i], None if sw is None else sw[i])
            per_output.append(value)
            w = self.loss_weights[i]
            term = value if w == 1.0 else value * w
            total = term if total is None else total + term
        if total is None:
            total = outputs[0].new_zeros(()) if outputs else torch.zeros(())
        return total, per_output

    def model_losses(self, collected):
        terms = [t if t.ndim == 0 else t.mean() for t in collected]
        for layer, rec in self.regularized:
            terms.append(rec.regularizer(layer._keras_view(rec)))
        for fn in self.callable_losses:
            v = fn()
            terms.append(v if v.ndim == 0 else v.mean())
        return sum(terms[1:], terms[0]) if terms else 0.0

    def apply_constraints(self):
        with torch.no_grad():
            for layer, rec in self.constraints:
                view = layer._keras_view(rec)
                view.copy_(rec.constraint(view))

    # ------------------------------------------------------------------ metrics
    def reset(self):
        k = len(self.metrics_names)
        self._sums = [None] * k
        self._counts = np.zeros(k)
        self._count_tensors = [None] * k
        self._pending = [[] for _ in range(k)]
        self._pending_scale = [[] for _ in range(k)]
        self._pending_counts = [[] for _ in range(k)]
        for e in self.entries:
            if e.stateful:
                e.fn.reset_states()

    def update(self, total, per_output, ys, outputs, sw):
        """Queues this batch's values; nothing is read back from the device here."""
        bs = outputs[0].shape[0] if outputs else 1
        self._pending[0].append(total)
        self._pending_scale[0].append(bs)
        self._counts[0] += bs
        q = 1
        if len(self.output_names) > 1:
            for value in per_output:
                if value is None:
                    continue
                self._pending[q].append(value.detach())
                self._pending_scale[q].append(bs)
                self._counts[q] += bs
                q += 1
        for e in self.entries:
            y, p = ys[e.output], outputs[e.output]
            w = None if (sw is None or not e.weighted) else sw[e.output]
            if e.stateful:
                e.fn.update_state(y, p, sample_weight=w)
            else:
                values = e.fn(y, p)
                if w is not None:
                    while w.ndim < values.ndim:
                        w = w.unsqueeze(-1)
                    w = w.expand_as(values)
                    self._pending[q].append((values * w).sum())
                    self._pending_counts[q].append(w.sum())
                else:
                    self._pending[q].append(values.sum())
                    self._counts[q] += values.numel()
                self._pending_scale[q].append(1)
            q += 1

    def _fold(self):
        for q, pending in enumerate(self._pending):
            if not pending:
                continue
            stacked = torch.stack([p.float() for p in pending])
            scale = self._pending_scale[q]
            if any(s != 1 for s in scale):
                stacked = stacked * torch.tensor(scale, dtype=stacked.dtype, device=stacked.device)
            s = stacked.sum()
            self._sums[q] = s if self._sums[q] is None else self._sums[q] + s
            self._pending[q] = []
            self._pending_scale[q] = []
            if self._pending_counts[q]:
                c = torch.stack(self._pending_counts[q]).sum()
                prev = self._count_tensors[q]
                self._count_tensors[q] = c if prev is None else prev + c
                self._pending_counts[q] = []

    def logs(self, tensor=False):
        """Epoch-average of every metric: floats, or 0-d tensors (no host sync)."""
        self._fold()
        out = {}
        first = self._first_metric()
        for q, name in enumerate(self.metrics_names):
            idx = q - first
            if idx >= 0 and self.entries[idx].stateful:
                v = self.entries[idx].fn.result()
            else:
                s = self._sums[q]
                if s is None:
                    v = torch.zeros(())
                else:
                    count = self._count_tensors[q]
                    v = s / (count if count is not None else max(self._counts[q], 1e-12))
            out[name] = v if tensor else float(v)
        return out

    def _first_metric(self):
        return len(self.metrics_names) - len(self.entries)


def _loss_value(fn, y, p, sw):
    if isinstance(fn, losses_module.Loss):
        return fn(y, p, sample_weight=sw)
    per = fn(y, p)
    if sw is not None:
        while sw.ndim < per.ndim:
            sw = sw.unsqueeze(-1)
        return (per * sw).sum() / per.numel()
    return per.mean()


def is_layer(x):
    return isinstance(x, Layer)
