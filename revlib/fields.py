"""How each field of a contract is read from text: its grammar, its bounds and the words of its problems.

One home for the rules a cell must follow, shared by :class:`revlib.Contract` (one contract typed in a notebook)
and both loaders (:func:`revlib.load_contracts` and :func:`revlib.load_book`), so every path refuses the same
cell for the same reason, in the same words.
"""

from __future__ import annotations

import datetime as _dt
import re
from decimal import Decimal

import pandas as pd

BILLING_MONTHS = {"monthly": 1, "quarterly": 3, "semiannual": 6, "annual": 12, "upfront": None}
"""Months per invoice for each billing frequency; ``upfront`` bills the whole term."""

MAX_CENTS = 100_000_000_000_000
"""The most one contract may be worth, in cents ($1 trillion): its value (TCV), any one amount, a year's price.

With the bounds on terms and years below, no figure of a book can leave the range in
which 64-bit integers and float64 dollars are exact to the cent (see ``engine.MAX_BOOK_CENTS``).
"""

MAX_TERM_MONTHS = 1200
"""The longest term revlib reads: 100 years."""

YEARS = (1900, 2200)
"""The first and last year a month may be in; a year outside them is a typo (``0202``, ``20222``)."""

MAX_CELL = 32_767
"""The most characters a cell may hold: Excel's limit, so the workbook shows every name whole."""

EMPTY = "is empty"
BOTH_PRICES = "both annual_price and monthly_price are given; give one"
NO_PRICE = "neither annual_price nor monthly_price is given"

_TRUE = {"true", "yes", "y", "1", "t"}
_FALSE = {"false", "no", "n", "0", "f", ""}
_MONTH = re.compile(r"(\d{4})[-/](\d{1,2})(?:[-/](\d{1,2}))?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?")
_NUMBER = re.compile(r"([+-]?)(\d{1,3}(?:,\d{3})+|\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?")
_LONGEST_NUMBER = 100
"""Characters past which a cell is not read as a number at all (no million-digit Decimals)."""
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class _Bad(ValueError):
    """One cell's problem, raised by a parser and placed by its caller."""


def _text(value) -> str:
    """The text of a cell or argument, with blanks and NaN as ''."""
    if value is None:
        return ""
    if isinstance(value, float) and value != value:  # NaN from a spreadsheet
        return ""
    return str(value).strip()


def shown(text, limit: int = 60) -> str:
    r"""Text from a file as a message may show it: quoted, escaped, never raw control characters.

    Python's repr escapes every character that is not printable (terminal escapes, NUL,
    direction overrides), so a file cannot retitle or clear the terminal that prints it.

    >>> shown("Acme\x1b]0;owned\x07")
    "'Acme\\x1b]0;owned\\x07'"
    >>> shown("x" * 100)
    "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'... (100 characters)"
    """
    text = str(text)
    if len(text) > limit:
        return f"{text[:limit]!r}... ({len(text):,} characters)"
    return repr(text)


def control_character(text: str) -> str | None:
    r"""The problem with a cell holding a control character (NUL, escape, line break, tab), or None.

    >>> control_character("Acme\x00")
    "has a control character ('\\x00') at character 5; remove it"
    """
    found = _CONTROL.search(text)
    if found is None:
        return None
    return f"has a control character ({found.group()!r}) at character {found.start() + 1}; remove it"


def text_problem(text: str) -> str | None:
    """The problem with a text cell (a name, an id, a segment), or None: control characters, Excel's length.

    >>> text_problem("x" * 40_000)
    "has 40,000 characters; Excel's cells hold at most 32,767"
    """
    if len(text) > MAX_CELL:
        return f"has {len(text):,} characters; Excel's cells hold at most {MAX_CELL:,}"
    return control_character(text)


def _dollars(cents: int) -> str:
    return f"${cents // 100:,}" if cents % 100 == 0 else f"${cents / 100:,.2f}"


