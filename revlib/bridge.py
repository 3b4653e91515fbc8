"""What moved ARR, and what kind of business each booking was.

The ARR bridge explains the change in ARR over each period, customer by
customer, month by month:

- **new**: a customer's first month with ARR;
- **ramp**: the price steps fixed at signing (a ramp deal's next contract year,
  up or down: the schedule's ``ramp_step``) of a customer with ARR before and after;
- **expansion**: the rest of a customer's change in ARR, where it is a rise;
- **contraction**: the rest, where it is a fall, but not to zero;
- **churn**: it falls to zero;
- **reactivation**: a customer who had churned has ARR again.

So a ramp deal's second year at a higher price is not upsell, and its step down
is not a downgrade: nobody signed anything that month.

A period's movements are the sum of its months' movements, so starting ARR
plus the movements is the ending ARR, to the cent.

Net bookings split what was booked into five kinds that add up to the schedule's
bookings: a customer's first contract is **new**; a further contract, or an
amendment that raises the price, is **expansion**; what renews (automatically, or
as a ``renewal_of`` contract up to the value it renews) is **renewal**; an
amendment that lowers the price, or a renewal contract below the value it renews,
is **contraction** (negative); a cancellation is **churn** (negative). Gross
bookings are new + expansion + renewal; ``net_new_bookings`` is net bookings as
source 003 defines it: new + expansion - contraction - churn (the last two are
negative here, so they are added).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .engine import Book, in_cents, in_dollars, span, starts_empty
from .engine import daily_lines
from .engine.api import STARTS_EMPTY_READS, cents_grids, cents_of_dollars, split_shape
from .engine.lines import amendment_bookings, renewal_of_bookings

BRIDGE = ("starting_arr", "new", "expansion", "ramp", "contraction", "churn", "reactivation", "ending_arr")
"""The columns of :func:`arr_bridge`; contraction and churn are negative, a ramp step down too."""

MOVEMENTS = BRIDGE[1:-1]
"""The movements between starting and ending ARR: they add up to the change, to the cent."""

KINDS = ("new", "expansion", "renewal", "contraction", "churn")
"""The kinds of booking :func:`net_bookings` tells apart; they add up to the schedule's bookings."""


def arr_bridge(schedule_by_customer: pd.DataFrame, freq: str = "M", per_customer: bool = False) -> pd.DataFrame:
    """Starting ARR, its movements and ending ARR for each period.

    ``schedule_by_customer`` is ``schedule(contracts, by="customer")``. When it
    starts before anything was booked, the first month's ARR is all new;
    otherwise the bridge starts from the first month's ARR, and a customer's
    history before the schedule is not known (a returning customer counts as new).
    ``per_customer=True`` gives the same columns for each customer and period
    with any ARR or movement; they add up to the bridge.

    >>> from revlib import Contract, schedule
    >>> book = [Contract(customer="A", start="2022-01", term_months=12, annual_price=1200),
    ...         Contract(customer="A", start="2022-04", term_months=9, annual_price=600),
    ...         Contract(customer="B", start="2022-02", term_months=6, annual_price=2400)]
    >>> bridge = arr_bridge(schedule(book, by="customer", end="2022-12"), freq="Q")
    >>> bridge.loc["2022Q1"].tolist()
    [0.0, 3600.0, 0.0, 0.0, 0.0, 0.0, 0.0, 3600.0]
    >>> bridge.loc["2022Q3"].tolist()
    [4200.0, 0.0, 0.0, 0.0, 0.0, -2400.0, 0.0, 1800.0]

    A ramp deal's step is ``ramp``, kept apart from upsell; what else changed is
    expansion or contraction:

    >>> ramped = [Contract(customer="R", start="2022-01", term_months=24, annual_price=[1200, 3000]),
    ...           Contract(customer="R", start="2023-01", term_months=12, annual_price=600)]
    >>> arr_bridge(schedule(ramped, by="customer", end="2023-12"), freq="Y").loc["2023"].tolist()
    [1200.0, 0.0, 600.0, 1800.0, 0.0, 0.0, 0.0, 3600.0]
    """
    _check_reads(schedule_by_customer, "arr_bridge")
    if not per_customer and split_shape(schedule_by_customer) is not None and all(
            schedule_by_customer[c].dtype == np.float64 for c in ("arr", "ramp_step")):
        # Only the totals: each block of customers is read in cents as it is bridged, not the columns at once.
        return in_dollars(_bridge(schedule_by_customer, starts_empty(schedule_by_customer), freq, False,
                                  read=cents_of_dollars))
    cents = in_cents(schedule_by_customer, ["arr", "ramp_step"])  # starts_empty reads the first month in dollars
    return in_dollars(_bridge(cents, starts_empty(schedule_by_customer), freq, per_customer))


