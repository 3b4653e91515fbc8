"""The library stands apart from the teaching series, and the series' old names keep working."""

import subprocess
import sys

LIBRARY = ["revlib", "revlib.contract", "revlib.fields", "revlib.links", "revlib.load", "revlib.fast_load", "revlib.engine", "revlib.analysis", "revlib.bridge",
           "revlib.retention",
           "revlib.report", "revlib.workbook", "revlib.fmt", "revlib.cli", "revlib.kernels"]


def imported_after(code: str) -> set[str]:
    """The modules a fresh Python holds after running ``code``."""
    done = subprocess.run([sys.executable, "-c", code + "\nimport sys\nprint('\\n'.join(sys.modules))"],
                          check=True, capture_output=True, text=True)
    return set(done.stdout.split())


def test_the_library_imports_none_of_the_series():
    loaded = imported_after("import " + ", ".join(LIBRARY))
    old_names = {f"revlib.{name}" for name in ("examples", "exercises", "scenarios", "plot", "svg", "widgets")}
    series = sorted(m for m in loaded if m.startswith("revlib.series") or m in old_names)
    assert not series, f"importing the library imported {series}"
    assert "matplotlib.pyplot" not in loaded and "ipywidgets" not in loaded


def test_the_svg_charts_and_their_style_import_no_matplotlib():
    loaded = imported_after("import revlib.series.style, revlib.series.svg")
    assert "matplotlib" not in loaded, "the live charts' colours pulled in matplotlib"


def test_the_series_old_names_are_its_modules():
    import revlib
    from revlib import check, examples, exercises, plot, scenarios, svg, widgets
    from revlib.series import examples as series_examples, exercises as series_exercises, plot as series_plot
    from revlib.series import scenarios as series_scenarios, svg as series_svg, widgets as series_widgets

    assert (examples, exercises, scenarios) == (series_examples, series_exercises, series_scenarios)
    assert check is series_exercises.check is revlib.check
    assert plot.monthly is series_plot.monthly and plot.STYLE is series_plot.STYLE
    assert svg.monthly is series_svg.monthly and widgets.contract_app is series_widgets.contract_app
    assert {"examples", "exercises", "scenarios", "check"} <= set(dir(revlib))
