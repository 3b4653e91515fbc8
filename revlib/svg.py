"""The old name of :mod:`revlib.series.svg`: ``from revlib import svg`` and ``import revlib.svg`` keep working."""

from .series import svg as _moved
from .series.svg import *  # noqa: F401,F403


def __getattr__(name):
    return getattr(_moved, name)
