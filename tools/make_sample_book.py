"""Write data/sample_book.csv (and revlib's copy): a realistic book of about 300 contracts over three years.

    python tools/make_sample_book.py

Monthly and multi-year terms, every billing frequency, services, renewals and
churn, upsells and downgrades signed as further contracts, a few ramp deals,
deals signed months before they start, a few customers who leave and come
back, and three segments. The file is committed; tests pin its yearly figures.
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
           "billing", "services", "renews")


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
        elif roll < 0.52 and first["renews"] == "false" and term >= 12:  # downgrade at the end of the term
            add(customer, segment, opened + term, 12, round(annual * rng.uniform(0.4, 0.8), -2), "annual",
                renews=True)
        elif roll < 0.60 and first["renews"] == "false":  # leaves, then comes back
            add(customer, segment, opened + term + rng.randrange(2, 6), 12, round(annual, -2), "quarterly",
                renews=True)
    return rows


def main(out: Path = OUT) -> None:
    rng = random.Random(SEED)
    rows = contracts(rng)
    rows.sort(key=lambda r: (r["signed"], r["customer"]))
    with Path(out).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for n, row in enumerate(rows, start=1):
            writer.writerow({"contract_id": f"C-{n:04d}", **row})
    print(f"wrote {len(rows)} contracts to {out}")
    if Path(out) == OUT:
        shutil.copyfile(OUT, PACKAGED)
        print(f"copied it to {PACKAGED}")


if __name__ == "__main__":
    main(*sys.argv[1:2])
