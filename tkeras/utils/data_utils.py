"""`keras.utils.Sequence`, Keras 2's enqueuer names and `get_file`
(`keras.utils.data_utils`)."""
import threading

from tkeras.utils._archive import extract_archive
from tkeras.utils._download import get_file, hash_file, validate_file  # noqa: F401

# Keras 2's names for these helpers, which scripts import from here.
_hash_file = hash_file
_extract_archive = extract_archive


class Sequence:
    """Base object for fitting to a sequence of data, such as a dataset.

    Every `Sequence` must implement `__getitem__` (the batch at an index) and `__len__`
    (the number of batches in an epoch). `on_epoch_end` is called after every epoch of
    `fit`; override it to reshuffle or regenerate data. Unlike a generator, a `Sequence`
    is safe to load in parallel (`fit(..., workers=4, use_multiprocessing=True)`): each
    batch is fetched by index, so no batch is seen twice per epoch.

    Example:

    >>> import numpy as np
    >>> class Batches(Sequence):
    ...     def __init__(self, x, y, batch_size):
    ...         self.x, self.y, self.batch_size = x, y, batch_size
    ...     def __len__(self):
    ...         return -(-len(self.x) // self.batch_size)
    ...     def __getitem__(self, idx):
    ...         s = slice(idx * self.batch_size, (idx + 1) * self.batch_size)
    ...         return self.x[s], self.y[s]
    >>> len(Batches(np.zeros((10, 2)), np.zeros(10), 4))
    3
    """

    def __getitem__(self, index):
        raise NotImplementedError

    def __len__(self):
        raise NotImplementedError

    def on_epoch_end(self):
        """Called at the end of every epoch."""

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]


class SequenceEnqueuer:
    """Keras 2's enqueuer interface: `start()`, `get()` (an endless iterator of batches),
    `stop()`. `fit` does not need one (it loads a `Sequence` with `torch.utils.data`
    workers); this exists for scripts that drive an enqueuer themselves."""

    def __init__(self, sequence, use_multiprocessing=False):
        self.sequence = sequence
        self.use_multiprocessing = use_multiprocessing
        self._running = False
        self._lock = threading.Lock()

    def is_running(self):
        return self._running

    def start(self, workers=1, max_queue_size=10):
        self.workers = workers
        self.max_queue_size = max_queue_size
        self._running = True

    def stop(self, timeout=None):
        self._running = False

    def get(self):
        raise NotImplementedError


class OrderedEnqueuer(SequenceEnqueuer):
    """Yields the batches of a `Sequence` in order, epoch after epoch (calling
    `on_epoch_end` between epochs), while running. `shuffle=True` permutes each epoch."""

    def __init__(self, sequence, use_multiprocessing=False, shuffle=False):
        super().__init__(sequence, use_multiprocessing)
        self.shuffle = shuffle

    def get(self):
        import random

        while self._running:
            order = list(range(len(self.sequence)))
            if self.shuffle:
                random.shuffle(order)
            for i in order:
                if not self._running:
                    return
                yield self.sequence[i]
            self.sequence.on_epoch_end()


class GeneratorEnqueuer(SequenceEnqueuer):
    """Yields the items of a Python generator while running (in the calling thread)."""

    def __init__(self, generator, use_multiprocessing=False, random_seed=None):
        super().__init__(generator, use_multiprocessing)
        self.random_seed = random_seed

    def get(self):
        for item in self.sequence:
            if not self._running:
                return
            yield item


# Keras 2's worker-pool helpers: the sequences/generators a pool of workers shares, by
# uid (an enqueuer registers its own, so training and validation do not overwrite each
# other). tkeras's `fit` loads with `torch.utils.data` workers instead; these keep
# scripts that drive Keras 2's pools themselves working.
_SHARED_SEQUENCES = {}


def init_pool(seqs):
    """Sets the `{uid: Sequence}` dict the pool's workers read from (a pool initializer)."""
    global _SHARED_SEQUENCES
    _SHARED_SEQUENCES = seqs


def get_index(uid, i):
    """Item `i` of the shared Sequence `uid`.

    Example:

    >>> init_pool({0: [10, 20, 30]})
    >>> get_index(0, 2)
    30
    """
    return _SHARED_SEQUENCES[uid][i]


def init_pool_generator(gens, random_seed=None):
    """Sets the `{uid: generator}` dict the pool's workers read from; with `random_seed`,
    seeds NumPy per worker process (`random_seed + process id`), as Keras 2 does."""
    global _SHARED_SEQUENCES
    _SHARED_SEQUENCES = gens
    if random_seed is not None:
        import multiprocessing

        import numpy as np

        np.random.seed(random_seed + multiprocessing.current_process().ident)


def next_sample(uid):
    """The next item of the shared generator `uid`.

    Example:

    >>> init_pool_generator({1: iter("ab")})
    >>> next_sample(1), next_sample(1)
    ('a', 'b')
    """
    return next(_SHARED_SEQUENCES[uid])
