"""Benchmark of the user's first step: a CRM export (CSV) loaded, revlib's fast path beside DuckDB's read_csv.

The file is the benchmark book (`book.py`) written as a CSV export to a temporary folder. Each loader runs in
its own process, three times; the process reports its median time, its peak resident memory (the whole
process: Python, the libraries and the loaded book) and check figures of what it read (rows, and the sums of
terms, prices and services in cents). The two must agree before any time is printed.

    python tests/benchmarks/loading.py ROWS     (or as part of run.py / make bench)
"""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE)]

import book as synthetic  # noqa: E402

DUCKDB_CHECKS = """
SELECT COUNT(*) AS rows, SUM(term_months) AS terms,
       SUM(list_sum(list_transform(string_split(CAST(annual_price AS VARCHAR), ';'),
                                   lambda x: CAST(CAST(x AS DECIMAL(18, 2)) * 100 AS BIGINT)))) AS prices,
       SUM(CAST(CAST(services AS DECIMAL(18, 2)) * 100 AS BIGINT)) AS services,
       COUNT(*) FILTER (WHERE renews) AS renewing, COUNT(DISTINCT customer) AS customers
FROM contracts
"""


def revlib_load(path: str) -> tuple:
    from revlib.fast_load import load_book

    book = load_book(path)
    ramps = sum(sum(p) for p in book.ramps.values())
    single = int(book.first_price.sum()) - sum(p[0] for p in book.ramps.values())
    checks = {"rows": len(book), "terms": int(book.term.sum()), "prices": single + ramps,
              "services": int(book.services.sum()), "renewing": int(book.renews.sum()),
              "customers": int(book.customer_code.max()) + 1}
    return book, checks


def duckdb_load(path: str) -> tuple:
    import duckdb

    con = duckdb.connect()
    con.execute(f"CREATE TABLE contracts AS SELECT * FROM read_csv('{path}', header = true)")
    return con, None


def duckdb_checks(con) -> dict:
    row = con.execute(DUCKDB_CHECKS).fetchone()
    return dict(zip(("rows", "terms", "prices", "services", "renewing", "customers"), (int(x) for x in row)))


def measure(engine: str, path: str, runs: int) -> dict:
    """In this process: the median time of ``runs`` loads, the peak memory, and the check figures."""
    load = revlib_load if engine == "revlib" else duckdb_load
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        loaded, checks = load(path)
        times.append(time.perf_counter() - start)
        if checks is None:
            checks = duckdb_checks(loaded)
        del loaded
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": statistics.median(times), "peak_mb": peak, "checks": checks}


def in_child(engine: str, path: str, runs: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--one", engine, path, str(runs)], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.splitlines()[-1])


def rows(n: int = 1_000_000, runs: int = 3) -> list[tuple]:
    """The benchmark's table rows: time and peak memory of revlib's load_book and DuckDB's read_csv."""
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "contracts.csv")
        synthetic.write_csv(synthetic.columns(n), path)
        size = Path(path).stat().st_size / 2**20
        ours = in_child("revlib", path, runs)
        duck = in_child("duckdb", path, runs)
    agreed = ours["checks"] == duck["checks"]
    if not agreed:
        raise SystemExit(f"the loaders disagree on the {n:,}-row file: {ours['checks']} != {duck['checks']}; "
                         "no time is reported")
    target = "<= 3 s" if n >= 1_000_000 else ""
    return [(f"load {n // 1000:,}k rows ({size:.0f} MB CSV): revlib vs DuckDB (s)", ours["seconds"],
             duck["seconds"], agreed, target),
            (f"load {n // 1000:,}k rows: peak memory, revlib vs DuckDB (MB)", ours["peak_mb"], duck["peak_mb"], agreed,
             "<= 1.5 GB" if n >= 1_000_000 else "")]


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        print(json.dumps(measure(sys.argv[2], sys.argv[3], int(sys.argv[4]))))
    else:
        sys.path.insert(0, str(HERE))
        from run import render

        print(render(rows(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)))
