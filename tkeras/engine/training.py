"""`Model`: compile / fit / evaluate / predict on top of the layer graph.

The loop is a hand-tuned torch loop: in-memory data becomes tensors once, on the model's
device; an epoch permutes them once and batches are contiguous slices (views); loss and
metric sums accumulate on the device and are read back only when something is displayed
or returned.
"""
import itertools
import math
import time
import warnings
import weakref

import numpy as np
import torch

from tkeras.backend import _config
from tkeras.engine import base_layer
from tkeras.engine.base_layer import Layer, _STATE
from tkeras.engine import data_adapters, data_utils, input_spec


class Model(Layer):
    """A model: layers plus training (`compile`, `fit`, `evaluate`, `predict`).

    Create one with the functional API, `Model(inputs, outputs)`, or subclass it and
    define `call(inputs, training=None)`.
    """

    def __new__(cls, *args, **kwargs):
        if cls is Model and (args or "inputs" in kwargs or "input" in kwargs):
            from tkeras.engine.functional import Functional

            return super().__new__(Functional)
        return super().__new__(cls)

    def __init__(self, *args, **kwargs):
        from tkeras.engine import functional

        if not isinstance(self, functional.Functional) and _functional_init_args(args, kwargs):
            # `class CustomModel(Model)` built as `CustomModel(inputs, outputs)`, as in
            # tf.keras: the instance becomes a graph model that keeps the user's methods.
            object.__setattr__(self, "__class__", functional.functional_subclass(type(self)))
            functional.Functional.__init__(self, *args, **kwargs)
            return
        name = kwargs.pop("name", None)
        trainable = kwargs.pop("trainable", True)
        dtype = kwargs.pop("dtype", None)
        super().__init__(name=name, trainable=trainable, dtype=dtype, **kwargs)
        self.optimizer = None
        self.loss = None
        self.stop_training = False
        self.history = None
        self._is_compiled = False
        self._compile_config = None
        self._compiled = None  # _CompiledState once inputs/outputs are known

    # ------------------------------------------------------------------ structure
    @property
    def layers(self):
        return self._sublayers()

    def get_layer(self, name=None, index=None):
        """Returns a layer by `name` or by `index` (position in `model.layers`)."""
        if index is not None and name is not None:
            raise ValueError(
                "Provide only a layer name or a layer index to `get_layer`. Received: "
                f"name={name!r}, index={index!r}"
            )
        layers = self.layers
        if index is not None:
            if not -len(layers) <= index < len(layers):
                raise ValueError(
                    f"Was asked to retrieve layer at index {index} but model only has "
                    f"{len(layers)} layers."
                )
            return layers[index]
        if name is not None:
            for layer in layers:
                if layer.name == name:
                    return layer
            raise ValueError(
                f"No such layer: {name}. Existing layers are: {[l.name for l in layers]}."
            )
        raise ValueError("Provide either a layer name or layer index to `get_layer`.")

    def _weight_pairs(self):
        """Models list weights layer by layer (Keras 2's `model.weights` and
        `get_weights()`), unlike a plain layer's trainable-first order."""
        pairs = [(self, r) for r in self._weight_records if r.trainable and self.trainable]
        pairs += [(self, r) for r in self._weight_records if not (r.trainable and self.trainable)]
        seen = {(id(l), r.attr) for l, r in pairs}
        for layer in self._sublayers():
            for l, r in layer._weight_pairs():
                if (id(l), r.attr) not in seen:
                    seen.add((id(l), r.attr))
                    pairs.append((l, r))
        return pairs

    def reset_states(self):
        """Resets the states of every stateful layer (stateful RNNs)."""
        for layer in self._flatten_layers(include_self=False):
            if getattr(layer, "stateful", False) and hasattr(layer, "reset_states"):
                layer.reset_states()

    def _device(self):
        for p in self.parameters():
            return p.device
        for b in self.buffers():
            return b.device
        return torch.device("cpu")

    def summary(self, line_length=None, positions=None, print_fn=None):
        """Prints Keras 2's summary table (layers, output shapes, parameter counts)."""
        from tkeras.utils.layer_utils import print_summary

        if not self.built:
            raise ValueError(
                "This model has not yet been built. Build the model first by calling "
                "`build()` or calling `fit()` with some data, or specify an `input_shape` "
                "argument in the first layer(s) for automatic build."
            )
        print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn)

    def to_json(self, **kwargs):
        """The model's architecture as a Keras 2 JSON string (no weights); `kwargs` go to
        `json.dumps`. Rebuild it with `tkeras.models.model_from_json`."""
        from tkeras.saving.model_config import to_json

        return to_json(self, **kwargs)

    def save(self, filepath, overwrite=True, include_optimizer=True, save_format=None,
             **kwargs):
        """Saves the model (architecture, weights, training config, optimizer state) as
        a Keras 2 HDF5 file; see `tkeras.models.save_model`."""
        from tkeras.saving import hdf5

        _check_save_format(save_format)
        hdf5.save_model(self, filepath, overwrite=overwrite,
                        include_optimizer=include_optimizer)

    def save_weights(self, filepath, overwrite=True, save_format=None, **kwargs):
        """Saves all layer weights to a Keras 2 HDF5 file (any file name)."""
        from tkeras.saving import hdf5

        _check_save_format(save_format)
        hdf5.save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath, by_name=False, skip_mismatch=False, safe_mode=True,
                     **kwargs):
        """Loads weights from a Keras 2 HDF5 weights or model file: in layer order
        (default) or by layer name (`by_name=True`, optionally `skip_mismatch=True`).
        The whole file is checked first; on error the model is unchanged. HDF5 links
        out of the weights (to other files too) are refused unless `safe_mode=False`."""
        from tkeras.saving import hdf5

        hdf5.load_weights(self, filepath, by_name=by_name, skip_mismatch=skip_mismatch,
                          safe_mode=safe_mode)

    def build(self, input_shape=None):
        """Builds a subclassed model by running it once on zeros of `input_shape`."""
        if self.built:
            return
        if input_shape is None:
            raise ValueError("You must provide an `input_shape` argument to `build()`.")
        shapes = input_shape if isinstance(input_shape, list) else [input_shape]
        device = self._device()
        xs = [torch.zeros([1 if d is None else d for d in s], device=device) for s in shapes]
        self.built = True
        with torch.no_grad(), _config._training_scope(False):
            self._forward(xs, training=False)

    # ------------------------------------------------------------------ compile
    def compile(self, optimizer="rmsprop", loss=None, metrics=None, loss_weights=None,
                sample_weight_mode=None, weighted_metrics=None, target_tensors=None,
                jit_compile=False, run_eagerly=None, steps_per_execution=None, **kwargs):
        """Configures the model for training.

        Args:
            optimizer: name (`'adam'`) or optimizer instance.
            loss: name, function or `Loss`; a list or dict (by output name) for several
                outputs.
            metrics: list of names/functions for every output, or a dict by output name.
            loss_weights: list or dict of scalars weighting the per-output losses.
            sample_weight_mode: `None` or `'temporal'`.
            weighted_metrics: metrics weighted by `sample_weight`/`class_weight`.
        """
        from tkeras import optimizers

        from tkeras.engine.compile_utils import CompiledState, validate_compile_args

        for key in kwargs:
            raise TypeError(f"Invalid keyword argument to `compile`: {key!r}.")
        # Resolve everything before touching the model: a bad name leaves the previous
        # compile (optimizer, losses, metrics) exactly as it was.
        optimizer = optimizers.get(optimizer)
        config = dict(loss=loss, metrics=metrics, loss_weights=loss_weights,
                      sample_weight_mode=sample_weight_mode, weighted_metrics=weighted_metrics)
        compiled = None
        if self.built and self._output_names_known():
            compiled = CompiledState(self, self.output_names,
                                     [tuple(t.shape) for t in self.outputs], **config)
        else:
            validate_compile_args(**config)
        if _uses_float16(self) and not _is_loss_scaled(optimizer):
            from tkeras.mixed_precision import LossScaleOptimizer

            # tf.keras: under 'mixed_float16', compile wraps the optimizer.
            optimizer = LossScaleOptimizer(optimizer)
        getattr(optimizer, "inner_optimizer", optimizer)._model_ref = weakref.ref(self)
        self.optimizer = optimizer
        self.loss = loss
        self._compile_config = config
        self._is_compiled = True
        self._compiled = compiled
        self._jit_compile = bool(jit_compile)
        _JIT.pop(self, None)
        self.__dict__.pop("_extras_cache", None)
        if compiled is not None:
            self.optimizer._attach(compiled.params)

    def __setstate__(self, state):
        super().__setstate__(state)
        optimizer = self.__dict__.get("optimizer")
        if optimizer is not None:
            getattr(optimizer, "inner_optimizer", optimizer)._model_ref = weakref.ref(self)

    def _output_names_known(self):
        return bool(getattr(self, "outputs", None))

    def _finalize_compile(self, output_shapes=None, output_names=None):
        from tkeras.engine.compile_utils import CompiledState

        if output_names is None:
            output_names = self.output_names
            output_shapes = [tuple(t.shape) for t in self.outputs]
        self._compiled = CompiledState(self, output_names, output_shapes,
                                       **self._compile_config)
        self.optimizer._attach(self._compiled.params)
        self.__dict__.pop("_extras_cache", None)

    @property
    def metrics_names(self):
        """Names of the values `evaluate` returns and `fit` logs: `'loss'`, the
        compiled metrics, then the metrics added with `add_metric` or held as
        attributes."""
        if self._compiled is None and self._is_compiled and self.built \
                and self._output_names_known():
            self._finalize_compile()
        names = list(self._compiled.metrics_names) if self._compiled is not None else []
        return names + [m.name for m in self._extra_metrics() if m.name not in names]

    @property
    def metrics(self):
        """The model's metrics as objects (`name`, `result()`, `update_state()`,
        `reset_states()`): the compiled loss and metrics, then the metrics added with
        `add_metric` or assigned as attributes (tf.keras 2.x). A custom `train_step`
        returns `{m.name: m.result() for m in self.metrics}`."""
        out = self._compiled.metric_objects() if self._compiled is not None else []
        seen = {id(m) for m in out}
        return out + [m for m in self._extra_metrics() if id(m) not in seen]

    def reset_metrics(self):
        """Resets every metric of the model (done at the start of each epoch and of
        `evaluate`)."""
        if self._compiled is not None:
            self._compiled.reset()
        for m in self._extra_metrics():
            m.reset_states()
        if type(self).metrics is not Model.metrics:  # a user `metrics` property
            for m in self.metrics:
                if hasattr(m, "reset_states"):
                    m.reset_states()
                elif hasattr(m, "reset_state"):
                    m.reset_state()

    @property
    def compiled_loss(self):
        """The losses given to `compile` (tf.keras 2.x), for a custom `train_step`:
        `loss = self.compiled_loss(y, y_pred, sample_weight, regularization_losses=self.losses)`."""
        from tkeras.engine.compile_utils import LossesContainer

        self._assert_compiled()
        return LossesContainer(self)

    @property
    def compiled_metrics(self):
        """The metrics given to `compile` (tf.keras 2.x), for a custom `train_step`:
        `self.compiled_metrics.update_state(y, y_pred, sample_weight)`."""
        from tkeras.engine.compile_utils import MetricsContainer

        self._assert_compiled()
        return MetricsContainer(self)

    def _compiled_state_for(self, outputs):
        """The compiled state, created on first use from the model's outputs."""
        if self._compiled is None:
            self._assert_compiled()
            if self._output_names_known() and len(self.outputs) == len(outputs):
                self._finalize_compile()
            else:
                names = [f"output_{i + 1}" for i in range(len(outputs))]
                self._finalize_compile([(None,) + tuple(o.shape[1:]) for o in outputs], names)
            self.__dict__.pop("_extras_cache", None)
        return self._compiled

    # ------------------------------------------------------------------ add_metric
    def _register_metric(self, owner, name, metric=None):
        """The tracker of an `add_metric` name (a `Mean`, or the given metric)."""
        from tkeras import metrics as metrics_module

        registry = self.__dict__.setdefault("_added_metrics", {})
        entry = registry.get(name)
        if entry is None:
            entry = registry[name] = (owner, metric or metrics_module.Mean(name=name))
            self.__dict__.pop("_extras_cache", None)
        return entry[1]

    def _record_metrics(self, collected):
        """Folds the values `add_metric` queued during a step into their trackers."""
        with torch.no_grad():
            for owner, name, value, metric_obj in collected:
                m = self._register_metric(owner, name, metric_obj)
                if metric_obj is None:
                    m.update_state(value.detach())

    def _extra_metrics(self):
        """Metrics beyond the compiled ones, in tf.keras order: layer by layer (the
        model first), the metrics held as attributes, then those from `add_metric`."""
        cache = self.__dict__.get("_extras_cache")
        if cache is not None:
            return cache
        from tkeras import metrics as metrics_module

        registry = self.__dict__.get("_added_metrics", {})
        by_owner = {}
        for owner, m in registry.values():
            by_owner.setdefault(id(owner), []).append(m)
        out, seen = [], set()
        if self._compiled is not None:
            seen.update(id(e.fn) for e in self._compiled.entries)
        layers = self._flatten_layers(include_self=True)
        known = {id(l) for l in layers}
        for layer in layers:
            attrs = [v for v in vars(layer).values() if isinstance(v, metrics_module.Metric)]
            for m in attrs + by_owner.get(id(layer), []):
                if id(m) not in seen:
                    seen.add(id(m))
                    out.append(m)
        for owner_id, ms in by_owner.items():  # owners outside the model's layers
            if owner_id not in known:
                out += [m for m in ms if id(m) not in seen]
        self.__dict__["_extras_cache"] = out
        return out

    def _logs(self, tensor=False):
        """Current values of every metric: compiled ones and `_extra_metrics`."""
        logs = self._compiled.logs(tensor)
        extras = self.__dict__.get("_extras_cache")
        if extras is None:
            extras = self._extra_metrics()
        for m in extras:
            v = m.result()
            logs.setdefault(m.name, v if tensor else float(v))
        return logs

    def _assert_compiled(self):
        if not self._is_compiled:
            raise RuntimeError(
                "You must compile your model before training/testing. Use "
                "`model.compile(optimizer, loss)`."
            )

    # ------------------------------------------------------------------ forward
    def _forward(self, xs, training):
        """Runs the model on a list of input tensors; returns a list of output tensors."""
        base_layer._CALL_GEN[0] += 1
        x = xs[0] if len(xs) == 1 else xs
        kwargs = {"training": training} if base_layer._call_signature(type(self))[0] else {}
        if self._policy_run is not None:
            from tkeras.mixed_precision import policy as _policy

            out = _policy.run_layer(self, self._policy_run, (x,), kwargs)
        else:
            out = self.call(x, **kwargs)
        return list(out) if isinstance(out, (list, tuple)) else [out]

    def _prepare_for_data(self, xs):
        """Builds deferred models from the first data and finalizes compile."""
        if not self.built or not self._output_names_known() and self._compiled is None:
            self._build_from_data(xs)
        if self._is_compiled and self._compiled is None:
            if self._output_names_known():
                self._finalize_compile()
            else:
                with torch.no_grad(), _config._training_scope(False):
                    outs = self._forward([x[:1] for x in xs], training=False)
                names = [f"output_{i + 1}" for i in range(len(outs))]
                self._finalize_compile([(None,) + tuple(o.shape[1:]) for o in outs], names)

    def _build_from_data(self, xs):
        """Subclassed models build by running once on a tiny batch."""
        if not self.built:
            with torch.no_grad(), _config._training_scope(False):
                self._forward([x[:1] for x in xs], training=False)
            self.built = True

    # ------------------------------------------------------------------ steps
    def _apply_grad_config(self):
        """Sets `requires_grad` as this model's compile-time trainability says."""
        if base_layer.GRAD_CONFIG["owner"] is self._compiled:
            return
        for layer in self._flatten_layers(include_self=True):
            for rec in layer._weight_records:
                if rec.trainable:
                    getattr(layer, rec.attr).requires_grad_(False)
        for p in self._compiled.params:
            p.requires_grad_(True)
        base_layer.GRAD_CONFIG["owner"] = self._compiled

    def _forward_and_loss(self, xs, ys, sw, training):
        """Forward pass and total loss (compiled losses, `add_loss` losses, penalties)."""
        c = self._compiled
        _STATE.losses = collected = []
        _STATE.metrics = added = []
        try:
            outputs = self._forward(xs, training=training)
        finally:
            _STATE.losses = None
            _STATE.metrics = None
        total, per_output = c.compute_loss(ys, outputs, sw)
        if collected or c.has_model_losses:
            total = total + c.model_losses(collected)
        if added:
            self._record_metrics(added)
        return outputs, total, per_output

    def _train_step(self, xs, ys, sw):
        c = self._compiled
        outputs, total, per_output = self._forward_and_loss(xs, ys, sw, True)
        if total.requires_grad:  # else nothing to train (all frozen): Keras 2 steps nothing
            self.optimizer._zero_grad()
            total.backward()
            self.optimizer._step()
        if c.constraints:
            c.apply_constraints()
        with torch.no_grad():
            c.update(total.detach(), per_output, ys, outputs, sw)
        return total

    def _test_step(self, xs, ys, sw):
        outputs, total, per_output = self._forward_and_loss(xs, ys, sw, False)
        self._compiled.update(total, per_output, ys, outputs, sw)
        return total

    # ------------------------------------------------------------------ custom steps
    def _overrides(self, name):
        """Whether the user's class overrides `train_step`/`test_step`/`predict_step`."""
        return getattr(type(self), name) is not getattr(Model, name)

    def train_step(self, data):
        """One training step on a batch `data` (`x`, `(x, y)` or `(x, y, sample_weight)`);
        returns a dict of logs. Override it to customize `fit` (tf.keras 2.x):

            def train_step(self, data):
                x, y = data
                y_pred = self(x, training=True)
                loss = self.compiled_loss(y, y_pred, regularization_losses=self.losses)
                self.optimizer.minimize(loss, self.trainable_variables)
                self.compiled_metrics.update_state(y, y_pred)
                return {m.name: m.result() for m in self.metrics}

        torch style works too: `self.zero_grad(); loss.backward(); self.optimizer.step()`.
        `fit` does not call this default: it runs an equivalent fused step.
        """
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        y_pred = self(x, training=True)
        loss = self.compute_loss(x, y, y_pred, sample_weight)
        self.optimizer.minimize(loss, self._trainable_params())
        if self._compiled.constraints:
            self._compiled.apply_constraints()
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def test_step(self, data):
        """One evaluation step on a batch; returns a dict of logs. Override it to
        customize `evaluate` (and validation in `fit`)."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        y_pred = self(x, training=False)
        self.compute_loss(x, y, y_pred, sample_weight)
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def predict_step(self, data):
        """The outputs for one batch of `predict`. Override it to customize `predict`."""
        x, _, _ = unpack_x_y_sample_weight(data)
        return self(x, training=False)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None):
        """The compiled loss of a batch plus the model's own losses (`self.losses`)."""
        return self.compiled_loss(y, y_pred, sample_weight,
                                  regularization_losses=self.losses)

    def compute_metrics(self, x, y, y_pred, sample_weight):
        """Updates the compiled metrics; returns `get_metrics_result()`."""
        self.compiled_metrics.update_state(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def get_metrics_result(self):
        """`{name: current value}` of every metric in `self.metrics`."""
        return {m.name: m.result() for m in self.metrics}

    def _prepare_custom(self):
        """Before custom steps: the model's current trainability sets `requires_grad`
        (nothing was captured by a compiled state) and the optimizer knows the model."""
        owner = self.__dict__.setdefault("_custom_grad_owner", object())
        if base_layer.GRAD_CONFIG["owner"] is not owner:
            for layer in self._flatten_layers(include_self=True):
                for rec in layer._weight_records:
                    if rec.trainable:
                        getattr(layer, rec.attr).requires_grad_(False)
            for p in self._trainable_params():
                p.requires_grad_(True)
            base_layer.GRAD_CONFIG["owner"] = owner
        if self.optimizer is not None:
            self.optimizer._ensure_attached(self._trainable_params())

    def _run_custom(self, step_fn, data):
        """Runs a user step with `add_metric` values folded in as they are added."""
        prev = getattr(_STATE, "metrics", None)
        _STATE.metrics = _ImmediateMetrics(self)
        try:
            logs = step_fn(data)
        finally:
            _STATE.metrics = prev
        if logs is None:
            return {}
        if not isinstance(logs, dict):
            raise TypeError(
                f"`{getattr(step_fn, '__name__', 'train_step')}` must return a dict of logs "
                "(e.g. `{m.name: m.result() for m in self.metrics}`). Received: "
                f"{type(logs).__name__}")
        return logs

    def _raw_data(self, x, y, sample_weight, class_weight, where):
        if x is None:
            raise ValueError(f"`{where}` needs input data: received x=None.")
        return _RawData.from_arrays(self, x, y, sample_weight, class_weight, where)

    def _fit_custom(self, x, y, batch_size, epochs, verbose, callbacks, validation_split,
                    validation_data, shuffle, class_weight, sample_weight, initial_epoch,
                    steps_per_epoch, validation_steps, validation_freq, feed):
        """`fit` with the user's `train_step`: batches in the user's structure, logs as
        the step returns them (the epoch's logs are those of its last step)."""
        from tkeras import callbacks as callbacks_module

        source = data = None
        if data_adapters.is_batch_source(x):
            source = _fit_source(self, _RawBatchSource, x, y, sample_weight, validation_split,
                                 batch_size, steps_per_epoch, dict(shuffle=shuffle, **feed))
            steps_per_epoch = source.steps
        else:
            data = self._raw_data(x, y, sample_weight, class_weight, "fit")
        val = None
        if validation_data is not None:
            val = self._validation_for_custom(validation_data, batch_size, validation_steps,
                                              feed)
        elif validation_split:
            data, val = data.split(validation_split)
            if class_weight is not None:  # class weights for the training samples only
                val = self._raw_data(x, y, sample_weight, None, "fit").split(
                    validation_split)[1]
        if data is not None and steps_per_epoch is None:
            steps_per_epoch = max(1, math.ceil(data.num_samples / batch_size))
        cbks = callbacks_module.CallbackList(
            callbacks, add_history=True, add_progbar=verbose != 0, model=self,
            verbose=verbose, epochs=epochs, steps=steps_per_epoch)
        self.stop_training = False
        self._prepare_custom()
        self.__dict__.pop("_extras_cache", None)
        cbks.on_train_begin()
        initial_epoch = max(initial_epoch, self.__dict__.pop("_resume_initial_epoch", 0))
        logs = {}
        interrupt = _InterruptAfterBatch()
        step_fn = self.train_step
        if getattr(self, "_jit_compile", False):
            step_fn = _jit_function(self, "train_step", step_fn)
        try:
            for epoch in range(initial_epoch, epochs):
                self._prepare_custom()
                self.reset_metrics()
                cbks.on_epoch_begin(epoch)
                batches = source.batches() if source is not None else data.batches(
                    batch_size, steps_per_epoch, shuffle)
                step_logs = {}
                for step, batch in enumerate(batches):
                    cbks.on_train_batch_begin(step)
                    step_logs = self._run_custom(step_fn, batch)
                    cbks.on_train_batch_end(step, step_logs)
                    if interrupt.requested:
                        self.stop_training = True
                    if self.stop_training:
                        break
                logs = _logs_to_floats(step_logs)
                if self._end_epoch(cbks, epoch, logs, val, batch_size, validation_steps,
                                   validation_freq, source, interrupt):
                    break
        finally:
            interrupt.restore()
        cbks.on_train_end(logs)
        return self.history

    def _end_epoch(self, cbks, epoch, logs, val, batch_size, validation_steps,
                   validation_freq, source, interrupt):
        """Validation, `on_epoch_end` and the stop checks that close an epoch of either
        fit loop; True when training stops here."""
        if val is not None and (epoch + 1) % validation_freq == 0:
            val_logs = self._evaluate_data(val, batch_size, validation_steps)
            logs.update({"val_" + k: v for k, v in val_logs.items()})
        if interrupt.requested:
            return True  # Ctrl-C: no epoch-end bookkeeping for a partial epoch
        cbks.on_epoch_end(epoch, logs)
        if source is not None:
            source.on_epoch_end()
            if source.exhausted:
                self.stop_training = True
        return self.stop_training

    def _validation_for_custom(self, validation_data, batch_size, steps, feed):
        if data_adapters.is_batch_source(validation_data):
            cls = _RawBatchSource if self._overrides("test_step") else data_adapters.BatchSource
            val = cls(self, validation_data, batch_size, steps, "evaluate",
                      "fit (validation_data)", steps_arg="validation_steps", **feed)
            val.peek()
            return val
        if not self._overrides("test_step"):
            return data_utils.adapt_validation(self, validation_data)
        if not isinstance(validation_data, (list, tuple)) or len(validation_data) not in (2, 3):
            raise ValueError(
                "When passing validation_data, it must contain 2 (x_val, y_val) or 3 (x_val, "
                "y_val, val_sample_weights) items.")
        return self._raw_data(validation_data[0], validation_data[1],
                              validation_data[2] if len(validation_data) == 3 else None,
                              None, "fit (validation_data)")

    def _evaluate_custom(self, data, batch_size, steps=None, cbks=None):
        """`evaluate` with the user's `test_step`: returns the last step's logs."""
        self.reset_metrics()
        self._prepare_custom()
        if isinstance(data, data_adapters.BatchSource):
            batches = data.batches()
        else:
            batches = data.batches(batch_size, steps or max(
                1, math.ceil(data.num_samples / batch_size)), False)
        step_fn = self.test_step
        if getattr(self, "_jit_compile", False):
            step_fn = _jit_function(self, "test_step", step_fn)
        logs = {}
        with torch.no_grad():
            for step, batch in enumerate(batches):
                if cbks is not None:
                    cbks.on_test_batch_begin(step)
                logs = self._run_custom(step_fn, batch)
                if cbks is not None:
                    cbks.on_test_batch_end(step, logs)
        if isinstance(data, data_adapters.BatchSource):
            data.on_epoch_end()
        return _logs_to_floats(logs)

    def _predict_custom(self, x, batch_size, steps, feed):
        """`predict` with the user's `predict_step`: outputs of any structure,
        concatenated over the batches as numpy."""
        if data_adapters.is_batch_source(x):
            source = _RawBatchSource(self, x, batch_size, steps, "predict", "predict",
                                     steps_arg="steps", **feed)
            source.peek()
            batches = source.batches()
        else:
            source = None
            data = self._raw_data(x, None, None, None, "predict")
            batches = data.batches(batch_size, max(1, math.ceil(data.num_samples / batch_size)),
                                   False)
        step_fn = self.predict_step
        if getattr(self, "_jit_compile", False):
            step_fn = _jit_function(self, "predict_step", step_fn)
        outs = []
        with torch.no_grad():
            for batch in batches:
                outs.append(step_fn(batch))
        if source is not None:
            source.on_epoch_end()
        if not outs:
            raise ValueError("`predict` received 0 samples.")
        return _concat_structure(outs)

    # ------------------------------------------------------------------ step variants
    def _select_steps(self):
        """(train step, test step, predict forward): the plain fused ones, or, with
        `jit_compile=True` or a `LossScaleOptimizer`, the general variants."""
        jit = getattr(self, "_jit_compile", False)
        scaled = _is_loss_scaled(self.optimizer)
        if not jit and not scaled:
            return self._train_step, self._test_step, self._forward
        return (
            lambda xs, ys, sw: self._train_step_general(xs, ys, sw, jit, scaled),
            lambda xs, ys, sw: self._test_step_general(xs, ys, sw, jit),
            _jit_function(self, "predict", self._forward) if jit else self._forward,
        )

    def _jit_forward_loss(self, xs, ys, sw, training):
        outputs = self._forward(xs, training=training)
        total, per_output = self._compiled.compute_loss(ys, outputs, sw)
        return outputs, total, per_output

    def _forward_and_loss_general(self, xs, ys, sw, training, jit):
        if not jit:
            return self._forward_and_loss(xs, ys, sw, training)
        c = self._compiled
        fn = _jit_function(self, "train" if training else "test", self._jit_forward_loss)
        _STATE.losses = collected = []
        _STATE.metrics = added = []
        try:
            outputs, total, per_output = fn(xs, ys, sw, training)
        finally:
            _STATE.losses = None
            _STATE.metrics = None
        if collected or c.has_model_losses:
            total = total + c.model_losses(collected)
        if added:
            self._record_metrics(added)
        return outputs, total, per_output

    def _train_step_general(self, xs, ys, sw, jit, scaled):
        c = self._compiled
        outputs, total, per_output = self._forward_and_loss_general(xs, ys, sw, True, jit)
        opt = self.optimizer
        if total.requires_grad:  # else nothing to train (all frozen): Keras 2 steps nothing
            opt._zero_grad()
            if scaled:
                opt._backward(total)
            else:
                total.backward()
            opt._step()
        if c.constraints:
            c.apply_constraints()
        with torch.no_grad():
            c.update(total.detach(), per_output, ys, outputs, sw)
        return total

    def _test_step_general(self, xs, ys, sw, jit):
        outputs, total, per_output = self._forward_and_loss_general(xs, ys, sw, False, jit)
        self._compiled.update(total, per_output, ys, outputs, sw)
        return total

    # ------------------------------------------------------------------ fit
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose=1, callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None,
            validation_steps=None, validation_freq=1, max_queue_size=10, workers=1,
            use_multiprocessing=False, **kwargs):
        """Trains the model for `epochs` epochs; returns a `History`."""
        from tkeras import callbacks as callbacks_module

        if "nb_epoch" in kwargs:
            warnings.warn("The `nb_epoch` argument in `fit` has been renamed `epochs`.",
                          stacklevel=2)
            epochs = kwargs.pop("nb_epoch")
        if kwargs:
            raise TypeError(f"Unrecognized keyword arguments to `fit`: {sorted(kwargs)}")
        self._assert_compiled()
        if not 0.0 <= validation_split < 1.0:
            raise ValueError(
                f"`validation_split` must be in [0, 1). Received: validation_split={validation_split}"
            )
        batch_size = _check_batch_size(batch_size)
        feed = dict(workers=workers, use_multiprocessing=use_multiprocessing,
                    max_queue_size=max_queue_size)
        if self._overrides("train_step"):
            return self._fit_custom(
                x, y, batch_size, epochs, verbose, callbacks, validation_split,
                validation_data, shuffle, class_weight, sample_weight, initial_epoch,
                steps_per_epoch, validation_steps, validation_freq, feed)
        source = data = None
        if data_adapters.is_batch_source(x):
            source = _fit_source(self, data_adapters.BatchSource, x, y, sample_weight,
                                 validation_split, batch_size, steps_per_epoch,
                                 dict(shuffle=shuffle, class_weight=class_weight, **feed))
            steps_per_epoch = n = source.steps
        else:
            data = data_utils.adapt(self, x, y, sample_weight, class_weight, "fit")
        val = None
        if validation_data is not None:
            if data_adapters.is_batch_source(validation_data):
                val = data_adapters.BatchSource(
                    self, validation_data, batch_size, validation_steps, "evaluate",
                    "fit (validation_data)", steps_arg="validation_steps", **feed)
                val.peek()
            else:
                val = data_utils.adapt_validation(self, validation_data)
        elif validation_split:
            plain = None
            if class_weight is not None:
                # As tf.keras: class weights apply to the training samples only; the
                # validation split keeps just its share of `sample_weight`.
                plain = data_utils.standardize_weights(self, data.ys, sample_weight, None)
            data, val = data.split(validation_split)
            if class_weight is not None:
                val.sws = None if plain is None else [
                    None if w is None else w[data.num_samples:] for w in plain]
        steps_given, stream = steps_per_epoch is not None and source is None, None
        if data is not None:
            n = data.num_samples
            _check_stateful_batches(self, n, batch_size, "fit")
            if isinstance(val, data_utils.Data):
                _check_stateful_batches(self, val.num_samples, batch_size, "fit (validation)")
            if steps_per_epoch is None:
                steps_per_epoch = max(1, math.ceil(n / batch_size))
        c = self._compiled
        self._apply_grad_config()
        cbks = callbacks_module.CallbackList(
            callbacks, add_history=True, add_progbar=verbose != 0, model=self,
            verbose=verbose, epochs=epochs, steps=steps_per_epoch)
        batch_logs_needed, exact_batch_logs = _wants_batch_logs(cbks)
        self.stop_training = False
        device = self._device()
        prev_training = getattr(_config._CONTEXT, "training", None)
        prev_depth = getattr(_STATE, "depth", 0)
        train_step = self._select_steps()[0]
        cbks.on_train_begin()
        # A callback that restored a backup (BackupAndRestore) says where to resume.
        initial_epoch = max(initial_epoch, self.__dict__.pop("_resume_initial_epoch", 0))
        logs = {}
        interrupt = _InterruptAfterBatch()
        try:
            for epoch in range(initial_epoch, epochs):
                self._apply_grad_config()
                self.reset_metrics()
                cbks.on_epoch_begin(epoch)
                if source is not None:
                    batches = source.batches()
                elif steps_given:
                    # As tf.keras: with `steps_per_epoch`, an epoch takes the next
                    # batches of one endless pass over the (reshuffled) data.
                    if stream is None:
                        stream = _array_stream(data, n, batch_size, shuffle, device)
                    batches = itertools.islice(stream, steps_per_epoch)
                elif shuffle and n > 1:
                    perm = torch.randperm(n, device=device)
                    batches = _array_batches(data.take(perm), n, batch_size,
                                             steps_per_epoch)
                else:
                    batches = _array_batches(data.arrays, n, batch_size, steps_per_epoch)
                _config._CONTEXT.training = True
                _STATE.depth = 1
                batch_logs, logs_time = None, 0.0
                for step, (xs, ys, sw) in enumerate(batches):
                    if batch_logs_needed:
                        cbks.on_train_batch_begin(step)
                    train_step(xs, ys, sw)
                    if batch_logs_needed:
                        # Only the progress bar reads them: refresh at most every 20 ms
                        # (it redraws every 50 ms); user callbacks get exact values.
                        now = time.perf_counter()
                        if exact_batch_logs or now - logs_time > 0.02 or \
                                step == steps_per_epoch - 1:
                            batch_logs, logs_time = self._logs(tensor=True), now
                        cbks.on_train_batch_end(step, batch_logs)
                    if interrupt.requested:
                        self.stop_training = True
                    if self.stop_training:
                        break
                _config._CONTEXT.training = prev_training
                _STATE.depth = prev_depth
                logs = self._logs()
                if self._end_epoch(cbks, epoch, logs, val, batch_size, validation_steps,
                                   validation_freq, source, interrupt):
                    break
        finally:
            interrupt.restore()
            _config._CONTEXT.training = prev_training
            _STATE.depth = prev_depth
        cbks.on_train_end(logs)
        return self.history

    # ------------------------------------------------------------------ evaluate
    def _evaluate_data(self, data, batch_size, steps=None, cbks=None):
        # (`validation_split` of a model overriding only `train_step` gives raw data.)
        if self._overrides("test_step") or isinstance(data, _RawData):
            return self._evaluate_custom(data, batch_size, steps, cbks)
        test_step = self._select_steps()[1]
        self.reset_metrics()
        if isinstance(data, data_adapters.BatchSource):
            batches = data.batches()
        else:
            n = data.num_samples
            steps = steps or max(1, math.ceil(n / batch_size))
            batches = _array_batches(data.arrays, n, batch_size, steps, wrap=True)
        prev_training = getattr(_config._CONTEXT, "training", None)
        prev_depth = getattr(_STATE, "depth", 0)
        _config._CONTEXT.training = False
        _STATE.depth = 1
        try:
            with torch.no_grad():
                for step, (xs, ys, sw) in enumerate(batches):
                    if cbks is not None:
                        cbks.on_test_batch_begin(step)
                    test_step(xs, ys, sw)
                    if cbks is not None:
                        cbks.on_test_batch_end(step, self._logs(tensor=True))
        finally:
            _config._CONTEXT.training = prev_training
            _STATE.depth = prev_depth
        if isinstance(data, data_adapters.BatchSource):
            data.on_epoch_end()
        return self._logs()

    def evaluate(self, x=None, y=None, batch_size=None, verbose=1, sample_weight=None,
                 steps=None, callbacks=None, max_queue_size=10, workers=1,
                 use_multiprocessing=False, return_dict=False):
        """Returns the loss (a scalar) or `[loss, *metrics]` in `metrics_names` order."""
        from tkeras import callbacks as callbacks_module

        self._assert_compiled()
        batch_size = _check_batch_size(batch_size)
        # A user `test_step` gets batches in the user's structure (raw data).
        custom = self._overrides("test_step")
        if data_adapters.is_batch_source(x):
            _check_source_args(y, sample_weight, "evaluate")
            source_cls = _RawBatchSource if custom else data_adapters.BatchSource
            data = source_cls(
                self, x, batch_size, steps, "evaluate", "evaluate", steps_arg="steps",
                workers=workers, use_multiprocessing=use_multiprocessing,
                max_queue_size=max_queue_size)
            data.peek()
            n_steps = data.steps
        else:
            data = self._raw_data(x, y, sample_weight, None, "evaluate") if custom else \
                data_utils.adapt(self, x, y, sample_weight, None, "evaluate")
            _check_stateful_batches(self, data.num_samples, batch_size, "evaluate")
            n_steps = steps or max(1, math.ceil(data.num_samples / batch_size))
        cbks = callbacks_module.CallbackList(
            callbacks, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=1,
            steps=n_steps)
        cbks.on_test_begin()
        logs = self._evaluate_data(data, batch_size, steps, cbks)
        cbks.on_test_end(logs)
        return logs if return_dict else _flatten_in_order(logs, self.metrics_names)

    # ------------------------------------------------------------------ predict
    def predict(self, x, batch_size=None, verbose=0, steps=None, callbacks=None,
                max_queue_size=10, workers=1, use_multiprocessing=False):
        """Runs inference in batches; returns numpy (a list for several outputs)."""
        batch_size = _check_batch_size(batch_size)
        if self._overrides("predict_step"):
            return self._predict_custom(x, batch_size, steps, dict(
                workers=workers, use_multiprocessing=use_multiprocessing,
                max_queue_size=max_queue_size))
        source = None
        if data_adapters.is_batch_source(x):
            source = data_adapters.BatchSource(
                self, x, batch_size, steps, "predict", "predict", steps_arg="steps",
                workers=workers, use_multiprocessing=use_multiprocessing,
                max_queue_size=max_queue_size)
            source.peek()
            batches = source.batches()
        else:
            xs = data_utils.standardize_inputs(self, x, "predict")
            self._prepare_for_data(xs)
            data_utils.check_input_shapes(self, xs)
            n = xs[0].shape[0]
            _check_stateful_batches(self, n, batch_size, "predict")
            batches = ([t[start:start + batch_size] for t in xs]
                       for start in range(0, n, batch_size))
        outs = []
        forward = self._select_steps()[2]
        prev_training = getattr(_config._CONTEXT, "training", None)
        prev_depth = getattr(_STATE, "depth", 0)
        _config._CONTEXT.training = False
        _STATE.depth = 1
        try:
            with torch.no_grad():
                for xb in batches:
                    outs.append(forward(xb, training=False))
        finally:
            _config._CONTEXT.training = prev_training
            _STATE.depth = prev_depth
        if source is not None:
            source.on_epoch_end()
        if not outs:
            raise ValueError("`predict` received 0 samples.")
        results = [torch.cat([o[i] for o in outs]).cpu().numpy() for i in range(len(outs[0]))]
        nested = getattr(self, "_nested_outputs", None)
        if isinstance(nested, dict):
            return dict(zip(nested.keys(), results))
        return results[0] if len(results) == 1 else results

    # ------------------------------------------------------------------ Keras 2 *_generator
    def fit_generator(self, generator, steps_per_epoch=None, epochs=1, verbose=1,
                      callbacks=None, validation_data=None, validation_steps=None,
                      validation_freq=1, class_weight=None, max_queue_size=10, workers=1,
                      use_multiprocessing=False, shuffle=True, initial_epoch=0):
        """Keras 2's `fit_generator`: `fit` on a generator, `Sequence` or DataLoader."""
        return self.fit(generator, steps_per_epoch=steps_per_epoch, epochs=epochs,
                        verbose=verbose, callbacks=callbacks,
                        validation_data=validation_data, validation_steps=validation_steps,
                        validation_freq=validation_freq, class_weight=class_weight,
                        max_queue_size=max_queue_size, workers=workers,
                        use_multiprocessing=use_multiprocessing, shuffle=shuffle,
                        initial_epoch=initial_epoch)

    def evaluate_generator(self, generator, steps=None, callbacks=None, max_queue_size=10,
                           workers=1, use_multiprocessing=False, verbose=0):
        """Keras 2's `evaluate_generator`: `evaluate` on a generator or `Sequence`."""
        return self.evaluate(generator, steps=steps, callbacks=callbacks,
                             max_queue_size=max_queue_size, workers=workers,
                             use_multiprocessing=use_multiprocessing, verbose=verbose)

    def predict_generator(self, generator, steps=None, callbacks=None, max_queue_size=10,
                          workers=1, use_multiprocessing=False, verbose=0):
        """Keras 2's `predict_generator`: `predict` on a generator or `Sequence`."""
        return self.predict(generator, steps=steps, callbacks=callbacks,
                            max_queue_size=max_queue_size, workers=workers,
                            use_multiprocessing=use_multiprocessing, verbose=verbose)

    def predict_on_batch(self, x):
        return self.predict(x, batch_size=max(1, _num_samples(x)))

    # ------------------------------------------------------------------ batch API
    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None,
                       reset_metrics=True, return_dict=False):
        """One gradient step on a batch; returns the loss before the update (and metrics)."""
        self._assert_compiled()
        if self._overrides("train_step"):
            return self._on_batch_custom(self.train_step, x, y, sample_weight, class_weight,
                                         reset_metrics, return_dict)
        data = data_utils.adapt(self, x, y, sample_weight, class_weight, "train_on_batch")
        c = self._compiled
        self._apply_grad_config()
        if reset_metrics:
            self.reset_metrics()
        xs, ys, sw = data.arrays
        prev_training = getattr(_config._CONTEXT, "training", None)
        _config._CONTEXT.training = True
        try:
            self._select_steps()[0](xs, ys, sw)
        finally:
            _config._CONTEXT.training = prev_training
        return self._batch_result(return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, reset_metrics=True,
                      return_dict=False):
        self._assert_compiled()
        if self._overrides("test_step"):
            with torch.no_grad():
                return self._on_batch_custom(self.test_step, x, y, sample_weight, None,
                                             reset_metrics, return_dict)
        data = data_utils.adapt(self, x, y, sample_weight, None, "test_on_batch")
        c = self._compiled
        if reset_metrics:
            self.reset_metrics()
        xs, ys, sw = data.arrays
        prev_training = getattr(_config._CONTEXT, "training", None)
        _config._CONTEXT.training = False
        try:
            with torch.no_grad():
                self._select_steps()[1](xs, ys, sw)
        finally:
            _config._CONTEXT.training = prev_training
        return self._batch_result(return_dict)

    def _on_batch_custom(self, step_fn, x, y, sample_weight, class_weight, reset_metrics,
                         return_dict):
        data = self._raw_data(x, y, sample_weight, class_weight, step_fn.__name__)
        self._prepare_custom()
        if reset_metrics:
            self.reset_metrics()
        logs = _logs_to_floats(self._run_custom(step_fn, data.data))
        return logs if return_dict else _flatten_in_order(logs, self.metrics_names)

    def _batch_result(self, return_dict):
        logs = self._logs()
        if return_dict:
            return logs
        values = [logs[k] for k in self.metrics_names]
        return values[0] if len(values) == 1 else values


