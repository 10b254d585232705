"""The callback base class, the list that dispatches hooks, History and ProgbarLogger.

Speed rule: the training loop hands callbacks logs whose values may be 0-d torch tensors
(running means kept on the device), so that a step needs no host sync. A callback that
declares `_supports_tensor_logs = True` receives those logs raw. Every other callback
receives Python floats; `CallbackList` converts once per hook call, and only when some
such callback actually overrides that hook.
"""
import collections.abc
import contextlib
import csv
import json
import os
import shutil
import sys
import urllib.error
import urllib.parse
import urllib.request
import warnings

import numpy as np
import torch

from tkeras.utils import io_utils
from tkeras.utils.progbar import Progbar

_BATCH_HOOKS = tuple(
    f"on_{mode}_batch_{when}"
    for mode in ("train", "test", "predict")
    for when in ("begin", "end")
)
_HOOKS = _BATCH_HOOKS + (
    "on_epoch_begin", "on_epoch_end",
    "on_train_begin", "on_train_end",
    "on_test_begin", "on_test_end",
    "on_predict_begin", "on_predict_end",
)
# Keras 2 calls the old `on_batch_*` names from the default `on_train_batch_*`.
_ALIASES = {"on_train_batch_begin": "on_batch_begin", "on_train_batch_end": "on_batch_end"}


def logs_to_floats(logs):
    """Returns a copy of `logs` with tensors turned into Python numbers.

    0-d (one-element) torch tensors become Python floats (ints for integer tensors),
    read back with one transfer per device and dtype rather than one per value.
    Larger tensors become NumPy arrays, NumPy scalars become Python numbers, and
    anything else is kept as is. `None` gives `{}`.
    """
    if not logs:
        return {}
    out = dict(logs)
    groups = {}
    for k, v in out.items():
        if isinstance(v, torch.Tensor):
            if v.numel() == 1:
                groups.setdefault((v.device, v.dtype), []).append(k)
            else:
                v = v.detach().cpu()
                out[k] = (v.float() if v.dtype == torch.bfloat16 else v).numpy()
        elif isinstance(v, (np.ndarray, np.generic)) and np.ndim(v) == 0:
            out[k] = v.item()
    for keys in groups.values():
        if len(keys) == 1:
            out[keys[0]] = out[keys[0]].item()
        else:
            values = torch.stack([out[k].detach().reshape(()) for k in keys]).tolist()
            out.update(zip(keys, values))
    return out


def _overrides(callback, name):
    """Whether `callback` has its own `name` hook rather than the no-op of `Callback`."""
    method = getattr(callback, name, None)
    if method is None:
        return False
    return getattr(method, "__func__", method) is not getattr(Callback, name)


class Callback:
    """Base class of callbacks: every Keras 2 hook, as a no-op.

    Attributes:
        model: The model being trained, evaluated or used for prediction.
        params: Dict of run parameters (`verbose`, `epochs`, `steps`).
        validation_data: Kept for Keras 2 compatibility; `None`.

    Example:

    >>> class LossHistory(Callback):
    ...     def on_train_begin(self, logs=None):
    ...         self.losses = []
    ...     def on_batch_end(self, batch, logs=None):
    ...         self.losses.append(logs.get("loss"))
    """

    # Class-level defaults, so subclasses that skip `super().__init__()` still work.
    model = None
    params = None
    validation_data = None
    _supports_tensor_logs = False
    _float_logs_hooks = ()

    def __init__(self):
        self.validation_data = None
        self.model = None
        self.params = {}

    def set_params(self, params):
        self.params = params

    def set_model(self, model):
        self.model = model

    def on_batch_begin(self, batch, logs=None):
        """Called at the start of a training batch (Keras 2 alias of `on_train_batch_begin`)."""

    def on_batch_end(self, batch, logs=None):
        """Called at the end of a training batch (Keras 2 alias of `on_train_batch_end`)."""

    def on_epoch_begin(self, epoch, logs=None):
        """Called at the start of an epoch (training only)."""

    def on_epoch_end(self, epoch, logs=None):
        """Called at the end of an epoch; `logs` holds the epoch's metrics and `val_*`."""

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch, logs=None):
        """Called at the start of a batch in `evaluate` (and validation in `fit`)."""

    def on_test_batch_end(self, batch, logs=None):
        """Called at the end of a batch in `evaluate` (and validation in `fit`)."""

    def on_predict_batch_begin(self, batch, logs=None):
        """Called at the start of a batch in `predict`."""

    def on_predict_batch_end(self, batch, logs=None):
        """Called at the end of a batch in `predict`."""

    def on_train_begin(self, logs=None):
        """Called at the start of `fit`."""

    def on_train_end(self, logs=None):
        """Called at the end of `fit`."""

    def on_test_begin(self, logs=None):
        """Called at the start of `evaluate` (and of validation in `fit`)."""

    def on_test_end(self, logs=None):
        """Called at the end of `evaluate` (and of validation in `fit`)."""

    def on_predict_begin(self, logs=None):
        """Called at the start of `predict`."""

    def on_predict_end(self, logs=None):
        """Called at the end of `predict`."""

    def _implements_hook(self, name):
        """Whether the hook `name` does anything for this callback."""
        alias = _ALIASES.get(name)
        return _overrides(self, name) or (alias is not None and _overrides(self, alias))

    # Keras 2 names of the same question, per mode.
    def _implements_train_batch_hooks(self):
        return any(self._implements_hook(h) for h in _BATCH_HOOKS[0:2])

    def _implements_test_batch_hooks(self):
        return any(self._implements_hook(h) for h in _BATCH_HOOKS[2:4])

    def _implements_predict_batch_hooks(self):
        return any(self._implements_hook(h) for h in _BATCH_HOOKS[4:6])


