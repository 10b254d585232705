"""The public names of Keras 2.3.1's data-side modules (and of the keras_preprocessing
1.1.2 modules they re-export), read statically from the two wheels, for
`tests/test_keras2_public_names.py`.

    pip download keras==2.3.1 keras-preprocessing==1.1.2 --no-deps -d /tmp/wheels
    python tests/data/make_keras2_public_names.py /tmp/wheels

A public name is a top-level function, class or assignment whose name has no leading
underscore (helpers imported from elsewhere, `__future__` names and six shims left out;
a package's `from .x import f` re-exports count).
Writes `keras2_public_names.json` beside this script.
"""
import ast
import glob
import json
import os
import sys
import zipfile

MODULES = {
    "keras.preprocessing.sequence": "keras/preprocessing/sequence.py",
    "keras.preprocessing.text": "keras/preprocessing/text.py",
    "keras.preprocessing.image": "keras/preprocessing/image.py",
    "keras.utils.io_utils": "keras/utils/io_utils.py",
    "keras.utils.vis_utils": "keras/utils/vis_utils.py",
    "keras.utils.data_utils": "keras/utils/data_utils.py",
    "keras.wrappers.scikit_learn": "keras/wrappers/scikit_learn.py",
    "keras.datasets.mnist": "keras/datasets/mnist.py",
    "keras.datasets.fashion_mnist": "keras/datasets/fashion_mnist.py",
    "keras.datasets.cifar": "keras/datasets/cifar.py",
    "keras.datasets.cifar10": "keras/datasets/cifar10.py",
    "keras.datasets.cifar100": "keras/datasets/cifar100.py",
    "keras.datasets.imdb": "keras/datasets/imdb.py",
    "keras.datasets.reuters": "keras/datasets/reuters.py",
    "keras.datasets.boston_housing": "keras/datasets/boston_housing.py",
    "keras_preprocessing.sequence": "keras_preprocessing/sequence.py",
    "keras_preprocessing.text": "keras_preprocessing/text.py",
    "keras_preprocessing.image": ("keras_preprocessing/image/__init__.py",
                                  "keras_preprocessing/image/affine_transformations.py",
                                  "keras_preprocessing/image/utils.py"),
}
# Names that are imported helpers, not API (six, typing, the py2 shims).
_NOT_API = {"absolute_import", "division", "print_function", "unicode_literals", "six",
            "range", "zip", "maketrans", "string_types", "urlretrieve", "urlopen",
            "HTTPError", "URLError", "ThreadPool", "queue", "pickle", "closing",
            "Progbar", "backend", "layers", "models", "utils", "image", "text", "sequence",
            "generic_utils", "*"}


def public_names(source, package=False):
    """`package`: an `__init__.py`, whose `from .x import f` lines are its API (in other
    modules they import helpers)."""
    names = set()
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif package and isinstance(node, ast.ImportFrom) and node.level >= 1:
            names.update(a.asname or a.name for a in node.names)  # `from .x import f`
    return sorted(n for n in names if not n.startswith("_") and n not in _NOT_API
                  and not n.isupper())


def main(wheel_dir):
    sources = {}
    for wheel in glob.glob(os.path.join(wheel_dir, "*.whl")):
        with zipfile.ZipFile(wheel) as z:
            for name in z.namelist():
                sources[name] = z.read(name).decode("utf8")
    out = {}
    for module, paths in MODULES.items():
        paths = (paths,) if isinstance(paths, str) else paths
        out[module] = sorted({n for p in paths for n in public_names(
            sources[p], package=p.endswith("__init__.py"))})
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        "keras2_public_names.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main(sys.argv[1])
