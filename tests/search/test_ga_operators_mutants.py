"""Genetic-algorithm genomes: the gene kinds and category counts of a mixed space."""

import numpy as np

from tunelab.search._ga_operators import gene_kinds
from tunelab.space import Categorical, Integer, Real, Space


def test_gene_kinds_of_a_mixed_space():
    space = Space({"r": Real(0.0, 1.0), "i": Integer(1, 5), "c": Categorical(["a", "b", "c"]),
                   "s": Real(1e-3, 1.0, log=True)})
    kinds, n_choices = gene_kinds(space)
    np.testing.assert_array_equal(kinds, [0, 1, 2, 0])
    np.testing.assert_array_equal(n_choices, [0, 0, 3, 0])  # counts for categorical genes only
    assert kinds.dtype == n_choices.dtype == np.int64


def test_default_operators_are_the_strategys_defaults():
    """Deb's settings: tournaments of 3, SBX at 0.9 with eta_c = 20, polynomial mutation with
    eta_m = 20 at rate 1/d (here d = 10)."""
    from tunelab.search import GeneticSearch
    from tunelab.search._ga_operators import Operators

    space = Space({f"x{i}": Real(0.0, 1.0) for i in range(10)})
    assert GeneticSearch(space, seed=0)._operators() == Operators()
    assert Operators().eta_m == Operators().eta_c == 20.0


def test_a_stuck_integer_steps_up_or_down_with_equal_odds():
    from scipy.stats import binomtest

    from tunelab.search._ga_operators import INTEGER, round_integers

    dim = Integer(0, 10)
    space = Space({"k": dim})
    n = 400
    crossed = np.full((n, 1), dim.to_unit([5])[0])
    mutated = crossed + 1e-6  # moved, but rounds back to 5
    out = round_integers(space, crossed, mutated, np.array([INTEGER]), np.random.default_rng(3))
    values = np.asarray(dim.from_unit(out[:, 0]))
    assert set(values.tolist()) == {4, 6}
    assert binomtest(int(np.sum(values == 6)), n).pvalue > 1e-3
