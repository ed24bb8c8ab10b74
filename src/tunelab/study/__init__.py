"""Studies: run a search, keep every trial in SQLite, resume after a crash.

``minimize`` runs a search in one call; ``Study`` holds its trials, and ``Study.load``
resumes a stored one. ``Trial`` is one evaluation and ``TrialState`` its life cycle; an
objective raises ``TrialPruned`` to stop its trial early.
"""

from tunelab._lazy import attach

__getattr__, __dir__, __all__ = attach(
    __name__,
    names={
        "importances": "importance",
        "minimize": "_minimize",
        "Study": "study",
        "Trial": "trial",
        "TrialState": "trial",
        "TrialPruned": "trial",
    },
)
