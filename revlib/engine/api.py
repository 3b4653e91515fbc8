"""The schedule API: a book's figures month by month and by fiscal year, in cents inside revlib, in dollars outside.

:func:`cents_schedule` is the schedule revlib itself works on: every money column in
whole cents (int64). :func:`schedule` is the same table in dollars, for the public;
:func:`in_dollars` is the one place cents become dollars, and :func:`in_cents` the one
place a schedule handed in by a caller, in dollars, is read back in cents.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..contract import ContractError
from . import daily_lines, rules
from .book import Book
from .months import fiscal_labels, fiscal_years, period, span

COLUMNS = (
    "bookings",
    "renewal_bookings",
    "billings",
    "revenue",
    "recurring_revenue",
    "services_revenue",
    "deferred_revenue",
    "unbilled_revenue",
    "backlog",
    "current_backlog",
    "mrr",
    "arr",
    "ramp_step",
    "customers",
)
"""The columns of a schedule, in order. Every one but ``customers`` is in dollars."""

FLOWS = ("bookings", "renewal_bookings", "billings", "revenue", "recurring_revenue", "services_revenue", "ramp_step")
"""Columns that are amounts of a period: a year's figure is the sum of its months (a year's ramp steps too)."""

BALANCES = ("deferred_revenue", "unbilled_revenue", "backlog", "current_backlog")
"""Columns read at a month end: a year's figure is its last month's."""

RUN_RATES = ("mrr", "arr", "customers")
"""Columns that describe the business in a month: a year's figure is its last month's."""

CONVENTIONS = ("monthly", "daily")
"""How a schedule counts time: whole months (the series' convention), or days (``revlib.engine.daily``)."""

GROUPINGS = ("customer", "segment", "contract")
"""What ``schedule(..., by=...)`` can split a book by."""

STARTS_EMPTY_READS = ("deferred_revenue", "unbilled_revenue", "billings", "revenue", "backlog", "bookings")
"""The columns :func:`starts_empty` reads."""

COUNTS = ("customers",)
"""Columns that are counts, not money: never converted between cents and dollars."""


def schedule(contracts, start=None, end=None, by=None, convention="monthly") -> pd.DataFrame:
    """The month-by-month figures of a book of contracts.

    Parameters
    ----------
    contracts : Contract, list of Contract, DataFrame or CSV path
    start, end : month, optional
        The first and last month to show (``"2022-01"``, a date or a Period).
        By default from the first signed or start month to the end of the
        last non-renewing contract, and at least 36 months.
    by : {None, "customer", "segment", "contract"}
        Split the book: one row per group and month, summing to the book.
    convention : {"monthly", "daily"}
        ``"monthly"`` (the series' convention): every contract starts on the 1st of its
        start month, and a start or signing on another day is refused, by line and column
        (``ContractError``). ``"daily"``: terms run from their start day and revenue is
        spread over the days of each billing period (:mod:`revlib.engine.daily`); amendments
        take effect on their day, prorated by days (:mod:`revlib.engine.daily_lines`); the
        rows are still calendar months.

    Returns
    -------
    DataFrame indexed by a monthly ``PeriodIndex`` named ``month`` (or by
    ``(by, month)``), with the columns in :data:`COLUMNS`: dollars, each a
    whole number of cents, and ``customers`` as a count.

    Examples
    --------
    >>> from revlib import Contract, schedule
    >>> google = Contract(customer="Google", start="2022-01", term_months=36,
    ...                   annual_price=1200, services=1000)
    >>> s = schedule(google)
    >>> s.loc["2022-01", ["bookings", "billings", "revenue", "deferred_revenue", "mrr", "arr"]].tolist()
    [4600.0, 1100.0, 1100.0, 0.0, 100.0, 1200.0]
    >>> s.loc["2022-02", ["billings", "revenue", "backlog"]].tolist()
    [100.0, 100.0, 3400.0]

    Stripe's example: a $31 monthly plan from 15 January earns $17 in January and leaves $14 deferred.

    >>> plan = Contract(customer="S", start="2024-01-15", term_months=12, monthly_price=31)
    >>> schedule(plan, convention="daily").loc["2024-01", ["billings", "revenue", "deferred_revenue"]].tolist()
    [31.0, 17.0, 14.0]
    """
    return _table(contracts, start, end, by, convention, dollars=True)


def cents_schedule(contracts, start=None, end=None, by=None, convention="monthly") -> pd.DataFrame:
    """:func:`schedule` in whole cents (int64): the schedule revlib's own modules work on.

    >>> from revlib import Contract
    >>> cents_schedule(Contract(customer="X", start="2022-01", term_months=12, annual_price=1000)).loc[
    ...     "2022-01", ["revenue", "mrr", "arr", "customers"]].tolist()
    [8333, 8333, 100000, 1]
    """
    return _table(contracts, start, end, by, convention, dollars=False)


def _table(contracts, start, end, by, convention, dollars: bool) -> pd.DataFrame:
    """The schedule's table, in dollars (:func:`schedule`) or in cents (:func:`cents_schedule`).

    Each column is written over the memory of the engine's grid it comes from (:func:`_column`),
    and the frame is built from the columns as they are: no column is copied, and no new memory
    is taken for them (a schedule by customer is about a gigabyte). A schedule split by many groups is
    worked out a block of groups at a time (:func:`_blocks`), each block written into the columns.
    """
    book = Book.of(contracts)
    labels, group = _groups(book, by)
    figures = convention_figures(book, convention)
    origin, months, shown, index = window(book, start, end)
    blocks = _blocks(book, group, len(labels), months)
    if len(blocks) == 1:
        cents = _shown(figures(book, group, len(labels), origin, months), shown)
        own = len({id(grid.base) for grid in cents.values()}) == len(cents)  # no two figures share a grid
        columns = {c: _column(cents.pop(c), dollars and c not in COUNTS, own) for c in COLUMNS}
    else:
        columns = _columns_by_block(book, group, blocks, figures, origin, months, shown, dollars)
    if by is not None:
        index = product_index(pd.Index(labels, dtype=str), index, by)
    return pd.DataFrame(columns, index=index, copy=False)


ROWS_AT_A_TIME = 4096
"""Rows of a grid :func:`_column` moves at a time: where they overlap their new place, numpy copies only them."""


def _column(grid: np.ndarray, dollars: bool, own: bool) -> np.ndarray:
    """A figure as a table's column: the groups' months in turn, in dollars (each divided as :func:`in_dollars`
    divides) or in cents. ``grid`` is the months shown of an engine's (groups x months) grid: when that grid
    is the figure's ``own`` (and holds int64 in one block), the column is written over it from its start, a
    block of rows at a time (each row's new place is never after its old one); otherwise into new memory.
    """
    base = grid.base
    groups, width = grid.shape
    if not (own and base is not None and base.flags.owndata and base.flags.c_contiguous and base.dtype == np.int64
            and base.ndim == 2 and len(base) == groups):
        base = np.empty((groups, width), np.int64)
    column = base.reshape(-1)[:groups * width]
    if dollars:
        column = column.view(np.float64)
    for first in range(0, groups, ROWS_AT_A_TIME):
        rows = slice(first, first + ROWS_AT_A_TIME)
        target = column[first * width:(first + ROWS_AT_A_TIME) * width].reshape(-1, width)
        if dollars:
            _to_dollars(grid[rows], target)
        else:
            target[...] = grid[rows]
    return column


GROUP_MONTHS_TOGETHER = 32_000_000
"""At most how many (group, month) cells of each figure a schedule split by many groups works out at a time (each grid
then 256 MB at most). Blocks bound the grids of a very large split, but they cost fresh memory: numpy's grids this
size are handed back to the system as soon as they are freed, so each block's grids are new pages, on top of the
table's. In one piece the table is written over the grids themselves. Measured on 100,000 customers over 110 months
(134 months of grids): in one piece, 1.6 GB of fresh pages a call; in blocks of 8,000,000 cells, 2.6 GB."""


def _blocks(book: Book, group: np.ndarray, groups: int, months: int) -> list[tuple[int, int]]:
    """The blocks of groups (first, after the last) a schedule split by many groups is worked out in, each at most
    :data:`GROUP_MONTHS_TOGETHER` cells of ``months``, as many groups in each; one block for few groups, or where a
    chain of contracts (an amendment, a renewal contract) would be in two.

    Each block's grids are worked out and written into the table's columns before the next block's are made, so
    only one block's grids are held at a time beside the table.
    """
    count = -(-groups // max(1, GROUP_MONTHS_TOGETHER // max(months, 1)))
    if count < 2:
        return [(0, groups)]
    cuts = [groups * k // count for k in range(count + 1)]
    block = np.searchsorted(cuts, group, side="right") - 1  # each contract's block
    for links in (book.amends, book.renewal_of):
        linked = np.flatnonzero(links >= 0)
        if (block[linked] != block[links[linked]]).any():
            return [(0, groups)]
    return list(zip(cuts[:-1], cuts[1:]))


def _columns_by_block(book: Book, group: np.ndarray, blocks: list, figures, origin: int, months: int, shown: slice,
                      dollars: bool) -> dict:
    """:func:`_column` of every figure, worked out a block of groups at a time (``blocks``, from :func:`_blocks`)
    by ``figures`` (:func:`convention_figures`) over the months of :func:`window`: each group's figures are its own
    contracts', and each block's grids are written into the columns before the next block's are made."""
    width = shown.stop - shown.start
    size = blocks[-1][1] * width
    columns = {c: np.empty(size, np.float64 if dollars and c not in COUNTS else np.int64) for c in COLUMNS}
    order = np.argsort(group, kind="stable")
    cuts = np.searchsorted(group[order], [first for first, _ in blocks] + [blocks[-1][1]])
    for (first, after), lo, hi in zip(blocks, cuts[:-1], cuts[1:]):
        rows = np.sort(order[lo:hi])
        cents = _shown(figures(book.take(rows), group[rows] - first, after - first, origin, months), shown)
        for c in COLUMNS:
            target = columns[c][first * width:after * width].reshape(-1, width)
            if dollars and c not in COUNTS:
                _to_dollars(cents.pop(c), target)
            else:
                target[...] = cents.pop(c)
    return columns


def cents_grids(book: Book, group: np.ndarray, groups: int, start=None, end=None,
                convention="monthly") -> tuple[dict, pd.PeriodIndex]:
    """Every figure of the schedule, in cents, as a (groups x months) array, each contract in ``group``; and the months.

    :func:`cents_schedule` lays these grids out as a table; revlib's modules that need
    other groups than those of ``by`` (or only a few figures) read them directly.
    """
    figures = convention_figures(book, convention)
    origin, months, shown, index = window(book, start, end)
    return _shown(figures(book, group, groups, origin, months), shown), index


def _shown(cents: dict, shown: slice) -> dict:
    """The months ``shown`` of each (groups x months) grid, as views."""
    return {name: grid[:, shown] for name, grid in cents.items()}


def window(book: Book, start=None, end=None) -> tuple[int, int, slice, pd.PeriodIndex]:
    """The months the engine works on for a schedule from ``start`` to ``end``: the first (``origin``, a Period
    ordinal), how many, which of them are shown, and the months shown.

    Twelve months before the first event and after the window, for what lies 12 months ahead.
    """
    first, last = span(book, start, end)
    if last < first:
        raise ValueError(f"end {period(last)} is before start {period(first)}")
    origin = int(min(book.signed.min(), first)) - 12
    months = last - origin + 1 + 12
    return (origin, months, slice(first - origin, last - origin + 1),
            pd.period_range(period(first), period(last), freq="M", name="month"))


def convention_figures(book: Book, convention):
    """The engine's figures for ``convention``; under ``"monthly"``, a book with a start or signing on a day other
    than the 1st is refused (:class:`ContractError`, every such date by line and column), never rounded to its month.
    Under ``"daily"``, what :func:`revlib.engine.daily_lines.problems` names in its chains of amendments and
    renewals is refused.
    """
    if convention not in CONVENTIONS:
        raise ValueError(f"convention={convention!r} is not one of {', '.join(map(repr, CONVENTIONS))}")
    if convention == "daily":
        problems = daily_lines.problems(book)
        if problems:
            raise ContractError(problems)
        return daily_lines.figures
    if book.has_days():
        raise ContractError(book.days_problems())
    return rules.figures


def product_index(groups: pd.Index, months: pd.PeriodIndex, by: str) -> pd.MultiIndex:
    """``MultiIndex.from_product([groups, months], names=[by, "month"])``, built from its codes.

    >>> product_index(pd.Index(["b", "a"]), pd.period_range("2022-01", periods=2, freq="M"), "customer").tolist()
    [('b', Period('2022-01', 'M')), ('b', Period('2022-02', 'M')), ('a', Period('2022-01', 'M')), ('a', Period('2022-02', 'M'))]
    """
    codes, levels = pd.factorize(groups, sort=True)
    # Each level's codes made in the smallest type that numbers it, as pandas keeps them: never converted after.
    codes = codes.astype(_code_type(len(levels)))
    return pd.MultiIndex(levels=[levels, months], codes=[np.repeat(codes, len(months)), np.tile(
        np.arange(len(months), dtype=_code_type(len(months))), len(groups))], names=[by, "month"],
        verify_integrity=False)


def _code_type(size: int):
    """The smallest signed integer type that numbers ``size`` values (with room for -1, a missing value)."""
    return next(t for t in (np.int8, np.int16, np.int32, np.int64) if size < np.iinfo(t).max)


def split_shape(frame: pd.DataFrame) -> tuple[int, int] | None:
    """(groups, months) when ``frame`` is a schedule split by a group, laid out as :func:`cents_schedule` lays it:
    every group's months in order, the same months for each group. None otherwise.

    Then each column, reshaped to (groups x months), is the group-by-month grid.
    """
    index = frame.index
    if index.nlevels != 2 or not isinstance(index.levels[1], pd.PeriodIndex):
        return None
    groups, months = len(index.levels[0]), len(index.levels[1])
    if groups * months != len(index) or not index.levels[1].is_monotonic_increasing:
        return None
    if not (index.codes[1].reshape(groups, months) == np.arange(months)).all():
        return None
    rows = index.codes[0].reshape(groups, months)
    first = rows[:, 0]
    if not ((rows == rows[:, :1]).all() and (first >= 0).all()):
        return None
    seen = np.zeros(groups, bool)
    seen[first] = True
    if not seen.all():  # each group once
        return None
    return groups, months


def in_dollars(cents: pd.DataFrame) -> pd.DataFrame:
    """A table in cents as the public reads it: every column in dollars but the counts (``customers``).

    >>> in_dollars(pd.DataFrame({"revenue": [8333], "customers": [1]})).iloc[0].tolist()
    [83.33, 1.0]
    """
    return _converted(cents, cents.columns, _to_dollars, np.float64)


def _to_dollars(cents: np.ndarray, out: np.ndarray) -> None:
    """Whole cents to dollars (float64), written into ``out``."""
    np.divide(cents, 100, out=out)


def in_cents(schedule: pd.DataFrame, columns=None) -> pd.DataFrame:
    """The ``columns`` (by default all) of a schedule in dollars, read back in whole cents.

    For the public functions that are handed a schedule in dollars; revlib's own
    modules pass :func:`cents_schedule` and never come through here.

    >>> in_cents(pd.DataFrame({"revenue": [83.33], "customers": [1]})).iloc[0].tolist()
    [8333, 1]
    """
    return _converted(schedule, schedule.columns if columns is None else pd.Index(list(columns)), _to_cents, np.int64)


def cents_of_dollars(dollars: np.ndarray) -> np.ndarray:
    """An array of dollars (float64) in whole cents (int64), read as :func:`in_cents` reads a column.

    >>> cents_of_dollars(np.array([[83.33, 0.07]])).tolist()
    [[8333, 7]]
    """
    cents = np.empty(dollars.shape, np.int64)
    _to_cents(dollars, cents)
    return cents


def _to_cents(dollars: np.ndarray, out: np.ndarray) -> None:
    """Dollars (float64) to whole cents, rounded half to even as ``Series.round`` rounds; ValueError if not finite."""
    cents = np.multiply(dollars, 100, out=out.view(np.float64))  # in out's own memory: no other array
    if not np.isfinite(cents).all():
        raise ValueError("cannot read NaN or infinite dollars as cents")
    np.rint(cents, out=out, casting="unsafe")  # element by element over the same memory: the floats read first


def _converted(frame: pd.DataFrame, columns: pd.Index, convert, dtype) -> pd.DataFrame:
    """The ``columns`` of ``frame``, each money column converted by ``convert(values, out)``, the counts as they are.

    The money columns are written into one array, the new frame's own block: no
    column is copied twice, which matters for a schedule of millions of rows.
    """
    money = [c for c in columns if c not in COUNTS]
    if any(frame[c].dtype not in (np.int64, np.float64) for c in money):
        return _converted_each(frame[list(columns)], dtype)
    values = np.empty((len(money), len(frame)), dtype)
    for row, column in enumerate(money):
        convert(frame[column].to_numpy(), values[row])
    out = pd.DataFrame(values.T, index=frame.index, columns=pd.Index(money, name=columns.name), copy=False)
    for position, column in enumerate(columns):
        if column in COUNTS:
            out.insert(position, column, frame[column].to_numpy())
    return out


def _converted_each(frame: pd.DataFrame, dtype) -> pd.DataFrame:
    """:func:`_converted` column by column, for columns of other types (pandas converts them)."""
    if dtype is np.float64:
        return frame.assign(**{c: frame[c] / 100 for c in frame.columns if c not in COUNTS})
    return frame.assign(**{c: (frame[c] * 100).round().astype(np.int64) for c in frame.columns if c not in COUNTS})


def starts_empty(schedule: pd.DataFrame) -> bool:
    """True when nothing was booked before the schedule's first month (for each group of a split schedule).

    Then every balance before that month was zero, so the first month's movements are known.
    Nothing was billed before when billings less revenue is the month's net deferred
    revenue; nothing was booked before when bookings less revenue is its backlog, or,
    where a contract is invoiced beyond its booked term, when its backlog is the
    month's billings less revenue. A group that mixes both kinds in its first month
    is not known to start empty. The schedule may be in dollars or in cents.

    >>> from revlib import examples
    >>> starts_empty(schedule(examples.nine_clients())), starts_empty(schedule(examples.nine_clients(), start="2022-06"))
    (True, False)
    """
    needed = STARTS_EMPTY_READS
    if schedule.index.nlevels == 1:
        rows = np.arange(min(len(schedule), 1))
    elif split_shape(schedule):
        rows = np.arange(0, len(schedule), len(schedule.index.levels[1]))
    else:
        rows = np.flatnonzero(~schedule.index.get_level_values(0).duplicated())  # each group's first row
    first = pd.DataFrame({c: schedule[c].to_numpy()[rows] for c in needed})
    billed_before = (first["deferred_revenue"] - first["unbilled_revenue"] - first["billings"] + first["revenue"]).round(2)
    booked_before = (first["backlog"] - first["bookings"] + first["revenue"]).round(2)
    invoiced_beyond = (first["backlog"] - first["billings"] + first["revenue"]).round(2)
    return bool(((billed_before == 0) & ((booked_before == 0) | (invoiced_beyond == 0))).all())


def annual(schedule: pd.DataFrame, fiscal_year_start: int = 1) -> pd.DataFrame:
    """One row per fiscal year, named by the calendar year in which it ends (``FY2022``).

    Flows are summed over the year's months; balances and run rates are read
    at the year's last month. A schedule split ``by`` a group keeps the split.
    A year the schedule only partly covers is summed over the months it shows.

    >>> from revlib import Contract, schedule
    >>> a = Contract(customer="A", start="2022-01", term_months=48, annual_price=6_000_000, billing="annual")
    >>> annual(schedule(a)).loc["FY2022", ["bookings", "billings", "revenue", "deferred_revenue"]].tolist()
    [24000000.0, 6000000.0, 6000000.0, 0.0]
    >>> annual(schedule(a), fiscal_year_start=7).index[:2].tolist()
    ['FY2022', 'FY2023']
    """
    shape = split_shape(schedule)
    if shape is not None and list(schedule.columns) == list(COLUMNS) and all(
            schedule[c].dtype == (np.int64 if c in COUNTS else np.float64) for c in COLUMNS):
        # A schedule split by a group, as schedule() lays it out: each column read in cents in turn, into
        # the same memory, not the whole table at once (a schedule by customer is about a gigabyte).
        work = np.empty(len(schedule), np.int64)

        def in_cents_each(column: str) -> np.ndarray:
            values = schedule[column].to_numpy()
            if column in COUNTS:
                return values
            _to_cents(values, work)
            return work

        return in_dollars(_annual_of_grids(schedule, shape, fiscal_year_start, in_cents_each))
    return in_dollars(annual_cents(in_cents(schedule), fiscal_year_start))


def annual_cents(cents: pd.DataFrame, fiscal_year_start: int = 1) -> pd.DataFrame:
    """:func:`annual` of a :func:`cents_schedule`, in cents."""
    months = cents.index.get_level_values("month") if cents.index.nlevels > 1 else cents.index
    shape = split_shape(cents)
    if shape is not None and all(cents[c].dtype == np.int64 for c in cents.columns):
        return _annual_of_grids(cents, shape, fiscal_year_start)
    where, unique = pd.factorize(months)  # each distinct month named once, not each row
    label = fiscal_labels(fiscal_years(unique, fiscal_year_start)).take(where)
    keys = [label] if cents.index.nlevels == 1 else [cents.index.get_level_values(0), label]
    grouped = cents.groupby(keys, sort=False)
    flows = [c for c in cents.columns if c in FLOWS]
    rest = [c for c in cents.columns if c not in FLOWS]
    return pd.concat([grouped[flows].sum(), grouped[rest].last()], axis=1)[list(cents.columns)]


def _annual_of_grids(cents: pd.DataFrame, shape: tuple[int, int], fiscal_year_start: int,
                     column_cents=None) -> pd.DataFrame:
    """:func:`annual_cents` of a split schedule laid out as :func:`split_shape` says, on its (groups x months) grids.

    ``column_cents(column)``, if given, reads a column in cents (int64), each in turn; otherwise the columns are.
    """
    groups, months = shape
    years = fiscal_years(cents.index.levels[1], fiscal_year_start)
    starts = np.flatnonzero(np.r_[True, years[1:] != years[:-1]])
    ends = np.r_[starts[1:], months] - 1
    data = np.empty((len(cents.columns), groups, len(starts)), np.int64)
    for k, column in enumerate(cents.columns):
        grid = (cents[column].to_numpy() if column_cents is None else column_cents(column)).reshape(groups, months)
        data[k] = np.add.reduceat(grid, starts, axis=1) if column in FLOWS else grid[:, ends]
    level = cents.index.levels[0]
    order = cents.index.codes[0][::months]  # the groups in the order the schedule shows them
    index = pd.MultiIndex(levels=[level, fiscal_labels(years[starts])],
                          codes=[np.repeat(order, len(starts)), np.tile(np.arange(len(starts)), groups)],
                          names=[cents.index.names[0], "fiscal_year"], verify_integrity=False)
    return pd.DataFrame(data.reshape(len(cents.columns), -1).T, index=index, columns=cents.columns, copy=False)


def _groups(book: Book, by) -> tuple[list, np.ndarray]:
    """Group labels (sorted) and each contract's group number."""
    if by is None:
        return ["book"], np.zeros(len(book), np.int64)
    if by not in GROUPINGS:
        raise ValueError(f"by={by!r} is not one of None, {', '.join(map(repr, GROUPINGS))}")
    names = {"customer": book.customer, "segment": book.segment, "contract": book.label}[by].astype(str)
    if by == "contract":  # an amendment is part of the contract it amends
        original = book.amends < 0
        group = np.cumsum(original, dtype=np.int64) - 1
        group[~original] = group[book.amends[~original]]
        return list(names[original]), group
    labels, group = np.unique(names, return_inverse=True)
    return list(labels), group.astype(np.int64)
