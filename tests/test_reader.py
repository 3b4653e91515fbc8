"""What a reader sees, on each surface, in a real (headless) Chromium.

- JupyterLab: every notebook opened with windowing off, so every cell is rendered; no markdown is typeset as
  math, no answer shows before it is opened, no error output.
- The static site, opened from disk with every request other than ``file:`` blocked: no empty ``<details>``,
  every saved control rendered with its chart, nothing asked of the network.
- The Voila app: money shows as money.
- ``make start`` opens 00 Start here, whatever an earlier run had open.

A full-page screenshot of every notebook and every page goes to build/screenshots/.
"""

import doctest
import hashlib
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from test_browser import BIN, ROOT, SHOTS, Server, browser, free_port, outside_requests, project  # noqa: F401

sys.path.insert(0, str(ROOT / "tools"))
import notebooks as tooling  # noqa: E402

SERIES = tooling.series()
VENDOR = ROOT / "tools" / "site_assets" / "vendor"


# ---------------------------------------------------------------- the rule, without a browser

def test_the_series_markdown_shows_as_written():
    assert tooling.notebook_problems(SERIES) == []
    assert doctest.testmod(tooling).failed == 0


def test_two_escaped_amounts_in_one_paragraph_are_refused(tmp_path):
    nb = nbformat.read(SERIES[1], as_version=4)
    nb.cells[1].source = r"Bookings are \$4,600 and ACV \$1,200."
    nbformat.write(nb, tmp_path / "01_broken.ipynb")
    (problem,) = tooling.notebook_problems([tmp_path / "01_broken.ipynb"])
    assert problem.startswith("01_broken.ipynb, cell 1, line 1: a dollar sign")


def test_the_vendored_scripts_are_the_ones_named_in_their_readme():
    table = (VENDOR / "README.md").read_text()
    for name in ("embed-amd.js", "require.js"):
        digest = hashlib.sha256((VENDOR / name).read_bytes()).hexdigest()
        assert f"`{name}` |" in table and digest in table, name


# ---------------------------------------------------------------- JupyterLab

def jupyterlab(project, workspaces, *extra):
    """JupyterLab on the project's notebooks with windowing off (every cell rendered, as a reader scrolls to it)."""
    settings = project / "lab-settings"
    tracker = settings / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
    tracker.parent.mkdir(parents=True, exist_ok=True)
    tracker.write_text(json.dumps({"windowingMode": "none"}))
    news = settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    news.parent.mkdir(parents=True, exist_ok=True)
    news.write_text(json.dumps({"fetchNews": "false"}))
    port, token = free_port(), "revlib-reader"
    server = Server([str(BIN / "jupyter"), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
                     f"--IdentityProvider.token={token}", "--LabApp.expose_app_in_browser=True",
                     "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate", "--LabApp.news_url=",
                     f"--LabApp.user_settings_dir={settings}", f"--LabApp.workspaces_dir={workspaces}",
                     "--allow-root", *extra],
                    cwd=project, url=f"http://127.0.0.1:{port}/api/status?token={token}")
    return server, f"http://127.0.0.1:{port}", token


READ_NOTEBOOK = """() => {
  const nb = window.jupyterapp.shell.currentWidget.content;
  const cells = [...document.querySelectorAll('.jp-Notebook .jp-Cell')];
  const math = cells.filter(c => c.classList.contains('jp-MarkdownCell') && c.querySelector('mjx-container'))
                    .map(c => c.innerText.slice(0, 120));
  const anywhere = document.querySelectorAll('.jp-Notebook mjx-container').length;
  const details = [...document.querySelectorAll('.jp-Notebook details')];
  const opened = details.filter(d => d.open).length;
  const empty = details.filter(d => [...d.childNodes].filter(n => n.nodeName !== 'SUMMARY')
                                     .map(n => n.textContent).join('').trim() === '').length;
  const errors = [...document.querySelectorAll('.jp-Notebook [data-mime-type="application/vnd.jupyter.stderr"]')]
                    .map(e => e.innerText.slice(0, 200));
  const markup = [...document.querySelectorAll('.jp-Notebook .jp-RenderedMarkdown')]
                    .filter(e => /\\\\\\$|&#36;|<details|<\\/details>/.test(e.innerText)).map(e => e.innerText.slice(0, 120));
  return {cells: cells.length, expected: nb.widgets.length, math, anywhere, details: details.length, opened, empty,
          errors, markup};
}"""


