"""The project's own promises: the same pins everywhere, and CI running the README's test command."""

import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def pins(text):
    return dict(re.findall(r"^\s*-?\s*([A-Za-z0-9_.\-]+)==([^\s#]+)", text, flags=re.M))


def name(package):
    return re.sub(r"[-_.]+", "-", package).lower()


def normalized(found):
    return {name(package): version for package, version in found.items()}


def lock():
    return normalized(pins((ROOT / "requirements-lock.txt").read_text()))


def test_the_lock_has_every_pin_of_requirements_at_the_same_version():
    locked = lock()
    for file in ("requirements.txt", "requirements-test.txt"):
        required = normalized(pins((ROOT / file).read_text()))
        assert required, f"{file} pins nothing"
        differ = {p: (v, locked.get(p)) for p, v in required.items() if locked.get(p) != v}
        assert not differ, f"{file} and requirements-lock.txt disagree (pinned, locked): {differ}; run tools/lock.py"


def test_the_conda_and_binder_environments_are_the_series_share_of_the_lock():
    locked = lock()
    series = normalized(pins((ROOT / "requirements.txt").read_text()))
    needed = needs(series)  # what the series installs: its pins and what they require, read from this environment
    for file in ("environment.yml", "binder/environment.yml"):
        text = (ROOT / file).read_text()
        conda = normalized(pins(text))
        assert "-e ." not in text and not re.search(r"^\s*-\s*\.\s*$", text, flags=re.M), \
            f"{file} installs the repository, which repo2docker cannot"
        assert series.items() <= conda.items(), f"{file} lacks a pin of requirements.txt"
        assert conda.items() <= locked.items(), f"{file} has a version the lock does not"
        assert set(conda) == needed, f"{file} lists {set(conda) - needed} more, {needed - set(conda)} fewer"


def needs(packages) -> set:
    """The packages and every package they require, with the extras asked for, as installed here."""
    from packaging.requirements import Requirement

    seen, todo = set(), [(p, ()) for p in packages]
    while todo:
        package, extras = todo.pop()
        if (name(package), extras) in seen:
            continue
        seen.add((name(package), extras))
        for line in metadata.requires(package) or []:
            required = Requirement(line)
            if required.marker and not any(required.marker.evaluate({"extra": e}) for e in extras or ("",)):
                continue
            todo.append((required.name, tuple(sorted(required.extras))))
    return {package for package, _ in seen}


def test_every_installed_package_is_locked_and_pip_check_is_clean():
    """What `make install` put into this environment is exactly the lock (and revlib), with nothing broken."""
    installed = {name(d.metadata["Name"]): d.version for d in metadata.distributions()}
    installed = {p: v for p, v in installed.items() if p not in ("pip", "setuptools", "revlib")}
    locked = lock()
    assert installed.items() <= locked.items(), \
        f"installed, not at the lock's version: {sorted(set(installed.items()) - set(locked.items()))[:10]}"
    check = subprocess.run([sys.executable, "-m", "pip", "check"], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    command = re.search(r"Run every test.*?```(?:bash)?\n(.+?)\n```", readme, flags=re.S).group(1).strip()
    assert command.splitlines()[-1] in ci.splitlines()
