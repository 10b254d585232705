"""The Keras 2 layer lifecycle on top of `torch.nn.Module`: building, weights, names,
config, masks, losses, graph accessors, tracking, and the torch side of a layer.

Where a value comes from real Keras 2 (tf-keras 2.21), the test says so; the numbers were
read from tf-keras once and are hard-coded (these tests never import TensorFlow).
"""
import numpy as np
import pytest
import torch
from torch import nn

import tkeras
from tkeras import backend as K
from tkeras import layers, optimizers, regularizers
from tkeras.layers import Dense, Input, Layer

W = np.array([[0.1, -0.2], [0.3, 0.4], [-0.5, 0.6]], "float32")
B = np.array([0.1, -0.1], "float32")
X = np.arange(12, dtype="float32").reshape(4, 3) / 10.0
Y = np.ones((4, 2), "float32")


class ScaleShift(Layer):
    """A BatchNormalization-like custom layer: one trainable and one non-trainable weight."""

    def build(self, input_shape):
        self.gamma = self.add_weight(name="gamma", shape=(input_shape[-1],),
                                     initializer="ones")
        self.moving = self.add_weight(name="moving", shape=(input_shape[-1],),
                                      initializer="zeros", trainable=False)
        super().build(input_shape)

    def call(self, inputs):
        return inputs * self.gamma + self.moving

    def compute_output_shape(self, input_shape):
        return input_shape


class PlainScale(Layer):
    """A custom layer with a weight and no `compute_output_shape` (tf-keras infers it)."""

    def build(self, input_shape):
        self.scale = self.add_weight(name="scale", shape=(input_shape[-1],),
                                     initializer="ones")
        super().build(input_shape)

    def call(self, inputs):
        return inputs * self.scale + 1.0


def _linear_model(**dense_kwargs):
    inp = Input((3,))
    dense = Dense(2, name="d", **dense_kwargs)
    model = tkeras.Model(inp, dense(inp))
    dense.set_weights([W, B])
    return model, dense


# ---------------------------------------------------------------- building
def test_layer_builds_lazily_on_first_call():
    layer = Dense(4)
    assert not layer.built
    assert layer.weights == []
    out = layer(np.zeros((2, 3), "float32"))
    assert layer.built
    assert tuple(out.shape) == (2, 4)
    assert [tuple(w.shape) for w in layer.weights] == [(3, 4), (4,)]


@pytest.mark.parametrize("kwargs", [
    {"input_shape": (3,)},
    {"batch_input_shape": (None, 3)},
    {"input_dim": 3},
])
def test_first_layer_with_declared_input_builds_the_model_at_once(kwargs):
    model = tkeras.Sequential([Dense(4, **kwargs)])
    assert model.built
    assert model.layers[0].built
    assert model.input_shape == (None, 3)
    assert [w.shape for w in model.get_weights()] == [(3, 4), (4,)]


def test_batch_input_shape_fixes_the_batch_dimension():
    model = tkeras.Sequential([Dense(4, batch_input_shape=(8, 3))])
    assert model.input_shape == (8, 3)
    assert model.output_shape == (8, 4)


def test_build_receives_full_input_shape_with_batch_dimension():
    seen = []

    class Probe(Layer):
        def build(self, input_shape):
            seen.append(tuple(input_shape))
            super().build(input_shape)

    Probe()(Input((5, 2)))
    Probe()(np.zeros((7, 5, 2), "float32"))
    assert seen == [(None, 5, 2), (7, 5, 2)]


# ---------------------------------------------------------------- add_weight
def test_add_weight_registers_parameters_and_buffers_in_keras_layout():
    layer = ScaleShift()
    layer(np.ones((2, 3), "float32"))
    params = dict(layer.named_parameters())
    buffers = dict(layer.named_buffers())
    assert list(params) == ["gamma"]
    assert isinstance(params["gamma"], nn.Parameter)
    assert list(buffers) == ["moving"]
    assert not isinstance(buffers["moving"], nn.Parameter)
    assert tuple(layer.gamma.shape) == (3,)
    np.testing.assert_array_equal(layer.get_weights()[0], np.ones(3))
    np.testing.assert_array_equal(layer.get_weights()[1], np.zeros(3))


