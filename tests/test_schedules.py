"""Learning-rate schedules against tf-keras 2.21 values, and inside optimizers."""
import json

import numpy as np
import pytest

import tkeras
from tkeras.optimizers import schedules

S = schedules

# tf-keras 2.21 (float32) values of schedule(t) for t = 0..11.
REFERENCE = {
    "exp": (lambda: S.ExponentialDecay(0.1, 3, 0.5), [
        0.10000000149011612, 0.07937005162239075, 0.06299605220556259, 0.05000000074505806,
        0.039685025811195374, 0.031498026102781296, 0.02500000037252903, 0.019842514768242836,
        0.015749013051390648, 0.012500000186264515, 0.009921257384121418, 0.007874506525695324]),
    "exp_stair": (lambda: S.ExponentialDecay(0.1, 3, 0.5, staircase=True), [
        0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.0125, 0.0125, 0.0125]),
    "piecewise": (lambda: S.PiecewiseConstantDecay([2, 5], [1.0, 0.5, 0.1]), [
        1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]),
    "poly": (lambda: S.PolynomialDecay(0.1, 5, end_learning_rate=0.01, power=2.0), [
        0.10000000149011612, 0.06760000437498093, 0.04240000247955322, 0.024399999529123306,
        0.013599999248981476, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01]),
    "poly_cycle": (lambda: S.PolynomialDecay(0.1, 3, end_learning_rate=0.01, cycle=True), [
        0.1, 0.07000000029802322, 0.03999999910593033, 0.01, 0.03999999910593033,
        0.02500000223517418, 0.01, 0.029999999329447746, 0.019999999552965164, 0.01,
        0.02500000223517418, 0.017499998211860657]),
    "inverse": (lambda: S.InverseTimeDecay(0.1, 2, 0.5), [
        0.1, 0.07999999821186066, 0.06666667014360428, 0.05714285746216774, 0.05,
        0.04444444552063942, 0.03999999910593033, 0.036363635212183, 0.03333333507180214,
        0.03076923079788685, 0.02857142873108387, 0.02666666731238365]),
    "inverse_stair": (lambda: S.InverseTimeDecay(0.1, 2, 0.5, staircase=True), [
        0.1, 0.1, 0.06666667014360428, 0.06666667014360428, 0.05, 0.05,
        0.03999999910593033, 0.03999999910593033, 0.03333333507180214, 0.03333333507180214,
        0.02857142873108387, 0.02857142873108387]),
    "cosine": (lambda: S.CosineDecay(0.1, 5, alpha=0.1), [
        0.1, 0.09140576422214508, 0.06890576332807541, 0.04109422490000725,
        0.018594233319163322, 0.010000000707805157, 0.010000000707805157,
        0.010000000707805157, 0.010000000707805157, 0.010000000707805157,
        0.010000000707805157, 0.010000000707805157]),
    "cosine_warmup": (lambda: S.CosineDecay(0.0, 5, alpha=0.1, warmup_target=0.2,
                                            warmup_steps=3), [
        0.0, 0.06666667014360428, 0.13333334028720856, 0.2, 0.18281152844429016,
        0.13781152665615082, 0.0821884498000145, 0.037188466638326645, 0.02, 0.02, 0.02,
        0.02]),
    "cosine_restarts": (lambda: S.CosineDecayRestarts(0.1, 3, t_mul=2.0, m_mul=0.5,
                                                      alpha=0.1), [
        0.1, 0.07750000059604645, 0.032499995082616806, 0.055000003427267075,
        0.05198557302355766, 0.04374999925494194, 0.032499998807907104, 0.021250003948807716,
        0.01301442738622427, 0.032499998807907104, 0.032116666436195374,
        0.030992785468697548]),
}


@pytest.mark.parametrize("key", sorted(REFERENCE))
def test_schedule_values_match_tf_keras(key):
    make, expected = REFERENCE[key]
    s = make()
    got = [s(t) for t in range(12)]
    assert all(isinstance(v, float) for v in got)
    np.testing.assert_allclose(got, expected, rtol=2e-6, atol=1e-8)


@pytest.mark.parametrize("key", sorted(REFERENCE))
def test_schedule_config_round_trips(key):
    s = REFERENCE[key][0]()
    clone = type(s).from_config(s.get_config())
    assert clone.get_config() == s.get_config()
    again = S.deserialize(json.loads(json.dumps(S.serialize(s))))
    assert [again(t) for t in range(6)] == [s(t) for t in range(6)]


def test_schedule_config_keys_match_tf_keras():
    assert S.ExponentialDecay(0.1, 3, 0.5).get_config() == {
        "initial_learning_rate": 0.1, "decay_steps": 3, "decay_rate": 0.5,
        "staircase": False, "name": None}
    assert S.CosineDecay(0.1, 5, alpha=0.1).get_config() == {
        "initial_learning_rate": 0.1, "decay_steps": 5, "alpha": 0.1, "name": None,
        "warmup_target": None, "warmup_steps": 0}
    assert S.CosineDecayRestarts(0.1, 3).get_config() == {
        "initial_learning_rate": 0.1, "first_decay_steps": 3, "t_mul": 2.0, "m_mul": 1.0,
        "alpha": 0.0, "name": None}


