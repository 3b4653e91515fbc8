"""The fast loading path: a contract file read as text columns, checked column by column with the same rules
and messages as :func:`revlib.load.load_contracts`, straight into the engine's :class:`~revlib.engine.Book`."""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd

from .contract import (BILLING_MONTHS, BOTH_PRICES, EMPTY, MAX_CELL, MAX_CENTS, NO_PRICE, ContractError,
                       contract_label, parse_billing, parse_bool, parse_cents, parse_prices, parse_term,
                       ramp_years, ramp_years_problem, recurring_value, round_half_up, signed_after_start,
                       worth_problem)
from .fields import _Bad, month_and_day, parse_date
from .engine.book import linked
from .load import (_cell_problem, _check_header, _column, _double_entry, _id_repeats, _records, _source_text,
                   _too_many, load_contracts)


def load_book(source, progress=None):
    """Read a CSV file (a path or open file) straight into a :class:`revlib.engine.Book`, the engine's input.

    The same file gives the same figures, to the cent, and the same problems, word for word and in
    the same order, as :func:`load_contracts`; only faster (a million contracts in seconds), because
    no :class:`Contract` is made per row. The file is read as text columns; each column's distinct
    cells are read once, by the same rules (:mod:`revlib.fields`) that check a single contract, the
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
    """A file's cells as columns: the header, each row's line, each header column's cells (padded with ''), and
    what was placed before the columns: records that could not be read, rows with too many cells."""

    def __init__(self, header, lines, cells, placed, clean=False):
        self.header, self.lines, self.cells, self.placed = header, lines, cells, placed
        self.clean = clean  # known to hold no cell that is unreadable whatever its column (see _cell_problem)

    @property
    def columns(self) -> list[np.ndarray]:
        """Each column's cells, row by row."""
        return [column.distinct[column.codes] for column in self.cells]

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
        return cls(header, np.array(lines, np.int64), [_Cells.of(column) for column in columns], placed)


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
    spaces = np.flatnonzero(b == ord(" "))  # only ASCII text: other white space is multibyte in UTF-8
    ends = np.array([d, newline, 13, quote], np.uint8)
    stripped = not (b >= 128).any() and not (
        np.isin(b[np.maximum(spaces - 1, 0)], ends) | np.isin(b[np.minimum(spaces + 1, len(b) - 1)], ends)
        | (spaces == 0) | (spaces == len(b) - 1)).any()
    if not len(quotes):
        cut = _cut_table(raw, b, d, lines, stripped)
        if cut is not None:
            cut.clean = longest <= MAX_CELL
            return cut
    try:
        frame = pd.read_csv(io.BytesIO(raw), sep=delimiter, header=None, dtype=object, na_filter=False,
                            skip_blank_lines=False, engine="c", quoting=csv.QUOTE_MINIMAL, doublequote=True,
                            encoding="utf-8", index_col=False)
    except (pd.errors.ParserError, ValueError):  # a row with more cells than the header: the exact reader says where
        return None
    if len(frame) != lines:
        return None
    header = [str(cell).strip() for cell in frame.iloc[0]]
    cells = [_Cells.of(frame[c].to_numpy(dtype=object)[1:], stripped) for c in frame.columns]
    return _Table(header, np.arange(2, len(frame) + 1, dtype=np.int64), cells, [], clean=longest <= MAX_CELL)


def _cut_table(raw: bytes, b: np.ndarray, delimiter: int, lines: int, stripped: bool):
    """The table cut from the file's bytes at its delimiters and line ends, when no cell is quoted and every line
    has as many cells as the header (else None): each column's cells numbered from their bytes, eight at a time,
    and a Python string made only for each distinct cell, not for each cell as pandas' reader does."""
    newline = ord("\n")
    cuts = np.flatnonzero((b == delimiter) | (b == newline))  # where each cell ends
    if b[-1] != newline:
        cuts = np.append(cuts, len(b))
    width = int(np.searchsorted(cuts, raw.find(b"\n") if b"\n" in raw else len(b))) + 1
    if lines < 2 or len(cuts) != lines * width:
        return None
    line_ends = cuts[width - 1::width]
    if not ((line_ends == len(b)) | (b[np.minimum(line_ends, len(b) - 1)] == newline)).all():
        return None  # a line with more cells than the header, another with fewer
    starts = np.concatenate([[0], cuts[:-1] + 1]).reshape(lines, width)
    ends = cuts.reshape(lines, width).copy()
    ends[:, -1] -= b[np.maximum(ends[:, -1] - 1, 0)] == 13  # a line ending in \r\n
    header = [raw[s:e].decode("utf-8").strip() for s, e in zip(starts[0].tolist(), ends[0].tolist())]
    padded = np.frombuffer(raw + bytes(8), np.uint8)
    window = np.lib.stride_tricks.as_strided(padded, shape=(len(raw) + 1, 8), strides=(1, 1), writeable=False)
    cells = [_Cells.cut(raw, window, starts[1:, j], ends[1:, j], stripped) for j in range(width)]
    return _Table(header, np.arange(2, lines + 1, dtype=np.int64), cells, [])


