"""Write data/sample_book.csv (and revlib's copy): a realistic book of about 300 contracts over three years.

    python tools/make_sample_book.py

Monthly and multi-year terms, every billing frequency, services, renewals and
churn, upsells signed as further contracts, a few ramp deals, deals signed
months before they start, a few customers who leave and come back, and three
segments. The contract lifecycle too: upgrades, downgrades and cancellations in
the middle of a term (rows with ``amends``), and renewals signed as contracts of
their own (rows with ``renewal_of``), some at a higher price, some lower. The
file is committed; tests pin its yearly figures.
"""

from __future__ import annotations

import csv
import random
import shutil
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "data" / "sample_book.csv"
PACKAGED = ROOT / "revlib" / "data" / "sample_book.csv"  # the copy installed with revlib: the same bytes
SEED = 20220101
SEGMENTS = ("EMEA", "Americas", "APAC")
FIRST = ("Alder", "Birch", "Cobalt", "Delta", "Ember", "Fjord", "Granite", "Harbor", "Iris", "Juniper",
         "Kestrel", "Lumen", "Meridian", "Nimbus", "Orchid", "Pioneer", "Quartz", "Rowan", "Summit", "Tidal",
         "Umber", "Vertex", "Willow", "Yarrow", "Zenith")
SECOND = ("Analytics", "Bank", "Foods", "Health", "Labs", "Logistics", "Media", "Motors", "Retail", "Systems")
COLUMNS = ("contract_id", "customer", "segment", "signed", "start", "term_months", "annual_price", "monthly_price",
           "billing", "services", "renews", "amends", "renewal_of")
LAST = 35  # the book's last month (December 2024), counted from January 2022


def month(n: int) -> str:
    """Month n of the book, counting from January 2022."""
    return str(pd.Period("2022-01", "M") + n)


def contracts(rng: random.Random) -> list[dict]:
    names = rng.sample([f"{a} {b}" for a in FIRST for b in SECOND], 200)
    rows = []

    def add(customer, segment, start, term, price, billing, services=0, renews=False, lead=0, per="annual"):
        prices = ";".join(str(p) for p in price) if isinstance(price, list) else str(price)
        rows.append({"customer": customer, "segment": segment, "signed": month(start - lead), "start": month(start),
                     "term_months": term, "annual_price": prices if per == "annual" else "",
                     "monthly_price": prices if per == "monthly" else "", "billing": billing,
                     "services": services, "renews": "true" if renews else "false"})

    for customer in names:
        segment = rng.choice(SEGMENTS)
        start = rng.randrange(0, 30)
        lead = rng.choice([0, 0, 0, 0, 1, 2, 3])
        kind = rng.random()
        if kind < 0.25:  # month-to-month, card-style
            add(customer, segment, start, 1, rng.choice([49, 99, 199, 299, 499]), "monthly",
                renews=rng.random() < 0.85, per="monthly")
        elif kind < 0.80:  # one-year contracts
            add(customer, segment, start, 12, rng.randrange(60, 600) * 100,
                rng.choice(["annual", "annual", "quarterly", "monthly", "semiannual"]),
                services=rng.choice([0, 0, 0, 2_500, 5_000, 12_000]), renews=rng.random() < 0.75, lead=lead)
        elif kind < 0.94:  # multi-year
            term = rng.choice([24, 36])
            add(customer, segment, start, term, rng.randrange(200, 1_500) * 100,
                rng.choice(["annual", "annual", "upfront", "quarterly"]),
                services=rng.choice([0, 10_000, 25_000]), renews=rng.random() < 0.6, lead=lead)
        else:  # ramp deals
            years = rng.choice([2, 3])
            base = rng.randrange(200, 800) * 100
            add(customer, segment, start, 12 * years, [base * (k + 1) for k in range(years)], "annual",
                services=rng.choice([0, 20_000]), renews=False, lead=lead)
        first = rows[-1]
        term, opened = int(first["term_months"]), start
        price = first["annual_price"] or first["monthly_price"]
        annual = float(price.split(";")[0]) * (1 if first["annual_price"] else 12)
        roll = rng.random()
        if roll < 0.40 and term >= 12:  # upsell: a further contract, co-terminated with the first
            later = opened + rng.randrange(2, term)
            add(customer, segment, later, opened + term - later, round(annual * rng.uniform(0.2, 0.6), -2),
                first["billing"] if first["billing"] != "upfront" else "annual", renews=first["renews"] == "true")
        elif roll < 0.52 and first["renews"] == "false" and term >= 12:  # renewed lower at the end of the term
            add(customer, segment, opened + term, 12, round(annual * rng.uniform(0.4, 0.8), -2), "annual",
                renews=True)
            rows[-1]["renewal_of"] = first
        elif roll < 0.60 and first["renews"] == "false":  # leaves, then comes back
            add(customer, segment, opened + term + rng.randrange(2, 6), 12, round(annual, -2), "quarterly",
                renews=True)
    return rows


