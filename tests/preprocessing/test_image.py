"""Behaviour of `tkeras.preprocessing.image` beyond the Keras 2 references: the optional
`image` extra, argument errors, unreadable files and empty folders, the iterators as
`Sequence`s (parallel loading in `fit`, pickling, endless iteration)."""
import os
import pickle
import subprocess
import sys
import warnings

import numpy as np
import pytest

from tkeras.preprocessing import image
from tkeras.utils.data_utils import Sequence

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _images(n=12, h=6, w=5, c=3):
    return np.random.RandomState(0).uniform(0, 255, (n, h, w, c)).astype("float32")


# ------------------------------------------------------------------ the `image` extra
_WITHOUT_EXTRA = """
import sys
sys.modules["PIL"] = None      # as if Pillow were not installed
sys.modules["scipy"] = None    # as if SciPy were not installed
import numpy as np
import tkeras.preprocessing.image as image
calls = {
    "load_img": lambda: image.load_img("x.png"),
    "array_to_img": lambda: image.array_to_img(np.zeros((2, 2, 1))),
    "save_img": lambda: image.save_img("x.png", np.zeros((2, 2, 1))),
    "apply_affine_transform": lambda: image.apply_affine_transform(np.zeros((2, 2, 1)), theta=3),
    "random_transform": lambda: image.ImageDataGenerator(rotation_range=5).random_transform(
        np.zeros((2, 2, 1))),
    "apply_brightness_shift": lambda: image.apply_brightness_shift(np.zeros((2, 2, 1)), 0.5),
    "zca": lambda: image.ImageDataGenerator(zca_whitening=True).fit(np.zeros((2, 2, 2, 1))),
}
for name, call in calls.items():
    try:
        call()
    except ImportError as err:
        print(name, "|", err)
    else:
        print(name, "| no error")
"""


