"""Learning-rate schedules (`keras.optimizers.schedules`, tf-keras 2.21 formulas).

A schedule maps the optimizer's step count (`optimizer.iterations`, a Python int: the
rate of the step about to run is `schedule(iterations)`) to a learning rate, computed
in plain Python floats so that training never waits on a device.

Example:

>>> s = ExponentialDecay(0.1, decay_steps=3, decay_rate=0.5, staircase=True)
>>> [round(s(t), 4) for t in range(7)]
[0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025]
>>> from tkeras.optimizers import Adam
>>> Adam(learning_rate=s).get_config()["learning_rate"]["class_name"]
'ExponentialDecay'
"""
import math

from tkeras.utils.generic_utils import deserialize_keras_object

__all__ = [
    "LearningRateSchedule", "ExponentialDecay", "PiecewiseConstantDecay", "PolynomialDecay",
    "InverseTimeDecay", "CosineDecay", "CosineDecayRestarts", "serialize", "deserialize",
    "get",
]


def _step(step):
    # Steps are Python ints in tkeras; a 0-d tensor also works (`float()` of it).
    return float(step)


def _check_positive(name, value):
    if value is None or value <= 0:
        raise ValueError(f"`{name}` must be > 0. Received: {name}={value!r}")


class LearningRateSchedule:
    """Base class of learning-rate schedules.

    Subclasses implement `__call__(step)` (returning a float) and `get_config()`.

    Example:

    >>> class Halving(LearningRateSchedule):
    ...     def __init__(self, rate):
    ...         self.rate = rate
    ...     def __call__(self, step):
    ...         return self.rate / 2 ** step
    ...     def get_config(self):
    ...         return {"rate": self.rate}
    >>> Halving(1.0)(3)
    0.125
    """

    def __call__(self, step):
        raise NotImplementedError(
            f"Learning rate schedule '{self.__class__.__name__}' must override `__call__(self, step)`."
        )

    def get_config(self):
        raise NotImplementedError(
            f"Learning rate schedule '{self.__class__.__name__}' must override `get_config()` "
            "in order to be serializable."
        )

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "name")
        return f"{self.__class__.__name__}({args})"


