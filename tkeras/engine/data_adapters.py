"""Feeds `fit`/`evaluate`/`predict` from Python generators, `keras.utils.Sequence` and
`torch.utils.data` Datasets/DataLoaders.

A `BatchSource` turns any of them into per-step `(xs, ys, sample_weights)` tensors on the
model's device. Every batch goes through the same checks as in-memory arrays
(`data_utils`); errors name the batch index. The first batch is fetched and checked before
training starts (it also builds deferred models). A `Sequence` loaded with `workers > 0`
(and `use_multiprocessing=True`, or `workers > 1`) runs through a
`torch.utils.data.DataLoader` over its batch indices, which keeps the batch order.
"""
import warnings

import numpy as np
import torch
from torch.utils import data as torch_data

from tkeras.engine import data_utils
from tkeras.utils.data_utils import Sequence


_ARRAY_TYPES = (np.ndarray, torch.Tensor)


def _is_sequence(x):
    return isinstance(x, Sequence)


def is_batch_source(x):
    """True for inputs that produce batches rather than hold samples."""
    if x is None or isinstance(x, (np.ndarray, torch.Tensor, list, tuple, dict)):
        return False
    if _is_sequence(x) or isinstance(x, (torch_data.DataLoader, torch_data.Dataset)):
        return True
    return hasattr(x, "__next__") or (hasattr(x, "__iter__") and not hasattr(x, "shape"))


def _describe(raw):
    if isinstance(raw, (tuple, list)):
        return f"a {type(raw).__name__} of {len(raw)} items"
    shape = getattr(raw, "shape", None)
    if shape is not None:
        return f"{type(raw).__name__} with shape {tuple(shape)}"
    return f"{type(raw).__name__}"


class _IndexDataset(torch_data.Dataset):
    """`seq[i]` as a map-style dataset: DataLoader workers fetch whole batches by index."""

    def __init__(self, sequence):
        self.sequence = sequence

    def __len__(self):
        return len(self.sequence)

    def __getitem__(self, i):
        return self.sequence[i]


def _steps_error(arg, where):
    return ValueError(
        f"`{arg}=None` is only valid for a generator based on the `keras.utils.Sequence` "
        f"class. Please specify `{arg}` or use the `keras.utils.Sequence` class "
        f"(in `{where}`)."
    )


