"""The command line: ``python -m revlib report CONTRACTS.csv --out report.xlsx``."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from . import report
from .contract import ContractError
from .fmt import usd
from .fast_load import load_book

DESCRIPTION = """\
Turn a contract export into the monthly RevOps report: a schedule of bookings, billings,
revenue, deferred revenue, backlog, MRR and ARR; a yearly summary; the same per customer;
the ARR bridge; net bookings; and a sheet of tie-out checks. The file is checked first:
if any line has a problem, every problem is listed and no workbook is written (exit code 2).
"""

COLUMNS_HELP = """\
columns: customer, start, term_months, annual_price or monthly_price (required);
billing, services, renews, signed, contract_id, segment, amends, renewal_of (optional).
See README.md.
"""


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="python -m revlib", description="revlib's command line.")
    commands = main.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = commands.add_parser("report", help="write the RevOps report workbook for a contract file",
                              description=DESCRIPTION, epilog=COLUMNS_HELP,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    run.add_argument("contracts", metavar="CONTRACTS.csv", help="the contract export to report on (CSV, UTF-8)")
    run.add_argument("--out", required=True, metavar="REPORT.xlsx", help="where to write the Excel workbook")
    run.add_argument("--fiscal-year-start", type=int, default=1, metavar="MONTH",
                     help="the month (1-12) the fiscal year starts in; a year is named by the calendar year it "
                          "ends in (default 1: calendar years)")
    run.add_argument("--segment", metavar="NAME", help="report on one segment only (the file's segment column)")
    run.add_argument("--start", metavar="YYYY-MM", help="first month of the schedule (default: the first signing)")
    run.add_argument("--end", metavar="YYYY-MM",
                     help="last month of the schedule (default: the last non-renewing contract's end, "
                          "and at least 36 months)")
    run.add_argument("--detail", metavar="DIR",
                     help="also write every figure of each customer month by month, as DIR/monthly_by_customer.csv "
                          "(the workbook has them by fiscal year)")
    run.add_argument("--daily", action="store_true",
                     help="prorate by day: contracts start on the day the file gives and revenue is spread over the "
                          "days of each billing period (convention=\"daily\"); without it, a start or signing on a day "
                          "other than the 1st is refused")
    run.add_argument("--progress", action="store_true",
                     help="show each stage's progress on stderr even when it is not a terminal (on a terminal it "
                          "is shown for large files)")
    return main


class Progress:
    """Progress bars on stderr, one per stage of a long run: checking the file, computing, writing each sheet."""

    def __init__(self, stream, asked: bool):
        self.stream, self.asked = stream, asked
        self.shown = asked or stream.isatty()
        self.large = asked  # on a terminal, only a large file's run is shown

    def bar(self, label: str, done: int, total: int) -> None:
        if not (self.shown and (self.large or total >= 5000)):
            return
        self.large = True
        filled = int(30 * done / total) if total else 30
        self.stream.write(f"\r{label} [{'#' * filled}{'.' * (30 - filled)}] {done:,}/{total:,}")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()

    def checking(self, done: int, total: int) -> None:
        self.bar("checking contracts", done, total)

    def stage(self, name: str) -> None:
        if self.shown and self.large:
            self.stream.write(f"{name}\n")
            self.stream.flush()


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    if not 1 <= args.fiscal_year_start <= 12:
        print(f"revlib: --fiscal-year-start {args.fiscal_year_start} is not a month number from 1 to 12",
              file=sys.stderr)
        return 2
    path = Path(args.contracts)
    refused = where_problem(path, Path(args.out))
    if not refused and args.detail is not None and Path(args.detail).exists() and not Path(args.detail).is_dir():
        refused = f"--detail {args.detail} is a file; name a folder for the monthly detail"
    if refused:
        print(f"revlib: {refused}; no workbook was written.", file=sys.stderr)
        return 2
    progress = Progress(sys.stderr, args.progress)
    try:
        contracts = load_book(path, progress=progress.checking)
        report.check_excel_limits(contracts, args.fiscal_year_start, args.segment, args.start, args.end)
        built = report.build(contracts, args.fiscal_year_start, args.segment, args.start, args.end,
                             detail=args.detail is not None, progress=progress.stage,
                             convention="daily" if args.daily else "monthly")
        out = report.write_workbook(built, args.out, progress=progress.bar)
        if args.detail is not None:
            progress.stage("writing the monthly detail")
            detail = report.write_detail(built, args.detail)
    except FileNotFoundError:
        print(f"revlib: {path}: no such file", file=sys.stderr)
        return 2
    except ContractError as error:
        count = len(error.problems)
        print(f"revlib: {path} has {count} problem{'s' if count > 1 else ''}; no workbook was written.",
              file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        if any('convention="daily"' in problem for problem in error.problems):
            print("revlib: to prorate by day, run the report again with --daily.", file=sys.stderr)
        return 2
    except ValueError as error:
        print(f"revlib: {error}; no workbook was written.", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"revlib: {error.filename or path}: {error.strerror or error}; no workbook was written.",
              file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("revlib: interrupted; no workbook was written.", file=sys.stderr)
        return 130
    print(summary(built, path, args.segment, out))
    if args.detail is not None:
        print(f"wrote {detail}")
    return 0 if (built.checks["result"] == "pass").all() else 1


def where_problem(contracts: Path, out: Path) -> str | None:
    """Why the command cannot read ``contracts`` or write ``out``, checked before any work; None if it can.

    The workbook must not replace the contract file (by any path to it), and must go to a
    file in a folder that can be written.
    """
    if contracts.is_dir():
        return f"{contracts} is a folder, not a contract file"
    if out.is_dir():
        return f"--out {out} is a folder; name the workbook, as in {out / 'report.xlsx'}"
    if out.exists() and contracts.exists():
        try:
            if out.samefile(contracts):
                return f"--out {out} is the contract file itself; the workbook would replace it"
        except OSError:
            pass
    if out.exists() and not os.access(out, os.W_OK):
        return f"--out {out} is read-only"
    folder = out.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        return f"--out {out} is under {folder}, which is a file, not a folder"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"--out {out}: the folder {folder} cannot be written"
    if folder == out.parent:  # permissions can say yes where the file system says no (read-only mounts)
        try:
            handle, probe = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=folder)
            os.close(handle)
            os.unlink(probe)
        except OSError as error:
            return f"--out {out}: the folder {folder} cannot be written ({error.strerror})"
    return None


def summary(built: report.Report, path: Path, segment, out: Path) -> str:
    """What the terminal shows after a report is written."""
    months = built.monthly.index
    customers = built.contracts["customer"].nunique()
    lines = [f"{path.name}{f' (segment {segment})' if segment else ''}: {len(built.contracts)} contracts, "
             f"{customers} customers, {months[0]} to {months[-1]}", ""]
    header = f"{'':8} {'bookings':>14} {'billings':>14} {'revenue':>14} {'ending ARR':>14}"
    lines.append(header)
    for year, row in built.yearly.iterrows():
        lines.append(f"{year:8} {usd(row['bookings']):>14} {usd(row['billings']):>14} {usd(row['revenue']):>14} "
                     f"{usd(row['arr']):>14}")
    passed = (built.checks["result"] == "pass").sum()
    lines += ["", f"checks: {passed} of {len(built.checks)} pass"]
    lines += [f"  FAIL {row.check}: {row.detail}" for row in built.checks.itertuples() if row.result != "pass"]
    lines.append(f"wrote {out}")
    return "\n".join(lines)
