"""One customer contract, and the rules that say what a valid one is.

Every field is checked by a small parser that turns the text of a cell (or a
Python value) into the number revlib computes with. The same parsers check a
contract typed in a notebook and every row of a contract file, so both are
refused for the same reasons, in the same words.

Money is held in whole cents. A price may be one number or, for a ramp deal,
one number per contract year (``annual_price=[1_000_000, 2_000_000, 3_000_000]``).
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import pandas as pd

BILLING_MONTHS = {"monthly": 1, "quarterly": 3, "semiannual": 6, "annual": 12, "upfront": None}
"""Months per invoice for each billing frequency; ``upfront`` bills the whole term."""

FIELDS = (
    "customer",
    "start",
    "term_months",
    "annual_price",
    "monthly_price",
    "billing",
    "services",
    "renews",
    "signed",
    "contract_id",
    "segment",
)
"""The contract fields, in the order a contract file lists them."""

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


class ContractError(ValueError):
    """A contract, or a contract file, that revlib refuses.

    ``problems`` lists every problem found, each as one sentence that says
    where (``line 7, column billing``) and what is wrong.
    """

    def __init__(self, problems):
        self.problems = list(problems)
        count = len(self.problems)
        head = "1 problem" if count == 1 else f"{count} problems"
        super().__init__(f"{head}:\n  " + "\n  ".join(self.problems))


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


@dataclass(frozen=True, kw_only=True)
class Contract:
    """One customer contract. Every field is checked when it is made.

    >>> google = Contract(customer="Google", start="2022-01", term_months=36,
    ...                   annual_price=1200, services=1000)
    >>> google.tcv, google.acv, google.mrr, google.arr
    (4600.0, 1200.0, 100.0, 1200.0)
    >>> Contract(customer="X", start="2022-01", term_months=12, annual_price=1200, billing="yearly")
    Traceback (most recent call last):
    ...
    revlib.contract.ContractError: 1 problem:
      column billing: 'yearly' is not one of monthly, quarterly, semiannual, annual, upfront
    """

    customer: str
    start: pd.Period
    term_months: int
    annual_price: float | tuple[float, ...] | None = None
    monthly_price: float | tuple[float, ...] | None = None
    billing: str = "monthly"
    services: float = 0.0
    renews: bool = False
    signed: pd.Period | None = None
    contract_id: str | None = None
    segment: str | None = None
    _cents: tuple = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        parsed, problems = parse_row({name: getattr(self, name) for name in FIELDS})
        if problems:
            raise ContractError([f"column {column}: {message}" for column, message in problems])
        for name in FIELDS:
            object.__setattr__(self, name, parsed[name])
        object.__setattr__(self, "_cents", (parsed["_prices"], parsed["_per_year"], parsed["_services"]))

    @property
    def prices_per_year(self) -> tuple[int, ...]:
        """The yearly recurring price for each contract year, in cents."""
        prices, per_year, _ = self._cents
        return prices if per_year else tuple(12 * p for p in prices)

    @property
    def services_cents(self) -> int:
        """The professional services fee, in cents."""
        return self._cents[2]

    @property
    def recurring_cents(self) -> int:
        """The recurring value of one term, in cents (rounded half up to the cent)."""
        return recurring_value(self.prices_per_year, self.term_months)

    @property
    def tcv(self) -> float:
        """Total contract value: the recurring value of the term plus services, in dollars."""
        return (self.recurring_cents + self.services_cents) / 100

    @property
    def acv(self) -> float:
        """Annual contract value: the recurring value per year, no services, in dollars."""
        prices = self.prices_per_year
        if len(prices) == 1:
            return prices[0] / 100
        return round_half_up(self.recurring_cents * 12, self.term_months) / 100

    @property
    def arr(self) -> float:
        """Annual recurring revenue at the start of service, in dollars."""
        return self.prices_per_year[0] / 100

    @property
    def mrr(self) -> float:
        """Monthly recurring revenue at the start of service, in dollars (ARR / 12, to the cent)."""
        return round_half_up(self.prices_per_year[0], 12) / 100


def round_half_up(numerator, denominator):
    """numerator / denominator to the nearest whole number, halves up (for numerator >= 0, denominator > 0).

    Whole numbers or numpy arrays of them, exactly: the one rounding revlib does (a yearly price in
    cents to a month's, a term's value to the cent, an average per customer).

    >>> round_half_up(1_000, 12), round_half_up(6, 12), round_half_up(5, 12)
    (83, 1, 0)
    """
    return (2 * numerator + denominator) // (2 * denominator)


def contract_label(contract_id, position: int) -> str:
    """How a contract is named in tables: its ``contract_id``, or ``#n`` for the n-th contract of the book.

    >>> contract_label("C-17", 0), contract_label(None, 0), contract_label("", 4)
    ('C-17', '#1', '#5')
    """
    return contract_id or f"#{position + 1}"


def recurring_value(prices_per_year, term_months: int) -> int:
    """Recurring value of a term in cents: each contract year's price for its months.

    >>> recurring_value((120000,), 36)
    360000
    >>> recurring_value((100000, 200000), 18)
    200000
    >>> recurring_value((1,), 18)  # one cent a year for 18 months: 1.5 cents, rounded half up
    2
    """
    if len(prices_per_year) == 1:
        return round_half_up(prices_per_year[0] * term_months, 12)
    twelfths = sum(price * min(12, term_months - 12 * year) for year, price in enumerate(prices_per_year))
    return round_half_up(twelfths, 12)


def ramp_years(term_months):
    """The contract years of a term: one price per year for a ramp deal (whole numbers or a numpy array)."""
    return -(-term_months // 12)


def ramp_years_problem(prices: int, term_months: int) -> str:
    """The problem with a ramp deal that has ``prices`` yearly prices for a term with another number of years."""
    return (f"{prices} yearly prices for a {term_months}-month term, which has {ramp_years(term_months)} "
            "contract years")


def worth_problem(top_yearly: int, worth: int) -> str | None:
    """The problem with a contract whose largest yearly price or whole value (cents) passes ``MAX_CENTS``, or None."""
    if top_yearly > MAX_CENTS:
        return (f"a year's price of {_dollars(top_yearly)} is more than {_dollars(MAX_CENTS)}, "
                "the most revlib reads for one contract")
    if worth > MAX_CENTS:
        return (f"the contract is worth {_dollars(worth)} (its recurring value over the term plus "
                f"services), more than {_dollars(MAX_CENTS)}, the most revlib reads for one contract")
    return None


def signed_after_start(signed, start) -> str:
    """The problem with a contract signed (a month) after it starts."""
    return f"{signed} is after start {start}; a contract is signed before it starts"


def parse_row(row: dict) -> tuple[dict, list[tuple[str, str]]]:
    """Check one contract's fields; return the parsed values and every problem as (column, message)."""
    parsed: dict = {}
    problems: list[tuple[str, str]] = []

    def take(column, parser, default=None):
        raw = row.get(column)
        if default is not None and _text(raw) == "" and not isinstance(raw, (list, tuple)):
            parsed[column] = default
            return
        try:
            parsed[column] = parser(raw)
        except _Bad as bad:
            problems.append((column, str(bad)))
            parsed[column] = None

    for column in ("customer", "contract_id", "segment"):
        problem = text_problem(_text(row.get(column)))
        if problem:
            problems.append((column, problem))
    customer = _text(row.get("customer"))
    if not customer:
        problems.append(("customer", EMPTY))
    parsed["customer"] = customer
    take("start", parse_month)
    take("term_months", parse_term)
    take("billing", parse_billing)
    take("services", parse_cents, default=0)
    take("renews", parse_bool)
    take("signed", parse_month, default="")
    if parsed.get("signed") == "":
        parsed["signed"] = parsed["start"]

    annual, monthly = row.get("annual_price"), row.get("monthly_price")
    has_annual = isinstance(annual, (list, tuple)) or _text(annual) != ""
    has_monthly = isinstance(monthly, (list, tuple)) or _text(monthly) != ""
    prices, per_year, term = None, True, parsed.get("term_months")
    if has_annual and has_monthly:
        problems.append(("annual_price", BOTH_PRICES))
    elif not has_annual and not has_monthly:
        problems.append(("annual_price", NO_PRICE))
    else:
        column = "annual_price" if has_annual else "monthly_price"
        per_year = has_annual
        try:
            prices = parse_prices(annual if has_annual else monthly)
        except _Bad as bad:
            problems.append((column, str(bad)))
        if prices is not None and term is not None and len(prices) > 1 and len(prices) != ramp_years(term):
            problems.append((column, ramp_years_problem(len(prices), term)))

    if prices is not None and term is not None and parsed.get("services") is not None:
        yearly = prices if per_year else tuple(12 * p for p in prices)
        worth = recurring_value(yearly, term) + parsed["services"] if len(prices) in (1, ramp_years(term)) else 0
        column = "annual_price" if per_year else "monthly_price"
        problem = worth_problem(max(yearly), worth)
        if problem:
            problems.append((column, problem))

    start, signed = parsed.get("start"), parsed.get("signed")
    if start is not None and signed is not None and signed > start:
        problems.append(("signed", signed_after_start(signed, start)))

    cid = _text(row.get("contract_id"))
    parsed["contract_id"] = cid or None
    segment = _text(row.get("segment"))
    parsed["segment"] = segment or None

    dollars = None
    if prices is not None:
        dollars = tuple(p / 100 for p in prices) if len(prices) > 1 else prices[0] / 100
    parsed["annual_price"] = dollars if per_year else None
    parsed["monthly_price"] = None if per_year else dollars
    parsed["_prices"], parsed["_per_year"] = prices, per_year
    parsed["_services"] = parsed.get("services") or 0
    if parsed["services"] is not None:
        parsed["services"] = parsed["_services"] / 100
    return parsed, problems
