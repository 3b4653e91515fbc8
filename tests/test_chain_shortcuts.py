"""The engine's shortcuts for chains' current backlog, without a row of their own: falling chains
(``revlib.engine.lines.falling``: contracts that do not renew, cut by downgrades and cancellations signed in their
effective month) and windowed chains (``revlib.engine.lines.windowed``: amendments signed in their effective month,
a year or more apart, renewing or not), worked out only in the 12 months before each amendment. On books full of
them (and of the chains next to them that take the long way), the engine must still agree with the
month-by-month reference to the cent."""

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from revlib import Contract
from revlib.engine import Book
from revlib.engine.grid import factorize
from revlib.engine.lines import LINE_FIELDS, chain_figures, falling, lines_of, merged, unbooked, windowed
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


@st.composite
def chains_mostly_windowed(draw):
    """Contracts with amendments mostly a year or more apart (upgrades, downgrades, cancellations, renewing or
    not, now and then a notice of non-renewal), some renewed by a ``renewal_of`` contract where their first
    term ends: the chains whose current backlog is worked out in the 12 months before each amendment only.
    Now and then amendments closer together, signed ahead of their effective month, with a fee, or in a
    renewed term, and ramps: the long way."""
    book = []
    for i, root in enumerate(draw(st.lists(contracts(allow_ramps=draw(st.booleans())), min_size=1, max_size=3))):
        ramp = len(root.prices_per_year) > 1
        root = dataclasses.replace(root, term_months=draw(st.integers(13, 40)) if draw(st.integers(0, 4)) and not ramp
                                   else root.term_months, contract_id=f"K{i}")
        if root.renews and not ramp and draw(st.integers(0, 2)) == 0:  # invoiced ahead of its terms: the long way
            root = dataclasses.replace(root, billing="annual", term_months=draw(st.integers(1, 11)))
        book.append(root)
        start, end = root.start.ordinal, root.start.ordinal + root.term_months  # end: the month after the term
        last_price = root.prices_per_year[0]
        effective, renewing = start, root.renews
        for k in range(draw(st.integers(0, 3))):
            gap = draw(st.integers(12, 24)) if draw(st.integers(0, 4)) else draw(st.integers(1, 11))
            effective += gap
            if effective >= end + (root.term_months if renewing and draw(st.integers(0, 5)) == 0 else 0):
                break
            kind = draw(st.sampled_from(["up", "up", "down", "cancel", "same", "fee", "early", "notice"]))
            price = {"up": last_price + draw(st.integers(1, 300_000)), "down": draw(st.integers(0, last_price)),
                     "cancel": 0}.get(kind, last_price)
            book.append(Contract(customer=root.customer, amends=root.contract_id, start=_month(effective),
                                 signed=_month(max(effective - (draw(st.integers(1, 5)) if kind == "early" else 0),
                                                   book[-1].signed.ordinal)),
                                 annual_price=price / 100, services=250 if kind == "fee" else 0,
                                 renews=False if kind == "notice" else None, contract_id=f"K{i}.{k}"))
            last_price = price
            renewing = renewing and kind != "notice"
            if price == 0:  # cancelled: nothing more to amend
                break
        renewable = book[-1].start.ordinal < end and last_price > 0 and renewing
        if root.renews and renewable and draw(st.integers(0, 3)) == 0:
            book.append(Contract(customer=root.customer, renewal_of=root.contract_id, start=_month(end),
                                 term_months=draw(st.integers(1, 24)), annual_price=draw(st.integers(0, 300_000)) / 100,
                                 contract_id=f"R{i}"))
    return book


@settings(max_examples=400, deadline=None)
@given(chains_mostly_windowed(), st.integers(-14, 6), st.integers(0, 40))
def test_windowed_chains_agree_with_the_month_by_month_reference(book, shift, extra):
    agrees_with_reference(book, shift, extra)


def test_amendments_a_year_apart_take_the_window_shortcut_and_closer_ones_do_not():
    def chain(*amendments, renews=False, signed_ahead=0):
        book = [Contract(customer="A", start="2024-01", term_months=36, annual_price=1200, renews=renews,
                         contract_id="K")]
        for start, price in amendments:
            book.append(Contract(customer="A", amends="K", start=start, annual_price=price,
                                 signed=pd.Period(start, "M") - signed_ahead))
        return book

    def takes_it(book):
        b = Book.of(book)
        roots = np.flatnonzero(chained(b)[0])
        return windowed(lines_of(b, roots, 0), len(roots)).tolist()

    assert takes_it(chain(("2024-04", 2400))) == [True]  # an upgrade
    assert takes_it(chain(("2024-04", 2400), renews=True)) == [True]  # renewing
    assert takes_it(chain(("2024-04", 2400), ("2025-04", 600), ("2026-04", 0))) == [True]  # a year apart
    assert takes_it(chain(("2024-04", 2400), ("2025-03", 600))) == [False]  # 11 months apart
    assert takes_it(chain(("2024-04", 2400), signed_ahead=1)) == [False]  # signed ahead of the cut
    assert takes_it(chain(("2027-04", 2400), renews=True)) == [False]  # in a renewed term


