"""Multi-layer perceptrons trained by minibatch first-order methods.

The network maps :math:`x` through hidden layers :math:`a_l = \\phi(a_{l-1} W_l + c_l)` to
output scores :math:`z = a_{L-1} W_L + c_L`. The classifier reads :math:`z` through a softmax
(one output per class, two for a binary problem), the regressor as it is. The objective is

.. math::

    J(\\theta) = \\frac{1}{n} \\sum_{i=1}^{n} \\ell(z_i, y_i)
        + \\frac{\\alpha}{2} \\sum_{l=1}^{L} \\|W_l\\|_F^2,

with the cross-entropy :math:`\\ell = -\\log \\mathrm{softmax}(z)_{y}` for the classifier and
half the squared error averaged over outputs, :math:`\\ell = \\frac{1}{2k}\\|z - y\\|^2`, for
the regressor; biases are not penalized. Passes are in ``_mlp_layers``, epochs in
``_mlp_train``, update rules in :mod:`tunelab.optim.rules`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tunelab._validation import check_array
from tunelab.models import _mlp_layers as layers
from tunelab.models import _mlp_train as train
from tunelab.models._mlp_base import BaseMLP
from tunelab.models.base import ClassifierMixin, RegressorMixin, encode_labels

__all__ = ["MLPClassifier", "MLPRegressor"]


class MLPClassifier(ClassifierMixin, BaseMLP):
    """A multi-layer perceptron classifier: softmax cross-entropy on the last layer.

    Every problem, binary included, gets one output per class and a softmax, so that
    ``predict_proba`` has one column per class in ``classes_`` order.

    Parameters
    ----------
    hidden_layer_sizes : int or sequence of int, default=(100,)
        The widths of the hidden layers, each >= 1; ``()`` gives a network without hidden
        layer (a linear model).
    activation : {"relu", "tanh", "sigmoid"}, default="relu"
        The hidden layers' activation. Weights into ReLU layers start He-normal
        (:math:`\\mathcal{N}(0, 2/n_{in})`), all others Glorot-uniform; biases start at 0.
    optimizer : {"sgd", "momentum", "nesterov", "adam"}, default="adam"
        The update rule (:mod:`tunelab.optim.rules`); Adam uses beta1=0.9, beta2=0.999,
        eps=1e-8.
    learning_rate : float, default=1e-3
        The initial step size, > 0.
    learning_rate_schedule : {"constant", "invscaling", "step", "cosine"}, default="constant"
        The step size per epoch :math:`e` (:func:`tunelab.optim.make_schedule`): constant;
        :math:`\\eta/\\sqrt{e+1}`; halved every 10 epochs; or cosine-annealed from
        :math:`\\eta` to 0 over ``epochs`` epochs, then held at 0.
    batch_size : int or "auto", default=32
        The minibatch size, >= 1; "auto" is ``min(200, n_samples)``. Larger than the data
        set, it is clipped to it.
    epochs : int, default=200
        The most epochs (passes over the training data) that ``fit`` runs, >= 1.
    alpha : float, default=1e-4
        The L2 penalty :math:`\\alpha \\ge 0` on the weights.
    momentum : float, default=0.9
        The momentum of the "momentum" and "nesterov" optimizers, in [0, 1).
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data (stratified for the classifier),
        score it after every epoch (accuracy or R²), stop after ``patience`` epochs without an
        improvement of more than ``tol``, and restore the weights of the best epoch. Without
        it, ``fit`` stops after ``patience`` epochs in which the training loss did not fall by
        more than ``tol``.
    validation_fraction : float, default=0.1
        The held-out fraction, in (0, 1).
    patience : int, default=10
        Epochs without progress before stopping, >= 1.
    tol : float, default=1e-4
        The least improvement that counts as progress, >= 0.
    random_state : None, int or numpy.random.Generator, default=None
        Seeds the initial weights, the validation split and the shuffling of every epoch.

    Attributes
    ----------
    coefs_ : list of ndarray
        ``coefs_[l]`` is the weight matrix of layer ``l + 1``, shape (n_in, n_out).
    intercepts_ : list of ndarray
        ``intercepts_[l]`` is the bias vector of layer ``l + 1``, shape (n_out,).
    n_features_in_ : int
        The number of features seen in ``fit``.
    n_iter_ : int
        The number of epochs run, over all ``fit`` and ``partial_fit`` calls since the last
        ``fit``.
    loss_curve_ : list of float
        The training objective per epoch: the mean of the minibatch objectives (penalty
        included) at the parameters each minibatch saw.
    validation_scores_ : list of float or None
        The validation score after each epoch of ``fit`` with ``early_stopping``, else None.
    best_validation_score_ : float or None
        The best of ``validation_scores_`` (the restored epoch's), else None.
    classes_ : ndarray of shape (n_classes,)
        The sorted class labels.

    Notes
    -----
    Minimizes :math:`J(\\theta) = -\\frac{1}{n}\\sum_i \\log \\mathrm{softmax}(z_i)_{y_i}
    + \\frac{\\alpha}{2}\\sum_l \\|W_l\\|_F^2` by minibatch steps, reshuffling every epoch.
    ``partial_fit`` runs exactly one epoch per call (the unit of budget of multi-fidelity
    searches) on the data it is given, continuing the weights and the update rule's state;
    it never holds data out and never stops early.

    References
    ----------
    Rumelhart, D. E., Hinton, G. E. and Williams, R. J. (1986). Learning representations by
    back-propagating errors. *Nature* 323, 533-536.
    Goodfellow, I., Bengio, Y. and Courville, A. (2016). *Deep Learning*, MIT Press, Ch. 6,
    Sec. 7.8 (early stopping), Ch. 8 (optimizers).
    Glorot, X. and Bengio, Y. (2010). Understanding the difficulty of training deep
    feedforward neural networks. *AISTATS*, Eq. (16).
    He, K., Zhang, X., Ren, S. and Sun, J. (2015). Delving deep into rectifiers. *ICCV*,
    Eq. (10).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 0.0], [0.1, 0.2], [1.0, 1.0], [0.9, 1.1]])
    >>> clf = MLPClassifier(hidden_layer_sizes=(8,), learning_rate=0.05, epochs=50,
    ...                     batch_size=2, random_state=0)
    >>> clf.fit(X, [0, 0, 1, 1]).predict([[0.05, 0.1], [1.0, 0.9]]).tolist()
    [0, 1]
