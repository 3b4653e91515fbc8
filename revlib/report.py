"""The monthly RevOps report: every figure, every tie-out, and an Excel workbook for finance.

:func:`build` computes the report's tables from a book of contracts;
:func:`checks` proves the figures tie out; :func:`revlib.workbook.write_workbook`
saves it all as a workbook that opens ready to read. ``python -m revlib report`` runs them
from the command line.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .analysis import deferred_rollforward_cents
from .bridge import BRIDGE, arr_bridge_cents, net_bookings
from .retention import retention_in_dollars, retention_of_bridges
from .contract import BILLING_MONTHS, Contract, contract_label, parse_month, round_half_up, shown
from .engine import COLUMNS, Book, annual_cents, cents_schedule, in_cents, in_dollars, starts_empty
from .engine.api import cents_grids, split_shape
from .engine.lines import renewal_of_bookings
from .engine.months import fiscal_freq, fiscal_labels, fiscal_years, period, span
from .workbook import TooBigForExcel, _refuse_past_limits, write_detail, write_workbook  # noqa: F401 (their old home)

def in_segment(contracts, segment: str | None) -> list[Contract] | Book:
    """The contracts of one segment (all of them for None); a segment with no contracts is an error.

    A :class:`Book` (what :func:`revlib.load_book` reads) gives a Book; anything else a list of contracts.
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
    """The report's tables, each a DataFrame, in the order the workbook shows them.

    ``per_customer`` and ``bridge_by_customer`` have a row per customer and a group of
    columns per fiscal year (columns ``(fiscal_year, figure)``). ``monthly_by_customer``,
    every figure per customer and month, is kept only when asked for (``build(detail=True)``):
    it is written beside the workbook (:func:`write_detail`), never into it.
    """

    monthly: pd.DataFrame
    yearly: pd.DataFrame
    per_customer: pd.DataFrame
    bridge: pd.DataFrame
    bridge_by_customer: pd.DataFrame
    bookings: pd.DataFrame
    checks: pd.DataFrame
    contracts: pd.DataFrame
    deferred_rollforward: pd.DataFrame | None = None  # by fiscal year: opening + billings - revenue = closing
    monthly_by_customer: pd.DataFrame | None = None
    retention: pd.DataFrame | None = None  # by fiscal year: NRR, GRR, logo churn, quick ratio (revlib.retention)


def build(contracts, fiscal_year_start: int = 1, segment: str | None = None, start=None, end=None,
          detail: bool = False, progress=None, convention: str = "monthly") -> Report:
    """Every table of the report for a book (or one segment of it).

    ``detail=True`` keeps the monthly figures of each customer (``monthly_by_customer``);
    ``progress(stage)``, if given, is told each stage as it starts; ``convention`` is
    :func:`revlib.schedule`'s (``"daily"``: revenue prorated by day).

    >>> from revlib import examples
    >>> report = build(examples.customers_ab())
    >>> report.yearly.loc["FY2022", ["bookings", "billings", "revenue"]].tolist()
    [30000000.0, 8750000.0, 8750000.0]
    >>> float(report.per_customer.loc["Customer A", ("FY2022", "revenue")])
    6000000.0
    >>> report.checks["result"].unique().tolist()
    ['pass']
    """
    stage = progress or (lambda name: None)
    contracts = in_segment(contracts, segment)
    book = Book.of(contracts)
    stage("scheduling the book")
    monthly = cents_schedule(book, start=start, end=end, convention=convention)
    stage("scheduling each customer")
    each = _by_customer(book, start, end, fiscal_year_start, convention, detail)
    stage("the ARR bridge")
    freq = fiscal_freq(fiscal_year_start)
    bridge, movers = each.bridge, each.movers
    kept = retention_of_bridges(bridge, movers)
    kept.index = fiscal_labels(kept.index)
    bridge.index = fiscal_labels(bridge.index)
    movers.index = movers.index.set_levels(fiscal_labels(movers.index.levels[0]), level=0)
    stage("net bookings")
    bookings = net_bookings(book, freq=freq, start=start, end=end)
    bookings.index = fiscal_labels(bookings.index)
    rollforward = deferred_rollforward_cents(monthly, freq=freq)
    rollforward.index = fiscal_labels(rollforward.index)
    stage("the checks")
    checked = _checks(book, monthly, each.sums, each.customers, convention)
    stage("the contracts table")
    return Report(
        monthly=in_dollars(monthly),
        yearly=in_dollars(annual_cents(monthly, fiscal_year_start)),
        per_customer=across_years(in_dollars(each.yearly)),
        bridge=in_dollars(bridge),
        bridge_by_customer=across_years(in_dollars(movers).swaplevel()),
        bookings=bookings,
        checks=checked,
        contracts=contract_table(contracts),
        deferred_rollforward=in_dollars(rollforward),
        monthly_by_customer=None if each.detail is None else in_dollars(each.detail),
        retention=retention_in_dollars(kept),
    )


