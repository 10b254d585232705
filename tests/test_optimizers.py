"""Optimizers: Keras 2 update rules (NumPy oracle + tf-keras reference numbers),
hyperparameters, clipping, decay, engine interface, config and weights."""
import math

import numpy as np
import pytest
import torch

from tkeras import optimizers
from tkeras.optimizers import SGD, Adadelta, Adagrad, Adam, Adamax, Nadam, RMSprop

W0 = [np.array([[0.5, -1.0, 2.0], [0.1, 0.0, -0.3]]), np.array([1.5, -0.25])]
GRADS = [  # fixed gradients, one list per step (small, large and zero entries)
    [np.array([[0.2, -0.5, 1.0], [3.0, 0.0, -0.01]]), np.array([0.7, -1.2])],
    [np.array([[-0.1, 0.4, 0.9], [2.0, 1e-4, 0.02]]), np.array([0.3, 0.5])],
    [np.array([[0.05, -0.3, -1.5], [-1.0, 0.0, 0.5]]), np.array([-0.6, 2.0])],
]

CASES = {
    "sgd": ("SGD", dict(learning_rate=0.1)),
    "sgd_mom": ("SGD", dict(learning_rate=0.1, momentum=0.9)),
    "sgd_nesterov_decay": ("SGD", dict(learning_rate=0.1, momentum=0.9, nesterov=True, decay=0.5)),
    "rmsprop": ("RMSprop", dict(learning_rate=0.01)),
    "rmsprop_centered": ("RMSprop", dict(learning_rate=0.01, centered=True)),
    "rmsprop_mom": ("RMSprop", dict(learning_rate=0.01, momentum=0.5, decay=0.1)),
    "rmsprop_mom_centered": ("RMSprop", dict(learning_rate=0.01, momentum=0.5, centered=True)),
    "adagrad": ("Adagrad", dict(learning_rate=0.1)),
    "adadelta": ("Adadelta", dict(learning_rate=1.0)),
    "adam": ("Adam", dict(learning_rate=0.01)),
    "adam_amsgrad_decay": ("Adam", dict(learning_rate=0.01, amsgrad=True, decay=0.2)),
    "adamax": ("Adamax", dict(learning_rate=0.01)),
    "nadam": ("Nadam", dict(learning_rate=0.01)),
    "sgd_clipnorm": ("SGD", dict(learning_rate=0.1, clipnorm=1.0)),
    "sgd_global_clipnorm": ("SGD", dict(learning_rate=0.1, global_clipnorm=1.0)),
    "sgd_clipvalue": ("SGD", dict(learning_rate=0.1, clipvalue=0.5)),
    "adam_clipvalue_clipnorm": ("Adam", dict(learning_rate=0.01, clipvalue=0.5, clipnorm=0.6)),
}

