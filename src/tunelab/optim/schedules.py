"""Learning-rate schedules: the step size as a function of the epoch.

A schedule maps the epoch number :math:`e = 0, 1, 2, \\dots` (epoch 0 is the first) to a
learning rate :math:`\\eta_e`, starting from :math:`\\eta_0` = ``learning_rate``:

- ``"constant"``: :math:`\\eta_e = \\eta_0`.
- ``"invscaling"``: :math:`\\eta_e = \\eta_0 / (e + 1)^{p}`, ``power_t`` :math:`p`, default 0.5.
- ``"step"``: :math:`\\eta_e = \\eta_0 \\gamma^{\\lfloor e / k \\rfloor}`, ``gamma`` default 0.5,
  ``step_size`` :math:`k` default 10.
- ``"cosine"``: :math:`\\eta_e = \\eta_{min} + \\tfrac12 (\\eta_0 - \\eta_{min})
  (1 + \\cos(\\pi \\min(e, T) / T))`, over ``n_epochs`` :math:`T` (required), then held at
  ``min_learning_rate`` :math:`\\eta_{min}` (default 0).

References
----------
Robbins, H. and Monro, S. (1951). A stochastic approximation method. *Ann. Math. Statist.*
22(3), 400-407 (decaying steps, the ``invscaling`` family).
Goodfellow, I., Bengio, Y. and Courville, A. (2016). *Deep Learning*, MIT Press, Sec. 8.3.1
(step decay).
Loshchilov, I. and Hutter, F. (2017). SGDR: stochastic gradient descent with warm restarts.
*ICLR*, Eq. (5) (cosine annealing, here a single cycle without restart).
"""

from __future__ import annotations

import math
from typing import Any

from tunelab._validation import check_choice, check_scalar

__all__ = ["SCHEDULES", "Schedule", "make_schedule"]

SCHEDULES = ("constant", "invscaling", "step", "cosine")


def _constant(epoch: int, learning_rate: float) -> float:
    return learning_rate


def _invscaling(epoch: int, learning_rate: float, power_t: float = 0.5) -> float:
    return learning_rate / (epoch + 1) ** power_t


def _step(epoch: int, learning_rate: float, gamma: float = 0.5, step_size: int = 10) -> float:
    return learning_rate * gamma ** (epoch // step_size)


def _cosine(
    epoch: int, learning_rate: float, n_epochs: int, min_learning_rate: float = 0.0
) -> float:
    fraction = min(epoch, n_epochs) / n_epochs  # Loshchilov & Hutter (2017) Eq. (5)
    return min_learning_rate + 0.5 * (learning_rate - min_learning_rate) * (
        1.0 + math.cos(math.pi * fraction)
    )


_FUNCTIONS = {"constant": _constant, "invscaling": _invscaling, "step": _step,
              "cosine": _cosine}


class Schedule:
    """A learning-rate schedule: ``schedule(epoch) -> learning rate``.

    Build one with :func:`make_schedule`, which validates the arguments.
    """

    def __init__(self, name: str, learning_rate: float, **kwargs: Any) -> None:
        self.name = name
        self.learning_rate = learning_rate
        self.kwargs = kwargs

    def __call__(self, epoch: int) -> float:
        """Return the learning rate of epoch number ``epoch`` (0 is the first)."""
        check_scalar(epoch, "epoch", kind=int, low=0)
        return _FUNCTIONS[self.name](int(epoch), self.learning_rate, **self.kwargs)

    def __repr__(self) -> str:
        extra = "".join(f", {k}={v!r}" for k, v in self.kwargs.items())
        return f"Schedule({self.name!r}, learning_rate={self.learning_rate!r}{extra})"


def make_schedule(name: str, learning_rate: float, **kwargs: Any) -> Schedule:
    """Return the learning-rate schedule ``name`` starting at ``learning_rate``.

    Parameters
    ----------
    name : {"constant", "invscaling", "step", "cosine"}
        The schedule (see the module's docstring for the formulas).
    learning_rate : float
        The initial learning rate :math:`\\eta_0 > 0`.
    **kwargs
        ``power_t`` (invscaling, > 0); ``gamma`` (step, in (0, 1]) and ``step_size`` (step,
        positive int); ``n_epochs`` (cosine, positive int, required) and
        ``min_learning_rate`` (cosine, in [0, learning_rate]).

    Returns
    -------
    Schedule
        A callable ``epoch -> learning rate``.

    Examples
    --------
    >>> schedule = make_schedule("step", 0.1, gamma=0.5, step_size=2)
    >>> [schedule(e) for e in range(5)]
    [0.1, 0.1, 0.05, 0.05, 0.025]
    """
    check_choice(name, "name", SCHEDULES)
    check_scalar(learning_rate, "learning_rate", low=0.0, low_inclusive=False)
    allowed = {"constant": set(), "invscaling": {"power_t"}, "step": {"gamma", "step_size"},
               "cosine": {"n_epochs", "min_learning_rate"}}[name]
    unknown = set(kwargs) - allowed
    if unknown:
        raise TypeError(
            f"schedule {name!r} takes the keyword arguments {sorted(allowed)}; "
            f"got unknown {sorted(unknown)}"
        )
    if "power_t" in kwargs:
        check_scalar(kwargs["power_t"], "power_t", low=0.0, low_inclusive=False)
    if "gamma" in kwargs:
        check_scalar(kwargs["gamma"], "gamma", low=0.0, high=1.0, low_inclusive=False)
    if "step_size" in kwargs:
        check_scalar(kwargs["step_size"], "step_size", kind=int, low=1)
    if name == "cosine":
        if "n_epochs" not in kwargs:
            raise TypeError("schedule 'cosine' needs n_epochs, the length of the annealing")
        check_scalar(kwargs["n_epochs"], "n_epochs", kind=int, low=1)
        check_scalar(kwargs.get("min_learning_rate", 0.0), "min_learning_rate", low=0.0,
                     high=learning_rate)
    return Schedule(name, learning_rate, **kwargs)
