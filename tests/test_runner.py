import os
import subprocess
import sys

import pytest

import tkeras
from tkeras import _runner

SCRIPT = """\
import sys
import keras
import keras.backend as K
from keras.utils import np_utils
from keras.utils.np_utils import to_categorical
from keras.callbacks import History
print("keras is", keras.__name__)
print("K is", K.__name__, K.backend())
print("np_utils is", np_utils.__name__)
print("one-hot", to_categorical([0, 2, 1]).argmax(-1).tolist())
print("History is", History.__module__)
print("argv", sys.argv)
print("path0", sys.path[0])
print("name", __name__)
"""


def _run(args, cwd):
    return subprocess.run([sys.executable, "-m", "tkeras", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def test_runner_runs_an_unmodified_keras_script_with_its_arguments(tmp_path):
    script = tmp_path / "train_mnist.py"
    script.write_text(SCRIPT)
    proc = _run(["train_mnist.py", "arg", "--epochs=2"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "keras is tkeras",
        "K is tkeras.backend torch",
        "np_utils is tkeras.utils.np_utils",
        "one-hot [0, 2, 1]",
        "History is tkeras.callbacks.callbacks",
        "argv ['train_mnist.py', 'arg', '--epochs=2']",
        f"path0 {os.path.realpath(tmp_path)}",
        "name __main__",
    ]


def test_runner_leaves_no_keras_package_behind(tmp_path):
    """After a run, `import keras` resolves exactly as before: to nothing on a machine
    without Keras, to the real Keras where one is installed."""
    probe = ("import importlib.util as u; s = u.find_spec('keras'); "
             "print(s.origin if s else 'missing')")
    before = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True,
                            text=True).stdout.strip()
    script = tmp_path / "s.py"
    script.write_text("import keras\nprint(keras.__name__)\n")
    proc = _run(["s.py"], cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout == "tkeras\n"
    after = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True,
                           text=True).stdout.strip()
    assert after == before
    package_parent = os.path.dirname(os.path.dirname(tkeras.__file__))
    keras_dir = os.path.join(package_parent, "keras")
    assert not os.path.exists(keras_dir) or before.startswith(keras_dir)


def test_runner_runs_a_module_with_dash_m(tmp_path):
    (tmp_path / "my_experiment.py").write_text(
        "import sys, keras\nprint(__name__, keras.__name__, sys.argv[1:])\n")
    proc = _run(["-m", "my_experiment", "x"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "__main__ tkeras ['x']\n"


def test_runner_passes_on_the_script_exit_code_and_a_short_traceback(tmp_path):
    (tmp_path / "exits.py").write_text("import sys\nsys.exit(3)\n")
    assert _run(["exits.py"], cwd=tmp_path).returncode == 3

    (tmp_path / "fails.py").write_text("import keras\nraise RuntimeError('boom')\n")
    proc = _run(["fails.py"], cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.startswith('Traceback (most recent call last):\n  File "fails.py"')
    assert proc.stderr.endswith("RuntimeError: boom\n")


def test_runner_without_a_script_prints_usage_and_exits_2(capsys):
    assert _runner.main([]) == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: python -m tkeras script.py [args ...]")
    assert "no script given" in err


def test_runner_reports_a_missing_script_and_exits_2(tmp_path, capsys):
    missing = tmp_path / "nope.py"
    assert _runner.main([str(missing)]) == 2
    assert f"can't open file '{missing}'" in capsys.readouterr().err


def test_runner_subprocess_usage_error_goes_to_stderr(tmp_path):
    proc = _run([], cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stdout == "" and "usage:" in proc.stderr


@pytest.fixture
def keras_alias():
    _runner.install_keras_alias()
    yield
    _runner.uninstall_keras_alias()


def test_alias_resolves_keras_submodules_to_the_same_tkeras_objects(keras_alias):
    import tkeras.utils.np_utils

    import keras  # noqa: F401  (aliased)
    import keras.utils.np_utils as aliased
    from keras import backend as K

    assert aliased is tkeras.utils.np_utils
    assert K is tkeras.backend
    assert sys.modules["keras"] is tkeras
    # tkeras's own module identity is untouched by the alias.
    assert tkeras.utils.__spec__.name == "tkeras.utils"
    assert tkeras.utils.np_utils.__spec__.name == "tkeras.utils.np_utils"


def test_alias_names_the_missing_tkeras_module(keras_alias):
    with pytest.raises(ModuleNotFoundError, match="tkeras does not provide it") as info:
        import keras.no_such_module  # noqa: F401
    assert info.value.name == "keras.no_such_module"


def test_uninstall_removes_every_keras_entry():
    _runner.install_keras_alias()
    import keras.utils  # noqa: F401
    _runner.uninstall_keras_alias()
    assert not any(n == "keras" or n.startswith("keras.") for n in sys.modules)
    assert not any(isinstance(f, _runner._KerasAliasFinder) for f in sys.meta_path)

