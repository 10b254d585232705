"""Reference outputs of Keras 2's `keras.preprocessing.text` and `.sequence` (Keras 2.3.1
re-exports keras_preprocessing 1.1.2's functions) for `tests/preprocessing/`.

Run where keras_preprocessing 1.1.2 is installed (no TensorFlow needed), with a fixed
hash seed so that `one_hot` (Python's `hash`) is reproducible:

    pip install keras-preprocessing==1.1.2 "numpy<2" six   # 1.1.2 predates NumPy 2
    PYTHONHASHSEED=0 python tests/preprocessing/data/make_text_sequence.py

Writes `text_sequence.json` (results, and the messages of the errors Keras raises) beside
this script.
"""
import json
import os
import random
import sys

import numpy as np
from keras_preprocessing import sequence, text

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


def _call(fn):
    try:
        return {"result": fn()}
    except Exception as err:  # noqa: BLE001 - recording what Keras raises
        return {"error": type(err).__name__, "message": str(err)}


def _array(a):
    a = np.asarray(a)
    return {"dtype": str(a.dtype), "shape": list(a.shape), "values": a.tolist()}


def pad_cases():
    out = []
    for padding in ("pre", "post"):
        for truncating in ("pre", "post"):
            for maxlen in (None, 2, 4, 7):
                for value in (0.0, -1):
                    for dtype in ("int32", "float32", "int64"):
                        kwargs = dict(maxlen=maxlen, dtype=dtype, padding=padding,
                                      truncating=truncating, value=value)
                        out.append({"kwargs": kwargs, **_call(lambda: _array(
                            sequence.pad_sequences(SEQUENCES, **kwargs)))})
    words = [["a", "bb"], ["ccc"], [], ["dddd", "e", "ff"]]
    for dtype in (object, "<U4"):
        for padding in ("pre", "post"):
            kwargs = dict(maxlen=2, dtype=dtype, padding=padding, value="PAD")
            out.append({"kwargs": {**kwargs, "dtype": str(np.dtype(dtype))}, "strings": True,
                        **_call(lambda: _array(sequence.pad_sequences(words, **kwargs)))})
    timesteps = [np.arange(6).reshape(3, 2), np.arange(2).reshape(1, 2) + 10, np.zeros((0, 2))]
    for padding in ("pre", "post"):
        kwargs = dict(maxlen=2, padding=padding, dtype="float32")
        out.append({"kwargs": kwargs, "timesteps": True,
                    **_call(lambda: _array(sequence.pad_sequences(timesteps, **kwargs)))})
    arrays = [np.array([1, 2, 3]), np.array([4])]
    out.append({"kwargs": {}, "numpy_input": True,
                **_call(lambda: _array(sequence.pad_sequences(arrays)))})
    return out


def pad_errors():
    return {
        "padding": _call(lambda: sequence.pad_sequences([[1]], padding="middle")),
        "truncating": _call(lambda: sequence.pad_sequences([[1, 2]], maxlen=1,
                                                           truncating="middle")),
        "non_iterable": _call(lambda: sequence.pad_sequences([[1], 5])),
        "string_value": _call(lambda: sequence.pad_sequences([["a"]], value="x")),
        "sample_shape": _call(lambda: sequence.pad_sequences(
            [np.zeros((2, 3)), np.zeros((2, 4))])),
        "not_iterable": _call(lambda: sequence.pad_sequences(5)),
    }


def tokenizer_cases():
    out = []
    options = [
        {},
        {"num_words": 5},
        {"oov_token": "<OOV>"},
        {"num_words": 4, "oov_token": "<OOV>"},
        {"lower": False},
        {"char_level": True},
        {"split": ",", "filters": "."},
    ]
    for kwargs in options:
        t = text.Tokenizer(**kwargs)
        t.fit_on_texts(CORPUS)
        seqs = t.texts_to_sequences(NEW_TEXTS + CORPUS)
        case = {
            "kwargs": kwargs,
            "word_counts": list(t.word_counts.items()),
            "word_docs": sorted(t.word_docs.items()),
            "word_index": sorted(t.word_index.items()),
            "index_docs": sorted(t.index_docs.items()),
            "document_count": t.document_count,
            "sequences": seqs,
            "texts": t.sequences_to_texts(seqs),
            "config": t.get_config(),
        }
        for mode in ("binary", "count", "tfidf", "freq"):
            case["matrix_" + mode] = t.texts_to_matrix(NEW_TEXTS + CORPUS, mode=mode).tolist()
        out.append(case)
    # token lists and fit_on_sequences
    t = text.Tokenizer(num_words=6)
    t.fit_on_texts([["Hello", "world"], ["hello", "again", "hello"]])
    t.fit_on_sequences([[1, 2], [2, 2, 3], []])
    out.append({"kwargs": {"num_words": 6}, "token_lists": True,
                "word_index": sorted(t.word_index.items()),
                "index_docs": sorted(t.index_docs.items()),
                "document_count": t.document_count,
                "matrix_tfidf": t.sequences_to_matrix([[1, 2, 2], [5, 7], []],
                                                      mode="tfidf").tolist()})
    return out


