"""Run every benchmark and print one table: each figure, the peer's, the ratio, and whether they agreed.

    make bench          (installs tests/benchmarks/requirements.txt into .venv/bench-packages, then runs this)
    PYTHONPATH=.venv/bench-packages .venv/bin/python tests/benchmarks/run.py [--quick]

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

import amendments  # noqa: E402
import book as synthetic  # noqa: E402
import duckdb_peer  # noqa: E402
import loading  # noqa: E402

FIRST, LAST = synthetic.FIRST, synthetic.FIRST + 35
COMPARED = duckdb_peer.COLUMNS


def revlib_cents(b) -> dict:
    from revlib import schedule

    s = schedule(b, start="2022-01", end="2024-12")
    return {c: (s[c] if c == "customers" else (s[c] * 100).round()).astype("int64").tolist() for c in COMPARED}


DAILY_SAME = ("bookings", "renewal_bookings", "billings", "mrr", "arr", "customers")
"""The columns the daily convention leaves in the same months: a book by day and the same book by month agree on them."""


def daily_cents(b, convention: str) -> dict:
    from revlib.engine import cents_schedule

    s = cents_schedule(b, start="2022-01", end="2024-12", convention=convention)
    return {c: s[c].tolist() for c in DAILY_SAME}


def loop_cents(contracts) -> dict:
    from reference import book_months

    months = book_months(contracts, FIRST, LAST)
    return {c: [months[m].get(c, 0) for m in range(FIRST, LAST + 1)] for c in COMPARED}


USER_FIRST, USER_LAST = synthetic.FIRST - 3, synthetic.FIRST + 106  # 110 months; nothing is booked before the first


def month_text(ordinal: int) -> str:
    return str(synthetic.pd.Period(ordinal=ordinal, freq="M"))


def export(n: int, customers: int, folder: Path) -> Path:
    """The seeded book of ``n`` contracts among ``customers`` customers, written as a CRM export (CSV)."""
    path = folder / f"book_{n}_{customers}.csv"
    if not path.exists():
        columns = synthetic.columns(n)
        columns["customer"] = np.random.default_rng(11).permutation(n) % customers
        synthetic.write_csv(columns, path)
    return path


def user_path(engine: str, path: Path, runs: int) -> dict:
    """One engine on the user's path, from the contract file: each customer's months, the ARR bridge, the report.

    The figures are saved beside the file (``.npz``) for the parent to compare: each engine's clock stops at its
    own table (revlib's frame in dollars, DuckDB's query result), and the last run's table is turned into the
    arrays compared (cents, customers x months) after it. ``load_s`` is revlib's time before the step itself
    (reading the file; for the bridge, also scheduling by customer), so the step's own time is
    ``seconds - load_s``; ``step_cpu`` is the step's CPU time in the process's own code (user) and in the kernel
    on its behalf (system: page faults, mostly), of the run whose time is the median. The run before's tables
    are let go before each run.
    """
    import duckdb_peer as peer

    first, last = USER_FIRST, USER_LAST
    saved = path.with_name(f"{engine}.npz")
    times, loads, cpu = [], [], []
    compared = None  # the last run's figures, as the arrays compared
    for _ in range(runs):
        per = table = compared = None
        start = time.perf_counter()
        if engine.startswith("revlib"):
            from revlib import arr_bridge, load_book, schedule
            from revlib.cli import main as cli

            if engine == "revlib_report":
                out = path.with_name("revlib_report.xlsx")
                code = cli(["report", str(path), "--out", str(out), "--start", month_text(first), "--end",
                            month_text(last)])
                assert code == 0, code
                loaded = start
            else:
                book = load_book(path)
                loaded, used = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
                per = schedule(book, start=month_text(first), end=month_text(last), by="customer")
                if engine == "revlib_bridge":
                    # the bridge alone, from the schedule by customer
                    loaded, used = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
                    table = arr_bridge(per)
                    compared = lambda: {c: np.rint(table[c].to_numpy() * 100).astype(np.int64)  # noqa: E731
                                        for c in peer.BRIDGE}
                else:
                    compared = lambda: {"customer": per.index.levels[0].to_numpy().astype(str),  # noqa: E731
                                        **{c: per[c].to_numpy() if c == "customers" else
                                           np.rint(per[c].to_numpy() * 100).astype(np.int64) for c in peer.COLUMNS}}
        else:
            loaded = start
            if engine == "duckdb_report":
                peer.from_export(str(path), peer.SQL_YEARLY_BY_CUSTOMER, first, last,
                                 out=str(path.with_name("duckdb_report.csv")))
            elif engine == "duckdb_bridge":
                table = peer.from_export(str(path), peer.SQL_BRIDGE, first, last)
                compared = lambda: {c: table[c].to_numpy().astype(np.int64) for c in peer.BRIDGE}  # noqa: E731
            else:
                table = peer.from_export(str(path), peer.SQL_BY_CUSTOMER, first, last)
                compared = lambda: duckdb_grids(table, first, last)  # noqa: E731
        times.append(time.perf_counter() - start)
        loads.append(loaded - start)
        if engine in ("revlib_by_customer", "revlib_bridge"):
            now = resource.getrusage(resource.RUSAGE_SELF)
            cpu.append((now.ru_utime - used.ru_utime, now.ru_stime - used.ru_stime))
    if compared is not None:
        np.savez(saved, **compared())
    median = sorted(range(runs), key=times.__getitem__)[runs // 2]
    return {"seconds": statistics.median(times), "load_s": statistics.median(loads), "runs": runs,
            "step_cpu": cpu[median] if cpu else None,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "result": None}


def duckdb_grids(table, first: int, last: int) -> dict:
    """DuckDB's figures by customer and month (its rows, only where a customer has a row) as revlib lays them out:
    the customers in order, each one's months from ``first`` to ``last``, zero where DuckDB has no row."""
    import duckdb_peer as peer

    names, row = np.unique(table["customer"].to_numpy().astype(str), return_inverse=True)
    result = {"customer": names}
    for c in peer.COLUMNS:
        grid = np.zeros((len(names), last - first + 1), np.int64)
        grid[row, table["m"].to_numpy() - first] = table[c].to_numpy()
        result[c] = grid.ravel()
    return result


