"""Live controls for workshops: change a term, watch the figures and the chart follow.

Each function returns an :class:`Explorer`: controls, a table of figures and a
chart that update together. A test (or a facilitator's script) can set a
control's ``.value`` and read ``explorer.figures`` to see what the room sees.

>>> explorer = contract_explorer()
>>> explorer.controls["annual_price"].value = 2400
>>> explorer.figures["Bookings (TCV)"]
8200.0
"""

from __future__ import annotations

import functools
from contextlib import contextmanager
from dataclasses import dataclass, replace
from html import escape

import ipywidgets as W
import pandas as pd

from . import examples, svg
from ..contract import BILLING_MONTHS, Contract, ContractError
from ..bridge import net_bookings
from ..engine import annual, fiscal_label, schedule
from ..fmt import LABELS, ratio, usd
from .scenarios import SCENARIOS, apply

BILLINGS = list(BILLING_MONTHS)


@dataclass
class View:
    """What an explorer shows: named figures, a table, and a chart (SVG markup, see :mod:`revlib.series.svg`)."""

    figures: dict
    table: pd.DataFrame
    chart: str


class Explorer(W.VBox):
    """Controls, a table of figures and a chart that are recomputed whenever a control changes."""

    def __init__(self, controls: dict, compute, note: str = "", resets: dict | None = None):
        """``resets`` maps a control's name to a function of its new value that returns the values other
        controls take when it changes: they are set first, and the explorer recomputes once, after."""
        self.controls = controls
        self.compute = compute
        self.resets = resets or {}
        self.figures: dict = {}
        self.table = pd.DataFrame()
        self.message = W.HTML()
        self.summary = W.HTML()
        self.chart = W.HTML(layout=W.Layout(max_width="900px", width="100%"))
        self._quiet = False
        for name, control in controls.items():
            control.observe(functools.partial(self._changed, name), names="value")
        rows = [W.HBox(list(controls.values())[i:i + 3]) for i in range(0, len(controls), 3)]
        parts = ([W.HTML(f"<p>{escape(note)}</p>")] if note else []) + rows + [self.message, self.summary, self.chart]
        super().__init__(parts)
        self.refresh()

    def _repr_mimebundle_(self, **kwargs):
        """The live controls, and beside them a picture of the chart as they start.

        Where widgets run (JupyterLab, Voila, the site's saved state) the controls are shown; a reader with no
        widget renderer (GitHub's notebook viewer, a plain nbconvert export) sees the stored picture instead.
        """
        bundle = super()._repr_mimebundle_(**kwargs)
        if self.chart.value:
            bundle["image/svg+xml"] = self.chart.value
        return bundle

    @property
    def values(self) -> dict:
        """Each control's current value, by name."""
        return {name: control.value for name, control in self.controls.items()}

    def _changed(self, name, change):
        if self._quiet:
            return
        if name in self.resets:
            with self.holding():
                for other, value in self.resets[name](change["new"]).items():
                    self.controls[other].value = value
        self.refresh()

    def set(self, **values):
        """Set several controls at once, recomputing once."""
        with self.holding():
            for name, value in values.items():
                self.controls[name].value = value
        self.refresh()

    @contextmanager
    def holding(self):
        """Change controls without recomputing; the caller (or the change being handled) refreshes after."""
        self._quiet = True
        try:
            yield
        finally:
            self._quiet = False

    def refresh(self):
        """Recompute the figures, the table and the chart from the controls."""
        try:
            view = self.compute(**self.values)
        except ContractError as error:
            self.message.value = f"<p style='color:#b71c1c'>{escape(str(error))}</p>"
            return
        self.message.value = ""
        self.figures, self.table = view.figures, view.table
        self.summary.value = figures_html(view.figures) + money_html(view.table)
        self.chart.value = view.chart


# Inline styles, so the tables read the same in JupyterLab, Voila and the site's saved widgets: figures right-aligned
# in digits of one width, so amounts line up by their last digit.
_TABLE = "border-collapse:collapse;margin:0.4em 0 0.8em;font-variant-numeric:tabular-nums;line-height:1.5"
_LEFT = "text-align:left;padding:1px 1.5em 1px 0"
_RIGHT = "text-align:right;padding:1px 0 1px 1.5em;white-space:nowrap"
_HEAD = "font-weight:600;border-bottom:1px solid #bdbdbd"


