"""`tkeras.preprocessing.text` / `.sequence` against Keras 2 (keras_preprocessing 1.1.2,
which Keras 2.3.1 re-exports): every result of `data/make_text_sequence.py`, recorded in
`data/text_sequence.json`, is reproduced exactly; errors start with Keras's words."""
import json
import os
import random
import subprocess
import sys

import numpy as np
import pytest

from tkeras.preprocessing import sequence, text

with open(os.path.join(os.path.dirname(__file__), "data", "text_sequence.json"),
          encoding="utf8") as _f:
    KERAS = json.load(_f)

# The inputs the script used (kept in step with make_text_sequence.py).
CORPUS = [
    "The quick brown fox jumps over the lazy dog.",
    "The dog barks; the FOX runs!",
    "A lazy afternoon: the dog sleeps, the fox doesn't.",
    "Quick! Quick! Over the fence\tand away\nagain",
    "",
    "fox fox fox dog",
    "Émile's café serves crème brûlée",
]
NEW_TEXTS = ["the fox and the unknown cat", "quick dog", "", "zebra"]
SEQUENCES = [[1, 2, 3], [4, 5], [], [6, 7, 8, 9, 10], [11]]


def _assert_array(result, expected):
    assert str(result.dtype) == expected["dtype"]
    assert list(result.shape) == expected["shape"]
    assert result.tolist() == expected["values"]


def _assert_keras_error(call, record):
    assert "error" in record, record
    with pytest.raises(getattr(__builtins__, record["error"], None) or Exception) as err:
        call()
    assert type(err.value).__name__ == record["error"]
    assert str(err.value).startswith(record["message"].rstrip(".")), str(err.value)


# ------------------------------------------------------------------ pad_sequences
def _pad_inputs(case):
    if case.get("strings"):
        return [["a", "bb"], ["ccc"], [], ["dddd", "e", "ff"]]
    if case.get("timesteps"):
        return [np.arange(6).reshape(3, 2), np.arange(2).reshape(1, 2) + 10, np.zeros((0, 2))]
    if case.get("numpy_input"):
        return [np.array([1, 2, 3]), np.array([4])]
    return SEQUENCES


@pytest.mark.parametrize("index", range(len(KERAS["pad_sequences"])))
def test_pad_sequences_matches_keras2(index):
    case = KERAS["pad_sequences"][index]
    kwargs = dict(case["kwargs"])
    if kwargs.get("dtype") == "object":
        kwargs["dtype"] = object
    _assert_array(sequence.pad_sequences(_pad_inputs(case), **kwargs), case["result"])


@pytest.mark.parametrize("name, call", [
    ("padding", lambda: sequence.pad_sequences([[1]], padding="middle")),
    ("truncating", lambda: sequence.pad_sequences([[1, 2]], maxlen=1, truncating="middle")),
    ("non_iterable", lambda: sequence.pad_sequences([[1], 5])),
    ("string_value", lambda: sequence.pad_sequences([["a"]], value="x")),
    ("sample_shape", lambda: sequence.pad_sequences([np.zeros((2, 3)), np.zeros((2, 4))])),
    ("not_iterable", lambda: sequence.pad_sequences(5)),
])
def test_pad_sequences_errors_start_with_keras2s_words(name, call):
    _assert_keras_error(call, KERAS["pad_errors"][name])


def test_pad_sequences_of_nothing_needs_maxlen():
    with pytest.raises(ValueError, match="received no sequences and no `maxlen`"):
        sequence.pad_sequences([])
    assert sequence.pad_sequences([], maxlen=3).shape == (0, 3)
    assert sequence.pad_sequences([[1, 2]], maxlen=0).shape == (1, 0)


def test_pad_sequences_refuses_a_string_as_a_sequence():
    with pytest.raises(ValueError, match="must be a list of iterables. Found non-iterable: "
                                         "'ab'"):
        sequence.pad_sequences([[1], "ab"])


