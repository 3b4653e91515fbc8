"""The rules revlib applies, in plain words, and the engine that applies them.

Rules
-----
Every amount is held in whole cents. A month is the unit of time: a contract
starts on the first day of its ``start`` month, and balances are read at month end.

Bookings
    A contract books its total contract value (TCV: the recurring value of the
    term plus services) in the month it is ``signed``. A contract that
    ``renews`` books the recurring value of one more term in the month each
    renewal starts; those are ``renewal_bookings``, and ``bookings`` includes them.
Billings
    Invoices go out in advance, at the start of each billing period of 1, 3, 6
    or 12 months (monthly, quarterly, semiannual, annual), or once for the whole
    term (upfront). A term that is not a whole number of periods ends with a
    shorter invoice for the months left. Services go on the first invoice. Each
    renewed term is billed like the first. A renewing contract whose billing
    period is longer than its term (a month-to-month contract paid yearly) is
    billed every period for the months that period covers.
Revenue
    Recurring revenue is recognised evenly, month by month, while the contract is
    in service, even when the prices of its years differ (a ramp deal is one
    promise, priced over the whole term). Services are recognised in the first
    month of service.
Deferred revenue and unbilled revenue
    At each month end, for each contract: billed to date less recognised to date.
    Where that is positive it is deferred revenue (a liability: cash asked for,
    work not yet done); where negative, unbilled revenue (a contract asset: work
    done, not yet invoiced). They are summed over contracts, never netted across them.
Backlog (remaining performance obligations)
    For each contract at month end: booked to date less recognised to date, the
    revenue still to be earned from what is signed, and never less than the
    contract's deferred revenue. A period that has been invoiced is committed,
    so it is in backlog even when its term has not been booked yet: a
    month-to-month contract paid a year ahead has booked one month but been
    invoiced for twelve, and its backlog is the eleven months invoiced and not
    yet earned (ASC 606 counts contract liabilities in remaining performance
    obligations). Current backlog (cRPO) is the part of backlog to be
    recognised in the next 12 months; a renewal that has not started and has
    not been invoiced is in neither.
MRR, ARR and customers
    MRR is the recurring monthly price of every contract in service that month
    (services never count); for a ramp deal, the price of the contract year in
    effect. ARR is 12 times the exact price (a $2,000-a-year contract has ARR
    $2,000.00 and MRR $166.67 in every month of its term). Customers is the
    number of distinct customers with recurring revenue that month.
Cents
    Where an amount is not a whole number of cents ($1,000 a year is $83.333 a
    month), each month's revenue and each invoice is rounded down to the cent
    and the remainder goes to the term's last month and last invoice
    ($83.33 x 11 + $83.37; billed quarterly, 4 x $250.00). So every contract's
    billings and revenue add up exactly to its contract value, and a contract
    billed in advance never shows a cent of unbilled revenue. The recurring
    value of a term is its price times its length, to the nearest cent.

How the engine works
--------------------
Nothing loops over contract-months. Each figure is a sum of *events*: an amount
in a month, possibly repeating every P months (an invoice every quarter, a
renewal every term). Events are counted into a (group x month) grid with
``numpy.bincount``, and a repeat every P months is a cumulative sum taken with
stride P. The work grows with the number of contracts plus the number of months,
not their product.

Every event's amount is a sum of a few per-contract amounts (the value, the
services, a month's revenue, an invoice, the run rate), and its months depend
only on the contract's terms. So contracts at a single price that share their
group, start, signing month, term, billing and renewal are merged first, their
amounts added: a book of a million contracts is scheduled as a few thousand
rows. Ramp deals, whose unbilled revenue must be clipped per contract, are
computed contract by contract; renewing contracts invoiced over periods longer
than their term, whose backlog is held at their deferred revenue where that is
larger, row by row after merging. Distinct customers are counted with one 64-bit
mask of months per customer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .contract import BILLING_MONTHS, Contract, recurring_value

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

_FLOAT_EXACT = 2**52

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
    """A list of contracts held as columns (numpy arrays), ready for the engine."""

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
    customer_code: np.ndarray = field(init=False, repr=False)  # customers numbered from 0

    @classmethod
    def of(cls, contracts) -> "Book":
        """Columns from a Contract, a list of them, a DataFrame or a CSV path."""
        if isinstance(contracts, cls):
            return contracts
        if isinstance(contracts, Contract):
            contracts = [contracts]
        elif isinstance(contracts, (pd.DataFrame, str)) or hasattr(contracts, "__fspath__"):
            from .load import load_contracts

            contracts = load_contracts(contracts)
        contracts = list(contracts)
        if not contracts:
            raise ValueError("no contracts to schedule")
        n = len(contracts)
        start = np.fromiter((c.start.ordinal for c in contracts), np.int64, n)
        signed = np.fromiter((c.signed.ordinal for c in contracts), np.int64, n)
        term = np.fromiter((c.term_months for c in contracts), np.int64, n)
        period = np.fromiter(
            (BILLING_MONTHS[c.billing] or c.term_months for c in contracts), np.int64, n
        )
        prices = [c.prices_per_year for c in contracts]
        first_price = np.fromiter((p[0] for p in prices), np.int64, n)
        ramps = {i: p for i, p in enumerate(prices) if len(p) > 1}
        value = (2 * first_price * term + 12) // 24
        for i, p in ramps.items():
            value[i] = recurring_value(p, int(term[i]))
        services = np.fromiter((c.services_cents for c in contracts), np.int64, n)
        top = first_price.copy()
        for i, p in ramps.items():
            top[i] = max(p)
        worth = int(np.maximum(value + services, top).sum(dtype=float))  # each at most $1 trillion: no overflow
        if worth > MAX_BOOK_CENTS:
            from .contract import ContractError

            raise ContractError([f"the contracts are worth ${worth // 100:,} together, more than "
                                 f"${MAX_BOOK_CENTS // 100:,}, the most revlib adds up to the cent"])
        return cls(
            customer=np.array([c.customer for c in contracts], dtype=object),
            segment=np.array([c.segment or "(none)" for c in contracts], dtype=object),
            label=np.array([c.contract_id or f"#{i + 1}" for i, c in enumerate(contracts)], dtype=object),
            start=start,
            signed=signed,
            term=term,
            period=period,
            renews=np.fromiter((c.renews for c in contracts), bool, n),
            services=services,
            value=value,
            first_price=first_price,
            ramps=ramps,
        )

    @classmethod
    def from_arrays(cls, customer, start, term_months, prices_per_year, billing_months, services, renews,
                    signed=None) -> "Book":
        """A book straight from columns, for generated books that are valid by construction.

        Nothing is checked here: a contract file goes through :func:`revlib.load_contracts`.
        ``start`` and ``signed`` are monthly Period ordinals; ``prices_per_year``
        is one yearly price in cents per contract, or a list of them for a ramp;
        ``billing_months`` is 1, 3, 6 or 12, or 0 for upfront; money is in cents.

        >>> b = Book.from_arrays(["A"], [624], [36], [120_000], [1], [100_000], [False])
        >>> int(b.value[0] + b.services[0])
        460000
        """
        start = np.asarray(start, np.int64)
        term = np.asarray(term_months, np.int64)
        period = np.asarray(billing_months, np.int64)
        ramps = {i: tuple(int(x) for x in p) for i, p in enumerate(prices_per_year) if isinstance(p, (list, tuple))}
        first = np.array([p[0] if isinstance(p, (list, tuple)) else p for p in prices_per_year], np.int64)
        value = (2 * first * term + 12) // 24
        for i, p in ramps.items():
            value[i] = recurring_value(p, int(term[i]))
        n = len(start)
        return cls(
            customer=np.asarray(customer, dtype=object),
            segment=np.full(n, "(none)", dtype=object),
            label=np.array([f"#{i + 1}" for i in range(n)], dtype=object),
            start=start,
            signed=start if signed is None else np.asarray(signed, np.int64),
            term=term,
            period=np.where(period == 0, term, period),
            renews=np.asarray(renews, bool),
            services=np.asarray(services, np.int64),
            value=value,
            first_price=first,
            ramps=ramps,
        )

    def __len__(self) -> int:
        return len(self.start)

    def __post_init__(self):
        self.customer_code = pd.factorize(self.customer)[0].astype(np.int64)


@dataclass
class _Terms:
    """Contracts as the engine reads them: cents, and months counted from the grid's first.

    ``monthly`` is a month's recurring revenue before the term's last month,
    ``invoice`` an invoice before the term's last (at a single price), ``mrr``
    and ``arr`` the run rate at the first price. Every figure is a sum of these
    amounts, so contracts on the same terms can be merged into one row with
    their amounts added (:meth:`merged`).
    """

    group: np.ndarray
    start: np.ndarray
    signed: np.ndarray
    term: np.ndarray
    period: np.ndarray
    renews: np.ndarray
    value: np.ndarray
    services: np.ndarray
    monthly: np.ndarray
    invoice: np.ndarray
    mrr: np.ndarray
    arr: np.ndarray

    @classmethod
    def of(cls, book: Book, rows, group: np.ndarray, origin: int) -> "_Terms":
        """The contracts at ``rows`` of a book, each in its group."""
        value, term, period, price = book.value[rows], book.term[rows], book.period[rows], book.first_price[rows]
        return cls(group=group, start=book.start[rows] - origin, signed=book.signed[rows] - origin, term=term,
                   period=period, renews=book.renews[rows], value=value, services=book.services[rows],
                   monthly=value // term, invoice=value * period // term, mrr=(2 * price + 12) // 24, arr=price)

    def merged(self) -> "_Terms":
        """One row for each distinct group, start, signing, term, billing and renewal; amounts added."""
        keys = ("group", "start", "signed", "term", "period", "renews")
        if not len(self.group):
            return self
        columns = [getattr(self, k).astype(np.int64) for k in keys]
        lows = [int(c.min()) for c in columns]
        spans = [int(c.max()) - low + 1 for c, low in zip(columns, lows)]
        if np.prod(spans, dtype=float) >= 2**62:
            return self
        code = np.zeros(len(self.group), np.int64)
        for column, low, span in zip(columns, lows, spans):
            code = code * span + (column - low)
        ids, rest = _factorize(code, int(np.prod(spans)))
        if len(rest) == len(code):
            return self
        fields = {}
        for name, low, span in reversed(list(zip(keys, lows, spans))):
            rest, digit = np.divmod(rest, span)
            fields[name] = digit + low
        fields["renews"] = fields["renews"].astype(bool)
        for name in ("value", "services", "monthly", "invoice", "mrr", "arr"):
            fields[name] = _sum_by(ids, getattr(self, name), len(fields["group"]))
        return _Terms(**fields)


def _factorize(key: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Number the distinct keys (each from 0 to ``size - 1``): each key's number, and the keys, sorted."""
    if size <= 4 * len(key) + 65_536:  # a direct table beats hashing
        present = np.zeros(size, bool)
        present[key] = True
        return (np.cumsum(present) - 1)[key], np.flatnonzero(present)
    ids, uniques = pd.factorize(key, sort=True)
    return ids.astype(np.int64), np.asarray(uniques, np.int64)


