"""`tkeras.preprocessing.image` against Keras 2 (keras_preprocessing 1.1.2, which Keras
2.3.1 re-exports): every result of `data/make_image_references.py`, recorded in
`data/image_references.npz`, is reproduced (same dtype and shape; values exactly or to
float rounding), for the same inputs and NumPy seeds; errors start with Keras's words."""
import importlib.util
import json
import os
import warnings

import numpy as np
import pytest

pytest.importorskip("PIL", reason="the `image` extra (Pillow) is not installed")
pytest.importorskip("scipy", reason="the `image` extra (SciPy) is not installed")

from tkeras.preprocessing import image  # noqa: E402

DATA = os.path.join(os.path.dirname(__file__), "data")
_spec = importlib.util.spec_from_file_location(
    "make_image_references", os.path.join(DATA, "make_image_references.py"))
make = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make)

REF = np.load(os.path.join(DATA, "image_references.npz"))
META = json.loads(str(REF["meta"]))
FUNCTIONS = META["functions"]
GENERATOR = META["generator"]
FILES_OUT = META["files_out"]

# Values agree with Keras 2's to float rounding (different NumPy/SciPy builds).
RTOL = 1e-6
ATOL = 1e-5


def _check(result, record, path="result"):
    """`result` equals a recorded output: an array, or tuples / lists of them."""
    if "tuple" in record or "list" in record:
        kind = "tuple" if "tuple" in record else "list"
        assert type(result).__name__ == kind, f"{path}: {type(result)} is not a {kind}"
        assert len(result) == len(record[kind]), path
        for i, (r, rec) in enumerate(zip(result, record[kind])):
            _check(r, rec, f"{path}[{i}]")
        return
    expected = REF[record["array"]]
    result = np.asarray(result)
    assert str(result.dtype) == record["dtype"], f"{path}: dtype {result.dtype}"
    assert list(result.shape) == record["shape"], f"{path}: shape {result.shape}"
    if np.issubdtype(expected.dtype, np.floating):
        np.testing.assert_allclose(result, expected, rtol=RTOL, atol=ATOL, err_msg=path)
    else:
        np.testing.assert_array_equal(result, expected, err_msg=path)


@pytest.fixture(scope="module")
def image_folder(tmp_path_factory):
    """The folder of image files (the recorded bytes) the references were made from."""
    root = tmp_path_factory.mktemp("images")
    make.write_folder(str(root), {rel: REF[f"file.{i}"].tobytes()
                                  for i, rel in enumerate(META["files"])})
    return str(root)


# ------------------------------------------------------------------ functions
@pytest.mark.parametrize("case", FUNCTIONS["apply_affine_transform"],
                         ids=lambda c: f"{c['kwargs']}-{c['layout']}")
def test_apply_affine_transform_matches_keras2(case):
    x = make.image()
    axes = {}
    if case["layout"] == "cf":
        x, axes = x.transpose(2, 0, 1), {"row_axis": 1, "col_axis": 2, "channel_axis": 0}
    _check(image.apply_affine_transform(x, **case["kwargs"], **axes), case["result"])


@pytest.mark.parametrize("case", FUNCTIONS["random_functions"],
                         ids=lambda c: f"{c['function']}-{c['seed']}-{c['layout']}"
                                       f"-{c.get('fill_mode')}")
def test_random_image_functions_match_keras2(case):
    x = make.image()
    kwargs = {}
    if case["layout"] == "cf":
        x = x.transpose(2, 0, 1)
    elif case["function"] != "random_brightness":
        kwargs = {"row_axis": 0, "col_axis": 1, "channel_axis": 2}
    if "fill_mode" in case:
        kwargs["fill_mode"] = case["fill_mode"]
    args = [tuple(a) if isinstance(a, list) else a for a in case["args"]]
    np.random.seed(case["seed"])
    _check(getattr(image, case["function"])(x, *args, **kwargs), case["result"])


@pytest.mark.parametrize("case", FUNCTIONS["apply_channel_shift"],
                         ids=lambda c: f"{c['intensity']}-{c['layout']}")
def test_apply_channel_shift_matches_keras2(case):
    x = make.image()
    x = x.transpose(2, 0, 1) if case["layout"] == "cf" else x
    _check(image.apply_channel_shift(x, case["intensity"], channel_axis=case["channel_axis"]),
           case["result"])


@pytest.mark.parametrize("case", FUNCTIONS["apply_brightness_shift"],
                         ids=lambda c: str(c["brightness"]))