class CallbackList:
    """Holds callbacks and calls a hook on all of them at once.

    Args:
        callbacks: List of `Callback` instances. Defaults to `None`.
        add_history: Whether to append a `History` if the list has none.
        add_progbar: Whether to append a `ProgbarLogger` if the list has none.
        model: The model the callbacks are used with. Defaults to `None`.
        **params: Run parameters (`verbose`, `epochs`, `steps`) given to every
            callback through `set_params`.

    Example:

    >>> cbs = CallbackList([History()], verbose=0, epochs=1, steps=2)
    >>> cbs.on_train_begin()
    >>> cbs.on_epoch_end(0, {"loss": 0.5})
    >>> cbs.callbacks[0].history
    {'loss': [0.5]}
    """

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None,
                 **params):
        self.callbacks = _flatten_callbacks(callbacks)
        self.model = None
        self.params = {}
        self._table = None
        self._add_default_callbacks(add_history, add_progbar)
        if model is not None:
            self.set_model(model)
        if params:
            self.set_params(params)
        self._build_table()

    def _add_default_callbacks(self, add_history, add_progbar):
        self._history = next((cb for cb in self.callbacks if isinstance(cb, History)), None)
        self._progbar = next(
            (cb for cb in self.callbacks if isinstance(cb, ProgbarLogger)), None)
        if self._history is None and add_history:
            self._history = History()
            self.callbacks.append(self._history)
        # Last, as Keras 2: messages of other callbacks come before the epoch's last line.
        if self._progbar is None and add_progbar:
            self._progbar = ProgbarLogger(count_mode="steps")
            self.callbacks.append(self._progbar)

    def _build_table(self):
        """For each hook: the bound methods to call, and whether they need float logs."""
        table = {}
        for name in _HOOKS:
            targets = [cb for cb in self.callbacks if _implements(cb, name)]
            needs_floats = any(
                not getattr(cb, "_supports_tensor_logs", False)
                or name in getattr(cb, "_float_logs_hooks", ())
                for cb in targets
            )
            table[name] = (tuple(getattr(cb, name) for cb in targets), needs_floats)
        self._table = table

    def _call(self, name, logs, *args):
        if self._table is None:
            self._build_table()
        methods, needs_floats = self._table[name]
        if not methods:
            return
        # One dict for all callbacks, so that keys one adds (e.g. `lr`) reach the next.
        if needs_floats:
            logs = logs_to_floats(logs)
        elif logs is None:
            logs = {}
        for method in methods:
            method(*args, logs)

    def append(self, callback):
        self.callbacks.extend(_flatten_callbacks(callback))
        self._table = None

    def set_params(self, params):
        self.params = params
        for callback in self.callbacks:
            callback.set_params(params)
        self._table = None

    def set_model(self, model):
        self.model = model
        if self._history is not None and model is not None:
            model.history = self._history
        for callback in self.callbacks:
            callback.set_model(model)
        self._table = None

    def on_batch_begin(self, batch, logs=None):
        self._call("on_train_batch_begin", logs, batch)

    def on_batch_end(self, batch, logs=None):
        self._call("on_train_batch_end", logs, batch)

    def on_train_batch_begin(self, batch, logs=None):
        self._call("on_train_batch_begin", logs, batch)

    def on_train_batch_end(self, batch, logs=None):
        self._call("on_train_batch_end", logs, batch)

    def on_test_batch_begin(self, batch, logs=None):
        self._call("on_test_batch_begin", logs, batch)

    def on_test_batch_end(self, batch, logs=None):
        self._call("on_test_batch_end", logs, batch)

    def on_predict_batch_begin(self, batch, logs=None):
        self._call("on_predict_batch_begin", logs, batch)

    def on_predict_batch_end(self, batch, logs=None):
        self._call("on_predict_batch_end", logs, batch)

    def on_epoch_begin(self, epoch, logs=None):
        self._call("on_epoch_begin", logs, epoch)

    def on_epoch_end(self, epoch, logs=None):
        self._call("on_epoch_end", logs, epoch)

    def on_train_begin(self, logs=None):
        self._call("on_train_begin", logs)

    def on_train_end(self, logs=None):
        self._call("on_train_end", logs)

    def on_test_begin(self, logs=None):
        self._call("on_test_begin", logs)

    def on_test_end(self, logs=None):
        self._call("on_test_end", logs)

    def on_predict_begin(self, logs=None):
        self._call("on_predict_begin", logs)

    def on_predict_end(self, logs=None):
        self._call("on_predict_end", logs)

    def __iter__(self):
        return iter(self.callbacks)

    def __repr__(self):
        names = ", ".join(type(cb).__name__ for cb in self.callbacks)
        return f"CallbackList([{names}])"


