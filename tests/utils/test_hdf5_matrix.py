"""`keras.utils.io_utils.HDF5Matrix`: Keras 2.3.1's indexing rules on a real HDF5 file,
and models fed from it give what the same NumPy arrays give."""
import h5py
import numpy as np
import pytest

import tkeras as keras
from tkeras.utils.io_utils import HDF5Matrix


@pytest.fixture
def h5file(tmp_path):
    path = str(tmp_path / "data.h5")
    with h5py.File(path, "w") as f:
        f.create_dataset("x", data=np.arange(40, dtype="float32").reshape(10, 4))
        f.create_dataset("y", data=(np.arange(10) % 2).astype("float32"))
    yield path
    for ref in [p for p in HDF5Matrix.refs if p == path]:
        HDF5Matrix.refs.pop(ref).close()


def test_indexing_follows_keras2(h5file):
    x = HDF5Matrix(h5file, "x", start=2, end=8)
    data = np.arange(40, dtype="float32").reshape(10, 4)[2:8]
    assert len(x) == 6 and x.shape == (6, 4) and x.ndim == 2 and x.size == 24
    assert x.dtype == np.float32
    np.testing.assert_array_equal(x[0], data[0])
    np.testing.assert_array_equal(x[1:4], data[1:4])
    np.testing.assert_array_equal(x[:], data)
    np.testing.assert_array_equal(x[[0, 2, 5]], data[[0, 2, 5]])
    np.testing.assert_array_equal(x[np.array([1, 3])], data[[1, 3]])
    np.testing.assert_array_equal(np.asarray(x), data)
    for bad in (6, slice(4, 7), [0, 6]):
        with pytest.raises(IndexError):
            x[bad]


def test_normalizer_applies_to_every_read(h5file):
    x = HDF5Matrix(h5file, "x", normalizer=lambda a: a / 40.0)
    assert x.dtype == np.float32
    np.testing.assert_allclose(x[3], np.arange(12, 16) / 40.0)


def test_the_file_is_opened_once_and_read_only(h5file):
    a, b = HDF5Matrix(h5file, "x"), HDF5Matrix(h5file, "y")
    assert a.data.file.id == b.data.file.id and a.data.file.mode == "r"
    assert list(HDF5Matrix.refs).count(h5file) == 1


def test_bad_dataset_and_slice_are_clear_errors(h5file):
    with pytest.raises(KeyError, match=r"has no dataset 'z'. It has: \['x', 'y'\]"):
        HDF5Matrix(h5file, "z")
    with pytest.raises(ValueError, match=r"0 <= start <= end <= 10.*start=4, end=12"):
        HDF5Matrix(h5file, "x", start=4, end=12)


def test_fit_and_predict_from_hdf5_match_numpy(h5file):
    x_np = np.arange(40, dtype="float32").reshape(10, 4) / 40.0
    y_np = (np.arange(10) % 2).astype("float32")

    def run(x, y):
        keras.backend.clear_session()
        model = keras.Sequential([keras.layers.Dense(1, input_shape=(4,),
                                                     kernel_initializer="ones")])
        model.compile("sgd", "mse")
        history = model.fit(x, y, batch_size=5, epochs=2, shuffle=False, verbose=0)
        return history.history["loss"], model.predict(x)

    loss_h5, pred_h5 = run(HDF5Matrix(h5file, "x", normalizer=lambda a: a / 40.0),
                           HDF5Matrix(h5file, "y"))
    loss_np, pred_np = run(x_np, y_np)
    np.testing.assert_allclose(loss_h5, loss_np, rtol=1e-6)
    np.testing.assert_allclose(pred_h5, pred_np, rtol=1e-6)


# ------------------------------------------------------------------ H5Dict, binary h5py
def test_h5dict_on_a_file_stores_arrays_as_datasets_and_the_rest_as_attributes(tmp_path):
    from tkeras.utils.io_utils import H5Dict

    path = tmp_path / "d.h5"
    names = [f"layer_{i:05d}" for i in range(7000)]  # > 64 KB: saved in chunks
    with H5Dict(path, mode="w") as d:
        d["kernel"] = np.arange(6.0).reshape(2, 3)
        d["name"] = "dense_1"
        d["layer_names"] = names
        d["group"]["units"] = 3
    with h5py.File(path, "r") as f:
        assert isinstance(f["kernel"], h5py.Dataset) and "layer_names0" in f.attrs
    with H5Dict(str(path), mode="r") as d:
        np.testing.assert_array_equal(d["kernel"], np.arange(6.0).reshape(2, 3))
        assert d["name"] == "dense_1" and d["layer_names"] == names
        assert d["group"]["units"] == 3 and "name" in d and d.get("missing") is None
        with pytest.raises(ValueError, match="Cannot create group in read-only mode"):
            d["missing"]
        with pytest.raises(ValueError, match="Cannot set item in read-only mode"):
            d["x"] = 1


def test_h5dict_on_a_dict_and_a_bad_type():
    from tkeras.utils.io_utils import H5Dict

    raw = {"old": 1}
    d = H5Dict(raw, mode="w")
    d["a"]["b"] = np.ones(2)
    assert "old" not in raw and raw["_is_group"] and raw["a"]["_is_group"]
    np.testing.assert_array_equal(d["a"]["b"], np.ones(2))
    with pytest.raises(TypeError, match="Required Group, str, Path or dict. Received:"):
        H5Dict(3)


def test_binary_h5py_round_trip_of_model_weights():
    import io

    from tkeras.saving.hdf5 import load_weights_from_hdf5_group, save_weights_to_hdf5_group
    from tkeras.utils.io_utils import load_from_binary_h5py, save_to_binary_h5py

    model = keras.Sequential([keras.layers.Dense(2, input_shape=(3,))])
    stream = io.BytesIO()
    save_to_binary_h5py(lambda f: save_weights_to_hdf5_group(f, model), stream)
    other = keras.Sequential([keras.layers.Dense(2, input_shape=(3,))])
    stream.seek(0)
    load_from_binary_h5py(lambda f: load_weights_from_hdf5_group(other, f), stream)
    for a, b in zip(model.get_weights(), other.get_weights()):
        np.testing.assert_array_equal(a, b)
