"""PyTorch interop: `state_dict()` / `load_state_dict()`, `torch.save`, pickling, deepcopy.

A tkeras model is a plain `torch.nn.Module`, so the torch checkpoint idiom works unchanged:

    torch.save(model.state_dict(), path)
    fresh = build_same_architecture()
    fresh.load_state_dict(torch.load(path))

Keys are positional (`"0.kernel"` for the first layer of a Sequential, `"1.weight"` for the
first weighted layer of a functional model after its InputLayer at index 0), never the
Keras auto-names, so a model built a second time in the same process (`dense_3` instead of
`dense_1`) still matches. Layers that keep their weights in torch layout (convolutions,
recurrent cells) show torch-native names (`weight`, `cell.weight_ih`); BatchNormalization's
moving statistics are buffers and are part of the state dict.

Whole-module pickling (`torch.save(model)` / `torch.load(..., weights_only=False)`) and
`copy.deepcopy(model)` both work: they are tested below, not skipped.
"""
import copy

import numpy as np
import pytest
import torch

import tkeras as keras
from tkeras import layers


# --- architectures, each built twice in the same process -------------------------------

def _sequential():
    return keras.Sequential([
        layers.Dense(8, activation="relu", input_shape=(5,)),
        layers.BatchNormalization(),
        layers.Dropout(0.1),
        layers.Dense(3, activation="softmax"),
    ])


def _functional_multi_io_shared_nested():
    a = keras.Input((6,))
    b = keras.Input((6,))
    shared = layers.Dense(7, activation="tanh")
    nested = keras.Sequential([layers.Dense(5, activation="relu", input_shape=(7,)),
                               layers.BatchNormalization(),
                               layers.Dense(4)])
    ha, hb = shared(a), shared(b)
    merged = layers.concatenate([nested(ha), nested(hb)])
    out1 = layers.Dense(2, activation="softmax")(merged)
    out2 = layers.Dense(1)(layers.add([ha, hb]))
    return keras.Model([a, b], [out1, out2])


