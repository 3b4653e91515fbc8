"""A seeded synthetic book for the benchmarks: mixed terms, every billing, services, renewals, ramps."""

from __future__ import annotations

import numpy as np
import pandas as pd

from revlib import Contract
from revlib.engine import Book

FIRST = pd.Period("2022-01", "M").ordinal
BILLING = {1: "monthly", 3: "quarterly", 6: "semiannual", 12: "annual", 0: "upfront"}


def columns(n: int, seed: int = 7) -> dict:
    """The book as plain columns (cents, month ordinals), the same for every engine."""
    rng = np.random.default_rng(seed)
    term = rng.choice([1, 3, 6, 12, 12, 24, 36], n)
    start = FIRST + rng.integers(0, 36, n)
    price = rng.integers(1_200, 6_000_000, n)  # yearly price in cents, rarely a whole number of cents a month
    ramp = (term >= 24) & (rng.random(n) < 0.05)
    return {
        "customer": rng.integers(0, max(1, n // 2), n),
        "start": start,
        "signed": start - rng.choice([0, 0, 0, 1, 2, 3], n),
        "term": term,
        "billing": rng.choice([1, 3, 6, 12, 0], n),
        "price": price,
        "ramp": ramp,
        "services": np.where(rng.random(n) < 0.3, rng.integers(0, 500_000, n), 0),
        "renews": rng.random(n) < 0.5,
    }


def days(c: dict, seed: int = 11) -> dict:
    """The same book with day-level dates (issue 15): each start on a day from the 1st to the 31st (the month's last
    where it is shorter), each signing on a day of its month, never after the start day. Months are unchanged."""
    rng = np.random.default_rng(seed)
    n = len(c["start"])
    length = pd.PeriodIndex.from_ordinals(c["start"], freq="M").days_in_month.to_numpy()
    start_day = np.minimum(rng.integers(1, 32, n), length)
    signed_day = np.minimum(rng.integers(1, 29, n), np.where(c["signed"] < c["start"], 28, start_day))
    return {**c, "start_day": start_day, "signed_day": signed_day}


def prices(c: dict, i: int):
    """The yearly prices of contract i: one price, or a rising ramp of one price per contract year."""
    if not c["ramp"][i]:
        return int(c["price"][i])
    years = -(-int(c["term"][i]) // 12)
    return [int(c["price"][i]) * (k + 2) // 2 for k in range(years)]


def book(c: dict) -> Book:
    """The columns as a revlib Book."""
    return Book.from_arrays([f"c{x}" for x in c["customer"]], c["start"], c["term"],
                            [prices(c, i) for i in range(len(c["start"]))], c["billing"], c["services"],
                            c["renews"], c["signed"], c.get("start_day"), c.get("signed_day"))


def contracts(c: dict) -> list[Contract]:
    """The columns as Contract objects (for the smaller books)."""
    out = []
    for i in range(len(c["start"])):
        p = prices(c, i)
        out.append(Contract(customer=f"c{c['customer'][i]}", start=pd.Period(ordinal=int(c["start"][i]), freq="M"),
                            signed=pd.Period(ordinal=int(c["signed"][i]), freq="M"), term_months=int(c["term"][i]),
                            annual_price=[x / 100 for x in p] if isinstance(p, list) else p / 100,
                            billing=BILLING[int(c["billing"][i])], services=int(c["services"][i]) / 100,
                            renews=bool(c["renews"][i])))
    return out


def write_csv(c: dict, path) -> None:
    """The columns as a CRM export (the file a RevOps analyst hands revlib): dollars, months, billing names."""
    month = pd.PeriodIndex.from_ordinals
    price = [("; ".join(f"{x / 100:.2f}" for x in p) if isinstance(p, list) else f"{p / 100:.2f}")
             for p in (prices(c, i) for i in range(len(c["start"])))]
    pd.DataFrame({
        "contract_id": [f"K{i}" for i in range(len(c["start"]))],
        "customer": [f"c{x}" for x in c["customer"]],
        "signed": month(c["signed"], freq="M").astype(str),
        "start": month(c["start"], freq="M").astype(str),
        "term_months": c["term"],
        "annual_price": price,
        "billing": [BILLING[int(b)] for b in c["billing"]],
        "services": [f"{x / 100:.2f}" for x in c["services"]],
        "renews": np.where(c["renews"], "true", "false"),
    }).to_csv(path, index=False)