def test_add_weight_applies_initializer_regularizer_and_constraint():
    class Custom(Layer):
        def build(self, input_shape):
            self.kernel = self.add_weight(
                name="kernel", shape=(input_shape[-1], 2),
                initializer=tkeras.initializers.Constant(3.0),
                regularizer=regularizers.l2(0.5),
                constraint=tkeras.constraints.NonNeg())
            super().build(input_shape)

        def call(self, inputs):
            return inputs @ self.kernel

    layer = Custom()
    x = np.ones((4, 3), "float32")
    layer(x)
    np.testing.assert_allclose(layer.get_weights()[0], np.full((3, 2), 3.0))
    # l2(0.5) * sum(w ** 2) = 0.5 * 6 * 9
    assert len(layer.losses) == 1
    np.testing.assert_allclose(float(layer.losses[0].detach()), 27.0, rtol=1e-6)

    inp = Input((3,))
    model = tkeras.Model(inp, layer(inp))
    model.compile(optimizers.SGD(lr=10.0), "mse")
    model.train_on_batch(x, np.full((4, 2), -100.0, "float32"))
    # A huge step pushes the kernel negative; NonNeg clips it back to >= 0.
    assert layer.get_weights()[0].min() >= 0.0


def test_add_weight_accepts_keras_2_0_positional_form():
    class Old(Layer):
        def build(self, input_shape):
            # Keras 2.0 signature: add_weight(shape, initializer, name=...)
            self.kernel = self.add_weight((input_shape[-1], 2), "ones", name="kernel")
            super().build(input_shape)

        def call(self, inputs):
            return inputs @ self.kernel

    layer = Old()
    out = layer(np.ones((1, 3), "float32"))
    np.testing.assert_allclose(np.asarray(out), [[3.0, 3.0]])
    assert [tuple(w.shape) for w in layer.weights] == [(3, 2)]


# ---------------------------------------------------------------- weights lists
def test_layer_weights_put_trainable_weights_first():
    layer = ScaleShift()
    layer.build((None, 3))
    assert [w is layer.gamma for w in layer.weights] == [True, False]
    assert len(layer.trainable_weights) == 1
    assert layer.trainable_weights[0] is layer.gamma
    assert len(layer.non_trainable_weights) == 1


def test_weight_names_follow_keras_convention():
    dense = Dense(2)
    dense.build((None, 3))
    # tf-keras: ['dense/kernel:0', 'dense/bias:0'] (our names count from 1, as Keras 2.3).
    assert [w.name for w in dense.weights] == ["dense_1/kernel:0", "dense_1/bias:0"]


def test_trainable_false_moves_weights_to_non_trainable():
    layer = ScaleShift()
    layer.build((None, 3))
    layer.trainable = False
    assert layer.trainable_weights == []
    assert len(layer.non_trainable_weights) == 2
    assert not layer.gamma.requires_grad
    layer.trainable = True
    assert len(layer.trainable_weights) == 1
    assert layer.gamma.requires_grad


def test_model_get_weights_is_in_layer_order():
    model = tkeras.Sequential([Dense(3, input_shape=(2,)), ScaleShift(), Dense(1)])
    # tf-keras, Dense -> BatchNormalization -> Dense: get_weights() shapes are
    # [(2, 3), (3,), gamma (3,), beta (3,), moving_mean (3,), moving_var (3,), (3, 1), (1,)]:
    # layer by layer, each layer's trainable weights first -- also with a frozen layer.
    model.layers[1].set_weights([np.full(3, 2.0), np.full(3, 5.0)])
    expected_shapes = [(2, 3), (3,), (3,), (3,), (3, 1), (1,)]
    got = model.get_weights()
    assert [w.shape for w in got] == expected_shapes
    np.testing.assert_array_equal(got[2], np.full(3, 2.0))   # gamma
    np.testing.assert_array_equal(got[3], np.full(3, 5.0))   # moving
    model.layers[0].trainable = False
    got = model.get_weights()
    assert [w.shape for w in got] == expected_shapes
    np.testing.assert_array_equal(got[3], np.full(3, 5.0))