"""

    _head = "softmax"

    def _encode_targets(self, y: np.ndarray, first: bool, classes: Any = None) -> np.ndarray:
        if first:
            if classes is None:
                self.classes_, _ = encode_labels(y)
            else:
                self.classes_, _ = encode_labels(check_array(classes, "classes", ndim=1,
                                                             dtype=None))
        index = np.clip(np.searchsorted(self.classes_, y), 0, len(self.classes_) - 1)
        unknown = self.classes_[index] != y
        if np.any(unknown):
            raise ValueError(f"y has labels {np.unique(y[unknown]).tolist()} that are not in "
                             f"classes {self.classes_.tolist()}")
        return index

    def _n_outputs(self) -> int:
        return len(self.classes_)

    def _score_validation(self, scores: np.ndarray, targets: np.ndarray) -> float:
        return train.accuracy(targets, np.argmax(scores, axis=1))

    def partial_fit(self, X: Any, y: Any, classes: Any = None) -> MLPClassifier:
        """Train one epoch on ``(X, y)``, continuing from the current weights and optimizer.

        The first call (on an unfitted model) draws the weights and builds the update rule;
        later calls keep both, and read ``learning_rate`` and its schedule afresh. ``classes``
        (every label that will ever be seen) is read on the first call only; without it the
        labels of the first ``y`` are the classes.
        """
        return self._partial_fit(X, y, classes)

    def predict_proba(self, X: Any) -> np.ndarray:
        """The class probabilities, shape (n_samples, n_classes), columns as ``classes_``."""
        Z = self._decision(X)
        layers.softmax(Z)
        return Z

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of each row."""
        scores = self._decision(X)
        return self.classes_[np.argmax(scores, axis=1)]


