"""The report saved for finance: an Excel workbook within Excel's limits, written whole or not at all, and the
monthly detail per customer beside it."""

from __future__ import annotations

import contextlib
import functools
import io
import itertools
import math
import os
import re
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
        try:
            for title, frame in sheets:
                _write_sheet(workbook.add_worksheet(title, worksheet_class=_sheet_class()), title, frame, formats,
                             (lambda done, total, title=title: progress(f"writing {title}", done, total)) if progress
                             else None)
        except BaseException:
            for sheet in workbook.worksheets():  # the rows' temporary files, before their folder goes
                sheet._opt_close()
            raise
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
    _write_rows(sheet, heading, columns, kinds, formats, title == "Checks", progress)
    sheet.freeze_panes(heading, 1)
    sheet.autofilter(heading - 1, 0, heading - 1 + len(frame), len(headers) - 1)


@functools.cache
def _sheet_class():
    """XlsxWriter's worksheet, holding the XML of its last data row until XlsxWriter writes out the row it holds.

    (XlsxWriter is imported when a workbook is written, not with revlib.)
    """
    from xlsxwriter.worksheet import Worksheet

    class Sheet(Worksheet):
        last_row = None  # a function giving the XML of the last data row (see _write_rows)

        def _write_single_row(self, current_row_num=0) -> None:
            if self.last_row is not None:
                last, self.last_row = self.last_row, None
                self.fh.write(last())
            super()._write_single_row(current_row_num)

    return Sheet


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


CHUNK_CELLS = 500_000
"""About how many cells of a sheet are turned into XML at a time (and the progress told after each such block)."""