@st.composite
def chains_on_shared_terms(draw):
    """Chains as :func:`chains_mostly_windowed` or :func:`chains_mostly_falling` draws them, each copied up to
    three times at other prices (a contract and its amendments scaled alike): lines on the same terms."""
    book = draw(st.one_of(chains_mostly_windowed(), chains_mostly_falling()))
    copies = []
    for copy in range(draw(st.integers(0, 3))):
        scale = draw(st.sampled_from([2, 3, 7]))
        for c in book:
            ids = {name: f"C{copy}-{getattr(c, name)}" if getattr(c, name) else None
                   for name in ("contract_id", "amends", "renewal_of")}
            prices = {name: tuple(round(scale * p, 2) for p in price) if isinstance(price, tuple)
                      else round(scale * price, 2)
                      for name in ("annual_price", "monthly_price") if (price := getattr(c, name)) is not None}
            copies.append(dataclasses.replace(c, **ids, **prices))
    return book + copies


@settings(max_examples=300, deadline=None)
@given(chains_on_shared_terms(), st.integers(1, 3), st.integers(1, 80), st.randoms())
def test_merged_lines_have_the_flows_of_the_lines_they_merge(book, groups, months, random):
    """``merged`` adds up lines on the same terms: their flows (``chain_figures`` without rows) and what is not
    booked yet (``unbooked``) are the unmerged lines', every group and month, to the cent."""
    b = Book.of(book)
    roots = np.flatnonzero(chained(b)[0])
    lines = lines_of(b, roots, int(b.signed.min()) - 13)  # the grid from a year before the first signing
    target = np.array([random.randrange(groups) for _ in roots], np.int64)
    every = np.arange(len(lines.chain))
    one, one_target = merged(lines, every, target)
    assert len(one.chain) <= len(every)
    merged_every = np.arange(len(one.chain))
    flows = chain_figures(lines, every, target, groups, months, rows=False)[0]
    merged_flows = chain_figures(one, merged_every, one_target, groups, months, rows=False)[0]
    for name, grid in flows.items():
        assert merged_flows[name].tolist() == grid.tolist(), name
    assert (unbooked(one, merged_every, one_target, groups, months).tolist()
            == unbooked(lines, every, target, groups, months).tolist())


@settings(max_examples=300, deadline=None)
@given(chains_on_shared_terms(), st.integers(1, 3), st.integers(1, 80), st.randoms())
def test_cancellations_without_services_add_nothing_up(book, groups, months, random):
    """A cancellation with no services (no price, no value) adds nothing to the flows nor to what is not booked yet:
    ``merged`` leaving them out, as ``add_chains`` does, gives the same grids, every group and month, to the cent."""
    b = Book.of(book)
    roots = np.flatnonzero(chained(b)[0])
    lines = lines_of(b, roots, int(b.signed.min()) - 13)
    target = np.array([random.randrange(groups) for _ in roots], np.int64)
    every = np.arange(len(lines.chain))
    nothing = (lines.price == 0) & (lines.ramp_first < 0) & (lines.services == 0)
    results = []
    for left_out in (None, nothing):
        one, one_target = merged(lines, every, target, left_out)
        merged_every = np.arange(len(one.chain))
        flows = chain_figures(one, merged_every, one_target, groups, months, rows=False)[0]
        results.append(({name: grid.tolist() for name, grid in flows.items()},
                        unbooked(one, merged_every, one_target, groups, months).tolist()))
    assert results[0] == results[1]


@settings(max_examples=200, deadline=None)
@given(chains_on_shared_terms(), st.integers(1, 3), st.sampled_from([2**6, 2**12, 2**20]), st.randoms())
def test_merged_lines_read_back_from_their_keys_are_those_renumbered(book, groups, limit, random):
    """``merged`` reads each merged line's terms back from its key (its digits), unless the key outgrows
    ``KEY_LIMIT`` and is renumbered as it goes, when it reads them from a line it merges: either way the same
    lines, every field."""
    b = Book.of(book)
    roots = np.flatnonzero(chained(b)[0])
    lines = lines_of(b, roots, int(b.signed.min()) - 13)
    target = np.array([random.randrange(groups) for _ in roots], np.int64)
    every = np.arange(len(lines.chain))
    read_back, read_back_target = merged(lines, every, target)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("revlib.engine.lines.KEY_LIMIT", limit)
        renumbered, renumbered_target = merged(lines, every, target)
    assert read_back_target.tolist() == renumbered_target.tolist()
    for name in LINE_FIELDS:
        if name in ("row", "c", "gc"):  # any line's row; the cut's months read only where cut
            continue
        assert getattr(read_back, name).tolist() == getattr(renumbered, name).tolist(), name
    cut = read_back.cut
    assert read_back.c[cut].tolist() == renumbered.c[cut].tolist()
    assert read_back.gc[cut].tolist() == renumbered.gc[cut].tolist()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 2**40), max_size=50), st.integers(0, 2**40))
def test_factorize_numbers_keys_in_order_however_large(keys, extra):
    """``factorize`` (a table, a sort or a hash, by the keys' range) numbers the distinct keys in order."""
    keys = np.array(keys, np.int64)
    size = int(keys.max()) + 1 + extra if len(keys) else 1 + extra
    ids, present = factorize(keys, size)
    unique, inverse = np.unique(keys, return_inverse=True)
    assert present.tolist() == unique.tolist()
    assert ids.tolist() == inverse.ravel().tolist()
