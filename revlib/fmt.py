"""Money as people read it: ``$4,600``, ``$83.33``, ``$8.75M``."""

from __future__ import annotations

import pandas as pd

LABELS = {
    "bookings": "Bookings",
    "renewal_bookings": "Renewal bookings",
    "billings": "Billings",
    "revenue": "Revenue",
    "recurring_revenue": "Recurring revenue",
    "services_revenue": "Services revenue",
    "deferred_revenue": "Deferred revenue",
    "unbilled_revenue": "Unbilled revenue",
    "backlog": "Backlog",
    "current_backlog": "Current backlog",
    "non_current_backlog": "Non-current backlog",
    "not_yet_billed": "Booked, not yet billed",
    "deferred_revenue_change": "Change in deferred revenue",
    "unbilled_revenue_change": "Change in unbilled revenue",
    "calculated_billings": "Calculated billings",
    "opening_deferred_revenue": "Opening deferred revenue",
    "closing_deferred_revenue": "Closing deferred revenue",
    "gap": "Billings less calculated",
    "starting_arr": "Starting ARR",
    "ending_arr": "Ending ARR",
    "new": "New",
    "expansion": "Expansion",
    "ramp": "Ramp",
    "ramp_step": "Ramp step in ARR",
    "contraction": "Contraction",
    "churn": "Churn",
    "reactivation": "Reactivation",
    "renewal": "Renewal",
    "gross_bookings": "Gross bookings",
    "net_new_bookings": "Net new bookings",
    "tcv": "TCV",
    "acv": "ACV",
    "fiscal_year": "Fiscal year",
    "arpa": "ARPA",
    "mrr": "MRR",
    "arr": "ARR",
    "customers": "Customers",
    "nrr": "NRR",
    "grr": "GRR",
    "logo_churn": "Logo churn",
    "quick_ratio": "Quick ratio",
}
"""How each schedule column is named for a reader: in the report's tables and on the series' charts alike."""

_SCALES = ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "K"))


def usd(amount, short: bool = False) -> str:
    """Dollars with thousands separators; cents only where there are some.

    ``short=True`` writes large amounts in thousands (K), millions (M) or
    billions (B), with up to two decimals.

    >>> usd(4600)
    '$4,600'
    >>> usd(83.333)
    '$83.33'
    >>> usd(-1100)
    '-$1,100'
    >>> usd(8_750_000, short=True)
    '$8.75M'
    >>> usd(30_000_000, short=True), usd(250_000, short=True), usd(600, short=True)
    ('$30M', '$250K', '$600')
    """
    cents = round(float(amount) * 100)
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    if short:
        for size, suffix in _SCALES:
            if cents >= size * 100:
                text = f"{cents / (size * 100):,.2f}".rstrip("0").rstrip(".")
                return f"{sign}${text}{suffix}"
    dollars, rest = divmod(cents, 100)
    return f"{sign}${dollars:,}" + (f".{rest:02d}" if rest else "")


def usd_axis(axis, short: bool = True) -> None:
    """Label a matplotlib axis's ticks in dollars (``$8.75M``)."""
    from matplotlib.ticker import FuncFormatter

    axis.set_major_formatter(FuncFormatter(lambda value, _: usd(value, short=short)))


def lines(figures: dict) -> str:
    """Named figures, one a line, in dollars: what a key-figures cell prints.

    >>> print(lines({"Bookings (TCV)": 4600, "MRR": 100}))
    Bookings (TCV): $4,600
    MRR: $100
    """
    return "\n".join(f"{name}: {usd(value)}" for name, value in figures.items())


RATIOS = ("nrr", "grr", "logo_churn", "quick_ratio")
"""Columns that are fractions or ratios, not money (:func:`revlib.retention`'s): shown as such by :func:`table`."""


def ratio(value, name: str = "nrr") -> str:
    """A fraction as a percentage (``0.8917`` is ``89.2%``), or the quick ratio as a plain ratio; NaN as ``n/a``.

    >>> ratio(0.89166), ratio(0.4, "quick_ratio"), ratio(float("inf"), "quick_ratio"), ratio(float("nan"))
    ('89.2%', '0.40', 'no losses', 'n/a')
    """
    if pd.isna(value):
        return "n/a"
    if name == "quick_ratio":
        return "no losses" if value == float("inf") else f"{value:.2f}"
    return f"{value:.1%}"


def table(frame, short: bool = False):
    """A copy of a schedule-like table with money (its float columns) as dollars and headers as people read them.

    Retention's fractions (:data:`RATIOS`) are shown as percentages, the quick ratio as a ratio.

    >>> table(pd.DataFrame({"bookings": [4600.0], "customers": [1]}, index=["FY2022"]))
           Bookings  Customers
    FY2022   $4,600          1
    >>> table(pd.DataFrame({"starting_arr": [4320.0], "nrr": [0.8917]}, index=["2023"]))
         Starting ARR    NRR
    2023       $4,320  89.2%
    """
    shown = frame.copy()
    for column in shown.columns:
        if column in RATIOS:
            shown[column] = [ratio(v, column) for v in shown[column]]
        elif column != "customers" and pd.api.types.is_float_dtype(shown[column]):
            shown[column] = [usd(v, short=short) for v in shown[column]]
    return shown.rename(columns=LABELS)


def terms(contracts):
    """The terms of a list of contracts as a table, one row per contract.

    >>> from revlib import Contract
    >>> row = terms([Contract(customer="Google", start="2022-01", term_months=36, annual_price=1200,
    ...                       services=1000)]).loc["Google"]
    >>> row["Price a year"], row["Services"], row["TCV"], row["ACV"]
    ('$1,200', '$1,000', '$4,600', '$1,200')

    A ramp deal's prices are listed year by year after one dollar sign: JupyterLab typesets the text between two
    dollar signs in one table cell as a formula.

    >>> terms([Contract(customer="Ramp", start="2022-01", term_months=36, annual_price=[1000, 2000, 3000])]).loc["Ramp", "Price a year"]
    '$1,000 / 2,000 / 3,000'
    """

    rows = []
    for c in contracts:
        prices = c.prices_per_year
        price = "$" + " / ".join(usd(p / 100)[1:] for p in prices)
        rows.append({"Customer": c.customer, "Start": str(c.start), "Term (months)": c.term_months,
                     "Price a year": price, "Billing": c.billing, "Services": usd(c.services),
                     "Renews": "yes" if c.renews else "no", "TCV": usd(c.tcv), "ACV": usd(c.acv)})
    return pd.DataFrame(rows).set_index("Customer")
