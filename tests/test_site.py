"""The static site: every notebook as a page, an index in reading order, and no broken link."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_site_has_every_page_and_every_link_works(tmp_path):
    out = tmp_path / "site"
    subprocess.run([sys.executable, str(ROOT / "tools" / "site.py"), str(out)], check=True, capture_output=True)
    notebooks = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    pages = sorted(p.stem for p in out.glob("[0-9][0-9]_*.html"))
    assert pages == notebooks and (out / "index.html").exists()
    index = (out / "index.html").read_text()
    assert re.findall(r'href="([^"]+)"', index) == [f"{name}.html" for name in notebooks]
    for page in out.glob("*.html"):
        text = page.read_text()
        assert ".ipynb\"" not in text, f"{page.name} still links to a notebook"
        for href in re.findall(r'href="([^"#:]+\.html)(?:#[^"]*)?"', text):
            assert (out / href).exists(), f"{page.name} links to a missing {href}"
    explorer = (out / "01_google_4600.html").read_text()
    assert "application/vnd.jupyter.widget-state+json" in explorer, "the saved widget state is on the page"
    assert "Bookings (TCV): $4,600" in explorer
