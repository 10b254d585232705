"""Turns what users pass to fit/evaluate/predict into tensors on the model's device,
checking counts, shapes and weights before any work starts (Keras 2 messages)."""
import numpy as np
import torch

from tkeras.backend import _config
from tkeras.engine.base_layer import _to_tensor
from tkeras.engine.keras_tensor import torch_dtype


class Data:
    """In-memory data as lists of tensors: inputs, targets, per-output sample weights."""

    def __init__(self, xs, ys, sws):
        self.xs = xs
        self.ys = ys
        self.sws = sws
        self.num_samples = int(xs[0].shape[0]) if xs else int(ys[0].shape[0])

    @property
    def arrays(self):
        return self.xs, self.ys, self.sws

    def _map(self, fn):
        sws = None if self.sws is None else [None if w is None else fn(w) for w in self.sws]
        return [fn(x) for x in self.xs], [fn(y) for y in self.ys], sws

    def take(self, index):
        return self._map(lambda t: t.index_select(0, index))

    def split(self, fraction):
        at = int(self.num_samples * (1.0 - fraction))
        if at == 0 or at == self.num_samples:
            raise ValueError(
                f"`validation_split={fraction}` leaves no samples for training or validation "
                f"with {self.num_samples} samples. Use a split that keeps at least one sample "
                "on each side."
            )
        return Data(*self._map(lambda t: t[:at])), Data(*self._map(lambda t: t[at:]))


def _shape_str(shape):
    shape = tuple(shape)
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + (
        ",)" if len(shape) == 1 else ")")


def _is_functional(model):
    # An unbuilt Sequential has no inputs yet: it takes data like a subclassed model.
    return bool(getattr(model, "_is_graph_network", False)) and bool(getattr(model, "inputs", None))


def _convert(x, dtype=None, device=None):
    if isinstance(x, torch.Tensor):
        t = x
    elif hasattr(x, "shape") and hasattr(x, "dtype") or isinstance(x, (list, float, int)):
        arr = np.asarray(x)
        if arr.dtype == object:
            raise TypeError(
                "Could not convert data of dtype object to a tensor (ragged lists?). "
                "Pad sequences to one length, e.g. with `pad_sequences`."
            )
        t = _to_tensor(arr)
    else:
        raise TypeError(
            "Expected numpy arrays, torch tensors, or lists/dicts of them. "
            f"Received: {type(x).__name__}"
        )
    if dtype is not None and t.dtype != dtype:
        t = t.to(dtype)
    elif t.dtype == torch.float64 and _config.floatx() != "float64":
        t = t.to(torch_dtype(_config.floatx()))
    if device is not None and t.device != device:
        t = t.to(device)
    return t


def _input_dtype(kt):
    dt = torch_dtype(kt.dtype)
    if dt.is_floating_point:
        return dt
    return torch.int64 if dt in (torch.int32, torch.int64, torch.int16, torch.uint8) else dt


def standardize_inputs(model, x, where):
    if x is None:
        raise ValueError(f"`{where}` needs input data: received x=None.")
    device = model._device()
    if _is_functional(model):
        names = model.input_names
        if isinstance(x, dict):
            missing = [n for n in names if n not in x]
            if missing:
                raise ValueError(
                    f"No data provided for {missing[0]!r}. Need data for each key in: {names}"
                )
            x = [x[n] for n in names]
        elif not isinstance(x, (list, tuple)):
            x = [x]
        if len(x) != len(names):
            raise ValueError(
                "Error when checking model input: the list of arrays that you are passing to "
                f"your model is not the size the model expected. Expected to see {len(names)} "
                f"array(s) (for inputs {names}), but instead got {len(x)} array(s)."
            )
        xs = [_convert(a, _input_dtype(kt), device) for a, kt in zip(x, model.inputs)]
    else:
        if isinstance(x, dict):
            x = list(x.values())
        xs = [_convert(a, None, device) for a in (x if isinstance(x, (list, tuple)) else [x])]
    counts = {int(t.shape[0]) if t.ndim else 1 for t in xs}
    if len(counts) > 1:
        raise ValueError(
            "All input arrays (x) should have the same number of samples. Got array shapes: "
            f"{[tuple(t.shape) for t in xs]}"
        )
    if counts == {0}:
        raise ValueError(
            f"Expected input data to be non-empty: `{where}` received 0 samples (input shapes "
            f"{[tuple(t.shape) for t in xs]}). Pass at least one sample."
        )
    return xs


def check_input_shapes(model, xs):
    if not _is_functional(model):
        return
    for kt, t, name in zip(model.inputs, xs, model.input_names):
        expected = tuple(kt.shape)
        got = tuple(t.shape)
        if len(got) != len(expected):
            raise ValueError(
                f"Error when checking input: expected {name} to have {len(expected)} "
                f"dimensions, but got array with shape {_shape_str(got)}. The model's input "
                f"shape is {_shape_str(expected)} (batch first)."
            )
        for want, have in zip(expected[1:], got[1:]):
            if want is not None and want != have:
                raise ValueError(
                    f"Error when checking input: expected {name} to have shape "
                    f"{_shape_str(expected[1:])} but got array with shape {_shape_str(got[1:])}"
                )