def figures_html(figures: dict) -> str:
    """Key figures as a two-column HTML table, in dollars (a figure given as text, like a percentage, as it is)."""
    rows = "".join(
        f"<tr><td style='{_LEFT}'>{escape(name)}</td>"
        f"<td style='{_RIGHT}' class='figure' data-name='{escape(name)}'>"
        f"{escape(value if isinstance(value, str) else usd(value))}</td></tr>"
        for name, value in figures.items()
    )
    return f"<table class='revlib-figures' style='{_TABLE}'>{rows}</table>"


def money_html(table: pd.DataFrame) -> str:
    """A schedule-like table as HTML: its index as the first column, money in dollars, headers as people read them.

    >>> html = money_html(pd.DataFrame({"bookings": [4600.0]}, index=pd.Index(["FY2022"], name="fiscal_year")))
    >>> "<th style='text-align:left" in html and ">Fiscal year</th>" in html and ">$4,600</td>" in html
    True
    """
    if table.empty:
        return ""
    names = [LABELS.get(name, name) or "" for name in table.index.names]
    shown = table.rename(columns=LABELS)
    head = "".join(f"<th style='{_LEFT};{_HEAD}'>{escape(name)}</th>" for name in names) + "".join(
        f"<th style='{_RIGHT};{_HEAD}'>{escape(str(column))}</th>" for column in shown.columns)
    body = []
    for key, row in zip(shown.index, shown.itertuples(index=False)):
        keys = key if isinstance(key, tuple) else (key,)
        cells = "".join(f"<td style='{_LEFT}'>{escape(str(k))}</td>" for k in keys) + "".join(
            f"<td style='{_RIGHT}'>{escape(str(v) if column == 'Customers' else usd(v))}</td>"
            for column, v in zip(shown.columns, row))
        body.append(f"<tr>{cells}</tr>")
    return (f"<table class='revlib-table' style='{_TABLE}'><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table>")


def contract_explorer(annual_price=1200, term_years=3, billing="monthly", services=1000) -> Explorer:
    """The Google contract with its price, term, billing and services under the room's control."""
    controls = {
        "annual_price": W.IntSlider(annual_price, min=0, max=max(12_000, annual_price), step=100,
                                    description="Price a year ($)", style={"description_width": "initial"}),
        "term_years": W.IntSlider(term_years, min=1, max=5, description="Term (years)",
                                  style={"description_width": "initial"}),
        "billing": W.Dropdown(options=BILLINGS, value=billing, description="Billing"),
        "services": W.IntSlider(services, min=0, max=max(5_000, services), step=100, description="Services ($)",
                                style={"description_width": "initial"}),
    }

    def compute(annual_price, term_years, billing, services):
        contract = examples.google(annual_price, term_years, billing, services)
        s = schedule(contract)
        chart = svg.monthly(s, columns=("billings", "revenue", "deferred_revenue"),
                            title="Billings, revenue and deferred revenue each month")
        years = annual(s)[["bookings", "billings", "revenue", "deferred_revenue", "backlog"]]
        return View(examples.contract_figures(contract), years, chart)

    return Explorer(controls, compute, "Move a control: the figures, the yearly table and the chart are recomputed.")


def customers_ab_explorer(a_tcv=24_000_000, a_term_years=4, a_billing="annual", b_tcv=6_000_000, b_term_years=2,
                          b_billing="monthly", fiscal_year=2022) -> Explorer:
    """Customers A and B with each one's billing frequency and term under control."""
    controls = {
        "a_billing": W.Dropdown(options=BILLINGS, value=a_billing, description="A billing"),
        "a_term_years": W.IntSlider(a_term_years, min=1, max=6, description="A term (years)",
                                    style={"description_width": "initial"}),
        "b_billing": W.Dropdown(options=BILLINGS, value=b_billing, description="B billing"),
        "b_term_years": W.IntSlider(b_term_years, min=1, max=6, description="B term (years)",
                                    style={"description_width": "initial"}),
    }

    def compute(a_billing, a_term_years, b_billing, b_term_years):
        book = examples.customers_ab(a_tcv, a_term_years, a_billing, b_tcv, b_term_years, b_billing)
        years = annual(schedule(book))[["bookings", "billings", "revenue", "deferred_revenue", "backlog"]]
        chart = svg.yearly(years, title="Bookings, billings and revenue by fiscal year")
        return View(examples.fiscal_year_figures(book, fiscal_year), years, chart)

    return Explorer(controls, compute, f"Each customer keeps its TCV; the figures are for {fiscal_label(fiscal_year)}.")


