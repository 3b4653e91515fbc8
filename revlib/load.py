"""Reading a contract file: every problem listed by line and column, nothing half-loaded."""

from __future__ import annotations

import codecs
import csv
import io
import os
import re

import numpy as np
import pandas as pd

from .contract import BILLING_MONTHS, FIELDS, Contract, ContractError, shown, text_problem
from .fields import _text
from .links import resolve

REQUIRED = ("customer", "start", "term_months")
"""Columns every contract file must have (plus annual_price or monthly_price)."""

_NOT_UTF8 = re.compile("[\udc80-\udcff]")


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
    linking: list[tuple] = []  # each row's (line, contract or None, id, customer, amends, renewal_of)
    first_seen: dict = {}
    ids_seen: dict = {}
    has_ids = "contract_id" in header
    for done, (line, cells) in enumerate(rows, start=1):
        if progress is not None and (done % 2000 == 0 or done == len(rows)):
            progress(done, len(rows))
        if isinstance(cells, str):  # a line the CSV reader could not read: its problem, already placed
            problems.append(cells)
            continue
        if len(cells) > len(header) and any(str(c).strip() for c in cells[len(header):]):
            problems.append(_too_many(line, len(cells), len(header)))
        record = {name: (cells[i] if i < len(cells) else "") for i, name in enumerate(header)}
        if not any(str(v).strip() for v in record.values()):
            continue  # a blank line, as spreadsheets leave at the end
        unreadable = set()
        for i, cell in enumerate(cells[:len(header)]):
            problem = _cell_problem(cell)
            if problem:
                problems.append(f"line {line}, column {_column(header[i])}: {problem}")
                unreadable.add(header[i])
        row = {name: record.get(name, "") for name in FIELDS}
        try:
            contract = Contract(**row)
            object.__setattr__(contract, "_line", line)  # where a day not on the 1st is refused, if it is
        except ContractError as err:
            placed = _placed(line, err.problems, header)
            problems.extend(p for p in placed if _column_of(p) not in unreadable)
            contract = None
        cid = str(record.get("contract_id", "")).strip() if has_ids else ""
        if cid.lower() == "nan":
            cid = ""
        if cid:
            if cid in ids_seen:
                problems.append(_id_repeats(line, cid, ids_seen[cid]))
            else:
                ids_seen[cid] = line
        else:  # without an id, an exact repeat is a double entry (blank id cells included)
            key = tuple(str(record[name]).strip() for name in header)
            if key in first_seen:
                problems.append(_double_entry(line, first_seen[key]))
            else:
                first_seen[key] = line
        if contract is not None:
            contracts.append(contract)
        linking.append((line, contract, cid, *(_text(record.get(name, "")) for name in ("customer", "amends",
                                                                                        "renewal_of"))))
    if any(row[4] or row[5] for row in linking):
        problems.extend(link_problems(linking))
    if not problems and not contracts:
        problems.append("line 1: the file has no contracts")
    if problems:
        raise ContractError(problems)
    return contracts


def link_problems(rows: list[tuple]) -> list[str]:
    """The problems of a file's ``amends`` and ``renewal_of`` links (:func:`revlib.links.resolve`), by line and
    column. ``rows``: each row's (line, its Contract or None if refused, id, customer, amends, renewal_of)."""
    n = len(rows)
    made = [c if c is not None else _NOTHING for _, c, *_ in rows]
    ok = np.array([c is not None for _, c, *_ in rows], bool)
    prices = [c.prices_per_year for c in made]
    columns = dict(
        ids=np.array([r[2] for r in rows], dtype=object),
        customer=np.array([r[3] if c is None else c.customer for r, c in zip(rows, made)], dtype=object),
        amends=np.array([r[4] for r in rows], dtype=object),
        renewal_of=np.array([r[5] for r in rows], dtype=object),
        start=np.array([c.start.asfreq("M").ordinal for c in made], np.int64),
        signed=np.array([c.signed.asfreq("M").ordinal for c in made], np.int64),
        term=np.array([c.term_months or 0 for c in made], np.int64),
        period=np.array([-1 if c.billing is None else BILLING_MONTHS[c.billing] or 0 for c in made], np.int64),
        renews=np.array([-1 if c.renews is None else int(c.renews) for c in made], np.int64),
        first_price=np.array([p[0] for p in prices], np.int64),
        top_price=np.array([max(p) for p in prices], np.int64),
        ramps={i: p for i, p in enumerate(prices) if len(p) > 1},
        services=np.array([c.services_cents for c in made], np.int64),
        ok=ok,
        price_column=np.array(["annual_price" if c.annual_price is not None else "monthly_price" for c in made],
                              dtype=object),
    )
    lines = [r[0] for r in rows]
    _, problems = resolve(**columns, where=lambda row: f"line {lines[row]}")
    return [f"line {lines[row]}, column {column}: {message}" for row, column, message in problems]


