"""How contracts refer to each other: ``amends`` and ``renewal_of``, resolved and checked against the book.

One home for the rules that tie a row to an earlier contract of the same customer, shared by
:func:`revlib.load_contracts`, :func:`revlib.load_book` and :meth:`revlib.engine.Book.of`, so all three
refuse the same book for the same reasons, in the same words (the caller says where: ``line 7`` or a contract's
label). Everything is done on columns, for a book of millions of rows; only the rows with a problem, and ramp
deals, are looked at one by one.

A contract's *chain* is the contract and every amendment of it (an amendment may name the original or an
earlier amendment: both belong to the original's chain). Its amendments take effect in order of their
``start`` month; the chain's terms are the original's (its start, its term length), whatever the amendments.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .contract import MAX_CENTS, ramp_years, round_half_up, worth_problem
from .fields import shown

NEVER = 2**40
"""A month no contract reaches: the end of a chain that renews until a renewal contract takes over (never)."""


@dataclass
class Links:
    """What the links resolve to, one value per row.

    ``root``: for an amendment, the row of the contract its chain starts from; -1 for other rows.
    ``renews_root``: for a ``renewal_of`` row, the row of the contract (the chain) it renews; -1 otherwise.
    ``stop``: for a contract renewed by a ``renewal_of`` row, that row's start (its chain stops renewing
    there); :data:`NEVER` otherwise. For an amendment, its resolved ``term`` (to the end of the amended term),
    ``period`` (billing months, 0 for upfront), ``renews`` and ``value`` (the recurring value of its months,
    in cents); other rows keep theirs.
    """

    root: np.ndarray
    renews_root: np.ndarray
    stop: np.ndarray
    term: np.ndarray
    period: np.ndarray
    renews: np.ndarray
    value: np.ndarray
    billing_from: np.ndarray  # the row whose billing each row has (an amendment that leaves it out: the line before)


def month(ordinal) -> str:
    return str(pd.Period(ordinal=int(ordinal), freq="M"))


def term_end(s0, t0, month_):
    """The last month of the term (of a chain starting at ``s0`` with terms of ``t0`` months) containing ``month_``.

    >>> term_end(0, 12, 13), term_end(0, 12, 11)
    (23, 11)
    """
    return s0 + t0 * ((month_ - s0) // t0 + 1) - 1


def stub_value(prices_per_year, s0: int, t0: int, first: int, last: int) -> int:
    """The recurring value of months ``first`` to ``last`` of a chain's term, at one yearly price or one per
    contract year of the term (a ramp), to the nearest cent.

    >>> stub_value((120000,), 0, 12, 6, 11), stub_value((120000, 240000), 0, 24, 6, 17)
    (60000, 180000)
    """
    if len(prices_per_year) == 1:
        return round_half_up(prices_per_year[0] * (last - first + 1), 12)
    ts = s0 + t0 * ((first - s0) // t0)
    return round_half_up(sum(prices_per_year[(m - ts) // 12] for m in range(first, last + 1)), 12)


def resolve(ids, customer, amends, renewal_of, start, signed, term, period, renews, first_price, top_price, ramps,
            services, ok, where, price_column, book_word="the file"):
    """Resolve and check the links of a book given as columns (one entry per row).

    ``ids``, ``customer``, ``amends`` and ``renewal_of`` are text (``""`` for none); ``start`` and ``signed``
    month ordinals; ``term`` in months (0 where an amendment leaves it out); ``period`` billing months (0 for
    upfront, -1 where an amendment leaves billing out); ``renews`` 1, 0 or -1 (left out); ``first_price`` and
    ``top_price`` the first and largest yearly price in cents, ``ramps`` a dict row: yearly prices (ramp deals);
    ``ok`` marks the rows whose own fields are valid (the others are checked for nothing here).
    ``where(row)`` names a row in a problem (``"line 7"``); ``price_column`` is each row's price column
    (``annual_price`` or ``monthly_price``); ``book_word`` names the book.

    Returns (:class:`Links`, problems), each problem a (row, column, message) tuple, in row order.
    """
    n = len(ids)
    ids, amends, renewal_of = (np.asarray(a, dtype=object) for a in (ids, amends, renewal_of))
    customer = np.asarray(customer, dtype=object)
    start, signed = np.asarray(start, np.int64), np.asarray(signed, np.int64)
    term, period, renews = (np.asarray(a, np.int64).copy() for a in (term, period, renews))
    ok = np.asarray(ok, bool)
    problems: list[tuple[int, int, str, str]] = []  # (row, order, column, message)
    root = np.full(n, -1, np.int64)
    renews_root = np.full(n, -1, np.int64)
    stop = np.full(n, NEVER, np.int64)
    value = np.zeros(n, np.int64)
    billing_from = np.arange(n)
    links = Links(root, renews_root, stop, term, period, renews, value, billing_from)
    is_amendment = amends != ""
    is_renewal = renewal_of != ""
    if not (is_amendment.any() or is_renewal.any()):
        return links, []

    # Every id and every name a row gives, numbered together (one hash of the strings): a name's target is
    # the first row with that id (a repeated id is a problem of its own).
    with_id = np.flatnonzero(ids != "")
    asking = [np.flatnonzero(is_amendment & ok), np.flatnonzero(is_renewal & ~is_amendment & ok)]
    codes, uniques = pd.factorize(np.concatenate([ids[with_id], amends[asking[0]], renewal_of[asking[1]]]))
    first_row = np.full(len(uniques), -1, np.int64)
    first_row[codes[:len(with_id)][::-1]] = with_id[::-1]
    named = np.full(n, -1, np.int64)
    named[asking[0]] = first_row[codes[len(with_id):len(with_id) + len(asking[0])]]
    named_renewal = np.full(n, -1, np.int64)
    named_renewal[asking[1]] = first_row[codes[len(with_id) + len(asking[0]):]]

    def target_of(names, column, order, rows, targets):
        target = targets[rows]
        good = (target >= 0) & (target != rows)
        good[good] = customer[target[good]] == customer[rows[good]]
        for r, t in zip(rows[~good].tolist(), target[~good].tolist()):
            if t < 0:
                problems.append((r, order, column, f"{shown(names[r])} is not the contract_id of any contract in "
                                                   f"{book_word}"))
            elif t == r:
                problems.append((r, order, column, f"{shown(names[r])} is this row's own contract_id; name an "
                                                   "earlier contract of the same customer"))
            elif customer[t] != customer[r]:
                problems.append((r, order, column, f"{shown(names[r])} is a contract of {shown(customer[t])}, not "
                                                   f"of {shown(customer[r])}; a contract is amended or renewed by "
                                                   "its own customer's rows"))
        return np.where(good, target, -1)

    parent = np.full(n, -1, np.int64)
    broken = np.zeros(n, bool)  # an amendment whose named contract is not usable
    rows = asking[0]
    parent[rows] = target_of(amends, "amends", 11, rows, named)
    broken[rows[parent[rows] < 0]] = True
    broken[is_amendment & ~ok] = True
    renewed_rows = asking[1]
    renewed = target_of(renewal_of, "renewal_of", 12, renewed_rows, named_renewal)

    # Each amendment's chain: follow amends to a row that amends nothing (pointer doubling); rows still
    # pointing at an amendment after that are in a loop.
    hop = np.where(parent >= 0, parent, np.arange(n))
    for _ in range(max(1, int(np.ceil(np.log2(n + 1))) + 1)):
        hop = hop[hop]
    looped = (parent >= 0) & (parent[hop] >= 0)
    for r in np.flatnonzero(looped).tolist():
        path, seen = [r], {r}
        while parent[path[-1]] >= 0 and parent[path[-1]] not in seen:
            seen.add(int(parent[path[-1]]))
            path.append(int(parent[path[-1]]))
        ring = path[path.index(int(parent[path[-1]])):] if parent[path[-1]] >= 0 else path
        problems.append((r, 11, "amends", "the amendments loop (" + " amends ".join(
            shown(ids[x]) for x in ring + ring[:1]) + "); an amendment names the contract it changes"))
    chained = (parent >= 0) & ~looped
    root[chained] = hop[chained]
    broken |= looped | (chained & broken[np.where(chained, hop, 0)])
    # A chain is checked when its original and every amendment read well.
    bad_chain = np.zeros(n, bool)
    np.logical_or.at(bad_chain, root[chained], ~ok[chained] | broken[chained])
    bad_chain |= ~ok
    members = np.flatnonzero(chained & ~bad_chain[np.maximum(root, 0)])
    roots_of = root[members]
    renewed_root = np.where(renewed >= 0, np.where(root[np.maximum(renewed, 0)] >= 0,
                                                   root[np.maximum(renewed, 0)], renewed), -1)
    renewable = (renewed_root >= 0) & ok[renewed_rows]
    renewable[renewable] &= ~bad_chain[renewed_root[renewable]] & ~is_amendment[renewed_root[renewable]]
    renewals, renewed_chain = renewed_rows[renewable], renewed_root[renewable]
    renews_root[renewals] = renewed_chain

    # A contract renewed twice: the first renewal (by start, then row) stands.
    order = np.lexsort((renewals, start[renewals], renewed_chain))
    renewals, renewed_chain = renewals[order], renewed_chain[order]
    again = np.zeros(len(renewals), bool)
    again[1:] = renewed_chain[1:] == renewed_chain[:-1]
    firsts = np.maximum.accumulate(np.where(~again, np.arange(len(again)), 0)) if len(again) else again
    for k in np.flatnonzero(again).tolist():
        r, x = int(renewals[k]), int(renewed_chain[k])
        problems.append((r, 12, "renewal_of", f"{shown(ids[x])} is already renewed by {where(int(renewals[firsts[k]]))}; "
                                              "a contract has one renewal"))
    renewals, renewed_chain = renewals[~again], renewed_chain[~again]
    stop[renewed_chain] = start[renewals]

    # The lines of each checked chain in order: the original, then its amendments by effective month.
    s0, t0 = start[roots_of], term[roots_of]
    e = start[members]
    seq = np.lexsort((members, e, roots_of))
    members, roots_of, s0, t0, e = members[seq], roots_of[seq], s0[seq], t0[seq], e[seq]
    first_of_chain = np.ones(len(members), bool)
    first_of_chain[1:] = roots_of[1:] != roots_of[:-1]
    prev = np.where(first_of_chain, roots_of, np.r_[-1, members[:-1]][:len(members)])  # the line each amendment follows
    # billing and renews left out: those of the line it follows (filled forward along the chain)
    for column in (period, renews):
        given = column[members] >= 0
        position = np.where(given | first_of_chain, np.arange(len(members)), 0)
        last_given = np.maximum.accumulate(position) if len(position) else position
        source = np.where(given[last_given], members[last_given], roots_of[last_given])
        column[members] = column[source]
        if column is period:
            billing_from[members] = source
    cancelled = top_price[members] == 0
    prev_cancelled = np.zeros(len(members), bool)
    prev_cancelled[1:] = cancelled[:-1]
    prev_cancelled &= ~first_of_chain
    prev_end = np.where(prev == roots_of, s0 + t0 - 1, term_end(s0, t0, start[prev]))
    chain_end = np.where(renews[prev] == 1, NEVER, prev_end)
    chain_end = np.minimum(chain_end, stop[roots_of] - 1)
    same_month = np.zeros(len(members), bool)
    same_month[1:] = e[1:] == e[:-1]
    same_month &= ~first_of_chain
    outside = (e < s0) | (e > chain_end) | prev_cancelled
    ends = term_end(s0, t0, e)
    stub = ends - e + 1
    for k in np.flatnonzero(outside | same_month).tolist():
        r, x = int(members[k]), int(roots_of[k])
        name = shown(ids[x])
        if same_month[k]:
            problems.append((r, 2, "start", f"{month(e[k])} is also the month {where(int(members[k - 1]))} amends "
                                            f"{name}; one amendment a month: put both changes on one row"))
        elif prev_cancelled[k]:
            problems.append((r, 2, "start", f"{month(e[k])} is after {name} is cancelled (from {month(e[k - 1])}, by "
                                            f"{where(int(members[k - 1]))})"))
        elif e[k] < s0[k]:
            problems.append((r, 2, "start", f"{month(e[k])} is before {name} starts ({month(s0[k])}); an amendment "
                                            "takes effect within the term it amends"))
        else:
            why = (f"renewed by {where(int(renewals[np.flatnonzero(renewed_chain == x)[0]]))} from "
                   f"{month(stop[x])}" if chain_end[k] == stop[x] - 1 else "it does not renew")
            problems.append((r, 2, "start", f"{month(e[k])} is after the term of {name} ends ({month(chain_end[k])}; "
                                            f"{why}); an amendment takes effect within the term it amends"))
    checked = ~(outside | same_month)
    given_term = term[members]
    wrong_term = checked & (given_term > 0) & (given_term != stub)
    for k in np.flatnonzero(wrong_term).tolist():
        problems.append((int(members[k]), 3, "term_months", (
            f"{given_term[k]} months from {month(e[k])} end in {month(e[k] + given_term[k] - 1)}, but the term of "
            f"{shown(ids[roots_of[k]])} ends in {month(ends[k])}; leave term_months empty (or give {stub[k]})")))
    early = checked & (signed[members] < signed[prev])
    for k in np.flatnonzero(early).tolist():
        p = int(prev[k])
        problems.append((int(members[k]), 10, "signed", (
            f"{month(signed[members[k]])} is before {month(signed[p])}, when {where(p)}, which it follows, was "
            "signed; amendments of a contract are signed in the order they take effect")))
    term[members] = stub
    period[members] = np.where(period[members] == 0, t0, period[members])  # upfront: the rest of the term at once
    is_ramp = np.isin(members, np.fromiter(ramps, np.int64, len(ramps)))
    for k in np.flatnonzero(checked & is_ramp).tolist():
        r = int(members[k])
        years = int(ramp_years(t0[k]))
        if len(ramps[r]) != years:
            problems.append((r, 8, price_column[r], f"{len(ramps[r])} yearly prices, but the term of "
                                           f"{shown(ids[roots_of[k]])} ({t0[k]} months) has {years} contract years"))
            checked[k] = False
            continue
        value[r] = stub_value(ramps[r], int(s0[k]), int(t0[k]), int(e[k]), int(ends[k]))
    single = ~is_ramp
    value[members[single]] = round_half_up(first_price[members[single]] * stub[single], 12)
    worth = value[members] + np.asarray(services, np.int64)[members]
    for k in np.flatnonzero(checked & ((top_price[members] > MAX_CENTS) | (worth > MAX_CENTS))).tolist():
        problems.append((int(members[k]), 9, price_column[members[k]], worth_problem(int(top_price[members[k]]), int(worth[k]))))

    # A renewal starts the month after the renewed chain's term ends: the term of the last line before it.
    low = int(min(e.min(initial=0), start.min(initial=0)))
    width = int(max(e.max(initial=0), start.max(initial=0))) - low + 2
    code = roots_of * width + (e - low)
    j = np.searchsorted(code, renewed_chain * width + (start[renewals] - low)) - 1
    has_line = j >= 0
    has_line[has_line] = roots_of[j[has_line]] == renewed_chain[has_line]
    j = np.where(has_line, j, 0)
    x = renewed_chain
    tx = term[x]
    line = np.where(has_line, members[j] if len(members) else 0, x)
    line_renews = renews[line] == 1
    line_end = np.where(has_line, ends[j] if len(members) else 0, start[x] + tx - 1)
    line_cancelled = has_line & (cancelled[j] if len(members) else False)
    r_start = start[renewals]
    wrong = np.where(line_renews, (r_start < start[x] + tx) | ((r_start - start[x]) % tx != 0),
                     r_start != line_end + 1)
    for k in np.flatnonzero(line_cancelled | wrong).tolist():
        r, xk, name = int(renewals[k]), int(x[k]), shown(ids[x[k]])
        s, t = int(start[xk]), int(tx[k])
        if line_cancelled[k]:
            problems.append((r, 12, "renewal_of", f"{name} is cancelled from {month(e[j[k]])} (by "
                                                  f"{where(int(members[j[k]]))}); a cancelled contract is not renewed"))
        elif not line_renews[k]:
            problems.append((r, 2, "start", f"{month(r_start[k])} is not the month after the term of {name} ends "
                                            f"({month(line_end[k])}); a renewal starts in {month(line_end[k] + 1)}"))
        else:
            problems.append((r, 2, "start", f"{month(r_start[k])} is not the month after a term of {name} ends (it "
                                            f"renews every {t} months from {month(s)}: a renewal starts in "
                                            f"{month(s + t)}, {month(s + 2 * t)}, ...)"))
    root[np.flatnonzero(broken & is_amendment)] = -1
    problems.sort(key=lambda p: (p[0], p[1]))
    return links, [(r, column, message) for r, _, column, message in problems]
