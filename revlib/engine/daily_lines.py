"""The daily convention's chains: amended and renewed contracts (:mod:`revlib.engine.lines`), day by day.

The rules are in :mod:`revlib.engine` ("Amendments and renewals by day"). A chain's lines are laid out as in
:func:`revlib.engine.lines.lines_of` (the original, then each amendment in order of effect); here each line is
in effect from its start *day* to the next line's (or the renewal contract's) start day. Each line's part of
each billing period it touches is a *piece*: an amount it invoices (and, cut within the period, credits) and
earns over the piece's days. Pieces are made for all lines at once (numpy, no loop over lines), up to the
grid's end: their work grows with the billing periods in the window, as for the daily convention's other
contracts. Their revenue is spread by day by :func:`revlib.engine.daily._add_revenue`. Each chain's figures are
added up on a row of its own (a block of chains at a time), so its balances are clipped chain by chain.
"""

from __future__ import annotations

import numpy as np

from ..contract import round_half_up
from ..links import NEVER
from . import daily
from .book import Book
from .customers import active_customers, in_service
from .grid import adder, spread, sum_by
from .lines import Lines, chained, lines_of, renewal_parts
from .months import period as month_period

BLOCK_CELLS = 4_000_000
"""Chains are added up this many (chain x month) cells at a time, to bound the memory a large book takes."""

NO_DAY = 2**40
"""A day no line reaches: the end of a line that renews until the grid's end, uncut."""

CHAIN_FLOWS = ("bookings_signed", "renewal_bookings", "billings", "recurring_revenue", "services_revenue")
"""What each chain books when signed (and takes off when cut), renews, bills and earns, month by month, on its own
row; its bookings are the first two added."""


def figures(book: Book, group: np.ndarray, groups: int, origin: int, months: int) -> dict:
    """Every schedule column in cents, (groups x months) from ``origin``, under the daily convention, chains
    included: the contracts in no chain by :func:`revlib.engine.daily.figures`, the chains here (their lines by
    day), renewal contracts' renewal parts as renewal bookings, customers counted over both."""
    if not book.has_links:
        return daily.figures(book, group, groups, origin, months)
    chain_rows, simple = chained(book)
    keep = np.flatnonzero(~chain_rows & (book.amends < 0))
    roots = np.flatnonzero(chain_rows)
    plain = book.take(keep)
    plain.renews = plain.renews & ~simple[keep]  # renewed by another contract right after its first term
    out = daily.figures(plain, group[keep], groups, origin, months)
    who, first, stop = in_service(plain, origin, months)
    spans = [(keep[who], first, stop)]
    if len(roots):
        spans.append(_add_chains(book, roots, group, origin, months, out))
    out["revenue"] = out["recurring_revenue"] + out["services_revenue"]
    out["renewal_bookings"] += renewal_parts(book, group, groups, origin, months)
    out["customers"] = active_customers(book, group, groups, origin, months,
                                        tuple(np.concatenate(part) for part in zip(*spans)))
    return out


