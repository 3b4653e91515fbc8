"""Run every benchmark and print one table: each figure, the peer's, the ratio, and whether they agreed.

    make bench          (installs tests/benchmarks/requirements.txt, then runs this)
    python tests/benchmarks/run.py [--quick]

Each engine and book size is measured in its own process, so peak memory is that engine's alone.
Results are compared to the cent, on every month and column, before any time is reported.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(HERE), str(HERE.parent)]

import book as synthetic  # noqa: E402
import duckdb_peer  # noqa: E402

FIRST, LAST = synthetic.FIRST, synthetic.FIRST + 35
COMPARED = duckdb_peer.COLUMNS


def revlib_cents(b) -> dict:
    from revlib import schedule

    s = schedule(b, start="2022-01", end="2024-12")
    return {c: (s[c] if c == "customers" else (s[c] * 100).round()).astype("int64").tolist() for c in COMPARED}


def loop_cents(contracts) -> dict:
    from reference import book_months

    months = book_months(contracts, FIRST, LAST)
    return {c: [months[m].get(c, 0) for m in range(FIRST, LAST + 1)] for c in COMPARED}


def measure(engine: str, n: int, runs: int) -> dict:
    """Time one engine on one book in this process; report times, peak memory and the result."""
    import psutil

    columns = synthetic.columns(n)
    if engine == "revlib":
        data = synthetic.book(columns)
        work = lambda: revlib_cents(data)  # noqa: E731
    elif engine == "revlib_by_customer":
        from revlib import schedule

        data = synthetic.book(columns)
        work = lambda: schedule(data, start="2022-01", end="2024-12", by="customer").shape  # noqa: E731
    elif engine == "duckdb":
        contracts, ramps = duckdb_peer.tables(columns, synthetic.prices)
        work = lambda: {c: v.tolist() for c, v in  # noqa: E731
                        duckdb_peer.schedule(contracts, ramps, FIRST, LAST).items()}
    elif engine == "loop":
        data = synthetic.contracts(columns)
        work = lambda: loop_cents(data)  # noqa: E731
    else:
        raise ValueError(engine)
    before = psutil.Process().memory_info().rss
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"seconds": statistics.median(times), "runs": runs, "peak_mb": max(0, peak - before) / 2**20,
            "result": result if isinstance(result, dict) else None}


def in_child(engine: str, n: int, runs: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--one", engine, str(n), str(runs)], capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout.splitlines()[-1])


def agree(a: dict, b: dict) -> bool:
    return all(a[c] == b[c] for c in COMPARED)


def widget_latency(repeats: int = 20) -> list[tuple]:
    """Median time from setting a control to a recomputed table and a redrawn chart, against the loop."""
    from reference import book_months

    from revlib import examples, plot, schedule, widgets
    from revlib.widgets import _figure

    rows = []
    explorer = widgets.contract_explorer()
    prices = [1300, 1200] * (repeats // 2)
    times = []
    for price in prices:
        start = time.perf_counter()
        explorer.controls["annual_price"].value = price
        times.append(time.perf_counter() - start)
    loop = []
    for price in prices[:5]:
        start = time.perf_counter()
        contract = examples.google(annual_price=price)
        book_months([contract], contract.start.ordinal, contract.start.ordinal + 35)
        fig = _figure()
        plot.monthly(schedule(contract), ax=fig.add_subplot())
        plot.png(fig)
        loop.append(time.perf_counter() - start)
    rows.append(("notebook 01 price control (ms)", statistics.median(times) * 1000, statistics.median(loop) * 1000,
                 explorer.figures["Bookings (TCV)"] == examples.google(annual_price=prices[-1]).tcv, "< 100"))
    nine = widgets.nine_clients_explorer()
    names = ["monthly_payments", "base"] * (repeats // 2)
    times = []
    for name in names:
        start = time.perf_counter()
        nine.controls["scenario"].value = name
        times.append(time.perf_counter() - start)
    rows.append(("notebook 03 scenario switch (ms)", statistics.median(times) * 1000, None,
                 nine.figures["ARR at end of FY2024"] == 4320, "< 100"))
    return rows


def series_time() -> float:
    """Seconds to execute every notebook from a fresh kernel, as CI does (on copies)."""
    sys.path.insert(0, str(ROOT / "tools"))
    import notebooks

    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "notebooks"
        subprocess.run(["cp", "-r", str(ROOT / "notebooks"), str(copy)], check=True)
        subprocess.run(["cp", "-r", str(ROOT / "data"), str(Path(tmp) / "data")], check=True)
        start = time.perf_counter()
        for path in sorted(copy.glob("[0-9][0-9]_*.ipynb")):
            notebooks.execute(path)
        return time.perf_counter() - start


def main(quick: bool) -> None:
    os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])
    sizes = [10_000, 100_000] if quick else [10_000, 100_000, 1_000_000]
    table = []
    scale = {}
    for n in sizes:
        runs = 3 if n >= 1_000_000 else 5
        ours = in_child("revlib", n, runs)
        duck = in_child("duckdb", n, 3)
        agreed = agree(ours["result"], duck["result"])
        if n <= 10_000:
            loop = in_child("loop", n, 1)
            agreed = agreed and agree(ours["result"], loop["result"])
            table.append((f"{n:,} contracts: revlib vs per-contract loop (s)", ours["seconds"], loop["seconds"], agreed, ""))
        target = "< 2 s, >= 2x DuckDB, < 2 GB" if n == 1_000_000 else ""
        table.append((f"{n:,} contracts: revlib vs DuckDB SQL (s)", ours["seconds"], duck["seconds"], agreed, target))
        table.append((f"{n:,} contracts: peak memory, revlib vs DuckDB (MB)", ours["peak_mb"], duck["peak_mb"], agreed, ""))
        scale[n] = (ours["seconds"], duck["seconds"])
        if not agreed:
            raise SystemExit(f"the engines disagree on the {n:,}-contract book: no time is reported")
    big = max(scale)
    table.append((f"growth 10k to {big // 1000:,}k: revlib vs DuckDB (x)", scale[big][0] / scale[10_000][0],
                  scale[big][1] / scale[10_000][1], True, ""))
    per = in_child("revlib_by_customer", 100_000, 3)
    table.append(("100,000 contracts by customer: revlib (s)", per["seconds"], None, True, "< 5 s"))
    table.extend(widget_latency())
    table.append(("series: executing every notebook (s)", series_time(), None, True, "< 60"))
    print(render(table))


def render(table) -> str:
    lines = [f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
             f"numpy {np.__version__}, duckdb {__import__('duckdb').__version__}", "",
             f"| {'figure':<58} | {'revlib':>9} | {'peer':>9} | {'peer / revlib':>13} | {'agreed':>6} | {'target':<28} |",
             f"|{'-' * 60}|{'-' * 11}|{'-' * 11}|{'-' * 15}|{'-' * 8}|{'-' * 30}|"]
    for name, ours, peer, agreed, target in table:
        ratio = f"{peer / ours:.1f}" if peer and ours else "-"
        peer_text = f"{peer:.3f}" if peer is not None else "-"
        lines.append(f"| {name:<58} | {ours:>9.3f} | {peer_text:>9} | {ratio:>13} | {'yes' if agreed else 'NO':>6} "
                     f"| {target:<28} |")
    return "\n".join(lines)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        print(json.dumps(measure(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))))
    else:
        main(quick="--quick" in sys.argv)
