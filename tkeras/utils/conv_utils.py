"""Argument and shape helpers shared by convolution, pooling and resampling layers
(Keras 2's `keras.utils.conv_utils`)."""
import numpy as np

from tkeras.backend._config import normalize_data_format  # noqa: F401  (Keras 2 path)


def normalize_tuple(value, n, name, allow_zero=False, example=None):
    """`value` (an int, or `n` integral numbers) as a tuple of `n` ints, checked for sign,
    with a Keras-style error otherwise."""
    need = "non-negative" if allow_zero else "positive"
    what = f"an int or a tuple of {n} {need} ints" if n > 1 else f"a {need} int"
    hint = f" Example: {example}." if example else ""
    error = ValueError(f"`{name}` must be {what}. Received: {name}={value!r}.{hint}")
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        values = (int(value),) * n
    else:
        try:
            values = tuple(value)
        except TypeError:
            raise error from None
        if len(values) != n or any(
                isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating))
                or int(v) != v for v in values):
            raise error
        values = tuple(int(v) for v in values)
    if any(v < 0 or (v == 0 and not allow_zero) for v in values):
        raise error
    return values


def normalize_padding(value, allowed=("valid", "same")):
    """Lower-cased `padding`, one of `allowed`."""
    padding = value.lower() if isinstance(value, str) else value
    if padding not in allowed:
        options = ", ".join(repr(a) for a in allowed)
        hint = "" if "causal" in allowed or padding != "causal" else (
            " 'causal' padding is only supported by Conv1D and SeparableConv1D.")
        raise ValueError(f"`padding` must be one of {options}. Received: padding={value!r}.{hint}")
    return padding


def conv_output_length(length, kernel_size, padding, stride, dilation=1):
    """Keras's `conv_utils.conv_output_length`: output length of a convolution."""
    if length is None:
        return None
    effective = (kernel_size - 1) * dilation + 1
    if padding == "valid":
        length = length - effective + 1
    return (length + stride - 1) // stride


def deconv_output_length(length, kernel_size, padding, output_padding=None, stride=0,
                         dilation=1):
    """Keras's `conv_utils.deconv_output_length`: output length of a transposed
    convolution."""
    if length is None:
        return None
    effective = (kernel_size - 1) * dilation + 1
    if output_padding is None:
        if padding == "valid":
            return length * stride + max(effective - stride, 0)
        return length * stride
    pad = effective // 2 if padding == "same" else 0
    return (length - 1) * stride + effective - 2 * pad + output_padding
