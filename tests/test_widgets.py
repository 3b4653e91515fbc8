"""Widgets: set a control's value from Python, as a facilitator would, and check what the room sees."""

import ipywidgets
import pandas as pd
import pytest

from revlib import examples, scenarios, widgets
from revlib.fmt import usd


def test_contract_explorer_follows_every_control():
    w = widgets.contract_explorer()
    assert w.figures["Bookings (TCV)"] == 4600
    w.controls["annual_price"].value = 2400
    assert w.figures["Bookings (TCV)"] == 8200 and "$8,200" in w.summary.value
    w.controls["term_years"].value = 1
    assert w.figures["Bookings (TCV)"] == 3400
    w.controls["services"].value = 0
    assert w.figures["First-month billings"] == 200
    w.controls["billing"].value = "annual"
    assert w.figures["First-month billings"] == 2400
    assert w.figures["Deferred revenue after month 1"] == 2200
    assert w.figures == examples.contract_figures(examples.google(2400, 1, "annual", 0))
    chart = w.chart.value
    assert chart.startswith("<svg") and "Jan 2022: Billings $2,400, Revenue $200, Deferred revenue $2,200" in chart


def test_contract_explorer_redraws_the_chart_when_terms_change():
    w = widgets.contract_explorer()
    before = w.chart.value
    w.controls["billing"].value = "quarterly"
    assert w.chart.value != before


def test_customers_ab_explorer():
    w = widgets.customers_ab_explorer()
    assert (w.figures["Bookings"], w.figures["Billings"], w.figures["Revenue"]) == (30e6, 8.75e6, 8.75e6)
    w.controls["b_billing"].value = "annual"
    assert w.figures["Billings"] == 9e6 and w.figures["Revenue"] == 8.75e6
    w.controls["a_term_years"].value = 2
    expected = examples.fiscal_year_figures(examples.customers_ab(a_term_years=2, b_billing="annual"))
    assert w.figures == expected
    assert usd(expected["Billings"]) in w.summary.value


@pytest.mark.parametrize("scenario", list(scenarios.SCENARIOS))
def test_nine_clients_explorer_scenarios(scenario):
    w = widgets.nine_clients_explorer()
    w.controls["scenario"].value = scenario
    years = examples.book_figures(scenarios.apply(examples.nine_clients(), scenario))
    assert w.figures["Bookings FY2022"] == years.loc["FY2022", "bookings"]
    assert w.figures["Billings FY2023"] == years.loc["FY2023", "billings"]
    assert w.figures["ARR at end of FY2024"] == 4320


def test_nine_clients_explorer_edits_one_client_at_a_time():
    w = widgets.nine_clients_explorer()
    w.controls["client"].value = "Facebook"
    assert (w.values["term_months"], w.values["billing"], w.values["monthly_price"]) == (1, "monthly", 20)
    w.controls["term_months"].value = 12
    book = examples.nine_clients()
    book[1] = book[1].__class__(customer="Facebook", start="2022-02", term_months=12, monthly_price=20, renews=True)
    assert w.figures["Bookings FY2022"] == examples.book_figures(book).loc["FY2022", "bookings"]
    w.controls["client"].value = "Zuora"  # switching shows Zuora's terms and keeps Facebook's edit
    assert (w.values["term_months"], w.values["billing"]) == (24, "quarterly")
    assert w.figures["Bookings FY2022"] == examples.book_figures(book).loc["FY2022", "bookings"]


def test_a_refused_contract_is_shown_not_raised():
    from revlib import Contract

    def compute(price):
        contract = Contract(customer="X", start="2022-01", term_months=12, annual_price=price)
        return widgets.View({"TCV": contract.tcv}, pd.DataFrame(), "<svg></svg>")

    w = widgets.Explorer({"price": ipywidgets.Text("1200")}, compute)
    assert w.figures == {"TCV": 1200} and w.message.value == ""
    w.controls["price"].value = "-5"
    assert "is negative" in w.message.value and w.figures == {"TCV": 1200}, "the room keeps the last good figures"
    w.controls["price"].value = "2400"
    assert w.message.value == "" and w.figures == {"TCV": 2400}


def test_ramp_explorer_prices_and_billing():
    w = widgets.ramp_explorer()
    assert w.figures["Unbilled revenue, end of year 1"] == 999_999.92
    w.set(year_1=2_000_000, year_3=2_000_000)
    assert w.figures["Unbilled revenue, end of year 1"] == 0 and w.figures["TCV"] == 6_000_000
    w.controls["billing"].value = "quarterly"
    assert w.figures == examples.ramp_figures(examples.ramp([2_000_000, 2_000_000, 2_000_000], "quarterly"))
    assert "$6,000,000" in w.summary.value


def test_book_explorer_segments_and_fiscal_years():
    from revlib import load_contracts, report

    book = load_contracts(examples.DATA / "sample_book.csv")
    w = widgets.book_explorer(book, end="2024-12")
    whole = report.build(book, end="2024-12")
    assert w.figures["ARR at year end, FY2024"] == whole.bridge.loc["FY2024", "ending_arr"]
    w.controls["segment"].value = "APAC"
    apac = report.build(book, segment="APAC", end="2024-12")
    assert w.figures["ARR churned, FY2024"] == apac.bridge.loc["FY2024", "churn"]
    w.controls["fiscal_year_start"].value = 7
    shifted = report.build(book, fiscal_year_start=7, segment="APAC", end="2024-12")
    last = shifted.yearly.index[-1]
    assert w.figures[f"Bookings, {last}"] == shifted.yearly.loc[last, "bookings"]