def same_figures(engine: str, folder: Path) -> bool:
    """Whether revlib and DuckDB saved the same figures, to the cent, for ``engine`` (by_customer or bridge)."""
    ours, theirs = np.load(folder / f"revlib_{engine}.npz"), np.load(folder / f"duckdb_{engine}.npz")
    return sorted(ours.files) == sorted(theirs.files) and all(np.array_equal(ours[k], theirs[k]) for k in ours.files)


def same_report(folder: Path) -> bool:
    """Whether the workbook's Per customer sheet has DuckDB's figures for every customer and year, to the cent."""
    import openpyxl
    import pandas as pd

    import duckdb_peer as peer

    duck = pd.read_csv(folder / "duckdb_report.csv", dtype={"customer": str})
    sheet = openpyxl.load_workbook(folder / "revlib_report.xlsx", read_only=True)["Per customer"]
    rows = sheet.iter_rows(values_only=True)
    years, names = next(rows), next(rows)
    from revlib.fmt import LABELS

    wanted = {LABELS.get(c, c.replace("_", " ").capitalize()): c for c in peer.COLUMNS}
    year, cells = None, {}
    for position, (label, name) in enumerate(zip(years, names)):
        year = label or year
        if name in wanted:
            cells[(int(str(year)[2:]), wanted[name])] = position
    ours = {}
    for row in rows:
        for (y, column), position in cells.items():
            value = row[position]
            ours[(row[0], y, column)] = value if column == "customers" else round(value * 100)
    checked = 0
    for record in duck.itertuples(index=False):
        for column in peer.COLUMNS:
            if ours.get((record.customer, record.year, column)) != int(getattr(record, column)):
                return False
            checked += 1
    # DuckDB has no row for a customer's years before its first signing: revlib shows zeros there
    present = set(zip(duck["customer"], duck["year"]))
    return checked > 0 and all(v == 0 for k, v in ours.items() if (k[0], k[1]) not in present)


