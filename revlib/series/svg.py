"""The live widgets' charts, written as SVG: the browser draws them, so a control answers at once.

Each function returns the markup of one chart with the colours, names and
dollar scale of the matplotlib charts (:mod:`revlib.series.style`). Hovering
a month (or a bar) shows its figures. Building the text takes a millisecond or
two; drawing the same chart with matplotlib takes a hundred times longer, which
a room watching a slider would feel.

>>> from revlib import examples, schedule
>>> chart = monthly(schedule(examples.google()), title="Google")
>>> chart.startswith("<svg") and "Deferred revenue" in chart and "Jan 2022: Billings $1,100" in chart
True
"""

from __future__ import annotations

import math
from html import escape

import numpy as np
import pandas as pd

from ..bridge import BRIDGE
from ..fmt import LABELS, usd
from .style import COLORS, FALL, RISE, month_ticks

WIDTH = 900
FONT = "font-family='system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif'"
_LEFT, _RIGHT, _TOP, _BOTTOM = 72, 16, 46, 40


def monthly(schedule: pd.DataFrame, columns=("billings", "revenue", "deferred_revenue"), title=None,
            height=320) -> str:
    """Month-by-month lines of the chosen columns, each month a flat step, flows and balances alike (as :func:`plot.monthly`).

    >>> from revlib import examples, schedule
    >>> chart = monthly(schedule(examples.google()), columns=("billings",))
    >>> chart.count("<path class='series'"), "Jan 2022: Billings $1,100" in chart
    (1, True)
    """
    values = {c: schedule[c].to_numpy(dtype=float) for c in columns}
    n = len(schedule)
    box = _Box(_LEFT, _TOP, WIDTH - _LEFT - _RIGHT, height - _TOP - _BOTTOM)
    scale = _Scale(_extent(values.values()), box)
    out = _Svg(height, title)
    out.legend([(LABELS[c], COLORS[c]) for c in columns])
    scale.grid(out)
    slot = box.width / max(n, 1)
    for column, ys in values.items():
        # a flow is the amount of its month, a balance is read at month end and holds until the next:
        # both are a flat step across the month's slot, never a slope between months
        points = _steps(ys, box, slot, scale)
        out.add(f"<path class='series' data-name='{escape(LABELS[column])}' d='{_path(points)}' fill='none' "
                f"stroke='{COLORS[column]}' stroke-width='2.2' stroke-linejoin='round'/>")
    _month_axis(out, schedule.index, box)
    for i, name in enumerate(schedule.index.strftime("%b %Y")):
        _hover(out, box, slot, i, f"{name}: " + ", ".join(f"{LABELS[c]} {usd(values[c][i])}" for c in columns))
    return out.text()


def yearly(years: pd.DataFrame, columns=("bookings", "billings", "revenue"), title=None, labels=True,
           height=320) -> str:
    """Side-by-side bars per fiscal year, each labelled with its amount (as :func:`plot.yearly`).

    >>> from revlib import annual, examples, schedule
    >>> chart = yearly(annual(schedule(examples.customers_ab())))
    >>> chart.count("<rect class='bar'"), ">$30M<" in chart  # four fiscal years, three bars each
    (12, True)
    """
    values = {c: years[c].to_numpy(dtype=float) for c in columns}
    box = _Box(_LEFT, _TOP, WIDTH - _LEFT - _RIGHT, height - _TOP - _BOTTOM)
    scale = _Scale(_extent(values.values(), headroom=0.12), box)
    out = _Svg(height, title)
    out.legend([(LABELS[c], COLORS[c]) for c in columns])
    scale.grid(out)
    slot = box.width / max(len(years), 1)
    width = 0.8 * slot / len(columns)
    for j, (column, ys) in enumerate(values.items()):
        for i, y in enumerate(ys):
            x = box.left + (i + 0.1) * slot + j * width
            top, bottom = sorted((scale(y), scale(0)))
            out.add(f"<rect class='bar' x='{x + 0.03 * width:.1f}' y='{top:.1f}' width='{0.94 * width:.1f}' "
                    f"height='{bottom - top:.1f}' fill='{COLORS[column]}'><title>{escape(str(years.index[i]))}: "
                    f"{escape(LABELS[column])} {escape(usd(y))}</title></rect>")
            if labels and y:
                out.text_at(x + width / 2, top - 4, usd(y, short=True), size=11, anchor="middle")
    for i, name in enumerate(years.index):
        out.text_at(box.left + (i + 0.5) * slot, box.bottom + 18, str(name), anchor="middle")
    out.add(_line(box.left, scale(0), box.right, scale(0), "#333333"))
    return out.text()