def test_every_notebook_reads_right_in_jupyterlab(project, browser, tmp_path):
    server, base, token = jupyterlab(project, tmp_path / "workspaces", f"--ServerApp.root_dir={project / 'notebooks'}")
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        outside = outside_requests(page)
        found = {}
        for path in SERIES:
            page.goto(f"{base}/lab/tree/{path.name}?reset&token={token}")
            page.wait_for_function(f"window.jupyterapp && window.jupyterapp.shell.currentWidget "
                                   f"&& window.jupyterapp.shell.currentWidget.title.label === '{path.name}'",
                                   timeout=90_000)
            page.wait_for_function("document.querySelectorAll('.jp-Notebook .jp-Cell').length === "
                                   "window.jupyterapp.shell.currentWidget.content.widgets.length", timeout=60_000)
            page.evaluate("window.jupyterapp.shell.collapseLeft()")  # the page's width for the notebook, as read
            page.wait_for_timeout(4000)  # MathJax typesets after the cells render
            seen = page.evaluate(READ_NOTEBOOK)
            found[path.name] = seen
            height = page.evaluate("document.querySelector('.jp-WindowedPanel-outer').scrollHeight")
            page.set_viewport_size({"width": 1280, "height": min(height + 200, 32_000)})
            page.wait_for_timeout(500)
            page.screenshot(path=str(SHOTS / f"jupyterlab_{path.stem}.png"))
            page.set_viewport_size({"width": 1280, "height": 900})
        page.close()
        for name, seen in found.items():
            assert seen["cells"] == seen["expected"], f"{name}: not every cell rendered"
            assert seen["math"] == [] and seen["anywhere"] == 0, f"{name}: typeset as math: {seen['math']}"
            assert seen["opened"] == 0 and seen["empty"] == 0, f"{name}: an answer shows before it is opened"
            assert seen["errors"] == [], f"{name}: error output {seen['errors']}"
            assert seen["markup"] == [], f"{name}: markup shows as text: {seen['markup']}"
        assert sum(seen["details"] for seen in found.values()) >= 30
        assert outside == [], f"JupyterLab fetched from outside: {outside[:5]}"
    finally:
        server.stop()


def test_make_start_opens_start_here_every_time(project, browser):
    """A reader who left notebook 03 open starts again with 00 Start here, as `make start` runs JupyterLab."""
    command = subprocess.run(["make", "-n", "-s", "start"], cwd=ROOT, capture_output=True, text=True, check=True)
    lines = [line for line in command.stdout.splitlines() if " lab " in line]
    (lab,) = lines
    words = lab.split()
    target = next(w for w in words if w.endswith(".ipynb"))
    assert target == "notebooks/00_start_here.ipynb"
    flags = [w for w in words if w.startswith("--") and w != "--allow-root"]
    workspace = next(w.split("=", 1)[1] for w in flags if w.startswith("--LabApp.workspaces_dir="))
    reset = [line for line in command.stdout.splitlines() if line.startswith("rm ") and workspace in line]
    assert reset, "the workspace an earlier run left is removed before JupyterLab starts"
    workspaces = project / "workspace"
    other = [f for f in flags if not f.startswith("--LabApp.workspaces_dir=")]
    for attempt in range(2):
        shutil.rmtree(workspaces, ignore_errors=True)  # what `make start` does first
        server, base, token = jupyterlab(project, workspaces, *other, f"--ServerApp.root_dir={project / 'notebooks'}")
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"{base}/lab/tree/00_start_here.ipynb?token={token}")  # the address `make start` opens
            page.wait_for_function("window.jupyterapp && window.jupyterapp.shell.currentWidget "
                                   "&& window.jupyterapp.shell.currentWidget.title", timeout=90_000)
            page.wait_for_timeout(3000)
            current = page.evaluate("window.jupyterapp.shell.currentWidget.title.label")
            tabs = page.evaluate("[...window.jupyterapp.shell.widgets('main')].map(w => w.title.label)")
            assert current == "00_start_here.ipynb" and tabs == ["00_start_here.ipynb"], (attempt, current, tabs)
            page.goto(f"{base}/lab/tree/03_nine_client_model.ipynb?token={token}")  # the reader moves on
            page.wait_for_function("window.jupyterapp && window.jupyterapp.shell.currentWidget "
                                   "&& window.jupyterapp.shell.currentWidget.title.label === '03_nine_client_model.ipynb'",
                                   timeout=90_000)
            page.wait_for_timeout(3000)  # the layout is saved to the workspace
            page.close()
        finally:
            server.stop()
    assert any(workspaces.glob("*")), "JupyterLab saved the reader's layout (so the reset above mattered)"