def _write_rows(sheet, heading: int, columns: list, kinds: list, formats: dict, checks: bool = False,
                progress=None) -> None:
    """The rows of figures below the header rows, written in bulk: a block of rows at a time, a column at a time.

    XlsxWriter's constant-memory mode writes each row of cells to a temporary file as XML
    when the next row starts, and copies that file into the sheet when the workbook is
    closed. Calling it for each of millions of cells costs several microseconds a cell, so
    the rows of figures are turned into that same XML here, column by column (numbers
    formatted as XlsxWriter formats them, text escaped as it escapes it, cells without a
    value left out as it leaves them out), and added to the same file. What reaches the
    workbook is what XlsxWriter writes cell by cell, byte for byte (the tests compare the
    two), with one exception: text that looks like XlsxWriter's rich-string markup
    (``<r>...</r>``) is written as the text it is, not as markup.

    The last row with a value is turned into XML when XlsxWriter writes out the row it holds
    (``_write_single_row`` of :func:`_sheet_class`'s sheet), so each format gets the style number it
    would get cell by cell.
    """
    cells = [_Cells(sheet, position, kind, column, formats, checks and position == 1)
             for position, (kind, column) in enumerate(zip(kinds, columns))]
    _numbers_as_text([c for c in cells if c.type == "n"])
    total = len(columns[0])
    last = max((c.last for c in cells), default=-1)  # the last row with a value
    if last >= 0:
        sheet._write_single_row(heading + last)  # XlsxWriter writes out the header rows it holds
        block = max(1, CHUNK_CELLS // len(cells))
        for first in range(0, last, block):
            if progress is not None:
                progress(first, total)
            sheet.fh.write(_rows_xml(heading, cells, first, min(first + block, last)))
        sheet._check_dimensions(heading + last, 0)
        sheet.last_row = lambda: _rows_xml(heading, cells, last, last + 1)
    if progress is not None:
        progress(total, total)


def _numbers_as_text(cells: list) -> None:
    """Each number of these columns as XlsxWriter writes it (``{:.16G}``), each distinct number turned into text once.

    Numbers of one dtype are told apart by their bits (so -0.0 is not 0.0); each column
    gets ``codes`` into ``shown``, the texts it shares with the others.
    """
    for dtype in {c.values.dtype for c in cells}:
        same = [c for c in cells if c.values.dtype == dtype]
        values = np.concatenate([c.values for c in same])
        if dtype.kind == "f":
            codes, bits = pd.factorize(values.view(f"i{dtype.itemsize}"))
            numbers = bits.view(dtype).tolist()
        else:
            codes, numbers = pd.factorize(values)
            numbers = numbers.tolist()
        shown = np.array(list(map("{:.16G}".format, numbers)), dtype=object)
        for c, start in zip(same, itertools.accumulate([0, *(len(c.values) for c in same)])):
            c.codes, c.shown = codes[start:start + len(c.values)], shown


def _rows_xml(heading: int, cells: list, first: int, end: int) -> str:
    """The ``<row>`` elements of data rows ``first`` to ``end`` (excluded), rows without a value left out.

    Each format gets its style number (``_get_xf_index``) in the order cell-by-cell writing
    would first use it, row by row and left to right.
    """
    uses = sorted((row, position, style) for position, c in enumerate(cells) for row, style in c.first_uses(first, end))
    for _, _, style in uses:
        style._get_xf_index()
    rows = list(map(str, range(heading + first + 1, heading + end + 1)))
    pieces, slots = [], []
    for c in cells:
        pieces.append(c.piece(len(slots) + 1))
        slots.append(c.texts(first, end, rows))
    lines = map(("<row r=\"{0}\">" + "".join(pieces) + "</row>").format, rows, *slots)
    if any(c.present is None for c in cells):  # every row has a value
        return "".join(lines)
    shown = np.zeros(end - first, dtype=bool)
    for c in cells:
        shown |= c.present[first:end]
    return "".join(itertools.compress(lines, shown.tolist()))


_CELL = {  # the <c> element of a number, a boolean and an inline string, as XlsxWriter writes them
    "n": '<c r="{ref}"{style}><v>{value}</v></c>',
    "b": '<c r="{ref}"{style} t="b"><v>{value}</v></c>',
    "s": '<c r="{ref}"{style} t="inlineStr"><is><t{value}</t></is></c>',
}
_ESCAPED = re.compile(r"[\x00-\x08\x0b-\x1f&<>\ufffe\uffff]|_x[0-9a-fA-F]{4}_|^\s|\s$")
"""Text that XlsxWriter changes when it writes it (escapes, control characters, whitespace kept): a wider net."""


class _Cells:
    """One column of a sheet's data rows as XlsxWriter writes its cells: a number, a boolean or text per cell.

    A column whose cells are all of one type and format (money, numbers, booleans, text)
    gives the row template a fixed ``<c>`` element and fills in the values, each distinct
    value turned into its text once (``codes`` into ``shown``); any other column
    (text and numbers mixed, blanks, the checks' pass or FAIL) gives each cell's whole element.
    ``present`` (None if every cell has a value) says which rows have a cell in this column,
    ``last`` the last row that has one (-1 for none).
    """

    def __init__(self, sheet, position: int, kind: str, column: pd.Series, formats: dict, result: bool = False):
        from xlsxwriter.utility import xl_col_to_name

        self.sheet, self.ref = sheet, xl_col_to_name(position)
        self.present, self.last = None, len(column) - 1
        if kind in ("money", "number"):
            self.type, self.style = "n", formats["money"] if kind == "money" else None
            self.values = column.to_numpy()  # turned into text with the sheet's other numbers (_numbers_as_text)
            if not np.isfinite(np.asarray(self.values, dtype=float)).all():
                raise TypeError("NAN/INF not supported in write_number() without 'nan_inf_to_errors' Workbook() option")
            return
        if kind in ("percent", "quick_ratio"):  # a ratio as a number; n/a or no losses as text (fmt.ratio)
            self.type = None
            self.cells = [("n", formats[kind], f"{v:.16G}") if np.isfinite(v) else ("s", formats["text"], ratio(v, kind))
                          for v in column.to_numpy(dtype=float).tolist()]
            self.present = np.ones(len(self.cells), dtype=bool)
            return
        if kind == "bool":
            self.type, self.style = "b", None
            self.codes, self.shown = column.to_numpy().astype(np.int8), np.array(["0", "1"], dtype=object)
            return
        values = column.astype(str).tolist() if kind == "period" else column.tolist()
        if set(map(type, values)) <= {str} and not result:
            self.type, self.style = "s", formats["text"]
            self.codes, texts = pd.factorize(np.array(values, dtype=object))
            self.shown = np.array([_inline(sheet, text) for text in texts.tolist()], dtype=object)
            return
        self.type = None  # a cell's own type and format
        cells = [("s", formats["pass" if v == "pass" else "FAIL"], v) for v in values] if result else \
            [_any_cell(v, formats["text"]) for v in values]
        self.cells = cells
        self.present = np.array([cell is not None for cell in cells], dtype=bool)
        shown = np.flatnonzero(self.present)
        self.last = int(shown[-1]) if len(shown) else -1

    def first_uses(self, first: int, end: int) -> list:
        """``(row, format)`` for each format this column's cells in rows ``first`` to ``end`` use, first row each."""
        if self.type is not None:
            return [(first, self.style)] if self.style is not None and end > first else []
        seen = {}
        for row in range(first, end):
            cell = self.cells[row]
            if cell is not None and cell[1] is not None and cell[1] not in seen:
                seen[cell[1]] = row
        return [(row, style) for style, row in seen.items()]

    def piece(self, slot: int) -> str:
        """This column's part of the row template: ``{0}`` the row number, ``{slot}`` the cell's value or element."""
        if self.type is None:
            return "{%d}" % slot
        return _CELL[self.type].format(ref=self.ref + "{0}", style=_style(self.style), value="{%d}" % slot)

    def texts(self, first: int, end: int, rows: list) -> list:
        """What fills this column's slot in rows ``first`` to ``end``; ``rows`` their row numbers as text."""
        if self.type is not None:  # each value's text, made once per distinct value
            return self.shown[self.codes[first:end]].tolist()
        return ["" if cell is None else _CELL[cell[0]].format(
                    ref=self.ref + row, style=_style(cell[1]), value=_inline(self.sheet, cell[2]) if cell[0] == "s"
                    else cell[2])
                for row, cell in zip(rows, self.cells[first:end])]


def _style(style) -> str:
    return "" if style is None else f' s="{style._get_xf_index()}"'


def _any_cell(value, text):
    """How a cell of a column of any values is written: text always as text, never as a formula; None left out.

    Numbers (as XlsxWriter formats them) and booleans have no format; text has ``text``.
    """
    if type(value) is str:
        return ("s", text, value)
    if type(value) is float:  # the rules below, quicker for the most common number
        if math.isfinite(value):
            return ("n", None, f"{value:.16G}")
        return None if value != value else ("s", text, str(value))
    if isinstance(value, str):
        return ("s", text, value)
    if isinstance(value, (bool, np.bool_)):
        return ("b", None, "1" if value else "0")
    if isinstance(value, (int, float, np.integer, np.floating)) and np.isfinite(value):
        return ("n", None, f"{value:.16G}")
    if value is not None and not (isinstance(value, float) and np.isnan(value)):
        return ("s", text, str(value))
    return None


def _inline(sheet, text: str) -> str:
    """The end of an inline string's ``<t`` element: ``>`` (or whitespace kept) and the text escaped as XlsxWriter does.

    Past Excel's 32,767 characters the text is cut as XlsxWriter cuts it.
    """
    if _ESCAPED.search(text) is None and len(text) <= sheet.xls_strmax // 2:
        return ">" + text
    from xlsxwriter.utility import _preserve_whitespace, _utf16_len, _utf16_truncate

    if len(text) > sheet.xls_strmax // 2 and _utf16_len(text) > sheet.xls_strmax:
        text = _utf16_truncate(text, sheet.xls_strmax)
    text = sheet._escape_control_characters(text)
    return (' xml:space="preserve">' if _preserve_whitespace(text) else ">") + sheet._escape_data(text)


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
