"""The callback base class, the list that dispatches hooks, History and ProgbarLogger.

Speed rule: the training loop hands callbacks logs whose values may be 0-d torch tensors
(running means kept on the device), so that a step needs no host sync. A callback that
declares `_supports_tensor_logs = True` receives those logs raw. Every other callback
receives Python floats; `CallbackList` converts once per hook call, and only when some
such callback actually overrides that hook.
"""
import sys

import numpy as np
import torch

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
