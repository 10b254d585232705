"""Issue 9, files: HDF5 links in weight files. Keras never writes links, and following
one lets a downloaded `.h5` read another file of the user's machine (external link) or
other data of the file (soft link) into the model's weights. Loading refuses them with
a message naming the link, its target and the opt-in (`safe_mode=False`); link loops
and dangling links get a clear error even then. A refused file leaves the model as it
was."""
import h5py
import numpy as np
import pytest

import tkeras as keras
from tkeras import layers
from tkeras.saving import hdf5


def _model():
    model = keras.Sequential([layers.Dense(3, input_shape=(4,), name="d"),
                              layers.Dense(2, name="out")], name="m")
    model.compile("adam", "mse")
    model.fit(np.ones((4, 4), "float32"), np.ones((4, 2), "float32"), verbose=0)
    return model


def _weights(model):
    return [w.copy() for w in model.get_weights()]


def _assert_unchanged(model, before):
    for a, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(a, b)


def _secret_file(tmp_path):
    """Another file of the user's machine, with data of the kernel's shape."""
    path = str(tmp_path / "secret.h5")
    with h5py.File(path, "w") as f:
        f["data"] = np.full((4, 3), 42.0, "float32")
    return path


def _relink(path, where, link):
    with h5py.File(path, "a") as f:
        del f[where]
        f[where] = link


def test_load_weights_refuses_an_external_link_and_leaves_the_model_unchanged(tmp_path):
    path = str(tmp_path / "w.h5")
    _model().save_weights(path)
    secret = _secret_file(tmp_path)
    _relink(path, "d/d/kernel:0", h5py.ExternalLink(secret, "/data"))
    model = _model()
    before = _weights(model)
    with pytest.raises(ValueError, match=r"(?s)'/d/d/kernel:0' is an HDF5 external link "
                                         r"to '/data' in file '.*secret.h5'.*another file"
                                         r".*safe_mode=False"):
        model.load_weights(path)
    _assert_unchanged(model, before)


def test_external_link_is_followed_only_with_safe_mode_false(tmp_path):
    path = str(tmp_path / "w.h5")
    _model().save_weights(path)
    _relink(path, "d/d/kernel:0", h5py.ExternalLink(_secret_file(tmp_path), "/data"))
    model = _model()
    model.load_weights(path, safe_mode=False)
    np.testing.assert_array_equal(model.get_weights()[0], np.full((4, 3), 42.0))


def test_load_model_refuses_an_external_link_in_model_weights(tmp_path):
    path = str(tmp_path / "m.h5")
    _model().save(path)
    _relink(path, "model_weights/d/d/kernel:0",
            h5py.ExternalLink(_secret_file(tmp_path), "/data"))
    with pytest.raises(ValueError, match="'/model_weights/d/d/kernel:0' is an HDF5 "
                                         "external link"):
        keras.models.load_model(path)
    loaded = keras.models.load_model(path, safe_mode=False)
    np.testing.assert_array_equal(loaded.get_weights()[0], np.full((4, 3), 42.0))


def test_load_model_refuses_an_external_link_in_optimizer_weights(tmp_path):
    path = str(tmp_path / "m.h5")
    _model().save(path)
    with h5py.File(path, "r") as f:
        name = f["optimizer_weights"].attrs["weight_names"][1]
        name = name.decode() if isinstance(name, bytes) else name
    _relink(path, f"optimizer_weights/{name}",
            h5py.ExternalLink(_secret_file(tmp_path), "/data"))
    with pytest.raises(ValueError, match=f"'/optimizer_weights/{name}' is an HDF5 "
                                         "external link"):
        keras.models.load_model(path)


def test_soft_link_to_the_root_group_gets_a_clear_error_instead_of_a_type_error(tmp_path):
    path = str(tmp_path / "m.h5")
    _model().save(path)
    _relink(path, "model_weights/d", h5py.SoftLink("/"))
    message = "'/model_weights/d' is a soft link to its own ancestor group '/', a link loop"
    with pytest.raises(ValueError, match=message):
        keras.models.load_model(path)
    with pytest.raises(ValueError, match=message):
        keras.models.load_model(path, safe_mode=False)
    model = _model()
    before = _weights(model)
    with pytest.raises(ValueError, match=message):
        model.load_weights(path)
    _assert_unchanged(model, before)


def test_soft_link_to_the_root_of_a_weights_file_is_a_link_loop(tmp_path):
    path = str(tmp_path / "w.h5")
    _model().save_weights(path)
    _relink(path, "d", h5py.SoftLink("/"))
    model = _model()
    before = _weights(model)
    with pytest.raises(ValueError, match="'/d' is a soft link to its own ancestor group "
                                         "'/', a link loop"):
        model.load_weights(path, safe_mode=False)
    _assert_unchanged(model, before)