def _check_save_format(save_format):
    if save_format not in (None, "h5", "hdf5", "keras"):
        raise ValueError(
            "tkeras saves Keras 2 HDF5 files only: `save_format` must be None or 'h5'. "
            f"Received: save_format={save_format!r}")


class _InterruptAfterBatch:
    """During `fit`, the first Ctrl-C (SIGINT) asks the loop to stop after the current
    batch, so the model keeps the weights of the last finished step and `on_train_end`
    runs; a second Ctrl-C interrupts at once. Only installed in the main thread."""

    def __init__(self):
        import signal
        import threading

        self.requested = False
        self._previous = None
        if threading.current_thread() is threading.main_thread():
            try:
                self._previous = signal.signal(signal.SIGINT, self._handle)
            except (ValueError, OSError):
                self._previous = None

    def _handle(self, signum, frame):
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
        print("\nInterrupted: stopping after the current batch (Ctrl-C again to abort).")

    def restore(self):
        if self._previous is not None:
            import signal

            signal.signal(signal.SIGINT, self._previous)
            self._previous = None


def _array_stream(data, n, batch_size, shuffle, device):
    """Endless batches over in-memory data, one (reshuffled) pass after another."""
    per_pass = max(1, math.ceil(n / batch_size))
    while True:
        arrays = data.take(torch.randperm(n, device=device)) if shuffle and n > 1 \
            else data.arrays
        yield from _array_batches(arrays, n, batch_size, per_pass)