def test_get_weights_set_weights_round_trip():
    model = tkeras.Sequential([Dense(3, input_shape=(2,)), ScaleShift(), Dense(1)])
    values = [np.random.RandomState(i).randn(*w.shape).astype("float32")
              for i, w in enumerate(model.get_weights())]
    model.set_weights(values)
    for got, want in zip(model.get_weights(), values):
        np.testing.assert_array_equal(got, want)
    other = tkeras.Sequential([Dense(3, input_shape=(2,)), ScaleShift(), Dense(1)])
    other.set_weights(model.get_weights())
    x = np.random.rand(4, 2).astype("float32")
    np.testing.assert_allclose(other.predict(x), model.predict(x), rtol=1e-6)


def test_get_weights_returns_copies():
    dense = Dense(2)
    dense.build((None, 3))
    w = dense.get_weights()[0]
    w[...] = 42.0
    assert not np.any(dense.get_weights()[0] == 42.0)


def test_set_weights_with_wrong_count_raises_and_changes_nothing():
    model = tkeras.Sequential([Dense(3, input_shape=(2,)), Dense(1)])
    before = model.get_weights()
    with pytest.raises(ValueError, match="expecting 4 weights"):
        model.set_weights(before[:3])
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_set_weights_with_wrong_shape_raises_and_changes_nothing():
    model = tkeras.Sequential([Dense(3, input_shape=(2,)), Dense(1)])
    before = model.get_weights()
    new = [np.ones_like(w) for w in before]
    new[2] = np.ones((4, 1), "float32")  # the second kernel should be (3, 1)
    with pytest.raises(ValueError, match=r"\(3, 1\).*\(4, 1\)"):
        model.set_weights(new)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_weights_argument_sets_initial_weights():
    model = tkeras.Sequential([Dense(2, input_shape=(3,), weights=[W, B])])
    np.testing.assert_array_equal(model.get_weights()[0], W)
    np.testing.assert_array_equal(model.get_weights()[1], B)


# ---------------------------------------------------------------- names
def test_auto_names_are_unique_and_reset_by_clear_session():
    assert [Dense(1).name, Dense(1).name, layers.Dropout(0.1).name] == [
        "dense_1", "dense_2", "dropout_1"]
    assert ScaleShift().name == "scale_shift_1"
    K.clear_session()
    assert Dense(1).name == "dense_1"


def test_explicit_name_is_kept():
    assert Dense(1, name="classifier").name == "classifier"


# ---------------------------------------------------------------- shapes & params
def test_compute_output_shape():
    assert Dense(5).compute_output_shape((None, 3)) == (None, 5)
    assert Dense(5).compute_output_shape((None, 7, 3)) == (None, 7, 5)
    assert layers.Reshape((2, -1)).compute_output_shape((None, 6)) == (None, 2, 3)


def test_compute_output_shape_is_inferred_for_custom_layers():
    # Keras 2 (tf-keras) builds the layer and infers the shape when the layer does not
    # override compute_output_shape.
    layer = PlainScale()
    assert tuple(layer.compute_output_shape((None, 4))) == (None, 4)


def test_custom_layer_with_weights_works_in_a_functional_model():
    inp = Input((3,))
    layer = PlainScale()
    out = layer(inp)
    assert tuple(out.shape) == (None, 3)
    model = tkeras.Model(inp, out)
    layer.set_weights([np.array([1.0, 2.0, 3.0], "float32")])
    x = np.ones((2, 3), "float32")
    np.testing.assert_allclose(model.predict(x), [[2.0, 3.0, 4.0]] * 2)


def test_count_params_and_its_error_before_build():
    dense = Dense(4)
    with pytest.raises(ValueError, match="isn't built"):
        dense.count_params()
    dense.build((None, 3))
    assert dense.count_params() == 3 * 4 + 4
    model = tkeras.Sequential([Dense(4, input_shape=(3,)), Dense(2)])
    assert model.count_params() == 16 + 10


