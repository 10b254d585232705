"""Keras 2 optimizers backed by `torch.optim` and small foreach kernels.

Two families, as in tf-keras 2.21 (the last Keras 2):

* `tkeras.optimizers.X` (`SGD`, `RMSprop`, `Adagrad`, `Adadelta`, `Adam`, `AdamW`,
  `Adamax`, `Nadam`): tf-keras 2.21's current `keras.optimizers.X` -- the classes a
  Keras 2 user gets by default, and what `'adam'`, `'rmsprop'`, ... resolve to.
* `tkeras.optimizers.legacy.X`: `keras.optimizers.legacy.X`, the Keras 2.0-2.10 math
  (also what an old model file's optimizer config loads as).

One implementation serves both; they differ only where tf-keras's do (measured on
3 steps of fixed gradients against tf-keras 2.21, see `tests/test_optimizers.py`):

* RMSprop: current `lr * g / sqrt(ms + eps)` always; legacy `lr * g / (sqrt(ms) + eps)`
  without momentum (with momentum both put `eps` inside the square root).
* Adagrad: current `lr * g / sqrt(acc + eps)`; legacy `lr * g / (sqrt(acc) + eps)`.
* Nadam: current momentum schedule `mu_t = beta_1 * (1 - 0.5 * 0.96 ** t)`; legacy
  `0.96 ** (schedule_decay * t)` with `schedule_decay=0.004` (tf-keras stores it in the
  config's `decay` entry). Current Nadam accepts Keras 2.0-2.2's `schedule_decay=` and
  then uses the legacy schedule.
* Clipping: legacy applies `clipvalue`, then `clipnorm`, then `global_clipnorm`; current
  applies only the first set one of `clipnorm`, `global_clipnorm`, `clipvalue` (> 0).
* Current classes take `weight_decay` (`w -= w * weight_decay * lr` before each
  update; `AdamW` defaults it to `0.004`) and Adam's `adaptive_epsilon`.
* SGD, Adadelta, Adam, Adamax: same update in both.
* `get_config`: current configs carry tf-keras 2.21's keys (`weight_decay`,
  `use_ema`, ..., `"is_legacy_optimizer": False`); legacy configs carry `decay`.
  `get_weights` follows each family's variable order (e.g. current Adam
  `[iteration, m_0, v_0, m_1, v_1, ...]`, legacy `[iter, m_0, m_1, ..., v_0, v_1, ...]`).

Keras 2 arguments are accepted by both families, with the Keras 2 meaning:
`lr` is `learning_rate` (tf-keras's current classes warn and ignore it) and `decay`
divides the rate by `1 + decay * iterations` (they raise). tf-keras's `use_ema` is
not implemented (warns); `jit_compile` is accepted and ignored.

The updates are Keras's, not torch's, wherever the two differ:

* SGD with momentum keeps Keras's velocity `v = momentum * v - lr * g` (torch's buffer
  leaves the learning rate out, which matters as soon as the rate changes).
* Adam uses Keras's `lr * sqrt(1 - beta_2^t) / (1 - beta_1^t) * m / (sqrt(v) + eps)`;
  torch adds `eps` to the bias-corrected `sqrt(v / (1 - beta_2^t))`, so tkeras hands
  torch `eps / sqrt(1 - beta_2^t)` each step (same formula, exactly).
* RMSprop, Adagrad and Adamax run tkeras's own foreach kernels (torch puts `eps`
  elsewhere).

How the engine drives an optimizer:

* `opt._attach(params)`: (re)creates the torch optimizer for the trainable parameters,
  keeping the state of parameters it already knew (a re-`compile`).
* `opt._step()`: after `loss.backward()`: clips the gradients, sets the learning rate
  (with `decay`), steps, increments `opt.iterations` (a Python int: no host sync).
* `opt._zero_grad()`: sets the gradients to `None`.

`opt.learning_rate` (alias `opt.lr`) is a 0-d float32 CPU tensor, so
`K.set_value(opt.lr, 0.01)`, `K.get_value(opt.lr)` and `opt.lr = 0.01` all work; it is
read with `float()` (no device sync) at every step.

Remaining numeric differences to Keras:

* A parameter that receives no gradient on some step: torch counts steps per
  parameter for the bias corrections of Adam / Nadam, Keras uses the global
  `iterations`. Identical whenever every parameter gets a gradient at every step.
* Nadam keeps the momentum-schedule product in a float32 scalar (as Keras in float32).
  tf-keras 2.21's current Nadam, run inside `tf.function` (`model.fit`), multiplies its
  product more than once per step depending on the number of variables and traces (a
  tf-keras bug); tkeras follows the eager, intended rule. The product vanishes within
  a few dozen steps, so training differs only at the start.
* Hyperparameters other than the learning rate are used in double precision.
  tf-keras rounds some to float32 first (`tf.cast` of a Python float): all of the
  legacy ones; SGD's momentum, the betas of the bias corrections (Adam, Adamax) and
  Nadam's betas and `0.96` in the current ones. Relative effect ~1e-8, below float32
  resolution: float32 runs agree to a few ulps (3.6e-7 on the reference steps).
* tf-keras's current SGD keeps a slot `m = -lr * g` even when `momentum=0`, where no
  update reads it; tkeras keeps no buffer there and reports zeros in `get_weights`.

Example:

>>> import torch
>>> w = torch.nn.Parameter(torch.tensor([1.0, -2.0]))
>>> opt = SGD(lr=0.1)
>>> opt._attach([w])
>>> w.grad = torch.tensor([1.0, 1.0])
>>> opt._step()
>>> [round(v, 6) for v in w.detach().tolist()], opt.iterations
([0.9, -2.1], 1)
"""
import math
import warnings

import numpy as np
import torch

from tkeras.backend import _config
from tkeras.utils.generic_utils import deserialize_keras_object, serialize_keras_object

__all__ = [
    "Optimizer", "SGD", "RMSprop", "Adagrad", "Adadelta", "Adam", "AdamW", "Adamax",
    "Nadam", "legacy", "get", "serialize", "deserialize",
]

_LEGACY_KWARGS = ("clipnorm", "clipvalue", "lr", "decay", "global_clipnorm")
# tf-keras 2.21's current optimizers' common arguments (plus the Keras 2 ones above).
_CURRENT_KWARGS = _LEGACY_KWARGS + ("weight_decay", "use_ema", "ema_momentum",
                                    "ema_overwrite_frequency", "jit_compile")
