"""The series' worked examples, built from their terms, and the key figures each one teaches.

Notebooks, widgets and tests all build the examples here, so a figure shown in
a chart, printed in a notebook and checked in a test comes from one place.
"""

from __future__ import annotations

from importlib import resources

import pandas as pd

from ..contract import Contract
from ..engine import annual, fiscal_label, schedule
from ..load import load_contracts

DATA = resources.files("revlib") / "data"
"""The example books, installed with revlib (the same files as the project's ``data/`` folder, for readers)."""


def load(name: str) -> list[Contract]:
    """One of the example books installed with revlib, by file name.

    >>> len(load("sample_book.csv")) > 200
    True
    """
    with resources.as_file(DATA / name) as path:
        return load_contracts(path)


def google(annual_price=1200, term_years=3, billing="monthly", services=1000, start="2022-01") -> Contract:
    """The Google example: a multi-year contract with services up front.

    >>> google().tcv
    4600.0
    >>> google(annual_price=2400).tcv
    8200.0
    """
    return Contract(
        customer="Google",
        start=start,
        term_months=int(term_years * 12),
        annual_price=annual_price,
        billing=billing,
        services=services,
    )


def contract_figures(contract: Contract) -> dict[str, float]:
    """What one contract teaches: its value, its first two months, its run rate.

    >>> figures = contract_figures(google())
    >>> figures["Bookings (TCV)"], figures["First-month billings"], figures["Deferred revenue after month 1"]
    (4600.0, 1100.0, 0.0)
    """
    s = schedule(contract)
    first, second = s.iloc[0], s.iloc[1] if len(s) > 1 else s.iloc[0] * 0
    return {
        "Bookings (TCV)": float(s["bookings"].iloc[0]),
        "ACV": contract.acv,
        "First-month billings": float(first["billings"]),
        "First-month revenue": float(first["revenue"]),
        "Second-month billings": float(second["billings"]),
        "Second-month revenue": float(second["revenue"]),
        "MRR": float(first["mrr"]),
        "ARR": float(first["arr"]),
        "Deferred revenue after month 1": float(first["deferred_revenue"]),
        "Deferred revenue after month 2": float(second["deferred_revenue"]),
    }


def customers_ab(
    a_tcv=24_000_000, a_term_years=4, a_billing="annual", b_tcv=6_000_000, b_term_years=2, b_billing="monthly"
) -> list[Contract]:
    """Customer A (from January 2022) and Customer B (from February 2022), each given by its TCV.

    >>> [c.acv for c in customers_ab()]
    [6000000.0, 3000000.0]
    """
    return [
        Contract(customer="Customer A", start="2022-01", term_months=int(a_term_years * 12),
                 annual_price=round(a_tcv / a_term_years, 2), billing=a_billing),
        Contract(customer="Customer B", start="2022-02", term_months=int(b_term_years * 12),
                 annual_price=round(b_tcv / b_term_years, 2), billing=b_billing),
    ]


def fiscal_year_figures(book, fiscal_year=2022, fiscal_year_start=1) -> dict[str, float]:
    """A fiscal year's bookings, billings and revenue, and its year-end balances.

    >>> figures = fiscal_year_figures(customers_ab())
    >>> figures["Bookings"], figures["Billings"], figures["Revenue"], figures["Backlog at year end"]
    (30000000.0, 8750000.0, 8750000.0, 21250000.0)
    """
    year = annual(schedule(book, start=f"{fiscal_year - 1}-01", end=f"{fiscal_year + 1}-12"), fiscal_year_start)
    row = year.loc[fiscal_label(fiscal_year)]
    return {
        "Bookings": float(row["bookings"]),
        "Billings": float(row["billings"]),
        "Revenue": float(row["revenue"]),
        "Deferred revenue at year end": float(row["deferred_revenue"]),
        "Backlog at year end": float(row["backlog"]),
        "ARR at year end": float(row["arr"]),
    }


def nine_clients(path=None) -> list[Contract]:
    """The nine-client book: one new client a month through September 2022.

    >>> len(nine_clients())
    9
    """
    return load_contracts(path) if path else load("nine_clients.csv")