def nine_clients_explorer(contracts=None, scenario="base") -> Explorer:
    """The nine-client book: pick a scenario, and change one client's terms at a time."""
    book = list(contracts or examples.nine_clients())
    names = [c.customer for c in book]
    edits = {c.customer: c for c in book}
    first = book[0]
    controls = {
        "scenario": W.Dropdown(options=list(SCENARIOS), value=scenario, description="Scenario"),
        "client": W.Dropdown(options=names, value=names[0], description="Client"),
        "term_months": W.IntSlider(first.term_months, min=1, max=48, description="Term (months)",
                                   style={"description_width": "initial"}),
        "billing": W.Dropdown(options=BILLINGS, value=first.billing, description="Billing"),
        "monthly_price": W.IntSlider(_monthly(first), min=0, max=200, step=5, description="Monthly price ($)",
                                     style={"description_width": "initial"}),
        "services": W.IntSlider(int(first.services), min=0, max=1000, step=50, description="Services ($)",
                                style={"description_width": "initial"}),
    }

    def terms(client):  # a client picked: the controls show its terms (with any edit made to it)
        chosen = edits[client]
        return dict(term_months=chosen.term_months, billing=chosen.billing, monthly_price=_monthly(chosen),
                    services=int(chosen.services))

    def compute(scenario, client, term_months, billing, monthly_price, services):
        edits[client] = replace(edits[client], term_months=term_months, billing=billing,
                                monthly_price=monthly_price, annual_price=None, services=services)
        changed = apply([edits[n] for n in names], scenario)
        years = examples.book_figures(changed)
        chart = svg.panels(schedule(changed), title=SCENARIOS[scenario])
        figures = {f"{label} {year}": float(years.loc[year, column])
                   for column, label in (("bookings", "Bookings"), ("billings", "Billings"), ("revenue", "Revenue"))
                   for year in years.index}
        figures[f"ARR at end of {years.index[-1]}"] = float(years["arr"].iloc[-1])
        return View(figures, years, chart)

    return Explorer(controls, compute, "Pick a scenario, or a client and change its terms.", resets={"client": terms})


def ramp_explorer(prices=(1_000_000, 2_000_000, 3_000_000), billing="annual") -> Explorer:
    """A ramp deal with each year's price and the billing frequency under control."""
    top = max(5_000_000, *prices)
    controls = {
        f"year_{n}": W.IntSlider(int(price), min=0, max=int(top), step=250_000, description=f"Year {n} price ($)",
                                 style={"description_width": "initial"})
        for n, price in enumerate(prices, start=1)
    }
    controls["billing"] = W.Dropdown(options=BILLINGS, value=billing, description="Billing")

    def compute(billing, **years):
        contract = examples.ramp([years[f"year_{n}"] for n in range(1, len(years) + 1)], billing)
        s = schedule(contract)
        chart = svg.monthly(s, columns=("billings", "revenue", "unbilled_revenue", "deferred_revenue"),
                            title="Billings follow the prices; revenue is spread evenly")
        table = annual(s)[["billings", "revenue", "unbilled_revenue", "deferred_revenue", "backlog", "arr"]]
        return View(examples.ramp_figures(contract), table, chart)

    return Explorer(controls, compute, "Set each year's price: revenue stays even, billings and unbilled revenue move.")


def book_explorer(contracts, segment=None, fiscal_year_start=1, end=None) -> Explorer:
    """A real book: pick a segment and the fiscal year's first month; see the years and the last ARR bridge."""
    from ..report import build

    contracts = list(contracts)
    segments = ["(all)"] + sorted({c.segment for c in contracts if c.segment})
    months = [(pd.Period(f"2022-{m:02d}", "M").strftime("%B"), m) for m in range(1, 13)]
    controls = {
        "segment": W.Dropdown(options=segments, value=segment or "(all)", description="Segment"),
        "fiscal_year_start": W.Dropdown(options=months, value=fiscal_year_start, description="Year starts",
                                        style={"description_width": "initial"}),
    }

    def compute(segment, fiscal_year_start):
        report = build(contracts, fiscal_year_start, None if segment == "(all)" else segment, end=end)
        last = report.bridge.index[-1]
        chart = svg.bridge(report.bridge.loc[last], title=f"What moved ARR in {last}")
        figures = {f"{label}, {last}": float(report.yearly.loc[last, column])
                   for column, label in (("bookings", "Bookings"), ("billings", "Billings"), ("revenue", "Revenue"))}
        figures.update({f"ARR {name}, {last}": float(report.bridge.loc[last, key])
                        for key, name in (("new", "new"), ("churn", "churned"), ("ending_arr", "at year end"))})
        table = report.yearly[["bookings", "billings", "revenue", "deferred_revenue", "backlog", "arr", "customers"]]
        return View(figures, table, chart)

    return Explorer(controls, compute, "Pick a segment to pilot on, or move the fiscal year.")