def _loss_name(fn):
    return getattr(fn, "__name__", type(fn).__name__)


def standardize_targets(model, y, n_inputs_samples):
    c = model._compiled
    names = c.output_names
    device = model._device()
    if y is None:
        if any(fn is not None for fn in c.loss_fns):
            raise ValueError(
                "The model was compiled with a loss, so it needs target data: received y=None. "
                "Pass `y=...` (or compile with `loss=None` when the model adds its own losses "
                "with `add_loss`)."
            )
        return [torch.zeros((n_inputs_samples,), device=device) for _ in names]
    if isinstance(y, dict):
        unknown = [k for k in y if k not in names]
        if unknown:
            raise ValueError(
                f"Found unexpected keys that do not correspond to any Model output: "
                f"{unknown}. Expected: {names}"
            )
        # As tf.keras 2: an output without target data (a key left out, or None in a
        # list) gets no loss and no metric updates.
        y = [y.get(n) for n in names]
    elif not isinstance(y, (list, tuple)):
        y = [y]
    if len(y) != len(names):
        raise ValueError(
            "Error when checking model target: the list of arrays that you are passing to "
            f"your model is not the size the model expected. Expected to see {len(names)} "
            f"array(s) (for outputs {names}), but instead got {len(y)} array(s)."
        )
    ys = []
    out_shapes = _output_shapes(model)
    for i, (t, fn) in enumerate(zip(y, c.loss_fns)):
        if t is None:
            ys.append(no_target(n_inputs_samples, device))
            continue
        t = _convert(t, None, device)
        if (fn is not None and out_shapes is not None and t.ndim == 1
                and len(out_shapes[i]) == 2 and "sparse" not in _loss_name(fn).lower()):
            t = t.unsqueeze(-1)  # Keras 2 expands (n,) targets to (n, 1)
        if t.ndim == 0 or int(t.shape[0]) != n_inputs_samples:
            raise ValueError(
                "Input arrays should have the same number of samples as target arrays. Found "
                f"{n_inputs_samples} input samples and {int(t.shape[0]) if t.ndim else 0} "
                "target samples."
            )
        if fn is not None and out_shapes is not None:
            _check_target(t, out_shapes[i], fn, names[i])
        ys.append(t)
    return ys


def no_target(n, device=None):
    """The stand-in for an output given no target data: (n, 0), sliced with the
    batches like a real target; that output's loss and metrics are skipped."""
    return torch.zeros((n, 0), device=device)


def is_no_target(t):
    return isinstance(t, torch.Tensor) and t.ndim == 2 and t.shape[1] == 0


def _output_shapes(model):
    if getattr(model, "outputs", None):
        return [tuple(o.shape) for o in model.outputs]
    return getattr(model._compiled, "output_shapes", None)


def _check_target(t, out_shape, fn, out_name):
    name = _loss_name(fn).lower()
    got = tuple(t.shape)
    if "sparse" in name:
        ok_rank = len(got) in (len(out_shape) - 1, len(out_shape))
        if not ok_rank or (len(got) == len(out_shape) and got[-1] != 1):
            raise ValueError(
                f"A target array with shape {_shape_str(got)} was passed for an output of shape "
                f"{_shape_str(out_shape)} while using as loss `{_loss_name(fn)}`. This loss "
                "expects integer class indices of shape (samples,) or (samples, 1)."
            )
        return
    if "categorical_crossentropy" in name and got[-1:] == (1,) and (out_shape[-1] or 0) > 1:
        raise ValueError(
            f"You are passing a target array of shape {_shape_str(got)} while using as loss "
            "`categorical_crossentropy`. `categorical_crossentropy` expects targets to be binary "
            "matrices (1s and 0s) of shape (samples, classes). If your targets are integer "
            "classes, you can convert them to the expected format via:\n```\n"
            "from tkeras.utils import to_categorical\ny_binary = to_categorical(y_int)\n```\n\n"
            "Alternatively, you can use the loss function `sparse_categorical_crossentropy` "
            "instead, which does expect integer targets."
        )
    if len(got) != len(out_shape):
        raise ValueError(
            f"Error when checking target: expected {out_name} to have {len(out_shape)} "
            f"dimensions, but got array with shape {_shape_str(got)}"
        )
    for want, have in zip(out_shape[1:], got[1:]):
        if want is not None and want != have:
            raise ValueError(
                f"A target array with shape {_shape_str(got)} was passed for an output of shape "
                f"{_shape_str(out_shape)} while using as loss `{_loss_name(fn)}`. This loss "
                "expects targets to have the same shape as the output."
            )