def nine_clients_year2(contracts_csv=None, changes_csv=None) -> list[Contract]:
    """The nine-client book with its second year's changes: the CRM's contracts, then the year's amendments and renewals.

    ``changes_csv`` (``nine_clients_year2.csv`` by default) holds only the rows signed in 2023: an upgrade,
    a downgrade and a cancellation (``amends``), and two signed renewals (``renewal_of``), one with a price
    rise. They name the contracts of ``contracts_csv`` (``nine_clients.csv``), so the two files are read as
    one export: a problem's line is its line in the two files one after the other, the first's header once.

    >>> book = nine_clients_year2()
    >>> len(book), [c.customer for c in book if c.amends]
    (14, ['Blue Apron', 'Spotify', 'Uber'])
    """
    frames = []
    for path, name in ((contracts_csv, "nine_clients.csv"), (changes_csv, "nine_clients_year2.csv")):
        if path is None:
            with resources.as_file(DATA / name) as packaged:
                frames.append(pd.read_csv(packaged, dtype=str, keep_default_na=False))
        else:
            frames.append(pd.read_csv(path, dtype=str, keep_default_na=False))
    return load_contracts(pd.concat(frames, ignore_index=True).fillna(""))


def year_figures(book, year=2023, start="2022-01") -> dict[str, float]:
    """A year of a book's life as the board reads it: bookings by kind, the ARR bridge, and retention.

    Money in dollars; NRR, GRR and logo churn as fractions (0.9 is 90%); the quick ratio as a ratio.

    >>> figures = year_figures(nine_clients_year2())
    >>> figures["Net new bookings"], figures["ARR at year end"], round(figures["NRR"], 4)
    (272.0, 3852.0, 0.8917)
    """
    from ..bridge import arr_bridge, net_bookings
    from ..retention import retention

    end = f"{year}-12"
    label = str(year)
    kinds = net_bookings(book, freq="Y", start=start, end=end).loc[label]
    per = schedule(book, by="customer", start=start, end=end)
    moves = arr_bridge(per, freq="Y").loc[label]
    kept = retention(per, freq="Y").loc[label]
    figures = {f"{name.capitalize()} bookings": float(kinds[name])
               for name in ("new", "expansion", "renewal", "contraction", "churn")}
    figures["Gross bookings"] = float(kinds["gross_bookings"])
    figures["Net new bookings"] = float(kinds["net_new_bookings"])
    figures["ARR at year start"] = float(moves["starting_arr"])
    figures.update({f"ARR {name}": float(moves[name]) for name in ("new", "expansion", "ramp", "contraction", "churn",
                                                                    "reactivation")})
    figures["ARR at year end"] = float(moves["ending_arr"])
    figures.update({"NRR": float(kept["nrr"]), "GRR": float(kept["grr"]), "Logo churn": float(kept["logo_churn"]),
                    "Quick ratio": float(kept["quick_ratio"])})
    return figures


def book_figures(book) -> pd.DataFrame:
    """The yearly summary the nine-client model is read from, one row per year.

    Bookings, billings and revenue summed over each year; deferred revenue, MRR
    and ARR at its end.

    >>> book_figures(nine_clients()).loc["FY2022", ["bookings", "mrr"]].tolist()
    [5680.0, 360.0]
    """
    columns = ["bookings", "billings", "revenue", "services_revenue", "deferred_revenue", "backlog", "mrr", "arr", "customers"]
    return annual(schedule(book))[columns]


def ramp(prices=(1_000_000, 2_000_000, 3_000_000), billing="annual", start="2022-01") -> Contract:
    """A ramp deal: one price per contract year, the term as many years as there are prices.

    >>> ramp().tcv, ramp().acv
    (6000000.0, 2000000.0)
    """
    prices = list(prices)
    return Contract(customer="Ramp Co", start=start, term_months=12 * len(prices),
                    annual_price=prices if len(prices) > 1 else prices[0], billing=billing)


def ramp_figures(contract: Contract) -> dict[str, float]:
    """A ramp deal year by year: billings, revenue and year-end unbilled revenue.

    >>> figures = ramp_figures(ramp())
    >>> figures["Billings, year 1"], figures["Unbilled revenue, end of year 1"]
    (1000000.0, 999999.92)
    """
    years = annual(schedule(contract))
    figures = {"TCV": contract.tcv, "ACV": contract.acv}
    for n, (_, row) in enumerate(years.iterrows(), start=1):
        figures[f"Billings, year {n}"] = float(row["billings"])
        figures[f"Revenue, year {n}"] = float(row["revenue"])
        figures[f"Unbilled revenue, end of year {n}"] = float(row["unbilled_revenue"])
    return figures
