"""The widgets where people use them: JupyterLab and the Voila app, in a real (headless) Chromium.

Every server runs on 127.0.0.1 with a copy of the notebooks, and is stopped, with its kernels,
when the test ends. Screenshots go to build/screenshots/.
"""

import concurrent.futures
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import pytest

from revlib import examples, widgets
from revlib.fmt import usd

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "build" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
BIN = Path(sys.executable).parent

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError("the browser tests need Debian's chromium; `make test` installs it")
    pytest.skip("Debian's chromium is not installed (make browser)", allow_module_level=True)

from playwright.sync_api import expect, sync_playwright  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except Exception:
            time.sleep(0.3)
    raise TimeoutError(f"nothing answered at {url}")


class Server:
    """A server process in its own process group, stopped with everything it started.

    If it does not answer at ``url`` within ``seconds`` (or exits first), everything it
    started is stopped before the error is raised: nothing outlives a failed start.
    """

    def __init__(self, args, cwd, url, seconds: float = 60):
        env = {**os.environ, "PATH": os.pathsep.join([str(BIN), os.environ["PATH"]])}
        self.log = open(Path(cwd) / "server.log", "w")
        self.url = url
        try:
            self.process = subprocess.Popen(args, cwd=cwd, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        except BaseException:
            self.log.close()
            raise
        try:
            self._wait(seconds)
        except BaseException:
            self.stop()
            raise

    def _wait(self, seconds: float) -> None:
        deadline = time.time() + seconds
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with code {self.process.returncode}; see {self.log.name}")
            try:  # one patient request: each try of a Voila page starts a kernel
                urllib.request.urlopen(self.url, timeout=max(2, min(30, deadline - time.time())))
                return
            except Exception:
                time.sleep(0.3)
        raise TimeoutError(f"nothing answered at {self.url}")

    def kernels(self) -> list:
        """The kernel processes still alive under this server (exited ones are not counted)."""
        alive = []
        try:
            children = psutil.Process(self.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return alive
        for child in children:
            try:
                if child.status() != psutil.STATUS_ZOMBIE and "ipykernel" in " ".join(child.cmdline()):
                    alive.append(child)
            except (psutil.NoSuchProcess, psutil.ZombieProcess):
                pass
        return alive

    def stop(self):
        try:
            children = psutil.Process(self.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            children = []
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(20)
        for child in children:
            try:
                child.kill()
                child.wait(10)
            except psutil.NoSuchProcess:
                pass
        self.log.close()


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A copy of the notebooks and data, so nothing a browser does touches the repository."""
    copy = tmp_path_factory.mktemp("project")
    shutil.copytree(ROOT / "notebooks", copy / "notebooks")
    shutil.copytree(ROOT / "data", copy / "data")
    shutil.copy(ROOT / "voila.json", copy / "voila.json")
    return copy


@pytest.fixture(scope="module")
def browser():
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield chromium
        chromium.close()


def outside_requests(page) -> list:
    """Start recording every request that leaves this machine."""
    seen = []
    page.on("request", lambda r: seen.append(r.url) if not r.url.startswith(("http://127.0.0.1", "data:", "blob:"))
            else None)
    return seen


def figure(page, name):
    return page.locator(f"td.figure[data-name='{name}']").first


def test_jupyterlab_price_control_changes_bookings(project, browser):
    port, token = free_port(), "revlib-test"
    server = Server([str(BIN / "jupyter"), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
                     f"--IdentityProvider.token={token}", "--LabApp.expose_app_in_browser=True",
                     "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                     "--LabApp.news_url=", f"--ServerApp.root_dir={project / 'notebooks'}",
                     # a layout or settings left by an earlier JupyterLab on this machine must not hide the notebook
                     f"--LabApp.workspaces_dir={project / 'lab-workspaces'}",
                     f"--LabApp.user_settings_dir={project / 'lab-settings'}",
                     *(["--allow-root"] if os.geteuid() == 0 else [])],
                    cwd=project, url=f"http://127.0.0.1:{port}/api/status?token={token}")
    try:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        outside = outside_requests(page)
        page.goto(f"http://127.0.0.1:{port}/lab/tree/01_google_4600.ipynb?token={token}")
        page.wait_for_function("window.jupyterapp && window.jupyterapp.shell.currentWidget "
                               "&& window.jupyterapp.shell.currentWidget.sessionContext "
                               "&& window.jupyterapp.shell.currentWidget.sessionContext.session", timeout=90_000)
        page.locator(".jp-Notebook").first.wait_for()
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        bookings = figure(page, "Bookings (TCV)")
        expect(bookings).to_have_text(usd(examples.google().tcv), timeout=120_000)
        slider = page.locator(".widget-slider", has_text="Price a year").first
        slider.scroll_into_view_if_needed()
        handle = slider.locator(".noUi-handle").first
        handle.focus()
        for _ in range(12):  # twelve steps of $100: from $1,200 to $2,400 a year
            handle.press("ArrowRight")
        expected = usd(examples.google(annual_price=2400).tcv)
        expect(bookings).to_have_text(expected, timeout=30_000)
        assert expected == "$8,200"
        chart = page.locator("svg.revlib-chart").first  # drawn in the browser, from the new figures
        expect(chart).to_contain_text("Jan 2022: Billings $1,200, Revenue $1,200", timeout=30_000)
        assert chart.bounding_box()["height"] > 200
        assert page.locator(".jp-Notebook mjx-container").count() == 0, "live widget text typeset as math"
        bookings.scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / "jupyterlab_01_price_2400.png"))
        assert outside == [], f"JupyterLab fetched from outside: {outside[:5]}"
        page.close()
    finally:
        server.stop()


def voila(project, *options) -> tuple[Server, int]:
    """The workshop app served by Voila, with the project's voila.json, on a free port."""
    port = free_port()
    return Server([str(BIN / "voila"), "notebooks/07_contract_explorer.ipynb", f"--port={port}", *options],
                  cwd=project, url=f"http://127.0.0.1:{port}/"), port


def test_voila_app_preset_and_billing_change_deferred_revenue(project, browser):
    server, port = voila(project)
    try:
        page = browser.new_page(viewport={"width": 1300, "height": 1100})
        outside = outside_requests(page)
        page.goto(f"http://127.0.0.1:{port}/")
        deferred = figure(page, "Deferred revenue after month 1")
        expect(deferred).to_have_text(usd(widgets.app_figures(widgets.app_book("google"))["Deferred revenue after month 1"]),
                                      timeout=120_000)
        assert page.locator(".jp-InputArea-editor, .CodeMirror, .cm-editor").count() == 0, "no code shows"
        page.locator(".widget-dropdown", has_text="Example").locator("select").select_option(label="Customers A and B")
        page.locator(".widget-dropdown", has_text="Billing").locator("select").select_option("quarterly")
        expected = usd(widgets.app_figures(widgets.app_book("ab", "quarterly"))["Deferred revenue after month 1"])
        expect(deferred).to_have_text(expected, timeout=30_000)
        assert expected == "$1,000,000"  # A: a quarter billed ($1.5M), a month earned; B not started
        expect(page.locator("svg.revlib-chart").first).to_have_attribute("aria-label", "Customers A and B")
        page.screenshot(path=str(SHOTS / "voila_ab_quarterly.png"), full_page=True)
        assert outside == [], f"the app fetched from outside: {outside[:5]}"
        page.close(run_before_unload=True)
    finally:
        server.stop()


def test_voila_does_not_keep_a_kernel_per_page_load(project, browser):
    server, port = voila(project)
    try:
        for _ in range(4):  # twenty page loads, five at a time
            pages = [browser.new_page() for _ in range(5)]
            for page in pages:
                page.goto(f"http://127.0.0.1:{port}/")
            for page in pages:
                figure(page, "Bookings (TCV)").wait_for(timeout=120_000)
                page.goto("about:blank")  # leaving the page, as closing a tab does
                page.close(run_before_unload=True)
        # Voila shuts a kernel down when its page unloads; a kernel whose page never said so is culled
        # once it has had no connection for 20 seconds (voila.json).
        deadline = time.time() + 90
        while len(server.kernels()) > 1 and time.time() < deadline:
            time.sleep(0.5)
        assert len(server.kernels()) <= 1, f"{len(server.kernels())} kernels left after 20 page loads"
    finally:
        server.stop()


def test_a_server_that_fails_to_start_leaves_nothing_running(tmp_path):
    marker = f"revlib-never-answers-{os.getpid()}-{free_port()}"
    child = f"import time; time.sleep(600)  # {marker}"
    parent = (f"import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', {child!r}], "
              f"start_new_session=True); time.sleep(600)  # {marker}")

    def running():
        found = []
        for process in psutil.process_iter(["cmdline"]):
            try:
                if marker in " ".join(process.info["cmdline"] or []) and process.status() != psutil.STATUS_ZOMBIE:
                    found.append(process)
            except psutil.NoSuchProcess:
                pass
        return found

    with pytest.raises(TimeoutError):
        Server([sys.executable, "-c", parent], cwd=tmp_path, url=f"http://127.0.0.1:{free_port()}/", seconds=3)
    assert running() == [], "the server and the child it started in a session of its own are stopped"


def test_voila_caps_live_kernels_and_stops_them_after_the_pages_close(project):
    """Thirty page loads, ten at a time: never more kernels than the cap, none left a minute after."""
    cap = 4
    server, port = voila(project, f"--CappedKernelManager.max_kernels={cap}")
    try:
        most, done = [0], threading.Event()

        def watch():
            while not done.is_set():
                most[0] = max(most[0], len(server.kernels()))
                time.sleep(0.1)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()

        def load(_):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=180) as answer:
                    page = answer.read().decode()
                    return answer.status, page
            except urllib.error.HTTPError as error:
                return error.code, error.read().decode(errors="replace")
            except OSError as error:  # shown in the assertion below, not raised from a worker thread
                return repr(error), ""

        with concurrent.futures.ThreadPoolExecutor(10) as pool:
            answers = list(pool.map(load, range(30)))
        closed = time.time()
        codes = [code for code, _ in answers]
        assert set(codes) <= {200, 503}, codes
        # The cap was reached (the server's readiness check holds a kernel too), and pages were still served.
        assert codes.count(200) >= 1 and codes.count(503) >= 1, codes
        assert all("full" in page for code, page in answers if code == 503)
        while server.kernels() and time.time() < closed + 60:
            time.sleep(0.5)
        gone = time.time() - closed
        done.set()
        watcher.join()
        assert most[0] <= cap, f"{most[0]} kernels alive at once; the cap is {cap}"
        assert server.kernels() == [], f"{len(server.kernels())} kernels left a minute after the pages closed"
        print(f"30 page loads: {codes.count(200)} served, {codes.count(503)} told the app is full; "
              f"at most {most[0]} kernels; all gone {gone:.0f} s after the last page")
    finally:
        server.stop()
