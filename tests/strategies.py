"""Random contracts for property tests: every billing, ramps, renewals, awkward cents."""

from __future__ import annotations

from dataclasses import replace
import dataclasses

import pandas as pd
from hypothesis import strategies as st

from revlib import BILLING_MONTHS, Contract

CUSTOMERS = ("Ada", "Bo", "Cy", "Di")


@st.composite
def contracts(draw, customers=CUSTOMERS, allow_ramps=True, ramp_only=False):
    term = draw(st.integers(13 if ramp_only else 1, 40))
    start = pd.Period("2021-06", "M") + draw(st.integers(0, 24))
    signed = start - draw(st.sampled_from([0, 0, 0, 1, 5, 14]))
    cents = st.one_of(st.integers(0, 300_000), st.sampled_from([100_000, 1, 7, 99_999, 120_000_000_00]))
    years = -(-term // 12)
    ramp = ramp_only or (allow_ramps and years > 1 and draw(st.integers(0, 3)) == 0)
    prices = [draw(cents) / 100 for _ in range(years if ramp else 1)]
    price = prices if ramp else prices[0]
    kind = draw(st.sampled_from(["annual_price", "monthly_price"]))
    return Contract(
        customer=draw(st.sampled_from(customers)),
        start=start,
        signed=signed,
        term_months=term,
        billing=draw(st.sampled_from(list(BILLING_MONTHS))),
        services=draw(st.sampled_from([0, 0, 1000, 0.07, 12345.67])),
        renews=draw(st.booleans()),
        **{kind: price},
    )


books = st.lists(contracts(), min_size=1, max_size=6)

books_with_ramps = st.builds(lambda ramps, others: ramps + others, st.lists(contracts(ramp_only=True), min_size=1,
                                                                             max_size=3), st.lists(contracts(), max_size=4))
"""Books with at least one ramp deal (priced year by year), among other contracts."""


@st.composite
def books_on_shared_terms(draw):
    """Books in which several contracts share start, signing, term, billing and renewal, and differ in
    customer, price and services: the engine merges such contracts before it schedules them."""
    book = []
    for terms in draw(st.lists(contracts(), min_size=1, max_size=3)):
        book.append(terms)
        for _ in range(draw(st.integers(1, 4))):
            book.append(Contract(
                customer=draw(st.sampled_from(CUSTOMERS)), start=terms.start, signed=terms.signed,
                term_months=terms.term_months, billing=terms.billing, renews=terms.renews,
                annual_price=draw(st.one_of(st.integers(0, 300_000), st.sampled_from([1, 7, 99_999]))) / 100,
                services=draw(st.sampled_from([0, 1000, 0.07])),
            ))
    return book


@st.composite
def books_renewing_billed_ahead(draw):
    """Books in which some contracts renew on terms shorter than their billing period (a month-to-month
    contract paid a year ahead): they are invoiced for renewals that are not booked yet."""
    book = draw(st.lists(contracts(), min_size=0, max_size=3))
    for _ in range(draw(st.integers(1, 4))):
        c = draw(contracts(allow_ramps=False))
        period = draw(st.sampled_from([3, 6, 12]))
        billing = {3: "quarterly", 6: "semiannual", 12: "annual"}[period]
        book.append(Contract(
            customer=c.customer, start=c.start, signed=c.signed, term_months=draw(st.integers(1, period - 1)),
            billing=billing, renews=True, services=c.services_cents / 100,
            annual_price=draw(st.one_of(st.integers(0, 300_000), st.sampled_from([1, 7, 99_999]))) / 100,
        ))
    return book


@st.composite
def dated_contracts(draw, allow_ramps=True):
    """Contracts that start, and are signed, on any day of the month (the 29th to the 31st included):
    the daily convention's books."""
    c = draw(contracts(allow_ramps=allow_ramps))
    month = c.start
    day = min(draw(st.sampled_from([1, 2, 14, 15, 28, 29, 30, 31])), month.days_in_month)
    start = pd.Period(year=month.year, month=month.month, day=day, freq="D")
    if c.signed < c.start:
        signed = c.signed.asfreq("D", how="start") + draw(st.integers(0, c.signed.days_in_month - 1))
    else:
        signed = start - draw(st.sampled_from([0, 0, day - 1]))
    return replace(c, start=start, signed=signed)


dated_books = st.lists(dated_contracts(), min_size=1, max_size=6)


@st.composite
def dated_books_on_shared_terms(draw):
    """Books of dated contracts in which several share their start day, signing, term, billing and renewal."""
    book = []
    for terms in draw(st.lists(dated_contracts(), min_size=1, max_size=3)):
        book.append(terms)
        for _ in range(draw(st.integers(1, 3))):
            book.append(replace(terms, customer=draw(st.sampled_from(CUSTOMERS)), annual_price=draw(
                st.one_of(st.integers(0, 300_000), st.sampled_from([1, 7, 99_999]))) / 100, monthly_price=None))
    return book


@st.composite
def dated_books_renewing_billed_ahead(draw):
    """Dated books with renewing contracts invoiced over periods longer than their term."""
    book = draw(st.lists(dated_contracts(), min_size=0, max_size=2))
    for _ in range(draw(st.integers(1, 3))):
        c = draw(dated_contracts(allow_ramps=False))
        period = draw(st.sampled_from([3, 6, 12]))
        billing = {3: "quarterly", 6: "semiannual", 12: "annual"}[period]
        book.append(replace(c, term_months=draw(st.integers(1, period - 1)), billing=billing, renews=True,
                            annual_price=draw(st.integers(0, 300_000)) / 100, monthly_price=None))
    return book


def _month(ordinal: int) -> pd.Period:
    return pd.Period(ordinal=ordinal, freq="M")


@st.composite
def books_with_amendments(draw, max_contracts=4):
    """Books with amendments (upgrades, downgrades, ramps, notices of non-renewal, changes of billing),
    cancellations (price 0, sometimes with a fee) and renewal contracts (``renewal_of``), all valid."""
    base = draw(st.lists(contracts(), min_size=1, max_size=max_contracts))
    book = [dataclasses.replace(c, contract_id=f"K{i}") for i, c in enumerate(base)]
    for i, root in enumerate(list(book)):
        s0, term = root.start.ordinal, root.term_months
        renews, last_signed, last_start = root.renews, root.signed.ordinal, None
        cancelled, line_end = False, s0 + term - 1  # the last month of the current line's term
        for k in range(draw(st.integers(0, 2))):
            if cancelled:
                break
            low = s0 if last_start is None else last_start + 1
            high = (s0 + 3 * term - 1) if renews else line_end
            if low > high:
                break
            start = low + draw(st.integers(0, min(high - low, 30)))
            term_end = s0 + term * ((start - s0) // term + 1) - 1
            signed = start - draw(st.sampled_from([0, 0, 0, 1, 4]))
            signed = max(signed, last_signed)
            years = -(-term // 12)
            kind = draw(st.sampled_from(["up", "down", "cancel", "ramp", "same"]))
            yearly = root.prices_per_year[0] / 100
            if kind == "cancel":
                price = 0
            elif kind == "ramp" and years > 1:
                price = [draw(st.integers(0, 300_000)) / 100 for _ in range(years)]
            elif kind == "same":
                price = yearly
            else:
                price = draw(st.one_of(st.integers(1, 300_000), st.sampled_from([1, 7, 99_999]))) / 100
            new_renews = draw(st.sampled_from([None, None, True, False]))
            renews = renews if new_renews is None else new_renews
            amendment = Contract(
                customer=root.customer, amends=draw(st.sampled_from([root.contract_id, book[-1].contract_id]))
                if book[-1].amends == root.contract_id else root.contract_id,
                start=_month(start), signed=_month(signed), annual_price=price,
                term_months=draw(st.sampled_from([None, term_end - start + 1])),
                billing=draw(st.sampled_from([None, None, "monthly", "quarterly", "annual", "upfront"])),
                renews=new_renews, services=draw(st.sampled_from([0, 0, 250, 0.07])),
                contract_id=f"K{i}.{k}",
            )
            book.append(amendment)
            cancelled = max(price if isinstance(price, list) else [price]) == 0  # a price of 0: cancelled
            last_signed, last_start, line_end = signed, start, term_end
        if not cancelled and draw(st.booleans()):
            if renews:
                after = max(s0 + term, (last_start or s0) + 1)
                begin = s0 + term * (-(-(after - s0) // term))
            else:
                begin = line_end + 1
            book.append(Contract(customer=root.customer, renewal_of=root.contract_id, start=_month(begin),
                                 signed=_month(begin - draw(st.sampled_from([0, 2]))), term_months=draw(st.integers(1, 24)),
                                 annual_price=draw(st.integers(0, 300_000)) / 100,
                                 billing=draw(st.sampled_from(list(BILLING_MONTHS))), renews=draw(st.booleans()),
                                 contract_id=f"K{i}.r"))
    return book


def _on_day(month: pd.Period, day: int) -> pd.Period:
    """``day`` of ``month``, or the month's last day where it is shorter."""
    return pd.Period(year=month.year, month=month.month, day=min(day, month.days_in_month), freq="D")


DAYS = [1, 2, 14, 15, 18, 28, 29, 30, 31]


@st.composite
def dated_books_with_amendments(draw, max_contracts=4):
    """:func:`books_with_amendments` by day: each contract starts on a day, each amendment takes effect on a day
    (from the original's start day, in its first month), each renewal contract starts the day after the term it
    renews ends. At one price a line (no ramps), and none renewing on terms shorter than its billing period."""
    book = draw(books_with_amendments(max_contracts))
    by_id = {c.contract_id: c for c in book}

    def root_of(c):
        while c.amends is not None:
            c = by_id[c.amends]
        return c

    roots = {}
    out = []
    for c in book:
        if c.amends is None and c.renewal_of is None:
            day = draw(st.sampled_from(DAYS))
            changes = {"start": _on_day(c.start, day)}
            if len(c.prices_per_year) > 1:
                changes.update(annual_price=max(c.prices_per_year) / 100, monthly_price=None)
            if (BILLING_MONTHS[c.billing] or c.term_months) > c.term_months:  # an amendment may make it renew
                changes["billing"] = "monthly"
            c = replace(c, **changes)
            roots[c.contract_id] = c
        elif c.amends is not None:
            root = roots[root_of(c).contract_id]
            low = root.start_day if c.start == root.start.asfreq("M") else 1
            day = max(low, draw(st.sampled_from(DAYS)))
            changes = {"start": _on_day(c.start, day)}
            if len(c.prices_per_year) > 1:
                changes.update(annual_price=max(c.prices_per_year) / 100, monthly_price=None)
            if c.billing is not None and (BILLING_MONTHS[c.billing] or root.term_months) > root.term_months:
                changes["billing"] = "monthly"
            c = replace(c, **changes)
        else:
            root = roots[root_of(by_id[c.renewal_of]).contract_id]
            c = replace(c, start=_on_day(c.start, root.start_day))
            period = BILLING_MONTHS[c.billing] or c.term_months
            if c.renews and period > c.term_months:
                c = replace(c, billing="monthly")
        out.append(c)
    return out
