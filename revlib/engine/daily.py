"""The daily convention: contracts that start on any day, their revenue spread over the days of each billing period.

``schedule(..., convention="daily")`` gives the same columns as the monthly convention
(:func:`revlib.engine.rules.figures`), rows still calendar months with balances at each
month's end, by these rules (the rest of :mod:`revlib.engine`'s rules hold as they are):

Term
    A term of N months runs from its start day to the day before the same day N months
    later. Where that month is shorter (a start on the 29th, 30th or 31st), the day is the
    month's last, as Stripe and ``dateutil`` count: from 31 January, one month ends on
    27 February and the next term starts on 28 February (29 in a leap year); every later
    date is counted from the start day again (31 March, 30 April, ...), never drifts.
Billings and bookings
    Each invoice is dated on the first day of its billing period, for the same amount as
    under the monthly convention; renewals are booked on the day they start. Both fall in
    the same months as under the monthly convention, so these columns do not change.
Revenue
    The recurring amount of each billing period (its invoice) is spread evenly over the
    period's days (Stripe's rule), rounded down to the cent in each month, the remainder in
    the period's last month: every invoice, and so every contract, ties out exactly. A ramp
    deal, one promise priced over its term, spreads each term's value evenly over the term's
    days instead (its revenue does not follow its yearly prices under either convention).
    Services are earned on the start day, and billed on the first invoice.
MRR, ARR and customers
    A contract counts, at its full price, in each month in whose last day it is in service.
    A term of N months is in service on the last day of exactly N months, from its start
    month on, so these columns are those of the monthly convention too.

A contract that starts on the 1st is in service for whole months, yet its revenue still
follows the days of its billing periods: a quarter billed from 1 January 2023 earns 31/90 of
its invoice in January under this convention (31/91 in a leap year; rounded down to the
cent), a third under the monthly one.

How: every billing period in the schedule's window is a row (no loop over contract-months),
made term by term and invoice by invoice (months and days as ``int32``). A period is two
amounts, its first month's share and the rest (in its last month), and the whole months
between: for each length of month (28 to 31 days) a period earns the same cents in each
of its whole months of that length, so they are one range of months per period, added to a
difference grid (``numpy.add.at``, exact in cents) whose running total is kept in the
months of that length. Day numbers come from a table by month and day (numpy
``datetime64``). Contracts on the same terms (group, start day, signing month, term,
billing and renewal) have their billing periods on the same days, so the periods, their
months and cells are made once for them (:class:`_Alike`); only each month's share is
computed contract by contract, rounded down, then added up (:class:`_Shares`), so every
contract still ties out; and periods on the same contracts with the same days (and first
month's days) have the same shares, computed once for each kind (:meth:`_Shares.kinds`).
They are taken a slice at a time to bound memory. Ramp deals are scheduled row by row for
their balances, their MRR and ARR by group; so are renewing contracts invoiced ahead, unless
their backlog can never be more than their next 12 months' revenue
(:func:`_backlog_within_a_year`: a term that divides a billing period of at most 12 months,
and a first term signed not too long before it starts), which are added up by group.
"""

from __future__ import annotations

import numpy as np

from .book import Book, ramp_years
from .grid import adder, run_sums, spread, stable_order, sum_by
from .customers import active_customers, in_service
from .rules import Terms, _flows, _next_12_months

CHUNK = 50_000
"""Contracts whose billing periods are cut into months at one time (bounds memory, not the result). Measured on
the benchmark's book of 1,000,000 (``tests/benchmarks/days.py``, CPU time): about 15% faster than slices of 250,000,
whose periods' arrays (megabytes each) are fresh pages to fault in slice after slice (three times the page faults);
25,000 no faster."""

SEPARATE_CHUNK = 5_000
"""Contracts scheduled row by row (ramp deals, and renewing contracts invoiced ahead) at one time (their grids stay
small: faster than larger slices)."""


RANGES_FROM = 8
"""Whole months of billing periods are added as ranges by length of month (:func:`_add_whole_months`, a few passes
over the grid for each length) when they are more than this many times the grid's cells, else one row each."""