class ExponentialDecay(LearningRateSchedule):
    """`initial_learning_rate * decay_rate ** (step / decay_steps)`.

    Args:
        initial_learning_rate: The rate at step 0.
        decay_steps: Steps over which the rate is multiplied by `decay_rate`. Must be > 0.
        decay_rate: The decay factor.
        staircase: If `True`, `step / decay_steps` is floored (the rate drops in
            steps). Defaults to `False`.
        name: Optional name. Defaults to `None`.

    >>> ExponentialDecay(1.0, 2, 0.25)(1)
    0.5
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name=None):
        _check_positive("decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def __call__(self, step):
        p = _step(step) / self.decay_steps
        if self.staircase:
            p = math.floor(p)
        return float(self.initial_learning_rate) * float(self.decay_rate) ** p

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class PiecewiseConstantDecay(LearningRateSchedule):
    """`values[0]` while `step <= boundaries[0]`, `values[i]` while
    `boundaries[i-1] < step <= boundaries[i]`, `values[-1]` after the last boundary.

    Args:
        boundaries: Increasing step numbers.
        values: One more value than boundaries.
        name: Optional name. Defaults to `None`.

    >>> s = PiecewiseConstantDecay([2, 5], [1.0, 0.5, 0.1])
    >>> [s(t) for t in (0, 2, 3, 5, 6)]
    [1.0, 1.0, 0.5, 0.5, 0.1]
    """

    def __init__(self, boundaries, values, name=None):
        boundaries, values = list(boundaries), list(values)
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "The length of `boundaries` should be 1 less than the length of `values`. "
                f"Received: boundaries={boundaries!r} of length {len(boundaries)}, and "
                f"values={values!r} of length {len(values)}."
            )
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step):
        step = _step(step)
        for boundary, value in zip(self.boundaries, self.values):
            if step <= boundary:
                return float(value)
        return float(self.values[-1])

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """`(initial - end) * (1 - step / decay_steps) ** power + end`, with `step` capped
    at `decay_steps` (or, with `cycle=True`, `decay_steps` stretched to the next
    multiple above `step`).

    Args:
        initial_learning_rate: The rate at step 0.
        decay_steps: Steps to reach `end_learning_rate`. Must be > 0.
        end_learning_rate: Defaults to `0.0001`.
        power: Defaults to `1.0`.
        cycle: Defaults to `False`.
        name: Optional name. Defaults to `None`.

    >>> round(PolynomialDecay(1.0, 4, end_learning_rate=0.0)(1), 4)
    0.75
    """

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001,
                 power=1.0, cycle=False, name=None):
        _check_positive("decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name

    def __call__(self, step):
        step = _step(step)
        decay_steps = float(self.decay_steps)
        if self.cycle:
            multiplier = 1.0 if step == 0 else math.ceil(step / decay_steps)
            decay_steps = decay_steps * multiplier
        else:
            step = min(step, decay_steps)
        p = step / decay_steps
        initial, end = float(self.initial_learning_rate), float(self.end_learning_rate)
        return (initial - end) * (1.0 - p) ** float(self.power) + end

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "end_learning_rate": self.end_learning_rate,
                "power": self.power, "cycle": self.cycle, "name": self.name}


class InverseTimeDecay(LearningRateSchedule):
    """`initial_learning_rate / (1 + decay_rate * step / decay_steps)`.

    Args:
        initial_learning_rate: The rate at step 0.
        decay_steps: Must be > 0.
        decay_rate: The decay factor.
        staircase: If `True`, `step / decay_steps` is floored. Defaults to `False`.
        name: Optional name. Defaults to `None`.

    >>> InverseTimeDecay(1.0, 1, 1.0)(3)
    0.25
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name=None):
        _check_positive("decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def __call__(self, step):
        p = _step(step) / self.decay_steps
        if self.staircase:
            p = math.floor(p)
        return float(self.initial_learning_rate) / (1.0 + float(self.decay_rate) * p)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class CosineDecay(LearningRateSchedule):
    """Cosine decay (SGDR without restarts), with an optional linear warmup.

    Without warmup: `rate(step) = initial * ((1 - alpha) * 0.5 * (1 + cos(pi * s /
    decay_steps)) + alpha)` with `s = min(step, decay_steps)`. With `warmup_target`,
    the rate rises linearly from `initial_learning_rate` to `warmup_target` over
    `warmup_steps`, then decays from `warmup_target` the same way.

    Args:
        initial_learning_rate: The rate at step 0.
        decay_steps: Steps to decay over. Must be > 0.
        alpha: Minimum rate as a fraction of the peak. Defaults to `0.0`.
        name: Optional name. Defaults to `None`.
        warmup_target: Peak rate after warmup, or `None` for no warmup.
        warmup_steps: Defaults to `0`.

    >>> round(CosineDecay(1.0, 4)(2), 4)
    0.5
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name=None,
                 warmup_target=None, warmup_steps=0):
        _check_positive("decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_target = warmup_target
        self.warmup_steps = warmup_steps

    def __call__(self, step):
        step = _step(step)
        initial = float(self.initial_learning_rate)
        if self.warmup_target is None:
            peak = initial
        else:
            peak = float(self.warmup_target)
            if step < self.warmup_steps:
                return initial + step / self.warmup_steps * (peak - initial)
        decay_step = min(step - float(self.warmup_steps), float(self.decay_steps))
        cosine = 0.5 * (1.0 + math.cos(math.pi * decay_step / self.decay_steps))
        return peak * ((1.0 - float(self.alpha)) * cosine + float(self.alpha))

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "alpha": self.alpha, "name": self.name,
                "warmup_target": self.warmup_target, "warmup_steps": self.warmup_steps}


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR): each period is `t_mul` times longer
    than the previous one and starts at `m_mul` times its peak.

    Args:
        initial_learning_rate: The rate at step 0.
        first_decay_steps: Length of the first period. Must be > 0.
        t_mul: Period length factor. Defaults to `2.0`.
        m_mul: Peak factor per restart. Defaults to `1.0`.
        alpha: Minimum rate as a fraction of the peak. Defaults to `0.0`.
        name: Optional name. Defaults to `None`.

    >>> s = CosineDecayRestarts(1.0, 2, t_mul=1.0)
    >>> [round(s(t), 4) for t in range(4)]
    [1.0, 0.5, 1.0, 0.5]
    """

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0,
                 alpha=0.0, name=None):
        _check_positive("first_decay_steps", first_decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self._t_mul = t_mul
        self._m_mul = m_mul
        self.alpha = alpha
        self.name = name

    def __call__(self, step):
        fraction = _step(step) / float(self.first_decay_steps)
        t_mul, m_mul = float(self._t_mul), float(self._m_mul)
        if t_mul == 1.0:
            i_restart = math.floor(fraction)
            fraction -= i_restart
        else:
            i_restart = math.floor(math.log(1.0 - fraction * (1.0 - t_mul)) / math.log(t_mul))
            sum_r = (1.0 - t_mul ** i_restart) / (1.0 - t_mul)
            fraction = (fraction - sum_r) / t_mul ** i_restart
        cosine = 0.5 * m_mul ** i_restart * (1.0 + math.cos(math.pi * fraction))
        alpha = float(self.alpha)
        return float(self.initial_learning_rate) * ((1.0 - alpha) * cosine + alpha)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "first_decay_steps": self.first_decay_steps, "t_mul": self._t_mul,
                "m_mul": self._m_mul, "alpha": self.alpha, "name": self.name}


_OBJECTS = {c.__name__: c for c in (
    LearningRateSchedule, ExponentialDecay, PiecewiseConstantDecay, PolynomialDecay,
    InverseTimeDecay, CosineDecay, CosineDecayRestarts)}


def serialize(schedule):
    """`{'module': 'keras.optimizers.schedules', 'class_name', 'config',
    'registered_name'}`, as tf-keras writes it in optimizer configs."""
    return {"module": "keras.optimizers.schedules",
            "class_name": schedule.__class__.__name__,
            "config": schedule.get_config(), "registered_name": None}


def deserialize(config, custom_objects=None):
    """Inverse of `serialize` (extra keys such as `module` are ignored)."""
    if isinstance(config, dict):
        config = {"class_name": config.get("class_name"), "config": config.get("config")}
    return deserialize_keras_object(config, module_objects=_OBJECTS,
                                    custom_objects=custom_objects,
                                    printable_module_name="learning rate schedule")


def get(identifier):
    """A schedule instance, or one from a `{'class_name', 'config'}` dict."""
    if isinstance(identifier, LearningRateSchedule):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    raise ValueError(f"Could not interpret learning rate schedule identifier: {identifier!r}")
