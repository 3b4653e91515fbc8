"""Reading a contract file: every problem listed by line and column, nothing half-loaded."""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import os
import re

import numpy as np
import pandas as pd

from .contract import (BILLING_MONTHS, BOTH_PRICES, EMPTY, FIELDS, MAX_CELL, MAX_CENTS, NO_PRICE, Contract, ContractError,
                       _Bad, contract_label, parse_billing, parse_bool, parse_cents, parse_month, parse_prices, parse_term,
                       ramp_years, ramp_years_problem, recurring_value, round_half_up, shown, signed_after_start,
                       text_problem, worth_problem)

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
    if not problems and not contracts:
        problems.append("line 1: the file has no contracts")
    if problems:
        raise ContractError(problems)
    return contracts


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


# The fast path: the file read as text columns, checked column by column, straight into the engine's Book -----

def load_book(source, progress=None):
    """Read a CSV file (a path or open file) straight into a :class:`revlib.engine.Book`, the engine's input.

    The same file gives the same figures, to the cent, and the same problems, word for word and in
    the same order, as :func:`load_contracts`; only faster (a million contracts in seconds), because
    no :class:`Contract` is made per row. The file is read as text columns; each column's distinct
    cells are read once, by the same rules (:mod:`revlib.contract`) that check a single contract, the
    commonest amounts ("1200.50") by a vectorised reading of the same grammar. A DataFrame goes through
    :func:`load_contracts`.

    >>> import io
    >>> book = load_book(io.StringIO("customer,start,term_months,annual_price,services\\n"
    ...                              "Google,2022-01,36,1200,1000\\n"))
    >>> int(book.value[0] + book.services[0])
    460000
    >>> load_book(io.StringIO("customer,start,term_months,annual_price\\nAcme,2022-13,12,1.200,50\\n"))
    Traceback (most recent call last):
    ...
    revlib.contract.ContractError: 2 problems:
      line 2: 5 cells, but the header names 4 columns
      line 2, column start: '2022-13' is not a month (write it as YYYY-MM)
    """
    from .engine.book import Book

    if isinstance(source, pd.DataFrame):
        return Book.of(load_contracts(source, progress))
    table = _Table.read(_source_text(source))
    return Book.from_columns(**_checked(table, progress))


class _Table:
    """A file's cells as text columns: the header, each row's line, one array per header column (cells padded
    with ''), and what was placed before the columns: records that could not be read, rows with too many cells."""

    def __init__(self, header, lines, columns, placed, clean=False, stripped=False):
        self.header, self.lines, self.columns, self.placed = header, lines, columns, placed
        self.clean = clean  # known to hold no cell that is unreadable whatever its column (see _cell_problem)
        self.stripped = stripped  # known to hold no cell with white space to strip at either end

    @classmethod
    def read(cls, text: str) -> "_Table":
        fast = _fast_table(text)
        if fast is not None:
            return fast
        header, records = _records(text)  # the exact reader: every record placed by the line it starts on
        if header is None:
            raise ContractError(["line 1: the file is empty; it needs a header naming the contract columns"])
        width, lines, rows, placed = len(header), [], [], []
        for line, cells in records:
            if isinstance(cells, str):
                placed.append((line, 0, cells))
                continue
            if len(cells) > width and any(c.strip() for c in cells[width:]):
                placed.append((line, 0, _too_many(line, len(cells), width)))
            rows.append(cells[:width] + [""] * (width - len(cells)))
            lines.append(line)
        columns = [np.array(c, dtype=object) for c in zip(*rows)] if rows else [np.array([], object)] * width
        return cls(header, np.array(lines, np.int64), columns, placed)


