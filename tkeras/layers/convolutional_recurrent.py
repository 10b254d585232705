"""Convolutional recurrent layers (Keras 2's `keras.layers.convolutional_recurrent`):
ConvLSTM2D, an LSTM whose input and recurrent transformations are convolutions."""
import torch
import torch.nn.functional as F

from tkeras import activations
from tkeras.backend import _config
from tkeras.engine.input_spec import InputSpec, downsampling_message
from tkeras.layers.convolutional import (
    _check_filters,
    _conv_forward,
    _kernel_layout,
    _normalize_padding,
    _normalize_tuple,
    conv_output_length,
)
from tkeras.layers.recurrent import (
    _cell_args,
    _delegate,
    _dropout_masks,
    _forget_bias_initializer,
    _KerasCell,
    _KerasRNN,
)

__all__ = ["ConvLSTM2D"]


class ConvLSTM2DCell(_KerasCell):
    """One step of ConvLSTM2D (Keras 2 math: `LSTMCell` with the products replaced by
    2-D convolutions; the recurrent convolution is 'same' with stride 1).

    Weights (Keras layout, gate blocks i, f, c, o): `kernel (kh, kw, in, 4*filters)`,
    `recurrent_kernel (kh, kw, filters, 4*filters)`, `bias (4*filters,)`; stored as torch
    conv weights `(4*filters, in, kh, kw)`.
    """

    _gates = 4

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), activation="tanh", recurrent_activation="hard_sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, **kwargs):
        filters = _check_filters(filters, "ConvLSTM2D(filters=16, kernel_size=3)")
        super().__init__(filters, **_cell_args(locals()), **kwargs)
        self.filters = filters
        self.kernel_size = _normalize_tuple(kernel_size, 2, "kernel_size")
        self.strides = _normalize_tuple(strides, 2, "strides")
        self.padding = _normalize_padding(padding, ("valid", "same"))
        self.data_format = _config.normalize_data_format(data_format)
        self.dilation_rate = _normalize_tuple(dilation_rate, 2, "dilation_rate")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                "`strides > 1` not supported in conjunction with `dilation_rate > 1`. "
                f"Received: strides={self.strides} and dilation_rate={self.dilation_rate}"
            )
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = bool(unit_forget_bias)
        self._spatial = None

    @property
    def state_size(self):
        return [self.filters, self.filters]

    def _output_spatial(self, rows, cols):
        return tuple(conv_output_length(n, k, self.padding, s, d) for n, k, s, d in
                     zip((rows, cols), self.kernel_size, self.strides, self.dilation_rate))

    def _state_shape(self, batch, rows, cols):
        rows, cols = self._output_spatial(rows, cols)
        if self.data_format == "channels_last":
            return (batch, rows, cols, self.filters)
        return (batch, self.filters, rows, cols)

    def build(self, input_shape):
        channel_axis = -1 if self.data_format == "channels_last" else 1
        in_ch = input_shape[channel_axis]
        if in_ch is None:
            raise ValueError(
                f"The channel dimension of the inputs to ConvLSTM2D should be defined. "
                f"Found None. Full input shape received: {tuple(input_shape)}"
            )
        spatial = input_shape[1:3] if self.data_format == "channels_last" else input_shape[2:4]
        self._spatial = tuple(spatial)
        f4 = 4 * self.filters
        layout = _kernel_layout(2)
        self._add_cell_weight("kernel", "weight_ih", self.kernel_size + (in_ch, f4),
                              self.kernel_initializer, self.kernel_regularizer,
                              self.kernel_constraint, layout)
        self._add_cell_weight("recurrent_kernel", "weight_hh",
                              self.kernel_size + (self.filters, f4), self.recurrent_initializer,
                              self.recurrent_regularizer, self.recurrent_constraint, layout)
        if self.use_bias:
            init = _forget_bias_initializer(self.bias_initializer, self.filters) \
                if self.unit_forget_bias else self.bias_initializer
            self._add_cell_weight("bias", "bias_ih", (f4,), init, self.bias_regularizer,
                                  self.bias_constraint)
        self.built = True

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        if self._spatial is None or None in self._spatial:
            raise ValueError(
                "ConvLSTM2D needs to know the spatial dimensions of its input to create "
                f"states. Received input spatial shape: {self._spatial}"
            )
        shape = self._state_shape(batch_size, *self._spatial)
        device = self.weight_ih.device
        return [torch.zeros(shape, dtype=dtype or torch.float32, device=device)
                for _ in range(2)]

    # -- layout: torch computes channels-first; users see `data_format`
    def _to_torch(self, t, time_axis):
        if self.data_format == "channels_first":
            return t
        return t.movedim(-1, 1 + time_axis)

    def _to_user(self, t, time_axis):
        if self.data_format == "channels_first":
            return t
        return t.movedim(1 + time_axis, -1)

    def _input_projection(self, x, training):
        """x (batch, time, C, H, W) -> input convolutions + bias of every step."""
        batch, steps = x.shape[:2]
        bias = self.bias_ih if self.use_bias else None

        def conv(inp, weight, b):
            out = _conv_forward(F.conv2d, inp.flatten(0, 1), weight, b, self.strides,
                                self.padding, self.dilation_rate)
            return out.unflatten(0, (batch, steps))

        if not (training and self.dropout > 0):
            return conv(x, self.weight_ih, bias)
        masks = _dropout_masks(x[:, 0], self.dropout, 4)
        biases = bias.chunk(4) if bias is not None else [None] * 4
        return torch.cat([conv(x * m.unsqueeze(1), w, b) for m, w, b in
                          zip(masks, self.weight_ih.chunk(4), biases)], 2)

    def _recurrent_conv(self, h, weight):
        return _conv_forward(F.conv2d, h, weight, None, (1, 1), "same", (1, 1))

    def _step(self, xp, states, rec_masks):
        h, c = states
        if rec_masks is None:
            z = xp + self._recurrent_conv(h, self.weight_hh)
        else:
            z = xp + torch.cat([self._recurrent_conv(h * m, w) for m, w in
                                zip(rec_masks, self.weight_hh.chunk(4))], 1)
        zi, zf, zc, zo = z.chunk(4, 1)
        ra = self.recurrent_activation
        c = ra(zf) * c + ra(zi) * self.activation(zc)
        h = ra(zo) * self.activation(c)
        return h, [h, c]

    def _sequence(self, x, states, mask, training, need_sequence, zero_output, unroll,
                  need_states=True):
        states = [self._to_torch(s, 0) for s in states]
        last, seq, states = super()._sequence(self._to_torch(x, 1), states, mask, training,
                                              need_sequence, zero_output, unroll, need_states)
        seq = self._to_user(seq, 1) if seq is not None else None
        return self._to_user(last, 0), seq, [self._to_user(s, 0) for s in states]

    def call(self, inputs, states, training=None):
        dp = self.get_dropout_mask_for_cell(inputs, training, 4)
        rec = self.get_recurrent_dropout_mask_for_cell(states[0], training, 4)
        x = self._to_torch(inputs, 0).unsqueeze(1)
        if dp is None:
            xp = self._input_projection(x, False)[:, 0]
        else:
            biases = self.bias_ih.chunk(4) if self.use_bias else [None] * 4
            xp = torch.cat([
                _conv_forward(F.conv2d, x[:, 0] * self._to_torch(m, 0), w, b, self.strides,
                              self.padding, self.dilation_rate)
                for m, w, b in zip(dp, self.weight_ih.chunk(4), biases)], 1)
        if rec is not None:
            rec = [self._to_torch(m, 0) for m in rec]
        h, new = self._step(xp, [self._to_torch(s, 0) for s in states], rec)
        new = [self._to_user(s, 0) for s in new]
        return new[0], new

    def get_config(self):
        config = super().get_config()
        config.update({
            "filters": self.filters,
            "kernel_size": list(self.kernel_size),
            "strides": list(self.strides),
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": list(self.dilation_rate),
            "activation": activations.serialize(self.activation),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
        })
        config.update(self._weights_config())
        config["unit_forget_bias"] = self.unit_forget_bias
        return config


