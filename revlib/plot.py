"""The old name of :mod:`revlib.series.plot`: ``from revlib import plot`` and ``import revlib.plot`` keep working."""

from .series import plot as _moved
from .series.plot import *  # noqa: F401,F403


def __getattr__(name):
    return getattr(_moved, name)
