"""revlib: one contract turned into bookings, billings, revenue, deferred revenue,
backlog, MRR and ARR, month by month, to the cent.

>>> import revlib
>>> google = revlib.Contract(customer="Google", start="2022-01", term_months=36,
...                          annual_price=1200, services=1000)
>>> revlib.fmt.usd(google.tcv)
'$4,600'
"""

from . import examples, exercises, fmt, scenarios
from .analysis import arpa, backlog_split, calculated_billings, deferred_rollforward
from .bridge import arr_bridge, net_bookings
from .contract import BILLING_MONTHS, FIELDS, Contract, ContractError
from .exercises import check
from .engine import BALANCES, COLUMNS, FLOWS, RUN_RATES, annual, schedule
from .load import load_contracts

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
    "load_contracts",
    "net_bookings",
    "scenarios",
    "schedule",
]
