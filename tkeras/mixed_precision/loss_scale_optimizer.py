"""`LossScaleOptimizer`: dynamic loss scaling for float16 training (tf.keras's class).

float16 gradients underflow to zero for small values. The loss is multiplied by a
large scale before `backward()`, and the gradients are divided by it before the
update. When a step produces inf/NaN gradients, the update is skipped and the scale
halved; after `dynamic_growth_steps` finite steps in a row, it doubles.
"""
import torch


class LossScaleOptimizer:
    """Wraps an optimizer with loss scaling. `compile` wraps the optimizer itself when
    the model runs under the `'mixed_float16'` policy.

    Args:
        inner_optimizer: the optimizer to wrap (an instance or a name).
        dynamic: whether the scale adapts. Defaults to `True`.
        initial_scale: starting scale. Defaults to `2 ** 15`; required with
            `dynamic=False`.
        dynamic_growth_steps: finite steps before the scale doubles. Defaults to 2000.

    In a custom `train_step`, `optimizer.minimize(loss)` scales for you; or scale by
    hand with `get_scaled_loss` / `get_unscaled_gradients`, as in tf.keras.
    """

    def __init__(self, inner_optimizer, dynamic=True, initial_scale=None,
                 dynamic_growth_steps=None):
        from tkeras import optimizers

        inner = optimizers.get(inner_optimizer)
        if isinstance(inner, LossScaleOptimizer):
            raise TypeError(
                "LossScaleOptimizer cannot wrap another LossScaleOptimizer. Received: "
                f"inner_optimizer={inner_optimizer!r}")
        if not isinstance(dynamic, bool):
            raise TypeError(f'"dynamic" argument to LossScaleOptimizer.__init__ must be a '
                            f'bool, but got: {dynamic!r}')
        if not dynamic and initial_scale is None:
            raise ValueError('"initial_scale" must be specified if "dynamic" is False')
        if not dynamic and dynamic_growth_steps is not None:
            raise ValueError('"dynamic_growth_steps" must be None if "dynamic" is False, '
                             f'but got: {dynamic_growth_steps}')
        self.__dict__["_inner"] = inner
        self._dynamic = dynamic
        self._scale = float(initial_scale if initial_scale is not None else 2.0 ** 15)
        if self._scale <= 0:
            raise ValueError(f"initial_scale must be positive. Received: {initial_scale}")
        self._growth_steps = int(dynamic_growth_steps or 2000)
        self._good_steps = 0
        self._skipped = 0

    # Everything else (learning_rate, iterations, get_weights, ...) is the inner one's.
    def __getattr__(self, name):
        return getattr(self.__dict__["_inner"], name)

    def __setattr__(self, name, value):
        if name.startswith("_") and name not in ("_params", "_torch_opt", "_iterations"):
            self.__dict__[name] = value
        else:
            setattr(self._inner, name, value)

    @property
    def inner_optimizer(self):
        return self._inner

    @property
    def dynamic(self):
        return self._dynamic

    @property
    def loss_scale(self):
        """The current scale (a Python float)."""
        return self._scale

    @property
    def dynamic_counter(self):
        return self._good_steps

    @property
    def initial_scale(self):
        return self._scale

    @property
    def dynamic_growth_steps(self):
        return self._growth_steps if self._dynamic else None

    def get_scaled_loss(self, loss):
        return loss * self._scale

    def get_unscaled_gradients(self, grads):
        inv = 1.0 / self._scale
        return [None if g is None else g * inv for g in grads]

    def minimize(self, loss, var_list=None, tape=None):
        """Scaled `backward()` of `loss`, then an unscaled, finite-checked update."""
        params = self._inner._resolve_params(var_list)
        grads = torch.autograd.grad(loss * self._scale, params, allow_unused=True)
        self._inner._set_grads(zip(grads, params))
        return self._apply_to(params)

    def apply_gradients(self, grads_and_vars, name=None, **kwargs):
        """Applies gradients of the *scaled* loss (as tf.keras's LossScaleOptimizer):
        they are unscaled, checked, then applied or skipped."""
        params = self._inner._set_grads(grads_and_vars)
        return self._apply_to(params)

    def apply(self, grads, trainable_variables=None):
        return self.apply_gradients(zip(grads, trainable_variables or self._inner._params))

    def step(self):
        """torch style: after `(loss * opt.loss_scale).backward()`."""
        self._inner._ensure_attached([])
        return self._step()

    def zero_grad(self):
        self._inner.zero_grad()

    def _apply_to(self, params):
        self._inner._ensure_attached(params)
        return self._step()

    # ------------------------------------------------------------- engine interface
    def _attach(self, params):
        self._inner._attach(params)

    def _zero_grad(self):
        self._inner._zero_grad()

    def _backward(self, loss):
        (loss * self._scale).backward()

    def _step(self):
        """Unscales the parameters' `.grad`, then updates or (inf/NaN) skips."""
        grads = [p.grad for p in self._inner._params if p.grad is not None]
        finite = True
        if grads:
            found_inf = torch.zeros((), device=grads[0].device)
            inv = torch.full((), 1.0 / self._scale, device=grads[0].device)
            by_dtype = {}
            for g in grads:
                by_dtype.setdefault(g.dtype, []).append(g)
            for group in by_dtype.values():
                torch._amp_foreach_non_finite_check_and_unscale_(group, found_inf, inv)
            finite = not bool(found_inf.item())
        if finite:
            self._inner._step()
            self._good_steps += 1
            if self._dynamic and self._good_steps >= self._growth_steps:
                self._scale *= 2.0
                self._good_steps = 0
        else:
            self._skipped += 1
            self._good_steps = 0
            if self._dynamic:
                self._scale = max(1.0, self._scale / 2.0)
        return finite

    def get_config(self):
        from tkeras import optimizers

        return {"inner_optimizer": optimizers.serialize(self._inner),
                "dynamic": self._dynamic, "initial_scale": self._scale,
                "dynamic_growth_steps": self._growth_steps}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from tkeras import optimizers

        config = dict(config)
        if "inner_optimizer" not in config and "optimizer" in config:
            config["inner_optimizer"] = config.pop("optimizer")  # tf 2.3's experimental name
        if "inner_optimizer" not in config:
            raise ValueError("A LossScaleOptimizer config needs its `inner_optimizer`. "
                             f"Received: {sorted(config)}")
        inner = optimizers.deserialize(config["inner_optimizer"],
                                       custom_objects=custom_objects)
        return cls(inner, dynamic=bool(config.get("dynamic", True)),
                   initial_scale=config.get("initial_scale"),
                   dynamic_growth_steps=config.get("dynamic_growth_steps")
                   if config.get("dynamic", True) else None)

    def __repr__(self):
        return (f"<LossScaleOptimizer inner={self._inner!r} loss_scale={self._scale} "
                f"dynamic={self._dynamic}>")