# Parameters (w0 flattened, then w1) after the 3 steps above, computed by tf-keras 2.21's
# legacy optimizers (`tf_keras.optimizers.legacy.<Class>(**kw).apply_gradients`), float32.
TF_KERAS_AFTER_3_STEPS = {
    "sgd": [0.484999985, -0.960000038, 1.95999992, -0.300000042, -9.99999975e-06, -0.351000041, 1.46000004, -0.379999995],
    "sgd_mom": [0.459800005, -0.91049999, 1.70800006, -0.99300009, -1.89999992e-05, -0.351090014, 1.31329989, -0.219799995],
    "sgd_nesterov_decay": [0.444536686, -0.871816635, 1.63599992, -1.19803333, -1.80666666e-05, -0.34767434, 1.26207006, -0.117653325],
    "rmsprop": [0.475575089, -0.974403918, 1.97098148, 0.059366256, -0.0315230899, -0.32854414, 1.47608626, -0.258331895],
    "rmsprop_centered": [0.473836929, -0.972500145, 1.96686518, 0.0561585426, -0.0332225859, -0.328973025, 1.47323525, -0.257331192],
    "rmsprop_mom": [0.458477765, -0.960493207, 1.93528867, 0.027509138, -0.00429079589, -0.310185164, 1.44418049, -0.234699279],
    "rmsprop_mom_centered": [0.456261456, -0.957696497, 1.92977786, 0.0211036019, -0.0047222143, -0.318713784, 1.44112062, -0.238759726],
    "adagrad": [0.459563971, -0.932765961, 1.91307569, -0.0280757528, -3.16227633e-05, -0.387603223, 1.43132234, -0.273790181],
    "adadelta": [0.499002695, -0.998824894, 1.99904382, 0.0980894938, -9.97509342e-05, -0.303037912, 1.49913883, -0.251178563],
    "adam": [0.483932585, -0.986299932, 1.97966063, 0.0747776031, -0.0127890436, -0.300171793, 1.47934675, -0.240637884],
    "adam_amsgrad_decay": [0.485349119, -0.987287998, 1.98142934, 0.077971682, -0.00999181904, -0.297702253, 1.48130834, -0.240060225],
    "adamax": [0.485637188, -0.986921966, 1.98022163, 0.0777652413, -0.00857893191, -0.29665795, 1.4817487, -0.240180537],
    "nadam": [0.490826011, -0.990629852, 1.98972499, 0.0852112025, -0.0111657577, -0.309791863, 1.49102378, -0.252161473],
    "sgd_clipnorm": [0.495608181, -0.986508846, 2.00763726, -0.0303804204, -4.48092715e-06, -0.326964259, 1.44834769, -0.309404731],
    "sgd_global_clipnorm": [0.496841073, -0.99240005, 1.98556626, -0.0370660499, -4.33538617e-06, -0.318311393, 1.48824584, -0.308270812],
    "sgd_clipvalue": [0.484999985, -0.960000038, 1.95000005, 0.0500000007, -9.99999975e-06, -0.351000041, 1.47000003, -0.300000012],
    "adam_clipvalue_clipnorm": [0.484565914, -0.987129629, 1.97702336, 0.0770232975, -0.0126476455, -0.300492615, 1.47842801, -0.245683372],
}


# ----------------------------------------------------------------- NumPy oracle

