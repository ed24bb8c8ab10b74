"""Splitting data for honest evaluation: hold-out splits, K-fold splits, cross-validated scores.

Notation: :math:`n` samples, :math:`k` folds, :math:`n_c` samples of class :math:`c`. A split is
a pair ``(train_idx, test_idx)`` of sorted integer index arrays into the samples.

Splitters are plain objects with ``split(X, y=None)`` and ``get_n_splits()``, as in
scikit-learn, so either library's splitters can be passed as ``cv``. Every random choice is
drawn from ``random_state`` through ``numpy.random.default_rng``: an int gives the same splits
on every call, a ``Generator`` advances.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

from tunelab._clone import clone
from tunelab._validation import check_array, check_random_state, check_scalar
from tunelab.metrics import get_scorer

__all__ = ["KFold", "StratifiedKFold", "clone", "cross_val_score", "train_test_split"]

Split = tuple[np.ndarray, np.ndarray]


def _num_samples(a: Any, name: str) -> int:
    shape = getattr(a, "shape", None)
    if shape is not None and len(shape) > 0:
        return int(shape[0])
    try:
        return len(a)
    except TypeError:
        raise TypeError(f"{name} must be array-like; got {type(a).__name__}") from None


def _take(a: Any, index: np.ndarray) -> Any:
    """Rows ``index`` of ``a``: a list stays a list, a DataFrame uses ``iloc``."""
    if hasattr(a, "iloc"):
        return a.iloc[index]
    if hasattr(a, "shape"):
        return a[index]
    if isinstance(a, list):
        return [a[i] for i in index]
    return np.asarray(a)[index]


def _check_same_length(arrays: Iterable[Any], names: Iterable[str]) -> int:
    lengths = {name: _num_samples(a, name) for a, name in zip(arrays, names, strict=True)}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"arrays must have the same number of samples; got {lengths}")
    return next(iter(lengths.values()))


def _size(value: Any, name: str, n: int) -> int | float | None:
    """Validate a split size: ``None``, a count in [1, n - 1], or a fraction in (0, 1)."""
    if value is None:
        return None
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(check_scalar(value, name, kind=int, low=1, high=n - 1))
    return float(check_scalar(value, name, low=0, high=1, low_inclusive=False,
                              high_inclusive=False))


def _split_sizes(n: int, test_size: Any, train_size: Any) -> tuple[int, int]:
    """``(n_train, n_test)``: a test fraction rounds up, a train fraction rounds down."""
    if n < 2:
        raise ValueError(f"arrays must have at least 2 samples to split; got {n}")
    test, train = _size(test_size, "test_size", n), _size(train_size, "train_size", n)
    if test is None and train is None:
        test = 0.25
    if isinstance(test, float) and isinstance(train, float) and test + train > 1:
        raise ValueError(
            f"test_size={test_size!r} and train_size={train_size!r} are fractions that sum to "
            f"{test + train:g}; their sum must be at most 1"
        )
    n_test = int(np.ceil(test * n)) if isinstance(test, float) else test  # None stays None
    n_train = int(np.floor(train * n)) if isinstance(train, float) else train
    n_test = n - n_train if n_test is None else n_test
    n_train = n - n_test if n_train is None else n_train
    if n_train < 1 or n_test < 1 or n_train + n_test > n:
        raise ValueError(
            f"train_size={train_size!r} and test_size={test_size!r} give {n_train} train and "
            f"{n_test} test samples out of {n}; each must be at least 1 and their sum at most {n}"
        )
    return n_train, n_test


def _apportion(
    counts: np.ndarray, n_draw: int, capacity: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Share ``n_draw`` among classes in proportion to ``counts``, none above ``capacity``.

    Largest remainders (Hamilton's method), ties broken at random: each class gets the floor
    or the ceiling of its ideal share :math:`n_c n_{draw} / n` whenever its capacity allows.
    """
    ideal = counts * n_draw / counts.sum()
    take = np.minimum(np.floor(ideal).astype(np.int64), capacity)
    order = np.lexsort((rng.random(len(counts)), take - ideal))  # largest remainder first
    while take.sum() < n_draw:
        for c in order:
            if take.sum() < n_draw and take[c] < capacity[c]:
                take[c] += 1
    return take


