"""revlib installed as a user installs it: the example books and the Voila template come with the package."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_the_example_books_in_the_package_are_the_data_folders():
    packaged = {p.name: p.read_bytes() for p in (ROOT / "revlib" / "data").glob("*.csv")}
    readers = {p.name: p.read_bytes() for p in (ROOT / "data").glob("*.csv")}
    assert packaged, "revlib/data/ has no example book"
    assert sorted(packaged) == sorted(readers), "data/ and revlib/data/ hold different files"
    changed = [name for name in packaged if packaged[name] != readers[name]]
    assert not changed, f"data/ and revlib/data/ differ in {changed}: copy data/ over revlib/data/"


@pytest.mark.slow
def test_the_wheel_installed_elsewhere_runs_the_examples_the_report_and_the_voila_app(tmp_path):
    """Build the wheel, install it with its `app` extra at the lock's versions into a new virtual environment
    outside the repository, and use it from another folder as a user would."""
    dist, venv, elsewhere = tmp_path / "dist", tmp_path / "venv", tmp_path / "elsewhere"
    elsewhere.mkdir()
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", dist, ROOT], cwd=tmp_path)
    (wheel,) = dist.glob("revlib-*.whl")
    run([sys.executable, "-m", "venv", venv], cwd=tmp_path)
    python = venv / "bin" / "python"
    run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile",
         "--constraint", ROOT / "requirements-lock.txt", f"{wheel}[app]"], cwd=tmp_path)
    run([python, "-m", "pip", "check"], cwd=tmp_path)

    examples = run([python, "-c", (
        "import revlib, matplotlib.pyplot as plt\n"
        "from revlib import examples, plot, schedule\n"
        "assert 'site-packages' in revlib.__file__, revlib.__file__\n"
        "print(len(examples.nine_clients()), len(examples.load('sample_book.csv')))\n"
        "print(examples.book_figures(examples.nine_clients()).loc['FY2022', 'bookings'])\n"
        "plt.close(plot.monthly(schedule(examples.google())))\n")], cwd=elsewhere)
    count, bookings = examples.splitlines()
    assert count.startswith("9 ") and int(count.split()[1]) > 200 and bookings == "5680.0"

    summary = run([python, "-m", "revlib", "report", ROOT / "data" / "sample_book.csv", "--out", "x.xlsx"],
                  cwd=elsewhere)
    assert (elsewhere / "x.xlsx").stat().st_size > 10_000, summary

    app = elsewhere / "app"
    (app / "notebooks").mkdir(parents=True)
    shutil.copy(ROOT / "notebooks" / "07_contract_explorer.ipynb", app / "notebooks")
    shutil.copy(ROOT / "voila.json", app)  # the project's settings, as they are: template "revlib", 127.0.0.1
    page, log = voila_page(venv / "bin", app, home=tmp_path / "home")
    assert "TemplateNotFound" not in page + log, log[-2000:]
    assert "fontawesome" not in page, "the stock lab template answered, not revlib's (it loads fonts from a CDN)"
    assert "application/vnd.jupyter.widget-view+json" in page, "the app's widgets are not on the page"
    assert "Traceback" not in page and "Error" not in log, log[-3000:]


def run(args, cwd) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{' '.join(map(str, args))}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def voila_page(bin_dir: Path, app: Path, home: Path) -> tuple[str, str]:
    """Start Voila on notebook 07 on a free port of 127.0.0.1, fetch the page, then stop Voila and its kernels,
    whatever happened. A fresh HOME keeps the user's own Jupyter templates and settings out."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "JUPYTER_PATH")}
    env.update(HOME=str(home), PATH=os.pathsep.join([str(bin_dir), env["PATH"]]))
    log_path = app / "voila.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen([str(bin_dir / "voila"), "notebooks/07_contract_explorer.ipynb", f"--port={port}"],
                                  cwd=app, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    page = ""
    try:
        deadline = time.time() + 120
        while time.time() < deadline and server.poll() is None and not page:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=90) as answer:
                    page = answer.read().decode()
            except OSError:
                time.sleep(0.5)
    finally:
        stop(server)
    log = log_path.read_text()
    assert page, f"Voila served no page\n{log[-3000:]}"
    return page, log


def stop(server: subprocess.Popen) -> None:
    """Stop a server started in its own session, with every process it started (its kernels)."""
    try:
        children = psutil.Process(server.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        children = []
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(20)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(10)
    for child in children:
        try:
            child.kill()
        except psutil.NoSuchProcess:
            pass
