"""A plain month-by-month reading of revlib's rules, one contract at a time, and a day-by-day mode for the
daily convention (``convention="daily"``).

Slow and obvious on purpose: the tests hold the vectorised engine to it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from dateutil.relativedelta import relativedelta

from revlib.contract import BILLING_MONTHS, recurring_value

MONEY = ("bookings", "renewal_bookings", "billings", "recurring_revenue", "services_revenue", "mrr", "arr")


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


def book_months(contracts, first: int, last: int, convention: str = "monthly") -> dict[int, dict[str, int]]:
    """Cents per month for a book, with per-contract deferred and unbilled revenue and distinct customers.

    Under ``convention="daily"`` each contract's recurring revenue is :func:`daily_revenue`'s; its invoices,
    bookings, services and run rates fall in the same months as under the monthly convention.
    """
    origin = min([first] + [c.signed.asfreq("M").ordinal for c in contracts])
    total = {m: defaultdict(int) for m in range(origin, last + 1)}
    active = {m: set() for m in range(origin, last + 1)}
    for contract in contracts:
        owed = booked = 0
        rows = contract_months(contract, origin, last + 12)
        if convention == "daily":
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
                active[m].add(contract.customer)
    for m in total:
        total[m]["customers"] = len(active[m])
    return {m: dict(total[m]) for m in range(first, last + 1)}
