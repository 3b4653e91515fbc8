"""The series' look, in one place: one colour per metric, the month ticks, and matplotlib's settings as data.

Both kinds of chart read it: :mod:`revlib.series.svg` (the live widgets) and :mod:`revlib.series.plot`
(matplotlib). It imports no matplotlib and changes no setting: :data:`STYLE` is only a dictionary, which
:func:`revlib.series.plot.styled` applies in a style context while a chart is drawn. The names of the
metrics on a chart are :data:`revlib.fmt.LABELS`, the same names the report's tables use.

>>> COLORS["revenue"], RISE, FALL
('#2e7d32', '#2e7d32', '#c62828')
"""

from __future__ import annotations

import numpy as np
import pandas as pd

COLORS = {
    "bookings": "#1f4e79",
    "renewal_bookings": "#6b8fb5",
    "billings": "#c55a11",
    "revenue": "#2e7d32",
    "recurring_revenue": "#66a86a",
    "services_revenue": "#9ccc65",
    "deferred_revenue": "#7b1fa2",
    "unbilled_revenue": "#ad1457",
    "backlog": "#546e7a",
    "current_backlog": "#37474f",
    "non_current_backlog": "#b0bec5",
    "not_yet_billed": "#90a4ae",
    "calculated_billings": "#8d6e63",
    "mrr": "#f9a825",
    "arr": "#ef6c00",
    "customers": "#455a64",
    "gross_bookings": "#1f4e79",
    "net_new_bookings": "#5e35b1",
}
"""One colour per metric, the same on every chart."""

RISE, FALL = "#2e7d32", "#c62828"
"""An ARR bridge's movements: a rise in green, a fall in red."""

STYLE = {"figure.dpi": 90, "font.size": 10, "axes.titlesize": 12, "axes.spines.top": False,
         "axes.spines.right": False, "svg.hashsalt": "revlib"}
"""The series' matplotlib settings: applied while a chart is drawn (:func:`revlib.series.plot.styled`), never on
import."""


def month_ticks(months: pd.PeriodIndex) -> list[tuple[int, str]]:
    """Which months to label, and how: every n-th month, so that at most about twelve labels show.

    >>> month_ticks(pd.period_range("2022-01", periods=36, freq="M"))[:2]
    [(0, 'Jan\\n2022'), (3, 'Apr\\n2022')]
    """
    step = max(1, int(np.ceil(len(months) / 12)))
    if step > 1 and step % 3:
        step += 3 - step % 3
    return [(i, months[i].strftime("%b\n%Y")) for i in range(0, len(months), step)]
