"""Build site/: every notebook as a web page with its outputs, charts and saved widgets, and an index.

    python tools/site.py [OUT_DIR]      (default: site/)

A new hire can read the whole series in a browser with no Python and no network: the widget renderer
and require.js are served from ``_static/`` beside the pages (see ``tools/site_assets/vendor/README.md``),
and no page loads MathJax. Links between notebooks point at the pages; the widgets show their saved state
(the controls as they start and their charts; moving them needs a kernel).
"""

from __future__ import annotations

import html
import re
import shutil
import sys
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter

ROOT = Path(__file__).resolve().parents[1]
ASSETS = ROOT / "tools" / "site_assets"
sys.path.insert(0, str(ROOT / "tools"))
from notebooks import html_dollars, series, title  # noqa: E402

LINK = re.compile(r'href="((?:\./)?[0-9][0-9]_[A-Za-z0-9_]+)\.ipynb(#[^"]*)?"')
STATIC = "_static"


def exporter() -> HTMLExporter:
    """nbconvert's lab page, with the project's template and every script served from ``_static/``."""
    return HTMLExporter(
        template_name="lab",
        extra_template_paths=[str(ASSETS / "template")],
        template_file="site.html.j2",
        require_js_url=f"{STATIC}/require.js",
        widget_renderer_url=f"{STATIC}/embed-amd.js",
    )


def page(path: Path) -> str:
    """One notebook as a self-contained HTML page, its notebook links turned into page links."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = html_dollars(cell.source)
    body, _ = exporter().from_notebook_node(nb)
    return LINK.sub(lambda m: f'href="{m.group(1)}.html{m.group(2) or ""}"', body)


def index(entries: list[tuple[str, str]]) -> str:
    """The start page: the series in reading order."""
    items = "\n".join(f'    <li><a href="{html.escape(href)}">{html.escape(name)}</a></li>' for href, name in entries)
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Revenue metrics, one contract at a time</title>
<style>body {{ font-family: sans-serif; max-width: 46em; margin: 3em auto; line-height: 1.5; padding: 0 1em; }}
li {{ margin: 0.4em 0; }}</style></head>
<body>
<h1>Revenue metrics, one contract at a time</h1>
<p>Bookings, billings, revenue, deferred revenue, backlog, MRR and ARR, followed month by month.
Read the notebooks in order; every figure was computed by revlib when the page was built.</p>
<ol>
{items}
</ol>
</body>
</html>
"""


def build(out: Path) -> list[Path]:
    """Write every page, the index and the scripts they load into ``out``; return the pages written."""
    out.mkdir(parents=True, exist_ok=True)
    static = out / STATIC
    static.mkdir(exist_ok=True)
    for name in ("require.js", "embed-amd.js"):
        shutil.copyfile(ASSETS / "vendor" / name, static / name)
    written, entries = [], []
    for path in series():
        target = out / (path.stem + ".html")
        target.write_text(page(path), encoding="utf-8")
        written.append(target)
        entries.append((target.name, html.unescape(html_dollars(title(nbformat.read(path, as_version=4))))))
    (out / "index.html").write_text(index(entries), encoding="utf-8")
    return [out / "index.html", *written]


if __name__ == "__main__":
    pages = build(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "site")
    print(f"wrote {len(pages)} pages to {pages[0].parent}")
