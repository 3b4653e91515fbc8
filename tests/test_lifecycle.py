"""The contract lifecycle (issue 14): amendments (upgrades, downgrades, cancellations) and renewal contracts,
with worked numbers; the loaders' refusals; net bookings by kind."""

from __future__ import annotations

import io

import pandas as pd
import pytest

import revlib
from revlib import Contract, ContractError, load_book, load_contracts, net_bookings, schedule
from revlib.engine import Book

COLUMNS = ["bookings", "billings", "revenue", "deferred_revenue", "backlog", "mrr", "arr", "customers"]


def monthly(book, *months):
    frame = schedule(book, start="2024-01", end="2025-01")
    return frame.loc[list(months), COLUMNS]


def original(billing="monthly", **terms):
    return Contract(customer="Acme", start="2024-01", term_months=12, annual_price=1200, billing=billing,
                    contract_id="A-1", **terms)


def test_an_upgrade_billed_monthly_books_the_change_and_bills_the_new_price():
    book = [original(), Contract(customer="Acme", amends="A-1", start="2024-07", annual_price=2400)]
    s = monthly(book, "2024-06", "2024-07", "2024-08", "2025-01")
    assert s.loc["2024-06"].tolist() == [0, 100, 100, 0, 600, 100, 1200, 1]
    assert s.loc["2024-07"].tolist() == [600, 200, 200, 0, 1000, 200, 2400, 1]  # +$100 a month x 6
    assert s.loc["2024-08"].tolist() == [0, 200, 200, 0, 800, 200, 2400, 1]
    assert s.loc["2025-01"].tolist() == [0, 0, 0, 0, 0, 0, 0, 0]
    whole = schedule(book, start="2024-01", end="2025-01")
    assert whole["bookings"].sum() == whole["billings"].sum() == whole["revenue"].sum() == 1800


def test_an_upgrade_billed_annually_is_invoiced_for_the_rest_of_the_year():
    book = [original("annual"), Contract(customer="Acme", amends="A-1", start="2024-07", annual_price=2400)]
    s = monthly(book, "2024-01", "2024-06", "2024-07", "2024-08")
    assert s["billings"].tolist() == [1200, 0, 600, 0]  # $1,200 in advance; $600 for July to December's rise
    assert s.loc["2024-07", "bookings"] == 600
    assert s.loc["2024-07", "deferred_revenue"] == 1000  # billed $1,800, earned $800
    whole = schedule(book, start="2024-01", end="2025-01")
    assert whole["deferred_revenue"].iloc[-1] == 0 and whole["billings"].sum() == 1800


def test_a_downgrade_credits_the_difference_and_books_a_negative_amount():
    book = [original("annual"), Contract(customer="Acme", amends="A-1", start="2024-10", annual_price=600)]
    s = monthly(book, "2024-10", "2024-11")
    assert s.loc["2024-10", ["bookings", "billings", "revenue", "mrr", "arr"]].tolist() == [-150, -150, 50, 50, 600]
    assert s.loc["2024-11", "billings"] == 0


def test_a_cancellation_credits_what_was_invoiced_ahead_and_stops_everything():
    book = [original("annual"), Contract(customer="Acme", amends="A-1", start="2024-07", annual_price=0)]
    s = monthly(book, "2024-06", "2024-07", "2024-12")
    assert s.loc["2024-06"].tolist() == [0, 0, 100, 600, 600, 100, 1200, 1]
    assert s.loc["2024-07"].tolist() == [-600, -600, 0, 0, 0, 0, 0, 0]  # a $600 credit note; customers drop
    assert s.loc["2024-12"].tolist() == [0, 0, 0, 0, 0, 0, 0, 0]
    nb = net_bookings(book, start="2024-01", end="2024-12")
    assert nb.loc["2024-07", "churn"] == -600 and nb["churn"].sum() == -600


def test_a_cancellation_signed_before_it_takes_effect_keeps_backlog_at_deferred_revenue():
    book = [original("annual"), Contract(customer="Acme", amends="A-1", start="2024-07", signed="2024-03",
                                         annual_price=0)]
    s = monthly(book, "2024-03", "2024-06", "2024-07")
    assert s.loc["2024-03", ["bookings", "billings", "deferred_revenue", "backlog"]].tolist() == [-600, 0, 900, 900]
    assert s.loc["2024-06", ["deferred_revenue", "backlog"]].tolist() == [600, 600]
    assert s.loc["2024-07", ["billings", "deferred_revenue", "backlog"]].tolist() == [-600, 0, 0]


