"""Make the lock: every package the series and its tests install, pinned, and the conda files from it.

    python -m venv /tmp/uv && /tmp/uv/bin/python -m pip install uv   # once: uv is not one of revlib's packages
    /tmp/uv/bin/python tools/lock.py

Reads requirements.txt (the series), requirements-test.txt (the tests) and pyproject.toml (revlib's own
dependencies) and writes, with `uv pip compile`:

- requirements-lock.txt: every package any of them installs, direct or not, at one version each. The
  Makefile (and so CI) installs it whole; a user installs only what they need at its versions with
  `pip install -c requirements-lock.txt ...`.
- environment.yml and binder/environment.yml: the series' share of the lock (no test packages), for conda
  and for Binder, which installs revlib itself afterwards (binder/postBuild).

The lock is for CPython 3.11 (3.11.5 or later: soupsieve 4 needs it) on Linux x86_64, the versions
`pip install -r requirements.txt -r requirements-test.txt` resolved when it was made. Change a pin in
requirements.txt or requirements-test.txt, then run this again; tests/test_project.py checks they agree.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

from uv import find_uv_bin

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements-lock.txt"
PYTHON = "3.11.5"
PLATFORM = "x86_64-manylinux_2_28"
COMMAND = "python tools/lock.py"

CONDA = """\
# {about}
# Made by tools/lock.py from requirements-lock.txt: the series' packages at the lock's versions, without
# the tests' packages and without revlib itself ({then}).
name: revlib
channels:
  - conda-forge
dependencies:
  - python=3.11
  - pip
  - pip:
{pins}
"""


def compile_(*inputs: str, out: Path, constraint: Path | None = None) -> str:
    """`uv pip compile` of the inputs (paths relative to the project) for the lock's Python and platform."""
    args = [find_uv_bin(), "pip", "compile", *inputs, "--output-file", str(out), "--quiet",
            "--python-version", PYTHON, "--python-platform", PLATFORM, "--custom-compile-command", COMMAND,
            "--no-config"]
    if constraint:
        args += ["--constraint", str(constraint)]
    subprocess.run(args, cwd=ROOT, check=True)
    return out.read_text()


def pins(text: str) -> list[str]:
    return re.findall(r"^([A-Za-z0-9_.\-]+==[^\s#;]+)", text, flags=re.M)


def main() -> None:
    compile_("requirements.txt", "requirements-test.txt", "pyproject.toml", out=LOCK)
    with tempfile.TemporaryDirectory() as scratch:
        series = compile_("requirements.txt", "pyproject.toml", out=Path(scratch) / "series.txt", constraint=LOCK)
    listed = "\n".join(f"      - {pin}" for pin in pins(series))
    (ROOT / "environment.yml").write_text(CONDA.format(
        about="For conda: `conda env create -f environment.yml`, then `pip install --no-deps .` in it.",
        then="install it into the environment with `pip install --no-deps .`", pins=listed))
    (ROOT / "binder" / "environment.yml").write_text(CONDA.format(
        about="For Binder (repo2docker), which installs this before the repository is copied in.",
        then="binder/postBuild installs it", pins=listed))
    print(f"{len(pins(LOCK.read_text()))} packages in {LOCK.name}, {len(pins(series))} of them for the series",
          file=sys.stderr)


if __name__ == "__main__":
    main()