def keras2_reference(cls, kw, w0, grads):
    """Keras 2 (tf.keras legacy optimizer_v2) update rules, float64, written from the
    formulas: returns the parameters after each step."""
    defaults = {
        "SGD": dict(learning_rate=0.01, momentum=0.0, nesterov=False),
        "RMSprop": dict(learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False),
        "Adagrad": dict(learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7),
        "Adadelta": dict(learning_rate=0.001, rho=0.95, epsilon=1e-7),
        "Adam": dict(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False),
        "Adamax": dict(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7),
        "Nadam": dict(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7),
    }[cls]
    h = dict(defaults, **kw)
    decay = h.pop("decay", 0.0)
    ws = [w.astype(np.float64).copy() for w in w0]
    st = [dict() for _ in ws]
    m_cache = 1.0
    history = []
    for it, step_grads in enumerate(grads):
        t = it + 1
        gs = [g.astype(np.float64).copy() for g in step_grads]
        if "clipvalue" in h:
            gs = [np.clip(g, -h["clipvalue"], h["clipvalue"]) for g in gs]
        if "clipnorm" in h:
            c = h["clipnorm"]
            gs = [g * c / max(np.linalg.norm(g), c) for g in gs]
        if "global_clipnorm" in h:
            c = h["global_clipnorm"]
            total = math.sqrt(sum(float(np.sum(g * g)) for g in gs))
            gs = [g * c / max(total, c) for g in gs]
        lr = float(np.float32(h["learning_rate"]))  # Keras keeps the rate in a float32 variable
        if cls != "Nadam":
            lr = lr / (1.0 + decay * it)
        if cls == "Nadam":
            b1, sd = h["beta_1"], 0.004
            mu_t = b1 * (1 - 0.5 * 0.96 ** (sd * t))
            mu_next = b1 * (1 - 0.5 * 0.96 ** (sd * (t + 1)))
            m_cache = m_cache * mu_t
            m_next = m_cache * mu_next
        for w, g, s in zip(ws, gs, st):
            if cls == "SGD":
                if h["momentum"]:
                    v = h["momentum"] * s.get("v", 0.0) - lr * g
                    s["v"] = v
                    w += h["momentum"] * v - lr * g if h["nesterov"] else v
                else:
                    w -= lr * g
            elif cls == "RMSprop":
                rho, eps = h["rho"], h["epsilon"]
                s["ms"] = rho * s.get("ms", 0.0) + (1 - rho) * g * g
                denom = s["ms"]
                if h["centered"]:
                    s["mg"] = rho * s.get("mg", 0.0) + (1 - rho) * g
                    denom = denom - s["mg"] ** 2
                if h["momentum"]:
                    s["mom"] = h["momentum"] * s.get("mom", 0.0) + lr * g / np.sqrt(denom + eps)
                    w -= s["mom"]
                else:
                    w -= lr * g / (np.sqrt(denom) + eps)
            elif cls == "Adagrad":
                s["acc"] = s.get("acc", h["initial_accumulator_value"]) + g * g
                w -= lr * g / (np.sqrt(s["acc"]) + h["epsilon"])
            elif cls == "Adadelta":
                rho, eps = h["rho"], h["epsilon"]
                s["acc"] = rho * s.get("acc", 0.0) + (1 - rho) * g * g
                upd = g * np.sqrt(s.get("acc_u", 0.0) + eps) / np.sqrt(s["acc"] + eps)
                s["acc_u"] = rho * s.get("acc_u", 0.0) + (1 - rho) * upd * upd
                w -= lr * upd
            elif cls == "Adam":
                b1, b2, eps = h["beta_1"], h["beta_2"], h["epsilon"]
                s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
                s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g * g
                lr_t = lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
                v = s["v"]
                if h["amsgrad"]:
                    s["vhat"] = np.maximum(s.get("vhat", 0.0), s["v"])
                    v = s["vhat"]
                w -= lr_t * s["m"] / (np.sqrt(v) + eps)
            elif cls == "Adamax":
                b1, b2, eps = h["beta_1"], h["beta_2"], h["epsilon"]
                s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
                s["u"] = np.maximum(b2 * s.get("u", 0.0), np.abs(g))
                w -= lr / (1 - b1 ** t) * s["m"] / (s["u"] + eps)
            elif cls == "Nadam":
                b1, b2, eps = h["beta_1"], h["beta_2"], h["epsilon"]
                g_prime = g / (1 - m_cache)
                s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
                m_prime = s["m"] / (1 - m_next)
                s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g * g
                v_prime = s["v"] / (1 - b2 ** t)
                m_bar = (1 - mu_t) * g_prime + mu_next * m_prime
                w -= lr * m_bar / (np.sqrt(v_prime) + eps)
        history.append([w.copy() for w in ws])
    return history


def run_tkeras(opt, w0, grads, dtype=torch.float64):
    params = [torch.nn.Parameter(torch.tensor(w, dtype=dtype)) for w in w0]
    opt._attach(params)
    history = []
    for step_grads in grads:
        for p, g in zip(params, step_grads):
            p.grad = torch.tensor(g, dtype=dtype)
        opt._step()
        opt._zero_grad()
        history.append([p.detach().numpy().copy() for p in params])
    return params, history


# Tolerance: tkeras runs in float64 here, so the only differences left are rounding
# (~1e-16), except
# * Adamax: torch keeps `max(b2*u, |g| + eps)` instead of Keras's `max(b2*u, |g|) + eps`;
#   the denominators differ by at most (1 - b2) * eps = 1e-10 per step, i.e. relative
#   1e-10/|g|, measured 3.3e-9 on these parameters;
# * Nadam: torch keeps the momentum-schedule product `mu_product` in a float32 scalar
#   tensor (relative 6e-8), measured 1.8e-10 on these parameters.
@pytest.mark.parametrize("case", sorted(CASES))
def test_optimizer_matches_numpy_keras2_update_rule(case):
    cls, kw = CASES[case]
    expected = keras2_reference(cls, kw, W0, GRADS)
    _, got = run_tkeras(getattr(optimizers, cls)(**kw), W0, GRADS)
    atol = {"Adamax": 2e-8, "Nadam": 1e-9}.get(cls, 1e-12)
    for step in range(3):
        for w_got, w_exp in zip(got[step], expected[step]):
            np.testing.assert_allclose(w_got, w_exp, rtol=0, atol=atol)


