"""The series' charts (matplotlib), in dollars, with one colour per metric throughout.

Each function draws on ``ax`` when given one (or a new figure when not) and
returns the figure, so a notebook ends the cell with ``plt.show()`` and a
widget can render the same chart to an image. Colours, month ticks and
matplotlib's settings come from :mod:`revlib.series.style`; each chart applies
the settings in a style context, so matplotlib's global settings never change.
"""

from __future__ import annotations

import functools

import matplotlib.style
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..bridge import BRIDGE
from ..fmt import LABELS, usd, usd_axis
from .style import COLORS, FALL, RISE, STYLE, month_ticks


def styled(chart):
    """Draw ``chart`` with :data:`STYLE` in a style context: matplotlib's global settings stay as they were."""
    @functools.wraps(chart)
    def draw(*args, **kwargs):
        with matplotlib.style.context(STYLE):
            return chart(*args, **kwargs)
    return draw


def _pyplot():
    """pyplot, imported when the first chart is drawn: importing revlib selects no backend."""
    import matplotlib.pyplot

    return matplotlib.pyplot


def _axes(ax, size=(9, 4)):
    if ax is not None:
        return ax.figure, ax
    fig, ax = _pyplot().subplots(figsize=size, layout="constrained")
    return fig, ax


def _finish(fig, ax, title=None, legend="upper right", **legend_style) -> Figure:
    """What every chart ends with: dollars on the y axis, a light grid, the legend and the title.

    The legend stands to the right of the plot, never on the data; ``legend=None`` leaves it out.
    """
    usd_axis(ax.yaxis)
    ax.grid(axis="y", alpha=0.3)
    if legend:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0, frameon=False, **legend_style)
    if title:
        ax.set_title(title)
    return fig


def _month_ticks(ax, months: pd.PeriodIndex) -> None:
    """Label the months on a matplotlib axis (see :func:`month_ticks`)."""
    ticks = month_ticks(months)
    ax.set_xticks([i for i, _ in ticks])
    ax.set_xticklabels([label for _, label in ticks], rotation=0)
    ax.set_xlim(-0.6, len(months) - 0.4)


@styled
def monthly(schedule: pd.DataFrame, columns=("billings", "revenue", "deferred_revenue"), title=None, ax=None) -> Figure:
    """Month-by-month lines of the chosen columns, each month a flat step.

    A flow is the amount of its month; a balance (deferred revenue, backlog) is read at
    month end and holds until the next, so it is drawn as a step too, never a slope.

    >>> import matplotlib.pyplot as plt
    >>> from revlib import examples, schedule
    >>> fig = monthly(schedule(examples.google()), title="Google")
    >>> [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    ['Billings', 'Revenue', 'Deferred revenue']
    >>> plt.close(fig)
    """
    fig, ax = _axes(ax)
    months = schedule.index
    x = np.arange(len(months))
    for column in columns:
        values = schedule[column].to_numpy()
        ax.plot(x, values, label=LABELS[column], color=COLORS[column], linewidth=2, drawstyle="steps-mid")
    _month_ticks(ax, months)
    return _finish(fig, ax, title, legend="upper right")


@styled
def yearly(years: pd.DataFrame, columns=("bookings", "billings", "revenue"), title=None, ax=None, labels=True) -> Figure:
    """Side-by-side bars per fiscal year, each labelled with its amount.

    >>> import matplotlib.pyplot as plt
    >>> from revlib import annual, examples, schedule
    >>> fig = yearly(annual(schedule(examples.customers_ab())))
    >>> [t.get_text() for t in fig.axes[0].get_xticklabels()][:2]
    ['FY2022', 'FY2023']
    >>> plt.close(fig)
    """
    fig, ax = _axes(ax)
    x = np.arange(len(years))
    width = 0.8 / len(columns)
    for i, column in enumerate(columns):
        values = years[column].to_numpy(dtype=float)
        bars = ax.bar(x + (i - (len(columns) - 1) / 2) * width, values, width * 0.95,
                      label=LABELS[column], color=COLORS[column])
        if labels:
            ax.bar_label(bars, labels=[usd(v, short=True) if v else "" for v in values], fontsize=8, padding=2)
    ax.set_xticks(x)
    ax.set_xticklabels(list(years.index))
    ax.margins(y=0.15)
    return _finish(fig, ax, title)


