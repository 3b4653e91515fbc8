"""The answers behind the series' questions, checked by revlib without giving them away.

A question is asked in its notebook's markdown (the workshop's thirteen in notebook
06); here each has only its answer, computed by revlib from the question's terms and
never typed in (so it stays right when the rules are refined), a hint for a wrong
answer, and what the answer is.

>>> check("google.tcv", 4600)
Right: the Google contract's TCV is $4,600.
>>> check("google.tcv", 3600)
Not yet. Hint: TCV counts every year of the term and the services.
>>> bool(check("google.tcv", 4600))
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from . import examples
from ..contract import Contract
from ..engine import annual, schedule
from ..fmt import usd


@dataclass(frozen=True)
class Question:
    """A question's answer as revlib computes it, a hint for a wrong one, and what the answer is.

    ``restated`` is the line a verdict with no answer repeats: a "Check yourself" cell of notebooks 00 to 05
    checks several questions at once, and its verdicts say which is which. The workshop's checks each sit
    under their question and restate nothing.
    """

    key: str
    answer: Callable[[], float]
    hint: str
    subject: str
    restated: str = ""


@dataclass(frozen=True)
class Verdict:
    """The outcome of :func:`check`; true when the answer was right."""

    right: bool
    message: str

    def __bool__(self) -> bool:
        return self.right

    def __repr__(self) -> str:
        return self.message


QUESTIONS: dict[str, Question] = {}


def question(key: str, hint: str, subject: str, restated: str = ""):
    """Register the function below as the way to compute the answer to question ``key``."""

    def register(compute):
        QUESTIONS[key] = Question(key, compute, hint, subject, restated)
        return compute

    return register


def answer(key: str) -> float:
    """The answer revlib computes (for tests and facilitators; a reader uses :func:`check`)."""
    return round(float(QUESTIONS[key].answer()), 2)


def check(key: str, given) -> Verdict:
    """Right, or not yet with a hint; the answer itself is never shown. Dollars to the cent.

    An answer one cent away from revlib's is accepted, and the verdict says why the
    cents differ: revlib rounds each month and each invoice down to the cent and puts
    the remainder in the last one, where working by hand may round the other way.

    >>> check("ramp.unbilled_year1", 999_999.93)
    Right to within a cent: the unbilled revenue at the end of year one is $999,999.92 in revlib, \
