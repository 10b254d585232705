"""`InputSpec`: the rank/shape/dtype a layer accepts, checked in one place so every layer
reports a wrong input the same way."""


class InputSpec:
    """Specifies the rank, dtype and known dimensions of a layer's input.

    Args:
        dtype: expected dtype string, or None.
        shape: full expected shape (None entries match anything).
        ndim: exact rank. max_ndim / min_ndim: rank bounds.
        axes: dict `{axis: size}` of dimensions that must match (e.g. `{-1: 784}`).
    """

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None,
                 axes=None, allow_last_axis_squeeze=False, name=None):
        self.dtype = dtype
        self.shape = tuple(shape) if shape is not None else None
        self.ndim = len(self.shape) if shape is not None else ndim
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.axes = dict(axes or {})
        self.name = name

    def __repr__(self):
        spec = [f"dtype={self.dtype}" if self.dtype else "",
                f"shape={self.shape}" if self.shape else "",
                f"ndim={self.ndim}" if self.ndim is not None else "",
                f"max_ndim={self.max_ndim}" if self.max_ndim is not None else "",
                f"min_ndim={self.min_ndim}" if self.min_ndim is not None else "",
                f"axes={self.axes}" if self.axes else ""]
        return f"InputSpec({', '.join(x for x in spec if x)})"

    def get_config(self):
        return {"dtype": self.dtype, "shape": self.shape, "ndim": self.ndim,
                "max_ndim": self.max_ndim, "min_ndim": self.min_ndim, "axes": self.axes}


def _shape_str(shape):
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + (
        ",)" if len(shape) == 1 else ")")


def fixed_batch_message(layer_name, expected, received):
    """The error for a batch of the wrong size fed to a layer built for one batch size
    (a stateful RNN): what it needs, what it got, and the two ways out."""
    return (
        f"Layer '{layer_name}' was built for batches of exactly {expected} samples (a stateful "
        f"RNN needs every batch to have the batch size it was built with: {expected}); "
        f"received a batch of {received}. Pass `batch_size={expected}` and make the number "
        f"of samples a multiple of it, or call `reset_states()` after rebuilding the layer "
        f"with the new batch size (`batch_input_shape` / `Input(batch_shape=...)`)."
    )


def assert_mask_shape(layer_name, mask, inputs, want, layout="(batch, timesteps)"):
    """Raises unless `mask` has shape `want` (a mask of another shape would broadcast
    into wrong results or reach a kernel that indexes past it)."""
    if tuple(mask.shape) != tuple(want):
        raise ValueError(
            f"Layer '{layer_name}' received a mask of shape {tuple(mask.shape)} for inputs of "
            f"shape {tuple(inputs.shape)}; the mask must have shape {tuple(want)}: {layout}, "
            "one boolean per sample and timestep."
        )


def downsampling_message(layer_name, input_shape):
    """The error for an input too small for a layer's windows (convolution, pooling)."""
    return (
        f"One of the dimensions in the output is <= 0 due to downsampling in {layer_name}. "
        f"Consider increasing the input size. Received input shape {tuple(input_shape)} which "
        "would produce output shape with a zero or negative value in a dimension."
    )


def assert_input_compatibility(input_spec, inputs, layer_name):
    """Raises a ValueError naming the layer, the expectation and the received shape."""
    if not input_spec:
        return
    specs = input_spec if isinstance(input_spec, (list, tuple)) else [input_spec]
    flat = inputs if isinstance(inputs, (list, tuple)) else [inputs]
    if len(specs) > 1 and len(flat) != len(specs):
        raise ValueError(
            f"Layer '{layer_name}' expects {len(specs)} input(s), but it received "
            f"{len(flat)} input tensors."
        )
    for i, (spec, x) in enumerate(zip(specs, flat)):
        if spec is None:
            continue
        shape = tuple(x.shape)
        ndim = len(shape)
        prefix = f"Input {i} of layer '{layer_name}' is incompatible with the layer: "
        if spec.ndim is not None and ndim != spec.ndim:
            raise ValueError(
                f"{prefix}expected ndim={spec.ndim}, found ndim={ndim}. "
                f"Full shape received: {_shape_str(shape)}"
            )
        if spec.max_ndim is not None and ndim > spec.max_ndim:
            raise ValueError(
                f"{prefix}expected max_ndim={spec.max_ndim}, found ndim={ndim}. "
                f"Full shape received: {_shape_str(shape)}"
            )
        if spec.min_ndim is not None and ndim < spec.min_ndim:
            raise ValueError(
                f"{prefix}expected min_ndim={spec.min_ndim}, found ndim={ndim}. "
                f"Full shape received: {_shape_str(shape)}"
            )
        for axis, value in spec.axes.items():
            if value is None:
                continue
            if -ndim <= axis < ndim and shape[axis] not in (value, None):
                raise ValueError(
                    f"{prefix}expected axis {axis} of input shape to have value {value}, "
                    f"but received input with shape {_shape_str(shape)}"
                )
        if spec.shape is not None:
            if spec.shape and shape and spec.shape[0] is not None and \
                    shape[0] not in (spec.shape[0], None):
                raise ValueError(fixed_batch_message(layer_name, spec.shape[0], shape[0]))
            for want, got in zip(spec.shape, shape):
                if want is not None and got is not None and want != got:
                    raise ValueError(
                        f"{prefix}expected shape={_shape_str(spec.shape)}, found "
                        f"shape={_shape_str(shape)}"
                    )
