"""Re-execute the series in place, with generated navigation and outputs that are the same on every run.

    python tools/notebooks.py run [NOTEBOOK ...]   regenerate navigation, then execute in place
    python tools/notebooks.py nav                  regenerate navigation only
    python tools/notebooks.py check                exit 1 if any navigation bar is out of date

Navigation lives in the first and last cells of each notebook, tagged ``navigation``.
"""

from __future__ import annotations

import os
import re
import sys
import uuid
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
START = "00_start_here.ipynb"


def series() -> list[Path]:
    """The numbered notebooks, in reading order."""
    return sorted(p for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def title(nb) -> str:
    """A notebook's title: its first level-one heading."""
    for cell in nb.cells:
        if cell.cell_type == "markdown" and "navigation" not in cell.metadata.get("tags", []):
            match = re.search(r"^# (.+)$", cell.source, flags=re.M)
            if match:
                return match.group(1).strip()
    raise ValueError("a notebook needs a '# Title' heading")


def navigation_text(paths: list[Path], index: int, titles: list[str]) -> str:
    """The bar for notebook ``index``: previous, start here, next."""
    parts = []
    if index > 0:
        parts.append(f"[< {titles[index - 1]}]({paths[index - 1].name})")
    if paths[index].name != START:
        parts.append(f"[Start here]({START})")
    if index + 1 < len(paths):
        parts.append(f"[{titles[index + 1]} >]({paths[index + 1].name})")
    return " | ".join(parts)


def navigation_cell(text: str, where: str):
    cell = nbformat.v4.new_markdown_cell(text)
    cell.metadata["tags"] = ["navigation"]
    cell.id = f"navigation-{where}"
    return cell


def with_navigation(nb, text: str):
    """The notebook with its top and bottom navigation cells set to ``text``."""
    cells = [c for c in nb.cells if "navigation" not in c.metadata.get("tags", [])]
    nb.cells = [navigation_cell(text, "top"), *cells, navigation_cell(text, "bottom")]
    return nb


def update_navigation() -> list[Path]:
    """Rewrite every notebook's navigation; return the notebooks whose bars changed."""
    paths = series()
    books = [nbformat.read(p, as_version=4) for p in paths]
    titles = [title(nb) for nb in books]
    changed = []
    for i, (path, nb) in enumerate(zip(paths, books)):
        before = nbformat.writes(nb)
        after = nbformat.writes(with_navigation(nb, navigation_text(paths, i, titles)))
        if after != before:
            path.write_text(after, encoding="utf-8")
            changed.append(path)
    return changed


def steady_widget_ids(nb):
    """Replace the random widget model ids with ones derived from the notebook, in order of appearance."""
    text = nbformat.writes(nb)
    state = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
    found = list(state) + re.findall(r'"model_id": "([0-9a-f]{32})"', text)
    mapping = {}
    for old in found:
        if old not in mapping:
            mapping[old] = uuid.uuid5(uuid.NAMESPACE_URL, f"revlib/{nb.metadata.get('revlib_name')}/{len(mapping)}").hex
    for old, new in mapping.items():
        text = text.replace(old, new)
    return nbformat.reads(text, as_version=4)


def execute(path: Path) -> None:
    """Run a notebook top to bottom in its own folder and save it with its outputs."""
    nb = nbformat.read(path, as_version=4)
    nb.metadata["revlib_name"] = path.stem
    client = NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        record_timing=False,
        store_widget_state=True,
    )
    client.execute()
    nb = steady_widget_ids(nb)
    nb.metadata.pop("revlib_name", None)
    path.write_text(nbformat.writes(nb), encoding="utf-8")


def main(argv: list[str]) -> int:
    # The kernel must be this environment's Python, whatever PATH says.
    os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    command, names = (argv[0] if argv else "run"), argv[1:]
    if command == "check":
        paths = series()
        books = [nbformat.read(p, as_version=4) for p in paths]
        titles = [title(nb) for nb in books]
        stale = [p.name for i, (p, nb) in enumerate(zip(paths, books))
                 if nbformat.writes(nb) != nbformat.writes(with_navigation(nbformat.from_dict(nb), navigation_text(paths, i, titles)))]
        print("navigation out of date: " + ", ".join(stale) if stale else "navigation up to date")
        return 1 if stale else 0
    update_navigation()
    if command == "nav":
        return 0
    if command != "run":
        print(__doc__)
        return 2
    targets = [Path(n) if Path(n).exists() else NOTEBOOKS / n for n in names] if names else series()
    for path in targets:
        print(f"executing {path.resolve().relative_to(ROOT)}", flush=True)
        execute(path.resolve())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
