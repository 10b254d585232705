"""Recurrent layers (Keras 2's `keras.layers.recurrent`): the `RNN` layer that runs any
cell over time, the cells `SimpleRNNCell`, `LSTMCell`, `GRUCell`, `StackedRNNCells`,
and the layers `SimpleRNN`, `LSTM`, `GRU`.

Speed: when the cell's math equals torch's fused kernels (LSTM with tanh/sigmoid, GRU
with `reset_after=True` and tanh/sigmoid, SimpleRNN with tanh/relu) the layer runs
`torch._VF.lstm/gru/rnn_*` (oneDNN on CPU, cuDNN on GPU). Weights are stored in torch
layout (`kernel (in, 4u)` is kept as `weight_ih (4u, in)`; Keras' LSTM gate order
i, f, c, o is torch's), so the kernels take them without copies; GRU's z, r, h blocks
are reordered to torch's r, z, n on each call (a few small copies). Masked batches whose
valid steps form one block per row (pre- or post-padding) stay on the fused path (see
`_fused_sequence`); other masks, and every other configuration (hard_sigmoid, GRU
`reset_after=False`, recurrent dropout in training, `unroll`), run a step loop with
Keras' exact math.

Mask semantics (Keras 2): at a masked step the state is carried unchanged and the output
repeats the previous output (zeros before the first valid step); `zero_output_for_mask`
(set by `Bidirectional` with `return_sequences`) emits zeros there instead.
"""
import contextlib
import inspect
import warnings

import numpy as np
import torch
import torch.nn.functional as F
from torch import _VF
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

from tkeras import activations, constraints, initializers, regularizers
from tkeras.engine.base_layer import Layer, Permuted
from tkeras.engine.input_spec import InputSpec, assert_mask_shape, fixed_batch_message
from tkeras.engine.keras_tensor import torch_dtype

__all__ = ["RNN", "AbstractRNNCell", "SimpleRNNCell", "LSTMCell", "GRUCell",
           "StackedRNNCells", "SimpleRNN", "LSTM", "GRU"]

_TANH = (activations.tanh, torch.tanh, F.tanh)
_SIGMOID = (activations.sigmoid, torch.sigmoid, F.sigmoid)
_RELU = (activations.relu, torch.relu, F.relu)
_TRANSPOSED = Permuted((1, 0))


# ---------------------------------------------------------------------- small helpers
def _positive_units(units, example):
    if isinstance(units, bool) or not isinstance(units, int) and not hasattr(units, "__index__") \
            or int(units) <= 0:
        raise ValueError(
            "Received an invalid value for argument `units`, expected a positive integer. "
            f"Received: units={units!r}. Example: {example}"
        )
    return int(units)


def _rate(value):
    return min(1.0, max(0.0, float(value)))


def _is_multiple_state(state_size):
    return isinstance(state_size, (list, tuple)) and not isinstance(state_size, torch.Size)


def _flat_state_sizes(state_size):
    """The cell's states as a flat list of sizes (an int or a shape each)."""
    if not _is_multiple_state(state_size):
        return [state_size]
    out = []
    for s in state_size:
        out += _flat_state_sizes(s)
    return out


def _flatten(structure):
    """Nested lists/tuples of tensors -> flat list."""
    if not isinstance(structure, (list, tuple)):
        return [structure]
    return [t for s in structure for t in _flatten(s)]


def _standardize_call(inputs, mask, initial_state):
    """`[x, *states]` (how files record initial states) -> x, its mask, flat states."""
    if isinstance(inputs, (list, tuple)):
        if initial_state is None and len(inputs) > 1:
            initial_state = list(inputs[1:])
        inputs = inputs[0]
    if isinstance(mask, (list, tuple)):
        mask = mask[0]
    if initial_state is not None:
        initial_state = _flatten(initial_state)
    return inputs, mask, initial_state


def _state_shape(size):
    return tuple(size) if isinstance(size, (torch.Size, tuple, list)) else (int(size),)


def _shape_text(shape):
    return "(" + ", ".join(str(d) for d in shape) + ")"


def _as_tensor_like(value, like, what, layer_name):
    """A mask or state given as numpy (or a list) -> a tensor on `like`'s device."""
    if isinstance(value, torch.Tensor):
        return value if value.device == like.device else value.to(like.device)
    try:
        array = np.asarray(value)
    except (TypeError, ValueError):
        array = None
    if array is None or array.dtype.kind not in "biuf":
        raise TypeError(
            f"Layer '{layer_name}' expects `{what}` to be a tensor or a numpy array of "
            f"numbers or booleans. Received: {what}={value!r}"
        )
    return torch.as_tensor(array, device=like.device)


def _accepts(fn, name):
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return name in params or any(p.kind == p.VAR_KEYWORD for p in params.values())


def _scope_of(layer):
    """The variable scope of `layer`'s weights (`bilstm/forward_lstm`), as Keras names them."""
    outer = layer.__dict__.get("_outer_scope")
    return f"{outer}/{layer.name}" if outer else layer.name


_CELL_ARGS = ("activation", "use_bias", "kernel_initializer", "recurrent_initializer",
              "bias_initializer", "kernel_regularizer", "recurrent_regularizer",
              "bias_regularizer", "kernel_constraint", "recurrent_constraint",
              "bias_constraint", "dropout", "recurrent_dropout")


def _cell_args(arguments):
    """The arguments every Keras cell shares, picked from a constructor's `locals()`."""
    return {k: arguments[k] for k in _CELL_ARGS}


def _forget_bias_initializer(init, units):
    """LSTM `unit_forget_bias`: the forget-gate block (i, f, c, o) starts at 1."""

    def forget_one(shape, dtype=None):
        def part(n):
            return torch.as_tensor(init((n,), dtype=dtype), dtype=dtype)

        return torch.cat([part(units), torch.ones(units, dtype=dtype), part(2 * units)])

    return forget_one


def _dropout_masks(like, rate, count):
    ones = torch.ones_like(like)
    return [F.dropout(ones, rate, training=True) for _ in range(count)]


def _expand_mask(m, like):
    """(batch,) bool -> broadcastable to `like` (batch, ...)."""
    return m.reshape(m.shape + (1,) * (like.ndim - 1))


# ---------------------------------------------------------------------- step loop
def _step_loop(step, xs, states, mask, need_sequence, zero_output):
    """Runs `step(x_t, states) -> (output, new_states)` over axis 1 of `xs`, with Keras'
    mask semantics. Returns (last output, sequence of outputs or None, final states)."""
    steps = xs.shape[1]
    if xs.device.type == "meta":  # shape inference: one step tells every shape
        out, states = step(xs[:, 0], states)
        seq = out.unsqueeze(1).expand((out.shape[0], steps) + tuple(out.shape[1:])) \
            if need_sequence else None
        return out, seq, states
    outputs = []
    prev = zeros = None
    for t in range(steps):
        out, new_states = step(xs[:, t], states)
        if mask is not None:
            m = mask[:, t]
            if zeros is None:
                zeros = torch.zeros_like(out)
            out = torch.where(_expand_mask(m, out), out,
                              zeros if zero_output or prev is None else prev)
            new_states = [torch.where(_expand_mask(m, n), n, s)
                          for n, s in zip(new_states, states)]
        prev = out
        states = new_states
        if need_sequence:
            outputs.append(out)
    seq = torch.stack(outputs, 1) if need_sequence else None
    return prev, seq, list(states)


