"""Issue 15's ratio in one process: the book by day (convention="daily") and the same book by month, timed in turn.

    python tests/benchmarks/days.py [contracts] [rounds]      (1,000,000 and 7 unless told)

On a busy machine the two columns of ``run.py --daily`` (each in its own process, wall clock) move apart from run to
run; here each round times both, one after the other, in CPU time (``time.process_time``) and wall clock, and the
best and the median of the rounds are printed with the load average. The two must agree to the cent on the columns
that fall in the same months (``run.DAILY_SAME``) before a time is printed.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

import book as synthetic
import run


def main(n: int, rounds: int) -> None:
    columns = synthetic.columns(n)
    books = {"by day": (synthetic.book(synthetic.days(columns)), "daily"), "by month": (synthetic.book(columns),
                                                                                         "monthly")}
    cpu, wall, result = {k: [] for k in books}, {k: [] for k in books}, {}
    for _ in range(rounds):
        for name, (data, convention) in books.items():
            started, used = time.perf_counter(), time.process_time()
            result[name] = run.daily_cents(data, convention)
            cpu[name].append(time.process_time() - used)
            wall[name].append(time.perf_counter() - started)
    if result["by day"] != result["by month"]:
        raise SystemExit("the book by day disagrees with it by month: no time is reported")
    for name in books:
        print(f"{name:9} CPU best {min(cpu[name]):.3f} s, median {statistics.median(cpu[name]):.3f} s; "
              f"wall best {min(wall[name]):.3f} s, median {statistics.median(wall[name]):.3f} s")
    ratio = {k: (f(cpu["by day"]) / f(cpu["by month"]), f(wall["by day"]) / f(wall["by month"]))
             for k, f in (("best", min), ("median", statistics.median))}
    print(f"by day / by month: CPU {ratio['best'][0]:.2f} (best), {ratio['median'][0]:.2f} (median); "
          f"wall {ratio['best'][1]:.2f} (best), {ratio['median'][1]:.2f} (median)")
    print("load average (1, 5, 15 min): " + ", ".join(f"{x:.1f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000, int(sys.argv[2]) if len(sys.argv) > 2 else 7)
