"""fit/evaluate/predict fed from generators, `Sequence`, and torch Datasets/DataLoaders."""
import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader, TensorDataset

import tkeras
from tkeras.layers import Dense
from tkeras.utils import Sequence


def make_data(n=96, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.random((n, 4), dtype=np.float32)
    y = (x.sum(1) > 2).astype(np.int64)
    return x, y


def make_model(seed=0):
    torch.manual_seed(seed)
    model = tkeras.Sequential([Dense(8, activation="relu", input_shape=(4,)),
                               Dense(2, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


class Batches(Sequence):
    def __init__(self, x, y, batch_size=16, sw=None):
        self.x, self.y, self.sw, self.batch_size = x, y, sw, batch_size
        self.epoch_ends = 0

    def __len__(self):
        return -(-len(self.x) // self.batch_size)

    def __getitem__(self, i):
        s = slice(i * self.batch_size, (i + 1) * self.batch_size)
        if self.sw is not None:
            return self.x[s], self.y[s], self.sw[s]
        return self.x[s], self.y[s]

    def on_epoch_end(self):
        self.epoch_ends += 1


class XOnly(Sequence):  # module level: picklable for worker processes
    def __init__(self, x, batch_size):
        self.x, self.batch_size = x, batch_size

    def __len__(self):
        return -(-len(self.x) // self.batch_size)

    def __getitem__(self, i):
        return self.x[i * self.batch_size:(i + 1) * self.batch_size]


def endless(x, y, batch_size=16, sw=None):
    while True:
        for i in range(0, len(x), batch_size):
            s = slice(i, i + batch_size)
            yield (x[s], y[s]) if sw is None else (x[s], y[s], sw[s])


def weights_of(model):
    return [w.copy() for w in model.get_weights()]


def test_sequence_matches_arrays_without_shuffle():
    x, y = make_data()
    a = make_model()
    a.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    b = make_model()
    seq = Batches(x, y, 16)
    b.fit(seq, epochs=2, shuffle=False, verbose=0)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(wa, wb, rtol=1e-6, atol=1e-6)
    assert seq.epoch_ends == 2


def test_generator_matches_arrays_with_steps_per_epoch():
    x, y = make_data()
    a = make_model()
    a.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    b = make_model()
    hist = b.fit(endless(x, y), steps_per_epoch=6, epochs=3, verbose=0)
    assert len(hist.history["loss"]) == 3
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(wa, wb, rtol=1e-6, atol=1e-6)


def test_sequence_shuffle_changes_order_but_trains():
    x, y = make_data()
    seq = Batches(x, y, 16)
    model = make_model()
    hist = model.fit(seq, epochs=3, shuffle=True, verbose=0)
    assert len(hist.history["accuracy"]) == 3 and seq.epoch_ends == 3


def test_dataloader_and_dataset():
    x, y = make_data()
    ds = TensorDataset(torch.from_numpy(x), torch.from_numpy(y))
    a = make_model()
    a.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    b = make_model()
    b.fit(DataLoader(ds, batch_size=16), epochs=1, verbose=0)
    c = make_model()
    c.fit(ds, batch_size=16, epochs=1, shuffle=False, verbose=0)
    for wa, wb, wc in zip(a.get_weights(), b.get_weights(), c.get_weights()):
        np.testing.assert_allclose(wa, wb, rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(wa, wc, rtol=1e-6, atol=1e-6)
    loss, acc = b.evaluate(DataLoader(ds, batch_size=32), verbose=0)
    np.testing.assert_allclose(loss, b.evaluate(x, y, verbose=0)[0], rtol=1e-5)
    pred = b.predict(DataLoader(ds, batch_size=10))
    np.testing.assert_allclose(pred, b.predict(x), rtol=1e-6, atol=1e-6)


def test_validation_generator_and_class_weight():
    x, y = make_data()
    model = make_model()
    hist = model.fit(endless(x, y), steps_per_epoch=3, epochs=2, verbose=0,
                     validation_data=Batches(x, y, 32), class_weight={0: 1.0, 1: 2.0})
    assert len(hist.history["val_loss"]) == 2
    # class_weight on a generator batch equals the same weights as sample_weight
    a, b = make_model(), make_model()
    a.fit(Batches(x, y, 16), epochs=1, shuffle=False, verbose=0, class_weight={0: 1.0, 1: 3.0})
    sw = np.where(y == 1, 3.0, 1.0).astype(np.float32)
    b.fit(Batches(x, y, 16, sw=sw), epochs=1, shuffle=False, verbose=0)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(wa, wb, rtol=1e-6, atol=1e-6)


def test_multiprocessing_workers_keep_predict_order():
    x, _ = make_data(200)
    model = make_model()
    seq = XOnly(x, 7)
    ref = model.predict(seq, workers=0)
    par = model.predict(seq, workers=2, use_multiprocessing=True)
    np.testing.assert_array_equal(ref, par)
    np.testing.assert_allclose(ref, model.predict(x), rtol=1e-6, atol=1e-6)


def test_multiprocessing_fit_calls_on_epoch_end():
    x, y = make_data()
    seq = Batches(x, y, 16)
    model = make_model()
    model.fit(seq, epochs=2, workers=2, use_multiprocessing=True, verbose=0)
    assert seq.epoch_ends == 2
    seq.epoch_ends = 0
    model.evaluate(seq, verbose=0)
    assert seq.epoch_ends == 1


def test_keras2_generator_methods():
    x, y = make_data()
    model = make_model()
    hist = model.fit_generator(endless(x, y), steps_per_epoch=6, epochs=2, verbose=0,
                               validation_data=endless(x, y), validation_steps=2)
    assert sorted(hist.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    res = model.evaluate_generator(Batches(x, y, 32))
    np.testing.assert_allclose(res, model.evaluate(x, y, verbose=0), rtol=1e-5)
    pred = model.predict_generator(((x[i:i + 32],) for i in range(0, 96, 32)), steps=3)
    np.testing.assert_allclose(pred, model.predict(x), rtol=1e-6, atol=1e-6)


def test_dict_and_multi_input_batches():
    a = tkeras.Input((4,), name="a")
    b = tkeras.Input((2,), name="b")
    out = Dense(1, name="out")(tkeras.layers.concatenate([a, b]))
    model = tkeras.Model([a, b], out)
    model.compile("sgd", "mse")
    rng = np.random.default_rng(0)

    def gen():
        while True:
            yield {"a": rng.random((8, 4)), "b": rng.random((8, 2))}, {"out": rng.random((8, 1))}

    model.fit(gen(), steps_per_epoch=3, verbose=0)
    assert model.predict(gen(), steps=2).shape == (16, 1)


# ------------------------------------------------------------------ errors
def test_error_wrong_structure_names_batch():
    x, y = make_data()
    model = make_model()

    def bad(at):
        for i, batch in enumerate(endless(x, y)):
            yield batch[0] if i == at else batch

    with pytest.raises(ValueError, match=r"should be a tuple .*Found: ndarray with shape "
                                         r"\(16, 4\) at batch 0"):
        model.fit(bad(0), steps_per_epoch=3, verbose=0)
    with pytest.raises(ValueError, match=r"Found: a tuple of 4 items at batch 2"):
        model.fit((b + (None, None) if i == 2 else b for i, b in enumerate(endless(x, y))),
                  steps_per_epoch=3, verbose=0)


def test_error_empty_sequence_before_training():
    model = make_model()
    x, y = make_data()
    with pytest.raises(ValueError, match="has length 0"):
        model.fit(Batches(x[:0], y[:0]), verbose=0)


def test_error_steps_per_epoch_missing():
    x, y = make_data()
    model = make_model()
    with pytest.raises(ValueError, match=r"`steps_per_epoch=None` is only valid for a "
                                         r"generator based on the `keras.utils.Sequence`"):
        model.fit(endless(x, y), verbose=0)
    with pytest.raises(ValueError, match=r"`validation_steps=None`"):
        model.fit(Batches(x, y), validation_data=endless(x, y), verbose=0)
    with pytest.raises(ValueError, match=r"`steps=None`"):
        model.predict(endless(x, y))


def test_error_class_weight_unknown_class_per_batch():
    x, y = make_data()
    model = make_model()
    before = weights_of(model)
    with pytest.raises(ValueError, match=r"batch 0 .*`class_weight` must contain all classes"):
        model.fit(Batches(x, y), class_weight={0: 1.0}, verbose=0)
    for w0, w1 in zip(before, model.get_weights()):
        np.testing.assert_array_equal(w0, w1)


def test_error_sample_weight_wrong_length():
    x, y = make_data()
    model = make_model()
    sw = np.ones(len(x), np.float32)

    def gen():
        for i, (xb, yb, wb) in enumerate(endless(x, y, sw=sw)):
            yield xb, yb, (wb[:3] if i == 1 else wb)

    with pytest.raises(ValueError, match=r"batch 1 .*sample_weight cannot be broadcast"):
        model.fit(gen(), steps_per_epoch=4, verbose=0)
    with pytest.raises(ValueError, match="`sample_weight` argument is not supported"):
        model.fit(Batches(x, y), sample_weight=sw, verbose=0)


def test_error_input_shape_checked_on_first_batch():
    model = make_model()
    bad = ((np.zeros((4, 3), np.float32), np.zeros(4)) for _ in range(3))
    with pytest.raises(ValueError, match=r"batch 0 .*expected .* shape \(4,\)"):
        model.fit(bad, steps_per_epoch=2, verbose=0)


def test_generator_running_dry_warns_and_stops():
    x, y = make_data()
    model = make_model()
    with pytest.warns(UserWarning, match="ran out of data"):
        hist = model.fit(iter([(x[:16], y[:16])] * 3), steps_per_epoch=2, epochs=5, verbose=0)
    assert len(hist.history["loss"]) == 2
