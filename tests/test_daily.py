"""Real dates: contracts that start on any day, prorated by day (``convention="daily"``), or refused (monthly)."""

import datetime as dt
import io

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import revlib
from reference import book_months
from revlib import Contract, ContractError, load_book, load_contracts, schedule
from strategies import dated_books, dated_books_on_shared_terms, dated_books_renewing_billed_ahead, dated_contracts
from test_properties import cents

DAILY = {"convention": "daily"}


# Published examples ---------------------------------------------------------------------------------------------

def test_stripe_monthly_subscription_from_15_january():
    """Stripe's revenue recognition examples, "Monthly subscription" (https://docs.stripe.com/revenue-recognition/
    examples/subscriptions): a 31 USD monthly subscription started on January 15 is invoiced for January 15 to
    February 14; 17 USD is recognised for the 17 days in January and 14 USD is deferred to February."""
    plan = Contract(customer="Stripe", start="2019-01-15", term_months=1, monthly_price=31)
    january = schedule(plan, **DAILY).loc["2019-01"]
    assert (january["billings"], january["revenue"], january["deferred_revenue"]) == (31, 17, 14)
    february = schedule(plan, **DAILY).loc["2019-02"]
    assert (february["revenue"], february["deferred_revenue"], february["backlog"]) == (14, 0, 0)


def test_stripe_annual_subscription_from_1_january():
    """The same page, "Annual subscription": 365 USD a year from January 1, 2019, invoiced once and recognised
    daily: 31, 28 and 31 USD in January, February and March; deferred revenue +334, -28, -31."""
    plan = Contract(customer="Stripe", start="2019-01-01", term_months=12, annual_price=365, billing="annual")
    s = schedule(plan, **DAILY).loc["2019-01":"2019-03"]
    assert s["revenue"].tolist() == [31, 28, 31]
    assert s["deferred_revenue"].diff().fillna(s["deferred_revenue"]).tolist() == [334, -28, -31]
    assert schedule(plan)["revenue"].iloc[0] == 30.41  # the monthly convention: a twelfth, rounded down


def test_stripe_three_month_subscription_from_1_january():
    """Stripe's "Other examples" page (https://docs.stripe.com/revenue-recognition/examples/other-examples),
    "Fees": a three-month subscription for 90 USD from January 1: 31, 28 and 31 USD of revenue."""
    plan = Contract(customer="Stripe", start="2019-01-01", term_months=3, monthly_price=30, billing="upfront")
    assert schedule(plan, **DAILY)["revenue"].iloc[:3].tolist() == [31, 28, 31]


# The 29th to the 31st -------------------------------------------------------------------------------------------

def test_a_term_from_the_31st_ends_the_day_before_the_same_day_or_the_months_last():
    """From 31 January 2023, one month runs to 27 February (28 February is "the same day" a month later, the
    month's last): 28 days, 1 in January. The next term starts on 28 February, the one after on 31 March."""
    c = Contract(customer="X", start="2023-01-31", term_months=1, monthly_price=28, renews=True)
    s = schedule(c, end="2023-04", **DAILY)
    assert s.loc["2023-01", "revenue"] == 1.0  # 28 USD over 28 days: one day in January
    # 27 days of the first term, and 1 of the second's 31 (28 February to 30 March): 28 USD x 1/31, 90 cents
    assert s.loc["2023-02", "revenue"] == 27.90
    assert s["billings"].tolist() == [28, 28, 28, 28]  # invoices on 31 Jan, 28 Feb, 31 Mar, 30 Apr
    assert s["mrr"].tolist() == [28, 28, 28, 28]
    leap = schedule(Contract(customer="X", start="2024-01-31", term_months=1, monthly_price=29), **DAILY)
    assert leap.loc["2024-01", "revenue"] == 1.0 and leap.loc["2024-02", "revenue"] == 28.0  # to 28 Feb 2024