def amendment_explorer(contracts=None, year=2023) -> Explorer:
    """The nine clients' second year, with one more amendment under control: pick a client, a new monthly price
    (0 cancels) and the month it takes effect; net bookings, the ARR bridge and retention follow.

    The amendment names the client's contract in effect that month (an earlier amendment's or a signed
    renewal's chain, whichever holds); a client with no contract then, or a second change to one contract in
    the same month, is refused with revlib's own message.

    >>> explorer = amendment_explorer()
    >>> explorer.set(client="Zuora", monthly_price=0, effective="2023-06")  # nine months of $20 taken off
    >>> explorer.figures["Churn bookings"], explorer.figures["ARR at year end"], explorer.figures["NRR"]
    (-360.0, 3612.0, '83.6%')
    """
    book = list(contracts or examples.nine_clients_year2())
    names = ["(none)"] + list(dict.fromkeys(c.customer for c in book))
    months = [str(m) for m in pd.period_range(f"{year}-01", f"{year}-12", freq="M")]
    wide = {"description_width": "initial"}
    controls = {
        "client": W.Dropdown(options=names, value="(none)", description="Amend", style=wide,
                             layout=W.Layout(width="230px")),
        "monthly_price": W.IntSlider(0, min=0, max=200, step=5, description="New monthly price ($)", style=wide,
                                     layout=W.Layout(width="400px")),
        "effective": W.Dropdown(options=months, value=f"{year}-06", description="from", style=wide,
                                layout=W.Layout(width="170px")),
    }

    def price_now(client):  # a client picked: the slider starts at its monthly price in June
        if client == "(none)":
            return {}
        s = schedule([c for c in book if c.customer == client], start=f"{year}-01", end=f"{year}-12")
        return {"monthly_price": int(round(s.loc[f"{year}-06", "arr"] / 12))}

    def compute(client, monthly_price, effective):
        changed = book if client == "(none)" else [*book, amendment(book, client, effective, monthly_price)]
        figures = examples.year_figures(changed, year)
        kinds = net_bookings(changed, freq="Y", start=f"{year - 1}-01", end=f"{year}-12")
        chart = svg.net_bookings_waterfall(kinds.loc[str(year)], title=f"Net bookings in {year}")
        ratios = {"NRR": "nrr", "GRR": "grr", "Logo churn": "logo_churn", "Quick ratio": "quick_ratio"}
        shown = {name: ratio(value, ratios[name]) if name in ratios else value for name, value in figures.items()}
        return View(shown, kinds[["new", "expansion", "renewal", "contraction", "churn", "gross_bookings",
                                  "net_new_bookings"]], chart)

    return Explorer(controls, compute, "Amend one client: pick it, its new monthly price (0 cancels) and the month "
                    "it takes effect.", resets={"client": price_now})


def amendment(book, client: str, effective: str, monthly_price: float) -> Contract:
    """An amendment of ``client``'s contract in effect in month ``effective``, to ``monthly_price`` (0 cancels).

    The contract in effect is the latest of the client's contracts started by then that renews or runs past
    that month (a signed renewal replaces the contract it renews); with none, a ContractError says so.
    """
    month = pd.Period(effective, "M")
    live = [c for c in book if c.customer == client and not c.amends and c.start <= month
            and (c.renews or month < c.start + c.term_months)
            and not any(r.renewal_of == c.contract_id and r.start <= month for r in book)]
    if not live:
        raise ContractError([f"{client} has no contract in service in {effective} to amend"])
    target = max(live, key=lambda c: c.start)
    return Contract(customer=client, start=effective, monthly_price=monthly_price, amends=target.contract_id,
                    contract_id=f"{target.contract_id}-{effective}")


PRESETS = {
    "google": "The Google $4,600 contract",
    "ab": "Customers A and B",
    "nine": "The nine clients",
    "custom": "Your own contract",
}
"""The workshop app's presets: the series' examples, and a contract of the room's own."""