def test_piecewise_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="1 less than the length of `values`"):
        S.PiecewiseConstantDecay([1, 2], [1.0, 0.5])


def test_decay_steps_must_be_positive():
    with pytest.raises(ValueError, match="Received: decay_steps=0"):
        S.ExponentialDecay(0.1, 0, 0.5)


def test_optimizer_config_serializes_schedule_like_tf_keras():
    opt = tkeras.optimizers.Adam(learning_rate=S.ExponentialDecay(0.1, 3, 0.5))
    config = opt.get_config()
    assert config["learning_rate"] == {
        "module": "keras.optimizers.schedules", "class_name": "ExponentialDecay",
        "config": {"initial_learning_rate": 0.1, "decay_steps": 3, "decay_rate": 0.5,
                   "staircase": False, "name": None},
        "registered_name": None}
    restored = tkeras.optimizers.Adam.from_config(json.loads(json.dumps(config)))
    assert isinstance(restored._schedule, S.ExponentialDecay)
    via_get = tkeras.optimizers.get(json.loads(json.dumps(tkeras.optimizers.serialize(opt))))
    assert isinstance(via_get, tkeras.optimizers.Adam)
    assert via_get._schedule.get_config() == opt._schedule.get_config()


def test_user_schedule_subclass_round_trips_with_custom_objects():
    class Halving(S.LearningRateSchedule):
        def __init__(self, rate):
            self.rate = rate

        def __call__(self, step):
            return self.rate / 2 ** step

        def get_config(self):
            return {"rate": self.rate}

    opt = tkeras.optimizers.SGD(learning_rate=Halving(0.5))
    config = opt.get_config()
    restored = tkeras.optimizers.SGD.from_config(config, custom_objects={"Halving": Halving})
    assert restored._schedule(2) == 0.125


def _numpy_adam_with_schedule(x, y, w, b, schedule, batch_size, steps,
                              beta_1=0.9, beta_2=0.999, eps=1e-7):
    m = [np.zeros_like(w), np.zeros_like(b)]
    v = [np.zeros_like(w), np.zeros_like(b)]
    params = [w.astype(np.float64), b.astype(np.float64)]
    for t in range(steps):
        xb, yb = x[t * batch_size:(t + 1) * batch_size], y[t * batch_size:(t + 1) * batch_size]
        err = xb @ params[0] + params[1] - yb
        n = err.size
        grads = [2.0 / n * xb.T @ err, 2.0 / n * err.sum(0)]
        lr = schedule(t)  # the rate of step t+1 is schedule(iterations before it)
        alpha = lr * np.sqrt(1 - beta_2 ** (t + 1)) / (1 - beta_1 ** (t + 1))
        for i, g in enumerate(grads):
            m[i] = beta_1 * m[i] + (1 - beta_1) * g
            v[i] = beta_2 * v[i] + (1 - beta_2) * g * g
            params[i] = params[i] - alpha * m[i] / (np.sqrt(v[i]) + eps)
    return params


def test_fit_with_scheduled_adam_matches_numpy():
    rng = np.random.RandomState(0)
    x = rng.randn(6, 3).astype("float32")
    y = rng.randn(6, 2).astype("float32")
    w0 = rng.randn(3, 2).astype("float32")
    b0 = rng.randn(2).astype("float32")
    schedule = S.PiecewiseConstantDecay([0, 1], [0.1, 0.05, 0.01])
    model = tkeras.Sequential([tkeras.layers.Dense(2, input_shape=(3,))])
    model.set_weights([w0, b0])
    opt = tkeras.optimizers.Adam(learning_rate=schedule)
    model.compile(optimizer=opt, loss="mse")
    model.fit(x, y, batch_size=2, epochs=1, shuffle=False, verbose=0)
    assert opt.iterations == 3
    w_ref, b_ref = _numpy_adam_with_schedule(x, y, w0, b0, schedule, 2, 3)
    w, b = model.get_weights()
    np.testing.assert_allclose(w, w_ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(b, b_ref, rtol=1e-5, atol=1e-6)
    # With a constant rate the result differs: the schedule was really used.
    model2 = tkeras.Sequential([tkeras.layers.Dense(2, input_shape=(3,))])
    model2.set_weights([w0, b0])
    model2.compile(optimizer=tkeras.optimizers.Adam(learning_rate=0.1), loss="mse")
    model2.fit(x, y, batch_size=2, epochs=1, shuffle=False, verbose=0)
    assert not np.allclose(model2.get_weights()[0], w)