_NOTHING = Contract(customer="(refused)", start="2000-01", term_months=1, annual_price=0)
"""A stand-in for a row refused on its own (its links are not checked)."""


def _column(name: str) -> str:
    """A header name as a message shows it: as it is when plainly printable, else quoted and escaped."""
    return name if name and name.isprintable() and len(name) <= 60 else shown(name)


def _column_of(problem: str) -> str:
    return problem.split(", column ", 1)[1].split(":", 1)[0] if ", column " in problem else ""


def _cell_problem(cell) -> str | None:
    """What makes a cell unreadable whatever its column: bytes that are not UTF-8, control characters, length."""
    if not isinstance(cell, str):
        return None
    if _NOT_UTF8.search(cell):
        raw = cell.encode("utf-8", "surrogateescape")
        byte = _NOT_UTF8.search(cell).group().encode("utf-8", "surrogateescape")
        shown_raw = repr(raw[:60]) + ("..." if len(raw) > 60 else "")
        return (f"is not UTF-8 text (byte 0x{byte[0]:02x} in {shown_raw}); the file looks saved as Windows-1252 "
                "(Excel's plain \"CSV\"): save it as \"CSV UTF-8\" and load it again")
    return text_problem(cell)


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
    """The header and the (line number, cells) of each row, from a CSV or a DataFrame.

    A row the CSV reader cannot read (a quote left open) comes as (line, problem) instead of cells.
    """
    if isinstance(source, pd.DataFrame):
        header = [str(c).strip() for c in source.columns]
        rows = [(i + 2, list(values)) for i, values in enumerate(source.itertuples(index=False, name=None))]
        return header, rows
    header, rows = _records(_source_text(source))
    if header is None:
        raise ContractError(["line 1: the file is empty; it needs a header naming the contract columns"])
    return header, rows


def _source_text(source) -> str:
    """The text of a CSV file given as a path or an open file (binary or text), decoded as :func:`_decode` says."""
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as handle:
            data = handle.read()
    else:
        try:
            data = source.read()
        except UnicodeDecodeError as exc:
            raise ContractError([
                f"the file is not UTF-8 text ({exc.reason} at byte {exc.start:,}), or was opened as text in "
                "another encoding: pass its path, or open it with open(path, 'rb')"]) from None
    if isinstance(data, (bytes, bytearray, memoryview)):
        text = _decode(bytes(data))
    elif isinstance(data, str):
        text = data.removeprefix("\ufeff")
    else:
        raise ContractError([f"the source gave {type(data).__name__}, not the text of a CSV file"])
    return text


