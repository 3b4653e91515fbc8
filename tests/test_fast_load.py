"""The fast loading path (``load_book``: the file as text columns, checked column by column, into a Book)
against the per-contract one (``load_contracts``): the same problems, word for word and in order, for
every bad file the loader's tests know and for random ones; the same schedules, to the cent, for good ones.
"""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import test_hostile
import test_load
from revlib import ContractError, load_contracts, schedule
from revlib.engine import Book
from revlib.fast_load import _fast_table, load_book
from revlib.load import _records
from strategies import books_with_amendments
from strategies import contracts as contract_strategy

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def outcome(load, content):
    """What a loader makes of a file: ("refused", problems) or ("read", the loaded thing)."""
    source = io.BytesIO(content) if isinstance(content, bytes) else io.StringIO(content)
    try:
        return "refused", load(source)
    except ContractError as error:
        return "refused", error.problems


def both(content):
    """The two paths on one file: the same problems, or the same book and schedule."""
    source = (lambda: io.BytesIO(content)) if isinstance(content, bytes) else (lambda: io.StringIO(content))
    try:
        contracts = load_contracts(source())
    except ContractError as slow:
        with pytest.raises(ContractError) as fast:
            load_book(source())
        assert fast.value.problems == slow.problems
        return slow.problems
    book = load_book(source())
    same_book(book, Book.of(contracts))
    return []


def same_book(fast: Book, slow: Book) -> None:
    for name in ("customer", "segment", "label", "start", "signed", "term", "period", "renews", "services", "value",
                 "first_price", "billing", "customer_code", "start_day", "signed_day", "line", "amends", "renewal_of",
                 "stop"):
        assert np.array_equal(getattr(fast, name), getattr(slow, name)), name
    assert fast.ramps == slow.ramps
    days = bool((fast.start_day != 1).any() or (fast.signed_day != 1).any())
    if days:  # refused by the monthly convention in the same words, by line and column
        assert fast.days_problems() == slow.days_problems() != []
    convention = "daily" if days else "monthly"
    pd.testing.assert_frame_equal(schedule(fast, convention=convention), schedule(slow, convention=convention))
    pd.testing.assert_frame_equal(schedule(fast, by="customer", convention=convention),
                                  schedule(slow, by="customer", convention=convention))


def _load_cases():
    """The bad files of tests/test_load.py, as text."""
    mark = next(m for m in test_load.test_each_bad_cell_is_named_by_line_and_column.pytestmark
                if m.name == "parametrize")
    header, good = test_load.HEADER, test_load.GOOD
    files = {f"bad cell {column}: {words}": "\n".join([header, good, row]) + "\n" for row, column, words in mark.args[1]}
    files.update({
        "every problem at once": "\n".join([header, good, ",2022-01,12,1200,,weekly,0,false,,X",
                                            "Acme,2022-99,12,1200,,monthly,0,false,,Y",
                                            "Acme,2022-01,12,1200,,monthly,0,false,,G-1"]) + "\n",
        "missing and unknown columns": "customer,start,annual_price,billng,renews\nGoogle,2022-01,1200,monthly,yes\n",
        "no price column": "customer,start,term_months\nGoogle,2022-01,12\n",
        "a repeated row": "customer,start,term_months,annual_price\nA,2022-01,12,100\nB,2022-01,12,100\n"
                          "A,2022-01,12,100\n",
        "too many cells": "customer,start,term_months,annual_price\nA,2022-01,12,100,extra\n",
        "empty": "",
        "header only": header + "\n",
        "blank lines": "\n".join([header, good, "", ",,,,,,,,,", "Acme,2022-01,12,1200,,weekly,0,false,,X"]) + "\n",
        "spreadsheet conventions": "\ufeffcustomer,start,term_months,annual_price,renews,billing\n"
                                   "\"Acme, Inc.\",2022-01-15,12,\"$1,200.50\",Yes,Quarterly\n",
        "latin-1": "customer,start,term_months,annual_price\nCaf\xe9,2022-01,12,100\n".encode("latin-1"),
        "a good file": header + "\n" + good + "\n",
    })
    return files


CASES = {**_load_cases(), **{name: content for name, content, *_ in test_hostile.HOSTILE},
         **{name: content for name, content in test_hostile.READ_RIGHT}}


@pytest.mark.parametrize("name", list(CASES))
def test_every_file_of_the_loaders_tests_gives_the_same_problems_on_both_paths(name):
    both(CASES[name])


def test_the_bad_files_are_refused_as_their_tests_say():
    """Not vacuous: the hostile files are refused, the messy ones read."""
    for name, _, where, words in test_hostile.HOSTILE:
        problems = both(CASES[name])
        assert any(where in p and words in p for p in problems), (name, problems)
    for name, _ in test_hostile.READ_RIGHT:
        assert both(CASES[name]) == [], name


