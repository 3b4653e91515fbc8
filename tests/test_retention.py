"""Retention: NRR, GRR, logo churn and the quick ratio, by hand and against the ARR bridge."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from revlib import Contract, arr_bridge, retention, schedule
from strategies import books, books_with_amendments, books_with_ramps


def deal(customer, start, months, price, **terms):
    return Contract(customer=customer, start=start, term_months=months, annual_price=price, **terms)


def test_retention_by_hand():
    # 2023 starts with A 12,000, B 6,000, C 2,000, E 1,000 (cohort of 4, 21,000 of ARR).
    book = [
        deal("A", "2022-01", 12, 12_000, renews=True), deal("A", "2023-03", 12, 3_000),  # expansion +3,000
        deal("B", "2022-01", 12, 5_000, renews=True), deal("B", "2022-06", 12, 1_000),  # contraction -1,000 in June
        deal("C", "2022-06", 12, 2_000),  # churn -2,000 in June
        deal("E", "2022-10", 3, 1_000), deal("E", "2023-04", 9, 1_000),  # churns in January, back in April
        deal("R", "2022-01", 24, [4_000, 6_000]),  # a ramp: +2,000 in January 2023
        deal("N", "2023-09", 12, 5_000),  # new
    ]
    per = schedule(book, by="customer", end="2023-12")
    year = retention(per).loc["2023"]
    start = 12_000 + 6_000 + 2_000 + 1_000 + 4_000
    assert year["starting_arr"] == start == 25_000
    assert year["nrr"] == pytest.approx((start + 3_000 + 2_000 - 1_000 - 2_000 - 1_000) / start)  # E's return left out
    assert year["grr"] == pytest.approx((start - 1_000 - 2_000 - 1_000) / start)
    assert year["logo_churn"] == pytest.approx(2 / 5)  # C, and E (lost in January though back in April)
    assert year["quick_ratio"] == pytest.approx((5_000 + 3_000 + 1_000) / (1_000 + 2_000 + 1_000))
    first = retention(per).loc["2022"]
    assert first["starting_arr"] == 0 and first[["nrr", "grr", "logo_churn"]].isna().all()


def test_retention_by_quarter_and_month():
    book = [deal("A", "2022-01", 12, 1_200), deal("B", "2022-01", 6, 1_200)]
    quarters = retention(schedule(book, by="customer", end="2022-12"), freq="Q")
    assert quarters.loc["2022Q3", "nrr"] == 0.5 and quarters.loc["2022Q3", "logo_churn"] == 0.5
    assert quarters.loc["2022Q2", "nrr"] == 1.0
    months = retention(schedule(book, by="customer", end="2022-12"), freq="M")
    assert months.loc["2022-07", "grr"] == 0.5 and months.loc["2022-06", "grr"] == 1.0


def test_a_quick_ratio_with_nothing_lost():
    book = [deal("A", "2022-01", 24, 1_200), deal("B", "2023-01", 12, 600)]
    years = retention(schedule(book, by="customer", end="2023-12"))
    assert years.loc["2022", "quick_ratio"] == math.inf  # ARR gained, none lost
    assert years.loc["2023", "quick_ratio"] == math.inf
    flat = retention(schedule([deal("A", "2022-01", 36, 1_200)], by="customer", end="2024-12"))
    assert np.isnan(flat.loc["2023", "quick_ratio"])  # nothing moved: 0 / 0
    assert flat.loc["2023", ["nrr", "grr", "logo_churn"]].tolist() == [1.0, 1.0, 0.0]


def test_retention_needs_a_split_schedule_with_its_ramp_steps():
    per = schedule([deal("A", "2022-01", 12, 100)], by="customer")
    with pytest.raises(ValueError, match="retention needs the schedule's ramp_step column"):
        retention(per.drop(columns="ramp_step"))
    with pytest.raises(ValueError, match="by='customer'"):
        retention(schedule([deal("A", "2022-01", 12, 100)]))


def test_a_customer_lost_in_the_period_keeps_nothing_whatever_it_did_before():
    book = [deal("A", "2022-01", 18, [1_000, 2_000]),  # a ramp step up in January 2023, gone in July
            deal("B", "2022-01", 12, 1_000, renews=True), deal("B", "2023-02", 6, 5_000),  # +5,000, then -5,000
            deal("C", "2022-01", 24, 1_000)]
    year = retention(schedule(book, by="customer", end="2023-12")).loc["2023"]
    assert year["starting_arr"] == 3_000
    assert year["nrr"] == pytest.approx((0 + 1_000 + 1_000) / 3_000)  # A lost; B back where it started
    assert year["grr"] == pytest.approx((0 + 0 + 1_000) / 3_000)  # B's 5,000 downgrade is more than its start
    assert year["logo_churn"] == pytest.approx(1 / 3)


@settings(max_examples=200, deadline=None)
@given(st.one_of(books, books_with_ramps, books_with_amendments()), st.sampled_from(["M", "Q", "Y"]))
def test_retention_agrees_with_the_bridge(book, freq):
    per = schedule(book, by="customer")
    table = retention(per, freq)
    bridge = arr_bridge(per, freq)
    each = (arr_bridge(per, freq, per_customer=True) * 100).round().astype("int64")  # cents: exact sums
    assert table.index.equals(bridge.index)
    assert (table["starting_arr"] == bridge["starting_arr"]).all()
    has = bridge["starting_arr"] > 0
    assert table.loc[~has, ["nrr", "grr", "logo_churn"]].isna().all().all()
    expected = {}
    for (period, _), row in each[each["starting_arr"] > 0].iterrows():
        lost = row["churn"] < 0
        net = 0 if lost else row["starting_arr"] + row["expansion"] + row["ramp"] + row["contraction"]
        if not lost:
            assert net == row["ending_arr"]  # a customer not lost ends where its movements take it
        gross = 0 if lost else max(row["starting_arr"] + row["contraction"], 0)
        sums = expected.setdefault(period, [0, 0, 0, 0])
        sums[0] += net
        sums[1] += gross
        sums[2] += lost
        sums[3] += 1
    for period, (net, gross, lost, customers) in expected.items():
        start = round(bridge.loc[period, "starting_arr"] * 100)
        assert table.loc[period, "nrr"] == pytest.approx(net / start)
        assert table.loc[period, "grr"] == pytest.approx(gross / start)
        assert table.loc[period, "logo_churn"] == lost / customers
    assert ((table["grr"][has] <= 1) & (table["grr"][has] >= 0) & (table["nrr"][has] >= 0)).all()
    assert ((table["logo_churn"][has] >= 0) & (table["logo_churn"][has] <= 1)).all()
    lost = -(bridge["contraction"] + bridge["churn"])
    gained = bridge["new"] + bridge["expansion"] + bridge["reactivation"]
    assert np.allclose(table["quick_ratio"][lost > 0], (gained / lost)[lost > 0])
    assert (table["quick_ratio"][(lost == 0) & (gained > 0)] == np.inf).all()
    assert table["quick_ratio"][(lost == 0) & (gained == 0)].isna().all()
    assert isinstance(table.index, pd.PeriodIndex)