# Keys of current configs that a legacy optimizer drops on load.
_CURRENT_ONLY_KEYS = _CURRENT_KWARGS[len(_LEGACY_KWARGS):] + ("is_legacy_optimizer",)


def _scalar_dtype():
    return torch.float64 if torch.get_default_dtype() == torch.float64 else torch.float32


def _step_tensor(t):
    return torch.tensor(float(t), dtype=_scalar_dtype())


class Optimizer:
    """Base class of the Keras 2 optimizers (tf-keras's current ones; the
    `tkeras.optimizers.legacy` classes set `_legacy = True`).

    Subclasses declare their slots in `_slot_groups`, build their torch optimizer in
    `_make_torch_optimizer` and set the per-step hyperparameters of the param group in
    `_apply_hyper`.
    """

    _legacy = False

    def __init__(self, name, learning_rate=0.01, **kwargs):
        kwargs.pop("is_legacy_optimizer", None)  # tf-keras: for serialization only
        allowed = _LEGACY_KWARGS if self._legacy else _CURRENT_KWARGS
        for k, v in kwargs.items():
            if k not in allowed:
                raise TypeError(
                    f"Unexpected keyword argument passed to optimizer: {k}. "
                    f"Allowed kwargs are {set(allowed)}."
                )
            if k in _LEGACY_KWARGS + ("weight_decay",) and v is not None \
                    and not callable(v) and v < 0:
                raise ValueError(f"Expected {k} >= 0, received: {v}")
        if kwargs.get("clipnorm") is not None and kwargs.get("global_clipnorm") is not None:
            raise ValueError(
                "Cannot accept both `clipnorm` and `global_clipnorm`. Received: "
                f"`clipnorm`={kwargs['clipnorm']}, "
                f"`global_clipnorm`={kwargs['global_clipnorm']}."
            )
        learning_rate = kwargs.pop("lr", learning_rate)
        self._name = name
        self._schedule = None
        if callable(learning_rate) and not isinstance(learning_rate, (torch.Tensor, np.ndarray)):
            self._schedule = learning_rate
            learning_rate = learning_rate(0)
        self._learning_rate = torch.tensor(float(learning_rate), dtype=torch.float32)
        self.decay = float(kwargs.pop("decay", 0.0) or 0.0)
        self._initial_decay = self.decay
        self.clipnorm = kwargs.pop("clipnorm", None)
        self.global_clipnorm = kwargs.pop("global_clipnorm", None)
        self.clipvalue = kwargs.pop("clipvalue", None)
        self.weight_decay = kwargs.pop("weight_decay", None)
        self.use_ema = bool(kwargs.pop("use_ema", False))
        self.ema_momentum = kwargs.pop("ema_momentum", 0.99)
        self.ema_overwrite_frequency = kwargs.pop("ema_overwrite_frequency", None)
        self.jit_compile = kwargs.pop("jit_compile", True)
        if self.use_ema:
            warnings.warn(f"tkeras does not implement `use_ema=True` yet; {type(self).__name__} "
                          "trains without the moving average.", stacklevel=3)
        self._iterations = 0
        self._params = []
        self._torch_opt = None

    # ----------------------------------------------------------- hyperparameters

    @property
    def learning_rate(self):
        """The learning rate: a 0-d float32 CPU tensor (use `K.get_value`/`K.set_value`,
        `float(opt.learning_rate)`, or assign a number)."""
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        if callable(value) and not isinstance(value, (torch.Tensor, np.ndarray)):
            self._schedule = value
            value = value(self._iterations)
        else:
            self._schedule = None
        with torch.no_grad():
            self._learning_rate.fill_(float(value))

    lr = learning_rate

    @property
    def iterations(self):
        """Number of steps taken (a Python int)."""
        return self._iterations

    @iterations.setter
    def iterations(self, value):
        self._iterations = int(value)

    @property
    def name(self):
        return self._name

    def _current_lr(self):
        """Learning rate of the step about to run: Keras 2 time decay on the
        (possibly user-updated) base rate. `float()` of a CPU tensor: no device sync."""
        if self._schedule is not None:
            lr = float(self._schedule(self._iterations))
        else:
            lr = float(self._learning_rate)
        if self.decay > 0.0:
            lr = lr / (1.0 + self.decay * self._iterations)
        return lr

    # --------------------------------------------------------- engine interface

    def _attach(self, params):
        """Creates the torch optimizer over `params` (trainable Parameters, model order).

        Called again with a new list (a re-compile), it re-creates it and keeps the
        state of the parameters it already knew. Parameters that are new while
        `iterations > 0` start from Keras's fresh slots at the global step count.
        """
        seen = set()
        unique = []
        for p in params:
            if id(p) not in seen:
                seen.add(id(p))
                unique.append(p)
        old = self._torch_opt
        self._params = unique
        if not unique:
            self._torch_opt = None
            return
        opt = self._make_torch_optimizer(unique)
        for group in opt.param_groups:
            group["lr"] = self._current_lr()
        for p in unique:
            st = old.state.get(p) if old is not None else None
            if st:
                opt.state[p] = st
            elif self._iterations > 0:
                fresh = self._fresh_state(p)
                if fresh is not None:
                    opt.state[p] = fresh
        self._torch_opt = opt

    def _step(self):
        """Applies one update from the parameters' `.grad` (Keras `apply_gradients`)."""
        opt = self._torch_opt
        if opt is not None:
            lr = self._current_lr()
            wd = 0.0 if self._legacy else float(self.weight_decay or 0.0)
            grads = None
            if wd or self._clips() or self._needs_grads():
                live = [p for p in self._params if p.grad is not None]
                grads = [p.grad for p in live]
                if grads:
                    self._clip(grads)
                    if wd:
                        # tf-keras: `w -= w * weight_decay * lr` before the update.
                        with torch.no_grad():
                            torch._foreach_mul_(live, 1.0 - wd * lr)
            t = self._iterations + 1
            for group in opt.param_groups:
                self._apply_hyper(group, lr, t, grads)
            opt.step()
        self._iterations += 1

    def _zero_grad(self):
        for p in self._params:
            p.grad = None

    # ------------------------------------------- public API for custom train_step

    def minimize(self, loss, var_list=None, tape=None):
        """One update that lowers `loss`: gradients of `loss` with respect to `var_list`
        (default: the variables the optimizer trains, i.e. the compiled model's
        trainable weights), then `apply_gradients`. Other tensors' `.grad` are left
        alone. Returns the new `iterations`.

        Example (in a custom `train_step`):

            loss = self.compiled_loss(y, self(x, training=True))
            self.optimizer.minimize(loss, self.trainable_variables)
        """
        params = self._resolve_params(var_list)
        if not params:  # nothing to train (all frozen): a no-op, as in tf.keras
            return self._iterations
        grads = torch.autograd.grad(loss, params, allow_unused=True)
        return self.apply_gradients(zip(grads, params))

    def apply_gradients(self, grads_and_vars, name=None, **kwargs):
        """Applies `(gradient, variable)` pairs (tf.keras). Variables are the model's
        weights (`model.trainable_variables`); gradients are in the variables' layout.
        Only the given variables change. Returns the new `iterations`."""
        grads_and_vars = list(grads_and_vars)
        if not grads_and_vars:  # tf.keras: an empty list (nothing to train) is a no-op
            return self._iterations
        params = self._set_grads(grads_and_vars)
        self._ensure_attached(params)
        self._step()
        return self._iterations

    def apply(self, grads, trainable_variables=None):
        """Keras 3's name: `apply(grads, trainable_variables)`."""
        return self.apply_gradients(zip(grads, trainable_variables or self._params))

    def step(self):
        """torch style: after `loss.backward()`, updates the optimizer's variables
        from their `.grad` (see `zero_grad`)."""
        self._ensure_attached([])
        self._step()
        return self._iterations

    def zero_grad(self):
        """Clears the `.grad` of the optimizer's variables."""
        self._ensure_attached([])
        self._zero_grad()

    def __getstate__(self):
        # The link to the compiled model is a weakref, which cannot be pickled or
        # deep-copied; the model restores it when it is itself unpickled or copied.
        state = self.__dict__.copy()
        state.pop("_model_ref", None)
        return state

    def _model_params(self):
        """{storage pointer: (parameter, layout)} of the model this optimizer was
        compiled with: maps the Keras-layout views of `model.weights` back."""
        ref = getattr(self, "_model_ref", None)
        model = ref() if ref is not None else None
        out = {}
        if model is None:
            return out
        for layer in model._flatten_layers(include_self=True):
            for rec in layer._weight_records:
                if rec.trainable:
                    p = getattr(layer, rec.attr)
                    out[p.untyped_storage().data_ptr()] = (p, rec.layout)
        return out

    def _resolve(self, variables):
        """[(parameter, layout or None)] for user-facing variables."""
        known = {id(p) for p in self._params}
        table = None
        out = []
        for v in variables:
            if id(v) in known:
                out.append((v, None))
                continue
            if table is None:
                table = self._model_params()
            hit = table.get(v.untyped_storage().data_ptr()) if isinstance(v, torch.Tensor) \
                else None
            if hit is not None and hit[0] is v:
                hit = (v, None)
            if hit is None and isinstance(v, torch.nn.Parameter) and v.requires_grad:
                hit = (v, None)
            if hit is None:
                raise ValueError(
                    f"{type(self).__name__} cannot update {getattr(v, 'name', None) or v!r}: "
                    "it is not a trainable weight of the model this optimizer was compiled "
                    "with. Pass `model.trainable_variables` (or torch Parameters).")
            out.append(hit)
        return out

    def _resolve_params(self, var_list):
        if var_list is None:
            self._ensure_attached([])
            if not self._params:
                raise ValueError(
                    "`minimize` needs `var_list`: this optimizer has no variables yet. "
                    "Pass `var_list=model.trainable_variables`.")
            return list(self._params)
        if callable(var_list):
            var_list = var_list()
        return [p for p, _ in self._resolve(list(var_list))]

    def _set_grads(self, grads_and_vars):
        pairs = list(grads_and_vars)
        resolved = self._resolve([v for _, v in pairs])
        params = []
        for (g, _), (p, layout) in zip(pairs, resolved):
            if g is None:
                continue
            g = torch.as_tensor(g)
            if layout is not None:
                g = layout.to_torch(g)
            p.grad = g.to(device=p.device, dtype=p.dtype).contiguous()
            params.append(p)
        given = {id(p) for p in params}
        for p in self._params:
            if id(p) not in given:
                p.grad = None
        return params

    def _ensure_attached(self, params):
        """Attaches new variables (keeping the state of known ones); with none known
        yet, the compiled model's trainable weights."""
        if not self._params and not params:
            ref = getattr(self, "_model_ref", None)
            model = ref() if ref is not None else None
            if model is not None:
                params = model._trainable_params()
        known = {id(p) for p in self._params}
        new = [p for p in params if id(p) not in known]
        if new:
            self._attach(list(self._params) + new)

    def _clips(self):
        values = (self.clipvalue, self.clipnorm, self.global_clipnorm)
        if self._legacy:
            return any(v is not None for v in values)
        return any(v is not None and v > 0 for v in values)

    def _clip(self, grads):
        if self._legacy:
            # tf-keras legacy: clipvalue, then clipnorm (per tensor), then global_clipnorm.
            if self.clipvalue is not None:
                _clip_by_value(grads, self.clipvalue)
            if self.clipnorm is not None:
                _clip_by_norm(grads, self.clipnorm)
            if self.global_clipnorm is not None:
                _clip_by_global_norm(grads, self.global_clipnorm)
            return
        # tf-keras current: only the first of clipnorm, global_clipnorm, clipvalue.
        for value, fn in ((self.clipnorm, _clip_by_norm),
                          (self.global_clipnorm, _clip_by_global_norm),
                          (self.clipvalue, _clip_by_value)):
            if value is not None and value > 0:
                fn(grads, value)
                return

    # ---------------------------------------------------- per-optimizer pieces

    def _make_torch_optimizer(self, params):
        raise NotImplementedError

    def _apply_hyper(self, group, lr, t, grads):
        group["lr"] = lr

    def _needs_grads(self):
        return False

    def _fresh_state(self, p, force=False):
        """Complete torch state for a parameter that has none yet. Returning None (only
        allowed when not `force`) lets the optimizer initialize it lazily: fine for the
        optimizers whose update does not depend on the step count."""
        return {} if force else None

    def _slot_groups(self):
        """The slots as `[[(keras_name, torch_state_key, sign), ...], ...]`: tf-keras's
        current optimizers store the slots of one group interleaved per parameter
        (Adam: `m_0, v_0, m_1, v_1, ...`), group after group; legacy ones slot-major."""
        return []

    def _weight_layout(self):
        """`(keras_name, torch_state_key, sign, param_index)` for every weight after
        `iterations`, in `get_weights` order."""
        groups = self._slot_groups()
        if self._legacy:
            groups = [[slot] for group in groups for slot in group]
        return [slot + (j,) for group in groups for j in range(len(self._params))
                for slot in group]

    def _weight_names(self, param_names):
        """tf-keras's names of the `get_weights` entries, given the Keras names of the
        attached parameters (`'dense/kernel'`), as the HDF5 `optimizer_weights` use."""
        if self._legacy:
            return [f"{self._name}/iter:0"] + [
                f"{self._name}/{param_names[j]}/{slot}:0"
                for slot, _, _, j in self._weight_layout()]
        return ["iteration:0"] + [f"{self._name}/{slot}/{param_names[j]}:0"
                                  for slot, _, _, j in self._weight_layout()]

    # ------------------------------------------------------------------ weights

    def get_weights(self):
        """`[iterations] + slot values` as NumPy arrays, in tf-keras's variable order
        (see `_slot_groups`); SGD's velocity is Keras's (`-lr * g` after one step)."""
        weights = [np.array(self._iterations, dtype=np.int64)]
        opt = self._torch_opt
        for _, key, sign, j in self._weight_layout():
            p = self._params[j]
            st = opt.state.get(p) if opt is not None else None
            value = st.get(key) if st else None
            if value is None:
                value = self._initial_slot(key, p)
            arr = value.detach().cpu().numpy()
            weights.append(-arr if sign < 0 else arr.copy())
        return weights

    def set_weights(self, weights):
        """Inverse of `get_weights` (the optimizer must be attached to its parameters)."""
        layout = self._weight_layout()
        if len(weights) != 1 + len(layout):
            raise ValueError(
                f"You called `set_weights(weights)` on optimizer {self._name} with a "
                f"weight list of length {len(weights)}, but the optimizer was expecting "
                f"{1 + len(layout)} weights. Provided weights: {str(weights)[:50]}..."
            )
        arrays = [np.asarray(w) for w in weights[1:]]
        for (slot, _, _, j), a in zip(layout, arrays):
            p = self._params[j]
            if tuple(a.shape) != tuple(p.shape):
                raise ValueError(
                    f"Optimizer weight shape {tuple(a.shape)} for slot '{slot}' is not "
                    f"compatible with parameter shape {tuple(p.shape)}."
                )
        self._iterations = int(np.asarray(weights[0]))
        opt = self._torch_opt
        if opt is None:
            return
        with torch.no_grad():
            for (_, key, sign, j), a in zip(layout, arrays):
                p = self._params[j]
                st = opt.state.get(p)
                if not st:
                    st = self._fresh_state(p, force=True)
                    opt.state[p] = st
                value = torch.as_tensor(-a if sign < 0 else a).to(dtype=p.dtype,
                                                                   device=p.device)
                if st.get(key) is None:
                    st[key] = value.clone()
                else:
                    st[key].copy_(value)
            for p in self._params:
                st = opt.state.get(p)
                if st and "step" in st:
                    st["step"] = _step_tensor(self._iterations)

    def _initial_slot(self, key, p):
        return torch.zeros_like(p)

    # ------------------------------------------------------------------- config

    def get_config(self):
        """tf-keras 2.21's config: the current classes' common keys and
        `"is_legacy_optimizer": False` (plus `decay` when set, which tf-keras's current
        classes cannot take); legacy: `name`, the clipping keys that are set,
        `learning_rate` and `decay`."""
        if isinstance(self._schedule, schedules.LearningRateSchedule):
            lr = schedules.serialize(self._schedule)
        elif self._schedule is not None and hasattr(self._schedule, "get_config"):
            lr = serialize_keras_object(self._schedule)
        else:
            lr = float(self._learning_rate)
        config = {"name": self._name}
        if self._legacy:
            for key in ("clipnorm", "clipvalue", "global_clipnorm"):
                if getattr(self, key) is not None:
                    config[key] = getattr(self, key)
            config.update({"learning_rate": lr, "decay": float(self._initial_decay)})
            return config
        config.update({
            "weight_decay": self.weight_decay, "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm, "clipvalue": self.clipvalue,
            "use_ema": self.use_ema, "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "jit_compile": self.jit_compile, "is_legacy_optimizer": False,
            "learning_rate": lr,
        })
        if self._initial_decay:
            config["decay"] = float(self._initial_decay)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Accepts Keras 2.2 (`lr`), tf.keras legacy and tf.keras 2.11+ configs."""
        config = dict(config)
        if "lr" in config:
            config["learning_rate"] = config.pop("lr")
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = schedules.deserialize(
                config["learning_rate"], custom_objects=custom_objects)
        config.pop("is_legacy_optimizer", None)
        if cls._legacy:
            for key in _CURRENT_ONLY_KEYS:
                value = config.pop(key, None)
                if key in ("weight_decay", "use_ema") and value:
                    warnings.warn(f"tkeras ignores `{key}={value}` in the config of the "
                                  f"legacy {cls.__name__}.", stacklevel=2)
        for key in ("clipnorm", "clipvalue", "global_clipnorm"):
            if key in config and config[key] is None:
                del config[key]
        return cls(**config)

    def __repr__(self):
        lr = float(self._learning_rate)
        kind = "legacy." if self._legacy else ""
        return f"<{kind}{self.__class__.__name__} name={self._name!r} learning_rate={lr:g}>"


def _clip_by_value(grads, value):
    v = float(value)
    torch._foreach_clamp_min_(grads, -v)
    torch._foreach_clamp_max_(grads, v)


def _clip_by_norm(grads, value):
    # tf.clip_by_norm: g * clipnorm / max(||g||, clipnorm)
    c = float(value)
    norms = torch._foreach_norm(grads)
    torch._foreach_clamp_min_(norms, c)
    scales = torch._foreach_reciprocal(norms)
    torch._foreach_mul_(scales, c)
    torch._foreach_mul_(grads, scales)


def _clip_by_global_norm(grads, value):
    # tf.clip_by_global_norm: g * clipnorm / max(global_norm, clipnorm)
    c = float(value)
    device = grads[0].device
    norms = [n.to(device) for n in torch._foreach_norm(grads)]
    total = torch.linalg.vector_norm(torch.stack(norms))
    scale = c / torch.clamp(total, min=c)
    for dev in {g.device for g in grads}:
        group = [g for g in grads if g.device == dev]
        torch._foreach_mul_(group, scale.to(dev))


class _ForeachOptimizer(torch.optim.Optimizer):
    """tkeras's own multi-tensor update rules (where torch's formula is not Keras's).

    Subclasses name their state tensors in `_keys(group)`, give their initial values in
    `_initial(p, key, group)` and update lists of same-device, same-dtype tensors in
    `_update(group, params, grads, *slots)`. Hyperparameters come from the param group
    (set by the Keras optimizer before every step), the step count from `group["t"]`.
    """

    def __init__(self, params, **defaults):
        super().__init__(params, dict(defaults, lr=0.001, t=1))

    def _keys(self, group):
        raise NotImplementedError

    def _initial(self, p, key, group):
        return torch.zeros_like(p, memory_format=torch.preserve_format)

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            keys = self._keys(group)
            params, grads, slots = [], [], [[] for _ in keys]
            for p in group["params"]:
                if p.grad is None:
                    continue
                st = self.state[p]
                params.append(p)
                grads.append(p.grad)
                for key, lst in zip(keys, slots):
                    if st.get(key) is None:
                        st[key] = self._initial(p, key, group)
                    lst.append(st[key])
            if not params:
                continue
            lists = [params, grads] + slots
            by_kind = {}
            for i, p in enumerate(params):
                by_kind.setdefault((p.device, p.dtype, grads[i].dtype), []).append(i)
            for idx in by_kind.values():
                if len(idx) == len(params):
                    self._update(group, *lists)
                else:
                    self._update(group, *[[lst[i] for i in idx] for lst in lists])

    def _update(self, group, params, grads, *slots):
        raise NotImplementedError


# ============================================================================ SGD

class SGD(Optimizer):
    """Gradient descent with momentum (Keras 2; same update in tf-keras's current and
    legacy SGD).

    `v = momentum * v - lr * g; w += v` (nesterov: `w += momentum * v - lr * g`).

    Args:
        learning_rate: Defaults to `0.01`.
        momentum: Float in [0, 1]. Defaults to `0.0`.
        nesterov: Whether to apply Nesterov momentum. Defaults to `False`.
        name: Defaults to `'SGD'`.
        **kwargs: `lr`, `decay`, `clipnorm`, `clipvalue`, `global_clipnorm`; current
            class also `weight_decay`, `use_ema`, `ema_momentum`,
            `ema_overwrite_frequency`, `jit_compile`.
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, name="SGD", **kwargs):
        super().__init__(name, learning_rate=learning_rate, **kwargs)
        if isinstance(momentum, (int, float)) and not 0 <= momentum <= 1:
            raise ValueError(f"`momentum` must be between [0, 1]. Received: momentum={momentum}")
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)

    def _slot_groups(self):
        # tf-keras's current SGD keeps `m` for every variable, even with momentum 0
        # (where it is never read; tkeras reports zeros).
        if self._legacy:
            return [[("momentum", "momentum_buffer", -1)]] if self.momentum else []
        return [[("m", "momentum_buffer", -1)]]

    def _make_torch_optimizer(self, params):
        # momentum=0.5 only to make torch keep momentum buffers; the real value is set
        # per step (Keras allows changing `momentum` after construction).
        return torch.optim.SGD(params, lr=0.01, momentum=0.5, nesterov=self.nesterov,
                               foreach=True)

    def _needs_grads(self):
        return self.momentum > 0

    def _apply_hyper(self, group, lr, t, grads):
        group["nesterov"] = self.nesterov
        if self.momentum > 0:
            # Torch's buffer `b = m * b + g`, stepped by `lr * b`, would multiply the
            # whole history by the current rate; feeding it `lr * g` with a unit step
            # makes `b` exactly Keras's `-v`.
            if grads:
                torch._foreach_mul_(grads, lr)
            group["momentum"] = self.momentum
            group["lr"] = 1.0
        else:
            group["momentum"] = 0.0
            group["nesterov"] = False
            group["lr"] = lr

    def _fresh_state(self, p, force=False):
        return {"momentum_buffer": torch.zeros_like(p)} if force else None

    def get_config(self):
        config = super().get_config()
        config.update({"momentum": self.momentum, "nesterov": self.nesterov})
        return config


