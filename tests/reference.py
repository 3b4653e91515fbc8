"""A plain month-by-month reading of revlib's rules, one contract at a time.

Slow and obvious on purpose: the tests hold the vectorised engine to it.
"""

from __future__ import annotations

from collections import defaultdict

from revlib.contract import BILLING_MONTHS, recurring_value

MONEY = ("bookings", "renewal_bookings", "billings", "recurring_revenue", "services_revenue", "mrr", "arr",
         "ramp_step")


def contract_months(contract, first: int, last: int) -> dict[int, dict[str, int]]:
    """Cents per month (ordinal) for one contract, from ``first`` to ``last``."""
    s, T = contract.start.ordinal, contract.term_months
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
        if m == contract.signed.ordinal:
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


def book_months(contracts, first: int, last: int) -> dict[int, dict[str, int]]:
    """Cents per month for a book, with per-contract deferred and unbilled revenue and distinct customers."""
    origin = min([first] + [c.signed.ordinal for c in contracts])
    total = {m: defaultdict(int) for m in range(origin, last + 1)}
    active = {m: set() for m in range(origin, last + 1)}
    for contract in contracts:
        owed = booked = 0
        rows = contract_months(contract, origin, last + 12)
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