TABLE_FROM = 1_000
"""More months than this, over fewer months from the first to the last, are converted to days through a table of
those (:func:`month_first_day`): converting a month to a day is a calendar's sum, looking one up is a read."""

MONTHLY_FLOWS = ("bookings_signed", "renewal_bookings", "billings", "services_revenue", "mrr", "arr")
"""The flows of the monthly convention (:func:`revlib.engine.rules._flows`) that the daily convention keeps as they
are (its recurring revenue, and the revenue not booked yet, are spread by day here)."""

SEPARATE_FLOWS = MONTHLY_FLOWS[:4]
"""Those of them the contracts scheduled row by row need contract by contract (their balances)."""


def figures(book: Book, group: np.ndarray, groups: int, origin: int, months: int) -> dict:
    """Every schedule column in cents, as (groups x months) arrays from ``origin``, under the daily convention.

    Bookings, billings, services, MRR, ARR and customers are those of the monthly convention
    (they fall in the same months); recurring revenue is spread by day, and the balances
    are read from it: contract by contract for ramp deals (whose unbilled revenue is clipped
    per contract) and renewing contracts invoiced beyond their term (whose backlog is at
    least their deferred revenue) unless their backlog stays within their next 12 months'
    revenue (:func:`_add_billed_ahead`), all together for the rest (billed in advance, each
    invoice earned after it is dated: never unbilled, never invoiced beyond what is booked).
    """
    ramp = np.zeros(len(book), bool)
    ramp[list(book.ramps)] = True
    ahead = ~ramp & book.renews & (book.period > book.term)
    apart = ramp | ahead
    pooled = np.flatnonzero(~apart)
    ahead = np.flatnonzero(ahead)
    years = ramp_years(book, np.flatnonzero(ramp))
    within_year = _backlog_within_a_year(book, ahead)
    ahead, within_year = ahead[~within_year], ahead[within_year]

    # The pooled contracts: recurring revenue, and the next 12 months' of it from terms not booked yet.
    recurring, unbooked = _Sums(groups, months), _Sums(groups, months)
    for part, alike in _alike_slices(book, group, pooled, CHUNK):
        _add_revenue(recurring, unbooked, group[part[alike.first]], _invoice_periods(book, part, origin, months, alike))
    recurring, unbooked = recurring.grid, unbooked.grid
    # Their other flows (those of the monthly convention) and services not booked yet, merged by their terms; then
    # the contracts row by row.
    terms = Terms.merged_of(book, group, origin, np.flatnonzero(apart))
    flows = _flows(terms, groups, months, names=MONTHLY_FLOWS)
    _add_unbooked_services(unbooked, terms)
    unbooked = np.cumsum(unbooked, axis=1)
    flows["ramp_step"] = np.zeros((groups, months), np.int64)  # only ramp deals step (below)
    pooled_flows = {name: flows[name].copy() for name in ("billings", "bookings_signed", "renewal_bookings",
                                                         "services_revenue")}
    separate = {name: np.zeros((groups, months), np.int64) for name in
                ("recurring", "deferred", "unbilled", "backlog", "current")}
    _add_billed_ahead(book, group, within_year, origin, flows, separate)
    for index, is_ramp in ((np.flatnonzero(ramp), True), (ahead, False)):
        if len(index):  # their MRR and ARR by group: ramp deals priced year by year, the others merged by terms
            terms = Terms.of(book, index, group[index], origin)
            rates = _flows(terms if is_ramp else terms.merged(), groups, months, ramps=years if is_ramp else None,
                           names=("mrr", "arr", "ramp_step"))
            for name in ("mrr", "arr", "ramp_step"):
                flows[name] += rates[name]
        for begin in range(0, len(index), SEPARATE_CHUNK):
            part = index[begin:begin + SEPARATE_CHUNK]
            rows = np.arange(len(part), dtype=np.int64)
            each = _flows(Terms.of(book, part, rows, origin), len(part), months,
                          ramps=_ramp_slice(years, begin, begin + len(part)) if is_ramp else None,
                          names=SEPARATE_FLOWS)
            earned = _Sums(len(part), months)
            _add_revenue(earned, None, rows, (_term_periods if is_ramp else _ahead_periods)(book, part, origin, months))
            earned = earned.grid
            add = adder(group[part])
            add(separate["recurring"], earned)
            for name in SEPARATE_FLOWS:
                add(flows[name], each[name])
            booked = each["bookings_signed"] + each["renewal_bookings"]
            earned += each["services_revenue"]
            balance = np.cumsum(each["billings"] - earned, axis=1)
            backlog = np.maximum(np.cumsum(booked - earned, axis=1), balance)  # never less than deferred revenue
            add(separate["deferred"], np.maximum(balance, 0))
            add(separate["unbilled"], np.maximum(-balance, 0))
            add(separate["backlog"], backlog)
            add(separate["current"], np.minimum(backlog, _next_12_months(earned)))

    out = {"bookings": flows["bookings_signed"] + flows["renewal_bookings"]}
    out.update((name, flows[name]) for name in ("renewal_bookings", "billings", "services_revenue", "mrr", "arr",
                                                "ramp_step"))
    out["customers"] = active_customers(book, group, groups, origin, months, in_service(book, origin, months, years))
    flows = {"billings": pooled_flows["billings"], "services_revenue": pooled_flows["services_revenue"],
             "bookings": pooled_flows["bookings_signed"] + pooled_flows["renewal_bookings"]}
    earned = recurring + flows["services_revenue"]  # the pooled contracts'
    out["recurring_revenue"] = recurring + separate["recurring"]
    out["revenue"] = out["recurring_revenue"] + out["services_revenue"]
    # Pooled: invoiced in advance and earned after (no unbilled revenue, no clip); backlog is booked less earned.
    out["deferred_revenue"] = np.cumsum(flows["billings"] - earned, axis=1) + separate["deferred"]
    out["unbilled_revenue"] = separate["unbilled"]
    out["backlog"] = np.cumsum(flows["bookings"] - earned, axis=1) + separate["backlog"]
    out["current_backlog"] = _next_12_months(earned) - unbooked + separate["current"]
    return out