def test_a_date_on_the_1st_is_the_whole_month():
    assert Contract(customer="X", start="2024-03-01", term_months=12, annual_price=1200) == Contract(
        customer="X", start="2024-03", term_months=12, annual_price=1200)
    for value in ("2024-03-15", dt.date(2024, 3, 15), dt.datetime(2024, 3, 15, 9, 30), pd.Timestamp("2024-03-15"),
                  pd.Period("2024-03-15", "D"), "2024-03-15 00:00:00"):
        c = Contract(customer="X", start=value, term_months=12, annual_price=1200)
        assert (str(c.start), c.start_day) == ("2024-03-15", 15), value


# Monthly refuses a day; daily honours it --------------------------------------------------------------------------

HEADER = "customer,start,term_months,annual_price,signed,contract_id"


def test_the_monthly_convention_refuses_a_day_by_line_and_column_on_both_loaders():
    text = "\n".join([HEADER, "A,2024-01,12,1200,,", "B,2024-03-15,12,1200,,", "C,2024-05,12,1200,2024-04-20,",
                      "D,2024-06-30,12,1200,2024-06-02,D-4"]) + "\n"
    expected = [
        'line 3, column start: 2024-03-15 is not the 1st of a month; use convention="daily" to prorate by day',
        'line 4, column signed: 2024-04-20 is not the 1st of a month; use convention="daily" to prorate by day',
        'line 5, column start: 2024-06-30 is not the 1st of a month; use convention="daily" to prorate by day',
        'line 5, column signed: 2024-06-02 is not the 1st of a month; use convention="daily" to prorate by day',
    ]
    for read in (load_contracts, load_book):
        book = read(io.StringIO(text))  # read as they are, whatever the convention
        with pytest.raises(ContractError) as refused:
            schedule(book)
        assert refused.value.problems == expected, read
        assert schedule(book, **DAILY)["bookings"].sum() == 4800


def test_a_contract_typed_in_python_is_named_by_its_label():
    book = [Contract(customer="A", start="2024-01", term_months=12, annual_price=1200),
            Contract(customer="B", start="2024-03-15", term_months=12, annual_price=1200, contract_id="B-1")]
    with pytest.raises(ContractError) as refused:
        schedule(book)
    assert refused.value.problems == [
        'contract B-1, column start: 2024-03-15 is not the 1st of a month; use convention="daily" to prorate by day']
    with pytest.raises(ValueError, match="convention='weekly' is not one of 'monthly', 'daily'"):
        schedule(book, convention="weekly")


def test_impossible_dates_and_signing_after_the_start_day_are_refused_on_both_loaders():
    text = "\n".join([HEADER, "A,2023-02-29,12,1200,,", "B,2024-03-15,12,1200,2024-03-16,",
                      "C,2024-03,12,1200,2024-03-16,"]) + "\n"
    for read in (load_contracts, load_book):
        with pytest.raises(ContractError) as refused:
            read(io.StringIO(text))
        assert refused.value.problems == [
            "line 2, column start: '2023-02-29' is not a date: February 2023 has 28 days",
            "line 3, column signed: 2024-03-16 is after start 2024-03-15; a contract is signed before it starts",
        ], read  # signed in the month of a whole-month start: not after it


def test_a_month_schedules_the_same_under_both_conventions_but_revenue():
    """Bookings, billings, MRR, ARR and customers fall in the same months; revenue follows the days."""
    c = Contract(customer="X", start="2024-01", term_months=24, annual_price=36_500, billing="quarterly",
                 services=500, renews=True)
    monthly, daily = schedule(c, end="2027-12"), schedule(c, end="2027-12", **DAILY)
    same = ["bookings", "renewal_bookings", "billings", "services_revenue", "mrr", "arr", "customers"]
    pd.testing.assert_frame_equal(monthly[same], daily[same])
    assert daily.loc["2024-01", "recurring_revenue"] == 912_500 * 31 // 91 / 100  # a quarter of 91 days in 2024
    assert monthly.loc["2024-01", "recurring_revenue"] == pytest.approx(36_500 / 12, abs=0.01)


# Properties under the daily convention ----------------------------------------------------------------------------