def _decode(data: bytes) -> str:
    """The text of a file: UTF-8 (with or without a byte order mark) or UTF-16 (Excel's "Unicode text").

    Bytes that are not UTF-8 are kept as lone surrogates (``surrogateescape``), so each
    cell that holds one is refused at its line and column, not "at byte 142".
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif len(data) >= 4 and data[1:40:2].count(0) > 0.9 * len(data[1:40:2]) and data[0:40:2].count(0) == 0:
        encoding = "utf-16-le"  # UTF-16 without its mark: every other byte of ASCII text is zero
    elif len(data) >= 4 and data[0:40:2].count(0) > 0.9 * len(data[0:40:2]) and data[1:40:2].count(0) == 0:
        encoding = "utf-16-be"
    else:
        return data.decode("utf-8", "surrogateescape").removeprefix("\ufeff")
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[:exc.start].decode(encoding, "replace").count("\n") + 1
        raise ContractError([f"line {line}: the file is not valid UTF-16 text ({exc.reason})"]) from None


def _records(text: str):
    """The header cells and each later record with the line it starts on; None for an empty file.

    Records are read strictly, with no limit on a field's length (a long field is refused
    later, by its line and column). A record that runs over several lines means a quote was
    left open (or a cell holds a line break): it is refused at the line where it opened.
    """
    lines = io.StringIO(text, newline="").readlines()
    first = lines[0] if lines else ""
    delimiter = ","
    if "," not in first:  # Excel's CSV where the list separator is ';', and its tab-separated "Unicode text"
        delimiter = ";" if ";" in first else "\t" if "\t" in first else ","
    limit = csv.field_size_limit()
    csv.field_size_limit(2**31 - 1)
    try:
        reader = csv.reader(lines, delimiter=delimiter, strict=True)
        header, rows = None, []
        while True:
            start = reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                break
            except csv.Error as error:
                problem = _unreadable(header, lines, start, reader.line_num, delimiter, str(error))
                if header is None:
                    raise ContractError([problem]) from None
                rows.append((start, problem))
                continue
            if header is None:
                header = [cell.strip() for cell in cells]
                if reader.line_num > start:
                    raise ContractError([_unreadable(None, lines, start, reader.line_num, delimiter, "")])
                continue
            if reader.line_num > start:
                rows.append((start, _unreadable(header, lines, start, reader.line_num, delimiter, "", cells)))
                continue
            rows.append((start, cells))
    finally:
        csv.field_size_limit(limit)
    return header, rows


def _unreadable(header, lines, start, end, delimiter, error, cells=None) -> str:
    """Where and why a record could not be read, at the line it starts on."""
    index = _quote_column(lines[start - 1] if start - 1 < len(lines) else "", delimiter)
    if cells is not None:  # read, but over several lines: a quote opened on the first and closed later
        what = (f"a quote opened on this line closes on line {end}, so {end - start + 1} lines read as one "
                "contract; close the quote on its line (or take the line break out of the cell)")
    elif "unexpected end of data" in error:
        what = "a quote opened on this line is never closed; close it, or the lines after it read as one cell"
    elif "expected after" in error:
        what = ("a quote closes in the middle of a cell; a cell is either quoted whole (\"Acme, Inc.\") "
                "or has no quotes around it")
    else:
        what = f"the line cannot be read as CSV ({error})"
    if header is None:
        return f"line {start}: {what}"
    name = header[index] if index < len(header) else f"#{index + 1}"
    return f"line {start}, column {_column(name)}: {what}"


def _quote_column(line: str, delimiter: str) -> int:
    """The cell (from 0) where a line's quoting goes wrong: a quote left open, or closed mid-cell."""
    index, quoted, at_start, i = 0, False, True, 0
    while i < len(line):
        char = line[i]
        if quoted:
            if char == '"':
                if line[i + 1:i + 2] == '"':
                    i += 1
                elif line[i + 1:i + 2] not in (delimiter, "\r", "\n", ""):
                    return index  # closed in the middle of the cell
                else:
                    quoted = False
        elif char == delimiter:
            index, at_start = index + 1, True
            i += 1
            continue
        elif char == '"' and at_start:
            quoted = True
        at_start = False
        i += 1
    return index


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
            problems.append(f"line 1, column {_column(name)}: appears twice")
        seen.add(name)
        if name not in FIELDS:
            problems.append(f"line 1, column {_column(name) if name else '(blank)'}: unknown column; "
                            f"revlib reads {', '.join(FIELDS)}")
    return problems


def _too_many(line, cells, width) -> str:
    return f"line {line}: {cells} cells, but the header names {width} columns"


def _double_entry(line, first) -> str:
    return (f"line {line}: repeats line {first} exactly; a double entry doubles bookings "
            "(give each contract a contract_id if both are real)")


def _id_repeats(line, cid, first) -> str:
    return f"line {line}, column contract_id: {shown(cid)} repeats line {first}"