def _implements(callback, name):
    check = getattr(callback, "_implements_hook", None)
    if check is not None:
        return check(name)
    return callable(getattr(callback, name, None))  # a duck-typed callback


def _flatten_callbacks(callbacks):
    if callbacks is None:
        return []
    if isinstance(callbacks, CallbackList):
        return list(callbacks.callbacks)
    if isinstance(callbacks, (list, tuple)):
        out = []
        for cb in callbacks:
            out.extend(_flatten_callbacks(cb))
        return out
    if not (hasattr(callbacks, "set_model") and hasattr(callbacks, "set_params")):
        raise TypeError(
            "`callbacks` must be a list of `keras.callbacks.Callback` instances. "
            f"Received an object of type {type(callbacks).__name__}: {callbacks!r}. "
            "Subclass `keras.callbacks.Callback` to write your own."
        )
    return [callbacks]


class BaseLogger(Callback):
    """Keras 2.2 compatibility: averages batch logs into the epoch logs.

    The tkeras training loop already puts every metric's epoch average in the epoch
    logs, so this only fills keys the epoch logs lack.

    Args:
        stateful_metrics: Names of metrics taken as the last value instead of
            averaged. Defaults to `None`.
    """

    _supports_tensor_logs = True  # accumulates on the device, no sync per batch

    def __init__(self, stateful_metrics=None):
        super().__init__()
        self.stateful_metrics = set(stateful_metrics or [])
        self.seen = 0
        self.totals = {}

    def on_epoch_begin(self, epoch, logs=None):
        self.seen = 0
        self.totals = {}

    def on_batch_end(self, batch, logs=None):
        logs = logs or {}
        size = logs.get("size", 1)
        self.seen += size * logs.get("num_steps", 1)
        for k, v in logs.items():
            if k in ("size", "batch", "num_steps"):
                continue
            if k in self.stateful_metrics:
                self.totals[k] = v
            else:
                self.totals[k] = self.totals.get(k, 0) + v * size

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            return
        for k, total in logs_to_floats(self.totals).items():
            if k not in logs:
                logs[k] = total if k in self.stateful_metrics else total / max(self.seen, 1)


class History(Callback):
    """Records the epoch logs; `fit` returns it.

    Attributes:
        history: Dict mapping each metric name to its list of per-epoch floats.
        epoch: List of epoch indices seen.
    """

    _supports_tensor_logs = True  # only reads epoch logs...
    _float_logs_hooks = ("on_epoch_end",)  # ...and takes those as floats

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.epoch = []
        if self.model is not None:
            self.model.history = self

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for k, v in logs_to_floats(logs).items():
            self.history.setdefault(k, []).append(v)
        if self.model is not None:
            self.model.history = self

    def __repr__(self):
        return f"History(epochs={len(self.epoch)}, keys={list(self.history)})"


