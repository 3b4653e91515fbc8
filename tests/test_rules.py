"""Each accounting rule, and every figure the sources state, reproduced by revlib."""

from pathlib import Path

import pandas as pd
import pytest

import revlib
from revlib import Contract, annual, load_contracts, schedule

DATA = Path(__file__).resolve().parents[1] / "data"


def google(**terms):
    base = dict(customer="Google", start="2022-01", term_months=36, annual_price=1200, services=1000)
    return Contract(**{**base, **terms})


# The Google example ---------------------------------------------------------------------------

def test_google_contract_values():
    g = google()
    assert (g.tcv, g.acv, g.mrr, g.arr) == (4600, 1200, 100, 1200)


def test_google_first_months():
    s = schedule(load_contracts(DATA / "google.csv"))
    jan, feb = s.loc["2022-01"], s.loc["2022-02"]
    assert jan["bookings"] == 4600
    assert (jan["billings"], jan["revenue"]) == (1100, 1100)
    assert (feb["billings"], feb["revenue"]) == (100, 100)
    assert (s["mrr"] == 100).all() and (s["arr"] == 1200).all()
    assert (s["deferred_revenue"] == 0).all()
    assert s["bookings"].sum() == s["billings"].sum() == s["revenue"].sum() == 4600


def test_google_billed_annually_without_services_defers_revenue():
    s = schedule(google(billing="annual", services=0))
    assert s.loc["2022-01", "billings"] == 1200
    assert s.loc["2022-01", "deferred_revenue"] == 1100
    assert s.loc["2022-02", "deferred_revenue"] == 1000
    assert s.loc["2022-12", "deferred_revenue"] == 0
    assert s.loc["2023-01", "deferred_revenue"] == 1100


# Customers A and B ----------------------------------------------------------------------------

def test_customers_a_and_b_fiscal_2022():
    book = load_contracts(DATA / "customers_ab.csv")
    fy = annual(schedule(book)).loc["FY2022"]
    assert fy["bookings"] == 30_000_000
    assert fy["billings"] == 8_750_000
    assert fy["revenue"] == 8_750_000
    assert fy["backlog"] == 21_250_000
    per = schedule(book, by="customer")
    a, b = per.loc["Customer A"], per.loc["Customer B"]
    assert (a.loc["2022-01":"2022-12", "revenue"] == 500_000).all()
    assert a.loc["2022-01", "billings"] == 6_000_000
    assert b.loc["2022-01", "billings"] == 0
    assert (b.loc["2022-02":"2023-12", "billings"] == 250_000).all()


# The nine clients -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def nine():
    book = load_contracts(DATA / "nine_clients.csv")
    return schedule(book), schedule(book, by="customer")


def test_nine_clients_bookings_by_year(nine):
    _, per = nine
    years = annual(per)
    assert years.loc[("Blue Apron", "FY2022"), "bookings"] == 1740
    assert years.loc["Zuora", "bookings"].tolist() == [680, 0, 480]
    facebook = years.loc["Facebook"]
    assert (facebook["bookings"] == facebook["billings"]).all()


def test_nine_clients_services_all_in_year_one(nine):
    book, _ = nine
    services = annual(book)["services_revenue"]
    assert services.tolist() == [600, 0, 0]


def test_nine_clients_mrr_builds_for_nine_months_then_holds(nine):
    book, _ = nine
    mrr = book["mrr"]
    assert (mrr.iloc[:9].diff().iloc[1:] > 0).all()
    assert (mrr.iloc[8:] == 360).all()
    years = annual(book)
    assert (years["arr"] == 12 * years["mrr"]).all()
    assert years["arr"].nunique() == 1 and years["arr"].iloc[0] == 4320


def test_default_span_is_three_years_for_a_renewing_book(nine):
    book, _ = nine
    assert (str(book.index[0]), str(book.index[-1]), len(book)) == ("2022-01", "2024-12", 36)


# Rules ----------------------------------------------------------------------------------------

def test_cents_remainder_goes_to_the_last_month_and_invoice():
    c = Contract(customer="X", start="2022-01", term_months=12, annual_price=1000)
    s = schedule(c, end="2022-12")
    assert s["revenue"].tolist() == [83.33] * 11 + [83.37]
    q = schedule(Contract(customer="X", start="2022-01", term_months=12, annual_price=1000, billing="quarterly"), end="2022-12")
    assert q["billings"][q["billings"] > 0].tolist() == [250.0] * 4


def test_arr_is_exact_and_mrr_rounds_to_the_cent():
    s = schedule(Contract(customer="X", start="2022-01", term_months=12, annual_price=2000), end="2022-12")
    assert (s["arr"] == 2000).all() and (s["mrr"] == 166.67).all()


def test_a_short_last_invoice_for_the_months_left():
    s = schedule(Contract(customer="X", start="2022-01", term_months=7, monthly_price=100, billing="quarterly"))
    invoices = s["billings"][s["billings"] > 0]
    assert invoices.to_dict() == {pd.Period("2022-01", "M"): 300, pd.Period("2022-04", "M"): 300, pd.Period("2022-07", "M"): 100}


def test_upfront_bills_the_whole_term_once():
    s = schedule(Contract(customer="X", start="2022-01", term_months=24, monthly_price=100, billing="upfront", services=50))
    assert s.loc["2022-01", "billings"] == 2450
    assert s["billings"].sum() == 2450


def test_renewals_book_one_more_term_when_it_starts():
    s = schedule(Contract(customer="X", start="2022-01", term_months=12, monthly_price=100, renews=True, services=500))
    assert s.loc["2022-01", "bookings"] == 1700
    assert s.loc["2023-01", ["bookings", "renewal_bookings"]].tolist() == [1200, 1200]
    assert s["renewal_bookings"].sum() == 2400
    assert s["backlog"].tolist()[11] == 0