def _per_output(value, names, what):
    if value is None:
        return [None] * len(names)
    if isinstance(value, dict) and (len(names) > 1 or set(value) <= set(names)) and \
            all(isinstance(k, str) for k in value):
        return [value.get(n) for n in names]
    if isinstance(value, (list, tuple)) and len(names) > 1:
        if len(value) != len(names):
            raise ValueError(
                f"`{what}` should have one entry per model output ({len(names)}); "
                f"received {len(value)}."
            )
        return list(value)
    return [value] + [None] * (len(names) - 1) if len(names) == 1 else [value] * len(names)


def _check_class_weight_keys(class_weight):
    """tf.keras's rule: the keys are the classes 0 .. n-1, each once."""
    if not isinstance(class_weight, dict):
        raise TypeError(
            "`class_weight` must be a dict mapping class indices (0 .. number of classes - 1) "
            f"to weights. Received: class_weight={class_weight!r}"
        )
    keys = []
    for k in class_weight:
        if isinstance(k, bool) or not isinstance(k, (int, float, np.integer, np.floating)) \
                or int(k) != k:
            keys = None
            break
        keys.append(int(k))
    if keys is None or sorted(keys) != list(range(len(keys))):
        raise ValueError(
            "Expected `class_weight` to be a dict with keys from 0 to one less than the number "
            f"of classes, found {class_weight!r}. Give one weight per class index, e.g. "
            "class_weight={0: 1.0, 1: 5.0} for two classes."
        )


def standardize_weights(model, ys, sample_weight, class_weight):
    names = model._compiled.output_names
    sws = _per_output(sample_weight, names, "sample_weight")
    cws = _per_output(class_weight, names, "class_weight")
    if all(w is None for w in sws) and all(c is None for c in cws):
        return None
    device = model._device()
    out = []
    for y, sw, cw in zip(ys, sws, cws):
        w = None
        if sw is not None:
            w = _convert(sw, torch_dtype(_config.floatx()), device)
            if w.ndim == 2 and w.shape[1] == 1 and y.ndim <= 2:
                w = w[:, 0]
            if w.shape[0] != y.shape[0] or w.ndim > y.ndim:
                raise ValueError(
                    f"Found a sample_weight array with shape {_shape_str(w.shape)} for an input "
                    f"with shape {_shape_str(y.shape)}. sample_weight cannot be broadcast; it "
                    "needs one weight per sample."
                )
        if cw is not None:
            _check_class_weight_keys(cw)
        if cw is not None and not is_no_target(y):
            if y.ndim >= 2 and y.shape[-1] > 1:
                classes = y.argmax(-1)
            else:
                classes = y.reshape(y.shape[0], -1)[:, 0].round().long() if y.ndim else y
            present = sorted(int(c) for c in torch.unique(classes).cpu())
            missing = [c for c in present if c not in cw]
            if missing:
                raise ValueError(
                    f"`class_weight` must contain all classes in the data. The classes "
                    f"{set(missing)} exist in the data but not in `class_weight`. Received: "
                    f"class_weight={cw!r}"
                )
            table = torch.zeros(max(present) + 1, dtype=torch_dtype(_config.floatx()))
            for k, v in cw.items():
                if 0 <= int(k) < table.shape[0]:
                    table[int(k)] = float(v)
            cwt = table.to(device)[classes.long()]
            w = cwt if w is None else w * cwt
        out.append(w)
    return out


def adapt(model, x, y, sample_weight, class_weight, where):
    """Validates and converts everything before the first step runs."""
    xs = standardize_inputs(model, x, where)
    model._prepare_for_data(xs)
    check_input_shapes(model, xs)
    n = int(xs[0].shape[0])
    ys = standardize_targets(model, y, n)
    sws = standardize_weights(model, ys, sample_weight, class_weight)
    return Data(xs, ys, sws)


def adapt_batch(model, x, y, sample_weight, class_weight, where):
    """`adapt` for the batches after the first from a generator (the model is built)."""
    xs = standardize_inputs(model, x, where)
    check_input_shapes(model, xs)
    ys = standardize_targets(model, y, int(xs[0].shape[0]))
    return Data(xs, ys, standardize_weights(model, ys, sample_weight, class_weight))


def adapt_validation(model, validation_data):
    if not isinstance(validation_data, (list, tuple)) or len(validation_data) not in (2, 3):
        n = len(validation_data) if isinstance(validation_data, (list, tuple)) else 1
        raise ValueError(
            "When passing validation_data, it must contain 2 (x_val, y_val) or 3 (x_val, y_val, "
            f"val_sample_weights) items, however it contains {n} items."
        )
    x, y = validation_data[0], validation_data[1]
    sw = validation_data[2] if len(validation_data) == 3 else None
    return adapt(model, x, y, sw, None, "fit (validation_data)")