def _array_batches(arrays, n, batch_size, steps, wrap=False):
    """Contiguous slices (views) of in-memory tensors, `steps` of them, wrapping around."""
    xs_all, ys_all, sw_all = arrays
    start = 0
    for step in range(steps):
        if wrap:
            start = (step * batch_size) % n
        elif start >= n:
            start = 0
        end = min(start + batch_size, n)
        yield ([t[start:end] for t in xs_all], [t[start:end] for t in ys_all],
               None if sw_all is None else [None if t is None else t[start:end]
                                            for t in sw_all])
        start = end


def _fit_source(model, cls, x, y, sample_weight, validation_split, batch_size, steps,
                options):
    """The batch source of `fit` on a generator, `Sequence` or DataLoader, checked and
    peeked at (its first batch) before training starts."""
    _check_source_args(y, sample_weight, "fit")
    if validation_split:
        raise ValueError(
            "If your data is in the form of a Python generator, a "
            "`keras.utils.Sequence` or a DataLoader, you cannot use "
            "`validation_split`. Pass `validation_data` instead.")
    source = cls(model, x, batch_size, steps, "fit", "fit", **options)
    source.peek()
    return source


def _check_source_args(y, sample_weight, where):
    if y is not None:
        raise ValueError(
            f"`y` argument is not supported when the data passed to `{where}` is a "
            "generator, `keras.utils.Sequence` or DataLoader: it must yield `(x, y)` "
            f"batches. Received: y of type {type(y).__name__}.")
    if sample_weight is not None:
        raise ValueError(
            f"`sample_weight` argument is not supported when the data passed to `{where}` "
            "is a generator, `keras.utils.Sequence` or DataLoader: yield "
            "`(x, y, sample_weight)` batches instead.")