def _sum_by(ids: np.ndarray, amount: np.ndarray, size: int) -> np.ndarray:
    """Amounts added up by id, exactly in cents."""
    if np.abs(amount).sum() < _FLOAT_EXACT:
        return np.rint(np.bincount(ids, weights=amount, minlength=size)).astype(np.int64)
    total = np.zeros(size, np.int64)  # beyond what a float adds exactly: add whole numbers
    np.add.at(total, ids, amount)
    return total


def _adder(rows: np.ndarray):
    """A function adding each row of values to a target's row ``rows[i]`` (several may share one)."""
    order = np.argsort(rows, kind="stable")
    ordered = rows[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])

    def add(target: np.ndarray, values: np.ndarray) -> None:
        target[ordered[starts]] += np.add.reduceat(values[order], starts, axis=0, dtype=np.int64)

    return add


class _Events:
    """Amounts placed in (group, month) cells, each possibly repeating every P months."""

    def __init__(self, groups: int, months: int):
        self.groups, self.months = groups, months
        self.parts: list[tuple] = []

    def add(self, group, month, amount, ones: int = 0, strides=()):
        """Add ``amount`` at ``month``; ``ones`` running totals, then a repeat every stride months.

        ``ones=1`` turns an amount into a level that holds from that month on
        (close it with the negative amount where it stops). Each stride repeats
        the amount every that many months from there on.
        """
        group, month, amount = np.broadcast_arrays(
            np.asarray(group, np.int64), np.asarray(month, np.int64), np.asarray(amount, np.int64)
        )
        keep = (amount != 0) & (month < self.months)
        if not keep.any():
            return
        columns = [np.broadcast_to(np.asarray(s, np.int64), month.shape)[keep] for s in strides]
        self.parts.append((group[keep], month[keep], amount[keep], ones, columns))

    def grid(self) -> np.ndarray:
        """The (groups x months) totals, in cents."""
        total = np.zeros((self.groups, self.months), np.int64)
        level = np.zeros((self.groups, self.months), np.int64)
        for group, month, amount, ones, strides in self.parts:
            for pick, ones_here, repeats in self._patterns(ones, strides):
                rows, cells = _bincount_rows(group[pick], month[pick], amount[pick], self.months, self.groups)
                for stride in repeats:
                    cells = _repeat_every(cells, stride)
                for _ in range(ones_here - 1):
                    cells = np.cumsum(cells, axis=1)
                (level if ones_here else total)[rows] += cells
        return total + np.cumsum(level, axis=1)

    def _patterns(self, ones: int, strides: list):
        """Split events by how they repeat: (which events, running totals, strides > 1)."""
        if not strides:
            yield slice(None), ones, []
            return
        stack = np.stack(strides, axis=1)
        stack = np.where(stack >= self.months, 0, stack)  # a repeat past the window is no repeat
        ones_each = ones + (stack == 1).sum(axis=1)
        stack = np.sort(np.where(stack == 1, 0, stack), axis=1)
        base = self.months + 1
        code = ones_each
        for column in stack.T:
            code = code * base + column
        which, codes = pd.factorize(code)
        if len(codes) > 1:  # one sort, then each pattern is a slice of it
            order = np.argsort(which, kind="stable")
            bounds = np.r_[0, np.cumsum(np.bincount(which, minlength=len(codes)))]
        for k, key in enumerate(codes.tolist()):
            repeats = []
            for _ in range(stack.shape[1]):
                key, stride = divmod(key, base)
                if stride:
                    repeats.append(stride)
            yield (order[bounds[k]:bounds[k + 1]] if len(codes) > 1 else slice(None)), key, repeats