def test_the_amendment_explorer_moves_every_figure():
    from revlib import Contract, ContractError

    book = examples.nine_clients_year2()
    w = widgets.amendment_explorer(book)
    assert w.figures["Net new bookings"] == 272 and w.figures["NRR"] == "89.2%"
    w.controls["client"].value = "Ola"
    assert w.controls["monthly_price"].value == 40, "a client picked: the slider shows its price in June"
    w.set(monthly_price=100, effective="2023-07")
    # in Ola's three-month term from June: $60 more a month for July and August, and $720 more ARR
    raised = [*book, Contract(customer="Ola", start="2023-07", monthly_price=100, amends="N-09")]
    assert w.figures == {k: (v if k not in ("NRR", "GRR", "Logo churn", "Quick ratio") else w.figures[k])
                         for k, v in examples.year_figures(raised).items()}
    assert w.figures["Expansion bookings"] == 512 + 120 and w.figures["ARR expansion"] == 312 + 720
    assert float(w.figures["Quick ratio"]) > 1
    assert "Net new bookings" in w.chart.value and not w.message.value
    w.set(client="Blue Apron", effective="2023-03")  # a second change to its contract in March: refused
    assert "one amendment a month" in w.message.value
    w.set(client="Uber", effective="2023-10", monthly_price=10)  # cancelled in September: revlib says so
    assert "is cancelled (from 2023-09" in w.message.value
    with pytest.raises(ContractError, match="Ola has no contract in service in 2022-06"):
        widgets.amendment(book, "Ola", "2022-06", 10)  # before Ola's first contract starts


def test_the_workshop_app_presets_billing_and_own_contract():
    app = widgets.contract_app()
    assert app.figures == widgets.app_figures(widgets.app_book("google"))
    app.controls["preset"].value = "ab"
    assert app.controls["annual_price"].disabled
    app.controls["billing"].value = "annual"
    assert app.figures["Deferred revenue after month 1"] == 5_500_000
    app.controls["preset"].value = "custom"
    app.set(customers=3, annual_price=12_000, term_months=24, services=0, ramp=50, billing="annual")
    book = widgets.app_book("custom", "annual", customers=3, annual_price=12_000, term_months=24, services=0,
                            renews=False, ramp=50)
    assert app.figures == widgets.app_figures(book)
    assert app.figures["Unbilled revenue after month 12"] > 0 and not app.controls["annual_price"].disabled
    app.controls["preset"].value = "google"
    assert app.values["annual_price"] == 1200 and app.figures["Bookings (TCV)"] == 4600


def test_exercises_say_right_or_give_a_hint_without_the_answer():
    from revlib import exercises

    assert len(exercises.WORKSHOP) >= 10
    for key in exercises.WORKSHOP:
        right = exercises.answer(key)
        assert exercises.check(key, right) and exercises.check(key, f"${right:,.2f}")
        wrong = exercises.check(key, right + 1)
        assert not wrong and "Hint" in wrong.message
        assert usd(right) not in wrong.message and usd(right + 1) not in wrong.message
    assert not exercises.check("ex.tcv", ...) and "Type your answer" in repr(exercises.check("ex.tcv", ...))
    assert not exercises.check("ex.tcv", "lots")


def test_the_live_chart_draws_and_names_every_months_figures():
    """The SVG chart's steps sit at the month's amounts on one scale, and hovering a month names its figures."""
    import re

    import numpy as np

    from revlib import schedule, svg

    s = schedule(examples.ramp([3_000_000, 2_000_000, 1_000_000], "quarterly"))
    chart = svg.monthly(s, columns=("billings", "deferred_revenue"))
    tips = re.findall(r"<title>(\w{3} \d{4}): ([^<]*)</title>", chart)
    assert [month for month, _ in tips] == [m.strftime("%b %Y") for m in s.index]
    assert [text for _, text in tips] == [f"Billings {usd(b)}, Deferred revenue {usd(d)}"
                                          for b, d in zip(s["billings"], s["deferred_revenue"])]
    path = re.search(r"data-name='Billings' d='M([^']*)'", chart).group(1)
    heights = np.array([float(point.split(",")[1]) for point in path.split("L")])[::2]
    values = s["billings"].to_numpy()
    slope, offset = np.polyfit(values, heights, 1)
    assert slope < 0 and np.abs(slope * values + offset - heights).max() < 0.1, "one linear scale, higher is more"


def test_choosing_google_again_resets_the_terms_before_anything_is_shown():
    app = widgets.contract_app()
    app.controls["preset"].value = "custom"
    app.set(annual_price=6_000, term_months=12, billing="annual")
    shown = []
    app.chart.observe(lambda change: shown.append(dict(app.figures)), names="value")
    app.controls["preset"].value = "google"
    assert shown == [widgets.app_figures(widgets.app_book("google"))], "one refresh, on Google's own terms"
