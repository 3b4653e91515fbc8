"""The workbook's rows of figures, written in bulk, are what XlsxWriter writes cell by cell, byte for byte."""

import datetime
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest
import xlsxwriter.core
from xlsxwriter.worksheet import Worksheet

import revlib.workbook
from revlib import load_book
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
    assert sorted(workbook.sheetnames) == sorted(frames)
    for title, frame in frames.items():
        sheet = workbook[title]
        heading = frame.columns.nlevels
        columns = [frame.index.to_series(), *(frame.iloc[:, k] for k in range(frame.shape[1]))]
        names = [frame.index.name or "index", *[c[-1] if heading > 1 else c for c in frame.columns]]
        rows = list(sheet.iter_rows(min_row=heading + 1, max_col=len(columns)))
        assert len(rows) == len(frame) or not len(frame), title
        for position, (name, column) in enumerate(zip(names, columns)):
            kind = _kind(name, column)
            for row, value in zip(rows, column.astype(str) if kind == "period" else column.tolist()):
                cell = row[position]
                assert cell.value == expected(value), (title, cell.coordinate, value)
                assert cell.number_format == (MONEY_FORMAT if kind == "money" else "General"), (title, cell.coordinate)


def expected(value):
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return value if np.isfinite(value) else (None if np.isnan(value) else str(value))
    return value if value is None or isinstance(value, str) else str(value)


@pytest.mark.parametrize("start", [1, 2])
def test_the_sample_books_workbook(both, start):
    report = build(load_book(SAMPLE), fiscal_year_start=start)
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
