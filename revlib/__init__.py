"""revlib: one contract turned into bookings, billings, revenue, deferred revenue,
backlog, MRR and ARR, month by month, to the cent.

>>> import revlib
>>> google = revlib.Contract(customer="Google", start="2022-01", term_months=36,
...                          annual_price=1200, services=1000)
>>> revlib.fmt.usd(google.tcv)
'$4,600'
"""

import importlib

from . import fmt
from .analysis import arpa, backlog_split, calculated_billings, deferred_rollforward
from .bridge import arr_bridge, net_bookings
from .contract import BILLING_MONTHS, FIELDS, Contract, ContractError
from .engine import BALANCES, COLUMNS, FLOWS, RUN_RATES, annual, schedule
from .fast_load import load_book
from .load import load_contracts
from .retention import retention

__all__ = [
    "BALANCES",
    "BILLING_MONTHS",
    "COLUMNS",
    "FIELDS",
    "FLOWS",
    "RUN_RATES",
    "Contract",
    "ContractError",
    "annual",
    "arpa",
    "arr_bridge",
    "backlog_split",
    "calculated_billings",
    "check",
    "deferred_rollforward",
    "examples",
    "exercises",
    "fmt",
    "load_book",
    "load_contracts",
    "net_bookings",
    "retention",
    "scenarios",
    "schedule",
]

_SERIES = ("examples", "exercises", "scenarios", "plot", "svg", "widgets")
"""The teaching series' modules, reachable by their old names here (see :mod:`revlib.series`)."""


def __getattr__(name):
    """The series' modules (``revlib.examples``, ``revlib.plot``, ``revlib.widgets``...) and ``revlib.check``,
    imported when first used: ``import revlib`` alone imports nothing of the series (PEP 562)."""
    if name in _SERIES:
        value = importlib.import_module(f".series.{name}", __name__)
    elif name == "check":
        value = importlib.import_module(".series.exercises", __name__).check
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value  # looked up once
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__) | set(_SERIES))