def test_apply_brightness_shift_matches_keras2(case):
    _check(image.apply_brightness_shift(make.image(), case["brightness"]), case["result"])


def test_flip_axis_and_offset_matrix_match_keras2():
    for case in FUNCTIONS["flip_axis"]:
        _check(image.flip_axis(make.image(), case["axis"]), case["result"])
    matrix = np.array([[0.9, -0.2, 1.5], [0.3, 1.1, -2.0], [0, 0, 1]])
    _check(image.transform_matrix_offset_center(matrix, 8, 10),
           FUNCTIONS["transform_matrix_offset_center"])


@pytest.mark.parametrize("case", FUNCTIONS["array_to_img"], ids=lambda c: str(c["index"]))
def test_array_to_img_and_back_match_keras2(case):
    data, kwargs = make.conversion_inputs()[case["index"]]
    kwargs = dict(kwargs, data_format=kwargs.get("data_format", "channels_last"))
    img = image.array_to_img(data, **kwargs)
    assert img.mode == case["mode"] and list(img.size) == case["size"]
    _check(np.asarray(img), case["pixels"])
    _check(image.img_to_array(img, data_format=kwargs["data_format"]), case["back"])
    _check(image.img_to_array(img, data_format="channels_first", dtype="uint8"),
           case["back_cf"])


# ------------------------------------------------------------------ ImageDataGenerator
def _plain(value):
    return make.plain(value)


@pytest.mark.parametrize("case", GENERATOR["augment"], ids=lambda c: c["name"])
def test_random_transform_matches_keras2(case):
    x = make.augment_input(case["kind"])
    gen = make.make_generator(image, case["kwargs"])
    for entry in case["seeds"]:
        params = gen.get_random_transform(x.shape, seed=entry["seed"])
        # Same draws, same values and same Python/NumPy types.
        assert {k: _plain(v) for k, v in params.items()} == entry["params"]
        if "error" in entry:
            with pytest.raises(ValueError, match=entry["error"]["message"]):
                gen.random_transform(x.copy(), seed=entry["seed"])
        else:
            _check(gen.random_transform(x.copy(), seed=entry["seed"]), entry["result"],
                   f"seed {entry['seed']}")
    np.random.seed(make.GLOBAL_SEED)
    for i, record in enumerate(case.get("stream", [])):
        _check(gen.random_transform(x.copy()), record, f"stream {i}")


@pytest.mark.parametrize("case", GENERATOR["apply_transform"],
                         ids=lambda c: f"{c['layout']}-{sorted(c['params'])}")
def test_apply_transform_matches_keras2(case):
    layout = case["layout"]
    gen = image.ImageDataGenerator(data_format=layout, fill_mode="reflect")
    x = make.image() if layout == "channels_last" else make.image().transpose(2, 0, 1)
    if "error" in case:
        with pytest.raises(ValueError, match=case["error"]["message"]):
            gen.apply_transform(x.copy(), case["params"])
    else:
        _check(gen.apply_transform(x.copy(), case["params"]), case["result"])