# ---------------------------------------------------------------------- fused kernels
_VF_FUNCTIONS = {"LSTM": "lstm", "GRU": "gru", "RNN_TANH": "rnn_tanh", "RNN_RELU": "rnn_relu"}


def _vf_call(mode, x, hx, weights, batch_sizes=None):
    """One torch fused RNN layer. `hx`: list of (1, batch, units) states."""
    fn = getattr(_VF, _VF_FUNCTIONS[mode])
    has_bias = len(weights) == 4
    # cuDNN keeps what backward needs only in "train" mode: follow autograd, not Keras'
    # `training` (which only concerns dropout, handled outside the kernel).
    train = torch.is_grad_enabled()
    h = tuple(hx) if mode == "LSTM" else hx[0]
    if batch_sizes is None:
        res = fn(x, h, weights, has_bias, 1, 0.0, train, False, True)
    else:
        res = fn(x, batch_sizes, h, weights, has_bias, 1, 0.0, train, False)
    return res[0], list(res[1:])


class _MaskPlan:
    """Where each row's valid steps are, when they form one contiguous block."""

    def __init__(self, mask):
        batch, steps = mask.shape
        self.lengths = mask.sum(1)
        self.starts = mask.to(torch.uint8).argmax(1)  # first valid step (0 if none)
        t = torch.arange(steps, device=mask.device)
        block = (t >= self.starts[:, None]) & (t < (self.starts + self.lengths)[:, None])
        regular = (block == mask).all().reshape(1).to(self.lengths.dtype)
        # One device -> host transfer decides the path (and gives packing its lengths).
        info = torch.cat([self.lengths, self.starts, regular]).cpu()
        self.regular = bool(info[-1])
        self.cpu_lengths = info[:batch]
        self.all_valid = bool((self.cpu_lengths == steps).all())
        self.shifted = bool(info[batch:2 * batch].any())
        self.empty = bool((self.cpu_lengths == 0).any())


def _fused_sequence(mode, weights, x, states, mask, need_sequence, zero_output, need_states):
    """Runs a fused kernel; returns (last, sequence, states), or None when the mask is
    not one block of valid steps per row (the caller then uses the step loop).

    A masked batch is first shifted so that each row's block starts at step 0. Then
    the kernel runs over all steps (a row's outputs before its block ends do not depend
    on what follows), and each row's results are read at its last valid step. Packed
    sequences are used instead when the kernel cannot give that: an LSTM whose final
    carry state is wanted (`return_state`, `stateful`; the kernel returns the carry of
    the last step only), and a relu RNN, unbounded, whose steps past the block could
    overflow and poison the gradients.
    """
    hx = [s.unsqueeze(0) for s in states]
    plan = None
    if mask is not None and x.device.type != "meta":
        plan = _MaskPlan(mask)
        if not plan.regular:
            return None
        if plan.all_valid:
            plan = None
    if plan is None:
        out, hn = _vf_call(mode, x, hx, weights)
        states = [h[0] for h in hn]
        return states[0], (out if need_sequence else None), states
    batch, steps = mask.shape
    t = torch.arange(steps, device=x.device)
    lengths, starts = plan.lengths, plan.starts
    if plan.shifted:  # move each row's block to the start (pre-padding -> post-padding)
        idx = (t[None] + starts[:, None]).clamp(max=steps - 1)
        x = x.gather(1, idx[..., None].expand(-1, -1, x.shape[-1]))
    if mode == "LSTM" and need_states or mode == "RNN_RELU":
        out, states = _packed_run(mode, weights, x, hx, plan)
    else:
        out, _ = _vf_call(mode, x, hx, weights)
        last_step = (lengths - 1).clamp(min=0)
        h = out.gather(1, last_step[:, None, None].expand(-1, 1, out.shape[-1]))[:, 0]
        states = [h] + [None] * (len(hx) - 1)  # an LSTM carry nobody asked for
    valid_row = (lengths > 0)[:, None]
    if plan.empty:  # rows without a valid step keep their initial state
        states = [torch.where(valid_row, s, h[0]) if s is not None else None
                  for s, h in zip(states, hx)]
    last = states[0]
    if zero_output:
        last = last * mask[:, -1:].to(last.dtype)
    elif plan.empty:
        last = last * valid_row.to(last.dtype)
    seq = None
    if need_sequence:
        # out[:, k] is the output of a row's k-th valid step (k < its length).
        rel = t[None] - starts[:, None]
        idx = rel.clamp(min=0)
        if not zero_output:  # after its block a row repeats its last output
            idx = torch.minimum(idx, (lengths - 1).clamp(min=0)[:, None])
        seq = out.gather(1, idx[..., None].expand(-1, -1, out.shape[-1]))
        keep = mask if zero_output else (rel >= 0) & valid_row
        seq = seq * keep[..., None].to(seq.dtype)
    return last, seq, states


def _packed_run(mode, weights, x, hx, plan):
    """Fused kernel over packed sequences: (padded outputs, final states per row)."""
    packed = pack_padded_sequence(x, plan.cpu_lengths.clamp(min=1), batch_first=True,
                                  enforce_sorted=False)
    sorted_hx = [h.index_select(1, packed.sorted_indices) for h in hx]
    out, hn = _vf_call(mode, packed.data, sorted_hx, weights, packed.batch_sizes)
    states = [h.index_select(1, packed.unsorted_indices)[0] for h in hn]
    out, _ = pad_packed_sequence(
        PackedSequence(out, packed.batch_sizes, packed.sorted_indices, packed.unsorted_indices),
        batch_first=True, total_length=x.shape[1])
    return out, states


def _flatten_for_cudnn(cell, weights, mode, input_size, hidden_size):
    """Puts the cell's torch-layout weights in one cuDNN buffer, as `nn.LSTM` does, so
    cuDNN does not compact them on every call (GPU only)."""
    ptrs = tuple(w.data_ptr() for w in weights)
    if cell.__dict__.get("_cudnn_ptrs") == ptrs:
        return
    first = weights[0]
    if not all(w.is_cuda and w.dtype == first.dtype and torch.backends.cudnn.is_acceptable(w)
               for w in weights) or len(set(ptrs)) != len(ptrs):
        return
    import torch.backends.cudnn.rnn as cudnn_rnn

    with torch.cuda.device_of(first), torch.no_grad():
        if torch._use_cudnn_rnn_flatten_weight():
            torch._cudnn_rnn_flatten_weight(
                weights, len(weights), input_size, cudnn_rnn.get_cudnn_mode(mode),
                hidden_size, 0, 1, True, False)
    cell.__dict__["_cudnn_ptrs"] = tuple(w.data_ptr() for w in weights)


