"""The report saved for finance: an Excel workbook within Excel's limits, written whole or not at all, and the
monthly detail per customer beside it."""

from __future__ import annotations

import contextlib
import io
import os
import signal
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .fmt import LABELS, RATIOS, ratio

if TYPE_CHECKING:
    from .report import Report

MONEY_FORMAT = '"$"#,##0.00;[Red]-"$"#,##0.00'

EXCEL_ROWS, EXCEL_COLUMNS = 1_048_576, 16_384
"""The most rows and columns an Excel sheet holds."""


class TooBigForExcel(ValueError):
    """A report with a sheet past Excel's limits: refused before anything is computed or written."""


def _refuse_past_limits(sheets: dict) -> None:
    """Raise TooBigForExcel for the first sheet (name: (rows, columns, why)) past what an Excel sheet holds.

    >>> _refuse_past_limits({"Per customer": (1_200_002, 118, "1,200,000 customers x 9 fiscal years")})
    Traceback (most recent call last):
    ...
    revlib.workbook.TooBigForExcel: the Per customer sheet would have 1,200,002 rows and 118 columns (1,200,000 customers x 9 fiscal years), more than the 1,048,576 rows and 16,384 columns an Excel sheet holds; choose fewer months with --start and --end, or one --segment
    """
    for sheet, (rows, columns, why) in sheets.items():
        if rows > EXCEL_ROWS or columns > EXCEL_COLUMNS:
            raise TooBigForExcel(f"the {sheet} sheet would have {rows:,} rows and {columns:,} columns ({why}), more "
                                 f"than the {EXCEL_ROWS:,} rows and {EXCEL_COLUMNS:,} columns an Excel sheet holds; "
                                 "choose fewer months with --start and --end, or one --segment")


def write_workbook(report: Report, path, progress=None) -> Path:
    """Save the report as an Excel workbook: one sheet per table, ready to read.

    Money is formatted as dollars, headers are frozen and filterable, columns
    are sized to their contents, and text from the contract file (customer
    names, segments) is stored as text, never as a formula. The sheets by
    customer have a row per customer and a group of columns per fiscal year
    (two header rows: the year, then the figure). No sheet passes Excel's limits
    (checked before anything is written), and the file is written whole or not at all.

    Rows are streamed to the file as they are written (XlsxWriter's constant-memory
    mode), so memory does not grow with the workbook. ``progress(stage, done, total)``,
    if given, is told how many rows of each sheet are written.
    """
    path = Path(path)
    sheets = [
        ("Checks", report.checks.set_index("check")),
        ("Yearly summary", report.yearly),
        ("Monthly schedule", report.monthly),
        ("Per customer", report.per_customer),
        ("ARR bridge", report.bridge),
        ("ARR by customer", report.bridge_by_customer),
        ("Net bookings", report.bookings),
        ("Contracts", report.contracts),
    ]
    if report.retention is not None:
        sheets.insert([title for title, _ in sheets].index("Net bookings"), ("Retention", report.retention))
    if report.deferred_rollforward is not None:
        sheets.insert(2, ("Deferred revenue roll-forward", report.deferred_rollforward))
    _refuse_past_limits({title: (len(frame) + frame.columns.nlevels, frame.shape[1] + frame.index.nlevels,
                                 f"{len(frame):,} rows of figures") for title, frame in sheets})

    def write(stream, folder):
        import xlsxwriter

        workbook = xlsxwriter.Workbook(stream, {"constant_memory": True, "tmpdir": folder,
                                                "strings_to_formulas": False, "strings_to_urls": False})
        formats = {
            "header": workbook.add_format({"bold": True, "bg_color": "#DDE3EA", "text_wrap": True, "valign": "top"}),
            "money": workbook.add_format({"num_format": MONEY_FORMAT}),
            "percent": workbook.add_format({"num_format": "0.0%"}),
            "quick_ratio": workbook.add_format({"num_format": "0.00"}),
            "text": workbook.add_format({"quote_prefix": True}),
            "pass": workbook.add_format({"bold": True, "font_color": "#1B5E20", "quote_prefix": True}),
            "FAIL": workbook.add_format({"bold": True, "font_color": "#B71C1C", "quote_prefix": True}),
        }
        for title, frame in sheets:
            _write_sheet(workbook.add_worksheet(title), title, frame, formats,
                         (lambda done, total, title=title: progress(f"writing {title}", done, total)) if progress
                         else None)
        workbook.close()

    path.parent.mkdir(parents=True, exist_ok=True)
    _save(write, path)
    return path