@pytest.mark.parametrize("case", sorted(CASES))
def test_optimizer_matches_tf_keras_reference_in_float32(case):
    cls, kw = CASES[case]
    params, _ = run_tkeras(getattr(optimizers, cls)(**kw), W0, GRADS, dtype=torch.float32)
    got = np.concatenate([p.detach().numpy().ravel() for p in params])
    # float32: a few ulps of rounding-order differences (measured max 1.2e-7).
    np.testing.assert_allclose(got, TF_KERAS_AFTER_3_STEPS[case], rtol=0, atol=1e-6)


def test_optimizers_have_keras2_defaults():
    assert SGD().get_config() == {"name": "SGD", "learning_rate": pytest.approx(0.01),
                                  "decay": 0.0, "momentum": 0.0, "nesterov": False}
    rms = RMSprop().get_config()
    assert rms["learning_rate"] == pytest.approx(0.001) and rms["rho"] == 0.9
    assert rms["epsilon"] == 1e-7 and rms["momentum"] == 0.0 and rms["centered"] is False
    ada = Adagrad().get_config()
    assert ada["learning_rate"] == pytest.approx(0.001)
    assert ada["initial_accumulator_value"] == 0.1 and ada["epsilon"] == 1e-7
    dl = Adadelta().get_config()
    assert dl["learning_rate"] == pytest.approx(0.001) and dl["rho"] == 0.95
    for cls in (Adam, Adamax, Nadam):
        c = cls().get_config()
        assert c["learning_rate"] == pytest.approx(0.001)
        assert (c["beta_1"], c["beta_2"], c["epsilon"]) == (0.9, 0.999, 1e-7)
    assert Adam().get_config()["amsgrad"] is False
    assert Nadam().get_config()["decay"] == 0.004  # tf.keras stores the schedule decay there


def test_lr_is_an_alias_of_learning_rate():
    opt = Adam(lr=0.05)
    assert float(opt.learning_rate) == pytest.approx(0.05)
    assert opt.lr is opt.learning_rate
    assert opt.learning_rate.dtype == torch.float32 and opt.learning_rate.dim() == 0
    assert opt.learning_rate.device.type == "cpu"


def test_assigning_or_setting_the_learning_rate_changes_the_next_step():
    w = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    opt = SGD(learning_rate=0.1)
    opt._attach([w])
    w.grad = torch.ones(1, dtype=torch.float64)
    opt._step()
    assert w.item() == pytest.approx(-0.1)
    opt.learning_rate.fill_(0.01)           # what K.set_value(opt.lr, 0.01) does
    w.grad = torch.ones(1, dtype=torch.float64)
    opt._step()
    assert w.item() == pytest.approx(-0.11)
    opt.lr = 1.0                             # plain assignment
    w.grad = torch.ones(1, dtype=torch.float64)
    opt._step()
    assert w.item() == pytest.approx(-1.11)
    assert float(opt.lr) == 1.0 and opt.iterations == 3


def test_decay_divides_the_rate_by_one_plus_decay_times_iterations():
    w = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    opt = SGD(learning_rate=1.0, decay=0.5)
    opt._attach([w])
    steps = []
    for _ in range(3):
        w.grad = torch.ones(1, dtype=torch.float64)
        before = w.item()
        opt._step()
        steps.append(before - w.item())
    np.testing.assert_allclose(steps, [1.0, 1 / 1.5, 1 / 2.0])


def test_clipnorm_clips_each_gradient_tensor_separately():
    a = torch.nn.Parameter(torch.zeros(2, dtype=torch.float64))
    b = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    opt = SGD(learning_rate=1.0, clipnorm=1.0)
    opt._attach([a, b])
    a.grad = torch.tensor([3.0, 4.0], dtype=torch.float64)   # norm 5 -> scaled to 1
    b.grad = torch.tensor([0.5], dtype=torch.float64)        # norm 0.5 -> untouched
    opt._step()
    np.testing.assert_allclose(a.detach().numpy(), [-0.6, -0.8])
    np.testing.assert_allclose(b.detach().numpy(), [-0.5])