def agrees_by_day(book, first, last, by=None):
    """The book's daily schedule from ``first`` to ``last`` is the day-by-day reference's to the cent, every
    column and month (each customer's, with ``by="customer"``)."""
    frame = cents(schedule(book, start=first, end=last, by=by, **DAILY))
    groups = {"book": book} if by is None else {
        name: [c for c in book if c.customer == name] for name in {c.customer for c in book}}
    for name, contracts_of in groups.items():
        expected = book_months(contracts_of, first.ordinal, last.ordinal, convention="daily")
        rows = frame if by is None else frame.loc[name]
        for column in revlib.COLUMNS:
            assert rows[column].tolist() == [expected[m.ordinal].get(column, 0) for m in rows.index], (name, column)


@settings(max_examples=400, deadline=None)
@given(dated_books, st.integers(-3, 6), st.integers(0, 30))
def test_daily_engine_agrees_with_the_day_by_day_reference(book, shift, extra):
    first = min(c.signed.asfreq("M") for c in book) + shift
    agrees_by_day(book, first, first + 20 + extra)


@settings(max_examples=150, deadline=None)
@given(st.one_of(dated_books_on_shared_terms(), dated_books_renewing_billed_ahead()),
       st.sampled_from([None, "customer"]))
def test_daily_engine_agrees_with_the_reference_for_each_customer(book, by):
    first = min(c.signed.asfreq("M") for c in book)
    agrees_by_day(book, first, max(c.start.asfreq("M") for c in book) + 30, by=by)


@settings(max_examples=500, deadline=None)
@given(dated_contracts())
def test_each_dated_contract_ties_out_to_the_cent(contract):
    """Bookings, billings and revenue each add up to the contract value; balances end at zero."""
    start = contract.start.asfreq("M")
    frame = cents(schedule(contract, end=start + contract.term_months + 36, **DAILY))
    value = contract.recurring_cents + contract.services_cents
    if contract.renews:
        assert frame.loc[:start + contract.term_months - 1, "bookings"].sum() == value
        assert (frame["backlog"] >= frame["deferred_revenue"]).all()
    else:
        assert frame["bookings"].sum() == frame["billings"].sum() == frame["revenue"].sum() == value
        last = frame.iloc[-1]
        assert last["deferred_revenue"] == last["unbilled_revenue"] == last["backlog"] == 0
        ended = frame.loc[start + contract.term_months + 1:]  # a term ends within the month after its last
        assert (ended[["deferred_revenue", "unbilled_revenue", "backlog", "current_backlog"]] == 0).all().all()
    assert (frame[["deferred_revenue", "unbilled_revenue", "backlog", "current_backlog"]] >= 0).all().all()
    assert (frame["current_backlog"] <= frame["backlog"]).all()
    if len(contract.prices_per_year) == 1:
        assert (frame["unbilled_revenue"] == 0).all(), "billed in advance: never unbilled"


@settings(max_examples=300, deadline=None)
@given(dated_books, st.sampled_from(["customer", "segment", "contract"]))
def test_daily_split_schedules_sum_to_the_book(book, by):
    whole = cents(schedule(book, **DAILY))
    split = cents(schedule(book, by=by, **DAILY))
    summed = split.groupby(level="month").sum()
    columns = [c for c in revlib.COLUMNS if by == "customer" or c != "customers"]
    pd.testing.assert_frame_equal(summed[columns], whole[columns], check_freq=False)


@settings(max_examples=200, deadline=None)
@given(dated_books)
def test_daily_balances_follow_from_flows(book):
    frame = cents(schedule(book, **DAILY))
    billed, earned, booked = (frame[c].cumsum() for c in ("billings", "revenue", "bookings"))
    assert ((frame["deferred_revenue"] - frame["unbilled_revenue"]) == billed - earned).all()
    assert (frame["revenue"] == frame["recurring_revenue"] + frame["services_revenue"]).all()
    yearly = cents(revlib.annual(schedule(book, **DAILY)))
    assert yearly["revenue"].sum() == frame["revenue"].sum()