def _write_sheet(sheet, title: str, frame: pd.DataFrame, formats: dict, progress=None) -> None:
    """One table as a sheet: header rows (a group row for columns ``(fiscal_year, figure)``), then a row per row."""
    grouped = frame.columns.nlevels > 1
    names = [frame.index.name or "index", *[c[-1] if grouped else c for c in frame.columns]]
    headers = [_header(name) for name in names]
    heading = 1 + grouped  # header rows
    columns = [frame.index.to_series(), *(frame.iloc[:, k] for k in range(frame.shape[1]))]
    kinds = [_kind(name, column) for name, column in zip(names, columns)]
    for position, (header, kind, column) in enumerate(zip(headers, kinds, columns)):
        sheet.set_column(position, position, min(max(len(header), _widest(kind, column)) + 2, 60))
    if grouped:
        years = frame.columns.get_level_values(0)
        for position, year in enumerate(years, start=1):
            if position == 1 or year != years[position - 2]:
                sheet.write_string(0, position, str(year), formats["header"])
            else:
                sheet.write_blank(0, position, None, formats["header"])
        sheet.write_blank(0, 0, None, formats["header"])
    for position, header in enumerate(headers):
        sheet.write_string(heading - 1, position, header, formats["header"])
    writers = [_cell_writer(sheet, kind, formats, title == "Checks" and position == 1)
               for position, kind in enumerate(kinds)]
    values = [column.astype(str).tolist() if kind == "period" else column.tolist()
              for kind, column in zip(kinds, columns)]
    total = len(frame)
    for row, cells in enumerate(zip(*values), start=heading):
        for position, (write, value) in enumerate(zip(writers, cells)):
            write(row, position, value)
        if progress is not None and (row - heading) % 10_000 == 0:
            progress(row - heading, total)
    if progress is not None:
        progress(total, total)
    sheet.freeze_panes(heading, 1)
    sheet.autofilter(heading - 1, 0, heading - 1 + total, len(headers) - 1)


def _kind(name, column: pd.Series) -> str:
    """How a column's cells are written: money, number, bool, period (as text), percent and quick_ratio
    (retention's), or any (text, numbers, blanks)."""
    if isinstance(column.dtype, pd.PeriodDtype):
        return "period"
    if name in RATIOS:  # retention's fractions and the quick ratio
        return "quick_ratio" if name == "quick_ratio" else "percent"
    if pd.api.types.is_bool_dtype(column):
        return "bool"
    if pd.api.types.is_float_dtype(column) and name not in ("customers", "term_months"):
        return "money"
    if pd.api.types.is_numeric_dtype(column):
        return "number"
    return "any"


def _widest(kind: str, column: pd.Series) -> int:
    """The width of a column's longest cell as shown (money as ``$1,234.56``)."""
    if not len(column):
        return 0
    if kind == "money":
        return max(len(f"${v:,.2f}") for v in (column.min(), column.max()))
    if kind in ("percent", "quick_ratio"):
        return 9
    if kind in ("number", "bool"):
        return max(len(str(v)) for v in (column.min(), column.max()))
    return int(column.astype(str).str.len().max())


def _cell_writer(sheet, kind: str, formats: dict, checks_result: bool = False):
    """A function writing one cell of a column of that kind: text always as text, never as a formula."""
    if checks_result:
        return lambda row, col, value: sheet.write_string(row, col, value,
                                                          formats["pass" if value == "pass" else "FAIL"])
    if kind == "money":
        return lambda row, col, value: sheet.write_number(row, col, value, formats["money"])
    if kind in ("percent", "quick_ratio"):  # a ratio Excel can hold as a number; n/a or no losses as text
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


def write_detail(report: Report, folder) -> Path:
    """The monthly figures of each customer (``build(detail=True)``) as a CSV file in ``folder``, in dollars.

    Written whole or not at all, like the workbook: ``folder/monthly_by_customer.csv``, one row
    per customer and month, every figure of the schedule.
    """
    if report.monthly_by_customer is None:
        raise ValueError("the report has no monthly detail: build it with detail=True")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "monthly_by_customer.csv"

    def write(stream, _):
        text = io.TextIOWrapper(stream, encoding="utf-8", newline="")
        report.monthly_by_customer.to_csv(text, chunksize=100_000)
        text.flush()
        text.detach()  # the stream is closed by _save, not by the wrapper

    _save(write, path)
    return path


def _save(write, path: Path) -> None:
    """``write(stream, folder)`` into a temporary file beside ``path``, flushed to disk, then renamed over it.

    So ``path`` is always either the old file or the whole new one. The temporary file is
    removed if anything fails, and on SIGTERM or SIGINT (a scheduler's or ``timeout``'s stop,
    Ctrl-C), with ``folder``, a temporary folder the writer may use; only SIGKILL can leave
    them (a hidden ``.name.xxxx.tmp``). The file gets the permissions a new file gets under
    the umask (0644 under the usual 022), as other files do.
    """
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _stop)
    try:
        with os.fdopen(handle, "wb") as stream, tempfile.TemporaryDirectory(prefix="revlib-") as folder:
            write(stream, folder)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    with contextlib.suppress(OSError):  # the rename itself, on disk
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


def _stop(signum, frame):
    raise SystemExit(128 + signum)


def _umask() -> int:
    """The process's umask, read without changing it where Linux shows it."""
    with contextlib.suppress(OSError, ValueError):
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _header(name) -> str:
    return LABELS.get(name, str(name).replace("_", " ").capitalize())