# ======================================================================== RMSprop

class _RMSpropKernel(_ForeachOptimizer):
    """`ms = rho*ms + (1-rho)*g^2; [mg = rho*mg + (1-rho)*g; ms_c = ms - mg^2]`, then
    `d = lr*g / sqrt(ms_c + eps)` (`eps_inside`) or `lr*g / (sqrt(ms_c) + eps)`, and
    `w -= d` or, with momentum, `mom = momentum*mom + d; w -= mom`."""

    def _keys(self, group):
        return (["square_avg"] + (["momentum_buffer"] if group["momentum"] > 0 else [])
                + (["grad_avg"] if group["centered"] else []))

    def _update(self, group, params, grads, sq, *rest):
        rho, eps, lr, momentum = group["alpha"], group["eps"], group["lr"], group["momentum"]
        mom = rest[0] if momentum > 0 else None
        torch._foreach_mul_(sq, rho)
        torch._foreach_addcmul_(sq, grads, grads, value=1.0 - rho)
        if group["centered"]:
            ga = rest[-1]
            torch._foreach_mul_(ga, rho)
            torch._foreach_add_(ga, grads, alpha=1.0 - rho)
            denom = torch._foreach_addcmul(sq, ga, ga, value=-1.0)
        else:
            denom = None
        if group["eps_inside"]:
            denom = torch._foreach_add(sq if denom is None else denom, eps)
            torch._foreach_sqrt_(denom)
        else:
            denom = torch._foreach_sqrt(sq if denom is None else denom)
            torch._foreach_add_(denom, eps)
        if mom is None:
            torch._foreach_addcdiv_(params, grads, denom, value=-lr)
        else:
            torch._foreach_mul_(mom, momentum)
            torch._foreach_addcdiv_(mom, grads, denom, value=lr)
            torch._foreach_sub_(params, mom)