CUSTOMER_MONTHS_TOGETHER = 3_000_000
"""About how many (customer, month) cells :func:`_by_customer` schedules at a time."""


@dataclass
class _ByCustomer:
    """What the report reads from the schedule by customer (in cents), made a block of customers at a time."""

    yearly: pd.DataFrame  # each customer's figures by fiscal year (annual_cents)
    bridge: pd.DataFrame  # the book's ARR bridge by fiscal year (arr_bridge_cents), periods not relabelled
    movers: pd.DataFrame  # the same per customer (per_customer=True)
    sums: dict  # each money column added up over the customers, month by month
    customers: int
    detail: pd.DataFrame | None  # the schedule by customer itself, when asked for


def _by_customer(book: Book, start, end, fiscal_year_start: int, convention: str, detail: bool) -> _ByCustomer:
    """The report's figures by customer, from :func:`cents_schedule` by customer.

    A large book is scheduled a block of whole customers at a time (about :data:`CUSTOMER_MONTHS_TOGETHER`
    customer-months), in the order of their names, over the whole book's months, and each block read before the
    next is made: every customer's figures are its own, so the blocks' rows put together, and their bridges
    added up, are the whole book's, while the memory held is a block's. The schedule is made whole only where
    ``detail`` keeps it. Whether the book starts empty is read once, from the whole book's first month, and
    given to each block's bridge: where the bridge starts from the ARR some customers had before the first
    month, no customer's first month moves ARR, which a block of customers that all start empty would not know.
    """
    freq = fiscal_freq(fiscal_year_start)
    first, last = span(book, start, end)
    months = max(last - first + 1, 1)
    codes, names = pd.factorize(book.customer, sort=True)
    together = len(names) if detail else max(1, CUSTOMER_MONTHS_TOGETHER // months)
    empty = None  # read from the schedule, when it is the whole book's
    if len(names) > together:
        empty = starts_empty(cents_schedule(book, start=period(first), end=period(first), by="customer",
                                            convention=convention))
    order = np.argsort(codes, kind="stable")
    cuts = np.searchsorted(codes[order], np.arange(0, max(len(names), 1), together))
    blocks = []
    for lo, hi in zip(cuts, [*cuts[1:], len(book)]):
        part = book if len(cuts) == 1 else book.take(np.sort(order[lo:hi]))
        per = cents_schedule(part, start=start if len(cuts) == 1 else period(first),
                             end=end if len(cuts) == 1 else period(last), by="customer", convention=convention)
        blocks.append(_ByCustomer(annual_cents(per, fiscal_year_start), arr_bridge_cents(per, freq, empty=empty),
                                  arr_bridge_cents(per, freq, per_customer=True, empty=empty), *_customer_sums(per),
                                  per if detail else None))
        del per
    if len(blocks) == 1:
        return blocks[0]
    movers = pd.concat([block.movers for block in blocks])
    periods = movers.index.get_level_values(0)
    by_period = np.argsort(pd.Index(blocks[0].bridge.index).get_indexer(periods), kind="stable")
    return _ByCustomer(
        yearly=pd.concat([block.yearly for block in blocks]),
        bridge=sum((block.bridge for block in blocks[1:]), blocks[0].bridge),
        movers=movers.iloc[by_period],
        sums={c: sum(block.sums[c] for block in blocks) for c in blocks[0].sums},
        customers=sum(block.customers for block in blocks),
        detail=None,
    )


def _customer_sums(per_customer: pd.DataFrame) -> tuple[dict, int]:
    """A schedule by customer in cents: each money column added up over the customers month by month, and the
    number of customers."""
    shape = split_shape(per_customer)
    money = [c for c in per_customer.columns if c != "customers"]
    if shape is not None:  # each column a (customers x months) grid: add up the customers
        summed = {c: per_customer[c].to_numpy().reshape(shape).sum(axis=0) for c in money}
    else:
        summed = per_customer[money].groupby(level="month").sum()
        summed = {c: summed[c].to_numpy() for c in money}
    return summed, per_customer.index.levels[0].size


def across_years(table: pd.DataFrame) -> pd.DataFrame:
    """A table with a row per (customer, fiscal year) as a row per customer, a group of columns per year.

    The columns are ``(fiscal_year, figure)``, years in order; a customer missing from a year shows zeros.

    >>> long = pd.DataFrame({"arr": [1, 2, 3]}, index=pd.MultiIndex.from_tuples(
    ...     [("A", "FY2022"), ("A", "FY2023"), ("B", "FY2023")], names=["customer", "fiscal_year"]))
    >>> across_years(long).to_dict("list")
    {('FY2022', 'arr'): [1, 0], ('FY2023', 'arr'): [2, 3]}
    """
    wide = table.unstack(level=1, fill_value=0)
    years = sorted(set(wide.columns.get_level_values(1)))
    columns = pd.MultiIndex.from_product([years, table.columns], names=["fiscal_year", None])
    return wide.swaplevel(axis=1).reindex(columns=columns)


def check_excel_limits(contracts, fiscal_year_start: int = 1, segment: str | None = None, start=None,
                       end=None) -> None:
    """Refuse, before any figure is computed, a report whose sheets Excel could not open.

    The longest sheets are the contracts (one row each) and the per-customer ones (one row
    per customer, a group of columns per fiscal year); the monthly schedule has a row per month.

    The sheets' sizes are checked by :func:`revlib.workbook._refuse_past_limits`, the one place Excel's limits live.
    """
    contracts = in_segment(contracts, segment)
    book = Book.of(contracts)
    first, last = span(book, start, end)
    first_year, last_year = fiscal_years([period(first), period(last)], fiscal_year_start).year
    years = max(last_year - first_year + 1, 1)
    customers = len(np.unique(book.customer_code))
    months = max(last - first + 1, 1)
    _refuse_past_limits({
        "Monthly schedule": (months + 1, 1 + len(COLUMNS), f"{months:,} months"),
        "Per customer": (customers + 2, 1 + years * len(COLUMNS), f"{customers:,} customers x {years:,} fiscal years"),
        "ARR by customer": (customers + 2, 1 + years * len(BRIDGE),
                            f"{customers:,} customers x {years:,} fiscal years"),
        "Contracts": (len(contracts) + 1, 1 + len(CONTRACT_COLUMNS), f"{len(contracts):,} contracts"),
    })


def arr_trace(contracts, month) -> pd.DataFrame:
    """ARR in a month traced to the contract fields that produce it, one row per contract in service.

    Worked out from the fields alone (start, term, renewal, the price of the
    contract year in effect), without the engine, so it can prove the
    schedule's ARR. A contract with amendments is in service at the price of the
    latest one in effect (none, if that one cancelled it), and renews as the one in
    effect at each term's end says; a contract renewed by a ``renewal_of`` contract
    stops where the renewal starts. Each row is named by the contract (or the
    amendment) whose price it is.

    >>> from revlib import examples, schedule
    >>> trace = arr_trace(examples.nine_clients(), "2022-12")
    >>> bool(trace["arr"].sum() == schedule(examples.nine_clients()).loc["2022-12", "arr"])
    True
    >>> year2 = examples.nine_clients_year2()
    >>> trace = arr_trace(year2, "2023-12")
    >>> float(trace.loc["Y2-01", "arr"]), "N-06" in trace.index, bool(trace["arr"].sum() == 3852)
    (720.0, False, True)
    """
    month = parse_month(month)
    contracts = list(contracts)
    by_id = {c.contract_id: c for c in contracts if c.contract_id}
    label = {id(c): contract_label(c.contract_id, i) for i, c in enumerate(contracts)}

    def root(c):
        while c.amends:
            c = by_id[c.amends]
        return c

    lines, stops = {}, {}
    for c in contracts:
        if c.amends:
            lines.setdefault(id(root(c)), []).append(c)
        if c.renewal_of:
            renewed = root(by_id[c.renewal_of])
            stops[id(renewed)] = min(stops.get(id(renewed), c.start.asfreq("M")), c.start.asfreq("M"))
    rows = []
    for c in contracts:
        if c.amends:
            continue
        begins = c.start.asfreq("M")  # a start on a day counts from its month, as ARR does by day
        served = (month - begins).n
        if served < 0 or (id(c) in stops and month >= stops[id(c)]):
            continue
        chain = [c, *sorted(lines.get(id(c), []), key=lambda a: a.start.asfreq("M"))]

        def in_effect(m):  # the line in effect in month m, and whether it renews
            renews = c.renews
            line = c
            for a in chain[1:]:
                if a.start.asfreq("M") <= m:
                    line, renews = a, renews if a.renews is None else a.renews
            return line, renews

        term = c.term_months
        if any(not in_effect(begins + k * term - 1)[1] for k in range(1, served // term + 1)):
            continue  # a term ended and did not renew
        line, renews = in_effect(month)
        prices = line.prices_per_year
        price = prices[(served % term) // 12] if len(prices) > 1 else prices[0]
        if price:
            rows.append({"contract": label[id(line)], "customer": c.customer, "start": str(c.start),
                         "term_months": term, "renews": renews, "contract_year": served // 12 + 1,
                         "arr": price / 100})
    return pd.DataFrame(rows, columns=["contract", "customer", "start", "term_months", "renews", "contract_year",
                                       "arr"]).set_index("contract")


CONTRACT_COLUMNS = ("customer", "segment", "signed", "start", "term_months", "price_per_year", "billing", "services",
                    "renews", "tcv", "acv", "arr")
"""The columns of :func:`contract_table`, after the contract's label."""


def contract_table(contracts) -> pd.DataFrame:
    """The contracts as read, with the values revlib derives from them (TCV, ACV, ARR)."""
    if isinstance(contracts, Book):
        return _book_table(contracts)
    if any(c.amends for c in contracts):  # an amendment's term and value come from the contract it amends
        return _book_table(Book.of(contracts))
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
    return pd.DataFrame(rows, columns=["contract", *CONTRACT_COLUMNS]).set_index("contract")


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
    for name in ("signed", "start"):  # a day other than the 1st, as read
        day = getattr(book, name + "_day")
        for i in np.flatnonzero(day != 1).tolist():
            months[name][i] = f"{months[name][i]}-{int(day[i]):02d}"
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
    return _checks(Book.of(contracts), in_cents(monthly), *_customer_sums(in_cents(per_customer)))


CHECKED_TOGETHER = 8192
"""About how many contracts :func:`_contract_totals` schedules at a time."""


def _contract_totals(book: Book, end: int, convention: str = "monthly") -> dict:
    """Each contract's bookings, renewal bookings, billings and revenue to month ``end`` (an ordinal), and its
    revenue in its first term (``first_term``) and in the month after (``month_after``), in cents.

    Scheduled contract by contract, a block of whole customers at a time (a contract and the
    rows that amend or renew it stay together), so the (contracts x months) grids stay small.
    """
    totals = {c: np.zeros(len(book), np.int64) for c in ("bookings", "renewal_bookings", "billings", "revenue",
                                                          "first_term", "month_after")}
    order = np.argsort(pd.factorize(book.customer)[0], kind="stable")
    customer = book.customer[order]
    starts = np.flatnonzero(np.r_[True, customer[1:] != customer[:-1]])  # where each customer's rows begin
    cuts = np.unique(starts[np.searchsorted(starts, np.arange(0, len(book), CHECKED_TOGETHER), side="right") - 1])
    for first, stop in zip(cuts, [*cuts[1:], len(book)]):
        rows = np.sort(order[first:stop])
        part = book.take(rows)
        each, months = cents_grids(part, np.arange(len(part)), len(part), end=period(end), convention=convention)
        for c in ("bookings", "renewal_bookings", "billings", "revenue"):
            totals[c][rows] = each[c].sum(axis=1)
        month, ends = months.asi8, (part.start + part.term)[:, None]
        in_first_term = (month >= part.start[:, None]) & (month < ends)
        totals["first_term"][rows] = np.where(in_first_term, each["revenue"], 0).sum(axis=1)
        totals["month_after"][rows] = np.where(month == ends, each["revenue"], 0).sum(axis=1)
    return totals


def _checks(book: Book, cents: pd.DataFrame, summed: dict, customers: int, convention: str = "monthly") -> pd.DataFrame:
    """:func:`checks` of a book, its schedule in cents (:func:`revlib.engine.cents_schedule`) and its customers'
    schedules added up (:func:`_customer_sums`)."""
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

    bad = [c for c in summed if not (np.asarray(summed[c]) == cents[c].to_numpy()).all()]
    add("The customers' schedules add up to the book's", bad, f"{customers} customers")

    daily = convention == "daily"
    span_end = int(np.maximum(book.start + book.term - 1 + (daily & (book.start_day > 1)), book.signed).max())
    # contract by contract; an amendment's figures are its chain's, on the row of the contract it amends
    totals = _contract_totals(book, span_end, convention)
    labels = book.label.tolist()
    value = book.value + book.services
    amendment = book.amends >= 0
    amended = np.zeros(len(book), bool)
    amended[book.amends[amendment]] = True
    plain = ~amendment & ~amended  # contracts no amendment changes
    # what each contract booked when signed: a renewal contract's renewal part is in renewal_bookings too
    signed = totals["bookings"] - totals["renewal_bookings"] + renewal_of_bookings(book)
    add("Each contract books its TCV once, when signed", [labels[i] for i in np.flatnonzero(plain & (signed != value))],
        f"{int(plain.sum())} contracts without amendments")
    ends = plain & ~book.renews
    bad = [labels[i] for i in np.flatnonzero(ends & ((totals["billings"] != value) | (totals["revenue"] != value)))]
    add("Each non-renewing contract bills and earns exactly its TCV", bad, f"{int(ends.sum())} contracts")
    first_term = totals["first_term"]
    renewing = plain & book.renews
    if not daily:
        first_terms = [labels[i] for i in np.flatnonzero(renewing & (first_term != value))]
        add("Each renewing contract earns exactly its TCV over its first term", first_terms,
            f"{int(renewing.sum())} contracts")
    else:
        # By day, a term from the 15th ends in the month after its last whole month, whose revenue is shared with
        # the renewal: the first term's TCV is earned by the end of that month, and not before its last whole month.
        spill = totals["month_after"]
        whole = book.start_day == 1
        wrong = renewing & np.where(whole, first_term != value, (first_term > value) | (first_term + spill < value))
        add("Each renewing contract earns its TCV over its first term (by day: by the end of the month its term ends)",
            [labels[i] for i in np.flatnonzero(wrong)], f"{int(renewing.sum())} contracts")
    if amended.any():  # a contract with its amendments, none of them renewing: one promise that ties out
        chain_renews = book.renews.copy()
        np.logical_or.at(chain_renews, book.amends[amendment], book.renews[amendment])
        chains = amended & ~chain_renews
        unequal = (totals["bookings"] != totals["revenue"]) | (totals["billings"] != totals["revenue"])
        add("Each amended contract that does not renew books, bills and earns the same over its life",
            [labels[i] for i in np.flatnonzero(chains & unequal)], f"{int(chains.sum())} amended contracts")
    return pd.DataFrame(rows)
