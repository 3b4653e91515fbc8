"""Messy and hostile contract files (issue 18): each is refused by line and column, or read right to the cent.

A table of hostile files goes through the report command; hypothesis strategies go through the
loader (random bytes, random CSV dialects, one hostile cell in a good file). Every example is
derandomized (conftest.py) and bounded, so the suite adds seconds, not minutes, to `make test`.
"""

from __future__ import annotations

import csv
import io
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import revlib.report
import revlib.workbook
from revlib import Contract, ContractError, load_contracts, schedule
from revlib.cli import main
from revlib.contract import MAX_CELL, parse_cents
from strategies import contracts as contract_strategy

ROOT = Path(__file__).resolve().parents[1]
HEADER = "customer,start,term_months,annual_price,contract_id"
GOOD = "Acme,2022-01,12,1200,"
FAST = settings(max_examples=120, deadline=2000, suppress_health_check=[HealthCheck.too_slow])


def problems_of(text) -> list[str]:
    """The problems a file is refused with, or [] if it loads."""
    source = io.BytesIO(text) if isinstance(text, bytes) else io.StringIO(text)
    try:
        load_contracts(source)
    except ContractError as error:
        return error.problems
    return []


def assert_placed_and_safe(problems: list[str]) -> None:
    """Every problem says where (a line, and a column where there is one) and shows nothing raw."""
    assert problems
    for problem in problems:
        assert problem.startswith("line "), problem
        assert problem.isprintable(), f"raw control characters in {problem!r}"


# The table: hostile files through the report command -------------------------------------------

def lines(*rows, header=HEADER):
    return "\n".join([header, *rows]) + "\n"


HOSTILE = [
    ("decimal comma 1.200,00", lines('Acme,2022-01,12,"1.200,00",'), "line 2, column annual_price", "decimal"),
    ("decimal comma 1200,50", lines('Acme,2022-01,12,"1200,50",'), "line 2, column annual_price", "decimal"),
    ("decimal comma 1,20", lines('Acme,2022-01,12,"1,20",'), "line 2, column annual_price", "decimal"),
    ("blank ids, a double entry", lines(GOOD, GOOD), "line 3: repeats line 2", "double entry"),
    ("a quote left open", lines(GOOD, '"Beta,2022-01,12,100,', "Gamma,2022-01,12,100,"),
     "line 3, column customer", "never closed"),
    ("a quote closed mid-cell", lines(GOOD, '"Beta"x,2022-01,12,100,'), "line 3, column customer", "middle"),
    ("a price of 1e16", lines("Acme,2022-01,12,1e16,"), "line 2, column annual_price", "more than"),
    ("a price of 1e17", lines("Acme,2022-01,12,1e17,"), "line 2, column annual_price", "more than"),
    ("a price of 1e999990", lines("Acme,2022-01,12,1e999990,"), "line 2, column annual_price", "more than"),
    ("a price of 1e999999999", lines("Acme,2022-01,12,1e999999999,"), "line 2, column annual_price", "more than"),
    ("a term of 1e999990", lines("Acme,2022-01,1e999990,100,"), "line 2, column term_months", "1,200 months"),
    ("a term of 1e9", lines("Acme,2022-01,1e9,100,"), "line 2, column term_months", "1,200 months"),
    ("a term of 1e20", lines("Acme,2022-01,1e20,100,"), "line 2, column term_months", "1,200 months"),
    ("a contract worth over $1T", lines("Acme,2022-01,1200,999999999999,"), "line 2, column annual_price",
     "worth"),
    ("the year 0000", lines("Acme,0000-01,12,100,"), "line 2, column start", "1900 to 2200"),
    ("the year 0202", lines("Acme,0202-01,12,100,"), "line 2, column start", "1900 to 2200"),
    ("a NUL in a name", lines("Ac\x00me,2022-01,12,100,"), "line 2, column customer", "control character"),
    ("a terminal escape in a name", lines("Acme\x1b]0;owned\x07,2022-01,12,100,"), "line 2, column customer",
     "control character"),
    ("a terminal escape in the header", "customer,start,term_months,annual_price,\x1b[2J\nAcme,2022-01,12,100,\n",
     "line 1, column '\\x1b[2J'", "unknown column"),
    ("a name of 200,000 characters", lines("A" * 200_000 + ",2022-01,12,100,"), "line 2, column customer",
     "32,767"),
    ("a name of 40,000 characters", lines("A" * 40_000 + ",2022-01,12,100,"), "line 2, column customer",
     "32,767"),
    ("cp1252 bytes", (HEADER + "\nAcme,2022-01,12,100,\nCaf\xe9,2022-01,12,100,\n").encode("cp1252"),
     "line 3, column customer", "not UTF-8"),
    ("random binary", bytes(range(256)) * 4, "line 1", "missing column"),
]