def test_a_large_dated_book_matches_the_same_engine_on_each_slice():
    """The engine cuts billing periods a slice of contracts at a time: the slices must not change a cent."""
    from revlib.engine import Book, daily

    rng = np.random.default_rng(3)
    n = 3_000
    start = pd.Period("2022-01", "M").ordinal + rng.integers(0, 24, n)
    book = Book.from_arrays([f"c{x}" for x in rng.integers(0, 50, n)], start, rng.choice([1, 3, 12, 36], n),
                            rng.integers(100, 900_000, n).tolist(), rng.choice([1, 3, 6, 12, 0], n),
                            np.zeros(n, int), rng.random(n) < 0.5, start_day=rng.integers(1, 29, n))
    whole = schedule(book, by="customer", **DAILY)
    chunk, daily.CHUNK = daily.CHUNK, 257
    try:
        sliced = schedule(book, by="customer", **DAILY)
    finally:
        daily.CHUNK = chunk
    pd.testing.assert_frame_equal(whole, sliced)


def test_the_report_command_takes_daily(tmp_path, capsys):
    from revlib import cli

    path = tmp_path / "dated.csv"
    path.write_text("customer,start,term_months,monthly_price,renews,signed\nStripe,2019-01-15,12,31,false,\n"
                    "Acme,2024-03-31,3,100,true,2024-03-20\nBeta,2024-02,12,50,false,\n")
    assert cli.main(["report", str(path), "--out", str(tmp_path / "monthly.xlsx")]) == 2
    refused = capsys.readouterr().err
    assert 'line 2, column start: 2019-01-15 is not the 1st of a month; use convention="daily"' in refused
    assert "--daily" in refused and not (tmp_path / "monthly.xlsx").exists()
    assert cli.main(["report", str(path), "--out", str(tmp_path / "daily.xlsx"), "--daily"]) == 0
    sheets = pd.read_excel(tmp_path / "daily.xlsx", sheet_name=None)
    assert (sheets["Checks"]["Result"] == "pass").all()
    contracts = sheets["Contracts"].set_index("Contract")
    assert contracts.loc["#1", "Start"] == "2019-01-15" and contracts.loc["#2", "Signed"] == "2024-03-20"
    monthly = sheets["Monthly schedule"]
    assert monthly.iloc[0]["Revenue"] == 17  # Stripe's January, in the workbook


@pytest.mark.parametrize("ranges_from", [0, 10**12], ids=["ranges by length of month", "a row per month"])
def test_periods_over_every_length_of_month_match_the_day_by_day_reference(monkeypatch, ranges_from):
    """The engine adds a billing period's whole months as one range per length of month (28 to 31 days), or one row
    per month where the grid is large (``daily.RANGES_FROM``): both, for every start day (the 29th to the 31st too),
    every term and billing, leap February 2024 and the years around it, renewals and signings up to a year early,
    against the day-by-day reference, for the book and for each customer."""
    from revlib.engine import daily

    monkeypatch.setattr(daily, "RANGES_FROM", ranges_from)
    rng = np.random.default_rng(15)
    book = []
    for i in range(120):
        month = pd.Period("2022-11", "M") + int(rng.integers(0, 30))
        day = min(int(rng.integers(1, 32)), month.days_in_month)
        start = pd.Period(year=month.year, month=month.month, day=day, freq="D")
        term = int(rng.choice([1, 2, 3, 5, 6, 12, 13, 18, 24, 36]))
        book.append(Contract(customer=f"c{i % 7}", start=start, signed=start - int(rng.choice([0, 20, 100, 360])),
                             term_months=term, annual_price=int(rng.integers(1, 5_000_000)) / 100,
                             billing=str(rng.choice(["monthly", "quarterly", "semiannual", "annual", "upfront"])),
                             services=float(rng.choice([0, 99.99])), renews=bool(rng.random() < 0.5)))
    first, last = pd.Period("2021-11", "M"), pd.Period("2027-06", "M")
    by_customer = cents(schedule(book, start=first, end=last, by="customer", **DAILY))
    for name, rows in [("book", cents(schedule(book, start=first, end=last, **DAILY)))] + [
            (name, by_customer.loc[name]) for name in sorted({c.customer for c in book})]:
        expected = book_months([c for c in book if name in ("book", c.customer)], first.ordinal, last.ordinal,
                               convention="daily")
        for column in revlib.COLUMNS:
            assert rows[column].tolist() == [expected[m.ordinal].get(column, 0) for m in rows.index], (name, column)