def _fast_table(text: str):
    """The table read by pandas' C reader, when nothing in the file needs the exact reader; else None.

    pandas and Python's csv module agree on a file in which every quote opens a cell or closes it (or is
    doubled inside a quoted cell), no quoted cell spans lines, no line ends in a lone carriage return,
    there are no control characters and no bytes that are not UTF-8, and no row has more cells than the
    header: then each row is one line, and its line number is its position. Anything else (a problem to
    place, usually) goes through the exact reader.
    """
    first = text[:text.find("\n")] if "\n" in text else text
    delimiter = "," if "," in first else ";" if ";" in first else "\t" if "\t" in first else ","
    try:
        raw = text.encode("utf-8")
    except UnicodeEncodeError:  # bytes that are not UTF-8, kept as surrogates
        return None
    if not raw.strip():
        return None
    b = np.frombuffer(raw, np.uint8)
    newline, d, quote = ord("\n"), ord(delimiter), ord('"')
    control = np.count_nonzero(b < 32) - np.count_nonzero(b == newline) - np.count_nonzero(b == 13)
    if delimiter == "\t":
        control -= np.count_nonzero(b == 9)
    if control or np.count_nonzero(b == 127) or _has_c1(b) or not first.strip():
        return None
    returns = np.flatnonzero(b == 13)
    if len(returns) and ((returns + 1 >= len(b)).any() or (b[np.minimum(returns + 1, len(b) - 1)] != newline).any()):
        return None
    quotes = np.flatnonzero(b == quote)
    if len(quotes):
        if len(quotes) % 2:
            return None
        opening, closing = quotes[0::2], quotes[1::2]
        before = b[np.maximum(opening - 1, 0)]
        at_start = (opening == 0) | (before == d) | (before == newline)
        doubled = np.zeros(len(opening), bool)
        doubled[1:] = opening[1:] - 1 == closing[:-1]
        after = b[np.minimum(closing + 1, len(b) - 1)]
        at_end = (closing + 1 == len(b)) | (after == d) | (after == newline) | (after == 13)
        doubled_after = np.zeros(len(closing), bool)
        doubled_after[:-1] = closing[:-1] + 1 == opening[1:]
        lines_in = np.searchsorted(np.flatnonzero(b == newline), np.stack([opening, closing]))  # no line break inside
        if not ((at_start | doubled).all() and (at_end | doubled_after).all() and (lines_in[0] == lines_in[1]).all()):
            return None
    ends = np.flatnonzero(b == newline)
    lines = len(ends) + (b[-1] != newline)
    longest = int(np.diff(ends, prepend=-1, append=len(b)).max())  # a line's characters and more: its bytes
    try:
        frame = pd.read_csv(io.BytesIO(raw), sep=delimiter, header=None, dtype=object, na_filter=False,
                            skip_blank_lines=False, engine="c", quoting=csv.QUOTE_MINIMAL, doublequote=True,
                            encoding="utf-8", index_col=False)
    except (pd.errors.ParserError, ValueError):  # a row with more cells than the header: the exact reader says where
        return None
    if len(frame) != lines:
        return None
    header = [str(cell).strip() for cell in frame.iloc[0]]
    columns = [frame[c].to_numpy(dtype=object)[1:] for c in frame.columns]
    spaces = np.flatnonzero(b == ord(" "))  # only ASCII text: other white space is multibyte in UTF-8
    ends = np.array([d, newline, 13, quote], np.uint8)
    stripped = not (b >= 128).any() and not (
        np.isin(b[np.maximum(spaces - 1, 0)], ends) | np.isin(b[np.minimum(spaces + 1, len(b) - 1)], ends)
        | (spaces == 0) | (spaces == len(b) - 1)).any()
    return _Table(header, np.arange(2, len(frame) + 1, dtype=np.int64), columns, [], clean=longest <= MAX_CELL,
                  stripped=stripped)


def _has_c1(b: np.ndarray) -> bool:
    """Whether UTF-8 bytes hold a C1 control character (U+0080 to U+009F: 0xC2 then 0x80 to 0x9F)."""
    lead = np.flatnonzero(b[:-1] == 0xC2)
    return bool(((b[lead + 1] >= 0x80) & (b[lead + 1] <= 0x9F)).any())