@pytest.mark.parametrize("name, content, where, words", HOSTILE, ids=[case[0] for case in HOSTILE])
def test_a_hostile_file_is_refused_by_line_and_column_and_nothing_is_written(tmp_path, capsys, name, content,
                                                                             where, words):
    book = tmp_path / "crm.csv"
    book.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    started = time.monotonic()
    code = main(["report", str(book), "--out", str(tmp_path / "report.xlsx")])
    elapsed = time.monotonic() - started
    err = capsys.readouterr().err
    assert code == 2, err
    assert where in err and words in err, err
    assert "Traceback" not in err and "\x1b" not in err and "\x00" not in err and "\x07" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["crm.csv"], "nothing is written"
    assert elapsed < 10, f"{name} took {elapsed:.1f} s"


READ_RIGHT = [
    ("UTF-8 with a byte order mark", lines('Café,2022-01,12,"$1,200.50",').encode("utf-8-sig")),
    ("UTF-16 with a byte order mark (Excel's Unicode text)", lines('Café,2022-01,12,"$1,200.50",').encode("utf-16")),
    ("UTF-16 without its mark", lines('Café,2022-01,12,"$1,200.50",').encode("utf-16-le")),
    ("tab-separated UTF-16", lines("Café\t2022-01\t12\t1200.50\t", header=HEADER.replace(",", "\t")).encode("utf-16")),
    ("semicolons (Excel where ; separates lists)", lines("Café;2022-01;12;1200.50;", header=HEADER.replace(",", ";"))
     .encode()),
    ("Windows line ends", lines('Café,2022-01,12,"1,200.50",').replace("\n", "\r\n").encode()),
    ("an exponent", lines("Café,2022-01,12,1.2005e3,").encode()),
]


@pytest.mark.parametrize("name, content", READ_RIGHT, ids=[case[0] for case in READ_RIGHT])
def test_a_messy_but_clear_file_is_read_right_to_the_cent(tmp_path, capsys, name, content):
    book = tmp_path / "crm.csv"
    book.write_bytes(content)
    out = tmp_path / "report.xlsx"
    assert main(["report", str(book), "--out", str(out)]) == 0, capsys.readouterr().err
    (contract,) = load_contracts(book)
    assert (contract.customer, contract.prices_per_year, contract.term_months) == ("Café", (120050,), 12)
    row = list(openpyxl.load_workbook(out)["Contracts"].iter_rows(min_row=2, values_only=True))[0]
    assert row[1] == "Café" and row[6] == 1200.5


def test_an_open_binary_file_and_a_text_file_in_the_wrong_encoding(tmp_path):
    path = tmp_path / "crm.csv"
    path.write_bytes(lines('Café,2022-01,12,"1,200.50",').encode("utf-8"))
    with open(path, "rb") as handle:
        (contract,) = load_contracts(handle)
    assert contract.prices_per_year == (120050,)
    path.write_bytes(lines("Caf\xe9,2022-01,12,100,").encode("cp1252"))
    with open(path, encoding="utf-8") as handle, pytest.raises(ContractError, match="open it with open"):
        load_contracts(handle)


