"""The vendored htmx is the pinned file, and static files are served with the right type."""

from __future__ import annotations

import hashlib

from bs4 import BeautifulSoup

from tests.support import PUBLIC_URL
from widget.settings import PROJECT_ROOT

HTMX_DIR = PROJECT_ROOT / "static" / "vendor" / "htmx-2.0.11"
HTMX_SHA256 = "d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717"
HTMX_BYTES = 52_182


def test_htmx_is_the_pinned_file():
    data = (HTMX_DIR / "htmx.min.js").read_bytes()

    assert len(data) == HTMX_BYTES
    assert hashlib.sha256(data).hexdigest() == HTMX_SHA256


def test_htmx_licence_is_beside_it():
    licence = (HTMX_DIR / "LICENSE").read_text(encoding="utf-8")

    assert "Zero-Clause BSD" in licence


def test_htmx_version_notes_match_the_file():
    notes = (HTMX_DIR / "VERSION.md").read_text(encoding="utf-8")

    assert HTMX_SHA256 in notes
    assert f"{HTMX_BYTES:,} bytes" in notes


def test_stylesheet_is_served_as_css(client):
    with client.get("/static/widget.css") as response:
        assert response.status_code == 200
        assert response.mimetype == "text/css"
        assert b".hw" in response.data


def test_htmx_is_served_as_javascript(client):
    with client.get("/static/vendor/htmx-2.0.11/htmx.min.js") as response:
        assert response.status_code == 200
        assert response.mimetype == "text/javascript"
        assert len(response.data) == HTMX_BYTES


def test_widget_stylesheet_link_resolves(client, mode):
    soup = BeautifulSoup(client.get(f"/{mode}/lupus-numbness/takeaway").text, "html.parser")
    hrefs = [str(link["href"]) for link in soup.find_all("link", rel="stylesheet")]

    assert hrefs
    for href in hrefs:
        assert href.startswith(PUBLIC_URL + "/static/")
        with client.get(href.removeprefix(PUBLIC_URL)) as response:
            assert response.status_code == 200
            assert response.mimetype == "text/css"
