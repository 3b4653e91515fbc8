"""The monthly RevOps report: every figure, every tie-out, and an Excel workbook for finance.

:func:`build` computes the report's tables from a book of contracts;
:func:`checks` proves the figures tie out; :func:`write_workbook` saves it all
as a workbook that opens ready to read. ``python -m revlib report`` runs them
from the command line.
"""

from __future__ import annotations

import contextlib
import os
import signal
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .analysis import deferred_rollforward_cents
from .bridge import arr_bridge_cents, net_bookings
from .contract import BILLING_MONTHS, Contract, contract_label, parse_month, round_half_up, shown
from .engine import Book, annual_cents, cents_schedule, in_cents, in_dollars, starts_empty
from .engine.grid import sum_by
from .engine.months import fiscal_freq, fiscal_labels, fiscal_years, period, span
from .fmt import LABELS

MONEY_FORMAT = '"$"#,##0.00;[Red]-"$"#,##0.00'

EXCEL_ROWS, EXCEL_COLUMNS = 1_048_576, 16_384
"""The most rows and columns an Excel sheet holds."""


class TooBigForExcel(ValueError):
    """A report with a sheet past Excel's limits: refused before anything is computed or written."""


def in_segment(contracts, segment: str | None) -> list[Contract] | Book:
    """The contracts of one segment (all of them for None); a segment with no contracts is an error.

    A :class:`Book` (what :func:`revlib.load.load_book` reads) gives a Book; anything else a list of contracts.
    """
    if isinstance(contracts, Book):
        if segment is None:
            return contracts
        chosen = contracts.segment == segment
        if chosen.any():
            return contracts.take(chosen)
        known = sorted(set(contracts.segment.tolist()) - {"(none)"})
    else:
        contracts = list(contracts)
        if segment is None:
            return contracts
        chosen = [c for c in contracts if c.segment == segment]
        if chosen:
            return chosen
        known = sorted({c.segment for c in contracts if c.segment})
    known = [name if name.isprintable() else shown(name) for name in known]  # nothing raw from the file
    raise ValueError(f"no contracts in segment {segment!r}; the segments are {', '.join(known) or 'none'}")


@dataclass
class Report:
    """The report's tables, each a DataFrame, in the order the workbook shows them."""

    monthly: pd.DataFrame
    yearly: pd.DataFrame
    per_customer: pd.DataFrame
    bridge: pd.DataFrame
    bridge_by_customer: pd.DataFrame
    bookings: pd.DataFrame
    checks: pd.DataFrame
    contracts: pd.DataFrame
    deferred_rollforward: pd.DataFrame | None = None  # by fiscal year: opening + billings - revenue = closing


def build(contracts, fiscal_year_start: int = 1, segment: str | None = None, start=None, end=None) -> Report:
    """Every table of the report for a book (or one segment of it).

    >>> from revlib import examples
    >>> report = build(examples.customers_ab())
    >>> report.yearly.loc["FY2022", ["bookings", "billings", "revenue"]].tolist()
    [30000000.0, 8750000.0, 8750000.0]
    >>> report.checks["result"].unique().tolist()
    ['pass']
    """
    contracts = in_segment(contracts, segment)
    book = Book.of(contracts)
    monthly = cents_schedule(book, start=start, end=end)
    per = cents_schedule(book, start=start, end=end, by="customer")
    freq = fiscal_freq(fiscal_year_start)
    bridge = arr_bridge_cents(per, freq=freq)
    bridge.index = fiscal_labels(bridge.index)
    movers = arr_bridge_cents(per, freq=freq, per_customer=True)
    movers.index = movers.index.set_levels(fiscal_labels(movers.index.levels[0]), level=0)
    movers.index.names = ["fiscal_year", "customer"]
    bookings = net_bookings(book, freq=freq, start=start, end=end)
    bookings.index = fiscal_labels(bookings.index)
    rollforward = deferred_rollforward_cents(monthly, freq=freq)
    rollforward.index = fiscal_labels(rollforward.index)
    return Report(
        monthly=in_dollars(monthly),
        yearly=in_dollars(annual_cents(monthly, fiscal_year_start)),
        per_customer=in_dollars(annual_cents(per, fiscal_year_start)),
        bridge=in_dollars(bridge),
        bridge_by_customer=in_dollars(movers),
        bookings=bookings,
        checks=_checks(book, monthly, per),
        contracts=contract_table(contracts),
        deferred_rollforward=in_dollars(rollforward),
    )


