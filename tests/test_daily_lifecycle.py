"""Amendments and renewal contracts under the daily convention (issue 15 on issue 14's lifecycle): published
proration examples with their cents, the refusals that remain, and property tests against the day-by-day
reference."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import revlib
from revlib import Contract, ContractError, load_book, net_bookings, schedule
from revlib.engine import Book
from strategies import dated_books_with_amendments
from test_daily import agrees_by_day
from test_properties import cents

DAILY = {"convention": "daily"}


def zuora():
    """Zuora's Order Metrics example (docs.zuora.com, "Order Metrics", Parts 1 to 3: https://docs.zuora.com/en/
    zuora-billing/manage-accounts-subscriptions-and-non-subscriptions/manage-subscription-transactions/orders/
    order-delta-metrics-and-order-metrics/order-metrics/part-3---example): a one-year subscription from
    1 January 2018, billed monthly, 10 units at $5.00; 13 units from 1 April; 20 units from 18 August."""
    return [Contract(customer="Z", start="2018-01-01", term_months=12, monthly_price=50, contract_id="Z-1"),
            Contract(customer="Z", amends="Z-1", start="2018-04-01", monthly_price=65, contract_id="Z-2"),
            Contract(customer="Z", amends="Z-1", start="2018-08-18", monthly_price=100, contract_id="Z-3")]


def test_zuoras_seven_more_units_from_18_august_add_14_31_of_augusts_price():
    """Zuora's Part 3: the 7 units added on 8/18/2018 have an Order TCV of $155.81: August, 14/31 of $35 =
    $15.81, and September to December, 4 x $35 = $140.00. (Zuora's TCV always prorates by actual days; its TCB,
    $156.33, uses 30-day months, a tenant setting revlib does not follow.)"""
    s = schedule(zuora(), **DAILY)
    assert s.loc["2018-08", "bookings"] == 155.81
    nb = net_bookings(zuora())
    assert nb.loc["2018-08", "expansion"] == 155.81 and nb.loc["2018-04", "expansion"] == 135  # 9 x $15
    # Billed: $65 on 1 August, then on 18 August $100 x 14/31 ($45.16) less the credit for 14/31 of $65 ($29.35).
    assert s.loc["2018-08", "billings"] == 65 + 15.81
    # Earned: $65 x 17/31 up to 17 August (what is left of the $65 once the $29.35 is credited) and $45.16 after.
    assert s.loc["2018-08", "revenue"] == round(65 - 29.35 + 45.16, 2) == 80.81
    assert s.loc["2018-09", ["billings", "revenue", "mrr", "arr"]].tolist() == [100, 100, 100, 1200]
    assert s.loc["2018-07", "mrr"] == 65 and s.loc["2018-08", "mrr"] == 100  # in effect on 31 August
    assert s.loc["2018-01", "bookings"] == 600 and s.loc["2018-04", "bookings"] == 135
    total = 600 + 135 + 155.81
    assert round(s["bookings"].sum(), 2) == round(s["billings"].sum(), 2) == round(s["revenue"].sum(), 2) == total
    assert s.loc["2018-12", ["deferred_revenue", "backlog"]].tolist() == [0, 0]


def test_stripes_upgrade_halfway_through_the_month_bills_the_difference():
    """Stripe's prorations page (https://docs.stripe.com/billing/subscriptions/prorations): from a $10 monthly
    plan to $20 halfway through the billing period: -$5 for unused time, +$10 for the remaining time, $5 more.
    Here halfway is 16 April 2024 (15 of April's 30 days left)."""
    book = [Contract(customer="S", start="2024-04-01", term_months=12, monthly_price=10, contract_id="S-1"),
            Contract(customer="S", amends="S-1", start="2024-04-16", monthly_price=20)]
    s = schedule(book, **DAILY)
    assert s.loc["2024-04", ["billings", "revenue", "deferred_revenue"]].tolist() == [15, 15, 0]
    assert s.loc["2024-04", "bookings"] == 120 + 5 + 11 * 10  # signed: 12 x $10; the upgrade: $5 + 11 x $10
    assert s.loc["2024-05", ["billings", "revenue", "mrr"]].tolist() == [20, 20, 20]
    # Not halfway, in cents: $9.99 to $24.99 from 10 February 2024, 20 of the leap February's 29 days left:
    # +2499 x 20 // 29 = 1723 cents, less the credit 999 x 20 // 29 = 688: 10.35 more. February earns the
    # 311 cents left of the $9.99 (1 to 9 February) and the 1723 (10 to 29 February): 20.34.
    odd = [Contract(customer="S", start="2024-01-01", term_months=12, monthly_price=9.99, contract_id="S-1"),
           Contract(customer="S", amends="S-1", start="2024-02-10", monthly_price=24.99)]
    s = schedule(odd, **DAILY)
    assert s.loc["2024-02", ["billings", "revenue", "deferred_revenue"]].tolist() == [9.99 + 10.35, 20.34, 0]
    assert s.loc["2024-02", "bookings"] == 10.35 + 10 * 15  # and 10 months at $15 more
    assert round(s["bookings"].sum(), 2) == round(s["billings"].sum(), 2) == round(s["revenue"].sum(), 2)


def test_a_cancellation_mid_month_credits_the_days_from_the_effective_day():
    """$31 a month from 1 January 2024, billed monthly, cancelled from 20 January: 12 of January's 31 days are
    credited ($12.00), January earns $19.00, and the cancellation takes off $12.00 and the 11 months left."""
    book = [Contract(customer="S", start="2024-01-01", term_months=12, monthly_price=31, contract_id="S-1"),
            Contract(customer="S", amends="S-1", start="2024-01-20", monthly_price=0)]
    s = schedule(book, start="2024-01", end="2024-12", **DAILY)
    assert s.loc["2024-01", ["bookings", "billings", "revenue", "deferred_revenue", "backlog", "mrr",
                             "customers"]].tolist() == [19, 19, 19, 0, 0, 0, 0]
    assert net_bookings(book).loc["2024-01", "churn"] == -(12 + 11 * 31)
    # Billed a year ahead and cancelled from 20 January: 347 of the year's 366 days are credited.
    annual = [Contract(customer="S", start="2024-01-01", term_months=12, annual_price=366, billing="annual",
                       contract_id="S-1"),
              Contract(customer="S", amends="S-1", start="2024-01-20", annual_price=0)]
    s = schedule(annual, start="2024-01", end="2024-12", **DAILY)
    assert s.loc["2024-01", ["bookings", "billings", "revenue", "deferred_revenue"]].tolist() == [19, 19, 19, 0]
    assert (s.loc["2024-02":, ["billings", "revenue", "backlog"]] == 0).all().all()


def test_a_mid_month_start_amended_and_renewed_by_a_renewal_contract():
    """A term from 15 January 2024 ends on 14 January 2025; its renewal contract starts on 15 January 2025 and
    books as renewal the old price for its term; an amendment on 15 July changes the price from that day."""
    book = [Contract(customer="R", start="2024-01-15", term_months=12, monthly_price=31, renews=True,
                     contract_id="R-1"),
            Contract(customer="R", amends="R-1", start="2024-07-15", monthly_price=62),
            Contract(customer="R", renewal_of="R-1", start="2025-01-15", term_months=12, monthly_price=62)]
    s = schedule(book, start="2024-01", end="2026-01", **DAILY)
    assert s.loc["2024-07", "bookings"] == 6 * 31  # from a billing date: the whole months left, $31 more each
    assert s.loc["2025-01", ["bookings", "renewal_bookings", "mrr"]].tolist() == [744, 744, 62]
    assert s.loc["2024-12", "mrr"] == 62
    assert round(s["bookings"].sum(), 2) == round(s["billings"].sum(), 2) == round(s["revenue"].sum(), 2)
    assert s.loc["2026-01", ["deferred_revenue", "backlog"]].tolist() == [0, 0]


def test_what_the_daily_convention_still_refuses_in_chains():
    csv = ("customer,start,term_months,annual_price,contract_id,amends,renewal_of\n"
           "A,2024-01-15,12,1200,A-1,,\nA,2024-01-10,,2400,A-2,A-1,\n"
           "B,2024-01-15,12,1200,B-1,,\nB,2025-01-01,12,1200,B-2,,B-1\n"
           "C,2024-01,24,1200,C-1,,\nC,2024-07,,0,C-2,C-1,\n")
    with pytest.raises(ContractError) as refused:
        schedule(load_book(io.StringIO(csv)), **DAILY)
    assert refused.value.problems == [
        "line 3, column start: 2024-01-10 is before 'A-1' starts (2024-01-15); an amendment takes effect within "
        "the term it amends",
        "line 5, column start: 2025-01-01 is not the day after the term of 'B-1' ends (2025-01-14); a renewal "
        "starts on 2025-01-15"]
    ramp = [Contract(customer="C", start="2024-01", term_months=24, annual_price=[1200, 2400], contract_id="C-1"),
            Contract(customer="C", amends="C-1", start="2024-07", annual_price=0, contract_id="C-2")]
    with pytest.raises(ContractError, match=r"contract C-1: a ramp deal \(a price for each contract year\), "
                                            "amended or renewed by another row, is not yet scheduled by day"):
        schedule(ramp, **DAILY)
    assert schedule(ramp)["bookings"].sum() == 900  # by month: 6 of its 24 months, earned evenly at $150


# Properties ------------------------------------------------------------------------------------------------------

@settings(max_examples=600, deadline=None)
@given(dated_books_with_amendments(), st.integers(-3, 6), st.integers(0, 30))
def test_amended_dated_books_agree_with_the_day_by_day_reference(book, shift, extra):
    first = min(c.signed.asfreq("M") for c in book) + shift
    agrees_by_day(book, first, first + 20 + extra)


@settings(max_examples=200, deadline=None)
@given(dated_books_with_amendments())
def test_amended_dated_books_agree_with_the_reference_for_each_customer_and_sum_to_the_book(book):
    first = min(c.signed.asfreq("M") for c in book)
    last = max(c.start.asfreq("M") for c in book) + 30
    agrees_by_day(book, first, last, by="customer")
    whole = cents(schedule(book, start=first, end=last, **DAILY))
    split = cents(schedule(book, start=first, end=last, by="customer", **DAILY))
    pd.testing.assert_frame_equal(split.groupby(level="month").sum()[list(revlib.COLUMNS)],
                                  whole[list(revlib.COLUMNS)], check_freq=False)


@settings(max_examples=400, deadline=None)
@given(dated_books_with_amendments())
def test_each_dated_chain_ties_out_and_its_backlog_ends_at_zero(book):
    """Where nothing renews, each contract with its amendments (and each renewal contract) books, bills and
    earns the same to the cent, and ends with nothing deferred, unbilled or in backlog."""
    if any(c.renews for c in book):
        return
    end = max(c.start.asfreq("M") + (c.term_months or 0) for c in book) + 14
    frame = cents(schedule(book, end=end, by="contract", **DAILY))
    totals = frame.groupby(level=0)[["bookings", "billings", "revenue"]].sum()
    assert (totals["bookings"] == totals["revenue"]).all() and (totals["billings"] == totals["revenue"]).all()
    final = frame.groupby(level=0).tail(1)
    assert (final[["deferred_revenue", "unbilled_revenue", "backlog", "current_backlog"]] == 0).all().all()


@settings(max_examples=300, deadline=None)
@given(dated_books_with_amendments(), st.sampled_from(["M", "Q", "Y"]))
def test_dated_balances_stay_in_bounds_and_the_kinds_of_booking_add_up(book, freq):
    whole = cents(schedule(book, **DAILY))
    assert (whole[["deferred_revenue", "unbilled_revenue", "backlog", "current_backlog"]] >= 0).all().all()
    assert (whole["backlog"] >= whole["deferred_revenue"]).all()
    assert (whole["current_backlog"] <= whole["backlog"]).all()
    assert (whole["unbilled_revenue"] == 0).all(), "billed in advance, credited what it will not earn"
    if not Book.of(book).has_days():  # net_bookings reads a book of whole months by the monthly convention
        whole = cents(schedule(book))
    kinds = cents(net_bookings(book, freq=freq).assign(customers=0))
    five = kinds[["new", "expansion", "renewal", "contraction", "churn"]].sum(axis=1)
    assert (five.to_numpy() == whole["bookings"].groupby(whole.index.asfreq(freq)).sum().to_numpy()).all()
    assert (kinds["renewal"].to_numpy()
            == whole["renewal_bookings"].groupby(whole.index.asfreq(freq)).sum().to_numpy()).all()


@settings(max_examples=150, deadline=None)
@given(dated_books_with_amendments())
def test_both_ways_of_adding_whole_months_agree_for_chains(book):
    """Chains' pieces go through the daily convention's revenue spreading, whose whole months are added by length
    of month or one row each (``daily.RANGES_FROM``): both ways, against the day-by-day reference."""
    from revlib.engine import daily

    first = min(c.signed.asfreq("M") for c in book)
    kept = daily.RANGES_FROM
    try:
        for ranges_from in (0, 10**12):
            daily.RANGES_FROM = ranges_from
            agrees_by_day(book, first, first + 40)
    finally:
        daily.RANGES_FROM = kept


def test_a_large_amended_dated_book_matches_the_same_engine_a_few_chains_at_a_time(monkeypatch):
    """The engine adds chains up a block at a time, each block on its own months: blocks must not change a cent."""
    from revlib.engine import daily_lines

    rng = np.random.default_rng(15)
    n, k = 600, 200
    month = pd.Period("2022-01", "M") + rng.integers(0, 30, n)
    term = rng.choice([1, 3, 12, 24], n)
    day = rng.integers(1, 32, n)
    rows = [dict(customer=f"c{i % 40}", start=str(pd.Period(year=m.year, month=m.month,
                                                                 day=min(d, m.days_in_month), freq="D")),
                 term_months=t, annual_price=int(rng.integers(0, 90_000)) / 100,
                 billing=str(rng.choice(["monthly", "quarterly", "annual", "upfront"])) if t >= 12 else "monthly",
                 renews=bool(rng.random() < 0.4), contract_id=f"K{i}", amends="")
            for i, (m, t, d) in enumerate(zip(month, term, day))]
    for j, i in enumerate(rng.choice(np.flatnonzero(term > 1), k, replace=False)):
        m = month[i] + int(rng.integers(1, term[i]))
        rows.append(dict(customer=rows[i]["customer"], start=str(pd.Period(year=m.year, month=m.month, day=min(
            int(rng.integers(1, 32)), m.days_in_month), freq="D")), term_months="",
            annual_price=float(rng.choice([0, int(rng.integers(1, 90_000)) / 100])), billing="", renews="",
            contract_id=f"A{j}", amends=f"K{i}"))
    book = load_book(io.StringIO(pd.DataFrame(rows).to_csv(index=False)))
    whole = schedule(book, by="customer", **DAILY)
    monkeypatch.setattr(daily_lines, "BLOCK_CELLS", 700)
    pd.testing.assert_frame_equal(whole, schedule(book, by="customer", **DAILY))
    assert schedule(book, **DAILY)["revenue"].sum() == pytest.approx(whole["revenue"].sum(), abs=1e-6)