def test_module_imports_without_pillow_and_scipy_and_names_the_extra():
    out = subprocess.run([sys.executable, "-W", "ignore", "-c", _WITHOUT_EXTRA], cwd=REPO,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    lines = dict(line.split(" | ", 1) for line in out.stdout.strip().splitlines())
    for name in ("load_img", "array_to_img", "save_img", "apply_brightness_shift"):
        assert "requires Pillow: pip install tkeras[image]" in lines[name], lines[name]
    for name in ("apply_affine_transform", "random_transform", "zca"):
        assert "requires SciPy: pip install tkeras[image]" in lines[name], lines[name]


def test_importing_the_module_loads_neither_pillow_nor_scipy():
    code = ("import sys, tkeras.preprocessing.image; "
            "print(sorted(m for m in ('PIL', 'scipy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                         text=True, timeout=300)
    assert out.stdout.strip() == "[]", out.stderr


pytest.importorskip("PIL", reason="the `image` extra (Pillow) is not installed")
pytest.importorskip("scipy", reason="the `image` extra (SciPy) is not installed")


# ------------------------------------------------------------------ argument errors
@pytest.mark.parametrize("kwargs, match", [
    ({"zoom_range": [0.5, 1.0, 1.5]}, r"`zoom_range` should be a float or a tuple or list "
                                      r"of two floats\. Received: zoom_range=\[0\.5"),
    ({"data_format": "NHWC"}, r"Received: data_format='NHWC'"),
    ({"validation_split": 1.0}, r"strictly between 0 and 1\. Received: validation_split=1"),
    ({"validation_split": -0.2}, r"Received: validation_split=-0\.2"),
    ({"fill_mode": "edge"}, r"`fill_mode` must be one of .*Received: fill_mode='edge'"),
    ({"width_shift_range": "wide"}, r"`width_shift_range` must be a float .*"
                                    r"Received: width_shift_range='wide'"),
    ({"height_shift_range": [[1, 2]]}, r"Received: height_shift_range=\[\[1, 2\]\]"),
    ({"brightness_range": (0.5,)}, r"Received: brightness_range=\(0\.5,\)"),
    ({"rotation_range": "30"}, r"`rotation_range` must be a number\. Received: "
                               r"rotation_range='30'"),
    ({"channel_shift_range": None}, r"Received: channel_shift_range=None"),
])
def test_image_data_generator_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        image.ImageDataGenerator(**kwargs)


def test_falsy_rotation_and_shear_ranges_mean_none_as_in_keras():
    gen = image.ImageDataGenerator(rotation_range=None, shear_range=None)
    params = gen.get_random_transform((6, 5, 3), seed=0)
    assert (params["theta"], params["shear"]) == (0, 0)


def test_flow_rejects_images_of_wrong_rank_and_names_the_shape():
    with pytest.raises(ValueError, match=r"should have rank 4\. You passed an array with "
                                         r"shape \(6, 5, 3\)"):
        image.ImageDataGenerator().flow(_images()[0])


def test_flow_rejects_a_tuple_that_is_not_images_and_extra():
    x = _images()
    with pytest.raises(ValueError, match=r"must be `\(images, extra\)`.*length 3"):
        image.ImageDataGenerator().flow((x, x, x))


def test_flow_rejects_bad_batch_size_and_subset():
    with pytest.raises(ValueError, match="Received: batch_size=0"):
        image.ImageDataGenerator().flow(_images(), batch_size=0)
    with pytest.raises(ValueError, match="Invalid subset name: 'test'"):
        image.ImageDataGenerator(validation_split=0.5).flow(_images(), subset="test")


def test_fit_rejects_images_of_wrong_rank():
    with pytest.raises(ValueError, match=r"Input to `\.fit\(\)` should have rank 4\. Got "
                                         r"array with shape: \(6, 5, 3\)"):
        image.ImageDataGenerator(featurewise_center=True).fit(_images()[0])


def test_standardize_before_fit_warns_like_keras():
    with pytest.warns(UserWarning, match="hasn't been fit on any training data"):
        image.ImageDataGenerator(featurewise_center=True).standardize(_images()[:2])


# ------------------------------------------------------------------ files and folders
def _write_folder(root, classes=("a", "b"), per_class=2, size=(5, 4)):
    for c, name in enumerate(classes):
        os.makedirs(root / name, exist_ok=True)
        for i in range(per_class):
            pixels = np.full(size + (3,), 40 * (c + 1) + i, dtype="float32")
            image.save_img(str(root / name / f"{i}.png"), pixels, scale=False)


def test_flow_from_directory_on_a_missing_folder_names_it(tmp_path):
    missing = str(tmp_path / "no_such_folder")
    with pytest.raises(FileNotFoundError, match="found no folder at directory=.*no_such"):
        image.ImageDataGenerator().flow_from_directory(missing)


def test_flow_from_directory_on_an_empty_folder_warns_then_raises_on_read(tmp_path, capsys):
    with pytest.warns(UserWarning, match="found no images in directory="):
        iterator = image.ImageDataGenerator().flow_from_directory(str(tmp_path))
    assert "Found 0 images belonging to 0 classes." in capsys.readouterr().out
    assert len(iterator) == 0
    with pytest.raises(ValueError, match="Sequence has length 0"):
        iterator[0]
    with pytest.raises(ValueError, match="found no images in directory="):
        next(iterator)


def test_an_unreadable_image_names_its_file(tmp_path):
    _write_folder(tmp_path)
    (tmp_path / "b" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really a png")
    iterator = image.ImageDataGenerator().flow_from_directory(
        str(tmp_path), target_size=(5, 4), batch_size=5, shuffle=False)
    with pytest.raises(OSError, match=r"Cannot read the image file .*broken\.png"):
        iterator[0]


def test_a_truncated_image_names_its_file(tmp_path):
    _write_folder(tmp_path, size=(40, 40))
    path = tmp_path / "a" / "0.png"
    path.write_bytes(path.read_bytes()[:60])
    with pytest.raises(OSError, match=r"Cannot read the image file .*0\.png"):
        image.load_img(str(path))


def test_flow_from_directory_rejects_bad_target_size(tmp_path):
    _write_folder(tmp_path)
    with pytest.raises(ValueError, match=r"Received: target_size=\(5,\)"):
        image.ImageDataGenerator().flow_from_directory(str(tmp_path), target_size=(5,))
    with pytest.raises(TypeError, match=r"Received: target_size=224\. Example"):
        image.ImageDataGenerator().flow_from_directory(str(tmp_path), target_size=224)


def test_flow_from_directory_batches_and_labels(tmp_path):
    _write_folder(tmp_path, classes=("cats", "dogs"), per_class=3)
    iterator = image.ImageDataGenerator(rescale=1. / 255).flow_from_directory(
        str(tmp_path), target_size=(5, 4), batch_size=4, shuffle=False, class_mode="binary")
    assert iterator.class_indices == {"cats": 0, "dogs": 1}
    x, y = iterator[1]
    assert x.shape == (2, 5, 4, 3) and y.tolist() == [1.0, 1.0]
    np.testing.assert_allclose(x[0, 0, 0], np.float32(81) * np.float32(1. / 255))


def test_flow_from_dataframe_names_a_missing_column(tmp_path):
    pd = pytest.importorskip("pandas")
    _write_folder(tmp_path)
    df = pd.DataFrame({"filename": ["a/0.png"], "label": ["a"]})
    with pytest.raises(KeyError, match="Column 'class' is not in the dataframe"):
        image.ImageDataGenerator().flow_from_dataframe(df, str(tmp_path))


def test_flow_from_dataframe_with_no_valid_rows_raises_on_read(tmp_path):
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"filename": ["gone.png"], "class": ["a"]})
    with pytest.warns(UserWarning, match="invalid image filename"):
        iterator = image.ImageDataGenerator().flow_from_dataframe(df, str(tmp_path))
    with pytest.raises(ValueError, match="no row of the dataframe is left"):
        next(iterator)


def test_flow_save_to_dir_writes_each_augmented_image(tmp_path):
    iterator = image.ImageDataGenerator(horizontal_flip=True).flow(
        _images(), np.zeros(12), batch_size=5, seed=1, save_to_dir=str(tmp_path),
        save_prefix="aug", save_format="jpeg")
    iterator[0]
    names = sorted(os.listdir(tmp_path))
    assert len(names) == 5 and all(n.startswith("aug_") and n.endswith(".jpeg")
                                   for n in names)


def test_load_img_grayscale_flag_is_deprecated(tmp_path):
    _write_folder(tmp_path)
    with pytest.warns(UserWarning, match="grayscale is deprecated"):
        img = image.load_img(str(tmp_path / "a" / "0.png"), grayscale=True)
    assert img.mode == "L"


def test_img_to_array_follows_the_backend_data_format():
    from tkeras import backend

    img = image.array_to_img(np.zeros((2, 3, 3)), data_format="channels_last")
    backend.set_image_data_format("channels_first")
    try:
        assert image.img_to_array(img).shape == (3, 2, 3)
    finally:
        backend.set_image_data_format("channels_last")
    assert image.img_to_array(img).shape == (2, 3, 3)


# ------------------------------------------------------------------ iterators
def test_iterators_are_sequences_that_also_loop_endlessly():
    iterator = image.ImageDataGenerator().flow(_images(), np.arange(12), batch_size=5,
                                               shuffle=False)
    assert isinstance(iterator, Sequence) and isinstance(iterator, image.Iterator)
    assert len(iterator) == 3
    seen = [next(iterator)[1].tolist() for _ in range(4)]
    assert seen == [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9], [10, 11], [0, 1, 2, 3, 4]]
    assert iter(iterator) is iterator


