"""The daily engine's shortcut for renewing contracts invoiced ahead (``revlib.engine.daily._backlog_within_a_year``):
those whose backlog can never be more than their next 12 months' revenue have their balances added up by group,
without a row of their own. On books full of them (and of those that take the long way: a term that does not
divide the billing period, a first term signed long before it starts, a price of a few cents), the engine must
still agree with the day-by-day reference to the cent, for the book and for each customer.

And the daily engine's ways of adding up, each pinned to the plain one: a month's shares for every length of month
at once (``_Shares.shares``) to one length at a time (``_Shares.share``), sums of runs by a running total
(``grid.run_sums``) to ``numpy.add.reduceat``, and a book cut into slices of any size (``daily.CHUNK``, every slice
added into the same grids) to the book in one slice; many months' first days looked up in a table
(``daily.month_first_day``) to each converted by numpy's calendar."""

from dataclasses import replace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import revlib
from reference import book_months
from revlib import Contract, schedule
from revlib.engine import Book
from revlib.engine import daily
from revlib.engine.daily import _backlog_within_a_year, _Shares
from revlib.engine.grid import run_sums
from strategies import dated_books, dated_contracts
from test_properties import cents

BILLING = {3: "quarterly", 6: "semiannual", 12: "annual"}


@st.composite
def dated_books_mostly_billed_ahead(draw):
    """Dated books mostly of renewing contracts billed over periods longer than their term (each term dividing the
    period or not, signed on the start day or up to 400 days before it, prices down to a cent), with a ramp deal
    or another contract now and then."""
    book = draw(st.lists(dated_contracts(), max_size=2))
    for _ in range(draw(st.integers(1, 6))):
        c = draw(dated_contracts(allow_ramps=False))
        period = draw(st.sampled_from(list(BILLING)))
        cents_a_year = draw(st.one_of(st.integers(0, 300_000), st.sampled_from([1, 7, 12, 99_999])))
        early = draw(st.one_of(st.sampled_from([0, 1, 31, 150, 300, 340, 360, 365]), st.integers(0, 400)))  # days
        book.append(replace(c, term_months=draw(st.integers(1, period - 1)), billing=BILLING[period], renews=True,
                            annual_price=cents_a_year / 100, monthly_price=None, signed=c.start - early))
    return book


@settings(max_examples=300, deadline=None)
@given(dated_books_mostly_billed_ahead(), st.integers(-3, 6), st.integers(0, 30), st.sampled_from([None, "customer"]))
def test_books_billed_ahead_agree_with_the_day_by_day_reference(book, shift, extra, by):
    first = min(c.signed.asfreq("M") for c in book) + shift
    last = first + 20 + extra
    frame = cents(schedule(book, start=first, end=last, by=by, convention="daily"))
    customers = {c.customer for c in book}
    for name in ["book"] if by is None else sorted(customers):
        rows = frame if by is None else frame.loc[name]
        expected = book_months([c for c in book if name in ("book", c.customer)], first.ordinal, last.ordinal,
                               convention="daily")
        for column in revlib.COLUMNS:
            assert rows[column].tolist() == [expected[m.ordinal].get(column, 0) for m in rows.index], (name, column)


def test_which_contracts_billed_ahead_take_the_shortcut():
    def takes_it(term=1, billing="annual", signed="2024-03-15", price=1200):
        book = Book.of(Contract(customer="A", start="2024-03-15", signed=signed, term_months=term, renews=True,
                                billing=billing, annual_price=price))
        return bool(_backlog_within_a_year(book, np.arange(1))[0])

    assert takes_it()  # month to month, paid a year ahead
    assert takes_it(term=3) and takes_it(term=6) and takes_it(term=3, billing="semiannual")
    assert not takes_it(term=5)  # a renewal can be booked more than 12 months ahead of the invoice that earns it
    assert takes_it(signed="2023-12-01")  # 3 months early: enough of the first year is earned 12 months on
    assert not takes_it(signed="2023-12-01", price=0.12)  # ... unless a month's rounding could eat it
    assert not takes_it(signed="2023-02-01")  # signed 13 months early: nothing earned 12 months after signing
    assert takes_it(term=1, billing="quarterly", signed="2023-06-01")  # a quarter ends within 12 months of signing


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.lists(st.integers(0, 10**11), min_size=1, max_size=5), st.integers(1, 1200)),
                max_size=12), st.lists(st.integers(1, 1200), min_size=1, max_size=4, unique=True))
def test_shares_for_every_length_of_month_at_once_are_each_lengths_shares(periods, parts):
    """Periods on several contracts each (their amounts, and the period's days): each one's shares of ``parts`` days
    at once, as one part at a time."""
    pool = np.array([x for amounts, _ in periods for x in amounts], np.int64)
    size = np.array([len(amounts) for amounts, _ in periods], np.int64)
    days = np.array([d for _, d in periods], np.int64)
    for amount in (_Shares(pool, np.cumsum(size) - size, size, np.zeros(len(size), np.int64)),
                   _Shares.each(pool[:len(size)])):  # contracts in common, and one contract a period
        parts_array = np.array(parts, np.int64)
        at_once = amount.shares(parts_array, days)
        assert at_once.shape == (len(parts), len(size))
        for row, part in zip(at_once, parts):
            assert row.tolist() == amount.share(slice(None), part, days).tolist()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.integers(-2**62, 2**62), min_size=1, max_size=6), max_size=20), st.integers(1, 3))
def test_run_sums_are_reduceat_even_where_the_running_total_wraps_around(runs, rows):
    values = np.array([x for run in runs for x in run], np.int64)
    size = np.array([len(run) for run in runs], np.int64)
    starts = np.cumsum(size) - size
    expected = [sum(run) for run in runs]
    fits = all(-2**63 <= x < 2**63 for x in expected)
    if fits:
        assert run_sums(values, size).tolist() == expected
    if len(runs):
        grid = np.stack([values * (k % 2) for k in range(rows)])  # rows: along the last axis
        assert (run_sums(grid, size) == np.add.reduceat(grid, starts, axis=1)).all()


@settings(max_examples=150, deadline=None)
@given(dated_books, st.integers(1, 4), st.sampled_from([None, "customer"]))
def test_a_dated_book_in_slices_of_any_size_is_the_same(book, chunk, by):
    whole = schedule(book, by=by, convention="daily")
    saved, daily.CHUNK = daily.CHUNK, chunk
    try:
        sliced = schedule(book, by=by, convention="daily")
    finally:
        daily.CHUNK = saved
    assert whole.equals(sliced)


@settings(max_examples=100, deadline=None)
@given(st.integers(-2400 * 12, 2400 * 12), st.lists(st.integers(0, 50), min_size=1, max_size=80), st.booleans())
def test_many_months_first_days_from_a_table_are_numpys(first, offsets, spread_out):
    months = first + np.array(offsets, np.int64) * (97 if spread_out else 1)  # a table or not
    converted = months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    saved, daily.TABLE_FROM = daily.TABLE_FROM, 0
    try:
        assert daily.month_first_day(months).tolist() == converted.tolist()
    finally:
        daily.TABLE_FROM = saved
