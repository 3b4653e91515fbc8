"""Benchmark: a book of ROWS contracts with and without 10% amendments (a fifth of them cancellations), read from
a CSV export by ``load_book`` and scheduled; the schedule timed three times (best shown).

    python tests/benchmarks/amendments.py [ROWS]      (default 1,000,000)

Not yet part of run.py (``make bench``); prints one line per book.
"""

from __future__ import annotations

import io
import sys
import time

import numpy as np
import pandas as pd

import revlib


def books(n: int, seed: int = 7) -> tuple[str, str]:
    """The CSV text of n contracts, and of the same contracts with n / 10 amendments added."""
    rng = np.random.default_rng(seed)
    months = pd.period_range("2020-01", "2024-12", freq="M")
    start = rng.integers(0, len(months), n)
    term = rng.choice([12, 24, 36], n)
    frame = pd.DataFrame({
        "customer": [f"c{x}" for x in rng.integers(0, n // 3, n)], "start": months[start].astype(str),
        "term_months": term, "annual_price": rng.integers(100, 50_000, n) * 12,
        "billing": rng.choice(["monthly", "quarterly", "annual"], n), "renews": rng.random(n) < 0.3,
        "contract_id": [f"K{i}" for i in range(n)], "amends": "",
    })
    k = n // 10
    pick = rng.choice(n, k, replace=False)
    into = (rng.random(k) * term[pick]).astype(int)
    amendments = pd.DataFrame({
        "customer": frame["customer"].to_numpy()[pick],
        "start": [str(months[start[i]] + int(m)) for i, m in zip(pick, into)], "term_months": "",
        "annual_price": np.where(rng.random(k) < 0.2, 0, rng.integers(100, 50_000, k) * 12),
        "billing": "", "renews": "", "contract_id": [f"A{i}" for i in range(k)],
        "amends": frame["contract_id"].to_numpy()[pick],
    })
    return frame.to_csv(index=False), pd.concat([frame, amendments]).to_csv(index=False)


def main(n: int) -> None:
    for name, text in zip(("without amendments", "with 10% amendments"), books(n)):
        began = time.perf_counter()
        book = revlib.load_book(io.StringIO(text))
        loaded = time.perf_counter() - began
        runs = []
        for _ in range(3):
            began = time.perf_counter()
            revlib.schedule(book)
            runs.append(time.perf_counter() - began)
        print(f"{name}: {len(book):,} rows; load_book {loaded:.1f} s; schedule {min(runs):.2f} s (best of 3)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