class RMSprop(Optimizer):
    """RMSprop (Keras 2).

    `ms = rho * ms + (1 - rho) * g^2; w -= lr * g / sqrt(ms + epsilon)` (legacy without
    momentum: `lr * g / (sqrt(ms) + epsilon)`); with `centered`, `ms - mg^2` replaces
    `ms`; with `momentum > 0`, `mom = momentum * mom + lr * g / sqrt(ms + epsilon);
    w -= mom`.

    Args:
        learning_rate: Defaults to `0.001`.
        rho: Discounting factor of the squared-gradient average. Defaults to `0.9`.
        momentum: Defaults to `0.0`.
        epsilon: Defaults to `1e-7`.
        centered: Normalize by the estimated gradient variance. Defaults to `False`.
        name: Defaults to `'RMSprop'`.
        **kwargs: as `SGD`.
    """

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7,
                 centered=False, name="RMSprop", **kwargs):
        if not self._legacy:
            kwargs.setdefault("ema_overwrite_frequency", 100)  # tf-keras's default here
        super().__init__(name, learning_rate=learning_rate, **kwargs)
        self.rho = float(rho)
        self.momentum = float(momentum)
        self.epsilon = float(epsilon or _config.epsilon())
        self.centered = bool(centered)

    def _slot_groups(self):
        names = ("rms", "momentum", "mg") if self._legacy else \
            ("velocity", "momentum", "average_gradient")
        groups = [[(names[0], "square_avg", 1)]]
        if self.momentum > 0:
            groups.append([(names[1], "momentum_buffer", 1)])
        if self.centered:
            groups.append([(names[2], "grad_avg", 1)])
        return groups

    def _make_torch_optimizer(self, params):
        return _RMSpropKernel(params, alpha=self.rho, eps=self.epsilon,
                              momentum=self.momentum, centered=self.centered,
                              eps_inside=True)

    def _apply_hyper(self, group, lr, t, grads):
        group.update(lr=lr, alpha=self.rho, eps=self.epsilon, momentum=self.momentum,
                     centered=self.centered,
                     eps_inside=not self._legacy or self.momentum > 0)

    def get_config(self):
        config = super().get_config()
        config.update({"rho": self.rho, "momentum": self.momentum,
                       "epsilon": self.epsilon, "centered": self.centered})
        return config


