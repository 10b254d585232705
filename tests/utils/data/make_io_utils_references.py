"""What Keras 2.3.1's own `keras/utils/io_utils.py` (HDF5Matrix, H5Dict, binary h5py
helpers) does, for `tests/utils/test_io_utils_vs_keras2.py`. The module needs only numpy,
six and h5py, so it runs unchanged, read from the keras==2.3.1 wheel.

    pip install "numpy<2" six h5py
    pip download keras==2.3.1 --no-deps -d /tmp/keras231
    python tests/utils/data/make_io_utils_references.py /tmp/keras231/Keras-2.3.1-py2.py3-none-any.whl

Writes `io_utils_keras2.h5` (an H5Dict file Keras 2.3.1 wrote) and
`io_utils_references.json` beside this script.
"""
import io
import json
import os
import sys
import types
import zipfile

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
NAMES = ["layer_%05d" % i for i in range(7000)]  # a list over HDF5's header limit


def load_io_utils(wheel):
    with zipfile.ZipFile(wheel) as z:
        source = z.read("keras/utils/io_utils.py").decode()
    module = types.ModuleType("keras_io_utils")
    exec(compile(source, "keras/utils/io_utils.py", "exec"), module.__dict__)
    return module


def layout(path):
    """Every object and attribute of an HDF5 file, with values as JSON-able lists."""
    out = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            attrs = {k: np.asarray(v).tolist() if not isinstance(v, bytes) else v.decode()
                     for k, v in obj.attrs.items()}
            attrs = {k: [x.decode() if isinstance(x, bytes) else x for x in v]
                     if isinstance(v, list) else v for k, v in attrs.items()}
            entry = {"attrs": attrs}
            if isinstance(obj, h5py.Dataset):
                entry["data"] = obj[()].tolist()
                entry["dtype"] = str(obj.dtype)
            out[name or "/"] = entry
        visit("", f)
        f.visititems(visit)
    return out


def main(wheel):
    keras_io = load_io_utils(wheel)
    data_path = os.path.join(HERE, "io_utils_matrix.h5")
    with h5py.File(data_path, "w") as f:
        f.create_dataset("x", data=np.arange(40, dtype="float32").reshape(10, 4))
    m = keras_io.HDF5Matrix(data_path, "x", start=2, end=8, normalizer=lambda a: a / 4.0)
    matrix = {"len": len(m), "shape": list(m.shape), "dtype": str(m.dtype), "ndim": m.ndim,
              "size": int(m.size), "item": m[1].tolist(), "slice": m[1:4].tolist(),
              "list": m[[0, 2, 5]].tolist(), "array": m[np.array([1, 3])].tolist(),
              "all": m[:].tolist()}
    for f in keras_io.HDF5Matrix.refs.values():
        f.close()
    os.remove(data_path)

    h5dict_path = os.path.join(HERE, "io_utils_keras2.h5")
    d = keras_io.H5Dict(h5dict_path, mode="w")
    d["kernel"] = np.arange(6.0).reshape(2, 3)
    d["scalar"] = np.float32(2.5)
    d["name"] = "dense_1"
    d["names"] = ["a", "bb"]
    d["layer_names"] = NAMES
    d["group"]["units"] = 3
    d["group"]["bias"] = np.zeros(3, "float32")
    d.close()

    # (Keras 2.3.1's save_to_binary_h5py opens its in-memory file without a mode, which
    # h5py 3 reads as 'r': it only runs on h5py 2. Its load_from_binary_h5py reads a
    # file image tkeras writes, checked below.)
    stream = io.BytesIO()
    with h5py.File(stream, "w") as f:
        f.create_dataset("w", data=[1, 2, 3])
    binary = keras_io.load_from_binary_h5py(lambda f: f["w"][()].tolist(),
                                            io.BytesIO(stream.getvalue()))
    out = {"matrix": matrix, "h5dict_layout": layout(h5dict_path), "binary": binary}
    with open(os.path.join(HERE, "io_utils_references.json"), "w") as f:
        json.dump(out, f, indent=0, sort_keys=True)
    print(json.dumps({k: v for k, v in out.items() if k != "h5dict_layout"}, indent=1))


if __name__ == "__main__":
    main(sys.argv[1])