@contextlib.contextmanager
def _quiet_cudnn_packing(active):
    """GRU's weights, reordered to torch's gate order, are fresh tensors on each call:
    cuDNN packs them itself and warns about it; the copy is intended."""
    if not active:
        yield
        return
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*single contiguous chunk")
        yield


# ---------------------------------------------------------------------- cells
class DropoutRNNCellMixin:
    """Dropout masks of a cell, drawn once per sequence and reused at every step."""

    def get_dropout_mask_for_cell(self, inputs, training, count=1):
        if not training or self.dropout == 0:
            return None
        if self.__dict__.get("_dp_mask") is None:
            self._dp_mask = _dropout_masks(inputs, self.dropout, count)
        return self._dp_mask

    def get_recurrent_dropout_mask_for_cell(self, inputs, training, count=1):
        if not training or self.recurrent_dropout == 0:
            return None
        if self.__dict__.get("_rec_dp_mask") is None:
            self._rec_dp_mask = _dropout_masks(inputs, self.recurrent_dropout, count)
        return self._rec_dp_mask

    def reset_dropout_mask(self):
        self._dp_mask = None

    def reset_recurrent_dropout_mask(self):
        self._rec_dp_mask = None


class AbstractRNNCell(Layer):
    """Base class for user cells: define `state_size`, `output_size` and
    `call(inputs, states) -> (output, new_states)`."""

    @property
    def state_size(self):
        raise NotImplementedError

    @property
    def output_size(self):
        raise NotImplementedError

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        return None


class _KerasCell(DropoutRNNCellMixin, Layer):
    """Shared machinery of SimpleRNNCell, LSTMCell and GRUCell.

    Subclasses set `_gates` (weight blocks per unit) and implement `_step` (one step
    from the precomputed input projection) and `_fused_mode`.
    """

    _gates = 1

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, **kwargs):
        kwargs.pop("enable_caching_device", None)  # a TensorFlow placement option
        super().__init__(**kwargs)
        self.units = _positive_units(units, f"{type(self).__name__}(units=32)")
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = _rate(dropout)
        self.recurrent_dropout = _rate(recurrent_dropout)
        self._keras_records = {}

    # -- weights: torch layout inside, Keras layout through these properties
    def _add_cell_weight(self, name, attr, shape, initializer, regularizer, constraint,
                         layout=None):
        """A Keras weight `name` stored as the torch-layout parameter `attr`."""
        self.add_weight(name, shape, initializer=initializer, regularizer=regularizer,
                        constraint=constraint, layout=layout)
        rec = self._weight_records[-1]
        if rec.attr != attr:
            self.register_parameter(attr, self._parameters.pop(rec.attr))
            rec.attr = attr
        self._keras_records[name] = rec

    def _keras_weight(self, name):
        rec = self._keras_records.get(name)
        return None if rec is None else self._keras_view(rec)

    kernel = property(lambda self: self._keras_weight("kernel"),
                      doc="`kernel (input_dim, gates * units)`, Keras layout (a view).")
    recurrent_kernel = property(lambda self: self._keras_weight("recurrent_kernel"),
                                doc="`recurrent_kernel (units, gates * units)`, Keras layout.")
    bias = property(lambda self: self._keras_weight("bias"), doc="`bias`, Keras layout.")

    def _weight_full_name(self, rec):
        return f"{_scope_of(self)}/{rec.name}:0"

    def _bias_shape(self):
        return (self._gates * self.units,)

    def _bias_initializer(self):
        return self.bias_initializer

    def build(self, input_shape):
        input_dim = input_shape[-1]
        n = self._gates * self.units
        self._add_cell_weight("kernel", "weight_ih", (input_dim, n), self.kernel_initializer,
                              self.kernel_regularizer, self.kernel_constraint, _TRANSPOSED)
        self._add_cell_weight("recurrent_kernel", "weight_hh", (self.units, n),
                              self.recurrent_initializer, self.recurrent_regularizer,
                              self.recurrent_constraint, _TRANSPOSED)
        if self.use_bias:
            self._add_cell_weight("bias", "bias_ih", self._bias_shape(), self._bias_initializer(),
                                  self.bias_regularizer, self.bias_constraint)
            # torch kernels add a second (recurrent) bias; Keras has none: zeros.
            self.register_buffer("bias_hh", torch.zeros(n, dtype=self.weight_ih.dtype,
                                                        device=self.weight_ih.device),
                                 persistent=False)
        self.built = True

    @property
    def state_size(self):
        return self.units

    @property
    def output_size(self):
        return self.units

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        sizes = _flat_state_sizes(self.state_size)
        device = self.weight_ih.device if self.built else None
        states = [torch.zeros((batch_size,) + _state_shape(s), dtype=dtype or torch.float32,
                              device=device) for s in sizes]
        return states if _is_multiple_state(self.state_size) else states[0]

    # -- sequence path used by the RNN layer
    def _input_projection(self, x, training):
        """x (batch, time, in) -> x·kernel + input bias for every step, input dropout
        applied (one mask per sequence, as Keras)."""
        bias = self._input_bias()
        if not (training and self.dropout > 0):
            return F.linear(x, self.weight_ih, bias)
        masks = _dropout_masks(x[:, 0], self.dropout, self._dropout_count())
        if len(masks) == 1 or self._implementation() == 2:
            return F.linear(x * masks[0].unsqueeze(1), self.weight_ih, bias)
        w = self.weight_ih.chunk(self._gates)
        b = bias.chunk(self._gates) if bias is not None else [None] * self._gates
        return torch.cat([F.linear(x * m.unsqueeze(1), wk, bk)
                          for m, wk, bk in zip(masks, w, b)], -1)

    def _input_bias(self):
        return self.bias_ih if self.use_bias else None

    def _dropout_count(self):
        return self._gates

    def _implementation(self):
        return 2

    def _recurrent_masks(self, h, training):
        if not (training and self.recurrent_dropout > 0):
            return None
        return _dropout_masks(h, self.recurrent_dropout, self._dropout_count())

    def _fused_mode(self, training):
        return None

    def _fused_weights(self):
        if self.use_bias:
            return [self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh]
        return [self.weight_ih, self.weight_hh]

    def _sequence(self, x, states, mask, training, need_sequence, zero_output, unroll,
                  need_states=True):
        # Shape inference (meta tensors) takes the step loop, which runs one step: the
        # fused kernels' meta versions step through every timestep.
        mode = None if unroll or x.device.type == "meta" else self._fused_mode(training)
        if mode is not None:
            xin = x
            if training and self.dropout > 0:
                xin = x * _dropout_masks(x[:, 0], self.dropout, 1)[0].unsqueeze(1)
            weights = self._fused_weights()
            if xin.is_cuda and mode != "GRU":
                _flatten_for_cudnn(self, weights, mode, x.shape[-1], self.units)
                weights = self._fused_weights()
            with _quiet_cudnn_packing(xin.is_cuda and mode == "GRU"):
                result = _fused_sequence(mode, weights, xin, states, mask, need_sequence,
                                         zero_output, need_states)
            if result is not None:
                return result
        xp = self._input_projection(x, training)
        rec_masks = self._recurrent_masks(states[0], training)
        return _step_loop(lambda xt, st: self._step(xt, st, rec_masks), xp, states, mask,
                          need_sequence, zero_output)

    # -- one step (public Keras API)
    def _check_step_args(self, inputs, states):
        """The door of one step: inputs (batch, input_dim), states (batch, units) each."""
        states = [_as_tensor_like(s, inputs, "states", self.name) for s in states]
        input_dim = self.weight_ih.shape[1]
        if inputs.ndim != 2 or inputs.shape[1] != input_dim:
            raise ValueError(
                f"Cell '{self.name}' expects inputs of shape (batch, {input_dim}) at each "
                f"step, but received shape {tuple(inputs.shape)}."
            )
        want = (inputs.shape[0], self.units)
        n = len(_flat_state_sizes(self.state_size))
        if len(states) != n or any(tuple(s.shape) != want for s in states):
            raise ValueError(
                f"Cell '{self.name}' expects {n} state(s) of shape {want} (the batch size of "
                f"the inputs, then `units`), but received shapes "
                f"{[tuple(s.shape) for s in states]}."
            )
        return [s if s.dtype == inputs.dtype else s.to(inputs.dtype) for s in states]

    def call(self, inputs, states, training=None):
        multiple = isinstance(states, (list, tuple))
        if not inputs.is_floating_point():
            inputs = inputs.to(torch_dtype(self.dtype))
        states = self._check_step_args(inputs, list(states) if multiple else [states])
        dp = self.get_dropout_mask_for_cell(inputs, training, self._dropout_count())
        rec = self.get_recurrent_dropout_mask_for_cell(states[0], training,
                                                       self._dropout_count())
        bias = self._input_bias()
        if dp is None:
            xp = F.linear(inputs, self.weight_ih, bias)
        elif len(dp) == 1 or self._implementation() == 2:
            xp = F.linear(inputs * dp[0], self.weight_ih, bias)
        else:
            b = bias.chunk(self._gates) if bias is not None else [None] * self._gates
            xp = torch.cat([F.linear(inputs * m, wk, bk) for m, wk, bk in
                            zip(dp, self.weight_ih.chunk(self._gates), b)], -1)
        out, new_states = self._step(xp, states, rec)
        return out, (new_states if multiple or len(new_states) > 1 else new_states[0])

    def _recurrent_matmul(self, h, masks, lo, hi, bias=None):
        """h · recurrent_kernel[:, lo*u:hi*u] (+ bias), with per-gate recurrent dropout."""
        u = self.units
        w = self.weight_hh[lo * u:hi * u]
        if masks is None:
            return F.linear(h, w, bias)
        parts = [F.linear(h * masks[g], w[(g - lo) * u:(g - lo + 1) * u])
                 for g in range(lo, hi)]
        out = torch.cat(parts, -1)
        return out if bias is None else out + bias

    def _base_config(self):
        config = super().get_config()
        config.update({
            "units": self.units,
            "activation": activations.serialize(self.activation),
        })
        return config

    def _weights_config(self):
        return {
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
        }