class _Cells:
    """One column's cells as codes into its distinct cells (each read once), and those cells stripped."""

    factorized = True  # the distinct cells are all different (else each row has its own, repeats and all)

    def __init__(self, codes: np.ndarray, distinct: np.ndarray, text: np.ndarray | None = None):
        self.codes, self.distinct = codes, distinct
        self.text = np.fromiter(map(str.strip, distinct), object, len(distinct)) if text is None else text

    @classmethod
    def of(cls, cells, stripped=False) -> "_Cells":
        """A column's cells; read one by one where most are distinct (amounts, ids), as distinct cells elsewhere.
        ``stripped``: the cells are known to have no white space to strip."""
        if len(pd.unique(cells[:10_000])) > 5_000:  # each cell as its own (the same cell may come again)
            column = cls(np.arange(len(cells)), cells, cells if stripped else None)
            column.factorized = False
            return column
        codes, distinct = pd.factorize(cells)
        distinct = np.asarray(distinct, dtype=object)
        return cls(codes, distinct, distinct if stripped else None)

    @classmethod
    def blank(cls, n: int) -> "_Cells":
        """A column the file lacks: every cell blank."""
        return cls(np.zeros(n, np.intp), np.array([""], dtype=object))

    def rows(self, keep: np.ndarray) -> "_Cells":
        column = _Cells(self.codes[keep], self.distinct, self.text)
        column.factorized = self.factorized
        return column

    def given(self) -> np.ndarray:
        """Each row: whether its cell is not blank."""
        return (self.text != "")[self.codes]

    def text_codes(self) -> np.ndarray:
        """Each row's stripped cell as a number (equal cells, equal numbers)."""
        if self.factorized and (self.text is self.distinct or (self.text == self.distinct).all()):  # none stripped
            return self.codes
        return pd.factorize(self.text)[0][self.codes]

    def each(self, parser, default=None, known=None):
        """``parser`` on each distinct cell (blank ones are ``default`` if given; ``known``, a mask and values,
        those already read): (values, problems), each a list by distinct cell."""
        values = [None] * len(self.distinct) if known is None else known[1].tolist()
        problems = [None] * len(self.distinct)
        for j in range(len(self.distinct)) if known is None else np.flatnonzero(~known[0]).tolist():
            if default is not None and self.text[j] == "":
                values[j] = default
                continue
            try:
                values[j] = parser(self.distinct[j])
            except _Bad as bad:
                values[j], problems[j] = None, str(bad)
        return values, problems


