"""Property tests on random books: the engine agrees with a plain reading of the rules, and ties out."""

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

import revlib
from reference import book_months
from strategies import books, books_on_shared_terms, books_renewing_billed_ahead, books_with_amendments, contracts


def cents(frame):
    money = [c for c in frame.columns if c != "customers"]
    out = (frame[money] * 100).round().astype("int64")
    out["customers"] = frame["customers"]
    return out


def agrees_with_reference(book, shift, extra):
    """The book's schedule, from ``shift`` months after its first signing for 21 + ``extra`` months, is the
    month-by-month reference's to the cent, every column and month."""
    first = min(c.signed for c in book) + shift
    last = first + 20 + extra
    frame = cents(revlib.schedule(book, start=first, end=last))
    expected = book_months(book, first.ordinal, last.ordinal)
    for column in revlib.COLUMNS:
        want = [expected[m.ordinal].get(column, 0) for m in frame.index]
        assert frame[column].tolist() == want, column


@settings(max_examples=1000)
@given(books, st.integers(-3, 6), st.integers(0, 30))
def test_engine_agrees_with_the_month_by_month_reference(book, shift, extra):
    agrees_with_reference(book, shift, extra)


@settings(max_examples=300)
@given(books_on_shared_terms(), st.sampled_from([None, "customer"]))
def test_contracts_on_the_same_terms_are_merged_without_changing_a_cent(book, by):
    """The engine adds up contracts on the same terms before scheduling them; each group must still
    equal the month-by-month reference on its own contracts."""
    first, last = min(c.signed for c in book), max(c.start for c in book) + 30
    frame = cents(revlib.schedule(book, start=first, end=last, by=by))
    groups = {"book": book} if by is None else {
        name: [c for c in book if c.customer == name] for name in {c.customer for c in book}}
    for name, contracts_of in groups.items():
        expected = book_months(contracts_of, first.ordinal, last.ordinal)
        rows = frame if by is None else frame.loc[name]
        for column in revlib.COLUMNS:
            want = [expected[m.ordinal].get(column, 0) for m in rows.index]
            assert rows[column].tolist() == want, (name, column)


@settings(max_examples=1000)
@given(contracts())
def test_each_contract_ties_out_to_its_value(contract):
    """Bookings, billings and revenue each add up to the contract value; balances end at zero."""
    end = contract.start + contract.term_months - 1
    frame = cents(revlib.schedule(contract, end=max(end, contract.start + 35)))
    if contract.renews:
        term = frame.loc[: contract.start + contract.term_months - 1]
        value = contract.recurring_cents + contract.services_cents
        assert term["bookings"].sum() == value
        assert term["revenue"].sum() == value
        # the first term is earned; what is left is only what was invoiced beyond it
        assert term["backlog"].iloc[-1] == term["deferred_revenue"].iloc[-1]
    else:
        value = round(contract.tcv * 100)
        assert frame["bookings"].sum() == value
        assert frame["billings"].sum() == value
        assert frame["revenue"].sum() == value
        last = frame.iloc[-1]
        assert last["deferred_revenue"] == last["unbilled_revenue"] == last["backlog"] == 0
    assert (frame[["deferred_revenue", "unbilled_revenue", "backlog"]] >= 0).all().all()
    if len(contract.prices_per_year) == 1:
        assert (frame["unbilled_revenue"] == 0).all(), "billed in advance: never unbilled"


@settings(max_examples=1000)
@given(books)
def test_balances_follow_from_flows(book):
    frame = cents(revlib.schedule(book))
    billed = frame["billings"].cumsum()
    earned = frame["revenue"].cumsum()
    booked = frame["bookings"].cumsum()
    assert ((frame["deferred_revenue"] - frame["unbilled_revenue"]) == billed - earned).all()
    assert (frame["backlog"] >= booked - earned).all()
    if not any(c.renews and (revlib.BILLING_MONTHS[c.billing] or c.term_months) > c.term_months for c in book):
        assert (frame["backlog"] == booked - earned).all(), "nothing invoiced beyond its booked terms"
    assert (frame["revenue"] == frame["recurring_revenue"] + frame["services_revenue"]).all()


@settings(max_examples=600)
@given(books, st.sampled_from(["customer", "segment", "contract"]))
def test_split_schedules_sum_to_the_book(book, by):
    whole = cents(revlib.schedule(book))
    split = cents(revlib.schedule(book, by=by))
    summed = split.groupby(level="month").sum()
    columns = [c for c in revlib.COLUMNS if by == "customer" or c != "customers"]
    pd.testing.assert_frame_equal(summed[columns], whole[columns], check_freq=False)
    assert set(split.index.get_level_values(0)) <= {
        {"customer": c.customer, "segment": c.segment or "(none)", "contract": c.contract_id}[by] or f"#{i + 1}"
        for i, c in enumerate(book)
    }


@settings(max_examples=300)
@given(books, st.integers(1, 12))
def test_fiscal_years_sum_flows_and_keep_year_end_balances(book, fiscal_start):
    monthly = cents(revlib.schedule(book))
    yearly = cents(revlib.annual(revlib.schedule(book), fiscal_year_start=fiscal_start))
    assert yearly["billings"].sum() == monthly["billings"].sum()
    assert yearly["revenue"].sum() == monthly["revenue"].sum()
    assert yearly["backlog"].iloc[-1] == monthly["backlog"].iloc[-1]
    assert np.isin(yearly["arr"], monthly["arr"]).all()


@settings(max_examples=500)
@given(books)
def test_current_backlog_is_the_part_of_backlog_due_within_a_year(book):
    frame = cents(revlib.schedule(book))
    assert (frame["current_backlog"] >= 0).all()
    assert (frame["current_backlog"] <= frame["backlog"]).all()