_KerasCell._builtin_call = _KerasCell.call


class SimpleRNNCell(_KerasCell):
    """Cell of a fully-connected RNN: `h = activation(x·kernel + bias + h_prev·recurrent)`.

    Args:
        units: Positive int, dimensionality of the output and state.
        activation: Defaults to `'tanh'`.
        use_bias, kernel/recurrent/bias_initializer (defaults `'glorot_uniform'`,
        `'orthogonal'`, `'zeros'`), *_regularizer, *_constraint: as Keras.
        dropout / recurrent_dropout: Fractions of the inputs / states dropped in
            training. Default `0.0`.

    Weights (Keras layout): `kernel (in, units)`, `recurrent_kernel (units, units)`,
    `bias (units,)`.

    Example:

    >>> cell = tkeras.layers.SimpleRNNCell(4)
    >>> out, states = cell(torch.zeros(2, 3), [torch.zeros(2, 4)])
    >>> tuple(out.shape)
    (2, 4)
    """

    _gates = 1

    def _dropout_count(self):
        return 1

    def _fused_mode(self, training):
        if training and self.recurrent_dropout > 0:
            return None
        if self.activation in _TANH:
            return "RNN_TANH"
        if self.activation in _RELU:
            return "RNN_RELU"
        return None

    def _step(self, xp, states, rec_masks):
        h = states[0]
        if rec_masks is not None:
            h = h * rec_masks[0]
        out = self.activation(xp + F.linear(h, self.weight_hh))
        return out, [out]

    def get_config(self):
        config = self._base_config()
        config.update(self._weights_config())
        return config


