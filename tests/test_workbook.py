"""The workbook's rows of figures, written in bulk, are what XlsxWriter writes cell by cell, byte for byte."""

import datetime
import re
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest
import xlsxwriter.core
from xlsxwriter.utility import _utf16_truncate
from xlsxwriter.worksheet import Worksheet

import revlib.workbook
from revlib import load_book
from revlib.fmt import ratio
from revlib.report import Report, build
from revlib.workbook import MONEY_FORMAT, _kind, write_workbook

from test_reporting import ROOT, SAMPLE


def cell_by_cell(sheet, heading, columns, kinds, formats, checks=False, progress=None):
    """The reference: each cell through XlsxWriter's own calls (how revlib wrote its workbooks before)."""
    writers = [_cell_writer(sheet, kind, formats, checks and position == 1) for position, kind in enumerate(kinds)]
    values = [column.astype(str).tolist() if kind == "period" else column.tolist()
              for kind, column in zip(kinds, columns)]
    for row, cells in enumerate(zip(*values), start=heading):
        for position, (write, value) in enumerate(zip(writers, cells)):
            write(row, position, value)


def _cell_writer(sheet, kind, formats, checks_result=False):
    if checks_result:
        return lambda row, col, value: sheet.write_string(row, col, value,
                                                          formats["pass" if value == "pass" else "FAIL"])
    if kind == "money":
        return lambda row, col, value: sheet.write_number(row, col, value, formats["money"])
    if kind in ("percent", "quick_ratio"):  # a ratio as a number; n/a or no losses as text
        return lambda row, col, value: (sheet.write_number(row, col, value, formats[kind]) if np.isfinite(value)
                                        else sheet.write_string(row, col, ratio(value, kind), formats["text"]))
    if kind == "number":
        return sheet.write_number
    if kind == "bool":
        return sheet.write_boolean
    text = formats["text"]

    def write_any(row, col, value):
        if isinstance(value, str):
            sheet.write_string(row, col, value, text)
        elif isinstance(value, (bool, np.bool_)):
            sheet.write_boolean(row, col, bool(value))
        elif isinstance(value, (int, float, np.integer, np.floating)) and np.isfinite(value):
            sheet.write_number(row, col, value)
        elif value is not None and not (isinstance(value, float) and np.isnan(value)):
            sheet.write_string(row, col, str(value), text)

    return write_any


class Frozen(datetime.datetime):
    """The workbook's creation time (its docProps/core.xml), the same for both writers."""

    @classmethod
    def now(cls, tz=None):
        return datetime.datetime(2026, 12, 1, 9, 30, tzinfo=tz)


@pytest.fixture
def both(monkeypatch, tmp_path):
    """``both(report)``: the workbook written in bulk and the one written cell by cell, as two paths."""
    monkeypatch.setattr(xlsxwriter.core, "datetime", Frozen)

    def write(report, name="report"):
        bulk = write_workbook(report, tmp_path / f"{name}.xlsx")
        with monkeypatch.context() as reference:
            reference.setattr(revlib.workbook, "_write_rows", cell_by_cell)
            reference.setattr(revlib.workbook, "_sheet_class", lambda: Worksheet)
            cells = write_workbook(report, tmp_path / f"{name}.cell_by_cell.xlsx")
        return bulk, cells

    return write


def assert_identical(bulk, cells):
    with zipfile.ZipFile(bulk) as a, zipfile.ZipFile(cells) as b:
        assert a.namelist() == b.namelist()
        for member in a.namelist():
            assert a.read(member) == b.read(member), member
    assert bulk.read_bytes() == cells.read_bytes()