# The output: checked before any work, written whole, with the umask's permissions -------------

def test_out_that_is_the_input_a_folder_under_a_file_or_unwritable_is_refused_first(tmp_path, capsys):
    book = tmp_path / "crm.csv"
    book.write_text(lines(GOOD))
    (tmp_path / "link.csv").symlink_to(book)
    os.link(book, tmp_path / "hard.csv")
    (tmp_path / "folder").mkdir()
    cases = {
        str(book): "the contract file itself",
        str(tmp_path / "link.csv"): "the contract file itself",
        str(tmp_path / "hard.csv"): "the contract file itself",
        str(tmp_path / "." / "crm.csv"): "the contract file itself",
        str(tmp_path / "folder"): "is a folder",
        str(book / "report.xlsx"): "which is a file, not a folder",
        "/proc/report.xlsx": "cannot be written",
    }
    for out, words in cases.items():
        assert main(["report", str(book), "--out", out]) == 2, out
        assert words in capsys.readouterr().err, out
    assert book.read_text() == lines(GOOD)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["crm.csv", "folder", "hard.csv", "link.csv"]
    assert list((tmp_path / "folder").iterdir()) == []
    assert main(["report", str(tmp_path / "folder"), "--out", str(tmp_path / "r.xlsx")]) == 2
    assert "is a folder, not a contract file" in capsys.readouterr().err


def test_the_workbook_gets_the_umasks_permissions_and_replaces_the_old_one_whole(tmp_path, capsys):
    book = tmp_path / "crm.csv"
    book.write_text(lines(GOOD))
    out = tmp_path / "report.xlsx"
    out.write_bytes(b"last month's report")
    os.chmod(out, 0o600)
    old = os.umask(0o022)
    try:
        assert main(["report", str(book), "--out", str(out)]) == 0, capsys.readouterr().err
    finally:
        os.umask(old)
    assert stat.S_IMODE(out.stat().st_mode) == 0o644
    assert openpyxl.load_workbook(out).sheetnames[0] == "Checks"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["crm.csv", "report.xlsx"]


