"""Reading a contract file: every problem listed by line and column, nothing half-loaded."""

from __future__ import annotations

import csv
import io
import os

import pandas as pd

from .contract import FIELDS, Contract, ContractError

REQUIRED = ("customer", "start", "term_months")
"""Columns every contract file must have (plus annual_price or monthly_price)."""


def load_contracts(source, progress=None) -> list[Contract]:
    """Read contracts from a CSV file (a path or open file) or a DataFrame.

    The columns are the :class:`Contract` field names. Line numbers are the
    ones a spreadsheet shows: the header is line 1, the first contract line 2.
    On any problem a :class:`ContractError` lists **every** problem and no
    contract is returned. ``progress``, if given, is called as
    ``progress(rows_read, rows_in_file)`` as the rows are checked.

    >>> import io
    >>> book = load_contracts(io.StringIO(
    ...     "customer,start,term_months,annual_price,services\\n"
    ...     "Google,2022-01,36,1200,1000\\n"))
    >>> book[0].tcv
    4600.0
    >>> load_contracts(io.StringIO(
    ...     "customer,start,term_months,annual_price,billing\\n"
    ...     ",2022-01,36,1200,yearly\\n"))
    Traceback (most recent call last):
    ...
    revlib.contract.ContractError: 2 problems:
      line 2, column customer: is empty
      line 2, column billing: 'yearly' is not one of monthly, quarterly, semiannual, annual, upfront
    """
    header, rows = _read_rows(source)
    problems = _check_header(header)
    contracts: list[Contract] = []
    first_seen: dict = {}
    ids_seen: dict = {}
    has_ids = "contract_id" in header
    for done, (line, cells) in enumerate(rows, start=1):
        if progress is not None and (done % 2000 == 0 or done == len(rows)):
            progress(done, len(rows))
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header):]):
            problems.append(f"line {line}: {len(cells)} cells, but the header names {len(header)} columns")
        record = {name: (cells[i] if i < len(cells) else "") for i, name in enumerate(header)}
        if not any(str(v).strip() for v in record.values()):
            continue  # a blank line, as spreadsheets leave at the end
        row = {name: record.get(name, "") for name in FIELDS}
        try:
            contract = Contract(**row)
        except ContractError as err:
            problems.extend(_placed(line, err.problems, header))
            contract = None
        cid = str(record.get("contract_id", "")).strip() if has_ids else ""
        if cid and cid.lower() != "nan":
            if cid in ids_seen:
                problems.append(f"line {line}, column contract_id: {cid!r} repeats line {ids_seen[cid]}")
            else:
                ids_seen[cid] = line
        if not has_ids:
            key = tuple(str(record[name]).strip() for name in header)
            if key in first_seen:
                problems.append(
                    f"line {line}: repeats line {first_seen[key]} exactly; a double entry doubles bookings "
                    "(give each contract a contract_id if both are real)"
                )
            else:
                first_seen[key] = line
        if contract is not None:
            contracts.append(contract)
    if not problems and not contracts:
        problems.append("line 1: the file has no contracts")
    if problems:
        raise ContractError(problems)
    return contracts


def _placed(line: int, problems: list[str], header: list[str]) -> list[str]:
    """A contract's problems with the line they are on; columns the file lacks are reported once, on line 1."""
    placed = []
    for problem in problems:
        column = problem.split(":", 1)[0].removeprefix("column ")
        if column == "annual_price" and "annual_price" not in header:
            if "monthly_price" not in header:
                continue
            problem = problem.replace("column annual_price", "column monthly_price", 1)
        elif column not in header:
            continue
        placed.append(f"line {line}, {problem}")
    return placed


def _read_rows(source) -> tuple[list[str], list[tuple[int, list]]]:
    """The header and the (line number, cells) of each row, from a CSV or a DataFrame."""
    if isinstance(source, pd.DataFrame):
        header = [str(c).strip() for c in source.columns]
        rows = [(i + 2, list(values)) for i, values in enumerate(source.itertuples(index=False, name=None))]
        return header, rows
    if isinstance(source, (str, os.PathLike)):
        try:
            with open(source, encoding="utf-8-sig", newline="") as handle:
                text = handle.read()
        except UnicodeDecodeError as exc:
            raise ContractError([f"the file is not UTF-8 text ({exc.reason} at byte {exc.start})"]) from None
    else:
        text = source.read()
        if isinstance(text, bytes):
            text = text.decode("utf-8-sig")
        text = text.lstrip("\ufeff")
    records = list(csv.reader(io.StringIO(text, newline="")))
    if not records:
        raise ContractError(["line 1: the file is empty; it needs a header naming the contract columns"])
    header = [cell.strip() for cell in records[0]]
    return header, [(i + 2, cells) for i, cells in enumerate(records[1:])]


def _check_header(header: list[str]) -> list[str]:
    """Problems with the header line: missing, unknown and repeated columns."""
    problems = []
    for name in REQUIRED:
        if name not in header:
            problems.append(f"line 1: missing column {name}")
    if "annual_price" not in header and "monthly_price" not in header:
        problems.append("line 1: missing column annual_price or monthly_price")
    seen = set()
    for name in header:
        if name in seen:
            problems.append(f"line 1, column {name}: appears twice")
        seen.add(name)
        if name not in FIELDS:
            problems.append(f"line 1, column {name or '(blank)'}: unknown column; revlib reads {', '.join(FIELDS)}")
    return problems