def _texts(chars: np.ndarray) -> np.ndarray:
    """Cells given as their UTF-8 bytes, a row each (zero past the end), as strings: one decoding for them all."""
    lined = np.zeros((len(chars), chars.shape[1] + 1), np.uint8)
    lined[:, :-1], lined[:, -1] = chars, ord("\n")  # no cell cut from a file holds a line break
    flat = lined.ravel()
    return np.array(flat[flat != 0].tobytes().decode("utf-8").split("\n")[:-1], dtype=object)


def _word(window: np.ndarray, at: np.ndarray, left: np.ndarray) -> np.ndarray:
    """The eight bytes of a file from each position ``at`` as one number (``window``: the file's bytes as a row of
    eight from each position, see :func:`_cut_table`), the bytes from the ``left``-th on (past a cell's end) zero."""
    word = window[np.minimum(at, len(window) - 1)].view("<u8").ravel()  # past the file's end nothing is kept
    keep = np.clip(left, 0, 8).astype(np.uint64) * 8
    return word & np.where(keep == 0, 0, ~np.uint64(0) >> ((64 - keep) & 63))


def _has_c1(b: np.ndarray) -> bool:
    """Whether UTF-8 bytes hold a C1 control character (U+0080 to U+009F: 0xC2 then 0x80 to 0x9F)."""
    lead = np.flatnonzero(b[:-1] == 0xC2)
    return bool(((b[lead + 1] >= 0x80) & (b[lead + 1] <= 0x9F)).any())