class _Subclassed(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.hidden = layers.Dense(6, activation="relu")
        self.norm = layers.BatchNormalization()
        self.blocks = [layers.Dense(6, activation="relu") for _ in range(2)]
        self.head = layers.Dense(2)

    def call(self, inputs, training=None):
        x = self.norm(self.hidden(inputs), training=training)
        for block in self.blocks:
            x = block(x)
        return self.head(x)


def _subclassed():
    model = _Subclassed()
    model(np.zeros((1, 5), "float32"))  # build the weights
    return model


def _conv():
    inp = keras.Input((12, 12, 3))
    x = layers.Conv2D(4, 3, padding="same", activation="relu")(inp)
    x = layers.BatchNormalization()(x)
    x = layers.SeparableConv2D(6, 3, strides=2, padding="same")(x)
    x = layers.DepthwiseConv2D(3, depth_multiplier=2)(x)
    x = layers.GlobalAveragePooling2D()(x)
    return keras.Model(inp, layers.Dense(3)(x))


def _recurrent(cell):
    def build():
        return keras.Sequential([keras.Input((7, 4)), cell()])
    return build


def _embedding():
    return keras.Sequential([
        layers.Embedding(20, 6, input_length=5),
        layers.LSTM(4, return_sequences=True),
        layers.GRU(3),
    ])


def _bidirectional():
    return keras.Sequential([
        keras.Input((7, 4)),
        layers.Bidirectional(layers.LSTM(3, return_sequences=True)),
        layers.Bidirectional(layers.GRU(2), merge_mode="sum"),
    ])


ARCHITECTURES = {
    "sequential": (_sequential, lambda r: r.random((4, 5), dtype=np.float32)),
    "functional_multi_io_shared_nested": (
        _functional_multi_io_shared_nested,
        lambda r: [r.random((4, 6), dtype=np.float32), r.random((4, 6), dtype=np.float32)]),
    "subclassed": (_subclassed, lambda r: r.random((4, 5), dtype=np.float32)),
    "conv_separable_depthwise_bn": (_conv, lambda r: r.random((2, 12, 12, 3), dtype=np.float32)),
    "lstm": (_recurrent(lambda: layers.LSTM(5)), lambda r: r.random((3, 7, 4), dtype=np.float32)),
    "gru_reset_after": (_recurrent(lambda: layers.GRU(5, reset_after=True)),
                        lambda r: r.random((3, 7, 4), dtype=np.float32)),
    "gru_reset_before": (_recurrent(lambda: layers.GRU(5, reset_after=False)),
                         lambda r: r.random((3, 7, 4), dtype=np.float32)),
    "bidirectional": (_bidirectional, lambda r: r.random((3, 7, 4), dtype=np.float32)),
    "embedding": (_embedding, lambda r: r.integers(0, 20, (3, 5)).astype(np.int64)),
}


def _perturb(model, seed=7):
    """Give every weight (BN moving statistics included) a distinctive non-default value."""
    rng = np.random.default_rng(seed)
    weights = [rng.uniform(0.5, 1.5, w.shape).astype(w.dtype) for w in model.get_weights()]
    model.set_weights(weights)
    return weights


def _assert_same_outputs(a, b, x):
    pa, pb = a.predict(x, verbose=0), b.predict(x, verbose=0)
    if not isinstance(pa, list):
        pa, pb = [pa], [pb]
    assert len(pa) == len(pb)
    for ya, yb in zip(pa, pb):
        np.testing.assert_array_equal(ya, yb)


def _assert_same_weights(a, b):
    wa, wb = a.get_weights(), b.get_weights()
    assert len(wa) == len(wb)
    for x, y in zip(wa, wb):
        np.testing.assert_array_equal(x, y)


# --- round trips -----------------------------------------------------------------------

@pytest.mark.parametrize("arch", sorted(ARCHITECTURES))
def test_state_dict_round_trip_through_torch_save_reproduces_the_model(arch, tmp_path):
    build, make_x = ARCHITECTURES[arch]
    x = make_x(np.random.default_rng(0))
    original = build()
    _perturb(original)
    path = tmp_path / "weights.pt"
    torch.save(original.state_dict(), path)

    fresh = build()  # same process: auto-names differ, keys must not
    assert [l.name for l in fresh.layers] != [l.name for l in original.layers] or arch == "subclassed"
    before = fresh.get_weights()
    assert any(not np.array_equal(p, q) for p, q in zip(before, original.get_weights()))

    result = fresh.load_state_dict(torch.load(path, weights_only=True))
    assert not result.missing_keys and not result.unexpected_keys
    _assert_same_weights(original, fresh)
    _assert_same_outputs(original, fresh, x)


@pytest.mark.parametrize("arch", sorted(ARCHITECTURES))
def test_state_dict_keys_do_not_depend_on_layer_names(arch):
    build = ARCHITECTURES[arch][0]
    first, second = build(), build()
    assert list(first.state_dict()) == list(second.state_dict())
    for key in first.state_dict():
        for layer in first.layers:
            assert layer.name not in key.split("."), (key, layer.name)


def test_sequential_state_dict_keys_are_positional_with_bn_buffers():
    model = _sequential()
    assert list(model.state_dict()) == [
        "0.kernel", "0.bias",
        "1.gamma", "1.beta", "1.moving_mean", "1.moving_variance",
        "3.kernel", "3.bias",
    ]
    buffers = dict(model.named_buffers())
    assert set(buffers) == {"1.moving_mean", "1.moving_variance"}
    params = dict(model.named_parameters())
    assert "1.moving_mean" not in params and "1.gamma" in params


def test_bn_moving_statistics_travel_through_the_state_dict():
    model = _sequential()
    x = np.random.default_rng(1).random((64, 5), dtype=np.float32) * 4 + 3
    model.compile("sgd", "mse")
    model.fit(x, np.zeros((64, 3), "float32"), epochs=2, verbose=0)
    moving_mean = model.state_dict()["1.moving_mean"]
    assert not torch.all(moving_mean == 0)

    fresh = _sequential()
    fresh.load_state_dict(model.state_dict())
    torch.testing.assert_close(fresh.state_dict()["1.moving_mean"], moving_mean,
                               rtol=0, atol=0)
    _assert_same_outputs(model, fresh, x)


def test_functional_state_dict_uses_torch_names_for_torch_layout_weights():
    keys = list(_conv().state_dict())
    # index 0 is the InputLayer (no weights)
    assert keys[:2] == ["1.weight", "1.bias"]
    assert keys[2:6] == ["2.gamma", "2.beta", "2.moving_mean", "2.moving_variance"]
    assert keys[6:9] == ["3.depthwise_weight", "3.pointwise_weight", "3.bias"]
    assert keys[9:11] == ["4.depthwise_weight", "4.bias"]
    state = _conv().state_dict()
    assert tuple(state["1.weight"].shape) == (4, 3, 3, 3)  # torch (out, in, kh, kw)


def test_functional_nested_model_and_shared_layer_keys():
    model = _functional_multi_io_shared_nested()
    state = model.state_dict()
    shared_index = next(i for i, l in enumerate(model.layers) if isinstance(l, layers.Dense))
    nested_index = next(i for i, l in enumerate(model.layers) if isinstance(l, keras.Sequential))
    # the shared layer appears once, the nested model's keys are prefixed by its position
    assert sum(k.startswith(f"{shared_index}.") for k in state) == 2
    assert f"{nested_index}.1.moving_mean" in state
    assert f"{nested_index}.0.kernel" in state


def test_recurrent_state_dict_has_torch_cell_names():
    lstm = _recurrent(lambda: layers.LSTM(5))().state_dict()
    assert tuple(lstm["0.cell.weight_ih"].shape) == (20, 4)
    assert tuple(lstm["0.cell.weight_hh"].shape) == (20, 5)
    gru = _recurrent(lambda: layers.GRU(5, reset_after=True))().state_dict()
    assert tuple(gru["0.cell.weight_ih"].shape) == (15, 4)
    bidi = _bidirectional().state_dict()
    assert "0.forward_layer.cell.weight_ih" in bidi
    assert "0.backward_layer.cell.weight_ih" in bidi


def test_subclassed_model_state_dict_uses_attribute_names():
    keys = list(_subclassed().state_dict())
    assert "hidden.kernel" in keys
    assert "norm.moving_variance" in keys
    assert "blocks.0.kernel" in keys and "blocks.1.bias" in keys
    assert "head.kernel" in keys


# --- mismatches ------------------------------------------------------------------------

def test_load_state_dict_of_a_different_architecture_names_the_keys():
    source = _sequential()
    other = keras.Sequential([layers.Dense(9, input_shape=(5,)), layers.Dense(3)])
    with pytest.raises(RuntimeError) as info:
        other.load_state_dict(source.state_dict())
    message = str(info.value)
    assert "Missing key(s)" in message and '"1.kernel"' in message
    assert "Unexpected key(s)" in message and '"1.moving_mean"' in message
    assert "size mismatch for 0.kernel" in message


def test_load_state_dict_shape_mismatch_names_the_key():
    source = _recurrent(lambda: layers.LSTM(5))()
    other = _recurrent(lambda: layers.LSTM(6))()
    with pytest.raises(RuntimeError, match=r"size mismatch for 0\.cell\.weight_ih"):
        other.load_state_dict(source.state_dict())


def test_load_state_dict_non_strict_reports_the_differences():
    source = _sequential()
    other = keras.Sequential([layers.Dense(8, input_shape=(5,))])
    result = other.load_state_dict(source.state_dict(), strict=False)
    assert result.missing_keys == []
    assert "1.moving_mean" in result.unexpected_keys
    np.testing.assert_array_equal(other.get_weights()[0], source.get_weights()[0])


# --- whole-module pickling and deepcopy ------------------------------------------------

@pytest.mark.parametrize("arch", ["sequential", "functional_multi_io_shared_nested",
                                  "subclassed", "conv_separable_depthwise_bn",
                                  "gru_reset_before", "bidirectional", "embedding"])
def test_torch_save_of_the_whole_model_round_trips(arch, tmp_path):
    build, make_x = ARCHITECTURES[arch]
    x = make_x(np.random.default_rng(0))
    model = build()
    _perturb(model)
    path = tmp_path / "model.pt"
    torch.save(model, path)
    loaded = torch.load(path, weights_only=False)
    assert type(loaded) is type(model)
    assert [l.name for l in loaded.layers] == [l.name for l in model.layers]
    _assert_same_weights(model, loaded)
    _assert_same_outputs(model, loaded, x)


def test_pickled_compiled_model_keeps_training(tmp_path):
    model = _sequential()
    model.compile("adam", "categorical_crossentropy")
    rng = np.random.default_rng(0)
    x, y = rng.random((32, 5), dtype=np.float32), np.eye(3, dtype=np.float32)[rng.integers(0, 3, 32)]
    model.fit(x, y, epochs=1, verbose=0)
    torch.save(model, tmp_path / "model.pt")
    loaded = torch.load(tmp_path / "model.pt", weights_only=False)
    history = loaded.fit(x, y, epochs=2, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    _assert_same_outputs(loaded, loaded, x)


@pytest.mark.parametrize("arch", sorted(ARCHITECTURES))
def test_deepcopy_gives_an_independent_model_with_the_same_predictions(arch):
    build, make_x = ARCHITECTURES[arch]
    x = make_x(np.random.default_rng(0))
    model = build()
    _perturb(model)
    clone = copy.deepcopy(model)
    _assert_same_outputs(model, clone, x)
    _assert_same_weights(model, clone)

    for p, q in zip(model.parameters(), clone.parameters()):
        assert p is not q and p.data_ptr() != q.data_ptr()
    original_weights = model.get_weights()
    _perturb(clone, seed=99)
    for w, v in zip(model.get_weights(), original_weights):
        np.testing.assert_array_equal(w, v)
    assert any(not np.array_equal(a, b) for a, b in zip(clone.get_weights(), original_weights))