def parse_month(value) -> pd.Period:
    """A month: ``"2022-01"``, ``"2022-01-15"``, a date, or a monthly Period.

    >>> parse_month("2022-01")
    Period('2022-01', 'M')
    >>> parse_month(_dt.date(2022, 3, 31))
    Period('2022-03', 'M')
    """
    if isinstance(value, pd.Period):
        month = value.asfreq("M")
        _check_year(month.year, value)
        return month
    if isinstance(value, (_dt.date, pd.Timestamp)):
        _check_year(value.year, value)
        return pd.Period(year=value.year, month=value.month, freq="M")
    text = _text(value)
    match = _MONTH.fullmatch(text) if len(text) <= 40 else None
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise _Bad(f"{shown(text)} is not a month (write it as YYYY-MM)" if text else EMPTY)
    _check_year(int(match.group(1)), text)
    return pd.Period(year=int(match.group(1)), month=int(match.group(2)), freq="M")


def parse_date(value) -> pd.Period:
    """A month or a day: ``"2022-01"``, ``"2022-01-15"``, a date, a Timestamp or a Period.

    A month, or a date on the 1st, is the whole month (a monthly Period, as :func:`parse_month`
    reads it); a date on any other day is that day (a daily Period), so that it is either
    honoured (``convention="daily"``) or refused, never dropped. A time of day is ignored.

    >>> parse_date("2022-01"), parse_date("2022-01-01"), parse_date("2024-03-15")
    (Period('2022-01', 'M'), Period('2022-01', 'M'), Period('2024-03-15', 'D'))
    >>> parse_date("2023-02-29")
    Traceback (most recent call last):
    ...
    revlib.fields._Bad: '2023-02-29' is not a date: February 2023 has 28 days
    """
    if isinstance(value, pd.Period):
        if value.freqstr in ("D", "B") or value.freqstr.startswith(("h", "min", "s")):
            _check_year(value.year, value)
            return _day_or_month(value.year, value.month, value.day)
        return parse_month(value)
    if isinstance(value, (_dt.date, pd.Timestamp)):
        _check_year(value.year, value)
        return _day_or_month(value.year, value.month, value.day)
    text = _text(value)
    match = _MONTH.fullmatch(text) if len(text) <= 40 else None
    if not match or not 1 <= int(match.group(2)) <= 12 or match.group(3) is None:
        return parse_month(value)  # a month, or the month's own problem
    year, month, day = int(match.group(1)), int(match.group(2)), int(match.group(3))
    _check_year(year, text)
    last = pd.Period(year=year, month=month, freq="M").days_in_month
    if not 1 <= day <= last:
        name = _dt.date(2000, month, 1).strftime("%B")
        raise _Bad(f"{shown(text)} is not a date: {name} {year} has {last} days")
    return _day_or_month(year, month, day)


def _day_or_month(year: int, month: int, day: int) -> pd.Period:
    """The whole month for the 1st, else the day."""
    if day == 1:
        return pd.Period(year=year, month=month, freq="M")
    return pd.Period(year=year, month=month, day=day, freq="D")


def month_and_day(period: pd.Period) -> tuple[pd.Period, int]:
    """The month of a :func:`parse_date` result, and its day (1 for a whole month).

    >>> month_and_day(parse_date("2024-03-15")), month_and_day(parse_date("2024-03"))
    ((Period('2024-03', 'M'), 15), (Period('2024-03', 'M'), 1))
    """
    if period.freqstr == "M":
        return period, 1
    return period.asfreq("M"), period.day


def _check_year(year: int, value) -> None:
    if not YEARS[0] <= year <= YEARS[1]:
        raise _Bad(f"{shown(value if isinstance(value, str) else str(value))} is in the year {year}, outside "
                   f"{YEARS[0]} to {YEARS[1]} (a typo?)")


