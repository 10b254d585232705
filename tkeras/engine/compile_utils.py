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
    __slots__ = ("output", "name", "fn", "weighted", "stateful", "float_target")

    def __init__(self, output, name, fn, weighted):
        self.output = output
        self.name = name
        self.fn = fn
        self.weighted = weighted
        self.stateful = isinstance(fn, metrics_module.Metric)
        # As tf.keras's MeanMetricWrapper, metric functions see float targets (bool
        # one-hot and integer labels included); the sparse ones index with the labels.
        self.float_target = not self.stateful and not _is_sparse(fn)


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
        # As tf.keras 2: per output, its metrics then its weighted metrics; a weighted
        # metric is prefixed with `weighted_` only when the name is already taken.
        unweighted = self._metrics_per_output(metrics, output_names)
        weighted_spec = self._metrics_per_output(weighted_metrics, output_names)
        for i in range(n):
            prefix = "" if n == 1 else f"{output_names[i]}_"
            taken = set()
            for weighted, items in ((False, unweighted[i]), (True, weighted_spec[i])):
                for m in items:
                    name, fn = self._resolve_metric(m, self.loss_fns[i], output_shapes[i])
                    full = prefix + name
                    if weighted and full in taken:
                        full = prefix + "weighted_" + name
                    if not weighted:
                        taken.add(full)
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
            fn = metrics_module.get(m)
            if isinstance(fn, metrics_module.Metric):  # 'AUC', 'Precision': named 'auc', ...
                return fn.name, fn
            return m, fn
        if isinstance(m, metrics_module.Metric):
            return m.name, m
        if isinstance(m, losses_module.Loss):  # a Loss object as metric: its name
            return getattr(m, "name", None) or _snake(type(m).__name__), m
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
            if _no_target(ys[i]):  # no target data for this output: no loss (tf.keras)
                per_output.append(outputs[i].new_zeros((), dtype=torch.float32))
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
        self.update_loss(total, per_output, bs)
        self.update_metrics(ys, outputs, sw)

    def update_loss(self, total, per_output, bs):
        """Queues the batch's total loss (and per-output losses), weighted by `bs`."""
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

    def update_metrics(self, ys, outputs, sw, only=None):
        """Updates the compiled metrics (all, or the entry `only`) with a batch."""
        q = self._first_metric()
        for e in self.entries:
            if only is not None and e is not only:
                q += 1
                continue
            y, p = ys[e.output], outputs[e.output]
            if _no_target(y):  # an output given no target data: its metrics stay as is
                q += 1
                continue
            if p.dtype in _HALF:
                p = p.float()
            w = None if (sw is None or not e.weighted) else sw[e.output]
            if e.stateful:
                e.fn.update_state(y, p, sample_weight=w)
            else:
                if e.float_target and isinstance(y, torch.Tensor) and y.dtype != p.dtype:
                    y = y.to(p.dtype)
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
        for q, name in enumerate(self.metrics_names):
            v = self._slot_value(q)
            out[name] = v if tensor else float(v)
        return out

    def _slot_value(self, q):
        idx = q - self._first_metric()
        if idx >= 0 and self.entries[idx].stateful:
            return self.entries[idx].fn.result()
        s = self._sums[q]
        if s is None:
            return torch.zeros(())
        count = self._count_tensors[q]
        return s / (count if count is not None else max(self._counts[q], 1e-12))

    def result(self, q):
        """Current value of slot `q` (a 0-d tensor)."""
        self._fold()
        return self._slot_value(q)

    def metric_objects(self):
        """The compiled metrics as objects with `name`, `result()`, `update_state()`,
        `reset_states()` (tf.keras's `compiled_loss.metrics + compiled_metrics.metrics`)."""
        out = []
        first = self._first_metric()
        for q, name in enumerate(self.metrics_names):
            if q >= first and self.entries[q - first].stateful:
                out.append(self.entries[q - first].fn)
            else:
                out.append(_SlotMetric(self, q, name))
        return out

    def _first_metric(self):
        return len(self.metrics_names) - len(self.entries)