@styled
def life(schedule: pd.DataFrame, title=None, ax=None) -> Figure:
    """One contract's life: cumulative bookings, billings and revenue, with the gaps named.

    Backlog is the gap between what was booked and what was earned; deferred
    revenue is the gap between what was billed and what was earned.

    >>> import matplotlib.pyplot as plt
    >>> from revlib import examples, schedule
    >>> fig = life(schedule(examples.google(billing="annual", services=0)))
    >>> sorted(t.get_text() for t in fig.axes[0].get_legend().get_texts())[:2]
    ['Backlog (booked, not yet earned)', 'Billings to date']
    >>> plt.close(fig)
    """
    fig, ax = _axes(ax, size=(9, 4.5))
    x = np.arange(len(schedule))
    booked = schedule["bookings"].cumsum().to_numpy()
    billed = schedule["billings"].cumsum().to_numpy()
    earned = schedule["revenue"].cumsum().to_numpy()
    ax.fill_between(x, earned, booked, where=booked > earned, step="mid", color=COLORS["backlog"], alpha=0.15,
                    label="Backlog (booked, not yet earned)")
    ax.fill_between(x, earned, billed, where=billed > earned, step="mid", color=COLORS["deferred_revenue"],
                    alpha=0.35, label="Deferred revenue (billed, not yet earned)")
    for column, values in (("bookings", booked), ("billings", billed), ("revenue", earned)):
        ax.plot(x, values, drawstyle="steps-mid", color=COLORS[column], linewidth=2, label=f"{LABELS[column]} to date")
    _month_ticks(ax, schedule.index)
    return _finish(fig, ax, title, legend="lower right", fontsize=9)


@styled
def panels(schedule: pd.DataFrame, columns=("bookings", "billings", "revenue", "deferred_revenue", "mrr"),
           title=None, fig=None, top=None) -> Figure:
    """One small chart per metric, stacked on a shared month axis and one dollar scale, so bumps compare.

    ``top`` fixes the scale (to compare several books or scenarios chart by chart).

    >>> import matplotlib.pyplot as plt
    >>> from revlib import examples, schedule
    >>> fig = panels(schedule(examples.nine_clients()))
    >>> len(fig.axes), fig.axes[0].get_ylim() == fig.axes[-1].get_ylim()
    (5, True)
    >>> plt.close(fig)
    """
    if fig is None:
        fig = _pyplot().figure(figsize=(9, 1.5 * len(columns) + 0.6), layout="constrained")
    axes = np.atleast_1d(fig.subplots(len(columns), 1, sharex=True, sharey=True))
    x = np.arange(len(schedule))
    highest = float(top if top is not None else schedule[list(columns)].to_numpy().max(initial=0))
    for ax, column in zip(axes, columns):
        values = schedule[column].to_numpy()
        edges = np.arange(len(values) + 1) - 0.5
        ax.stairs(values, edges, fill=True, color=COLORS[column])  # one shape per panel: quick to redraw
        ax.set_ylabel(LABELS[column], rotation=0, ha="right", va="center")
        ax.grid(axis="y", alpha=0.3)
        if not values.any():
            ax.text(0.5, 0.5, "zero every month", transform=ax.transAxes, ha="center", va="center", color="#666666")
    axes[0].set_ylim(0, highest * 1.1 if highest > 0 else 1)
    usd_axis(axes[0].yaxis)
    _month_ticks(axes[-1], schedule.index)
    if title:
        fig.suptitle(title)
    return fig


