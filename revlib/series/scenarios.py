"""The nine-client model's five scenarios: the same book with shorter contracts or payments.

Each scenario changes every contract's terms the same way and keeps everything
else. "Monthly contracts" makes each contract one month long, rolling over
every month (it renews), as the article's scenarios do; a ramp deal keeps its
first year's price. "Monthly payments" bills every contract monthly.

>>> from revlib.series.examples import nine_clients
>>> [c.term_months for c in apply(nine_clients(), "monthly_contracts")][:3]
[1, 1, 1]
"""

from __future__ import annotations

from dataclasses import replace

from ..contract import Contract, contract_label

SCENARIOS = {
    "base": "the book as signed",
    "monthly_contracts": "every contract one month long, rolling monthly; payments as before",
    "monthly_payments": "every contract billed monthly; contract lengths as before",
    "monthly_both": "one-month contracts billed monthly, services kept",
    "monthly_both_no_services": "one-month contracts billed monthly, no services",
}
"""Each scenario's name and what it changes."""


def apply(contracts, scenario: str) -> list[Contract]:
    """The contracts as the scenario has them.

    >>> c = Contract(customer="X", start="2022-01", term_months=36, monthly_price=40, billing="annual", services=300)
    >>> s = apply([c], "monthly_both_no_services")[0]
    >>> (s.term_months, s.billing, s.services, s.renews)
    (1, 'monthly', 0.0, True)
    """
    if scenario not in SCENARIOS:
        raise ValueError(f"scenario {scenario!r} is not one of {', '.join(SCENARIOS)}")
    changed = []
    for contract in contracts:
        if scenario in ("monthly_contracts", "monthly_both", "monthly_both_no_services"):
            contract = _monthly_contract(contract)
        if scenario in ("monthly_payments", "monthly_both", "monthly_both_no_services"):
            contract = replace(contract, billing="monthly")
        if scenario == "monthly_both_no_services":
            contract = replace(contract, services=0)
        changed.append(contract)
    return changed


def _monthly_contract(contract: Contract) -> Contract:
    """A one-month contract that rolls over every month, at the contract's first price."""
    price = contract.annual_price if contract.annual_price is not None else contract.monthly_price
    if isinstance(price, tuple):
        price = price[0]
    kind = "annual_price" if contract.annual_price is not None else "monthly_price"
    terms = dict(annual_price=None, monthly_price=None, term_months=1, renews=True)
    terms[kind] = price
    return replace(contract, **terms)


def claims(contracts, scenario: str) -> dict[str, bool]:
    """What the scenario shows about the book, each claim checked against the base case.

    >>> from revlib.series.examples import nine_clients
    >>> claims(nine_clients(), "monthly_payments")
    {'Bookings keep their spikes: they are the same as in the base case': True, \
'Deferred revenue is zero every month': True, 'Billings equal revenue every month': True}
    """
    from ..engine import schedule

    contracts = list(contracts)
    base = schedule(contracts)
    s = schedule(apply(contracts, scenario), start=base.index[0], end=base.index[-1])

    def same(*columns):
        return all((s[c] == base[c]).all() for c in columns)

    def equal(*columns):
        return all((s[columns[0]] == s[c]).all() for c in columns[1:])

    no_deferred = bool((s["deferred_revenue"] == 0).all())
    if scenario == "base":
        month = s["bookings"].idxmax()
        per = schedule(contracts, start=month, end=month, by="contract")["bookings"]
        biggest = contracts[[contract_label(c.contract_id, i) for i, c in enumerate(contracts)].index(per.idxmax()[0])]
        return {
            f"The bookings spike in {month.strftime('%b %Y')} comes from {biggest.customer}'s "
            f"{biggest.term_months}-month contract": biggest.term_months > 12,
        }
    if scenario == "monthly_contracts":
        return {
            "Bookings have no spikes: each month books just that month's MRR plus services":
                bool((s["bookings"] == s["mrr"] + s["services_revenue"]).all()),
            "Billings, revenue, deferred revenue, MRR and ARR are the same as in the base case":
                same("billings", "revenue", "deferred_revenue", "mrr", "arr"),
        }
    if scenario == "monthly_payments":
        return {
            "Bookings keep their spikes: they are the same as in the base case": same("bookings"),
            "Deferred revenue is zero every month": no_deferred,
            "Billings equal revenue every month": equal("billings", "revenue"),
        }
    if scenario == "monthly_both":
        return {
            "Bookings, billings and revenue are equal every month": equal("bookings", "billings", "revenue"),
            "Deferred revenue is zero every month": no_deferred,
            "The only bumps are services: revenue is MRR plus services": bool(
                (s["revenue"] == s["mrr"] + s["services_revenue"]).all()),
        }
    if scenario == "monthly_both_no_services":
        return {
            "Bookings, billings, revenue and MRR are equal every month": equal("bookings", "billings", "revenue", "mrr"),
            "Deferred revenue is zero every month": no_deferred,
            "ARR is the same as in the base case": same("arr"),
        }
    raise ValueError(f"scenario {scenario!r} is not one of {', '.join(SCENARIOS)}")