class LSTMCell(_KerasCell):
    """Cell of the Long Short-Term Memory layer (Hochreiter 1997), Keras 2 math:
    `i = ra(z_i)`, `f = ra(z_f)`, `c = f*c_prev + i*act(z_c)`, `o = ra(z_o)`,
    `h = o*act(c)` with `z = x·kernel + h_prev·recurrent_kernel + bias`.

    Args:
        units: Positive int.
        activation: Defaults to `'tanh'`.
        recurrent_activation: Defaults to `'sigmoid'` (Keras 2.2 files often say
            `'hard_sigmoid'`: `clip(0.2*x + 0.5, 0, 1)`, supported exactly).
        unit_forget_bias: Initialize the forget-gate bias to 1. Defaults to `True`.
        implementation: 1 or 2 (only changes how dropout masks are drawn, as Keras).
        Other arguments as `SimpleRNNCell`.

    Weights (Keras layout, gate blocks i, f, c, o): `kernel (in, 4u)`,
    `recurrent_kernel (u, 4u)`, `bias (4u,)`.

    Example:

    >>> cell = tkeras.layers.LSTMCell(4)
    >>> h, (h2, c) = cell(torch.zeros(2, 3), [torch.zeros(2, 4), torch.zeros(2, 4)])
    >>> tuple(c.shape)
    (2, 4)
    """

    _gates = 4

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, **kwargs):
        implementation = kwargs.pop("implementation", 2)
        super().__init__(units, **_cell_args(locals()), **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = bool(unit_forget_bias)
        # As Keras: recurrent dropout needs the per-gate formulation.
        self.implementation = 1 if self.recurrent_dropout != 0 else int(implementation)

    @property
    def state_size(self):
        return [self.units, self.units]

    def _implementation(self):
        return self.implementation

    def _bias_initializer(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        return _forget_bias_initializer(self.bias_initializer, self.units)

    def _fused_mode(self, training):
        if self.activation not in _TANH or self.recurrent_activation not in _SIGMOID:
            return None
        if training and (self.recurrent_dropout > 0 or
                         self.dropout > 0 and self.implementation == 1):
            return None
        return "LSTM"

    def _step(self, xp, states, rec_masks):
        h, c = states
        z = xp + self._recurrent_matmul(h, rec_masks, 0, 4)
        zi, zf, zc, zo = z.chunk(4, -1)
        ra = self.recurrent_activation
        c = ra(zf) * c + ra(zi) * self.activation(zc)
        h = ra(zo) * self.activation(c)
        return h, [h, c]

    def get_config(self):
        config = self._base_config()
        config["recurrent_activation"] = activations.serialize(self.recurrent_activation)
        config.update(self._weights_config())
        config["unit_forget_bias"] = self.unit_forget_bias
        config["implementation"] = self.implementation
        return config


class GRUCell(_KerasCell):
    """Cell of the Gated Recurrent Unit layer (Cho et al. 2014), Keras 2 math:
    `z = ra(x·Wz + h·Uz)`, `r = ra(x·Wr + h·Ur)`, `h = z*h_prev + (1-z)*hh` with
    `hh = act(x·Wh + r*(h·Uh + b_rec))` (`reset_after=True`, the tf.keras 2 default,
    cuDNN-compatible) or `hh = act(x·Wh + (r*h)·Uh)` (`reset_after=False`, Keras 2.0-2.3).

    Args:
        units: Positive int.
        recurrent_activation: Defaults to `'sigmoid'`.
        reset_after: Defaults to `True`.
        implementation: 1 or 2 (how dropout masks are drawn, as Keras).
        Other arguments as `SimpleRNNCell`.

    Weights (Keras layout, gate blocks z, r, h): `kernel (in, 3u)`,
    `recurrent_kernel (u, 3u)`, `bias (2, 3u)` (input and recurrent bias) when
    `reset_after`, else `bias (3u,)`.

    Example:

    >>> cell = tkeras.layers.GRUCell(4)
    >>> h, states = cell(torch.zeros(2, 3), [torch.zeros(2, 4)])
    >>> cell.bias.shape
    torch.Size([2, 12])
    """

    _gates = 3

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, reset_after=True, **kwargs):
        implementation = kwargs.pop("implementation", 2)
        super().__init__(units, **_cell_args(locals()), **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.reset_after = bool(reset_after)
        self.implementation = 1 if self.recurrent_dropout != 0 else int(implementation)

    def _implementation(self):
        return self.implementation

    def _bias_shape(self):
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def _input_bias(self):
        if not self.use_bias:
            return None
        return self.bias_ih[0] if self.reset_after else self.bias_ih

    def _fused_mode(self, training):
        if not self.reset_after or self.activation not in _TANH \
                or self.recurrent_activation not in _SIGMOID:
            return None
        if training and (self.recurrent_dropout > 0 or
                         self.dropout > 0 and self.implementation == 1):
            return None
        return "GRU"

    def _fused_weights(self):
        u = self.units

        def torch_order(w):  # Keras blocks z, r, h -> torch r, z, n
            return torch.cat([w[u:2 * u], w[:u], w[2 * u:]])

        weights = [torch_order(self.weight_ih), torch_order(self.weight_hh)]
        if self.use_bias:
            weights += [torch_order(self.bias_ih[0]), torch_order(self.bias_ih[1])]
        return weights

    def _step(self, xp, states, rec_masks):
        h = states[0]
        ra = self.recurrent_activation
        xz, xr, xh = xp.chunk(3, -1)
        if self.reset_after:
            rec_bias = self.bias_ih[1] if self.use_bias else None
            inner = self._recurrent_matmul(h, rec_masks, 0, 3, rec_bias)
            rz, rr, rh = inner.chunk(3, -1)
            z = ra(xz + rz)
            r = ra(xr + rr)
            hh = self.activation(xh + r * rh)
        else:
            rz, rr = self._recurrent_matmul(h, rec_masks, 0, 2).chunk(2, -1)
            z = ra(xz + rz)
            r = ra(xr + rr)
            h_h = h if rec_masks is None else h * rec_masks[2]
            hh = self.activation(xh + F.linear(r * h_h, self.weight_hh[2 * self.units:]))
        h = z * h + (1 - z) * hh
        return h, [h]

    def get_config(self):
        config = self._base_config()
        config["recurrent_activation"] = activations.serialize(self.recurrent_activation)
        config.update(self._weights_config())
        config["implementation"] = self.implementation
        config["reset_after"] = self.reset_after
        return config


class StackedRNNCells(Layer):
    """Wraps a list of cells so they act as one cell: each step runs them in order,
    feeding each cell's output to the next. States are the cells' states in order.

    Example:

    >>> cells = [tkeras.layers.LSTMCell(4), tkeras.layers.GRUCell(3)]
    >>> layer = tkeras.layers.RNN(cells)
    >>> tuple(layer(np.zeros((2, 5, 6), "float32")).shape)
    (2, 3)
    """

    def __init__(self, cells, **kwargs):
        kwargs.pop("reverse_state_order", None)
        for cell in cells:
            if not hasattr(cell, "call"):
                raise ValueError(
                    "All cells must have a `call` method. "
                    f"Received cell without a `call` method: {cell}"
                )
            if not hasattr(cell, "state_size"):
                raise ValueError(
                    "All cells must have a `state_size` attribute. "
                    f"Received cell without a `state_size`: {cell}"
                )
        super().__init__(**kwargs)
        self.cells = list(cells)

    @property
    def state_size(self):
        return tuple(c.state_size for c in self.cells)

    @property
    def output_size(self):
        return _cell_output_size(self.cells[-1])

    def _counts(self):
        return [len(_flat_state_sizes(c.state_size)) for c in self.cells]

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        return [_initial_states(c, batch_size, dtype, None) for c in self.cells]

    def build(self, input_shape):
        if isinstance(input_shape, list):
            input_shape = input_shape[0]
        for cell in self.cells:
            _build_cell(cell, tuple(input_shape))
            input_shape = (input_shape[0],) + _state_shape(_cell_output_size(cell))
        self.built = True

    def call(self, inputs, states, training=None):
        flat = list(states)
        new_states = []
        i = 0
        for cell, n in zip(self.cells, self._counts()):
            inputs, cell_states = _call_cell(cell, inputs, flat[i:i + n], training)
            new_states += cell_states
            i += n
        return inputs, new_states

    def _fast(self):
        return all(_is_fast_cell(c) for c in self.cells)

    def _sequence(self, x, states, mask, training, need_sequence, zero_output, unroll,
                  need_states=True):
        # Running the stack layer by layer equals running it step by step (a masked
        # step changes no state, whatever its input), and lets each cell be fused.
        new_states = []
        i = 0
        last = seq = None
        for k, (cell, n) in enumerate(zip(self.cells, self._counts())):
            top = k == len(self.cells) - 1
            last, seq, cell_states = cell._sequence(
                x, states[i:i + n], mask, training, need_sequence or not top,
                zero_output if top else False, unroll, need_states)
            new_states += cell_states
            x = seq
            i += n
        return last, seq, new_states

    def get_config(self):
        from tkeras import layers

        config = super().get_config()
        config["cells"] = [layers.serialize(c) for c in self.cells]
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from tkeras import layers

        config = dict(config)
        cells = [layers.deserialize(c, custom_objects=custom_objects)
                 for c in config.pop("cells")]
        return cls(cells, **config)


def _cell_output_size(cell):
    size = getattr(cell, "output_size", None)
    if size is not None:
        return size
    return _flat_state_sizes(cell.state_size)[0]


def _build_cell(cell, step_shape):
    if isinstance(cell, Layer):
        if not cell.built:
            cell._maybe_build(step_shape)
    elif hasattr(cell, "build"):
        cell.build(step_shape)


def _initial_states(cell, batch_size, dtype, device):
    """Flat list of the cell's initial states (its `get_initial_state`, or zeros)."""
    fn = getattr(cell, "get_initial_state", None)
    states = fn(inputs=None, batch_size=batch_size, dtype=dtype) if fn is not None else None
    if states is None:
        return [torch.zeros((batch_size,) + _state_shape(s), dtype=dtype, device=device)
                for s in _flat_state_sizes(cell.state_size)]
    return [s.to(device=device, dtype=dtype) if device is not None else s
            for s in _flatten(states)]


def _call_cell(cell, inputs, states, training):
    """One step of any cell: (output, flat list of new states)."""
    kwargs = {}
    fn = cell.call
    if _accepts(fn, "training"):
        kwargs["training"] = training
    if isinstance(cell, Layer):
        out, new = torch.nn.Module.__call__(cell, inputs, list(states), **kwargs)
    else:
        out, new = fn(inputs, list(states), **kwargs)
    if not isinstance(new, (list, tuple)):
        new = [new]
    return out, list(new)


def _is_fast_cell(cell):
    """Whether the cell runs whole sequences itself (`_sequence`): tkeras's own cells,
    unless a subclass overrides `call` (its math is then used step by step)."""
    if isinstance(cell, StackedRNNCells):
        return cell._fast()
    builtin = getattr(type(cell), "_builtin_call", None)
    return builtin is not None and type(cell).call is builtin


# ---------------------------------------------------------------------- RNN layer
class RNN(Layer):
    """Base class for recurrent layers: runs a cell over the time axis.

    Args:
        cell: an RNN cell (an object with `call(inputs, states)` returning
            `(output, new_states)` and a `state_size` attribute), or a list of cells
            (stacked with `StackedRNNCells`).
        return_sequences: Return the full sequence of outputs instead of the last one.
            Defaults to `False`.
        return_state: Also return the final states (a list: output first).
            Defaults to `False`.
        go_backwards: Process the sequence backwards (and return the reversed
            sequence). Defaults to `False`.
        stateful: Keep the final states of batch i as the initial states of batch i
            of the next call; needs a fixed batch size. Defaults to `False`.
        unroll: Accepted for compatibility (tkeras always runs eagerly); selects the
            step loop. Defaults to `False`.
        time_major: Inputs and outputs are `(time, batch, ...)`. Defaults to `False`.

    Call arguments:
        inputs: `(batch, time, features)`; mask: `(batch, time)` booleans (from
        `Embedding(mask_zero=True)` or `Masking`); training: enables dropout;
        initial_state: list of initial state tensors.

    Example:

    >>> class MinimalRNNCell(tkeras.layers.Layer):
    ...     def __init__(self, units, **kwargs):
    ...         super().__init__(**kwargs)
    ...         self.units = units
    ...         self.state_size = units
    ...     def build(self, input_shape):
    ...         self.kernel = self.add_weight("kernel", (input_shape[-1], self.units))
    ...     def call(self, inputs, states):
    ...         output = torch.tanh(inputs @ self.kernel + states[0])
    ...         return output, [output]
    >>> layer = tkeras.layers.RNN(MinimalRNNCell(3), return_sequences=True)
    >>> tuple(layer(np.zeros((2, 5, 4), "float32")).shape)
    (2, 5, 3)
    """

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, time_major=False, **kwargs):
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        if not hasattr(cell, "call"):
            raise ValueError(
                "Argument `cell` should have a `call` method. "
                f"The RNN was passed: cell={cell}"
            )
        if not hasattr(cell, "state_size"):
            raise ValueError(
                "The RNN cell should have a `state_size` attribute (tuple of integers, one "
                f"integer per RNN state). Received: cell={cell}"
            )
        self.zero_output_for_mask = bool(kwargs.pop("zero_output_for_mask", False))
        num_constants = kwargs.pop("num_constants", 0)
        if num_constants:
            raise ValueError(
                "tkeras's RNN layers do not support `constants`. "
                f"Received: num_constants={num_constants}"
            )
        # Keras 2 RNNs also take `input_dim` / `input_length` for `input_shape`.
        input_dim, input_length = kwargs.pop("input_dim", None), kwargs.pop("input_length", None)
        if "input_shape" not in kwargs and "batch_input_shape" not in kwargs and (
                input_dim is not None or input_length is not None):
            kwargs["input_shape"] = (input_length, input_dim)
        super().__init__(**kwargs)
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)
        self.time_major = bool(time_major)
        self.supports_masking = True
        self.input_spec = InputSpec(min_ndim=3)
        self._state_names = []

    # -- states
    @property
    def states(self):
        if not self._state_names:
            return [None] * len(_flat_state_sizes(self.cell.state_size))
        return [getattr(self, n) for n in self._state_names]

    def _stateful_batch_size(self):
        shape = self._build_input_shape
        if isinstance(shape, list):
            shape = shape[0]
        if shape is None:
            shape = self._batch_input_shape
        if shape is None:
            return None
        return shape[1] if self.time_major else shape[0]

    def reset_states(self, states=None):
        """Resets the states of a stateful layer to zeros, or to the given arrays."""
        if not self.stateful:
            raise AttributeError("Layer must be stateful.")
        batch_size = self._stateful_batch_size()
        if not batch_size:
            raise ValueError(
                "If a RNN is stateful, it needs to know its batch size. Specify the batch size "
                "of your input tensors: \n"
                "- If using a Sequential model, specify the batch size by passing a "
                "`batch_input_shape` argument to your first layer.\n"
                "- If using the functional API, specify the batch size by passing a "
                "`batch_shape` argument to your Input layer."
            )
        device = next((t.device for t in self.parameters()), None)
        dtype = torch_dtype(self.dtype)
        if not self._state_names:
            zeros = _initial_states(self.cell, batch_size, dtype, device)
            for i, z in enumerate(zeros):
                name = f"_state_{i}"
                self.register_buffer(name, z.detach().clone(), persistent=False)
                self._state_names.append(name)
        if states is None:
            with torch.no_grad():
                for s in self.states:
                    s.zero_()
            return
        if not isinstance(states, (list, tuple)):
            states = [states]
        if len(states) != len(self._state_names):
            raise ValueError(
                f"Layer {self.name} expects {len(self._state_names)} states, but it received "
                f"{len(states)} state values. States received: {states}"
            )
        for i, (value, state) in enumerate(zip(states, self.states)):
            value = torch.as_tensor(value.detach() if isinstance(value, torch.Tensor) else value)
            if tuple(value.shape) != tuple(state.shape):
                raise ValueError(
                    f"State {i} is incompatible with layer {self.name}: expected "
                    f"shape={tuple(state.shape)} but found shape={tuple(value.shape)}"
                )
        with torch.no_grad():
            for value, state in zip(states, self.states):
                state.copy_(torch.as_tensor(value.detach() if isinstance(value, torch.Tensor)
                                            else value, dtype=state.dtype))

    # -- build / call
    def _step_input_shape(self, input_shape):
        shape = tuple(input_shape)
        return shape[1:] if self.time_major else (shape[0],) + shape[2:]

    def build(self, input_shape):
        if isinstance(input_shape, list) and input_shape and \
                isinstance(input_shape[0], (tuple, list)):
            input_shape = input_shape[0]
        input_shape = tuple(input_shape)
        if len(input_shape) < 3:
            raise ValueError(
                f"Input 0 of layer '{self.name}' is incompatible with the layer: expected "
                f"ndim=3, found ndim={len(input_shape)}. Full shape received: {input_shape}"
            )
        spec = [None] * len(input_shape)
        spec[2:] = input_shape[2:]
        if self.stateful:
            batch_index = 1 if self.time_major else 0
            spec[batch_index] = input_shape[batch_index]
        self.input_spec = InputSpec(shape=tuple(spec))
        if isinstance(self.cell, Layer):
            self.cell.__dict__["_outer_scope"] = _scope_of(self)
        _build_cell(self.cell, self._step_input_shape(input_shape))
        self._build_input_shape = input_shape
        if self.stateful:
            self.reset_states()
        self.built = True

    def get_initial_state(self, inputs):
        batch = inputs.shape[1] if self.time_major else inputs.shape[0]
        return _initial_states(self.cell, batch, inputs.dtype, inputs.device)

    def _initial_state_for_call(self, inputs, initial_state):
        if self.stateful and self._state_names:
            # Copies: the kernels keep their initial states for the backward pass, and
            # `_store_states` overwrites the state variables in place after the call.
            saved = [s.clone() for s in self.states]
            if initial_state is None:
                return saved
            nonzero = sum(s.abs().sum() for s in saved) > 0
            return [torch.where(nonzero, s, i) for s, i in zip(saved, initial_state)]
        if initial_state is None:
            return self.get_initial_state(inputs)
        return initial_state

    # -- the door: everything the fused kernels assume, checked before they run
    def _check_call_args(self, inputs, mask, initial_state):
        """Validates (and converts numpy values of) the call's inputs, mask and initial
        states. The fused kernels trust these shapes; given others they read or write
        out of bounds. Raises a Keras-style ValueError; returns the converted values."""
        if not inputs.is_floating_point():
            inputs = inputs.to(torch_dtype(self.dtype))
        shape = tuple(inputs.shape)
        batch_axis, time_axis = (1, 0) if self.time_major else (0, 1)
        batch, steps = shape[batch_axis], shape[time_axis]
        built = self._build_input_shape
        if isinstance(built, list):
            built = built[0]
        if built is not None and len(built) == len(shape) and any(
                b is not None and b != d for b, d in zip(built[2:], shape[2:])):
            expected = ("batch", "timesteps") + tuple(built[2:])
            raise ValueError(
                f"Layer '{self.name}' was built for inputs of shape "
                f"{_shape_text(expected)} but received shape {shape}. Each timestep must keep "
                "the feature shape the layer was built with."
            )
        if steps == 0 and inputs.device.type != "meta":
            raise ValueError(
                f"Layer '{self.name}' received inputs with 0 timesteps (shape {shape}); an RNN "
                "needs at least one timestep. Pad empty sequences to length 1 (and mask them)."
            )
        if self.stateful:
            expected = self._stateful_batch_size()
            if expected is not None and batch != expected:
                raise ValueError(fixed_batch_message(self.name, expected, batch))
        if mask is not None:
            mask = _as_tensor_like(mask, inputs, "mask", self.name)
            if self.time_major:
                assert_mask_shape(self.name, mask, inputs, (steps, batch), "(timesteps, batch)")
            else:
                assert_mask_shape(self.name, mask, inputs, (batch, steps))
        if initial_state is not None:
            initial_state = [_as_tensor_like(s, inputs, "initial_state", self.name)
                             for s in initial_state]
            n = len(_flat_state_sizes(self.cell.state_size))
            if len(initial_state) != n:
                raise ValueError(
                    f"Layer has {n} states but was passed {len(initial_state)} initial states "
                    f"(layer '{self.name}'). Received: initial_state shapes "
                    f"{[tuple(s.shape) for s in initial_state]}"
                )
            expected = [tuple(s.shape) for s in self.get_initial_state(inputs)]
            for i, (s, want) in enumerate(zip(initial_state, expected)):
                if tuple(s.shape) != want:
                    raise ValueError(
                        f"Layer '{self.name}' expects initial_state[{i}] of shape {want} (the "
                        f"batch size {batch} of the inputs, then the state size), but received "
                        f"shape {tuple(s.shape)}. Pass one state per cell state, each with as "
                        "many rows as the input batch."
                    )
            initial_state = [s.to(inputs.dtype) for s in initial_state]
        return inputs, mask, initial_state

    def call(self, inputs, mask=None, training=None, initial_state=None, constants=None):
        if constants is not None:
            raise ValueError("tkeras's RNN layers do not support `constants`.")
        inputs, mask, initial_state = _standardize_call(inputs, mask, initial_state)
        inputs, mask, initial_state = self._check_call_args(inputs, mask, initial_state)
        states = self._initial_state_for_call(inputs, initial_state)
        x = inputs.transpose(0, 1) if self.time_major else inputs
        if mask is not None:
            mask = mask.bool()
            if self.time_major:
                mask = mask.transpose(0, 1)
        if self.go_backwards:
            x = x.flip(1)
            if mask is not None:
                mask = mask.flip(1)
        last, seq, states = self._run(x, states, mask, training)
        if self.stateful and x.device.type != "meta":
            self._store_states(states)
        if self.return_sequences:
            output = seq.transpose(0, 1) if self.time_major else seq
        else:
            output = last
        if self.return_state:
            return [output] + self._nest_states(states)
        return output

    def _nest_states(self, states):
        """Stacked cells return their states grouped per cell, as tf.keras does."""
        if not isinstance(self.cell, StackedRNNCells):
            return list(states)
        out, i = [], 0
        for cell, n in zip(self.cell.cells, self.cell._counts()):
            out.append(states[i] if n == 1 and not _is_multiple_state(cell.state_size)
                       else list(states[i:i + n]))
            i += n
        return out

    def _run(self, x, states, mask, training):
        cell = self.cell
        if _is_fast_cell(cell):
            return cell._sequence(x, states, mask, training, self.return_sequences,
                                  self.zero_output_for_mask, self.unroll,
                                  self.return_state or self.stateful)
        for c in (cell.cells if isinstance(cell, StackedRNNCells) else [cell]):
            if isinstance(c, DropoutRNNCellMixin):
                c.reset_dropout_mask()
                c.reset_recurrent_dropout_mask()
        return _step_loop(lambda xt, st: _call_cell(cell, xt, st, training), x, states, mask,
                          self.return_sequences, self.zero_output_for_mask)

    def _store_states(self, states):
        current = self.states
        if any(tuple(s.shape) != tuple(c.shape) for s, c in zip(states, current)):
            raise ValueError(
                f"Layer '{self.name}' is stateful with batch size {current[0].shape[0]}, but "
                f"received a batch of {states[0].shape[0]} samples. Feed batches of exactly "
                f"{current[0].shape[0]} samples (e.g. `batch_size={current[0].shape[0]}` and a "
                "number of samples divisible by it)."
            )
        with torch.no_grad():
            for c, s in zip(current, states):
                c.copy_(s.detach())

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            n = len(self.cell.cells) if isinstance(self.cell, StackedRNNCells) \
                else len(self.states)
            return [output_mask] + [None] * n
        return output_mask

    def _rnn_config(self):
        config = Layer.get_config(self)
        config.update({
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
            "unroll": self.unroll,
            "time_major": self.time_major,
        })
        if self.zero_output_for_mask:
            config["zero_output_for_mask"] = True
        return config

    def get_config(self):
        from tkeras import layers

        config = self._rnn_config()
        config["cell"] = layers.serialize(self.cell)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from tkeras import layers

        config = dict(config)
        cell = layers.deserialize(config.pop("cell"), custom_objects=custom_objects)
        return cls(cell, **config)