READS = ("arr", "ramp_step", *STARTS_EMPTY_READS)
"""The columns of a schedule the bridge reads: ARR, its ramp steps, and the first month's flows and balances."""


def bridge_reads(schedule_by_customer: pd.DataFrame, reader: str = "arr_bridge") -> pd.DataFrame:
    """The columns of a schedule in dollars the bridge reads (:data:`READS`), in cents. A missing column is named."""
    _check_reads(schedule_by_customer, reader)
    return in_cents(schedule_by_customer, READS)


def _check_reads(schedule_by_customer: pd.DataFrame, reader: str) -> None:
    """ValueError naming the columns of :data:`READS` the schedule lacks, if any."""
    missing = [c for c in READS if c not in schedule_by_customer.columns]
    if missing:
        raise ValueError(f"{reader} needs the schedule's {', '.join(missing)} column{'s' * (len(missing) > 1)}: "
                         "pass schedule(contracts, by='customer') with all its columns")


def arr_bridge_cents(cents_by_customer: pd.DataFrame, freq: str = "M", per_customer: bool = False,
                     empty: bool | None = None) -> pd.DataFrame:
    """:func:`arr_bridge` of a schedule in cents (:func:`revlib.engine.cents_schedule`), in cents.

    ``empty``: whether the schedule starts before anything was booked; read from its first month
    (:func:`revlib.engine.starts_empty`) when not given. A block of a book's customers is given the whole
    book's answer: customers who all start empty would otherwise count ARR the book had before as new.
    """
    return _bridge(cents_by_customer, starts_empty(cents_by_customer) if empty is None else empty, freq,
                   per_customer)


def _bridge(cents_by_customer: pd.DataFrame, empty: bool, freq: str, per_customer: bool, read=None) -> pd.DataFrame:
    """The bridge of a schedule's ``arr`` and ``ramp_step`` in cents; ``empty``: it starts before anything was
    booked (:func:`revlib.engine.starts_empty` of the schedule). ``read``, if given, reads the rows of a block
    of customers in cents (the schedule is in dollars then): only for the totals of a schedule laid out as
    :func:`revlib.engine.api.split_shape` says."""
    if cents_by_customer.index.nlevels != 2:
        raise ValueError("arr_bridge needs a schedule split by customer: schedule(contracts, by='customer')")
    shape = split_shape(cents_by_customer)
    if shape is not None:  # as cents_schedule lays it out: each customer's months, one row of a grid
        customers = cents_by_customer.index.levels[0].take(cents_by_customer.index.codes[0][::shape[1]])
        months = cents_by_customer.index.levels[1]
        arr = cents_by_customer["arr"].to_numpy().reshape(shape)
        steps = cents_by_customer["ramp_step"].to_numpy().reshape(shape)
    else:
        table = cents_by_customer[["arr", "ramp_step"]].unstack(level=0, fill_value=0)
        customers, months = table["arr"].columns, table.index
        arr, steps = table["arr"].to_numpy().T, table["ramp_step"].to_numpy().T
    before = arr[:, :1] if not empty else np.zeros((len(arr), 1), arr.dtype)
    period = months.asfreq(freq)
    starts = np.flatnonzero(np.r_[True, period[1:] != period[:-1]]) if len(period) else np.zeros(0, np.int64)
    periods = pd.Index(period[starts], name="period")
    if not per_customer:  # a block of customers at a time: each block's grids are small, and summed
        totals = {name: np.zeros(len(starts), np.int64) for name in BRIDGE}
        for first in range(0, len(arr), BLOCK):
            rows = slice(first, first + BLOCK)
            if read is None:
                each = _by_period(arr[rows], before[rows], steps[rows], starts)
            else:
                block = read(arr[rows])
                first_before = np.zeros((len(block), 1), np.int64) if empty else block[:, :1]
                each = _by_period(block, first_before, read(steps[rows]), starts)
            for name, grid in each.items():
                totals[name] += grid.sum(axis=0)
        return pd.DataFrame(totals, index=periods)
    columns = _by_period(arr, before, steps, starts)
    order = np.argsort(np.asarray(customers), kind="stable")  # customers in order, within each period
    cube = np.stack([columns[name][order].T for name in BRIDGE], axis=-1)  # (period, customer, column)
    active = (cube != 0).any(axis=2)
    which_period, which_customer = np.nonzero(active)
    index = pd.MultiIndex(levels=[periods, customers[order]], codes=[which_period, which_customer],
                          names=["period", "customer"], verify_integrity=False)
    return pd.DataFrame(cube[active], index=index, columns=list(BRIDGE))