class _Cells:
    """One column's cells as codes into its distinct cells (each read once), and those cells stripped."""

    factorized = True  # the distinct cells are all different (else each row has its own, repeats and all)

    def __init__(self, codes: np.ndarray, distinct: np.ndarray, text: np.ndarray | None = None, chars=None):
        self.codes, self.distinct = codes, distinct
        self.text = np.fromiter(map(str.strip, distinct), object, len(distinct)) if text is None else text
        self.chars = chars  # the stripped distinct cells' bytes, a row each (zero past the end), when known

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
    def cut(cls, raw: bytes, window: np.ndarray, starts: np.ndarray, ends: np.ndarray, stripped=False) -> "_Cells":
        """A column's cells at ``raw[starts:ends]`` (the file also as a ``window``: see :func:`_word`), numbered by
        their bytes; a cell longer than 32 bytes in the column: its cells read as text."""
        chunks = max(1, -(-int((ends - starts).max(initial=0)) // 8))
        if chunks > 4:
            cells = np.array([raw[s:e].decode("utf-8") for s, e in zip(starts.tolist(), ends.tolist())], object)
            return cls.of(cells, stripped)
        length = ends - starts
        codes = pd.factorize(_word(window, starts, length))[0]
        for k in range(1, chunks):  # the next eight bytes of the cells that have more, numbered after all before
            longer = np.flatnonzero(length > 8 * k)
            more = pd.factorize(_word(window, starts[longer] + 8 * k, length[longer] - 8 * k))[0]
            codes[longer] = codes.max() + 1 + pd.factorize(codes[longer] * (int(more.max()) + 1) + more)[0]
        if chunks > 1:
            codes = pd.factorize(codes)[0]
        # numbered in order of first appearance: a cell's first row is where its number passes all before it
        first = np.flatnonzero(np.concatenate([[True], codes[1:] > np.maximum.accumulate(codes)[:-1]]))
        block = np.stack([_word(window, starts[first] + 8 * k, length[first] - 8 * k) for k in range(chunks)], axis=1)
        chars = block.astype("<u8").view(np.uint8).reshape(len(first), 8 * chunks)
        distinct = _texts(chars)
        return cls(codes, distinct, distinct, chars) if stripped else cls(codes, distinct)

    @classmethod
    def blank(cls, n: int) -> "_Cells":
        """A column the file lacks: every cell blank."""
        return cls(np.zeros(n, np.intp), np.array([""], dtype=object))

    def rows(self, keep: np.ndarray) -> "_Cells":
        column = _Cells(self.codes[keep], self.distinct, self.text, self.chars)
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

    def plain_cents(self) -> tuple[np.ndarray, np.ndarray]:
        """:func:`_simple_cents` of the distinct cells (stripped), read from their bytes where known."""
        if self.chars is None:
            return _simple_cents(self.text)
        return _plain_cents(self.chars, np.count_nonzero(self.chars, axis=1))

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
    bounds), and their cents: the commonest form of :func:`revlib.fields.parse_cents`'s grammar, read
    for all the cells at once, from their characters. Every other cell is read by ``parse_cents`` itself.
    """
    texts = np.asarray(texts, dtype=object)
    length = np.fromiter(map(len, texts), np.int64, len(texts))
    # as wide as the cells of the column's common lengths, up to a plain amount's longest (12 digits, a dot and
    # 2 more); a rarer, longer cell is read by parse_cents
    counts = np.bincount(np.minimum(length, 16), minlength=17)[:16]
    width = int(np.flatnonzero(counts >= max(1, len(texts) // 200)).max(initial=1))
    return _plain_cents(texts.astype(f"U{width}").view(np.uint32).reshape(-1, width), length)


def _plain_cents(chars: np.ndarray, length: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_simple_cents` of cells given as their characters' codes, a row each (zero past the cell's end,
    perhaps cut short), and their lengths."""
    chars = chars[:, :16]  # a plain amount has at most 15 characters
    width = chars.shape[1]
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
    """Every distinct cell of a price column read as :func:`revlib.fields.parse_prices` reads it:
    per distinct cell its number of prices (0 if blank or refused), first and largest price, the prices
    of a ramp, and its problem."""
    m = len(cells.distinct)
    count, first, top = np.zeros(m, np.int64), np.zeros(m, np.int64), np.zeros(m, np.int64)
    ramps, problems = {}, [None] * m
    texts = cells.text
    ok, cents = cells.plain_cents()
    count[ok], first[ok], top[ok] = 1, cents[ok], cents[ok]
    rest = [j for j in np.flatnonzero(~ok).tolist() if texts[j] != ""]
    several = np.array([j for j in rest if ";" in texts[j]], np.int64)
    slow = [j for j in rest if ";" not in texts[j]]
    if len(several):
        parts = [texts[j].split(";") for j in several]
        sizes = np.array([len(p) for p in parts], np.int64)
        ok, cents = _simple_cents([part.strip() for p in parts for part in p])  # as parse_cents strips
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


def _month_day(value) -> int:
    """A month or a date (:func:`revlib.fields.parse_date`) as one whole number: its month's ordinal times 32 plus
    its day (1 for a whole month)."""
    month, day = month_and_day(parse_date(value))
    return month.ordinal * 32 + day


def _date(month: int, day: int) -> pd.Period:
    """The month (a day of 1) or the day, as :func:`revlib.fields.parse_date` gives it."""
    month = pd.Period(ordinal=int(month), freq="M")
    return month if day == 1 else pd.Period(year=month.year, month=month.month, day=int(day), freq="D")


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


def _checked(table: _Table, progress=None) -> dict:
    """Every problem of a table, placed and ordered as :func:`load_contracts` places them (raised as one
    :class:`ContractError`), or the book's columns for :meth:`revlib.engine.Book.from_columns`."""
    header, lines = table.header, table.lines
    found = [(1, 0, problem) for problem in _check_header(header)] + list(table.placed)
    total = len(lines)
    cells = table.cells
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

    def read(name, parser, order, default=None, amounts=False, blank_ok=None):
        cells = column(name)
        values, problems = cells.each(parser, default, cells.plain_cents() if amounts else None)
        bad = np.array([p is not None for p in problems], bool)
        bad_rows = bad[cells.codes]
        if blank_ok is not None:  # an amendment's cell left blank: the amended contract's
            bad_rows = bad_rows & ~(blank_ok & ~cells.given())
        for r in np.flatnonzero(bad_rows):
            placed.append((r, order, name, problems[cells.codes[r]]))
        return cells, values, ~bad_rows

    amends_cells, renewal_cells = column("amends"), column("renewal_of")
    amendment = amends_cells.given()
    customer = column("customer")
    for r in np.flatnonzero(~customer.given()):
        placed.append((r, 1, "customer", EMPTY))
    start_cells, starts, start_ok = read("start", _month_day, 2)
    term_cells, terms, term_ok = read("term_months", parse_term, 3, blank_ok=amendment)
    term_left_out = amendment & ~term_cells.given()
    billing_cells, billings, billing_ok = read("billing", parse_billing, 4)
    services_cells, service_cents, services_ok = read("services", parse_cents, 5, default=0, amounts=True)
    services = np.array([v or 0 for v in service_cents], np.int64)[services_cells.codes]
    renews_cells, renewals, _ = read("renews", parse_bool, 6)
    signed_cells, signeds, signed_ok = read("signed", _month_day, 7, default=-1)
    if progress is not None:
        progress(total // 2, total)

    start, start_day = np.divmod(np.array([-32 if v is None else v for v in starts], np.int64)[start_cells.codes], 32)
    term = np.array([1 if v is None else v for v in terms], np.int64)[term_cells.codes]
    term[term_left_out] = 0
    signed, signed_day = np.divmod(np.array([-32 if v is None else v for v in signeds], np.int64)[signed_cells.codes],
                                   32)
    no_signed = signed == -1
    signed, signed_day = np.where(no_signed, start, signed), np.where(no_signed, start_day, signed_day)

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
    price_column = np.array(["monthly_price", "annual_price"], dtype=object)[has_annual.astype(np.intp)]
    years = ramp_years(term)
    wrong_years = (count > 1) & term_ok & (count != years) & ~amendment
    for r in np.flatnonzero(wrong_years):
        placed.append((r, 8, price_column[r], ramp_years_problem(int(count[r]), int(term[r]))))
    value = round_half_up(first * np.where(term_ok, term, 0), 12)
    for r, yearly in ramp_of.items():
        value[r] = recurring_value(yearly, int(term[r])) if term_ok[r] and term[r] and not wrong_years[r] else 0
    checked = (count > 0) & term_ok & services_ok & ~amendment
    worth = np.where(wrong_years, 0, value + services)
    for r in np.flatnonzero(checked & ((top > MAX_CENTS) | (worth > MAX_CENTS))):
        placed.append((r, 9, price_column[r], worth_problem(int(top[r]), int(worth[r]))))
    both_days = (signed_day > 1) & (start_day > 1)
    later = (signed > start) | (both_days & (signed == start) & (signed_day > start_day))
    for r in np.flatnonzero(start_ok & signed_ok & later):
        placed.append((r, 10, "signed", signed_after_start(_date(signed[r], signed_day[r]), _date(start[r], start_day[r]))))
    for r in np.flatnonzero(amendment & renewal_cells.given()):
        placed.append((r, 11, "renewal_of", "is given with amends; a row either amends a contract or renews one"))
    ok = np.ones(n, bool)
    ok[[r for r, *_ in placed]] = False
    for bad in unreadable.values():
        ok &= ~bad[keep]
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
    billing = np.array(billings, dtype=object)[billing_cells.codes]
    period = np.array([BILLING_MONTHS.get(b) or 0 for b in billings], np.int64)[billing_cells.codes]
    renews = np.array(renewals, bool)[renews_cells.codes].astype(np.int64)
    billing_left_out, renews_left_out = amendment & ~billing_cells.given(), amendment & ~renews_cells.given()
    period[billing_left_out], renews[renews_left_out] = -1, -1
    billing[billing_left_out] = None
    segment = column("segment")
    columns = dict(
        customer=customer.text[customer.codes],
        customer_code=pd.factorize(customer.text_codes())[0].astype(np.int64),
        segment=np.where(segment.text != "", segment.text, "(none)").astype(object)[segment.codes],
        label=_labels(label),
        start=start, signed=signed, start_day=start_day, signed_day=signed_day, line=line, term=term, period=period,
        renews=renews, services=services, first_price=first,
        ramps=ramp_of, value=value, billing=billing,
    )
    links = (np.where(no_id, "", label).astype(object), amends_cells.text[amends_cells.codes],
             renewal_cells.text[renewal_cells.codes], price_column, ok,
             lambda row: f"line {line[row]}", "the file")
    if found:
        found.sort(key=lambda problem: problem[:2])
        try:
            linked(columns, *links)
            chain = []
        except ContractError as error:
            chain = error.problems
        raise ContractError([problem for _, _, problem in found] + chain)
    if progress is not None:
        progress(total, total)
    return linked(columns, *links)