RMSProp = RMSprop


# ======================================================================== Adagrad

class _AdagradKernel(_ForeachOptimizer):
    """`acc += g^2; w -= lr * g / sqrt(acc + eps)` (`eps_inside`) or
    `lr * g / (sqrt(acc) + eps)`."""

    def _keys(self, group):
        return ["sum"]

    def _initial(self, p, key, group):
        return torch.full_like(p, group["initial_accumulator_value"],
                               memory_format=torch.preserve_format)

    def _update(self, group, params, grads, acc):
        torch._foreach_addcmul_(acc, grads, grads, value=1.0)
        if group["eps_inside"]:
            denom = torch._foreach_add(acc, group["eps"])
            torch._foreach_sqrt_(denom)
        else:
            denom = torch._foreach_sqrt(acc)
            torch._foreach_add_(denom, group["eps"])
        torch._foreach_addcdiv_(params, grads, denom, value=-group["lr"])


class Adagrad(Optimizer):
    """Adagrad (Keras 2): `acc += g^2; w -= lr * g / sqrt(acc + epsilon)` (legacy:
    `lr * g / (sqrt(acc) + epsilon)`).

    Args:
        learning_rate: Defaults to `0.001`.
        initial_accumulator_value: Starting value of the accumulators. Defaults to `0.1`.
        epsilon: Defaults to `1e-7`.
        name: Defaults to `'Adagrad'`.
        **kwargs: as `SGD`.
    """

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
                 name="Adagrad", **kwargs):
        if initial_accumulator_value < 0.0:
            raise ValueError(
                f"initial_accumulator_value must be non-negative: {initial_accumulator_value}"
            )
        super().__init__(name, learning_rate=learning_rate, **kwargs)
        self.initial_accumulator_value = float(initial_accumulator_value)
        self.epsilon = float(epsilon or _config.epsilon())

    def _slot_groups(self):
        return [[("accumulator", "sum", 1)]]

    def _make_torch_optimizer(self, params):
        return _AdagradKernel(params, eps=self.epsilon, eps_inside=not self._legacy,
                              initial_accumulator_value=self.initial_accumulator_value)

    def _apply_hyper(self, group, lr, t, grads):
        group.update(lr=lr, eps=self.epsilon, eps_inside=not self._legacy)

    def _initial_slot(self, key, p):
        return torch.full_like(p, self.initial_accumulator_value)

    def get_config(self):
        config = super().get_config()
        config.update({"initial_accumulator_value": self.initial_accumulator_value,
                       "epsilon": self.epsilon})
        return config


