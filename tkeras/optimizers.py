"""Keras 2 optimizers backed by `torch.optim` (foreach multi-tensor implementations).

Each class takes Keras 2 arguments and defaults (those of tf.keras 2.x's legacy
optimizers, which keep the Keras 2 math): `learning_rate` (or its Keras 2.2 spelling
`lr`), `decay` (`lr_t = lr / (1 + decay * iterations)`), `clipnorm` (each gradient
clipped to that L2 norm), `global_clipnorm`, `clipvalue` and `name`.

The updates are Keras's, not torch's, wherever the two differ:

* SGD with momentum keeps Keras's velocity `v = momentum * v - lr * g` (torch's buffer
  leaves the learning rate out, which matters as soon as the rate changes).
* Adam uses Keras's `lr * sqrt(1 - beta_2^t) / (1 - beta_1^t) * m / (sqrt(v) + eps)`;
  torch adds `eps` to the bias-corrected `sqrt(v / (1 - beta_2^t))`, so tkeras hands
  torch `eps / sqrt(1 - beta_2^t)` each step (same formula, exactly).
* RMSprop with `momentum > 0` puts `epsilon` inside the square root, as Keras's
  `ResourceApplyRMSProp` does (`mom = momentum * mom + lr * g / sqrt(ms + eps)`); torch
  cannot, so that configuration runs a small foreach implementation of the Keras rule.

How the engine drives an optimizer:

* `opt._attach(params)`: (re)creates the torch optimizer for the trainable parameters,
  keeping the state of parameters it already knew (a re-`compile`).
* `opt._step()`: after `loss.backward()`: clips the gradients, sets the learning rate
  (with `decay`), steps, increments `opt.iterations` (a Python int: no host sync).
* `opt._zero_grad()`: sets the gradients to `None`.

`opt.learning_rate` (alias `opt.lr`) is a 0-d float32 CPU tensor, so
`K.set_value(opt.lr, 0.01)`, `K.get_value(opt.lr)` and `opt.lr = 0.01` all work; it is
read with `float()` (no device sync) at every step.

Remaining numeric differences to Keras (measured on 3 steps of fixed gradients against
tf-keras 2.21's legacy optimizers in float32 -- every optimizer agrees to 1.2e-7, i.e.
float32 rounding -- and against a float64 NumPy version of the Keras rules):

* Adamax: torch keeps `u = max(beta_2 * u, |g| + eps)` where Keras keeps
  `u = max(beta_2 * u, |g|)` and divides by `u + eps`; the denominators differ by at
  most `(1 - beta_2) * eps` (1e-10) per step. Measured in float64: 3.3e-9.
* Nadam: torch keeps the momentum-schedule product in a float32 scalar tensor
  (relative 6e-8). Measured in float64: 1.8e-10; invisible in float32.
* A parameter that receives no gradient on some step: torch counts steps per
  parameter for the bias corrections of Adam / Adamax / Nadam, Keras uses the global
  `iterations`. Identical whenever every parameter gets a gradient at every step.
* Hyperparameters other than the learning rate (`beta_1`, `rho`, ...) are used in
  double precision; Keras rounds them to float32 first (relative effect ~1e-8).

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
    "Optimizer", "SGD", "RMSprop", "Adagrad", "Adadelta", "Adam", "Adamax", "Nadam",
    "get", "serialize", "deserialize",
]

_ALLOWED_KWARGS = ("clipnorm", "clipvalue", "lr", "decay", "global_clipnorm")

# Keys that tf.keras 2.11+ (non-legacy) optimizer configs carry; accepted on load.
_NEW_OPTIMIZER_KEYS = ("weight_decay", "use_ema", "ema_momentum", "ema_overwrite_frequency",
                       "jit_compile", "is_legacy_optimizer")


def _scalar_dtype():
    return torch.float64 if torch.get_default_dtype() == torch.float64 else torch.float32


def _step_tensor(t):
    return torch.tensor(float(t), dtype=_scalar_dtype())


class Optimizer:
    """Base class of the Keras 2 optimizers.

    Subclasses declare `_slots` (Keras slot name -> torch state key, in Keras's weight
    order), build their torch optimizer in `_make_torch_optimizer` and set the
    per-step hyperparameters of the param group in `_apply_hyper`.
    """

    _slots = ()

    def __init__(self, name, learning_rate=0.01, **kwargs):
        for k, v in kwargs.items():
            if k not in _ALLOWED_KWARGS:
                raise TypeError(
                    f"Unexpected keyword argument passed to optimizer: {k}. "
                    f"Allowed kwargs are {set(_ALLOWED_KWARGS)}."
                )
            if v is not None and not callable(v) and v < 0:
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
            if self.clipvalue is not None or self.clipnorm is not None \
                    or self.global_clipnorm is not None or self._needs_grads():
                grads = [p.grad for p in self._params if p.grad is not None]
            else:
                grads = None
            if grads is not None and grads:
                self._clip(grads)
            lr = self._current_lr()
            t = self._iterations + 1
            for group in opt.param_groups:
                self._apply_hyper(group, lr, t, grads)
            opt.step()
        self._iterations += 1

    def _zero_grad(self):
        for p in self._params:
            p.grad = None

    def _clip(self, grads):
        # tf.keras order: clipvalue, then clipnorm (per tensor), then global_clipnorm.
        if self.clipvalue is not None:
            v = float(self.clipvalue)
            torch._foreach_clamp_min_(grads, -v)
            torch._foreach_clamp_max_(grads, v)
        if self.clipnorm is not None:
            # tf.clip_by_norm: g * clipnorm / max(||g||, clipnorm)
            c = float(self.clipnorm)
            norms = torch._foreach_norm(grads)
            torch._foreach_clamp_min_(norms, c)
            scales = torch._foreach_reciprocal(norms)
            torch._foreach_mul_(scales, c)
            torch._foreach_mul_(grads, scales)
        if self.global_clipnorm is not None:
            # tf.clip_by_global_norm: g * clipnorm / max(global_norm, clipnorm)
            c = float(self.global_clipnorm)
            device = grads[0].device
            norms = [n.to(device) for n in torch._foreach_norm(grads)]
            total = torch.linalg.vector_norm(torch.stack(norms))
            scale = c / torch.clamp(total, min=c)
            for dev in {g.device for g in grads}:
                group = [g for g in grads if g.device == dev]
                torch._foreach_mul_(group, scale.to(dev))

    # ---------------------------------------------------- per-optimizer pieces

    def _make_torch_optimizer(self, params):
        raise NotImplementedError

    def _apply_hyper(self, group, lr, t, grads):
        group["lr"] = lr

    def _needs_grads(self):
        return False

    def _fresh_state(self, p, force=False):
        """Complete torch state for a parameter that has none yet. Returning None (only
        allowed when not `force`) lets torch initialize it lazily: fine for the
        optimizers whose update does not depend on the step count."""
        return None

    # ------------------------------------------------------------------ weights

    def _slot_keys(self):
        return list(self._slots)

    def get_weights(self):
        """`[iterations] + [slot values of every parameter]` as NumPy arrays, slot-major
        in tf.keras's order (e.g. Adam: all `m`, then all `v`)."""
        weights = [np.array(self._iterations, dtype=np.int64)]
        opt = self._torch_opt
        for key, sign in self._slot_keys():
            for p in self._params:
                st = opt.state.get(p) if opt is not None else None
                value = st.get(key) if st else None
                if value is None:
                    value = self._initial_slot(key, p)
                arr = value.detach().cpu().numpy()
                weights.append(-arr if sign < 0 else arr.copy())
        return weights

    def set_weights(self, weights):
        """Inverse of `get_weights` (the optimizer must be attached to its parameters)."""
        expected = 1 + len(self._slot_keys()) * len(self._params)
        if len(weights) != expected:
            raise ValueError(
                f"You called `set_weights(weights)` on optimizer {self._name} with a "
                f"weight list of length {len(weights)}, but the optimizer was expecting "
                f"{expected} weights. Provided weights: {str(weights)[:50]}..."
            )
        slots = self._slot_keys()
        opt = self._torch_opt
        arrays = [np.asarray(w) for w in weights[1:]]
        for i, (key, _) in enumerate(slots):
            for j, p in enumerate(self._params):
                a = arrays[i * len(self._params) + j]
                if tuple(a.shape) != tuple(p.shape):
                    raise ValueError(
                        f"Optimizer weight shape {tuple(a.shape)} for slot '{key}' is not "
                        f"compatible with parameter shape {tuple(p.shape)}."
                    )
        self._iterations = int(np.asarray(weights[0]))
        if opt is None:
            return
        with torch.no_grad():
            for i, (key, sign) in enumerate(slots):
                for j, p in enumerate(self._params):
                    st = opt.state.get(p)
                    if not st:
                        st = self._fresh_state(p, force=True)
                        opt.state[p] = st
                    a = arrays[i * len(self._params) + j]
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
        config = {"name": self._name}
        if self.clipnorm is not None:
            config["clipnorm"] = self.clipnorm
        if self.clipvalue is not None:
            config["clipvalue"] = self.clipvalue
        if self.global_clipnorm is not None:
            config["global_clipnorm"] = self.global_clipnorm
        if self._schedule is not None and hasattr(self._schedule, "get_config"):
            lr = serialize_keras_object(self._schedule)
        else:
            lr = float(self._learning_rate)
        config.update({"learning_rate": lr, "decay": float(self._initial_decay)})
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Accepts Keras 2.2 (`lr`), tf.keras legacy and tf.keras 2.11+ configs."""
        config = dict(config)
        if "lr" in config:
            config["learning_rate"] = config.pop("lr")
        if isinstance(config.get("learning_rate"), dict):
            raise ValueError(
                "Learning-rate schedules in optimizer configs are not supported by tkeras "
                f"yet. Received: learning_rate={config['learning_rate']!r}"
            )
        for key in _NEW_OPTIMIZER_KEYS:
            value = config.pop(key, None)
            if key == "weight_decay" and value:
                warnings.warn(f"tkeras ignores `weight_decay={value}` in the config of "
                              f"{cls.__name__}.", stacklevel=2)
            if key == "use_ema" and value:
                warnings.warn(f"tkeras ignores `use_ema=True` in the config of "
                              f"{cls.__name__}.", stacklevel=2)
        for key in ("clipnorm", "clipvalue", "global_clipnorm"):
            if key in config and config[key] is None:
                del config[key]
        return cls(**config)

    def __repr__(self):
        lr = float(self._learning_rate)
        return f"<{self.__class__.__name__} name={self._name!r} learning_rate={lr:g}>"


# ============================================================================ SGD

class SGD(Optimizer):
    """Gradient descent with momentum (Keras 2).

    `v = momentum * v - lr * g; w += v` (nesterov: `w += momentum * v - lr * g`).

    Args:
        learning_rate: Defaults to `0.01`.
        momentum: Float >= 0. Defaults to `0.0`.
        nesterov: Whether to apply Nesterov momentum. Defaults to `False`.
        name: Defaults to `'SGD'`.
        **kwargs: `lr`, `decay`, `clipnorm`, `clipvalue`, `global_clipnorm`.
    """

    _slots = (("momentum", -1),)

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, name="SGD", **kwargs):
        super().__init__(name, learning_rate=learning_rate, **kwargs)
        if isinstance(momentum, (int, float)) and not 0 <= momentum <= 1:
            raise ValueError(f"`momentum` must be between [0, 1]. Received: momentum={momentum}")
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)

    def _slot_keys(self):
        return [("momentum_buffer", -1)] if self.momentum else []

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

class _KerasRMSpropMomentum(torch.optim.Optimizer):
    """Keras's RMSprop with momentum (`ResourceApply[Centered]RMSProp`), foreach:
    `ms = rho*ms + (1-rho)*g^2; [mg = rho*mg + (1-rho)*g; ms_c = ms - mg^2];
    mom = momentum*mom + lr*g/sqrt(ms_c + eps); w -= mom`."""

    def __init__(self, params, lr, rho, momentum, eps, centered):
        super().__init__(params, dict(lr=lr, alpha=rho, momentum=momentum, eps=eps,
                                      centered=centered))

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            params, grads, sq, ga, mom = [], [], [], [], []
            for p in group["params"]:
                if p.grad is None:
                    continue
                st = self.state[p]
                if not st:
                    st["step"] = _step_tensor(0)
                    st["square_avg"] = torch.zeros_like(p)
                    st["momentum_buffer"] = torch.zeros_like(p)
                    if group["centered"]:
                        st["grad_avg"] = torch.zeros_like(p)
                if group["centered"] and "grad_avg" not in st:
                    st["grad_avg"] = torch.zeros_like(p)
                st["step"] += 1
                params.append(p)
                grads.append(p.grad)
                sq.append(st["square_avg"])
                mom.append(st["momentum_buffer"])
                if group["centered"]:
                    ga.append(st["grad_avg"])
            if not params:
                continue
            rho, eps = group["alpha"], group["eps"]
            torch._foreach_mul_(sq, rho)
            torch._foreach_addcmul_(sq, grads, grads, value=1.0 - rho)
            if group["centered"]:
                torch._foreach_lerp_(ga, grads, 1.0 - rho)
                denom = torch._foreach_addcmul(sq, ga, ga, value=-1.0)
                torch._foreach_add_(denom, eps)
            else:
                denom = torch._foreach_add(sq, eps)
            torch._foreach_sqrt_(denom)
            torch._foreach_mul_(mom, group["momentum"])
            torch._foreach_addcdiv_(mom, grads, denom, value=group["lr"])
            torch._foreach_sub_(params, mom)


class RMSprop(Optimizer):
    """RMSprop (Keras 2).

    `ms = rho * ms + (1 - rho) * g^2; w -= lr * g / (sqrt(ms) + epsilon)`; with
    `centered`, `ms - mg^2` replaces `ms`; with `momentum > 0`,
    `mom = momentum * mom + lr * g / sqrt(ms + epsilon); w -= mom` (as Keras).

    Args:
        learning_rate: Defaults to `0.001`.
        rho: Discounting factor of the squared-gradient average. Defaults to `0.9`.
        momentum: Defaults to `0.0`.
        epsilon: Defaults to `1e-7`.
        centered: Normalize by the estimated gradient variance. Defaults to `False`.
        name: Defaults to `'RMSprop'`.
        **kwargs: `lr`, `decay`, `clipnorm`, `clipvalue`, `global_clipnorm`.
    """

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7,
                 centered=False, name="RMSprop", **kwargs):
        super().__init__(name, learning_rate=learning_rate, **kwargs)
        self.rho = float(rho)
        self.momentum = float(momentum)
        self.epsilon = float(epsilon or _config.epsilon())
        self.centered = bool(centered)

    def _slot_keys(self):
        keys = [("square_avg", 1)]
        if self.momentum > 0:
            keys.append(("momentum_buffer", 1))
        if self.centered:
            keys.append(("grad_avg", 1))
        return keys

    def _make_torch_optimizer(self, params):
        if self.momentum > 0:
            return _KerasRMSpropMomentum(params, lr=0.001, rho=self.rho,
                                         momentum=self.momentum, eps=self.epsilon,
                                         centered=self.centered)
        return torch.optim.RMSprop(params, lr=0.001, alpha=self.rho, eps=self.epsilon,
                                   centered=self.centered, momentum=0.0, foreach=True)

    def _apply_hyper(self, group, lr, t, grads):
        group["lr"] = lr
        group["alpha"] = self.rho
        group["eps"] = self.epsilon
        if isinstance(self._torch_opt, _KerasRMSpropMomentum):
            group["momentum"] = self.momentum

    def _fresh_state(self, p, force=False):
        if not force:
            return None
        st = {"step": _step_tensor(self._iterations), "square_avg": torch.zeros_like(p)}
        if self.momentum > 0:
            st["momentum_buffer"] = torch.zeros_like(p)
        if self.centered:
            st["grad_avg"] = torch.zeros_like(p)
        return st

    def get_config(self):
        config = super().get_config()
        config.update({"rho": self.rho, "momentum": self.momentum,
                       "epsilon": self.epsilon, "centered": self.centered})
        return config


RMSProp = RMSprop


# ======================================================================== Adagrad

class Adagrad(Optimizer):
    """Adagrad (Keras 2 / tf.keras): `acc += g^2; w -= lr * g / (sqrt(acc) + epsilon)`.

    Args:
        learning_rate: Defaults to `0.001`.
        initial_accumulator_value: Starting value of the accumulators. Defaults to `0.1`.
        epsilon: Defaults to `1e-7`.
        name: Defaults to `'Adagrad'`.
        **kwargs: `lr`, `decay`, `clipnorm`, `clipvalue`, `global_clipnorm`.
    """

    _slots = (("sum", 1),)

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
                 name="Adagrad", **kwargs):
        if initial_accumulator_value < 0.0:
            raise ValueError(
                f"initial_accumulator_value must be non-negative: {initial_accumulator_value}"
            )
        super().__init__(name, learning_rate=learning_rate, **kwargs)
        self.initial_accumulator_value = float(initial_accumulator_value)
        self.epsilon = float(epsilon or _config.epsilon())

    def _make_torch_optimizer(self, params):
        return torch.optim.Adagrad(params, lr=0.001, lr_decay=0.0,
                                   initial_accumulator_value=self.initial_accumulator_value,
                                   eps=self.epsilon, foreach=True)

    def _apply_hyper(self, group, lr, t, grads):
        group["lr"] = lr
        group["eps"] = self.epsilon

    def _initial_slot(self, key, p):
        return torch.full_like(p, self.initial_accumulator_value)

    def _fresh_state(self, p, force=False):
        return {"step": _step_tensor(self._iterations),
                "sum": torch.full_like(p, self.initial_accumulator_value)}

    def get_config(self):
        config = super().get_config()
        config.update({"initial_accumulator_value": self.initial_accumulator_value,
                       "epsilon": self.epsilon})
        return config


# ======================================================================= Adadelta

class Adadelta(Optimizer):
    """Adadelta (Keras 2 / tf.keras).

    `acc = rho*acc + (1-rho)*g^2; u = g * sqrt(acc_u + eps) / sqrt(acc + eps);
    acc_u = rho*acc_u + (1-rho)*u^2; w -= lr * u`.

    Args:
        learning_rate: Defaults to `0.001` (tf.keras; standalone Keras 2.2 used 1.0).
        rho: Decay rate. Defaults to `0.95`.
        epsilon: Defaults to `1e-7`.
        name: Defaults to `'Adadelta'`.
        **kwargs: `lr`, `decay`, `clipnorm`, `clipvalue`, `global_clipnorm`.
    """

    _slots = (("square_avg", 1), ("acc_delta", 1))

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, name="Adadelta",
                 **kwargs):
        super().__init__(name, learning_rate=learning_rate, **kwargs)
        self.rho = float(rho)
        self.epsilon = float(epsilon or _config.epsilon())

    def _make_torch_optimizer(self, params):
        return torch.optim.Adadelta(params, lr=0.001, rho=self.rho, eps=self.epsilon,
                                    foreach=True)

    def _apply_hyper(self, group, lr, t, grads):
        group["lr"] = lr
        group["rho"] = self.rho
        group["eps"] = self.epsilon

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
    """Adam (Keras 2 / tf.keras).

    `m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2;
    w -= lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + epsilon)`
    (with `amsgrad`, `max` of all `v` so far replaces `v` in the denominator).

    Args:
        learning_rate: Defaults to `0.001`.
        beta_1: Defaults to `0.9`.
        beta_2: Defaults to `0.999`.
        epsilon: Defaults to `1e-7`.
        amsgrad: Defaults to `False`.
        name: Defaults to `'Adam'`.
        **kwargs: `lr`, `decay`, `clipnorm`, `clipvalue`, `global_clipnorm`.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, name="Adam", **kwargs):
        super().__init__(name, learning_rate=learning_rate, **kwargs)
        self.beta_1 = float(beta_1)
        self.beta_2 = float(beta_2)
        self.epsilon = float(epsilon or _config.epsilon())
        self.amsgrad = bool(amsgrad)

    def _slot_keys(self):
        keys = [("exp_avg", 1), ("exp_avg_sq", 1)]
        if self.amsgrad:
            keys.append(("max_exp_avg_sq", 1))
        return keys

    def _make_torch_optimizer(self, params):
        return torch.optim.Adam(params, lr=0.001, betas=(self.beta_1, self.beta_2),
                                eps=self.epsilon, amsgrad=self.amsgrad, foreach=True)

    def _apply_hyper(self, group, lr, t, grads):
        group["lr"] = lr
        group["betas"] = (self.beta_1, self.beta_2)
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
        return config