class ProgbarLogger(Callback):
    """Prints the Keras 2 progress bar and metrics to stdout.

    `fit` shows `Epoch i/n` (when n > 1), then a bar redrawn per batch (verbose=1)
    or one line per epoch (verbose=2), with the validation metrics on the epoch's last
    line. `evaluate` and `predict` show one bar.

    The tkeras loop logs each metric's running value (the mean so far), so every
    logged value is displayed as given, as Keras 2 does for the model's metrics.

    Args:
        count_mode: `'steps'` or `'samples'`: what the bar counts.
            Defaults to `'steps'`.
        stateful_metrics: Kept for Keras 2 compatibility; every metric is
            displayed as given.
    """

    _supports_tensor_logs = True

    def __init__(self, count_mode="steps", stateful_metrics=None):
        super().__init__()
        if count_mode not in ("steps", "samples"):
            raise ValueError(
                f"Unknown `count_mode`: Received: count_mode={count_mode!r}. "
                "Expected one of 'steps', 'samples'."
            )
        self.use_steps = count_mode == "steps"
        self.stateful_metrics = set(stateful_metrics or [])
        self.seen = 0
        self.progbar = None
        self.target = None
        self.verbose = 1
        self.epochs = 1
        self._call_batch_hooks = True
        self._called_in_fit = False

    def set_params(self, params):
        super().set_params(params)
        self.verbose = params.get("verbose", 1)
        self.epochs = params.get("epochs", 1) or 1
        key = "steps" if self.use_steps else "samples"
        self.target = params.get(key)
        # With a known target, verbose=2 needs nothing per batch.
        self._call_batch_hooks = self.verbose == 1 or self.target is None

    def _implements_hook(self, name):
        if name in _BATCH_HOOKS:
            return self._call_batch_hooks and super()._implements_hook(name)
        return super()._implements_hook(name)

    def on_train_begin(self, logs=None):
        self._called_in_fit = True  # validation inside fit is silent

    def on_train_end(self, logs=None):
        self._called_in_fit = False

    def on_test_begin(self, logs=None):
        if not self._called_in_fit:
            self._reset_progbar()

    def on_predict_begin(self, logs=None):
        self._reset_progbar()

    def on_epoch_begin(self, epoch, logs=None):
        self._reset_progbar()
        if self.verbose and self.epochs > 1:
            sys.stdout.write(f"Epoch {epoch + 1}/{self.epochs}\n")
            sys.stdout.flush()

    def on_train_batch_end(self, batch, logs=None):
        self._batch_update_progbar(batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        if not self._called_in_fit:
            self._batch_update_progbar(batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._batch_update_progbar(batch, None)  # predictions are not metrics

    def on_epoch_end(self, epoch, logs=None):
        self._finalize_progbar(logs)

    def on_test_end(self, logs=None):
        if not self._called_in_fit:
            self._finalize_progbar(logs)

    def on_predict_end(self, logs=None):
        self._finalize_progbar(logs)

    def _reset_progbar(self):
        self.seen = 0
        self.progbar = Progbar(
            target=self.target,
            verbose=self.verbose,
            stateful_metrics=self.stateful_metrics,
            unit_name="step" if self.use_steps else "sample",
        )

    def _values(self, logs):
        if not logs:
            return None
        if not self.use_steps:
            logs = {k: v for k, v in logs.items() if k not in ("size", "num_steps", "batch")}
        self.progbar.stateful_metrics.update(logs)
        return list(logs.items())

    def _batch_update_progbar(self, batch, logs):
        if self.progbar is None:
            self._reset_progbar()
        if self.use_steps:
            self.seen = batch + 1
        else:
            logs = logs or {}
            self.seen += logs.get("size", 0) * logs.get("num_steps", 1)
        if self.verbose == 1:
            self.progbar.update(self.seen, self._values(logs), finalize=False)

    def _finalize_progbar(self, logs):
        if self.progbar is None:
            self._reset_progbar()
        if self.target is None:
            # Unknown length (a generator without `steps`): learnt on the first pass.
            self.target = self.seen
            self.progbar.target = self.target
        self.progbar.update(self.target, self._values(logs), finalize=True)


# ---------------------------------------------------------------------------------
# Keras 2's built-in callbacks. Messages and decisions follow tf-keras.

def _warn(message):
    warnings.warn(message, stacklevel=3)


def _monitor_op(monitor, mode, owner):
    """`np.greater` for metrics to maximize, `np.less` otherwise ('auto' guesses from
    the name as tf-keras's ModelCheckpoint does)."""
    if mode not in ("auto", "min", "max"):
        _warn(f"{owner} mode {mode} is unknown, fallback to auto mode.")
        mode = "auto"
    if mode == "max" or (mode == "auto" and ("acc" in monitor or monitor.startswith("fmeasure"))):
        return np.greater
    return np.less


def _get_lr(model):
    return float(model.optimizer.learning_rate)


def _set_lr(model, value):
    model.optimizer.learning_rate = float(value)


class ModelCheckpoint(Callback):
    """Saves the model (or its weights) after every epoch, or every `save_freq` batches.

    `filepath` may hold format fields filled from the epoch number (1-based) and the
    epoch logs, e.g. `'w.{epoch:02d}-{val_loss:.2f}.h5'`. Files are written atomically.

    Args:
        filepath: Path template of the files to write.
        monitor: Metric compared with `save_best_only`. Defaults to `'val_loss'`.
        verbose: 1 prints a line per save decision. Defaults to `0`.
        save_best_only: Only save when `monitor` improves. Defaults to `False`.
        save_weights_only: `model.save_weights` instead of `model.save`.
            Defaults to `False`.
        mode: `'auto'`, `'min'` or `'max'`. Defaults to `'auto'`.
        save_freq: `'epoch'` or a number of batches. Defaults to `'epoch'`.
        period: Keras 2: save every `period` epochs. Defaults to `1`.
        initial_value_threshold: Initial best value for `save_best_only`.
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", save_freq="epoch", period=1,
                 initial_value_threshold=None, options=None, **kwargs):
        super().__init__()
        kwargs.pop("load_weights_on_restart", None)
        if kwargs:
            raise TypeError(f"Unrecognized keyword arguments to ModelCheckpoint: {sorted(kwargs)}")
        if save_freq != "epoch" and not (isinstance(save_freq, int) and save_freq > 0):
            raise ValueError(
                "`save_freq` must be 'epoch' or a positive integer (number of batches). "
                f"Received: save_freq={save_freq!r}")
        self.filepath = os.fspath(filepath)
        self.monitor = monitor
        self.verbose = verbose
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = save_freq
        self.period = period
        self.monitor_op = _monitor_op(monitor, mode, "ModelCheckpoint")
        if initial_value_threshold is not None:
            self.best = initial_value_threshold
        else:
            self.best = -np.inf if self.monitor_op is np.greater else np.inf
        self.epochs_since_last_save = 0
        self._batches_since_save = 0
        self._current_epoch = 0

    def _implements_hook(self, name):
        if name in _BATCH_HOOKS:
            return self.save_freq != "epoch" and super()._implements_hook(name)
        return super()._implements_hook(name)

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        self._batches_since_save += 1
        if self._batches_since_save >= self.save_freq:
            self._batches_since_save = 0
            self._save(self._current_epoch, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        self.epochs_since_last_save += 1
        if self.save_freq == "epoch" and self.epochs_since_last_save >= self.period:
            self.epochs_since_last_save = 0
            self._save(epoch, None, logs)

    def _file_path(self, epoch, batch, logs):
        fields = dict(logs)
        if batch is not None and "batch" not in fields:
            fields["batch"] = batch + 1
        try:
            return self.filepath.format(epoch=epoch + 1, **fields)
        except KeyError as err:
            raise KeyError(f'Failed to format this callback filepath: "{self.filepath}". '
                           f"Reason: {err}. Available keys: {sorted(['epoch'] + list(fields))}"
                           ) from None

    def _save(self, epoch, batch, logs):
        logs = logs_to_floats(logs)
        filepath = self._file_path(epoch, batch, logs)
        if os.path.isdir(filepath):
            raise IOError("Please specify a non-directory filepath for ModelCheckpoint. "
                          f"Filepath used is an existing directory: {filepath}")
        if self.save_best_only:
            current = logs.get(self.monitor)
            if current is None:
                _warn(f"Can save best model only with {self.monitor} available, skipping.")
                return
            if not self.monitor_op(current, self.best):
                if self.verbose > 0:
                    print(f"\nEpoch {epoch + 1:05d}: {self.monitor} did not improve "
                          f"from {self.best:.5f}")
                return
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1:05d}: {self.monitor} improved from "
                      f"{self.best:.5f} to {current:.5f}, saving model to {filepath}")
            self.best = current
        elif self.verbose > 0:
            print(f"\nEpoch {epoch + 1:05d}: saving model to {filepath}")
        # Both write to a temporary file and rename it: a crash never leaves half a file.
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)


class EarlyStopping(Callback):
    """Stops training when a monitored metric has stopped improving.

    Args:
        monitor: Metric to watch. Defaults to `'val_loss'`.
        min_delta: Smallest change counted as an improvement. Defaults to `0`.
        patience: Epochs without improvement before stopping. Defaults to `0`.
        verbose: 1 prints the stop epoch. Defaults to `0`.
        mode: `'auto'`, `'min'` or `'max'`. Defaults to `'auto'`.
        baseline: Value the metric must beat; training stops if it does not
            within `patience` epochs. Defaults to `None`.
        restore_best_weights: Restore the weights of the best epoch at the end.
            Defaults to `False`.
        start_from_epoch: Epochs to wait before monitoring. Defaults to `0`.
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0):
        super().__init__()
        self.monitor = monitor
        self.patience = patience
        self.verbose = verbose
        self.baseline = baseline
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = start_from_epoch
        if mode not in ("auto", "min", "max"):
            _warn(f"EarlyStopping mode {mode} is unknown, fallback to auto mode.")
            mode = "auto"
        if mode == "max" or (mode == "auto" and monitor.endswith(("acc", "accuracy", "auc"))):
            self.monitor_op = np.greater
        else:
            self.monitor_op = np.less
        self.min_delta = abs(min_delta) * (1 if self.monitor_op is np.greater else -1)
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.stopped_epoch = 0
        self.best = np.inf if self.monitor_op is np.less else -np.inf
        self.best_weights = None
        self.best_epoch = 0

    def _is_improvement(self, value, reference):
        return self.monitor_op(value - self.min_delta, reference)

    def get_monitor_value(self, logs):
        logs = logs or {}
        value = logs.get(self.monitor)
        if value is None:
            _warn(f"Early stopping conditioned on metric `{self.monitor}` which is not "
                  f"available. Available metrics are: {','.join(logs)}")
        return value

    def on_epoch_end(self, epoch, logs=None):
        current = self.get_monitor_value(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()
            self.best_epoch = epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1:05d}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print("Restoring model weights from the end of the best epoch: "
                      f"{self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)


class ReduceLROnPlateau(Callback):
    """Multiplies the learning rate by `factor` when a metric has stopped improving.

    Adds the current learning rate to the epoch logs as `lr`, as tf-keras does.

    Args:
        monitor: Metric to watch. Defaults to `'val_loss'`.
        factor: New rate = rate * factor; must be < 1. Defaults to `0.1`.
        patience: Epochs without improvement before reducing. Defaults to `10`.
        verbose: 1 prints each reduction. Defaults to `0`.
        mode: `'auto'`, `'min'` or `'max'`. Defaults to `'auto'`.
        min_delta: Smallest change counted as an improvement. Defaults to `1e-4`.
        cooldown: Epochs to wait after a reduction. Defaults to `0`.
        min_lr: Lower bound of the learning rate. Defaults to `0`.
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0, **kwargs):
        super().__init__()
        if factor >= 1.0:
            raise ValueError(
                f"ReduceLROnPlateau does not support a factor >= 1.0. Received: factor={factor}")
        if "epsilon" in kwargs:
            min_delta = kwargs.pop("epsilon")
            _warn("`epsilon` argument is deprecated and will be removed, use `min_delta` "
                  "instead.")
        if kwargs:
            raise TypeError(f"Unrecognized keyword arguments to ReduceLROnPlateau: {sorted(kwargs)}")
        self.monitor = monitor
        self.factor = factor
        self.min_lr = min_lr
        self.min_delta = min_delta
        self.patience = patience
        self.verbose = verbose
        self.cooldown = cooldown
        if mode not in ("auto", "min", "max"):
            _warn(f"Learning rate reduction mode {mode} is unknown, fallback to auto mode.")
            mode = "auto"
        self.mode = mode
        self._reset()

    def _reset(self):
        if self.mode == "min" or (self.mode == "auto" and "acc" not in self.monitor):
            self.monitor_op = lambda a, b: np.less(a, b - self.min_delta)
            self.best = np.inf
        else:
            self.monitor_op = lambda a, b: np.greater(a, b + self.min_delta)
            self.best = -np.inf
        self.cooldown_counter = 0
        self.wait = 0

    def on_train_begin(self, logs=None):
        self._reset()

    def in_cooldown(self):
        return self.cooldown_counter > 0

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            logs = {}
        logs["lr"] = _get_lr(self.model)
        current = logs.get(self.monitor)
        if current is None:
            _warn(f"Learning rate reduction is conditioned on metric `{self.monitor}` which "
                  f"is not available. Available metrics are: {','.join(logs)}")
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self.monitor_op(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                old_lr = np.float32(_get_lr(self.model))
                if old_lr > np.float32(self.min_lr):
                    new_lr = max(old_lr * self.factor, self.min_lr)
                    _set_lr(self.model, new_lr)
                    if self.verbose > 0:
                        print(f"\nEpoch {epoch + 1:05d}: ReduceLROnPlateau reducing "
                              f"learning rate to {new_lr}.")
                    self.cooldown_counter = self.cooldown
                    self.wait = 0


class LearningRateScheduler(Callback):
    """Sets the learning rate at the start of each epoch from `schedule`.

    Args:
        schedule: `schedule(epoch)` or `schedule(epoch, lr)` returning the new rate
            (`epoch` is 0-based).
        verbose: 1 prints each new rate. Defaults to `0`.
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch, logs=None):
        if not hasattr(self.model.optimizer, "lr"):
            raise ValueError('Optimizer must have a "lr" attribute.')
        try:
            lr = self.schedule(epoch, _get_lr(self.model))
        except TypeError:  # the Keras 2.0 one-argument form
            lr = self.schedule(epoch)
        if isinstance(lr, torch.Tensor):
            lr = lr.item()
        if not isinstance(lr, (float, np.floating)):
            raise ValueError(f'The output of the "schedule" function should be float. Got: {lr}')
        _set_lr(self.model, lr)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1:05d}: LearningRateScheduler setting learning rate "
                  f"to {lr}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["lr"] = _get_lr(self.model)


