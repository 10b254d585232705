"""Text preprocessing (Keras 2's `keras.preprocessing.text`): `Tokenizer`,
`text_to_word_sequence`, `one_hot` and `hashing_trick`, giving Keras 2's word indices,
counts, matrices and JSON for the same texts.
"""
import functools
import json
import warnings
from collections import OrderedDict, defaultdict
# Counts the items of an iterable into a mapping in C (what `Counter.update` uses).
from collections import _count_elements as _count_into
from hashlib import md5

import numpy as np

__all__ = ["text_to_word_sequence", "one_hot", "hashing_trick", "Tokenizer",
           "tokenizer_from_json"]

DEFAULT_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'
_MODES = ("binary", "count", "tfidf", "freq")


def _check_text(text, where):
    if not isinstance(text, str):
        raise TypeError(
            f"`{where}` expects text as a string. Received: {type(text).__name__} "
            f"{text!r}. Decode bytes first (`text.decode('utf-8')`) or pass a list of "
            "strings.")


def text_to_word_sequence(text, filters=DEFAULT_FILTERS, lower=True, split=" "):
    """Splits a text into words: lower-cased (if `lower`), every character of
    `filters` replaced by `split`, then split on `split`; empty words dropped.

    Args:
        text: String.
        filters: Characters to remove (replace by `split`). Defaults to punctuation,
            tabs and newlines (not `'`).
        lower: Lower-case the text first. Defaults to `True`.
        split: Word separator. Defaults to `" "`.

    Returns:
        A list of words.

    Example:

    >>> text_to_word_sequence("The cat sat. The END!")
    ['the', 'cat', 'sat', 'the', 'end']
    """
    _check_text(text, "text_to_word_sequence")
    if lower:
        text = text.lower()
    text = text.translate(_translation(filters, split))
    return [word for word in text.split(split) if word]


@functools.lru_cache(maxsize=32)
def _translation(filters, split):
    return str.maketrans({c: split for c in filters})


def hashing_trick(text, n, hash_function=None, filters=DEFAULT_FILTERS, lower=True,
                  split=" "):
    """Each word of `text` as `hash_function(word) % (n - 1) + 1`: indices in
    `[1, n - 1]` (0 is reserved); different words may share an index.

    Args:
        text: String.
        n: Int, size of the hashing space.
        hash_function: `None` (Python's `hash`, which changes between runs unless
            `PYTHONHASHSEED` is set), `'md5'` (stable), or a function from a string to
            an int. Defaults to `None`.
        filters, lower, split: as `text_to_word_sequence`.

    Returns:
        A list of ints.

    Example:

    >>> hashing_trick("the cat the", 10, hash_function="md5")
    [6, 3, 6]
    """
    if hash_function is None:
        hash_function = hash
    elif hash_function == "md5":
        def hash_function(word):
            return int(md5(word.encode()).hexdigest(), 16)
    elif not callable(hash_function):
        raise ValueError(
            "`hash_function` must be None, 'md5' or a function from a string to an int. "
            f"Received: hash_function={hash_function!r}")
    words = text_to_word_sequence(text, filters=filters, lower=lower, split=split)
    return [hash_function(word) % (n - 1) + 1 for word in words]


def one_hot(text, n, filters=DEFAULT_FILTERS, lower=True, split=" "):
    """`hashing_trick` with Python's `hash`: word indices in `[1, n - 1]` (not a one-hot
    matrix, despite Keras 2's name).

    Example:

    >>> len(one_hot("a b c", 5))
    3
    """
    return hashing_trick(text, n, hash_function=hash, filters=filters, lower=lower,
                         split=split)


