"""`compile(..., jit_compile=True)`: train/test/predict steps through `torch.compile`,
falling back to eager with a warning that names the reason."""
import warnings

import numpy as np
import pytest
import torch

import tkeras as keras


def _model(seed=0):
    torch.manual_seed(seed)
    return keras.Sequential([keras.layers.Dense(4, activation="relu", input_shape=(8,)),
                             keras.layers.Dense(1)])


def _data():
    rng = np.random.RandomState(0)
    x = rng.rand(32, 8).astype("float32")
    return x, x[:, :1] * 2


def _jit_warnings(record):
    return [str(w.message) for w in record if "jit_compile" in str(w.message)]


def test_failed_compilation_falls_back_with_a_warning_naming_the_reason():
    import torch._inductor.config as inductor_config

    # A real cause a user can meet: no working C++ compiler for inductor's CPU code.
    with inductor_config.patch({"cpp.cxx": ("/nonexistent/c++",)}):
        _check_fallback()


def _jit_and_eager():
    """Data, a `jit_compile=True` model and an eager twin with the same weights."""
    torch._dynamo.reset()
    x, y = _data()
    model = _model()
    eager = _model()
    eager.set_weights(model.get_weights())
    model.compile(keras.optimizers.SGD(0.1), "mse", jit_compile=True)
    eager.compile(keras.optimizers.SGD(0.1), "mse")
    return x, y, model, eager


def _check_fallback():
    x, y, model, eager = _jit_and_eager()
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        history = model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    messages = _jit_warnings(record)
    assert len(messages) == 1
    assert "could not compile the train step" in messages[0]
    assert "C++ compiler" in messages[0]
    ref = eager.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    np.testing.assert_allclose(history.history["loss"], ref.history["loss"], rtol=1e-6)
    torch._dynamo.reset()


def test_user_errors_are_not_mistaken_for_compile_failures():
    model = _model()
    model.compile("sgd", "mse", jit_compile=True)

    with pytest.raises(ValueError, match="expected"):
        model.fit(np.zeros((4, 5), "float32"), np.zeros((4, 1), "float32"), verbose=0)


def test_tiny_model_really_compiles_and_matches_eager():
    x, y, model, eager = _jit_and_eager()
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        history = model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
        pred = model.predict(x, batch_size=16)
    assert _jit_warnings(record) == []
    ref = eager.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    np.testing.assert_allclose(history.history["loss"], ref.history["loss"], rtol=1e-4)
    np.testing.assert_allclose(pred, eager.predict(x, batch_size=16), rtol=1e-4, atol=1e-6)
    torch._dynamo.reset()