class CSVLogger(Callback):
    """Streams epoch results to a CSV file: an `epoch` column, then the sorted log keys.

    Args:
        filename: Path of the CSV file.
        separator: 1-character field separator. Defaults to `','`.
        append: Append to an existing file (no second header) rather than overwrite.
            Defaults to `False`.
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.sep = separator
        self.filename = os.fspath(filename)
        self.append = append
        self.writer = None
        self.keys = None
        self.append_header = True
        self.csv_file = None

    def on_train_begin(self, logs=None):
        if self.append:
            if os.path.exists(self.filename):
                with open(self.filename) as f:
                    self.append_header = not bool(len(f.readline()))
            mode = "a"
        else:
            mode = "w"
        self.writer = None
        self.csv_file = open(self.filename, mode, newline="")

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}

        def handle_value(v):
            if isinstance(v, str):
                return v
            if isinstance(v, collections.abc.Iterable) and not (
                    isinstance(v, np.ndarray) and v.ndim == 0):
                return f"\"[{', '.join(map(str, v))}]\""
            return v

        if self.keys is None:
            self.keys = sorted(logs)
            if not any(k.startswith("val_") for k in self.keys):
                self.keys.extend(["val_" + k for k in self.keys])
        if self.writer is None:
            sep = self.sep

            class _Dialect(csv.excel):
                delimiter = sep

            self.writer = csv.DictWriter(self.csv_file, fieldnames=["epoch"] + self.keys,
                                         dialect=_Dialect)
            if self.append_header:
                self.writer.writeheader()
        row = {"epoch": epoch}
        row.update((k, handle_value(logs.get(k, "NA"))) for k in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        if self.csv_file is not None:
            self.csv_file.close()
        self.writer = None


class LambdaCallback(Callback):
    """A callback built from plain functions.

    Args:
        on_epoch_begin, on_epoch_end: `f(epoch, logs)`.
        on_batch_begin, on_batch_end: `f(batch, logs)`.
        on_train_begin, on_train_end: `f(logs)`.
        **kwargs: Any other hook (`on_test_begin=...`) or attribute.

    Example:

    >>> seen = []
    >>> cb = LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(epoch))
    >>> cb.on_epoch_end(0, {})
    >>> seen
    [0]
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_batch_begin=None,
                 on_batch_end=None, on_train_begin=None, on_train_end=None, **kwargs):
        super().__init__()
        self.__dict__.update(kwargs)
        given = dict(on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end,
                     on_batch_begin=on_batch_begin, on_batch_end=on_batch_end,
                     on_train_begin=on_train_begin, on_train_end=on_train_end)
        batch_hooks = {}
        for name, fn in given.items():
            if fn is None:
                continue
            if name in ("on_batch_begin", "on_batch_end"):
                batch_hooks[name] = fn
            else:
                setattr(self, name, fn)
        if batch_hooks:
            # The training loop looks for batch hooks on the class (a per-batch cost
            # only callbacks that want them pay), so they live on a per-instance subclass.
            methods = {name: _bound_call(name) for name in batch_hooks}
            self.__class__ = type(type(self).__name__, (type(self),), methods)
            self._batch_fns = batch_hooks


