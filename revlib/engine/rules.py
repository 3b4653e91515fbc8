"""The rules as code: every figure of a schedule, in cents, per (group x month), one function per figure.

The rules themselves, in plain words, are the docstring of :mod:`revlib.engine`; each
function here names the rule it applies. Amounts are whole cents and months are
counted from the grid's first month (``origin``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from ..contract import round_half_up
from .book import Book, ramp_years
from .customers import active_customers, in_service
from .lines import add_chains, chained, renewal_parts
from .grid import Events, adder, factorize, spread, sum_by


@dataclass
class Terms:
    """Contracts as the rules read them: cents, and months counted from the grid's first.

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
    def of(cls, book: Book, rows, group: np.ndarray, origin: int) -> "Terms":
        """The contracts at ``rows`` of a book, each in its group."""
        value, term, period, price = book.value[rows], book.term[rows], book.period[rows], book.first_price[rows]
        services = book.services[rows]
        return cls(group=group, start=book.start[rows] - origin, signed=book.signed[rows] - origin, term=term,
                   period=period, renews=book.renews[rows],
                   **{name: _amount(name, value, term, period, price, services) for name in MERGE_AMOUNTS})

    @property
    def last_monthly(self) -> np.ndarray:
        """The recurring revenue of the term's last month: the rest of the term's value."""
        return self.value - (self.term - 1) * self.monthly

    def every_term(self, months: int) -> np.ndarray:
        """The stride that repeats a term's events: the term if it renews, else past the window (no repeat)."""
        return np.where(self.renews, self.term, months)

    def merged(self) -> "Terms":
        """One row for each distinct group, start, signing, term, billing and renewal; amounts added."""
        if not len(self.group):
            return self
        merged = _merged([getattr(self, k) for k in MERGE_KEYS], lambda name: getattr(self, name))
        return self if merged is None else Terms(**merged)

    @classmethod
    def merged_of(cls, book: Book, group: np.ndarray, origin: int, left_out: np.ndarray) -> "Terms":
        """``Terms.of(book, rows, group[rows], origin).merged()``, ``rows`` every row of the book but those
        ``left_out`` (positions): worked out on the book's columns as they are, none gathered first."""
        def amount(name: str) -> np.ndarray:  # each contract's, one at a time
            return _amount(name, book.value, book.term, book.period, book.first_price, book.services)

        if len(book) > len(left_out):
            merged = _merged([group, book.start, book.signed, book.term, book.period, book.renews], amount, left_out)
            if merged is not None:
                merged["start"] -= origin
                merged["signed"] -= origin
                return cls(**merged)
        rows = np.ones(len(book), bool)
        rows[left_out] = False
        index = np.flatnonzero(rows)
        return cls.of(book, index, group[index], origin)  # nothing to merge


MERGE_KEYS = ("group", "start", "signed", "term", "period", "renews")
"""What contracts merged into one row of :class:`Terms` have in common."""

MERGE_AMOUNTS = ("value", "services", "monthly", "invoice", "mrr", "arr")
"""The amounts of :class:`Terms`, added up when contracts are merged."""


def _amount(name: str, value, term, period, price, services) -> np.ndarray:
    """One amount of :class:`Terms` (of :data:`MERGE_AMOUNTS`) for contracts with these columns (cents, months):
    a month's recurring revenue before the term's last, an invoice before the term's last, MRR and ARR at the
    first price."""
    if name == "monthly":
        return value // term
    if name == "invoice":
        return value * period // term
    if name == "mrr":
        return round_half_up(price, 12)
    return {"value": value, "services": services, "arr": price}[name]


