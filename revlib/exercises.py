"""Questions a reader answers with a number, checked by revlib without giving the answer away.

Every answer is computed by revlib from the question's terms, never typed in,
so a question stays right when the rules are refined.

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
from .contract import Contract
from .engine import annual, schedule
from .fmt import usd


@dataclass(frozen=True)
class Question:
    """A question: what it asks, how revlib computes its answer, and a hint for a wrong one."""

    key: str
    prompt: str
    answer: Callable[[], float]
    hint: str
    subject: str


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


def question(key: str, prompt: str, hint: str, subject: str):
    """Register the function below as the way to compute the answer to ``prompt``."""

    def register(compute):
        QUESTIONS[key] = Question(key, prompt, compute, hint, subject)
        return compute

    return register


def answer(key: str) -> float:
    """The answer revlib computes (for tests and facilitators; a reader uses :func:`check`)."""
    return round(float(QUESTIONS[key].answer()), 2)


def ask(key: str) -> str:
    """The question's text."""
    return QUESTIONS[key].prompt


def check(key: str, given) -> Verdict:
    """Right, or not yet with a hint; the answer itself is never shown. Dollars to the cent."""
    if key not in QUESTIONS:
        raise KeyError(f"no question {key!r}; the questions are {', '.join(QUESTIONS)}")
    q = QUESTIONS[key]
    if given is Ellipsis or given is None:
        return Verdict(False, f"Type your answer in place of the ... and run the cell again. {q.prompt}")
    try:
        value = float(str(given).replace(",", "").replace("$", ""))
    except ValueError:
        return Verdict(False, f"{given!r} is not a number; answer in dollars, like 1200.")
    if abs(value - answer(key)) < 0.005:
        return Verdict(True, f"Right: {q.subject} is {usd(value)}.")
    return Verdict(False, f"Not yet. Hint: {q.hint}")


# Notebook 01: the Google contract -----------------------------------------------------------

@question("google.tcv", "What is the Google contract's TCV?", "TCV counts every year of the term and the services.",
          "the Google contract's TCV")
def _google_tcv():
    return examples.google().tcv


@question("google.first_invoice", "What is the Google contract's first monthly invoice?",
          "The first invoice carries one month of the subscription and all of the services.",
          "the first invoice")
def _google_first_invoice():
    return schedule(examples.google())["billings"].iloc[0]


@question("google.deferred_3", "Billed annually with no services, what is the deferred revenue after three months?",
          "A year was billed in January; three months of it have been earned.",
          "the deferred revenue after three months")
def _google_deferred_3():
    return schedule(examples.google(billing="annual", services=0))["deferred_revenue"].iloc[2]


# Notebook 02: Customers A and B -------------------------------------------------------------

@question("ab.billings_b_annual", "If Customer B were billed annually, what would FY2022 billings be?",
          "B's first annual invoice in February covers twelve months at $3M a year.",
          "FY2022 billings")
def _ab_billings_b_annual():
    return examples.fiscal_year_figures(examples.customers_ab(b_billing="annual"))["Billings"]


@question("ab.deferred_a_june", "What is Customer A's deferred revenue at the end of June 2022?",
          "A paid $6M in January and earns $500,000 a month.",
          "Customer A's deferred revenue at the end of June 2022")
def _ab_deferred_a_june():
    a = examples.customers_ab()[0]
    return schedule(a).loc["2022-06", "deferred_revenue"]


# Notebook 03: the nine clients --------------------------------------------------------------

@question("nine.zuora_year3", "How much does Zuora book in year three?",
          "Zuora's two-year contract renews in its third year, without services.",
          "Zuora's bookings in year three")
def _nine_zuora_year3():
    per = annual(schedule(examples.nine_clients(), by="customer"))
    return per.loc[("Zuora", "FY2024"), "bookings"]


@question("nine.arr", "What is the nine-client book's ARR once every client has started?",
          "Add up the nine monthly prices, then make it a year.",
          "the book's ARR")
def _nine_arr():
    return schedule(examples.nine_clients())["arr"].iloc[-1]


@question("nine.deferred_monthly_payments", "With every client billed monthly, what is deferred revenue at the end of 2022?",
          "Billed monthly in advance, each invoice is earned in the month it is sent.",
          "deferred revenue at the end of 2022")
def _nine_deferred_monthly():
    from .scenarios import apply

    return schedule(apply(examples.nine_clients(), "monthly_payments")).loc["2022-12", "deferred_revenue"]


# Notebook 00: one contract ------------------------------------------------------------------

@question("start.backlog_6", "A $12,000 one-year contract billed up front: what is its backlog after six months?",
          "Backlog is what was booked and not yet earned.",
          "the backlog after six months")
def _start_backlog_6():
    c = Contract(customer="Upfront Co", start="2022-01", term_months=12, annual_price=12_000, billing="upfront")
    return schedule(c).loc["2022-06", "backlog"]


# Notebook 04: bookings, billings and backlog ------------------------------------------------

@question("backlog.monthly_6", "A $1,200 one-year contract billed monthly: what is its backlog after six months?",
          "Backlog falls by one month of revenue each month.",
          "the backlog after six months")
def _backlog_monthly_6():
    c = Contract(customer="X", start="2022-01", term_months=12, annual_price=1200)
    return schedule(c).loc["2022-06", "backlog"]


@question("backlog.upfront_deferred", "$12,000 paid up front for a year: what is deferred revenue after the first month?",
          "One month, a twelfth of the year, has been earned.",
          "the deferred revenue after the first month")
def _backlog_upfront_deferred():
    c = Contract(customer="X", start="2022-01", term_months=12, annual_price=12_000, billing="upfront")
    return schedule(c).loc["2022-01", "deferred_revenue"]


@question("ramp.unbilled_year1", "The $1M / $2M / $3M ramp billed annually: what is its unbilled revenue at the end of year one?",
          "Revenue is the $6M spread evenly over 36 months, each month rounded down to the cent; year one billed $1M.",
          "the unbilled revenue at the end of year one")
def _ramp_unbilled_year1():
    return examples.ramp_figures(examples.ramp())["Unbilled revenue, end of year 1"]


# Notebook 05: RevOps reporting on the sample book --------------------------------------------

def _sample():
    from .load import load_contracts

    return load_contracts(DATA_SAMPLE)


DATA_SAMPLE = examples.DATA / "sample_book.csv"


@question("sample.arr_2024", "What is the sample book's ARR at the end of 2024?",
          "Read the ARR bridge's ending ARR for 2024, or the schedule's ARR in December 2024.",
          "ARR at the end of 2024")
def _sample_arr_2024():
    return schedule(_sample(), end="2024-12")["arr"].iloc[-1]


@question("sample.churn_2024", "How much ARR churned in 2024 (as a positive number)?",
          "Churn is ARR lost from customers whose ARR fell to zero; add up 2024's months.",
          "ARR churned in 2024")
def _sample_churn_2024():
    from .bridge import arr_bridge

    return -arr_bridge(schedule(_sample(), by="customer", end="2024-12"), "Y").loc["2024", "churn"]


@question("sample.net_new_2023", "What were the sample book's net new bookings in 2023?",
          "Net new bookings are new customers plus expansion, leaving renewals out.",
          "net new bookings in 2023")
def _sample_net_new_2023():
    from .bridge import net_bookings

    return net_bookings(_sample(), freq="Y", end="2024-12").loc["2023", "net_new_bookings"]
