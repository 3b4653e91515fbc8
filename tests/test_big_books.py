"""What the engine does differently for big books gives the same figures as doing it in one piece.

A schedule's columns are written over the engine's own grids a block of rows at a time
(``engine.api.ROWS_AT_A_TIME``), a schedule split by many groups is worked out a block of groups
at a time (``engine.api.GROUP_MONTHS_TOGETHER``), and the ARR bridge's totals are added up a block of
customers at a time (``bridge.BLOCK``): here the blocks are made as small as can be. The fiscal
years of a split schedule read its columns in cents one at a time, not the whole table at once.
"""

from unittest.mock import patch

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from revlib import arr_bridge, bridge, schedule
from revlib.engine import annual, annual_cents, api, cents_schedule, in_cents, in_dollars
from strategies import books, books_with_amendments, books_with_ramps, dated_books

BOOKS = st.one_of(books, books_with_ramps, books_with_amendments())


@settings(max_examples=100, deadline=None)
@given(BOOKS, st.sampled_from([None, "customer", "segment", "contract"]), st.integers(1, 3))
def test_a_schedule_written_a_few_rows_at_a_time_is_the_same(book, by, rows):
    whole = schedule(book, by=by)
    cents = cents_schedule(book, by=by)
    with patch.object(api, "ROWS_AT_A_TIME", rows):
        pd.testing.assert_frame_equal(schedule(book, by=by), whole, check_exact=True)
        pd.testing.assert_frame_equal(cents_schedule(book, by=by), cents, check_exact=True)
    pd.testing.assert_frame_equal(in_dollars(cents), whole, check_exact=True)
    assert list(whole.columns) == list(api.COLUMNS)
    assert whole["customers"].dtype == np.int64 and (whole.drop(columns="customers").dtypes == np.float64).all()


@settings(max_examples=100, deadline=None)
@given(BOOKS, st.sampled_from(["customer", "segment", "contract"]), st.integers(1, 300), st.booleans())
def test_a_schedule_worked_out_a_few_groups_at_a_time_is_the_same(book, by, cells, dollars):
    table = schedule if dollars else cents_schedule
    whole, part = table(book, by=by), table(book, by=by, start="2022-06", end="2023-03")
    with patch.object(api, "GROUP_MONTHS_TOGETHER", cells):
        pd.testing.assert_frame_equal(table(book, by=by), whole, check_exact=True)
        pd.testing.assert_frame_equal(table(book, by=by, start="2022-06", end="2023-03"), part, check_exact=True)


@settings(max_examples=60, deadline=None)
@given(dated_books, st.one_of(st.tuples(st.just("ROWS_AT_A_TIME"), st.integers(1, 3)),
                              st.tuples(st.just("GROUP_MONTHS_TOGETHER"), st.integers(1, 300))))
def test_a_daily_schedule_written_a_few_rows_or_worked_out_a_few_groups_at_a_time_is_the_same(book, block):
    whole = schedule(book, by="customer", convention="daily")
    with patch.object(api, *block):
        pd.testing.assert_frame_equal(schedule(book, by="customer", convention="daily"), whole, check_exact=True)


@settings(max_examples=100, deadline=None)
@given(BOOKS, st.sampled_from([None, "customer", "segment", "contract"]), st.integers(1, 12))
def test_fiscal_years_read_a_column_at_a_time_are_the_same(book, by, fiscal_start):
    per = schedule(book, by=by)
    whole = in_dollars(annual_cents(in_cents(per), fiscal_start))  # the whole table in cents at once
    pd.testing.assert_frame_equal(annual(per, fiscal_start), whole, check_exact=True)


@settings(max_examples=100, deadline=None)
@given(BOOKS, st.sampled_from(["M", "Q", "Y"]), st.booleans())
def test_the_bridge_added_up_a_customer_at_a_time_is_the_same(book, freq, from_start):
    per = schedule(book, by="customer", start=None if from_start else "2022-06")
    whole = arr_bridge(per, freq)
    with patch.object(bridge, "BLOCK", 1):
        pd.testing.assert_frame_equal(arr_bridge(per, freq), whole, check_exact=True)
    each = arr_bridge(per, freq, per_customer=True).groupby(level="period").sum()  # in dollars: compared in cents
    pd.testing.assert_frame_equal((each * 100).round(), (whole.loc[each.index] * 100).round(), check_names=False)


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(["one each", "all", "shared"]), st.integers(1, 64), st.integers(0, 2**32))
def test_customers_are_counted_alike_in_many_groups_and_in_few(rows_are, width, seed):
    """``_count_bits`` counts a histogram of bytes for a few groups, and bits for many (over 4,096)."""
    from revlib.engine.customers import _count_bits

    rng = np.random.default_rng(seed)
    groups = 5_000
    rows = {"one each": np.sort(rng.choice(groups, 3_000, replace=False)), "all": np.arange(groups),
            "shared": np.sort(rng.integers(0, groups, 8_000))}[rows_are]
    mask = rng.integers(0, 2**64, len(rows), dtype=np.uint64)
    bits = np.unpackbits(mask.astype("<u8").view(np.uint8).reshape(-1, 8), axis=1, bitorder="little")[:, :width]
    expected = np.zeros((groups, width), np.int64)
    np.add.at(expected, rows, bits)
    many = np.zeros((groups, width), np.int64)
    _count_bits(mask, rows, many)
    assert (many == expected).all()
    few = np.zeros((groups // 2, width), np.int64)  # the same masks in 2,500 groups: counted by histogram
    _count_bits(mask, rows // 2, few)
    assert (few == expected[0::2] + expected[1::2]).all()
