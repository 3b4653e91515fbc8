"""Contract files: every kind of bad input is refused, by line and column, and nothing is returned."""

import io

import pandas as pd
import pytest

from revlib import Contract, ContractError, load_contracts

HEADER = "customer,start,term_months,annual_price,monthly_price,billing,services,renews,signed,contract_id"
GOOD = "Google,2022-01,36,1200,,monthly,1000,false,,G-1"


def refused(*lines, header=HEADER):
    """Load a file made of these lines; return the problems it was refused with."""
    text = "\n".join([header, *lines]) + "\n"
    with pytest.raises(ContractError) as caught:
        load_contracts(io.StringIO(text))
    return caught.value.problems


def test_a_good_file_loads():
    (contract,) = load_contracts(io.StringIO(HEADER + "\n" + GOOD + "\n"))
    assert contract == Contract(customer="Google", start="2022-01", term_months=36, annual_price=1200,
                                services=1000, contract_id="G-1")


@pytest.mark.parametrize(
    "row, column, words",
    [
        (",2022-01,36,1200,,monthly,0,false,,X", "customer", "is empty"),
        ("Acme,Jan 2022,36,1200,,monthly,0,false,,X", "start", "'Jan 2022' is not a month"),
        ("Acme,2022-13,36,1200,,monthly,0,false,,X", "start", "'2022-13' is not a month"),
        ("Acme,2022-01,36.5,1200,,monthly,0,false,,X", "term_months", "not a whole number of months"),
        ("Acme,2022-01,0,1200,,monthly,0,false,,X", "term_months", "below 1 month"),
        ("Acme,2022-01,twelve,1200,,monthly,0,false,,X", "term_months", "not a number of months"),
        ("Acme,2022-01,12,1200,100,monthly,0,false,,X", "annual_price", "both annual_price and monthly_price"),
        ("Acme,2022-01,12,,,monthly,0,false,,X", "annual_price", "neither annual_price nor monthly_price"),
        ("Acme,2022-01,12,-1200,,monthly,0,false,,X", "annual_price", "'-1200' is negative"),
        ("Acme,2022-01,12,lots,,monthly,0,false,,X", "annual_price", "'lots' is not an amount of money"),
        ("Acme,2022-01,12,1200,,monthly,-5,false,,X", "services", "'-5' is negative"),
        ("Acme,2022-01,12,1200,,monthly,12.345,false,,X", "services", "fraction of a cent"),
        ("Acme,2022-01,12,1200,,yearly,0,false,,X", "billing",
         "'yearly' is not one of monthly, quarterly, semiannual, annual, upfront"),
        ("Acme,2022-01,12,1200,,monthly,0,maybe,,X", "renews", "'maybe' is not true or false"),
        ("Acme,2022-03,12,1200,,monthly,0,false,2022-05,X", "signed", "2022-05 is after start 2022-03"),
        ("Acme,2022-01,24,100;200;300,,monthly,0,false,,X", "annual_price", "3 yearly prices for a 24-month term"),
    ],
)
def test_each_bad_cell_is_named_by_line_and_column(row, column, words):
    problems = refused(GOOD, row)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"line 3, column {column}: ")
    assert words in problems[0]


def test_every_problem_is_listed_at_once():
    problems = refused(
        GOOD,
        ",2022-01,12,1200,,weekly,0,false,,X",
        "Acme,2022-99,12,1200,,monthly,0,false,,Y",
        "Acme,2022-01,12,1200,,monthly,0,false,,G-1",
    )
    assert problems == [
        "line 3, column customer: is empty",
        "line 3, column billing: 'weekly' is not one of monthly, quarterly, semiannual, annual, upfront",
        "line 4, column start: '2022-99' is not a month (write it as YYYY-MM)",
        "line 5, column contract_id: 'G-1' repeats line 2",
    ]


def test_missing_and_unknown_columns_are_named_on_line_1():
    problems = refused("Google,2022-01,1200,monthly,yes", header="customer,start,annual_price,billng,renews")
    assert "line 1: missing column term_months" in problems
    assert any(p.startswith("line 1, column billng: unknown column") for p in problems)
    assert not any(p.startswith("line 2") for p in problems), "a missing column is reported once, on line 1"


def test_a_price_column_is_required():
    problems = refused("Google,2022-01,12", header="customer,start,term_months")
    assert problems == ["line 1: missing column annual_price or monthly_price"]


def test_a_repeated_row_is_refused_when_there_are_no_contract_ids():
    header = "customer,start,term_months,annual_price"
    problems = refused("A,2022-01,12,100", "B,2022-01,12,100", "A,2022-01,12,100", header=header)
    assert len(problems) == 1
    assert problems[0].startswith("line 4: repeats line 2 exactly")


def test_a_row_with_too_many_cells():
    problems = refused("A,2022-01,12,100,extra", header="customer,start,term_months,annual_price")
    assert problems == ["line 2: 5 cells, but the header names 4 columns"]


def test_an_empty_file_and_a_header_only_file():
    with pytest.raises(ContractError, match="empty"):
        load_contracts(io.StringIO(""))
    with pytest.raises(ContractError, match="no contracts"):
        load_contracts(io.StringIO(HEADER + "\n"))


def test_blank_lines_are_skipped_but_line_numbers_stay_true():
    problems = refused(GOOD, "", ",,,,,,,,,", "Acme,2022-01,12,1200,,weekly,0,false,,X")
    assert problems[0].startswith("line 5, column billing")


def test_spreadsheet_conventions_are_read():
    text = "\ufeffcustomer,start,term_months,annual_price,renews,billing\n\"Acme, Inc.\",2022-01-15,12,\"$1,200.50\",Yes,Quarterly\n"
    (c,) = load_contracts(io.StringIO(text))
    assert (c.customer, str(c.start), c.annual_price, c.renews, c.billing) == ("Acme, Inc.", "2022-01-15", 1200.5, True,
                                                                                "quarterly")


def test_a_dataframe_is_checked_the_same_way():
    frame = pd.DataFrame({"customer": ["A", "B"], "start": ["2022-01", "2022-02"], "term_months": [12, 0],
                          "monthly_price": [100.0, float("nan")]})
    with pytest.raises(ContractError) as caught:
        load_contracts(frame)
    assert caught.value.problems == [
        "line 3, column term_months: '0' is below 1 month",
        "line 3, column monthly_price: neither annual_price nor monthly_price is given",
    ]


def test_the_error_is_a_value_error_and_reads_well():
    with pytest.raises(ValueError) as caught:
        load_contracts(io.StringIO(HEADER + "\nAcme,2022-01,12,1200,,yearly,0,false,,X\n"))
    assert str(caught.value) == (
        "1 problem:\n  line 2, column billing: 'yearly' is not one of monthly, quarterly, semiannual, annual, upfront"
    )


def test_contract_raises_the_same_errors_without_a_line():
    with pytest.raises(ContractError) as caught:
        Contract(customer="", start="2022-01", term_months=0, annual_price=1, monthly_price=1)
    assert caught.value.problems == [
        "column customer: is empty",
        "column term_months: '0' is below 1 month",
        "column annual_price: both annual_price and monthly_price are given; give one",
    ]


def test_a_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("customer,start,term_months,annual_price\nCaf\xe9,2022-01,12,100\n".encode("latin-1"))
    with pytest.raises(ContractError, match="not UTF-8"):
        load_contracts(path)