@settings(max_examples=500)
@given(books_renewing_billed_ahead())
def test_backlog_is_at_least_deferred_revenue_for_every_contract_and_month(book):
    """A period that has been invoiced is committed: each contract's backlog is at least its deferred
    revenue, in every month, even when it is invoiced for renewals it has not booked yet."""
    first, last = min(c.signed for c in book), max(c.start for c in book) + 30
    each = cents(revlib.schedule(book, start=first, end=last, by="contract"))
    assert (each["backlog"] >= each["deferred_revenue"]).all()
    whole = cents(revlib.schedule(book, start=first, end=last))
    assert (whole["backlog"] == each["backlog"].groupby(level="month").sum()).all()


def test_customers_counted_in_a_book_with_thousands_of_customers():
    """Past 4,096 groups the engine counts customers another way; both ways must give the plain count."""
    from revlib.engine import Book

    rng = np.random.default_rng(5)
    n = 12_000
    customer = rng.integers(0, 5_000, n)
    start = pd.Period("2022-01", "M").ordinal + rng.integers(0, 30, n)
    term = rng.choice([1, 3, 12, 24], n)
    price = np.where(rng.random(n) < 0.1, 0, rng.integers(100, 10_000, n))
    renews = rng.random(n) < 0.3
    book = Book.from_arrays([f"c{c}" for c in customer], start, term, price.tolist(), rng.choice([1, 12], n),
                            np.zeros(n, int), renews)
    whole = revlib.schedule(book, start="2022-01", end="2025-06")
    split = revlib.schedule(book, start="2022-01", end="2025-06", by="customer")
    assert split.index.get_level_values(0).nunique() > 4096
    for month in whole.index[::5]:
        m = month.ordinal
        live = (price > 0) & (start <= m) & (renews | (m < start + term))
        assert whole.loc[month, "customers"] == len(set(customer[live])), month
    assert split["customers"].isin([0, 1]).all()
    assert (split.groupby(level="month")["customers"].sum() == whole["customers"]).all()


# Amendments, cancellations and renewal contracts -------------------------------------------------------------


@settings(max_examples=1000, deadline=None)
@given(books_with_amendments(), st.integers(-3, 6), st.integers(0, 30))
def test_amended_books_agree_with_the_month_by_month_reference(book, shift, extra):
    agrees_with_reference(book, shift, extra)


def _chain_end(book):
    """A month after which no chain of the book earns anything more (none renews), or None."""
    from revlib.engine import Book

    b = Book.of(book)
    if b.renews.any():
        return None
    return pd.Period(ordinal=int(max((b.start + b.term).max(), b.signed.max())) + 1, freq="M")


@settings(max_examples=500, deadline=None)
@given(books_with_amendments())
def test_each_chain_ties_out_over_its_life(book):
    """Without renewals, each contract with its amendments books, bills and earns the same, to the cent, and
    ends with nothing deferred, unbilled or in backlog."""
    end = _chain_end(book)
    if end is None:
        return
    frame = cents(revlib.schedule(book, end=end, by="contract"))
    totals = frame.groupby(level=0)[["bookings", "billings", "revenue"]].sum()
    assert (totals["bookings"] == totals["revenue"]).all()
    assert (totals["billings"] == totals["revenue"]).all()
    final = frame.groupby(level=0).tail(1)
    assert (final[["deferred_revenue", "unbilled_revenue", "backlog"]] == 0).all().all()


@settings(max_examples=500, deadline=None)
@given(books_with_amendments())
def test_amended_books_keep_backlog_at_least_deferred_and_split_by_customer_sums_to_the_book(book):
    whole = cents(revlib.schedule(book))
    assert (whole[["deferred_revenue", "unbilled_revenue", "backlog", "current_backlog"]] >= 0).all().all()
    assert (whole["backlog"] >= whole["deferred_revenue"]).all()
    assert (whole["current_backlog"] <= whole["backlog"]).all()
    each = cents(revlib.schedule(book, by="contract"))
    assert (each["backlog"] >= each["deferred_revenue"]).all()
    split = cents(revlib.schedule(book, by="customer"))
    summed = split.groupby(level="month").sum()
    pd.testing.assert_frame_equal(summed[list(revlib.COLUMNS)], whole[list(revlib.COLUMNS)], check_freq=False)


@settings(max_examples=500, deadline=None)
@given(books_with_amendments(), st.sampled_from(["M", "Q", "Y"]))
def test_the_kinds_of_booking_add_up_to_bookings(book, freq):
    kinds = cents(revlib.net_bookings(book, freq=freq).assign(customers=0))
    s = cents(revlib.schedule(book))
    assert (kinds["contraction"] <= 0).all() and (kinds["churn"] <= 0).all()
    five = kinds[["new", "expansion", "renewal", "contraction", "churn"]].sum(axis=1)
    assert (five.to_numpy() == s["bookings"].groupby(s.index.asfreq(freq)).sum().to_numpy()).all()
    # renewals are the schedule's renewal bookings: automatic ones, renewal contracts' renewal parts, and the
    # old price's renewal of a term an amendment changes from its first month
    assert (kinds["renewal"].to_numpy() == s["renewal_bookings"].groupby(s.index.asfreq(freq)).sum().to_numpy()).all()
    assert (kinds["gross_bookings"] == kinds["new"] + kinds["expansion"] + kinds["renewal"]).all()
    assert (kinds["net_new_bookings"] == kinds["new"] + kinds["expansion"] + kinds["contraction"]
            + kinds["churn"]).all()
