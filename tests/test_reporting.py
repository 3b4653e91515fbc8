"""RevOps reporting: the ARR bridge, net bookings, the sample book and the report command."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import revlib
import revlib.report
from reference import book_months
from revlib import Contract, arr_bridge, load_contracts, net_bookings, schedule
from revlib.bridge import BRIDGE, MOVEMENTS
from strategies import books, books_with_amendments, books_with_ramps, dated_books

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample_book.csv"


def c(customer, start, term, price, **terms):
    return Contract(customer=customer, start=start, term_months=term, monthly_price=price, **terms)


def test_each_kind_of_arr_movement():
    book = [
        c("New", "2022-01", 12, 100),
        c("Grows", "2022-01", 12, 100), c("Grows", "2022-04", 9, 50),
        c("Shrinks", "2022-01", 3, 100), c("Shrinks", "2022-04", 9, 60),
        c("Leaves", "2022-01", 6, 100),
        c("Returns", "2022-01", 2, 100), c("Returns", "2022-06", 7, 80),
    ]
    moves = arr_bridge(schedule(book, by="customer", end="2022-12"), freq="M", per_customer=True)
    assert moves.loc[("2022-01", "New"), "new"] == 1200
    assert moves.loc[("2022-04", "Grows"), "expansion"] == 600
    assert moves.loc[("2022-04", "Shrinks"), "contraction"] == -480
    assert moves.loc[("2022-07", "Leaves"), "churn"] == -1200
    assert moves.loc[("2022-03", "Returns"), "churn"] == -1200
    assert moves.loc[("2022-06", "Returns"), "reactivation"] == 960
    year = arr_bridge(schedule(book, by="customer", end="2022-12"), freq="Y").loc["2022"]
    assert year.to_dict() == {"starting_arr": 0, "new": 6000, "expansion": 600, "ramp": 0, "contraction": -480,
                              "churn": -2400, "reactivation": 960, "ending_arr": 4680}


def test_ramp_steps_are_kept_apart_from_upsell():
    ramp = dict(customer="R", start="2022-01", term_months=36, annual_price=[1200, 2400, 1800], renews=True)
    book = [Contract(**ramp), Contract(customer="R", start="2023-01", term_months=12, annual_price=600),
            Contract(customer="S", start="2022-01", term_months=24, annual_price=[0, 1200])]
    per = schedule(book, by="customer", end="2025-12")
    assert per.loc[("R", "2023-01"), "ramp_step"] == 1200 and per.loc[("R", "2024-01"), "ramp_step"] == -600
    assert per.loc[("R", "2025-01"), "ramp_step"] == 1200 - 1800  # the renewal steps back to the first year's price
    moves = arr_bridge(per, freq="M", per_customer=True)
    # the step up and the new contract in one month: the step is ramp, the rest expansion
    assert moves.loc[("2023-01", "R"), ["expansion", "ramp", "contraction"]].tolist() == [600, 1200, 0]
    # a step down while another contract ends: the step is ramp, the rest contraction
    assert moves.loc[("2024-01", "R"), ["expansion", "ramp", "contraction"]].tolist() == [0, -600, -600]
    assert moves.loc[("2025-01", "R"), ["expansion", "ramp", "contraction"]].tolist() == [0, -600, 0]
    # a customer whose first year was free: its first ARR is new, not a ramp step
    assert moves.loc[("2023-01", "S"), ["new", "ramp"]].tolist() == [1200, 0]
    assert per.loc[("S", "2023-01"), "ramp_step"] == 1200
    year = arr_bridge(per, freq="Y").loc["2024"]
    assert year[list(BRIDGE)].tolist() == [4200, 0, 0, -600, -600, -1200, 0, 1800]


def test_a_bridge_needs_the_ramp_steps():
    per = schedule([c("A", "2022-01", 12, 100)], by="customer")
    with pytest.raises(ValueError, match="ramp_step"):
        arr_bridge(per.drop(columns="ramp_step"))


@settings(max_examples=300, deadline=None)
@given(st.one_of(books_with_ramps, books_with_amendments()), st.integers(0, 14))
def test_ramp_is_the_reference_yearly_price_steps(book, shift):
    """Month by month and customer by customer, ``ramp`` is the price steps of the reference's ramp deals
    (a contract year's price less the year before's, and back to the first at a renewal) wherever the
    customer has ARR before and after; everything else in the change is expansion or contraction."""
    first = min(x.signed for x in book) + shift
    last = max(x.start + (x.term_months or 0) for x in book) + 14
    per = schedule(book, by="customer", start=first, end=last)
    moves = (arr_bridge(per, freq="M", per_customer=True) * 100).round().astype("int64")
    got = {(period.ordinal, name): row for (period, name), row in moves.iterrows()}
    nothing = dict.fromkeys(BRIDGE, 0)
    for name in sorted({x.customer for x in book}):
        months = book_months([x for x in book if x.customer == name], first.ordinal, last.ordinal)
        for m in range(first.ordinal + 1, last.ordinal + 1):
            had, has = months[m - 1]["arr"] > 0, months[m]["arr"] > 0
            want = months[m]["ramp_step"] if had and has else 0
            row = got.get((m, name), nothing)
            assert row["ramp"] == want, (name, m)
            rest = months[m]["arr"] - months[m - 1]["arr"] - want
            if had and has:
                assert (row["expansion"], row["contraction"]) == (max(rest, 0), min(rest, 0)), (name, m)


def test_a_bridge_from_a_later_month_starts_from_that_months_arr():
    book = [c("A", "2022-01", 24, 100)]
    bridge = arr_bridge(schedule(book, by="customer", start="2022-06", end="2022-12"), freq="M")
    assert bridge["starting_arr"].iloc[0] == 1200 and bridge["new"].sum() == 0


def test_arr_bridge_needs_a_split_schedule():
    with pytest.raises(ValueError, match="by='customer'"):
        arr_bridge(schedule([c("A", "2022-01", 12, 100)]))


@settings(max_examples=300, deadline=None)
@given(st.one_of(books, books_with_ramps, books_with_amendments()), st.sampled_from(["M", "Q", "Y"]))
def test_the_bridge_ties_out_and_the_customers_add_up(book, freq):
    per = schedule(book, by="customer")
    bridge = arr_bridge(per, freq)
    movements = bridge[list(MOVEMENTS)].sum(axis=1)
    assert ((bridge["starting_arr"] + movements).round(2) == bridge["ending_arr"]).all()
    assert (bridge["starting_arr"].iloc[1:].to_numpy() == bridge["ending_arr"].iloc[:-1].to_numpy()).all()
    arr = schedule(book)["arr"]
    assert bridge["ending_arr"].iloc[-1] == arr.iloc[-1]
    summed = arr_bridge(per, freq, per_customer=True).groupby(level="period").sum()
    pd.testing.assert_frame_equal(summed.round(2), bridge.loc[summed.index].round(2))


@settings(max_examples=300)
@given(books)
def test_gross_bookings_are_the_schedules_bookings(book):
    split = net_bookings(book, freq="Q")
    s = schedule(book)
    by_quarter = s["bookings"].groupby(s.index.asfreq("Q")).sum()
    assert (split["gross_bookings"].round(2) == by_quarter.round(2)).all()
    assert (split["renewal"].round(2) == s["renewal_bookings"].groupby(s.index.asfreq("Q")).sum().round(2)).all()
    customers = {x.customer for x in book}
    assert (split["new"] > 0).sum() <= len(customers)


@settings(max_examples=300, deadline=None)
@given(st.one_of(books, books_with_amendments()), st.integers(0, 40))
def test_arr_traced_to_contract_fields_matches_the_schedule(book, offset):
    s = schedule(book)
    month = s.index[min(offset, len(s) - 1)]
    assert round(revlib.report.arr_trace(book, month)["arr"].sum(), 2) == s.loc[month, "arr"]


def test_net_bookings_kinds():
    book = [c("A", "2022-01", 12, 100, renews=True), c("A", "2022-03", 10, 10), c("B", "2022-02", 1, 5)]
    year = net_bookings(book, freq="Y").loc["2023"]
    assert year["renewal"] == 1200 and year["new"] == 0 and year["net_new_bookings"] == 0
    first = net_bookings(book, freq="Y").loc["2022"]
    assert (first["new"], first["expansion"]) == (1205, 100)


# The sample book -------------------------------------------------------------------------------

def test_the_sample_book_is_what_its_script_makes(tmp_path):
    out = tmp_path / "book.csv"
    subprocess.run([sys.executable, str(ROOT / "tools" / "make_sample_book.py"), str(out)], check=True,
                   capture_output=True)
    assert out.read_text() == SAMPLE.read_text()


def test_the_sample_book_has_every_kind_of_contract():
    book = load_contracts(SAMPLE)
    assert 250 <= len(book) <= 350
    assert {x.billing for x in book if not x.amends} == set(revlib.BILLING_MONTHS)
    assert {x.segment for x in book} == {"EMEA", "Americas", "APAC"}
    assert any(len(x.prices_per_year) > 1 for x in book) and any(x.signed < x.start for x in book)
    assert any(x.renews for x in book) and any(not x.renews for x in book)
    assert any(x.services for x in book) and {1, 12, 24, 36} <= {x.term_months for x in book}
    amendments = [x for x in book if x.amends]
    assert any(x.prices_per_year == (0,) for x in amendments), "a cancellation"
    assert len(amendments) >= 10 and sum(1 for x in book if x.renewal_of) >= 5
    kinds = net_bookings(book, freq="Y", end="2024-12")
    assert (kinds[["contraction", "churn"]].sum() < 0).all() and (kinds["renewal"].sum() > 0)
    bridge = arr_bridge(schedule(book, by="customer", end="2024-12"), "Y")
    assert (bridge[["expansion", "reactivation"]].sum() > 0).all()
    assert (bridge[["contraction", "churn"]].sum() < 0).all()


def test_the_sample_books_yearly_figures():
    years = revlib.annual(schedule(load_contracts(SAMPLE), end="2024-12"))
    # backlog includes what month-to-month contracts paid ahead have been invoiced beyond their booked term
    pinned = {
        "FY2022": (4521006.97, 2633806.63, 1839101.58, 794705.05, 2801588.68, 2708420.0, 84),
        "FY2023": (6410842.82, 5359417.62, 4655178.57, 1520644.02, 4571902.93, 5275040.0, 149),
        "FY2024": (5551559.31, 6136842.79, 6296437.46, 1496515.77, 3853766.43, 5991220.0, 167),
    }
    columns = ["bookings", "billings", "revenue", "deferred_revenue", "backlog", "arr", "customers"]
    for year, figures in pinned.items():
        assert tuple(years.loc[year, columns]) == figures, year


# The report command ---------------------------------------------------------------------------

def report(*args):
    return subprocess.run([sys.executable, "-m", "revlib", "report", *map(str, args)], capture_output=True,
                          text=True, cwd=ROOT)


def test_the_report_command_writes_a_workbook_ready_to_read(tmp_path):
    out = tmp_path / "report.xlsx"
    result = report(SAMPLE, "--out", out, "--fiscal-year-start", 2)
    assert result.returncode == 0, result.stderr
    assert "292 contracts, 200 customers" in result.stdout and "checks: 7 of 7 pass" in result.stdout
    workbook = openpyxl.load_workbook(out)
    assert workbook.sheetnames == ["Checks", "Yearly summary", "Deferred revenue roll-forward", "Monthly schedule", "Per customer", "ARR bridge",
                                   "ARR by customer", "Retention", "Net bookings", "Contracts"]
    kept = workbook["Retention"]
    assert [c.value for c in kept[1]] == ["Fiscal year", "Starting ARR", "NRR", "GRR", "Logo churn", "Quick ratio"]
    assert kept["B2"].value == 0 and kept["C2"].value == "n/a"  # the first year starts with no ARR: no cohort
    built = revlib.report.build(load_contracts(SAMPLE), fiscal_year_start=2)
    assert kept["C3"].number_format == "0.0%" and kept["C3"].value == pytest.approx(built.retention["nrr"].iloc[1])
    checks = workbook["Checks"]
    assert [row[1].value for row in checks.iter_rows(min_row=2)] == ["pass"] * 7
    yearly = workbook["Yearly summary"]
    assert yearly.freeze_panes == "B2" and yearly["A1"].value == "Fiscal year" and yearly["B1"].value == "Bookings"
    assert yearly["B2"].number_format.startswith('"$"#,##0.00')
    assert yearly.column_dimensions["B"].width > 8
    expected = revlib.annual(schedule(load_contracts(SAMPLE)), fiscal_year_start=2)
    assert [r[0].value for r in yearly.iter_rows(min_row=2)] == list(expected.index)
    assert [r[3].value for r in yearly.iter_rows(min_row=2)] == list(expected["billings"])


def test_the_report_for_one_segment(tmp_path):
    out = tmp_path / "emea.xlsx"
    result = report(SAMPLE, "--out", out, "--segment", "EMEA")
    assert result.returncode == 0 and "(segment EMEA)" in result.stdout
    segments = {row[2].value for row in openpyxl.load_workbook(out)["Contracts"].iter_rows(min_row=2)}
    assert segments == {"EMEA"}
    assert report(SAMPLE, "--out", out, "--segment", "Mars").returncode == 2


def test_a_bad_file_is_refused_and_nothing_is_written(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("customer,start,term_months,annual_price,billing\nA,2022-01,12,1200,yearly\n,2022-13,0,-5,\n")
    out = tmp_path / "report.xlsx"
    result = report(bad, "--out", out)
    assert result.returncode == 2
    assert "no workbook was written" in result.stderr
    assert "line 2, column billing: 'yearly' is not one of" in result.stderr
    for column in ("customer", "start", "term_months", "annual_price"):
        assert f"line 3, column {column}:" in result.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == [bad]


def test_text_from_the_file_is_never_a_formula(tmp_path):
    names = ['=HYPERLINK("http://example.invalid","click")', "+1+1", "-2+3", "@SUM(A1)"]
    lines = "".join(f'"{n.replace(chr(34), chr(34) * 2)}",2022-01,12,1200,=cmd\n' for n in names)
    book = tmp_path / "crm.csv"
    book.write_text("customer,start,term_months,annual_price,segment\n" + lines)
    out = tmp_path / "report.xlsx"
    assert report(book, "--out", out).returncode == 0
    workbook = openpyxl.load_workbook(out)
    cells = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row
             if isinstance(cell.value, str) and cell.value[:1] in "=+-@"]
    assert {cell.value for cell in cells} >= set(names) | {"=cmd"}
    assert all(cell.data_type == "s" for cell in cells)


def test_help_explains_every_option():
    result = subprocess.run([sys.executable, "-m", "revlib", "report", "--help"], capture_output=True, text=True,
                            cwd=ROOT)
    for option in ("--out", "--fiscal-year-start", "--segment", "--start", "--end", "CONTRACTS.csv"):
        assert option in result.stdout


def test_a_large_file_shows_progress(tmp_path):
    rng = np.random.default_rng(1)
    n = 6000
    frame = pd.DataFrame({"customer": [f"Customer {i % 2500}" for i in range(n)],
                          "start": [str(pd.Period("2022-01", "M") + int(k)) for k in rng.integers(0, 24, n)],
                          "term_months": rng.choice([1, 12, 24], n), "monthly_price": rng.integers(10, 500, n),
                          "contract_id": [f"K{i}" for i in range(n)]})
    big = tmp_path / "big.csv"
    frame.to_csv(big, index=False)
    result = report(big, "--out", tmp_path / "big.xlsx", "--progress")
    assert result.returncode == 0, result.stderr
    assert "checking contracts [" in result.stderr and "6,000/6,000" in result.stderr
    assert "writing Per customer [" in result.stderr and "2,500/2,500" in result.stderr
    quiet = report(big, "--out", tmp_path / "big.xlsx")  # not a terminal, not asked: nothing on stderr
    assert quiet.returncode == 0 and quiet.stderr == ""


def test_customers_are_rows_and_fiscal_years_column_groups_with_the_monthly_detail_beside(tmp_path):
    out, detail = tmp_path / "report.xlsx", tmp_path / "detail"
    result = report(SAMPLE, "--out", out, "--fiscal-year-start", 2, "--detail", detail)
    assert result.returncode == 0, result.stderr
    per = schedule(load_contracts(SAMPLE), by="customer")
    yearly = revlib.annual(per, fiscal_year_start=2)
    sheet = openpyxl.load_workbook(out)["Per customer"]
    years = [cell.value for cell in sheet[1]]
    figures = [cell.value for cell in sheet[2]]
    assert sheet.freeze_panes == "B3" and figures[:3] == ["Customer", "Bookings", "Renewal bookings"]
    first = yearly.index.get_level_values(1)[0]
    assert years[1] == first and years[1 + len(revlib.engine.COLUMNS)] != first
    assert sheet.max_row == 2 + per.index.levels[0].size
    assert sheet.max_column == 1 + len(revlib.engine.COLUMNS) * yearly.index.levels[1].size
    row = next(sheet.iter_rows(min_row=3, max_row=3, values_only=True))
    customer = row[0]
    expected = yearly.loc[customer].to_numpy().ravel()
    assert list(row[1:]) == list(expected)
    assert sheet["B3"].number_format.startswith('"$"#,##0.00')
    monthly = pd.read_csv(detail / "monthly_by_customer.csv")
    assert len(monthly) == len(per) and list(monthly.columns) == ["customer", "month", *revlib.engine.COLUMNS]
    assert (monthly[list(revlib.engine.COLUMNS)].to_numpy() == per.to_numpy()).all()
    assert f"wrote {detail / 'monthly_by_customer.csv'}" in result.stdout
    refused = report(SAMPLE, "--out", tmp_path / "other.xlsx", "--detail", out)  # a file, not a folder
    assert refused.returncode == 2 and "--detail" in refused.stderr and not (tmp_path / "other.xlsx").exists()


@settings(max_examples=150)
@given(st.one_of(st.tuples(st.lists(books, min_size=1, max_size=4), st.just("monthly")),
                 st.tuples(st.lists(st.one_of(books, dated_books), min_size=1, max_size=4), st.just("daily"))),
       st.integers(1, 4))
def test_the_checks_contract_by_contract_are_the_same_a_few_customers_at_a_time(drawn, together):
    parts, convention = drawn
    book = sum(parts, [])
    book = revlib.engine.Book.of(book)
    span_end = int((book.start + book.term - 1 + 1).max())
    whole = revlib.report._contract_totals(book, span_end, convention)
    original = revlib.report.CHECKED_TOGETHER
    try:
        revlib.report.CHECKED_TOGETHER = together
        blocks = revlib.report._contract_totals(book, span_end, convention)
    finally:
        revlib.report.CHECKED_TOGETHER = original
    assert {c: v.tolist() for c, v in blocks.items()} == {c: v.tolist() for c, v in whole.items()}


@settings(max_examples=60, deadline=None)
@given(st.one_of(st.tuples(st.lists(books, min_size=1, max_size=4), st.just("monthly")),
                 st.tuples(books_with_amendments().map(lambda book: [book]), st.just("monthly")),
                 st.tuples(st.lists(st.one_of(books, dated_books), min_size=1, max_size=3), st.just("daily"))),
       st.integers(1, 60), st.sampled_from([None, 6, 18]), st.sampled_from([1, 4]))
def test_the_report_is_the_same_made_a_few_customers_at_a_time(drawn, together, later, fiscal_year_start):
    """Scheduled by blocks of customers (the memory a block holds), every table is the one made in one piece."""
    parts, convention = drawn
    book = revlib.engine.Book.of(sum(parts, []))
    start = None if later is None else str(pd.Period(ordinal=int(book.start.min()) + later, freq="M"))
    whole = revlib.report.build(book, fiscal_year_start, start=start, convention=convention)
    original = revlib.report.CUSTOMER_MONTHS_TOGETHER
    try:
        revlib.report.CUSTOMER_MONTHS_TOGETHER = together
        blocks = revlib.report.build(book, fiscal_year_start, start=start, convention=convention)
    finally:
        revlib.report.CUSTOMER_MONTHS_TOGETHER = original
    for name in ("monthly", "yearly", "per_customer", "bridge", "bridge_by_customer", "bookings", "checks",
                 "contracts", "deferred_rollforward", "retention"):
        pd.testing.assert_frame_equal(getattr(blocks, name), getattr(whole, name), check_exact=True, obj=name)