def _num_samples(x):
    if isinstance(x, dict):
        x = next(iter(x.values()))
    if isinstance(x, (list, tuple)):
        x = x[0]
    return int(x.shape[0])


def _check_stateful_batches(model, num_samples, batch_size, where):
    """Keras 2's check before a stateful model sees data: every batch must have the
    batch size its stateful layers were built with (raised before any step runs)."""
    full, rest = divmod(num_samples, batch_size)
    sizes = ([batch_size] if full else []) + ([rest] if rest else [])
    for layer in model._flatten_layers(include_self=False):
        if not getattr(layer, "stateful", False) or not hasattr(layer, "_stateful_batch_size"):
            continue
        expected = layer._stateful_batch_size()
        wrong = [b for b in sizes if b != expected]
        if expected and wrong:
            raise ValueError(
                f"In a stateful network, you should only pass inputs with a number of samples "
                f"that can be divided by the batch size: `{where}` received {num_samples} "
                f"samples in batches of {batch_size}. "
                + input_spec.fixed_batch_message(layer.name, expected, wrong[0]))


def _check_batch_size(batch_size):
    if batch_size is None:
        return 32
    if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(
            f"`batch_size` must be a positive integer. Received: batch_size={batch_size!r}"
        )
    return int(batch_size)


def _wants_batch_logs(cbks):
    """(some callback overrides a per-batch hook, one of those is a user callback that
    needs exact values rather than the progress bar's throttled ones)."""
    from tkeras.callbacks import Callback

    hooks = ("on_train_batch_begin", "on_train_batch_end", "on_batch_begin", "on_batch_end")
    wanted = exact = False
    for cb in getattr(cbks, "callbacks", []):
        if any(getattr(type(cb), h, None) is not getattr(Callback, h, None) for h in hooks):
            wanted = True
            exact = exact or not getattr(cb, "_supports_tensor_logs", False)
    return wanted, exact


