"""Figures, drawn with matplotlib's object API (no pyplot state).

Every function takes arrays (or mappings of a label to arrays) and returns a
:class:`matplotlib.figure.Figure`; ``fig.savefig("name.png")`` writes it with the Agg
renderer, so no display is needed. The statistics are those of :mod:`tunelab.bench.stats` (which
re-exports them from ``tunelab._stats_curves`` and ``tunelab._stats_rank``, so that the report
in :mod:`tunelab.bench` can draw these figures without an import cycle).

- :func:`convergence`: median best value (or regret) against evaluations, with a bootstrap
  band of the median, one line per strategy.
- :func:`critical_difference`: average ranks on a line, with bars joining the strategies
  that the Nemenyi test cannot tell apart ([D06]_, Fig. 1).
- :func:`ecdf`: fraction of (run, target) pairs reached against evaluations ([H21]_).
- :func:`strategy_time`: seconds a strategy spends per ``ask`` + ``tell`` against the number
  of observations it holds.
- :func:`optimizer_paths`: iterates on a loss's contours; :func:`learning_curve`: training
  and validation curves per epoch with the early-stopping point; :func:`cv_splits`: the
  train and test samples of each cross-validation fold, with the class labels.
- :func:`explain`: a picture of any strategy's ``explain()`` snapshot; :func:`animate`: a GIF
  of successive snapshots.

References
----------
.. [D06] J. Demšar, "Statistical comparisons of classifiers over multiple data sets", Journal
   of Machine Learning Research 7, 1-30, 2006.
.. [H21] N. Hansen et al., "COCO: a platform for comparing continuous optimizers in a
   black-box setting", Optimization Methods and Software 36(1), 114-144, 2021.
"""

from tunelab.plot._animate import animate
from tunelab.plot._benchmarks import convergence, critical_difference, ecdf, strategy_time
from tunelab.plot._explain import explain
from tunelab.plot._inner import learning_curve, optimizer_paths
from tunelab.plot._splits import cv_splits
from tunelab.plot._study import contour, history, importance, intermediate_values, slice
from tunelab.plot._study_more import edf, parallel_coordinates

__all__ = [
    "convergence", "critical_difference", "ecdf", "strategy_time",
    "contour", "history", "importance", "intermediate_values", "slice",
    "edf", "parallel_coordinates", "optimizer_paths", "learning_curve", "cv_splits", "explain",
    "animate",
]