# ========================================================================= Adamax

class Adamax(Optimizer):
    """Adamax (Keras 2 / tf.keras): Adam with the infinity norm.

    `m = b1*m + (1-b1)*g; u = max(b2*u, |g|); w -= lr / (1 - b1^t) * m / (u + epsilon)`
    (torch folds `epsilon` into `u`; see the module notes, ~1e-10 difference).

    Args:
        learning_rate: Defaults to `0.001`.
        beta_1: Defaults to `0.9`.
        beta_2: Defaults to `0.999`.
        epsilon: Defaults to `1e-7`.
        name: Defaults to `'Adamax'`.
        **kwargs: `lr`, `decay`, `clipnorm`, `clipvalue`, `global_clipnorm`.
    """

    _slots = (("exp_avg", 1), ("exp_inf", 1))

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 name="Adamax", **kwargs):
        super().__init__(name, learning_rate=learning_rate, **kwargs)
        self.beta_1 = float(beta_1)
        self.beta_2 = float(beta_2)
        self.epsilon = float(epsilon or _config.epsilon())

    def _make_torch_optimizer(self, params):
        return torch.optim.Adamax(params, lr=0.001, betas=(self.beta_1, self.beta_2),
                                  eps=self.epsilon, foreach=True)

    def _apply_hyper(self, group, lr, t, grads):
        group["lr"] = lr
        group["betas"] = (self.beta_1, self.beta_2)
        group["eps"] = self.epsilon

    def _fresh_state(self, p, force=False):
        return {"step": _step_tensor(self._iterations),
                "exp_avg": torch.zeros_like(p, memory_format=torch.preserve_format),
                "exp_inf": torch.zeros_like(p, memory_format=torch.preserve_format)}

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2,
                       "epsilon": self.epsilon})
        return config