def test_global_clipnorm_scales_all_gradients_together():
    a = torch.nn.Parameter(torch.zeros(2, dtype=torch.float64))
    b = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    opt = SGD(learning_rate=1.0, global_clipnorm=2.5)
    opt._attach([a, b])
    a.grad = torch.tensor([3.0, 4.0], dtype=torch.float64)
    b.grad = torch.tensor([0.0], dtype=torch.float64)
    opt._step()
    np.testing.assert_allclose(a.detach().numpy(), [-1.5, -2.0])


def test_clipvalue_clips_each_element():
    a = torch.nn.Parameter(torch.zeros(3, dtype=torch.float64))
    opt = SGD(learning_rate=1.0, clipvalue=0.5)
    opt._attach([a])
    a.grad = torch.tensor([3.0, -4.0, 0.25], dtype=torch.float64)
    opt._step()
    np.testing.assert_allclose(a.detach().numpy(), [-0.5, 0.5, -0.25])


def test_optimizer_rejects_unknown_and_negative_arguments():
    with pytest.raises(TypeError, match="Unexpected keyword argument passed to optimizer: foo"):
        Adam(foo=1)
    with pytest.raises(ValueError, match="Expected clipnorm >= 0"):
        SGD(clipnorm=-1.0)
    with pytest.raises(ValueError, match="Cannot accept both `clipnorm` and `global_clipnorm`"):
        SGD(clipnorm=1.0, global_clipnorm=1.0)


@pytest.mark.parametrize("opt", [
    SGD(learning_rate=0.05, momentum=0.9, nesterov=True, decay=1e-4, clipnorm=1.0),
    RMSprop(learning_rate=0.002, rho=0.8, momentum=0.1, epsilon=1e-6, centered=True),
    Adagrad(learning_rate=0.02, initial_accumulator_value=0.2, clipvalue=0.5),
    Adadelta(learning_rate=1.0, rho=0.9),
    Adam(learning_rate=0.003, beta_1=0.8, beta_2=0.99, amsgrad=True, global_clipnorm=2.0),
    Adamax(learning_rate=0.002),
    Nadam(learning_rate=0.002, schedule_decay=0.01),
], ids=lambda o: type(o).__name__)
def test_config_round_trip(opt):
    config = opt.get_config()
    clone = type(opt).from_config(config)
    assert clone.get_config() == config
    again = optimizers.deserialize(optimizers.serialize(opt))
    assert type(again) is type(opt) and again.get_config() == config


def test_from_config_accepts_keras22_lr_and_tf_keras_211_configs():
    sgd = SGD.from_config({"lr": 0.05, "momentum": 0.9, "decay": 0.0, "nesterov": True})
    assert float(sgd.lr) == pytest.approx(0.05) and sgd.nesterov
    nadam = Nadam.from_config({"lr": 0.002, "beta_1": 0.9, "beta_2": 0.999,
                               "epsilon": 1e-8, "schedule_decay": 0.004})
    assert nadam.schedule_decay == 0.004
    # tf.keras >= 2.11 (non-legacy) optimizer as written in the fixtures' model.h5
    adam = optimizers.deserialize({"class_name": "Custom>Adam", "config": {
        "name": "Adam", "weight_decay": None, "clipnorm": None, "global_clipnorm": None,
        "clipvalue": None, "use_ema": False, "ema_momentum": 0.99,
        "ema_overwrite_frequency": None, "jit_compile": False, "is_legacy_optimizer": False,
        "learning_rate": 0.0010000000474974513, "beta_1": 0.9, "beta_2": 0.999,
        "epsilon": 1e-07, "amsgrad": False}})
    assert isinstance(adam, Adam) and adam.clipnorm is None
    assert float(adam.learning_rate) == pytest.approx(0.001)