def check_excel_limits(contracts, fiscal_year_start: int = 1, segment: str | None = None, start=None,
                       end=None) -> None:
    """Refuse, before any figure is computed, a report whose sheets Excel could not open.

    The longest sheets are the contracts (one row each) and the per-customer ones (one row
    per customer and fiscal year); a start month typed as 1900 instead of 2022 makes the
    latter a hundred times longer.

    >>> from revlib import Contract
    >>> book = [Contract(customer=f"C{i}", start="1900-01", term_months=12, annual_price=1) for i in range(9000)]
    >>> check_excel_limits(book, end="2022-12")
    Traceback (most recent call last):
    ...
    revlib.report.TooBigForExcel: the Per customer sheet would have 1,107,001 rows (9,000 customers x 123 fiscal years), more than the 1,048,576 an Excel sheet holds; choose fewer months with --start and --end, or one --segment
    """
    contracts = in_segment(contracts, segment)
    book = Book.of(contracts)
    first, last = span(book, start, end)
    first_year, last_year = fiscal_years([period(first), period(last)], fiscal_year_start).year
    years = max(last_year - first_year + 1, 1)
    customers = len(set(book.customer.tolist()))
    sizes = {"Contracts": (len(contracts) + 1, f"{len(contracts):,} contracts"),
             "Per customer": (customers * years + 1, f"{customers:,} customers x {years:,} fiscal years"),
             "Monthly schedule": (max(last - first + 1, 1) + 1, f"{max(last - first + 1, 1):,} months")}
    for sheet, (rows, why) in sizes.items():
        if rows > EXCEL_ROWS:
            raise TooBigForExcel(f"the {sheet} sheet would have {rows:,} rows ({why}), more than the "
                                 f"{EXCEL_ROWS:,} an Excel sheet holds; choose fewer months with --start and --end, "
                                 "or one --segment")


def arr_trace(contracts, month) -> pd.DataFrame:
    """ARR in a month traced to the contract fields that produce it, one row per contract in service.

    Worked out from the fields alone (start, term, renewal, the price of the
    contract year in effect), without the engine, so it can prove the
    schedule's ARR.

    >>> from revlib import examples, schedule
    >>> trace = arr_trace(examples.nine_clients(), "2022-12")
    >>> bool(trace["arr"].sum() == schedule(examples.nine_clients()).loc["2022-12", "arr"])
    True
    """
    month = parse_month(month)
    rows = []
    for i, c in enumerate(contracts):
        served = (month - c.start).n
        if served < 0 or (served >= c.term_months and not c.renews):
            continue
        year = (served % c.term_months) // 12
        prices = c.prices_per_year
        price = prices[year] if len(prices) > 1 else prices[0]
        if price:
            rows.append({"contract": contract_label(c.contract_id, i), "customer": c.customer, "start": str(c.start),
                         "term_months": c.term_months, "renews": c.renews, "contract_year": served // 12 + 1,
                         "arr": price / 100})
    return pd.DataFrame(rows, columns=["contract", "customer", "start", "term_months", "renews", "contract_year",
                                       "arr"]).set_index("contract")


def contract_table(contracts) -> pd.DataFrame:
    """The contracts as read, with the values revlib derives from them (TCV, ACV, ARR)."""
    if isinstance(contracts, Book):
        return _book_table(contracts)
    rows = []
    for i, c in enumerate(contracts):
        prices = c.prices_per_year
        rows.append({
            "contract": contract_label(c.contract_id, i), "customer": c.customer, "segment": c.segment or "",
            "signed": str(c.signed), "start": str(c.start), "term_months": c.term_months,
            "price_per_year": "; ".join(f"{p / 100:.2f}" for p in prices) if len(prices) > 1 else prices[0] / 100,
            "billing": c.billing, "services": c.services, "renews": c.renews, "tcv": c.tcv, "acv": c.acv,
            "arr": c.arr,
        })
    return pd.DataFrame(rows).set_index("contract")