# ========================================================================== Nadam

class Nadam(Optimizer):
    """Nesterov Adam (Keras 2 / tf.keras), with Keras's momentum schedule
    `mu_t = beta_1 * (1 - 0.5 * 0.96 ** (schedule_decay * t))`.

    As tf.keras, the `decay` argument does not decay the learning rate: the config's
    `decay` entry is the momentum schedule (`schedule_decay`, default `0.004`).

    Args:
        learning_rate: Defaults to `0.001` (tf.keras; standalone Keras 2.2 used 0.002).
        beta_1: Defaults to `0.9`.
        beta_2: Defaults to `0.999`.
        epsilon: Defaults to `1e-7`.
        name: Defaults to `'Nadam'`.
        **kwargs: `lr`, `schedule_decay`, `clipnorm`, `clipvalue`, `global_clipnorm`.
    """

    _slots = (("exp_avg", 1), ("exp_avg_sq", 1))

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 name="Nadam", **kwargs):
        kwargs.pop("decay", None)
        schedule_decay = kwargs.pop("schedule_decay", 0.004)
        super().__init__(name, learning_rate=learning_rate, **kwargs)
        self.schedule_decay = float(schedule_decay)
        self._initial_decay = self.schedule_decay
        self.decay = 0.0  # no learning-rate decay, as tf.keras
        self.beta_1 = float(beta_1)
        self.beta_2 = float(beta_2)
        self.epsilon = float(epsilon or _config.epsilon())

    def _make_torch_optimizer(self, params):
        return torch.optim.NAdam(params, lr=0.001, betas=(self.beta_1, self.beta_2),
                                 eps=self.epsilon, momentum_decay=self.schedule_decay,
                                 foreach=True)

    def _apply_hyper(self, group, lr, t, grads):
        group["lr"] = lr
        group["betas"] = (self.beta_1, self.beta_2)
        group["eps"] = self.epsilon
        group["momentum_decay"] = self.schedule_decay

    def _momentum_cache(self):
        """Keras's global `momentum_cache`: prod of mu_i for i = 1..iterations."""
        prod = 1.0
        for i in range(1, self._iterations + 1):
            prod *= self.beta_1 * (1.0 - 0.5 * 0.96 ** (i * self.schedule_decay))
        return prod

    def _fresh_state(self, p, force=False):
        return {"step": _step_tensor(self._iterations),
                "mu_product": torch.tensor(self._momentum_cache(), dtype=_scalar_dtype()),
                "exp_avg": torch.zeros_like(p, memory_format=torch.preserve_format),
                "exp_avg_sq": torch.zeros_like(p, memory_format=torch.preserve_format)}

    def get_weights(self):
        # tf.keras: [iterations, momentum_cache] + m's + v's
        weights = super().get_weights()
        opt = self._torch_opt
        cache = self._momentum_cache()
        if opt is not None:
            for p in self._params:
                st = opt.state.get(p)
                if st and "mu_product" in st:
                    cache = float(st["mu_product"])
                    break
        return weights[:1] + [np.array(cache, dtype=np.float32)] + weights[1:]

    def set_weights(self, weights):
        weights = list(weights)
        if len(weights) < 2:
            return super().set_weights(weights)
        cache = float(np.asarray(weights.pop(1)))
        super().set_weights(weights)
        opt = self._torch_opt
        if opt is not None:
            for p in self._params:
                st = opt.state.get(p)
                if st is not None and "mu_product" in st:
                    st["mu_product"] = torch.tensor(cache, dtype=_scalar_dtype())

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2,
                       "epsilon": self.epsilon})
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        decay = config.pop("decay", None)  # tf.keras writes the schedule decay there
        if decay is not None and "schedule_decay" not in config:
            config["schedule_decay"] = decay
        return super().from_config(config, custom_objects)