def _merged(keys: list, amount, left_out=None) -> dict | None:
    """The fields of :class:`Terms` for one row per distinct combination of the ``keys`` (the columns of
    :data:`MERGE_KEYS`), each amount of :data:`MERGE_AMOUNTS` (``amount(name)``, a column) added up; the rows at
    positions ``left_out`` not counted. None when nothing merges, or the keys' combinations are too many to number.
    """
    left = 0 if left_out is None else len(left_out)
    group, start, signed, *others = keys
    # The signing as months before the start (most are signed as they start: fewer codes), the first digit: worked
    # out in the code's own memory (no other array of the book's length is made).
    code = np.subtract(start, signed, dtype=np.int64)
    digits = [code, group, start, *others]
    lows = [int(c.min()) for c in digits]
    sizes = [int(c.max()) - low + 1 for c, low in zip(digits, lows)]
    size = math.prod(sizes)
    if size >= 2**62:
        return None
    code -= lows[0]
    for column, low, each in zip(digits[1:], lows[1:], sizes[1:]):
        if each > 1:  # one value (as of one group) adds nothing to the code
            code *= each  # in place
            code -= low
            code += column
    if left:
        code[left_out] = size  # numbered last, then dropped
    ids, rest = factorize(code, size + (left > 0))
    kept = len(rest) - (left > 0)
    if kept == len(code) - left:  # nothing merges
        return None
    fields = {}
    rest = rest[:kept]
    names = ("lag", "group", "start", "term", "period", "renews")  # the digits' order
    for name, low, each in reversed(list(zip(names, lows, sizes))):
        rest, digit = np.divmod(rest, each)
        fields[name] = digit + low
    fields["renews"] = fields["renews"].astype(bool)
    fields["signed"] = fields["start"] - fields.pop("lag")
    for name in MERGE_AMOUNTS:
        fields[name] = sum_by(ids, amount(name), kept + (left > 0))[:kept]
    return fields


def figures(book: Book, group: np.ndarray, groups: int, origin: int, months: int) -> dict:
    """Every schedule column (figure) in cents, as (groups x months) arrays from ``origin``.

    Contracts at a single price are merged by their terms and computed together;
    ramp deals, whose unbilled revenue is clipped contract by contract, one by one.
    Renewing contracts billed over a period longer than their term can be invoiced
    ahead of what they have booked: their flows are computed with the others, and
    their balances again row by row (merged by their terms first), so that each
    one's deferred and unbilled revenue are clipped on their own and its backlog is
    at least its deferred revenue.
    """
    full, full_group, roots, lines = book, group, None, None
    if book.has_links:  # amended contracts, and contracts renewed by another row, as chains of lines
        chain_rows, simple = chained(book)
        roots = np.flatnonzero(chain_rows)
        lines = chain_rows | (book.amends >= 0)  # the chains' rows: left out of the single contracts' rules
        if simple.any():  # renewed by another contract right after the first term: renewing no more
            book = replace(book, renews=book.renews & ~simple)
    ramp = np.zeros(len(book), bool)
    ramp[list(book.ramps)] = True
    ahead = book.renews & (book.period > book.term)  # may be invoiced beyond what is booked
    ahead &= ~ramp
    if lines is not None:
        ramp &= ~lines
        ahead &= ~lines
    scratch = np.empty((groups, months), np.int64)  # lent to every grid worked out here, one after the other
    years = ramp_years(book, np.flatnonzero(ramp)) if ramp.any() else None
    flows, parts = _book_flows(book, group, groups, origin, months, ramp, ahead, years, scratch, lines)
    owed = flows["billings"] - flows["recurring_revenue"]
    owed -= flows["services_revenue"]
    np.cumsum(owed, axis=1, out=owed)  # with the balances of the rows clipped on their own as they are: below
    unbilled = np.zeros(owed.shape, np.int64)  # np.zeros: pages only touched where written
    beyond = []  # deferred revenue beyond backlog, row by row: (adder, values), added where it counts
    for target, each in parts:
        balance, over = _balances(each, len(target), months)
        add = adder(target)
        unbilled_each = np.maximum(np.negative(balance, out=balance), 0, out=balance)
        add(owed, unbilled_each)
        add(unbilled, unbilled_each)
        beyond.append((add, over))
    bookings = flows["bookings_signed"]
    bookings += flows["renewal_bookings"]  # the signed bookings' grid, no longer needed alone
    out = {
        "bookings": bookings,
        "renewal_bookings": flows["renewal_bookings"],
        "billings": flows["billings"],
        "recurring_revenue": flows["recurring_revenue"],
        "services_revenue": flows["services_revenue"],
        "mrr": flows["mrr"],
        "arr": flows["arr"],
        "ramp_step": flows["ramp_step"],
    }
    out["revenue"] = out["recurring_revenue"] + out["services_revenue"]
    # Current backlog: the next 12 months' revenue, less what is not booked yet, plus what is invoiced beyond it.
    current = _next_12_months(out["revenue"], scratch)
    current -= flows["unbooked"]
    _add_rows(current, beyond)
    who, first, stop = in_service(book, origin, months, years, lines)
    spans = [(who, first, stop)]  # months in service, counted part by part (active_customers)
    chains_ahead = None
    if roots is not None:
        del book, ramp, ahead, lines
        if len(roots):
            chains_ahead = np.zeros(owed.shape, np.int64)  # the chains' deferred revenue beyond their backlog
            # Each chain's balances are clipped on its own: deferred and unbilled revenue, and its backlog is
            # at least its deferred revenue; its current backlog is the part of its backlog earned within a year.
            balances = {"owed": owed, "unbilled": unbilled, "ahead": chains_ahead, "current": current}
            chain_flows = {name: out[name] for name in ("bookings", "renewal_bookings", "billings",
                                                        "recurring_revenue", "services_revenue", "mrr", "arr",
                                                        "ramp_step")}
            spans.append(add_chains(full, roots, full_group, origin, months, chain_flows, balances))
            out["revenue"] = out["recurring_revenue"] + out["services_revenue"]
        out["renewal_bookings"] += renewal_parts(full, full_group, groups, origin, months)
    out["deferred_revenue"] = owed  # summed over contracts where positive: never netted with unbilled
    out["unbilled_revenue"] = unbilled
    # Backlog is at least deferred revenue, contract by contract: what is invoiced beyond
    # the booked terms is committed, and all of it is earned within the next 12 months.
    backlog = np.subtract(out["bookings"], out["revenue"], out=flows["unbooked"])  # its grid reused
    np.cumsum(backlog, axis=1, out=backlog)
    _add_rows(backlog, beyond)
    if chains_ahead is not None:
        backlog += chains_ahead
    out["backlog"] = backlog
    out["current_backlog"] = current
    out["customers"] = active_customers(full, full_group, groups, origin, months, spans)
    return out


