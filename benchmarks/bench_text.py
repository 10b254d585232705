"""tkeras's text and sequence preprocessing against real Keras 2's (keras_preprocessing
1.1.2, what Keras 2.3.1 runs) on the same data, side by side.

Work: `pad_sequences(maxlen=200)` of 25,000 imdb-like sequences (random lengths 10-800,
word ids < 20,000), and `Tokenizer(num_words=10000)`: `fit_on_texts` then
`texts_to_sequences` of 25,000 documents of 50-300 words (a Zipf-like vocabulary of
30,000 words).

    python benchmarks/bench_text.py --keras-python /path/to/venv/bin/python

`--keras-python` is a Python with `keras-preprocessing==1.1.2` and `numpy<2` installed
(the Keras side runs there, in a subprocess, on the same data); without it only tkeras's
times are printed. Prints the best of `--repeats` times and the ratio Keras / tkeras
(> 1: tkeras is faster).
"""
import argparse
import json
import subprocess
import sys
import time

import numpy as np

SEQUENCES, DOCUMENTS = 25000, 25000


def make_data(seed=0):
    rng = np.random.RandomState(seed)
    lengths = rng.randint(10, 800, size=SEQUENCES)
    sequences = [rng.randint(1, 20000, size=n).tolist() for n in lengths]
    vocabulary = np.array([f"w{i}" for i in range(30000)])
    ranks = np.minimum(rng.zipf(1.3, size=DOCUMENTS * 175), 30000) - 1
    words = vocabulary[ranks]
    doc_lengths = rng.randint(50, 300, size=DOCUMENTS)
    texts, at = [], 0
    for n in doc_lengths:
        texts.append(" ".join(words[at:at + n]))
        at += n
    return sequences, texts


def run(pad_sequences, Tokenizer, repeats):
    sequences, texts = make_data()
    times = {"pad_sequences": [], "fit_on_texts": [], "texts_to_sequences": []}
    for _ in range(repeats):
        start = time.perf_counter()
        padded = pad_sequences(sequences, maxlen=200)
        times["pad_sequences"].append(time.perf_counter() - start)
        tokenizer = Tokenizer(num_words=10000)
        start = time.perf_counter()
        tokenizer.fit_on_texts(texts)
        times["fit_on_texts"].append(time.perf_counter() - start)
        start = time.perf_counter()
        encoded = tokenizer.texts_to_sequences(texts)
        times["texts_to_sequences"].append(time.perf_counter() - start)
    checksum = int(padded.sum()) + sum(len(s) for s in encoded)
    return {k: min(v) for k, v in times.items()}, checksum


_KERAS_SIDE = """
import json, sys
sys.path.insert(0, {bench_dir!r})
import bench_text
from keras_preprocessing.sequence import pad_sequences
from keras_preprocessing.text import Tokenizer
print(json.dumps(bench_text.run(pad_sequences, Tokenizer, {repeats})))
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--keras-python", default=None)
    args = parser.parse_args()
    from tkeras.preprocessing.sequence import pad_sequences
    from tkeras.preprocessing.text import Tokenizer

    ours, our_sum = run(pad_sequences, Tokenizer, args.repeats)
    keras = None
    if args.keras_python:
        import os

        code = _KERAS_SIDE.format(bench_dir=os.path.dirname(os.path.abspath(__file__)),
                                  repeats=args.repeats)
        out = subprocess.run([args.keras_python, "-c", code], capture_output=True, text=True,
                             check=True).stdout
        keras, keras_sum = json.loads(out.strip().splitlines()[-1])
        assert keras_sum == our_sum, "the two sides computed different results"
    print(f"{'work':22s} {'tkeras s':>10s} {'Keras 2 s':>10s} {'Keras/tkeras':>13s}")
    for name, t in ours.items():
        k = keras[name] if keras else float("nan")
        print(f"{name:22s} {t:10.3f} {k:10.3f} {k / t:13.2f}")


if __name__ == "__main__":
    sys.exit(main())
