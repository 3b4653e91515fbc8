"""The engine's shortcut for falling chains (``revlib.engine.lines.falling``): contracts that do not renew, cut
by downgrades and cancellations signed in their effective month, have their current backlog added up without a
row of their own. On books full of them (and of the chains next to them that take the long way), the engine
must still agree with the month-by-month reference to the cent."""

import dataclasses

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from revlib import Contract
from revlib.engine import Book
from revlib.engine.lines import falling, lines_of
from revlib.engine.rules import chained
from strategies import _month, contracts
from test_properties import agrees_with_reference


@st.composite
def chains_mostly_falling(draw):
    """Contracts that do not renew, each cut by up to three amendments signed where they take effect: mostly
    at a lower or equal price (some cancellations), now and then a higher price or a fee (the long way)."""
    book = []
    for i, root in enumerate(draw(st.lists(contracts(allow_ramps=False), min_size=1, max_size=4))):
        root = dataclasses.replace(root, renews=False, contract_id=f"K{i}")
        book.append(root)
        yearly, start, end = root.prices_per_year[0], root.start.ordinal, root.start.ordinal + root.term_months - 1
        for k in range(draw(st.integers(0, 3))):
            if start >= end or yearly == 0:
                break
            start += draw(st.integers(1, min(end - start, 14)))
            kind = draw(st.sampled_from(["down", "down", "same", "cancel", "up", "fee"]))
            price = {"down": draw(st.integers(0, yearly)), "same": yearly, "cancel": 0, "fee": yearly,
                     "up": yearly + draw(st.integers(1, 300_000))}[kind]
            book.append(Contract(customer=root.customer, amends=root.contract_id, start=_month(start),
                                 annual_price=price / 100, services=250 if kind == "fee" else 0,
                                 contract_id=f"K{i}.{k}"))
            yearly = price
    return book


@settings(max_examples=400, deadline=None)
@given(chains_mostly_falling(), st.integers(-14, 6), st.integers(0, 40))
def test_falling_chains_agree_with_the_month_by_month_reference(book, shift, extra):
    agrees_with_reference(book, shift, extra)


def test_downgrades_and_cancellations_take_the_shortcut_and_upgrades_do_not():
    def chain(price, services=0, renews=False, signed="2024-04"):
        return [Contract(customer="A", start="2024-01", term_months=12, annual_price=1200, renews=renews,
                         contract_id="K"),
                Contract(customer="A", amends="K", start="2024-04", signed=signed, annual_price=price,
                         services=services)]

    def takes_it(book):
        b = Book.of(book)
        roots = np.flatnonzero(chained(b)[0])
        return falling(lines_of(b, roots, 0), len(roots)).tolist()

    assert takes_it(chain(600)) == [True]  # a downgrade
    assert takes_it(chain(0)) == [True]  # a cancellation
    assert takes_it(chain(1200)) == [True]  # the same price
    assert takes_it(chain(2400)) == [False]  # an upgrade: its next 12 months can be more than it has booked
    assert takes_it(chain(600, services=100)) == [False]  # a fee earned at the cut, not booked before it
    assert takes_it(chain(600, renews=True)) == [False]  # renewals are booked only when they start
    assert takes_it(chain(600, signed="2024-02")) == [False]  # signed ahead of the cut