def _book_flows(book: Book, group: np.ndarray, groups: int, origin: int, months: int, ramp: np.ndarray,
                ahead: np.ndarray, years, scratch: np.ndarray, lines: np.ndarray | None = None) -> tuple[dict, list]:
    """The flows of every contract of the book by group (:data:`FLOWS`, grids), and the rows whose balances are
    clipped on their own, each as (its group, its flows' events): the contracts that may be invoiced ahead
    (``ahead``, merged by their terms) and the ramp deals (``ramp``, priced by ``years``, from :func:`ramp_years`).

    Their flows are in the book's as well: its deferred revenue then holds their balances as they are, and
    max(b, 0) = b + max(-b, 0). Each flow's events are let go once added up (by customer, they are about the book's
    size each). The rows of ``lines`` (a mask: the chains' rows, which :mod:`revlib.engine.lines` works out) are left
    out.
    """
    left_out = ramp if lines is None else ramp | lines
    pooled = Terms.merged_of(book, group, origin, np.flatnonzero(left_out))
    events = _events(pooled, groups, months)
    del pooled
    parts = []
    if ahead.any():
        index = np.flatnonzero(ahead)
        terms = Terms.of(book, index, group[index], origin).merged()
        target, terms.group = terms.group, np.arange(len(terms.group), dtype=np.int64)
        parts.append((target, _events(terms, len(target), months, names=BALANCE_FLOWS)))
    if years is not None:  # ramp deals: each its own row, its events in its group's grids as well
        index = np.flatnonzero(ramp)
        each = _events(Terms.of(book, index, np.arange(len(index)), origin), len(index), months, ramps=years)
        for name, flow in events.items():
            flow.include(each[name], rows=group[index])
        parts.append((group[index], each))
    return {name: events.pop(name).grid(scratch) for name in list(events)}, parts


def _add_rows(target: np.ndarray, parts: list) -> None:
    """Add each part's values into ``target`` with its adder (:func:`revlib.engine.grid.adder`)."""
    for add, values in parts:
        add(target, values)


