"""`python -m tkeras script.py [args ...]`: run an unmodified Keras 2 script on tkeras.

For the run only, an import hook resolves `keras` and every `keras.x.y` to the already
importable `tkeras` / `tkeras.x.y` module object, so `import keras.backend as K`,
`from keras.layers.core import Dense` and `from keras.utils import np_utils` work as
written. Nothing named `keras` is ever written to disk, so a real Keras installed on the
same machine keeps working outside the run.
"""
import importlib
import importlib.abc
import importlib.util
import os
import runpy
import sys

_ALIAS = "keras"
_TARGET = "tkeras"

_USAGE = """\
usage: python -m tkeras script.py [args ...]
       python -m tkeras -m module [args ...]

Runs a Keras 2 script on tkeras (PyTorch): inside the script, `import keras` and every
`keras.*` module resolve to `tkeras`. The arguments after the script are passed to it
in `sys.argv`, as `python script.py [args ...]` would.
"""


def _is_alias(name):
    return name == _ALIAS or name.startswith(_ALIAS + ".")


class _KerasAliasFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds `keras.x` as `tkeras.x` and hands back the very same module object."""

    def __init__(self):
        self._real_specs = {}

    def find_spec(self, fullname, path=None, target=None):
        if not _is_alias(fullname):
            return None
        real_name = _TARGET + fullname[len(_ALIAS):]
        real = sys.modules.get(real_name)
        real_spec = getattr(real, "__spec__", None) if real is not None else None
        if real_spec is None:
            try:
                real_spec = importlib.util.find_spec(real_name)
            except ModuleNotFoundError:
                real_spec = None
        if real_spec is None:
            raise ModuleNotFoundError(
                f"No module named '{fullname}': the script imports `{fullname}`, "
                f"which tkeras runs as `{real_name}`, and tkeras does not provide it.",
                name=fullname,
            )
        is_package = real_spec.submodule_search_locations is not None
        return importlib.util.spec_from_loader(fullname, self, is_package=is_package)

    def create_module(self, spec):
        real = importlib.import_module(_TARGET + spec.name[len(_ALIAS):])
        # The import system overwrites `__spec__` on the module we return; keep the
        # real one to put back in `exec_module`, so tkeras's own imports stay intact.
        self._real_specs[spec.name] = real.__spec__
        return real

    def exec_module(self, module):
        real_spec = self._real_specs.pop(module.__spec__.name, None)
        if real_spec is not None:
            module.__spec__ = real_spec


_finder = None
_stashed_modules = {}


def install_keras_alias():
    """Makes `import keras` (and `keras.*`) resolve to tkeras in this process.

    A real `keras` already imported is set aside until `uninstall_keras_alias()`.
    Calling it twice is harmless.
    """
    global _finder
    if _finder is not None:
        return
    for name in [n for n in sys.modules if _is_alias(n)]:
        _stashed_modules[name] = sys.modules.pop(name)
    _finder = _KerasAliasFinder()
    sys.meta_path.insert(0, _finder)


def uninstall_keras_alias():
    """Undoes `install_keras_alias()`: `keras` is again whatever is installed, if any."""
    global _finder
    if _finder is None:
        return
    if _finder in sys.meta_path:
        sys.meta_path.remove(_finder)
    _finder = None
    for name in [n for n in sys.modules if _is_alias(n)]:
        del sys.modules[name]
    sys.modules.update(_stashed_modules)
    _stashed_modules.clear()


def _fail(message):
    sys.stderr.write(message)
    return 2


def run_script(path, args=()):
    """Runs the file (or directory / zip with `__main__.py`) `path` as `__main__`."""
    if not os.path.exists(path):
        return _fail(
            f"python -m tkeras: can't open file {os.path.abspath(path)!r}: "
            "[Errno 2] No such file or directory\n"
        )
    sys.argv = [path, *args]
    # Like `python script.py`: the script's folder, not the current one, leads sys.path.
    # (For a directory or zip, runpy itself puts it first.)
    if sys.path and os.path.abspath(sys.path[0] or os.curdir) == os.getcwd():
        del sys.path[0]
    if os.path.isfile(path):
        sys.path.insert(0, os.path.dirname(os.path.realpath(path)))
    install_keras_alias()
    return _run_reporting_errors(runpy.run_path, path, run_name="__main__")


def run_module(module, args=()):
    """Runs `module` as `python -m module` would, with `keras` aliased."""
    sys.argv = [module, *args]
    install_keras_alias()
    return _run_reporting_errors(runpy.run_module, module, run_name="__main__",
                                 alter_sys=True)


def _run_reporting_errors(run, *args, **kwargs):
    """Runs, and reports an uncaught error as `python script.py` would: a traceback
    that starts in the user's code, through `sys.excepthook`, and exit code 1."""
    try:
        run(*args, **kwargs)
    except Exception as e:  # SystemExit and KeyboardInterrupt keep their own handling
        tb = e.__traceback__
        while tb is not None and tb.tb_next is not None and _is_runner_frame(tb):
            tb = tb.tb_next
        sys.excepthook(type(e), e.with_traceback(tb), tb)
        return 1
    return 0


def _is_runner_frame(tb):
    filename = tb.tb_frame.f_code.co_filename
    return filename in (__file__, runpy.__file__) or filename == "<frozen runpy>"


def main(argv=None):
    """Entry point of `python -m tkeras`. Returns the process exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv:
        return _fail(_USAGE + "\nerror: no script given.\n")
    first = argv[0]
    if first in ("-h", "--help"):
        sys.stdout.write(_USAGE)
        return 0
    if first == "-m":
        if len(argv) < 2:
            return _fail(_USAGE + "\nerror: `-m` needs a module name.\n")
        return run_module(argv[1], argv[2:])
    if first.startswith("-"):
        return _fail(_USAGE + f"\nerror: unknown option {first!r}.\n")
    return run_script(first, argv[1:])