def problems(book: Book) -> list[str]:
    """What the daily convention refuses in a book's chains, each by the file's line (or the contract's label)
    and column: an amendment effective before the contract it amends starts (on its day), a renewal contract that
    does not start the day after the renewed term ends, and, not yet scheduled by day, ramp deals and contracts
    invoiced beyond their terms in a chain.

    >>> from revlib import Contract
    >>> problems(Book.of([Contract(customer="A", start="2024-01-15", term_months=12, annual_price=1200,
    ...                            contract_id="A1"),
    ...                   Contract(customer="A", start="2025-01-01", term_months=12, annual_price=1200,
    ...                            renewal_of="A1")]))
    ["contract #2, column start: 2025-01-01 is not the day after the term of 'A1' ends (2025-01-14); a renewal starts on 2025-01-15"]
    """
    if not book.has_links:
        return []
    found = []

    def where(row):
        return f"line {book.line[row]}" if book.line[row] else f"contract {book.label[row]}"

    def date(month, day):
        return f"{month_period(int(month))}-{int(day):02d}"

    amendments = np.flatnonzero(book.amends >= 0)
    root = book.amends[amendments]
    early = (book.start[amendments] == book.start[root]) & (book.start_day[amendments] < book.start_day[root])
    for r, x in zip(amendments[early].tolist(), root[early].tolist()):
        found.append((r, f"{where(r)}, column start: {date(book.start[r], book.start_day[r])} is before "
                         f"'{book.label[x]}' starts ({date(book.start[x], book.start_day[x])}); an amendment takes "
                         "effect within the term it amends"))
    renewals = np.flatnonzero(book.renewal_of >= 0)
    renewed = book.renewal_of[renewals]
    expected = on_day(book.start[renewals], book.start_day[renewed])
    wrong = on_day(book.start[renewals], book.start_day[renewals]) != expected
    for r, x, day in zip(renewals[wrong].tolist(), renewed[wrong].tolist(), expected[wrong].tolist()):
        ends, starts = np.datetime64(day - 1, "D"), np.datetime64(day, "D")
        found.append((r, f"{where(r)}, column start: {date(book.start[r], book.start_day[r])} is not the day after "
                         f"the term of '{book.label[x]}' ends ({ends}); a renewal starts on {starts}"))
    in_chain = chained(book)[0]
    in_chain[amendments] = in_chain[root]
    ramp = np.zeros(len(book), bool)
    ramp[list(book.ramps)] = True
    chain_term = np.where(book.amends >= 0, book.term[np.maximum(book.amends, 0)], book.term)
    ahead = book.renews & (book.period > chain_term)
    for r in np.flatnonzero(in_chain & (ramp | ahead)).tolist():
        what = ("a ramp deal (a price for each contract year)" if ramp[r] else
                "a contract renewing on terms shorter than its billing period")
        found.append((r, f"{where(r)}: {what}, amended or renewed by another row, is not yet scheduled by day; "
                         'schedule this book with convention="monthly"'))
    return [message for _, message in sorted(found, key=lambda item: item[0])]


def on_day(month, day) -> np.ndarray:
    """The day number (days from 1970-01-01) of ``day`` of ``month`` (a Period ordinal), or of the month's last
    day where it is shorter (31 in February: the 28th or 29th), as dateutil counts.

    >>> on_day(np.array([1, 13]), np.array([31, 31])).tolist()  # 31 February 1970 and 1971: the 28th
    [58, 423]
    """
    month = np.asarray(month, np.int64)
    return _Calendar(int(month.min(initial=0)), int(month.max(initial=0))).on_day(month, day)


class _Calendar:
    """The first day of each month from ``low`` to ``high`` (Period ordinals), as a table: a month's days and
    a day's month are looked up in it (faster than converting ``datetime64`` arrays of millions)."""

    def __init__(self, low: int, high: int):
        self.low = low
        self.first = daily.month_first_day(np.arange(low, high + 2))
        self.length = np.diff(self.first)

    def first_day(self, month) -> np.ndarray:
        """The day number of each month's first day."""
        return self.first[month - self.low]

    def on_day(self, month, day) -> np.ndarray:
        """:func:`on_day`, for months in the table."""
        k = month - self.low
        return self.first[k] + np.minimum(day, self.length[k]) - 1

    def month_of(self, day) -> np.ndarray:
        """The month (a Period ordinal) of each day number in the table's months."""
        return np.searchsorted(self.first, day, side="right") - 1 + self.low


