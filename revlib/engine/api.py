"""The schedule API: a book's figures month by month and by fiscal year, in cents inside revlib, in dollars outside.

:func:`cents_schedule` is the schedule revlib itself works on: every money column in
whole cents (int64). :func:`schedule` is the same table in dollars, for the public;
:func:`in_dollars` is the one place cents become dollars, and :func:`in_cents` the one
place a schedule handed in by a caller, in dollars, is read back in cents.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .book import Book
from .months import fiscal_labels, fiscal_years, period, span
from .rules import figures

COLUMNS = (
    "bookings",
    "renewal_bookings",
    "billings",
    "revenue",
    "recurring_revenue",
    "services_revenue",
    "deferred_revenue",
    "unbilled_revenue",
    "backlog",
    "current_backlog",
    "mrr",
    "arr",
    "customers",
)
"""The columns of a schedule, in order. Every one but ``customers`` is in dollars."""

FLOWS = ("bookings", "renewal_bookings", "billings", "revenue", "recurring_revenue", "services_revenue")
"""Columns that are amounts of a period: a year's figure is the sum of its months."""

BALANCES = ("deferred_revenue", "unbilled_revenue", "backlog", "current_backlog")
"""Columns read at a month end: a year's figure is its last month's."""

RUN_RATES = ("mrr", "arr", "customers")
"""Columns that describe the business in a month: a year's figure is its last month's."""

GROUPINGS = ("customer", "segment", "contract")
"""What ``schedule(..., by=...)`` can split a book by."""

COUNTS = ("customers",)
"""Columns that are counts, not money: never converted between cents and dollars."""


def schedule(contracts, start=None, end=None, by=None) -> pd.DataFrame:
    """The month-by-month figures of a book of contracts.

    Parameters
    ----------
    contracts : Contract, list of Contract, DataFrame or CSV path
    start, end : month, optional
        The first and last month to show (``"2022-01"``, a date or a Period).
        By default from the first signed or start month to the end of the
        last non-renewing contract, and at least 36 months.
    by : {None, "customer", "segment", "contract"}
        Split the book: one row per group and month, summing to the book.

    Returns
    -------
    DataFrame indexed by a monthly ``PeriodIndex`` named ``month`` (or by
    ``(by, month)``), with the columns in :data:`COLUMNS`: dollars, each a
    whole number of cents, and ``customers`` as a count.

    Examples
    --------
    >>> from revlib import Contract, schedule
    >>> google = Contract(customer="Google", start="2022-01", term_months=36,
    ...                   annual_price=1200, services=1000)
    >>> s = schedule(google)
    >>> s.loc["2022-01", ["bookings", "billings", "revenue", "deferred_revenue", "mrr", "arr"]].tolist()
    [4600.0, 1100.0, 1100.0, 0.0, 100.0, 1200.0]
    >>> s.loc["2022-02", ["billings", "revenue", "backlog"]].tolist()
    [100.0, 100.0, 3400.0]
    """
    return in_dollars(cents_schedule(contracts, start, end, by))


def cents_schedule(contracts, start=None, end=None, by=None) -> pd.DataFrame:
    """:func:`schedule` in whole cents (int64): the schedule revlib's own modules work on.

    >>> from revlib import Contract
    >>> cents_schedule(Contract(customer="X", start="2022-01", term_months=12, annual_price=1000)).loc[
    ...     "2022-01", ["revenue", "mrr", "arr", "customers"]].tolist()
    [8333, 8333, 100000, 1]
    """
    book = Book.of(contracts)
    first, last = span(book, start, end)
    if last < first:
        raise ValueError(f"end {period(last)} is before start {period(first)}")
    # Twelve months before the first event and after the window, for what lies 12 months ahead.
    origin = int(min(book.signed.min(), first)) - 12
    months = last - origin + 1 + 12

    labels, group = _groups(book, by)
    cents = figures(book, group, len(labels), origin, months)
    shown = slice(first - origin, last - origin + 1)
    index = pd.period_range(period(first), period(last), freq="M", name="month")
    data = {column: cents[column][:, shown].ravel() for column in COLUMNS}
    if by is not None:
        index = pd.MultiIndex.from_product([pd.Index(labels, dtype=str), index], names=[by, "month"])
    return pd.DataFrame(data, index=index, columns=list(COLUMNS))