# ------------------------------------------------------------------ Tokenizer
@pytest.mark.parametrize("index", range(len(KERAS["tokenizer"]) - 1))
def test_tokenizer_matches_keras2(index):
    case = KERAS["tokenizer"][index]
    t = text.Tokenizer(**case["kwargs"])
    t.fit_on_texts(CORPUS)
    assert [list(item) for item in t.word_counts.items()] == case["word_counts"]
    assert sorted(map(list, t.word_docs.items())) == case["word_docs"]
    assert sorted(map(list, t.word_index.items())) == case["word_index"]
    assert sorted(map(list, t.index_docs.items())) == case["index_docs"]
    assert t.document_count == case["document_count"]
    seqs = t.texts_to_sequences(NEW_TEXTS + CORPUS)
    assert seqs == case["sequences"]
    assert t.sequences_to_texts(seqs) == case["texts"]
    for mode in ("binary", "count", "tfidf", "freq"):
        np.testing.assert_allclose(t.texts_to_matrix(NEW_TEXTS + CORPUS, mode=mode),
                                   case["matrix_" + mode], rtol=1e-12)
    config = t.get_config()
    for key, value in case["config"].items():
        if isinstance(value, str) and key not in ("filters", "split", "oov_token"):
            assert json.loads(config[key]) == json.loads(value), key
        else:
            assert config[key] == value, key


def test_tokenizer_on_token_lists_and_sequences_matches_keras2():
    case = KERAS["tokenizer"][-1]
    t = text.Tokenizer(num_words=6)
    t.fit_on_texts([["Hello", "world"], ["hello", "again", "hello"]])
    t.fit_on_sequences([[1, 2], [2, 2, 3], []])
    assert sorted(map(list, t.word_index.items())) == case["word_index"]
    assert sorted(map(list, t.index_docs.items())) == case["index_docs"]
    assert t.document_count == case["document_count"]
    np.testing.assert_allclose(t.sequences_to_matrix([[1, 2, 2], [5, 7], []], mode="tfidf"),
                               case["matrix_tfidf"], rtol=1e-12)


def test_tokenizer_json_round_trip_keeps_every_table_and_keeps_fitting():
    t = text.Tokenizer(num_words=5, oov_token="<OOV>")
    t.fit_on_texts(CORPUS)
    back = text.tokenizer_from_json(t.to_json())
    assert back.word_index == t.word_index and back.index_word == t.index_word
    assert back.texts_to_sequences(NEW_TEXTS) == t.texts_to_sequences(NEW_TEXTS)
    back.fit_on_texts(["zebra zebra"])  # Keras 2's reloaded tokenizer raises KeyError here
    assert back.word_counts["zebra"] == 2


def test_tokenizer_reads_a_keras2_json_config():
    # Keras 2's to_json() of the oov tokenizer, rebuilt from the recorded config.
    case = KERAS["tokenizer"][2]
    keras_json = json.dumps({"class_name": "Tokenizer", "config": case["config"]})
    t = text.tokenizer_from_json(keras_json)
    assert t.texts_to_sequences(NEW_TEXTS + CORPUS) == case["sequences"]


@pytest.mark.parametrize("name, call", [
    ("matrix_unfitted", lambda: text.Tokenizer().sequences_to_matrix([[1]])),
    ("tfidf_unfitted", lambda: text.Tokenizer(num_words=3).sequences_to_matrix(
        [[1]], mode="tfidf")),
    ("nb_words_and_more", lambda: text.Tokenizer(foo=1)),
])
def test_tokenizer_errors_are_keras2s(name, call):
    _assert_keras_error(call, KERAS["tokenizer_errors"][name])


@pytest.mark.parametrize("call, match", [
    (lambda t: t.fit_on_texts([1, 2]), r"`fit_on_texts` expects text as a string\. "
                                       r"Received: int 1"),
    (lambda t: t.fit_on_texts("one text"), "received a single string"),
    (lambda t: t.texts_to_sequences([b"bytes"]), r"Received: bytes b'bytes'.*decode"),
    (lambda t: t.texts_to_matrix(["a"], mode="tf"), "Unknown vectorization mode: 'tf'"),
])
def test_tokenizer_refuses_non_strings_with_a_clear_error(call, match):
    t = text.Tokenizer()
    t.fit_on_texts(["a b"])
    with pytest.raises((TypeError, ValueError), match=match):
        call(t)


def test_nb_words_is_renamed_num_words_with_a_warning():
    with pytest.warns(UserWarning, match="`nb_words` argument in `Tokenizer` has been "
                                         "renamed `num_words`"):
        assert text.Tokenizer(nb_words=7).num_words == 7


