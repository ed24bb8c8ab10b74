"""Exceptions and warnings raised by tunelab."""


class TunelabError(Exception):
    """Base class of tunelab's own exceptions."""


class NotFittedError(TunelabError, ValueError, AttributeError):
    """An estimator was used before ``fit``.

    Subclasses ``ValueError`` and ``AttributeError`` as scikit-learn's does, so code written
    against either library catches it.
    """


class DataConversionWarning(UserWarning):
    """Input data was converted to the form the estimator expects (a column vector raveled)."""


class ConvergenceWarning(UserWarning):
    """An iterative solver stopped at its iteration limit before meeting its tolerance."""


class TrialFailedWarning(UserWarning):
    """A trial's objective raised or returned something that is not a finite real number."""


class AllTrialsFailedError(TunelabError, ValueError):
    """Every trial of a study failed, so it has no result; the message shows the first error.

    A ``ValueError``, as scikit-learn's searches raise when all their fits fail.
    """


class WorkerStartError(TunelabError, RuntimeError):
    """The workers of a process pool died before any trial could come back from them."""


class SearchExhausted(TunelabError):
    """A finite search strategy (a grid) has proposed every point it has."""