# ======================================================================= Adadelta

class Adadelta(Optimizer):
    """Adadelta (Keras 2; same update in tf-keras's current and legacy Adadelta).

    `acc = rho*acc + (1-rho)*g^2; u = g * sqrt(acc_u + eps) / sqrt(acc + eps);
    acc_u = rho*acc_u + (1-rho)*u^2; w -= lr * u`.

    Args:
        learning_rate: Defaults to `0.001` (tf.keras; standalone Keras 2.2 used 1.0).
        rho: Decay rate. Defaults to `0.95`.
        epsilon: Defaults to `1e-7`.
        name: Defaults to `'Adadelta'`.
        **kwargs: as `SGD`.
    """

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, name="Adadelta",
                 **kwargs):
        super().__init__(name, learning_rate=learning_rate, **kwargs)
        self.rho = float(rho)
        self.epsilon = float(epsilon or _config.epsilon())

    def _slot_groups(self):
        if self._legacy:
            return [[("accum_grad", "square_avg", 1), ("accum_var", "acc_delta", 1)]]
        return [[("accumulated_grad", "square_avg", 1),
                 ("accumulated_delta_var", "acc_delta", 1)]]

    def _make_torch_optimizer(self, params):
        return torch.optim.Adadelta(params, lr=0.001, rho=self.rho, eps=self.epsilon,
                                    foreach=True)

    def _apply_hyper(self, group, lr, t, grads):
        group.update(lr=lr, rho=self.rho, eps=self.epsilon)

    def _fresh_state(self, p, force=False):
        if not force:
            return None
        return {"step": _step_tensor(self._iterations), "square_avg": torch.zeros_like(p),
                "acc_delta": torch.zeros_like(p)}

    def get_config(self):
        config = super().get_config()
        config.update({"rho": self.rho, "epsilon": self.epsilon})
        return config


# =========================================================================== Adam

