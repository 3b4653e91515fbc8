"""Reading a book from the outside, as an analyst of a public company must.

An analyst sees revenue in the income statement and deferred revenue on the
balance sheet, but not the invoices. From those two they estimate billings:
revenue plus the change in deferred revenue. The estimate misses one thing,
revenue earned before it is billed (unbilled revenue), so

    billings = revenue + change in deferred revenue - change in unbilled revenue

holds exactly, and the gap between real and calculated billings is the change
in unbilled revenue, with its sign turned.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .contract import round_half_up
from .engine import in_cents, in_dollars, starts_empty

CALCULATED = ("revenue", "deferred_revenue_change", "calculated_billings", "billings",
              "unbilled_revenue_change", "gap")
"""The columns of :func:`calculated_billings`."""


def calculated_billings(schedule: pd.DataFrame, freq: str | None = None) -> pd.DataFrame:
    """Billings as an outside analyst calculates them, beside the real ones, per period.

    ``freq`` is a pandas period frequency: ``"M"``, ``"Q"`` (calendar quarters, the
    default), ``"Q-JAN"`` (quarters of a fiscal year ending in January) or ``"Y"``.
    The first period is shown only when the schedule starts before anything
    was booked, so that its opening balances are known to be zero.

    Columns: ``revenue``, ``deferred_revenue_change``, ``calculated_billings``
    (their sum), ``billings`` (the real invoices), ``unbilled_revenue_change`` and
    ``gap`` (real less calculated: minus the change in unbilled revenue).

    >>> from revlib import Contract, schedule
    >>> ramp = Contract(customer="R", start="2022-01", term_months=36, billing="annual",
    ...                 annual_price=[1_000_000, 2_000_000, 3_000_000])
    >>> yearly = calculated_billings(schedule(ramp), freq="Y")
    >>> yearly.loc["2022", ["billings", "calculated_billings", "gap"]].tolist()
    [1000000.0, 1999999.92, -999999.92]

    **Reported figures.** ``schedule`` may instead be what a company publishes: a
    table with the columns ``revenue`` and ``deferred_revenue`` (and no
    ``billings``), one row per fiscal period, oldest first, indexed by a
    ``pd.PeriodIndex`` of consecutive periods (``freq="Y-JAN"`` for years that end
    in January). ``revenue`` is the period's revenue and ``deferred_revenue`` the
    balance at its close. The first row gives the **opening balance**: only its
    ``deferred_revenue`` is read (its revenue may be NaN) and it gets no calculated
    billings, so n rows give n - 1 periods. ``freq``, if given, must be the index's
    own frequency: reported periods cannot be regrouped.

    From reported figures the columns are ``revenue``, ``deferred_revenue_change``
    and ``calculated_billings`` only. ``billings``, ``unbilled_revenue_change`` and
    ``gap`` are left out: a company does not publish its invoices, and its unbilled
    revenue (contract assets, unbilled receivables) is not in these two figures, so
    they cannot be known from them. The sums are worked in whole cents; figures
    reported in thousands may be passed as they are, and come back in thousands.

    >>> years = pd.period_range("2022", periods=3, freq="Y-JAN")
    >>> reported = pd.DataFrame({"revenue": [None, 1200.0, 1500.0],
    ...                          "deferred_revenue": [300.0, 400.0, 350.0]}, index=years)
    >>> calculated_billings(reported)
            revenue  deferred_revenue_change  calculated_billings
    period                                                       
    2023     1200.0                    100.0               1300.0
    2024     1500.0                    -50.0               1450.0
    """
    if "billings" not in schedule.columns and set(REPORTED) <= set(schedule.columns):
        return _reported_calculated_billings(schedule, freq)
    freq = "Q" if freq is None else freq
    if isinstance(schedule.index, pd.MultiIndex):
        parts = {key: calculated_billings(part.droplevel(0), freq) for key, part in schedule.groupby(level=0)}
        return pd.concat(parts, names=[schedule.index.names[0]])
    flows, opening, closing = _by_period(in_cents(schedule), freq)
    out = pd.DataFrame(index=flows.index)
    out["revenue"] = flows["revenue"]
    out["deferred_revenue_change"] = closing["deferred_revenue"] - opening["deferred_revenue"]
    out["calculated_billings"] = out["revenue"] + out["deferred_revenue_change"]
    out["billings"] = flows["billings"]
    out["unbilled_revenue_change"] = closing["unbilled_revenue"] - opening["unbilled_revenue"]
    out["gap"] = out["billings"] - out["calculated_billings"]
    assert (out["gap"] == -out["unbilled_revenue_change"]).all(), "billings must tie out to the cent"
    return in_dollars(out)


REPORTED = ("revenue", "deferred_revenue")
"""The columns :func:`calculated_billings` reads from reported figures: revenue for each fiscal period and
the deferred revenue balance at its close."""


def _reported_calculated_billings(reported: pd.DataFrame, freq: str | None) -> pd.DataFrame:
    """:func:`calculated_billings` of reported figures (see there): revenue plus the change in deferred revenue."""
    problems = _reported_problems(reported, freq)
    if problems:
        raise ValueError("cannot read these reported figures:\n" + "\n".join(f"- {p}" for p in problems))
    numbers = reported[list(REPORTED)].astype(float)
    revenue = in_cents(numbers.iloc[1:], ["revenue"])["revenue"].to_numpy()
    closing = in_cents(numbers, ["deferred_revenue"])["deferred_revenue"].to_numpy()
    out = pd.DataFrame(index=reported.index[1:].rename("period"))
    out["revenue"] = revenue
    out["deferred_revenue_change"] = np.diff(closing)
    out["calculated_billings"] = out["revenue"] + out["deferred_revenue_change"]
    return in_dollars(out)


def _same_period_freq(freq: str, index: pd.PeriodIndex) -> bool:
    """True when ``freq`` names the periods of ``index`` (``"Y-JAN"`` for an index of years ending in January)."""
    try:
        return pd.PeriodDtype(freq) == index.dtype
    except (TypeError, ValueError):
        return False


def _reported_problems(reported: pd.DataFrame, freq: str | None) -> list[str]:
    """Every reason ``reported`` cannot be read as reported figures, each saying where; empty if none."""
    index = reported.index
    if not isinstance(index, pd.PeriodIndex):
        return ["the index must be a pd.PeriodIndex of fiscal periods, "
                "e.g. pd.period_range('2022', periods=3, freq='Y-JAN')"]
    problems = []
    if len(index) < 2:
        problems.append("need at least two rows: the first gives the opening deferred revenue")
    if freq is not None and not _same_period_freq(freq, index):
        problems.append(f"freq={freq!r} is not the index's own frequency {index.freqstr!r}: "
                        "reported periods cannot be regrouped")
    problems += [f"periods {index[i]} and {index[i + 1]} are not consecutive"
                 for i in range(len(index) - 1) if index[i + 1] != index[i] + 1]
    for column, first in (("revenue", 1), ("deferred_revenue", 0)):
        values = pd.to_numeric(reported[column], errors="coerce").to_numpy(dtype=float)
        problems += [f"period {index[i]}, column {column}: {reported[column].iloc[i]!r} is not a finite number"
                     for i in range(first, len(index)) if not np.isfinite(values[i])]
    return problems


def _by_period(cents: pd.DataFrame, freq: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """A schedule in cents by period: revenue and billings summed, and deferred and unbilled revenue at
    the period's opening and close.

    A period whose opening balances are unknown (the schedule starts after something was booked) is left out.
    """
    period = cents.index.asfreq(freq)
    period.name = "period"
    grouped = cents.groupby(period, sort=True)
    flows = grouped[["revenue", "billings"]].sum()
    closing = grouped[["deferred_revenue", "unbilled_revenue"]].last()
    opening = closing.shift(1)
    if starts_empty(cents):
        opening.iloc[0] = 0
    known = opening.notna().all(axis=1)
    return flows[known], opening[known].astype(np.int64), closing[known]


ROLLFORWARD = ("opening_deferred_revenue", "billings", "revenue", "unbilled_revenue_change",
               "closing_deferred_revenue")
"""The columns of :func:`deferred_rollforward`, in the order the roll-forward reads."""


def deferred_rollforward(schedule: pd.DataFrame, freq: str = "M") -> pd.DataFrame:
    """Deferred revenue rolled forward: opening balance + billings - revenue = closing balance.

    Where revenue is earned before it is invoiced (a ramp deal), that revenue
    does not come out of deferred revenue but builds up unbilled revenue (a
    contract asset), so the increase in unbilled revenue is added back:

        opening + billings - revenue + unbilled_revenue_change = closing

    One row per period (``"M"``, ``"Q"`` or ``"Y"``); a period whose opening
    balance is unknown (the schedule starts after something was booked) is left out.

    >>> from revlib import Contract, schedule
    >>> c = Contract(customer="X", start="2022-01", term_months=12, annual_price=1200, billing="annual")
    >>> deferred_rollforward(schedule(c)).loc["2022-01"].tolist()
    [0.0, 1200.0, 100.0, 0.0, 1100.0]
    >>> deferred_rollforward(schedule(c)).loc["2022-02"].tolist()
    [1100.0, 0.0, 100.0, 0.0, 1000.0]
    """
    return in_dollars(deferred_rollforward_cents(in_cents(schedule), freq))


def deferred_rollforward_cents(cents: pd.DataFrame, freq: str = "M") -> pd.DataFrame:
    """:func:`deferred_rollforward` of a schedule in cents (:func:`revlib.engine.cents_schedule`), in cents."""
    if isinstance(cents.index, pd.MultiIndex):
        raise ValueError("deferred_rollforward needs a schedule of one book, not one split by a group")
    flows, opening, closing = _by_period(cents, freq)
    out = pd.DataFrame(index=flows.index)
    out["opening_deferred_revenue"] = opening["deferred_revenue"]
    out["billings"] = flows["billings"]
    out["revenue"] = flows["revenue"]
    out["unbilled_revenue_change"] = closing["unbilled_revenue"] - opening["unbilled_revenue"]
    out["closing_deferred_revenue"] = closing["deferred_revenue"]
    rolled = out["opening_deferred_revenue"] + out["billings"] - out["revenue"] + out["unbilled_revenue_change"]
    assert (rolled == out["closing_deferred_revenue"]).all(), "deferred revenue must roll forward to the cent"
    return out


SPLIT = ("backlog", "current_backlog", "non_current_backlog", "deferred_revenue", "unbilled_revenue", "not_yet_billed")
"""The columns of :func:`backlog_split`."""


def backlog_split(schedule: pd.DataFrame) -> pd.DataFrame:
    """Backlog taken apart: when it will be earned, and how much of it is already billed.

    ``current_backlog`` is due within 12 months and ``non_current_backlog``
    later. ``deferred_revenue`` is billed and not yet earned; ``not_yet_billed``
    is booked and not yet invoiced. Unbilled revenue, earned and not yet
    invoiced, has already left backlog but not yet been billed, so

        backlog = deferred_revenue + not_yet_billed - unbilled_revenue

    >>> from revlib import Contract, schedule
    >>> s = schedule(Contract(customer="X", start="2022-01", term_months=24, annual_price=1200, billing="annual"))
    >>> backlog_split(s).loc["2022-01"].tolist()
    [2300.0, 1200.0, 1100.0, 1100.0, 0.0, 1200.0]
    """
    cents = in_cents(schedule, ["backlog", "current_backlog", "deferred_revenue", "unbilled_revenue"])
    out = pd.DataFrame(index=schedule.index)
    out["backlog"] = cents["backlog"]
    out["current_backlog"] = cents["current_backlog"]
    out["non_current_backlog"] = cents["backlog"] - cents["current_backlog"]
    out["deferred_revenue"] = cents["deferred_revenue"]
    out["unbilled_revenue"] = cents["unbilled_revenue"]
    out["not_yet_billed"] = cents["backlog"] - cents["deferred_revenue"] + cents["unbilled_revenue"]
    return in_dollars(out)


def arpa(schedule: pd.DataFrame) -> pd.Series:
    """Average revenue per account: each month's MRR divided by its paying customers, to the cent (0 with none).

    >>> from revlib import examples, schedule
    >>> arpa(schedule(examples.nine_clients())).iloc[:3].tolist()
    [40.0, 30.0, 26.67]
    """
    customers = schedule["customers"].to_numpy()
    mrr = in_cents(schedule, ["mrr"])["mrr"].to_numpy()
    per = np.where(customers > 0, round_half_up(mrr, np.maximum(customers, 1)), 0)
    return pd.Series(per / 100, index=schedule.index, name="arpa")
