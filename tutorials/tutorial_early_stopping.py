"""
Early stopping: watching the validation curve decide when to stop
=================================================================

A network trained epoch after epoch keeps lowering its training loss, but past some epoch it
starts to fit the noise of its training rows: the loss on held-out rows bottoms out and climbs
again. Early stopping ([P98]_; [GBC16]_, Sec. 7.8, Algorithm 7.1) holds out a validation set,
scores it after every epoch :math:`e`, and stops after ``patience`` epochs without progress,
keeping the weights of the best epoch

.. math:: e^* = \\min \\operatorname*{arg\\,max}_e s_e, \\qquad
   \\text{stop at the first } e \\text{ with } s_{e'} \\le s^*_{e'} + \\mathrm{tol}
   \\text{ for } e' = e - p + 1, \\dots, e,

where :math:`s_e` is the validation score (accuracy here), :math:`s^*_{e'}` the best score
before epoch :math:`e'` and :math:`p` the patience. The number of epochs thus becomes a
hyperparameter chosen by the data, at the price of the rows held out.

.. [P98] L. Prechelt, "Early stopping - but when?", in *Neural Networks: Tricks of the Trade*,
   LNCS 1524, 55-69, 1998.
.. [GBC16] I. Goodfellow, Y. Bengio and A. Courville, *Deep Learning*, MIT Press, 2016.
"""

# %%
# The data: the 1797 handwritten digits bundled with scikit-learn (8x8 images, 10 classes),
# pixels scaled to [0, 1]. A quarter is set aside as a test set that no decision looks at.
import copy
import os

import numpy as np
from sklearn.datasets import load_digits

import tunelab as tl
from tunelab.metrics import accuracy_score, log_loss
from tunelab.model_selection import train_test_split

QUICK = os.environ.get("TUNELAB_QUICK", "0") == "1"
X, y = load_digits(return_X_y=True)
X = X / 16.0
X_fit, X_test, y_fit, y_test = train_test_split(X, y, test_size=0.25, stratify=y,
                                                random_state=0)
print(f"{len(X_fit)} rows to fit on, {len(X_test)} test rows")

# %%
# An MLP with early stopping: it holds out a stratified quarter of its rows, scores their
# accuracy after every epoch, stops after 10 epochs without progress, and restores the
# weights of the best epoch. No weight penalty (``alpha=0``), so nothing but the stopping
# rule holds the fit back.
settings = {"hidden_layer_sizes": (64,), "alpha": 0.0, "learning_rate": 1e-2,
            "batch_size": 128, "random_state": 0}
clf = tl.models.MLPClassifier(**settings, early_stopping=True, validation_fraction=0.25,
                              patience=10, epochs=200)
clf.fit(X_fit, y_fit)
best_epoch = int(np.argmax(clf.validation_scores_)) + 1
print(f"ran {clf.n_iter_} of {clf.epochs} epochs; best validation accuracy "
      f"{clf.best_validation_score_:.4f} at epoch {best_epoch}")
print(f"test accuracy of the restored weights: {clf.score(X_test, y_test):.4f}")

# %%
# It ran 27 of its 200 epochs: the validation accuracy peaked at 0.967 in epoch 17, and the
# ten epochs after it brought no progress. Several of them (the dips and returns to the same
# height in the picture) matched 0.967 exactly, the same count of the 337 validation digits,
# but a tie is not progress, and the first of the tied epochs is the one kept. The restored
# weights of epoch 17 classify 96.4 % of the test digits.
#
# The learning curve shows it: the training loss (left axis) keeps falling, the validation
# accuracy (right axis) stays at 0.95 or above from epoch 8 on; the dashed line is the epoch
# whose weights were kept, the dotted one where training stopped, ``patience`` epochs later.
fig = tl.plot.learning_curve(clf)
fig.savefig("early_stopping_curve.png", dpi=120)

# %%
# What would training longer have done? The same network, on the same split into training
# and validation rows, trained one epoch at a time with ``partial_fit`` and never stopped.
# After every epoch we record the validation log loss (the quantity the network minimizes
# on its training rows) and keep a copy of the network at the lowest one.
X_train, X_val, y_train, y_val = train_test_split(X_fit, y_fit, test_size=0.25, stratify=y_fit,
                                                  random_state=1)
n_epochs = 60 if QUICK else 150
net = tl.models.MLPClassifier(**settings)
val_loss, val_acc, best = [], [], None
for _ in range(n_epochs):
    net.partial_fit(X_train, y_train, classes=np.arange(10))
    val_loss.append(log_loss(y_val, net.predict_proba(X_val)))
    val_acc.append(accuracy_score(y_val, net.predict(X_val)))
    if val_loss[-1] == min(val_loss):
        best = copy.deepcopy(net)
e_best = int(np.argmin(val_loss)) + 1
print(f"lowest validation log loss {min(val_loss):.4f} at epoch {e_best}; "
      f"after {n_epochs} epochs {val_loss[-1]:.4f}")
print(f"training loss at epoch {e_best}: {net.loss_curve_[e_best - 1]:.4f}; "
      f"after {n_epochs}: {net.loss_curve_[-1]:.5f}")
print(f"validation accuracy at epoch {e_best}: {val_acc[e_best - 1]:.4f}; "
      f"after {n_epochs}: {val_acc[-1]:.4f}")
print(f"test accuracy at epoch {e_best}: {best.score(X_test, y_test):.4f}; "
      f"after {n_epochs}: {net.score(X_test, y_test):.4f}")
print(f"test log loss at epoch {e_best}: {log_loss(y_test, best.predict_proba(X_test)):.4f}; "
      f"after {n_epochs}: {log_loss(y_test, net.predict_proba(X_test)):.4f}")

# %%
# The validation log loss is lowest at epoch 20 (0.121) and then climbs, to 0.152 after 60
# epochs (0.179 after 150, in the full run), while the training loss falls from 0.038 to
# 0.0046 (0.00066). The test set agrees: its log loss rises from 0.159 to 0.170 (0.194).
# Accuracy hardly moves (96.4 % of the test digits at epoch 20, 96.2 % after 60 epochs, 96.4 %
# after 150): the extra epochs make the network more confident on the rows it gets wrong more
# than they change which rows those are, and a score on hard labels barely sees that.
#
# Both losses on one logarithmic axis: the curves part after the best epoch, the training loss
# heading for zero as the network memorizes its 1010 training rows, the validation loss
# drifting up.
fig_longer = tl.plot.learning_curve(net.loss_curve_, val_loss, greater_is_better=False,
                                    validation_label="validation log loss")
fig_longer.axes[0].set_yscale("log")  # the losses span three decades
fig_longer.savefig("early_stopping_longer.png", dpi=120)