def assert_reads_back(path, report):
    """openpyxl reads every value of every table, with money's number format, where the table puts it."""
    workbook = openpyxl.load_workbook(path)
    frames = {"Checks": report.checks.set_index("check"), "Yearly summary": report.yearly,
              "Monthly schedule": report.monthly, "Per customer": report.per_customer, "ARR bridge": report.bridge,
              "ARR by customer": report.bridge_by_customer, "Net bookings": report.bookings,
              "Contracts": report.contracts}
    if report.deferred_rollforward is not None:
        frames["Deferred revenue roll-forward"] = report.deferred_rollforward
    if report.retention is not None:
        frames["Retention"] = report.retention
    assert sorted(workbook.sheetnames) == sorted(frames)
    for title, frame in frames.items():
        sheet = workbook[title]
        heading = frame.columns.nlevels
        columns = [frame.index.to_series(), *(frame.iloc[:, k] for k in range(frame.shape[1]))]
        names = [frame.index.name or "index", *[c[-1] if heading > 1 else c for c in frame.columns]]
        rows = list(sheet.iter_rows(min_row=heading + 1, max_row=heading + len(frame), max_col=len(columns)))
        rows += [[openpyxl.cell.Cell(sheet)] * len(columns)] * (len(frame) - len(rows))  # rows left empty
        for position, (name, column) in enumerate(zip(names, columns)):
            kind = _kind(name, column)
            for row, value in zip(rows, column.astype(str) if kind == "period" else column.tolist()):
                cell = row[position]
                if kind in ("percent", "quick_ratio"):  # a ratio as a number; n/a or no losses as text
                    shown = expected(value) if np.isfinite(value) else ratio(value, kind)
                    assert cell.value == shown, (title, cell.coordinate, value)
                    assert cell.number_format == ("General" if not np.isfinite(value) else
                                                  "0.0%" if kind == "percent" else "0.00"), (title, cell.coordinate)
                    continue
                assert as_excel_shows(cell.value) == expected(value), (title, cell.coordinate, value)
                assert cell.number_format == (MONEY_FORMAT if kind == "money" else "General"), (title, cell.coordinate)


def as_excel_shows(value):
    """Text as Excel shows it: ``_xHHHH_`` is the character it escapes (openpyxl leaves the escapes in)."""
    if not isinstance(value, str):
        return value
    return re.sub("_x([0-9A-Fa-f]{4})_", lambda escape: chr(int(escape.group(1), 16)), value)