class Adam(Optimizer):
    """Adam (Keras 2; same update in tf-keras's current and legacy Adam).

    `m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2;
    w -= lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + epsilon)`
    (with `amsgrad`, `max` of all `v` so far replaces `v` in the denominator; with
    `adaptive_epsilon`, `epsilon * sqrt(1 - b2^t)` replaces `epsilon`).

    Args:
        learning_rate: Defaults to `0.001`.
        beta_1: Defaults to `0.9`.
        beta_2: Defaults to `0.999`.
        epsilon: Defaults to `1e-7`.
        adaptive_epsilon: Defaults to `False` (current class only).
        amsgrad: Defaults to `False`.
        name: Defaults to `'Adam'`.
        **kwargs: as `SGD`.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 adaptive_epsilon=False, amsgrad=False, name="Adam", **kwargs):
        super().__init__(name, learning_rate=learning_rate, **kwargs)
        self.beta_1 = float(beta_1)
        self.beta_2 = float(beta_2)
        self.epsilon = float(epsilon or _config.epsilon())
        self.adaptive_epsilon = bool(adaptive_epsilon)
        self.amsgrad = bool(amsgrad)

    def _slot_groups(self):
        groups = [[("m", "exp_avg", 1), ("v", "exp_avg_sq", 1)]]
        if self.amsgrad:
            groups.append([("vhat", "max_exp_avg_sq", 1)])
        return groups

    def _make_torch_optimizer(self, params):
        return torch.optim.Adam(params, lr=0.001, betas=(self.beta_1, self.beta_2),
                                eps=self.epsilon, amsgrad=self.amsgrad, foreach=True)

    def _apply_hyper(self, group, lr, t, grads):
        group["lr"] = lr
        group["betas"] = (self.beta_1, self.beta_2)
        if self.adaptive_epsilon:
            # Keras: sqrt(v) + eps * sqrt(1 - b2^t), i.e. torch's own formula.
            group["eps"] = self.epsilon
        else:
            # Keras: sqrt(v) + eps with the bias correction folded into the step size;
            # torch: sqrt(v) / sqrt(1 - b2^t) + eps'. Equal for eps' = eps / sqrt(1 - b2^t).
            group["eps"] = self.epsilon / math.sqrt(1.0 - self.beta_2 ** t)

    def _fresh_state(self, p, force=False):
        st = {"step": _step_tensor(self._iterations),
              "exp_avg": torch.zeros_like(p, memory_format=torch.preserve_format),
              "exp_avg_sq": torch.zeros_like(p, memory_format=torch.preserve_format)}
        if self.amsgrad:
            st["max_exp_avg_sq"] = torch.zeros_like(p, memory_format=torch.preserve_format)
        return st

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2,
                       "epsilon": self.epsilon, "amsgrad": self.amsgrad})
        if self.adaptive_epsilon:  # tf-keras 2.21 leaves it out of its config
            config["adaptive_epsilon"] = True
        return config


class AdamW(Adam):
    """Adam with decoupled weight decay (tf-keras 2.21 `keras.optimizers.AdamW`):
    `w -= w * weight_decay * lr` before each Adam update.

    Args:
        learning_rate: Defaults to `0.001`.
        weight_decay: Defaults to `0.004`.
        beta_1, beta_2, epsilon, amsgrad: as `Adam`.
        name: Defaults to `'AdamW'`.
        **kwargs: as `SGD`.
    """

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, amsgrad=False, name="AdamW", **kwargs):
        if weight_decay is None:
            raise ValueError("Missing value of `weight_decay` which is required and must "
                             "be a float value.")
        super().__init__(learning_rate, beta_1, beta_2, epsilon, amsgrad=amsgrad, name=name,
                         weight_decay=weight_decay, **kwargs)


# ========================================================================= Adamax

class _AdamaxKernel(_ForeachOptimizer):
    """`m = b1*m + (1-b1)*g; u = max(b2*u, |g|); w -= lr / (1 - b1^t) * m / (u + eps)`."""

    def _keys(self, group):
        return ["exp_avg", "exp_inf"]

    def _update(self, group, params, grads, m, u):
        b1, b2 = group["betas"]
        torch._foreach_lerp_(m, grads, 1.0 - b1)
        torch._foreach_mul_(u, b2)
        denom = torch._foreach_abs(grads)
        torch._foreach_maximum_(u, denom)
        torch._foreach_maximum_(denom, u)  # = u (>= |g|): reuses the buffer for u + eps
        torch._foreach_add_(denom, group["eps"])
        torch._foreach_addcdiv_(params, m, denom, value=-group["lr"] / (1.0 - b1 ** group["t"]))


class Adamax(Optimizer):
    """Adamax (Keras 2; same update in tf-keras's current and legacy Adamax): Adam with
    the infinity norm.

    `m = b1*m + (1-b1)*g; u = max(b2*u, |g|); w -= lr / (1 - b1^t) * m / (u + epsilon)`.

    Args:
        learning_rate: Defaults to `0.001`.
        beta_1: Defaults to `0.9`.
        beta_2: Defaults to `0.999`.
        epsilon: Defaults to `1e-7`.
        name: Defaults to `'Adamax'`.
        **kwargs: as `SGD`.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 name="Adamax", **kwargs):
        super().__init__(name, learning_rate=learning_rate, **kwargs)
        self.beta_1 = float(beta_1)
        self.beta_2 = float(beta_2)
        self.epsilon = float(epsilon or _config.epsilon())

    def _slot_groups(self):
        return [[("m", "exp_avg", 1), ("v" if self._legacy else "u", "exp_inf", 1)]]

    def _make_torch_optimizer(self, params):
        return _AdamaxKernel(params, betas=(self.beta_1, self.beta_2), eps=self.epsilon)

    def _apply_hyper(self, group, lr, t, grads):
        group.update(lr=lr, t=t, betas=(self.beta_1, self.beta_2), eps=self.epsilon)

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2,
                       "epsilon": self.epsilon})
        return config


# ========================================================================== Nadam