def _bound_call(name):
    def method(self, batch, logs=None):
        return self._batch_fns[name](batch, logs)
    method.__name__ = name
    return method


class TerminateOnNaN(Callback):
    """Stops training at the first batch whose loss is NaN or infinite."""

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and (np.isnan(loss) or np.isinf(loss)):
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True


class RemoteMonitor(Callback):
    """POSTs the epoch logs to a server at the end of each epoch.

    Sends the form field `field` holding the logs as JSON (or, with `send_as_json`,
    the JSON itself as body); the logs include `epoch` (0-based).

    Args:
        root: Server root URL. Defaults to `'http://localhost:9000'`.
        path: Path appended to `root`. Defaults to `'/publish/epoch/end/'`.
        field: Form field holding the JSON. Defaults to `'data'`.
        headers: Dict of extra HTTP headers. Defaults to `None`.
        send_as_json: Send `application/json` instead of a form. Defaults to `False`.
    """

    def __init__(self, root="http://localhost:9000", path="/publish/epoch/end/",
                 field="data", headers=None, send_as_json=False):
        super().__init__()
        self.root = root
        self.path = path
        self.field = field
        self.headers = headers
        self.send_as_json = send_as_json

    def on_epoch_end(self, epoch, logs=None):
        send = {"epoch": epoch}
        for k, v in (logs or {}).items():
            send[k] = v.item() if isinstance(v, (np.ndarray, np.generic)) else v
        headers = dict(self.headers or {})
        if self.send_as_json:
            body = json.dumps(send).encode("utf-8")
            headers.setdefault("Content-Type", "application/json")
        else:
            body = urllib.parse.urlencode({self.field: json.dumps(send)}).encode("utf-8")
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        request = urllib.request.Request(self.root + self.path, data=body, headers=headers,
                                         method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                response.read()
        except (urllib.error.URLError, OSError):
            _warn("Warning: could not reach RemoteMonitor root server at " + str(self.root))


class TensorBoard(Callback):
    """Writes TensorBoard logs through `torch.utils.tensorboard` (needs `tensorboard`).

    Epoch scalars go to `log_dir/train` (`epoch_loss`, ...) and `log_dir/validation`
    (the `val_*` logs, without the prefix), as tf-keras does.

    Args:
        log_dir: Folder of the event files. Defaults to `'logs'`.
        histogram_freq: Write weight histograms every this many epochs (0: never).
            Defaults to `0`.
        write_graph: Write the model graph (best effort, traced with one batch of
            zeros). Defaults to `True`.
        update_freq: `'epoch'`, `'batch'` or a number of batches between batch-level
            scalar writes. Defaults to `'epoch'`.
    """

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True,
                 write_images=False, write_steps_per_second=False, update_freq="epoch",
                 profile_batch=0, embeddings_freq=0, embeddings_metadata=None, **kwargs):
        super().__init__()
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError as err:
            raise ImportError(
                "The TensorBoard callback needs the `tensorboard` package. Install it "
                "with `pip install tkeras[tensorboard]` (or `pip install tensorboard`)."
            ) from err
        self._writer_cls = SummaryWriter
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = histogram_freq
        self.write_graph = write_graph
        self.update_freq = 1 if update_freq == "batch" else update_freq
        self._writers = {}
        self._global_step = 0

    def _writer(self, name):
        if name not in self._writers:
            self._writers[name] = self._writer_cls(os.path.join(self.log_dir, name))
        return self._writers[name]

    def _implements_hook(self, name):
        if name in _BATCH_HOOKS:
            return self.update_freq != "epoch" and super()._implements_hook(name)
        return super()._implements_hook(name)

    def on_train_begin(self, logs=None):
        self._global_step = 0
        if self.write_graph:
            self._write_graph()

    def _write_graph(self):
        try:
            shapes = [tuple(1 if d is None else d for d in t.shape) for t in self.model.inputs]
            device = self.model._device()
            dummies = [torch.zeros(s, device=device) for s in shapes]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self._writer("train").add_graph(
                    self.model, dummies[0] if len(dummies) == 1 else dummies)
        except Exception as err:  # the graph is a nicety: never stop training for it
            _warn(f"TensorBoard could not write the model graph: {err}")

    def on_train_batch_end(self, batch, logs=None):
        self._global_step += 1
        if self.update_freq == "epoch" or self._global_step % self.update_freq:
            return
        writer = self._writer("train")
        for k, v in (logs or {}).items():
            if k not in ("batch", "size", "num_steps") and np.ndim(v) == 0:
                writer.add_scalar("batch_" + k, float(v), self._global_step)

    def on_epoch_end(self, epoch, logs=None):
        for k, v in (logs or {}).items():
            if np.ndim(v) != 0:
                continue
            if k.startswith("val_"):
                self._writer("validation").add_scalar("epoch_" + k[4:], float(v), epoch)
            else:
                self._writer("train").add_scalar("epoch_" + k, float(v), epoch)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            writer = self._writer("train")
            for layer in self.model.layers:
                for w in getattr(layer, "weights", []):
                    name = getattr(w, "name", None) or "weight"
                    name = name if "/" in name else f"{layer.name}/{name}"
                    writer.add_histogram(name.replace(":", "_"),
                                         w.detach().float().cpu().numpy(), epoch)
        for writer in self._writers.values():
            writer.flush()

    def on_train_end(self, logs=None):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}


