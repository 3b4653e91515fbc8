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
                            c["renews"], c["signed"])


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


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def write_csv(c: dict, path) -> None:
    """The columns as a CRM export would give them: one line per contract, ramps as prices joined by ';'.

    Each contract has an id (``K1``, ``K2``...), as exports do; amounts are dollars with two decimals.
    """
    header = "contract_id,customer,signed,start,term_months,annual_price,billing,services,renews"
    starts = [str(m) for m in pd.period_range(pd.Period(ordinal=int(c["start"].min()) - 3, freq="M"),
                                             pd.Period(ordinal=int(c["start"].max()), freq="M"))]
    base = int(c["start"].min()) - 3
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write(header + "\n")
        rows = []
        for i in range(len(c["start"])):
            p = prices(c, i)
            price = ";".join(_money(x) for x in p) if isinstance(p, list) else _money(p)
            rows.append(f"K{i + 1},c{c['customer'][i]},{starts[c['signed'][i] - base]},{starts[c['start'][i] - base]},"
                        f"{c['term'][i]},{price},{BILLING[int(c['billing'][i])]},{_money(int(c['services'][i]))},"
                        f"{'true' if c['renews'][i] else 'false'}\n")
            if len(rows) == 100_000:
                out.writelines(rows)
                rows = []
        out.writelines(rows)