def test_a_file_path_goes_the_fast_way_and_gives_the_same_schedule(tmp_path):
    path = tmp_path / "crm.csv"
    path.write_text("customer,start,term_months,annual_price,billing,segment\nA,2022-01,24,1200;2400,annual,SMB\n"
                    "B,2022-03,12,1000,quarterly,\n")
    assert isinstance(Book.of(path), Book)
    pd.testing.assert_frame_equal(schedule(path), schedule(load_contracts(path)))
    pd.testing.assert_frame_equal(schedule(str(path), by="segment"), schedule(load_contracts(path), by="segment"))


def test_the_fast_reader_reads_what_the_exact_reader_reads():
    """pandas' reader is used only where it agrees with the csv module; else the exact reader reads."""
    fast = _fast_table('customer,start\n"Acme, ""Inc.""",2022-01\r\n\r\nB,\n')
    assert fast is not None and fast.header == ["customer", "start"]
    assert fast.lines.tolist() == [2, 3, 4]
    assert [c.tolist() for c in fast.columns] == [['Acme, "Inc."', "", "B"], ["2022-01", "", ""]]
    for text in ['a,b\n"x\ny",1\n', 'a,b\n"x"y,1\n', 'a,b\nx"y,1\n', "a,b\r1,2\n", "a,b\n1,2,3\n", "a,b\nA\x00,1\n",
                 "a,b\nCaf\udce9,1\n", '"a,b\n1,2\n', "\na,b\n"]:
        assert _fast_table(text) is None, text


@FAST
@given(st.text(alphabet=st.sampled_from(list('Acme,;"\n\r\t 0123456789.-$e\x00\x1b\xe9')), max_size=300),
       st.sampled_from([",", ";", "\t"]))
def test_random_text_gives_the_same_table_on_both_readers_and_the_same_problems(text, delimiter):
    text = test_hostile.HEADER.replace(",", delimiter) + "\n" + text
    fast = _fast_table(text)
    if fast is not None:
        header, records = _records(text)
        assert fast.header == header
        width = len(header)
        rows = [(line, cells[:width] + [""] * (width - len(cells))) for line, cells in records]
        assert fast.lines.tolist() == [line for line, _ in rows]
        assert [list(c) for c in fast.columns] == [list(c) for c in zip(*[cells for _, cells in rows])] or not rows
    both(text)


@FAST
@given(st.lists(st.lists(st.text(alphabet=st.sampled_from(list("Acme; 0123456789.-$e\xe9\u00a0\u20ac")),
                                  max_size=40), min_size=5, max_size=5), max_size=6),
       st.sampled_from([",", ";", "\t"]), st.sampled_from(["\n", "\r\n"]), st.booleans())
def test_an_unquoted_file_is_cut_from_its_bytes_as_the_exact_reader_reads_it(rows, delimiter, ending, last_ending):
    """No quote in the file: the cells are cut at the delimiters from the bytes (no string per cell), short cells
    and long ones, ASCII and not, with white space to strip or none."""
    text = test_hostile.HEADER.replace(",", delimiter) + ending + ending.join(delimiter.join(r) for r in rows)
    text += ending if last_ending and rows else ""
    fast = _fast_table(text)
    header, records = _records(text)
    if fast is not None:
        assert fast.header == header
        width = len(header)
        rows = [(line, cells[:width] + [""] * (width - len(cells))) for line, cells in records]
        assert fast.lines.tolist() == [line for line, _ in rows]
        assert [list(c) for c in fast.columns] == [list(c) for c in zip(*[cells for _, cells in rows])] or not rows
    both(text)


@FAST
@given(st.binary(max_size=1000))
def test_random_bytes_give_the_same_problems(data):
    both(data)


@FAST
@given(st.sampled_from(sorted(test_hostile.HOSTILE_CELLS)).flatmap(
    lambda column: st.tuples(st.just(column), test_hostile.HOSTILE_CELLS[column])), st.integers(0, 3))
def test_one_hostile_cell_gives_the_same_problems(hostile, row):
    column, value = hostile
    header = test_hostile.HEADER.split(",")
    rows = [[f"Customer {i}", "2022-01", "12", "1200", f"K{i}"] for i in range(4)]
    rows[row][header.index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *rows])
    assert both(out.getvalue())


@FAST
@given(st.lists(contract_strategy(), min_size=1, max_size=8), st.sampled_from([",", ";", "\t"]),
       st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]), st.sampled_from(["\n", "\r\n"]),
       st.sampled_from(["plain", "commas", "dollar", "exponent"]), st.booleans(), st.booleans())