# ---------------------------------------------------------------- the static site, from disk

READ_PAGE = """() => {
  const details = [...document.querySelectorAll('details')].filter(d => !d.classList.contains('revlib-code'));
  const empty = details.filter(d => [...d.childNodes].filter(n => n.nodeName !== 'SUMMARY')
                                     .map(n => n.textContent).join('').trim() === '').length;
  const views = [...document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]')];
  const unrendered = views.filter(s => !s.parentElement.querySelector('.jupyter-widgets, .widget-container, .lm-Widget')).length;
  const text = document.body.innerText;
  return {details: details.length, opened: details.filter(d => d.open).length, empty, views: views.length, unrendered,
          charts: document.querySelectorAll('svg.revlib-chart').length,
          math: document.querySelectorAll('mjx-container, .MathJax').length,
          markup: (text.match(/\\\\\\$|&#36;|&dollar;|<\\/?details|<summary/g) || []).slice(0, 5)};
}"""


def test_every_site_page_reads_offline(browser, tmp_path):
    out = tmp_path / "site"
    subprocess.run([sys.executable, str(ROOT / "tools" / "site.py"), str(out)], check=True, capture_output=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tried = []

    def only_files(route):
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            tried.append(route.request.url)
            route.abort()

    context.route("**/*", only_files)
    page = context.new_page()
    found = {}
    for path in [out / "index.html", *sorted(out.glob("[0-9][0-9]_*.html"))]:
        page.goto(path.as_uri())
        page.wait_for_load_state("load")
        if page.locator('script[type="application/vnd.jupyter.widget-view+json"]').count():
            page.wait_for_function("document.querySelectorAll('script[type=\"application/vnd.jupyter.widget-view+json\"]')"
                                   ".length <= document.querySelectorAll('.jupyter-widgets').length", timeout=60_000)
            page.wait_for_timeout(1000)
        found[path.name] = page.evaluate(READ_PAGE)
        page.screenshot(path=str(SHOTS / f"site_{path.stem}.png"), full_page=True)
    context.close()
    for name, seen in found.items():
        assert seen["empty"] == 0 and seen["opened"] == 0, f"{name}: an answer shows before it is opened"
        assert seen["unrendered"] == 0, f"{name}: {seen['unrendered']} of {seen['views']} saved controls not shown"
        assert seen["math"] == 0 and seen["markup"] == [], f"{name}: {seen['markup']}"
    assert sum(seen["details"] for seen in found.values()) >= 30
    with_controls = [name for name, seen in found.items() if seen["views"]]
    assert len(with_controls) >= 6 and all(found[name]["charts"] for name in with_controls), found
    assert tried == [], f"the site asked the network for {tried[:5]}"


# ---------------------------------------------------------------- the Voila app

def test_voila_app_shows_money_as_money(project, browser, tmp_path):
    """Voila typesets the page with its own MathJax: two amounts written the series' way show as two amounts."""
    app = tmp_path / "app"
    shutil.copytree(project, app, ignore=shutil.ignore_patterns("*.log", "lab-settings", "workspace*"))
    path = app / "notebooks" / "07_contract_explorer.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(2, nbformat.v4.new_markdown_cell(tooling.DOLLAR + "4,600 booked, " + tooling.DOLLAR + "1,200 a year."))
    nbformat.write(nb, path)
    port = free_port()
    server = Server([str(BIN / "voila"), "notebooks/07_contract_explorer.ipynb", f"--port={port}"], cwd=app,
                    url=f"http://127.0.0.1:{port}/")
    try:
        page = browser.new_page(viewport={"width": 1300, "height": 1000})
        outside = outside_requests(page)
        page.goto(f"http://127.0.0.1:{port}/")
        page.locator("td.figure").first.wait_for(timeout=120_000)
        page.wait_for_timeout(2000)
        text = page.evaluate("document.body.innerText")
        assert "$4,600 booked, $1,200 a year." in text
        assert not re.search(r"\\\$|&#36;", text), "a dollar sign shows with its escape"
        assert page.locator("mjx-container, .MathJax").count() == 0
        assert page.locator("details[open]").count() == 0
        page.screenshot(path=str(SHOTS / "voila_07_contract_explorer.png"), full_page=True)
        page.close(run_before_unload=True)
        assert outside == [], outside[:5]
    finally:
        server.stop()