def _stratified_indices(
    labels: np.ndarray, n_train: int, n_test: int, rng: np.random.Generator
) -> Split:
    _, y, counts = np.unique(labels, return_inverse=True, return_counts=True)
    test_counts = _apportion(counts, n_test, counts, rng)
    train_counts = _apportion(counts, n_train, counts - test_counts, rng)
    train, test = [], []
    for c, (n_te, n_tr) in enumerate(zip(test_counts, train_counts, strict=True)):
        members = rng.permutation(np.flatnonzero(y == c))
        test.append(members[:n_te])
        train.append(members[n_te:n_te + n_tr])
    return rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(test))


def train_test_split(
    *arrays: Any,
    test_size: float | int | None = 0.25,
    train_size: float | int | None = None,
    shuffle: bool = True,
    stratify: Any = None,
    random_state: Any = None,
) -> list[Any]:
    """Split arrays into random train and test subsets, the same rows for every array.

    Sizes: a float is a fraction of the :math:`n` samples, the test share rounded up
    (:math:`\\lceil t n \\rceil`) and the train share rounded down; an int is a count. With one
    of them ``None``, it is the complement of the other; with both ``None``, the test size is
    0.25. Both given may leave samples out.

    Parameters
    ----------
    *arrays : array-likes of the same length
        NumPy arrays, lists, or anything indexable by rows (DataFrames through ``iloc``).
    test_size, train_size : float in (0, 1), int in [1, n - 1] or None
    shuffle : bool, default=True
        Without shuffling, the train set is the first ``n_train`` rows and the test set the
        next ``n_test``.
    stratify : array-like of shape (n_samples,), default=None
        Class labels: each class :math:`c` gets :math:`\\lfloor n_c n_{test} / n \\rfloor` or
        one more test samples (largest remainders). Needs ``shuffle=True``.
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    splits : list
        ``[a_train, a_test, b_train, b_test, ...]``.

    References
    ----------
    .. [1] Hastie, Tibshirani and Friedman (2009). *The Elements of Statistical Learning*,
       2nd ed., Springer, Sec. 7.2 (training, validation and test sets).
    .. [2] Balinski and Young (2001). *Fair Representation*, 2nd ed., Brookings, Ch. 2
       (Hamilton's method of largest remainders).

    Examples
    --------
    >>> X_train, X_test = train_test_split(list(range(10)), test_size=3, random_state=0)
    >>> len(X_train), len(X_test), sorted(X_train + X_test) == list(range(10))
    (7, 3, True)
    """
    if not arrays:
        raise ValueError("train_test_split needs at least one array")
    n = _check_same_length(arrays, [f"arrays[{i}]" for i in range(len(arrays))])
    n_train, n_test = _split_sizes(n, test_size, train_size)
    if not isinstance(shuffle, bool | np.bool_):
        raise TypeError(f"shuffle must be a bool; got {shuffle!r}")
    rng = check_random_state(random_state)
    if stratify is not None:
        if not shuffle:
            raise ValueError("stratify needs shuffle=True; got shuffle=False")
        labels = check_array(stratify, "stratify", ndim=1, dtype=None)
        _check_same_length([arrays[0], labels], ["arrays[0]", "stratify"])
        train, test = _stratified_indices(labels, n_train, n_test, rng)
    else:
        order = rng.permutation(n) if shuffle else np.arange(n)
        train, test = order[:n_train], order[n_train:n_train + n_test]
    return [part for a in arrays for part in (_take(a, train), _take(a, test))]