def test_get_resolves_names_case_insensitively_and_passes_instances_through():
    for name, cls in [("sgd", SGD), ("RMSprop", RMSprop), ("rmsprop", RMSprop),
                      ("adagrad", Adagrad), ("Adadelta", Adadelta), ("adam", Adam),
                      ("ADAM", Adam), ("adamax", Adamax), ("nadam", Nadam)]:
        assert type(optimizers.get(name)) is cls
    opt = Adam()
    assert optimizers.get(opt) is opt
    assert type(optimizers.get({"class_name": "SGD", "config": {"lr": 0.1}})) is SGD


def test_get_rejects_unknown_optimizer_names():
    with pytest.raises(ValueError, match="Unknown optimizer: 'adamw'.*Valid values are"):
        optimizers.get("adamw")
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier"):
        optimizers.get(42)


def test_reattach_keeps_known_state_and_starts_new_params_at_the_global_step():
    grads_w = [np.array([0.5, -1.0]), np.array([0.2, 0.3]), np.array([-0.4, 0.1])]
    w = torch.nn.Parameter(torch.zeros(2, dtype=torch.float64))
    v = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    opt = Adam(learning_rate=0.1)
    opt._attach([w])
    for g in grads_w[:2]:
        w.grad = torch.tensor(g)
        opt._step()
    opt._attach([w, v])                     # re-compile with one more parameter
    w.grad = torch.tensor(grads_w[2])
    v.grad = torch.tensor([1.0], dtype=torch.float64)
    opt._step()
    expected_w = keras2_reference("Adam", dict(learning_rate=0.1), [np.zeros(2)],
                                  [[g] for g in grads_w])[-1][0]
    np.testing.assert_allclose(w.detach().numpy(), expected_w, atol=1e-12)
    # Keras: fresh zero slots for v, bias corrections with the global t = 3.
    m, s = 0.1 * 1.0, 0.001 * 1.0
    lr_t = float(np.float32(0.1)) * math.sqrt(1 - 0.999 ** 3) / (1 - 0.9 ** 3)
    np.testing.assert_allclose(v.item(), -lr_t * m / (math.sqrt(s) + 1e-7), atol=1e-12)


@pytest.mark.parametrize("cls", [SGD, RMSprop, Adagrad, Adadelta, Adam, Adamax, Nadam])
def test_get_weights_then_set_weights_reproduces_the_next_step(cls):
    kw = {"momentum": 0.9} if cls in (SGD, RMSprop) else {}
    opt_a = cls(learning_rate=0.01, **kw)
    params_a, _ = run_tkeras(opt_a, W0, GRADS[:2])
    weights = opt_a.get_weights()
    assert int(weights[0]) == 2
    opt_b = cls(learning_rate=0.01, **kw)
    params_b = [torch.nn.Parameter(p.detach().clone()) for p in params_a]
    opt_b._attach(params_b)
    opt_b.set_weights(weights)
    assert opt_b.iterations == 2
    for opt, params in ((opt_a, params_a), (opt_b, params_b)):
        for p, g in zip(params, GRADS[2]):
            p.grad = torch.tensor(g)
        opt._step()
    for pa, pb in zip(params_a, params_b):
        np.testing.assert_allclose(pa.detach().numpy(), pb.detach().numpy(), atol=1e-12)


def test_sgd_momentum_weights_are_keras_velocities():
    w = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    opt = SGD(learning_rate=0.1, momentum=0.9)
    opt._attach([w])
    w.grad = torch.ones(1, dtype=torch.float64)
    opt._step()
    iterations, velocity = opt.get_weights()
    assert int(iterations) == 1
    np.testing.assert_allclose(velocity, [-0.1])   # v = momentum * 0 - lr * g


def test_set_weights_rejects_a_wrong_number_of_arrays():
    opt = Adam()
    opt._attach([torch.nn.Parameter(torch.zeros(2))])
    with pytest.raises(ValueError, match="was expecting 3 weights"):
        opt.set_weights([np.array(0)])


def test_zero_grad_sets_gradients_to_none_and_iterations_is_a_python_int():
    w = torch.nn.Parameter(torch.zeros(2))
    opt = RMSprop()
    opt._attach([w])
    w.grad = torch.ones(2)
    opt._step()
    opt._zero_grad()
    assert w.grad is None
    assert type(opt.iterations) is int and opt.iterations == 1