_RNN_ARGS = ("return_sequences", "return_state", "go_backwards", "stateful", "unroll",
             "time_major")


class _KerasRNN(RNN):
    """SimpleRNN / LSTM / GRU: an RNN over its own cell, configured by the cell's
    arguments (flattened into the layer's config, as Keras does)."""

    _cell_class = None

    def __init__(self, units, *args, **kwargs):
        if args:  # positional arguments follow Keras's order, which the cell's mirrors
            names = list(inspect.signature(self._cell_class.__init__).parameters)[2:]
            for name, value in zip(names, args):
                if name in kwargs:
                    raise TypeError(f"{type(self).__name__} got multiple values for "
                                    f"argument `{name}`.")
                kwargs[name] = value
        rnn_kwargs = {k: kwargs.pop(k) for k in _RNN_ARGS if k in kwargs}
        layer_keys = ("name", "trainable", "dtype", "input_shape", "batch_input_shape",
                      "batch_size", "input_dim", "input_length", "weights",
                      "activity_regularizer", "zero_output_for_mask", "autocast")
        layer_kwargs = {k: kwargs.pop(k) for k in layer_keys if k in kwargs}
        layer_kwargs.pop("autocast", None)
        # Keras names the cell after its class: weights are `lstm_1/lstm_cell/kernel:0`.
        cell = self._cell_class(units, dtype=layer_kwargs.get("dtype"),
                                trainable=layer_kwargs.get("trainable", True),
                                name=self._cell_name(), **kwargs)
        super().__init__(cell, **rnn_kwargs, **layer_kwargs)
        self.input_spec = InputSpec(ndim=3)

    @classmethod
    def _cell_name(cls):
        from tkeras.engine.base_layer import to_snake_case

        return to_snake_case(cls._cell_class.__name__)

    def get_config(self):
        config = self._rnn_config()
        cell_config = self.cell.get_config()
        for key in ("name", "trainable", "dtype"):
            cell_config.pop(key, None)
        config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        config.update(cell_config)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config.pop("cell", None)
        return cls(**config)