class KFold:
    """K-fold cross-validation: each of ``n_splits`` folds is the test set once.

    Fold :math:`i` holds :math:`\\lfloor n/k \\rfloor + [i < n \\bmod k]` samples: consecutive
    samples, or consecutive in a random permutation when ``shuffle=True``. The test folds
    partition the samples; each train set is the complement of its test fold. Sizes and
    unshuffled folds are scikit-learn's; the shuffle draws from ``numpy.random.default_rng``.

    Parameters
    ----------
    n_splits : int, default=5
        Number of folds, at least 2.
    shuffle : bool, default=False
        Permute the samples before cutting them into folds.
    random_state : None, int or numpy.random.Generator, default=None
        Seeds the permutation; must be ``None`` when ``shuffle=False``.

    References
    ----------
    .. [1] Hastie, Tibshirani and Friedman (2009). *The Elements of Statistical Learning*,
       2nd ed., Springer, Sec. 7.10.1 (K-fold cross-validation).

    Examples
    --------
    >>> [test.tolist() for _, test in KFold(3).split(range(7))]
    [[0, 1, 2], [3, 4], [5, 6]]
    """

    def __init__(self, n_splits: int = 5, *, shuffle: bool = False, random_state: Any = None):
        check_scalar(n_splits, "n_splits", kind=int, low=2)
        if not isinstance(shuffle, bool | np.bool_):
            raise TypeError(f"shuffle must be a bool; got {shuffle!r}")
        if not shuffle and random_state is not None:
            raise ValueError(
                f"random_state must be None when shuffle=False (it would have no effect); got "
                f"{random_state!r}"
            )
        check_random_state(random_state)
        self.n_splits = int(n_splits)
        self.shuffle = bool(shuffle)
        self.random_state = random_state

    def get_n_splits(self, X: Any = None, y: Any = None, groups: Any = None) -> int:
        """Return the number of splits, ``n_splits``."""
        return self.n_splits

    def split(self, X: Any, y: Any = None, groups: Any = None) -> Iterator[Split]:
        """Yield ``(train_idx, test_idx)`` for each fold, both sorted."""
        n = _num_samples(X, "X")
        if self.n_splits > n:
            raise ValueError(f"n_splits={self.n_splits} must not exceed the {n} samples of X")
        folds = self._fold_of_sample(n, y)
        for i in range(self.n_splits):
            yield np.flatnonzero(folds != i), np.flatnonzero(folds == i)

    def _fold_of_sample(self, n: int, y: Any) -> np.ndarray:
        k = self.n_splits
        sizes = n // k + (np.arange(k) < n % k)
        order = check_random_state(self.random_state).permutation(n) if self.shuffle else None
        folds = np.repeat(np.arange(k), sizes)
        if order is not None:
            folds[order] = folds.copy()
        return folds

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(n_splits={self.n_splits}, shuffle={self.shuffle}, "
            f"random_state={self.random_state!r})"
        )


class StratifiedKFold(KFold):
    """K-fold cross-validation whose folds keep the class proportions of ``y``.

    The samples, sorted by class (classes in the order they first appear in ``y``, as
    scikit-learn orders them), are dealt to the folds in turn like cards: position
    :math:`j` of the sorted order goes to fold :math:`j \\bmod k`. Fold sizes therefore differ
    by at most one, and each fold holds :math:`\\lfloor n_c / k \\rfloor` or one more samples of
    class :math:`c`. Within a class, samples keep their order (fold 0 first) unless
    ``shuffle=True``, which permutes the class's fold labels.

    Unshuffled folds are scikit-learn's; shuffled ones hold as many samples of each class as
    scikit-learn's, other members in general (drawn by ``default_rng``, not ``RandomState``).

    Parameters
    ----------
    n_splits : int, default=5
        Number of folds, at least 2 and at most the size of the largest class; a class
        smaller than ``n_splits`` is missing from some folds, with a ``UserWarning``.
    shuffle : bool, default=False
    random_state : None, int or numpy.random.Generator, default=None
        Must be ``None`` when ``shuffle=False``.

    References
    ----------
    .. [1] Kohavi (1995). A study of cross-validation and bootstrap for accuracy estimation and
       model selection. *IJCAI*, Sec. 3 (stratified cross-validation).
    """

    def split(self, X: Any, y: Any = None, groups: Any = None) -> Iterator[Split]:
        """Yield ``(train_idx, test_idx)`` for each fold, both sorted; ``y`` is required."""
        if y is None:
            raise ValueError("StratifiedKFold.split needs the class labels y; got y=None")
        return super().split(X, y, groups)

    def _fold_of_sample(self, n: int, y: Any) -> np.ndarray:
        k = self.n_splits
        labels = check_array(y, "y", ndim=1, dtype=None)
        if len(labels) != n:
            raise ValueError(f"X and y must have the same number of samples; got {n} and {len(y)}")
        cls = _classes_by_first_appearance(labels)
        counts = np.bincount(cls)
        if k > counts.max():
            raise ValueError(f"n_splits={k} must not exceed the largest class's {counts.max()}")
        if k > counts.min():
            warnings.warn(f"The smallest class in y has {counts.min()} members, fewer than "
                          f"n_splits={k}", UserWarning, stacklevel=3)
        rng = check_random_state(self.random_state) if self.shuffle else None
        dealt = np.arange(n) % k  # fold of each position in the class-sorted order
        starts = np.concatenate([[0], np.cumsum(counts)])
        folds = np.empty(n, dtype=np.int64)
        for c in range(len(counts)):
            mine = np.sort(dealt[starts[c]:starts[c + 1]])
            folds[cls == c] = rng.permutation(mine) if rng is not None else mine
        return folds