def test_an_iterator_survives_pickling_with_its_batches():
    iterator = image.ImageDataGenerator(rotation_range=10).flow(
        _images(), np.arange(12), batch_size=4, seed=3)
    copy = pickle.loads(pickle.dumps(iterator))
    x1, y1 = iterator[1]
    x2, y2 = copy[1]
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(y1, y2)
    next(copy)


def test_parallel_workers_see_every_sample_once_per_epoch():
    torch_data = pytest.importorskip("torch.utils.data")

    class Batches(torch_data.Dataset):
        def __init__(self, sequence):
            self.sequence = sequence

        def __len__(self):
            return len(self.sequence)

        def __getitem__(self, i):
            return self.sequence[i]

    iterator = image.ImageDataGenerator(horizontal_flip=True).flow(
        _images(n=20), np.arange(20), batch_size=3, shuffle=True)
    loader = torch_data.DataLoader(Batches(iterator), batch_size=None, num_workers=2)
    labels = sorted(int(v) for _, y in loader for v in y)
    assert labels == list(range(20))


def test_model_fit_on_flow_with_two_workers_runs():
    import tkeras

    x = _images(n=16, h=4, w=4) / 255.
    y = np.arange(16) % 2
    model = tkeras.models.Sequential([tkeras.layers.Flatten(input_shape=(4, 4, 3)),
                                      tkeras.layers.Dense(2, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy")
    datagen = image.ImageDataGenerator(rotation_range=10, horizontal_flip=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        history = model.fit(datagen.flow(x, y, batch_size=4), epochs=2, workers=2, verbose=0)
    assert len(history.history["loss"]) == 2
    assert np.all(np.isfinite(history.history["loss"]))