def _loss_value(fn, y, p, sw):
    if p.dtype in _HALF:  # mixed precision: losses are computed in float32
        p = p.float()
    if isinstance(fn, losses_module.Loss):
        value = fn(y, p, sample_weight=sw)
        if value.ndim:
            # reduction='none': tf.keras reports the mean and differentiates the sum
            # (the gradient of a non-scalar loss).
            total = value.sum()
            return value.mean().detach() + (total - total.detach())
        return value
    per = fn(y, p)
    if sw is not None:
        while sw.ndim < per.ndim:
            sw = sw.unsqueeze(-1)
        return (per * sw).sum() / per.numel()
    return per.mean()


_HALF = (torch.float16, torch.bfloat16)


def _snake(name):
    from tkeras.engine.base_layer import to_snake_case

    return to_snake_case(name)


def _no_target(y):
    # data_utils.no_target's (n, 0) stand-in.
    return y is None or (isinstance(y, torch.Tensor) and y.ndim == 2 and y.shape[1] == 0)


# ---------------------------------------------------------------------- custom steps
class _SlotMetric:
    """A compiled loss or function metric seen as a metric object (`model.metrics`).
    Its state is the compiled state's on-device accumulator."""

    def __init__(self, state, q, name):
        self._state = state
        self._q = q
        self.name = name

    def result(self):
        return self._state.result(self._q)

    def update_state(self, *args, sample_weight=None):
        """`update_state(loss_value)` for a loss (weighted by `sample_weight`, e.g. the
        batch size), `update_state(y_true, y_pred, sample_weight)` for a metric."""
        st, q = self._state, self._q
        first = st._first_metric()
        if q >= first:
            entry = st.entries[q - first]
            y, p = args
            ys = [None] * len(st.output_names)
            outs = [None] * len(st.output_names)
            ys[entry.output] = _as_tensor(y)
            outs[entry.output] = _as_tensor(p)
            sws = None
            if sample_weight is not None:
                sws = [None] * len(st.output_names)
                sws[entry.output] = _as_tensor(sample_weight)
            st.update_metrics(ys, outs, sws, only=entry)
            return
        (value,) = args
        value = _as_tensor(value).detach().float()
        w = 1.0 if sample_weight is None else float(sample_weight)
        st._pending[q].append(value.mean())
        st._pending_scale[q].append(w)
        st._counts[q] += w

    def reset_states(self):
        st, q = self._state, self._q
        st._sums[q] = None
        st._counts[q] = 0
        st._count_tensors[q] = None
        st._pending[q], st._pending_scale[q], st._pending_counts[q] = [], [], []

    reset_state = reset_states

    def __repr__(self):
        return f"<Metric name={self.name!r}>"


def _as_tensor(x):
    from tkeras.engine.base_layer import _to_tensor

    return x if isinstance(x, torch.Tensor) else _to_tensor(np.asarray(x))


def _as_list(value, names):
    """A model output/target structure as a list in output order."""
    if isinstance(value, dict):
        if all(n in value for n in names):
            return [value[n] for n in names]
        return list(value.values())
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


class LossesContainer:
    """`model.compiled_loss` (tf.keras 2.x): the losses given to `compile`.

    `self.compiled_loss(y, y_pred, sample_weight=None, regularization_losses=self.losses)`
    returns the total loss (a tensor with gradient history) and adds it to the `loss`
    metric.
    """

    def __init__(self, model):
        self._model = model

    def __call__(self, y_true, y_pred, sample_weight=None, regularization_losses=None):
        model = self._model
        outputs = _as_list(y_pred, getattr(model, "output_names", None) or [])
        c = model._compiled_state_for(outputs)
        ys = _as_list(y_true, c.output_names) if y_true is not None else [None] * len(outputs)
        if len(ys) != len(outputs):
            raise ValueError(
                f"`compiled_loss` received {len(ys)} target(s) for {len(outputs)} model "
                f"output(s) ({c.output_names}).")
        ys = [None if y is None else _as_tensor(y) for y in ys]
        ys = [y if y is None or p is None or y.ndim != 1 or p.ndim != 2 or _is_sparse(fn)
              else y.unsqueeze(-1) for y, p, fn in zip(ys, outputs, c.loss_fns)]
        sws = _sample_weights(sample_weight, c.output_names, len(outputs))
        total, per_output = c.compute_loss(ys, outputs, sws)
        if regularization_losses:
            terms = [t if t.ndim == 0 else t.mean() for t in
                     (_as_tensor(r) for r in regularization_losses)]
            total = total + sum(terms[1:], terms[0])
        bs = int(outputs[0].shape[0]) if outputs and outputs[0].ndim else 1
        c.update_loss(total.detach(), per_output, bs)
        return total

    @property
    def metrics(self):
        c = self._model._compiled
        if c is None:
            return []
        return c.metric_objects()[:c._first_metric()]

    def reset_state(self):
        for m in self.metrics:
            m.reset_states()