def _next_12_months(revenue: np.ndarray, work: np.ndarray | None = None) -> np.ndarray:
    """For each month, the revenue of the 12 months after it (zero where the grid does not reach).

    ``work``, a grid of revenue's shape and int64, holds the running total if given (whatever it held is lost).
    """
    earned = np.cumsum(revenue, axis=1, out=work)
    ahead = np.empty_like(earned)
    np.subtract(earned[:, 12:], earned[:, :-12], out=ahead[:, :-12])
    ahead[:, -12:] = 0
    return ahead


FLOWS = ("bookings_signed", "renewal_bookings", "billings", "recurring_revenue", "services_revenue", "mrr", "arr",
         "ramp_step", "unbooked")
"""The monthly flows :func:`_flows` computes, all of them unless told."""

BALANCE_FLOWS = ("bookings_signed", "renewal_bookings", "billings", "recurring_revenue", "services_revenue")
"""The flows a contract's balances are made of: what it booked, billed and earned."""


def _flows(terms: Terms, groups: int, months: int, ramps=None, names=FLOWS, scratch=None) -> dict:
    """Monthly bookings, billings, revenue, MRR and ARR, and the revenue not booked yet, in cents, per group.

    ``ramps`` (from :func:`ramp_years`) marks every row as a ramp deal, priced year by year;
    ``names`` picks the flows wanted (of :data:`FLOWS`); ``scratch`` is lent to :meth:`Events.grid`.
    """
    return {name: each.grid(scratch) for name, each in _events(terms, groups, months, ramps, names).items()}


def _events(terms: Terms, groups: int, months: int, ramps=None, names=FLOWS) -> dict:
    """The events of :func:`_flows` (an :class:`Events` for each flow of ``names``), not yet added up in grids."""
    events = {name: Events(groups, months) for name in names}
    rules = {
        "bookings_signed": lambda: signed_bookings(events["bookings_signed"], terms),
        "renewal_bookings": lambda: renewal_bookings(events["renewal_bookings"], terms),
        "services_revenue": lambda: services_revenue(events["services_revenue"], terms),
        "recurring_revenue": lambda: recurring_revenue(events["recurring_revenue"], terms, months),
        "billings": lambda: billings(events["billings"], terms, months, ramps),
        "unbooked": lambda: unbooked_revenue(events["unbooked"], terms),
    }
    for name in names:
        if name in rules:
            rules[name]()
    if "mrr" in names:
        run_rates(events["mrr"], events["arr"], terms, months, ramps)
    if "ramp_step" in names and ramps is not None:
        ramp_steps(events["ramp_step"], terms, months, ramps)
    return events


def _balances(events: dict, rows: int, months: int) -> tuple[np.ndarray, np.ndarray]:
    """Of rows whose flows are ``events`` (of :func:`_events`, with :data:`BALANCE_FLOWS`): each row's balance by
    month (billed less earned to date: deferred revenue where positive, unbilled where negative), and what it has
    billed beyond what it has booked to date, where positive (deferred revenue beyond its backlog)."""
    less_earned, less_booked = Events(rows, months), Events(rows, months)  # what is billed, less what is ...
    for each in (less_earned, less_booked):
        each.include(events["billings"])
    less_earned.include(events["recurring_revenue"], -1)
    less_earned.include(events["services_revenue"], -1)
    less_booked.include(events["bookings_signed"], -1)
    less_booked.include(events["renewal_bookings"], -1)
    scratch = np.empty((rows, months), np.int64)  # lent to both grids
    balance, beyond = less_earned.grid(scratch), less_booked.grid(scratch)
    np.cumsum(balance, axis=1, out=balance)
    np.cumsum(beyond, axis=1, out=beyond)
    np.maximum(beyond, 0, out=beyond)
    return balance, beyond


def signed_bookings(events: Events, terms: Terms) -> None:
    """Bookings: the contract value (TCV: the recurring value of the term plus services) when signed."""
    events.add(terms.group, terms.signed, terms.value + terms.services)


