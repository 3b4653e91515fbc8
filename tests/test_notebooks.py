"""The series as executable documentation: other terms through papermill, and the notebooks' own promises."""

import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import papermill
import pytest

import revlib
import revlib.report
from revlib import examples, exercises, scenarios
from revlib.fmt import usd

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
SERIES = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


@pytest.fixture(autouse=True)
def kernel_on_path(monkeypatch):
    """Kernels started by papermill run this environment's Python."""
    monkeypatch.setenv("PATH", os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]))


def run(name, tmp_path, **parameters):
    """Execute a notebook with these parameters; return its key figures as {name: text}."""
    out = tmp_path / f"{name}.ipynb"
    papermill.execute_notebook(str(NOTEBOOKS / f"{name}.ipynb"), str(out), parameters=parameters,
                               cwd=str(NOTEBOOKS), kernel_name="python3", progress_bar=False)
    nb = nbformat.read(out, as_version=4)
    (cell,) = [c for c in nb.cells if c.cell_type == "code" and "NBVAL_CHECK_OUTPUT" in c.source]
    text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
    return dict(line.split(": ", 1) for line in text.splitlines() if ": " in line)


def test_google_at_2400_a_year(tmp_path):
    printed = run("01_google_4600", tmp_path, annual_price=2400)
    contract = examples.google(annual_price=2400)
    assert printed["Bookings (TCV)"] == "$8,200" == usd(contract.tcv)
    for name, value in examples.contract_figures(contract).items():
        assert printed[name] == usd(value), name


def test_customers_a_and_b_with_b_billed_annually(tmp_path):
    printed = run("02_customers_ab_30m", tmp_path, b_billing="annual")
    expected = examples.fiscal_year_figures(examples.customers_ab(b_billing="annual"))
    assert printed["Billings"] == usd(expected["Billings"]) == "$9,000,000"
    assert printed["Revenue"] == usd(expected["Revenue"]) == "$8,750,000"
    assert printed["Customer B billings a month"] == "$3,000,000"


@pytest.mark.parametrize("scenario", list(scenarios.SCENARIOS))
def test_nine_clients_in_each_scenario(tmp_path, scenario):
    printed = run("03_nine_client_model", tmp_path, scenario=scenario)
    years = examples.book_figures(scenarios.apply(examples.nine_clients(), scenario))
    for year in years.index:
        assert printed[f"Bookings {year}"] == usd(years.loc[year, "bookings"])
        assert printed[f"Billings {year}"] == usd(years.loc[year, "billings"])
        assert printed[f"ARR at end of {year}"] == usd(years.loc[year, "arr"])
    assert printed["Services, all years"] == usd(0 if scenario == "monthly_both_no_services" else 600)


def test_backlog_notebook_with_another_ramp(tmp_path):
    printed = run("04_bookings_billings_backlog", tmp_path, ramp_prices=[3_000_000, 2_000_000, 1_000_000],
                  ramp_billing="quarterly")
    expected = examples.ramp_figures(examples.ramp([3_000_000, 2_000_000, 1_000_000], "quarterly"))
    for name, value in expected.items():
        assert printed[name] == usd(value), name
    assert printed["Unbilled revenue, end of year 1"] == "$0"


def test_revops_notebook_with_another_pilot_segment(tmp_path):
    printed = run("05_revops_reporting", tmp_path, segment="APAC", fiscal_year_start=2)
    book = revlib.load_contracts(NOTEBOOKS.parent / "data" / "sample_book.csv")
    whole = revlib.report.build(book, fiscal_year_start=2, end="2024-12")
    pilot = revlib.report.build(book, fiscal_year_start=2, segment="APAC", end="2024-12")
    last = whole.yearly.index[-1]
    assert printed[f"ARR at end of {last}, APAC"] == usd(pilot.yearly.loc[last, "arr"])
    assert printed[f"Bookings {last}"] == usd(whole.yearly.loc[last, "bookings"])
    assert printed[f"ARR churn, {last}"] == usd(whole.bridge.loc[last, "churn"])