def test_a_renewing_contract_amended_renews_at_the_new_price():
    book = [original(renews=True), Contract(customer="Acme", amends="A-1", start="2024-07", monthly_price=150)]
    s = schedule(book, start="2024-01", end="2025-02")
    assert s.loc["2025-01", ["bookings", "renewal_bookings", "billings", "revenue", "arr"]].tolist() == [
        1800, 1800, 150, 150, 1800]


def test_a_notice_of_non_renewal_ends_the_contract_at_its_term():
    book = [original(renews=True), Contract(customer="Acme", amends="A-1", start="2024-11", annual_price=1200,
                                            renews=False)]
    s = schedule(book, start="2024-01", end="2025-03")
    assert s.loc["2024-12", "arr"] == 1200 and s.loc["2025-01", "arr"] == 0
    assert s["bookings"].sum() == s["revenue"].sum() == 1200


def test_a_renewal_contract_stops_the_renewed_contract_and_books_as_a_renewal():
    book = [original(renews=True),
            Contract(customer="Acme", renewal_of="A-1", start="2025-01", term_months=12, annual_price=1500)]
    s = schedule(book, start="2024-01", end="2025-12")
    # its renewal part, $1,200 (the renewed contract's value over the same 12 months), is a renewal booking
    assert s.loc["2025-01", ["bookings", "renewal_bookings", "arr"]].tolist() == [1500, 1200, 1500]
    nb = net_bookings(book, freq="Y", start="2024-01", end="2025-12")
    assert nb.loc["2025", ["new", "expansion", "renewal", "contraction"]].tolist() == [0, 300, 1200, 0]
    lower = [original(), Contract(customer="Acme", renewal_of="A-1", start="2025-01", term_months=24,
                                  annual_price=1000)]
    nb = net_bookings(lower, freq="Y", start="2024-01", end="2025-12")
    assert nb.loc["2025", ["renewal", "contraction", "net_new_bookings"]].tolist() == [2400, -400, -400]


def test_renewal_bookings_and_net_bookings_renewal_agree_for_renewal_contracts():
    # $1,200 a year renewed by a contract: 6 months at $1,800 a year, signed a month early (2024-12).
    book = [original(renews=True),
            Contract(customer="Acme", renewal_of="A-1", start="2025-01", signed="2024-12", term_months=6,
                     annual_price=1800, services=100)]
    s = schedule(book, start="2024-01", end="2025-12")
    nb = net_bookings(book, start="2024-01", end="2025-12")
    assert s.loc["2024-12", ["bookings", "renewal_bookings"]].tolist() == [1000, 600]  # 6 x $100 renews
    assert (nb["renewal"] == s["renewal_bookings"]).all()
    assert nb.loc["2024-12", ["renewal", "expansion", "contraction"]].tolist() == [600, 400, 0]  # $300 + $100 fee
    assert (nb[["new", "expansion", "renewal", "contraction", "churn"]].sum(axis=1) == s["bookings"]).all()


def renewing(price, **terms):
    """Acme's 3-month contract at $1,200 a year from 2024-01, renewing; amended from 2024-07 (a renewed term's
    first month: its terms are 2024-01, 2024-04, 2024-07, ...)."""
    return [Contract(customer="Acme", start="2024-01", term_months=3, annual_price=1200, renews=True,
                     contract_id="A-1"),
            Contract(customer="Acme", amends="A-1", start="2024-07", annual_price=price, **terms)]


def test_an_amendment_in_a_renewed_terms_first_month_books_the_renewal_and_the_change():
    s = schedule(renewing(2400), start="2024-01", end="2024-12")
    nb = net_bookings(renewing(2400), start="2024-01", end="2024-12")
    # The term from July renews at $100 a month ($300) and the upgrade adds 3 x $100 more: $600 booked in July.
    assert s.loc["2024-07", ["bookings", "renewal_bookings", "arr"]].tolist() == [600, 300, 2400]
    assert nb.loc["2024-07", ["renewal", "expansion", "contraction", "churn"]].tolist() == [300, 300, 0, 0]
    down = net_bookings(renewing(600), start="2024-01", end="2024-12")  # 3 x ($50 - $100)
    assert down.loc["2024-07", ["renewal", "expansion", "contraction", "churn"]].tolist() == [300, 0, -150, 0]
    for book in (renewing(2400), renewing(600), renewing(0)):
        s, nb = schedule(book, start="2024-01", end="2024-12"), net_bookings(book, start="2024-01", end="2024-12")
        assert (nb[["new", "expansion", "renewal", "contraction", "churn"]].sum(axis=1) == s["bookings"]).all()
        assert (nb["renewal"] == s["renewal_bookings"]).all()


