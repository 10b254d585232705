"""The scikit-learn API for Keras models (Keras 2's `keras.wrappers.scikit_learn`):
`KerasClassifier` and `KerasRegressor`.

`build_fn` builds and compiles a fresh model on every `fit`; `sk_params` holds both its
arguments and the arguments of `fit`/`predict`/`evaluate` (`epochs`, `batch_size`, ...),
each call taking the ones its function accepts. The wrappers work in scikit-learn's
`cross_val_score`, `GridSearchCV`, `Pipeline` and `clone`.

scikit-learn itself is optional (`pip install tkeras[sklearn]`): when it is installed the
wrappers are scikit-learn estimators (`BaseEstimator` with the classifier / regressor
mixin, so scikit-learn recognises what they are); without it they are plain classes with
the same methods, as in Keras 2.
"""
import copy
import types

import numpy as np

from tkeras.engine.sequential import Sequential
from tkeras.utils.generic_utils import has_arg, to_list
from tkeras.utils.np_utils import to_categorical

__all__ = ["BaseWrapper", "KerasClassifier", "KerasRegressor"]

try:  # scikit-learn's estimator machinery (tags, repr), when it is installed
    from sklearn.base import BaseEstimator as _Estimator
    from sklearn.base import ClassifierMixin as _ClassifierMixin
    from sklearn.base import RegressorMixin as _RegressorMixin
except ImportError:  # pragma: no cover - exercised where scikit-learn is absent
    _Estimator = _ClassifierMixin = _RegressorMixin = object

# The functions whose arguments `sk_params` may hold (besides `build_fn`'s).
_CALL_FUNCTIONS = (Sequential.fit, Sequential.predict, Sequential.predict_classes,
                   Sequential.evaluate)


def _is_categorical_crossentropy(loss):
    name = getattr(loss, "__name__", None) or getattr(loss, "name", None) or loss
    return name == "categorical_crossentropy" or \
        type(loss).__name__ == "CategoricalCrossentropy"


class BaseWrapper(_Estimator):
    """Shared machinery of `KerasClassifier` / `KerasRegressor` (not used directly).

    Args:
        build_fn: A function, or an object with `__call__`, that returns a compiled
            model; its arguments are looked up in `sk_params`. `None` in a subclass
            that defines `__call__` (that method builds the model).
        **sk_params: `build_fn`'s arguments and those of `fit` / `predict` /
            `evaluate` (e.g. `epochs=10, batch_size=32`). A name none of these accept
            is a typo and raises a `ValueError`.
    """

    def __init__(self, build_fn=None, **sk_params):
        self.build_fn = build_fn
        self.sk_params = sk_params
        self.check_params(sk_params)

    def _build_target(self):
        """The callable that builds the model, and the function whose arguments it takes."""
        if self.build_fn is None:
            return self.__call__, self.__call__
        if not isinstance(self.build_fn, (types.FunctionType, types.MethodType)):
            return self.build_fn, self.build_fn.__call__
        return self.build_fn, self.build_fn

    def check_params(self, params):
        """Raises a `ValueError` for a name in `params` that neither `build_fn` nor
        `fit`/`predict`/`predict_classes`/`evaluate` accepts."""
        functions = _CALL_FUNCTIONS + (self._build_target()[1],)
        for name in params:
            if name != "nb_epoch" and not any(has_arg(fn, name) for fn in functions):
                raise ValueError(
                    f"{name} is not a legal parameter: it is not an argument of `build_fn` "
                    "nor of `fit`, `predict`, `predict_classes` or `evaluate`.")

    def get_params(self, deep=True, **params):
        """`sk_params` and `build_fn` (the same objects, so `sklearn.clone` works)."""
        res = dict(self.sk_params)
        res["build_fn"] = self.build_fn
        return res

    def set_params(self, **params):
        """Updates `sk_params` (checked as in `__init__`); returns `self`."""
        self.check_params(params)
        if "build_fn" in params:
            self.build_fn = params.pop("build_fn")
        self.sk_params.update(params)
        return self

    def filter_sk_params(self, fn, override=None):
        """The entries of `sk_params` that `fn` accepts, updated with `override`."""
        res = {name: value for name, value in self.sk_params.items() if has_arg(fn, name)}
        res.update(override or {})
        return res

    def fit(self, x, y, **kwargs):
        """Builds a new model with `build_fn` and fits it on `(x, y)`; returns the
        `History`. Integer labels become one-hot when the model's loss is
        `categorical_crossentropy`."""
        build, signature = self._build_target()
        self.model = build(**self.filter_sk_params(signature))
        y = np.asarray(y)
        if _is_categorical_crossentropy(self.model.loss) and y.ndim != 2:
            y = to_categorical(y)
        fit_args = copy.deepcopy(self.filter_sk_params(Sequential.fit))
        fit_args.update(kwargs)
        if "nb_epoch" in self.sk_params and "epochs" not in fit_args:
            fit_args["epochs"] = self.sk_params["nb_epoch"]
        return self.model.fit(x, y, **fit_args)

    def _check_fitted(self):
        if getattr(self, "model", None) is None:
            raise ValueError(
                f"This {type(self).__name__} has no model yet: call `fit(x, y)` first "
                "(each `fit` builds a fresh model with `build_fn`).")


