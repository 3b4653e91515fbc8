"""The project's own promises: the same pins everywhere, and CI running the README's test command."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def pins(text):
    return dict(re.findall(r"^\s*-?\s*([A-Za-z0-9_.\-]+)==([^\s#]+)", text, flags=re.M))


def test_environment_yml_has_the_same_pins_as_requirements():
    required = pins((ROOT / "requirements.txt").read_text())
    conda = pins((ROOT / "environment.yml").read_text())
    assert required and required == conda


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    command = re.search(r"Run every test.*?```(?:bash)?\n(.+?)\n```", readme, flags=re.S).group(1).strip()
    assert command.splitlines()[-1] in ci.splitlines()
