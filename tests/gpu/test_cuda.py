"""CUDA checks, run on a machine with a GPU (`benchmarks/run_gpu.sh`); CI has none, so
this module is skipped there and counts for nothing in CI. Each check compares the GPU
with the CPU path that the rest of the suite ties to Keras 2."""
import warnings

import numpy as np
import pytest
import torch

import tkeras as keras
from tkeras import mixed_precision

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
CUDA = torch.device("cuda")


@pytest.fixture(autouse=True)
def _exact_float32():
    # Compare float32 GPU math with the CPU without TF32 rounding.
    prev = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    yield
    torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = prev
    mixed_precision.set_global_policy("float32")


def _data(n=256):
    rng = np.random.RandomState(0)
    x = rng.rand(n, 12, 12, 1).astype("float32")
    return x, (x.reshape(n, -1).sum(1) > 72).astype("int64")


def _convnet(last_dtype=None):
    L = keras.layers
    return keras.Sequential([
        L.Conv2D(8, 3, padding="same", activation="relu", input_shape=(12, 12, 1)),
        L.BatchNormalization(),
        L.MaxPooling2D(),
        L.Conv2D(8, 3, strides=2, padding="same", activation="relu"),
        L.Flatten(),
        L.Dense(16, activation="relu"),
        L.Dense(2, activation="softmax", dtype=last_dtype),
    ])


def _fit(model, device, epochs=3):
    x, y = _data()
    model.to(device)
    model.compile(keras.optimizers.Adam(1e-2), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, y, batch_size=32, epochs=epochs, shuffle=False, verbose=0)
    return history.history["loss"], model.predict(x[:16])


def test_cuda_fit_matches_the_cpu():
    torch.manual_seed(0)
    cpu = _convnet()
    gpu = _convnet()
    gpu.set_weights(cpu.get_weights())
    loss_cpu, pred_cpu = _fit(cpu, torch.device("cpu"))
    loss_gpu, pred_gpu = _fit(gpu, CUDA)
    assert all(w.device.type == "cuda" for w in gpu.weights)
    np.testing.assert_allclose(loss_gpu, loss_cpu, rtol=1e-4)
    np.testing.assert_allclose(pred_gpu, pred_cpu, atol=1e-4)
    for a, b in zip(gpu.get_weights(), cpu.get_weights()):  # moving statistics too
        np.testing.assert_allclose(a, b, atol=1e-4)


@pytest.mark.parametrize("policy, dtype", [("mixed_float16", torch.float16),
                                           ("mixed_bfloat16", torch.bfloat16)])
def test_mixed_precision_on_cuda_trains_close_to_float32(policy, dtype):
    torch.manual_seed(0)
    ref = _convnet()
    weights = ref.get_weights()
    loss_ref, pred_ref = _fit(ref, CUDA)
    mixed_precision.set_global_policy(policy)
    model = _convnet(last_dtype="float32")
    model.set_weights(weights)
    loss, pred = _fit(model, CUDA)
    hidden = model.layers[0](torch.ones(2, 12, 12, 1, device=CUDA))
    assert hidden.dtype == dtype
    assert all(w.dtype == torch.float32 for w in model.weights)
    assert pred.dtype == np.float32
    if policy == "mixed_float16":
        assert isinstance(model.optimizer, mixed_precision.LossScaleOptimizer)
        assert np.isfinite(model.optimizer.loss_scale)
    np.testing.assert_allclose(loss, loss_ref, atol=3e-2)
    np.testing.assert_allclose(pred, pred_ref, atol=5e-2)


def test_jit_compile_on_cuda_matches_eager():
    torch._dynamo.reset()
    torch.manual_seed(0)
    eager = _convnet()
    jit = _convnet()
    jit.set_weights(eager.get_weights())
    x, y = _data()
    for model, flag in ((eager, False), (jit, True)):
        model.to(CUDA)
        model.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy",
                      jit_compile=flag)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        h_jit = jit.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0)
        p_jit = jit.predict(x, batch_size=32)
    assert not [w for w in record if "compile" in str(w.message).lower()]
    h_eager = eager.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0)
    np.testing.assert_allclose(h_jit.history["loss"], h_eager.history["loss"], rtol=1e-3)
    np.testing.assert_allclose(p_jit, eager.predict(x, batch_size=32), atol=1e-4)
    torch._dynamo.reset()


def test_data_parallel_wraps_a_tkeras_model():
    # One GPU here: DataParallel over it still runs the module through its replicas.
    model = _convnet().to(CUDA)
    model.compile("sgd", "sparse_categorical_crossentropy")
    x, _ = _data(8)
    wrapped = torch.nn.DataParallel(model)
    with torch.no_grad():
        out = wrapped(torch.from_numpy(x).to(CUDA))
    np.testing.assert_allclose(out.cpu().numpy(), model.predict(x), atol=1e-5)