def test_month_to_month_paid_yearly_keeps_being_billed():
    s = schedule(Contract(customer="X", start="2022-01", term_months=1, monthly_price=20, billing="annual", renews=True))
    assert s["billings"][s["billings"] > 0].tolist() == [240] * 3
    assert s["bookings"].tolist() == [20] * 36
    assert s.loc["2022-01", "deferred_revenue"] == 220


def test_backlog_holds_what_is_invoiced_even_before_it_is_booked():
    """One month booked, twelve invoiced: backlog is the eleven months invoiced and not yet earned."""
    s = schedule(Contract(customer="X", start="2022-01", term_months=1, monthly_price=20, billing="annual", renews=True))
    assert s.loc["2022-01", ["bookings", "deferred_revenue", "backlog", "current_backlog"]].tolist() == [20, 220, 220, 220]
    assert s.loc["2022-12", ["deferred_revenue", "backlog"]].tolist() == [0, 0]
    assert (s["backlog"] >= s["deferred_revenue"]).all()
    split = revlib.backlog_split(s)
    assert (split["not_yet_billed"] >= 0).all()


def test_signed_before_start_books_early_and_bills_at_start():
    s = schedule(Contract(customer="X", start="2022-04", signed="2022-01", term_months=12, monthly_price=100))
    assert s.index[0] == pd.Period("2022-01", "M")
    assert s.loc["2022-01", ["bookings", "billings", "backlog", "mrr", "customers"]].tolist() == [1200, 0, 1200, 0, 0]
    assert s.loc["2022-04", ["billings", "revenue", "customers"]].tolist() == [100, 100, 1]


def test_unbilled_revenue_on_a_ramp_deal():
    ramp = Contract(customer="R", start="2022-01", term_months=36, annual_price=[1_000_000, 2_000_000, 3_000_000], billing="annual")
    s = schedule(ramp)
    assert ramp.tcv == 6_000_000 and ramp.acv == 2_000_000
    monthly = 166_666.66  # $6M over 36 months, each month rounded down to the cent
    assert s.loc["2022-01", "revenue"] == monthly
    assert s.loc["2022-12", "unbilled_revenue"] == pytest.approx(12 * monthly - 1_000_000, abs=0.001)
    assert s.loc["2022-12", "deferred_revenue"] == 0
    # January 2023 bills year two ($2M), which more than covers what was earned but not billed
    assert s.loc["2023-01", "unbilled_revenue"] == 0
    assert s.loc["2023-01", "deferred_revenue"] == pytest.approx(3_000_000 - 13 * monthly, abs=0.001)
    assert s.loc["2023-06", "arr"] == 2_000_000
    assert round(s["billings"].sum(), 2) == round(s["revenue"].sum(), 2) == 6_000_000


def test_customers_counts_each_customer_once():
    book = [
        Contract(customer="X", start="2022-01", term_months=12, monthly_price=10),
        Contract(customer="X", start="2022-06", term_months=12, monthly_price=10),
        Contract(customer="Y", start="2022-03", term_months=2, monthly_price=10),
        Contract(customer="Z", start="2022-03", term_months=2, monthly_price=0, services=100),
    ]
    s = schedule(book, end="2023-06")
    assert s["customers"].loc["2022-01":"2022-06"].tolist() == [1, 1, 2, 2, 1, 1]
    assert s.loc["2023-05", "customers"] == 1 and s.loc["2023-06", "customers"] == 0


def test_window_can_be_chosen_and_keeps_history():
    s = schedule(google(billing="annual", services=0), start="2022-06", end="2023-03")
    assert (str(s.index[0]), str(s.index[-1])) == ("2022-06", "2023-03")
    assert s.loc["2022-06", "deferred_revenue"] == 600
    assert s.loc["2022-06", "backlog"] == 3000


def test_default_span_runs_to_the_last_non_renewing_end():
    s = schedule(Contract(customer="X", start="2022-01", term_months=60, monthly_price=1))
    assert str(s.index[-1]) == "2026-12"


def test_by_customer_index_and_unknown_grouping():
    s = schedule(load_contracts(DATA / "customers_ab.csv"), by="customer")
    assert s.index.names == ["customer", "month"]
    assert list(s.columns) == list(revlib.COLUMNS)
    with pytest.raises(ValueError, match="by='region'"):
        schedule(google(), by="region")


def test_schedule_shape_and_types():
    s = schedule(google())
    assert isinstance(s.index, pd.PeriodIndex) and s.index.name == "month" and s.index.freqstr == "M"
    assert list(s.columns) == list(revlib.COLUMNS)
    assert s["customers"].dtype == "int64"
    assert ((s.drop(columns="customers") * 100).round() == s.drop(columns="customers") * 100).all().all()


def test_fiscal_years_are_named_by_the_year_they_end():
    s = schedule(load_contracts(DATA / "customers_ab.csv"))
    fy = annual(s, fiscal_year_start=2)
    assert fy.index[0] == "FY2022"  # Jan 2022 falls in Feb 2021 - Jan 2022
    assert fy.loc["FY2023", "billings"] == 6_000_000 + 12 * 250_000  # Feb 2022 - Jan 2023
    assert fy.index.name == "fiscal_year"
    with pytest.raises(ValueError):
        annual(s, fiscal_year_start=13)


def test_usd_formats():
    assert revlib.fmt.usd(4600) == "$4,600"
    assert revlib.fmt.usd(8_750_000, short=True) == "$8.75M"
    assert revlib.fmt.usd(166.666) == "$166.67"