def test_soft_link_out_of_the_weights_group_is_refused(tmp_path):
    path = str(tmp_path / "m.h5")
    _model().save(path)
    with h5py.File(path, "a") as f:
        f["elsewhere"] = np.full((4, 3), 7.0, "float32")
    _relink(path, "model_weights/d/d/kernel:0", h5py.SoftLink("/elsewhere"))
    model = _model()
    before = _weights(model)
    with pytest.raises(ValueError, match="soft link to '/elsewhere', outside the weights "
                                         "group '/model_weights'.*safe_mode=False"):
        model.load_weights(path)
    _assert_unchanged(model, before)
    model.load_weights(path, safe_mode=False)
    np.testing.assert_array_equal(model.get_weights()[0], np.full((4, 3), 7.0))


def test_soft_link_inside_the_weights_group_is_followed(tmp_path):
    path = str(tmp_path / "w.h5")
    src = _model()
    src.save_weights(path)
    with h5py.File(path, "a") as f:
        f["d/copy"] = f["d/d/kernel:0"][()]
    _relink(path, "d/d/kernel:0", h5py.SoftLink("/d/copy"))
    model = _model()
    model.load_weights(path)
    np.testing.assert_array_equal(model.get_weights()[0], src.get_weights()[0])


def test_dangling_soft_link_is_refused_even_with_safe_mode_false(tmp_path):
    path = str(tmp_path / "w.h5")
    _model().save_weights(path)
    _relink(path, "d/d/kernel:0", h5py.SoftLink("/nowhere"))
    model = _model()
    before = _weights(model)
    with pytest.raises(ValueError, match="soft link to '/nowhere' that cannot be followed"):
        model.load_weights(path, safe_mode=False)
    _assert_unchanged(model, before)


def test_soft_link_loop_gets_a_clear_error(tmp_path):
    path = str(tmp_path / "w.h5")
    _model().save_weights(path)
    _relink(path, "d/d/kernel:0", h5py.SoftLink("/d/d/kernel:0"))
    model = _model()
    with pytest.raises(ValueError, match=r"'/d/d/kernel:0' is a soft link to "
                                         r"'/d/d/kernel:0' that cannot be followed .*"
                                         r"link loop"):
        model.load_weights(path)


def test_hard_link_cycle_gets_a_clear_error(tmp_path):
    path = str(tmp_path / "w.h5")
    _model().save_weights(path)
    with h5py.File(path, "a") as f:
        f["d/d/back"] = f["d"]  # a group that contains its own parent
    model = _model()
    before = _weights(model)
    with pytest.raises(ValueError, match="'/d/d/back' is a hard link to its own ancestor "
                                         "group '/d', a link loop"):
        model.load_weights(path)
    _assert_unchanged(model, before)


def test_model_weights_group_behind_a_link_is_refused(tmp_path):
    path = str(tmp_path / "m.h5")
    _model().save(path)
    with h5py.File(path, "a") as f:
        f.move("model_weights", "hidden")
        f["model_weights"] = h5py.SoftLink("/hidden")
    with pytest.raises(ValueError, match="'/model_weights' is an HDF5 link"):
        keras.models.load_model(path)


def test_weights_group_passed_as_an_h5py_object_is_checked_too(tmp_path):
    path = str(tmp_path / "w.h5")
    _model().save_weights(path)
    _relink(path, "d/d/kernel:0", h5py.ExternalLink(_secret_file(tmp_path), "/data"))
    model = _model()
    before = _weights(model)
    with h5py.File(path, "r") as f:
        with pytest.raises(ValueError, match="external link"):
            hdf5.load_weights_from_hdf5_group(model, f)
        with pytest.raises(ValueError, match="external link"):
            model.load_weights(f)
    _assert_unchanged(model, before)


def test_backup_restore_optimizer_state_refuses_links(tmp_path):
    path = str(tmp_path / "m.h5")
    model = _model()
    model.save(path)
    with h5py.File(path, "r") as f:
        name = f["optimizer_weights"].attrs["weight_names"][0]
        name = name.decode() if isinstance(name, bytes) else name
    _relink(path, f"optimizer_weights/{name}", h5py.SoftLink("/model_weights"))
    with h5py.File(path, "r") as f:
        with pytest.raises(ValueError, match="outside the weights group"):
            hdf5._load_optimizer_weights(model, f["optimizer_weights"], path)