def app_book(preset="google", billing="as signed", customers=1, annual_price=1200, term_months=36, services=1000,
             renews=False, ramp=0):
    """The contracts the workshop app shows: a preset, or the room's own contract signed by several customers.

    ``billing`` other than ``"as signed"`` bills every contract that way. The
    room's own contract is signed by ``customers`` customers, one a month;
    ``ramp`` raises its price by that percentage each contract year.

    >>> [c.tcv for c in app_book("ab")]
    [24000000.0, 6000000.0]
    >>> [c.billing for c in app_book("nine", billing="annual")][:2]
    ['annual', 'annual']
    >>> app_book("custom", customers=2, annual_price=1000, term_months=24, services=0, ramp=10)[1].annual_price
    (1000.0, 1100.0)
    """
    if preset == "ab":
        book = examples.customers_ab()
    elif preset == "nine":
        book = examples.nine_clients()
    elif preset in ("google", "custom"):
        years = -(-int(term_months) // 12)
        prices = [round(annual_price * (1 + ramp / 100) ** year, 2) for year in range(years)] if ramp else annual_price
        book = [Contract(customer=f"Customer {n + 1}", start=pd.Period("2022-01", "M") + n, term_months=term_months,
                         annual_price=prices, services=services, renews=renews, billing="monthly")
                for n in range(int(customers))]
    else:
        raise ValueError(f"preset {preset!r} is not one of {', '.join(PRESETS)}")
    if billing != "as signed":
        book = [replace(c, billing=billing) for c in book]
    return book


def app_figures(book) -> dict[str, float]:
    """The figures the workshop app shows for a book: its first year, and where it stands at the end of it.

    >>> app_figures(app_book("google"))["Bookings (TCV)"]
    4600.0
    """
    s = schedule(book)
    year = s.iloc[:12]
    end = year.iloc[-1]
    return {
        "Bookings (TCV)": float(s["bookings"].sum() - s["renewal_bookings"].sum()),
        "Billings, first 12 months": float(year["billings"].sum().round(2)),
        "Revenue, first 12 months": float(year["revenue"].sum().round(2)),
        "Deferred revenue after month 1": float(year["deferred_revenue"].iloc[0]),
        "Deferred revenue after month 12": float(end["deferred_revenue"]),
        "Unbilled revenue after month 12": float(end["unbilled_revenue"]),
        "Backlog after month 12": float(end["backlog"]),
        "MRR in month 12": float(end["mrr"]),
        "ARR in month 12": float(end["arr"]),
    }


def contract_app(preset="google") -> Explorer:
    """The workshop's one-screen app: presets, or a contract built with controls; figures, a table and a chart."""
    google = dict(customers=1, annual_price=1200, term_months=36, services=1000, renews=False, ramp=0)
    wide = {"description_width": "initial"}
    controls = {
        "preset": W.Dropdown(options=[(label, key) for key, label in PRESETS.items()], value=preset,
                             description="Example", style=wide),
        "billing": W.Dropdown(options=["as signed", *BILLINGS], value="as signed", description="Billing"),
        "customers": W.IntSlider(google["customers"], min=1, max=12, description="Customers", style=wide),
        "annual_price": W.IntSlider(google["annual_price"], min=0, max=60_000, step=100, description="Price a year ($)",
                                    style=wide),
        "term_months": W.IntSlider(google["term_months"], min=1, max=60, description="Term (months)", style=wide),
        "services": W.IntSlider(google["services"], min=0, max=20_000, step=100, description="Services ($)", style=wide),
        "renews": W.Checkbox(google["renews"], description="Renews"),
        "ramp": W.IntSlider(google["ramp"], min=0, max=100, step=5, description="Ramp (% a year)", style=wide),
    }
    own = [name for name in controls if name not in ("preset", "billing")]

    def compute(preset, billing, **terms):
        for name in own:
            controls[name].disabled = preset in ("ab", "nine")
        book = app_book(preset, billing, **terms)
        s = schedule(book)
        chart = svg.monthly(s, columns=("billings", "revenue", "deferred_revenue", "mrr"), title=PRESETS[preset])
        table = annual(s)[["bookings", "billings", "revenue", "deferred_revenue", "backlog", "mrr", "arr"]]
        return View(app_figures(book), table, chart)

    def preset_chosen(preset):  # Google again: its own terms, so it is computed on them
        return {"billing": "as signed", **google} if preset == "google" else {}

    return Explorer(controls, compute, "Pick an example, change how it is billed, or build your own contract.",
                    resets={"preset": preset_chosen})


def in_voila() -> bool:
    """True in a kernel that Voila started (where only the app should show)."""
    import os

    return "VOILA_KERNEL_ID" in os.environ


def _monthly(contract) -> int:
    if contract.monthly_price is not None and not isinstance(contract.monthly_price, tuple):
        return int(contract.monthly_price)
    return int(round(contract.mrr))