because each month and each invoice is rounded down to the cent and the last one takes the remainder. \
An answer one cent away is accepted."""
    if key not in QUESTIONS:
        raise KeyError(f"no question {key!r}; the questions are {', '.join(QUESTIONS)}")
    q = QUESTIONS[key]
    if given is Ellipsis or given is None:
        return Verdict(False, " ".join(filter(None, ["Type your answer in place of the ... and run the cell again.",
                                                      q.restated])))
    try:
        value = float(str(given).replace(",", "").replace("$", ""))
    except ValueError:
        return Verdict(False, f"{given!r} is not a number; answer in dollars, like 1200.")
    exact = answer(key)
    if abs(value - exact) < 0.005:
        return Verdict(True, f"Right: {q.subject} is {usd(value)}.")
    if abs(value - exact) < 0.015:
        return Verdict(True, f"Right to within a cent: {q.subject} is {usd(exact)} in revlib, because "
                             "each month and each invoice is rounded down to the cent and the last one takes the "
                             "remainder. An answer one cent away is accepted.")
    return Verdict(False, f"Not yet. Hint: {q.hint}")


# Notebook 01: the Google contract -----------------------------------------------------------

@question("google.tcv", "TCV counts every year of the term and the services.", "the Google contract's TCV",
          restated="What is the Google contract's TCV?")
def _google_tcv():
    return examples.google().tcv


@question("google.first_invoice", "The first invoice carries one month of the subscription and all of the services.",
          "the first invoice", restated="What is the Google contract's first monthly invoice?")
def _google_first_invoice():
    return schedule(examples.google())["billings"].iloc[0]


@question("google.deferred_3", "A year was billed in January; three months of it have been earned.",
          "the deferred revenue after three months",
          restated="Billed annually with no services, what is the deferred revenue after three months?")
def _google_deferred_3():
    return schedule(examples.google(billing="annual", services=0))["deferred_revenue"].iloc[2]


# Notebook 02: Customers A and B -------------------------------------------------------------

@question("ab.billings_b_annual", "B's first annual invoice in February covers twelve months at $3M a year.",
          "FY2022 billings", restated="If Customer B were billed annually, what would FY2022 billings be?")
def _ab_billings_b_annual():
    return examples.fiscal_year_figures(examples.customers_ab(b_billing="annual"))["Billings"]


@question("ab.deferred_a_june", "A paid $6M in January and earns $500,000 a month.",
          "Customer A's deferred revenue at the end of June 2022",
          restated="What is Customer A's deferred revenue at the end of June 2022?")
def _ab_deferred_a_june():
    a = examples.customers_ab()[0]
    return schedule(a).loc["2022-06", "deferred_revenue"]


# Notebook 03: the nine clients --------------------------------------------------------------

@question("nine.zuora_year3", "Zuora's two-year contract renews in its third year, without services.",
          "Zuora's bookings in year three", restated="How much does Zuora book in year three?")
def _nine_zuora_year3():
    per = annual(schedule(examples.nine_clients(), by="customer"))
    return per.loc[("Zuora", "FY2024"), "bookings"]


@question("nine.arr", "Add up the nine monthly prices, then make it a year.", "the book's ARR",
          restated="What is the nine-client book's ARR once every client has started?")
def _nine_arr():
    return schedule(examples.nine_clients())["arr"].iloc[-1]


@question("nine.deferred_monthly_payments",
          "Billed monthly in advance, each invoice is earned in the month it is sent.",
          "deferred revenue at the end of 2022",
          restated="With every client billed monthly, what is deferred revenue at the end of 2022?")
def _nine_deferred_monthly():
    from .scenarios import apply

    return schedule(apply(examples.nine_clients(), "monthly_payments")).loc["2022-12", "deferred_revenue"]


# Notebook 00: one contract ------------------------------------------------------------------

@question("start.backlog_6", "Backlog is what was booked and not yet earned.", "the backlog after six months",
          restated="A $12,000 one-year contract billed up front: what is its backlog after six months?")
def _start_backlog_6():
    c = Contract(customer="Upfront Co", start="2022-01", term_months=12, annual_price=12_000, billing="upfront")
    return schedule(c).loc["2022-06", "backlog"]


# Notebook 04: bookings, billings and backlog ------------------------------------------------

@question("backlog.monthly_6", "Backlog falls by one month of revenue each month.", "the backlog after six months",
          restated="A $1,200 one-year contract billed monthly: what is its backlog after six months?")
def _backlog_monthly_6():
    c = Contract(customer="X", start="2022-01", term_months=12, annual_price=1200)
    return schedule(c).loc["2022-06", "backlog"]


@question("backlog.upfront_deferred", "One month, a twelfth of the year, has been earned.",
          "the deferred revenue after the first month",
          restated="$12,000 paid up front for a year: what is deferred revenue after the first month?")
def _backlog_upfront_deferred():
    c = Contract(customer="X", start="2022-01", term_months=12, annual_price=12_000, billing="upfront")
    return schedule(c).loc["2022-01", "deferred_revenue"]


@question("ramp.unbilled_year1",
          "Revenue is the $6M spread evenly over 36 months, each month rounded down to the cent; year one billed $1M.",
          "the unbilled revenue at the end of year one",
          restated="The $1M / $2M / $3M ramp billed annually: what is its unbilled revenue at the end of year one?")
def _ramp_unbilled_year1():
    return examples.ramp_figures(examples.ramp())["Unbilled revenue, end of year 1"]


# Notebook 05: RevOps reporting on the sample book --------------------------------------------

def _sample():
    return examples.load(DATA_SAMPLE.name)


DATA_SAMPLE = examples.DATA / "sample_book.csv"


@question("sample.arr_2024", "Read the ARR bridge's ending ARR for 2024, or the schedule's ARR in December 2024.",
          "ARR at the end of 2024", restated="What is the sample book's ARR at the end of 2024?")
def _sample_arr_2024():
    return schedule(_sample(), end="2024-12")["arr"].iloc[-1]


@question("sample.churn_2024", "Churn is ARR lost from customers whose ARR fell to zero; add up 2024's months.",
          "ARR churned in 2024", restated="How much ARR churned in 2024 (as a positive number)?")
def _sample_churn_2024():
    from ..bridge import arr_bridge

    return -arr_bridge(schedule(_sample(), by="customer", end="2024-12"), "Y").loc["2024", "churn"]


@question("sample.net_new_2023",
          "Add new customers' bookings and expansion bookings, then take off contraction and churn (they are "
          "negative); leave renewals out.",
          "net new bookings in 2023",
          restated="What were the sample book's net new bookings in 2023 (new + expansion - contraction - churn)?")
def _sample_net_new_2023():
    from ..bridge import net_bookings

    return net_bookings(_sample(), freq="Y", end="2024-12").loc["2023", "net_new_bookings"]


# Notebook 08: expansion, contraction and churn in the nine clients' second year -------------

@question("year2.upgrade", "The new price less the old, for each month left in Blue Apron's term (March 2023 to "
          "December 2024).", "Blue Apron's upgrade booking",
          restated="Blue Apron moves from $40 to $60 a month from March 2023: what does the upgrade book?")
def _year2_upgrade():
    from ..bridge import net_bookings

    book = [c for c in examples.nine_clients_year2() if c.customer == "Blue Apron"]
    return net_bookings(book, start="2022-01", end="2023-12").loc["2023-03", "expansion"]


@question("year2.net_new", "New + expansion + contraction + churn: contraction and churn are negative; renewals are "
          "left out.", "the nine clients' net new bookings in 2023",
          restated="What are the nine clients' net new bookings in 2023?")
def _year2_net_new():
    return examples.year_figures(examples.nine_clients_year2())["Net new bookings"]


@question("year2.arr_end", "Start from $4,320 and add the year's movements: the upgrade and Airbnb's uplift, less "
          "Spotify's downgrade and Uber's churn.", "ARR at the end of 2023",
          restated="What is the nine clients' ARR at the end of 2023?")
def _year2_arr_end():
    return examples.year_figures(examples.nine_clients_year2())["ARR at year end"]


# Notebook 06: workshop exercises, in rising difficulty ---------------------------------------

def _deal(**terms):
    base = dict(customer="Workshop Co", start="2024-01", term_months=24, annual_price=6000, services=2500)
    return Contract(**{**base, **terms})


WORKSHOP = []
"""The workshop's exercises, in order."""