def _simple_cents(texts) -> tuple[np.ndarray, np.ndarray]:
    """Which cells are plain amounts (``1200``, ``1200.5``, ``1200.50``: up to 12 digits, so within the
    bounds), and their cents: the commonest form of :func:`revlib.contract.parse_cents`'s grammar, read
    for all the cells at once, from their characters. Every other cell is read by ``parse_cents`` itself.
    """
    texts = np.asarray(texts, dtype=object)
    length = np.fromiter(map(len, texts), np.int64, len(texts))
    # as wide as the cells of the column's common lengths, up to a plain amount's longest (12 digits, a dot and
    # 2 more); a rarer, longer cell is read by parse_cents
    counts = np.bincount(np.minimum(length, 16), minlength=17)[:16]
    width = int(np.flatnonzero(counts >= max(1, len(texts) // 200)).max(initial=1))
    chars = texts.astype(f"U{width}").view(np.uint32).reshape(-1, width)
    size = np.count_nonzero(chars, axis=1)
    size[length != size] = 0  # a cell cut short (too long to be plain), or with a NUL in it: not plain
    digit = (chars >= ord("0")) & (chars <= ord("9"))
    dot = chars == ord(".")
    dots = dot.sum(1)
    point = np.where(dots == 1, dot.argmax(1), size)  # digits before the decimal point
    places = size - point - dots  # digits after it
    ok = ((digit.sum(1) + dots == size) & (dots <= 1) & (point >= 1) & (point <= 12) & (places <= 2))
    number = np.zeros(len(chars), np.int64)
    for column in range(width):  # the digits read left to right, the decimal point passed over
        number = np.where(digit[:, column], number * 10 + chars[:, column] - ord("0"), number)
    return ok, np.where(ok, number * 10 ** np.clip(2 - places, 0, 2), 0)


def _each_price(cells: _Cells):
    """Every distinct cell of a price column read as :func:`revlib.contract.parse_prices` reads it:
    per distinct cell its number of prices (0 if blank or refused), first and largest price, the prices
    of a ramp, and its problem."""
    m = len(cells.distinct)
    count, first, top = np.zeros(m, np.int64), np.zeros(m, np.int64), np.zeros(m, np.int64)
    ramps, problems = {}, [None] * m
    texts = cells.text
    ok, cents = _simple_cents(texts)
    count[ok], first[ok], top[ok] = 1, cents[ok], cents[ok]
    rest = [j for j in np.flatnonzero(~ok).tolist() if texts[j] != ""]
    several = np.array([j for j in rest if ";" in texts[j]], np.int64)
    slow = [j for j in rest if ";" not in texts[j]]
    if len(several):
        parts = [texts[j].split(";") for j in several]
        sizes = np.array([len(p) for p in parts], np.int64)
        ok, cents = _simple_cents([part for p in parts for part in p])
        owner = np.repeat(np.arange(len(several)), sizes)
        all_ok = np.bincount(owner, weights=~ok, minlength=len(several)) == 0
        starts = np.cumsum(sizes) - sizes
        prices = cents.tolist()
        for k in np.flatnonzero(all_ok).tolist():
            ramps[int(several[k])] = tuple(prices[starts[k]:starts[k] + sizes[k]])
        slow += several[~all_ok].tolist()
    for j in slow:
        try:
            prices = parse_prices(cells.distinct[j])
        except _Bad as bad:
            problems[j] = str(bad)
            continue
        if len(prices) > 1:
            ramps[j] = prices
        else:
            count[j], first[j], top[j] = 1, prices[0], prices[0]
    for j, prices in ramps.items():
        count[j], first[j], top[j] = len(prices), prices[0], max(prices)
    return count, first, top, ramps, problems


def _first_rows(codes: np.ndarray) -> np.ndarray:
    """For each row, the first row with the same code."""
    if not len(codes):
        return codes
    first = np.full(int(codes.max()) + 1, len(codes), np.int64)
    np.minimum.at(first, codes, np.arange(len(codes)))
    return first[codes]


def _labels(ids: np.ndarray) -> np.ndarray:
    """Each contract's label: its id, or its place in the book (:func:`revlib.contract.contract_label`)."""
    labels = ids.copy()
    for i in np.flatnonzero(ids == "").tolist():
        labels[i] = contract_label(None, i)
    return labels


def _too_many(line, cells, width) -> str:
    return f"line {line}: {cells} cells, but the header names {width} columns"


def _double_entry(line, first) -> str:
    return (f"line {line}: repeats line {first} exactly; a double entry doubles bookings "
            "(give each contract a contract_id if both are real)")


def _id_repeats(line, cid, first) -> str:
    return f"line {line}, column contract_id: {shown(cid)} repeats line {first}"


def _checked(table: _Table, progress=None) -> dict:
    """Every problem of a table, placed and ordered as :func:`load_contracts` places them (raised as one
    :class:`ContractError`), or the book's columns for :meth:`revlib.engine.Book.from_columns`."""
    header, lines = table.header, table.lines
    found = [(1, 0, problem) for problem in _check_header(header)] + list(table.placed)
    total = len(lines)
    cells = [_Cells.of(column, table.stripped) for column in table.columns]
    if progress is not None:
        progress(0, total)
    named = {name: cells[i] for i, name in enumerate(header)}  # a repeated name: its last column, as a record
    blank = np.ones(total, bool)
    for column in named.values():
        blank &= ~column.given()
    unreadable = {}
    for i, (name, column) in enumerate(zip(header, cells)):
        if table.clean:
            break
        problems = [_cell_problem(cell) for cell in column.distinct]
        if not any(problems):
            continue
        bad = np.array([p is not None for p in problems], bool)[column.codes] & ~blank
        for r in np.flatnonzero(bad):
            found.append((lines[r], 1 + i, f"line {lines[r]}, column {_column(name)}: {problems[column.codes[r]]}"))
        unreadable[name] = unreadable.get(name, np.zeros(total, bool)) | bad
    keep = np.flatnonzero(~blank)
    line, n = lines[keep], len(keep)

    def column(name) -> _Cells:
        return named[name].rows(keep) if name in named else _Cells.blank(n)

    placed = []  # (row, order in a contract's problems, column, message)

    def read(name, parser, order, default=None, amounts=False):
        cells = column(name)
        values, problems = cells.each(parser, default, _simple_cents(cells.text) if amounts else None)
        bad = np.array([p is not None for p in problems], bool)
        for r in np.flatnonzero(bad[cells.codes]):
            placed.append((r, order, name, problems[cells.codes[r]]))
        return cells, values, ~bad[cells.codes]

    customer = column("customer")
    for r in np.flatnonzero(~customer.given()):
        placed.append((r, 1, "customer", EMPTY))
    start_cells, starts, start_ok = read("start", lambda v: parse_month(v).ordinal, 2)
    term_cells, terms, term_ok = read("term_months", parse_term, 3)
    billing_cells, billings, billing_ok = read("billing", parse_billing, 4)
    services_cells, service_cents, services_ok = read("services", parse_cents, 5, default=0, amounts=True)
    services = np.array([v or 0 for v in service_cents], np.int64)[services_cells.codes]
    renews_cells, renewals, _ = read("renews", parse_bool, 6)
    signed_cells, signeds, signed_ok = read("signed", lambda v: parse_month(v).ordinal, 7, default=-1)
    if progress is not None:
        progress(total // 2, total)

    start = np.array([-1 if v is None else v for v in starts], np.int64)[start_cells.codes]
    term = np.array([1 if v is None else v for v in terms], np.int64)[term_cells.codes]
    signed = np.array([-1 if v is None else v for v in signeds], np.int64)[signed_cells.codes]
    signed = np.where(signed == -1, start, signed)

    annual, monthly = column("annual_price"), column("monthly_price")
    has_annual, has_monthly = annual.given(), monthly.given()
    for r in np.flatnonzero(has_annual & has_monthly):
        placed.append((r, 8, "annual_price", BOTH_PRICES))
    for r in np.flatnonzero(~has_annual & ~has_monthly):
        placed.append((r, 8, "annual_price", NO_PRICE))
    count, first, top = np.zeros(n, np.int64), np.zeros(n, np.int64), np.zeros(n, np.int64)
    ramp_of = {}
    for name, cells, chosen, months in (("annual_price", annual, has_annual & ~has_monthly, 1),
                                        ("monthly_price", monthly, has_monthly & ~has_annual, 12)):
        each_count, each_first, each_top, each_ramp, problems = _each_price(cells)
        rows = np.flatnonzero(chosen)
        codes = cells.codes[rows]
        count[rows], first[rows], top[rows] = each_count[codes], each_first[codes] * months, each_top[codes] * months
        refused = np.array([p is not None for p in problems], bool)
        for r, j in zip(rows[refused[codes]].tolist(), codes[refused[codes]].tolist()):
            placed.append((r, 8, name, problems[j]))
        ramp = each_count > 1
        for r, j in zip(rows[ramp[codes]].tolist(), codes[ramp[codes]].tolist()):
            ramp_of[r] = tuple(months * p for p in each_ramp[j])
    price_column = np.where(has_annual, "annual_price", "monthly_price")
    years = ramp_years(term)
    wrong_years = (count > 1) & term_ok & (count != years)
    for r in np.flatnonzero(wrong_years):
        placed.append((r, 8, price_column[r], ramp_years_problem(int(count[r]), int(term[r]))))
    value = round_half_up(first * np.where(term_ok, term, 0), 12)
    for r, yearly in ramp_of.items():
        value[r] = recurring_value(yearly, int(term[r])) if term_ok[r] and not wrong_years[r] else 0
    checked = (count > 0) & term_ok & services_ok
    worth = np.where(wrong_years, 0, value + services)
    for r in np.flatnonzero(checked & ((top > MAX_CENTS) | (worth > MAX_CENTS))):
        placed.append((r, 9, price_column[r], worth_problem(int(top[r]), int(worth[r]))))
    for r in np.flatnonzero(start_ok & signed_ok & (signed > start)):
        placed.append((r, 10, "signed", signed_after_start(pd.Period(ordinal=int(signed[r]), freq="M"),
                                                           pd.Period(ordinal=int(start[r]), freq="M"))))
    for r, order, name, message in placed:
        if name == "annual_price" and "annual_price" not in header:
            if "monthly_price" not in header:
                continue
            name = "monthly_price"
        elif name not in header:
            continue
        if name in unreadable and unreadable[name][keep[r]]:
            continue
        found.append((line[r], 1000 + order, f"line {line[r]}, column {name}: {message}"))

    ids = column("contract_id")
    label = ids.text[ids.codes]
    three = np.flatnonzero(np.fromiter(map(len, ids.text), np.int64, len(ids.text)) == 3)
    no_id = ids.text == ""
    no_id[three] = [t.lower() == "nan" for t in ids.text[three]]  # "nan", as a spreadsheet's blank reads
    no_id = no_id[ids.codes]
    with_id = np.flatnonzero(~no_id)
    earlier = with_id[_first_rows(ids.text_codes()[with_id])]
    for r, e in zip(with_id[earlier != with_id].tolist(), earlier[earlier != with_id].tolist()):
        found.append((line[r], 2000, _id_repeats(line[r], label[r], line[e])))
    without = np.flatnonzero(no_id)
    if len(without):
        key = np.zeros(len(without), np.int64)
        for name in named:
            codes = named[name].rows(keep).text_codes()[without]
            key = pd.factorize(key * (int(codes.max()) + 1) + codes)[0].astype(np.int64)
        earlier = without[_first_rows(key)]
        for r, e in zip(without[earlier != without].tolist(), earlier[earlier != without].tolist()):
            found.append((line[r], 2000, _double_entry(line[r], line[e])))
    if not found and not n:
        found.append((1, 0, "line 1: the file has no contracts"))
    if found:
        found.sort(key=lambda problem: problem[:2])
        raise ContractError([problem for _, _, problem in found])
    if progress is not None:
        progress(total, total)

    billing = np.array(billings, dtype=object)[billing_cells.codes]
    period = np.array([BILLING_MONTHS.get(b) or 0 for b in billings], np.int64)[billing_cells.codes]
    segment = column("segment")
    return dict(
        customer=customer.text[customer.codes],
        customer_code=pd.factorize(customer.text_codes())[0].astype(np.int64),
        segment=np.where(segment.given(), segment.text[segment.codes], "(none)").astype(object),
        label=_labels(label),
        start=start, signed=signed, term=term, period=np.where(period == 0, term, period),
        renews=np.array(renewals, bool)[renews_cells.codes], services=services, first_price=first,
        ramps=ramp_of, value=value, billing=billing,
    )