class Nadam(Optimizer):
    """Nesterov Adam (Keras 2) with the momentum schedule
    `mu_t = beta_1 * (1 - 0.5 * 0.96 ** t)` (tf-keras 2.21).

    The legacy class (and this one when given Keras 2.0-2.2's `schedule_decay`) uses
    `0.96 ** (schedule_decay * t)`, default `schedule_decay=0.004`.

    tkeras follows this schedule exactly, as tf-keras does when run eagerly. Inside
    tf-keras's compiled `fit` step the product is multiplied once per variable (a
    trace-time counter), so tf-keras's graph-mode numbers depend on the number of
    variables and differ from the documented schedule; tkeras does not copy that.

    Args:
        learning_rate: Defaults to `0.001` (tf.keras; standalone Keras 2.2 used 0.002).
        beta_1: Defaults to `0.9`.
        beta_2: Defaults to `0.999`.
        epsilon: Defaults to `1e-7`.
        name: Defaults to `'Nadam'`.
        **kwargs: as `SGD`, and `schedule_decay`.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 name="Nadam", **kwargs):
        schedule_decay = kwargs.pop("schedule_decay", None)
        super().__init__(name, learning_rate=learning_rate, **kwargs)
        self.schedule_decay = None if schedule_decay is None else float(schedule_decay)
        self.beta_1 = float(beta_1)
        self.beta_2 = float(beta_2)
        self.epsilon = float(epsilon or _config.epsilon())

    @property
    def _momentum_decay(self):
        return 1.0 if self.schedule_decay is None else self.schedule_decay

    def _slot_groups(self):
        return [[("m", "exp_avg", 1), ("v", "exp_avg_sq", 1)]]

    def _make_torch_optimizer(self, params):
        return torch.optim.NAdam(params, lr=0.001, betas=(self.beta_1, self.beta_2),
                                 eps=self.epsilon, momentum_decay=self._momentum_decay,
                                 foreach=True)

    def _apply_hyper(self, group, lr, t, grads):
        group.update(lr=lr, betas=(self.beta_1, self.beta_2), eps=self.epsilon,
                     momentum_decay=self._momentum_decay)

    def _momentum_cache(self):
        """Keras's `u_product` / `momentum_cache`: prod of mu_i for i = 1..iterations.

        Once `0.5 * 0.96 ** (i * decay)` no longer changes `1 - ...` in float64, every
        later factor is exactly `beta_1`: the rest is one power, so a file's huge step
        count costs no long loop (the product has usually underflowed to 0 long before).
        """
        prod, n = 1.0, self._iterations
        for i in range(1, n + 1):
            term = 0.5 * 0.96 ** (i * self._momentum_decay)
            if 1.0 - term == 1.0:
                return prod * self.beta_1 ** (n - i + 1)
            prod *= self.beta_1 * (1.0 - term)
            if prod == 0.0:
                return 0.0
        return prod

    def _fresh_state(self, p, force=False):
        return {"step": _step_tensor(self._iterations),
                "mu_product": torch.tensor(self._momentum_cache(), dtype=_scalar_dtype()),
                "exp_avg": torch.zeros_like(p, memory_format=torch.preserve_format),
                "exp_avg_sq": torch.zeros_like(p, memory_format=torch.preserve_format)}

    def set_weights(self, weights):
        super().set_weights(weights)
        # tf-keras does not save the product; it follows from `iterations`.
        opt = self._torch_opt
        if opt is not None:
            cache = self._momentum_cache()
            for p in self._params:
                st = opt.state.get(p)
                if st and "mu_product" in st:
                    st["mu_product"] = torch.tensor(cache, dtype=_scalar_dtype())

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2,
                       "epsilon": self.epsilon})
        if self.schedule_decay is not None:
            config["schedule_decay"] = self.schedule_decay
        return config


# Keras 2.0-2.2 module-level aliases.
sgd = SGD
rmsprop = RMSprop
adagrad = Adagrad
adadelta = Adadelta
adam = Adam
adamax = Adamax
nadam = Nadam


# ---------------------------------------------------------- get / (de)serialization

from tkeras.optimizers import legacy  # noqa: E402  (needs the classes above)
from tkeras.optimizers import schedules  # noqa: E402

_CURRENT = {c.__name__: c for c in (SGD, RMSprop, Adagrad, Adadelta, Adam, AdamW, Adamax,
                                    Nadam)}
_LEGACY = {c.__name__: c for c in (legacy.SGD, legacy.RMSprop, legacy.Adagrad,
                                   legacy.Adadelta, legacy.Adam, legacy.Adamax,
                                   legacy.Nadam)}


def serialize(optimizer):
    """`{'class_name': 'Adam', 'config': {...}}`."""
    return serialize_keras_object(optimizer)


def deserialize(config, custom_objects=None, use_legacy_optimizer=False):
    """Inverse of `serialize`, as tf-keras 2.21: a non-empty config gives the legacy
    class unless it says `"is_legacy_optimizer": False` (configs of Keras <= 2.10 and of
    legacy optimizers have no such key); an empty one gives the current class (the
    legacy one with `use_legacy_optimizer=True`). Class names are case-insensitive
    (`'adam'`, `'Adam'`); tf.keras 2.11+'s `'Custom>Adam'` is read as `'Adam'`."""
    table = _CURRENT
    if isinstance(config, dict) and str(config.get("class_name", "")).startswith(
            "LossScaleOptimizer"):
        # tf-keras 2.21 writes 'LossScaleOptimizerV3' (current inner optimizer) or
        # 'LossScaleOptimizer' (legacy inner); both carry the inner optimizer's config.
        from tkeras.mixed_precision import LossScaleOptimizer

        return LossScaleOptimizer.from_config(config.get("config") or {},
                                              custom_objects=custom_objects)
    if isinstance(config, dict) and "class_name" in config:
        inner = config.get("config") or {}
        if inner.get("is_legacy_optimizer", True) if inner else use_legacy_optimizer:
            table = _LEGACY
        name = str(config["class_name"])
        if name.startswith("Custom>"):
            name = name[len("Custom>"):]
        lowered = {k.lower(): k for k in table}
        if name.lower().startswith("experimental") and name.lower()[12:] in lowered:
            name = name[12:]  # tf-keras 2.9-2.10's `experimental.Adam`: the current class
            table = _CURRENT
        if name.lower() in lowered and not (custom_objects and name in custom_objects):
            name = lowered[name.lower()]
        elif table is _LEGACY and name in _CURRENT:  # AdamW has no legacy class
            table = _CURRENT
        config = {"class_name": name, "config": inner}
    return deserialize_keras_object(
        config, module_objects=table, custom_objects=custom_objects,
        printable_module_name="optimizer",
    )


def get(identifier):
    """Resolves an optimizer: an `Optimizer` instance, a name (`'sgd'`, `'adam'`,
    `'RMSprop'`, case-insensitive: the current class) or a `{'class_name', 'config'}`
    dict (see `deserialize`). Unknown names raise `ValueError` listing the valid ones."""
    if isinstance(identifier, Optimizer):
        return identifier
    from tkeras.mixed_precision import LossScaleOptimizer

    if isinstance(identifier, LossScaleOptimizer):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return deserialize({"class_name": identifier, "config": {}})
    raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}")