class Tokenizer:
    """Turns texts into sequences of word indices or into word-count matrices.

    Words are indexed by decreasing frequency (ties keep their first-seen order), from
    1; 0 is reserved. With `oov_token`, that token takes index 1 and stands for every
    unknown (or beyond `num_words`) word.

    Args:
        num_words: Int, keep only the `num_words - 1` most frequent words when
            converting (the index itself keeps every word). Defaults to `None` (all).
        filters: Characters removed from texts. Defaults to punctuation, tabs and
            newlines (not `'`).
        lower: Lower-case texts. Defaults to `True`.
        split: Word separator. Defaults to `" "`.
        char_level: Every character is a token. Defaults to `False`.
        oov_token: Token for out-of-vocabulary words. Defaults to `None` (they are
            dropped).
        document_count: Int, documents already counted. Defaults to `0`.

    Attributes (after fitting): `word_counts` (OrderedDict, first-seen order),
    `word_docs`, `word_index`, `index_word`, `index_docs`, `document_count`.

    Example:

    >>> t = Tokenizer(num_words=3)
    >>> t.fit_on_texts(["the cat", "the dog", "a cat"])
    >>> t.word_index
    {'the': 1, 'cat': 2, 'dog': 3, 'a': 4}
    >>> t.texts_to_sequences(["the dog and the cat"])
    [[1, 1, 2]]
    >>> t.texts_to_matrix(["the cat the"], mode="count").tolist()
    [[0.0, 2.0, 1.0]]
    """

    def __init__(self, num_words=None, filters=DEFAULT_FILTERS, lower=True, split=" ",
                 char_level=False, oov_token=None, document_count=0, **kwargs):
        if "nb_words" in kwargs:
            warnings.warn("The `nb_words` argument in `Tokenizer` has been renamed "
                          "`num_words`.", stacklevel=2)
            num_words = kwargs.pop("nb_words")
        if kwargs:
            raise TypeError("Unrecognized keyword arguments: " + str(kwargs))
        if num_words is not None and (isinstance(num_words, bool) or
                                      not isinstance(num_words, (int, np.integer))
                                      or num_words < 0):
            raise ValueError("`num_words` must be a non-negative int or None. Received: "
                             f"num_words={num_words!r}")
        self.word_counts = OrderedDict()
        self.word_docs = defaultdict(int)
        self.filters = filters
        self.split = split
        self.lower = lower
        self.num_words = num_words
        self.document_count = document_count
        self.char_level = char_level
        self.oov_token = oov_token
        self.index_docs = defaultdict(int)
        self.word_index = {}
        self.index_word = {}

    def __repr__(self):
        return (f"Tokenizer(num_words={self.num_words!r}, words={len(self.word_index)}, "
                f"documents={self.document_count})")

    def _tokens(self, text, where):
        """A text's tokens: a string split into words (or characters), or a list of
        tokens taken as they are (lower-cased if `lower`)."""
        if isinstance(text, list):
            for token in text:
                _check_text(token, where)
            return [t.lower() for t in text] if self.lower else text
        _check_text(text, where)
        if self.char_level:
            return text.lower() if self.lower else text
        return text_to_word_sequence(text, self.filters, self.lower, self.split)

    def fit_on_texts(self, texts):
        """Counts the words of `texts` (strings, or lists of tokens) and rebuilds
        `word_index` by decreasing count."""
        if isinstance(texts, str):
            raise TypeError(
                "`fit_on_texts` expects a list of texts; received a single string. "
                "Wrap it in a list: fit_on_texts([text]).")
        counts, docs = self.word_counts, self.word_docs
        for text in texts:
            self.document_count += 1
            tokens = self._tokens(text, "fit_on_texts")
            _count_into(counts, tokens)  # C loop; keeps first-seen order
            for word in set(tokens):
                docs[word] += 1
        ranked = sorted(self.word_counts.items(), key=lambda item: item[1], reverse=True)
        vocabulary = ([] if self.oov_token is None else [self.oov_token]) + \
            [word for word, _ in ranked]
        self.word_index = {word: i for i, word in enumerate(vocabulary, start=1)}
        self.index_word = {i: word for word, i in self.word_index.items()}
        for word, count in list(self.word_docs.items()):
            self.index_docs[self.word_index[word]] = count

    def fit_on_sequences(self, sequences):
        """Counts, per word index, the documents of `sequences` it appears in (needed
        for `sequences_to_matrix(mode='tfidf')` without `fit_on_texts`)."""
        self.document_count += len(sequences)
        for seq in sequences:
            for i in set(seq):
                self.index_docs[i] += 1

    def texts_to_sequences(self, texts):
        """Each text as a list of word indices (see `texts_to_sequences_generator`)."""
        return list(self.texts_to_sequences_generator(texts))

    def texts_to_sequences_generator(self, texts):
        """Yields each text as a list of word indices: known words below `num_words`;
        others become the `oov_token` index, or are dropped without one."""
        if isinstance(texts, str):
            raise TypeError(
                "`texts_to_sequences` expects a list of texts; received a single string. "
                "Wrap it in a list: texts_to_sequences([text]).")
        limit = self.num_words or float("inf")
        oov = self.word_index.get(self.oov_token)
        lookup = self.word_index.get
        for text in texts:
            ids = map(lookup, self._tokens(text, "texts_to_sequences"))
            if oov is None:  # unknown and rare words dropped
                yield [i for i in ids if i is not None and i < limit]
            else:  # ... or replaced by the oov token's index
                yield [i if i is not None and i < limit else oov for i in ids]

    def sequences_to_texts(self, sequences):
        """Each sequence of word indices as a space-joined text."""
        return list(self.sequences_to_texts_generator(sequences))

    def sequences_to_texts_generator(self, sequences):
        """Yields each sequence as a text: indices of known words below `num_words`
        become their words; others the `oov_token`, or are dropped without one."""
        num_words = self.num_words
        oov = self.word_index.get(self.oov_token)
        for seq in sequences:
            words = []
            for i in seq:
                word = self.index_word.get(i)
                if word is not None and not (num_words and i >= num_words):
                    words.append(word)
                elif oov is not None:
                    words.append(self.index_word[oov])
            yield " ".join(words)

    def texts_to_matrix(self, texts, mode="binary"):
        """`sequences_to_matrix(texts_to_sequences(texts), mode)`."""
        return self.sequences_to_matrix(self.texts_to_sequences(texts), mode=mode)

    def sequences_to_matrix(self, sequences, mode="binary"):
        """A `(len(sequences), num_words)` float matrix: per sequence and word index,
        `'binary'` 1 if present, `'count'` its count, `'freq'` its count / sequence
        length, `'tfidf'` `(1 + log(count)) * log(1 + documents / (1 + documents with
        the word))`. Without `num_words` the width is `len(word_index) + 1`."""
        if mode not in _MODES:
            raise ValueError(f"Unknown vectorization mode: {mode!r}. Use one of "
                             f"{list(_MODES)}.")
        if self.num_words:
            width = self.num_words
        elif self.word_index:
            width = len(self.word_index) + 1
        else:
            raise ValueError("Specify a dimension (`num_words` argument), or fit on some "
                             "text data first.")
        if mode == "tfidf" and not self.document_count:
            raise ValueError("Fit the Tokenizer on some data before using tfidf mode.")
        out = np.zeros((len(sequences), width))
        for row, seq in enumerate(sequences):
            if not len(seq):
                continue
            counts = defaultdict(int)
            for j in seq:
                if j < width:
                    counts[j] += 1
            for j, c in counts.items():
                if mode == "count":
                    out[row, j] = c
                elif mode == "freq":
                    out[row, j] = c / len(seq)
                elif mode == "binary":
                    out[row, j] = 1
                else:
                    idf = np.log(1 + self.document_count / (1 + self.index_docs.get(j, 0)))
                    out[row, j] = (1 + np.log(c)) * idf
        return out

    def get_config(self):
        """The settings and, as JSON strings, the fitted tables (Keras 2's layout)."""
        return {
            "num_words": self.num_words,
            "filters": self.filters,
            "lower": self.lower,
            "split": self.split,
            "char_level": self.char_level,
            "oov_token": self.oov_token,
            "document_count": self.document_count,
            "word_counts": json.dumps(self.word_counts),
            "word_docs": json.dumps(self.word_docs),
            "index_docs": json.dumps(self.index_docs),
            "index_word": json.dumps(self.index_word),
            "word_index": json.dumps(self.word_index),
        }

    def to_json(self, **kwargs):
        """`{'class_name': 'Tokenizer', 'config': get_config()}` as JSON; reload with
        `tokenizer_from_json`."""
        return json.dumps({"class_name": type(self).__name__, "config": self.get_config()},
                          **kwargs)


def tokenizer_from_json(json_string):
    """The `Tokenizer` a `to_json()` string describes (Keras 2 files too).

    Example:

    >>> t = Tokenizer(oov_token="<unk>")
    >>> t.fit_on_texts(["a b b"])
    >>> tokenizer_from_json(t.to_json()).texts_to_sequences(["b c"])
    [[2, 1]]
    """
    config = dict(json.loads(json_string).get("config"))
    tables = {name: json.loads(config.pop(name)) for name in
              ("word_counts", "word_docs", "index_docs", "index_word", "word_index")}
    tokenizer = Tokenizer(**config)
    tokenizer.word_counts = OrderedDict(tables["word_counts"])
    tokenizer.word_docs = defaultdict(int, tables["word_docs"])
    # JSON turned the integer keys into strings.
    tokenizer.index_docs = defaultdict(int, {int(k): v for k, v in
                                             tables["index_docs"].items()})
    tokenizer.index_word = {int(k): v for k, v in tables["index_word"].items()}
    tokenizer.word_index = tables["word_index"]
    return tokenizer
