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
from .grid import FLOAT_EXACT, adder, spread, sum_by
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
    reps = count * terms
    which, k = spread(reps)
    each = {name: np.repeat(column, reps) for name, column in (
        ("count", count), ("term", term), ("period", period), ("start", start))}
    t, j = np.divmod(k, each["count"])
    begin = t * each["term"] + j * each["period"]
    end = t * each["term"] + np.minimum((j + 1) * each["period"], each["term"])
    amount = np.where(j < each["count"] - 1, np.repeat(invoice, reps), np.repeat(last_invoice, reps))
    booked = np.where(t == 0, np.repeat(book.signed[index] - origin, reps), each["start"] + t * each["term"])
    return _within(book, index, which, reps, each["start"], begin, end, amount, booked, months, origin)


def _term_periods(book: Book, index: np.ndarray, origin: int, months: int):
    """Each term of ramp deals in the window, as one period whose amount is the term's value (straight line)."""
    start, term, renews = book.start[index] - origin, book.term[index], book.renews[index]
    terms = np.where(renews, np.maximum(0, -(-(months - start) // term)), 1)
    which, t = spread(terms)
    begin = t * term[which]
    booked = np.where(t == 0, book.signed[index][which] - origin, start[which] + begin)
    return _within(book, index, which, terms, start[which], begin, begin + term[which], book.value[index][which],
                   booked, months, origin)


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
    begin = k * p
    return _within(book, index, which, reps, start[which], begin, begin + p, amount, start[which] + begin, months,
                   origin)


def _within(book, index, which, reps, start, begin, end, amount, booked, months, origin):
    """Periods as :func:`_add_revenue` reads them: (contract as a position in ``index``, first month, pieces (the
    months it touches), days, days in its first month, amount, month booked, days of each month); months are
    counted from the window's origin. ``which`` is each period's contract, ``reps`` each contract's periods
    (``which`` in order), ``start`` each period's contract's start month. Pieces past the window are dropped
    when they are added up.
    """
    first = start + begin
    day = np.repeat(book.start_day[index], reps)
    # Day numbers of each month's first day, from the window's origin to past the longest term.
    stop = start + end
    table = month_first_day(np.arange(origin, origin + max(int(stop.max(initial=0)), months) + 2))
    length = np.diff(table)
    first_day = table[first] + np.minimum(day, length[first]) - 1
    after = table[stop] + np.minimum(day, length[stop]) - 1
    return (which, first, (end - begin) + (day > 1), after - first_day, table[first + 1] - first_day, amount, booked,
            length)


def _add_revenue(target: np.ndarray, unbooked, rows: np.ndarray, periods) -> None:
    """Each period's amount spread over its days, into ``target[rows[contract], month]``: rounded down to the
    cent in each month it touches, the rest in its last month. With ``unbooked``, each month's revenue
    from a term not booked 12 months before it is placed 12 months before it, and each period's such revenue
    is taken away in the month its term is booked (a running total taken later).

    A period within one month is one amount; a period over two months (a month billed from the 15th) is its
    first month's share and the rest, without cutting it into pieces; longer ones are cut month by month.
    """
    which, first, pieces, days, first_days, amount, booked, length = periods
    if not len(which):
        return
    exact = int(amount.sum()) < FLOAT_EXACT  # every sum below is of parts of these amounts, all >= 0
    group = rows[which]
    one, two = np.flatnonzero(pieces == 1), np.flatnonzero(pieces == 2)
    share = amount[two] * first_days[two] // days[two]
    rest = amount[two] - share
    _bin(target, group[one], first[one], amount[one], exact)
    _bin(target, group[two], first[two], share, exact)
    _bin(target, group[two], first[two] + 1, rest, exact)
    if unbooked is not None:
        late = booked[one] > first[one] - 12
        _bin(unbooked, group[one][late], first[one][late] - 12, amount[one][late], exact)
        _bin(unbooked, group[one][late], booked[one][late], -amount[one][late], exact)
        late_first = booked[two] > first[two] - 12
        late_rest = booked[two] > first[two] - 11  # late_rest implies late_first
        _bin(unbooked, group[two][late_first], first[two][late_first] - 12, share[late_first], exact)
        _bin(unbooked, group[two][late_rest], first[two][late_rest] - 11, rest[late_rest], exact)
        _bin(unbooked, group[two][late_first], booked[two][late_first],
             -(share[late_first] + np.where(late_rest, rest, 0)[late_first]), exact)
    more = np.flatnonzero(pieces > 2)
    if not len(more):
        return
    pieces, first, amount, group, booked = pieces[more], first[more], amount[more], group[more], booked[more]
    begins = np.cumsum(pieces) - pieces
    month = np.repeat(first - begins, pieces)
    month += np.arange(len(month))
    piece_days = length[month]
    piece_days[begins] = first_days[more]
    cents = np.repeat(amount, pieces) * piece_days // np.repeat(days[more], pieces)
    cents[begins + pieces - 1] += amount - np.add.reduceat(cents, begins)
    each_group = np.repeat(group, pieces)
    _bin(target, each_group, month, cents, exact)
    if unbooked is not None:
        late = np.repeat(booked + 12, pieces) > month
        _bin(unbooked, each_group[late], month[late] - 12, cents[late], exact)
        _bin(unbooked, group, booked, -np.add.reduceat(np.where(late, cents, 0), begins), exact)


def _bin(target: np.ndarray, group: np.ndarray, month: np.ndarray, cents: np.ndarray, exact: bool) -> None:
    """Add ``cents`` into ``target[group, month]``; months past the grid are left out. ``exact``: the cents add up
    to less than :data:`FLOAT_EXACT` in all, so a float count is exact."""
    groups, months = target.shape
    cell = np.minimum(month, months) if groups == 1 else np.where(month < months, group * (months + 1) + month,
                                                                   groups * (months + 1))
    size = groups * (months + 1) + (groups > 1)
    if exact:
        counted = np.bincount(cell, weights=cents, minlength=size).astype(np.int64)
    else:
        counted = sum_by(cell, cents, size)
    target += counted[:groups * (months + 1)].reshape(groups, months + 1)[:, :months]