# ---------------------------------------------------------------- masks
def test_masking_layer_computes_mask_and_it_propagates():
    x = torch.tensor([[[1.0, 2.0], [0.0, 0.0], [3.0, 4.0]]])
    masking = layers.Masking(0.0)
    assert masking.compute_mask(x).tolist() == [[True, False, True]]
    out = masking(x)
    assert out._keras_mask.tolist() == [[True, False, True]]

    seen = {}

    class MaskUser(Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.supports_masking = True

        def call(self, inputs, mask=None):
            seen["mask"] = mask
            return inputs * 2

    y = MaskUser()(out)
    assert seen["mask"].tolist() == [[True, False, True]]
    # supports_masking passes the mask through unchanged.
    assert y._keras_mask.tolist() == [[True, False, True]]
    z = layers.Activation("relu")(y)
    assert z._keras_mask.tolist() == [[True, False, True]]


def test_layer_without_mask_support_drops_the_mask():
    class NoMask(Layer):
        def call(self, inputs):
            return inputs + 1

    out = layers.Masking(0.0)(torch.tensor([[[1.0], [0.0]]]))
    y = NoMask()(out)
    assert getattr(y, "_keras_mask", None) is None


def test_mask_flows_through_a_functional_model():
    seen = []

    class MaskUser(Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.supports_masking = True

        def call(self, inputs, mask=None):
            seen.append(mask)
            return inputs

    inp = Input((3, 2))
    model = tkeras.Model(inp, MaskUser()(layers.Masking(0.0)(inp)))
    seen.clear()
    model.predict(np.array([[[1, 2], [0, 0], [3, 0]]], "float32"))
    assert len(seen) == 1
    assert seen[0].tolist() == [[True, False, True]]


# ---------------------------------------------------------------- losses
def test_add_loss_in_call_appears_in_layer_and_model_losses_and_training_loss():
    class Penalty(Layer):
        def call(self, inputs):
            self.add_loss(0.5 * K.sum(inputs))
            return inputs

    inp = Input((3,))
    dense = Dense(2)
    penalty = Penalty()
    model = tkeras.Model(inp, penalty(dense(inp)))
    dense.set_weights([W, B])
    model.compile(optimizers.SGD(lr=0.0), "mse")
    out = X @ W + B
    # tf-keras gives 1.529875 for this model: mse + 0.5 * sum(outputs).
    expected = ((out - Y) ** 2).mean() + 0.5 * out.sum()
    np.testing.assert_allclose(model.train_on_batch(X, Y), expected, rtol=1e-5)
    np.testing.assert_allclose(model.evaluate(X, Y, verbose=0), expected, rtol=1e-5)
    penalty(torch.tensor(out))
    assert len(penalty.losses) == 1
    np.testing.assert_allclose(float(penalty.losses[0]), 0.5 * out.sum(), rtol=1e-5)


def test_activity_regularizer_is_averaged_over_the_batch():
    model, dense = _linear_model(activity_regularizer=regularizers.l2(0.1))
    model.compile(optimizers.SGD(lr=0.0), "mse")
    out = X @ W + B
    # tf-keras divides activity regularization by the batch size: it gives 0.74485 here,
    # i.e. mse 0.719875 + 0.1 * sum(out ** 2) / 4.
    expected = ((out - Y) ** 2).mean() + 0.1 * (out ** 2).sum() / len(X)
    np.testing.assert_allclose(model.train_on_batch(X, Y), expected, rtol=1e-5)
    np.testing.assert_allclose(expected, 0.74485, rtol=1e-5)

    dense(torch.tensor(X))
    assert len(dense.losses) == 1
    np.testing.assert_allclose(float(dense.losses[0].detach()), 0.1 * (out ** 2).sum() / 4, rtol=1e-5)


def test_model_losses_hold_the_losses_of_the_last_call():
    class Penalty(Layer):
        def call(self, inputs):
            self.add_loss(0.5 * K.sum(inputs))
            return inputs

    inp = Input((3,))
    dense = Dense(2, kernel_initializer="ones", activity_regularizer=regularizers.l2(0.1))
    model = tkeras.Model(inp, Penalty()(dense(inp)))
    x = np.ones((4, 3), "float32")
    model(x)
    model(x)
    # tf-keras after two eager calls: [1.8, 12.0] -- one entry per source, not accumulated.
    # (outputs are all 3: 0.1 * sum(9) over 8 values / batch 4 = 1.8; 0.5 * 24 = 12)
    assert sorted(float(v) for v in model.losses) == pytest.approx([1.8, 12.0], rel=1e-6)


def test_kernel_regularizer_adds_to_model_losses_and_training_loss():
    model, dense = _linear_model(kernel_regularizer=regularizers.l1(0.01))
    model.compile(optimizers.SGD(lr=0.0), "mse")
    penalty = 0.01 * np.abs(W).sum()
    assert len(model.losses) == 1
    np.testing.assert_allclose(float(model.losses[0].detach()), penalty, rtol=1e-5)
    out = X @ W + B
    np.testing.assert_allclose(model.train_on_batch(X, Y),
                               ((out - Y) ** 2).mean() + penalty, rtol=1e-5)


# ---------------------------------------------------------------- graph accessors
def test_single_node_accessors():
    inp = Input((3,), name="x")
    dense = Dense(4, name="d")
    out = dense(inp)
    assert dense.input is inp
    assert dense.output is out
    assert dense.input_shape == (None, 3)
    assert dense.output_shape == (None, 4)
    assert len(dense.inbound_nodes) == 1


def test_shared_layer_has_one_node_per_call():
    a = Input((3,))
    b = Input((3,))
    shared = Dense(4, name="shared")
    out_a = shared(a)
    out_b = shared(b)
    assert len(shared.inbound_nodes) == 2
    assert shared.get_input_at(0) is a
    assert shared.get_input_at(1) is b
    assert shared.get_output_at(0) is out_a
    assert shared.get_output_at(1) is out_b
    assert shared.get_input_shape_at(1) == (None, 3)
    assert shared.get_output_shape_at(0) == (None, 4)
    # Same shapes on every node: the shape properties still have one answer.
    assert shared.output_shape == (None, 4)
    with pytest.raises(AttributeError, match="multiple inbound nodes"):
        shared.output
    with pytest.raises(AttributeError, match="multiple inbound nodes"):
        shared.input
    with pytest.raises(ValueError, match="only 2 inbound nodes"):
        shared.get_output_at(2)


def test_unconnected_layer_has_no_output():
    with pytest.raises(AttributeError, match="not connected"):
        Dense(2).get_output_at(0)


# ---------------------------------------------------------------- tracking
class Tower(tkeras.Model):
    def __init__(self):
        super().__init__()
        self.blocks = [Dense(8, activation="tanh") for _ in range(3)]
        self.heads = {"out": Dense(1)}

    def call(self, inputs, training=None):
        x = inputs
        for block in self.blocks:
            x = block(x)
        return self.heads["out"](x)


def test_lists_and_dicts_of_layers_are_tracked_and_trained():
    model = Tower()
    x = np.random.rand(16, 4).astype("float32")
    y = np.random.rand(16, 1).astype("float32")
    model.compile(optimizers.SGD(lr=0.1), "mse")
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    assert len(model.trainable_weights) == 8
    assert list(model.state_dict()) == [
        "blocks.0.kernel", "blocks.0.bias", "blocks.1.kernel", "blocks.1.bias",
        "blocks.2.kernel", "blocks.2.bias", "heads.out.kernel", "heads.out.bias"]
    before = model.get_weights()
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    after = model.get_weights()
    assert all(np.abs(a - b).max() > 0 for a, b in zip(before, after))


class Residual(Layer):
    """Keras 2 style: attributes and a sub-layer set before `super().__init__()`; the
    sub-layer is built on its first use inside `call`."""

    def __init__(self, units, **kwargs):
        self.units = units
        self.proj = Dense(units, name=kwargs.get("name", "res") + "_proj")
        super(Residual, self).__init__(**kwargs)

    def build(self, input_shape):
        self.gate = self.add_weight(name="gate", shape=(self.units,), initializer="ones")
        super(Residual, self).build(input_shape)

    def call(self, x):
        return self.proj(x) * self.gate + x[:, :self.units]

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.units)


@pytest.mark.parametrize("functional", [False, True])
def test_sub_layer_built_inside_call_gets_real_trainable_weights(functional):
    if functional:
        inp = Input((3,))
        model = tkeras.Model(inp, Residual(2, name="res")(inp))
    else:
        model = tkeras.Sequential([Residual(2, name="res", input_shape=(3,))])
    # Built while the graph was traced: real CPU weights, counted at once.
    assert [tuple(w.shape) for w in model.weights] == [(2,), (3, 2), (2,)]
    assert all(w.device.type == "cpu" for w in model.weights)
    assert model.count_params() == 10
    model.get_layer("res").proj.set_weights([W, B])
    expected = X @ W + B + X[:, :2]
    np.testing.assert_allclose(model.predict(X), expected, rtol=1e-6)
    model.compile(optimizers.SGD(lr=0.1), "mse")
    model.fit(X, Y, epochs=2, verbose=0)
    assert np.abs(model.get_layer("res").proj.get_weights()[0] - W).max() > 1e-3


def test_sub_layer_assigned_before_super_init_is_tracked():
    layer = Residual(2, name="early")
    assert layer.name == "early"
    assert [name for name, _ in layer.named_children()] == ["proj"]
    layer(X)
    assert list(layer.state_dict()) == ["gate", "proj.kernel", "proj.bias"]


# ---------------------------------------------------------------- torch side
def test_layers_and_models_are_torch_modules():
    model = tkeras.Sequential([Dense(3, input_shape=(2,)), Dense(1)])
    assert isinstance(model, nn.Module)
    assert isinstance(model.layers[0], nn.Module)
    assert sum(p.numel() for p in model.parameters()) == 2 * 3 + 3 + 3 + 1
    assert model.to("cpu") is model
    state = model.state_dict()
    # Every weight appears exactly once (no aliases under internal attribute names).
    assert len(state) == 4
    assert sum(v.numel() for v in state.values()) == 2 * 3 + 3 + 3 + 1
    clone = tkeras.Sequential([Dense(3, input_shape=(2,)), Dense(1)])
    clone.load_state_dict(state)
    x = np.random.rand(5, 2).astype("float32")
    np.testing.assert_allclose(clone.predict(x), model.predict(x), rtol=1e-6)


def test_to_dtype_converts_weights():
    dense = Dense(2)
    dense.build((None, 3))
    dense.to(torch.float64)
    assert dense.get_weights()[0].dtype == np.float64


def test_numpy_call_gives_a_tensor_without_grad_and_torch_call_keeps_autograd():
    model = tkeras.Sequential([Dense(3, input_shape=(2,)), Dense(1)])
    x = np.random.rand(4, 2).astype("float32")
    out = model(x)
    assert isinstance(out, torch.Tensor)
    assert not out.requires_grad
    assert np.asarray(out).shape == (4, 1)

    xt = torch.tensor(x, requires_grad=True)
    out_t = model(xt)
    assert out_t.requires_grad
    out_t.sum().backward()
    assert xt.grad is not None and xt.grad.shape == (4, 2)
    assert model.layers[0].kernel.grad is not None


def test_plain_call_runs_in_inference_mode():
    model = tkeras.Sequential([layers.Dropout(0.5, input_shape=(100,))])
    x = np.ones((4, 100), "float32")
    np.testing.assert_array_equal(np.asarray(model(x)), x)
    # ... but an explicit training=True turns dropout on.
    dropped = np.asarray(model(torch.tensor(x), training=True).detach())
    assert (dropped == 0).any()
