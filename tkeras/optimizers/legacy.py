"""tf-keras's legacy optimizers (`keras.optimizers.legacy.X`): the Keras 2.0-2.10 update
rules and configs, which old model files' optimizer configs load as.

They share tkeras's implementation with `tkeras.optimizers.X` (see that module for
what differs: RMSprop and Adagrad put `epsilon` outside the square root, Nadam's
momentum schedule is `0.96 ** (schedule_decay * t)`, all clipping arguments apply in
turn, configs carry `decay`, `get_weights` is slot-major). Arguments: the algorithm's,
`name`, and `lr`, `decay` (`lr / (1 + decay * iterations)`), `clipnorm`, `clipvalue`,
`global_clipnorm`.
"""
import numpy as np
import torch

from tkeras.optimizers import (
    SGD as _SGD, Adadelta as _Adadelta, Adagrad as _Adagrad, Adam as _Adam,
    Adamax as _Adamax, Nadam as _Nadam, Optimizer as _Optimizer, RMSprop as _RMSprop,
    _scalar_dtype,
)

__all__ = ["Optimizer", "SGD", "RMSprop", "Adagrad", "Adadelta", "Adam", "Adamax", "Nadam"]


class Optimizer(_Optimizer):
    """Base class of the legacy optimizers."""

    _legacy = True


class SGD(_SGD, Optimizer):
    __doc__ = _SGD.__doc__


class RMSprop(_RMSprop, Optimizer):
    __doc__ = _RMSprop.__doc__


class Adagrad(_Adagrad, Optimizer):
    __doc__ = _Adagrad.__doc__


class Adadelta(_Adadelta, Optimizer):
    __doc__ = _Adadelta.__doc__


class Adam(_Adam, Optimizer):
    __doc__ = _Adam.__doc__

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, name="Adam", **kwargs):
        if "adaptive_epsilon" in kwargs:  # current class only
            raise TypeError("Unexpected keyword argument passed to optimizer: "
                            "adaptive_epsilon.")
        super().__init__(learning_rate, beta_1, beta_2, epsilon, amsgrad=amsgrad, name=name,
                         **kwargs)


class Adamax(_Adamax, Optimizer):
    __doc__ = _Adamax.__doc__


class Nadam(_Nadam, Optimizer):
    """Nesterov Adam (tf.keras legacy) with Keras's momentum schedule
    `mu_t = beta_1 * (1 - 0.5 * 0.96 ** (schedule_decay * t))`, `schedule_decay=0.004`
    by default; arguments as `tkeras.optimizers.Nadam`.

    As tf.keras, the `decay` argument does not decay the learning rate: the config's
    `decay` entry is the momentum schedule (`schedule_decay`).
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 name="Nadam", **kwargs):
        kwargs.pop("decay", None)  # tf-keras overwrites it with the schedule decay
        kwargs["schedule_decay"] = kwargs.get("schedule_decay", 0.004)
        super().__init__(learning_rate, beta_1, beta_2, epsilon, name=name, **kwargs)
        self._initial_decay = self.schedule_decay

    def _weight_names(self, param_names):
        names = super()._weight_names(param_names)
        return names[:1] + [f"{self._name}/momentum_cache:0"] + names[1:]

    def get_weights(self):
        # tf.keras legacy: [iterations, momentum_cache] + m's + v's
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
        config.pop("schedule_decay", None)  # tf-keras writes it as `decay`
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        decay = config.pop("decay", None)  # tf.keras writes the schedule decay there
        if decay is not None and "schedule_decay" not in config:
            config["schedule_decay"] = decay
        return super().from_config(config, custom_objects)
