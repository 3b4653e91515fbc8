r"""Re-execute the series in place, with generated navigation and outputs that are the same on every run.

    python tools/notebooks.py run [NOTEBOOK ...]   regenerate navigation, then execute in place
    python tools/notebooks.py nav                  regenerate navigation only
    python tools/notebooks.py check                exit 1 if a navigation bar is out of date or a markdown
                                                   cell would show something other than what is written

Navigation lives in the first and last cells of each notebook, tagged ``navigation``.

Money in markdown is written ``\\$1,200`` (two backslashes, then the dollar sign). JupyterLab, Notebook 7 and
GitHub typeset text between two dollar signs as a formula, even when they are written ``\$`` or ``&#36;``;
``\\$`` is the one form they all show as a plain dollar sign (Voila too: its page runs MathJax). The static
site has no MathJax, so its pages get ``&#36;`` instead, from :func:`html_dollars`. ``<details>`` never sits inside a list item: nbconvert
closes it empty there and shows the answer below it.
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


DOLLAR = "\\\\$"  # what a markdown cell's source holds for one dollar sign: \\$
MATH = re.compile(r"\$|\\\(|\\\[|\\begin\{")  # a dollar not written \\$, or a LaTeX delimiter
LIST_ITEM = re.compile(r"^[ \t]*(?:\d+[.)]|[-*+])[ \t]")


def markdown_problems(source: str) -> list[str]:
    r"""What in one markdown cell would not show as written: a dollar sign that could start a formula, a
    ``<details>`` inside a list item.

    >>> markdown_problems(r"Bookings are \\$4,600 and ACV \\$1,200; `$x` is code.")
    []
    >>> markdown_problems(r"Bookings are \$4,600 and ACV \$1,200.")
    ['line 1: a dollar sign written \\$ or $ (JupyterLab may typeset it as math); write \\\\$']
    >>> markdown_problems("1. A question?\n<details><summary>Answer</summary>\n\nYes.\n</details>")
    ['line 2: <details> inside a list item (nbconvert shows it empty); put the question in a paragraph']
    """
    problems, in_list, fenced = [], False, False
    for number, line in enumerate(source.splitlines(), start=1):
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
            continue
        if fenced:
            continue
        prose = re.sub(r"`[^`]*`", "", line).replace(DOLLAR, "")
        if MATH.search(prose):
            problems.append(f"line {number}: a dollar sign written \\$ or $ (JupyterLab may typeset it as math); "
                            f"write \\\\$")
        if LIST_ITEM.match(line):
            in_list = True
        elif not line.strip():
            in_list = False
        if in_list and line.lstrip().startswith("<details"):
            problems.append(f"line {number}: <details> inside a list item (nbconvert shows it empty); "
                            f"put the question in a paragraph")
    return problems


def notebook_problems(paths: list[Path]) -> list[str]:
    """Every markdown problem in these notebooks, as ``name, cell N, line M: what``."""
    found = []
    for path in paths:
        for index, cell in enumerate(nbformat.read(path, as_version=4).cells):
            if cell.cell_type == "markdown":
                found += [f"{path.name}, cell {index}, {problem}" for problem in markdown_problems(cell.source)]
    return found


def html_dollars(markdown: str) -> str:
    r"""Markdown for a page without MathJax: each ``\\$`` becomes the entity ``&#36;``, shown as a dollar sign.

    >>> html_dollars(r"\\$30M booked")
    '&#36;30M booked'
    """
    return markdown.replace(DOLLAR, "&#36;")


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


WIDGET = "application/vnd.jupyter.widget-view+json"


def picture(svg: str) -> str:
    """An SVG chart as a PNG (base64), drawn the same on every machine: matplotlib's DejaVu fonts, no system fonts."""
    import base64

    import matplotlib
    import resvg_py

    fonts = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    png = resvg_py.svg_to_bytes(svg_string=svg, background="#ffffff", zoom=1.5, skip_system_fonts=True,
                                font_files=[str(fonts / "DejaVuSans.ttf"), str(fonts / "DejaVuSans-Bold.ttf")],
                                font_family="DejaVu Sans", sans_serif_family="DejaVu Sans")
    return base64.b64encode(bytes(png)).decode("ascii")


def with_pictures(nb):
    """Each live control's stored picture as a PNG: its chart as the control starts, for a reader with no kernel.

    revlib's explorers show their chart as SVG beside the widget (see ``revlib.series.widgets.Explorer``). JupyterLab
    shows no SVG from a notebook it does not trust, and GitHub shows no widget, so the stored notebook carries the
    chart as a PNG instead; wherever widgets run, the live control is shown and the picture is not.
    """
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET in data and "image/svg+xml" in data:
                data["image/png"] = picture(data.pop("image/svg+xml"))
    return nb


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
    nb = with_pictures(steady_widget_ids(nb))
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
        problems = notebook_problems(paths)
        print("\n".join(problems) if problems else "markdown shows as written")
        return 1 if stale or problems else 0
    problems = notebook_problems(series())
    if problems:
        print("refused: these markdown cells would not show as written\n" + "\n".join(problems))
        return 1
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