class KerasClassifier(_ClassifierMixin, BaseWrapper):
    """A scikit-learn classifier around a Keras model built by `build_fn`.

    Labels may be any values (`classes_` keeps them, sorted); the model sees their
    positions. A single sigmoid output is binary classification.

    Example:

    >>> def build(units=8):
    ...     model = tkeras.Sequential([tkeras.layers.Dense(units, activation="relu",
    ...                                                    input_shape=(4,)),
    ...                                tkeras.layers.Dense(3, activation="softmax")])
    ...     model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    ...     return model
    >>> clf = KerasClassifier(build, units=4, epochs=1, verbose=0)
    >>> x, y = np.random.rand(12, 4), np.array(["a", "b", "c"] * 4)
    >>> _ = clf.fit(x, y)
    >>> clf.predict(x).shape, clf.predict_proba(x).shape, clf.classes_.tolist()
    ((12,), (12, 3), ['a', 'b', 'c'])
    """

    def fit(self, x, y, sample_weight=None, **kwargs):
        """Fits on `(x, y)`; `y` of shape `(n,)` / `(n, 1)` (any labels) or one-hot
        `(n, classes)`."""
        y = np.array(y)
        if y.ndim == 2 and y.shape[1] > 1:
            self.classes_ = np.arange(y.shape[1])
        elif (y.ndim == 2 and y.shape[1] == 1) or y.ndim == 1:
            self.classes_ = np.unique(y)
            y = np.searchsorted(self.classes_, y)
        else:
            raise ValueError(f"Invalid shape for y: {y.shape}. Expected labels of shape "
                             "(samples,) or (samples, 1), or one-hot (samples, classes).")
        self.n_classes_ = len(self.classes_)
        if sample_weight is not None:
            kwargs["sample_weight"] = sample_weight
        return super().fit(x, y, **kwargs)

    def predict(self, x, **kwargs):
        """The predicted labels (from `classes_`): argmax of a softmax output, or a
        sigmoid output above 0.5 (then of shape `(n, 1)`, as Keras 2)."""
        self._check_fitted()
        kwargs = self.filter_sk_params(Sequential.predict_classes, kwargs)
        proba = self.model.predict(x, **kwargs)
        classes = proba.argmax(axis=-1) if proba.shape[-1] > 1 else \
            (proba > 0.5).astype("int32")
        return self.classes_[classes]

    def predict_proba(self, x, **kwargs):
        """Class probabilities `(n, classes)`; a single sigmoid output gives
        `(n, 2)` (`[1 - p, p]`), as scikit-learn expects."""
        self._check_fitted()
        kwargs = self.filter_sk_params(Sequential.predict_proba, kwargs)
        probs = self.model.predict(x, **kwargs)
        if probs.shape[1] == 1:
            probs = np.hstack([1 - probs, probs])
        return probs

    def score(self, x, y, **kwargs):
        """The model's accuracy on `(x, y)` (it must be compiled with
        `metrics=['accuracy']`)."""
        self._check_fitted()
        y = np.searchsorted(self.classes_, y)
        kwargs = self.filter_sk_params(Sequential.evaluate, kwargs)
        if _is_categorical_crossentropy(self.model.loss) and np.ndim(y) != 2:
            y = to_categorical(y)
        outputs = to_list(self.model.evaluate(x, y, **kwargs))
        for name, output in zip(self.model.metrics_names, outputs):
            if name in ("accuracy", "acc"):
                return output
        raise ValueError("The model is not configured to compute accuracy. You should pass "
                         '`metrics=["accuracy"]` to the `model.compile()` method.')


class KerasRegressor(_RegressorMixin, BaseWrapper):
    """A scikit-learn regressor around a Keras model built by `build_fn`;
    `score` is the negated loss (higher is better, as scikit-learn wants).

    Example:

    >>> def build():
    ...     model = tkeras.Sequential([tkeras.layers.Dense(1, input_shape=(3,))])
    ...     model.compile("sgd", "mse")
    ...     return model
    >>> reg = KerasRegressor(build, epochs=1, verbose=0)
    >>> _ = reg.fit(np.random.rand(8, 3), np.random.rand(8))
    >>> reg.predict(np.random.rand(5, 3)).shape
    (5,)
    """

    def predict(self, x, **kwargs):
        """Predictions; a single output is squeezed to shape `(n,)`."""
        self._check_fitted()
        kwargs = self.filter_sk_params(Sequential.predict, kwargs)
        preds = np.array(self.model.predict(x, **kwargs))
        return np.squeeze(preds, axis=-1) if preds.shape[-1] == 1 else preds

    def score(self, x, y, **kwargs):
        """Minus the model's loss on `(x, y)`."""
        self._check_fitted()
        kwargs = self.filter_sk_params(Sequential.evaluate, kwargs)
        loss = self.model.evaluate(x, y, **kwargs)
        return -loss[0] if isinstance(loss, list) else -loss