class _Days:
    """The lines of some chains by day: each line's calendar (its chain's, from the original's start day) and
    the days it is in effect; months are Period ordinals, days are day numbers."""

    def __init__(self, book: Book, lines: Lines, roots: np.ndarray, origin: int, months: int):
        L = lines
        n = len(L.chain)
        self.L, self.origin = L, origin
        root = roots[L.chain]
        self.s0, self.t0, self.day0 = L.s0 + origin, L.t0, book.start_day[root]
        renewed = book.stop[root] < NEVER  # a renewal contract starts on the first day of a term
        stop = np.where(renewed, L.c + origin, self.s0)
        # every month a line's terms, periods and cuts reach: to a term past its start, cut or the grid's end
        self.calendar = _Calendar(int(self.s0.min(initial=0)) - 1, int(max(
            (L.a + origin).max(initial=0), stop.max(initial=0), origin + months)) + int(L.t0.max(initial=0)) + 2)
        self.on_day, self.month_of = self.calendar.on_day, self.calendar.month_of
        self.begin = self.on_day(L.a + origin, book.start_day[L.row])
        last = np.r_[L.chain[1:] != L.chain[:-1], True]
        self.following = ~last  # cut by the next line of its chain
        after = np.minimum(np.arange(n) + 1, n - 1)
        self.cut_day = np.where(self.following, self.begin[after], np.where(renewed, self.on_day(stop, self.day0),
                                                                             NO_DAY))
        self.j0 = self.term_of(np.arange(n), self.begin, L.a + origin)
        ends = self.term_start(np.arange(n), self.j0 + 1)
        self.end = np.where(L.renews, self.cut_day, np.minimum(self.cut_day, ends))
        self.count = -(-L.t0 // L.period)  # invoices in a term
        self.invoice = L.vt * L.period // L.t0
        self.last_invoice = L.vt - (self.count - 1) * self.invoice

    def term_start(self, w, j):
        """The first day of term ``j`` of line ``w``'s chain."""
        return self.on_day(self.s0[w] + j * self.t0[w], self.day0[w])

    def term_of(self, w, day, month):
        """The term (from 0) of line ``w``'s chain that ``day`` (in ``month``) falls in."""
        j = (month - self.s0[w]) // self.t0[w]
        return j - (self.term_start(w, j) > day)

    def period(self, w, j, i):
        """Billing period ``i`` of term ``j`` of line ``w``: its first day, the day after its last, its invoice
        for a whole term at the line's price (the term's value x months // term, the last the rest)."""
        p, t = self.L.period[w], self.t0[w]
        first = self.s0[w] + j * t
        amount = np.where(i == self.count[w] - 1, self.last_invoice[w], self.invoice[w])
        return (self.on_day(first + i * p, self.day0[w]), self.on_day(first + np.minimum(i * p + p, t), self.day0[w]),
                amount)

    def value_from(self, w, day):
        """What line ``w`` is worth from ``day`` to the end of the term it falls in: the prorated rest of the
        billing period it falls in, and the term's later invoices."""
        month = self.month_of(day)
        j = self.term_of(w, day, month)
        i = (month - (self.s0[w] + j * self.t0[w])) // self.L.period[w]
        i = np.clip(i - (self.period(w, j, i)[0] > day), 0, self.count[w] - 1)
        b, e, amount = self.period(w, j, i)
        later = np.where(i < self.count[w] - 1, self.L.vt[w] - (i + 1) * self.invoice[w], 0)
        return amount * (e - day) // (e - b) + later


def _add_chains(book: Book, roots: np.ndarray, group: np.ndarray, origin: int, months: int, out: dict):
    """Add the chains starting at ``roots`` to ``out`` (flows by group, and balances clipped chain by chain);
    returns their spans of months in service (book row of the chain's original, first month, month after)."""
    lines = lines_of(book, roots, origin)
    days = _Days(book, lines, roots, origin, months)
    L = lines
    groups = out["mrr"].shape[0]
    # MRR and ARR: each line's price in each month whose last day it is in effect.
    paying = L.price > 0
    first = L.a
    stop = np.where(days.end < NO_DAY, days.month_of(days.end) - origin, months)
    stop = np.minimum(stop, months)
    live = paying & (first < stop)
    for name, amount in (("arr", L.price), ("mrr", round_half_up(L.price, 12))):
        level = np.zeros(groups * (months + 1), np.int64)
        target = group[roots[L.chain[live]]] * (months + 1)
        np.add.at(level, target + first[live], amount[live])
        np.add.at(level, target + stop[live], -amount[live])
        out[name] += np.cumsum(level.reshape(groups, months + 1), axis=1)[:, :months]
    # Each chain's months with anything to add up: from its first signing to the month after its last cut or end
    # (the grid's end if it renews uncut). Chains in order of those months, a block at a time on the block's months.
    starts = np.flatnonzero(np.r_[True, L.chain[1:] != L.chain[:-1]])  # each chain's first line
    last = np.where(days.end < NO_DAY, days.month_of(days.end) + 1 - origin, months)
    chain_first = np.minimum(np.minimum.reduceat(L.g, starts), months - 1) if len(L.chain) else starts
    chain_last = np.minimum(np.maximum.reduceat(last, starts), months) if len(L.chain) else starts
    order = np.lexsort((chain_first, chain_last))
    lines_of_chain = np.diff(np.r_[starts, len(L.chain)])
    lo = 0
    while lo < len(order):
        hi, low, high = lo + 1, int(chain_first[order[lo]]), int(chain_last[order[lo]])
        while hi < len(order):  # more chains while the block's (chain x month) cells stay within BLOCK_CELLS
            wider_low, wider_high = min(low, int(chain_first[order[hi]])), max(high, int(chain_last[order[hi]]))
            if (hi + 1 - lo) * (wider_high - wider_low) > BLOCK_CELLS:
                break
            hi, low, high = hi + 1, wider_low, wider_high
        chains = order[lo:hi]
        at, k = spread(lines_of_chain[chains])
        w = starts[chains][at] + k
        slot = np.empty(len(roots), np.int64)
        slot[chains] = np.arange(len(chains))
        each = _chain_flows(days, w, slot[L.chain[w]], len(chains), low, max(high - low, 1), months)
        _add_block(out, each, group[roots[chains]], low, months)
        lo = hi
    return roots[L.chain[live]], first[live], stop[live]


def _chain_flows(days: _Days, w: np.ndarray, row: np.ndarray, chains: int, low: int, width: int,
                 months: int) -> dict:
    """What some chains (lines ``w``, each on its chain's ``row``) book, renew, bill and earn: (chains x width)
    grids, from month ``low`` of the grid of ``months`` (nothing of theirs falls outside)."""
    L, origin = days.L, days.origin
    grids = {name: np.zeros((chains, width), np.int64) for name in CHAIN_FLOWS}

    def put(name, rows, month, amount):
        month = month - low
        inside = (month >= 0) & (month < width) & (month + low < months)
        grids[name] += sum_by((rows * width + month)[inside], amount[inside], chains * width).reshape(chains, width)

    # Signed: the line's value from its start day to the end of its term, and its services, billed and earned
    # on its start day.
    services = L.services[w]
    put("bookings_signed", row, L.g[w], days.value_from(w, days.begin[w]) + services)
    put("billings", row, L.a[w], services)
    put("services_revenue", row, L.a[w], services)
    # Cut: its value from the cut to the end of the term the cut falls in, taken off when the cut is signed;
    # from a term's first day, nothing (not booked yet), and an amendment then books that term's renewal.
    cut = np.flatnonzero(days.cut_day[w] < NO_DAY)
    cw, cut_day = w[cut], days.cut_day[w][cut]
    at_term = _at_later_term(days, cw, cut_day)
    unearned = np.where(at_term, 0, days.value_from(cw, np.where(at_term, days.begin[cw], cut_day)))
    renewed = at_term & days.following[cw] & L.renews[cw]  # booked as renewal, the amendment books the change
    put("bookings_signed", row[cut], L.gc[cw], -unearned - np.where(renewed, L.vt[cw], 0))
    put("renewal_bookings", row[cut][renewed], L.gc[cw][renewed], L.vt[cw][renewed])
    # Its terms up to its end (or the grid's): each renewed one booked as renewal on its first day.
    horizon = days.calendar.first_day(origin + months)
    limit = np.minimum(days.end[w], horizon)
    j0 = days.j0[w]
    later = np.where(L.renews[w] & (days.begin[w] < limit),
                     (days.month_of(limit - 1) - (days.s0[w] + j0 * days.t0[w])) // days.t0[w], 0)
    owner, k = spread(1 + np.maximum(later, 0))
    tw, j = w[owner], j0[owner] + k
    begins = days.term_start(tw, j)
    on = begins < limit[owner]
    owner, tw, j, begins = owner[on], tw[on], j[on], begins[on]
    renewal = j > j0[owner]
    put("renewal_bookings", row[owner][renewal], days.month_of(begins[renewal]) - origin, L.vt[tw][renewal])
    # Its pieces: each billing period of those terms, from its start day to its end.
    which, i = spread(days.count[tw])
    pw, pj = tw[which], j[which]
    b, e, amount = days.period(pw, pj, i)
    piece = owner[which]
    p0, p1 = np.maximum(b, days.begin[pw]), np.minimum(e, days.end[pw])
    keep = (p0 < p1) & (p0 < horizon)
    b, e, amount, piece, p0, p1 = b[keep], e[keep], amount[keep], piece[keep], p0[keep], p1[keep]
    invoiced, credited = amount * (e - p0) // (e - b), amount * (e - p1) // (e - b)
    first = days.month_of(p0) - origin
    last = days.month_of(p1 - 1) - origin
    put("billings", row[piece], first, invoiced)
    put("billings", row[piece], days.month_of(p1) - origin, -credited)  # the credit note for the days from the cut
    top = int(max(width + 12, int(last.max(initial=0)) - low + 1))
    length = np.diff(daily.month_first_day(np.arange(origin + low, origin + low + top + 2)))
    next_month = days.calendar.first_day(first + origin + 1)
    periods = (piece, first - low, last - first + 1, p1 - p0, next_month - p0,
               daily._Shares.each(invoiced - credited), np.zeros(len(piece), np.int64), length)
    recurring = daily._Sums(chains, width)
    daily._add_revenue(recurring, None, row, periods)  # (months past the block's: none)
    grids["recurring_revenue"] += recurring.grid
    return grids


def _at_later_term(days: _Days, w: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Whether ``day`` is the first day of a term of line ``w``'s chain after the one the line starts in (a term
    not booked until it starts)."""
    j = days.term_of(w, day, days.month_of(day))
    return (j > days.j0[w]) & (days.term_start(w, j) == day)


def _add_block(out: dict, each: dict, target: np.ndarray, low: int, months: int) -> None:
    """Add a block of chains' flows (``each``, a row per chain from month ``low``) to their groups' rows of
    ``out``, and their balances, each chain's on its own: deferred and unbilled revenue, backlog (booked less
    earned, never less than deferred revenue) and current backlog (its part earned within the next 12 months;
    none where the grid does not reach 12 months ahead). Before and after a chain's months they are all zero."""
    add = adder(target)
    earned = each["recurring_revenue"] + each["services_revenue"]
    booked = each["bookings_signed"] + each["renewal_bookings"]
    shown = slice(low, low + earned.shape[1])

    def add_to(name, values):
        add(out[name][:, shown], values)

    for name in ("renewal_bookings", "billings", "recurring_revenue", "services_revenue"):
        add_to(name, each[name])
    add_to("bookings", booked)
    owed = np.cumsum(each["billings"] - earned, axis=1)
    backlog = np.maximum(np.cumsum(booked - earned, axis=1), owed)
    add_to("deferred_revenue", np.maximum(owed, 0))
    add_to("unbilled_revenue", np.maximum(-owed, 0))
    add_to("backlog", backlog)
    cum = np.cumsum(earned, axis=1)
    width = cum.shape[1]
    ahead = cum[:, np.minimum(np.arange(width) + 12, width - 1)] - cum  # nothing is earned after the block
    ahead[:, low + np.arange(width) >= months - 12] = 0
    add_to("current_backlog", np.minimum(backlog, ahead))


def amendment_bookings(book: Book) -> np.ndarray:
    """What each amendment books in its signed month under the daily convention, in cents (0 for other rows):
    its value from its start day to the end of its term and its services, less what the line it cuts had booked
    and will not earn (its value from that day to the end of the term the day falls in; from a term's first day,
    that term's renewal at the old price, booked as renewal).

    Zuora's example: 13 units at $5 a month, 7 more from 18 August: 14/31 of $35 for August, and $35 a month
    from September to December.

    >>> from revlib import Contract
    >>> amendment_bookings(Book.of([
    ...     Contract(customer="Z", start="2018-01-01", term_months=12, monthly_price=65, contract_id="Z1"),
    ...     Contract(customer="Z", start="2018-08-18", monthly_price=100, amends="Z1")])).tolist()
    [0, 15581]
    """
    net = np.zeros(len(book), np.int64)
    amendments = book.amends >= 0
    if not amendments.any():
        return net
    roots = np.unique(book.amends[amendments])
    days = _Days(book, lines_of(book, roots, 0), roots, 0, int(book.start.max()) + 1)
    L = days.L
    w = np.flatnonzero(days.following)  # lines cut by the next line, each cut by an amendment
    after = w + 1
    cut = days.cut_day[w]
    at_term = _at_later_term(days, w, cut)
    unearned = np.where(at_term, np.where(L.renews[w], L.vt[w], 0), days.value_from(w, np.where(
        at_term, days.begin[w], cut)))
    net[L.row[after]] = days.value_from(after, days.begin[after]) + L.services[after] - unearned
    return net
