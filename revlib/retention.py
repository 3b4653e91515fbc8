"""How much of the business a period started with it kept: net and gross revenue retention, logo churn, quick ratio.

Every figure is read off the ARR bridge customer by customer (:func:`revlib.arr_bridge` with
``per_customer=True``), so retention and the bridge always agree.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .bridge import arr_bridge_cents, bridge_reads
from .engine import in_dollars

RETENTION = ("starting_arr", "nrr", "grr", "logo_churn", "quick_ratio")
"""The columns of :func:`retention`: starting ARR in dollars, the rest as fractions (1.05 is 105%)."""


def retention(schedule_by_customer: pd.DataFrame, freq: str = "Y") -> pd.DataFrame:
    """Net and gross revenue retention, logo churn and the quick ratio, one row per period.

    ``schedule_by_customer`` is ``schedule(contracts, by="customer")``; ``freq``
    is a period as :func:`revlib.arr_bridge` takes it (``"Y"``, ``"Q"``, ``"M"``).
    The movements are the bridge's for the period. NRR, GRR and logo churn look
    only at the **cohort**: the customers with ARR at the period's start.

    - ``starting_arr``: the cohort's ARR at the start (the bridge's starting ARR);
    - ``nrr`` (net revenue retention) = (start + expansion + ramp + contraction
      + churn) / start: what the cohort pays at the end for every dollar it
      paid at the start, upsell and ramp steps included;
    - ``grr`` (gross revenue retention) = (start + contraction + churn) / start:
      the same with only the losses, so between 0 and 1;
    - ``logo_churn`` = customers lost / customers at the start, a customer being
      lost when its ARR falls to zero in the period (the bridge's churn);
    - ``quick_ratio`` = (new + expansion + reactivation) / -(contraction + churn),
      over every customer: ARR gained for each dollar of ARR lost. Ramp steps
      are on neither side: they were fixed when the deals were signed.

    NRR and GRR add up the cohort customer by customer, and two cases need a rule:

    - a customer lost in the period churns exactly what it had at the start:
      whatever it gained or shed before leaving, and a return later in the
      period (its reactivation), is in none of the cohort's figures. (Its
      churn in the bridge is what it paid when it left.)
    - movements are added month by month, so a customer that upgrades and then
      downgrades in one period counts the downgrade in GRR even if it ends
      where it started; its GRR share is never below zero (a customer that
      grew and then shrank below its start counts as keeping nothing).

    So both figures are exactly the formulas above whenever each customer's ARR
    moves one way in the period, and stay within their bounds when it does not.

    Where nothing can be said, nothing is guessed:

    - a period that starts with no ARR has no cohort: ``nrr``, ``grr`` and
      ``logo_churn`` are NaN;
    - a period with no contraction and no churn has a quick ratio of ``inf`` when
      it gained ARR, and NaN when nothing moved (pandas' own 1/0 and 0/0).

    Worked example: at the start of 2023, A pays $10,000 a year, B $5,000 and
    C $5,000 (cohort: 3 customers, $20,000). In 2023, A adds $2,000 (expansion),
    B's $1,000 add-on ends in June (contraction), C's contract ends in March (churn,
    -$5,000) and D arrives at $3,000 (new, outside the cohort). NRR =
    (20,000 + 2,000 - 1,000 - 5,000) / 20,000 = 0.8; GRR = (20,000 - 1,000 -
    5,000) / 20,000 = 0.7; logo churn = 1 / 3; quick ratio = (3,000 + 2,000) /
    (1,000 + 5,000) = 0.8333.

    >>> from revlib import Contract, schedule
    >>> def deal(customer, start, months, price, **terms):
    ...     return Contract(customer=customer, start=start, term_months=months, annual_price=price, **terms)
    >>> book = [deal("A", "2022-01", 12, 10_000, renews=True), deal("A", "2023-04", 12, 2_000),
    ...         deal("B", "2022-01", 12, 4_000, renews=True), deal("B", "2022-07", 12, 1_000),
    ...         deal("C", "2022-04", 12, 5_000), deal("D", "2023-05", 12, 3_000)]
    >>> year = retention(schedule(book, by="customer", end="2023-12")).loc["2023"]
    >>> year.round(4).to_dict()
    {'starting_arr': 20000.0, 'nrr': 0.8, 'grr': 0.7, 'logo_churn': 0.3333, 'quick_ratio': 0.8333}

    The first year starts with no ARR, so it has no cohort:

    >>> bool(retention(schedule(book, by="customer", end="2023-12")).loc["2022", ["nrr", "grr", "logo_churn"]].isna().all())
    True
    """
    return retention_cents(bridge_reads(schedule_by_customer, "retention"), freq).pipe(retention_in_dollars)


def retention_cents(cents_by_customer: pd.DataFrame, freq: str = "Y") -> pd.DataFrame:
    """:func:`retention` of a schedule in cents (:func:`revlib.engine.cents_schedule`); ``starting_arr`` in cents."""
    return retention_of_bridges(arr_bridge_cents(cents_by_customer, freq),
                                arr_bridge_cents(cents_by_customer, freq, per_customer=True))


def retention_of_bridges(whole: pd.DataFrame, each: pd.DataFrame) -> pd.DataFrame:
    """:func:`retention_cents` from the book's ARR bridge in cents (``whole``) and the same bridge per customer
    (``each``: :func:`revlib.bridge.arr_bridge_cents` with ``per_customer=True``), periods not yet relabelled."""
    cohort = each[each["starting_arr"] > 0]
    start = cohort["starting_arr"]
    lost = cohort["churn"] < 0
    # a lost customer churns its starting ARR: it keeps nothing, net or gross
    net = (start + cohort["expansion"] + cohort["ramp"] + cohort["contraction"]).where(~lost, 0)
    gross = (start + cohort["contraction"]).clip(lower=0).where(~lost, 0)
    by_period = pd.DataFrame({"starting_arr": start, "net": net, "gross": gross, "lost": lost.astype(np.int64),
                              "customers": 1}).groupby(level="period").sum().reindex(whole.index, fill_value=0)
    has = by_period["starting_arr"] > 0
    opening = by_period["starting_arr"].to_numpy(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        gained = (whole["new"] + whole["expansion"] + whole["reactivation"]).to_numpy(np.float64)
        lost_arr = (-(whole["contraction"] + whole["churn"])).to_numpy(np.float64)  # cents: never -0.0
        quick = gained / lost_arr  # inf when ARR was gained and none lost, NaN when nothing moved
        table = pd.DataFrame({
            "starting_arr": by_period["starting_arr"].to_numpy(),
            "nrr": np.where(has, by_period["net"] / opening, np.nan),
            "grr": np.where(has, by_period["gross"] / opening, np.nan),
            "logo_churn": np.where(has, by_period["lost"] / by_period["customers"].clip(lower=1), np.nan),
            "quick_ratio": quick,
        }, index=whole.index)
    return table


def retention_in_dollars(cents: pd.DataFrame) -> pd.DataFrame:
    """The retention table with its one money column, ``starting_arr``, in dollars; the fractions as they are."""
    return cents.assign(starting_arr=in_dollars(cents[["starting_arr"]])["starting_arr"])
