"""revlib's charts keep their look without touching matplotlib's global settings."""

import subprocess
import sys

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest

from revlib import annual, arr_bridge, backlog_split, calculated_billings, examples, plot, schedule


def test_importing_revlib_imports_no_pyplot_and_changes_no_setting():
    code = """
import sys
import matplotlib
def settings():  # every setting but the backend, whose first reading imports pyplot
    return {k: matplotlib.rcParams[k] for k in matplotlib.rcParams if k != "backend"}
before = settings()
import revlib, revlib.report, revlib.cli
from revlib import plot, svg, widgets
assert "matplotlib.pyplot" not in sys.modules, "importing revlib imported pyplot"
changed = sorted(k for k, v in settings().items() if before[k] != v)
assert not changed, f"importing revlib changed {changed}"
"""
    subprocess.run([sys.executable, "-c", code], check=True)


def charts():
    s = schedule(examples.nine_clients())
    return {
        "monthly": lambda chart: chart(schedule(examples.google()), title="Google"),
        "yearly": lambda chart: chart(annual(schedule(examples.customers_ab())), title="A and B"),
        "life": lambda chart: chart(schedule(examples.google(billing="annual")), title="Life"),
        "panels": lambda chart: chart(s, title="Panels"),
        "backlog": lambda chart: chart(backlog_split(s), title="Backlog"),
        "billings_compared": lambda chart: chart(calculated_billings(s, freq="Q")),
        "bridge": lambda chart: chart(arr_bridge(schedule(examples.nine_clients(), by="customer"), "Y").iloc[0]),
    }


def pixels(fig) -> np.ndarray:
    fig.canvas.draw()
    image = np.asarray(fig.canvas.buffer_rgba()).copy()
    plt.close(fig)
    return image


@pytest.mark.parametrize("name", list(charts()))
def test_a_chart_looks_as_it_did_with_the_style_set_globally(name):
    draw = charts()[name]
    before = dict(matplotlib.rcParams)
    fig = draw(getattr(plot, name))
    assert dict(matplotlib.rcParams) == before, "a chart function left a global setting changed"
    assert fig.dpi == 90 and not fig.axes[0].spines["top"].get_visible()
    now = pixels(fig)  # drawn outside the style context, as a notebook shows it after the cell
    with matplotlib.rc_context(plot.STYLE):  # how revlib used to draw: the style set for everything
        then = pixels(draw(getattr(plot, name).__wrapped__))
    assert now.shape == then.shape and (now == then).all(), f"{name} no longer looks the same"


def test_png_is_drawn_in_the_style():
    fig = plot.monthly(schedule(examples.google()))
    assert plot.png(fig).startswith(b"\x89PNG")
    assert not plt.fignum_exists(fig.number)