def measure(engine: str, n: int, runs: int) -> dict:
    """Time one engine on one book in this process; report times, peak memory and the result."""
    import psutil

    if engine == "amendments":  # its own books (CSV exports, read by load_book), checked before timing
        return {**amendments.measure(n, runs), "result": None}
    columns = synthetic.columns(n)
    if engine == "revlib":
        data = synthetic.book(columns)
        work = lambda: revlib_cents(data)  # noqa: E731
    elif engine == "revlib_by_customer":
        from revlib import schedule

        data = synthetic.book(columns)
        work = lambda: schedule(data, start="2022-01", end="2024-12", by="customer").shape  # noqa: E731
    elif engine in ("revlib_by_month", "revlib_by_day"):  # issue 15: the same book, by month and by day
        daily = engine == "revlib_by_day"
        data = synthetic.book(synthetic.days(columns) if daily else columns)
        work = lambda: daily_cents(data, "daily" if daily else "monthly")  # noqa: E731
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


def in_child(engine: str, n: int, runs: int, path: Path | None = None) -> dict:
    out = subprocess.run([sys.executable, __file__, "--one", engine, str(n), str(runs), *([str(path)] if path else [])],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.splitlines()[-1])


def users_path(quick: bool) -> list[tuple]:
    """The user's path against DuckDB, from the same file in this run; compared to the cent before any time."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="revlib-bench-") as tmp:
        folder = Path(tmp)
        wide = export(100_000, 100_000, folder)  # 100,000 customers over 110 months
        for what, target in (("by_customer", "<= 1.5 s"), ("bridge", "<= 1 s")):
            ours = in_child(f"revlib_{what}", 0, 3, wide)
            duck = in_child(f"duckdb_{what}", 0, 1, wide)
            agreed = same_figures(what, folder)
            if not agreed:
                raise SystemExit(f"revlib and DuckDB disagree on {what}: no time is reported")
            name = "by customer" if what == "by_customer" else "ARR bridge"
            rows.append((f"{name}, 100k customers, 110 months, from file (s)", ours["seconds"],
                         duck["seconds"], agreed, ""))
            step = "schedule(by='customer') after the file is read" if what == "by_customer" else "arr_bridge alone"
            rows.append((f"  {step} (s)", ours["seconds"] - ours["load_s"], None, agreed, target))
            user, system = ours["step_cpu"]  # of the median run: where its time went
            rows.append(("    of which CPU in the process's own code (s)", user, None, agreed, ""))
            rows.append(("    of which CPU in the kernel, mostly page faults (s)", system, None, agreed, ""))
            rows.append((f"  peak memory, revlib vs DuckDB (MB)", ours["peak_mb"], duck["peak_mb"], agreed, ""))
        sizes = [(100_000, 25_000, "<= 20 s, <= 2 GB")] + ([] if quick else [(1_000_000, 250_000, "<= 180 s, <= 4 GB")])
        for n, customers, target in sizes:
            book = export(n, customers, folder)
            ours = in_child("revlib_report", 0, 1, book)
            duck = in_child("duckdb_report", 0, 1, book)
            agreed = same_report(folder)
            if not agreed:
                raise SystemExit(f"the workbook and DuckDB disagree on the {n:,}-contract report: no time is reported")
            rows.append((f"report, {n:,} contracts, {customers:,} customers (s)", ours["seconds"], duck["seconds"],
                         agreed, target))
            rows.append(("  peak memory, revlib vs DuckDB (MB)", ours["peak_mb"], duck["peak_mb"], agreed, ""))
    return rows


def daily_rows(quick: bool) -> list[tuple]:
    """Issue 15: a book with day-level starts under convention="daily", beside the same book by month (monthly),
    after checking that bookings, billings, MRR, ARR and customers agree to the cent (they fall in the same months)."""
    rows = []
    for n in [100_000] if quick else [100_000, 1_000_000]:
        runs = 3
        by_month = in_child("revlib_by_month", n, runs)
        by_day = in_child("revlib_by_day", n, runs)
        agreed = by_month["result"] == by_day["result"]
        if not agreed:
            raise SystemExit(f"the {n:,}-contract book by day disagrees with it by month: no time is reported")
        rows.append((f"{n:,} contracts by day (daily) vs by month (s)", by_day["seconds"], by_month["seconds"],
                     agreed, "by day within 3x of by month" if n == 1_000_000 else ""))
        rows.append((f"{n:,} contracts: peak memory, by day vs by month (MB)", by_day["peak_mb"],
                     by_month["peak_mb"], agreed, ""))
    return rows


def amended(n: int) -> list[tuple]:
    """The book of n contracts scheduled without and with 10% amendments (``amendments.py``): medians of 3,
    once the amended book's figures are checked against the month-by-month reference and its own parts."""
    result = in_child("amendments", n, 3)
    if not result["agreed"]:
        raise SystemExit(f"the amended {n:,}-contract book's figures are wrong: no time is reported")
    return [(f"{n:,} contracts: schedule without amendments (s)", result["without"], None, True, ""),
            (f"  the same with {result['amendments']:,} amendments (s)", result["with"], None, True, ""),
            ("  with / without amendments (x)", result["with"] / result["without"], None, True, "<= 2")]


