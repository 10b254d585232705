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

import numpy as np
import torch

from tkeras.backend import _config
from tkeras.engine import base_layer
from tkeras.engine.base_layer import Layer, _STATE
from tkeras.engine import data_adapters, data_utils


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

    def load_weights(self, filepath, by_name=False, skip_mismatch=False, **kwargs):
        """Loads weights from a Keras 2 HDF5 weights or model file: in layer order
        (default) or by layer name (`by_name=True`, optionally `skip_mismatch=True`).
        The whole file is checked first; on error the model is unchanged."""
        from tkeras.saving import hdf5

        hdf5.load_weights(self, filepath, by_name=by_name, skip_mismatch=skip_mismatch)

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
        self.optimizer = optimizer
        self.loss = loss
        self._compile_config = config
        self._is_compiled = True
        self._compiled = compiled
        self._jit_compile = bool(jit_compile)
        if compiled is not None:
            self.optimizer._attach(compiled.params)

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

    @property
    def metrics_names(self):
        if self._compiled is None:
            if self._is_compiled and self.built and self._output_names_known():
                self._finalize_compile()
            else:
                return []
        return list(self._compiled.metrics_names)

    def reset_metrics(self):
        if self._compiled is not None:
            self._compiled.reset()

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
        if base_layer._call_signature(type(self))[0]:
            out = self.call(x, training=training)
        else:
            out = self.call(x)
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
        try:
            outputs = self._forward(xs, training=training)
        finally:
            _STATE.losses = None
        total, per_output = c.compute_loss(ys, outputs, sw)
        if collected or c.has_model_losses:
            total = total + c.model_losses(collected)
        return outputs, total, per_output

    def _train_step(self, xs, ys, sw):
        c = self._compiled
        outputs, total, per_output = self._forward_and_loss(xs, ys, sw, True)
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
        source = data = None
        if data_adapters.is_batch_source(x):
            _check_source_args(y, sample_weight, "fit")
            if validation_split:
                raise ValueError(
                    "If your data is in the form of a Python generator, a "
                    "`keras.utils.Sequence` or a DataLoader, you cannot use "
                    "`validation_split`. Pass `validation_data` instead.")
            source = data_adapters.BatchSource(
                self, x, batch_size, steps_per_epoch, "fit", "fit", shuffle=shuffle,
                class_weight=class_weight, **feed)
            source.peek()
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
            data, val = data.split(validation_split)
        steps_given, stream = steps_per_epoch is not None and source is None, None
        if data is not None:
            n = data.num_samples
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
        cbks.on_train_begin()
        # A callback that restored a backup (BackupAndRestore) says where to resume.
        initial_epoch = max(initial_epoch, self.__dict__.pop("_resume_initial_epoch", 0))
        logs = {}
        interrupt = _InterruptAfterBatch()
        try:
            for epoch in range(initial_epoch, epochs):
                self._apply_grad_config()
                c.reset()
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
                    self._train_step(xs, ys, sw)
                    if batch_logs_needed:
                        # Only the progress bar reads them: refresh at most every 20 ms
                        # (it redraws every 50 ms); user callbacks get exact values.
                        now = time.perf_counter()
                        if exact_batch_logs or now - logs_time > 0.02 or \
                                step == steps_per_epoch - 1:
                            batch_logs, logs_time = c.logs(tensor=True), now
                        cbks.on_train_batch_end(step, batch_logs)
                    if interrupt.requested:
                        self.stop_training = True
                    if self.stop_training:
                        break
                _config._CONTEXT.training = prev_training
                _STATE.depth = prev_depth
                logs = c.logs()
                if val is not None and (epoch + 1) % validation_freq == 0:
                    val_logs = self._evaluate_data(val, batch_size, validation_steps)
                    logs.update({"val_" + k: v for k, v in val_logs.items()})
                if interrupt.requested:
                    break  # Ctrl-C: no epoch-end bookkeeping for a partial epoch
                cbks.on_epoch_end(epoch, logs)
                if source is not None:
                    source.on_epoch_end()
                    if source.exhausted:
                        self.stop_training = True
                if self.stop_training:
                    break
        finally:
            interrupt.restore()
            _config._CONTEXT.training = prev_training
            _STATE.depth = prev_depth
        cbks.on_train_end(logs)
        return self.history

    # ------------------------------------------------------------------ evaluate
    def _evaluate_data(self, data, batch_size, steps=None, cbks=None):
        c = self._compiled
        c.reset()
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
                    self._test_step(xs, ys, sw)
                    if cbks is not None:
                        cbks.on_test_batch_end(step, c.logs(tensor=True))
        finally:
            _config._CONTEXT.training = prev_training
            _STATE.depth = prev_depth
        if isinstance(data, data_adapters.BatchSource):
            data.on_epoch_end()
        return c.logs()

    def evaluate(self, x=None, y=None, batch_size=None, verbose=1, sample_weight=None,
                 steps=None, callbacks=None, max_queue_size=10, workers=1,
                 use_multiprocessing=False, return_dict=False):
        """Returns the loss (a scalar) or `[loss, *metrics]` in `metrics_names` order."""
        from tkeras import callbacks as callbacks_module

        self._assert_compiled()
        batch_size = _check_batch_size(batch_size)
        if data_adapters.is_batch_source(x):
            _check_source_args(y, sample_weight, "evaluate")
            data = data_adapters.BatchSource(
                self, x, batch_size, steps, "evaluate", "evaluate", steps_arg="steps",
                workers=workers, use_multiprocessing=use_multiprocessing,
                max_queue_size=max_queue_size)
            data.peek()
            n_steps = data.steps
        else:
            data = data_utils.adapt(self, x, y, sample_weight, None, "evaluate")
            n_steps = steps or max(1, math.ceil(data.num_samples / batch_size))
        cbks = callbacks_module.CallbackList(
            callbacks, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=1,
            steps=n_steps)
        cbks.on_test_begin()
        logs = self._evaluate_data(data, batch_size, steps, cbks)
        cbks.on_test_end(logs)
        if return_dict:
            return logs
        values = [logs[k] for k in self._compiled.metrics_names]
        return values[0] if len(values) == 1 else values

    # ------------------------------------------------------------------ predict
    def predict(self, x, batch_size=None, verbose=0, steps=None, callbacks=None,
                max_queue_size=10, workers=1, use_multiprocessing=False):
        """Runs inference in batches; returns numpy (a list for several outputs)."""
        batch_size = _check_batch_size(batch_size)
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
            batches = ([t[start:start + batch_size] for t in xs]
                       for start in range(0, n, batch_size))
        outs = []
        prev_training = getattr(_config._CONTEXT, "training", None)
        prev_depth = getattr(_STATE, "depth", 0)
        _config._CONTEXT.training = False
        _STATE.depth = 1
        try:
            with torch.no_grad():
                for xb in batches:
                    outs.append(self._forward(xb, training=False))
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
        data = data_utils.adapt(self, x, y, sample_weight, class_weight, "train_on_batch")
        c = self._compiled
        self._apply_grad_config()
        if reset_metrics:
            c.reset()
        xs, ys, sw = data.arrays
        prev_training = getattr(_config._CONTEXT, "training", None)
        _config._CONTEXT.training = True
        try:
            self._train_step(xs, ys, sw)
        finally:
            _config._CONTEXT.training = prev_training
        return self._batch_result(return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, reset_metrics=True,
                      return_dict=False):
        self._assert_compiled()
        data = data_utils.adapt(self, x, y, sample_weight, None, "test_on_batch")
        c = self._compiled
        if reset_metrics:
            c.reset()
        xs, ys, sw = data.arrays
        prev_training = getattr(_config._CONTEXT, "training", None)
        _config._CONTEXT.training = False
        try:
            with torch.no_grad():
                self._test_step(xs, ys, sw)
        finally:
            _config._CONTEXT.training = prev_training
        return self._batch_result(return_dict)

    def _batch_result(self, return_dict):
        logs = self._compiled.logs()
        if return_dict:
            return logs
        values = [logs[k] for k in self._compiled.metrics_names]
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