def _ramp_slice(years: tuple, begin: int, end: int) -> tuple:
    """Of ramp deals' years (:func:`revlib.engine.book.ramp_years`), those of the deals ``begin:end``."""
    each, owner, year, prices = years
    first = int(each[:begin].sum())
    stop = first + int(each[begin:end].sum())
    return each[begin:end], owner[first:stop] - begin, year[first:stop], prices[first:stop]


def _backlog_within_a_year(book: Book, index: np.ndarray) -> np.ndarray:
    """Of renewing contracts invoiced over periods longer than their term (``index``), those whose backlog is never
    more than their next 12 months' revenue: every invoice's revenue is earned within 12 months of it (periods of
    at most 12 months), every renewal by the end of the invoice periods 12 months after it starts (a period of a
    whole number of terms), and the first term, from the month it is signed, within 12 months of it.

    For the first term, signed ``early`` months before its start: the first invoice period (``period // term``
    terms) ends within 12 months of signing when ``early <= 12 - period``; else, at least its revenue up to the
    end of the 12th month after signing is enough, each month's share rounded down losing less than a cent.
    """
    start, signed, term, period = (book.start[index], book.signed[index], book.term[index], book.period[index])
    day = book.start_day[index]

    def on_day(month):  # the day number of the start day in ``month`` (its last day where shorter)
        first = month_first_day(month)
        return first + np.minimum(day, month_first_day(month + 1) - first) - 1

    early = start - signed
    begin = on_day(start)
    seen = month_first_day(signed + 13) - begin  # the first period's days up to the 12th month after signing
    least = (period // term) * book.value[index] * seen // (on_day(start + period) - begin) - (signed + 12 - start)
    return ((period <= 12) & (period % term == 0)
            & ((early <= 12 - period) | ((early <= 12) & (least >= book.value[index]))))


def _add_billed_ahead(book: Book, group: np.ndarray, index: np.ndarray, origin: int, flows: dict,
                      separate: dict) -> None:
    """Renewing contracts invoiced ahead whose backlog is never more than their next 12 months' revenue
    (:func:`_backlog_within_a_year`), all together: their flows into ``flows``, their revenue and balances into
    ``separate``. Each invoice is dated before the days it is earned over, so their deferred revenue is never
    negative (never unbilled); their backlog is booked less earned, plus what is invoiced beyond what is booked
    (a monthly figure, row by row after merging by terms, as :func:`revlib.engine.rules.figures` has it); and
    their current backlog is all of it (none where the grid does not reach 12 months ahead).
    """
    if not len(index):
        return
    groups, months = separate["recurring"].shape
    recurring = _Sums(groups, months)
    # Each invoice is the revenue of the whole terms it covers (a term divides the period): the same amount every
    # period, as for a renewing contract whose term is its billing period (periods shared with those alike).
    whole, whole_group = book.take(index, text=False), group[index]  # the text columns are slow to copy
    whole.start_day = book.start_day[index]  # (a day column is not text, but take leaves it out with them)
    whole.value = whole.period // whole.term * whole.value
    whole.term = whole.period.copy()
    for part, alike in _alike_slices(whole, whole_group, np.arange(len(index)), CHUNK):
        _add_revenue(recurring, None, whole_group[part[alike.first]],
                     _invoice_periods(whole, part, origin, months, alike))
    recurring = recurring.grid
    terms = Terms.of(book, index, group[index], origin).merged()
    target, terms.group = terms.group, np.arange(len(terms.group), dtype=np.int64)
    each = _flows(terms, len(target), months, names=SEPARATE_FLOWS + ("mrr", "arr"))
    add = adder(target)
    own = {name: np.zeros((groups, months), np.int64) for name in SEPARATE_FLOWS}
    for name in SEPARATE_FLOWS:
        add(own[name], each[name])
        flows[name] += own[name]
    for name in ("mrr", "arr"):
        add(flows[name], each[name])
    ahead_of_booked = np.zeros((groups, months), np.int64)
    add(ahead_of_booked, np.maximum(np.cumsum(
        each["billings"] - each["bookings_signed"] - each["renewal_bookings"], axis=1), 0))
    earned = recurring + own["services_revenue"]
    separate["recurring"] += recurring
    separate["deferred"] += np.cumsum(own["billings"] - earned, axis=1)
    backlog = np.cumsum(own["bookings_signed"] + own["renewal_bookings"] - earned, axis=1) + ahead_of_booked
    separate["backlog"] += backlog
    backlog[:, months - 12:] = 0
    separate["current"] += backlog


def _add_unbooked_services(unbooked: np.ndarray, terms: Terms) -> None:
    """Services earned in the start month count as not booked yet from 12 months before it until signed."""
    groups, months = unbooked.shape
    services, start, signed = terms.services, terms.start, terms.signed
    late = (services > 0) & (signed > start - 12)
    at = np.concatenate([start[late] - 12, signed[late]])
    keep = at < months
    rows = np.concatenate([terms.group[late], terms.group[late]])
    unbooked += sum_by((rows * months + at)[keep], np.concatenate([services[late], -services[late]])[keep],
                       groups * months).reshape(groups, months)


class _Alike:
    """Contracts on the same terms (group, start day, signing month, term, billing, renewal), whose billing periods
    fall on the same days, next to each other: each one's contracts are at ``first[k]:first[k] + size[k]``
    (positions). ``ids`` numbers each contract's terms, in order."""

    def __init__(self, ids: np.ndarray, count: int):
        self.size = np.bincount(ids, minlength=count)
        self.first = np.cumsum(self.size) - self.size


def _alike_slices(book: Book, group: np.ndarray, index: np.ndarray, size: int):
    """``index`` in slices of about ``size`` contracts, each with its contracts on the same terms next to each
    other (:class:`_Alike`), never split between slices."""
    code = np.zeros(len(book), np.int64)  # numbered over the book, then taken at ``index`` (one gather)
    total = 1
    for column in (group, book.start, book.start_day, book.signed, book.term, book.period, book.renews):
        low = int(column.min(initial=0))
        span = int(column.max(initial=0)) - low + 1
        total *= span
        code *= span
        code += column
        code -= low
    code = code[index]
    ids = None
    if len(index) and total < 2**62:  # else too many keys to number: each alone
        order, code = stable_order(code, total)
        ids = np.cumsum(np.r_[True, code[1:] != code[:-1]]) - 1  # each contract's terms, in that order
        if int(ids[-1]) * 5 > len(index) * 4:  # hardly any alike: each alone
            ids = None
    if ids is None:
        for part in _slices(index, size):
            yield part, _Alike(np.arange(len(part)), len(part))
        return
    index = index[order]
    begin = 0
    while begin < len(index):
        end = min(begin + size, len(index))
        while end < len(index) and ids[end] == ids[end - 1]:
            end += 1
        part_ids = ids[begin:end]
        yield index[begin:end], _Alike(part_ids - part_ids[0], int(part_ids[-1] - part_ids[0]) + 1)
        begin = end


class _Shares:
    """The amounts of periods shared by several contracts (:class:`_Alike`): each period's month shares are rounded
    down contract by contract, then added up. ``pool`` holds the contracts' amounts, a period's contracts at
    ``pool[begin:begin + size]``."""

    def __init__(self, pool: np.ndarray, begin: np.ndarray, size: np.ndarray, total: np.ndarray):
        self.pool, self.begin, self.size, self.total = pool, begin, size, total
        self.single = bool((size == 1).all())

    @classmethod
    def each(cls, amount: np.ndarray) -> "_Shares":
        """Periods of one contract each."""
        return cls(amount, np.arange(len(amount)), np.ones(len(amount), np.int64), amount)

    def take(self, rows) -> "_Shares":
        """The periods at ``rows``."""
        return _Shares(self.pool, self.begin[rows], self.size[rows], self.total[rows])

    def share(self, rows, part, days) -> np.ndarray:
        """For the periods at ``rows`` (positions, repeats allowed), the sum over their contracts of each one's
        amount * ``part`` // ``days``."""
        begin = self.begin[rows]
        if self.single:
            return self.pool[begin] * part // days
        size = self.size[rows]
        if not len(size):
            return np.zeros(0, np.int64)
        starts = np.cumsum(size) - size
        at = np.repeat(begin - starts, size)  # each contract's place in the pool, less its place in the result
        at += np.arange(len(at), dtype=at.dtype)
        part, days = np.asarray(part), np.asarray(days)
        each = self.pool[at] * (np.repeat(part, size) if part.ndim else part)
        each //= np.repeat(days, size) if days.ndim else days
        return run_sums(each, size)

    def shares(self, parts: np.ndarray, days: np.ndarray) -> np.ndarray:
        """:meth:`share` of every period for each of ``parts`` (alike for every period), as a (parts x periods)
        array: each contract's amount is gathered once for them all."""
        if self.single:
            return parts[:, None] * self.pool[self.begin] // days
        starts = np.cumsum(self.size) - self.size
        at = np.repeat(self.begin - starts, self.size)  # as in share
        at += np.arange(len(at), dtype=at.dtype)
        each = parts[:, None] * self.pool[at]
        each //= np.repeat(days, self.size)
        return run_sums(each, self.size)

    def kinds(self, *columns) -> tuple[np.ndarray, np.ndarray]:
        """One period of each kind, on the same contracts and alike in ``columns`` (whole numbers from 0), as
        positions, and each period's kind: periods alike have the same shares, computed once for each kind."""
        if self.single:  # each period its own kind
            return np.arange(len(self.begin)), np.arange(len(self.begin))
        return _distinct(self.begin, *columns)


def _distinct(*columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows alike in every column (whole numbers from 0): one row of each kind (positions), and each row's kind
    (its place among those)."""
    code, size = np.zeros(len(columns[0]), np.int64), 1
    for column in columns:
        span = int(column.max(initial=0)) + 1
        code, size = code * span + column, size * span
    if size >= 2**62:  # too many kinds to number: each row its own
        return np.arange(len(code)), np.arange(len(code))
    order, code = stable_order(code, size)
    new = np.r_[True, code[1:] != code[:-1]]
    place = np.empty(len(code), np.int64)
    place[order] = np.cumsum(new) - 1
    return order[new], place


def _slices(index: np.ndarray, size: int):
    """``index`` a slice at a time (nothing for an empty index)."""
    for begin in range(0, len(index), size):
        yield index[begin:begin + size]


def month_first_day(month) -> np.ndarray:
    """The day number (days from 1970-01-01) of each month's first day; months are Period ordinals.

    >>> month_first_day(np.array([0, 1, 12])).tolist()
    [0, 31, 365]
    """
    month = np.asarray(month, np.int64)
    if month.size > TABLE_FROM:
        low, high = int(month.min()), int(month.max())
        if high - low < month.size:  # many, over fewer months: each of those converted once, then looked up
            return np.arange(low, high + 1).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)[
                month - low]
    return month.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)


def _invoice_periods(book: Book, index: np.ndarray, origin: int, months: int, alike: _Alike):
    """The billing periods of contracts invoiced within their terms, in the window, those on the same terms
    (``alike``) together: for each, the terms (their number in ``alike``), its first month and length in months,
    its invoices (:class:`_Shares`), and the month its term is booked. Months and positions are ``int32`` (there
    are millions of periods), amounts ``int64``."""
    index, every = index[alike.first], book.value[index]
    start = (book.start[index] - origin).astype(np.int32)
    term, period = book.term[index].astype(np.int32), book.period[index].astype(np.int32)
    count = -(-term // period)  # invoices in a term
    every_invoice = every * np.repeat(period, alike.size) // np.repeat(term, alike.size)
    every_last = every - np.repeat(count - 1, alike.size) * every_invoice
    pool = np.concatenate([every_invoice, every_last])
    invoice = run_sums(every_invoice, alike.size)  # each one's contracts' invoices added
    last_invoice = run_sums(every_last, alike.size)
    terms = np.where(book.renews[index], np.maximum(0, -(-(months - start) // term)), 1)
    # Each term in the window: its contract, the month it starts and the month it is booked.
    owner, t = spread(terms, np.int32)
    term_start = start[owner] + t * term[owner]
    booked = np.where(t == 0, (book.signed[index] - origin).astype(np.int32)[owner], term_start)
    # Each invoice of each term, up to the grid's end (the grid's last 12 months are never shown: they only look
    # 12 months ahead of the months shown, and an invoice after them earns nothing that the months shown count).
    on, j = spread(np.clip(-(-(months - term_start) // period[owner]), 0, count[owner]), np.int32)
    which = owner[on]
    period, term = period[which], term[which]
    begin = j * period
    is_last = j == count[which] - 1
    amount = _Shares(pool, alike.first[which] + len(every) * is_last, alike.size[which],
                     np.where(is_last, last_invoice[which], invoice[which]))
    return _within(book, index, which, term_start[on] + begin, np.minimum(period, term - begin), amount, booked[on],
                   months, origin)


def _term_periods(book: Book, index: np.ndarray, origin: int, months: int):
    """Each term of ramp deals in the window, as one period whose amount is the term's value (straight line)."""
    start, term, renews = book.start[index] - origin, book.term[index], book.renews[index]
    terms = np.where(renews, np.maximum(0, -(-(months - start) // term)), 1)
    which, t = spread(terms)
    first = start[which] + t * term[which]
    booked = np.where(t == 0, book.signed[index][which] - origin, first)
    return _within(book, index, which, first, term[which], _Shares.each(book.value[index][which]), booked, months,
                   origin)


def _ahead_periods(book: Book, index: np.ndarray, origin: int, months: int):
    """The billing periods of renewing contracts invoiced over periods longer than their term: each invoice is
    the revenue of the months it covers under the monthly rules (the term's last month takes its extra cents)."""
    start, term, period = book.start[index] - origin, book.term[index], book.period[index]
    value = book.value[index]
    monthly = value // term
    extra = value - term * monthly  # the term's last month earns monthly + extra
    reps = np.maximum(0, -(-(months - start) // period))
    which, k = spread(reps)
    p, n = period[which], term[which]
    amount = p * monthly[which] + extra[which] * ((k + 1) * p // n - k * p // n)
    first = start[which] + k * p
    return _within(book, index, which, first, p, _Shares.each(amount), first, months, origin)


def _within(book, index, which, first, long, amount, booked, months, origin):
    """Periods as :func:`_add_revenue` reads them: (contract as a position in ``index``, first month, pieces (the
    months it touches), days, days in its first month, amount, month booked, days of each month); months are
    counted from the window's origin. ``which`` is each period's contract, ``first`` its first month, ``long``
    its length in months. Pieces past the window are dropped when they are added up.
    """
    day = book.start_day[index].astype(first.dtype)[which]
    stop = first + long
    # Day numbers of each month's first day, from the window's origin to past the longest term and the window,
    # and of each day of each month (at month * 32 + day; a day past the month's end is its last day).
    table = month_first_day(np.arange(origin, origin + max(int(stop.max(initial=0)), months + 12) + 2))
    length = np.diff(table)
    on_day = (table[:-1, None] + np.minimum(np.arange(32), length[:, None]) - 1).ravel().astype(first.dtype)
    first_day = on_day[first * 32 + day]
    return (which, first, long + (day > 1), on_day[stop * 32 + day] - first_day,
            table[1:].astype(first.dtype)[first] - first_day, amount, booked, length)


def _add_revenue(target: "_Sums", unbooked, rows: np.ndarray, periods) -> None:
    """Each period's amount spread over its days, into ``target``'s cells (``rows[contract]``, month): rounded down
    to the cent in each month it touches, the rest in its last month. With ``unbooked``, each month's revenue
    from a term not booked 12 months before it is placed 12 months before it, and each period's such revenue
    is taken away in the month its term is booked (a running total taken later). Both are :class:`_Sums`.

    A period is two amounts, its first month's share and the rest (its last month), and the whole months
    between, which earn the same cents for each length of month (28 to 31 days): so each length is one range
    of months per period, added as a difference grid (:func:`_add_whole_months`), unless the grid is large
    beside the number of such months (many groups: :data:`RANGES_FROM`), where each whole month is a row
    (:func:`_add_each_whole_month`).
    """
    which, first, pieces, days, first_days, amount, booked, length = periods
    if not len(which):
        return
    group = rows[which]
    last = first + pieces - 1
    kind, of_kind = amount.kinds(first_days, days)
    head = amount.share(kind, first_days[kind], days[kind])[of_kind]  # the whole amount if first == last
    tail = amount.total - head
    cut = None if unbooked is None else booked + 12  # the months before it are not booked 12 months ahead
    more = np.flatnonzero(pieces > 2)
    late_middle = np.zeros(len(which), np.int64)
    if len(more):
        by_length = int(pieces[more].sum()) - 2 * len(more) > RANGES_FROM * target.grid.size  # else a row per month
        middle, late_middle[more] = (_add_whole_months if by_length else _add_each_whole_month)(
            target, unbooked, group[more], first[more] + 1, last[more], amount.take(more), days[more],
            None if cut is None else cut[more], length)
        tail[more] -= middle
    _Cells(target, group, first).add(target, head)
    _Cells(target, group, last).add(target, tail)
    if unbooked is not None:
        head = head * (first < cut)
        tail = tail * (last < cut)
        _Cells(unbooked, group, first - 12).add(unbooked, head)
        _Cells(unbooked, group, last - 12).add(unbooked, tail)
        _Cells(unbooked, group, booked).add(unbooked, -(head + tail + late_middle))


def _add_whole_months(target, unbooked, group, begin, stop, amount, days, cut, length):
    """The whole months from ``begin`` to ``stop`` (excluded) of periods of ``days`` days, each earning
    ``amount * its days // days``, into ``target``; with ``unbooked``, those before ``cut`` also 12 months
    earlier. Returns each period's cents in these months, and in those before ``cut`` (0 without ``unbooked``).

    For each length of month, a period earns the same cents in every whole month of that length, so its months
    of that length are one range (from ``begin`` to ``stop``), counted into a difference grid whose running
    total is kept in the months of that length only.
    """
    total, late = np.zeros(len(group), np.int64), np.zeros(len(group), np.int64)
    ranges = [(target, _Cells(target, group, begin), _Cells(target, group, stop), 0)]
    if unbooked is not None:
        upto = np.clip(cut, begin, stop)  # the months before it are not booked 12 months ahead
        ranges.append((unbooked, _Cells(unbooked, group, begin - 12), _Cells(unbooked, group, upto - 12), 12))
    steps = _Sums(*target.grid.shape)  # the difference grid, for each length and grid in turn
    kind, of_kind = amount.kinds(days)  # periods on the same contracts and days earn the same in a month
    lengths = np.unique(length)
    by_length = amount.take(kind).shares(lengths, days[kind])  # what each kind earns in a month of each length
    for month_days, cents in zip(lengths.tolist(), by_length):
        is_length = length == month_days
        before = np.concatenate([[0], np.cumsum(is_length, dtype=np.int32)])  # months of this length before each
        count = before[stop] - before[begin]
        has = np.flatnonzero(count)
        if 2 * len(has) > len(count):  # most periods have a month of this length: take them all
            has = slice(None)
        each = cents[of_kind[has]]
        total[has] += each * count[has]
        if unbooked is not None:
            late[has] += each * (before[upto[has]] - before[begin[has]])
        for sums, starts, ends, shift in ranges:
            steps.padded.fill(0)
            starts.take(has).add(steps, each)
            ends.take(has).add(steps, -each)
            np.cumsum(steps.padded, axis=1, out=steps.padded)
            sums.grid += steps.grid * is_length[shift:shift + sums.grid.shape[1]]
    return total, late


def _add_each_whole_month(target, unbooked, group, begin, stop, amount, days, cut, length):
    """:func:`_add_whole_months`, one row for each whole month: for grids large beside the number of these months
    (many groups, :data:`RANGES_FROM`), where a pass over the grid for each length of month would cost more."""
    count = stop - begin  # at least 1: the periods with a whole month between their first and last
    which, k = spread(count)
    month = begin[which] + k
    cents = amount.share(which, length[month], days[which])
    each_group = group[which]
    _Cells(target, each_group, month).add(target, cents)
    if unbooked is None:
        return run_sums(cents, count), np.zeros(len(group), np.int64)
    cents_late = cents * (month < cut[which])
    _Cells(unbooked, each_group, month - 12).add(unbooked, cents_late)
    return run_sums(cents, count), run_sums(cents_late, count)


class _Sums:
    """A (groups x months) grid of cents, ``grid``, that amounts are added into cell by cell (:class:`_Cells`),
    with a column after its last month that takes the amounts past the grid (left out of ``grid``). Amounts are
    added straight into it, slice after slice of a book: its cells are gone over once, not once for each amount."""

    def __init__(self, groups: int, months: int):
        self.padded = np.zeros((groups, months + 1), np.int64)
        self.grid = self.padded[:, :months]


class _Cells:
    """The cells of a grid of :class:`_Sums` that amounts for ``group`` and ``month`` fall in (months past the grid
    in the column after it), found once for adding several amounts."""

    def __init__(self, sums: _Sums, group: np.ndarray, month: np.ndarray):
        groups, width = sums.padded.shape
        cell = np.minimum(month, width - 1)
        self.cell = (cell if groups == 1 else cell + group * width).astype(np.intp, copy=False)

    def take(self, rows) -> "_Cells":
        """The cells of the amounts at ``rows`` (positions, or a slice)."""
        if isinstance(rows, slice) and rows == slice(None):
            return self
        part = object.__new__(_Cells)
        part.cell = self.cell[rows]
        return part

    def add(self, sums: _Sums, cents: np.ndarray) -> None:
        """Add ``cents`` into their cells of ``sums``, in whole cents (``numpy.add.at``: exact, and as fast as a
        float ``bincount`` here)."""
        np.add.at(sums.padded.reshape(-1), self.cell, cents)
