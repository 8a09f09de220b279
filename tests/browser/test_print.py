"""Printing: the article page and a widget, printed to PDF by chromium, hold every closed section's text
and every outbound URL (read back with ``pdftotext`` from Debian's poppler-utils).

Closed ``<details>`` do not print by default, and a printed link is only ink: widget.css's print
rules open every expander and write each link's URL after it.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.browser.chromium import MissingTool
from tests.browser.helpers import SLUGS

# What a reader should find on paper, read before printing: each run of text in a closed expander
# (not the labels only screen readers get; the URL printed after a link splits a line into runs),
# and every http(s) link's URL.
_EXPECTED = """() => {
  const texts = [];
  for (const details of document.querySelectorAll('details:not([open])')) {
    const walker = document.createTreeWalker(details, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const skip = node.parentElement.closest('summary, .hw-vh');
      if (!skip && node.data.trim()) texts.push(node.data.trim());
    }
  }
  const urls = [...document.querySelectorAll('.hw a[href^="http"]:not(.hw-cite)')].map(a => a.getAttribute('href'));
  return {texts: [...new Set(texts)], urls: [...new Set(urls)]};
}"""
TIMEOUT = 30  # seconds for pdftotext; it takes well under one


def _pdftotext() -> str:
    found = shutil.which("pdftotext")
    if found is None:
        raise MissingTool("pdftotext is not installed: run ./scripts/system-deps (Debian's poppler-utils).")
    return found


@pytest.fixture(scope="module")
def pdftotext() -> str:
    try:
        return _pdftotext()
    except MissingTool as exc:
        pytest.fail(str(exc), pytrace=False)


def _squash(text: str) -> str:
    # Print wraps long URLs and lines anywhere, and pdftotext joins a word broken after a hyphen
    # without its hyphen ("best-\nestablished" reads "bestestablished"): compare without either.
    return "".join(text.split()).replace("-", "")


def _printed(page: Page, pdftotext: str, tmp_path: Path) -> str:
    pdf = tmp_path / "printed.pdf"
    pdf.write_bytes(page.pdf(format="A4", print_background=False))
    result = subprocess.run(
        [pdftotext, "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, timeout=TIMEOUT, check=True
    )
    return _squash(result.stdout)


def _missing(page: Page, pdftotext: str, tmp_path: Path) -> dict[str, list[str]]:
    expected = page.evaluate(_EXPECTED)
    assert expected["texts"], "nothing closed to look for"
    assert expected["urls"], "no outbound link to look for"
    printed = _printed(page, pdftotext, tmp_path)
    return {
        name: [value for value in expected[name] if _squash(value) not in printed]
        for name in ("texts", "urls")
        if any(_squash(value) not in printed for value in expected[name])
    }


@pytest.mark.parametrize("slug", SLUGS)
def test_printed_article_page_holds_closed_sources_and_their_urls(sites, visit, pdftotext, tmp_path, slug):
    v = visit()
    v.page.goto(f"{sites.widgets['open']}/articles/{slug}")

    assert _missing(v.page, pdftotext, tmp_path) == {}


@pytest.mark.parametrize("slug", SLUGS)
def test_printed_widget_holds_closed_key_points_and_sources(sites, visit, pdftotext, tmp_path, slug):
    v = visit()
    v.page.goto(f"{sites.widgets['open']}/embed/{slug}/takeaway")

    assert _missing(v.page, pdftotext, tmp_path) == {}
