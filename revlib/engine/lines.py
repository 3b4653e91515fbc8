"""Amended and renewed contracts: each chain's *lines*, in cents, per chain and month.

A contract with amendments is a chain of lines (the rules are in :mod:`revlib.engine`): the original, then
each amendment from its effective month, each line cut where the next takes effect. A line's life up to its
cut (or to the end of its first stretch, when nothing cuts it) is finite: it is laid out month by month, with
its invoices period by period, all lines at once (numpy, no loop over lines). What a line does after that
stretch, when it renews and nothing cuts it, repeats every term: it is handed to the rules of
:mod:`revlib.engine.rules` as a renewing contract. Each chain's figures are added up on their own rows (a
block of chains at a time), so deferred revenue, unbilled revenue and backlog are clipped chain by chain.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..contract import recurring_value, round_half_up
from ..links import NEVER
from .grid import Events, adder, spread

BLOCK_CELLS = 4_000_000
"""Chains are added up this many (chain x month) cells at a time, to bound the memory a large book takes."""


def chained(book) -> tuple[np.ndarray, np.ndarray]:
    """Which contracts the engine schedules as chains of lines (amended, or renewed by a ``renewal_of`` row
    other than right after their first term), and which simply stop renewing after their first term (renewed
    right then, and not amended): two masks over the book's rows."""
    amended = np.zeros(len(book), bool)
    amended[book.amends[book.amends >= 0]] = True
    renewed = book.stop < NEVER
    ahead = book.renews & (book.period > book.term)  # invoiced beyond its term: credited when the renewal starts
    simple = renewed & ~amended & ~ahead & (book.stop == book.start + book.term)
    return amended | (renewed & ~simple), simple