class BackupAndRestore(Callback):
    """Resumes a training that was killed, from the end of its last finished epoch.

    At each epoch end, the weights, the optimizer state and the random-number state are
    written to `backup_dir` (each file atomically; a small `checkpoint.json` naming
    them is replaced last, so a crash at any moment leaves the previous complete
    backup). At the start of `fit`, an existing backup is restored and training goes on
    with the next epoch. A training that ends normally deletes its backup.

    Args:
        backup_dir: Folder of the backup files (one per training).
        save_freq: `'epoch'` (the only supported value). Defaults to `'epoch'`.
        delete_checkpoint: Delete the backup when training ends. Defaults to `True`.
    """

    _STATE_FILE = "checkpoint.json"

    def __init__(self, backup_dir, save_freq="epoch", delete_checkpoint=True,
                 save_before_preemption=False):
        super().__init__()
        if not backup_dir:
            raise ValueError(f"Empty `backup_dir` argument passed. Received: backup_dir={backup_dir!r}")
        if save_freq != "epoch":
            raise ValueError("tkeras's BackupAndRestore saves at each epoch end only. "
                             f"Received: save_freq={save_freq!r}. Use save_freq='epoch'.")
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.delete_checkpoint = delete_checkpoint
        self._epoch_open = False

    def _state_path(self):
        return os.path.join(self.backup_dir, self._STATE_FILE)

    def on_train_begin(self, logs=None):
        self._epoch_open = False
        state_path = self._state_path()
        if not os.path.exists(state_path):
            return
        with open(state_path) as f:
            state = json.load(f)
        from tkeras.saving import hdf5

        model_path = os.path.join(self.backup_dir, state["model_file"])
        self.model.load_weights(model_path)
        with hdf5._open_for_reading(model_path) as f:
            if "optimizer_weights" in f:
                hdf5._load_optimizer_weights(self.model, f["optimizer_weights"], model_path)
        if state.get("lr") is not None and self.model.optimizer._schedule is None:
            _set_lr(self.model, state["lr"])
        rng_path = os.path.join(self.backup_dir, state["rng_file"])
        rng = torch.load(rng_path, weights_only=False)
        torch.set_rng_state(rng["torch"])
        if rng.get("cuda") is not None and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(rng["cuda"])
        np.random.set_state(rng["numpy"])
        self.model._resume_initial_epoch = int(state["epoch"]) + 1

    def on_epoch_end(self, epoch, logs=None):
        self._epoch_open = False
        os.makedirs(self.backup_dir, exist_ok=True)
        model_file = f"model-{epoch}.h5"
        rng_file = f"rng-{epoch}.pt"
        self.model.save(os.path.join(self.backup_dir, model_file), overwrite=True)
        rng = {"torch": torch.get_rng_state(), "numpy": np.random.get_state(),
               "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_initialized() else None}
        io_utils.atomic_write(os.path.join(self.backup_dir, rng_file),
                              lambda f: torch.save(rng, f), binary=True)
        state = {"epoch": epoch, "model_file": model_file, "rng_file": rng_file,
                 "lr": _get_lr(self.model)}
        io_utils.atomic_write(self._state_path(), lambda f: json.dump(state, f))
        for name in os.listdir(self.backup_dir):  # older backups are no longer needed
            if name.startswith(("model-", "rng-")) and name not in (model_file, rng_file):
                with contextlib.suppress(OSError):
                    os.remove(os.path.join(self.backup_dir, name))

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_open = True

    def on_train_end(self, logs=None):
        # An epoch left unfinished (Ctrl-C) is not a successful end: keep the backup.
        if self.delete_checkpoint and not self._epoch_open:
            shutil.rmtree(self.backup_dir, ignore_errors=True)