ConvLSTM2DCell._builtin_call = ConvLSTM2DCell.call


@_delegate(("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate",
            "activation", "recurrent_activation", "use_bias", "kernel_initializer",
            "recurrent_initializer", "bias_initializer", "unit_forget_bias",
            "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
            "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout",
            "recurrent_dropout"))
class ConvLSTM2D(_KerasRNN):
    """Convolutional LSTM: an LSTM whose input and recurrent transformations are 2-D
    convolutions (Shi et al. 2015), Keras 2 math.

    Args:
        filters: Positive int, number of output channels.
        kernel_size: Int or tuple of 2 ints.
        strides: Int or tuple of 2 ints (input convolution). Defaults to `(1, 1)`.
        padding: `'valid'` (default) or `'same'` (TensorFlow rule) for the input
            convolution; the recurrent convolution is always 'same'.
        data_format: `'channels_last'` (default) or `'channels_first'`.
        dilation_rate: Int or tuple of 2 ints (input convolution). Defaults to `(1, 1)`.
        activation: Defaults to `'tanh'`. recurrent_activation: Defaults to
            `'hard_sigmoid'` (Keras 2's `clip(0.2*x + 0.5, 0, 1)`).
        unit_forget_bias, use_bias, *_initializer, *_regularizer, *_constraint, dropout,
        recurrent_dropout: as `LSTM`. return_sequences, return_state, go_backwards,
        stateful: as `RNN`.

    Input shape:
        5D `(batch, time, rows, cols, channels)` (channels_last) or
        `(batch, time, channels, rows, cols)` (channels_first).
    Output shape:
        `(batch, new_rows, new_cols, filters)` (channels_last), with a time axis after
        the batch when `return_sequences`.

    Example:

    >>> layer = tkeras.layers.ConvLSTM2D(4, 3, padding="same", return_sequences=True)
    >>> tuple(layer(np.zeros((2, 5, 8, 8, 3), "float32")).shape)
    (2, 5, 8, 8, 4)
    """

    _cell_class = ConvLSTM2DCell

    def __init__(self, filters, kernel_size, *args, **kwargs):
        if kwargs.get("unroll"):
            raise TypeError(
                "Unrolling is not possible with convolutional RNNs. Received: unroll=True"
            )
        if kwargs.get("time_major"):
            raise ValueError("ConvLSTM2D does not support `time_major=True`.")
        super().__init__(filters, kernel_size, *args, **kwargs)
        self.input_spec = InputSpec(ndim=5)

    @classmethod
    def _cell_name(cls):
        return "conv_lstm_cell"

    def build(self, input_shape):
        if isinstance(input_shape, list) and input_shape and \
                isinstance(input_shape[0], (tuple, list)):
            input_shape = input_shape[0]
        if len(input_shape) != 5:
            raise ValueError(
                f"Input 0 of layer '{self.name}' is incompatible with the layer: expected "
                f"ndim=5, found ndim={len(input_shape)}. Full shape received: "
                f"{tuple(input_shape)}"
            )
        super().build(input_shape)

    def _check_call_args(self, inputs, mask, initial_state):
        # The door of the convolutions first (the expected state shapes depend on it):
        # each frame must give an output of at least 1x1.
        rows, cols = inputs.shape[2:4] if self.cell.data_format == "channels_last" \
            else inputs.shape[3:5]
        if min(rows, cols) < 1 or min(self.cell._output_spatial(rows, cols)) < 1:
            raise ValueError(downsampling_message(self.name, tuple(inputs.shape)))
        return super()._check_call_args(inputs, mask, initial_state)

    def get_initial_state(self, inputs):
        if self.cell.data_format == "channels_last":
            rows, cols = inputs.shape[2:4]
        else:
            rows, cols = inputs.shape[3:5]
        shape = self.cell._state_shape(inputs.shape[0], rows, cols)
        zeros = torch.zeros(shape, dtype=inputs.dtype, device=inputs.device)
        return [zeros, zeros]