# ---------------------------------------------------------------------- custom steps
def _functional_init_args(args, kwargs):
    """Whether `Model.__init__` received a graph's inputs and outputs (tf.keras's rule,
    plus Keras 1's `input=`/`output=`)."""
    return (len(args) == 2 or (len(args) == 1 and ("outputs" in kwargs or "output" in kwargs))
            or (("inputs" in kwargs or "input" in kwargs)
                and ("outputs" in kwargs or "output" in kwargs)))


def unpack_x_y_sample_weight(data):
    """`(x, y, sample_weight)` of a batch given as `x`, `(x,)`, `(x, y)` or
    `(x, y, sample_weight)` (tf.keras's `unpack_x_y_sample_weight`)."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data[0], data[1], data[2]
    raise ValueError(
        "Data is expected to be in format `x`, `(x,)`, `(x, y)`, or `(x, y, sample_weight)`, "
        f"found: {data!r}"[:400])


class _ImmediateMetrics(list):
    """The `add_metric` collector of a custom step: values are folded in at once, so
    the step's `self.metrics` results already include them."""

    def __init__(self, model):
        super().__init__()
        self._model = model

    def append(self, item):
        self._model._record_metrics([item])


def _is_tensor_with_batch(t):
    return isinstance(t, torch.Tensor) and t.ndim > 0