# ------------------------------------------------------------------ hashing
def test_hashing_trick_and_word_sequences_match_keras2():
    texts = ["The quick brown fox", "the THE the", "café, crème!", ""]
    expected = KERAS["hashing"]
    assert [text.hashing_trick(s, 17, hash_function="md5") for s in texts] == expected["md5"]
    assert [text.hashing_trick(s, 7, hash_function=len) for s in texts] == expected["custom"]
    words = [text.text_to_word_sequence(s) for s in texts] + [
        text.text_to_word_sequence("a-b_c d", filters="-", lower=False, split="_")]
    assert words == expected["word_sequences"]


def test_one_hot_matches_keras2_under_the_same_hash_seed():
    code = ("import json; from tkeras.preprocessing.text import one_hot; "
            "print(json.dumps([one_hot(s, 23) for s in "
            "['The quick brown fox', 'the THE the', 'café, crème!', '']]))")
    env = dict(os.environ, PYTHONHASHSEED="0")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True, timeout=120).stdout
    assert json.loads(out) == KERAS["hashing"]["one_hot"]


# ------------------------------------------------------------------ skipgrams
def test_sampling_tables_match_keras2():
    np.testing.assert_allclose(sequence.make_sampling_table(12), KERAS["sampling_table"],
                               rtol=1e-15)
    np.testing.assert_allclose(sequence.make_sampling_table(5, 0.01),
                               KERAS["sampling_table_factor"], rtol=1e-15)


@pytest.mark.parametrize("index", range(len(KERAS["skipgrams"])))
def test_skipgrams_match_keras2_for_the_same_seed(index):
    case = KERAS["skipgrams"][index]
    kwargs = dict(case["kwargs"])
    if kwargs.get("sampling_table") == "table":
        kwargs["sampling_table"] = sequence.make_sampling_table(10, sampling_factor=0.05)
    random.seed(1234)
    couples, labels = sequence.skipgrams([0, 3, 1, 4, 1, 5, 9, 2, 6, 0, 5, 3], 10, **kwargs)
    assert couples == case["couples"]
    assert labels == case["labels"]


# ------------------------------------------------------------------ TimeseriesGenerator
@pytest.mark.parametrize("index", range(len(KERAS["timeseries"])))
def test_timeseries_generator_matches_keras2(index):
    case = KERAS["timeseries"][index]
    np.random.seed(7)
    gen = sequence.TimeseriesGenerator(np.arange(40).reshape(20, 2), np.arange(20) * 10,
                                       **case["kwargs"])
    assert len(gen) == case["len"]
    batches = [gen[i] for i in range(len(gen))]
    assert [b[0].tolist() for b in batches] == case["x"]
    assert [b[1].tolist() for b in batches] == case["y"]


@pytest.mark.parametrize("name, args", [("lengths", (np.zeros(3), np.zeros(4), 1)),
                                        ("start", (np.zeros(3), np.zeros(3), 5))])
def test_timeseries_generator_errors_are_keras2s(name, args):
    _assert_keras_error(lambda: sequence.TimeseriesGenerator(*args),
                        KERAS["timeseries_errors"][name])


def test_timeseries_generator_json_round_trip_keeps_the_windows():
    gen = sequence.TimeseriesGenerator(np.arange(30).reshape(15, 2), np.arange(15),
                                       length=3, start_index=2, stride=2, batch_size=2)
    back = sequence.timeseries_generator_from_json(gen.to_json())
    assert len(back) == len(gen)
    for i in range(len(gen)):
        np.testing.assert_array_equal(back[i][0], gen[i][0])
        np.testing.assert_array_equal(back[i][1], gen[i][1])


def test_timeseries_generator_feeds_fit():
    import tkeras as keras

    data = np.sin(np.arange(200) / 10.0).astype("float32")[:, None]
    gen = sequence.TimeseriesGenerator(data, data, length=8, batch_size=16)
    model = keras.Sequential([keras.layers.LSTM(4, input_shape=(8, 1)),
                              keras.layers.Dense(1)])
    model.compile("adam", "mse")
    history = model.fit(gen, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    assert model.predict(gen).shape == (192, 1)
