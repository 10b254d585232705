"""Lets backend functions run on symbolic KerasTensors.

A backend function decorated with `@symbolic` runs eagerly on torch tensors. Given a
KerasTensor anywhere in its arguments, it records an op layer in the functional graph
instead (as tf.keras does with TFOpLambda), so `K.sum(K.square(z), axis=-1)` works on
`Input()` outputs and inside `add_loss`.
"""
import functools

import torch

# Argument types that can never hold a KerasTensor: the eager fast path (this wrapper
# runs on every loss/metric call of the training loop).
_PLAIN = (torch.Tensor, torch.nn.Parameter, float, int, bool, type(None), str)


def _contains_keras_tensor(obj, depth=0):
    if getattr(obj, "_is_keras_tensor", False) is True:
        return True
    if depth < 3 and isinstance(obj, (list, tuple)):
        return any(_contains_keras_tensor(o, depth + 1) for o in obj)
    if depth < 3 and isinstance(obj, dict):
        return any(_contains_keras_tensor(o, depth + 1) for o in obj.values())
    return False


def symbolic(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        for a in args:
            if type(a) not in _PLAIN:
                break
        else:
            if not kwargs:
                return fn(*args)
        if _contains_keras_tensor(args) or _contains_keras_tensor(kwargs):
            from tkeras.engine.keras_tensor import apply_op

            return apply_op(fn, args, kwargs)
        return fn(*args, **kwargs)

    wrapper._tkeras_eager = fn
    return wrapper