def panels(schedule: pd.DataFrame, columns=("bookings", "billings", "revenue", "deferred_revenue", "mrr"),
           title=None, panel_height=78) -> str:
    """One small chart per metric on a shared month axis and one dollar scale (as :func:`plot.panels`).

    >>> from revlib import examples, schedule
    >>> chart = panels(schedule(examples.nine_clients()))
    >>> chart.count("<path class='series'")
    5
    """
    values = {c: schedule[c].to_numpy(dtype=float) for c in columns}
    left, gap = 180, 18
    height = _TOP - 16 + len(columns) * (panel_height + gap) + _BOTTOM
    out = _Svg(height, title)
    highest = max([v.max(initial=0) for v in values.values()] + [0])
    n = len(schedule)
    slot = (WIDTH - left - _RIGHT) / max(n, 1)
    names = schedule.index.strftime("%b %Y")
    for k, (column, ys) in enumerate(values.items()):
        box = _Box(left, _TOP - 16 + k * (panel_height + gap), WIDTH - left - _RIGHT, panel_height)
        scale = _Scale((0.0, highest * 1.1 if highest > 0 else 1.0), box, count=2)
        scale.grid(out)
        out.text_at(left - 56, box.top + box.height / 2 + 4, LABELS[column], anchor="end", size=12)
        points = [(box.left, scale(0)), *_steps(ys, box, slot, scale), (box.left + n * slot, scale(0))]
        out.add(f"<path class='series' data-name='{escape(LABELS[column])}' d='{_path(points)}Z' "
                f"fill='{COLORS[column]}' stroke='none'/>")
        if not ys.any():
            out.text_at(box.left + box.width / 2, box.top + box.height / 2, "zero every month", anchor="middle",
                        color="#666666")
        for i, name in enumerate(names):
            _hover(out, box, slot, i, f"{name}: {LABELS[column]} {usd(ys[i])}")
    _month_axis(out, schedule.index, box)
    return out.text()


def bridge(row: pd.Series, title=None, height=320) -> str:
    """One period's ARR bridge as a waterfall: starting ARR, each movement, ending ARR (as :func:`plot.bridge`).

    >>> from revlib import arr_bridge, examples, schedule
    >>> year = arr_bridge(schedule(examples.nine_clients(), by="customer"), "Y").iloc[0]
    >>> chart = bridge(year)
    >>> chart.count("<rect class='bar'"), ">Ending ARR<" in chart
    (8, True)
    """
    return _waterfall(row, list(BRIDGE), {"starting_arr", "ending_arr"}, COLORS["arr"], title, height)


def net_bookings_waterfall(row: pd.Series, title=None, height=320) -> str:
    """One period's net bookings as a waterfall, ending at net new bookings (as :func:`plot.net_bookings_waterfall`).

    >>> from revlib import examples, net_bookings
    >>> chart = net_bookings_waterfall(net_bookings(examples.nine_clients_year2(), freq="Y").loc["2023"])
    >>> chart.count("<rect class='bar'"), ">Net new bookings<" in chart
    (5, True)
    """
    names = ["new", "expansion", "contraction", "churn", "net_new_bookings"]
    return _waterfall(row, names, {"net_new_bookings"}, COLORS["net_new_bookings"], title, height)


def _waterfall(row: pd.Series, names: list, totals: set, total_color: str, title, height) -> str:
    """A waterfall of ``row[names]``: a total stands on zero, each movement steps up or down from the level before."""
    level, bars = 0.0, []
    for name in names:
        value = float(row[name])
        if name in totals:
            bars.append((0.0, value, total_color))
            level = value
        else:
            bars.append((level, level + value, RISE if value >= 0 else FALL))
            level += value
    box = _Box(_LEFT, _TOP, WIDTH - _LEFT - _RIGHT, height - _TOP - _BOTTOM)
    scale = _Scale(_extent([np.array([v for bar in bars for v in bar[:2]])], headroom=0.12), box)
    out = _Svg(height, title)
    scale.grid(out)
    slot = box.width / len(names)
    for i, (name, (start, end, color)) in enumerate(zip(names, bars)):
        top, bottom = sorted((scale(start), scale(end)))
        x = box.left + (i + 0.15) * slot
        tall = bottom - top if not row[name] else max(bottom - top, 1.0)  # a movement shows, however small
        out.add(f"<rect class='bar' x='{x:.1f}' y='{top:.1f}' width='{0.7 * slot:.1f}' "
                f"height='{tall:.1f}' fill='{color}'><title>{escape(LABELS[name])}: "
                f"{escape(usd(row[name]))}</title></rect>")
        if row[name]:
            out.text_at(x + 0.35 * slot, top - 4, usd(row[name], short=True), size=11, anchor="middle", bold=True)
        out.text_at(box.left + (i + 0.5) * slot, box.bottom + 18, LABELS[name], anchor="middle")
    if scale.low < 0:
        out.add(_line(box.left, scale(0), box.right, scale(0), "#333333"))
    return out.text()


class _Box:
    """A plotting area in the SVG's pixels."""

    def __init__(self, left, top, width, height):
        self.left, self.top, self.width, self.height = left, top, width, height
        self.right, self.bottom = left + width, top + height


