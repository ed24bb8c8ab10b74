import numpy as np
import pytest

import tunelab as tl


def _study():
    space = tl.Space({"x": tl.Real(-3.0, 3.0), "lr": tl.Real(1e-4, 1.0, log=True)})
    study = tl.Study(space, "random", seed=0)

    def objective(trial):
        v = trial.params["x"] ** 2 + np.log10(trial.params["lr"]) ** 2
        for step in range(3):
            trial.report(step, v + 3 - step)
        return v

    study.optimize(objective, n_trials=12)
    return study


def test_history_best_so_far_is_running_minimum():
    study = _study()
    fig = tl.plot.history(study)
    ax = fig.axes[0]
    values = np.array([t.value for t in study.trials])
    dots, best = ax.lines[0], ax.lines[1]
    assert len(dots.get_xdata()) == 12
    best_y = np.minimum.accumulate(values)
    np.testing.assert_allclose(best.get_ydata(), np.append(best_y, best_y[-1]))
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["complete trial", "best so far"]


def test_intermediate_values_one_line_per_trial():
    study = _study()
    ax = tl.plot.intermediate_values(study).axes[0]
    assert len(ax.lines) == 12 + 2
    first = [study.trials[0].value + 3 - s for s in range(3)]
    np.testing.assert_allclose(ax.lines[0].get_ydata(), first)


def test_empty_study_rejected():
    study = tl.Study(tl.Space({"x": tl.Real(0.0, 1.0)}), "random", seed=0)
    with pytest.raises(ValueError, match="study"):
        tl.plot.history(study)


def test_slice_contour_importance_axes():
    study = _study()
    fig = tl.plot.slice(study)
    assert [ax.get_xlabel() for ax in fig.axes] == ["x", "lr"]
    assert fig.axes[1].get_xscale() == "log"
    assert len(fig.axes[0].collections[0].get_offsets()) == 12
    ax = tl.plot.contour(study, "x", "lr").axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_yscale()) == ("x", "lr", "log")
    assert len(ax.lines[0].get_xdata()) == 12
    ax = tl.plot.importance(study).axes[0]
    assert sorted(t.get_text() for t in ax.get_yticklabels()) == ["lr", "x"]
    with pytest.raises(ValueError, match="y must be one of"):
        tl.plot.contour(study, "x", "nope")


def test_edf_and_parallel_coordinates():
    study = _study()
    ax = tl.plot.edf({"a": study, "b": study}).axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]
    np.testing.assert_allclose(ax.lines[0].get_xdata(), np.sort([t.value for t in study.trials]))
    np.testing.assert_allclose(ax.lines[0].get_ydata(), np.arange(1, 13) / 12)
    ax = tl.plot.parallel_coordinates(study).axes[0]
    assert len(ax.lines) == 12
    assert [t.get_text() for t in ax.get_xticklabels()] == ["x", "lr", "objective"]