def _delegate(names):
    def attach(cls):
        for n in names:
            setattr(cls, n, property(lambda self, n=n: getattr(self.cell, n)))
        return cls
    return attach


_COMMON = ("units", "activation", "use_bias", "kernel_initializer", "recurrent_initializer",
           "bias_initializer", "kernel_regularizer", "recurrent_regularizer",
           "bias_regularizer", "kernel_constraint", "recurrent_constraint", "bias_constraint",
           "dropout", "recurrent_dropout")


@_delegate(_COMMON)
class SimpleRNN(_KerasRNN):
    """Fully-connected RNN whose output is fed back as input:
    `h_t = activation(x_t·kernel + bias + h_{t-1}·recurrent_kernel)`.

    Args:
        units: Positive int, dimensionality of the output space.
        activation: Defaults to `'tanh'`.
        Cell arguments as `SimpleRNNCell`; layer arguments as `RNN`.

    Input shape:
        3D tensor `(batch, timesteps, features)`.
    Output shape:
        `(batch, units)`, or `(batch, timesteps, units)` with `return_sequences`.

    Example:

    >>> layer = tkeras.layers.SimpleRNN(4, return_sequences=True)
    >>> tuple(layer(np.zeros((2, 5, 3), "float32")).shape)
    (2, 5, 4)
    """

    _cell_class = SimpleRNNCell