class _Scale:
    """Dollars to pixels on a box's height, with round-numbered ticks."""

    def __init__(self, extent, box: _Box, count=5):
        self.ticks = _ticks(*extent, count=count)
        self.low, self.high = self.ticks[0], self.ticks[-1]
        self.box = box

    def __call__(self, value: float) -> float:
        return self.box.bottom - (value - self.low) / (self.high - self.low) * self.box.height

    def grid(self, out: "_Svg") -> None:
        """Light horizontal lines at each tick, labelled in dollars on the left."""
        for tick in self.ticks:
            y = self(tick)
            out.add(_line(self.box.left, y, self.box.right, y, "#000000", opacity=0.12))
            out.text_at(self.box.left - 6, y + 4, usd(tick, short=True), anchor="end", size=11, color="#444444")


class _Svg:
    """SVG markup being written: a title and a legend on top, then the chart's elements."""

    def __init__(self, height: int, title):
        self.height, self.parts = height, []
        self.title = title
        if title:
            self.text_at(8, 20, title, size=15, bold=True)

    def add(self, element: str) -> None:
        self.parts.append(element)

    def text_at(self, x, y, text, size=12, anchor="start", color="#222222", bold=False) -> None:
        weight = " font-weight='600'" if bold else ""
        self.add(f"<text x='{x:.1f}' y='{y:.1f}' font-size='{size}' text-anchor='{anchor}' fill='{color}'{weight}>"
                 f"{escape(str(text))}</text>")

    def legend(self, items) -> None:
        """Swatches and names in a row at the top right (text widths estimated at 7 pixels a letter)."""
        x = WIDTH - _RIGHT
        for name, color in reversed(items):
            x -= 7 * len(name)
            self.text_at(x, 38, name, size=12)
            self.add(f"<rect x='{x - 18}' y='28' width='12' height='12' rx='2' fill='{color}'/>")
            x -= 34

    def text(self) -> str:
        label = escape(self.title or "chart")
        paper = f"<rect width='{WIDTH}' height='{self.height}' fill='#ffffff'/>"  # white, in a dark theme too
        return (f"<svg xmlns='http://www.w3.org/2000/svg' class='revlib-chart' viewBox='0 0 {WIDTH} {self.height}' "
                f"width='100%' style='max-width:{WIDTH}px' role='img' aria-label='{label}' {FONT}>"
                f"<title>{label}</title>{paper}" + "".join(self.parts) + "</svg>")


def _month_axis(out: _Svg, months: pd.PeriodIndex, box: _Box) -> None:
    """Month names under a box, at most about twelve, as on the matplotlib charts."""
    slot = box.width / max(len(months), 1)
    for i, label in month_ticks(months):
        month, year = label.split("\n")
        x = box.left + (i + 0.5) * slot
        out.add(_line(x, box.bottom, x, box.bottom + 4, "#444444"))
        out.text_at(x, box.bottom + 17, month, anchor="middle", size=11)
        out.text_at(x, box.bottom + 31, year, anchor="middle", size=11)
    out.add(_line(box.left, box.bottom, box.right, box.bottom, "#444444"))


def _extent(arrays, headroom=0.05) -> tuple[float, float]:
    """The lowest and highest value to show, always including zero, with room above."""
    low = min([float(a.min(initial=0)) for a in arrays] + [0.0])
    high = max([float(a.max(initial=0)) for a in arrays] + [0.0])
    span = high - low or 1.0
    return low - (headroom * span if low < 0 else 0), high + headroom * span


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values (1, 2, 2.5 or 5 times a power of ten) covering low to high.

    >>> _ticks(0, 1100)
    [0.0, 250.0, 500.0, 750.0, 1000.0, 1250.0]
    >>> _ticks(-250, 1000, count=2)
    [-1000.0, 0.0, 1000.0]
    """
    if high <= low:
        high = low + 1
    raw = (high - low) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw * (1 - 1e-9))
    first, last = math.floor(low / step + 1e-9), math.ceil(high / step - 1e-9)
    return [float(round(k * step, 10)) for k in range(first, last + 1)]


def _steps(values, box: _Box, slot: float, scale: _Scale) -> list[tuple[float, float]]:
    """Points of a line that holds each month's amount across the month's slot."""
    points = []
    for i, value in enumerate(values):
        points += [(box.left + i * slot, scale(value)), (box.left + (i + 1) * slot, scale(value))]
    return points


def _hover(out: _Svg, box: _Box, slot: float, i: int, text: str) -> None:
    """An invisible column over month ``i`` that shows ``text`` when the pointer is on it."""
    out.add(f"<rect x='{box.left + i * slot:.1f}' y='{box.top}' width='{slot:.1f}' height='{box.height}' "
            f"fill='transparent'><title>{escape(text)}</title></rect>")


def _line(x1, y1, x2, y2, color, opacity=1.0) -> str:
    fade = f" stroke-opacity='{opacity}'" if opacity < 1 else ""
    return f"<line x1='{x1:.1f}' y1='{y1:.1f}' x2='{x2:.1f}' y2='{y2:.1f}' stroke='{color}'{fade}/>"


def _path(points) -> str:
    return "M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in points)