def agree(a: dict, b: dict) -> bool:
    return all(a[c] == b[c] for c in COMPARED)


def widget_latency(repeats: int = 20) -> list[tuple]:
    """Median time from setting a control to the recomputed figures, table and chart, in the kernel.

    The peer is the same recomputation with the chart drawn by matplotlib as a PNG: what a notebook
    author would write, and what revlib's widgets did before their charts were drawn as SVG.
    """
    from revlib import examples, scenarios, widgets

    explorer = widgets.contract_explorer()
    prices = [1300, 1200] * (repeats // 2)
    ours = _median(lambda price: setattr(explorer.controls["annual_price"], "value", price), prices)
    peer = _median(_matplotlib_contract, prices)
    rows = [("notebook 01 price control (ms)", ours, peer,
             explorer.figures == examples.contract_figures(examples.google(annual_price=prices[-1])), "< 100")]
    nine = widgets.nine_clients_explorer()
    names = ["monthly_payments", "base"] * (repeats // 2)
    ours = _median(lambda name: setattr(nine.controls["scenario"], "value", name), names)
    peer = _median(_matplotlib_scenario, names)
    expected = examples.book_figures(scenarios.apply(examples.nine_clients(), names[-1]))
    rows.append(("notebook 03 scenario switch (ms)", ours, peer,
                 nine.figures["ARR at end of FY2024"] == expected.loc["FY2024", "arr"], "< 100"))
    return rows


def _median(change, values) -> float:
    """Median milliseconds of ``change(value)`` over the values."""
    times = []
    for value in values:
        start = time.perf_counter()
        change(value)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def _png(draw, height=3.6):
    from matplotlib.figure import Figure

    from revlib import plot

    fig = Figure(figsize=(9, height), dpi=80)
    fig.subplots_adjust(left=0.12, right=0.98, top=0.9, bottom=0.62 / height, hspace=0.15)
    draw(fig)
    return plot.png(fig)


def _matplotlib_contract(price):
    from revlib import annual, examples, plot, schedule
    from revlib.series.widgets import money_html

    contract = examples.google(annual_price=price)
    s = schedule(contract)
    money_html(annual(s)[["bookings", "billings", "revenue", "deferred_revenue", "backlog"]])
    examples.contract_figures(contract)
    return _png(lambda fig: plot.monthly(s, ax=fig.add_subplot()))


def _matplotlib_scenario(name):
    from revlib import examples, plot, scenarios, schedule
    from revlib.series.widgets import money_html

    book = scenarios.apply(examples.nine_clients(), name)
    money_html(examples.book_figures(book))
    return _png(lambda fig: plot.panels(schedule(book), fig=fig), height=7.5)


BROWSER_CLOCK = """
() => {
    window.revlibTimes = [];
    document.addEventListener("change", () => { window.revlibStart = performance.now(); }, true);
    new MutationObserver(() => {
        const chart = document.querySelector("svg.revlib-chart");
        if (chart && window.revlibStart !== undefined && chart.getAttribute("aria-label") === window.revlibWant) {
            const start = window.revlibStart;
            window.revlibStart = undefined;
            requestAnimationFrame(() => window.revlibTimes.push(performance.now() - start));
        }
    }).observe(document.body, {subtree: true, childList: true});
}
"""


def browser_latency(repeats: int = 20) -> list[tuple]:
    """In the workshop app (Voila, headless Chromium): from the Example dropdown's change event in the page
    to the next frame after the new chart is in it (the kernel's round trip and the browser's drawing)."""
    try:
        import test_browser as tb
    except BaseException as error:  # no chromium: pytest.skip raises at import
        print(f"browser latency not measured: {error}", file=sys.stderr)
        return []
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        for name in ("notebooks", "data"):
            subprocess.run(["cp", "-r", str(ROOT / name), tmp], check=True)
        subprocess.run(["cp", str(ROOT / "voila.json"), tmp], check=True)
        port = tb.free_port()
        server = tb.Server([str(tb.BIN / "voila"), "notebooks/07_contract_explorer.ipynb", f"--port={port}"],
                           cwd=tmp, url=f"http://127.0.0.1:{port}/")
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=tb.CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
                page = browser.new_page(viewport={"width": 1300, "height": 1100})
                page.goto(f"http://127.0.0.1:{port}/")
                page.locator("svg.revlib-chart").first.wait_for(timeout=120_000)
                page.evaluate(BROWSER_CLOCK)
                example = page.locator(".widget-dropdown", has_text="Example").locator("select")
                labels = ["The nine clients", "The Google $4,600 contract"] * (repeats // 2)
                for done, label in enumerate(labels, start=1):
                    page.evaluate("label => { window.revlibWant = label; }", label)
                    example.select_option(label=label)
                    page.wait_for_function(f"window.revlibTimes.length === {done}", timeout=30_000)
                times = page.evaluate("window.revlibTimes")
                shown = page.locator("td.figure[data-name='Bookings (TCV)']").first.inner_text()
                browser.close()
        finally:
            server.stop()
    from revlib import widgets
    from revlib.fmt import usd

    agreed = shown == usd(widgets.app_figures(widgets.app_book("google"))["Bookings (TCV)"])
    return [("app in Chromium: change to chart on screen (ms)", statistics.median(times), None,
             agreed, "")]


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
        target = "<= 0.3 s, >= 2x DuckDB, < 2 GB" if n == 1_000_000 else ""
        table.append((f"{n:,} contracts: revlib vs DuckDB SQL (s)", ours["seconds"], duck["seconds"], agreed, target))
        table.append((f"{n:,} contracts: peak memory, revlib vs DuckDB (MB)", ours["peak_mb"], duck["peak_mb"], agreed, ""))
        scale[n] = (ours["seconds"], duck["seconds"])
        if not agreed:
            raise SystemExit(f"the engines disagree on the {n:,}-contract book: no time is reported")
    big = max(scale)
    table.append((f"growth 10k to {big // 1000:,}k: revlib vs DuckDB (x)", scale[big][0] / scale[10_000][0],
                  scale[big][1] / scale[10_000][1], True, ""))
    table.extend(daily_rows(quick))
    table.extend(amended(100_000 if quick else 1_000_000))
    per = in_child("revlib_by_customer", 100_000, 3)
    table.append(("100,000 contracts by customer: revlib (s)", per["seconds"], None, True, "< 5 s"))
    table.extend(loading.rows(100_000 if quick else 1_000_000))
    table.extend(users_path(quick))
    table.extend(widget_latency())
    table.extend(browser_latency())
    table.append(("series: executing every notebook (s)", series_time(), None, True, "< 60"))
    print(render(table))


def render(table) -> str:
    lines = [f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
             f"numpy {np.__version__}, duckdb {__import__('duckdb').__version__}", "",
             f"| {'figure':<58} | {'revlib':>9} | {'peer':>9} | {'peer / revlib':>13} | {'agreed':>6} | {'target':<30} |",
             f"|{'-' * 60}|{'-' * 11}|{'-' * 11}|{'-' * 15}|{'-' * 8}|{'-' * 32}|"]
    for name, ours, peer, agreed, target in table:
        ratio = f"{peer / ours:.1f}" if peer and ours else "-"
        peer_text = f"{peer:.3f}" if peer is not None else "-"
        lines.append(f"| {name:<58} | {ours:>9.3f} | {peer_text:>9} | {ratio:>13} | {'yes' if agreed else 'NO':>6} "
                     f"| {target:<30} |")
    return "\n".join(lines)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"] and len(sys.argv) > 5:
        print(json.dumps(user_path(sys.argv[2], Path(sys.argv[5]), int(sys.argv[4]))))
    elif sys.argv[1:2] == ["--one"]:
        print(json.dumps(measure(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))))
    elif sys.argv[1:2] == ["--daily"]:  # only issue 15's rows: a book by day beside the same book by month
        print(render(daily_rows(quick="--quick" in sys.argv)))
    elif sys.argv[1:2] == ["--users-path"]:  # only the user's path: by customer, bridge, report
        print(render(users_path(quick="--quick" in sys.argv)))
    else:
        main(quick="--quick" in sys.argv)
