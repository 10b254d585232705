"""Errors are for humans: bad input fails before any work with a Keras-style message
that says what was expected, what was received and, where known, how to fix it."""
import numpy as np
import pytest

import tkeras
from tkeras import activations, layers, losses, metrics, optimizers
from tkeras.layers import Dense, Input


def _model(name="features"):
    inp = Input((3,), name=name)
    return tkeras.Model(inp, Dense(2, name="d")(inp))


def _compiled(loss="mse"):
    model = _model()
    model.compile("sgd", loss)
    return model


# ---------------------------------------------------------------- data
def test_x_and_y_with_different_sample_counts():
    model = _compiled()
    with pytest.raises(ValueError, match="Found 5 input samples and 4 target samples"):
        model.fit(np.zeros((5, 3)), np.zeros((4, 2)), verbose=0)
    with pytest.raises(ValueError, match="Found 5 input samples and 4 target samples"):
        model.evaluate(np.zeros((5, 3)), np.zeros((4, 2)), verbose=0)


def test_inputs_with_different_sample_counts():
    a, b = Input((3,)), Input((3,))
    model = tkeras.Model([a, b], layers.Lambda(lambda ts: ts[0] + ts[1])([a, b]))
    with pytest.raises(ValueError, match=r"same number of samples.*\(5, 3\).*\(4, 3\)"):
        model.predict([np.zeros((5, 3)), np.zeros((4, 3))])


def test_model_input_of_wrong_rank_names_the_input_and_both_shapes():
    model = _compiled()
    with pytest.raises(ValueError, match=r"expected features to have 2 dimensions, but got "
                                         r"array with shape \(5, 3, 1\)"):
        model.predict(np.zeros((5, 3, 1)))
    with pytest.raises(ValueError, match=r"expected features to have 2 dimensions"):
        model.fit(np.zeros((5, 3, 1)), np.zeros((5, 2)), verbose=0)


def test_model_input_with_wrong_last_dimension():
    model = _compiled()
    with pytest.raises(ValueError, match=r"expected features to have shape \(3,\) but got "
                                         r"array with shape \(4,\)"):
        model.predict(np.zeros((5, 4)))
    with pytest.raises(ValueError, match=r"expected features to have shape \(3,\)"):
        model.fit(np.zeros((5, 4)), np.zeros((5, 2)), verbose=0)


def test_sequential_input_with_wrong_last_dimension():
    model = tkeras.Sequential([Dense(2, input_shape=(3,))])
    with pytest.raises(ValueError, match=r"expected dense_1_input to have shape \(3,\)"):
        model.predict(np.zeros((5, 4)))


def test_layer_called_on_wrong_last_dimension_after_build():
    layer = Dense(2, name="proj")
    layer(np.zeros((1, 3), "float32"))
    with pytest.raises(ValueError, match=r"layer 'proj'.*axis -1.*value 3.*\(1, 4\)"):
        layer(np.zeros((1, 4), "float32"))


def test_layer_called_on_wrong_rank():
    with pytest.raises(ValueError, match=r"layer 'proj'.*min_ndim=2, found ndim=1"):
        Dense(2, name="proj")(np.zeros(3, "float32"))
    with pytest.raises(ValueError, match=r"layer 'perm'.*expected ndim=3, found ndim=2"):
        layers.Permute((2, 1), name="perm")(Input((3,)))


def test_symbolic_call_with_wrong_last_dimension():
    layer = Dense(2, name="proj")
    layer(Input((3,)))
    with pytest.raises(ValueError, match=r"layer 'proj'.*\(None, 5\)"):
        layer(Input((5,)))


def test_target_with_wrong_shape():
    model = _compiled()
    with pytest.raises(ValueError, match=r"target array with shape \(5, 3\).*output of shape "
                                         r"\(None, 2\)"):
        model.fit(np.zeros((5, 3)), np.zeros((5, 3)), verbose=0)


def test_categorical_crossentropy_with_integer_targets_suggests_to_categorical():
    inp = Input((3,))
    model = tkeras.Model(inp, Dense(4, activation="softmax")(inp))
    model.compile("sgd", "categorical_crossentropy")
    y = np.array([[0], [1], [2], [3], [1]])
    with pytest.raises(ValueError, match=r"(?s)shape \(5, 1\).*to_categorical.*"
                                         r"sparse_categorical_crossentropy"):
        model.fit(np.zeros((5, 3)), y, verbose=0)


def test_class_weight_missing_a_class():
    inp = Input((3,))
    model = tkeras.Model(inp, Dense(1, activation="sigmoid")(inp))
    model.compile("sgd", "binary_crossentropy")
    with pytest.raises(ValueError, match=r"`class_weight` must contain all classes.*\{1\}"):
        model.fit(np.zeros((4, 3)), np.array([[0], [1], [1], [0]]), class_weight={0: 1.0},
                  verbose=0)


def test_wrong_number_of_target_arrays():
    inp = Input((3,))
    model = tkeras.Model(inp, [Dense(1, name="a")(inp), Dense(1, name="b")(inp)])
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match=r"Expected to see 2 array\(s\)"):
        model.fit(np.zeros((4, 3)), [np.zeros((4, 1))], verbose=0)


def test_validation_split_out_of_range():
    with pytest.raises(ValueError, match=r"validation_split=1.5"):
        _compiled().fit(np.zeros((4, 3)), np.zeros((4, 2)), validation_split=1.5, verbose=0)


def test_invalid_batch_size():
    with pytest.raises(ValueError, match=r"Received: batch_size=0"):
        _compiled().fit(np.zeros((4, 3)), np.zeros((4, 2)), batch_size=0, verbose=0)


def test_unknown_fit_argument():
    with pytest.raises(TypeError, match="bogus_option"):
        _compiled().fit(np.zeros((4, 3)), np.zeros((4, 2)), bogus_option=2, verbose=0)


