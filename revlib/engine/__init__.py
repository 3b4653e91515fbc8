"""The rules revlib applies, in plain words, and the engine that applies them.

Rules
-----
Every amount is held in whole cents. A month is the unit of time: a contract
starts on the first day of its ``start`` month, and balances are read at month end.
(That is the monthly convention, the default, which refuses a start or signing on
any other day. ``convention="daily"`` honours the day: its rules are in
:mod:`revlib.engine.daily`.)

Bookings
    A contract books its total contract value (TCV: the recurring value of the
    term plus services) in the month it is ``signed``. A contract that
    ``renews`` books the recurring value of one more term in the month each
    renewal starts; those are ``renewal_bookings``, and ``bookings`` includes them.
    An amendment books the change in the remaining recurring value when signed,
    which is negative for a downgrade or a cancellation (see Amendments below).
Billings
    Invoices go out in advance, at the start of each billing period of 1, 3, 6
    or 12 months (monthly, quarterly, semiannual, annual), or once for the whole
    term (upfront). A term that is not a whole number of periods ends with a
    shorter invoice for the months left. Services go on the first invoice. Each
    renewed term is billed like the first. A renewing contract whose billing
    period is longer than its term (a month-to-month contract paid yearly) is
    billed every period for the months that period covers.
Revenue
    Recurring revenue is recognised evenly, month by month, while the contract is
    in service, even when the prices of its years differ (a ramp deal is one
    promise, priced over the whole term). Services are recognised in the first
    month of service.
Deferred revenue and unbilled revenue
    At each month end, for each contract: billed to date less recognised to date.
    Where that is positive it is deferred revenue (a liability: cash asked for,
    work not yet done); where negative, unbilled revenue (a contract asset: work
    done, not yet invoiced). They are summed over contracts, never netted across them.
Backlog (remaining performance obligations)
    For each contract at month end: booked to date less recognised to date, the
    revenue still to be earned from what is signed, and never less than the
    contract's deferred revenue. A period that has been invoiced is committed,
    so it is in backlog even when its term has not been booked yet: a
    month-to-month contract paid a year ahead has booked one month but been
    invoiced for twelve, and its backlog is the eleven months invoiced and not
    yet earned (ASC 606 counts contract liabilities in remaining performance
    obligations). Current backlog (cRPO) is the part of backlog to be
    recognised in the next 12 months; a renewal that has not started and has
    not been invoiced is in neither.
MRR, ARR and customers
    MRR is the recurring monthly price of every contract in service that month
    (services never count); for a ramp deal, the price of the contract year in
    effect. ARR is 12 times the exact price (a $2,000-a-year contract has ARR
    $2,000.00 and MRR $166.67 in every month of its term). Customers is the
    number of distinct customers with recurring revenue that month.
Ramp steps
    ``ramp_step`` is the change in ARR, in the month it happens, from a ramp
    deal's prices fixed at signing: a contract year's price less the year
    before's, up or down, and back to the first year's price when a renewal
    starts (each renewed term repeats the ramp). A deal starting or ending is
    not a step. The ARR bridge reads it to keep ramps apart from upsell.
Amendments (upgrades, downgrades, cancellations)
    An amendment (a row with ``amends``) changes a contract's recurring price from its
    ``start`` month (the effective month) to the end of the contract's current term; a
    price of 0 cancels it. A contract and its amendments are one chain of *lines*, on the
    original's calendar (its start, term length and billing dates). At the effective month
    the line in effect is cut: its revenue, MRR, ARR and renewals stop; its billings are
    trued up to what it has earned (revlib's assumption about the invoicing: contracts differ) (a credit note for what was invoiced for months from the
    cut, or, for a ramp deal that earned ahead of its invoices, an invoice); and in the
    amendment's signed month its bookings take off what it had booked and will not earn (its
    revenue from the cut to the end of the booked term). Unless the price is 0, the amendment
    is a new line from the effective month to the end of the term, booked (its value over
    those months, plus services) when signed, earned evenly over its months, and billed on the
    contract's billing dates: its first invoice, at the effective month, for the rest of that
    billing period. So in the effective month the invoice and the credit note come to the
    price difference over the rest of the billing period (within the rounding cents), a month
    can book a negative amount, and backlog falls when a contract is cut. An amendment that
    takes effect in the first month of a renewed term changes that term: the term renews at
    the old price (a renewal booking of its whole value, in the amendment's signed month) and
    the amendment books the change from it, (new monthly price - old) x the term's months:
    expansion, contraction, or for a cancellation the whole renewal taken off again as churn
    (so the month books the same either way). A line that renews
    renews with the original's term length. Each line ties out: bookings, billings and revenue
    are equal over its life, to the cent. Services on an amendment are a fee for the change,
    billed and earned in the effective month. Deferred revenue, unbilled revenue and backlog
    are clipped per chain (the original and its amendments are one contract).
Renewal contracts
    A row with ``renewal_of`` renews a contract of the same customer: it starts the month
    after that contract's term ends, and that contract then stops renewing by itself (a
    credit note takes back anything invoiced beyond its end). It is booked, billed and earned
    as a contract of its own; of what it books when signed, the renewed contract's recurring
    value over the same length (its price in the month before the renewal, times the
    renewal's term) is a renewal booking, in ``renewal_bookings`` as net bookings' renewal.
Amendments and renewals by day (``convention="daily"``)
    The rules above hold, with days for months. An amendment's ``start`` is its effective
    day (a month means its 1st), not before the original starts: the line it cuts is in
    effect up to the day before, the new price from that day. Every line keeps the chain's
    calendar: terms and billing periods run from the original's start day. A line's
    invoice for a billing period is what a whole term at its price invoices for it (the
    term's value x the period's months // the term's months, the last invoice the rest).
    A line in effect from day x of a period is invoiced on day x for the days left, F(x) =
    invoice x (days from x to the period's end) // (days in the period), rounded down to
    the cent (F of the period's first day is the whole invoice); cut on day y, it is
    credited F(y) on day y. So at the effective day the new line's invoice and the cut
    line's credit note come to the price difference over the rest of the billing period,
    prorated by days left over days in the period (Zuora's and Stripe's proration: 7 more
    units from 18 August add 14/31 of August's price), within a cent; a cancellation
    credits what was invoiced for the days from its effective day. What a line keeps of a
    period, F(x) - F(y), is its revenue, spread evenly over those days as the daily
    convention spreads an invoice (each month's share rounded down, the rest in the last
    month). A line books, when signed, its value from its start day to the end of its term
    (F at that day, and the term's later invoices) and its services; the cut takes off, in
    the cut's signed month, the cut line's value from the cut day to the end of the term it
    falls in, computed the same way: so an amendment books the change in the remaining
    recurring value, prorated by day. A cut on a term's first day takes off nothing (that
    term is not booked yet); cut there by an amendment, the term renews at the old price
    (a renewal booking, in the amendment's signed month) and the amendment books the change
    from it. A renewal contract starts the day after the term it renews ends (the
    original's start day, a whole number of terms on). MRR, ARR and customers count a
    line's price in each month in whose last day it is in effect. Cents: each line's
    bookings are the sum of what it will invoice less what it will credit, and each
    invoice less its credit is earned to the cent, so each chain books, bills and earns
    the same over its life, exactly. Not yet scheduled by day, and refused with their line:
    ramp deals and contracts renewing on terms shorter than their billing period, in a
    chain; and an amendment is checked by month as above, so one on 5 January 2025 of a
    contract from 15 January 2024 for 12 months that does not renew (its term runs to
    14 January 2025) is refused as after the term.
Cents
    Where an amount is not a whole number of cents ($1,000 a year is $83.333 a
    month), each month's revenue and each invoice is rounded down to the cent
    and the remainder goes to the term's last month and last invoice
    ($83.33 x 11 + $83.37; billed quarterly, 4 x $250.00). So every contract's
    billings and revenue add up exactly to its contract value, and a contract
    billed in advance never shows a cent of unbilled revenue. The recurring
    value of a term is its price times its length, to the nearest cent.

How the engine works
--------------------
Nothing loops over contract-months. Each figure is a sum of *events*: an amount
in a month, possibly repeating every P months (an invoice every quarter, a
renewal every term). Events are counted into a (group x month) grid with
``numpy.bincount``, and a repeat every P months is a cumulative sum taken with
stride P. The work grows with the number of contracts plus the number of months,
not their product.

Every event's amount is a sum of a few per-contract amounts (the value, the
services, a month's revenue, an invoice, the run rate), and its months depend
only on the contract's terms. So contracts at a single price that share their
group, start, signing month, term, billing and renewal are merged first, their
amounts added: a book of a million contracts is scheduled as a few thousand
rows. Ramp deals, whose unbilled revenue must be clipped per contract, are
computed contract by contract; renewing contracts invoiced over periods longer
than their term, whose backlog is held at their deferred revenue where that is
larger, row by row after merging. Distinct customers are counted with one 64-bit
mask of months per customer.

Amended contracts (and contracts renewed by another row other than right after
their first term) are chains of lines (``lines``): each line's finite part, up to
its cut or the end of its first stretch, is laid out month by month and invoice by
invoice for all lines at once (numpy, no loop over lines), so their work grows with
their months in service; what an uncut line renews after that repeats every term
and goes through the rules above. A block of chains at a time is added up on rows of
its own, so each chain's balances are clipped on their own. A book without
amendments or renewal rows never goes this way. By day (``daily_lines``), each line's
part of each billing period in the window is one piece, made for all lines at once and
spread over its days as the daily convention spreads an invoice.

The engine's modules, in the order a book goes through them:

- ``book``: the contracts as columns (cents, month ordinals), the engine's input;
- ``months``: month ordinals, the span a schedule shows, fiscal years;
- ``grid``: events in a (group x month) grid, repeats every P months, exact sums;
- ``rules``: every figure in cents, one function per figure (the rules above, as code);
- ``customers``: distinct customers in service, counted with bit masks;
- ``daily``: the daily convention, revenue spread over the days of each billing period;
- ``lines``: amended and renewed contracts as chains of lines (the amendment rules above);
- ``daily_lines``: those chains under the daily convention, line by line and day by day;
- ``api``: :func:`schedule` (dollars, for the public), :func:`cents_schedule` (cents,
  for revlib's own modules) and :func:`annual`.
"""

from .api import (
    BALANCES,
    COLUMNS,
    COUNTS,
    FLOWS,
    GROUPINGS,
    RUN_RATES,
    annual,
    annual_cents,
    cents_schedule,
    in_cents,
    in_dollars,
    schedule,
    starts_empty,
)
from .book import MAX_BOOK_CENTS, Book
from .months import default_span, fiscal_freq, fiscal_label, fiscal_labels, fiscal_year, fiscal_years, span

__all__ = [
    "BALANCES",
    "COLUMNS",
    "COUNTS",
    "FLOWS",
    "GROUPINGS",
    "MAX_BOOK_CENTS",
    "RUN_RATES",
    "Book",
    "annual",
    "annual_cents",
    "cents_schedule",
    "default_span",
    "fiscal_freq",
    "fiscal_label",
    "fiscal_labels",
    "fiscal_year",
    "fiscal_years",
    "in_cents",
    "in_dollars",
    "schedule",
    "span",
    "starts_empty",
]