@_delegate(_COMMON + ("recurrent_activation", "unit_forget_bias", "implementation"))
class LSTM(_KerasRNN):
    """Long Short-Term Memory layer (Keras 2 math, see `LSTMCell`), run by torch's fused
    `nn.LSTM` kernel when `activation='tanh'` and `recurrent_activation='sigmoid'` (the
    defaults).

    Args:
        units: Positive int, dimensionality of the output space.
        activation: Defaults to `'tanh'`. recurrent_activation: Defaults to `'sigmoid'`.
        unit_forget_bias: Defaults to `True`.
        Other cell arguments as `LSTMCell`; layer arguments as `RNN`.

    Input shape:
        3D tensor `(batch, timesteps, features)`.
    Output shape:
        `(batch, units)`, or `(batch, timesteps, units)` with `return_sequences`;
        with `return_state`, a list `[output, h, c]`.

    Weights (Keras layout, gates i, f, c, o): `kernel (features, 4*units)`,
    `recurrent_kernel (units, 4*units)`, `bias (4*units,)`.

    Example:

    >>> layer = tkeras.layers.LSTM(4, return_state=True)
    >>> out, h, c = layer(np.zeros((2, 5, 3), "float32"))
    >>> tuple(out.shape), tuple(c.shape)
    ((2, 4), (2, 4))
    """

    _cell_class = LSTMCell


@_delegate(_COMMON + ("recurrent_activation", "implementation", "reset_after"))
class GRU(_KerasRNN):
    """Gated Recurrent Unit layer (Keras 2 math, see `GRUCell`), run by torch's fused
    `nn.GRU` kernel when `reset_after=True` (the default) with tanh/sigmoid.

    Args:
        units: Positive int, dimensionality of the output space.
        reset_after: Defaults to `True` (tf.keras 2). Files from Keras 2.0-2.3 say
            `reset_after=False`, computed exactly by a step loop.
        Other cell arguments as `GRUCell`; layer arguments as `RNN`.

    Input shape:
        3D tensor `(batch, timesteps, features)`.
    Output shape:
        `(batch, units)`, or `(batch, timesteps, units)` with `return_sequences`.

    Weights (Keras layout, gates z, r, h): `kernel (features, 3*units)`,
    `recurrent_kernel (units, 3*units)`, `bias (2, 3*units)` (`(3*units,)` when
    `reset_after=False`).

    Example:

    >>> layer = tkeras.layers.GRU(4)
    >>> tuple(layer(np.zeros((2, 5, 3), "float32")).shape)
    (2, 4)
    """

    _cell_class = GRUCell