def test_a_cancellation_in_a_renewed_terms_first_month_books_the_renewal_then_churns_it():
    book = renewing(0, signed="2024-05")  # signed in May, effective with the term from July
    s = schedule(book, start="2024-01", end="2024-12")
    nb = net_bookings(book, start="2024-01", end="2024-12")
    # The old price's renewal of July's term ($300) is booked when the change is signed, and churned: net 0.
    assert s.loc["2024-05", ["bookings", "renewal_bookings"]].tolist() == [0, 300]
    assert nb.loc["2024-05", ["renewal", "churn"]].tolist() == [300, -300]
    assert s.loc["2024-07", ["bookings", "billings", "revenue", "arr", "customers"]].tolist() == [0, 0, 0, 0, 0]
    assert s.loc["2024-06", "arr"] == 1200 and s["bookings"].sum() == s["revenue"].sum() == 600


def test_amendments_and_renewal_contracts_are_scheduled_by_day():
    """The same chain under both conventions: from the 1st, by day, bookings and billings fall in the same months
    and tie out; an amendment on another day is honoured by day and refused by month."""
    book = [original(), Contract(customer="Acme", amends="A-1", start="2024-07", annual_price=2400,
                                 contract_id="A-2"),
            Contract(customer="Acme", renewal_of="A-1", start="2025-01", term_months=12, annual_price=1200,
                     contract_id="A-3")]
    by_day, by_month = schedule(book, convention="daily"), schedule(book)
    same = ["bookings", "renewal_bookings", "billings", "mrr", "arr", "customers"]
    pd.testing.assert_frame_equal(by_day[same], by_month[same])
    assert by_day.loc["2024-07", "revenue"] == 200 and by_day.loc["2024-02", "revenue"] == 100
    csv = "customer,start,term_months,annual_price,contract_id,amends\nAcme,2024-01,12,1200,A-1,\n" \
          "Acme,2024-07-18,,2400,A-2,A-1\n"
    s = schedule(load_book(io.StringIO(csv)), convention="daily")
    # From 18 July, 14 of July's 31 days: $200 x 14/31 ($90.32) invoiced, $100 x 14/31 ($45.16) credited; and
    # 5 months at $100 more booked
    assert s.loc["2024-07", ["bookings", "billings"]].tolist() == [545.16, 145.16]
    # Under the monthly convention, an amendment effective on a day other than the 1st is refused like any day.
    with pytest.raises(ContractError, match=r"line 3, column start: 2024-07-18 is not the 1st of a month"):
        schedule(load_contracts(io.StringIO(csv)))


def test_amendments_of_amendments_apply_in_order_and_tie_out():
    book = [original("quarterly"),
            Contract(customer="Acme", amends="A-1", start="2024-05", annual_price=2400, contract_id="A-2"),
            Contract(customer="Acme", amends="A-2", start="2024-09", annual_price=600, services=100)]
    s = schedule(book, start="2024-01", end="2025-01")
    assert s["arr"].loc["2024-04":"2024-09"].tolist() == [1200, 2400, 2400, 2400, 2400, 600]
    assert round(s["bookings"].sum(), 2) == round(s["billings"].sum(), 2) == round(s["revenue"].sum(), 2)
    nb = net_bookings(book, start="2024-01", end="2025-01")
    assert nb.loc["2024-05", "expansion"] == 800 and nb.loc["2024-09", "contraction"] == -500
    by_contract = schedule(book, by="contract")
    assert by_contract.index.get_level_values(0).unique().tolist() == ["A-1"]


CSV = """customer,start,term_months,annual_price,billing,contract_id,amends,renewal_of
Acme,2024-01,12,1200,annual,A-1,,
Acme,2024-07,,2400,,,A-1,
Bolt,2024-01,12,1200,monthly,B-1,,
Bolt,2025-01,12,1500,monthly,B-2,,B-1
Cora,2024-01,12,1200,annual,C-1,,
Cora,2024-07,,0,,,C-1,
"""


def test_both_loaders_read_links_and_give_the_same_schedule():
    contracts = load_contracts(io.StringIO(CSV))
    assert contracts[1].amends == "A-1" and contracts[1].term_months is None and contracts[1].billing is None
    fast = load_book(io.StringIO(CSV))
    assert fast.amends.tolist() == [-1, 0, -1, -1, -1, 4] and fast.renewal_of.tolist() == [-1, -1, -1, 2, -1, -1]
    assert fast.billing[1] == "annual" and fast.term[1] == 6
    slow = Book.of(contracts)
    for by in (None, "customer", "contract"):
        assert schedule(fast, by=by).equals(schedule(slow, by=by))


