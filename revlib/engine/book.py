"""The book: a list of contracts held as columns (numpy arrays of cents and month ordinals), the engine's input."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import chain

import numpy as np
import pandas as pd

from ..contract import BILLING_MONTHS, Contract, ContractError, contract_label, recurring_value, round_half_up
from ..links import NEVER, resolve
from .grid import spread
from .months import period as month_period

MAX_BOOK_CENTS = 1_000_000_000_000_000
"""The most a book's contracts may be worth together, in cents ($10 trillion).

Each contract counts its value (TCV) or its largest yearly price, whichever is more.
With terms of at least a month and months between 1900 and 2300, every figure of a
schedule (renewals included) and every running total the report checks stays below
2**62 cents, and every monthly figure below 2**53 cents, where float64 dollars are
still exact to the cent.
"""


@dataclass
class Book:
    """A list of contracts held as columns (numpy arrays), ready for the engine.

    Money is in cents and months are ordinals. ``period`` is the billing period in
    months (the term for upfront); ``value`` the recurring value of one term;
    ``first_price`` the yearly price of the first contract year; ``ramps`` maps the
    position of each ramp deal to its yearly prices, one per contract year.

    An amendment (``amends`` >= 0) is held resolved (:mod:`revlib.links`): ``start`` is its effective month,
    ``term`` its months to the end of the amended term, ``value`` their recurring value, ``period``, ``renews``
    and ``segment`` as the chain has them; a ramp's prices are by contract year of the amended contract's term.
    """

    customer: np.ndarray
    segment: np.ndarray
    label: np.ndarray
    start: np.ndarray
    signed: np.ndarray
    term: np.ndarray
    period: np.ndarray
    renews: np.ndarray
    services: np.ndarray
    value: np.ndarray
    first_price: np.ndarray
    ramps: dict
    billing: np.ndarray | None = None  # the billing frequencies' names, where known (BILLING_MONTHS)
    customer_code: np.ndarray | None = field(default=None, repr=False)  # customers numbered from 0, in order
    start_day: np.ndarray | None = None  # the day of its month each contract starts (1: the whole month)
    signed_day: np.ndarray | None = None  # the day of its month each contract was signed (1: a month)
    line: np.ndarray | None = None  # each contract's line in the file it was read from, where it was (else 0)
    amends: np.ndarray | None = None  # an amendment: the row of its chain's original contract; else -1
    renewal_of: np.ndarray | None = None  # a renewal contract: the row of the contract it renews; else -1
    stop: np.ndarray | None = None  # a renewed contract: the month its renewal starts; else links.NEVER

    @classmethod
    def of(cls, contracts) -> "Book":
        """Columns from a Contract, a list of them, a DataFrame or a CSV path (a Book is returned as it is)."""
        if isinstance(contracts, cls):
            return contracts
        if isinstance(contracts, Contract):
            contracts = [contracts]
        elif isinstance(contracts, pd.DataFrame):
            from ..load import load_contracts

            contracts = load_contracts(contracts)
        elif isinstance(contracts, str) or hasattr(contracts, "__fspath__"):
            from ..fast_load import load_book  # a file: read straight into columns

            return load_book(contracts)
        contracts = list(contracts)
        if not contracts:
            raise ValueError("no contracts to schedule")
        n = len(contracts)
        term = np.fromiter((c.term_months or 0 for c in contracts), np.int64, n)
        prices = [c.prices_per_year for c in contracts]
        first_price, ramps, value = _prices_and_values(prices, np.maximum(term, 1))
        services = np.fromiter((c.services_cents for c in contracts), np.int64, n)
        label = np.array([contract_label(c.contract_id, i) for i, c in enumerate(contracts)], dtype=object)
        columns = dict(
            customer=np.array([c.customer for c in contracts], dtype=object),
            segment=np.array([c.segment or "(none)" for c in contracts], dtype=object),
            label=label,
            start=np.fromiter((c.start.asfreq("M").ordinal for c in contracts), np.int64, n),
            signed=np.fromiter((c.signed.asfreq("M").ordinal for c in contracts), np.int64, n),
            term=term,
            period=np.fromiter((-1 if c.billing is None else BILLING_MONTHS[c.billing] or 0 for c in contracts),
                               np.int64, n),
            renews=np.fromiter((-1 if c.renews is None else c.renews for c in contracts), np.int64, n),
            services=services,
            value=value,
            first_price=first_price,
            ramps=ramps,
            billing=np.array([c.billing for c in contracts], dtype=object),
            start_day=np.fromiter((c.start_day for c in contracts), np.int64, n),
            signed_day=np.fromiter((c.signed_day for c in contracts), np.int64, n),
            line=np.fromiter((c._line or 0 for c in contracts), np.int64, n),
        )
        text = [np.array([getattr(c, name) or "" for c in contracts], dtype=object)
                for name in ("contract_id", "amends", "renewal_of")]
        price_column = np.array(["annual_price" if c.annual_price is not None else "monthly_price"
                                 for c in contracts], dtype=object)
        return cls.from_columns(**linked(columns, *text, price_column, np.ones(n, bool),
                                         lambda row: f"contract {label[row]}", "the book"))

    @classmethod
    def from_columns(cls, **columns) -> "Book":
        """A book from checked contracts' columns (the fields of :class:`Book`): refused, as a
        :class:`ContractError`, if the contracts are worth more than :data:`MAX_BOOK_CENTS` together."""
        top = columns["first_price"].copy()
        for i, yearly in columns["ramps"].items():
            top[i] = max(yearly)
        worth = int(np.maximum(columns["value"] + columns["services"], top).sum(dtype=float))  # each <= $1T
        if worth > MAX_BOOK_CENTS:
            raise ContractError([f"the contracts are worth ${worth // 100:,} together, more than "
                                 f"${MAX_BOOK_CENTS // 100:,}, the most revlib adds up to the cent"])
        return cls(**columns)

    def take(self, rows, text=True) -> "Book":
        """The contracts at ``rows`` (positions, or a mask), as a book of their own; without their customers',
        segments', labels' and billing names (None), days (whole months) and file lines unless ``text`` (the
        monthly engine's rules read none of them, and they are the slow columns to copy).

        An amendment goes with the contract it amends (they share its segment); a renewed contract taken
        without its renewal still stops renewing where the renewal starts.
        """
        rows = np.flatnonzero(rows) if np.asarray(rows).dtype == bool else np.asarray(rows, np.int64)
        names = ("customer", "segment", "label", "start_day", "signed_day", "line") if text else ()
        columns = {name: getattr(self, name)[rows] for name in names + (
            "start", "signed", "term", "period", "renews", "services", "value", "first_price", "stop")}
        if not text:
            columns.update(customer=None, segment=None, label=None)
        where = np.full(len(self) + 1, -1, np.int64)
        where[rows] = np.arange(len(rows))
        for name in ("amends", "renewal_of"):
            old = getattr(self, name)[rows]
            columns[name] = np.where(old >= 0, where[old], -1) if (old >= 0).any() else old  # none: all -1
        return Book(**columns, ramps={int(where[i]): p for i, p in self.ramps.items() if where[i] >= 0},
                    billing=None if self.billing is None or not text else self.billing[rows],
                    customer_code=self.customer_code[rows])

    @classmethod
    def from_arrays(cls, customer, start, term_months, prices_per_year, billing_months, services, renews,
                    signed=None, start_day=None, signed_day=None) -> "Book":
        """A book straight from columns, for generated books that are valid by construction.

        Nothing is checked here: a contract file goes through :func:`revlib.load_contracts`.
        ``start`` and ``signed`` are monthly Period ordinals; ``prices_per_year``
        is one yearly price in cents per contract, or a list of them for a ramp;
        ``billing_months`` is 1, 3, 6 or 12, or 0 for upfront; money is in cents.
        ``start_day`` and ``signed_day`` are the days of those months (1, the whole month, by default).

        >>> b = Book.from_arrays(["A"], [624], [36], [120_000], [1], [100_000], [False])
        >>> int(b.value[0] + b.services[0])
        460000
        """
        start = np.asarray(start, np.int64)
        term = np.asarray(term_months, np.int64)
        period = np.asarray(billing_months, np.int64)
        first_price, ramps, value = _prices_and_values(prices_per_year, term)
        n = len(start)
        return cls(
            customer=np.asarray(customer, dtype=object),
            segment=np.full(n, "(none)", dtype=object),
            label=np.array([contract_label(None, i) for i in range(n)], dtype=object),
            start=start,
            signed=start if signed is None else np.asarray(signed, np.int64),
            term=term,
            period=np.where(period == 0, term, period),
            renews=np.asarray(renews, bool),
            services=np.asarray(services, np.int64),
            value=value,
            first_price=first_price,
            ramps=ramps,
            start_day=None if start_day is None else np.asarray(start_day, np.int64),
            signed_day=None if signed_day is None else np.asarray(signed_day, np.int64),
        )

    def __len__(self) -> int:
        return len(self.start)

    def __post_init__(self):
        if self.customer_code is None:
            self.customer_code = pd.factorize(self.customer)[0].astype(np.int64)
        n = len(self.start)
        if self.amends is None:
            self.amends = np.full(n, -1, np.int64)
        if self.renewal_of is None:
            self.renewal_of = np.full(n, -1, np.int64)
        if self.stop is None:
            self.stop = np.full(n, NEVER, np.int64)
        for name in ("start_day", "signed_day"):  # whole months unless told
            if getattr(self, name) is None:
                setattr(self, name, np.ones(n, np.int64))
        if self.line is None:
            self.line = np.zeros(n, np.int64)

    def has_days(self) -> bool:
        """Whether a contract starts, or was signed, on a day other than the 1st (see ``convention``)."""
        return bool((self.start_day != 1).any() or (self.signed_day != 1).any())

    def days_problems(self) -> list[str]:
        """Under the monthly convention, each start or signing on a day other than the 1st, refused where it is:
        the file's line and column, or the contract's label for a contract typed in Python.

        A signing on the start day is named once, under ``start``.

        >>> from revlib import Contract
        >>> Book.of(Contract(customer="X", start="2024-03-15", term_months=12, annual_price=1200)).days_problems()
        ['contract #1, column start: 2024-03-15 is not the 1st of a month; use convention="daily" to prorate by day']
        """
        problems = []
        for r in np.flatnonzero((self.start_day != 1) | (self.signed_day != 1)).tolist():
            where = f"line {self.line[r]}" if self.line[r] else f"contract {self.label[r]}"
            same = self.signed[r] == self.start[r] and self.signed_day[r] == self.start_day[r]
            for name in ("start",) if same else ("start", "signed"):
                day = int(getattr(self, name + "_day")[r])
                if day != 1:
                    month = month_period(int(getattr(self, name)[r]))
                    problems.append(f"{where}, column {name}: {month}-{day:02d} is not the 1st of a month; "
                                    'use convention="daily" to prorate by day')
        return problems

    @property
    def has_links(self) -> bool:
        """Whether any contract is amended or renewed by another row (the engine's chains)."""
        return bool((self.amends >= 0).any() or (self.renewal_of >= 0).any())


def linked(columns: dict, ids, amends, renewal_of, price_column, ok, where, book_word) -> dict:
    """A book's columns (:meth:`Book.from_columns`' fields) with its links resolved (:func:`revlib.links.resolve`):
    amendments' term, billing, renewal, value and segment filled in, ``amends``, ``renewal_of`` and ``stop`` set.

    ``period`` and ``renews`` come in as read: billing months (0 upfront) and 1/0, -1 where an amendment leaves
    them out. Raises :class:`ContractError` naming each problem's row by ``where(row)``.
    """
    period, renews = columns["period"], columns["renews"]
    if not ((amends != "").any() or (renewal_of != "").any()):
        columns["period"] = np.where(period == 0, columns["term"], period)
        columns["renews"] = renews.astype(bool)
        return columns
    top = columns["first_price"].copy()
    for i, yearly in columns["ramps"].items():
        top[i] = max(yearly)
    links, problems = resolve(ids, columns["customer"], amends, renewal_of, columns["start"], columns["signed"],
                              columns["term"], period, renews, columns["first_price"], top, columns["ramps"],
                              columns["services"], ok, where, price_column, book_word)
    if problems:
        raise ContractError([f"{where(row)}, column {column}: {message}" for row, column, message in problems])
    amendment = links.root >= 0
    columns["term"] = links.term
    columns["period"] = np.where(links.period == 0, links.term, links.period)
    columns["renews"] = links.renews.astype(bool)
    columns["value"] = np.where(amendment, links.value, columns["value"])
    columns["segment"] = np.where(amendment, columns["segment"][np.maximum(links.root, 0)], columns["segment"])
    if columns.get("billing") is not None:
        columns["billing"] = columns["billing"][links.billing_from]
    columns.update(amends=links.root, renewal_of=links.renews_root, stop=links.stop)
    return columns


def _prices_and_values(prices_per_year, term: np.ndarray) -> tuple[np.ndarray, dict, np.ndarray]:
    """Each contract's first yearly price, the ramp deals (position: their yearly prices) and each term's value.

    ``prices_per_year`` holds one yearly price in cents per contract, or a list or tuple of them.
    The value of a term is its price times its length, to the nearest cent (:func:`recurring_value`).
    """
    ramps = {i: tuple(int(x) for x in p) for i, p in enumerate(prices_per_year)
             if isinstance(p, (list, tuple)) and len(p) > 1}
    first_price = np.array([p[0] if isinstance(p, (list, tuple)) else p for p in prices_per_year], np.int64)
    value = round_half_up(first_price * term, 12)  # recurring_value at one price, for every contract at once
    for i, yearly in ramps.items():
        value[i] = recurring_value(yearly, int(term[i]))
    return first_price, ramps, value


def ramp_years(book: Book, index: np.ndarray):
    """Ramp deals ``index`` as arrays: each deal's number of years, and a row per contract year
    (the deal's position in ``index``, the year counted from 0, its yearly price)."""
    deals = list(map(book.ramps.__getitem__, index.tolist()))  # map and chain: no Python step per price
    years = np.fromiter(map(len, deals), np.int64, len(deals))
    prices = np.fromiter(chain.from_iterable(deals), np.int64, int(years.sum()))
    owner, year = spread(years)
    return years, owner, year, prices