class _RawData:
    """In-memory data for custom steps, kept in the user's structure (`x`, `(x, y)` or
    `(x, y, sample_weight)`, with lists/dicts inside), as tensors on the model's device."""

    def __init__(self, data, num_samples):
        self.data = data
        self.num_samples = num_samples

    @classmethod
    def from_arrays(cls, model, x, y, sample_weight, class_weight, where):
        from types import SimpleNamespace

        from tkeras.engine.keras_tensor import flatten, map_structure

        device = model._device()

        def conv(a):
            return a if a is None else data_utils._convert(a, None, device)

        x = map_structure(conv, x)
        y = None if y is None else map_structure(conv, y)
        sw = None if sample_weight is None else map_structure(conv, sample_weight)
        if class_weight is not None:
            if not isinstance(y, torch.Tensor):
                raise ValueError(
                    "`class_weight` is only supported for models with a single output and "
                    f"a single target array. Received: y of type {type(y).__name__}.")
            stub = SimpleNamespace(_compiled=SimpleNamespace(output_names=["output_1"]),
                                   _device=lambda: device)
            sw = data_utils.standardize_weights(stub, [y], sw, class_weight)[0]
        data = x if y is None and sw is None else ((x, y) if sw is None else (x, y, sw))
        sizes = {}
        for part, value in (("x", x), ("y", y), ("sample_weight", sw)):
            sizes[part] = [int(t.shape[0]) for t in flatten(value) if _is_tensor_with_batch(t)]
        counts = {n for v in sizes.values() for n in v}
        if len(counts) > 1:
            lines = "\n".join(f"  {k} sizes: {', '.join(map(str, v))}"
                              for k, v in sizes.items() if v)
            raise ValueError(
                f"Data cardinality is ambiguous:\n{lines}\nMake sure all arrays contain the "
                "same number of samples.")
        if not counts or 0 in counts:
            raise ValueError(f"`{where}` received 0 samples.")
        return cls(data, counts.pop())

    def _map(self, fn):
        from tkeras.engine.keras_tensor import map_structure

        return map_structure(lambda t: fn(t) if _is_tensor_with_batch(t) else t, self.data)

    def split(self, fraction):
        at = int(self.num_samples * (1.0 - fraction))
        if at == 0 or at == self.num_samples:
            raise ValueError(
                f"`validation_split={fraction}` leaves no samples for training or validation "
                f"with {self.num_samples} samples.")
        return (_RawData(self._map(lambda t: t[:at]), at),
                _RawData(self._map(lambda t: t[at:]), self.num_samples - at))

    def batches(self, batch_size, steps, shuffle):
        n = self.num_samples
        source = self
        if shuffle and n > 1:
            from tkeras.engine.keras_tensor import flatten

            device = next(t.device for t in flatten(self.data) if _is_tensor_with_batch(t))
            perm = torch.randperm(n, device=device)
            source = _RawData(self._map(lambda t: t.index_select(0, perm.to(t.device))), n)
        start = 0
        for _ in range(steps):
            if start >= n:
                start = 0
            end = min(start + batch_size, n)
            yield source._map(lambda t: t[start:end])
            start = end


