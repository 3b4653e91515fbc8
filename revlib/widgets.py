"""The old name of :mod:`revlib.series.widgets`: ``from revlib import widgets`` and ``import revlib.widgets`` keep working."""

from .series import widgets as _moved
from .series.widgets import *  # noqa: F401,F403


def __getattr__(name):
    return getattr(_moved, name)