def test_a_random_good_file_gives_the_same_book_and_schedule_on_both_paths(book, delimiter, quoting, ending, style,
                                                                           ids, segments):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, quoting=quoting, lineterminator=ending)
    writer.writerow(["customer", "start", "term_months", "annual_price", "billing", "services", "renews", "signed",
                     "contract_id", "segment"])
    for i, contract in enumerate(book):
        writer.writerow(test_hostile._cells(contract, style) + [f"K{i}" if ids else "",
                                                                 ["", "SMB", "Ent"][i % 3] if segments else ""])
    assert _fast_table(out.getvalue()) is not None, "a good file is read by the fast reader"
    assert all("repeats line" in problem for problem in both(out.getvalue()))  # a contract drawn twice


def test_problems_come_in_the_order_of_the_lines_and_of_a_contracts_fields():
    text = ("customer,start,term_months,annual_price,monthly_price,billing,services,renews,signed,contract_id\n"
            "A\x00,2022-13,0,1200,100,weekly,-1,maybe,2023-01,X\n"
            ",2022-01,12,,,monthly,,,,X\n"
            "B,2022-01,24,1;2;3,,monthly,,,,\n"
            "B,2022-01,24,1;2;3,,monthly,,,,\n")
    problems = both(text)
    assert len(problems) == 13 and problems[-1].startswith("line 5: repeats line 4 exactly")


def _big_file(n: int, ids: bool) -> list[str]:
    rows = []
    for i in range(n):
        price = f"{1000 + i}.{i % 100:02d}" if i % 20 else f"{1000 + i};{2000 + i}.5"
        rows.append(",".join([f"K{i}" if ids else "", f"Customer {i % 7000}", f"2022-{1 + i % 12:02d}",
                              "24" if i % 20 == 0 else str(1 + i % 36), price, ["monthly", "annual", "upfront"][i % 3],
                              "" if i % 3 else f"{i}.5", ["true", "false"][i % 2]]))
    return ["contract_id,customer,start,term_months,annual_price,billing,services,renews", *rows]


def test_a_large_file_is_checked_as_a_small_one():
    """Past 10,000 rows, columns of mostly distinct cells (ids, names, amounts) are read cell by cell:
    the same customers, the same repeats found, the same figures."""
    lines = _big_file(12_000, ids=True)
    assert both("\n".join(lines) + "\n") == []
    book = load_book(io.StringIO("\n".join(lines) + "\n"))
    assert int(book.customer_code.max()) + 1 == 7000
    repeated = lines + [lines[5].replace("Customer 4", "Customer X"), "," + lines[7].split(",", 1)[1]]
    problems = both("\n".join(repeated) + "\n")
    assert problems == ["line 12002, column contract_id: 'K4' repeats line 6"]
    no_ids = _big_file(12_000, ids=False)
    problems = both("\n".join(no_ids + [no_ids[9], no_ids[3]]) + "\n")
    assert [p[:29] for p in problems] == ["line 12002: repeats line 10 e", "line 12003: repeats line 4 ex"]


@pytest.mark.parametrize("segment", [None, "EMEA"])
def test_the_report_is_the_same_from_the_book_as_from_the_contracts(segment):
    from pathlib import Path

    from revlib import report

    sample = Path(__file__).resolve().parents[1] / "data" / "sample_book.csv"
    fast, slow = (report.build(load(sample), fiscal_year_start=2, segment=segment)
                  for load in (load_book, load_contracts))
    for name in ("monthly", "yearly", "per_customer", "bridge", "bridge_by_customer", "bookings", "checks",
                 "contracts", "deferred_rollforward"):
        pd.testing.assert_frame_equal(getattr(fast, name), getattr(slow, name), obj=name)


LINKED = ["customer", "start", "term_months", "annual_price", "billing", "services", "renews", "signed", "contract_id",
          "amends", "renewal_of"]


def _linked_row(c) -> list[str]:
    prices = ";".join(f"{p / 100:.2f}" for p in c.prices_per_year)
    return [c.customer, str(c.start), "" if c.term_months is None else str(c.term_months), prices,
            c.billing or "", f"{c.services:.2f}", "" if c.renews is None else str(c.renews).lower(), str(c.signed),
            c.contract_id or "", c.amends or "", c.renewal_of or ""]


@FAST
@given(books_with_amendments(), st.integers(0, 5), st.sampled_from(["amends", "renewal_of", "start", "term_months",
                                                                    "signed", "customer"]))
def test_books_with_amendments_and_renewals_load_the_same_on_both_paths(book, which, column):
    """A good file gives the same book and schedule on both paths; one with a link broken, the same problems."""
    rows = [_linked_row(c) for c in book]
    assert both("\n".join(",".join(r) for r in [LINKED, *rows]) + "\n") == []
    linked = [r for r in rows if r[9] or r[10]]
    if not linked:
        return
    row = linked[which % len(linked)]
    i = LINKED.index(column)
    row[i] = {"amends": "K99", "renewal_of": "K0.0", "start": "2021-01", "term_months": "7", "signed": "2020-01",
              "customer": "Zed"}[column] if row[i] or column in ("start", "signed", "customer") else row[i]
    both("\n".join(",".join(r) for r in [LINKED, *rows]) + "\n")