def test_exercises_notebook_marks_a_participants_answers(tmp_path):
    answers = {key: exercises.answer(key) for key in exercises.WORKSHOP[:5]}
    answers["ex.backlog_6"] = 1
    printed = run("06_workshop_exercises", tmp_path, answers=answers)
    assert printed["Score"] == f"5 of {len(exercises.WORKSHOP)}"
    assert printed["ex.tcv"] == "right" and printed["ex.backlog_6"] == "not yet"


def test_app_notebook_with_another_preset(tmp_path):
    from revlib import widgets

    printed = run("07_contract_explorer", tmp_path, preset="nine")
    for name, value in widgets.app_figures(widgets.app_book("nine")).items():
        assert printed[name] == usd(value), name


def test_the_second_year_read_a_year_later(tmp_path):
    printed = run("08_expansion_contraction_churn", tmp_path, year=2024)
    figures = examples.year_figures(examples.nine_clients_year2(), 2024)
    for name in ("Gross bookings", "Net new bookings", "ARR at year start", "ARR churn", "ARR at year end"):
        assert printed[f"{name}, 2024"] == usd(figures[name]), name
    assert printed["NRR, 2024"] == f"{figures['NRR']:.1%}"


def test_start_here_with_another_contract(tmp_path):
    printed = run("00_start_here", tmp_path, annual_price=12_000, term_years=1, billing="upfront")
    assert printed["Bookings (TCV)"] == "$12,000"
    assert printed["Deferred revenue after month 1"] == "$11,000"


@pytest.mark.parametrize("path", SERIES, ids=lambda p: p.stem)
def test_each_notebook_keeps_the_series_conventions(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert sum("parameters" in c.metadata.get("tags", []) for c in code) == 1
    assert sum("NBVAL_CHECK_OUTPUT" in c.source for c in code) == 1
    assert "You will learn" in nb.cells[1].source and "Before you start" in nb.cells[1].source
    assert any("## Check yourself" in c.source for c in nb.cells)
    for i, cell in enumerate(code):
        assert cell.execution_count == i + 1, "stored in order, from a fresh kernel"
        for output in cell.outputs:
            assert output.output_type != "error"
            assert output.get("name") != "stderr", f"cell {i} stored a warning"
        if any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in cell.outputs):
            assert "NBVAL_IGNORE_OUTPUT" in cell.source, f"cell {i} shows a widget"
    imports = code[0].source
    assert all(line.split()[1].split(".")[0] in {"revlib", "pandas", "matplotlib", "ipywidgets"}
               for line in imports.splitlines() if line.startswith(("import", "from")))


def test_navigation_is_generated_and_current():
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "notebooks.py"), "check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
    first = nbformat.read(SERIES[1], as_version=4).cells[0]
    assert "navigation" in first.metadata["tags"]
    assert "[Start here](00_start_here.ipynb)" in first.source and "02_customers_ab_30m.ipynb" in first.source


def test_revealed_answers_agree_with_revlib():
    """Each 'Check yourself' answer shown in a notebook is the one revlib computes."""
    seen = 0
    for path in SERIES:
        for cell in nbformat.read(path, as_version=4).cells:
            for key, answer in re.findall(r"\(`([a-z_.0-9]+)`\).*?<summary>Answer</summary>\s*(.*?)</details>",
                                          cell.source, flags=re.S):
                figure = re.search(r"\\\\\$[\d,]+(?:\.\d\d)?|Zero", answer).group(0).replace("\\", "")
                assert figure == ("Zero" if exercises.answer(key) == 0 else usd(exercises.answer(key))), key
                seen += 1
    assert seen >= 8


def test_workshop_worked_solutions_state_revlibs_answers():
    """The questions and worked solutions are notebook 06's markdown; each solution's first amount is the
    answer revlib computes for that question, so the words and the checker never part."""
    notebook = nbformat.read(NOTEBOOKS / "06_workshop_exercises.ipynb", as_version=4)
    stated = {}
    for cell in notebook.cells:
        found = re.search(r"Worked solution \(`(ex\.\w+)`\)", cell.source)
        if cell.cell_type == "markdown" and found:
            solution = cell.source.split("</summary>", 1)[1]
            stated[found.group(1)] = re.search(r"\\\\\$([\d,]+(?:\.\d\d)?)", solution).group(1)
    assert sorted(stated) == sorted(exercises.WORKSHOP)
    for key, amount in stated.items():
        assert "$" + amount == usd(exercises.answer(key)), key