class _RawBatchSource(data_adapters.BatchSource):
    """Generator/Sequence/DataLoader batches for custom steps: converted to tensors on
    the model's device, structure kept (a DataLoader's `[x, y]` becomes `(x, y)`)."""

    def convert(self, raw, index):
        from tkeras.engine.keras_tensor import map_structure

        device = self.model._device()
        if isinstance(raw, list) and len(raw) in (2, 3):
            raw = tuple(raw)

        def conv(a):
            if isinstance(a, (torch.Tensor, np.ndarray)):
                return data_utils._convert(a, None, device)
            return a

        try:
            return map_structure(conv, raw)
        except (ValueError, TypeError) as e:
            raise type(e)(f"Error in batch {index} from the data passed to "
                          f"`{self.where}`: {e}") from None


def _flatten_in_order(logs, names):
    values = [logs[k] for k in names if k in logs] + [v for k, v in logs.items()
                                                       if k not in names]
    return values[0] if len(values) == 1 else values


def _to_numpy(t):
    if isinstance(t, torch.Tensor):
        t = t.detach().cpu()
        return (t.float() if t.dtype in (torch.bfloat16, torch.float16) else t).numpy()
    return np.asarray(t)


def _concat_structure(outs):
    first = outs[0]
    if isinstance(first, (list, tuple)):
        return type(first)(_concat_structure([o[i] for o in outs]) for i in range(len(first)))
    if isinstance(first, dict):
        return {k: _concat_structure([o[k] for o in outs]) for k in first}
    if isinstance(first, torch.Tensor):
        return _to_numpy(torch.cat([o.reshape(1) if o.ndim == 0 else o for o in outs]))
    return np.concatenate([np.atleast_1d(_to_numpy(o)) for o in outs])


