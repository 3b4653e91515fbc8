"""Random contracts for property tests: every billing, ramps, renewals, awkward cents."""

from __future__ import annotations

import pandas as pd
from hypothesis import strategies as st

from revlib import BILLING_MONTHS, Contract

CUSTOMERS = ("Ada", "Bo", "Cy", "Di")


@st.composite
def contracts(draw, customers=CUSTOMERS, allow_ramps=True):
    term = draw(st.integers(1, 40))
    start = pd.Period("2021-06", "M") + draw(st.integers(0, 24))
    signed = start - draw(st.sampled_from([0, 0, 0, 1, 5, 14]))
    cents = st.one_of(st.integers(0, 300_000), st.sampled_from([100_000, 1, 7, 99_999, 120_000_000_00]))
    years = -(-term // 12)
    ramp = allow_ramps and years > 1 and draw(st.integers(0, 3)) == 0
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
