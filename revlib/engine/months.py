"""Months as the engine counts them: ordinals, the span a schedule shows, and fiscal years.

A month is a monthly ``pandas.Period``; inside the engine it is that period's
ordinal, a whole number counting months (so month + 12 is a year later).
"""

from __future__ import annotations

import pandas as pd

from ..contract import parse_month

MONTH_NAMES = "JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split()


def ordinal(month) -> int:
    """A month (``"2022-01"``, a date or a Period) as the engine counts it.

    >>> ordinal("2022-01") - ordinal("2021-01")
    12
    """
    return parse_month(month).ordinal


def period(ordinal: int) -> pd.Period:
    """The monthly Period of an ordinal."""
    return pd.Period(ordinal=ordinal, freq="M")


def default_span(book) -> tuple[int, int]:
    """First and last month (ordinals) a schedule shows when none is chosen.

    From the first signed or start month to the end of the last non-renewing
    contract (the month after its last full month when it starts after the 1st,
    under the daily convention), and at least 36 months.
    """
    first = int(min(book.signed.min(), book.start.min()))
    ends = (book.start + book.term - 1 + (book.start_day > 1))[~book.renews]
    last = max(first + 35, int(ends.max()) if len(ends) else first)
    return first, last


def span(book, start=None, end=None) -> tuple[int, int]:
    """First and last month (ordinals) a schedule of ``book`` shows, from ``start`` and ``end`` where given.

    A ``start`` after the default last month moves the last month to it. The last month may come
    out before the first (an ``end`` before ``start``): the caller decides whether that is an error.
    """
    if start is not None and end is not None:  # nothing of the default span is used: not worked out
        return ordinal(start), ordinal(end)
    first, last = default_span(book)
    if start is not None:
        first = ordinal(start)
        last = max(last, first)
    if end is not None:
        last = ordinal(end)
    return first, last


def fiscal_freq(fiscal_year_start: int) -> str:
    """The pandas yearly frequency whose years end where the fiscal year does.

    A fiscal year is named by the calendar year in which it ends (``FY2023`` runs from
    February 2022 to January 2023 when it starts in February).

    >>> fiscal_freq(1), fiscal_freq(2)
    ('Y-DEC', 'Y-JAN')
    """
    if not 1 <= int(fiscal_year_start) <= 12:
        raise ValueError(f"fiscal_year_start={fiscal_year_start!r} is not a month number from 1 to 12")
    return "Y-" + MONTH_NAMES[(int(fiscal_year_start) - 2) % 12]


def fiscal_years(months: pd.PeriodIndex, fiscal_year_start: int) -> pd.PeriodIndex:
    """The fiscal year of each month, as yearly periods ending in the fiscal year's last month.

    >>> fiscal_years(pd.period_range("2022-01", "2022-03", freq="M"), 2).year.tolist()
    [2022, 2023, 2023]
    """
    return pd.PeriodIndex(months).asfreq(fiscal_freq(fiscal_year_start))


def fiscal_label(year: int) -> str:
    """The name of a fiscal year, given the calendar year it ends in.

    >>> fiscal_label(2023)
    'FY2023'
    """
    return f"FY{int(year)}"


def fiscal_labels(years) -> pd.Index:
    """Fiscal years (yearly periods, from :func:`fiscal_years` or a ``fiscal_freq`` grouping) named ``FY2022``.

    >>> fiscal_labels(fiscal_years(pd.period_range("2022-01", "2022-02", freq="M"), 2)).tolist()
    ['FY2022', 'FY2023']
    """
    return pd.Index([fiscal_label(year) for year in pd.PeriodIndex(years).year], name="fiscal_year")


def fiscal_year(month, fiscal_year_start: int = 1) -> str:
    """The fiscal year a month falls in, named as :func:`revlib.annual` names it.

    >>> fiscal_year("2022-01", 2), fiscal_year("2022-02", 2), fiscal_year("2022-12")
    ('FY2022', 'FY2023', 'FY2022')
    """
    return fiscal_labels(fiscal_years([parse_month(month)], fiscal_year_start))[0]
