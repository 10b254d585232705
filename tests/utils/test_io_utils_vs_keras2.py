"""`HDF5Matrix` and `H5Dict` against Keras 2.3.1's own `io_utils.py` (run unchanged by
`data/make_io_utils_references.py`): the same reads from the same dataset, the same HDF5
layout written for the same H5Dict operations, and Keras's H5Dict file read back."""
import importlib.util
import json
import os

import h5py
import numpy as np
import pytest

from tkeras.utils.io_utils import H5Dict, HDF5Matrix

DATA = os.path.join(os.path.dirname(__file__), "data")
with open(os.path.join(DATA, "io_utils_references.json")) as _f:
    KERAS = json.load(_f)
NAMES = ["layer_%05d" % i for i in range(7000)]


def _reference_script():
    spec = importlib.util.spec_from_file_location(
        "make_io_utils_references", os.path.join(DATA, "make_io_utils_references.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_layout = _reference_script().layout  # the same description of both files


def test_hdf5_matrix_reads_what_keras2_reads(tmp_path):
    path = str(tmp_path / "matrix.h5")
    with h5py.File(path, "w") as f:
        f.create_dataset("x", data=np.arange(40, dtype="float32").reshape(10, 4))
    m = HDF5Matrix(path, "x", start=2, end=8, normalizer=lambda a: a / 4.0)
    got = {"len": len(m), "shape": list(m.shape), "dtype": str(m.dtype), "ndim": m.ndim,
           "size": int(m.size), "item": m[1].tolist(), "slice": m[1:4].tolist(),
           "list": m[[0, 2, 5]].tolist(), "array": m[np.array([1, 3])].tolist(),
           "all": m[:].tolist()}
    HDF5Matrix.refs.pop(path).close()
    assert got == KERAS["matrix"]


def test_h5dict_writes_keras2s_layout(tmp_path):
    path = str(tmp_path / "d.h5")
    d = H5Dict(path, mode="w")
    d["kernel"] = np.arange(6.0).reshape(2, 3)
    d["scalar"] = np.float32(2.5)
    d["name"] = "dense_1"
    d["names"] = ["a", "bb"]
    d["layer_names"] = NAMES
    d["group"]["units"] = 3
    d["group"]["bias"] = np.zeros(3, "float32")
    d.close()
    assert _layout(path) == KERAS["h5dict_layout"]


def test_h5dict_reads_a_file_keras2_wrote():
    with H5Dict(os.path.join(DATA, "io_utils_keras2.h5"), mode="r") as d:
        np.testing.assert_array_equal(d["kernel"], np.arange(6.0).reshape(2, 3))
        assert float(d["scalar"]) == 2.5 and d["name"] == "dense_1"
        assert d["layer_names"] == NAMES
        assert d["group"]["units"] == 3
        np.testing.assert_array_equal(d["group"]["bias"], np.zeros(3))


def test_keras2s_binary_reader_reads_what_tkeras_writes():
    import io

    from tkeras.utils.io_utils import save_to_binary_h5py

    stream = io.BytesIO()
    save_to_binary_h5py(lambda f: f.create_dataset("w", data=[1, 2, 3]), stream)
    with h5py.File(io.BytesIO(stream.getvalue()), "r") as f:  # what Keras's reader does
        assert f["w"][()].tolist() == KERAS["binary"]