def _classes_by_first_appearance(labels: np.ndarray) -> np.ndarray:
    """Class index of each label, classes numbered in their order of first appearance."""
    _, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    rank_of_sorted_class = np.argsort(np.argsort(first))
    return rank_of_sorted_class[inverse.ravel()]


def _is_classifier(estimator: Any) -> bool:
    kind = getattr(estimator, "_estimator_type", None)
    if kind is None and hasattr(estimator, "__sklearn_tags__"):
        try:
            kind = estimator.__sklearn_tags__().estimator_type
        except Exception:  # tags from a scikit-learn that is absent or differs
            kind = None
    return kind == "classifier"


def _check_cv(cv: Any, y: Any, classifier: bool) -> Any:
    """An int becomes (Stratified)KFold; a splitter or an iterable of splits passes."""
    if isinstance(cv, numbers.Integral) and not isinstance(cv, bool):
        check_scalar(cv, "cv", kind=int, low=2)
        return StratifiedKFold(int(cv)) if classifier and y is not None else KFold(int(cv))
    if not isinstance(cv, str) and (hasattr(cv, "split") or isinstance(cv, Iterable)):
        return cv
    raise TypeError(
        f"cv must be an int >= 2, a splitter with split(X, y) or an iterable of "
        f"(train, test) index pairs; got {cv!r}"
    )


def _default_score(estimator: Any, X: Any, y: Any) -> float:
    return estimator.score(X) if y is None else estimator.score(X, y)


def cross_val_score(
    estimator: Any,
    X: Any,
    y: Any = None,
    *,
    cv: int | Any = 5,
    scoring: str | Callable | None = None,
) -> np.ndarray:
    """Score a fresh clone of ``estimator`` on each cross-validation split.

    For each split :math:`(T_i, V_i)`: clone the estimator, fit it on :math:`T_i` and score
    it on :math:`V_i`. An int ``cv`` gives ``StratifiedKFold(cv)`` for classifiers (when ``y``
    is given) and ``KFold(cv)`` otherwise, without shuffling, as scikit-learn does.

    Parameters
    ----------
    estimator : estimator
        Anything with ``get_params``, ``fit`` and, for ``scoring=None``, ``score``.
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,), default=None
    cv : int, splitter or iterable of (train, test) pairs, default=5
    scoring : None, str or callable, default=None
        ``None``: ``estimator.score``; a name for ``tunelab.metrics.get_scorer``; or a
        callable ``scoring(estimator, X, y) -> float``. Greater is better.

    Returns
    -------
    scores : ndarray of shape (n_splits,)

    References
    ----------
    .. [1] Stone (1974). Cross-validatory choice and assessment of statistical predictions.
       *J. Royal Statistical Society B* 36(2), 111-147.
    .. [2] Hastie, Tibshirani and Friedman (2009). *The Elements of Statistical Learning*,
       2nd ed., Springer, Eq. (7.48).
    """
    scorer = _default_score if scoring is None else get_scorer(scoring)
    if y is not None:
        _check_same_length([X, y], ["X", "y"])
    splitter = _check_cv(cv, y, _is_classifier(estimator))
    splits = splitter.split(X, y) if hasattr(splitter, "split") else splitter
    scores = []
    for train, test in splits:
        model = clone(estimator)
        if y is None:
            model.fit(_take(X, train))
        else:
            model.fit(_take(X, train), _take(y, train))
        scores.append(float(scorer(model, _take(X, test), None if y is None else _take(y, test))))
    return np.asarray(scores)