class MLPRegressor(RegressorMixin, BaseMLP):
    """A multi-layer perceptron regressor: linear outputs and half the mean squared error.

    Parameters
    ----------
    hidden_layer_sizes : int or sequence of int, default=(100,)
        The widths of the hidden layers, each >= 1; ``()`` gives a network without hidden
        layer (a linear model).
    activation : {"relu", "tanh", "sigmoid"}, default="relu"
        The hidden layers' activation. Weights into ReLU layers start He-normal
        (:math:`\\mathcal{N}(0, 2/n_{in})`), all others Glorot-uniform; biases start at 0.
    optimizer : {"sgd", "momentum", "nesterov", "adam"}, default="adam"
        The update rule (:mod:`tunelab.optim.rules`); Adam uses beta1=0.9, beta2=0.999,
        eps=1e-8.
    learning_rate : float, default=1e-3
        The initial step size, > 0.
    learning_rate_schedule : {"constant", "invscaling", "step", "cosine"}, default="constant"
        The step size per epoch :math:`e` (:func:`tunelab.optim.make_schedule`): constant;
        :math:`\\eta/\\sqrt{e+1}`; halved every 10 epochs; or cosine-annealed from
        :math:`\\eta` to 0 over ``epochs`` epochs, then held at 0.
    batch_size : int or "auto", default=32
        The minibatch size, >= 1; "auto" is ``min(200, n_samples)``. Larger than the data
        set, it is clipped to it.
    epochs : int, default=200
        The most epochs (passes over the training data) that ``fit`` runs, >= 1.
    alpha : float, default=1e-4
        The L2 penalty :math:`\\alpha \\ge 0` on the weights.
    momentum : float, default=0.9
        The momentum of the "momentum" and "nesterov" optimizers, in [0, 1).
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data (stratified for the classifier),
        score it after every epoch (accuracy or R²), stop after ``patience`` epochs without an
        improvement of more than ``tol``, and restore the weights of the best epoch. Without
        it, ``fit`` stops after ``patience`` epochs in which the training loss did not fall by
        more than ``tol``.
    validation_fraction : float, default=0.1
        The held-out fraction, in (0, 1).
    patience : int, default=10
        Epochs without progress before stopping, >= 1.
    tol : float, default=1e-4
        The least improvement that counts as progress, >= 0.
    random_state : None, int or numpy.random.Generator, default=None
        Seeds the initial weights, the validation split and the shuffling of every epoch.

    Attributes
    ----------
    coefs_ : list of ndarray
        ``coefs_[l]`` is the weight matrix of layer ``l + 1``, shape (n_in, n_out).
    intercepts_ : list of ndarray
        ``intercepts_[l]`` is the bias vector of layer ``l + 1``, shape (n_out,).
    n_features_in_ : int
        The number of features seen in ``fit``.
    n_iter_ : int
        The number of epochs run, over all ``fit`` and ``partial_fit`` calls since the last
        ``fit``.
    loss_curve_ : list of float
        The training objective per epoch: the mean of the minibatch objectives (penalty
        included) at the parameters each minibatch saw.
    validation_scores_ : list of float or None
        The validation score after each epoch of ``fit`` with ``early_stopping``, else None.
    best_validation_score_ : float or None
        The best of ``validation_scores_`` (the restored epoch's), else None.
    n_outputs_ : int
        The number of targets (columns of a 2-D ``y``, 1 for a 1-D ``y``).

    Notes
    -----
    Minimizes :math:`J(\\theta) = \\frac{1}{2nk}\\sum_i \\|z_i - y_i\\|^2
    + \\frac{\\alpha}{2}\\sum_l \\|W_l\\|_F^2` over :math:`k` outputs by minibatch steps,
    reshuffling every epoch. ``partial_fit`` runs exactly one epoch per call, continuing the
    weights and the update rule's state; it never holds data out and never stops early. The
    validation score of ``early_stopping`` is :math:`R^2` averaged over outputs.

    References
    ----------
    Rumelhart, D. E., Hinton, G. E. and Williams, R. J. (1986). Learning representations by
    back-propagating errors. *Nature* 323, 533-536.
    Goodfellow, I., Bengio, Y. and Courville, A. (2016). *Deep Learning*, MIT Press, Ch. 6,
    Sec. 7.8 (early stopping), Ch. 8 (optimizers).
    Glorot, X. and Bengio, Y. (2010). Understanding the difficulty of training deep
    feedforward neural networks. *AISTATS*, Eq. (16).
    He, K., Zhang, X., Ren, S. and Sun, J. (2015). Delving deep into rectifiers. *ICCV*,
    Eq. (10).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.linspace(-1, 1, 40).reshape(-1, 1)
    >>> reg = MLPRegressor(hidden_layer_sizes=(16,), activation="tanh", learning_rate=0.01,
    ...                    epochs=300, patience=300, random_state=0)
    >>> import warnings; warnings.simplefilter("ignore")
    >>> bool(reg.fit(X, 2 * X[:, 0]).loss_curve_[-1] < 1e-2)
    True
"""

    _head = "squared"

    def _encode_targets(self, y: np.ndarray, first: bool, classes: Any = None) -> np.ndarray:
        Y = y.reshape(-1, 1) if y.ndim == 1 else y
        if first:
            self.n_outputs_ = Y.shape[1]
            self._y_ndim = y.ndim
        elif Y.shape[1] != self.n_outputs_:
            raise ValueError(f"y has {Y.shape[1]} outputs, but {type(self).__name__} was "
                             f"fitted with {self.n_outputs_}")
        return np.ascontiguousarray(Y)

    def _n_outputs(self) -> int:
        return self.n_outputs_

    def __sklearn_tags__(self):  # called only by scikit-learn, so it is installed then
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True  # y of shape (n_samples, n_outputs) is fitted
        return tags

    def _score_validation(self, scores: np.ndarray, targets: np.ndarray) -> float:
        return train.r2(targets, scores)

    def partial_fit(self, X: Any, y: Any) -> MLPRegressor:
        """Train one epoch on ``(X, y)``, continuing from the current weights and optimizer.

        The first call (on an unfitted model) draws the weights and builds the update rule;
        later calls keep both, and read ``learning_rate`` and its schedule afresh.
        """
        return self._partial_fit(X, y)

    def predict(self, X: Any) -> np.ndarray:
        """The predicted targets: shape (n_samples,) if fitted on a 1-D ``y``, else
        (n_samples, n_outputs)."""
        Z = self._decision(X)
        return Z.ravel() if self._y_ndim == 1 else Z
