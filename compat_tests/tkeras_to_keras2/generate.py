"""Regenerates `refs/`: what real Keras 2 (tf-keras 2.21) computes from files tkeras wrote.

Two phases, each in its own environment (CI has no TensorFlow; only `refs/` is committed):

    python compat_tests/tkeras_to_keras2/generate.py tkeras WORK      # tkeras venv
    /path/to/tf/python compat_tests/tkeras_to_keras2/generate.py keras WORK

Phase `tkeras` builds every case of `cases.py` and writes `model.h5` (model.save),
`weights.h5` (save_weights, under a name without `.h5`-style suffix rules: `weights.bin`),
`model.json` (to_json) and `batch.npz` into WORK/<case>/.

Phase `keras` runs tf-keras on those files and writes refs/<case>/:
  keras.npz          y_load (predict after tf_keras load_model), y_json (model_from_json +
                     load_weights), losses (3 train_on_batch calls continuing from the
                     file's optimizer state, compile=True), y_after (predict after them),
                     iterations (the optimizer's restored step count), batch x_*/t_*
  resaved.h5         tf-keras's `save` of the model it loaded, before training: the layout
                     Keras 2 writes for the same model (the test compares tkeras's file to it)
  keras_model.json   tf-keras's `to_json` of the loaded model
It also writes refs/keras2_resume/<fixture case>.npz: the fixture's model.h5 loaded with
compile=True (its saved optimizer and state), noise layers set to zero, 3 train_on_batch
calls on train_step.npz's batch: `losses`.
"""
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REFS = os.path.join(HERE, "refs")
FIXTURES = os.path.join(HERE, "..", "fixtures", "keras2")


def _list(v):
    return v if isinstance(v, list) else [v]


def phase_tkeras(work):
    sys.path.insert(0, HERE)
    import cases

    for name in cases.BUILDERS:
        model, x, t = cases.build(name)
        folder = os.path.join(work, name)
        os.makedirs(folder, exist_ok=True)
        model.save(os.path.join(folder, "model.h5"))
        model.save_weights(os.path.join(folder, "weights.bin"))
        with open(os.path.join(folder, "model.json"), "w") as f:
            f.write(model.to_json())
        batch = {f"x_{n}": v for n, v in zip(model.input_names, _list(x))}
        batch.update({f"t_{n}": v for n, v in zip(model.output_names, _list(t))})
        np.savez(os.path.join(folder, "batch.npz"), **batch)
        print("tkeras wrote", folder)


def _zero_noise(model):
    for layer in model._flatten_layers(include_self=False):
        for attr in ("rate", "stddev"):
            if isinstance(getattr(layer, attr, None), float):
                setattr(layer, attr, 0.0)


def phase_keras(work):
    import tf_keras as keras

    for name in sorted(os.listdir(work)):
        folder = os.path.join(work, name)
        batch = dict(np.load(os.path.join(folder, "batch.npz")))
        out_dir = os.path.join(REFS, name)
        os.makedirs(out_dir, exist_ok=True)

        model = keras.models.load_model(os.path.join(folder, "model.h5"))
        x = [batch[f"x_{n}"] for n in model.input_names]
        t = [batch[f"t_{n}"] for n in model.output_names]
        x, t = (x[0] if len(x) == 1 else x), (t[0] if len(t) == 1 else t)
        y_load = _list(model.predict(x, verbose=0))
        resaved = os.path.join(out_dir, "resaved.h5")
        model.save(resaved, save_format="h5")
        with open(os.path.join(out_dir, "keras_model.json"), "w") as f:
            f.write(model.to_json())
        iterations = int(model.optimizer.iterations.numpy())

        with open(os.path.join(folder, "model.json")) as f:
            from_json = keras.models.model_from_json(f.read())
        from_json.load_weights(os.path.join(folder, "weights.bin"))
        y_json = _list(from_json.predict(x, verbose=0))

        losses = np.array([np.atleast_1d(model.train_on_batch(x, t)) for _ in range(3)])
        y_after = _list(model.predict(x, verbose=0))
        result = dict(batch, losses=losses, iterations=iterations)
        for i, n in enumerate(model.output_names):
            result[f"y_load_{n}"] = y_load[i]
            result[f"y_json_{n}"] = y_json[i]
            result[f"y_after_{n}"] = y_after[i]
        np.savez(os.path.join(out_dir, "keras.npz"), **result)
        print(f"keras read {name}: iterations={iterations} losses={losses[:, 0]} "
              f"y_load vs y_json max diff "
              f"{max(float(np.abs(a - b).max()) for a, b in zip(y_load, y_json)):.2e}")

    manifest = json.load(open(os.path.join(FIXTURES, "manifest.json")))
    os.makedirs(os.path.join(REFS, "keras2_resume"), exist_ok=True)
    for name, case in manifest["cases"].items():
        if name == "keras1_weights":
            continue
        ref = np.load(os.path.join(FIXTURES, name, "train_step.npz"))
        model = keras.models.load_model(os.path.join(FIXTURES, name, "model.h5"))
        if not case["train_step"]["deterministic"]:
            _zero_noise(model)
        inputs, outputs = case["inputs"]["names"], case["outputs"]["names"]
        x = ref["x"] if "x" in ref else [ref[f"x_{n}"] for n in inputs]
        t = ref["t"] if "t" in ref else [ref[f"t_{n}"] for n in outputs]
        iterations = int(model.optimizer.iterations.numpy())
        losses = np.array([np.atleast_1d(model.train_on_batch(x, t)) for _ in range(3)])
        np.savez(os.path.join(REFS, "keras2_resume", f"{name}.npz"), losses=losses,
                 iterations=iterations)
        print(f"keras resumed fixture {name}: iterations={iterations} losses={losses[:, 0]}")


if __name__ == "__main__":
    phase, work = sys.argv[1], sys.argv[2]
    {"tkeras": phase_tkeras, "keras": phase_keras}[phase](work)