@styled
def scenario_grid(schedules: dict, columns=("bookings", "billings", "revenue", "deferred_revenue", "mrr"),
                  base: str = "base", title=None, fig=None) -> Figure:
    """Small multiples: one column per scenario, one row per metric, all on one dollar scale.

    Each panel draws the scenario's months as steps over the base case in grey, so
    the change from the base case is the gap between the two (a panel with no
    change says so).

    >>> import matplotlib.pyplot as plt
    >>> from revlib import examples, scenarios, schedule
    >>> book = examples.nine_clients()
    >>> runs = {name: schedule(scenarios.apply(book, name)) for name in ("base", "monthly_payments")}
    >>> fig = scenario_grid(runs)
    >>> len(fig.axes), fig.axes[0].get_ylim() == fig.axes[-1].get_ylim()
    (10, True)
    >>> plt.close(fig)
    """
    names = list(schedules)
    if fig is None:
        fig = _pyplot().figure(figsize=(2.3 * len(names) + 1.2, 1.35 * len(columns) + 1.0), layout="constrained")
    axes = np.atleast_2d(fig.subplots(len(columns), len(names), sharex=True, sharey=True, squeeze=False))
    reference = schedules[base]
    highest = max(float(s[list(columns)].to_numpy().max(initial=0)) for s in schedules.values())
    for j, name in enumerate(names):
        s = schedules[name]
        edges = np.arange(len(s) + 1) - 0.5
        for i, column in enumerate(columns):
            ax = axes[i, j]
            values = s[column].to_numpy()
            if name != base:
                ax.stairs(reference[column].to_numpy(), edges, baseline=None, color="#9a9a9a", linewidth=1, linestyle=(0, (2, 1)))
            ax.stairs(values, edges, baseline=None, color=COLORS[column], linewidth=1.4)
            ax.grid(axis="y", alpha=0.3)
            if name != base and (values == reference[column].to_numpy()).all():
                ax.text(0.5, 0.85, "as base case", transform=ax.transAxes, ha="center", fontsize=8, color="#666666")
            if j == 0:
                ax.set_ylabel(LABELS[column], rotation=0, ha="right", va="center")
            if i == 0:
                ax.set_title(name.replace("_", " "), fontsize=9)
        years = [(k, str(m.year)) for k, m in enumerate(s.index) if m.month == 1]
        axes[-1, j].set_xticks([k for k, _ in years], [label for _, label in years], fontsize=7)
    axes[0, 0].set_ylim(0, highest * 1.1 if highest > 0 else 1)
    usd_axis(axes[0, 0].yaxis)
    if title:
        fig.suptitle(title + "  (grey dashes: the base case)")
    return fig


@styled
def backlog(split: pd.DataFrame, title=None, ax=None) -> Figure:
    """Backlog as stacked bars, current on non-current, with deferred revenue as a line.

    >>> import matplotlib.pyplot as plt
    >>> from revlib import backlog_split, examples, schedule
    >>> fig = backlog(backlog_split(schedule(examples.nine_clients())))
    >>> [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    ['Deferred revenue', 'Current backlog', 'Non-current backlog']
    >>> plt.close(fig)
    """
    fig, ax = _axes(ax)
    x = np.arange(len(split))
    current = split["current_backlog"].to_numpy()
    ax.bar(x, current, width=0.85, color=COLORS["current_backlog"], label=LABELS["current_backlog"])
    ax.bar(x, split["non_current_backlog"].to_numpy(), width=0.85, bottom=current,
           color=COLORS["non_current_backlog"], label=LABELS["non_current_backlog"])
    ax.plot(x, split["deferred_revenue"].to_numpy(), color=COLORS["deferred_revenue"], linewidth=2.5,
            drawstyle="steps-mid", label=LABELS["deferred_revenue"])  # a month-end balance: steps, not slopes
    _month_ticks(ax, split.index)
    return _finish(fig, ax, title, legend="upper right")


@styled
def billings_compared(periods: pd.DataFrame, title=None, ax=None) -> Figure:
    """Real billings beside billings calculated from revenue and deferred revenue, per period.

    >>> import matplotlib.pyplot as plt
    >>> from revlib import calculated_billings, examples, schedule
    >>> fig = billings_compared(calculated_billings(schedule(examples.nine_clients())))
    >>> [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    ['Billings', 'Calculated billings']
    >>> plt.close(fig)
    """
    fig, ax = _axes(ax)
    x = np.arange(len(periods))
    ax.bar(x - 0.2, periods["billings"].to_numpy(), 0.4, color=COLORS["billings"], label=LABELS["billings"])
    ax.bar(x + 0.2, periods["calculated_billings"].to_numpy(), 0.4, color=COLORS["calculated_billings"],
           label=LABELS["calculated_billings"])
    ax.axhline(0, color="#333333", linewidth=0.8)
    step = max(1, int(np.ceil(len(periods) / 12)))
    ax.set_xticks(x[::step])
    ax.set_xticklabels([str(p) for p in periods.index[::step]])
    return _finish(fig, ax, title, legend="upper left")


