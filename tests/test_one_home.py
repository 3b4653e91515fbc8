"""Each concept has one home: money stays in cents between revlib's modules, and the helpers are shared."""

import re
from pathlib import Path

import numpy as np
import pandas as pd

import revlib
from revlib import examples, report
from revlib.engine import annual, annual_cents, cents_schedule, in_cents, in_dollars, schedule

LIBRARY = Path(revlib.__file__).parent


def test_the_public_schedule_is_the_cents_schedule_in_dollars():
    book = examples.nine_clients()
    for by in (None, "customer"):
        cents = cents_schedule(book, by=by)
        assert all(dtype == np.int64 for dtype in cents.dtypes)
        pd.testing.assert_frame_equal(in_dollars(cents), schedule(book, by=by), check_exact=True)
        pd.testing.assert_frame_equal(in_cents(schedule(book, by=by)), cents, check_exact=True)
        pd.testing.assert_frame_equal(in_dollars(annual_cents(cents, 2)), annual(schedule(book, by=by), 2),
                                      check_exact=True)


def test_only_the_schedule_api_turns_dollars_into_cents():
    """Dollars become cents again only where a public function is handed a schedule in dollars
    (``engine.api.in_cents``); formatting (``fmt``) reads dollars to show them."""
    modules = [*LIBRARY.glob("*.py"), *(LIBRARY / "engine").glob("*.py")]
    converting = [p.relative_to(LIBRARY).as_posix() for p in modules
                  if re.search(r"[)\]]\s*\*\s*100\b", p.read_text(encoding="utf-8"))]
    assert sorted(converting) == ["engine/api.py", "fmt.py"]


def test_fiscal_years_are_named_alike_everywhere():
    book = examples.nine_clients()
    yearly = annual(schedule(book), fiscal_year_start=4)
    months = schedule(book).index
    assert yearly.index.tolist() == list(dict.fromkeys(revlib.engine.fiscal_year(m, 4) for m in months))
    built = report.build(book, fiscal_year_start=4)
    assert built.bridge.index.tolist() == built.yearly.index.tolist() == built.deferred_rollforward.index.tolist()
