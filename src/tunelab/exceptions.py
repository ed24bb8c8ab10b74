"""Exceptions and warnings raised by tunelab."""


class TunelabError(Exception):
    """Base class of tunelab's own exceptions."""


class NotFittedError(TunelabError, ValueError, AttributeError):
    """An estimator was used before ``fit``.

    Subclasses ``ValueError`` and ``AttributeError`` as scikit-learn's does, so code written
    against either library catches it.
    """


class ConvergenceWarning(UserWarning):
    """An iterative solver stopped at its iteration limit before meeting its tolerance."""


class SearchExhausted(TunelabError):
    """A finite search strategy (a grid) has proposed every point it has."""