@styled
def bridge(row: pd.Series, title=None, ax=None) -> Figure:
    """One period's ARR bridge as a waterfall: starting ARR, each movement, ending ARR.

    >>> import matplotlib.pyplot as plt
    >>> from revlib import arr_bridge, examples, schedule
    >>> year = arr_bridge(schedule(examples.nine_clients(), by="customer"), "Y").iloc[0]
    >>> [t.get_text() for t in bridge(year).axes[0].get_xticklabels()]
    ['Starting ARR', 'New', 'Expansion', 'Ramp', 'Contraction', 'Churn', 'Reactivation', 'Ending ARR']
    >>> plt.close("all")
    """
    return _waterfall(row, list(BRIDGE), {"starting_arr", "ending_arr"}, COLORS["arr"], title, ax)


@styled
def net_bookings_waterfall(row: pd.Series, title=None, ax=None) -> Figure:
    """One period's net bookings as a waterfall: new, expansion, contraction and churn, ending at net new bookings.

    ``row`` is one period of :func:`revlib.net_bookings`. Renewals are not in net bookings; they are in gross.

    >>> import matplotlib.pyplot as plt
    >>> from revlib import examples, net_bookings
    >>> year = net_bookings(examples.nine_clients_year2(), freq="Y").loc["2023"]
    >>> [t.get_text() for t in net_bookings_waterfall(year).axes[0].get_xticklabels()]
    ['New', 'Expansion', 'Contraction', 'Churn', 'Net new bookings']
    >>> plt.close("all")
    """
    names = ["new", "expansion", "contraction", "churn", "net_new_bookings"]
    return _waterfall(row, names, {"net_new_bookings"}, COLORS["net_new_bookings"], title, ax)


def _waterfall(row: pd.Series, names: list, totals: set, total_color: str, title, ax) -> Figure:
    """A waterfall of ``row[names]``: a total stands on zero, each movement steps up (green) or down (red)
    from the level the bars before it reached; each bar is labelled with its amount."""
    fig, ax = _axes(ax)
    level, bottoms, heights, colors = 0.0, [], [], []
    for name in names:
        value = float(row[name])
        if name in totals:
            bottoms.append(min(value, 0.0))
            heights.append(abs(value))
            colors.append(total_color)
            level = value
        else:
            bottoms.append(level if value >= 0 else level + value)
            heights.append(abs(value))
            colors.append(RISE if value >= 0 else FALL)
            level += value
    x = np.arange(len(names))
    bars = ax.bar(x, heights, bottom=bottoms, color=colors, width=0.7)
    top = max([b + h for b, h in zip(bottoms, heights)] + [0.0])
    low = min(bottoms + [0.0])
    span = (top - low) or 1.0
    for bar, name in zip(bars, names):
        if row[name]:
            inside = name not in totals and bar.get_height() > 0.08 * span
            falls = float(row[name]) < 0 and name in totals
            y = bar.get_y() + (bar.get_height() / 2 if inside else 0 if falls else bar.get_height())
            ax.annotate(usd(row[name], short=True), (bar.get_x() + bar.get_width() / 2, y),
                        xytext=(0, 0 if inside else -3 if falls else 3), textcoords="offset points", ha="center",
                        va="center" if inside else "top" if falls else "bottom", fontsize=9, fontweight="bold",
                        color="white" if inside else "#222222")
    ax.set_xticks(x)
    ax.set_xticklabels([LABELS[n] for n in names])
    ax.set_ylim(low - 0.15 * span if low < 0 else 0, top + 0.15 * span)
    if low < 0:
        ax.axhline(0, color="#333333", linewidth=0.8)
    return _finish(fig, ax, title, legend=None)


def png(fig: Figure) -> bytes:
    """The figure as PNG bytes (for an image widget), then closed."""
    import io

    buffer = io.BytesIO()
    with matplotlib.style.context(STYLE):
        fig.savefig(buffer, format="png", metadata={"Software": None}, pil_kwargs={"compress_level": 1})
    _pyplot().close(fig)
    return buffer.getvalue()