BAD = """customer,start,term_months,annual_price,billing,contract_id,amends,renewal_of
A,2024-01,12,1200,annual,A1,,
A,2025-07,,2400,,,A1,
B,2024-01,12,1200,monthly,B1,,
B,2025-02,12,1500,monthly,B2,,B1
C,2024-01,12,1200,annual,C1,,
D,2024-07,,0,,,C1,
C,2024-07,5,0,,,C1,
C,2024-07,6,0,,C3,C1,
E,2024-07,6,0,,E1,E2,
E,2024-07,6,0,,E2,E1,
E,2024-07,6,0,,E3,X,
F,2024-01,12,1200,,F1,,
F,2024-03,,100,,F2,F1,F1
"""


def test_bad_links_are_refused_by_line_and_column_the_same_way_by_both_loaders():
    with pytest.raises(ContractError) as slow:
        load_contracts(io.StringIO(BAD))
    with pytest.raises(ContractError) as fast:
        load_book(io.StringIO(BAD))
    assert fast.value.problems == slow.value.problems
    assert slow.value.problems == [
        "line 14, column renewal_of: is given with amends; a row either amends a contract or renews one",
        "line 3, column start: 2025-07 is after the term of 'A1' ends (2024-12; it does not renew); an amendment "
        "takes effect within the term it amends",
        "line 5, column start: 2025-02 is not the month after the term of 'B1' ends (2024-12); a renewal starts in "
        "2025-01",
        "line 7, column amends: 'C1' is a contract of 'C', not of 'D'; a contract is amended or renewed by its own "
        "customer's rows",
        "line 8, column term_months: 5 months from 2024-07 end in 2024-11, but the term of 'C1' ends in 2024-12; "
        "leave term_months empty (or give 6)",
        "line 9, column start: 2024-07 is also the month line 8 amends 'C1'; one amendment a month: put both "
        "changes on one row",
        "line 10, column amends: the amendments loop ('E1' amends 'E2' amends 'E1'); an amendment names the "
        "contract it changes",
        "line 11, column amends: the amendments loop ('E2' amends 'E1' amends 'E2'); an amendment names the "
        "contract it changes",
        "line 12, column amends: 'X' is not the contract_id of any contract in the file",
    ]


def test_a_book_of_contracts_is_refused_naming_each_contract():
    with pytest.raises(ContractError) as error:
        schedule([original(), Contract(customer="Acme", amends="A-9", start="2024-07", annual_price=0)])
    assert error.value.problems == [
        "contract #2, column amends: 'A-9' is not the contract_id of any contract in the book"]
    with pytest.raises(ContractError):
        schedule([original(), Contract(customer="Acme", amends="A-1", start="2023-12", annual_price=0)])


def test_an_amendment_is_checked_field_by_field_when_made():
    up = Contract(customer="Acme", amends="A-1", start="2024-07", annual_price=[1200, 2400])
    assert up.is_amendment and up.term_months is None and up.renews is None
    with pytest.raises(ValueError, match="depends on the contract it amends"):
        up.tcv
    with pytest.raises(ContractError, match="column renewal_of: is given with amends"):
        Contract(customer="Acme", amends="A-1", renewal_of="A-1", start="2024-07", annual_price=1)
    assert Contract(customer="Acme", start="2024-01", term_months=12, annual_price=1).billing == "monthly"


def test_an_amendment_as_a_ramp_reads_the_years_of_the_amended_term():
    book = [Contract(customer="Acme", start="2024-01", term_months=24, annual_price=1200, contract_id="A-1"),
            Contract(customer="Acme", amends="A-1", start="2024-07", annual_price=[1200, 2400])]
    s = schedule(book, start="2024-01", end="2025-12")
    assert s.loc["2024-07", "arr"] == 1200 and s.loc["2025-01", "arr"] == 2400
    assert round(s["bookings"].sum(), 2) == round(s["revenue"].sum(), 2) == round(s["billings"].sum(), 2) == 3600
    with pytest.raises(ContractError, match="3 yearly prices, but the term of 'A-1' \\(24 months\\) has 2"):
        schedule([book[0], Contract(customer="Acme", amends="A-1", start="2024-07", annual_price=[1, 2, 3])])


def test_books_without_links_schedule_as_before():
    book = revlib.examples.nine_clients()
    assert not Book.of(book).has_links