class BatchSource:
    """Batches from a generator / Sequence / Dataset / DataLoader, converted per step.

    Args:
        mode: `'fit'`, `'evaluate'` or `'predict'` (predict keeps only `x`).
        steps: batches per epoch; `None` means one pass (Sequence/DataLoader only).
    """

    def __init__(self, model, x, batch_size, steps, mode, where, shuffle=False,
                 class_weight=None, workers=1, use_multiprocessing=False,
                 max_queue_size=10, steps_arg="steps_per_epoch"):
        self.model = model
        self.mode = mode
        self.where = where
        self.class_weight = class_weight
        self.sequence = x if _is_sequence(x) else None
        self._shuffle = bool(shuffle) and mode == "fit"
        self._workers = int(workers or 0)
        self._mp = bool(use_multiprocessing)
        self._queue = max(1, int(max_queue_size or 1))
        self._loader = None
        self._iterator = None
        if self.sequence is not None:
            length = len(x)
            if length == 0:
                raise ValueError(
                    f"The `Sequence` passed to `{where}` has length 0 (`__len__` returned 0): "
                    "it yields no batches. Check its `__len__` and the data it wraps."
                )
            default_steps = length
        elif isinstance(x, torch_data.DataLoader):
            self._loader = x
            default_steps = _safe_len(x)
        elif isinstance(x, torch_data.Dataset):
            num_workers = self._workers if self._mp else 0
            self._loader = torch_data.DataLoader(
                x, batch_size=batch_size,
                shuffle=self._shuffle and not isinstance(x, torch_data.IterableDataset),
                num_workers=num_workers)
            default_steps = _safe_len(self._loader)
        else:
            if not hasattr(x, "__next__"):
                x = iter(x)
            self._iterator = x
            default_steps = None
        if steps is None:
            steps = default_steps
        if steps is None:
            raise _steps_error(steps_arg, where)
        if default_steps == 0:
            raise ValueError(f"The data passed to `{where}` yields no batches (length 0).")
        self.steps = int(steps)
        self._pending = None  # (epoch iterator, first converted batch)
        self._index = 0
        self.exhausted = False

    # -------------------------------------------------------------- raw batches
    def _sequence_order(self):
        n = len(self.sequence)
        passes = []
        total = 0
        while total < self.steps:
            order = torch.randperm(n).tolist() if self._shuffle else list(range(n))
            passes.extend(order)
            total += n
        return passes[:self.steps]

    def _epoch_iter(self):
        if self.sequence is not None:
            order = self._sequence_order()
            use_workers = self._workers > 1 or (self._workers >= 1 and self._mp)
            if not use_workers:
                seq = self.sequence
                return (seq[i] for i in order)
            loader = torch_data.DataLoader(
                _IndexDataset(self.sequence), batch_size=None, sampler=order,
                num_workers=self._workers,
                prefetch_factor=max(1, -(-self._queue // self._workers)))
            return iter(loader)
        if self._loader is not None:
            return _cycle(self._loader)
        return self._iterator

    # -------------------------------------------------------------- conversion
    def _unpack(self, raw, index):
        if self.mode == "predict":
            n_inputs = len(getattr(self.model, "inputs", None) or []) or 1
            if isinstance(raw, tuple) or (isinstance(raw, list) and len(raw) > n_inputs):
                if len(raw) not in (1, 2, 3):
                    raise ValueError(
                        f"Output of generator should be a tuple `(x,)`, `(x, y)` or "
                        f"`(x, y, sample_weight)`, or `x` alone. Found: {_describe(raw)} at "
                        f"batch {index} (in `{self.where}`).")
                return raw[0], None, None
            return raw, None, None
        if not isinstance(raw, (tuple, list)) or len(raw) not in (2, 3):
            raise ValueError(
                "Output of generator should be a tuple `(x, y, sample_weight)` or `(x, y)`. "
                f"Found: {_describe(raw)} at batch {index} (in `{self.where}`).")
        return raw[0], raw[1], raw[2] if len(raw) == 3 else None

    def convert(self, raw, index):
        x, y, sw = self._unpack(raw, index)
        try:
            if self.mode == "predict":
                xs = data_utils.standardize_inputs(self.model, x, self.where)
                if index == 0:
                    self.model._prepare_for_data(xs)
                data_utils.check_input_shapes(self.model, xs)
                return xs
            if index == 0:
                arrays = data_utils.adapt(self.model, x, y, sw, self.class_weight,
                                          self.where).arrays
                self._remember(x, y, sw, arrays)
                return arrays
            fast = self._fast_convert(x, y, sw)
            if fast is not None:
                return fast
            return data_utils.adapt_batch(self.model, x, y, sw, self.class_weight,
                                          self.where).arrays
        except (ValueError, TypeError) as e:
            raise type(e)(f"Error in batch {index} from the data passed to "
                          f"`{self.where}`: {e}") from None

    # Batches shaped like the (fully checked) first one skip the structural checks: a
    # single array input and target, same trailing shapes and dtypes, no weights. Anything
    # else goes through the full checks, which raise the detailed errors.
    _signature = None

    def _remember(self, x, y, sw, arrays):
        xs, ys, _ = arrays
        if (sw is None and self.class_weight is None and len(xs) == 1 and len(ys) == 1
                and isinstance(x, _ARRAY_TYPES) and isinstance(y, _ARRAY_TYPES)):
            self._signature = (tuple(x.shape[1:]), x.dtype, tuple(y.shape[1:]), y.dtype)
            self._x_dtype, self._y_dtype = xs[0].dtype, ys[0].dtype
            self._unsqueeze = ys[0].ndim == y.ndim + 1
            self._device = xs[0].device

    def _fast_convert(self, x, y, sw):
        sig = self._signature
        if (sig is None or sw is not None or not isinstance(x, _ARRAY_TYPES)
                or not isinstance(y, _ARRAY_TYPES) or x.ndim == 0 or y.ndim == 0
                or x.shape[0] != y.shape[0]
                or (tuple(x.shape[1:]), x.dtype, tuple(y.shape[1:]), y.dtype) != sig):
            return None
        xt = data_utils._convert(x, self._x_dtype, self._device)
        yt = data_utils._convert(y, self._y_dtype, self._device)
        if self._unsqueeze:
            yt = yt.unsqueeze(-1)
        return [xt], [yt], None

    def _next_raw(self, it, index):
        try:
            return next(it)
        except StopIteration:
            return None

    def peek(self):
        """Fetches and checks the first batch (builds the model); called before training."""
        if self._pending is None:
            it = self._epoch_iter()
            raw = self._next_raw(it, 0)
            if raw is None:
                raise ValueError(f"The data passed to `{self.where}` yielded no batches.")
            self._pending = (it, self.convert(raw, 0))
        return self._pending[1]

    def batches(self):
        """One epoch: yields converted batches; stops early if a generator runs dry."""
        if self._pending is not None:
            it, first = self._pending
            self._pending = None
            yield first
            start = 1
        else:
            it = self._epoch_iter()
            start = 0
        for step in range(start, self.steps):
            raw = self._next_raw(it, step)
            if raw is None:
                self.exhausted = True
                warnings.warn(
                    f"Your input ran out of data after {step} of {self.steps} steps; "
                    "interrupting. Make sure the generator can produce at least "
                    "`steps_per_epoch * epochs` batches (or `steps` for evaluate/predict).",
                    stacklevel=3)
                return
            yield self.convert(raw, step)

    def on_epoch_end(self):
        if self.sequence is not None:
            self.sequence.on_epoch_end()


def _safe_len(loader):
    try:
        return len(loader)
    except TypeError:
        return None


def _cycle(loader):
    """A DataLoader repeated as often as the step count asks."""
    while True:
        empty = True
        for batch in loader:
            empty = False
            yield batch
        if empty:
            return