def _decimal(value, what: str) -> Decimal:
    """A number from a cell, read by a strict grammar before any Decimal arithmetic.

    Digits, an optional sign, commas only between groups of three digits, an optional
    dot and decimals, and an optional exponent. A comma used as a decimal separator is
    refused with a hint, never read as a thousands separator; exponents past 30 are
    refused before a Decimal is made (``1e999990`` would take minutes to turn into cents).
    """
    original = _text(value)
    text = original.replace("$", "").replace("_", "").strip()
    if len(text) > _LONGEST_NUMBER:
        raise _Bad(f"{shown(original)} is not {what}: {len(text):,} characters is too long for a number")
    match = _NUMBER.fullmatch(text)
    if not match or not (match.group(2) or match.group(3)):
        if re.fullmatch(r"[+-]?[\d.,\s\u00a0\u202f']*\d[\d.,\s\u00a0\u202f']*", text) and ("," in text or "." in text):
            raise _Bad(f"{shown(original)} is not {what}: revlib reads a dot as the decimal separator and commas "
                       "between thousands (1,200.50); a comma used as the decimal separator (1.200,50 or 1200,50) "
                       "would be misread, so save the file with dots for decimals")
        raise _Bad(f"{shown(original)} is not {what}")
    sign, whole, fraction, exponent = match.groups()
    digits = (whole.replace(",", "") + (fraction or "")).lstrip("0")
    power = max(-10**6, min(int(exponent or 0), 10**6))  # past a million, no different; and Decimal's own limit
    return Decimal(f"{sign}{whole.replace(',', '') or '0'}.{fraction or '0'}E{power if digits else 0}")


def parse_cents(value) -> int:
    """An amount of money, not negative, in whole cents.

    Accepts ``1200``, ``"1,200.50"`` and ``"$1,200"``.

    >>> parse_cents("$1,200.50")
    120050
    """
    if isinstance(value, bool):
        raise _Bad(f"{value!r} is not an amount of money")
    amount = _decimal(value, "an amount of money")
    if amount < 0:
        raise _Bad(f"{shown(_text(value))} is negative")
    if amount > Decimal(MAX_CENTS).scaleb(-2):
        raise _Bad(f"{shown(_text(value))} is more than {_dollars(MAX_CENTS)}, the most revlib reads for one amount")
    to_the_cent = amount.quantize(Decimal("0.01"))  # exact: at most 15 digits under the bound
    if to_the_cent != amount:
        raise _Bad(f"{shown(_text(value))} has a fraction of a cent")
    return int(to_the_cent.scaleb(2))


def parse_prices(value) -> tuple[int, ...]:
    """One price, or one price per contract year (a ramp), in cents.

    A file writes a ramp as prices separated by semicolons: ``"1000;2000;3000"``.

    >>> parse_prices("1000; 2000")
    (100000, 200000)
    """
    if isinstance(value, (list, tuple)):
        parts = list(value)
    else:
        parts = _text(value).split(";")
    if not parts or any(_text(p) == "" for p in parts):
        raise _Bad(f"{shown(_text(value))} has an empty price")
    return tuple(parse_cents(p) for p in parts)


def parse_term(value) -> int:
    """A term in whole months, at least 1.

    >>> parse_term("36")
    36
    """
    if isinstance(value, bool):
        raise _Bad(f"{value!r} is not a number of months")
    text = _text(value)
    if not text:
        raise _Bad(EMPTY)
    try:
        months = _decimal(value, "a number of months")
    except _Bad as bad:
        if "decimal separator" in str(bad):
            raise
        raise _Bad(f"{shown(text)} is not a number of months") from None
    if months > MAX_TERM_MONTHS:
        raise _Bad(f"{shown(text)} is more than {MAX_TERM_MONTHS:,} months, the longest term revlib reads")
    if months != months.to_integral_value():
        raise _Bad(f"{shown(text)} is not a whole number of months")
    if months < 1:
        raise _Bad(f"{shown(text)} is below 1 month")
    return int(months)


def parse_billing(value) -> str:
    """One of monthly, quarterly, semiannual, annual, upfront (blank is monthly).

    >>> parse_billing("Quarterly")
    'quarterly'
    """
    text = _text(value).lower() or "monthly"
    if text not in BILLING_MONTHS:
        raise _Bad(f"{shown(_text(value))} is not one of {', '.join(BILLING_MONTHS)}")
    return text


def parse_bool(value) -> bool:
    """True or false: true/false, yes/no, y/n, 1/0; blank is false.

    >>> parse_bool("Yes")
    True
    """
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _Bad(f"{shown(_text(value))} is not true or false")