BLOCK = 2048
"""Customers bridged at a time when only the totals are wanted: their grids fit in the processor's cache."""


def _by_period(arr: np.ndarray, before: np.ndarray, steps: np.ndarray, starts: np.ndarray) -> dict:
    """Each customer's (row's) starting ARR, movements and ending ARR in each period (its first month in ``starts``),
    as (customers x periods) grids in cents; checked to tie out to the cent. ``before`` and ``steps`` as
    :func:`_movements` reads them."""
    previous = np.empty_like(arr)  # each month's ARR before it
    previous[:, :1], previous[:, 1:] = before, arr[:, :-1]
    moves = _movements(arr, previous, before, steps)
    monthly = len(starts) == arr.shape[1]  # each period a month: nothing to add up, nothing to pick
    ends = np.r_[starts[1:], arr.shape[1]] - 1
    columns = {"starting_arr": previous if monthly else previous[:, starts]}
    columns.update({name: grid if monthly else np.add.reduceat(grid, starts, axis=1) for name, grid in moves.items()})
    columns["ending_arr"] = arr if monthly else arr[:, ends]
    ending = columns["starting_arr"].copy()
    for name in moves:
        ending += columns[name]
    assert (ending == columns["ending_arr"]).all(), "the bridge must tie out to the cent"
    return columns


def _movements(arr: np.ndarray, previous: np.ndarray, before: np.ndarray, steps: np.ndarray) -> dict:
    """Each customer's (row's) ARR movements month by month, in cents: a (customers x months) grid for each kind.

    ``previous`` is each month's ARR before it: ``before`` in the first month (the ARR of the month before
    the first, zero when nothing was booked before), then the month before's. ``steps`` are the ramp steps
    each month (the schedule's ``ramp_step``). The first month has no ramp: either nothing was in service
    before it, or the bridge starts from its ARR and moves nothing in it.
    """
    had, has = previous > 0, arr > 0
    seen_before = np.empty_like(has)  # any ARR in an earlier month
    seen_before[:, :1], seen_before[:, 1:] = before > 0, has[:, :-1]
    np.logical_or.accumulate(seen_before, axis=1, out=seen_before)
    start_up = ~had & has
    stays = had & has
    ramp = np.where(stays, steps, 0)
    ramp[:, :1] = 0
    rest = arr - previous  # what changed besides the steps fixed at signing
    rest -= ramp
    contraction = np.where(stays & (rest < 0), rest, 0)
    np.multiply(rest, stays & (rest > 0), out=rest)  # the rises: expansion
    churn = np.where(had & ~has, previous, 0)
    np.negative(churn, out=churn)
    return {
        "new": np.where(start_up & ~seen_before, arr, 0),
        "expansion": rest,
        "ramp": ramp,
        "contraction": contraction,
        "churn": churn,
        "reactivation": np.where(start_up & seen_before, arr, 0),
    }