# Keras 2.0-2.2 module-level aliases.
sgd = SGD
rmsprop = RMSprop
adagrad = Adagrad
adadelta = Adadelta
adam = Adam
adamax = Adamax
nadam = Nadam


# ---------------------------------------------------------- get / (de)serialization

_CLASSES = {
    "sgd": SGD, "rmsprop": RMSprop, "adagrad": Adagrad, "adadelta": Adadelta,
    "adam": Adam, "adamax": Adamax, "nadam": Nadam,
}
_OBJECTS = {
    "SGD": SGD, "RMSprop": RMSprop, "Adagrad": Adagrad, "Adadelta": Adadelta,
    "Adam": Adam, "Adamax": Adamax, "Nadam": Nadam,
}


def serialize(optimizer):
    """`{'class_name': 'Adam', 'config': {...}}`."""
    return serialize_keras_object(optimizer)


def deserialize(config, custom_objects=None):
    """Inverse of `serialize`. Class names are case-insensitive (`'adam'`, `'Adam'`);
    tf.keras 2.11+'s `'Custom>Adam'` is read as `'Adam'`."""
    if isinstance(config, dict) and "class_name" in config:
        name = str(config["class_name"])
        if name.startswith("Custom>"):
            name = name[len("Custom>"):]
        if name.lower() in _CLASSES and not (custom_objects and name in custom_objects):
            name = _CLASSES[name.lower()].__name__
        config = {"class_name": name, "config": config.get("config", {})}
    return deserialize_keras_object(
        config, module_objects=_OBJECTS, custom_objects=custom_objects,
        printable_module_name="optimizer",
    )


def get(identifier):
    """Resolves an optimizer: an `Optimizer` instance, a name (`'sgd'`, `'adam'`,
    `'RMSprop'`, case-insensitive) or a `{'class_name', 'config'}` dict. Unknown names
    raise `ValueError` listing the valid ones."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return deserialize({"class_name": identifier, "config": {}})
    raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}")