def renewal_bookings(events: Events, terms: Terms) -> None:
    """Renewal bookings: the recurring value of one more term, in the month each renewal starts."""
    renews = terms.renews
    events.add(terms.group[renews], (terms.start + terms.term)[renews], terms.value[renews],
               every=(terms.term[renews],))


def services_revenue(events: Events, terms: Terms) -> None:
    """Services revenue: recognised in the first month of service."""
    events.add(terms.group, terms.start, terms.services)


def recurring_revenue(events: Events, terms: Terms, months: int) -> None:
    """Recurring revenue: evenly, month by month, in service; the term's last month takes the cents left over."""
    ends = ~terms.renews
    events.add(terms.group, terms.start, terms.monthly, running_totals=1)
    events.add(terms.group[ends], (terms.start + terms.term)[ends], -terms.monthly[ends], running_totals=1)
    events.add(terms.group, terms.start + terms.term - 1, terms.last_monthly - terms.monthly,
               every=(terms.every_term(months),))


def billings(events: Events, terms: Terms, months: int, ramps=None) -> None:
    """Billings: services on the first invoice, then an invoice at the start of each billing period."""
    events.add(terms.group, terms.start, terms.services)
    if ramps is None:
        _single_price_invoices(events, terms, months)
    else:
        _ramp_invoices(events, terms, ramps, months)