def in_dollars(cents: pd.DataFrame) -> pd.DataFrame:
    """A table in cents as the public reads it: every column in dollars but the counts (``customers``).

    >>> in_dollars(pd.DataFrame({"revenue": [8333], "customers": [1]})).iloc[0].tolist()
    [83.33, 1.0]
    """
    return cents.assign(**{c: cents[c] / 100 for c in cents.columns if c not in COUNTS})


def in_cents(schedule: pd.DataFrame, columns=None) -> pd.DataFrame:
    """The ``columns`` (by default all) of a schedule in dollars, read back in whole cents.

    For the public functions that are handed a schedule in dollars; revlib's own
    modules pass :func:`cents_schedule` and never come through here.

    >>> in_cents(pd.DataFrame({"revenue": [83.33], "customers": [1]})).iloc[0].tolist()
    [8333, 1]
    """
    frame = schedule if columns is None else schedule[list(columns)]
    return frame.assign(**{c: (frame[c] * 100).round().astype(np.int64) for c in frame.columns if c not in COUNTS})


def starts_empty(schedule: pd.DataFrame) -> bool:
    """True when nothing was booked before the schedule's first month (for each group of a split schedule).

    Then every balance before that month was zero, so the first month's movements are known.
    Nothing was billed before when billings less revenue is the month's net deferred
    revenue; nothing was booked before when bookings less revenue is its backlog, or,
    where a contract is invoiced beyond its booked term, when its backlog is the
    month's billings less revenue. A group that mixes both kinds in its first month
    is not known to start empty. The schedule may be in dollars or in cents.

    >>> from revlib import examples
    >>> starts_empty(schedule(examples.nine_clients())), starts_empty(schedule(examples.nine_clients(), start="2022-06"))
    (True, False)
    """
    first = schedule.groupby(level=0).head(1) if schedule.index.nlevels > 1 else schedule.iloc[:1]
    billed_before = (first["deferred_revenue"] - first["unbilled_revenue"] - first["billings"] + first["revenue"]).round(2)
    booked_before = (first["backlog"] - first["bookings"] + first["revenue"]).round(2)
    invoiced_beyond = (first["backlog"] - first["billings"] + first["revenue"]).round(2)
    return bool(((billed_before == 0) & ((booked_before == 0) | (invoiced_beyond == 0))).all())


def annual(schedule: pd.DataFrame, fiscal_year_start: int = 1) -> pd.DataFrame:
    """One row per fiscal year, named by the calendar year in which it ends (``FY2022``).

    Flows are summed over the year's months; balances and run rates are read
    at the year's last month. A schedule split ``by`` a group keeps the split.
    A year the schedule only partly covers is summed over the months it shows.

    >>> from revlib import Contract, schedule
    >>> a = Contract(customer="A", start="2022-01", term_months=48, annual_price=6_000_000, billing="annual")
    >>> annual(schedule(a)).loc["FY2022", ["bookings", "billings", "revenue", "deferred_revenue"]].tolist()
    [24000000.0, 6000000.0, 6000000.0, 0.0]
    >>> annual(schedule(a), fiscal_year_start=7).index[:2].tolist()
    ['FY2022', 'FY2023']
    """
    return in_dollars(annual_cents(in_cents(schedule), fiscal_year_start))


def annual_cents(cents: pd.DataFrame, fiscal_year_start: int = 1) -> pd.DataFrame:
    """:func:`annual` of a :func:`cents_schedule`, in cents."""
    label = fiscal_labels(fiscal_years(cents.index.get_level_values("month"), fiscal_year_start))
    keys = [label] if cents.index.nlevels == 1 else [cents.index.get_level_values(0), label]
    grouped = cents.groupby(keys, sort=False)
    flows = [c for c in cents.columns if c in FLOWS]
    rest = [c for c in cents.columns if c not in FLOWS]
    return pd.concat([grouped[flows].sum(), grouped[rest].last()], axis=1)[list(cents.columns)]


def _groups(book: Book, by) -> tuple[list, np.ndarray]:
    """Group labels (sorted) and each contract's group number."""
    if by is None:
        return ["book"], np.zeros(len(book), np.int64)
    if by not in GROUPINGS:
        raise ValueError(f"by={by!r} is not one of None, {', '.join(map(repr, GROUPINGS))}")
    names = {"customer": book.customer, "segment": book.segment, "contract": book.label}[by].astype(str)
    if by == "contract":
        return list(names), np.arange(len(book), dtype=np.int64)
    labels, group = np.unique(names, return_inverse=True)
    return list(labels), group.astype(np.int64)