def expected(value):
    """What a cell of the table shows: numbers to Excel's 16 digits, text cut at Excel's 32,767 characters."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.integer, np.floating)):  # as Excel keeps it: 16 digits
        return float(f"{value:.16G}") if np.isfinite(value) else (None if np.isnan(value) else str(value))
    text = value if value is None or isinstance(value, str) else str(value)
    return text if text is None or len(text.encode("utf-16-le")) <= 2 * 32_767 else _utf16_truncate(text, 32_767)


@pytest.mark.parametrize("start, convention", [(1, "monthly"), (2, "monthly"), (7, "daily")])
def test_the_sample_books_workbook(both, start, convention):
    book = load_book(SAMPLE)
    if convention == "daily":  # amendments and renewal contracts are not scheduled by day: the book without them
        book = book.take((book.amends < 0) & (book.renewal_of < 0))
    report = build(book, fiscal_year_start=start, convention=convention)
    bulk, cells = both(report)
    assert_identical(bulk, cells)
    assert_reads_back(bulk, report)


def test_a_medium_book_written_a_few_rows_at_a_time(both, monkeypatch, tmp_path):
    rng = np.random.default_rng(7)
    n = 3000
    book = tmp_path / "crm.csv"
    pd.DataFrame({"customer": [f"Customer {i % 700}" for i in range(n)],
                  "start": [str(pd.Period("2022-01", "M") + int(k)) for k in rng.integers(0, 30, n)],
                  "term_months": rng.choice([1, 12, 24, 36], n), "monthly_price": rng.integers(10, 5000, n),
                  "billing": rng.choice(["monthly", "quarterly", "annual", "upfront"], n),
                  "segment": rng.choice(["EMEA", "NA", ""], n), "renews": rng.choice(["yes", "no"], n),
                  "contract_id": [f"K{i}" for i in range(n)]}).to_csv(book, index=False)
    monkeypatch.setattr(revlib.workbook, "CHUNK_CELLS", 997)  # several blocks per sheet, of odd sizes
    report = build(load_book(book), fiscal_year_start=4, start="2022-03", end="2025-02")
    bulk, cells = both(report)
    assert_identical(bulk, cells)
    assert_reads_back(bulk, report)


NAMES = ["A & B <Holdings>", '"Quoted" Inc', "O'Brien's", " leading space", "trailing space ", "  ", "",
         "_x0041_ looks escaped", "tab\tinside", "two\nlines", "bell\x07", "Café", "rocket 🚀", "\ufffe odd",
         "=SUM(A1)", "+1+1", "1e5", "x" * 20_000 + "🚀" * 8_000]


def hand_made(result=("pass", "FAIL", "pass", "FAIL")) -> Report:
    """A report whose tables hold what a writer can trip on: escapes, whitespace, blanks, NaN, booleans, periods."""
    years = pd.Index(["FY2022", "FY2023"], name="fiscal_year")
    money = [0.0, -0.0, 0.1 + 0.2, 1234.5, -98765.43, 1e-05, 123456789012.34, 1e17, 9.99, 2 / 3]
    n = len(NAMES)
    customers = pd.Index(NAMES, name="customer")
    grouped = pd.DataFrame(np.arange(n * 4, dtype=float).reshape(n, 4) / 7 - 3, index=customers,
                           columns=pd.MultiIndex.from_product([years, ["revenue", "arr"]], names=["fiscal_year", None]))
    mixed = [1.5, "text", None, np.nan, True, np.int64(3), np.float64(2.5), float("inf"), pd.Timestamp("2024-02-29"),
             np.bool_(False), -0.0, 10**17, "<b>", float("-inf")]
    return Report(
        monthly=pd.DataFrame({"revenue": money[:3], "customers": [1.0, 2.0, 3.0], "renews": [True, False, True]},
                             index=pd.period_range("2022-01", periods=3, freq="M", name="month")),
        yearly=pd.DataFrame({"bookings": money, "term_months": np.arange(len(money)) * 12,
                             "count": np.arange(len(money), dtype=np.int32) - 5}, index=pd.Index(
                                 [f"FY{2020 + i}" for i in range(len(money))], name="fiscal_year")),
        per_customer=grouped,
        bridge=pd.DataFrame({"starting_arr": pd.Series([], dtype=float)}, index=pd.Index([], name="fiscal_year")),
        bridge_by_customer=grouped.iloc[::-3],
        bookings=pd.DataFrame({"what": mixed, "mostly blank": [None] * (len(mixed) - 1) + ["z"],
                               "period": pd.period_range("2023-06", periods=len(mixed), freq="M")},
                              index=pd.Index(["a", None, *"cdefghijklmn"], name="kind")),
        checks=pd.DataFrame({"check": [f"check {i} & <more>" for i in range(len(result))], "result": list(result),
                             "detail": ["12 months", "3 failed: 2022-01, <2022-02>", "", " x "][:len(result)]}),
        contracts=pd.DataFrame({"customer": NAMES, "segment": pd.array(["EMEA", None] * (n // 2), dtype="string"),
                                "signed": pd.period_range("2021-01", periods=n, freq="M").astype(str),
                                "renews": [i % 3 == 0 for i in range(n)], "tcv": np.linspace(-5, 5, n)},
                               index=pd.Index([f"C-{i}" for i in range(n)], name="contract")),
        deferred_rollforward=None,
    )


@pytest.mark.parametrize("result", [("pass", "FAIL", "pass", "FAIL"), ("pass", "pass", "pass", "FAIL"),
                                    ("FAIL",), ("pass", "pass")])
def test_text_blanks_booleans_periods_and_groups_as_xlsxwriter_writes_them(both, result):
    report = hand_made(result)
    bulk, cells = both(report)
    assert_identical(bulk, cells)
    assert_reads_back(bulk, report)


def test_a_last_row_with_no_value_and_rows_without_any(both):
    report = hand_made()
    report.bookings = pd.DataFrame({"what": np.array([None, 1.0, None, None], dtype=object),
                                    "other": [np.nan, "x", None, np.nan]},
                                   index=pd.Index([None, None, "c", None], dtype=object, name="kind"))
    report.yearly = report.yearly.iloc[:0]
    bulk, cells = both(report)
    assert_identical(bulk, cells)
    assert_reads_back(bulk, report)


def test_text_that_looks_like_xlsxwriters_markup_is_written_as_text(tmp_path):
    report = hand_made()
    report.contracts = report.contracts.assign(customer=["<r><t>bold</t></r>", "<r>a & b</r>", *NAMES[2:]])
    out = write_workbook(report, tmp_path / "report.xlsx")
    sheet = openpyxl.load_workbook(out)["Contracts"]
    assert [sheet["B2"].value, sheet["B3"].value] == ["<r><t>bold</t></r>", "<r>a & b</r>"]


def test_a_figure_that_is_not_a_number_is_refused_and_nothing_is_written(tmp_path):
    report = hand_made()
    report.yearly = report.yearly.assign(bookings=np.nan)
    with pytest.raises(TypeError, match="NAN/INF"):
        write_workbook(report, tmp_path / "report.xlsx")
    assert list(tmp_path.iterdir()) == []