def _single_price_invoices(events: Events, terms: Terms, months: int) -> None:
    """Invoices at one price: equal invoices every period, the last one for the rest of the term's value."""
    every_term = terms.every_term(months)
    within_term = ~terms.renews | (terms.period <= terms.term)  # the others: billed for periods longer than a term
    count = -(-terms.term // terms.period)  # invoices in a term
    last_invoice = terms.value - (count - 1) * terms.invoice
    several = within_term & (count > 1)
    strides = (terms.period[several], every_term[several])
    events.add(terms.group[several], terms.start[several], terms.invoice[several], every=strides)
    last_start = terms.start + (count - 1) * terms.period
    events.add(terms.group[several], last_start[several], -terms.invoice[several], every=strides)
    events.add(terms.group[within_term], last_start[within_term], last_invoice[within_term],
               every=(every_term[within_term],))
    _longer_period_invoices(events, terms, terms.renews & (terms.period > terms.term), months)


def _longer_period_invoices(events: Events, terms: Terms, pick: np.ndarray, months: int) -> None:
    """Renewing contracts billed over periods longer than their term: each invoice is the revenue it covers."""
    monthly, last_monthly = terms.monthly, terms.last_monthly
    even = pick & (monthly == last_monthly)
    events.add(terms.group[even], terms.start[even], (terms.period * monthly)[even], every=(terms.period[even],))
    uneven = np.flatnonzero(pick & (monthly != last_monthly))
    if not len(uneven):
        return
    count = np.maximum(0, -(-(months - terms.start[uneven]) // terms.period[uneven]))  # invoices within the window
    position, k = spread(count)  # invoice k of contract uneven[position]
    which = uneven[position]
    period, term = terms.period[which], terms.term[which]
    last_months = (k + 1) * period // term - k * period // term  # terms whose last month invoice k covers
    events.add(terms.group[which], terms.start[which] + k * period,
               period * monthly[which] + (last_monthly - monthly)[which] * last_months)


def _ramp_invoices(events: Events, terms: Terms, ramps, months: int) -> None:
    """Ramp deals: each invoice is the price of the months it covers, down to the cent; the rest on the last.

    Billing periods of 1, 3, 6 and 12 months fall inside one contract year; upfront is one invoice.
    """
    years, _, _, prices = ramps
    first_year_row = np.cumsum(years) - years
    count = -(-terms.term // terms.period)  # invoices in a term
    which, k = spread(count)  # invoice k of deal which
    begin = k * terms.period[which]  # months from the start
    length = np.minimum(terms.period[which], terms.term[which] - begin)
    yearly = prices[first_year_row[which] + begin // 12]
    amount = (yearly * length) // 12
    last = np.cumsum(count) - 1
    others = np.add.reduceat(amount, np.cumsum(count) - count) - amount[last]
    amount[last] = terms.value - others
    events.add(terms.group[which], terms.start[which] + begin, amount, every=(terms.every_term(months)[which],))


def run_rates(mrr: Events, arr: Events, terms: Terms, months: int, ramps=None) -> None:
    """MRR and ARR: the recurring price in service, from the start until the term ends unless it renews.

    MRR is ARR / 12 rounded half up to the cent; a ramp deal's is the price of the contract year in effect.
    """
    if ramps is None:
        ends = ~terms.renews
        for events, amount in ((mrr, terms.mrr), (arr, terms.arr)):
            events.add(terms.group, terms.start, amount, running_totals=1)
            events.add(terms.group[ends], (terms.start + terms.term)[ends], -amount[ends], running_totals=1)
        return
    _, owner, year, prices = ramps
    start, term, every_term = terms.start[owner], terms.term[owner], terms.every_term(months)[owner]
    for events, amount in ((mrr, round_half_up(prices, 12)), (arr, prices)):
        events.add(terms.group[owner], start + 12 * year, amount, running_totals=1, every=(every_term,))
        events.add(terms.group[owner], start + np.minimum(12 * year + 12, term), -amount, running_totals=1,
                   every=(every_term,))


def ramp_steps(events: Events, terms: Terms, months: int, ramps) -> None:
    """Ramp steps: the change in ARR, in the month it happens, from a ramp deal's price steps fixed at signing.

    A step is the new contract year's price less the last one's, up or down, in the
    month the new year starts; a renewing deal steps back to its first year's price
    when each renewal starts (the renewed term repeats the ramp). Nothing else moves
    ``ramp_step``: a deal starting or ending, or any other contract, is not a step.
    """
    years, owner, year, prices = ramps
    step = np.r_[0, np.diff(prices)]  # each contract year's price less the year before's
    later = year > 0
    events.add(terms.group[owner][later], (terms.start[owner] + 12 * year)[later], step[later],
               every=(terms.every_term(months)[owner][later],))
    last_row = np.cumsum(years) - 1
    renews = terms.renews
    events.add(terms.group[renews], (terms.start + terms.term)[renews],
               (prices[last_row - years + 1] - prices[last_row])[renews], every=(terms.term[renews],))


def unbooked_revenue(events: Events, terms: Terms) -> None:
    """For each month, the next 12 months' revenue that belongs to terms not booked yet (kept out of cRPO).

    A month of revenue at x, from a term booked at b, counts from month x - 12
    up to the month before b: that is, while it is in the next 12 months but
    its term is not yet signed (a first term signed later, or a renewal that has
    not started). Each month of revenue is placed at x - 12 and taken away at b.
    """
    group, start, signed, term, services, renews = (terms.group, terms.start, terms.signed, terms.term,
                                                    terms.services, terms.renews)
    monthly = terms.monthly
    last_extra = terms.last_monthly - monthly  # the term's last month earns monthly + last_extra
    # The first term, booked when signed: its months within 12 months of signing.
    within = np.clip(signed + 12 - start, 0, term)
    has = within > 0
    whole = has & (within == term)
    value = within * monthly + np.where(whole, last_extra, 0)
    events.add(group[has], (start - 12)[has], monthly[has], running_totals=2)
    events.add(group[has], (start - 12 + within)[has], -monthly[has], running_totals=2)
    events.add(group[whole], (start + term - 13)[whole], last_extra[whole], running_totals=1)
    events.add(group[has], (start - 12)[has], services[has], running_totals=1)
    events.add(group[has], signed[has], -(value + services)[has], running_totals=1)
    # Each renewal, booked when it starts: its first 12 months, every term.
    group, first, term, monthly, last_extra = (group[renews], (start + term)[renews], term[renews],
                                               monthly[renews], last_extra[renews])
    within = np.minimum(term, 12)
    whole = term <= 12
    events.add(group, first - 12, monthly, running_totals=2, every=(term,))
    events.add(group, first - 12 + within, -monthly, running_totals=2, every=(term,))
    events.add(group[whole], (first + term - 13)[whole], last_extra[whole], running_totals=1, every=(term[whole],))
    value = within * monthly + np.where(whole, last_extra, 0)
    events.add(group, first, -value, running_totals=1, every=(term,))
