"""The functional API: `Model(inputs, outputs)` graphs with several inputs/outputs, shared
layers, nested models, `get_layer`, intermediate models, ops on symbolic tensors and the
Keras 2 summary table."""
import numpy as np
import pytest
import torch

import tkeras
from tkeras import backend as K
from tkeras import layers
from tkeras.layers import Dense, Input

RNG = np.random.RandomState(0)


def _rand(*shape):
    return RNG.randn(*shape).astype("float32")


def _concat(name=None):
    return layers.Lambda(lambda ts: K.concatenate(ts), name=name)


# ---------------------------------------------------------------- inputs & outputs
def test_multiple_inputs_and_outputs_as_lists():
    a, b = Input((3,), name="a"), Input((2,), name="b")
    ha = Dense(4, name="ha")(a)
    o1 = Dense(1, name="o1")(_concat("cat")([ha, b]))
    o2 = Dense(2, name="o2")(ha)
    model = tkeras.Model([a, b], [o1, o2])
    assert model.input_names == ["a", "b"]
    assert model.output_names == ["o1", "o2"]
    assert model.input_shape == [(None, 3), (None, 2)]
    assert model.output_shape == [(None, 1), (None, 2)]
    xa, xb = _rand(5, 3), _rand(5, 2)
    p1, p2 = model.predict([xa, xb])
    wa, ba = model.get_layer("ha").get_weights()
    w1, b1 = model.get_layer("o1").get_weights()
    w2, b2 = model.get_layer("o2").get_weights()
    h = xa @ wa + ba
    np.testing.assert_allclose(p1, np.concatenate([h, xb], 1) @ w1 + b1, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(p2, h @ w2 + b2, rtol=1e-5, atol=1e-6)


def test_dict_inputs_are_matched_by_input_name():
    a, b = Input((3,), name="a"), Input((2,), name="b")
    out = _concat()([a, b])
    model = tkeras.Model({"a": a, "b": b}, out)
    xa, xb = _rand(4, 3), _rand(4, 2)
    expected = np.concatenate([xa, xb], 1)
    np.testing.assert_array_equal(model.predict({"b": xb, "a": xa}), expected)
    np.testing.assert_array_equal(model.predict([xa, xb]), expected)


def test_dict_outputs_are_returned_as_dicts():
    a = Input((3,), name="a")
    first = Dense(1, name="o1")(a)
    second = Dense(2, name="o2")(a)
    model = tkeras.Model(a, {"first": first, "second": second})
    x = _rand(5, 3)
    out = model(x)
    assert isinstance(out, dict) and set(out) == {"first", "second"}
    assert tuple(out["second"].shape) == (5, 2)
    # tf-keras: predict() on a model with dict outputs returns a dict with the same keys.
    pred = model.predict(x)
    assert isinstance(pred, dict)
    assert pred["first"].shape == (5, 1) and pred["second"].shape == (5, 2)


def test_calling_a_model_with_the_wrong_number_of_inputs_fails():
    a, b = Input((3,)), Input((3,))
    model = tkeras.Model([a, b], _concat()([a, b]))
    with pytest.raises(ValueError, match="expects 2 input"):
        model(np.zeros((1, 3), "float32"))
    with pytest.raises(ValueError, match=r"Expected to see 2 array\(s\)"):
        model.predict(np.zeros((1, 3), "float32"))


# ---------------------------------------------------------------- shared layers, nesting
def test_shared_layer_uses_one_set_of_weights():
    a, b = Input((3,)), Input((3,))
    shared = Dense(2, name="shared")
    model = tkeras.Model([a, b], [shared(a), shared(b)])
    assert len(model.weights) == 2
    assert [l.name for l in model.layers].count("shared") == 1
    x = _rand(4, 3)
    pa, pb = model.predict([x, x])
    np.testing.assert_array_equal(pa, pb)


def test_shared_layer_trains_from_both_branches():
    a, b = Input((1,)), Input((1,))
    shared = Dense(1, use_bias=False, kernel_initializer="zeros")
    model = tkeras.Model([a, b], layers.Lambda(lambda ts: ts[0] + ts[1])([shared(a), shared(b)]))
    model.compile(tkeras.optimizers.SGD(lr=0.1), "mse")
    xa = np.array([[1.0]], "float32")
    xb = np.array([[2.0]], "float32")
    model.train_on_batch([xa, xb], np.array([[1.0]], "float32"))
    # d/dw (w*1 + w*2 - 1)^2 at w=0 is 2 * (-1) * 3 = -6 -> w = 0.6
    np.testing.assert_allclose(shared.get_weights()[0], [[0.6]], rtol=1e-6)


def test_nested_functional_and_sequential_models_as_layers():
    inner_in = Input((3,))
    inner = tkeras.Model(inner_in, Dense(4, activation="tanh")(inner_in), name="inner")
    seq = tkeras.Sequential([Dense(2, input_shape=(4,))], name="seq")
    x = Input((3,), name="x")
    outer = tkeras.Model(x, seq(inner(x)), name="outer")
    assert [l.name for l in outer.layers] == ["x", "inner", "seq"]
    assert len(outer.weights) == 4
    assert outer.output_shape == (None, 2)
    xv = _rand(6, 3)
    w1, b1 = inner.get_weights()
    w2, b2 = seq.get_weights()
    np.testing.assert_allclose(outer.predict(xv), np.tanh(xv @ w1 + b1) @ w2 + b2,
                               rtol=1e-5, atol=1e-6)
    # Training the outer model trains the inner models' weights.
    outer.compile(tkeras.optimizers.SGD(lr=0.1), "mse")
    outer.fit(xv, _rand(6, 2), epochs=1, verbose=0)
    assert np.abs(inner.get_weights()[0] - w1).max() > 0
    assert np.abs(seq.get_weights()[0] - w2).max() > 0


def test_model_reused_on_two_inputs_shares_weights():
    inner_in = Input((3,))
    encoder = tkeras.Model(inner_in, Dense(2)(inner_in))
    a, b = Input((3,)), Input((3,))
    model = tkeras.Model([a, b], layers.Lambda(lambda ts: ts[0] - ts[1])([encoder(a), encoder(b)]))
    x = _rand(3, 3)
    np.testing.assert_allclose(model.predict([x, x]), np.zeros((3, 2)), atol=1e-6)
    assert len(model.weights) == 2


# ---------------------------------------------------------------- get_layer, intermediate models
def _mlp():
    inp = Input((3,), name="inp")
    h = Dense(4, activation="relu", name="hidden")(inp)
    out = Dense(1, name="out")(h)
    return tkeras.Model(inp, out)


def test_get_layer_by_name_and_index():
    model = _mlp()
    assert model.get_layer("hidden").name == "hidden"
    assert model.get_layer(index=0).name == "inp"
    assert model.get_layer(index=2).name == "out"
    assert model.get_layer(index=-1).name == "out"


def test_get_layer_errors():
    model = _mlp()
    with pytest.raises(ValueError, match="No such layer: nope"):
        model.get_layer("nope")
    with pytest.raises(ValueError, match="index 7 but model only has 3 layers"):
        model.get_layer(index=7)
    with pytest.raises(ValueError, match="Provide either a layer name or layer index"):
        model.get_layer()


def test_intermediate_model_predicts_the_same_activations():
    model = _mlp()
    inter = tkeras.Model(model.input, model.get_layer("hidden").output)
    x = _rand(5, 3)
    w, b = model.get_layer("hidden").get_weights()
    np.testing.assert_allclose(inter.predict(x), np.maximum(x @ w + b, 0), rtol=1e-5, atol=1e-6)
    # Both models share the layer object: changing it changes both.
    model.get_layer("hidden").set_weights([np.ones_like(w), np.zeros_like(b)])
    np.testing.assert_allclose(inter.predict(x), np.maximum(x @ np.ones_like(w), 0), rtol=1e-5)


# ---------------------------------------------------------------- layer order
def test_layers_order_matches_keras_2_for_a_branching_graph():
    a, b = Input((4,), name="a"), Input((3,), name="b")
    h1 = Dense(5, name="h1")(a)
    h2 = Dense(5, name="h2")(h1)
    h3 = Dense(5, name="h3")(b)
    c = _concat("c")([h2, h3])
    o = Dense(1, name="o")(c)
    side = Dense(2, name="side")(h1)
    # Orders printed by tf-keras 2.21 for these two models.
    assert [l.name for l in tkeras.Model([a, b], [o, side]).layers] == [
        "a", "h1", "b", "h2", "h3", "c", "o", "side"]
    assert [l.name for l in tkeras.Model([b, a], [side, o]).layers] == [
        "a", "h1", "b", "h2", "h3", "c", "side", "o"]


def test_layers_order_of_two_towers():
    a, b = Input((3,), name="a"), Input((3,), name="b")
    shared = Dense(4, name="shared")
    out = Dense(1, name="out")(_concat("cat")([shared(a), shared(b)]))
    # tf-keras: ['a', 'b', 'shared', 'cat', 'out']
    assert [l.name for l in tkeras.Model([a, b], out).layers] == [
        "a", "b", "shared", "cat", "out"]


# ---------------------------------------------------------------- graph errors
def test_graph_disconnected_error():
    a, b = Input((3,), name="a"), Input((3,), name="b")
    out = Dense(1)(_concat()([a, b]))
    with pytest.raises(ValueError, match="Graph disconnected"):
        tkeras.Model(a, out)


def test_model_inputs_must_be_input_tensors():
    a = Input((3,))
    h = Dense(2)(a)
    with pytest.raises(ValueError, match="must come from `tkeras.Input`"):
        tkeras.Model(h, Dense(1)(h))
    with pytest.raises(TypeError, match="symbolic tensors"):
        tkeras.Model(np.zeros((1, 3)), h)


def test_duplicate_layer_names_in_a_model_are_rejected():
    a = Input((3,))
    h = Dense(2, name="same")(a)
    with pytest.raises(ValueError, match="'same' is used 2 times"):
        tkeras.Model(a, Dense(2, name="same")(h))


# ---------------------------------------------------------------- ops on KerasTensors
def test_backend_ops_and_operators_on_keras_tensors():
    a, b = Input((3,)), Input((3,))
    doubled = a * 2
    squared = K.square(b)
    joined = K.concatenate([doubled, squared])
    first = joined[:, 0]
    assert tuple(joined.shape) == (None, 6)
    assert tuple(first.shape) == (None,)
    model = tkeras.Model([a, b], [joined, first, 1.0 - a])
    xa, xb = _rand(4, 3), _rand(4, 3)
    pj, pf, pm = model.predict([xa, xb])
    np.testing.assert_allclose(pj, np.concatenate([xa * 2, xb ** 2], 1), rtol=1e-6)
    np.testing.assert_allclose(pf, xa[:, 0] * 2, rtol=1e-6)
    np.testing.assert_allclose(pm, 1.0 - xa, rtol=1e-6)


def test_ops_on_keras_tensors_inside_a_trained_model():
    inp = Input((2,))
    h = Dense(3)(inp)
    out = Dense(1)(K.relu(h) + h * 0.5)
    model = tkeras.Model(inp, out)
    model.compile("adam", "mse")
    x, y = _rand(16, 2), _rand(16, 1)
    history = model.fit(x, y, epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_keras_tensor_has_shape_and_no_value():
    x = Input((3, 4))
    assert tuple(x.shape) == (None, 3, 4)
    assert K.int_shape(x) == (None, 3, 4)
    assert K.is_keras_tensor(x)
    with pytest.raises(TypeError, match="symbolic"):
        bool(x)


# ---------------------------------------------------------------- running the model
def test_model_call_on_torch_tensors_is_differentiable():
    model = _mlp()
    x = torch.tensor(_rand(4, 3), requires_grad=True)
    out = model(x)
    assert isinstance(out, torch.Tensor) and out.requires_grad
    out.sum().backward()
    assert x.grad.shape == (4, 3)


def test_model_call_on_numpy_gives_a_detached_tensor():
    model = _mlp()
    x = _rand(4, 3)
    out = model(x)
    assert isinstance(out, torch.Tensor) and not out.requires_grad
    np.testing.assert_allclose(np.asarray(out), model.predict(x), rtol=1e-6)


def test_variable_length_inputs_keep_unknown_dimensions():
    inp = Input((None, 3))
    h = Dense(4)(inp)
    assert tuple(h.shape) == (None, None, 4)
    model = tkeras.Model(inp, h)
    assert model.output_shape == (None, None, 4)
    assert model.predict(_rand(2, 7, 3)).shape == (2, 7, 4)


# ---------------------------------------------------------------- summary
FUNCTIONAL_SUMMARY = """\
Model: "two_towers"
__________________________________________________________________________________________________
Layer (type)                    Output Shape         Param #     Connected to
==================================================================================================
a (InputLayer)                  (None, 3)            0
__________________________________________________________________________________________________
b (InputLayer)                  (None, 3)            0
__________________________________________________________________________________________________
shared (Dense)                  (None, 4)            16          a[0][0]
                                                                 b[0][0]
__________________________________________________________________________________________________
cat (Lambda)                    (None, 8)            0           shared[0][0]
                                                                 shared[1][0]
__________________________________________________________________________________________________
out (Dense)                     (None, 1)            9           cat[0][0]
==================================================================================================
Total params: 25
Trainable params: 25
Non-trainable params: 0
__________________________________________________________________________________________________"""


def _two_towers():
    a, b = Input((3,), name="a"), Input((3,), name="b")
    shared = Dense(4, name="shared")
    out = Dense(1, name="out")(_concat("cat")([shared(a), shared(b)]))
    return tkeras.Model([a, b], out, name="two_towers")


def test_functional_summary_matches_keras_2_text():
    # The Keras 2.3 table: line length 98, columns at 33/55/67 %, 'Connected to' as
    # layer[node][tensor], one extra row per further connection.
    lines = []
    _two_towers().summary(print_fn=lines.append)
    assert [l.rstrip() for l in lines] == FUNCTIONAL_SUMMARY.split("\n")
    table_rows = [l for l in lines if l and l[0] not in "_=" and not l.startswith(
        ("Model:", "Total", "Trainable", "Non-trainable"))]
    assert all(len(l) == 98 for l in table_rows)


def test_summary_prints_to_stdout_by_default(capsys):
    _two_towers().summary()
    out = capsys.readouterr().out
    assert out.startswith('Model: "two_towers"\n')
    assert "Total params: 25\n" in out


def test_summary_line_length_argument():
    lines = []
    _two_towers().summary(line_length=120, print_fn=lines.append)
    assert lines[1] == "_" * 120