def lifecycle(rows: list[dict], rng: random.Random) -> list[dict]:
    """Rows that change or renew contracts already in the book: mid-term upgrades, downgrades and cancellations
    (``amends``), and renewals signed at the end of a term (``renewal_of``), at the same price, higher or lower.

    Drawn from their own random stream, so the contracts of :func:`contracts` stay as they were.
    """
    linked = {id(r["renewal_of"]) for r in rows if r.get("renewal_of")}
    added = []
    for row in list(rows):
        start, term = pd.Period(row["start"], "M"), int(row["term_months"])
        first = (start - pd.Period("2022-01", "M")).n
        single = ";" not in (row["annual_price"] or row["monthly_price"])
        if row.get("renewal_of") or id(row) in linked or not single or term < 12:
            continue
        per = "annual_price" if row["annual_price"] else "monthly_price"
        price = float(row[per])
        roll = rng.random()
        if roll < 0.10:  # amended in the middle of its first term: up, down or cancelled
            effective = first + rng.randrange(2, term)
            if effective > LAST:
                continue
            change = rng.random()
            new = 0 if change < 0.3 else round(price * (rng.uniform(1.2, 1.6) if change < 0.7 else
                                                        rng.uniform(0.5, 0.9)), -2 if per == "annual_price" else 0)
            added.append({"customer": row["customer"], "segment": row["segment"], "signed": month(effective),
                          "start": month(effective), "term_months": "", "annual_price": "", "monthly_price": "",
                          "billing": "", "services": 0, "renews": "", "amends": row, per: f"{new:g}"})
        elif roll < 0.30 and row["renews"] == "false" and first + term <= LAST:  # renewed by signing again
            uplift = rng.choice([1.0, 1.0, 1.05, 1.1, 0.9])
            added.append({"customer": row["customer"], "segment": row["segment"],
                          "signed": month(first + term - rng.choice([0, 1, 2])), "start": month(first + term),
                          "term_months": 12, "annual_price": "", "monthly_price": "", "billing": row["billing"],
                          "services": 0, "renews": "false", "renewal_of": row,
                          per: f"{round(price * uplift, -2 if per == 'annual_price' else 0):g}"})
    return rows + added


def main(out: Path = OUT) -> None:
    rng = random.Random(SEED)
    rows = lifecycle(contracts(rng), random.Random(SEED + 14))
    rows.sort(key=lambda r: (r["signed"], r["customer"], r.get("amends") is not None))
    ids = {id(row): f"C-{n:04d}" for n, row in enumerate(rows, start=1)}
    for row in rows:
        for link in ("amends", "renewal_of"):
            row[link] = ids[id(row[link])] if row.get(link) else ""
    with Path(out).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({"contract_id": ids[id(row)], **row})
    print(f"wrote {len(rows)} contracts to {out}")
    if Path(out) == OUT:
        shutil.copyfile(OUT, PACKAGED)
        print(f"copied it to {PACKAGED}")


if __name__ == "__main__":
    main(*sys.argv[1:2])
