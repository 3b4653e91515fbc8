"""Amended and renewed contracts: each chain's *lines*, in cents, per chain and month.

A contract with amendments is a chain of lines (the rules are in :mod:`revlib.engine`): the original, then
each amendment from its effective month, each line cut where the next takes effect. A line's life up to its
cut (or to the end of its first stretch, when nothing cuts it) is finite: it is laid out month by month, with
its invoices period by period, all lines at once (numpy, no loop over lines). What a line does after that
stretch, when it renews and nothing cuts it, repeats every term: it is handed to the rules of
:mod:`revlib.engine.rules` as a renewing contract. Each chain's figures are added up on their own rows (a
block of chains at a time), so deferred revenue, unbilled revenue and backlog are clipped chain by chain. Falling
and windowed chains (:func:`falling`: downgrades and cancellations of a contract that does not renew;
:func:`windowed`: amendments signed where they take effect, a year or more apart) need no row: their current
backlog is their next 12 months' revenue less what is not booked yet (:func:`unbooked`), and a windowed chain's,
in the 12 months before each amendment, what :func:`window_cells` adds.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from ..contract import ramp_years, recurring_value, round_half_up
from ..links import NEVER
from .grid import Events, factorize, place, spread, stable_order, sum_by

BLOCK_CELLS = 4_000_000
"""Chains are added up this many (chain x month) cells at a time, to bound the memory a large book takes."""

KEY_LIMIT = 2**62
"""Lines are merged on a key of digits (one for each of their terms) below this; past it, renumbered as it goes."""

ALL = slice(None)
"""Every line of a :class:`Lines`, as ``w``: each field as it is (a view), none gathered."""


def chained(book) -> tuple[np.ndarray, np.ndarray]:
    """Which contracts the engine schedules as chains of lines (amended, or renewed by a ``renewal_of`` row
    other than right after their first term), and which simply stop renewing after their first term (renewed
    right then, and not amended): two masks over the book's rows."""
    amended = np.zeros(len(book), bool)
    amended[book.amends[book.amends >= 0]] = True
    renewed = book.stop < NEVER
    if not renewed.any():  # no renewal contracts: the amended ones
        return amended, renewed
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
    taking off its unearned bookings in month ``gc``; ``followed``: whether the cut is the next line's (an
    amendment); ``first_signed``: the month its chain was first signed (the original's signing).

    The amounts the rules divide (``ms``: a month's revenue of the first stretch before its last; ``mt``: a
    renewed term's; ``mrr``: the price / 12, rounded half up; ``bill_first`` and ``bill_alike``: the first
    stretch's first invoice, for the rest of its billing period, and an invoice for a whole period, at one
    price; ``invoice_t``: a renewed term's invoice for a whole period, at most the term) are worked out line by
    line, so that lines on the same terms can be merged with every amount added (:func:`merged`).
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
    followed: np.ndarray
    first_signed: np.ndarray
    ms: np.ndarray
    mt: np.ndarray
    mrr: np.ndarray
    bill_first: np.ndarray
    bill_alike: np.ndarray
    invoice_t: np.ndarray
    ramp_prices: np.ndarray

    def sub(self, w) -> "Lines":
        """Lines ``w`` (positions, in order) as lines of their own: each field read once, a view where ``w`` is a
        run of lines."""
        w = as_run(w)
        return Lines(**{name: getattr(self, name)[w] for name in LINE_FIELDS}, ramp_prices=self.ramp_prices)

    def earned(self, w, t, first_stretch=False):
        """The revenue line ``w`` earns (uncut) from its first month up to month ``t`` (not included), ``t >= a``
        (and ``t <= f`` if told ``first_stretch``: then what its first stretch earns, alone)."""
        a, f, vs = self.a[w], self.f[w], self.vs[w]
        first = np.where(t >= f, vs, (t - a) * self.ms[w])
        if first_stretch:
            return first
        past = np.maximum(t - f, 0)  # months renewed
        if not past.any():  # none past its first stretch
            return first
        t0 = self.t0[w]
        k = past // t0
        past -= k * t0
        return first + k * self.vt[w] + past * self.mt[w]

    def unearned(self, w, c, earned_by_cut=None):
        """What line ``w``, cut at month ``c``, had booked and will not earn: its revenue from ``c`` to the end of
        the stretch or term booked at ``c`` (nothing when ``c`` starts a term: that term was not booked).
        ``earned_by_cut``: ``earned(w, c)``, where known."""
        f, t0 = self.f[w], self.t0[w]
        booked_end = np.where(c <= f, f, f + t0 * (-(-(c - f) // t0)))
        return self.earned(w, booked_end) - (self.earned(w, c) if earned_by_cut is None else earned_by_cut)

    def yearly(self, w, m):
        """The yearly price of line ``w`` in month ``m`` (a ramp's: the contract year of the chain's term)."""
        term_start = self.s0[w] + self.t0[w] * ((m - self.s0[w]) // self.t0[w])
        at = self.ramp_first[w] + (m - term_start) // 12
        if not len(self.ramp_prices):
            return self.price[w] + 0 * m
        return np.where(self.ramp_first[w] >= 0, self.ramp_prices[np.clip(at, 0, len(self.ramp_prices) - 1)],
                        self.price[w])


LINE_FIELDS = tuple(f.name for f in fields(Lines) if f.name != "ramp_prices")
"""The fields of :class:`Lines` with an entry per line."""


def as_run(w):
    """Positions ``w`` (increasing) as a slice where they are a run (reading a slice copies nothing), else as
    they are."""
    if isinstance(w, slice) or not len(w) or w[-1] - w[0] + 1 != len(w):
        return w
    return slice(int(w[0]), int(w[-1]) + 1)


def lines_of(book, roots: np.ndarray, origin: int) -> Lines:
    """The lines of the chains starting at ``roots`` (book rows; chain k starts at ``roots[k]``), each chain's
    lines in order."""
    position = np.full(len(book), -1, np.int64)
    position[roots] = np.arange(len(roots))
    amendments = np.flatnonzero(book.amends >= 0)
    of = position[book.amends[amendments]]
    amendments, of = amendments[of >= 0], of[of >= 0]  # of the chains asked for, and the chain of each
    start = book.start[amendments]
    low, size = (int(start.min()), int(start.max() - start.min()) + 1) if len(amendments) else (0, 1)
    order, _ = stable_order(of * size + (start - low), len(roots) * size)  # by chain, then effective month
    amendments, of = amendments[order], of[order]
    count = np.bincount(of, minlength=len(roots)) + 1  # each chain's lines: its original, then its amendments
    first_line = np.cumsum(count) - count
    n = len(roots) + len(amendments)
    rows = np.empty(n, np.int64)
    rows[first_line] = roots
    rows[of + np.arange(len(of)) + 1] = amendments
    chain = np.repeat(np.arange(len(roots)), count)
    a, g, term = book.start[rows], book.signed[rows], book.term[rows]
    a -= origin
    g -= origin
    followed = np.zeros(n, bool)  # cut by the next line
    followed[:-1] = chain[1:] == chain[:-1]
    stop = book.stop[roots]
    if (stop < NEVER).any():  # some renewed by a renewal contract: cut where it starts
        stop = np.repeat(stop, count)
        renewed = stop < NEVER
        cut = followed | renewed
        c = np.where(followed, _after(a), np.where(renewed, stop, NEVER // 2) - origin)
    else:
        cut = followed
        c = np.where(followed, _after(a), NEVER // 2 - origin)
    gc = np.where(followed, _after(g), c)
    s0, t0 = np.repeat(a[first_line], count), np.repeat(term[first_line], count)
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
    f, vs, p = a + term, book.value[rows], book.period[rows]
    length = np.maximum(term, 1)  # f - a
    anchor = a - (a - s0) % t0 % p  # the billing date on or before the line's start (periods from its term's start)
    return Lines(chain=chain, row=rows, s0=s0, t0=t0, a=a, g=g, f=f, c=c, gc=gc, cut=cut, renews=book.renews[rows],
                 period=p, vs=vs, vt=vt, services=book.services[rows], price=price, ramp_first=ramp_first,
                 followed=followed, first_signed=np.repeat(g[first_line], count), ms=vs // length,
                 mt=vt // t0, mrr=round_half_up(price, 12), bill_first=vs * (np.minimum(anchor + p, f) - a) // length,
                 bill_alike=vs * p // length, invoice_t=vt * np.minimum(p, t0) // t0, ramp_prices=ramp_prices)


def _before(x: np.ndarray) -> np.ndarray:
    """Each line's ``x`` of the line before it (the first line's own)."""
    return np.concatenate([x[:1], x[:-1]])


def _after(x: np.ndarray) -> np.ndarray:
    """Each line's ``x`` of the line after it (the last line's own)."""
    return np.concatenate([x[1:], x[-1:]])


class _Both:
    """Events put twice: in the schedule's groups (``pooled``, each chain in its group) and on each chain's own
    row (``each``: what it books, bills and earns, for its balances, each chain's months counted from its
    ``first``), through one ``add``."""

    def __init__(self, pooled: Events, each: Events, target: np.ndarray, first: np.ndarray):
        self.pooled, self.each, self.target, self.first = pooled, each, target, first

    def add(self, group, month, amount, running_totals: int = 0, every=()):
        pooled = 0 if self.pooled.groups == 1 else self.target[np.asarray(group, np.int64)]  # one group: all in it
        self.pooled.add(pooled, month, amount, running_totals, every)
        if self.each is not None:
            group = np.asarray(group, np.int64)
            self.each.add(group, np.asarray(month, np.int64) - self.first[group], amount, running_totals, every)


FLOWS = ("bookings_signed", "renewal_bookings", "billings", "recurring_revenue", "services_revenue", "mrr", "arr",
         "ramp_step")
ON_EACH = {"bookings_signed": "booked", "renewal_bookings": "booked", "billings": "billed",
           "recurring_revenue": "earned", "services_revenue": "earned"}


def chain_figures(lines: Lines, w: np.ndarray, target: np.ndarray, groups: int, months: int, billed=True,
                  first: np.ndarray | None = None, width: int | None = None, rows=True):
    """The figures of lines ``w`` (a run of whole chains, ``target`` the group of each, from the first):
    the flows by group, (groups x months) grids in cents; what each chain books, bills and earns, (chains x
    months) grids (none unless ``rows``); and the chains' spans of months in service (chain, first month,
    month after the last; None unless ``rows``)."""
    from .rules import Terms, billings, ramp_steps, recurring_revenue, renewal_bookings, run_rates, signed_bookings

    L = lines.sub(w)  # each field read once (a view where w is a run): lines 0, 1, ... of their own
    base = L.chain[0] if len(L.chain) else 0
    group = L.chain - base
    chains = len(target)
    each = {name: Events(chains, months if width is None else width) for name in ("booked", "billed", "earned")
            if rows and (billed or name != "billed")}
    first = np.zeros(len(target), np.int64) if first is None else first
    ev = {name: _Both(Events(groups, months), each.get(ON_EACH.get(name)), target, first) for name in FLOWS}
    ahead, free, x, tail = line_reach(L, ALL, months)
    a, f = L.a, L.f
    ramp_line = L.ramp_first >= 0

    # Signed: the stretch's value and services; services billed and earned in the first month.
    ev["bookings_signed"].add(group, L.g, L.vs + L.services)
    ev["billings"].add(group, a, L.services)
    ev["services_revenue"].add(group, a, L.services)

    # Over the finite part: revenue, run rates and renewal bookings, as levels and repeats (a line at one price),
    # or month by month (a ramp).
    level = as_run(np.flatnonzero(~ramp_line & ~free))  # a slice where they are a run (as merged lines often are)
    g, a1, x1, f1, t0 = group[level], a[level], x[level], f[level], L.t0[level]
    vs, vt, price, ms, mt = L.vs[level], L.vt[level], L.price[level], L.ms[level], L.mt[level]
    ev["recurring_revenue"].add(g, a1, ms, running_totals=1)
    ev["recurring_revenue"].add(g, np.minimum(f1, x1), -ms, running_totals=1)
    ends = f1 - 1 < x1
    ev["recurring_revenue"].add(g[ends], (f1 - 1)[ends], (vs - (f1 - a1) * ms)[ends])
    for amount, name in ((price, "arr"), (L.mrr[level], "mrr")):
        ev[name].add(g, a1, amount, running_totals=1)
        ev[name].add(g, x1, -amount, running_totals=1)
    on = x1 > f1  # renewed terms before the cut
    g, f1, x1, t0, vt, mt = g[on], f1[on], x1[on], t0[on], vt[on], mt[on]
    ev["recurring_revenue"].add(g, f1, mt, running_totals=1)
    ev["recurring_revenue"].add(g, x1, -mt, running_totals=1)
    last_month = f1 + t0 - 1
    extra = vt - t0 * mt
    ev["recurring_revenue"].add(g, last_month, extra, every=(t0,))
    ev["recurring_revenue"].add(g, last_month + t0 * (-(-(x1 - last_month) // t0)), -extra, every=(t0,))
    ev["renewal_bookings"].add(g, f1, vt, every=(t0,))
    ev["renewal_bookings"].add(g, f1 + t0 * (-(-(x1 - f1) // t0)), -vt, every=(t0,))

    count = np.where(ramp_line & ~free, np.maximum(x - a, 0), 0)
    which, k = spread(count)
    line = which
    m = a[which] + k
    revenue = L.earned(line, m + 1) - L.earned(line, m)
    ev["recurring_revenue"].add(group[which], m, revenue)
    yearly = L.yearly(line, m)
    ev["arr"].add(group[which], m, yearly)
    ev["mrr"].add(group[which], m, round_half_up(yearly, 12))
    # Ramp steps (rules.ramp_steps): the line's price changing from its month before; never in its first month
    within = m > a[which]
    ev["ramp_step"].add(group[which][within], m[within], (yearly - L.yearly(line, m - 1))[within])
    renewal = (m >= L.f[line]) & ((m - L.f[line]) % L.t0[line] == 0)
    ev["renewal_bookings"].add(group[which][renewal], m[renewal], L.vt[line][renewal])

    # Invoices, period by period.
    billed = _invoices(L, x, ahead, ev["billings"], group)

    # The cut: what was billed trued up to what was earned; what was booked and will not be earned, taken off.
    cut = L.cut & ~free
    c = np.where(L.cut, np.maximum(L.c, a), a)
    earned_by_cut = L.earned(ALL, c)
    ev["billings"].add(group[cut], c[cut], (earned_by_cut - billed)[cut])
    ev["bookings_signed"].add(group[cut], L.gc[cut], -L.unearned(ALL, c, earned_by_cut)[cut])
    # Cut by an amendment as a renewed term starts: the old price's renewal of that term is booked (as renewal)
    # and the amendment books the change from it (bookings in that month are the same either way).
    at = renewed_at_cut(L, ALL)
    ev["renewal_bookings"].add(group[at], L.gc[at], L.vt[at])
    ev["bookings_signed"].add(group[at], L.gc[at], -L.vt[at])

    # What renews after the first stretch, uncut: renewing terms from the stretch's end, booked as renewals.
    for ramp in (False, True):
        pick = np.flatnonzero(tail & (ramp_line == ramp))
        if not len(pick):
            continue
        lw = pick
        vt, p = L.vt[lw], L.period[lw]
        price = L.price[lw]
        terms = Terms(group=group[pick], start=L.f[lw], signed=L.f[lw], term=L.t0[lw], period=p,
                      renews=np.ones(len(pick), bool), value=vt, services=np.zeros(len(pick), np.int64),
                      monthly=L.mt[lw], invoice=L.invoice_t[lw], mrr=L.mrr[lw], arr=price)
        ramps = None
        if ramp:
            first = L.ramp_first[lw]
            years = ramp_years(L.t0[lw])
            owner_r, year = spread(years)
            ramps = (years, owner_r, year, L.ramp_prices[first[owner_r] + year])
        signed_bookings(ev["renewal_bookings"], terms)  # its first term is a renewal too
        renewal_bookings(ev["renewal_bookings"], terms)
        recurring_revenue(ev["recurring_revenue"], terms, months)
        billings(ev["billings"], terms, months, ramps)
        run_rates(ev["mrr"], ev["arr"], terms, months, ramps)
        if ramp:  # its steps, and the step into its first renewed term, where the renewing contract starts
            ramp_steps(ev["ramp_step"], terms, months, ramps)
            ev["ramp_step"].add(group[pick], L.f[lw], L.yearly(lw, L.f[lw]) - L.yearly(lw, L.f[lw] - 1))

    if not rows:
        return {name: both.pooled.grid() for name, both in ev.items()}, {}, None
    # Months in service: a line at a price from its start to its cut (for good, if it renews uncut); a ramp's
    # years at a price, month by month.
    flat = ~ramp_line & ~free
    stop = np.where(tail, months, x)
    spans = [(group[flat], a[flat], stop[flat])]
    paying = yearly > 0
    spans.append((group[which][paying], m[paying], m[paying] + 1))
    for i in np.flatnonzero(tail & ramp_line).tolist():  # rare: a ramp amendment renewing uncut
        li, t0 = i, int(L.t0[i])
        prices = L.ramp_prices[L.ramp_first[li]:L.ramp_first[li] + ramp_years(t0)]
        for shift in range(int(f[i]), months, t0):
            for y, price in enumerate(prices.tolist()):
                if price:
                    spans.append(([group[i]], [shift + 12 * y], [min(shift + min(12 * y + 12, t0), months)]))
    spans = tuple(np.concatenate([np.asarray(part[j], np.int64) for part in spans]) for j in range(3))
    return ({name: both.pooled.grid() for name, both in ev.items()},
            {name: events.grid() for name, events in each.items()}, spans)


def line_reach(L: Lines, w: np.ndarray, months: int):
    """For lines ``w``: whether each renews on terms shorter than its billing period (invoiced ahead); whether
    it is a cancellation (nothing recurs); the month its finite part stops, within the grid (its cut, else the
    end of its first stretch, or the grid's end if invoiced ahead; a cancellation's start); and whether it
    renews uncut after its first stretch, within the grid."""
    ahead = L.renews[w] & (L.period[w] > L.t0[w])
    free = (L.price[w] == 0) & (L.ramp_first[w] < 0)
    x = np.where(L.cut[w], L.c[w], np.where(ahead, months, L.f[w]))
    x = np.where(free, L.a[w], np.minimum(x, months))
    tail = ~L.cut[w] & L.renews[w] & ~ahead & ~free & (L.f[w] < months)
    return ahead, free, x, tail


def merged(lines: Lines, w: np.ndarray, target: np.ndarray, left_out: np.ndarray | None = None
           ) -> tuple[Lines, np.ndarray]:
    """Lines ``w`` (whole chains, ``target`` the group of each chain by its number; but those ``left_out``, a mask
    over them) with those on the same terms in the same group merged into one line, their amounts added (each
    line's divided amounts worked out before: :class:`Lines`), each line its own chain; and the group of each. A
    ramp's line is merged with none.

    Only what adds up line by line holds for the merged lines: their flows (:func:`chain_figures` without rows)
    and what is not booked yet (:func:`unbooked`); nothing clipped chain by chain."""
    L = lines
    w = as_run(w)  # a run of lines: read in place
    cut, a, c, s0 = L.cut[w], L.a[w], L.c[w], L.s0[w]
    flags = cut + 2 * L.renews[w] + 4 * L.followed[w] + 8 * (np.sign(L.price[w]) + 1)
    # Months as offsets from the line's start (or its chain's, or its cut): the same terms, in fewer digits.
    one_group = not len(target) or target.min() == target.max()  # then a digit of one value: not gathered
    # The flags first (after the group): in one group the cancellations' merged lines are then a run (read in place).
    key = {"group": target[:1] if one_group else target[L.chain[w]], "flags": flags, "a_s0": a - s0, "t0": L.t0[w],
           "a": a, "g_a": L.g[w] - a, "f_a": L.f[w] - a, "c_a": np.where(cut, c - a, 0),
           "gc_c": np.where(cut, L.gc[w] - c, 0), "period": L.period[w], "fs_s0": L.first_signed[w] - s0,
           "ramp_first": L.ramp_first[w]}
    ids, size, digits = np.zeros(len(cut), np.int64), 1, []
    for name, column in key.items():  # one number for each distinct key: digits while they fit in 62 bits
        column = np.asarray(column, np.int64)
        low = int(column.min()) if len(column) else 0
        span = (int(column.max()) - low + 1) if len(column) else 1
        if span > 1 and size * span >= KEY_LIMIT:  # renumbered: then the keys no longer read back
            ids, present = factorize(ids, size)
            size, digits = len(present), None
        if digits is not None:
            digits.append((name, low, span))
        if span == 1:  # one value: no digit
            continue
        ids *= span
        ids += column
        ids -= low
        size *= span
    dropped = left_out is not None and bool(left_out.any())
    if dropped:
        ids[left_out] = size  # numbered last, then dropped
    ids, present = factorize(ids, size + dropped)
    count = len(present) - dropped
    rep = np.empty(count + dropped, np.int64)
    rep[ids] = np.arange(len(L.chain))[w]  # a line of each merged line: any, they differ only where nothing reads them
    rep, present = rep[:count], present[:count]
    amounts = ("vs", "vt", "services", "price", "ms", "mt", "mrr", "bill_first", "bill_alike", "invoice_t")
    out = {name: sum_by(ids, getattr(L, name)[w], count + dropped)[:count] for name in amounts}
    if digits is None:
        out.update({name: getattr(L, name)[rep] for name in LINE_FIELDS if name not in amounts})
        group = target[L.chain[rep]]
    else:  # each merged line's terms read back from its key (no line gathered)
        terms, rest = {}, present
        for name, low, span in reversed(digits):
            if span > 1:
                rest, digit = np.divmod(rest, span)
                terms[name] = digit + low if low else digit
            else:  # one value
                terms[name] = np.full(count, low, np.int64)
        a, s0, cut = terms["a"], terms["a"] - terms["a_s0"], terms["flags"] & 1 > 0
        c = np.where(cut, a + terms["c_a"], NEVER // 2)  # uncut: never read
        out.update(row=L.row[rep], s0=s0, t0=terms["t0"], a=a, g=a + terms["g_a"], f=a + terms["f_a"], c=c,
                   gc=c + terms["gc_c"], cut=cut, renews=terms["flags"] & 2 > 0, period=terms["period"],
                   ramp_first=terms["ramp_first"], followed=terms["flags"] & 4 > 0, first_signed=s0 + terms["fs_s0"])
        group = terms["group"]
    out["chain"] = np.arange(count, dtype=np.int64)
    return Lines(**out, ramp_prices=L.ramp_prices), group


def renewed_at_cut(L: Lines, w: np.ndarray) -> np.ndarray:
    """Which of lines ``w`` (a run of whole chains) an amendment cuts in the first month of one of its renewed terms:
    that term renews at the line's price (a renewal booking, its whole value ``vt``) and the amendment is a change
    to it: (new price - old) x the term's months, as the rule for amendments says."""
    c, f = L.c[w], L.f[w]
    return L.followed[w] & L.renews[w] & (c >= f) & ((c - f) % L.t0[w] == 0)


def _invoices(L: Lines, x: np.ndarray, ahead: np.ndarray, events, group: np.ndarray) -> np.ndarray:
    """Add to ``events`` every invoice of lines ``L`` (in ``group``) issued before ``x``; return what each line
    is invoiced in all.

    Within a stretch (the line's first, then each renewed term) invoices fall on the billing period starts of
    the chain's terms, the first at the stretch's start for the rest of its period; each is the stretch's
    value for its months, rounded down to the cent (a ramp's: the year's price), the last the rest. At one
    price the invoices between the first and the last are all alike: they go in as one amount repeated every
    period. A line that renews on terms shorter than its billing period is invoiced every period from the
    chain's start, for the revenue each period covers.
    """
    a, f, t0, p = L.a, L.f, L.t0, L.period
    billed = np.zeros(len(x), np.int64)
    # stretches: the first, then the renewed terms that start before x
    renewed = ~ahead & (x > f)
    if renewed.any():
        more = np.where(renewed, -(-(x - f) // t0), 0)
        owner, j = spread(1 + more)
        ss = np.where(j == 0, a[owner], f[owner] + (j - 1) * t0[owner])
        se = np.where(j == 0, f[owner], ss + t0[owner])
        value = np.where(j == 0, L.vs[owner], L.vt[owner])
    else:  # each line's first stretch alone: its lines as they are
        owner, j = ALL, np.zeros(len(x), np.int64)
        ss, se, value = a, f, L.vs
    s0 = L.s0[owner]
    ts = s0 + t0[owner] * ((ss - s0) // t0[owner])
    po = p[owner]
    first_anchor = (ss - ts) // po + 1
    count = 1 + np.maximum(0, -(-(se - ts) // po) - first_anchor)
    count = np.where(ahead[owner], 0, count)
    anchor = ts + (first_anchor - 1) * po  # the billing date on or before the stretch's start
    ramp = (L.ramp_first >= 0)[owner]
    # At one price: the first invoice, for the rest of its period; then invoices alike every period; the last
    # for the rest of the stretch's value. Only those issued before x.
    one = as_run(np.flatnonzero(~ramp & (count > 0)))  # a slice where they are a run: each field read in place
    o = one if owner is ALL else owner[one]
    n, v, pp, anc, start, xo, go = count[one], value[one], po[one], anchor[one], ss[one], x[o], group[o]
    kept = np.where(xo > start, np.minimum(n, -(-(xo - anc) // pp)), 0)
    first_stretch = j[one] == 0  # the amounts of its invoices (Lines: worked out line by line)
    first = np.where(n == 1, v, np.where(first_stretch, L.bill_first[o], L.invoice_t[o]))
    alike = np.where(first_stretch, L.bill_alike[o], L.invoice_t[o])
    between = np.maximum(np.minimum(kept, n - 1) - 1, 0)  # invoices alike issued
    last = v - first - (n - 2) * alike
    has_last = (n >= 2) & (kept == n)
    issued = np.where(kept > 0, first, 0)
    events.add(go, start, issued)
    alikes = np.flatnonzero(between > 0)
    periods = np.flatnonzero(np.bincount(pp[alikes])) if len(alikes) else ()
    for period in periods if len(periods) <= 8 else (None,):  # a few periods: each repeated alike, one by one
        at = alikes if period is None else alikes[pp[alikes] == period]
        every = (pp[at] if period is None else int(period),)
        events.add(go[at], (anc + pp)[at], alike[at], every=every)
        events.add(go[at], (anc + (1 + between) * pp)[at], -alike[at], every=every)
    events.add(go[has_last], (anc + (n - 1) * pp)[has_last], last[has_last])
    issued = issued + between * alike + np.where(has_last, last, 0)  # a new array: the events keep the first
    if isinstance(o, slice):  # each line once
        billed[o] += issued
    else:
        billed += np.bincount(o, weights=issued, minlength=len(x)).astype(np.int64)
    # Ramps: invoice by invoice, each the year's price for its months.
    pick = np.flatnonzero(ramp & (count > 0))
    if len(pick):
        stretch, i = spread(count[pick])
        stretch = pick[stretch]
        o = stretch if owner is ALL else owner[stretch]
        begin = np.where(i == 0, ss[stretch], anchor[stretch] + i * po[stretch])
        end = np.minimum(anchor[stretch] + (i + 1) * po[stretch], se[stretch])
        amount = L.yearly(o, begin) * (end - begin) // 12
        last = np.cumsum(count[pick]) - 1
        others = np.bincount(stretch, weights=amount, minlength=len(count)).astype(np.int64)[pick] - amount[last]
        amount[last] = value[pick] - others
        keep = begin < x[o]
        events.add(group[o][keep], begin[keep], amount[keep])
        billed += np.bincount(o[keep], weights=amount[keep], minlength=len(x)).astype(np.int64)
    # renewing on terms shorter than the billing period: every period from the chain's start
    lines = np.flatnonzero(ahead)
    if len(lines):
        s0, pa = L.s0[lines], p[lines]
        first_anchor = (a[lines] - s0) // pa + 1
        n = 1 + np.maximum(0, -(-(x[lines] - s0) // pa) - first_anchor)
        which, i = spread(n)
        at = np.where(i == 0, a[lines][which], s0[which] + (first_anchor[which] + i - 1) * pa[which])
        until = s0[which] + (first_anchor[which] + i) * pa[which]
        lw = lines[which]
        amount = L.earned(lw, until) - L.earned(lw, at)
        events.add(group[lines[which]], at, amount)
        billed += np.bincount(lines[which], weights=amount, minlength=len(x)).astype(np.int64)
    return billed


def _shape(L: Lines) -> dict:
    """What :func:`falling` and :func:`windowed` both read of lines ``L`` (at least one): each chain's first line and
    last, whether a line is signed no later than it starts, or signed where it takes effect with no services, and
    whether its cut is signed where it takes effect; each line's start of the line before it and after it."""
    differs = L.chain[1:] != L.chain[:-1]
    return {"first": np.r_[True, differs], "last": np.r_[differs, True], "signed_before": L.g <= L.a,
            "plain": (L.g == L.a) & (L.services == 0), "a_before": _before(L.a), "a_after": _after(L.a),
            "cut_signed": L.gc == L.c}


def falling(lines: Lines, chains: int, shape: dict | None = None) -> np.ndarray:
    """Which chains never have more revenue in their next 12 months than they have booked and not earned, once
    signed: a mask over the chains (numbered as in ``lines``, each chain's lines in order).

    Their current backlog is then their next 12 months' revenue from their first signing (none before), and
    needs no row of its own. They are the chains of lines that do not renew and are not ramps, the original
    signed no later than its start, each amendment signed in its effective month with no services, cutting the
    line before it where it takes effect, ending where it ends and earning no more in any month (its monthly
    revenue and its last month's, both at most the cut line's): a downgrade or a cancellation. Then, at each
    month end, what is booked and not earned is the line in effect's revenue up to its end, and every later
    month's revenue is at most that line's.
    """
    L = lines
    n = len(L.chain)
    if not n:
        return np.zeros(chains, bool)
    shape = _shape(L) if shape is None else shape
    monthly = L.ms
    last_month = L.vs - (np.maximum(L.f - L.a, 1) - 1) * monthly
    ok = ~L.renews & (L.ramp_first < 0)
    ok &= np.where(shape["first"], shape["signed_before"], shape["plain"] & (L.f == _before(L.f))
                   & (L.a >= shape["a_before"]) & (monthly <= _before(monthly)) & (last_month <= _before(last_month)))
    ok &= np.where(shape["last"], ~L.cut, L.cut & shape["cut_signed"] & (L.c == shape["a_after"]))
    out = np.ones(chains, bool)
    out[L.chain[~ok]] = False
    return out


def windowed(lines: Lines, chains: int, shape: dict | None = None) -> np.ndarray:
    """Which chains have their current backlog worked out from their next 12 months' revenue, less what is not
    booked yet (:func:`unbooked`), but in the 12 months before each amendment (:func:`window_cells`): a mask over
    the chains (numbered as in ``lines``, each chain's lines in order).

    They are the chains of lines that are not ramps nor invoiced ahead of their terms, the original signed no
    later than its start, each amendment signed in its effective month with no services, cutting the line
    before it where it takes effect, within that line's first stretch, and taking effect at least 12 months
    after the amendment before it; a cut by a renewal contract within the last line's first stretch, where it
    starts. Then at each month end, away from the 12 months before an amendment, the chain's next 12 months
    are those of the line in effect, and what it has booked and not earned is that line's revenue up to the end
    of its booked stretch: the part of the next 12 months' revenue booked is never more.
    """
    L = lines
    n = len(L.chain)
    if not n:
        return np.zeros(chains, bool)
    shape = _shape(L) if shape is None else shape
    first = shape["first"]
    ok = (L.ramp_first < 0) & ~(L.renews & (L.period > L.t0))
    ok &= np.where(first, shape["signed_before"], shape["plain"] & (_before(first) | (L.a - shape["a_before"] >= 12)))
    ok &= ~L.cut | (shape["cut_signed"] & (L.c <= L.f) & (shape["last"] | (L.c == shape["a_after"])))
    out = np.ones(chains, bool)
    out[L.chain[~ok]] = False
    return out


def unbooked(lines: Lines, w: np.ndarray, target: np.ndarray, groups: int, months: int):
    """For each group and month, the next 12 months' revenue of lines ``w`` (whole falling or windowed chains,
    ``target`` the group of each chain by its number) that is not booked yet (:func:`rules.unbooked_revenue`),
    taking each line's stretch up to its cut as booked when its chain is first signed, and each renewal when it
    starts. Before an amendment is signed that is not so: :func:`window_cells` makes up the difference."""
    from .rules import Terms, unbooked_revenue

    L = lines.sub(w)
    events = Events(groups, months)
    chain = L.chain
    a, f, vs = L.a, L.f, L.vs
    end = np.where(L.cut, np.minimum(L.c, f), f)
    length = np.maximum(f - a, 1)
    monthly = np.where(end > a, L.ms, 0)
    last = np.where(end == f, vs - (length - 1) * monthly, monthly)
    term = np.maximum(end - a, 1)
    zeros = np.zeros(len(chain), np.int64)
    value = monthly * (term - 1) + np.where(end > a, last, 0)
    unbooked_revenue(events, Terms(group=target[chain], start=a, signed=L.first_signed, term=term, period=term,
                                   renews=np.zeros(len(chain), bool), value=value,
                                   services=L.services, monthly=monthly, invoice=zeros, mrr=zeros, arr=zeros))
    tail = np.flatnonzero(~L.cut & L.renews & (L.price > 0) & (f < months))
    vt, t0 = L.vt[tail], L.t0[tail]
    zeros = np.zeros(len(tail), np.int64)
    unbooked_revenue(events, Terms(group=target[chain[tail]], start=f[tail], signed=f[tail], term=t0, period=t0,
                                   renews=np.ones(len(tail), bool), value=vt, services=zeros, monthly=L.mt[tail],
                                   invoice=zeros, mrr=zeros, arr=zeros))
    return events.grid()


def window_cells(lines: Lines, w: np.ndarray, target: np.ndarray, groups: int, months: int) -> np.ndarray:
    """For lines ``w`` (whole falling or windowed chains, ``target`` the group of each chain by its number), in
    the 12 months before each amendment takes effect (from the chain's signing): what its current backlog is
    beyond the next 12 months' revenue less what :func:`unbooked` takes out, added up in a (groups x months)
    grid of cents.

    There the line in effect is known and the amendment is not: what is booked and not earned is that line's
    revenue up to the end of its first stretch, and the current backlog is the least of that and the next 12
    months' revenue (the line's up to the cut, then the amendment's). :func:`unbooked` takes out only the
    amendment's renewals: so the difference is the least of what the cut line had booked beyond the cut and
    what the amendment earns from the cut to 12 months after the month end, less what its stretch earns of it.
    That is nothing where the amendment earns no more in its first 12 months than the cut line had booked
    beyond the cut (a downgrade or a cancellation: every amendment of a falling chain) and does not renew
    within them; only the others are worked out, month by month."""
    L = lines
    grid = np.zeros((groups, months), np.int64)
    if len(w) < 2:
        return grid
    chain = L.chain[w]
    follows = np.flatnonzero(np.r_[False, chain[1:] == chain[:-1]])  # amendments, by position in w
    new = w[follows]
    old = new - 1
    a, f, c, cut = L.a[new], L.f[new], L.c[new], L.cut[new]
    beyond_cut = L.vs[old] - L.earned(old, np.maximum(L.c[old], L.a[old]), first_stretch=True)  # cut within it
    stop = np.maximum(np.where(cut, c, np.where(L.renews[new], months + 13, f)), a)
    stretch_end = np.maximum(np.where(cut, np.minimum(c, f), f), a)
    renewed_soon = (stop > stretch_end) & (stretch_end < a + 12)  # renewals within the 12 months: not booked
    beyond_cut -= L.services[new]  # less its services
    more = renewed_soon | (L.earned(new, np.minimum(a + 12, stop)) > beyond_cut)
    more &= a < months  # else all 12 months at or past the grid's last 12, where nothing is added
    # Those renewed soon first: each part of the grids below a run of rows (a view).
    rows = np.concatenate([np.flatnonzero(more & renewed_soon), np.flatnonzero(more & ~renewed_soon)])
    soon = int(np.count_nonzero(more & renewed_soon))
    new, a, f, stop, stretch_end, beyond = new[rows], a[rows], f[rows], stop[rows], stretch_end[rows], beyond_cut[rows]
    # A (12 x amendments) grid: row j - 1 for the month end j months before the amendment takes effect (the
    # months 12 months after it); each row a run of amendments (numpy's loops then run along them).
    ahead = np.arange(1, 13)[:, None]
    length, reach = f - a, stretch_end - a
    ms = L.ms[new]
    left = np.minimum(ahead, np.minimum(reach, length))  # months of its stretch before then
    left *= ms  # what its stretch earns of them: its months' revenue, ...
    ran = np.where(reach >= length, length, 13)  # ... and its last month's extra once it has run its whole stretch
    left += (ahead >= ran) * (L.vs[new] - ms * length)  # (arithmetic, several times faster here than np.where)
    np.subtract(beyond, left, out=left)  # booked beyond the cut (less services), less that
    if soon:  # renewed from the end of its first stretch (not cut before: it renews soon)
        line = new[:soon]
        renewed = np.minimum(a[:soon] + ahead, stop[:soon])
        renewed -= f[:soon]
        np.maximum(renewed, 0, out=renewed)  # months renewed
        t0 = L.t0[line]
        if t0.min() > renewed.max():  # all within their first renewed term
            renewed *= L.mt[line]
        else:
            terms = renewed // t0
            renewed -= terms * t0
            renewed *= L.mt[line]
            terms *= L.vt[line]
            renewed += terms
        np.minimum(left[:, :soon], renewed, out=left[:, :soon])
    np.minimum(left[:, soon:], 0, out=left[:, soon:])  # the others renew not within them
    # Row k is month a - 12 + k: counted from the chain's signing, and before the grid's last 12 months.
    k = ahead - 1
    left *= (k >= L.first_signed[new] - a + 12) & (k < months - a)
    group = target[L.chain[new]] if target.any() else None  # None: every line in group 0
    for row in range(12):  # a < months: each amendment's 12 months within the grid
        place(grid, group, a + (row - 12), left[row])
    return grid


def _add_flows(flows: dict, balances: dict, pooled: dict) -> None:
    """Add chains' flows (grids by group, from :func:`chain_figures`) to ``flows``, and their deferred revenue,
    as it adds up, to ``balances["owed"]``."""
    flows["bookings"] += pooled["bookings_signed"] + pooled["renewal_bookings"]
    for name in ("renewal_bookings", "billings", "recurring_revenue", "services_revenue", "mrr", "arr", "ramp_step"):
        flows[name] += pooled[name]
    balances["owed"] += np.cumsum(pooled["billings"] - pooled["recurring_revenue"] - pooled["services_revenue"],
                                  axis=1)


def add_chains(book, roots: np.ndarray, group: np.ndarray, origin: int, months: int, flows: dict, balances: dict):
    """Add the chains starting at ``roots`` to ``flows`` (grids by group) and their balances, clipped chain by
    chain, to ``balances`` (``owed``, ``unbilled``, ``ahead``: deferred revenue beyond backlog, ``current``:
    current backlog); returns their spans of months in service (book row of the chain's original, first month,
    month after the last)."""
    from .rules import _next_12_months

    lines = lines_of(book, roots, origin)
    groups = len(next(iter(flows.values())))
    # Falling and windowed chains first (see falling and windowed): their current backlog needs no row of its own.
    shape = _shape(lines) if len(lines.chain) else None
    fall = falling(lines, len(roots), shape)
    short = fall | windowed(lines, len(roots), shape)
    del shape
    shorts = int(short.sum())
    if shorts < len(roots):
        # Each chain's months with anything to add up: from its first signing to its last cut or end (to the
        # window's end if it renews uncut). The others after them in order of those months, so that a block's rows
        # span few months.
        uncut_renewing = ~lines.cut & lines.renews
        last = np.where(uncut_renewing, months, np.where(lines.cut, lines.c, lines.f) + 1)
        starts = np.flatnonzero(np.r_[True, lines.chain[1:] != lines.chain[:-1]])  # each chain's first line
        chain_first = np.minimum(np.minimum.reduceat(np.minimum(lines.g, lines.a), starts), months)
        chain_last = np.maximum(np.maximum.reduceat(np.minimum(last, months), starts), 0)
        order = np.lexsort((chain_first, chain_last - chain_first, ~short))  # then by how many months they span
        roots, chain_first, chain_last, fall = roots[order], chain_first[order], chain_last[order], fall[order]
        renumber = np.empty_like(order)
        renumber[order] = np.arange(len(order))
        lines.chain = renumber[lines.chain]
        moved = np.argsort(lines.chain, kind="stable")  # each chain's lines together, still in order
        for name in LINE_FIELDS:
            setattr(lines, name, getattr(lines, name)[moved])
    spans = []
    if shorts:  # their flows; their current backlog, the next 12 months' revenue less what is not booked yet,
        # and in the 12 months before each amendment of a windowed chain, what it is beyond that. The flows and
        # what is not booked add up line by line: lines on the same terms are merged first.
        w = slice(0, int(np.searchsorted(lines.chain, shorts)))  # their lines, the first
        target = group[roots[:shorts]]
        _, free, x, tail = line_reach(lines, w, months)  # months in service: no ramp is falling or windowed
        spans.append(joined(roots[lines.chain[w][~free]], lines.a[w][~free], np.where(tail, months, x)[~free]))
        windows = np.flatnonzero(~fall[lines.chain[w]])  # a falling chain's amendments add nothing (window_cells)
        balances["current"] += window_cells(lines, windows, target, groups, months)
        # A cancellation with no services adds nothing up (no price, no value): merged without them.
        nothing = free & (lines.services[w] == 0)
        del free, x, tail, windows
        one, one_target = merged(lines, w, target, nothing)
        if shorts == len(roots):  # no chain left for the blocks below: the lines' memory free for what follows
            del lines
        every = np.arange(len(one.chain))
        pooled, _, _ = chain_figures(one, every, one_target, groups, months, rows=False)
        _add_flows(flows, balances, pooled)
        balances["current"] += (_next_12_months(pooled["recurring_revenue"] + pooled["services_revenue"])
                                - unbooked(one, every, one_target, groups, months))
    step = max(1, BLOCK_CELLS // max(months, 1))  # chains that fit a block however many months they span
    lo = shorts
    while lo < len(roots):  # blocks of chains, each at most BLOCK_CELLS (chain x month) cells over its own months
        hi = min(lo + step, len(roots))
        span = chain_last - chain_first
        width = int(span[lo:hi].max())
        while hi < len(roots):
            end = min(hi + step, len(roots))
            wider = max(width, int(span[hi:end].max()))
            if (end - lo) * wider > BLOCK_CELLS:
                break
            hi, width = end, wider
        first_month = chain_first[lo:hi]
        chains_here = np.arange(lo, hi)
        line_lo, line_hi = np.searchsorted(lines.chain, [lo, hi])
        w = np.arange(line_lo, line_hi)
        block_first_chain, lo = lo, hi
        target = group[roots[chains_here]]
        # Chains whose balance can fall below zero (a ramp), or pass what is booked (invoiced ahead, or cut after
        # the cut was signed), are clipped on their own rows; the others' deferred revenue adds up as it is.
        ahead = lines.renews[w] & (lines.period[w] > lines.t0[w])
        early = lines.cut[w] & (lines.gc[w] < lines.c[w])
        clip = np.zeros(len(chains_here), bool)
        clip[(lines.chain[w] - block_first_chain)[(lines.ramp_first[w] >= 0) | ahead | early]] = True
        pooled, each, (chain, first, stop) = chain_figures(lines, w, target, groups, months, billed=clip.any(),
                                                           first=first_month, width=width)
        column = first_month[:, None] + np.arange(width)  # each chain's months in the grids by group
        inside = column < months

        def put(grid, rows, values):
            """Add each chain's row of ``values`` (its own months) to its group's row of ``grid``."""
            cells = (target[rows][:, None] * months + column[rows])[inside[rows]]
            grid += sum_by(cells, values[inside[rows]], grid.size).reshape(grid.shape)

        _add_flows(flows, balances, pooled)
        spans.append((roots[chains_here[chain]], first, stop))
        earned = each["earned"]
        booked = np.cumsum(each["booked"] - earned, axis=1)
        if clip.any():
            rows = np.flatnonzero(clip)
            balance = np.cumsum(each["billed"][rows] - earned[rows], axis=1)
            put(balances["owed"], rows, np.maximum(-balance, 0))  # clipped: what is below zero put back
            put(balances["unbilled"], rows, np.maximum(-balance, 0))
            beyond = np.maximum(balance - booked[rows], 0)  # invoiced beyond what is booked: backlog is at least
            put(balances["ahead"], rows, beyond)  # deferred revenue
            booked[rows] += beyond
        cum = np.cumsum(earned, axis=1)
        earned[:, :-12] = cum[:, 12:] - cum[:, :-12]  # the next 12 months' revenue (nothing after a chain's end)
        earned[:, -12:] = cum[:, -1:] - cum[:, -12:]
        earned[column >= months - 12] = 0  # where the grid does not reach 12 months ahead
        del cum
        put(balances["current"], slice(None), np.minimum(booked, earned))
    if not spans:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64)
    return tuple(np.concatenate(part) for part in zip(*spans))


def joined(row: np.ndarray, first: np.ndarray, stop: np.ndarray):
    """Spans of months in service (book row, first month, month after the last), each chain's in order, with
    those of a row that follow on from the one before (a line, then the amendment cutting it) joined into one:
    the same months, fewer spans to count customers over."""
    follows = np.zeros(len(row), bool)
    follows[1:] = (row[1:] == row[:-1]) & (first[1:] == stop[:-1])
    if not follows.any():
        return row, first, stop
    starts = np.flatnonzero(~follows)
    ends = np.r_[starts[1:], len(row)] - 1
    return row[starts], first[starts], stop[ends]


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
    renewed = renewed_at_cut(L, np.arange(len(L.chain)))[w]  # the old price's renewal is booked as renewal
    net[L.row[nxt]] = (L.vs[nxt] + L.services[nxt] - L.unearned(w, np.maximum(L.c[w], L.a[w]))
                       - np.where(renewed, L.vt[w], 0))
    return net


def renewal_of_bookings(book) -> np.ndarray:
    """What each ``renewal_of`` row books as renewal, in cents (0 for other rows): the recurring value of the
    contract it renews over the renewal's term, at that contract's price in the month before the renewal
    starts (:func:`renewed_price`), rounded half up to the cent. The rest of its booking (above or below it,
    and its services) is expansion or contraction (:func:`revlib.net_bookings`).

    >>> from revlib import Contract
    >>> from revlib.engine import Book
    >>> book = Book.of([Contract(customer="C", start="2023-01", term_months=12, annual_price=1200, contract_id="C1"),
    ...                 Contract(customer="C", start="2024-01", term_months=6, annual_price=1500, renewal_of="C1")])
    >>> renewal_of_bookings(book).tolist()
    [0, 60000]
    """
    return np.where(book.renewal_of >= 0, round_half_up(renewed_price(book) * book.term, 12), 0)


def renewal_parts(book, group: np.ndarray, groups: int, origin: int, months: int) -> np.ndarray:
    """The renewal bookings of renewal contracts (``renewal_of`` rows), a (groups x months) grid from ``origin``:
    each one's renewal part (:func:`renewal_of_bookings`) in its signed month, in its group. ``bookings`` already
    holds all such a contract books; this is the part of it that is a renewal."""
    grid = np.zeros((groups, months), np.int64)
    renewals = np.flatnonzero(book.renewal_of >= 0)
    renewals = renewals[book.signed[renewals] - origin < months]  # signed within the grid
    if len(renewals):
        np.add.at(grid, (group[renewals], book.signed[renewals] - origin), renewal_of_bookings(book)[renewals])
    return grid


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