def net_bookings(contracts, freq: str = "M", start=None, end=None) -> pd.DataFrame:
    """Bookings per period by kind: new, expansion, renewal, contraction and churn; gross and net new bookings.

    Every booking is exactly one kind, so the five kinds add up to the schedule's ``bookings``:

    - **new**: a customer's first contract (earliest signed, then earliest start, then the file's order), its
      value and services;
    - **expansion**: a further contract of an existing customer; an amendment that books more than the line
      it cuts (its value and services less what that line had booked and will not earn); a renewal contract's
      value above the contract it renews, and its services;
    - **renewal**: the schedule's ``renewal_bookings``: what renews automatically, a renewal contract
      (``renewal_of``) up to the value of the contract it renews over the same length (its price in the month
      before, times the renewal's term), and the old price's renewal of a term that an amendment changes from
      its first month;
    - **contraction** (negative): an amendment that books less than the line it cuts, at a price above 0; a
      renewal contract's value below the contract it renews;
    - **churn** (negative): a cancellation (an amendment at price 0): what it takes off, less any fee for it
      (a cancellation from a renewed term's first month takes off that term's renewal, booked as renewal).

    ``gross_bookings`` is new + expansion + renewal; ``net_new_bookings`` is new + expansion + contraction +
    churn (net bookings as source 003 defines them: renewals left out, contraction and churn taken off).

    A customer's $1,200 a year from January 2024, upgraded to $2,400 a year from July (six months at $100
    more a month: +$600 expansion); B's $1,200 contract cancelled from July (-$600 churn); C renews a $1,200
    contract for $1,500 (renewal $1,200, expansion $300):

    >>> from revlib import Contract
    >>> book = [Contract(customer="A", start="2024-01", term_months=12, annual_price=1200, contract_id="A1"),
    ...         Contract(customer="A", start="2024-07", annual_price=2400, amends="A1"),
    ...         Contract(customer="B", start="2024-01", term_months=12, annual_price=1200, contract_id="B1"),
    ...         Contract(customer="B", start="2024-07", annual_price=0, amends="B1"),
    ...         Contract(customer="C", start="2023-01", term_months=12, annual_price=1200, contract_id="C1"),
    ...         Contract(customer="C", start="2024-01", term_months=12, annual_price=1500, renewal_of="C1")]
    >>> nb = net_bookings(book, freq="Y")
    >>> nb.columns.tolist()
    ['new', 'expansion', 'renewal', 'contraction', 'churn', 'gross_bookings', 'net_new_bookings']
    >>> nb.loc["2024"].tolist()
    [2400.0, 900.0, 1200.0, 0.0, -600.0, 4500.0, 2700.0]
    """
    book = Book.of(contracts)
    first, last = span(book, start, end)
    cents, months = cents_grids(book, np.zeros(len(book), np.int64), 1, start, end,
                                "daily" if book.has_days() else "monthly")  # bookings: the same months either way
    kinds = {kind: np.zeros(len(months), np.int64) for kind in KINDS}
    kinds["renewal"] += cents["renewal_bookings"][0]
    amendment, renewal = book.amends >= 0, book.renewal_of >= 0
    contracts_ = np.flatnonzero(~amendment & ~renewal)
    order = contracts_[np.lexsort((contracts_, book.start[contracts_], book.signed[contracts_]))]
    is_first = np.zeros(len(book), bool)
    _, first_of_customer = np.unique(book.customer_code[order], return_index=True)
    is_first[order[first_of_customer]] = True
    signed_value = book.value + book.services
    points = [("new", is_first, signed_value), ("expansion", ~amendment & ~renewal & ~is_first, signed_value)]
    if amendment.any():
        net = (daily_lines.amendment_bookings if book.has_days() else amendment_bookings)(book)
        zero = book.first_price == 0
        for i in np.flatnonzero(amendment & zero).tolist():  # a ramp at price 0 in its first year is not a cancellation
            zero[i] = i not in book.ramps or max(book.ramps[i]) == 0
        points += [("expansion", amendment & (net > 0), net), ("contraction", amendment & (net < 0) & ~zero, net),
                   ("churn", amendment & (net < 0) & zero, net)]
    if renewal.any():  # its renewal part is in renewal_bookings (renewal_of_bookings)
        base = renewal_of_bookings(book)
        points += [("expansion", renewal, np.maximum(book.value - base, 0) + book.services),
                   ("contraction", renewal, np.minimum(book.value - base, 0))]
    for kind, pick, amount in points:
        month = book.signed[pick] - first
        inside = (month >= 0) & (month < len(months))
        kinds[kind] += np.bincount(month[inside], weights=amount[pick][inside], minlength=len(months)).astype(np.int64)
    frame = pd.DataFrame(kinds, index=months.asfreq(freq).rename("period"))
    out = frame.groupby(level="period").sum()[list(KINDS)]
    out["gross_bookings"] = out["new"] + out["expansion"] + out["renewal"]
    out["net_new_bookings"] = out["new"] + out["expansion"] + out["contraction"] + out["churn"]
    return in_dollars(out)