def _bincount_rows(group, month, amount, months, groups):
    """Sum amounts into a compact (distinct groups x months) grid, exactly in cents."""
    if groups == 1:
        rows, compact = np.zeros(1, np.int64), np.zeros(len(group), np.int64)
    else:
        compact, rows = pd.factorize(group)
    cells = _sum_by(compact * months + month, amount, len(rows) * months)
    return rows, cells.reshape(len(rows), months)


def _repeat_every(cells: np.ndarray, stride: int) -> np.ndarray:
    """Each amount repeated every ``stride`` months from where it stands (a strided cumulative sum)."""
    groups, months = cells.shape
    padded = -(-months // stride) * stride
    work = np.zeros((groups, padded), np.int64)
    work[:, :months] = cells
    return work.reshape(groups, padded // stride, stride).cumsum(axis=1).reshape(groups, padded)[:, :months]


def _flows(t: _Terms, groups: int, months: int, ramps=None) -> dict:
    """Monthly bookings, billings, revenue, MRR and ARR, in cents, per group.

    ``ramps`` (from :func:`_ramp_years`) marks every row as a ramp deal, priced year by year.
    """
    g, s, signed, T, p, ren = t.group, t.start, t.signed, t.term, t.period, t.renews
    V, S, r = t.value, t.services, t.monthly
    last_r = V - (T - 1) * r
    no_repeat = np.where(ren, T, months)  # a stride past the window repeats nothing

    def new():
        return _Events(groups, months)

    bookings, renewal, services = new(), new(), new()
    bookings.add(g, signed, V + S)
    renewal.add(g[ren], (s + T)[ren], V[ren], strides=(T[ren],))
    services.add(g, s, S)

    recurring = new()
    recurring.add(g, s, r, ones=1)
    recurring.add(g[~ren], (s + T)[~ren], -r[~ren], ones=1)
    recurring.add(g, s + T - 1, last_r - r, strides=(no_repeat,))

    billings, mrr, arr = new(), new(), new()
    billings.add(g, s, S)
    if ramps is None:
        _bill_single_price(billings, t, last_r, no_repeat, months)
        _run_rates(mrr, arr, t)
    else:
        _bill_ramps(billings, t, ramps, months)
        _ramp_run_rates(mrr, arr, t, ramps, months)

    unbooked = new()
    _unbooked_revenue(unbooked, g, s, signed, T, r, last_r, S, ren)
    return {
        "bookings_signed": bookings.grid(),
        "renewal_bookings": renewal.grid(),
        "billings": billings.grid(),
        "recurring_revenue": recurring.grid(),
        "services_revenue": services.grid(),
        "mrr": mrr.grid(),
        "arr": arr.grid(),
        "unbooked": unbooked.grid(),
    }


def _bill_single_price(billings, t: _Terms, last_r, no_repeat, months):
    """Invoices at one price: equal invoices every period, the last one for the rest of the term's value."""
    g, s, T, p, ren, V = t.group, t.start, t.term, t.period, t.renews, t.value
    level = ~ren | (p <= T)
    n = -(-T // p)
    b = t.invoice
    last_b = V - (n - 1) * b
    several = level & (n > 1)
    billings.add(g[several], s[several], b[several], strides=(p[several], no_repeat[several]))
    end = s + (n - 1) * p
    billings.add(g[several], end[several], -b[several], strides=(p[several], no_repeat[several]))
    billings.add(g[level], end[level], last_b[level], strides=(no_repeat[level],))
    _bill_longer_periods(billings, g, s, T, p, t.monthly, last_r, ren & (p > T), months)


def _unbooked_revenue(events, g, s, signed, T, r, last_r, S, ren):
    """For each month, the next 12 months' revenue that belongs to terms not booked yet.

    A month of revenue at x, from a term booked at b, counts from month x - 12
    up to the month before b: that is, while it is in the next 12 months but
    its term is not yet signed (a first term signed later, or a renewal that has
    not started). Each month of revenue is placed at x - 12 and taken away at b.
    """
    # The first term, booked when signed: its months within 12 months of signing.
    within = np.clip(signed + 12 - s, 0, T)
    has = within > 0
    whole = has & (within == T)
    value = within * r + np.where(whole, last_r - r, 0)
    events.add(g[has], (s - 12)[has], r[has], ones=2)
    events.add(g[has], (s - 12 + within)[has], -r[has], ones=2)
    events.add(g[whole], (s + T - 13)[whole], (last_r - r)[whole], ones=1)
    events.add(g[has], (s - 12)[has], S[has], ones=1)
    events.add(g[has], signed[has], -(value + S)[has], ones=1)
    # Each renewal, booked when it starts: its first 12 months, every term.
    within = np.minimum(T, 12)[ren]
    first, Tr, rr = (s + T)[ren], T[ren], r[ren]
    whole = Tr <= 12
    events.add(g[ren], first - 12, rr, ones=2, strides=(Tr,))
    events.add(g[ren], first - 12 + within, -rr, ones=2, strides=(Tr,))
    events.add(g[ren][whole], (first + Tr - 13)[whole], (last_r[ren] - rr)[whole], ones=1, strides=(Tr[whole],))
    value = within * rr + np.where(whole, last_r[ren] - rr, 0)
    events.add(g[ren], first, -value, ones=1, strides=(Tr,))


def _bill_longer_periods(billings, g, s, T, p, r, last_r, pick, months):
    """Renewing contracts billed over periods longer than their term: each invoice is the revenue it covers."""
    even = pick & (r == last_r)
    billings.add(g[even], s[even], (p * r)[even], strides=(p[even],))
    uneven = np.flatnonzero(pick & (r != last_r))
    if not len(uneven):
        return
    count = np.maximum(0, -(-(months - s[uneven]) // p[uneven]))
    which = np.repeat(uneven, count)
    k = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    P, TT = p[which], T[which]
    term_ends = (k + 1) * P // TT - k * P // TT
    billings.add(g[which], s[which] + k * P, P * r[which] + (last_r - r)[which] * term_ends)


def _ramp_years(book: Book, index: np.ndarray):
    """Ramp deals ``index`` as arrays: each deal's number of years, and a row per contract year
    (the deal's position in ``index``, the year counted from 0, its yearly price)."""
    years = np.fromiter((len(book.ramps[i]) for i in index.tolist()), np.int64, len(index))
    prices = np.fromiter((x for i in index.tolist() for x in book.ramps[i]), np.int64, int(years.sum()))
    owner, year = _spread(years)
    return years, owner, year, prices


def _spread(counts: np.ndarray):
    """For items repeated ``counts`` times: which item each copy is, and its number within the item."""
    which = np.repeat(np.arange(len(counts)), counts)
    return which, np.arange(len(which)) - np.repeat(np.cumsum(counts) - counts, counts)


def _bill_ramps(billings, t: _Terms, ramps, months):
    """Ramp deals: each invoice is the price of the months it covers, down to the cent; the rest on the last.

    Billing periods of 1, 3, 6 and 12 months fall inside one contract year; upfront is one invoice.
    """
    years, _, _, prices = ramps
    first_row = np.cumsum(years) - years
    T, p = t.term, t.period
    n = -(-T // p)
    which, k = _spread(n)
    begin = k * p[which]
    length = np.minimum(p[which], T[which] - begin)
    yearly = prices[first_row[which] + begin // 12]
    amount = (yearly * length) // 12
    last = np.cumsum(n) - 1
    others = np.add.reduceat(amount, np.cumsum(n) - n) - amount[last]
    amount[last] = t.value - others
    stride = np.where(t.renews[which], T[which], months)
    billings.add(t.group[which], t.start[which] + begin, amount, strides=(stride,))


def _run_rates(mrr, arr, t: _Terms):
    """MRR and ARR at a single price: from the start, until the term ends unless it renews."""
    ends = ~t.renews
    for events, amount in ((mrr, t.mrr), (arr, t.arr)):
        events.add(t.group, t.start, amount, ones=1)
        events.add(t.group[ends], (t.start + t.term)[ends], -amount[ends], ones=1)


def _ramp_run_rates(mrr, arr, t: _Terms, ramps, months):
    """MRR and ARR of ramp deals: each contract year at its own price, every term if it renews."""
    _, owner, year, prices = ramps
    s, T = t.start[owner], t.term[owner]
    stride = np.where(t.renews[owner], T, months)
    for events, amount in ((mrr, (2 * prices + 12) // 24), (arr, prices)):
        events.add(t.group[owner], s + 12 * year, amount, ones=1, strides=(stride,))
        events.add(t.group[owner], s + np.minimum(12 * year + 12, T), -amount, ones=1, strides=(stride,))


def _in_service(book: Book, origin: int, months: int):
    """Spans of months with recurring revenue: contract index, first month, month after the last."""
    s = book.start - origin
    spans = []
    flat = np.ones(len(book), bool)
    flat[list(book.ramps)] = False
    pick = flat & (book.first_price > 0)
    end = np.where(book.renews, months, s + book.term)
    spans.append((np.flatnonzero(pick), s[pick], end[pick]))
    if book.ramps:
        index = np.array(sorted(book.ramps), np.int64)
        _, owner, year, prices = _ramp_years(book, index)
        owner = index[owner]
        free_year = np.zeros(len(book), bool)
        free_year[owner[prices == 0]] = True
        whole = index[book.renews[index] & ~free_year[index]]  # renewing, paying every year: in service from start
        spans.append((whole, s[whole], np.full(len(whole), months)))
        once = ~book.renews[owner] & (prices > 0)  # each paying contract year of a ramp that ends
        spans.append((owner[once], (s[owner] + 12 * year)[once],
                      (s[owner] + np.minimum(12 * year + 12, book.term[owner]))[once]))
        for i in index[book.renews[index] & free_year[index]]:  # rare: renewing, with a year at no charge
            term, prices_i = int(book.term[i]), book.ramps[int(i)]
            for shift in range(0, max(months - int(s[i]), 0), term):
                for y, yearly in enumerate(prices_i):
                    if yearly:
                        spans.append(([i], [s[i] + shift + 12 * y], [s[i] + shift + min(12 * y + 12, term)]))
    who = np.concatenate([np.asarray(x, np.int64) for x, _, _ in spans])
    first = np.concatenate([np.asarray(a, np.int64) for _, a, _ in spans])
    stop = np.minimum(np.concatenate([np.asarray(e, np.int64) for _, _, e in spans]), months)
    keep = first < stop
    return who[keep], first[keep], stop[keep]


_LOW_BITS = np.array([(1 << k) - 1 for k in range(65)], dtype=np.uint64)
_BYTE_BITS = np.unpackbits(np.arange(256, dtype=np.uint8)[:, None], axis=1, bitorder="little").astype(np.int64)


def _active_customers(book: Book, group: np.ndarray, groups: int, origin: int, months: int) -> np.ndarray:
    """Distinct customers with recurring revenue in each (group, month).

    Each customer's months in service are the bits of a 64-bit mask (64 months at a
    time): the masks of its contracts are OR-ed together, then each bit is counted.
    """
    counts = np.zeros((groups, months), np.int64)
    who, first, stop = _in_service(book, origin, months)
    if not len(who):
        return counts
    customers = int(book.customer_code.max()) + 1
    ids, keys = _factorize(group[who] * customers + book.customer_code[who], groups * customers)
    for block in range(0, months, 64):
        width = min(64, months - block)
        mask = np.zeros(len(keys), np.uint64)
        np.bitwise_or.at(mask, ids, _LOW_BITS[np.clip(stop - block, 0, 64)] & ~_LOW_BITS[np.clip(first - block, 0, 64)])
        counts[:, block:block + width] = _count_bits(mask, keys // customers, groups)[:, :width]
    return counts


def _count_bits(mask: np.ndarray, rows: np.ndarray, groups: int) -> np.ndarray:
    """(groups x 64) counts: how many masks of each row have each bit set."""
    octets = mask.astype("<u8").view(np.uint8).reshape(-1, 8)
    out = np.zeros((groups, 64), np.int64)
    if groups <= 4096:  # a histogram of each byte's values, then the bits of each value
        for j in range(8):
            hist = np.bincount(rows * 256 + octets[:, j], minlength=groups * 256).reshape(groups, 256)
            out[:, 8 * j:8 * j + 8] = hist @ _BYTE_BITS
    else:
        _adder(rows)(out, np.unpackbits(octets, axis=1, bitorder="little"))
    return out


def _period(ordinal: int) -> pd.Period:
    return pd.Period(ordinal=ordinal, freq="M")


def _month(value) -> int:
    from .contract import parse_month

    return parse_month(value).ordinal


def default_span(book: Book) -> tuple[int, int]:
    """First and last month (ordinals) a schedule shows when none is chosen.

    From the first signed or start month to the end of the last non-renewing
    contract, and at least 36 months.
    """
    first = int(min(book.signed.min(), book.start.min()))
    ends = (book.start + book.term - 1)[~book.renews]
    last = max(first + 35, int(ends.max()) if len(ends) else first)
    return first, last


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
    book = Book.of(contracts)
    first, last = default_span(book)
    if start is not None:
        first = _month(start)
        last = max(last, first)
    if end is not None:
        last = _month(end)
    if last < first:
        raise ValueError(f"end {_period(last)} is before start {_period(first)}")
    # Twelve months before the first event and after the window, for what lies 12 months ahead.
    origin = int(min(book.signed.min(), first)) - 12
    months = last - origin + 1 + 12

    labels, group = _groups(book, by)
    cents = _cents(book, group, len(labels), origin, months)
    shown = slice(first - origin, last - origin + 1)
    index = pd.period_range(_period(first), _period(last), freq="M", name="month")
    data = {}
    for column in COLUMNS:
        values = cents[column][:, shown].ravel()
        data[column] = values if column == "customers" else values / 100
    if by is None:
        return pd.DataFrame(data, index=index, columns=list(COLUMNS))
    rows = pd.MultiIndex.from_product([pd.Index(labels, dtype=str), index], names=[by, "month"])
    return pd.DataFrame(data, index=rows, columns=list(COLUMNS))


def starts_empty(schedule: pd.DataFrame) -> bool:
    """True when nothing was booked before the schedule's first month (for each group of a split schedule).

    Then every balance before that month was zero, so the first month's movements are known.
    Nothing was billed before when billings less revenue is the month's net deferred
    revenue; nothing was booked before when bookings less revenue is its backlog, or,
    where a contract is invoiced beyond its booked term, when its backlog is the
    month's billings less revenue. A group that mixes both kinds in its first month
    is not known to start empty.

    >>> from revlib import examples
    >>> starts_empty(schedule(examples.nine_clients())), starts_empty(schedule(examples.nine_clients(), start="2022-06"))
    (True, False)
    """
    first = schedule.groupby(level=0).head(1) if schedule.index.nlevels > 1 else schedule.iloc[:1]
    billed_before = (first["deferred_revenue"] - first["unbilled_revenue"] - first["billings"] + first["revenue"]).round(2)
    booked_before = (first["backlog"] - first["bookings"] + first["revenue"]).round(2)
    invoiced_beyond = (first["backlog"] - first["billings"] + first["revenue"]).round(2)
    return bool(((billed_before == 0) & ((booked_before == 0) | (invoiced_beyond == 0))).all())


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


def _cents(book: Book, group: np.ndarray, groups: int, origin: int, months: int) -> dict:
    """Every schedule column in cents, as (groups x months) arrays from ``origin``.

    Contracts at a single price are merged by their terms and computed together;
    ramp deals, whose unbilled revenue is clipped contract by contract, one by one.
    Renewing contracts billed over a period longer than their term can be invoiced
    ahead of what they have booked: they are scheduled row by row (merged by their
    terms first), so that each one's backlog is at least its deferred revenue.
    """
    ramp = np.zeros(len(book), bool)
    ramp[list(book.ramps)] = True
    ahead = ~ramp & book.renews & (book.period > book.term)  # may be invoiced beyond what is booked
    separate = ramp | ahead
    flat = np.flatnonzero(~separate) if separate.any() else slice(None)
    flows = _flows(_Terms.of(book, flat, group[flat], origin).merged(), groups, months)
    owed = np.cumsum(flows["billings"] - flows["recurring_revenue"] - flows["services_revenue"], axis=1)
    unbilled = np.zeros_like(owed)
    invoiced_ahead = np.zeros_like(owed)  # deferred revenue beyond backlog, contract by contract
    parts = []
    if ahead.any():
        index = np.flatnonzero(ahead)
        terms = _Terms.of(book, index, group[index], origin).merged()
        target, terms.group = terms.group, np.arange(len(terms.group), dtype=np.int64)
        parts.append((target, _flows(terms, len(target), months)))
    if book.ramps:
        index = np.flatnonzero(ramp)
        terms = _Terms.of(book, index, np.arange(len(index)), origin)
        parts.append((group[index], _flows(terms, len(index), months, ramps=_ramp_years(book, index))))
    for target, each in parts:
        earned_each = each["recurring_revenue"] + each["services_revenue"]
        balance = np.cumsum(each["billings"] - earned_each, axis=1)
        booked = np.cumsum(each["bookings_signed"] + each["renewal_bookings"] - earned_each, axis=1)
        add = _adder(target)
        for name in flows:
            add(flows[name], each[name])
        add(owed, np.maximum(balance, 0))
        add(unbilled, np.maximum(-balance, 0))
        add(invoiced_ahead, np.maximum(balance - booked, 0))
    out = {
        "bookings": flows["bookings_signed"] + flows["renewal_bookings"],
        "renewal_bookings": flows["renewal_bookings"],
        "billings": flows["billings"],
        "recurring_revenue": flows["recurring_revenue"],
        "services_revenue": flows["services_revenue"],
        "mrr": flows["mrr"],
        "arr": flows["arr"],
    }
    out["revenue"] = out["recurring_revenue"] + out["services_revenue"]
    out["deferred_revenue"] = owed
    out["unbilled_revenue"] = unbilled
    # Backlog is at least deferred revenue, contract by contract: what is invoiced beyond
    # the booked terms is committed, and all of it is earned within the next 12 months.
    out["backlog"] = np.cumsum(out["bookings"] - out["revenue"], axis=1) + invoiced_ahead
    earned = np.cumsum(out["revenue"], axis=1)
    next_year = np.zeros_like(earned)
    next_year[:, :-12] = earned[:, 12:] - earned[:, :-12]  # revenue of the next 12 months
    out["current_backlog"] = next_year - flows["unbooked"] + invoiced_ahead
    out["customers"] = _active_customers(book, group, groups, origin, months)
    return out


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
    if not 1 <= int(fiscal_year_start) <= 12:
        raise ValueError(f"fiscal_year_start={fiscal_year_start!r} is not a month number from 1 to 12")
    months = schedule.index.get_level_values("month")
    shift = 0 if fiscal_year_start == 1 else 13 - int(fiscal_year_start)
    year = (months + shift).year if shift else months.year
    label = pd.Index([f"FY{y}" for y in year], name="fiscal_year")
    keys = [label] if schedule.index.nlevels == 1 else [schedule.index.get_level_values(0), label]
    money = [c for c in schedule.columns if c != "customers"]
    cents = (schedule[money] * 100).round().astype(np.int64)
    if "customers" in schedule.columns:
        cents["customers"] = schedule["customers"]
    grouped = cents.groupby(keys, sort=False)
    flows = [c for c in schedule.columns if c in FLOWS]
    rest = [c for c in schedule.columns if c not in FLOWS]
    result = pd.concat([grouped[flows].sum(), grouped[rest].last()], axis=1)[list(schedule.columns)]
    for column in money:
        result[column] = result[column] / 100
    return result