def _book_table(book: Book) -> pd.DataFrame:
    """:func:`contract_table` of a book's columns, the same table as of its contracts."""
    single = book.first_price / 100
    price = single.tolist()
    acv = single.copy()
    for i, yearly in book.ramps.items():
        price[i] = "; ".join(f"{p / 100:.2f}" for p in yearly)
        acv[i] = round_half_up(int(book.value[i]) * 12, int(book.term[i])) / 100
    billing = book.billing
    if billing is None:  # a book made from arrays: the frequency its billing period says
        names = {months: name for name, months in BILLING_MONTHS.items() if months}
        billing = np.array([names.get(p, "upfront") for p in book.period.tolist()], dtype=object)
    months = {name: pd.PeriodIndex.from_ordinals(getattr(book, name), freq="M").astype(str).tolist()
              for name in ("signed", "start")}
    return pd.DataFrame({
        "contract": book.label.tolist(), "customer": book.customer.tolist(),
        "segment": np.where(book.segment == "(none)", "", book.segment).tolist(),
        "signed": months["signed"], "start": months["start"], "term_months": book.term,
        "price_per_year": price, "billing": billing.tolist(), "services": book.services / 100,
        "renews": book.renews, "tcv": (book.value + book.services) / 100, "acv": acv, "arr": single,
    }).set_index("contract")


def checks(contracts, monthly: pd.DataFrame, per_customer: pd.DataFrame) -> pd.DataFrame:
    """Each tie-out the report relies on, with pass or FAIL and what was checked.

    >>> from revlib import Contract, schedule
    >>> book = [Contract(customer="X", start="2022-01", term_months=12, annual_price=1000, billing="quarterly")]
    >>> checks(book, schedule(book), schedule(book, by="customer"))["result"].tolist()
    ['pass', 'pass', 'pass', 'pass', 'pass', 'pass']
    """
    return _checks(Book.of(contracts), in_cents(monthly), in_cents(per_customer))


