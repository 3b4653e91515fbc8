"""Benchmark: a book of ROWS contracts with and without 10% amendments (a fifth of them cancellations), read from
a CSV export by ``load_book`` and scheduled, 2020-01 to 2027-12 (every contract's whole life).

    python tests/benchmarks/amendments.py [ROWS]          (default 1,000,000)
    python tests/benchmarks/amendments.py [ROWS] --cpu    (CPU and wall times, best of 5, the books alternated)

Part of ``make bench`` (run.py, through :func:`measure`). Before any time is printed the amended book's figures
are checked: the customers of a sample (``SAMPLE`` of them, with all their contracts and amendments) are
scheduled by the tests' month-by-month reference (``tests/reference.py``) and by revlib, every column and month
to the cent; and the whole book's schedule must be the sample's plus the rest's (scheduled apart), every
column, customers included (no customer is in both).
"""

from __future__ import annotations

import io
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

import revlib

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, for the reference

WINDOW = ("2020-01", "2027-12")
"""The months scheduled: from the first start to past the last end."""
SAMPLE = 2_000
"""Customers whose figures the month-by-month reference checks."""


def frames(n: int, seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame]:
    """n contracts, and the same contracts with n / 10 amendments added (the CSV columns)."""
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
    return frame, pd.concat([frame, amendments], ignore_index=True)


def books(n: int, seed: int = 7) -> tuple[str, str]:
    """The CSV text of n contracts, and of the same contracts with n / 10 amendments added."""
    return tuple(frame.to_csv(index=False) for frame in frames(n, seed))


def cents(schedule: pd.DataFrame) -> dict:
    """Each column of a schedule in whole cents (customers as they are), as int64 arrays."""
    return {c: (schedule[c] if c == "customers" else (schedule[c] * 100).round()).to_numpy().astype(np.int64)
            for c in schedule.columns}


def scheduled(frame: pd.DataFrame) -> dict:
    """revlib's schedule of the contracts in ``frame`` (read as a CSV export by ``load_book``), in cents."""
    return cents(revlib.schedule(revlib.load_book(io.StringIO(frame.to_csv(index=False))), *WINDOW))


def agrees(frame: pd.DataFrame, whole: dict, seed: int = 5) -> bool:
    """Whether the amended book's schedule ``whole`` (in cents) is right: a sample of customers against the
    month-by-month reference, and the whole book against the sample plus the rest, every column and month."""
    from reference import book_months

    names = frame["customer"].unique()
    chosen = np.random.default_rng(seed).choice(names, min(SAMPLE, len(names) // 10), replace=False)
    inside = frame["customer"].isin(chosen).to_numpy()
    sample = scheduled(frame[inside])
    contracts = revlib.load_contracts(io.StringIO(frame[inside].to_csv(index=False)))
    first, last = (pd.Period(m, freq="M").ordinal for m in WINDOW)
    months = book_months(contracts, first, last)
    for column, values in sample.items():
        if [months[m].get(column, 0) for m in range(first, last + 1)] != values.tolist():
            print(f"the reference and revlib disagree on {column} for the sample", file=sys.stderr)
            return False
    rest = scheduled(frame[~inside])
    for column, values in whole.items():
        if not np.array_equal(values, sample[column] + rest[column]):
            print(f"the whole book is not the sample plus the rest on {column}", file=sys.stderr)
            return False
    return True


def measure(n: int, runs: int = 3) -> dict:
    """Seconds (median of ``runs``) to schedule the book of n contracts without and with 10% amendments; the
    amended book's figures checked (:func:`agrees`) before. Also each book's ``load_book`` time (one read)."""
    out = {}
    for name, frame in zip(("without", "with"), frames(n)):
        text = frame.to_csv(index=False)
        began = time.perf_counter()
        book = revlib.load_book(io.StringIO(text))
        out[f"load_{name}"] = time.perf_counter() - began
        del text
        times = []
        for _ in range(runs):
            began = time.perf_counter()
            result = revlib.schedule(book, *WINDOW)
            times.append(time.perf_counter() - began)
        out[name] = statistics.median(times)
        if name == "with":
            out["agreed"] = agrees(frame, cents(result))
            out["amendments"] = int(frame["amends"].astype(bool).sum())
        out[f"rows_{name}"] = len(book)
    return out


def cpu_times(n: int, runs: int = 5) -> dict:
    """CPU time (``time.process_time``, which other processes on a busy machine disturb less) and wall time,
    best of ``runs``, to schedule the book of n contracts without and with 10% amendments, the two books
    loaded once and scheduled in turn; no check of the figures (:func:`measure` checks them)."""
    books = {name: revlib.load_book(io.StringIO(frame.to_csv(index=False)))
             for name, frame in zip(("without", "with"), frames(n))}
    best = {}
    for _ in range(runs):
        for name, book in books.items():
            cpu, wall = time.process_time(), time.perf_counter()
            revlib.schedule(book, *WINDOW)
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            best[f"{name}_cpu"] = min(best.get(f"{name}_cpu", cpu), cpu)
            best[f"{name}_wall"] = min(best.get(f"{name}_wall", wall), wall)
    return best


def main(n: int) -> None:
    result = measure(n)
    if not result["agreed"]:
        raise SystemExit("the amended book's figures are wrong: no time is reported")
    for name in ("without", "with"):
        print(f"{name} amendments: {result[f'rows_{name}']:,} rows; load_book {result[f'load_{name}']:.1f} s; "
              f"schedule {result[name]:.2f} s (median of 3)")
    print(f"with / without: {result['with'] / result['without']:.2f}x (target <= 2x)")


if __name__ == "__main__":
    rows = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 1_000_000
    if "--cpu" in sys.argv:
        best = cpu_times(rows)
        for kind in ("cpu", "wall"):
            print(f"{kind}: without {best[f'without_{kind}']:.3f} s, with {best[f'with_{kind}']:.3f} s, "
                  f"{best[f'with_{kind}'] / best[f'without_{kind}']:.2f}x (best of 5; target <= 2x)")
    else:
        main(rows)