def tokenizer_errors():
    return {
        "matrix_unfitted": _call(lambda: text.Tokenizer().sequences_to_matrix([[1]])),
        "tfidf_unfitted": _call(lambda: text.Tokenizer(num_words=3).sequences_to_matrix(
            [[1]], mode="tfidf")),
        "nb_words_and_more": _call(lambda: text.Tokenizer(foo=1)),
    }


def hashing_cases():
    texts = ["The quick brown fox", "the THE the", "café, crème!", ""]
    return {
        "md5": [text.hashing_trick(s, 17, hash_function="md5") for s in texts],
        "custom": [text.hashing_trick(s, 7, hash_function=len) for s in texts],
        "one_hot": [text.one_hot(s, 23) for s in texts],
        "word_sequences": [text.text_to_word_sequence(s) for s in texts]
        + [text.text_to_word_sequence("a-b_c d", filters="-", lower=False, split="_")],
    }


def skipgram_cases():
    out = []
    seq = [0, 3, 1, 4, 1, 5, 9, 2, 6, 0, 5, 3]
    table = sequence.make_sampling_table(10, sampling_factor=0.05)
    for kwargs in ({}, {"window_size": 2, "negative_samples": 0.5},
                   {"categorical": True, "shuffle": False},
                   {"sampling_table": "table", "seed": 3}, {"negative_samples": 0}):
        call = dict(kwargs)
        if call.get("sampling_table") == "table":
            call["sampling_table"] = table
        random.seed(1234)
        couples, labels = sequence.skipgrams(seq, 10, **call)
        out.append({"kwargs": kwargs, "couples": couples, "labels": labels})
    return out


def timeseries_cases():
    data = np.arange(40).reshape(20, 2)
    targets = np.arange(20) * 10
    out = []
    options = [
        {"length": 3},
        {"length": 4, "sampling_rate": 2, "stride": 3, "batch_size": 2},
        {"length": 2, "start_index": 5, "end_index": 15, "batch_size": 4},
        {"length": 3, "reverse": True, "batch_size": 5},
        {"length": 3, "shuffle": True, "batch_size": 3},
    ]
    for kwargs in options:
        np.random.seed(7)
        gen = sequence.TimeseriesGenerator(data, targets, **kwargs)
        batches = [gen[i] for i in range(len(gen))]
        out.append({"kwargs": kwargs, "len": len(gen),
                    "x": [b[0].tolist() for b in batches],
                    "y": [b[1].tolist() for b in batches]})
    return out


def main():
    assert os.environ.get("PYTHONHASHSEED") == "0", "run with PYTHONHASHSEED=0"
    out = {
        "python": sys.version.split()[0],
        "pad_sequences": pad_cases(),
        "pad_errors": pad_errors(),
        "tokenizer": tokenizer_cases(),
        "tokenizer_errors": tokenizer_errors(),
        "hashing": hashing_cases(),
        "sampling_table": sequence.make_sampling_table(12).tolist(),
        "sampling_table_factor": sequence.make_sampling_table(5, 0.01).tolist(),
        "skipgrams": skipgram_cases(),
        "timeseries": timeseries_cases(),
        "timeseries_errors": {
            "lengths": _call(lambda: sequence.TimeseriesGenerator(np.zeros(3), np.zeros(4), 1)),
            "start": _call(lambda: sequence.TimeseriesGenerator(np.zeros(3), np.zeros(3), 5)),
        },
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "text_sequence.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=0, sort_keys=True, ensure_ascii=False)
    print("wrote", path)


if __name__ == "__main__":
    main()