@dataclass
class Lines:
    """The lines of some chains, months counted from the grid's first (``origin``); one entry per line.

    ``chain`` numbers the chains from 0 (lines of a chain are consecutive, in order); ``row`` is the book row
    the line comes from (the original or an amendment). ``s0`` and ``t0``: the chain's start and term length,
    whose calendar every line follows. ``a``: the line's first month; ``f``: the end of its first stretch
    (the month after: its value ``vs`` is earned from ``a`` to ``f - 1``); ``vt``: the value of a whole term
    at its prices, for its renewals. ``cut``: whether a later line (or a renewal contract) cuts it at ``c``,
    taking off its unearned bookings in month ``gc``.
    """

    chain: np.ndarray
    row: np.ndarray
    s0: np.ndarray
    t0: np.ndarray
    a: np.ndarray
    g: np.ndarray
    f: np.ndarray
    c: np.ndarray
    gc: np.ndarray
    cut: np.ndarray
    renews: np.ndarray
    period: np.ndarray
    vs: np.ndarray
    vt: np.ndarray
    services: np.ndarray
    price: np.ndarray
    ramp_first: np.ndarray  # where the line's yearly prices start in ``ramp_prices`` (-1: one price)
    ramp_prices: np.ndarray

    def earned(self, w, t):
        """The revenue line ``w`` earns (uncut) from its first month up to month ``t`` (not included), ``t >= a``."""
        a, f, vs, vt, t0 = self.a[w], self.f[w], self.vs[w], self.vt[w], self.t0[w]
        length = f - a
        ms = vs // length
        first = np.where(t >= f, vs, (t - a) * ms)
        k = np.maximum(t - f, 0) // t0
        later = k * vt + (np.maximum(t - f, 0) - k * t0) * (vt // t0)
        return first + np.where(t > f, later, 0)

    def unearned(self, w, c):
        """What line ``w``, cut at month ``c``, had booked and will not earn: its revenue from ``c`` to the end of
        the stretch or term booked at ``c`` (nothing when ``c`` starts a term: that term was not booked)."""
        f, t0 = self.f[w], self.t0[w]
        booked_end = np.where(c <= f, f, f + t0 * (-(-(c - f) // t0)))
        return self.earned(w, booked_end) - self.earned(w, c)

    def yearly(self, w, m):
        """The yearly price of line ``w`` in month ``m`` (a ramp's: the contract year of the chain's term)."""
        term_start = self.s0[w] + self.t0[w] * ((m - self.s0[w]) // self.t0[w])
        at = self.ramp_first[w] + (m - term_start) // 12
        if not len(self.ramp_prices):
            return self.price[w] + 0 * m
        return np.where(self.ramp_first[w] >= 0, self.ramp_prices[np.clip(at, 0, len(self.ramp_prices) - 1)],
                        self.price[w])


def lines_of(book, roots: np.ndarray, origin: int) -> Lines:
    """The lines of the chains starting at ``roots`` (book rows, sorted), each chain's lines in order."""
    amendments = np.flatnonzero(book.amends >= 0)
    amendments = amendments[np.isin(book.amends[amendments], roots)]
    rows = np.concatenate([roots, amendments])
    root = np.concatenate([roots, book.amends[amendments]])
    chain = np.searchsorted(roots, root)
    order = np.lexsort((book.start[rows], (book.amends[rows] >= 0), chain))
    rows, root, chain = rows[order], root[order], chain[order]
    n = len(rows)
    last = np.ones(n, bool)
    last[:-1] = chain[1:] != chain[:-1]
    following = np.minimum(np.arange(n) + 1, n - 1)
    stop = book.stop[root]
    cut = ~last | (stop < NEVER)
    c = np.where(~last, book.start[rows[following]], np.where(stop < NEVER, stop, NEVER // 2)) - origin
    gc = np.where(~last, book.signed[rows[following]] - origin, c)
    s0, t0 = book.start[root] - origin, book.term[root]
    price = book.first_price[rows]
    is_ramp = np.array([int(r) in book.ramps for r in rows.tolist()], bool) if book.ramps else np.zeros(n, bool)
    years = np.array([len(book.ramps[int(r)]) for r in rows[is_ramp].tolist()], np.int64)
    ramp_first = np.full(n, -1, np.int64)
    ramp_first[is_ramp] = np.cumsum(years) - years
    ramp_prices = np.fromiter((p for r in rows[is_ramp].tolist() for p in book.ramps[int(r)]), np.int64,
                              int(years.sum()))
    vt = round_half_up(price * t0, 12)
    for k in np.flatnonzero(is_ramp).tolist():
        vt[k] = recurring_value(book.ramps[int(rows[k])], int(t0[k]))
    a = book.start[rows] - origin
    return Lines(chain=chain, row=rows, s0=s0, t0=t0, a=a, g=book.signed[rows] - origin, f=a + book.term[rows],
                 c=c, gc=gc, cut=cut, renews=book.renews[rows], period=book.period[rows], vs=book.value[rows],
                 vt=vt, services=book.services[rows], price=price, ramp_first=ramp_first, ramp_prices=ramp_prices)


def chain_figures(lines: Lines, w: np.ndarray, chains: int, months: int) -> dict:
    """The figures of lines ``w`` (a run of whole chains, numbered from their first), in cents, as
    (chains x months) grids: the flows, and ``tail`` rows (terms of :mod:`rules`) for what repeats."""
    from .rules import Terms, _flows  # the rules of renewing contracts, for the lines' renewals

    L = lines
    base = L.chain[w[0]] if len(w) else 0
    group = L.chain[w] - base
    names = ("bookings_signed", "renewal_bookings", "billings", "recurring_revenue", "services_revenue", "mrr", "arr")
    ev = {name: Events(chains, months) for name in names}
    ahead = L.renews[w] & (L.period[w] > L.t0[w])
    free = (L.price[w] == 0) & (L.ramp_first[w] < 0)  # a cancellation: nothing recurs
    x = np.where(L.cut[w], L.c[w], np.where(ahead, months, L.f[w]))
    x = np.where(free, L.a[w], np.minimum(x, months))
    a = L.a[w]

    # Signed: the stretch's value and services; services billed and earned in the first month.
    ev["bookings_signed"].add(group, L.g[w], L.vs[w] + L.services[w])
    ev["billings"].add(group, a, L.services[w])
    ev["services_revenue"].add(group, a, L.services[w])

    # Month by month over the finite part: revenue, run rates, renewal bookings.
    count = np.maximum(x - a, 0)
    which, k = spread(count)
    line = w[which]
    m = a[which] + k
    revenue = L.earned(line, m + 1) - L.earned(line, m)
    ev["recurring_revenue"].add(group[which], m, revenue)
    yearly = L.yearly(line, m)
    ev["arr"].add(group[which], m, yearly)
    ev["mrr"].add(group[which], m, round_half_up(yearly, 12))
    renewal = (m >= L.f[line]) & ((m - L.f[line]) % L.t0[line] == 0)
    ev["renewal_bookings"].add(group[which][renewal], m[renewal], L.vt[line][renewal])

    # Invoices, period by period.
    start, amount, owner = _invoices(L, w, x, ahead)
    ev["billings"].add(group[owner], start, amount)

    # The cut: what was billed trued up to what was earned; what was booked and will not be earned, taken off.
    cut = L.cut[w] & ~free
    billed = np.bincount(owner, weights=amount, minlength=len(w)).astype(np.int64) if len(owner) else np.zeros(
        len(w), np.int64)
    c = np.where(L.cut[w], np.maximum(L.c[w], a), a)
    earned_by_cut = L.earned(w, c)
    ev["billings"].add(group[cut], c[cut], (earned_by_cut - billed)[cut])
    ev["bookings_signed"].add(group[cut], L.gc[w][cut], -L.unearned(w, c)[cut])
    f = L.f[w]
    out = {name: each.grid() for name, each in ev.items()}

    # What renews after the first stretch, uncut: renewing terms from the stretch's end, booked as renewals.
    tail = ~L.cut[w] & L.renews[w] & ~ahead & ~free & (f < months)
    for ramp in (False, True):
        pick = np.flatnonzero(tail & ((L.ramp_first[w] >= 0) == ramp))
        if not len(pick):
            continue
        lw = w[pick]
        vt, p = L.vt[lw], L.period[lw]
        price = L.price[lw]
        terms = Terms(group=group[pick], start=L.f[lw], signed=L.f[lw], term=L.t0[lw], period=p,
                      renews=np.ones(len(pick), bool), value=vt, services=np.zeros(len(pick), np.int64),
                      monthly=vt // L.t0[lw], invoice=vt * p // L.t0[lw], mrr=round_half_up(price, 12), arr=price)
        ramps = None
        if ramp:
            first = L.ramp_first[lw]
            years = -(-L.t0[lw] // 12)
            owner_r, year = spread(years)
            ramps = (years, owner_r, year, L.ramp_prices[first[owner_r] + year])
        flows = _flows(terms, chains, months, ramps)
        out["renewal_bookings"] += flows["bookings_signed"] + flows["renewal_bookings"]
        for name in ("billings", "recurring_revenue", "services_revenue", "mrr", "arr"):
            out[name] += flows[name]
    out["bookings"] = out.pop("bookings_signed") + out["renewal_bookings"]
    return out


def _invoices(L: Lines, w: np.ndarray, x: np.ndarray, ahead: np.ndarray):
    """Every invoice of lines ``w`` issued before ``x``: its month, amount and line (a position in ``w``).

    Within a stretch (the line's first, then each renewed term) invoices fall on the billing period starts of
    the chain's terms, the first at the stretch's start for the rest of its period; each is the stretch's
    value for its months, rounded down to the cent (a ramp's: the year's price), the last the rest. A line
    that renews on terms shorter than its billing period is invoiced every period from the chain's start,
    for the revenue each period covers.
    """
    a, f, t0, p = L.a[w], L.f[w], L.t0[w], L.period[w]
    # stretches: the first, then the renewed terms that start before x
    more = np.where(~ahead & (x > f), -(-(x - f) // t0), 0)
    owner, j = spread(1 + more)
    ss = np.where(j == 0, a[owner], f[owner] + (j - 1) * t0[owner])
    se = np.where(j == 0, f[owner], ss + t0[owner])
    s0 = L.s0[w][owner]
    ts = s0 + t0[owner] * ((ss - s0) // t0[owner])
    po = p[owner]
    first_anchor = (ss - ts) // po + 1
    count = 1 + np.maximum(0, -(-(se - ts) // po) - first_anchor)
    count = np.where(ahead[owner], 0, count)
    stretch, i = spread(count)
    o = owner[stretch]
    begin = np.where(i == 0, ss[stretch], ts[stretch] + (first_anchor[stretch] + i - 1) * po[stretch])
    end = np.minimum(ts[stretch] + (first_anchor[stretch] + i) * po[stretch], se[stretch])
    value = np.where(j[stretch] == 0, L.vs[w][o], L.vt[w][o])
    length = se[stretch] - ss[stretch]
    ramp = L.ramp_first[w][o] >= 0
    yearly = L.yearly(w[o], begin)
    amount = np.where(ramp, yearly * (end - begin) // 12, value * (end - begin) // np.maximum(length, 1))
    last = np.cumsum(count) - 1
    has = count > 0
    sums = np.bincount(stretch, weights=amount, minlength=len(count)) if len(stretch) else np.zeros(len(count))
    others = sums.astype(np.int64)[has] - amount[last[has]]
    amount[last[has]] = np.where(j == 0, L.vs[w][owner], L.vt[w][owner])[has] - others
    keep = begin < x[o]
    begin, amount, o = begin[keep], amount[keep], o[keep]
    # renewing on terms shorter than the billing period: every period from the chain's start
    lines = np.flatnonzero(ahead)
    if len(lines):
        s0, pa = L.s0[w][lines], p[lines]
        first_anchor = (a[lines] - s0) // pa + 1
        n = 1 + np.maximum(0, -(-(x[lines] - s0) // pa) - first_anchor)
        which, i = spread(n)
        at = np.where(i == 0, a[lines][which], s0[which] + (first_anchor[which] + i - 1) * pa[which])
        until = s0[which] + (first_anchor[which] + i) * pa[which]
        lw = w[lines][which]
        begin = np.concatenate([begin, at])
        amount = np.concatenate([amount, L.earned(lw, until) - L.earned(lw, at)])
        o = np.concatenate([o, lines[which]])
    return begin, amount, o


def add_chains(book, roots: np.ndarray, group: np.ndarray, origin: int, months: int, flows: dict, balances: dict):
    """Add the chains starting at ``roots`` to ``flows`` (grids by group) and their clipped balances to
    ``balances`` (``owed``, ``unbilled``, ``ahead``, ``current``); returns their customers' spans in service
    (book row of the chain's original, first month, month after the last)."""
    lines = lines_of(book, roots, origin)
    target = group[roots]
    per_block = max(1, BLOCK_CELLS // max(months, 1))
    bounds = np.searchsorted(lines.chain, np.arange(0, len(roots) + per_block, per_block))
    spans = []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        if lo >= hi:
            continue
        w = np.arange(lo, hi)
        first_chain = int(lines.chain[lo])
        n = int(lines.chain[hi - 1]) - first_chain + 1
        each = chain_figures(lines, w, n, months)
        chains_here = np.arange(first_chain, first_chain + n)
        add = adder(target[chains_here])
        for name in flows:
            add(flows[name], each[name])
        earned = each["recurring_revenue"] + each["services_revenue"]
        balance = np.cumsum(each["billings"] - earned, axis=1)
        booked = np.cumsum(each["bookings"] - earned, axis=1)
        backlog = np.maximum(booked, balance)
        ahead = np.zeros_like(earned)
        ahead[:, :-12] = np.cumsum(earned, axis=1)[:, 12:] - np.cumsum(earned, axis=1)[:, :-12]
        add(balances["owed"], np.maximum(balance, 0))
        add(balances["unbilled"], np.maximum(-balance, 0))
        add(balances["ahead"], backlog - booked)
        add(balances["current"], np.minimum(backlog, ahead))
        live = each["arr"] > 0
        edges = np.diff(np.pad(live.astype(np.int8), ((0, 0), (1, 1))), axis=1)
        r1, first = np.nonzero(edges == 1)
        r2, stop = np.nonzero(edges == -1)
        spans.append((roots[chains_here[r1]], first, stop))
    if not spans:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64)
    return tuple(np.concatenate(part) for part in zip(*spans))


def amendment_bookings(book) -> np.ndarray:
    """What each amendment books in its signed month, in cents (0 for other rows): the value of its months
    and its services, less what the line it cuts had booked and will not earn (its revenue from the
    effective month to the end of the booked term).

    >>> from revlib import Contract
    >>> from revlib.engine import Book
    >>> book = Book.of([Contract(customer="A", start="2024-01", term_months=12, annual_price=1200, contract_id="A1"),
    ...                 Contract(customer="A", start="2024-07", annual_price=2400, amends="A1")])
    >>> amendment_bookings(book).tolist()
    [0, 60000]
    """
    net = np.zeros(len(book), np.int64)
    amendments = book.amends >= 0
    if not amendments.any():
        return net
    roots = np.unique(book.amends[amendments])
    L = lines_of(book, roots, 0)
    follows = np.flatnonzero(np.r_[L.chain[1:] == L.chain[:-1], False])  # lines cut by the next line
    w, nxt = follows, follows + 1
    net[L.row[nxt]] = L.vs[nxt] + L.services[nxt] - L.unearned(w, np.maximum(L.c[w], L.a[w]))
    return net


def renewed_price(book) -> np.ndarray:
    """For each ``renewal_of`` row, the yearly price (cents) of the contract it renews in the month before it
    starts, as last amended (a ramp's, that contract year's); 0 for other rows."""
    price = np.zeros(len(book), np.int64)
    renewals = np.flatnonzero(book.renewal_of >= 0)
    if not len(renewals):
        return price
    renewed = book.renewal_of[renewals]
    roots = np.unique(renewed)
    L = lines_of(book, roots, 0)
    before = book.start[renewals] - 1
    width = int(max(L.a.max(), before.max())) + 2 - int(min(L.a.min(), before.min()))
    low = int(min(L.a.min(), before.min()))
    code = L.chain * width + (L.a - low)
    line = np.searchsorted(code, np.searchsorted(roots, renewed) * width + (before - low), side="right") - 1
    price[renewals] = L.yearly(line, before)
    return price