def _workshop(key, hint, subject):
    WORKSHOP.append(key)
    return question(key, hint, subject)


@_workshop("ex.tcv", "Every year of the term, plus the services.", "the TCV")
def _ex_tcv():
    return _deal().tcv


@_workshop("ex.acv", "One year of the subscription; services do not recur.", "the ACV")
def _ex_acv():
    return _deal().acv


@_workshop("ex.mrr", "The monthly price of the subscription.", "the MRR")
def _ex_mrr():
    return _deal().mrr


@_workshop("ex.first_invoice", "Three months of subscription, and the services go on the first invoice.",
           "the first invoice")
def _ex_first_invoice():
    return schedule(_deal(billing="quarterly"))["billings"].iloc[0]


@_workshop("ex.first_revenue", "One month of subscription, and services are earned in the first month.",
           "the first month's revenue")
def _ex_first_revenue():
    return schedule(_deal(billing="quarterly"))["revenue"].iloc[0]


@_workshop("ex.deferred_3", "A year was billed up front; take away what three months earned.",
           "the deferred revenue after three months")
def _ex_deferred_3():
    return schedule(_deal(billing="annual", services=0))["deferred_revenue"].iloc[2]


@_workshop("ex.quarterly_year", "Count the quarterly invoices that go out from May to December.", "2024's billings")
def _ex_quarterly_year():
    c = Contract(customer="Quarterly Co", start="2024-05", term_months=12, annual_price=10_000, billing="quarterly")
    return schedule(c).loc["2024-01":"2024-12", "billings"].sum()


@_workshop("ex.backlog_6", "Backlog is booked less earned, whatever was billed.", "the backlog after six months")
def _ex_backlog_6():
    c = Contract(customer="Backlog Co", start="2024-01", term_months=36, annual_price=12_000, billing="annual")
    return schedule(c).loc["2024-06", "backlog"]


@_workshop("ex.current_backlog", "Current backlog is the revenue of the next twelve months that is already booked.",
           "the current backlog")
def _ex_current_backlog():
    c = Contract(customer="Backlog Co", start="2024-01", term_months=36, annual_price=12_000, billing="annual")
    return schedule(c).loc["2024-06", "current_backlog"]


@_workshop("ex.renewal", "A renewal books one more term of the subscription; services are not repeated.",
           "the second year's bookings")
def _ex_renewal():
    c = Contract(customer="Renewal Co", start="2024-01", term_months=12, annual_price=1200, services=300, renews=True)
    return schedule(c).loc["2025-01":"2025-12", "bookings"].sum()


@_workshop("ex.ramp_unbilled", "Revenue is the total spread evenly over 24 months; year one billed only its own price.",
           "the unbilled revenue at the end of year one")
def _ex_ramp_unbilled():
    return examples.ramp_figures(examples.ramp([100_000, 200_000]))["Unbilled revenue, end of year 1"]


@_workshop("ex.calculated_billings", "Deferred revenue is zero at both ends of year one.",
           "year one's calculated billings")
def _ex_calculated_billings():
    from ..analysis import calculated_billings

    return calculated_billings(schedule(examples.ramp([100_000, 200_000])), freq="Y")["calculated_billings"].iloc[0]


@_workshop("ex.expansion", "Expansion is the rise in ARR of a customer who was already paying (a ramp deal's price "
           "step, fixed at signing, is counted apart as ramp).",
           "the year's expansion ARR")
def _ex_expansion():
    from ..bridge import arr_bridge

    book = [Contract(customer="A", start="2024-01", term_months=12, monthly_price=1000),
            Contract(customer="A", start="2024-07", term_months=6, monthly_price=500),
            Contract(customer="B", start="2024-01", term_months=6, monthly_price=2000)]
    return arr_bridge(schedule(book, by="customer", end="2024-12"), "Y").loc["2024", "expansion"]


def score(answers: dict) -> dict:
    """Each workshop exercise's verdict for a participant's answers (missing ones are not yet answered)."""
    return {key: check(key, answers.get(key)) for key in WORKSHOP}
