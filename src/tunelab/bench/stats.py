"""Statistics for comparing optimizers: curves, confidence bands, ranks, tests, profiles.

Pure functions over NumPy arrays; SciPy supplies the distributions. Lower is better
throughout (scores are losses or regrets; strategies minimize).

- Curves of one strategy: :func:`best_so_far`, :func:`regret_curve`, :func:`best_at_time`
  (the wall-clock axis), :func:`median_iqr`, :func:`bootstrap_ci`.
- Many strategies over many problems ([D06]_): :func:`rank_matrix`, :func:`average_ranks`,
  :func:`friedman_test`, :func:`nemenyi_critical_difference`, :func:`cd_groups` (the
  critical-difference diagram).
- Paired runs of several strategies: :func:`pairwise_wilcoxon` with :func:`holm`,
  :func:`win_rate_matrix`.
- Aggregates over targets and problems: :func:`ecdf_of_targets` (COCO's runtime ECDF,
  [H21]_), :func:`performance_profile` ([DM02]_).

NaN means a missing or failed value. :func:`median_iqr` ignores it; curve functions treat it as
a failed evaluation (it improves nothing and reaches no target); :func:`performance_profile`
treats it as a failure; the rank and paired tests reject it and take ``+inf`` for a failed run.

References
----------
.. [D06] J. Demšar, "Statistical comparisons of classifiers over multiple data sets", Journal
   of Machine Learning Research 7, 1-30, 2006.
.. [H79] S. Holm, "A simple sequentially rejective multiple test procedure", Scandinavian
   Journal of Statistics 6, 65-70, 1979.
.. [H21] N. Hansen, A. Auger, R. Ros, O. Mersmann, T. Tušar and D. Brockhoff, "COCO: a
   platform for comparing continuous optimizers in a black-box setting", Optimization Methods
   and Software 36(1), 114-144, 2021.
.. [DM02] E. D. Dolan and J. J. Moré, "Benchmarking optimization software with performance
   profiles", Mathematical Programming 91, 201-213, 2002.
.. [ET93] B. Efron and R. J. Tibshirani, *An Introduction to the Bootstrap*, Chapman & Hall,
   1993.

Examples
--------
>>> from tunelab.bench import stats
>>> scores = [[0.1, 0.3, 0.2], [0.5, 0.9, 0.7], [0.2, 0.4, 0.3], [0.0, 0.2, 0.1]]
>>> stats.average_ranks(scores).tolist()
[1.0, 3.0, 2.0]
>>> round(stats.friedman_test(scores)[0], 6)
8.0
"""

from tunelab._stats_curves import (
    best_at_time,
    best_so_far,
    bootstrap_ci,
    ecdf_of_targets,
    median_iqr,
    performance_profile,
    regret_curve,
)
from tunelab._stats_pairs import holm, pairwise_wilcoxon, win_rate_matrix
from tunelab._stats_rank import (
    average_ranks,
    cd_groups,
    friedman_test,
    nemenyi_critical_difference,
    rank_matrix,
)

__all__ = [
    "average_ranks", "best_at_time", "best_so_far", "bootstrap_ci", "cd_groups",
    "ecdf_of_targets", "friedman_test", "holm", "median_iqr", "nemenyi_critical_difference",
    "pairwise_wilcoxon", "performance_profile", "rank_matrix", "regret_curve",
    "win_rate_matrix",
]
