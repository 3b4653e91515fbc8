"""One customer contract, and the rules that say what a valid one is.

Every field is checked by a small parser (:mod:`revlib.fields`) that turns the text
of a cell (or a Python value) into the number revlib computes with. The same parsers
check a contract typed in a notebook and every row of a contract file, so both are
refused for the same reasons, in the same words.

Money is held in whole cents. A price may be one number or, for a ramp deal,
one number per contract year (``annual_price=[1_000_000, 2_000_000, 3_000_000]``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from .fields import (  # noqa: F401 (each field's rules; also importable from here, as before)
    BILLING_MONTHS, BOTH_PRICES, EMPTY, MAX_CELL, MAX_CENTS, MAX_TERM_MONTHS, NO_PRICE, YEARS, _Bad, _dollars,
    _text, control_character, parse_billing, parse_bool, parse_cents, month_and_day, parse_date, parse_month, parse_prices, parse_term,
    shown,
    text_problem,
)

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
    "amends",
    "renewal_of",
)
"""The contract fields, in the order a contract file lists them (the last two, ``amends`` and ``renewal_of``,
link a row to an earlier contract of the same customer: see :mod:`revlib.links`)."""


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



@dataclass(frozen=True, kw_only=True)
class Contract:
    """One customer contract. Every field is checked when it is made.

    ``start`` and ``signed`` are months (``"2022-01"``, a monthly Period) or days (``"2022-01-15"``, a date,
    a Timestamp): a date on the 1st is the whole month; any other day is kept as a daily Period, which
    ``schedule(..., convention="daily")`` prorates and the monthly convention refuses.

    >>> google = Contract(customer="Google", start="2022-01", term_months=36,
    ...                   annual_price=1200, services=1000)
    >>> google.tcv, google.acv, google.mrr, google.arr
    (4600.0, 1200.0, 100.0, 1200.0)
    >>> Contract(customer="X", start="2022-01", term_months=12, annual_price=1200, billing="yearly")
    Traceback (most recent call last):
    ...
    revlib.contract.ContractError: 1 problem:
      column billing: 'yearly' is not one of monthly, quarterly, semiannual, annual, upfront

    An amendment names the contract it changes (``amends``), from its ``start`` month to the end of that
    contract's current term: its ``term_months`` may be left out, and its ``billing`` and ``renews`` are then the
    amended contract's (``None`` here, until the book is built). A price of 0 cancels.

    >>> up = Contract(customer="Google", amends="G-1", start="2022-07", annual_price=2400)
    >>> up.term_months, up.billing, up.renews, up.is_amendment
    (None, None, None, True)
    """

    customer: str
    start: pd.Period
    term_months: int | None = None
    annual_price: float | tuple[float, ...] | None = None
    monthly_price: float | tuple[float, ...] | None = None
    billing: str | None = None
    services: float = 0.0
    renews: bool | None = None
    signed: pd.Period | None = None
    contract_id: str | None = None
    segment: str | None = None
    amends: str | None = None
    renewal_of: str | None = None
    _cents: tuple = field(init=False, repr=False, compare=False)
    _line: int | None = field(init=False, repr=False, compare=False, default=None)  # its line, if read from a file

    def __post_init__(self):
        parsed, problems = parse_row({name: getattr(self, name) for name in FIELDS})
        if problems:
            raise ContractError([f"column {column}: {message}" for column, message in problems])
        for name in FIELDS:
            object.__setattr__(self, name, parsed[name])
        object.__setattr__(self, "_cents", (parsed["_prices"], parsed["_per_year"], parsed["_services"]))

    @property
    def is_amendment(self) -> bool:
        """Whether this row amends an earlier contract (``amends`` is given)."""
        return self.amends is not None

    @property
    def prices_per_year(self) -> tuple[int, ...]:
        """The yearly recurring price for each contract year, in cents."""
        prices, per_year, _ = self._cents
        return prices if per_year else tuple(12 * p for p in prices)

    @property
    def start_day(self) -> int:
        """The day of the month service starts: 1 for a whole month (``start="2024-03"``).

        >>> Contract(customer="X", start="2024-03-15", term_months=12, annual_price=1200).start_day
        15
        """
        return month_and_day(self.start)[1]

    @property
    def signed_day(self) -> int:
        """The day of the month the contract was signed: 1 for a month."""
        return month_and_day(self.signed)[1]

    @property
    def services_cents(self) -> int:
        """The professional services fee, in cents."""
        return self._cents[2]

    @property
    def recurring_cents(self) -> int:
        """The recurring value of one term, in cents (rounded half up to the cent)."""
        if self.term_months is None:
            raise ValueError(f"the amendment of {self.amends!r} has no term_months of its own: its value depends on "
                             "the contract it amends (schedule the book to see it)")
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


def signed_later(signed: pd.Period, start: pd.Period) -> bool:
    """Whether ``signed`` comes after ``start`` (each a month or a day, as :func:`parse_date` reads them):
    day by day when both are days, else month by month (a month is the whole month).

    >>> signed_later(parse_date("2024-03-15"), parse_date("2024-03")), signed_later(parse_date("2024-03-16"),
    ...     parse_date("2024-03-15"))
    (False, True)
    """
    if signed.freqstr == "D" and start.freqstr == "D":
        return signed > start
    return month_and_day(signed)[0] > month_and_day(start)[0]


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

    amends, renewal_of = _text(row.get("amends")), _text(row.get("renewal_of"))
    amendment = amends != ""
    for column in ("customer", "contract_id", "segment", "amends", "renewal_of"):
        problem = text_problem(_text(row.get(column)))
        if problem:
            problems.append((column, problem))
    customer = _text(row.get("customer"))
    if not customer:
        problems.append(("customer", EMPTY))
    parsed["customer"] = customer
    take("start", parse_date)
    if amendment and _text(row.get("term_months")) == "":
        parsed["term_months"] = None  # to the end of the amended contract's term
    else:
        take("term_months", parse_term)
    if amendment and _text(row.get("billing")) == "":
        parsed["billing"] = None  # the amended contract's
    else:
        take("billing", parse_billing)
    take("services", parse_cents, default=0)
    if amendment and _text(row.get("renews")) == "":
        parsed["renews"] = None  # the amended contract's
    else:
        take("renews", parse_bool)
    take("signed", parse_date, default="")
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
        if (prices is not None and term is not None and not amendment and len(prices) > 1
                and len(prices) != ramp_years(term)):
            problems.append((column, ramp_years_problem(len(prices), term)))

    # an amendment's years and worth are those of the amended term: checked with the book (revlib.links)
    if prices is not None and term is not None and not amendment and parsed.get("services") is not None:
        yearly = prices if per_year else tuple(12 * p for p in prices)
        worth = recurring_value(yearly, term) + parsed["services"] if len(prices) in (1, ramp_years(term)) else 0
        column = "annual_price" if per_year else "monthly_price"
        problem = worth_problem(max(yearly), worth)
        if problem:
            problems.append((column, problem))

    start, signed = parsed.get("start"), parsed.get("signed")
    if start is not None and signed is not None and signed_later(signed, start):
        problems.append(("signed", signed_after_start(signed, start)))

    cid = _text(row.get("contract_id"))
    parsed["contract_id"] = cid or None
    segment = _text(row.get("segment"))
    parsed["segment"] = segment or None
    parsed["amends"] = amends or None
    parsed["renewal_of"] = renewal_of or None
    if amendment and renewal_of:
        problems.append(("renewal_of", "is given with amends; a row either amends a contract or renews one"))

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