# ---------------------------------------------------------------- compile
def test_unknown_loss_name_lists_valid_ones():
    with pytest.raises(ValueError, match=r"Unknown loss function: 'msee'.*mean_squared_error"):
        _model().compile("sgd", "msee")
    with pytest.raises(ValueError, match=r"Unknown loss function"):
        losses.get("msee")


def test_unknown_metric_name_lists_valid_ones():
    with pytest.raises(ValueError, match=r"Unknown metric function: 'acuracy'.*accuracy"):
        _model().compile("sgd", "mse", metrics=["acuracy"])
    with pytest.raises(ValueError, match=r"Unknown metric function"):
        metrics.get("acuracy")


def test_unknown_optimizer_name_lists_valid_ones():
    with pytest.raises(ValueError, match=r"Unknown optimizer: 'adamw2'.*Adam.*RMSprop.*SGD"):
        _model().compile("adamw2", "mse")
    with pytest.raises(ValueError, match=r"Unknown optimizer"):
        optimizers.get("adamw2")


def test_unknown_activation_name_lists_valid_ones():
    with pytest.raises(ValueError, match=r"Unknown activation function: 'rlu'.*relu.*sigmoid"):
        Dense(2, activation="rlu")
    with pytest.raises(ValueError, match=r"Unknown activation function"):
        layers.Activation("rlu")
    with pytest.raises(ValueError, match=r"Unknown activation function"):
        activations.get("rlu")


def test_fit_before_compile():
    model = _model()
    with pytest.raises(RuntimeError, match="must compile your model before training"):
        model.fit(np.zeros((4, 3)), np.zeros((4, 2)), verbose=0)
    with pytest.raises(RuntimeError, match="must compile"):
        model.evaluate(np.zeros((4, 3)), np.zeros((4, 2)), verbose=0)
    with pytest.raises(RuntimeError, match="must compile"):
        model.train_on_batch(np.zeros((4, 3)), np.zeros((4, 2)))


def test_unknown_compile_argument():
    with pytest.raises(TypeError, match="metric"):
        _model().compile("sgd", "mse", metric=["mae"])


def test_loss_dict_with_unknown_output_name():
    with pytest.raises(ValueError, match=r"Unknown entries in loss dictionary: \['nope'\].*'d'"):
        model = _model()
        model.compile("sgd", {"nope": "mse"})
        model.fit(np.zeros((2, 3)), np.zeros((2, 2)), verbose=0)


@pytest.mark.parametrize("bad", [dict(loss="msee"), dict(metrics=["acuracy"]),
                                 dict(optimizer="adamw2"), dict(loss={"nope": "mse"})])
def test_failed_compile_keeps_the_previous_compile(bad):
    model = _model()
    model.compile("sgd", "mae", metrics=["mse"])
    optimizer = model.optimizer
    args = dict(dict(optimizer="adam", loss="mse", metrics=["acc"]), **bad)
    with pytest.raises(ValueError):
        model.compile(**args)
    assert model.optimizer is optimizer
    assert model.metrics_names == ["loss", "mse"]
    x, y = np.ones((4, 3), "float32"), np.zeros((4, 2), "float32")
    loss, mse = model.evaluate(x, y, verbose=0)
    assert loss == pytest.approx(np.abs(model.predict(x) - y).mean(), rel=1e-5)


@pytest.mark.parametrize("bad", [dict(loss="msee"), dict(metrics=["acuracy"])])
def test_deferred_sequential_rejects_bad_names_at_compile(bad):
    model = tkeras.Sequential([Dense(2)])
    with pytest.raises(ValueError, match="Unknown"):
        model.compile(**dict(dict(optimizer="sgd", loss="mse"), **bad))
    with pytest.raises(RuntimeError, match="must compile"):
        model.fit(np.zeros((2, 3)), np.zeros((2, 2)), verbose=0)


# ---------------------------------------------------------------- Sequential
def test_empty_sequential():
    model = tkeras.Sequential()
    with pytest.raises(ValueError, match="has no layers"):
        model.predict(np.zeros((2, 3)))
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match="has no layers"):
        model.fit(np.zeros((2, 3)), np.zeros((2, 3)), verbose=0)


# ---------------------------------------------------------------- layer arguments
def test_dense_units_zero():
    with pytest.raises(ValueError, match=r"`units`.*positive integer.*Received: units=0"):
        Dense(units=0)


def test_dropout_rate_one():
    with pytest.raises(ValueError, match=r"\[0, 1\).*Received: rate=1.0"):
        layers.Dropout(rate=1.0)


def test_reshape_two_unknown_dimensions():
    with pytest.raises(ValueError, match=r"only specify one unknown dimension"):
        layers.Reshape((-1, 2, -1))


def test_reshape_invalid_entry():
    with pytest.raises(ValueError, match=r"positive or -1.*Received: target_shape=\(0, 2\)"):
        layers.Reshape((0, 2))


def test_permute_bad_dims():
    with pytest.raises(ValueError, match=r"Invalid permutation `dims`.*\(1, 3\).*start from 1"):
        layers.Permute((1, 3))


def test_unknown_keyword_argument_to_a_layer():
    with pytest.raises(TypeError, match=r"Dense.*unexpected keyword argument `kernel_size`"):
        Dense(2, kernel_size=3)
    with pytest.raises(TypeError, match=r"unexpected keyword argument `rates`"):
        layers.Dropout(0.5, rates=0.1)


def test_layer_name_must_be_a_string():
    with pytest.raises(TypeError, match=r"`name` must be a string"):
        Dense(2, name=3)


def test_input_without_shape():
    with pytest.raises(ValueError, match=r"either a `shape` or a `batch_shape`"):
        Input()