# ---------------------------------------------------------------------- precision
def _is_loss_scaled(optimizer):
    from tkeras.mixed_precision import LossScaleOptimizer

    return isinstance(optimizer, LossScaleOptimizer)


def _uses_float16(model):
    """Whether the model (or a layer) runs under 'mixed_float16' (compile then wraps
    the optimizer in a LossScaleOptimizer, as tf.keras)."""
    return any(l._dtype_policy.name == "mixed_float16"
               for l in model._flatten_layers(include_self=True))


# ---------------------------------------------------------------------- jit_compile
# model -> {step name: _JitFunction}; weak, so compiled code never keeps a model alive
# and never travels with it (pickling, deepcopy).
_JIT = weakref.WeakKeyDictionary()


def _jit_function(model, key, bound):
    """The `torch.compile`d version of `bound` (a bound method of `model`)."""
    table = _JIT.setdefault(model, {})
    jf = table.get(key)
    if jf is None:
        jf = table[key] = _JitFunction(key, bound.__func__)
    return lambda *args, **kwargs: jf(model, *args, **kwargs)


class _JitFunction:
    """A step run through `torch.compile`. If compiling fails, a warning names the
    reason and the step runs eagerly from then on. An error that the eager step raises
    as well is the user's, and propagates unchanged."""

    def __init__(self, what, fn):
        self.what = what
        self.fn = fn
        self.compiled = None
        self.failed = False

    def __call__(self, model, *args, **kwargs):
        if self.failed:
            return self.fn(model, *args, **kwargs)
        try:
            if self.compiled is None:
                self.compiled = torch.compile(self.fn)
            return self.compiled(model, *args, **kwargs)
        except Exception as err:  # noqa: BLE001 - told apart from user errors below
            out = self.fn(model, *args, **kwargs)
            self.failed = True
            warnings.warn(
                f"`jit_compile=True`: torch.compile could not compile the {self.what} step "
                f"of model '{model.name}'; it runs eagerly instead. Reason: "
                f"{_compile_failure_reason(err)}", RuntimeWarning, stacklevel=4)
            return out


def _logs_to_floats(logs):
    from tkeras.callbacks.callbacks import logs_to_floats

    return logs_to_floats(logs)


def _compile_failure_reason(err):
    """`Type: first line` of the innermost error (torch wraps backend failures)."""
    seen = set()
    while id(err) not in seen:
        seen.add(id(err))
        inner = getattr(err, "inner_exception", None) or err.__cause__
        if inner is None:
            break
        err = inner
    lines = [l.strip() for l in str(err).strip().splitlines() if l.strip()]
    return f"{type(err).__name__}: {lines[0][:500] if lines else ''}"