def _sample_weights(sample_weight, output_names, n_outputs):
    """Per-output sample-weight tensors (one array serves every output), or None."""
    if sample_weight is None:
        return None
    sws = _as_list(sample_weight, output_names)
    if len(sws) == 1 and n_outputs > 1:
        sws = sws * n_outputs
    return [None if w is None else _as_tensor(w) for w in sws]


def _is_sparse(fn):
    name = getattr(fn, "__name__", None) or type(fn).__name__
    return "sparse" in name.lower()


class MetricsContainer:
    """`model.compiled_metrics` (tf.keras 2.x): the metrics given to `compile`.
    Call `self.compiled_metrics.update_state(y, y_pred, sample_weight=None)`."""

    def __init__(self, model):
        self._model = model

    def update_state(self, y_true, y_pred, sample_weight=None):
        model = self._model
        outputs = _as_list(y_pred, getattr(model, "output_names", None) or [])
        c = model._compiled_state_for(outputs)
        ys = [_as_tensor(y) for y in _as_list(y_true, c.output_names)]
        ys = [y if y.ndim != 1 or p.ndim != 2 else y.unsqueeze(-1)
              for y, p in zip(ys, outputs)]
        sws = _sample_weights(sample_weight, c.output_names, len(outputs))
        with torch.no_grad():
            c.update_metrics(ys, outputs, sws)

    @property
    def metrics(self):
        c = self._model._compiled
        if c is None:
            return []
        return c.metric_objects()[c._first_metric():]

    def reset_state(self):
        for m in self.metrics:
            m.reset_states()


# ---------------------------------------------------------------------- add_metric
def record_metric(layer, value, name=None, aggregation=None, **kwargs):
    """`Layer.add_metric`: queues `(layer, name, value, metric)` for the running
    train/test step, which folds it into a `Mean` (or the given stateful metric)."""
    from tkeras.engine.base_layer import _STATE
    from tkeras.engine.keras_tensor import is_keras_tensor

    if kwargs:
        raise TypeError(f"Unknown keyword arguments to `add_metric`: {sorted(kwargs)}")
    if aggregation not in (None, "mean"):
        raise ValueError(
            "We currently support only `mean` sample-wise metric aggregation. You provided "
            f"aggregation={aggregation!r}")
    metric_obj = getattr(value, "_metric_obj", None)
    if metric_obj is not None:
        name = metric_obj.name
    elif name is None:
        raise ValueError(
            "Please provide a name for your metric like "
            "`self.add_metric(K.mean(inputs), name='mean_activation')`")
    if is_keras_tensor(value):
        raise ValueError(
            f"Layer '{layer.name}' received a symbolic tensor for the metric {name!r}. Call "
            "`add_metric` with a symbolic tensor on the functional model "
            "(`model.add_metric(tensor, name=...)`), or with a tensor computed in `call`.")
    if not isinstance(value, torch.Tensor):
        value = torch.as_tensor(np.asarray(value, dtype="float32"))
    if value.device.type == "meta":  # shape inference of a symbolic call
        return
    collector = getattr(_STATE, "metrics", None)
    if collector is not None:
        collector.append((layer, name, value, metric_obj))


def is_layer(x):
    return isinstance(x, Layer)