@pytest.mark.parametrize("case", GENERATOR["fit"], ids=lambda c: c["name"])
def test_fit_and_standardize_match_keras2(case):
    data = make.fit_input(case["kind"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gen = make.make_generator(image, case["kwargs"])
    gen.fit(data, **case["fit_kwargs"])
    for attr in ("mean", "std", "principal_components"):
        if case[attr] is None:
            assert getattr(gen, attr) is None
        else:
            _check(getattr(gen, attr), case[attr], attr)
    _check(gen.standardize(np.copy(data[:3])), case["standardized_batch"], "batch")
    _check(gen.standardize(np.copy(data[4])), case["standardized_image"], "image")


@pytest.mark.parametrize("case", GENERATOR["flow"], ids=lambda c: c["name"])
def test_flow_batches_match_keras2(case):
    x, y, extra = make.flow_arguments(case["kind"])
    gen = make.make_generator(image, case["kwargs"])
    if case["kind"] == "xy_fit":
        gen.fit(x)
    np.random.seed(make.GLOBAL_SEED)
    iterator = gen.flow(x, y, **case["flow_kwargs"], **extra)
    assert (len(iterator), iterator.n) == (case["len"], case["n"])
    reads = [tuple(op) for op in case["reads"]]
    for i, (result, record) in enumerate(zip(make.run_reads(iterator, reads),
                                             case["results"])):
        _check(result, record, f"read {i}")


def test_flow_save_to_dir_matches_keras2(tmp_path):
    gen = image.ImageDataGenerator(rotation_range=10)
    iterator = gen.flow(make.batch(), make.LABELS, batch_size=4, shuffle=True, seed=12,
                        save_to_dir=str(tmp_path), save_prefix="aug", save_format="png")
    iterator[0]
    next(iterator)
    saved = GENERATOR["save_to_dir"]
    assert sorted(os.listdir(tmp_path)) == saved["names"]
    for name, record in zip(saved["names"], saved["images"]):
        _check(np.asarray(image.load_img(str(tmp_path / name))), record, name)


# ------------------------------------------------------------------ files
def _path(root, rel):
    return os.path.join(root, *rel.split("/"))


def test_load_img_matches_keras2(image_folder):
    for case in FILES_OUT["load_img"]:
        kwargs = dict(case["kwargs"])
        if kwargs["target_size"] is not None:
            kwargs["target_size"] = tuple(kwargs["target_size"])
        img = image.load_img(_path(image_folder, case["file"]), **kwargs)
        assert (img.mode, list(img.size)) == (case["mode"], case["size"]), case
        _check(image.img_to_array(img), case["array"], f"{case['file']} {kwargs}")


def _tupled(kwargs):
    return {k: tuple(v) if k == "target_size" else v for k, v in kwargs.items()}


@pytest.mark.parametrize("case", FILES_OUT["directory"], ids=lambda c: c["name"])
def test_flow_from_directory_matches_keras2(case, image_folder):
    gen = make.make_generator(image, case["kwargs"])
    np.random.seed(make.GLOBAL_SEED)
    iterator = gen.flow_from_directory(image_folder, **_tupled(case["flow_kwargs"]))
    assert iterator.class_indices == case["class_indices"]
    assert iterator.filenames == case["filenames"]
    assert iterator.classes.tolist() == case["classes"]
    assert (iterator.samples, len(iterator)) == (case["samples"], case["len"])
    assert list(iterator.image_shape) == case["image_shape"]
    reads = [tuple(op) for op in case["reads"]]
    for i, (result, record) in enumerate(zip(make.run_reads(iterator, reads),
                                             case["results"])):
        _check(result, record, f"read {i}")


@pytest.mark.parametrize("case", FILES_OUT["dataframe"], ids=lambda c: c["name"])
def test_flow_from_dataframe_matches_keras2(case, image_folder):
    pd = pytest.importorskip("pandas")
    gen = make.make_generator(image, case["kwargs"])
    np.random.seed(make.GLOBAL_SEED)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        iterator = gen.flow_from_dataframe(pd.DataFrame(make.dataframe_rows()), image_folder,
                                           **_tupled(case["flow_kwargs"]))
    assert getattr(iterator, "class_indices", None) == case["class_indices"]
    assert iterator.filenames == case["filenames"]
    assert getattr(iterator, "classes", None) == case["classes"]
    assert (iterator.samples, len(iterator)) == (case["samples"], case["len"])
    reads = [tuple(op) for op in case["reads"]]
    for i, (result, record) in enumerate(zip(make.run_reads(iterator, reads),
                                             case["results"])):
        _check(result, record, f"read {i}")


# ------------------------------------------------------------------ errors
def _keras_words(message):
    """The part of Keras's message before the received value."""
    if message.startswith("('"):  # Keras passed several arguments to ValueError
        import ast
        message = " ".join(str(part) for part in ast.literal_eval(message))
    return message.split("Received")[0].split(":")[0].strip()


# Keras raises these from the OS or Pillow; ours keep the type and name the path.
_OS_ERRORS = {"directory_missing", "load_img_not_an_image", "load_img_missing"}


def _all_error_cases(root):
    return make.error_cases(image) + make.directory_error_cases(image, root)


@pytest.mark.parametrize("name", sorted(META["errors"]))
def test_errors_start_with_keras2_words(name, image_folder):
    record = META["errors"][name]
    call = dict(_all_error_cases(image_folder))[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(Exception) as err:
            call()
    assert type(err.value).__name__ == record["error"], err.value
    if name in _OS_ERRORS:
        assert os.path.basename(str(err.value).split("'")[1]) in str(err.value)
        assert image_folder in str(err.value)
    else:
        assert str(err.value).startswith(_keras_words(record["message"])), str(err.value)