SLOW_SAVE = """
import sys, time
import xlsxwriter
close = xlsxwriter.Workbook.close
def slow(self):
    close(self)
    print("saving", flush=True)
    time.sleep(60)
xlsxwriter.Workbook.close = slow
from revlib.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize("signum, code", [(signal.SIGTERM, 128 + signal.SIGTERM), (signal.SIGINT, 130)])
def test_a_report_stopped_while_it_saves_leaves_no_file_behind(tmp_path, signum, code):
    book = tmp_path / "crm.csv"
    book.write_text(lines(GOOD))
    with subprocess.Popen([sys.executable, "-c", SLOW_SAVE, "report", str(book), "--out",
                           str(tmp_path / "report.xlsx")], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, cwd=ROOT) as child:
        try:
            assert child.stdout.readline().strip() == "saving"
            assert len(list(tmp_path.iterdir())) == 2, "the workbook is being written to a temporary file"
            child.send_signal(signum)
            assert child.wait(30) == code, child.stderr.read()
        finally:
            child.kill()
    assert [p.name for p in tmp_path.iterdir()] == ["crm.csv"]


def test_excels_limits_are_checked_before_anything_is_computed(tmp_path, capsys, monkeypatch):
    # A sheet per customer has a row per customer: only a book of over a million customers passes the limit,
    # so the limit is lowered here; a start typed as 1900 makes the years' columns a hundred times as many.
    monkeypatch.setattr(revlib.workbook, "EXCEL_ROWS", 5_000)
    book = tmp_path / "crm.csv"
    rows = ["Typo,1900-01,12,100,"] + [f"C{i},2022-01,12,100," for i in range(9000)]
    book.write_text(lines(*rows))
    started = time.monotonic()
    assert main(["report", str(book), "--out", str(tmp_path / "report.xlsx")]) == 2
    err = capsys.readouterr().err
    assert "Per customer sheet would have 9,003 rows and 1,723 columns (9,001 customers x 123 fiscal years)" in err, err
    assert "5,000 rows" in err
    assert time.monotonic() - started < 30
    assert [p.name for p in tmp_path.iterdir()] == ["crm.csv"]


# The Contract API: the same bounds, as a ContractError, never an OverflowError ------------------

@pytest.mark.parametrize("terms, column", [
    ({"annual_price": 1e16}, "annual_price"), ({"annual_price": 10**17}, "annual_price"),
    ({"monthly_price": 1e12}, "monthly_price"), ({"annual_price": [1, 1e15]}, "annual_price"),
    ({"services": 1e15, "annual_price": 1}, "services"), ({"term_months": 10**20, "annual_price": 1}, "term_months"),
    ({"term_months": 1201, "annual_price": 1}, "term_months"), ({"annual_price": "1e999999999"}, "annual_price"),
    ({"start": "0202-01", "annual_price": 1}, "start"), ({"customer": "A\x00", "annual_price": 1}, "customer"),
    ({"customer": "A" * (MAX_CELL + 1), "annual_price": 1}, "customer"),
])
def test_the_contract_api_refuses_what_would_overflow(terms, column):
    fields = {"customer": "A", "start": "2022-01", "term_months": 24, **terms}
    with pytest.raises(ContractError) as caught:
        Contract(**fields)
    assert any(p.startswith(f"column {column}: ") for p in caught.value.problems), caught.value.problems


def test_a_book_worth_more_than_ten_trillion_is_refused_before_it_is_scheduled():
    big = Contract(customer="A", start="2022-01", term_months=12, annual_price=999_999_999_999)
    assert schedule([big] * 10)["bookings"].sum() == 9_999_999_999_990  # to the cent, as float dollars
    with pytest.raises(ContractError, match="more than \\$10,000,000,000,000"):
        schedule([big] * 11)


# Hypothesis: random bytes, random dialects, one hostile cell ------------------------------------

@FAST
@given(st.binary(max_size=2000))
def test_random_bytes_are_read_or_refused_by_line(data):
    problems = problems_of(data)
    if problems:
        assert_placed_and_safe(problems)


@FAST
@given(st.text(alphabet=st.sampled_from(list('Acme,;"\n\r\t 0123456789.-$e\x00\x1b\u202e\xe9')), max_size=300))
def test_random_csv_like_text_is_read_or_refused_by_line(text):
    problems = problems_of(HEADER + "\n" + text)
    if problems:
        assert_placed_and_safe(problems)


def _cells(contract: Contract, style: str) -> list[str]:
    prices = contract.prices_per_year

    def money(cents: int) -> str:
        dollars, rest = divmod(cents, 100)
        if style == "plain":
            return f"{dollars}.{rest:02d}"
        if style == "commas":
            return f"{dollars:,}.{rest:02d}"
        if style == "dollar":
            return f"${dollars:,}.{rest:02d}"
        return f"{cents}e-2"

    price = ";".join(money(p) for p in prices)
    return [contract.customer, str(contract.start), str(contract.term_months), price, contract.billing,
            money(contract.services_cents), "true" if contract.renews else "false", str(contract.signed)]


@FAST
@given(st.lists(contract_strategy(), min_size=1, max_size=5, unique_by=lambda c: (c.customer, c.start, c.term_months)),
       st.sampled_from([",", ";", "\t"]), st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC]),
       st.sampled_from(["\n", "\r\n"]), st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "str"]),
       st.sampled_from(["plain", "commas", "dollar", "exponent"]), st.integers(0, 2))
def test_any_dialect_of_a_good_file_is_read_right_to_the_cent(book, delimiter, quoting, ending, encoding, style,
                                                               blank_lines):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, quoting=quoting, lineterminator=ending)
    writer.writerow(["customer", "start", "term_months", "annual_price", "billing", "services", "renews", "signed"])
    for contract in book:
        writer.writerow(_cells(contract, style))
    text = out.getvalue() + ending * blank_lines
    source = io.StringIO(text) if encoding == "str" else io.BytesIO(text.encode(encoding))
    read = load_contracts(source)
    assert [(c.customer, c.start, c.signed, c.term_months, c.billing, c.renews, c.prices_per_year, c.services_cents)
            for c in read] == \
           [(c.customer, c.start, c.signed, c.term_months, c.billing, c.renews, c.prices_per_year, c.services_cents)
            for c in book]


HOSTILE_CELLS = {
    "annual_price": st.one_of(
        st.builds(lambda d, c: f"{d:,}".replace(",", ".") + f",{c:02d}", st.integers(1000, 10**9), st.integers(0, 99)),
        st.builds(lambda d, c: f"{d},{c:02d}", st.integers(0, 10**9), st.integers(0, 99)),
        st.builds(lambda e: f"1e{e}", st.integers(15, 10**9)),
        st.builds(lambda m: f"{m}e-{3}", st.integers(1, 10**6).filter(lambda m: m % 10)),
        st.sampled_from(["nan", "inf", "-1", "1e", "--1", "(1200)", "1 200,50", "€1200", "1.2.3", "0x10"]),
        st.builds(lambda n: "9" * n, st.integers(101, 5000)),
    ),
    "term_months": st.one_of(st.integers(1201, 10**30).map(str), st.builds(lambda e: f"1e{e}", st.integers(4, 10**9)),
                             st.sampled_from(["0", "-12", "12.5", "12,5", "nan", "1e-999999999"])),
    "start": st.one_of(st.integers(0, 1899).map(lambda y: f"{y:04d}-01"), st.integers(2201, 9999).map(lambda y: f"{y}-01"),
                       st.sampled_from(["2022-00", "2022-13", "20222-01", "Jan 2022", "2022-1-1x"])),
    "customer": st.one_of(
        st.builds(lambda a, c, b: a + c + b, st.text("Acme", max_size=5),
                  st.sampled_from([chr(i) for i in [*range(32), *range(127, 160)]]), st.text("Inc", max_size=5)),
        st.integers(MAX_CELL + 1, MAX_CELL + 50_000).map(lambda n: "x" * n),
    ),
}


@FAST
@given(st.sampled_from(sorted(HOSTILE_CELLS)).flatmap(lambda column: st.tuples(st.just(column), HOSTILE_CELLS[column])),
       st.integers(0, 3))
def test_one_hostile_cell_is_refused_at_its_line_and_column(hostile, row):
    column, value = hostile
    header = HEADER.split(",")
    rows = [[f"Customer {i}", "2022-01", "12", "1200", f"K{i}"] for i in range(4)]
    rows[row][header.index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *rows])
    problems = problems_of(out.getvalue())
    assert problems, f"{value[:80]!r} in column {column} was read"
    assert_placed_and_safe(problems)
    assert problems[0].startswith(f"line {row + 2}, column {column}: "), problems


@FAST
@given(st.integers(0, 100_000_000_000_000), st.sampled_from(["{d}.{c:02d}", "{d:,}.{c:02d}", "${d:,}.{c:02d}",
                                                             "{cents}e-2", "{d}", "{d:,}"]))
def test_an_amount_in_any_clear_form_is_read_to_the_cent(cents, form):
    d, c = divmod(cents, 100)
    if form in ("{d}", "{d:,}"):
        cents = d * 100
    assert parse_cents(form.format(d=d, c=c, cents=cents)) == cents


@FAST
@given(st.integers(0, 100_000_000_000_000), st.sampled_from(["{d},{c:02d}", "{dots},{c:02d}", "{d},{c1}",
                                                             "{commas},{c:02d}"]))
def test_a_decimal_comma_is_never_misread(cents, form):
    d, c = divmod(cents, 100)
    text = form.format(d=d, c=c, c1=c // 10, dots=f"{d:,}".replace(",", "."), commas=f"{d:,}")
    with pytest.raises(ValueError, match="decimal separator"):
        parse_cents(text)
