"""A plain month-by-month reading of revlib's rules, one contract at a time, and a day-by-day mode for the
daily convention (``convention="daily"``).

Slow and obvious on purpose: the tests hold the vectorised engine to it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from dateutil.relativedelta import relativedelta

from revlib.contract import BILLING_MONTHS, recurring_value

MONEY = ("bookings", "renewal_bookings", "billings", "recurring_revenue", "services_revenue", "mrr", "arr",
         "ramp_step")


def contract_months(contract, first: int, last: int) -> dict[int, dict[str, int]]:
    """Cents per month (ordinal) for one contract, from ``first`` to ``last``."""
    s, T = contract.start.asfreq("M").ordinal, contract.term_months
    prices = contract.prices_per_year
    V, S = recurring_value(prices, T), contract.services_cents
    r = V // T
    last_r = V - (T - 1) * r
    p = BILLING_MONTHS[contract.billing] or T

    def revenue_at(rel):
        if rel < 0 or (rel >= T and not contract.renews):
            return 0
        return last_r if rel % T == T - 1 else r

    invoices = {}  # position in a term -> amount
    if len(prices) > 1:
        for a in range(0, T, p):
            invoices[a] = sum(prices[m // 12] for m in range(a, min(a + p, T))) // 12
        invoices[max(invoices)] = V - sum(v for k, v in invoices.items() if k != max(invoices))
    elif not contract.renews or p <= T:
        n = -(-T // p)
        for k in range(n):
            invoices[k * p] = (V * p) // T if k < n - 1 else V - (n - 1) * ((V * p) // T)

    out = {}
    for m in range(first, last + 1):
        rel = m - s
        row = dict.fromkeys(MONEY, 0)
        live = rel >= 0 and (contract.renews or rel < T)
        if m == contract.signed.asfreq("M").ordinal:
            row["bookings"] += V + S
        if live:
            pos = rel % T
            row["recurring_revenue"] = revenue_at(rel)
            if rel == 0:
                row["services_revenue"] = S
                row["billings"] += S
            if pos == 0 and rel > 0:
                row["renewal_bookings"] = V
                row["bookings"] += V
            if invoices:
                row["billings"] += invoices.get(pos, 0)
            elif rel % p == 0:  # renewing, billed over a period longer than its term
                row["billings"] += sum(revenue_at(x) for x in range(rel, rel + p))
            yearly = prices[pos // 12] if len(prices) > 1 else prices[0]
            row["arr"] = yearly
            if rel > 0 and pos % 12 == 0:  # a new contract year of a deal in service the month before: its price step
                row["ramp_step"] = yearly - prices[((rel - 1) % T) // 12 if len(prices) > 1 else 0]
            row["mrr"] = (2 * yearly + 12) // 24
        out[m] = row
    return out


def daily_revenue(contract, first: int, last: int) -> dict[int, int]:
    """Recurring revenue in cents per month (ordinal) for one contract under the daily convention, day by day.

    A term of N months runs from the start day to the day before the same day N months later (dateutil's
    month arithmetic: the 31st becomes the month's last day where the month is shorter, counted from the
    start each time). Each billing period's invoice is spread over its days: each calendar month it touches
    gets its share of the days, rounded down to the cent, and the period's last month gets what is left.
    A ramp deal spreads each term's value over the term's days.
    """
    begin = contract.start.start_time.date()  # the 1st for a whole month
    T, prices = contract.term_months, contract.prices_per_year
    V = recurring_value(prices, T)
    p = BILLING_MONTHS[contract.billing] or T

    def day(months: int) -> dt.date:
        return begin + relativedelta(months=months)

    def month_of(date: dt.date) -> int:
        return (date.year - 1970) * 12 + date.month - 1

    periods = []  # (first day, day after the last, amount)
    t = 0
    while month_of(day(t * T)) <= last and (t == 0 or contract.renews):
        if len(prices) > 1:
            periods.append((day(t * T), day(t * T + T), V))
        elif contract.renews and p > T:
            break
        else:
            n = -(-T // p)
            invoice = (V * p) // T
            for k in range(n):
                periods.append((day(t * T + k * p), day(t * T + min(k * p + p, T)),
                                invoice if k < n - 1 else V - (n - 1) * invoice))
        t += 1
    if len(prices) == 1 and contract.renews and p > T:  # invoiced over periods longer than a term
        r = V // T
        k = 0
        while month_of(day(k * p)) <= last:
            amount = sum(V - (T - 1) * r if x % T == T - 1 else r for x in range(k * p, k * p + p))
            periods.append((day(k * p), day(k * p + p), amount))
            k += 1
    out = dict.fromkeys(range(first, last + 1), 0)
    for start, stop, amount in periods:
        days_in = defaultdict(int)
        d = start
        while d < stop:
            days_in[month_of(d)] += 1
            d += dt.timedelta(days=1)
        total = (stop - start).days
        touched = sorted(days_in)
        given = 0
        for m in touched[:-1]:
            share = amount * days_in[m] // total
            given += share
            if m in out:
                out[m] += share
        if touched[-1] in out:
            out[touched[-1]] += amount - given
    return out


# Amendments and renewals ------------------------------------------------------------------------------------
# A contract and its amendments are one chain of lines, each line in effect from its start month until the next
# line's (or a renewal contract's) start. Written month by month, plainly, from the rules as the issue states them.


def _root(contract, by_id):
    while contract.amends is not None:
        contract = by_id[contract.amends]
    return contract


def chains(contracts):
    """{root contract_id or position: (root, [amendments in order of effect], the renewal's start or None)}, and the
    contracts that are in no chain (neither amended nor renewed by another row)."""
    by_id = {c.contract_id: c for c in contracts if c.contract_id}
    amendments, stops = defaultdict(list), {}
    for c in contracts:
        if c.amends is not None:
            amendments[id(_root(c, by_id))].append(c)
        if c.renewal_of is not None:
            stops[id(_root(by_id[c.renewal_of], by_id))] = c.start
    found, plain = [], []
    for c in contracts:
        if c.amends is not None:
            continue
        if id(c) in amendments or id(c) in stops:
            found.append((c, sorted(amendments[id(c)], key=lambda a: a.start.start_time), stops.get(id(c))))
        else:
            plain.append(c)
    return found, plain


def chain_months(root, amendments, stop, first: int, last: int) -> dict[int, dict[str, int]]:
    """Cents per month for one chain of lines (the original and its amendments)."""
    s0, T = root.start.ordinal, root.term_months
    stop = None if stop is None else stop.asfreq("M").ordinal
    out = {m: dict.fromkeys(MONEY, 0) for m in range(first, last + 1)}
    items = [root] + amendments
    billing, renews = root.billing, root.renews

    def add(m, key, amount):
        if first <= m <= last:
            out[m][key] += amount

    for k, item in enumerate(items):
        billing = item.billing or billing
        renews = renews if item.renews is None else item.renews
        prices = item.prices_per_year
        a = item.start.ordinal
        f = s0 + T * ((a - s0) // T + 1)  # the end of the line's first stretch (the month after)
        if k + 1 < len(items):
            cut, cut_signed = items[k + 1].start.ordinal, items[k + 1].signed.ordinal
        else:
            cut, cut_signed = stop, None
        P = BILLING_MONTHS[billing] or T

        def yearly(m):
            term_start = s0 + T * ((m - s0) // T)
            return prices[(m - term_start) // 12] if len(prices) > 1 else prices[0]

        def stretch(m):
            """(first month, month after the last, value) of the stretch (first stretch, or renewed term) of m."""
            if m < f:
                begin, end = a, f
            else:
                begin = f + T * ((m - f) // T)
                end = begin + T
            return begin, end, (sum(yearly(x) for x in range(begin, end)) * 2 + 12) // 24

        def revenue(m):  # what the line earns in month m if nothing cuts it
            if m < a or (m >= f and not renews):
                return 0
            begin, end, value = stretch(m)
            each = value // (end - begin)
            return value - (end - begin - 1) * each if m == end - 1 else each

        def invoices_from(m):  # {month: amount} of the stretch that starts at m (billed within its periods)
            begin, end, value = stretch(m)
            term_start = s0 + T * ((begin - s0) // T)
            starts = [begin] + [x for x in range(begin + 1, end) if (x - term_start) % P == 0]
            amounts = {}
            for i, x in enumerate(starts):
                until = starts[i + 1] if i + 1 < len(starts) else end
                if len(prices) > 1:
                    amounts[x] = yearly(x) * (until - x) // 12
                else:
                    amounts[x] = value * (until - x) // (end - begin)
            amounts[starts[-1]] = value - sum(v for x, v in amounts.items() if x != starts[-1])
            return amounts

        horizon = last + 1 if cut is None else min(cut, last + 1)
        billed = earned = 0
        add(item.signed.ordinal, "bookings", stretch(a)[2] + item.services_cents)
        add(a, "billings", item.services_cents)
        add(a, "services_revenue", item.services_cents)
        ahead = renews and P > T
        invoices = {}
        m = a
        while m < (horizon if cut is None else cut):
            if not renews and m >= f:
                break
            if ahead:
                if m == a or (m - s0) % P == 0:
                    until = s0 + P * ((m - s0) // P + 1)
                    invoices[m] = sum(revenue(x) for x in range(m, until))
            elif m == a or (m >= f and (m - f) % T == 0):
                invoices.update(invoices_from(m))
            if m >= f and (m - f) % T == 0:
                add(m, "renewal_bookings", stretch(m)[2])
                add(m, "bookings", stretch(m)[2])
            r = revenue(m)
            add(m, "recurring_revenue", r)
            earned += r
            if m in invoices:
                add(m, "billings", invoices[m])
                billed += invoices[m]
            add(m, "arr", yearly(m))
            add(m, "mrr", (2 * yearly(m) + 12) // 24)
            if m > a:  # a price step within the line (a ramp's next contract year), never in its first month
                add(m, "ramp_step", yearly(m) - yearly(m - 1))
            m += 1
        if cut is not None:
            add(cut, "billings", earned - billed)  # the true-up: credit what was billed beyond what was earned
            booked_end = f if cut <= f else f + T * (-(-(cut - f) // T))
            add(cut_signed if cut_signed is not None else cut, "bookings",
                -sum(revenue(x) for x in range(cut, booked_end)))
            if cut_signed is not None and renews and cut >= f and (cut - f) % T == 0:
                # an amendment as a renewed term starts: that term renews at the old price (a renewal booking),
                # and the amendment is the change from it; what the month books is the same
                add(cut_signed, "renewal_bookings", stretch(cut)[2])
    return out


def chain_days(root, amendments, stop, first: int, last: int) -> dict[int, dict[str, int]]:
    """Cents per month for one chain of lines under the daily convention, day by day (lines at one price each).

    The chain's terms and billing periods run from the original's start day (dateutil's month arithmetic).
    Each line is in effect from its start day to the next line's (or the renewal contract's) start day. Of
    each billing period [b, e) at a line's price, A being that period's invoice for a whole term at that price
    (the term's value x months // term, the last the rest), the line bills F(x) = A x (e - x) // (e - b) days
    on the first day it is in effect in the period (x: the period's first day, or its start day), credits F(y)
    on the day y it is cut within the period, and earns F(x) - F(y) over days x to y - 1, spread by day (each
    month its share rounded down, the last month the rest). It books, when signed, its value from its start
    day to the end of its term (F at its start day, then the term's later invoices) and its services; it
    renews a term (booked as renewal when it starts) unless it does not renew or is cut first; cut, it takes
    off in the cut's signed month its value from the cut to the end of the term the cut falls in (nothing
    when the cut is the first day of a term; then, cut by an amendment, that term's renewal at its price is
    booked as renewal in the amendment's signed month). Services are billed and earned on its start day.
    MRR and ARR count its price in each month whose last day it is in effect.
    """
    D0, T = root.start.start_time.date(), root.term_months
    out = {m: dict.fromkeys(MONEY, 0) for m in range(first, last + 1)}
    horizon = dt.date(1970, 1, 1) + relativedelta(months=last + 1)  # the day after the last month

    def add(m, key, amount):
        if first <= m <= last:
            out[m][key] += amount

    def day(k: int) -> dt.date:
        return D0 + relativedelta(months=k)

    def month_of(date: dt.date) -> int:
        return (date.year - 1970) * 12 + date.month - 1

    def term_of(date: dt.date) -> int:
        j = 0
        while day((j + 1) * T) <= date:
            j += 1
        return j

    items = [root] + amendments
    billing, renews = root.billing, root.renews
    for k, item in enumerate(items):
        billing = item.billing or billing
        renews = renews if item.renews is None else item.renews
        if len(item.prices_per_year) > 1:
            raise NotImplementedError("ramp deals in chains are not scheduled by day")
        yearly = item.prices_per_year[0]
        value = recurring_value((yearly,), T)
        P = BILLING_MONTHS[billing] or T
        if renews and P > T:
            raise NotImplementedError("chains invoiced beyond their terms are not scheduled by day")
        n = -(-T // P)
        invoice = value * P // T
        amounts = [invoice] * (n - 1) + [value - (n - 1) * invoice]

        def periods(j):
            return [(day(j * T + i * P), day(j * T + min(i * P + P, T)), amounts[i]) for i in range(n)]

        def F(b, e, A, x):
            return A * (e - x).days // (e - b).days

        def value_from(j, x):  # the line's value from day x to the end of term j
            return sum(F(b, e, A, max(b, x)) for b, e, A in periods(j) if e > x)

        begin = item.start.start_time.date()
        following = k + 1 < len(items)
        cut = items[k + 1].start.start_time.date() if following else (
            None if stop is None else stop.start_time.date())
        j0 = term_of(begin)
        end = cut
        if not renews:
            end = day((j0 + 1) * T) if end is None else min(end, day((j0 + 1) * T))
        S = item.services_cents
        add(item.signed.asfreq("M").ordinal, "bookings", value_from(j0, begin) + S)
        add(month_of(begin), "billings", S)
        add(month_of(begin), "services_revenue", S)
        j = j0
        while day(j * T) < horizon and (end is None or day(j * T) < end):
            if j > j0:
                add(month_of(day(j * T)), "renewal_bookings", value)
                add(month_of(day(j * T)), "bookings", value)
            for b, e, A in periods(j):
                p0, p1 = max(b, begin), e if end is None else min(e, end)
                if p0 >= p1:
                    continue
                add(month_of(p0), "billings", F(b, e, A, p0))
                if p1 < e:
                    add(month_of(p1), "billings", -F(b, e, A, p1))  # the credit note for the days from the cut
                amount, total = F(b, e, A, p0) - F(b, e, A, p1), (p1 - p0).days
                days_in = defaultdict(int)
                d = p0
                while d < p1:
                    days_in[month_of(d)] += 1
                    d += dt.timedelta(days=1)
                touched = sorted(days_in)
                for m in touched[:-1]:
                    add(m, "recurring_revenue", amount * days_in[m] // total)
                add(touched[-1], "recurring_revenue",
                    amount - sum(amount * days_in[m] // total for m in touched[:-1]))
            j += 1
        for m in range(first, last + 1):
            month_end = dt.date(1970, 1, 1) + relativedelta(months=m + 1) - dt.timedelta(days=1)
            if begin <= month_end and (end is None or month_end < end):
                add(m, "arr", yearly)
                add(m, "mrr", (2 * yearly + 12) // 24)
        if cut is not None:
            signed = items[k + 1].signed.asfreq("M").ordinal if following else month_of(cut)
            jc = term_of(cut)
            if jc > j0 and day(jc * T) == cut:  # a renewed term not booked yet
                if following and renews:
                    add(signed, "renewal_bookings", value)
            else:
                add(signed, "bookings", -value_from(jc, cut))
    return out


def renewal_part(contract, contracts, convention="monthly") -> int:
    """A ``renewal_of`` contract's renewal booking, in cents: the renewed contract's yearly price in the month
    before the renewal starts (as last amended), times the renewal's term, over 12, rounded half up."""
    by_id = {c.contract_id: c for c in contracts if c.contract_id}
    renewed = _root(by_id[contract.renewal_of], by_id)
    before = contract.start.asfreq("M").ordinal - 1
    found, _ = chains(contracts)
    root, amendments, stop = next(chain for chain in found if chain[0] is renewed)
    if convention == "daily":  # the price of the last line taking effect by that month (one price a line)
        price = [c for c in [root] + amendments if c.start.asfreq("M").ordinal <= before][-1].prices_per_year[0]
    else:
        price = chain_months(root, amendments, stop, before, before)[before]["arr"]
    return (2 * price * contract.term_months + 12) // 24


def book_months(contracts, first: int, last: int, convention: str = "monthly") -> dict[int, dict[str, int]]:
    """Cents per month for a book, with per-contract (per-chain) deferred and unbilled revenue and distinct
    customers.

    Under ``convention="daily"`` each contract's recurring revenue is :func:`daily_revenue`'s; its invoices,
    bookings, services and run rates fall in the same months as under the monthly convention; chains of
    amendments and renewals are :func:`chain_days`'.
    """
    origin = min([first] + [c.signed.asfreq("M").ordinal for c in contracts])
    total = {m: defaultdict(int) for m in range(origin, last + 1)}
    active = {m: set() for m in range(origin, last + 1)}
    found, plain = chains(contracts)
    units = [(c.customer, contract_months(c, origin, last + 12), c) for c in plain]
    lay_out = chain_days if convention == "daily" else chain_months
    units += [(root.customer, lay_out(root, amendments, stop, origin, last + 12), None)
              for root, amendments, stop in found]
    for customer, rows, contract in units:
        plain_unit = contract is not None
        owed = booked = 0
        if convention == "daily" and plain_unit:
            for m, cents in daily_revenue(contract, origin, last + 12).items():
                rows[m]["recurring_revenue"] = cents
        earned = {m: row["recurring_revenue"] + row["services_revenue"] for m, row in rows.items()}
        for m in range(origin, last + 1):
            row, revenue = rows[m], earned[m]
            owed += row["billings"] - revenue
            booked += row["bookings"] - revenue
            for key, value in row.items():
                total[m][key] += value
            total[m]["revenue"] += revenue
            total[m]["deferred_revenue"] += max(owed, 0)
            total[m]["unbilled_revenue"] += max(-owed, 0)
            # backlog is booked less earned, and never less than what is invoiced and not yet earned
            backlog = max(booked, owed)
            total[m]["backlog"] += backlog
            # what is committed and will be earned within a year: a renewal neither started nor invoiced is not
            total[m]["current_backlog"] += min(backlog, sum(earned[x] for x in range(m + 1, m + 13)))
            if row["arr"] > 0:
                active[m].add(customer)
    for c in contracts:  # a renewal contract's renewal part is a renewal booking (its bookings hold it already)
        if c.renewal_of is not None and c.signed.asfreq("M").ordinal in total:
            total[c.signed.asfreq("M").ordinal]["renewal_bookings"] += renewal_part(c, contracts, convention)
    for m in total:
        total[m]["customers"] = len(active[m])
    return {m: dict(total[m]) for m in range(first, last + 1)}
