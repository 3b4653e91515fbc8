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
follows the days of its billing periods: a quarter billed from 1 January earns 31/90 of
its invoice in January under this convention, a third under the monthly one.

How: every billing period in the schedule's window is a row (no loop over contract-months);
each period is cut into the calendar months it touches, the days of each piece counted
from month-start day numbers (numpy ``datetime64``), and the cents added into the
(group x month) grid with ``numpy.bincount``. Rounding is per contract, so contracts are
not merged for revenue; they are taken a slice at a time to bound memory.
"""

from __future__ import annotations

import numpy as np

from .book import Book, ramp_years
from .grid import adder, spread, sum_by
from .rules import Terms, _flows, _next_12_months, figures as monthly_figures

CHUNK = 250_000
"""Contracts whose billing periods are cut into months at one time (bounds memory, not the result)."""

SEPARATE_CHUNK = 20_000
"""Contracts scheduled row by row (ramp deals, and renewing contracts invoiced ahead) at one time."""


def figures(book: Book, group: np.ndarray, groups: int, origin: int, months: int) -> dict:
    """Every schedule column in cents, as (groups x months) arrays from ``origin``, under the daily convention.

    Bookings, billings, services, MRR, ARR and customers are those of the monthly convention
    (they fall in the same months); recurring revenue is spread by day, and the balances
    are read from it: contract by contract for ramp deals (whose unbilled revenue is clipped
    per contract) and renewing contracts invoiced beyond their term (whose backlog is at
    least their deferred revenue), all together for the rest (billed in advance, each
    invoice earned after it is dated: never unbilled, never invoiced beyond what is booked).
    """
    out = monthly_figures(book, group, groups, origin, months)
    ramp = np.zeros(len(book), bool)
    ramp[list(book.ramps)] = True
    ahead = ~ramp & book.renews & (book.period > book.term)

    # The pooled contracts: recurring revenue, and the next 12 months' of it from terms not booked yet.
    recurring = np.zeros((groups, months), np.int64)
    unbooked = np.zeros((groups, months), np.int64)
    for part in _slices(np.flatnonzero(~(ramp | ahead)), CHUNK):
        _add_revenue(recurring, unbooked, group[part], _invoice_periods(book, part, origin, months))
        _add_unbooked_services(unbooked, book, group, part, origin)
    unbooked = np.cumsum(unbooked, axis=1)
    # Their other flows: the totals less those of the contracts taken row by row.
    flows = {name: out[name].copy() for name in ("billings", "bookings", "services_revenue")}
    separate = {name: np.zeros((groups, months), np.int64) for name in
                ("recurring", "deferred", "unbilled", "backlog", "current")}
    for index, is_ramp in ((np.flatnonzero(ramp), True), (np.flatnonzero(ahead), False)):
        for part in _slices(index, SEPARATE_CHUNK):
            rows = np.arange(len(part), dtype=np.int64)
            each = _flows(Terms.of(book, part, rows, origin), len(part), months,
                          ramps=ramp_years(book, part) if is_ramp else None)
            earned = np.zeros((len(part), months), np.int64)
            _add_revenue(earned, None, rows, (_term_periods if is_ramp else _ahead_periods)(book, part, origin, months))
            add = adder(group[part])
            add(separate["recurring"], earned)
            booked = each["bookings_signed"] + each["renewal_bookings"]
            for name, flow in (("billings", each["billings"]), ("bookings", booked),
                               ("services_revenue", each["services_revenue"])):
                add(flows[name], -flow)
            earned += each["services_revenue"]
            balance = np.cumsum(each["billings"] - earned, axis=1)
            backlog = np.maximum(np.cumsum(booked - earned, axis=1), balance)  # never less than deferred revenue
            add(separate["deferred"], np.maximum(balance, 0))
            add(separate["unbilled"], np.maximum(-balance, 0))
            add(separate["backlog"], backlog)
            add(separate["current"], np.minimum(backlog, _next_12_months(earned)))

    earned = recurring + flows["services_revenue"]  # the pooled contracts'
    out["recurring_revenue"] = recurring + separate["recurring"]
    out["revenue"] = out["recurring_revenue"] + out["services_revenue"]
    # Pooled: invoiced in advance and earned after (no unbilled revenue, no clip); backlog is booked less earned.
    out["deferred_revenue"] = np.cumsum(flows["billings"] - earned, axis=1) + separate["deferred"]
    out["unbilled_revenue"] = separate["unbilled"]
    out["backlog"] = np.cumsum(flows["bookings"] - earned, axis=1) + separate["backlog"]
    out["current_backlog"] = _next_12_months(earned) - unbooked + separate["current"]
    return out


def _add_unbooked_services(unbooked: np.ndarray, book: Book, group: np.ndarray, part: np.ndarray,
                           origin: int) -> None:
    """Services earned in the start month count as not booked yet from 12 months before it until signed."""
    groups, months = unbooked.shape
    services, start, signed = book.services[part], book.start[part] - origin, book.signed[part] - origin
    late = (services > 0) & (signed > start - 12)
    at = np.concatenate([start[late] - 12, signed[late]])
    keep = at < months
    rows = np.concatenate([group[part][late], group[part][late]])
    unbooked += sum_by((rows * months + at)[keep], np.concatenate([services[late], -services[late]])[keep],
                       groups * months).reshape(groups, months)


def _slices(index: np.ndarray, size: int):
    """``index`` a slice at a time (nothing for an empty index)."""
    for begin in range(0, len(index), size):
        yield index[begin:begin + size]


def month_first_day(month) -> np.ndarray:
    """The day number (days from 1970-01-01) of each month's first day; months are Period ordinals.

    >>> month_first_day(np.array([0, 1, 12])).tolist()
    [0, 31, 365]
    """
    return np.asarray(month, np.int64).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)


def same_day(month, day, later) -> np.ndarray:
    """The day number of ``day`` (1 to 31) in the month ``later`` months after ``month`` (ordinals), or of that
    month's last day where it is shorter: counted from the start again each time, so it never drifts.

    >>> import pandas as pd
    >>> jan = pd.Period("2024-01", "M").ordinal
    >>> [str(np.datetime64(int(d), "D")) for d in same_day(jan, 31, np.array([0, 1, 2, 13]))]
    ['2024-01-31', '2024-02-29', '2024-03-31', '2025-02-28']
    """
    target = np.asarray(month, np.int64) + np.asarray(later, np.int64)
    first = month_first_day(target)
    return first + np.minimum(np.asarray(day, np.int64), month_first_day(target + 1) - first) - 1


def _invoice_periods(book: Book, index: np.ndarray, origin: int, months: int):
    """The billing periods of contracts invoiced within their terms, in the window: for each, the contract
    (its position in ``index``), its months from the start (from, to), its invoice, and the month its term
    is booked."""
    start, term, period, renews = (book.start[index] - origin, book.term[index], book.period[index],
                                   book.renews[index])
    value = book.value[index]
    count = -(-term // period)  # invoices in a term
    invoice = value * period // term
    last_invoice = value - (count - 1) * invoice
    terms = np.where(renews, np.maximum(0, -(-(months - start) // term)), 1)
    which, k = spread(count * terms)
    t, j = np.divmod(k, count[which])
    begin = t * term[which] + j * period[which]
    end = t * term[which] + np.minimum((j + 1) * period[which], term[which])
    amount = np.where(j < count[which] - 1, invoice[which], last_invoice[which])
    booked = np.where(t == 0, book.signed[index][which] - origin, start[which] + t * term[which])
    return _within(book, index, which, begin, end, amount, booked, start, months)


def _term_periods(book: Book, index: np.ndarray, origin: int, months: int):
    """Each term of ramp deals in the window, as one period whose amount is the term's value (straight line)."""
    start, term, renews = book.start[index] - origin, book.term[index], book.renews[index]
    terms = np.where(renews, np.maximum(0, -(-(months - start) // term)), 1)
    which, t = spread(terms)
    begin = t * term[which]
    booked = np.where(t == 0, book.signed[index][which] - origin, start[which] + begin)
    return _within(book, index, which, begin, begin + term[which], book.value[index][which], booked, start, months)


def _ahead_periods(book: Book, index: np.ndarray, origin: int, months: int):
    """The billing periods of renewing contracts invoiced over periods longer than their term: each invoice is
    the revenue of the months it covers under the monthly rules (the term's last month takes its extra cents)."""
    start, term, period = book.start[index] - origin, book.term[index], book.period[index]
    value = book.value[index]
    monthly = value // term
    extra = value - term * monthly  # the term's last month earns monthly + extra
    which, k = spread(np.maximum(0, -(-(months - start) // period)))
    p, n = period[which], term[which]
    amount = p * monthly[which] + extra[which] * ((k + 1) * p // n - k * p // n)
    begin = k * p
    return _within(book, index, which, begin, begin + p, amount, start[which] + begin, start, months)


def _within(book, index, which, begin, end, amount, booked, start, months):
    """Periods that start inside the window, with their day numbers: (contract, first month, first day, day after
    the last, amount, month booked), months relative to the window's origin and contracts as positions in index."""
    keep = start[which] + begin < months
    which, begin, end, amount, booked = which[keep], begin[keep], end[keep], amount[keep], booked[keep]
    first = start[which] + begin
    day = book.start_day[index][which]
    absolute = book.start[index][which]
    return which, first, same_day(absolute, day, begin), same_day(absolute, day, end), amount, booked


def _add_revenue(target: np.ndarray, unbooked, rows: np.ndarray, periods) -> None:
    """Each period's amount spread over its days, into ``target[rows[contract], month]``: rounded down to the
    cent in each month it touches, the rest in its last month. With ``unbooked``, each month's revenue
    from a term not booked 12 months before it is placed 12 months before it and taken away when it is booked
    (a running total taken later)."""
    which, first, first_day, after, amount, booked = periods
    if not len(which):
        return
    groups, months = target.shape
    days = after - first_day
    last_day_month = first + (_month_of(after - 1) - _month_of(first_day))
    pieces = last_day_month - first + 1
    period, q = spread(pieces)
    month = first[period] + q
    # the piece's days: from max(first day, month's first day) to min(day after the last, next month's first day)
    shift = _month_of(first_day) - first  # absolute month = relative month + shift (the same for a contract)
    absolute = month + shift[period]
    begin = np.maximum(first_day[period], month_first_day(absolute))
    stop = np.minimum(after[period], month_first_day(absolute + 1))
    cents = amount[period] * (stop - begin) // days[period]
    bounds = np.cumsum(pieces) - pieces
    last = bounds + pieces - 1
    cents[last] += amount - np.add.reduceat(cents, bounds)
    inside = month < months
    group = rows[which][period]
    target += sum_by(group[inside] * months + month[inside], cents[inside], groups * months).reshape(groups, months)
    if unbooked is not None:
        late = inside & (booked[period] > month - 12)
        at = np.concatenate([month[late] - 12, booked[period][late]])
        both = np.concatenate([cents[late], -cents[late]])
        keep = at < months
        unbooked += sum_by(np.concatenate([group[late], group[late]])[keep] * months + at[keep], both[keep],
                           groups * months).reshape(groups, months)


def _month_of(day_number: np.ndarray) -> np.ndarray:
    """The month (Period ordinal) of each day number."""
    return np.asarray(day_number, np.int64).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