def _checks(book: Book, cents: pd.DataFrame, per_customer: pd.DataFrame) -> pd.DataFrame:
    """:func:`checks` of a book and its schedules in cents (:func:`revlib.engine.cents_schedule`)."""
    rows = []

    def add(name, failures, checked):
        detail = f"{checked}" if not failures else f"{len(failures)} failed: " + ", ".join(map(str, failures[:10]))
        rows.append({"check": name, "result": "pass" if not failures else "FAIL", "detail": detail})

    known = starts_empty(cents)
    months = [str(m) for m in cents.index]
    booked, earned, billed = (cents[c].cumsum() for c in ("bookings", "revenue", "billings"))
    # a renewing contract billed over a period longer than its term can be invoiced beyond what it has
    # booked; its backlog is then its deferred revenue, so backlog can only be bounded, not equated
    ahead = bool((book.renews & (book.period > book.term)).any())
    owed = cents["deferred_revenue"] - cents["unbilled_revenue"]
    if ahead:
        floor = np.maximum(cents["deferred_revenue"], booked - earned if known else 0)
        bad = [months[i] for i in np.flatnonzero(cents["backlog"] < floor)]
        add("Backlog is at least deferred revenue, and at least bookings to date - revenue to date, every month",
            bad, f"{len(months)} months")
    elif known:
        bad = [months[i] for i in np.flatnonzero(booked != earned + cents["backlog"])]
        add("Bookings to date = revenue to date + backlog, every month", bad, f"{len(months)} months")
    else:
        step = cents["bookings"] - cents["revenue"]
        bad = [months[i] for i in np.flatnonzero(cents["backlog"].diff().iloc[1:] != step.iloc[1:]) + 1]
        add("Bookings = revenue + change in backlog, every month", bad, f"{len(months) - 1} months")
    if known:
        bad = [months[i] for i in np.flatnonzero(billed != earned + owed)]
        add("Billings to date = revenue to date + deferred revenue - unbilled revenue, every month", bad,
            f"{len(months)} months")
    else:
        bad = [months[i] for i in np.flatnonzero(owed.diff().iloc[1:] != (cents["billings"] - cents["revenue"]).iloc[1:]) + 1]
        add("Billings = revenue + change in deferred revenue - change in unbilled revenue, every month", bad,
            f"{len(months) - 1} months")

    summed = per_customer.drop(columns="customers").groupby(level="month").sum()
    bad = [c for c in summed.columns if not (summed[c] == cents[c]).all()]
    add("The customers' schedules add up to the book's", bad, f"{per_customer.index.levels[0].size} customers")

    span_end = int((book.start + book.term - 1).max())
    each = cents_schedule(book, end=period(span_end), by="contract")[["bookings", "renewal_bookings", "billings",
                                                                       "revenue"]]
    labels = list(dict.fromkeys(each.index.get_level_values(0)))
    totals = each.groupby(level=0, sort=False).sum().reindex(labels)
    value = book.value + book.services
    signed = (totals["bookings"] - totals["renewal_bookings"]).to_numpy()
    add("Each contract books its TCV once, when signed", [labels[i] for i in np.flatnonzero(signed != value)],
        f"{len(labels)} contracts")
    ends = ~book.renews
    bad = [labels[i] for i in np.flatnonzero(ends & ((totals["billings"].to_numpy() != value) |
                                                      (totals["revenue"].to_numpy() != value)))]
    add("Each non-renewing contract bills and earns exactly its TCV", bad, f"{int(ends.sum())} contracts")
    position = np.repeat(np.arange(len(labels)), len(each) // len(labels))
    month = each.index.get_level_values("month").asi8
    in_first_term = (month >= book.start[position]) & (month < (book.start + book.term)[position])
    first_term = sum_by(position, np.where(in_first_term, each["revenue"], 0), len(labels))
    first_terms = [labels[i] for i in np.flatnonzero(book.renews & (first_term != value))]
    add("Each renewing contract earns exactly its TCV over its first term", first_terms,
        f"{int(book.renews.sum())} contracts")
    return pd.DataFrame(rows)


def write_workbook(report: Report, path) -> Path:
    """Save the report as an Excel workbook: one sheet per table, ready to read.

    Money is formatted as dollars, headers are frozen and filterable, columns
    are sized to their contents, and text from the contract file (customer
    names, segments) is stored as text, never as a formula. The file is
    written whole or not at all.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

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
    if report.deferred_rollforward is not None:
        sheets.insert(2, ("Deferred revenue roll-forward", report.deferred_rollforward))
    for title, frame in sheets:
        rows, columns = len(frame) + 1, frame.shape[1] + frame.index.nlevels
        if rows > EXCEL_ROWS or columns > EXCEL_COLUMNS:
            raise TooBigForExcel(f"the {title} sheet would have {rows:,} rows and {columns:,} columns; an Excel "
                                 f"sheet holds at most {EXCEL_ROWS:,} rows and {EXCEL_COLUMNS:,} columns")
    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDE3EA")
    for title, frame in sheets:
        sheet = workbook.create_sheet(title)
        frame = frame.reset_index()
        headers = [_header(c) for c in frame.columns]
        sheet.append(headers)
        for cell in sheet[1]:
            cell.font, cell.fill = bold, fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        money = [c not in ("customers", "term_months") and pd.api.types.is_float_dtype(frame[c]) for c in frame.columns]
        for row in frame.itertuples(index=False, name=None):
            sheet.append([_plain(v) for v in row])
        for column, (name, is_money) in enumerate(zip(frame.columns, money), start=1):
            width = len(headers[column - 1])
            for cell in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
                cell = cell[0]
                if isinstance(cell.value, str):
                    cell.data_type, cell.quotePrefix = "s", True  # text stays text, even "=..."
                elif is_money:
                    cell.number_format = MONEY_FORMAT
                shown = f"${cell.value:,.2f}" if is_money and isinstance(cell.value, float) else str(cell.value)
                width = max(width, len(shown))
            sheet.column_dimensions[sheet.cell(1, column).column_letter].width = min(width + 2, 60)
        sheet.freeze_panes = "B2"
        sheet.auto_filter.ref = sheet.dimensions
        if title == "Checks":
            for row in sheet.iter_rows(min_row=2):
                row[1].font = Font(bold=True, color="1B5E20" if row[1].value == "pass" else "B71C1C")
    path.parent.mkdir(parents=True, exist_ok=True)
    _save(workbook, path)
    return path


def _save(workbook, path: Path) -> None:
    """Save to a temporary file beside ``path``, flushed to disk, then renamed over it in one step.

    So ``path`` is always either the old file or the whole new one. The temporary file is
    removed if anything fails, and on SIGTERM or SIGINT (a scheduler's or ``timeout``'s stop,
    Ctrl-C); only SIGKILL can leave it (a hidden ``.name.xxxx.tmp``). The workbook gets the
    permissions a new file gets under the umask (0644 under the usual 022), as other files do.
    """
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _stop)
    try:
        with os.fdopen(handle, "wb") as stream:
            workbook.save(stream)
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


def _plain(value):
    """A cell value openpyxl writes as it is: numbers, text, booleans."""
    if isinstance(value, pd.Period):
        return str(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    return value
