"""Backlog, current backlog, ramp deals and calculated billings."""

import io

import pandas as pd
import pytest

from hypothesis import given, settings

import revlib
from revlib import Contract, calculated_billings, load_contracts, schedule
from strategies import books


def test_a_one_year_contract_billed_monthly_burns_backlog_100_a_month():
    s = schedule(Contract(customer="X", start="2022-01", term_months=12, annual_price=1200), end="2022-12")
    assert s["backlog"].tolist() == [1200 - 100 * k for k in range(1, 13)]
    assert s["current_backlog"].tolist() == s["backlog"].tolist()


def test_twelve_thousand_up_front_is_a_thousand_a_month():
    s = schedule(Contract(customer="X", start="2022-01", term_months=12, annual_price=12_000, billing="upfront"),
                 end="2022-12")
    assert (s["revenue"] == 1000).all()
    assert s.loc["2022-01", "deferred_revenue"] == 11_000
    assert s.loc["2022-01", "backlog"] == 11_000


def test_current_backlog_is_the_next_twelve_months():
    s = schedule(Contract(customer="X", start="2022-01", term_months=36, annual_price=1200))
    assert s.loc["2022-01", "backlog"] == 3500
    assert s.loc["2022-01", "current_backlog"] == 1200
    assert s.loc["2024-01", "current_backlog"] == 1100


def test_a_renewal_not_yet_started_is_not_current_backlog():
    s = schedule(Contract(customer="X", start="2022-01", term_months=12, annual_price=1200, renews=True))
    assert s.loc["2022-06", "current_backlog"] == 600
    assert s.loc["2023-01", "current_backlog"] == 1100


def test_a_deal_signed_ahead_of_its_start():
    c = Contract(customer="X", signed="2022-01", start="2022-07", term_months=24, annual_price=1200)
    s = schedule(c)
    assert s.loc["2022-01", "backlog"] == 2400
    assert s.loc["2022-01", "current_backlog"] == 700  # the next 12 months hold July 2022 to January 2023
    assert s.loc["2022-06", "current_backlog"] == 1200


def test_a_ramp_deal_year_by_year():
    ramp = Contract(customer="R", start="2022-01", term_months=36, billing="annual",
                    annual_price=[1_000_000, 2_000_000, 3_000_000])
    years = revlib.annual(schedule(ramp))
    assert years["billings"].tolist() == [1_000_000, 2_000_000, 3_000_000]
    assert years["revenue"].round(2).tolist() == [1_999_999.92, 1_999_999.92, 2_000_000.16]
    assert years["arr"].tolist() == [1_000_000, 2_000_000, 3_000_000]
    assert years["unbilled_revenue"].round(2).tolist() == [999_999.92, 999_999.84, 0]
    assert (ramp.tcv, ramp.acv, ramp.arr) == (6_000_000, 2_000_000, 1_000_000)


def test_a_ramp_billed_quarterly_follows_each_year_price():
    ramp = Contract(customer="R", start="2022-01", term_months=24, billing="quarterly", annual_price=[400, 800])
    invoices = schedule(ramp)["billings"]
    assert invoices[invoices > 0].tolist() == [100] * 4 + [200] * 4


def test_a_ramp_from_a_file():
    (ramp,) = load_contracts(io.StringIO("customer,start,term_months,annual_price\nR,2022-01,30,1000;2000;3000\n"))
    assert ramp.annual_price == (1000, 2000, 3000)
    assert ramp.tcv == 1000 + 2000 + 3000 / 2


def test_calculated_billings_on_a_ramp_part_from_real_billings():
    ramp = Contract(customer="R", start="2022-01", term_months=36, billing="annual",
                    annual_price=[1_000_000, 2_000_000, 3_000_000])
    q = calculated_billings(schedule(ramp))
    assert q.loc["2022Q1", "billings"] == 1_000_000
    assert q.loc["2022Q1", "calculated_billings"] == 1_000_000
    # Q4 2022: three months earned, nothing invoiced, no deferred balance at either end
    assert q.loc["2022Q4", ["revenue", "deferred_revenue_change", "calculated_billings", "billings"]].tolist() == [
        499_999.98, 0, 499_999.98, 0]
    assert q.loc["2022Q4", "gap"] == -499_999.98
    assert (q["gap"] == -q["unbilled_revenue_change"]).all()
    assert round(q["billings"].sum(), 2) == 6_000_000


@settings(max_examples=300)
@given(books)
def test_calculated_billings_tie_out(book):
    s = schedule(book)
    for freq in ("M", "Q", "Y"):
        q = calculated_billings(s, freq)
        assert round(q["billings"].sum(), 2) == round(s["billings"].sum(), 2)
        assert ((q["revenue"] + q["deferred_revenue_change"] - q["unbilled_revenue_change"]).round(2)
                == q["billings"].round(2)).all()


def test_calculated_billings_skip_a_period_whose_opening_is_unknown():
    s = schedule(revlib.examples.nine_clients(), start="2022-06")
    assert calculated_billings(s, "Y").index.astype(str).tolist() == ["2023", "2024"]


def test_calculated_billings_from_reported_figures():
    """A company's figures (in thousands) as an analyst has them: the first year gives only the opening balance."""
    years = pd.period_range("2022", periods=3, freq="Y-JAN")
    reported = pd.DataFrame({"revenue": [892_252, 1_058_581, 1_308_072],
                             "deferred_revenue": [366_020, 520_031, 647_832]}, index=years)
    out = calculated_billings(reported)
    assert out.columns.tolist() == ["revenue", "deferred_revenue_change", "calculated_billings"]
    assert out.index.astype(str).tolist() == ["2023", "2024"] and out.index.freqstr == "Y-JAN"
    assert out["deferred_revenue_change"].tolist() == [154_011, 127_801]
    assert out["calculated_billings"].tolist() == [1_212_592, 1_435_873]
    assert calculated_billings(reported, freq="Y-JAN").equals(out)
    # cents survive: no float drift in the sum
    cents = pd.DataFrame({"revenue": [None, 0.1, 0.2], "deferred_revenue": [0.1, 0.2, 0.3]}, index=years)
    assert calculated_billings(cents)["calculated_billings"].tolist() == [0.2, 0.3]


def test_reported_figures_that_cannot_be_read_say_every_problem():
    years = pd.PeriodIndex(["2022", "2023", "2025"], freq="Y-JAN")
    bad = pd.DataFrame({"revenue": [1.0, float("nan"), 3.0], "deferred_revenue": [1.0, 2.0, "n/a"]}, index=years)
    with pytest.raises(ValueError) as error:
        calculated_billings(bad, freq="Q")
    message = str(error.value)
    for part in ("freq='Q'", "periods 2023 and 2025 are not consecutive", "period 2023, column revenue",
                 "period 2025, column deferred_revenue: 'n/a'"):
        assert part in message, part
    with pytest.raises(ValueError, match="PeriodIndex"):
        calculated_billings(pd.DataFrame({"revenue": [1.0, 2.0], "deferred_revenue": [1.0, 2.0]}))
